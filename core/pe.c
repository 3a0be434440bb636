/* SPDX-License-Identifier: MIT */
/*
 * PE/COFF (Microsoft PE format: DOS header e_lfanew at 0x3c, "PE\0\0", COFF
 * header, optional header, 40-byte section headers) and GRUB's module info
 * (grub-core/include/grub/kernel.h: struct grub_module_info64 with magic
 * "mimg" 0x676d696d, then objects {u32 type, u32 size} of type ELF 0, MEMDISK
 * 1, CONFIG 2, PREFIX 3).  Pure code on buffers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pe.h"

#define GRUB_MODULE_MAGIC 0x676d696du
#define OBJ_TYPE_ELF      0
#define OBJ_TYPE_MEMDISK  1
#define OBJ_TYPE_CONFIG   2
#define OBJ_TYPE_PREFIX   3

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* off + n lies within len (no overflow). */
static int in_range(size_t len, uint64_t off, uint64_t n)
{
    return off <= len && n <= len - off;
}

int pe_section(const uint8_t *buf, size_t len, const char *name, size_t *ret_off, size_t *ret_size)
{
    uint32_t pe;
    uint16_t nsec, optsize;
    size_t nlen = strlen(name), table;

    if (nlen > 8 || !in_range(len, 0, 0x40) || buf[0] != 'M' || buf[1] != 'Z')
        return -EINVAL;
    pe = rd32(buf + 0x3c);
    if (!in_range(len, pe, 24) || memcmp(buf + pe, "PE\0\0", 4) != 0)
        return -EINVAL;
    nsec = rd16(buf + pe + 6);
    optsize = rd16(buf + pe + 20);
    table = (size_t)pe + 24 + optsize;
    if (nsec > PE_MAX_SECTIONS || !in_range(len, table, (uint64_t)nsec * 40))
        return -EINVAL;
    for (uint16_t i = 0; i < nsec; i++) {
        const uint8_t *h = buf + table + (size_t)i * 40;
        uint32_t raw_size = rd32(h + 16), raw_ptr = rd32(h + 20);

        if (memcmp(h, name, nlen) != 0 || (nlen < 8 && h[nlen] != '\0'))
            continue;
        if (raw_ptr > len)
            return -EINVAL;
        *ret_off = raw_ptr;
        *ret_size = raw_size <= len - raw_ptr ? raw_size : len - raw_ptr;
        return 0;
    }
    return -ENOENT;
}

/* Copies a NUL-padded string object (at most out_size - 1 bytes, up to the first newline). */
static void copy_obj_text(const uint8_t *p, size_t n, char *out, size_t out_size)
{
    size_t k = 0;

    while (k < n && k + 1 < out_size && p[k] != '\0' && p[k] != '\n')
        k++;
    memcpy(out, p, k);
    out[k] = '\0';
}

/* Appends the .modname of the ELF64 relocatable module e[0..n) to g->modules. */
static void add_module_name(const uint8_t *e, size_t n, struct grub_image_info *g)
{
    uint64_t shoff;
    uint16_t shentsize, shnum, shstrndx;
    uint64_t stroff, strsize;

    if (!in_range(n, 0, 64) ||
        memcmp(e,
               "\x7f"
               "ELF",
               4) != 0 ||
        e[4] != 2)
        return;
    shoff = rd64(e + 0x28);
    shentsize = rd16(e + 0x3a);
    shnum = rd16(e + 0x3c);
    shstrndx = rd16(e + 0x3e);
    if (shentsize < 64 || shstrndx >= shnum || !in_range(n, shoff, (uint64_t)shnum * shentsize))
        return;
    stroff = rd64(e + shoff + (uint64_t)shstrndx * shentsize + 24);
    strsize = rd64(e + shoff + (uint64_t)shstrndx * shentsize + 32);
    if (!in_range(n, stroff, strsize))
        return;
    for (uint16_t i = 0; i < shnum; i++) {
        const uint8_t *h = e + shoff + (uint64_t)i * shentsize;
        uint32_t nm = rd32(h);
        uint64_t off = rd64(h + 24), size = rd64(h + 32);
        size_t used = strlen(g->modules);
        char name[64];

        if (nm >= strsize || strnlen((const char *)e + stroff + nm, strsize - nm) != 8 ||
            memcmp(e + stroff + nm, ".modname", 8) != 0 || !in_range(n, off, size))
            continue;
        copy_obj_text(e + off, size, name, sizeof(name));
        if (name[0] && used + strlen(name) + 2 < sizeof(g->modules)) {
            snprintf(g->modules + used, sizeof(g->modules) - used, "%s%s", used ? " " : "", name);
            g->n_modules++;
        }
        return;
    }
}

/* The memdisk's "source $prefix/<dir>/grub.cfg" (the platform directory). */
static void find_platform_cfg(const uint8_t *p, size_t n, struct grub_image_info *g)
{
    static const char pat[] = "source $prefix/";
    const uint8_t *q = p, *end = p + n;

    while ((q = memmem(q, (size_t)(end - q), pat, sizeof(pat) - 1))) {
        const uint8_t *d = q + sizeof(pat) - 1;
        size_t k = 0;

        while (d + k < end && k < sizeof(g->platform_cfg_dir) - 1 &&
               ((d[k] >= 'a' && d[k] <= 'z') || (d[k] >= '0' && d[k] <= '9') || d[k] == '_' ||
                d[k] == '-'))
            k++;
        if (k > 0 && (size_t)(end - d) >= k + 9 && memcmp(d + k, "/grub.cfg", 9) == 0) {
            memcpy(g->platform_cfg_dir, d, k);
            g->platform_cfg_dir[k] = '\0';
            return;
        }
        q = d;
    }
}

int grub_image_parse(const uint8_t *buf, size_t len, struct grub_image_info *g)
{
    size_t off, size;
    uint64_t objs, total;
    int r = pe_section(buf, len, "mods", &off, &size);

    memset(g, 0, sizeof(*g));
    if (r < 0)
        return r;
    if (size < 24 || rd32(buf + off) != GRUB_MODULE_MAGIC)
        return -ENOENT;
    objs = rd64(buf + off + 8);
    total = rd64(buf + off + 16);
    if (total > size || objs > total)
        return -EINVAL;
    for (uint64_t p = objs; p + 8 <= total;) {
        const uint8_t *h = buf + off + p;
        uint32_t type = rd32(h), osize = rd32(h + 4);

        if (osize < 8 || osize > total - p)
            return -EINVAL;
        if (type == OBJ_TYPE_PREFIX)
            copy_obj_text(h + 8, osize - 8, g->prefix, sizeof(g->prefix));
        else if (type == OBJ_TYPE_CONFIG)
            copy_obj_text(h + 8, osize - 8, g->config, sizeof(g->config));
        else if (type == OBJ_TYPE_ELF)
            add_module_name(h + 8, osize - 8, g);
        else if (type == OBJ_TYPE_MEMDISK) {
            g->has_memdisk = 1;
            find_platform_cfg(h + 8, osize - 8, g);
        }
        p += osize;
    }
    return 0;
}

int grub_has_module(const struct grub_image_info *g, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = g->modules; *p;) {
        size_t k = strcspn(p, " ");

        if (k == n && strncmp(p, name, n) == 0)
            return 1;
        p += k;
        while (*p == ' ')
            p++;
    }
    return 0;
}
