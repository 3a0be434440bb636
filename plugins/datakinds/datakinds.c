/* SPDX-License-Identifier: MIT */
/*
 * pxecore-datakinds: the one plugin behind every data kind.  At
 * config_complete it reads the *.json files of the kinds directories (a kind
 * name in an earlier directory hides the same name in a later one); probe
 * matches an image against each kind's layouts; entries and command lines are
 * the kind's templates filled with the image and the transport.  Loop thread.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datakinds.h"

#ifndef PXE_KINDS_DIR
#define PXE_KINDS_DIR "/usr/share/pxecore/kinds"
#endif

struct dk_config {
    char **dirs;
};

#define CFG(f) offsetof(struct dk_config, f)
static const struct pxe_config_item dk_config_items[] = {
    {"dirs", PXE_CFG_STRLIST, 0, NULL, CFG(dirs),
     "directories of kind files (*.json), earlier ones first; default: /etc/pxecore/kinds, "
     "the kinds directory beside this plugin, " PXE_KINDS_DIR,
     "kinds-dir", 0, 0},
    {0},
};

static int dk_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret)
{
    struct dk_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    *ret = s;
    return 0;
}

static void dk_unload(void *state)
{
    struct dk_state *s = state;

    if (!s)
        return;
    for (size_t i = 0; i < s->n_kinds; i++)
        dk_kind_free(&s->kinds[i]);
    free(s);
}

static int json_filter(const struct dirent *e)
{
    return fnmatch("*.json", e->d_name, FNM_PERIOD) == 0;
}

static const struct dk_kind *kind_named(struct dk_state *s, const char *name)
{
    for (size_t i = 0; i < s->n_kinds; i++)
        if (!strcmp(s->kinds[i].name, name))
            return &s->kinds[i];
    return NULL;
}

/* Reads every kind file of dir. 0, -ENOENT (no such directory), -EINVAL (logged). */
static int load_dir(struct dk_state *s, const char *dir, size_t first_of_dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, json_filter, alphasort), r = 0;

    if (n < 0)
        return -errno;
    for (int i = 0; i < n; i++) {
        char path[4096], err[DK_ERR_MAX];
        struct dk_kind *k = &s->kinds[s->n_kinds];
        const struct dk_kind *prev;

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        if (r < 0 || s->n_kinds == DK_MAX_KINDS) {
            r = r < 0 ? r : -E2BIG;
        } else if ((r = dk_kind_load(path, k, err, sizeof(err))) < 0) {
            s->core->log(s->self, PXE_LOG_ERR, "%s/%s", dir, err);
            dk_kind_free(k);
        } else if ((prev = kind_named(s, k->name)) && prev >= &s->kinds[first_of_dir]) {
            s->core->log(s->self, PXE_LOG_ERR, "%s/%s: kind: '%s' is also the kind of %s", dir,
                         k->file, k->name, prev->file);
            dk_kind_free(k);
            r = -EINVAL;
        } else if (prev) {
            s->core->log(s->self, PXE_LOG_INFO, "%s/%s: kind '%s' hidden by %s", dir, k->file,
                         k->name, prev->file);
            dk_kind_free(k);
        } else {
            s->n_kinds++;
        }
        free(names[i]);
    }
    free(names);
    if (r == -E2BIG)
        s->core->log(s->self, PXE_LOG_ERR, "%s: more than %d kinds", dir, DK_MAX_KINDS);
    return r == -E2BIG ? -EINVAL : r;
}

/* The kinds directory beside this plugin's file, symlinks resolved (the build tree, a bundle). */
static void beside_me(char *out, size_t size)
{
    Dl_info info;
    const char *slash;
    char *real;

    out[0] = '\0';
    if (!dladdr((void *)dk_load, &info) || !info.dli_fname)
        return;
    real = realpath(info.dli_fname, NULL);
    slash = real ? strrchr(real, '/') : NULL;
    if (slash)
        snprintf(out, size, "%.*s/kinds", (int)(slash - real), real);
    free(real);
}

static int dk_config_complete(void *state, void *cfgp)
{
    struct dk_state *s = state;
    struct dk_config *cfg = cfgp;
    char here[4096];
    const char *defaults[] = {"/etc/pxecore/kinds", here, PXE_KINDS_DIR, NULL};
    const char *const *dirs = cfg->dirs ? (const char *const *)cfg->dirs : defaults;
    int r = 0;

    beside_me(here, sizeof(here));
    for (int i = 0; dirs[i] && r >= 0; i++) {
        if (!dirs[i][0])
            continue;
        r = load_dir(s, dirs[i], s->n_kinds);
        if (r == -ENOENT && !cfg->dirs)
            r = 0; /* a default directory that does not exist */
        else if (r == -ENOENT || r == -ENOTDIR)
            s->core->log(s->self, PXE_LOG_ERR, "dirs: '%s': no such directory", dirs[i]);
    }
    if (r < 0)
        return -EINVAL;
    if (s->n_kinds == 0)
        s->core->log(s->self, PXE_LOG_WARNING, "no kind files (*.json) in %s%s%s%s%s", dirs[0],
                     dirs[1] ? ", " : "", dirs[1] ? dirs[1] : "", dirs[1] && dirs[2] ? ", " : "",
                     dirs[1] && dirs[2] ? dirs[2] : "");
    return 0;
}

/* Names the kinds in the log once the daemon runs (--check-config stays one line). */
static int dk_start(void *state)
{
    struct dk_state *s = state;

    for (size_t i = 0; i < s->n_kinds; i++)
        s->core->log(s->self, PXE_LOG_INFO, "kind '%s' (%s) from %s", s->kinds[i].name,
                     s->kinds[i].title, s->kinds[i].file);
    return 0;
}

static struct pxe_plugin datakinds_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_KIND,
    .name = "datakinds",
    .version = "1.0.0",
    .description = "image kinds described as data: one JSON file per distribution",
    .config_items = dk_config_items,
    .config_size = sizeof(struct dk_config),
    .load = dk_load,
    .config_complete = dk_config_complete,
    .start = dk_start,
    .unload = dk_unload,
    .kind_probe = dk_probe,
    .kind_entries = dk_entries,
    .kind_cmdline = dk_cmdline,
};

PXE_PLUGIN_REGISTER(datakinds_plugin)
