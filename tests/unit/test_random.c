/*
 * test_random.c - PyTorch's CPU generator and the random ops against what
 * real PyTorch drew (test_random_cases.inc, from
 * tests/unit/gen/gen_random_cases.py).
 *
 * - raw mt19937 words for seeds 0, 1, 42 and 2^32 + 5, bit for bit, from
 *   the generator itself and through aten::random_;
 * - a context never seeded starts from PyTorch's default seed;
 * - sequences of op calls after one manual_seed, run on one context, so the
 *   state (the cached normal sample included) carries across ops: integer
 *   and uniform results and float32 normal_fill samples exactly, the
 *   normal samples that go through the C library's log/sin/cos within the
 *   Box-Muller bound the generator states (the number of float results
 *   matching bit for bit is printed: all of them with glibc);
 *   a failing op must leave the generator untouched;
 * - two contexts do not disturb each other;
 * - nn.Linear / nn.Conv2d initialisation (ops/init.h) bit for bit.
 * Every test checks that no allocation is left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_util.h"
#include "op_cases.h"
#include "ops/init.h"
#include "tensor/random.h"
#include "tscript/tscript.h"

typedef struct RawCase {
    uint64_t seed;
    int n;
    const uint32_t *words;
} RawCase;

typedef struct RandSeq {
    const char *label;
    uint64_t seed;
    int nsteps;
    const OpCase *steps;
} RandSeq;

typedef struct InitCase {
    const char *label;
    uint64_t seed;
    TSpec weight, bias;
} InitCase;

typedef struct ViewCase {
    const char *label;
    uint64_t seed;
    char kind; /* u uniform_(-1, 1), n normal_(0, 1), b bernoulli_(0.5) */
    int64_t base_numel;
    int ndim;
    int64_t sizes[6], strides[6], offset;
    const double *want; /* the view's values, logical order */
} ViewCase;

#include "test_random_cases.inc"

static void test_raw_words(void **state) {
    (void)state;
    Generator g;
    for (size_t c = 0; c < TS_ARRAY_LEN(raw_cases); c++) {
        gen_seed(&g, raw_cases[c].seed);
        for (int k = 0; k < raw_cases[c].n; k++) {
            uint32_t w = gen_random(&g);
            if (w != raw_cases[c].words[k])
                fail_msg("seed %llu, word %d: 0x%08x, PyTorch 0x%08x", (unsigned long long)raw_cases[c].seed, k, w,
                         raw_cases[c].words[k]);
        }
    }
    print_message("%zu seeds x %d words: all equal\n", TS_ARRAY_LEN(raw_cases), raw_cases[0].n);
}

/* The same words through the op: random_(-2^63, None) on int64. */
static void test_raw_through_op(void **state) {
    (void)state;
    ops_init();
    const OpSchema *s = ops_lookup_overload("aten::random_", "from");
    assert_non_null(s);
    for (size_t c = 0; c < TS_ARRAY_LEN(raw_cases); c++) {
        Ctx *ctx = tu_ctx_new();
        assert_int_equal(ctx_manual_seed(ctx, raw_cases[c].seed), TS_OK);
        int64_t n = raw_cases[c].n / 2;
        Tensor *t = tensor_empty(ctx, DT_INT64, &n, 1);
        assert_non_null(t);
        IValue in[4] = {iv_tensor_steal(t), iv_int(INT64_MIN), iv_none(), iv_none()}, out[1];
        OpInfo info = {s, NULL, 0, NULL};
        assert_int_equal(s->fn(ctx, in, 4, out, &info), TS_OK);
        const int64_t *v = tensor_data(out[0].u.t);
        for (int64_t k = 0; k < n; k++) {
            uint64_t want = ((uint64_t)raw_cases[c].words[2 * k] << 32) | raw_cases[c].words[2 * k + 1];
            assert_true((uint64_t)v[k] == want);
        }
        iv_release(out[0]);
        iv_release(in[0]);
        tu_ctx_free(ctx);
    }
}

static void test_default_seed(void **state) {
    (void)state;
    ops_init();
    Ctx *ctx = tu_ctx_new();
    assert_null(ctx->gen); /* made on first use */
    const OpSchema *s = ops_lookup_overload("aten::rand", "");
    IValue size = iv_list_steal(list_new(ty_int(), 1));
    list_push_steal(size.u.l, iv_int((int64_t)TS_ARRAY_LEN(default_rand)));
    IValue in[5] = {size, iv_none(), iv_none(), iv_none(), iv_none()}, out[1];
    OpInfo info = {s, NULL, 0, NULL};
    assert_int_equal(s->fn(ctx, in, 5, out, &info), TS_OK);
    assert_int_equal(ctx->gen->seed, default_seed);
    assert_int_equal(TS_DEFAULT_SEED, default_seed);
    const float *v = tensor_data(out[0].u.t);
    for (size_t k = 0; k < TS_ARRAY_LEN(default_rand); k++) assert_true(v[k] == (float)default_rand[k]);
    iv_release(out[0]);
    iv_release(in[0]);
    tu_ctx_free(ctx);
}

/* One step of a sequence; counts the float results equal bit for bit. */
static bool run_step(Ctx *ctx, const RandSeq *q, int k, int *exact, int *floats) {
    const OpCase *c = &q->steps[k];
    const OpSchema *s = ops_lookup_overload(c->name, c->overload);
    if (!s) {
        print_error("%s, step %d: %s.%s is not registered\n", q->label, k, c->name, c->overload);
        return false;
    }
    if (c->expect != 't') {
        if (c->expect == 'e') return opc_run_case(ctx, (size_t)k, c, &(OpcOptions){0});
        IValue in[32];
        int nin = opc_make_args(ctx, s, c, in);
        OpInfo info = {s, NULL, 0, NULL};
        ts_status st = s->fn(ctx, in, nin, NULL, &info);
        for (int i = 0; i < nin; i++) iv_release(in[i]);
        return st == TS_OK;
    }
    IValue in[32], out[1];
    int nin = opc_make_args(ctx, s, c, in);
    OpInfo info = {s, NULL, 0, NULL};
    ts_clear_error(ctx);
    opc_current = c->name;
    char why[320] = "";
    bool ok = s->fn(ctx, in, nin, out, &info) == TS_OK;
    if (!ok) {
        snprintf(why, sizeof why, "failed: %s", sb_cstr(&ctx->msg));
    } else {
        ok = opc_same(out[0], &c->outs[0], c->tol, 0, why, sizeof why);
        if (ok && dtype_is_float(out[0].u.t->dtype)) {
            char unused[320];
            (*floats)++;
            bool same = opc_same(out[0], &c->outs[0], 0, 0, unused, sizeof unused);
            *exact += same;
            if (!same) print_message("  within tolerance, not bit for bit: %s, step %d (%s.%s, %s, %lld elements)\n", q->label, k,
                                     c->name, c->overload, dtype_name(out[0].u.t->dtype), (long long)tensor_numel(out[0].u.t));
        }
        iv_release(out[0]);
    }
    for (int i = 0; i < nin; i++) iv_release(in[i]);
    if (!ok) print_error("%s, step %d (%s.%s): %s\n", q->label, k, c->name, c->overload, why);
    return ok;
}

static void test_sequences(void **state) {
    (void)state;
    ops_init();
    int failures = 0, exact = 0, floats = 0, steps = 0;
    for (size_t i = 0; i < TS_ARRAY_LEN(rand_seqs); i++) {
        const RandSeq *q = &rand_seqs[i];
        long live = ts_alloc_live();
        Ctx *ctx = tu_ctx_new();
        assert_int_equal(ctx_manual_seed(ctx, q->seed), TS_OK);
        for (int k = 0; k < q->nsteps; k++, steps++)
            if (!run_step(ctx, q, k, &exact, &floats)) {
                failures++;
                break; /* the state is off from here on */
            }
        tu_ctx_free(ctx);
        assert_int_equal(ts_alloc_live(), live);
    }
    print_message("%d steps in %zu sequences; %d float results, %d equal bit for bit\n", steps, TS_ARRAY_LEN(rand_seqs),
                  floats, exact);
    assert_int_equal(failures, 0);
}

/* Strided views are filled in TensorIterator's order (memory order),
 * whatever the permutation, steps and size-1 dims. normal_ on them is the
 * scalar path (not contiguous): the C library's log/sin/cos, within the
 * Box-Muller bound of the generator script. */
static void test_views(void **state) {
    (void)state;
    for (size_t c = 0; c < TS_ARRAY_LEN(view_cases); c++) {
        const ViewCase *vc = &view_cases[c];
        Ctx *ctx = tu_ctx_new();
        assert_int_equal(ctx_manual_seed(ctx, vc->seed), TS_OK);
        Tensor *base = tensor_empty(ctx, DT_FLOAT32, &vc->base_numel, 1);
        assert_non_null(base);
        Tensor *v = tensor_view(ctx, base->storage, DT_FLOAT32, vc->offset, vc->sizes, vc->strides, vc->ndim);
        assert_non_null(v);
        Generator *g = ctx_generator(ctx);
        if (vc->kind == 'u') random_uniform_(g, v, -1.0, 1.0);
        else if (vc->kind == 'n') random_normal_(g, v, 0.0, 1.0);
        else random_bernoulli_scalar_(g, v, 0.5);
        double tol = vc->kind == 'n' ? 4 * 0x1p-23 * 8.57 : 0;
        for (int64_t k = 0, n = tensor_numel(v); k < n; k++)
            if (!(fabs(tensor_get_f64(v, k) - vc->want[k]) <= tol))
                fail_msg("%s, element %lld: %.9g, PyTorch %.9g", vc->label, (long long)k, tensor_get_f64(v, k),
                         vc->want[k]);
        tensor_release(v);
        tensor_release(base);
        tu_ctx_free(ctx);
    }
    print_message("%zu views filled in PyTorch's order\n", TS_ARRAY_LEN(view_cases));
}

/* Interleaving two contexts gives each the sequence it has alone. */
static void test_contexts_independent(void **state) {
    (void)state;
    Ctx *a = tu_ctx_new(), *b = tu_ctx_new();
    Generator alone;
    gen_seed(&alone, 5);
    assert_int_equal(ctx_manual_seed(a, 5), TS_OK);
    assert_int_equal(ctx_manual_seed(b, 6), TS_OK);
    for (int k = 0; k < 2000; k++) {
        (void)gen_random(ctx_generator(b));
        assert_true(gen_normal_f64(ctx_generator(a), 0, 1) == gen_normal_f64(&alone, 0, 1));
    }
    tu_ctx_free(a);
    tu_ctx_free(b);
}

/* manual_seed drops the cached normal sample, as PyTorch's set_current_seed. */
static void test_seed_clears_cache(void **state) {
    (void)state;
    Generator g, h;
    gen_seed(&g, 9);
    (void)gen_normal_f64(&g, 0, 1); /* leaves a cached sample */
    assert_true(g.has_next_normal);
    gen_seed(&g, 9);
    gen_seed(&h, 9);
    assert_false(g.has_next_normal);
    assert_true(gen_normal_f64(&g, 0, 1) == gen_normal_f64(&h, 0, 1));
}

static Tensor *spec_empty(Ctx *ctx, const TSpec *s) {
    Tensor *t = tensor_empty(ctx, (DType)s->dtype, s->sizes, s->ndim);
    assert_non_null(t);
    return t;
}

static void expect_equal(const char *what, const Tensor *t, const TSpec *s) {
    for (int64_t k = 0, n = tensor_numel(t); k < n; k++)
        if (tensor_get_f64(t, k) != s->f[k])
            fail_msg("%s, element %lld: %.9g, PyTorch %.9g", what, (long long)k, tensor_get_f64(t, k), s->f[k]);
}

static void test_linear_init(void **state) {
    (void)state;
    for (size_t c = 0; c < TS_ARRAY_LEN(init_cases); c++) {
        const InitCase *ic = &init_cases[c];
        Ctx *ctx = tu_ctx_new();
        assert_int_equal(ctx_manual_seed(ctx, ic->seed), TS_OK);
        Tensor *w = spec_empty(ctx, &ic->weight), *b = spec_empty(ctx, &ic->bias);
        assert_int_equal(init_linear_reset(ctx, w, b), TS_OK);
        expect_equal(ic->label, w, &ic->weight);
        expect_equal(ic->label, b, &ic->bias);
        tensor_release(w);
        tensor_release(b);
        tu_ctx_free(ctx);
    }
    print_message("%zu modules initialised as PyTorch does, bit for bit\n", TS_ARRAY_LEN(init_cases));
}

static void test_init_errors(void **state) {
    (void)state;
    Ctx *ctx = tu_ctx_new();
    int64_t n = 4;
    Tensor *v = tensor_empty(ctx, DT_FLOAT32, &n, 1);
    assert_int_equal(init_kaiming_uniform_(ctx, v, 0), TS_ERR_VALUE);
    assert_non_null(strstr(sb_cstr(&ctx->msg), "fewer than 2 dimensions"));
    tensor_release(v);
    int64_t sz[2] = {2, 2};
    Tensor *i = tensor_empty(ctx, DT_INT64, sz, 2);
    assert_int_equal(init_uniform_(ctx, i, 0, 1), TS_ERR_TYPE);
    tensor_release(i);
    tu_ctx_free(ctx);
}

/* An allocation failure while the generator is made is an error, not a crash. */
static void test_generator_oom(void **state) {
    (void)state;
    Ctx *ctx = tu_ctx_new();
    ts_alloc_fail_at(1);
    Generator *g = ctx_generator(ctx);
    ts_alloc_fail_at(0);
    assert_null(g);
    assert_int_equal(ctx->status, TS_ERR_NOMEM);
    assert_non_null(ctx_generator(ctx));
    tu_ctx_free(ctx);
}

/* The public API: ts_ctx_manual_seed + ts_value_randn give torch.randn's
 * values (the first step of the "randn seed 0" sequence), per context. */
static void test_public_api(void **state) {
    (void)state;
    const RandSeq *q = NULL;
    for (size_t i = 0; i < TS_ARRAY_LEN(rand_seqs); i++)
        if (!strcmp(rand_seqs[i].label, "randn seed 0")) q = &rand_seqs[i];
    assert_non_null(q);
    const TSpec *want = &q->steps[0].outs[0]; /* randn(2, 3) after manual_seed(0) */
    ts_ctx *a, *b;
    assert_int_equal(ts_ctx_new(NULL, &a), TS_OK);
    assert_int_equal(ts_ctx_new(NULL, &b), TS_OK);
    assert_true(ts_ctx_initial_seed(a) == TS_DEFAULT_SEED);
    assert_int_equal(ts_ctx_manual_seed(a, 0), TS_OK);
    assert_int_equal(ts_ctx_manual_seed(b, 1), TS_OK);
    assert_true(ts_ctx_initial_seed(a) == 0 && ts_ctx_initial_seed(b) == 1);
    ts_value *vb, *va;
    assert_int_equal(ts_value_randn(b, TS_FLOAT32, want->sizes, want->ndim, &vb), TS_OK); /* b draws: a must not move */
    assert_int_equal(ts_value_randn(a, TS_FLOAT32, want->sizes, want->ndim, &va), TS_OK);
    float got[6];
    assert_int_equal(ts_value_to_buffer(a, va, TS_FLOAT32, got, sizeof got), TS_OK);
    for (int k = 0; k < 6; k++) assert_true(got[k] == (float)want->f[k]);
    ts_value *bad = NULL;
    assert_int_equal(ts_value_randn(a, TS_INT64, want->sizes, 2, &bad), TS_ERR_ARG);
    assert_non_null(strstr(ts_ctx_error(a), "not a floating point dtype"));
    int64_t neg[1] = {-2};
    assert_int_equal(ts_value_randn(a, TS_FLOAT32, neg, 1, &bad), TS_ERR_ARG);
    assert_null(bad);
    assert_int_equal(ts_ctx_manual_seed(NULL, 0), TS_ERR_ARG);
    ts_value_release(va);
    ts_value_release(vb);
    ts_ctx_free(a);
    ts_ctx_free(b);
}

/* Each random op with its allocations failing one by one cleans up. */
static void test_oom_cleanup(void **state) {
    (void)state;
    ops_init();
    Ctx *ctx = tu_ctx_new();
    for (size_t i = 0; i < TS_ARRAY_LEN(rand_seqs); i++)
        for (int k = 0; k < rand_seqs[i].nsteps; k++)
            if (rand_seqs[i].steps[k].expect == 't') opc_oom_case(ctx, &rand_seqs[i].steps[k], 12);
    tu_ctx_free(ctx);
}

int main(void) {
    (void)opc_run_all; /* op_cases.h's whole-table runner: these cases run in sequences instead */
    ops_init();         /* the registry and the interned types live for the process */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_oom_cleanup, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_raw_words, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_raw_through_op, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_default_seed, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_sequences, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_views, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_contexts_independent, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_seed_clears_cache, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_linear_init, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_init_errors, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_generator_oom, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_public_api, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
