/* SPDX-License-Identifier: MIT */
/* Unit tests of the pure HTTP logic: targets, ranges, conditionals, dates, log, cmdline. */
#include <errno.h>
#include <stdint.h>

#include "../http_proto.h"
#include "tap.h"

static int decode(const char *target, char *path, const char **q)
{
    return http_target_decode(target, path, HTTP_PATH_MAX, q);
}

TEST(target_plain)
{
    char path[HTTP_PATH_MAX];
    const char *q;

    EXPECT_EQ_INT(decode("/arch/x86_64/airootfs.sfs", path, &q), 0);
    EXPECT_EQ_STR(path, "arch/x86_64/airootfs.sfs");
    EXPECT(q == NULL);
    EXPECT_EQ_INT(decode("/boot.ipxe?mac=52:54:00:12:34:56", path, &q), 0);
    EXPECT_EQ_STR(path, "boot.ipxe");
    EXPECT_EQ_STR(q, "mac=52:54:00:12:34:56");
    EXPECT_EQ_INT(decode("/a%20b/%41.txt", path, &q), 0);
    EXPECT_EQ_STR(path, "a b/A.txt");
    EXPECT_EQ_INT(decode("//a///./b/", path, &q), 0);
    EXPECT_EQ_STR(path, "a/b");
    EXPECT_EQ_INT(decode("/", path, &q), 0);
    EXPECT_EQ_STR(path, "");
    EXPECT_EQ_INT(decode("http://192.0.2.1:8080/x/y?z", path, &q), 0);
    EXPECT_EQ_STR(path, "x/y");
    EXPECT_EQ_STR(q, "z");
    EXPECT_EQ_INT(decode("/a#frag", path, &q), 0);
    EXPECT_EQ_STR(path, "a");
    EXPECT_EQ_INT(decode("/...a/..b", path, &q), 0);
    EXPECT_EQ_STR(path, "...a/..b");
}

TEST(target_refused)
{
    char path[HTTP_PATH_MAX];
    char small[8];
    const char *q;

    EXPECT_EQ_INT(decode("/../etc/passwd", path, &q), -EACCES);
    EXPECT_EQ_INT(decode("/a/..", path, &q), -EACCES);
    EXPECT_EQ_INT(decode("/%2e%2e/etc/passwd", path, &q), -EACCES);
    EXPECT_EQ_INT(decode("/%2E%2E%2fetc", path, &q), -EACCES);
    EXPECT_EQ_INT(decode("/a/.%2e/b", path, &q), -EACCES);
    EXPECT_EQ_INT(decode("/a%5c..%5cb", path, &q), -EACCES);
    EXPECT_EQ_INT(decode("/a\\..\\b", path, &q), -EACCES);
    EXPECT_EQ_INT(decode("/a%00b", path, &q), -EINVAL);
    EXPECT_EQ_INT(decode("/a%0", path, &q), -EINVAL);
    EXPECT_EQ_INT(decode("/a%zz", path, &q), -EINVAL);
    EXPECT_EQ_INT(decode("/a%", path, &q), -EINVAL);
    EXPECT_EQ_INT(decode("a/b", path, &q), -EINVAL);
    EXPECT_EQ_INT(decode("*", path, &q), -EINVAL);
    EXPECT_EQ_INT(decode("/a\x01", path, &q), -EINVAL);
    EXPECT_EQ_INT(http_target_decode("/abcdefgh", small, sizeof(small), &q), -ENAMETOOLONG);
    EXPECT_EQ_INT(http_target_decode("/abc/defg", small, sizeof(small), &q), -ENAMETOOLONG);
    EXPECT_EQ_INT(http_target_decode("/abc/def", small, sizeof(small), &q), 0);
    EXPECT_EQ_STR(small, "abc/def");
}

TEST(range_forms)
{
    struct http_range r;

    EXPECT_EQ_INT(http_range_parse("bytes=0-0", 100, &r), HTTP_RANGE_OK);
    EXPECT_EQ_INT(r.start, 0);
    EXPECT_EQ_INT(r.len, 1);
    EXPECT_EQ_INT(http_range_parse("bytes=10-19", 100, &r), HTTP_RANGE_OK);
    EXPECT_EQ_INT(r.start, 10);
    EXPECT_EQ_INT(r.len, 10);
    EXPECT_EQ_INT(http_range_parse("bytes=90-", 100, &r), HTTP_RANGE_OK);
    EXPECT_EQ_INT(r.start, 90);
    EXPECT_EQ_INT(r.len, 10);
    EXPECT_EQ_INT(http_range_parse("bytes=90-1000", 100, &r), HTTP_RANGE_OK);
    EXPECT_EQ_INT(r.len, 10);
    EXPECT_EQ_INT(http_range_parse("bytes=-30", 100, &r), HTTP_RANGE_OK);
    EXPECT_EQ_INT(r.start, 70);
    EXPECT_EQ_INT(r.len, 30);
    EXPECT_EQ_INT(http_range_parse("bytes=-300", 100, &r), HTTP_RANGE_OK);
    EXPECT_EQ_INT(r.start, 0);
    EXPECT_EQ_INT(r.len, 100);
    EXPECT_EQ_INT(http_range_parse(" Bytes = 5-5 ", 100, &r), HTTP_RANGE_OK);
    EXPECT_EQ_INT(r.start, 5);
    /* beyond 4 GiB */
    EXPECT_EQ_INT(http_range_parse("bytes=4294967296-4294967305", 5368709120ULL, &r),
                  HTTP_RANGE_OK);
    EXPECT_EQ_INT(r.start, 4294967296LL);
    EXPECT_EQ_INT(r.len, 10);
}

TEST(range_unsatisfiable_and_ignored)
{
    struct http_range r;

    EXPECT_EQ_INT(http_range_parse("bytes=100-", 100, &r), HTTP_RANGE_UNSATISFIABLE);
    EXPECT_EQ_INT(http_range_parse("bytes=200-300", 100, &r), HTTP_RANGE_UNSATISFIABLE);
    EXPECT_EQ_INT(http_range_parse("bytes=-0", 100, &r), HTTP_RANGE_UNSATISFIABLE);
    EXPECT_EQ_INT(http_range_parse("bytes=0-0", 0, &r), HTTP_RANGE_UNSATISFIABLE);
    EXPECT_EQ_INT(http_range_parse("bytes=-5", 0, &r), HTTP_RANGE_UNSATISFIABLE);
    EXPECT_EQ_INT(http_range_parse("bytes=5-4", 100, &r), HTTP_RANGE_NONE);
    EXPECT_EQ_INT(http_range_parse("bytes=0-1,5-6", 100, &r), HTTP_RANGE_NONE);
    EXPECT_EQ_INT(http_range_parse("items=0-1", 100, &r), HTTP_RANGE_NONE);
    EXPECT_EQ_INT(http_range_parse("bytes=a-b", 100, &r), HTTP_RANGE_NONE);
    EXPECT_EQ_INT(http_range_parse("bytes=1-2x", 100, &r), HTTP_RANGE_NONE);
    EXPECT_EQ_INT(http_range_parse("bytes=-", 100, &r), HTTP_RANGE_NONE);
    EXPECT_EQ_INT(http_range_parse("bytes=99999999999999999999-", 100, &r), HTTP_RANGE_NONE);
    EXPECT_EQ_INT(http_range_parse("bytes", 100, &r), HTTP_RANGE_NONE);
    EXPECT_EQ_INT(http_range_parse(NULL, 100, &r), HTTP_RANGE_NONE);
}

TEST(dates)
{
    char buf[40];

    EXPECT_EQ_INT(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    EXPECT_EQ_INT(http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
    EXPECT_EQ_INT(http_date_parse("Sun Nov  6 08:49:37 1994"), 784111777);
    EXPECT_EQ_INT(http_date_parse("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
    EXPECT_EQ_INT(http_date_parse("Sat, 29 Feb 2020 23:59:59 GMT"), 1583020799);
    EXPECT_EQ_INT(http_date_parse("Sun, 06 Nov 1994 08:49:37 UTC"), -1);
    EXPECT_EQ_INT(http_date_parse("Sun, 6 Nov 1994 08:49:37 GMT"), -1);
    EXPECT_EQ_INT(http_date_parse("yesterday"), -1);
    EXPECT_EQ_INT(http_date_parse(""), -1);
    EXPECT_EQ_INT(http_date_format(784111777, buf, sizeof(buf)), 0);
    EXPECT_EQ_STR(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ_INT(http_date_format(1583020799, buf, sizeof(buf)), 0);
    EXPECT_EQ_STR(buf, "Sat, 29 Feb 2020 23:59:59 GMT");
    EXPECT_EQ_INT(http_date_parse(buf), 1583020799);
}

TEST(etags)
{
    char tag[48];

    EXPECT_EQ_INT(http_etag_format(16, 0x5f5e100, tag, sizeof(tag)), 0);
    EXPECT_EQ_STR(tag, "\"5f5e100-10\"");
    EXPECT(http_etag_match("\"5f5e100-10\"", tag, 1));
    EXPECT(http_etag_match("\"x\", W/\"5f5e100-10\"", tag, 1));
    EXPECT(!http_etag_match("W/\"5f5e100-10\"", tag, 0));
    EXPECT(http_etag_match("*", tag, 1));
    EXPECT(!http_etag_match("\"5f5e100-11\"", tag, 1));
    EXPECT(!http_etag_match("\"5f5e100-10", tag, 1));
    EXPECT(!http_etag_match("garbage", tag, 1));
}

TEST(plan)
{
    const char *etag = "\"1-64\"";
    struct http_cond c = {0};
    struct http_plan p;

    http_plan_request(&c, 100, 1, 1, etag, &p);
    EXPECT_EQ_INT(p.status, 200);
    EXPECT_EQ_INT(p.len, 100);
    c.if_none_match = etag;
    http_plan_request(&c, 100, 1, 1, etag, &p);
    EXPECT_EQ_INT(p.status, 304);
    http_plan_request(&c, 100, 1, 0, etag, &p); /* generated: no validators */
    EXPECT_EQ_INT(p.status, 200);
    c.if_none_match = "\"other\"";
    c.if_modified_since = "Thu, 01 Jan 1970 00:00:05 GMT";
    http_plan_request(&c, 100, 1, 1, etag, &p); /* If-None-Match wins */
    EXPECT_EQ_INT(p.status, 200);
    c.if_none_match = NULL;
    http_plan_request(&c, 100, 1, 1, etag, &p);
    EXPECT_EQ_INT(p.status, 304);
    http_plan_request(&c, 100, 6, 1, etag, &p);
    EXPECT_EQ_INT(p.status, 200);
    c.if_modified_since = NULL;
    c.range = "bytes=0-0";
    http_plan_request(&c, 100, 1, 1, etag, &p);
    EXPECT_EQ_INT(p.status, 206);
    EXPECT_EQ_INT(p.len, 1);
    c.if_range = etag;
    http_plan_request(&c, 100, 1, 1, etag, &p);
    EXPECT_EQ_INT(p.status, 206);
    c.if_range = "\"stale\"";
    http_plan_request(&c, 100, 1, 1, etag, &p);
    EXPECT_EQ_INT(p.status, 200);
    EXPECT_EQ_INT(p.len, 100);
    c.if_range = "Thu, 01 Jan 1970 00:00:01 GMT";
    http_plan_request(&c, 100, 1, 1, etag, &p);
    EXPECT_EQ_INT(p.status, 206);
    http_plan_request(&c, 100, 2, 1, etag, &p);
    EXPECT_EQ_INT(p.status, 200);
    c.if_range = NULL;
    c.range = "bytes=100-";
    http_plan_request(&c, 100, 1, 1, etag, &p);
    EXPECT_EQ_INT(p.status, 416);
    http_plan_request(&c, 100, 1, 0, etag, &p);
    EXPECT_EQ_INT(p.status, 416);
}

TEST(content_types)
{
    EXPECT_EQ_STR(http_content_type("EFI/BOOT/BOOTx64.EFI"), "application/efi");
    EXPECT_EQ_STR(http_content_type("ipxe.efi"), "application/efi");
    EXPECT_EQ_STR(http_content_type("images/a/archlinux.iso"), "application/vnd.efi-iso");
    EXPECT_EQ_STR(http_content_type("arch/boot/x86_64/vmlinuz-linux"), "application/octet-stream");
    EXPECT_EQ_STR(http_content_type("arch/x86_64/airootfs.sfs"), "application/octet-stream");
    EXPECT_EQ_STR(http_content_type("arch/x86_64/airootfs.sha512"), "text/plain; charset=utf-8");
    EXPECT_EQ_STR(http_content_type("boot.ipxe"), "text/plain; charset=utf-8");
    EXPECT_EQ_STR(http_content_type("a.b/noext"), "application/octet-stream");
    EXPECT_EQ_STR(http_content_type("trailingdot."), "application/octet-stream");
}

TEST(log_line)
{
    char buf[512];

    struct http_log_entry e = {
        1348347587, "192.168.0.110", "GET", "/arch/x86_64/airootfs.sfs", "HTTP/1.1", 200, 107860206,
        NULL,       "curl/7.27.0"};
    struct http_log_entry odd = {1,   "::1", "GET", "/a\"b\n",   "HTTP/1.0",
                                 404, 0,     "r\\", "ua\x7f\xff"};
    struct http_log_entry cut = {1, "ip", "GET", "/x", NULL, 200, 1, "", ""};

    http_log_format(buf, sizeof(buf), &e, HTTP_LOG_DARKHTTPD);
    EXPECT_EQ_STR(buf, "1348347587 192.168.0.110 \"GET /arch/x86_64/airootfs.sfs\" 200 107860206 "
                       "\"\" \"curl/7.27.0\"");
    http_log_format(buf, sizeof(buf), &odd, HTTP_LOG_DARKHTTPD);
    EXPECT_EQ_STR(buf, "1 ::1 \"GET /a%22b%0A\" 404 0 \"r%5C\" \"ua%7F%FF\"");
    EXPECT_EQ_INT(http_log_format(buf, 10, &cut, HTTP_LOG_DARKHTTPD), 9);
    EXPECT_EQ_STR(buf, "1 ip \"GET");
}

/* Combined Log Format: a real date in UTC, "-" for 0 bytes and absent headers. */
TEST(log_line_combined)
{
    char buf[512];
    struct http_log_entry e = {
        1348347587, "192.168.0.110", "GET", "/arch/x86_64/airootfs.sfs", "HTTP/1.1", 200, 107860206,
        NULL,       "curl/7.27.0"};
    struct http_log_entry odd = {1796389536, "::1", "HEAD", "/a\"b\n",   "HTTP/1.0",
                                 404,        0,     "r\\",  "ua\x7f\xff"};
    struct http_log_entry leap = {951782400, "ip", "GET", "/", "HTTP/1.1", 304, 0, "", NULL};

    http_log_format(buf, sizeof(buf), &e, HTTP_LOG_COMBINED);
    EXPECT_EQ_STR(buf, "192.168.0.110 - - [22/Sep/2012:20:59:47 +0000] "
                       "\"GET /arch/x86_64/airootfs.sfs HTTP/1.1\" 200 107860206 \"-\" "
                       "\"curl/7.27.0\"");
    http_log_format(buf, sizeof(buf), &odd, HTTP_LOG_COMBINED);
    EXPECT_EQ_STR(buf, "::1 - - [04/Dec/2026:13:05:36 +0000] \"HEAD /a%22b%0A HTTP/1.0\" 404 - "
                       "\"r%5C\" \"ua%7F%FF\"");
    http_log_format(buf, sizeof(buf), &leap, HTTP_LOG_COMBINED);
    EXPECT_EQ_STR(buf, "ip - - [29/Feb/2000:00:00:00 +0000] \"GET / HTTP/1.1\" 304 - \"-\" \"-\"");
    EXPECT_EQ_INT(http_log_format(buf, 16, &e, HTTP_LOG_COMBINED), 15);
}

TEST(srv_url)
{
    char buf[128];

    EXPECT_EQ_INT(http_srv_url(buf, sizeof(buf), NULL, "192.0.2.1", 80, "images/archiso/"), 0);
    EXPECT_EQ_STR(buf, "http://192.0.2.1/images/archiso/");
    EXPECT_EQ_INT(http_srv_url(buf, sizeof(buf), NULL, "192.0.2.1", 8080, ""), 0);
    EXPECT_EQ_STR(buf, "http://192.0.2.1:8080/");
    EXPECT_EQ_INT(http_srv_url(buf, sizeof(buf), NULL, "2001:db8::1", 80, "images/a"), 0);
    EXPECT_EQ_STR(buf, "http://[2001:db8::1]/images/a/");
    EXPECT_EQ_INT(
        http_srv_url(buf, sizeof(buf), "http://mirror.example/arch", "192.0.2.1", 80, "images/a/"),
        0);
    EXPECT_EQ_STR(buf, "http://mirror.example/arch/");
    EXPECT_EQ_INT(http_srv_url(buf, sizeof(buf), "http://m/", NULL, 80, NULL), 0);
    EXPECT_EQ_STR(buf, "http://m/");
    EXPECT_EQ_INT(http_srv_url(buf, sizeof(buf), NULL, NULL, 80, ""), -EINVAL);
    EXPECT_EQ_INT(http_srv_url(buf, 10, NULL, "192.0.2.1", 80, "x"), -ENAMETOOLONG);
}

int main(void)
{
    RUN(target_plain);
    RUN(target_refused);
    RUN(range_forms);
    RUN(range_unsatisfiable_and_ignored);
    RUN(dates);
    RUN(etags);
    RUN(plan);
    RUN(content_types);
    RUN(log_line);
    RUN(log_line_combined);
    RUN(srv_url);
    return tap_done();
}
