/*
 * pytensor.c - the evaluator's tensor expressions: indexing and index
 * assignment (x[i, a:b:s, None, ...] and x[...] = v), a Python number on the
 * left of a tensor operator, tensor comparisons, unary operators and
 * iteration over a tensor's first dimension.
 *
 * Where it sits: pyeval.c evaluates the syntax (the subscript's parts, the
 * operands) and hands the values here; everything is computed by the op
 * registry through py_call_op, with the ops and the order Python's
 * torch.Tensor methods use, so the evaluator has no tensor arithmetic of
 * its own. An index is PyTorch's basic indexing: an int selects (the dim
 * goes), a slice narrows (positive steps only, as PyTorch requires), None
 * inserts a dim, `...` stands for the dims no other index names; tensor
 * indices (a 0-dim integer one selects like an int) are gathered with the
 * dim each stands for into one aten::index over the result, as PyTorch's
 * applySlicing + dispatch_index do (without aten::index in the registry,
 * one 1-D integer index tensor picks rows with index_select). Assignment
 * writes into the view those give: fill_ for a number, copy_ (broadcast)
 * for a tensor, as TorchScript emits `x[...] = v`, or index_put_ through
 * index tensors.
 * Invariant: PV arguments are borrowed; results are owned (py.h).
 */
#include "ops/op.h"
#include "python/py.h"

void pix_free(PIndex *ix, int n) {
    for (int i = 0; i < n; i++) {
        pv_drop(ix[i].v);
        pv_drop(ix[i].lo);
        pv_drop(ix[i].hi);
        pv_drop(ix[i].step);
    }
    ts_free(ix);
}

static ts_status op1(Py *S, const char *op, PV a, const Span *sp, PV *out) {
    return py_call_op(S, op, &a, 1, NULL, NULL, 0, sp, out);
}

static ts_status op2(Py *S, const char *op, PV a, PV b, const Span *sp, PV *out) {
    PV args[2] = {a, b};
    return py_call_op(S, op, args, 2, NULL, NULL, 0, sp, out);
}

static int tensor_ndim(PV t) { return t.iv.u.t->ndim; }

/* How many of the tensor's dims the indices name (all but None and `...`). */
static int dims_named(const PIndex *ix, int n) {
    int c = 0;
    for (int i = 0; i < n; i++)
        if (ix[i].k != PIX_NONE && ix[i].k != PIX_ELLIPSIS) c++;
    return c;
}

/* A 0-dim integer tensor index selects, as an int would. */
static bool is_scalar_index(PV idx) {
    const Tensor *it = idx.iv.u.t;
    return it->ndim == 0 && it->dtype != DT_BOOL && !dtype_is_float(it->dtype);
}

/* The Tensor?[] list of aten::index / index_put_: each tensor index at the
 * dim it stood for, None at the others (up to the last tensor's dim). */
static PV index_list(const PIndex *tix, const int64_t *tdim, int nt) {
    PV l = pv_list_new();
    int64_t last = nt ? tdim[nt - 1] : -1;
    for (int64_t d = 0, k = 0; d <= last; d++) {
        if (k < nt && tdim[k] == d) pv_seq_push_steal(l, pv_dup(tix[k++].v));
        else pv_seq_push_steal(l, pv_none());
    }
    return l;
}

/* Basic indexing (ints, slices, None, ...) applied in order, as PyTorch's
 * applySlicing does; tensor indices are set aside with the dim they stand
 * for (*nt of them, into tix/tdim, borrowed from ix), for one aten::index /
 * index_put_ over the result. */
static ts_status apply_basic(Py *S, PV t, const PIndex *ix, int n, const Span *sp, PV *out, PIndex *tix, int64_t *tdim,
                             int *nt) {
    int ndim = tensor_ndim(t), named = dims_named(ix, n);
    bool ellipsis = false;
    *nt = 0;
    for (int i = 0; i < n; i++) {
        if (ix[i].k != PIX_ELLIPSIS) continue;
        if (ellipsis) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "IndexError: an index can only have a single ellipsis ('...')");
        ellipsis = true;
    }
    if (named > ndim)
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "IndexError: too many indices for tensor of dimension %d", ndim);
    PV x = pv_dup(t);
    x.param = false;
    int64_t d = 0;
    ts_status st = TS_OK;
    for (int i = 0; i < n && st == TS_OK; i++) {
        const PIndex *k = &ix[i];
        PV r = pv_none();
        switch (k->k) {
        case PIX_INT:
            st = py_call_op(S, "aten::select", (PV[]){x, pv_int(d), k->v}, 3, NULL, NULL, 0, sp, &r);
            break;
        case PIX_SLICE:
            st = py_call_op(S, "aten::slice", (PV[]){x, pv_int(d), k->lo, k->hi, k->step}, 5, NULL, NULL, 0, sp, &r);
            d++;
            break;
        case PIX_NONE:
            st = op2(S, "aten::unsqueeze", x, pv_int(d), sp, &r);
            d++;
            break;
        case PIX_ELLIPSIS: d += ndim - named; continue;
        case PIX_TENSOR:
            if (is_scalar_index(k->v)) {
                PV iv;
                st = op1(S, "aten::Int", k->v, sp, &iv);
                if (st == TS_OK) st = py_call_op(S, "aten::select", (PV[]){x, pv_int(d), iv}, 3, NULL, NULL, 0, sp, &r);
                pv_drop(iv);
                break;
            }
            tix[*nt] = *k;
            tdim[(*nt)++] = d;
            /* a bool mask stands for as many dims as it has */
            d += k->v.iv.u.t->dtype == DT_BOOL && k->v.iv.u.t->ndim > 0 ? k->v.iv.u.t->ndim : 1;
            continue;
        }
        pv_drop(x);
        x = r;
    }
    if (st != TS_OK) {
        pv_drop(x);
        return st;
    }
    *out = x;
    return TS_OK;
}

/* Without aten::index in the registry: one 1-D integer index tensor picks rows (index_select). */
static ts_status select_rows(Py *S, PV x, const PIndex *tix, const int64_t *tdim, int nt, const Span *sp, PV *out) {
    const Tensor *it = nt == 1 ? tix[0].v.iv.u.t : NULL;
    if (!it || it->ndim != 1 || it->dtype == DT_BOOL || dtype_is_float(it->dtype))
        return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp,
                       "this index tensor needs aten::index, which this build of tscript lacks (one 1-D integer index "
                       "tensor is supported)");
    return py_call_op(S, "aten::index_select", (PV[]){x, pv_int(tdim[0]), tix[0].v}, 3, NULL, NULL, 0, sp, out);
}

ts_status pyt_index(Py *S, PV t, const PIndex *ix, int n, const Span *sp, PV *out) {
    PIndex *tix = ts_xmalloc(sizeof(PIndex) * (size_t)(n + 1));
    int64_t *tdim = ts_xmalloc(sizeof(int64_t) * (size_t)(n + 1));
    int nt;
    PV x;
    ts_status st = apply_basic(S, t, ix, n, sp, &x, tix, tdim, &nt);
    if (st == TS_OK && nt == 0) {
        *out = x;
    } else if (st == TS_OK) {
        if (ops_lookup("aten::index")) {
            PV l = index_list(tix, tdim, nt);
            st = op2(S, "aten::index", x, l, sp, out);
            pv_drop(l);
        } else {
            st = select_rows(S, x, tix, tdim, nt, sp, out);
        }
        pv_drop(x);
    }
    ts_free(tix);
    ts_free(tdim);
    return st;
}

ts_status pyt_index_assign(Py *S, PV t, const PIndex *ix, int n, PV v, const Span *sp) {
    if (v.k != P_INT && v.k != P_FLOAT && v.k != P_BOOL && v.k != P_TENSOR)
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: can't assign a %s to a tensor index", pv_type_name(v));
    PIndex *tix = ts_xmalloc(sizeof(PIndex) * (size_t)(n + 1));
    int64_t *tdim = ts_xmalloc(sizeof(int64_t) * (size_t)(n + 1));
    int nt;
    PV view, r;
    ts_status st = apply_basic(S, t, ix, n, sp, &view, tix, tdim, &nt);
    if (st == TS_OK) {
        PV num = v.k == P_BOOL ? pv_int(v.iv.u.b) : v;
        if (nt == 0) {
            /* x[i, a:b] = v writes the view: fill_ with a number, copy_ of a tensor */
            st = op2(S, v.k == P_TENSOR ? "aten::copy_" : "aten::fill_", view, num, sp, &r);
            if (st == TS_OK) pv_drop(r);
        } else if (!ops_lookup("aten::index_put_")) {
            st = ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp,
                         "assigning through an index tensor needs aten::index_put_, which this build of tscript lacks");
        } else {
            /* x[idx] = v: index_put_ on the basic view, a number as a 0-dim tensor of x's dtype */
            PV val = pv_none();
            if (v.k == P_TENSOR) val = pv_dup(v);
            else {
                PV dt = pv_none();
                dt.k = P_DTYPE;
                dt.iv = iv_int(view.iv.u.t->dtype);
                PV size = pv_list_new();
                st = py_call_op(S, "aten::full", (PV[]){size, num}, 2, (const char *[]){"dtype"}, &dt, 1, sp, &val);
                pv_drop(size);
            }
            PV l = index_list(tix, tdim, nt);
            if (st == TS_OK) st = py_call_op(S, "aten::index_put_", (PV[]){view, l, val}, 3, NULL, NULL, 0, sp, &r);
            if (st == TS_OK) pv_drop(r);
            pv_drop(l);
            pv_drop(val);
        }
        pv_drop(view);
    }
    ts_free(tix);
    ts_free(tdim);
    return st;
}

/* A Python number as PyTorch wraps it for an operator: a 0-dim tensor that
 * does not take part in type promotion beyond its kind. */
static ts_status wrapped(Py *S, PV num, const Span *sp, PV *out) {
    Tensor *w = num.k == P_FLOAT ? tensor_scalar_f64(S->ctx, DT_FLOAT64, num.iv.u.d)
                                 : tensor_scalar_i64(S->ctx, num.k == P_BOOL ? DT_BOOL : DT_INT64, iv_scalar_i64(num.iv));
    if (!w) return S->ctx->status ? S->ctx->status : ts_fail(S->ctx, TS_ERR_NOMEM, sp, "out of memory");
    w->wrapped_number = true;
    *out = pv_iv_steal(iv_tensor_steal(w));
    return TS_OK;
}

ts_status pyt_binop_rev(Py *S, AstBinOp op, PV num, PV t, const Span *sp, PV *out) {
    switch (op) {
    case BINOP_ADD: return op2(S, "aten::add", t, num, sp, out);
    case BINOP_MUL: return op2(S, "aten::mul", t, num, sp, out);
    case BINOP_SUB: return op2(S, "aten::rsub", t, num, sp, out);
    case BINOP_DIV: { /* Tensor.__rtruediv__: reciprocal() * other */
        PV rec;
        TS_TRY(op1(S, "aten::reciprocal", t, sp, &rec));
        ts_status st = op2(S, "aten::mul", rec, num, sp, out);
        pv_drop(rec);
        return st;
    }
    case BINOP_POW: return op2(S, "aten::pow", num, t, sp, out);
    case BINOP_FLOORDIV:
    case BINOP_MOD:
    case BINOP_BITAND:
    case BINOP_BITOR:
    case BINOP_BITXOR: {
        static const char *const names[] = {[BINOP_FLOORDIV] = "aten::floor_divide", [BINOP_MOD] = "aten::remainder",
                                            [BINOP_BITAND] = "aten::__and__", [BINOP_BITOR] = "aten::__or__",
                                            [BINOP_BITXOR] = "aten::__xor__"};
        PV w;
        TS_TRY(wrapped(S, num, sp, &w));
        ts_status st = op2(S, names[op], w, t, sp, out);
        pv_drop(w);
        return st;
    }
    default:
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: unsupported operand type(s) for %s: '%s' and 'Tensor'",
                       ast_binop_str(op), pv_type_name(num));
    }
}

ts_status pyt_compare(Py *S, AstCmpOp op, PV a, PV b, const Span *sp, PV *out) {
    static const char *const names[] = {[CMPOP_EQ] = "aten::eq", [CMPOP_NE] = "aten::ne", [CMPOP_LT] = "aten::lt",
                                        [CMPOP_LE] = "aten::le", [CMPOP_GT] = "aten::gt", [CMPOP_GE] = "aten::ge"};
    static const AstCmpOp flipped[] = {[CMPOP_EQ] = CMPOP_EQ, [CMPOP_NE] = CMPOP_NE, [CMPOP_LT] = CMPOP_GT,
                                       [CMPOP_LE] = CMPOP_GE, [CMPOP_GT] = CMPOP_LT, [CMPOP_GE] = CMPOP_LE};
    if (op != CMPOP_EQ && op != CMPOP_NE && op != CMPOP_LT && op != CMPOP_LE && op != CMPOP_GT && op != CMPOP_GE)
        return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp, "'%s' on a tensor is not supported by tscript's Python evaluator",
                       ast_cmpop_str(op));
    if (a.k != P_TENSOR) return op2(S, names[flipped[op]], b, a, sp, out);
    return op2(S, names[op], a, b, sp, out);
}

ts_status pyt_unary(Py *S, AstUnaryOp op, PV t, const Span *sp, PV *out) {
    switch (op) {
    case UNOP_NEG: return op1(S, "aten::neg", t, sp, out);
    case UNOP_POS: *out = pv_dup(t); out->param = false; return TS_OK;
    case UNOP_INVERT: return op1(S, "aten::bitwise_not", t, sp, out);
    default: break;
    }
    return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: bad operand type for unary %s: 'Tensor'", ast_unop_str(op));
}

ts_status pyt_truthy(Py *S, PV t, const Span *sp, bool *out) {
    Tensor *x = t.iv.u.t;
    int64_t n = 1;
    for (int d = 0; d < x->ndim; d++) n *= x->sizes[d];
    if (n != 1)
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "RuntimeError: Boolean value of Tensor with %s values is ambiguous",
                       n == 0 ? "no" : "more than one");
    PV b;
    TS_TRY(op1(S, "aten::Bool", t, sp, &b));
    *out = pv_truthy(b);
    pv_drop(b);
    return TS_OK;
}

ts_status pyt_iterate(Py *S, PV t, const Span *sp, PV *out) {
    Tensor *x = t.iv.u.t;
    if (x->ndim == 0) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: iteration over a 0-d tensor");
    PV l = pv_list_new();
    for (int64_t i = 0; i < x->sizes[0]; i++) {
        PV r;
        ts_status st = py_call_op(S, "aten::select", (PV[]){t, pv_int(0), pv_int(i)}, 3, NULL, NULL, 0, sp, &r);
        if (st != TS_OK) {
            pv_drop(l);
            return st;
        }
        pv_seq_push_steal(l, r);
    }
    *out = l;
    return TS_OK;
}

static PV element(const Tensor *x, int64_t off) {
    const char *p = (const char *)x->storage->data + (size_t)off * dtype_size(x->dtype);
    if (x->dtype == DT_BOOL) return pv_bool(*(const bool *)p);
    if (dtype_is_float(x->dtype)) return pv_float(dtype_load_f64(x->dtype, p));
    return pv_int(dtype_load_i64(x->dtype, p));
}

static PV tolist_dim(const Tensor *x, int d, int64_t off) {
    if (d == x->ndim) return element(x, off);
    PV l = pv_list_new();
    for (int64_t i = 0; i < x->sizes[d]; i++) pv_seq_push_steal(l, tolist_dim(x, d + 1, off + i * x->strides[d]));
    return l;
}

ts_status pyt_tolist(Py *S, PV t, const Span *sp, PV *out) {
    const Tensor *x = t.iv.u.t;
    int64_t n = 1;
    for (int d = 0; d < x->ndim; d++) n *= x->sizes[d];
    if (n > 10000000)
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "tolist() of a tensor of %lld elements is not supported by tscript's "
                       "Python evaluator (at most 10 million)", (long long)n);
    *out = tolist_dim(x, 0, x->storage_offset);
    return TS_OK;
}
