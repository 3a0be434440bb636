/* SPDX-License-Identifier: MIT */
/* HTTPS for the REST API: loading the certificate and key (libmicrohttpd with GnuTLS). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "for_api.h"
#include "tls.h"

#define PEM_MAX (1 << 20)

/* Reads a PEM file (under 1 MiB) into a new NUL-terminated buffer; NULL with a logged error. */
static char *pem_read(const char *key, const char *path)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = fopen(path, "re");

    if (f && (buf = malloc(PEM_MAX)))
        n = fread(buf, 1, PEM_MAX - 1, f);
    if (!f || !buf || ferror(f) || n == 0 || n == PEM_MAX - 1) {
        log_err("api.%s: cannot read '%s': %s", key, path,
                !f || (buf && ferror(f)) ? strerror(errno)
                : buf                    ? "empty or over 1 MiB"
                                         : "no memory");
        if (f)
            fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

int api_tls_load(const struct api_settings *s, char **ret_cert, char **ret_key)
{
    *ret_cert = *ret_key = NULL;
    if (!s->tls_certificate && !s->tls_key)
        return 0;
    if (!s->tls_certificate || !s->tls_key) {
        log_err("api.%s: needs api.%s too", s->tls_key ? "tls_key" : "tls_certificate",
                s->tls_key ? "tls_certificate" : "tls_key");
        return -EINVAL;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        log_err("api.tls_certificate: this libmicrohttpd has no TLS support");
        return -EINVAL;
    }
    *ret_cert = pem_read("tls_certificate", s->tls_certificate);
    *ret_key = *ret_cert ? pem_read("tls_key", s->tls_key) : NULL;
    if (!*ret_key) {
        api_tls_free(ret_cert, ret_key);
        return -EINVAL;
    }
    return 0;
}

void api_tls_free(char **cert, char **key)
{
    free(*cert);
    if (*key)
        explicit_bzero(*key, strlen(*key));
    free(*key);
    *cert = *key = NULL;
}
