/* SPDX-License-Identifier: MIT */
/*
 * pxecore plugin ABI: the only header a plugin needs.
 *
 * A plugin is a shared object named pxecore-<name>.so that exports exactly one
 * symbol, pxe_plugin_init, emitted by PXE_PLUGIN_REGISTER().  It returns a
 * struct pxe_plugin describing the plugin; the core hands back a table of core
 * functions (struct pxe_core_api) in load(), so a plugin never links against
 * the daemon.  Both structs carry _abi_version and _struct_size and only ever
 * grow at the end; see docs/plugin-api.md for the lifecycle, threading and
 * ownership rules.  This header is C99 clean (tests/abi builds it with
 * -std=c99 -pedantic -Werror).
 *
 * Conventions: functions return 0 (or a positive PXE_* status) on success and
 * -errno on failure.  Pointer arguments are borrowed for the duration of the
 * call unless a comment says otherwise.  No bool, enum, off_t or time_t
 * crosses this boundary.
 */
#ifndef PXECORE_PLUGIN_H
#define PXECORE_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Bumped only on incompatible changes; compatible growth appends fields.
 * 2: struct pxe_image no longer carries archiso's label, uuid and basedir (they
 * are _reserved_*, always NULL; the archiso image kind owns them); image kinds
 * (PXE_CAP_KIND) and transports (PXE_CAP_TRANSPORT) added.  The core loads
 * plugins of version 1 and 2 (docs/plugin-api.md, "ABI guarantee").
 */
#define PXE_PLUGIN_ABI_VERSION 2
#define PXE_PLUGIN_ABI_MIN 1

/* Returned by a callback whose work completes later (see request_done). */
#define PXE_PENDING 1

/* Log levels, the syslog ones. */
#define PXE_LOG_ERR 3
#define PXE_LOG_WARNING 4
#define PXE_LOG_NOTICE 5
#define PXE_LOG_INFO 6
#define PXE_LOG_DEBUG 7

/* Thread models (struct pxe_plugin.thread_model). */
#define PXE_THREAD_LOOP 0 /* every callback runs on the core loop and must not block */
#define PXE_THREAD_OWN 1  /* plugin runs its own threads; they call only thread-safe core functions */

/* Capability flags (struct pxe_plugin.caps); each one makes some callbacks required. */
#define PXE_CAP_SERVICE (1u << 0) /* owns sockets: requires start */
#define PXE_CAP_ROOTFS (1u << 1)  /* a rootfs transport: requires rootfs_prepare */
#define PXE_CAP_MENU (1u << 2)    /* boot menu entries: requires menu_entries */
#define PXE_CAP_CMDLINE (1u << 3) /* kernel parameters: requires cmdline */
#define PXE_CAP_TRANSPORT (1u << 4) /* ABI 2: carries image kinds' root filesystems: requires transport */
#define PXE_CAP_KIND (1u << 5)      /* ABI 2: image kinds: requires kind_probe, kind_entries, kind_cmdline */
/* A plugin with PXE_CAP_MENU or PXE_CAP_TRANSPORT is a boot method named after the plugin. */

/* I/O readiness bits (same values as EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP). */
#define PXE_IO_IN 0x001u
#define PXE_IO_OUT 0x004u
#define PXE_IO_ERR 0x008u
#define PXE_IO_HUP 0x010u

/* Config item types and where the value lands in the plugin's config struct. */
#define PXE_CFG_STR 1      /* char * (core-owned, NULL when unset), JSON string */
#define PXE_CFG_INT 2      /* int64_t, JSON integer */
#define PXE_CFG_UINT 3     /* uint64_t, JSON integer >= 0 */
#define PXE_CFG_BOOL 4     /* uint32_t 0 or 1, JSON true/false */
#define PXE_CFG_ADDR 5     /* char *, an IPv4 or IPv6 literal */
#define PXE_CFG_PATH 6     /* char *, a filesystem path */
#define PXE_CFG_DURATION 7 /* uint64_t microseconds; JSON number of seconds or "250ms"/"5s"/"2m"/"1h" */
#define PXE_CFG_STRLIST 8  /* char ** NULL-terminated (core-owned); JSON array of strings */
#define PXE_CFG_JSON 9     /* struct json_t * borrowed from the core, any JSON value */

#define PXE_CFG_REQUIRED (1u << 0) /* no default: the key must be given */
#define PXE_CFG_SECRET (1u << 1)   /* never printed in dumps, logs or the API */

/* Boot phases a client reaches, reported with events (pxe_core_api.event). */
#define PXE_PHASE_NONE 0
#define PXE_PHASE_DHCP 1       /* address or boot offer acknowledged */
#define PXE_PHASE_LOADER 2     /* network bootstrap program sent */
#define PXE_PHASE_MENU 3       /* generated menu or script sent */
#define PXE_PHASE_KERNEL 4     /* kernel sent */
#define PXE_PHASE_INITRD 5     /* initramfs sent */
#define PXE_PHASE_ROOTFS 6     /* root filesystem fetched, connected or mounted */
#define PXE_PHASE_MAX 6

/* Metric types. */
#define PXE_METRIC_COUNTER 1
#define PXE_METRIC_GAUGE 2

struct json_t;        /* jansson's json_t */
struct pxe_core;      /* per-plugin handle the core passes to every core function */
struct pxe_source;    /* an fd watch or a timer on the core loop */
struct pxe_buf;       /* append-only text builder owned by the core */
struct pxe_menu;      /* menu under construction, owned by the core */
struct pxe_request;   /* an operation that may complete later */
struct pxe_state_backend; /* <pxecore/state_backend.h> */

/* One configuration key of a plugin. Tables end with an all-zero entry. */
struct pxe_config_item {
    const char *key;          /* lower_snake, unique within the plugin */
    uint32_t type;            /* PXE_CFG_* */
    uint32_t flags;           /* PXE_CFG_REQUIRED | PXE_CFG_SECRET */
    const char *default_text; /* default in the form a command-line flag takes, or NULL */
    size_t offset;            /* offsetof() the field in the plugin's config struct */
    const char *help;         /* one line */
    const char *cli_flag;     /* optional long option of pxecore, e.g. "dhcp-range" */
    int64_t min;              /* INT/UINT/DURATION bounds, checked when min < max */
    int64_t max;
};

/* struct pxe_image.flags */
#define PXE_IMAGE_NO_ROOTFS (1u << 0) /* the kind boots kernel + initrd only (an installer) */
/* The kind's initramfs reaches its root filesystem over IPv4 only: when a menu is asked for over
 * IPv6, the core gives transports the IPv4 address of the same interface (or no entry). */
#define PXE_IMAGE_IPV4_ROOT (1u << 1)

/*
 * A boot image known to the core: a directory tree or an ISO file, opaque to
 * the core.  The image kind that recognised it (kind_probe) named its kernel,
 * initrd and root filesystem.  Read-only; valid until the plugin is stopped.
 */
struct pxe_image {
    uint32_t _struct_size;
    uint32_t is_iso;         /* 1: an ISO 9660 file read directly; 0: a directory tree */
    const char *name;        /* [a-z0-9._-]+, used in menus, URLs and export names */
    const char *source;      /* the directory, or the ISO file */
    const char *dir;         /* a directory holding the tree (source, or a mount), or NULL */
    const char *_reserved_1; /* ABI 1: archiso label; NULL since ABI 2 */
    const char *_reserved_2; /* ABI 1: archiso search UUID; NULL since ABI 2 */
    const char *_reserved_3; /* ABI 1: archisobasedir; NULL since ABI 2 */
    const char *arch;        /* the kind's architecture name ("x86_64", "amd64"), or NULL */
    const char *kernel;      /* path inside the image, e.g. "arch/boot/x86_64/vmlinuz-linux", or NULL */
    const char *initrd;      /* path inside the image, or NULL */
    const char *rootfs;      /* path inside the image of the root filesystem file, or NULL */
    const char *prefix;      /* where the image appears in the file namespace: "images/<name>/" */
    uint64_t size;           /* ISO file size in bytes; 0 for directories */
    /* ABI 2 */
    const char *kind;      /* the image kind that recognised it ("archiso"), or NULL: none did */
    const char *title;     /* the kind's name for it in menus: "Arch Linux x86_64" */
    const char *volume_id; /* ISO 9660 volume identifier, or NULL (directories) */
    uint32_t flags;        /* PXE_IMAGE_* */
};

/* A per-machine profile set through the API. Read-only, loop thread only. */
struct pxe_host {
    uint32_t _struct_size;
    const char *mac;           /* "aa:bb:cc:dd:ee:ff" */
    const char *image;         /* image name, or NULL for the default */
    const char *method;        /* boot method name, or NULL for the menu */
    const char *cmdline_extra; /* appended to the kernel command line, or NULL */
    uint32_t boot_once;        /* 1: after one network boot, boot locally */
    uint32_t local_boot;       /* 1: boot from the local disk now (boot_once used up) */
};

/* What a menu or command line is being built for. */
struct pxe_boot_ctx {
    uint32_t _struct_size;
    const struct pxe_image *image;
    const struct pxe_host *host; /* NULL when the client is unknown */
    const char *server_ip;       /* our address as the client reaches it, dotted quad */
    const char *client_mac;      /* "aa:bb:cc:dd:ee:ff", or NULL */
    const char *menu_format;     /* "pxelinux", "ipxe" or "grub" */
    /* ABI 2 */
    uint32_t loader_sets_ip; /* 1: the boot loader appends ip= itself (pxelinux SYSAPPEND 1) */
    const char *entry_id;    /* kind_cmdline/kind_cmdline_check: the id the kind gave the entry
                                (as passed to menu_add), or NULL (see kind_cmdline) */
};

/*
 * ABI 2.  How a boot method carries an image's root filesystem to the client,
 * filled by the method's transport(); the image kind turns it into its
 * distribution's kernel parameters.  The core zeroes it and sets method.
 */
struct pxe_transport {
    uint32_t _struct_size;
    uint32_t whole_image; /* 1: the ISO file as one block device (NBD); 0: the image's files */
    uint32_t external;    /* 1: the files are served from elsewhere (a mirror): not checkable here */
    uint32_t port;        /* the service's TCP port */
    char method[32];      /* the boot method's name (set by the core) */
    char scheme[16];      /* "http", "nbd", "nfs" */
    char label[16];       /* for menu titles: "HTTP", "NBD", "NFS" */
    char server[64];      /* our address as the client reaches it (no brackets) */
    char url[512];        /* http: URL of the image's root, ending in '/'; nbd: nbd://server[:port]/export;
                             nfs: server:/export/path */
    char export_name[256]; /* nbd: the export's name; nfs: the exported directory */
    char options[128];     /* nfs: mount options for the client ("v3,tcp"), else "" */
};

/*
 * ABI 2.  What an image kind found in an image (kind_probe): paths inside the
 * image, copied by the core.  Zeroed by the core.
 */
struct pxe_kind_probe {
    uint32_t _struct_size;
    uint32_t flags;     /* PXE_IMAGE_* */
    char kind[32];      /* the kind's name, [a-z0-9-]; the plugin's name when left empty */
    char title[96];     /* the distribution's name for menus: "Arch Linux x86_64" */
    char arch[32];      /* "x86_64", "amd64" */
    char kernel[256];   /* required */
    char initrd[256];   /* "" for none */
    char rootfs[256];   /* "" for none */
};

/* One boot menu entry; copied by menu_add. An image kind's entry leaves kernel and initrd NULL. */
struct pxe_menu_entry {
    uint32_t _struct_size;
    const char *id;     /* short token unique within the menu, [a-z0-9_-] */
    const char *title;  /* "Arch Linux x86_64 (HTTP)" */
    const char *kernel; /* file namespace path, or NULL for the image's kernel */
    const char *initrd; /* file namespace path, NULL for the image's initrd, "" for none */
    const char *help;   /* one line of help text, or NULL */
    /* An entry with its own kernel gets only the method's cmdline and host extras. */
};

/* The client a file is opened for (generated files depend on it). */
struct pxe_client {
    uint32_t _struct_size;
    const char *local_ip; /* our address the request arrived on, or NULL */
    const char *peer_ip;  /* the client's address, or NULL */
    const char *mac;      /* "aa:bb:cc:dd:ee:ff" when known, or NULL */
    const char *query;    /* HTTP query string without '?', or NULL */
};

/*
 * An open file of the core's namespace: a generated file (data != NULL, fd -1),
 * a file on disk, or a file inside an ISO (fd of the ISO, offset of the extent).
 * Read with pread(fd, buf, n, offset + pos) or sendfile at offset + pos.
 * Owned by the caller until file_close.
 */
struct pxe_file {
    uint32_t _struct_size;
    int32_t fd;           /* -1 for generated content */
    uint64_t offset;      /* byte offset of the content inside fd */
    uint64_t size;        /* content length in bytes */
    int64_t mtime;        /* seconds since the epoch */
    const void *data;     /* generated content, or NULL */
    const char *path;     /* normalised namespace path (no leading '/') */
    const char *realpath; /* what to log: the file on disk or "iso:path", or "(generated) path" */
    uint32_t generated;   /* 1 for generated content (menus, scripts) */
    /* The boot phase that sending this file completes: PXE_PHASE_MENU for generated
     * files, _KERNEL/_INITRD/_ROOTFS for an image's or a generic menu entry's files,
     * else PXE_PHASE_NONE (a loader is the serving plugin's call).  Cores before
     * 0.2 leave it 0 (the struct's padding, zeroed), which reads as NONE. */
    uint32_t phase;
};

typedef void (*pxe_io_cb)(void *ud, int fd, uint32_t events);
typedef void (*pxe_timer_cb)(void *ud);
typedef void (*pxe_post_cb)(void *ud);
/* status: as waitpid(); output: the child's stdout+stderr (capped at 64 KiB), NUL-terminated. */
typedef void (*pxe_exit_cb)(void *ud, int status, const char *output, size_t output_len);

/*
 * Core functions handed to a plugin in load().  The table is append-only; a
 * plugin calls a function added after ABI 1 only after PXE_CORE_HAS() is true.
 * Thread-safe: log, vlog, post, now_usec, file_open, file_close, image_count,
 * image_get, image_find, image_list (images are fixed while the daemon runs), event,
 * metric_add, metric_set, sanitize, write_atomic.  Everything else runs on the loop thread
 * only.
 */
struct pxe_core_api {
    uint32_t _abi_version;
    uint32_t _struct_size;

    /* Logging; the core prefixes "[name]". Thread-safe. */
    void (*log)(struct pxe_core *self, int level, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;
    void (*vlog)(struct pxe_core *self, int level, const char *fmt, va_list ap);

    /* Event loop. Sources are freed with source_free, before stop returns. */
    int (*io_add)(struct pxe_core *self, int fd, uint32_t events, pxe_io_cb cb, void *ud,
                  struct pxe_source **ret_src);
    int (*io_set_events)(struct pxe_source *src, uint32_t events);
    /* One-shot timer firing usec from now; re-arm with timer_set (0 disarms). */
    int (*timer_add)(struct pxe_core *self, uint64_t usec, pxe_timer_cb cb, void *ud,
                     struct pxe_source **ret_src);
    int (*timer_set)(struct pxe_source *src, uint64_t usec);
    /* Removes and frees; accepts NULL; safe inside the source's own callback. */
    void (*source_free)(struct pxe_source *src);
    /* Runs cb(ud) on the loop thread soon. Thread-safe. */
    int (*post)(struct pxe_core *self, pxe_post_cb cb, void *ud);
    /* Monotonic clock in microseconds. Thread-safe. */
    uint64_t (*now_usec)(void);

    /* Runs argv (argv[0] a path) without a shell; on_exit runs on the loop. */
    int (*spawn)(struct pxe_core *self, const char *const *argv, pxe_exit_cb on_exit, void *ud);

    /*
     * Opens a path of the core's file namespace: generated files first, then
     * "images/<name>/...", then the default image and the extra roots.  The
     * path is normalised ('\\' to '/', repeated '/' collapsed, leading '/'
     * dropped) and confined: "..", NUL and symlinks out of a root give -EACCES.
     * -ENOENT when absent, -EISDIR for a directory.
     */
    int (*file_open)(struct pxe_core *self, const char *path, const struct pxe_client *client,
                     struct pxe_file **ret_file);
    void (*file_close)(struct pxe_file *file);

    /* Images: pointers valid until stop. Host profiles: loop thread, valid until the next
     * return to the loop. */
    uint32_t (*image_count)(struct pxe_core *self);
    const struct pxe_image *(*image_get)(struct pxe_core *self, uint32_t index);
    const struct pxe_image *(*image_find)(struct pxe_core *self, const char *name);
    const struct pxe_host *(*host_lookup)(struct pxe_core *self, const char *mac);

    /* Builders used from menu_entries and cmdline. Return 0, -ENOMEM or -E2BIG. */
    int (*menu_add)(struct pxe_menu *menu, const struct pxe_menu_entry *entry);
    int (*buf_append)(struct pxe_buf *buf, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;
    /* Completes a request a callback answered PXE_PENDING to. Loop thread. */
    void (*request_done)(struct pxe_request *req, int result);

    /* Services: a plugin announces the TCP/UDP port of a service ("http", "tftp", "nbd"). */
    int (*service_register)(struct pxe_core *self, const char *service, uint32_t port);
    uint32_t (*service_port)(struct pxe_core *self, const char *service);
    /* Whether this plugin's boot method is enabled right now (1/0). */
    uint32_t (*method_enabled)(struct pxe_core *self);

    /*
     * Event for the API's event list and client timelines. kind is a dotted
     * token ("dhcp.ack", "tftp.sent"); mac/ip may be NULL; phase PXE_PHASE_*.
     * Thread-safe.
     */
    void (*event)(struct pxe_core *self, const char *kind, const char *mac, const char *ip,
                  uint32_t phase, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 6, 7)))
#endif
        ;
    /* Metrics exported as pxecore_<plugin>_<name>; help is static text. Thread-safe. */
    void (*metric_add)(struct pxe_core *self, const char *name, const char *help, uint64_t delta);
    void (*metric_set)(struct pxe_core *self, const char *name, const char *help, int64_t value);

    /* Copies in[0..len) to out as printable ASCII, escaping the rest; always NUL-terminates. */
    size_t (*sanitize)(const char *in, size_t len, char *out, size_t out_size);

    /*
     * Replaces path with data[0..len) crash-safely (temp file in the same
     * directory, mode, fsync, rename, fsync of the directory): after a crash the
     * file holds the old or the new contents. Blocks on fsync: call it from a
     * worker thread or at start/stop, not per packet. 0 or -errno. Thread-safe.
     */
    int (*write_atomic)(struct pxe_core *self, const char *path, const void *data, size_t len,
                        uint32_t mode);

    /*
     * UEFI Secure Boot chain (docs/secure-boot.md): the boot file a UEFI client
     * of architecture arch (option 93) with MAC mac (NULL when unknown) gets
     * instead of its architecture's usual loader -- the signed shim -- copied
     * into out.  -ENOENT when it gets the usual loader.  Loop thread.
     */
    int (*secure_boot_file)(struct pxe_core *self, const char *mac, uint32_t arch, char *out,
                            size_t out_size);

    /* ---- ABI 2 ---- */
    /*
     * Lists directory rel (no leading '/', "" for the root) of image, whatever
     * it is stored as (a tree or an ISO file): cb(ud, name, type) with type 1
     * for a regular file, 2 for a directory, 0 otherwise; at most 4096 names;
     * cb returning non-zero stops.  0, -ENOENT, -ENOTDIR. Thread-safe.
     */
    int (*image_list)(struct pxe_core *self, const struct pxe_image *image, const char *rel,
                      int (*cb)(void *ud, const char *name, uint32_t type), void *ud);
    /*
     * Attaches a fact about image (key [a-z0-9_]{1,31}, value printable, at
     * most 255 bytes) shown by GET /api/v1/images under "facts"; replaces the
     * same key.  Loop thread (kind_probe runs there). 0 or -errno.
     */
    int (*image_fact_set)(struct pxe_core *self, const struct pxe_image *image, const char *key,
                          const char *value);

    /* ---- ABI 2, state backends (<pxecore/state_backend.h>); check with PXE_CORE_HAS ---- */
    /*
     * Makes be (static storage, checked: _version, _struct_size) the shared
     * store of host profiles, boot-once claims and method switches; ud is
     * passed back.  From load() or config_complete().  -EEXIST when another
     * plugin registered one, -EINVAL for a bad table.  Loop thread.
     */
    int (*state_backend_register)(struct pxe_core *self, const struct pxe_state_backend *be,
                                  void *ud);
    /*
     * The store's whole content (the document described in state_backend.h,
     * borrowed): replaces the hosts and claims, sets the methods it names,
     * saves the local cache.  Malformed entries are skipped, counted and
     * logged; returns how many were skipped, or -errno.  Loop thread.
     */
    int (*state_replace)(struct pxe_core *self, struct json_t *doc);
    /* One changed key (PXE_STATE_*, value borrowed, NULL: deleted). 0, -EINVAL. Loop thread. */
    int (*state_apply)(struct pxe_core *self, uint32_t kind, const char *key, struct json_t *value);
    /*
     * Whether the store takes writes now (1) or not (0, reason a short text
     * naming the endpoint and the error).  While 0 the core refuses changes
     * (HTTP 503) and serves from the last known state.  Loop thread.
     */
    void (*state_available)(struct pxe_core *self, uint32_t available, const char *reason);
};

/* True when the core table has function fn (for functions newer than the plugin's minimum). */
#define PXE_CORE_HAS(core, fn)                                                                     \
    ((core)->_struct_size >= offsetof(struct pxe_core_api, fn) + sizeof((core)->fn) &&            \
     (core)->fn != NULL)

/* The plugin descriptor, returned by pxe_plugin_init. Static storage in the plugin. */
struct pxe_plugin {
    uint32_t _abi_version; /* set by PXE_PLUGIN_REGISTER */
    uint32_t _struct_size; /* set by PXE_PLUGIN_REGISTER */
    uint32_t thread_model; /* PXE_THREAD_* */
    uint32_t caps;         /* PXE_CAP_* */
    const char *name;      /* [a-z0-9-]{1,31}, unique; file pxecore-<name>.so */
    const char *version;
    const char *description;
    const struct pxe_config_item *config_items; /* zero-terminated, or NULL */
    uint32_t config_size; /* sizeof the plugin's config struct (zeroed, defaults, then config) */

    /* Lifecycle. state is whatever load stored in *ret_state. */
    int (*load)(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state);
    /* cfg: the filled config struct, core-owned, valid until unload. */
    int (*config_complete)(void *state, void *cfg);
    int (*bind)(void *state);  /* privileged sockets, before the privilege drop */
    int (*start)(void *state); /* register fds and timers, start threads */
    void (*stop)(void *state); /* free every source, join every thread */
    void (*unload)(void *state); /* accepts NULL and half-initialised state */
    int (*reload)(void *state);  /* SIGHUP; optional */

    /* Rootfs transport. May return PXE_PENDING and finish with request_done. */
    int (*rootfs_prepare)(void *state, const struct pxe_image *image, struct pxe_request *req);
    void (*rootfs_release)(void *state, const struct pxe_image *image);

    /* Boot method: entries for ctx->image, through core->menu_add. 0 or -errno. */
    int (*menu_entries)(void *state, const struct pxe_boot_ctx *ctx, struct pxe_menu *menu);
    /* The method's kernel parameters for ctx, through core->buf_append. */
    int (*cmdline)(void *state, const struct pxe_boot_ctx *ctx, struct pxe_buf *out);
    /*
     * Validates the whole assembled command line; -EINVAL with a reason in
     * why (through buf_append) refuses it, e.g. HTTP and "copytoram=n".
     */
    int (*cmdline_check)(void *state, const struct pxe_boot_ctx *ctx, const char *cmdline,
                         struct pxe_buf *why);
    /* The method was enabled (1) or disabled (0) at run time. */
    int (*method_set)(void *state, uint32_t enabled);
    /* Live rootfs sessions (connections, mounts). Any thread. */
    uint64_t (*active_sessions)(void *state);

    /* Introspection. *ret_json is a new reference the core takes. */
    int (*status)(void *state, struct json_t **ret_json);
    /*
     * Serves /api/v1/plugins/<name>/<subpath>; body is borrowed (may be NULL),
     * *ret_json a new reference.  Returns an HTTP status (200..599) or -errno.
     */
    int (*api_call)(void *state, const char *method, const char *subpath, struct json_t *body,
                    struct json_t **ret_json);

    /* ---- ABI 2 ---- */
    /*
     * Transport (PXE_CAP_TRANSPORT): how this method carries ctx->image's root
     * filesystem to ctx's client, into *out.  0, or -errno with a reason in why
     * (through buf_append) when it cannot now: not exported, not live, no
     * usable address.  Loop thread.
     */
    int (*transport)(void *state, const struct pxe_boot_ctx *ctx, struct pxe_transport *out,
                     struct pxe_buf *why);

    /*
     * Image kinds (PXE_CAP_KIND).  kind_probe runs once per image at start
     * (loop thread, before bind), reading the image only through file_open
     * (image->prefix + path) and image_list: 1 and *out filled when the image
     * is of this kind, 0 with what was looked for in looked_for ("arch/boot/<arch>/
     * vmlinuz-*") when not, -errno on failure (logged, the image is offered to
     * the other kinds).  -EEXIST with a reason in looked_for: two kinds of this
     * plugin claim it, a config error.  The core refuses an image two kinds
     * claim.
     */
    int (*kind_probe)(void *state, const struct pxe_image *image, struct pxe_kind_probe *out,
                      struct pxe_buf *looked_for);
    /*
     * Entries for ctx->image (of this kind) over transport tr, through
     * menu_add (kernel and initrd NULL: the image's).  tr NULL asks for the
     * entries that need no transport (an installer: kernel and initrd only);
     * adding nothing means the kind does not boot over tr.
     */
    int (*kind_entries)(void *state, const struct pxe_boot_ctx *ctx,
                        const struct pxe_transport *tr, struct pxe_menu *menu);
    /*
     * Kernel parameters in the distribution's vocabulary, through buf_append.
     * ctx->entry_id set: that entry's parameters over tr, what makes the
     * initramfs use it ("archiso_http_srv=..."); tr NULL for an entry that
     * needs no transport.  ctx->entry_id NULL: the image's own parameters
     * ("archisobasedir=arch"); the core adds each one whose key the entry's
     * part did not give, before the menu settings and a host's extras (and to
     * a version-1 method's own entries that boot the image's kernel).
     */
    int (*kind_cmdline)(void *state, const struct pxe_boot_ctx *ctx,
                        const struct pxe_transport *tr, struct pxe_buf *out);
    /*
     * Optional: validates the whole command line of an entry over tr (NULL:
     * no transport); -EINVAL with a reason in why drops the entry.
     */
    int (*kind_cmdline_check)(void *state, const struct pxe_boot_ctx *ctx,
                              const struct pxe_transport *tr, const char *cmdline,
                              struct pxe_buf *why);
};

#if defined(__GNUC__)
#define PXE_EXPORT __attribute__((visibility("default")))
#else
#define PXE_EXPORT
#endif

/* Emits the single exported entry point for the descriptor variable var. */
#define PXE_PLUGIN_REGISTER(var)                                                                   \
    PXE_EXPORT const struct pxe_plugin *pxe_plugin_init(void);                                     \
    PXE_EXPORT const struct pxe_plugin *pxe_plugin_init(void)                                      \
    {                                                                                              \
        (var)._abi_version = PXE_PLUGIN_ABI_VERSION;                                               \
        (var)._struct_size = (uint32_t)sizeof(var);                                                \
        return &(var);                                                                             \
    }

#ifdef __cplusplus
}
#endif
#endif /* PXECORE_PLUGIN_H */
