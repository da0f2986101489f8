/*
 * elementwise.c - reference unary and binary elementwise kernels, fill and
 * where, over strided (broadcast) operands of one shape.
 *
 * The loops are generated per dtype from ew_tmpl.h; each op has one integer
 * and one floating formula (BIN_OPS / UN_OPS below). Integers compute in
 * int64 with wrapping (unsigned) arithmetic and are truncated on store, which
 * is what PyTorch's int8..int64 kernels give; bool stores `v != 0`. float16
 * and bfloat16 compute in float. Floating formulas are PyTorch's (see
 * kernels.h); literals are cast to the compute type so float math stays in
 * float. Integer division by zero yields 0 here: ops/ rejects it before.
 */
#include <tgmath.h>

#include "kernels/kernels.h"
#include "tensor/iter.h"

#define KSQRT1_2 0.70710678118654752440
#define KSQRT2 1.41421356237309504880
#define K2_SQRTPI 1.12837916709551257390

/* ---- names ---- */

static const char *const g_bin_names[] = {
#define X(E, name, cmp) name,
#include "kernels/binary.def"
#undef X
};
static const bool g_bin_bool[] = {
#define X(E, name, cmp) cmp,
#include "kernels/binary.def"
#undef X
};
static const char *const g_un_names[] = {
#define X(E, name, int_ok) name,
#include "kernels/unary.def"
#undef X
};
static const bool g_un_int_ok[] = {
#define X(E, name, int_ok) int_ok,
#include "kernels/unary.def"
#undef X
};

const char *binary_op_name(BinaryOp op) { return g_bin_names[op]; }
bool binary_op_is_bool(BinaryOp op) { return g_bin_bool[op]; }
const char *unary_op_name(UnaryOp op) { return g_un_names[op]; }
bool unary_op_int_ok(UnaryOp op) { return g_un_int_ok[op]; }

/* ---- scalar helpers ---- */

static inline int64_t iadd(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static inline int64_t isub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static inline int64_t imul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
static inline int64_t ineg(int64_t a) { return (int64_t)(0 - (uint64_t)a); }

static inline int64_t idiv_trunc(int64_t a, int64_t b) {
    if (b == 0) return 0;
    if (b == -1) return ineg(a);
    return a / b;
}

static inline int64_t idiv_floor(int64_t a, int64_t b) {
    if (b == 0) return 0;
    if (b == -1) return ineg(a);
    int64_t q = a / b, r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q;
}

static inline int64_t irem(int64_t a, int64_t b) {
    if (b == 0 || b == -1) return 0;
    int64_t r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

static inline int64_t ipow(int64_t a, int64_t b) {
    if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) ? -1 : 1) : 0;
    uint64_t r = 1, x = (uint64_t)a;
    while (b) {
        if (b & 1) r *= x;
        x *= x;
        b >>= 1;
    }
    return (int64_t)r;
}

/* double -> int64 without undefined behaviour (saturating, NaN -> 0). */
static inline int64_t sat_i64(double v) {
    if (v != v) return 0;
    if (v >= 9223372036854775807.0) return INT64_MAX;
    if (v <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)v;
}

static inline int64_t clamp_i(int64_t x, int64_t lo, int64_t hi) {
    int64_t t = x < lo ? lo : x;
    return t > hi ? hi : t;
}

#define FLOAT_HELPERS(T, S)                                                       \
    /* PyTorch's div_floor_floating */                                            \
    static inline T floordiv_##S(T a, T b) {                                      \
        if (b == 0) return a / b;                                                 \
        T mod = fmod(a, b);                                                       \
        T div = (a - mod) / b;                                                    \
        if (mod != 0 && (b < 0) != (mod < 0)) div -= (T)1;                        \
        if (div == 0) return copysign((T)0, a / b);                               \
        T fl = floor(div);                                                        \
        if (div - fl > (T)0.5) fl += (T)1;                                        \
        return fl;                                                                \
    }                                                                             \
    static inline T rem_##S(T a, T b) {                                           \
        T mod = fmod(a, b);                                                       \
        if (mod != 0 && (b < 0) != (mod < 0)) mod += b;                           \
        return mod;                                                               \
    }                                                                             \
    static inline T clamp_##S(T x, T lo, T hi) {                                  \
        T t = x < lo ? lo : x;                                                    \
        return t > hi ? hi : t;                                                   \
    }                                                                             \
    static inline T powscalar_##S(T x, T e) {                                     \
        if (e == 2) return x * x;                                                 \
        if (e == 3) return x * x * x;                                             \
        if (e == -2) return (T)1 / (x * x);                                       \
        return pow(x, e);                                                         \
    }                                                                             \
    static inline T gelu_tanh_##S(T x) {                                          \
        const T beta = (T)(KSQRT2 * K2_SQRTPI * 0.5), kappa = (T)0.044715;        \
        T cube = x * x * x;                                                       \
        T inner = beta * (x + kappa * cube);                                      \
        return (T)0.5 * x * ((T)1 + tanh(inner));                                 \
    }                                                                             \
    static inline T hardsigmoid_##S(T x) {                                        \
        T t = x + (T)3;                                                           \
        t = t < 0 ? (T)0 : t;                                                     \
        t = t > 6 ? (T)6 : t;                                                     \
        return t / (T)6;                                                          \
    }                                                                             \
    static inline T hardswish_##S(T x) {                                          \
        T t = x + (T)3;                                                           \
        t = t < 0 ? (T)0 : t;                                                     \
        t = t > 6 ? (T)6 : t;                                                     \
        return x * t / (T)6;                                                      \
    }
FLOAT_HELPERS(float, f)
FLOAT_HELPERS(double, d)

/* ---- op lists: Y(OP, expression of a, b, alpha [, output kind]) ---- */

enum {
    IOP_ADD, IOP_ADD1, IOP_SUB, IOP_SUB1, IOP_MUL, IOP_DIV, IOP_DIV_TRUNC, IOP_DIV_FLOOR,
    IOP_REM, IOP_POW, IOP_MAXIMUM, IOP_MINIMUM, IOP_EQ, IOP_NE, IOP_LT, IOP_LE, IOP_GT,
    IOP_GE, IOP_AND, IOP_OR, IOP_COUNT
};

#define BIN_OPS(Y)                                                                          \
    Y(ADD, E_PICK(iadd(a, imul(alpha, b)), fma(alpha, b, a)), SAME)                         \
    Y(ADD1, E_PICK(iadd(a, b), a + b), SAME)                                                \
    Y(SUB, E_PICK(isub(a, imul(alpha, b)), fma(-alpha, b, a)), SAME)                        \
    Y(SUB1, E_PICK(isub(a, b), a - b), SAME)                                                \
    Y(MUL, E_PICK(imul(a, b), a * b), SAME)                                                 \
    Y(DIV, E_PICK(idiv_trunc(a, b), a / b), SAME)                                           \
    Y(DIV_TRUNC, E_PICK(idiv_trunc(a, b), trunc(a / b)), SAME)                              \
    Y(DIV_FLOOR, E_PICK(idiv_floor(a, b), E_FN(floordiv)(a, b)), SAME)                      \
    Y(REM, E_PICK(irem(a, b), E_FN(rem)(a, b)), SAME)                                       \
    Y(POW, E_PICK(ipow(a, b), pow(a, b)), SAME)                                             \
    Y(MAXIMUM, E_PICK((a < b ? b : a), (isnan(a) || isnan(b) ? a + b : (a < b ? b : a))), SAME) \
    Y(MINIMUM, E_PICK((b < a ? b : a), (isnan(a) || isnan(b) ? a + b : (b < a ? b : a))), SAME) \
    Y(EQ, a == b, BOOL)                                                                     \
    Y(NE, a != b, BOOL)                                                                     \
    Y(LT, a < b, BOOL)                                                                      \
    Y(LE, a <= b, BOOL)                                                                     \
    Y(GT, a > b, BOOL)                                                                      \
    Y(GE, a >= b, BOOL)                                                                     \
    Y(AND, (a != 0) && (b != 0), BOOL)                                                      \
    Y(OR, (a != 0) || (b != 0), BOOL)

#define UN_OPS(Y)                                                                     \
    Y(COPY, x)                                                                        \
    Y(NEG, E_PICK(ineg(x), -x))                                                       \
    Y(ABS, E_PICK((x < 0 ? ineg(x) : x), fabs(x)))                                    \
    Y(RELU, (x < 0 ? (E_CT)0 : x))                                                    \
    Y(CLAMP, E_FN(clamp)(x, P1, P2))                                                  \
    Y(CLAMP_MIN, (x < P1 ? P1 : x))                                                   \
    Y(CLAMP_MAX, (x > P2 ? P2 : x))                                                   \
    Y(SIGN, (E_CT)((0 < x) - (x < 0)))                                                \
    Y(SQUARE, E_PICK(imul(x, x), x * x))                                              \
    Y(POW_SCALAR, E_PICK(ipow(x, P1), E_FN(powscalar)(x, P1)))                        \
    Y(EXP, E_PICK(x, exp(x)))                                                         \
    Y(LOG, E_PICK(x, log(x)))                                                         \
    Y(LOG1P, E_PICK(x, log1p(x)))                                                     \
    Y(SQRT, E_PICK(x, sqrt(x)))                                                       \
    Y(RSQRT, E_PICK(x, (E_CT)1 / sqrt(x)))                                            \
    Y(RECIPROCAL, E_PICK(x, (E_CT)1 / x))                                             \
    Y(SIN, E_PICK(x, sin(x)))                                                         \
    Y(COS, E_PICK(x, cos(x)))                                                         \
    Y(TANH, E_PICK(x, tanh(x)))                                                       \
    Y(ERF, E_PICK(x, erf(x)))                                                         \
    Y(SIGMOID, E_PICK(x, (E_CT)1 / ((E_CT)1 + exp(-x))))                              \
    Y(SILU, E_PICK(x, x / ((E_CT)1 + exp(-x))))                                       \
    Y(GELU, E_PICK(x, x * (E_CT)0.5 * ((E_CT)1 + erf(x * (E_CT)KSQRT1_2))))           \
    Y(GELU_TANH, E_PICK(x, E_FN(gelu_tanh)(x)))                                       \
    Y(LEAKY_RELU, E_PICK(x, (x > 0 ? x : x * P1)))                                    \
    Y(ELU, E_PICK(x, (x > 0 ? x : expm1(x) * P1)))                                    \
    Y(SOFTPLUS, E_PICK(x, (x * P1 > P2 ? x : log1p(exp(x * P1)) / P1)))               \
    Y(HARDSIGMOID, E_PICK(x, E_FN(hardsigmoid)(x)))                                   \
    Y(HARDSWISH, E_PICK(x, E_FN(hardswish)(x)))                                       \
    Y(FLOOR, E_PICK(x, floor(x)))                                                     \
    Y(CEIL, E_PICK(x, ceil(x)))                                                       \
    Y(ROUND, E_PICK(x, nearbyint(x)))                                                 \
    Y(TRUNC, E_PICK(x, trunc(x)))

typedef struct BinArg {
    KScalar alpha;
} BinArg;

typedef struct UnArg {
    double p1, p2;
} UnArg;

#define OUT_T_SAME E_T
#define OUT_ST_SAME(v) E_ST(v)
#define OUT_T_BOOL uint8_t
#define OUT_ST_BOOL(v) ((uint8_t)((v) != 0))

#define EW_NAME3(a, b, c) a##_##b##_##c
#define EW_NAME(a, b, c) EW_NAME3(a, b, c)
#define PICK_INT(i, f) i
#define PICK_FLOAT(i, f) f
#define ID(x) (x)

/* ---- one instantiation per dtype ---- */

#define E_CT int64_t
#define E_LD(x) ((int64_t)(x))
#define E_PICK PICK_INT
#define E_FN(name) name##_i

#define E_SUF u8
#define E_T uint8_t
#define E_ST(v) ((uint8_t)(v))
#include "kernels/ref/ew_tmpl.h"
#undef E_SUF
#undef E_T
#undef E_ST

#define E_SUF i8
#define E_T int8_t
#define E_ST(v) ((int8_t)(v))
#include "kernels/ref/ew_tmpl.h"
#undef E_SUF
#undef E_T
#undef E_ST

#define E_SUF i16
#define E_T int16_t
#define E_ST(v) ((int16_t)(v))
#include "kernels/ref/ew_tmpl.h"
#undef E_SUF
#undef E_T
#undef E_ST

#define E_SUF i32
#define E_T int32_t
#define E_ST(v) ((int32_t)(v))
#include "kernels/ref/ew_tmpl.h"
#undef E_SUF
#undef E_T
#undef E_ST

#define E_SUF i64
#define E_T int64_t
#define E_ST(v) ((int64_t)(v))
#include "kernels/ref/ew_tmpl.h"
#undef E_SUF
#undef E_T
#undef E_ST

#define E_SUF b8
#define E_T uint8_t
#define E_ST(v) ((uint8_t)((v) != 0))
#include "kernels/ref/ew_tmpl.h"
#undef E_SUF
#undef E_T
#undef E_ST

#undef E_CT
#undef E_LD
#undef E_PICK
#undef E_FN

#define E_PICK PICK_FLOAT

#define E_CT float
#define E_FN(name) name##_f
#define E_SUF f32
#define E_T float
#define E_LD(x) (x)
#define E_ST(v) (v)
#include "kernels/ref/ew_tmpl.h"
#undef E_SUF
#undef E_T
#undef E_LD
#undef E_ST

#define E_SUF f16
#define E_T uint16_t
#define E_LD(x) ts_half_to_float(x)
#define E_ST(v) ts_float_to_half(v)
#include "kernels/ref/ew_tmpl.h"
#undef E_SUF
#undef E_T
#undef E_LD
#undef E_ST

#define E_SUF bf16
#define E_T uint16_t
#define E_LD(x) ts_bf16_to_float(x)
#define E_ST(v) ts_float_to_bf16(v)
#include "kernels/ref/ew_tmpl.h"
#undef E_SUF
#undef E_T
#undef E_LD
#undef E_ST
#undef E_CT
#undef E_FN

#define E_CT double
#define E_FN(name) name##_d
#define E_SUF f64
#define E_T double
#define E_LD(x) (x)
#define E_ST(v) (v)
#include "kernels/ref/ew_tmpl.h"
#undef E_SUF
#undef E_T
#undef E_LD
#undef E_ST
#undef E_CT
#undef E_FN
#undef E_PICK

static const IterLoop *const g_bin_tables[DT_CODE_MAX] = {
    [DT_UINT8] = bin_table_u8,   [DT_INT8] = bin_table_i8,       [DT_INT16] = bin_table_i16,
    [DT_INT32] = bin_table_i32,  [DT_INT64] = bin_table_i64,     [DT_BOOL] = bin_table_b8,
    [DT_FLOAT32] = bin_table_f32, [DT_FLOAT16] = bin_table_f16,  [DT_BFLOAT16] = bin_table_bf16,
    [DT_FLOAT64] = bin_table_f64,
};

static const IterLoop *const g_un_tables[DT_CODE_MAX] = {
    [DT_UINT8] = un_table_u8,   [DT_INT8] = un_table_i8,       [DT_INT16] = un_table_i16,
    [DT_INT32] = un_table_i32,  [DT_INT64] = un_table_i64,     [DT_BOOL] = un_table_b8,
    [DT_FLOAT32] = un_table_f32, [DT_FLOAT16] = un_table_f16,  [DT_BFLOAT16] = un_table_bf16,
    [DT_FLOAT64] = un_table_f64,
};

static int iop_of(BinaryOp op, KScalar alpha, bool floating) {
    bool one = floating ? alpha.f == 1 : alpha.i == 1;
    switch (op) {
    case BINARY_ADD: return one ? IOP_ADD1 : IOP_ADD;
    case BINARY_SUB: return one ? IOP_SUB1 : IOP_SUB;
    case BINARY_MUL: return IOP_MUL;
    case BINARY_DIV: return IOP_DIV;
    case BINARY_DIV_TRUNC: return IOP_DIV_TRUNC;
    case BINARY_DIV_FLOOR: return IOP_DIV_FLOOR;
    case BINARY_REM: return IOP_REM;
    case BINARY_POW: return IOP_POW;
    case BINARY_MAXIMUM: return IOP_MAXIMUM;
    case BINARY_MINIMUM: return IOP_MINIMUM;
    case BINARY_EQ: return IOP_EQ;
    case BINARY_NE: return IOP_NE;
    case BINARY_LT: return IOP_LT;
    case BINARY_LE: return IOP_LE;
    case BINARY_GT: return IOP_GT;
    case BINARY_GE: return IOP_GE;
    case BINARY_AND: return IOP_AND;
    case BINARY_OR: return IOP_OR;
    case BINARY_COUNT: break;
    }
    return IOP_ADD1;
}

void kref_binary(BinaryOp op, Tensor *out, const Tensor *a, const Tensor *b, KScalar alpha) {
    StridedIter it;
    const int64_t *strides[3] = {out->strides, a->strides, b->strides};
    size_t es[3] = {dtype_size(out->dtype), dtype_size(a->dtype), dtype_size(b->dtype)};
    iter_init(&it, 3, out->ndim, out->sizes, strides, es);
    char *base[3] = {tensor_data(out), tensor_data(a), tensor_data(b)};
    BinArg arg = {alpha};
    IterLoop fn = g_bin_tables[a->dtype][iop_of(op, alpha, dtype_is_float(a->dtype))];
    iter_run(&it, base, fn, &arg);
}

void kref_unary(UnaryOp op, Tensor *out, const Tensor *a, double p1, double p2) {
    StridedIter it;
    const int64_t *strides[2] = {out->strides, a->strides};
    size_t es[2] = {dtype_size(out->dtype), dtype_size(a->dtype)};
    iter_init(&it, 2, out->ndim, out->sizes, strides, es);
    char *base[2] = {tensor_data(out), tensor_data(a)};
    UnArg arg = {p1, p2};
    iter_run(&it, base, g_un_tables[a->dtype][op], &arg);
}

/* ---- fill / where ---- */

typedef struct FillArg {
    unsigned char bytes[8];
    size_t esize;
} FillArg;

static void fill_loop(void *arg_, int64_t n, char **p, const int64_t *s) {
    const FillArg *f = arg_;
    for (int64_t i = 0; i < n; i++) memcpy(p[0] + i * s[0], f->bytes, f->esize);
}

void kref_fill(Tensor *out, KScalar v) {
    FillArg f;
    f.esize = dtype_size(out->dtype);
    if (dtype_is_float(out->dtype)) dtype_store_f64(out->dtype, f.bytes, v.f);
    else dtype_store_i64(out->dtype, f.bytes, v.i);
    StridedIter it;
    const int64_t *strides[1] = {out->strides};
    iter_init(&it, 1, out->ndim, out->sizes, strides, &f.esize);
    char *base[1] = {tensor_data(out)};
    iter_run(&it, base, fill_loop, &f);
}

static void where_loop(void *arg_, int64_t n, char **p, const int64_t *s) {
    size_t es = *(const size_t *)arg_;
    for (int64_t i = 0; i < n; i++) {
        const char *src = *(const uint8_t *)(p[1] + i * s[1]) ? p[2] + i * s[2] : p[3] + i * s[3];
        memcpy(p[0] + i * s[0], src, es);
    }
}

void kref_where(Tensor *out, const Tensor *cond, const Tensor *a, const Tensor *b) {
    StridedIter it;
    const int64_t *strides[4] = {out->strides, cond->strides, a->strides, b->strides};
    size_t es = dtype_size(out->dtype);
    size_t ess[4] = {es, 1, es, es};
    iter_init(&it, 4, out->ndim, out->sizes, strides, ess);
    char *base[4] = {tensor_data(out), tensor_data(cond), tensor_data(a), tensor_data(b)};
    iter_run(&it, base, where_loop, &es);
}
