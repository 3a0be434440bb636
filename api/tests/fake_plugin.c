/* SPDX-License-Identifier: MIT */
/*
 * Test fixture for the REST API tests: a plugin named FAKE_NAME, built three
 * times into build/api-test-plugins/ (http and nbd as boot methods, dhcp
 * answering "leases").  No sockets.  Endpoints (api_call):
 *   GET  sessions            {"active_sessions": n}
 *   PUT  sessions {"count":n} sets what active_sessions() reports
 *   GET  file/<path>         the file namespace through core->file_open
 *   POST event/<mac>/<phase> reports an event (timelines, metrics)
 *   GET  fail                answers 503
 *   GET  teapot              answers 418 with {"error": {"message": ...}}
 *   other methods on sessions -EOPNOTSUPP (405)
 *   GET  leases              (dhcp only) two fixed leases
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <pxecore/plugin.h>

#ifndef FAKE_NAME
#define FAKE_NAME "http"
#endif
#ifndef FAKE_METHOD
#define FAKE_METHOD 1
#endif

struct fake {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    uint64_t sessions;
    unsigned method_set_calls;
};

static int fake_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret)
{
    struct fake *f = calloc(1, sizeof(*f));

    if (!f)
        return -ENOMEM;
    f->core = core;
    f->self = self;
    *ret = f;
    return 0;
}

static int fake_start(void *state)
{
    return 0;
}

static void fake_unload(void *state)
{
    free(state);
}

static int fake_menu_entries(void *state, const struct pxe_boot_ctx *ctx, struct pxe_menu *menu)
{
    struct fake *f = state;
    char id[96], title[128];
    struct pxe_menu_entry e = {._struct_size = sizeof(e), .id = id, .title = title};

    snprintf(id, sizeof(id), "%s-%s", ctx->image->name, FAKE_NAME);
    snprintf(title, sizeof(title), "Arch Linux %s (fake %s)", ctx->image->arch, FAKE_NAME);
    return f->core->menu_add(menu, &e);
}

static int fake_cmdline(void *state, const struct pxe_boot_ctx *ctx, struct pxe_buf *out)
{
    struct fake *f = state;

    return f->core->buf_append(out, "pxe_fake=%s", FAKE_NAME);
}

static int fake_method_set(void *state, uint32_t enabled)
{
    ((struct fake *)state)->method_set_calls++;
    return 0;
}

static uint64_t fake_active_sessions(void *state)
{
    return ((struct fake *)state)->sessions;
}

static int fake_status(void *state, json_t **ret)
{
    struct fake *f = state;

    *ret = json_pack("{s:I, s:i}", "sessions", (json_int_t)f->sessions, "method_set_calls",
                     (int)f->method_set_calls);
    return *ret ? 0 : -ENOMEM;
}

static int get_file(struct fake *f, const char *path, json_t **ret)
{
    struct pxe_client cl = {
        ._struct_size = sizeof(cl), .local_ip = "127.0.0.1", .peer_ip = "127.0.0.1"};
    struct pxe_file *file;
    char *buf;
    int r = f->core->file_open(f->self, path, &cl, &file);

    if (r < 0)
        return r;
    if (file->size > (1u << 20)) {
        f->core->file_close(file);
        return -EFBIG;
    }
    buf = calloc(1, file->size + 1);
    if (!buf) {
        f->core->file_close(file);
        return -ENOMEM;
    }
    if (file->data)
        memcpy(buf, file->data, file->size);
    else if (pread(file->fd, buf, file->size, (off_t)file->offset) != (ssize_t)file->size)
        r = -EIO;
    if (r == 0)
        *ret = json_pack("{s:s, s:I, s:b, s:s}", "path", file->path, "size", (json_int_t)file->size,
                         "generated", (int)file->generated, "content", buf);
    free(buf);
    f->core->file_close(file);
    return r < 0 ? r : 200;
}

static int fake_api_call(void *state, const char *method, const char *sub, json_t *body,
                         json_t **ret)
{
    struct fake *f = state;

    f->core->metric_add(f->self, "api_calls", "calls of the fixture's endpoints", 1);
    if (!strcmp(sub, "sessions") && !strcmp(method, "GET")) {
        *ret = json_pack("{s:I}", "active_sessions", (json_int_t)f->sessions);
        return 200;
    }
    if (!strcmp(sub, "sessions") && !strcmp(method, "PUT")) {
        json_t *n = json_object_get(body, "count");

        if (!json_is_integer(n) || json_integer_value(n) < 0)
            return -EINVAL;
        f->sessions = (uint64_t)json_integer_value(n);
        f->core->metric_set(f->self, "sessions", "fixture sessions", (int64_t)f->sessions);
        *ret = json_pack("{s:I}", "active_sessions", (json_int_t)f->sessions);
        return 200;
    }
    if (!strcmp(sub, "sessions"))
        return -EOPNOTSUPP;
    if (!strncmp(sub, "file/", 5) && !strcmp(method, "GET"))
        return get_file(f, sub + 5, ret);
    if (!strncmp(sub, "event/", 6) && !strcmp(method, "POST")) {
        char mac[32];
        unsigned phase;

        if (sscanf(sub + 6, "%31[^/]/%u", mac, &phase) != 2)
            return -EINVAL;
        f->core->event(f->self, FAKE_NAME ".fake", mac, "192.0.2.10", phase, "fixture event");
        *ret = json_pack("{s:b}", "ok", 1);
        return 201;
    }
    if (!strcmp(sub, "fail")) {
        *ret = json_pack("{s:s}", "message", "failing on purpose");
        return 503;
    }
    if (!strcmp(sub, "teapot")) {
        *ret = json_pack("{s:{s:s}}", "error", "message", "short and stout");
        return 418;
    }
    if (!strcmp(sub, "leases") && !strcmp(FAKE_NAME, "dhcp")) {
        *ret = json_pack("{s:[{s:s, s:s, s:I}, {s:s, s:s, s:I}]}", "leases", "mac",
                         "52:54:00:12:34:56", "ip", "192.0.2.10", "expires", (json_int_t)4000000000,
                         "mac", "52:54:00:12:34:57", "ip", "192.0.2.11", "expires",
                         (json_int_t)4000000001);
        return 200;
    }
    return -ENOENT;
}

static struct pxe_plugin fake_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_SERVICE | (FAKE_METHOD ? PXE_CAP_MENU | PXE_CAP_CMDLINE : 0),
    .name = FAKE_NAME,
    .version = "0.0.1-test",
    .description = "REST API test fixture named " FAKE_NAME,
    .load = fake_load,
    .start = fake_start,
    .unload = fake_unload,
    .menu_entries = FAKE_METHOD ? fake_menu_entries : NULL,
    .cmdline = FAKE_METHOD ? fake_cmdline : NULL,
    .method_set = FAKE_METHOD ? fake_method_set : NULL,
    .active_sessions = FAKE_METHOD ? fake_active_sessions : NULL,
    .status = fake_status,
    .api_call = fake_api_call,
};

PXE_PLUGIN_REGISTER(fake_plugin)
