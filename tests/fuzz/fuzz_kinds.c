/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the image-kind probes' parsers, where image contents
 * and kind files meet code: the first byte picks
 *   0: a data-kind file (plugins/datakinds: dk_kind_parse), then every
 *      template it holds filled with hostile image and transport values;
 *   1: a file pattern resolved against a directory listing (dk_resolve): the
 *      first line is the pattern, each further line a name in the image;
 *   2: archiso's command-line parameters (plugins/archiso/archiso_cmdline.c)
 *      from facts taken from the input, and archiso_param_get on the rest.
 * Whatever the input, the core's menu checks (core/menu_text.c) run on the
 * results and must hold their contract: an accepted image path has no blank,
 * no ';', no '$' and no "." or ".." part.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archiso.h"
#include "datakinds.h"
#include "menu_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *p)
{
    if (!menu_image_path_ok(p))
        return;
    if (strpbrk(p, " \t\n;$\"'`") || strstr(p, "/../") || !strncmp(p, "../", 3) ||
        strstr(p, "//") || *p == '/')
        abort();
}

static void kind_file(const char *text)
{
    static const struct pxe_image im = {.name = "img;x", .arch = "amd64 evil",
                                        .kernel = "k${image}", .initrd = "i\ninitrd",
                                        .rootfs = "r", .volume_id = "V${url}"};
    struct pxe_transport tr = {._struct_size = sizeof(tr), .port = 4294967295u};
    struct dk_vars v = {&im, &tr};
    struct dk_kind k;
    char err[DK_ERR_MAX], out[1024];

    snprintf(tr.url, sizeof(tr.url), "http://[2001:db8::1]:80/${kernel}/");
    snprintf(tr.server, sizeof(tr.server), "%s", "${server}");
    if (dk_kind_parse(text, "fuzz.json", &k, err, sizeof(err))) {
        if (!strstr(err, "fuzz.json"))
            abort(); /* every refusal names the file */
        dk_kind_free(&k); /* the caller frees, as datakinds.c does */
        return;
    }
    if (k.cmdline)
        dk_fill(k.cmdline, &v, out, sizeof(out));
    for (size_t i = 0; i < k.n_entries; i++) {
        if (dk_fill(k.entries[i].cmdline ? k.entries[i].cmdline : "", &v, out, sizeof(out)) == 0 &&
            strlen(out) >= sizeof(out))
            abort();
    }
    for (size_t i = 0; i < k.n_layouts; i++)
        check_path(k.layouts[i].kernel);
    dk_kind_free(&k);
}

struct listing {
    char *names;
};

static int list_names(void *ud, const char *dir,
                      int (*cb)(void *cbud, const char *name, uint32_t type), void *cbud)
{
    struct listing *l = ud;

    (void)dir;
    for (char *s = l->names; s && *s;) {
        char *nl = strchr(s, '\n');

        if (nl)
            *nl = '\0';
        cb(cbud, s, (uint32_t)(s[0] & 1) ? 1 : 2);
        if (!nl)
            break;
        *nl = '\n';
        s = nl + 1;
    }
    return 0;
}

static void resolve(char *text)
{
    char *nl = strchr(text, '\n'), out[512];
    struct listing l = {nl ? nl + 1 : NULL};

    if (nl)
        *nl = '\0';
    if (dk_resolve(text, list_names, &l, out, sizeof(out)) == 1)
        check_path(out);
}

static void archiso(const char *text, size_t len)
{
    struct archiso_facts f;
    struct pxe_transport tr = {._struct_size = sizeof(tr)};
    static const char *const schemes[] = {"http", "nbd", "nfs", "tftp"};
    char out[2048], title[256], help[512];
    const char *v;
    size_t vlen;

    memset(&f, 0, sizeof(f));
    snprintf(f.basedir, sizeof(f.basedir), "%.*s", (int)(len < 20 ? len : 20), text);
    snprintf(f.label, sizeof(f.label), "%.*s", (int)(len < 39 ? len : 39), text);
    snprintf(f.uuid, sizeof(f.uuid), "%s", text);
    snprintf(f.arch, sizeof(f.arch), "x86_64");
    f.has_sha512 = len & 1;
    f.has_cms_sig = len & 2;
    snprintf(tr.scheme, sizeof(tr.scheme), "%s", schemes[len % 4]);
    snprintf(tr.url, sizeof(tr.url), "%s", text);
    snprintf(tr.server, sizeof(tr.server), "%.*s", 40, text);
    snprintf(tr.export_name, sizeof(tr.export_name), "%s", text);
    archiso_transport_params(&f, &tr, out, sizeof(out));
    archiso_image_params(&f, len & 4, out, sizeof(out));
    archiso_entry_text(&f, &tr, "img", len & 8, title, sizeof(title), help, sizeof(help));
    v = archiso_param_get(text, "archisobasedir", &vlen);
    if (v && (v < text || v + vlen > text + len))
        abort();
    archiso_param_is(text, "ip", "dhcp");
    check_path(text);
    menu_path_ok(text);
    menu_text_ok(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t;

    if (size < 1 || size > 65536)
        return 0;
    t = malloc(size);
    if (!t)
        return 0;
    memcpy(t, data + 1, size - 1);
    t[size - 1] = '\0';
    switch (data[0] % 3) {
    case 0:
        kind_file(t);
        break;
    case 1:
        resolve(t);
        break;
    default:
        archiso(t, strlen(t));
        break;
    }
    free(t);
    return 0;
}
