/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "entries.h"
#include "events.h"
#include "files.h"
#include "log.h"
#include "loop.h"
#include "menu.h"
#include "sboot.h"
#include "state.h"
#include "syslinux.h"
#include "sysloader.h"
#include "tree.h"

#define RENDER_WAIT_SEC 5

struct file_impl {
    struct pxe_file pub;
    char path[FILES_PATH_MAX];
    char *realpath;
    char *data;
};

static pthread_t loop_thread;
static int loop_thread_set;

void files_set_loop_thread(pthread_t t)
{
    loop_thread = t;
    loop_thread_set = 1;
}

int files_normalize(const char *in, char *out)
{
    size_t o = 0;
    const char *p = in;

    while (*p) {
        const char *start;
        size_t len;

        while (*p == '/' || *p == '\\')
            p++;
        start = p;
        while (*p && *p != '/' && *p != '\\')
            p++;
        len = (size_t)(p - start);
        if (len == 0 || (len == 1 && start[0] == '.'))
            continue;
        if (len == 2 && start[0] == '.' && start[1] == '.')
            return -EACCES;
        if (o + len + 2 > FILES_PATH_MAX)
            return -ENAMETOOLONG;
        if (o)
            out[o++] = '/';
        memcpy(out + o, start, len);
        o += len;
    }
    out[o] = '\0';
    return 0;
}

const char *files_generated_format(const char *path, char ret_mac[18])
{
    const char *cfg = strstr(path, "pxelinux.cfg/");

    ret_mac[0] = '\0';
    if (cfg && (cfg == path || cfg[-1] == '/') && !strchr(cfg + 13, '/') && cfg[13]) {
        const char *name = cfg + 13;

        /* pxelinux asks 01-<mac> (ARP type 1) before the IP forms and "default" */
        if (strncmp(name, "01-", 3) == 0 && core_mac_normalize(name + 3, ret_mac) < 0)
            ret_mac[0] = '\0';
        return "pxelinux";
    }
    if (strcmp(path, "boot.ipxe") == 0)
        return "ipxe";
    if (strcmp(path, "grub/grub.cfg") == 0 || strcmp(path, "grub.cfg") == 0)
        return "grub";
    return NULL;
}

/* A generated file's text: a menu, or the Secure Boot chain's grub.cfg. Loop thread. */
static int render_text(struct core *c, const char *format, const char *path, const char *server_ip,
                       const char *mac, char **ret)
{
    if (mac) /* a client asking for its menu: with a shared store, claim its boot-once */
        (void)state_boot_once_claim(c, mac);
    if (strcmp(format, SBOOT_FORMAT) == 0)
        return sboot_menu_render(c, server_ip, mac, ret);
    return menu_render_at(c, format, path, server_ip, mac, ret);
}

/* A render request handed from a worker thread to the loop. */
struct render_job {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int refs, done, result;
    struct core *core;
    char format[16];
    char path[FILES_PATH_MAX];
    char server_ip[64];
    char mac[18];
    char *text;
};

static void job_unref(struct render_job *j)
{
    int last;

    pthread_mutex_lock(&j->lock);
    last = --j->refs == 0;
    pthread_mutex_unlock(&j->lock);
    if (last) {
        free(j->text);
        pthread_mutex_destroy(&j->lock);
        pthread_cond_destroy(&j->cond);
        free(j);
    }
}

static void job_run(void *ud)
{
    struct render_job *j = ud;
    char *text = NULL;
    int r = j->core->quitting ? -ESHUTDOWN
                              : render_text(j->core, j->format, j->path, j->server_ip,
                                            j->mac[0] ? j->mac : NULL, &text);

    pthread_mutex_lock(&j->lock);
    j->result = r;
    j->text = text;
    j->done = 1;
    pthread_cond_signal(&j->cond);
    pthread_mutex_unlock(&j->lock);
    job_unref(j);
}

static int render(struct core *c, const char *format, const char *path, const char *server_ip,
                  const char *mac, char **ret)
{
    struct render_job *j;
    struct timespec deadline;
    int r;

    if (!loop_thread_set || pthread_equal(pthread_self(), loop_thread))
        return render_text(c, format, path, server_ip, mac, ret);
    if (c->quitting)
        return -ESHUTDOWN;
    j = calloc(1, sizeof(*j));
    if (!j)
        return -ENOMEM;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->cond, NULL);
    j->refs = 2;
    j->core = c;
    snprintf(j->format, sizeof(j->format), "%s", format);
    snprintf(j->path, sizeof(j->path), "%s", path);
    snprintf(j->server_ip, sizeof(j->server_ip), "%s", server_ip);
    snprintf(j->mac, sizeof(j->mac), "%s", mac ? mac : "");
    r = loop_post(c->loop, job_run, j);
    if (r < 0) {
        j->refs = 1;
        job_unref(j);
        return r;
    }
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += RENDER_WAIT_SEC;
    pthread_mutex_lock(&j->lock);
    while (!j->done && r == 0)
        r = -pthread_cond_timedwait(&j->cond, &j->lock, &deadline);
    if (j->done) {
        r = j->result;
        *ret = j->text;
        j->text = NULL;
    }
    pthread_mutex_unlock(&j->lock);
    job_unref(j);
    return r;
}

/* Decodes %XX escapes of a query value in place; a malformed escape is kept as it is. */
static void pct_decode(char *s)
{
    char *out = s;

    for (; *s; s++) {
        unsigned v;

        if (s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2]) &&
            sscanf(s + 1, "%2x", &v) == 1 && v) {
            *out++ = (char)v;
            s += 2;
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
}

static int open_generated(struct core *c, struct file_impl *f, const char *format, const char *mac,
                          const struct pxe_client *cl)
{
    const char *server = cl && cl->local_ip ? cl->local_ip : c->set.address;
    char qmac[18] = "";
    char *text = NULL;
    int r;

    if (!mac[0] && cl && cl->query) {
        const char *q = strstr(cl->query, "mac=");

        if (q && (q == cl->query || q[-1] == '&')) {
            char tmp[40];

            snprintf(tmp, sizeof(tmp), "%.*s", (int)strcspn(q + 4, "&"), q + 4);
            pct_decode(tmp); /* iPXE sends ${mac:uristring}: 52%3A54%3A... */
            if (core_mac_normalize(tmp, qmac) == 0)
                mac = qmac;
        }
    }
    if (!mac[0] && cl && cl->mac && core_mac_normalize(cl->mac, qmac) == 0)
        mac = qmac;
    if (!server)
        server = "0.0.0.0";
    r = render(c, format, f->path, server, mac[0] ? mac : NULL, &text);
    if (r < 0)
        return r;
    f->data = text;
    f->pub.fd = -1;
    f->pub.data = text;
    f->pub.size = strlen(text);
    f->pub.mtime = time(NULL);
    f->pub.generated = 1;
    f->realpath = malloc(strlen(f->path) + 16);
    if (!f->realpath)
        return -ENOMEM;
    sprintf(f->realpath, "(generated) %s", f->path);
    return 0;
}

/* 1 when path (normalised) is prefix + rel, rel's leading '/' ignored. */
static int path_is(const char *path, const char *prefix, const char *rel)
{
    size_t pl = prefix ? strlen(prefix) : 0;

    if (!rel)
        return 0;
    while (*rel == '/')
        rel++;
    if (pl && strncmp(path, prefix, pl) != 0)
        return 0;
    return strcmp(path + pl, rel) == 0;
}

/* The phase of a file on disk: an image's kernel, initrd or rootfs under the
 * image's prefix (the first image's also at the root), else a generic entry's. */
static uint32_t file_phase(struct core *c, const char *path)
{
    static const uint32_t phases[] = {PXE_PHASE_KERNEL, PXE_PHASE_INITRD, PXE_PHASE_ROOTFS};

    for (uint32_t i = 0; i < c->n_images; i++) {
        const struct pxe_image *img = &c->images[i]->pub;
        const char *rel[] = {img->kernel, img->initrd, img->rootfs};

        for (size_t k = 0; k < sizeof(phases) / sizeof(phases[0]); k++)
            if (path_is(path, img->prefix, rel[k]) || (i == 0 && path_is(path, NULL, rel[k])))
                return phases[k];
    }
    return entries_phase(c, path);
}

int files_open(struct core *c, const char *path, const struct pxe_client *client,
               struct pxe_file **ret)
{
    struct file_impl *f;
    const char *format;
    char mac[18], why[512] = "";
    int r;

    if (!path || !ret)
        return -EINVAL;
    f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->pub._struct_size = sizeof(f->pub);
    f->pub.fd = -1;
    f->pub.path = f->path;
    r = files_normalize(path, f->path);
    if (r < 0)
        goto fail;
    r = sboot_lookup(c, f->path, client, &f->pub.fd, &f->pub.size, &f->pub.mtime, &f->realpath);
    if (r != -ENOENT) { /* the Secure Boot chain's files and grub.cfg (sboot.c) */
        mac[0] = '\0';
        if (r == 1 && client && client->peer_ip && !client->mac &&
            events_mac_for_ip(client->peer_ip, mac) < 0)
            mac[0] = '\0'; /* TFTP: the MAC that got this address from DHCP, if any */
        if (r == 1)
            r = open_generated(c, f, SBOOT_FORMAT, mac, client);
        goto done;
    }
    /* a served tree's file before pxecore's own: pxecore never shadows it (tree.h) */
    r = tree_open(c, f->path, &f->pub.fd, &f->pub.offset, &f->pub.size, &f->pub.mtime,
                  &f->realpath);
    if (r != -ENOENT)
        goto done;
    format = files_generated_format(f->path, mac);
    if (format) {
        r = open_generated(c, f, format, mac, client);
        goto done;
    }
    r = sysloader_open(c, f->path, &f->pub.fd, &f->pub.size, &f->pub.mtime, &f->realpath);
    if (r != -ENOENT)
        goto done;
    r = syslinux_open(c, f->path, &f->pub.fd, &f->pub.size, &f->pub.mtime, &f->realpath, why,
                      sizeof(why));
    if (r < 0 && why[0] && log_max_level() >= 7) {
        char s[1024];

        log_sanitize(why, strlen(why), s, sizeof(s)); /* names the client's path */
        log_debug("not served from the system's syslinux: %s", s);
    }
done:
    if (r < 0)
        goto fail;
    f->pub.phase = f->pub.generated ? PXE_PHASE_MENU : file_phase(c, f->path);
    f->pub.realpath = f->realpath;
    *ret = &f->pub;
    return 0;
fail:
    files_close(&f->pub);
    return r;
}

void files_close(struct pxe_file *pf)
{
    struct file_impl *f = (struct file_impl *)pf;

    if (!f)
        return;
    if (f->pub.fd >= 0)
        close(f->pub.fd);
    free(f->realpath);
    free(f->data);
    free(f);
}
