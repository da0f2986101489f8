/*
 * fuse.c - conv2d + residual add + activation into one op (opt.h), for
 * running only: tscript::conv2d_fused is not a PyTorch op, so a module that
 * is saved is optimised without this pass.
 *
 * Pattern, in one block, each intermediate result used once:
 *   %c = aten::conv2d(x, w, b, stride, padding, dilation, groups)
 *        (or aten::_convolution with transposed=False and a 4-d constant weight)
 *   %s = aten::add(%c, r, 1) | aten::add(r, %c, 1) | aten::add_(%c, r, 1)   (optional)
 *   %y = relu(_) | relu6(_) | hardtanh(_)(%s, lo, hi) | hardswish(_) | silu(_)  (optional)
 * becomes %y = tscript::conv2d_fused(x, w, b, stride, padding, dilation,
 * groups, r or None, act, lo, hi) at the place of the last node, where every
 * operand is defined. In-place forms write the fresh result of the
 * convolution only, so fusing them changes nothing another value sees.
 */
#include <string.h>

#include "opt/opt.h"

static bool op_is(const Node *n, const char *name) { return n->kind == NK_OP && strcmp(n->op->name, name) == 0; }

static bool const_is_one(const Value *v) {
    if (v->node->kind != NK_CONSTANT) return false;
    IValue c = v->node->cval;
    return (c.kind == IV_INT && c.u.i == 1) || (c.kind == IV_DOUBLE && c.u.d == 1.0);
}

static bool const_num(const Value *v, double *d) {
    if (v->node->kind != NK_CONSTANT) return false;
    IValue c = v->node->cval;
    if (c.kind != IV_INT && c.kind != IV_DOUBLE) return false;
    *d = iv_scalar_f64(c);
    return true;
}

/* The single node using v in v's block, or NULL. */
static Node *single_user(Graph *g, Value *v) {
    if (opt_count_uses(g, v) != 1) return NULL;
    for (Node *n = v->node->next; n && n != v->node->owner->ret; n = n->next)
        for (int i = 0; i < n->inputs.len; i++)
            if (n->inputs.data[i] == v) return n;
    return NULL;
}

/* conv2d's seven operands of conv node c, or false. */
static bool conv_operands(const Node *c, Value **ops) {
    if (op_is(c, "aten::conv2d") && !strcmp(c->op->overload, "") && c->inputs.len == 7) {
        for (int i = 0; i < 7; i++) ops[i] = c->inputs.data[i];
        return true;
    }
    if (!op_is(c, "aten::_convolution") || c->inputs.len < 9) return false;
    const Node *tr = c->inputs.data[6]->node, *w = c->inputs.data[1]->node;
    if (tr->kind != NK_CONSTANT || tr->cval.kind != IV_BOOL || tr->cval.u.b) return false;
    if (w->kind != NK_CONSTANT || w->cval.kind != IV_TENSOR || w->cval.u.t->ndim != 4) return false;
    for (int i = 0; i < 6; i++) ops[i] = c->inputs.data[i];
    ops[6] = c->inputs.data[8];
    return true;
}

static Value *constant_before(Graph *g, Node *before, IValue v, Type *t) {
    Node *c = node_new(g, NK_CONSTANT, before->span);
    c->cval = v;
    opt_insert_before(c, before);
    return node_add_output(g, c, t);
}

static void try_fuse(Graph *g, Node *c, const OpSchema *fused, OptStats *st) {
    Value *ops[7];
    if (!conv_operands(c, ops)) return;
    Node *last = c, *add = NULL, *act = NULL;
    Value *res = NULL;
    Node *u = single_user(g, c->outputs.data[0]);
    Value *cur = c->outputs.data[0];
    if (u && (op_is(u, "aten::add") || op_is(u, "aten::add_")) && !strcmp(u->op->overload, "Tensor") &&
        u->inputs.len == 3 && const_is_one(u->inputs.data[2])) {
        bool first = u->inputs.data[0] == cur, second = u->inputs.data[1] == cur;
        if (first != second && (first || op_is(u, "aten::add"))) {
            add = u;
            res = first ? u->inputs.data[1] : u->inputs.data[0];
            cur = u->outputs.data[0];
            last = u;
            u = single_user(g, cur);
        }
    }
    int64_t kind = 0;
    double lo = 0, hi = 0;
    if (u && u->inputs.len >= 1 && u->inputs.data[0] == cur) {
        if (op_is(u, "aten::relu") || op_is(u, "aten::relu_")) kind = 1;
        else if (op_is(u, "aten::relu6") || op_is(u, "aten::relu6_")) kind = 2, lo = 0, hi = 6;
        else if ((op_is(u, "aten::hardtanh") || op_is(u, "aten::hardtanh_")) && u->inputs.len == 3 &&
                 const_num(u->inputs.data[1], &lo) && const_num(u->inputs.data[2], &hi) && lo <= hi)
            kind = 2;
        else if (op_is(u, "aten::hardswish") || op_is(u, "aten::hardswish_")) kind = 3;
        else if (op_is(u, "aten::silu") || op_is(u, "aten::silu_")) kind = 4;
        if (kind) act = u, last = u;
    }
    if (!add && !act) return;
    Node *n = node_new(g, NK_OP, c->span);
    n->op = fused;
    for (int i = 0; i < 7; i++) node_add_input(g, n, ops[i]);
    node_add_input(g, n, res ? res : constant_before(g, last, iv_none(), ty_none()));
    node_add_input(g, n, constant_before(g, last, iv_int(kind), ty_int()));
    node_add_input(g, n, constant_before(g, last, iv_double(lo), ty_float()));
    node_add_input(g, n, constant_before(g, last, iv_double(hi), ty_float()));
    opt_insert_before(n, last);
    Value *out = node_add_output(g, n, ty_tensor());
    out->name = last->outputs.data[0]->name;
    opt_replace_uses(g, last->outputs.data[0], out);
    if (act) node_remove(act);
    if (add) node_remove(add);
    node_remove(c);
    st->fused++;
}

static void fuse_block(Graph *g, Block *b, const OpSchema *fused, OptStats *st) {
    for (Node *n = b->param->next; n != b->ret;) {
        Node *next = n->next, *prev = n->prev;
        for (int k = 0; k < n->nblocks; k++) fuse_block(g, n->blocks[k], fused, st);
        try_fuse(g, n, fused, st);
        n = n->owner ? next : prev->next; /* fused: go on after the nodes that replaced it */
    }
}

/* aten::dim(conv(x)) is aten::dim(x): a convolution keeps its input's
 * rank. Batch norm's input check (`input.dim() != 4`) reads the convolution's
 * result; reading the convolution's input instead leaves that result one use,
 * which the fusion needs. */
static void dims_through_convs(Block *b) {
    for (Node *n = b->param->next; n != b->ret; n = n->next) {
        for (int k = 0; k < n->nblocks; k++) dims_through_convs(n->blocks[k]);
        if (!op_is(n, "aten::dim") || n->inputs.len != 1) continue;
        Value *ops[7];
        const Node *c = n->inputs.data[0]->node;
        while (conv_operands(c, ops)) {
            n->inputs.data[0] = ops[0];
            c = ops[0]->node;
        }
    }
}

void opt_fuse(Graph *g, OptStats *st) {
    const OpSchema *fused = ops_lookup("tscript::conv2d_fused");
    dims_through_convs(g->block);
    if (fused) fuse_block(g, g->block, fused, st);
}
