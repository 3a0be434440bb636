/* SPDX-License-Identifier: MIT */
/* Fake core for the NBD plugin's tests (see fake_core.h). */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fake_core.h"

#define MAX_SRC    16
#define MAX_IMG    8
#define MAX_METRIC 32

struct pxe_source {
    int fd;
    uint32_t events;
    pxe_io_cb cb;
    void *ud;
    int used;
};

struct pxe_buf {
    char s[4096];
};

struct pxe_menu {
    char s[4096];
};

static struct pxe_source srcs[MAX_SRC];
static struct pxe_image images[MAX_IMG];
static uint32_t n_images;
static volatile int quit;
static pthread_mutex_t mlock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char name[64];
    int64_t value;
} metrics[MAX_METRIC];
static struct {
    char kind[32];
    int count;
} events[MAX_METRIC];
static uint32_t method_on = 1;

static void f_vlog(struct pxe_core *self, int level, const char *fmt, va_list ap)
{
    if (level == PXE_LOG_DEBUG && !getenv("NBD_TEST_DEBUG"))
        return;
    fprintf(stderr, "fake: <%d> [nbd] ", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static void f_log(struct pxe_core *self, int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    f_vlog(self, level, fmt, ap);
    va_end(ap);
}

static int f_io_add(struct pxe_core *self, int fd, uint32_t ev, pxe_io_cb cb, void *ud,
                    struct pxe_source **ret)
{
    for (int i = 0; i < MAX_SRC; i++)
        if (!srcs[i].used) {
            srcs[i] = (struct pxe_source){fd, ev, cb, ud, 1};
            *ret = &srcs[i];
            return 0;
        }
    return -ENOMEM;
}

static int f_io_set_events(struct pxe_source *src, uint32_t ev)
{
    src->events = ev;
    return 0;
}

static void f_source_free(struct pxe_source *src)
{
    if (src)
        src->used = 0;
}

static uint64_t f_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint32_t f_image_count(struct pxe_core *self)
{
    return n_images;
}

static const struct pxe_image *f_image_get(struct pxe_core *self, uint32_t i)
{
    return i < n_images ? &images[i] : NULL;
}

static const struct pxe_image *f_image_find(struct pxe_core *self, const char *name)
{
    for (uint32_t i = 0; i < n_images; i++)
        if (strcmp(images[i].name, name) == 0)
            return &images[i];
    return NULL;
}

static int f_menu_add(struct pxe_menu *m, const struct pxe_menu_entry *e)
{
    size_t n = strlen(m->s);

    snprintf(m->s + n, sizeof(m->s) - n, "%s|%s\n", e->id, e->title);
    return 0;
}

static int f_buf_append(struct pxe_buf *b, const char *fmt, ...)
{
    size_t n = strlen(b->s);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(b->s + n, sizeof(b->s) - n, fmt, ap);
    va_end(ap);
    return 0;
}

static int f_service_register(struct pxe_core *self, const char *service, uint32_t port)
{
    fprintf(stderr, "fake: service %s port %u\n", service, port);
    return 0;
}

static uint32_t f_method_enabled(struct pxe_core *self)
{
    return method_on;
}

static void f_event(struct pxe_core *self, const char *kind, const char *mac, const char *ip,
                    uint32_t phase, const char *fmt, ...)
{
    pthread_mutex_lock(&mlock);
    for (int i = 0; i < MAX_METRIC; i++)
        if (!events[i].kind[0] || strcmp(events[i].kind, kind) == 0) {
            snprintf(events[i].kind, sizeof(events[i].kind), "%s", kind);
            events[i].count++;
            break;
        }
    pthread_mutex_unlock(&mlock);
    if (getenv("NBD_TEST_DEBUG"))
        fprintf(stderr, "fake: event %s ip=%s phase=%u\n", kind, ip ? ip : "-", phase);
}

static void f_metric(const char *name, int64_t v, int add)
{
    pthread_mutex_lock(&mlock);
    for (int i = 0; i < MAX_METRIC; i++)
        if (!metrics[i].name[0] || strcmp(metrics[i].name, name) == 0) {
            snprintf(metrics[i].name, sizeof(metrics[i].name), "%s", name);
            metrics[i].value = add ? metrics[i].value + v : v;
            break;
        }
    pthread_mutex_unlock(&mlock);
}

static void f_metric_add(struct pxe_core *self, const char *name, const char *help, uint64_t d)
{
    f_metric(name, (int64_t)d, 1);
}

static void f_metric_set(struct pxe_core *self, const char *name, const char *help, int64_t v)
{
    f_metric(name, v, 0);
}

static size_t f_sanitize(const char *in, size_t len, char *out, size_t n)
{
    size_t o = 0;

    for (size_t i = 0; i < len && o + 5 < n; i++) {
        unsigned char c = (unsigned char)in[i];

        if (c >= 0x20 && c < 0x7f && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, n - o, "\\x%02x", c);
    }
    if (n)
        out[o < n ? o : n - 1] = 0;
    return o;
}

const struct pxe_core_api fake_api = {
    ._abi_version = PXE_PLUGIN_ABI_VERSION,
    ._struct_size = sizeof(struct pxe_core_api),
    .log = f_log,
    .vlog = f_vlog,
    .io_add = f_io_add,
    .io_set_events = f_io_set_events,
    .source_free = f_source_free,
    .now_usec = f_now,
    .image_count = f_image_count,
    .image_get = f_image_get,
    .image_find = f_image_find,
    .menu_add = f_menu_add,
    .buf_append = f_buf_append,
    .service_register = f_service_register,
    .method_enabled = f_method_enabled,
    .event = f_event,
    .metric_add = f_metric_add,
    .metric_set = f_metric_set,
    .sanitize = f_sanitize,
};

void fake_add_image(const char *name, const char *source, uint32_t is_iso)
{
    if (n_images == MAX_IMG)
        return;
    images[n_images] = (struct pxe_image){
        ._struct_size = sizeof(struct pxe_image),
        .is_iso = is_iso,
        .name = strdup(name),
        .source = strdup(source),
        .basedir = "arch",
        .arch = "x86_64",
    };
    n_images++;
}

static int set_item(void *cfg, const struct pxe_config_item *it, const char *v)
{
    char *p = (char *)cfg + it->offset;
    char *end;

    switch (it->type) {
    case PXE_CFG_STR:
    case PXE_CFG_ADDR:
    case PXE_CFG_PATH:
        *(char **)p = strdup(v);
        return 0;
    case PXE_CFG_INT:
    case PXE_CFG_UINT:
        *(uint64_t *)p = strtoull(v, &end, 10);
        return *end ? -EINVAL : 0;
    case PXE_CFG_BOOL:
        *(uint32_t *)p = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
        return 0;
    case PXE_CFG_DURATION: {
        double d = strtod(v, &end);

        if (strcmp(end, "ms") == 0)
            d /= 1000;
        *(uint64_t *)p = (uint64_t)(d * 1e6);
        return 0;
    }
    case PXE_CFG_JSON:
        *(json_t **)p = json_loads(v, JSON_DECODE_ANY, NULL);
        return *(json_t **)p ? 0 : -EINVAL;
    default:
        return -EINVAL;
    }
}

void *fake_config(const struct pxe_plugin *p, const char *const *ov, int n)
{
    void *cfg = calloc(1, p->config_size);
    const struct pxe_config_item *it;

    for (it = p->config_items; cfg && it && it->key; it++) {
        const char *v = it->default_text;

        for (int i = 0; i < n; i++) {
            size_t k = strlen(it->key);

            if (strncmp(ov[i], it->key, k) == 0 && ov[i][k] == '=')
                v = ov[i] + k + 1;
        }
        if (v && set_item(cfg, it, v) < 0) {
            fprintf(stderr, "fake: bad value for %s\n", it->key);
            free(cfg);
            return NULL;
        }
    }
    return cfg;
}

void fake_config_free(const struct pxe_plugin *p, void *cfg)
{
    const struct pxe_config_item *it;

    for (it = p->config_items; cfg && it && it->key; it++) {
        char *f = (char *)cfg + it->offset;

        if (it->type == PXE_CFG_STR || it->type == PXE_CFG_ADDR || it->type == PXE_CFG_PATH)
            free(*(char **)f);
        else if (it->type == PXE_CFG_JSON)
            json_decref(*(json_t **)f);
    }
    free(cfg);
}

void fake_run(uint64_t usec)
{
    uint64_t end = usec ? f_now() + usec : UINT64_MAX;

    quit = 0;
    while (!quit && f_now() < end) {
        struct pollfd pf[MAX_SRC];
        int idx[MAX_SRC], n = 0;

        for (int i = 0; i < MAX_SRC; i++)
            if (srcs[i].used) {
                pf[n] = (struct pollfd){.fd = srcs[i].fd, .events = (short)srcs[i].events};
                idx[n++] = i;
            }
        if (poll(pf, (nfds_t)n, 20) <= 0)
            continue;
        for (int i = 0; i < n; i++)
            if (pf[i].revents && srcs[idx[i]].used)
                srcs[idx[i]].cb(srcs[idx[i]].ud, pf[i].fd, (uint32_t)pf[i].revents);
    }
}

void fake_quit(void)
{
    quit = 1;
}

int64_t fake_metric(const char *name)
{
    int64_t v = 0;

    pthread_mutex_lock(&mlock);
    for (int i = 0; i < MAX_METRIC; i++)
        if (strcmp(metrics[i].name, name) == 0)
            v = metrics[i].value;
    pthread_mutex_unlock(&mlock);
    return v;
}

int fake_events(const char *kind)
{
    int v = 0;

    pthread_mutex_lock(&mlock);
    for (int i = 0; i < MAX_METRIC; i++)
        if (strcmp(events[i].kind, kind) == 0)
            v = events[i].count;
    pthread_mutex_unlock(&mlock);
    return v;
}

struct pxe_buf *fake_buf_new(void)
{
    return calloc(1, sizeof(struct pxe_buf));
}

const char *fake_buf_str(struct pxe_buf *b)
{
    return b->s;
}

struct pxe_menu *fake_menu_new(void)
{
    return calloc(1, sizeof(struct pxe_menu));
}

const char *fake_menu_str(struct pxe_menu *m)
{
    return m->s;
}
