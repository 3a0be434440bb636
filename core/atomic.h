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

#endif
