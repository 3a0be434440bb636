/* SPDX-License-Identifier: MIT */
/*
 * Inside the pxecore program (daemon/): the command line and config file
 * (options.c), the plugin phases in start order (startup.c), the privilege
 * drop and pidfile (privs.c).  main.c runs them in order.  Everything here
 * runs on the main thread before, around or after the core loop.
 */
#ifndef PXE_DAEMON_H
#define PXE_DAEMON_H

#include <stddef.h>

#include <pxecore/plugin.h>

#include "api.h"
#include "config.h"
#include "core.h"

/* Exit codes, documented in README.md. */
#define EXIT_CONFIG 1
#define EXIT_NET    2
#define EXIT_FILE   3
#define EXIT_OOM    4
#define EXIT_PLUGIN 5

#define OPTIONS_MAX_SECTIONS 64

struct options {
    const char *plugins_dir;
    const char *config;
    const char *check_config;
    const char *dump_plugin;
    int verbose;
    int no_api;
    unsigned errors;         /* --check-config: errors logged so far (it goes on past them) */
    struct api_settings api; /* filled by options_configure, freed by the caller */
};

/* A config table section a flag can land in. */
struct section {
    const char *name; /* "core", "menu", "api" or a plugin name */
    const struct pxe_config_item *items;
    void *base;
    char label[48]; /* how messages name it: as name, or "plugins.<name>" for a plugin */
};

void options_usage(FILE *out);
/* Pass 1: the options needed before plugins can be opened.  0 or -EINVAL (printed). */
int options_parse_early(int argc, char **argv, struct options *o);
/*
 * Opens the plugins of o->plugins_dir and fills every section (secs holds
 * OPTIONS_MAX_SECTIONS) from defaults, the config file and argv.  Returns 0
 * or an exit code; errors are logged.
 */
int options_configure(struct core *c, struct options *o, int argc, char **argv,
                      struct section *secs, size_t *ret_n);
void options_print_config_help(struct section *secs, size_t n);
/* pxecore.json(5) in roff from the same tables (manpage.c). */
void options_print_config_man(FILE *out, struct section *secs, size_t n);

/* core.images and core.roots; on failure err says why.  0 or -errno. */
int startup_open_images(struct core *c, char *err);
/* A config error --check-config goes on past: logged and counted in o->errors. */
void options_report_error(const char *err, void *o);

/*
 * --check-config after options_configure: every enabled plugin's required
 * keys, load and config_complete, core.user, every image and root.  Prints
 * the verdict on stdout; returns 0 (valid) or EXIT_CONFIG, with every error
 * logged.
 */
int check_config_run(struct core *c, struct options *o);

/* --dump-plugin: 0 or EXIT_PLUGIN. */
int startup_dump_plugin(const char *path);
/*
 * Every enabled plugin's required keys, load and config_complete.  With
 * report NULL: 0, or at the first failure -errno with *ret_exit set (logged).
 * Otherwise each failure goes to report and the next plugin is tried; 0.
 */
int startup_load_plugins(struct core *c, config_report_fn report, void *ud, int *ret_exit);
/* bind, API bind, pidfile, privilege drop, start, rootfs_prepare, API start (logged). */
int startup_bind_start(struct core *c, int *ret_exit);
/* Stops and unloads in reverse order; each plugin's sources go before its unload. */
void startup_shutdown(struct core *c);
void startup_free(struct core *c);
int startup_mkdir_p(const char *path);
/* SIGHUP: reads every ISO image again (image_reload); failures are logged. */
void startup_reload_images(struct core *c);

/* Switches to user (NULL or "": stay).  0 or -errno (logged). */
int privs_drop(const char *user);
/* The pidfile's fd, created empty before the privilege drop, or -errno. */
int privs_pidfile_create(const char *path);
/* Writes the PID: a non-empty pidfile means "ready".  0 or -errno. */
int privs_pidfile_fill(int fd);
/*
 * Soft RLIMIT_NOFILE up to the hard limit: every connection and transfer
 * holds descriptors, and nothing here uses select().  Plugins size their
 * connection caps from the result.
 */
void privs_raise_nofile(void);

#endif
