/* SPDX-License-Identifier: MIT */
/* Path normalisation, confinement to a root, MAC spellings, generated-file names. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "core.h"
#include "files.h"
#include "image.h"
#include "syslinux.h"
#include "tap.h"

static char out[FILES_PATH_MAX];

TEST(normalize)
{
    EXPECT_EQ_INT(files_normalize("/arch//boot\\x86_64/./vmlinuz", out), 0);
    EXPECT_EQ_STR(out, "arch/boot/x86_64/vmlinuz");
    EXPECT_EQ_INT(files_normalize("a/../../etc/passwd", out), -EACCES);
    EXPECT_EQ_INT(files_normalize("..\\x", out), -EACCES);
    EXPECT_EQ_INT(files_normalize("...", out), 0);
    EXPECT_EQ_STR(out, "...");
    EXPECT_EQ_INT(files_normalize("///", out), 0);
    EXPECT_EQ_STR(out, "");
    {
        char *big = malloc(3000);

        memset(big, 'a', 2999);
        big[2999] = '\0';
        EXPECT_EQ_INT(files_normalize(big, out), -ENAMETOOLONG);
        free(big);
    }
}

TEST(macs)
{
    char m[18];

    EXPECT_EQ_INT(core_mac_normalize("00:1A:64:6a:a2:4d", m), 0);
    EXPECT_EQ_STR(m, "00:1a:64:6a:a2:4d");
    EXPECT_EQ_INT(core_mac_normalize("00-1a-64-6a-a2-4d", m), 0);
    EXPECT_EQ_STR(m, "00:1a:64:6a:a2:4d");
    EXPECT_EQ_INT(core_mac_normalize("001a.646a.a24d", m), 0);
    EXPECT_EQ_STR(m, "00:1a:64:6a:a2:4d");
    EXPECT_EQ_INT(core_mac_normalize("001A646AA24D", m), 0);
    EXPECT_EQ_INT(core_mac_normalize("00:1a:64:6a:a2", m), -EINVAL);
    EXPECT_EQ_INT(core_mac_normalize("00:1a:64:6a:a2:4d:00", m), -EINVAL);
    EXPECT_EQ_INT(core_mac_normalize("zz:1a:64:6a:a2:4d", m), -EINVAL);
}

TEST(generated_names)
{
    char mac[18];

    EXPECT_EQ_STR(files_generated_format("pxelinux.cfg/default", mac), "pxelinux");
    EXPECT_EQ_STR(files_generated_format("boot/syslinux/pxelinux.cfg/01-52-54-00-12-34-56", mac),
                  "pxelinux");
    EXPECT_EQ_STR(mac, "52:54:00:12:34:56");
    EXPECT_EQ_STR(files_generated_format("boot.ipxe", mac), "ipxe");
    EXPECT_EQ_STR(files_generated_format("grub/grub.cfg", mac), "grub");
    EXPECT(files_generated_format("xpxelinux.cfg/default", mac) == NULL);
    EXPECT(files_generated_format("pxelinux.cfg/", mac) == NULL);
}

TEST(confined_open)
{
    char dir[] = "/tmp/pxe-files-XXXXXX";
    char p[256];
    int root, fd = -1;
    uint64_t size = 0;
    int64_t mtime;
    char *real = NULL;

    EXPECT(mkdtemp(dir) != NULL);
    snprintf(p, sizeof(p), "%s/sub", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/sub/f", dir);
    fd = open(p, O_CREAT | O_WRONLY, 0644);
    EXPECT_EQ_INT(write(fd, "hello", 5), 5);
    close(fd);
    snprintf(p, sizeof(p), "%s/sub/out", dir);
    EXPECT_EQ_INT(symlink("/etc/passwd", p), 0);
    snprintf(p, sizeof(p), "%s/sub/in", dir);
    EXPECT_EQ_INT(symlink("f", p), 0);
    root = open(dir, O_PATH | O_DIRECTORY);
    EXPECT_EQ_INT(dir_open_file(root, dir, "sub/f", &fd, &size, &mtime, &real), 0);
    EXPECT_EQ_INT(size, 5);
    close(fd);
    free(real);
    EXPECT_EQ_INT(dir_open_file(root, dir, "sub/in", &fd, &size, &mtime, NULL), 0);
    close(fd);
    EXPECT_EQ_INT(dir_open_file(root, dir, "sub/out", &fd, &size, &mtime, NULL), -EACCES);
    EXPECT_EQ_INT(dir_open_file(root, dir, "sub", &fd, &size, &mtime, NULL), -EISDIR);
    EXPECT_EQ_INT(dir_open_file(root, dir, "nope", &fd, &size, &mtime, NULL), -ENOENT);
    EXPECT_EQ_INT(dir_open_file(root, dir, "sub/f/x", &fd, &size, &mtime, NULL), -ENOENT);
    close(root);
    snprintf(p, sizeof(p), "rm -rf %s", dir);
    EXPECT_EQ_INT(system(p), 0);
}

TEST(atomic_write)
{
    char dir[] = "/tmp/pxe-atomic-XXXXXX";
    char path[256], cmd[300], buf[16] = "";
    struct stat st;
    FILE *f;

    EXPECT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/state.json", dir);
    EXPECT_EQ_INT(atomic_write_file(path, "old", 3, 0600), 0);
    EXPECT_EQ_INT(atomic_write_file(path, "new!", 4, 0640), 0);
    f = fopen(path, "r");
    EXPECT(f && fread(buf, 1, sizeof(buf) - 1, f) == 4);
    if (f)
        fclose(f);
    EXPECT_EQ_STR(buf, "new!");
    EXPECT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
    snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 1", dir);
    EXPECT_EQ_INT(system(cmd), 0); /* no temp file left behind */
    EXPECT(atomic_write_file("/nonexistent-dir/x", "x", 1, 0600) < 0);
    EXPECT_EQ_INT(atomic_write_file(NULL, "x", 1, 0600), -EINVAL);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    EXPECT_EQ_INT(system(cmd), 0);
}

/* The syslinux release as its binaries print it (core/syslinux.c). */
TEST(syslinux_banner)
{
    static const unsigned char pxe[] = "\x7f\0junk\0PXELINUX 6.04 PXE 20200816 \0Copyright";
    static const unsigned char lwip[] = "PXELINUX 6.04 lwIP 20200816 ";
    static const unsigned char dump[] = "\0\0SYSDUMP 6.04 20200816\nmore";
    static const unsigned char none[] = "xPXELINUX 6.04 PXE\0 NOLINUX 604 Aa PXELINUX x.y";
    char rel[64];

    EXPECT_EQ_INT(syslinux_banner(pxe, sizeof(pxe) - 1, rel, sizeof(rel)), 0);
    EXPECT_EQ_STR(rel, "6.04 20200816");
    EXPECT_EQ_INT(syslinux_banner(lwip, sizeof(lwip) - 1, rel, sizeof(rel)), 0);
    EXPECT_EQ_STR(rel, "6.04 20200816");
    EXPECT_EQ_INT(syslinux_banner(dump, sizeof(dump) - 1, rel, sizeof(rel)), 0);
    EXPECT_EQ_STR(rel, "6.04 20200816");
    /* a capital word glued to a lower-case letter, no dot, no version: none */
    EXPECT_EQ_INT(syslinux_banner(none, sizeof(none) - 1, rel, sizeof(rel)), -ENOENT);
    EXPECT_EQ_INT(syslinux_banner((const unsigned char *)"", 0, rel, sizeof(rel)), -ENOENT);
}

int main(void)
{
    RUN(normalize);
    RUN(macs);
    RUN(generated_names);
    RUN(confined_open);
    RUN(atomic_write);
    RUN(syslinux_banner);
    return tap_done();
}
