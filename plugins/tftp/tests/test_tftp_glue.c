/* SPDX-License-Identifier: MIT */
/*
 * The plugin's glue against a fake core: a transfer over real loopback sockets,
 * driven by a small epoll loop here; checks the events (phase per file kind),
 * metrics and log lines the plugin reports.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <pxecore/plugin.h>

#include "tap.h"

const struct pxe_plugin *pxe_plugin_init(void);

struct pxe_source {
    int fd;
    pxe_io_cb io;
    pxe_timer_cb timer;
    void *ud;
    uint64_t deadline;
    int dead;
};

static int ep;
static struct pxe_source *all[1024]; /* every source, freed at exit */
static int nall;
static struct pxe_source *timers[512];
static int ntimers;
static char last_event[256], last_log[512];
static uint32_t last_phase = 99;
static int64_t active_gauge = -1;
static uint64_t m_requests, m_transfers, m_bytes, m_errors;
static int service_port;

static uint64_t now_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

static void f_log(struct pxe_core *self, int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(last_log, sizeof(last_log), fmt, ap);
    va_end(ap);
}

static int f_io_add(struct pxe_core *self, int fd, uint32_t events, pxe_io_cb cb, void *ud,
                    struct pxe_source **ret)
{
    struct pxe_source *s = calloc(1, sizeof(*s));
    struct epoll_event e = {.events = events, .data.ptr = s};

    all[nall++] = s;
    s->fd = fd;
    s->io = cb;
    s->ud = ud;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0)
        return -errno;
    *ret = s;
    return 0;
}

static int f_io_set(struct pxe_source *s, uint32_t events)
{
    struct epoll_event e = {.events = events, .data.ptr = s};

    return epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &e);
}

static int f_timer_set(struct pxe_source *s, uint64_t usec)
{
    s->deadline = usec ? now_usec() + usec : 0;
    return 0;
}

static int f_timer_add(struct pxe_core *self, uint64_t usec, pxe_timer_cb cb, void *ud,
                       struct pxe_source **ret)
{
    struct pxe_source *s = calloc(1, sizeof(*s));

    all[nall++] = s;
    s->fd = -1;
    s->timer = cb;
    s->ud = ud;
    f_timer_set(s, usec);
    timers[ntimers++] = s;
    *ret = s;
    return 0;
}

static void f_source_free(struct pxe_source *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
    s->dead = 1; /* freed at exit: the loop below may still hold it */
}

static const char menu[] = "DEFAULT arch\n";

static int f_file_open(struct pxe_core *self, const char *path, const struct pxe_client *c,
                       struct pxe_file **ret)
{
    static const char *const known[] = {
        "pxelinux.cfg/default",           "images/archiso/arch/boot/x86_64/vmlinuz-linux",
        "arch/boot/x86_64/vmlinuz-linux", "images/archiso/arch/boot/x86_64/initramfs-linux.img",
        "boot/syslinux/lpxelinux.0",      "sub/other.bin"};
    struct pxe_file *f;
    size_t i;

    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(path, known[i]) == 0)
            break;
    if (i == sizeof(known) / sizeof(known[0]))
        return strstr(path, "..") ? -EACCES : -ENOENT;
    f = calloc(1, sizeof(*f));
    f->_struct_size = sizeof(*f);
    f->fd = -1;
    f->data = menu;
    f->size = sizeof(menu) - 1;
    f->path = strdup(path);
    f->realpath = strdup(path);
    f->generated = i == 0;
    *ret = f;
    return 0;
}

static void f_file_close(struct pxe_file *f)
{
    free((void *)f->path);
    free((void *)f->realpath);
    free(f);
}

static const struct pxe_image img = {
    ._struct_size = sizeof(struct pxe_image),
    .name = "archiso",
    .kernel = "arch/boot/x86_64/vmlinuz-linux",
    .initrd = "arch/boot/x86_64/initramfs-linux.img",
    .prefix = "images/archiso/",
};

static uint32_t f_image_count(struct pxe_core *self)
{
    return 1;
}

static const struct pxe_image *f_image_get(struct pxe_core *self, uint32_t i)
{
    return i == 0 ? &img : NULL;
}

static int f_service_register(struct pxe_core *self, const char *service, uint32_t port)
{
    service_port = strcmp(service, "tftp") == 0 ? (int)port : -1;
    return 0;
}

static void f_event(struct pxe_core *self, const char *kind, const char *mac, const char *ip,
                    uint32_t phase, const char *fmt, ...)
{
    snprintf(last_event, sizeof(last_event), "%s %s", kind, ip ? ip : "-");
    last_phase = phase;
}

static void f_metric_add(struct pxe_core *self, const char *name, const char *help, uint64_t d)
{
    if (!strcmp(name, "requests"))
        m_requests += d;
    else if (!strcmp(name, "transfers"))
        m_transfers += d;
    else if (!strcmp(name, "bytes_sent"))
        m_bytes += d;
    else if (!strcmp(name, "errors"))
        m_errors += d;
}

static void f_metric_set(struct pxe_core *self, const char *name, const char *help, int64_t v)
{
    if (!strcmp(name, "active"))
        active_gauge = v;
}

static size_t f_sanitize(const char *in, size_t len, char *out, size_t size)
{
    size_t i, j = 0;

    for (i = 0; i < len && j + 1 < size; i++)
        out[j++] = (in[i] >= 32 && in[i] < 127) ? in[i] : '?';
    out[j] = 0;
    return j;
}

/* One pass of the fake loop: ready fds, then due timers. */
static void loop_once(int timeout_ms)
{
    struct epoll_event evs[16];
    int i, n = epoll_wait(ep, evs, 16, timeout_ms);
    uint64_t now = now_usec();

    for (i = 0; i < n; i++) {
        struct pxe_source *s = evs[i].data.ptr;

        if (!s->dead)
            s->io(s->ud, s->fd, evs[i].events);
    }
    for (i = 0; i < ntimers; i++) {
        struct pxe_source *s = timers[i];

        if (!s->dead && s->deadline && s->deadline <= now) {
            s->deadline = 0;
            s->timer(s->ud);
        }
    }
}

static int client, port;

/* Fetches name without options (one block); returns the bytes received or -1. */
static int fetch(const char *name, uint16_t *err)
{
    uint8_t pkt[600];
    struct sockaddr_in srv = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)}, from;
    socklen_t fl;
    int n, i, len = 2;

    inet_pton(AF_INET, "127.0.0.1", &srv.sin_addr);
    pkt[0] = 0;
    pkt[1] = 1;
    len += sprintf((char *)pkt + len, "%s", name) + 1;
    len += sprintf((char *)pkt + len, "octet") + 1;
    sendto(client, pkt, (size_t)len, 0, (struct sockaddr *)&srv, sizeof(srv));
    for (i = 0; i < 50; i++) {
        loop_once(20);
        fl = sizeof(from);
        n = (int)recvfrom(client, pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n >= 4 && pkt[1] == 5) {
            *err = (uint16_t)(pkt[2] << 8 | pkt[3]);
            return -1;
        }
        if (n >= 4 && pkt[1] == 3) {
            sendto(client, "\0\4\0\1", 4, 0, (struct sockaddr *)&from, fl);
            loop_once(20);
            loop_once(0);
            return n - 4;
        }
    }
    return -1;
}

TEST(phases)
{
    static const struct {
        const char *name;
        uint32_t phase;
    } cases[] = {
        {"pxelinux.cfg/default", PXE_PHASE_MENU},
        {"::/images/archiso/arch/boot/x86_64/vmlinuz-linux", PXE_PHASE_KERNEL},
        {"/arch/boot/x86_64/vmlinuz-linux", PXE_PHASE_KERNEL},
        {"images/archiso/arch/boot/x86_64/initramfs-linux.img", PXE_PHASE_INITRD},
        {"boot/syslinux/lpxelinux.0", PXE_PHASE_LOADER},
        {"sub/other.bin", PXE_PHASE_NONE},
    };
    uint16_t err = 0;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        last_phase = 99;
        last_event[0] = 0;
        EXPECT_EQ_INT(fetch(cases[i].name, &err), sizeof(menu) - 1);
        EXPECT_EQ_STR(last_event, "tftp.sent 127.0.0.1");
        EXPECT_EQ_INT(last_phase, cases[i].phase);
        EXPECT(strstr(last_log, "sent ") == last_log && strstr(last_log, " to 127.0.0.1"));
    }
}

TEST(metrics)
{
    uint16_t err = 0;

    EXPECT_EQ_INT(fetch("no/such/file", &err), -1);
    EXPECT_EQ_INT(err, 1);
    EXPECT(strstr(last_log, "file not found") != NULL);
    EXPECT_EQ_INT(m_requests, 7);
    EXPECT_EQ_INT(m_transfers, 6);
    EXPECT_EQ_INT(m_bytes, 6 * (sizeof(menu) - 1));
    EXPECT_EQ_INT(m_errors, 1);
    EXPECT_EQ_INT(active_gauge, 0);
}

struct cfg {
    char *address;
    uint64_t port, blksize_max;
    uint32_t mtu_clamp;
    uint64_t windowsize_max, timeout, retries, max_transfers, max_per_client, netascii_max;
};

static const struct pxe_plugin *plugin;
static void *plugin_cfg, *plugin_state;

static const struct pxe_core_api api = {._abi_version = PXE_PLUGIN_ABI_VERSION,
                                        ._struct_size = sizeof(api),
                                        .log = f_log,
                                        .io_add = f_io_add,
                                        .io_set_events = f_io_set,
                                        .timer_add = f_timer_add,
                                        .timer_set = f_timer_set,
                                        .source_free = f_source_free,
                                        .now_usec = now_usec,
                                        .file_open = f_file_open,
                                        .file_close = f_file_close,
                                        .image_count = f_image_count,
                                        .image_get = f_image_get,
                                        .service_register = f_service_register,
                                        .event = f_event,
                                        .metric_add = f_metric_add,
                                        .metric_set = f_metric_set,
                                        .sanitize = f_sanitize};

TEST(start)
{
    const struct pxe_config_item *it;
    struct cfg *c;

    plugin = pxe_plugin_init();
    EXPECT_EQ_INT(plugin->config_size, sizeof(struct cfg));
    for (it = plugin->config_items; it->key; it++)
        EXPECT(it->default_text != NULL);
    c = plugin_cfg = calloc(1, plugin->config_size);
    c->address = "127.0.0.1";
    c->port = (uint64_t)port;
    c->blksize_max = 65464;
    c->mtu_clamp = 1;
    c->windowsize_max = 64;
    c->timeout = 1000000;
    c->retries = 5;
    c->max_transfers = 256;
    c->max_per_client = 32;
    c->netascii_max = 1 << 20;
    EXPECT_EQ_INT(plugin->load(&api, NULL, &plugin_state), 0);
    EXPECT_EQ_INT(plugin->config_complete(plugin_state, plugin_cfg), 0);
    EXPECT_EQ_INT(plugin->bind(plugin_state), 0);
    EXPECT_EQ_INT(plugin->start(plugin_state), 0);
    EXPECT_EQ_INT(service_port, port);
    EXPECT_EQ_INT(active_gauge, 0);
}

int main(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET}, b;
    socklen_t bl = sizeof(b);
    int t;

    ep = epoll_create1(EPOLL_CLOEXEC);
    client = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    bind(client, (struct sockaddr *)&a, sizeof(a));
    /* A free port: bind a throwaway socket, read its port, close it. */
    t = socket(AF_INET, SOCK_DGRAM, 0);
    b = a;
    bind(t, (struct sockaddr *)&b, sizeof(b));
    getsockname(t, (struct sockaddr *)&b, &bl);
    port = ntohs(b.sin_port);
    close(t);
    RUN(start);
    if (tap_failed)
        return tap_done();
    RUN(phases);
    RUN(metrics);
    plugin->stop(plugin_state);
    plugin->unload(plugin_state);
    free(plugin_cfg);
    while (nall > 0)
        free(all[--nall]);
    close(client);
    close(ep);
    return tap_done();
}
