/* SPDX-License-Identifier: MIT */
/*
 * One NBD connection on its own thread: the handshake, then the request loop
 * with blocking reads on the socket and sendfile from the export's fd.  Calls
 * only the thread-safe core functions (log, event, metric_*, now_usec, sanitize).
 * The thread never closes its socket (it shuts it down when done): stop() may
 * shutdown() it at any time, and the fd is closed by whoever joins the thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "nbd_int.h"
#include "nbd_proto.h"

#define NBD_RBUF_SIZE    (64u * 1024)
#define NBD_MAX_OPTIONS  1024u      /* options accepted before transmission */
#define NBD_SKIP_MAX     (1u << 20) /* longest option payload skipped (then ERR_TOO_BIG) */
#define NBD_METRIC_BATCH 256u       /* requests between metric flushes */

struct worker {
    struct nbd_conn *c;
    struct nbd_state *s;
    int fd;
    uint8_t *rbuf; /* buffered socket input */
    size_t roff, rlen;
    uint8_t *tmp; /* payload buffer for fallbacks and discards */
    size_t tmp_cap;
    uint64_t reqs, bytes, errors; /* not yet flushed to metrics */
    uint64_t deadline;            /* now_usec bound on reads during the handshake, or 0 */
    struct nbd_tls_session *tls;  /* after STARTTLS, or NULL */
    int clean;                    /* ended by NBD_CMD_DISC or ABORT: send close_notify */
};

/* Reads exactly n bytes. 0, or -errno (-ECONNRESET on EOF). */
static int w_read(struct worker *w, void *buf, size_t n)
{
    uint8_t *p = buf;

    while (n > 0) {
        if (w->roff == w->rlen) {
            ssize_t k;

            if (w->deadline && w->s->core->now_usec() > w->deadline)
                return -ETIMEDOUT;
            if (w->tls) {
                k = nbd_tls_recv(w->tls, w->rbuf, NBD_RBUF_SIZE);
                if (k < 0)
                    return (int)k;
            } else {
                k = recv(w->fd, w->rbuf, NBD_RBUF_SIZE, 0);
                if (k < 0) {
                    if (errno == EINTR)
                        continue;
                    return -errno;
                }
            }
            if (k == 0)
                return -ECONNRESET;
            w->roff = 0;
            w->rlen = (size_t)k;
        }
        size_t m = w->rlen - w->roff < n ? w->rlen - w->roff : n;
        if (p) {
            memcpy(p, w->rbuf + w->roff, m);
            p += m;
        }
        w->roff += m;
        n -= m;
    }
    return 0;
}

/* Reads and drops n bytes. */
static int w_skip(struct worker *w, uint64_t n)
{
    while (n > 0) {
        size_t m = n > SIZE_MAX ? SIZE_MAX : (size_t)n;
        int r = w_read(w, NULL, m);

        if (r < 0)
            return r;
        n -= m;
    }
    return 0;
}

/* Writes all of buf; flags may add MSG_MORE. 0 or -errno. */
static int w_write(struct worker *w, const void *buf, size_t n, int flags)
{
    const uint8_t *p = buf;

    while (n > 0) {
        ssize_t k = w->tls ? nbd_tls_send(w->tls, p, n) : send(w->fd, p, n, flags | MSG_NOSIGNAL);

        if (k < 0 && w->tls)
            return (int)k;
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void w_flush_metrics(struct worker *w)
{
    const struct pxe_core_api *core = w->s->core;

    if (w->reqs)
        core->metric_add(w->s->self, "requests", "NBD requests served", w->reqs);
    if (w->bytes)
        core->metric_add(w->s->self, "bytes_read", "Bytes sent by NBD reads", w->bytes);
    if (w->errors)
        core->metric_add(w->s->self, "errors", "NBD protocol errors and refused requests",
                         w->errors);
    w->reqs = w->bytes = w->errors = 0;
}

static int hs_find(void *ud, const char *name, size_t len, struct nbd_export_info *ret, int *ret_id)
{
    const struct nbd_state *s = ud;
    int id = nbd_export_lookup(s, name, len);

    if (id < 0)
        return -ENOENT;
    ret->name = s->exports[id].name;
    ret->description = s->exports[id].description;
    ret->size = s->exports[id].size;
    *ret_id = id;
    return 0;
}

static int hs_get(void *ud, uint32_t index, struct nbd_export_info *ret)
{
    const struct nbd_state *s = ud;

    if (index >= s->n_exports)
        return -ENOENT;
    ret->name = s->exports[index].name;
    ret->description = s->exports[index].description;
    ret->size = s->exports[index].size;
    return 0;
}

static void set_timeo(int fd, int opt, uint64_t usec)
{
    struct timeval tv = {.tv_sec = (time_t)(usec / 1000000), .tv_usec = (long)(usec % 1000000)};

    (void)setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

static void set_rcvtimeo(int fd, uint64_t usec)
{
    set_timeo(fd, SO_RCVTIMEO, usec);
}

/* Runs the TLS handshake after the STARTTLS ACK; NULL, or why it failed. */
static const char *w_starttls(struct worker *w, struct nbd_hs *hs)
{
    static __thread char why[192];
    uint64_t now = w->s->core->now_usec();
    unsigned ms = now < w->deadline ? (unsigned)((w->deadline - now) / 1000) : 0;
    char err[128];

    /* The client must wait for the ACK: bytes already buffered would be plaintext. */
    if (w->roff != w->rlen)
        return "data after STARTTLS";
    if (nbd_tls_start(w->s->tls_ctx, w->fd, ms ? ms : 1, &w->tls, err, sizeof(err)) < 0) {
        snprintf(why, sizeof(why), "TLS handshake failed: %s", err);
        return why;
    }
    hs->tls_active = 1;
    return NULL;
}

/*
 * Reads one option's payload (an oversize one is skipped) and sends the
 * answer nbd_hs_option() wrote into out.  Returns its NBD_HS_* or -errno;
 * sets *why when the connection must close without an answer.
 */
static int w_option(struct worker *w, struct nbd_hs *hs, const struct nbd_exports *ex, uint32_t opt,
                    uint32_t len, struct nbd_out *out, int *id, const char **why)
{
    int r;

    if (len > NBD_OPT_MAX) {
        if (len > NBD_SKIP_MAX) {
            *why = "option payload too long";
            return 0;
        }
        hs->options++;
        r = w_skip(w, len);
        if (r == 0)
            r = nbd_opt_too_big(opt, out);
    } else {
        r = w_read(w, w->tmp, len);
        if (r == 0) {
            hs->refusing = !atomic_load(&w->s->enabled);
            r = nbd_hs_option(hs, opt, w->tmp, len, ex, out, id);
        }
    }
    if (r >= 0 && out->len > 0 && w_write(w, out->data, out->len, 0) < 0)
        r = -EPIPE;
    return r;
}

/*
 * Fixed newstyle negotiation. Returns the export index chosen, or -1 to close
 * (the reason is logged at debug level and counted).
 */
static int w_handshake(struct worker *w, struct nbd_hs *hs, struct nbd_out *out)
{
    struct nbd_state *s = w->s;
    const struct nbd_exports ex = {.find = hs_find, .get = hs_get, .ud = s};
    uint8_t hdr[NBD_OPT_HDR_SIZE];
    const char *why = NULL;
    uint32_t opt = 0, len;
    int id = -1, r;

    hs->tls = s->tls_ctx ? s->tls_mode : NBD_TLS_OFF;
    /* Each recv waits at most handshake_timeout, and none starts after the deadline. */
    w->deadline = s->core->now_usec() + s->cfg->handshake_timeout;
    set_rcvtimeo(w->fd, s->cfg->handshake_timeout);
    r = nbd_greeting(out);
    if (r == 0)
        r = w_write(w, out->data, out->len, 0);
    if (r == 0)
        r = w_read(w, hdr, 4);
    if (r < 0)
        goto done;
    if (nbd_client_flags(hs, hdr) < 0) {
        why = "unsupported client flags";
        goto done;
    }
    for (;;) {
        if (hs->options >= NBD_MAX_OPTIONS) {
            why = "too many options";
            break;
        }
        r = w_read(w, hdr, sizeof(hdr));
        if (r < 0)
            break;
        if (nbd_opt_header(hdr, &opt, &len) < 0) {
            why = "bad option magic";
            break;
        }
        nbd_out_reset(out);
        r = w_option(w, hs, &ex, opt, len, out, &id, &why);
        if (why)
            break;
        if (r == NBD_HS_STARTTLS) {
            why = w_starttls(w, hs);
            if (why)
                break;
            r = NBD_HS_CONTINUE;
        }
        if (r != NBD_HS_CONTINUE)
            break;
    }
    if (r == NBD_HS_GO) {
        w->deadline = 0;
        set_rcvtimeo(w->fd, 0); /* an idle client is fine */
        /* one that stops reading our replies is not: the send fails with EAGAIN, we close */
        set_timeo(w->fd, SO_SNDTIMEO, s->cfg->send_timeout);
        return id;
    }
    w->clean = r == NBD_HS_CLOSE && opt == NBD_OPT_ABORT;
    if (r == NBD_HS_CLOSE && opt == NBD_OPT_EXPORT_NAME)
        why = hs->refusing ? "export refused, the boot method is disabled" : "unknown export";
    else if ((r == -ETIMEDOUT || r == -EAGAIN) && !why)
        why = "handshake timed out";
    else if (r < 0 && r != -ECONNRESET && !why)
        why = "handshake failed";
done:
    if (why) {
        w->errors++;
        s->core->log(s->self, PXE_LOG_DEBUG, "%s: %s, closing", w->c->peer, why);
    }
    return -1;
}

/* Sends hdr then length bytes of the export at offset; 0, or -errno (the stream is then broken). */
static int w_send_data(struct worker *w, const struct nbd_export *e, const uint8_t *hdr,
                       size_t hlen, uint64_t offset, uint32_t length)
{
    off_t pos = (off_t)offset;
    size_t left = length;
    int r = w_write(w, hdr, hlen, length ? MSG_MORE : 0);

    while (r == 0 && left > 0) {
        ssize_t k;

        if (w->tls) {
            errno = EINVAL; /* no sendfile through TLS: copy through the buffer */
            k = -1;
        } else {
            k = sendfile(w->fd, e->fd, &pos, left);
        }

        if (k > 0) {
            left -= (size_t)k;
            continue;
        }
        if (k == 0)
            return -EIO; /* the file shrank under us */
        if (errno == EINTR)
            continue;
        if (errno != EINVAL && errno != ENOSYS)
            return -errno;
        /* No sendfile for this pair: copy through the buffer. */
        size_t m = left < w->tmp_cap ? left : w->tmp_cap;
        ssize_t got = pread(e->fd, w->tmp, m, pos);

        if (got <= 0)
            return got < 0 ? -errno : -EIO;
        r = w_write(w, w->tmp, (size_t)got, (size_t)got < left ? MSG_MORE : 0);
        pos += got;
        left -= (size_t)got;
    }
    return r;
}

/* Replies to one request without data; structured only for READ errors. */
static int w_reply(struct worker *w, const struct nbd_request *rq, int structured, uint32_t error)
{
    uint8_t buf[NBD_CHUNK_HDR_SIZE + 8];
    size_t n;

    if (structured && rq->type == NBD_CMD_READ)
        n = error ? nbd_chunk_error(buf, rq->cookie, error) : nbd_chunk_none(buf, rq->cookie);
    else
        n = nbd_simple_reply(buf, rq->cookie, error);
    return w_write(w, buf, n, 0);
}

/* The request loop on export id until disconnect or error. */
static void w_transmission(struct worker *w, const struct nbd_hs *hs, int id)
{
    struct nbd_state *s = w->s;
    const struct nbd_export *e = &s->exports[id];
    uint8_t in[NBD_REQUEST_SIZE], hdr[NBD_CHUNK_HDR_SIZE + 8];
    const char *why = NULL;
    struct nbd_request rq;
    uint32_t error;
    int r = 0;

    while (r == 0) {
        r = w_read(w, in, sizeof(in));
        if (r < 0)
            break;
        if (nbd_request_parse(in, &rq) < 0) {
            why = "bad request magic";
            break;
        }
        w->reqs++;
        switch (nbd_request_check(&rq, e->size, &error)) {
        case NBD_ACT_READ: {
            size_t hl = hs->structured ? nbd_chunk_data(hdr, rq.cookie, rq.offset, rq.length)
                                       : nbd_simple_reply(hdr, rq.cookie, 0);

            r = w_send_data(w, e, hdr, hl, rq.offset, rq.length);
            if (r == 0) {
                w->bytes += rq.length;
                atomic_fetch_add(&w->c->bytes, rq.length);
            } else if (r == -EAGAIN) {
                why = "the client read nothing for send_timeout";
            } else if (r != -EPIPE && r != -ECONNRESET) {
                why = "read from the export failed";
            }
            break;
        }
        case NBD_ACT_OK:
            r = w_reply(w, &rq, hs->structured, 0);
            break;
        case NBD_ACT_ERROR:
            w->errors++;
            r = w_reply(w, &rq, hs->structured, error);
            break;
        case NBD_ACT_DISCARD:
            w->errors++;
            r = w_skip(w, rq.length);
            if (r == 0)
                r = w_reply(w, &rq, hs->structured, error);
            break;
        default:
            w->clean = rq.type == NBD_CMD_DISC;
            if (rq.type != NBD_CMD_DISC) {
                w->errors++;
                why = "write payload past the request cap";
            }
            r = 1;
            break;
        }
        if (w->reqs >= NBD_METRIC_BATCH)
            w_flush_metrics(w);
    }
    if (why) {
        w->errors++;
        s->core->log(s->self, PXE_LOG_INFO, "%s: %s, closing", w->c->peer, why);
    }
}

/* Counts a session in or out and publishes the gauge in the same order as the count. */
static void nbd_sessions_add(struct nbd_state *s, int delta)
{
    pthread_mutex_lock(&s->lock);
    if (delta > 0)
        atomic_fetch_add(&s->sessions, 1);
    else
        atomic_fetch_sub(&s->sessions, 1);
    s->core->metric_set(s->self, "active", "NBD connections in transmission",
                        (int64_t)atomic_load(&s->sessions));
    pthread_mutex_unlock(&s->lock);
}

void *nbd_worker(void *arg)
{
    struct nbd_conn *c = arg;
    struct nbd_state *s = c->s;
    const struct pxe_core_api *core = s->core;
    struct worker w = {.c = c, .s = s, .fd = c->fd};
    struct nbd_hs hs = {0};
    struct nbd_out out = {0};
    int id;

    w.rbuf = malloc(NBD_RBUF_SIZE);
    w.tmp_cap = NBD_OPT_MAX > NBD_RBUF_SIZE ? NBD_OPT_MAX : NBD_RBUF_SIZE;
    w.tmp = malloc(w.tmp_cap);
    if (!w.rbuf || !w.tmp) {
        core->log(s->self, PXE_LOG_WARNING, "%s: out of memory, closing", c->peer);
        goto done;
    }
    id = w_handshake(&w, &hs, &out);
    nbd_out_free(&out);
    if (hs.refused)
        core->metric_add(s->self, "refused",
                         "NBD connections refused: at the cap, or while the method is disabled", 1);
    if (id >= 0) {
        const struct nbd_export *e = &s->exports[id];
        uint64_t t0 = core->now_usec();

        atomic_store(&c->export_id, id);
        nbd_sessions_add(s, 1);
        core->metric_add(s->self, "connections", "NBD connections that reached transmission", 1);
        core->event(s->self, "nbd.connect", NULL, c->peer, PXE_PHASE_ROOTFS,
                    "export '%s' (%llu bytes)%s", e->name, (unsigned long long)e->size,
                    hs.structured ? ", structured replies" : "");
        core->log(s->self, PXE_LOG_DEBUG, "%s: export '%s' connected", c->peer, e->name);
        w_transmission(&w, &hs, id);
        nbd_sessions_add(s, -1);
        core->event(s->self, "nbd.disconnect", NULL, c->peer, PXE_PHASE_NONE,
                    "export '%s', %llu bytes read in %llu ms", e->name,
                    (unsigned long long)atomic_load(&c->bytes),
                    (unsigned long long)((core->now_usec() - t0) / 1000));
    }
done:
    w_flush_metrics(&w);
    nbd_tls_end(w.tls, w.clean);
    free(w.rbuf);
    free(w.tmp);
    /* Tell the peer now; the fd itself stays open until the thread is joined. */
    (void)shutdown(c->fd, SHUT_RDWR);
    atomic_fetch_sub(&s->live, 1);
    atomic_store(&c->done, 1);
    return NULL;
}
