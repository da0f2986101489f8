/*
 * parallel.c - the worker pool behind kernels_parallel_for (see parallel.h).
 *
 * One job at a time: a caller takes the pool's lock for the whole job (a
 * second caller that finds it taken runs its own job serially instead of
 * waiting), publishes the job, wakes the workers, runs chunk 0 itself and
 * waits until the workers have finished theirs. Between jobs a worker
 * spins for a few tens of microseconds (models call many short parallel
 * ops back to back, and waking a sleeping thread costs more than that),
 * then sleeps on a condition variable.
 * When another runtime's team is registered (kernels_parallel_set_runner:
 * oneDNN's OpenMP), jobs run on it instead, split the same way.
 */
#include "kernels/parallel.h"

#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

enum { MAX_THREADS = 64 };

typedef struct Pool {
    pthread_mutex_t job_lock; /* held by the caller running a job */
    pthread_mutex_t mu;       /* protects the fields below */
    pthread_cond_t wake, done;
    int nworkers;             /* started */
    int want;                 /* threads wanted, the caller included */
    uint64_t generation;      /* bumped for every job */
    ParallelFn fn;
    void *arg;
    int64_t n, chunks;        /* the job: chunks of [0, n) */
    int pending;              /* chunks not finished yet */
} Pool;

static Pool g_pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                      PTHREAD_COND_INITIALIZER, 0, 0, 0, NULL, NULL, 0, 0, 0};
static __thread bool t_in_region;

static void chunk_range(int64_t n, int64_t chunks, int64_t k, int64_t *b, int64_t *e) {
    *b = n * k / chunks;
    *e = n * (k + 1) / chunks;
}

enum { SPIN_ROUNDS = 20000 };

#if defined(__x86_64__) || defined(__i386__)
static inline void cpu_relax(void) { __builtin_ia32_pause(); }
#else
static inline void cpu_relax(void) {}
#endif

static void *worker(void *p) {
    int id = (int)(intptr_t)p; /* 1 .. nworkers; chunk id */
    uint64_t seen = 0;
    t_in_region = true;
    pthread_mutex_lock(&g_pool.mu);
    for (;;) {
        if (g_pool.generation == seen) {
            pthread_mutex_unlock(&g_pool.mu);
            for (int r = 0; r < SPIN_ROUNDS && __atomic_load_n(&g_pool.generation, __ATOMIC_ACQUIRE) == seen; r++)
                cpu_relax();
            pthread_mutex_lock(&g_pool.mu);
        }
        while (g_pool.generation == seen) pthread_cond_wait(&g_pool.wake, &g_pool.mu);
        seen = g_pool.generation;
        if (id >= g_pool.chunks) continue;
        ParallelFn fn = g_pool.fn;
        void *arg = g_pool.arg;
        int64_t b, e;
        chunk_range(g_pool.n, g_pool.chunks, id, &b, &e);
        pthread_mutex_unlock(&g_pool.mu);
        fn(arg, b, e);
        pthread_mutex_lock(&g_pool.mu);
        if (--g_pool.pending == 0) pthread_cond_signal(&g_pool.done);
    }
    return NULL;
}

static int default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

int kernels_threads(void) {
    int w = __atomic_load_n(&g_pool.want, __ATOMIC_RELAXED);
    return w > 0 ? w : default_threads();
}

void kernels_parallel_set_threads(int n) {
    if (n < 1) n = 1;
    if (n > MAX_THREADS) n = MAX_THREADS;
    __atomic_store_n(&g_pool.want, n, __ATOMIC_RELAXED);
}

/* Start workers up to want - 1 (called with job_lock held). */
static int ensure_workers(int want) {
    while (g_pool.nworkers < want - 1) {
        pthread_t th;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        int id = g_pool.nworkers + 1;
        int rc = pthread_create(&th, &at, worker, (void *)(intptr_t)id);
        pthread_attr_destroy(&at);
        if (rc != 0) break;
        g_pool.nworkers++;
    }
    return g_pool.nworkers + 1;
}

static ParallelRun g_runner;

void kernels_parallel_set_runner(ParallelRun run) { __atomic_store_n(&g_runner, run, __ATOMIC_RELEASE); }

typedef struct RunnerJob {
    ParallelFn fn;
    void *arg;
    int64_t n, chunks;
} RunnerJob;

static void runner_task(void *ctx, int64_t k) {
    const RunnerJob *j = ctx;
    int64_t b, e;
    chunk_range(j->n, j->chunks, k, &b, &e);
    bool was = t_in_region;
    t_in_region = true;
    j->fn(j->arg, b, e);
    t_in_region = was;
}

void kernels_parallel_for(int64_t n, int64_t grain, ParallelFn fn, void *arg) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    int threads = kernels_threads();
    int64_t chunks = n / grain;
    if (chunks > threads) chunks = threads;
    if (chunks < 2 || t_in_region || pthread_mutex_trylock(&g_pool.job_lock) != 0) {
        fn(arg, 0, n);
        return;
    }
    ParallelRun run = __atomic_load_n(&g_runner, __ATOMIC_ACQUIRE);
    if (run) {
        RunnerJob j = {fn, arg, n, chunks};
        run(chunks, runner_task, &j);
        pthread_mutex_unlock(&g_pool.job_lock);
        return;
    }
    int avail = ensure_workers(threads);
    if (chunks > avail) chunks = avail;
    if (chunks < 2) {
        pthread_mutex_unlock(&g_pool.job_lock);
        fn(arg, 0, n);
        return;
    }
    pthread_mutex_lock(&g_pool.mu);
    g_pool.fn = fn;
    g_pool.arg = arg;
    g_pool.n = n;
    g_pool.chunks = chunks;
    g_pool.pending = (int)chunks - 1;
    __atomic_store_n(&g_pool.generation, g_pool.generation + 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&g_pool.wake);
    pthread_mutex_unlock(&g_pool.mu);

    int64_t b, e;
    chunk_range(n, chunks, 0, &b, &e);
    t_in_region = true;
    fn(arg, b, e);
    t_in_region = false;

    pthread_mutex_lock(&g_pool.mu);
    while (g_pool.pending > 0) pthread_cond_wait(&g_pool.done, &g_pool.mu);
    pthread_mutex_unlock(&g_pool.mu);
    pthread_mutex_unlock(&g_pool.job_lock);
}
