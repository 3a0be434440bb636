/* SPDX-License-Identifier: MIT */
/*
 * archiso's kernel parameters, each as mkinitcpio-archiso reads it (see
 * docs/images.md for the citations): archisobasedir (hooks/archiso),
 * archiso_http_srv (hooks/archiso_pxe_http), archiso_nbd_srv and
 * archiso_nbd_name (hooks/archiso_pxe_nbd), archiso_nfs_srv and
 * archiso_nfs_opt (hooks/archiso_pxe_nfs), archisosearchuuid / archisolabel
 * (hooks/archiso: _search_for_archisodevice).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "archiso.h"

const char *archiso_param_get(const char *cmdline, const char *key, size_t *ret_len)
{
    size_t klen = strlen(key);
    const char *found = NULL, *p = cmdline;

    *ret_len = 0;
    if (!cmdline)
        return NULL;
    while (*p) {
        const char *tok, *end;
        int quoted = 0;

        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        tok = p;
        for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++)
            if (*p == '"')
                quoted = !quoted;
        end = p;
        if ((size_t)(end - tok) >= klen && strncmp(tok, key, klen) == 0 &&
            (tok + klen == end || tok[klen] == '=')) {
            const char *v = tok + klen + (tok + klen == end ? 0 : 1);
            size_t len = (size_t)(end - v);

            if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
                v++;
                len -= 2;
            }
            found = v;
            *ret_len = len;
        }
    }
    return found;
}

int archiso_param_is(const char *cmdline, const char *key, const char *value)
{
    size_t len;
    const char *v = archiso_param_get(cmdline, key, &len);

    return v && len == strlen(value) && memcmp(v, value, len) == 0;
}

static int fits(int n, size_t size)
{
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int archiso_transport_params(const struct archiso_facts *f, const struct pxe_transport *tr,
                             char *out, size_t size)
{
    int n;

    if (!strcmp(tr->scheme, "http"))
        return fits(
            snprintf(out, size, "archisobasedir=%s archiso_http_srv=%s", f->basedir, tr->url),
            size);
    if (!strcmp(tr->scheme, "nfs"))
        return fits(snprintf(out, size, "archisobasedir=%s archiso_nfs_srv=%s%s%s", f->basedir,
                             tr->url, tr->options[0] ? " archiso_nfs_opt=" : "", tr->options),
                    size);
    if (strcmp(tr->scheme, "nbd") != 0)
        return -EPROTONOSUPPORT;
    /* archiso_pxe_nbd: archiso_nbd_name defaults to "archiso"; only NBD hands the hook a
     * block device to find (hooks/archiso: _search_for_archisodevice) */
    n = snprintf(out, size, "archisobasedir=%s archiso_nbd_srv=%s%s%s%s%s", f->basedir, tr->server,
                 strcmp(tr->export_name, "archiso") ? " archiso_nbd_name=" : "",
                 strcmp(tr->export_name, "archiso") ? tr->export_name : "",
                 f->uuid[0]    ? " archisosearchuuid="
                 : f->label[0] ? " archisolabel="
                               : "",
                 f->uuid[0] ? f->uuid : f->label);
    return fits(n, size);
}

int archiso_image_params(const struct archiso_facts *f, uint32_t loader_sets_ip, char *out,
                         size_t size)
{
    return fits(snprintf(out, size, "archisobasedir=%s%s%s", f->basedir,
                         f->has_cms_sig  ? " cms_verify=y"
                         : f->has_sha512 ? " checksum=y"
                                         : "",
                         loader_sets_ip ? "" : " ip=dhcp"),
                size);
}

int archiso_entry_text(const struct archiso_facts *f, const struct pxe_transport *tr,
                       const char *image_name, int is_default, char *title, size_t tsize,
                       char *help, size_t hsize)
{
    if (!strcmp(tr->scheme, "http")) {
        if (is_default)
            snprintf(title, tsize, "Arch Linux %s (HTTP)", f->arch);
        else
            snprintf(title, tsize, "Arch Linux %s (HTTP, %s)", f->arch, image_name);
        snprintf(help, hsize, "root filesystem fetched over HTTP and copied to RAM");
    } else if (!strcmp(tr->scheme, "nbd")) {
        snprintf(title, tsize, "Arch Linux %s (NBD)", f->arch);
        snprintf(help, hsize, "Root filesystem: the ISO image over NBD (archiso_nbd_srv)");
    } else if (!strcmp(tr->scheme, "nfs")) {
        snprintf(title, tsize, "Arch Linux %s (NFS)", f->arch);
        snprintf(help, hsize, "Root filesystem over NFSv3 from %s", tr->url);
    } else {
        return -EPROTONOSUPPORT;
    }
    return 0;
}
