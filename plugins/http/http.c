/* SPDX-License-Identifier: MIT */
/*
 * pxecore-http: serves the core's file namespace (boot loaders, kernels,
 * initramfs, generated menus and iPXE scripts, the root filesystem) over HTTP,
 * as darkhttpd does on the Arch wiki PXE page, and is the "http" boot method:
 * its transport is the URL of an image's tree, which the image's kind turns
 * into its own parameter (archiso: archiso_http_srv=).  This file holds the
 * descriptor, config table, lifecycle and transport; http_serve.c the server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "http.h"
#include "http_proto.h"

#define HTTP_MAX_THREADS 64

static const struct pxe_config_item http_config_items[] = {
    {"port", PXE_CFG_UINT, 0, "80", offsetof(struct http_config, port),
     "TCP port to serve on (archiso's ISO menu and most setups assume 80)", "http-port", 0, 65535},
    {"address", PXE_CFG_ADDR, 0, "0.0.0.0", offsetof(struct http_config, address),
     "address to listen on (IPv4 or IPv6 literal; \"::\" serves both)", "http-address", 0, 0},
    {"port_fallback", PXE_CFG_UINT, 0, "0", offsetof(struct http_config, port_fallback),
     "port to use when port cannot be bound (0: none, fail instead)", NULL, 0, 65535},
    {"max_connections", PXE_CFG_UINT, 0, "1024", offsetof(struct http_config, max_connections),
     "cap on simultaneous connections; further ones are closed at once", NULL, 1, 65536},
    {"threads", PXE_CFG_UINT, 0, "0", offsetof(struct http_config, threads),
     "worker threads (0: one per online CPU)", NULL, 0, HTTP_MAX_THREADS},
    {"timeout", PXE_CFG_DURATION, 0, "60s", offsetof(struct http_config, timeout),
     "idle connection timeout", NULL, 1000000, 3600000000LL},
    {"base_url", PXE_CFG_STR, 0, NULL, offsetof(struct http_config, base_url),
     "external base URL of the images' trees (mirror or cache) for the HTTP boot method", NULL, 0, 0},
    {"access_log", PXE_CFG_BOOL, 0, "true", offsetof(struct http_config, access_log),
     "log each request at info level in darkhttpd's access log form", NULL, 0, 0},
    {"max_connections_per_ip", PXE_CFG_UINT, 0, "0",
     offsetof(struct http_config, max_connections_per_ip),
     "cap on simultaneous connections from one address (0: none)", NULL, 0, 65536},
    {"access_log_format", PXE_CFG_STR, 0, "darkhttpd",
     offsetof(struct http_config, access_log_format),
     "access log line: darkhttpd (epoch seconds, darkhttpd 1.13's form) or combined (NCSA "
     "Combined Log Format, date as [04/Dec/2026:13:05:36 +0000], for log tools)",
     "http-access-log-format", 0, 0},
    {0},
};

static int http_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct http_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    s->listen_fd = -1;
    atomic_init(&s->enabled, 1);
    *ret_state = s;
    return 0;
}

static int http_config_complete(void *state, void *cfg)
{
    struct http_state *s = state;
    const struct http_config *c = cfg;

    s->cfg = c;
    if (!c->address || !*c->address) {
        s->core->log(s->self, PXE_LOG_ERR, "address must be an IPv4 or IPv6 literal");
        return -EINVAL;
    }
    if (c->base_url && strncmp(c->base_url, "http://", 7) != 0 &&
        strncmp(c->base_url, "https://", 8) != 0) {
        s->core->log(s->self, PXE_LOG_ERR, "base_url '%s' must start with http:// or https://",
                     c->base_url);
        return -EINVAL;
    }
    if (!strcmp(c->access_log_format, "darkhttpd"))
        s->log_form = HTTP_LOG_DARKHTTPD;
    else if (!strcmp(c->access_log_format, "combined"))
        s->log_form = HTTP_LOG_COMBINED;
    else {
        s->core->log(s->self, PXE_LOG_ERR,
                     "access_log_format: \"darkhttpd\" or \"combined\", not \"%s\"",
                     c->access_log_format);
        return -EINVAL;
    }
    if (c->port_fallback && c->port_fallback == c->port) {
        s->core->log(s->self, PXE_LOG_ERR, "port_fallback must differ from port (%" PRIu64 ")",
                     c->port);
        return -EINVAL;
    }
    s->nthreads = (unsigned)c->threads;
    if (s->nthreads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        s->nthreads = n < 1 ? 1 : n > HTTP_MAX_THREADS ? HTTP_MAX_THREADS : (unsigned)n;
    }
    if (s->nthreads > c->max_connections) /* MHD splits the cap among its threads */
        s->nthreads = (unsigned)c->max_connections;
    return 0;
}

/* Opens a non-blocking listening socket on address:port; the fd or -errno. */
static int listen_on(const char *address, unsigned port, unsigned *ret_port)
{
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    socklen_t sl;
    int fd, one = 1, r;

    if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        sl = sizeof(*sin);
    } else if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        sl = sizeof(*sin6);
    } else {
        return -EINVAL;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss.ss_family == AF_INET6) { /* "::" serves IPv4 too, whatever net.ipv6.bindv6only says */
        int zero = 0;

        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 1024) < 0) {
        r = -errno;
        close(fd);
        return r;
    }
    sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        port = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
    *ret_port = port;
    return fd;
}

static int http_bind(void *state)
{
    struct http_state *s = state;
    const struct http_config *c = s->cfg;
    unsigned port = (unsigned)c->port;
    int fd;

    fd = listen_on(c->address, port, &s->port);
    if (fd < 0 && c->port_fallback) {
        s->core->log(
            s->self, PXE_LOG_WARNING,
            "cannot bind %s:%u (%s); falling back to port %" PRIu64
            ": clients that assume port %u (the archiso ISO's HTTP menu) will not reach it",
            c->address, port, strerror(-fd), c->port_fallback, port);
        port = (unsigned)c->port_fallback;
        fd = listen_on(c->address, port, &s->port);
    }
    if (fd < 0) {
        s->core->log(s->self, PXE_LOG_ERR, "cannot bind %s:%u: %s%s", c->address, port,
                     strerror(-fd),
                     fd == -EACCES && port < 1024
                         ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE; or set "
                           "plugins.http.port / --http-port)"
                         : "");
        return fd;
    }
    s->listen_fd = fd;
    s->core->log(s->self, PXE_LOG_INFO, "listening on %s:%u", c->address, s->port);
    return s->core->service_register(s->self, "http", s->port);
}

/* Loop timer: hands the workers' counters to the core's metrics, once a second. */
static void metrics_flush(void *ud)
{
    struct http_state *s = ud;
    struct {
        atomic_uint_least64_t *now;
        uint64_t *flushed;
        const char *name, *help;
    } counters[] = {
        {&s->requests, &s->flushed_requests, "requests_total", "HTTP requests answered"},
        {&s->bytes, &s->flushed_bytes, "sent_bytes_total", "HTTP body bytes sent"},
        {&s->errors, &s->flushed_errors, "errors_total", "HTTP requests answered 4xx/5xx"},
        {&s->aborted, &s->flushed_aborted, "aborted_total", "HTTP transfers cut short"},
        {&s->refused_conns, &s->flushed_refused, "refused_connections_total",
         "connections closed at the connection cap"},
    };

    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
        uint64_t v = atomic_load(counters[i].now);

        if (v != *counters[i].flushed || v == 0) /* adding 0 makes the series exist */
            s->core->metric_add(s->self, counters[i].name, counters[i].help,
                                v - *counters[i].flushed);
        *counters[i].flushed = v;
    }
    s->core->metric_set(s->self, "connections", "open HTTP connections",
                        atomic_load(&s->connections));
    s->core->metric_set(s->self, "rootfs_sessions", "root filesystem transfers in progress",
                        atomic_load(&s->rootfs_sessions));
    if (s->metrics_timer)
        s->core->timer_set(s->metrics_timer, 1000000);
}

static int http_start(void *state)
{
    struct http_state *s = state;
    int r;

    r = s->core->timer_add(s->self, 1000000, metrics_flush, s, &s->metrics_timer);
    if (r < 0)
        return r;
    r = http_serve_start(s);
    if (r < 0) {
        s->core->log(s->self, PXE_LOG_ERR, "cannot start libmicrohttpd on port %u", s->port);
        http_serve_stop(s);
        s->core->source_free(s->metrics_timer);
        s->metrics_timer = NULL;
        return r;
    }
    s->core->log(s->self, PXE_LOG_INFO,
                 "serving HTTP on port %u with %u threads, at most %" PRIu64 " connections",
                 s->port, s->nthreads, s->cfg->max_connections);
    return 0;
}

static void http_stop(void *state)
{
    struct http_state *s = state;

    http_serve_stop(s);
    s->core->source_free(s->metrics_timer);
    s->metrics_timer = NULL;
    metrics_flush(s);
}

static void http_unload(void *state)
{
    struct http_state *s = state;

    if (!s)
        return;
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    free(s);
}

/* Whether the image's file namespace holds path (prefix + file). */
static int image_has(struct http_state *s, const struct pxe_image *img, const char *file,
                     const char *suffix)
{
    struct pxe_client client = {sizeof(client), NULL, NULL, NULL, NULL};
    struct pxe_file *f = NULL;
    char path[HTTP_PATH_MAX];
    int n;

    n = snprintf(path, sizeof(path), "%s%s%s", img->prefix ? img->prefix : "", file, suffix);
    if (n < 0 || (size_t)n >= sizeof(path))
        return 0;
    if (s->core->file_open(s->self, path, &client, &f) < 0)
        return 0;
    s->core->file_close(f);
    return 1;
}

/*
 * 0 when the image's root filesystem is here (or served from base_url);
 * -EOPNOTSUPP for an image no kind recognised or one that needs none.
 */
static int rootfs_check(struct http_state *s, const struct pxe_image *img)
{
    if (!img->kind || (img->flags & PXE_IMAGE_NO_ROOTFS))
        return -EOPNOTSUPP;
    if (s->cfg->base_url)
        return 0;
    if (!img->rootfs)
        return -ENOENT;
    return image_has(s, img, img->rootfs, "") ? 0 : -ENOENT;
}

static int http_rootfs_prepare(void *state, const struct pxe_image *image, struct pxe_request *req)
{
    return rootfs_check(state, image);
}

static void http_rootfs_release(void *state, const struct pxe_image *image)
{
}

/*
 * The HTTP transport: the URL of the image's tree (or http.base_url, a mirror),
 * which an image kind turns into its fetch parameter.
 */
static int http_transport(void *state, const struct pxe_boot_ctx *ctx, struct pxe_transport *tr,
                          struct pxe_buf *why)
{
    struct http_state *s = state;
    const struct pxe_image *img = ctx->image;
    int r;

    if (!img)
        return -EINVAL;
    /* The core's fallback when it does not know our address: no usable URL. */
    if (!s->cfg->base_url && (!ctx->server_ip || strcmp(ctx->server_ip, "0.0.0.0") == 0 ||
                              strcmp(ctx->server_ip, "::") == 0)) {
        s->core->buf_append(why, "no address of ours the client can reach");
        return -EADDRNOTAVAIL;
    }
    r = http_srv_url(tr->url, sizeof(tr->url), s->cfg->base_url, ctx->server_ip, s->port,
                     img->prefix);
    if (r < 0) {
        s->core->buf_append(why, "URL too long");
        return r;
    }
    snprintf(tr->scheme, sizeof(tr->scheme), "http");
    snprintf(tr->label, sizeof(tr->label), "HTTP");
    snprintf(tr->server, sizeof(tr->server), "%s", ctx->server_ip ? ctx->server_ip : "");
    tr->port = s->port;
    tr->external = s->cfg->base_url != NULL;
    return 0;
}

static int http_method_set(void *state, uint32_t enabled)
{
    struct http_state *s = state;

    atomic_store(&s->enabled, enabled ? 1 : 0);
    return 0;
}

static uint64_t http_active_sessions(void *state)
{
    struct http_state *s = state;
    int64_t n = atomic_load(&s->rootfs_sessions);

    return n > 0 ? (uint64_t)n : 0;
}

static int http_status(void *state, json_t **ret_json)
{
    struct http_state *s = state;
    json_t *j;

    j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "address", s->cfg->address,
                  "port", (json_int_t)s->port, "threads", (json_int_t)s->nthreads, "connections",
                  (json_int_t)atomic_load(&s->connections), "rootfs_sessions",
                  (json_int_t)atomic_load(&s->rootfs_sessions), "requests",
                  (json_int_t)atomic_load(&s->requests), "sent_bytes",
                  (json_int_t)atomic_load(&s->bytes), "errors", (json_int_t)atomic_load(&s->errors),
                  "aborted", (json_int_t)atomic_load(&s->aborted), "method_enabled",
                  (int)atomic_load(&s->enabled));
    if (!j)
        return -ENOMEM;
    if (s->cfg->base_url)
        json_object_set_new(j, "base_url", json_string(s->cfg->base_url));
    *ret_json = j;
    return 0;
}

static struct pxe_plugin http_plugin = {
    .thread_model = PXE_THREAD_OWN,
    .caps = PXE_CAP_SERVICE | PXE_CAP_TRANSPORT | PXE_CAP_ROOTFS,
    .name = "http",
    .version = "1.0.0",
    .description = "HTTP server for boot files and the HTTP rootfs boot method",
    .config_items = http_config_items,
    .config_size = sizeof(struct http_config),
    .load = http_load,
    .config_complete = http_config_complete,
    .bind = http_bind,
    .start = http_start,
    .stop = http_stop,
    .unload = http_unload,
    .rootfs_prepare = http_rootfs_prepare,
    .rootfs_release = http_rootfs_release,
    .method_set = http_method_set,
    .active_sessions = http_active_sessions,
    .status = http_status,
    .transport = http_transport,
};

PXE_PLUGIN_REGISTER(http_plugin)
