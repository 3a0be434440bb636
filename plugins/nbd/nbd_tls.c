/* SPDX-License-Identifier: MIT */
/* STARTTLS sessions with GnuTLS (see nbd_tls.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "nbd_tls.h"

#ifdef NBD_HAVE_GNUTLS
#include <gnutls/gnutls.h>
#include <stdint.h>
#include <sys/socket.h>

struct nbd_tls_ctx {
    gnutls_certificate_credentials_t cred;
};

struct nbd_tls_session {
    gnutls_session_t s;
};

/* GnuTLS's own push uses send without MSG_NOSIGNAL: a vanished client would raise SIGPIPE. */
static ssize_t tls_push(gnutls_transport_ptr_t p, const void *buf, size_t n)
{
    return send((int)(intptr_t)p, buf, n, MSG_NOSIGNAL);
}

int nbd_tls_ctx_new(const char *cert, const char *key, struct nbd_tls_ctx **ret, char *err,
                    size_t errlen)
{
    struct nbd_tls_ctx *c = calloc(1, sizeof(*c));
    int r;

    if (!c)
        return -ENOMEM;
    r = gnutls_certificate_allocate_credentials(&c->cred);
    if (r == GNUTLS_E_SUCCESS)
        r = gnutls_certificate_set_x509_key_file(c->cred, cert, key, GNUTLS_X509_FMT_PEM);
    if (r < 0) {
        snprintf(err, errlen, "%s", gnutls_strerror(r));
        nbd_tls_ctx_free(c);
        return -EINVAL;
    }
    *ret = c;
    return 0;
}

void nbd_tls_ctx_free(struct nbd_tls_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->cred)
        gnutls_certificate_free_credentials(ctx->cred);
    free(ctx);
}

int nbd_tls_start(struct nbd_tls_ctx *ctx, int fd, unsigned timeout_ms,
                  struct nbd_tls_session **ret, char *err, size_t errlen)
{
    struct nbd_tls_session *t = calloc(1, sizeof(*t));
    int r;

    if (!t)
        return -ENOMEM;
    r = gnutls_init(&t->s, GNUTLS_SERVER);
    if (r == GNUTLS_E_SUCCESS)
        r = gnutls_set_default_priority(t->s);
    if (r == GNUTLS_E_SUCCESS)
        r = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, ctx->cred);
    if (r == GNUTLS_E_SUCCESS) {
        gnutls_certificate_server_set_request(t->s, GNUTLS_CERT_IGNORE);
        gnutls_transport_set_int(t->s, fd);
        gnutls_transport_set_push_function(t->s, tls_push);
        gnutls_handshake_set_timeout(t->s, timeout_ms);
        do
            r = gnutls_handshake(t->s);
        while (r == GNUTLS_E_INTERRUPTED);
    }
    if (r < 0) {
        snprintf(err, errlen, "%s", gnutls_strerror(r));
        nbd_tls_end(t, 0);
        return -EPROTO;
    }
    *ret = t;
    return 0;
}

ssize_t nbd_tls_recv(struct nbd_tls_session *t, void *buf, size_t n)
{
    ssize_t k;

    do
        k = gnutls_record_recv(t->s, buf, n);
    while (k == GNUTLS_E_INTERRUPTED);
    if (k >= 0)
        return k;
    if (k == GNUTLS_E_AGAIN)
        return -ETIMEDOUT;
    if (k == GNUTLS_E_PREMATURE_TERMINATION)
        return 0;
    return -ECONNRESET;
}

ssize_t nbd_tls_send(struct nbd_tls_session *t, const void *buf, size_t n)
{
    ssize_t k;

    do
        k = gnutls_record_send(t->s, buf, n);
    while (k == GNUTLS_E_INTERRUPTED || k == GNUTLS_E_AGAIN);
    return k >= 0 ? k : -EPIPE;
}

void nbd_tls_end(struct nbd_tls_session *t, int clean)
{
    if (!t)
        return;
    if (t->s) {
        if (clean)
            (void)gnutls_bye(t->s, GNUTLS_SHUT_WR);
        gnutls_deinit(t->s);
    }
    free(t);
}

#else /* !NBD_HAVE_GNUTLS */

int nbd_tls_ctx_new(const char *cert, const char *key, struct nbd_tls_ctx **ret, char *err,
                    size_t errlen)
{
    snprintf(err, errlen, "built without GnuTLS");
    return -ENOTSUP;
}

void nbd_tls_ctx_free(struct nbd_tls_ctx *ctx)
{
}

int nbd_tls_start(struct nbd_tls_ctx *ctx, int fd, unsigned timeout_ms,
                  struct nbd_tls_session **ret, char *err, size_t errlen)
{
    snprintf(err, errlen, "built without GnuTLS");
    return -ENOTSUP;
}

ssize_t nbd_tls_recv(struct nbd_tls_session *t, void *buf, size_t n)
{
    return -ENOTSUP;
}

ssize_t nbd_tls_send(struct nbd_tls_session *t, const void *buf, size_t n)
{
    return -ENOTSUP;
}

void nbd_tls_end(struct nbd_tls_session *t, int clean)
{
}

#endif
