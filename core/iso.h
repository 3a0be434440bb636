/* SPDX-License-Identifier: MIT */
/*
 * A bounded ISO 9660 reader (ECMA-119) with Rock Ridge (RRIP: NM, SL, PX, TF,
 * CL, RE over SUSP with CE) and Joliet as fallback.  iso_open parses the whole
 * directory tree once into memory; afterwards every accessor is read-only and
 * thread-safe.  Files are served as extents of the ISO: iso_lookup gives the
 * byte offset and length, the caller preads the ISO fd.
 *
 * Every resource an ISO controls is capped (ISO_MAX_*): a directory extent
 * seen twice (a loop), an extent past the end of the file, a record crossing
 * its sector, an absurd length, nesting deeper than ISO_MAX_DEPTH or more
 * than ISO_MAX_NODES entries make iso_open fail with -EINVAL (or -E2BIG,
 * -ELOOP) and a message in err; it never reads unbounded data.
 */
#ifndef PXE_CORE_ISO_H
#define PXE_CORE_ISO_H

#include <stddef.h>
#include <stdint.h>

#define ISO_SECTOR              2048
#define ISO_MAX_DEPTH           64            /* directory nesting below the root */
#define ISO_MAX_NODES           (256u * 1024) /* files + directories + symlinks */
#define ISO_MAX_DIR_BYTES       (16u << 20)   /* one directory extent */
#define ISO_MAX_TOTAL_DIR_BYTES (256u << 20)  /* all directory extents together */
#define ISO_MAX_NAME            255           /* bytes of one name (UTF-8) */
#define ISO_MAX_LINK            1023          /* bytes of a symlink target */
#define ISO_MAX_CE              16            /* SUSP continuation areas per record */
#define ISO_MAX_TOTAL_CE_BYTES  (64u << 20)   /* all continuation areas together */
#define ISO_MAX_NAME_BYTES      (64u << 20)   /* all names and symlink targets together */
#define ISO_MAX_VD              64            /* volume descriptors scanned */
#define ISO_MAX_SYMLINKS        40            /* symlinks followed in one lookup */
#define ISO_ERR_MAX             256

enum iso_type { ISO_REG = 1, ISO_DIR, ISO_LNK, ISO_OTHER };

struct iso;

struct iso_stat {
    int type;            /* enum iso_type */
    uint64_t offset;     /* byte offset of the content in the ISO file (regular files) */
    uint64_t size;       /* bytes */
    int64_t mtime;       /* seconds since the epoch (UTC) */
    uint32_t fragmented; /* 1: a multi-extent file whose sections are not contiguous */
};

/* Parses the ISO in fd (size bytes; the fd is borrowed and must stay open). */
int iso_open_fd(int fd, uint64_t size, struct iso **ret, char *err, size_t errlen);
/* Parses an ISO held in memory (fuzzing, tests); data must outlive the iso. */
int iso_open_mem(const void *data, size_t size, struct iso **ret, char *err, size_t errlen);
void iso_free(struct iso *iso);

/* Volume identifier with trailing blanks removed ("" when blank). */
const char *iso_label(const struct iso *iso);
/*
 * The volume's date UUID as blkid and archiso's archisosearchuuid= spell it,
 * "YYYY-MM-DD-HH-MM-SS-CC" (the modification date, else the creation date),
 * or NULL when both are unset.
 */
const char *iso_date_uuid(const struct iso *iso);
/* "rockridge", "joliet" or "iso9660": which names the tree carries. */
const char *iso_naming(const struct iso *iso);
uint32_t iso_node_count(const struct iso *iso);

/*
 * Resolves path (relative to the ISO root, '/'-separated, may contain "." and
 * "..") following Rock Ridge symlinks inside the ISO (the last component too
 * when follow_last).  0; -ENOENT (absent, or a non-directory in the middle);
 * -EACCES when ".." or an absolute symlink leaves the root; -ELOOP past
 * ISO_MAX_SYMLINKS; -ENAMETOOLONG.
 */
int iso_lookup(const struct iso *iso, const char *path, int follow_last, struct iso_stat *st);

/* Calls cb for each entry of directory path (symlinks followed); stops when cb returns
 * non-zero and returns that value.  -ENOTDIR when path is not a directory. */
typedef int (*iso_list_cb)(void *ud, const char *name, const struct iso_stat *st);
int iso_list(const struct iso *iso, const char *path, iso_list_cb cb, void *ud);

#endif
