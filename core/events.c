/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pxecore/plugin.h>

#include "events.h"

#define IPMAP_MAX 1024

struct event {
    uint64_t id;
    int64_t usec; /* wall clock */
    char source[32];
    char kind[32];
    char mac[18];
    char ip[46];
    uint32_t phase;
    char msg[200];
};

struct ipmap {
    char ip[46];
    char mac[18];
};

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static struct event *ring;
static uint64_t next_id = 1;
static struct ipmap ipmap[IPMAP_MAX];
static unsigned ipmap_next;
static uint64_t phase_counts[PXE_PHASE_MAX + 1];

static const char *const phase_names[] = {"none",   "dhcp",   "loader", "menu",
                                          "kernel", "initrd", "rootfs"};

const char *events_phase_name(uint32_t phase)
{
    return phase <= PXE_PHASE_MAX ? phase_names[phase] : "none";
}

void events_init(void)
{
    pthread_mutex_lock(&ev_lock);
    if (!ring)
        ring = calloc(EVENTS_MAX, sizeof(*ring));
    pthread_mutex_unlock(&ev_lock);
}

void events_done(void)
{
    pthread_mutex_lock(&ev_lock);
    free(ring);
    ring = NULL;
    pthread_mutex_unlock(&ev_lock);
}

static const char *mac_for_ip(const char *ip)
{
    for (unsigned i = 0; i < IPMAP_MAX; i++)
        if (ipmap[i].ip[0] && strcmp(ipmap[i].ip, ip) == 0)
            return ipmap[i].mac;
    return NULL;
}

int events_mac_for_ip(const char *ip, char out[18])
{
    const char *m;

    pthread_mutex_lock(&ev_lock);
    m = ip ? mac_for_ip(ip) : NULL;
    if (m)
        snprintf(out, 18, "%s", m);
    pthread_mutex_unlock(&ev_lock);
    return m ? 0 : -ENOENT;
}

static void remember_ip(const char *ip, const char *mac)
{
    for (unsigned i = 0; i < IPMAP_MAX; i++)
        if (strcmp(ipmap[i].ip, ip) == 0) {
            snprintf(ipmap[i].mac, sizeof(ipmap[i].mac), "%s", mac);
            return;
        }
    snprintf(ipmap[ipmap_next].ip, sizeof(ipmap[0].ip), "%s", ip);
    snprintf(ipmap[ipmap_next].mac, sizeof(ipmap[0].mac), "%s", mac);
    ipmap_next = (ipmap_next + 1) % IPMAP_MAX;
}

uint64_t events_add(const char *source, const char *kind, const char *mac, const char *ip,
                    uint32_t phase, const char *fmt, va_list ap)
{
    struct timespec ts;
    struct event *e;
    uint64_t id;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (phase > PXE_PHASE_MAX)
        phase = PXE_PHASE_NONE;
    pthread_mutex_lock(&ev_lock);
    if (!ring) {
        pthread_mutex_unlock(&ev_lock);
        return 0;
    }
    id = next_id++;
    e = &ring[id % EVENTS_MAX];
    memset(e, 0, sizeof(*e));
    e->id = id;
    e->usec = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    snprintf(e->source, sizeof(e->source), "%s", source ? source : "core");
    snprintf(e->kind, sizeof(e->kind), "%s", kind ? kind : "event");
    if (ip)
        snprintf(e->ip, sizeof(e->ip), "%s", ip);
    if (mac && mac[0]) {
        snprintf(e->mac, sizeof(e->mac), "%s", mac);
        if (ip && ip[0] && strcmp(ip, "0.0.0.0") != 0)
            remember_ip(ip, mac);
    } else if (ip && ip[0]) {
        const char *m = mac_for_ip(ip);

        if (m)
            snprintf(e->mac, sizeof(e->mac), "%s", m);
    }
    e->phase = phase;
    if (fmt)
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    phase_counts[phase]++;
    pthread_mutex_unlock(&ev_lock);
    return id;
}

uint64_t events_addf(const char *source, const char *kind, const char *mac, const char *ip,
                     uint32_t phase, const char *fmt, ...)
{
    va_list ap;
    uint64_t id;

    va_start(ap, fmt);
    id = events_add(source, kind, mac, ip, phase, fmt, ap);
    va_end(ap);
    return id;
}

static json_t *event_json(const struct event *e)
{
    json_t *o = json_pack("{s:I, s:f, s:s, s:s, s:s}", "id", (json_int_t)e->id, "time",
                          (double)e->usec / 1e6, "source", e->source, "kind", e->kind, "phase",
                          phase_names[e->phase]);

    if (!o)
        return NULL;
    if (e->mac[0])
        json_object_set_new(o, "mac", json_string(e->mac));
    if (e->ip[0])
        json_object_set_new(o, "ip", json_string(e->ip));
    if (e->msg[0])
        json_object_set_new(o, "message", json_string(e->msg));
    return o;
}

json_t *events_since(uint64_t since, uint32_t limit)
{
    json_t *arr = json_array();
    uint64_t first;

    pthread_mutex_lock(&ev_lock);
    first = next_id > EVENTS_MAX ? next_id - EVENTS_MAX : 1;
    if (since + 1 > first)
        first = since + 1;
    for (uint64_t id = first; ring && arr && id < next_id && limit > 0; id++, limit--)
        json_array_append_new(arr, event_json(&ring[id % EVENTS_MAX]));
    pthread_mutex_unlock(&ev_lock);
    return arr;
}

json_t *events_timeline(const char *mac)
{
    json_t *arr = json_array(), *o;
    uint64_t first;
    uint32_t best = 0;
    int64_t t0 = 0;

    pthread_mutex_lock(&ev_lock);
    first = next_id > EVENTS_MAX ? next_id - EVENTS_MAX : 1;
    for (uint64_t id = first; ring && arr && id < next_id; id++) {
        const struct event *e = &ring[id % EVENTS_MAX];
        json_t *j;

        if (strcmp(e->mac, mac) != 0)
            continue;
        if (!t0)
            t0 = e->usec;
        j = event_json(e);
        if (j)
            json_object_set_new(j, "offset_s", json_real((double)(e->usec - t0) / 1e6));
        json_array_append_new(arr, j);
        if (e->phase > best)
            best = e->phase;
    }
    pthread_mutex_unlock(&ev_lock);
    if (!arr || json_array_size(arr) == 0) {
        json_decref(arr);
        return NULL;
    }
    o = json_pack("{s:s, s:s, s:o}", "mac", mac, "phase", phase_names[best], "events", arr);
    return o;
}

void events_phase_counts(uint64_t counts[7])
{
    pthread_mutex_lock(&ev_lock);
    memcpy(counts, phase_counts, sizeof(phase_counts));
    pthread_mutex_unlock(&ev_lock);
}
