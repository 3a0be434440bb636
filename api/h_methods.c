/* SPDX-License-Identifier: MIT */
/* GET /methods, GET and PUT /methods/{name}: boot-method switches. */
#include <errno.h>
#include <string.h>

#include "api_int.h"

json_t *json_method(struct pxe_core *p)
{
    uint64_t sessions = 0;
    const char *st = p->started ? core_method_state(p, &sessions) : "unavailable";

    return json_pack("{s:s, s:s, s:b, s:I, s:b, s:s?}", "name", p->desc.name, "state", st,
                     "enabled", p->method_enabled, "active_sessions", (json_int_t)sessions,
                     "running", p->started, "description", p->desc.description);
}

int h_methods(struct api_request *rq, json_t **ret)
{
    json_t *a = json_array();

    for (struct pxe_core *p = rq->core->plugins; a && p; p = p->next)
        if (plugin_is_method(p))
            json_array_append_new(a, json_method(p));
    *ret = json_pack("{s:o}", "methods", a);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}

int h_method(struct api_request *rq, json_t **ret)
{
    struct pxe_core *p = core_plugin_find(rq->core, rq->m->param[0]);
    int enabled, was, r;

    if (!p)
        return api_fail(rq, 404, "not_found", "no boot method named '%s'", rq->m->param[0]);
    if (!plugin_is_method(p))
        return api_fail(rq, 404, "not_found", "plugin '%s' is not a boot method", p->desc.name);
    if (strcmp(rq->method, "PUT") == 0 || strcmp(rq->method, "PATCH") == 0) {
        r = validate_method_put(rq->body, &enabled, &rq->err);
        if (r)
            return r;
        if (!p->started)
            return api_fail(rq, 409, "not_running",
                            "plugin '%s' is not running (disabled in the configuration)",
                            p->desc.name);
        was = p->method_enabled;
        r = core_method_set(rq->core, p->desc.name, enabled);
        if (r < 0)
            return api_fail(rq, r == -EBUSY ? 409 : 500, "method_refused",
                            "%s refused to be %s: %s", p->desc.name,
                            enabled ? "enabled" : "disabled", strerror(-r));
        r = api_save(rq);
        if (r) {
            core_method_set(rq->core, p->desc.name, was);
            return r;
        }
        api_changed(rq, "method %s %s", p->desc.name, enabled ? "enabled" : "disabled");
    }
    *ret = json_method(p);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}
