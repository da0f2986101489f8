/*
 * cmd_bench.c - `tscript bench MODEL.pt [INPUT ...]`: load the archive, call
 * forward (or --method) on the inputs of `tscript run` (cli/inputs.c) a
 * number of times and print what a user choosing a runtime asks:
 *
 *   load        ms from the file to a callable module (ts_module_load, and
 *               ts_module_optimize with --optimize)
 *   first call  ms of the first call (caches filled, weights reordered)
 *   p50/p90/p99 ms of the following calls, each timed on its own
 *   peak memory MB resident at most (VmHWM of the process)
 *
 * --iters N runs N timed calls (default: as many as fit in --time seconds,
 * 2 by default, at least 10 and at most 10000) after --warmup calls
 * (default 2) that are not counted. --json prints one JSON object instead.
 * A progress line goes to standard error while it runs, when that is a
 * terminal. Numbers depend on the machine and its load: this is a tool, not a
 * test. Options are read by cli/options.c (the bench row of commands.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "inputs.h"

enum { MAX_ITERS = 10000 };

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* VmHWM of this process in MB, -1 when /proc cannot tell. */
static double peak_rss_mb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb < 0 ? -1 : (double)kb / 1024.0;
}

static int cmp_double(const void *p, const void *q) {
    double x = *(const double *)p, y = *(const double *)q;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted t[0..n) (nearest rank). */
static double quantile(const double *t, long n, double q) {
    long k = (long)(q * (double)n + 0.999999) - 1;
    return t[k < 0 ? 0 : k >= n ? n - 1 : k];
}

static void progress(bool tty, long done, long total) {
    if (!tty)
        return;
    if (total > 0)
        fprintf(stderr, "\rbench: call %ld/%ld", done, total);
    else
        fprintf(stderr, "\rbench: call %ld", done);
    fflush(stderr);
}

typedef struct Bench {
    const Options *o;
    const char *method;
    ts_ctx *ctx;
    ts_module *m;
    ts_value **vals;
    size_t n_vals;
    char *summary; /* --optimize: what the optimiser did */
} Bench;

/* One call; false (message printed) on failure. */
static bool call(const Bench *b, double *ms) {
    ts_value *out = NULL;
    double t0 = now_ms();
    ts_status st = ts_module_call(b->ctx, b->m, b->method, b->vals, b->n_vals, &out);
    *ms = now_ms() - t0;
    if (st != TS_OK) {
        cli_error(ts_ctx_error(b->ctx));
        return false;
    }
    ts_value_release(out);
    return true;
}

static void report(const Bench *b, double load, double first, const double *t, long n) {
    const Options *o = b->o;
    double p50 = quantile(t, n, 0.5), p90 = quantile(t, n, 0.9), p99 = quantile(t, n, 0.99);
    double peak = peak_rss_mb();
    if (o->json) {
        printf("{\"model\": \"%s\", \"threads\": %d, \"optimized\": %s, \"iters\": %ld, \"load_ms\": %.3f, "
               "\"first_ms\": %.3f, \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, "
               "\"min_ms\": %.3f, \"peak_rss_mb\": %.1f}\n",
               o->model, o->threads, o->optimize ? "true" : "false", n, load, first, p50, p90, p99, t[0], peak);
        return;
    }
    printf("%s: %s(), %ld timed calls, %d thread%s, kernels %s%s\n", o->model, b->method, n,
           o->threads, o->threads == 1 ? "" : "s", ts_isa_name(ts_isa()), o->optimize ? ", optimized" : "");
    printf("  load        %10.3f ms\n", load);
    printf("  first call  %10.3f ms\n", first);
    printf("  p50         %10.3f ms\n", p50);
    printf("  p90         %10.3f ms\n", p90);
    printf("  p99         %10.3f ms\n", p99);
    printf("  min         %10.3f ms\n", t[0]);
    if (peak >= 0)
        printf("  peak memory %10.1f MB (resident)\n", peak);
    if (b->summary)
        printf("  optimized:  %s\n", b->summary);
}

/* The inputs, made as `tscript run` makes them (after --seed). */
static bool make_inputs(Bench *b) {
    char err[1024];
    InputRng rng;
    input_rng_seed(&rng, b->o->seed);
    if (ts_ctx_manual_seed(b->ctx, b->o->seed) != TS_OK) {
        cli_error(ts_ctx_error(b->ctx));
        return false;
    }
    rng.pending = 0;
    for (; b->n_vals < b->o->n_inputs; b->n_vals++)
        if (input_parse(b->ctx, b->o->inputs[b->n_vals], &rng, &b->vals[b->n_vals], err,
                        sizeof err) != 0) {
            cli_error(err);
            return false;
        }
    return true;
}

/* The first call, the warm-up calls, then the timed ones into times[]; the
 * number timed, or -1 on failure. */
static long run_calls(const Bench *b, double *first, double *times) {
    const Options *o = b->o;
    long warmup = (o->seen & OPT_BIT(OPT_WARMUP)) ? o->warmup : 2;
    double seconds = o->seconds > 0 ? o->seconds : 2.0, ms;
    bool tty = isatty(2);
    if (!call(b, first))
        return -1;
    for (long i = 0; i < warmup; i++)
        if (!call(b, &ms))
            return -1;
    long n = 0, want = o->iters;
    double start = now_ms();
    while (n < MAX_ITERS && (want ? n < want : (n < 10 || now_ms() - start < seconds * 1e3))) {
        if (!call(b, &times[n]))
            return -1;
        progress(tty, ++n, want);
    }
    if (tty)
        fprintf(stderr, "\r%40s\r", "");
    return n;
}

int cmd_bench(const Options *o) {
    if (!o->model)
        return cli_usage_error("bench: missing MODEL.pt");
    if (cli_is_source(o->model))
        return cli_usage_error("bench: needs an archive (MODEL.pt); script a model.py first");
    Bench b = {.o = o, .method = o->method ? o->method : "forward"};
    ts_config cfg = {.num_threads = o->threads, .max_isa = o->isa, .max_memory = o->max_memory};
    int rc = EXIT_ERROR;
    double *times = malloc(MAX_ITERS * sizeof *times);
    b.vals = calloc(o->n_inputs + 1, sizeof *b.vals);
    if (!times || !b.vals || ts_ctx_new(&cfg, &b.ctx) != TS_OK) {
        cli_error("out of memory");
        goto done;
    }
    ts_ctx_set_timeout(b.ctx, o->timeout_ms);
    double t0 = now_ms();
    if (ts_module_load(b.ctx, o->model, &b.m) != TS_OK) {
        const char *msg = ts_ctx_error(b.ctx);
        if (strstr(msg, cli_base_name(o->model)))
            cli_error(msg);
        else
            cli_error_in(o->model, msg);
        goto done;
    }
    if (o->optimize)
        cli_optimize_model(o, b.ctx, &b.m, b.method, &b.summary);
    double load = now_ms() - t0, first;
    if (!make_inputs(&b))
        goto done;
    long n = run_calls(&b, &first, times);
    if (n < 0)
        goto done;
    qsort(times, (size_t)n, sizeof *times, cmp_double);
    report(&b, load, first, times, n);
    rc = fflush(stdout) == 0 ? 0 : cli_error("cannot write to standard output");
done:
    for (size_t i = 0; i < b.n_vals; i++)
        ts_value_release(b.vals[i]);
    free(b.vals);
    free(times);
    if (b.summary)
        ts_string_free(b.summary);
    if (b.m)
        ts_module_release(b.m);
    ts_ctx_free(b.ctx);
    return rc;
}
