/* SPDX-License-Identifier: MIT */
/* Text builder behind struct pxe_buf (capped growth) and small string helpers. */
#ifndef PXE_CORE_BUF_H
#define PXE_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct pxe_buf {
    char *data; /* NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
    size_t max; /* appends past this give -E2BIG */
};

void buf_init(struct pxe_buf *b, size_t max);
void buf_done(struct pxe_buf *b);
int buf_vappend(struct pxe_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
int buf_append(struct pxe_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The contents ("" when empty); valid until the next append. */
const char *buf_str(const struct pxe_buf *b);
/* Takes ownership of the contents (never NULL on success; NULL on OOM) and resets b. */
char *buf_steal(struct pxe_buf *b);

#endif
