/* SPDX-License-Identifier: MIT */
/*
 * Inside the ISO 9660 reader (iso.h is its contract): the parsed tree and
 * what its files share.  iso.c reads the volume descriptors and opens;
 * iso_record.c reads bytes, numbers, dates and directory records and grows
 * the node and name tables; iso_names.c gives an entry its name (Rock Ridge
 * SUSP/RRIP, Joliet, plain ISO 9660); iso_dir.c walks the directories;
 * iso_lookup.c answers lookups and listings.
 */
#ifndef PXE_CORE_ISO_INT_H
#define PXE_CORE_ISO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "iso.h"

#define ISO_PATH_MAX   4096
#define ISO_MAX_CE_LEN (4 * ISO_SECTOR)

/* Directory record flags (ECMA-119 9.1.6). */
#define FL_DIR   0x02
#define FL_ASSOC 0x04
#define FL_MULTI 0x80

struct node {
    uint32_t name;   /* offset in names */
    uint32_t target; /* symlinks: offset of the target in names */
    uint32_t parent;
    uint32_t first, count; /* directories: children, once read */
    uint8_t type;          /* enum iso_type */
    uint8_t depth;
    uint8_t fragmented;
    uint8_t size_unknown; /* Rock Ridge CL: size comes from the "." record */
    uint64_t offset, size;
    int64_t mtime;
};

struct iso {
    int fd;
    const uint8_t *mem;
    uint64_t size;
    struct node *nodes;
    uint32_t n, cap;
    char *names;
    size_t names_len, names_cap;
    uint32_t *seen; /* open-addressing set of directory sectors + 1 */
    uint32_t seen_n, seen_cap;
    uint64_t dir_bytes, ce_bytes;
    int rr, joliet;
    unsigned skp; /* SUSP bytes to skip at the start of each system use area */
    char label[33];
    char uuid[24];
    char *err;
    size_t errlen;
};

/* Rock Ridge fields gathered from one directory record's system use entries. */
struct rr {
    char name[ISO_MAX_NAME + 1];
    size_t name_len;
    int has_name;
    char link[ISO_MAX_LINK + 1];
    size_t link_len;
    int has_link, link_cont;
    uint32_t mode;
    int has_mode;
    int64_t mtime;
    int has_mtime;
    uint32_t cl;
    int has_cl, re;
};

/* One parsed directory record. */
struct rec {
    uint8_t flags;
    uint64_t lba;
    uint64_t size;
    int64_t mtime;
    const uint8_t *id;
    size_t id_len;
    const uint8_t *su;
    size_t su_len;
};

/* iso_record.c */
/* Records the first error message (printf-style) in iso->err; returns r. */
int iso_fail(struct iso *iso, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint32_t iso_le32(const uint8_t *p);
uint16_t iso_le16(const uint8_t *p);
/* Reads len bytes at off; -EINVAL when the range is past the end of the ISO. */
int iso_read(struct iso *iso, uint64_t off, void *buf, size_t len);
/* ECMA-119 9.1.5 (7 bytes) and 8.4.26.1 (17 bytes) dates as seconds since the epoch, 0 if unset. */
int64_t iso_date7(const uint8_t *p);
int64_t iso_date17(const uint8_t *p);
int iso_names_add(struct iso *iso, const char *s, size_t len, uint32_t *ret);
int iso_node_new(struct iso *iso, uint32_t *ret);
/* Parses the record at p (len bytes, len >= 34 checked by the caller). */
int iso_parse_rec(struct iso *iso, const uint8_t *p, size_t len, struct rec *r);

/* iso_names.c */
/* Walks the SUSP entries of a system use area and its continuation areas. */
int iso_parse_susp(struct iso *iso, const uint8_t *su, size_t len, struct rr *rr);
/* The entry's name in out (ISO_MAX_NAME + 1 bytes); rr NULL without Rock Ridge. */
int iso_rec_name(struct iso *iso, const struct rec *r, const struct rr *rr, char *out,
                 size_t *ret_len);
/* Sets iso->rr and iso->skp when the root's first record starts with SUSP's SP entry. */
int iso_detect_rr(struct iso *iso, const uint8_t *root_rec);

/* iso_dir.c */
/* Reads directory node i and appends its entries (sorted by name). */
int iso_read_dir(struct iso *iso, uint32_t i);

#endif
