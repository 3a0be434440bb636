/* SPDX-License-Identifier: MIT */
/*
 * Kernel signature checks for the Secure Boot chain, with sbsigntool's
 * sbverify run as a child (no crypto in pxecore): `sbverify --list` says
 * whether the image carries an Authenticode signature and by whom, then
 * `sbverify --cert C` for each of secure_boot.certs until one verifies.  The
 * kernel is opened through the file namespace (so kernels inside ISO images
 * are checked too), copied into a sealed memfd and given to sbverify as its
 * standard input (/dev/stdin).  Results are cached by namespace path; loop
 * thread only.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic.h"
#include "child.h"
#include "core.h"
#include "files.h"
#include "log.h"
#include "sboot.h"

#define SIG_MAX_ENTRIES 128
#define SIG_KERNEL_MAX  (256u << 20)

struct sig_entry {
    struct core *c;
    char *path; /* namespace path of the kernel */
    int state;  /* SBOOT_SIG_* */
    int memfd;  /* the kernel's bytes while a check runs, else -1 */
    size_t next_cert;
    char signer[160];
    char detail[256];
};

static struct sig_entry *entries[SIG_MAX_ENTRIES];
static size_t n_entries;
static int owner_token; /* the children's owner on the loop */

const char *sboot_sig_name(int state)
{
    static const char *const names[] = {"unchecked", "pending",   "signed",
                                        "unsigned",  "untrusted", "error"};

    return state >= 0 && state <= SBOOT_SIG_ERROR ? names[state] : "error";
}

static void entry_done(struct sig_entry *e, int state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void entry_done(struct sig_entry *e, int state, const char *fmt, ...)
{
    va_list ap;

    if (e->memfd >= 0)
        close(e->memfd);
    e->memfd = -1;
    e->state = state;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
    va_end(ap);
    log_msg(NULL, state == SBOOT_SIG_ERROR ? 4 : 6, "secure_boot: kernel %s: %s (%s)", e->path,
            sboot_sig_name(state), e->detail);
}

/* The kernel's bytes in a memfd (sbverify reads it as /dev/stdin). */
static int kernel_memfd(struct core *c, const char *path, int *ret_fd)
{
    struct pxe_file *f;
    uint64_t done = 0;
    int fd, r = files_open(c, path, NULL, &f);

    if (r < 0)
        return r;
    if (f->fd < 0 || f->size > SIG_KERNEL_MAX) {
        files_close(f);
        return f->fd < 0 ? -EINVAL : -EFBIG;
    }
    fd = memfd_create("pxecore-kernel", MFD_CLOEXEC);
    if (fd < 0) {
        r = -errno;
        files_close(f);
        return r;
    }
    while (r == 0 && done < f->size) {
        char buf[65536];
        size_t want = f->size - done < sizeof(buf) ? (size_t)(f->size - done) : sizeof(buf);
        ssize_t n = pread(f->fd, buf, want, (off_t)(f->offset + done));

        if (n <= 0 || write(fd, buf, (size_t)n) != n)
            r = n < 0 ? -errno : -EIO;
        else
            done += (uint64_t)n;
    }
    files_close(f);
    if (r < 0) {
        close(fd);
        return r;
    }
    *ret_fd = fd;
    return 0;
}

static void on_verify(void *ud, int status, const char *out, size_t len);

static int run_sbverify(struct sig_entry *e, const char *const *argv, pxe_exit_cb cb)
{
    if (lseek(e->memfd, 0, SEEK_SET) < 0)
        return -errno;
    return spawn_child_stdin(e->c->loop, &owner_token, argv, e->memfd, cb, e);
}

/* Tries the next certificate, or ends the check as untrusted. */
static void verify_next(struct sig_entry *e)
{
    char **certs = e->c->sb.certs;
    size_t n = 0;
    int r;

    while (certs && certs[n])
        n++;
    if (e->next_cert >= n) {
        entry_done(e, SBOOT_SIG_UNTRUSTED,
                   "signed by '%s', which none of the %zu certificate(s) of secure_boot.certs "
                   "accepts",
                   e->signer[0] ? e->signer : "?", n);
        return;
    }
    {
        const char *argv[] = {e->c->sb.sbverify, "--cert", certs[e->next_cert], "/dev/stdin", NULL};

        r = run_sbverify(e, argv, on_verify);
    }
    if (r < 0)
        entry_done(e, SBOOT_SIG_ERROR, "cannot run %s: %s", e->c->sb.sbverify, strerror(-r));
}

static void on_verify(void *ud, int status, const char *out, size_t len)
{
    struct sig_entry *e = ud;

    (void)len;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && strstr(out, "verification OK")) {
        entry_done(e, SBOOT_SIG_SIGNED, "signed by '%s', verified with %s",
                   e->signer[0] ? e->signer : "?", e->c->sb.certs[e->next_cert]);
        return;
    }
    e->next_cert++;
    verify_next(e);
}

/* The first "subject: ..." of `sbverify --list`, printable. */
static void parse_signer(const char *out, char *signer, size_t size)
{
    const char *s = strstr(out, "subject: ");

    signer[0] = '\0';
    if (s) {
        s += 9;
        log_sanitize(s, strcspn(s, "\r\n"), signer, size);
    }
}

static void on_list(void *ud, int status, const char *out, size_t len)
{
    struct sig_entry *e = ud;

    (void)len;
    if (strstr(out, "No signature table present")) {
        entry_done(e, SBOOT_SIG_UNSIGNED, "no Authenticode signature (sbverify --list)");
        return;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !strstr(out, "signature 1")) {
        char msg[160];

        log_sanitize(out, strcspn(out, "\n"), msg, sizeof(msg));
        entry_done(e, SBOOT_SIG_ERROR, "sbverify --list failed: %s", msg);
        return;
    }
    parse_signer(out, e->signer, sizeof(e->signer));
    e->next_cert = 0;
    verify_next(e);
}

static void start_check(struct sig_entry *e)
{
    const char *argv[] = {e->c->sb.sbverify, "--list", "/dev/stdin", NULL};
    int r;

    e->state = SBOOT_SIG_PENDING;
    e->signer[0] = '\0';
    snprintf(e->detail, sizeof(e->detail), "sbverify running");
    if (e->memfd >= 0)
        return; /* a check is already running */
    if (!e->c->sb.sbverify || access(e->c->sb.sbverify, X_OK) < 0) {
        entry_done(e, SBOOT_SIG_ERROR,
                   "secure_boot.sbverify: '%s' is not executable (install "
                   "sbsigntool)",
                   e->c->sb.sbverify ? e->c->sb.sbverify : "");
        return;
    }
    r = kernel_memfd(e->c, e->path, &e->memfd);
    if (r < 0) {
        e->memfd = -1;
        entry_done(e, SBOOT_SIG_ERROR, "cannot read the kernel: %s", strerror(-r));
        return;
    }
    r = run_sbverify(e, argv, on_list);
    if (r < 0)
        entry_done(e, SBOOT_SIG_ERROR, "cannot run %s: %s", e->c->sb.sbverify, strerror(-r));
}

static struct sig_entry *entry_find(const char *path)
{
    for (size_t i = 0; i < n_entries; i++)
        if (strcmp(entries[i]->path, path) == 0)
            return entries[i];
    return NULL;
}

/* The entry for path, created (and its check started) when new; NULL when full or OOM. */
static struct sig_entry *entry_get(struct core *c, const char *path)
{
    struct sig_entry *e = entry_find(path);

    if (e || n_entries >= SIG_MAX_ENTRIES)
        return e;
    e = calloc(1, sizeof(*e));
    if (!e || !(e->path = strdup(path))) {
        free(e);
        return NULL;
    }
    e->c = c;
    e->memfd = -1;
    entries[n_entries++] = e;
    start_check(e);
    return e;
}

void sboot_sig_check_images(struct core *c)
{
    if (!sboot_available(c))
        return;
    for (uint32_t i = 0; i < c->n_images; i++) {
        const struct pxe_image *img = &c->images[i]->pub;
        char path[1024];
        struct sig_entry *e;

        if (!img->kernel)
            continue;
        snprintf(path, sizeof(path), "%s%s", img->prefix, img->kernel);
        e = entry_find(path);
        if (e)
            start_check(e); /* SIGHUP: the file may have changed */
        else
            entry_get(c, path);
    }
}

int sboot_sig_state(struct core *c, const char *path, char *why, size_t why_size)
{
    struct sig_entry *e = sboot_available(c) ? entry_get(c, path) : NULL;

    if (why)
        snprintf(why, why_size, "%s",
                 e                    ? e->detail
                 : sboot_available(c) ? "too many kernels to check"
                                      : "chain off");
    if (!e)
        return sboot_available(c) ? SBOOT_SIG_ERROR : SBOOT_SIG_UNCHECKED;
    return e->state;
}

json_t *sboot_sig_json(struct core *c, const char *path)
{
    struct sig_entry *e = sboot_available(c) ? entry_find(path) : NULL;

    if (!e)
        return json_pack("{s:s}", "state", sboot_sig_name(SBOOT_SIG_UNCHECKED));
    return json_pack("{s:s, s:s?, s:s}", "state", sboot_sig_name(e->state), "signer",
                     e->signer[0] ? e->signer : NULL, "detail", e->detail);
}

void sboot_sig_free(void)
{
    spawn_forget_owner(&owner_token);
    for (size_t i = 0; i < n_entries; i++) {
        if (entries[i]->memfd >= 0)
            close(entries[i]->memfd);
        free(entries[i]->path);
        free(entries[i]);
    }
    n_entries = 0;
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
