/* SPDX-License-Identifier: MIT */
/*
 * Kernel signature checks for the Secure Boot chain, with sbsigntool's
 * sbverify run as a child (no crypto in pxecore): `sbverify --list` says
 * whether the image carries an Authenticode signature and by whom, then
 * `sbverify --cert C` for each of secure_boot.certs until one verifies.  The
 * kernel is opened inside its image (so kernels inside ISO files are checked
 * too; a kernel outside every image is reported as an error), copied into a sealed memfd and given
 * to sbverify as its standard input (/dev/stdin).  Results are cached by namespace path; loop
 * thread only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "core.h"
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

/* Opens a kernel given as "images/<name>/<path>" inside its image (its offset in fd). */
static int open_in_image(struct core *c, const char *path, int *ret_fd, uint64_t *ret_offset,
                         uint64_t *ret_size)
{
    int64_t mtime;

    for (uint32_t i = 0; i < c->n_images; i++) {
        const char *pfx = c->images[i]->pub.prefix;
        size_t n = strlen(pfx);

        if (strncmp(path, pfx, n) == 0)
            return image_open_file(c->images[i], path + n, ret_fd, ret_offset, ret_size, &mtime,
                                   NULL);
    }
    return -EXDEV; /* not in an image (a method's own kernel): not checked */
}

/* The kernel's bytes in a memfd (sbverify reads it as /dev/stdin). */
static int kernel_memfd(struct core *c, const char *path, int *ret_fd)
{
    uint64_t done = 0, offset, size;
    int fd, kfd, r = open_in_image(c, path, &kfd, &offset, &size);

    if (r < 0)
        return r;
    if (size > SIG_KERNEL_MAX) {
        close(kfd);
        return -EFBIG;
    }
    fd = memfd_create("pxecore-kernel", MFD_CLOEXEC);
    if (fd < 0) {
        r = -errno;
        close(kfd);
        return r;
    }
    while (r == 0 && done < size) {
        char buf[65536];
        size_t want = size - done < sizeof(buf) ? (size_t)(size - done) : sizeof(buf);
        ssize_t n = pread(kfd, buf, want, (off_t)(offset + done));

        if (n <= 0 || write(fd, buf, (size_t)n) != n)
            r = n < 0 ? -errno : -EIO;
        else
            done += (uint64_t)n;
    }
    close(kfd);
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
        entry_done(e, SBOOT_SIG_ERROR, "%s",
                   r == -EXDEV ? "not inside an image: not checked" : strerror(-r));
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
