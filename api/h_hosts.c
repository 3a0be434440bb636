/* SPDX-License-Identifier: MIT */
/* GET /hosts, GET/PUT/DELETE /hosts/{mac}: per-machine boot profiles. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

int h_hosts(struct api_request *rq, json_t **ret)
{
    json_t *a = json_array();

    for (struct host *h = rq->core->hosts; a && h; h = h->next)
        json_array_append_new(a, state_host_json(&h->pub));
    *ret = json_pack("{s:o}", "hosts", a);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}

/* Copies the current profile of mac (to restore it if saving fails). */
static int snapshot(struct core *c, const char *mac, struct pxe_host *out)
{
    const struct pxe_host *h = core_host_lookup(c, mac);

    memset(out, 0, sizeof(*out));
    if (!h)
        return 0;
    *out = *h;
    out->mac = strdup(h->mac);
    out->image = h->image ? strdup(h->image) : NULL;
    out->method = h->method ? strdup(h->method) : NULL;
    out->cmdline_extra = h->cmdline_extra ? strdup(h->cmdline_extra) : NULL;
    if (!out->mac || (h->image && !out->image) || (h->method && !out->method) ||
        (h->cmdline_extra && !out->cmdline_extra))
        return -ENOMEM;
    return 1;
}

static void snapshot_free(struct pxe_host *h)
{
    free((char *)h->mac);
    free((char *)h->image);
    free((char *)h->method);
    free((char *)h->cmdline_extra);
}

static void restore(struct core *c, const char *mac, int had, const struct pxe_host *old)
{
    if (had)
        core_host_set(c, old);
    else
        core_host_delete(c, mac);
}

static int host_put(struct api_request *rq, const char *mac, json_t **ret)
{
    struct core *c = rq->core;
    struct state_host sh;
    struct pxe_host h = {._struct_size = sizeof(h)}, old;
    struct pxe_core *mp;
    int had, r, n = 0;

    r = validate_host_put(rq->body, mac, &sh, &rq->err);
    if (r)
        return r;
    if (sh.image) {
        int found = 0;

        for (uint32_t i = 0; i < c->n_images; i++)
            found |= strcmp(c->images[i]->pub.name, sh.image) == 0;
        if (!found && !core_entry_find(c, sh.image))
            return api_fail(rq, 409, "unknown_image", "image: no image or entry named '%s'",
                            sh.image);
    }
    mp = sh.method ? core_plugin_find(c, sh.method) : NULL;
    if (sh.method && (!mp || !plugin_is_method(mp)))
        return api_fail(rq, 409, "unknown_method", "method: no boot method named '%s'", sh.method);
    for (struct host *x = c->hosts; x; x = x->next)
        n++;
    had = snapshot(c, mac, &old);
    if (had < 0) {
        snapshot_free(&old);
        return api_fail(rq, 500, "internal", "out of memory");
    }
    if (!had && n >= STATE_MAX_HOSTS)
        return api_fail(rq, 409, "too_many_hosts", "at most %d host profiles", STATE_MAX_HOSTS);
    h.mac = mac;
    h.image = sh.image;
    h.method = sh.method;
    h.cmdline_extra = sh.cmdline_extra;
    h.boot_once = (uint32_t)sh.boot_once;
    h.local_boot = (uint32_t)sh.local_boot;
    r = core_host_set(c, &h);
    if (r < 0) {
        snapshot_free(&old);
        return api_fail(rq, 500, "internal", "cannot store the profile: %s", strerror(-r));
    }
    r = api_save(rq);
    if (r) {
        restore(c, mac, had, &old);
        snapshot_free(&old);
        return r;
    }
    snapshot_free(&old);
    events_addf("api", "host.set", mac, NULL, PXE_PHASE_NONE, "host profile %s",
                had ? "replaced" : "created");
    api_changed(rq, "host %s %s", mac, had ? "replaced" : "created");
    *ret = state_host_json(core_host_lookup(c, mac));
    return had ? 200 : 201;
}

static int host_delete(struct api_request *rq, const char *mac, json_t **ret)
{
    struct pxe_host old;
    int had = snapshot(rq->core, mac, &old), r;

    if (had <= 0) {
        snapshot_free(&old);
        return had < 0 ? api_fail(rq, 500, "internal", "out of memory")
                       : api_fail(rq, 404, "not_found", "no profile for %s", mac);
    }
    core_host_delete(rq->core, mac);
    r = api_save(rq);
    if (r) {
        restore(rq->core, mac, 1, &old);
        snapshot_free(&old);
        return r;
    }
    snapshot_free(&old);
    events_addf("api", "host.deleted", mac, NULL, PXE_PHASE_NONE, "host profile deleted");
    api_changed(rq, "host %s deleted", mac);
    *ret = json_pack("{s:s, s:b}", "mac", mac, "deleted", 1);
    return 200;
}

int h_host(struct api_request *rq, json_t **ret)
{
    const char *mac = rq->m->param[0]; /* normalised by the validator */
    const struct pxe_host *h;

    if (strcmp(rq->method, "PUT") == 0)
        return host_put(rq, mac, ret);
    if (strcmp(rq->method, "DELETE") == 0)
        return host_delete(rq, mac, ret);
    h = core_host_lookup(rq->core, mac);
    if (!h)
        return api_fail(rq, 404, "not_found", "no profile for %s", mac);
    *ret = state_host_json(h);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}
