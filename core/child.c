/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

extern char **environ;

struct child {
    pid_t pid;
    int pidfd;
    int outfd;
    struct pxe_source *pid_src, *out_src;
    char *out;
    size_t out_len;
    pxe_exit_cb cb;
    void *ud;
    void *owner;
    struct child *next;
};

/* Children still running (loop thread only). */
static struct child *children;

static void child_unlink(struct child *c)
{
    for (struct child **pp = &children; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            return;
        }
}

static void child_drain(struct child *c)
{
    char tmp[4096];

    for (;;) {
        ssize_t n = read(c->outfd, tmp, sizeof(tmp));

        if (n <= 0)
            return;
        if (c->out_len < SPAWN_OUTPUT_MAX) {
            size_t k = (size_t)n;

            if (k > SPAWN_OUTPUT_MAX - c->out_len)
                k = SPAWN_OUTPUT_MAX - c->out_len;
            memcpy(c->out + c->out_len, tmp, k);
            c->out_len += k;
        }
    }
}

static void on_output(void *ud, int fd, uint32_t events)
{
    struct child *c = ud;

    child_drain(c);
    if (events & (PXE_IO_HUP | PXE_IO_ERR)) {
        loop_source_free(c->out_src);
        c->out_src = NULL;
    }
}

static void on_exit_ready(void *ud, int fd, uint32_t events)
{
    struct child *c = ud;
    int status = 0;

    child_drain(c);
    if (waitpid(c->pid, &status, WNOHANG) == 0)
        return; /* spurious */
    child_unlink(c);
    loop_source_free(c->pid_src);
    loop_source_free(c->out_src);
    close(c->pidfd);
    close(c->outfd);
    c->out[c->out_len] = '\0';
    c->cb(c->ud, status, c->out, c->out_len);
    free(c->out);
    free(c);
}

int spawn_child(struct loop *l, void *owner, const char *const *argv, pxe_exit_cb on_exit,
                void *ud)
{
    return spawn_child_stdin(l, owner, argv, -1, on_exit, ud);
}

int spawn_child_stdin(struct loop *l, void *owner, const char *const *argv, int stdin_fd,
                      pxe_exit_cb on_exit, void *ud)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none;
    struct child *c;
    int pipefd[2], r;

    if (!argv || !argv[0] || argv[0][0] != '/' || !on_exit)
        return -EINVAL;
    c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->out = malloc(SPAWN_OUTPUT_MAX + 1);
    if (!c->out || pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0) {
        r = c->out ? -errno : -ENOMEM;
        free(c->out);
        free(c);
        return r;
    }
    posix_spawn_file_actions_init(&fa);
    if (stdin_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    {
        sigset_t def;

        sigemptyset(&def);
        sigaddset(&def, SIGPIPE);
        sigaddset(&def, SIGTERM);
        sigaddset(&def, SIGINT);
        sigaddset(&def, SIGHUP);
        sigaddset(&def, SIGCHLD);
        posix_spawnattr_setsigdefault(&attr, &def);
    }
    r = -posix_spawn(&c->pid, argv[0], &fa, &attr, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(pipefd[1]);
    c->outfd = pipefd[0];
    if (r < 0)
        goto fail;
    c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    if (c->pidfd < 0) {
        r = -errno;
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        goto fail;
    }
    c->cb = on_exit;
    c->ud = ud;
    r = loop_io_add(l, owner, c->outfd, PXE_IO_IN, on_output, c, &c->out_src);
    if (r == 0)
        r = loop_io_add(l, owner, c->pidfd, PXE_IO_IN, on_exit_ready, c, &c->pid_src);
    if (r < 0) {
        loop_source_free(c->out_src);
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        close(c->pidfd);
        goto fail;
    }
    c->owner = owner;
    c->next = children;
    children = c;
    return 0;
fail:
    close(c->outfd);
    free(c->out);
    free(c);
    return r;
}

unsigned spawn_forget_owner(void *owner)
{
    unsigned n = 0;

    for (struct child **pp = &children; *pp;) {
        struct child *c = *pp;

        if (c->owner != owner) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        loop_source_free(c->pid_src);
        loop_source_free(c->out_src);
        close(c->pidfd);
        close(c->outfd);
        waitpid(c->pid, NULL, WNOHANG);
        free(c->out);
        free(c);
        n++;
    }
    return n;
}
