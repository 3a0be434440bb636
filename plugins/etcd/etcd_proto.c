/* SPDX-License-Identifier: MIT */
#include "etcd_proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pxecore/state_backend.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int etcd_b64_encode(const void *in, size_t n, char *out, size_t out_size)
{
    const unsigned char *p = in;
    size_t o = 0;

    if ((n + 2) / 3 * 4 + 1 > out_size)
        return -ENOSPC;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;

        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = '\0';
    return 0;
}

static int b64_val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;

    return p ? (int)(p - b64) : -1;
}

int etcd_b64_decode(const char *in, unsigned char *out, size_t out_size)
{
    size_t len = strlen(in), o = 0;

    if (len % 4)
        return -EINVAL;
    for (size_t i = 0; i < len; i += 4) {
        int v[4], pad = 0;

        for (int k = 0; k < 4; k++) {
            v[k] = b64_val(in[i + k]);
            if (in[i + k] == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
            } else if (v[k] < 0 || pad) {
                return -EINVAL;
            }
        }
        if (o + 3 - (size_t)pad > out_size)
            return -ENOSPC;
        out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        if (pad < 2)
            out[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
        if (pad < 1)
            out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
    }
    return (int)o;
}

int64_t etcd_int64(json_t *v)
{
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_string(v)) {
        char *end;
        long long n = strtoll(json_string_value(v), &end, 10);

        return *end ? 0 : (int64_t)n;
    }
    return 0;
}

static json_t *b64_string(const char *s)
{
    char out[ETCD_VALUE_MAX * 4 / 3 + 8];

    return etcd_b64_encode(s, strlen(s), out, sizeof(out)) < 0 ? NULL : json_string(out);
}

static json_t *b64_key(const char *prefix, const char *sub, const char *name)
{
    char key[ETCD_KEY_MAX];
    int n = snprintf(key, sizeof(key), "%s%s%s", prefix, sub, name ? name : "");

    return n < 0 || (size_t)n >= sizeof(key) ? NULL : b64_string(key);
}

json_t *etcd_key_obj(const char *prefix, const char *sub, const char *name)
{
    json_t *k = b64_key(prefix, sub, name);

    return k ? json_pack("{s:o}", "key", k) : NULL;
}

/* The key after every key starting with prefix (its last byte plus one). */
static json_t *range_end(const char *prefix)
{
    char end[ETCD_KEY_MAX];
    size_t n = strlen(prefix);

    if (n == 0 || n >= sizeof(end) || (unsigned char)prefix[n - 1] == 0xff)
        return NULL;
    memcpy(end, prefix, n + 1);
    end[n - 1] = (char)(prefix[n - 1] + 1);
    return b64_string(end);
}

json_t *etcd_range_all(const char *prefix, int64_t limit)
{
    json_t *k = b64_key(prefix, "", NULL), *e = range_end(prefix);

    if (!k || !e) {
        json_decref(k);
        json_decref(e);
        return NULL;
    }
    return json_pack("{s:o, s:o, s:I}", "key", k, "range_end", e, "limit", (json_int_t)limit);
}

json_t *etcd_watch_create(const char *prefix, int64_t start)
{
    json_t *k = b64_key(prefix, "", NULL), *e = range_end(prefix);

    if (!k || !e) {
        json_decref(k);
        json_decref(e);
        return NULL;
    }
    return json_pack("{s:{s:o, s:o, s:I}}", "create_request", "key", k, "range_end", e,
                     "start_revision", (json_int_t)start);
}

/* {"request_put": {key, value}} or {"request_delete_range": {key}}. */
static json_t *op(const char *prefix, const char *sub, const char *name, const char *value)
{
    json_t *k = b64_key(prefix, sub, name), *v = value ? b64_string(value) : NULL;

    if (!k || (value && !v)) {
        json_decref(k);
        json_decref(v);
        return NULL;
    }
    if (!value)
        return json_pack("{s:{s:o}}", "request_delete_range", "key", k);
    return json_pack("{s:{s:o, s:o}}", "request_put", "key", k, "value", v);
}

json_t *etcd_txn_host(const char *prefix, const char *mac, json_t *profile)
{
    char *text = profile ? json_dumps(profile, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_t *r;

    if (profile && (!text || strlen(text) > ETCD_VALUE_MAX)) {
        free(text);
        return NULL;
    }
    /* "o" with NULL makes json_pack fail (and drop the other references) */
    r = json_pack("{s:[], s:[o, o]}", "compare", "success", op(prefix, "hosts/", mac, text),
                  op(prefix, "claims/", mac, NULL));
    free(text);
    return r;
}

json_t *etcd_txn_claim(const char *prefix, const char *mac, int64_t host_rev, const char *instance)
{
    json_t *val = json_pack("{s:s}", "instance", instance);
    char *text = val ? json_dumps(val, JSON_COMPACT) : NULL;
    json_t *ck = b64_key(prefix, "claims/", mac), *hk = b64_key(prefix, "hosts/", mac), *r;

    json_decref(val);
    r = text && ck && hk
            ? json_pack("{s:[{s:O, s:s, s:s, s:s}, {s:O, s:s, s:s, s:I}], s:[o], s:[o]}", "compare",
                        "key", ck, "target", "MOD", "result", "EQUAL", "mod_revision", "0", "key",
                        hk, "target", "MOD", "result", "EQUAL", "mod_revision",
                        (json_int_t)host_rev, "success", op(prefix, "claims/", mac, text),
                        "failure", json_pack("{s:{s:O}}", "request_range", "key", ck))
            : NULL;
    free(text);
    json_decref(ck);
    json_decref(hk);
    return r;
}

json_t *etcd_put_method(const char *prefix, const char *name, int enabled)
{
    json_t *k = b64_key(prefix, "methods/", name);
    json_t *v = b64_string(enabled ? "{\"enabled\":true}" : "{\"enabled\":false}");

    if (!k || !v) {
        json_decref(k);
        json_decref(v);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "key", k, "value", v);
}

/* The name after prefix sub, when it is one: [a-z0-9:-], at most ETCD_NAME_MAX - 1 bytes. */
static int name_after(const char *key, const char *prefix, const char *sub, char *name)
{
    size_t pn = strlen(prefix), sn = strlen(sub), n;

    if (strncmp(key, prefix, pn) != 0 || strncmp(key + pn, sub, sn) != 0)
        return 0;
    key += pn + sn;
    n = strlen(key);
    if (n == 0 || n >= ETCD_NAME_MAX)
        return -EINVAL;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == ':'))
            return -EINVAL;
    memcpy(name, key, n + 1);
    return 1;
}

/* The key's kind (PXE_STATE_*), 0 when not ours, -EINVAL when malformed. */
static int classify(const char *key, const char *prefix, char *name)
{
    static const struct {
        const char *sub;
        uint32_t kind;
    } subs[] = {
        {"hosts/", PXE_STATE_HOST}, {"methods/", PXE_STATE_METHOD}, {"claims/", PXE_STATE_CLAIM}};

    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        int r = name_after(key, prefix, subs[i].sub, name);

        if (r != 0)
            return r < 0 ? r : (int)subs[i].kind;
    }
    return 0;
}

/* A value as a JSON object (new reference), NULL when it is not one. */
static json_t *value_object(const char *b64v)
{
    unsigned char buf[ETCD_VALUE_MAX + 1];
    int n = etcd_b64_decode(b64v, buf, ETCD_VALUE_MAX);
    json_t *v;

    if (n <= 0)
        return NULL;
    v = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
    if (v && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

int etcd_kv_decode(json_t *kv, int del, const char *prefix, const char *instance,
                   struct etcd_kv *out)
{
    const char *k = json_string_value(json_object_get(kv, "key"));
    const char *v = json_string_value(json_object_get(kv, "value"));
    unsigned char key[ETCD_KEY_MAX];
    int n, kind;

    memset(out, 0, sizeof(*out));
    if (!k || (n = etcd_b64_decode(k, key, sizeof(key) - 1)) <= 0)
        return -EINVAL;
    key[n] = '\0';
    if (strlen((char *)key) != (size_t)n)
        return -EINVAL;
    kind = classify((char *)key, prefix, out->name);
    if (kind <= 0)
        return kind;
    out->kind = (uint32_t)kind;
    out->mod_revision = etcd_int64(json_object_get(kv, "mod_revision"));
    if (del)
        return 1;
    out->value = v ? value_object(v) : NULL;
    if (!out->value)
        return -EINVAL;
    if (kind == PXE_STATE_CLAIM) {
        const char *who = json_string_value(json_object_get(out->value, "instance"));
        json_t *claim = who ? json_pack("{s:b}", "mine", strcmp(who, instance) == 0) : NULL;

        json_decref(out->value);
        out->value = claim;
        if (!out->value)
            return -EINVAL;
    }
    return 1;
}

int etcd_range_doc(json_t *resp, const char *prefix, const char *instance, json_t **doc,
                   json_t **revs, int64_t *rev, unsigned *bad)
{
    static const char *const parts[] = {NULL, "hosts", "methods", "claims"};
    json_t *kvs = json_object_get(resp, "kvs"), *kv;
    size_t i;

    *bad = 0;
    if (!json_is_object(resp) || !json_is_object(json_object_get(resp, "header")))
        return -EINVAL;
    *rev = etcd_int64(json_object_get(json_object_get(resp, "header"), "revision"));
    *doc = json_pack("{s:{}, s:{}, s:{}}", "hosts", "methods", "claims");
    *revs = json_object();
    if (!*doc || !*revs) {
        json_decref(*doc);
        json_decref(*revs);
        return -ENOMEM;
    }
    json_array_foreach(kvs, i, kv)
    {
        struct etcd_kv e;
        int r = etcd_kv_decode(kv, 0, prefix, instance, &e);

        if (r < 0)
            (*bad)++;
        if (r <= 0)
            continue;
        json_object_set_new(json_object_get(*doc, parts[e.kind]), e.name, e.value);
        if (e.kind == PXE_STATE_HOST)
            json_object_set_new(*revs, e.name, json_integer((json_int_t)e.mod_revision));
    }
    return 0;
}

int etcd_txn_claim_held(json_t *resp)
{
    json_t *rr =
        json_object_get(json_array_get(json_object_get(resp, "responses"), 0), "response_range");

    return json_array_size(json_object_get(rr, "kvs")) > 0;
}
