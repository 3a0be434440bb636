/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void buf_init(struct pxe_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void buf_done(struct pxe_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int buf_vappend(struct pxe_buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    int n;

    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return -EINVAL;
    if (b->len + (size_t)n + 1 > b->max)
        return -E2BIG;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *d;

        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        d = realloc(b->data, cap);
        if (!d)
            return -ENOMEM;
        b->data = d;
        b->cap = cap;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_append(struct pxe_buf *b, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = buf_vappend(b, fmt, ap);
    va_end(ap);
    return r;
}

const char *buf_str(const struct pxe_buf *b)
{
    return b->data ? b->data : "";
}

char *buf_steal(struct pxe_buf *b)
{
    char *s = b->data ? b->data : strdup("");

    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}
