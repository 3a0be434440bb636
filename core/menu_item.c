/* SPDX-License-Identifier: MIT */
/* One menu item's memory, shared by the menu collector (menu.c) and generic entries (entries.c). */
#include <stdlib.h>
#include <string.h>

#include "menu.h"

void menu_item_free(struct menu_item *it)
{
    free(it->id);
    free(it->raw_id);
    free(it->title);
    free(it->kernel);
    free(it->kernel_efi);
    free(it->initrd);
    free(it->help);
    free(it->cmdline);
    free(it->method);
    memset(it, 0, sizeof(*it));
}
