/* SPDX-License-Identifier: MIT */
/*
 * pxecore: command line, configuration, startup order and shutdown.
 *
 * Startup: parse argv (pass 1) -> open plugins -> defaults, config file,
 * argv (pass 2) -> images -> load + config_complete -> API init -> bind ->
 * drop privileges -> start -> rootfs_prepare -> pidfile -> loop.  Shutdown
 * runs the same steps backwards.  Exit codes are documented in README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <pxecore/version.h>

#include "api.h"
#include "child.h"
#include "config.h"
#include "core.h"
#include "events.h"
#include "files.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "state.h"

#define EXIT_CONFIG 1
#define EXIT_NET 2
#define EXIT_FILE 3
#define EXIT_OOM 4
#define EXIT_PLUGIN 5

struct options {
    const char *plugins_dir;
    const char *config;
    const char *check_config;
    const char *dump_plugin;
    int verbose;
    int no_api;
};

/* A config table section a flag can land in. */
struct section {
    const char *name; /* "core", "menu", "api" or a plugin name */
    const struct pxe_config_item *items;
    void *base;
};

static struct api_settings api_set;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: pxecore --plugins-dir DIR [--config FILE] [OPTION]...\n"
            "       pxecore --plugins-dir DIR --check-config FILE\n"
            "       pxecore --dump-plugin FILE\n\n"
            "  --plugins-dir DIR       load pxecore-*.so from DIR\n"
            "  --config FILE           JSON configuration file\n"
            "  --check-config FILE     validate FILE and exit (0 valid, 1 invalid)\n"
            "  --dump-plugin FILE      print a plugin's key=value description and exit\n"
            "  --set SECTION.KEY=VALUE set any config key (SECTION: core, menu, api, a plugin)\n"
            "  --disable-plugin NAME   do not start plugin NAME\n"
            "  --no-api                do not start the REST API\n"
            "  --debug PLUGIN          debug messages of one plugin\n"
            "  -v, --verbose           debug messages of everything\n"
            "  -f, --foreground        accepted for compatibility (always foreground)\n"
            "  --help-config           list every config key and its flag\n"
            "  --version\n"
            "Every config key with a flag (see --help-config) is also an option.\n");
}

static int is_flag(const char *a, const char *name, const char **ret_inline)
{
    size_t n = strlen(name);

    *ret_inline = NULL;
    if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0)
        return 0;
    if (a[2 + n] == '\0')
        return 1;
    if (a[2 + n] == '=') {
        *ret_inline = a + 3 + n;
        return 1;
    }
    return 0;
}

/* Pass 1: the options needed before plugins can be opened. */
static int parse_early(int argc, char **argv, struct options *o)
{
    static const char *const names[] = {"plugins-dir", "config", "check-config", "dump-plugin"};
    const char **dst[] = {&o->plugins_dir, &o->config, &o->check_config, &o->dump_plugin};

    for (int i = 1; i < argc; i++) {
        const char *inl;

        if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
            o->verbose = 1;
        if (!strcmp(argv[i], "--no-api"))
            o->no_api = 1;
        for (size_t k = 0; k < 4; k++) {
            if (!is_flag(argv[i], names[k], &inl))
                continue;
            if (!inl && i + 1 >= argc) {
                fprintf(stderr, "pxecore: option --%s needs a value\n", names[k]);
                return -EINVAL;
            }
            *dst[k] = inl ? inl : argv[++i];
        }
    }
    return 0;
}

static int apply_cli_item(struct section *secs, size_t n, const char *flag, const char *value,
                          int *ret_takes_value, char *err)
{
    for (size_t s = 0; s < n; s++) {
        for (const struct pxe_config_item *it = secs[s].items; it && it->key; it++) {
            if (!it->cli_flag || strcmp(it->cli_flag, flag) != 0)
                continue;
            if (it->type == PXE_CFG_BOOL && !value) {
                *ret_takes_value = 0;
                value = "true";
            } else {
                *ret_takes_value = 1;
                if (!value) {
                    snprintf(err, CONFIG_ERR_MAX, "option --%s needs a value", flag);
                    return -EINVAL;
                }
            }
            return config_apply_text(secs[s].items, secs[s].base, secs[s].name, it->key, value,
                                     err);
        }
    }
    snprintf(err, CONFIG_ERR_MAX, "unknown option --%s (see --help)", flag);
    return -ENOENT;
}

static struct section *section_find(struct section *secs, size_t n, const char *name, size_t len)
{
    for (size_t s = 0; s < n; s++)
        if (strlen(secs[s].name) == len && strncmp(secs[s].name, name, len) == 0)
            return &secs[s];
    return NULL;
}

/* Pass 2: everything else, after defaults and the config file. */
static int parse_late(struct core *c, int argc, char **argv, struct section *secs, size_t n,
                      char *err)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *inl, *eq, *dot;
        char flag[64];
        int takes = 0, r;

        if (!strcmp(a, "-v") || !strcmp(a, "--verbose") || !strcmp(a, "-f") ||
            !strcmp(a, "--foreground") || !strcmp(a, "--no-api") || !strcmp(a, "--help-config"))
            continue;
        if (is_flag(a, "plugins-dir", &inl) || is_flag(a, "config", &inl) ||
            is_flag(a, "check-config", &inl) || is_flag(a, "dump-plugin", &inl)) {
            i += inl ? 0 : 1;
            continue;
        }
        if (is_flag(a, "debug", &inl) || is_flag(a, "disable-plugin", &inl)) {
            const char *v = inl ? inl : (i + 1 < argc ? argv[++i] : NULL);
            struct pxe_core *p = v ? core_plugin_find(c, v) : NULL;

            if (!p) {
                snprintf(err, CONFIG_ERR_MAX, "%s: no plugin named '%s'", a, v ? v : "");
                return -EINVAL;
            }
            if (a[2] == 'd' && a[3] == 'e')
                p->debug = 1;
            else
                p->enabled = 0;
            continue;
        }
        if (is_flag(a, "set", &inl)) {
            const char *v = inl ? inl : (i + 1 < argc ? argv[++i] : NULL);
            struct section *s;

            dot = v ? strchr(v, '.') : NULL;
            eq = dot ? strchr(dot, '=') : NULL;
            s = eq ? section_find(secs, n, v, (size_t)(dot - v)) : NULL;
            if (!s) {
                snprintf(err, CONFIG_ERR_MAX, "--set '%s': expected SECTION.KEY=VALUE with a "
                         "known section", v ? v : "");
                return -EINVAL;
            }
            snprintf(flag, sizeof(flag), "%.*s", (int)(eq - dot - 1), dot + 1);
            r = config_apply_text(s->items, s->base, s->name, flag, eq + 1, err);
            if (r < 0)
                return r;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || strlen(a) < 3) {
            snprintf(err, CONFIG_ERR_MAX, "unexpected argument '%s'", a);
            return -EINVAL;
        }
        eq = strchr(a, '=');
        snprintf(flag, sizeof(flag), "%.*s", (int)(eq ? (size_t)(eq - a - 2) : strlen(a + 2)),
                 a + 2);
        r = apply_cli_item(secs, n, flag, eq ? eq + 1 : NULL, &takes, err);
        if (r == -EINVAL && !eq && i + 1 < argc && strstr(err, "needs a value"))
            r = apply_cli_item(secs, n, flag, argv[++i], &takes, err);
        if (r < 0)
            return r;
    }
    (void)c;
    return 0;
}

/* Fails when two tables declare the same command-line flag. */
static int check_flag_clash(struct section *secs, size_t n, char *err)
{
    for (size_t a = 0; a < n; a++)
        for (const struct pxe_config_item *x = secs[a].items; x && x->key; x++)
            for (size_t b = a; x->cli_flag && b < n; b++)
                for (const struct pxe_config_item *y = (a == b ? x + 1 : secs[b].items);
                     y && y->key; y++)
                    if (y->cli_flag && strcmp(x->cli_flag, y->cli_flag) == 0) {
                        snprintf(err, CONFIG_ERR_MAX,
                                 "option --%s is declared by both %s.%s and %s.%s", x->cli_flag,
                                 secs[a].name, x->key, secs[b].name, y->key);
                        return -EINVAL;
                    }
    return 0;
}

static int apply_config_file(struct core *c, json_t *root, struct section *secs, size_t n,
                             char *err)
{
    const char *key;
    json_t *v;

    if (!json_is_object(root)) {
        snprintf(err, CONFIG_ERR_MAX, "top level must be a JSON object");
        return -EINVAL;
    }
    json_object_foreach (root, key, v) {
        if (!strcmp(key, "core") || !strcmp(key, "menu") || !strcmp(key, "api")) {
            struct section *s = section_find(secs, n, key, strlen(key));
            int r = config_apply_json(s->items, s->base, key, v, err);

            if (r < 0)
                return r;
        } else if (!strcmp(key, "plugins")) {
            const char *pname;
            json_t *pv;

            if (!json_is_object(v)) {
                snprintf(err, CONFIG_ERR_MAX, "plugins: must be a JSON object");
                return -EINVAL;
            }
            json_object_foreach (v, pname, pv) {
                struct pxe_core *p = core_plugin_find(c, pname);
                char sec[64];
                json_t *en;
                int r;

                snprintf(sec, sizeof(sec), "plugins.%s", pname);
                if (!p) {
                    snprintf(err, CONFIG_ERR_MAX, "%s: no plugin named '%s' was loaded", sec,
                             pname);
                    return -EINVAL;
                }
                en = json_is_object(pv) ? json_object_get(pv, "enabled") : NULL;
                if (en && !json_is_boolean(en)) {
                    snprintf(err, CONFIG_ERR_MAX, "%s.enabled: must be true or false", sec);
                    return -EINVAL;
                }
                if (en)
                    p->enabled = json_is_true(en);
                r = config_apply_json(p->desc.config_items, p->cfg, sec, pv, err);
                if (r < 0)
                    return r;
            }
        } else {
            snprintf(err, CONFIG_ERR_MAX, "%s: unknown section (core, menu, api, plugins)", key);
            return -EINVAL;
        }
    }
    return 0;
}

static int plugins_alloc_config(struct core *c, char *err)
{
    for (struct pxe_core *p = c->plugins; p; p = p->next) {
        p->ctx = c;
        p->cfg = calloc(1, p->desc.config_size ? p->desc.config_size : 1);
        if (!p->cfg)
            return -ENOMEM;
        if (config_defaults(p->desc.config_items, p->cfg, p->desc.name, err) < 0)
            return -EINVAL;
    }
    return 0;
}

static void print_config_help(struct section *secs, size_t n)
{
    for (size_t s = 0; s < n; s++) {
        printf("[%s]\n", secs[s].name);
        for (const struct pxe_config_item *it = secs[s].items; it && it->key; it++) {
            printf("  %-18s %-16s %s", it->key, config_type_name(it->type), it->help ? it->help : "");
            if (it->cli_flag)
                printf(" (--%s)", it->cli_flag);
            if (it->default_text && *it->default_text && !(it->flags & PXE_CFG_SECRET))
                printf(" [default: %s]", it->default_text);
            printf("\n");
        }
    }
}

static int open_images(struct core *c, char *err)
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
        log_info("image '%s': %s %s%s%s", c->images[c->n_images]->pub.name,
                 c->images[c->n_images]->pub.is_iso ? "ISO file" : "directory",
                 c->images[c->n_images]->pub.source,
                 c->images[c->n_images]->pub.kernel ? ", kernel " : "",
                 c->images[c->n_images]->pub.kernel ? c->images[c->n_images]->pub.kernel : "");
        c->n_images++;
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

static int drop_privileges(const char *user)
{
    struct passwd *pw;

    if (!user || !*user)
        return 0;
    pw = getpwnam(user);
    if (!pw) {
        log_err("core.user: no user named '%s'", user);
        return -ENOENT;
    }
    if (getuid() == pw->pw_uid)
        return 0;
    if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
        int r = -errno;

        log_err("core.user: cannot switch to '%s': %s", user, strerror(-r));
        return r;
    }
    log_info("running as user '%s'", user);
    return 0;
}

/*
 * The pidfile is created empty before the privilege drop (its directory is
 * usually root's) and gets the PID once every plugin started: a non-empty
 * pidfile means "ready".
 */
static int pidfile_create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);

    return fd < 0 ? -errno : fd;
}

static int pidfile_fill(int fd)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

    if (write(fd, buf, (size_t)n) != n)
        return -EIO;
    return fsync(fd) < 0 ? -errno : 0;
}

static void on_signal(void *ud, int fd, uint32_t events)
{
    struct core *c = ud;
    struct signalfd_siginfo si;

    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGHUP) {
            log_notice("SIGHUP: reloading plugins"); /* images first: plugins may look at them */
            for (uint32_t i = 0; i < c->n_images; i++) {
                char err[CONFIG_ERR_MAX];
                int r = image_reload(c->images[i], err, sizeof(err));

                if (r < 0)
                    log_err("%s", err);
                else if (r > 0)
                    log_info("image '%s': %s read again", c->images[i]->pub.name,
                             c->images[i]->pub.source);
            }
            for (struct pxe_core *p = c->plugins; p; p = p->next)
                if (p->started && p->desc.reload && p->desc.reload(p->state) < 0)
                    log_msg(p->desc.name, 4, "reload failed, ignoring");
        } else {
            log_notice("%s: shutting down", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
            c->quitting = 1;
            loop_quit(c->loop);
        }
    }
}

static int dump_plugin(const char *path)
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

/* Every plugin's load and config_complete; on failure names the plugin. */
static int plugins_load(struct core *c, int *ret_exit)
{
    for (struct pxe_core *p = c->plugins; p; p = p->next) {
        char err[CONFIG_ERR_MAX];
        int r;

        if (!p->enabled)
            continue;
        r = config_check_required(p->desc.config_items, p->cfg, p->desc.name, err);
        if (r < 0) {
            log_err("%s", err);
            *ret_exit = EXIT_CONFIG;
            return r;
        }
        r = p->desc.load(&core_api, p, &p->state);
        if (r < 0) {
            log_err("%s: load failed: %s", p->file, strerror(-r));
            *ret_exit = r == -ENOMEM ? EXIT_OOM : EXIT_PLUGIN;
            return r;
        }
        p->loaded = 1;
        if (p->desc.config_complete) {
            r = p->desc.config_complete(p->state, p->cfg);
            if (r < 0) {
                log_err("%s: configuration refused: %s", p->desc.name, strerror(-r));
                *ret_exit = EXIT_CONFIG;
                return r;
            }
        }
    }
    return 0;
}

static int plugins_bind_start(struct core *c, int *ret_exit)
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
        c->pidfd = pidfile_create(c->set.pidfile);
        if (c->pidfd < 0) {
            log_err("core.pidfile: cannot create '%s': %s", c->set.pidfile, strerror(-c->pidfd));
            *ret_exit = EXIT_FILE;
            return c->pidfd;
        }
    }
    r = drop_privileges(c->set.user);
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

/* Stops and unloads in reverse order; each plugin's sources go before its unload. */
static void plugins_shutdown(struct core *c)
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

static void core_free(struct core *c)
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
    config_free(core_settings_items, &c->set);
    config_free(menu_settings_items, &c->menu);
    config_free(api_settings_items, &api_set);
    loop_free(c->loop);
    pthread_rwlock_destroy(&c->model_lock);
}

/*
 * Soft RLIMIT_NOFILE up to the hard limit: every connection and transfer
 * holds descriptors, and nothing here uses select().  Plugins size their
 * connection caps from the result.
 */
static void raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int mkdir_p(const char *path)
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

static json_t *load_config_file(const char *path, char *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

    if (!root)
        snprintf(err, CONFIG_ERR_MAX, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    return root;
}

/*
 * core.state_dir as the command line or the file will set it, so that defaults
 * mentioning ${state_dir} expand to the right directory.
 */
static void early_state_dir(json_t *root, int argc, char **argv)
{
    const char *dir = NULL, *inl;
    json_t *v = json_object_get(json_object_get(root, "core"), "state_dir");

    if (json_is_string(v))
        dir = json_string_value(v);
    for (int i = 1; i < argc; i++) {
        if (is_flag(argv[i], "state-dir", &inl) && (inl || i + 1 < argc))
            dir = inl ? inl : argv[i + 1];
        else if (is_flag(argv[i], "set", &inl) && (inl || i + 1 < argc)) {
            const char *kv = inl ? inl : argv[i + 1];

            if (strncmp(kv, "core.state_dir=", 15) == 0)
                dir = kv + 15;
        }
    }
    if (dir)
        config_set_state_dir(dir);
}

/* Opens plugins and fills every section; returns an exit code or 0. */
static int configure(struct core *c, struct options *o, int argc, char **argv,
                     struct section *secs, size_t *ret_n)
{
    char err[PLUGIN_ERR_MAX > CONFIG_ERR_MAX ? PLUGIN_ERR_MAX : CONFIG_ERR_MAX] = "";
    const char *cfgfile = o->check_config ? o->check_config : o->config;
    json_t *root = NULL;
    const char *dir = o->plugins_dir;
    size_t n = 0;
    int r;

    if (cfgfile) {
        root = load_config_file(cfgfile, err);
        if (!root) {
            log_err("%s", err);
            return EXIT_CONFIG;
        }
    }
    if (!dir && root) {
        json_t *d = json_object_get(json_object_get(root, "core"), "plugins_dir");

        dir = json_is_string(d) ? json_string_value(d) : NULL;
    }
    if (!dir) {
        log_err("no plugins directory: use --plugins-dir DIR or core.plugins_dir");
        json_decref(root);
        return EXIT_CONFIG;
    }
    r = plugin_open_dir(dir, &c->plugins, err);
    if (r < 0) {
        log_err("%s", err);
        json_decref(root);
        return EXIT_PLUGIN;
    }
    early_state_dir(root, argc, argv);
    secs[n++] = (struct section){"core", core_settings_items, &c->set};
    secs[n++] = (struct section){"menu", menu_settings_items, &c->menu};
    secs[n++] = (struct section){"api", api_settings_items, &api_set};
    if (config_defaults(core_settings_items, &c->set, "core", err) < 0 ||
        config_defaults(menu_settings_items, &c->menu, "menu", err) < 0 ||
        config_defaults(api_settings_items, &api_set, "api", err) < 0)
        goto config_error;
    if (plugins_alloc_config(c, err) < 0)
        goto config_error;
    for (struct pxe_core *p = c->plugins; p && n < 64; p = p->next)
        secs[n++] = (struct section){p->desc.name, p->desc.config_items, p->cfg};
    *ret_n = n;
    if (check_flag_clash(secs, n, err) < 0) {
        log_err("%s", err);
        json_decref(root);
        return EXIT_PLUGIN;
    }
    if (root && apply_config_file(c, root, secs, n, err) < 0)
        goto config_error;
    if (parse_late(c, argc, argv, secs, n, err) < 0)
        goto config_error;
    json_decref(root);
    return 0;
config_error:
    log_err("%s", err);
    json_decref(root);
    return EXIT_CONFIG;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    struct core core = {.pidfd = -1};
    struct section secs[64];
    size_t nsecs = 0;
    sigset_t mask;
    int sfd = -1, ex = 0, r;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("pxecore %s (plugin ABI %d)\n", PXE_VERSION_STRING, PXE_PLUGIN_ABI_VERSION);
            return 0;
        }
    }
    if (parse_early(argc, argv, &o) < 0)
        return EXIT_CONFIG;
    if (o.dump_plugin)
        return dump_plugin(o.dump_plugin);
    log_setup(0, o.verbose ? 7 : 6);

    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();

    pthread_rwlock_init(&core.model_lock, NULL);
    core.loop = loop_new();
    if (!core.loop) {
        log_err("cannot create the event loop: %s", strerror(errno));
        return EXIT_OOM;
    }
    files_set_loop_thread(pthread_self());
    events_init();

    ex = configure(&core, &o, argc, argv, secs, &nsecs);
    if (ex)
        goto out;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help-config")) {
            print_config_help(secs, nsecs);
            goto out;
        }
    if (core.set.log_target && strcmp(core.set.log_target, "syslog") == 0)
        log_setup(1, o.verbose ? 7 : 6);
    else if (core.set.log_target && strcmp(core.set.log_target, "stderr") != 0) {
        log_err("core.log_target: must be \"stderr\" or \"syslog\"");
        ex = EXIT_CONFIG;
        goto out;
    }
    config_set_state_dir(core.set.state_dir);

    if (o.check_config) {
        if (plugins_load(&core, &ex) == 0)
            printf("%s: configuration is valid\n", o.check_config);
        goto out;
    }
    {
        char err[CONFIG_ERR_MAX];

        r = open_images(&core, err);
        if (r < 0) {
            log_err("%s", err);
            ex = r == -ENOMEM ? EXIT_OOM : EXIT_FILE;
            goto out;
        }
    }
    r = mkdir_p(core.set.state_dir);
    if (r < 0) {
        log_err("core.state_dir: cannot create '%s': %s", core.set.state_dir, strerror(-r));
        ex = EXIT_FILE;
        goto out;
    }
    if (plugins_load(&core, &ex) < 0)
        goto out;
    {
        char err[CONFIG_ERR_MAX + 256];

        r = state_load(&core, err, sizeof(err));
        if (r < 0) {
            log_err("%s", err);
            ex = r == -ENOMEM ? EXIT_OOM : EXIT_FILE;
            goto out;
        }
    }
    if (!o.no_api && api_init(&core, &api_set) < 0) {
        ex = EXIT_CONFIG;
        goto out;
    }
    sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0 || loop_io_add(core.loop, NULL, sfd, PXE_IO_IN, on_signal, &core, NULL) < 0) {
        log_err("cannot watch signals: %s", strerror(errno));
        ex = EXIT_OOM;
        goto out;
    }
    core.start_usec = loop_now_usec();
    core.start_time = time(NULL);
    if (plugins_bind_start(&core, &ex) < 0)
        goto out;
    log_notice("pxecore %s ready: %u image(s)", PXE_VERSION_STRING, core.n_images);
    for (struct pxe_core *p = core.plugins; p; p = p->next)
        log_info("plugin %s %s %s", p->desc.name, p->desc.version,
                 p->started ? "running" : "disabled");
    if (core.pidfd >= 0 && (r = pidfile_fill(core.pidfd)) < 0) {
        log_err("core.pidfile: cannot write '%s': %s", core.set.pidfile, strerror(-r));
        ex = EXIT_FILE;
        goto out;
    }
    r = loop_run(core.loop);
    if (r < 0) {
        log_err("event loop failed: %s", strerror(-r));
        ex = EXIT_OOM;
    }
out:
    core.quitting = 1;
    if (!o.no_api)
        api_stop(&core);
    plugins_shutdown(&core);
    if (!o.no_api)
        api_free(&core);
    if (core.pidfd >= 0) {
        close(core.pidfd);
        if (unlink(core.set.pidfile) < 0)
            log_debug("core.pidfile: cannot remove '%s': %s", core.set.pidfile,
                      strerror(errno));
    }
    if (sfd >= 0)
        close(sfd);
    core_free(&core);
    state_free();
    events_done();
    metrics_reset();
    if (ex == 0)
        log_info("stopped");
    return ex;
}
