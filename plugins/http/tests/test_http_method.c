/* SPDX-License-Identifier: MIT */
/*
 * The HTTP boot method's callbacks (transport, rootfs_prepare) and the
 * config checks, against the fake core.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../http.h"
#include "fake_core.h"
#include "tap.h"

const struct pxe_plugin *pxe_plugin_init(void);

static char dir[] = "/tmp/test_http_method.XXXXXX";
static const struct pxe_plugin *p;

static void touch(const char *rel)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    f = fopen(path, "w");
    if (f) {
        fputs("x", f);
        fclose(f);
    }
}

static void mkdirs(void)
{
    char path[512];

    snprintf(path, sizeof(path), "mkdir -p %s/a/arch/x86_64 %s/b/arch", dir, dir);
    if (system(path) != 0)
        abort();
    touch("a/arch/x86_64/airootfs.sfs");
}

/* A loaded, configured, bound plugin on 127.0.0.1 with an ephemeral port. */
static void *setup(struct http_config *cfg)
{
    void *st = NULL;

    EXPECT_EQ_INT(p->load(&fake.api, (struct pxe_core *)&fake, &st), 0);
    EXPECT_EQ_INT(p->config_complete(st, cfg), 0);
    EXPECT_EQ_INT(p->bind(st), 0);
    return st;
}

static struct http_config default_cfg(void)
{
    struct http_config c = {0, "127.0.0.1", 0, 16, 1, 60000000, NULL, 1, 0, "darkhttpd"};

    return c;
}

TEST(descriptor)
{
    EXPECT_EQ_STR(p->name, "http");
    EXPECT(p->caps & PXE_CAP_TRANSPORT);
    EXPECT(!(p->caps & (PXE_CAP_MENU | PXE_CAP_CMDLINE)));
    EXPECT(p->caps & PXE_CAP_SERVICE);
    EXPECT_EQ_INT(p->thread_model, PXE_THREAD_OWN);
    EXPECT(p->transport && p->rootfs_prepare && p->start && !p->menu_entries && !p->cmdline);
}

static struct pxe_boot_ctx ctx_for(const struct pxe_image *img, const char *ip)
{
    struct pxe_boot_ctx ctx = {.image = img, .server_ip = ip, .menu_format = "ipxe"};

    ctx._struct_size = sizeof(ctx);
    return ctx;
}

TEST(transport)
{
    struct http_config cfg = default_cfg();
    struct pxe_boot_ctx ctx = ctx_for(&fake.images[0], "192.0.2.1");
    struct pxe_transport tr = {._struct_size = sizeof(tr)};
    struct pxe_buf why = {0};
    char want[128];
    void *st = setup(&cfg);

    EXPECT(fake.service_port > 0);
    EXPECT_EQ_INT(p->transport(st, &ctx, &tr, &why), 0);
    snprintf(want, sizeof(want), "http://192.0.2.1:%u/images/a/", fake.service_port);
    EXPECT_EQ_STR(tr.url, want);
    EXPECT_EQ_STR(tr.scheme, "http");
    EXPECT_EQ_STR(tr.label, "HTTP");
    EXPECT_EQ_STR(tr.server, "192.0.2.1");
    EXPECT_EQ_INT(tr.external, 0);
    EXPECT_EQ_INT(tr.whole_image, 0);
    EXPECT_EQ_INT(p->rootfs_prepare(st, &fake.images[0], NULL), 0);
    ctx.server_ip = "0.0.0.0"; /* unknown address: no URL rather than a wrong one */
    EXPECT_EQ_INT(p->transport(st, &ctx, &tr, &why), -EADDRNOTAVAIL);
    EXPECT(strstr(why.s, "no address") != NULL);

    /* image b has no root filesystem: preflight fails; c needs none, d is of no kind */
    EXPECT_EQ_INT(p->rootfs_prepare(st, &fake.images[1], NULL), -ENOENT);
    EXPECT_EQ_INT(p->rootfs_prepare(st, &fake.images[2], NULL), -EOPNOTSUPP);
    EXPECT_EQ_INT(p->rootfs_prepare(st, &fake.images[3], NULL), -EOPNOTSUPP);
    p->unload(st);
}

TEST(base_url)
{
    struct http_config cfg = default_cfg();
    struct pxe_boot_ctx ctx = ctx_for(&fake.images[1], "192.0.2.1");
    struct pxe_transport tr = {._struct_size = sizeof(tr)};
    struct pxe_buf why = {0};
    void *st;

    cfg.base_url = "http://mirror.example/arch";
    st = setup(&cfg);
    EXPECT_EQ_INT(p->transport(st, &ctx, &tr, &why), 0);
    EXPECT_EQ_STR(tr.url, "http://mirror.example/arch/");
    EXPECT_EQ_INT(tr.external, 1);
    EXPECT_EQ_INT(p->rootfs_prepare(st, &fake.images[1], NULL), 0);
    p->unload(st);
}

TEST(config_refused)
{
    struct http_config cfg = default_cfg();
    void *st = NULL;

    fake.quiet = 1;
    cfg.base_url = "ftp://x/";
    EXPECT_EQ_INT(p->load(&fake.api, (struct pxe_core *)&fake, &st), 0);
    EXPECT_EQ_INT(p->config_complete(st, &cfg), -EINVAL);
    cfg.base_url = NULL;
    cfg.port = 8080;
    cfg.port_fallback = 8080;
    EXPECT_EQ_INT(p->config_complete(st, &cfg), -EINVAL);
    cfg.address = "not-an-address";
    cfg.port_fallback = 0;
    EXPECT_EQ_INT(p->config_complete(st, &cfg), 0);
    EXPECT(p->bind(st) < 0);
    p->unload(st);
    fake.quiet = 0;
}

int main(void)
{
    char a[600], b[600];

    if (!mkdtemp(dir))
        return 1;
    mkdirs();
    snprintf(a, sizeof(a), "%s/a", dir);
    snprintf(b, sizeof(b), "%s/b", dir);
    fake_core_init();
    fake.quiet = 1;
    fake.name = "http";
    for (int i = 0; i < 4; i++) {
        static const char *const names[] = {"a", "b", "c", "d"};
        struct pxe_image *img = fake_image_add(names[i], i ? b : a, 0);

        img->kernel = "arch/boot/x86_64/vmlinuz-linux";
        img->rootfs = "arch/x86_64/airootfs.sfs";
        img->kind = i < 3 ? "archiso" : NULL; /* d: no kind recognised it */
        img->flags = i == 2 ? PXE_IMAGE_NO_ROOTFS : 0;
    }
    p = pxe_plugin_init();
    RUN(descriptor);
    RUN(transport);
    RUN(base_url);
    RUN(config_refused);
    snprintf(a, sizeof(a), "rm -rf %s", dir);
    if (system(a) != 0)
        return 1;
    return tap_done();
}
