/* SPDX-License-Identifier: MIT */
/*
 * The HTTP boot method's callbacks (menu_entries, cmdline, cmdline_check,
 * rootfs_prepare) and the config checks, against the fake core.
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
    struct http_config c = {0, "127.0.0.1", 0, 16, 1, 60000000, NULL, 1, 0};

    return c;
}

TEST(descriptor)
{
    EXPECT_EQ_STR(p->name, "http");
    EXPECT(p->caps & PXE_CAP_MENU);
    EXPECT(p->caps & PXE_CAP_CMDLINE);
    EXPECT(p->caps & PXE_CAP_SERVICE);
    EXPECT_EQ_INT(p->thread_model, PXE_THREAD_OWN);
    EXPECT(p->menu_entries && p->cmdline && p->cmdline_check && p->rootfs_prepare && p->start);
}

TEST(menu_and_cmdline)
{
    struct http_config cfg = default_cfg();
    struct pxe_boot_ctx ctx = {sizeof(ctx), &fake.images[0], NULL, "192.0.2.1", NULL, "ipxe"};
    struct pxe_menu menu = {0};
    struct pxe_buf out = {0};
    char want[128];
    void *st = setup(&cfg);

    EXPECT(fake.service_port > 0);
    EXPECT_EQ_INT(p->menu_entries(st, &ctx, &menu), 0);
    EXPECT_EQ_INT(menu.n, 1);
    EXPECT_EQ_STR(menu.id[0], "http");
    EXPECT_EQ_STR(menu.title[0], "Arch Linux x86_64 (HTTP)");
    EXPECT_EQ_INT(p->cmdline(st, &ctx, &out), 0);
    snprintf(want, sizeof(want),
             "archisobasedir=arch archiso_http_srv=http://192.0.2.1:%u/images/a/",
             fake.service_port);
    EXPECT_EQ_STR(out.s, want);
    EXPECT_EQ_INT(p->rootfs_prepare(st, &fake.images[0], NULL), 0);
    ctx.server_ip = "0.0.0.0"; /* unknown address: no URL rather than a wrong one */
    EXPECT_EQ_INT(p->cmdline(st, &ctx, &out), -EADDRNOTAVAIL);
    ctx.server_ip = "192.0.2.1";

    /* image b has no root filesystem: no entry, preflight fails */
    ctx.image = &fake.images[1];
    memset(&menu, 0, sizeof(menu));
    EXPECT_EQ_INT(p->menu_entries(st, &ctx, &menu), 0);
    EXPECT_EQ_INT(menu.n, 0);
    EXPECT_EQ_INT(p->rootfs_prepare(st, &fake.images[1], NULL), -ENOENT);
    p->unload(st);
}

TEST(base_url)
{
    struct http_config cfg = default_cfg();
    struct pxe_boot_ctx ctx = {sizeof(ctx), &fake.images[1], NULL, "192.0.2.1", NULL, "ipxe"};
    struct pxe_menu menu = {0};
    struct pxe_buf out = {0};
    void *st;

    cfg.base_url = "http://mirror.example/arch";
    st = setup(&cfg);
    EXPECT_EQ_INT(p->menu_entries(st, &ctx, &menu), 0);
    EXPECT_EQ_INT(menu.n, 1);
    EXPECT_EQ_STR(menu.title[0], "Arch Linux x86_64 (HTTP, b)");
    EXPECT_EQ_INT(p->cmdline(st, &ctx, &out), 0);
    EXPECT_EQ_STR(out.s, "archisobasedir=arch archiso_http_srv=http://mirror.example/arch/");
    p->unload(st);
}

TEST(cmdline_check)
{
    struct http_config cfg = default_cfg();
    struct pxe_boot_ctx ctx = {sizeof(ctx), &fake.images[0], NULL, "192.0.2.1", NULL, "pxelinux"};
    struct pxe_buf why = {0};
    void *st = setup(&cfg);
    const char *srv = "archisobasedir=arch archiso_http_srv=http://192.0.2.1/images/a/";
    char cl[256];

    EXPECT_EQ_INT(p->cmdline_check(st, &ctx, srv, &why), 0);
    snprintf(cl, sizeof(cl), "%s ip=dhcp copytoram=n", srv);
    EXPECT_EQ_INT(p->cmdline_check(st, &ctx, cl, &why), -EINVAL);
    EXPECT(strstr(why.s, "copytoram=n cannot be used with the HTTP boot method") != NULL);
    snprintf(cl, sizeof(cl), "%s copytoram=n copytoram=y", srv); /* the last one wins */
    EXPECT_EQ_INT(p->cmdline_check(st, &ctx, cl, &why), 0);
    /* another method's command line is not ours to judge */
    EXPECT_EQ_INT(p->cmdline_check(st, &ctx, "nbd_root copytoram=n", &why), 0);

    memset(&why, 0, sizeof(why));
    snprintf(cl, sizeof(cl), "%s checksum=y", srv);
    EXPECT_EQ_INT(p->cmdline_check(st, &ctx, cl, &why), -EINVAL);
    EXPECT_EQ_STR(why.s, "checksum=y but images/a/arch/x86_64/airootfs.sha512 is missing");
    touch("a/arch/x86_64/airootfs.sha512");
    EXPECT_EQ_INT(p->cmdline_check(st, &ctx, cl, &why), 0);
    snprintf(cl, sizeof(cl), "%s verify=y", srv);
    EXPECT_EQ_INT(p->cmdline_check(st, &ctx, cl, &why), -EINVAL);
    touch("a/arch/x86_64/airootfs.sfs.sig");
    EXPECT_EQ_INT(p->cmdline_check(st, &ctx, cl, &why), 0);
    snprintf(cl, sizeof(cl), "%s cms_verify=y", srv);
    EXPECT_EQ_INT(p->cmdline_check(st, &ctx, cl, &why), -EINVAL);
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
    for (int i = 0; i < 2; i++) {
        struct pxe_image *img = fake_image_add(i ? "b" : "a", i ? b : a, 0);

        img->kernel = "arch/boot/x86_64/vmlinuz-linux";
        img->rootfs = "arch/x86_64/airootfs.sfs";
    }
    p = pxe_plugin_init();
    RUN(descriptor);
    RUN(menu_and_cmdline);
    RUN(base_url);
    RUN(cmdline_check);
    RUN(config_refused);
    snprintf(a, sizeof(a), "rm -rf %s", dir);
    if (system(a) != 0)
        return 1;
    return tap_done();
}
