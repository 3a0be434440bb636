/* SPDX-License-Identifier: MIT */
/*
 * What the privileged helper accepts: the request codec and the policy checks.
 * Pure: no I/O, so the unit test and the fuzz target exercise it directly.
 * Every allowed command is spelled out here; anything else is -EPERM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nfs_priv.h"

#define DBUS_DEST "--dest=org.ganesha.nfsd"
#define DBUS_PATH "/org/ganesha/nfsd/ExportMgr"
#define DBUS_IF   "org.ganesha.nfsd.exportmgr."

static int argc_of(const char *const *argv)
{
    int n = 0;

    while (argv[n])
        n++;
    return n;
}

/* argv equals want (both NULL-terminated). */
static int same_argv(const char *const *argv, const char *const *want)
{
    int i;

    if (!want)
        return 0;
    for (i = 0; argv[i] && want[i]; i++)
        if (strcmp(argv[i], want[i]))
            return 0;
    return !argv[i] && !want[i];
}

/* s is "PREFIX<decimal 1..65535>" with nothing after. */
static int is_prefixed_id(const char *s, const char *prefix, const char *suffix)
{
    size_t n = strlen(prefix), m = strlen(suffix), len = strlen(s);
    unsigned long v = 0;
    size_t i;

    if (len <= n + m || strncmp(s, prefix, n) || strcmp(s + len - m, suffix))
        return 0;
    for (i = n; i < len - m; i++) {
        if (s[i] < '0' || s[i] > '9' || i - n >= 5)
            return 0;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

static int check_dbus(const struct nfs_priv_policy *p, const char *const *argv, int argc)
{
    static const char *const head[] = {"--system", "--print-reply", "--reply-timeout=10000",
                                       DBUS_DEST, DBUS_PATH};
    const char *m;
    size_t n = strlen(DBUS_IF);

    if (!p->dbus_send || argc < 7 || strcmp(argv[0], p->dbus_send))
        return 0;
    for (int i = 0; i < 5; i++)
        if (strcmp(argv[1 + i], head[i]))
            return 0;
    if (strncmp(argv[6], DBUS_IF, n))
        return 0;
    m = argv[6] + n;
    if (!strcmp(m, "ShowExports"))
        return argc == 7;
    if (!strcmp(m, "RemoveExport"))
        return argc == 8 && is_prefixed_id(argv[7], "uint16:", "");
    if (!strcmp(m, "AddExport") && argc == 9 && p->ganesha_conf) {
        const char *conf = argv[7];
        return !strncmp(conf, "string:", 7) && !strcmp(conf + 7, p->ganesha_conf) &&
               is_prefixed_id(argv[8], "string:EXPORT(Export_Id=", ")");
    }
    return 0;
}

int nfs_priv_check_dir(const struct nfs_priv_policy *p, const char *path, const char **why)
{
    size_t n = p->export_root ? strlen(p->export_root) : 0;
    const char *name;

    *why = "not a direct child of export_root";
    if (!n || strncmp(path, p->export_root, n) || path[n] != '/')
        return -EPERM;
    name = path + n + 1;
    if (!*name || !strcmp(name, ".") || !strcmp(name, "..") || strlen(name) > 255)
        return -EPERM;
    for (; *name; name++)
        if (!((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') ||
              (*name >= '0' && *name <= '9') || *name == '.' || *name == '_' || *name == '-')) {
            *why = "the mount point's name is not [A-Za-z0-9._-]";
            return -EPERM;
        }
    *why = NULL;
    return 0;
}

static int is_iso(const struct nfs_priv_policy *p, const char *path)
{
    for (size_t i = 0; i < p->nisos; i++)
        if (!strcmp(path, p->isos[i]))
            return 1;
    return 0;
}

int nfs_priv_check_exec(const struct nfs_priv_policy *p, const char *const *argv, const char **why)
{
    static const char *const mount_opts[] = {"-o", "loop,ro,nodev,nosuid", "-t", "iso9660"};
    int argc = argc_of(argv);
    const char *dwhy;

    *why = "not one of the commands the NFS plugin runs";
    if (argc == 0)
        return -EPERM;
    if (p->exportfs && !strcmp(argv[0], p->exportfs) &&
        (argc == 1 || (argc == 2 && !strcmp(argv[1], "-ra"))))
        goto ok;
    if (same_argv(argv, p->reload_argv) || same_argv(argv, p->list_argv))
        goto ok;
    if (p->rpcinfo && argc == 6 && !strcmp(argv[0], p->rpcinfo) && !strcmp(argv[1], "-T") &&
        !strcmp(argv[2], "tcp") && !strcmp(argv[3], "127.0.0.1") && !strcmp(argv[4], "100005") &&
        !strcmp(argv[5], "3"))
        goto ok;
    if (check_dbus(p, argv, argc))
        goto ok;
    if (p->mount && argc == 7 && !strcmp(argv[0], p->mount)) {
        for (int i = 0; i < 4; i++)
            if (strcmp(argv[1 + i], mount_opts[i]))
                return -EPERM;
        if (!is_iso(p, argv[5])) {
            *why = "the ISO file is not one of the configured images";
            return -EPERM;
        }
        if (nfs_priv_check_dir(p, argv[6], &dwhy)) {
            *why = dwhy;
            return -EPERM;
        }
        goto ok;
    }
    if (p->umount && argc == 2 && !strcmp(argv[0], p->umount)) {
        if (nfs_priv_check_dir(p, argv[1], &dwhy)) {
            *why = dwhy;
            return -EPERM;
        }
        goto ok;
    }
    return -EPERM;
ok:
    *why = NULL;
    return 0;
}

/* ---- codec ------------------------------------------------------------------------------- */

static void put32(char *b, uint32_t v)
{
    memcpy(b, &v, 4);
}

static uint32_t get32(const char *b)
{
    uint32_t v;

    memcpy(&v, b, 4);
    return v;
}

long nfs_priv_encode(uint32_t op, const char *const *argv, const char *data, size_t len, char *buf,
                     size_t size)
{
    size_t off = 8;
    uint32_t argc = 0;

    if (size < 8 || size > NFS_PRIV_MAX_MSG)
        return -E2BIG;
    for (; argv && argv[argc]; argc++) {
        size_t n = strlen(argv[argc]) + 1;

        if (argc >= NFS_PRIV_MAX_ARGS || n > size - off)
            return -E2BIG;
        memcpy(buf + off, argv[argc], n);
        off += n;
    }
    if (len > size - off)
        return -E2BIG;
    if (len)
        memcpy(buf + off, data, len);
    put32(buf, op);
    put32(buf + 4, argc);
    return (long)(off + len);
}

int nfs_priv_decode(char *buf, size_t len, uint32_t *op, const char **argv, int max,
                    const char **data, size_t *dlen)
{
    size_t off = 8;
    uint32_t argc;

    if (len < 8 || len > NFS_PRIV_MAX_MSG || max < 1)
        return -EINVAL;
    *op = get32(buf);
    argc = get32(buf + 4);
    if (argc > NFS_PRIV_MAX_ARGS || argc >= (uint32_t)max)
        return -EINVAL;
    buf[len] = '\0'; /* the caller's spare byte: a last string cannot run off the end */
    for (uint32_t i = 0; i < argc; i++) {
        size_t n;

        if (off >= len)
            return -EINVAL;
        n = strlen(buf + off);
        if (off + n >= len)
            return -EINVAL; /* not terminated inside the message */
        argv[i] = buf + off;
        off += n + 1;
    }
    argv[argc] = NULL;
    *data = buf + off;
    *dlen = len - off;
    return 0;
}
