/* SPDX-License-Identifier: MIT */
/*
 * A minimal pxe_core_api for the NBD plugin's tests: a poll loop over io
 * sources, images given by the test, config filled from the plugin's
 * config_items defaults plus "key=value" overrides, metrics and events kept
 * in memory.  One plugin per process.
 */
#ifndef PXE_NBD_FAKE_CORE_H
#define PXE_NBD_FAKE_CORE_H

#include <stdint.h>

#include <pxecore/plugin.h>

extern const struct pxe_core_api fake_api;

/* Adds an image (strings copied); is_iso 1 exports source. */
void fake_add_image(const char *name, const char *source, uint32_t is_iso);
/* Allocates and fills the config struct of p: defaults, then "key=value" overrides. NULL on error.
 */
void *fake_config(const struct pxe_plugin *p, const char *const *overrides, int n);
/* Frees what fake_config allocated (strings, JSON values, the struct). */
void fake_config_free(const struct pxe_plugin *p, void *cfg);
/* Runs the loop: dispatches io sources for at most usec (0: until fake_quit). */
void fake_run(uint64_t usec);
void fake_quit(void);
/* Counter or gauge value of metric name (0 when never set). Thread-safe. */
int64_t fake_metric(const char *name);
/* Number of events of kind seen so far. Thread-safe. */
int fake_events(const char *kind);
/* Contents of the last buf_append target / menu entries (as "id|title\n" lines). */
struct pxe_buf *fake_buf_new(void);
const char *fake_buf_str(struct pxe_buf *b);
struct pxe_menu *fake_menu_new(void);
const char *fake_menu_str(struct pxe_menu *m);

#endif
