/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the configuration reader (core/config.c): the input is
 * a configuration file.  Its "core" and "menu" sections go through the core's
 * own tables, every other object member through a table holding one key of
 * each type (as a plugin section would); the members of "text" go through
 * config_apply_text, the command-line form.  Besides not crashing and not
 * leaking, it checks that every refusal names a key and that a bounded value
 * that was accepted lies inside its bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct every {
    char *s, *addr, *path, **list;
    int64_t i;
    uint64_t u, dur;
    uint32_t b;
    json_t *j;
};

#define E(f) offsetof(struct every, f)
static const struct pxe_config_item every_items[] = {
    {"s", PXE_CFG_STR, 0, "x", E(s), "", NULL, 0, 0},
    {"addr", PXE_CFG_ADDR, 0, NULL, E(addr), "", NULL, 0, 0},
    {"path", PXE_CFG_PATH, 0, "${state_dir}/p", E(path), "", NULL, 0, 0},
    {"list", PXE_CFG_STRLIST, 0, NULL, E(list), "", NULL, 0, 0},
    {"i", PXE_CFG_INT, 0, "-3", E(i), "", NULL, -100, 100},
    {"u", PXE_CFG_UINT, 0, "7", E(u), "", NULL, 1, 65535},
    {"dur", PXE_CFG_DURATION, 0, "5s", E(dur), "", NULL, 1000, 3600000000},
    {"b", PXE_CFG_BOOL, 0, "false", E(b), "", NULL, 0, 0},
    {"j", PXE_CFG_JSON, 0, NULL, E(j), "", NULL, 0, 0},
    {0},
};

static void check(int r, const char *err)
{
    if (r < 0 && !err[0])
        abort(); /* a refusal always says which key and why */
}

static void check_bounds(const struct every *e)
{
    if (e->i < -100 || e->i > 100 || e->u < 1 || e->u > 65535 || e->dur < 1000 ||
        e->dur > 3600000000)
        abort();
}

static void section(const struct pxe_config_item *items, void *base, const char *name, json_t *obj)
{
    char err[CONFIG_ERR_MAX] = "";
    int r;

    if (config_defaults(items, base, name, err) < 0)
        abort(); /* the defaults of the tables above are valid */
    r = config_apply_json(items, base, name, obj, err, NULL, NULL);
    check(r, err);
    if (r == 0 && items == every_items)
        check_bounds(base);
    err[0] = '\0';
    check(config_check_required(items, base, name, err, NULL, NULL), err);
    config_free(items, base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    const char *key;
    json_t *v;

    config_set_state_dir("/var/lib/pxecore");
    if (!root)
        return 0;
    json_object_foreach(root, key, v)
    {
        struct core_settings cs;
        struct menu_settings ms;
        struct every e;

        memset(&cs, 0, sizeof(cs));
        memset(&ms, 0, sizeof(ms));
        memset(&e, 0, sizeof(e));
        if (strcmp(key, "core") == 0)
            section(core_settings_items, &cs, key, v);
        else if (strcmp(key, "menu") == 0)
            section(menu_settings_items, &ms, key, v);
        else if (strcmp(key, "text") == 0 && json_is_object(v)) {
            const char *k;
            json_t *t;
            char err[CONFIG_ERR_MAX];

            if (config_defaults(every_items, &e, key, err) < 0)
                abort();
            json_object_foreach(v, k, t)
            {
                int r;

                if (!json_is_string(t))
                    continue;
                err[0] = '\0';
                r = config_apply_text(every_items, &e, key, k, json_string_value(t), err);
                check(r, err);
                if (r == 0)
                    check_bounds(&e);
            }
            config_free(every_items, &e);
        } else if (json_is_string(v)) {
            uint64_t usec;

            (void)config_parse_duration(json_string_value(v), &usec);
        } else {
            section(every_items, &e, key, v);
        }
    }
    json_decref(root);
    return 0;
}
