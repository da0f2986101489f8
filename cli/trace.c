/*
 * trace.c - `tscript trace`: torch.jit.trace from the command line.
 *
 *   tscript trace model.py[:Class] [--args A] [--weights W.pt [--weights-key K]] [--seed N]
 *                 INPUT... -o out.pt [--check] [--check-input 'INPUT...']... [--no-strict]
 *   tscript trace MODEL.pt INPUT... -o out.pt [...]
 *
 * The model is scripted (model.py) or loaded (an archive), traced on the
 * example inputs (cli/inputs.c words) through the public API
 * (ts_module_trace), and the trace saved. TracerWarnings are printed on
 * stderr as they come. --check is check_trace: the trace and the model run
 * on the example inputs and on every --check-input set, and their outputs
 * must agree (rtol 1e-5, atol 1e-5, as torch.jit.trace's check_tolerance);
 * each --check-input set is also traced again, and the two traces must have
 * the same code. A divergence is an error and nothing is written.
 */
#include "trace.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inputs.h"

enum { TRACE_EXIT_ERROR = 1, TRACE_EXIT_USAGE = 2 };

static const char trace_usage[] =
    "usage: tscript trace MODEL.py[:CLASS] [--args ARGS] [--weights W.pt [--weights-key K]] [--seed N]\n"
    "                     INPUT... -o OUT.pt [--check] [--check-input 'INPUT...'] [--no-strict]\n"
    "       tscript trace MODEL.pt INPUT... -o OUT.pt [--check] [--check-input 'INPUT...'] [--no-strict]\n"
    "  INPUT            an example input, as for tscript run (x.npy, randn:1,3,8,8, ...)\n"
    "  --check          run the trace and the model on the inputs and compare (check_trace)\n"
    "  --check-input S  also check on the inputs of S (words separated by spaces); repeatable\n"
    "  --no-strict      allow list and dict outputs (torch.jit.trace(strict=False))\n"
    "  --seed N         torch.manual_seed(N) before the model is built and before the inputs\n"
    "  --timeout S      stop building, tracing or checking after S seconds\n";

static int usage(const char *fmt, const char *arg) {
    fprintf(stderr, "tscript: trace: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", trace_usage);
    return TRACE_EXIT_USAGE;
}

static int fail(const char *where, const char *msg) {
    int n = (int)strlen(msg);
    while (n > 0 && msg[n - 1] == '\n') n--;
    if (where && !strstr(msg, where))
        fprintf(stderr, "tscript: error: %s: %.*s\n", where, n, msg);
    else
        fprintf(stderr, "tscript: error: %.*s\n", n, msg);
    return TRACE_EXIT_ERROR;
}

static void print_warning(void *ud, const char *text) {
    (void)ud;
    fprintf(stderr, "tscript: %s\n", text);
}

static void quiet(void *ud, const char *text) {
    (void)ud;
    (void)text;
}

static void print_notes(const char *path, const char *notes) {
    while (*notes) {
        const char *nl = strchr(notes, '\n');
        int n = nl ? (int)(nl - notes) : (int)strlen(notes);
        const char *w = strstr(notes, ": warning: ");
        if (w && w < notes + n) fprintf(stderr, "tscript: %.*s\n", n, notes);
        else fprintf(stderr, "tscript: note: %s: %.*s\n", path, n, notes);
        notes += n + (nl ? 1 : 0);
    }
}

static int is_source(const char *path) {
    for (const char *p = strstr(path, ".py"); p; p = strstr(p + 1, ".py"))
        if (p[3] == 0 || p[3] == ':') return 1;
    return 0;
}

typedef struct TraceArgs {
    const char *model, *out, *args, *weights, *weights_key;
    int has_seed, check, strict;
    unsigned long long seed;
    long long timeout_ms;
    const char **inputs;
    int n_inputs;
    const char **checks; /* --check-input sets */
    int n_checks;
} TraceArgs;

static int parse_args(int argc, char **argv, TraceArgs *a) {
    a->strict = 1;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (!strcmp(w, "--help") || !strcmp(w, "-h")) {
            fputs(trace_usage, stdout);
            return -1;
        }
        if (!strcmp(w, "--check")) {
            a->check = 1;
            continue;
        }
        if (!strcmp(w, "--no-strict")) {
            a->strict = 0;
            continue;
        }
        int takes = !strcmp(w, "-o") || !strcmp(w, "--output") || !strcmp(w, "--args") ||
                    !strcmp(w, "--weights") || !strcmp(w, "--weights-key") || !strcmp(w, "--seed") ||
                    !strcmp(w, "--check-input") || !strcmp(w, "--timeout");
        if (takes) {
            if (i + 1 >= argc) return usage("option '%s' needs a value", w);
            const char *v = argv[++i];
            char *end;
            if (!strcmp(w, "-o") || !strcmp(w, "--output")) a->out = v;
            else if (!strcmp(w, "--args")) a->args = v;
            else if (!strcmp(w, "--weights")) a->weights = v;
            else if (!strcmp(w, "--weights-key")) a->weights_key = v;
            else if (!strcmp(w, "--check-input")) {
                a->checks[a->n_checks++] = v;
                a->check = 1;
            } else if (!strcmp(w, "--seed")) {
                errno = 0;
                a->seed = strtoull(v, &end, 10);
                if (end == v || *end || errno || v[0] == '-')
                    return usage("--seed needs a non-negative integer, not '%s'", v);
                a->has_seed = 1;
            } else {
                errno = 0;
                double s = strtod(v, &end);
                if (end == v || *end || errno || !(s >= 0) || s > 1e9)
                    return usage("--timeout needs a number of seconds >= 0, not '%s'", v);
                a->timeout_ms = (long long)(s * 1000.0 + 0.5);
                if (s > 0 && a->timeout_ms == 0) a->timeout_ms = 1;
            }
            continue;
        }
        if (w[0] == '-' && w[1] && !input_is_number(w)) return usage("unknown option '%s'", w);
        if (!a->model) a->model = w;
        else a->inputs[a->n_inputs++] = w;
    }
    if (!a->model) return usage("missing MODEL.py or MODEL.pt%s", "");
    if (!a->out) return usage("missing -o OUT.pt%s", "");
    if (!is_source(a->model) && (a->args || a->weights || a->weights_key))
        return usage("--args, --weights and --weights-key are for a model.py, not %s", a->model);
    return 0;
}

static ts_status build_model(ts_ctx *ctx, const TraceArgs *a, ts_module **m) {
    if (!is_source(a->model)) return ts_module_load(ctx, a->model, m);
    if (a->has_seed) {
        ts_status st = ts_ctx_manual_seed(ctx, a->seed);
        if (st != TS_OK) return st;
    }
    const char *colon = strstr(a->model, ".py:");
    char *file = NULL;
    const char *cls = NULL;
    if (colon) {
        size_t n = (size_t)(colon - a->model) + 3;
        file = malloc(n + 1);
        if (!file) return TS_ERR_NOMEM;
        memcpy(file, a->model, n);
        file[n] = 0;
        cls = colon + 4;
    }
    ts_status st = ts_module_script_weights(ctx, file ? file : a->model, cls && *cls ? cls : NULL, a->args,
                                            a->weights, a->weights_key, m);
    free(file);
    return st;
}

typedef struct Inputs {
    ts_value **v;
    int n;
} Inputs;

static void inputs_free(Inputs *in) {
    for (int i = 0; i < in->n; i++) ts_value_release(in->v[i]);
    free(in->v);
    in->v = NULL;
    in->n = 0;
}

/* Parse words (an array, or one space-separated string when line is set). */
static int inputs_parse(ts_ctx *ctx, const char *const *words, int n, const char *line, InputRng *rng,
                        Inputs *out) {
    char *copy = line ? strdup(line) : NULL;
    const char *split[256];
    if (line) {
        if (!copy) return fail(NULL, "out of memory");
        n = 0;
        for (char *tok = strtok(copy, " \t"); tok && n < 256; tok = strtok(NULL, " \t")) split[n++] = tok;
        words = split;
    }
    out->v = calloc((size_t)n + 1, sizeof *out->v);
    out->n = 0;
    int rc = 0;
    char err[1024];
    for (int i = 0; i < n && rc == 0; i++) {
        if (input_parse(ctx, words[i], rng, &out->v[i], err, sizeof err) != 0) rc = fail(NULL, err);
        else out->n++;
    }
    free(copy);
    return rc;
}

/* The tensors of a value, depth-first. */
typedef struct Leaves {
    ts_value *v[256];
    int n;
} Leaves;

static void leaves_of(ts_value *v, Leaves *l) {
    ts_kind k = ts_value_kind(v);
    if (k == TS_KIND_TENSOR || k == TS_KIND_INT || k == TS_KIND_FLOAT || k == TS_KIND_BOOL) {
        if (l->n < 256) l->v[l->n++] = v;
        return;
    }
    if (k == TS_KIND_TUPLE || k == TS_KIND_LIST || k == TS_KIND_DICT)
        for (size_t i = 0; i < ts_value_len(v); i++) leaves_of(ts_value_item(v, i), l);
}

static int leaf_values(ts_ctx *ctx, ts_value *v, double **out, long long *n) {
    ts_kind k = ts_value_kind(v);
    if (k != TS_KIND_TENSOR) {
        *out = malloc(sizeof(double));
        if (!*out) return -1;
        **out = k == TS_KIND_FLOAT ? ts_value_get_float(v) : k == TS_KIND_INT ? (double)ts_value_get_int(v)
                                                                              : (double)ts_value_get_bool(v);
        *n = 1;
        return 0;
    }
    *n = ts_tensor_numel(v);
    *out = malloc(sizeof(double) * (size_t)(*n + 1));
    if (!*out) return -1;
    return ts_value_to_buffer(ctx, v, TS_FLOAT64, *out, sizeof(double) * (size_t)*n) == TS_OK ? 0 : -1;
}

/* check_trace's output comparison; 0 when they agree. */
static int compare_outputs(ts_ctx *ctx, ts_value *traced, ts_value *model, const char *set) {
    Leaves a = {{0}, 0}, b = {{0}, 0};
    leaves_of(traced, &a);
    leaves_of(model, &b);
    if (a.n != b.n) {
        fprintf(stderr, "tscript: error: trace check (%s): the trace returns %d tensors, the model %d\n", set, a.n, b.n);
        return 1;
    }
    for (int i = 0; i < a.n; i++) {
        int nd = ts_value_kind(a.v[i]) == TS_KIND_TENSOR ? ts_tensor_ndim(a.v[i]) : 0;
        int md = ts_value_kind(b.v[i]) == TS_KIND_TENSOR ? ts_tensor_ndim(b.v[i]) : 0;
        int same_shape = nd == md;
        for (int d = 0; d < nd && same_shape; d++) same_shape = ts_tensor_size(a.v[i], d) == ts_tensor_size(b.v[i], d);
        if (!same_shape) {
            fprintf(stderr, "tscript: error: trace check (%s): output %d of the trace has another shape than the "
                    "model's\n", set, i);
            return 1;
        }
        double *x = NULL, *y = NULL;
        long long n1, n2;
        if (leaf_values(ctx, a.v[i], &x, &n1) != 0 || leaf_values(ctx, b.v[i], &y, &n2) != 0 || n1 != n2) {
            free(x);
            free(y);
            return fail(NULL, "trace check: cannot read an output");
        }
        long long bad = -1;
        double worst = 0;
        for (long long j = 0; j < n1; j++) {
            double d = fabs(x[j] - y[j]);
            int ok = d <= 1e-5 + 1e-5 * fabs(y[j]) || (isnan(x[j]) && isnan(y[j])) || x[j] == y[j];
            if (!ok && (bad < 0 || d > worst)) {
                bad = j;
                worst = d;
            }
        }
        if (bad >= 0) {
            fprintf(stderr,
                    "tscript: error: trace check (%s): output %d of the traced function does not match the "
                    "corresponding output of the model: element %lld is %.9g in the trace and %.9g in the model "
                    "(largest difference %.3g; rtol 1e-05, atol 1e-05). The trace may depend on a value it "
                    "fixed (see the TracerWarnings above): script the model instead\n",
                    set, i, bad, x[bad], y[bad], worst);
            free(x);
            free(y);
            return 1;
        }
        free(x);
        free(y);
    }
    return 0;
}

/* The first line where two codes differ, for "Graphs differed". */
static void report_code_diff(const char *a, const char *b, const char *set) {
    int line = 1;
    const char *la = a, *lb = b;
    while (*la && *lb) {
        const char *ea = strchr(la, '\n'), *eb = strchr(lb, '\n');
        size_t na = ea ? (size_t)(ea - la) : strlen(la), nb = eb ? (size_t)(eb - lb) : strlen(lb);
        if (na != nb || memcmp(la, lb, na) != 0) break;
        la += na + (ea ? 1 : 0);
        lb += nb + (eb ? 1 : 0);
        line++;
    }
    const char *ea = strchr(la, '\n'), *eb = strchr(lb, '\n');
    fprintf(stderr,
            "tscript: error: trace check (%s): graphs differed across invocations! The trace on these inputs "
            "takes another path (line %d of the code):\n  first trace:  %.*s\n  second trace: %.*s\n"
            "The model's control flow depends on its inputs: script it instead (tscript script)\n",
            set, line, ea ? (int)(ea - la) : (int)strlen(la), la, eb ? (int)(eb - lb) : (int)strlen(lb), lb);
}

static int check_one(ts_ctx *ctx, ts_module *model, ts_module *traced, const char *traced_code, Inputs *in,
                     const char *set, int retrace, const ts_trace_opts *opts) {
    ts_value *want = NULL, *got = NULL;
    int rc = 0;
    if (retrace) {
        ts_module *again = NULL;
        char *code = NULL;
        ts_trace_opts q = *opts;
        q.warn = quiet; /* the first trace has said it */
        if (ts_module_trace(ctx, model, in->v, (size_t)in->n, &q, &again) != TS_OK)
            return fail(set, ts_ctx_error(ctx));
        if (ts_module_show(ctx, again, TS_SHOW_CODE, &code) != TS_OK) rc = fail(set, ts_ctx_error(ctx));
        else if (strcmp(code, traced_code) != 0) {
            report_code_diff(traced_code, code, set);
            rc = 1;
        }
        ts_string_free(code);
        ts_module_release(again);
        if (rc) return rc;
    }
    if (ts_module_forward(ctx, model, in->v, (size_t)in->n, &want) != TS_OK) return fail(set, ts_ctx_error(ctx));
    if (ts_module_forward(ctx, traced, in->v, (size_t)in->n, &got) != TS_OK) {
        ts_value_release(want);
        return fail(set, ts_ctx_error(ctx));
    }
    rc = compare_outputs(ctx, got, want, set);
    ts_value_release(want);
    ts_value_release(got);
    return rc;
}

static int run_checks(ts_ctx *ctx, const TraceArgs *a, ts_module *model, ts_module *traced, Inputs *ex,
                      InputRng *rng, const ts_trace_opts *opts) {
    char *code = NULL;
    if (ts_module_show(ctx, traced, TS_SHOW_CODE, &code) != TS_OK) return fail(NULL, ts_ctx_error(ctx));
    int rc = check_one(ctx, model, traced, code, ex, "the example inputs", 0, opts);
    for (int i = 0; i < a->n_checks && rc == 0; i++) {
        Inputs in = {0};
        rc = inputs_parse(ctx, NULL, 0, a->checks[i], rng, &in);
        char set[64];
        snprintf(set, sizeof set, "--check-input %d", i + 1);
        if (rc == 0) rc = check_one(ctx, model, traced, code, &in, set, 1, opts);
        inputs_free(&in);
    }
    ts_string_free(code);
    return rc;
}

int cmd_trace(int argc, char **argv) {
    TraceArgs a;
    memset(&a, 0, sizeof a);
    a.inputs = calloc((size_t)argc + 1, sizeof *a.inputs);
    a.checks = calloc((size_t)argc + 1, sizeof *a.checks);
    if (!a.inputs || !a.checks) {
        free(a.inputs);
        free(a.checks);
        return fail(NULL, "out of memory");
    }
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        free(a.inputs);
        free(a.checks);
        return rc < 0 ? 0 : rc;
    }
    ts_ctx *ctx = NULL;
    ts_module *m = NULL, *traced = NULL;
    Inputs ex = {0};
    rc = TRACE_EXIT_ERROR;
    if (ts_ctx_new(NULL, &ctx) != TS_OK) {
        fail(NULL, "out of memory");
        goto done;
    }
    ts_ctx_set_timeout(ctx, (int64_t)a.timeout_ms);
    if (build_model(ctx, &a, &m) != TS_OK) {
        print_notes(a.model, ts_ctx_notes(ctx));
        fail(a.model, ts_ctx_error(ctx));
        goto done;
    }
    print_notes(a.model, ts_ctx_notes(ctx));
    InputRng rng;
    input_rng_seed(&rng, a.has_seed ? a.seed : 0);
    if (ts_ctx_manual_seed(ctx, a.has_seed ? a.seed : 0) != TS_OK) {
        fail(NULL, ts_ctx_error(ctx));
        goto done;
    }
    rng.pending = 0;
    if (inputs_parse(ctx, a.inputs, a.n_inputs, NULL, &rng, &ex) != 0) goto done;
    ts_trace_opts opts = {.strict = a.strict != 0, .warn = print_warning, .warn_ud = NULL};
    if (ts_module_trace(ctx, m, ex.v, (size_t)ex.n, &opts, &traced) != TS_OK) {
        fail(a.model, ts_ctx_error(ctx));
        goto done;
    }
    if (a.check && run_checks(ctx, &a, m, traced, &ex, &rng, &opts) != 0) goto done;
    if (ts_module_save(ctx, traced, a.out) != TS_OK) {
        fail(a.out, ts_ctx_error(ctx));
        goto done;
    }
    rc = 0;
done:
    inputs_free(&ex);
    ts_module_release(traced);
    ts_module_release(m);
    ts_ctx_free(ctx);
    free(a.inputs);
    free(a.checks);
    return rc;
}
