/* SPDX-License-Identifier: MIT */
/* The privileged helper's policy and codec (nfs_priv_policy.c): what it runs, what it refuses. */
#include <errno.h>
#include <string.h>

#include "nfs_priv.h"
#include "tap.h"

static const char *const reload[] = {"/usr/bin/pkill", "-HUP", "-F", "/run/ganesha.pid", NULL};
static const char *const isos[] = {"/srv/arch.iso"};
static const struct nfs_priv_policy pol = {
    .file = "/etc/exports.d/pxecore.exports",
    .export_root = "/run/pxecore/nfs",
    .exportfs = "/usr/sbin/exportfs",
    .mount = "/usr/bin/mount",
    .umount = "/usr/bin/umount",
    .dbus_send = "/usr/bin/dbus-send",
    .rpcinfo = "/usr/sbin/rpcinfo",
    .ganesha_conf = "/etc/ganesha/pxecore.conf",
    .reload_argv = reload,
    .isos = isos,
    .nisos = 1,
};

static int allowed(const char *const *argv)
{
    const char *why = "x";
    int r = nfs_priv_check_exec(&pol, argv, &why);

    return r == 0 && why == NULL ? 1 : (r == -EPERM && why != NULL ? 0 : -1);
}

#define DBUS                                                                                       \
    "/usr/bin/dbus-send", "--system", "--print-reply", "--reply-timeout=10000",                    \
        "--dest=org.ganesha.nfsd", "/org/ganesha/nfsd/ExportMgr"

TEST(commands_the_plugin_runs)
{
    EXPECT(allowed((const char *[]){"/usr/sbin/exportfs", "-ra", NULL}) == 1);
    EXPECT(allowed((const char *[]){"/usr/sbin/exportfs", NULL}) == 1);
    EXPECT(allowed(reload) == 1);
    EXPECT(allowed((const char *[]){"/usr/sbin/rpcinfo", "-T", "tcp", "127.0.0.1", "100005", "3",
                                    NULL}) == 1);
    EXPECT(allowed((const char *[]){"/usr/bin/mount", "-o", "loop,ro,nodev,nosuid", "-t", "iso9660",
                                    "/srv/arch.iso", "/run/pxecore/nfs/arch", NULL}) == 1);
    EXPECT(allowed((const char *[]){"/usr/bin/umount", "/run/pxecore/nfs/arch", NULL}) == 1);
    EXPECT(allowed((const char *[]){DBUS, "org.ganesha.nfsd.exportmgr.ShowExports", NULL}) == 1);
    EXPECT(allowed((const char *[]){DBUS, "org.ganesha.nfsd.exportmgr.RemoveExport", "uint16:4201",
                                    NULL}) == 1);
    EXPECT(allowed((const char *[]){DBUS, "org.ganesha.nfsd.exportmgr.AddExport",
                                    "string:/etc/ganesha/pxecore.conf",
                                    "string:EXPORT(Export_Id=4200)", NULL}) == 1);
}

TEST(everything_else_is_refused)
{
    EXPECT(allowed((const char *[]){NULL}) == 0);
    EXPECT(allowed((const char *[]){"/bin/sh", "-c", "id", NULL}) == 0);
    EXPECT(allowed((const char *[]){"/usr/sbin/exportfs", "-o", "rw", "*:/", NULL}) == 0);
    EXPECT(allowed((const char *[]){"/usr/sbin/exportfs", "-ra", "-v", NULL}) == 0);
    EXPECT(allowed((const char *[]){"/usr/bin/pkill", "-HUP", "-F", "/run/other.pid", NULL}) == 0);
    /* mount: another file, other options, a mount point outside export_root or climbing out */
    EXPECT(allowed((const char *[]){"/usr/bin/mount", "-o", "loop,ro,nodev,nosuid", "-t", "iso9660",
                                    "/etc/shadow", "/run/pxecore/nfs/x", NULL}) == 0);
    EXPECT(allowed((const char *[]){"/usr/bin/mount", "-o", "loop,rw", "-t", "iso9660",
                                    "/srv/arch.iso", "/run/pxecore/nfs/arch", NULL}) == 0);
    EXPECT(allowed((const char *[]){"/usr/bin/mount", "-o", "loop,ro,nodev,nosuid", "-t", "iso9660",
                                    "/srv/arch.iso", "/etc", NULL}) == 0);
    EXPECT(allowed((const char *[]){"/usr/bin/umount", "/run/pxecore/nfs/..", NULL}) == 0);
    EXPECT(allowed((const char *[]){"/usr/bin/umount", "/run/pxecore/nfs/a/../../x", NULL}) == 0);
    EXPECT(allowed((const char *[]){"/usr/bin/umount", "/run/pxecore/nfsX", NULL}) == 0);
    EXPECT(allowed((const char *[]){"/usr/bin/umount", "/", NULL}) == 0);
    /* DBus: other methods, other files, bad ids */
    EXPECT(allowed((const char *[]){DBUS, "org.ganesha.nfsd.admin.shutdown", NULL}) == 0);
    EXPECT(allowed((const char *[]){DBUS, "org.ganesha.nfsd.exportmgr.AddExport",
                                    "string:/etc/ganesha/evil.conf",
                                    "string:EXPORT(Export_Id=4200)", NULL}) == 0);
    EXPECT(allowed((const char *[]){DBUS, "org.ganesha.nfsd.exportmgr.AddExport",
                                    "string:/etc/ganesha/pxecore.conf", "string:EXPORT(Path=/)",
                                    NULL}) == 0);
    EXPECT(allowed((const char *[]){DBUS, "org.ganesha.nfsd.exportmgr.RemoveExport", "uint16:99999",
                                    NULL}) == 0);
    EXPECT(allowed((const char *[]){DBUS, "org.ganesha.nfsd.exportmgr.RemoveExport", "uint16:0",
                                    NULL}) == 0);
}

TEST(mount_point_names)
{
    const char *why;

    EXPECT_EQ_INT(nfs_priv_check_dir(&pol, "/run/pxecore/nfs/arch-2024.12_x", &why), 0);
    EXPECT_EQ_INT(nfs_priv_check_dir(&pol, "/run/pxecore/nfs/", &why), -EPERM);
    EXPECT_EQ_INT(nfs_priv_check_dir(&pol, "/run/pxecore/nfs/a/b", &why), -EPERM);
    EXPECT_EQ_INT(nfs_priv_check_dir(&pol, "/run/pxecore/nfs/.", &why), -EPERM);
    EXPECT_EQ_INT(nfs_priv_check_dir(&pol, "/run/pxecore/nfs/a b", &why), -EPERM);
}

TEST(codec_round_trip_and_malformed)
{
    char buf[256];
    const char *argv[8], *data;
    size_t dlen;
    uint32_t op;
    long n = nfs_priv_encode(NFS_PRIV_EXEC, (const char *[]){"a", "bc", NULL}, "xyz", 3, buf,
                             sizeof(buf) - 1);

    EXPECT(n == 8 + 2 + 3 + 3);
    EXPECT_EQ_INT(nfs_priv_decode(buf, (size_t)n, &op, argv, 8, &data, &dlen), 0);
    EXPECT_EQ_INT((int)op, NFS_PRIV_EXEC);
    EXPECT_EQ_STR(argv[0], "a");
    EXPECT_EQ_STR(argv[1], "bc");
    EXPECT(argv[2] == NULL && dlen == 3 && !memcmp(data, "xyz", 3));
    /* a last string without its NUL, too many strings, a short header */
    n = nfs_priv_encode(NFS_PRIV_EXEC, (const char *[]){"abc", NULL}, NULL, 0, buf, sizeof(buf));
    EXPECT_EQ_INT(nfs_priv_decode(buf, (size_t)n - 1, &op, argv, 8, &data, &dlen), -EINVAL);
    EXPECT_EQ_INT(nfs_priv_decode(buf, (size_t)n, &op, argv, 1, &data, &dlen), -EINVAL);
    EXPECT_EQ_INT(nfs_priv_decode(buf, 7, &op, argv, 8, &data, &dlen), -EINVAL);
    EXPECT(nfs_priv_encode(NFS_PRIV_WRITE, NULL, "x", 1, buf, 8) == -E2BIG);
}

int main(void)
{
    RUN(commands_the_plugin_runs);
    RUN(everything_else_is_refused);
    RUN(mount_point_names);
    RUN(codec_round_trip_and_malformed);
    return tap_done();
}
