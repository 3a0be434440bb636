/* SPDX-License-Identifier: MIT */
/*
 * The etcd state backend: what its files share.  The loop thread makes the
 * writes (host_put, method_put, boot_once_claim) with its own curl handle; the
 * watch thread keeps a /v3/watch stream open and hands what it reads to the
 * loop through a queue; the probe thread checks every probe_interval that the
 * cluster answers a linearizable read (it needs a quorum) and says so.
 */
#ifndef PXE_ETCD_INT_H
#define PXE_ETCD_INT_H

#include <pthread.h>
#include <stdint.h>

#include "etcd_curl.h"
#include <jansson.h>
#include <pxecore/plugin.h>
#include <pxecore/state_backend.h>

#include "etcd_proto.h"

#define ETCD_MAX_ENDPOINTS 16
#define ETCD_RANGE_LIMIT   20000
#define ETCD_BODY_MAX      (16u << 20) /* a range answer */
#define ETCD_STREAM_MAX    (4u << 20)  /* one unparsed watch message */

struct etcd_cfg {
    char **endpoints; /* "http://127.0.0.1:2379" */
    char *prefix;
    char *instance;
    uint64_t timeout;        /* usec, one request */
    uint64_t probe_interval; /* usec */
    uint64_t log_interval;   /* usec */
    uint32_t fail_open;
};

/* A connection path to the cluster: one curl handle, endpoint failover. */
struct etcd_http {
    CURL *h;
    struct etcd_state *s;
    char err[CURL_ERROR_SIZE];
};

/* What the threads hand to the loop (queue, drained by a post). */
struct etcd_item {
    struct etcd_item *next;
    int what; /* ETCD_ITEM_* */
    struct etcd_kv kv;
    json_t *doc, *revs; /* replace */
    uint32_t available;
    char reason[256];
};
#define ETCD_ITEM_REPLACE   1
#define ETCD_ITEM_KV        2
#define ETCD_ITEM_AVAILABLE 3

struct etcd_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    struct etcd_cfg *cfg;
    size_t n_endpoints;
    int current; /* endpoint tried first (atomic) */
    int registered;
    struct etcd_http loop_http; /* loop thread */
    json_t *host_revs;          /* loop thread: mac -> mod_revision */
    uint32_t available;         /* loop thread: what the core was told last */
    char last_error[256];       /* loop thread */

    pthread_t watch_thread, probe_thread;
    int threads;
    int stop;             /* atomic: threads end */
    int resync;           /* atomic: the watch thread re-reads everything */
    pthread_mutex_t lock; /* queue, stop wakeups */
    pthread_cond_t wake;
    struct etcd_item *queue, **queue_tail;
    int posted;
    int stopped; /* loop thread: after stop, drained items are only freed */
    uint64_t events, resyncs, malformed, unreachable_logs; /* atomic counters */
};

/* etcd_http.c */
int etcd_http_init(struct etcd_http *e, struct etcd_state *s);
void etcd_http_done(struct etcd_http *e);
/*
 * POSTs body to path on the endpoints (the current one first, then the
 * others): 0 and *ret (new reference) for a 200 answer, -EAGAIN when no
 * endpoint answered (reason in e->err), -EIO when the cluster answered an
 * error (its message in e->err).
 */
int etcd_http_call(struct etcd_http *e, const char *path, json_t *body, json_t **ret);
/*
 * The watch stream: POSTs body to /v3/watch on one endpoint and calls
 * on_msg(ud, msg) for each JSON message until the stream ends, on_msg returns
 * non-zero, or stop/resync is set.  -EAGAIN with the reason in e->err.
 */
int etcd_http_stream(struct etcd_http *e, json_t *body, int (*on_msg)(void *ud, json_t *msg),
                     void *ud);

/* etcd_sync.c */
int etcd_sync_start(struct etcd_state *s);
void etcd_sync_stop(struct etcd_state *s);
/* Queues an item for the loop thread (takes it). Any thread. */
void etcd_queue(struct etcd_state *s, struct etcd_item *it);
/* Reads everything (any thread): the item to queue, or NULL with the reason in reason. */
struct etcd_item *etcd_read_all(struct etcd_state *s, struct etcd_http *e);
void etcd_item_free(struct etcd_item *it);
/* Loop thread: applies an item to the core. */
void etcd_apply(struct etcd_state *s, struct etcd_item *it);

#endif
