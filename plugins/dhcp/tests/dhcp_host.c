/* SPDX-License-Identifier: MIT */
/*
 * A stand-in core that runs one plugin .so alone: epoll loop, timers, config
 * from "--set KEY=VALUE" and the plugin's cli flags, pidfile, SIGTERM.  Takes
 * the daemon's command line (unknown core flags with a value are ignored) so
 * the DHCP integration tests and the benchmark also run where the real
 * daemon is not built.  Extra flags: --service NAME=PORT, --host MAC[=local].
 * Events and metrics are printed to stderr ("event: ...", "metric: ...").
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <pxecore/plugin.h>

struct pxe_source {
    struct pxe_source *next_dead; /* freed after the current epoll batch */
    int fd, timer;
    pxe_io_cb io;
    pxe_timer_cb tcb;
    void *ud;
};

struct kv {
    char name[64];
    char value[64];
    int64_t n;
};

static const struct pxe_plugin *plug;
static struct pxe_source *dead;
static int epfd, verbose;
static struct kv services[8], metrics[64];
static size_t n_services, n_metrics;
static char local_macs[16][18];
static uint32_t local_flag[16];
static size_t n_local;
static struct pxe_host host_buf;

static void h_vlog(struct pxe_core *self, int level, const char *fmt, va_list ap)
{
    if (level > PXE_LOG_INFO && !verbose)
        return;
    fprintf(stderr, "pxecore[%d]: %s: [%s] ", getpid(),
            level <= 3 ? "error" : level == 4 ? "warning" : level == 5 ? "notice"
                                                          : level == 6 ? "info" : "debug",
            plug->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static void h_log(struct pxe_core *self, int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    h_vlog(self, level, fmt, ap);
    va_end(ap);
}

static int h_io_add(struct pxe_core *self, int fd, uint32_t events, pxe_io_cb cb, void *ud,
                    struct pxe_source **ret)
{
    struct pxe_source *s = calloc(1, sizeof(*s));
    struct epoll_event ev = {.events = events};

    if (!s)
        return -ENOMEM;
    s->fd = fd;
    s->io = cb;
    s->ud = ud;
    ev.data.ptr = s;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        free(s);
        return -errno;
    }
    *ret = s;
    return 0;
}

static int h_io_set(struct pxe_source *s, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = s};

    return epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0 ? -errno : 0;
}

static int h_timer_set(struct pxe_source *s, uint64_t usec)
{
    struct itimerspec its = {0};

    its.it_value.tv_sec = (time_t)(usec / 1000000);
    its.it_value.tv_nsec = (long)(usec % 1000000) * 1000;
    if (usec && !its.it_value.tv_sec && !its.it_value.tv_nsec)
        its.it_value.tv_nsec = 1;
    return timerfd_settime(s->fd, 0, &its, NULL) < 0 ? -errno : 0;
}

static int h_timer_add(struct pxe_core *self, uint64_t usec, pxe_timer_cb cb, void *ud,
                       struct pxe_source **ret)
{
    struct pxe_source *s = calloc(1, sizeof(*s));
    struct epoll_event ev = {.events = EPOLLIN};

    if (!s)
        return -ENOMEM;
    s->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    s->timer = 1;
    s->tcb = cb;
    s->ud = ud;
    ev.data.ptr = s;
    epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev);
    h_timer_set(s, usec);
    *ret = s;
    return 0;
}

static void h_source_free(struct pxe_source *s)
{
    if (!s)
        return;
    epoll_ctl(epfd, EPOLL_CTL_DEL, s->fd, NULL);
    if (s->timer)
        close(s->fd);
    s->io = NULL;
    s->tcb = NULL;
    /* An event for it may still be in the current epoll batch: freed after it. */
    s->next_dead = dead;
    dead = s;
}

static void reap_dead(void)
{
    while (dead) {
        struct pxe_source *s = dead;

        dead = s->next_dead;
        free(s);
    }
}

/* Frees what set_item allocated. */
static void free_cfg(void *cfg)
{
    for (const struct pxe_config_item *it = plug->config_items; it && it->key; it++) {
        char *p = (char *)cfg + it->offset;

        switch (it->type) {
        case PXE_CFG_STR:
        case PXE_CFG_ADDR:
        case PXE_CFG_PATH:
            free(*(char **)p);
            break;
        case PXE_CFG_STRLIST:
            for (char **l = *(char ***)p; l && *l; l++)
                free(*l);
            free(*(char ***)p);
            break;
        case PXE_CFG_JSON:
            json_decref(*(json_t **)p);
            break;
        }
    }
    free(cfg);
}

static uint64_t h_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint32_t h_service_port(struct pxe_core *self, const char *name)
{
    for (size_t i = 0; i < n_services; i++)
        if (strcmp(services[i].name, name) == 0)
            return (uint32_t)services[i].n;
    return 0;
}

static const struct pxe_host *h_host_lookup(struct pxe_core *self, const char *mac)
{
    for (size_t i = 0; i < n_local; i++)
        if (strcasecmp(local_macs[i], mac) == 0) {
            host_buf._struct_size = sizeof(host_buf);
            host_buf.mac = local_macs[i];
            host_buf.local_boot = local_flag[i];
            return &host_buf;
        }
    return NULL;
}

static void h_event(struct pxe_core *self, const char *kind, const char *mac, const char *ip,
                    uint32_t phase, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "event: %s mac=%s ip=%s phase=%u ", kind, mac ? mac : "-", ip ? ip : "-",
            phase);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static struct kv *metric(const char *name)
{
    for (size_t i = 0; i < n_metrics; i++)
        if (strcmp(metrics[i].name, name) == 0)
            return &metrics[i];
    if (n_metrics == 64)
        return NULL;
    snprintf(metrics[n_metrics].name, sizeof(metrics[0].name), "%s", name);
    return &metrics[n_metrics++];
}

static void h_metric_add(struct pxe_core *self, const char *name, const char *help, uint64_t d)
{
    struct kv *m = metric(name);

    if (m)
        m->n += (int64_t)d;
}

static void h_metric_set(struct pxe_core *self, const char *name, const char *help, int64_t v)
{
    struct kv *m = metric(name);

    if (m)
        m->n = v;
}

static size_t h_sanitize(const char *in, size_t len, char *out, size_t size)
{
    size_t n = 0;

    for (size_t i = 0; i < len && n + 5 < size; i++) {
        unsigned char c = (unsigned char)in[i];

        if (c >= 0x20 && c < 0x7f && c != '\\')
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, size - n, "\\x%02x", c);
    }
    if (size)
        out[n < size ? n : size - 1] = '\0';
    return n;
}

static const struct pxe_core_api api = {
    ._abi_version = PXE_PLUGIN_ABI_VERSION,
    ._struct_size = sizeof(struct pxe_core_api),
    .log = h_log,
    .vlog = h_vlog,
    .io_add = h_io_add,
    .io_set_events = h_io_set,
    .timer_add = h_timer_add,
    .timer_set = h_timer_set,
    .source_free = h_source_free,
    .now_usec = h_now,
    .host_lookup = h_host_lookup,
    .service_port = h_service_port,
    .event = h_event,
    .metric_add = h_metric_add,
    .metric_set = h_metric_set,
    .sanitize = h_sanitize,
};

static int parse_duration(const char *v, uint64_t *ret)
{
    char *end;
    double d = strtod(v, &end);

    if (end == v)
        return -1;
    if (strcmp(end, "ms") == 0)
        d *= 1e3;
    else if (strcmp(end, "s") == 0 || !*end)
        d *= 1e6;
    else if (strcmp(end, "m") == 0)
        d *= 60e6;
    else if (strcmp(end, "h") == 0)
        d *= 3600e6;
    else
        return -1;
    *ret = (uint64_t)d;
    return 0;
}

/* Stores value (text form) into the config struct for item it. */
static int set_item(void *cfg, const struct pxe_config_item *it, const char *v)
{
    char *p = (char *)cfg + it->offset;

    switch (it->type) {
    case PXE_CFG_STR:
    case PXE_CFG_ADDR:
    case PXE_CFG_PATH:
        free(*(char **)p);
        *(char **)p = strdup(v);
        return 0;
    case PXE_CFG_INT:
        *(int64_t *)p = strtoll(v, NULL, 0);
        return 0;
    case PXE_CFG_UINT:
        *(uint64_t *)p = strtoull(v, NULL, 0);
        return 0;
    case PXE_CFG_BOOL:
        *(uint32_t *)p = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
        return 0;
    case PXE_CFG_DURATION:
        return parse_duration(v, (uint64_t *)p);
    case PXE_CFG_STRLIST: {
        char **old = *(char ***)p, **l;
        size_t n = 0;

        while (old && old[n])
            n++;
        l = realloc(old, (n + 2) * sizeof(*l));
        l[n] = strdup(v);
        l[n + 1] = NULL;
        *(char ***)p = l;
        return 0;
    }
    case PXE_CFG_JSON:
        json_decref(*(json_t **)p);
        *(json_t **)p = json_loads(v, JSON_DECODE_ANY, NULL);
        return *(json_t **)p ? 0 : -1;
    }
    return -1;
}

static const struct pxe_config_item *find_item(const char *key, int by_flag)
{
    for (const struct pxe_config_item *it = plug->config_items; it && it->key; it++)
        if (strcmp(by_flag ? (it->cli_flag ? it->cli_flag : "") : it->key, key) == 0)
            return it;
    return NULL;
}

static volatile sig_atomic_t quit;

int main(int argc, char **argv)
{
    const char *pdir = NULL, *pidfile = NULL, *pname = "dhcp";
    char path[4096];
    void *dl, *state = NULL, *cfg;
    const struct pxe_plugin *(*init)(void);
    sigset_t mask;
    int sfd, r;

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--plugins-dir") == 0 && i + 1 < argc)
            pdir = argv[++i];
        else if (strcmp(argv[i], "--plugin") == 0 && i + 1 < argc)
            pname = argv[++i];
    if (!pdir) {
        fprintf(stderr, "usage: dhcp_host --plugins-dir DIR [--set KEY=VALUE]... [flags]\n");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/pxecore-%s.so", pdir, pname);
    dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl || !(init = (const struct pxe_plugin *(*)(void))dlsym(dl, "pxe_plugin_init"))) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return 5;
    }
    plug = init();
    cfg = calloc(1, plug->config_size);
    for (const struct pxe_config_item *it = plug->config_items; it && it->key; it++)
        if (it->default_text && set_item(cfg, it, it->default_text) < 0)
            return 5;
    for (int i = 1; i < argc; i++) {
        const struct pxe_config_item *it;
        const char *a = argv[i];

        if (strcmp(a, "--plugins-dir") == 0 || strcmp(a, "--plugin") == 0) {
            i++;
        } else if (strcmp(a, "--pidfile") == 0 && i + 1 < argc) {
            pidfile = argv[++i];
        } else if (strcmp(a, "-v") == 0) {
            verbose = 1;
        } else if (strcmp(a, "--no-api") == 0) {
        } else if (strcmp(a, "--set") == 0 && i + 1 < argc) {
            char key[128];
            const char *eq = strchr(argv[++i], '='), *k = argv[i];

            if (strncmp(k, plug->name, strlen(plug->name)) == 0 && k[strlen(plug->name)] == '.')
                k += strlen(plug->name) + 1;
            else
                continue;
            if (!eq || (size_t)(eq - k) >= sizeof(key))
                return 1;
            snprintf(key, sizeof(key), "%.*s", (int)(eq - k), k);
            if (!(it = find_item(key, 0)) || set_item(cfg, it, eq + 1) < 0) {
                fprintf(stderr, "bad --set %s\n", argv[i]);
                return 1;
            }
        } else if (strcmp(a, "--service") == 0 && i + 1 < argc && n_services < 8) {
            const char *eq = strchr(argv[++i], '=');

            if (!eq)
                return 1;
            snprintf(services[n_services].name, 64, "%.*s", (int)(eq - argv[i]), argv[i]);
            services[n_services++].n = atoi(eq + 1);
        } else if (strcmp(a, "--host") == 0 && i + 1 < argc && n_local < 16) {
            /* --host MAC: a known host; --host MAC=local: one that boots from disk */
            local_flag[n_local] = strstr(argv[i + 1], "=local") != NULL;
            snprintf(local_macs[n_local++], 18, "%.17s", argv[++i]);
        } else if (strncmp(a, "--", 2) == 0 && (it = find_item(a + 2, 1))) {
            if (it->type == PXE_CFG_BOOL)
                set_item(cfg, it, "true");
            else if (i + 1 < argc)
                set_item(cfg, it, argv[++i]);
        } else if (strncmp(a, "--", 2) == 0 && i + 1 < argc) {
            i++; /* a core flag with a value: --state-dir, --image, --root, --config... */
        }
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    r = plug->load(&api, NULL, &state);
    if (r >= 0 && plug->config_complete)
        r = plug->config_complete(state, cfg);
    if (r < 0)
        return 1;
    if (plug->bind && (r = plug->bind(state)) < 0)
        return 2;
    if (plug->start && (r = plug->start(state)) < 0)
        return 5;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

        epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
    }
    if (pidfile) {
        FILE *f = fopen(pidfile, "w");

        if (f) {
            fprintf(f, "%d\n", getpid());
            fclose(f);
        }
    }
    /* Buffered stderr, flushed once per loop iteration: one write per batch of lines. */
    setvbuf(stderr, NULL, _IOFBF, 1 << 16);
    while (!quit) {
        struct epoll_event evs[16];
        int n;

        fflush(stderr);
        n = epoll_wait(epfd, evs, 16, -1);

        for (int i = 0; i < n; i++) {
            struct pxe_source *s = evs[i].data.ptr;

            if (!s) {
                quit = 1;
                continue;
            }
            if (s->timer && s->tcb) {
                uint64_t x;

                if (read(s->fd, &x, sizeof(x)) == sizeof(x))
                    s->tcb(s->ud);
            } else if (s->io) {
                s->io(s->ud, s->fd, evs[i].events);
            }
        }
        reap_dead();
    }
    if (plug->stop)
        plug->stop(state);
    fflush(stderr);
    setvbuf(stderr, NULL, _IONBF, 0);
    for (size_t i = 0; i < n_metrics; i++)
        fprintf(stderr, "metric: %s %" PRId64 "\n", metrics[i].name, metrics[i].n);
    plug->unload(state);
    reap_dead();
    free_cfg(cfg);
    close(sfd);
    close(epfd);
    dlclose(dl);
    return 0;
}
