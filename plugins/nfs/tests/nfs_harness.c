/* SPDX-License-Identifier: MIT */
/*
 * Drives the nfs plugin on the fake core (tests/lib/fake_core.h: real child
 * processes, real timers, a poll loop), so the glue is tested against real
 * commands (a fake exportfs, nfs-ganesha, mount) without the daemon.
 *
 *   nfs_harness [--set KEY=VALUE]... [--image NAME=PATH]... [--server-ip IP] STEP...
 *
 * Steps, run in order (the first failing one exits 1):
 *   start | stop | crash (exit without stop) | enable | disable
 *   run SECS                  run the loop for SECS seconds
 *   wait-live SECS            until status.live is true
 *   wait-dead SECS            until status.live is false
 *   wait-log TEXT SECS        until a log line contains TEXT
 *   wait-idle SECS            until no command is running
 *   menu (each image's transport) | cmdline (the first image's transport) |
 *   check (whether it has one now) | status | prepare NAME
 *   expect KEY VALUE          top-level status field, printed as JSON, equals VALUE
 *   sh CMD                    /bin/sh -c CMD must exit 0 (the loop is paused meanwhile)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <pxecore/plugin.h>

#include "fake_core.h"

const struct pxe_plugin *pxe_plugin_init(void);

static void print_request_done(struct pxe_request *req, int result)
{
    printf("request_done: %d\n", result);
}

static const struct pxe_plugin *plug;
static void *state;
static void *cfg;

static json_t *status_json(void)
{
    json_t *j = NULL;

    if (!plug || plug->status(state, &j))
        return NULL;
    return j;
}

static int status_true(const char *key)
{
    json_t *j = status_json();
    int v = j && json_is_true(json_object_get(j, key));

    json_decref(j);
    return v;
}

static const char *server_ip = "127.0.0.1";

static int boot_ctx(struct pxe_boot_ctx *ctx, const char *name)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->_struct_size = sizeof(*ctx);
    ctx->image = name ? fake.api.image_find(NULL, name) : fake.api.image_get(NULL, 0);
    ctx->server_ip = server_ip;
    ctx->menu_format = "pxelinux";
    return ctx->image ? 0 : -1;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "harness: FAIL: " __VA_ARGS__);                                            \
        fputc('\n', stderr);                                                                       \
        return 1;                                                                                  \
    } while (0)

static int wait_until(int (*cond)(const char *), const char *arg, double secs)
{
    uint64_t end = fake.api.now_usec() + (uint64_t)(secs * 1e6);

    while (!cond(arg)) {
        if (fake.api.now_usec() >= end)
            return -1;
        fake_run_once(100);
    }
    return 0;
}

static int cond_live(const char *unused)
{
    return status_true("live");
}

static int cond_dead(const char *unused)
{
    return !status_true("live");
}

static int cond_log(const char *text)
{
    return fake_log_has(text);
}

static int cond_idle(const char *unused)
{
    return fake_children() == 0;
}

int main(int argc, char **argv)
{
    int i = 1;

    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    fake_core_init();
    fake.tag = "harness";
    fake.name = "nfs";
    fake.verbosity = PXE_LOG_DEBUG;
    fake.keep_logs = 1;
    fake.on_request_done = print_request_done;
    plug = pxe_plugin_init();
    cfg = fake_config(plug, NULL, 0);
    if (!cfg)
        return 1;

    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--set") && i + 1 < argc) {
            if (fake_config_set(plug, cfg, argv[++i]))
                FAIL("bad --set %s", argv[i]);
        } else if (!strcmp(argv[i], "--server-ip") && i + 1 < argc) {
            server_ip = argv[++i];
        } else if (!strcmp(argv[i], "--image") && i + 1 < argc) {
            char *spec = strdup(argv[++i]), *eq = spec ? strchr(spec, '=') : NULL;
            struct pxe_image *im;
            struct stat st;
            int iso;

            if (!eq)
                FAIL("--image NAME=PATH");
            *eq = '\0';
            iso = stat(eq + 1, &st) == 0 && S_ISREG(st.st_mode);
            im = fake_image_add(spec, eq + 1, (uint32_t)iso);
            free(spec);
            if (!im)
                FAIL("too many images");
            if (iso)
                im->size = (uint64_t)st.st_size;
        } else {
            break;
        }
    }

    for (; i < argc; i++) {
        const char *step = argv[i];
        const char *a1 = i + 1 < argc ? argv[i + 1] : NULL;
        const char *a2 = i + 2 < argc ? argv[i + 2] : NULL;

        printf("step: %s\n", step);
        if (!strcmp(step, "start")) {
            int r = plug->load(&fake.api, (struct pxe_core *)&fake, &state);
            if (!r)
                r = plug->config_complete(state, cfg);
            if (!r)
                r = plug->start(state);
            printf("start: %d\n", r);
            if (r)
                return 1;
        } else if (!strcmp(step, "stop")) {
            plug->stop(state);
            plug->unload(state);
            plug = NULL;
        } else if (!strcmp(step, "crash")) {
            _exit(0);
        } else if (!strcmp(step, "enable") || !strcmp(step, "disable")) {
            fake.method_on = !strcmp(step, "enable");
            plug->method_set(state, fake.method_on);
        } else if (!strcmp(step, "run") && a1) {
            fake_run((uint64_t)(atof(a1) * 1e6));
            i++;
        } else if (!strcmp(step, "wait-live") && a1) {
            if (wait_until(cond_live, NULL, atof(a1)))
                FAIL("not live after %s s", a1);
            i++;
        } else if (!strcmp(step, "wait-dead") && a1) {
            if (wait_until(cond_dead, NULL, atof(a1)))
                FAIL("still live after %s s", a1);
            i++;
        } else if (!strcmp(step, "wait-idle") && a1) {
            if (wait_until(cond_idle, NULL, atof(a1)))
                FAIL("commands still running after %s s", a1);
            i++;
        } else if (!strcmp(step, "wait-log") && a1 && a2) {
            if (wait_until(cond_log, a1, atof(a2)))
                FAIL("no log line with \"%s\" after %s s", a1, a2);
            i += 2;
        } else if (!strcmp(step, "menu")) {
            /* the images the transport can carry now, as menus would offer them */
            struct pxe_boot_ctx ctx;
            unsigned n = 0;

            for (uint32_t k = 0; k < fake.n_images; k++) {
                struct pxe_transport tr = {._struct_size = sizeof(tr)};
                static struct pxe_buf why;

                why.n = 0;
                why.s[0] = '\0';
                boot_ctx(&ctx, fake.images[k].name);
                if (plug->transport(state, &ctx, &tr, &why) == 0 && ++n)
                    printf("menu: %s %s %s options=%s\n", fake.images[k].name, tr.scheme, tr.url,
                           tr.options);
            }
            printf("menu-count: %u\n", n);
        } else if (!strcmp(step, "cmdline") || !strcmp(step, "check")) {
            /* the first image's transport: what an image kind builds its command line from */
            struct pxe_boot_ctx ctx;
            struct pxe_transport tr = {._struct_size = sizeof(tr)};
            static struct pxe_buf why;
            int r;

            boot_ctx(&ctx, NULL);
            why.n = 0;
            why.s[0] = '\0';
            r = plug->transport(state, &ctx, &tr, &why);
            if (!strcmp(step, "cmdline") && r)
                FAIL("transport: %s", why.s);
            if (!strcmp(step, "cmdline"))
                printf("cmdline: url=%s export=%s options=%s\n", tr.url, tr.export_name,
                       tr.options);
            else if (r)
                printf("check: refused: %s\n", why.s);
            else
                printf("check: ok\n");
        } else if (!strcmp(step, "prepare") && a1) {
            const struct pxe_image *im = fake.api.image_find(NULL, a1);
            printf("prepare: %d\n", plug->rootfs_prepare(state, im, (struct pxe_request *)&fake));
            i++;
        } else if (!strcmp(step, "status")) {
            json_t *j = status_json();
            char *s = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
            printf("status: %s\n", s ? s : "null");
            free(s);
            json_decref(j);
        } else if (!strcmp(step, "expect") && a1 && a2) {
            json_t *j = status_json();
            char *s = j ? json_dumps(json_object_get(j, a1), JSON_ENCODE_ANY) : NULL;
            int ok = s && !strcmp(s, a2);
            printf("expect %s: %s\n", a1, s ? s : "(none)");
            free(s);
            json_decref(j);
            if (!ok)
                FAIL("status %s is not %s", a1, a2);
            i += 2;
        } else if (!strcmp(step, "sh") && a1) {
            int r = system(a1);
            printf("sh: exit %d\n", r);
            if (r != 0)
                FAIL("sh: %s", a1);
            i++;
        } else {
            FAIL("unknown step %s", step);
        }
    }
    return 0;
}
