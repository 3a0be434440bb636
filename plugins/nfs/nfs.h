/* SPDX-License-Identifier: MIT */
/*
 * Private to the nfs plugin: its config, per-image exports and state, shared
 * by nfs.c (descriptor, lifecycle), nfs_config.c (config checks), nfs_method.c
 * (boot method callbacks), nfs_run.c (the command step
 * machine and health check), nfs_record.c (errors, liveness, state file),
 * nfs_file.c (the exports file), nfs_stop.c (drain, shutdown) and nfs_sys.c
 * (files, mounts, children).
 */
#ifndef PXE_NFS_H
#define PXE_NFS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <pxecore/plugin.h>

#include "nfs_exports.h"

#define NFS_MAX_ARGV       24
#define NFS_MAX_PENDING    64
#define NFS_READ_CAP       (1u << 20)
#define NFS_RETRY_MAX_USEC (30u * 1000000u)
#define NFS_STOP_CMD_USEC  (10u * 1000000u)
#define NFS_TIMER_IDLE     (86400ull * 1000000u)

struct nfs_cfg {
    char *backend;
    char *exports_file;
    char *exportfs;
    char *clients;
    char *options;
    char *ganesha_conf;
    uint32_t ganesha_dbus;
    char *ganesha_reload_cmd;
    char *dbus_send;
    char *rpcinfo;
    char *export_list_cmd;
    char *export_root;
    char *state_file;
    char *mount;
    char *umount;
    char *rmtab;
    char *archiso_nfs_opt;
    uint64_t check_interval;
    uint64_t drain_poll;
    uint64_t drain_idle;
    uint64_t drain_timeout;
    uint64_t export_id_base;
    char *helper;
};

struct nfs_exp {
    const struct pxe_image *image;
    char *path;        /* exported directory */
    char *mount_point; /* ISO images: loop mount made by us (== path) */
    char *refused;     /* why this image is not exported, or NULL */
    uint32_t fsid;
    uint32_t id;
    int mounted;
    int added; /* ganesha DBus export present */
};

enum nfs_backend { NFS_KERNEL, NFS_GANESHA_DBUS, NFS_GANESHA_RELOAD };

struct nfs_state;
typedef void (*nfs_done_fn)(struct nfs_state *s, struct nfs_exp *e, int status, const char *out,
                            size_t len);

struct nfs_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    struct nfs_cfg *cfg;
    enum nfs_backend backend;
    const char *file; /* exports_file or ganesha_conf */

    struct nfs_exp *exps;
    size_t nexps;
    struct nfs_created created;  /* mirrors state_file */
    struct nfs_created leftover; /* from a previous run, undone before anything else */
    int have_leftover;
    char *leftover_mount; /* the leftover mount being unmounted */

    char *written;        /* content of file as we last wrote it (NULL: not written by this run) */
    int applied;          /* the server has seen `written` (exportfs -ra / reload / all added) */
    int verified;         /* a check after applying found every export */
    int verify_tries;     /* checks since applying that did not find every export yet */
    const char *list_cmd; /* reload mode: export listing command, or NULL (rpcinfo only) */
    char list_buf[1024];
    int want;  /* exports should exist */
    int live;  /* exports exist and the last check passed */
    int offer; /* boot method enabled */
    int draining;
    uint64_t drain_start;
    int busy; /* a command is running */
    int started, stopped;
    int inert;  /* the backend's tools are missing: nothing is exported or run */
    int failed; /* last command failed; retry timer armed */
    uint64_t backoff;
    char *last_error;
    atomic_uint_fast64_t sessions;

    struct pxe_source *retry_timer, *check_timer, *drain_timer;
    struct {
        struct pxe_request *req;
        struct nfs_exp *exp;
    } pending[NFS_MAX_PENDING];
    size_t npending;

    /* The running command. */
    pid_t child; /* its pid when /proc tells (stop() waits for it), else 0 */
    nfs_done_fn done;
    struct nfs_exp *done_exp;
    char what[160];

    /* The privileged helper (nfs_priv.c), when pxecore started as root. */
    int priv_fd; /* -1: none, operations are done directly */
    pid_t priv_pid;
    int priv_pending; /* an EXEC is in flight */
    pxe_exit_cb priv_cb;
    void *priv_cb_ud;
    struct pxe_source *priv_io;
};

/* nfs_sys.c: files and processes; 0 or -errno unless stated. */
int nfs_read_small(const char *path, char **ret, size_t *len);
int nfs_mkdir_p(const char *path, int parent);
int nfs_is_ours(const char *path);
/* Removes path's temp files ("<path>.tmp.XXXXXX", write_atomic's) a crash left; how many. */
int nfs_remove_temps(const char *path);
void nfs_created_add_id(struct nfs_created *c, uint32_t id);
void nfs_created_del_id(struct nfs_created *c, uint32_t id);
int nfs_created_add_mount(struct nfs_created *c, const char *m);
void nfs_created_del_mount(struct nfs_created *c, const char *m);
int nfs_is_mount_point(const char *dir);
int nfs_list_children(pid_t *out, int max);
void nfs_wait_exit(pid_t pid, uint64_t usec);
/* Splits cmd on blanks into argv (pointers into buf); the count or -errno. */
int nfs_split_cmd(const char *cmd, char *buf, size_t size, const char **argv, int max);

/* nfs_config.c */
extern const struct pxe_config_item nfs_config_items[];
int nfs_config_complete(void *state, void *cfg);

/* nfs_method.c: the boot method callbacks of struct pxe_plugin (loop thread). */
int nfs_rootfs_prepare(void *state, const struct pxe_image *image, struct pxe_request *req);
void nfs_rootfs_release(void *state, const struct pxe_image *image);
int nfs_transport(void *state, const struct pxe_boot_ctx *ctx, struct pxe_transport *tr,
                  struct pxe_buf *why);
int nfs_method_set(void *state, uint32_t enabled);
uint64_t nfs_active_sessions(void *state);

/* nfs_record.c (loop thread). */
/* Counts, records and logs an error (once while it repeats). */
void nfs_set_error(struct nfs_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nfs_clear_error(struct nfs_state *s);
/* The last lines of a command's output, for a message, in buf. */
const char *nfs_output_tail(struct nfs_state *s, const char *out, size_t len, char *buf,
                            size_t size);
/* "exit status N" or "killed by signal N" in buf. */
void nfs_describe_status(int status, char *buf, size_t size);
int nfs_ok_status(int status);
void nfs_set_live(struct nfs_state *s, int live);
/* Completes the pending rootfs_prepare requests: rc, or -EOPNOTSUPP for a refused image. */
void nfs_finish_pending(struct nfs_state *s, int rc);
/* Writes (or removes, when nothing is recorded) state_file.  0 or -errno (recorded). */
int nfs_save_state(struct nfs_state *s);

/* nfs_file.c (loop thread). */
size_t nfs_exported_count(const struct nfs_state *s);
/* The file's content with the exports (with_exports) or none, malloc'd in *ret.  0 or -errno. */
int nfs_render(struct nfs_state *s, int with_exports, char **ret);
/* Makes s->file hold the exports (with_exports) or none.  0 or -errno (recorded). */
int nfs_sync_file(struct nfs_state *s, int with_exports);

/* nfs_run.c: the step machine and the health check (loop thread). */
void nfs_reconcile(struct nfs_state *s);
/* Starts argv; done runs on exit, then nfs_reconcile(). what names the step in errors. */
int nfs_run_cmd(struct nfs_state *s, const char *const *argv, nfs_done_fn done, struct nfs_exp *e,
                const char *what);
/* Fills argv with a dbus-send call of method on path; returns the next free index. */
int nfs_dbus_argv(struct nfs_state *s, const char **argv, const char *path, const char *method);
void nfs_retry_cb(void *ud);
void nfs_check_cb(void *ud);

/* nfs_priv.c: the privileged helper, and the operations routed through it when it runs. */
int nfs_priv_start(struct nfs_state *s); /* bind(): forks it when root; 0 or -errno */
void nfs_priv_stop(struct nfs_state *s);
/* nfs_priv_helper.c: the helper's loop, in the forked child; never returns. */
void nfs_priv_serve(struct nfs_state *s, int fd) __attribute__((noreturn));
int nfs_priv_exec(struct nfs_state *s, const char *const *argv, pxe_exit_cb cb, void *ud);
int nfs_priv_exec_sync(struct nfs_state *s, const char *const *argv, int *status);
void nfs_priv_wait_pending(struct nfs_state *s, int timeout_ms);
int nfs_op_write_file(struct nfs_state *s, int with_exports, const char *content);
int nfs_op_remove_file(struct nfs_state *s);
int nfs_op_mkdir(struct nfs_state *s, const char *path);
void nfs_op_rmdir(struct nfs_state *s, const char *path);

/* nfs_stop.c: drain and shutdown. */
void nfs_drain_cb(void *ud);
/* stop(): undoes everything with bounded synchronous commands (the loop is gone). */
void nfs_shutdown(void *state);

#endif
