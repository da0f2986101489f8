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
 * inserts a dim, `...` stands for the dims no other index names; one 1-D
 * integer tensor picks rows along its dim (index_select, what advanced
 * indexing computes when it is the only tensor index). Assignment writes
 * into the view those give: fill_ for a number, copy_ (broadcast) for a
 * tensor, as TorchScript emits `x[...] = v`.
 * Invariant: PV arguments are borrowed; results are owned (py.h).
 */
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

/* One integer tensor index at dim d: a 0-dim one selects, a 1-D one picks. */
static ts_status index_tensor(Py *S, PV x, int64_t d, PV idx, const Span *sp, PV *out, bool *keeps_dim) {
    Tensor *it = idx.iv.u.t;
    if (it->dtype == DT_BOOL || dtype_is_float(it->dtype))
        return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp,
                       "indexing a tensor with a %s tensor is not supported by tscript's Python evaluator (use an "
                       "integer index tensor, or masked_fill)", it->dtype == DT_BOOL ? "bool" : "floating-point");
    if (it->ndim == 0) {
        PV i;
        TS_TRY(op1(S, "aten::Int", idx, sp, &i));
        ts_status st = py_call_op(S, "aten::select", (PV[]){x, pv_int(d), i}, 3, NULL, NULL, 0, sp, out);
        pv_drop(i);
        *keeps_dim = false;
        return st;
    }
    if (it->ndim != 1)
        return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp,
                       "indexing with a %d-dim index tensor is not supported by tscript's Python evaluator (only 1-D)",
                       it->ndim);
    *keeps_dim = true;
    return py_call_op(S, "aten::index_select", (PV[]){x, pv_int(d), idx}, 3, NULL, NULL, 0, sp, out);
}

/* Apply the indices in order; *is_view is false when a tensor index copied. */
static ts_status apply_indices(Py *S, PV t, const PIndex *ix, int n, const Span *sp, PV *out, bool *is_view) {
    int ndim = tensor_ndim(t), named = dims_named(ix, n), ntensor = 0;
    bool ellipsis = false;
    for (int i = 0; i < n; i++) {
        if (ix[i].k == PIX_ELLIPSIS) {
            if (ellipsis) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "IndexError: an index can only have a single ellipsis ('...')");
            ellipsis = true;
        }
        if (ix[i].k == PIX_TENSOR) ntensor++;
    }
    if (named > ndim)
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "IndexError: too many indices for tensor of dimension %d", ndim);
    if (ntensor > 1)
        return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp,
                       "indexing with several index tensors is not supported by tscript's Python evaluator");
    *is_view = ntensor == 0;
    PV x = pv_dup(t);
    x.param = false;
    int64_t d = 0;
    ts_status st = TS_OK;
    for (int i = 0; i < n && st == TS_OK; i++) {
        const PIndex *k = &ix[i];
        PV r = pv_none();
        bool keep = true;
        switch (k->k) {
        case PIX_INT:
            st = py_call_op(S, "aten::select", (PV[]){x, pv_int(d), k->v}, 3, NULL, NULL, 0, sp, &r);
            keep = false;
            break;
        case PIX_SLICE:
            st = py_call_op(S, "aten::slice", (PV[]){x, pv_int(d), k->lo, k->hi, k->step}, 5, NULL, NULL, 0, sp, &r);
            break;
        case PIX_NONE: st = op2(S, "aten::unsqueeze", x, pv_int(d), sp, &r); break;
        case PIX_ELLIPSIS:
            d += ndim - named;
            continue;
        case PIX_TENSOR: st = index_tensor(S, x, d, k->v, sp, &r, &keep); break;
        }
        pv_drop(x);
        x = r;
        if (keep) d++;
    }
    if (st != TS_OK) {
        pv_drop(x);
        return st;
    }
    *out = x;
    return TS_OK;
}

ts_status pyt_index(Py *S, PV t, const PIndex *ix, int n, const Span *sp, PV *out) {
    bool view;
    return apply_indices(S, t, ix, n, sp, out, &view);
}

ts_status pyt_index_assign(Py *S, PV t, const PIndex *ix, int n, PV v, const Span *sp) {
    PV view, r;
    bool is_view;
    TS_TRY(apply_indices(S, t, ix, n, sp, &view, &is_view));
    ts_status st;
    if (!is_view) {
        st = ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp,
                     "assigning through an index tensor (index_put_) is not supported by tscript's Python evaluator");
    } else if (v.k == P_INT || v.k == P_FLOAT || v.k == P_BOOL) {
        PV num = v.k == P_BOOL ? pv_int(v.iv.u.b) : v;
        st = op2(S, "aten::fill_", view, num, sp, &r);
        if (st == TS_OK) pv_drop(r);
    } else if (v.k == P_TENSOR) {
        st = op2(S, "aten::copy_", view, v, sp, &r);
        if (st == TS_OK) pv_drop(r);
    } else {
        st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: can't assign a %s to a tensor index", pv_type_name(v));
    }
    pv_drop(view);
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
