/* SPDX-License-Identifier: MIT */
/* GET /images, GET /images/{name}: the boot images and what was detected in them. */
#include <string.h>

#include "api_int.h"

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

int h_images(struct api_request *rq, json_t **ret)
{
    json_t *a = json_array();

    for (uint32_t i = 0; a && i < rq->core->n_images; i++)
        json_array_append_new(a, json_image(rq->core->images[i], i == 0));
    *ret = json_pack("{s:o}", "images", a);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}

int h_image(struct api_request *rq, json_t **ret)
{
    for (uint32_t i = 0; i < rq->core->n_images; i++)
        if (strcmp(rq->core->images[i]->pub.name, rq->m->param[0]) == 0) {
            *ret = json_image(rq->core->images[i], i == 0);
            return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
        }
    return api_fail(rq, 404, "not_found", "no image named '%s'", rq->m->param[0]);
}
