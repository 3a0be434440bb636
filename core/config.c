/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static char state_dir_value[4096] = "/var/lib/pxecore";

void config_set_state_dir(const char *dir)
{
    snprintf(state_dir_value, sizeof(state_dir_value), "%s", dir);
}

const char *config_type_name(uint32_t type)
{
    switch (type) {
    case PXE_CFG_STR: return "string";
    case PXE_CFG_INT: return "integer";
    case PXE_CFG_UINT: return "unsigned integer";
    case PXE_CFG_BOOL: return "boolean";
    case PXE_CFG_ADDR: return "address";
    case PXE_CFG_PATH: return "path";
    case PXE_CFG_DURATION: return "duration";
    case PXE_CFG_STRLIST: return "list of strings";
    case PXE_CFG_JSON: return "JSON value";
    default: return NULL;
    }
}

static size_t type_size(uint32_t type)
{
    switch (type) {
    case PXE_CFG_STR:
    case PXE_CFG_ADDR:
    case PXE_CFG_PATH: return sizeof(char *);
    case PXE_CFG_INT: return sizeof(int64_t);
    case PXE_CFG_UINT:
    case PXE_CFG_DURATION: return sizeof(uint64_t);
    case PXE_CFG_BOOL: return sizeof(uint32_t);
    case PXE_CFG_STRLIST: return sizeof(char **);
    case PXE_CFG_JSON: return sizeof(json_t *);
    default: return 0;
    }
}

static int fail(char *err, const char *section, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, const char *section, const char *key, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(err, CONFIG_ERR_MAX, "%s%s%s: ", section ? section : "",
                     section ? "." : "", key ? key : "(table)");

    if (n < 0 || n >= CONFIG_ERR_MAX)
        n = 0;
    va_start(ap, fmt);
    vsnprintf(err + n, CONFIG_ERR_MAX - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

const struct pxe_config_item *config_find(const struct pxe_config_item *items, const char *key)
{
    for (; items && items->key; items++)
        if (strcmp(items->key, key) == 0)
            return items;
    return NULL;
}

static int valid_key(const char *k)
{
    if (!*k || strlen(k) > 63)
        return 0;
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
            return 0;
    return 1;
}

int config_table_check(const struct pxe_config_item *items, size_t size, char *err)
{
    for (const struct pxe_config_item *it = items; it && it->key; it++) {
        size_t ts = type_size(it->type);

        if (!valid_key(it->key))
            return fail(err, NULL, it->key, "invalid config key (must match [a-z0-9_]{1,63})");
        if (ts == 0)
            return fail(err, NULL, it->key, "unknown config type %u", it->type);
        if (it->offset + ts > size || it->offset % (ts > 8 ? 8 : ts) != 0)
            return fail(err, NULL, it->key, "offset %zu outside the config struct (%zu bytes)",
                        it->offset, size);
        if (strcmp(it->key, "enabled") == 0)
            return fail(err, NULL, it->key, "key 'enabled' is reserved for the core");
        if (config_find(it + 1, it->key))
            return fail(err, NULL, it->key, "duplicate config key");
    }
    return 0;
}

int config_parse_duration(const char *s, uint64_t *ret_usec)
{
    char *end;
    double v, mul = 1e6;

    errno = 0;
    v = strtod(s, &end);
    if (end == s || errno || v < 0 || !isfinite(v))
        return -EINVAL;
    if (*end == '\0' || strcmp(end, "s") == 0)
        mul = 1e6;
    else if (strcmp(end, "ms") == 0)
        mul = 1e3;
    else if (strcmp(end, "us") == 0)
        mul = 1;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        mul = 60e6;
    else if (strcmp(end, "h") == 0)
        mul = 3600e6;
    else if (strcmp(end, "d") == 0)
        mul = 86400e6;
    else
        return -EINVAL;
    if (v * mul > 1e18)
        return -ERANGE;
    *ret_usec = (uint64_t)(v * mul + 0.5);
    return 0;
}

static char *expand(const char *s)
{
    const char *tok = "${state_dir}";
    const char *p = strstr(s, tok);
    char *out;

    if (!p)
        return strdup(s);
    out = malloc(strlen(s) + strlen(state_dir_value) + 1);
    if (!out)
        return NULL;
    sprintf(out, "%.*s%s%s", (int)(p - s), s, state_dir_value, p + strlen(tok));
    return out;
}

static void free_value(const struct pxe_config_item *it, void *base)
{
    char *field = (char *)base + it->offset;

    switch (it->type) {
    case PXE_CFG_STR:
    case PXE_CFG_ADDR:
    case PXE_CFG_PATH: {
        char **p = (char **)field;

        free(*p);
        *p = NULL;
        break;
    }
    case PXE_CFG_STRLIST: {
        char ***p = (char ***)field;

        for (char **q = *p; q && *q; q++)
            free(*q);
        free(*p);
        *p = NULL;
        break;
    }
    case PXE_CFG_JSON: {
        json_t **p = (json_t **)field;

        json_decref(*p);
        *p = NULL;
        break;
    }
    default: break;
    }
}

static int check_range(const struct pxe_config_item *it, const char *section, int64_t v,
                       char *err)
{
    if (it->min < it->max && (v < it->min || v > it->max))
        return fail(err, section, it->key, "value %" PRId64 " out of range %" PRId64 "..%" PRId64,
                    v, it->min, it->max);
    return 0;
}

static int strlist_append(char ***p, const char *s)
{
    size_t n = 0;
    char **l;

    while (*p && (*p)[n])
        n++;
    if (n >= 4096)
        return -E2BIG;
    l = realloc(*p, (n + 2) * sizeof(char *));
    if (!l)
        return -ENOMEM;
    *p = l;
    l[n] = strdup(s);
    l[n + 1] = NULL;
    return l[n] ? 0 : -ENOMEM;
}

/* Stores an INT, UINT or DURATION given as text, range-checked. */
static int set_number(const struct pxe_config_item *it, char *field, const char *section,
                      const char *text, char *err)
{
    char *end;

    switch (it->type) {
    case PXE_CFG_INT: {
        long long v;

        errno = 0;
        v = strtoll(text, &end, 0);
        if (errno || end == text || *end)
            return fail(err, section, it->key, "'%s' is not an integer", text);
        if (check_range(it, section, v, err) < 0)
            return -EINVAL;
        *(int64_t *)field = v;
        return 0;
    }
    case PXE_CFG_UINT: {
        unsigned long long v;

        errno = 0;
        v = strtoull(text, &end, 0);
        if (errno || end == text || *end || text[0] == '-')
            return fail(err, section, it->key, "'%s' is not an unsigned integer", text);
        if (v > INT64_MAX || check_range(it, section, (int64_t)v, err) < 0)
            return v > INT64_MAX ? fail(err, section, it->key, "value too large") : -EINVAL;
        *(uint64_t *)field = v;
        return 0;
    }
    case PXE_CFG_DURATION: {
        uint64_t v;

        if (config_parse_duration(text, &v) < 0)
            return fail(err, section, it->key, "'%s' is not a duration (e.g. 5s, 250ms)", text);
        if (v > INT64_MAX || check_range(it, section, (int64_t)v, err) < 0)
            return -EINVAL;
        *(uint64_t *)field = v;
        return 0;
    }
    }
    return fail(err, section, it->key, "unknown type");
}

/* Stores a value given as text (CLI flag or default_text). */
static int set_text(const struct pxe_config_item *it, void *base, const char *section,
                    const char *text, char *err)
{
    char *field = (char *)base + it->offset;

    switch (it->type) {
    case PXE_CFG_ADDR: {
        unsigned char tmp[16];

        if (inet_pton(AF_INET, text, tmp) != 1 && inet_pton(AF_INET6, text, tmp) != 1)
            return fail(err, section, it->key, "'%s' is not an IPv4 or IPv6 address", text);
    }
        /* fall through */
    case PXE_CFG_STR:
    case PXE_CFG_PATH: {
        char *v = expand(text);

        if (!v)
            return -ENOMEM;
        if (strlen(v) > 4095) {
            free(v);
            return fail(err, section, it->key, "value longer than 4095 bytes");
        }
        free(*(char **)field);
        *(char **)field = v;
        return 0;
    }
    case PXE_CFG_INT:
    case PXE_CFG_UINT:
    case PXE_CFG_DURATION:
        return set_number(it, field, section, text, err);
    case PXE_CFG_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "1") || !strcmp(text, "yes") ||
            !strcmp(text, "on"))
            *(uint32_t *)field = 1;
        else if (!strcmp(text, "false") || !strcmp(text, "0") || !strcmp(text, "no") ||
                 !strcmp(text, "off"))
            *(uint32_t *)field = 0;
        else
            return fail(err, section, it->key, "'%s' is not a boolean", text);
        return 0;
    case PXE_CFG_STRLIST: {
        char *v = expand(text);
        int r;

        if (!v)
            return -ENOMEM;
        r = strlist_append((char ***)field, v);
        free(v);
        return r == -E2BIG ? fail(err, section, it->key, "too many entries") : r;
    }
    case PXE_CFG_JSON: {
        json_error_t je;
        json_t *v = json_loads(text, JSON_DECODE_ANY, &je);

        if (!v)
            return fail(err, section, it->key, "invalid JSON: %s", je.text);
        json_decref(*(json_t **)field);
        *(json_t **)field = v;
        return 0;
    }
    }
    return fail(err, section, it->key, "unknown type");
}

int config_defaults(const struct pxe_config_item *items, void *base, const char *section,
                    char *err)
{
    for (const struct pxe_config_item *it = items; it && it->key; it++) {
        int r;

        if (!it->default_text)
            continue;
        if (it->type == PXE_CFG_STRLIST && it->default_text[0] == '\0')
            continue;
        r = set_text(it, base, section, it->default_text, err);
        if (r < 0)
            return r;
    }
    return 0;
}

int config_apply_text(const struct pxe_config_item *items, void *base, const char *section,
                      const char *key, const char *text, char *err)
{
    const struct pxe_config_item *it = config_find(items, key);

    if (!it)
        return fail(err, section, key, "unknown key");
    return set_text(it, base, section, text, err);
}

static int set_json(const struct pxe_config_item *it, void *base, const char *section,
                    json_t *v, char *err)
{
    char *field = (char *)base + it->offset;
    char num[64];

    switch (it->type) {
    case PXE_CFG_STR:
    case PXE_CFG_ADDR:
    case PXE_CFG_PATH:
        if (!json_is_string(v))
            return fail(err, section, it->key, "must be a string");
        if (strlen(json_string_value(v)) != json_string_length(v))
            return fail(err, section, it->key, "must not contain NUL");
        return set_text(it, base, section, json_string_value(v), err);
    case PXE_CFG_INT:
    case PXE_CFG_UINT:
        if (!json_is_integer(v))
            return fail(err, section, it->key, "must be an integer");
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return set_text(it, base, section, num, err);
    case PXE_CFG_BOOL:
        if (!json_is_boolean(v))
            return fail(err, section, it->key, "must be true or false");
        *(uint32_t *)field = json_is_true(v);
        return 0;
    case PXE_CFG_DURATION:
        if (json_is_number(v)) {
            snprintf(num, sizeof(num), "%.6f", json_number_value(v));
            return set_text(it, base, section, num, err);
        }
        if (!json_is_string(v))
            return fail(err, section, it->key, "must be a number of seconds or a string like \"5s\"");
        return set_text(it, base, section, json_string_value(v), err);
    case PXE_CFG_STRLIST: {
        size_t i;
        json_t *e;

        if (!json_is_array(v))
            return fail(err, section, it->key, "must be an array of strings");
        free_value(it, base);
        json_array_foreach (v, i, e) {
            int r;

            if (!json_is_string(e))
                return fail(err, section, it->key, "element %zu must be a string", i);
            r = set_text(it, base, section, json_string_value(e), err);
            if (r < 0)
                return r;
        }
        return 0;
    }
    case PXE_CFG_JSON:
        json_decref(*(json_t **)field);
        *(json_t **)field = json_incref(v);
        return 0;
    }
    return fail(err, section, it->key, "unknown type");
}

int config_apply_json(const struct pxe_config_item *items, void *base, const char *section,
                      json_t *obj, char *err)
{
    const char *key;
    json_t *v;

    if (!obj)
        return 0;
    if (!json_is_object(obj))
        return fail(err, section, NULL, "must be a JSON object");
    json_object_foreach (obj, key, v) {
        const struct pxe_config_item *it;
        int r;

        if (strcmp(key, "enabled") == 0)
            continue;
        it = config_find(items, key);
        if (!it)
            return fail(err, section, key, "unknown key");
        r = set_json(it, base, section, v, err);
        if (r < 0)
            return r;
    }
    return 0;
}

int config_check_required(const struct pxe_config_item *items, void *base, const char *section,
                          char *err)
{
    for (const struct pxe_config_item *it = items; it && it->key; it++) {
        char *field = (char *)base + it->offset;

        if (!(it->flags & PXE_CFG_REQUIRED))
            continue;
        switch (it->type) {
        case PXE_CFG_STR:
        case PXE_CFG_ADDR:
        case PXE_CFG_PATH:
        case PXE_CFG_STRLIST:
        case PXE_CFG_JSON:
            if (*(void **)field == NULL)
                return fail(err, section, it->key, "required key missing");
            break;
        default: break;
        }
    }
    return 0;
}

void config_free(const struct pxe_config_item *items, void *base)
{
    for (const struct pxe_config_item *it = items; it && it->key; it++)
        free_value(it, base);
}

json_t *config_schema(const struct pxe_config_item *items)
{
    json_t *arr = json_array();

    for (const struct pxe_config_item *it = items; arr && it && it->key; it++) {
        json_t *o = json_pack("{s:s, s:s, s:b, s:b}", "key", it->key, "type",
                              config_type_name(it->type), "required",
                              !!(it->flags & PXE_CFG_REQUIRED), "secret",
                              !!(it->flags & PXE_CFG_SECRET));

        if (!o)
            continue;
        if (it->default_text && !(it->flags & PXE_CFG_SECRET))
            json_object_set_new(o, "default", json_string(it->default_text));
        if (it->help)
            json_object_set_new(o, "help", json_string(it->help));
        if (it->cli_flag)
            json_object_set_new(o, "cli_flag", json_string(it->cli_flag));
        if (it->min < it->max) {
            json_object_set_new(o, "min", json_integer(it->min));
            json_object_set_new(o, "max", json_integer(it->max));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}
