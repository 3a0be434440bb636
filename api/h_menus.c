/* SPDX-License-Identifier: MIT */
/*
 * GET /menus/{pxelinux|ipxe|grub}?mac=&server_ip=: the generated boot menu,
 * exactly as the file namespace serves it (text/plain).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

int h_menu(struct api_request *rq, json_t **ret)
{
    const char *format = rq->m->param[0];
    const char *mac = api_query(rq, "mac"), *sip = api_query(rq, "server_ip");
    char norm[18], local[46];
    unsigned char tmp[16];
    char *text = NULL;
    int r;

    if (strcmp(format, "pxelinux") && strcmp(format, "ipxe") && strcmp(format, "grub"))
        return api_fail(rq, 404, "not_found", "no menu format '%s' (pxelinux, ipxe, grub)", format);
    if (mac && core_mac_normalize(mac, norm) < 0)
        return api_fail(rq, 400, "invalid_field", "mac: not a MAC address");
    if (sip && inet_pton(AF_INET, sip, tmp) != 1)
        return api_fail(rq, 400, "invalid_field", "server_ip: not an IPv4 address");
    if (!sip) {
        api_local_ip(rq, local);
        sip = rq->core->set.address ? rq->core->set.address : local;
    }
    r = menu_render(rq->core, format, sip, mac ? norm : NULL, &text);
    if (r < 0)
        return api_fail(rq, 500, "menu_failed", "cannot render the %s menu: %s", format,
                        strerror(-r));
    rq->text = text;
    rq->text_type = "text/plain; charset=utf-8";
    return 200;
}
