/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for http_proto.c.  The input is up to five lines: request
 * target, Range, If-Range, If-None-Match, If-Modified-Since.  Besides not
 * crashing, it checks invariants: a decoded path never holds a ".." segment,
 * a NUL or a leading '/'; a range always lies inside the representation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../http_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *path)
{
    const char *p = path;

    if (path[0] == '/')
        abort();
    while (*p) {
        size_t n = strcspn(p, "/\\");

        if ((n == 2 && p[0] == '.' && p[1] == '.') || n == 0)
            abort();
        p += n;
        if (*p)
            p++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t sizes[] = {0, 1, 4096, 5368709120ULL, UINT64_MAX};
    char buf[4096], path[HTTP_PATH_MAX], line[2048], url[256];
    const char *f[5] = {"", NULL, NULL, NULL, NULL}, *q;
    struct http_cond cond;
    struct http_range r;
    struct http_plan plan;
    size_t len;
    int n = 1;

    if (size >= sizeof(buf))
        size = sizeof(buf) - 1;
    memcpy(buf, data, size);
    buf[size] = '\0';
    f[0] = buf;
    for (char *p = buf; n < 5 && (p = strchr(p, '\n')); n++) {
        *p++ = '\0';
        f[n] = p;
    }
    if (http_target_decode(f[0], path, sizeof(path), &q) == 0) {
        check_path(path);
        if (strlen(path) >= sizeof(path))
            abort();
    }
    cond.range = f[1];
    cond.if_range = f[2];
    cond.if_none_match = f[3];
    cond.if_modified_since = f[4];
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        if (http_range_parse(f[1], sizes[i], &r) == HTTP_RANGE_OK &&
            (r.len == 0 || r.start >= sizes[i] || r.len > sizes[i] - r.start))
            abort();
        http_plan_request(&cond, sizes[i], 784111777, 1, "\"1-2\"", &plan);
        if (plan.status == 206 && (plan.len == 0 || plan.start + plan.len > sizes[i]))
            abort();
    }
    http_date_parse(f[4]);
    http_etag_match(f[3] ? f[3] : "", "\"1-2\"", n & 1);
    for (uint32_t form = HTTP_LOG_DARKHTTPD; form <= HTTP_LOG_COMBINED; form++) {
        struct http_log_entry e = {(int64_t)n << 20, f[1], f[2], f[0], f[3], 200, n, f[3], f[4]};

        len = http_log_format(line, sizeof(line), &e, form);
        if (len >= sizeof(line) || strlen(line) != len || strchr(line, '\n'))
            abort();
    }
    http_srv_url(url, sizeof(url), f[1], f[2], 8080, f[3]);
    http_content_type(f[0]);
    return 0;
}
