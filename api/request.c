/* SPDX-License-Identifier: MIT */
/* What handlers share: failing with the error shape, query arguments, the local
 * address, the change log line, saving state. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "api_int.h"

int api_fail(struct api_request *rq, int status, const char *code, const char *fmt, ...)
{
    va_list ap;

    rq->err.status = status;
    rq->err.code = code;
    va_start(ap, fmt);
    vsnprintf(rq->err.message, sizeof(rq->err.message), fmt, ap);
    va_end(ap);
    return status;
}

const char *api_query(struct api_request *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

void api_local_ip(struct api_request *rq, char *out)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    snprintf(out, 46, "127.0.0.1");
    if (!ci || getsockname(ci->connect_fd, (struct sockaddr *)&ss, &len) < 0)
        return;
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, 46);
    else if (ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, 46);
}

void api_changed(struct api_request *rq, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rq->change, sizeof(rq->change), fmt, ap);
    va_end(ap);
}

int api_save(struct api_request *rq)
{
    int r = state_save(rq->core);

    if (r < 0) {
        log_err("api: cannot save %s: %s", state_path(), strerror(-r));
        return api_fail(rq, 500, "state_not_saved", "the change could not be saved: %s",
                        strerror(-r));
    }
    return 0;
}
