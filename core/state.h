/* SPDX-License-Identifier: MIT */
/*
 * Persistent state: boot-method switches and host profiles, kept in
 * <state_dir>/state.json.  Saved atomically (temp file, fsync, rename, fsync
 * of the directory), so after a crash the file holds either the previous or
 * the new state, never a mix.  Loaded once before the plugins start, so a
 * method disabled through the API stays disabled across restarts.  Entries
 * naming methods that are not loaded now are kept and written back.  With a
 * state backend (state_sync.c) the file is the backend's local cache.
 * Loop thread only.
 */
#ifndef PXE_CORE_STATE_H
#define PXE_CORE_STATE_H

#include <stddef.h>

#include <jansson.h>
#include <pxecore/plugin.h>
#include <pxecore/state_backend.h>

#include "core.h"

#define STATE_FILE        "state.json"
#define STATE_VERSION     1
#define STATE_MAX_HOSTS   4096
#define STATE_CMDLINE_MAX 1024

/* A host profile parsed from JSON; strings borrow from the JSON value. */
struct state_host {
    const char *image;
    const char *method;
    const char *cmdline_extra;
    int boot_once;
    int local_boot;
};

/*
 * Validates a host profile object: keys image, method (string or null),
 * cmdline_extra (string or null, printable, no '"', at most STATE_CMDLINE_MAX
 * bytes), boot_once, local_boot (booleans); any other key is refused.  On
 * error returns -EINVAL and names the field in field (64 bytes) and the
 * reason in why (128 bytes).  Pure: no I/O.
 */
int state_host_parse(json_t *obj, struct state_host *out, char *field, char *why);
/* A host profile as JSON (new reference), the shape state_host_parse reads plus "mac". */
json_t *state_host_json(const struct pxe_host *h);

/* Reads the state file (absent is fine) and applies it. -errno with err (errlen bytes). */
int state_load(struct core *c, char *err, size_t errlen);
/* Writes the current state durably. 0 or -errno. */
int state_save(struct core *c);
/* Applies one stored profile (state.json's shape) to the model; -EINVAL names field and why. */
int state_host_apply(struct core *c, const char *mac, json_t *v, char *field, char *why);
/* Applies {"enabled": bool} to a method (kept aside when it is not loaded). 0, -EINVAL, -errno. */
int state_method_apply(struct core *c, const char *name, json_t *v);

/*
 * state_sync.c: where changes go.  Without a backend: state.json.  With one
 * (<pxecore/state_backend.h>): the backend first, then state.json as its cache.
 */
int state_backend_set(const struct pxe_state_backend *b, void *ud);
void state_sync_free(void);
/*
 * The model changed host mac (set or deleted) / method name: stores it.  0,
 * -EAGAIN when the shared store cannot take writes now, -errno.
 */
int state_commit_host(struct core *c, const char *mac);
int state_commit_method(struct core *c, const char *name);
/*
 * A machine with a boot_once profile was sent its kernel: sets local_boot and
 * stores it.  1 when the profile changed, 0 when there was nothing to do, -errno.
 */
int state_boot_once_used(struct core *c, const char *mac);
/*
 * Before a client's own menu is rendered: with a backend, claims an unused
 * boot-once for this instance.  1 when this instance may network-boot mac, 0
 * when not (another instance claimed it, or the store is unreachable).
 */
int state_boot_once_claim(struct core *c, const char *mac);
/* 1 when h's menus must offer only the local boot: its boot-once is not this instance's. */
int state_netboot_denied(struct core *c, const struct pxe_host *h);
/* What the backend reports (struct pxe_core_api.state_replace/state_apply/state_available). */
int state_replace(struct core *c, json_t *doc);
int state_apply(struct core *c, uint32_t kind, const char *key, json_t *value);
void state_set_available(struct core *c, int yes, const char *reason);
/* {"backend", "writable", "reason", "skipped", ...the backend's status} (new reference). */
json_t *state_status_json(struct core *c);
/* The path of the state file (valid until state_free). */
const char *state_path(void);
void state_free(void);

#endif
