/*
 * freeze.c - inlining and freezing (opt.h): one method of a module in eval
 * mode becomes one graph in which every call of a method of a submodule or
 * of a free function is inlined and every attribute of the module tree is a
 * constant, as torch.jit.freeze makes it.
 *
 * The copy walks the source graphs with a map per inlined call from each
 * source value to what it is in the new graph: a value, or a module object
 * known at optimisation time (self, self.layer1, self.layer1[0] ...). A
 * known object is never a value of the new graph: reading an attribute of
 * it gives a constant (or the next known object), calling its method
 * inlines the method. Anything that would need the object itself at run
 * time (passing it, returning it, setting an attribute, a call of a method
 * that is not compiled) refuses the whole optimisation, so the result never
 * differs from the original program.
 */
#include <string.h>

#include "opt/opt.h"

typedef struct Slot {
    Value *v;    /* the value in the new graph */
    Object *obj; /* or the module object known at optimisation time */
} Slot;

typedef struct Freezer {
    Ctx *ctx;
    Graph *g; /* the new graph */
    OptStats *st;
    int depth;
} Freezer;

enum { MAX_INLINE_DEPTH = 64 };

static ts_status copy_block(Freezer *f, const Block *src, Block *dst, Slot *map);

static bool is_module_object(IValue v) { return v.kind == IV_OBJECT && v.u.obj->cls->kind == CK_MODULE; }

static ts_status refuse(Freezer *f, const Node *n, const char *why) {
    return ts_fail(f->ctx, TS_ERR_UNSUPPORTED, &n->span, "optimize: %s", why);
}

/* The new-graph value of source value v (a known object is refused). */
static ts_status value_of(Freezer *f, const Node *n, Slot *map, const Value *v, Value **out) {
    Slot *s = &map[v->id];
    if (s->v) {
        *out = s->v;
        return TS_OK;
    }
    if (s->obj) return refuse(f, n, "a module is used as a value (passed, stored or returned); it cannot be frozen");
    return ts_fail(f->ctx, TS_ERR_UNSUPPORTED, &n->span, "optimize: internal: a value is used before it is defined");
}

/* A constant of the new graph appended to dst. */
static Value *constant(Freezer *f, Block *dst, IValue v, Type *t, Span sp) {
    return graph_constant(f->g, dst, iv_dup(v), t, sp);
}

/* A plain copy of n into dst with its inputs mapped and its blocks copied. */
static ts_status copy_node(Freezer *f, const Node *n, Block *dst, Slot *map) {
    Node *c = node_new(f->g, n->kind, n->span);
    c->op = n->op;
    c->name = n->name;
    c->index = n->index;
    c->text = n->text;
    c->after_unresolved = n->after_unresolved;
    c->stmt_call = n->stmt_call;
    c->tattr = n->tattr;
    c->callee = n->callee;
    if (n->kind == NK_CONSTANT) {
        c->cval = iv_dup(n->cval);
        if (iv_is_heap(c->cval)) vec_push(&f->g->consts_to_release, c->cval);
    }
    for (int i = 0; i < n->inputs.len; i++) {
        Value *v = NULL;
        TS_TRY(value_of(f, n, map, n->inputs.data[i], &v));
        node_add_input(f->g, c, v);
    }
    block_append(dst, c);
    for (int i = 0; i < n->outputs.len; i++) {
        Value *o = node_add_output(f->g, c, n->outputs.data[i]->type);
        o->name = n->outputs.data[i]->name;
        map[n->outputs.data[i]->id] = (Slot){o, NULL};
    }
    for (int b = 0; b < n->nblocks; b++) {
        const Block *sb = n->blocks[b];
        Block *db = node_add_block(f->g, c);
        for (int i = 0; i < sb->param->outputs.len; i++) {
            const Value *p = sb->param->outputs.data[i];
            Value *np = block_add_param(f->g, db, p->type, p->name);
            map[p->id] = (Slot){np, NULL};
        }
        TS_TRY(copy_block(f, sb, db, map));
        for (int i = 0; i < sb->ret->inputs.len; i++) {
            Value *v = NULL;
            TS_TRY(value_of(f, n, map, sb->ret->inputs.data[i], &v));
            block_add_output(f->g, db, v);
        }
    }
    return TS_OK;
}

/* Inline fn's graph into dst: args[i] is what parameter i is; the call's
 * outputs get what the callee's return names. */
static ts_status inline_call(Freezer *f, const Node *call, Function *fn, const Slot *args, int nargs, Block *dst,
                             Slot *map) {
    if (fn->state != FN_EMITTED || !fn->graph)
        return refuse(f, call, "a called method or function is not compiled");
    if (f->depth >= MAX_INLINE_DEPTH) return refuse(f, call, "calls nest too deeply to inline (recursion?)");
    const Graph *cg = fn->graph;
    const ValueList *ps = &cg->block->param->outputs;
    if (ps->len != nargs) return refuse(f, call, "a call's arguments do not match the callee's parameters");
    Slot *cmap = ts_calloc((size_t)cg->next_id + 1, sizeof *cmap);
    if (!cmap) return ts_fail(f->ctx, TS_ERR_NOMEM, NULL, "out of memory");
    for (int i = 0; i < nargs; i++) cmap[ps->data[i]->id] = args[i];
    f->depth++;
    ts_status st = copy_block(f, cg->block, dst, cmap);
    f->depth--;
    const ValueList *rs = &cg->block->ret->inputs;
    if (st == TS_OK && rs->len != call->outputs.len)
        st = refuse(f, call, "a call's results do not match the callee's return");
    for (int i = 0; st == TS_OK && i < rs->len; i++) map[call->outputs.data[i]->id] = cmap[rs->data[i]->id];
    ts_free(cmap);
    if (st == TS_OK) f->st->inlined++;
    return st;
}

static ts_status call_node(Freezer *f, const Node *n, Block *dst, Slot *map) {
    Function *fn = n->callee;
    if (!fn) return refuse(f, n, "a call whose callee is only known at run time");
    Slot *args = ts_calloc((size_t)n->inputs.len + 1, sizeof *args);
    if (!args) return ts_fail(f->ctx, TS_ERR_NOMEM, NULL, "out of memory");
    for (int i = 0; i < n->inputs.len; i++) args[i] = map[n->inputs.data[i]->id];
    ts_status st = inline_call(f, n, fn, args, n->inputs.len, dst, map);
    ts_free(args);
    return st;
}

/* self.name on a known module object: the next known object or a constant. */
static ts_status getattr_node(Freezer *f, const Node *n, Block *dst, Slot *map) {
    Object *o = map[n->inputs.data[0]->id].obj;
    int k = classtype_attr_index(o->cls, n->name);
    if (k < 0 || k >= o->nslots) return refuse(f, n, "an attribute the module object lacks");
    IValue v = o->slots[k];
    Value *out = n->outputs.data[0];
    if (is_module_object(v)) {
        map[out->id] = (Slot){NULL, v.u.obj};
        return TS_OK;
    }
    if (v.kind == IV_OBJECT || v.kind == IV_LIST || v.kind == IV_DICT)
        return refuse(f, n, "an attribute that is a list, dict or object cannot be frozen yet");
    if (v.kind == IV_TENSOR && v.u.t->requires_grad) {
        /* a constant never requires grad (PyTorch refuses one that does): a
         * view of the parameter's storage without the flag */
        Tensor *t = v.u.t;
        Tensor *c = tensor_view(f->ctx, t->storage, t->dtype, t->storage_offset, t->sizes, t->strides, t->ndim);
        if (!c) return f->ctx->status;
        IValue cv = iv_tensor_steal(c);
        map[out->id] = (Slot){constant(f, dst, cv, out->type, n->span), NULL};
        iv_release(cv);
    } else {
        map[out->id] = (Slot){constant(f, dst, v, out->type, n->span), NULL};
    }
    f->st->frozen++;
    return TS_OK;
}

static ts_status copy_block(Freezer *f, const Block *src, Block *dst, Slot *map) {
    for (const Node *n = src->param->next; n != src->ret; n = n->next) {
        ts_status st;
        Object *self = n->inputs.len ? map[n->inputs.data[0]->id].obj : NULL;
        switch (n->kind) {
        case NK_GETATTR: st = self ? getattr_node(f, n, dst, map) : copy_node(f, n, dst, map); break;
        case NK_SETATTR: st = refuse(f, n, "the method sets an attribute (the module is not frozen)"); break;
        case NK_CALL_METHOD:
            st = self ? call_node(f, n, dst, map) : refuse(f, n, "a method call on an object that is not a module");
            break;
        case NK_CALL_FUNCTION: st = call_node(f, n, dst, map); break;
        default: st = copy_node(f, n, dst, map); break;
        }
        if (st != TS_OK) return st;
    }
    return TS_OK;
}

/* A GetAttr left in the frozen graph reads an attribute of an object the
 * new root does not have. */
static ts_status check_left(Freezer *f, const Block *b) {
    for (const Node *n = b->param->next; n != b->ret; n = n->next) {
        if (n->kind == NK_GETATTR && n->inputs.data[0]->node == f->g->block->param)
            return refuse(f, n, "an attribute that cannot be a constant (a list, dict or object)");
        for (int i = 0; i < n->nblocks; i++) TS_TRY(check_left(f, n->blocks[i]));
    }
    return TS_OK;
}

ts_status opt_freeze(Ctx *ctx, Function *fn, Object *root, Type *self_type, Graph **out, OptStats *st) {
    *out = NULL;
    Freezer f = {ctx, graph_new(), st, 0};
    const ValueList *ps = &fn->graph->block->param->outputs;
    Slot *args = ts_calloc((size_t)ps->len + 1, sizeof *args);
    if (!args) {
        graph_free(f.g);
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    }
    graph_add_input(f.g, self_type, "self");
    args[0] = (Slot){NULL, root};
    for (int i = 1; i < ps->len; i++) args[i] = (Slot){graph_add_input(f.g, ps->data[i]->type, ps->data[i]->name), NULL};
    /* the method's body is inlined as a call whose outputs are the graph's */
    Node call = {0};
    call.kind = NK_CALL_METHOD;
    call.span = fn->span;
    const ValueList *rs = &fn->graph->block->ret->inputs;
    Value *outs = ts_calloc((size_t)rs->len + 1, sizeof *outs);
    Value **outp = ts_calloc((size_t)rs->len + 1, sizeof *outp);
    int maxid = rs->len;
    Slot *map = ts_calloc((size_t)maxid + 1, sizeof *map);
    ts_status s = outs && outp && map ? TS_OK : ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    if (s == TS_OK) {
        for (int i = 0; i < rs->len; i++) {
            outs[i].id = i;
            outp[i] = &outs[i];
        }
        call.outputs.data = outp;
        call.outputs.len = rs->len;
        s = inline_call(&f, &call, fn, args, ps->len, f.g->block, map);
        if (s == TS_OK) st->inlined--; /* the method itself */
    }
    for (int i = 0; s == TS_OK && i < rs->len; i++) {
        Value *v = NULL;
        s = value_of(&f, &call, map, &outs[i], &v);
        if (s == TS_OK) graph_add_output(f.g, v);
    }
    if (s == TS_OK) s = check_left(&f, f.g->block);
    ts_free(args);
    ts_free(outs);
    ts_free(outp);
    ts_free(map);
    if (s != TS_OK) {
        graph_free(f.g);
        return s;
    }
    *out = f.g;
    return TS_OK;
}
