/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <pxecore/plugin.h>

#include "metrics.h"

struct metric {
    char name[96]; /* full Prometheus name */
    const char *help;
    uint32_t type;
    int64_t value;
};

static pthread_mutex_t m_lock = PTHREAD_MUTEX_INITIALIZER;
static struct metric metrics[METRICS_MAX];
static unsigned n_metrics;

/* Builds pxecore_<plugin>_<name> with [^a-zA-Z0-9_] mapped to '_'. */
static void full_name(char out[96], const char *plugin, const char *name, uint32_t type)
{
    size_t n;

    snprintf(out, 96, "pxecore_%s_%s", plugin, name);
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            *p = '_';
    n = strlen(out);
    if (type == PXE_METRIC_COUNTER && (n < 6 || strcmp(out + n - 6, "_total") != 0) && n < 90)
        strcat(out, "_total");
}

static struct metric *find(const char *plugin, const char *name, const char *help, uint32_t type)
{
    char fn[96];

    full_name(fn, plugin, name, type);
    for (unsigned i = 0; i < n_metrics; i++)
        if (metrics[i].type == type && strcmp(metrics[i].name, fn) == 0)
            return &metrics[i];
    if (n_metrics == METRICS_MAX)
        return NULL;
    memcpy(metrics[n_metrics].name, fn, sizeof(fn));
    metrics[n_metrics].help = help;
    metrics[n_metrics].type = type;
    return &metrics[n_metrics++];
}

void metrics_add(const char *plugin, const char *name, const char *help, uint64_t delta)
{
    struct metric *m;

    pthread_mutex_lock(&m_lock);
    m = find(plugin, name, help, PXE_METRIC_COUNTER);
    if (m)
        m->value += (int64_t)delta;
    pthread_mutex_unlock(&m_lock);
}

void metrics_set(const char *plugin, const char *name, const char *help, int64_t value)
{
    struct metric *m;

    pthread_mutex_lock(&m_lock);
    m = find(plugin, name, help, PXE_METRIC_GAUGE);
    if (m)
        m->value = value;
    pthread_mutex_unlock(&m_lock);
}

static void help_text(char *out, size_t n, const char *help)
{
    size_t o = 0;

    for (; help && *help && o + 3 < n; help++) {
        if (*help == '\n' || *help == '\\') {
            out[o++] = '\\';
            out[o++] = *help == '\n' ? 'n' : '\\';
        } else {
            out[o++] = *help;
        }
    }
    out[o] = '\0';
}

int metrics_render(struct pxe_buf *out)
{
    int r = 0;

    pthread_mutex_lock(&m_lock);
    for (unsigned i = 0; i < n_metrics && r == 0; i++) {
        const struct metric *m = &metrics[i];
        char help[256];

        help_text(help, sizeof(help), m->help ? m->help : m->name);
        r = buf_append(out, "# HELP %s %s\n# TYPE %s %s\n%s %" PRId64 "\n", m->name, help,
                       m->name, m->type == PXE_METRIC_COUNTER ? "counter" : "gauge", m->name,
                       m->value);
    }
    pthread_mutex_unlock(&m_lock);
    return r;
}

void metrics_reset(void)
{
    pthread_mutex_lock(&m_lock);
    n_metrics = 0;
    pthread_mutex_unlock(&m_lock);
}
