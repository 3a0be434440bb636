/* SPDX-License-Identifier: MIT */
/*
 * Plugin loader: dlopen with RTLD_NOW|RTLD_LOCAL, descriptor validation
 * (ABI version, struct size, name, thread model, capabilities and their
 * required callbacks, config table), and the per-plugin record the core
 * passes to plugins as their struct pxe_core handle.
 */
#ifndef PXE_CORE_PLUGIN_LOADER_H
#define PXE_CORE_PLUGIN_LOADER_H

#include <stdint.h>

#include <pxecore/plugin.h>

#define PLUGIN_ERR_MAX 1024

/* struct pxe_core is the plugin record; plugins only see it as an opaque handle. */
struct pxe_core {
    char *path;                /* as given */
    char *file;                /* basename, used in messages */
    void *dl;                  /* dlopen handle */
    struct pxe_plugin desc;    /* copy; fields past the plugin's _struct_size are zero */
    uint32_t desc_size;        /* the plugin's _struct_size */
    void *cfg;                 /* config struct, desc.config_size bytes */
    void *state;               /* from load() */
    int enabled;               /* not disabled by config */
    int loaded, bound, started;
    int debug;                 /* --debug <name> */
    int method_enabled;        /* boot method switched on (methods only) */
    struct core *ctx;          /* the daemon this plugin belongs to */
    struct pxe_core *next;
};

/* Minimum descriptor size accepted: everything up to and including unload. */
#define PLUGIN_MIN_SIZE (offsetof(struct pxe_plugin, unload) + sizeof(void (*)(void *)))

/*
 * Opens and validates one plugin file. check_file_name: require the file name
 * to start with "pxecore-". On failure returns -errno with err naming the file
 * and the rule.
 */
int plugin_open(const char *path, int check_file_name, struct pxe_core **ret, char *err);
/* Loads every pxecore-*.so in dir in sorted order; refuses duplicates. */
int plugin_open_dir(const char *dir, struct pxe_core **ret_list, char *err);
/* Prints --dump-plugin's key=value lines. */
void plugin_dump(const struct pxe_core *p);
/* Frees config and closes the library (after unload). Accepts NULL. */
void plugin_close(struct pxe_core *p);
/* A boot method: PXE_CAP_MENU (entries of its own) or PXE_CAP_TRANSPORT (carries kinds' roots). */
int plugin_is_method(const struct pxe_core *p);
/* An image-kind plugin (PXE_CAP_KIND). */
int plugin_is_kind(const struct pxe_core *p);

#endif
