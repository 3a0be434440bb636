/* SPDX-License-Identifier: MIT */
/*
 * The route table and the request validator: method + path + headers + body
 * to a route with its parameters and a parsed JSON body, or to one error
 * (status, code, message).  Pure: no I/O, no core state; fuzzed by
 * api/fuzz/fuzz_api.c.
 */
#ifndef PXE_API_ROUTE_H
#define PXE_API_ROUTE_H

#include <stddef.h>

#include <jansson.h>

#define ROUTE_PARAM_MAX   64
#define ROUTE_SUBPATH_MAX 512
#define ROUTE_PATH_MAX    1024

#define RM_GET    (1u << 0)
#define RM_PUT    (1u << 1)
#define RM_POST   (1u << 2)
#define RM_DELETE (1u << 3)
#define RM_PATCH  (1u << 4)

/* Body expectations of a route. */
#define RB_NONE     0 /* a body is ignored */
#define RB_OBJECT   1 /* PUT/POST/PATCH need a JSON object */
#define RB_OPTIONAL 2 /* any JSON value, or no body */

enum route_id {
    R_INDEX,
    R_STATUS,
    R_PLUGINS,
    R_PLUGIN,
    R_PLUGIN_CALL,
    R_METHODS,
    R_METHOD,
    R_HOSTS,
    R_HOST,
    R_IMAGES,
    R_IMAGE,
    R_ENTRIES,
    R_ENTRY,
    R_LEASES,
    R_EVENTS,
    R_TIMELINE,
    R_MENU,
    R_METRICS,
    R_METRICS_ROOT,
    R_OPENAPI,
    R_UI,
    R_UI_FILE,
    R_COUNT
};

struct route {
    enum route_id id;
    const char *pattern; /* "{}" one segment parameter, "*" the rest of the path */
    unsigned methods;    /* RM_* */
    unsigned body;       /* RB_* for PUT/POST */
};

extern const struct route route_table[R_COUNT];

struct api_error {
    int status;       /* HTTP status */
    const char *code; /* token for clients: "not_found", "bad_json"... */
    char message[256];
};

struct route_match {
    const struct route *route;
    unsigned method; /* RM_* of the request (HEAD counts as GET) */
    char param[2][ROUTE_PARAM_MAX];
    char subpath[ROUTE_SUBPATH_MAX]; /* for "*" */
    char allow[64];                  /* for 405: "GET, PUT" */
};

/* What the transport saw. body may be NULL; body_len may exceed body_cap (then 413). */
struct raw_request {
    const char *method;
    const char *path;
    const char *content_type; /* NULL when absent */
    const char *body;
    size_t body_len;
    size_t body_cap;
};

struct valid_request {
    struct route_match m;
    json_t *body; /* new reference or NULL */
};

/* Fills allow with the methods of mask ("GET, PUT"). */
void route_allow(unsigned mask, char *allow, size_t n);
/* 0, or -ENOENT (404) / -EMSGSIZE (404, path too long) / -EOPNOTSUPP (405, m->allow set). */
int route_find(const char *method, const char *path, struct route_match *m);
/* 0 (out->body may be set; release with json_decref), or an HTTP status >= 400 with err. */
int request_validate(const struct raw_request *in, struct valid_request *out,
                     struct api_error *err);
/* Sets err and returns status. */
int api_error_set(struct api_error *err, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Body checks of the mutating routes (pure). Return 0 or an HTTP status with err. */
int validate_method_put(json_t *body, int *ret_enabled, struct api_error *err);
struct state_host;
/* mac: the normalised MAC of the path; a "mac" field in the body must name the same. */
int validate_host_put(json_t *body, const char *mac, struct state_host *out, struct api_error *err);

#endif
