/* SPDX-License-Identifier: MIT */
/*
 * The struct pxe_core_api table handed to plugins: each entry adapts a
 * plugin's call to the loop, files, menus, model (model.c), events and
 * metrics; plus the rootfs requests a plugin may finish later.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "buf.h"
#include "core.h"
#include "events.h"
#include "files.h"
#include "kinds.h"
#include "log.h"
#include "loop.h"
#include "menu.h"
#include "metrics.h"
#include "child.h"
#include "state.h"

/* ---- the table ---- */

static void api_vlog(struct pxe_core *self, int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void api_vlog(struct pxe_core *self, int level, const char *fmt, va_list ap)
{
    if (level >= 7 && !self->debug && log_max_level() < 7)
        return;
    if (level >= 7 && self->debug) {
        log_vmsg(self->desc.name, 6, fmt, ap);
        return;
    }
    log_vmsg(self->desc.name, level, fmt, ap);
}

static void api_log(struct pxe_core *self, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void api_log(struct pxe_core *self, int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    api_vlog(self, level, fmt, ap);
    va_end(ap);
}

static int api_io_add(struct pxe_core *self, int fd, uint32_t events, pxe_io_cb cb, void *ud,
                      struct pxe_source **ret_src)
{
    return loop_io_add(self->ctx->loop, self, fd, events, cb, ud, ret_src);
}

static int api_timer_add(struct pxe_core *self, uint64_t usec, pxe_timer_cb cb, void *ud,
                         struct pxe_source **ret_src)
{
    return loop_timer_add(self->ctx->loop, self, usec, cb, ud, ret_src);
}

static int api_post(struct pxe_core *self, pxe_post_cb cb, void *ud)
{
    return loop_post(self->ctx->loop, cb, ud);
}

static int api_spawn(struct pxe_core *self, const char *const *argv, pxe_exit_cb on_exit,
                     void *ud)
{
    return spawn_child(self->ctx->loop, self, argv, on_exit, ud);
}

static int api_file_open(struct pxe_core *self, const char *path, const struct pxe_client *client,
                         struct pxe_file **ret)
{
    return files_open(self->ctx, path, client, ret);
}

static uint32_t api_image_count(struct pxe_core *self)
{
    return self->ctx->n_images;
}

static const struct pxe_image *api_image_get(struct pxe_core *self, uint32_t i)
{
    return i < self->ctx->n_images ? &self->ctx->images[i]->pub : NULL;
}

static const struct pxe_image *api_image_find(struct pxe_core *self, const char *name)
{
    for (uint32_t i = 0; name && i < self->ctx->n_images; i++)
        if (strcmp(self->ctx->images[i]->pub.name, name) == 0)
            return &self->ctx->images[i]->pub;
    return NULL;
}

static int api_image_list(struct pxe_core *self, const struct pxe_image *image, const char *rel,
                          int (*cb)(void *ud, const char *name, uint32_t type), void *ud)
{
    for (uint32_t i = 0; image && cb && rel && i < self->ctx->n_images; i++)
        if (&self->ctx->images[i]->pub == image)
            return image_list(self->ctx->images[i], rel, cb, ud);
    return -EINVAL;
}

static int api_image_fact_set(struct pxe_core *self, const struct pxe_image *image,
                              const char *key, const char *value)
{
    return kinds_fact_set(self->ctx, image, key, value);
}

static const struct pxe_host *api_host_lookup(struct pxe_core *self, const char *mac)
{
    return core_host_lookup(self->ctx, mac);
}

static int api_buf_append(struct pxe_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int api_buf_append(struct pxe_buf *b, const char *fmt, ...)
{
    va_list ap;
    int r;

    if (!b)
        return -EINVAL;
    va_start(ap, fmt);
    r = buf_vappend(b, fmt, ap);
    va_end(ap);
    return r;
}

/* ---- rootfs requests ---- */

struct pxe_request {
    struct core *core;
    struct pxe_core *plugin;
    const struct pxe_image *image;
    struct pxe_request *next;
};

static void request_finish(struct pxe_request *req, int result)
{
    struct core *c = req->core;

    if (result == -EOPNOTSUPP)
        log_msg(req->plugin->desc.name, 6,
                "image '%s' is not a kind this method can serve: no entry for it",
                req->image->name);
    else if (result < 0)
        log_msg(req->plugin->desc.name, 4, "root filesystem for image '%s' unavailable: %s",
                req->image->name, strerror(-result));
    else
        log_msg(req->plugin->desc.name, 6, "root filesystem for image '%s' ready",
                req->image->name);
    events_addf(req->plugin->desc.name, result < 0 ? "rootfs.failed" : "rootfs.ready", NULL,
                NULL, PXE_PHASE_NONE, "image %s", req->image->name);
    for (struct pxe_request **pp = &c->requests; *pp; pp = &(*pp)->next)
        if (*pp == req) {
            *pp = req->next;
            break;
        }
    free(req);
}

static void api_request_done(struct pxe_request *req, int result)
{
    if (req)
        request_finish(req, result);
}

int core_rootfs_prepare(struct core *c, struct pxe_core *p)
{
    int failed = 0;

    if (!p->desc.rootfs_prepare)
        return 0;
    for (uint32_t i = 0; i < c->n_images; i++) {
        struct pxe_request *req = calloc(1, sizeof(*req));
        int r;

        if (!req)
            return -ENOMEM;
        req->core = c;
        req->plugin = p;
        req->image = &c->images[i]->pub;
        req->next = c->requests;
        c->requests = req;
        r = p->desc.rootfs_prepare(p->state, req->image, req);
        if (r != PXE_PENDING)
            request_finish(req, r > 0 ? 0 : r);
        if (r < 0 && r != -EOPNOTSUPP)
            failed++;
    }
    return failed ? -EIO : 0;
}

void core_rootfs_release(struct core *c, struct pxe_core *p)
{
    for (struct pxe_request **pp = &c->requests; *pp;) {
        struct pxe_request *req = *pp;

        if (req->plugin == p) {
            *pp = req->next;
            free(req);
        } else {
            pp = &req->next;
        }
    }
    if (!p->desc.rootfs_release)
        return;
    for (uint32_t i = 0; i < c->n_images; i++)
        p->desc.rootfs_release(p->state, &c->images[i]->pub);
}

static int api_service_register(struct pxe_core *self, const char *service, uint32_t port)
{
    struct core *c = self->ctx;
    int r = -E2BIG;

    if (!service || !*service || strlen(service) >= sizeof(c->services[0].name) || port > 65535)
        return -EINVAL;
    pthread_rwlock_wrlock(&c->model_lock);
    for (int i = 0; i < CORE_MAX_SERVICES; i++) {
        if (!c->services[i].name[0] || strcmp(c->services[i].name, service) == 0) {
            snprintf(c->services[i].name, sizeof(c->services[i].name), "%s", service);
            c->services[i].port = port;
            r = 0;
            break;
        }
    }
    pthread_rwlock_unlock(&c->model_lock);
    return r;
}

static uint32_t api_service_port(struct pxe_core *self, const char *service)
{
    return core_service_port(self->ctx, service);
}

static uint32_t api_method_enabled(struct pxe_core *self)
{
    return (uint32_t)self->method_enabled;
}

static void api_event(struct pxe_core *self, const char *kind, const char *mac, const char *ip,
                      uint32_t phase, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void api_event(struct pxe_core *self, const char *kind, const char *mac, const char *ip,
                      uint32_t phase, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    events_add(self->desc.name, kind, mac, ip, phase, fmt, ap);
    va_end(ap);
}

static void api_metric_add(struct pxe_core *self, const char *name, const char *help,
                           uint64_t delta)
{
    metrics_add(self->desc.name, name, help, delta);
}

static void api_metric_set(struct pxe_core *self, const char *name, const char *help,
                           int64_t value)
{
    metrics_set(self->desc.name, name, help, value);
}

static int api_write_atomic(struct pxe_core *self, const char *path, const void *data, size_t len,
                            uint32_t mode)
{
    (void)self;
    return atomic_write_file(path, data, len, mode);
}

static int api_secure_boot_file(struct pxe_core *self, const char *mac, uint32_t arch, char *out,
                                size_t out_size)
{
    return sboot_boot_file(self->ctx, mac, arch, out, out_size);
}

static int api_state_backend_register(struct pxe_core *self, const struct pxe_state_backend *be,
                                      void *ud)
{
    int r = state_backend_set(be, ud);

    if (r == 0)
        log_msg(self->desc.name, PXE_LOG_NOTICE, "state backend '%s' registered", be->name);
    return r;
}

static int api_state_replace(struct pxe_core *self, struct json_t *doc)
{
    return state_replace(self->ctx, doc);
}

static int api_state_apply(struct pxe_core *self, uint32_t kind, const char *key,
                           struct json_t *value)
{
    return state_apply(self->ctx, kind, key, value);
}

static void api_state_available(struct pxe_core *self, uint32_t yes, const char *reason)
{
    state_set_available(self->ctx, (int)yes, reason);
}

const struct pxe_core_api core_api = {
    ._abi_version = PXE_PLUGIN_ABI_VERSION,
    ._struct_size = sizeof(struct pxe_core_api),
    .log = api_log,
    .vlog = api_vlog,
    .io_add = api_io_add,
    .io_set_events = loop_io_set_events,
    .timer_add = api_timer_add,
    .timer_set = loop_timer_set,
    .source_free = loop_source_free,
    .post = api_post,
    .now_usec = loop_now_usec,
    .spawn = api_spawn,
    .file_open = api_file_open,
    .file_close = files_close,
    .image_count = api_image_count,
    .image_get = api_image_get,
    .image_find = api_image_find,
    .host_lookup = api_host_lookup,
    .menu_add = menu_add,
    .buf_append = api_buf_append,
    .request_done = api_request_done,
    .service_register = api_service_register,
    .service_port = api_service_port,
    .method_enabled = api_method_enabled,
    .event = api_event,
    .metric_add = api_metric_add,
    .metric_set = api_metric_set,
    .sanitize = log_sanitize,
    .write_atomic = api_write_atomic,
    .secure_boot_file = api_secure_boot_file,
    .image_list = api_image_list,
    .image_fact_set = api_image_fact_set,
    .state_backend_register = api_state_backend_register,
    .state_replace = api_state_replace,
    .state_apply = api_state_apply,
    .state_available = api_state_available,
};
