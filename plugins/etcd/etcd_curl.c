/* SPDX-License-Identifier: MIT */
/* libcurl loaded on first use; see etcd_curl.h. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

#include "etcd_curl.h"

struct etcd_curl_api etcd_curl;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *load_why;

static void *sym(void *lib, const char *name)
{
    void *f = dlsym(lib, name);

    if (!f && !load_why)
        load_why = name;
    return f;
}

static void load(void)
{
    struct etcd_curl_api a;
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);

    if (!lib) {
        load_why = "libcurl.so.4 not found";
        return;
    }
    *(void **)&a.easy_init = sym(lib, "curl_easy_init");
    *(void **)&a.easy_cleanup = sym(lib, "curl_easy_cleanup");
    *(void **)&a.easy_reset = sym(lib, "curl_easy_reset");
    *(void **)&a.easy_setopt = sym(lib, "curl_easy_setopt");
    *(void **)&a.easy_perform = sym(lib, "curl_easy_perform");
    *(void **)&a.easy_getinfo = sym(lib, "curl_easy_getinfo");
    *(void **)&a.easy_strerror = sym(lib, "curl_easy_strerror");
    *(void **)&a.slist_append = sym(lib, "curl_slist_append");
    *(void **)&a.slist_free_all = sym(lib, "curl_slist_free_all");
    if (!load_why)
        etcd_curl = a; /* libcurl stays loaded for the process's life */
}

int etcd_curl_load(const char **why)
{
    pthread_once(&once, load);
    if (load_why && why)
        *why = load_why;
    return load_why ? -ENOENT : 0;
}
