/*
 * prim_num.c - the TorchScript ops on ints, floats, bools and Scalars:
 * arithmetic, comparison, min/max, rounding, bit operations, identity and
 * the int()/float()/bool() conversions.
 *
 * Results are PyTorch 1.13's:
 *  - int arithmetic wraps at 64 bits; // and % follow Python's floor rules;
 *    a zero divisor fails with ZeroDivisionError (PyTorch crashes or throws);
 *  - `/` is true division in doubles (1 / 0 is inf, as in PyTorch);
 *  - float // and % are floor(a / b) and fmod(b + fmod(a, b), b), with
 *    IEEE results for zero divisors, as PyTorch computes them;
 *  - the `Scalar` overloads compute in int64 when both operands are ints and
 *    in double otherwise;
 *  - int ** int is a float (pow.int), 0 ** negative fails.
 * Where PyTorch relies on undefined C++ behaviour (INT64_MIN // -1, shifts by
 * 64 or more, int(nan)) the result here is defined: wrap, Python's shift value
 * truncated to 64 bits, or a ValueError/OverflowError.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "ops/prim.h"

ts_status prim_zero_division(Ctx *ctx) {
    return ts_fail(ctx, TS_ERR_VALUE, NULL, "ZeroDivisionError: integer division or modulo by zero");
}

ts_status prim_float_to_int(Ctx *ctx, double d, int64_t *out) {
    if (isnan(d)) return ts_fail(ctx, TS_ERR_VALUE, NULL, "ValueError: cannot convert float NaN to integer");
    if (isinf(d))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "OverflowError: cannot convert float infinity to integer");
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "OverflowError: float %g does not fit in a 64-bit int", d);
    *out = (int64_t)d;
    return TS_OK;
}

/* ---- the operations on one pair of operands ---- */

typedef ts_status (*IntFn)(Ctx *, int64_t, int64_t, IValue *);
typedef ts_status (*FloatFn)(Ctx *, double, double, IValue *);

static ts_status i_add(Ctx *c, int64_t a, int64_t b, IValue *r) { (void)c; *r = iv_int(prim_wrap_add(a, b)); return TS_OK; }
static ts_status i_sub(Ctx *c, int64_t a, int64_t b, IValue *r) { (void)c; *r = iv_int(prim_wrap_sub(a, b)); return TS_OK; }
static ts_status i_mul(Ctx *c, int64_t a, int64_t b, IValue *r) { (void)c; *r = iv_int(prim_wrap_mul(a, b)); return TS_OK; }
static ts_status f_add(Ctx *c, double a, double b, IValue *r) { (void)c; *r = iv_double(a + b); return TS_OK; }
static ts_status f_sub(Ctx *c, double a, double b, IValue *r) { (void)c; *r = iv_double(a - b); return TS_OK; }
static ts_status f_mul(Ctx *c, double a, double b, IValue *r) { (void)c; *r = iv_double(a * b); return TS_OK; }
static ts_status f_div(Ctx *c, double a, double b, IValue *r) { (void)c; *r = iv_double(a / b); return TS_OK; }
static ts_status i_div(Ctx *c, int64_t a, int64_t b, IValue *r) { return f_div(c, (double)a, (double)b, r); }

static ts_status i_floordiv(Ctx *c, int64_t a, int64_t b, IValue *r) {
    if (b == 0) return prim_zero_division(c);
    if (b == -1) {
        *r = iv_int(prim_wrap_neg(a));
        return TS_OK;
    }
    int64_t q = a / b, m = a % b;
    if (m != 0 && ((m < 0) != (b < 0))) q--;
    *r = iv_int(q);
    return TS_OK;
}

static ts_status f_floordiv(Ctx *c, double a, double b, IValue *r) {
    (void)c;
    *r = iv_double(floor(a / b));
    return TS_OK;
}

static ts_status i_remainder(Ctx *c, int64_t a, int64_t b, IValue *r) {
    if (b == 0) return prim_zero_division(c);
    int64_t m = b == -1 ? 0 : a % b;
    if (m != 0 && ((m < 0) != (b < 0))) m += b;
    *r = iv_int(m);
    return TS_OK;
}

static ts_status f_remainder(Ctx *c, double a, double b, IValue *r) {
    (void)c;
    *r = iv_double(fmod(b + fmod(a, b), b));
    return TS_OK;
}

/* powWrapper: 0 ** negative is an error, everything else is C's pow. */
static ts_status f_pow(Ctx *c, double a, double b, IValue *r) {
    if (a == 0.0 && b < 0.0) return ts_fail(c, TS_ERR_VALUE, NULL, "0.0 cannot be raised to a negative power");
    *r = iv_double(pow(a, b));
    return TS_OK;
}
static ts_status i_pow(Ctx *c, int64_t a, int64_t b, IValue *r) { return f_pow(c, (double)a, (double)b, r); }
static ts_status f_pow_plain(Ctx *c, double a, double b, IValue *r) { (void)c; *r = iv_double(pow(a, b)); return TS_OK; }

static ts_status i_min(Ctx *c, int64_t a, int64_t b, IValue *r) { (void)c; *r = iv_int(a < b ? a : b); return TS_OK; }
static ts_status i_max(Ctx *c, int64_t a, int64_t b, IValue *r) { (void)c; *r = iv_int(a > b ? a : b); return TS_OK; }
static ts_status f_min(Ctx *c, double a, double b, IValue *r) { (void)c; *r = iv_double(a < b ? a : b); return TS_OK; }
static ts_status f_max(Ctx *c, double a, double b, IValue *r) { (void)c; *r = iv_double(a > b ? a : b); return TS_OK; }

/* name.int, name.float and name(Scalar, Scalar) */
#define BINARY_BASIC(name, ifn, ffn)                                                        \
    PRIM_OP(prim_##name##_int) { return ifn(ctx, prim_int(in[0]), prim_int(in[1]), out); }  \
    PRIM_OP(prim_##name##_float) { return ffn(ctx, prim_float(in[0]), prim_float(in[1]), out); } \
    PRIM_OP(prim_##name##_scalar) {                                                         \
        if (in[0].kind == IV_INT && in[1].kind == IV_INT)                                   \
            return ifn(ctx, in[0].u.i, in[1].u.i, out);                                     \
        return ffn(ctx, iv_scalar_f64(in[0]), iv_scalar_f64(in[1]), out);                   \
    }
/* name.int_float and name.float_int */
#define BINARY_MIXED(name, ffn)                                                                       \
    PRIM_OP(prim_##name##_int_float) { return ffn(ctx, (double)prim_int(in[0]), prim_float(in[1]), out); } \
    PRIM_OP(prim_##name##_float_int) { return ffn(ctx, prim_float(in[0]), (double)prim_int(in[1]), out); }

BINARY_BASIC(add, i_add, f_add)
BINARY_MIXED(add, f_add)
BINARY_BASIC(sub, i_sub, f_sub)
BINARY_MIXED(sub, f_sub)
BINARY_BASIC(mul, i_mul, f_mul)
BINARY_MIXED(mul, f_mul)
BINARY_BASIC(div, i_div, f_div)
BINARY_BASIC(floordiv, i_floordiv, f_floordiv)
BINARY_MIXED(floordiv, f_floordiv)
BINARY_BASIC(remainder, i_remainder, f_remainder)
BINARY_MIXED(remainder, f_remainder)
BINARY_MIXED(pow, f_pow)
BINARY_BASIC(min, i_min, f_min)
BINARY_MIXED(min, f_min)
BINARY_BASIC(max, i_max, f_max)
BINARY_MIXED(max, f_max)

PRIM_OP(prim_pow_int) { return i_pow(ctx, prim_int(in[0]), prim_int(in[1]), out); }
PRIM_OP(prim_pow_float) { return f_pow(ctx, prim_float(in[0]), prim_float(in[1]), out); }
PRIM_OP(prim_pow_scalar_scalar) {
    return f_pow_plain(ctx, iv_scalar_f64(in[0]), iv_scalar_f64(in[1]), out);
}

/* int ** int in int64, wrapping; a negative exponent truncates 1 / a**-b. */
PRIM_OP(prim_pow_int_to_int) {
    int64_t a = prim_int(in[0]), b = prim_int(in[1]);
    if (b < 0) {
        if (a == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "0.0 cannot be raised to a negative power");
        out[0] = iv_int(a == 1 ? 1 : a == -1 ? ((b & 1) ? -1 : 1) : 0);
        return TS_OK;
    }
    uint64_t r = 1, base = (uint64_t)a;
    for (uint64_t e = (uint64_t)b; e; e >>= 1) {
        if (e & 1) r *= base;
        base *= base;
    }
    out[0] = iv_int((int64_t)r);
    return TS_OK;
}

/* ---- unary ---- */

PRIM_OP(prim_neg_int) { out[0] = iv_int(prim_wrap_neg(prim_int(in[0]))); return TS_OK; }
PRIM_OP(prim_neg_float) { out[0] = iv_double(-prim_float(in[0])); return TS_OK; }
PRIM_OP(prim_neg_scalar) {
    out[0] = in[0].kind == IV_DOUBLE ? iv_double(-in[0].u.d) : iv_int(prim_wrap_neg(prim_int(in[0])));
    return TS_OK;
}

static int64_t wrap_abs(int64_t a) { return a < 0 ? prim_wrap_neg(a) : a; }
PRIM_OP(prim_abs_int) { out[0] = iv_int(wrap_abs(prim_int(in[0]))); return TS_OK; }
PRIM_OP(prim_abs_float) { out[0] = iv_double(fabs(prim_float(in[0]))); return TS_OK; }
PRIM_OP(prim_abs_scalar) {
    out[0] = in[0].kind == IV_DOUBLE ? iv_double(fabs(in[0].u.d)) : iv_int(wrap_abs(prim_int(in[0])));
    return TS_OK;
}

static ts_status round_to_int(Ctx *ctx, double d, double (*fn)(double), IValue *out) {
    int64_t i = 0;
    TS_TRY(prim_float_to_int(ctx, fn(d), &i));
    *out = iv_int(i);
    return TS_OK;
}
PRIM_OP(prim_floor_int) { out[0] = iv_int(prim_int(in[0])); return TS_OK; }
PRIM_OP(prim_floor_float) { return round_to_int(ctx, prim_float(in[0]), floor, out); }
PRIM_OP(prim_floor_scalar) {
    if (in[0].kind != IV_DOUBLE) return prim_floor_int(ctx, in, nin, out, info);
    return round_to_int(ctx, in[0].u.d, floor, out);
}
PRIM_OP(prim_ceil_int) { out[0] = iv_int(prim_int(in[0])); return TS_OK; }
PRIM_OP(prim_ceil_float) { return round_to_int(ctx, prim_float(in[0]), ceil, out); }
PRIM_OP(prim_ceil_scalar) {
    if (in[0].kind != IV_DOUBLE) return prim_ceil_int(ctx, in, nin, out, info);
    return round_to_int(ctx, in[0].u.d, ceil, out);
}
PRIM_OP(prim_sqrt_int) { out[0] = iv_double(sqrt((double)prim_int(in[0]))); return TS_OK; }
PRIM_OP(prim_sqrt_float) { out[0] = iv_double(sqrt(prim_float(in[0]))); return TS_OK; }
PRIM_OP(prim_sqrt_scalar) { out[0] = iv_double(sqrt(iv_scalar_f64(in[0]))); return TS_OK; }

/* ---- bits ---- */

PRIM_OP(prim_and_int) { out[0] = iv_int(prim_int(in[0]) & prim_int(in[1])); return TS_OK; }
PRIM_OP(prim_or_int) { out[0] = iv_int(prim_int(in[0]) | prim_int(in[1])); return TS_OK; }
PRIM_OP(prim_xor_int) { out[0] = iv_int(prim_int(in[0]) ^ prim_int(in[1])); return TS_OK; }

static ts_status negative_shift(Ctx *ctx) {
    return ts_fail(ctx, TS_ERR_VALUE, NULL, "ValueError: negative shift count");
}
PRIM_OP(prim_lshift_int) {
    int64_t a = prim_int(in[0]), b = prim_int(in[1]);
    if (b < 0) return negative_shift(ctx);
    out[0] = iv_int(b >= 64 ? 0 : (int64_t)((uint64_t)a << b));
    return TS_OK;
}
PRIM_OP(prim_rshift_int) {
    int64_t a = prim_int(in[0]), b = prim_int(in[1]);
    if (b < 0) return negative_shift(ctx);
    /* arithmetic shift, written without relying on >> of a negative value */
    int64_t r = b >= 64 ? (a < 0 ? -1 : 0) : a >= 0 ? a >> b : ~(~a >> b);
    out[0] = iv_int(r);
    return TS_OK;
}

/* ---- range() helpers ---- */

PRIM_OP(prim_range_length) {
    int64_t lo = prim_int(in[0]), hi = prim_int(in[1]), step = prim_int(in[2]);
    if (step == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "range() arg 3 must not be zero");
    uint64_t span, ustep;
    if (step > 0 && lo < hi) {
        span = (uint64_t)hi - (uint64_t)lo - 1;
        ustep = (uint64_t)step;
    } else if (step < 0 && lo > hi) {
        span = (uint64_t)lo - (uint64_t)hi - 1;
        ustep = 0 - (uint64_t)step;
    } else {
        out[0] = iv_int(0);
        return TS_OK;
    }
    uint64_t n = span / ustep + 1;
    out[0] = iv_int(n > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)n);
    return TS_OK;
}

PRIM_OP(prim_derive_index) {
    int64_t index = prim_int(in[0]), start = prim_int(in[1]), step = prim_int(in[2]);
    out[0] = iv_int(prim_wrap_add(start, prim_wrap_mul(index, step)));
    return TS_OK;
}

/* ---- comparisons ---- */

#define CMP_OPS(name, OPR)                                                                   \
    PRIM_OP(prim_##name##_int) { out[0] = iv_bool(prim_int(in[0]) OPR prim_int(in[1])); return TS_OK; } \
    PRIM_OP(prim_##name##_float) { out[0] = iv_bool(prim_float(in[0]) OPR prim_float(in[1])); return TS_OK; } \
    PRIM_OP(prim_##name##_int_float) {                                                       \
        out[0] = iv_bool((double)prim_int(in[0]) OPR prim_float(in[1]));                     \
        return TS_OK;                                                                        \
    }                                                                                        \
    PRIM_OP(prim_##name##_float_int) {                                                       \
        out[0] = iv_bool(prim_float(in[0]) OPR (double)prim_int(in[1]));                     \
        return TS_OK;                                                                        \
    }                                                                                        \
    PRIM_OP(prim_##name##_scalar) {                                                          \
        if (in[0].kind == IV_INT && in[1].kind == IV_INT) out[0] = iv_bool(in[0].u.i OPR in[1].u.i); \
        else out[0] = iv_bool(iv_scalar_f64(in[0]) OPR iv_scalar_f64(in[1]));                \
        return TS_OK;                                                                        \
    }

CMP_OPS(eq, ==)
CMP_OPS(ne, !=)
CMP_OPS(lt, <)
CMP_OPS(le, <=)
CMP_OPS(gt, >)
CMP_OPS(ge, >=)

static bool device_eq(Device a, Device b) { return a.type == b.type && a.index == b.index; }
PRIM_OP(prim_eq_device) { out[0] = iv_bool(device_eq(in[0].u.dev, in[1].u.dev)); return TS_OK; }
PRIM_OP(prim_ne_device) { out[0] = iv_bool(!device_eq(in[0].u.dev, in[1].u.dev)); return TS_OK; }
PRIM_OP(prim_eq_bool) { out[0] = iv_bool(in[0].u.b == in[1].u.b); return TS_OK; }
PRIM_OP(prim_ne_bool) { out[0] = iv_bool(in[0].u.b != in[1].u.b); return TS_OK; }

PRIM_OP(prim_and_bool) { out[0] = iv_bool(in[0].u.b && in[1].u.b); return TS_OK; }
PRIM_OP(prim_or_bool) { out[0] = iv_bool(in[0].u.b || in[1].u.b); return TS_OK; }
PRIM_OP(prim_xor_bool) { out[0] = iv_bool(in[0].u.b != in[1].u.b); return TS_OK; }
PRIM_OP(prim_not) { out[0] = iv_bool(!in[0].u.b); return TS_OK; }

/* `is`: None is None; scalars by value; heap values by identity. */
static bool is_same(IValue a, IValue b) {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
    case IV_NONE: return true;
    case IV_BOOL: return a.u.b == b.u.b;
    case IV_INT: return a.u.i == b.u.i;
    case IV_DOUBLE: return a.u.d == b.u.d;
    case IV_DEVICE: return device_eq(a.u.dev, b.u.dev);
    case IV_UNINIT: return true;
    default: return a.u.h == b.u.h;
    }
}
PRIM_OP(prim_is) { out[0] = iv_bool(is_same(in[0], in[1])); return TS_OK; }
PRIM_OP(prim_isnot) { out[0] = iv_bool(!is_same(in[0], in[1])); return TS_OK; }

/* ---- conversions ---- */

PRIM_OP(prim_Int_bool) { out[0] = iv_int(in[0].u.b); return TS_OK; }
PRIM_OP(prim_Int_float) { return round_to_int(ctx, prim_float(in[0]), trunc, out); }
PRIM_OP(prim_Int_scalar) {
    if (in[0].kind == IV_DOUBLE) return round_to_int(ctx, in[0].u.d, trunc, out);
    out[0] = iv_int(prim_int(in[0]));
    return TS_OK;
}
PRIM_OP(prim_Float_scalar) { out[0] = iv_double(iv_scalar_f64(in[0])); return TS_OK; }
PRIM_OP(prim_Float_int) { out[0] = iv_double((double)prim_int(in[0])); return TS_OK; }
PRIM_OP(prim_Float_bool) { out[0] = iv_double(in[0].u.b ? 1.0 : 0.0); return TS_OK; }
PRIM_OP(prim_Bool_int) { out[0] = iv_bool(prim_int(in[0]) != 0); return TS_OK; }
PRIM_OP(prim_Bool_float) { out[0] = iv_bool(prim_float(in[0]) != 0.0); return TS_OK; }

static bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* int(str): C++ std::stoll over the whole string (leading spaces allowed). */
PRIM_OP(prim_Int_str) {
    const StrObj *s = in[0].u.s;
    const char *p = s->data, *end = s->data + s->len;
    while (p < end && is_space(*p)) p++;
    bool neg = false;
    if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
    const char *digits = p;
    uint64_t v = 0;
    bool overflow = false;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) overflow = true;
        else v = v * 10 + d;
    }
    if (p == digits || p != end)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "invalid literal for int() with base 10: '%s'", s->data);
    if (overflow || v > (uint64_t)INT64_MAX + (neg ? 1 : 0))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "int() literal out of the int64 range: '%s'", s->data);
    out[0] = iv_int(neg ? (int64_t)(0 - v) : (int64_t)v);
    return TS_OK;
}

/* float(str): C++ std::stod over the whole string. */
PRIM_OP(prim_Float_str) {
    const StrObj *s = in[0].u.s;
    char *endp;
    errno = 0;
    double d = strtod(s->data, &endp);
    if (endp == s->data || endp != s->data + s->len || errno == ERANGE)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "could not convert string to float: '%s'", s->data);
    out[0] = iv_double(d);
    return TS_OK;
}
