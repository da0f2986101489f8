/*
 * bench_tscript.c - the tscript side of the benchmark (see bench/run.py).
 *
 *   bench_tscript MODEL.pt [--iters N] [--warmup N] [--threads N] INPUT...
 *   INPUT: f32:D0,D1,...  a float32 tensor filled with sin(0.37 * i)
 *          True | False   a bool
 *          int:N          an int
 *
 * The same measurement as bench_libtorch.cpp, on the public API only: time
 * ts_module_load, run forward `warmup` times, time `iters` calls one by one,
 * print one JSON line with load_ms, median/p90/mean latency in microseconds,
 * peak RSS (VmHWM, else getrusage) and a checksum of the first output tensor.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tscript/tscript.h"

enum { MAX_INPUTS = 64, MAX_DIMS = 16 };

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Peak resident set size of this process image: VmHWM from /proc/self/status,
 * which exec resets (getrusage's ru_maxrss also counts the parent's memory
 * copied by fork before exec, so it is only the fallback). */
static double peak_rss_mb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        long kb = -1;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
                break;
        fclose(f);
        if (kb >= 0)
            return (double)kb / 1024.0;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int usage(const char *msg) {
    fprintf(stderr,
            "bench_tscript: %s\nusage: bench_tscript MODEL.pt [--iters N] [--warmup N] "
            "[--threads N] INPUT...\n",
            msg);
    return 2;
}

/* Parse one INPUT word; NULL (with a message) on error. */
static ts_value *parse_input(ts_ctx *ctx, const char *w) {
    if (strcmp(w, "True") == 0 || strcmp(w, "False") == 0)
        return ts_value_bool(w[0] == 'T');
    if (strncmp(w, "int:", 4) == 0)
        return ts_value_int(strtoll(w + 4, NULL, 10));
    if (strncmp(w, "f32:", 4) != 0) {
        fprintf(stderr, "bench_tscript: bad input '%s'\n", w);
        return NULL;
    }
    int64_t shape[MAX_DIMS];
    int ndim = 0;
    size_t numel = 1;
    for (const char *p = w + 4; *p && ndim < MAX_DIMS;) {
        char *end;
        long long d = strtoll(p, &end, 10);
        if (end == p || d < 0) {
            fprintf(stderr, "bench_tscript: bad input '%s'\n", w);
            return NULL;
        }
        shape[ndim++] = d;
        numel *= (size_t)d;
        p = *end == ',' ? end + 1 : end;
    }
    float *data = malloc((numel ? numel : 1) * sizeof *data);
    if (!data)
        return NULL;
    for (size_t i = 0; i < numel; i++)
        data[i] = (float)sin(0.37 * (double)i);
    ts_value *v = NULL;
    if (ts_value_from_buffer(ctx, TS_FLOAT32, shape, ndim, data, &v) != TS_OK)
        fprintf(stderr, "bench_tscript: %s\n", ts_ctx_error(ctx));
    free(data);
    return v;
}

/* Sum of the first tensor in v (depth-first), as a check that both runtimes
 * compute the same thing. */
static double checksum(ts_ctx *ctx, const ts_value *v) {
    ts_kind k = ts_value_kind(v);
    if (k == TS_KIND_TUPLE || k == TS_KIND_LIST)
        return ts_value_len(v) ? checksum(ctx, ts_value_item(v, 0)) : 0.0;
    if (k != TS_KIND_TENSOR)
        return 0.0;
    int64_t n = ts_tensor_numel(v);
    double *buf = malloc((size_t)(n > 0 ? n : 1) * sizeof *buf), sum = 0.0;
    if (buf && ts_value_to_buffer(ctx, v, TS_FLOAT64, buf, (size_t)n * sizeof *buf) == TS_OK)
        for (int64_t i = 0; i < n; i++)
            sum += buf[i];
    free(buf);
    return sum;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return usage("missing MODEL.pt");
    const char *path = argv[1];
    int iters = 200, warmup = 20, threads = 1;
    const char *words[MAX_INPUTS];
    size_t n_words = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "--iters") || !strcmp(a, "--warmup") || !strcmp(a, "--threads")) &&
            i + 1 < argc) {
            int v = atoi(argv[++i]);
            *(!strcmp(a, "--iters") ? &iters : !strcmp(a, "--warmup") ? &warmup : &threads) = v;
        } else if (n_words < MAX_INPUTS) {
            words[n_words++] = a;
        } else {
            return usage("too many inputs");
        }
    }
    if (iters < 1 || warmup < 0 || threads < 1)
        return usage("--iters, --threads must be >= 1, --warmup >= 0");

    int rc = 1;
    ts_config cfg = {.num_threads = threads};
    ts_ctx *ctx = NULL;
    ts_module *m = NULL;
    ts_value *inputs[MAX_INPUTS] = {0};
    double *times = NULL;
    if (ts_ctx_new(&cfg, &ctx) != TS_OK)
        return 1;

    double t0 = now_us();
    if (ts_module_load(ctx, path, &m) != TS_OK) {
        fprintf(stderr, "bench_tscript: %s\n", ts_ctx_error(ctx));
        goto done;
    }
    double load_ms = (now_us() - t0) / 1000.0;

    for (size_t i = 0; i < n_words; i++)
        if (!(inputs[i] = parse_input(ctx, words[i])))
            goto done;
    times = malloc((size_t)iters * sizeof *times);
    if (!times)
        goto done;

    double sum = 0.0;
    for (int i = 0; i < warmup + iters; i++) {
        ts_value *out;
        double a = now_us();
        if (ts_module_forward(ctx, m, inputs, n_words, &out) != TS_OK) {
            fprintf(stderr, "bench_tscript: %s\n", ts_ctx_error(ctx));
            goto done;
        }
        double b = now_us();
        if (i >= warmup)
            times[i - warmup] = b - a;
        if (i == warmup + iters - 1)
            sum = checksum(ctx, out);
        ts_value_release(out);
    }
    qsort(times, (size_t)iters, sizeof *times, cmp_double);
    double mean = 0.0;
    for (int i = 0; i < iters; i++)
        mean += times[i];
    mean /= iters;
    int p90 = iters * 9 / 10 < iters - 1 ? iters * 9 / 10 : iters - 1;
    printf("{\"runtime\": \"tscript\", \"version\": \"%s\", \"model\": \"%s\", "
           "\"threads\": %d, \"iters\": %d, \"load_ms\": %.3f, \"median_us\": %.2f, "
           "\"p90_us\": %.2f, \"mean_us\": %.2f, \"peak_rss_mb\": %.2f, \"checksum\": %.9g}\n",
           ts_version(), path, threads, iters, load_ms, times[iters / 2], times[p90], mean,
           peak_rss_mb(), sum);
    rc = 0;
done:
    free(times);
    for (size_t i = 0; i < n_words; i++)
        if (inputs[i])
            ts_value_release(inputs[i]);
    if (m)
        ts_module_release(m);
    ts_ctx_free(ctx);
    return rc;
}
