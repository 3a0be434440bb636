/* SPDX-License-Identifier: MIT */
/*
 * Drives the nfs plugin through a small fake core (real child processes,
 * real timers, a poll loop), so the glue is tested against real commands
 * (a fake exportfs, nfs-ganesha, mount) without the daemon.
 *
 *   nfs_harness [--set KEY=VALUE]... [--image NAME=PATH]... [--server-ip IP] STEP...
 *
 * Steps, run in order (the first failing one exits 1):
 *   start | stop | crash (exit without stop) | enable | disable
 *   run SECS                  run the loop for SECS seconds
 *   wait-live SECS            until status.live is true
 *   wait-dead SECS            until status.live is false
 *   wait-log TEXT SECS        until a log line contains TEXT
 *   wait-idle SECS            until no command is running
 *   menu | cmdline | check | status | prepare NAME
 *   expect KEY VALUE          top-level status field, printed as JSON, equals VALUE
 *   sh CMD                    /bin/sh -c CMD must exit 0 (the loop is paused meanwhile)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <pxecore/plugin.h>

#include "atomic.h"

const struct pxe_plugin *pxe_plugin_init(void);

struct child {
    pid_t pid;
    int fd;
    char *buf;
    size_t len;
    pxe_exit_cb cb;
    void *ud;
    struct child *next;
};

struct pxe_source {
    uint64_t deadline; /* 0: disarmed */
    pxe_timer_cb cb;
    void *ud;
    int freed;
    struct pxe_source *next;
};

struct pxe_buf {
    char s[8192];
    size_t len;
};

struct pxe_menu {
    int n;
};

static struct child *children;
static struct pxe_source *timers;
static char *loglines;
static size_t loglen;
static uint32_t method_on = 1;
static struct pxe_image images[16];
static uint32_t nimages;

static uint64_t now_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void fc_vlog(struct pxe_core *self, int level, const char *fmt, va_list ap)
{
    char line[4096];
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    static const char *names[] = {"", "", "", "err", "warning", "notice", "info", "debug"};

    if (n < 0)
        return;
    fprintf(stderr, "harness: %s: [nfs] %s\n", level >= 3 && level <= 7 ? names[level] : "?", line);
    loglines = realloc(loglines, loglen + strlen(line) + 2);
    memcpy(loglines + loglen, line, strlen(line));
    loglen += strlen(line);
    loglines[loglen++] = '\n';
    loglines[loglen] = '\0';
}

__attribute__((format(printf, 3, 4))) static void fc_log(struct pxe_core *self, int level,
                                                         const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fc_vlog(self, level, fmt, ap);
    va_end(ap);
}

static int fc_timer_add(struct pxe_core *self, uint64_t usec, pxe_timer_cb cb, void *ud,
                        struct pxe_source **ret)
{
    struct pxe_source *t = calloc(1, sizeof(*t));

    if (!t)
        return -ENOMEM;
    t->deadline = now_usec() + usec;
    t->cb = cb;
    t->ud = ud;
    t->next = timers;
    timers = t;
    *ret = t;
    return 0;
}

static int fc_timer_set(struct pxe_source *t, uint64_t usec)
{
    t->deadline = usec ? now_usec() + usec : 0;
    return 0;
}

static void fc_source_free(struct pxe_source *t)
{
    if (t)
        t->freed = 1;
}

static int fc_spawn(struct pxe_core *self, const char *const *argv, pxe_exit_cb cb, void *ud)
{
    int p[2];
    pid_t pid;
    struct child *c;

    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -errno;
    }
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "execv %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(p[1]);
    c = calloc(1, sizeof(*c));
    c->pid = pid;
    c->fd = p[0];
    c->cb = cb;
    c->ud = ud;
    c->next = children;
    children = c;
    {
        char line[1024];
        size_t n = 0;
        for (int i = 0; argv[i] && n < sizeof(line) - 2; i++)
            n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", argv[i]);
        fprintf(stderr, "harness: spawn: %s\n", line);
    }
    return 0;
}

static uint32_t fc_image_count(struct pxe_core *self)
{
    return nimages;
}

static const struct pxe_image *fc_image_get(struct pxe_core *self, uint32_t i)
{
    return i < nimages ? &images[i] : NULL;
}

static const struct pxe_image *fc_image_find(struct pxe_core *self, const char *name)
{
    for (uint32_t i = 0; i < nimages; i++)
        if (!strcmp(images[i].name, name))
            return &images[i];
    return NULL;
}

static int fc_menu_add(struct pxe_menu *m, const struct pxe_menu_entry *e)
{
    printf("menu: %s \"%s\" help=\"%s\"\n", e->id, e->title, e->help ? e->help : "");
    m->n++;
    return 0;
}

__attribute__((format(printf, 2, 3))) static int fc_buf_append(struct pxe_buf *b, const char *fmt,
                                                               ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(b->s + b->len, sizeof(b->s) - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(b->s) - b->len)
        return -E2BIG;
    b->len += (size_t)n;
    return 0;
}

static void fc_request_done(struct pxe_request *req, int result)
{
    printf("request_done: %d\n", result);
}

static uint32_t fc_method_enabled(struct pxe_core *self)
{
    return method_on;
}

__attribute__((format(printf, 6, 7))) static void fc_event(struct pxe_core *self, const char *kind,
                                                           const char *mac, const char *ip,
                                                           uint32_t phase, const char *fmt, ...)
{
    fprintf(stderr, "harness: event %s\n", kind);
}

static void fc_metric_add(struct pxe_core *self, const char *name, const char *help, uint64_t d)
{
}

static void fc_metric_set(struct pxe_core *self, const char *name, const char *help, int64_t v)
{
}

static size_t fc_sanitize(const char *in, size_t len, char *out, size_t size)
{
    size_t o = 0;

    for (size_t i = 0; i < len && o + 5 < size; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c >= 0x20 && c < 0x7f)
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
    }
    out[o] = '\0';
    return o;
}

static int fc_write_atomic(struct pxe_core *self, const char *path, const void *data, size_t len,
                           uint32_t mode)
{
    (void)self;
    return atomic_write_file(path, data, len, mode);
}

static struct pxe_core_api core = {
    ._abi_version = PXE_PLUGIN_ABI_VERSION,
    ._struct_size = sizeof(struct pxe_core_api),
    .log = fc_log,
    .vlog = fc_vlog,
    .timer_add = fc_timer_add,
    .timer_set = fc_timer_set,
    .source_free = fc_source_free,
    .now_usec = now_usec,
    .spawn = fc_spawn,
    .write_atomic = fc_write_atomic,
    .image_count = fc_image_count,
    .image_get = fc_image_get,
    .image_find = fc_image_find,
    .menu_add = fc_menu_add,
    .buf_append = fc_buf_append,
    .request_done = fc_request_done,
    .method_enabled = fc_method_enabled,
    .event = fc_event,
    .metric_add = fc_metric_add,
    .metric_set = fc_metric_set,
    .sanitize = fc_sanitize,
};

/* One loop iteration, waiting at most max_ms. */
static void loop_once(int max_ms)
{
    struct pollfd pfd[64];
    struct child *cs[64];
    int n = 0, wait_ms = max_ms;
    uint64_t now = now_usec();

    for (struct pxe_source *t = timers; t; t = t->next)
        if (!t->freed && t->deadline) {
            int64_t d = (int64_t)(t->deadline - now) / 1000;
            if (t->deadline <= now)
                d = 0;
            if (d < wait_ms)
                wait_ms = (int)d;
        }
    for (struct child *c = children; c && n < 64; c = c->next) {
        pfd[n].fd = c->fd;
        pfd[n].events = POLLIN;
        cs[n++] = c;
    }
    poll(pfd, (nfds_t)n, wait_ms);
    for (int i = 0; i < n; i++) {
        struct child *c = cs[i];
        char buf[4096];
        ssize_t r;

        if (!pfd[i].revents)
            continue;
        r = read(c->fd, buf, sizeof(buf));
        if (r > 0) {
            c->buf = realloc(c->buf, c->len + (size_t)r + 1);
            memcpy(c->buf + c->len, buf, (size_t)r);
            c->len += (size_t)r;
            c->buf[c->len] = '\0';
            continue;
        }
        {
            int status = 0;
            struct child **pp;

            close(c->fd);
            waitpid(c->pid, &status, 0);
            for (pp = &children; *pp != c; pp = &(*pp)->next)
                ;
            *pp = c->next;
            fprintf(stderr, "harness: exit %d: %s", status, c->buf ? c->buf : "\n");
            if (c->buf && c->len && c->buf[c->len - 1] != '\n')
                fputc('\n', stderr);
            c->cb(c->ud, status, c->buf ? c->buf : "", c->len);
            free(c->buf);
            free(c);
        }
    }
    now = now_usec();
    for (struct pxe_source *t = timers; t; t = t->next)
        if (!t->freed && t->deadline && t->deadline <= now) {
            t->deadline = 0;
            t->cb(t->ud);
        }
}

static const struct pxe_plugin *plug;
static void *state;
static void *cfg;

static json_t *status_json(void)
{
    json_t *j = NULL;

    if (!plug || plug->status(state, &j))
        return NULL;
    return j;
}

static int status_true(const char *key)
{
    json_t *j = status_json();
    int v = j && json_is_true(json_object_get(j, key));

    json_decref(j);
    return v;
}

static int parse_duration(const char *s, uint64_t *out)
{
    char *end;
    double v = strtod(s, &end);

    if (end == s)
        return -1;
    if (!strcmp(end, "ms"))
        v /= 1000;
    else if (!strcmp(end, "m"))
        v *= 60;
    else if (!strcmp(end, "h"))
        v *= 3600;
    else if (*end && strcmp(end, "s"))
        return -1;
    *out = (uint64_t)(v * 1e6);
    return 0;
}

static int set_item(const struct pxe_config_item *it, const char *val)
{
    char *field = (char *)cfg + it->offset;

    switch (it->type) {
    case PXE_CFG_STR:
    case PXE_CFG_PATH:
    case PXE_CFG_ADDR:
        free(*(char **)field);
        *(char **)field = strdup(val);
        return 0;
    case PXE_CFG_BOOL:
        *(uint32_t *)field = !strcmp(val, "true") || !strcmp(val, "1");
        return 0;
    case PXE_CFG_UINT:
        *(uint64_t *)field = strtoull(val, NULL, 10);
        return 0;
    case PXE_CFG_DURATION:
        return parse_duration(val, (uint64_t *)field);
    default:
        return -1;
    }
}

static int set_key(const char *kv)
{
    const char *eq = strchr(kv, '=');

    if (!eq)
        return -1;
    for (const struct pxe_config_item *it = plug->config_items; it->key; it++)
        if (strlen(it->key) == (size_t)(eq - kv) && !memcmp(it->key, kv, (size_t)(eq - kv)))
            return set_item(it, eq + 1);
    fprintf(stderr, "harness: unknown key %s\n", kv);
    return -1;
}

static const char *server_ip = "127.0.0.1";

static int boot_ctx(struct pxe_boot_ctx *ctx, const char *name)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->_struct_size = sizeof(*ctx);
    ctx->image = name ? fc_image_find(NULL, name) : fc_image_get(NULL, 0);
    ctx->server_ip = server_ip;
    ctx->menu_format = "pxelinux";
    return ctx->image ? 0 : -1;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "harness: FAIL: " __VA_ARGS__);                                            \
        fputc('\n', stderr);                                                                       \
        return 1;                                                                                  \
    } while (0)

static int wait_until(int (*cond)(const char *), const char *arg, double secs)
{
    uint64_t end = now_usec() + (uint64_t)(secs * 1e6);

    while (!cond(arg)) {
        if (now_usec() >= end)
            return -1;
        loop_once(100);
    }
    return 0;
}

static int cond_live(const char *unused)
{
    return status_true("live");
}

static int cond_dead(const char *unused)
{
    return !status_true("live");
}

static int cond_log(const char *text)
{
    return loglines && strstr(loglines, text);
}

static int cond_idle(const char *unused)
{
    return children == NULL;
}

int main(int argc, char **argv)
{
    int i = 1;

    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    plug = pxe_plugin_init();
    cfg = calloc(1, plug->config_size);
    for (const struct pxe_config_item *it = plug->config_items; it->key; it++)
        if (it->default_text)
            set_item(it, it->default_text);

    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--set") && i + 1 < argc) {
            if (set_key(argv[++i]))
                FAIL("bad --set %s", argv[i]);
        } else if (!strcmp(argv[i], "--server-ip") && i + 1 < argc) {
            server_ip = argv[++i];
        } else if (!strcmp(argv[i], "--image") && i + 1 < argc && nimages < 16) {
            char *spec = strdup(argv[++i]), *eq = strchr(spec, '=');
            struct pxe_image *im = &images[nimages++];
            struct stat st;

            if (!eq)
                FAIL("--image NAME=PATH");
            *eq = '\0';
            im->_struct_size = sizeof(*im);
            im->name = spec;
            im->source = eq + 1;
            im->basedir = "arch";
            im->arch = "x86_64";
            if (stat(im->source, &st) == 0 && S_ISREG(st.st_mode)) {
                im->is_iso = 1;
                im->size = (uint64_t)st.st_size;
            } else {
                im->dir = im->source;
            }
        } else {
            break;
        }
    }

    for (; i < argc; i++) {
        const char *step = argv[i];
        const char *a1 = i + 1 < argc ? argv[i + 1] : NULL;
        const char *a2 = i + 2 < argc ? argv[i + 2] : NULL;

        printf("step: %s\n", step);
        if (!strcmp(step, "start")) {
            int r = plug->load(&core, (struct pxe_core *)&core, &state);
            if (!r)
                r = plug->config_complete(state, cfg);
            if (!r)
                r = plug->start(state);
            printf("start: %d\n", r);
            if (r)
                return 1;
        } else if (!strcmp(step, "stop")) {
            plug->stop(state);
            plug->unload(state);
            plug = NULL;
        } else if (!strcmp(step, "crash")) {
            _exit(0);
        } else if (!strcmp(step, "enable") || !strcmp(step, "disable")) {
            method_on = !strcmp(step, "enable");
            plug->method_set(state, method_on);
        } else if (!strcmp(step, "run") && a1) {
            uint64_t end = now_usec() + (uint64_t)(atof(a1) * 1e6);
            while (now_usec() < end)
                loop_once(100);
            i++;
        } else if (!strcmp(step, "wait-live") && a1) {
            if (wait_until(cond_live, NULL, atof(a1)))
                FAIL("not live after %s s", a1);
            i++;
        } else if (!strcmp(step, "wait-dead") && a1) {
            if (wait_until(cond_dead, NULL, atof(a1)))
                FAIL("still live after %s s", a1);
            i++;
        } else if (!strcmp(step, "wait-idle") && a1) {
            if (wait_until(cond_idle, NULL, atof(a1)))
                FAIL("commands still running after %s s", a1);
            i++;
        } else if (!strcmp(step, "wait-log") && a1 && a2) {
            if (wait_until(cond_log, a1, atof(a2)))
                FAIL("no log line with \"%s\" after %s s", a1, a2);
            i += 2;
        } else if (!strcmp(step, "menu")) {
            struct pxe_boot_ctx ctx;
            struct pxe_menu m = {0};
            for (uint32_t k = 0; k < nimages; k++) {
                boot_ctx(&ctx, images[k].name);
                if (plug->menu_entries(state, &ctx, &m))
                    FAIL("menu_entries");
            }
            printf("menu-count: %d\n", m.n);
        } else if (!strcmp(step, "cmdline") || !strcmp(step, "check")) {
            struct pxe_boot_ctx ctx;
            static struct pxe_buf b, why;
            boot_ctx(&ctx, NULL);
            b.len = why.len = 0;
            b.s[0] = why.s[0] = '\0';
            if (plug->cmdline(state, &ctx, &b))
                FAIL("cmdline");
            if (!strcmp(step, "cmdline"))
                printf("cmdline: %s\n", b.s);
            else if (plug->cmdline_check(state, &ctx, b.s, &why))
                printf("check: refused: %s\n", why.s);
            else
                printf("check: ok\n");
        } else if (!strcmp(step, "prepare") && a1) {
            const struct pxe_image *im = fc_image_find(NULL, a1);
            printf("prepare: %d\n", plug->rootfs_prepare(state, im, (struct pxe_request *)&core));
            i++;
        } else if (!strcmp(step, "status")) {
            json_t *j = status_json();
            char *s = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
            printf("status: %s\n", s ? s : "null");
            free(s);
            json_decref(j);
        } else if (!strcmp(step, "expect") && a1 && a2) {
            json_t *j = status_json();
            char *s = j ? json_dumps(json_object_get(j, a1), JSON_ENCODE_ANY) : NULL;
            int ok = s && !strcmp(s, a2);
            printf("expect %s: %s\n", a1, s ? s : "(none)");
            free(s);
            json_decref(j);
            if (!ok)
                FAIL("status %s is not %s", a1, a2);
            i += 2;
        } else if (!strcmp(step, "sh") && a1) {
            int r = system(a1);
            printf("sh: exit %d\n", r);
            if (r != 0)
                FAIL("sh: %s", a1);
            i++;
        } else {
            FAIL("unknown step %s", step);
        }
    }
    return 0;
}
