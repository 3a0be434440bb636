/* SPDX-License-Identifier: MIT */
/*
 * The archiso kind on the fake core: the probe reads a tree only through the
 * core's file API (file_open, image_list), entries per transport, the image's
 * own parameters, and the checks of a command line over HTTP and NFS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_core.h"
#include "tap.h"

const struct pxe_plugin *pxe_plugin_init(void);

static char dir[] = "/tmp/test_archiso_kind.XXXXXX";
static const struct pxe_plugin *p;
static void *st;

static void put(const char *rel, const char *text)
{
    EXPECT_EQ_INT(fake_write_file(dir, rel, text), 0);
}

static struct pxe_transport transport(const char *scheme, const char *url, const char *server)
{
    struct pxe_transport t = {._struct_size = sizeof(t)};

    snprintf(t.method, sizeof(t.method), "%s", scheme);
    snprintf(t.scheme, sizeof(t.scheme), "%s", scheme);
    snprintf(t.label, sizeof(t.label), "%s", scheme);
    snprintf(t.url, sizeof(t.url), "%s", url);
    snprintf(t.server, sizeof(t.server), "%s", server);
    return t;
}

static struct pxe_boot_ctx ctx_for(int i, uint32_t loader_sets_ip)
{
    struct pxe_boot_ctx c = {.image = &fake.images[i], .server_ip = "192.0.2.1"};

    c._struct_size = sizeof(c);
    c.menu_format = "ipxe";
    c.loader_sets_ip = loader_sets_ip;
    return c;
}

TEST(probe)
{
    struct pxe_kind_probe pr = {._struct_size = sizeof(pr)};
    struct pxe_buf *why = fake_buf_new();

    EXPECT(p->caps == PXE_CAP_KIND);
    EXPECT_EQ_INT(p->load(&fake.api, (struct pxe_core *)&fake, &st), 0);
    EXPECT_EQ_INT(p->kind_probe(st, &fake.images[0], &pr, why), 1);
    EXPECT_EQ_STR(pr.title, "Arch Linux x86_64");
    EXPECT_EQ_STR(pr.kernel, "arch/boot/x86_64/vmlinuz-linux");
    EXPECT_EQ_STR(pr.initrd, "arch/boot/x86_64/initramfs-linux.img");
    EXPECT_EQ_STR(pr.rootfs, "arch/x86_64/airootfs.sfs");
    EXPECT_EQ_INT(fake.n_facts, 3);
    EXPECT_EQ_STR(fake.facts[0], "a:basedir=arch");
    EXPECT_EQ_STR(fake.facts[1], "a:label=ARCH_202411");
    EXPECT_EQ_STR(fake.facts[2], "a:uuid=2024-11-01-10-20-30-00");
    fake.images[0].kernel = "arch/boot/x86_64/vmlinuz-linux"; /* as the core copies them */
    fake.images[0].rootfs = "arch/x86_64/airootfs.sfs";
    /* b is a Debian tree: not archiso, and the log line says what was looked for */
    EXPECT_EQ_INT(p->kind_probe(st, &fake.images[1], &pr, why), 0);
    EXPECT(strstr(fake_buf_str(why), "vmlinuz") != NULL);
    free(why);
}

TEST(entries_and_cmdline)
{
    struct pxe_boot_ctx c = ctx_for(0, 0);
    struct pxe_transport http = transport("http", "http://192.0.2.1/images/a/", "192.0.2.1");
    struct pxe_menu *m = fake_menu_new();
    struct pxe_buf *b = fake_buf_new();

    EXPECT_EQ_INT(p->kind_entries(st, &c, NULL, m), 0); /* nothing without a transport */
    EXPECT_EQ_INT(p->kind_entries(st, &c, &http, m), 0);
    EXPECT_EQ_STR(fake_menu_str(m), "http|Arch Linux x86_64 (HTTP)\n");
    c.entry_id = "http";
    EXPECT_EQ_INT(p->kind_cmdline(st, &c, &http, b), 0);
    EXPECT_EQ_STR(fake_buf_str(b),
                  "archisobasedir=arch archiso_http_srv=http://192.0.2.1/images/a/");
    free(b);
    b = fake_buf_new();
    c.entry_id = NULL; /* the image's own parameters */
    EXPECT_EQ_INT(p->kind_cmdline(st, &c, NULL, b), 0);
    EXPECT_EQ_STR(fake_buf_str(b), "archisobasedir=arch ip=dhcp");
    free(b);
    b = fake_buf_new();
    c = ctx_for(0, 1);
    EXPECT_EQ_INT(p->kind_cmdline(st, &c, NULL, b), 0);
    EXPECT_EQ_STR(fake_buf_str(b), "archisobasedir=arch");
    free(b);
    free(m);
}

TEST(checks)
{
    struct pxe_boot_ctx c = ctx_for(0, 0);
    struct pxe_transport http = transport("http", "http://192.0.2.1/images/a/", "192.0.2.1");
    struct pxe_transport nfs = transport("nfs", "2001:db8::1:/srv/a", "2001:db8::1");
    struct pxe_buf *why = fake_buf_new();
    const char *srv = "archisobasedir=arch archiso_http_srv=http://192.0.2.1/images/a/";
    char cl[256];

    EXPECT_EQ_INT(p->kind_cmdline_check(st, &c, &http, srv, why), 0);
    snprintf(cl, sizeof(cl), "%s ip=dhcp copytoram=n", srv);
    EXPECT_EQ_INT(p->kind_cmdline_check(st, &c, &http, cl, why), -EINVAL);
    EXPECT(strstr(fake_buf_str(why), "copytoram=n cannot be used with the HTTP boot method"));
    snprintf(cl, sizeof(cl), "%s copytoram=n copytoram=y", srv); /* the last one wins */
    EXPECT_EQ_INT(p->kind_cmdline_check(st, &c, &http, cl, why), 0);
    free(why);
    why = fake_buf_new();
    snprintf(cl, sizeof(cl), "%s checksum=y", srv);
    EXPECT_EQ_INT(p->kind_cmdline_check(st, &c, &http, cl, why), -EINVAL);
    EXPECT_EQ_STR(fake_buf_str(why),
                  "checksum=y but images/a/arch/x86_64/airootfs.sha512 is missing");
    put("arch/x86_64/airootfs.sha512", "x");
    EXPECT_EQ_INT(p->kind_cmdline_check(st, &c, &http, cl, why), 0);
    snprintf(cl, sizeof(cl), "%s verify=y", srv);
    EXPECT_EQ_INT(p->kind_cmdline_check(st, &c, &http, cl, why), -EINVAL);
    put("arch/x86_64/airootfs.sfs.sig", "x");
    EXPECT_EQ_INT(p->kind_cmdline_check(st, &c, &http, cl, why), 0);
    snprintf(cl, sizeof(cl), "%s cms_verify=y", srv);
    EXPECT_EQ_INT(p->kind_cmdline_check(st, &c, &http, cl, why), -EINVAL);
    /* archiso's nfsmount is IPv4 only */
    EXPECT_EQ_INT(p->kind_cmdline_check(st, &c, &nfs, "archiso_nfs_srv=x", why), -EINVAL);
    EXPECT(strstr(fake_buf_str(why), "IPv4") != NULL);
    free(why);
    p->unload(st);
}

int main(void)
{
    char a[600], b[600];

    if (!mkdtemp(dir))
        return 1;
    snprintf(a, sizeof(a),
             "mkdir -p %s/arch/boot/x86_64 %s/arch/x86_64 %s/boot/syslinux "
             "%s/deb/debian-installer/amd64",
             dir, dir, dir, dir);
    if (system(a) != 0)
        return 1;
    put("arch/boot/x86_64/vmlinuz-linux", "k");
    put("arch/boot/x86_64/initramfs-linux.img", "i");
    put("arch/x86_64/airootfs.sfs", "r");
    put("boot/2024-11-01-10-20-30-00.uuid", "");
    put("boot/syslinux/archiso_sys-linux.cfg",
        "APPEND archisobasedir=arch archisolabel=ARCH_202411\n");
    put("deb/debian-installer/amd64/linux", "k");
    fake_core_init();
    fake.quiet = 1;
    fake.name = "archiso";
    fake_image_add("a", dir, 0);
    snprintf(b, sizeof(b), "%s/deb", dir);
    fake_image_add("b", b, 0);
    p = pxe_plugin_init();
    RUN(probe);
    RUN(entries_and_cmdline);
    RUN(checks);
    snprintf(a, sizeof(a), "rm -rf %s", dir);
    if (system(a) != 0)
        return 1;
    return tap_done();
}
