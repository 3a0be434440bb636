/* SPDX-License-Identifier: MIT */
/*
 * The core model as the loop thread changes it: plugins by name, services,
 * boot-method switches and host profiles.  Readers on other threads hold
 * model_lock (see core.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "events.h"

struct pxe_core *core_plugin_find(struct core *c, const char *name)
{
    for (struct pxe_core *p = c->plugins; p; p = p->next)
        if (strcmp(p->desc.name, name) == 0)
            return p;
    return NULL;
}

uint32_t core_service_port(struct core *c, const char *name)
{
    uint32_t port = 0;

    pthread_rwlock_rdlock(&c->model_lock);
    for (int i = 0; i < CORE_MAX_SERVICES; i++)
        if (c->services[i].name[0] && strcmp(c->services[i].name, name) == 0)
            port = c->services[i].port;
    pthread_rwlock_unlock(&c->model_lock);
    return port;
}

int core_method_set(struct core *c, const char *name, int enabled)
{
    struct pxe_core *p = core_plugin_find(c, name);
    int r = 0;

    if (!p || !p->enabled)
        return -ENOENT;
    if (!plugin_is_method(p))
        return -EINVAL;
    enabled = !!enabled;
    if (p->method_enabled == enabled)
        return 0;
    if (p->started && p->desc.method_set)
        r = p->desc.method_set(p->state, (uint32_t)enabled);
    if (r < 0)
        return r;
    p->method_enabled = enabled;
    events_addf("core", enabled ? "method.enabled" : "method.disabled", NULL, NULL, PXE_PHASE_NONE,
                "boot method %s %s", name, enabled ? "enabled" : "disabled");
    return 0;
}

const char *core_method_state(struct pxe_core *p, uint64_t *ret_sessions)
{
    uint64_t n = 0;

    if (p->started && p->desc.active_sessions)
        n = p->desc.active_sessions(p->state);
    if (ret_sessions)
        *ret_sessions = n;
    if (p->method_enabled)
        return "enabled";
    return n > 0 ? "draining" : "disabled";
}

int core_mac_normalize(const char *in, char out[18])
{
    unsigned v[6];
    int n = 0;
    const char *p = in;

    /* aa:bb:cc:dd:ee:ff, aa-bb-..., aabb.ccdd.eeff, aabbccddeeff (any case) */
    for (int i = 0; i < 6; i++) {
        int d;

        while (*p == ':' || *p == '-' || *p == '.')
            p++;
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
            return -EINVAL;
        d = sscanf(p, "%2x", &v[i]);
        if (d != 1)
            return -EINVAL;
        p += 2;
        n++;
        if (i < 5 && *p && *p != ':' && *p != '-' && *p != '.' && !isxdigit((unsigned char)*p))
            return -EINVAL;
    }
    if (*p || n != 6)
        return -EINVAL;
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", v[0], v[1], v[2], v[3], v[4], v[5]);
    return 0;
}

static void host_free(struct host *h)
{
    if (!h)
        return;
    free((char *)h->pub.mac);
    free((char *)h->pub.image);
    free((char *)h->pub.method);
    free((char *)h->pub.cmdline_extra);
    free(h);
}

const struct pxe_host *core_host_lookup(struct core *c, const char *mac)
{
    char norm[18];

    if (!mac || core_mac_normalize(mac, norm) < 0)
        return NULL;
    for (struct host *h = c->hosts; h; h = h->next)
        if (strcmp(h->pub.mac, norm) == 0)
            return &h->pub;
    return NULL;
}

static char *dup_opt(const char *s)
{
    return s ? strdup(s) : NULL;
}

int core_host_set(struct core *c, const struct pxe_host *in)
{
    struct host *h = calloc(1, sizeof(*h));
    char norm[18];

    if (!h)
        return -ENOMEM;
    if (core_mac_normalize(in->mac, norm) < 0) {
        free(h);
        return -EINVAL;
    }
    h->pub._struct_size = sizeof(h->pub);
    h->pub.mac = strdup(norm);
    h->pub.image = dup_opt(in->image);
    h->pub.method = dup_opt(in->method);
    h->pub.cmdline_extra = dup_opt(in->cmdline_extra);
    h->pub.boot_once = in->boot_once;
    h->pub.local_boot = in->local_boot;
    if (!h->pub.mac || (in->image && !h->pub.image) || (in->method && !h->pub.method) ||
        (in->cmdline_extra && !h->pub.cmdline_extra)) {
        host_free(h);
        return -ENOMEM;
    }
    core_host_delete(c, norm);
    h->next = c->hosts;
    c->hosts = h;
    return 0;
}

int core_host_delete(struct core *c, const char *mac)
{
    char norm[18];

    if (core_mac_normalize(mac, norm) < 0)
        return -EINVAL;
    for (struct host **pp = &c->hosts; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->pub.mac, norm) == 0) {
            struct host *h = *pp;

            *pp = h->next;
            host_free(h);
            return 0;
        }
    }
    return -ENOENT;
}

void core_hosts_free(struct core *c)
{
    while (c->hosts) {
        struct host *h = c->hosts;

        c->hosts = h->next;
        host_free(h);
    }
}
