/* SPDX-License-Identifier: MIT */
/*
 * Pure HTTP logic of the http plugin: request-target decoding, Range and
 * conditional requests (RFC 9110 sections 13 and 14), dates and entity tags,
 * content types, the darkhttpd-style access log line and the archiso kernel
 * parameters of the HTTP boot method.  No I/O, no allocation, no logging:
 * everything works on caller buffers so it can be unit-tested and fuzzed.
 */
#ifndef PXE_HTTP_PROTO_H
#define PXE_HTTP_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "http_date.h"

/* Longest decoded path the plugin accepts (the core caps paths too). */
#define HTTP_PATH_MAX 1024

/*
 * Decodes a request-target ("/a%20b/c?x=1", or absolute-form
 * "http://host/a?x") into path: %-decoded, no leading '/', "." segments and
 * repeated '/' dropped.  *ret_query points into target after '?', or is NULL.
 * Returns 0; -EINVAL for a malformed target, a bad %-escape or an encoded NUL;
 * -EACCES for a ".." segment (encoded or not, '/' or '\\' separated);
 * -ENAMETOOLONG when path_size is too small.
 */
int http_target_decode(const char *target, char *path, size_t path_size, const char **ret_query);

/* A byte range of a representation: bytes [start, start + len). */
struct http_range {
    uint64_t start;
    uint64_t len;
};

#define HTTP_RANGE_NONE          0 /* no usable Range: serve the whole file */
#define HTTP_RANGE_OK            1 /* one satisfiable range in *ret */
#define HTTP_RANGE_UNSATISFIABLE 2 /* answer 416 with Content-Range: bytes *\/size */

/*
 * Parses a Range header value against a representation of size bytes.
 * Only a single byte range is honoured ("bytes=a-b", "bytes=a-", "bytes=-n");
 * multiple ranges, other units and malformed values give HTTP_RANGE_NONE,
 * which RFC 9110 section 14.2 permits (a server may ignore Range).
 */
int http_range_parse(const char *value, uint64_t size, struct http_range *ret);

/* The entity tag of a file on disk: "\"<mtime hex>-<size hex>\"" (nginx's form). */
int http_etag_format(uint64_t size, int64_t mtime, char *buf, size_t size_buf);
/*
 * Whether etag (a strong tag as made by http_etag_format) matches list, an
 * If-None-Match / If-Range value: "*" or comma-separated tags.  weak=1 compares
 * ignoring W/ (If-None-Match); weak=0 refuses W/ tags (If-Range).
 */
int http_etag_match(const char *list, const char *etag, int weak);

/* Request headers that decide the answer; NULL when absent. */
struct http_cond {
    const char *range;
    const char *if_range;
    const char *if_none_match;
    const char *if_modified_since;
};

/* What to send: status 200, 206, 304 or 416, and the byte range for 200/206. */
struct http_plan {
    unsigned status;
    uint64_t start;
    uint64_t len;
};

/*
 * Decides the answer to a GET or HEAD of a representation of size bytes.
 * has_validators=0 (generated content) ignores the conditional headers and
 * an If-Range makes Range ignored.  etag is the file's tag, mtime its time.
 */
void http_plan_request(const struct http_cond *cond, uint64_t size, int64_t mtime,
                       int has_validators, const char *etag, struct http_plan *ret);

/* The Content-Type for a path, by extension; never NULL. */
const char *http_content_type(const char *path);

/* One access log entry; every string may be NULL. */
struct http_log_entry {
    int64_t t; /* seconds since the epoch */
    const char *ip, *method, *uri, *version;
    unsigned status;
    uint64_t bytes;
    const char *referer, *user_agent;
};

/* Access log forms (plugins.http.access_log_format). */
#define HTTP_LOG_DARKHTTPD 0 /* darkhttpd 1.13's line, epoch seconds: the default */
#define HTTP_LOG_COMBINED  1 /* NCSA Combined Log Format (CLF + Referer, User-Agent) */

/*
 * Formats an access log line:
 *   HTTP_LOG_DARKHTTPD
 *     1348347587 192.168.0.110 "GET /arch/x86_64/airootfs.sfs" 200 107860206 "" "curl/7.27.0"
 *   HTTP_LOG_COMBINED (date in UTC; "-" for 0 bytes and for an absent header)
 *     192.168.0.110 - - [22/Sep/2012:20:59:47 +0000] "GET /arch/x86_64/airootfs.sfs HTTP/1.1"
 *     200 107860206 "-" "curl/7.27.0"
 * Client strings are encoded as darkhttpd's logencode does (control bytes,
 * bytes >= 0x7f, '"' and '\\' as %XX) and cut to a sane length.  NULL strings
 * print as empty.  Returns the length written (buf always NUL-terminated).
 */
size_t http_log_format(char *buf, size_t size, const struct http_log_entry *e, uint32_t form);

/*
 * The archiso_http_srv value: base_url with a '/' appended when missing, or
 * "http://<server_ip>[:port]/<prefix>" (IPv6 literals bracketed, ":80"
 * omitted, prefix "" or ending in '/').  Returns 0, -EINVAL (no server_ip and
 * no base_url) or -ENAMETOOLONG.
 */
int http_srv_url(char *buf, size_t size, const char *base_url, const char *server_ip, unsigned port,
                 const char *prefix);

#endif
