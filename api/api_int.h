/* SPDX-License-Identifier: MIT */
/*
 * Inside the REST API: the daemon state, one request as handlers see it, and
 * the handlers.  A handler is int h(struct api_request *rq, json_t **ret_body):
 * it returns an HTTP status and a JSON body (new reference), or fails with
 * api_fail(), or sets rq->text for a non-JSON answer.  Handlers run on the
 * core loop thread (inside MHD_run), so they use core state without locks.
 */
#ifndef PXE_API_INT_H
#define PXE_API_INT_H

#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "api.h"
#include "for_api.h"
#include "route.h"

#define API_BODY_MAX_DEFAULT 65536
#define API_EVENTS_LIMIT     1000

struct api_request {
    struct core *core;
    struct api_settings *set;
    struct MHD_Connection *conn;
    const char *method; /* "GET", "PUT"... (HEAD reported as given) */
    const char *path;
    const char *peer;      /* "ADDR:PORT", for the log */
    struct route_match *m; /* route and parameters */
    json_t *body;          /* parsed body (borrowed), or NULL */
    struct api_error err;  /* set by api_fail */
    char *text;            /* malloc'd non-JSON body (metrics, menus), or NULL */
    const char *text_type; /* its Content-Type */
    char change[256];      /* what a mutating call changed, for the log */
};

typedef int (*api_handler)(struct api_request *rq, json_t **ret_body);

int api_fail(struct api_request *rq, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A query argument, or NULL. */
const char *api_query(struct api_request *rq, const char *key);
/* The address the request arrived on ("127.0.0.1"), into out (46 bytes). */
void api_local_ip(struct api_request *rq, char *out);
/* Records a durable change for the log line; the state is saved by the caller. */
void api_changed(struct api_request *rq, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Saves state; on failure fills rq's error (500) and returns the status. */
int api_save(struct api_request *rq);

/* dispatch.c: one request to its handler and its answer (loop thread, inside MHD_run). */
struct MHD_Connection;
enum MHD_Result api_dispatch(struct MHD_Connection *conn, struct core *c, struct api_settings *set,
                             const char *body, size_t body_len, const char *url,
                             const char *method);
/* Queues the one JSON error shape; allow: the Allow header of a 405, or NULL. */
enum MHD_Result api_send_error(struct MHD_Connection *conn, const struct api_error *e,
                               const char *allow);

/* Shared JSON pieces. */
json_t *json_plugin_summary(struct pxe_core *p);
json_t *json_method(struct pxe_core *p);
json_t *json_image(const struct image *img, int is_default);

int h_index(struct api_request *rq, json_t **ret);
int h_status(struct api_request *rq, json_t **ret);
int h_plugins(struct api_request *rq, json_t **ret);
int h_plugin(struct api_request *rq, json_t **ret);
int h_plugin_call(struct api_request *rq, json_t **ret);
int h_leases(struct api_request *rq, json_t **ret);
int h_methods(struct api_request *rq, json_t **ret);
int h_method(struct api_request *rq, json_t **ret);
int h_hosts(struct api_request *rq, json_t **ret);
int h_host(struct api_request *rq, json_t **ret);
int h_images(struct api_request *rq, json_t **ret);
int h_entries(struct api_request *rq, json_t **ret);
int h_entry(struct api_request *rq, json_t **ret);
int h_image(struct api_request *rq, json_t **ret);
int h_events(struct api_request *rq, json_t **ret);
int h_timeline(struct api_request *rq, json_t **ret);
int h_menu(struct api_request *rq, json_t **ret);
int h_metrics(struct api_request *rq, json_t **ret);
int h_openapi(struct api_request *rq, json_t **ret);
int h_ui(struct api_request *rq, json_t **ret);

#endif
