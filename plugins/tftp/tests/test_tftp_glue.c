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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <pxecore/plugin.h>

#include "fake_core.h"
#include "tap.h"

const struct pxe_plugin *pxe_plugin_init(void);

static const char menu[] = "DEFAULT arch\n";

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
        fake_run_once(20);
        fl = sizeof(from);
        n = (int)recvfrom(client, pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n >= 4 && pkt[1] == 5) {
            *err = (uint16_t)(pkt[2] << 8 | pkt[3]);
            return -1;
        }
        if (n >= 4 && pkt[1] == 3) {
            sendto(client, "\0\4\0\1", 4, 0, (struct sockaddr *)&from, fl);
            fake_run_once(20);
            fake_run_once(0);
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
        fake.last_phase = 99;
        fake.last_event[0] = 0;
        EXPECT_EQ_INT(fetch(cases[i].name, &err), sizeof(menu) - 1);
        EXPECT(strncmp(fake.last_event, "tftp.sent ip=127.0.0.1 ", 23) == 0);
        EXPECT_EQ_INT(fake.last_phase, cases[i].phase);
        EXPECT(strstr(fake.last_log, "sent ") == fake.last_log &&
               strstr(fake.last_log, " to 127.0.0.1"));
    }
}

TEST(metrics)
{
    uint16_t err = 0;

    EXPECT_EQ_INT(fetch("no/such/file", &err), -1);
    EXPECT_EQ_INT(err, 1);
    EXPECT(strstr(fake.last_log, "file not found") != NULL);
    EXPECT_EQ_INT(fake_metric("requests"), 7);
    EXPECT_EQ_INT(fake_metric("transfers"), 6);
    EXPECT_EQ_INT(fake_metric("bytes_sent"), 6 * (sizeof(menu) - 1));
    EXPECT_EQ_INT(fake_metric("errors"), 1);
    EXPECT(fake_metric_has("active"));
    EXPECT_EQ_INT(fake_metric("active"), 0);
}

struct cfg {
    char *address;
    uint64_t port, blksize_max;
    uint32_t mtu_clamp;
    uint64_t windowsize_max, timeout, retries, max_transfers, max_per_client, netascii_max;
};

static const struct pxe_plugin *plugin;
static void *plugin_cfg, *plugin_state;

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
    EXPECT_EQ_INT(plugin->load(&fake.api, (struct pxe_core *)&fake, &plugin_state), 0);
    EXPECT_EQ_INT(plugin->config_complete(plugin_state, plugin_cfg), 0);
    EXPECT_EQ_INT(plugin->bind(plugin_state), 0);
    EXPECT_EQ_INT(plugin->start(plugin_state), 0);
    EXPECT_EQ_INT(fake.service_port, port);
    EXPECT_EQ_STR(fake.service_name, "tftp");
    EXPECT(fake_metric_has("active"));
    EXPECT_EQ_INT(fake_metric("active"), 0);
}

int main(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET}, b;
    socklen_t bl = sizeof(b);
    int t;

    static const char *const files[] = {
        "pxelinux.cfg/default",           "images/archiso/arch/boot/x86_64/vmlinuz-linux",
        "arch/boot/x86_64/vmlinuz-linux", "images/archiso/arch/boot/x86_64/initramfs-linux.img",
        "boot/syslinux/lpxelinux.0",      "sub/other.bin"};
    struct pxe_image *img;

    fake_core_init();
    fake.name = "tftp";
    fake.quiet = 1;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        fake_file_add(files[i], menu, i == 0);
    img = fake_image_add("archiso", "/nonexistent", 1);
    img->kernel = "arch/boot/x86_64/vmlinuz-linux";
    img->initrd = "arch/boot/x86_64/initramfs-linux.img";
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
    close(client);
    return tap_done();
}
