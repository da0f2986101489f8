/*
 * emit_post.c - shaping an emitted function graph the way PyTorch's
 * compilation leaves its own, so the printed code matches: the placeholders
 * (prim::Uninitialized) that stand for values a path never defines are the
 * exit transform's, one per type, at the top of the graph; the outputs of
 * every If and Loop are in the order of their first use (PyTorch's
 * CanonicalizeOutputs, which its cleanup runs so that outputs the compiler
 * added do not jitter). Part of the IR emitter (emit_internal.h); runs once
 * per function after emit_stmt.c.
 */
#include <string.h>
#include "frontend/emit_internal.h"

enum { MAX_POOLED = 64 };

typedef struct Pool {
    Type *types[MAX_POOLED];
    Value *vals[MAX_POOLED];
    int n;
} Pool;

typedef struct Hoist {
    Graph *g;
    Pool pools[2];          /* UNINIT_RAISED, UNINIT_RETURN (minus one) */
    Value **from, **to;     /* placeholders merged into the pooled one of their type */
    int nrep, caprep;
} Hoist;

/* The pooled placeholder of n's type (n, moved to the top, when it is the first). */
static void pool_node(Hoist *h, Node *n) {
    Pool *p = &h->pools[n->index - UNINIT_RAISED];
    Value *v = n->outputs.data[0];
    for (int i = 0; i < p->n; i++) {
        if (!ty_equal(p->types[i], v->type)) continue;
        if (h->nrep == h->caprep) {
            h->caprep = h->caprep ? 2 * h->caprep : 16;
            Value **f = arena_array(&h->g->arena, Value *, h->caprep), **t = arena_array(&h->g->arena, Value *, h->caprep);
            for (int k = 0; k < h->nrep; k++) f[k] = h->from[k], t[k] = h->to[k];
            h->from = f, h->to = t;
        }
        h->from[h->nrep] = v;
        h->to[h->nrep++] = p->vals[i];
        node_remove(n);
        return;
    }
    if (p->n == MAX_POOLED) return; /* left where it is: still correct, only printed apart */
    p->types[p->n] = v->type;
    p->vals[p->n++] = v;
    node_remove(n);
    /* after the graph's parameters, as getUnitValue inserts it: the last made comes first */
    Block *top = h->g->block;
    n->owner = top;
    n->prev = top->param;
    n->next = top->param->next;
    top->param->next->prev = n;
    top->param->next = n;
}

/* Placeholders of one kind, in the order the exit transform meets them. */
static void collect(Hoist *h, Block *b, int kind) {
    for (Node *n = b->param->next, *next; n != b->ret; n = next) {
        next = n->next;
        for (int k = 0; k < n->nblocks; k++) collect(h, n->blocks[k], kind);
        if (n->kind == NK_UNINITIALIZED && n->index == kind && n->outputs.len == 1) pool_node(h, n);
    }
}

static Value *replacement(const Hoist *h, Value *v) {
    for (int i = 0; i < h->nrep; i++)
        if (h->from[i] == v) return h->to[i];
    return v;
}

static void rewire(const Hoist *h, Block *b) {
    for (Node *n = b->param->next;; n = n->next) {
        for (int i = 0; i < n->inputs.len; i++) n->inputs.data[i] = replacement(h, n->inputs.data[i]);
        if (n == b->ret) break;
        for (int k = 0; k < n->nblocks; k++) rewire(h, n->blocks[k]);
    }
}

/* The raise-branch placeholders first (PyTorch's loop-exit pass meets them), then
 * the return transform's, each pass with its own cache of one per type. */
void em_hoist_uninitialized(Graph *g) {
    Hoist h = {0};
    h.g = g;
    collect(&h, g->block, UNINIT_RAISED);
    collect(&h, g->block, UNINIT_RETURN);
    if (h.nrep) rewire(&h, g->block);
}

/* ---- outputs in the order of first use ---- */

typedef struct Use {
    Node *user;
    int offset;
} Use;

/* Position of n in its block; a block's return comes after every node. */
static int pos_of(const Node *n) { return n->kind == NK_RETURN ? 1 << 30 : (int)(intptr_t)n->aux; }

static Node *owner_node(const Node *n) { return n->owner ? n->owner->owner : NULL; }

static int depth_of(const Node *n) {
    int d = 0;
    for (const Node *o = owner_node(n); o; o = owner_node(o)) d++;
    return d;
}

static int block_index(const Block *b) {
    const Node *o = b->owner;
    for (int k = 0; o && k < o->nblocks; k++)
        if (o->blocks[k] == b) return k;
    return 0;
}

/* The canonical order of two nodes (canonicalize.cpp's isBefore, not a
 * topological one): a node containing another is before it, and of two nodes
 * in different blocks of one node, the one in the earlier block is. */
static bool node_before(const Node *a, const Node *b) {
    int da = depth_of(a), db = depth_of(b);
    for (; da > db; da--) {
        a = owner_node(a);
        if (a == b) return false;
    }
    for (; db > da; db--) {
        b = owner_node(b);
        if (b == a) return true;
    }
    while (a && b) {
        if (a->owner == b->owner) return pos_of(a) < pos_of(b);
        const Node *na = owner_node(a), *nb = owner_node(b);
        if (na == nb) return block_index(a->owner) < block_index(b->owner);
        a = na;
        b = nb;
    }
    return false;
}

static bool use_before(Use a, Use b) { return a.user == b.user ? a.offset < b.offset : node_before(a.user, b.user); }

/* Positions in aux (clear: NULL everywhere, as the compiler expects it). */
static void number(Block *b, bool clear) {
    int i = 0;
    for (Node *n = b->param->next; n != b->ret; n = n->next) {
        n->aux = clear ? NULL : (void *)(intptr_t)i++;
        for (int k = 0; k < n->nblocks; k++) number(n->blocks[k], clear);
    }
}

static void count_uses(int *uses, Block *b) {
    for (Node *n = b->param->next;; n = n->next) {
        for (int i = 0; i < n->inputs.len; i++) uses[n->inputs.data[i]->id]++;
        if (n == b->ret) break;
        for (int k = 0; k < n->nblocks; k++) count_uses(uses, n->blocks[k]);
    }
}

/* Is input i of n what an If's block gives for an output nothing uses? PyTorch's
 * dead code elimination has removed that output (and this use) by then. */
static bool dead_use(const int *uses, const Node *n, int i) {
    const Node *o = n->kind == NK_RETURN && n->owner ? n->owner->owner : NULL;
    return o && o->kind == NK_IF && i < o->outputs.len && uses[o->outputs.data[i]->id] == 0;
}

/* Each value's first use, uses met in graph order (firstOrLastUse keeps the
 * later of two it cannot order, as uses inside two blocks of one node). */
static void find_uses(Use *first, const int *uses, Block *b) {
    for (Node *n = b->param->next;; n = n->next) {
        for (int i = 0; i < n->inputs.len; i++) {
            if (dead_use(uses, n, i)) continue;
            Use u = {n, i}, *f = &first[n->inputs.data[i]->id];
            if (!f->user || !use_before(*f, u)) *f = u;
        }
        if (n == b->ret) break;
        for (int k = 0; k < n->nblocks; k++) find_uses(first, uses, n->blocks[k]);
    }
}

/* The permutation sort_indexes gives: used outputs by first use, the unused after
 * them in their order (a stable insertion sort, as std::sort is on so few). */
static void order_of(const Use *first, const ValueList *outs, int from, int *perm, int n) {
    for (int i = 0; i < n; i++) perm[i] = i;
    for (int i = 1; i < n; i++) {
        int x = perm[i], j = i - 1;
        for (; j >= 0; j--) {
            Use a = first[outs->data[from + x]->id], b = first[outs->data[from + perm[j]]->id];
            bool x_first = a.user && (!b.user || use_before(a, b));
            if (!x_first) break;
            perm[j + 1] = perm[j];
        }
        perm[j + 1] = x;
    }
}

static void permute(ValueList *l, int from, const int *perm, int n, bool outputs) {
    Value *tmp[MAX_POOLED * 4];
    for (int i = 0; i < n; i++) tmp[i] = l->data[from + perm[i]];
    for (int i = 0; i < n; i++) {
        l->data[from + i] = tmp[i];
        if (outputs) tmp[i]->offset = from + i;
    }
}

static bool identity(const int *perm, int n) {
    for (int i = 0; i < n; i++)
        if (perm[i] != i) return false;
    return true;
}

static void canonicalize_node(const Use *first, Node *n) {
    int perm[MAX_POOLED * 4];
    int k = n->outputs.len;
    if (k < 2 || k > MAX_POOLED * 4) return;
    order_of(first, &n->outputs, 0, perm, k);
    if (identity(perm, k)) return;
    if (n->kind == NK_IF) {
        permute(&n->outputs, 0, perm, k, true);
        for (int b = 0; b < n->nblocks; b++) permute(&n->blocks[b]->ret->inputs, 0, perm, k, false);
    } else { /* a Loop: outputs, carried inputs (after trip count and condition), body params and outputs */
        Block *body = n->blocks[0];
        if (n->inputs.len != k + 2 || body->param->outputs.len != k + 1 || body->ret->inputs.len != k + 1) return;
        permute(&n->outputs, 0, perm, k, true);
        permute(&n->inputs, 2, perm, k, false);
        permute(&body->param->outputs, 1, perm, k, true);
        permute(&body->ret->inputs, 1, perm, k, false);
    }
}

/* CanonicalizeOutputs: a block's nodes from the last, each node before its blocks
 * (its outputs' uses are after it; those of its blocks' values are on its
 * blocks' returns, which its own order has just fixed). */
static void canonicalize_block(Use *first, int *uses, Graph *g, Block *b) {
    size_t nv = (size_t)(g->next_id + 1);
    for (Node *n = b->ret->prev; n != b->param; n = n->prev) {
        if ((n->kind == NK_IF || n->kind == NK_LOOP) && n->outputs.len > 1) {
            memset(first, 0, sizeof *first * nv);
            memset(uses, 0, sizeof *uses * nv);
            count_uses(uses, g->block);
            find_uses(first, uses, g->block);
            canonicalize_node(first, n);
        }
        for (int k = 0; k < n->nblocks; k++) canonicalize_block(first, uses, g, n->blocks[k]);
    }
}

void em_canonicalize_outputs(Graph *g) {
    size_t nv = (size_t)(g->next_id + 1);
    Use *first = ts_xmalloc(sizeof *first * nv);
    int *uses = ts_xmalloc(sizeof *uses * nv);
    number(g->block, false);
    canonicalize_block(first, uses, g, g->block);
    number(g->block, true);
    ts_free(first);
    ts_free(uses);
}

/* ---- constant propagation of immutable values ---- */

/* Ops PyTorch's ConstantPropagationImmutableTypes runs when every input is a
 * constant: pure, on numbers, bools, strings and None. */
static const char *const FOLDABLE[] = {
    "aten::eq", "aten::ne", "aten::lt", "aten::le", "aten::gt", "aten::ge", "aten::__not__", "aten::__and__",
    "aten::__or__", "aten::__xor__", "aten::add", "aten::sub", "aten::mul", "aten::div", "aten::floordiv",
    "aten::remainder", "aten::neg", "aten::len", "aten::Int", "aten::Float", "aten::Bool", "aten::__range_length",
    "aten::__derive_index",
}; /* not aten::format: PyTorch leaves "{}".format("a") as it is */

static bool immutable_type(const Type *t) {
    return t->kind == TK_INT || t->kind == TK_FLOAT || t->kind == TK_BOOL || t->kind == TK_STR || t->kind == TK_NONE;
}

static bool foldable(const Node *n) {
    if (n->kind != NK_OP || !n->op || !n->op->fn || n->nblocks || n->outputs.len != 1 || n->inputs.len > 8) return false;
    if (!immutable_type(n->outputs.data[0]->type)) return false;
    bool listed = false;
    for (size_t i = 0; i < TS_ARRAY_LEN(FOLDABLE) && !listed; i++) listed = strcmp(n->op->name, FOLDABLE[i]) == 0;
    if (!listed) return false;
    for (int i = 0; i < n->inputs.len; i++) {
        const Node *c = n->inputs.data[i]->node;
        if (c->kind != NK_CONSTANT || !immutable_type(n->inputs.data[i]->type)) return false;
        IVKind k = c->cval.kind;
        if (k != IV_INT && k != IV_DOUBLE && k != IV_BOOL && k != IV_STR && k != IV_NONE) return false;
    }
    return true;
}

typedef struct Prop {
    Ctx *ctx;
    Graph *g;
    Value **map; /* per value id: what replaces it (NULL: itself) */
    int nmap;    /* ids below it (the constants made here come after and replace nothing) */
} Prop;

static Value *mapped(const Prop *p, Value *v) {
    for (int i = 0; i < 64 && v->id < p->nmap && p->map[v->id]; i++) v = p->map[v->id];
    return v;
}

/* Run n on its constant inputs; its output becomes a constant before it. */
static bool fold_node(Prop *p, Node *n) {
    IValue args[8], out = iv_none();
    for (int i = 0; i < n->inputs.len; i++) args[i] = n->inputs.data[i]->node->cval;
    Type *types[1] = {n->outputs.data[0]->type};
    OpInfo info = {n->op, types, 1, NULL};
    if (n->op->fn(p->ctx, args, n->inputs.len, &out, &info) != TS_OK) {
        ts_clear_error(p->ctx); /* left to fail where it runs, as it would have */
        iv_release(out);
        return false;
    }
    IVKind k = out.kind;
    if (k != IV_INT && k != IV_DOUBLE && k != IV_BOOL && k != IV_STR && k != IV_NONE) {
        iv_release(out);
        return false;
    }
    Node *c = node_new(p->g, NK_CONSTANT, n->span);
    c->cval = out;
    if (iv_is_heap(out)) vec_push(&p->g->consts_to_release, out);
    Value *cv = node_add_output(p->g, c, types[0]);
    c->owner = n->owner;
    c->prev = n->prev;
    c->next = n;
    n->prev->next = c;
    n->prev = c;
    p->map[n->outputs.data[0]->id] = cv;
    node_remove(n);
    return true;
}

static void propagate_block(Prop *p, Block *b);

/* An If on a constant: the taken block's nodes in its place, its outputs the block's. */
static Node *inline_if(Prop *p, Node *n, bool taken) {
    Block *blk = n->blocks[taken ? 0 : 1];
    for (int i = 0; i < n->outputs.len && i < blk->ret->inputs.len; i++)
        p->map[n->outputs.data[i]->id] = mapped(p, blk->ret->inputs.data[i]);
    Node *first = blk->param->next, *after = n->prev;
    for (Node *m = first, *next; m != blk->ret; m = next) {
        next = m->next;
        node_remove(m);
        m->owner = n->owner;
        m->prev = n->prev;
        m->next = n;
        n->prev->next = m;
        n->prev = m;
    }
    node_remove(n);
    return after; /* the walk goes on with the moved nodes */
}

static void propagate_block(Prop *p, Block *b) {
    for (Node *n = b->param->next; n != b->ret;) {
        for (int i = 0; i < n->inputs.len; i++) n->inputs.data[i] = mapped(p, n->inputs.data[i]);
        Node *next = n->next;
        if (n->kind == NK_IF && n->nblocks == 2 && n->inputs.len == 1 && n->inputs.data[0]->node->kind == NK_CONSTANT &&
            n->inputs.data[0]->node->cval.kind == IV_BOOL) {
            Node *after = inline_if(p, n, n->inputs.data[0]->node->cval.u.b);
            n = after->next;
            continue;
        }
        for (int k = 0; k < n->nblocks; k++) propagate_block(p, n->blocks[k]);
        if (foldable(n)) fold_node(p, n);
        n = next;
    }
    for (int i = 0; i < b->ret->inputs.len; i++) b->ret->inputs.data[i] = mapped(p, b->ret->inputs.data[i]);
}

void em_propagate_constants(Ctx *ctx, Graph *g) {
    Prop p = {ctx, g, ts_xmalloc(sizeof(Value *) * (size_t)(g->next_id + 1)), g->next_id + 1};
    memset(p.map, 0, sizeof(Value *) * (size_t)(g->next_id + 1));
    propagate_block(&p, g->block);
    ts_free(p.map);
}
