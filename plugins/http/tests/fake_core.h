/* SPDX-License-Identifier: MIT */
/*
 * A small stand-in for the pxecore daemon, enough to drive the http plugin
 * without it: a file namespace over image directories (images/<name>/... and
 * the first image at the root) with confinement, a generated boot.ipxe built
 * from the plugin's own menu_entries/cmdline/cmdline_check, text builders,
 * captured events and metrics.  Thread-safe where the ABI says so.
 */
#ifndef PXE_HTTP_FAKE_CORE_H
#define PXE_HTTP_FAKE_CORE_H

#include <pxecore/plugin.h>

#define FAKE_MAX_IMAGES 4

struct pxe_buf {
    char s[8192];
    size_t n;
};

struct pxe_menu {
    struct pxe_menu_entry e[8];
    char id[8][32], title[8][128];
    unsigned n;
};

#define FAKE_MAX_METRICS 16

struct fake_metric {
    char name[48];
    int64_t value;
};

struct fake_core {
    struct pxe_core_api api;
    struct pxe_image images[FAKE_MAX_IMAGES];
    char prefixes[FAKE_MAX_IMAGES][64];
    unsigned n_images;
    const struct pxe_plugin *plugin; /* for the generated boot.ipxe */
    void *plugin_state;
    const char *global_args; /* appended to the generated cmdline, e.g. "copytoram=n" */
    int quiet;               /* 1: do not print logs */
    unsigned events;         /* events seen */
    char last_event[512];
    unsigned service_port;
    struct fake_metric metrics[FAKE_MAX_METRICS]; /* metric_add sums, metric_set sets */
};

/* The handle passed as struct pxe_core * to the plugin. */
extern struct fake_core fake;

/* Resets fake and fills fake.api. */
void fake_core_init(void);
/* Adds an image directory named name (first one: default); rootfs etc. relative to it. */
void fake_core_add_image(const char *name, const char *dir, const char *kernel, const char *initrd,
                         const char *rootfs);
/* Runs every due timer (the metrics flush); call from the "loop". */
void fake_core_run_timers(void);

#endif
