/*
 * tensor_random.c - the random ops (torch.manual_seed, randn, rand, randint,
 * randperm, normal, bernoulli and the in-place uniform_ / normal_ /
 * random_ / bernoulli_) on the generator of the running context, and the
 * in-place fills torch.nn.init needs besides them (fill_, zero_, erfinv_,
 * eye), and copy_ (assignment into a tensor's view).
 *
 * Where it sits: ops/ validates and allocates; the draws are
 * tensor/random.c, which reproduces PyTorch 1.13's CPU kernels. Each op
 * takes the same path PyTorch's takes (creation ops are an empty tensor
 * filled in place: randn is empty().normal_(), rand is uniform_(0, 1),
 * randint is random_(low, high), *_like keep the input's strides when it is
 * dense, as empty_like's preserve_format does, bernoulli's output is
 * contiguous), so a program draws the same
 * numbers in the same order as in PyTorch. The generator is the context's
 * (ctx_generator): a Generator argument other than None is refused, since
 * TorchScript cannot make one.
 *
 * Invariants: every check runs before the first draw, so a failing op
 * leaves the generator as it was.
 */
#include <inttypes.h>
#include <math.h>

#include "ops/tensor_ops.h"
#include "ops/init.h"
#include "tensor/random.h"

/* ---- arguments ---- */

static ts_status no_generator(Ctx *ctx, const char *op, const IValue *in, int nin, int i) {
    if (i < nin && in[i].kind != IV_NONE)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                       "%s: an explicit generator is not supported; seed the default one with torch.manual_seed", op);
    return TS_OK;
}

static ts_status opt_dtype(Ctx *ctx, const char *op, const IValue *in, int nin, int i, DType def, DType *out) {
    *out = def;
    if (i < nin && in[i].kind != IV_NONE) return op_dtype(ctx, op, in[i], out);
    return TS_OK;
}

static ts_status cpu_device(Ctx *ctx, const char *op, const IValue *in, int nin, int i) {
    if (i < nin && in[i].kind == IV_DEVICE && in[i].u.dev.type != DEVICE_CPU && in[i].u.dev.type != DEVICE_CUDA)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: only the cpu device is supported (and cuda, mapped to the cpu)",
                       op);
    return TS_OK;
}

static ts_status sizes_arg(Ctx *ctx, const char *op, IValue v, int64_t *sizes, int *n) {
    TS_TRY(op_int_list(ctx, op, v, sizes, n));
    for (int i = 0; i < *n; i++)
        if (sizes[i] < 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: trying to create tensor with negative dimension %" PRId64, op,
                           sizes[i]);
    return TS_OK;
}

/* PyTorch's name of a dtype in "not implemented for 'Long'" messages. */
static const char *scalar_name(DType dt) { return dtype_storage_name(dt); }

static ts_status need_float(Ctx *ctx, const char *op, const char *kernel, const Tensor *t) {
    if (!dtype_is_float(t->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: \"%s\" not implemented for '%s'", op, kernel, scalar_name(t->dtype));
    return TS_OK;
}

/* at::assert_no_internal_overlap: a written tensor must not map two
 * elements to one place (the certain case: a stride-0 dimension). */
static ts_status writable(Ctx *ctx, const char *op, const Tensor *t) {
    for (int d = 0; d < t->ndim; d++)
        if (t->strides[d] == 0 && t->sizes[d] > 1)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s: unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.",
                           op);
    return TS_OK;
}

static Generator *generator(Ctx *ctx) { return ctx_generator(ctx); }

/* ---- new tensors ---- */

/* Are t's elements a permutation of a contiguous block (c10's
 * is_non_overlapping_and_dense)? */
static bool dense(const Tensor *t) {
    int dims[TS_MAX_DIMS], n = 0;
    for (int d = 0; d < t->ndim; d++)
        if (t->sizes[d] != 1) dims[n++] = d;
    for (int i = 1; i < n; i++) /* sort by stride, ascending */
        for (int j = i; j > 0 && t->strides[dims[j - 1]] > t->strides[dims[j]]; j--) {
            int tmp = dims[j];
            dims[j] = dims[j - 1];
            dims[j - 1] = tmp;
        }
    int64_t expect = 1;
    for (int i = 0; i < n; i++) {
        if (t->strides[dims[i]] != expect) return false;
        expect *= t->sizes[dims[i]];
    }
    return true;
}

/* empty_like(t, dtype) with preserve_format: t's strides when t is dense,
 * contiguous otherwise. Contents undefined. */
static Tensor *empty_like(Ctx *ctx, const Tensor *t, DType dt) {
    if (tensor_is_contiguous(t) || !dense(t)) return tensor_new_uninit(ctx, dt, t->sizes, t->ndim);
    int64_t n = tensor_numel(t);
    size_t nbytes;
    if (!ts_mul_ok((size_t)n, dtype_size(dt), &nbytes)) {
        ts_fail(ctx, TS_ERR_VALUE, NULL, "tensor too large");
        return NULL;
    }
    Storage *st = storage_new_uninit(nbytes);
    if (!st) {
        ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory for a tensor of %zu bytes", nbytes);
        return NULL;
    }
    Tensor *r = tensor_view(ctx, st, dt, 0, t->sizes, t->strides, t->ndim);
    storage_release(st);
    return r;
}

/* ---- torch.manual_seed ---- */

/* manual_seed(int seed) -> (): PyTorch takes the int as a uint64 (a
 * negative seed wraps). */
OPFN(top_manual_seed) { return ctx_manual_seed(ctx, (uint64_t)op_int(in[0])); }

/* ---- uniform ---- */

static ts_status check_uniform(Ctx *ctx, const char *op, const Tensor *t, double from, double to) {
    TS_TRY(need_float(ctx, op, "check_uniform_bounds", t));
    double max = t->dtype == DT_FLOAT64 ? 1.7976931348623157e308 : t->dtype == DT_FLOAT32 ? 3.4028234663852886e38
                 : t->dtype == DT_FLOAT16 ? 65504.0 : 3.3895313892515355e38;
    if (!(from >= -max && from <= max)) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: from is out of bounds for %s", op, dtype_name(t->dtype));
    if (!(to >= -max && to <= max)) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: to is out of bounds for %s", op, dtype_name(t->dtype));
    if (!(from <= to))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: uniform_ expects to return a [from, to) range, but found from=%g > to=%g",
                       op, from, to);
    if (!(to - from <= max))
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "%s: uniform_ expects to-from <= std::numeric_limits<%s>::max(), but found to=%g and from=%g which "
                       "result in to-from to exceed the limit",
                       op, scalar_name(t->dtype), to, from);
    return writable(ctx, op, t);
}

static ts_status uniform_into(Ctx *ctx, const char *op, Tensor *t, double from, double to) {
    TS_TRY(check_uniform(ctx, op, t, from, to));
    Generator *g = generator(ctx);
    if (!g) return ctx->status;
    random_uniform_(g, t, from, to);
    return TS_OK;
}

/* uniform_(self, from=0., to=1., *, generator=None) */
OPFN(top_uniform_) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "uniform_", in, nin, 0, &t));
    TS_TRY(no_generator(ctx, "uniform_", in, nin, 3));
    TS_TRY(uniform_into(ctx, "uniform_", t, iv_scalar_f64(in[1]), iv_scalar_f64(in[2])));
    return op_return(out, tensor_retain(t));
}

/* uniform(self, from, to): a copy of self's shape filled as uniform_ fills it. */
OPFN(top_uniform) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "uniform", in, nin, 0, &t));
    TS_TRY(no_generator(ctx, "uniform", in, nin, 3));
    TS_TRY(check_uniform(ctx, "uniform", t, iv_scalar_f64(in[1]), iv_scalar_f64(in[2])));
    Tensor *r = empty_like(ctx, t, t->dtype);
    if (!r) return ctx->status;
    ts_status st = uniform_into(ctx, "uniform", r, iv_scalar_f64(in[1]), iv_scalar_f64(in[2]));
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

/* ---- normal ---- */

static ts_status check_std(Ctx *ctx, const char *op, double std) {
    if (!(std >= 0.0)) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: normal expects std >= 0.0, but found std %g", op, std);
    return TS_OK;
}

static ts_status normal_into(Ctx *ctx, const char *op, Tensor *t, double mean, double std) {
    TS_TRY(check_std(ctx, op, std));
    TS_TRY(need_float(ctx, op, "normal_kernel_cpu", t));
    TS_TRY(writable(ctx, op, t));
    Generator *g = generator(ctx);
    if (!g) return ctx->status;
    random_normal_(g, t, mean, std);
    return TS_OK;
}

/* normal_(self, mean=0., std=1., *, generator=None) */
OPFN(top_normal_) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "normal_", in, nin, 0, &t));
    TS_TRY(no_generator(ctx, "normal_", in, nin, 3));
    TS_TRY(normal_into(ctx, "normal_", t, iv_scalar_f64(in[1]), iv_scalar_f64(in[2])));
    return op_return(out, tensor_retain(t));
}

/* The std tensor of normal(float, Tensor) / normal(Tensor, Tensor) must be >= 0. */
static ts_status check_std_tensor(Ctx *ctx, const char *op, const Tensor *s) {
    int64_t n = tensor_numel(s);
    for (int64_t i = 0; i < n; i++)
        if (!(tensor_get_f64(s, i) >= 0.0))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: normal expects all elements of std >= 0.0", op);
    return TS_OK;
}

/* r (owned) <op>= operand, in place; r released on failure. */
static ts_status inplace(Ctx *ctx, const char *op, BinaryOp bop, Tensor *r, Operand b) {
    Tensor *res = NULL;
    ts_status st = op_binary(ctx, op, bop, (Operand){r, iv_none()}, b, kscalar_i(1), -1, r, &res);
    if (st == TS_OK) tensor_release(res);
    return st;
}

/* normal.Tensor_float(mean, std=1.): empty_like(mean).normal_(0, std).add_(mean) */
OPFN(top_normal_Tensor_float) {
    Tensor *mean;
    TS_TRY(op_tensor(ctx, "normal", in, nin, 0, &mean));
    TS_TRY(no_generator(ctx, "normal", in, nin, 2));
    double std = iv_scalar_f64(in[1]);
    TS_TRY(check_std(ctx, "normal", std));
    TS_TRY(need_float(ctx, "normal", "normal_kernel_cpu", mean));
    Tensor *r = tensor_new_uninit(ctx, mean->dtype, mean->sizes, mean->ndim);
    if (!r) return ctx->status;
    ts_status st = normal_into(ctx, "normal", r, 0.0, std);
    if (st == TS_OK) st = inplace(ctx, "normal", BINARY_ADD, r, (Operand){mean, iv_none()});
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

/* normal.float_Tensor(mean, std): empty_like(std).normal_(0, 1).mul_(std).add_(mean) */
OPFN(top_normal_float_Tensor) {
    Tensor *std;
    TS_TRY(op_tensor(ctx, "normal", in, nin, 1, &std));
    TS_TRY(no_generator(ctx, "normal", in, nin, 2));
    TS_TRY(need_float(ctx, "normal", "normal_kernel_cpu", std));
    TS_TRY(check_std_tensor(ctx, "normal", std));
    Tensor *r = tensor_new_uninit(ctx, std->dtype, std->sizes, std->ndim);
    if (!r) return ctx->status;
    ts_status st = normal_into(ctx, "normal", r, 0.0, 1.0);
    if (st == TS_OK) st = inplace(ctx, "normal", BINARY_MUL, r, (Operand){std, iv_none()});
    if (st == TS_OK) st = inplace(ctx, "normal", BINARY_ADD, r, (Operand){NULL, iv_double(iv_scalar_f64(in[0]))});
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

/* normal.Tensor_Tensor(mean, std): empty(broadcast shape, mean's dtype)
 * .normal_(0, 1).mul_(std).add_(mean) */
OPFN(top_normal_Tensor_Tensor) {
    Tensor *mean, *std;
    TS_TRY(op_tensor(ctx, "normal", in, nin, 0, &mean));
    TS_TRY(op_tensor(ctx, "normal", in, nin, 1, &std));
    TS_TRY(no_generator(ctx, "normal", in, nin, 2));
    TS_TRY(check_std_tensor(ctx, "normal", std));
    int64_t sizes[TS_MAX_DIMS];
    int n;
    TS_TRY(tensor_broadcast_shapes(ctx, "normal", mean->sizes, mean->ndim, std->sizes, std->ndim, sizes, &n));
    TS_TRY(need_float(ctx, "normal", "normal_kernel_cpu", mean));
    Tensor *r = tensor_new_uninit(ctx, mean->dtype, sizes, n);
    if (!r) return ctx->status;
    ts_status st = normal_into(ctx, "normal", r, 0.0, 1.0);
    if (st == TS_OK) st = inplace(ctx, "normal", BINARY_MUL, r, (Operand){std, iv_none()});
    if (st == TS_OK) st = inplace(ctx, "normal", BINARY_ADD, r, (Operand){mean, iv_none()});
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

/* A new tensor of sizes in[size_i] and dtype in[dtype_i] (default def) filled
 * by fill(kind): 'n' normal_(a, b), 'u' uniform_(a, b). */
static ts_status created(Ctx *ctx, const char *op, IValue *in, int nin, int size_i, int dtype_i, DType def, char kind,
                         double a, double b, IValue *out) {
    int64_t sizes[TS_MAX_DIMS];
    int n;
    DType dt;
    TS_TRY(sizes_arg(ctx, op, in[size_i], sizes, &n));
    TS_TRY(opt_dtype(ctx, op, in, nin, dtype_i, def, &dt));
    TS_TRY(cpu_device(ctx, op, in, nin, dtype_i + 2));
    Tensor *r = tensor_new_uninit(ctx, dt, sizes, n);
    if (!r) return ctx->status;
    ts_status st = kind == 'n' ? normal_into(ctx, op, r, a, b) : uniform_into(ctx, op, r, a, b);
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

/* normal.float_float(mean, std, size, *, generator, dtype, layout, device, pin_memory) */
OPFN(top_normal_float_float) {
    TS_TRY(no_generator(ctx, "normal", in, nin, 3));
    return created(ctx, "normal", in, nin, 2, 4, DT_FLOAT32, 'n', iv_scalar_f64(in[0]), iv_scalar_f64(in[1]), out);
}

/* randn(size, *, dtype, layout, device, pin_memory) */
OPFN(top_randn) { return created(ctx, "randn", in, nin, 0, 1, DT_FLOAT32, 'n', 0.0, 1.0, out); }
/* randn.generator(size, *, generator, dtype, layout, device, pin_memory) */
OPFN(top_randn_generator) {
    TS_TRY(no_generator(ctx, "randn", in, nin, 1));
    return created(ctx, "randn", in, nin, 0, 2, DT_FLOAT32, 'n', 0.0, 1.0, out);
}
OPFN(top_rand) { return created(ctx, "rand", in, nin, 0, 1, DT_FLOAT32, 'u', 0.0, 1.0, out); }
OPFN(top_rand_generator) {
    TS_TRY(no_generator(ctx, "rand", in, nin, 1));
    return created(ctx, "rand", in, nin, 0, 2, DT_FLOAT32, 'u', 0.0, 1.0, out);
}

/* randn_like / rand_like(self, *, dtype, layout, device, pin_memory, memory_format) */
static ts_status like(Ctx *ctx, const char *op, IValue *in, int nin, char kind, IValue *out) {
    Tensor *t;
    DType dt;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t));
    TS_TRY(opt_dtype(ctx, op, in, nin, 1, t->dtype, &dt));
    TS_TRY(cpu_device(ctx, op, in, nin, 3));
    Tensor *r = empty_like(ctx, t, dt);
    if (!r) return ctx->status;
    ts_status st = kind == 'n' ? normal_into(ctx, op, r, 0.0, 1.0) : uniform_into(ctx, op, r, 0.0, 1.0);
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

OPFN(top_randn_like) { return like(ctx, "randn_like", in, nin, 'n', out); }
OPFN(top_rand_like) { return like(ctx, "rand_like", in, nin, 'u', out); }

/* ---- random_ / randint (random_from_to_impl) ---- */

/* Round v to dtype dt and back to int64 as PyTorch's static_casts do on x86
 * (a value outside int64 gives INT64_MIN). */
static int64_t through_dtype(DType dt, int64_t v) {
    double d;
    switch (dt) {
    case DT_FLOAT64: d = (double)v; break;
    case DT_FLOAT32: d = (float)v; break;
    case DT_FLOAT16: d = ts_half_to_float(ts_float_to_half((float)v)); break;
    default: d = ts_bf16_to_float(ts_float_to_bf16((float)v)); break;
    }
    return d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? (int64_t)d : INT64_MIN;
}

static int float_digits(DType dt) {
    return dt == DT_FLOAT64 ? 53 : dt == DT_FLOAT32 ? 24 : dt == DT_FLOAT16 ? 11 : 8;
}

static uint64_t abs_u64(int64_t v) { return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v; }

static int floor_log2(uint64_t v) {
    int n = 0;
    while (v >>= 1) n++;
    return n;
}

/* update_from / update_to: move a bound inwards to the nearest value that
 * stays inside [from, to) after rounding to the dtype. */
static int64_t update_from(DType dt, int64_t from) {
    int64_t fp1 = through_dtype(dt, from + 1);
    if (fp1 < from) {
        int n = floor_log2(abs_u64(from + 1));
        from = fp1 + (INT64_C(1) << (n - float_digits(dt) + 1));
    }
    return from;
}

static int64_t update_to(DType dt, int64_t to) {
    int64_t tm1 = through_dtype(dt, to - 1);
    if (tm1 >= to) {
        int n = floor_log2(abs_u64(to - 1));
        to = tm1 - (INT64_C(1) << (n - float_digits(dt) + 1));
    }
    return to;
}

static void int_limits(DType dt, int64_t *lo, int64_t *hi) {
    switch (dt) {
    case DT_BOOL: *lo = 0, *hi = 1; break;
    case DT_UINT8: *lo = 0, *hi = 255; break;
    case DT_INT8: *lo = -128, *hi = 127; break;
    case DT_INT16: *lo = -32768, *hi = 32767; break;
    case DT_INT32: *lo = INT32_MIN, *hi = INT32_MAX; break;
    default: *lo = INT64_MIN, *hi = INT64_MAX; break;
    }
}

static double float_max(DType dt) {
    return dt == DT_FLOAT64 ? 1.7976931348623157e308 : dt == DT_FLOAT32 ? 3.4028234663852886e38
           : dt == DT_FLOAT16 ? 65504.0 : 3.3895313892515355e38;
}

/* check_from_to_in_range: from and to - 1 representable in the dtype. */
static ts_status check_in_range(Ctx *ctx, const char *op, DType dt, int64_t from, int64_t to_inc) {
    bool from_ok, to_ok;
    if (dtype_is_float(dt)) {
        double m = float_max(dt);
        from_ok = (double)from >= -m && (double)from <= m;
        to_ok = (double)to_inc >= -m && (double)to_inc <= m;
    } else {
        int64_t lo, hi;
        int_limits(dt, &lo, &hi);
        from_ok = from >= lo && from <= hi;
        to_ok = to_inc >= lo && to_inc <= hi;
    }
    if (!from_ok) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: from is out of bounds for %s", op, dtype_name(dt));
    if (!to_ok) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: to - 1 is out of bounds for %s", op, dtype_name(dt));
    return TS_OK;
}

/* random_(self, from, to?) with PyTorch's checks; has_to false: to=None. */
static ts_status random_range(Ctx *ctx, const char *op, Tensor *t, int64_t from, bool has_to, int64_t to) {
    DType dt = t->dtype;
    TS_TRY(writable(ctx, op, t));
    uint64_t range;
    if (has_to) {
        if (!(from < to))
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s: random_ expects 'from' to be less than 'to', but got from=%" PRId64 " >= to=%" PRId64, op,
                           from, to);
        if (dtype_is_float(dt)) {
            from = update_from(dt, from);
            to = update_to(dt, to);
            if (!(from < to))
                return ts_fail(ctx, TS_ERR_VALUE, NULL,
                               "%s: random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got "
                               "from=%" PRId64 " >= to=%" PRId64,
                               op, from, to);
        }
        TS_TRY(check_in_range(ctx, op, dt, from, to - 1));
        range = (uint64_t)to - (uint64_t)from;
    } else if (from != INT64_MIN) {
        int64_t to_inc;
        if (dtype_is_float(dt)) {
            to_inc = INT64_C(1) << float_digits(dt);
            from = update_from(dt, from);
            if (!(from < to_inc))
                return ts_fail(ctx, TS_ERR_VALUE, NULL,
                               "%s: random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted "
                               "to dtype, but got from=%" PRId64 " > to_inc=%" PRId64,
                               op, from, to_inc);
        } else {
            int64_t lo;
            int_limits(dt, &lo, &to_inc);
        }
        TS_TRY(check_in_range(ctx, op, dt, from, to_inc));
        range = (uint64_t)to_inc - (uint64_t)from + 1; /* 0 (2^64) cannot happen: from > INT64_MIN */
    } else {
        if (!(dt == DT_INT64 || dt == DT_FLOAT64 || dt == DT_FLOAT32 || dt == DT_BFLOAT16))
            return ts_fail(ctx, TS_ERR_TYPE, NULL,
                           "%s: random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16", op);
        range = 0;
    }
    if (tensor_numel(t) == 0) return TS_OK;
    Generator *g = generator(ctx);
    if (!g) return ctx->status;
    random_from_to_(g, t, range, from);
    return TS_OK;
}

/* random_.from(self, from, to?, *, generator) */
OPFN(top_random__from) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "random_", in, nin, 0, &t));
    TS_TRY(no_generator(ctx, "random_", in, nin, 3));
    bool has_to = in[2].kind != IV_NONE;
    TS_TRY(random_range(ctx, "random_", t, op_int(in[1]), has_to, has_to ? op_int(in[2]) : 0));
    return op_return(out, tensor_retain(t));
}

/* random_.to(self, to, *, generator): [0, to) */
OPFN(top_random__to) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "random_", in, nin, 0, &t));
    TS_TRY(no_generator(ctx, "random_", in, nin, 2));
    TS_TRY(random_range(ctx, "random_", t, 0, true, op_int(in[1])));
    return op_return(out, tensor_retain(t));
}

/* random_(self, *, generator) */
OPFN(top_random_) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "random_", in, nin, 0, &t));
    TS_TRY(no_generator(ctx, "random_", in, nin, 1));
    TS_TRY(writable(ctx, "random_", t));
    if (tensor_numel(t)) {
        Generator *g = generator(ctx);
        if (!g) return ctx->status;
        random_default_(g, t);
    }
    return op_return(out, tensor_retain(t));
}

/* randint(size, low, high) into a new tensor of dtype dt (default int64). */
static ts_status randint_new(Ctx *ctx, IValue *in, int nin, int64_t low, int64_t high, int size_i, int dtype_i,
                             IValue *out) {
    int64_t sizes[TS_MAX_DIMS];
    int n;
    DType dt;
    TS_TRY(sizes_arg(ctx, "randint", in[size_i], sizes, &n));
    TS_TRY(opt_dtype(ctx, "randint", in, nin, dtype_i, DT_INT64, &dt));
    TS_TRY(cpu_device(ctx, "randint", in, nin, dtype_i + 2));
    Tensor *r = tensor_new_uninit(ctx, dt, sizes, n);
    if (!r) return ctx->status;
    ts_status st = random_range(ctx, "randint", r, low, true, high);
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

/* randint(high, size, *, dtype=4, layout, device, pin_memory) */
OPFN(top_randint) { return randint_new(ctx, in, nin, 0, op_int(in[0]), 1, 2, out); }
OPFN(top_randint_generator) {
    TS_TRY(no_generator(ctx, "randint", in, nin, 2));
    return randint_new(ctx, in, nin, 0, op_int(in[0]), 1, 3, out);
}
/* randint.low(low, high, size, *, dtype=4, ...) */
OPFN(top_randint_low) { return randint_new(ctx, in, nin, op_int(in[0]), op_int(in[1]), 2, 3, out); }
OPFN(top_randint_low_generator) {
    TS_TRY(no_generator(ctx, "randint", in, nin, 3));
    return randint_new(ctx, in, nin, op_int(in[0]), op_int(in[1]), 2, 4, out);
}

static ts_status randint_like(Ctx *ctx, IValue *in, int nin, int64_t low, int64_t high, int dtype_i, IValue *out) {
    Tensor *t;
    DType dt;
    TS_TRY(op_tensor(ctx, "randint_like", in, nin, 0, &t));
    TS_TRY(opt_dtype(ctx, "randint_like", in, nin, dtype_i, t->dtype, &dt));
    TS_TRY(cpu_device(ctx, "randint_like", in, nin, dtype_i + 2));
    Tensor *r = empty_like(ctx, t, dt);
    if (!r) return ctx->status;
    ts_status st = random_range(ctx, "randint_like", r, low, true, high);
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

/* randint_like(self, high, *, dtype, layout, device, pin_memory, memory_format) */
OPFN(top_randint_like) { return randint_like(ctx, in, nin, 0, op_int(in[1]), 2, out); }
/* randint_like.low_dtype(self, low, high, *, dtype, ...) */
OPFN(top_randint_like_low_dtype) { return randint_like(ctx, in, nin, op_int(in[1]), op_int(in[2]), 3, out); }

/* ---- randperm ---- */

static ts_status randperm_new(Ctx *ctx, IValue *in, int nin, int dtype_i, IValue *out) {
    int64_t n = op_int(in[0]);
    DType dt;
    TS_TRY(opt_dtype(ctx, "randperm", in, nin, dtype_i, DT_INT64, &dt));
    TS_TRY(cpu_device(ctx, "randperm", in, nin, dtype_i + 2));
    if (n < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "randperm: n must be non-negative, got%" PRId64, n);
    if (dt == DT_BOOL) return ts_fail(ctx, TS_ERR_TYPE, NULL, "randperm: \"randperm\" not implemented for 'Bool'");
    bool fits;
    if (dtype_is_float(dt)) {
        fits = n <= (INT64_C(1) << float_digits(dt));
    } else {
        int64_t lo, hi;
        int_limits(dt, &lo, &hi);
        fits = n - 1 <= hi;
    }
    if (!fits) return ts_fail(ctx, TS_ERR_VALUE, NULL, "randperm: n is too large for result tensor type: '%s'", dtype_name(dt));
    Tensor *r = tensor_new_uninit(ctx, dt, &n, 1);
    if (!r) return ctx->status;
    Generator *g = generator(ctx);
    if (!g) {
        tensor_release(r);
        return ctx->status;
    }
    random_perm(g, r);
    return op_return(out, r);
}

/* randperm(n, *, dtype=4, layout, device, pin_memory) */
OPFN(top_randperm) { return randperm_new(ctx, in, nin, 1, out); }
OPFN(top_randperm_generator) {
    TS_TRY(no_generator(ctx, "randperm", in, nin, 1));
    return randperm_new(ctx, in, nin, 2, out);
}

/* ---- bernoulli ---- */

static ts_status bernoulli_p_into(Ctx *ctx, const char *op, Tensor *t, double p) {
    if (!(p >= 0 && p <= 1))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: bernoulli_ expects p to be in [0, 1], but got p=%g", op, p);
    TS_TRY(writable(ctx, op, t));
    Generator *g = generator(ctx);
    if (!g) return ctx->status;
    random_bernoulli_scalar_(g, t, p);
    return TS_OK;
}

/* bernoulli_.float(self, p=0.5, *, generator) (PyTorch built without MKL;
 * with MKL, PyTorch draws these from MKL's own stream) */
OPFN(top_bernoulli__float) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "bernoulli_", in, nin, 0, &t));
    TS_TRY(no_generator(ctx, "bernoulli_", in, nin, 2));
    TS_TRY(bernoulli_p_into(ctx, "bernoulli_", t, iv_scalar_f64(in[1])));
    return op_return(out, tensor_retain(t));
}

/* bernoulli.p(self, p, *, generator): a contiguous empty_like(self).bernoulli_(p) */
OPFN(top_bernoulli_p) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "bernoulli", in, nin, 0, &t));
    TS_TRY(no_generator(ctx, "bernoulli", in, nin, 2));
    Tensor *r = tensor_new_uninit(ctx, t->dtype, t->sizes, t->ndim); /* LEGACY_CONTIGUOUS_MEMORY_FORMAT */
    if (!r) return ctx->status;
    ts_status st = bernoulli_p_into(ctx, "bernoulli", r, iv_scalar_f64(in[1]));
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

/* self.bernoulli_(p) for a probability tensor p broadcast to self. */
static ts_status bernoulli_tensor_into(Ctx *ctx, const char *op, Tensor *t, Tensor *p) {
    if (!dtype_is_float(p->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: \"bernoulli_tensor_cpu_p_\" not implemented for '%s'", op,
                       scalar_name(p->dtype));
    TS_TRY(writable(ctx, op, t));
    int64_t n = tensor_numel(p);
    for (int64_t i = 0; i < n; i++) {
        double v = tensor_get_f64(p, i);
        if (!(v >= 0 && v <= 1))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: probability tensor contains %g, outside [0, 1]", op, v);
    }
    Tensor *pe = tensor_expand(ctx, p, t->sizes, t->ndim);
    if (!pe) return ctx->status;
    Generator *g = generator(ctx);
    if (!g) {
        tensor_release(pe);
        return ctx->status;
    }
    random_bernoulli_tensor_(g, t, pe);
    tensor_release(pe);
    return TS_OK;
}

/* bernoulli_.Tensor(self, p, *, generator) */
OPFN(top_bernoulli__Tensor) {
    Tensor *t, *p;
    TS_TRY(op_tensor(ctx, "bernoulli_", in, nin, 0, &t));
    TS_TRY(op_tensor(ctx, "bernoulli_", in, nin, 1, &p));
    TS_TRY(no_generator(ctx, "bernoulli_", in, nin, 2));
    TS_TRY(bernoulli_tensor_into(ctx, "bernoulli_", t, p));
    return op_return(out, tensor_retain(t));
}

/* bernoulli(self, *, generator): 0/1 samples with probabilities self, of
 * self's dtype: a contiguous empty_like(self).bernoulli_(self) */
OPFN(top_bernoulli) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "bernoulli", in, nin, 0, &t));
    TS_TRY(no_generator(ctx, "bernoulli", in, nin, 1));
    Tensor *r = tensor_new_uninit(ctx, t->dtype, t->sizes, t->ndim); /* LEGACY_CONTIGUOUS_MEMORY_FORMAT */
    if (!r) return ctx->status;
    ts_status st = bernoulli_tensor_into(ctx, "bernoulli", r, t);
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

/* ---- fills that torch.nn.init uses ---- */

/* fill_.Scalar(self, value) */
OPFN(top_fill__Scalar) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "fill_", in, nin, 0, &t));
    TS_TRY(writable(ctx, "fill_", t));
    kref_fill(t, op_kscalar(in[1]));
    return op_return(out, tensor_retain(t));
}

/* fill_.Tensor(self, value): value is 0-dim */
OPFN(top_fill__Tensor) {
    Tensor *t, *v;
    TS_TRY(op_tensor(ctx, "fill_", in, nin, 0, &t));
    TS_TRY(op_tensor(ctx, "fill_", in, nin, 1, &v));
    if (v->ndim != 0)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "fill_: fill_ only supports 0-dimension value tensor but got tensor with %d dimensions.", v->ndim);
    TS_TRY(writable(ctx, "fill_", t));
    KScalar k = dtype_is_float(v->dtype) ? kscalar_f(tensor_get_f64(v, 0)) : kscalar_i(tensor_get_i64(v, 0));
    kref_fill(t, k);
    return op_return(out, tensor_retain(t));
}

/* copy_: src broadcast to self's shape, converted to self's dtype. A src
 * that shares self's storage (x[1:] = x[:-1]) is read from a copy first. */
OPFN(top_copy_) {
    Tensor *t, *src;
    TS_TRY(op_tensor(ctx, "copy_", in, nin, 0, &t));
    TS_TRY(op_tensor(ctx, "copy_", in, nin, 1, &src));
    TS_TRY(writable(ctx, "copy_", t));
    int64_t bs[TS_MAX_DIMS];
    int nb;
    TS_TRY(tensor_broadcast_shapes(ctx, "copy_", t->sizes, t->ndim, src->sizes, src->ndim, bs, &nb));
    bool same = nb == t->ndim;
    for (int d = 0; same && d < nb; d++) same = bs[d] == t->sizes[d];
    if (!same) {
        ShapeText a, b;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "copy_: the source of shape %s cannot be broadcast to the destination's %s",
                       op_shape(&a, src), op_shape(&b, t));
    }
    Tensor *from = src->storage == t->storage ? tensor_to_dtype(ctx, src, src->dtype) : tensor_retain(src);
    if (!from) return ctx->status;
    Tensor *e = tensor_expand(ctx, from, t->sizes, t->ndim);
    tensor_release(from);
    if (!e) return ctx->status;
    tensor_copy_into(t, e);
    tensor_release(e);
    return op_return(out, tensor_retain(t));
}

OPFN(top_zero_) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "zero_", in, nin, 0, &t));
    TS_TRY(writable(ctx, "zero_", t));
    kref_fill(t, kscalar_i(0));
    return op_return(out, tensor_retain(t));
}

/* calc_erfinv of ATen's Math.h: a rational first guess refined by two
 * Newton steps, computed in the element type, its Horner steps fused as
 * PyTorch's AVX2 build compiles them (bit for bit with it). */
#define ERFINV_BODY(T, SQRT, LOG, ERF, EXP, COPYSIGN, FABS, FMA)                                                  \
    const T a[4] = {(T)0.886226899, (T)-1.645349621, (T)0.914624893, (T)-0.140543331};                             \
    const T b[4] = {(T)-2.118377725, (T)1.442710462, (T)-0.329097515, (T)0.012229801};                             \
    const T c[4] = {(T)-1.970840454, (T)-1.624906493, (T)3.429567803, (T)1.641345311};                             \
    const T d[2] = {(T)3.543889200, (T)1.637067800};                                                              \
    T ya = FABS(y), x, z, num, dem;                                                                               \
    if (ya > (T)1.0) return (T)NAN;                                                                               \
    if (ya == (T)1.0) return COPYSIGN((T)INFINITY, y);                                                            \
    if (ya <= (T)0.7) {                                                                                           \
        z = y * y;                                                                                                \
        num = FMA(FMA(FMA(a[3], z, a[2]), z, a[1]), z, a[0]);                                                     \
        dem = FMA(FMA(FMA(FMA(b[3], z, b[2]), z, b[1]), z, b[0]), z, (T)1.0);                                     \
        x = y * num / dem;                                                                                        \
    } else {                                                                                                      \
        z = SQRT(-LOG(((T)1.0 - ya) / (T)2.0));                                                                   \
        num = FMA(FMA(FMA(c[3], z, c[2]), z, c[1]), z, c[0]);                                                     \
        dem = FMA(FMA(d[1], z, d[0]), z, (T)1.0);                                                                 \
        x = COPYSIGN(num, y) / dem;                                                                               \
    }                                                                                                             \
    const T k = (T)2.0 / (T)1.7724538509055160273;                                                                \
    x = x - (ERF(x) - y) / (k * EXP(-x * x));                                                                     \
    x = x - (ERF(x) - y) / (k * EXP(-x * x));                                                                     \
    return x;

static float erfinv_f32(float y) { ERFINV_BODY(float, sqrtf, logf, erff, expf, copysignf, fabsf, fmaf) }
static double erfinv_f64(double y) { ERFINV_BODY(double, sqrt, log, erf, exp, copysign, fabs, fma) }

/* r = erfinv(src) elementwise; r and src of one shape, r floating. */
static void erfinv_into(Tensor *r, const Tensor *src) {
    int64_t n = tensor_numel(r);
    for (int64_t i = 0; i < n; i++) {
        void *dst = (char *)r->storage->data + (size_t)tensor_elem_offset(r, i) * dtype_size(r->dtype);
        double y = tensor_get_f64(src, i);
        if (r->dtype == DT_FLOAT64) *(double *)dst = erfinv_f64(y);
        else dtype_store_f64(r->dtype, dst, erfinv_f32((float)y));
    }
}

/* erfinv(self): integer inputs compute in float32, as PyTorch's unary float ops do */
OPFN(top_erfinv) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "erfinv", in, nin, 0, &t));
    DType dt = dtype_is_float(t->dtype) ? t->dtype : DT_FLOAT32;
    Tensor *r = tensor_new_uninit(ctx, dt, t->sizes, t->ndim);
    if (!r) return ctx->status;
    erfinv_into(r, t);
    return op_return(out, r);
}

OPFN(top_erfinv_) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "erfinv_", in, nin, 0, &t));
    if (!dtype_is_float(t->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "erfinv_: result type Float can't be cast to the desired output type %s",
                       scalar_name(t->dtype));
    TS_TRY(writable(ctx, "erfinv_", t));
    erfinv_into(t, t);
    return op_return(out, tensor_retain(t));
}

/* eye(n, m, dtype): ones on the diagonal */
static ts_status eye_new(Ctx *ctx, IValue *in, int nin, int64_t n, int64_t m, int dtype_i, IValue *out) {
    DType dt;
    if (n < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "eye: n must be greater or equal to 0, got %" PRId64, n);
    if (m < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "eye: m must be greater or equal to 0, got %" PRId64, m);
    TS_TRY(opt_dtype(ctx, "eye", in, nin, dtype_i, DT_FLOAT32, &dt));
    TS_TRY(cpu_device(ctx, "eye", in, nin, dtype_i + 2));
    int64_t sizes[2] = {n, m};
    Tensor *r = tensor_empty(ctx, dt, sizes, 2);
    if (!r) return ctx->status;
    size_t es = dtype_size(dt);
    char *d = tensor_data(r);
    for (int64_t i = 0; i < n && i < m; i++) dtype_store_i64(dt, d + (size_t)(i * m + i) * es, 1);
    return op_return(out, r);
}

OPFN(top_eye) { return eye_new(ctx, in, nin, op_int(in[0]), op_int(in[0]), 1, out); }
OPFN(top_eye_m) { return eye_new(ctx, in, nin, op_int(in[0]), op_int(in[1]), 2, out); }

/* eye.out / eye.m_out into an out tensor of shape (n, m) (what
 * torch.nn.init.eye_ passes); tscript does not resize an out tensor. */
static ts_status eye_into(Ctx *ctx, int64_t n, int64_t m, const IValue *in, int nin, int out_i, IValue *out) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "eye", in, nin, out_i, &t));
    if (n < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "eye: n must be greater or equal to 0, got %" PRId64, n);
    if (m < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "eye: m must be greater or equal to 0, got %" PRId64, m);
    if (t->ndim != 2 || t->sizes[0] != n || t->sizes[1] != m) {
        ShapeText st;
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                       "eye: the out tensor has shape %s, not [%" PRId64 ", %" PRId64 "] (resizing an out tensor is "
                       "not supported)",
                       op_shape(&st, t), n, m);
    }
    TS_TRY(writable(ctx, "eye", t));
    kref_fill(t, kscalar_i(0));
    char *base = t->storage->data;
    size_t es = dtype_size(t->dtype);
    for (int64_t i = 0; i < n && i < m; i++)
        dtype_store_i64(t->dtype, base + (size_t)(t->storage_offset + i * t->strides[0] + i * t->strides[1]) * es, 1);
    return op_return(out, tensor_retain(t));
}

OPFN(top_eye_out) { return eye_into(ctx, op_int(in[0]), op_int(in[0]), in, nin, 1, out); }
OPFN(top_eye_m_out) { return eye_into(ctx, op_int(in[0]), op_int(in[1]), in, nin, 2, out); }

/* ---- torch.nn.init for C callers (ops/init.h) ---- */

ts_status init_uniform_(Ctx *ctx, Tensor *t, double a, double b) { return uniform_into(ctx, "uniform_", t, a, b); }

ts_status init_normal_(Ctx *ctx, Tensor *t, double mean, double std) { return normal_into(ctx, "normal_", t, mean, std); }

/* init._calculate_fan_in_and_fan_out's fan_in */
static ts_status fan_in_of(Ctx *ctx, const char *op, const Tensor *w, int64_t *fan_in) {
    if (w->ndim < 2)
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "%s: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions", op);
    int64_t f = w->sizes[1];
    for (int d = 2; d < w->ndim; d++) f *= w->sizes[d];
    *fan_in = f;
    return TS_OK;
}

ts_status init_kaiming_uniform_(Ctx *ctx, Tensor *w, double a) {
    int64_t fan = 0;
    TS_TRY(fan_in_of(ctx, "kaiming_uniform_", w, &fan));
    if (fan == 0) return TS_OK; /* PyTorch warns "Initializing zero-element tensors is a no-op" */
    double gain = sqrt(2.0 / (1 + a * a));
    double std = gain / sqrt((double)fan);
    double bound = sqrt(3.0) * std;
    return uniform_into(ctx, "kaiming_uniform_", w, -bound, bound);
}

ts_status init_linear_reset(Ctx *ctx, Tensor *w, Tensor *bias) {
    TS_TRY(init_kaiming_uniform_(ctx, w, sqrt(5.0)));
    if (!bias) return TS_OK;
    int64_t fan = 0;
    TS_TRY(fan_in_of(ctx, "reset_parameters", w, &fan));
    double bound = fan > 0 ? 1 / sqrt((double)fan) : 0;
    return uniform_into(ctx, "uniform_", bias, -bound, bound);
}
