/*
 * unit.c - compilation units: lazy resolution of classes and free functions
 * by qualified name, class declarations (attributes, constants, method
 * signatures), type annotations and constant default values.
 *
 * Resolution follows PyTorch's importer: the qualifier of a name selects one
 * source file, parsed once; the class or function is declared on first use,
 * and its methods are queued for emission (unit_emit_pending).
 */
#include "frontend/unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "frontend/ast.h"
#include "frontend/parser.h"
#include "frontend/sema.h"
#include "frontend/sema_internal.h"

Unit *unit_new(SourceProvider provider, void *ud) {
    Unit *u = ts_xmalloc(sizeof *u);
    memset(u, 0, sizeof *u);
    u->refcnt = 1;
    arena_init(&u->arena);
    strmap_init(&u->classes);
    strmap_init(&u->functions);
    strmap_init(&u->files);
    strmap_init(&u->broken);
    u->constants = iv_none();
    u->provider = provider;
    u->provider_ud = ud;
    return u;
}

Unit *unit_retain(Unit *u) {
    if (u) __atomic_add_fetch(&u->refcnt, 1, __ATOMIC_RELAXED);
    return u;
}

void unit_release(Unit *u) {
    if (!u || __atomic_sub_fetch(&u->refcnt, 1, __ATOMIC_ACQ_REL) != 0) return;
    /* Objects still referenced from the unit's own constants would keep it
     * alive forever; constants are released first, with the unit pinned. */
    u->refcnt = 1 << 30;
    iv_release(u->constants);
    u->constants = iv_none();
    for (int i = 0; i < u->fns.len; i++) {
        Function *fn = u->fns.data[i];
        if (fn->code_free) fn->code_free(fn->code);
        graph_free(fn->graph);
        for (int k = 0; k < fn->nparams; k++)
            if (fn->params[k].has_default) iv_release(fn->params[k].default_value);
        ts_free(fn->params);
        ts_free(fn);
    }
    vec_free(&u->fns);
    for (int i = 0; i < u->class_list.len; i++) classtype_free(u->class_list.data[i]);
    vec_free(&u->class_list);
    for (int i = 0; i < u->sources.len; i++) source_release(u->sources.data[i]);
    vec_free(&u->sources);
    for (int i = 0; i < u->deps.len; i++) unit_release(u->deps.data[i]);
    vec_free(&u->deps);
    vec_free(&u->borrowed_classes);
    vec_free(&u->borrowed_fns);
    strmap_free(&u->classes);
    strmap_free(&u->functions);
    strmap_free(&u->files);
    strmap_free(&u->broken);
    arena_free(&u->arena);
    ts_free(u);
}

void unit_retain_opaque(void *u) { unit_retain(u); }
void unit_release_opaque(void *u) { unit_release(u); }

Function *class_method(const ClassType *c, const char *name) {
    return c ? strmap_get(&c->methods, name) : NULL;
}

/* ---- files ---- */

static const char *const NO_FILE = "";

static ts_status get_file(Ctx *ctx, Unit *u, const char *qualifier, AstModule **out) {
    *out = NULL;
    void *cached = strmap_get(&u->files, qualifier);
    if (cached) {
        *out = cached == NO_FILE ? NULL : cached;
        return TS_OK;
    }
    if (!u->provider) return TS_OK;
    Source *src = NULL;
    TS_TRY(u->provider(ctx, u->provider_ud, qualifier, &src));
    if (!src) {
        strmap_put(&u->files, qualifier, (void *)NO_FILE);
        return TS_OK;
    }
    vec_push(&u->sources, src);
    AstModule *m = NULL;
    TS_TRY(parse_file(ctx, &u->arena, src, &m));
    strmap_put(&u->files, qualifier, m);
    *out = m;
    return TS_OK;
}

/* Split "a.b.C" into qualifier "a.b" (arena) and name "C". */
static void split_qualname(Unit *u, const char *q, char **qualifier, const char **name) {
    const char *dot = strrchr(q, '.');
    if (!dot) {
        *qualifier = arena_strdup(&u->arena, "");
        *name = q;
        return;
    }
    *qualifier = arena_strndup(&u->arena, q, (size_t)(dot - q));
    *name = dot + 1;
}

static Ast *find_def(AstModule *m, AstKind kind, const char *name) {
    for (int i = 0; i < m->body.len; i++) {
        Ast *s = m->body.items[i];
        if (s->kind == kind && kind == AST_CLASSDEF && strcmp(s->classdef.name, name) == 0) return s;
        if (s->kind == kind && kind == AST_FUNCDEF && strcmp(s->funcdef.name, name) == 0) return s;
    }
    return NULL;
}

/* ---- constant expressions (defaults, Final values, enum members) ---- */

ts_status sema_eval_const(Ctx *ctx, Unit *u, const Ast *e, Type *hint, IValue *out) {
    switch (e->kind) {
    case AST_INT:
        if (hint && ty_unwrap_optional(hint)->kind == TK_FLOAT) *out = iv_double((double)e->int_lit.value);
        else *out = iv_int(e->int_lit.value);
        return TS_OK;
    case AST_FLOAT: *out = iv_double(e->float_lit.value); return TS_OK;
    case AST_BOOL: *out = iv_bool(e->bool_lit.value); return TS_OK;
    case AST_NONE: *out = iv_none(); return TS_OK;
    case AST_STR: *out = iv_str(e->str.data, e->str.len); return TS_OK;
    case AST_NAME:
        if (strcmp(e->name.id, "inf") == 0) { *out = iv_double(INFINITY); return TS_OK; }
        if (strcmp(e->name.id, "nan") == 0) { *out = iv_double(NAN); return TS_OK; }
        break;
    case AST_UNARY:
        if (e->unary.op == UNOP_NEG) {
            IValue v;
            TS_TRY(sema_eval_const(ctx, u, e->unary.operand, hint, &v));
            if (v.kind == IV_INT) { *out = iv_int((int64_t)(0 - (uint64_t)v.u.i)); return TS_OK; }
            if (v.kind == IV_DOUBLE) { *out = iv_double(-v.u.d); return TS_OK; }
            iv_release(v);
        }
        break;
    case AST_BINOP: {
        /* `lower: float = 1. / 8` (F.rrelu): Python evaluates a default once, so
         * arithmetic on number literals is a constant */
        AstBinOp op = e->binop.op;
        if (op != BINOP_ADD && op != BINOP_SUB && op != BINOP_MUL && op != BINOP_DIV) break;
        IValue a, b;
        TS_TRY(sema_eval_const(ctx, u, e->binop.lhs, NULL, &a));
        ts_status st = sema_eval_const(ctx, u, e->binop.rhs, NULL, &b);
        if (st != TS_OK) {
            iv_release(a);
            return st;
        }
        bool nums = (a.kind == IV_INT || a.kind == IV_DOUBLE) && (b.kind == IV_INT || b.kind == IV_DOUBLE);
        if (!nums) {
            iv_release(a);
            iv_release(b);
            break;
        }
        if (a.kind == IV_INT && b.kind == IV_INT && op != BINOP_DIV) {
            uint64_t x = (uint64_t)a.u.i, y = (uint64_t)b.u.i;
            *out = iv_int((int64_t)(op == BINOP_ADD ? x + y : op == BINOP_SUB ? x - y : x * y));
            return TS_OK;
        }
        double x = a.kind == IV_INT ? (double)a.u.i : a.u.d, y = b.kind == IV_INT ? (double)b.u.i : b.u.d;
        if (op == BINOP_DIV && y == 0) return ts_fail(ctx, TS_ERR_VALUE, &e->span, "ZeroDivisionError: division by zero");
        *out = iv_double(op == BINOP_ADD ? x + y : op == BINOP_SUB ? x - y : op == BINOP_MUL ? x * y : x / y);
        return TS_OK;
    }
    case AST_CALL:
        /* torch.device("cpu") */
        if (e->call.func->kind == AST_ATTR && strcmp(e->call.func->attr.name, "device") == 0 &&
            e->call.args.len == 1 && e->call.args.items[0]->kind == AST_STR) {
            const char *s = e->call.args.items[0]->str.data;
            Device d = {DEVICE_CPU, -1};
            if (strncmp(s, "cuda", 4) == 0) d.type = DEVICE_CUDA;
            *out = iv_device(d);
            return TS_OK;
        }
        break;
    case AST_TUPLE:
    case AST_LIST: {
        int n = e->seq.elts.len;
        Type *h = hint ? ty_unwrap_optional(hint) : NULL;
        if (e->kind == AST_LIST) {
            Type *elem = h && h->kind == TK_LIST ? h->elems[0] : NULL;
            ListObj *l = list_new(elem ? elem : ty_any(), n);
            for (int i = 0; i < n; i++) {
                IValue v;
                ts_status st = sema_eval_const(ctx, u, e->seq.elts.items[i], elem, &v);
                if (st != TS_OK) {
                    iv_release(iv_list_steal(l));
                    return st;
                }
                if (!elem) l->elem = sema_type_of_value(v);
                list_push_steal(l, v);
            }
            if (!elem && n == 0) l->elem = ty_tensor();
            *out = iv_list_steal(l);
            return TS_OK;
        }
        TupleObj *t = tuple_new(n);
        for (int i = 0; i < n; i++) {
            Type *eh = h && h->kind == TK_TUPLE && i < h->n ? h->elems[i] : NULL;
            ts_status st = sema_eval_const(ctx, u, e->seq.elts.items[i], eh, &t->items[i]);
            if (st != TS_OK) {
                iv_release(iv_tuple_steal(t));
                return st;
            }
        }
        *out = iv_tuple_steal(t);
        return TS_OK;
    }
    default: break;
    }
    return ts_fail(ctx, TS_ERR_SYNTAX, &e->span, "expected a constant value here");
}

/* ---- type annotations ---- */

static ts_status resolve_qualified(Ctx *ctx, Unit *u, const char *q, const Span *sp, Type **out) {
    ClassType *c;
    TS_TRY(unit_resolve_class(ctx, u, q, sp, &c));
    *out = c->type;
    return TS_OK;
}

/* Dotted name of an ATTR/NAME chain into sb; false if it is not one. */
bool sema_dotted_name(const Ast *e, StrBuf *sb) {
    if (e->kind == AST_NAME) {
        sb_puts(sb, e->name.id);
        return true;
    }
    if (e->kind == AST_ATTR) {
        if (!sema_dotted_name(e->attr.value, sb)) return false;
        sb_putc(sb, '.');
        sb_puts(sb, e->attr.name);
        return true;
    }
    return false;
}

static Type *simple_type(const char *n) {
    static const struct { const char *name; Type *(*fn)(void); } tab[] = {
        {"Tensor", ty_tensor}, {"torch.Tensor", ty_tensor}, {"int", ty_int}, {"float", ty_float},
        {"bool", ty_bool}, {"str", ty_str}, {"None", ty_none}, {"NoneType", ty_none},
        {"number", ty_number}, {"Device", ty_device}, {"torch.device", ty_device}, {"Any", ty_any},
        {"typing.Any", ty_any}, {"complex", ty_complex}, {"list", ty_anylist}, {"tuple", ty_anytuple},
        {"Generator", ty_generator}, {"Layout", ty_int}, {"ScalarType", ty_int},
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(tab); i++)
        if (strcmp(tab[i].name, n) == 0) return tab[i].fn();
    size_t len = strlen(n);
    if (len > 6 && strcmp(n + len - 6, "Tensor") == 0 && !strchr(n, '.')) return ty_tensor(); /* FloatTensor */
    return NULL;
}

static const char *strip_typing(const char *n) {
    if (strncmp(n, "typing.", 7) == 0) return n + 7;
    if (strncmp(n, "torch.jit.", 10) == 0) return n + 10;
    return n;
}

ts_status sema_resolve_type(Ctx *ctx, Unit *u, const Ast *e, Type **out) {
    *out = NULL;
    switch (e->kind) {
    case AST_NONE: *out = ty_none(); return TS_OK;
    case AST_STR: {
        Type *t = simple_type(e->str.data);
        if (t) { *out = t; return TS_OK; }
        return resolve_qualified(ctx, u, e->str.data, &e->span, out);
    }
    case AST_NAME:
    case AST_ATTR: {
        StrBuf sb;
        sb_init(&sb);
        if (!sema_dotted_name(e, &sb)) {
            sb_free(&sb);
            break;
        }
        Type *t = simple_type(sb_cstr(&sb));
        ts_status st = TS_OK;
        if (t) *out = t;
        else if (strncmp(sb_cstr(&sb), "__torch__", 9) == 0) st = resolve_qualified(ctx, u, sb_cstr(&sb), &e->span, out);
        else if (u->hooks && u->hooks->type && (st = u->hooks->type(ctx, u->hooks_ud, e, out)) != TS_OK) {}
        else if (*out) {}
        else st = ts_fail(ctx, TS_ERR_TYPE, &e->span, "unknown type '%s'", sb_cstr(&sb));
        sb_free(&sb);
        return st;
    }
    case AST_SUBSCRIPT: {
        StrBuf sb;
        sb_init(&sb);
        if (!sema_dotted_name(e->subscript.value, &sb)) {
            sb_free(&sb);
            break;
        }
        const char *n = strip_typing(sb_cstr(&sb));
        const AstList *ix = &e->subscript.indices;
        Type *args[64];
        int nargs = 0;
        /* Tuple[()] is the empty tuple */
        bool empty_tuple = ix->len == 1 && ix->items[0]->kind == AST_TUPLE && ix->items[0]->seq.elts.len == 0;
        ts_status st = TS_OK;
        for (int i = 0; !empty_tuple && i < ix->len && i < 64 && st == TS_OK; i++)
            st = sema_resolve_type(ctx, u, ix->items[i], &args[nargs++]);
        if (st != TS_OK) {
            sb_free(&sb);
            return st;
        }
        Type *t = NULL;
        if ((strcmp(n, "List") == 0 || strcmp(n, "list") == 0) && nargs == 1) t = ty_list(args[0]);
        else if (strcmp(n, "Optional") == 0 && nargs == 1) t = ty_optional(args[0]);
        else if ((strcmp(n, "Dict") == 0 || strcmp(n, "dict") == 0) && nargs == 2) t = ty_dict(args[0], args[1]);
        else if (strcmp(n, "Tuple") == 0 || strcmp(n, "tuple") == 0) t = ty_tuple(args, nargs);
        else if (strcmp(n, "Union") == 0 && nargs >= 1) t = ty_union(args, nargs);
        else if (strcmp(n, "Final") == 0 && nargs == 1) t = args[0];
        else if (strncmp(n, "BroadcastingList", 16) == 0 && nargs == 1) t = ty_list(args[0]);
        if (!t) st = ts_fail(ctx, TS_ERR_TYPE, &e->span, "unknown type constructor '%s' with %d argument%s", n,
                             nargs, nargs == 1 ? "" : "s");
        sb_free(&sb);
        *out = t;
        return st;
    }
    default: break;
    }
    return ts_fail(ctx, TS_ERR_TYPE, &e->span, "expected a type annotation");
}

ts_status sema_parse_type_string(Ctx *ctx, Unit *u, const char *text, Type **out) {
    Source *src = source_new("<type tag>", text, strlen(text));
    vec_push(&u->sources, src);
    Ast *e = NULL;
    TS_TRY(parse_expression(ctx, &u->arena, src, &e));
    return sema_resolve_type(ctx, u, e, out);
}

/* ---- declarations ---- */

static bool is_final(const Ast *ann) {
    if (ann->kind != AST_SUBSCRIPT) return false;
    StrBuf sb;
    sb_init(&sb);
    bool r = sema_dotted_name(ann->subscript.value, &sb) && strcmp(strip_typing(sb_cstr(&sb)), "Final") == 0;
    sb_free(&sb);
    return r;
}

static ts_status declare_signature(Ctx *ctx, Unit *u, Ast *def, ClassType *owner, Function *fn);

/* N of a BroadcastingListN[T] annotation, also inside Optional[...]; else 0. */
static int broadcast_len(const Ast *ann) {
    if (ann->kind != AST_SUBSCRIPT) return 0;
    StrBuf sb;
    sb_init(&sb);
    int n = 0;
    if (sema_dotted_name(ann->subscript.value, &sb)) {
        const char *name = strip_typing(sb_cstr(&sb));
        if (strncmp(name, "BroadcastingList", 16) == 0) n = atoi(name + 16);
        else if (strcmp(name, "Optional") == 0 && ann->subscript.indices.len == 1)
            n = broadcast_len(ann->subscript.indices.items[0]);
    }
    sb_free(&sb);
    return n;
}

static ts_status declare_function(Ctx *ctx, Unit *u, Ast *def, ClassType *owner, const char *qualname,
                                  Function **out) {
    Function *fn = ts_xmalloc(sizeof *fn);
    memset(fn, 0, sizeof *fn);
    fn->name = def->funcdef.name;
    fn->qualname = arena_strdup(&u->arena, qualname);
    fn->owner = owner;
    fn->def = (struct AstDef *)def;
    fn->span = def->funcdef.name_span;
    fn->nparams = def->funcdef.params.len;
    fn->params = ts_xmalloc(sizeof(FnParam) * (size_t)(fn->nparams + 1));
    memset(fn->params, 0, sizeof(FnParam) * (size_t)(fn->nparams + 1));
    vec_push(&u->fns, fn); /* owned by the unit from here on, even on failure */
    ts_status st = declare_signature(ctx, u, def, owner, fn);
    if (st != TS_OK) {
        fn->state = FN_FAILED; /* never emitted or called */
        return st;
    }
    *out = fn;
    return TS_OK;
}

/* Parameter types and defaults, and the return type, of a declared function. */
static ts_status declare_signature(Ctx *ctx, Unit *u, Ast *def, ClassType *owner, Function *fn) {
    for (int i = 0; i < fn->nparams; i++) {
        Ast *p = def->funcdef.params.items[i];
        FnParam *fp = &fn->params[i];
        fp->name = p->param.name;
        fp->span = p->span;
        if (p->param.kind == PARAM_VARARGS || p->param.kind == PARAM_KWARGS) {
            /* where PyTorch puts it: the name and the star before it */
            bool kw = p->param.kind == PARAM_KWARGS;
            Span sp = p->span;
            if (kw && sp.end > sp.start + 2u) sp.start += 1;
            return ts_fail(ctx, TS_ERR_UNSUPPORTED, &sp,
                           "compiled functions cannot take a variable number of arguments (%s%s): name each argument",
                           kw ? "**" : "*", p->param.name);
        }
        if (p->param.annotation) {
            TS_TRY(sema_resolve_type(ctx, u, p->param.annotation, &fp->type));
            fp->broadcast = broadcast_len(p->param.annotation);
        } else if (i == 0 && owner) {
            fp->type = owner->type;
        } else {
            fp->type = ty_tensor();
        }
        if (p->param.default_) {
            TS_TRY(sema_eval_const(ctx, u, p->param.default_, fp->type, &fp->default_value));
            fp->has_default = true;
        }
    }
    if (def->funcdef.returns) TS_TRY(sema_resolve_type(ctx, u, def->funcdef.returns, &fn->ret_type));
    return TS_OK;
}

static ts_status declare_class(Ctx *ctx, Unit *u, Ast *def, const char *qualname, ClassType **out) {
    ClassKind kind = CK_CLASS;
    for (int i = 0; i < def->classdef.bases.len; i++) {
        StrBuf sb;
        sb_init(&sb);
        if (sema_dotted_name(def->classdef.bases.items[i], &sb)) {
            const char *b = sb_cstr(&sb);
            const char *dot = strrchr(b, '.');
            const char *last = dot ? dot + 1 : b;
            if (strcmp(last, "Module") == 0) kind = CK_MODULE;
            else if (strcmp(last, "NamedTuple") == 0) kind = CK_NAMEDTUPLE;
            else if (strcmp(last, "Enum") == 0) kind = CK_ENUM;
            else if (strcmp(last, "ModuleInterface") == 0) kind = CK_MODULE_INTERFACE;
            else if (strcmp(last, "Interface") == 0) kind = CK_INTERFACE;
        }
        sb_free(&sb);
    }
    ClassType *c = classtype_new(kind, qualname);
    c->unit = u;
    c->unit_retain = unit_retain_opaque;
    c->unit_release = unit_release_opaque;
    c->def_span = def->span;
    strmap_put(&u->classes, qualname, c);
    vec_push(&u->class_list, c);
    *out = c;

    const AstList *params = NULL, *buffers = NULL;
    for (int i = 0; i < def->classdef.body.len; i++) {
        Ast *s = def->classdef.body.items[i];
        switch (s->kind) {
        case AST_PASS: break;
        case AST_EXPR_STMT: break; /* docstring */
        case AST_ASSIGN: {
            Ast *t = s->assign.targets.items[0];
            if (t->kind == AST_NAME && strcmp(t->name.id, "__parameters__") == 0 && s->assign.value->kind == AST_LIST) {
                params = &s->assign.value->seq.elts;
            } else if (t->kind == AST_NAME && strcmp(t->name.id, "__buffers__") == 0 && s->assign.value->kind == AST_LIST) {
                buffers = &s->assign.value->seq.elts;
            } else if (t->kind == AST_NAME && (strcmp(t->name.id, "__annotations__") == 0 ||
                                               strncmp(t->name.id, "__forward", 9) == 0)) {
                /* `__annotations__ = []` and hook lists: nothing to declare */
            } else if (t->kind == AST_SUBSCRIPT && t->subscript.value->kind == AST_NAME &&
                       strcmp(t->subscript.value->name.id, "__annotations__") == 0 && t->subscript.indices.len == 1 &&
                       t->subscript.indices.items[0]->kind == AST_STR) {
                Type *ty;
                TS_TRY(sema_resolve_type(ctx, u, s->assign.value, &ty));
                classtype_add_attr(c, t->subscript.indices.items[0]->str.data, ty, false, false);
            } else if (t->kind == AST_NAME) {
                IValue v;
                TS_TRY(sema_eval_const(ctx, u, s->assign.value, NULL, &v));
                classtype_add_const(c, t->name.id, sema_type_of_value(v), v);
            } else {
                return ts_fail(ctx, TS_ERR_SYNTAX, &s->span, "unexpected statement in a class body");
            }
            break;
        }
        case AST_ANNASSIGN: {
            Ast *t = s->annassign.target;
            if (t->kind != AST_NAME) return ts_fail(ctx, TS_ERR_SYNTAX, &t->span, "expected an attribute name");
            Type *ty;
            TS_TRY(sema_resolve_type(ctx, u, s->annassign.annotation, &ty));
            if (is_final(s->annassign.annotation) || (s->annassign.value && kind != CK_NAMEDTUPLE)) {
                if (!s->annassign.value)
                    return ts_fail(ctx, TS_ERR_SYNTAX, &s->span, "a Final attribute needs a value");
                IValue v;
                TS_TRY(sema_eval_const(ctx, u, s->annassign.value, ty, &v));
                classtype_add_const(c, t->name.id, ty, v);
            } else {
                classtype_add_attr(c, t->name.id, ty, false, false);
            }
            break;
        }
        case AST_FUNCDEF: {
            char *mq = arena_printf(&u->arena, "%s.%s", qualname, s->funcdef.name);
            Function *fn;
            TS_TRY(declare_function(ctx, u, s, c, mq, &fn));
            classtype_add_method(c, s->funcdef.name, fn);
            break;
        }
        default:
            return ts_fail(ctx, TS_ERR_SYNTAX, &s->span, "unexpected %s statement in a class body",
                           ast_kind_name(s->kind));
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        const AstList *l = pass == 0 ? params : buffers;
        for (int i = 0; l && i < l->len; i++) {
            if (l->items[i]->kind != AST_STR) continue;
            int k = classtype_attr_index(c, l->items[i]->str.data);
            if (k < 0) continue;
            if (pass == 0) c->attrs.data[k].is_param = true;
            else c->attrs.data[k].is_buffer = true;
        }
    }
    return TS_OK;
}

ts_status unit_resolve_class(Ctx *ctx, Unit *u, const char *qualname, const Span *where, ClassType **out) {
    *out = strmap_get(&u->classes, qualname);
    UnitFailure *broken = *out ? strmap_get(&u->broken, qualname) : NULL;
    if (broken) {
        /* half declared: in a lazy unit the first failure did not stop the load */
        *out = NULL;
        return ts_fail(ctx, broken->status, broken->span.src ? &broken->span : where, "%s", broken->message);
    }
    if (*out) return TS_OK;
    char *qualifier;
    const char *name;
    split_qualname(u, qualname, &qualifier, &name);
    AstModule *m = NULL;
    TS_TRY(get_file(ctx, u, qualifier, &m));
    Ast *def = m ? find_def(m, AST_CLASSDEF, name) : NULL;
    if (!def)
        return ts_fail(ctx, TS_ERR_NOT_FOUND, where, "unknown type '%s'%s", qualname,
                       m ? " (its code file has no such class)" : " (no code file defines it)");
    ts_status st = declare_class(ctx, u, def, qualname, out);
    if (st != TS_OK && st != TS_ERR_NOMEM && strmap_get(&u->classes, qualname)) {
        UnitFailure *f = arena_new(&u->arena, UnitFailure);
        f->status = st;
        f->message = arena_strdup(&u->arena, sb_cstr(&ctx->text));
        f->span = ctx->fail_span;
        strmap_put(&u->broken, qualname, f);
        *out = NULL;
    }
    return st;
}

ts_status unit_resolve_function(Ctx *ctx, Unit *u, const char *qualname, const Span *where, Function **out) {
    *out = strmap_get(&u->functions, qualname);
    if (*out) return TS_OK;
    char *qualifier;
    const char *name;
    split_qualname(u, qualname, &qualifier, &name);
    AstModule *m = NULL;
    TS_TRY(get_file(ctx, u, qualifier, &m));
    Ast *def = m ? find_def(m, AST_FUNCDEF, name) : NULL;
    if (!def) return ts_fail(ctx, TS_ERR_NOT_FOUND, where, "unknown function '%s'", qualname);
    TS_TRY(declare_function(ctx, u, def, NULL, qualname, out));
    strmap_put(&u->functions, qualname, *out);
    return TS_OK;
}

/* Is `q` a class, a function, or neither (a namespace prefix)? */
ts_status sema_lookup_qualified(Ctx *ctx, Unit *u, const char *q, const Span *where, ClassType **cls,
                                Function **fn) {
    *cls = strmap_get(&u->classes, q);
    *fn = strmap_get(&u->functions, q);
    if (*cls) return unit_resolve_class(ctx, u, q, where, cls); /* fails again if it is broken */
    if (*fn) return TS_OK;
    char *qualifier;
    const char *name;
    split_qualname(u, q, &qualifier, &name);
    AstModule *m = NULL;
    TS_TRY(get_file(ctx, u, qualifier, &m));
    if (!m) return TS_OK;
    if (find_def(m, AST_CLASSDEF, name)) return unit_resolve_class(ctx, u, q, where, cls);
    if (find_def(m, AST_FUNCDEF, name)) return unit_resolve_function(ctx, u, q, where, fn);
    return TS_OK;
}

void unit_add_class(Unit *u, ClassType *c) {
    c->unit = u;
    c->unit_retain = unit_retain_opaque;
    c->unit_release = unit_release_opaque;
    strmap_put(&u->classes, c->qualname, c);
    vec_push(&u->class_list, c);
}

ts_status unit_declare_method(Ctx *ctx, Unit *u, ClassType *c, Ast *def, Function **out) {
    char *mq = arena_printf(&u->arena, "%s.%s", c->qualname, def->funcdef.name);
    TS_TRY(declare_function(ctx, u, def, c, mq, out));
    classtype_add_method(c, def->funcdef.name, *out);
    return TS_OK;
}

ts_status unit_declare_function(Ctx *ctx, Unit *u, Ast *def, const char *qualname, Function **out) {
    *out = strmap_get(&u->functions, qualname);
    if (*out) return TS_OK;
    TS_TRY(declare_function(ctx, u, def, NULL, qualname, out));
    strmap_put(&u->functions, qualname, *out);
    return TS_OK;
}

void unit_add_file(Unit *u, const char *qualifier, AstModule *m) { strmap_put(&u->files, qualifier, m); }

const char *function_signature(Unit *u, Function *fn) {
    if (fn->signature) return fn->signature;
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s(", fn->name);
    for (int i = fn->owner ? 1 : 0; i < fn->nparams; i++) {
        const FnParam *p = &fn->params[i];
        if (i > (fn->owner ? 1 : 0)) sb_puts(&sb, ", ");
        sb_printf(&sb, "%s: ", p->name);
        ty_annotation_str(&sb, p->type);
        if (p->has_default) {
            sb_putc(&sb, '=');
            iv_repr(&sb, p->default_value);
        }
    }
    sb_puts(&sb, ")");
    if (fn->ret_type) {
        sb_puts(&sb, " -> ");
        ty_annotation_str(&sb, fn->ret_type);
    }
    fn->signature = arena_strdup(&u->arena, sb_cstr(&sb));
    sb_free(&sb);
    return fn->signature;
}

ts_status unit_emit_pending(Ctx *ctx, Unit *u) {
    while (u->emitted_upto < u->fns.len) {
        Function *fn = u->fns.data[u->emitted_upto++];
        if (fn->state == FN_DECLARED) TS_TRY(sema_emit_function(ctx, u, fn));
    }
    return TS_OK;
}

/* ---- borrowing code of other units ---- */

static void add_dep(Unit *u, Unit *home) {
    if (!home || home == u) return;
    for (int i = 0; i < u->deps.len; i++)
        if (u->deps.data[i] == home) return;
    vec_push(&u->deps, unit_retain(home));
}

static ts_status borrow_type(Ctx *ctx, Unit *u, const Type *t);
static ts_status borrow_fn(Ctx *ctx, Unit *u, Unit *home, Function *fn, bool free_fn);

static ts_status borrow_block(Ctx *ctx, Unit *u, Unit *home, const Block *b) {
    for (Node *n = b->param; n; n = n->next) {
        Function *callee = n->callee;
        if (n->kind == NK_CALL_FUNCTION && callee) TS_TRY(borrow_fn(ctx, u, home, callee, true));
        if (n->kind == NK_CALL_METHOD && callee && callee->owner) TS_TRY(unit_borrow_class(ctx, u, callee->owner));
        if (n->tattr) TS_TRY(borrow_type(ctx, u, n->tattr));
        for (int i = 0; i < n->outputs.len; i++) TS_TRY(borrow_type(ctx, u, n->outputs.data[i]->type));
        for (int i = 0; i < n->nblocks; i++) TS_TRY(borrow_block(ctx, u, home, n->blocks[i]));
        if (n == b->ret) break;
    }
    return TS_OK;
}

static ts_status borrow_fn(Ctx *ctx, Unit *u, Unit *home, Function *fn, bool free_fn) {
    if (free_fn) {
        if (!home || home == u) return TS_OK;
        for (int i = 0; i < u->borrowed_fns.len; i++)
            if (u->borrowed_fns.data[i] == fn) return TS_OK;
        add_dep(u, home);
        vec_push(&u->borrowed_fns, fn);
    }
    if (fn->state != FN_EMITTED && home) TS_TRY(unit_emit_pending(ctx, home));
    for (int i = 0; i < fn->nparams; i++) TS_TRY(borrow_type(ctx, u, fn->params[i].type));
    TS_TRY(borrow_type(ctx, u, fn->ret_type));
    return fn->graph ? borrow_block(ctx, u, home, fn->graph->block) : TS_OK;
}

static ts_status borrow_type(Ctx *ctx, Unit *u, const Type *t) {
    if (!t) return TS_OK;
    if (t->kind == TK_CLASS && t->cls) return unit_borrow_class(ctx, u, t->cls);
    for (int i = 0; i < t->n; i++) TS_TRY(borrow_type(ctx, u, t->elems[i]));
    return TS_OK;
}

/* Another borrowed class with c's name? */
static bool borrowed_twice(const Unit *u, const ClassType *c) {
    for (int i = 0; i < u->borrowed_classes.len; i++)
        if (u->borrowed_classes.data[i] != c && !strcmp(u->borrowed_classes.data[i]->qualname, c->qualname))
            return true;
    return false;
}

/* A borrowed class whose name u already has (the two would be one class
 * of the saved code): it takes a mangled name, as PyTorch gives a second
 * class of one Python name ("a.b.___torch_mangle_N.C"). */
static void rename_borrowed(Unit *u, ClassType *c) {
    static int mangle = 1000; /* apart from the scripter's and the tracer's counters */
    const char *base = c->qualname, *m = strstr(base, ".___torch_mangle_");
    if (m && strchr(m + 1, '.')) base = arena_printf(&u->arena, "%.*s%s", (int)(m - base), base, strchr(m + 1, '.'));
    const char *last = strrchr(base, '.');
    if (!last) return;
    for (;;) {
        int k = __atomic_fetch_add(&mangle, 1, __ATOMIC_RELAXED);
        char *q = arena_printf(&u->arena, "%.*s.___torch_mangle_%d%s", (int)(last - base), base, k, last);
        if (strmap_get(&u->classes, q) || unit_has_name(u, q)) continue;
        char *owned = ts_strdup(q);
        ts_free(c->qualname);
        c->qualname = owned;
        c->name = strrchr(owned, '.') + 1;
        return;
    }
}

ts_status unit_borrow_function(Ctx *ctx, Unit *u, Unit *home, Function *fn) {
    return borrow_fn(ctx, u, home, fn, true);
}

ts_status unit_borrow_class(Ctx *ctx, Unit *u, ClassType *c) {
    Unit *home = c->unit;
    if (!home || home == u) return TS_OK;
    for (int i = 0; i < u->borrowed_classes.len; i++)
        if (u->borrowed_classes.data[i] == c) return TS_OK;
    add_dep(u, home);
    vec_push(&u->borrowed_classes, c);
    if (strmap_get(&u->classes, c->qualname) || borrowed_twice(u, c)) rename_borrowed(u, c);
    for (int i = 0; i < c->attrs.len; i++) TS_TRY(borrow_type(ctx, u, c->attrs.data[i].type));
    for (int i = 0; i < c->method_names.len; i++) {
        Function *m = class_method(c, c->method_names.data[i]);
        if (m) TS_TRY(borrow_fn(ctx, u, home, m, false));
    }
    return TS_OK;
}

void unit_drop_deps(Unit *u) {
    if (!u) return;
    for (int i = 0; i < u->deps.len; i++) unit_release(u->deps.data[i]);
    vec_free(&u->deps);
    vec_free(&u->borrowed_classes);
    vec_free(&u->borrowed_fns);
}

bool unit_has_name(const Unit *u, const char *qualname) {
    if (strmap_get(&u->classes, qualname) || strmap_get(&u->functions, qualname)) return true;
    for (int i = 0; i < u->borrowed_classes.len; i++)
        if (!strcmp(u->borrowed_classes.data[i]->qualname, qualname)) return true;
    for (int i = 0; i < u->borrowed_fns.len; i++)
        if (!strcmp(u->borrowed_fns.data[i]->qualname, qualname)) return true;
    return false;
}
