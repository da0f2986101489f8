/*
 * grad_names.c - the names of PyTorch's autograd nodes, without autograd.
 *
 * tscript computes no gradients, but `tscript exec` prints tensors as
 * PyTorch does, and PyTorch prints `grad_fn=<AddmmBackward0>` on every
 * tensor computed from one that requires grad. With ctx->grad_names on,
 * the interpreter and the Python evaluator call grad_names_after after
 * each op: when an input tensor requires grad (a Parameter, or a tensor
 * with a grad_fn), each floating output gets the name of the node PyTorch
 * 1.13's autograd would record for that op and those inputs (CamelCase of
 * the op, "Backward0", and the cases where the op decomposes: linear of a
 * 2-D input with a bias is addmm, ...), and requires_grad. Ops whose
 * outputs never require grad (comparisons, *_like, detach) mark nothing.
 *
 * Where it sits: ops/, below runtime/ (the interpreter calls it) and
 * python/ (py_call_op calls it). Names are interned once per process.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>

#include "ops/grad_names.h"

enum { MAX_NAMES = 512, NAME_LEN = 64 };

static char names[MAX_NAMES][NAME_LEN];
static int nnames;
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;

/* An immortal copy of s (names past the table's size share one). */
static const char *intern(const char *s) {
    pthread_mutex_lock(&names_lock);
    const char *r = NULL;
    for (int i = 0; i < nnames && !r; i++)
        if (strcmp(names[i], s) == 0) r = names[i];
    size_t n = strlen(s);
    if (!r && nnames < MAX_NAMES && n < NAME_LEN) {
        memcpy(names[nnames], s, n + 1);
        r = names[nnames++];
    }
    pthread_mutex_unlock(&names_lock);
    return r ? r : "Backward0";
}

/* "max_pool2d" -> "MaxPool2D" + suffix: PyTorch's codegen capitalises each part and the d of 2d. */
static const char *camel(const char *op, const char *suffix) {
    char buf[NAME_LEN];
    size_t n = 0;
    bool up = true;
    for (const char *p = op; *p && n + 1 < sizeof buf; p++) {
        if (*p == '_') {
            up = true;
            continue;
        }
        char c = *p;
        if (up) c = (char)toupper((unsigned char)c);
        else if (c == 'd' && p > op && isdigit((unsigned char)p[-1]) && (p[1] == 0 || p[1] == '_')) c = 'D';
        buf[n++] = c;
        up = false;
    }
    buf[n] = 0;
    char full[NAME_LEN * 2];
    snprintf(full, sizeof full, "%s%s", buf, suffix);
    return intern(full);
}

static bool needs_grad(IValue v) {
    if (v.kind == IV_TENSOR) return v.u.t->requires_grad || v.u.t->grad_fn;
    if (v.kind == IV_LIST || v.kind == IV_TUPLE) {
        int64_t n = v.kind == IV_LIST ? v.u.l->len : v.u.tup->len;
        IValue *items = v.kind == IV_LIST ? v.u.l->items : v.u.tup->items;
        for (int64_t i = 0; i < n; i++)
            if (needs_grad(items[i])) return true;
    }
    return false;
}

static int dim_of(IValue v) { return v.kind == IV_TENSOR ? v.u.t->ndim : -1; }

static const char *const NO_GRAD_OPS[] = {
    "zeros_like", "ones_like", "empty_like", "full_like", "rand_like", "randn_like", "randint_like", "detach",
    "argmax", "argmin", "size", "numel", "dim", "eq", "ne", "lt", "le", "gt", "ge", "isnan", "isfinite",
    "logical_not", "logical_and", "logical_or", "new_zeros", "new_ones", "new_empty", "new_full", "bernoulli",
    "item", "Int", "Float", "Bool", "ScalarImplicit", "manual_seed",
};

/* Ops that hand back their input unchanged (in eval mode): the output keeps the input's node. */
static const char *const IDENTITY_OPS[] = {"dropout", "feature_dropout", "alpha_dropout", "contiguous", "to", "type_as"};

static bool in_list(const char *s, const char *const *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0) return true;
    return false;
}

/* The node's name for op (without "aten::") called on in[0..nin). NULL: none. */
static const char *node_name(const char *op, const IValue *in, int nin) {
    char base[NAME_LEN];
    snprintf(base, sizeof base, "%s", op);
    size_t n = strlen(base);
    if (n > 1 && base[n - 1] == '_' && base[n - 2] != '_') base[n - 1] = 0; /* add_ records AddBackward0 */
    if (in_list(base, NO_GRAD_OPS, TS_ARRAY_LEN(NO_GRAD_OPS))) return NULL;
    bool has2 = nin > 2 && in[2].kind == IV_TENSOR;
    if (strcmp(base, "linear") == 0) {
        int d = dim_of(in[0]);
        if (d == 2) return intern(has2 ? "AddmmBackward0" : "MmBackward0");
        if (d == 1) return intern(has2 ? "AddBackward0" : "SqueezeBackward3");
        return intern(has2 ? "ViewBackward0" : "UnsafeViewBackward0");
    }
    if (strcmp(base, "matmul") == 0 && nin >= 2) {
        int a = dim_of(in[0]), b = dim_of(in[1]);
        if (a == 2 && b == 2) return intern("MmBackward0");
        if (a == 1 && b == 1) return intern("DotBackward0");
        if (a == 2 && b == 1) return intern("MvBackward0");
        if (a == 1 && b == 2) return intern("SqueezeBackward3");
        return intern("UnsafeViewBackward0");
    }
    if (strcmp(base, "sum") == 0 || strcmp(base, "mean") == 0)
        return camel(base, nin > 1 && in[1].kind != IV_NONE && in[1].kind != IV_INT ? "Backward1" : "Backward0");
    if (strcmp(base, "max") == 0 || strcmp(base, "min") == 0) return camel(base, nin == 1 ? "Backward1" : "Backward0");
    if (strcmp(base, "reshape") == 0 || strcmp(base, "flatten") == 0) return intern("ReshapeAliasBackward0");
    if (strncmp(base, "conv", 4) == 0 || strcmp(base, "_convolution") == 0) return intern("ConvolutionBackward0");
    if (strncmp(base, "max_pool", 8) == 0) return camel(base, "WithIndicesBackward0");
    if (strcmp(base, "batch_norm") == 0) return intern("NativeBatchNormBackward0");
    if (strcmp(base, "layer_norm") == 0) return intern("NativeLayerNormBackward0");
    if (strcmp(base, "group_norm") == 0) return intern("NativeGroupNormBackward0");
    if (strcmp(base, "rsub") == 0) return intern(nin > 1 && in[1].kind == IV_TENSOR ? "RsubBackward0" : "RsubBackward1");
    if (strcmp(base, "adaptive_avg_pool2d") == 0) return intern("MeanBackward1");
    return camel(base, "Backward0");
}

static void mark(IValue v, const char *name, const Tensor *const *ins, int nins) {
    if (v.kind == IV_TENSOR) {
        Tensor *t = v.u.t;
        for (int i = 0; i < nins; i++)
            if (ins[i] == t) return; /* the op returned its input (in place, or nothing to do) */
        if (!dtype_is_float(t->dtype)) return;
        t->grad_fn = name;
        t->requires_grad = true;
        return;
    }
    if (v.kind == IV_LIST || v.kind == IV_TUPLE) {
        int64_t n = v.kind == IV_LIST ? v.u.l->len : v.u.tup->len;
        IValue *items = v.kind == IV_LIST ? v.u.l->items : v.u.tup->items;
        for (int64_t i = 0; i < n; i++) mark(items[i], name, ins, nins);
    }
}

void grad_names_after(Ctx *ctx, const OpSchema *s, const IValue *in, int nin, const IValue *out, int nout) {
    if (!ctx || !ctx->grad_names || strncmp(s->name, "aten::", 6) != 0) return;
    bool any = false;
    for (int i = 0; i < nin && !any; i++) any = needs_grad(in[i]);
    if (!any) return;
    const char *op = s->name + 6;
    if (in_list(op, IDENTITY_OPS, TS_ARRAY_LEN(IDENTITY_OPS))) {
        if (nin > 0 && in[0].kind == IV_TENSOR && nout > 0 && out[0].kind == IV_TENSOR && out[0].u.t != in[0].u.t) {
            out[0].u.t->grad_fn = in[0].u.t->grad_fn;
            out[0].u.t->requires_grad = in[0].u.t->requires_grad || in[0].u.t->grad_fn;
        }
        return;
    }
    const char *name = node_name(op, in, nin);
    if (!name) return;
    const Tensor *ins[16];
    int nins = 0;
    for (int i = 0; i < nin && nins < 16; i++)
        if (in[i].kind == IV_TENSOR) ins[nins++] = in[i].u.t;
    for (int i = 0; i < nout; i++) mark(out[i], name, ins, nins);
}
