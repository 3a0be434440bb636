/* SPDX-License-Identifier: MIT */
/* Replays api/fuzz/corpus/ through LLVMFuzzerTestOneInput (a ctest in every build). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(void)
{
    DIR *d = opendir(API_CORPUS_DIR);
    struct dirent *de;
    int n = 0;

    if (!d) {
        printf("not ok 1 - cannot open %s\n1..1\n", API_CORPUS_DIR);
        return 1;
    }
    while ((de = readdir(d))) {
        char path[4096], buf[65536];
        FILE *f;
        size_t len;

        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", API_CORPUS_DIR, de->d_name);
        f = fopen(path, "rb");
        if (!f)
            continue;
        len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
        printf("ok %d - %s\n", ++n, de->d_name);
    }
    closedir(d);
    printf("1..%d\n", n);
    return n > 0 ? 0 : 1;
}
