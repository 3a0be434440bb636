/* SPDX-License-Identifier: MIT */
/*
 * The http plugin's libmicrohttpd daemon: an internal epoll thread pool
 * (PXE_THREAD_OWN) serving GET and HEAD of the core's file namespace.  Worker
 * threads call only the thread-safe core functions (file_open, file_close,
 * log, event, sanitize); counters are atomics flushed by a loop timer.
 * Bodies of files on disk over 32 KiB go out with sendfile through MHD's
 * fd-at-offset responses; smaller ones and generated files from memory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "http_proto.h"

/* One TCP connection: the addresses file_open and the log need. */
struct http_conn {
    char peer[INET6_ADDRSTRLEN];
    char local[INET6_ADDRSTRLEN];
};

/* One request, created by the URI log callback, freed when it completes. */
struct http_req {
    struct http_conn *conn;
    unsigned status;
    uint32_t phase;
    uint8_t headers_seen, answered, head, rootfs_session;
    uint64_t len;
    char method[8];
    char version[12]; /* "HTTP/1.1", for the combined access log */
    char *referer, *user_agent;
    char path[128]; /* for the event text, cut */
    char uri[];
};

/* Bodies up to this size are read into memory instead of sent with sendfile. */
#define HTTP_SMALL_BODY (32 * 1024)
/*
 * Per-connection MHD memory (request line, headers, response header): it caps
 * what a client may send, and MHD zeroes the used part after each request, so
 * MHD's 32 KiB default cost ~3% of the CPU on 4 KiB requests.
 */
#define HTTP_CONN_MEMORY (16 * 1024)

enum { ERR_400, ERR_403, ERR_404, ERR_405, ERR_500, ERR_503 };
static const unsigned err_status[] = {400, 403, 404, 405, 500, 503};
static const char *const err_body[] = {"400 Bad Request\n",
                                       "403 Forbidden\n",
                                       "404 Not Found\n",
                                       "405 Method Not Allowed\n",
                                       "500 Internal Server Error\n",
                                       "503 Service Unavailable\n"};

/* Writes the printable address of sa into buf ("" when unknown); v4-mapped v6 as v4. */
static void addr_string(const struct sockaddr *sa, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!sa)
        return;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)size);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

        if (IN6_IS_ADDR_V4MAPPED(a))
            inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)size);
        else
            inet_ntop(AF_INET6, a, buf, (socklen_t)size);
    }
}

static void http_notify_conn(void *cls, struct MHD_Connection *connection, void **socket_context,
                             enum MHD_ConnectionNotificationCode toe)
{
    struct http_state *s = cls;
    struct http_conn *c;

    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        free(*socket_context);
        *socket_context = NULL;
        atomic_fetch_sub(&s->connections, 1);
        return;
    }
    atomic_fetch_add(&s->connections, 1);
    c = calloc(1, sizeof(*c));
    if (c) {
        const union MHD_ConnectionInfo *ci;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);

        ci = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        addr_string(ci ? ci->client_addr : NULL, c->peer, sizeof(c->peer));
        ci = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci && getsockname(ci->connect_fd, (struct sockaddr *)&ss, &sl) == 0)
            addr_string((struct sockaddr *)&ss, c->local, sizeof(c->local));
    }
    *socket_context = c;
}

static void *http_uri_log(void *cls, const char *uri, struct MHD_Connection *connection)
{
    size_t n = strlen(uri);
    struct http_req *rq = calloc(1, sizeof(*rq) + n + 1);

    if (rq)
        memcpy(rq->uri, uri, n + 1);
    return rq;
}

/* Copies header name of the request, cut at 256 bytes; NULL when absent or OOM. */
static char *header_dup(struct MHD_Connection *connection, const char *name)
{
    const char *v = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);

    return v ? strndup(v, 256) : NULL;
}

static enum MHD_Result queue_error(struct http_state *s, struct MHD_Connection *connection,
                                   struct http_req *rq, int which)
{
    rq->status = err_status[which];
    rq->len = strlen(err_body[which]);
    return MHD_queue_response(connection, rq->status, s->err[which]);
}

static int errno_to_err(int r)
{
    switch (r) {
    case -ENOENT:
    case -EISDIR: /* no directory listings */
    case -ENOTDIR:
        return ERR_404;
    case -EACCES:
    case -EPERM:
        return ERR_403;
    case -EINVAL:
    case -ENAMETOOLONG:
        return ERR_400;
    case -EMFILE: /* out of descriptors: a transient condition, not the server's fault */
    case -ENFILE:
    case -ENOMEM:
        return ERR_503;
    default:
        return ERR_500;
    }
}

/* Builds the response for plan on the open file f; NULL on failure. */
static struct MHD_Response *file_response(const struct pxe_file *f, const struct http_plan *plan,
                                          int head)
{
    static const char no_body[HTTP_SMALL_BODY]; /* HEAD: MHD sends the length, never the bytes */

    if (plan->len == 0 || plan->status == 304 || plan->status == 416)
        return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (head && plan->len <= HTTP_SMALL_BODY)
        return MHD_create_response_from_buffer((size_t)plan->len, (void *)no_body,
                                               MHD_RESPMEM_PERSISTENT);
    if (f->data)
        return MHD_create_response_from_buffer((size_t)plan->len, (char *)f->data + plan->start,
                                               MHD_RESPMEM_MUST_COPY);
    if (plan->len <= HTTP_SMALL_BODY) {
        /* One copy beats sendfile here: MHD sends header and body in one send(). */
        char *buf = malloc((size_t)plan->len);
        size_t got = 0;

        while (buf && got < plan->len) {
            ssize_t n = pread(f->fd, buf + got, (size_t)plan->len - got,
                              (off_t)(f->offset + plan->start + got));

            if (n <= 0 && !(n < 0 && errno == EINTR)) {
                free(buf);
                return NULL; /* the file shrank under us, or an I/O error */
            }
            got += n > 0 ? (size_t)n : 0;
        }
        return buf ? MHD_create_response_from_buffer((size_t)plan->len, buf, MHD_RESPMEM_MUST_FREE)
                   : NULL;
    }
    {
        /* Zero copy: MHD sendfile()s from its own fd (it closes it with the response). */
        int fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 0);
        struct MHD_Response *resp;

        if (fd < 0)
            return NULL;
        resp = MHD_create_response_from_fd_at_offset64(plan->len, fd, f->offset + plan->start);
        if (!resp)
            close(fd);
        return resp;
    }
}

static void add_headers(struct MHD_Response *resp, const struct pxe_file *f,
                        const struct http_plan *plan, const char *etag)
{
    char buf[96];

    MHD_add_response_header(resp, MHD_HTTP_HEADER_SERVER, "pxecore");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    if (plan->status != 304)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, http_content_type(f->path));
    if (f->generated) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    } else {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
        if (http_date_format(f->mtime, buf, sizeof(buf)) == 0)
            MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, buf);
    }
    if (plan->status == 206) {
        snprintf(buf, sizeof(buf), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, plan->start,
                 plan->start + plan->len - 1, f->size);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, buf);
    } else if (plan->status == 416) {
        snprintf(buf, sizeof(buf), "bytes */%" PRIu64, f->size);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, buf);
    }
}

/* Answers a GET/HEAD of the decoded path with the open file f. */
static enum MHD_Result serve_file(struct http_state *s, struct MHD_Connection *connection,
                                  struct http_req *rq, const struct pxe_file *f)
{
    struct http_cond cond = {0};
    struct http_plan plan;
    struct MHD_Response *resp;
    char etag[48];
    enum MHD_Result ret;

    if (!rq->head) /* RFC 9110 14.2: Range is defined for GET only */
        cond.range = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Range");
    cond.if_range = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "If-Range");
    cond.if_none_match = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "If-None-Match");
    cond.if_modified_since =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "If-Modified-Since");
    http_etag_format(f->size, f->mtime, etag, sizeof(etag));
    http_plan_request(&cond, f->size, f->mtime, !f->generated, etag, &plan);

    errno = 0;
    resp = file_response(f, &plan, rq->head);
    if (!resp) /* out of descriptors for sendfile's copy: transient, try again */
        return queue_error(s, connection, rq,
                           errno == EMFILE || errno == ENFILE ? ERR_503 : ERR_500);
    add_headers(resp, f, &plan, etag);
    rq->status = plan.status;
    rq->len = plan.len;
    rq->phase = f->phase; /* the core knows images' and entries' files */
    /* A one-byte probe (archiso's curl -r 0-0) is not a phase milestone. */
    if (rq->head || plan.status >= 300 || (plan.status == 206 && plan.len <= 1))
        rq->phase = PXE_PHASE_NONE;
    if (rq->phase == PXE_PHASE_ROOTFS) {
        rq->rootfs_session = 1;
        atomic_fetch_add(&s->rootfs_sessions, 1);
    }
    snprintf(rq->path, sizeof(rq->path), "%s", f->path);
    ret = MHD_queue_response(connection, plan.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *connection, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **req_cls)
{
    struct http_state *s = cls;
    struct http_req *rq = *req_cls;
    const union MHD_ConnectionInfo *ci;
    struct pxe_client client = {sizeof(client), NULL, NULL, NULL, NULL};
    struct pxe_file *f = NULL;
    char path[HTTP_PATH_MAX];
    const char *query;
    enum MHD_Result ret;
    int r;

    if (!rq)
        return MHD_NO; /* OOM in http_uri_log: close the connection */
    /*
     * Answer only once the request is read: MHD 0.9.7x closes the connection
     * after a response queued from the first call (no keep-alive).
     */
    if (!rq->conn) {
        ci = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        rq->conn = ci ? ci->socket_context : NULL;
    }
    rq->head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (!rq->head && strcmp(method, MHD_HTTP_METHOD_GET) != 0) {
        if (rq->answered)
            return MHD_YES;
        rq->answered = 1; /* at once: no reason to read a body (MHD closes afterwards) */
        snprintf(rq->method, sizeof(rq->method), "%s", method);
        snprintf(rq->version, sizeof(rq->version), "%s", version);
        return queue_error(s, connection, rq, ERR_405);
    }
    if (!rq->headers_seen || *upload_data_size) {
        rq->headers_seen = 1;
        *upload_data_size = 0; /* a request body we do not want */
        return MHD_YES;
    }
    if (rq->answered)
        return MHD_YES;
    rq->answered = 1;
    snprintf(rq->method, sizeof(rq->method), "%s", method);
    snprintf(rq->version, sizeof(rq->version), "%s", version);
    if (s->cfg->access_log) {
        rq->referer = header_dup(connection, MHD_HTTP_HEADER_REFERER);
        rq->user_agent = header_dup(connection, MHD_HTTP_HEADER_USER_AGENT);
    }

    r = http_target_decode(rq->uri, path, sizeof(path), &query);
    if (r < 0)
        return queue_error(s, connection, rq, errno_to_err(r));
    if (rq->conn) {
        client.local_ip = rq->conn->local[0] ? rq->conn->local : NULL;
        client.peer_ip = rq->conn->peer[0] ? rq->conn->peer : NULL;
    }
    client.query = query;
    r = s->core->file_open(s->self, path, &client, &f);
    if (r < 0)
        return queue_error(s, connection, rq, errno_to_err(r));
    ret = serve_file(s, connection, rq, f);
    s->core->file_close(f);
    return ret;
}

static void http_completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                           enum MHD_RequestTerminationCode toe)
{
    struct http_state *s = cls;
    struct http_req *rq = *req_cls;
    const char *peer;
    uint64_t sent;
    int ok = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;

    if (!rq)
        return;
    *req_cls = NULL;
    if (!rq->answered) /* MHD refused the request before our handler saw it */
        goto out;
    peer = rq->conn ? rq->conn->peer : "";
    sent = ok && !rq->head ? rq->len : 0;
    atomic_fetch_add(&s->requests, 1);
    atomic_fetch_add(&s->bytes, sent);
    if (rq->status >= 400)
        atomic_fetch_add(&s->errors, 1);
    if (!ok)
        atomic_fetch_add(&s->aborted, 1);
    if (rq->rootfs_session)
        atomic_fetch_sub(&s->rootfs_sessions, 1);
    if (s->cfg->access_log) {
        char line[2048];
        struct http_log_entry e = {(int64_t)time(NULL), peer,       rq->method, rq->uri,
                                   rq->version,         rq->status, sent,       rq->referer,
                                   rq->user_agent};

        http_log_format(line, sizeof(line), &e, s->log_form);
        s->core->log(s->self, PXE_LOG_INFO, "%s", line);
    }
    if (ok && rq->phase != PXE_PHASE_NONE) {
        char safe[256];

        s->core->sanitize(rq->path, strlen(rq->path), safe, sizeof(safe));
        s->core->event(s->self, "http.sent", NULL, peer[0] ? peer : NULL, rq->phase,
                       "%s %u %" PRIu64 " bytes", safe, rq->status, sent);
    }
out:
    free(rq->referer);
    free(rq->user_agent);
    free(rq);
}

/* MHD's own diagnostics, at debug level; the connection cap is counted and warned about. */
static void http_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http_state *s = cls;
    char msg[512];
    size_t n;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    if (strstr(msg, "connection limit")) {
        /* First time and every 1000th: a flood must not flood the log too. */
        if (atomic_fetch_add(&s->refused_conns, 1) % 1000 == 0)
            s->core->log(s->self, PXE_LOG_WARNING,
                         "connection limit reached (max_connections %" PRIu64
                         ", max_connections_per_ip %" PRIu64 "), closing new connections",
                         s->cfg->max_connections, s->cfg->max_connections_per_ip);
        return;
    }
    s->core->log(s->self, PXE_LOG_DEBUG, "libmicrohttpd: %s", msg);
}

/*
 * max_connections, lowered when RLIMIT_NOFILE cannot hold it: a connection
 * takes a socket and, while it sends a file, that file's descriptor; 64 stay
 * for the rest of the daemon.  Past the limit MHD closes new connections at
 * once, so the connections it holds keep the descriptors they need.
 */
static unsigned conn_limit(struct http_state *s)
{
    unsigned limit = (unsigned)s->cfg->max_connections;
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (rl.rlim_cur < 66 || (rl.rlim_cur - 64) / 2 < limit)) {
        unsigned fit = rl.rlim_cur < 66 ? 1 : (unsigned)((rl.rlim_cur - 64) / 2);

        s->core->log(s->self, PXE_LOG_WARNING,
                     "max_connections %u lowered to %u: RLIMIT_NOFILE is %llu (a socket and a "
                     "file per connection)",
                     limit, fit, (unsigned long long)rl.rlim_cur);
        limit = fit;
        if (s->nthreads > limit)
            s->nthreads = limit;
    }
    return limit;
}

int http_serve_start(struct http_state *s)
{
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
    unsigned limit = conn_limit(s);
    unsigned timeout = (unsigned)((s->cfg->timeout + 999999) / 1000000);
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)http_mhd_log, s},
        {MHD_OPTION_LISTEN_SOCKET, s->listen_fd, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, limit, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, timeout, NULL},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)http_uri_log, s},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_completed, s},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)http_notify_conn, s},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)s->cfg->max_connections_per_ip, NULL},
        {s->nthreads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, s->nthreads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };

    for (size_t i = 0; i < sizeof(s->err) / sizeof(s->err[0]); i++) {
        s->err[i] = MHD_create_response_from_buffer(strlen(err_body[i]), (void *)err_body[i],
                                                    MHD_RESPMEM_PERSISTENT);
        if (!s->err[i])
            return -ENOMEM;
        MHD_add_response_header(s->err[i], MHD_HTTP_HEADER_SERVER, "pxecore");
        MHD_add_response_header(s->err[i], MHD_HTTP_HEADER_CONTENT_TYPE,
                                "text/plain; charset=utf-8");
    }
    MHD_add_response_header(s->err[ERR_405], MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    MHD_add_response_header(s->err[ERR_503], MHD_HTTP_HEADER_RETRY_AFTER, "1");
    s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, http_access, s, MHD_OPTION_ARRAY, opts,
                              MHD_OPTION_END);
    if (!s->mhd)
        return -EIO;
    s->listen_fd = -1; /* MHD closes it in MHD_stop_daemon */
    return 0;
}

void http_serve_stop(struct http_state *s)
{
    if (s->mhd) {
        MHD_stop_daemon(s->mhd);
        s->mhd = NULL;
    }
    for (size_t i = 0; i < sizeof(s->err) / sizeof(s->err[0]); i++) {
        if (s->err[i])
            MHD_destroy_response(s->err[i]);
        s->err[i] = NULL;
    }
}
