/* SPDX-License-Identifier: MIT */
/* Asynchronous child processes: posix_spawn + pidfd on the loop, output captured. */
#ifndef PXE_CORE_CHILD_H
#define PXE_CORE_CHILD_H

#include <pxecore/plugin.h>

#include "loop.h"

#define SPAWN_OUTPUT_MAX 65536

/* Starts argv; on_exit(ud, status, output, len) runs on the loop when it ends. 0 or -errno. */
int spawn_child(struct loop *l, void *owner, const char *const *argv, pxe_exit_cb on_exit,
                void *ud);

/* The same with stdin_fd (-1: /dev/null) as the child's standard input. */
int spawn_child_stdin(struct loop *l, void *owner, const char *const *argv, int stdin_fd,
                      pxe_exit_cb on_exit, void *ud);

/* Forgets owner's children (its plugin is being unloaded): their exit is no
 * longer reported, those already exited are reaped.  Returns how many. */
unsigned spawn_forget_owner(void *owner);

#endif
