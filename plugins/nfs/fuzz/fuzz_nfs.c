/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for nfs_exports.c: the first byte picks the entry point,
 * the rest is its text.  Besides not crashing, it checks that whatever the
 * validators accept renders to exactly one exports line per export (no
 * injected lines or options) and that the state codec round-trips.  First
 * byte 0xF0: a privileged-helper request (nfs_priv_policy.c); whatever the
 * policy lets through must start with one of the policy's own binaries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../nfs_exports.h"
#include "../nfs_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t lines(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void priv_request(const uint8_t *data, size_t size)
{
    static const char *const isos[] = {"/srv/arch.iso"};
    static const struct nfs_priv_policy pol = {.file = "/etc/exports.d/pxecore.exports",
                                               .export_root = "/run/pxecore/nfs",
                                               .exportfs = "/usr/sbin/exportfs",
                                               .mount = "/usr/bin/mount",
                                               .umount = "/usr/bin/umount",
                                               .dbus_send = "/usr/bin/dbus-send",
                                               .rpcinfo = "/usr/sbin/rpcinfo",
                                               .ganesha_conf = "/etc/ganesha/pxecore.conf",
                                               .isos = isos,
                                               .nisos = 1};
    static char buf[NFS_PRIV_MAX_MSG + 1];
    const char *argv[NFS_PRIV_MAX_ARGS + 1], *d, *why;
    size_t dlen;
    uint32_t op;

    if (size > NFS_PRIV_MAX_MSG)
        return;
    memcpy(buf, data, size);
    if (nfs_priv_decode(buf, size, &op, argv, NFS_PRIV_MAX_ARGS + 1, &d, &dlen))
        return;
    if (argv[0] && nfs_priv_check_dir(&pol, argv[0], &why) == 0 &&
        (strstr(argv[0] + strlen(pol.export_root) + 1, "/") || strstr(argv[0], "..")))
        abort();
    if (nfs_priv_check_exec(&pol, argv, &why) == 0 && strcmp(argv[0], pol.exportfs) &&
        strcmp(argv[0], pol.mount) && strcmp(argv[0], pol.umount) &&
        strcmp(argv[0], pol.dbus_send) && strcmp(argv[0], pol.rpcinfo))
        abort();
}

static void render_checked(const struct nfs_export *ex, size_t n, const char *clients,
                           const char *options)
{
    const char *why = NULL;
    char *out = NULL;

    if (nfs_render_kernel(ex, n, clients, options, &out, &why) == 0) {
        if (lines(out) != n + 1)
            abort();
        free(out);
    }
    out = NULL;
    if (nfs_render_ganesha(ex, n, clients, options, &out, &why) == 0) {
        if (strstr(out, "\"\"") || lines(out) < 1)
            abort();
        free(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *paths[] = {"/srv/arch", "/run/pxecore/nfs/x"};
    struct nfs_created c, d;
    char *t, *nl, *enc;

    if (size < 1 || size > 65536)
        return 0;
    if (data[0] == 0xF0) {
        priv_request(data + 1, size - 1);
        return 0;
    }
    t = malloc(size);
    if (!t)
        return 0;
    memcpy(t, data + 1, size - 1);
    t[size - 1] = '\0';
    switch (data[0] % 6) {
    case 0:
        if (nfs_rmtab_mounts(t, size - 1, paths, 2) > size)
            abort();
        break;
    case 1:
        nfs_listing_has(t, "/srv/arch");
        break;
    case 2:
        nfs_ganesha_active(t, size - 1, NULL, 60);
        nfs_ganesha_active(t, size - 1, "/srv/arch", 0);
        break;
    case 3:
        if (nfs_state_decode(t, size - 1, &c) == 0) {
            enc = nfs_state_encode(&c);
            if (!enc || nfs_state_decode(enc, strlen(enc), &d) != 0 || d.nids != c.nids ||
                d.nmounts != c.nmounts || strcmp(d.file, c.file))
                abort();
            nfs_created_clear(&d);
            free(enc);
            nfs_created_clear(&c);
        }
        break;
    case 4: {
        struct nfs_export ex[2] = {{"/srv/arch", 0, 1}, {"/run/pxecore/nfs/x", 7, 2}};
        const char *why;

        nl = strchr(t, '\n');
        if (nl) {
            *nl = '\0';
            if (nfs_check_clients(t, &why) == 0 && nfs_check_options(nl + 1, &why) == 0)
                render_checked(ex, 2, t, nl + 1);
        }
        break;
    }
    default:
        if (nfs_check_path(t) == 0) {
            struct nfs_export ex[1] = {{t, nfs_fsid_for(t), 9}};
            render_checked(ex, 1, "*", "ro,no_subtree_check");
        }
        break;
    }
    free(t);
    return 0;
}
