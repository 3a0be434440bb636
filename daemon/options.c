/* SPDX-License-Identifier: MIT */
/*
 * The command line and the config file: two argv passes around opening the
 * plugins, then defaults, the JSON file and argv again fill every config
 * table (core, menu, api, one per plugin).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "daemon.h"
#include "log.h"

void options_usage(FILE *out)
{
    fprintf(out,
            "Usage: pxecore [--plugins-dir DIR] [--config FILE] [OPTION]...\n"
            "       pxecore [--plugins-dir DIR] --check-config FILE\n"
            "       pxecore --dump-plugin FILE\n\n"
            "  --plugins-dir DIR       load pxecore-*.so from DIR (default: core.plugins_dir,\n"
            "                          else " PXE_DEFAULT_PLUGINS_DIR ")\n"
            "  --config FILE           JSON configuration file\n"
            "  --check-config FILE     validate FILE and exit (0 valid, 1 invalid)\n"
            "  --dump-plugin FILE      print a plugin's key=value description and exit\n"
            "  --set SECTION.KEY=VALUE set any config key (SECTION: core, menu, api,\n"
            "                          plugins.NAME or just NAME for a plugin)\n"
            "  --disable-plugin NAME   do not start plugin NAME\n"
            "  --no-api                do not start the REST API\n"
            "  --debug PLUGIN          debug messages of one plugin\n"
            "  -v, --verbose           debug messages of everything\n"
            "  -f, --foreground        accepted for compatibility (always foreground)\n"
            "  --help-config[=man]     list every config key and its flag (=man: as the\n"
            "                          pxecore.json(5) manual page, in roff)\n"
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

int options_parse_early(int argc, char **argv, struct options *o)
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
            return config_apply_text(secs[s].items, secs[s].base, secs[s].label, it->key, value,
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

/*
 * --set's argument: "SECTION.KEY=VALUE" where a plugin's SECTION is written
 * as in the config file ("plugins.nfs") or by its name alone ("nfs").
 */
static int apply_set(struct section *secs, size_t n, const char *v, char *err)
{
    const char *sec = v, *dot, *eq;
    struct section *s = NULL;
    char key[64];

    if (v && strncmp(v, "plugins.", 8) == 0)
        sec = v + 8;
    dot = sec ? strchr(sec, '.') : NULL;
    eq = dot ? strchr(dot, '=') : NULL;
    if (eq)
        s = section_find(secs, n, sec, (size_t)(dot - sec));
    /* "plugins.X" names a plugin, never core, menu or api */
    if (s && sec != v && strncmp(s->label, "plugins.", 8) != 0)
        s = NULL;
    if (!s) {
        snprintf(err, CONFIG_ERR_MAX,
                 "--set '%s': expected SECTION.KEY=VALUE with SECTION core, menu, api or "
                 "plugins.NAME of a loaded plugin (see --help-config)",
                 v ? v : "");
        return -EINVAL;
    }
    snprintf(key, sizeof(key), "%.*s", (int)(eq - dot - 1), dot + 1);
    return config_apply_text(s->items, s->base, s->label, key, eq + 1, err);
}

/* Pass 2: everything else, after defaults and the config file. */
static int parse_late(struct core *c, int argc, char **argv, struct section *secs, size_t n,
                      char *err)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *inl, *eq;
        char flag[64];
        int takes = 0, r;

        if (!strcmp(a, "-v") || !strcmp(a, "--verbose") || !strcmp(a, "-f") ||
            !strcmp(a, "--foreground") || !strcmp(a, "--no-api") || !strcmp(a, "--help-config") ||
            !strcmp(a, "--help-config=man"))
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
            r = apply_set(secs, n, inl ? inl : (i + 1 < argc ? argv[++i] : NULL), err);
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
                                 secs[a].label, x->key, secs[b].label, y->key);
                        return -EINVAL;
                    }
    return 0;
}

void options_report_error(const char *err, void *ud)
{
    struct options *o = ud;

    log_err("%s", err);
    o->errors++;
}

/*
 * An error in err: -EINVAL to stop there, or with --check-config 0 after
 * reporting it, to go on.
 */
static int bad(struct options *o, char *err)
{
    if (!o->check_config)
        return -EINVAL;
    options_report_error(err, o);
    return 0;
}

/* Applies a config_apply_json result: errors it reported were counted already. */
static int applied(struct options *o, int r)
{
    return r == -EINVAL && o->check_config ? 0 : r;
}

static int apply_plugins_json(struct core *c, struct options *o, json_t *v, char *err)
{
    config_report_fn rep = o->check_config ? options_report_error : NULL;
    const char *pname;
    json_t *pv;

    if (!json_is_object(v)) {
        snprintf(err, CONFIG_ERR_MAX, "plugins: must be a JSON object");
        return bad(o, err);
    }
    json_object_foreach(v, pname, pv)
    {
        struct pxe_core *p = core_plugin_find(c, pname);
        char sec[64];
        json_t *en;
        int r;

        snprintf(sec, sizeof(sec), "plugins.%s", pname);
        if (!p) {
            snprintf(err, CONFIG_ERR_MAX, "%s: no plugin named '%s' was loaded", sec, pname);
            if ((r = bad(o, err)) < 0)
                return r;
            continue;
        }
        en = json_is_object(pv) ? json_object_get(pv, "enabled") : NULL;
        if (en && !json_is_boolean(en)) {
            snprintf(err, CONFIG_ERR_MAX, "%s.enabled: must be true or false", sec);
            if ((r = bad(o, err)) < 0)
                return r;
        } else if (en)
            p->enabled = json_is_true(en);
        r = applied(o, config_apply_json(p->desc.config_items, p->cfg, sec, pv, err, rep, o));
        if (r < 0)
            return r;
    }
    return 0;
}

/*
 * The config file's sections.  0 or -errno with err set; with --check-config
 * each bad key is reported (o->errors) and the rest still applied.
 */
static int apply_config_file(struct core *c, struct options *o, json_t *root, struct section *secs,
                             size_t n, char *err)
{
    config_report_fn rep = o->check_config ? options_report_error : NULL;
    const char *key;
    json_t *v;
    int r;

    if (!json_is_object(root)) {
        snprintf(err, CONFIG_ERR_MAX, "top level must be a JSON object");
        return -EINVAL;
    }
    json_object_foreach(root, key, v)
    {
        if (!strcmp(key, "core") || !strcmp(key, "menu") || !strcmp(key, "api") ||
            !strcmp(key, "secure_boot")) {
            struct section *s = section_find(secs, n, key, strlen(key));

            r = applied(o, config_apply_json(s->items, s->base, key, v, err, rep, o));
        } else if (!strcmp(key, "plugins")) {
            r = apply_plugins_json(c, o, v, err);
        } else {
            snprintf(err, CONFIG_ERR_MAX, "%s: unknown section (core, menu, api, secure_boot, plugins)", key);
            r = bad(o, err);
        }
        if (r < 0)
            return r;
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

void options_print_config_help(struct section *secs, size_t n)
{
    for (size_t s = 0; s < n; s++) {
        printf("[%s]\n", secs[s].label);
        for (const struct pxe_config_item *it = secs[s].items; it && it->key; it++) {
            printf("  %-18s %-16s %s", it->key, config_type_name(it->type),
                   it->help ? it->help : "");
            if (it->cli_flag)
                printf(" (--%s)", it->cli_flag);
            if (it->default_text && *it->default_text && !(it->flags & PXE_CFG_SECRET))
                printf(" [default: %s]", it->default_text);
            printf("\n");
        }
    }
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

int options_configure(struct core *c, struct options *o, int argc, char **argv,
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
    if (!dir && access(PXE_DEFAULT_PLUGINS_DIR, F_OK) == 0)
        dir = PXE_DEFAULT_PLUGINS_DIR;
    if (!dir) {
        log_err("no plugins directory: use --plugins-dir DIR or core.plugins_dir (the "
                "installed plugins would be in " PXE_DEFAULT_PLUGINS_DIR ")");
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
    secs[n++] = (struct section){"core", core_settings_items, &c->set, "core"};
    secs[n++] = (struct section){"menu", menu_settings_items, &c->menu, "menu"};
    secs[n++] = (struct section){"api", api_settings_items, &o->api, "api"};
    secs[n++] = (struct section){"secure_boot", sboot_settings_items, &c->sb, "secure_boot"};
    if (config_defaults(core_settings_items, &c->set, "core", err) < 0 ||
        config_defaults(menu_settings_items, &c->menu, "menu", err) < 0 ||
        config_defaults(sboot_settings_items, &c->sb, "secure_boot", err) < 0 ||
        config_defaults(api_settings_items, &o->api, "api", err) < 0)
        goto config_error;
    if (plugins_alloc_config(c, err) < 0)
        goto config_error;
    for (struct pxe_core *p = c->plugins; p && n < OPTIONS_MAX_SECTIONS; p = p->next) {
        secs[n] = (struct section){p->desc.name, p->desc.config_items, p->cfg, ""};
        snprintf(secs[n++].label, sizeof(secs[0].label), "plugins.%s", p->desc.name);
    }
    *ret_n = n;
    if (check_flag_clash(secs, n, err) < 0) {
        log_err("%s", err);
        json_decref(root);
        return EXIT_PLUGIN;
    }
    if (root && apply_config_file(c, o, root, secs, n, err) < 0)
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
