/* SPDX-License-Identifier: MIT */
/*
 * Generic entries (core/entries.c): what entry_parse accepts and refuses (the
 * key named), the config array, and the three menus through the core's own
 * menu_collect/menu_render: kernel_efi for UEFI loaders, several initrds,
 * ${server} ${http} ${mac} ${name} substituted, a host profile narrowing the
 * menu to one entry and adding its cmdline_extra.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#include "core.h"
#include "entries.h"
#include "log.h"
#include "menu.h"

static struct core core;

static void reset(void)
{
    core_entries_free(&core);
    core_hosts_free(&core);
    memset(&core, 0, sizeof(core));
    pthread_rwlock_init(&core.model_lock, NULL);
    core.menu.title = "pxecore";
    core.menu.timeout = 5000000;
    core.menu.kernel_http = 1;
    core.menu.local_entry = 1;
    snprintf(core.services[0].name, sizeof(core.services[0].name), "http");
    core.services[0].port = 8080;
    snprintf(core.services[1].name, sizeof(core.services[1].name), "tftp");
    core.services[1].port = 69; /* GRUB: kernels over TFTP when HTTP is off port 80 */
}

static int parse(const char *text, char *field)
{
    json_t *j = json_loads(text, 0, NULL);
    struct gen_entry e;
    char why[160];
    int r = entry_parse(j, NULL, &e, field, why);

    json_decref(j);
    if (r == 0)
        entry_free(&e);
    return r;
}

TEST(parse_refusals_name_the_key)
{
    char f[64];

    EXPECT_EQ_INT(parse("{\"name\": \"m\", \"kernel\": \"a/b.bin\"}", f), 0);
    EXPECT_EQ_INT(parse("{\"name\": \"M\", \"kernel\": \"k\"}", f), -EINVAL);
    EXPECT_EQ_STR(f, "name");
    EXPECT_EQ_INT(parse("{\"name\": \"m\"}", f), -EINVAL);
    EXPECT_EQ_STR(f, "kernel");
    EXPECT_EQ_INT(parse("{\"name\": \"m\", \"kernel\": \"../etc/shadow\"}", f), -EINVAL);
    EXPECT_EQ_STR(f, "kernel");
    EXPECT_EQ_INT(parse("{\"name\": \"m\", \"kernel\": \"/boot/x\"}", f), -EINVAL);
    EXPECT_EQ_INT(parse("{\"name\": \"m\", \"kernel\": \"k;shell\"}", f), -EINVAL);
    EXPECT_EQ_INT(parse("{\"name\": \"m\", \"kernel_efi\": \"${x}\", \"kernel\": \"k\"}", f),
                  -EINVAL);
    EXPECT_EQ_STR(f, "kernel_efi");
    EXPECT_EQ_INT(parse("{\"name\": \"m\", \"kernel\": \"k\", \"initrds\": [\"a b\"]}", f),
                  -EINVAL);
    EXPECT_EQ_STR(f, "initrds");
    EXPECT_EQ_INT(parse("{\"name\": \"m\", \"kernel\": \"k\", \"cmdline\": \"a && b\"}", f),
                  -EINVAL);
    EXPECT_EQ_STR(f, "cmdline");
    EXPECT_EQ_INT(parse("{\"name\": \"m\", \"kernel\": \"k\", \"colour\": 1}", f), -EINVAL);
    EXPECT_EQ_STR(f, "colour");
}

TEST(config_array)
{
    char err[256] = "";

    reset();
    core.menu.entries = json_loads("[{\"name\": \"a\", \"kernel\": \"k\"}, {\"name\": \"a\", "
                                   "\"kernel\": \"k\"}]",
                                   0, NULL);
    EXPECT_EQ_INT(entries_from_config(&core, err, sizeof(err)), -EINVAL);
    EXPECT(strstr(err, "menu.entries[1].name") != NULL);
    json_decref(core.menu.entries);
    core.menu.entries = json_loads("[{\"name\": \"b\", \"kernel\": 3}]", 0, NULL);
    EXPECT_EQ_INT(entries_from_config(&core, err, sizeof(err)), -EINVAL);
    EXPECT(strstr(err, "menu.entries[0].kernel") != NULL);
    json_decref(core.menu.entries);
    core.menu.entries = NULL;
}

static char *render(const char *format, const char *mac)
{
    char *text = NULL;

    EXPECT_EQ_INT(menu_render(&core, format, "192.0.2.1", mac, &text), 0);
    return text ? text : strdup("");
}

TEST(menus)
{
    char err[256] = "";
    char *t;

    reset();
    core.menu.entries = json_loads(
        "[{\"name\": \"memtest\", \"title\": \"Memtest86+\", \"kernel\": \"mt/x64.bin\","
        " \"kernel_efi\": \"mt/x64.efi\", \"cmdline\": \"console=ttyS0 s=${server} h=${http}"
        " m=${mac} n=${name}\"},"
        " {\"name\": \"rescue\", \"kernel\": \"r/vmlinuz\", \"initrds\": [\"r/a.img\", "
        "\"r/b.img\"]}]",
        0, NULL);
    EXPECT_EQ_INT(entries_from_config(&core, err, sizeof(err)), 0);
    t = render("pxelinux", NULL);
    EXPECT(strstr(t, "LABEL memtest\n  MENU LABEL Memtest86+\n") != NULL);
    EXPECT(strstr(t, "  LINUX http://192.0.2.1:8080/mt/x64.bin\n") != NULL);
    EXPECT(strstr(t, "  APPEND console=ttyS0 s=192.0.2.1 h=http://192.0.2.1:8080 m= n=memtest\n"));
    EXPECT(strstr(t, "  INITRD http://192.0.2.1:8080/r/a.img,http://192.0.2.1:8080/r/b.img\n"));
    free(t);
    t = render("ipxe", NULL);
    EXPECT(strstr(t, ":memtest\niseq ${platform} efi && goto memtest-efi ||\nkernel "
                     "http://192.0.2.1:8080/mt/x64.bin console=ttyS0 s=192.0.2.1 "
                     "h=http://192.0.2.1:8080 m=${mac} n=memtest\nboot\n:memtest-efi\nkernel "
                     "http://192.0.2.1:8080/mt/x64.efi ") != NULL);
    EXPECT(strstr(t, "kernel http://192.0.2.1:8080/r/vmlinuz initrd=a.img initrd=b.img\n"
                     "initrd http://192.0.2.1:8080/r/a.img\ninitrd http://192.0.2.1:8080/r/b.img\n"
                     "boot\n") != NULL);
    free(t);
    t = render("grub", "52:54:00:12:34:56");
    EXPECT(strstr(t, "  linux (tftp,192.0.2.1)/mt/x64.efi console=ttyS0 s=192.0.2.1 "
                     "h=http://192.0.2.1:8080 m=52:54:00:12:34:56 n=memtest\n") != NULL);
    EXPECT(strstr(t, "  initrd (tftp,192.0.2.1)/r/a.img (tftp,192.0.2.1)/r/b.img\n") != NULL);
    free(t);
    t = render("grub", NULL); /* GRUB expands its own variable at boot */
    EXPECT(strstr(t, " m=${net_default_mac} n=memtest\n") != NULL);
    free(t);
    json_decref(core.menu.entries);
    core.menu.entries = NULL;
}

TEST(host_profile)
{
    struct pxe_host h = {._struct_size = sizeof(h),
                         .mac = "52:54:00:12:34:56",
                         .image = "rescue",
                         .cmdline_extra = "single"};
    char err[256] = "";
    char *t;

    reset();
    core.menu.entries = json_loads("[{\"name\": \"memtest\", \"kernel\": \"m\"}, {\"name\": "
                                   "\"rescue\", \"kernel\": \"r\", \"cmdline\": \"quiet\"}]",
                                   0, NULL);
    EXPECT_EQ_INT(entries_from_config(&core, err, sizeof(err)), 0);
    EXPECT_EQ_INT(core_host_set(&core, &h), 0);
    t = render("ipxe", "52:54:00:12:34:56");
    EXPECT(strstr(t, ":memtest") == NULL);
    EXPECT(strstr(t, "kernel http://192.0.2.1:8080/r quiet single\n") != NULL);
    free(t);
    t = render("ipxe", "52:54:00:00:00:01"); /* no profile: both */
    EXPECT(strstr(t, ":memtest") != NULL && strstr(t, ":rescue") != NULL);
    free(t);
    json_decref(core.menu.entries);
    core.menu.entries = NULL;
    reset();
}

/* The phase serving a file completes: what ends a host's boot_once on an entry. */
TEST(phases)
{
    char err[256] = "";

    reset();
    core.menu.entries = json_loads("[{\"name\": \"memtest\", \"kernel\": \"mt/x64.bin\", "
                                   "\"kernel_efi\": \"mt/x64.efi\", \"initrds\": [\"i/a.img\", "
                                   "\"i/b.img\"]}]",
                                   0, NULL);
    EXPECT_EQ_INT(entries_from_config(&core, err, sizeof(err)), 0);
    EXPECT_EQ_INT(entries_phase(&core, "mt/x64.bin"), PXE_PHASE_KERNEL);
    EXPECT_EQ_INT(entries_phase(&core, "mt/x64.efi"), PXE_PHASE_KERNEL);
    EXPECT_EQ_INT(entries_phase(&core, "i/b.img"), PXE_PHASE_INITRD);
    EXPECT_EQ_INT(entries_phase(&core, "mt"), PXE_PHASE_NONE);
    EXPECT_EQ_INT(entries_phase(&core, "mt/x64.bin2"), PXE_PHASE_NONE);
    EXPECT_EQ_INT(core_entry_delete(&core, "memtest"), 0);
    EXPECT_EQ_INT(entries_phase(&core, "mt/x64.bin"), PXE_PHASE_NONE);
    json_decref(core.menu.entries);
    core.menu.entries = NULL;
    reset();
}

int main(void)
{
    log_setup(0, 3);
    RUN(parse_refusals_name_the_key);
    RUN(config_array);
    RUN(menus);
    RUN(host_profile);
    RUN(phases);
    return tap_done();
}
