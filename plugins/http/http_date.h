/* SPDX-License-Identifier: MIT */
/* HTTP dates (RFC 9110 5.6.7).  Pure code, for the http plugin. */
#ifndef PXE_HTTP_DATE_H
#define PXE_HTTP_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Parses an HTTP-date (IMF-fixdate, RFC 850 or asctime form); -1 when invalid. */
int64_t http_date_parse(const char *s);
/* Formats t as IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); needs 30 bytes. */
int http_date_format(int64_t t, char *buf, size_t size);

#endif
