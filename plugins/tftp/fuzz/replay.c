/* SPDX-License-Identifier: MIT */
/*
 * Runs every file of the directories given as arguments (default: the seed
 * corpus, PXE_FUZZ_CORPUS) through LLVMFuzzerTestOneInput, for ctest.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    static char *def[] = {NULL, PXE_FUZZ_CORPUS};
    int i, n = 0;

    if (argc < 2) {
        argc = 2;
        argv = def;
    }
    for (i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        struct dirent *e;

        if (!d) {
            perror(argv[i]);
            return 1;
        }
        while ((e = readdir(d))) {
            char path[4096];
            uint8_t buf[65536];
            size_t len;
            FILE *f;

            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            f = fopen(path, "rb");
            if (!f)
                continue;
            len = fread(buf, 1, sizeof(buf), f);
            fclose(f);
            LLVMFuzzerTestOneInput(buf, len);
            n++;
        }
        closedir(d);
    }
    printf("1..1\nok 1 - replayed %d inputs\n", n);
    return n > 0 ? 0 : 1;
}
