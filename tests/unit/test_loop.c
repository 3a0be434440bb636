/* SPDX-License-Identifier: MIT */
/* Event loop: timer order, re-arming, removal during dispatch, post() from threads, fds. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "loop.h"
#include "tap.h"

static int order[8], n_order;
static struct loop *L;

static void record(void *ud)
{
    order[n_order++] = (int)(long)ud;
}

TEST(timers_fire_in_deadline_order)
{
    L = loop_new();
    n_order = 0;
    EXPECT_EQ_INT(loop_timer_add(L, NULL, 30000, record, (void *)3, NULL), 0);
    EXPECT_EQ_INT(loop_timer_add(L, NULL, 10000, record, (void *)1, NULL), 0);
    EXPECT_EQ_INT(loop_timer_add(L, NULL, 20000, record, (void *)2, NULL), 0);
    for (int i = 0; i < 50 && n_order < 3; i++)
        loop_iterate(L, 100);
    EXPECT_EQ_INT(n_order, 3);
    EXPECT_EQ_INT(order[0], 1);
    EXPECT_EQ_INT(order[1], 2);
    EXPECT_EQ_INT(order[2], 3);
    loop_free(L);
}

static struct pxe_source *victim;

static void kill_victim(void *ud)
{
    loop_source_free(victim);
    record(ud);
}

TEST(source_freed_inside_dispatch_never_fires)
{
    struct pxe_source *killer;

    L = loop_new();
    n_order = 0;
    EXPECT_EQ_INT(loop_timer_add(L, NULL, 1000, kill_victim, (void *)1, &killer), 0);
    EXPECT_EQ_INT(loop_timer_add(L, NULL, 1000, record, (void *)2, &victim), 0);
    usleep(5000);
    loop_iterate(L, 0);
    EXPECT_EQ_INT(n_order, 1);
    EXPECT_EQ_INT(order[0], 1);
    loop_free(L);
}

static void rearm(void *ud)
{
    struct pxe_source **src = ud;

    record((void *)7);
    if (n_order < 3)
        loop_timer_set(*src, 1000);
}

TEST(timer_rearms_from_its_callback_and_disarms)
{
    struct pxe_source *t, *off;

    L = loop_new();
    n_order = 0;
    EXPECT_EQ_INT(loop_timer_add(L, NULL, 1000, rearm, &t, &t), 0);
    EXPECT_EQ_INT(loop_timer_add(L, NULL, 1000, record, (void *)9, &off), 0);
    EXPECT_EQ_INT(loop_timer_set(off, 0), 0);
    for (int i = 0; i < 100 && n_order < 3; i++)
        loop_iterate(L, 50);
    EXPECT_EQ_INT(n_order, 3);
    for (int i = 0; i < 3; i++)
        EXPECT_EQ_INT(order[i], 7);
    loop_free(L);
}

#define POSTERS 4
#define POSTS 250
static int posted;

static void count_post(void *ud)
{
    (void)ud;
    posted++;
}

static void *poster(void *ud)
{
    for (int i = 0; i < POSTS; i++)
        loop_post(ud, count_post, NULL);
    return NULL;
}

TEST(post_from_threads_runs_every_callback_on_the_loop)
{
    pthread_t th[POSTERS];

    L = loop_new();
    posted = 0;
    for (int i = 0; i < POSTERS; i++)
        pthread_create(&th[i], NULL, poster, L);
    for (int i = 0; i < POSTERS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 100 && posted < POSTERS * POSTS; i++)
        loop_iterate(L, 50);
    EXPECT_EQ_INT(posted, POSTERS * POSTS);
    loop_free(L);
}

static void on_readable(void *ud, int fd, uint32_t ev)
{
    char c;

    if (read(fd, &c, 1) == 1)
        record((void *)(long)c);
}

TEST(io_watch_and_free_owner)
{
    int p[2];
    int owner;

    L = loop_new();
    n_order = 0;
    EXPECT_EQ_INT(pipe(p), 0);
    EXPECT_EQ_INT(loop_io_add(L, &owner, p[0], PXE_IO_IN, on_readable, NULL, NULL), 0);
    EXPECT_EQ_INT(loop_timer_add(L, &owner, 1000000, record, NULL, NULL), 0);
    EXPECT_EQ_INT(write(p[1], "A", 1), 1);
    loop_iterate(L, 100);
    EXPECT_EQ_INT(n_order, 1);
    EXPECT_EQ_INT(order[0], 'A');
    EXPECT_EQ_INT(loop_free_owner(L, &owner), 2);
    EXPECT_EQ_INT(write(p[1], "B", 1), 1);
    loop_iterate(L, 10);
    EXPECT_EQ_INT(n_order, 1);
    EXPECT_EQ_INT(loop_io_add(L, NULL, -1, PXE_IO_IN, on_readable, NULL, NULL), -22);
    close(p[0]);
    close(p[1]);
    loop_free(L);
}

int main(void)
{
    RUN(timers_fire_in_deadline_order);
    RUN(source_freed_inside_dispatch_never_fires);
    RUN(timer_rearms_from_its_callback_and_disarms);
    RUN(post_from_threads_runs_every_callback_on_the_loop);
    RUN(io_watch_and_free_owner);
    return tap_done();
}
