/* SPDX-License-Identifier: MIT */
/* Declarative config tables: defaults, JSON, CLI text, errors naming the key. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tap.h"

struct cfg {
    char *name;
    int64_t delta;
    uint64_t port;
    uint32_t flag;
    char *addr;
    uint64_t wait;
    char **list;
    json_t *table;
    char *needed;
};

#define O(f) offsetof(struct cfg, f)
static const struct pxe_config_item items[] = {
    {"name", PXE_CFG_STR, 0, "dflt", O(name), "a name", "name", 0, 0},
    {"delta", PXE_CFG_INT, 0, "-5", O(delta), NULL, NULL, -10, 10},
    {"port", PXE_CFG_UINT, 0, "69", O(port), NULL, "port", 1, 65535},
    {"flag", PXE_CFG_BOOL, 0, "false", O(flag), NULL, "flag", 0, 0},
    {"addr", PXE_CFG_ADDR, 0, NULL, O(addr), NULL, NULL, 0, 0},
    {"wait", PXE_CFG_DURATION, 0, "250ms", O(wait), NULL, NULL, 0, 0},
    {"list", PXE_CFG_STRLIST, 0, NULL, O(list), NULL, NULL, 0, 0},
    {"table", PXE_CFG_JSON, 0, NULL, O(table), NULL, NULL, 0, 0},
    {"needed", PXE_CFG_PATH, PXE_CFG_REQUIRED, NULL, O(needed), NULL, NULL, 0, 0},
    {0},
};

static char err[CONFIG_ERR_MAX];

TEST(table_check_accepts_valid_and_refuses_bad_offsets)
{
    static const struct pxe_config_item bad[] = {
        {"x", PXE_CFG_UINT, 0, NULL, 1000, NULL, NULL, 0, 0},
        {0},
    };
    static const struct pxe_config_item badkey[] = {
        {"Bad-Key", PXE_CFG_STR, 0, NULL, 0, NULL, NULL, 0, 0},
        {0},
    };

    EXPECT_EQ_INT(config_table_check(items, sizeof(struct cfg), err), 0);
    EXPECT_EQ_INT(config_table_check(bad, sizeof(struct cfg), err), -EINVAL);
    EXPECT(strstr(err, "x: offset") != NULL);
    EXPECT_EQ_INT(config_table_check(badkey, sizeof(struct cfg), err), -EINVAL);
}

TEST(defaults_then_json_then_text)
{
    struct cfg c = {0};
    json_t *j = json_pack("{s:s, s:i, s:b, s:s, s:[s,s], s:{s:i}, s:s, s:f}", "name", "file",
                          "port", 4011, "flag", 1, "addr", "192.0.2.1", "list", "a", "b",
                          "table", "k", 1, "needed", "/x", "wait", 1.5);

    EXPECT_EQ_INT(config_defaults(items, &c, "t", err), 0);
    EXPECT_EQ_STR(c.name, "dflt");
    EXPECT_EQ_INT(c.delta, -5);
    EXPECT_EQ_INT(c.port, 69);
    EXPECT_EQ_INT(c.wait, 250000);
    EXPECT_EQ_INT(config_apply_json(items, &c, "t", j, err, NULL, NULL), 0);
    EXPECT_EQ_STR(c.name, "file");
    EXPECT_EQ_INT(c.port, 4011);
    EXPECT_EQ_INT(c.flag, 1);
    EXPECT_EQ_STR(c.list[0], "a");
    EXPECT_EQ_STR(c.list[1], "b");
    EXPECT(c.list[2] == NULL);
    EXPECT_EQ_INT(c.wait, 1500000);
    EXPECT_EQ_INT(json_integer_value(json_object_get(c.table, "k")), 1);
    EXPECT_EQ_INT(config_apply_text(items, &c, "t", "list", "c", err), 0);
    EXPECT_EQ_STR(c.list[2], "c");
    EXPECT_EQ_INT(config_apply_text(items, &c, "t", "wait", "2m", err), 0);
    EXPECT_EQ_INT(c.wait, 120000000);
    EXPECT_EQ_INT(config_check_required(items, &c, "t", err, NULL, NULL), 0);
    config_free(items, &c);
    EXPECT(c.name == NULL && c.list == NULL && c.table == NULL);
    json_decref(j);
}

TEST(errors_name_the_key)
{
    struct cfg c = {0};
    json_t *j;

    config_defaults(items, &c, "plugins.t", err);
    j = json_pack("{s:s}", "port", "69");
    EXPECT_EQ_INT(config_apply_json(items, &c, "plugins.t", j, err, NULL, NULL), -EINVAL);
    EXPECT_EQ_STR(err, "plugins.t.port: must be an integer");
    json_decref(j);
    j = json_pack("{s:i}", "nosuch", 1);
    EXPECT_EQ_INT(config_apply_json(items, &c, "plugins.t", j, err, NULL, NULL), -EINVAL);
    EXPECT_EQ_STR(err, "plugins.t.nosuch: unknown key");
    json_decref(j);
    EXPECT_EQ_INT(config_apply_text(items, &c, "plugins.t", "port", "70000", err), -EINVAL);
    EXPECT(strstr(err, "plugins.t.port: value 70000 out of range") == err);
    EXPECT_EQ_INT(config_apply_text(items, &c, "plugins.t", "delta", "11", err), -EINVAL);
    EXPECT_EQ_INT(config_apply_text(items, &c, "plugins.t", "addr", "999.1.1.1", err), -EINVAL);
    EXPECT(strstr(err, "plugins.t.addr:") == err);
    EXPECT_EQ_INT(config_apply_text(items, &c, "plugins.t", "flag", "maybe", err), -EINVAL);
    EXPECT_EQ_INT(config_apply_text(items, &c, "plugins.t", "wait", "5 parsecs", err), -EINVAL);
    EXPECT_EQ_INT(config_apply_text(items, &c, "plugins.t", "table", "{bad", err), -EINVAL);
    EXPECT_EQ_INT(config_check_required(items, &c, "plugins.t", err, NULL, NULL), -EINVAL);
    EXPECT_EQ_STR(err, "plugins.t.needed: required key missing");
    config_free(items, &c);
}

/* Collects what a report callback is given, one message a line. */
static void collect(const char *msg, void *ud)
{
    char *all = ud;
    size_t n = strlen(all);

    snprintf(all + n, 1024 - n, "%s\n", msg);
}

TEST(every_error_is_reported_and_good_keys_still_apply)
{
    struct cfg c = {0};
    char all[1024] = "";
    json_t *j = json_pack("{s:s, s:i, s:s, s:s}", "port", "69", "nosuch", 1, "name", "kept", "wait",
                          "soon");

    config_defaults(items, &c, "plugins.t", err);
    EXPECT_EQ_INT(config_apply_json(items, &c, "plugins.t", j, err, collect, all), -EINVAL);
    EXPECT(strstr(all, "plugins.t.port: must be an integer\n") != NULL);
    EXPECT(strstr(all, "plugins.t.nosuch: unknown key\n") != NULL);
    EXPECT(strstr(all, "plugins.t.wait: 'soon' is not a duration") != NULL);
    EXPECT_EQ_STR(c.name, "kept");
    all[0] = '\0';
    EXPECT_EQ_INT(config_check_required(items, &c, "plugins.t", err, collect, all), -EINVAL);
    EXPECT_EQ_STR(all, "plugins.t.needed: required key missing\n");
    json_decref(j);
    j = json_pack("{s:s}", "name", "fine");
    all[0] = '\0';
    EXPECT_EQ_INT(config_apply_json(items, &c, "plugins.t", j, err, collect, all), 0);
    EXPECT_EQ_STR(all, "");
    json_decref(j);
    config_free(items, &c);
}

TEST(state_dir_is_expanded)
{
    struct cfg c = {0};

    config_set_state_dir("/srv/state");
    EXPECT_EQ_INT(config_apply_text(items, &c, "t", "needed", "${state_dir}/x.json", err), 0);
    EXPECT_EQ_STR(c.needed, "/srv/state/x.json");
    config_free(items, &c);
}

TEST(durations)
{
    uint64_t v;

    EXPECT_EQ_INT(config_parse_duration("5", &v), 0);
    EXPECT_EQ_INT(v, 5000000);
    EXPECT_EQ_INT(config_parse_duration("1h", &v), 0);
    EXPECT_EQ_INT(v, 3600000000ULL);
    EXPECT_EQ_INT(config_parse_duration("-1s", &v), -EINVAL);
    EXPECT_EQ_INT(config_parse_duration("", &v), -EINVAL);
    EXPECT_EQ_INT(config_parse_duration("nan", &v), -EINVAL);
}

int main(void)
{
    RUN(table_check_accepts_valid_and_refuses_bad_offsets);
    RUN(defaults_then_json_then_text);
    RUN(errors_name_the_key);
    RUN(every_error_is_reported_and_good_keys_still_apply);
    RUN(state_dir_is_expanded);
    RUN(durations);
    return tap_done();
}
