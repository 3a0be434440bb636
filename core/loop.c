/* SPDX-License-Identifier: MIT */
/* epoll loop: fd watches, a binary heap of one-shot timers, an eventfd post queue. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define SRC_IO 1
#define SRC_TIMER 2
#define NOT_ARMED SIZE_MAX

struct pxe_source {
    struct loop *loop;
    int kind;
    int fd;
    uint32_t events;
    int dead;
    pxe_io_cb io_cb;
    pxe_timer_cb timer_cb;
    void *ud;
    void *owner;
    uint64_t deadline;
    size_t heap_idx;
    struct pxe_source *prev, *next; /* all live sources */
    struct pxe_source *next_dead;
};

struct post_item {
    pxe_post_cb cb;
    void *ud;
    struct post_item *next;
};

struct loop {
    int epfd;
    int evfd;
    int quit;
    struct pxe_source *sources;
    struct pxe_source *dead;
    struct pxe_source **heap;
    size_t heap_len, heap_cap;
    pthread_mutex_t post_lock;
    struct post_item *post_head, *post_tail;
};

uint64_t loop_now_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct loop *loop_new(void)
{
    struct loop *l = calloc(1, sizeof(*l));
    struct epoll_event ev = {.events = EPOLLIN};

    if (!l)
        return NULL;
    pthread_mutex_init(&l->post_lock, NULL);
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (l->epfd < 0 || l->evfd < 0)
        goto fail;
    ev.data.ptr = NULL; /* NULL marks the post eventfd */
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->evfd, &ev) < 0)
        goto fail;
    return l;
fail:
    if (l->epfd >= 0)
        close(l->epfd);
    if (l->evfd >= 0)
        close(l->evfd);
    free(l);
    return NULL;
}

/* ---- timer heap ---- */

static void heap_swap(struct loop *l, size_t a, size_t b)
{
    struct pxe_source *t = l->heap[a];

    l->heap[a] = l->heap[b];
    l->heap[b] = t;
    l->heap[a]->heap_idx = a;
    l->heap[b]->heap_idx = b;
}

static void heap_up(struct loop *l, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;

        if (l->heap[p]->deadline <= l->heap[i]->deadline)
            break;
        heap_swap(l, p, i);
        i = p;
    }
}

static void heap_down(struct loop *l, size_t i)
{
    for (;;) {
        size_t c = 2 * i + 1, m = i;

        if (c < l->heap_len && l->heap[c]->deadline < l->heap[m]->deadline)
            m = c;
        if (c + 1 < l->heap_len && l->heap[c + 1]->deadline < l->heap[m]->deadline)
            m = c + 1;
        if (m == i)
            break;
        heap_swap(l, m, i);
        i = m;
    }
}

static void heap_remove(struct loop *l, struct pxe_source *s)
{
    size_t i = s->heap_idx;

    if (i == NOT_ARMED)
        return;
    s->heap_idx = NOT_ARMED;
    l->heap_len--;
    if (i == l->heap_len)
        return;
    l->heap[i] = l->heap[l->heap_len];
    l->heap[i]->heap_idx = i;
    heap_up(l, i);
    heap_down(l, l->heap[i]->heap_idx);
}

static int heap_insert(struct loop *l, struct pxe_source *s)
{
    if (l->heap_len == l->heap_cap) {
        size_t cap = l->heap_cap ? l->heap_cap * 2 : 64;
        struct pxe_source **h = realloc(l->heap, cap * sizeof(*h));

        if (!h)
            return -ENOMEM;
        l->heap = h;
        l->heap_cap = cap;
    }
    s->heap_idx = l->heap_len;
    l->heap[l->heap_len++] = s;
    heap_up(l, s->heap_idx);
    return 0;
}

/* ---- sources ---- */

static struct pxe_source *source_new(struct loop *l, void *owner, int kind)
{
    struct pxe_source *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->loop = l;
    s->kind = kind;
    s->fd = -1;
    s->owner = owner;
    s->heap_idx = NOT_ARMED;
    s->next = l->sources;
    if (l->sources)
        l->sources->prev = s;
    l->sources = s;
    return s;
}

static void source_unlink(struct pxe_source *s)
{
    struct loop *l = s->loop;

    if (s->prev)
        s->prev->next = s->next;
    else
        l->sources = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
}

int loop_io_add(struct loop *l, void *owner, int fd, uint32_t events, pxe_io_cb cb, void *ud,
                struct pxe_source **ret_src)
{
    struct epoll_event ev = {.events = events};
    struct pxe_source *s;

    if (fd < 0 || !cb)
        return -EINVAL;
    s = source_new(l, owner, SRC_IO);
    if (!s)
        return -ENOMEM;
    s->fd = fd;
    s->events = events;
    s->io_cb = cb;
    s->ud = ud;
    ev.data.ptr = s;
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int r = -errno;

        source_unlink(s);
        free(s);
        return r;
    }
    if (ret_src)
        *ret_src = s;
    return 0;
}

int loop_io_set_events(struct pxe_source *s, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = s};

    if (!s || s->kind != SRC_IO || s->dead)
        return -EINVAL;
    if (epoll_ctl(s->loop->epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0)
        return -errno;
    s->events = events;
    return 0;
}

int loop_timer_add(struct loop *l, void *owner, uint64_t usec, pxe_timer_cb cb, void *ud,
                   struct pxe_source **ret_src)
{
    struct pxe_source *s;
    int r;

    if (!cb)
        return -EINVAL;
    s = source_new(l, owner, SRC_TIMER);
    if (!s)
        return -ENOMEM;
    s->timer_cb = cb;
    s->ud = ud;
    r = loop_timer_set(s, usec);
    if (r < 0) {
        source_unlink(s);
        free(s);
        return r;
    }
    if (ret_src)
        *ret_src = s;
    return 0;
}

int loop_timer_set(struct pxe_source *s, uint64_t usec)
{
    if (!s || s->kind != SRC_TIMER || s->dead)
        return -EINVAL;
    heap_remove(s->loop, s);
    if (usec == 0)
        return 0;
    s->deadline = loop_now_usec() + usec;
    return heap_insert(s->loop, s);
}

void loop_source_free(struct pxe_source *s)
{
    struct loop *l;

    if (!s || s->dead)
        return;
    l = s->loop;
    s->dead = 1;
    if (s->kind == SRC_IO)
        epoll_ctl(l->epfd, EPOLL_CTL_DEL, s->fd, NULL);
    else
        heap_remove(l, s);
    source_unlink(s);
    s->next_dead = l->dead;
    l->dead = s;
}

static void reap_dead(struct loop *l)
{
    while (l->dead) {
        struct pxe_source *s = l->dead;

        l->dead = s->next_dead;
        free(s);
    }
}

unsigned loop_free_owner(struct loop *l, void *owner)
{
    unsigned n = 0;
    struct pxe_source *s = l->sources, *next;

    for (; s; s = next) {
        next = s->next;
        if (s->owner == owner) {
            loop_source_free(s);
            n++;
        }
    }
    return n;
}

/* ---- post queue ---- */

int loop_post(struct loop *l, pxe_post_cb cb, void *ud)
{
    struct post_item *it = malloc(sizeof(*it));
    uint64_t one = 1;

    if (!it)
        return -ENOMEM;
    it->cb = cb;
    it->ud = ud;
    it->next = NULL;
    pthread_mutex_lock(&l->post_lock);
    if (l->post_tail)
        l->post_tail->next = it;
    else
        l->post_head = it;
    l->post_tail = it;
    pthread_mutex_unlock(&l->post_lock);
    if (write(l->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        return -errno;
    return 0;
}

static void run_posts(struct loop *l)
{
    uint64_t v;
    struct post_item *it;

    if (read(l->evfd, &v, sizeof(v)) < 0) {
        /* EAGAIN: nothing counted; the queue is checked anyway */
    }
    pthread_mutex_lock(&l->post_lock);
    it = l->post_head;
    l->post_head = l->post_tail = NULL;
    pthread_mutex_unlock(&l->post_lock);
    while (it) {
        struct post_item *next = it->next;

        it->cb(it->ud);
        free(it);
        it = next;
    }
}

/* ---- dispatch ---- */

static int next_timeout_ms(struct loop *l, int cap_ms)
{
    uint64_t now, d;

    if (l->heap_len == 0)
        return cap_ms;
    now = loop_now_usec();
    d = l->heap[0]->deadline;
    if (d <= now)
        return 0;
    d = (d - now + 999) / 1000;
    if (cap_ms >= 0 && d > (uint64_t)cap_ms)
        return cap_ms;
    return d > 60000 ? 60000 : (int)d;
}

static void run_timers(struct loop *l)
{
    uint64_t now = loop_now_usec();

    while (l->heap_len > 0 && l->heap[0]->deadline <= now) {
        struct pxe_source *s = l->heap[0];

        heap_remove(l, s);
        s->timer_cb(s->ud);
    }
}

int loop_iterate(struct loop *l, int timeout_ms)
{
    struct epoll_event evs[64];
    int n = epoll_wait(l->epfd, evs, 64, next_timeout_ms(l, timeout_ms));

    if (n < 0) {
        if (errno == EINTR)
            return 0;
        return -errno;
    }
    for (int i = 0; i < n; i++) {
        struct pxe_source *s = evs[i].data.ptr;

        if (!s) {
            run_posts(l);
            continue;
        }
        if (s->dead)
            continue;
        s->io_cb(s->ud, s->fd, evs[i].events);
    }
    run_timers(l);
    reap_dead(l);
    return 0;
}

int loop_run(struct loop *l)
{
    l->quit = 0;
    while (!l->quit) {
        int r = loop_iterate(l, -1);

        if (r < 0)
            return r;
    }
    return 0;
}

void loop_quit(struct loop *l)
{
    l->quit = 1;
}

void loop_free(struct loop *l)
{
    struct post_item *it;

    if (!l)
        return;
    while (l->sources)
        loop_source_free(l->sources);
    reap_dead(l);
    it = l->post_head;
    while (it) {
        struct post_item *next = it->next;

        free(it);
        it = next;
    }
    free(l->heap);
    close(l->epfd);
    close(l->evfd);
    pthread_mutex_destroy(&l->post_lock);
    free(l);
}
