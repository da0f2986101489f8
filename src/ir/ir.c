/*
 * ir.c - building and editing graphs. All IR objects live in the graph's
 * arena; constant values are the only owned references, released in graph_free.
 */
#include "ir/ir.h"

static const char *const g_symbols[] = {
#define X(E, sym) sym,
#include "ir/nodes.def"
#undef X
};

const char *nodekind_symbol(NodeKind k) { return (unsigned)k < NK__COUNT ? g_symbols[k] : "?"; }

static void vl_push(Graph *g, ValueList *l, Value *v) {
    if (l->len == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        Value **d = arena_array(&g->arena, Value *, cap);
        if (l->len) memcpy(d, l->data, sizeof(Value *) * (size_t)l->len);
        l->data = d;
        l->cap = cap;
    }
    l->data[l->len++] = v;
}

Graph *graph_new(void) {
    Graph *g = ts_xmalloc(sizeof *g);
    memset(g, 0, sizeof *g);
    arena_init(&g->arena);
    g->block = block_new(g, NULL);
    return g;
}

void graph_free(Graph *g) {
    if (!g) return;
    for (int i = 0; i < g->consts_to_release.len; i++) iv_release(g->consts_to_release.data[i]);
    vec_free(&g->consts_to_release);
    arena_free(&g->arena);
    ts_free(g);
}

static Value *new_value(Graph *g, Node *n, Type *t) {
    Value *v = arena_new(&g->arena, Value);
    v->id = g->next_id++;
    v->type = t;
    v->node = n;
    v->offset = n->outputs.len;
    v->slot = -1;
    vl_push(g, &n->outputs, v);
    return v;
}

Block *block_new(Graph *g, Node *owner) {
    Block *b = arena_new(&g->arena, Block);
    b->owner = owner;
    b->param = node_new(g, NK_PARAM, span_none());
    b->ret = node_new(g, NK_RETURN, span_none());
    b->param->owner = b->ret->owner = b;
    b->param->next = b->ret;
    b->ret->prev = b->param;
    return b;
}

Value *graph_add_input(Graph *g, Type *t, const char *name) {
    return block_add_param(g, g->block, t, name);
}

void graph_add_output(Graph *g, Value *v) { block_add_output(g, g->block, v); }

Value *block_add_param(Graph *g, Block *b, Type *t, const char *name) {
    Value *v = new_value(g, b->param, t);
    v->name = name ? arena_strdup(&g->arena, name) : NULL;
    return v;
}

void block_add_output(Graph *g, Block *b, Value *v) { vl_push(g, &b->ret->inputs, v); }

Node *node_new(Graph *g, NodeKind kind, Span span) {
    Node *n = arena_new(&g->arena, Node);
    n->kind = kind;
    n->span = span;
    n->cval = iv_none();
    return n;
}

void node_add_input(Graph *g, Node *n, Value *v) { vl_push(g, &n->inputs, v); }
Value *node_add_output(Graph *g, Node *n, Type *t) { return new_value(g, n, t); }

Block *node_add_block(Graph *g, Node *n) {
    Block **bs = arena_array(&g->arena, Block *, n->nblocks + 1);
    if (n->nblocks) memcpy(bs, n->blocks, sizeof(Block *) * (size_t)n->nblocks);
    bs[n->nblocks] = block_new(g, n);
    n->blocks = bs;
    return bs[n->nblocks++];
}

void block_append(Block *b, Node *n) {
    n->owner = b;
    n->next = b->ret;
    n->prev = b->ret->prev;
    n->prev->next = n;
    b->ret->prev = n;
}

void node_remove(Node *n) {
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = NULL;
    n->owner = NULL;
}

Value *graph_constant(Graph *g, Block *b, IValue v, Type *t, Span span) {
    Node *n = node_new(g, NK_CONSTANT, span);
    n->cval = v;
    if (iv_is_heap(v)) vec_push(&g->consts_to_release, v);
    block_append(b, n);
    return node_add_output(g, n, t);
}
