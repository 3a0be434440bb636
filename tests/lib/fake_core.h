/* SPDX-License-Identifier: MIT */
/*
 * The one stand-in for the pxecore daemon that every plugin's unit tests and
 * test hosts (http_host, nbd_host, nfs_harness) run a plugin on: a struct
 * pxe_core_api over a poll loop (io sources, timers, spawned children),
 * images given by the test, a file namespace (in-memory files, image
 * directories confined with openat2 RESOLVE_BENEATH, a boot.ipxe generated
 * from the plugin's own menu_entries/cmdline/cmdline_check), config tables
 * filled from text, and logs, events and metrics kept for the test to read.
 *
 * Lines go to stderr as "TAG: LEVEL: [NAME] message" (TAG is fake.tag,
 * NAME fake.name); events as "... [NAME] event KIND ip=IP phase=N text".
 * log, vlog, event, metric_* and now_usec are thread-safe, as the ABI says;
 * the rest is for the thread that runs the loop.
 */
#ifndef PXE_TESTS_FAKE_CORE_H
#define PXE_TESTS_FAKE_CORE_H

#include <stdint.h>
#include <stdio.h>

#include <pxecore/plugin.h>

#define FAKE_MAX_IMAGES  16
#define FAKE_MAX_METRICS 64
#define FAKE_MAX_ENTRIES 16
#define FAKE_MAX_FACTS   32

struct pxe_buf {
    char s[8192];
    size_t n;
};

struct pxe_menu {
    struct pxe_menu_entry e[FAKE_MAX_ENTRIES]; /* strings point into id/title/help */
    char id[FAKE_MAX_ENTRIES][64], title[FAKE_MAX_ENTRIES][128], help[FAKE_MAX_ENTRIES][256];
    unsigned n;
    char text[FAKE_MAX_ENTRIES * 200]; /* fake_menu_str() */
};

struct fake_metric {
    char name[64];
    int64_t value;
};

struct fake_core {
    struct pxe_core_api api;
    struct pxe_image images[FAKE_MAX_IMAGES];
    unsigned n_images;
    const char *tag;  /* line prefix, "fake" unless set */
    const char *name; /* plugin name in lines, "plugin" unless set */
    int quiet;        /* 1: print nothing */
    int verbosity;    /* highest PXE_LOG_* level printed (INFO; DEBUG with FAKE_CORE_DEBUG=1) */
    int keep_logs;    /* 1: keep every log line for fake_log_has() */
    char last_log[1024];
    unsigned events; /* events seen */
    char last_event[512];
    uint32_t last_phase;
    uint32_t service_port; /* last service_register */
    char service_name[32];
    uint32_t method_on;                           /* method_enabled() answer, 1 unless set */
    struct fake_metric metrics[FAKE_MAX_METRICS]; /* metric_add sums, metric_set sets */
    /* boot.ipxe is generated from this plugin's boot method when set. */
    const struct pxe_plugin *plugin;
    void *plugin_state;
    const char *global_args; /* appended to the generated cmdline, e.g. "copytoram=n" */
    char facts[FAKE_MAX_FACTS][320]; /* image_fact_set calls: "image:key=value" */
    unsigned n_facts;
    /* Called by request_done, or NULL. */
    void (*on_request_done)(struct pxe_request *req, int result);
};

/* The handle passed as struct pxe_core * to the plugin; fake.api is its table. */
extern struct fake_core fake;

/* Resets everything (sources, children, files, images, logs) and fills fake.api. */
void fake_core_init(void);

/*
 * Adds an image named name whose source is source (both copied): an ISO
 * (is_iso 1) or a directory (dir = source).  Prefix "images/NAME/", arch
 * "x86_64"; the caller may set further fields of the result (kind, kernel...).
 */
struct pxe_image *fake_image_add(const char *name, const char *source, uint32_t is_iso);
/* Writes text to the file dir/rel (a test tree on disk). 0 or -errno. */
int fake_write_file(const char *dir, const char *rel, const char *text);
/* Serves data (borrowed) at path; generated marks it as a generated file. */
int fake_file_add(const char *path, const char *data, int generated);

/* The plugin's config struct: defaults, then "key=value" overrides.  NULL on error (printed). */
void *fake_config(const struct pxe_plugin *p, const char *const *overrides, int n);
/* Applies one "key=value" to cfg.  0 or -EINVAL (printed). */
int fake_config_set(const struct pxe_plugin *p, void *cfg, const char *key_value);
/* Frees what fake_config allocated (strings, JSON values, the struct). */
void fake_config_free(const struct pxe_plugin *p, void *cfg);

/* One loop turn: waits at most max_ms for io, child output or a timer, then dispatches. */
void fake_run_once(int max_ms);
/* Loop turns for at most usec (0: until fake_quit()). */
void fake_run(uint64_t usec);
/* Stops fake_run(); async-signal-safe. */
void fake_quit(void);
/* Commands started through spawn that have not exited yet. */
unsigned fake_children(void);

/* Value of metric name, 0 when never set. */
int64_t fake_metric(const char *name);
/* Whether metric name was ever added to or set. */
int fake_metric_has(const char *name);
/* Prints "metric NAME VALUE" lines. */
void fake_metrics_print(FILE *out);
/* Events of kind seen so far. */
int fake_events(const char *kind);
/* Whether a kept log line (keep_logs) contains text. */
int fake_log_has(const char *text);

struct pxe_buf *fake_buf_new(void);
const char *fake_buf_str(struct pxe_buf *b);
struct pxe_menu *fake_menu_new(void);
/* The entries as "id|title\n" lines. */
const char *fake_menu_str(struct pxe_menu *m);

#endif
