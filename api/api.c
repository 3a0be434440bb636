/* SPDX-License-Identifier: MIT */
/*
 * libmicrohttpd glue: settings, the bearer token, the listening daemon in
 * external epoll mode driven by the core loop (MHD's epoll fd is one of the
 * loop's fds, MHD_get_timeout arms one loop timer), the access handler that
 * buffers a capped body, checks the token, validates, dispatches and writes
 * the answer in one JSON error shape.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api_int.h"
#include "tls.h"

#define TOKEN_FILE "api.token"
#define TOKEN_MAX  256

#define A_(f) offsetof(struct api_settings, f)

const struct pxe_config_item api_settings_items[] = {
    {"listen", PXE_CFG_STR, 0, "127.0.0.1:9480", A_(listen),
     "address:port of the REST API (\"[::1]:9480\" for IPv6)", "api-listen", 0, 0},
    {"token", PXE_CFG_STR, PXE_CFG_SECRET, NULL, A_(token),
     "bearer token (default: generated into <state_dir>/api.token)", NULL, 0, 0},
    {"metrics_public", PXE_CFG_BOOL, 0, "false", A_(metrics_public),
     "serve /metrics and /api/v1/metrics without the token", NULL, 0, 0},
    {"max_body", PXE_CFG_UINT, 0, "65536", A_(max_body), "largest request body in bytes", NULL,
     1024, 16777216},
    {"max_connections", PXE_CFG_UINT, 0, "64", A_(max_connections),
     "concurrent connections (per client address: a quarter of it)", NULL, 1, 4096},
    {"request_timeout", PXE_CFG_DURATION, 0, "30s", A_(request_timeout),
     "longest time one request may take, headers included", NULL, 1000000, 3600000000},
    {"timeout", PXE_CFG_DURATION, 0, "10s", A_(timeout),
     "idle time after which a connection is closed", NULL, 1000000, 3600000000},
    {"tls_certificate", PXE_CFG_PATH, 0, NULL, A_(tls_certificate),
     "serve HTTPS with this certificate (PEM, with tls_key), so the token never crosses a "
     "network in clear",
     NULL, 0, 0},
    {"tls_key", PXE_CFG_PATH, PXE_CFG_SECRET, NULL, A_(tls_key),
     "private key (PEM) of tls_certificate; read before the privilege drop", NULL, 0, 0},
    {0},
};

struct api {
    struct core *core;
    struct api_settings *set;
    char token[TOKEN_MAX + 1];
    struct sockaddr_storage addr;
    struct MHD_Daemon *d;
    struct pxe_source *io, *timer, *tick;
    uint64_t seen_event;      /* events up to this id were checked for boot_once */
    struct tracked *conns;    /* open connections */
    char *tls_cert, *tls_key; /* PEM text when api.tls_certificate is set */
};

/* Per TCP connection: when its current request began (for api.request_timeout). */
struct tracked {
    struct MHD_Connection *conn;
    uint64_t since; /* loop clock, usec: accepted, or the previous request completed */
    int cut;        /* shut down for taking too long */
    struct tracked *prev, *next;
};

#define TICK_USEC 1000000

/* Per connection: the request body as it arrives. */
struct conn_ctx {
    char *body;
    size_t len;   /* bytes kept (at most max_body) */
    size_t total; /* bytes received */
    int answered; /* an early answer (401, 413) was queued */
};

static struct api *api;

/* ---- helpers for handlers ---- */

/* ---- settings and token ---- */

static int parse_listen(const char *s, struct sockaddr_storage *ss)
{
    char host[64];
    const char *colon;
    char *end;
    unsigned long port;

    memset(ss, 0, sizeof(*ss));
    if (!s)
        return -EINVAL;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');

        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
            return -EINVAL;
        snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof(host))
            return -EINVAL;
        snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
    }
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || port > 65535)
        return -EINVAL;
    if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
        return 0;
    }
    return -EINVAL;
}

static int token_ok(const char *t)
{
    size_t n = strlen(t);

    if (n < 16 || n > TOKEN_MAX)
        return 0;
    for (; *t; t++)
        if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
            return 0;
    return 1;
}

/* Reads <state_dir>/api.token, creating it (0600, 64 hex digits) when absent. */
static int token_load(const char *dir, char *out)
{
    char path[4200];
    unsigned char rnd[32];
    struct stat st;
    ssize_t n;
    int fd, r = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, TOKEN_FILE);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        if (fstat(fd, &st) == 0 && (st.st_mode & 077)) {
            log_warn("api: %s is readable by others; setting mode 0600", path);
            if (fchmod(fd, 0600) < 0)
                log_warn("api: chmod %s: %s", path, strerror(errno));
        }
        n = read(fd, out, TOKEN_MAX + 1);
        r = n < 0 ? -errno : 0;
        close(fd);
        if (r < 0) {
            log_err("api: cannot read %s: %s", path, strerror(-r));
            return r;
        }
        if (n > TOKEN_MAX) {
            log_err("api: %s: token longer than %d bytes", path, TOKEN_MAX);
            return -EINVAL;
        }
        out[n] = '\0';
        while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
            out[--n] = '\0';
        if (!token_ok(out)) {
            log_err("api: %s: the token must be 16 to %d printable characters", path, TOKEN_MAX);
            return -EINVAL;
        }
        return 0;
    }
    if (errno != ENOENT) {
        r = -errno;
        log_err("api: cannot open %s: %s", path, strerror(-r));
        return r;
    }
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
        log_err("api: no random bytes for the token: %s", strerror(errno));
        return -EIO;
    }
    for (size_t i = 0; i < sizeof(rnd); i++)
        sprintf(out + 2 * i, "%02x", rnd[i]);
    out[64] = '\n';
    r = atomic_write_file(path, out, 65, 0600);
    out[64] = '\0';
    if (r < 0) {
        log_err("api: cannot write %s: %s", path, strerror(-r));
        return r;
    }
    log_notice("api: generated a token into %s", path);
    return 0;
}

/* Running as root with core.user: the token file belongs to that user, as state.json does. */
static void token_give(const char *dir, const char *user)
{
    struct passwd *pw;
    char path[4200];

    if (!user || !*user || geteuid() != 0 || !(pw = getpwnam(user)))
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, TOKEN_FILE);
    if (chown(path, pw->pw_uid, pw->pw_gid) < 0)
        log_warn("api: cannot give %s to '%s': %s", path, user, strerror(errno));
}

int api_init(struct core *c, struct api_settings *s)
{
    struct api *a = calloc(1, sizeof(*a));
    int r;

    if (!a)
        return -ENOMEM;
    a->core = c;
    a->set = s;
    if (parse_listen(s->listen, &a->addr) < 0) {
        log_err("api.listen: '%s' is not ADDR:PORT (\"127.0.0.1:9480\", \"[::1]:9480\")",
                s->listen ? s->listen : "");
        free(a);
        return -EINVAL;
    }
    if (s->token) {
        if (!token_ok(s->token)) {
            log_err("api.token: must be 16 to %d printable characters without spaces", TOKEN_MAX);
            free(a);
            return -EINVAL;
        }
        snprintf(a->token, sizeof(a->token), "%s", s->token);
    } else if ((r = token_load(c->set.state_dir, a->token)) < 0) {
        free(a);
        return r;
    }
    if (!s->token)
        token_give(c->set.state_dir, c->set.user);
    if (api_tls_load(s, &a->tls_cert, &a->tls_key) < 0) {
        free(a);
        return -EINVAL;
    }
    api = a;
    return 0;
}

/* ---- requests ---- */

static int auth_ok(struct MHD_Connection *conn)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    size_t n = strlen(api->token), hn;
    unsigned diff = 0;

    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    h += 7;
    while (*h == ' ')
        h++;
    hn = strlen(h);
    for (size_t i = 0; i < n; i++)
        diff |=
            (unsigned)(unsigned char)api->token[i] ^ (unsigned)(unsigned char)(i < hn ? h[i] : 0);
    return diff == 0 && hn == n;
}

/* Without the token: the dashboard's files (no data in them; the page sends the token with
 * every call) and, when configured, the metrics. */
static int is_public(const char *method, const char *url)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return 0;
    if (!strcmp(url, "/ui") || !strncmp(url, "/ui/", 4))
        return 1;
    return api->set->metrics_public &&
           (!strcmp(url, "/metrics") || !strcmp(url, "/api/v1/metrics"));
}

static enum MHD_Result early_error(struct MHD_Connection *conn, struct conn_ctx *cc, int status,
                                   const char *code, const char *msg)
{
    struct api_error e;

    api_error_set(&e, status, code, "%s", msg);
    cc->answered = 1;
    return api_send_error(conn, &e, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct conn_ctx *cc = *con_cls;

    if (!cc) {
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");

        cc = calloc(1, sizeof(*cc));
        if (!cc)
            return MHD_NO;
        *con_cls = cc;
        if (!is_public(method, url) && !auth_ok(conn))
            return early_error(conn, cc, 401, "unauthorized",
                               "missing or wrong bearer token (Authorization: Bearer <token>)");
        if (cl && strtoull(cl, NULL, 10) > api->set->max_body)
            return early_error(conn, cc, 413, "body_too_large", "request body too large");
        return MHD_YES;
    }
    if (cc->answered) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size, room;

        if (!cc->body && !(cc->body = malloc(api->set->max_body)))
            return MHD_NO;
        room = api->set->max_body - cc->len;
        memcpy(cc->body + cc->len, upload_data, n < room ? n : room);
        cc->len += n < room ? n : room;
        cc->total += n;
        *upload_data_size = 0;
        /* Over the cap the rest is read and dropped, so the client gets a clean 413;
         * a body that goes on past 16 times the cap is cut off. */
        if (cc->total / 16 > api->set->max_body) {
            metrics_add("api", "dropped", "REST API connections cut off (endless bodies)", 1);
            return MHD_NO;
        }
        return MHD_YES;
    }
    cc->answered = 1;
    return api_dispatch(conn, api->core, api->set, cc->body, cc->total, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct conn_ctx *cc = *con_cls;

    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    if (cc) {
        free(cc->body);
        free(cc);
    }
    *con_cls = NULL;
    if (ci && ci->socket_context)
        ((struct tracked *)ci->socket_context)->since = loop_now_usec();
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct tracked *t = *socket_context;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        t = calloc(1, sizeof(*t));
        if (!t)
            return; /* not tracked: only the idle timeout applies */
        t->conn = conn;
        t->since = loop_now_usec();
        t->next = api->conns;
        if (t->next)
            t->next->prev = t;
        api->conns = t;
        *socket_context = t;
    } else if (t) {
        if (t->prev)
            t->prev->next = t->next;
        else
            api->conns = t->next;
        if (t->next)
            t->next->prev = t->prev;
        free(t);
        *socket_context = NULL;
    }
}

/* Shuts down connections whose request went on longer than api.request_timeout. */
static void cut_slow_requests(void)
{
    uint64_t now = loop_now_usec();

    for (struct tracked *t = api->conns; t; t = t->next) {
        const union MHD_ConnectionInfo *ci;

        if (t->cut || now - t->since <= api->set->request_timeout)
            continue;
        ci = MHD_get_connection_info(t->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci)
            continue;
        shutdown(ci->connect_fd, SHUT_RDWR); /* MHD sees the end and closes it */
        t->cut = 1;
        metrics_add("api", "request_timeouts", "REST API connections cut for slow requests", 1);
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512], clean[1024];
    size_t n;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_sanitize(msg, n, clean, sizeof(clean));
    log_msg(NULL, PXE_LOG_INFO, "api: %s", clean);
}

/* ---- the daemon on the core loop ---- */

static void rearm(void)
{
    MHD_UNSIGNED_LONG_LONG ms;

    if (!api->timer)
        return;
    if (MHD_get_timeout(api->d, &ms) == MHD_YES)
        loop_timer_set(api->timer, ms ? ms * 1000 : 1);
    else
        loop_timer_set(api->timer, 0);
}

static void on_io(void *ud, int fd, uint32_t events)
{
    MHD_run(api->d);
    rearm();
}

static void on_timer(void *ud)
{
    MHD_run(api->d);
    rearm();
}

static void rearm(void);

/*
 * Once a second: machines with a boot_once profile that were sent a kernel
 * boot locally next; requests over api.request_timeout are cut.
 */
static void on_tick(void *ud)
{
    json_t *ev = events_since(api->seen_event, 1000);
    size_t i;
    json_t *e;

    json_array_foreach(ev, i, e)
    {
        const char *phase = json_string_value(json_object_get(e, "phase"));
        const char *mac = json_string_value(json_object_get(e, "mac"));
        int r;

        api->seen_event = (uint64_t)json_integer_value(json_object_get(e, "id"));
        if (!mac || !phase ||
            (strcmp(phase, "kernel") && strcmp(phase, "initrd") && strcmp(phase, "rootfs")))
            continue;
        r = state_boot_once_used(api->core, mac); /* only for a stored, normalised MAC */
        if (r > 0) {
            log_notice("api: host %s used its boot_once: local boot from now on", mac);
            events_addf("api", "host.boot_once_used", mac, NULL, PXE_PHASE_NONE,
                        "local boot from now on");
        } else if (r < 0) {
            log_err("api: host %s: cannot record its boot_once: %s", mac, strerror(-r));
        }
    }
    json_decref(ev);
    cut_slow_requests();
    MHD_run(api->d);
    rearm();
    loop_timer_set(api->tick, TICK_USEC);
}

int api_bind(struct core *c)
{
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem tls[3] = {{MHD_OPTION_END, 0, NULL}};
    unsigned per_ip;
    int r;

    if (!api)
        return 0;
    if (api->tls_cert) {
        tls[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, api->tls_cert};
        tls[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, api->tls_key};
        tls[2] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    }
    per_ip = (unsigned)(api->set->max_connections + 3) / 4;
    if (api->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (api->tls_cert)
        flags |= MHD_USE_TLS;
    api->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, api, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, api,
        MHD_OPTION_SOCK_ADDR, &api->addr, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)api->set->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(api->set->timeout / 1000000),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, api, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        api, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!api->d) {
        r = errno ? -errno : -EADDRNOTAVAIL;
        log_err("api.listen: cannot listen on %s: %s", api->set->listen, strerror(-r));
        return r;
    }
    return 0;
}

int api_start(struct core *c)
{
    const union MHD_DaemonInfo *fdi, *pi;
    int r;

    if (!api || !api->d)
        return 0;
    fdi = MHD_get_daemon_info(api->d, MHD_DAEMON_INFO_EPOLL_FD);
    pi = MHD_get_daemon_info(api->d, MHD_DAEMON_INFO_BIND_PORT);
    if (!fdi)
        return -EIO;
    r = loop_io_add(c->loop, api, fdi->epoll_fd, PXE_IO_IN, on_io, api, &api->io);
    if (r == 0)
        r = loop_timer_add(c->loop, api, 1, on_timer, api, &api->timer);
    if (r == 0)
        r = loop_timer_add(c->loop, api, TICK_USEC, on_tick, api, &api->tick);
    if (r < 0) {
        log_err("api: cannot watch the HTTP daemon: %s", strerror(-r));
        return r;
    }
    log_notice("api: listening on %s port %u%s (token: %s)", api->set->listen,
               pi ? (unsigned)pi->port : 0, api->tls_cert ? ", HTTPS" : "",
               api->set->token ? "api.token" : "<state_dir>/" TOKEN_FILE);
    return 0;
}

void api_stop(struct core *c)
{
    if (!api)
        return;
    loop_source_free(api->io);
    loop_source_free(api->timer);
    loop_source_free(api->tick);
    api->io = api->timer = api->tick = NULL;
    if (api->d)
        MHD_stop_daemon(api->d);
    api->d = NULL;
}

void api_free(struct core *c)
{
    if (api)
        api_tls_free(&api->tls_cert, &api->tls_key);
    free(api);
    api = NULL;
}
