/* SPDX-License-Identifier: MIT */
/*
 * Internal declarations shared by the http plugin's glue files: http.c
 * (descriptor, config, lifecycle, boot method) and http_serve.c (the
 * libmicrohttpd daemon and its callbacks).  Nothing here is exported.
 */
#ifndef PXE_HTTP_H
#define PXE_HTTP_H

#include <stdatomic.h>
#include <stdint.h>

#include <pxecore/plugin.h>

struct MHD_Daemon;
struct MHD_Response;

/* The plugin's config struct, filled by the core from http_config_items. */
struct http_config {
    uint64_t port;
    char *address;
    uint64_t port_fallback;
    uint64_t max_connections;
    uint64_t threads;
    uint64_t timeout;
    char *base_url;
    uint32_t access_log;
    uint64_t max_connections_per_ip;
    char *access_log_format;
};

struct http_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    const struct http_config *cfg;

    int listen_fd;     /* from bind until MHD owns it */
    unsigned port;     /* the port actually bound */
    unsigned nthreads; /* MHD worker threads */
    uint32_t log_form; /* HTTP_LOG_*, from access_log_format */
    struct MHD_Daemon *mhd;
    struct MHD_Response *err[6]; /* shared bodies for 400 403 404 405 500 503 */
    struct pxe_source *metrics_timer;

    atomic_uint enabled;

    /* Counters the workers bump; the loop flushes them to the core each second. */
    atomic_uint_least64_t requests, bytes, errors, aborted, refused_conns;
    atomic_int_least64_t connections, rootfs_sessions;
    uint64_t flushed_requests, flushed_bytes, flushed_errors, flushed_aborted, flushed_refused;
};

/* http_serve.c: starts/stops the MHD daemon on s->listen_fd. 0 or -errno. */
int http_serve_start(struct http_state *s);
void http_serve_stop(struct http_state *s);

#endif
