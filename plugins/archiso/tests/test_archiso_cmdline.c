/* SPDX-License-Identifier: MIT */
/* archiso_cmdline.c: the hooks' parameters per transport, the image's own, titles. */
#include <errno.h>
#include <string.h>

#include "tap.h"

#include "../archiso.h"

static const struct archiso_facts iso = {.basedir = "arch",
                                         .arch = "x86_64",
                                         .label = "ARCH_202411",
                                         .uuid = "2024-11-01-10-20-30-00",
                                         .has_sha512 = 1,
                                         .has_cms_sig = 1};

static struct pxe_transport tr(const char *scheme, const char *url, const char *server,
                               const char *export_name, const char *options)
{
    struct pxe_transport t = {._struct_size = sizeof(t)};

    snprintf(t.scheme, sizeof(t.scheme), "%s", scheme);
    snprintf(t.method, sizeof(t.method), "%s", scheme);
    snprintf(t.url, sizeof(t.url), "%s", url);
    snprintf(t.server, sizeof(t.server), "%s", server);
    snprintf(t.export_name, sizeof(t.export_name), "%s", export_name);
    snprintf(t.options, sizeof(t.options), "%s", options);
    return t;
}

TEST(transport_params)
{
    char out[1024];
    struct pxe_transport t = tr("http", "http://192.0.2.1/images/archiso/", "192.0.2.1", "", "");
    struct archiso_facts old = iso;

    EXPECT_EQ_INT(archiso_transport_params(&iso, &t, out, sizeof(out)), 0);
    EXPECT_EQ_STR(out, "archisobasedir=arch archiso_http_srv=http://192.0.2.1/images/archiso/");
    t = tr("nbd", "nbd://192.0.2.1/archiso", "192.0.2.1", "archiso", "");
    EXPECT_EQ_INT(archiso_transport_params(&iso, &t, out, sizeof(out)), 0);
    EXPECT_EQ_STR(out, "archisobasedir=arch archiso_nbd_srv=192.0.2.1 "
                       "archisosearchuuid=2024-11-01-10-20-30-00");
    old.uuid[0] = '\0';
    t = tr("nbd", "nbd://10.0.0.1/tiny", "10.0.0.1", "tiny", "");
    EXPECT_EQ_INT(archiso_transport_params(&old, &t, out, sizeof(out)), 0);
    EXPECT_EQ_STR(out, "archisobasedir=arch archiso_nbd_srv=10.0.0.1 archiso_nbd_name=tiny "
                       "archisolabel=ARCH_202411");
    t = tr("nfs", "192.0.2.1:/srv/a", "192.0.2.1", "/srv/a", "v3,tcp");
    EXPECT_EQ_INT(archiso_transport_params(&iso, &t, out, sizeof(out)), 0);
    EXPECT_EQ_STR(out, "archisobasedir=arch archiso_nfs_srv=192.0.2.1:/srv/a "
                       "archiso_nfs_opt=v3,tcp");
    t = tr("iscsi", "", "", "", "");
    EXPECT_EQ_INT(archiso_transport_params(&iso, &t, out, sizeof(out)), -EPROTONOSUPPORT);
    t = tr("http", "http://192.0.2.1/images/archiso/", "192.0.2.1", "", "");
    EXPECT_EQ_INT(archiso_transport_params(&iso, &t, out, 20), -ENAMETOOLONG);
}

TEST(image_params)
{
    char out[256];
    struct archiso_facts f = iso;

    EXPECT_EQ_INT(archiso_image_params(&f, 0, out, sizeof(out)), 0);
    EXPECT_EQ_STR(out, "archisobasedir=arch cms_verify=y ip=dhcp");
    f.has_cms_sig = 0;
    EXPECT_EQ_INT(archiso_image_params(&f, 1, out, sizeof(out)), 0);
    EXPECT_EQ_STR(out, "archisobasedir=arch checksum=y");
    f.has_sha512 = 0;
    snprintf(f.basedir, sizeof(f.basedir), "luna");
    EXPECT_EQ_INT(archiso_image_params(&f, 1, out, sizeof(out)), 0);
    EXPECT_EQ_STR(out, "archisobasedir=luna");
}

TEST(titles)
{
    char title[128], help[256];
    struct pxe_transport t = tr("http", "http://x/", "x", "", "");

    EXPECT_EQ_INT(archiso_entry_text(&iso, &t, "old", 0, title, sizeof(title), help, sizeof(help)),
                  0);
    EXPECT_EQ_STR(title, "Arch Linux x86_64 (HTTP, old)");
    t = tr("nfs", "192.0.2.1:/srv/a", "192.0.2.1", "/srv/a", "");
    EXPECT_EQ_INT(archiso_entry_text(&iso, &t, "a", 1, title, sizeof(title), help, sizeof(help)),
                  0);
    EXPECT_EQ_STR(title, "Arch Linux x86_64 (NFS)");
    EXPECT_EQ_STR(help, "Root filesystem over NFSv3 from 192.0.2.1:/srv/a");
}

TEST(params)
{
    const char *c = "ip=dhcp copytoram=y BOOTIF=01-aa quiet checksum copytoram=n "
                    "x=\"a b\"";
    size_t len;
    const char *v;

    EXPECT(archiso_param_is(c, "copytoram", "n"));
    EXPECT(!archiso_param_is(c, "copytoram", "y"));
    EXPECT(!archiso_param_is("copytoram=no", "copytoram", "n"));
    EXPECT(!archiso_param_is("xcopytoram=n", "copytoram", "n"));
    EXPECT(!archiso_param_is("copytoram_size=n", "copytoram", "n"));
    v = archiso_param_get(c, "checksum", &len);
    EXPECT(v != NULL && len == 0);
    v = archiso_param_get(c, "x", &len);
    EXPECT(v != NULL && len == 3 && memcmp(v, "a b", 3) == 0);
    EXPECT(archiso_param_get(c, "verify", &len) == NULL);
    EXPECT(archiso_param_get(NULL, "verify", &len) == NULL);
    EXPECT(archiso_param_is("  checksum=y\t", "checksum", "y"));
}

int main(void)
{
    RUN(transport_params);
    RUN(image_params);
    RUN(titles);
    RUN(params);
    return tap_done();
}
