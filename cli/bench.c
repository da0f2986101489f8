/*
 * bench.c - `tscript bench MODEL.pt [INPUT ...]`: load the archive, call
 * forward (or --method) on the inputs of `tscript run` (cli/inputs.c) a
 * number of times and print what a user choosing a runtime asks:
 *
 *   load        ms from the file to a callable module (ts_module_load)
 *   first call  ms of the first call (caches filled, weights reordered)
 *   p50/p90/p99 ms of the following calls, each timed on its own
 *   peak memory MB resident at most (VmHWM of the process)
 *
 * --iters N runs N timed calls (default: as many as fit in --time seconds,
 * 2 by default, at least 10 and at most 10000) after --warmup calls
 * (default 2) that are not counted. --json prints one JSON object instead.
 * A progress line goes to standard error while it runs, when that is a
 * terminal. Numbers depend on the machine and its load: this is a tool, not a
 * test. Option parsing is this file's own (main.c only dispatches here).
 */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "inputs.h"
#include "tscript/tscript.h"

const char bench_usage_text[] =
    "       tscript bench MODEL.pt [INPUT ...] [--iters N] [--warmup N] [--time SECONDS]\n"
    "                    [--threads N] [--isa LEVEL] [--method NAME] [--seed N] [--json]\n";

const char bench_help_text[] =
    "bench    time loading and calling the model on the inputs (as for run):\n"
    "         load ms, first call ms, p50/p90/p99 ms of the next calls, peak memory\n"
    "  --iters N       timed calls (default: as many as fit in --time, 10..10000)\n"
    "  --warmup N      untimed calls after the first (default 2)\n"
    "  --time SECONDS  the time to fill when --iters is not given (default 2)\n"
    "  --json          one JSON object on standard output instead of the table\n"
    "  (--threads, --isa, --method, --seed as for run)\n"
    "\n";

enum { EXIT_ERR = 1, EXIT_USAGE = 2, MAX_ITERS = 10000 };

typedef struct BenchArgs {
    const char *model, *method;
    const char **inputs;
    size_t n_inputs;
    long iters, warmup;
    double seconds;
    int threads, isa;
    unsigned long long seed;
    bool json;
} BenchArgs;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* VmHWM of this process in MB, -1 when /proc cannot tell. */
static double peak_rss_mb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
    fclose(f);
    return kb < 0 ? -1 : (double)kb / 1024.0;
}

static int usage(const char *fmt, const char *arg) {
    fprintf(stderr, "tscript: error: bench: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nusage: tscript bench MODEL.pt [INPUT ...] [options]; see tscript --help\n");
    return EXIT_USAGE;
}

/* A whole-word number in [lo, hi]. */
static bool number(const char *s, double lo, double hi, double *out) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) return false;
    *out = v;
    return true;
}

static int parse(int argc, char **argv, BenchArgs *a) {
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (!(w[0] == '-' && w[1] && !input_is_number(w))) {
            if (!a->model) a->model = w;
            else a->inputs[a->n_inputs++] = w;
            continue;
        }
        if (!strcmp(w, "--json")) {
            a->json = true;
            continue;
        }
        static const char *valued[] = {"--iters", "--warmup", "--time", "--threads", "--isa", "--method", "--seed"};
        bool known = false;
        for (size_t k = 0; k < sizeof valued / sizeof *valued; k++) known = known || !strcmp(w, valued[k]);
        if (!known) return usage("unknown option '%s'", w);
        if (i + 1 >= argc) return usage("option '%s' needs a value", w);
        const char *v = argv[++i];
        double x;
        if (!strcmp(w, "--method")) {
            a->method = v;
        } else if (!strcmp(w, "--isa")) {
            if ((a->isa = ts_isa_parse(v)) < 0) return usage("--isa needs portable, avx2, avx512 or auto, not '%s'", v);
        } else if (!strcmp(w, "--time")) {
            if (!number(v, 0.001, 3600, &x)) return usage("--time needs seconds in 0.001..3600, not '%s'", v);
            a->seconds = x;
        } else if (!strcmp(w, "--iters")) {
            if (!number(v, 1, MAX_ITERS, &x) || x != (long)x) return usage("--iters needs an integer 1..10000, not '%s'", v);
            a->iters = (long)x;
        } else if (!strcmp(w, "--warmup")) {
            if (!number(v, 0, MAX_ITERS, &x) || x != (long)x) return usage("--warmup needs an integer 0..10000, not '%s'", v);
            a->warmup = (long)x;
        } else if (!strcmp(w, "--threads")) {
            if (!number(v, 0, 4096, &x) || x != (int)x) return usage("--threads needs an integer 0..4096, not '%s'", v);
            a->threads = (int)x;
        } else {
            if (!number(v, 0, 1.8e19, &x) || x != (double)(unsigned long long)x)
                return usage("--seed needs a non-negative integer, not '%s'", v);
            a->seed = (unsigned long long)x;
        }
    }
    if (!a->model) return usage("missing MODEL%s", ".pt");
    return 0;
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
    if (!tty) return;
    if (total > 0) fprintf(stderr, "\rbench: call %ld/%ld", done, total);
    else fprintf(stderr, "\rbench: call %ld", done);
    fflush(stderr);
}

/* One call; false (message printed) on failure. */
static bool call(ts_ctx *ctx, ts_module *m, const BenchArgs *a, ts_value **vals, double *ms) {
    ts_value *out = NULL;
    double t0 = now_ms();
    ts_status st = ts_module_call(ctx, m, a->method, vals, a->n_inputs, &out);
    *ms = now_ms() - t0;
    if (st != TS_OK) {
        fprintf(stderr, "tscript: error: %s\n", ts_ctx_error(ctx));
        return false;
    }
    ts_value_release(out);
    return true;
}

static void report(const BenchArgs *a, double load, double first, const double *t, long n) {
    double p50 = quantile(t, n, 0.5), p90 = quantile(t, n, 0.9), p99 = quantile(t, n, 0.99), peak = peak_rss_mb();
    if (a->json) {
        printf("{\"model\": \"%s\", \"threads\": %d, \"iters\": %ld, \"load_ms\": %.3f, \"first_ms\": %.3f, "
               "\"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, \"min_ms\": %.3f, \"peak_rss_mb\": %.1f}\n",
               a->model, a->threads, n, load, first, p50, p90, p99, t[0], peak);
        return;
    }
    printf("%s: %s(), %ld timed calls, %d thread%s, kernels %s\n", a->model, a->method, n, a->threads,
           a->threads == 1 ? "" : "s", ts_isa_name(ts_isa()));
    printf("  load        %10.3f ms\n", load);
    printf("  first call  %10.3f ms\n", first);
    printf("  p50         %10.3f ms\n", p50);
    printf("  p90         %10.3f ms\n", p90);
    printf("  p99         %10.3f ms\n", p99);
    printf("  min         %10.3f ms\n", t[0]);
    if (peak >= 0) printf("  peak memory %10.1f MB (resident)\n", peak);
}

int cmd_bench(int argc, char **argv) {
    BenchArgs a = {.method = "forward", .warmup = 2, .seconds = 2.0};
    a.inputs = calloc((size_t)argc + 1, sizeof *a.inputs);
    if (!a.inputs) return EXIT_ERR;
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: tscript bench MODEL.pt [INPUT ...] [options]\n\n%s", bench_help_text);
            free(a.inputs);
            return 0;
        }
    int rc = parse(argc, argv, &a);
    if (rc) {
        free(a.inputs);
        return rc;
    }
    rc = EXIT_ERR;
    ts_config cfg = {.num_threads = a.threads, .max_isa = a.isa};
    ts_ctx *ctx = NULL;
    ts_module *m = NULL;
    ts_value **vals = calloc(a.n_inputs + 1, sizeof *vals);
    double *times = malloc(MAX_ITERS * sizeof *times);
    size_t n_vals = 0;
    char err[1024];
    bool tty = isatty(2);
    if (!vals || !times || ts_ctx_new(&cfg, &ctx) != TS_OK) {
        fprintf(stderr, "tscript: error: out of memory\n");
        goto done;
    }
    double t0 = now_ms();
    if (ts_module_load(ctx, a.model, &m) != TS_OK) {
        fprintf(stderr, "tscript: error: %s: %s\n", a.model, ts_ctx_error(ctx));
        goto done;
    }
    double load = now_ms() - t0;
    InputRng rng;
    input_rng_seed(&rng, a.seed);
    if (ts_ctx_manual_seed(ctx, a.seed) != TS_OK) goto done;
    rng.pending = 0;
    for (; n_vals < a.n_inputs; n_vals++)
        if (input_parse(ctx, a.inputs[n_vals], &rng, &vals[n_vals], err, sizeof err) != 0) {
            fprintf(stderr, "tscript: error: %s\n", err);
            goto done;
        }
    double first, ms;
    if (!call(ctx, m, &a, vals, &first)) goto done;
    for (long i = 0; i < a.warmup; i++)
        if (!call(ctx, m, &a, vals, &ms)) goto done;
    long n = 0, want = a.iters;
    double start = now_ms();
    while (n < MAX_ITERS && (want ? n < want : (n < 10 || now_ms() - start < a.seconds * 1e3))) {
        if (!call(ctx, m, &a, vals, &times[n])) goto done;
        progress(tty, ++n, want);
    }
    if (tty) fprintf(stderr, "\r%40s\r", "");
    qsort(times, (size_t)n, sizeof *times, cmp_double);
    report(&a, load, first, times, n);
    rc = 0;
done:
    for (size_t i = 0; i < n_vals; i++) ts_value_release(vals[i]);
    free(vals);
    free(times);
    if (m) ts_module_release(m);
    ts_ctx_free(ctx);
    free(a.inputs);
    return rc;
}
