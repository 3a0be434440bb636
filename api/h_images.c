/* SPDX-License-Identifier: MIT */
/* GET /images, GET /images/{name}: the boot images and what was detected in them. */
#include <string.h>

#include "api_int.h"

/* "methods": which boot methods can serve the image now, and for the others why not. */
static json_t *json_image_methods(struct core *c, const struct pxe_image *img,
                                  const char *server_ip)
{
    json_t *a = json_array();

    for (struct pxe_core *p = c->plugins; a && p; p = p->next) {
        char why[512] = "";
        int ok;

        if (!plugin_is_method(p))
            continue;
        ok = kinds_method_serves(c, img, p, server_ip, why, sizeof(why));
        json_array_append_new(a, json_pack("{s:s, s:b, s:s?}", "method", p->desc.name, "serves", ok,
                                           "why_not", ok ? NULL : why));
    }
    return a;
}

json_t *json_image(const struct image *im, int is_default)
{
    const struct pxe_image *img = &im->pub;
    json_t *facts = json_object();

    for (size_t i = 0; facts && i < im->n_facts; i++)
        json_object_set_new(facts, im->facts[i].key, json_string(im->facts[i].value));
    return json_pack("{s:s, s:b, s:b, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, "
                     "s:s?, s:I, s:o*}",
                     "name", img->name, "default", is_default, "is_iso", (int)img->is_iso, "source",
                     img->source, "dir", img->dir, "kind", img->kind, "title", img->title,
                     "volume_id", img->volume_id, "arch", img->arch, "kernel", img->kernel,
                     "initrd", img->initrd, "rootfs", img->rootfs, "prefix", img->prefix, "size",
                     (json_int_t)img->size, "facts", facts);
}

/* The image's JSON with its methods, as a client reaching the API's address would see them. */
static json_t *json_image_full(struct api_request *rq, uint32_t i)
{
    json_t *j = json_image(rq->core->images[i], i == 0);
    char ip[46];

    api_local_ip(rq, ip);
    if (j)
        json_object_set_new(j, "methods",
                            json_image_methods(rq->core, &rq->core->images[i]->pub, ip));
    return j;
}

/* The kernel's signature as the Secure Boot chain sees it (docs/secure-boot.md). */
static json_t *with_signature(struct core *c, const struct pxe_image *img, json_t *o)
{
    char path[1024];

    if (o && img->kernel) {
        snprintf(path, sizeof(path), "%s%s", img->prefix, img->kernel);
        json_object_set_new(o, "kernel_signature", sboot_sig_json(c, path));
    }
    return o;
}

int h_images(struct api_request *rq, json_t **ret)
{
    json_t *a = json_array();

    for (uint32_t i = 0; a && i < rq->core->n_images; i++)
        json_array_append_new(a, with_signature(rq->core, &rq->core->images[i]->pub,
                                                json_image_full(rq, i)));
    *ret = json_pack("{s:o}", "images", a);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}

int h_image(struct api_request *rq, json_t **ret)
{
    for (uint32_t i = 0; i < rq->core->n_images; i++)
        if (strcmp(rq->core->images[i]->pub.name, rq->m->param[0]) == 0) {
            *ret = with_signature(rq->core, &rq->core->images[i]->pub, json_image_full(rq, i));
            return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
        }
    return api_fail(rq, 404, "not_found", "no image named '%s'", rq->m->param[0]);
}
