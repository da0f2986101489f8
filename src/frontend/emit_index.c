/*
 * emit_index.c - subscripts: x[i, a:b, None, ..., idx] of tensors (views,
 * then one aten::index over the tensor indices, as PyTorch's
 * emitIntAndSliceIndexing; index_put_ for assignment), and the subscripts of
 * module containers (ModuleList[0], ModuleDict["k"]), tuples (constant
 * indices and slices), lists, dicts and strings. Part of the IR emitter
 * (emit_internal.h); expressions are in emit_expr.c.
 */
#include <string.h>
#include "frontend/emit_internal.h"

static bool const_int(const Ast *e, int64_t *out) {
    if (e->kind == AST_INT) {
        *out = e->int_lit.value;
        return true;
    }
    return false;
}

/* The start, end and step of a[lo:hi:st]: None, None and 1 when left out. */
static ts_status slice_bounds(Em *em, const Ast *k, Span sp, Value **lo, Value **hi, Value **st) {
    if (k->slice.lower) TS_TRY(em_expr(em, k->slice.lower, NULL, lo));
    else *lo = em_constant(em, iv_none(), sp);
    if (k->slice.upper) TS_TRY(em_expr(em, k->slice.upper, NULL, hi));
    else *hi = em_constant(em, iv_none(), sp);
    if (k->slice.step) TS_TRY(em_expr(em, k->slice.step, NULL, st));
    else *st = em_constant(em, iv_int(1), sp);
    return TS_OK;
}

/* x[i, a:b, None, ..., idx] as PyTorch's emitIntAndSliceIndexing: ints
 * select, slices slice, None unsqueezes, dimensions after `...` count from
 * the end, and tensor indices are collected (None where a dimension is not
 * indexed by one) for one aten::index / index_put_ after the views.
 * *ntix is 0 when no tensor index appears. */
ts_status em_tensor_index_views(Em *em, const Ast *e, Value *x, Value **out, Value **tix, int *ntix) {
    Span sp = e->span;
    int64_t dim = 0, offset = 0;
    const AstList *ix = &e->subscript.indices;
    int n = 0;
    /* every index that is not a slice is evaluated before any view is taken, those
     * after an ellipsis from the last, as emitIntAndSliceIndexing does */
    Value **vals = arena_array(&em->g->arena, Value *, ix->len ? ix->len : 1);
    int dots = ix->len;
    for (int i = 0; i < ix->len; i++)
        if (ix->items[i]->kind == AST_ELLIPSIS) {
            dots = i;
            break;
        }
    for (int j = 0; j < ix->len; j++) {
        int i = j < dots ? j : ix->len - 1 - (j - dots);
        const Ast *k = ix->items[i];
        vals[i] = NULL;
        if (k->kind == AST_ELLIPSIS || k->kind == AST_SLICE) continue;
        if (k->kind == AST_NONE) vals[i] = em_constant(em, iv_none(), k->span);
        else TS_TRY(em_expr(em, k, ty_optional(ty_tensor()), &vals[i]));
    }
    for (int i = 0; i < ix->len; i++) {
        const Ast *k = ix->items[i];
        /* before `...` the dimension is `dim`; after it, a negative offset that counts up */
        Value *d = NULL;
        if (k->kind == AST_ELLIPSIS) {
            if (ix->len == 1)
                return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &k->span, "Cannot emit expr for: (dots): write x, not x[...]");
            offset = -(int64_t)(ix->len - i - 1);
            dim++;
            continue;
        }
        if (k->kind == AST_SLICE) {
            d = em_constant(em, iv_int(offset ? offset++ : dim), sp);
            Value *lo, *hi, *st;
            TS_TRY(slice_bounds(em, k, sp, &lo, &hi, &st));
            CallArg a[5] = {{x, NULL, sp}, {d, NULL, sp}, {lo, NULL, sp}, {hi, NULL, sp}, {st, NULL, sp}};
            TS_TRY(sema_emit_op1(em->ctx, em->g, em->b, "aten::slice", a, 5, sp, &x));
            dim++;
            continue;
        }
        Value *iv = vals[i];
        if (iv->type->kind == TK_INT) {
            /* select squeezes the dimension out: dim stays */
            d = em_constant(em, iv_int(offset ? offset++ : dim), sp);
            TS_TRY(em_op(em, "aten::select", sp, &x, 3, x, d, iv));
        } else if (iv->type->kind == TK_NONE) {
            d = em_constant(em, iv_int(offset ? offset++ : dim), sp);
            TS_TRY(em_op(em, "aten::unsqueeze", sp, &x, 2, x, d, NULL));
            dim++;
        } else if (ty_subtype(iv->type, ty_optional(ty_tensor()))) {
            if (offset)
                return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &k->span,
                               "Ellipses followed by tensor indexing is currently not supported");
            if (dim >= MAX_CALL_ARGS) return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &k->span, "too many indices");
            while (n < dim) tix[n++] = NULL;
            tix[n++] = iv;
            dim++;
        } else {
            StrBuf tb;
            sb_init(&tb);
            ty_annotation_str(&tb, iv->type);
            ts_status st = ts_fail(em->ctx, TS_ERR_TYPE, &k->span,
                                   "Unsupported operation: indexing tensor with unsupported index type '%s'. Only ints, "
                                   "slices, and tensors are supported",
                                   sb_cstr(&tb));
            sb_free(&tb);
            return st;
        }
    }
    *out = x;
    *ntix = n;
    return TS_OK;
}

/* The Tensor?[] list of tensor indices (None where a dimension is not indexed). */
Value *em_tensor_index_list(Em *em, Value **tix, int n, Span sp) {
    Value *items[MAX_CALL_ARGS];
    for (int i = 0; i < n; i++) items[i] = tix[i] ? tix[i] : em_constant(em, iv_none(), sp);
    Node *ln = em_append(em, NK_LIST_CONSTRUCT, sp);
    for (int i = 0; i < n; i++) node_add_input(em->g, ln, items[i]);
    /* keep the list after its None constants */
    node_remove(ln);
    block_append(em->b, ln);
    return node_add_output(em->g, ln, ty_list(ty_optional(ty_tensor())));
}

static ts_status emit_tensor_index(Em *em, const Ast *e, Value *x, Value **out) {
    Value *tix[MAX_CALL_ARGS];
    int n;
    TS_TRY(em_tensor_index_views(em, e, x, &x, tix, &n));
    if (n == 0) {
        *out = x;
        return TS_OK;
    }
    Value *l = em_tensor_index_list(em, tix, n, e->span);
    return em_op(em, "aten::index", e->span, out, 2, x, l, NULL);
}

ts_status em_tensor_index(Em *em, const struct Ast *e, Value *x, Value **out) { return emit_tensor_index(em, e, x, out); }

/* A number written into a tensor becomes a tensor of the target's dtype and
 * device (torch.tensor(v, dtype=, device=)), as PyTorch's emitSubscriptAssign does. */
ts_status em_number_as_tensor(Em *em, Value *v, Value *like, Span sp, Value **out) {
    Value *dt, *dev;
    if (v->type->kind == TK_TENSOR) {
        *out = v;
        return TS_OK;
    }
    TS_TRY(em_op(em, "prim::dtype", sp, &dt, 1, like, NULL, NULL));
    TS_TRY(em_op(em, "prim::device", sp, &dev, 1, like, NULL, NULL));
    CallArg a[4] = {{v, NULL, sp}, {dt, "dtype", sp}, {dev, "device", sp}, {em_constant(em, iv_bool(false), sp), "requires_grad", sp}};
    return sema_emit_op1(em->ctx, em->g, em->b, "aten::tensor", a, 4, sp, out);
}

ts_status em_tensor_index_put(Em *em, const struct Ast *e, Value *x, Value *v, Value **view_out, bool *done) {
    Value *tix[MAX_CALL_ARGS], *view, *r;
    int n;
    *done = false;
    TS_TRY(em_tensor_index_views(em, e, x, &view, tix, &n));
    *view_out = view;
    if (n == 0) return TS_OK; /* views only: the caller copies into the view */
    Span sp = e->span;
    TS_TRY(em_number_as_tensor(em, v, view, sp, &v));
    Value *l = em_tensor_index_list(em, tix, n, sp);
    *done = true;
    return em_op(em, "aten::index_put_", sp, &r, 3, view, l, v);
}

/* m[i] of a ModuleList/Sequential/ModuleDict with an index that is not a
 * literal: TorchScript picks the submodule at compile time, so it must be one. */
static ts_status bad_container_index(Em *em, const Ast *e, const ClassType *c) {
    Span bs = e->subscript.value->span;
    int bn = (int)(bs.end - bs.start);
    const char *base = bs.src && bn <= 60 ? bs.src->text + bs.start : "self.layers";
    if (!bs.src || bn > 60) bn = (int)strlen(base);
    if (strcmp(c->name, "ModuleDict") == 0)
        return ts_fail(em->ctx, TS_ERR_TYPE, &e->span,
                       "a ModuleDict can only be indexed by a string literal: iterate instead (for name, m in "
                       "%.*s.items():)", bn, base);
    return ts_fail(em->ctx, TS_ERR_TYPE, &e->span,
                   "ModuleList and Sequential can only be indexed by an integer literal: iterate instead (for i, layer "
                   "in enumerate(%.*s):)", bn, base);
}

ts_status em_subscript(Em *em, const Ast *e, Value **out) {
    Value *base;
    TS_TRY(em_expr(em, e->subscript.value, NULL, &base));
    Span sp = e->span;
    const AstList *ix = &e->subscript.indices;
    Type *t = base->type;
    if (t->kind == TK_TENSOR) return emit_tensor_index(em, e, base, out);
    if (ix->len != 1) return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "only tensors take several indices");
    const Ast *k = ix->items[0];
    if (t->kind == TK_CLASS && t->cls->kind == CK_MODULE) {
        /* ModuleList / Sequential [constant int], ModuleDict [string literal]: that submodule */
        const ClassType *c = t->cls;
        int64_t want = -1;
        int nsub = 0;
        for (int i = 0; i < c->attrs.len; i++)
            if (c->attrs.data[i].type->kind == TK_CLASS && c->attrs.data[i].type->cls->kind == CK_MODULE) nsub++;
        bool by_int = const_int(k, &want);
        if (!by_int && k->kind != AST_STR) return bad_container_index(em, e, c);
        if (by_int && want < 0) want += nsub;
        for (int i = 0, j = 0; i < c->attrs.len; i++) {
            Type *at = c->attrs.data[i].type;
            if (at->kind != TK_CLASS || at->cls->kind != CK_MODULE) continue;
            if (by_int ? j++ == want : strcmp(c->attrs.data[i].name, k->str.data) == 0) {
                Node *ga = em_append(em, NK_GETATTR, sp);
                node_add_input(em->g, ga, base);
                ga->name = c->attrs.data[i].name;
                ga->index = i;
                *out = node_add_output(em->g, ga, at);
                (*out)->name = ga->name;
                return TS_OK;
            }
        }
        return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &k->span, "index out of range of this module container");
    }
    if (t->kind == TK_TUPLE || (t->kind == TK_CLASS && t->cls->kind == CK_NAMEDTUPLE)) {
        int n = t->kind == TK_TUPLE ? t->n : t->cls->attrs.len;
        if (k->kind == AST_SLICE) {
            int64_t lo = 0, hi = n, st = 1;
            if ((k->slice.lower && !const_int(k->slice.lower, &lo)) || (k->slice.upper && !const_int(k->slice.upper, &hi)) ||
                (k->slice.step && !const_int(k->slice.step, &st)) || st != 1)
                return ts_fail(em->ctx, TS_ERR_TYPE, &k->span, "tuple slices need constant bounds and step 1");
            if (lo < 0) lo += n;
            if (hi < 0) hi += n;
            lo = lo < 0 ? 0 : lo > n ? n : lo;
            hi = hi < lo ? lo : hi > n ? n : hi;
            Node *tn = em_append(em, NK_TUPLE_CONSTRUCT, sp);
            Type *ts[MAX_CALL_ARGS];
            int m = 0;
            for (int64_t i = lo; i < hi && m < MAX_CALL_ARGS; i++) {
                Node *ti = em_append(em, NK_TUPLE_INDEX, sp);
                node_add_input(em->g, ti, base);
                ti->index = (int)i;
                Type *et = t->kind == TK_TUPLE ? t->elems[i] : t->cls->attrs.data[i].type;
                node_add_input(em->g, tn, node_add_output(em->g, ti, et));
                ts[m++] = et;
            }
            /* keep the TupleConstruct after its inputs */
            node_remove(tn);
            block_append(em->b, tn);
            *out = node_add_output(em->g, tn, ty_tuple(ts, m));
            return TS_OK;
        }
        int64_t i;
        if (!const_int(k, &i)) return ts_fail(em->ctx, TS_ERR_TYPE, &k->span, "tuple indices must be integer constants");
        if (i < 0) i += n;
        if (i < 0 || i >= n)
            return ts_fail(em->ctx, TS_ERR_VALUE, &sp, "tuple index out of range: the tuple has %d element%s and the "
                           "index is %lld", n, n == 1 ? "" : "s", (long long)(i < 0 ? i - n : i));
        /* (a, b)[1] stays a TupleIndex here: PyTorch's tuple lowering makes it b only
         * after the emitter named the index's result (`m = x.min(0)[0]` leaves min's
         * outputs unnamed); the printer prints it as b (code_print.c mark_aliases) */
        Node *ti = em_append(em, NK_TUPLE_INDEX, sp);
        node_add_input(em->g, ti, base);
        ti->index = (int)i;
        *out = node_add_output(em->g, ti, t->kind == TK_TUPLE ? t->elems[i] : t->cls->attrs.data[i].type);
        return TS_OK;
    }
    if (k->kind == AST_SLICE) {
        Value *lo, *hi, *st;
        TS_TRY(slice_bounds(em, k, sp, &lo, &hi, &st));
        CallArg a[4] = {{base, NULL, sp}, {lo, NULL, sp}, {hi, NULL, sp}, {st, NULL, sp}};
        return sema_emit_op1(em->ctx, em->g, em->b, "aten::slice", a, 4, sp, out);
    }
    Value *iv;
    TS_TRY(em_expr(em, k, NULL, &iv));
    return em_op(em, "aten::__getitem__", sp, out, 2, base, iv, NULL);
}
