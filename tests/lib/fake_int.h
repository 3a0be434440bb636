/* SPDX-License-Identifier: MIT */
/* Inside the fake core: what fake_core.c's table takes from fake_loop.c and fake_files.c. */
#ifndef PXE_TESTS_FAKE_INT_H
#define PXE_TESTS_FAKE_INT_H

#include "fake_core.h"

/* fake_loop.c */
uint64_t fake_now(void);
void fake_loop_reset(void);
int fake_io_add(struct pxe_core *self, int fd, uint32_t events, pxe_io_cb cb, void *ud,
                struct pxe_source **ret);
int fake_io_set_events(struct pxe_source *s, uint32_t events);
int fake_timer_add(struct pxe_core *self, uint64_t usec, pxe_timer_cb cb, void *ud,
                   struct pxe_source **ret);
int fake_timer_set(struct pxe_source *s, uint64_t usec);
void fake_source_free(struct pxe_source *s);
int fake_spawn(struct pxe_core *self, const char *const *argv, pxe_exit_cb cb, void *ud);

/* fake_files.c */
void fake_files_reset(void);
uint32_t fake_image_count(struct pxe_core *self);
const struct pxe_image *fake_image_get(struct pxe_core *self, uint32_t i);
const struct pxe_image *fake_image_find(struct pxe_core *self, const char *name);
int fake_image_list(struct pxe_core *self, const struct pxe_image *img, const char *rel,
                    int (*cb)(void *ud, const char *name, uint32_t type), void *ud);
int fake_image_fact_set(struct pxe_core *self, const struct pxe_image *img, const char *key,
                        const char *value);
int fake_file_open(struct pxe_core *self, const char *path, const struct pxe_client *client,
                   struct pxe_file **ret);
void fake_file_close(struct pxe_file *f);
int fake_buf_append(struct pxe_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fake_menu_add(struct pxe_menu *m, const struct pxe_menu_entry *e);

#endif
