/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the REST request validator.  Input: "METHOD\nPATH\nCONTENT-TYPE\nBODY"
 * (missing lines are empty).  Runs request_validate and, for the mutating
 * routes, the body checks, and checks their contracts: a status is 0 or
 * 400..415 with a code and message, a body is only returned on success.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *next_line(char **p, char *end)
{
    char *s = *p, *nl;

    if (s >= end)
        return "";
    nl = memchr(s, '\n', (size_t)(end - s));
    if (!nl)
        nl = end;
    *nl = '\0';
    *p = nl + 1;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *p, *end;
    struct raw_request in = {0};
    struct valid_request vr;
    struct api_error e = {0};
    int st;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    p = buf;
    end = buf + size;
    in.method = next_line(&p, end);
    in.path = next_line(&p, end);
    in.content_type = next_line(&p, end);
    if (!*in.content_type)
        in.content_type = NULL;
    in.body = p < end ? p : NULL;
    in.body_len = p < end ? (size_t)(end - p) : 0;
    in.body_cap = 4096;
    st = request_validate(&in, &vr, &e);
    if (st != 0) {
        if (st < 400 || st > 415 || !e.code || !e.message[0] || vr.body)
            abort();
    } else if (vr.m.route && (vr.m.method & (RM_PUT | RM_POST | RM_PATCH))) {
        struct state_host sh;
        int en;

        if (vr.m.route->id == R_METHOD) {
            st = validate_method_put(vr.body, &en, &e);
            if (st != 0 && st != 400)
                abort();
        } else if (vr.m.route->id == R_HOST) {
            st = validate_host_put(vr.body, vr.m.param[0], &sh, &e);
            if (st != 0 && st != 400)
                abort();
            if (st == 0 && sh.cmdline_extra && strlen(sh.cmdline_extra) > STATE_CMDLINE_MAX)
                abort();
        }
    }
    json_decref(vr.body);
    free(buf);
    return 0;
}
