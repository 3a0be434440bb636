/* SPDX-License-Identifier: MIT */
/*
 * Pure parsing of what the NFS server reports: rmtab mounts, export listings
 * (exportfs -v, showmount -e), ganesha ShowClients/ShowExports replies from
 * dbus-send.  See nfs_exports.h.
 */
#include "nfs_exports.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Next line of text[0..len) from *pos; returns its length, sets *line. -1 at end. */
static long next_line(const char *text, size_t len, size_t *pos, const char **line)
{
    size_t start = *pos, end;

    if (start >= len)
        return -1;
    end = start;
    while (end < len && text[end] != '\n')
        end++;
    *line = text + start;
    *pos = end < len ? end + 1 : end;
    return (long)(end - start);
}

static int path_covers(const char *export, const char *p, size_t plen)
{
    size_t n = strlen(export);

    if (plen < n || memcmp(export, p, n))
        return 0;
    return plen == n || p[n] == '/' || (n == 1 && export[0] == '/');
}

size_t nfs_rmtab_mounts(const char *text, size_t len, const char *const *paths, size_t npaths)
{
    size_t pos = 0, count = 0;
    const char *l;
    long n;

    while ((n = next_line(text, len, &pos, &l)) >= 0) {
        const char *path = memchr(l, '/', (size_t)n), *colon = NULL;
        char hex[16];
        size_t hl;

        if (!path || path == l || path[-1] != ':')
            continue;
        for (const char *c = l + n - 1; c > path; c--)
            if (*c == ':') {
                colon = c;
                break;
            }
        if (!colon)
            continue;
        hl = (size_t)(l + n - colon - 1);
        if (hl == 0 || hl >= sizeof(hex))
            continue;
        memcpy(hex, colon + 1, hl);
        hex[hl] = '\0';
        if (strtoul(hex, NULL, 16) == 0)
            continue;
        for (size_t i = 0; i < npaths; i++)
            if (path_covers(paths[i], path, (size_t)(colon - path))) {
                count++;
                break;
            }
    }
    return count;
}

int nfs_listing_has(const char *text, const char *path)
{
    size_t plen = strlen(path), len = strlen(text), pos = 0;
    const char *l;
    long n;

    while ((n = next_line(text, len, &pos, &l)) >= 0) {
        const char *s = l;
        size_t left = (size_t)n;

        while (left && (*s == ' ' || *s == '\t')) {
            s++;
            left--;
        }
        /* dbus-send prints strings as: string "/path" */
        if (left > 8 && !memcmp(s, "string \"", 8)) {
            s += 8;
            left -= 8;
            if (left >= plen + 1 && !memcmp(s, path, plen) && s[plen] == '"')
                return 1;
            continue;
        }
        /* nfs-ls -D prints nfs://HOST/PATH. */
        if (left > 6 && !memcmp(s, "nfs://", 6)) {
            const char *slash = memchr(s + 6, '/', left - 6);
            if (slash && (size_t)(s + left - slash) == plen && !memcmp(slash, path, plen))
                return 1;
            continue;
        }
        /* exportfs and showmount -e print "PATH<blanks>CLIENT", or PATH alone when it is long. */
        if (s == l && left >= plen && !memcmp(s, path, plen) &&
            (left == plen || s[plen] == ' ' || s[plen] == '\t'))
            return 1;
    }
    return 0;
}

static int parse_u64(const char *s, size_t n, const char *key, uint64_t *v)
{
    size_t k = strlen(key);

    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    if (n <= k || memcmp(s, key, k))
        return 0;
    *v = strtoull(s + k, NULL, 10);
    return 1;
}

static int line_is(const char *s, size_t n, const char *what)
{
    size_t k = strlen(what);

    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    return n >= k && !memcmp(s, what, k);
}

/*
 * Reply layout (ganesha 4.x), after dbus-send's "method return time=SEC.USEC"
 * line: struct { uint64 sec uint64 nsec } (when statistics started), then array [ struct { [uint16
 * id] string "NAME" struct { struct { string "NFSv3" boolean B } ... } struct { uint64 sec uint64
 * nsec } (last activity) } ... ].  ShowClients names clients, ShowExports export paths.
 */
int nfs_ganesha_active(const char *text, size_t len, const char *name, uint64_t idle_sec)
{
    size_t pos = 0, nlen = name ? strlen(name) : 0;
    const char *l;
    long n;
    uint64_t now = 0, v;
    int have_now = 0, in_entry = 0, v3 = 0, match = 0, count = 0, want_bool = 0, saw_array = 0;

    while ((n = next_line(text, len, &pos, &l)) >= 0) {
        size_t ln = (size_t)n;

        if (!have_now) {
            /* dbus-send's own header carries the reply time; the first struct of the
             * reply is when ganesha started counting, not now. */
            const char *t = ln > 20 && !memcmp(l, "method return time=", 19) ? l + 19 : NULL;
            if (t) {
                now = strtoull(t, NULL, 10);
                have_now = 1;
            }
            continue;
        }
        if (line_is(l, ln, "array ["))
            saw_array = 1;
        if (!saw_array)
            continue;
        if (line_is(l, ln, "string \"")) {
            const char *q = memchr(l, '"', ln);
            size_t rest = ln - (size_t)(q - l) - 1;

            if (!in_entry) {
                in_entry = 1;
                v3 = 0;
                want_bool = 0;
                match =
                    !name || (rest == nlen + 1 && !memcmp(q + 1, name, nlen) && q[1 + nlen] == '"');
            } else {
                want_bool = (rest >= 6 && !memcmp(q + 1, "NFSv3\"", 6)) ||
                            (rest >= 4 && !memcmp(q + 1, "MNT\"", 4));
            }
            continue;
        }
        if (in_entry && line_is(l, ln, "boolean ")) {
            if (want_bool && line_is(l, ln, "boolean true"))
                v3 = 1;
            want_bool = 0;
            continue;
        }
        if (in_entry && parse_u64(l, ln, "uint64 ", &v)) {
            if (match && v3 && v + idle_sec >= now)
                count++;
            in_entry = 0;
            next_line(text, len, &pos, &l); /* the nsec line */
        }
    }
    return have_now && saw_array ? count : -EINVAL;
}
