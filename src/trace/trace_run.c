/*
 * trace_run.c - the tracer's walker: runs a compiled function's IR graph
 * concretely, node by node, while trace.c records what it executes.
 *
 * It is a second interpreter, deliberately simple: the register machine of
 * runtime/interp.c runs flat instructions over slots and keeps no
 * provenance, while a trace needs, for every IR value, its concrete value
 * and the traced value (Shadow) beside it. prim::If runs the branch the
 * condition picks and prim::Loop runs its body as many times as it runs:
 * nothing of either reaches the trace, so loops unroll and branches fix. A
 * call of a submodule's forward becomes a recorded method call (trace.c);
 * every other call is walked inline, as Python runs it. The context's
 * deadline is polled at every loop iteration and call.
 */
#include "trace/trace_internal.h"

#include "runtime/interp.h"

typedef struct Frame {
    IValue *v;
    Shadow **sh;
    int n;
    Function *fn;
} Frame;

static ts_status run_block(Tracer *t, Frame *f, const Block *b);

static void set(Frame *f, const Value *x, IValue v, Shadow *s) {
    IValue old = f->v[x->id];
    f->v[x->id] = v;
    f->sh[x->id] = s;
    iv_release(old);
}

static ts_status fail_at(Tracer *t, Frame *f, const Node *n, ts_status st) {
    ts_add_frame(t->ctx, n->span, f->fn->qualname);
    return st;
}

/* Strip the ".N" suffix of an SSA debug name. */
static const char *base_name(Tracer *t, const char *name) {
    if (!name) return NULL;
    const char *dot = strrchr(name, '.');
    if (!dot || !dot[1]) return name;
    for (const char *p = dot + 1; *p; p++)
        if (*p < '0' || *p > '9') return name;
    return arena_strndup(&t->arena, name, (size_t)(dot - name));
}

static bool is_conversion(const char *name) {
    return !strcmp(name, "aten::Int") || !strcmp(name, "aten::Float") || !strcmp(name, "aten::item") ||
           !strcmp(name, "aten::IntImplicit") || !strcmp(name, "aten::FloatImplicit") ||
           !strcmp(name, "aten::ScalarImplicit") || !strcmp(name, "aten::tolist");
}

/* PyTorch's TracerWarning cases, decided before the op runs. */
static void warn_conversions(Tracer *t, const Node *n, const IValue *args, int nin) {
    const char *name = n->op->name;
    if (nin < 1 || args[0].kind != IV_TENSOR || !tr_is_traced(t, args[0].u.t)) return;
    if (!strcmp(name, "aten::Bool") || !strcmp(name, "aten::is_nonzero"))
        tr_warn(t, n->span,
                "Converting a tensor to a Python boolean might cause the trace to be incorrect. We can't "
                "record the data flow of Python values, so this value will be treated as a constant in the "
                "future. This means that the trace might not generalize to other inputs!");
    else if (is_conversion(name))
        tr_warn(t, n->span,
                "Converting a tensor to a Python number might cause the trace to be incorrect. We can't "
                "record the data flow of Python values, so this value will be treated as a constant in the "
                "future. This means that the trace might not generalize to other inputs!");
}

static bool is_op(const Node *n, const char *name) { return n->kind == NK_OP && n->op && !strcmp(n->op->name, name); }

/* aten::tensor(number, dtype=prim::dtype(v), device=prim::device(v), ...) for a
 * `v[...] = number` (emit_index.c): Python's setitem runs fill_ on the view, and
 * that is what a trace records (the tensor is made only to be copied). */
static bool is_setitem_number(const Node *n) {
    if (!is_op(n, "aten::tensor") || n->inputs.len < 3 || n->inputs.data[0]->type->kind == TK_TENSOR) return false;
    const Node *d = n->inputs.data[1]->node, *v = n->inputs.data[2]->node;
    return is_op(d, "prim::dtype") && is_op(v, "prim::device") && d->inputs.len == 1 && v->inputs.len == 1 &&
           d->inputs.data[0] == v->inputs.data[0];
}

/* Python's setitem makes the number a 0-dim tensor (untraced: a constant of the
 * trace) and copies it (copy_to): with copy_ into a 0-dim view, with fill_ into
 * any other; the walk records the first as it is. */
static bool is_setitem_copy(const Frame *f, const Node *n) {
    if (!is_op(n, "aten::copy_") || n->inputs.len < 2 || !is_setitem_number(n->inputs.data[1]->node) ||
        n->inputs.data[1]->node->inputs.data[1]->node->inputs.data[0] != n->inputs.data[0])
        return false;
    IValue view = f->v[n->inputs.data[0]->id];
    return view.kind == IV_TENSOR && view.u.t->ndim > 0;
}

/* copy_(view, tensor(number, ...)) traced as fill_(view, number). */
static ts_status eval_setitem_fill(Tracer *t, Frame *f, const Node *n) {
    const OpSchema *s = ops_lookup_overload("aten::fill_", "Scalar");
    if (!s) return fail_at(t, f, n, ts_fail(t->ctx, TS_ERR_NOT_FOUND, &n->span, "trace: aten::fill_.Scalar is missing"));
    Value *view = n->inputs.data[0], *num = n->inputs.data[1]->node->inputs.data[0];
    IValue args[2] = {f->v[view->id], f->v[num->id]}, out = iv_none();
    Shadow *sh[2] = {f->sh[view->id], f->sh[num->id]};
    const char *names[2] = {base_name(t, view->name), base_name(t, num->name)};
    Type *types[1] = {n->outputs.data[0]->type};
    OpInfo info = {s, types, 1, NULL};
    Shadow *rs = NULL;
    ts_status st = s->fn(t->ctx, args, 2, &out, &info);
    if (st == TS_OK) st = tr_record_op(t, s, args, sh, names, 2, &out, types, 1, n->span, &rs);
    if (st != TS_OK) {
        iv_release(out);
        return fail_at(t, f, n, st);
    }
    set(f, n->outputs.data[0], out, rs);
    return TS_OK;
}

static ts_status eval_op(Tracer *t, Frame *f, const Node *n) {
    if (is_setitem_copy(f, n)) return eval_setitem_fill(t, f, n);
    const OpSchema *s = n->op;
    int nin = n->inputs.len, nout = n->outputs.len;
    IValue abuf[16], obuf[8];
    Shadow *sbuf[16];
    const char *nbuf[16];
    Type *tbuf[8];
    IValue *args = nin <= 16 ? abuf : ts_xmalloc(sizeof(IValue) * (size_t)nin);
    Shadow **sh = nin <= 16 ? sbuf : ts_xmalloc(sizeof(Shadow *) * (size_t)nin);
    const char **names = nin <= 16 ? nbuf : ts_xmalloc(sizeof(char *) * (size_t)nin);
    IValue *outs = nout <= 8 ? obuf : ts_xmalloc(sizeof(IValue) * (size_t)nout);
    Type **types = nout <= 8 ? tbuf : ts_xmalloc(sizeof(Type *) * (size_t)nout);
    for (int k = 0; k < nin; k++) {
        Value *x = n->inputs.data[k];
        args[k] = f->v[x->id];
        sh[k] = f->sh[x->id];
        names[k] = base_name(t, x->name);
    }
    for (int k = 0; k < nout; k++) {
        outs[k] = iv_none();
        types[k] = n->outputs.data[k]->type;
    }
    warn_conversions(t, n, args, nin);
    OpInfo info = {s, types, nout, NULL};
    ts_status st = TS_OK;
    if (!strcmp(s->name, "aten::is_grad_enabled") && nin == 0 && nout == 1)
        outs[0] = iv_bool(t->opt.grad_enabled); /* autograd as PyTorch's trace runs (trace.h) */
    else if (!strcmp(s->name, "prim::requires_grad") && nin == 1 && nout == 1 && args[0].kind == IV_TENSOR &&
             tr_is_parameter(t, args[0].u.t))
        outs[0] = iv_bool(true); /* an nn.Parameter */
    else
        st = s->fn(t->ctx, args, nin, outs, &info);
    if (s->writes) op_bump_written(s, args, nin);
    Shadow *rs = NULL;
    if (st == TS_OK && ts_alloc_over_limit()) {
        ts_alloc_clear_over_limit();
        st = ts_fail(t->ctx, TS_ERR_NOMEM, NULL, "out of memory in %s while tracing", s->name);
    }
    /* the number of a `v[...] = number` is not recorded: its copy_ is a fill_ */
    if (st == TS_OK && !is_setitem_number(n)) st = tr_record_op(t, s, args, sh, names, nin, outs, types, nout, n->span, &rs);
    if (st == TS_OK)
        for (int k = 0; k < nout; k++) set(f, n->outputs.data[k], outs[k], k == 0 ? rs : NULL);
    else
        for (int k = 0; k < nout; k++) iv_release(outs[k]);
    if (args != abuf) ts_free(args);
    if (sh != sbuf) ts_free(sh);
    if (names != nbuf) ts_free(names);
    if (outs != obuf) ts_free(outs);
    if (types != tbuf) ts_free(types);
    return st != TS_OK ? fail_at(t, f, n, st) : TS_OK;
}

/* A submodule's forward: recorded as a call (trace.c), its body walked in
 * the new method's scope. */
static bool is_forward(const Function *fn) { return !strncmp(fn->name, "forward", 7); }

static ts_status eval_call(Tracer *t, Frame *f, const Node *n) {
    Function *callee = n->callee;
    int nin = n->inputs.len;
    IValue *args = ts_xmalloc(sizeof(IValue) * (size_t)(nin + 1));
    Shadow **sh = ts_xmalloc(sizeof(Shadow *) * (size_t)(nin + 1));
    for (int k = 0; k < nin; k++) {
        args[k] = f->v[n->inputs.data[k]->id];
        sh[k] = f->sh[n->inputs.data[k]->id];
    }
    ts_status st = ctx_poll(t->ctx, &n->span);
    IValue r = iv_none();
    Shadow *rs = NULL;
    TMod *m = NULL;
    if (st == TS_OK && n->kind == NK_CALL_METHOD && nin > 0 && args[0].kind == IV_OBJECT) {
        m = tr_mod_of(t, args[0].u.obj);
        if (m && !m->scripted && !is_forward(callee)) m = NULL;
    }
    if (st == TS_OK && ((m && m->scripted) || (n->kind == NK_CALL_FUNCTION && callee->user_scripted))) {
        /* scripted code: run (not walked) and kept as a call */
        st = interp_call(t->ctx, callee, args, nin, &r);
        if (st == TS_OK) st = tr_record_call(t, m, callee, args, sh, nin, r, n->span);
    } else if (st == TS_OK && m && m != t->scope->mod) {
        Value **cin = NULL;
        int ncin = 0;
        st = tr_call_begin(t, m, callee, args, nin, n->span, &cin, &ncin);
        if (st == TS_OK) {
            st = tr_run_function(t, callee, args, sh, nin, &r, &rs);
            rs = NULL;
            if (st == TS_OK) st = tr_call_end(t, m, callee, cin, ncin, r, n->span);
            else tr_call_abort(t);
        }
        ts_free(cin);
    } else if (st == TS_OK) {
        st = tr_run_function(t, callee, args, sh, nin, &r, &rs);
    }
    ts_free(args);
    ts_free(sh);
    if (st != TS_OK) {
        iv_release(r);
        return fail_at(t, f, n, st);
    }
    if (n->outputs.len) set(f, n->outputs.data[0], r, rs);
    else iv_release(r);
    return TS_OK;
}

static Shadow *container_shadow(Tracer *t, Frame *f, const Node *n) {
    bool any = false;
    for (int k = 0; k < n->inputs.len; k++) any |= f->sh[n->inputs.data[k]->id] != NULL;
    if (!any) return NULL;
    Shadow *s = tr_shadow_new(t, NULL, n->inputs.len);
    for (int k = 0; k < n->inputs.len; k++) {
        Value *x = n->inputs.data[k];
        s->items[k] = f->sh[x->id];
        if (s->items[k] && s->items[k]->v) tr_name_value(t, s->items[k]->v, base_name(t, x->name));
    }
    return s;
}

static ts_status eval_construct(Tracer *t, Frame *f, const Node *n) {
    int nin = n->inputs.len;
    Type *ty = n->outputs.data[0]->type;
    IValue r;
    if (n->kind == NK_LIST_CONSTRUCT) {
        ListObj *l = list_new(ty->kind == TK_LIST ? ty->elems[0] : ty_any(), nin);
        for (int k = 0; k < nin; k++) list_push_steal(l, iv_dup(f->v[n->inputs.data[k]->id]));
        r = iv_list_steal(l);
    } else if (n->kind == NK_TUPLE_CONSTRUCT) {
        TupleObj *tp = tuple_new(nin);
        if (ty && ty->kind == TK_CLASS) tp->type = ty;
        for (int k = 0; k < nin; k++) tp->items[k] = iv_dup(f->v[n->inputs.data[k]->id]);
        r = iv_tuple_steal(tp);
    } else {
        DictObj *d = dict_new(ty->elems[0], ty->elems[1]);
        for (int k = 0; k + 1 < nin; k += 2)
            dict_set_steal(d, iv_dup(f->v[n->inputs.data[k]->id]), iv_dup(f->v[n->inputs.data[k + 1]->id]));
        r = iv_dict_steal(d);
        set(f, n->outputs.data[0], r, NULL);
        return TS_OK;
    }
    set(f, n->outputs.data[0], r, container_shadow(t, f, n));
    return TS_OK;
}

static ts_status eval_unpack(Tracer *t, Frame *f, const Node *n) {
    IValue c = f->v[n->inputs.data[0]->id];
    Shadow *cs = f->sh[n->inputs.data[0]->id];
    int64_t len = c.kind == IV_TUPLE ? c.u.tup->len : c.kind == IV_LIST ? c.u.l->len : -1;
    const IValue *items = c.kind == IV_TUPLE ? c.u.tup->items : c.kind == IV_LIST ? c.u.l->items : NULL;
    if (n->kind == NK_TUPLE_INDEX) {
        int64_t idx = n->index;
        if (n->inputs.len > 1) idx = f->v[n->inputs.data[1]->id].u.i;
        if (c.kind != IV_TUPLE)
            return fail_at(t, f, n, ts_fail(t->ctx, TS_ERR_TYPE, NULL, "tuple index on a %s", iv_kind_name(c)));
        if (idx < 0) idx += len;
        if (idx < 0 || idx >= len)
            return fail_at(t, f, n, ts_fail(t->ctx, TS_ERR_VALUE, NULL, "tuple index out of range"));
        set(f, n->outputs.data[0], iv_dup(items[idx]), cs && idx < cs->n ? cs->items[idx] : NULL);
        return TS_OK;
    }
    if (len != n->outputs.len)
        return fail_at(t, f, n,
                       ts_fail(t->ctx, TS_ERR_VALUE, NULL, "cannot unpack a %s of %lld elements into %d values",
                               iv_kind_name(c), (long long)len, n->outputs.len));
    (void)t;
    for (int k = 0; k < n->outputs.len; k++)
        set(f, n->outputs.data[k], iv_dup(items[k]), cs && k < cs->n ? cs->items[k] : NULL);
    return TS_OK;
}

static bool truthy(IValue c) { return c.kind == IV_BOOL ? c.u.b : iv_truthy(c); }

static const char *const FLOW_WARNING =
    "Converting a tensor to a Python boolean might cause the trace to be incorrect. We can't record "
    "the data flow of Python values, so this value will be treated as a constant in the future. This "
    "means that the trace might not generalize to other inputs!";

static ts_status copy_out(Frame *f, const Block *b, const Node *n) {
    /* the block's results become the node's outputs */
    int nres = b->ret->inputs.len, first = n->kind == NK_LOOP ? 1 : 0;
    for (int k = 0; k + first < nres && k < n->outputs.len; k++) {
        Value *r = b->ret->inputs.data[k + first];
        set(f, n->outputs.data[k], iv_dup(f->v[r->id]), f->sh[r->id]);
    }
    return TS_OK;
}

static ts_status eval_if(Tracer *t, Frame *f, const Node *n) {
    Value *c = n->inputs.data[0];
    if (f->sh[c->id]) tr_warn(t, n->span, FLOW_WARNING);
    const Block *b = n->blocks[truthy(f->v[c->id]) ? 0 : 1];
    TS_TRY(run_block(t, f, b));
    return copy_out(f, b, n);
}

/* inputs: max_trip, cond, carried...; block params: iter, carried...;
 * block returns: cond, carried...; outputs: carried... */
static ts_status eval_loop(Tracer *t, Frame *f, const Node *n) {
    const Block *b = n->blocks[0];
    IValue maxv = f->v[n->inputs.data[0]->id];
    int64_t max = maxv.kind == IV_INT ? maxv.u.i : INT64_MAX;
    bool cond = truthy(f->v[n->inputs.data[1]->id]);
    if (f->sh[n->inputs.data[1]->id]) tr_warn(t, n->span, FLOW_WARNING);
    int ncar = n->inputs.len - 2;
    const ValueList *params = &b->param->outputs;
    for (int k = 0; k < ncar; k++) {
        Value *in = n->inputs.data[2 + k];
        set(f, params->data[1 + k], iv_dup(f->v[in->id]), f->sh[in->id]);
    }
    for (int64_t i = 0; i < max && cond; i++) {
        ts_status st = ctx_poll(t->ctx, &n->span);
        if (st != TS_OK) return fail_at(t, f, n, st);
        if (iv_gc_due()) iv_gc_collect();
        set(f, params->data[0], iv_int(i), NULL);
        TS_TRY(run_block(t, f, b));
        const ValueList *ret = &b->ret->inputs;
        cond = truthy(f->v[ret->data[0]->id]);
        if (f->sh[ret->data[0]->id]) tr_warn(t, n->span, FLOW_WARNING);
        /* carried values through temporaries: a return may name a param */
        IValue tmp[16];
        Shadow *tsh[16];
        IValue *tv = ncar <= 16 ? tmp : ts_xmalloc(sizeof(IValue) * (size_t)ncar);
        Shadow **ts = ncar <= 16 ? tsh : ts_xmalloc(sizeof(Shadow *) * (size_t)ncar);
        for (int k = 0; k < ncar; k++) {
            tv[k] = iv_dup(f->v[ret->data[1 + k]->id]);
            ts[k] = f->sh[ret->data[1 + k]->id];
        }
        for (int k = 0; k < ncar; k++) set(f, params->data[1 + k], tv[k], ts[k]);
        if (tv != tmp) ts_free(tv);
        if (ts != tsh) ts_free(ts);
    }
    for (int k = 0; k < ncar && k < n->outputs.len; k++) {
        Value *p = params->data[1 + k];
        set(f, n->outputs.data[k], iv_dup(f->v[p->id]), f->sh[p->id]);
    }
    return TS_OK;
}

static ts_status eval_attr(Tracer *t, Frame *f, const Node *n) {
    IValue o = f->v[n->inputs.data[0]->id];
    if (o.kind != IV_OBJECT || n->index < 0 || n->index >= o.u.obj->nslots)
        return fail_at(t, f, n,
                       ts_fail(t->ctx, TS_ERR_TYPE, NULL, "attribute %s on a %s value", n->name ? n->name : "",
                               iv_kind_name(o)));
    if (n->kind == NK_GETATTR) {
        set(f, n->outputs.data[0], iv_dup(o.u.obj->slots[n->index]), NULL);
    } else {
        IValue old = o.u.obj->slots[n->index];
        o.u.obj->slots[n->index] = iv_dup(f->v[n->inputs.data[1]->id]);
        iv_release(old);
    }
    return TS_OK;
}

static ts_status eval_node(Tracer *t, Frame *f, const Node *n) {
    switch (n->kind) {
    case NK_OP: return eval_op(t, f, n);
    case NK_CONSTANT: set(f, n->outputs.data[0], iv_dup(n->cval), NULL); return TS_OK;
    case NK_GETATTR:
    case NK_SETATTR: return eval_attr(t, f, n);
    case NK_IF: return eval_if(t, f, n);
    case NK_LOOP: return eval_loop(t, f, n);
    case NK_CALL_METHOD:
    case NK_CALL_FUNCTION: return eval_call(t, f, n);
    case NK_LIST_CONSTRUCT:
    case NK_TUPLE_CONSTRUCT:
    case NK_DICT_CONSTRUCT: return eval_construct(t, f, n);
    case NK_LIST_UNPACK:
    case NK_TUPLE_UNPACK:
    case NK_TUPLE_INDEX: return eval_unpack(t, f, n);
    case NK_UNCHECKED_CAST: {
        Value *x = n->inputs.data[0];
        set(f, n->outputs.data[0], iv_dup(f->v[x->id]), f->sh[x->id]);
        return TS_OK;
    }
    case NK_UNINITIALIZED: set(f, n->outputs.data[0], iv_uninit(), NULL); return TS_OK;
    case NK_ISINSTANCE:
        set(f, n->outputs.data[0], iv_bool(iv_isinstance(f->v[n->inputs.data[0]->id], n->tattr)), NULL);
        return TS_OK;
    case NK_CREATE_OBJECT:
        set(f, n->outputs.data[0], iv_object_steal(object_new(n->tattr->cls)), NULL);
        return TS_OK;
    case NK_ENUM_NAME:
    case NK_ENUM_VALUE: {
        IValue e = f->v[n->inputs.data[0]->id];
        if (e.kind != IV_ENUM) return fail_at(t, f, n, ts_fail(t->ctx, TS_ERR_TYPE, NULL, "not an enum"));
        IValue r;
        if (n->kind == NK_ENUM_VALUE) {
            r = iv_dup(e.u.en->value);
        } else {
            r.kind = IV_STR;
            r.u.h = &e.u.en->name->hdr;
            r = iv_dup(r);
        }
        set(f, n->outputs.data[0], r, NULL);
        return TS_OK;
    }
    case NK_ENUM_MEMBER: {
        const ClassType *c = n->tattr->cls;
        const ClassConst *k = &c->consts.data[n->index];
        IValue e;
        e.kind = IV_ENUM;
        e.u.en = enum_new((ClassType *)c, k->name, iv_dup(k->value));
        set(f, n->outputs.data[0], e, NULL);
        return TS_OK;
    }
    case NK_FAIL:
    case NK_UNRESOLVED:
        ts_fail(t->ctx, (ts_status)n->index, &n->span, "%s", n->text);
        return fail_at(t, f, n, (ts_status)n->index);
    case NK_PARAM:
    case NK_RETURN:
    case NK__COUNT: break;
    }
    return fail_at(t, f, n, ts_fail(t->ctx, TS_ERR_RUNTIME, &n->span, "trace: unexpected node %s",
                                    nodekind_symbol(n->kind)));
}

static ts_status run_block(Tracer *t, Frame *f, const Block *b) {
    for (Node *n = b->param->next; n != b->ret; n = n->next) {
        TS_TRY(eval_node(t, f, n));
        if (ts_alloc_over_limit()) {
            ts_alloc_clear_over_limit();
            return fail_at(t, f, n, ts_fail(t->ctx, TS_ERR_NOMEM, NULL, "out of memory while tracing"));
        }
    }
    return TS_OK;
}

ts_status tr_run_function(Tracer *t, Function *fn, const IValue *args, Shadow *const *shadows, int nargs,
                          IValue *out, Shadow **out_shadow) {
    *out = iv_none();
    *out_shadow = NULL;
    if (!fn->graph || fn->state != FN_EMITTED)
        return ts_fail(t->ctx, TS_ERR_NOT_FOUND, &fn->span, "function %s is not compiled", fn->qualname);
    const ValueList *params = &fn->graph->block->param->outputs;
    if (nargs != params->len)
        return ts_fail(t->ctx, TS_ERR_ARG, &fn->span, "%s expects %d arguments, got %d", fn->qualname,
                       params->len, nargs);
    if (t->depth >= TS_MAX_CALL_DEPTH)
        return ts_fail(t->ctx, TS_ERR_RUNTIME, &fn->span,
                       "maximum call depth (%d) exceeded in %s (unbounded recursion?)", TS_MAX_CALL_DEPTH,
                       fn->qualname);
    TS_TRY(ctx_poll(t->ctx, &fn->span));
    Frame f;
    f.n = fn->graph->next_id;
    f.fn = fn;
    f.v = ts_xmalloc(sizeof(IValue) * (size_t)(f.n + 1));
    f.sh = ts_xmalloc(sizeof(Shadow *) * (size_t)(f.n + 1));
    for (int i = 0; i <= f.n; i++) {
        f.v[i] = iv_none();
        f.sh[i] = NULL;
    }
    for (int i = 0; i < nargs; i++) {
        f.v[params->data[i]->id] = iv_dup(args[i]);
        f.sh[params->data[i]->id] = shadows ? shadows[i] : NULL;
    }
    t->depth++;
    ts_status st = run_block(t, &f, fn->graph->block);
    t->depth--;
    if (st == TS_OK) {
        const ValueList *ret = &fn->graph->block->ret->inputs;
        if (ret->len) {
            *out = iv_dup(f.v[ret->data[0]->id]);
            *out_shadow = f.sh[ret->data[0]->id];
        }
    }
    for (int i = 0; i <= f.n; i++) iv_release(f.v[i]);
    ts_free(f.v);
    ts_free(f.sh);
    return st;
}
