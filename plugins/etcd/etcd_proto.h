/* SPDX-License-Identifier: MIT */
/*
 * etcd v3 JSON gateway (grpc-gateway, etcd 3.4: /v3/kv/range, /v3/kv/txn,
 * /v3/watch) message building and parsing.  Keys and values travel base64
 * encoded; int64 fields arrive as JSON strings; fields with default values
 * (type PUT, succeeded false) are left out.  Pure code: no I/O, no globals.
 *
 * Key layout under the prefix P (ending in '/'):
 *   P hosts/<mac>    host profile, JSON as in state.json
 *   P methods/<name> {"enabled": bool}
 *   P claims/<mac>   {"instance": "<name>"}: the instance that network-boots
 *                    the host's boot-once
 */
#ifndef PXE_ETCD_PROTO_H
#define PXE_ETCD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define ETCD_KEY_MAX   256
#define ETCD_VALUE_MAX 4096
#define ETCD_NAME_MAX  64

/* One decoded key/value of ours. */
struct etcd_kv {
    uint32_t kind;            /* PXE_STATE_HOST, _METHOD, _CLAIM */
    char name[ETCD_NAME_MAX]; /* the MAC or method name after the prefix */
    json_t *value;            /* new reference; NULL for a deletion */
    int64_t mod_revision;
};

/* Base64 (RFC 4648, padded). Encode: 0 or -ENOSPC. Decode: length or -EINVAL/-ENOSPC. */
int etcd_b64_encode(const void *in, size_t n, char *out, size_t out_size);
int etcd_b64_decode(const char *in, unsigned char *out, size_t out_size);
/* An int64 field given as a JSON string or integer; 0 when absent or malformed. */
int64_t etcd_int64(json_t *v);

/* {"key": b64(prefix sub name)} plus optional fields; NULL on bad input. */
json_t *etcd_key_obj(const char *prefix, const char *sub, const char *name);
/* The range request for everything under prefix (linearizable). */
json_t *etcd_range_all(const char *prefix, int64_t limit);
/* The watch create request for everything under prefix from revision start. */
json_t *etcd_watch_create(const char *prefix, int64_t start);
/* Txn: put prefix hosts/mac = profile (NULL: delete), delete prefix claims/mac. */
json_t *etcd_txn_host(const char *prefix, const char *mac, json_t *profile);
/*
 * Txn: if claims/mac is absent (mod_revision 0) and hosts/mac has mod_revision
 * host_rev, put the claim; else read claims/mac.
 */
json_t *etcd_txn_claim(const char *prefix, const char *mac, int64_t host_rev, const char *instance);
/* A failed claim txn's answer: 1 when the claim key exists (another instance holds it). */
int etcd_txn_claim_held(json_t *resp);
/* Put request of prefix methods/name = {"enabled": b}. */
json_t *etcd_put_method(const char *prefix, const char *name, int enabled);

/*
 * Decodes one kv of a range answer or watch event (del: a DELETE event):
 * 1 and *out filled for a key of ours, 0 for a key under prefix that is not
 * ours, -EINVAL for a malformed one (bad base64, bad key, value not a JSON
 * object).  A claim's value becomes {"mine": instance == ours}.
 */
int etcd_kv_decode(json_t *kv, int del, const char *prefix, const char *instance,
                   struct etcd_kv *out);
/*
 * A range answer as the core's state document ({"hosts", "methods",
 * "claims"}, new reference) and the host revisions ({mac: mod_revision}, new
 * reference); *rev the store's revision, *bad the malformed kvs skipped.
 * -EINVAL when resp is not a range answer.
 */
int etcd_range_doc(json_t *resp, const char *prefix, const char *instance, json_t **doc,
                   json_t **revs, int64_t *rev, unsigned *bad);

#endif
