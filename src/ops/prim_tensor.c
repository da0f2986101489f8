/*
 * prim_tensor.c - TorchScript ops that read a tensor's metadata or turn a
 * one-element tensor into a number and back: dim, size, numel, len, dtype,
 * device (and its type), requires_grad, int(t), float(t), bool(t), the implicit conversions
 * the compiler inserts, and NumToTensor.
 *
 * These only read Tensor fields (tensor.h) and single elements; they never
 * look at storage bytes beyond the element read. Tensors here are always on
 * the CPU and strided; the only nested ones are the padded stand-ins that
 * nn.TransformerEncoder's _nested_tensor_from_mask makes (tensor_mask.c).
 */

#include "ops/prim.h"

PRIM_OP(prim_dim) { out[0] = iv_int(in[0].u.t->ndim); return TS_OK; }
PRIM_OP(prim_numel) { out[0] = iv_int(tensor_numel(in[0].u.t)); return TS_OK; }
PRIM_OP(prim_dtype) { out[0] = iv_int((int64_t)in[0].u.t->dtype); return TS_OK; }
PRIM_OP(prim_device) { out[0] = iv_device((Device){DEVICE_CPU, -1}); return TS_OK; }
/* torch.device("cpu" | "cuda" | "cuda:1" | "meta"), validated as PyTorch does. */
PRIM_OP(prim_device_from_str) {
    const char *s = in[0].u.s->data;
    static const struct { const char *name; int8_t type; } kinds[] = {
        {"cpu", DEVICE_CPU}, {"cuda", DEVICE_CUDA}, {"meta", DEVICE_META},
    };
    for (size_t k = 0; k < TS_ARRAY_LEN(kinds); k++) {
        size_t n = strlen(kinds[k].name);
        if (strncmp(s, kinds[k].name, n) != 0) continue;
        Device d = {kinds[k].type, -1};
        const char *rest = s + n;
        if (*rest == ':') {
            rest++;
            long idx = 0;
            int digits = 0;
            while (*rest >= '0' && *rest <= '9' && idx < 100000) {
                idx = idx * 10 + (*rest++ - '0');
                digits++;
            }
            if (!digits) break;
            d.index = (int16_t)idx;
        }
        if (*rest) break;
        out[0] = iv_device(d);
        return TS_OK;
    }
    return ts_fail(ctx, TS_ERR_VALUE, NULL,
                   "Expected one of cpu, cuda, meta device type at start of device string: %s", s);
}

/* device.type: "cpu", "cuda" or "meta" (what 2.x's attention code checks). */
PRIM_OP(prim_type_device) {
    Device d = in[0].u.dev;
    out[0] = iv_cstr(d.type == DEVICE_CUDA ? "cuda" : d.type == DEVICE_META ? "meta" : "cpu");
    return TS_OK;
}

PRIM_OP(prim_layout) { out[0] = iv_int(0); return TS_OK; } /* torch.strided */
PRIM_OP(prim_requires_grad) { out[0] = iv_bool(in[0].u.t->requires_grad); return TS_OK; }
PRIM_OP(prim_is_cuda) { out[0] = iv_bool(false); return TS_OK; }
/* Only the stand-ins of tensor_mask.c's _nested_tensor_from_mask are nested. */
PRIM_OP(prim_is_nested) { out[0] = iv_bool(in[0].u.t->nested_pad != NULL); return TS_OK; }
PRIM_OP(prim_is_quantized) { out[0] = iv_bool(false); return TS_OK; }
PRIM_OP(prim_is_floating_point) { out[0] = iv_bool(dtype_is_float(in[0].u.t->dtype)); return TS_OK; }
PRIM_OP(prim_is_complex) { out[0] = iv_bool(false); return TS_OK; } /* no complex dtypes yet */

PRIM_OP(prim_size) {
    const Tensor *t = in[0].u.t;
    ListObj *l = list_new(ty_int(), t->ndim);
    for (int i = 0; i < t->ndim; i++) list_push_steal(l, iv_int(t->sizes[i]));
    out[0] = iv_list_steal(l);
    return TS_OK;
}

PRIM_OP(prim_size_int) {
    const Tensor *t = in[0].u.t;
    int64_t d = prim_int(in[1]);
    if (t->ndim == 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "Dimension specified as %lld but tensor has no dimensions", (long long)d);
    int64_t i = prim_index(d, t->ndim);
    if (i < 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "Dimension out of range (expected to be in range of [%d, %d], but got %lld)",
                       -t->ndim, t->ndim - 1, (long long)d);
    out[0] = iv_int(t->sizes[i]);
    return TS_OK;
}

PRIM_OP(prim_len_tensor) {
    const Tensor *t = in[0].u.t;
    if (t->ndim == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "len() of a 0-d tensor");
    out[0] = iv_int(t->sizes[0]);
    return TS_OK;
}

/* ---- tensor -> number ---- */

static ts_status need_one(Ctx *ctx, const Tensor *t) {
    int64_t n = tensor_numel(t);
    if (n != 1)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "a Tensor with %lld elements cannot be converted to Scalar",
                       (long long)n);
    return TS_OK;
}

/* t.item() as an int64 (a float element must be finite and in range). */
static ts_status item_int(Ctx *ctx, const Tensor *t, int64_t *v) {
    TS_TRY(need_one(ctx, t));
    if (!dtype_is_float(t->dtype)) {
        *v = tensor_get_i64(t, 0);
        return TS_OK;
    }
    double d = tensor_get_f64(t, 0);
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "value cannot be converted to type int64_t without overflow");
    *v = (int64_t)d;
    return TS_OK;
}

/* The checks PyTorch applies when a tensor is used where a number is expected. */
static ts_status check_implicit(Ctx *ctx, const Tensor *t, bool to_int) {
    if (t->requires_grad)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "Cannot input a tensor that requires grad as a scalar argument");
    if (t->ndim != 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "Cannot input a tensor of dimension other than 0 as a scalar argument");
    if (to_int && !dtype_is_integral(t->dtype, false))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "Cannot input a tensor of type %s as an integral argument",
                       dtype_storage_name(t->dtype));
    return TS_OK;
}

PRIM_OP(prim_Int_tensor) {
    int64_t v = 0;
    TS_TRY(item_int(ctx, in[0].u.t, &v));
    out[0] = iv_int(v);
    return TS_OK;
}

PRIM_OP(prim_Float_tensor) {
    TS_TRY(need_one(ctx, in[0].u.t));
    out[0] = iv_double(tensor_get_f64(in[0].u.t, 0));
    return TS_OK;
}

PRIM_OP(prim_Bool_tensor) {
    int64_t n = tensor_numel(in[0].u.t);
    if (n == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "Boolean value of Tensor with no values is ambiguous");
    if (n > 1)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "Boolean value of Tensor with more than one value is ambiguous");
    out[0] = iv_bool(tensor_get_f64(in[0].u.t, 0) != 0.0);
    return TS_OK;
}

PRIM_OP(prim_IntImplicit) {
    TS_TRY(check_implicit(ctx, in[0].u.t, true));
    return prim_Int_tensor(ctx, in, nin, out, info);
}

PRIM_OP(prim_FloatImplicit) {
    TS_TRY(check_implicit(ctx, in[0].u.t, false));
    return prim_Float_tensor(ctx, in, nin, out, info);
}

/* t.item() as a Scalar: float for float dtypes, bool for bool, int otherwise. */
PRIM_OP(prim_ScalarImplicit) {
    const Tensor *t = in[0].u.t;
    TS_TRY(check_implicit(ctx, t, false));
    TS_TRY(need_one(ctx, t));
    if (dtype_is_float(t->dtype)) out[0] = iv_double(tensor_get_f64(t, 0));
    else if (t->dtype == DT_BOOL) out[0] = iv_bool(tensor_get_i64(t, 0) != 0);
    else out[0] = iv_int(tensor_get_i64(t, 0));
    return TS_OK;
}

/* ---- number -> tensor ---- */

static ts_status scalar_tensor(Ctx *ctx, IValue v, IValue *out) {
    Tensor *t;
    if (v.kind == IV_DOUBLE) t = tensor_scalar_f64(ctx, DT_FLOAT64, v.u.d);
    else if (v.kind == IV_BOOL) t = tensor_scalar_i64(ctx, DT_BOOL, v.u.b);
    else t = tensor_scalar_i64(ctx, DT_INT64, v.u.i);
    if (!t) return ctx->status != TS_OK ? ctx->status : TS_ERR_NOMEM;
    *out = iv_tensor_steal(t);
    return TS_OK;
}

PRIM_OP(prim_NumToTensor_scalar) { return scalar_tensor(ctx, in[0], out); }
PRIM_OP(prim_NumToTensor_bool) { return scalar_tensor(ctx, iv_bool(in[0].u.b), out); }

/* prim::tolist(self, dim, elem_type): nested lists of Python numbers, typed
 * by the annotation the compiler saw (elem_type 0 int, 1 float, 2 bool). */
static IValue tolist_at(const Tensor *t, int d, int64_t off, int elem, Type **types) {
    if (d == t->ndim) {
        const char *p = (const char *)t->storage->data + (size_t)off * dtype_size(t->dtype);
        if (elem == 1) return iv_double(dtype_load_f64(t->dtype, p));
        int64_t v = dtype_load_i64(t->dtype, p);
        return elem == 2 ? iv_bool(v != 0) : iv_int(v);
    }
    ListObj *l = list_new(types[d + 1], t->sizes[d]);
    for (int64_t i = 0; i < t->sizes[d]; i++)
        list_push_steal(l, tolist_at(t, d + 1, off + i * t->strides[d], elem, types));
    return iv_list_steal(l);
}

PRIM_OP(prim_tolist) {
    const Tensor *t = in[0].u.t;
    int64_t dim = prim_int(in[1]), elem = prim_int(in[2]);
    if (dim != t->ndim)
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "tolist(): the annotation has %lld list levels but the tensor has %d dimensions",
                       (long long)dim, t->ndim);
    bool is_float = dtype_is_float(t->dtype), is_bool = t->dtype == DT_BOOL;
    if ((elem == 1) != is_float || (elem == 2) != is_bool || elem < 0 || elem > 2)
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "tolist(): the annotated element type (%s) does not match the tensor's dtype %s",
                       elem == 0 ? "int" : elem == 1 ? "float" : "bool", dtype_name(t->dtype));
    if (t->ndim == 0) {
        Type *none[1] = {NULL};
        out[0] = tolist_at(t, 0, t->storage_offset, (int)elem, none);
        return TS_OK;
    }
    /* types[d] is the type of a list at depth d: List[...[scalar]] */
    Type *types[TS_MAX_DIMS + 1];
    types[t->ndim] = elem == 0 ? ty_int() : elem == 1 ? ty_float() : ty_bool();
    for (int d = t->ndim - 1; d >= 0; d--) types[d] = ty_list(types[d + 1]);
    out[0] = tolist_at(t, 0, t->storage_offset, (int)elem, types);
    return TS_OK;
}
