/* SPDX-License-Identifier: MIT */
/*
 * The REST control API (issue 3), linked into the daemon.  The core calls
 * these at fixed points of its startup and shutdown; all run on the loop.
 */
#ifndef PXE_API_H
#define PXE_API_H

#include <stdint.h>

#include <pxecore/plugin.h>

struct core;

struct api_settings {
    char *listen; /* "ADDR:PORT" */
    char *token;  /* bearer token; generated into the state directory when unset */
    uint32_t metrics_public;
    uint64_t max_body; /* bytes */
    uint64_t max_connections;
    uint64_t timeout;         /* usec, idle connection timeout */
    uint64_t request_timeout; /* usec, longest request (headers included) */
    char *tls_certificate;    /* PEM file: serve HTTPS (with tls_key), or NULL */
    char *tls_key;            /* PEM file of its private key, or NULL */
};

extern const struct pxe_config_item api_settings_items[];

/* After the plugins' config_complete: state that must exist before bind (persisted state). */
int api_init(struct core *c, struct api_settings *s);
/* Before the privilege drop. */
int api_bind(struct core *c);
int api_start(struct core *c);
void api_stop(struct core *c);
void api_free(struct core *c);

#endif
