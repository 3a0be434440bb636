/* SPDX-License-Identifier: MIT */
/*
 * Minimal TAP harness for unit tests run by ctest.
 *   TEST(name) { ... EXPECT(cond); EXPECT_EQ_INT(a, b); EXPECT_EQ_STR(a, b); }
 *   int main(void) { RUN(name); ...; return tap_done(); }
 * A failed expectation marks the test "not ok" and the binary exits 1.
 */
#ifndef PXE_TAP_H
#define PXE_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed, tap_cur_failed;

#define TEST(name) static void test_##name(void)
#define RUN(name)                                                                                  \
    do {                                                                                           \
        tap_cur_failed = 0;                                                                        \
        test_##name();                                                                             \
        tap_n++;                                                                                   \
        printf("%s %d - %s\n", tap_cur_failed ? "not ok" : "ok", tap_n, #name);                    \
        tap_failed += tap_cur_failed;                                                              \
    } while (0)
#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("# %s:%d: expected %s\n", __FILE__, __LINE__, #cond);                           \
            tap_cur_failed = 1;                                                                    \
        }                                                                                          \
    } while (0)
#define EXPECT_EQ_INT(a, b)                                                                        \
    do {                                                                                           \
        long long tap_a_ = (long long)(a), tap_b_ = (long long)(b);                                \
        if (tap_a_ != tap_b_) {                                                                    \
            printf("# %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, tap_a_,       \
                   tap_b_);                                                                        \
            tap_cur_failed = 1;                                                                    \
        }                                                                                          \
    } while (0)
#define EXPECT_EQ_STR(a, b)                                                                        \
    do {                                                                                           \
        const char *tap_a_ = (a), *tap_b_ = (b);                                                   \
        if (!tap_a_ || !tap_b_ || strcmp(tap_a_, tap_b_) != 0) {                                   \
            printf("# %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,           \
                   tap_a_ ? tap_a_ : "(null)", tap_b_ ? tap_b_ : "(null)");                        \
            tap_cur_failed = 1;                                                                    \
        }                                                                                          \
    } while (0)

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
