/* SPDX-License-Identifier: MIT */
/* Pure HTTP logic of the http plugin (dates: http_date.c); see http_proto.h for the contracts. */
#include "http_proto.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Appends segment seg[0..n) to path unless it is empty or "."; ".." is -EACCES. */
static int push_segment(char *path, size_t path_size, size_t *pos, const char *seg, size_t n)
{
    if (n == 0 || (n == 1 && seg[0] == '.'))
        return 0;
    if (n == 2 && seg[0] == '.' && seg[1] == '.')
        return -EACCES;
    if (*pos + (*pos ? 1 : 0) + n + 1 > path_size)
        return -ENAMETOOLONG;
    if (*pos)
        path[(*pos)++] = '/';
    memcpy(path + *pos, seg, n);
    *pos += n;
    path[*pos] = '\0';
    return 0;
}

int http_target_decode(const char *target, char *path, size_t path_size, const char **ret_query)
{
    char seg[HTTP_PATH_MAX];
    size_t seg_len = 0, pos = 0;
    const char *p = target;
    int r;

    if (!target || !path || path_size == 0)
        return -EINVAL;
    path[0] = '\0';
    *ret_query = NULL;
    if (strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0) {
        p = strstr(p, "//") + 2;
        p += strcspn(p, "/?#");
        if (*p != '/' && *p != '\0' && *p != '?')
            return -EINVAL;
    } else if (*p != '/') {
        return -EINVAL;
    }
    for (; *p && *p != '?' && *p != '#'; p++) {
        int c = (unsigned char)*p;

        if (c == '%') {
            int hi = hexval((unsigned char)p[1]), lo = hi < 0 ? -1 : hexval((unsigned char)p[2]);

            if (hi < 0 || lo < 0)
                return -EINVAL;
            c = hi << 4 | lo;
            if (c == 0)
                return -EINVAL;
            p += 2;
        } else if (c < 0x20 || c == 0x7f) {
            return -EINVAL;
        }
        if (c == '/' || c == '\\') {
            r = push_segment(path, path_size, &pos, seg, seg_len);
            if (r < 0)
                return r;
            seg_len = 0;
            continue;
        }
        if (seg_len + 1 >= sizeof(seg))
            return -ENAMETOOLONG;
        seg[seg_len++] = (char)c;
    }
    r = push_segment(path, path_size, &pos, seg, seg_len);
    if (r < 0)
        return r;
    if (*p == '?')
        *ret_query = p + 1;
    return 0;
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Parses 1*DIGIT into *ret; NULL on no digit or overflow. */
static const char *parse_u64(const char *p, uint64_t *ret)
{
    uint64_t v = 0;

    if (*p < '0' || *p > '9')
        return NULL;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return NULL;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *ret = v;
    return p;
}

int http_range_parse(const char *value, uint64_t size, struct http_range *ret)
{
    const char *p;
    uint64_t first, last;

    if (!value)
        return HTTP_RANGE_NONE;
    p = skip_ows(value);
    if (strncasecmp(p, "bytes", 5) != 0)
        return HTTP_RANGE_NONE;
    p = skip_ows(p + 5);
    if (*p++ != '=')
        return HTTP_RANGE_NONE;
    p = skip_ows(p);
    if (strchr(p, ','))
        return HTTP_RANGE_NONE;
    if (*p == '-') {
        p = parse_u64(p + 1, &last);
        if (!p || *skip_ows(p) != '\0')
            return HTTP_RANGE_NONE;
        if (last == 0 || size == 0)
            return HTTP_RANGE_UNSATISFIABLE;
        ret->len = last < size ? last : size;
        ret->start = size - ret->len;
        return HTTP_RANGE_OK;
    }
    p = parse_u64(p, &first);
    if (!p || *p++ != '-')
        return HTTP_RANGE_NONE;
    last = UINT64_MAX;
    if (*p >= '0' && *p <= '9') {
        p = parse_u64(p, &last);
        if (!p || last < first)
            return HTTP_RANGE_NONE;
    }
    if (*skip_ows(p) != '\0')
        return HTTP_RANGE_NONE;
    if (first >= size)
        return HTTP_RANGE_UNSATISFIABLE;
    if (last > size - 1)
        last = size - 1;
    ret->start = first;
    ret->len = last - first + 1;
    return HTTP_RANGE_OK;
}

int http_etag_format(uint64_t size, int64_t mtime, char *buf, size_t size_buf)
{
    int n = snprintf(buf, size_buf, "\"%" PRIx64 "-%" PRIx64 "\"", mtime >= 0 ? (uint64_t)mtime : 0,
                     size);

    return n < 0 || (size_t)n >= size_buf ? -ENAMETOOLONG : 0;
}

int http_etag_match(const char *list, const char *etag, int weak)
{
    size_t elen = strlen(etag);
    const char *p = list;

    if (!list)
        return 0;
    for (;;) {
        int is_weak = 0;
        const char *end;

        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '\0')
            return 0;
        if (*p == '*')
            return weak; /* "*" matches any current representation (If-None-Match) */
        if (p[0] == 'W' && p[1] == '/') {
            is_weak = 1;
            p += 2;
        }
        if (*p != '"')
            return 0;
        end = strchr(p + 1, '"');
        if (!end)
            return 0;
        end++;
        if ((weak || !is_weak) && (size_t)(end - p) == elen && memcmp(p, etag, elen) == 0)
            return 1;
        p = end;
    }
}

void http_plan_request(const struct http_cond *cond, uint64_t size, int64_t mtime,
                       int has_validators, const char *etag, struct http_plan *ret)
{
    struct http_range range;

    ret->status = 200;
    ret->start = 0;
    ret->len = size;
    if (has_validators) {
        /* RFC 9110 13.2.2: If-None-Match, else If-Modified-Since; then If-Range. */
        if (cond->if_none_match) {
            if (http_etag_match(cond->if_none_match, etag, 1)) {
                ret->status = 304;
                ret->len = 0;
                return;
            }
        } else if (cond->if_modified_since) {
            int64_t t = http_date_parse(cond->if_modified_since);

            if (t >= 0 && mtime <= t) {
                ret->status = 304;
                ret->len = 0;
                return;
            }
        }
    }
    if (!cond->range)
        return;
    if (cond->if_range) {
        const char *v = skip_ows(cond->if_range);

        if (!has_validators)
            return;
        if (*v == '"' || (v[0] == 'W' && v[1] == '/')) {
            if (!http_etag_match(v, etag, 0))
                return;
        } else if (http_date_parse(v) != mtime) {
            return;
        }
    }
    switch (http_range_parse(cond->range, size, &range)) {
    case HTTP_RANGE_OK:
        ret->status = 206;
        ret->start = range.start;
        ret->len = range.len;
        break;
    case HTTP_RANGE_UNSATISFIABLE:
        ret->status = 416;
        ret->len = 0;
        break;
    default:
        break;
    }
}

static const struct {
    const char *ext;
    const char *type;
} content_types[] = {
    {"efi", "application/efi"},
    {"iso", "application/vnd.efi-iso"},
    {"ipxe", "text/plain; charset=utf-8"},
    {"cfg", "text/plain; charset=utf-8"},
    {"conf", "text/plain; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"sha512", "text/plain; charset=utf-8"},
    {"sha256", "text/plain; charset=utf-8"},
    {"sig", "application/pgp-signature"},
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css"},
    {"js", "text/javascript"},
    {"json", "application/json"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"svg", "image/svg+xml"},
    {"gz", "application/gzip"},
    {"zst", "application/zstd"},
    {"xz", "application/x-xz"},
};

const char *http_content_type(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');

    if (dot && dot[1])
        for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++)
            if (strcasecmp(dot + 1, content_types[i].ext) == 0)
                return content_types[i].type;
    return "application/octet-stream";
}

struct out {
    char *buf;
    size_t size, pos;
};

static void out_char(struct out *o, char c)
{
    if (o->pos + 1 < o->size)
        o->buf[o->pos++] = c;
}

static void out_str(struct out *o, const char *s)
{
    while (*s)
        out_char(o, *s++);
}

/* darkhttpd's logencode, plus '\\', cut at max input bytes. */
static void out_encoded(struct out *o, const char *s, size_t max)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; s && s[i] && i < max; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            out_char(o, '%');
            out_char(o, hex[c >> 4]);
            out_char(o, hex[c & 15]);
        } else {
            out_char(o, (char)c);
        }
    }
}

/* "[22/Sep/2012:20:59:47 +0000]": t in UTC, month names fixed (no locale). */
static void out_clf_date(struct out *o, int64_t t)
{
    static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    char s[96];

    if (!gmtime_r(&tt, &tm))
        memset(&tm, 0, sizeof(tm));
    snprintf(s, sizeof(s), "[%02d/%s/%04d:%02d:%02d:%02d +0000]", tm.tm_mday, mon[tm.tm_mon % 12],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    out_str(o, s);
}

/* A header value between quotes: "-" when absent or empty, as CLF has it. */
static void out_quoted_or_dash(struct out *o, const char *s, size_t max)
{
    out_char(o, '"');
    if (s && *s)
        out_encoded(o, s, max);
    else
        out_char(o, '-');
    out_char(o, '"');
}

size_t http_log_format(char *buf, size_t size, const struct http_log_entry *e, uint32_t form)
{
    struct out o = {buf, size, 0};
    char num[64];

    if (size == 0)
        return 0;
    if (form == HTTP_LOG_COMBINED) {
        out_encoded(&o, e->ip, 64);
        out_str(&o, " - - ");
        out_clf_date(&o, e->t);
    } else {
        snprintf(num, sizeof(num), "%" PRId64 " ", e->t);
        out_str(&o, num);
        out_encoded(&o, e->ip, 64);
    }
    out_str(&o, " \"");
    out_encoded(&o, e->method, 32);
    out_char(&o, ' ');
    out_encoded(&o, e->uri, 1024);
    if (form == HTTP_LOG_COMBINED) {
        out_char(&o, ' ');
        out_encoded(&o, e->version, 16);
        snprintf(num, sizeof(num), "\" %u ", e->status);
        out_str(&o, num);
        snprintf(num, sizeof(num), "%" PRIu64 " ", e->bytes);
        out_str(&o, e->bytes ? num : "- ");
        out_quoted_or_dash(&o, e->referer, 256);
        out_char(&o, ' ');
        out_quoted_or_dash(&o, e->user_agent, 256);
    } else {
        snprintf(num, sizeof(num), "\" %u %" PRIu64 " \"", e->status, e->bytes);
        out_str(&o, num);
        out_encoded(&o, e->referer, 256);
        out_str(&o, "\" \"");
        out_encoded(&o, e->user_agent, 256);
        out_char(&o, '"');
    }
    buf[o.pos] = '\0';
    return o.pos;
}

int http_srv_url(char *buf, size_t size, const char *base_url, const char *server_ip, unsigned port,
                 const char *prefix)
{
    char portbuf[16] = "";
    int n;

    if (base_url && *base_url) {
        size_t len = strlen(base_url);

        n = snprintf(buf, size, "%s%s", base_url, base_url[len - 1] == '/' ? "" : "/");
    } else {
        const char *v6 = server_ip && strchr(server_ip, ':') ? "[" : "";

        if (!server_ip || !*server_ip)
            return -EINVAL;
        if (!prefix)
            prefix = "";
        if (port != 80)
            snprintf(portbuf, sizeof(portbuf), ":%u", port);
        n = snprintf(buf, size, "http://%s%s%s%s/%s%s", v6, server_ip, *v6 ? "]" : "", portbuf,
                     prefix, *prefix && prefix[strlen(prefix) - 1] != '/' ? "/" : "");
    }
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
