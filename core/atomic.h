/* SPDX-License-Identifier: MIT */
/* Crash-safe file replacement, shared by the core and (through the core table) plugins. */
#ifndef PXE_CORE_ATOMIC_H
#define PXE_CORE_ATOMIC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Replaces path with data[0..len): a temp file in the same directory, fchmod
 * mode, write, fsync, rename over path, fsync of the directory.  After a crash
 * at any point path holds either the old or the new contents.  0 or -errno.
 * Thread-safe.
 */
int atomic_write_file(const char *path, const void *data, size_t len, uint32_t mode);

/*
 * Removes the temp files ("<name>.tmp.XXXXXX") that writes interrupted by a
 * crash left in dir; with name, only those of that file.  Call it where one
 * writer owns the directory (or the file): a concurrent writer's temp file
 * would go too.  Returns how many were removed, or -errno.
 */
int atomic_clean_stale(const char *dir, const char *name);

#endif
