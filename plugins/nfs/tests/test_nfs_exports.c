/* SPDX-License-Identifier: MIT */
/* Golden tests of the rendered exports/ganesha files and of the parsers in nfs_exports.c.
 * NFS_GOLDEN_UPDATE=1 rewrites the golden files (review the diff before committing). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfs_exports.h"
#include "tap.h"

static char *slurp(const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/%s", NFS_GOLDEN_DIR, name);
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

static int golden(const char *name, const char *got)
{
    char *want;
    int ok;

    if (getenv("NFS_GOLDEN_UPDATE")) {
        char path[1024];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", NFS_GOLDEN_DIR, name);
        f = fopen(path, "w");
        if (f) {
            fputs(got, f);
            fclose(f);
        }
    }
    want = slurp(name, NULL);
    ok = want && !strcmp(want, got);
    if (!ok)
        printf("# golden %s differs; got:\n%s# want:\n%s", name, got, want ? want : "(missing)\n");
    free(want);
    return ok;
}

static const struct nfs_export two[] = {
    {"/srv/arch", 0, 4201},
    {"/run/pxecore/nfs/release", 1234567, 4202},
};

TEST(kernel_golden)
{
    const char *why = NULL;
    char *out = NULL;

    EXPECT_EQ_INT(nfs_render_kernel(two, 2, "192.0.2.0/24", "ro,no_subtree_check", &out, &why), 0);
    EXPECT(out && golden("kernel-two.exports", out));
    free(out);
    out = NULL;
    EXPECT_EQ_INT(nfs_render_kernel(two, 2, "192.0.2.0/24 198.51.100.7,@lab",
                                    "ro,no_subtree_check,"
                                    "insecure",
                                    &out, &why),
                  0);
    EXPECT(out && golden("kernel-clients.exports", out));
    free(out);
    out = NULL;
    EXPECT_EQ_INT(nfs_render_kernel(NULL, 0, "*", "ro", &out, &why), 0);
    EXPECT(out && golden("kernel-empty.exports", out));
    free(out);
}

TEST(kernel_admin_fsid_wins)
{
    const char *why = NULL;
    char *out = NULL;

    EXPECT_EQ_INT(nfs_render_kernel(two, 2, "*", "ro,fsid=7", &out, &why), 0);
    EXPECT(out && strstr(out, "*(ro,fsid=7)") && !strstr(out, "1234567"));
    free(out);
}

TEST(kernel_order_is_stable)
{
    const struct nfs_export rev[] = {two[1], two[0]};
    const char *why = NULL;
    char *a = NULL, *b = NULL;

    EXPECT_EQ_INT(nfs_render_kernel(two, 2, "*", "ro", &a, &why), 0);
    EXPECT_EQ_INT(nfs_render_kernel(rev, 2, "*", "ro", &b, &why), 0);
    EXPECT(a && b && !strcmp(a, b));
    free(a);
    free(b);
}

TEST(ganesha_golden)
{
    const char *why = NULL;
    char *out = NULL;

    EXPECT_EQ_INT(
        nfs_render_ganesha(two, 2, "192.0.2.0/24 127.0.0.1", "ro,no_subtree_check", &out, &why), 0);
    EXPECT(out && golden("ganesha-two.conf", out));
    free(out);
    out = NULL;
    EXPECT_EQ_INT(nfs_render_ganesha(two, 1, "*", "rw,no_root_squash,insecure,sync", &out, &why),
                  0);
    EXPECT(out && golden("ganesha-options.conf", out));
    free(out);
    out = NULL;
    EXPECT_EQ_INT(nfs_render_ganesha(NULL, 0, "*", "ro", &out, &why), 0);
    EXPECT(out && !strcmp(out, NFS_GENERATED_MARK " Do not edit: rewritten on every change.\n"));
    free(out);
}

TEST(ganesha_refuses)
{
    const struct nfs_export badid[] = {{"/srv/x", 0, 0}};
    const char *why = NULL;
    char *out = NULL;

    EXPECT_EQ_INT(nfs_render_ganesha(two, 2, "*", "ro,crossmnt", &out, &why), -EINVAL);
    EXPECT(why && strstr(why, "ganesha backend"));
    EXPECT_EQ_INT(nfs_render_ganesha(badid, 1, "*", "ro", &out, &why), -EINVAL);
    EXPECT(out == NULL);
}

TEST(validation)
{
    const struct nfs_export dup[] = {{"/a", 0, 1}, {"/a", 0, 2}};
    const struct nfs_export bad[] = {{"/a b", 0, 1}};
    const char *why = NULL;
    char *out = NULL;

    EXPECT_EQ_INT(nfs_check_path("/srv/arch"), 0);
    EXPECT_EQ_INT(nfs_check_path("/"), 0);
    EXPECT_EQ_INT(nfs_check_path("srv"), -EINVAL);
    EXPECT_EQ_INT(nfs_check_path("/srv/../etc"), -EINVAL);
    EXPECT_EQ_INT(nfs_check_path("/srv/./x"), -EINVAL);
    EXPECT_EQ_INT(nfs_check_path("/srv//x"), -EINVAL);
    EXPECT_EQ_INT(nfs_check_path("/srv/x/"), -EINVAL);
    EXPECT_EQ_INT(nfs_check_path("/srv/a\"b"), -EINVAL);
    EXPECT_EQ_INT(nfs_check_path("/srv/a\nb"), -EINVAL);
    EXPECT_EQ_INT(nfs_check_path("/srv/a}b"), -EINVAL);
    EXPECT_EQ_INT(nfs_check_path("/srv/..x"), 0);
    EXPECT_EQ_INT(nfs_check_clients("*", &why), 0);
    EXPECT_EQ_INT(nfs_check_clients("192.0.2.0/24, 2001:db8::/32 @lab", &why), 0);
    EXPECT_EQ_INT(nfs_check_clients(" , ", &why), -EINVAL);
    EXPECT_EQ_INT(nfs_check_clients("a(rw)", &why), -EINVAL);
    EXPECT_EQ_INT(nfs_check_options("ro,no_subtree_check", &why), 0);
    EXPECT_EQ_INT(nfs_check_options("ro,,x", &why), -EINVAL);
    EXPECT_EQ_INT(nfs_check_options("ro) *(rw", &why), -EINVAL);
    EXPECT_EQ_INT(nfs_check_options("", &why), -EINVAL);
    EXPECT_EQ_INT(nfs_check_client_opts("v3,tcp", &why), 0);
    EXPECT_EQ_INT(nfs_check_client_opts("", &why), 0);
    EXPECT_EQ_INT(nfs_check_client_opts("v3 rd.break", &why), -EINVAL);
    EXPECT_EQ_INT(nfs_render_kernel(dup, 2, "*", "ro", &out, &why), -EINVAL);
    EXPECT_EQ_INT(nfs_render_kernel(bad, 1, "*", "ro", &out, &why), -EINVAL);
    EXPECT(out == NULL);
}

TEST(fsid)
{
    EXPECT(nfs_fsid_for("/run/pxecore/nfs/archiso") != 0);
    EXPECT(nfs_fsid_for("/run/pxecore/nfs/archiso") < 0x80000000u);
    EXPECT_EQ_INT(nfs_fsid_for("/run/pxecore/nfs/archiso"),
                  nfs_fsid_for("/run/pxecore/nfs/archiso"));
    EXPECT(nfs_fsid_for("/run/pxecore/nfs/a") != nfs_fsid_for("/run/pxecore/nfs/b"));
}

TEST(rmtab)
{
    const char *paths[] = {"/srv/arch", "/run/pxecore/nfs/release"};
    size_t len;
    char *t = slurp("rmtab", &len);

    EXPECT(t != NULL);
    if (!t)
        return;
    /* .10 and .11 (subdir) on /srv/arch, ::1 on release; /srv/archive and count 0 are not ours. */
    EXPECT_EQ_INT(nfs_rmtab_mounts(t, len, paths, 2), 3);
    EXPECT_EQ_INT(nfs_rmtab_mounts(t, len, paths, 1), 2);
    EXPECT_EQ_INT(nfs_rmtab_mounts("", 0, paths, 2), 0);
    EXPECT_EQ_INT(nfs_rmtab_mounts("x:/srv/arch:0x1", 15, paths, 2), 1);
    EXPECT_EQ_INT(nfs_rmtab_mounts("x:/srv/arch:0x1", 12, paths, 2), 0);
    free(t);
}

TEST(listings)
{
    char *e = slurp("exportfs-list.txt", NULL), *g = slurp("ganesha-showexports.txt", NULL);

    EXPECT(e && g);
    if (!e || !g)
        goto out;
    EXPECT_EQ_INT(nfs_listing_has(e, "/srv/arch"), 1);
    EXPECT_EQ_INT(nfs_listing_has(e, "/run/pxecore/nfs/a-very-long-image-name-that-wraps"), 1);
    EXPECT_EQ_INT(nfs_listing_has(e, "/srv"), 0);
    EXPECT_EQ_INT(nfs_listing_has(e, "/srv/admin/x"), 0);
    EXPECT_EQ_INT(nfs_listing_has(g, "/tmp/gx/export2"), 1);
    EXPECT_EQ_INT(nfs_listing_has(g, "/tmp/gx"), 0);
    EXPECT_EQ_INT(nfs_listing_has("", "/a"), 0);
    /* nfs-ls -D and showmount -e, as captured from ganesha 4.3 */
    EXPECT_EQ_INT(nfs_listing_has("nfs://127.0.0.1/tmp/gx/export2\n", "/tmp/gx/export2"), 1);
    EXPECT_EQ_INT(nfs_listing_has("nfs://127.0.0.1/tmp/gx/export2\n", "/tmp/gx"), 0);
    EXPECT_EQ_INT(nfs_listing_has("nfs://127.0.0.1/tmp/gx/export2x\n", "/tmp/gx/export2"), 0);
    EXPECT_EQ_INT(nfs_listing_has("Export list for 127.0.0.1:\n/srv/arch 127.0.0.1\n", "/srv/arch"),
                  1);
out:
    free(e);
    free(g);
}

TEST(ganesha_activity)
{
    size_t cl, el;
    char *c = slurp("ganesha-showclients.txt", &cl), *e = slurp("ganesha-showexports.txt", &el);

    EXPECT(c && e);
    if (!c || !e)
        goto out;
    /* The captured replies: one client (127.0.0.1, NFSv3), export 101 used the same second. */
    EXPECT_EQ_INT(nfs_ganesha_active(c, cl, NULL, 60), 1);
    EXPECT_EQ_INT(nfs_ganesha_active(c, cl, "::ffff:127.0.0.1", 60), 1);
    EXPECT_EQ_INT(nfs_ganesha_active(c, cl, "::ffff:192.0.2.9", 60), 0);
    EXPECT_EQ_INT(nfs_ganesha_active(e, el, "/tmp/gx/export2", 60), 1);
    EXPECT_EQ_INT(nfs_ganesha_active(e, el, "/", 60), 0);
    EXPECT_EQ_INT(nfs_ganesha_active(e, el, NULL, 60), 1);
    EXPECT_EQ_INT(
        nfs_ganesha_active("Error org.freedesktop.DBus.Error.ServiceUnknown", 47, NULL, 60),
        -EINVAL);
out:
    free(c);
    free(e);
}

TEST(ganesha_activity_idle)
{
    const char *reply = "method return time=1000.000042 sender=:1.0\n"
                        "   struct {\n      uint64 5\n      uint64 5\n   }\n"
                        "   array [\n      struct {\n         string \"::ffff:192.0.2.5\"\n"
                        "         struct {\n            struct {\n               string \"NFSv3\"\n"
                        "               boolean true\n            }\n         }\n"
                        "         struct {\n            uint64 900\n            uint64 1\n"
                        "         }\n      }\n   ]\n";

    EXPECT_EQ_INT(nfs_ganesha_active(reply, strlen(reply), NULL, 60), 0);
    EXPECT_EQ_INT(nfs_ganesha_active(reply, strlen(reply), NULL, 100), 1);
}

TEST(state_roundtrip)
{
    struct nfs_created c = {.backend = "ganesha", .file = "/etc/ganesha/pxecore.conf"}, d;
    char *s;

    c.ids[c.nids++] = 4201;
    c.ids[c.nids++] = 4202;
    c.mounts[c.nmounts++] = strdup("/run/pxecore/nfs/release");
    s = nfs_state_encode(&c);
    EXPECT(s != NULL);
    if (s) {
        EXPECT(golden("state.json", s));
        EXPECT_EQ_INT(nfs_state_decode(s, strlen(s), &d), 0);
        EXPECT_EQ_STR(d.backend, "ganesha");
        EXPECT_EQ_STR(d.file, "/etc/ganesha/pxecore.conf");
        EXPECT_EQ_INT(d.nids, 2);
        EXPECT_EQ_INT(d.ids[1], 4202);
        EXPECT_EQ_INT(d.nmounts, 1);
        EXPECT_EQ_STR(d.mounts[0], "/run/pxecore/nfs/release");
        nfs_created_clear(&d);
    }
    free(s);
    nfs_created_clear(&c);
}

TEST(state_rejects)
{
    struct nfs_created d;
    const char *bad[] = {
        "",
        "[]",
        "{\"version\":2,\"backend\":\"kernel\",\"file\":\"\",\"ganesha_ids\":[],\"mounts\":[]}",
        "{\"version\":1,\"backend\":\"kernel\",\"file\":\"rel\",\"ganesha_ids\":[],\"mounts\":[]}",
        "{\"version\":1,\"backend\":\"kernel\",\"file\":\"\",\"ganesha_ids\":[0],\"mounts\":[]}",
        ("{\"version\":1,\"backend\":\"kernel\",\"file\":\"\",\"ganesha_ids\":[],\"mounts\":[\"/a/"
         "../b\"]}"),
        "{\"version\":1,\"backend\":\"kernel\",\"file\":\"\",\"ganesha_ids\":[],\"mounts\":[1]}",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        EXPECT_EQ_INT(nfs_state_decode(bad[i], strlen(bad[i]), &d), -EINVAL);
}

int main(void)
{
    RUN(kernel_golden);
    RUN(kernel_admin_fsid_wins);
    RUN(kernel_order_is_stable);
    RUN(ganesha_golden);
    RUN(ganesha_refuses);
    RUN(validation);
    RUN(fsid);
    RUN(rmtab);
    RUN(listings);
    RUN(ganesha_activity);
    RUN(ganesha_activity_idle);
    RUN(state_roundtrip);
    RUN(state_rejects);
    return tap_done();
}
