/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "for_api.h"
#include "route.h"

/* Kept in docs/api.md order; the docs test compares both. */
const struct route route_table[R_COUNT] = {
    {R_INDEX, "/api/v1", RM_GET, RB_NONE},
    {R_STATUS, "/api/v1/status", RM_GET, RB_NONE},
    {R_PLUGINS, "/api/v1/plugins", RM_GET, RB_NONE},
    {R_PLUGIN, "/api/v1/plugins/{}", RM_GET, RB_NONE},
    {R_PLUGIN_CALL, "/api/v1/plugins/{}/*", RM_GET | RM_PUT | RM_POST | RM_DELETE, RB_OPTIONAL},
    {R_METHODS, "/api/v1/methods", RM_GET, RB_NONE},
    {R_METHOD, "/api/v1/methods/{}", RM_GET | RM_PUT | RM_PATCH, RB_OBJECT},
    {R_HOSTS, "/api/v1/hosts", RM_GET, RB_NONE},
    {R_HOST, "/api/v1/hosts/{}", RM_GET | RM_PUT | RM_DELETE, RB_OBJECT},
    {R_IMAGES, "/api/v1/images", RM_GET, RB_NONE},
    {R_IMAGE, "/api/v1/images/{}", RM_GET, RB_NONE},
    {R_ENTRIES, "/api/v1/entries", RM_GET, RB_NONE},
    {R_ENTRY, "/api/v1/entries/{}", RM_GET | RM_PUT | RM_DELETE, RB_OBJECT},
    {R_LEASES, "/api/v1/leases", RM_GET, RB_NONE},
    {R_EVENTS, "/api/v1/events", RM_GET, RB_NONE},
    {R_TIMELINE, "/api/v1/clients/{}/timeline", RM_GET, RB_NONE},
    {R_MENU, "/api/v1/menus/{}", RM_GET, RB_NONE},
    {R_METRICS, "/api/v1/metrics", RM_GET, RB_NONE},
    {R_METRICS_ROOT, "/metrics", RM_GET, RB_NONE},
    {R_OPENAPI, "/api/v1/openapi.json", RM_GET, RB_NONE},
    {R_UI, "/ui", RM_GET, RB_NONE},
    {R_UI_FILE, "/ui/*", RM_GET, RB_NONE},
};

int api_error_set(struct api_error *err, int status, const char *code, const char *fmt, ...)
{
    va_list ap;

    err->status = status;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return status;
}

void route_allow(unsigned mask, char *allow, size_t n)
{
    static const char *const names[] = {"GET, HEAD", "PUT", "POST", "DELETE", "PATCH"};
    size_t o = 0;

    allow[0] = '\0';
    for (unsigned i = 0; i < 5 && o < n; i++)
        if (mask & (1u << i))
            o += (size_t)snprintf(allow + o, n - o, "%s%s", o ? ", " : "", names[i]);
}

static unsigned method_bit(const char *m)
{
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD"))
        return RM_GET;
    if (!strcmp(m, "PUT"))
        return RM_PUT;
    if (!strcmp(m, "POST"))
        return RM_POST;
    if (!strcmp(m, "DELETE"))
        return RM_DELETE;
    if (!strcmp(m, "PATCH"))
        return RM_PATCH;
    return 0;
}

/* A path segment: printable, no '/', bounded. */
static int copy_segment(const char *s, size_t n, char *out, size_t cap)
{
    if (n == 0 || n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

/* Matches path against pattern; fills params. 1 on match. */
static int match(const char *pattern, const char *path, struct route_match *m)
{
    const char *p = pattern, *s = path;
    int np = 0;

    while (*p) {
        if (p[0] == '{' && p[1] == '}') {
            const char *end = strchr(s, '/');
            size_t n = end ? (size_t)(end - s) : strlen(s);

            if (np >= 2 || copy_segment(s, n, m->param[np], ROUTE_PARAM_MAX) < 0)
                return 0;
            np++;
            s += n;
            p += 2;
        } else if (p[0] == '*') {
            size_t n = strlen(s);

            if (n == 0 || n >= ROUTE_SUBPATH_MAX)
                return 0;
            for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
                    return 0;
            memcpy(m->subpath, s, n + 1);
            return 1;
        } else {
            if (*p != *s)
                return 0;
            p++;
            s++;
        }
    }
    return *s == '\0';
}

int route_find(const char *method, const char *path, struct route_match *m)
{
    unsigned bit = method_bit(method), allowed = 0;

    memset(m, 0, sizeof(*m));
    if (strlen(path) >= ROUTE_PATH_MAX)
        return -EMSGSIZE;
    for (size_t i = 0; i < R_COUNT; i++) {
        struct route_match tmp;

        memset(&tmp, 0, sizeof(tmp));
        if (!match(route_table[i].pattern, path, &tmp))
            continue;
        if (bit & route_table[i].methods) {
            *m = tmp;
            m->route = &route_table[i];
            m->method = bit;
            return 0;
        }
        allowed |= route_table[i].methods;
    }
    if (!allowed)
        return -ENOENT;
    route_allow(allowed, m->allow, sizeof(m->allow));
    return -EOPNOTSUPP;
}

/* "application/json" with optional parameters, case-insensitive. */
static int is_json_type(const char *ct)
{
    size_t n = strlen("application/json");

    if (!ct || strncasecmp(ct, "application/json", n) != 0)
        return 0;
    ct += n;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

static int valid_token(const char *s, int dot)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
              (dot && (*s == '.' || *s == '_'))))
            return 0;
    return 1;
}

/* Path parameters: names are tokens (404 otherwise), MACs are normalised (400 otherwise). */
static int check_params(struct route_match *m, struct api_error *err)
{
    char norm[18];

    switch (m->route->id) {
    case R_HOST:
    case R_TIMELINE:
        if (core_mac_normalize(m->param[0], norm) < 0)
            return api_error_set(err, 400, "invalid_field",
                                 "mac: not a MAC address (aa:bb:cc:dd:ee:ff, aa-bb-..., "
                                 "aabb.ccdd.eeff or aabbccddeeff)");
        snprintf(m->param[0], sizeof(m->param[0]), "%s", norm);
        return 0;
    case R_PLUGIN:
    case R_PLUGIN_CALL:
    case R_METHOD:
    case R_MENU:
        if (!valid_token(m->param[0], 0))
            return api_error_set(err, 404, "not_found", "no such %s",
                                 m->route->id == R_MENU ? "menu format" : "plugin");
        return 0;
    case R_IMAGE:
    case R_ENTRY:
        if (!valid_token(m->param[0], 1))
            return api_error_set(err, 404, "not_found", "no such %s",
                                 m->route->id == R_IMAGE ? "image" : "entry");
        return 0;
    default:
        return 0;
    }
}

int request_validate(const struct raw_request *in, struct valid_request *out, struct api_error *err)
{
    unsigned want;
    json_error_t je;
    int r;

    memset(out, 0, sizeof(*out));
    r = route_find(in->method, in->path, &out->m);
    if (r == -EOPNOTSUPP)
        return api_error_set(err, 405, "method_not_allowed", "%s is not allowed here (allowed: %s)",
                             method_bit(in->method) ? in->method : "this method", out->m.allow);
    if (r < 0)
        return api_error_set(err, 404, "not_found", "no such route");
    r = check_params(&out->m, err);
    if (r)
        return r;
    want = out->m.route->body;
    if (!(out->m.method & (RM_PUT | RM_POST | RM_PATCH)) || want == RB_NONE)
        return 0;
    if (in->body_len > in->body_cap)
        return api_error_set(err, 413, "body_too_large", "request body larger than %zu bytes",
                             in->body_cap);
    if (in->body_len == 0 && want == RB_OPTIONAL)
        return 0;
    if (!is_json_type(in->content_type))
        return api_error_set(err, 415, "unsupported_media_type",
                             "Content-Type must be application/json");
    if (in->body_len == 0 || !in->body)
        return api_error_set(err, 400, "bad_json", "a JSON body is required");
    out->body = json_loadb(in->body, in->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!out->body)
        return api_error_set(err, 400, "bad_json", "invalid JSON at line %d column %d: %s", je.line,
                             je.column, je.text);
    if (want == RB_OBJECT && !json_is_object(out->body)) {
        json_decref(out->body);
        out->body = NULL;
        return api_error_set(err, 400, "bad_json", "the body must be a JSON object");
    }
    return 0;
}

int validate_method_put(json_t *body, int *ret_enabled, struct api_error *err)
{
    const char *key;
    json_t *v, *en = json_object_get(body, "enabled");

    json_object_foreach(body, key, v) if (strcmp(key, "enabled") != 0) return api_error_set(
        err, 400, "invalid_field", "%.64s: unknown field (enabled)", key);
    if (!en)
        return api_error_set(err, 400, "invalid_field", "enabled: missing");
    if (!json_is_boolean(en))
        return api_error_set(err, 400, "invalid_field", "enabled: must be true or false");
    *ret_enabled = json_is_true(en);
    return 0;
}

int validate_host_put(json_t *body, const char *mac, struct state_host *out, struct api_error *err)
{
    json_t *m = json_object_get(body, "mac");
    char field[64], why[128], norm[18];

    if (state_host_parse(body, out, field, why) < 0)
        return api_error_set(err, 400, "invalid_field", "%s: %s", field, why);
    if (m && (!json_is_string(m) || core_mac_normalize(json_string_value(m), norm) < 0 ||
              strcmp(norm, mac) != 0))
        return api_error_set(err, 400, "invalid_field", "mac: differs from the MAC in the path");
    return 0;
}
