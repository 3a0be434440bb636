/* SPDX-License-Identifier: MIT */
/*
 * memtest: a third-party boot method built only against the installed SDK
 * (pkg-config pxecore).  It adds a "Memory test (memtest86+)" entry to every
 * generated boot menu when the configured memtest86+ binary is present in the
 * file namespace (for example Debian's /boot/memtest86+x64.bin with
 * `--root /boot`), and reports through status whether it found it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <pxecore/plugin.h>

struct memtest_config {
    char *file;  /* namespace path of the memtest86+ binary */
    char *title; /* menu title */
};

struct memtest {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    const struct memtest_config *cfg;
    unsigned long menus_served;
};

static const struct pxe_config_item memtest_items[] = {
    {"file", PXE_CFG_STR, 0, "memtest86+x64.bin", offsetof(struct memtest_config, file),
     "memtest86+ binary, as a path of pxecore's file namespace", "memtest-file", 0, 0},
    {"title", PXE_CFG_STR, 0, "Memory test (memtest86+)", offsetof(struct memtest_config, title),
     "menu entry title", NULL, 0, 0},
    {0},
};

static int memtest_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct memtest *m;

    if (core->_abi_version != PXE_PLUGIN_ABI_VERSION)
        return -ENOTSUP;
    m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->core = core;
    m->self = self;
    *ret_state = m;
    return 0;
}

static int memtest_config_complete(void *state, void *cfg)
{
    struct memtest *m = state;

    m->cfg = cfg;
    if (!m->cfg->file || !*m->cfg->file || strchr(m->cfg->title, '"'))
        return -EINVAL;
    return 0;
}

/* Whether the binary is reachable right now; files can appear after start. */
static int memtest_present(struct memtest *m)
{
    struct pxe_file *f;

    if (m->core->file_open(m->self, m->cfg->file, NULL, &f) < 0)
        return 0;
    m->core->file_close(f);
    return 1;
}

static int memtest_menu_entries(void *state, const struct pxe_boot_ctx *ctx, struct pxe_menu *menu)
{
    struct memtest *m = state;
    struct pxe_menu_entry e = {
        ._struct_size = sizeof(e),
        .id = "memtest",
        .title = m->cfg->title,
        .kernel = m->cfg->file,
        .initrd = "",
        .help = "Test this machine's memory",
    };

    /* One entry per menu, not one per image. */
    if (ctx->image != m->core->image_get(m->self, 0) || !memtest_present(m))
        return 0;
    m->menus_served++;
    return m->core->menu_add(menu, &e);
}

static int memtest_status(void *state, struct json_t **ret_json)
{
    struct memtest *m = state;

    *ret_json = json_pack("{s:s, s:b, s:I}", "file", m->cfg->file, "present", memtest_present(m),
                          "menus_served", (json_int_t)m->menus_served);
    return *ret_json ? 0 : -ENOMEM;
}

static void memtest_unload(void *state)
{
    free(state);
}

static struct pxe_plugin memtest_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_MENU,
    .name = "memtest",
    .version = "1.0",
    .description = "Memory test entry (memtest86+) for the generated boot menus",
    .config_items = memtest_items,
    .config_size = sizeof(struct memtest_config),
    .load = memtest_load,
    .config_complete = memtest_config_complete,
    .unload = memtest_unload,
    .menu_entries = memtest_menu_entries,
    .status = memtest_status,
};

PXE_PLUGIN_REGISTER(memtest_plugin)
