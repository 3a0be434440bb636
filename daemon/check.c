/* SPDX-License-Identifier: MIT */
/*
 * --check-config: everything the daemon would refuse at start, short of
 * binding sockets, reported all at once.  A config error, a plugin's refusal,
 * a core.user that does not exist, an image or root that cannot be opened:
 * each is an error (the daemon would exit on it), logged with the key it
 * concerns, and the file is valid only when there are none.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"

/* Required keys, load and config_complete of every enabled plugin; each failure reported. */
static void check_plugins(struct core *c, struct options *o)
{
    for (struct pxe_core *p = c->plugins; p; p = p->next) {
        char err[CONFIG_ERR_MAX], sec[48];
        int r;

        if (!p->enabled)
            continue;
        snprintf(sec, sizeof(sec), "plugins.%s", p->desc.name);
        if (config_check_required(p->desc.config_items, p->cfg, sec, err, options_report_error,
                                  o) < 0)
            continue;
        r = p->desc.load(&core_api, p, &p->state);
        if (r < 0) {
            snprintf(err, sizeof(err), "%s: load failed: %s", p->file, strerror(-r));
            options_report_error(err, o);
            continue;
        }
        p->loaded = 1;
        r = p->desc.config_complete ? p->desc.config_complete(p->state, p->cfg) : 0;
        if (r < 0) {
            snprintf(err, sizeof(err),
                     "%s: configuration refused: %s (the [%s] lines above name the key, "
                     "%s.KEY)",
                     sec, strerror(-r), p->desc.name, sec);
            options_report_error(err, o);
        }
    }
}

/* core.images (each opened and closed again) and core.roots. */
static void check_images(struct core *c, struct options *o)
{
    char err[CONFIG_ERR_MAX];
    unsigned i = 0;

    for (char **s = c->set.images; s && *s; s++, i++) {
        struct image *img;
        char name[32];

        snprintf(name, sizeof(name), i == 0 ? "archiso" : "image%u", i);
        if (image_open(*s, name, &img, err, sizeof(err)) < 0) {
            options_report_error(err, o);
            continue;
        }
        image_free(img);
    }
    for (char **s = c->set.roots; s && *s; s++) {
        int fd = open(*s, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd >= 0) {
            close(fd);
            continue;
        }
        snprintf(err, sizeof(err), "core.roots: '%s': %s", *s, strerror(errno));
        options_report_error(err, o);
    }
}

int check_config_run(struct core *c, struct options *o)
{
    char err[CONFIG_ERR_MAX];

    check_plugins(c, o);
    if (c->set.user && *c->set.user && !getpwnam(c->set.user)) {
        snprintf(err, sizeof(err), "core.user: no user named '%s'", c->set.user);
        options_report_error(err, o);
    }
    check_images(c, o);
    if (o->errors) {
        printf("%s: %u error(s)\n", o->check_config, o->errors);
        return EXIT_CONFIG;
    }
    printf("%s: configuration is valid\n", o->check_config);
    return 0;
}
