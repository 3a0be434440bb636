/* SPDX-License-Identifier: MIT */
/*
 * GET /plugins, GET /plugins/{name}, any method on /plugins/{name}/{subpath}
 * (the plugin's api_call), and GET /leases (the dhcp plugin's "leases").
 */
#include <errno.h>
#include <string.h>

#include "api_int.h"

static json_t *caps_json(uint32_t caps)
{
    static const char *const names[] = {"service", "rootfs", "menu", "cmdline"};
    json_t *a = json_array();

    for (unsigned i = 0; a && i < 4; i++)
        if (caps & (1u << i))
            json_array_append_new(a, json_string(names[i]));
    return a;
}

/* The plugin's status() as JSON, or null. */
static json_t *plugin_status(struct pxe_core *p)
{
    json_t *st = NULL;

    if (!p->started || !p->desc.status)
        return json_null();
    if (p->desc.status(p->state, &st) < 0 || !st) {
        json_decref(st);
        return json_null();
    }
    return st;
}

json_t *json_plugin_summary(struct pxe_core *p)
{
    return json_pack("{s:s, s:s, s:s?, s:i, s:s, s:s, s:o, s:b, s:b, s:b, s:b, s:o}", "name",
                     p->desc.name, "version", p->desc.version ? p->desc.version : "", "description",
                     p->desc.description, "abi", (int)p->desc._abi_version, "file", p->file,
                     "thread_model", p->desc.thread_model == PXE_THREAD_OWN ? "own" : "loop",
                     "capabilities", caps_json(p->desc.caps), "enabled", p->enabled, "running",
                     p->started, "method", plugin_is_method(p), "endpoints",
                     p->desc.api_call != NULL, "status", plugin_status(p));
}

int h_plugins(struct api_request *rq, json_t **ret)
{
    json_t *a = json_array();

    for (struct pxe_core *p = rq->core->plugins; a && p; p = p->next)
        json_array_append_new(a, json_plugin_summary(p));
    *ret = json_pack("{s:o}", "plugins", a);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}

int h_plugin(struct api_request *rq, json_t **ret)
{
    struct pxe_core *p = core_plugin_find(rq->core, rq->m->param[0]);

    if (!p)
        return api_fail(rq, 404, "not_found", "no plugin named '%s'", rq->m->param[0]);
    *ret = json_plugin_summary(p);
    if (*ret)
        json_object_set_new(*ret, "config_schema", config_schema(p->desc.config_items));
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}

/* Calls p's api_call and shapes its answer: statuses 200..599, errors in the one shape. */
static int call_plugin(struct api_request *rq, struct pxe_core *p, const char *method,
                       const char *sub, json_t *body, json_t **ret)
{
    json_t *out = NULL;
    int r = p->desc.api_call(p->state, method, sub, body, &out);

    if (r < 0) {
        json_decref(out);
        switch (r) {
        case -ENOENT:
            return api_fail(rq, 404, "not_found", "%s: no such endpoint", p->desc.name);
        case -EINVAL:
            return api_fail(rq, 400, "invalid_request", "%s refused the request", p->desc.name);
        case -EOPNOTSUPP:
            return api_fail(rq, 405, "method_not_allowed", "%s does not allow %s here",
                            p->desc.name, method);
        default:
            return api_fail(rq, 500, "plugin_error", "%s: %s", p->desc.name, strerror(-r));
        }
    }
    if (r < 200 || r > 599) {
        json_decref(out);
        return api_fail(rq, 500, "plugin_error", "%s answered an invalid status %d", p->desc.name,
                        r);
    }
    if (r >= 400) {
        json_t *e = json_object_get(out, "error");
        const char *msg = json_string_value(json_object_get(e, "message"));

        if (!msg)
            msg = json_string_value(json_object_get(out, "message"));
        api_fail(rq, r, r == 404 ? "not_found" : "plugin_error", "%s: %s", p->desc.name,
                 msg ? msg : "request failed");
        json_decref(out);
        return r;
    }
    *ret = out ? out : json_object();
    return r;
}

int h_plugin_call(struct api_request *rq, json_t **ret)
{
    struct pxe_core *p = core_plugin_find(rq->core, rq->m->param[0]);
    const char *method = strcmp(rq->method, "HEAD") ? rq->method : "GET";
    int status;

    if (!p)
        return api_fail(rq, 404, "not_found", "no plugin named '%s'", rq->m->param[0]);
    if (!p->desc.api_call)
        return api_fail(rq, 404, "not_found", "plugin '%s' has no endpoints", p->desc.name);
    if (!p->started)
        return api_fail(rq, 409, "not_running", "plugin '%s' is not running", p->desc.name);
    status = call_plugin(rq, p, method, rq->m->subpath, rq->body, ret);
    if (strcmp(method, "GET") != 0)
        api_changed(rq, "plugin %s %s", p->desc.name, rq->m->subpath);
    return status;
}

int h_leases(struct api_request *rq, json_t **ret)
{
    struct pxe_core *p = core_plugin_find(rq->core, "dhcp");

    if (!p || !p->started || !p->desc.api_call)
        return api_fail(rq, 404, "no_dhcp",
                        "leases come from a running plugin named 'dhcp' with endpoints; "
                        "none is loaded");
    return call_plugin(rq, p, "GET", "leases", NULL, ret);
}
