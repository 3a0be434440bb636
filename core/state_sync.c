/* SPDX-License-Identifier: MIT */
/*
 * Where state changes go: state.json alone (no backend), or a registered state
 * backend first and state.json as its local cache (<pxecore/state_backend.h>).
 * Also the boot-once claims a backend reports, and what the store's watch
 * sends back.  Loop thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pxecore/state_backend.h>

#include "events.h"
#include "log.h"
#include "metrics.h"
#include "state.h"

static const struct pxe_state_backend *be;
static void *be_ud;
static int available = 1;
static char unavailable_why[256];
static json_t *claims;  /* mac -> true (this instance holds the claim) or false (another) */
static json_t *pending; /* macs whose used-up boot-once the store has not taken yet */
static uint64_t skipped;

int state_backend_set(const struct pxe_state_backend *b, void *ud)
{
    if (!b || b->_version != PXE_STATE_BACKEND_VERSION ||
        b->_struct_size < sizeof(struct pxe_state_backend) || !b->name || !b->host_put ||
        !b->method_put || !b->boot_once_claim)
        return -EINVAL;
    if (be)
        return -EEXIST;
    claims = json_object();
    pending = json_array();
    if (!claims || !pending) {
        state_sync_free();
        return -ENOMEM;
    }
    be = b;
    be_ud = ud;
    return 0;
}

void state_sync_free(void)
{
    be = NULL;
    be_ud = NULL;
    available = 1;
    json_decref(claims);
    json_decref(pending);
    claims = pending = NULL;
}

/* After the model changed: the backend (if any), then the local file. */
static int commit(struct core *c, int (*to_backend)(struct core *, const char *), const char *key)
{
    int r;

    if (be) {
        if (!available)
            return -EAGAIN;
        r = to_backend(c, key);
        if (r < 0)
            return r;
    }
    r = state_save(c);
    /* with a backend the store has the change; the cache catches up at the next save */
    return be && r < 0 ? 0 : r;
}

static int host_to_backend(struct core *c, const char *mac)
{
    const struct pxe_host *h = core_host_lookup(c, mac);
    json_t *o = h ? state_host_json(h) : NULL;
    int r;

    if (h && !o)
        return -ENOMEM;
    if (o)
        json_object_del(o, "mac");
    r = be->host_put(be_ud, mac, o);
    json_decref(o);
    if (r == 0 && claims)
        json_object_del(claims, mac);
    return r;
}

static int method_to_backend(struct core *c, const char *name)
{
    struct pxe_core *p = core_plugin_find(c, name);

    return p ? be->method_put(be_ud, name, (uint32_t)p->method_enabled) : -ENOENT;
}

int state_commit_host(struct core *c, const char *mac)
{
    return commit(c, host_to_backend, mac);
}

int state_commit_method(struct core *c, const char *name)
{
    return commit(c, method_to_backend, name);
}

int state_boot_once_claim(struct core *c, const char *mac)
{
    const struct pxe_host *h = mac ? core_host_lookup(c, mac) : NULL;
    int r;

    if (!be || !h || !h->boot_once || h->local_boot)
        return 1;
    if (json_object_get(claims, h->mac))
        return json_is_true(json_object_get(claims, h->mac));
    if (!available) {
        log_msg_once(NULL, PXE_LOG_WARNING,
                     "state: the store is unreachable: boot-once hosts "
                     "boot locally until it is back");
        return 0;
    }
    r = be->boot_once_claim(be_ud, h->mac);
    if (r < 0) {
        if (r == -ESTALE)
            log_info("state: the profile of %s changed while claiming its boot-once; it boots "
                     "locally this time",
                     h->mac);
        else
            log_warn("state: cannot claim the boot-once of %s: %s; it boots locally", h->mac,
                     strerror(-r));
        return 0;
    }
    json_object_set_new(claims, h->mac, json_boolean(r == 1));
    events_addf("core", r == 1 ? "host.boot_once_claimed" : "host.boot_once_elsewhere", h->mac,
                NULL, PXE_PHASE_NONE, "%s",
                r == 1 ? "this instance network-boots it once" : "claimed by another instance");
    return r == 1;
}

int state_netboot_denied(struct core *c, const struct pxe_host *h)
{
    (void)c;
    if (!be || !h || !h->boot_once || h->local_boot)
        return 0;
    return !json_is_true(json_object_get(claims, h->mac));
}

/* Used-up boot-onces the store could not take: tried again once it is back. */
static void retry_pending(struct core *c)
{
    while (available && json_array_size(pending) > 0) {
        const char *mac = json_string_value(json_array_get(pending, 0));
        const struct pxe_host *h = core_host_lookup(c, mac);

        if (h && h->local_boot && host_to_backend(c, mac) == -EAGAIN)
            return;
        json_array_remove(pending, 0);
    }
}

int state_boot_once_used(struct core *c, const char *mac)
{
    const struct pxe_host *h = core_host_lookup(c, mac);
    struct pxe_host copy;
    char m[18];
    int r;

    if (!h || !h->boot_once || h->local_boot || state_netboot_denied(c, h))
        return 0;
    copy = *h;
    copy.local_boot = 1;
    snprintf(m, sizeof(m), "%s", h->mac);
    copy.mac = m;
    r = core_host_set(c, &copy); /* copies before it frees the old profile */
    if (r < 0)
        return r;
    r = state_commit_host(c, m);
    if (r == -EAGAIN && json_array_size(pending) < STATE_MAX_HOSTS) {
        /* served already: kept locally (our claim keeps the others off), stored when back */
        json_array_append_new(pending, json_string(m));
        (void)state_save(c);
        return 1;
    }
    return r < 0 ? r : 1;
}

static void skip_entry(const char *what, const char *key, const char *why)
{
    char clean[64];

    skipped++;
    metrics_add("core", "state_skipped_total", "malformed entries of the state store skipped", 1);
    log_sanitize(key, strlen(key), clean, sizeof(clean));
    log_warn("state: %s '%s' from the store skipped: %s", what, clean, why);
}

/* One key of the store into the model (no save). */
static int apply_one(struct core *c, uint32_t kind, const char *key, json_t *value)
{
    char field[64], why[128], norm[18];
    int r;

    if (!be || !key)
        return -EINVAL;
    if ((kind == PXE_STATE_HOST || kind == PXE_STATE_CLAIM) && core_mac_normalize(key, norm) < 0) {
        skip_entry(kind == PXE_STATE_HOST ? "host" : "claim", key, "not a MAC address");
        return -EINVAL;
    }
    switch (kind) {
    case PXE_STATE_HOST:
        if (!value) {
            core_host_delete(c, norm);
            json_object_del(claims, norm);
            break;
        }
        r = state_host_apply(c, norm, value, field, why);
        if (r < 0) {
            skip_entry("host", key, r == -EINVAL ? why : strerror(-r));
            return r;
        }
        break;
    case PXE_STATE_METHOD:
        if (!value) /* a deleted switch: the method keeps its state */
            return 0;
        r = state_method_apply(c, key, value);
        if (r < 0 && r != -EINVAL)
            log_warn("state: method %s refused the store's switch: %s", key, strerror(-r));
        if (r == -EINVAL) {
            skip_entry("method", key, "must be {\"enabled\": bool}");
            return r;
        }
        break;
    case PXE_STATE_CLAIM:
        if (!value)
            json_object_del(claims, norm);
        else if (!json_is_boolean(json_object_get(value, "mine"))) {
            skip_entry("claim", key, "must be {\"mine\": bool}");
            return -EINVAL;
        } else
            json_object_set(claims, norm, json_object_get(value, "mine"));
        return 0;
    default:
        return -EINVAL;
    }
    return 1;
}

int state_apply(struct core *c, uint32_t kind, const char *key, json_t *value)
{
    int r = apply_one(c, kind, key, value);

    if (r > 0) /* hosts and methods are cached; claims are not */
        (void)state_save(c);
    return r < 0 ? r : 0;
}

/* Hosts the store does not have any more. */
static void drop_absent_hosts(struct core *c, json_t *hosts)
{
    json_t *keep = json_object(), *v;
    const char *k;
    char norm[18];

    json_object_foreach(hosts, k, v)
    {
        if (core_mac_normalize(k, norm) == 0)
            json_object_set(keep, norm, json_true());
    }
    for (struct host *h = c->hosts, *next; keep && h; h = next) {
        next = h->next;
        if (!json_object_get(keep, h->pub.mac))
            core_host_delete(c, h->pub.mac);
    }
    json_decref(keep);
}

int state_replace(struct core *c, json_t *doc)
{
    json_t *hosts = json_object_get(doc, "hosts"), *methods = json_object_get(doc, "methods");
    json_t *cl = json_object_get(doc, "claims"), *v;
    uint64_t before = skipped;
    const char *k;

    if (!be || !json_is_object(doc))
        return -EINVAL;
    if (hosts && !json_is_object(hosts))
        hosts = NULL;
    drop_absent_hosts(c, hosts ? hosts : json_object());
    json_object_clear(claims);
    json_object_foreach(hosts, k, v)(void) apply_one(c, PXE_STATE_HOST, k, v);
    if (json_is_object(methods))
        json_object_foreach(methods, k, v)(void) apply_one(c, PXE_STATE_METHOD, k, v);
    if (json_is_object(cl))
        json_object_foreach(cl, k, v)(void) apply_one(c, PXE_STATE_CLAIM, k, v);
    retry_pending(c);
    (void)state_save(c);
    return (int)(skipped - before);
}

void state_set_available(struct core *c, int yes, const char *reason)
{
    yes = !!yes;
    if (yes == available)
        return;
    available = yes;
    snprintf(unavailable_why, sizeof(unavailable_why), "%s", yes || !reason ? "" : reason);
    events_addf("core", yes ? "state.available" : "state.unavailable", NULL, NULL, PXE_PHASE_NONE,
                "%s", yes ? "the state store takes writes again" : unavailable_why);
    if (yes)
        retry_pending(c);
}

json_t *state_status_json(struct core *c)
{
    json_t *o, *extra = NULL;

    (void)c;
    o = json_pack("{s:s, s:b, s:I}", "backend", be ? be->name : "local", "writable", available,
                  "skipped", (json_int_t)skipped);
    if (o && !available)
        json_object_set_new(o, "reason", json_string(unavailable_why));
    if (o && be && be->status && be->status(be_ud, &extra) == 0 && json_is_object(extra))
        json_object_update(o, extra);
    json_decref(extra);
    return o;
}
