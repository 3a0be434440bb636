/* SPDX-License-Identifier: MIT */
/*
 * What the step machine reports and records: errors (a repeated one logged
 * once), command status and output for messages, liveness, the pending
 * rootfs requests, and state_file (what was created, so a crash is undone).
 */
#include "nfs.h"

void nfs_set_error(struct nfs_state *s, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s->core->metric_add(s->self, "errors_total", "NFS export operations that failed", 1);
    /* Log a repeated failure (a retry loop) only once, at error level. */
    if (s->last_error && !strcmp(s->last_error, msg)) {
        s->core->log(s->self, PXE_LOG_DEBUG, "%s (again)", msg);
        return;
    }
    s->core->log(s->self, PXE_LOG_ERR, "%s", msg);
    s->core->event(s->self, "nfs.error", NULL, NULL, PXE_PHASE_NONE, "%s", msg);
    free(s->last_error);
    s->last_error = strdup(msg);
}

void nfs_clear_error(struct nfs_state *s)
{
    free(s->last_error);
    s->last_error = NULL;
}

/* The tail of a command's output, sanitised, for an error message. */
const char *nfs_output_tail(struct nfs_state *s, const char *out, size_t len, char *buf,
                            size_t size)
{
    while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
        len--;
    if (len > 400) {
        out += len - 400;
        len = 400;
    }
    if (!len)
        return "(no output)";
    {
        char flat[401];
        size_t n = 0;

        /* One line: newlines and the indentation after them become one blank. */
        for (size_t i = 0; i < len; i++) {
            if (out[i] == '\n' || out[i] == '\r') {
                while (i + 1 < len && (out[i + 1] == ' ' || out[i + 1] == '\t'))
                    i++;
                flat[n++] = ' ';
            } else {
                flat[n++] = out[i];
            }
        }
        s->core->sanitize(flat, n, buf, size);
    }
    return buf;
}

void nfs_describe_status(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "signal %d", WTERMSIG(status));
    else
        snprintf(buf, size, "status %d", status);
}

void nfs_set_live(struct nfs_state *s, int live)
{
    if (s->live == live)
        return;
    s->live = live;
    s->core->metric_set(s->self, "exports_live", "1 when the NFS exports are live", live);
    if (live) {
        s->core->log(s->self, PXE_LOG_NOTICE, "%zu export(s) live through the %s backend", s->nexps,
                     s->cfg->backend);
        s->core->event(s->self, "nfs.live", NULL, NULL, PXE_PHASE_NONE, "exports live");
    }
}

/* Completes the pending rootfs_prepare requests: rc, or -EOPNOTSUPP for a refused image. */
void nfs_finish_pending(struct nfs_state *s, int rc)
{
    for (size_t i = 0; i < s->npending; i++)
        s->core->request_done(s->pending[i].req, s->pending[i].exp->refused ? -EOPNOTSUPP : rc);
    s->npending = 0;
}

int nfs_save_state(struct nfs_state *s)
{
    char *txt;
    int r;

    if (!s->created.file[0] && !s->created.nids && !s->created.nmounts) {
        if (unlink(s->cfg->state_file) < 0 && errno != ENOENT)
            return -errno;
        return 0;
    }
    txt = nfs_state_encode(&s->created);
    if (!txt)
        return -ENOMEM;
    r = s->core->write_atomic(s->self, s->cfg->state_file, txt, strlen(txt), 0644);
    free(txt);
    if (r)
        nfs_set_error(s, "cannot write state file %s: %s", s->cfg->state_file, strerror(-r));
    return r;
}

int nfs_ok_status(int status)
{
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
