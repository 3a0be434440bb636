/* SPDX-License-Identifier: MIT */
/*
 * The dhcp6 plugin's lease file: the stateful bindings survive a restart, so
 * a client renewing after it keeps its address.  Read at start; rewritten
 * (atomically, through the core) at most every lease_flush after a change,
 * and at stop.  Loop thread only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dhcp6_int.h"

#define LEASE_FILE_MAX (8u << 20) /* DHCP6_MAX_LEASES lines fit many times over */

static int read_all(const char *path, char **ret)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
    struct stat st;
    char *t = NULL;
    size_t o = 0;

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || st.st_size < 0 || (uint64_t)st.st_size > LEASE_FILE_MAX) {
        r = errno ? -errno : -EFBIG;
        goto out;
    }
    if (!(t = malloc((size_t)st.st_size + 1))) {
        r = -ENOMEM;
        goto out;
    }
    while (o < (size_t)st.st_size) {
        ssize_t n = read(fd, t + o, (size_t)st.st_size - o);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        o += (size_t)n;
    }
    t[o] = '\0';
    *ret = t;
    t = NULL;
out:
    free(t);
    close(fd);
    return r;
}

void dhcp6_leases_load(struct dhcp6_state *s)
{
    char *text = NULL;
    unsigned skipped = 0;
    int n, r;

    if (!s->stateful || !s->cfg->lease_file || !*s->cfg->lease_file)
        return;
    r = read_all(s->cfg->lease_file, &text);
    if (r == -ENOENT)
        return;
    if (r < 0) {
        s->core->log(s->self, PXE_LOG_WARNING, "lease_file %s: %s; starting with no bindings",
                     s->cfg->lease_file, strerror(-r));
        return;
    }
    n = dhcp6_leases_parse(&s->pool, text, (uint64_t)time(NULL), &skipped);
    free(text);
    s->core->log(s->self, skipped ? PXE_LOG_WARNING : PXE_LOG_INFO,
                 "lease_file %s: %d binding(s) restored%s", s->cfg->lease_file, n,
                 skipped ? ", some lines skipped (malformed, outside the range, or clashing)" : "");
    if (skipped) {
        s->core->metric_add(s->self, "lease_file_skipped_total",
                            "lease file lines skipped at start", skipped);
        dhcp6_leases_changed(s); /* rewritten without them */
    }
}

void dhcp6_leases_flush(struct dhcp6_state *s)
{
    char *text;
    int r;

    if (!s->leases_dirty)
        return;
    s->leases_dirty = 0;
    if ((r = dhcp6_leases_format(&s->pool, (uint64_t)time(NULL), &text)) == 0) {
        r = s->core->write_atomic(s->self, s->cfg->lease_file, text, strlen(text), 0644);
        free(text);
    }
    if (r < 0) {
        s->leases_dirty = 1; /* tried again on the next change or timer */
        s->core->metric_add(s->self, "lease_file_errors_total", "failed lease file writes", 1);
        pxe_log_limited(s->core, s->self, &s->warn_rl, PXE_LOG_WARNING, "writing lease_file %s: %s",
                        s->cfg->lease_file, strerror(-r));
        if (s->lease_timer)
            s->core->timer_set(s->lease_timer, 1000000);
    }
}

static void flush_cb(void *ud)
{
    dhcp6_leases_flush(ud);
}

void dhcp6_leases_changed(struct dhcp6_state *s)
{
    if (!s->stateful || !s->cfg->lease_file || !*s->cfg->lease_file)
        return;
    if (!s->lease_timer &&
        s->core->timer_add(s->self, s->cfg->lease_flush, flush_cb, s, &s->lease_timer) < 0) {
        s->leases_dirty = 1;
        dhcp6_leases_flush(s);
        return;
    }
    if (!s->leases_dirty)
        s->core->timer_set(s->lease_timer, s->cfg->lease_flush);
    s->leases_dirty = 1;
}
