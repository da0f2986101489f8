/*
 * fuzz_run.c - libFuzzer target that loads an archive and then *runs* it:
 * forward is called with fixed inputs built from its signature (a Tensor
 * gets a float32 tensor of each of a few shapes in turn, an int 2, a float
 * 0.5, a bool True, a str "a", an Optional None, a List[int] [1, 2]), so the
 * interpreter, the ops' argument checks and the kernels see what fuzzed code
 * does with real values. The other targets stop after compiling.
 *
 * Seeds: the small archives under examples/ and tests/data/serialize.
 *
 *   build-fuzz/fuzz_run -max_total_time=60 -timeout=10 /tmp/corpus-run examples tests/data/serialize
 *
 * A fuzzed `while True` never ends: until calls can carry a deadline, use
 * libFuzzer's -timeout and treat a timeout as not-a-crash (`make fuzz-smoke`
 * does; docs/contributing.md). Crashes go to tests/fuzz/regress/run/,
 * replayed by unit.test_fuzz_replay.
 */
#include <stddef.h>
#include <stdint.h>

#include "runtime/module.h"
#include "serialize/archive.h"

enum { RUN_MAX_ARGS = 8 };

/* The shapes tried for Tensor arguments (one shape for all of them per call). */
static const int64_t run_shapes[][4] = {{1, 10}, {1, 5}, {2, 16}, {1, 3, 16, 16}, {3}};
static const int run_ndims[] = {2, 2, 2, 4, 1};

static Tensor *run_tensor(Ctx *ctx, int shape) {
    Tensor *t = tensor_empty(ctx, DT_FLOAT32, run_shapes[shape], run_ndims[shape]);
    if (!t) return NULL;
    float *p = tensor_data(t);
    int64_t n = 1;
    for (int i = 0; i < run_ndims[shape]; i++) n *= run_shapes[shape][i];
    for (int64_t i = 0; i < n; i++) p[i] = (float)((i * 7) % 11) * 0.25f - 1.0f;
    return t;
}

/* A fixed value of type t, or false when there is none for it. */
static bool run_arg(Ctx *ctx, Type *t, int shape, bool *uses_tensor, IValue *out) {
    switch (t->kind) {
    case TK_TENSOR: {
        Tensor *x = run_tensor(ctx, shape);
        if (!x) return false;
        *uses_tensor = true;
        *out = iv_tensor_steal(x);
        return true;
    }
    case TK_INT: *out = iv_int(2); return true;
    case TK_FLOAT: *out = iv_double(0.5); return true;
    case TK_BOOL: *out = iv_bool(true); return true;
    case TK_STR: *out = iv_cstr("a"); return true;
    case TK_OPTIONAL: *out = iv_none(); return true;
    case TK_LIST:
        if (t->elems[0]->kind == TK_INT) {
            ListObj *l = list_new(ty_int(), 2);
            list_push_steal(l, iv_int(1));
            list_push_steal(l, iv_int(2));
            *out = iv_list_steal(l);
            return true;
        }
        return false;
    default: return false;
    }
}

static void run_forward(Ctx *ctx, Module *m) {
    Function *fn = module_method(m, "forward");
    if (!fn || fn->nparams < 1 || fn->nparams - 1 > RUN_MAX_ARGS) return;
    int n = fn->nparams - 1;
    for (int shape = 0; shape < (int)TS_ARRAY_LEN(run_ndims); shape++) {
        IValue args[RUN_MAX_ARGS];
        bool uses_tensor = false, ok = true;
        int built = 0;
        for (; built < n && ok; built++) ok = run_arg(ctx, fn->params[built + 1].type, shape, &uses_tensor, &args[built]);
        if (!ok) built--;
        if (ok) {
            IValue r = iv_none();
            if (module_call(ctx, m, "forward", args, n, &r) == TS_OK) {
                StrBuf sb; /* print the result too: the printers see run-time values */
                sb_init(&sb);
                iv_repr(&sb, r);
                sb_free(&sb);
            }
            iv_release(r);
            ts_clear_error(ctx);
        }
        for (int i = 0; i < built; i++) iv_release(args[i]);
        if (!ok || !uses_tensor) break; /* other shapes would give the same call */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.skip_crc = true; /* mutated records must get past the zip layer */
    Module *m = NULL;
    if (archive_load_memory(&ctx, "fuzz.pt", data, size, &m) == TS_OK) {
        run_forward(&ctx, m);
        module_release(m);
    }
    ctx_dispose(&ctx);
    return 0;
}
