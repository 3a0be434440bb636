/* SPDX-License-Identifier: MIT */
/* State shared by the NBD plugin glue (nbd.c), its export table (nbd_exports.c) and its
 * connection workers (nbd_worker.c). */
#ifndef PXE_NBD_INT_H
#define PXE_NBD_INT_H

#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <pxecore/plugin.h>

#include "nbd_tls.h"

struct nbd_config {
    char *address;
    uint64_t port;
    uint64_t max_connections;
    uint64_t handshake_timeout; /* microseconds */
    struct json_t *exports;     /* object name -> file path, or NULL */
    char *tls;                  /* "off", "on" or "require" */
    char *tls_certificate;      /* PEM file, or NULL */
    char *tls_key;              /* PEM file, or NULL */
    uint64_t send_timeout;      /* microseconds a reply may wait for the client to read */
};

/* One exported file; immutable between bind/start and stop. */
struct nbd_export {
    char *name;
    char *path;
    char *description;
    int fd;
    uint64_t size;
    uint32_t from_image; /* 1: an ISO image, 0: the "exports" config key */
};

/* One accepted connection, served by its own thread. */
struct nbd_conn {
    struct nbd_state *s;
    int fd; /* closed by whoever joins the thread */
    pthread_t thread;
    atomic_int done;      /* the thread has finished and may be joined */
    atomic_int export_id; /* -1 until transmission starts */
    atomic_uint_fast64_t bytes;
    char peer[INET6_ADDRSTRLEN];
    struct nbd_conn *next;
};

struct nbd_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    struct nbd_config *cfg;
    int listen_fd;
    uint32_t port; /* bound port */
    struct pxe_source *listen_src;
    struct nbd_export *exports;
    uint32_t n_exports;
    int default_export;          /* index for the empty export name, or -1 */
    uint32_t tls_mode;           /* NBD_TLS_* */
    struct nbd_tls_ctx *tls_ctx; /* credentials, loaded in bind */
    uint32_t leaked;             /* stop() left threads running: unload frees nothing */
    uint64_t refused_logged;     /* now_usec of the last "cap reached" log line (loop thread) */
    pthread_mutex_t lock;        /* conns */
    struct nbd_conn *conns;
    atomic_uint_fast64_t live;     /* connections with a running thread */
    atomic_uint_fast64_t sessions; /* connections in transmission */
    atomic_uint enabled;           /* boot method enabled: new handshakes allowed */
};

/* nbd_exports.c: the export table. */
/* Finds an export by name (len bytes, not NUL-terminated; "" = default). Index or -1. */
int nbd_export_lookup(const struct nbd_state *s, const char *name, size_t len);
/* The export of an ISO image, or -1. */
int nbd_find_image_export(const struct nbd_state *s, const struct pxe_image *image);
/* Whether name may name an export (config key "exports"). */
int nbd_name_valid(const char *name);
/* Opens every image and configured export.  0 or -errno (logged). */
int nbd_exports_build(struct nbd_state *s);
void nbd_exports_free(struct nbd_state *s);

/* Thread body of one connection (arg: struct nbd_conn *). */
void *nbd_worker(void *arg);

#endif /* PXE_NBD_INT_H */
