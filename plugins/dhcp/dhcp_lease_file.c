/* SPDX-License-Identifier: MIT */
/*
 * Leases kept across restarts and shown to the API: the lease file is
 * formatted on the loop and written and fsync'd by a short-lived thread;
 * GET leases lists the bound and offered ones.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dhcp_int.h"

static void *dhcp_writer_main(void *ud)
{
    struct dhcp_state *s = ud;

    s->writer_result = s->core->write_atomic(s->self, s->cfg->lease_file, s->wbuf, s->wlen, 0644);
    atomic_store(&s->writer_done, 1);
    return NULL;
}

static void dhcp_writer_finish(struct dhcp_state *s)
{
    s->writer_running = 0;
    free(s->wbuf);
    s->wbuf = NULL;
    if (s->writer_result < 0) {
        s->dirty = 1;
        dhcp_warn(s, "writing lease file %s: %s (retrying)", s->cfg->lease_file,
                  strerror(-s->writer_result));
    }
}

/* Collects a finished write; wait: block until the writer is done. */
static void dhcp_writer_reap(struct dhcp_state *s, int wait)
{
    if (!s->writer_running || (!wait && !atomic_load(&s->writer_done)))
        return;
    pthread_join(s->writer, NULL);
    dhcp_writer_finish(s);
}

/* Writes the lease file if it changed.  sync: in this thread (at start and stop). */
void dhcp_flush(struct dhcp_state *s, int sync)
{
    uint64_t now = (uint64_t)time(NULL);

    dhcp_writer_reap(s, sync);
    if (s->dirty && s->cfg->lease_file && !s->writer_running) {
        int r = dhcp_pool_format(&s->pool, now, &s->wbuf, &s->wlen);

        if (r < 0) {
            dhcp_warn(s, "lease file: %s", strerror(-r));
        } else {
            s->dirty = 0;
            atomic_store(&s->writer_done, 0);
            s->writer_running = 1;
            if (sync || pthread_create(&s->writer, NULL, dhcp_writer_main, s) != 0) {
                dhcp_writer_main(s);
                dhcp_writer_finish(s);
            }
        }
    }
    s->core->metric_set(s->self, "leases", "bound, unexpired leases",
                        (int64_t)dhcp_pool_bound(&s->pool, now));
}

void dhcp_tick(void *ud)
{
    struct dhcp_state *s = ud;

    dhcp_flush(s, 0);
    s->core->timer_set(s->timer, s->cfg->lease_flush);
}

/* GET leases: {"leases": [{"mac", "ip", "expires", "hostname"?, "state"}]} (docs/api.md). */
int dhcp_api_leases(struct dhcp_state *s, json_t **ret_json)
{
    uint64_t now = (uint64_t)time(NULL);
    json_t *arr = json_array(), *j;

    if (!arr)
        return -ENOMEM;
    for (uint32_t i = 0; i < s->pool.n; i++) {
        const struct dhcp_lease *l = &s->pool.l[i];
        char mac[16 * 3], ip[INET_ADDRSTRLEN];
        struct in_addr a = {htonl(s->pool.start + i)};
        static const char hex[] = "0123456789abcdef";
        char *o = mac;
        json_t *e;

        if ((l->state != DHCP_LEASE_BOUND && l->state != DHCP_LEASE_OFFERED) || l->expires <= now ||
            !l->mac_len)
            continue;
        for (unsigned k = 0; k < l->mac_len; k++) {
            if (k)
                *o++ = ':';
            *o++ = hex[l->mac[k] >> 4];
            *o++ = hex[l->mac[k] & 15];
        }
        *o = '\0';
        inet_ntop(AF_INET, &a, ip, sizeof(ip));
        e = json_pack("{s:s, s:s, s:I, s:s}", "mac", mac, "ip", ip, "expires",
                      (json_int_t)l->expires, "state",
                      l->state == DHCP_LEASE_BOUND ? "bound" : "offered");
        if (!e ||
            (l->hostname[0] && json_object_set_new(e, "hostname", json_string(l->hostname)) < 0) ||
            json_array_append_new(arr, e) < 0) {
            json_decref(e);
            json_decref(arr);
            return -ENOMEM;
        }
    }
    j = json_pack("{s:o}", "leases", arr);
    if (!j)
        return -ENOMEM;
    *ret_json = j;
    return 200;
}
