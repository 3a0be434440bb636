/* SPDX-License-Identifier: MIT */
/*
 * The watch and probe threads and the queue that carries what they read to
 * the loop thread, where it is applied to the core.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etcd_int.h"

void etcd_item_free(struct etcd_item *it)
{
    if (!it)
        return;
    json_decref(it->kv.value);
    json_decref(it->doc);
    json_decref(it->revs);
    free(it);
}

void etcd_apply(struct etcd_state *s, struct etcd_item *it)
{
    switch (it->what) {
    case ETCD_ITEM_REPLACE:
        json_decref(s->host_revs);
        s->host_revs = json_incref(it->revs);
        s->core->state_replace(s->self, it->doc);
        s->core->metric_set(s->self, "revision", "etcd revision of the last full read",
                            it->kv.mod_revision);
        break;
    case ETCD_ITEM_KV:
        if (it->kv.kind == PXE_STATE_HOST && it->kv.value)
            json_object_set_new(s->host_revs, it->kv.name,
                                json_integer((json_int_t)it->kv.mod_revision));
        else if (it->kv.kind == PXE_STATE_HOST)
            json_object_del(s->host_revs, it->kv.name);
        s->core->state_apply(s->self, it->kv.kind, it->kv.name, it->kv.value);
        break;
    case ETCD_ITEM_AVAILABLE:
        s->available = it->available;
        if (!it->available)
            snprintf(s->last_error, sizeof(s->last_error), "%s", it->reason);
        s->core->state_available(s->self, it->available, it->reason);
        break;
    default:
        break;
    }
}

static void drain(void *ud)
{
    struct etcd_state *s = ud;
    struct etcd_item *it;

    pthread_mutex_lock(&s->lock);
    it = s->queue;
    s->queue = NULL;
    s->queue_tail = &s->queue;
    s->posted = 0;
    pthread_mutex_unlock(&s->lock);
    while (it) {
        struct etcd_item *next = it->next;

        if (!s->stopped)
            etcd_apply(s, it);
        etcd_item_free(it);
        it = next;
    }
}

void etcd_queue(struct etcd_state *s, struct etcd_item *it)
{
    int post;

    pthread_mutex_lock(&s->lock);
    it->next = NULL;
    *s->queue_tail = it;
    s->queue_tail = &it->next;
    post = !s->posted;
    s->posted = 1;
    pthread_mutex_unlock(&s->lock);
    if (post && s->core->post(s->self, drain, s) < 0) {
        pthread_mutex_lock(&s->lock);
        s->posted = 0; /* the next item tries again */
        pthread_mutex_unlock(&s->lock);
    }
}

/* Waits usec or until stop; returns stop. */
static int nap(struct etcd_state *s, uint64_t usec)
{
    struct timespec ts;
    int stop;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(usec / 1000000);
    ts.tv_nsec += (long)(usec % 1000000) * 1000;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->lock);
    if (!s->stop)
        pthread_cond_timedwait(&s->wake, &s->lock, &ts);
    stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

struct etcd_item *etcd_read_all(struct etcd_state *s, struct etcd_http *e)
{
    json_t *req = etcd_range_all(s->cfg->prefix, ETCD_RANGE_LIMIT), *resp = NULL;
    struct etcd_item *it = calloc(1, sizeof(*it));
    int64_t rev = 0;
    unsigned bad = 0;
    int r = req && it ? etcd_http_call(e, "/v3/kv/range", req, &resp) : -ENOMEM;

    json_decref(req);
    if (r == 0)
        r = etcd_range_doc(resp, s->cfg->prefix, s->cfg->instance, &it->doc, &it->revs, &rev, &bad);
    json_decref(resp);
    if (r < 0) {
        if (r == -ENOMEM)
            snprintf(e->err, sizeof(e->err), "out of memory");
        else if (r == -EINVAL)
            snprintf(e->err, sizeof(e->err), "not a range answer");
        etcd_item_free(it);
        return NULL;
    }
    if (bad) {
        __atomic_add_fetch(&s->malformed, bad, __ATOMIC_RELAXED);
        s->core->log(s->self, PXE_LOG_WARNING, "%u malformed key(s) under %s skipped", bad,
                     s->cfg->prefix);
    }
    it->what = ETCD_ITEM_REPLACE;
    it->kv.mod_revision = rev;
    return it;
}

/* One watch message: its events as items; non-zero ends the stream. */
static int on_watch_msg(void *ud, json_t *msg)
{
    struct etcd_state *s = ud;
    json_t *res = json_object_get(msg, "result"), *ev;
    size_t i;

    if (!json_is_object(res) || json_is_true(json_object_get(res, "canceled")))
        return 1; /* an error or a compacted revision: read everything again */
    json_array_foreach(json_object_get(res, "events"), i, ev)
    {
        const char *type = json_string_value(json_object_get(ev, "type"));
        struct etcd_item *it = calloc(1, sizeof(*it));
        int r;

        if (!it)
            return 1;
        r = etcd_kv_decode(json_object_get(ev, "kv"), type && !strcmp(type, "DELETE"),
                           s->cfg->prefix, s->cfg->instance, &it->kv);
        if (r <= 0) {
            if (r < 0)
                __atomic_add_fetch(&s->malformed, 1, __ATOMIC_RELAXED);
            etcd_item_free(it);
            continue;
        }
        it->what = ETCD_ITEM_KV;
        __atomic_add_fetch(&s->events, 1, __ATOMIC_RELAXED);
        etcd_queue(s, it);
    }
    return 0;
}

/* Reads everything, then follows the watch from the next revision; again after any error. */
static void *watch_main(void *ud)
{
    struct etcd_state *s = ud;
    struct etcd_http e;

    if (etcd_http_init(&e, s) < 0)
        return NULL;
    while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
        struct etcd_item *it;
        json_t *req;
        int64_t rev;

        __atomic_store_n(&s->resync, 0, __ATOMIC_RELEASE);
        it = etcd_read_all(s, &e);
        if (!it) {
            nap(s, s->cfg->probe_interval);
            continue;
        }
        rev = it->kv.mod_revision;
        __atomic_add_fetch(&s->resyncs, 1, __ATOMIC_RELAXED);
        etcd_queue(s, it);
        req = etcd_watch_create(s->cfg->prefix, rev + 1);
        if (req)
            etcd_http_stream(&e, req, on_watch_msg, s);
        json_decref(req);
        nap(s, 100000); /* a failing member is not hammered */
    }
    etcd_http_done(&e);
    return NULL;
}

/* A linearizable read: answered only by a member that has a quorum. */
static int probe_once(struct etcd_state *s, struct etcd_http *e)
{
    json_t *req = etcd_key_obj(s->cfg->prefix, "probe", NULL), *resp = NULL;
    int r;

    if (!req)
        return -ENOMEM;
    json_object_set_new(req, "count_only", json_true());
    r = etcd_http_call(e, "/v3/kv/range", req, &resp);
    json_decref(req);
    json_decref(resp);
    return r;
}

static void tell_available(struct etcd_state *s, int yes, const char *reason)
{
    struct etcd_item *it = calloc(1, sizeof(*it));

    if (!it)
        return;
    it->what = ETCD_ITEM_AVAILABLE;
    it->available = (uint32_t)yes;
    snprintf(it->reason, sizeof(it->reason), "%s", reason);
    etcd_queue(s, it);
}

static void *probe_main(void *ud)
{
    struct etcd_state *s = ud;
    struct etcd_http e;
    int was = -1;
    uint64_t last_log = 0;

    if (etcd_http_init(&e, s) < 0)
        return NULL;
    while (!nap(s, s->cfg->probe_interval)) {
        int ok = probe_once(s, &e) == 0;
        uint64_t now = s->core->now_usec();

        if (!ok && (was != 0 || now - last_log >= s->cfg->log_interval)) {
            s->core->log(s->self, PXE_LOG_ERR,
                         "etcd unreachable (%s): serving the last known state, refusing "
                         "changes (HTTP 503)",
                         e.err);
            __atomic_add_fetch(&s->unreachable_logs, 1, __ATOMIC_RELAXED);
            last_log = now;
        }
        if (ok != was) {
            if (ok && was == 0)
                s->core->log(s->self, PXE_LOG_NOTICE, "etcd is back: reading the state again");
            if (was != -1) /* the watch starts over from a fresh read */
                __atomic_store_n(&s->resync, 1, __ATOMIC_RELEASE);
            tell_available(s, ok, ok ? "" : e.err);
            was = ok;
        }
    }
    etcd_http_done(&e);
    return NULL;
}

int etcd_sync_start(struct etcd_state *s)
{
    int r = pthread_create(&s->watch_thread, NULL, watch_main, s);

    if (r)
        return -r;
    s->threads = 1;
    r = pthread_create(&s->probe_thread, NULL, probe_main, s);
    if (r) {
        etcd_sync_stop(s);
        return -r;
    }
    s->threads = 2;
    return 0;
}

void etcd_sync_stop(struct etcd_state *s)
{
    pthread_mutex_lock(&s->lock);
    s->stop = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    __atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
    if (s->threads >= 1)
        pthread_join(s->watch_thread, NULL);
    if (s->threads == 2)
        pthread_join(s->probe_thread, NULL);
    s->threads = 0;
    s->stopped = 1;
}
