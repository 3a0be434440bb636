/* SPDX-License-Identifier: MIT */
/* The fake core of fake_core.h. */
#include "fake_core.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct fake_core fake;

struct pxe_source {
    pxe_timer_cb cb;
    void *ud;
    uint64_t due; /* 0: disarmed */
};

static struct pxe_source *timers[8];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

struct fake_file {
    struct pxe_file f;
    char path[1024];
    char real[1200];
    char *gen;
};

static uint64_t fake_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void fake_vlog(struct pxe_core *self, int level, const char *fmt, va_list ap)
{
    static const char *const names[] = {"", "", "", "error", "warning", "notice", "info", "debug"};
    char msg[4096];

    if (fake.quiet || level > PXE_LOG_INFO)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    pthread_mutex_lock(&lock);
    fprintf(stderr, "pxecore[%d]: %s: [http] %s\n", (int)getpid(), names[level & 7], msg);
    pthread_mutex_unlock(&lock);
}

static void fake_log(struct pxe_core *self, int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fake_vlog(self, level, fmt, ap);
    va_end(ap);
}

static int fake_timer_add(struct pxe_core *self, uint64_t usec, pxe_timer_cb cb, void *ud,
                          struct pxe_source **ret_src)
{
    for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
        if (!timers[i]) {
            timers[i] = calloc(1, sizeof(*timers[i]));
            if (!timers[i])
                return -ENOMEM;
            timers[i]->cb = cb;
            timers[i]->ud = ud;
            timers[i]->due = fake_now() + usec;
            *ret_src = timers[i];
            return 0;
        }
    }
    return -ENOSPC;
}

static int fake_timer_set(struct pxe_source *src, uint64_t usec)
{
    src->due = usec ? fake_now() + usec : 0;
    return 0;
}

static void fake_source_free(struct pxe_source *src)
{
    for (size_t i = 0; src && i < sizeof(timers) / sizeof(timers[0]); i++)
        if (timers[i] == src)
            timers[i] = NULL;
    free(src);
}

void fake_core_run_timers(void)
{
    for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
        struct pxe_source *t = timers[i];

        if (t && t->due && t->due <= fake_now()) {
            t->due = 0;
            t->cb(t->ud);
        }
    }
}

static int buf_vappend(struct pxe_buf *b, const char *fmt, va_list ap)
{
    int n = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);

    if (n < 0 || (size_t)n >= sizeof(b->s) - b->n)
        return -E2BIG;
    b->n += (size_t)n;
    return 0;
}

static int fake_buf_append(struct pxe_buf *b, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = buf_vappend(b, fmt, ap);
    va_end(ap);
    return r;
}

static int fake_menu_add(struct pxe_menu *m, const struct pxe_menu_entry *e)
{
    if (m->n >= 8)
        return -E2BIG;
    snprintf(m->id[m->n], sizeof(m->id[0]), "%s", e->id);
    snprintf(m->title[m->n], sizeof(m->title[0]), "%s", e->title);
    m->e[m->n] = *e;
    m->e[m->n].id = m->id[m->n];
    m->e[m->n].title = m->title[m->n];
    m->n++;
    return 0;
}

/* boot.ipxe from the plugin's boot method for the default image. */
static char *generate_ipxe(const struct pxe_client *client)
{
    struct pxe_boot_ctx ctx = {sizeof(ctx), &fake.images[0], NULL, NULL, NULL, "ipxe"};
    struct pxe_menu menu = {0};
    struct pxe_buf *out = calloc(2, sizeof(*out)), *why;
    char *text;

    if (!out)
        return NULL;
    why = out + 1;
    ctx.server_ip = client && client->local_ip ? client->local_ip : "127.0.0.1";
    fake_buf_append(out, "#!ipxe\n");
    if (fake.plugin && fake.plugin->menu_entries(fake.plugin_state, &ctx, &menu) == 0) {
        for (unsigned i = 0; i < menu.n; i++) {
            size_t start;

            fake_buf_append(out, ":%s\n# %s\nkernel %s%s ", menu.id[i], menu.title[i],
                            fake.images[0].prefix, fake.images[0].kernel);
            start = out->n;
            fake.plugin->cmdline(fake.plugin_state, &ctx, out);
            if (fake.global_args)
                fake_buf_append(out, " %s", fake.global_args);
            if (fake.plugin->cmdline_check(fake.plugin_state, &ctx, out->s + start, why) < 0) {
                out->n = start;
                out->s[start] = '\0';
                fake_buf_append(out, "# refused: %s", why->s);
            }
            fake_buf_append(out, "\n");
        }
    }
    text = strdup(out->s);
    free(out);
    return text;
}

/* Open path below dir, refusing anything that resolves outside (openat2 RESOLVE_BENEATH). */
static int open_beneath(const char *dir, const char *rel)
{
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

    if (dfd < 0)
        return -errno;
    fd = (int)syscall(SYS_openat2, dfd, *rel ? rel : ".", &how, sizeof(how));
    if (fd < 0)
        fd = errno == EXDEV ? -EACCES : -errno;
    close(dfd);
    return fd;
}

static int fake_file_open(struct pxe_core *self, const char *path, const struct pxe_client *client,
                          struct pxe_file **ret_file)
{
    struct fake_file *ff = calloc(1, sizeof(*ff));
    const char *dir = fake.images[0].dir, *rel;
    size_t n = 0;
    struct stat st;
    int fd;

    if (!ff)
        return -ENOMEM;
    for (const char *p = path; *p && n + 1 < sizeof(ff->path); p++) {
        char c = *p == '\\' ? '/' : *p;

        if (c == '/' && (n == 0 || ff->path[n - 1] == '/'))
            continue;
        ff->path[n++] = c;
    }
    if (strstr(ff->path, "..")) {
        free(ff);
        return -EACCES;
    }
    ff->f._struct_size = sizeof(ff->f);
    ff->f.path = ff->path;
    ff->f.realpath = ff->real;
    ff->f.fd = -1;
    if (strcmp(ff->path, "boot.ipxe") == 0) {
        ff->gen = generate_ipxe(client);
        if (!ff->gen) {
            free(ff);
            return -ENOMEM;
        }
        ff->f.data = ff->gen;
        ff->f.size = strlen(ff->gen);
        ff->f.generated = 1;
        ff->f.mtime = time(NULL);
        snprintf(ff->real, sizeof(ff->real), "(generated) %s", ff->path);
        *ret_file = &ff->f;
        return 0;
    }
    rel = ff->path;
    for (unsigned i = 0; i < fake.n_images; i++) {
        size_t pl = strlen(fake.images[i].prefix);

        if (strncmp(ff->path, fake.images[i].prefix, pl) == 0 ||
            (strncmp(ff->path, fake.images[i].prefix, pl - 1) == 0 && ff->path[pl - 1] == '\0')) {
            dir = fake.images[i].dir;
            rel = ff->path[pl - 1] ? ff->path + pl : "";
            break;
        }
    }
    fd = open_beneath(dir, rel);
    if (fd < 0) {
        free(ff);
        return fd;
    }
    if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
        int r = S_ISDIR(st.st_mode) ? -EISDIR : -errno;

        close(fd);
        free(ff);
        return r;
    }
    ff->f.fd = fd;
    ff->f.size = (uint64_t)st.st_size;
    ff->f.mtime = st.st_mtime;
    snprintf(ff->real, sizeof(ff->real), "%s/%s", dir, rel);
    *ret_file = &ff->f;
    return 0;
}

static void fake_file_close(struct pxe_file *f)
{
    struct fake_file *ff = (struct fake_file *)f;

    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(ff->gen);
    free(ff);
}

static uint32_t fake_image_count(struct pxe_core *self)
{
    return fake.n_images;
}

static const struct pxe_image *fake_image_get(struct pxe_core *self, uint32_t i)
{
    return i < fake.n_images ? &fake.images[i] : NULL;
}

static int fake_service_register(struct pxe_core *self, const char *service, uint32_t port)
{
    fake.service_port = port;
    return 0;
}

static void fake_event(struct pxe_core *self, const char *kind, const char *mac, const char *ip,
                       uint32_t phase, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&lock);
    fake.events++;
    snprintf(fake.last_event, sizeof(fake.last_event), "%s ip=%s phase=%u %s", kind, ip ? ip : "-",
             phase, msg);
    if (!fake.quiet)
        fprintf(stderr, "pxecore[%d]: info: [http] event %s\n", (int)getpid(), fake.last_event);
    pthread_mutex_unlock(&lock);
}

static struct fake_metric *metric_slot(const char *name)
{
    for (unsigned i = 0; i < FAKE_MAX_METRICS; i++) {
        if (!fake.metrics[i].name[0])
            snprintf(fake.metrics[i].name, sizeof(fake.metrics[i].name), "%s", name);
        if (strcmp(fake.metrics[i].name, name) == 0)
            return &fake.metrics[i];
    }
    return NULL;
}

static void fake_metric_add(struct pxe_core *self, const char *name, const char *help,
                            uint64_t delta)
{
    struct fake_metric *m;

    pthread_mutex_lock(&lock);
    m = metric_slot(name);
    if (m)
        m->value += (int64_t)delta;
    pthread_mutex_unlock(&lock);
}

static void fake_metric_set(struct pxe_core *self, const char *name, const char *help,
                            int64_t value)
{
    struct fake_metric *m;

    pthread_mutex_lock(&lock);
    m = metric_slot(name);
    if (m)
        m->value = value;
    pthread_mutex_unlock(&lock);
}

static size_t fake_sanitize(const char *in, size_t len, char *out, size_t size)
{
    size_t o = 0;

    for (size_t i = 0; i < len && o + 1 < size; i++)
        out[o++] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
    out[o] = '\0';
    return o;
}

void fake_core_init(void)
{
    memset(&fake, 0, sizeof(fake));
    fake.api._abi_version = PXE_PLUGIN_ABI_VERSION;
    fake.api._struct_size = sizeof(fake.api);
    fake.api.log = fake_log;
    fake.api.vlog = fake_vlog;
    fake.api.timer_add = fake_timer_add;
    fake.api.timer_set = fake_timer_set;
    fake.api.source_free = fake_source_free;
    fake.api.now_usec = fake_now;
    fake.api.file_open = fake_file_open;
    fake.api.file_close = fake_file_close;
    fake.api.image_count = fake_image_count;
    fake.api.image_get = fake_image_get;
    fake.api.menu_add = fake_menu_add;
    fake.api.buf_append = fake_buf_append;
    fake.api.service_register = fake_service_register;
    fake.api.event = fake_event;
    fake.api.metric_add = fake_metric_add;
    fake.api.metric_set = fake_metric_set;
    fake.api.sanitize = fake_sanitize;
}

void fake_core_add_image(const char *name, const char *dir, const char *kernel, const char *initrd,
                         const char *rootfs)
{
    struct pxe_image *img = &fake.images[fake.n_images];

    snprintf(fake.prefixes[fake.n_images], sizeof(fake.prefixes[0]), "images/%s/", name);
    img->_struct_size = sizeof(*img);
    img->name = name;
    img->source = dir;
    img->dir = dir;
    img->basedir = "arch";
    img->arch = "x86_64";
    img->kernel = kernel;
    img->initrd = initrd;
    img->rootfs = rootfs;
    img->prefix = fake.prefixes[fake.n_images];
    fake.n_images++;
}
