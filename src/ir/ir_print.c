/*
 * ir_print.c - prints a graph in PyTorch's graph format (what `module.graph`
 * shows), so a reader can compare tscript's IR with PyTorch's line by line.
 * Value names: the debug name when unique, `name.N` for later values with the
 * same name, the value id otherwise.
 */
#include <stdio.h>

#include "ir/ir.h"

typedef struct Printer {
    StrBuf *sb;
    const Graph *g;
    char **names; /* by value id */
    StrMap used;  /* name -> (count as pointer-sized int) */
} Printer;

static void name_value(Printer *p, Value *v) {
    if (p->names[v->id]) return;
    StrBuf nb;
    sb_init(&nb);
    if (v->name && v->name[0]) {
        const char *base = v->name;
        bool numeric = base[0] >= '0' && base[0] <= '9';
        if (numeric) sb_putc(&nb, '_');
        sb_puts(&nb, base);
        intptr_t count = (intptr_t)strmap_get(&p->used, sb_cstr(&nb));
        strmap_put(&p->used, sb_cstr(&nb), (void *)(count + 1));
        if (count > 0) sb_printf(&nb, ".%ld", (long)count);
    } else {
        sb_printf(&nb, "%d", v->id);
    }
    p->names[v->id] = sb_steal(&nb);
}

static void name_block(Printer *p, const Block *b) {
    for (int i = 0; i < b->param->outputs.len; i++) name_value(p, b->param->outputs.data[i]);
    for (Node *n = b->param->next; n != b->ret; n = n->next) {
        for (int i = 0; i < n->outputs.len; i++) name_value(p, n->outputs.data[i]);
        for (int k = 0; k < n->nblocks; k++) name_block(p, n->blocks[k]);
    }
}

static void indent(StrBuf *sb, int n) {
    for (int i = 0; i < n; i++) sb_putc(sb, ' ');
}

static void put_value_list(Printer *p, const ValueList *l) {
    for (int i = 0; i < l->len; i++) {
        if (i) sb_puts(p->sb, ", ");
        sb_printf(p->sb, "%%%s", p->names[l->data[i]->id]);
    }
}

static void put_constant(StrBuf *sb, IValue v) {
    switch (v.kind) {
    case IV_NONE: return;
    case IV_BOOL: sb_printf(sb, "[value=%d]", v.u.b ? 1 : 0); return;
    case IV_INT: sb_printf(sb, "[value=%lld]", (long long)v.u.i); return;
    case IV_DOUBLE: {
        StrBuf t;
        sb_init(&t);
        sb_put_pyfloat(&t, v.u.d);
        /* PyTorch prints integral floats as "2." rather than "2.0" */
        if (t.len > 2 && strcmp(t.data + t.len - 2, ".0") == 0) t.data[--t.len] = 0;
        sb_printf(sb, "[value=%s]", sb_cstr(&t));
        sb_free(&t);
        return;
    }
    case IV_STR: sb_puts(sb, "[value=\""); sb_puts(sb, v.u.s->data); sb_puts(sb, "\"]"); return;
    case IV_DEVICE: sb_puts(sb, "[value=\""); iv_str_of(sb, v); sb_puts(sb, "\"]"); return;
    case IV_TENSOR: sb_puts(sb, "[value=<Tensor>]"); return;
    default: sb_puts(sb, "[value="); iv_repr(sb, v); sb_puts(sb, "]"); return;
    }
}

static void put_block(Printer *p, const Block *b, int ind);

static void put_node(Printer *p, const Node *n, int ind) {
    StrBuf *sb = p->sb;
    indent(sb, ind);
    for (int i = 0; i < n->outputs.len; i++) {
        Value *v = n->outputs.data[i];
        if (i) sb_puts(sb, ", ");
        sb_printf(sb, "%%%s : ", p->names[v->id]);
        ty_graph_str(sb, v->type);
    }
    if (n->outputs.len) sb_puts(sb, " = ");
    if (n->kind == NK_OP) sb_puts(sb, n->op->name);
    else if (n->kind == NK_UNRESOLVED) sb_puts(sb, n->name);
    else sb_puts(sb, nodekind_symbol(n->kind));
    switch (n->kind) {
    case NK_CONSTANT: put_constant(sb, n->cval); break;
    case NK_GETATTR: case NK_SETATTR: case NK_CALL_METHOD:
        sb_printf(sb, "[name=\"%s\"]", n->name);
        break;
    case NK_ENUM_MEMBER:
        sb_printf(sb, "[value=Enum<%s.%s>]", n->tattr->cls->qualname, n->tattr->cls->consts.data[n->index].name);
        break;
    case NK_TUPLE_INDEX: break;
    case NK_FAIL: {
        /* the first line of the message, quoted */
        sb_puts(sb, "[message=\"");
        for (const char *c = n->text; *c && *c != '\n'; c++) {
            if ((unsigned char)*c < 0x20 || *c == 0x7f) {
                sb_printf(sb, "\\x%02x", (unsigned char)*c);
                continue;
            }
            if (*c == '"' || *c == '\\') sb_putc(sb, '\\');
            sb_putc(sb, *c);
        }
        sb_puts(sb, "\"]");
        break;
    }
    default: break;
    }
    sb_putc(sb, '(');
    put_value_list(p, &n->inputs);
    sb_putc(sb, ')');
    if (n->span.src) {
        sb_puts(sb, " # ");
        span_format_loc(sb, n->span);
    }
    sb_putc(sb, '\n');
    for (int k = 0; k < n->nblocks; k++) {
        indent(sb, ind + 2);
        sb_printf(sb, "block%d(", k);
        const ValueList *ps = &n->blocks[k]->param->outputs;
        for (int i = 0; i < ps->len; i++) {
            if (i) sb_puts(sb, ", ");
            sb_printf(sb, "%%%s : ", p->names[ps->data[i]->id]);
            ty_graph_str(sb, ps->data[i]->type);
        }
        sb_puts(sb, "):\n");
        put_block(p, n->blocks[k], ind + 4);
        indent(sb, ind + 4);
        sb_puts(sb, "-> (");
        put_value_list(p, &n->blocks[k]->ret->inputs);
        sb_puts(sb, ")\n");
    }
}

static void put_block(Printer *p, const Block *b, int ind) {
    for (Node *n = b->param->next; n != b->ret; n = n->next) put_node(p, n, ind);
}

void graph_print(StrBuf *sb, const Graph *g) {
    Printer p = {sb, g, ts_xmalloc(sizeof(char *) * (size_t)(g->next_id + 1)), {0}};
    memset(p.names, 0, sizeof(char *) * (size_t)(g->next_id + 1));
    strmap_init(&p.used);
    name_block(&p, g->block);
    sb_puts(sb, "graph(");
    const ValueList *in = &g->block->param->outputs;
    for (int i = 0; i < in->len; i++) {
        if (i) sb_puts(sb, ",\n      ");
        sb_printf(sb, "%%%s : ", p.names[in->data[i]->id]);
        ty_graph_str(sb, in->data[i]->type);
    }
    sb_puts(sb, "):\n");
    put_block(&p, g->block, 2);
    sb_puts(sb, "  return (");
    put_value_list(&p, &g->block->ret->inputs);
    sb_puts(sb, ")\n");
    for (int i = 0; i <= g->next_id; i++) ts_free(p.names[i]);
    ts_free(p.names);
    strmap_free(&p.used);
}
