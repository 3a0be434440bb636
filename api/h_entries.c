/* SPDX-License-Identifier: MIT */
/* GET /api/v1/entries, GET/PUT/DELETE /api/v1/entries/{name}: generic boot entries. */
#include <errno.h>
#include <string.h>

#include "api_int.h"

int h_entries(struct api_request *rq, json_t **ret)
{
    json_t *a = json_array();

    for (const struct gen_entry *e = rq->core->entries; a && e; e = e->next)
        json_array_append_new(a, entry_json(e));
    *ret = json_pack("{s:o}", "entries", a);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}

/* The entry named name, copied (to put back when saving the state fails). 1, 0 or -ENOMEM. */
static int snapshot(struct core *c, const char *name, struct gen_entry *out)
{
    const struct gen_entry *e = core_entry_find(c, name);
    json_t *j = e ? entry_json(e) : NULL;
    char field[64], why[160];
    int r;

    memset(out, 0, sizeof(*out));
    if (!e)
        return 0;
    r = j ? entry_parse(j, NULL, out, field, why) : -ENOMEM;
    json_decref(j);
    out->from_config = e->from_config;
    return r < 0 ? -ENOMEM : 1;
}

static int entry_put(struct api_request *rq, const char *name, json_t **ret)
{
    struct core *c = rq->core;
    struct gen_entry e, old;
    json_t *n = json_object_get(rq->body, "name");
    char field[64], why[160];
    int had, r;

    if (n && (!json_is_string(n) || strcmp(json_string_value(n), name) != 0))
        return api_fail(rq, 400, "invalid_field", "name: differs from the name in the path");
    json_object_del(rq->body, "name");
    r = entry_parse(rq->body, name, &e, field, why);
    if (r == -EINVAL)
        return api_fail(rq, 400, "invalid_field", "%s: %s", field, why);
    if (r < 0 || (had = snapshot(c, name, &old)) < 0) {
        entry_free(&e);
        return api_fail(rq, 500, "internal", "out of memory");
    }
    r = core_entry_set(c, &e);
    if (r < 0) {
        entry_free(&e);
        entry_free(&old);
        return r == -E2BIG
                   ? api_fail(rq, 409, "too_many_entries", "at most %d entries", ENTRIES_MAX)
                   : api_fail(rq, 500, "internal", "out of memory");
    }
    r = api_save(rq);
    if (r) { /* the state file keeps the old entry: so does the daemon */
        if (had)
            core_entry_set(c, &old);
        else
            core_entry_delete(c, name);
        entry_free(&old);
        return r;
    }
    entry_free(&old);
    api_changed(rq, "entry %s %s", name, had ? "replaced" : "created");
    *ret = entry_json(core_entry_find(c, name));
    return had ? 200 : 201;
}

static int entry_delete(struct api_request *rq, const char *name, json_t **ret)
{
    struct gen_entry old;
    int r, had = snapshot(rq->core, name, &old);

    if (had <= 0)
        return had < 0 ? api_fail(rq, 500, "internal", "out of memory")
                       : api_fail(rq, 404, "not_found", "no entry named '%s'", name);
    core_entry_delete(rq->core, name);
    r = api_save(rq);
    if (r) {
        core_entry_set(rq->core, &old);
        entry_free(&old);
        return r;
    }
    api_changed(rq, "entry %s deleted%s", name,
                old.from_config ? " (it returns at restart: it is in the config)" : "");
    entry_free(&old);
    *ret = json_pack("{s:s, s:b}", "name", name, "deleted", 1);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}

int h_entry(struct api_request *rq, json_t **ret)
{
    const char *name = rq->m->param[0];
    const struct gen_entry *e;

    if (!strcmp(rq->method, "PUT"))
        return entry_put(rq, name, ret);
    if (!strcmp(rq->method, "DELETE"))
        return entry_delete(rq, name, ret);
    e = core_entry_find(rq->core, name);
    if (!e)
        return api_fail(rq, 404, "not_found", "no entry named '%s'", name);
    *ret = entry_json(e);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}
