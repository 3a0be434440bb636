/* SPDX-License-Identifier: MIT */
/*
 * tinycore: an out-of-tree image kind for Tiny Core Linux trees and ISOs
 * (boot/vmlinuz64 + boot/corepure64.gz, or boot/vmlinuz + boot/core.gz).
 * Tiny Core runs from its initramfs, so the kind offers one entry that needs
 * no transport.  Built with nothing but pkg-config pxecore (see Makefile).
 *
 * It shows the image-kind contract: kind_probe reads the image only through
 * the core (file_open on image->prefix + path), fills struct pxe_kind_probe,
 * and says what it looked for when the image is not one of its own.
 */
#include <stdio.h>
#include <string.h>

#include <pxecore/plugin.h>

static const struct pxe_core_api *core;
static struct pxe_core *self;

static int tc_load(const struct pxe_core_api *c, struct pxe_core *s, void **ret_state)
{
    core = c;
    self = s;
    *ret_state = NULL;
    /* image_list and the kind callbacks arrived with ABI 2 */
    return c->_abi_version >= 2 ? 0 : -95;
}

static void tc_unload(void *state)
{
    (void)state;
}

/* 1 when path is a regular file of img. */
static int has(const struct pxe_image *img, const char *path)
{
    struct pxe_client client = {sizeof(client), NULL, NULL, NULL, NULL};
    struct pxe_file *f = NULL;
    char full[512];

    snprintf(full, sizeof(full), "%s%s", img->prefix, path);
    if (core->file_open(self, full, &client, &f) < 0)
        return 0;
    core->file_close(f);
    return 1;
}

static int tc_probe(void *state, const struct pxe_image *img, struct pxe_kind_probe *out,
                    struct pxe_buf *looked_for)
{
    static const struct {
        const char *kernel, *initrd, *arch;
    } layouts[] = {
        {"boot/vmlinuz64", "boot/corepure64.gz", "x86_64"},
        {"boot/vmlinuz", "boot/core.gz", "x86"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        if (!has(img, layouts[i].kernel) || !has(img, layouts[i].initrd))
            continue;
        snprintf(out->kernel, sizeof(out->kernel), "%s", layouts[i].kernel);
        snprintf(out->initrd, sizeof(out->initrd), "%s", layouts[i].initrd);
        snprintf(out->arch, sizeof(out->arch), "%s", layouts[i].arch);
        snprintf(out->title, sizeof(out->title), "Tiny Core Linux %s", layouts[i].arch);
        out->flags = PXE_IMAGE_NO_ROOTFS; /* everything is in the initramfs */
        return 1;
    }
    core->buf_append(looked_for,
                     "boot/vmlinuz64 + boot/corepure64.gz, boot/vmlinuz + boot/core.gz");
    return 0;
}

static int tc_entries(void *state, const struct pxe_boot_ctx *ctx, const struct pxe_transport *tr,
                      struct pxe_menu *menu)
{
    struct pxe_menu_entry e = {sizeof(e), "tinycore", ctx->image->title,
                               NULL,      NULL,       "Tiny Core Linux, running from RAM"};

    (void)state;
    return tr ? 0 : core->menu_add(menu, &e);
}

static int tc_cmdline(void *state, const struct pxe_boot_ctx *ctx, const struct pxe_transport *tr,
                      struct pxe_buf *out)
{
    (void)state, (void)tr;
    /* the image's own parameters: Tiny Core's boot codes (its FAQ): no local swap or restore */
    return ctx->entry_id ? 0 : core->buf_append(out, "noswap norestore");
}

static struct pxe_plugin tc_plugin = {
    .caps = PXE_CAP_KIND,
    .name = "tinycore",
    .version = "1.0",
    .description = "example image kind: Tiny Core Linux",
    .load = tc_load,
    .unload = tc_unload,
    .kind_probe = tc_probe,
    .kind_entries = tc_entries,
    .kind_cmdline = tc_cmdline,
};

PXE_PLUGIN_REGISTER(tc_plugin)
