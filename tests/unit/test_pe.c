/* SPDX-License-Identifier: MIT */
/*
 * core/pe.c on hand-built PE images (sections, GRUB module info), on
 * truncated and corrupted copies, and on Debian's signed GRUB network image
 * when grub-efi-amd64-signed is installed; sboot_cert_pem's DER -> PEM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pe.h"
#include "sboot.h"
#include "tap.h"

#define SIGNED_GRUB "/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed"

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* A PE image with one section "mods" at 0x200 holding GRUB's module info. */
static size_t build(uint8_t *b, size_t cap)
{
    static const char mem[] = "if [ -e $prefix/x86_64-efi/grub.cfg ]; then\n"
                              "\tsource $prefix/x86_64-efi/grub.cfg\n";
    size_t o = 0x200 + 24, start = o;

    memset(b, 0, cap);
    b[0] = 'M';
    b[1] = 'Z';
    put32(b + 0x3c, 0x80);
    memcpy(b + 0x80, "PE\0\0", 4);
    b[0x80 + 6] = 1;     /* one section */
    b[0x80 + 20] = 0xf0; /* optional header size */
    memcpy(b + 0x80 + 24 + 0xf0, "mods", 4);
    put32(b + 0x80 + 24 + 0xf0 + 20, 0x200); /* raw pointer */
    put32(b + 0x200, 0x676d696d);
    put64(b + 0x208, 24);
    put32(b + o, 3); /* prefix */
    put32(b + o + 4, 16);
    memcpy(b + o + 8, "/grub", 5);
    o += 16;
    put32(b + o, 2); /* config */
    put32(b + o + 4, 40);
    memcpy(b + o + 8, "normal (memdisk)/grub.cfg\n", 26);
    o += 40;
    put32(b + o, 1); /* memdisk */
    put32(b + o + 4, (uint32_t)(8 + sizeof(mem)));
    memcpy(b + o + 8, mem, sizeof(mem));
    o += 8 + sizeof(mem);
    put64(b + 0x210, o - 0x200);
    put32(b + 0x80 + 24 + 0xf0 + 16, (uint32_t)(o - 0x200)); /* raw size */
    (void)start;
    return o;
}

TEST(sections_and_module_info)
{
    static uint8_t b[4096];
    size_t n = build(b, sizeof(b)), off = 0, size = 0;
    struct grub_image_info g;

    EXPECT_EQ_INT(pe_section(b, n, "mods", &off, &size), 0);
    EXPECT(off == 0x200 && size == n - 0x200);
    EXPECT_EQ_INT(pe_section(b, n, ".sbat", &off, &size), -ENOENT);
    EXPECT_EQ_INT(pe_section(b, n, "mod", &off, &size), -ENOENT);
    EXPECT_EQ_INT(grub_image_parse(b, n, &g), 0);
    EXPECT_EQ_STR(g.prefix, "/grub");
    EXPECT_EQ_STR(g.config, "normal (memdisk)/grub.cfg");
    EXPECT_EQ_STR(g.platform_cfg_dir, "x86_64-efi");
    EXPECT(g.has_memdisk == 1 && g.n_modules == 0 && !grub_has_module(&g, "http"));
}

TEST(malformed)
{
    static uint8_t b[4096], c[4096];
    size_t n = build(b, sizeof(b)), off, size;
    struct grub_image_info g;

    /* every truncation is refused or parsed without reading past the end */
    for (size_t k = 0; k < n; k++) {
        uint8_t *t = malloc(k ? k : 1);

        memcpy(t, b, k);
        (void)grub_image_parse(t, k, &g);
        free(t);
    }
    EXPECT_EQ_INT(pe_section(b, 10, "mods", &off, &size), -EINVAL);
    memcpy(c, b, n);
    put32(c + 0x3c, 0xfffffff0); /* e_lfanew past the end */
    EXPECT_EQ_INT(grub_image_parse(c, n, &g), -EINVAL);
    memcpy(c, b, n);
    put32(c + 0x200 + 24 + 4, 0xffff); /* object larger than the module area */
    EXPECT_EQ_INT(grub_image_parse(c, n, &g), -EINVAL);
    memcpy(c, b, n);
    put32(c + 0x200 + 24 + 4, 0); /* zero-sized object: no endless loop */
    EXPECT_EQ_INT(grub_image_parse(c, n, &g), -EINVAL);
    memcpy(c, b, n);
    put32(c + 0x200, 0); /* no magic: not a GRUB image */
    EXPECT_EQ_INT(grub_image_parse(c, n, &g), -ENOENT);
}

TEST(debian_signed_grub)
{
    struct grub_image_info g;
    struct stat st;
    uint8_t *buf;
    FILE *f;

    if (stat(SIGNED_GRUB, &st) < 0) {
        printf("# skip: %s not installed (grub-efi-amd64-signed)\n", SIGNED_GRUB);
        return;
    }
    buf = malloc((size_t)st.st_size);
    f = fopen(SIGNED_GRUB, "rb");
    EXPECT(f && fread(buf, 1, (size_t)st.st_size, f) == (size_t)st.st_size);
    if (f)
        fclose(f);
    EXPECT_EQ_INT(grub_image_parse(buf, (size_t)st.st_size, &g), 0);
    EXPECT_EQ_STR(g.prefix, "/grub");
    EXPECT_EQ_STR(g.platform_cfg_dir, "x86_64-efi");
    EXPECT(grub_has_module(&g, "tftp") && grub_has_module(&g, "linux") &&
           grub_has_module(&g, "serial") && !grub_has_module(&g, "http"));
    free(buf);
}

TEST(cert_pem)
{
    char dir[] = "/tmp/pxe-pe-XXXXXX", src[128], dst[128], cmd[512];
    /* a DER SEQUENCE with a long-form length covering the file */
    static const uint8_t der[8] = {0x30, 0x82, 0x00, 0x04, 1, 2, 3, 4};
    FILE *f;

    EXPECT(mkdtemp(dir) != NULL);
    snprintf(src, sizeof(src), "%s/c.der", dir);
    snprintf(dst, sizeof(dst), "%s/out/c.pem", dir);
    f = fopen(src, "wb");
    EXPECT(f && fwrite(der, 1, sizeof(der), f) == sizeof(der));
    if (f)
        fclose(f);
    EXPECT_EQ_INT(sboot_cert_pem(src, dst, 65536), 1);
    snprintf(
        cmd, sizeof(cmd),
        "printf -- '-----BEGIN CERTIFICATE-----\\nMIIABAECAwQ=\\n-----END CERTIFICATE-----\\n' "
        "| cmp -s - %s",
        dst);
    EXPECT_EQ_INT(system(cmd), 0);
    EXPECT_EQ_INT(sboot_cert_pem(dst, src, 65536), 0); /* PEM stays as it is */
    f = fopen(src, "wb");
    if (f) {
        fputs("not a certificate", f);
        fclose(f);
    }
    EXPECT_EQ_INT(sboot_cert_pem(src, dst, 65536), -EINVAL);
    EXPECT_EQ_INT(sboot_cert_pem(src, dst, 4), -EFBIG);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    EXPECT_EQ_INT(system(cmd), 0);
}

int main(void)
{
    RUN(sections_and_module_info);
    RUN(malformed);
    RUN(debian_signed_grub);
    RUN(cert_pem);
    return tap_done();
}
