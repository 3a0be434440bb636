/* SPDX-License-Identifier: MIT */
/* Counters and gauges reported by plugins, rendered in Prometheus text format. Thread-safe. */
#ifndef PXE_CORE_METRICS_H
#define PXE_CORE_METRICS_H

#include <stdint.h>

#include "buf.h"

#define METRICS_MAX 512

void metrics_add(const char *plugin, const char *name, const char *help, uint64_t delta);
void metrics_set(const char *plugin, const char *name, const char *help, int64_t value);
/* Appends every metric as pxecore_<plugin>_<name> (counters end in _total). */
int metrics_render(struct pxe_buf *out);
void metrics_reset(void);

#endif
