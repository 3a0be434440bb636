/* SPDX-License-Identifier: MIT */
/*
 * Data kinds: kind files validated with errors naming file and key, templates,
 * and the shipped debian-installer kind probing a netboot tree and a netinst
 * layout on the fake core; a live-style kind with a transport entry (the shape
 * of issue 18's kinds); two kinds claiming one image; the shipped debian-live
 * and dracut-live kinds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../datakinds.h"
#include "fake_core.h"
#include "tap.h"

const struct pxe_plugin *pxe_plugin_init(void);

static char dir[] = "/tmp/test_datakinds.XXXXXX";

static void put(const char *rel, const char *text)
{
    EXPECT_EQ_INT(fake_write_file(dir, rel, text), 0);
}

static void expect_refused(const char *text, const char *want)
{
    struct dk_kind k;
    char err[DK_ERR_MAX] = "";

    EXPECT_EQ_INT(dk_kind_parse(text, "x.json", &k, err, sizeof(err)), -EINVAL);
    if (!strstr(err, want))
        printf("# got: %s\n# want: %s\n", err, want);
    EXPECT(strstr(err, want) != NULL);
    dk_kind_free(&k);
}

#define ENTRY "\"entries\": [{\"id\": \"i\", \"title\": \"T\"}]"
#define MATCH "\"match\": [{\"kernel\": \"k\"}]"

TEST(validation)
{
    expect_refused("{", "x.json: line 1:");
    expect_refused("[]", "x.json: must hold a JSON object");
    expect_refused("{\"kind\": \"a\", \"title\": \"t\", " MATCH ", " ENTRY ", \"x\": 1}",
                   "x.json: x: unknown key");
    expect_refused("{\"kind\": \"A b\", \"title\": \"t\", " MATCH ", " ENTRY "}",
                   "x.json: kind: 'A b' must match");
    expect_refused("{\"kind\": \"a\", \"title\": \"t\", \"match\": [{\"kernel\": 3}], " ENTRY "}",
                   "x.json: match[0].kernel: must be a string");
    expect_refused("{\"kind\": \"a\", \"title\": \"t\", \"match\": [{\"kernel\": \"../k\"}], " ENTRY
                   "}",
                   "x.json: match[0].kernel: '../k' is not a relative path");
    expect_refused("{\"kind\": \"a\", \"title\": \"t\", " MATCH
                   ", \"entries\": [{\"id\": \"i\", \"title\": \"T ${url}\"}]}",
                   "x.json: entries[0].title: unknown variable ${url} (an entry with no transport");
    expect_refused("{\"kind\": \"a\", \"title\": \"t\", " MATCH
                   ", \"entries\": [{\"id\": \"i\", \"title\": \"T\", \"transport\": \"http\", "
                   "\"cmdline\": \"fetch=${nope}\"}]}",
                   "x.json: entries[0].cmdline: unknown variable ${nope}");
    expect_refused("{\"kind\": \"a\", \"title\": \"t\", " MATCH ", \"entries\": []}",
                   "x.json: entries: must be an array");
    expect_refused("{\"title\": \"t\", " MATCH ", " ENTRY "}", "x.json: kind: missing");
}

TEST(templates_and_patterns)
{
    struct pxe_image img = {.name = "live", .rootfs = "live/filesystem.squashfs"};
    struct pxe_transport tr = {._struct_size = sizeof(tr), .port = 80};
    struct dk_vars v = {&img, &tr};
    char out[256];

    snprintf(tr.url, sizeof(tr.url), "http://192.0.2.1/images/live/");
    EXPECT_EQ_INT(dk_fill("boot=live fetch=${url}${rootfs} p=${port}", &v, out, sizeof(out)), 0);
    EXPECT_EQ_STR(out,
                  "boot=live fetch=http://192.0.2.1/images/live/live/filesystem.squashfs p=80");
    EXPECT_EQ_INT(dk_fill("${url}", &v, out, 10), -ENAMETOOLONG);
}

static struct pxe_boot_ctx ctx_for(int i, const char *entry)
{
    struct pxe_boot_ctx c = {.image = &fake.images[i], .server_ip = "192.0.2.1"};

    c._struct_size = sizeof(c);
    c.entry_id = entry;
    return c;
}

TEST(debian_installer)
{
    const struct pxe_plugin *p = pxe_plugin_init();
    char kinds[600];
    const char *ov[1];
    void *st = NULL, *cfg;
    struct pxe_kind_probe pr = {._struct_size = sizeof(pr)};
    struct pxe_buf *why = fake_buf_new();
    struct pxe_menu *m = fake_menu_new();
    struct pxe_transport http = {._struct_size = sizeof(http), .scheme = "http"};
    struct pxe_boot_ctx c;

    snprintf(kinds, sizeof(kinds), "dirs=%s", KINDS_SRC);
    ov[0] = kinds;
    cfg = fake_config(p, ov, 1);
    EXPECT(p->caps == PXE_CAP_KIND);
    EXPECT_EQ_INT(p->load(&fake.api, (struct pxe_core *)&fake, &st), 0);
    EXPECT_EQ_INT(p->config_complete(st, cfg), 0);
    /* the netboot tree */
    EXPECT_EQ_INT(p->kind_probe(st, &fake.images[0], &pr, why), 1);
    EXPECT_EQ_STR(pr.kind, "debian-installer");
    EXPECT_EQ_STR(pr.title, "Debian installer amd64");
    EXPECT_EQ_STR(pr.kernel, "debian-installer/amd64/linux");
    EXPECT_EQ_STR(pr.initrd, "debian-installer/amd64/initrd.gz");
    EXPECT_EQ_INT(pr.flags, PXE_IMAGE_NO_ROOTFS);
    /* a netinst ISO's layout */
    memset(&pr, 0, sizeof(pr));
    EXPECT_EQ_INT(p->kind_probe(st, &fake.images[1], &pr, why), 1);
    EXPECT_EQ_STR(pr.kernel, "install.amd/vmlinuz");
    /* half a tree: one line says what is missing; an empty one what was looked for */
    EXPECT_EQ_INT(p->kind_probe(st, &fake.images[2], &pr, why), 0);
    EXPECT(strstr(fake_buf_str(why), "found debian-installer/amd64/linux but not "
                                     "debian-installer/amd64/initrd.gz") != NULL);
    free(why);
    why = fake_buf_new();
    EXPECT_EQ_INT(p->kind_probe(st, &fake.images[3], &pr, why), 0);
    EXPECT(strstr(fake_buf_str(why), "install.amd/vmlinuz") != NULL);
    /* one entry, with no transport; none over HTTP */
    c = ctx_for(0, NULL);
    EXPECT_EQ_INT(p->kind_entries(st, &c, NULL, m), 0);
    EXPECT_EQ_INT(p->kind_entries(st, &c, &http, m), 0);
    EXPECT_EQ_STR(fake_menu_str(m), "install|Debian installer\n");
    free(why);
    why = fake_buf_new();
    c = ctx_for(0, "install");
    EXPECT_EQ_INT(p->kind_cmdline(st, &c, NULL, why), 0);
    EXPECT_EQ_STR(fake_buf_str(why), "");
    p->unload(st);
    fake_config_free(p, cfg);
    free(why);
    free(m);
}

/* A kind shaped like issue 18's Debian live kind, and a second kind claiming the same tree. */
TEST(live_kind_and_conflict)
{
    const struct pxe_plugin *p = pxe_plugin_init();
    char kd[600], opt[700];
    const char *ov[1] = {opt};
    void *st = NULL, *cfg;
    struct pxe_kind_probe pr = {._struct_size = sizeof(pr)};
    struct pxe_buf *b = fake_buf_new();
    struct pxe_menu *m = fake_menu_new();
    struct pxe_transport nfs = {
        ._struct_size = sizeof(nfs), .scheme = "nfs", .label = "NFS", .url = "192.0.2.1:/srv/live"};
    struct pxe_boot_ctx c;

    snprintf(kd, sizeof(kd), "%s/kinds", dir);
    snprintf(opt, sizeof(opt), "dirs=%s", kd);
    put("kinds/live.json",
        "{\"kind\": \"debian-live\", \"title\": \"Debian live\", \"cmdline\": \"boot=live\","
        " \"match\": [{\"kernel\": \"live/vmlinuz*\", \"initrd\": \"live/initrd.img*\","
        " \"rootfs\": \"live/filesystem.squashfs\"}],"
        " \"entries\": [{\"id\": \"nfs\", \"title\": \"Debian live (${label})\","
        " \"transport\": \"nfs\", \"cmdline\": \"netboot=nfs nfsroot=${url}\"}]}");
    cfg = fake_config(p, ov, 1);
    EXPECT_EQ_INT(p->load(&fake.api, (struct pxe_core *)&fake, &st), 0);
    EXPECT_EQ_INT(p->config_complete(st, cfg), 0);
    EXPECT_EQ_INT(p->kind_probe(st, &fake.images[4], &pr, b), 1);
    EXPECT_EQ_STR(pr.kernel, "live/vmlinuz-6.1.0-18-amd64");
    EXPECT_EQ_STR(pr.rootfs, "live/filesystem.squashfs");
    EXPECT_EQ_INT(pr.flags, 0);
    c = ctx_for(4, NULL);
    EXPECT_EQ_INT(p->kind_entries(st, &c, NULL, m), 0);
    EXPECT_EQ_INT(p->kind_entries(st, &c, &nfs, m), 0);
    EXPECT_EQ_STR(fake_menu_str(m), "nfs|Debian live (NFS)\n");
    c = ctx_for(4, "nfs");
    EXPECT_EQ_INT(p->kind_cmdline(st, &c, &nfs, b), 0);
    EXPECT_EQ_STR(fake_buf_str(b), "netboot=nfs nfsroot=192.0.2.1:/srv/live");
    p->unload(st);
    /* the same layout twice: the probe names both files */
    put("kinds/twin.json",
        "{\"kind\": \"twin\", \"title\": \"Twin\", \"match\": [{\"kernel\": \"live/vmlinuz*\"}],"
        " \"entries\": [{\"id\": \"t\", \"title\": \"Twin\"}]}");
    free(b);
    b = fake_buf_new();
    EXPECT_EQ_INT(p->load(&fake.api, (struct pxe_core *)&fake, &st), 0);
    EXPECT_EQ_INT(p->config_complete(st, cfg), 0);
    EXPECT_EQ_INT(p->kind_probe(st, &fake.images[4], &pr, b), -EEXIST);
    EXPECT(strstr(fake_buf_str(b), "debian-live (live.json) and twin (twin.json)") != NULL);
    p->unload(st);
    /* a broken file refuses the configuration, naming file and key */
    put("kinds/zz.json", "{\"kind\": \"zz\", \"title\": 5}");
    fake.keep_logs = 1;
    EXPECT_EQ_INT(p->load(&fake.api, (struct pxe_core *)&fake, &st), 0);
    EXPECT_EQ_INT(p->config_complete(st, cfg), -EINVAL);
    EXPECT(fake_log_has("zz.json: title: must be a string"));
    p->unload(st);
    fake_config_free(p, cfg);
    free(b);
    free(m);
}

/* The shipped live kinds (issue 18): layouts, half trees, and every entry's command line. */
static void expect_line(const struct pxe_plugin *p, void *st, int img, const char *entry,
                        const struct pxe_transport *tr, const char *want)
{
    struct pxe_buf *b = fake_buf_new();
    struct pxe_boot_ctx c = ctx_for(img, entry);

    EXPECT_EQ_INT(p->kind_cmdline(st, &c, tr, b), 0);
    if (strcmp(fake_buf_str(b), want))
        printf("# got: %s\n# want: %s\n", fake_buf_str(b), want);
    EXPECT_EQ_STR(fake_buf_str(b), want);
    free(b);
}

TEST(shipped_live_kinds)
{
    const struct pxe_plugin *p = pxe_plugin_init();
    char kinds[600];
    const char *ov[1] = {kinds};
    void *st = NULL, *cfg;
    struct pxe_kind_probe pr = {._struct_size = sizeof(pr)};
    struct pxe_buf *why = fake_buf_new();
    struct pxe_menu *m = fake_menu_new();
    struct pxe_transport http = {._struct_size = sizeof(http),
                                 .scheme = "http",
                                 .label = "HTTP",
                                 .url = "http://192.0.2.1/images/live/",
                                 .server = "192.0.2.1"};
    struct pxe_transport nfs = {._struct_size = sizeof(nfs),
                                .scheme = "nfs",
                                .label = "NFS",
                                .url = "192.0.2.1:/srv/live",
                                .server = "192.0.2.1",
                                .export_name = "/srv/live",
                                .options = "v3,tcp"};
    struct pxe_transport nbd = {._struct_size = sizeof(nbd),
                                .scheme = "nbd",
                                .label = "NBD",
                                .server = "192.0.2.1",
                                .export_name = "fedora",
                                .port = 10809};
    struct pxe_boot_ctx c;

    snprintf(kinds, sizeof(kinds), "dirs=%s", KINDS_SRC);
    cfg = fake_config(p, ov, 1);
    EXPECT_EQ_INT(p->load(&fake.api, (struct pxe_core *)&fake, &st), 0);
    EXPECT_EQ_INT(p->config_complete(st, cfg), 0);
    EXPECT_EQ_INT(p->kind_probe(st, &fake.images[4], &pr, why), 1);
    EXPECT_EQ_STR(pr.kind, "debian-live");
    EXPECT_EQ_STR(pr.initrd, "live/initrd.img-6.1.0-18-amd64");
    memset(&pr, 0, sizeof(pr));
    EXPECT_EQ_INT(p->kind_probe(st, &fake.images[5], &pr, why), 1);
    EXPECT_EQ_STR(pr.kind, "dracut-live");
    EXPECT_EQ_STR(pr.rootfs, "LiveOS/squashfs.img");
    EXPECT_EQ_INT(pr.flags, 0);
    /* half a live tree: the squashfs is missing, and the line says so */
    EXPECT_EQ_INT(p->kind_probe(st, &fake.images[6], &pr, why), 0);
    EXPECT(strstr(fake_buf_str(why), "debian-live (debian-live.json) found live/vmlinuz but not "
                                     "live/filesystem.squashfs") != NULL);
    /* what the core keeps of the probes */
    fake.images[4].rootfs = "live/filesystem.squashfs";
    fake.images[5].rootfs = "LiveOS/squashfs.img";
    fake.images[5].volume_id = "PXE_DRACUT";
    /* Debian live: HTTP and NFS, no NBD */
    c = ctx_for(4, NULL);
    EXPECT_EQ_INT(p->kind_entries(st, &c, &nbd, m), 0);
    EXPECT_EQ_INT(p->kind_entries(st, &c, &http, m), 0);
    EXPECT_EQ_INT(p->kind_entries(st, &c, &nfs, m), 0);
    EXPECT_EQ_STR(fake_menu_str(m), "http|Debian live (HTTP)\nnfs|Debian live (NFS)\n");
    expect_line(p, st, 4, NULL, NULL, "boot=live");
    expect_line(p, st, 4, "http", &http,
                "fetch=http://192.0.2.1/images/live/live/filesystem.squashfs");
    expect_line(p, st, 4, "nfs", &nfs, "netboot=nfs nfsroot=192.0.2.1:/srv/live nfsopts=v3,tcp");
    /* dracut live: HTTP, NFS and NBD */
    expect_line(p, st, 5, NULL, NULL, "ip=dhcp rd.live.overlay.overlayfs=1");
    expect_line(p, st, 5, "http", &http,
                "root=live:http://192.0.2.1/images/live/LiveOS/squashfs.img");
    expect_line(p, st, 5, "nfs", &nfs, "root=live:nfs://192.0.2.1/srv/live/LiveOS/squashfs.img");
    expect_line(p, st, 5, "nbd", &nbd, "root=live:CDLABEL=PXE_DRACUT netroot=nbd:192.0.2.1:fedora");
    p->unload(st);
    fake_config_free(p, cfg);
    free(why);
    free(m);
}

int main(void)
{
    static const char *const trees[] = {"netboot", "netinst", "half",    "empty",
                                        "live",    "fedora",  "halflive"};
    char cmd[1200], path[600];

    if (!mkdtemp(dir))
        return 1;
    snprintf(cmd, sizeof(cmd),
             "cd %s && mkdir -p netboot/debian-installer/amd64 netinst/install.amd "
             "half/debian-installer/amd64 empty live kinds fedora/images/pxeboot fedora/LiveOS "
             "halflive/live",
             dir);
    if (system(cmd) != 0)
        return 1;
    put("netboot/debian-installer/amd64/linux", "k");
    put("netboot/debian-installer/amd64/initrd.gz", "i");
    put("netinst/install.amd/vmlinuz", "k");
    put("netinst/install.amd/initrd.gz", "i");
    put("half/debian-installer/amd64/linux", "k");
    put("live/vmlinuz-6.1.0-18-amd64", "k"); /* live/ below */
    snprintf(cmd, sizeof(cmd),
             "cd %s/live && mkdir live && mv vmlinuz-6.1.0-18-amd64 live/ && "
             ": >live/initrd.img-6.1.0-18-amd64 && : >live/filesystem.squashfs",
             dir);
    if (system(cmd) != 0)
        return 1;
    put("fedora/images/pxeboot/vmlinuz", "k");
    put("fedora/images/pxeboot/initrd.img", "i");
    put("fedora/LiveOS/squashfs.img", "s");
    put("halflive/live/vmlinuz", "k");
    put("halflive/live/initrd.img", "i");
    fake_core_init();
    fake.quiet = 1;
    fake.name = "datakinds";
    for (int i = 0; i < 7; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, trees[i]);
        fake_image_add(trees[i], path, 0);
    }
    RUN(validation);
    RUN(templates_and_patterns);
    RUN(debian_installer);
    RUN(live_kind_and_conflict);
    RUN(shipped_live_kinds);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return tap_done();
}
