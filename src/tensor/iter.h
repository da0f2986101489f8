/*
 * iter.h - walking several strided tensors of one shape together.
 *
 * An elementwise operation over N operands (output first by convention) is
 * an outer loop over all dimensions but the last and a 1-d inner loop. The
 * iterator drops size-1 dimensions and merges dimensions that are contiguous
 * with each other in every operand, so a contiguous (or uniformly strided)
 * tensor becomes one long inner loop whatever its rank. Strides are in bytes.
 * The caller has checked bounds: the iterator only computes addresses.
 */
#ifndef TS_ITER_H
#define TS_ITER_H

#include "tensor/tensor.h"

enum { ITER_MAX_OPS = 4 };

typedef struct StridedIter {
    int nops;
    int ndim;                                  /* >= 1 after init */
    int64_t numel;                             /* 0: nothing to visit */
    int64_t sizes[TS_MAX_DIMS];
    int64_t strides[ITER_MAX_OPS][TS_MAX_DIMS]; /* bytes */
} StridedIter;

/* The inner loop: n elements; p[k] is operand k's first element, s[k] its
 * byte stride. */
typedef void (*IterLoop)(void *arg, int64_t n, char **p, const int64_t *s);

/* sizes: the common shape (ndim dims). strides[k]: operand k's element
 * strides (NULL entries are not allowed); esize[k]: its element size. */
void iter_init(StridedIter *it, int nops, int ndim, const int64_t *sizes,
               const int64_t *const *strides, const size_t *esize);
/* Call loop once per inner row; base[k] is operand k's element 0. */
void iter_run(const StridedIter *it, char **base, IterLoop loop, void *arg);
/* The same, over outer rows [row_begin, row_end) only (for splitting work). */
void iter_run_rows(const StridedIter *it, char **base, int64_t row_begin, int64_t row_end,
                   IterLoop loop, void *arg);
/* Number of inner rows (product of all sizes but the last). */
int64_t iter_rows(const StridedIter *it);

#endif
