/* SPDX-License-Identifier: MIT */
/*
 * Generic boot entries (issue 17): a kernel, its initrds and a command line
 * that a user names in the config (menu.entries, a JSON array) or through the
 * REST API (/api/v1/entries/{name}, kept in state.json).  They belong to no
 * image and no boot method: a memory tester, a rescue kernel, an installer
 * kept in a served directory.  Every menu (pxelinux, iPXE, GRUB) lists them
 * after the images' entries; a host profile's "image" may name one (that
 * entry alone), its cmdline_extra is appended.  Loop thread only, but for
 * entries_phase (any thread).
 */
#ifndef PXE_CORE_ENTRIES_H
#define PXE_CORE_ENTRIES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct core;
struct pxe_menu;
struct pxe_boot_ctx;

#define ENTRIES_MAX       64
#define ENTRY_INITRDS_MAX 8
#define ENTRY_PATH_MAX    512
#define ENTRY_CMDLINE_MAX 1024

struct gen_entry {
    char *name;       /* menu id: [a-z0-9_-]{1,40} */
    char *title;      /* menu text */
    char *kernel;     /* namespace path (a --root directory, images/<name>/...) */
    char *kernel_efi; /* the kernel UEFI loaders get instead (memtest86+x64.efi), or NULL */
    char *initrds[ENTRY_INITRDS_MAX + 1]; /* namespace paths, NULL-terminated */
    char *cmdline;   /* with ${server} ${http} ${tftp} ${mac} ${name}; "" for none */
    int from_config; /* 1: from menu.entries (the API may change it; state.json keeps it) */
    struct gen_entry *next;
};

/*
 * Validates an entry object: keys name (when name is NULL), title, kernel
 * (required), kernel_efi, initrds (array of paths), cmdline; any other key is
 * refused.  Paths are namespace paths: printable, no space, quote, "..", or
 * leading '/'.  On error returns -EINVAL and names the key in field (64 bytes)
 * and the reason in why (160 bytes).  out's strings are malloc'd (entry_free).
 */
int entry_parse(json_t *obj, const char *name, struct gen_entry *out, char *field, char *why);
void entry_free(struct gen_entry *e);
/* An entry as JSON (new reference): the shape entry_parse reads, with "name". */
json_t *entry_json(const struct gen_entry *e);

const struct gen_entry *core_entry_find(struct core *c, const char *name);
/* Takes e's strings (e is left empty); replaces an entry of the same name. 0, -E2BIG. */
int core_entry_set(struct core *c, struct gen_entry *e);
int core_entry_delete(struct core *c, const char *name);
void core_entries_free(struct core *c);

/*
 * The phase serving namespace path (normalised) completes: PXE_PHASE_KERNEL for
 * an entry's kernel or kernel_efi, _INITRD for one of its initrds, else _NONE.
 * Any thread: the list's changes are serialised against it.
 */
uint32_t entries_phase(struct core *c, const char *path);

/* Reads menu.entries (the config) into the core. -EINVAL with err naming the key. */
int entries_from_config(struct core *c, char *err, size_t errlen);

/*
 * Adds the entries to m for a client (ctx: server_ip, client_mac, host,
 * menu_format): the command line gets its substitutions and the host's
 * cmdline_extra.  ${mac} unknown: iPXE's ${mac} and GRUB's ${net_default_mac}
 * expand it at boot; pxelinux gets "" (it asks for pxelinux.cfg/01-<mac> first).
 */
int entries_collect(struct core *c, const struct pxe_boot_ctx *ctx, struct pxe_menu *m);

#endif
