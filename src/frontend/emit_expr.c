/*
 * emit_expr.c - the expression half of the IR emitter: names, attributes,
 * calls (builtin ops through the registry, methods and functions through
 * the unit), operators, displays and subscripts.
 *
 * Expressions first evaluate to a "sugared value" (SV): a namespace
 * (`torch`, `ops.prim`, `__torch__.x`), a method on a receiver, a builtin
 * function, a class or function, or a plain IR value; only a value can be
 * stored or passed. Calls resolve at emission time, so the graph holds no
 * names.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "frontend/emit_internal.h"
#include "frontend/parser.h"

/* ---- environments ---- */

void em_env_init(Env *e, Env *parent) {
    memset(e, 0, sizeof *e);
    e->parent = parent;
    strmap_init(&e->vars);
    strmap_init(&e->sugar);
}

void em_env_free(Env *e) {
    strmap_free(&e->vars);
    strmap_free(&e->sugar);
    vec_free(&e->order);
}

Value *em_env_lookup(Env *e, const char *name) {
    for (; e; e = e->parent) {
        Value *v = strmap_get(&e->vars, name);
        if (v) return v;
    }
    return NULL;
}

void em_env_set(Em *em, const char *name, Value *v) {
    Env *e = em->env;
    if (!strmap_get(&e->vars, name)) {
        const char *n = arena_strdup(&em->g->arena, name);
        vec_push(&e->order, n);
    }
    strmap_put(&e->vars, name, v);
}

bool em_from_unresolved(const Value *v) {
    for (int depth = 0; v && depth < 8; depth++) {
        const Node *n = v->node;
        if (n->kind == NK_UNRESOLVED) return true;
        bool structural = n->kind == NK_TUPLE_UNPACK || n->kind == NK_LIST_UNPACK || n->kind == NK_TUPLE_INDEX ||
                          n->kind == NK_UNCHECKED_CAST;
        if (!structural || n->inputs.len < 1) return false;
        v = n->inputs.data[0];
    }
    return false;
}

/* ---- small emitters ---- */

Value *em_constant(Em *em, IValue v, Span sp) {
    return graph_constant(em->g, em->b, v, sema_type_of_value(v), sp);
}

Node *em_append(Em *em, NodeKind k, Span sp) {
    Node *n = node_new(em->g, k, sp);
    block_append(em->b, n);
    return n;
}

ts_status em_type_error(Em *em, Span sp, const char *what, Type *expected, Type *got) {
    StrBuf a, b;
    sb_init(&a);
    sb_init(&b);
    ty_annotation_str(&a, expected);
    ty_annotation_str(&b, got);
    ts_status st = ts_fail(em->ctx, TS_ERR_TYPE, &sp, "%s: expected a value of type %s but found %s", what,
                           sb_cstr(&a), sb_cstr(&b));
    sb_free(&a);
    sb_free(&b);
    return st;
}

ts_status em_op(Em *em, const char *name, Span sp, Value **out, int n, Value *a, Value *b, Value *c) {
    CallArg args[3] = {{a, NULL, sp}, {b, NULL, sp}, {c, NULL, sp}};
    return sema_emit_op1(em->ctx, em->g, em->b, name, args, n, sp, out);
}

Value *em_cast(Em *em, Value *v, Type *t, Span sp) {
    if (v->type == t) return v;
    Node *n = em_append(em, NK_UNCHECKED_CAST, sp);
    node_add_input(em->g, n, v);
    return node_add_output(em->g, n, t);
}

bool em_const_bool(const Value *v, bool *out) {
    if (v->node->kind != NK_CONSTANT || v->node->cval.kind != IV_BOOL) return false;
    *out = v->node->cval.u.b;
    return true;
}

static bool block_returns_bool(const Block *b, bool want) {
    bool v;
    for (const Node *n = b->param->next; n != b->ret; n = n->next)
        if (n->kind != NK_CONSTANT && n->kind != NK_UNCHECKED_CAST) return false;
    return b->ret->inputs.len == 1 && em_const_bool(b->ret->inputs.data[0], &v) && v == want &&
           !b->ret->inputs.data[0]->node->folded;
}

/* The condition of a new If. When it is the only output of the If just
 * emitted for `a and S` or `a or S` (S a constant), `if a: True else: False`,
 * PyTorch's graph tests `a` itself (`if self.training and
 * self.track_running_stats:` prints `if training:`). Only for a condition
 * written as `and`/`or` (cond): a value that went through a variable keeps
 * its If, as does a constant the emitter folded (`a and not self.flag`). */
Value *em_cond(Em *em, Value *c, const Ast *cond) {
    Node *n = c->node;
    if (cond->kind != AST_BOOLOP || n->kind != NK_IF || n->owner != em->b || n->outputs.len != 1 || n->next != em->b->ret ||
        !block_returns_bool(n->blocks[0], true) || !block_returns_bool(n->blocks[1], false))
        return c;
    Value *a = n->inputs.data[0];
    node_remove(n);
    return a;
}

/* A condition as a bool value. */
ts_status em_to_bool(Em *em, Value *v, Span sp, Value **out) {
    switch (v->type->kind) {
    case TK_BOOL: *out = v; return TS_OK;
    case TK_TENSOR:
    case TK_INT:
    case TK_FLOAT:
    case TK_NUMBER: return em_op(em, "aten::Bool", sp, out, 1, v, NULL, NULL);
    case TK_STR:
    case TK_LIST:
    case TK_DICT: {
        /* a string, list or dict is true when not empty (`if not why_not_fast_path:`),
         * emitted as PyTorch does: len(v) > 0 */
        Value *n;
        TS_TRY(em_op(em, "aten::len", sp, &n, 1, v, NULL, NULL));
        return em_op(em, "aten::gt", sp, out, 2, n, em_constant(em, iv_int(0), sp), NULL);
    }
    default: {
        StrBuf t;
        sb_init(&t);
        ty_annotation_str(&t, v->type);
        ts_status st = ts_fail(em->ctx, TS_ERR_TYPE, &sp, "a condition must be a bool, but this is a %s", sb_cstr(&t));
        sb_free(&t);
        return st;
    }
    }
}

/* ---- names and attributes ---- */

static const char *const BUILTINS[] = {"range", "len", "getattr", "isinstance", "annotate", "unchecked_cast",
                                       "uninitialized", "int", "float", "bool", "str", "min", "max", "abs",
                                       "list", "dict", "print", "hasattr", "tuple", "sorted", "round", "divmod",
                                       "all", "any", "sum", "zip", "enumerate", "ord", "chr", "hash", "id"};

/* A range anywhere but as the iterable of a for loop (or a comprehension). */
static ts_status range_as_value(Em *em, Span sp) {
    return ts_fail(em->ctx, TS_ERR_TYPE, &sp,
                   "range cannot be used as a value: use it directly in a for loop (for i in range(n):), or make a "
                   "list with a comprehension ([i for i in range(n)])");
}

/* What a scripting hook resolved, as a sugared value (GR_NONE: false). */
static bool from_global(Em *em, GlobalRef *g, Span sp, SV *out) {
    memset(out, 0, sizeof *out);
    switch (g->kind) {
    case GR_NONE: return false;
    case GR_ATEN: out->kind = SV_NS; out->name = "aten"; return true;
    case GR_PYMOD: out->kind = SV_PYMOD; out->name = arena_strdup(&em->g->arena, g->name); return true;
    case GR_OP: out->kind = SV_OP; out->name = arena_strdup(&em->g->arena, g->name); return true;
    case GR_CLASS: out->kind = SV_CLASS; out->cls = g->cls; return true;
    case GR_FUNCTION: out->kind = SV_FUNC; out->fn = g->fn; return true;
    case GR_VALUE: out->kind = SV_VALUE; out->v = em_constant(em, g->value, sp); return true;
    case GR_BUILTIN: out->kind = SV_BUILTIN; out->name = arena_strdup(&em->g->arena, g->name); return true;
    case GR_DISPATCH:
        out->kind = SV_DISPATCH;
        out->fn = g->fn;
        out->fn_true = g->fn_true;
        out->name = arena_strdup(&em->g->arena, g->name);
        out->index = g->dispatch_index;
        out->dflt = g->dispatch_default;
        return true;
    }
    return false;
}

static ts_status emit_name(Em *em, const Ast *e, SV *out) {
    const char *n = e->name.id;
    Value *v = em_env_lookup(em->env, n);
    memset(out, 0, sizeof *out);
    if (v) {
        out->kind = SV_VALUE;
        out->v = v;
        if (em_from_unresolved(v)) em->used_unresolved = true;
        return TS_OK;
    }
    for (Env *en = em->env; en; en = en->parent) {
        SV *sv = strmap_get(&en->sugar, n);
        if (sv) {
            *out = *sv;
            return TS_OK;
        }
    }
    if (em->u->hooks) {
        GlobalRef g;
        memset(&g, 0, sizeof g);
        TS_TRY(em->u->hooks->global(em->ctx, em->u->hooks_ud, em->fn, NULL, n, &e->span, &g));
        if (from_global(em, &g, e->span, out)) return TS_OK;
    }
    if (strcmp(n, "torch") == 0 || strcmp(n, "math") == 0) {
        out->kind = SV_NS;
        out->name = "aten";
        return TS_OK;
    }
    if (strcmp(n, "ops") == 0) { out->kind = SV_OPS; return TS_OK; }
    if (strcmp(n, "CONSTANTS") == 0) { out->kind = SV_CONSTANTS; return TS_OK; }
    if (strcmp(n, "__torch__") == 0) {
        out->kind = SV_QUAL;
        out->name = "__torch__";
        return TS_OK;
    }
    if (strcmp(n, "inf") == 0 || strcmp(n, "nan") == 0) {
        out->kind = SV_VALUE;
        out->v = em_constant(em, iv_double(n[0] == 'i' ? INFINITY : NAN), e->span);
        return TS_OK;
    }
    for (size_t i = 0; i < TS_ARRAY_LEN(BUILTINS); i++)
        if (strcmp(BUILTINS[i], n) == 0) {
            out->kind = SV_BUILTIN;
            out->name = BUILTINS[i];
            return TS_OK;
        }
    return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &e->span, "undefined name '%s'", n);
}

/* self.NAME of a scripted module that has no NAME, with the closest of its
 * attributes and methods when NAME looks misspelt. */
static ts_status no_module_attr(Em *em, const ClassType *c, const char *name, Span sp) {
    int n = c->attrs.len + c->consts.len + c->method_names.len;
    const char **cands = arena_array(&em->g->arena, const char *, n + 1);
    int k = 0;
    for (int i = 0; i < c->attrs.len; i++) cands[k++] = c->attrs.data[i].name;
    for (int i = 0; i < c->consts.len; i++) cands[k++] = c->consts.data[i].name;
    for (int i = 0; i < c->method_names.len; i++) cands[k++] = c->method_names.data[i];
    const char *near = sema_closest_name(name, cands, k);
    if (near)
        return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &sp, "module '%s' has no attribute '%s' (did you mean '%s'?)", c->name,
                       name, near);
    return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &sp, "module '%s' has no attribute '%s'", c->name, name);
}

/* obj.name where obj has a class type */
static ts_status class_attr(Em *em, Value *obj, const char *name, Span sp, SV *out) {
    ClassType *c = obj->type->cls;
    memset(out, 0, sizeof *out);
    if (c->kind == CK_ENUM) {
        bool is_value = strcmp(name, "value") == 0;
        if (!is_value && strcmp(name, "name") != 0)
            return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &sp, "an enum value has only .name and .value, not '%s'", name);
        Node *n = em_append(em, is_value ? NK_ENUM_VALUE : NK_ENUM_NAME, sp);
        node_add_input(em->g, n, obj);
        Type *vt = c->consts.len ? c->consts.data[0].type : ty_any();
        for (int i = 1; i < c->consts.len; i++)
            if (c->consts.data[i].type != vt) vt = ty_any();
        out->kind = SV_VALUE;
        out->v = node_add_output(em->g, n, is_value ? vt : ty_str());
        return TS_OK;
    }
    int k = classtype_attr_index(c, name);
    if (k >= 0) {
        if (c->kind == CK_NAMEDTUPLE) {
            Node *n = em_append(em, NK_TUPLE_INDEX, sp);
            node_add_input(em->g, n, obj);
            n->index = k;
            out->kind = SV_VALUE;
            out->v = node_add_output(em->g, n, c->attrs.data[k].type);
            return TS_OK;
        }
        Node *n = em_append(em, NK_GETATTR, sp);
        node_add_input(em->g, n, obj);
        n->name = c->attrs.data[k].name;
        n->index = k;
        out->kind = SV_VALUE;
        out->v = node_add_output(em->g, n, c->attrs.data[k].type);
        out->v->name = n->name;
        return TS_OK;
    }
    for (int i = 0; i < c->consts.len; i++)
        if (strcmp(c->consts.data[i].name, name) == 0) {
            out->kind = SV_VALUE;
            out->v = graph_constant(em->g, em->b, iv_dup(c->consts.data[i].value), c->consts.data[i].type, sp);
            return TS_OK;
        }
    if (!class_method(c, name) && em->u->hooks && em->u->hooks->ignored && c->kind == CK_MODULE) {
        bool ignored;
        Type *ret = NULL;
        TS_TRY(em->u->hooks->ignored(em->ctx, em->u->hooks_ud, c, name, &ignored, &ret));
        if (ignored) {
            out->kind = SV_IGNORED;
            out->v = obj;
            out->name = name;
            out->t = ret;
            return TS_OK;
        }
    }
    if (!class_method(c, name) && em->u->hooks && c->kind == CK_MODULE) {
        Function *m = NULL;
        TS_TRY(em->u->hooks->method(em->ctx, em->u->hooks_ud, c, name, &sp, &m));
    }
    if (class_method(c, name)) {
        out->kind = SV_METHOD;
        out->v = obj;
        out->name = name;
        out->cls = c;
        return TS_OK;
    }
    if (em->u->hooks && em->u->hooks->attr && c->kind == CK_MODULE) {
        GlobalRef g;
        memset(&g, 0, sizeof g);
        TS_TRY(em->u->hooks->attr(em->ctx, em->u->hooks_ud, c, name, &sp, &g));
        if (from_global(em, &g, sp, out)) return TS_OK;
    }
    if (em->u->from_source && c->kind == CK_MODULE) return no_module_attr(em, c, name, sp);
    return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &sp, "'%s' has no attribute or method '%s'", c->qualname, name);
}

static ts_status value_attr(Em *em, Value *v, const char *name, Span sp, SV *out) {
    memset(out, 0, sizeof *out);
    if (v->type->kind == TK_CLASS) return class_attr(em, v, name, sp, out);
    if (v->type->kind == TK_TENSOR) {
        static const struct { const char *attr, *op; } props[] = {
            {"shape", "aten::size"}, {"dtype", "prim::dtype"}, {"device", "prim::device"},
            {"is_cuda", "prim::is_cuda"}, {"requires_grad", "prim::requires_grad"}, {"ndim", "aten::dim"},
            {"is_quantized", "prim::is_quantized"}, {"is_meta", "prim::is_meta"}, {"data", "prim::data"},
            {"T", "aten::numpy_T"}, {"layout", "prim::layout"}, {"is_nested", "prim::is_nested"},
        };
        for (size_t i = 0; i < TS_ARRAY_LEN(props); i++)
            if (strcmp(props[i].attr, name) == 0) {
                out->kind = SV_VALUE;
                return em_op(em, props[i].op, sp, &out->v, 1, v, NULL, NULL);
            }
    }
    if (v->type->kind == TK_DEVICE && strcmp(name, "type") == 0) {
        out->kind = SV_VALUE;
        return em_op(em, "prim::type", sp, &out->v, 1, v, NULL, NULL);
    }
    out->kind = SV_METHOD;
    out->v = v;
    out->name = name;
    return TS_OK;
}

static ts_status emit_attr(Em *em, const Ast *e, SV *out) {
    SV base;
    TS_TRY(em_sv(em, e->attr.value, &base));
    const char *name = e->attr.name;
    Span sp = e->span;
    memset(out, 0, sizeof *out);
    switch (base.kind) {
    case SV_VALUE: return value_attr(em, base.v, name, sp, out);
    case SV_NS:
        out->kind = SV_OP;
        out->name = arena_printf(&em->g->arena, "%s::%s", base.name, name);
        return TS_OK;
    case SV_OPS:
        out->kind = SV_NS;
        out->name = arena_strdup(&em->g->arena, name);
        return TS_OK;
    case SV_CONSTANTS: {
        char *end = NULL;
        long long idx = name[0] == 'c' ? strtoll(name + 1, &end, 10) : -1;
        IValue cs = em->u->constants;
        if (!end || *end || idx < 0 || cs.kind != IV_TUPLE || idx >= cs.u.tup->len)
            return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &sp, "CONSTANTS.%s does not exist (constants.pkl has %lld entries)",
                           name, cs.kind == IV_TUPLE ? (long long)cs.u.tup->len : 0LL);
        out->kind = SV_VALUE;
        out->v = em_constant(em, iv_dup(cs.u.tup->items[idx]), sp);
        return TS_OK;
    }
    case SV_QUAL: {
        char *q = arena_printf(&em->g->arena, "%s.%s", base.name, name);
        ClassType *c;
        Function *f;
        TS_TRY(sema_lookup_qualified(em->ctx, em->u, q, &sp, &c, &f));
        if (c) { out->kind = SV_CLASS; out->cls = c; }
        else if (f) { out->kind = SV_FUNC; out->fn = f; }
        else { out->kind = SV_QUAL; out->name = q; }
        return TS_OK;
    }
    case SV_PYMOD: {
        GlobalRef g;
        memset(&g, 0, sizeof g);
        TS_TRY(em->u->hooks->global(em->ctx, em->u->hooks_ud, em->fn, base.name, name, &sp, &g));
        if (from_global(em, &g, sp, out)) return TS_OK;
        return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &sp, "module '%s' has no attribute '%s' that TorchScript can use",
                       base.name, name);
    }
    case SV_CLASS:
        if (base.cls->kind == CK_ENUM) {
            for (int i = 0; i < base.cls->consts.len; i++)
                if (strcmp(base.cls->consts.data[i].name, name) == 0) {
                    Node *n = em_append(em, NK_ENUM_MEMBER, sp);
                    n->tattr = base.cls->type;
                    n->index = i;
                    out->kind = SV_VALUE;
                    out->v = node_add_output(em->g, n, base.cls->type);
                    return TS_OK;
                }
            return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &sp, "enum %s has no member '%s'", base.cls->qualname, name);
        }
        if (strcmp(name, "__new__") == 0) {
            out->kind = SV_NEW;
            out->cls = base.cls;
            return TS_OK;
        }
        for (int i = 0; i < base.cls->consts.len; i++)
            if (strcmp(base.cls->consts.data[i].name, name) == 0) {
                out->kind = SV_VALUE;
                out->v = graph_constant(em->g, em->b, iv_dup(base.cls->consts.data[i].value),
                                        base.cls->consts.data[i].type, sp);
                return TS_OK;
            }
        break;
    default: break;
    }
    return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &sp, "cannot take attribute '%s' here", name);
}

/* ---- calls ---- */

typedef struct Args {
    CallArg a[MAX_CALL_ARGS];
    int n;
} Args;

static ts_status emit_args(Em *em, const Ast *call, Args *args) {
    args->n = 0;
    const AstList *pa = &call->call.args, *kw = &call->call.keywords;
    if (pa->len + kw->len > MAX_CALL_ARGS)
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &call->span, "too many arguments (%d)", pa->len + kw->len);
    for (int i = 0; i < pa->len; i++) {
        const Ast *x = pa->items[i];
        if (x->kind == AST_STARRED)
            return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &x->span, "starred arguments are not supported%s",
                           em->u->from_source ? ": pass the list itself (f(xs), not f(*xs))" : "");
        CallArg *c = &args->a[args->n++];
        c->kw = NULL;
        c->span = x->span;
        TS_TRY(em_expr(em, x, NULL, &c->v));
    }
    for (int i = 0; i < kw->len; i++) {
        const Ast *k = kw->items[i];
        if (!k->keyword.arg)
            return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &k->span, "**kwargs arguments are not supported");
        CallArg *c = &args->a[args->n++];
        c->kw = k->keyword.arg;
        c->span = k->span;
        TS_TRY(em_expr(em, k->keyword.value, NULL, &c->v));
    }
    return TS_OK;
}

/* Pack an op's outputs into one value (a tuple when there are several). */
static Value *pack_outputs(Em *em, Value **outs, int n, Span sp) {
    if (n == 1) return outs[0];
    if (n == 0) return em_constant(em, iv_none(), sp);
    Node *t = em_append(em, NK_TUPLE_CONSTRUCT, sp);
    Type *ts[MAX_CALL_ARGS];
    for (int i = 0; i < n && i < MAX_CALL_ARGS; i++) {
        node_add_input(em->g, t, outs[i]);
        ts[i] = outs[i]->type;
    }
    return node_add_output(em->g, t, ty_tuple(ts, n < MAX_CALL_ARGS ? n : MAX_CALL_ARGS));
}

/* Archives of format version 3 and older meant integer division when they
 * said torch.div on two integer tensors (PyTorch's div_Tensor_0_3 upgrader):
 * keep true division when either side is floating point, else truncate. */
static ts_status upgrade_div(Em *em, Node *n, Span sp, Value **out) {
    const OpSchema *s = n->op;
    Value *self = n->inputs.data[0], *other = n->inputs.data[1];
    Value *cond;
    TS_TRY(em_op(em, "aten::is_floating_point", sp, &cond, 1, self, NULL, NULL));
    Value *ofl;
    if (other->type->kind == TK_TENSOR) {
        TS_TRY(em_op(em, "aten::is_floating_point", sp, &ofl, 1, other, NULL, NULL));
    } else {
        ofl = em_constant(em, iv_bool(other->type->kind == TK_FLOAT), sp);
    }
    TS_TRY(em_op(em, "aten::__or__", sp, &cond, 2, cond, ofl, NULL));
    node_remove(n);
    Node *ifn = em_append(em, NK_IF, sp);
    node_add_input(em->g, ifn, cond);
    Block *saved = em->b;
    Block *t = node_add_block(em->g, ifn);
    block_append(t, n); /* the original true division */
    block_add_output(em->g, t, n->outputs.data[0]);
    em->b = node_add_block(em->g, ifn);
    Value *mode = em_constant(em, iv_cstr("trunc"), sp), *r;
    CallArg a[3] = {{self, NULL, sp}, {other, NULL, sp}, {mode, "rounding_mode", sp}};
    ts_status st = sema_emit_op1(em->ctx, em->g, em->b, s->name, a, 3, sp, &r);
    if (st == TS_OK) block_add_output(em->g, em->b, r);
    em->b = saved;
    TS_TRY(st);
    *out = node_add_output(em->g, ifn, ty_tensor());
    return TS_OK;
}

static bool needs_div_upgrade(const Em *em, const Node *n) {
    /* (version 0: not an archive, e.g. source compiled by tscript: today's semantics) */
    if (em->u->version < 1 || em->u->version > 3 || n->kind != NK_OP) return false;
    const OpSchema *s = n->op;
    return strcmp(s->name, "aten::div") == 0 &&
           (strcmp(s->overload, "Tensor") == 0 || strcmp(s->overload, "Scalar") == 0);
}

static bool is_enum(const Value *v) { return v->type->kind == TK_CLASS && v->type->cls->kind == CK_ENUM; }

/* e1 == e2 / e1 != e2 on enum values: the same class and the same member
 * (PyTorch's aten::eq.enum), compared through the member names. */
static bool enum_compare(Em *em, const char *name, Value *a, Value *b, Span sp, Value **out, ts_status *st) {
    bool eq = strcmp(name, "aten::eq") == 0, ne = strcmp(name, "aten::ne") == 0;
    if ((!eq && !ne) || !is_enum(a) || !is_enum(b)) return false;
    if (a->type != b->type) {
        *out = em_constant(em, iv_bool(ne), sp);
        *st = TS_OK;
        return true;
    }
    Value *na, *nb;
    /* index 1: names taken only to compare the enums (the printer writes torch.eq(a, b), PyTorch's eq.enum) */
    Node *x = em_append(em, NK_ENUM_NAME, sp);
    x->index = 1;
    node_add_input(em->g, x, a);
    na = node_add_output(em->g, x, ty_str());
    x = em_append(em, NK_ENUM_NAME, sp);
    x->index = 1;
    node_add_input(em->g, x, b);
    nb = node_add_output(em->g, x, ty_str());
    *st = em_op(em, name, sp, out, 2, na, nb, NULL);
    return true;
}

/* A call of an op the registry lacks, in an archive: a node that fails when
 * run. Its type comes from the context (an annotation or the return type),
 * else Tensor, as most ATen ops return; unpacking it retypes it (unpack_to). */
static ts_status emit_unresolved(Em *em, const char *name, Args *args, Span sp, Type *hint, Value **out) {
    Node *n = em_append(em, NK_UNRESOLVED, sp);
    n->name = arena_strdup(&em->g->arena, name);
    StrBuf text;
    sb_init(&text);
    sema_unknown_op_text(&text, name);
    n->text = arena_strdup(&em->g->arena, sb_cstr(&text));
    sb_free(&text);
    n->index = TS_ERR_NOT_FOUND;
    em->used_unresolved = true;
    for (int i = 0; i < args->n; i++) node_add_input(em->g, n, args->a[i].v);
    *out = node_add_output(em->g, n, hint ? hint : ty_tensor());
    return TS_OK;
}

static ts_status emit_builtin_op(Em *em, const char *name, Args *args, Span sp, Type *hint, Value **out) {
    Value **outs;
    int n;
    ts_status est;
    if (strcmp(name, "aten::_no_grad_embedding_renorm_") == 0 && em->u->from_source && args->n == 4) {
        /* F.embedding's max_norm renormalisation: its schema declares no write, so
         * PyTorch's dead code elimination drops the unused call from every scripted
         * graph (scripted nn.Embedding(max_norm=...) never renormalises); so here */
        *out = args->a[0].v;
        return TS_OK;
    }
    if ((em->u->lazy || em->u->from_source) && !ops_lookup_ctx(em->ctx, name)) return emit_unresolved(em, name, args, sp, hint, out);
    if (args->n == 2 && !args->a[0].kw && !args->a[1].kw &&
        enum_compare(em, name, args->a[0].v, args->a[1].v, sp, out, &est))
        return est;
    TS_TRY(sema_emit_op(em->ctx, em->g, em->b, name, args->a, args->n, sp, &outs, &n));
    if (n == 1 && needs_div_upgrade(em, outs[0]->node)) return upgrade_div(em, outs[0]->node, sp, out);
    *out = pack_outputs(em, outs, n, sp);
    return TS_OK;
}

static ts_status ensure_ret_type(Em *em, Function *fn, Span sp) {
    if (em->u->from_source && fn->state == FN_EMITTING)
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp,
                       "function '%s' is called recursively: TorchScript does not support recursion; write a loop",
                       fn->name);
    if (fn->state == FN_FAILED && !fn->graph)
        return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "%s cannot be called: its declaration failed to compile", fn->qualname);
    if (fn->ret_type) return TS_OK;
    if (fn->state == FN_EMITTING)
        return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "recursive call of %s needs a return type annotation", fn->qualname);
    if (fn->state == FN_DECLARED) TS_TRY(sema_emit_function(em->ctx, em->u, fn));
    return TS_OK;
}

/* PyTorch's conversions for a List[T] parameter: a tuple of Ts becomes a
 * list, and a T given for a BroadcastingListN[T] one becomes N copies.
 * Returns v itself when neither applies. */
static Value *to_list_param(Em *em, Value *v, const FnParam *p, Span sp) {
    Type *lt = ty_unwrap_optional(p->type);
    if (lt->kind != TK_LIST || v->type->kind == TK_NONE) return v;
    Type *et = lt->elems[0];
    Value *items[64];
    int n = 0;
    if (v->type->kind == TK_TUPLE && v->type->n <= 64) {
        for (int i = 0; i < v->type->n; i++) {
            if (!ty_subtype(v->type->elems[i], et)) return v;
            Node *ti = em_append(em, NK_TUPLE_INDEX, sp);
            node_add_input(em->g, ti, v);
            ti->index = i;
            items[n++] = node_add_output(em->g, ti, v->type->elems[i]);
        }
    } else if (p->broadcast > 0 && p->broadcast <= 64 && ty_subtype(v->type, et)) {
        for (int i = 0; i < p->broadcast; i++) items[n++] = v;
    } else {
        return v;
    }
    Node *lc = em_append(em, NK_LIST_CONSTRUCT, sp);
    for (int i = 0; i < n; i++) node_add_input(em->g, lc, items[i]);
    return node_add_output(em->g, lc, lt);
}

/* Would the call bind to fn (for picking among @_overload variants)? */
static bool call_fits(const Function *fn, Value *self, const Args *args) {
    int np = fn->nparams, pi = self ? 1 : 0;
    bool bound[MAX_CALL_ARGS + 1];
    if (np > MAX_CALL_ARGS) return false;
    memset(bound, 0, sizeof bound);
    if (self) bound[0] = true;
    for (int i = 0; i < args->n; i++) {
        const CallArg *a = &args->a[i];
        int k = 0;
        if (!a->kw) k = pi++;
        else
            for (k = 0; k < np && strcmp(fn->params[k].name, a->kw) != 0; k++) {}
        if (k >= np || bound[k]) return false;
        bound[k] = true;
        const FnParam *p = &fn->params[k];
        Type *t = a->v->type, *lt = ty_unwrap_optional(p->type);
        if (ty_subtype(t, p->type)) continue;
        if (lt->kind == TK_LIST && t->kind == TK_TUPLE) {
            bool ok = true;
            for (int e = 0; e < t->n; e++) ok = ok && ty_subtype(t->elems[e], lt->elems[0]);
            if (ok) continue;
        }
        if (lt->kind == TK_LIST && p->broadcast > 0 && ty_subtype(t, lt->elems[0])) continue;
        return false;
    }
    for (int k = 0; k < np; k++)
        if (!bound[k] && !fn->params[k].has_default) return false;
    return true;
}

Value *em_tuple_to_list(Em *em, Value *v, Type *t, Span sp) {
    FnParam p;
    memset(&p, 0, sizeof p);
    p.type = t;
    return to_list_param(em, v, &p, sp);
}

/* Was parameter k of fn written with an annotation (else it is a Tensor)? */
static bool param_annotated(const Function *fn, int k) {
    const Ast *def = (const Ast *)fn->def;
    if (!def || def->kind != AST_FUNCDEF || k >= def->funcdef.params.len) return true;
    return def->funcdef.params.items[k]->param.annotation != NULL;
}

static ts_status unannotated_param(Em *em, Span sp, const char *what, const FnParam *p, Type *got) {
    StrBuf b;
    sb_init(&b);
    ty_annotation_str(&b, got);
    ts_status st = ts_fail(em->ctx, TS_ERR_TYPE, &sp,
                           "%s: expected a value of type Tensor but found %s: '%s' is not annotated, so TorchScript takes "
                           "it to be a Tensor; annotate it (%s: %s)", what, sb_cstr(&b), p->name, p->name, sb_cstr(&b));
    sb_free(&b);
    return st;
}

/* Bind arguments to a TorchScript function's parameters (self already in
 * `first` when non-NULL) and emit the call node. */
static ts_status emit_fn_call(Em *em, Function *fn, Value *self, Args *args, Span sp, Value **out) {
    if (fn->next_overload) {
        Function *pick = NULL;
        for (Function *f = fn; f && !pick; f = f->next_overload)
            if (call_fits(f, self, args)) pick = f;
        if (!pick)
            return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "no overload of %s fits these arguments", fn->qualname);
        fn = pick;
    }
    TS_TRY(ensure_ret_type(em, fn, sp));
    int np = fn->nparams;
    Value **bound = arena_array(&em->g->arena, Value *, np + 1);
    int pi = 0;
    if (self) bound[pi++] = self;
    for (int i = 0; i < args->n; i++) {
        CallArg *a = &args->a[i];
        int k;
        if (!a->kw) {
            k = pi++;
        } else {
            for (k = 0; k < np && strcmp(fn->params[k].name, a->kw) != 0; k++) {}
        }
        if (k >= np)
            return ts_fail(em->ctx, TS_ERR_TYPE, &a->span, "%s() got %s", fn->qualname,
                           a->kw ? "an unexpected keyword argument" : "too many arguments");
        if (bound[k]) return ts_fail(em->ctx, TS_ERR_TYPE, &a->span, "%s() got multiple values for '%s'", fn->qualname, fn->params[k].name);
        bound[k] = a->v;
    }
    for (int k = 0; k < np; k++) {
        FnParam *p = &fn->params[k];
        if (!bound[k]) {
            if (!p->has_default)
                return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "%s() is missing the argument '%s'", fn->qualname, p->name);
            bound[k] = graph_constant(em->g, em->b, iv_dup(p->default_value), p->type, sp);
        }
        if (!ty_subtype(bound[k]->type, p->type)) bound[k] = to_list_param(em, bound[k], p, sp);
        if (!ty_subtype(bound[k]->type, p->type)) {
            char *what = !em->u->from_source ? arena_printf(&em->g->arena, "argument '%s' of %s", p->name, fn->qualname)
                         : fn->owner ? arena_printf(&em->g->arena, "argument '%s' of %s.%s()", p->name, fn->owner->name, fn->name)
                                     : arena_printf(&em->g->arena, "argument '%s' of %s()", p->name, fn->name);
            if (em->u->from_source && !param_annotated(fn, k) && p->type->kind == TK_TENSOR)
                return unannotated_param(em, sp, what, p, bound[k]->type);
            return em_type_error(em, sp, what, p->type, bound[k]->type);
        }
    }
    Node *n = em_append(em, fn->owner ? NK_CALL_METHOD : NK_CALL_FUNCTION, sp);
    n->callee = fn;
    n->name = fn->name;
    for (int k = 0; k < np; k++) node_add_input(em->g, n, bound[k]);
    *out = node_add_output(em->g, n, fn->ret_type ? fn->ret_type : ty_none());
    return TS_OK;
}

static ts_status ast_type_arg(Em *em, const Ast *call, int i, Type **out) {
    if (call->call.args.len <= i) return ts_fail(em->ctx, TS_ERR_TYPE, &call->span, "missing a type argument");
    return sema_resolve_type(em->ctx, em->u, call->call.args.items[i], out);
}

static ts_status emit_isinstance(Em *em, const Ast *call, Value **out) {
    if (call->call.args.len != 2) return ts_fail(em->ctx, TS_ERR_TYPE, &call->span, "isinstance() takes 2 arguments");
    Value *v;
    TS_TRY(em_expr(em, call->call.args.items[0], NULL, &v));
    const Ast *ta = call->call.args.items[1];
    if (em->u->hooks && em->u->hooks->module_isinstance && v->type->kind == TK_CLASS && v->type->cls->kind == CK_MODULE) {
        bool handled = false, r = false;
        TS_TRY(em->u->hooks->module_isinstance(em->ctx, em->u->hooks_ud, em->fn, v->type->cls, ta, &handled, &r));
        if (handled) {
            *out = em_constant(em, iv_bool(r), call->span);
            return TS_OK;
        }
    }
    Type *cands[16];
    int nc = 0;
    if (ta->kind == AST_TUPLE) {
        for (int i = 0; i < ta->seq.elts.len && nc < 16; i++)
            TS_TRY(sema_resolve_type(em->ctx, em->u, ta->seq.elts.items[i], &cands[nc++]));
    } else {
        TS_TRY(sema_resolve_type(em->ctx, em->u, ta, &cands[nc++]));
    }
    /* Decide statically when the static type settles it, as PyTorch does. */
    bool always = false, never = true;
    for (int i = 0; i < nc; i++) {
        Type *t = cands[i];
        bool sub = ty_subtype(v->type, t) ||
                   (t->kind == TK_ANYLIST && v->type->kind == TK_LIST) ||
                   (t->kind == TK_ANYTUPLE && v->type->kind == TK_TUPLE);
        if (sub) always = true;
        bool maybe = v->type->kind == TK_ANY || v->type->kind == TK_OPTIONAL || v->type->kind == TK_UNION ||
                     v->type->kind == TK_NUMBER;
        if (sub || maybe) never = false;
    }
    if (always || never) {
        *out = em_constant(em, iv_bool(always), call->span);
        return TS_OK;
    }
    Node *n = em_append(em, NK_ISINSTANCE, call->span);
    node_add_input(em->g, n, v);
    n->tattr = nc == 1 ? cands[0] : ty_union(cands, nc);
    *out = node_add_output(em->g, n, ty_bool());
    return TS_OK;
}

static ts_status emit_builtin(Em *em, const char *name, const Ast *call, Type *hint, Value **out) {
    Span sp = call->span;
    if (strcmp(name, "annotate") == 0 || strcmp(name, "unchecked_cast") == 0) {
        Type *t;
        TS_TRY(ast_type_arg(em, call, 0, &t));
        if (call->call.args.len != 2) return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "%s() takes 2 arguments", name);
        Value *v;
        TS_TRY(em_expr(em, call->call.args.items[1], t, &v));
        if (name[0] == 'a' && v->type->kind == TK_TENSOR && !ty_subtype(v->type, t)) {
            /* the printer writes implicit tensor-to-scalar conversions as annotate(int, t) */
            const char *conv = t->kind == TK_INT ? "aten::IntImplicit" : t->kind == TK_FLOAT ? "aten::FloatImplicit"
                             : t->kind == TK_BOOL ? "aten::Bool" : t->kind == TK_NUMBER ? "aten::ScalarImplicit" : NULL;
            if (conv) return em_op(em, conv, sp, out, 1, v, NULL, NULL);
        }
        if (name[0] == 'a' && !ty_subtype(v->type, t)) return em_type_error(em, sp, "annotate()", t, v->type);
        if (name[0] == 'u' && v->type == t) {
            /* PyTorch keeps a cast to the same type as a node: so does the IR, for the code printer */
            Node *n = em_append(em, NK_UNCHECKED_CAST, sp);
            node_add_input(em->g, n, v);
            *out = node_add_output(em->g, n, t);
            return TS_OK;
        }
        *out = em_cast(em, v, t, sp);
        return TS_OK;
    }
    if (strcmp(name, "uninitialized") == 0) {
        Type *t;
        TS_TRY(ast_type_arg(em, call, 0, &t));
        Node *n = em_append(em, NK_UNINITIALIZED, sp);
        *out = node_add_output(em->g, n, t);
        return TS_OK;
    }
    if (strcmp(name, "isinstance") == 0) return emit_isinstance(em, call, out);
    if (strcmp(name, "is_scripting") == 0 || strcmp(name, "has_torch_function") == 0) {
        /* torch.jit.is_scripting(): compiled code is scripted; torch.overrides.has_torch_function(...):
         * no __torch_function__ there */
        *out = em_constant(em, iv_bool(name[0] == 'i'), sp);
        return TS_OK;
    }
    int ntuple = strcmp(name, "_single") == 0 ? 1 : strcmp(name, "_pair") == 0 ? 2 : strcmp(name, "_triple") == 0 ? 3
               : strcmp(name, "_quadruple") == 0 ? 4 : 0;
    if (ntuple) {
        /* torch.nn.modules.utils._pair(x): x as a list, a number repeated */
        if (call->call.args.len != 1) return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "%s() takes one argument", name);
        Value *v;
        TS_TRY(em_expr(em, call->call.args.items[0], NULL, &v));
        if (v->type->kind == TK_LIST) { *out = v; return TS_OK; }
        FnParam p;
        memset(&p, 0, sizeof p);
        p.broadcast = ntuple;
        Type *et = v->type->kind == TK_TUPLE && v->type->n > 0 ? v->type->elems[0] : v->type;
        p.type = ty_list(et);
        *out = to_list_param(em, v, &p, sp);
        if ((*out)->type->kind != TK_LIST) return em_type_error(em, sp, name, p.type, v->type);
        return TS_OK;
    }
    if (strcmp(name, "getattr") == 0 || strcmp(name, "hasattr") == 0) {
        if (call->call.args.len != 2 || call->call.args.items[1]->kind != AST_STR)
            return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "%s() takes an object and a string literal", name);
        Value *obj;
        TS_TRY(em_expr(em, call->call.args.items[0], NULL, &obj));
        const char *attr = call->call.args.items[1]->str.data;
        if (name[0] == 'h') {
            bool has = obj->type->kind == TK_CLASS && (classtype_attr_index(obj->type->cls, attr) >= 0 ||
                                                       class_method(obj->type->cls, attr));
            *out = em_constant(em, iv_bool(has), sp);
            return TS_OK;
        }
        SV sv;
        TS_TRY(value_attr(em, obj, attr, sp, &sv));
        if (sv.kind != SV_VALUE) return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "getattr() of a method is not supported");
        *out = sv.v;
        return TS_OK;
    }
    Args args;
    TS_TRY(emit_args(em, call, &args));
    if (strcmp(name, "len") == 0 && args.n == 1 && args.a[0].v->type->kind == TK_CLASS &&
        args.a[0].v->type->cls->kind == CK_MODULE) {
        /* len(ModuleList / Sequential / ModuleDict): its number of submodules, a constant */
        const ClassType *c = args.a[0].v->type->cls;
        int64_t n = 0;
        for (int i = 0; i < c->attrs.len; i++)
            if (c->attrs.data[i].type->kind == TK_CLASS && c->attrs.data[i].type->cls->kind == CK_MODULE) n++;
        *out = em_constant(em, iv_int(n), sp);
        return TS_OK;
    }
    static const struct { const char *py, *op; } map[] = {
        {"len", "aten::len"}, {"int", "aten::Int"}, {"float", "aten::Float"}, {"bool", "aten::Bool"},
        {"str", "aten::str"}, {"min", "prim::min"}, {"max", "prim::max"}, {"abs", "prim::abs"},
        {"list", "aten::list"}, {"dict", "aten::dict"}, {"print", "prim::Print"}, {"sorted", "aten::sorted"},
        {"round", "aten::round"}, {"divmod", "aten::divmod"}, {"all", "aten::all"}, {"any", "aten::any"},
        {"sum", "aten::sum"}, {"ord", "aten::ord"}, {"chr", "aten::chr"}, {"hash", "aten::hash"},
    };
    /* int(x) on an int, float(x) on a float: the value itself */
    if (args.n == 1 && ((strcmp(name, "int") == 0 && args.a[0].v->type == ty_int()) ||
                        (strcmp(name, "float") == 0 && args.a[0].v->type == ty_float()) ||
                        (strcmp(name, "bool") == 0 && args.a[0].v->type == ty_bool()))) {
        *out = args.a[0].v;
        return TS_OK;
    }
    for (size_t i = 0; i < TS_ARRAY_LEN(map); i++)
        if (strcmp(map[i].py, name) == 0) return emit_builtin_op(em, map[i].op, &args, sp, hint, out);
    TS_UNUSED(hint);
    if (strcmp(name, "range") == 0) return range_as_value(em, sp);
    return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp, "%s() is not supported here", name);
}

/* t.tolist() takes its result type from the annotation around it:
 * annotate(List[List[float]], t.tolist()). */
static ts_status emit_tolist(Em *em, Value *t, Type *hint, Span sp, Value **out) {
    int dim = 0;
    Type *e = hint;
    while (e && e->kind == TK_LIST) {
        e = e->elems[0];
        dim++;
    }
    int elem = !e ? -1 : e->kind == TK_INT ? 0 : e->kind == TK_FLOAT ? 1 : e->kind == TK_BOOL ? 2 : -1;
    if (elem < 0 || (dim == 0 && hint != e))
        return ts_fail(em->ctx, TS_ERR_TYPE, &sp,
                       "tolist() needs its result type: write annotate(List[float], x.tolist()) "
                       "(a list of int, float or bool, nested once per dimension)");
    Value *d = em_constant(em, iv_int(dim), sp), *k = em_constant(em, iv_int(elem), sp);
    TS_TRY(em_op(em, "prim::tolist", sp, out, 3, t, d, k));
    (*out)->type = hint;
    return TS_OK;
}

/* x.chunk(N, dim) with a constant N is a tuple of N tensors in compiled source,
 * as PyTorch's prim::ConstantChunk gives it (so `(a,) + x.chunk(2)` is a tuple). */
static ts_status emit_constant_chunk(Em *em, Args *args, Span sp, Type *hint, Value **out) {
    Value *n = args->n >= 2 ? args->a[1].v : NULL;
    int64_t k = 0;
    bool konst = n && n->node->kind == NK_CONSTANT && n->node->cval.kind == IV_INT && !args->a[1].kw;
    if (konst) k = n->node->cval.u.i;
    Value *l;
    TS_TRY(emit_builtin_op(em, "aten::chunk", args, sp, hint, &l));
    if (!konst || k < 1 || k > MAX_CALL_ARGS || l->type->kind != TK_LIST) {
        *out = l;
        return TS_OK;
    }
    Node *u = em_append(em, NK_LIST_UNPACK, sp);
    node_add_input(em->g, u, l);
    Node *t = em_append(em, NK_TUPLE_CONSTRUCT, sp);
    Type *ts[MAX_CALL_ARGS];
    for (int64_t i = 0; i < k; i++) {
        node_add_input(em->g, t, node_add_output(em->g, u, ty_tensor()));
        ts[i] = ty_tensor();
    }
    *out = node_add_output(em->g, t, ty_tuple(ts, (int)k));
    return TS_OK;
}

/* v.NAME(...) with v an Optional: it must be refined first. */
static ts_status optional_method(Em *em, const Ast *func, Value *v) {
    StrBuf t;
    sb_init(&t);
    ty_annotation_str(&t, v->type);
    const Ast *recv = func->attr.value;
    ts_status st;
    if (recv->kind == AST_NAME)
        st = ts_fail(em->ctx, TS_ERR_TYPE, &func->span,
                     "'%s' object has no attribute or method '%s': '%s' may be None; refine it first with 'if %s is not "
                     "None:'", sb_cstr(&t), func->attr.name, recv->name.id, recv->name.id);
    else
        st = ts_fail(em->ctx, TS_ERR_TYPE, &func->span,
                     "'%s' object has no attribute or method '%s': refine it first (assign it to a name and test 'if "
                     "name is not None:')", sb_cstr(&t), func->attr.name);
    sb_free(&t);
    return st;
}

/* x.NAME(...) where PyTorch's Tensor has no method NAME (in source: a typo). */
static ts_status no_tensor_method(Em *em, const char *name, Span sp) {
    const char *near = sema_closest_tensor_method(name);
    if (near)
        return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &sp, "'Tensor' object has no attribute or method '%s' (did you mean '%s'?)",
                       name, near);
    return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &sp, "'Tensor' object has no attribute or method '%s'", name);
}

/* x.long(), x.float() ...: PyTorch compiles these casts as
 * aten::to(x, dtype, False, False, None) (there is no aten::long op). The
 * ScalarType code of each, or -1. */
static int tensor_cast_dtype(const char *name) {
    static const struct { const char *name; int code; } casts[] = {
        {"byte", 0}, {"char", 1}, {"short", 2}, {"int", 3}, {"long", 4},
        {"half", 5}, {"float", 6}, {"double", 7}, /* PyTorch 1.13 has no x.bool() / x.bfloat16() */
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(casts); i++)
        if (strcmp(casts[i].name, name) == 0) return casts[i].code;
    return -1;
}

static ts_status emit_tensor_cast(Em *em, Value *x, int code, Span sp, Value **out) {
    Value *f = em_constant(em, iv_bool(false), sp);
    CallArg a[5] = {{x, NULL, sp}, {em_constant(em, iv_int(code), sp), NULL, sp}, {f, NULL, sp}, {f, NULL, sp},
                    {em_constant(em, iv_none(), sp), NULL, sp}};
    return sema_emit_op1(em->ctx, em->g, em->b, "aten::to", a, 5, sp, out);
}

/* A call of a @torch.jit.ignore / @torch.jit.unused method: the body stays
 * Python, so the call raises, as PyTorch's saved code does
 * (ops.prim.RaiseException("This Python function is annotated to be ignored
 * and cannot be run")); its value, never reached, is uninitialized. */
static ts_status emit_ignored_call(Em *em, Type *ret, Span sp, Value **out) {
    CallArg a = {em_constant(em, iv_cstr("This Python function is annotated to be ignored and cannot be run"), sp), NULL, sp};
    Value **outs;
    int n;
    TS_TRY(sema_emit_op(em->ctx, em->g, em->b, "prim::RaiseException", &a, 1, sp, &outs, &n));
    Node *un = em_append(em, NK_UNINITIALIZED, sp);
    *out = node_add_output(em->g, un, ret);
    return TS_OK;
}

static ts_status emit_call(Em *em, const Ast *call, Type *hint, Value **out) {
    SV f;
    TS_TRY(em_sv(em, call->call.func, &f));
    Span sp = call->span;
    if (f.kind == SV_BUILTIN) return emit_builtin(em, f.name, call, hint, out);
    if (f.kind == SV_NEW) {
        /* Cls.__new__(Cls): an object with every slot None, filled by __init__ */
        Node *n = em_append(em, NK_CREATE_OBJECT, sp);
        *out = node_add_output(em->g, n, f.cls->type);
        return TS_OK;
    }
    Args args;
    TS_TRY(emit_args(em, call, &args));
    switch (f.kind) {
    case SV_IGNORED: return emit_ignored_call(em, f.t, sp, out);
    case SV_DISPATCH: {
        /* boolean_dispatch (F.max_pool2d's return_indices): the flag must be a constant */
        Value *flag = NULL;
        for (int i = 0; i < args.n; i++)
            if (args.a[i].kw ? strcmp(args.a[i].kw, f.name) == 0 : i == f.index) flag = args.a[i].v;
        bool on = f.dflt;
        if (flag && !em_const_bool(flag, &on))
            return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "the argument '%s' of this function must be a constant bool", f.name);
        return emit_fn_call(em, on ? f.fn_true : f.fn, NULL, &args, sp, out);
    }
    case SV_OP: return emit_builtin_op(em, f.name, &args, sp, hint, out);
    case SV_FUNC: return emit_fn_call(em, f.fn, NULL, &args, sp, out);
    case SV_METHOD: {
        if (f.cls) {
            Function *fn = class_method(f.cls, f.name);
            return emit_fn_call(em, fn, f.v, &args, sp, out);
        }
        if (em->u->from_source && f.v->type->kind == TK_OPTIONAL) return optional_method(em, call->call.func, f.v);
        if (strcmp(f.name, "tolist") == 0 && f.v->type->kind == TK_TENSOR && args.n == 0)
            return emit_tolist(em, f.v, hint, sp, out);
        /* a builtin method: x.relu(), l.append(v), s.format(...) */
        if (args.n + 1 > MAX_CALL_ARGS) return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp, "too many arguments");
        memmove(&args.a[1], &args.a[0], sizeof(CallArg) * (size_t)args.n);
        args.a[0].v = f.v;
        args.a[0].kw = NULL;
        args.a[0].span = sp;
        args.n++;
        if (f.v->type->kind == TK_TENSOR && args.n == 1) {
            int code = tensor_cast_dtype(f.name);
            if (code >= 0) return emit_tensor_cast(em, f.v, code, sp, out);
        }
        char *opname = arena_printf(&em->g->arena, "aten::%s", f.name);
        if (em->u->from_source && f.v->type->kind == TK_TENSOR && !ops_lookup(opname) &&
            !sema_is_tensor_method(f.name))
            return no_tensor_method(em, f.name, call->call.func->span);
        if (em->u->from_source && strcmp(f.name, "chunk") == 0 && f.v->type->kind == TK_TENSOR)
            return emit_constant_chunk(em, &args, sp, hint, out);
        return emit_builtin_op(em, opname, &args, sp, hint, out);
    }
    case SV_VALUE:
        if (f.v->type->kind == TK_CLASS && class_method(f.v->type->cls, "forward"))
            return emit_fn_call(em, class_method(f.v->type->cls, "forward"), f.v, &args, sp, out);
        /* @_overload_method forward (nn.LSTM ...): forward__0, forward__1 ... chained */
        if (f.v->type->kind == TK_CLASS && class_method(f.v->type->cls, "forward__0"))
            return emit_fn_call(em, class_method(f.v->type->cls, "forward__0"), f.v, &args, sp, out);
        break;
    case SV_CLASS:
        if (f.cls->kind == CK_NAMEDTUPLE) {
            ClassType *c = f.cls;
            if (args.n != c->attrs.len)
                return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "%s takes %d fields, got %d", c->qualname, c->attrs.len, args.n);
            Node *n = em_append(em, NK_TUPLE_CONSTRUCT, sp);
            for (int i = 0; i < args.n; i++) {
                if (!ty_subtype(args.a[i].v->type, c->attrs.data[i].type))
                    return em_type_error(em, args.a[i].span, c->attrs.data[i].name, c->attrs.data[i].type, args.a[i].v->type);
                node_add_input(em->g, n, args.a[i].v);
            }
            *out = node_add_output(em->g, n, c->type);
            return TS_OK;
        }
        break;
    default: break;
    }
    return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "this expression cannot be called");
}

/* f"a{x}b{y}" is "a{}b{}".format(x, y), as PyTorch compiles a JoinedStr;
 * the fields are parsed here, from the template the parser kept. */
static ts_status emit_fstr(Em *em, const Ast *e, Value **out) {
    const char *t = e->str.data;
    size_t n = e->str.len;
    StrBuf fmt;
    sb_init(&fmt);
    CallArg args[MAX_CALL_ARGS];
    int na = 1;
    ts_status st = TS_OK;
    for (size_t i = 0; i < n && st == TS_OK; i++) {
        char c = t[i];
        if ((c == '{' || c == '}') && i + 1 < n && t[i + 1] == c) {
            sb_putc(&fmt, c);
            sb_putc(&fmt, c);
            i++;
            continue;
        }
        if (c != '{') {
            sb_putc(&fmt, c);
            continue;
        }
        size_t j = i + 1;
        int depth = 0;
        for (; j < n && (t[j] != '}' || depth > 0); j++) {
            if (t[j] == '(' || t[j] == '[' || t[j] == '{') depth++;
            else if (t[j] == ')' || t[j] == ']' || t[j] == '}') depth--;
            else if (depth == 0 && (t[j] == '!' || t[j] == ':') && !(t[j] == '!' && j + 1 < n && t[j + 1] == '=')) break;
        }
        if (j >= n || t[j] != '}') {
            st = ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &e->span,
                         "f-string fields with a conversion or a format spec are not supported in TorchScript");
            break;
        }
        if (na >= MAX_CALL_ARGS) {
            st = ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &e->span, "too many f-string fields");
            break;
        }
        char *code = arena_strndup(&em->u->arena, t + i + 1, j - i - 1);
        Source *src = source_new("<f-string>", code, strlen(code));
        vec_push(&em->u->sources, src);
        Ast *x = NULL;
        st = parse_expression(em->ctx, &em->u->arena, src, &x);
        if (st == TS_OK) st = em_expr(em, x, NULL, &args[na].v);
        args[na].kw = NULL;
        args[na].span = e->span;
        na++;
        sb_puts(&fmt, "{}");
        i = j;
    }
    if (st == TS_OK) {
        args[0].v = em_constant(em, iv_str(sb_cstr(&fmt), fmt.len), e->span);
        args[0].kw = NULL;
        args[0].span = e->span;
        st = sema_emit_op1(em->ctx, em->g, em->b, "aten::format", args, na, e->span, out);
    }
    sb_free(&fmt);
    return st;
}

/* A value of the type a for loop over `it` gives its target (to type a
 * comprehension's element before the loop exists). */
static ts_status probe_item(Em *em, const Ast *it, Value **out) {
    Span sp = it->span;
    if (it->kind == AST_CALL && it->call.func->kind == AST_NAME && strcmp(it->call.func->name.id, "range") == 0 &&
        !em_env_lookup(em->env, "range")) {
        *out = em_constant(em, iv_int(0), sp);
        return TS_OK;
    }
    Value *seq;
    TS_TRY(em_expr(em, it, NULL, &seq));
    if (seq->type->kind == TK_DICT) TS_TRY(em_op(em, "aten::keys", sp, &seq, 1, seq, NULL, NULL));
    if (seq->type->kind == TK_LIST || seq->type->kind == TK_STR)
        return em_op(em, "aten::__getitem__", sp, out, 2, seq, em_constant(em, iv_int(0), sp), NULL);
    if (seq->type->kind == TK_TUPLE && seq->type->n > 0) {
        /* the loop over a tuple is unrolled; its first element types the comprehension */
        Node *ti = em_append(em, NK_TUPLE_INDEX, sp);
        node_add_input(em->g, ti, seq);
        ti->index = 0;
        *out = node_add_output(em->g, ti, seq->type->elems[0]);
        return TS_OK;
    }
    return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp,
                   "a comprehension over this value is not supported (iterate over a list, a range or a dict)");
}

static Ast *syn(Em *em, AstKind k, Span sp) { return ast_new(&em->u->arena, k, sp); }

static AstList syn_list1(Em *em, Ast *a) {
    AstList l;
    l.items = arena_array(&em->u->arena, Ast *, 1);
    l.items[0] = a;
    l.len = 1;
    return l;
}

/* [elt for t in it if c ...] (and a generator passed to a call): a list
 * made before a loop that appends to it, as PyTorch emits ListComp; the
 * element type comes from the annotation around it or from emitting elt
 * once, for the first item, in a scratch block. */
static ts_status emit_listcomp(Em *em, const Ast *e, Type *hint, Value **out) {
    Span sp = e->span;
    bool dict = e->kind == AST_DICTCOMP;
    /* PyTorch 1.13's limits (torch/jit/frontend.py), with its words */
    if (e->comp.generators.len != 1)
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp,
                       "Only a single generator is currently supported in a comprehension (write nested for loops)");
    if (e->comp.generators.items[0]->comprehension.ifs.len)
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp,
                       "comprehension ifs are not supported in TorchScript: filter inside a for loop instead");
    Type *h = hint ? ty_unwrap_optional(hint) : NULL;
    Type *elem = !dict && h && h->kind == TK_LIST ? h->elems[0] : NULL, *vtype = NULL;
    if (dict && h && h->kind == TK_DICT) {
        elem = h->elems[0];
        vtype = h->elems[1];
    }
    if (!elem) {
        Node *dummy = node_new(em->g, NK_IF, sp);
        Block *scratch = node_add_block(em->g, dummy), *saved_b = em->b;
        Env env, *saved_env = em->env;
        em_env_init(&env, em->env);
        em->b = scratch;
        em->env = &env;
        ts_status st = TS_OK;
        for (int g = 0; g < e->comp.generators.len && st == TS_OK; g++) {
            const Ast *gen = e->comp.generators.items[g];
            Value *item;
            st = probe_item(em, gen->comprehension.iter, &item);
            if (st == TS_OK) st = em_assign_target(em, gen->comprehension.target, item, sp);
        }
        Value *v = NULL, *dv = NULL;
        if (st == TS_OK) st = em_expr(em, e->comp.elt, NULL, &v);
        if (st == TS_OK && dict) st = em_expr(em, e->comp.value, NULL, &dv);
        em->b = saved_b;
        em->env = saved_env;
        em_env_free(&env);
        TS_TRY(st);
        elem = v->type;
        if (dict) vtype = dv->type;
    }
    Node *lc = em_append(em, dict ? NK_DICT_CONSTRUCT : NK_LIST_CONSTRUCT, sp);
    Value *l = node_add_output(em->g, lc, dict ? ty_dict(elem, vtype) : ty_list(elem));
    char *name = arena_printf(&em->g->arena, "$lc%d", em->g->next_id);
    em_env_set(em, name, l);
    /* for t in it: [if c:] $lc.append(elt)   (a dict: $lc[key] = value) */
    Ast *ln = syn(em, AST_NAME, sp);
    ln->name.id = name;
    Ast *stmt;
    if (dict) {
        Ast *sub = syn(em, AST_SUBSCRIPT, sp);
        sub->subscript.value = ln;
        sub->subscript.indices = syn_list1(em, e->comp.elt);
        stmt = syn(em, AST_ASSIGN, sp);
        stmt->assign.targets = syn_list1(em, sub);
        stmt->assign.value = e->comp.value;
    } else {
        Ast *fn = syn(em, AST_ATTR, sp);
        fn->attr.value = ln;
        fn->attr.name = "append";
        fn->attr.name_span = sp;
        Ast *call = syn(em, AST_CALL, sp);
        call->call.func = fn;
        call->call.args = syn_list1(em, e->comp.elt);
        stmt = syn(em, AST_EXPR_STMT, sp);
        stmt->expr_stmt.value = call;
    }
    for (int g = e->comp.generators.len - 1; g >= 0; g--) {
        const Ast *gen = e->comp.generators.items[g];
        for (int c = gen->comprehension.ifs.len - 1; c >= 0; c--) {
            Ast *iff = syn(em, AST_IF, sp);
            iff->if_.cond = gen->comprehension.ifs.items[c];
            iff->if_.body = syn_list1(em, stmt);
            stmt = iff;
        }
        Ast *f = syn(em, AST_FOR, sp);
        f->for_.target = gen->comprehension.target;
        f->for_.iter = gen->comprehension.iter;
        f->for_.body = syn_list1(em, stmt);
        stmt = f;
    }
    AstList body = syn_list1(em, stmt);
    TS_TRY(em_stmts(em, &body));
    *out = em_env_lookup(em->env, name);
    return TS_OK;
}

/* ---- expressions ---- */

ts_status em_sv(Em *em, const Ast *e, SV *out) {
    if (++em->depth > TS_MAX_PARSE_DEPTH) {
        em->depth--;
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &e->span, "expression nested too deeply");
    }
    ts_status st;
    if (e->kind == AST_NAME) st = emit_name(em, e, out);
    else if (e->kind == AST_ATTR) st = emit_attr(em, e, out);
    else {
        memset(out, 0, sizeof *out);
        out->kind = SV_VALUE;
        st = em_expr(em, e, NULL, &out->v);
    }
    em->depth--;
    return st;
}

ts_status em_sv_value(Em *em, SV *sv, Span sp, Value **out) {
    if (sv->kind == SV_VALUE) {
        *out = sv->v;
        return TS_OK;
    }
    if (sv->kind == SV_BUILTIN && strcmp(sv->name, "range") == 0) return range_as_value(em, sp);
    return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "this names a %s, not a value",
                   sv->kind == SV_METHOD ? "method" : sv->kind == SV_CLASS ? "class" : sv->kind == SV_FUNC ? "function" : "namespace or builtin");
}

const char *em_binop_aten(AstBinOp op, bool tensor) {
    switch (op) {
    case BINOP_ADD: return "aten::add";
    case BINOP_SUB: return "aten::sub";
    case BINOP_MUL: return "aten::mul";
    case BINOP_DIV: return "aten::div";
    case BINOP_FLOORDIV: return tensor ? "aten::floor_divide" : "aten::floordiv";
    case BINOP_MOD: return "aten::remainder";
    case BINOP_POW: return "aten::pow";
    case BINOP_MATMUL: return "aten::matmul";
    case BINOP_LSHIFT: return "aten::__lshift__";
    case BINOP_RSHIFT: return "aten::__rshift__";
    case BINOP_BITAND: return "aten::__and__";
    case BINOP_BITOR: return "aten::__or__";
    case BINOP_BITXOR: return "aten::__xor__";
    default: return "aten::?";
    }
}

static const char *cmp_aten(AstCmpOp op) {
    switch (op) {
    case CMPOP_EQ: return "aten::eq";
    case CMPOP_NE: return "aten::ne";
    case CMPOP_LT: return "aten::lt";
    case CMPOP_LE: return "aten::le";
    case CMPOP_GT: return "aten::gt";
    case CMPOP_GE: return "aten::ge";
    case CMPOP_IS: return "aten::__is__";
    case CMPOP_IS_NOT: return "aten::__isnot__";
    default: return NULL;
    }
}

/* `x is None` decided from static types where possible. */
static bool static_is(Value *a, Value *b, bool *result) {
    Type *ta = a->type, *tb = b->type;
    if (tb->kind != TK_NONE) {
        Type *t = ta;
        ta = tb;
        tb = t;
    }
    if (tb->kind != TK_NONE) return false;
    if (ta->kind == TK_NONE) { *result = true; return true; }
    if (ta->kind != TK_OPTIONAL && ta->kind != TK_ANY && ta->kind != TK_UNION) { *result = false; return true; }
    return false;
}

static ts_status emit_compare1(Em *em, AstCmpOp cop, Value *a, Value *b, Span sp, Value **out) {
    if ((cop == CMPOP_IN || cop == CMPOP_NOT_IN) && a->type->kind == TK_STR && b->type->kind == TK_STR) {
        /* substring: PyTorch's builtin str.__contains__, inlined:
         * b.find(a, 0, len(b)) != -1 (`not in`: the __not__ of that) */
        Value *pos, *len, *r;
        TS_TRY(em_op(em, "aten::len", sp, &len, 1, b, NULL, NULL));
        CallArg fa[4] = {{b, NULL, sp}, {a, NULL, sp}, {em_constant(em, iv_int(0), sp), NULL, sp}, {len, NULL, sp}};
        TS_TRY(sema_emit_op1(em->ctx, em->g, em->b, "aten::find", fa, 4, sp, &pos));
        TS_TRY(em_op(em, "aten::ne", sp, &r, 2, pos, em_constant(em, iv_int(-1), sp), NULL));
        if (cop == CMPOP_NOT_IN) return em_op(em, "aten::__not__", sp, out, 1, r, NULL, NULL);
        *out = r;
        return TS_OK;
    }
    if (cop == CMPOP_IN || cop == CMPOP_NOT_IN) {
        Value *r;
        TS_TRY(em_op(em, "aten::__contains__", sp, &r, 2, b, a, NULL));
        if (cop == CMPOP_NOT_IN) return em_op(em, "aten::__not__", sp, out, 1, r, NULL, NULL);
        *out = r;
        return TS_OK;
    }
    if (cop == CMPOP_IS || cop == CMPOP_IS_NOT) {
        bool r;
        if (static_is(a, b, &r)) {
            *out = em_constant(em, iv_bool(cop == CMPOP_IS ? r : !r), sp);
            return TS_OK;
        }
    }
    ts_status est;
    if (enum_compare(em, cmp_aten(cop), a, b, sp, out, &est)) return est;
    return em_op(em, cmp_aten(cop), sp, out, 2, a, b, NULL);
}

/* `a < b < c` as PyTorch's frontend reads it (build_Compare): `(a < b) and
 * (b < c)`, short-circuiting, the middle operand emitted once per use. */
static const Ast *chained_compare(Em *em, const Ast *e) {
    const Ast *acc = NULL;
    for (int i = 0; i < e->compare.nops; i++) {
        Ast *c = ast_new(&em->u->arena, AST_COMPARE, e->span);
        c->compare.nops = 1;
        c->compare.ops = arena_array(&em->u->arena, AstCmpOp, 1);
        c->compare.ops[0] = e->compare.ops[i];
        c->compare.operands.len = 2;
        c->compare.operands.items = arena_array(&em->u->arena, Ast *, 2);
        c->compare.operands.items[0] = e->compare.operands.items[i];
        c->compare.operands.items[1] = e->compare.operands.items[i + 1];
        if (!acc) {
            acc = c;
            continue;
        }
        Ast *b = ast_new(&em->u->arena, AST_BOOLOP, e->span);
        b->boolop.op = BOOLOP_AND;
        b->boolop.lhs = (Ast *)acc;
        b->boolop.rhs = c;
        acc = b;
    }
    return acc;
}

/* Emit `then` and `else` expressions into an If with one output. */
static ts_status emit_ifexp_values(Em *em, Value *cond, const Ast *cond_e, const Ast *then_e, Value *then_v,
                                   const Ast *else_e, Value *else_v, Type *hint, Span sp, Value **out) {
    Refine refs;
    memset(&refs, 0, sizeof refs);
    if (cond_e) em_collect_refines(cond_e, false, &refs);
    bool cb;
    if (em_const_bool(cond, &cb)) {
        if (cb) return then_e ? em_expr(em, then_e, hint, out) : (*out = then_v, TS_OK);
        return else_e ? em_expr(em, else_e, hint, out) : (*out = else_v, TS_OK);
    }
    if (cond_e) cond = em_cond(em, cond, cond_e);
    Node *n = em_append(em, NK_IF, sp);
    node_add_input(em->g, n, cond);
    Block *saved = em->b;
    Value *vs[2];
    Block *blks[2];
    Env envs[2], *saved_env = em->env;
    ts_status st = TS_OK;
    for (int k = 0; k < 2; k++) {
        Block *blk = blks[k] = node_add_block(em->g, n);
        em->b = blk;
        const Ast *e = k == 0 ? then_e : else_e;
        Value *v = k == 0 ? then_v : else_v;
        em_env_init(&envs[k], saved_env);
        em_apply_refines(em, &refs, k, blk, &envs[k], sp);
        em->env = &envs[k];
        if (st == TS_OK && e) st = em_expr(em, e, hint, &v);
        em->env = saved_env;
        vs[k] = v;
        if (st == TS_OK) block_add_output(em->g, blk, v);
    }
    em->b = saved;
    Type *t = st == TS_OK ? ty_unify(vs[0]->type, vs[1]->type) : NULL;
    if (st == TS_OK && !t)
        st = em_type_error(em, sp, "the two branches of a conditional expression differ", vs[0]->type, vs[1]->type);
    if (st == TS_OK) {
        *out = node_add_output(em->g, n, t);
        /* a name refined in a branch is stored there, as PyTorch's emitter does: it
         * leaves the If (the other branch gives the name's value outside) and later
         * code uses the merged value; its place among the outputs is its first use */
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < envs[k].order.len; i++) {
                const char *name = envs[k].order.data[i];
                if (k == 1 && strmap_get(&envs[0].vars, name)) continue;
                Value *in[2] = {em_env_lookup(&envs[0], name), em_env_lookup(&envs[1], name)};
                Type *mt = in[0] && in[1] ? ty_unify(in[0]->type, in[1]->type) : NULL;
                if (!mt) continue;
                for (int b = 0; b < 2; b++) block_add_output(em->g, blks[b], in[b]);
                Value *o = node_add_output(em->g, n, mt);
                o->name = name;
                em_env_set(em, name, o);
            }
    }
    em_env_free(&envs[0]);
    em_env_free(&envs[1]);
    return st;
}

static ts_status emit_list(Em *em, const Ast *e, Type *hint, Value **out) {
    Type *h = hint ? ty_unwrap_optional(hint) : NULL;
    Type *elem = h && h->kind == TK_LIST ? h->elems[0] : NULL;
    int n = e->seq.elts.len;
    Value **vs = arena_array(&em->g->arena, Value *, n + 1);
    Type *t = elem;
    for (int i = 0; i < n; i++) {
        if (e->seq.elts.items[i]->kind == AST_STARRED)
            return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &e->seq.elts.items[i]->span, "starred elements are not supported");
        TS_TRY(em_expr(em, e->seq.elts.items[i], elem, &vs[i]));
        if (!elem) {
            Type *u = t ? ty_unify(t, vs[i]->type) : vs[i]->type;
            if (!u) return em_type_error(em, e->seq.elts.items[i]->span, "list elements differ", t, vs[i]->type);
            t = u;
        } else if (!ty_subtype(vs[i]->type, elem)) {
            return em_type_error(em, e->seq.elts.items[i]->span, "list element", elem, vs[i]->type);
        }
    }
    Node *node = em_append(em, NK_LIST_CONSTRUCT, e->span);
    for (int i = 0; i < n; i++) node_add_input(em->g, node, vs[i]);
    *out = node_add_output(em->g, node, ty_list(t ? t : ty_tensor())); /* TorchScript's default for an empty list */
    /* `xs = []` with no type to go by: PyTorch replaces the list by a new, unnamed
     * one once its element type is known, so the name given here never prints */
    if (!t) (*out)->name = "";
    return TS_OK;
}

static ts_status emit_dict(Em *em, const Ast *e, Type *hint, Value **out) {
    Type *h = hint ? ty_unwrap_optional(hint) : NULL;
    Type *kt = h && h->kind == TK_DICT ? h->elems[0] : NULL, *vt = h && h->kind == TK_DICT ? h->elems[1] : NULL;
    int n = e->dict.keys.len;
    Node *node = node_new(em->g, NK_DICT_CONSTRUCT, e->span);
    Type *k0 = kt, *v0 = vt;
    for (int i = 0; i < n; i++) {
        if (!e->dict.keys.items[i]) return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &e->span, "**dict in a dict display is not supported");
        Value *k, *v;
        TS_TRY(em_expr(em, e->dict.keys.items[i], kt, &k));
        TS_TRY(em_expr(em, e->dict.values.items[i], vt, &v));
        if (!k0) k0 = k->type;
        if (!v0) v0 = v->type;
        Type *vu = ty_unify(v0, v->type);
        if (!ty_subtype(k->type, k0)) return em_type_error(em, k->node->span, "dict key", k0, k->type);
        if (!vu || (vt && !ty_subtype(v->type, vt))) return em_type_error(em, e->span, "dict value", v0, v->type);
        v0 = vt ? vt : vu;
        node_add_input(em->g, node, k);
        node_add_input(em->g, node, v);
    }
    block_append(em->b, node);
    *out = node_add_output(em->g, node, ty_dict(k0 ? k0 : ty_str(), v0 ? v0 : ty_tensor()));
    return TS_OK;
}

/* `a OP b` with no overload for the operands' types (source code): say so as
 * Python does, with the usual fix: refine an Optional name, str() a number. */
static ts_status bad_operands(Em *em, const Ast *e, Value *a, Value *b) {
    StrBuf ta, tb;
    sb_init(&ta);
    sb_init(&tb);
    ty_annotation_str(&ta, a->type);
    ty_annotation_str(&tb, b->type);
    const char *op = ast_binop_str(e->binop.op);
    const Ast *opt = b->type->kind == TK_OPTIONAL && e->binop.rhs->kind == AST_NAME   ? e->binop.rhs
                   : a->type->kind == TK_OPTIONAL && e->binop.lhs->kind == AST_NAME ? e->binop.lhs
                                                                                     : NULL;
    bool str_num = e->binop.op == BINOP_ADD && (a->type->kind == TK_STR) != (b->type->kind == TK_STR) &&
                   ((a->type->kind == TK_STR ? b : a)->type->kind == TK_INT ||
                    (a->type->kind == TK_STR ? b : a)->type->kind == TK_FLOAT ||
                    (a->type->kind == TK_STR ? b : a)->type->kind == TK_BOOL);
    ts_status st;
    if (opt)
        st = ts_fail(em->ctx, TS_ERR_TYPE, &e->span,
                     "unsupported operand types for %s: %s and %s: '%s' may be None; refine it first with 'if %s is not "
                     "None:'", op, sb_cstr(&ta), sb_cstr(&tb), opt->name.id, opt->name.id);
    else if (str_num)
        st = ts_fail(em->ctx, TS_ERR_TYPE, &e->span,
                     "unsupported operand types for %s: %s and %s: convert the number with str(), or use an f-string",
                     op, sb_cstr(&ta), sb_cstr(&tb));
    else
        st = ts_fail(em->ctx, TS_ERR_TYPE, &e->span, "unsupported operand types for %s: %s and %s", op, sb_cstr(&ta),
                     sb_cstr(&tb));
    sb_free(&ta);
    sb_free(&tb);
    return st;
}

ts_status em_expr(Em *em, const Ast *e, Type *hint, Value **out) {
    Span sp = e->span;
    switch (e->kind) {
    case AST_INT: *out = em_constant(em, iv_int(e->int_lit.value), sp); return TS_OK;
    case AST_FLOAT: *out = em_constant(em, iv_double(e->float_lit.value), sp); return TS_OK;
    case AST_BOOL: *out = em_constant(em, iv_bool(e->bool_lit.value), sp); return TS_OK;
    case AST_NONE: *out = em_constant(em, iv_none(), sp); return TS_OK;
    case AST_STR: *out = em_constant(em, iv_str(e->str.data, e->str.len), sp); return TS_OK;
    case AST_FSTR: return emit_fstr(em, e, out);
    case AST_NAME:
    case AST_ATTR: {
        SV sv;
        TS_TRY(em_sv(em, e, &sv));
        return em_sv_value(em, &sv, sp, out);
    }
    case AST_CALL: return emit_call(em, e, hint, out);
    case AST_SUBSCRIPT: return em_subscript(em, e, out);
    case AST_BINOP: {
        Value *a, *b;
        TS_TRY(em_expr(em, e->binop.lhs, NULL, &a));
        TS_TRY(em_expr(em, e->binop.rhs, NULL, &b));
        if (e->binop.op == BINOP_ADD && a->type->kind == TK_TUPLE && b->type->kind == TK_TUPLE &&
            a->type->n + b->type->n <= MAX_CALL_ARGS) {
            /* tuple concatenation: a new tuple of both's elements */
            Type *ts[MAX_CALL_ARGS];
            Value *vs[MAX_CALL_ARGS];
            int n = 0;
            for (int side = 0; side < 2; side++) {
                Value *t = side ? b : a;
                for (int i = 0; i < t->type->n; i++) {
                    Node *ti = em_append(em, NK_TUPLE_INDEX, sp);
                    node_add_input(em->g, ti, t);
                    ti->index = i;
                    ts[n] = t->type->elems[i];
                    vs[n] = node_add_output(em->g, ti, ts[n]);
                    n++;
                }
            }
            Node *tc = em_append(em, NK_TUPLE_CONSTRUCT, sp);
            for (int i = 0; i < n; i++) node_add_input(em->g, tc, vs[i]);
            *out = node_add_output(em->g, tc, ty_tuple(ts, n));
            return TS_OK;
        }
        ts_status st = em_op(em, em_binop_aten(e->binop.op, a->type->kind == TK_TENSOR), sp, out, 2, a, b, NULL);
        if (st == TS_ERR_TYPE && em->u->from_source) return bad_operands(em, e, a, b);
        return st;
    }
    case AST_UNARY: {
        Value *a;
        TS_TRY(em_expr(em, e->unary.operand, NULL, &a));
        switch (e->unary.op) {
        case UNOP_NEG:
            /* -2.5, -inf: a negative constant, as PyTorch folds it */
            if (a->node->kind == NK_CONSTANT && (a->node->cval.kind == IV_DOUBLE ||
                                                 (a->node->cval.kind == IV_INT && a->node->cval.u.i != INT64_MIN))) {
                IValue c = a->node->cval;
                *out = em_constant(em, c.kind == IV_DOUBLE ? iv_double(-c.u.d) : iv_int(-c.u.i), sp);
                return TS_OK;
            }
            return em_op(em, "aten::neg", sp, out, 1, a, NULL, NULL);
        case UNOP_POS: *out = a; return TS_OK;
        case UNOP_INVERT: return em_op(em, a->type->kind == TK_TENSOR ? "aten::bitwise_not" : "aten::__invert__", sp, out, 1, a, NULL, NULL);
        case UNOP_NOT: {
            Value *b;
            TS_TRY(em_to_bool(em, a, sp, &b));
            bool cb;
            if (em_const_bool(b, &cb)) { /* folded, so `not torch.jit.is_scripting() and ...` is static */
                *out = em_constant(em, iv_bool(!cb), sp);
                (*out)->node->folded = true;
                return TS_OK;
            }
            return em_op(em, "aten::__not__", sp, out, 1, b, NULL, NULL);
        }
        default: break;
        }
        break;
    }
    case AST_COMPARE: {
        if (e->compare.nops > 1) return em_expr(em, chained_compare(em, e), hint, out);
        Value *acc = NULL;
        Value *lhs;
        TS_TRY(em_expr(em, e->compare.operands.items[0], NULL, &lhs));
        for (int i = 0; i < e->compare.nops; i++) {
            Value *rhs, *r;
            TS_TRY(em_expr(em, e->compare.operands.items[i + 1], NULL, &rhs));
            TS_TRY(emit_compare1(em, e->compare.ops[i], lhs, rhs, sp, &r));
            if (acc) TS_TRY(em_op(em, "aten::__and__", sp, &acc, 2, acc, r, NULL));
            else acc = r;
            lhs = rhs;
        }
        *out = acc;
        return TS_OK;
    }
    case AST_BOOLOP: {
        Value *a;
        TS_TRY(em_expr(em, e->boolop.lhs, NULL, &a));
        TS_TRY(em_to_bool(em, a, sp, &a));
        a = em_cond(em, a, e->boolop.lhs);
        bool is_and = e->boolop.op == BOOLOP_AND;
        bool ca;
        if (em_const_bool(a, &ca)) {
            /* a constant left side decides statically; the right side is not compiled when it does not run */
            if (ca != is_and) {
                *out = em_constant(em, iv_bool(ca), sp);
                return TS_OK;
            }
            TS_TRY(em_expr(em, e->boolop.rhs, NULL, out));
            return em_to_bool(em, *out, sp, out);
        }
        /* and: if a: b else: False;  or: if a: True else: b */
        Value *k = em_constant(em, iv_bool(!is_and), sp);
        Node *n = em_append(em, NK_IF, sp);
        node_add_input(em->g, n, a);
        Block *saved = em->b;
        Refine refs; /* `x is not None and x > 0`: x refined where the rhs runs */
        memset(&refs, 0, sizeof refs);
        em_collect_refines(e->boolop.lhs, false, &refs);
        Block *blks[2];
        Env env, *saved_env = em->env;
        em_env_init(&env, em->env);
        int rhs_br = is_and ? 0 : 1;
        for (int br = 0; br < 2; br++) {
            Block *blk = blks[br] = node_add_block(em->g, n);
            em->b = blk;
            Value *v = k;
            if (br == rhs_br) {
                em_apply_refines(em, &refs, br, blk, &env, sp);
                em->env = &env;
                ts_status st = em_expr(em, e->boolop.rhs, NULL, &v);
                if (st == TS_OK) st = em_to_bool(em, v, sp, &v);
                em->env = saved_env;
                if (st != TS_OK) {
                    em->b = saved;
                    em_env_free(&env);
                    return st;
                }
            }
            block_add_output(em->g, blk, v);
        }
        em->b = saved;
        bool cr;
        if (!env.order.len && em_const_bool(blks[rhs_br]->ret->inputs.data[0], &cr) && cr != is_and) {
            /* `a and False`, `a or True`: decided statically, as PyTorch's CondValue
             * (its If folds away: both branches give the same constant) */
            node_remove(n);
            em_env_free(&env);
            *out = em_constant(em, iv_bool(cr), sp);
            return TS_OK;
        }
        *out = node_add_output(em->g, n, ty_bool());
        /* names the rhs branch refined (stored, as PyTorch does) leave the If
         * as outputs after the value: `_1, x0 = torch.__isnot__(y, None), x1` */
        for (int i = 0; i < env.order.len; i++) {
            const char *name = env.order.data[i];
            Value *in = strmap_get(&env.vars, name), *outer = em_env_lookup(saved_env, name);
            Type *t = outer ? ty_unify(in->type, outer->type) : NULL;
            if (!t) continue;
            block_add_output(em->g, blks[rhs_br], in);
            block_add_output(em->g, blks[1 - rhs_br], outer);
            Value *o = node_add_output(em->g, n, t);
            o->name = name;
            em_env_set(em, name, o);
        }
        em_env_free(&env);
        return TS_OK;
    }
    case AST_IFEXP: {
        Value *c;
        TS_TRY(em_expr(em, e->ifexp.cond, NULL, &c));
        TS_TRY(em_to_bool(em, c, sp, &c));
        return emit_ifexp_values(em, c, e->ifexp.cond, e->ifexp.then, NULL, e->ifexp.orelse, NULL, hint, sp, out);
    }
    case AST_TUPLE: {
        Type *h = hint ? ty_unwrap_optional(hint) : NULL;
        int n = e->seq.elts.len;
        if (n > MAX_CALL_ARGS) return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp, "tuple too long");
        Value *vs[MAX_CALL_ARGS];
        Type *ts[MAX_CALL_ARGS];
        for (int i = 0; i < n; i++) {
            Type *eh = h && h->kind == TK_TUPLE && i < h->n ? h->elems[i] : NULL;
            TS_TRY(em_expr(em, e->seq.elts.items[i], eh, &vs[i]));
            ts[i] = vs[i]->type;
        }
        Node *node = em_append(em, NK_TUPLE_CONSTRUCT, sp);
        for (int i = 0; i < n; i++) node_add_input(em->g, node, vs[i]);
        *out = node_add_output(em->g, node, ty_tuple(ts, n));
        return TS_OK;
    }
    case AST_LIST: return emit_list(em, e, hint, out);
    case AST_DICT: return emit_dict(em, e, hint, out);
    case AST_LISTCOMP:
    case AST_DICTCOMP:
    case AST_GENEXP: return emit_listcomp(em, e, hint, out);
    case AST_SET:
    case AST_SETCOMP:
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp, "sets are not supported in TorchScript: use a list");
    case AST_LAMBDA:
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp,
                       "lambda is not supported in TorchScript: define a function at module level");
    default: break;
    }
    return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp, "%s expressions are not supported yet", ast_kind_name(e->kind));
}

