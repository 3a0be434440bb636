/* SPDX-License-Identifier: MIT */
/*
 * Declarative configuration: a pxe_config_item table describes a struct; the
 * same code fills it from defaults, from a JSON object and from command-line
 * text, and frees what it allocated.  Errors are written to err as
 * "<section>.<key>: <reason>".
 */
#ifndef PXE_CORE_CONFIG_H
#define PXE_CORE_CONFIG_H

#include <stddef.h>

#include <jansson.h>
#include <pxecore/plugin.h>

#define CONFIG_ERR_MAX 512

/* Checks a table (keys, types, offsets within size). 0 or -EINVAL with err. */
int config_table_check(const struct pxe_config_item *items, size_t size, char *err);
/* Writes every default into base. Strings containing ${state_dir} are expanded. */
int config_defaults(const struct pxe_config_item *items, void *base, const char *section,
                    char *err);
/* Applies a JSON object; "enabled" is skipped (the caller reads it); unknown keys fail. */
int config_apply_json(const struct pxe_config_item *items, void *base, const char *section,
                      json_t *obj, char *err);
/* Applies one value in command-line form. STRLIST appends. */
int config_apply_text(const struct pxe_config_item *items, void *base, const char *section,
                      const char *key, const char *text, char *err);
/* REQUIRED keys still unset give -EINVAL naming the key. */
int config_check_required(const struct pxe_config_item *items, void *base, const char *section,
                          char *err);
/* Frees strings, lists and JSON references held in base. */
void config_free(const struct pxe_config_item *items, void *base);
const struct pxe_config_item *config_find(const struct pxe_config_item *items, const char *key);
/* The item table as a JSON schema-ish description (new reference). */
json_t *config_schema(const struct pxe_config_item *items);
/* Parses "250ms", "5s", "2m", "1h", "1.5" (seconds) to microseconds. */
int config_parse_duration(const char *s, uint64_t *ret_usec);
const char *config_type_name(uint32_t type);

/* The value substituted for ${state_dir}; set before defaults are applied. */
void config_set_state_dir(const char *dir);

#endif
