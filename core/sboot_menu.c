/* SPDX-License-Identifier: MIT */
/*
 * The grub.cfg the signed GRUB of the Secure Boot chain reads: the GRUB menu
 * of every enabled method (menu.c), kernels and initrds over TFTP unless the
 * image has the http module, no insmod (a locked-down GRUB loads no module),
 * and only entries whose kernel sbverify found signed by one of
 * secure_boot.certs.  Each entry left out is logged once with the reason and
 * written as a comment.  Mode "auto" lists the other entries too, in the
 * branch GRUB takes when it is not locked down (Debian's GRUB 2.06 sets
 * $lockdown to "y" under UEFI Secure Boot), so machines with Secure Boot off
 * still get every entry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "menu.h"
#include "sboot.h"

#define LOGGED_MAX 64

/* Messages already logged (menus are rendered per request). */
static char *logged[LOGGED_MAX];
static size_t logged_next;

static void log_once(const char *msg)
{
    for (size_t i = 0; i < LOGGED_MAX; i++)
        if (logged[i] && strcmp(logged[i], msg) == 0)
            return;
    free(logged[logged_next % LOGGED_MAX]);
    logged[logged_next++ % LOGGED_MAX] = strdup(msg);
    log_warn("%s", msg);
}

/* Drops the entries whose kernel is not signed by an accepted key; each gets a refusal line. */
static void keep_signed(struct core *c, struct pxe_menu *m, int mode)
{
    size_t keep = 0;

    for (size_t i = 0; i < m->n; i++) {
        struct menu_item *it = &m->items[i];
        char why[256], msg[768];
        int st = sboot_sig_state(c, it->kernel, why, sizeof(why));

        if (st == SBOOT_SIG_SIGNED) {
            if (keep != i) {
                m->items[keep] = *it;
                memset(it, 0, sizeof(*it));
            }
            keep++;
            continue;
        }
        snprintf(msg, sizeof(msg),
                 "secure_boot: menu entry '%s' not offered to Secure Boot clients%s: kernel %s "
                 "is %s: %s",
                 it->id, mode == SBOOT_AUTO ? " (GRUB hides it when locked down)" : "", it->kernel,
                 sboot_sig_name(st), why);
        log_once(msg);
        if (m->n_refused < MENU_MAX_REFUSED && (m->refused[m->n_refused] = strdup(msg)))
            m->n_refused++;
        menu_item_free(it);
    }
    m->n = keep;
}

static int compose(int mode, const char *signed_text, const char *all_text, char **ret)
{
    struct pxe_buf b;
    int r;

    buf_init(&b, 2 * MENU_MAX_BYTES + 1024);
    r = buf_append(&b,
                   "# pxecore: the Secure Boot chain's menu (docs/secure-boot.md), mode %s\n"
                   "echo \"pxecore secure boot chain: lockdown=$lockdown "
                   "shim_lock=$shim_lock\"\n",
                   mode == SBOOT_ON ? "on" : "auto");
    if (r == 0 && mode == SBOOT_AUTO)
        r = buf_append(&b, "if [ \"$lockdown\" = \"y\" ]; then\n%selse\n%sfi\n", signed_text,
                       all_text);
    else if (r == 0)
        r = buf_append(&b, "%s", signed_text);
    if (r < 0) {
        buf_done(&b);
        return r;
    }
    *ret = buf_steal(&b);
    return *ret ? 0 : -ENOMEM;
}

int sboot_menu_render(struct core *c, const char *server_ip, const char *mac, char **ret)
{
    struct pxe_menu *m = malloc(sizeof(*m));
    char *all_text = NULL, *signed_text = NULL;
    int mode = sboot_mode_for(c, mac), r = 0;

    if (!m)
        return -ENOMEM;
    if (mode == SBOOT_OFF)
        mode = SBOOT_AUTO; /* a client the chain was not meant for: GRUB decides */
    menu_collect(c, "grub", server_ip, mac, m);
    m->no_http = !sboot_grub_has_http(c);
    if (mode == SBOOT_AUTO)
        r = menu_render_menu(c, "grub", server_ip, m, &all_text);
    if (r == 0) {
        keep_signed(c, m, mode);
        r = menu_render_menu(c, "grub", server_ip, m, &signed_text);
    }
    if (r == 0)
        r = compose(mode, signed_text, all_text ? all_text : "", ret);
    free(all_text);
    free(signed_text);
    menu_free_items(m);
    free(m);
    return r;
}
