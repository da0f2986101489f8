/*
 * main.c - the `tscript` command: run and inspect TorchScript archives.
 *
 *     tscript run  MODEL.pt [INPUT ...] [-o DIR] [--method NAME] [--seed N] [--threads N] [--isa LEVEL]
 *                  [--max-memory N] [--timeout SECONDS]
 *     tscript show MODEL.pt [--tree | --code | --graph]
 *     tscript check MODEL.pt
 *     tscript save MODEL.pt -o OUT.pt [--timeout SECONDS]
 *     tscript show WEIGHTS.pt      (a torch.save file: names, dtypes, shapes)
 *     tscript --version | --help
 *
 * The CLI sits on top of the public API (include/tscript/tscript.h) and
 * nothing else. Exit status: 0 on success, 1 when the library or a file
 * reports an error (printed as "tscript: error: ..." on stderr), 2 for a
 * usage error. Everything allocated is freed on every path, so a run under
 * LeakSanitizer stays clean even when it fails.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "inputs.h"
#include "outputs.h"
#include "weights.h"
#include "tscript/tscript.h"

enum { EXIT_ERROR = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
    "usage: tscript run  MODEL.pt [INPUT ...] [-o DIR] [--method NAME] [--seed N] [--threads N]\n"
    "                    [--isa LEVEL] [--max-memory N] [--timeout SECONDS]\n"
    "       tscript show MODEL.pt [--tree | --code | --graph] [--timeout SECONDS]\n"
    "       tscript check MODEL.pt [--timeout SECONDS]\n"
    "       tscript save MODEL.pt -o OUT.pt [--timeout SECONDS]\n"
    "       tscript show WEIGHTS.pt\n"
    "       tscript run  MODEL.py[:CLASS] [--args ARGS] [--weights W.pt [--weights-key K]] [INPUT ...]\n"
    "       tscript show MODEL.py[:CLASS] [--args ARGS] [--tree | --code | --graph]\n"
    "       tscript script MODEL.py[:CLASS] [--args ARGS] [--weights W.pt] -o OUT.pt\n"
    "       tscript --version\n"
    "       tscript --help\n";

static const char help_text[] =
    "\n"
    "Run and inspect TorchScript archives written by torch.jit.save, without Python.\n"
    "\n"
    "run      call a method (forward by default) and print the result as PyTorch does\n"
    "  INPUT      one per argument of the method:\n"
    "               x.npy            a tensor from a .npy file\n"
    "               True, False      a bool\n"
    "               None             None\n"
    "               3, -2            an int\n"
    "               2.5, 1e-3        a float\n"
    "               randn:D0,D1,...  torch.randn(D0, D1, ...) after torch.manual_seed(N)\n"
    "               x.npy:bfloat16   a tensor converted to a dtype (any tensor word)\n"
    "  -o DIR     also write every output tensor as DIR/out0.npy, out1.npy, ...\n"
    "             (depth-first; Python numbers become 0-dim arrays)\n"
    "  --method NAME   call NAME instead of forward\n"
    "  --seed N        torch.manual_seed(N) before the inputs and the call (default 0)\n"
    "  --threads N     intra-op threads (default: the library chooses)\n"
    "  --isa LEVEL     highest instruction-set level of the kernels: portable, avx2,\n"
    "                  avx512 or auto (default; also TSCRIPT_ISA, the lower wins)\n"
    "  --max-memory N  fail cleanly once the library holds N bytes (default: no limit)\n"
    "  --timeout SECONDS  stop loading or running after SECONDS (default: no limit)\n"
    "\n"
    "show     print the module (or, for a torch.save file, each tensor's name, dtype, shape)\n"
    "  --tree     the module tree, as print(module) does (default)\n"
    "  --code     each class's TorchScript code\n"
    "  --graph    each method's IR, in PyTorch's graph format\n"
    "  (show runs no model code: __setstate__ methods are not run)\n"
    "\n"
    "check    list every op and construct the model uses that tscript cannot run,\n"
    "         with its places in the archive's code; exit 1 if there is any\n"
    "\n"
    "save     load the archive and write it again as OUT.pt (torch.jit.save's format;\n"
    "         the same input always gives the same bytes; OUT.pt is replaced only\n"
    "         once it is complete)\n"
    "  -o OUT.pt  the archive to write (required)\n"
    "\n"
    "Exit status: 0 success, 1 error, 2 usage error. See docs/cli.md.\n";

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tscript: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n%s", usage_text);
    va_end(ap);
    return EXIT_USAGE;
}

/* Print "tscript: error: MSG" as one message ending in exactly one newline
 * (library messages may carry their own). */
static int error_in(const char *where, const char *msg) {
    int n = (int)strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        n--;
    fprintf(stderr, "tscript: error: %s%s%.*s\n", where ? where : "", where ? ": " : "", n,
            msg);
    return EXIT_ERROR;
}

static int error(const char *msg) {
    return error_in(NULL, msg);
}

static bool is_help(const char *a) {
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

static bool parse_count(const char *s, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno == ERANGE || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* The base name of a path, for messages. */
static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Each line of the library's load notes as "tscript: note: PATH: ..." on stderr. */
static void print_notes(const char *path, const char *notes) {
    while (*notes) {
        const char *nl = strchr(notes, '\n');
        int n = nl ? (int)(nl - notes) : (int)strlen(notes);
        /* a line that is itself a located warning ("model.py:3:1: warning: ...") stands alone */
        const char *w = strstr(notes, ": warning: ");
        if (w && w < notes + n)
            fprintf(stderr, "tscript: %.*s\n", n, notes);
        else
            fprintf(stderr, "tscript: note: %s: %.*s\n", path, n, notes);
        notes += n + (nl ? 1 : 0);
    }
}

/* --timeout SECONDS: a positive decimal number of seconds (fractions allowed),
 * as milliseconds; 0 means no limit. */
static bool parse_timeout(const char *s, int64_t *ms) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !(v >= 0) || v > 1e9)
        return false;
    *ms = (int64_t)(v * 1000.0 + 0.5);
    if (v > 0 && *ms == 0)
        *ms = 1;
    return true;
}

/* The value of `CMD ... --timeout SECONDS` at argv[*i]: advances *i past it;
 * 0, or the usage error's exit code. */
static int timeout_option(const char *cmd, int argc, char **argv, int *i, int64_t *ms) {
    if (*i + 1 >= argc)
        return usage_error("%s: option '--timeout' needs a value", cmd);
    const char *val = argv[++*i];
    if (!parse_timeout(val, ms))
        return usage_error("%s: --timeout needs a number of seconds >= 0, not '%s'", cmd, val);
    return 0;
}

/* Create a context and load the model (flags: TS_LOAD_*; timeout_ms bounds the
 * load and every call, 0: none); on failure print the error, naming the file
 * if the library's message does not. */
/* Options of a model given as Python source (model.py[:Class]). */
typedef struct SourceOpts {
    const char *args;        /* --args */
    const char *weights;     /* --weights */
    const char *weights_key; /* --weights-key */
    bool has_seed;           /* --seed given: torch.manual_seed(seed) before constructing */
    uint64_t seed;
} SourceOpts;

/* MODEL is Python source when it names a .py file, optionally with :Class. */
static bool is_source(const char *path) {
    const char *p = strstr(path, ".py");
    while (p) {
        if (p[3] == 0 || p[3] == ':')
            return true;
        p = strstr(p + 1, ".py");
    }
    return false;
}

/* Script model.py[:Class] (the class name is split off into *cls). */
static ts_status script_model(ts_ctx *ctx, const char *spec, const SourceOpts *so, ts_module **m) {
    const char *colon = strstr(spec, ".py:");
    char *file = NULL;
    const char *cls = NULL;
    if (colon) {
        size_t n = (size_t)(colon - spec) + 3;
        file = malloc(n + 1);
        if (!file)
            return TS_ERR_NOMEM;
        memcpy(file, spec, n);
        file[n] = 0;
        cls = colon + 4;
    }
    ts_status st = ts_module_script_weights(ctx, file ? file : spec, cls && *cls ? cls : NULL,
                                            so ? so->args : NULL, so ? so->weights : NULL,
                                            so ? so->weights_key : NULL, m);
    free(file);
    return st;
}

static int open_model_src(const char *path, int threads, int isa, size_t max_memory, unsigned flags,
                          int64_t timeout_ms, const SourceOpts *so, ts_ctx **ctx, ts_module **m) {
    ts_config cfg = {.num_threads = threads, .max_isa = isa, .max_memory = max_memory};
    *ctx = NULL;
    *m = NULL;
    if (ts_ctx_new(&cfg, ctx) != TS_OK)
        return error("out of memory");
    ts_ctx_set_timeout(*ctx, timeout_ms);
    ts_status st = TS_OK;
    if (is_source(path) && so && so->has_seed)
        st = ts_ctx_manual_seed(*ctx, so->seed);
    if (st == TS_OK)
        st = is_source(path) ? script_model(*ctx, path, so, m) : ts_module_load_ex(*ctx, path, flags, m);
    if (st != TS_OK) {
        if (is_source(path))
            print_notes(path, ts_ctx_notes(*ctx));
        const char *msg = ts_ctx_error(*ctx);
        if (strstr(msg, base_name(path)))
            error(msg);
        else
            error_in(path, msg[0] ? msg : "cannot load");
        ts_ctx_free(*ctx);
        *ctx = NULL;
        *m = NULL;
        return EXIT_ERROR;
    }
    print_notes(path, ts_ctx_notes(*ctx));
    return 0;
}

static int open_model(const char *path, int threads, int isa, size_t max_memory, unsigned flags,
                      int64_t timeout_ms, ts_ctx **ctx, ts_module **m) {
    return open_model_src(path, threads, isa, max_memory, flags, timeout_ms, NULL, ctx, m);
}

/* Print a library-owned string, ending it with exactly one newline. */
static void print_text(const char *s) {
    size_t n = strlen(s);
    fputs(s, stdout);
    if (n == 0 || s[n - 1] != '\n')
        fputc('\n', stdout);
}

/* ---- run ---- */

typedef struct RunArgs {
    const char *model;
    const char *out_dir;
    const char *method;
    uint64_t seed;
    int threads;
    int isa;
    size_t max_memory;
    int64_t timeout_ms;
    const char **inputs;
    size_t n_inputs;
    SourceOpts src;
} RunArgs;

/* Options may come anywhere; a word that reads as a number ("-3", "-inf") is
 * an input, and "--" ends the options. */
static int parse_run_args(int argc, char **argv, RunArgs *a) {
    bool options_done = false;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (!options_done && w[0] == '-' && w[1] && !input_is_number(w)) {
            const char *val = NULL;
            if (strcmp(w, "--") == 0) {
                options_done = true;
                continue;
            }
            if (is_help(w)) {
                printf("%s%s", usage_text, help_text);
                return -1;
            }
            bool takes_value = strcmp(w, "-o") == 0 || strcmp(w, "--output") == 0 ||
                               strcmp(w, "--method") == 0 || strcmp(w, "--seed") == 0 ||
                               strcmp(w, "--threads") == 0 || strcmp(w, "--isa") == 0 ||
                               strcmp(w, "--max-memory") == 0 || strcmp(w, "--timeout") == 0 ||
                               strcmp(w, "--args") == 0 || strcmp(w, "--weights") == 0 ||
                               strcmp(w, "--weights-key") == 0;
            if (!takes_value)
                return usage_error("run: unknown option '%s'", w);
            if (i + 1 >= argc)
                return usage_error("run: option '%s' needs a value", w);
            val = argv[++i];
            long long n;
            if (strcmp(w, "--args") == 0) {
                a->src.args = val;
            } else if (strcmp(w, "--weights") == 0) {
                a->src.weights = val;
            } else if (strcmp(w, "--weights-key") == 0) {
                a->src.weights_key = val;
            } else if (strcmp(w, "-o") == 0 || strcmp(w, "--output") == 0) {
                a->out_dir = val;
            } else if (strcmp(w, "--method") == 0) {
                a->method = val;
            } else if (strcmp(w, "--seed") == 0) {
                if (!parse_count(val, 0, INT64_MAX, &n))
                    return usage_error("run: --seed needs a non-negative integer, not '%s'", val);
                a->seed = (uint64_t)n;
                a->src.has_seed = true;
                a->src.seed = (uint64_t)n;
            } else if (strcmp(w, "--isa") == 0) {
                if ((a->isa = ts_isa_parse(val)) < 0)
                    return usage_error("run: --isa needs portable, avx2, avx512 or auto, not '%s'", val);
            } else if (strcmp(w, "--max-memory") == 0) {
                if (!parse_count(val, 0, INT64_MAX, &n))
                    return usage_error("run: --max-memory needs a number of bytes, not '%s'", val);
                a->max_memory = (size_t)n;
            } else if (strcmp(w, "--timeout") == 0) {
                if (!parse_timeout(val, &a->timeout_ms))
                    return usage_error("run: --timeout needs a number of seconds >= 0, not '%s'", val);
            } else {
                if (!parse_count(val, 0, 4096, &n))
                    return usage_error("run: --threads needs an integer 0..4096, not '%s'", val);
                a->threads = (int)n;
            }
        } else if (!a->model) {
            a->model = w;
        } else {
            a->inputs[a->n_inputs++] = w;
        }
    }
    if (!a->model)
        return usage_error("run: missing MODEL.pt");
    return 0;
}

static int cmd_run(int argc, char **argv) {
    RunArgs a = {0};
    a.method = "forward";
    a.inputs = calloc((size_t)argc + 1, sizeof *a.inputs);
    if (!a.inputs)
        return error("out of memory");
    int rc = parse_run_args(argc, argv, &a);
    if (rc != 0) {
        free(a.inputs);
        return rc < 0 ? 0 : rc;
    }

    ts_ctx *ctx;
    ts_module *m;
    ts_value **vals = NULL;
    size_t n_vals = 0;
    ts_value *out = NULL;
    char *text = NULL;
    char err[1024];
    if (!is_source(a.model) && (a.src.args || a.src.weights || a.src.weights_key)) {
        rc = usage_error("run: --args, --weights and --weights-key are for a model.py");
        goto free_inputs;
    }
    if ((rc = open_model_src(a.model, a.threads, a.isa, a.max_memory, 0, a.timeout_ms, &a.src, &ctx,
                             &m)) != 0)
        goto free_inputs;

    rc = EXIT_ERROR;
    int arity = ts_module_method_arity(m, a.method);
    if (arity < 0) {
        fprintf(stderr, "tscript: error: %s: the module has no method '%s'\n", a.model,
                a.method);
        goto free_model;
    }
    /* Too many inputs is an error here; too few may be fine when the
     * method's last arguments have defaults, so the library decides. */
    if ((size_t)arity < a.n_inputs) {
        fprintf(stderr, "tscript: error: %s: %s() expects %d input%s, got %zu\n", a.model,
                a.method, arity, arity == 1 ? "" : "s", a.n_inputs);
        goto free_model;
    }

    vals = calloc(a.n_inputs + 1, sizeof *vals);
    if (!vals) {
        error("out of memory");
        goto free_model;
    }
    InputRng rng;
    input_rng_seed(&rng, a.seed);
    /* --seed N is torch.manual_seed(N) before the inputs are made and the
     * model runs: randn: inputs and the model's own random ops draw on. */
    if (ts_ctx_manual_seed(ctx, a.seed) != TS_OK) {
        error(ts_ctx_error(ctx));
        goto free_vals;
    }
    rng.pending = 0;
    for (; n_vals < a.n_inputs; n_vals++)
        if (input_parse(ctx, a.inputs[n_vals], &rng, &vals[n_vals], err, sizeof err) != 0) {
            error(err);
            goto free_vals;
        }

    if (ts_module_call(ctx, m, a.method, vals, n_vals, &out) != TS_OK) {
        error(ts_ctx_error(ctx));
        if ((size_t)arity > n_vals)
            fprintf(stderr, "tscript: note: %s: %s() expects %d input%s, got %zu\n", a.model,
                    a.method, arity, arity == 1 ? "" : "s", n_vals);
        goto free_vals;
    }
    text = ts_value_repr(out);
    if (!text) {
        error("out of memory");
        goto free_out;
    }
    print_text(text);
    if (fflush(stdout) != 0) {
        error("cannot write to standard output");
        goto free_out;
    }
    if (a.out_dir) {
        size_t count;
        if (outputs_write(ctx, out, a.out_dir, &count, err, sizeof err) != 0) {
            error(err);
            goto free_out;
        }
    }
    rc = 0;
free_out:
    if (text)
        ts_string_free(text);
    if (out)
        ts_value_release(out);
free_vals:
    for (size_t i = 0; i < n_vals; i++)
        ts_value_release(vals[i]);
    free(vals);
free_model:
    ts_module_release(m);
    ts_ctx_free(ctx);
free_inputs:
    free(a.inputs);
    return rc;
}

/* ---- show ---- */

static int cmd_show(int argc, char **argv) {
    const char *model = NULL;
    ts_show what = TS_SHOW_TREE;
    bool mode_given = false;
    bool reprint = false; /* --reprint (hidden, a debugging aid): --code from the IR */
    int64_t timeout_ms = 0;
    SourceOpts so = {0};
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (is_help(w)) {
            printf("%s%s", usage_text, help_text);
            return 0;
        }
        if (strcmp(w, "--timeout") == 0) {
            int rc = timeout_option("show", argc, argv, &i, &timeout_ms);
            if (rc != 0)
                return rc;
            continue;
        }
        if (strcmp(w, "--args") == 0 || strcmp(w, "--weights") == 0 || strcmp(w, "--weights-key") == 0 ||
            strcmp(w, "--seed") == 0) {
            if (i + 1 >= argc)
                return usage_error("show: option '%s' needs a value", w);
            const char *val = argv[++i];
            long long n;
            if (strcmp(w, "--seed") == 0) {
                if (!parse_count(val, 0, INT64_MAX, &n))
                    return usage_error("show: --seed needs a non-negative integer, not '%s'", val);
                so.has_seed = true;
                so.seed = (uint64_t)n;
            } else if (w[2] == 'a')
                so.args = val;
            else if (strcmp(w, "--weights") == 0)
                so.weights = val;
            else
                so.weights_key = val;
            continue;
        }
        if (strcmp(w, "--reprint") == 0) {
            reprint = true;
            continue;
        }
        if (w[0] == '-' && w[1]) {
            ts_show mode;
            if (strcmp(w, "--tree") == 0)
                mode = TS_SHOW_TREE;
            else if (strcmp(w, "--code") == 0)
                mode = TS_SHOW_CODE;
            else if (strcmp(w, "--graph") == 0)
                mode = TS_SHOW_GRAPH;
            else
                return usage_error("show: unknown option '%s'", w);
            if (mode_given && mode != what)
                return usage_error("show: give only one of --tree, --code, --graph");
            what = mode;
            mode_given = true;
        } else if (!model) {
            model = w;
        } else {
            return usage_error("show: unexpected argument '%s'", w);
        }
    }
    if (!model)
        return usage_error("show: missing MODEL.pt");
    if (reprint && what != TS_SHOW_CODE)
        return usage_error("show: --reprint goes with --code");
    if (reprint)
        what = TS_SHOW_CODE_REPRINT;
    if (!is_source(model) && ts_file_is_weights(model)) {
        if (what != TS_SHOW_TREE)
            return usage_error("show: %s is a torch.save file: it has no code or graph", model);
        return weights_show(model);
    }

    ts_ctx *ctx;
    ts_module *m;
    int rc = open_model_src(model, 0, 0, 0, TS_LOAD_INSPECT, timeout_ms, &so, &ctx, &m);
    if (rc != 0)
        return rc;
    char *text = NULL;
    if (ts_module_show(ctx, m, what, &text) != TS_OK) {
        rc = error(ts_ctx_error(ctx));
    } else {
        print_text(text);
        rc = fflush(stdout) == 0 ? 0 : error("cannot write to standard output");
    }
    if (text)
        ts_string_free(text);
    ts_module_release(m);
    ts_ctx_free(ctx);
    return rc;
}

/* ---- check ---- */

static int cmd_check(int argc, char **argv) {
    const char *model = NULL;
    int64_t timeout_ms = 0;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (is_help(w)) {
            printf("%s%s", usage_text, help_text);
            return 0;
        }
        if (strcmp(w, "--timeout") == 0) {
            int rc = timeout_option("check", argc, argv, &i, &timeout_ms);
            if (rc != 0)
                return rc;
        } else if (w[0] == '-' && w[1]) {
            return usage_error("check: unknown option '%s'", w);
        } else if (!model) {
            model = w;
        } else {
            return usage_error("check: unexpected argument '%s'", w);
        }
    }
    if (!model)
        return usage_error("check: missing MODEL.pt");

    ts_ctx *ctx;
    ts_module *m;
    int rc = open_model(model, 0, 0, 0, TS_LOAD_INSPECT, timeout_ms, &ctx, &m);
    if (rc != 0)
        return rc;
    char *report = NULL;
    size_t n = 0;
    if (ts_module_check(ctx, m, &report, &n) != TS_OK) {
        rc = error(ts_ctx_error(ctx));
    } else {
        if (n)
            printf("%s: %zu thing%s tscript cannot run:\n", model, n, n == 1 ? "" : "s");
        else
            printf("%s: ", model);
        print_text(report);
        rc = fflush(stdout) != 0 ? error("cannot write to standard output") : n ? EXIT_ERROR : 0;
    }
    if (report)
        ts_string_free(report);
    ts_module_release(m);
    ts_ctx_free(ctx);
    return rc;
}

/* ---- script ---- */

/* tscript script model.py[:Class] [--args A] [--weights W [--weights-key K]] [--seed S] -o out.pt:
 * scripts the model and writes it as an archive torch.jit.load reads. */
static int cmd_script(int argc, char **argv) {
    const char *model = NULL, *out = NULL;
    SourceOpts so = {0};
    int64_t timeout_ms = 0;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (is_help(w)) {
            printf("%s%s", usage_text, help_text);
            return 0;
        }
        if (strcmp(w, "--timeout") == 0) {
            int rc = timeout_option("script", argc, argv, &i, &timeout_ms);
            if (rc != 0)
                return rc;
            continue;
        }
        bool takes = strcmp(w, "--args") == 0 || strcmp(w, "--weights") == 0 ||
                     strcmp(w, "--weights-key") == 0 || strcmp(w, "-o") == 0 ||
                     strcmp(w, "--output") == 0 || strcmp(w, "--seed") == 0;
        if (takes) {
            if (i + 1 >= argc)
                return usage_error("script: option '%s' needs a value", w);
            const char *val = argv[++i];
            if (strcmp(w, "--args") == 0)
                so.args = val;
            else if (strcmp(w, "--weights") == 0)
                so.weights = val;
            else if (strcmp(w, "--weights-key") == 0)
                so.weights_key = val;
            else if (strcmp(w, "--seed") == 0) {
                long long n;
                if (!parse_count(val, 0, INT64_MAX, &n))
                    return usage_error("script: --seed needs a non-negative integer, not '%s'", val);
                so.has_seed = true;
                so.seed = (uint64_t)n;
            } else
                out = val;
        } else if (w[0] == '-' && w[1]) {
            return usage_error("script: unknown option '%s'", w);
        } else if (!model) {
            model = w;
        } else {
            return usage_error("script: unexpected argument '%s'", w);
        }
    }
    if (!model || !is_source(model))
        return usage_error("script: needs a model.py[:Class]");
    if (!out)
        return usage_error("script: missing -o OUT.pt");
    ts_ctx *ctx;
    ts_module *m;
    int rc = open_model_src(model, 0, 0, 0, 0, timeout_ms, &so, &ctx, &m);
    if (rc != 0)
        return rc;
    if (ts_module_save(ctx, m, out) != TS_OK)
        rc = error(ts_ctx_error(ctx));
    ts_module_release(m);
    ts_ctx_free(ctx);
    return rc;
}

/* ---- save ---- */

static int cmd_save(int argc, char **argv) {
    const char *model = NULL, *out = NULL;
    int64_t timeout_ms = 0;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (is_help(w)) {
            printf("%s%s", usage_text, help_text);
            return 0;
        }
        if (strcmp(w, "--timeout") == 0) {
            int rc = timeout_option("save", argc, argv, &i, &timeout_ms);
            if (rc != 0)
                return rc;
        } else if (strcmp(w, "-o") == 0 || strcmp(w, "--output") == 0) {
            if (i + 1 >= argc)
                return usage_error("save: option '%s' needs a value", w);
            if (out)
                return usage_error("save: give -o only once");
            out = argv[++i];
            if (!out[0])
                return usage_error("save: -o needs a file name");
        } else if (w[0] == '-' && w[1]) {
            return usage_error("save: unknown option '%s'", w);
        } else if (!model) {
            model = w;
        } else {
            return usage_error("save: unexpected argument '%s'", w);
        }
    }
    if (!model)
        return usage_error("save: missing MODEL.pt");
    if (!out)
        return usage_error("save: missing -o OUT.pt");
    if (ts_file_is_weights(model))
        return error_in(model, "this is a torch.save file (weights), not a TorchScript archive: there is no module to save");

    ts_ctx *ctx;
    ts_module *m;
    int rc = open_model(model, 0, 0, 0, 0, timeout_ms, &ctx, &m);
    if (rc != 0)
        return rc;
    if (ts_module_save(ctx, m, out) != TS_OK) {
        const char *msg = ts_ctx_error(ctx);
        rc = strstr(msg, base_name(out)) ? error(msg) : error_in(out, msg);
    }
    ts_module_release(m);
    ts_ctx_free(ctx);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return usage_error("missing a command");
    const char *cmd = argv[1];
    const char *env_isa = getenv("TSCRIPT_ISA");
    if (env_isa && *env_isa && ts_isa_parse(env_isa) < 0)
        return usage_error("TSCRIPT_ISA must be portable, avx2, avx512 or auto, not '%s'", env_isa);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("tscript %s\n", ts_version());
        printf("kernels: %s (this CPU runs %s)\n", ts_isa_name(ts_isa()), ts_isa_name(ts_isa_supported()));
        return 0;
    }
    if (is_help(cmd) || strcmp(cmd, "help") == 0) {
        printf("%s%s%s", usage_text, bench_usage_text, help_text);
        printf("\n%s", bench_help_text);
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "show") == 0)
        return cmd_show(argc - 2, argv + 2);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (strcmp(cmd, "script") == 0)
        return cmd_script(argc - 2, argv + 2);
    if (strcmp(cmd, "save") == 0)
        return cmd_save(argc - 2, argv + 2);
    if (strcmp(cmd, "bench") == 0)
        return cmd_bench(argc - 2, argv + 2);
    return usage_error("unknown command '%s'", cmd);
}
