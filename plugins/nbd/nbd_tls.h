/* SPDX-License-Identifier: MIT */
/*
 * STARTTLS for the NBD server: GnuTLS with an X.509 certificate and key.
 * Built without GnuTLS, nbd_tls_ctx_new fails with -ENOTSUP and nothing else
 * is reachable.  A session belongs to one worker thread.
 */
#ifndef PXE_NBD_TLS_H
#define PXE_NBD_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nbd_tls_ctx;
struct nbd_tls_session;

/* Loads cert and key (PEM). 0, or -errno with a reason in err. */
int nbd_tls_ctx_new(const char *cert, const char *key, struct nbd_tls_ctx **ret, char *err,
                    size_t errlen);
void nbd_tls_ctx_free(struct nbd_tls_ctx *ctx);
/* Server handshake on the connected fd within timeout_ms. 0, or -errno with a reason. */
int nbd_tls_start(struct nbd_tls_ctx *ctx, int fd, unsigned timeout_ms,
                  struct nbd_tls_session **ret, char *err, size_t errlen);
/* Like recv/send on the socket: bytes, 0 at EOF (recv), or -errno. */
ssize_t nbd_tls_recv(struct nbd_tls_session *t, void *buf, size_t n);
ssize_t nbd_tls_send(struct nbd_tls_session *t, const void *buf, size_t n);
/* Sends close_notify when clean is set, then frees. Accepts NULL. */
void nbd_tls_end(struct nbd_tls_session *t, int clean);

#endif
