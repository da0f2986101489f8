/*
 * test_prim_ops.c - the TorchScript language ops of prim.def, called through
 * the registry as the interpreter calls them. Expected values are what
 * PyTorch 1.13's interpreter returns for the same TorchScript (checked with
 * torch.jit.script), including its error messages; where PyTorch crashes
 * (x % 0, INT64_MIN // -1) the result is the defined one documented in prim_num.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "ops/op.h"

static Ctx g_ctx;
static long g_live;

static int group_setup(void **state) {
    (void)state;
    ops_init();
    return 0;
}

static int setup(void **state) {
    (void)state;
    memset(&g_ctx, 0, sizeof g_ctx);
    g_live = ts_alloc_live();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ctx_dispose(&g_ctx);
    assert_int_equal(ts_alloc_live(), g_live);
    return 0;
}

/* ---- calling ops ---- */

static const OpSchema *op(const char *name, const char *overload) {
    const OpSchema *s = ops_lookup_overload(name, overload);
    if (!s) fail_msg("no op %s.%s", name, overload);
    return s;
}

static ts_status run(const char *name, const char *overload, IValue *in, int nin, IValue *out) {
    const OpSchema *s = op(name, overload);
    OpInfo info = {s, NULL, 0, NULL};
    out[0] = iv_uninit();
    ts_clear_error(&g_ctx);
    return s->fn(&g_ctx, in, nin, out, &info);
}

/* Call an op that must succeed with one result (owned by the caller). */
static IValue call(const char *name, const char *overload, int nin, ...) {
    IValue in[8];
    va_list ap;
    va_start(ap, nin);
    for (int i = 0; i < nin; i++) in[i] = va_arg(ap, IValue);
    va_end(ap);
    IValue out[2];
    ts_status st = run(name, overload, in, nin, out);
    if (st != TS_OK) fail_msg("%s.%s failed: %s", name, overload, sb_cstr(&g_ctx.msg));
    return out[0];
}

/* Call an op that must fail with status and exactly msg. */
static void call_fails(ts_status status, const char *msg, const char *name, const char *overload, int nin,
                       ...) {
    IValue in[8];
    va_list ap;
    va_start(ap, nin);
    for (int i = 0; i < nin; i++) in[i] = va_arg(ap, IValue);
    va_end(ap);
    IValue out[2];
    ts_status st = run(name, overload, in, nin, out);
    if (st == TS_OK) fail_msg("%s.%s succeeded", name, overload);
    assert_int_equal(st, status);
    char expect[512];
    snprintf(expect, sizeof expect, "%s\n", msg);
    assert_string_equal(sb_cstr(&g_ctx.msg), expect);
    assert_int_equal(out[0].kind, IV_UNINIT);
}

static int64_t call_i(const char *name, const char *ov, IValue a, IValue b) {
    IValue r = call(name, ov, 2, a, b);
    assert_int_equal(r.kind, IV_INT);
    return r.u.i;
}

static double call_f(const char *name, const char *ov, IValue a, IValue b) {
    IValue r = call(name, ov, 2, a, b);
    assert_int_equal(r.kind, IV_DOUBLE);
    return r.u.d;
}

static bool call_b(const char *name, const char *ov, IValue a, IValue b) {
    IValue r = call(name, ov, 2, a, b);
    assert_int_equal(r.kind, IV_BOOL);
    return r.u.b;
}

static char g_buf[512];
static const char *repr(IValue v) {
    StrBuf sb;
    sb_init(&sb);
    iv_repr(&sb, v);
    snprintf(g_buf, sizeof g_buf, "%s", sb_cstr(&sb));
    sb_free(&sb);
    return g_buf;
}
/* Check the repr of an owned result and release it. */
#define assert_result(v, s)                  \
    do {                                     \
        IValue v_ = (v);                     \
        assert_string_equal(repr(v_), (s));  \
        iv_release(v_);                      \
    } while (0)

static IValue I(int64_t i) { return iv_int(i); }
static IValue F(double d) { return iv_double(d); }
static IValue B(bool b) { return iv_bool(b); }

static IValue ilist(int n, ...) {
    ListObj *l = list_new(ty_int(), n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) list_push_steal(l, iv_int(va_arg(ap, int64_t)));
    va_end(ap);
    return iv_list_steal(l);
}

static IValue flist(int n, ...) {
    ListObj *l = list_new(ty_float(), n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) list_push_steal(l, iv_double(va_arg(ap, double)));
    va_end(ap);
    return iv_list_steal(l);
}

static IValue slist(int n, ...) {
    ListObj *l = list_new(ty_str(), n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) list_push_steal(l, iv_cstr(va_arg(ap, const char *)));
    va_end(ap);
    return iv_list_steal(l);
}

#define I64_MIN (-9223372036854775807LL - 1)
#define I64_MAX 9223372036854775807LL

/* ---- ints ---- */

static void test_int_arith(void **state) {
    (void)state;
    assert_int_equal(call_i("aten::add", "int", I(2), I(3)), 5);
    assert_int_equal(call_i("aten::add", "int", I(I64_MAX), I(1)), I64_MIN);
    assert_int_equal(call_i("aten::sub", "int", I(I64_MIN), I(1)), I64_MAX);
    assert_int_equal(call_i("aten::mul", "int", I(I64_MAX), I(2)), -2);
    assert_int_equal(call_i("aten::mul", "int", I(-6), I(7)), -42);

    static const struct { int64_t a, b, q, r; } divs[] = {
        {7, 2, 3, 1}, {-7, 2, -4, 1}, {7, -2, -4, -1}, {-7, -2, 3, -1},
        {6, 3, 2, 0}, {-6, 3, -2, 0}, {0, 5, 0, 0}, {I64_MIN, 1, I64_MIN, 0},
        {I64_MIN, -1, I64_MIN, 0}, {I64_MAX, I64_MIN, -1, -1},
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(divs); i++) {
        assert_int_equal(call_i("aten::floordiv", "int", I(divs[i].a), I(divs[i].b)), divs[i].q);
        assert_int_equal(call_i("aten::remainder", "int", I(divs[i].a), I(divs[i].b)), divs[i].r);
    }
    const char *zd = "ZeroDivisionError: integer division or modulo by zero";
    call_fails(TS_ERR_VALUE, zd, "aten::floordiv", "int", 2, I(1), I(0));
    call_fails(TS_ERR_VALUE, zd, "aten::remainder", "int", 2, I(0), I(0));
    call_fails(TS_ERR_VALUE, zd, "aten::floordiv", "", 2, I(1), I(0));
    call_fails(TS_ERR_VALUE, zd, "aten::remainder", "", 2, I(5), I(0));

    /* true division is a float; 1 / 0 is inf as in PyTorch */
    assert_true(call_f("aten::div", "int", I(7), I(2)) == 3.5);
    assert_true(call_f("aten::div", "int", I(-7), I(2)) == -3.5);
    assert_true(isinf(call_f("aten::div", "int", I(1), I(0))));
    assert_true(isnan(call_f("aten::div", "int", I(0), I(0))));

    /* int ** int is a float */
    assert_true(call_f("aten::pow", "int", I(2), I(3)) == 8.0);
    assert_true(call_f("aten::pow", "int", I(2), I(-1)) == 0.5);
    assert_true(call_f("aten::pow", "int", I(2), I(64)) == 18446744073709551616.0);
    call_fails(TS_ERR_VALUE, "0.0 cannot be raised to a negative power", "aten::pow", "int", 2, I(0), I(-1));
    assert_int_equal(call_i("aten::pow", "int_to_int", I(3), I(4)), 81);
    assert_int_equal(call_i("aten::pow", "int_to_int", I(2), I(64)), 0);
    assert_int_equal(call_i("aten::pow", "int_to_int", I(-2), I(63)), I64_MIN);
    assert_int_equal(call_i("aten::pow", "int_to_int", I(2), I(-1)), 0);
    assert_int_equal(call_i("aten::pow", "int_to_int", I(-1), I(-3)), -1);
    assert_int_equal(call_i("aten::pow", "int_to_int", I(7), I(0)), 1);

    IValue r = call("aten::neg", "int", 1, I(I64_MIN));
    assert_int_equal(r.u.i, I64_MIN);
    assert_int_equal(call("aten::neg", "int", 1, I(5)).u.i, -5);
    assert_int_equal(call("prim::abs", "int", 1, I(-5)).u.i, 5);
    assert_int_equal(call("prim::abs", "int", 1, I(I64_MIN)).u.i, I64_MIN);

    assert_int_equal(call_i("prim::min", "int", I(3), I(-2)), -2);
    assert_int_equal(call_i("prim::max", "int", I(3), I(-2)), 3);

    assert_int_equal(call_i("aten::__and__", "int", I(12), I(10)), 8);
    assert_int_equal(call_i("aten::__or__", "int", I(12), I(10)), 14);
    assert_int_equal(call_i("aten::__xor__", "int", I(12), I(10)), 6);
    assert_int_equal(call_i("aten::__lshift__", "int", I(1), I(3)), 8);
    assert_int_equal(call_i("aten::__lshift__", "int", I(1), I(63)), I64_MIN);
    assert_int_equal(call_i("aten::__lshift__", "int", I(1), I(64)), 0);
    assert_int_equal(call_i("aten::__lshift__", "int", I(-8), I(1)), -16);
    assert_int_equal(call_i("aten::__rshift__", "int", I(-8), I(1)), -4);
    assert_int_equal(call_i("aten::__rshift__", "int", I(-8), I(70)), -1);
    assert_int_equal(call_i("aten::__rshift__", "int", I(8), I(70)), 0);
    assert_int_equal(call_i("aten::__rshift__", "int", I(-7), I(1)), -4);
    call_fails(TS_ERR_VALUE, "ValueError: negative shift count", "aten::__lshift__", "int", 2, I(1), I(-1));
    call_fails(TS_ERR_VALUE, "ValueError: negative shift count", "aten::__rshift__", "int", 2, I(1), I(-1));
}

static void test_range_helpers(void **state) {
    (void)state;
    IValue r = call("aten::__range_length", "", 3, I(0), I(10), I(3));
    assert_int_equal(r.u.i, 4);
    assert_int_equal(call("aten::__range_length", "", 3, I(10), I(0), I(-3)).u.i, 4);
    assert_int_equal(call("aten::__range_length", "", 3, I(0), I(0), I(1)).u.i, 0);
    assert_int_equal(call("aten::__range_length", "", 3, I(5), I(0), I(1)).u.i, 0);
    assert_int_equal(call("aten::__range_length", "", 3, I(I64_MIN), I(I64_MAX), I(1)).u.i, I64_MAX);
    assert_int_equal(call("aten::__range_length", "", 3, I(I64_MAX), I(I64_MIN), I(I64_MIN)).u.i, 2);
    call_fails(TS_ERR_VALUE, "range() arg 3 must not be zero", "aten::__range_length", "", 3, I(0), I(10), I(0));
    assert_int_equal(call("aten::__derive_index", "", 3, I(2), I(10), I(-3)).u.i, 4);
}

/* ---- floats and Scalars ---- */

static void test_float_arith(void **state) {
    (void)state;
    assert_true(call_f("aten::add", "float", F(0.5), F(0.25)) == 0.75);
    assert_true(call_f("aten::add", "int_float", I(3), F(0.5)) == 3.5);
    assert_true(call_f("aten::sub", "float_int", F(0.5), I(3)) == -2.5);
    assert_true(call_f("aten::mul", "int_float", I(3), F(0.5)) == 1.5);
    assert_true(call_f("aten::div", "float", F(7.5), F(2.0)) == 3.75);
    assert_true(isinf(call_f("aten::div", "float", F(1.0), F(0.0))));

    static const struct { double a, b, q, r; } divs[] = {
        {7.5, 2.0, 3.0, 1.5}, {-7.5, 2.0, -4.0, 0.5}, {7.5, -2.0, -4.0, -0.5},
        {0.1, 0.01, 10.0, 3.469446951953614e-18},
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(divs); i++) {
        assert_true(call_f("aten::floordiv", "float", F(divs[i].a), F(divs[i].b)) == divs[i].q);
        assert_true(call_f("aten::remainder", "float", F(divs[i].a), F(divs[i].b)) == divs[i].r);
    }
    /* IEEE results where Python would raise, as PyTorch computes them */
    assert_true(isinf(call_f("aten::floordiv", "float", F(1.0), F(0.0))));
    assert_true(isnan(call_f("aten::remainder", "float", F(1.0), F(0.0))));
    assert_true(isnan(call_f("aten::remainder", "float", F(5.0), F(INFINITY))));
    double z = call_f("aten::floordiv", "float", F(-0.0), F(1.0));
    assert_true(z == 0.0 && signbit(z));
    assert_true(call_f("aten::remainder", "int_float", I(-5), F(3.0)) == 1.0);
    assert_true(call_f("aten::floordiv", "float_int", F(7.5), I(2)) == 3.0);

    assert_true(call_f("aten::pow", "float", F(2.0), F(0.5)) == sqrt(2.0));
    assert_true(isnan(call_f("aten::pow", "float", F(-8.0), F(1.0 / 3.0))));
    call_fails(TS_ERR_VALUE, "0.0 cannot be raised to a negative power", "aten::pow", "float_int", 2, F(0.0), I(-2));
    assert_true(isinf(call_f("aten::pow", "Scalar_Scalar", F(0.0), I(-1))));

    assert_true(call("aten::neg", "float", 1, F(1.5)).u.d == -1.5);
    assert_true(call("prim::abs", "float", 1, F(-1.5)).u.d == 1.5);

    /* min/max follow `a < b ? a : b`, so a NaN first argument loses */
    assert_true(call_f("prim::min", "float", F(NAN), F(1.0)) == 1.0);
    assert_true(isnan(call_f("prim::min", "float", F(1.0), F(NAN))));
    assert_true(call_f("prim::max", "float", F(NAN), F(1.0)) == 1.0);
    assert_true(call_f("prim::min", "int_float", I(1), F(0.5)) == 0.5);
    assert_true(call_f("prim::max", "float_int", F(0.5), I(1)) == 1.0);

    /* the Scalar overloads: int op int stays int, anything else is a float */
    IValue r = call("aten::add", "", 2, I(2), I(3));
    assert_int_equal(r.kind, IV_INT);
    assert_int_equal(r.u.i, 5);
    r = call("aten::add", "", 2, I(2), F(0.5));
    assert_int_equal(r.kind, IV_DOUBLE);
    assert_true(r.u.d == 2.5);
    r = call("aten::mul", "", 2, F(1.5), I(2));
    assert_true(r.kind == IV_DOUBLE && r.u.d == 3.0);
    r = call("aten::div", "", 2, I(1), I(2));
    assert_true(r.kind == IV_DOUBLE && r.u.d == 0.5);
    r = call("aten::floordiv", "", 2, I(-7), I(2));
    assert_true(r.kind == IV_INT && r.u.i == -4);
    r = call("aten::remainder", "", 2, F(-7.5), I(2));
    assert_true(r.kind == IV_DOUBLE && r.u.d == 0.5);
    r = call("prim::min", "", 2, I(3), F(2.5));
    assert_true(r.kind == IV_DOUBLE && r.u.d == 2.5);
    r = call("prim::max", "", 2, I(3), I(4));
    assert_true(r.kind == IV_INT && r.u.i == 4);
    r = call("aten::neg", "Scalar", 1, F(2.5));
    assert_true(r.kind == IV_DOUBLE && r.u.d == -2.5);
    r = call("aten::neg", "Scalar", 1, I(2));
    assert_true(r.kind == IV_INT && r.u.i == -2);
    r = call("prim::abs", "Scalar", 1, I(-2));
    assert_true(r.kind == IV_INT && r.u.i == 2);
}

static void test_rounding(void **state) {
    (void)state;
    assert_int_equal(call("aten::floor", "float", 1, F(-1.5)).u.i, -2);
    assert_int_equal(call("aten::ceil", "float", 1, F(-1.5)).u.i, -1);
    assert_int_equal(call("aten::floor", "int", 1, I(7)).u.i, 7);
    IValue r = call("aten::floor", "Scalar", 1, F(2.5));
    assert_true(r.kind == IV_INT && r.u.i == 2);
    r = call("aten::ceil", "Scalar", 1, I(3));
    assert_true(r.kind == IV_INT && r.u.i == 3);
    call_fails(TS_ERR_VALUE, "ValueError: cannot convert float NaN to integer", "aten::floor", "float", 1, F(NAN));
    call_fails(TS_ERR_VALUE, "OverflowError: cannot convert float infinity to integer", "aten::ceil", "float", 1,
               F(INFINITY));
    assert_true(call("aten::sqrt", "int", 1, I(16)).u.d == 4.0);
    assert_true(call("aten::sqrt", "float", 1, F(2.25)).u.d == 1.5);
    r = call("aten::sqrt", "Scalar", 1, I(4));
    assert_true(r.kind == IV_DOUBLE && r.u.d == 2.0);
    assert_true(isnan(call("aten::sqrt", "float", 1, F(-1.0)).u.d));
}

static void test_compare(void **state) {
    (void)state;
    static const char *const ops[] = {"aten::eq", "aten::ne", "aten::lt", "aten::le", "aten::gt", "aten::ge"};
    /* 1 vs 2, 2 vs 2, 3 vs 2 */
    static const bool expect[6][3] = {
        {false, true, false}, {true, false, true}, {true, false, false},
        {true, true, false}, {false, false, true}, {false, true, true},
    };
    for (int o = 0; o < 6; o++) {
        for (int k = 0; k < 3; k++) {
            int64_t a = k + 1;
            assert_int_equal(call_b(ops[o], "int", I(a), I(2)), expect[o][k]);
            assert_int_equal(call_b(ops[o], "float", F((double)a), F(2.0)), expect[o][k]);
            assert_int_equal(call_b(ops[o], "int_float", I(a), F(2.0)), expect[o][k]);
            assert_int_equal(call_b(ops[o], "float_int", F((double)a), I(2)), expect[o][k]);
            assert_int_equal(call_b(ops[o], "", I(a), F(2.0)), expect[o][k]);
            assert_int_equal(call_b(ops[o], "", I(a), I(2)), expect[o][k]);
        }
        /* every ordered comparison with NaN is false; != is true */
        assert_int_equal(call_b(ops[o], "float", F(NAN), F(NAN)), o == 1);
    }
    /* int_float compares in double, as PyTorch does */
    assert_true(call_b("aten::eq", "int_float", I(9007199254740993LL), F(9007199254740992.0)));
    assert_true(call_b("aten::eq", "", I(I64_MAX), I(I64_MAX)));
    assert_false(call_b("aten::eq", "", I(I64_MAX), I(I64_MAX - 1)));

    Device cpu = {DEVICE_CPU, -1}, cuda0 = {DEVICE_CUDA, 0};
    assert_true(call_b("aten::eq", "device", iv_device(cpu), iv_device(cpu)));
    assert_true(call_b("aten::ne", "device", iv_device(cpu), iv_device(cuda0)));
    assert_true(call_b("aten::eq", "bool", B(true), B(true)));
    assert_true(call_b("aten::ne", "bool", B(true), B(false)));

    assert_false(call_b("aten::__and__", "bool", B(true), B(false)));
    assert_true(call_b("aten::__or__", "bool", B(true), B(false)));
    assert_true(call_b("aten::__xor__", "bool", B(true), B(false)));
    assert_false(call_b("aten::__xor__", "bool", B(true), B(true)));
    assert_false(call("aten::__not__", "", 1, B(true)).u.b);
    assert_true(call("aten::__not__", "", 1, B(false)).u.b);

    /* `is`: None is None; heap values by identity */
    assert_true(call_b("aten::__is__", "", iv_none(), iv_none()));
    assert_false(call_b("aten::__is__", "", I(0), iv_none()));
    assert_true(call_b("aten::__isnot__", "", I(0), iv_none()));
    IValue a = ilist(1, (int64_t)1), b = ilist(1, (int64_t)1);
    assert_true(call_b("aten::__is__", "", a, a));
    assert_false(call_b("aten::__is__", "", a, b));
    assert_true(call_b("aten::__isnot__", "", a, b));
    iv_release(a);
    iv_release(b);
}

static void test_conversions(void **state) {
    (void)state;
    assert_int_equal(call("aten::Int", "float", 1, F(1.7)).u.i, 1);
    assert_int_equal(call("aten::Int", "float", 1, F(-1.7)).u.i, -1);
    assert_int_equal(call("aten::Int", "bool", 1, B(true)).u.i, 1);
    assert_int_equal(call("aten::Int", "Scalar", 1, F(-2.9)).u.i, -2);
    assert_int_equal(call("aten::Int", "Scalar", 1, I(7)).u.i, 7);
    call_fails(TS_ERR_VALUE, "ValueError: cannot convert float NaN to integer", "aten::Int", "float", 1, F(NAN));
    call_fails(TS_ERR_VALUE, "OverflowError: cannot convert float infinity to integer", "aten::Int", "float", 1,
               F(-INFINITY));
    call_fails(TS_ERR_VALUE, "OverflowError: float 1e+19 does not fit in a 64-bit int", "aten::Int", "float", 1,
               F(1e19));

    static const struct { const char *s; int64_t v; } ints[] = {
        {"12", 12}, {"-3", -3}, {"+4", 4}, {" 12", 12}, {"9223372036854775807", I64_MAX},
        {"-9223372036854775808", I64_MIN},
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(ints); i++) {
        IValue s = iv_cstr(ints[i].s);
        assert_int_equal(call("aten::Int", "str", 1, s).u.i, ints[i].v);
        iv_release(s);
    }
    static const char *const bad_ints[] = {" 12 ", "0x10", "abc", "1_000", "12.5", "", "-"};
    for (size_t i = 0; i < TS_ARRAY_LEN(bad_ints); i++) {
        IValue s = iv_cstr(bad_ints[i]);
        char msg[128];
        snprintf(msg, sizeof msg, "invalid literal for int() with base 10: '%s'", bad_ints[i]);
        call_fails(TS_ERR_VALUE, msg, "aten::Int", "str", 1, s);
        iv_release(s);
    }
    IValue big = iv_cstr("9223372036854775808");
    call_fails(TS_ERR_VALUE, "int() literal out of the int64 range: '9223372036854775808'", "aten::Int", "str", 1,
               big);
    iv_release(big);

    static const struct { const char *s; double v; } floats[] = {
        {"1.5", 1.5}, {"-1e3", -1000.0}, {"inf", INFINITY}, {" 2", 2.0},
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(floats); i++) {
        IValue s = iv_cstr(floats[i].s);
        assert_true(call("aten::Float", "str", 1, s).u.d == floats[i].v);
        iv_release(s);
    }
    IValue nan_s = iv_cstr("nan");
    assert_true(isnan(call("aten::Float", "str", 1, nan_s).u.d));
    iv_release(nan_s);
    static const char *const bad_floats[] = {" 2 ", "abc", "1_0", "", "1e999"};
    for (size_t i = 0; i < TS_ARRAY_LEN(bad_floats); i++) {
        IValue s = iv_cstr(bad_floats[i]);
        char msg[128];
        snprintf(msg, sizeof msg, "could not convert string to float: '%s'", bad_floats[i]);
        call_fails(TS_ERR_VALUE, msg, "aten::Float", "str", 1, s);
        iv_release(s);
    }

    assert_true(call("aten::Float", "int", 1, I(16777217)).u.d == 16777217.0);
    assert_true(call("aten::Float", "bool", 1, B(true)).u.d == 1.0);
    assert_true(call("aten::Float", "Scalar", 1, I(3)).u.d == 3.0);
    assert_true(call("aten::Float", "Scalar", 1, F(0.5)).u.d == 0.5);
    assert_true(call("aten::Bool", "int", 1, I(-2)).u.b);
    assert_false(call("aten::Bool", "int", 1, I(0)).u.b);
    assert_true(call("aten::Bool", "float", 1, F(0.1)).u.b);
    assert_false(call("aten::Bool", "float", 1, F(-0.0)).u.b);
}

/* ---- tensors ---- */

static IValue tensor_2x3(DType dt) {
    int64_t sizes[2] = {2, 3};
    Tensor *t = tensor_empty(&g_ctx, dt, sizes, 2);
    assert_non_null(t);
    return iv_tensor_steal(t);
}

static IValue scalar_tensor_f(DType dt, double v) {
    Tensor *t = tensor_scalar_f64(&g_ctx, dt, v);
    assert_non_null(t);
    return iv_tensor_steal(t);
}

static void test_tensor_meta(void **state) {
    (void)state;
    IValue t = tensor_2x3(DT_FLOAT32);
    assert_int_equal(call("aten::dim", "", 1, t).u.i, 2);
    assert_int_equal(call("aten::numel", "", 1, t).u.i, 6);
    assert_result(call("aten::size", "", 1, t), "[2, 3]");
    IValue sz = call("aten::size", "", 1, t);
    assert_ptr_equal(sz.u.l->elem, ty_int());
    iv_release(sz);
    assert_int_equal(call("aten::size", "int", 2, t, I(1)).u.i, 3);
    assert_int_equal(call("aten::size", "int", 2, t, I(-2)).u.i, 2);
    call_fails(TS_ERR_VALUE, "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
               "aten::size", "int", 2, t, I(2));
    call_fails(TS_ERR_VALUE, "Dimension out of range (expected to be in range of [-2, 1], but got -3)",
               "aten::size", "int", 2, t, I(-3));
    assert_int_equal(call("aten::len", "Tensor", 1, t).u.i, 2);
    assert_int_equal(call("prim::dtype", "", 1, t).u.i, 6);
    assert_result(call("prim::device", "", 1, t), "device(type='cpu')");
    assert_int_equal(call("prim::layout", "", 1, t).u.i, 0);
    assert_false(call("prim::requires_grad", "", 1, t).u.b);
    assert_false(call("prim::is_cuda", "", 1, t).u.b);
    assert_false(call("prim::is_nested", "", 1, t).u.b);
    call_fails(TS_ERR_VALUE, "a Tensor with 6 elements cannot be converted to Scalar", "aten::Int", "Tensor", 1, t);
    call_fails(TS_ERR_VALUE, "Boolean value of Tensor with more than one value is ambiguous", "aten::Bool", "Tensor",
               1, t);
    call_fails(TS_ERR_VALUE, "Cannot input a tensor of dimension other than 0 as a scalar argument",
               "aten::ScalarImplicit", "", 1, t);
    iv_release(t);

    IValue s = scalar_tensor_f(DT_FLOAT32, 1.75);
    assert_int_equal(call("aten::dim", "", 1, s).u.i, 0);
    assert_result(call("aten::size", "", 1, s), "[]");
    call_fails(TS_ERR_VALUE, "Dimension specified as 0 but tensor has no dimensions", "aten::size", "int", 2, s, I(0));
    call_fails(TS_ERR_VALUE, "len() of a 0-d tensor", "aten::len", "Tensor", 1, s);
    assert_int_equal(call("aten::Int", "Tensor", 1, s).u.i, 1);
    assert_true(call("aten::Float", "Tensor", 1, s).u.d == 1.75);
    assert_true(call("aten::Bool", "Tensor", 1, s).u.b);
    IValue r = call("aten::ScalarImplicit", "", 1, s);
    assert_true(r.kind == IV_DOUBLE && r.u.d == 1.75);
    assert_true(call("aten::FloatImplicit", "", 1, s).u.d == 1.75);
    call_fails(TS_ERR_TYPE, "Cannot input a tensor of type Float as an integral argument", "aten::IntImplicit", "", 1,
               s);
    s.u.t->requires_grad = true;
    assert_true(call("prim::requires_grad", "", 1, s).u.b);
    call_fails(TS_ERR_VALUE, "Cannot input a tensor that requires grad as a scalar argument", "aten::FloatImplicit",
               "", 1, s);
    iv_release(s);

    IValue n = scalar_tensor_f(DT_FLOAT64, NAN);
    call_fails(TS_ERR_VALUE, "value cannot be converted to type int64_t without overflow", "aten::Int", "Tensor", 1, n);
    iv_release(n);

    IValue li = iv_tensor_steal(tensor_scalar_i64(&g_ctx, DT_INT64, -7));
    r = call("aten::ScalarImplicit", "", 1, li);
    assert_true(r.kind == IV_INT && r.u.i == -7);
    assert_int_equal(call("aten::IntImplicit", "", 1, li).u.i, -7);
    iv_release(li);
    IValue bt = iv_tensor_steal(tensor_scalar_i64(&g_ctx, DT_BOOL, 1));
    r = call("aten::ScalarImplicit", "", 1, bt);
    assert_true(r.kind == IV_BOOL && r.u.b);
    iv_release(bt);

    int64_t zero = 0;
    IValue e = iv_tensor_steal(tensor_empty(&g_ctx, DT_FLOAT32, &zero, 1));
    call_fails(TS_ERR_VALUE, "Boolean value of Tensor with no values is ambiguous", "aten::Bool", "Tensor", 1, e);
    assert_int_equal(call("aten::len", "Tensor", 1, e).u.i, 0);
    iv_release(e);

    assert_result(call("prim::NumToTensor", "Scalar", 1, I(3)), "tensor(3)");
    assert_result(call("prim::NumToTensor", "Scalar", 1, F(2.5)), "tensor(2.5000, dtype=torch.float64)");
    assert_result(call("prim::NumToTensor", "bool", 1, B(true)), "tensor(True)");
    IValue nt = call("prim::NumToTensor", "Scalar", 1, I(3));
    assert_int_equal(nt.u.t->dtype, DT_INT64);
    assert_int_equal(nt.u.t->ndim, 0);
    iv_release(nt);
}

/* ---- lists ---- */

static void test_list_access(void **state) {
    (void)state;
    IValue l = ilist(3, (int64_t)1, (int64_t)2, (int64_t)3);
    assert_int_equal(call("aten::len", "t", 1, l).u.i, 3);
    assert_int_equal(call("aten::__getitem__", "t", 2, l, I(0)).u.i, 1);
    assert_int_equal(call("aten::__getitem__", "t", 2, l, I(-1)).u.i, 3);
    call_fails(TS_ERR_VALUE, "list index out of range", "aten::__getitem__", "t", 2, l, I(3));
    call_fails(TS_ERR_VALUE, "list index out of range", "aten::__getitem__", "t", 2, l, I(-4));
    call_fails(TS_ERR_VALUE, "list index out of range", "aten::__getitem__", "t", 2, l, I(I64_MIN));

    IValue r = call("aten::_set_item", "t", 3, l, I(-3), I(9));
    assert_ptr_equal(r.u.l, l.u.l);
    iv_release(r);
    assert_string_equal(repr(l), "[9, 2, 3]");
    call_fails(TS_ERR_VALUE, "list index out of range", "aten::_set_item", "t", 3, l, I(3), I(0));

    r = call("aten::append", "t", 2, l, I(4));
    iv_release(r);
    assert_string_equal(repr(l), "[9, 2, 3, 4]");

    /* strings in a list: borrowed inputs are retained by the list */
    IValue sl = slist(1, "a");
    IValue s = iv_cstr("b");
    iv_release(call("aten::append", "t", 2, sl, s));
    iv_release(s);
    IValue got = call("aten::__getitem__", "t", 2, sl, I(1));
    assert_string_equal(got.u.s->data, "b");
    iv_release(got);
    IValue s2 = iv_cstr("c");
    iv_release(call("aten::_set_item", "t", 3, sl, I(0), s2));
    iv_release(s2);
    assert_string_equal(repr(sl), "['c', 'b']");
    iv_release(sl);

    assert_result(call("aten::add", "t", 2, l, l), "[9, 2, 3, 4, 9, 2, 3, 4]");
    IValue c = call("aten::list", "t", 1, l);
    assert_ptr_not_equal(c.u.l, l.u.l);
    iv_release(call("aten::append", "t", 2, c, I(5)));
    assert_int_equal(l.u.l->len, 4);
    iv_release(c);
    assert_result(call("aten::copy", "t", 1, l), "[9, 2, 3, 4]");
    iv_release(l);
}

static void test_list_slice(void **state) {
    (void)state;
    IValue l = ilist(5, (int64_t)1, (int64_t)2, (int64_t)3, (int64_t)4, (int64_t)5);
    IValue N = iv_none();
    assert_result(call("aten::slice", "t", 4, l, N, N, I(-1)), "[5, 4, 3, 2, 1]");
    assert_result(call("aten::slice", "t", 4, l, I(1), I(100), I(1)), "[2, 3, 4, 5]");
    assert_result(call("aten::slice", "t", 4, l, I(-100), I(2), I(1)), "[1, 2]");
    assert_result(call("aten::slice", "t", 4, l, N, N, I(3)), "[1, 4]");
    assert_result(call("aten::slice", "t", 4, l, I(3), I(1), I(1)), "[]");
    assert_result(call("aten::slice", "t", 4, l, I(4), I(0), I(-1)), "[5, 4, 3, 2]");
    assert_result(call("aten::slice", "t", 4, l, I(-2), N, I(1)), "[4, 5]");
    assert_result(call("aten::slice", "t", 4, l, I(-100), I(100), I(2)), "[1, 3, 5]");
    assert_result(call("aten::slice", "t", 4, l, I(I64_MIN), I(I64_MAX - 1), I(I64_MAX)), "[1]");
    call_fails(TS_ERR_VALUE, "List slice should have non-zero step", "aten::slice", "t", 4, l, N, N, I(0));
    IValue s = call("aten::slice", "t", 4, l, N, N, I(1));
    assert_ptr_equal(s.u.l->elem, ty_int());
    iv_release(s);
    iv_release(l);
}

static void test_list_mutation(void **state) {
    (void)state;
    IValue l = ilist(3, (int64_t)1, (int64_t)2, (int64_t)3);
    call("aten::insert", "t", 3, l, I(-1), I(9));
    assert_string_equal(repr(l), "[1, 2, 9, 3]");
    call("aten::insert", "t", 3, l, I(10), I(8));
    call("aten::insert", "t", 3, l, I(-10), I(7));
    assert_string_equal(repr(l), "[7, 1, 2, 9, 3, 8]");
    assert_int_equal(call("aten::pop", "t", 2, l, I(-1)).u.i, 8);
    assert_int_equal(call("aten::pop", "t", 2, l, I(0)).u.i, 7);
    assert_string_equal(repr(l), "[1, 2, 9, 3]");
    call_fails(TS_ERR_VALUE, "list index out of range", "aten::pop", "t", 2, l, I(5));
    call("aten::Delete", "t", 2, l, I(1));
    assert_string_equal(repr(l), "[1, 9, 3]");
    call_fails(TS_ERR_VALUE, "list index out of range", "aten::Delete", "t", 2, l, I(3));
    call("aten::reverse", "t", 1, l);
    assert_string_equal(repr(l), "[3, 9, 1]");
    call("aten::extend", "t", 2, l, l);
    assert_string_equal(repr(l), "[3, 9, 1, 3, 9, 1]");
    call("aten::clear", "t", 1, l);
    assert_string_equal(repr(l), "[]");
    call_fails(TS_ERR_VALUE, "pop from empty list", "aten::pop", "t", 2, l, I(-1));
    iv_release(l);

    IValue sl = slist(2, "x", "y");
    IValue popped = call("aten::pop", "t", 2, sl, I(0));
    assert_string_equal(popped.u.s->data, "x");
    iv_release(popped);
    call("aten::clear", "t", 1, sl);
    iv_release(sl);

    IValue m = ilist(2, (int64_t)1, (int64_t)2);
    assert_result(call("aten::mul", "left_t", 2, m, I(2)), "[1, 2, 1, 2]");
    assert_result(call("aten::mul", "right_", 2, I(3), m), "[1, 2, 1, 2, 1, 2]");
    assert_result(call("aten::mul", "left_t", 2, m, I(-1)), "[]");
    assert_result(call("aten::mul", "left_t", 2, m, I(0)), "[]");
    call_fails(TS_ERR_NOMEM, "list repetition is too large (2 x 9223372036854775807)", "aten::mul", "left_t", 2, m,
               I(I64_MAX));
    iv_release(m);
}

static void test_list_queries(void **state) {
    (void)state;
    IValue l = ilist(3, (int64_t)3, (int64_t)1, (int64_t)2);
    assert_true(call_b("aten::__contains__", "int_list", l, I(2)));
    assert_false(call_b("aten::__contains__", "int_list", l, I(5)));
    IValue l2 = ilist(3, (int64_t)3, (int64_t)1, (int64_t)2), l3 = ilist(2, (int64_t)3, (int64_t)1);
    assert_true(call_b("aten::eq", "int_list", l, l2));
    assert_false(call_b("aten::eq", "int_list", l, l3));
    assert_true(call_b("aten::ne", "int_list", l, l3));
    assert_int_equal(call("prim::min", "self_int", 1, l).u.i, 1);
    assert_int_equal(call("prim::max", "self_int", 1, l).u.i, 3);
    IValue e = iv_list_steal(list_new(ty_int(), 0));
    call_fails(TS_ERR_VALUE, "min() arg is an empty sequence", "prim::min", "self_int", 1, e);
    call_fails(TS_ERR_VALUE, "max() arg is an empty sequence", "prim::max", "self_int", 1, e);

    IValue f1 = flist(2, NAN, 1.0), f2 = flist(2, 1.0, NAN);
    assert_true(isnan(call("prim::min", "self_float", 1, f1).u.d));
    assert_true(call("prim::min", "self_float", 1, f2).u.d == 1.0);
    assert_true(isnan(call("prim::max", "self_float", 1, f1).u.d));
    assert_true(call("prim::max", "self_float", 1, f2).u.d == 1.0);
    assert_true(call_b("aten::__contains__", "float_list", f2, F(1.0)));
    assert_false(call_b("aten::__contains__", "float_list", f2, F(NAN)));
    /* a list equals itself even holding NaN (identity first), not an equal copy */
    IValue f3 = flist(2, NAN, 1.0);
    assert_true(call_b("aten::eq", "float_list", f1, f1));
    assert_false(call_b("aten::ne", "float_list", f1, f1));
    assert_false(call_b("aten::eq", "float_list", f1, f3));
    iv_release(f3);

    IValue s1 = slist(2, "a", "b"), s2 = slist(2, "a", "b");
    IValue b = iv_cstr("b"), z = iv_cstr("z");
    assert_true(call_b("aten::__contains__", "str_list", s1, b));
    assert_false(call_b("aten::__contains__", "str_list", s1, z));
    assert_true(call_b("aten::eq", "str_list", s1, s2));

    ListObj *bl = list_new(ty_bool(), 2);
    list_push_steal(bl, B(false));
    list_push_steal(bl, B(true));
    IValue bv = iv_list_steal(bl);
    assert_true(call("aten::any", "bool", 1, bv).u.b);
    assert_false(call("aten::all", "bool", 1, bv).u.b);
    assert_false(call("aten::any", "bool", 1, e).u.b);
    assert_true(call("aten::all", "bool", 1, e).u.b);
    assert_false(call("prim::min", "self_bool", 1, bv).u.b);
    assert_true(call("prim::max", "self_bool", 1, bv).u.b);

    IValue all[] = {l, l2, l3, e, f1, f2, s1, s2, b, z, bv};
    for (size_t i = 0; i < TS_ARRAY_LEN(all); i++) iv_release(all[i]);
}

/* ---- dicts ---- */

static void test_dicts(void **state) {
    (void)state;
    IValue d = call("aten::dict", "", 0);
    assert_ptr_equal(d.u.dict->key_type, ty_str());
    assert_ptr_equal(d.u.dict->value_type, ty_tensor());
    iv_release(d);

    IValue sd = iv_dict_steal(dict_new(ty_str(), ty_int()));
    IValue ka = iv_cstr("a"), kb = iv_cstr("b"), kz = iv_cstr("z");
    call("aten::_set_item", "str", 3, sd, ka, I(1));
    call("aten::_set_item", "str", 3, sd, kb, I(2));
    call("aten::_set_item", "str", 3, sd, ka, I(3));
    assert_string_equal(repr(sd), "{'a': 3, 'b': 2}");
    assert_int_equal(call("aten::len", "Dict_str", 1, sd).u.i, 2);
    assert_int_equal(call("aten::__getitem__", "Dict_str", 2, sd, kb).u.i, 2);
    call_fails(TS_ERR_VALUE, "KeyError: z", "aten::__getitem__", "Dict_str", 2, sd, kz);
    assert_true(call_b("aten::__contains__", "str", sd, ka));
    assert_false(call_b("aten::__contains__", "str", sd, kz));
    assert_result(call("aten::keys", "str", 1, sd), "['a', 'b']");
    assert_result(call("aten::values", "str", 1, sd), "[3, 2]");
    assert_result(call("aten::items", "str", 1, sd), "[('a', 3), ('b', 2)]");
    IValue items = call("aten::items", "str", 1, sd);
    Type *kv[2] = {ty_str(), ty_int()};
    assert_ptr_equal(items.u.l->elem, ty_tuple(kv, 2));
    iv_release(items);
    assert_int_equal(call("aten::get", "str", 2, sd, ka).u.i, 3);
    assert_int_equal(call("aten::get", "str", 2, sd, kz).kind, IV_NONE);
    assert_int_equal(call("aten::get", "default_str", 3, sd, kz, I(-1)).u.i, -1);

    IValue other = iv_dict_steal(dict_new(ty_str(), ty_int()));
    call("aten::_set_item", "str", 3, other, kz, I(26));
    call("aten::_set_item", "str", 3, other, ka, I(0));
    call("aten::update", "str", 2, sd, other);
    assert_string_equal(repr(sd), "{'a': 0, 'b': 2, 'z': 26}");
    call("aten::update", "str", 2, sd, sd);
    assert_int_equal(sd.u.dict->len, 3);

    assert_int_equal(call("aten::pop", "Dict_str", 2, sd, ka).u.i, 0);
    assert_string_equal(repr(sd), "{'b': 2, 'z': 26}");
    call_fails(TS_ERR_VALUE, "KeyError: a", "aten::pop", "Dict_str", 2, sd, ka);
    assert_int_equal(call("aten::pop", "Dict_default_str", 3, sd, ka, I(5)).u.i, 5);
    call("aten::Delete", "Dict_str", 2, sd, kb);
    assert_string_equal(repr(sd), "{'z': 26}");
    assert_int_equal(call("aten::__getitem__", "Dict_str", 2, sd, kz).u.i, 26);
    call_fails(TS_ERR_VALUE, "KeyError: b", "aten::Delete", "Dict_str", 2, sd, kb);
    call("aten::clear", "str", 1, sd);
    assert_string_equal(repr(sd), "{}");
    call("aten::_set_item", "str", 3, sd, kb, I(1));
    assert_string_equal(repr(sd), "{'b': 1}");

    /* int keys, str values (owned by the dict) */
    IValue id = iv_dict_steal(dict_new(ty_int(), ty_str()));
    IValue one = iv_cstr("one");
    call("aten::_set_item", "int", 3, id, I(1), one);
    iv_release(one);
    IValue got = call("aten::__getitem__", "Dict_int", 2, id, I(1));
    assert_string_equal(got.u.s->data, "one");
    iv_release(got);
    call_fails(TS_ERR_VALUE, "KeyError: 2", "aten::__getitem__", "Dict_int", 2, id, I(2));
    assert_true(call_b("aten::__contains__", "int", id, I(1)));
    assert_result(call("aten::keys", "int", 1, id), "[1]");
    IValue v = call("aten::pop", "Dict_int", 2, id, I(1));
    assert_string_equal(v.u.s->data, "one");
    iv_release(v);
    assert_int_equal(call("aten::len", "Dict_int", 1, id).u.i, 0);

    IValue all[] = {sd, ka, kb, kz, other, id};
    for (size_t i = 0; i < TS_ARRAY_LEN(all); i++) iv_release(all[i]);
}

/* ---- strings ---- */

static IValue S(const char *s) { return iv_cstr(s); }

/* Call a str op whose arguments are fresh strings/ints; returns the repr. */
static const char *str_call(const char *name, const char *ov, int nin, ...) {
    IValue in[8];
    va_list ap;
    va_start(ap, nin);
    for (int i = 0; i < nin; i++) in[i] = va_arg(ap, IValue);
    va_end(ap);
    IValue out[2];
    ts_status st = run(name, ov, in, nin, out);
    if (st != TS_OK) fail_msg("%s.%s failed: %s", name, ov, sb_cstr(&g_ctx.msg));
    for (int i = 0; i < nin; i++) iv_release(in[i]);
    repr(out[0]);
    iv_release(out[0]);
    return g_buf;
}

static void test_str_basic(void **state) {
    (void)state;
    assert_string_equal(str_call("aten::add", "str", 2, S("ab"), S("cd")), "'abcd'");
    assert_string_equal(str_call("aten::eq", "str", 2, S("ab"), S("ab")), "True");
    assert_string_equal(str_call("aten::ne", "str", 2, S("ab"), S("ab")), "False");
    assert_string_equal(str_call("aten::lt", "str", 2, S("ab"), S("abc")), "True");
    assert_string_equal(str_call("aten::gt", "str", 2, S("b"), S("abc")), "True");
    assert_string_equal(str_call("aten::le", "str", 2, S("b"), S("b")), "True");
    assert_string_equal(str_call("aten::ge", "str", 2, S("a"), S("b")), "False");
    assert_string_equal(str_call("aten::len", "str", 1, S("h\xc3\xa9llo")), "6"); /* bytes, as PyTorch */
    assert_string_equal(str_call("aten::__getitem__", "str", 2, S("abc"), I(-1)), "'c'");
    IValue abc = S("abc");
    call_fails(TS_ERR_VALUE, "string index out of range", "aten::__getitem__", "str", 2, abc, I(5));
    IValue N = iv_none();
    assert_string_equal(str_call("aten::slice", "str", 4, S("abcde"), N, N, I(-1)), "'edcba'");
    assert_string_equal(str_call("aten::slice", "str", 4, S("abcde"), I(1), N, I(1)), "'bcde'");
    assert_string_equal(str_call("aten::slice", "str", 4, S("abcde"), N, N, I(2)), "'ace'");
    assert_string_equal(str_call("aten::slice", "str", 4, S("abcde"), I(-2), N, I(1)), "'de'");
    call_fails(TS_ERR_VALUE, "List slice should have non-zero step", "aten::slice", "str", 4, abc, N, N, I(0));
    assert_string_equal(str_call("aten::list", "", 1, S("ab")), "['a', 'b']");
    assert_string_equal(str_call("aten::lower", "", 1, S("AbC1")), "'abc1'");
    assert_string_equal(str_call("aten::upper", "", 1, S("AbC1")), "'ABC1'");
    assert_string_equal(str_call("aten::strip", "", 2, S(" \t ab c\n "), S(" \n\t\f\v")), "'ab c'");
    assert_string_equal(str_call("aten::strip", "", 2, S("xxaxx"), S("x")), "'a'");
    assert_string_equal(str_call("aten::strip", "", 2, S("xxx"), S("x")), "''");
    assert_string_equal(str_call("aten::join", "", 2, S(","), slist(0)), "''");
    assert_string_equal(str_call("aten::join", "", 2, S(","), slist(1, "x")), "'x'");
    assert_string_equal(str_call("aten::join", "", 2, S(", "), slist(2, "x", "y")), "'x, y'");
    iv_release(abc);
}

static void test_str_search(void **state) {
    (void)state;
    /* (string, sub) -> find(sub), find(sub, 1), find(sub, -2), rfind(sub), as PyTorch returns */
    static const struct { const char *s, *sub; int64_t f0, f1, fm2, rf; } finds[] = {
        {"abc", "c", 2, 2, 2, 2},
        {"abcabc", "bc", 1, 1, 4, 4},
        {"abc", "x", -1, -1, -1, -1},
        {"abc", "", 0, 1, 1, 3},
        {"", "", 0, 1, 0, 0},
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(finds); i++) {
        IValue s = S(finds[i].s), sub = S(finds[i].sub);
        assert_int_equal(call("aten::find", "", 4, s, sub, I(0), I(-1)).u.i, finds[i].f0);
        assert_int_equal(call("aten::find", "", 4, s, sub, I(1), I(-1)).u.i, finds[i].f1);
        assert_int_equal(call("aten::find", "", 4, s, sub, I(-2), I(-1)).u.i, finds[i].fm2);
        assert_int_equal(call("aten::rfind", "", 4, s, sub, I(0), I(-1)).u.i, finds[i].rf);
        iv_release(s);
        iv_release(sub);
    }
    IValue abc = S("abc"), x = S("x"), ab = S("ab"), abcab = S("abcab"), empty = S(""), a = S("a");
    call_fails(TS_ERR_VALUE, "string index out of range", "aten::find", "", 4, abc, x, I(5), I(10));
    /* startswith/endswith(sub), (sub, 1), endswith(sub, 0, 2) */
    assert_true(call("aten::startswith", "", 4, abcab, ab, I(0), I(-1)).u.b);
    assert_true(call("aten::endswith", "", 4, abcab, ab, I(0), I(-1)).u.b);
    assert_false(call("aten::startswith", "", 4, abcab, ab, I(1), I(-1)).u.b);
    assert_true(call("aten::endswith", "", 4, abcab, ab, I(0), I(2)).u.b);
    assert_true(call("aten::startswith", "", 4, abcab, empty, I(0), I(-1)).u.b);
    assert_false(call("aten::startswith", "", 4, a, a, I(1), I(-1)).u.b);
    call_fails(TS_ERR_VALUE, "string index out of range", "aten::startswith", "", 4, a, a, I(2), I(-1));
    IValue all[] = {abc, x, ab, abcab, empty, a};
    for (size_t i = 0; i < TS_ARRAY_LEN(all); i++) iv_release(all[i]);
}

static void test_str_split_replace(void **state) {
    (void)state;
    IValue N = iv_none();
    assert_string_equal(str_call("aten::split", "str", 3, S("  a b  c "), N, I(-1)), "['a', 'b', 'c']");
    assert_string_equal(str_call("aten::split", "str", 3, S("a\tb\nc"), N, I(-1)), "['a', 'b', 'c']");
    assert_string_equal(str_call("aten::split", "str", 3, S(""), N, I(-1)), "[]");
    assert_string_equal(str_call("aten::split", "str", 3, S("a,b,,c"), S(","), I(-1)), "['a', 'b', '', 'c']");
    assert_string_equal(str_call("aten::split", "str", 3, S("a,b,,c"), S(","), I(1)), "['a', 'b,,c']");
    assert_string_equal(str_call("aten::split", "str", 3, S(""), S(","), I(-1)), "['']");
    assert_string_equal(str_call("aten::split", "str", 3, S("a::b"), S("::"), I(-1)), "['a', 'b']");
    IValue s = S("abc"), e = S("");
    call_fails(TS_ERR_VALUE, "ValueError: empty separator", "aten::split", "str", 3, s, e, I(-1));
    iv_release(s);
    iv_release(e);
    assert_string_equal(str_call("aten::replace", "", 4, S("banana"), S("a"), S("xy"), I(-1)), "'bxynxynxy'");
    assert_string_equal(str_call("aten::replace", "", 4, S("banana"), S("a"), S(""), I(1)), "'bnana'");
    assert_string_equal(str_call("aten::replace", "", 4, S("aaa"), S("aa"), S("b"), I(-1)), "'ba'");
    assert_string_equal(str_call("aten::replace", "", 4, S("ab"), S(""), S("-"), I(-1)), "'-a-b-'");
    assert_string_equal(str_call("aten::replace", "", 4, S("ab"), S(""), S("-"), I(2)), "'-a-b'");
}

static void test_str_format(void **state) {
    (void)state;
    IValue fmt = S("{} {}");
    assert_result(call("aten::format", "", 3, fmt, I(1), F(2.5)), "'1 2.5'");
    assert_result(call("aten::format", "", 3, fmt, F(1.0), F(0.1)), "'1. 0.10000000000000001'");
    IValue l = ilist(2, (int64_t)1, (int64_t)1), sl = slist(2, "x", "y'z");
    IValue f2 = S("x{}y{}");
    assert_result(call("aten::format", "", 3, f2, l, sl), "\"x[1, 1]y[x, y'z]\"");
    IValue f3 = S("{}|{}|{}|{}");
    IValue str = S("s");
    assert_result(call("aten::format", "", 5, f3, str, B(true), iv_none(), iv_device((Device){DEVICE_CUDA, 1})),
                  "'s|True|None|cuda:1'");
    /* extra arguments are ignored */
    IValue f4 = S("{} and {}");
    assert_result(call("aten::format", "", 4, f4, I(1), I(2), I(3)), "'1 and 2'");
    IValue f5 = S("{}{}");
    call_fails(TS_ERR_VALUE, "Too few arguments for format string: {}{}", "aten::format", "", 2, f5, I(1));
    IValue f6 = S("no braces {");
    assert_result(call("aten::format", "", 1, f6), "'no braces {'");
    IValue f7 = S("expected 4D input (got {}D input)");
    assert_result(call("aten::format", "", 2, f7, I(3)), "'expected 4D input (got 3D input)'");

    assert_result(call("aten::str", "", 1, F(1.0)), "'1.'");
    assert_result(call("aten::str", "", 1, F(1e-7)), "'9.9999999999999995e-08'");
    assert_result(call("aten::str", "", 1, l), "'[1, 1]'");
    assert_result(call("aten::str", "", 1, str), "'s'");
    IValue t = iv_tuple_steal(tuple_new(2));
    t.u.tup->items[0] = I(1);
    t.u.tup->items[1] = iv_cstr("x");
    assert_result(call("aten::str", "", 1, t), "'(1, x)'");
    IValue all[] = {fmt, l, sl, f2, f3, str, f4, f5, f6, f7, t};
    for (size_t i = 0; i < TS_ARRAY_LEN(all); i++) iv_release(all[i]);
}

static void test_raise_and_warn(void **state) {
    (void)state;
    IValue msg = S("expected 4D input"), cls = S("builtins.ValueError");
    call_fails(TS_ERR_RUNTIME, "builtins.ValueError: expected 4D input", "prim::RaiseException", "", 2, msg, cls);
    call_fails(TS_ERR_RUNTIME, "expected 4D input", "prim::RaiseException", "", 2, msg, iv_none());
    IValue out[1];
    IValue in[2] = {msg, I(2)};
    assert_int_equal(run("aten::warn", "", in, 2, out), TS_OK);
    iv_release(msg);
    iv_release(cls);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_int_arith, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range_helpers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_float_arith, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rounding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conversions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tensor_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_slice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_mutation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_str_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_str_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_str_split_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_str_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raise_and_warn, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
