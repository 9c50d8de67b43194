/* Tensor buffers that sit between two PROT_NONE guard pages: the last element ends exactly at the
 * page after it, so a SIMD tail that reads or writes one byte past the end faults at once; the page
 * before catches under-runs that leave the first page (at once when the size is whole pages).
 * A fault on a guard page prints one line naming the implementation, the layer and the buffer,
 * and exits with status 1. */
#ifndef CNB_HARNESS_BUFFER_H
#define CNB_HARNESS_BUFFER_H

#include <stddef.h>

#include "kernels/problem.h"

typedef struct cnb_buf {
    float *ptr;       /* n floats, ending at a guard page; only 4-byte aligned in general.
                       * NULL for a buffer of another data type: use data */
    void *data;       /* the n elements, whatever their type (== ptr for f32) */
    size_t n;
    cnb_dt dt;
    size_t esize;     /* bytes per element */
    void *map;        /* the whole mapping, guards included */
    size_t map_len;
    const char *what; /* "src", "dst", ... for the fault message */
} cnb_buf;

/* Returns 0, or -1 when the memory cannot be mapped. n may be 0 (one element is mapped). */
int cnb_buf_alloc(cnb_buf *b, size_t n, const char *what);
/* The same for n elements of type dt (cnb_buf_alloc is dt f32). */
int cnb_buf_alloc_dt(cnb_buf *b, size_t n, cnb_dt dt, const char *what);
void cnb_buf_free(cnb_buf *b);
/* Install the fault handler (once) and say what is running, for its message. */
void cnb_guard_install(void);
void cnb_guard_context(const char *impl, const char *layer);

#endif
