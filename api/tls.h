/* SPDX-License-Identifier: MIT */
/* HTTPS for the REST API: the PEM files of api.tls_certificate and api.tls_key. */
#ifndef PXE_API_TLS_H
#define PXE_API_TLS_H

#include "api.h"

/*
 * Both keys or neither.  With both, reads the files (before the privilege
 * drop) into *ret_cert and *ret_key (malloc'd PEM text); with neither, leaves
 * them NULL.  0, or -EINVAL with the reason logged and nothing allocated.
 */
int api_tls_load(const struct api_settings *s, char **ret_cert, char **ret_key);
/* Frees both (the key wiped first) and sets them to NULL. */
void api_tls_free(char **cert, char **key);

#endif
