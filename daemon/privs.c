/* SPDX-License-Identifier: MIT */
/* The privilege drop and the pidfile, both around the bind phase. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

int privs_drop(const char *user)
{
    struct passwd *pw;

    if (!user || !*user)
        return 0;
    pw = getpwnam(user);
    if (!pw) {
        log_err("core.user: no user named '%s'", user);
        return -ENOENT;
    }
    if (getuid() == pw->pw_uid)
        return 0;
    if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
        int r = -errno;

        log_err("core.user: cannot switch to '%s': %s", user, strerror(-r));
        return r;
    }
    log_info("running as user '%s'", user);
    return 0;
}

/*
 * The pidfile is created empty before the privilege drop (its directory is
 * usually root's) and gets the PID once every plugin started: a non-empty
 * pidfile means "ready".
 */
int privs_pidfile_create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);

    return fd < 0 ? -errno : fd;
}

int privs_pidfile_fill(int fd)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

    if (write(fd, buf, (size_t)n) != n)
        return -EIO;
    return fsync(fd) < 0 ? -errno : 0;
}

void privs_raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}
