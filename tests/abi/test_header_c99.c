/* SPDX-License-Identifier: MIT */
/* The public header alone must compile as strict C99 (-std=c99 -pedantic -Werror). */
#include <pxecore/plugin.h>
#include <pxecore/ratelimit.h>
#include <pxecore/state_backend.h>

static struct pxe_plugin plugin = {0};

PXE_PLUGIN_REGISTER(plugin)
