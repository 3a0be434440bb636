/* SPDX-License-Identifier: MIT */
/* Replays the seed corpus ($NBD_CORPUS) through the fuzz target, as a TAP test. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(void)
{
    const char *dir = getenv("NBD_CORPUS");
    struct dirent *d;
    int n = 0;
    DIR *dp;

    if (!dir || !(dp = opendir(dir))) {
        printf("not ok 1 - corpus directory\n1..1\n");
        return 1;
    }
    while ((d = readdir(dp))) {
        char path[4096];
        static uint8_t buf[1 << 20];
        FILE *f;
        size_t len;

        if (d->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
        if (!(f = fopen(path, "rb")))
            continue;
        len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
        printf("ok %d - %s\n", ++n, d->d_name);
    }
    closedir(dp);
    if (n == 0)
        printf("not ok 1 - empty corpus\n");
    printf("1..%d\n", n ? n : 1);
    return n ? 0 : 1;
}
