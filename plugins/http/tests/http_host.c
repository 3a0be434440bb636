/* SPDX-License-Identifier: MIT */
/*
 * http_host: runs the http plugin under the fake core (fake_core.h) as a
 * standalone server, for tests and the benchmark when the daemon is not
 * wanted.  Usage:
 *   http_host --image DIR [--image NAME=DIR] [--port N] [--threads N]
 *             [--pidfile F] [--base-url URL] [--global-args ARGS] [--no-access-log]
 * Images: kernel arch/boot/x86_64/vmlinuz-linux, initrd
 * arch/boot/x86_64/initramfs-linux.img, rootfs arch/x86_64/airootfs.sfs.
 * SIGTERM/SIGINT stop it (exit 0); it then prints "metric NAME VALUE" lines.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../http.h"
#include "fake_core.h"

const struct pxe_plugin *pxe_plugin_init(void);

int main(int argc, char **argv)
{
    struct http_config cfg = {80, "127.0.0.1", 0, 1024, 0, 60000000, NULL, 1, 0, "darkhttpd"};
    const char *pidfile = NULL;
    const struct pxe_plugin *p = pxe_plugin_init();
    sigset_t set;
    void *state = NULL;
    int r, sig = 0;

    fake_core_init();
    fake.name = "http";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--no-access-log") == 0) {
            cfg.access_log = 0;
            continue;
        }
        if (!v) {
            fprintf(stderr, "http_host: %s needs a value\n", a);
            return 1;
        }
        i++;
        if (strcmp(a, "--image") == 0) {
            const char *eq = strchr(v, '=');
            char *name = eq ? strndup(v, (size_t)(eq - v)) : strdup("archiso");
            struct pxe_image *img = name ? fake_image_add(name, eq ? eq + 1 : v, 0) : NULL;

            free(name);
            if (!img)
                return 1;
            img->kernel = "arch/boot/x86_64/vmlinuz-linux";
            img->initrd = "arch/boot/x86_64/initramfs-linux.img";
            img->rootfs = "arch/x86_64/airootfs.sfs";
            img->kind = "archiso"; /* as the archiso kind would have found it */
        } else if (strcmp(a, "--port") == 0) {
            cfg.port = strtoull(v, NULL, 10);
        } else if (strcmp(a, "--address") == 0) {
            cfg.address = (char *)v;
        } else if (strcmp(a, "--threads") == 0) {
            cfg.threads = strtoull(v, NULL, 10);
        } else if (strcmp(a, "--max-connections") == 0) {
            cfg.max_connections = strtoull(v, NULL, 10);
        } else if (strcmp(a, "--pidfile") == 0) {
            pidfile = v;
        } else if (strcmp(a, "--base-url") == 0) {
            cfg.base_url = (char *)v;
        } else if (strcmp(a, "--global-args") == 0) {
            fake.global_args = v;
        } else {
            fprintf(stderr, "http_host: unknown option %s\n", a);
            return 1;
        }
    }
    if (fake.n_images == 0) {
        fprintf(stderr, "http_host: --image DIR is required\n");
        return 1;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before MHD starts its threads */
    fake.plugin = p;
    if ((r = p->load(&fake.api, (struct pxe_core *)&fake, &state)) < 0 ||
        (r = p->config_complete(state, &cfg)) < 0 || (r = p->bind(state)) < 0)
        goto fail;
    fake.plugin_state = state;
    if ((r = p->start(state)) < 0)
        goto fail;
    if (pidfile) {
        FILE *f = fopen(pidfile, "w");

        if (!f)
            goto fail;
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
    while (!sig) {
        struct timespec ts = {0, 200 * 1000 * 1000};

        sig = sigtimedwait(&set, NULL, &ts);
        if (sig < 0)
            sig = 0;
        fake_run_once(0);
    }
    p->stop(state);
    p->unload(state);
    fake_metrics_print(stderr);
    return 0;
fail:
    fprintf(stderr, "http_host: start failed: %s\n", strerror(-r));
    p->unload(state);
    return r == -EADDRINUSE || r == -EACCES ? 2 : 1;
}
