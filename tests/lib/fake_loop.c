/* SPDX-License-Identifier: MIT */
/* The fake core's loop (fake_core.h): io sources, timers and spawned children over poll(2). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fake_int.h"

#define MAX_SOURCES 1024
#define MAX_POLL    256

struct pxe_source {
    int fd; /* -1: a timer */
    uint32_t events;
    pxe_io_cb io;
    pxe_timer_cb timer;
    void *ud;
    uint64_t due; /* timers: 0 disarmed */
    int freed;
};

struct child {
    pid_t pid;
    int fd;
    char *out;
    size_t len;
    pxe_exit_cb cb;
    void *ud;
    struct child *next;
};

static struct pxe_source *sources[MAX_SOURCES];
static int n_sources;
static struct child *children;
static volatile sig_atomic_t quit;

uint64_t fake_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void fake_loop_reset(void)
{
    for (int i = 0; i < n_sources; i++)
        free(sources[i]);
    n_sources = 0;
}

static int source_new(int fd, uint32_t events, pxe_io_cb io, pxe_timer_cb timer, void *ud,
                      uint64_t usec, struct pxe_source **ret)
{
    struct pxe_source *s;

    if (n_sources == MAX_SOURCES)
        return -ENOSPC;
    s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    *s = (struct pxe_source){fd, events, io, timer, ud, timer ? fake_now() + usec : 0, 0};
    sources[n_sources++] = s;
    *ret = s;
    return 0;
}

int fake_io_add(struct pxe_core *self, int fd, uint32_t events, pxe_io_cb cb, void *ud,
                struct pxe_source **ret)
{
    return source_new(fd, events, cb, NULL, ud, 0, ret);
}

int fake_io_set_events(struct pxe_source *s, uint32_t events)
{
    s->events = events;
    return 0;
}

int fake_timer_add(struct pxe_core *self, uint64_t usec, pxe_timer_cb cb, void *ud,
                   struct pxe_source **ret)
{
    return source_new(-1, 0, NULL, cb, ud, usec, ret);
}

int fake_timer_set(struct pxe_source *s, uint64_t usec)
{
    s->due = usec ? fake_now() + usec : 0;
    return 0;
}

/* Freed sources are reclaimed after the dispatch that may still hold them. */
void fake_source_free(struct pxe_source *s)
{
    if (s)
        s->freed = 1;
}

static void reclaim(void)
{
    int k = 0;

    for (int i = 0; i < n_sources; i++) {
        if (sources[i]->freed)
            free(sources[i]);
        else
            sources[k++] = sources[i];
    }
    n_sources = k;
}

int fake_spawn(struct pxe_core *self, const char *const *argv, pxe_exit_cb cb, void *ud)
{
    char line[1024];
    size_t n = 0;
    struct child *c;
    int p[2];

    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    c = calloc(1, sizeof(*c));
    if (!c || (c->pid = fork()) < 0) {
        free(c);
        close(p[0]);
        close(p[1]);
        return -ENOMEM;
    }
    if (c->pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "execv %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(p[1]);
    *c = (struct child){c->pid, p[0], NULL, 0, cb, ud, children};
    children = c;
    for (int i = 0; argv[i] && n < sizeof(line) - 2; i++)
        n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", argv[i]);
    if (!fake.quiet)
        fprintf(stderr, "%s: spawn: %s\n", fake.tag, line);
    return 0;
}

unsigned fake_children(void)
{
    unsigned n = 0;

    for (struct child *c = children; c; c = c->next)
        n++;
    return n;
}

/* Reads c's output; at its end reaps c and calls its exit callback. */
static void child_readable(struct child *c)
{
    char buf[4096];
    ssize_t r = read(c->fd, buf, sizeof(buf));
    struct child **pp;
    int status = 0;

    if (r > 0) {
        char *o = realloc(c->out, c->len + (size_t)r + 1);

        if (!o)
            return;
        c->out = o;
        memcpy(c->out + c->len, buf, (size_t)r);
        c->len += (size_t)r;
        c->out[c->len] = '\0';
        return;
    }
    close(c->fd);
    waitpid(c->pid, &status, 0);
    for (pp = &children; *pp != c; pp = &(*pp)->next)
        ;
    *pp = c->next;
    if (!fake.quiet)
        fprintf(stderr, "%s: exit %d: %s%s", fake.tag, status, c->out ? c->out : "",
                c->len && c->out[c->len - 1] == '\n' ? "" : "\n");
    c->cb(c->ud, status, c->out ? c->out : "", c->len);
    free(c->out);
    free(c);
}

/* The poll timeout: max_ms, or less when a timer is due sooner. */
static int next_wait(int max_ms)
{
    uint64_t now = fake_now();

    for (int i = 0; i < n_sources; i++) {
        struct pxe_source *s = sources[i];

        if (!s->freed && s->timer && s->due) {
            int64_t d = s->due <= now ? 0 : (int64_t)(s->due - now + 999) / 1000;

            if (d < max_ms)
                max_ms = (int)d;
        }
    }
    return max_ms;
}

void fake_run_once(int max_ms)
{
    struct pollfd pf[MAX_POLL];
    struct pxe_source *ps[MAX_POLL];
    struct child *cs[MAX_POLL];
    int n = 0, nio;
    uint64_t now;

    for (int i = 0; i < n_sources && n < MAX_POLL; i++)
        if (!sources[i]->freed && sources[i]->io) {
            pf[n] = (struct pollfd){.fd = sources[i]->fd, .events = (short)sources[i]->events};
            ps[n++] = sources[i];
        }
    nio = n;
    for (struct child *c = children; c && n < MAX_POLL; c = c->next) {
        pf[n] = (struct pollfd){.fd = c->fd, .events = POLLIN};
        cs[n++] = c;
    }
    if (poll(pf, (nfds_t)n, next_wait(max_ms)) > 0) {
        for (int i = 0; i < nio; i++)
            if (pf[i].revents && !ps[i]->freed)
                ps[i]->io(ps[i]->ud, pf[i].fd, (uint32_t)pf[i].revents);
        for (int i = nio; i < n; i++)
            if (pf[i].revents)
                child_readable(cs[i]);
    }
    now = fake_now();
    for (int i = 0; i < n_sources; i++) {
        struct pxe_source *s = sources[i];

        if (!s->freed && s->timer && s->due && s->due <= now) {
            s->due = 0;
            s->timer(s->ud);
        }
    }
    reclaim();
}

void fake_run(uint64_t usec)
{
    uint64_t end = usec ? fake_now() + usec : UINT64_MAX;

    quit = 0;
    while (!quit && fake_now() < end)
        fake_run_once(20);
}

void fake_quit(void)
{
    quit = 1;
}
