/* SPDX-License-Identifier: MIT */
/*
 * NBD server and the NBD rootfs boot method (its transport: an image's ISO as an export).
 *
 * Exports every ISO image (the whole file, read-only, under the image name)
 * plus the files of the "exports" config key.  The listening socket is
 * accepted on the core loop; each connection gets a thread (nbd_worker.c),
 * at most max_connections at once.  The export table is built before start
 * (nbd_exports.c) and never changes until stop, so workers read it without
 * locks.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "nbd_int.h"
#include "nbd_proto.h"

#define NBD_STOP_WAIT_USEC   (5 * 1000000ull) /* longest stop() waits for workers */
#define NBD_ACCEPT_BATCH     64
#define NBD_WORKER_STACK     (512 * 1024)      /* workers keep their buffers on the heap */
#define NBD_REFUSED_LOG_USEC (10 * 1000000ull) /* one "cap reached" line per 10 s at most */

static const struct pxe_config_item nbd_config_items[] = {
    {"address", PXE_CFG_ADDR, 0, "0.0.0.0", offsetof(struct nbd_config, address),
     "address the NBD server listens on", NULL, 0, 0},
    {"port", PXE_CFG_UINT, 0, "10809", offsetof(struct nbd_config, port),
     "TCP port of the NBD server (0: any free port)", "nbd-port", 0, 65535},
    {"max_connections", PXE_CFG_UINT, 0, "64", offsetof(struct nbd_config, max_connections),
     "connections served at once; more are closed at accept", NULL, 1, 4096},
    {"handshake_timeout", PXE_CFG_DURATION, 0, "10s",
     offsetof(struct nbd_config, handshake_timeout),
     "time a client has to finish option negotiation", NULL, 100000, 3600000000},
    {"tls", PXE_CFG_STR, 0, "off", offsetof(struct nbd_config, tls),
     "STARTTLS: off, on (offered) or require", "nbd-tls", 0, 0},
    {"tls_certificate", PXE_CFG_PATH, 0, NULL, offsetof(struct nbd_config, tls_certificate),
     "server certificate (PEM) for TLS", NULL, 0, 0},
    {"tls_key", PXE_CFG_PATH, PXE_CFG_SECRET, NULL, offsetof(struct nbd_config, tls_key),
     "private key (PEM) of tls_certificate", NULL, 0, 0},
    {"exports", PXE_CFG_JSON, 0, NULL, offsetof(struct nbd_config, exports),
     "extra read-only exports: object of export name -> file path", NULL, 0, 0},
    {"send_timeout", PXE_CFG_DURATION, 0, "60s", offsetof(struct nbd_config, send_timeout),
     "a client that reads nothing of a reply for this long is disconnected", NULL, 100000,
     3600000000},
    {0},
};

static int nbd_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct nbd_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    s->listen_fd = -1;
    s->default_export = -1;
    atomic_init(&s->enabled, 1);
    pthread_mutex_init(&s->lock, NULL);
    *ret_state = s;
    return 0;
}

static int nbd_config_complete(void *state, void *cfg)
{
    struct nbd_state *s = state;
    struct nbd_config *c = cfg;
    const char *name;
    json_t *v;

    s->cfg = c;
    if (!c->tls || strcmp(c->tls, "off") == 0) {
        s->tls_mode = NBD_TLS_OFF;
    } else if (strcmp(c->tls, "on") == 0 || strcmp(c->tls, "require") == 0) {
        s->tls_mode = c->tls[0] == 'o' ? NBD_TLS_ON : NBD_TLS_REQUIRE;
        if (!c->tls_certificate || !c->tls_key) {
            s->core->log(s->self, PXE_LOG_ERR, "tls: needs tls_certificate and tls_key");
            return -EINVAL;
        }
    } else {
        s->core->log(s->self, PXE_LOG_ERR, "tls: must be \"off\", \"on\" or \"require\"");
        return -EINVAL;
    }
    if (!c->exports)
        return 0;
    if (!json_is_object(c->exports)) {
        s->core->log(s->self, PXE_LOG_ERR, "exports: must be an object of name -> file path");
        return -EINVAL;
    }
    json_object_foreach(c->exports, name, v)
    {
        if (!nbd_name_valid(name)) {
            char safe[128];

            s->core->sanitize(name, strlen(name), safe, sizeof(safe));
            s->core->log(s->self, PXE_LOG_ERR,
                         "exports: invalid export name '%s' (1-255 of A-Z a-z 0-9 . _ + -)", safe);
            return -EINVAL;
        }
        if (!json_is_string(v) || json_string_length(v) == 0) {
            s->core->log(s->self, PXE_LOG_ERR, "exports.%s: must be a file path", name);
            return -EINVAL;
        }
    }
    return 0;
}

static int nbd_listen(struct nbd_state *s)
{
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    const char *addr = s->cfg && s->cfg->address ? s->cfg->address : "0.0.0.0";
    uint16_t port = (uint16_t)(s->cfg ? s->cfg->port : 10809);
    socklen_t len;
    int fd, r, one = 1, zero = 0;

    if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        len = sizeof(*sin);
    } else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        len = sizeof(*sin6);
    } else {
        s->core->log(s->self, PXE_LOG_ERR, "address: '%s' is not an IP literal", addr);
        return -EINVAL;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss.ss_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
        r = -errno;
        s->core->log(s->self, PXE_LOG_ERR, "cannot listen on %s port %u: %s", addr, port,
                     strerror(-r));
        close(fd);
        return r;
    }
    len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
        port = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
    s->listen_fd = fd;
    s->port = port;
    return 0;
}

static int nbd_bind(void *state)
{
    struct nbd_state *s = state;
    int r;

    if (s->listen_fd >= 0)
        return 0;
    if (s->tls_mode != NBD_TLS_OFF && !s->tls_ctx) {
        char err[256];

        r = nbd_tls_ctx_new(s->cfg->tls_certificate, s->cfg->tls_key, &s->tls_ctx, err,
                            sizeof(err));
        if (r < 0) {
            s->core->log(s->self, PXE_LOG_ERR, "tls: %s: %s", s->cfg->tls_certificate, err);
            return r;
        }
    }
    r = nbd_exports_build(s);
    if (r == 0)
        r = nbd_listen(s);
    if (r < 0)
        nbd_exports_free(s);
    return r;
}

/* Joins every finished worker and frees its connection. Loop thread. */
static void nbd_reap(struct nbd_state *s)
{
    struct nbd_conn **pp, *c;

    pthread_mutex_lock(&s->lock);
    for (pp = &s->conns; (c = *pp);) {
        if (!atomic_load(&c->done)) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        pthread_join(c->thread, NULL);
        close(c->fd);
        free(c);
    }
    pthread_mutex_unlock(&s->lock);
}

static void nbd_peer_string(const struct sockaddr_storage *ss, char *out, size_t n)
{
    const void *a = ss->ss_family == AF_INET6
                        ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
                        : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

    if (!inet_ntop(ss->ss_family, a, out, (socklen_t)n))
        snprintf(out, n, "?");
    /* Report IPv4-mapped peers as dotted quads. */
    if (strncmp(out, "::ffff:", 7) == 0 && strchr(out + 7, '.'))
        memmove(out, out + 7, strlen(out + 7) + 1);
}

static void nbd_accept_one(struct nbd_state *s, int fd, const struct sockaddr_storage *ss)
{
    struct nbd_conn *c;
    pthread_attr_t attr;
    int one = 1, r;

    if (atomic_load(&s->live) >= s->cfg->max_connections) {
        uint64_t now = s->core->now_usec();

        s->core->metric_add(s->self, "refused",
                            "NBD connections refused: at the cap, or while the method is disabled",
                            1);
        if (now - s->refused_logged > NBD_REFUSED_LOG_USEC || !s->refused_logged) {
            s->refused_logged = now;
            s->core->log(s->self, PXE_LOG_WARNING,
                         "max_connections (%llu) reached, closing new connections",
                         (unsigned long long)s->cfg->max_connections);
        }
        close(fd);
        return;
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    /* A client that vanished (powered off with its root on us) frees its slot in ~2 min. */
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &(int){60}, sizeof(int));
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &(int){10}, sizeof(int));
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &(int){6}, sizeof(int));
    c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        return;
    }
    c->s = s;
    c->fd = fd;
    atomic_init(&c->done, 0);
    atomic_init(&c->export_id, -1);
    atomic_init(&c->bytes, 0);
    nbd_peer_string(ss, c->peer, sizeof(c->peer));
    atomic_fetch_add(&s->live, 1);
    r = pthread_attr_init(&attr);
    if (r == 0) {
        (void)pthread_attr_setstacksize(&attr, NBD_WORKER_STACK);
        r = pthread_create(&c->thread, &attr, nbd_worker, c);
        pthread_attr_destroy(&attr);
    }
    if (r != 0) {
        atomic_fetch_sub(&s->live, 1);
        s->core->log(s->self, PXE_LOG_WARNING, "cannot start a connection thread: %s", strerror(r));
        close(fd);
        free(c);
        return;
    }
    pthread_mutex_lock(&s->lock);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->lock);
}

static void nbd_on_accept(void *ud, int lfd, uint32_t events)
{
    struct nbd_state *s = ud;
    int i;

    nbd_reap(s);
    for (i = 0; i < NBD_ACCEPT_BATCH; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                s->core->log(s->self, PXE_LOG_WARNING, "accept: %s", strerror(errno));
            return;
        }
        nbd_accept_one(s, fd, &ss);
    }
}

static int nbd_start(void *state)
{
    struct nbd_state *s = state;
    int r = nbd_bind(s);

    if (r < 0)
        return r;
    if (s->core->method_enabled)
        atomic_store(&s->enabled, s->core->method_enabled(s->self) ? 1u : 0u);
    r = s->core->io_add(s->self, s->listen_fd, PXE_IO_IN, nbd_on_accept, s, &s->listen_src);
    if (r < 0)
        return r;
    (void)s->core->service_register(s->self, "nbd", s->port);
    if (s->port != 10809 && s->n_exports > 0)
        s->core->log(s->self, PXE_LOG_NOTICE,
                     "archiso's nbd-client only connects to port 10809; port %u serves other "
                     "clients only",
                     s->port);
    s->core->metric_set(s->self, "active", "NBD connections in transmission", 0);
    s->core->log(s->self, PXE_LOG_INFO, "listening on %s port %u, %u export%s, TLS %s",
                 s->cfg && s->cfg->address ? s->cfg->address : "0.0.0.0", s->port, s->n_exports,
                 s->n_exports == 1 ? "" : "s",
                 s->tls_mode == NBD_TLS_OFF  ? "off"
                 : s->tls_mode == NBD_TLS_ON ? "offered"
                                             : "required");
    return 0;
}

/* Unblocks every worker, then joins them within NBD_STOP_WAIT_USEC in total. */
static void nbd_stop(void *state)
{
    struct nbd_state *s = state;
    struct nbd_conn *c, *next;
    unsigned leaked = 0;
    uint64_t deadline;

    s->core->source_free(s->listen_src);
    s->listen_src = NULL;
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    s->listen_fd = -1;

    pthread_mutex_lock(&s->lock);
    for (c = s->conns; c; c = c->next)
        (void)shutdown(c->fd, SHUT_RDWR);
    c = s->conns;
    s->conns = NULL;
    pthread_mutex_unlock(&s->lock);

    /* Wait for the done flag (a worker's last store) with a bound, then join at once. */
    deadline = s->core->now_usec() + NBD_STOP_WAIT_USEC;
    for (; c; c = next) {
        next = c->next;
        while (!atomic_load(&c->done) && s->core->now_usec() < deadline)
            usleep(1000);
        if (!atomic_load(&c->done)) {
            s->core->log(s->self, PXE_LOG_ERR, "%s: connection thread did not stop, leaking it",
                         c->peer);
            leaked++;
            continue;
        }
        pthread_join(c->thread, NULL);
        close(c->fd);
        free(c);
    }
    /* A thread still running reads the state and export table: leave them alone. */
    s->leaked = leaked;
    if (!leaked) {
        nbd_exports_free(s);
        nbd_tls_ctx_free(s->tls_ctx);
        s->tls_ctx = NULL;
    }
}

static void nbd_unload(void *state)
{
    struct nbd_state *s = state;

    if (!s || s->leaked)
        return;
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    nbd_exports_free(s);
    nbd_tls_ctx_free(s->tls_ctx);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/*
 * Preflight of the NBD method for image: the export exists, its fd (opened in
 * bind, maybe before the privilege drop) still has the size it was exported
 * with, and the path still names that file (not replaced since).
 */
static int nbd_rootfs_prepare(void *state, const struct pxe_image *image, struct pxe_request *req)
{
    struct nbd_state *s = state;
    int id = nbd_find_image_export(s, image);
    struct stat st, pst;

    if (id < 0)
        return image && image->is_iso ? -ENOENT : -EOPNOTSUPP;
    if (fstat(s->exports[id].fd, &st) < 0)
        return -errno;
    if (stat(s->exports[id].path, &pst) < 0)
        return -errno;
    if (st.st_dev != pst.st_dev || st.st_ino != pst.st_ino ||
        (S_ISREG(st.st_mode) && (uint64_t)st.st_size != s->exports[id].size))
        return -ESTALE;
    return 0;
}

static void nbd_rootfs_release(void *state, const struct pxe_image *image)
{
}

/* The NBD transport: the image's ISO file as one read-only block device, export = its name. */
static int nbd_transport(void *state, const struct pxe_boot_ctx *ctx, struct pxe_transport *tr,
                         struct pxe_buf *why)
{
    struct nbd_state *s = state;
    const struct pxe_image *im = ctx->image;
    const char *server = ctx->server_ip ? ctx->server_ip : "${pxeserver}";
    int v6 = strchr(server, ':') != NULL;

    if (nbd_find_image_export(s, im) < 0) {
        s->core->buf_append(why, "image %s is not an ISO file: NBD exports ISO files only",
                            im ? im->name : "?");
        return -ENOENT;
    }
    tr->whole_image = 1;
    tr->port = s->port;
    snprintf(tr->scheme, sizeof(tr->scheme), "nbd");
    snprintf(tr->label, sizeof(tr->label), "NBD");
    snprintf(tr->server, sizeof(tr->server), "%s", server);
    snprintf(tr->export_name, sizeof(tr->export_name), "%s", im->name);
    snprintf(tr->url, sizeof(tr->url), "nbd://%s%s%s:%u/%s", v6 ? "[" : "", server,
             v6 ? "]" : "", s->port, im->name);
    return 0;
}

static int nbd_method_set(void *state, uint32_t enabled)
{
    struct nbd_state *s = state;

    atomic_store(&s->enabled, enabled ? 1u : 0u);
    s->core->log(s->self, PXE_LOG_INFO, "%s; %llu live connection%s kept",
                 enabled ? "enabled" : "disabled, refusing new connections",
                 (unsigned long long)atomic_load(&s->sessions),
                 atomic_load(&s->sessions) == 1 ? "" : "s");
    return 0;
}

static uint64_t nbd_active_sessions(void *state)
{
    struct nbd_state *s = state;

    return atomic_load(&s->sessions);
}

static int nbd_status(void *state, struct json_t **ret_json)
{
    struct nbd_state *s = state;
    json_t *o = json_object(), *ex = json_array(), *conns = json_array();
    struct nbd_conn *c;
    uint32_t i;

    if (!o || !ex || !conns)
        goto fail;
    for (i = 0; i < s->n_exports; i++)
        json_array_append_new(ex,
                              json_pack("{s:s, s:s, s:I, s:b}", "name", s->exports[i].name, "path",
                                        s->exports[i].path, "size", (json_int_t)s->exports[i].size,
                                        "image", (int)s->exports[i].from_image));
    pthread_mutex_lock(&s->lock);
    for (c = s->conns; c; c = c->next) {
        int id = atomic_load(&c->export_id);

        if (atomic_load(&c->done))
            continue;
        json_array_append_new(conns, json_pack("{s:s, s:s?, s:I}", "peer", c->peer, "export",
                                               id >= 0 ? s->exports[id].name : NULL, "bytes_read",
                                               (json_int_t)atomic_load(&c->bytes)));
    }
    pthread_mutex_unlock(&s->lock);
    json_object_set_new(o, "port", json_integer(s->port));
    json_object_set_new(o, "enabled", json_boolean(atomic_load(&s->enabled)));
    json_object_set_new(o, "tls", json_string(s->cfg && s->cfg->tls ? s->cfg->tls : "off"));
    json_object_set_new(o, "active_sessions", json_integer((json_int_t)atomic_load(&s->sessions)));
    json_object_set_new(o, "exports", ex);
    json_object_set_new(o, "connections", conns);
    *ret_json = o;
    return 0;
fail:
    json_decref(o);
    json_decref(ex);
    json_decref(conns);
    return -ENOMEM;
}

static struct pxe_plugin nbd_plugin = {
    .thread_model = PXE_THREAD_OWN,
    .caps = PXE_CAP_SERVICE | PXE_CAP_ROOTFS | PXE_CAP_TRANSPORT,
    .name = "nbd",
    .version = "0.1.0",
    .description = "NBD server (read-only ISO exports) and the NBD rootfs boot method",
    .config_items = nbd_config_items,
    .config_size = sizeof(struct nbd_config),
    .load = nbd_load,
    .config_complete = nbd_config_complete,
    .bind = nbd_bind,
    .start = nbd_start,
    .stop = nbd_stop,
    .unload = nbd_unload,
    .rootfs_prepare = nbd_rootfs_prepare,
    .rootfs_release = nbd_rootfs_release,
    .method_set = nbd_method_set,
    .active_sessions = nbd_active_sessions,
    .status = nbd_status,
    .transport = nbd_transport,
};

PXE_PLUGIN_REGISTER(nbd_plugin)
