/* SPDX-License-Identifier: MIT */
/*
 * libcurl, loaded when the etcd backend is first used (etcd.endpoints set): a pxecore
 * that only has the plugin installed never maps libcurl and its dependencies (TLS,
 * HTTP/2, LDAP, SSH...), which cost 3.4 MB of idle RSS.  etcd_curl_load() may be
 * called from any thread; after it returned 0, etcd_curl's members are set for good.
 */
#ifndef PXE_ETCD_CURL_H
#define PXE_ETCD_CURL_H

#define CURL_DISABLE_TYPECHECK /* the type-checking macros would call the real symbols */
#include <curl/curl.h>

struct etcd_curl_api {
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *h);
    void (*easy_reset)(CURL *h);
    CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
    CURLcode (*easy_perform)(CURL *h);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
    const char *(*easy_strerror)(CURLcode rc);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
};

extern struct etcd_curl_api etcd_curl;

/* Loads libcurl.so.4 once: 0, or -ENOENT (not installed, or a symbol is missing);
 * *why then names what failed. */
int etcd_curl_load(const char **why);

#endif
