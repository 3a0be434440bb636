/* SPDX-License-Identifier: MIT */
/*
 * One request to its handler and back: validation against the route table,
 * the handler call, the log line of a mutating call, and the answer (JSON,
 * text or the one error shape) with its status counter.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "api_int.h"

/* On every answer: the dashboard's scripts, styles and calls come from this origin only,
 * no inline script or style, no framing; harmless on JSON and text answers. */
#define API_CSP                                                                                    \
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "                \
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static const api_handler handlers[R_COUNT] = {
    [R_INDEX] = h_index,
    [R_STATUS] = h_status,
    [R_PLUGINS] = h_plugins,
    [R_PLUGIN] = h_plugin,
    [R_PLUGIN_CALL] = h_plugin_call,
    [R_METHODS] = h_methods,
    [R_METHOD] = h_method,
    [R_HOSTS] = h_hosts,
    [R_HOST] = h_host,
    [R_ENTRIES] = h_entries,
    [R_ENTRY] = h_entry,
    [R_IMAGES] = h_images,
    [R_IMAGE] = h_image,
    [R_LEASES] = h_leases,
    [R_EVENTS] = h_events,
    [R_TIMELINE] = h_timeline,
    [R_MENU] = h_menu,
    [R_METRICS] = h_metrics,
    [R_METRICS_ROOT] = h_metrics,
    [R_OPENAPI] = h_openapi,
    [R_UI] = h_ui,
    [R_UI_FILE] = h_ui,
};

static void peer_name(struct MHD_Connection *conn, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ci->client_addr;

        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
        port = ntohs(sin->sin_port);
    } else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ci->client_addr;

        inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
        port = ntohs(sin6->sin6_port);
    }
    snprintf(out, n, "%s:%u", ip, port);
}

static enum MHD_Result send_text(struct MHD_Connection *conn, int status, const char *type,
                                 char *text, const char *allow)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ret;

    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "Content-Security-Policy", API_CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (allow && *allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"pxecore\"");
    ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *conn, int status, json_t *body,
                                 const char *allow)
{
    char *text = json_dumps(body, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    char *withnl;

    json_decref(body);
    if (!text)
        return MHD_NO;
    withnl = realloc(text, strlen(text) + 2);
    if (!withnl) {
        free(text);
        return MHD_NO;
    }
    strcat(withnl, "\n");
    return send_text(conn, status, "application/json", withnl, allow);
}

static void count_status(int status)
{
    metrics_add("api", "requests", "REST API requests answered", 1);
    if (status == 401)
        metrics_add("api", "unauthorized", "REST API requests refused for a missing or wrong token",
                    1);
    else if (status >= 500)
        metrics_add("api", "server_errors", "REST API requests that failed on the server", 1);
    else if (status >= 400)
        metrics_add("api", "client_errors", "REST API requests refused as invalid (4xx but 401)",
                    1);
}

enum MHD_Result api_send_error(struct MHD_Connection *conn, const struct api_error *e,
                               const char *allow)
{
    count_status(e->status);
    return send_json(conn, e->status,
                     json_pack("{s:{s:s, s:s}}", "error", "code", e->code ? e->code : "error",
                               "message", e->message),
                     allow);
}

static int is_mutating(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

enum MHD_Result api_dispatch(struct MHD_Connection *conn, struct core *c, struct api_settings *set,
                             const char *body, size_t body_len, const char *url, const char *method)
{
    struct raw_request raw = {
        .method = method,
        .path = url,
        .content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type"),
        .body = body,
        .body_len = body_len,
        .body_cap = set->max_body,
    };
    struct valid_request vr;
    struct api_request rq = {.core = c, .set = set, .conn = conn, .method = method, .path = url};
    char peer[80], surl[256], smsg[512];
    json_t *out = NULL;
    int status;
    enum MHD_Result ret;

    peer_name(conn, peer, sizeof(peer));
    rq.peer = peer;
    status = request_validate(&raw, &vr, &rq.err);
    if (status == 0) {
        rq.m = &vr.m;
        rq.body = vr.body;
        status = handlers[vr.m.route->id](&rq, &out);
        json_decref(vr.body);
    }
    if (is_mutating(method)) {
        char smethod[32];

        log_sanitize(method, strlen(method), smethod, sizeof(smethod));
        log_sanitize(url, strlen(url), surl, sizeof(surl));
        log_sanitize(rq.change[0] ? rq.change : rq.err.message,
                     strlen(rq.change[0] ? rq.change : rq.err.message), smsg, sizeof(smsg));
        log_notice("api: %s %s %s: %d %s", peer, smethod, surl, status, smsg);
    }
    if (status >= 400 || status < 100) {
        json_decref(out);
        free(rq.text);
        if (status < 100 || !rq.err.code)
            api_error_set(&rq.err, status >= 400 ? status : 500, "internal", "the request failed");
        return api_send_error(conn, &rq.err, rq.err.status == 405 ? vr.m.allow : NULL);
    }
    count_status(status);
    if (rq.text) {
        json_decref(out);
        return send_text(conn, status, rq.text_type ? rq.text_type : "text/plain", rq.text, NULL);
    }
    ret = send_json(conn, status, out ? out : json_object(), NULL);
    return ret;
}
