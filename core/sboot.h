/* SPDX-License-Identifier: MIT */
/*
 * UEFI Secure Boot chain (docs/secure-boot.md): firmware -> Debian's
 * Microsoft-signed shim -> Debian's signed GRUB network image -> a grub.cfg
 * generated here -> a kernel signed by a key the chain accepts.
 *
 * sboot.c      settings, the chain's files (found at start), the names they
 *              are served under ("<dir>/shimx64.efi", "<dir>/grubx64.efi",
 *              "<dir>/mmx64.efi", "<dir>/fbx64.efi") and the per-client mode
 * sboot_sig.c  kernel signature checks with sbverify, cached by namespace path
 * sboot_menu.c the grub.cfg the signed GRUB reads under its built-in prefix
 *
 * Loop thread, except sboot_lookup (any thread: it reads what sboot_open set).
 */
#ifndef PXE_CORE_SBOOT_H
#define PXE_CORE_SBOOT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <pxecore/plugin.h>

struct core;

struct sboot_settings {
    char *mode;       /* "auto", "on" or "off" */
    char *shim;       /* Microsoft-signed shim */
    char *grub;       /* signed GRUB network image, served as grubx64.efi */
    char *mokmanager; /* MokManager, served as mmx64.efi */
    char *fallback;   /* fallback, served as fbx64.efi */
    char **certs;     /* certificates (PEM or DER) a kernel may be signed with */
    char *sbverify;   /* sbsigntool's sbverify */
    char *dir;        /* namespace directory the chain is served from */
    json_t *hosts;    /* {"aa:bb:cc:dd:ee:ff": "on"|"off"|"auto"} */
};

extern const struct pxe_config_item sboot_settings_items[];

#define SBOOT_OFF  0
#define SBOOT_ON   1
#define SBOOT_AUTO 2

/* The generated-file format of the chain's grub.cfg (files.c hands it to sboot_menu_render). */
#define SBOOT_FORMAT "grub-sb"

/*
 * Checks the settings, finds the chain's files and reads the GRUB image's
 * built-in prefix and modules. mode "on" with a file missing is an error
 * naming the key; "auto" then leaves the chain off (logged). 0 or -errno with err.
 */
int sboot_open(struct core *c, char *err, size_t errlen);
void sboot_free(struct core *c);
/* 1 when the chain's files were found (UEFI x64 clients can get it). */
int sboot_available(const struct core *c);

/* The mode for a client (its entry in secure_boot.hosts, else the global one). */
int sboot_mode_for(const struct core *c, const char *mac);

/*
 * The boot file a UEFI client of architecture arch (option 93) gets when the
 * chain applies to it, into out: "<dir>/shimx64.efi". -ENOENT when the client
 * gets its usual loader (mode off, chain not found, not x64 UEFI).
 */
int sboot_boot_file(const struct core *c, const char *mac, uint32_t arch, char *out,
                    size_t out_size);

/*
 * A namespace path (normalised) of the chain: a file on disk (*ret_fd, size,
 * mtime, *ret_real malloc'd) or, for the grub.cfg under GRUB's prefix asked by
 * a client the signed GRUB was sent to (cl->peer_ip), 1 with nothing opened
 * (the caller renders SBOOT_FORMAT). 0 or 1, or -ENOENT when the path is not
 * the chain's. Thread-safe.
 */
int sboot_lookup(const struct core *c, const char *path, const struct pxe_client *cl, int *ret_fd,
                 uint64_t *ret_size, int64_t *ret_mtime, char **ret_real);

/* 1 when the GRUB image has the http module (kernels can come over HTTP). */
int sboot_grub_has_http(const struct core *c);

/* The grub.cfg for clients of the chain (SBOOT_FORMAT); mac may be NULL. */
int sboot_menu_render(struct core *c, const char *server_ip, const char *mac, char **ret);

/*
 * A certificate for sbverify (PEM only): 0 when src is PEM already, 1 when the
 * DER certificate src was written to dst as PEM, -EINVAL when src is neither,
 * -EFBIG past max bytes, or -errno.
 */
int sboot_cert_pem(const char *src, const char *dst, size_t max);

/* The chain's state for GET /api/v1/status-like answers (new reference). */
json_t *sboot_status_json(const struct core *c);

/* ---- kernel signatures (sboot_sig.c) ---- */
#define SBOOT_SIG_UNCHECKED 0 /* no check started (chain off) */
#define SBOOT_SIG_PENDING   1
#define SBOOT_SIG_SIGNED    2 /* verified against one of secure_boot.certs */
#define SBOOT_SIG_UNSIGNED  3 /* no Authenticode signature */
#define SBOOT_SIG_UNTRUSTED 4 /* signed, by no certificate of secure_boot.certs */
#define SBOOT_SIG_ERROR     5 /* could not be checked (unreadable, sbverify missing) */

/* Starts (again) the checks of every image's kernel. */
void sboot_sig_check_images(struct core *c);
/*
 * The state of the kernel at namespace path; starts a check when none was
 * made (the answer is then PENDING). why (may be NULL) gets a one-line reason.
 */
int sboot_sig_state(struct core *c, const char *path, char *why, size_t why_size);
/* The kernel's check for the API: {"state", "signer", "detail"} (new reference). */
json_t *sboot_sig_json(struct core *c, const char *path);
const char *sboot_sig_name(int state);
/* Forgets every check (their children are no longer reported). */
void sboot_sig_free(void);

#endif
