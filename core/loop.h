/* SPDX-License-Identifier: MIT */
/*
 * The core event loop: one epoll set owning fd watches, a timer heap and a
 * thread-safe post queue (eventfd).  Callbacks run to completion on the loop
 * thread.  Every source is tagged with an owner so a plugin's leftovers can be
 * reclaimed after its stop().
 */
#ifndef PXE_CORE_LOOP_H
#define PXE_CORE_LOOP_H

#include <stdint.h>

#include <pxecore/plugin.h>

struct loop;

struct loop *loop_new(void);
/* Frees every remaining source and drops pending posts. Accepts NULL. */
void loop_free(struct loop *l);

int loop_io_add(struct loop *l, void *owner, int fd, uint32_t events, pxe_io_cb cb, void *ud,
                struct pxe_source **ret_src);
int loop_io_set_events(struct pxe_source *src, uint32_t events);
int loop_timer_add(struct loop *l, void *owner, uint64_t usec, pxe_timer_cb cb, void *ud,
                   struct pxe_source **ret_src);
/* Re-arms a timer usec from now; 0 disarms. -EINVAL for an fd source. */
int loop_timer_set(struct pxe_source *src, uint64_t usec);
/* Removes the source; memory is reclaimed after the current dispatch. Accepts NULL. */
void loop_source_free(struct pxe_source *src);
/* Frees every source of owner; returns how many were left. */
unsigned loop_free_owner(struct loop *l, void *owner);

/* Queues cb(ud) to run on the loop thread. Thread-safe. 0 or -ENOMEM. */
int loop_post(struct loop *l, pxe_post_cb cb, void *ud);

/* Dispatches until loop_quit; returns 0, or -errno if epoll fails. */
int loop_run(struct loop *l);
/* Makes loop_run return after the current dispatch. Loop thread. */
void loop_quit(struct loop *l);
/* Runs at most one round of dispatch waiting at most timeout_ms (tests). */
int loop_iterate(struct loop *l, int timeout_ms);

uint64_t loop_now_usec(void);

#endif
