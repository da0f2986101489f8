/*
 * opt_ab.c - the optimiser's effect on one archive, measured in one process:
 * the module as loaded (A) and ts_module_optimize's result (B, fused ops
 * included) called alternately on the same input (ABAB..., then BABA.. on
 * odd rounds), so both see the same machine load. Prints the optimisation
 * time, each one's first call, and the median and minimum wall time and the
 * median process CPU time of the following calls, with B/A ratios. CPU
 * time is the steadier figure on a shared machine at one thread (it counts
 * what this process computed, not the time other processes held the core);
 * at more threads it also counts OpenMP's spinning.
 *
 *   cmake --build build --target bench_opt_ab
 *   build/bench_opt_ab MODEL.pt [THREADS [CALLS [N,C,H,W]]]    (1, 30, 1,3,224,224)
 *
 * A tool, not a test: numbers depend on the machine and its load.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tscript/tscript.h"

static double clock_ms(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One forward; wall and CPU milliseconds. */
static int call(ts_ctx *c, ts_module *m, ts_value *x, double *wall, double *cpu) {
    ts_value *out;
    double t = clock_ms(CLOCK_MONOTONIC), u = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    if (ts_module_forward(c, m, &x, 1, &out) != TS_OK) {
        fprintf(stderr, "bench_opt_ab: %s\n", ts_ctx_error(c));
        return 1;
    }
    *cpu = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - u;
    *wall = clock_ms(CLOCK_MONOTONIC) - t;
    ts_value_release(out);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 5) {
        fprintf(stderr, "usage: bench_opt_ab MODEL.pt [THREADS [CALLS [N,C,H,W]]]\n");
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 1, n = argc > 3 ? atoi(argv[3]) : 30;
    int64_t sz[4] = {1, 3, 224, 224};
    if (argc > 4 && sscanf(argv[4], "%ld,%ld,%ld,%ld", (long *)&sz[0], (long *)&sz[1], (long *)&sz[2],
                           (long *)&sz[3]) != 4) {
        fprintf(stderr, "bench_opt_ab: the input shape is N,C,H,W\n");
        return 2;
    }
    if (n < 1 || n > 100000 || threads < 0) return 2;
    ts_config cfg = {.num_threads = threads};
    ts_ctx *c;
    ts_module *a, *b;
    ts_value *x;
    if (ts_ctx_new(&cfg, &c) != TS_OK) return 1;
    if (ts_module_load(c, argv[1], &a) != TS_OK) {
        fprintf(stderr, "bench_opt_ab: %s\n", ts_ctx_error(c));
        return 1;
    }
    double t0 = clock_ms(CLOCK_MONOTONIC);
    char *summary = NULL;
    if (ts_module_optimize(c, a, NULL, 0, &b, &summary) != TS_OK) {
        fprintf(stderr, "bench_opt_ab: %s\n", ts_ctx_error(c));
        return 1;
    }
    double topt = clock_ms(CLOCK_MONOTONIC) - t0;
    if (ts_value_randn(c, TS_FLOAT32, sz, 4, &x) != TS_OK) {
        fprintf(stderr, "bench_opt_ab: %s\n", ts_ctx_error(c));
        return 1;
    }
    double *w[2], *u[2], fw[2], fu;
    for (int k = 0; k < 2; k++) {
        w[k] = malloc(sizeof(double) * (size_t)n);
        u[k] = malloc(sizeof(double) * (size_t)n);
        if (!w[k] || !u[k]) return 1;
    }
    ts_module *mods[2] = {a, b};
    int rc = call(c, a, x, &fw[0], &fu) || call(c, b, x, &fw[1], &fu);
    for (int i = 0; !rc && i < 2; i++) rc = call(c, a, x, &fu, &fu) || call(c, b, x, &fu, &fu);
    for (int i = 0; !rc && i < n; i++)
        for (int j = 0; !rc && j < 2; j++) {
            int k = (i & 1) ? 1 - j : j;
            rc = call(c, mods[k], x, &w[k][i], &u[k][i]);
        }
    if (rc) return 1;
    for (int k = 0; k < 2; k++) {
        qsort(w[k], (size_t)n, sizeof(double), cmp);
        qsort(u[k], (size_t)n, sizeof(double), cmp);
    }
    printf("%s: %d thread(s), %d calls each; optimised in %.1f ms (%s)\n", argv[1], threads, n, topt, summary);
    printf("  first call     plain %8.2f ms  optimized %8.2f ms\n", fw[0], fw[1]);
    printf("  wall p50       plain %8.2f ms  optimized %8.2f ms  ratio %.3f\n", w[0][n / 2], w[1][n / 2],
           w[1][n / 2] / w[0][n / 2]);
    printf("  wall min       plain %8.2f ms  optimized %8.2f ms  ratio %.3f\n", w[0][0], w[1][0], w[1][0] / w[0][0]);
    printf("  cpu p50        plain %8.2f ms  optimized %8.2f ms  ratio %.3f\n", u[0][n / 2], u[1][n / 2],
           u[1][n / 2] / u[0][n / 2]);
    for (int k = 0; k < 2; k++) {
        free(w[k]);
        free(u[k]);
    }
    ts_string_free(summary);
    ts_value_release(x);
    ts_module_release(b);
    ts_module_release(a);
    ts_ctx_free(c);
    return 0;
}
