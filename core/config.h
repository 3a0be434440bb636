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
/*
 * Receives one error message ("<section>.<key>: <reason>", borrowed for the
 * call) when a function below is asked to go on past errors.
 */
typedef void (*config_report_fn)(const char *err, void *ud);

/*
 * Applies a JSON object; "enabled" is skipped (the caller reads it); unknown
 * keys fail.  With report NULL it stops at the first bad key (-EINVAL, err
 * says why); otherwise every bad key goes to report and the rest are still
 * applied, and the result is -EINVAL when any was bad.  Other errors
 * (-ENOMEM) always stop.
 */
int config_apply_json(const struct pxe_config_item *items, void *base, const char *section,
                      json_t *obj, char *err, config_report_fn report, void *ud);
/* Applies one value in command-line form. STRLIST appends. */
int config_apply_text(const struct pxe_config_item *items, void *base, const char *section,
                      const char *key, const char *text, char *err);
/* REQUIRED keys still unset give -EINVAL naming the key; report as for config_apply_json. */
int config_check_required(const struct pxe_config_item *items, void *base, const char *section,
                          char *err, config_report_fn report, void *ud);
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
