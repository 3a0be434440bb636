/* SPDX-License-Identifier: MIT */
/*
 * What the core publishes for the REST API (api/), and the only core header
 * api/ may include (tests/structure/check_structure.py).  The API is the
 * control plane: it reads and changes the core's model on the loop thread.
 * Each header below is listed with what api/ uses from it; anything else in
 * core/ is private to the core.  A new need of the API is added here, so the
 * contract between the two stays in one place.
 */
#ifndef PXE_CORE_FOR_API_H
#define PXE_CORE_FOR_API_H

#include "atomic.h"  /* atomic_write_file: the generated API token */
#include "buf.h"     /* struct pxe_buf: the metrics text */
#include "config.h"  /* config_schema: a plugin's settings in GET /plugins/{name} */
#include "core.h"    /* struct core, images, plugins, host profiles, method switches */
#include "entries.h" /* generic entries: /api/v1/entries */
#include "events.h"  /* the event ring and client timelines */
#include "kinds.h"   /* kinds_method_serves: GET /images */
#include "log.h"     /* the log sink */
#include "loop.h"    /* fd watch, timers and the clock the API runs on */
#include "menu.h"    /* menu_render, menu_collect: GET /menus, GET /methods */
#include "metrics.h" /* counters of the API and the Prometheus text */
#include "state.h"   /* host profile JSON, state_save, boot-once */

#endif
