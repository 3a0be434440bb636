/* SPDX-License-Identifier: MIT */
/* GET /events?since=ID&limit=N and GET /clients/{mac}/timeline. */
#include <errno.h>
#include <stdlib.h>

#include "api_int.h"

/* A decimal query argument within [min, max]; absent gives def. 0 or an HTTP status. */
static int query_uint(struct api_request *rq, const char *key, uint64_t def, uint64_t min,
                      uint64_t max, uint64_t *ret)
{
    const char *s = api_query(rq, key);
    char *end;
    unsigned long long v;

    *ret = def;
    if (!s)
        return 0;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || v < min || v > max)
        return api_fail(rq, 400, "invalid_field", "%s: must be an integer from %llu to %llu", key,
                        (unsigned long long)min, (unsigned long long)max);
    *ret = v;
    return 0;
}

int h_events(struct api_request *rq, json_t **ret)
{
    uint64_t since, limit, last;
    json_t *ev;
    int r;

    r = query_uint(rq, "since", 0, 0, UINT64_MAX / 2, &since);
    if (r == 0)
        r = query_uint(rq, "limit", 100, 1, API_EVENTS_LIMIT, &limit);
    if (r)
        return r;
    ev = events_since(since, (uint32_t)limit);
    if (!ev)
        return api_fail(rq, 500, "internal", "out of memory");
    last = since;
    if (json_array_size(ev) > 0)
        last = (uint64_t)json_integer_value(
            json_object_get(json_array_get(ev, json_array_size(ev) - 1), "id"));
    *ret = json_pack("{s:o, s:I}", "events", ev, "last_id", (json_int_t)last);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}

int h_timeline(struct api_request *rq, json_t **ret)
{
    const char *mac = rq->m->param[0]; /* normalised by the validator */

    *ret = events_timeline(mac);
    if (!*ret)
        *ret = json_pack("{s:s, s:s, s:[]}", "mac", mac, "phase", "none", "events");
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}
