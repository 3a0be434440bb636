/* SPDX-License-Identifier: MIT */
/*
 * Runs pxecore-nbd.so on the fake core, for driving it with real NBD clients
 * without the daemon:
 *   nbd_host PLUGIN.so PORTFILE [--image NAME=ISO]... [--disable-after-connect] [KEY=VALUE]...
 * Writes the bound port to PORTFILE once started; SIGTERM stops it and prints
 * the metrics ("metric NAME VALUE") and event counts on stdout.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fake_core.h"

static void on_term(int sig)
{
    fake_quit();
}

int main(int argc, char **argv)
{
    const struct pxe_plugin *(*init)(void);
    const struct pxe_plugin *p;
    const char *ov[32];
    json_t *st = NULL;
    void *h, *state = NULL, *cfg;
    int n = 0, r;

    if (argc < 3) {
        fprintf(stderr,
                "usage: nbd_host PLUGIN.so PORTFILE [--image NAME=ISO]... [KEY=VALUE]...\n");
        return 2;
    }
    fake_core_init();
    fake.name = "nbd";
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--image") == 0 && i + 1 < argc) {
            char *eq = strchr(argv[++i], '=');

            if (!eq)
                return 2;
            *eq = 0;
            fake_image_add(argv[i], eq + 1, 1);
        } else if (n < 32) {
            ov[n++] = argv[i];
        }
    }
    h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h || !(init = (const struct pxe_plugin *(*)(void))dlsym(h, "pxe_plugin_init"))) {
        fprintf(stderr, "nbd_host: %s\n", dlerror());
        return 5;
    }
    p = init();
    cfg = fake_config(p, ov, n);
    if (!cfg)
        return 1;
    r = p->load(&fake.api, NULL, &state);
    if (r == 0)
        r = p->config_complete(state, cfg);
    if (r == 0)
        r = p->bind(state);
    if (r == 0)
        r = p->start(state);
    if (r < 0) {
        fprintf(stderr, "nbd_host: start failed: %s\n", strerror(-r));
        p->unload(state);
        fake_config_free(p, cfg);
        return 5;
    }
    if (p->status(state, &st) == 0) {
        FILE *f = fopen(argv[2], "w");

        if (f) {
            fprintf(f, "%lld\n", (long long)json_integer_value(json_object_get(st, "port")));
            fclose(f);
        }
        json_decref(st);
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    fake_run(0);
    p->stop(state);
    p->unload(state);
    fake_config_free(p, cfg);
    for (const char *const *m = (const char *const[]){"connections", "requests", "bytes_read",
                                                      "errors", "refused", "active", NULL};
         *m; m++)
        printf("metric %s %lld\n", *m, (long long)fake_metric(*m));
    printf("event nbd.connect %d\nevent nbd.disconnect %d\n", fake_events("nbd.connect"),
           fake_events("nbd.disconnect"));
    dlclose(h);
    return 0;
}
