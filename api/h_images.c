/* SPDX-License-Identifier: MIT */
/* GET /images, GET /images/{name}: the boot images and what was detected in them. */
#include <string.h>

#include "api_int.h"

json_t *json_image(const struct pxe_image *img, int is_default)
{
    return json_pack("{s:s, s:b, s:b, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, "
                     "s:s?, s:I}",
                     "name", img->name, "default", is_default, "is_iso", (int)img->is_iso, "source",
                     img->source, "dir", img->dir, "label", img->label, "uuid", img->uuid,
                     "basedir", img->basedir, "arch", img->arch, "kernel", img->kernel, "initrd",
                     img->initrd, "rootfs", img->rootfs, "prefix", img->prefix, "size",
                     (json_int_t)img->size);
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
                                                json_image(&rq->core->images[i]->pub, i == 0)));
    *ret = json_pack("{s:o}", "images", a);
    return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
}

int h_image(struct api_request *rq, json_t **ret)
{
    for (uint32_t i = 0; i < rq->core->n_images; i++)
        if (strcmp(rq->core->images[i]->pub.name, rq->m->param[0]) == 0) {
            *ret = with_signature(rq->core, &rq->core->images[i]->pub,
                                  json_image(&rq->core->images[i]->pub, i == 0));
            return *ret ? 200 : api_fail(rq, 500, "internal", "out of memory");
        }
    return api_fail(rq, 404, "not_found", "no image named '%s'", rq->m->param[0]);
}
