/* SPDX-License-Identifier: MIT */
/* Unit tests: route table, request validator, body checks, state file round trip. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "route.h"
#include "state.h"
#include "tap.h"

static int validate(const char *method, const char *path, const char *ct, const char *body,
                    struct valid_request *vr, struct api_error *e)
{
    struct raw_request in = {.method = method,
                             .path = path,
                             .content_type = ct,
                             .body = body,
                             .body_len = body ? strlen(body) : 0,
                             .body_cap = 64};

    memset(e, 0, sizeof(*e));
    return request_validate(&in, vr, e);
}

TEST(routes)
{
    struct route_match m;

    EXPECT_EQ_INT(route_find("GET", "/api/v1/status", &m), 0);
    EXPECT_EQ_INT(m.route->id, R_STATUS);
    EXPECT_EQ_INT(route_find("HEAD", "/api/v1/status", &m), 0);
    EXPECT_EQ_INT(route_find("GET", "/api/v1/plugins/http/file/boot.ipxe", &m), 0);
    EXPECT_EQ_INT(m.route->id, R_PLUGIN_CALL);
    EXPECT_EQ_STR(m.param[0], "http");
    EXPECT_EQ_STR(m.subpath, "file/boot.ipxe");
    EXPECT_EQ_INT(route_find("GET", "/api/v1/plugins/http", &m), 0);
    EXPECT_EQ_INT(m.route->id, R_PLUGIN);
    EXPECT_EQ_INT(route_find("GET", "/api/v1/clients/aa-bb-cc-dd-ee-ff/timeline", &m), 0);
    EXPECT_EQ_STR(m.param[0], "aa-bb-cc-dd-ee-ff");
    EXPECT_EQ_INT(route_find("DELETE", "/api/v1/methods/http", &m), -EOPNOTSUPP);
    EXPECT_EQ_STR(m.allow, "GET, HEAD, PUT, PATCH");
    EXPECT_EQ_INT(route_find("GET", "/api/v1/nope", &m), -ENOENT);
    EXPECT_EQ_INT(route_find("GET", "/api/v1/status/", &m), -ENOENT);
    EXPECT_EQ_INT(route_find("GET", "/api/v1/methods//x", &m), -ENOENT);
    EXPECT_EQ_INT(route_find("GET", "/api/v1/plugins/http/", &m), -ENOENT);
    EXPECT_EQ_INT(route_find("PATCH", "/api/v1/methods/http", &m), 0);
    EXPECT_EQ_INT(route_find("PATCH", "/api/v1/hosts/aabbccddeeff", &m), -EOPNOTSUPP);
    EXPECT_EQ_STR(m.allow, "GET, HEAD, PUT, DELETE");
}

TEST(validator)
{
    struct valid_request vr;
    struct api_error e;

    EXPECT_EQ_INT(
        validate("PUT", "/api/v1/methods/http", "application/json", "{\"enabled\":false}", &vr, &e),
        0);
    EXPECT(json_is_object(vr.body));
    json_decref(vr.body);
    EXPECT_EQ_INT(validate("PUT", "/api/v1/methods/http", "Application/JSON; charset=utf-8",
                           "{\"enabled\":true}", &vr, &e),
                  0);
    json_decref(vr.body);
    EXPECT_EQ_INT(validate("PUT", "/api/v1/methods/http", "text/plain", "{}", &vr, &e), 415);
    EXPECT_EQ_INT(validate("PUT", "/api/v1/methods/http", "application/jsonx", "{}", &vr, &e), 415);
    EXPECT_EQ_INT(validate("PUT", "/api/v1/methods/http", NULL, "{}", &vr, &e), 415);
    EXPECT_EQ_INT(validate("PUT", "/api/v1/methods/http", "application/json", "{", &vr, &e), 400);
    EXPECT_EQ_STR(e.code, "bad_json");
    EXPECT_EQ_INT(validate("PUT", "/api/v1/methods/http", "application/json", "[]", &vr, &e), 400);
    EXPECT_EQ_INT(validate("PUT", "/api/v1/methods/http", "application/json", "", &vr, &e), 400);
    EXPECT_EQ_INT(
        validate("PUT", "/api/v1/methods/http", "application/json", "{\"a\":1,\"a\":2}", &vr, &e),
        400);
    EXPECT_EQ_INT(validate("PUT", "/api/v1/methods/http", "application/json",
                           "{\"enabled\":false, \"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                           "xxxxxxxxxxxxxxxxxxxxxxxxx\"}",
                           &vr, &e),
                  413);
    EXPECT_EQ_INT(validate("PUT", "/api/v1/hosts/zz", "application/json", "{}", &vr, &e), 400);
    EXPECT(strstr(e.message, "mac") != NULL);
    EXPECT_EQ_INT(validate("GET", "/api/v1/hosts/AA.BB.CC.DD.EE.FF", NULL, NULL, &vr, &e), 0);
    EXPECT_EQ_INT(validate("GET", "/api/v1/hosts/AABB.CCDD.EEFF", NULL, NULL, &vr, &e), 0);
    EXPECT_EQ_STR(vr.m.param[0], "aa:bb:cc:dd:ee:ff");
    EXPECT_EQ_INT(validate("GET", "/api/v1/methods/HTTP", NULL, NULL, &vr, &e), 404);
    EXPECT_EQ_INT(validate("GET", "/api/v1/images/arch.iso_1", NULL, NULL, &vr, &e), 0);
    EXPECT_EQ_INT(validate("POST", "/api/v1/plugins/http/x", NULL, NULL, &vr, &e), 0);
    EXPECT(vr.body == NULL);
    EXPECT_EQ_INT(validate("POST", "/api/v1/plugins/http/x", "application/json", "3", &vr, &e), 0);
    EXPECT(json_is_integer(vr.body));
    json_decref(vr.body);
    EXPECT_EQ_INT(validate("GET", "/api/v1/status", "text/plain", "junk", &vr, &e), 0);
    EXPECT_EQ_INT(validate("BREW", "/api/v1/status", NULL, NULL, &vr, &e), 405);
}

TEST(bodies)
{
    struct api_error e;
    struct state_host sh;
    json_t *b;
    int en = -1;

    b = json_pack("{s:b}", "enabled", 0);
    EXPECT_EQ_INT(validate_method_put(b, &en, &e), 0);
    EXPECT_EQ_INT(en, 0);
    json_decref(b);
    b = json_pack("{s:s}", "enabled", "no");
    EXPECT_EQ_INT(validate_method_put(b, &en, &e), 400);
    EXPECT(strncmp(e.message, "enabled:", 8) == 0);
    json_decref(b);
    b = json_pack("{s:b, s:i}", "enabled", 1, "colour", 3);
    EXPECT_EQ_INT(validate_method_put(b, &en, &e), 400);
    EXPECT(strncmp(e.message, "colour:", 7) == 0);
    json_decref(b);
    b = json_object();
    EXPECT_EQ_INT(validate_method_put(b, &en, &e), 400);
    json_decref(b);

    b = json_pack("{s:s, s:s, s:s, s:b}", "image", "archiso", "method", "nbd", "cmdline_extra",
                  "quiet loglevel=3", "boot_once", 1);
    EXPECT_EQ_INT(validate_host_put(b, "aa:bb:cc:dd:ee:ff", &sh, &e), 0);
    EXPECT_EQ_STR(sh.method, "nbd");
    EXPECT_EQ_INT(sh.boot_once, 1);
    json_decref(b);
    b = json_pack("{s:s}", "cmdline_extra", "a\"b");
    EXPECT_EQ_INT(validate_host_put(b, "aa:bb:cc:dd:ee:ff", &sh, &e), 400);
    EXPECT(strncmp(e.message, "cmdline_extra:", 14) == 0);
    json_decref(b);
    b = json_pack("{s:s}", "mac", "aa:bb:cc:dd:ee:00");
    EXPECT_EQ_INT(validate_host_put(b, "aa:bb:cc:dd:ee:ff", &sh, &e), 400);
    json_decref(b);
    b = json_pack("{s:s}", "mac", "AA-BB-CC-DD-EE-FF");
    EXPECT_EQ_INT(validate_host_put(b, "aa:bb:cc:dd:ee:ff", &sh, &e), 0);
    json_decref(b);
    b = json_pack("{s:i}", "boot_once", 1);
    EXPECT_EQ_INT(validate_host_put(b, "aa:bb:cc:dd:ee:ff", &sh, &e), 400);
    json_decref(b);
    b = json_pack("{s:s}", "image", "../x");
    EXPECT_EQ_INT(validate_host_put(b, "aa:bb:cc:dd:ee:ff", &sh, &e), 400);
    json_decref(b);
}

TEST(state_round_trip)
{
    char dir[] = "/tmp/pxeapi-unit.XXXXXX", path[256], err[512];
    struct core c = {0};
    struct pxe_host h = {._struct_size = sizeof(h),
                         .mac = "52-54-00-AB-CD-EF",
                         .image = "archiso",
                         .cmdline_extra = "quiet",
                         .boot_once = 1};
    const struct pxe_host *got;
    FILE *f;

    EXPECT(mkdtemp(dir) != NULL);
    c.set.state_dir = dir;
    EXPECT_EQ_INT(state_load(&c, err, sizeof(err)), 0); /* absent file */
    EXPECT_EQ_INT(core_host_set(&c, &h), 0);
    EXPECT_EQ_INT(state_save(&c), 0);
    core_hosts_free(&c);
    EXPECT_EQ_INT(state_load(&c, err, sizeof(err)), 0);
    got = core_host_lookup(&c, "52:54:00:ab:cd:ef");
    EXPECT(got != NULL);
    if (got) {
        EXPECT_EQ_STR(got->cmdline_extra, "quiet");
        EXPECT_EQ_INT(got->boot_once, 1);
        EXPECT(got->method == NULL);
    }
    core_hosts_free(&c);
    snprintf(path, sizeof(path), "%s/state.json", dir);
    /* foreign method switches survive a save */
    f = fopen(path, "w");
    fputs("{\"version\":1,\"methods\":{\"gone\":{\"enabled\":false}},\"hosts\":{}}", f);
    fclose(f);
    EXPECT_EQ_INT(state_load(&c, err, sizeof(err)), 0);
    EXPECT_EQ_INT(state_save(&c), 0);
    core_hosts_free(&c);
    f = fopen(path, "r");
    {
        json_t *j = json_loadf(f, 0, NULL);

        EXPECT(json_is_false(
            json_object_get(json_object_get(json_object_get(j, "methods"), "gone"), "enabled")));
        json_decref(j);
    }
    fclose(f);
    /* a broken file is refused with its position */
    f = fopen(path, "w");
    fputs("{\"version\":1,", f);
    fclose(f);
    EXPECT_EQ_INT(state_load(&c, err, sizeof(err)), -EINVAL);
    EXPECT(strstr(err, "state.json:") != NULL);
    f = fopen(path, "w");
    fputs("{\"version\":1,\"hosts\":{\"aa:bb:cc:dd:ee:ff\":{\"boot_once\":\"yes\"}}}", f);
    fclose(f);
    EXPECT_EQ_INT(state_load(&c, err, sizeof(err)), -EINVAL);
    EXPECT(strstr(err, "hosts.aa:bb:cc:dd:ee:ff.boot_once") != NULL);
    core_hosts_free(&c);
    unlink(path);
    rmdir(dir);
    state_free();
}

int main(void)
{
    RUN(routes);
    RUN(validator);
    RUN(bodies);
    RUN(state_round_trip);
    return tap_done();
}
