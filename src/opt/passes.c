/*
 * passes.c - the rewrites of a frozen graph (opt.h): constant propagation,
 * dead-code elimination and conv + batch_norm folding, repeated until
 * nothing changes.
 *
 * Constant propagation runs an op once, at optimisation time, when every
 * input is a constant (or a list built of constants), the op writes nothing,
 * is deterministic and returns immutable values (numbers, strings, tensors,
 * tuples of those); an op that fails is left to fail at run time. Tensor
 * results are folded only when no in-place op of the graph can write a
 * constant tensor or a view of one (then constants stay what the original
 * attributes were). An if whose condition is a constant is replaced by the
 * nodes of its taken branch.
 *
 * conv + batch_norm folding: aten::batch_norm(conv(x, W, b), gamma, beta,
 * mean, var, training=False, _, eps) whose convolution result has no other
 * use becomes conv(x, W', b') with, per output channel c,
 *     s = gamma[c] / sqrt(var[c] + eps)
 *     W'[c] = W[c] * s,   b'[c] = (b[c] - mean[c]) * s + beta[c]
 * computed in float64 and rounded once to the weight's dtype (what
 * torch.fx's fuse_conv_bn_eval computes, to rounding). The result differs
 * from the unfolded one by the rounding of the folded weights, far inside
 * the conformance tolerance. Training-mode batch norms are never folded.
 */
#include <math.h>
#include <string.h>

#include "opt/opt.h"
#include "tensor/tensor.h"

/* ---- graph helpers ---- */

void opt_insert_before(Node *n, Node *before) {
    n->owner = before->owner;
    n->next = before;
    n->prev = before->prev;
    before->prev->next = n;
    before->prev = n;
}

static void replace_in_block(Block *b, Value *from, Value *to) {
    for (Node *n = b->param->next;; n = n->next) {
        for (int i = 0; i < n->inputs.len; i++)
            if (n->inputs.data[i] == from) n->inputs.data[i] = to;
        if (n == b->ret) break;
        for (int k = 0; k < n->nblocks; k++) replace_in_block(n->blocks[k], from, to);
    }
}

void opt_replace_uses(Graph *g, Value *from, Value *to) { replace_in_block(g->block, from, to); }

static int uses_in_block(const Block *b, const Value *v) {
    int c = 0;
    for (const Node *n = b->param->next;; n = n->next) {
        for (int i = 0; i < n->inputs.len; i++) c += n->inputs.data[i] == v;
        if (n == b->ret) break;
        for (int k = 0; k < n->nblocks; k++) c += uses_in_block(n->blocks[k], v);
    }
    return c;
}

int opt_count_uses(const Graph *g, const Value *v) { return uses_in_block(g->block, v); }

/* Ops that read only a tensor's metadata (shape, dtype, device), which
 * folding a batch norm into the convolution producing it does not change. */
static bool reads_metadata(const Node *n) {
    static const char *names[] = {"aten::dim", "aten::size", "aten::numel", "aten::len", "prim::dtype",
                                  "prim::device", "aten::is_floating_point", "prim::is_cuda"};
    if (n->kind != NK_OP) return false;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(n->op->name, names[i])) return true;
    return false;
}

static int value_uses_in_block(const Block *b, const Value *v) {
    int c = 0;
    for (const Node *n = b->param->next;; n = n->next) {
        if (n == b->ret || !reads_metadata(n))
            for (int i = 0; i < n->inputs.len; i++) c += n->inputs.data[i] == v;
        if (n == b->ret) break;
        for (int k = 0; k < n->nblocks; k++) c += value_uses_in_block(n->blocks[k], v);
    }
    return c;
}

/* Ops whose result is not a function of their inputs (they draw from the
 * generator or read the context's state): never computed ahead, never
 * removed. */
static bool nondeterministic(const OpSchema *s) {
    static const char *words[] = {"rand", "normal", "bernoulli", "dropout", "uniform", "multinomial", "poisson",
                                  "cauchy", "exponential", "geometric", "manual_seed", "empty", "seed", "time",
                                  "sleep", "wait", "fork", "rrelu", "Print", "warn", "Raise", "format", "grad_enabled",
                                  "autocast"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strstr(s->name, words[i])) return true;
    return false;
}

bool opt_has_effect(const Node *n) {
    switch (n->kind) {
    case NK_OP: return n->op->writes || nondeterministic(n->op);
    case NK_SETATTR:
    case NK_CALL_METHOD:
    case NK_CALL_FUNCTION:
    case NK_FAIL:
    case NK_UNRESOLVED:
    case NK_CREATE_OBJECT: return true;
    case NK_IF:
    case NK_LOOP:
        for (int k = 0; k < n->nblocks; k++)
            for (const Node *c = n->blocks[k]->param->next; c != n->blocks[k]->ret; c = c->next)
                if (opt_has_effect(c)) return true;
        return n->kind == NK_LOOP; /* a loop may not end: kept while its results are used or it has effects */
    default: return false;
    }
}

/* ---- dead code ---- */

/* uses[id] += d for every input of the nodes of b (nested blocks and block
 * returns included). */
static void count_block(const Block *b, int *uses, int d) {
    for (const Node *n = b->param->next;; n = n->next) {
        for (int i = 0; i < n->inputs.len; i++) uses[n->inputs.data[i]->id] += d;
        if (n == b->ret) break;
        for (int k = 0; k < n->nblocks; k++) count_block(n->blocks[k], uses, d);
    }
}

/* Removes, last node first, what has no used output and no effect; a
 * removed node's inputs lose a use (so what only it used goes too). */
static bool dead_in_block(Block *b, int *uses, OptStats *st) {
    bool changed = false;
    for (Node *n = b->ret->prev; n != b->param;) {
        Node *prev = n->prev;
        for (int k = 0; k < n->nblocks; k++) changed |= dead_in_block(n->blocks[k], uses, st);
        bool used = false;
        for (int i = 0; i < n->outputs.len && !used; i++) used = uses[n->outputs.data[i]->id] > 0;
        if (!used && !opt_has_effect(n)) {
            for (int i = 0; i < n->inputs.len; i++) uses[n->inputs.data[i]->id]--;
            for (int k = 0; k < n->nblocks; k++) count_block(n->blocks[k], uses, -1);
            node_remove(n);
            st->removed++;
            changed = true;
        }
        n = prev;
    }
    return changed;
}

void opt_dead_code(Graph *g, OptStats *st) {
    int *uses = ts_xmalloc(sizeof(int) * (size_t)(g->next_id + 1));
    memset(uses, 0, sizeof(int) * (size_t)(g->next_id + 1));
    count_block(g->block, uses, 1);
    while (dead_in_block(g->block, uses, st)) {
    }
    ts_free(uses);
}

/* ---- constant propagation ---- */

static bool is_const(const Value *v) { return v->node->kind == NK_CONSTANT; }

static bool immutable(IValue v) {
    switch (v.kind) {
    case IV_NONE:
    case IV_BOOL:
    case IV_INT:
    case IV_DOUBLE:
    case IV_DEVICE:
    case IV_STR:
    case IV_TENSOR: return true;
    case IV_TUPLE:
        for (int64_t i = 0; i < v.u.tup->len; i++)
            if (!immutable(v.u.tup->items[i])) return false;
        return true;
    default: return false;
    }
}

/* The constant value of v for an op's argument: a constant, or a list built
 * of constants (a new list, owned). */
static bool arg_value(const Value *v, IValue *out) {
    const Node *d = v->node;
    if (d->kind == NK_CONSTANT) {
        *out = iv_dup(d->cval);
        return true;
    }
    if (d->kind != NK_LIST_CONSTRUCT || v->type->kind != TK_LIST) return false;
    for (int i = 0; i < d->inputs.len; i++)
        if (!is_const(d->inputs.data[i])) return false;
    ListObj *l = list_new(v->type->elems[0], d->inputs.len);
    for (int i = 0; i < d->inputs.len; i++) list_push_steal(l, iv_dup(d->inputs.data[i]->node->cval));
    *out = iv_list_steal(l);
    return true;
}

typedef struct Folder {
    Ctx *ctx;
    Graph *g;
    OptStats *st;
    bool tensors; /* tensor results may be folded */
    bool changed;
} Folder;

/* Replace n's outputs by constants vals[] (stolen) and remove n. */
static void become_constants(Folder *f, Node *n, IValue *vals) {
    for (int i = 0; i < n->outputs.len; i++) {
        Node *c = node_new(f->g, NK_CONSTANT, n->span);
        c->cval = vals[i];
        if (iv_is_heap(vals[i])) vec_push(&f->g->consts_to_release, vals[i]);
        opt_insert_before(c, n);
        Value *cv = node_add_output(f->g, c, n->outputs.data[i]->type);
        cv->name = n->outputs.data[i]->name;
        opt_replace_uses(f->g, n->outputs.data[i], cv);
    }
    node_remove(n);
    f->st->folded++;
    f->changed = true;
}

static bool is_written_arg(const OpArg *a);
static bool returns_alias(const OpSchema *s);

/* Could a node of b write v, or a value that may alias it (a view, a
 * container holding it, a block output)? depth bounds the alias chain. */
static bool written_in(const Block *b, const Value *v, int depth) {
    for (const Node *n = b->param->next;; n = n->next) {
        for (int i = 0; i < n->inputs.len; i++) {
            if (n->inputs.data[i] != v) continue;
            if (n == b->ret) return true; /* leaves the block: follow no further, assume the worst */
            if (n->kind == NK_OP && n->op->writes && i < n->op->nargs && is_written_arg(&n->op->args[i]))
                return true;
            bool aliases = n->kind != NK_OP || returns_alias(n->op);
            if (aliases && n->kind != NK_RETURN)
                for (int k = 0; k < n->outputs.len; k++)
                    if (depth > 16 || written_in(b, n->outputs.data[k], depth + 1)) return true;
        }
        if (n == b->ret) break;
        for (int k = 0; k < n->nblocks; k++)
            if (written_in(n->blocks[k], v, depth)) return true;
    }
    return false;
}

static void fold_op(Folder *f, Node *n) {
    const OpSchema *s = n->op;
    if (!s || !s->fn || s->writes || nondeterministic(s) || s->varret || n->outputs.len == 0 || n->outputs.len > 8)
        return;
    IValue args[32], outs[8];
    Type *types[8];
    if (n->inputs.len > 32) return;
    int k = 0;
    for (; k < n->inputs.len; k++)
        if (!arg_value(n->inputs.data[k], &args[k])) break;
    bool ok = k == n->inputs.len;
    for (int i = 0; i < n->outputs.len; i++) {
        outs[i] = iv_none();
        types[i] = n->outputs.data[i]->type;
    }
    if (ok) {
        OpInfo info = {s, types, n->outputs.len, NULL};
        ok = s->fn(f->ctx, args, n->inputs.len, outs, &info) == TS_OK;
        if (!ok) ts_clear_error(f->ctx);
    }
    for (int i = 0; i < k; i++) iv_release(args[i]);
    for (int i = 0; ok && i < n->outputs.len; i++)
        ok = immutable(outs[i]) && (outs[i].kind != IV_TENSOR ||
                                    (f->tensors && !written_in(f->g->block, n->outputs.data[i], 0)));
    if (!ok) {
        for (int i = 0; i < n->outputs.len; i++) iv_release(outs[i]);
        return;
    }
    become_constants(f, n, outs);
}

/* if on a constant: the taken branch's nodes go before n, n's outputs are
 * what that branch returns. */
static void fold_if(Folder *f, Node *n) {
    const Value *c = n->inputs.data[0];
    if (!is_const(c) || c->node->cval.kind != IV_BOOL || n->nblocks != 2) return;
    Block *b = n->blocks[c->node->cval.u.b ? 0 : 1];
    for (Node *x = b->param->next; x != b->ret;) {
        Node *next = x->next;
        node_remove(x);
        opt_insert_before(x, n);
        x = next;
    }
    for (int i = 0; i < n->outputs.len; i++) opt_replace_uses(f->g, n->outputs.data[i], b->ret->inputs.data[i]);
    node_remove(n);
    f->st->folded++;
    f->changed = true;
}

static void fold_simple(Folder *f, Node *n) {
    if (n->inputs.len == 0 || n->outputs.len == 0) return;
    for (int i = 0; i < n->inputs.len; i++)
        if (!is_const(n->inputs.data[i])) return;
    IValue vals[1];
    switch (n->kind) {
    case NK_UNCHECKED_CAST: vals[0] = iv_dup(n->inputs.data[0]->node->cval); break;
    case NK_TUPLE_INDEX: {
        IValue t = n->inputs.data[0]->node->cval;
        if (t.kind != IV_TUPLE || n->index < 0 || n->index >= t.u.tup->len) return;
        vals[0] = iv_dup(t.u.tup->items[n->index]);
        break;
    }
    default: return;
    }
    become_constants(f, n, vals);
}

/* TupleUnpack of a TupleConstruct: the elements themselves. */
static void fold_unpack(Folder *f, Node *n) {
    const Node *d = n->inputs.data[0]->node;
    if (d->kind != NK_TUPLE_CONSTRUCT || d->inputs.len != n->outputs.len) return;
    for (int i = 0; i < n->outputs.len; i++) opt_replace_uses(f->g, n->outputs.data[i], d->inputs.data[i]);
    node_remove(n);
    f->st->folded++;
    f->changed = true;
}

static void fold_block(Folder *f, Block *b) {
    for (Node *n = b->param->next; n != b->ret;) {
        Node *next = n->next, *prev = n->prev;
        switch (n->kind) {
        case NK_OP: fold_op(f, n); break;
        case NK_IF: fold_if(f, n); break;
        case NK_TUPLE_UNPACK: fold_unpack(f, n); break;
        default: fold_simple(f, n); break;
        }
        if (!n->owner) { /* removed: continue with what replaced it */
            n = prev->next;
            continue;
        }
        for (int k = 0; k < n->nblocks; k++) fold_block(f, n->blocks[k]);
        n = next;
    }
}

/* ---- may an in-place op write a constant tensor? ---- */

static bool returns_alias(const OpSchema *s) {
    for (int i = 0; i < s->nret; i++)
        if (s->rets[i].type_text && strchr(s->rets[i].type_text, '(')) return true;
    return false;
}

static bool is_written_arg(const OpArg *a) { return a->type_text && strchr(a->type_text, '!'); }

/* Marks (by value id) tensors that are constants or views of them, and
 * reports whether a write reaches one. */
static bool writes_constant(const Block *b, bool *tainted) {
    for (const Node *n = b->param->next; n != b->ret; n = n->next) {
        if (n->kind == NK_CONSTANT && n->cval.kind == IV_TENSOR) tainted[n->outputs.data[0]->id] = true;
        if (n->kind == NK_OP) {
            bool any = false;
            for (int i = 0; i < n->inputs.len; i++) any |= tainted[n->inputs.data[i]->id];
            if (any && n->op->writes)
                for (int i = 0; i < n->inputs.len && i < n->op->nargs; i++)
                    if (is_written_arg(&n->op->args[i]) && tainted[n->inputs.data[i]->id]) return true;
            if (any && returns_alias(n->op))
                for (int i = 0; i < n->outputs.len; i++) tainted[n->outputs.data[i]->id] = true;
        } else if (n->kind != NK_CONSTANT) {
            /* containers and control flow pass tensors on: what they make may alias */
            bool any = false;
            for (int i = 0; i < n->inputs.len; i++) any |= tainted[n->inputs.data[i]->id];
            if (any)
                for (int i = 0; i < n->outputs.len; i++) tainted[n->outputs.data[i]->id] = true;
        }
        for (int k = 0; k < n->nblocks; k++)
            if (writes_constant(n->blocks[k], tainted)) return true;
    }
    return false;
}

static bool constants_stay(Graph *g) {
    bool *t = ts_xmalloc((size_t)g->next_id + 1);
    memset(t, 0, (size_t)g->next_id + 1);
    bool w = writes_constant(g->block, t);
    ts_free(t);
    return !w;
}

/* ---- conv + batch_norm ---- */

static bool const_tensor(const Value *v, Tensor **t) {
    if (!is_const(v) || v->node->cval.kind != IV_TENSOR) return false;
    *t = v->node->cval.u.t;
    return true;
}

static bool const_none_or_tensor(const Value *v, Tensor **t) {
    *t = NULL;
    return (is_const(v) && v->node->cval.kind == IV_NONE) || const_tensor(v, t);
}

static bool const_number(const Value *v, double *d) {
    if (!is_const(v)) return false;
    IValue c = v->node->cval;
    if (c.kind != IV_DOUBLE && c.kind != IV_INT) return false;
    *d = iv_scalar_f64(c);
    return true;
}

/* A convolution node tscript may fold into: (weight index, bias index). */
static bool is_conv(const Node *n) {
    if (n->kind != NK_OP) return false;
    const char *nm = n->op->name;
    if (!strcmp(nm, "aten::conv1d") || !strcmp(nm, "aten::conv2d") || !strcmp(nm, "aten::conv3d")) return true;
    if (!strcmp(nm, "aten::_convolution") || !strcmp(nm, "aten::convolution")) {
        const Value *tr = n->inputs.data[6];
        return is_const(tr) && tr->node->cval.kind == IV_BOOL && !tr->node->cval.u.b;
    }
    return false;
}

/* t as contiguous float64 values (owned), NULL on failure. */
static double *f64_values(Ctx *ctx, const Tensor *t, int64_t n) {
    if (tensor_numel(t) != n) return NULL;
    Tensor *d = tensor_to_dtype(ctx, (Tensor *)t, DT_FLOAT64);
    Tensor *c = d ? tensor_contiguous(ctx, d) : NULL;
    double *out = c ? ts_malloc(sizeof(double) * (size_t)(n ? n : 1)) : NULL;
    if (out) memcpy(out, tensor_data(c), sizeof(double) * (size_t)n);
    tensor_release(c);
    tensor_release(d);
    if (!out) ts_clear_error(ctx);
    return out;
}

/* A new tensor of dtype dt and t's sizes holding vals. */
static Tensor *tensor_of(Ctx *ctx, DType dt, const int64_t *sizes, int ndim, const double *vals, int64_t n) {
    Tensor *d = tensor_new_uninit(ctx, DT_FLOAT64, sizes, ndim);
    if (!d) return NULL;
    memcpy(tensor_data(d), vals, sizeof(double) * (size_t)n);
    Tensor *r = dt == DT_FLOAT64 ? d : tensor_to_dtype(ctx, d, dt);
    if (r != d) tensor_release(d);
    return r;
}

static Value *add_constant_before(Folder *f, Node *before, IValue v, Type *t) {
    Node *c = node_new(f->g, NK_CONSTANT, before->span);
    c->cval = v;
    if (iv_is_heap(v)) vec_push(&f->g->consts_to_release, v);
    opt_insert_before(c, before);
    return node_add_output(f->g, c, t);
}

/* W'[c] = W[c] * scale[c] (per output channel), rounded once to W's dtype. */
static Tensor *scaled_weight(Ctx *ctx, Tensor *w, const double *scale, int64_t oc, int64_t per) {
    if (w->dtype == DT_FLOAT32 && tensor_is_contiguous(w)) {
        Tensor *r = tensor_new_uninit(ctx, DT_FLOAT32, w->sizes, w->ndim);
        if (!r) return NULL;
        const float *src = tensor_data(w);
        float *dst = tensor_data(r);
        for (int64_t c = 0; c < oc; c++)
            for (int64_t i = 0; i < per; i++) dst[c * per + i] = (float)((double)src[c * per + i] * scale[c]);
        return r;
    }
    double *wv = f64_values(ctx, w, oc * per);
    if (!wv) return NULL;
    for (int64_t c = 0; c < oc; c++)
        for (int64_t i = 0; i < per; i++) wv[c * per + i] *= scale[c];
    Tensor *r = tensor_of(ctx, w->dtype, w->sizes, w->ndim, wv, oc * per);
    ts_free(wv);
    return r;
}

static void fold_bn(Folder *f, Node *bn) {
    if (bn->kind != NK_OP || strcmp(bn->op->name, "aten::batch_norm") || bn->inputs.len < 9) return;
    Value *x = bn->inputs.data[0];
    Node *cv = x->node;
    Tensor *w, *b, *gam, *bet, *mean, *var;
    double eps;
    const Value *tr = bn->inputs.data[5];
    if (!is_conv(cv) || cv->owner != bn->owner || !is_const(tr) || tr->node->cval.kind != IV_BOOL ||
        tr->node->cval.u.b)
        return;
    if (!const_tensor(cv->inputs.data[1], &w) || !const_none_or_tensor(cv->inputs.data[2], &b) ||
        !const_none_or_tensor(bn->inputs.data[1], &gam) || !const_none_or_tensor(bn->inputs.data[2], &bet) ||
        !const_tensor(bn->inputs.data[3], &mean) || !const_tensor(bn->inputs.data[4], &var) ||
        !const_number(bn->inputs.data[7], &eps))
        return;
    if ((w->dtype != DT_FLOAT32 && w->dtype != DT_FLOAT64) || w->ndim < 3 ||
        value_uses_in_block(f->g->block, x) != 1)
        return;
    int64_t oc = w->sizes[0], per = oc ? tensor_numel(w) / oc : 0;
    double *bv = b ? f64_values(f->ctx, b, oc) : NULL;
    double *gv = gam ? f64_values(f->ctx, gam, oc) : NULL, *btv = bet ? f64_values(f->ctx, bet, oc) : NULL;
    double *mv = f64_values(f->ctx, mean, oc), *vv = f64_values(f->ctx, var, oc);
    if (mv && vv && (!b || bv) && (!gam || gv) && (!bet || btv)) {
        double *sc = ts_xmalloc(sizeof(double) * (size_t)(oc ? oc : 1));
        double *nb = ts_xmalloc(sizeof(double) * (size_t)(oc ? oc : 1));
        for (int64_t c = 0; c < oc; c++) {
            sc[c] = (gv ? gv[c] : 1.0) / sqrt(vv[c] + eps);
            nb[c] = ((bv ? bv[c] : 0.0) - mv[c]) * sc[c] + (btv ? btv[c] : 0.0);
        }
        int64_t bsz[1] = {oc};
        Tensor *nw = scaled_weight(f->ctx, w, sc, oc, per);
        Tensor *nbt = nw ? tensor_of(f->ctx, w->dtype, bsz, 1, nb, oc) : NULL;
        ts_free(sc);
        ts_free(nb);
        if (nw && nbt) {
            cv->inputs.data[1] = add_constant_before(f, cv, iv_tensor_steal(nw), ty_tensor());
            cv->inputs.data[2] = add_constant_before(f, cv, iv_tensor_steal(nbt), ty_optional(ty_tensor()));
            opt_replace_uses(f->g, bn->outputs.data[0], x);
            node_remove(bn);
            f->st->bn_folded++;
            f->changed = true;
        } else {
            tensor_release(nw);
            tensor_release(nbt);
            ts_clear_error(f->ctx);
        }
    }
    ts_free(bv), ts_free(gv), ts_free(btv), ts_free(mv), ts_free(vv);
}

static void bn_block(Folder *f, Block *b) {
    for (Node *n = b->param->next; n != b->ret;) {
        Node *next = n->next;
        for (int k = 0; k < n->nblocks; k++) bn_block(f, n->blocks[k]);
        fold_bn(f, n);
        n = next;
    }
}

ts_status opt_simplify(Ctx *ctx, Graph *g, OptStats *st) {
    Folder f = {ctx, g, st, false, true};
    for (int round = 0; f.changed && round < 32; round++) {
        f.changed = false;
        f.tensors = constants_stay(g);
        fold_block(&f, g->block);
        opt_dead_code(g, st);
        if (f.tensors) bn_block(&f, g->block);
    }
    return ctx->status == TS_OK ? TS_OK : ctx->status;
}
