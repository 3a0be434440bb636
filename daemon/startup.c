/* SPDX-License-Identifier: MIT */
/*
 * The plugin phases in start order (load, config_complete, bind, privilege
 * drop, start, rootfs_prepare) and back (stop, unload, free), with the API's
 * bind and start at their places between them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "config.h"
#include "daemon.h"
#include "entries.h"
#include "log.h"
#include "loop.h"

int startup_open_images(struct core *c, char *err)
{
    for (char **s = c->set.images; s && *s; s++) {
        char name[32];
        int r;

        if (c->n_images == CORE_MAX_IMAGES) {
            snprintf(err, CONFIG_ERR_MAX, "core.images: more than %d images", CORE_MAX_IMAGES);
            return -E2BIG;
        }
        snprintf(name, sizeof(name), c->n_images == 0 ? "archiso" : "image%u", c->n_images);
        r = image_open(*s, name, &c->images[c->n_images], err, CONFIG_ERR_MAX);
        if (r < 0)
            return r;
        for (uint32_t i = 0; i < c->n_images; i++)
            if (!strcmp(c->images[i]->pub.name, c->images[c->n_images]->pub.name)) {
                snprintf(err, CONFIG_ERR_MAX, "core.images: duplicate image name '%s'",
                         c->images[i]->pub.name);
                image_free(c->images[c->n_images]);
                return -EINVAL;
            }
        c->n_images++; /* logged with its kind once the kinds have probed it (core/kinds.c) */
    }
    for (char **s = c->set.roots; s && *s; s++) {
        int fd;

        if (c->n_roots == CORE_MAX_ROOTS) {
            snprintf(err, CONFIG_ERR_MAX, "core.roots: more than %d roots", CORE_MAX_ROOTS);
            return -E2BIG;
        }
        fd = open(*s, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            int r = -errno;

            snprintf(err, CONFIG_ERR_MAX, "core.roots: '%s': %s", *s, strerror(-r));
            return r;
        }
        c->root_fds[c->n_roots++] = fd;
    }
    return 0;
}

int startup_dump_plugin(const char *path)
{
    char err[PLUGIN_ERR_MAX];
    struct pxe_core *p;
    int r = plugin_open(path, 0, &p, err);

    if (r < 0) {
        fprintf(stderr, "pxecore: %s\n", err);
        return EXIT_PLUGIN;
    }
    plugin_dump(p);
    plugin_close(p);
    return 0;
}

/* A plugin's failure in err: to report (and go on, 0) or logged (and stop, r). */
static int load_failed(int r, int ex, const char *err, config_report_fn report, void *ud,
                       int *ret_exit)
{
    *ret_exit = ex;
    if (report) {
        report(err, ud);
        return 0;
    }
    log_err("%s", err);
    return r;
}

int startup_load_plugins(struct core *c, config_report_fn report, void *ud, int *ret_exit)
{
    for (struct pxe_core *p = c->plugins; p; p = p->next) {
        char err[CONFIG_ERR_MAX], sec[48];
        int r;

        if (!p->enabled)
            continue;
        snprintf(sec, sizeof(sec), "plugins.%s", p->desc.name);
        r = config_check_required(p->desc.config_items, p->cfg, sec, err, report, ud);
        if (r < 0) {
            *ret_exit = EXIT_CONFIG;
            if (report)
                continue; /* each missing key was reported */
            log_err("%s", err);
            return r;
        }
        r = p->desc.load(&core_api, p, &p->state);
        if (r < 0) {
            snprintf(err, sizeof(err), "%s: load failed: %s", p->file, strerror(-r));
            if ((r = load_failed(r, r == -ENOMEM ? EXIT_OOM : EXIT_PLUGIN, err, report, ud,
                                 ret_exit)) < 0)
                return r;
            continue;
        }
        p->loaded = 1;
        r = p->desc.config_complete ? p->desc.config_complete(p->state, p->cfg) : 0;
        if (r < 0) {
            snprintf(err, sizeof(err),
                     "%s: configuration refused: %s (the [%s] lines above name the key, "
                     "%s.KEY)",
                     sec, strerror(-r), p->desc.name, sec);
            if ((r = load_failed(r, EXIT_CONFIG, err, report, ud, ret_exit)) < 0)
                return r;
        }
    }
    return 0;
}

int startup_bind_start(struct core *c, int *ret_exit)
{
    int r;

    for (struct pxe_core *p = c->plugins; p; p = p->next) {
        if (!p->loaded || !p->desc.bind)
            continue;
        r = p->desc.bind(p->state);
        if (r < 0) {
            log_err("%s: cannot bind: %s", p->desc.name, strerror(-r));
            *ret_exit = EXIT_NET;
            return r;
        }
        p->bound = 1;
    }
    r = api_bind(c);
    if (r < 0) {
        *ret_exit = EXIT_NET;
        return r;
    }
    if (c->set.pidfile) {
        c->pidfd = privs_pidfile_create(c->set.pidfile);
        if (c->pidfd < 0) {
            log_err("core.pidfile: cannot create '%s': %s", c->set.pidfile, strerror(-c->pidfd));
            *ret_exit = EXIT_FILE;
            return c->pidfd;
        }
    }
    r = privs_drop(c->set.user);
    if (r < 0) {
        *ret_exit = EXIT_CONFIG;
        return r;
    }
    for (struct pxe_core *p = c->plugins; p; p = p->next) {
        if (!p->loaded)
            continue;
        r = p->desc.start ? p->desc.start(p->state) : 0;
        if (r < 0) {
            log_err("%s: start failed: %s", p->desc.name, strerror(-r));
            *ret_exit = r == -EADDRINUSE || r == -EACCES ? EXIT_NET : EXIT_PLUGIN;
            return r;
        }
        p->started = 1;
    }
    /* Each image's outcome is logged by the core; a method without a root filesystem for an
     * image just offers no entry for it. */
    for (struct pxe_core *p = c->plugins; p; p = p->next)
        if (p->started && plugin_is_method(p))
            (void)core_rootfs_prepare(c, p);
    r = api_start(c);
    if (r < 0)
        *ret_exit = EXIT_NET;
    return r;
}

void startup_shutdown(struct core *c)
{
    struct pxe_core *rev[256];
    size_t n = 0;

    c->quitting = 1;
    for (struct pxe_core *p = c->plugins; p && n < 256; p = p->next)
        rev[n++] = p;
    while (n-- > 0) {
        struct pxe_core *p = rev[n];
        unsigned left;

        if (p->started) {
            if (plugin_is_method(p))
                core_rootfs_release(c, p);
            if (p->desc.stop)
                p->desc.stop(p->state);
            p->started = 0;
        }
        left = spawn_forget_owner(p);
        if (left)
            log_msg(p->desc.name, 5, "%u command(s) still running after stop, not waited for",
                    left);
        left = loop_free_owner(c->loop, p);
        if (left)
            log_msg(p->desc.name, 4, "%u event sources left after stop, freed", left);
        if (p->loaded && p->desc.unload)
            p->desc.unload(p->state);
        p->loaded = 0;
        p->state = NULL;
    }
}

void startup_free(struct core *c)
{
    while (c->plugins) {
        struct pxe_core *p = c->plugins;

        c->plugins = p->next;
        plugin_close(p);
    }
    for (uint32_t i = 0; i < c->n_images; i++)
        image_free(c->images[i]);
    for (uint32_t i = 0; i < c->n_roots; i++)
        close(c->root_fds[i]);
    core_hosts_free(c);
    core_entries_free(c);
    config_free(core_settings_items, &c->set);
    config_free(menu_settings_items, &c->menu);
    sboot_sig_free();
    sboot_free(c);
    config_free(sboot_settings_items, &c->sb);
    loop_free(c->loop);
    pthread_rwlock_destroy(&c->model_lock);
}

int startup_mkdir_p(const char *path)
{
    char tmp[4096];

    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(tmp, 0700) < 0 && errno != EEXIST) /* leases, state, token: the service user only */
        return -errno;
    return 0;
}

void startup_reload_images(struct core *c)
{
    for (uint32_t i = 0; i < c->n_images; i++) {
        char err[CONFIG_ERR_MAX];
        int r = image_reload(c->images[i], err, sizeof(err));

        if (r < 0)
            log_err("%s", err);
        else if (r > 0)
            log_info("image '%s': %s read again", c->images[i]->pub.name,
                     c->images[i]->pub.source);
    }
}
