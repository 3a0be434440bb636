/* SPDX-License-Identifier: MIT */
/*
 * The NFS plugin's privileged helper.  When pxecore starts as root, bind()
 * (before the privilege drop) forks a small child that keeps root and does the
 * few privileged things the plugin needs for the unprivileged daemon: write or
 * remove its one exports file, run exportfs / the ganesha reload or DBus
 * calls, loop-mount a configured ISO read-only under export_root and unmount
 * it, create and remove the mount point.  Requests arrive on a SOCK_SEQPACKET
 * socketpair, one at a time; each is checked against a policy fixed when the
 * helper was forked (nfs_priv_policy.c) and refused with EPERM otherwise.
 *
 * Message: u32 op, u32 argc, then argc NUL-terminated strings, then data.
 * Reply:   i32 rc (0 or -errno), i32 wait status (EXEC), then output bytes.
 */
#ifndef PXE_NFS_PRIV_H
#define PXE_NFS_PRIV_H

#include <stddef.h>
#include <stdint.h>

enum nfs_priv_op {
    NFS_PRIV_EXEC = 1, /* argv: the command; reply: status and output */
    NFS_PRIV_WRITE,    /* data: the exports file's new content (written atomically) */
    NFS_PRIV_UNLINK,   /* removes the exports file */
    NFS_PRIV_MKDIR,    /* argv[0]: a mount point directly under export_root */
    NFS_PRIV_RMDIR,    /* argv[0]: the same */
};

#define NFS_PRIV_MAX_MSG  (64u * 1024u) /* a request */
#define NFS_PRIV_MAX_OUT  (60u * 1024u) /* a command's output in a reply (its tail) */
#define NFS_PRIV_MAX_ARGS 24
#define NFS_PRIV_MAX_ISOS 4096

/* What the helper may do; fixed at fork time from the plugin's config and images. */
struct nfs_priv_policy {
    const char *file;        /* the exports file (kernel) or ganesha include file */
    const char *export_root; /* mount points are its direct children */
    const char *exportfs, *mount, *umount, *dbus_send, *rpcinfo;
    const char *ganesha_conf;
    const char *const *reload_argv; /* NULL-terminated, or NULL */
    const char *const *list_argv;   /* NULL-terminated, or NULL */
    const char *const *isos;        /* ISO files that may be loop-mounted */
    size_t nisos;
};

/* 0 when argv is one of the allowed commands, else -EPERM with *why set. */
int nfs_priv_check_exec(const struct nfs_priv_policy *p, const char *const *argv, const char **why);
/* 0 when path is a direct child of export_root with a plain name, else -EPERM. */
int nfs_priv_check_dir(const struct nfs_priv_policy *p, const char *path, const char **why);

/* Encodes a request into buf; its length, or -E2BIG. argv may be NULL. */
long nfs_priv_encode(uint32_t op, const char *const *argv, const char *data, size_t len, char *buf,
                     size_t size);
/*
 * Decodes a request in place (buf must have one spare byte past len): argv
 * gets at most max - 1 strings and a NULL, data points into buf.  0 or -EINVAL.
 */
int nfs_priv_decode(char *buf, size_t len, uint32_t *op, const char **argv, int max,
                    const char **data, size_t *dlen);

#endif
