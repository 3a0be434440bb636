/* SPDX-License-Identifier: MIT */
/*
 * The fake core of fake_core.h: its table, and the record of logs, events
 * and metrics.  Config tables, sanitising and crash-safe writes are the
 * core's own (core/config.c, core/log.c, core/atomic.c); the loop is in
 * fake_loop.c, images, files and menus in fake_files.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fake_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "atomic.h"
#include "config.h"
#include "log.h"

#define MAX_KINDS 64

struct fake_core fake;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char kind[48];
    int count;
} kinds[MAX_KINDS];
static char *logs;
static size_t logs_len;

/* ---- logs, events, metrics ---- */

static void keep_log(const char *msg)
{
    size_t n = strlen(msg);
    char *p = realloc(logs, logs_len + n + 2);

    if (!p)
        return;
    logs = p;
    memcpy(logs + logs_len, msg, n);
    logs_len += n;
    logs[logs_len++] = '\n';
    logs[logs_len] = '\0';
}

static void f_vlog(struct pxe_core *self, int level, const char *fmt, va_list ap)
{
    static const char *const names[] = {"emerg",   "alert",  "crit", "error",
                                        "warning", "notice", "info", "debug"};
    char msg[4096];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    pthread_mutex_lock(&lock);
    snprintf(fake.last_log, sizeof(fake.last_log), "%.1023s", msg);
    if (fake.keep_logs)
        keep_log(msg);
    if (!fake.quiet && level <= fake.verbosity)
        fprintf(stderr, "%s: %s: [%s] %s\n", fake.tag, names[level & 7], fake.name, msg);
    pthread_mutex_unlock(&lock);
}

__attribute__((format(printf, 3, 4))) static void f_log(struct pxe_core *self, int level,
                                                        const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    f_vlog(self, level, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 6, 7))) static void f_event(struct pxe_core *self, const char *kind,
                                                          const char *mac, const char *ip,
                                                          uint32_t phase, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&lock);
    fake.events++;
    fake.last_phase = phase;
    snprintf(fake.last_event, sizeof(fake.last_event), "%s ip=%s phase=%u %s", kind, ip ? ip : "-",
             phase, msg);
    for (int i = 0; i < MAX_KINDS; i++)
        if (!kinds[i].kind[0] || strcmp(kinds[i].kind, kind) == 0) {
            snprintf(kinds[i].kind, sizeof(kinds[i].kind), "%s", kind);
            kinds[i].count++;
            break;
        }
    if (!fake.quiet)
        fprintf(stderr, "%s: info: [%s] event %s\n", fake.tag, fake.name, fake.last_event);
    pthread_mutex_unlock(&lock);
}

static void metric(const char *name, int64_t v, int add)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < FAKE_MAX_METRICS; i++)
        if (!fake.metrics[i].name[0] || strcmp(fake.metrics[i].name, name) == 0) {
            snprintf(fake.metrics[i].name, sizeof(fake.metrics[i].name), "%s", name);
            fake.metrics[i].value = add ? fake.metrics[i].value + v : v;
            break;
        }
    pthread_mutex_unlock(&lock);
}

static void f_metric_add(struct pxe_core *self, const char *name, const char *help, uint64_t d)
{
    metric(name, (int64_t)d, 1);
}

static void f_metric_set(struct pxe_core *self, const char *name, const char *help, int64_t v)
{
    metric(name, v, 0);
}

int64_t fake_metric(const char *name)
{
    int64_t v = 0;

    pthread_mutex_lock(&lock);
    for (int i = 0; i < FAKE_MAX_METRICS; i++)
        if (strcmp(fake.metrics[i].name, name) == 0)
            v = fake.metrics[i].value;
    pthread_mutex_unlock(&lock);
    return v;
}

int fake_metric_has(const char *name)
{
    int r = 0;

    pthread_mutex_lock(&lock);
    for (int i = 0; i < FAKE_MAX_METRICS; i++)
        r |= strcmp(fake.metrics[i].name, name) == 0;
    pthread_mutex_unlock(&lock);
    return r;
}

void fake_metrics_print(FILE *out)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < FAKE_MAX_METRICS && fake.metrics[i].name[0]; i++)
        fprintf(out, "metric %s %lld\n", fake.metrics[i].name, (long long)fake.metrics[i].value);
    pthread_mutex_unlock(&lock);
}

int fake_events(const char *kind)
{
    int v = 0;

    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_KINDS; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            v = kinds[i].count;
    pthread_mutex_unlock(&lock);
    return v;
}

int fake_log_has(const char *text)
{
    int r;

    pthread_mutex_lock(&lock);
    r = logs && strstr(logs, text);
    pthread_mutex_unlock(&lock);
    return r;
}

static int f_service_register(struct pxe_core *self, const char *service, uint32_t port)
{
    fake.service_port = port;
    snprintf(fake.service_name, sizeof(fake.service_name), "%s", service);
    return 0;
}

static uint32_t f_method_enabled(struct pxe_core *self)
{
    return fake.method_on;
}

static void f_request_done(struct pxe_request *req, int result)
{
    if (fake.on_request_done)
        fake.on_request_done(req, result);
}

static int f_write_atomic(struct pxe_core *self, const char *path, const void *data, size_t len,
                          uint32_t mode)
{
    return atomic_write_file(path, data, len, mode);
}

/* ---- config ---- */

int fake_config_set(const struct pxe_plugin *p, void *cfg, const char *key_value)
{
    const char *eq = strchr(key_value, '=');
    char key[64], err[CONFIG_ERR_MAX];

    if (!eq || (size_t)(eq - key_value) >= sizeof(key)) {
        fprintf(stderr, "%s: expected KEY=VALUE, not '%s'\n", fake.tag, key_value);
        return -EINVAL;
    }
    snprintf(key, sizeof(key), "%.*s", (int)(eq - key_value), key_value);
    if (config_apply_text(p->config_items, cfg, p->name, key, eq + 1, err) < 0) {
        fprintf(stderr, "%s: %s\n", fake.tag, err);
        return -EINVAL;
    }
    return 0;
}

void *fake_config(const struct pxe_plugin *p, const char *const *overrides, int n)
{
    void *cfg = calloc(1, p->config_size ? p->config_size : 1);
    char err[CONFIG_ERR_MAX];

    if (!cfg)
        return NULL;
    if (config_defaults(p->config_items, cfg, p->name, err) < 0) {
        fprintf(stderr, "%s: %s\n", fake.tag, err);
        fake_config_free(p, cfg);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (fake_config_set(p, cfg, overrides[i]) < 0) {
            fake_config_free(p, cfg);
            return NULL;
        }
    return cfg;
}

void fake_config_free(const struct pxe_plugin *p, void *cfg)
{
    if (!cfg)
        return;
    config_free(p->config_items, cfg);
    free(cfg);
}

void fake_core_init(void)
{
    const char *debug = getenv("FAKE_CORE_DEBUG");

    fake_loop_reset();
    fake_files_reset();
    free(logs);
    logs = NULL;
    logs_len = 0;
    memset(kinds, 0, sizeof(kinds));
    memset(&fake, 0, sizeof(fake));
    fake.tag = "fake";
    fake.name = "plugin";
    fake.method_on = 1;
    fake.verbosity = debug && *debug == '1' ? PXE_LOG_DEBUG : PXE_LOG_INFO;
    fake.api = (struct pxe_core_api){._abi_version = PXE_PLUGIN_ABI_VERSION,
                                     ._struct_size = sizeof(struct pxe_core_api),
                                     .log = f_log,
                                     .vlog = f_vlog,
                                     .io_add = fake_io_add,
                                     .io_set_events = fake_io_set_events,
                                     .timer_add = fake_timer_add,
                                     .timer_set = fake_timer_set,
                                     .source_free = fake_source_free,
                                     .now_usec = fake_now,
                                     .spawn = fake_spawn,
                                     .write_atomic = f_write_atomic,
                                     .file_open = fake_file_open,
                                     .file_close = fake_file_close,
                                     .image_count = fake_image_count,
                                     .image_get = fake_image_get,
                                     .image_find = fake_image_find,
                                     .image_list = fake_image_list,
                                     .image_fact_set = fake_image_fact_set,
                                     .menu_add = fake_menu_add,
                                     .buf_append = fake_buf_append,
                                     .request_done = f_request_done,
                                     .service_register = f_service_register,
                                     .method_enabled = f_method_enabled,
                                     .event = f_event,
                                     .metric_add = f_metric_add,
                                     .metric_set = f_metric_set,
                                     .sanitize = log_sanitize};
}
