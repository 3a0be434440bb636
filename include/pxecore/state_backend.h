/* SPDX-License-Identifier: MIT */
/*
 * State backends (plugin ABI 2, struct pxe_core_api growth; docs/plugin-api.md,
 * "State backends").  The core keeps host profiles, boot-once claims and the
 * method switches in <state_dir>/state.json; that file alone is the default
 * store.  A plugin may register one backend that shares this state with other
 * pxecore instances (the etcd plugin): the core then writes every change
 * through the backend first and keeps state.json as the local cache it serves
 * from when the backend is unreachable.
 *
 * The backend tells the core what the shared store holds with state_replace
 * (everything, after a (re)connection) and state_apply (one key, from a
 * watch); both run on the loop thread.  Values are JSON objects:
 *   PXE_STATE_HOST   key a MAC "aa:bb:cc:dd:ee:ff", value the profile as in
 *                    state.json (image, method, cmdline_extra, boot_once,
 *                    local_boot), NULL: deleted;
 *   PXE_STATE_METHOD key a method name, value {"enabled": bool};
 *   PXE_STATE_CLAIM  key a MAC, value {"mine": bool}: an instance claimed the
 *                    host's boot-once (this one when mine), NULL: no claim.
 * The document given to state_replace is {"hosts": {mac: profile},
 * "methods": {name: {"enabled": bool}}, "claims": {mac: {"mine": bool}}}.
 */
#ifndef PXECORE_STATE_BACKEND_H
#define PXECORE_STATE_BACKEND_H

#include <pxecore/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped only on incompatible changes; fields are only ever appended. */
#define PXE_STATE_BACKEND_VERSION 1

#define PXE_STATE_HOST   1
#define PXE_STATE_METHOD 2
#define PXE_STATE_CLAIM  3

/*
 * The backend's functions.  All run on the loop thread and may block for at
 * most the backend's own request timeout (keep it short: the loop waits).
 * They return -EAGAIN when the shared store cannot take the change now (the
 * REST API answers 503 and the change is not applied anywhere).
 */
struct pxe_state_backend {
    uint32_t _version;     /* PXE_STATE_BACKEND_VERSION */
    uint32_t _struct_size; /* sizeof(struct pxe_state_backend) */
    const char *name;      /* "etcd": shown in GET /api/v1/status */
    /*
     * Stores the profile of mac (profile borrowed, NULL deletes it) and drops
     * any boot-once claim on mac.  0, -EAGAIN or -errno.
     */
    int (*host_put)(void *ud, const char *mac, struct json_t *profile);
    /* Stores a method switch.  0, -EAGAIN or -errno. */
    int (*method_put)(void *ud, const char *name, uint32_t enabled);
    /*
     * Claims the boot-once of mac for this instance, atomically across
     * instances: 1 claimed (this instance network-boots the machine), 0
     * another instance holds the claim or the profile changed meanwhile,
     * -EAGAIN or -errno.
     */
    int (*boot_once_claim)(void *ud, const char *mac);
    /* Optional: more to show under "state" in GET /api/v1/status (new reference). */
    int (*status)(void *ud, struct json_t **ret_json);
};

#ifdef __cplusplus
}
#endif
#endif /* PXECORE_STATE_BACKEND_H */
