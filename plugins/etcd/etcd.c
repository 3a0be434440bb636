/* SPDX-License-Identifier: MIT */
/*
 * pxecore-etcd: host profiles, boot-once claims and method switches shared
 * by several pxecore instances through an etcd v3 cluster, as a state
 * backend (<pxecore/state_backend.h>).  Without etcd.endpoints it registers
 * nothing and the state stays local.  docs/cluster.md.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etcd_int.h"

static const struct pxe_config_item etcd_items[] = {
    {"endpoints", PXE_CFG_STRLIST, 0, NULL, offsetof(struct etcd_cfg, endpoints),
     "etcd client URLs (http://host:2379); none: the state stays local", "etcd-endpoints", 0, 0},
    {"prefix", PXE_CFG_STR, 0, "/pxecore/", offsetof(struct etcd_cfg, prefix),
     "key prefix shared by the instances of one site (ends in '/')", NULL, 0, 0},
    {"instance", PXE_CFG_STR, 0, NULL, offsetof(struct etcd_cfg, instance),
     "this instance's name in boot-once claims (default: the host name)", "etcd-instance", 0, 0},
    {"timeout", PXE_CFG_DURATION, 0, "1s", offsetof(struct etcd_cfg, timeout),
     "one request to etcd (the loop waits for writes)", NULL, 50000, 30000000},
    {"probe_interval", PXE_CFG_DURATION, 0, "500ms", offsetof(struct etcd_cfg, probe_interval),
     "how often the cluster's quorum is checked", NULL, 100000, 60000000},
    {"log_interval", PXE_CFG_DURATION, 0, "10s", offsetof(struct etcd_cfg, log_interval),
     "while etcd is unreachable, one log line per interval", NULL, 1000000, 3600000000},
    {"fail_open", PXE_CFG_BOOL, 0, "true", offsetof(struct etcd_cfg, fail_open),
     "etcd unreachable at start: serve the local cache read-only (false: refuse to start)", NULL, 0,
     0},
    {0},
};

static int etcd_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret)
{
    struct etcd_state *s;

    if (!PXE_CORE_HAS(core, state_available)) {
        core->log(self, PXE_LOG_ERR, "this pxecore has no state backends");
        return -ENOTSUP;
    }
    s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    s->available = 1;
    s->queue_tail = &s->queue;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    *ret = s;
    return 0;
}

/* ---- the backend's functions (loop thread) ---- */

static int call(struct etcd_state *s, const char *path, json_t *req, json_t **resp)
{
    int r;

    if (!req)
        return -ENOMEM;
    r = etcd_http_call(&s->loop_http, path, req, resp);
    json_decref(req);
    if (r < 0)
        snprintf(s->last_error, sizeof(s->last_error), "%s", s->loop_http.err);
    if (r == -EIO)
        s->core->log(s->self, PXE_LOG_ERR, "etcd refused a request: %s", s->loop_http.err);
    return r == -EIO ? -EAGAIN : r;
}

static int be_host_put(void *ud, const char *mac, json_t *profile)
{
    struct etcd_state *s = ud;
    json_t *resp = NULL;
    int r = call(s, "/v3/kv/txn", etcd_txn_host(s->cfg->prefix, mac, profile), &resp);

    /* the revision of this write: a claim right after it compares against it */
    if (r == 0 && profile)
        json_object_set_new(s->host_revs, mac,
                            json_integer((json_int_t)etcd_int64(
                                json_object_get(json_object_get(resp, "header"), "revision"))));
    else if (r == 0)
        json_object_del(s->host_revs, mac);
    json_decref(resp);
    return r;
}

static int be_method_put(void *ud, const char *name, uint32_t enabled)
{
    struct etcd_state *s = ud;
    json_t *resp = NULL;
    int r = call(s, "/v3/kv/put", etcd_put_method(s->cfg->prefix, name, (int)enabled), &resp);

    json_decref(resp);
    return r;
}

static int be_boot_once_claim(void *ud, const char *mac)
{
    struct etcd_state *s = ud;
    int64_t rev = (int64_t)json_integer_value(json_object_get(s->host_revs, mac));
    json_t *resp = NULL;
    int r =
        call(s, "/v3/kv/txn", etcd_txn_claim(s->cfg->prefix, mac, rev, s->cfg->instance), &resp);

    if (r == 0 && json_is_true(json_object_get(resp, "succeeded")))
        r = 1;
    else if (r == 0 && !etcd_txn_claim_held(resp))
        r = -ESTALE; /* no claim, but the profile changed since we read it: ask again later */
    json_decref(resp);
    if (r >= 0)
        s->core->log(s->self, PXE_LOG_INFO, "boot-once of %s %s", mac,
                     r ? "claimed: this instance network-boots it" : "held by another instance");
    return r;
}

static int be_status(void *ud, json_t **ret)
{
    struct etcd_state *s = ud;

    *ret = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s?}", "etcd_prefix", s->cfg->prefix,
                     "etcd_instance", s->cfg->instance, "etcd_watch_events",
                     (json_int_t)__atomic_load_n(&s->events, __ATOMIC_RELAXED), "etcd_resyncs",
                     (json_int_t)__atomic_load_n(&s->resyncs, __ATOMIC_RELAXED), "etcd_malformed",
                     (json_int_t)__atomic_load_n(&s->malformed, __ATOMIC_RELAXED), "etcd_error",
                     s->available ? NULL : s->last_error);
    return *ret ? 0 : -ENOMEM;
}

static const struct pxe_state_backend etcd_backend = {
    ._version = PXE_STATE_BACKEND_VERSION,
    ._struct_size = sizeof(struct pxe_state_backend),
    .name = "etcd",
    .host_put = be_host_put,
    .method_put = be_method_put,
    .boot_once_claim = be_boot_once_claim,
    .status = be_status,
};

/* ---- lifecycle ---- */

static int etcd_config_complete(void *state, void *cfgp)
{
    struct etcd_state *s = state;
    struct etcd_cfg *cfg = cfgp;
    static char host[64];
    size_t pl;
    int r;

    s->cfg = cfg;
    for (s->n_endpoints = 0; cfg->endpoints && cfg->endpoints[s->n_endpoints];)
        s->n_endpoints++;
    if (s->n_endpoints == 0) {
        s->core->log(s->self, PXE_LOG_INFO, "no etcd.endpoints: the state stays local");
        return 0;
    }
    if (s->n_endpoints > ETCD_MAX_ENDPOINTS) {
        s->core->log(s->self, PXE_LOG_ERR, "etcd.endpoints: at most %d", ETCD_MAX_ENDPOINTS);
        return -EINVAL;
    }
    for (size_t i = 0; i < s->n_endpoints; i++)
        if (strncmp(cfg->endpoints[i], "http://", 7) && strncmp(cfg->endpoints[i], "https://", 8)) {
            s->core->log(s->self, PXE_LOG_ERR, "etcd.endpoints: '%s' is not an http(s):// URL",
                         cfg->endpoints[i]);
            return -EINVAL;
        }
    pl = strlen(cfg->prefix);
    if (pl < 2 || pl > 64 || cfg->prefix[0] != '/' || cfg->prefix[pl - 1] != '/') {
        s->core->log(s->self, PXE_LOG_ERR,
                     "etcd.prefix: must start and end with '/' (2..64 bytes)");
        return -EINVAL;
    }
    if (!cfg->instance || !*cfg->instance) {
        if (gethostname(host, sizeof(host) - 1) < 0)
            snprintf(host, sizeof(host), "pxecore");
        cfg->instance = host; /* static: outlives the config */
    }
    r = etcd_http_init(&s->loop_http, s);
    if (r < 0)
        return r;
    r = s->core->state_backend_register(s->self, &etcd_backend, s);
    if (r < 0) {
        s->core->log(s->self, PXE_LOG_ERR, "cannot register the etcd state backend: %s",
                     strerror(-r));
        return r;
    }
    s->registered = 1;
    s->host_revs = json_object();
    return s->host_revs ? 0 : -ENOMEM;
}

static int etcd_start(void *state)
{
    struct etcd_state *s = state;
    struct etcd_item *it;

    if (!s->registered)
        return 0;
    /* the first read on the loop: the instance starts with the cluster's state */
    it = etcd_read_all(s, &s->loop_http);
    if (it) {
        etcd_apply(s, it);
        etcd_item_free(it);
        s->core->log(s->self, PXE_LOG_NOTICE,
                     "sharing state through etcd %s (prefix %s, instance %s)", s->cfg->endpoints[0],
                     s->cfg->prefix, s->cfg->instance);
    } else if (!s->cfg->fail_open) {
        s->core->log(s->self, PXE_LOG_ERR, "etcd unreachable at start (%s) and fail_open is off",
                     s->loop_http.err);
        return -EHOSTUNREACH;
    } else {
        struct etcd_item down = {.what = ETCD_ITEM_AVAILABLE, .available = 0};

        snprintf(down.reason, sizeof(down.reason), "%s", s->loop_http.err);
        s->core->log(s->self, PXE_LOG_ERR,
                     "etcd unreachable at start (%s): serving the local cache read-only",
                     s->loop_http.err);
        etcd_apply(s, &down);
    }
    return etcd_sync_start(s);
}

static void etcd_stop(void *state)
{
    struct etcd_state *s = state;

    if (s && s->registered)
        etcd_sync_stop(s);
}

static void etcd_unload(void *state)
{
    struct etcd_state *s = state;
    struct etcd_item *it;

    if (!s)
        return;
    it = s->queue;
    while (it) {
        struct etcd_item *next = it->next;

        etcd_item_free(it);
        it = next;
    }
    etcd_http_done(&s->loop_http);
    json_decref(s->host_revs);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
}

static int etcd_status(void *state, json_t **ret)
{
    struct etcd_state *s = state;

    if (!s->registered) {
        *ret = json_pack("{s:b}", "active", 0);
        return *ret ? 0 : -ENOMEM;
    }
    return be_status(s, ret);
}

static struct pxe_plugin etcd_plugin = {
    .thread_model = PXE_THREAD_OWN,
    .caps = 0,
    .name = "etcd",
    .version = "1.0",
    .description = "shares host profiles, boot-once and method switches through etcd v3",
    .config_items = etcd_items,
    .config_size = sizeof(struct etcd_cfg),
    .load = etcd_load,
    .config_complete = etcd_config_complete,
    .start = etcd_start,
    .stop = etcd_stop,
    .unload = etcd_unload,
    .status = etcd_status,
};

PXE_PLUGIN_REGISTER(etcd_plugin)
