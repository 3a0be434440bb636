/* SPDX-License-Identifier: MIT */
/* GET /api/v1 (the route index) and GET /api/v1/status. */
#include <string.h>

#include <pxecore/version.h>

#include "api_int.h"

int h_index(struct api_request *rq, json_t **ret)
{
    json_t *routes = json_array();

    for (size_t i = 0; routes && i < R_COUNT; i++) {
        char allow[64];

        route_allow(route_table[i].methods, allow, sizeof(allow));
        json_array_append_new(
            routes, json_pack("{s:s, s:s}", "path", route_table[i].pattern, "methods", allow));
    }
    *ret = json_pack("{s:s, s:o}", "version", PXE_VERSION_STRING, "routes", routes);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}

int h_status(struct api_request *rq, json_t **ret)
{
    struct core *c = rq->core;
    json_t *images = json_array(), *enabled = json_array(), *phases = json_object();
    unsigned plugins = 0, running = 0, methods = 0, hosts = 0;
    uint64_t counts[PXE_PHASE_MAX + 1], sessions_total = 0;

    for (uint32_t i = 0; i < c->n_images; i++)
        json_array_append_new(images, json_string(c->images[i]->pub.name));
    for (struct pxe_core *p = c->plugins; p; p = p->next) {
        plugins++;
        running += p->started != 0;
        if (plugin_is_method(p) && p->started) {
            uint64_t n;
            const char *st = core_method_state(p, &n);

            methods++;
            sessions_total += n;
            if (!strcmp(st, "enabled"))
                json_array_append_new(enabled, json_string(p->desc.name));
        }
    }
    for (struct host *h = c->hosts; h; h = h->next)
        hosts++;
    events_phase_counts(counts);
    for (uint32_t i = 1; i <= PXE_PHASE_MAX; i++)
        json_object_set_new(phases, events_phase_name(i), json_integer((json_int_t)counts[i]));
    *ret = json_pack("{s:s, s:i, s:I, s:I, s:o, s:o, s:{s:i, s:i, s:i, s:i, s:i, s:I}, s:o}",
                     "version", PXE_VERSION_STRING, "abi", PXE_PLUGIN_ABI_VERSION, "uptime_s",
                     (json_int_t)((loop_now_usec() - c->start_usec) / 1000000), "started_at",
                     (json_int_t)c->start_time, "images", images, "enabled_methods", enabled,
                     "counts", "plugins", (int)plugins, "plugins_running", (int)running, "methods",
                     (int)methods, "images", (int)c->n_images, "hosts", (int)hosts,
                     "active_sessions", (json_int_t)sessions_total, "phase_events", phases);
    if (*ret)
        json_object_set_new(*ret, "secure_boot", sboot_status_json(c));
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}
