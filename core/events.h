/* SPDX-License-Identifier: MIT */
/*
 * Recent events (a bounded ring) and the client timelines derived from them.
 * Events carrying only an IP are attributed to the MAC that last got that IP
 * from DHCP.  All functions are thread-safe.
 */
#ifndef PXE_CORE_EVENTS_H
#define PXE_CORE_EVENTS_H

#include <stdarg.h>
#include <stdint.h>

#include <jansson.h>

#define EVENTS_MAX 4096

void events_init(void);
void events_done(void);
/* Records an event; returns its id (ids start at 1 and only grow). */
uint64_t events_add(const char *source, const char *kind, const char *mac, const char *ip,
                    uint32_t phase, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));
uint64_t events_addf(const char *source, const char *kind, const char *mac, const char *ip,
                     uint32_t phase, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The MAC that last got ip from DHCP (a TFTP client's identity), into out. 0 or -ENOENT. */
int events_mac_for_ip(const char *ip, char out[18]);
/* Events with id > since, oldest first, at most limit (new reference). */
json_t *events_since(uint64_t since, uint32_t limit);
/* One MAC's events and the highest phase reached (new reference), or NULL if none. */
json_t *events_timeline(const char *mac);
/* Clients that reached each phase (counts by phase), for metrics. */
void events_phase_counts(uint64_t counts[7]);
const char *events_phase_name(uint32_t phase);

#endif
