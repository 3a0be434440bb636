/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the ISO 9660 reader (core/iso.c).  The input is an ISO
 * image from sector 16 on (the 32 KiB system area is implied zero, keeping the
 * corpus small).  A parsed image is walked completely and probed with lookups
 * that go through "..", symlinks and missing names.
 *
 * Built with -DPXE_FUZZ=ON (clang): images_fuzz_iso [corpus dir].  Always built
 * as images_fuzz_iso_replay (tests/lib/fuzz_replay.c), a ctest that runs every
 * file of corpus/ through the target.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
    const struct iso *iso;
    char path[1024];
    int depth;
    unsigned visits;
};

static int walk_dir(struct walk *w);

static int walk_cb(void *ud, const char *name, const struct iso_stat *st)
{
    struct walk *w = ud;
    size_t len = strlen(w->path);
    struct iso_stat lst;

    if (++w->visits > 100000)
        return 1;
    if (len + strlen(name) + 2 >= sizeof(w->path))
        return 0;
    snprintf(w->path + len, sizeof(w->path) - len, "%s%s", len ? "/" : "", name);
    if (iso_lookup(w->iso, w->path, 1, &lst) == 0 && lst.type != st->type)
        abort(); /* listing and lookup disagree */
    if (st->type == ISO_DIR && iso_lookup(w->iso, w->path, 0, &lst) == 0 && lst.type == ISO_DIR &&
        w->depth < ISO_MAX_DEPTH + 2) {
        w->depth++;
        walk_dir(w);
        w->depth--;
    }
    w->path[len] = '\0';
    return 0;
}

static int walk_dir(struct walk *w)
{
    return iso_list(w->iso, w->path, walk_cb, w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const probes[] = {"arch/boot/x86_64/vmlinuz-linux",
                                         "..",
                                         "a/../..",
                                         "boot/../boot/./x",
                                         "a/link",
                                         "deep/d1/../d1",
                                         NULL};
    size_t total = 16 * ISO_SECTOR + size;
    uint8_t *img = calloc(1, total ? total : 1);
    struct iso *iso;
    char err[ISO_ERR_MAX];

    if (!img)
        return 0;
    memcpy(img + 16 * ISO_SECTOR, data, size);
    if (iso_open_mem(img, total, &iso, err, sizeof(err)) == 0) {
        struct walk w = {.iso = iso};
        struct iso_stat st;

        walk_dir(&w);
        for (int i = 0; probes[i]; i++)
            if (iso_lookup(iso, probes[i], 1, &st) == 0 && st.type == ISO_REG &&
                (st.offset > total || st.size > total - st.offset))
                abort(); /* an extent outside the image was accepted */
        (void)iso_label(iso);
        (void)iso_date_uuid(iso);
        iso_free(iso);
    } else if (!err[0]) {
        abort(); /* every refusal carries a message */
    }
    free(img);
    return 0;
}
