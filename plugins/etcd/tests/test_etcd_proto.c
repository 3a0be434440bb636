/* SPDX-License-Identifier: MIT */
/* etcd_proto.c: base64, the gateway's requests, decoding range answers and watch kvs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pxecore/state_backend.h>

#include "etcd_proto.h"
#include "tap.h"

static const char *b64s(const char *s)
{
    static char out[512];

    etcd_b64_encode(s, strlen(s), out, sizeof(out));
    return out;
}

TEST(base64)
{
    unsigned char buf[64];
    char out[16];

    EXPECT_EQ_STR(b64s(""), "");
    EXPECT_EQ_STR(b64s("f"), "Zg==");
    EXPECT_EQ_STR(b64s("fo"), "Zm8=");
    EXPECT_EQ_STR(b64s("foo"), "Zm9v");
    EXPECT_EQ_STR(b64s("/pxecore/hosts/"), "L3B4ZWNvcmUvaG9zdHMv");
    EXPECT_EQ_INT(etcd_b64_decode("Zm9vYg==", buf, sizeof(buf)), 4);
    EXPECT(memcmp(buf, "foob", 4) == 0);
    EXPECT_EQ_INT(etcd_b64_decode("Zm9vYmE=", buf, sizeof(buf)), 5);
    EXPECT_EQ_INT(etcd_b64_decode("Zm9", buf, sizeof(buf)), -EINVAL);
    EXPECT_EQ_INT(etcd_b64_decode("Zm=v", buf, sizeof(buf)), -EINVAL);
    EXPECT_EQ_INT(etcd_b64_decode("Z!9v", buf, sizeof(buf)), -EINVAL);
    EXPECT_EQ_INT(etcd_b64_decode("Zm9vYmFy", buf, 5), -ENOSPC);
    EXPECT_EQ_INT(etcd_b64_encode("foobar", 6, out, 8), -ENOSPC);
}

TEST(requests)
{
    json_t *r = etcd_range_all("/p/", 10);

    EXPECT(r != NULL);
    EXPECT_EQ_STR(json_string_value(json_object_get(r, "key")), b64s("/p/"));
    EXPECT_EQ_STR(json_string_value(json_object_get(r, "range_end")), b64s("/p0"));
    json_decref(r);
    r = etcd_txn_claim("/p/", "52:54:00:00:00:01", 42, "a");
    EXPECT(r != NULL);
    EXPECT_EQ_INT((int)json_array_size(json_object_get(r, "compare")), 2);
    EXPECT_EQ_STR(
        json_string_value(json_object_get(json_array_get(json_object_get(r, "compare"), 0), "key")),
        b64s("/p/claims/52:54:00:00:00:01"));
    EXPECT_EQ_INT((int)json_integer_value(json_object_get(
                      json_array_get(json_object_get(r, "compare"), 1), "mod_revision")),
                  42);
    json_decref(r);
    r = etcd_txn_host("/p/", "52:54:00:00:00:01", NULL);
    EXPECT(json_object_get(json_array_get(json_object_get(r, "success"), 0),
                           "request_delete_range") != NULL);
    json_decref(r);
    EXPECT(etcd_range_all("", 1) == NULL);
    r = etcd_put_method("/p/", "http", 1);
    EXPECT(r != NULL);
    json_decref(r);
}

static json_t *kv(const char *key, const char *value, int rev)
{
    char k[512], v[1024];

    etcd_b64_encode(key, strlen(key), k, sizeof(k));
    etcd_b64_encode(value, strlen(value), v, sizeof(v));
    return json_pack("{s:s, s:s, s:s}", "key", k, "value", v, "mod_revision", rev ? "7" : "0");
}

TEST(decode)
{
    struct etcd_kv e;
    json_t *j = kv("/p/hosts/52:54:00:00:00:01", "{\"boot_once\":true}", 1);

    EXPECT_EQ_INT(etcd_kv_decode(j, 0, "/p/", "a", &e), 1);
    EXPECT_EQ_INT((int)e.kind, PXE_STATE_HOST);
    EXPECT_EQ_STR(e.name, "52:54:00:00:00:01");
    EXPECT_EQ_INT((int)e.mod_revision, 7);
    EXPECT(json_is_true(json_object_get(e.value, "boot_once")));
    json_decref(e.value);
    json_decref(j);
    j = kv("/p/claims/52:54:00:00:00:01", "{\"instance\":\"b\"}", 1);
    EXPECT_EQ_INT(etcd_kv_decode(j, 0, "/p/", "a", &e), 1);
    EXPECT(json_is_false(json_object_get(e.value, "mine")));
    json_decref(e.value);
    EXPECT_EQ_INT(etcd_kv_decode(j, 0, "/p/", "b", &e), 1);
    EXPECT(json_is_true(json_object_get(e.value, "mine")));
    json_decref(e.value);
    EXPECT_EQ_INT(etcd_kv_decode(j, 1, "/p/", "b", &e), 1); /* a DELETE has no value */
    EXPECT(e.value == NULL);
    json_decref(j);
    /* malformed: not JSON, not an object, bad names, not base64; not ours */
    j = kv("/p/hosts/52:54:00:00:00:01", "not json", 1);
    EXPECT_EQ_INT(etcd_kv_decode(j, 0, "/p/", "a", &e), -EINVAL);
    json_decref(j);
    j = kv("/p/methods/http", "[1]", 1);
    EXPECT_EQ_INT(etcd_kv_decode(j, 0, "/p/", "a", &e), -EINVAL);
    json_decref(j);
    j = kv("/p/hosts/A B", "{}", 1);
    EXPECT_EQ_INT(etcd_kv_decode(j, 0, "/p/", "a", &e), -EINVAL);
    json_decref(j);
    j = kv("/p/other/x", "{}", 1);
    EXPECT_EQ_INT(etcd_kv_decode(j, 0, "/p/", "a", &e), 0);
    json_decref(j);
    j = json_pack("{s:s}", "key", "%%%");
    EXPECT_EQ_INT(etcd_kv_decode(j, 0, "/p/", "a", &e), -EINVAL);
    json_decref(j);
}

TEST(range_doc)
{
    json_t *resp = json_pack("{s:{s:s}, s:[o, o, o, o]}", "header", "revision", "99", "kvs",
                             kv("/p/hosts/52:54:00:00:00:01", "{\"local_boot\":true}", 1),
                             kv("/p/methods/nbd", "{\"enabled\":false}", 1),
                             kv("/p/claims/52:54:00:00:00:01", "{\"instance\":\"a\"}", 1),
                             kv("/p/hosts/52:54:00:00:00:02", "{", 1));
    json_t *doc = NULL, *revs = NULL;
    int64_t rev = 0;
    unsigned bad = 0;

    EXPECT_EQ_INT(etcd_range_doc(resp, "/p/", "a", &doc, &revs, &rev, &bad), 0);
    EXPECT_EQ_INT((int)rev, 99);
    EXPECT_EQ_INT((int)bad, 1);
    EXPECT_EQ_INT((int)json_object_size(json_object_get(doc, "hosts")), 1);
    EXPECT(json_is_false(
        json_object_get(json_object_get(json_object_get(doc, "methods"), "nbd"), "enabled")));
    EXPECT(json_is_true(json_object_get(
        json_object_get(json_object_get(doc, "claims"), "52:54:00:00:00:01"), "mine")));
    EXPECT_EQ_INT((int)json_integer_value(json_object_get(revs, "52:54:00:00:00:01")), 7);
    json_decref(doc);
    json_decref(revs);
    json_decref(resp);
    resp = json_pack("[]");
    EXPECT_EQ_INT(etcd_range_doc(resp, "/p/", "a", &doc, &revs, &rev, &bad), -EINVAL);
    json_decref(resp);
}

int main(void)
{
    RUN(base64);
    RUN(requests);
    RUN(decode);
    RUN(range_doc);
    return tap_done();
}
