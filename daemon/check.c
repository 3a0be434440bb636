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
#include "entries.h"
#include "kinds.h"
#include "log.h"

/* core.images (each opened, then offered to the image kinds loaded) and core.roots. */
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
        if (c->n_images < CORE_MAX_IMAGES)
            c->images[c->n_images++] = img; /* freed with the core */
        else
            image_free(img);
    }
    if (kinds_probe_images(c, err, sizeof(err)) < 0)
        options_report_error(err, o);
    if (entries_from_config(c, err, sizeof(err)) < 0)
        options_report_error(err, o);
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
    int ex = 0;

    startup_load_plugins(c, options_report_error, o, &ex);
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
