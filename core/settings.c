/* SPDX-License-Identifier: MIT */
/* The core's own config sections ("core" and "menu"), described like a plugin's. */
#include <stddef.h>

#include "core.h"

#define S(f) offsetof(struct core_settings, f)
#define M(f) offsetof(struct menu_settings, f)

const struct pxe_config_item core_settings_items[] = {
    {"plugins_dir", PXE_CFG_PATH, 0, NULL, S(plugins_dir), "directory of pxecore-*.so plugins",
     "plugins-dir", 0, 0},
    {"state_dir", PXE_CFG_PATH, 0, "/var/lib/pxecore", S(state_dir),
     "persistent state (leases, API state, token)", "state-dir", 0, 0},
    {"images", PXE_CFG_STRLIST, 0, NULL, S(images),
     "boot images, \"[NAME=]PATH\" of a directory tree or an ISO file; the first is the default",
     "image", 0, 0},
    {"roots", PXE_CFG_STRLIST, 0, NULL, S(roots),
     "directories served after the default image: boot loaders, or a whole PXE tree served as it is", "root", 0, 0},
    {"user", PXE_CFG_STR, 0, NULL, S(user), "user to switch to after binding sockets", "user",
     0, 0},
    {"pidfile", PXE_CFG_PATH, 0, NULL, S(pidfile), "write the PID here once ready", "pidfile",
     0, 0},
    {"log_target", PXE_CFG_STR, 0, "stderr", S(log_target), "stderr or syslog", "log-target",
     0, 0},
    {"address", PXE_CFG_ADDR, 0, NULL, S(address),
     "server address put in menus when a request's local address is unknown", "address", 0, 0},
    {0},
};

const struct pxe_config_item menu_settings_items[] = {
    {"title", PXE_CFG_STR, 0, "pxecore", M(title), "menu title", "menu-title", 0, 0},
    {"default", PXE_CFG_STR, 0, NULL, M(default_entry),
     "default entry id, e.g. archiso-http (first entry when unset)", "menu-default", 0, 0},
    {"timeout", PXE_CFG_DURATION, 0, "5s", M(timeout), "menu timeout", "menu-timeout", 0,
     3600000000},
    {"ui", PXE_CFG_STR, 0, "menu.c32", M(ui), "pxelinux UI module; empty for none", "menu-ui",
     0, 0},
    {"serial", PXE_CFG_STR, 0, NULL, M(serial), "pxelinux SERIAL directive, e.g. \"0 115200\"",
     "serial", 0, 0},
    {"console", PXE_CFG_STR, 0, NULL, M(console), "kernel console=, e.g. ttyS0,115200",
     "console", 0, 0},
    {"ifnames0", PXE_CFG_BOOL, 0, "false", M(ifnames0),
     "add net.ifnames=0 (the Arch wiki's interface rename workaround)", "net-ifnames0", 0, 0},
    {"copytoram", PXE_CFG_STR, 0, NULL, M(copytoram), "copytoram= for every entry (y, n, auto)",
     "copytoram", 0, 0},
    {"append", PXE_CFG_STR, 0, NULL, M(append), "extra kernel parameters for every entry",
     "append", 0, 0},
    {"sysappend", PXE_CFG_UINT, 0, "3", M(sysappend),
     "pxelinux SYSAPPEND bits (1: ip=, 2: BOOTIF=); 0 for none", NULL, 0, 255},
    {"kernel_http", PXE_CFG_BOOL, 0, "true", M(kernel_http),
     "load kernel and initrd over HTTP when the http service runs (lpxelinux, iPXE, GRUB)",
     "kernel-http", 0, 0},
    {"local_entry", PXE_CFG_BOOL, 0, "true", M(local_entry), "add a local-disk entry", NULL, 0,
     0},
    {"tree_entry", PXE_CFG_BOOL, 0, "true", M(tree_entry),
     "add \"<tree> (its own menu)\" chaining to a served tree's own pxelinux.cfg or grub.cfg",
     NULL, 0, 0},
    {"pxelinux_dir", PXE_CFG_PATH, 0, "/usr/lib/PXELINUX", M(pxelinux_dir),
     "the system's lpxelinux.0/pxelinux.0, served when no tree has them (package pxelinux)",
     NULL, 0, 0},
    {"entries", PXE_CFG_JSON, 0, NULL, M(entries),
     "generic entries: [{\"name\", \"title\", \"kernel\", \"kernel_efi\", \"initrds\": [...], "
     "\"cmdline\"}] (docs/images.md)",
     "entries", 0, 0},
    {"syslinux_dir", PXE_CFG_PATH, 0, "/usr/lib/syslinux/modules/bios", M(syslinux_dir),
     "the system's ldlinux.c32, libcom32.c32, libutil.c32 and UI module, served when no tree "
     "has them and their release matches the served loader (package syslinux-common)",
     NULL, 0, 0},
    {0},
};
