/* SPDX-License-Identifier: MIT */
/*
 * GET /metrics and /api/v1/metrics: Prometheus text format 0.0.4.  The core's
 * own gauges first (uptime, images, plugins, methods, host profiles, clients
 * per boot phase), then every plugin metric from metrics_render.
 */
#include <inttypes.h>
#include <string.h>

#include "api_int.h"

#define METRICS_TEXT_MAX (4u << 20)

/* Distinct clients of the recent events that reached at least each phase. */
static void clients_reached(uint64_t reached[PXE_PHASE_MAX + 1])
{
    json_t *ev = events_since(0, EVENTS_MAX), *best = json_object(), *e, *v;
    const char *mac;
    size_t i;

    memset(reached, 0, sizeof(uint64_t) * (PXE_PHASE_MAX + 1));
    json_array_foreach(ev, i, e)
    {
        const char *m = json_string_value(json_object_get(e, "mac"));
        const char *ph = json_string_value(json_object_get(e, "phase"));
        json_int_t p = 0, old;

        if (!m || !ph || !best)
            continue;
        for (uint32_t k = 1; k <= PXE_PHASE_MAX; k++)
            if (strcmp(ph, events_phase_name(k)) == 0)
                p = k;
        old = json_integer_value(json_object_get(best, m));
        if (p > old)
            json_object_set_new(best, m, json_integer(p));
        else if (!json_object_get(best, m))
            json_object_set_new(best, m, json_integer(0));
    }
    json_object_foreach(best, mac, v) for (json_int_t k = 1; k <= json_integer_value(v); k++)
        reached[k]++;
    json_decref(best);
    json_decref(ev);
}

static int gauge(struct pxe_buf *b, const char *name, const char *help, double v)
{
    return buf_append(b, "# HELP %s %s\n# TYPE %s gauge\n%s %.15g\n", name, help, name, name, v);
}

int h_metrics(struct api_request *rq, json_t **ret)
{
    struct core *c = rq->core;
    struct pxe_buf b;
    uint64_t counts[PXE_PHASE_MAX + 1], reached[PXE_PHASE_MAX + 1];
    unsigned plugins = 0, running = 0, methods = 0, enabled = 0, hosts = 0;
    uint64_t sessions = 0;
    int r;

    for (struct pxe_core *p = c->plugins; p; p = p->next) {
        plugins++;
        running += p->started != 0;
        if (plugin_is_method(p) && p->started) {
            uint64_t n;

            methods++;
            enabled += p->method_enabled != 0;
            core_method_state(p, &n);
            sessions += n;
        }
    }
    for (struct host *h = c->hosts; h; h = h->next)
        hosts++;
    events_phase_counts(counts);
    clients_reached(reached);
    buf_init(&b, METRICS_TEXT_MAX);
    r = gauge(&b, "pxecore_uptime_seconds", "Seconds since the daemon started",
              (double)(loop_now_usec() - c->start_usec) / 1e6);
    if (r == 0)
        r = gauge(&b, "pxecore_start_time_seconds", "Start time, seconds since the epoch",
                  (double)c->start_time);
    if (r == 0)
        r = gauge(&b, "pxecore_images", "Boot images served", c->n_images);
    if (r == 0)
        r = gauge(&b, "pxecore_plugins", "Plugins loaded", plugins);
    if (r == 0)
        r = gauge(&b, "pxecore_plugins_running", "Plugins started", running);
    if (r == 0)
        r = gauge(&b, "pxecore_methods", "Boot methods available", methods);
    if (r == 0)
        r = gauge(&b, "pxecore_methods_enabled", "Boot methods enabled", enabled);
    if (r == 0)
        r = gauge(&b, "pxecore_active_sessions", "Live rootfs sessions of all boot methods",
                  (double)sessions);
    if (r == 0)
        r = gauge(&b, "pxecore_hosts", "Host profiles", hosts);
    if (r == 0)
        r = buf_append(&b, "# HELP pxecore_boot_phase_events_total Events reporting each boot "
                           "phase reached\n# TYPE pxecore_boot_phase_events_total counter\n");
    for (uint32_t i = 1; r == 0 && i <= PXE_PHASE_MAX; i++)
        r = buf_append(&b, "pxecore_boot_phase_events_total{phase=\"%s\"} %" PRIu64 "\n",
                       events_phase_name(i), counts[i]);
    if (r == 0)
        r = buf_append(&b, "# HELP pxecore_clients_reached Clients of the recent events that "
                           "reached at least each boot phase\n# TYPE pxecore_clients_reached "
                           "gauge\n");
    for (uint32_t i = 1; r == 0 && i <= PXE_PHASE_MAX; i++)
        r = buf_append(&b, "pxecore_clients_reached{phase=\"%s\"} %" PRIu64 "\n",
                       events_phase_name(i), reached[i]);
    if (r == 0)
        r = metrics_render(&b);
    if (r < 0) {
        buf_done(&b);
        return api_fail(rq, 500, "internal", "cannot render the metrics");
    }
    rq->text = buf_steal(&b);
    if (!rq->text)
        return api_fail(rq, 500, "internal", "out of memory");
    rq->text_type = "text/plain; version=0.0.4; charset=utf-8";
    return 200;
}
