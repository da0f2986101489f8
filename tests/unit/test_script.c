/*
 * test_script.c - ts_module_script through the public API: a seed model built
 * from source, called, saved nowhere; the two seeded constructions agree
 * bit for bit; every failure (missing file, syntax, unknown class, an
 * exception in __init__, a constructor that never ends) is a clean error
 * with a place; and the live-allocation count returns to where it started,
 * so neither the evaluator's values nor its session leak on any path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/base.h"
#include "tscript/tscript.h"

#ifndef TS_SOURCE_DIR
#define TS_SOURCE_DIR "."
#endif

static const char *seed_file(const char *name) {
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/tests/script/seed/%s", TS_SOURCE_DIR, name);
    return buf;
}

/* A source file in a temporary directory. */
static const char *temp_source(const char *name, const char *text) {
    static char path[256];
    snprintf(path, sizeof path, "/tmp/tscript_test_script_%d_%s", (int)getpid(), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static ts_value *forward1(ts_ctx *ctx, ts_module *m, const float *x, int64_t rows, int64_t cols) {
    int64_t shape[2] = {rows, cols};
    ts_value *in;
    assert_int_equal(ts_value_from_buffer(ctx, TS_FLOAT32, shape, 2, x, &in), TS_OK);
    ts_value *out = NULL;
    ts_status st = ts_module_forward(ctx, m, &in, 1, &out);
    if (st != TS_OK) fprintf(stderr, "%s\n", ts_ctx_error(ctx));
    assert_int_equal(st, TS_OK);
    ts_value_release(in);
    return out;
}

static void test_seed_model(void **state) {
    (void)state;
    long live = 0;
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    float x[10], y1[5], y2[5];
    for (int i = 0; i < 10; i++) x[i] = (float)(i - 4) / 3.0f;
    for (int round = 0; round < 2; round++) {
        /* the first round fills the process-wide tables (interned types, the op
         * registry); from the second on, everything made is freed again */
        if (round == 1) live = ts_alloc_live();
        assert_int_equal(ts_ctx_manual_seed(ctx, 5), TS_OK);
        ts_module *m;
        assert_int_equal(ts_module_script(ctx, seed_file("looping.py"), NULL, "10, 20, 5, num_loops=3", &m), TS_OK);
        assert_string_equal(ts_module_method_signature(m, "forward"), "forward(x: Tensor) -> Tensor");
        ts_value *out = forward1(ctx, m, x, 1, 10);
        assert_int_equal(ts_tensor_ndim(out), 2);
        assert_int_equal(ts_tensor_size(out, 1), 5);
        assert_int_equal(ts_value_to_buffer(ctx, out, TS_FLOAT32, round ? y2 : y1, sizeof y1), TS_OK);
        ts_value_release(out);
        ts_module_release(m);
    }
    /* the same seed gives the same parameters */
    assert_memory_equal(y1, y2, sizeof y1);
    assert_int_equal(ts_alloc_live(), live);
    ts_ctx_free(ctx);
}

static void test_decorated_class_warns(void **state) {
    (void)state;
    long live = ts_alloc_live();
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_module *m;
    assert_int_equal(ts_module_script(ctx, seed_file("scripted_conditional.py"), "ScriptedConditionalModel", "5,3", &m),
                     TS_OK);
    assert_non_null(strstr(ts_ctx_notes(ctx), "warning: @torch.jit.script on the nn.Module class"));
    assert_string_equal(ts_module_method_signature(m, "forward"), "forward(x: Tensor, condition: bool) -> Tensor");
    ts_module_release(m);
    ts_ctx_free(ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void expect_error(ts_ctx *ctx, const char *path, const char *cls, const char *args, ts_status want,
                         const char *needle) {
    ts_module *m = (ts_module *)1;
    ts_status st = ts_module_script(ctx, path, cls, args, &m);
    if (st != want || !strstr(ts_ctx_error(ctx), needle))
        fprintf(stderr, "want %s with '%s', got %s:\n%s\n", ts_status_name(want), needle, ts_status_name(st),
                ts_ctx_error(ctx));
    assert_int_equal(st, want);
    assert_null(m);
    assert_non_null(strstr(ts_ctx_error(ctx), needle));
}

static void test_errors(void **state) {
    (void)state;
    long live = ts_alloc_live();
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    expect_error(ctx, "/nonexistent/model.py", NULL, NULL, TS_ERR_IO, "cannot read");
    expect_error(ctx, temp_source("syntax.py", "import torch\nclass M(:\n"), NULL, NULL, TS_ERR_SYNTAX, ":2:8: error:");
    expect_error(ctx, seed_file("looping.py"), "Nope", NULL, TS_ERR_NOT_FOUND, "defines no class 'Nope'");
    expect_error(ctx, seed_file("looping.py"), NULL, "1, 2", TS_ERR_TYPE, "missing required argument 'out_features'");
    expect_error(ctx, seed_file("looping.py"), NULL, "1, 2, 3, 4, 5", TS_ERR_TYPE, "takes 5 positional arguments");
    expect_error(ctx, seed_file("looping.py"), NULL, "1, 2,", TS_ERR_TYPE, "missing required argument");
    expect_error(ctx, seed_file("looping.py"), NULL, "1, 2, 3)(", TS_ERR_SYNTAX, "--args");
    const char *raises = temp_source("raises.py",
                                     "import torch.nn as nn\n"
                                     "class M(nn.Module):\n"
                                     "    def __init__(self, n):\n"
                                     "        super().__init__()\n"
                                     "        self.xs = [1, 2, 3]\n"
                                     "        self.y = self.xs[n]\n");
    expect_error(ctx, raises, NULL, "7", TS_ERR_VALUE, "IndexError: index 7 out of range");
    const char *loops = temp_source("loops.py",
                                    "import torch.nn as nn\n"
                                    "class M(nn.Module):\n"
                                    "    def __init__(self):\n"
                                    "        super().__init__()\n"
                                    "        n = 0\n"
                                    "        while n >= 0:\n"
                                    "            n += 1\n");
    ts_ctx_set_timeout(ctx, 200);
    expect_error(ctx, loops, NULL, NULL, TS_ERR_TIMEOUT, "timed out");
    const char *recurse = temp_source("recurse.py",
                                      "import torch.nn as nn\n"
                                      "def f(n):\n"
                                      "    return f(n + 1)\n"
                                      "class M(nn.Module):\n"
                                      "    def __init__(self):\n"
                                      "        super().__init__()\n"
                                      "        self.v = f(0)\n");
    expect_error(ctx, recurse, NULL, NULL, TS_ERR_RUNTIME, "RecursionError");
    ts_ctx_free(ctx);
    unlink(raises);
    unlink(loops);
    unlink(recurse);
    assert_int_equal(ts_alloc_live(), live);
}

/* Refinements are stores (PyTorch's emitter): the narrowed value of
 * `if n is not None:`, of the right side of `m is not None and ...` and of
 * `assert k is not None` is assigned in the branch that narrows it, so the
 * If merges it out and the code after it uses the merged value. Without the
 * store, the Ifs would have no such outputs and `return k` would return the
 * cast made outside them. */
static void refine_round(const char *path) {
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_module *m = NULL;
    ts_status st = ts_module_script(ctx, path, NULL, NULL, &m);
    if (st != TS_OK) fprintf(stderr, "%s\n", ts_ctx_error(ctx));
    assert_int_equal(st, TS_OK);
    char *graph = NULL;
    assert_int_equal(ts_module_show(ctx, m, TS_SHOW_GRAPH, &graph), TS_OK);
    static const char *const want[] = {
        /* if: n leaves the If (int in the branch that refined it, int? in the other) */
        "%n.1 : int?, %x.1 : Tensor = prim::If(",
        "      %n.2 : int = prim::unchecked_cast(%n)",
        "      -> (%n.2, %x.2)",
        /* and: the right side's refined m leaves the If after the value */
        "%ok : bool, %m.1 : int? = prim::If(",
        "      -> (%18, %m.2)",
        /* assert: the refined k leaves the If (a placeholder where it raised) and is returned */
        "%k.1 : int = prim::If(",
        "      %26 : int = prim::Uninitialized()",
        "  return (%k.1)",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(graph, want[i])) fail_msg("missing '%s' in\n%s", want[i], graph);
    /* and it runs: forward(x, None, None, 5) is 5 */
    int64_t shape[1] = {2};
    float xs[2] = {1, 2};
    ts_value *in[4] = {NULL};
    assert_int_equal(ts_value_from_buffer(ctx, TS_FLOAT32, shape, 1, xs, &in[0]), TS_OK);
    in[1] = ts_value_none();
    in[2] = ts_value_none();
    in[3] = ts_value_int(5);
    assert_non_null(in[1]);
    assert_non_null(in[2]);
    assert_non_null(in[3]);
    ts_value *out = NULL;
    assert_int_equal(ts_module_forward(ctx, m, in, 4, &out), TS_OK);
    assert_int_equal(ts_value_get_int(out), 5);
    ts_value_release(out);
    for (int i = 0; i < 4; i++) ts_value_release(in[i]);
    ts_string_free(graph);
    ts_module_release(m);
    ts_ctx_free(ctx);
}

static void test_refinements_are_stores(void **state) {
    (void)state;
    const char *path = temp_source("refine.py",
                                   "import torch\n"
                                   "import torch.nn as nn\n"
                                   "from typing import Optional\n"
                                   "class Net(nn.Module):\n"
                                   "    def forward(self, x: torch.Tensor, n: Optional[int] = None,\n"
                                   "                m: Optional[int] = None, k: Optional[int] = None) -> int:\n"
                                   "        if n is not None:\n"
                                   "            x = x + 1\n"
                                   "        ok = m is not None and m > 0\n"
                                   "        assert k is not None\n"
                                   "        return k\n");
    /* the first round fills the process-wide tables (interned types); the second leaks nothing */
    refine_round(path);
    long live = ts_alloc_live();
    refine_round(path);
    unlink(path);
    assert_int_equal(ts_alloc_live(), live);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refinements_are_stores),
        cmocka_unit_test(test_seed_model),
        cmocka_unit_test(test_decorated_class_warns),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
