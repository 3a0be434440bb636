/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "menu_text.h"

int menu_text_ok(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == '"' || *s == 0x7f)
            return 0;
    return 1;
}

int menu_path_ok(const char *path)
{
    if (!path || !*path)
        return 0;
    for (; *path; path++)
        if ((unsigned char)*path <= 0x20 || (unsigned char)*path >= 0x7f ||
            strchr("\"'\\$`;&|<>{}#", *path))
            return 0;
    return 1;
}

int menu_image_path_ok(const char *rel)
{
    if (!menu_path_ok(rel) || *rel == '/')
        return 0;
    for (const char *p = rel; p;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);

        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        p = e ? e + 1 : NULL;
    }
    return 1;
}
