/* SPDX-License-Identifier: MIT */
/*
 * The NBD plugin on the fake core: boot method callbacks, exports from images
 * and config, and method_set(0) refusing new connections while live ones
 * keep being served, over real sockets on 127.0.0.1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <jansson.h>

#include "tap.h"
#include "fake_core.h"
#include "../nbd_proto.h"

const struct pxe_plugin *pxe_plugin_init(void);

static char iso[] = "/tmp/nbd-glue-XXXXXX";
static uint8_t content[1 << 16];

static int wr(int fd, const void *b, size_t n)
{
    return send(fd, b, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

static int rd(int fd, void *b, size_t n)
{
    return n == 0 || recv(fd, b, n, MSG_WAITALL) == (ssize_t)n ? 0 : -1;
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;

    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static void put(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* Connects and lets the loop accept. */
static int client(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    uint8_t g[18], f[4] = {0, 0, 0, 3};

    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    fake_run(100000);
    if (rd(fd, g, 18) < 0 || be(g, 8) != NBD_MAGIC || wr(fd, f, 4) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* client() retried while the one slot is still taken by a finishing thread (at most 5 s). */
static int client_retry(int port)
{
    for (int i = 0; i < 50; i++) {
        int fd = client(port);

        if (fd >= 0)
            return fd;
        usleep(100000);
    }
    return -1;
}

/* Sends NBD_OPT_GO for name; returns the last reply type (ACK on success). */
static uint32_t go(int fd, const char *name)
{
    uint8_t b[64], h[20], skip[256];
    size_t n = strlen(name);
    uint32_t type;

    put(b, NBD_IHAVEOPT, 8);
    put(b + 8, NBD_OPT_GO, 4);
    put(b + 12, 6 + n, 4);
    put(b + 16, n, 4);
    memcpy(b + 20, name, n);
    put(b + 20 + n, 0, 2);
    if (wr(fd, b, 22 + n) < 0)
        return 0;
    do {
        if (rd(fd, h, 20) < 0 || be(h + 16, 4) > sizeof(skip))
            return 0;
        type = (uint32_t)be(h + 12, 4);
        if (rd(fd, skip, be(h + 16, 4)) < 0)
            return 0;
    } while (type == NBD_REP_INFO);
    return type;
}

/* READ of len bytes at off; returns the reply's error, or -1 on a broken stream. */
static int64_t rread(int fd, uint64_t off, uint32_t len, uint8_t *out)
{
    uint8_t b[28], h[16];

    put(b, NBD_REQUEST_MAGIC, 4);
    put(b + 4, 0, 2);
    put(b + 6, NBD_CMD_READ, 2);
    put(b + 8, 0xabcd, 8);
    put(b + 16, off, 8);
    put(b + 24, len, 4);
    if (wr(fd, b, 28) < 0 || rd(fd, h, 16) < 0 || be(h, 4) != NBD_SIMPLE_REPLY_MAGIC ||
        be(h + 8, 8) != 0xabcd)
        return -1;
    if (be(h + 4, 4) != 0)
        return (int64_t)be(h + 4, 4);
    return rd(fd, out, len) < 0 ? -1 : 0;
}

TEST(method_and_connections)
{
    const struct pxe_plugin *p = pxe_plugin_init();
    const char *ov[] = {"address=127.0.0.1", "port=0"};
    void *state = NULL, *cfg = fake_config(p, ov, 2);
    const struct pxe_image *im;
    struct pxe_buf *b;
    struct pxe_transport tr = {._struct_size = sizeof(tr)};
    char url[128];
    json_t *st = NULL;
    uint8_t buf[4096];
    int port, a, c;

    EXPECT(p->thread_model == PXE_THREAD_OWN);
    EXPECT(p->caps == (PXE_CAP_SERVICE | PXE_CAP_ROOTFS | PXE_CAP_TRANSPORT));
    EXPECT_EQ_INT(p->load(&fake.api, NULL, &state), 0);
    EXPECT_EQ_INT(p->config_complete(state, cfg), 0);
    EXPECT_EQ_INT(p->bind(state), 0);
    EXPECT_EQ_INT(p->start(state), 0);
    EXPECT_EQ_INT(p->status(state, &st), 0);
    port = (int)json_integer_value(json_object_get(st, "port"));
    EXPECT_EQ_INT(json_array_size(json_object_get(st, "exports")), 2);
    json_decref(st);
    EXPECT(port > 0);

    /* Transport: the ISO images are exports an image kind can name, the directory image not. */
    im = fake.api.image_find(NULL, "archiso");
    b = fake_buf_new();
    EXPECT_EQ_INT(p->transport(state, &(struct pxe_boot_ctx){.image = im, .server_ip = "192.0.2.1"},
                               &tr, b),
                  0);
    EXPECT_EQ_STR(tr.scheme, "nbd");
    EXPECT_EQ_STR(tr.server, "192.0.2.1");
    EXPECT_EQ_STR(tr.export_name, "archiso");
    EXPECT_EQ_INT(tr.whole_image, 1);
    EXPECT_EQ_INT(tr.port, port);
    im = fake.api.image_find(NULL, "tiny");
    EXPECT_EQ_INT(p->transport(state, &(struct pxe_boot_ctx){.image = im, .server_ip = "2001:db8::1"},
                               &tr, b),
                  0);
    snprintf(url, sizeof(url), "nbd://[2001:db8::1]:%d/tiny", port);
    EXPECT_EQ_STR(tr.url, url);
    EXPECT_EQ_INT(p->rootfs_prepare(state, im, NULL), 0);
    free(b);
    im = fake.api.image_find(NULL, "tree");
    EXPECT_EQ_INT(p->rootfs_prepare(state, im, NULL), -EOPNOTSUPP);
    b = fake_buf_new();
    EXPECT_EQ_INT(p->transport(state, &(struct pxe_boot_ctx){.image = im}, &tr, b), -ENOENT);
    EXPECT(strstr(fake_buf_str(b), "NBD exports ISO files only") != NULL);
    free(b);

    /* A live connection survives method_set(0); a new one is refused, then served again. */
    a = client(port);
    EXPECT(a >= 0);
    EXPECT_EQ_INT(go(a, "archiso"), NBD_REP_ACK);
    EXPECT_EQ_INT(rread(a, 4096, 4096, buf), 0);
    EXPECT(memcmp(buf, content + 4096, 4096) == 0);
    EXPECT_EQ_INT(p->active_sessions(state), 1);
    EXPECT_EQ_INT(p->method_set(state, 0), 0);
    c = client(port);
    EXPECT(c >= 0);
    EXPECT_EQ_INT(go(c, "archiso"), NBD_REP_ERR_SHUTDOWN);
    EXPECT_EQ_INT(rread(a, 0, 4096, buf), 0);
    EXPECT(memcmp(buf, content, 4096) == 0);
    EXPECT_EQ_INT(rread(a, sizeof(content) - 1, 2, buf), NBD_EINVAL);
    EXPECT_EQ_INT(p->active_sessions(state), 1);
    EXPECT_EQ_INT(p->method_set(state, 1), 0);
    EXPECT_EQ_INT(go(c, ""), NBD_REP_ACK);
    EXPECT_EQ_INT(rread(c, 100, 10, buf), 0);
    EXPECT(memcmp(buf, content + 100, 10) == 0);
    EXPECT_EQ_INT(p->active_sessions(state), 2);
    EXPECT_EQ_INT(fake_metric("active"), 2);

    /* The ISO replaced on disk: preflight says so, the open export keeps serving. */
    {
        char tmp[64];
        int fd;

        snprintf(tmp, sizeof(tmp), "%s.new", iso);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        EXPECT(fd >= 0 && write(fd, content, sizeof(content)) == (ssize_t)sizeof(content));
        close(fd);
        EXPECT_EQ_INT(rename(tmp, iso), 0);
        EXPECT_EQ_INT(p->rootfs_prepare(state, fake.api.image_find(NULL, "tiny"), NULL), -ESTALE);
        EXPECT_EQ_INT(rread(c, 8192, 16, buf), 0);
        EXPECT(memcmp(buf, content + 8192, 16) == 0);
    }

    /* stop() ends live connections and joins their threads. */
    p->stop(state);
    EXPECT(recv(a, buf, 1, 0) <= 0);
    EXPECT_EQ_INT(p->active_sessions(state), 0);
    EXPECT_EQ_INT(fake_metric("connections"), 2);
    EXPECT_EQ_INT(fake_metric("active"), 0);
    EXPECT_EQ_INT(fake_events("nbd.connect"), 2);
    EXPECT_EQ_INT(fake_events("nbd.disconnect"), 2);
    EXPECT_EQ_INT(fake_metric("refused"), 1); /* c's GO while disabled */
    EXPECT(fake_metric("bytes_read") == 4096 * 2 + 10 + 16);
    close(a);
    close(c);
    p->unload(state);
    fake_config_free(p, cfg);
}

TEST(config_exports)
{
    const struct pxe_plugin *p = pxe_plugin_init();
    char bad[64], good[4200];
    const char *ov[2] = {bad, "port=0"};
    void *state = NULL, *cfg;

    snprintf(bad, sizeof(bad), "exports={\"a b\":\"/x\"}");
    cfg = fake_config(p, ov, 1);
    EXPECT_EQ_INT(p->load(&fake.api, NULL, &state), 0);
    EXPECT_EQ_INT(p->config_complete(state, cfg), -EINVAL);
    p->unload(state);
    fake_config_free(p, cfg);
    snprintf(bad, sizeof(bad), "exports={\"ok\":1}");
    cfg = fake_config(p, ov, 1);
    EXPECT_EQ_INT(p->load(&fake.api, NULL, &state), 0);
    EXPECT_EQ_INT(p->config_complete(state, cfg), -EINVAL);
    p->unload(state);
    fake_config_free(p, cfg);
    /* a name taken by an image */
    snprintf(good, sizeof(good), "exports={\"tiny\":\"%s\"}", iso);
    ov[0] = good;
    cfg = fake_config(p, ov, 2);
    EXPECT_EQ_INT(p->load(&fake.api, NULL, &state), 0);
    EXPECT_EQ_INT(p->config_complete(state, cfg), 0);
    EXPECT_EQ_INT(p->bind(state), -EEXIST);
    p->unload(state);
    fake_config_free(p, cfg);
    /* a missing file */
    snprintf(good, sizeof(good), "exports={\"extra\":\"/nonexistent/file.iso\"}");
    cfg = fake_config(p, ov, 2);
    EXPECT_EQ_INT(p->load(&fake.api, NULL, &state), 0);
    EXPECT_EQ_INT(p->config_complete(state, cfg), 0);
    EXPECT_EQ_INT(p->bind(state), -ENOENT);
    p->unload(state);
    fake_config_free(p, cfg);
}

TEST(connection_cap)
{
    const struct pxe_plugin *p = pxe_plugin_init();
    const char *ov[] = {"address=127.0.0.1", "port=0", "max_connections=1",
                        "handshake_timeout=200ms"};
    void *state = NULL, *cfg = fake_config(p, ov, 4);
    json_t *st = NULL;
    uint8_t buf[16];
    int64_t refused0;
    int port, a, b;

    EXPECT_EQ_INT(p->load(&fake.api, NULL, &state), 0);
    EXPECT_EQ_INT(p->config_complete(state, cfg), 0);
    EXPECT_EQ_INT(p->start(state), 0);
    EXPECT_EQ_INT(p->status(state, &st), 0);
    port = (int)json_integer_value(json_object_get(st, "port"));
    json_decref(st);
    refused0 = fake_metric("refused");
    a = client(port);
    EXPECT(a >= 0);
    EXPECT_EQ_INT(go(a, "tiny"), NBD_REP_ACK);
    b = client(port); /* closed at accept: no greeting */
    EXPECT_EQ_INT(b, -1);
    EXPECT_EQ_INT(fake_metric("refused"), refused0 + 1);
    EXPECT_EQ_INT(rread(a, 0, 16, buf), 0);
    EXPECT(memcmp(buf, content, 16) == 0);
    /* The slot frees when a; then a client that never negotiates is closed by the server. */
    EXPECT_EQ_INT(rread(a, 0, 16, buf), 0);
    close(a);
    b = client_retry(port);
    EXPECT(b >= 0);
    {
        struct timeval tv = {.tv_sec = 20};

        setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        EXPECT_EQ_INT(recv(b, buf, 1, 0), 0); /* EOF from the server, not our timeout */
    }
    close(b);
    a = client_retry(port); /* left in negotiation: stop() must end it */
    EXPECT(a >= 0);
    p->stop(state);
    close(a);
    p->unload(state);
    fake_config_free(p, cfg);
}

int main(void)
{
    int fd = mkstemp(iso);

    for (size_t i = 0; i < sizeof(content); i++)
        content[i] = (uint8_t)(i * 7 + (i >> 8));
    if (fd < 0 || write(fd, content, sizeof(content)) != (ssize_t)sizeof(content))
        return 1;
    close(fd);
    fake_core_init();
    fake.name = "nbd";
    fake_image_add("archiso", iso, 1);
    fake_image_add("tiny", iso, 1)->volume_id = "ARCH_TINY";
    fake_image_add("tree", "/tmp", 0);
    RUN(method_and_connections);
    RUN(config_exports);
    RUN(connection_cap);
    unlink(iso);
    return tap_done();
}
