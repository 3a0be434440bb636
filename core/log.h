/* SPDX-License-Identifier: MIT */
/* Logging sink shared by the core and plugins: stderr or syslog, levels, sanitising. */
#ifndef PXE_CORE_LOG_H
#define PXE_CORE_LOG_H

#include <stdarg.h>
#include <stddef.h>

void log_setup(int use_syslog, int max_level);
int log_max_level(void);
/* prefix: plugin name or NULL for the core. Thread-safe. */
void log_vmsg(const char *prefix, int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
void log_msg(const char *prefix, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * log_msg, but a text already logged (one of the last 64 distinct ones) is
 * dropped: for conditions met on every request, such as a menu rendered again.
 * Thread-safe.
 */
void log_msg_once(const char *prefix, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Printable ASCII copy of in[0..len), others as \xNN; always NUL-terminated. Returns length. */
size_t log_sanitize(const char *in, size_t len, char *out, size_t out_size);

#define log_err(...) log_msg(NULL, 3, __VA_ARGS__)
#define log_warn(...) log_msg(NULL, 4, __VA_ARGS__)
#define log_notice(...) log_msg(NULL, 5, __VA_ARGS__)
#define log_info(...) log_msg(NULL, 6, __VA_ARGS__)
#define log_debug(...) log_msg(NULL, 7, __VA_ARGS__)

#endif
