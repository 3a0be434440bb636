/* SPDX-License-Identifier: MIT */
/*
 * What may stand in a generated pxelinux, iPXE or GRUB menu: checks applied to
 * every entry a plugin adds (menu.c) and to what an image kind found in an
 * image (kinds.c), whose file names come from the image and are untrusted.
 * Pure.
 */
#ifndef PXE_MENU_TEXT_H
#define PXE_MENU_TEXT_H

/*
 * True when path (a kernel or initrd: a namespace path or URL) can stand in a
 * pxelinux, iPXE or GRUB menu as one word: printable ASCII without blanks,
 * quotes or the characters those languages expand or split on.
 */
int menu_path_ok(const char *path);
/* True when s (a title or help text; NULL is fine) has no control characters and no '"'. */
int menu_text_ok(const char *s);
/* True when rel is also a clean relative path: no leading '/', no empty, "." or ".." part. */
int menu_image_path_ok(const char *rel);

#endif
