/*
 * match.c - overload resolution: binds a call's arguments to one registry
 * schema and emits the op node, as PyTorch's tryMatchSchema does.
 *
 * For each overload of the name, in declaration order: bind positional
 * arguments, then keywords, then fill defaults; check every argument's static
 * type against the formal type (binding type variables like `t`). The first
 * pass allows no implicit conversions; the second allows Tensor -> int /
 * float / Scalar and Scalar -> int / float, as PyTorch does. Conversions that
 * need no pass (a scalar for a fixed-size list `int[2]`, a tuple of ints for
 * `int[]`, packing trailing positional ints into a list argument) apply in
 * both. Matching is planned first and emitted only for the winner, so failed
 * candidates leave no nodes behind.
 */
#include "frontend/sema.h"

#include <stdio.h>

enum { MAX_ARGS = 64, MAX_VARS = 8 };

typedef enum Conv {
    CV_NONE,
    CV_DEFAULT,      /* use the schema default */
    CV_TENSOR_INT,   /* aten::Int.Tensor */
    CV_TENSOR_FLOAT, /* aten::Float.Tensor */
    CV_TENSOR_SCALAR,/* aten::ScalarImplicit */
    CV_NUMBER_INT,   /* aten::Int.Scalar */
    CV_NUMBER_FLOAT, /* aten::Float.Scalar */
    CV_BROADCAST,    /* scalar -> [x] * fixed_len */
    CV_TUPLE_LIST,   /* tuple -> list */
    CV_PACK,         /* trailing positional args -> list */
    CV_STR_DEVICE,   /* aten::device(str) */
    CV_NONE_VALUE,   /* bind None for an Optional with no argument (varargs) */
    CV_EMPTY_LIST,   /* a `[]` literal takes the formal's list type */
} Conv;

typedef struct Binding {
    Conv conv;
    int arg;        /* index of the actual (CV_NONE and conversions of one value) */
    int pack_from, pack_to; /* CV_PACK: actuals [from, to) */
} Binding;

typedef struct Plan {
    const OpSchema *s;
    Binding b[MAX_ARGS];
    int nvarargs;
    int varargs[MAX_ARGS];
    const char *var_names[MAX_VARS];
    Type *var_types[MAX_VARS];
    int nvars;
} Plan;

static Type *var_lookup(Plan *p, const char *name) {
    for (int i = 0; i < p->nvars; i++)
        if (strcmp(p->var_names[i], name) == 0) return p->var_types[i];
    return NULL;
}

static bool has_var(const Type *t) {
    if (t->kind == TK_VAR) return true;
    for (int i = 0; i < t->n; i++)
        if (has_var(t->elems[i])) return true;
    return false;
}

static Type *subst(Plan *p, Type *t);

/* Does `actual` fit `formal`, binding type variables? */
static bool unify(Plan *p, Type *actual, Type *formal) {
    if (formal->kind == TK_VAR) {
        Type *bound = var_lookup(p, formal->name);
        if (bound) {
            if (ty_subtype(actual, bound)) return true;
            Type *u = ty_unify(bound, actual);
            if (!u) return false;
            for (int i = 0; i < p->nvars; i++)
                if (strcmp(p->var_names[i], formal->name) == 0) p->var_types[i] = u;
            return true;
        }
        if (p->nvars == MAX_VARS) return false;
        p->var_names[p->nvars] = formal->name;
        p->var_types[p->nvars++] = actual;
        return true;
    }
    switch (formal->kind) {
    case TK_LIST:
        /* lists are invariant: the element types must agree exactly */
        if (actual->kind != TK_LIST) return false;
        if (!has_var(formal->elems[0])) return actual->elems[0] == formal->elems[0];
        return unify(p, actual->elems[0], formal->elems[0]) && subst(p, formal->elems[0]) == actual->elems[0];
    case TK_OPTIONAL:
        if (actual->kind == TK_NONE) return true;
        if (actual->kind == TK_OPTIONAL) return unify(p, actual->elems[0], formal->elems[0]);
        return unify(p, actual, formal->elems[0]);
    case TK_DICT:
        return actual->kind == TK_DICT && unify(p, actual->elems[0], formal->elems[0]) &&
               unify(p, actual->elems[1], formal->elems[1]);
    case TK_TUPLE:
        if (actual->kind != TK_TUPLE || actual->n != formal->n) return false;
        for (int i = 0; i < formal->n; i++)
            if (!unify(p, actual->elems[i], formal->elems[i])) return false;
        return true;
    case TK_LAYOUT: return actual->kind == TK_INT;
    default: return ty_subtype(actual, formal);
    }
}

static Type *subst(Plan *p, Type *t) {
    switch (t->kind) {
    case TK_VAR: {
        Type *b = var_lookup(p, t->name);
        return b ? b : ty_any();
    }
    case TK_LIST: return ty_list(subst(p, t->elems[0]));
    case TK_OPTIONAL: return ty_optional(subst(p, t->elems[0]));
    case TK_DICT: return ty_dict(subst(p, t->elems[0]), subst(p, t->elems[1]));
    case TK_TUPLE: {
        Type *e[MAX_ARGS];
        int n = t->n < MAX_ARGS ? t->n : MAX_ARGS;
        for (int i = 0; i < n; i++) e[i] = subst(p, t->elems[i]);
        return ty_tuple(e, n);
    }
    case TK_LAYOUT: return ty_int();
    default: return t;
    }
}

static bool is_empty_list_literal(const Value *v) {
    return v->node->kind == NK_LIST_CONSTRUCT && v->node->inputs.len == 0;
}

/* Plan one formal for one actual value. */
static bool fit(Plan *p, const OpArg *f, const Value *v, bool conv, Conv *how) {
    Type *actual = v->type;
    *how = CV_NONE;
    if (unify(p, actual, f->type)) return true;
    Type *ft = f->type->kind == TK_OPTIONAL ? f->type->elems[0] : f->type;
    /* `[]` is List[Tensor] by default; where a schema wants another list, it is that list */
    if (ft->kind == TK_LIST && is_empty_list_literal(v) && !has_var(ft) && actual->kind == TK_LIST &&
        actual->elems[0]->kind == TK_TENSOR) {
        /* (only an untyped `[]`: an annotated list keeps its type and identity) */
        *how = CV_EMPTY_LIST;
        return true;
    }
    /* int[2] accepts a single int */
    if (ft->kind == TK_LIST && f->fixed_len > 0 && actual == ft->elems[0]) {
        *how = CV_BROADCAST;
        return true;
    }
    /* a tuple of matching elements for a list */
    if (ft->kind == TK_LIST && actual->kind == TK_TUPLE && has_var(ft->elems[0])) {
        /* len(t) of a tuple: its elements unify into one type, which binds the variable
         * (PyTorch's matchTypeVariables over unifyTypeList) */
        if (actual->n == 0) return false;
        Type *u = actual->elems[0];
        for (int i = 1; i < actual->n && u; i++) u = ty_unify(u, actual->elems[i]);
        if (!u || !unify(p, u, ft->elems[0])) return false;
        *how = CV_TUPLE_LIST;
        return true;
    }
    if (ft->kind == TK_LIST && actual->kind == TK_TUPLE) {
        for (int i = 0; i < actual->n; i++)
            if (!ty_subtype(actual->elems[i], ft->elems[0])) return false;
        *how = CV_TUPLE_LIST;
        return true;
    }
    if (!conv) return false;
    if (ft->kind == TK_DEVICE && actual->kind == TK_STR) {
        *how = CV_STR_DEVICE;
        return true;
    }
    if (actual->kind == TK_TENSOR) {
        if (ft->kind == TK_INT) { *how = CV_TENSOR_INT; return true; }
        if (ft->kind == TK_FLOAT) { *how = CV_TENSOR_FLOAT; return true; }
        if (ft->kind == TK_NUMBER) { *how = CV_TENSOR_SCALAR; return true; }
    }
    if (actual->kind == TK_NUMBER) {
        if (ft->kind == TK_INT) { *how = CV_NUMBER_INT; return true; }
        if (ft->kind == TK_FLOAT) { *how = CV_NUMBER_FLOAT; return true; }
    }
    return false;
}

static bool try_schema(const OpSchema *s, const CallArg *args, int nargs, bool conv, Plan *p) {
    memset(p, 0, sizeof *p);
    p->s = s;
    if (s->nargs > MAX_ARGS || nargs > MAX_ARGS) return false;
    bool bound[MAX_ARGS] = {false};
    int npos = 0;
    while (npos < nargs && !args[npos].kw) npos++;
    for (int i = npos; i < nargs; i++)
        if (!args[i].kw) return false; /* positional after keyword */
    int ai = 0;
    for (int fi = 0; fi < s->nargs && ai < npos; fi++) {
        const OpArg *f = &s->args[fi];
        if (f->kwarg_only) break;
        Type *ft = f->type;
        Type *at = args[ai].v->type;
        bool last_positional = fi + 1 == s->nargs || s->args[fi + 1].kwarg_only;
        /* torch.zeros(2, 3) / x.view(1, -1) / x.flip(0): trailing ints pack into the last positional
         * list formal, as PyTorch's varargsCanBeUsedAsList allows (not a broadcasting list int[N],
         * where a single int means [n] * N, and not a list of a type variable) */
        if (ft->kind == TK_LIST && last_positional && at->kind != TK_LIST && at->kind != TK_TUPLE &&
            (npos - ai > 1 || (f->fixed_len == 0 && !has_var(ft))) && !s->varargs) {
            for (int k = ai; k < npos; k++)
                if (!ty_subtype(args[k].v->type, ft->elems[0])) return false;
            p->b[fi].conv = CV_PACK;
            p->b[fi].pack_from = ai;
            p->b[fi].pack_to = npos;
            bound[fi] = true;
            ai = npos;
            break;
        }
        Conv how;
        if (!fit(p, f, args[ai].v, conv, &how)) return false;
        p->b[fi].conv = how;
        p->b[fi].arg = ai;
        bound[fi] = true;
        ai++;
    }
    if (ai < npos) {
        if (!s->varargs) return false;
        for (; ai < npos; ai++) p->varargs[p->nvarargs++] = ai;
    }
    for (int k = npos; k < nargs; k++) {
        int fi = -1;
        for (int j = 0; j < s->nargs; j++)
            if (strcmp(s->args[j].name, args[k].kw) == 0) fi = j;
        if (fi < 0 || bound[fi]) return false;
        Conv how;
        if (!fit(p, &s->args[fi], args[k].v, conv, &how)) return false;
        p->b[fi].conv = how;
        p->b[fi].arg = k;
        bound[fi] = true;
    }
    for (int fi = 0; fi < s->nargs; fi++) {
        if (bound[fi]) continue;
        if (!s->args[fi].has_default) return false;
        p->b[fi].conv = CV_DEFAULT;
    }
    return true;
}

static ts_status convert(Ctx *ctx, Graph *g, Block *b, const char *op, Value *v, Span span, Value **out) {
    CallArg a = {v, NULL, span};
    return sema_emit_op1(ctx, g, b, op, &a, 1, span, out);
}

static Value *list_of(Graph *g, Block *b, Value **vs, int n, Type *elem, Span span) {
    Node *ln = node_new(g, NK_LIST_CONSTRUCT, span);
    for (int i = 0; i < n; i++) node_add_input(g, ln, vs[i]);
    block_append(b, ln);
    return node_add_output(g, ln, ty_list(elem));
}

static ts_status apply(Ctx *ctx, Graph *g, Block *b, Plan *p, const CallArg *args, Span span, Value ***outs,
                       int *nout) {
    const OpSchema *s = p->s;
    Value *in[MAX_ARGS * 2];
    int nin = 0;
    for (int fi = 0; fi < s->nargs; fi++) {
        const OpArg *f = &s->args[fi];
        Binding *bd = &p->b[fi];
        Value *v = bd->conv == CV_DEFAULT || bd->conv == CV_PACK ? NULL : args[bd->arg].v;
        Span asp = bd->conv == CV_DEFAULT || bd->conv == CV_PACK ? span : args[bd->arg].span;
        Type *ft = f->type->kind == TK_OPTIONAL ? f->type->elems[0] : f->type;
        switch (bd->conv) {
        case CV_NONE: break;
        case CV_DEFAULT:
            v = graph_constant(g, b, iv_dup(f->default_value), sema_type_of_value(f->default_value), span);
            if (f->default_value.kind == IV_NONE) v->type = ty_none();
            break;
        case CV_TENSOR_INT: TS_TRY(convert(ctx, g, b, "aten::Int", v, asp, &v)); break;
        case CV_TENSOR_FLOAT: TS_TRY(convert(ctx, g, b, "aten::Float", v, asp, &v)); break;
        case CV_TENSOR_SCALAR: TS_TRY(convert(ctx, g, b, "aten::ScalarImplicit", v, asp, &v)); break;
        case CV_NUMBER_INT: TS_TRY(convert(ctx, g, b, "aten::Int", v, asp, &v)); break;
        case CV_NUMBER_FLOAT: TS_TRY(convert(ctx, g, b, "aten::Float", v, asp, &v)); break;
        case CV_STR_DEVICE: TS_TRY(convert(ctx, g, b, "aten::device", v, asp, &v)); break;
        case CV_BROADCAST: {
            Value *rep[MAX_ARGS];
            int n = f->fixed_len < MAX_ARGS ? f->fixed_len : MAX_ARGS;
            for (int k = 0; k < n; k++) rep[k] = v;
            v = list_of(g, b, rep, n, ft->elems[0], asp);
            break;
        }
        case CV_TUPLE_LIST: {
            Node *un = node_new(g, NK_TUPLE_UNPACK, asp);
            node_add_input(g, un, v);
            block_append(b, un);
            Value *items[MAX_ARGS];
            int n = v->type->n < MAX_ARGS ? v->type->n : MAX_ARGS;
            for (int k = 0; k < n; k++) items[k] = node_add_output(g, un, v->type->elems[k]);
            v = list_of(g, b, items, n, subst(p, ft->elems[0]), asp);
            break;
        }
        case CV_PACK: {
            Value *items[MAX_ARGS];
            int n = 0;
            for (int k = bd->pack_from; k < bd->pack_to && n < MAX_ARGS; k++) items[n++] = args[k].v;
            v = list_of(g, b, items, n, ft->elems[0], span);
            break;
        }
        case CV_NONE_VALUE:
            v = graph_constant(g, b, iv_none(), ty_none(), span);
            break;
        case CV_EMPTY_LIST:
            v = list_of(g, b, NULL, 0, ft->elems[0], asp);
            break;
        }
        in[nin++] = v;
    }
    for (int k = 0; k < p->nvarargs; k++) in[nin++] = args[p->varargs[k]].v;
    Node *n = node_new(g, NK_OP, span);
    n->op = s;
    for (int k = 0; k < nin; k++) node_add_input(g, n, in[k]);
    if (s->varret)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, &span, "%s returns a variable number of values; not supported here",
                       s->name);
    for (int k = 0; k < s->nret; k++) node_add_output(g, n, subst(p, s->rets[k].type));
    block_append(b, n);
    *outs = n->outputs.data;
    *nout = n->outputs.len;
    return TS_OK;
}

static void describe_args(StrBuf *sb, const CallArg *args, int nargs) {
    sb_putc(sb, '(');
    for (int i = 0; i < nargs; i++) {
        if (i) sb_puts(sb, ", ");
        if (args[i].kw) sb_printf(sb, "%s=", args[i].kw);
        ty_annotation_str(sb, args[i].v->type);
    }
    sb_putc(sb, ')');
}

/* PyTorch's builtin functions for a number on the left of a tensor
 * (builtin_functions.cpp): `2 * x` is `x * 2`, `2 - x` is `neg(x) + 2`,
 * `2 / x` is `reciprocal(x) * 2`, `2 < x` is `x > 2`. They take part in
 * overload resolution with the schemas, so they win before any implicit
 * conversion (which would turn x into a number). */
static const struct {
    const char *name, *pre, *op;
} SCALAR_TENSOR_FNS[] = {
    {"aten::mul", NULL, "aten::mul"}, {"aten::add", NULL, "aten::add"}, {"aten::ne", NULL, "aten::ne"},
    {"aten::eq", NULL, "aten::eq"},   {"aten::lt", NULL, "aten::gt"},   {"aten::le", NULL, "aten::ge"},
    {"aten::gt", NULL, "aten::lt"},   {"aten::ge", NULL, "aten::le"},   {"aten::sub", "aten::neg", "aten::add"},
    {"aten::div", "aten::reciprocal", "aten::mul"},
};

static ts_status scalar_tensor_builtin(Ctx *ctx, Graph *g, Block *b, const char *name, const CallArg *args, int nargs,
                                       Span span, Value ***outs, int *nout, bool *done) {
    *done = false;
    if (nargs != 2 || args[0].kw || args[1].kw || args[1].v->type->kind != TK_TENSOR) return TS_OK;
    TypeKind ak = args[0].v->type->kind;
    if (ak != TK_INT && ak != TK_FLOAT) return TS_OK;
    for (size_t i = 0; i < TS_ARRAY_LEN(SCALAR_TENSOR_FNS); i++) {
        if (strcmp(SCALAR_TENSOR_FNS[i].name, name) != 0) continue;
        Value *t = args[1].v;
        if (SCALAR_TENSOR_FNS[i].pre) TS_TRY(sema_call(ctx, g, b, SCALAR_TENSOR_FNS[i].pre, span, &t, 1, t));
        CallArg a[2] = {{t, NULL, args[1].span}, args[0]};
        *done = true;
        return sema_emit_op(ctx, g, b, SCALAR_TENSOR_FNS[i].op, a, 2, span, outs, nout);
    }
    return TS_OK;
}

ts_status sema_emit_op(Ctx *ctx, Graph *g, Block *b, const char *name, const CallArg *args, int nargs, Span span,
                       Value ***outs, int *nout) {
    const OpSchema *first = ops_lookup_ctx(ctx, name);
    if (!first) {
        StrBuf text;
        sb_init(&text);
        sema_unknown_op_text(&text, name);
        ts_status st = ts_fail(ctx, TS_ERR_NOT_FOUND, &span, "%s", sb_cstr(&text));
        sb_free(&text);
        return st;
    }
    Plan p;
    for (int pass = 0; pass < 2; pass++) {
        for (const OpSchema *s = first; s; s = s->next_overload)
            if (try_schema(s, args, nargs, pass == 1, &p)) return apply(ctx, g, b, &p, args, span, outs, nout);
        if (pass == 0) {
            bool done = false;
            TS_TRY(scalar_tensor_builtin(ctx, g, b, name, args, nargs, span, outs, nout, &done));
            if (done) return TS_OK;
        }
    }
    StrBuf sb;
    sb_init(&sb);
    describe_args(&sb, args, nargs);
    sb_puts(&sb, "\n  candidates:");
    int shown = 0;
    for (const OpSchema *s = first; s && shown < 12; s = s->next_overload, shown++) {
        sb_puts(&sb, "\n    ");
        schema_str(&sb, s);
    }
    ts_status st = ts_fail(ctx, TS_ERR_TYPE, &span, "no overload of %s accepts the arguments %s", name, sb_cstr(&sb));
    sb_free(&sb);
    return st;
}

void sema_unknown_op_text(StrBuf *sb, const char *name) {
    /* say it the way the code spells it: torch.relu for aten::, ops.ns.name otherwise */
    const char *sep = strstr(name, "::");
    sb_printf(sb, "unknown builtin op '%s' (", name);
    if (strncmp(name, "aten::", 6) == 0) sb_printf(sb, "torch.%s", name + 6);
    else if (sep) sb_printf(sb, "ops.%.*s.%s", (int)(sep - name), name, sep + 2);
    else sb_puts(sb, name);
    sb_puts(sb, "): tscript does not implement it");
    if (sep && strncmp(name, "aten::", 6) != 0 && strncmp(name, "prim::", 6) != 0)
        sb_puts(sb, " (an extension's op: supply its kernel with ts_register_op, or tscript --ops-lib)");
}

void sema_defer_failure(Ctx *ctx, Graph *g, Node *n, ts_status st, Span fallback) {
    n->index = (int)st;
    n->text = arena_strdup(&g->arena, sb_cstr(&ctx->text));
    n->span = ctx->fail_span.src ? ctx->fail_span : fallback;
    ts_clear_error(ctx);
}

ts_status sema_emit_op1(Ctx *ctx, Graph *g, Block *b, const char *name, const CallArg *args, int nargs, Span span,
                        Value **out) {
    Value **outs;
    int nout;
    TS_TRY(sema_emit_op(ctx, g, b, name, args, nargs, span, &outs, &nout));
    if (nout != 1)
        return ts_fail(ctx, TS_ERR_TYPE, &span, "%s returns %d values where one was expected", name, nout);
    *out = outs[0];
    return TS_OK;
}

ts_status sema_call(Ctx *ctx, Graph *g, Block *b, const char *name, Span span, Value **out, int nargs, ...) {
    CallArg args[MAX_ARGS];
    va_list ap;
    va_start(ap, nargs);
    for (int i = 0; i < nargs && i < MAX_ARGS; i++) {
        args[i].v = va_arg(ap, Value *);
        args[i].kw = NULL;
        args[i].span = span;
    }
    va_end(ap);
    return sema_emit_op1(ctx, g, b, name, args, nargs, span, out);
}

Type *sema_type_of_value(IValue v) {
    switch (v.kind) {
    case IV_NONE: return ty_none();
    case IV_BOOL: return ty_bool();
    case IV_INT: return ty_int();
    case IV_DOUBLE: return ty_float();
    case IV_STR: return ty_str();
    case IV_DEVICE: return ty_device();
    case IV_TENSOR: return ty_tensor();
    case IV_LIST: return ty_list(v.u.l->elem);
    case IV_DICT: return ty_dict(v.u.dict->key_type, v.u.dict->value_type);
    case IV_TUPLE: {
        if (v.u.tup->type) return v.u.tup->type;
        int n = (int)v.u.tup->len;
        Type **e = ts_xmalloc(sizeof(Type *) * (size_t)(n + 1));
        for (int i = 0; i < n; i++) e[i] = sema_type_of_value(v.u.tup->items[i]);
        Type *t = ty_tuple(e, n);
        ts_free(e);
        return t;
    }
    case IV_OBJECT: return v.u.obj->cls->type;
    case IV_ENUM: return v.u.en->cls->type;
    default: return ty_any();
    }
}
