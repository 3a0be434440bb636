/* SPDX-License-Identifier: MIT */
/*
 * The Secure Boot chain's settings and files: where Debian's packages put
 * them, what the signed GRUB image says about itself (built-in prefix,
 * modules, the config path its memdisk sources), the names they are served
 * under, and which clients get the chain.  See sboot.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "core.h"
#include "log.h"
#include "pe.h"
#include "sboot.h"

#define SB(f) offsetof(struct sboot_settings, f)
const struct pxe_config_item sboot_settings_items[] = {
    {"mode", PXE_CFG_STR, 0, "off", SB(mode),
     "off, on (UEFI x64 clients get the signed chain; it must be installed) or auto (they get "
     "it when it is installed); docs/secure-boot.md",
     "secure-boot", 0, 0},
    {"shim", PXE_CFG_PATH, 0, "/usr/lib/shim/shimx64.efi.signed", SB(shim),
     "Microsoft-signed shim (shim-signed), served as <dir>/shimx64.efi", NULL, 0, 0},
    {"grub", PXE_CFG_PATH, 0, "/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed", SB(grub),
     "signed GRUB network image (grub-efi-amd64-signed), served as <dir>/grubx64.efi", NULL, 0, 0},
    {"mokmanager", PXE_CFG_PATH, 0, "/usr/lib/shim/mmx64.efi.signed", SB(mokmanager),
     "MokManager (shim-helpers-amd64-signed), served as <dir>/mmx64.efi", NULL, 0, 0},
    {"fallback", PXE_CFG_PATH, 0, "/usr/lib/shim/fbx64.efi.signed", SB(fallback),
     "fallback (shim-helpers-amd64-signed), served as <dir>/fbx64.efi", NULL, 0, 0},
    {"certs", PXE_CFG_STRLIST, 0, "/usr/share/shim/debian-uefi-ca.der", SB(certs),
     "certificates (PEM or DER) a kernel must be signed with to be offered to Secure Boot "
     "clients: Debian's CA (shim-unsigned) and the site's MOK certificates",
     NULL, 0, 0},
    {"sbverify", PXE_CFG_PATH, 0, "/usr/bin/sbverify", SB(sbverify),
     "sbsigntool's sbverify, run on every image kernel", NULL, 0, 0},
    {"dir", PXE_CFG_STR, 0, "secureboot", SB(dir),
     "directory of the file namespace the chain is served from", NULL, 0, 0},
    {"hosts", PXE_CFG_JSON, 0, NULL, SB(hosts),
     "per-host mode: {\"aa:bb:cc:dd:ee:ff\": \"on\"|\"off\"|\"auto\"}", NULL, 0, 0},
    {0},
};
#undef SB

#define SBOOT_MAX_CERTS 8
#define SBOOT_MAX_HOSTS 1024
#define GRUB_IMAGE_MAX  (64u << 20)
#define CERT_MAX        (64u << 10)

/* The chain's files, by the names shim and GRUB ask for. */
enum { F_SHIM, F_GRUB, F_MM, F_FB, F_N };
static const char *const served_name[F_N] = {"shimx64.efi", "grubx64.efi", "mmx64.efi",
                                             "fbx64.efi"};

#define CHAIN_CLIENTS_MAX 64

struct sboot {
    int mode;
    int available;
    char *file[F_N]; /* configured paths of the files found, NULL when absent */
    /* Where the signed GRUB looks for its config: <prefix>/grub.cfg (what its memdisk
     * config sources over TFTP, where `-e <prefix>/<platform>/grub.cfg` is false), and
     * <prefix>/<platform>/grub.cfg (tried first) */
    char cfg_path[GRUB_PREFIX_MAX + 16];
    char platform_cfg_path[GRUB_PREFIX_MAX + 64];
    struct grub_image_info grub;
    /* Addresses grubx64.efi was sent to: their <prefix>/grub.cfg is the chain's menu
     * (other GRUBs reading the same path, e.g. arm64's, get the usual one) */
    pthread_mutex_t lock;
    char clients[CHAIN_CLIENTS_MAX][46];
    unsigned next_client;
};

static int parse_mode(const char *s)
{
    if (s && strcmp(s, "on") == 0)
        return SBOOT_ON;
    if (s && strcmp(s, "off") == 0)
        return SBOOT_OFF;
    if (s && strcmp(s, "auto") == 0)
        return SBOOT_AUTO;
    return -EINVAL;
}

static int valid_dir(const char *d)
{
    if (!d || !*d || strlen(d) > 64 || d[0] == '/' || strstr(d, ".."))
        return 0;
    for (const char *p = d; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '/' || *p == '.'))
            return 0;
    return d[strlen(d) - 1] != '/';
}

/* secure_boot.hosts: MAC keys, mode values; any "on" needs the chain. */
static int check_hosts(const struct core *c, int *ret_any_on, char *err, size_t errlen)
{
    const char *mac;
    json_t *v;
    char norm[18];

    *ret_any_on = 0;
    if (!c->sb.hosts)
        return 0;
    if (!json_is_object(c->sb.hosts) || json_object_size(c->sb.hosts) > SBOOT_MAX_HOSTS) {
        snprintf(err, errlen, "secure_boot.hosts: must be an object of at most %d MAC: mode pairs",
                 SBOOT_MAX_HOSTS);
        return -EINVAL;
    }
    json_object_foreach(c->sb.hosts, mac, v)
    {
        int m = parse_mode(json_string_value(v));

        if (core_mac_normalize(mac, norm) < 0 || m < 0) {
            snprintf(err, errlen,
                     "secure_boot.hosts: entry '%.40s' must map a MAC to \"on\", \"off\" or "
                     "\"auto\"",
                     mac);
            return -EINVAL;
        }
        *ret_any_on |= m == SBOOT_ON;
    }
    return 0;
}

/* Reads the GRUB image and what it says about itself. */
static int read_grub(struct sboot *s, const char *path, char *err, size_t errlen)
{
    struct stat st;
    uint8_t *buf;
    int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > GRUB_IMAGE_MAX) {
        r = fd < 0 ? -errno : -EFBIG;
        snprintf(err, errlen, "secure_boot.grub: '%s': %s", path, strerror(-r));
        if (fd >= 0)
            close(fd);
        return r;
    }
    buf = malloc((size_t)st.st_size);
    if (!buf || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
        r = buf ? -EIO : -ENOMEM;
    close(fd);
    if (r == 0)
        r = grub_image_parse(buf, (size_t)st.st_size, &s->grub);
    free(buf);
    if (r < 0 || !s->grub.prefix[0] || !grub_has_module(&s->grub, "tftp")) {
        snprintf(err, errlen,
                 "secure_boot.grub: '%s' is not a GRUB network image with a built-in prefix "
                 "and the tftp module (%s)",
                 path, r < 0 ? strerror(-r) : "prefix or tftp missing");
        return r < 0 ? r : -EINVAL;
    }
    /* GRUB resolves the device-less prefix on the server it booted from */
    snprintf(s->cfg_path, sizeof(s->cfg_path), "%s/grub.cfg",
             s->grub.prefix + strspn(s->grub.prefix, "/"));
    if (s->grub.platform_cfg_dir[0])
        snprintf(s->platform_cfg_path, sizeof(s->platform_cfg_path), "%s/%s/grub.cfg",
                 s->grub.prefix + strspn(s->grub.prefix, "/"), s->grub.platform_cfg_dir);
    return 0;
}

/* Finds the files; 0 when shim and GRUB are usable, else -errno with err. */
static int find_files(struct core *c, struct sboot *s, char *err, size_t errlen)
{
    const char *paths[F_N] = {c->sb.shim, c->sb.grub, c->sb.mokmanager, c->sb.fallback};
    static const char *const keys[F_N] = {"shim", "grub", "mokmanager", "fallback"};
    int r;

    for (int i = 0; i < F_N; i++) {
        if (!paths[i] || access(paths[i], R_OK) < 0) {
            r = paths[i] ? -errno : -ENOENT;
            if (i <= F_GRUB) {
                snprintf(err, errlen,
                         "secure_boot.%s: '%s': %s (install shim-signed and "
                         "grub-efi-amd64-signed)",
                         keys[i], paths[i] ? paths[i] : "", strerror(-r));
                return r;
            }
            log_warn("secure_boot.%s: '%s': %s; shim cannot start %s (install "
                     "shim-helpers-amd64-signed)",
                     keys[i], paths[i] ? paths[i] : "", strerror(-r), served_name[i]);
            continue;
        }
        s->file[i] = strdup(paths[i]);
        if (!s->file[i])
            return -ENOMEM;
    }
    return read_grub(s, c->sb.grub, err, errlen);
}

/* base64 of in[0..n) as PEM lines of 64 characters. */
static int pem_encode(const uint8_t *in, size_t n, FILE *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t col = 0;

    fputs("-----BEGIN CERTIFICATE-----\n", out);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        char q[4] = {tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=',
                     i + 2 < n ? tab[v & 63] : '='};

        fwrite(q, 1, 4, out);
        col += 4;
        if (col == 64) {
            fputc('\n', out);
            col = 0;
        }
    }
    if (col)
        fputc('\n', out);
    fputs("-----END CERTIFICATE-----\n", out);
    return ferror(out) ? -EIO : 0;
}

/* A DER X.509 certificate: one SEQUENCE with a long-form length spanning the whole file. */
static int is_der_cert(const uint8_t *b, size_t n)
{
    size_t len;

    if (n < 4 || b[0] != 0x30 || b[1] != 0x82)
        return 0;
    len = (size_t)b[2] << 8 | b[3];
    return len + 4 == n;
}

int sboot_cert_pem(const char *src, const char *dst, size_t max)
{
    uint8_t *buf = malloc(max + 1);
    char *pem = NULL;
    size_t n = 0, pem_len = 0;
    FILE *f, *m;
    int r = 0;

    if (!buf)
        return -ENOMEM;
    f = fopen(src, "rbe");
    if (!f) {
        free(buf);
        return -errno;
    }
    n = fread(buf, 1, max + 1, f);
    fclose(f);
    buf[n < max ? n : max] = '\0';
    if (n > max)
        r = -EFBIG;
    else if (strstr((const char *)buf, "-----BEGIN CERTIFICATE-----"))
        r = 0; /* PEM: sbverify reads it as it is */
    else if (!is_der_cert(buf, n))
        r = -EINVAL;
    else if (!(m = open_memstream(&pem, &pem_len)))
        r = -ENOMEM;
    else {
        r = pem_encode(buf, n, m);
        fclose(m);
        if (r == 0) {
            char dir[1024];

            snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(dst, '/') - dst), dst);
            if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                r = -errno;
            if (r == 0)
                r = atomic_write_file(dst, pem, pem_len, 0644);
            if (r == 0)
                r = 1;
        }
        free(pem);
    }
    free(buf);
    return r;
}

/* DER certificates become PEM files in ${state_dir}/secureboot (sbverify reads PEM only). */
static int prepare_certs(struct core *c, char *err, size_t errlen)
{
    size_t n = 0;

    for (char **p = c->sb.certs; p && *p; p++, n++) {
        char pem_path[1024];
        int r;

        if (n >= SBOOT_MAX_CERTS) {
            snprintf(err, errlen, "secure_boot.certs: more than %d certificates", SBOOT_MAX_CERTS);
            return -E2BIG;
        }
        snprintf(pem_path, sizeof(pem_path), "%s/secureboot/cert-%zu.pem", c->set.state_dir, n);
        r = sboot_cert_pem(*p, pem_path, CERT_MAX);
        if (r < 0) {
            snprintf(err, errlen, "secure_boot.certs: '%s': %s", *p,
                     r == -EINVAL ? "neither a PEM nor a DER certificate" : strerror(-r));
            return r;
        }
        if (r == 1) { /* converted: sbverify gets the PEM copy */
            char *dup = strdup(pem_path);

            if (!dup)
                return -ENOMEM;
            free(*p);
            *p = dup;
        }
    }
    return 0;
}

static void log_chain(const struct core *c, const struct sboot *s)
{
    log_info("secure_boot: %s: shim %s, GRUB %s (prefix '%s', reads %s%s%s; %u built-in "
             "modules, kernels over %s), served from %s/",
             c->sb.mode, s->file[F_SHIM], s->file[F_GRUB], s->grub.prefix,
             s->platform_cfg_path[0] ? s->platform_cfg_path : "",
             s->platform_cfg_path[0] ? " or " : "", s->cfg_path, s->grub.n_modules,
             grub_has_module(&s->grub, "http") ? "HTTP" : "TFTP (no http module)", c->sb.dir);
}

int sboot_open(struct core *c, char *err, size_t errlen)
{
    struct sboot *s = calloc(1, sizeof(*s));
    int any_on, r;

    if (!s)
        return -ENOMEM;
    pthread_mutex_init(&s->lock, NULL);
    c->sboot = s;
    s->mode = parse_mode(c->sb.mode);
    if (s->mode < 0) {
        snprintf(err, errlen, "secure_boot.mode: must be auto, on or off, not '%.32s'",
                 c->sb.mode ? c->sb.mode : "");
        return -EINVAL;
    }
    if (!valid_dir(c->sb.dir)) {
        snprintf(err, errlen, "secure_boot.dir: '%.64s' is not a relative directory name",
                 c->sb.dir ? c->sb.dir : "");
        return -EINVAL;
    }
    r = check_hosts(c, &any_on, err, errlen);
    if (r < 0)
        return r;
    if (s->mode == SBOOT_OFF && !c->sb.hosts)
        return 0;
    r = find_files(c, s, err, errlen);
    if (r == 0)
        r = prepare_certs(c, err, errlen);
    if (r < 0 && r != -ENOMEM && s->mode != SBOOT_ON && !any_on) {
        log_info("secure_boot: auto: no signed chain (%s); UEFI clients get their usual loader",
                 err);
        err[0] = '\0';
        return 0;
    }
    if (r < 0)
        return r;
    s->available = 1;
    log_chain(c, s);
    return 0;
}

void sboot_free(struct core *c)
{
    struct sboot *s = c->sboot;

    if (!s)
        return;
    for (int i = 0; i < F_N; i++)
        free(s->file[i]);
    pthread_mutex_destroy(&s->lock);
    free(s);
    c->sboot = NULL;
}

int sboot_available(const struct core *c)
{
    return c->sboot && c->sboot->available;
}

int sboot_mode_for(const struct core *c, const char *mac)
{
    const char *k;
    json_t *v;
    char norm[18];

    if (!c->sboot)
        return SBOOT_OFF;
    if (mac && c->sb.hosts)
        json_object_foreach(c->sb.hosts, k,
                            v) if (core_mac_normalize(k, norm) == 0 &&
                                   strcmp(norm, mac) == 0) return parse_mode(json_string_value(v));
    return c->sboot->mode;
}

int sboot_boot_file(const struct core *c, const char *mac, uint32_t arch, char *out,
                    size_t out_size)
{
    int w;

    /* RFC 4578 / IANA: 7 EFI x64, 9 EFI BC (x64 in practice), 16 EFI x64 HTTP */
    if (!sboot_available(c) || (arch != 7 && arch != 9 && arch != 16) ||
        sboot_mode_for(c, mac) == SBOOT_OFF)
        return -ENOENT;
    w = snprintf(out, out_size, "%s/%s", c->sb.dir, served_name[F_SHIM]);
    return w < 0 || (size_t)w >= out_size ? -ENAMETOOLONG : 0;
}

/* Records (record 1) or looks up an address the signed GRUB was sent to. */
static int chain_client(struct sboot *s, const char *peer, int record)
{
    int found = 0;

    if (!peer || !*peer || strlen(peer) >= sizeof(s->clients[0]))
        return 0;
    pthread_mutex_lock(&s->lock);
    for (unsigned i = 0; i < CHAIN_CLIENTS_MAX && !found; i++)
        found = strcmp(s->clients[i], peer) == 0;
    if (!found && record)
        strcpy(s->clients[s->next_client++ % CHAIN_CLIENTS_MAX], peer);
    pthread_mutex_unlock(&s->lock);
    return found;
}

int sboot_lookup(const struct core *c, const char *path, const struct pxe_client *cl, int *ret_fd,
                 uint64_t *ret_size, int64_t *ret_mtime, char **ret_real)
{
    struct sboot *s = c->sboot;
    const char *peer = cl ? cl->peer_ip : NULL;
    size_t dl;
    struct stat st;
    int fd;

    if (!sboot_available(c))
        return -ENOENT;
    if ((s->platform_cfg_path[0] && strcmp(path, s->platform_cfg_path) == 0) ||
        (strcmp(path, s->cfg_path) == 0 && chain_client(s, peer, 0)))
        return 1;
    dl = strlen(c->sb.dir);
    if (strncmp(path, c->sb.dir, dl) != 0 || path[dl] != '/')
        return -ENOENT;
    for (int i = 0; i < F_N; i++) {
        if (strcmp(path + dl + 1, served_name[i]) != 0)
            continue;
        if (!s->file[i])
            return -ENOENT;
        fd = open(s->file[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return -errno == -EACCES ? -EACCES : -ENOENT;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            return -EACCES;
        }
        *ret_real = strdup(s->file[i]);
        if (!*ret_real) {
            close(fd);
            return -ENOMEM;
        }
        *ret_fd = fd;
        *ret_size = (uint64_t)st.st_size;
        *ret_mtime = st.st_mtim.tv_sec;
        if (i == F_GRUB)
            chain_client(s, peer, 1);
        return 0;
    }
    return -ENOENT;
}

int sboot_grub_has_http(const struct core *c)
{
    return sboot_available(c) && grub_has_module(&c->sboot->grub, "http");
}

json_t *sboot_status_json(const struct core *c)
{
    const struct sboot *s = c->sboot;

    if (!s)
        return json_pack("{s:s, s:b}", "mode", c->sb.mode ? c->sb.mode : "off", "available", 0);
    return json_pack("{s:s, s:b, s:s?, s:s?, s:s?, s:s?, s:s, s:s, s:s, s:b}", "mode", c->sb.mode,
                     "available", s->available, "shim", s->file[F_SHIM], "grub", s->file[F_GRUB],
                     "mokmanager", s->file[F_MM], "fallback", s->file[F_FB], "dir", c->sb.dir,
                     "grub_prefix", s->grub.prefix, "grub_cfg", s->cfg_path, "grub_http",
                     grub_has_module(&s->grub, "http"));
}
