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

/* Another runtime's thread team to run parallel regions on instead of the
 * pool (oneDNN's OpenMP, so that one team serves both and neither spins
 * while the other works): run(chunks, task, ctx) calls task(ctx, k) once
 * for each k in [0, chunks), on up to `chunks` threads, and returns when
 * all are done. Set once, before or between jobs; NULL: the pool. */
typedef void (*ParallelTask)(void *ctx, int64_t k);
typedef void (*ParallelRun)(int64_t chunks, ParallelTask task, void *ctx);
void kernels_parallel_set_runner(ParallelRun run);

#endif
