/* SPDX-License-Identifier: MIT */
/*
 * Rate-limited log lines for messages about client traffic: a boot storm or a
 * flood of bad packets must not flood the log.  Header-only, built on the core
 * API's vlog and now_usec, so it adds nothing to the plugin ABI.  Loop thread
 * only (the state is not locked).  C99 clean.
 */
#ifndef PXECORE_RATELIMIT_H
#define PXECORE_RATELIMIT_H

#include <stdarg.h>
#include <stdint.h>

#include "plugin.h"

/* Zero-initialise; interval_usec 0 means one line a second. */
struct pxe_ratelimit {
    uint64_t interval_usec;
    uint64_t last_usec;  /* when the last line went out, 0: never */
    uint64_t suppressed; /* lines dropped since then */
};

/*
 * Logs fmt at level unless a line went out less than the interval ago; then
 * it only counts the line.  The next line that goes out is followed by one
 * saying how many were not logged.
 */
static inline void pxe_vlog_limited(const struct pxe_core_api *core, struct pxe_core *self,
                                    struct pxe_ratelimit *rl, int level, const char *fmt,
                                    va_list ap)
{
    uint64_t now = core->now_usec();
    uint64_t interval = rl->interval_usec ? rl->interval_usec : 1000000;

    if (rl->last_usec && now - rl->last_usec < interval) {
        rl->suppressed++;
        return;
    }
    core->vlog(self, level, fmt, ap);
    if (rl->suppressed)
        core->log(self, level, "(%llu similar messages not logged in the last %llu ms)",
                  (unsigned long long)rl->suppressed,
                  (unsigned long long)((now - rl->last_usec) / 1000));
    rl->last_usec = now;
    rl->suppressed = 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static inline void
pxe_log_limited(const struct pxe_core_api *core, struct pxe_core *self, struct pxe_ratelimit *rl,
                int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pxe_vlog_limited(core, self, rl, level, fmt, ap);
    va_end(ap);
}

#endif
