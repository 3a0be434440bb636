/* SPDX-License-Identifier: MIT */
/*
 * The temp files a crash leaves behind: atomic_clean_stale removes exactly
 * "<name>.tmp.XXXXXX" files, and a successful atomic_write_file removes those
 * of its own path only (another file's writer may be mid-write).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "atomic.h"
#include "tap.h"

static char dir[] = "/tmp/pxe-stale-XXXXXX";

static void touch(const char *name)
{
    char p[256];
    FILE *f;

    snprintf(p, sizeof(p), "%s/%s", dir, name);
    f = fopen(p, "w");
    if (f)
        fclose(f);
}

static int exists(const char *name)
{
    char p[256];

    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

TEST(write_removes_own_temps_only)
{
    char path[256];

    touch("state.json.tmp.AbC123");
    touch("dhcp.leases.tmp.zz9zzz");
    snprintf(path, sizeof(path), "%s/state.json", dir);
    EXPECT_EQ_INT(atomic_write_file(path, "{}", 2, 0600), 0);
    EXPECT(!exists("state.json.tmp.AbC123"));
    EXPECT(exists("dhcp.leases.tmp.zz9zzz")); /* not this writer's */
    EXPECT(exists("state.json"));
}

TEST(clean_dir)
{
    touch("api.token.tmp.q1w2e3");
    touch("x.tmp.y.tmp.Q1w2e3");                     /* ".tmp." inside the name */
    touch("keep.tmp.short");                         /* not mkostemp's six characters */
    touch("keep.tmp.abcdefg");                       /* seven */
    touch(".tmp.abcdef");                            /* no name */
    touch("keep.tmp.ab-def");                        /* not alphanumeric */
    EXPECT_EQ_INT(atomic_clean_stale(dir, NULL), 3); /* api.token's, x.tmp.y's, dhcp.leases' */
    EXPECT(!exists("api.token.tmp.q1w2e3") && !exists("dhcp.leases.tmp.zz9zzz") &&
           !exists("x.tmp.y.tmp.Q1w2e3"));
    EXPECT(exists("keep.tmp.short") && exists("keep.tmp.abcdefg") && exists(".tmp.abcdef") &&
           exists("keep.tmp.ab-def") && exists("state.json"));
    EXPECT_EQ_INT(atomic_clean_stale("/nonexistent-pxe-dir", NULL), -ENOENT);
}

int main(void)
{
    char cmd[300];
    int r;

    if (!mkdtemp(dir))
        return 1;
    RUN(write_removes_own_temps_only);
    RUN(clean_dir);
    r = tap_done();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return r;
}
