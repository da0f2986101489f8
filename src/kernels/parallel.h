/*
 * parallel.h - intra-op parallelism: a small process-wide pool of worker
 * threads and a parallel for over an index range.
 *
 * kernels_parallel_for(n, grain, fn, arg) calls fn(arg, begin, end) over
 * disjoint ranges covering [0, n), each at least `grain` long, on up to
 * kernels_threads() threads (the caller is one of them), and returns when
 * all are done. Work is split the same way whatever the timing, and each
 * index is computed by exactly one call, so results do not depend on the
 * number of threads when fn writes disjoint outputs. It runs serially when
 * there is one thread, when the range is small, when called from inside a
 * parallel region, or while another thread is using the pool.
 */
#ifndef TS_KERNELS_PARALLEL_H
#define TS_KERNELS_PARALLEL_H

#include <stdint.h>

typedef void (*ParallelFn)(void *arg, int64_t begin, int64_t end);

void kernels_parallel_for(int64_t n, int64_t grain, ParallelFn fn, void *arg);
/* Threads used by parallel regions (the caller included); >= 1. */
int kernels_threads(void);
/* Use n threads (n >= 1). Workers are created on first use. */
void kernels_parallel_set_threads(int n);

#endif
