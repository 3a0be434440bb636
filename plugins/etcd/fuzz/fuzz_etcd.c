/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for what the etcd backend reads from the network
 * (etcd_proto.c): the input is an answer of etcd's JSON gateway.  It goes
 * through the range decoder (the whole state document), each watch event's kv,
 * the claim txn answer and base64; besides not crashing and not leaking, a
 * decoded kv must name a key of ours (non-empty name, NUL-terminated) with a
 * JSON object value or a deletion, and a value that encodes must decode back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../etcd_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void events(json_t *resp)
{
    json_t *evs = json_object_get(json_object_get(resp, "result"), "events"), *ev;
    size_t i;

    json_array_foreach(evs, i, ev)
    {
        struct etcd_kv kv;
        int del = json_is_string(json_object_get(ev, "type")) &&
                  !strcmp(json_string_value(json_object_get(ev, "type")), "DELETE");

        if (etcd_kv_decode(json_object_get(ev, "kv"), del, "/pxecore/", "a", &kv) == 1) {
            if (!kv.name[0] || memchr(kv.name, 0, sizeof(kv.name)) == NULL ||
                (!del && !json_is_object(kv.value)))
                abort();
            json_decref(kv.value);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *resp, *doc = NULL, *revs = NULL;
    int64_t rev = 0;
    unsigned bad = 0;
    unsigned char raw[ETCD_VALUE_MAX];
    char enc[ETCD_VALUE_MAX * 2], *text;
    int n;

    if (size > 65536)
        return 0;
    text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* base64 both ways on the raw text */
    n = etcd_b64_decode(text, raw, sizeof(raw));
    if (n >= 0 && etcd_b64_encode(raw, (size_t)n, enc, sizeof(enc)) == 0) {
        unsigned char back[ETCD_VALUE_MAX];

        if (etcd_b64_decode(enc, back, sizeof(back)) != n || memcmp(back, raw, (size_t)n))
            abort();
    }
    resp = json_loadb(text, size, 0, NULL);
    free(text);
    if (!resp)
        return 0;
    if (etcd_range_doc(resp, "/pxecore/", "a", &doc, &revs, &rev, &bad) == 0) {
        if (!json_is_object(doc) || !json_is_object(revs))
            abort();
    }
    json_decref(doc);
    json_decref(revs);
    events(resp);
    (void)etcd_txn_claim_held(resp);
    json_decref(resp);
    return 0;
}
