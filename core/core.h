/* SPDX-License-Identifier: MIT */
/*
 * The daemon's state: loop, plugins, images, roots, services, host profiles
 * and settings.  One instance per process; loop-thread owned except where a
 * function says otherwise.  model_lock guards what worker threads read through
 * file_open (method switches, host profiles, services) while the loop mutates.
 */
#ifndef PXE_CORE_CORE_H
#define PXE_CORE_CORE_H

#include <pthread.h>
#include <stdint.h>

#include <jansson.h>
#include <pxecore/plugin.h>

#include "image.h"
#include "plugin_loader.h"
#include "sboot.h"

#define CORE_MAX_SERVICES 16
#define CORE_MAX_ROOTS 16
#define CORE_MAX_IMAGES 64

struct core_settings {
    char *plugins_dir;
    char *state_dir;
    char **images;    /* "[NAME=]PATH" */
    char **roots;     /* extra directories searched after the default image */
    char *user;
    char *pidfile;
    char *log_target; /* "stderr" or "syslog" */
    char *address;    /* address advertised when a request's local address is unknown */
};

struct menu_settings {
    char *title;
    char *default_entry; /* entry id, e.g. "archiso-http" */
    uint64_t timeout;    /* usec */
    char *ui;            /* pxelinux UI module ("menu.c32"), "" for none */
    char *serial;        /* pxelinux SERIAL argument, e.g. "0 115200", or NULL */
    char *console;       /* console= for the kernel, e.g. "ttyS0,115200", or NULL */
    uint32_t ifnames0;   /* net.ifnames=0 */
    char *copytoram;     /* "y", "n", "auto" or NULL (archiso default) */
    char *append;        /* extra global kernel parameters */
    uint64_t sysappend;  /* pxelinux SYSAPPEND bits (1 ip=, 2 BOOTIF) */
    uint32_t kernel_http; /* load kernel and initrd over HTTP when the http service runs */
    uint32_t local_entry; /* add a "boot from local disk" entry */
    uint32_t tree_entry;  /* add "<tree> (its own menu)" chaining a served tree's own menu */
    char *pxelinux_dir;   /* the system's pxelinux loaders, served when no tree has them */
    char *syslinux_dir;   /* the system's syslinux BIOS modules (ldlinux.c32, menu.c32...) */
    json_t *entries;      /* generic entries (entries.h), a JSON array, or NULL */
};

struct service {
    char name[16];
    uint32_t port;
};

struct host {
    struct pxe_host pub; /* strings owned here */
    struct host *next;
};

struct core {
    struct loop *loop;
    struct pxe_core *plugins; /* load order (sorted by file name) */
    struct image *images[CORE_MAX_IMAGES];
    uint32_t n_images;
    int root_fds[CORE_MAX_ROOTS];
    uint32_t n_roots;
    struct core_settings set;
    struct menu_settings menu;
    struct sboot_settings sb; /* secure_boot section */
    struct sboot *sboot;      /* the Secure Boot chain (sboot.c), or NULL */
    pthread_rwlock_t model_lock;
    struct service services[CORE_MAX_SERVICES];
    struct host *hosts;
    struct gen_entry *entries; /* generic entries (entries.h), menu order; loop thread */
    struct pxe_request *requests; /* rootfs_prepare calls still pending */
    uint64_t start_usec;
    int64_t start_time;
    int quitting;
    int pidfd; /* the pidfile, created before the privilege drop, or -1 */
};

extern const struct pxe_config_item core_settings_items[];
extern const struct pxe_config_item menu_settings_items[];

/* The function table handed to plugins. */
extern const struct pxe_core_api core_api;

struct pxe_core *core_plugin_find(struct core *c, const char *name);
/* Switches a boot method; calls its method_set. 0 or -errno (-ENOENT, -EINVAL: not a method). */
int core_method_set(struct core *c, const char *name, int enabled);
/* Method status: "enabled", "draining" or "disabled"; sessions gets active_sessions. */
const char *core_method_state(struct pxe_core *p, uint64_t *ret_sessions);

/* Host profiles (loop thread; readers on other threads hold model_lock). */
const struct pxe_host *core_host_lookup(struct core *c, const char *mac);
/* Copies profile; replaces an existing one for the same MAC. */
int core_host_set(struct core *c, const struct pxe_host *profile);
int core_host_delete(struct core *c, const char *mac);
void core_hosts_free(struct core *c);
/* Normalises a MAC in any usual spelling to "aa:bb:cc:dd:ee:ff". 0 or -EINVAL. */
int core_mac_normalize(const char *in, char out[18]);

uint32_t core_service_port(struct core *c, const char *name);

/* Calls p's rootfs_prepare for every image (pending ones finish through request_done). */
int core_rootfs_prepare(struct core *c, struct pxe_core *p);
/* Drops p's pending requests and calls rootfs_release for every image. */
void core_rootfs_release(struct core *c, struct pxe_core *p);

#endif
