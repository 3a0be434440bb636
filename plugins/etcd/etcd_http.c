/* SPDX-License-Identifier: MIT */
/* libcurl requests to the etcd JSON gateway, with failover between endpoints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd_int.h"

struct body {
    char *data;
    size_t len, cap, max;
    /* stream mode */
    int (*on_msg)(void *ud, json_t *msg);
    void *ud;
    int stopped_by_msg;
};

int etcd_http_init(struct etcd_http *e, struct etcd_state *s)
{
    const char *why = NULL;

    memset(e, 0, sizeof(*e));
    e->s = s;
    if (etcd_curl_load(&why) < 0) {
        s->core->log(s->self, PXE_LOG_ERR, "etcd.endpoints is set but libcurl cannot be loaded: %s",
                     why);
        return -ENOENT;
    }
    e->h = etcd_curl.easy_init();
    return e->h ? 0 : -ENOMEM;
}

void etcd_http_done(struct etcd_http *e)
{
    if (e->h)
        etcd_curl.easy_cleanup(e->h);
    e->h = NULL;
}

/* Parses every complete JSON message at the front of b (stream mode). */
static int stream_parse(struct body *b)
{
    while (b->len > 0) {
        json_error_t je;
        json_t *msg;
        size_t used;

        msg = json_loadb(b->data, b->len, JSON_DISABLE_EOF_CHECK, &je);
        if (!msg)
            return 0; /* incomplete: wait for more (the cap ends a runaway message) */
        used = (size_t)je.position;
        while (used < b->len &&
               (b->data[used] == '\n' || b->data[used] == '\r' || b->data[used] == ' '))
            used++;
        memmove(b->data, b->data + used, b->len - used);
        b->len -= used;
        if (b->on_msg(b->ud, msg)) {
            json_decref(msg);
            b->stopped_by_msg = 1;
            return -1;
        }
        json_decref(msg);
    }
    return 0;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct body *b = ud;
    size_t n = size * nmemb;

    if (b->len + n + 1 > b->max)
        return 0; /* over the cap: the transfer fails */
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *d = realloc(b->data, cap < b->max ? cap : b->max);

        if (!d)
            return 0;
        b->data = d;
        b->cap = cap < b->max ? cap : b->max;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    if (b->on_msg && stream_parse(b) < 0)
        return 0;
    return n;
}

/* Ends a transfer when the plugin stops or the watch must restart. */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    struct etcd_state *s = ud;

    (void)dt, (void)dn, (void)ut, (void)un;
    return __atomic_load_n(&s->stop, __ATOMIC_ACQUIRE) ||
           __atomic_load_n(&s->resync, __ATOMIC_ACQUIRE);
}

/* One POST to one endpoint: the HTTP status, or -EAGAIN (transport error, reason in e->err). */
static int post_one(struct etcd_http *e, const char *endpoint, const char *path, const char *text,
                    struct body *b, int stream)
{
    struct curl_slist *hdr = etcd_curl.slist_append(NULL, "Content-Type: application/json");
    char url[512];
    long code = 0, tmo = (long)(e->s->cfg->timeout / 1000);
    CURLcode rc;

    snprintf(url, sizeof(url), "%s%s", endpoint, path);
    etcd_curl.easy_reset(e->h);
    etcd_curl.easy_setopt(e->h, CURLOPT_URL, url);
    etcd_curl.easy_setopt(e->h, CURLOPT_HTTPHEADER, hdr);
    etcd_curl.easy_setopt(e->h, CURLOPT_POSTFIELDS, text);
    etcd_curl.easy_setopt(e->h, CURLOPT_WRITEFUNCTION, on_data);
    etcd_curl.easy_setopt(e->h, CURLOPT_WRITEDATA, b);
    etcd_curl.easy_setopt(e->h, CURLOPT_ERRORBUFFER, e->err);
    etcd_curl.easy_setopt(e->h, CURLOPT_NOSIGNAL, 1L);
    etcd_curl.easy_setopt(e->h, CURLOPT_CONNECTTIMEOUT_MS, tmo);
    etcd_curl.easy_setopt(e->h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (stream) {
        etcd_curl.easy_setopt(e->h, CURLOPT_NOPROGRESS, 0L);
        etcd_curl.easy_setopt(e->h, CURLOPT_XFERINFOFUNCTION, on_progress);
        etcd_curl.easy_setopt(e->h, CURLOPT_XFERINFODATA, e->s);
        etcd_curl.easy_setopt(e->h, CURLOPT_TCP_KEEPALIVE, 1L);
    } else {
        etcd_curl.easy_setopt(e->h, CURLOPT_TIMEOUT_MS, tmo);
    }
    e->err[0] = '\0';
    rc = etcd_curl.easy_perform(e->h);
    etcd_curl.slist_free_all(hdr);
    if (rc != CURLE_OK && !(stream && b->stopped_by_msg)) {
        char tmp[CURL_ERROR_SIZE];

        snprintf(tmp, sizeof(tmp), "%s", e->err[0] ? e->err : etcd_curl.easy_strerror(rc));
        snprintf(e->err, sizeof(e->err), "%.96s: %.150s", endpoint, tmp);
        return -EAGAIN;
    }
    etcd_curl.easy_getinfo(e->h, CURLINFO_RESPONSE_CODE, &code);
    return (int)code;
}

/* The cluster's error message of a non-200 answer, into e->err. */
static void answer_error(struct etcd_http *e, const char *endpoint, int code, struct body *b)
{
    json_t *j = b->data ? json_loads(b->data, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(j, "message"));
    char clean[160];

    if (!m)
        m = json_string_value(json_object_get(j, "error"));
    e->s->core->sanitize(m ? m : "", m ? strlen(m) : 0, clean, sizeof(clean));
    snprintf(e->err, sizeof(e->err), "%.80s: HTTP %d %.120s", endpoint, code, clean);
    json_decref(j);
}

int etcd_http_call(struct etcd_http *e, const char *path, json_t *body, json_t **ret)
{
    struct etcd_state *s = e->s;
    char *text = json_dumps(body, JSON_COMPACT);
    int first = __atomic_load_n(&s->current, __ATOMIC_RELAXED), r = -EAGAIN;

    *ret = NULL;
    if (!text)
        return -ENOMEM;
    for (size_t i = 0; i < s->n_endpoints; i++) {
        size_t k = ((size_t)first + i) % s->n_endpoints;
        struct body b = {.max = ETCD_BODY_MAX};
        int code = post_one(e, s->cfg->endpoints[k], path, text, &b, 0);

        if (code == 200)
            *ret = b.data ? json_loads(b.data, 0, NULL) : NULL;
        if (code == 200 && *ret) {
            __atomic_store_n(&s->current, (int)k, __ATOMIC_RELAXED);
            free(b.data);
            r = 0;
            break;
        }
        if (code > 0)
            answer_error(e, s->cfg->endpoints[k], code, &b);
        free(b.data);
        /* a member without a leader answers 5xx: another member may have one */
        r = code >= 400 && code < 500 ? -EIO : -EAGAIN;
        if (r == -EIO)
            break;
    }
    free(text);
    return r;
}

int etcd_http_stream(struct etcd_http *e, json_t *body, int (*on_msg)(void *ud, json_t *msg),
                     void *ud)
{
    struct etcd_state *s = e->s;
    char *text = json_dumps(body, JSON_COMPACT);
    int k = __atomic_load_n(&s->current, __ATOMIC_RELAXED);
    struct body b = {.max = ETCD_STREAM_MAX, .on_msg = on_msg, .ud = ud};
    int code;

    if (!text)
        return -ENOMEM;
    code = post_one(e, s->cfg->endpoints[k], "/v3/watch", text, &b, 1);
    free(text);
    if (code > 0 && code != 200)
        answer_error(e, s->cfg->endpoints[k], code, &b);
    else if (code == 200)
        snprintf(e->err, sizeof(e->err), "%.96s: the watch stream ended", s->cfg->endpoints[k]);
    free(b.data);
    if (code < 0 || code != 200) /* next time the next member */
        __atomic_store_n(&s->current, (int)(((size_t)k + 1) % s->n_endpoints), __ATOMIC_RELAXED);
    return -EAGAIN;
}
