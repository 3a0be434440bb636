/* SPDX-License-Identifier: MIT */
/*
 * Persistent state: boot-method switches and host profiles, kept in
 * <state_dir>/state.json.  Saved atomically (temp file, fsync, rename, fsync
 * of the directory), so after a crash the file holds either the previous or
 * the new state, never a mix.  Loaded once before the plugins start, so a
 * method disabled through the API stays disabled across restarts.  Entries
 * naming methods that are not loaded now are kept and written back.
 * Loop thread only.
 */
#ifndef PXE_CORE_STATE_H
#define PXE_CORE_STATE_H

#include <stddef.h>

#include <jansson.h>
#include <pxecore/plugin.h>

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
/*
 * A machine with a boot_once profile was sent its kernel: sets local_boot and
 * saves.  1 when the profile changed, 0 when there was nothing to do, -errno.
 */
int state_boot_once_used(struct core *c, const char *mac);
/* The path of the state file (valid until state_free). */
const char *state_path(void);
void state_free(void);

#endif
