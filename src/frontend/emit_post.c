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
