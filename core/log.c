/* SPDX-License-Identifier: MIT */
/*
 * One log sink: "pxecore[pid]: <level>: [plugin] message" on stderr (journald
 * adds time and unit), or syslog.  Each line is written with one write(2) so
 * lines from worker threads never interleave.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static int log_use_syslog;
static int log_level = LOG_INFO;
/* The pid in every stderr line, read once (glibc's getpid is a system call); a forked
 * child (the NFS helper) forgets it in log_forget_pid and reads its own. */
static pid_t log_pid;

static void log_forget_pid(void)
{
    log_pid = 0;
}

static void register_atfork(void)
{
    (void)pthread_atfork(NULL, NULL, log_forget_pid);
}

static pid_t log_getpid(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pid_t p = __atomic_load_n(&log_pid, __ATOMIC_RELAXED);

    if (p)
        return p;
    pthread_once(&once, register_atfork);
    p = getpid();
    __atomic_store_n(&log_pid, p, __ATOMIC_RELAXED);
    return p;
}

static const char *const level_names[] = {"emerg",   "alert",  "crit", "error",
                                          "warning", "notice", "info", "debug"};

void log_setup(int use_syslog, int max_level)
{
    log_use_syslog = use_syslog;
    log_level = max_level;
    if (use_syslog)
        openlog("pxecore", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int log_max_level(void)
{
    return log_level;
}

void log_vmsg(const char *prefix, int level, const char *fmt, va_list ap)
{
    char line[2048];
    int n, m;

    if (level < 0)
        level = 0;
    if (level > LOG_DEBUG)
        level = LOG_DEBUG;
    if (level > log_level)
        return;
    if (log_use_syslog) {
        n = prefix ? snprintf(line, sizeof(line), "[%s] ", prefix) : 0;
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        syslog(level, "%s", line);
        return;
    }
    n = snprintf(line, sizeof(line), "pxecore[%d]: %s: ", (int)log_getpid(), level_names[level]);
    if (prefix)
        n += snprintf(line + n, sizeof(line) - (size_t)n, "[%s] ", prefix);
    m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    if (m < 0)
        m = 0;
    n += m;
    if ((size_t)n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* nowhere left to report it */
    }
}

void log_msg(const char *prefix, int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(prefix, level, fmt, ap);
    va_end(ap);
}

void log_msg_once(const char *prefix, int level, const char *fmt, ...)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static uint64_t seen[64];
    static size_t next;
    char text[2048];
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    int dup = 0;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    for (const char *q = text; *q; q++)
        h = (h ^ (unsigned char)*q) * 1099511628211ull;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]) && !dup; i++)
        dup = seen[i] == h;
    if (!dup)
        seen[next++ % (sizeof(seen) / sizeof(seen[0]))] = h;
    pthread_mutex_unlock(&lock);
    if (!dup)
        log_msg(prefix, level, "%s", text);
}

size_t log_sanitize(const char *in, size_t len, char *out, size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    if (out_size == 0)
        return 0;
    for (size_t i = 0; in && i < len; i++) {
        unsigned char c = (unsigned char)in[i];

        if (c >= 0x20 && c < 0x7f && c != '\\') {
            if (o + 1 >= out_size)
                break;
            out[o++] = (char)c;
        } else {
            if (o + 4 >= out_size)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return o;
}
