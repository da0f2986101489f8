/*
 * script.c - torch.jit.script for a model file: run the file and the
 * model's constructor with the evaluator (pyeval.c), then turn the module
 * tree it built into TorchScript classes and objects, as PyTorch's
 * torch/jit/_recursive.py does, and compile the methods with the frontend.
 *
 * One ClassType per concrete module type: attributes in PyTorch's order
 * (parameters, buffers, the instance dict with `training` first, then
 * submodules), each typed from its value; names in `__constants__` or
 * annotated Final become class constants; values that cannot be typed are
 * left out (the frontend fails only if forward uses them). Instances whose
 * types come out equal share one class; a different one of the same Python
 * class gets PyTorch's mangled name (`___torch_mangle_N`). forward and the
 * @torch.jit.export methods are declared at once; any other method is
 * declared when compiled code first uses it (ScriptHooks.method), and names
 * of the Python modules resolve through ScriptHooks.global.
 * The module is put in eval mode (model.eval()) after construction: tscript
 * scripts models to run them for inference.
 * The result is a Module exactly like one loaded from an archive.
 */
#include <stdio.h>

#include "frontend/sema.h"
#include "frontend/sema_internal.h"
#include "python/script.h"
#include "serialize/weights.h"

typedef struct TypeRec {
    PClass *pc;
    ClassType *ct;
    PObj *inst; /* one instance of the type (held: types_free drops it) */
} TypeRec;

typedef struct Scripter {
    Py *S;
    Ctx *ctx;
    Unit *u;
    VEC(TypeRec) types;
    int mangle;
} Scripter;

/* Drop the type records and the instances they hold. */
static void types_free(Scripter *sc) {
    for (int i = 0; i < sc->types.len; i++) {
        PV v = pv_none();
        v.k = P_INST;
        v.p = sc->types.data[i].inst;
        pv_drop(v);
    }
    vec_free(&sc->types);
}

/* ---- hooks ---- */

static bool has_overloads(const PFunc *f);
static ts_status declare_overloads(Scripter *sc, PFunc *f, ClassType *ct, bool *overloaded);

static PClass *pclass_of(Scripter *sc, const ClassType *c) {
    for (int i = 0; i < sc->types.len; i++)
        if (sc->types.data[i].ct == c) return sc->types.data[i].pc;
    return NULL;
}

static ts_status hook_method(Ctx *ctx, void *ud, ClassType *c, const char *name, const Span *sp, Function **out) {
    Scripter *sc = ud;
    TS_UNUSED(sp);
    *out = NULL;
    PClass *pc = pclass_of(sc, c);
    if (!pc) return TS_OK;
    PFunc *f = py_class_find_method(pc, name, NULL);
    if (!f || strcmp(name, "__init__") == 0) return TS_OK;
    if (has_overloads(f)) {
        bool overloaded;
        TS_TRY(declare_overloads(sc, f, c, &overloaded));
        return TS_OK; /* name__0 ... : the caller looks them up */
    }
    if (f->flags & PF_IGNORE)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, sp, "%s.%s is @torch.jit.ignore: it stays Python, which tscript cannot call",
                       pc->name, name);
    return unit_declare_method(ctx, sc->u, c, f->def, out);
}

static ts_status hook_ignored(Ctx *ctx, void *ud, ClassType *c, const char *name, bool *is_ignored, Type **ret) {
    Scripter *sc = ud;
    *is_ignored = false;
    PClass *pc = pclass_of(sc, c);
    if (!pc) return TS_OK;
    PFunc *f = py_class_find_method(pc, name, NULL);
    if (!f || !(f->flags & (PF_IGNORE | PF_UNUSED)) || has_overloads(f)) return TS_OK;
    *is_ignored = true;
    *ret = ty_tensor(); /* TorchScript's default for an unannotated signature */
    if (f->def && f->def->funcdef.returns) TS_TRY(sema_resolve_type(ctx, sc->u, f->def->funcdef.returns, ret));
    return TS_OK;
}

static bool constant_value(Scripter *sc, PV v, IValue *out) {
    if (v.k == P_INT || v.k == P_FLOAT || v.k == P_BOOL || v.k == P_STR || v.k == P_NONE) {
        *out = iv_dup(v.iv);
        return true;
    }
    if (v.k == P_TUPLE) {
        if (pv_to_iv(sc->S, v, NULL, out) == TS_OK) return true;
        ts_clear_error(sc->ctx);
    }
    return false;
}

/* The math functions TorchScript 1.13 compiles, and their ops
 * (torch/jit/_builtins.py); any other math function is an error there. */
static const struct { const char *py, *op; } math_ops[] = {
    {"acos", "aten::acos"}, {"acosh", "aten::acosh"}, {"asin", "aten::asin"}, {"asinh", "aten::asinh"},
    {"atan", "aten::atan"}, {"atan2", "aten::atan2"}, {"atanh", "aten::atanh"}, {"ceil", "aten::ceil"},
    {"copysign", "aten::copysign"}, {"cos", "aten::cos"}, {"cosh", "aten::cosh"}, {"degrees", "aten::degrees"},
    {"erf", "aten::erf"}, {"erfc", "aten::erfc"}, {"exp", "aten::exp"}, {"expm1", "aten::expm1"},
    {"fabs", "aten::fabs"}, {"factorial", "aten::factorial"}, {"floor", "aten::floor"}, {"fmod", "aten::fmod"},
    {"frexp", "aten::frexp"}, {"gamma", "aten::gamma"}, {"gcd", "aten::gcd"}, {"isfinite", "aten::isfinite"},
    {"isinf", "aten::isinf"}, {"isnan", "aten::isnan"}, {"ldexp", "aten::ldexp"}, {"lgamma", "aten::lgamma"},
    {"log", "aten::log"}, {"log10", "aten::log10"}, {"log1p", "aten::log1p"}, {"modf", "aten::modf"},
    {"pow", "aten::pow"}, {"radians", "aten::radians"}, {"remainder", "aten::mathremainder"}, {"sin", "aten::sin"},
    {"sinh", "aten::sinh"}, {"sqrt", "aten::sqrt"}, {"tan", "aten::tan"}, {"tanh", "aten::tanh"},
};

/* What to write instead of a math function TorchScript lacks, where one thing fits. */
static const struct { const char *py, *instead; } math_instead[] = {
    {"log2", "math.log(x, 2)"}, {"exp2", "2.0 ** x"}, {"trunc", "int(x)"},
    {"hypot", "math.sqrt(x * x + y * y)"}, {"lcm", "a * b // math.gcd(a, b)"}, {"isclose", "abs(a - b) <= tol"},
};

/* math.NAME as the op TorchScript calls, or its error. */
static ts_status math_function(Scripter *sc, const char *name, const Span *sp, GlobalRef *out) {
    for (size_t i = 0; i < TS_ARRAY_LEN(math_ops); i++)
        if (strcmp(math_ops[i].py, name) == 0) {
            out->kind = GR_OP;
            out->name = math_ops[i].op;
            return TS_OK;
        }
    for (size_t i = 0; i < TS_ARRAY_LEN(math_instead); i++)
        if (strcmp(math_instead[i].py, name) == 0)
            return ts_fail(sc->ctx, TS_ERR_UNSUPPORTED, sp, "math.%s is not supported in TorchScript: write %s", name,
                           math_instead[i].instead);
    return ts_fail(sc->ctx, TS_ERR_UNSUPPORTED, sp, "math.%s is not supported in TorchScript", name);
}

static ts_status global_of(Scripter *sc, PMod *m, PV v, const char *name, const Span *sp, GlobalRef *out) {
    Ctx *ctx = sc->ctx;
    switch (v.k) {
    case P_MOD: {
        PMod *pm = v.p;
        if (pm->native && strcmp(pm->native, "torch") == 0) {
            out->kind = GR_PYMOD;
            out->name = "torch";
        } else {
            out->kind = GR_PYMOD;
            out->name = pm->pyname;
        }
        return TS_OK;
    }
    case P_FUNC: {
        PFunc *f = v.p;
        if (f->def && f->def->kind == AST_LAMBDA)
            return ts_fail(ctx, TS_ERR_UNSUPPORTED, sp, "'%s' is a lambda, which TorchScript cannot compile (write a def)", name);
        if (strcmp(f->mod->pyname, "torch.nn.modules.utils") == 0 &&
            (strcmp(f->name, "_single") == 0 || strcmp(f->name, "_pair") == 0 || strcmp(f->name, "_triple") == 0 ||
             strcmp(f->name, "_quadruple") == 0)) {
            /* PyTorch makes these builtins of the compiler */
            out->kind = GR_BUILTIN;
            out->name = f->name;
            return TS_OK;
        }
        if (strcmp(f->mod->pyname, "torch.nn.functional") == 0 && strcmp(f->name, "_no_grad_embedding_renorm_") == 0) {
            /* torch.jit's builtin table maps it to the op (torch/jit/_builtins.py) */
            out->kind = GR_OP;
            out->name = "aten::_no_grad_embedding_renorm_";
            return TS_OK;
        }
        if (f->dispatch_true) {
            /* boolean_dispatch: both functions; the call site picks */
            GlobalRef t;
            memset(&t, 0, sizeof t);
            PFunc plain = *f;
            plain.dispatch_true = NULL;
            TS_TRY(global_of(sc, m, pv_ptr(P_FUNC, f->dispatch_true), name, sp, &t));
            TS_TRY(global_of(sc, m, pv_ptr(P_FUNC, &plain), name, sp, out));
            if (t.kind != GR_FUNCTION || out->kind != GR_FUNCTION) return TS_OK;
            out->kind = GR_DISPATCH;
            out->fn_true = t.fn;
            out->name = f->dispatch_arg;
            out->dispatch_index = f->dispatch_index;
            out->dispatch_default = f->dispatch_default;
            return TS_OK;
        }
        char *q = arena_printf(&sc->u->arena, "%s.%s", f->mod->qualifier, f->name);
        out->kind = GR_FUNCTION;
        if ((out->fn = strmap_get(&sc->u->functions, q))) return TS_OK; /* resolved before */
        /* @_overload signatures: one function per signature, each with the
         * implementation's body, all compiled at the first use as PyTorch does;
         * the second and later take mangled names from the counter PyTorch's
         * compilation unit shares with module types (interpolate's second
         * signature is ___torch_mangle_0 in a fresh process) */
        Function *first = NULL, *prev = NULL;
        int k = 0;
        for (int i = 0; i < f->mod->overloads.len; i++) {
            Ast *d = f->mod->overloads.data[i];
            if (strcmp(d->funcdef.name, f->name) != 0) continue;
            Ast *syn = arena_new(&sc->u->arena, Ast);
            *syn = *d;
            syn->funcdef.body = f->def->funcdef.body;
            syn->funcdef.decorators.len = 0;
            char *oq = k == 0 ? q : arena_printf(&sc->u->arena, "%s.___torch_mangle_%d.%s", f->mod->qualifier, sc->mangle++, f->name);
            k++;
            Function *fn;
            TS_TRY(unit_declare_function(ctx, sc->u, syn, oq, &fn));
            if (!first) first = fn;
            if (prev && !prev->next_overload && prev != fn) prev->next_overload = fn;
            prev = fn;
        }
        if (first) {
            out->fn = first;
        } else {
            TS_TRY(unit_resolve_function(ctx, sc->u, q, NULL, &out->fn));
        }
        if (f->flags & PF_SCRIPT)
            for (Function *o = out->fn; o; o = o->next_overload) o->user_scripted = true;
        return TS_OK;
    }
    case P_CLASS: {
        PClass *c = v.p;
        if (c->is_module || !c->mod) return TS_OK;
        char *q = arena_printf(&sc->u->arena, "%s.%s", c->mod->qualifier, c->name);
        out->kind = GR_CLASS;
        return unit_resolve_class(ctx, sc->u, q, NULL, &out->cls);
    }
    case P_BUILTIN: {
        const char *b = v.p;
        if (strncmp(b, "torch.", 6) == 0 && !strchr(b + 6, '.')) {
            out->kind = GR_OP;
            out->name = arena_printf(&sc->u->arena, "aten::%s", b + 6);
        } else if (strncmp(b, "math.", 5) == 0) {
            return math_function(sc, b + 5, sp, out);
        }
        return TS_OK;
    }
    case P_SCRIPT: {
        /* exec: a function compiled by torch.jit.script (the same unit) */
        PObj *o = v.p;
        if (o->sfn) {
            out->kind = GR_FUNCTION;
            out->fn = o->sfn;
        }
        return TS_OK;
    }
    case P_DTYPE: out->kind = GR_VALUE; out->value = iv_int(v.iv.u.i); return TS_OK;
    case P_INT:
    case P_FLOAT:
    case P_BOOL:
    case P_STR:
    case P_NONE:
    case P_LIST:
    case P_TUPLE:
    case P_DICT:
        /* PyTorch 1.13 refuses a module-level value in compiled code */
        TS_UNUSED(m);
        return ts_fail(ctx, TS_ERR_TYPE, sp,
                       "python value of type '%s' cannot be used as a value: '%s' is a global variable of %s; pass "
                       "it in as an argument, or make it a module attribute or constant (__constants__, Final)",
                       pv_type_name(v), name, m->pyname);
    default: return TS_OK;
    }
}

static ts_status hook_global(Ctx *ctx, void *ud, Function *fn, const char *pymod, const char *name, const Span *sp,
                             GlobalRef *out) {
    Scripter *sc = ud;
    Py *S = sc->S;
    TS_UNUSED(sp);
    out->kind = GR_NONE;
    if (!pymod) {
        const Source *src = fn && fn->def ? ((Ast *)fn->def)->span.src : NULL;
        PMod *m = src ? py_mod_of_source(S, src) : NULL;
        if (!m) return TS_OK;
        PV *v = pmap_get(&m->globals, name);
        if (!v) return TS_OK;
        return global_of(sc, m, *v, name, sp, out);
    }
    if (strcmp(pymod, "torch.backends") == 0 || strcmp(pymod, "torch.backends.cudnn") == 0) {
        if (strcmp(name, "cudnn") == 0) {
            out->kind = GR_PYMOD;
            out->name = "torch.backends.cudnn";
        } else if (strcmp(name, "enabled") == 0) {
            out->kind = GR_VALUE; /* PyTorch's default; cudnn is never used on the CPU */
            out->value = iv_bool(true);
        }
        return TS_OK;
    }
    if (strcmp(pymod, "torch.jit") == 0) {
        /* torch.jit.annotate(T, v) and torch.jit.isinstance are the compiler's own builtins */
        if (strcmp(name, "annotate") == 0 || strcmp(name, "isinstance") == 0) {
            out->kind = GR_BUILTIN;
            out->name = name[0] == 'a' ? "annotate" : "isinstance";
        } else if (strcmp(name, "is_scripting") == 0) {
            out->kind = GR_BUILTIN;
            out->name = "is_scripting";
        }
        return TS_OK;
    }
    if (strcmp(pymod, "warnings") == 0 && strcmp(name, "warn") == 0) {
        out->kind = GR_OP;
        out->name = "aten::warn";
        return TS_OK;
    }
    if (strcmp(pymod, "torch.overrides") == 0 && strncmp(name, "has_torch_function", 18) == 0) {
        out->kind = GR_BUILTIN; /* no __torch_function__ in compiled code: always False */
        out->name = "has_torch_function";
        return TS_OK;
    }
    if (strcmp(pymod, "torch") == 0 && (strcmp(name, "backends") == 0 || strcmp(name, "overrides") == 0)) {
        out->kind = GR_PYMOD;
        out->name = name[0] == 'b' ? "torch.backends" : "torch.overrides";
        return TS_OK;
    }
    if (strcmp(pymod, "torch") == 0 && strcmp(name, "backends") == 0) {
        out->kind = GR_PYMOD;
        out->name = "torch.backends";
        return TS_OK;
    }
    if (strcmp(pymod, "torch") == 0 || strncmp(pymod, "torch._", 7) == 0) {
        int dt = py_dtype_code(name);
        if (dt >= 0 && strcmp(pymod, "torch") == 0) {
            out->kind = GR_VALUE;
            out->value = iv_int(dt);
        } else if (strcmp(name, "nn") == 0 || strcmp(name, "jit") == 0 || strcmp(name, "_C") == 0 ||
                   strcmp(name, "_nn") == 0 || strcmp(name, "_VF") == 0 ||
                   (strcmp(pymod, "torch") == 0 && (strcmp(name, "linalg") == 0 || strcmp(name, "fft") == 0))) {
            out->kind = GR_PYMOD;
            out->name = arena_printf(&sc->u->arena, "%s.%s", pymod, name);
        } else {
            out->kind = GR_OP;
            out->name = arena_printf(&sc->u->arena, "aten::%s", name);
        }
        return TS_OK;
    }
    if (strcmp(pymod, "torch.linalg") == 0 || strcmp(pymod, "torch.fft") == 0) {
        /* torch.linalg.inv is aten::linalg_inv, torch.fft.irfft aten::fft_irfft */
        out->kind = GR_OP;
        out->name = arena_printf(&sc->u->arena, "aten::%s_%s", pymod + 6, name);
        return TS_OK;
    }
    if (strcmp(pymod, "math") == 0) {
        PV v;
        PMod *mm;
        TS_TRY(py_import(S, "math", sp, &mm));
        if (py_native_attr(S, mm, name, sp, &v) == TS_OK && v.k == P_FLOAT) {
            out->kind = GR_VALUE;
            out->value = v.iv;
            return TS_OK;
        }
        ts_clear_error(ctx);
        return math_function(sc, name, sp, out);
    }
    PMod *m = NULL;
    for (int i = 0; i < S->mods.len; i++)
        if (strcmp(S->mods.data[i]->pyname, pymod) == 0) m = S->mods.data[i];
    if (!m && strncmp(pymod, "torch.", 6) == 0) TS_TRY(py_import(S, pymod, sp, &m));
    if (!m) return TS_OK;
    PV *v = pmap_get(&m->globals, name);
    if (v) return global_of(sc, m, *v, name, sp, out);
    if (strcmp(pymod, "torch.nn.functional") == 0) {
        out->kind = GR_OP;
        out->name = arena_printf(&sc->u->arena, "aten::%s", name);
    }
    return TS_OK;
}

static bool is_function(PV v) { return v.k == P_FUNC || v.k == P_BUILTIN; }

static ts_status hook_attr(Ctx *ctx, void *ud, ClassType *c, const char *name, const Span *sp, GlobalRef *out) {
    Scripter *sc = ud;
    out->kind = GR_NONE;
    for (int i = 0; i < sc->types.len; i++) {
        TypeRec *t = &sc->types.data[i];
        if (t->ct != c) continue;
        PV *v = pmap_get(&t->inst->dict, name);
        if (v && is_function(*v)) return global_of(sc, t->pc->mod, *v, name, sp, out);
        /* `scales = [1.0, 2.0]` in the class body: PyTorch compiles instance attributes only */
        PV *cv = pmap_get(&t->pc->dict, name);
        if (!v && cv && !is_function(*cv) && cv->k != P_CLASS)
            return ts_fail(ctx, TS_ERR_NOT_FOUND, sp,
                           "module '%s' has no attribute '%s': it is a class attribute, which TorchScript does not "
                           "compile; set self.%s in __init__", t->pc->name, name, name);
    }
    return TS_OK;
}

/* The Python value an annotation-like expression (NAME or NAME.attr...) names in m, or false. */
static bool eval_name(Scripter *sc, PMod *m, const Ast *e, PV *out) {
    if (e->kind == AST_NAME) {
        PV *v = pmap_get(&m->globals, e->name.id);
        if (!v) return false;
        *out = pv_dup(*v);
        return true;
    }
    if (e->kind != AST_ATTR) return false;
    PV base;
    if (!eval_name(sc, m, e->attr.value, &base)) return false;
    ts_status st = py_getattr(sc->S, base, e->attr.name, &e->span, out);
    pv_drop(base);
    if (st != TS_OK) ts_clear_error(sc->ctx);
    return st == TS_OK;
}

static bool class_derives(PClass *c, PClass *want) {
    if (c == want) return true;
    for (int i = 0; i < c->bases.len; i++)
        if (class_derives(c->bases.data[i], want)) return true;
    return false;
}

static ts_status hook_module_isinstance(Ctx *ctx, void *ud, Function *fn, ClassType *c, const Ast *cls, bool *handled,
                                        bool *result) {
    Scripter *sc = ud;
    TS_UNUSED(ctx);
    *handled = false;
    const Source *src = fn && fn->def ? ((Ast *)fn->def)->span.src : NULL;
    PMod *m = src ? py_mod_of_source(sc->S, src) : NULL;
    PClass *pc = pclass_of(sc, c);
    if (!m || !pc) return TS_OK;
    const Ast *items[16];
    int n = 0;
    if (cls->kind == AST_TUPLE)
        for (int i = 0; i < cls->seq.elts.len && n < 16; i++) items[n++] = cls->seq.elts.items[i];
    else
        items[n++] = cls;
    bool any = false;
    for (int i = 0; i < n; i++) {
        PV v;
        if (!eval_name(sc, m, items[i], &v)) return TS_OK;
        bool is_cls = v.k == P_CLASS;
        if (is_cls && class_derives(pc, v.p)) any = true;
        pv_drop(v);
        if (!is_cls) return TS_OK; /* Tensor, int ...: the frontend's rules */
    }
    *handled = true;
    *result = any;
    return TS_OK;
}

/* A class (not a module) of the annotation's own Python module: its TorchScript type. */
static ts_status hook_type(Ctx *ctx, void *ud, const Ast *e, Type **out) {
    Scripter *sc = ud;
    *out = NULL;
    PMod *m = e->span.src ? py_mod_of_source(sc->S, e->span.src) : NULL;
    PV v;
    if (!m || !eval_name(sc, m, e, &v)) return TS_OK;
    PClass *c = v.k == P_CLASS ? v.p : NULL;
    pv_drop(v);
    if (!c || c->is_module || !c->mod) return TS_OK;
    ClassType *ct;
    TS_TRY(unit_resolve_class(ctx, sc->u, arena_printf(&sc->u->arena, "%s.%s", c->mod->qualifier, c->name), &e->span,
                              &ct));
    *out = ct->type;
    return TS_OK;
}

static const ScriptHooks HOOKS = {hook_global, hook_method, hook_attr, hook_module_isinstance, hook_type, hook_ignored};

/* ---- concrete types ---- */

static bool is_module_pv(PV v) { return v.k == P_INST && ((PObj *)v.p)->is_module; }

/* Names of pc's constants: __constants__ and Final annotations along the MRO. */
static bool is_constant(PClass *pc, const char *name) {
    PV *cl = NULL;
    for (PClass *c = pc; c; c = c->bases.len ? c->bases.data[0] : NULL) {
        cl = pmap_get(&c->dict, "__constants__");
        if (cl && pv_is_seq(*cl))
            for (int i = 0; i < pv_len(*cl); i++)
                if (pv_items(*cl)[i].k == P_STR && strcmp(pv_items(*cl)[i].iv.u.s->data, name) == 0) return true;
        if (!c->def) continue;
        for (int i = 0; i < c->def->classdef.body.len; i++) {
            Ast *s = c->def->classdef.body.items[i];
            if (s->kind != AST_ANNASSIGN || s->annassign.target->kind != AST_NAME ||
                strcmp(s->annassign.target->name.id, name) != 0)
                continue;
            Ast *a = s->annassign.annotation;
            if (a->kind == AST_SUBSCRIPT) a = a->subscript.value;
            const char *n = a->kind == AST_NAME ? a->name.id : a->kind == AST_ATTR ? a->attr.name : "";
            if (strcmp(n, "Final") == 0) return true;
        }
    }
    return false;
}

static bool same_type(const ClassType *a, const ClassType *b) {
    if (a->attrs.len != b->attrs.len || a->consts.len != b->consts.len) return false;
    for (int i = 0; i < a->attrs.len; i++) {
        const ClassAttr *x = &a->attrs.data[i], *y = &b->attrs.data[i];
        if (strcmp(x->name, y->name) != 0 || x->type != y->type || x->is_param != y->is_param || x->is_buffer != y->is_buffer)
            return false;
    }
    for (int i = 0; i < a->consts.len; i++) {
        const ClassConst *x = &a->consts.data[i], *y = &b->consts.data[i];
        if (strcmp(x->name, y->name) != 0 || x->type != y->type || !iv_equal(x->value, y->value)) return false;
    }
    return true;
}

/* Does f's class declare @_overload_method signatures for it? */
static bool has_overloads(const PFunc *f) {
    for (int i = 0; f->cls && i < f->cls->method_overloads.len; i++)
        if (strcmp(f->cls->method_overloads.data[i]->funcdef.name, f->name) == 0) return true;
    return false;
}

/* @_overload_method signatures of f: as PyTorch 1.13 does, one method name__k
 * per signature (k from 0, in order), each with the implementation's body, and
 * no method `name` itself; chained by next_overload so that a call picks the
 * first that fits (emit_expr.c's module call falls back to forward__0). */
static ts_status declare_overloads(Scripter *sc, PFunc *f, ClassType *ct, bool *overloaded) {
    *overloaded = has_overloads(f);
    Function *prev = NULL;
    int k = 0;
    for (int i = 0; *overloaded && i < f->cls->method_overloads.len; i++) {
        Ast *d = f->cls->method_overloads.data[i];
        if (strcmp(d->funcdef.name, f->name) != 0) continue;
        Ast *syn = arena_new(&sc->u->arena, Ast);
        *syn = *d;
        syn->funcdef.name = arena_printf(&sc->u->arena, "%s__%d", f->name, k++);
        syn->funcdef.body = f->def->funcdef.body;
        syn->funcdef.decorators.len = 0;
        Function *fn = class_method(ct, syn->funcdef.name);
        if (!fn) TS_TRY(unit_declare_method(sc->ctx, sc->u, ct, syn, &fn));
        if (prev && !prev->next_overload && prev != fn) prev->next_overload = fn;
        prev = fn;
    }
    return TS_OK;
}

static ts_status declare_methods(Scripter *sc, PClass *pc, ClassType *ct) {
    PClass *mro[64];
    int n = 0;
    mro[n++] = pc;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < mro[i]->bases.len && n < 64; k++) mro[n++] = mro[i]->bases.data[k];
    for (int i = 0; i < n; i++) {
        PMap *d = &mro[i]->dict;
        for (int k = 0; k < d->names.len; k++) {
            PV v = d->vals.data[k];
            if (v.k != P_FUNC || class_method(ct, d->names.data[k])) continue;
            PFunc *f = v.p;
            if (strcmp(f->name, "forward") != 0 && !(f->flags & PF_EXPORT)) continue;
            if (py_class_find_method(pc, f->name, NULL) != f) continue; /* overridden */
            bool overloaded;
            TS_TRY(declare_overloads(sc, f, ct, &overloaded));
            if (overloaded) continue;
            Function *fn;
            TS_TRY(unit_declare_method(sc->ctx, sc->u, ct, f->def, &fn));
        }
    }
    return TS_OK;
}

static ts_status type_of(Scripter *sc, PV inst, ClassType **out);

/* Function attributes are part of a concrete type (PyTorch's add_function_attribute). */
static bool same_functions(PObj *a, PObj *b) {
    for (int pass = 0; pass < 2; pass++) {
        PObj *x = pass ? b : a, *y = pass ? a : b;
        for (int i = 0; i < x->dict.names.len; i++) {
            if (!is_function(x->dict.vals.data[i])) continue;
            PV *o = pmap_get(&y->dict, x->dict.names.data[i]);
            if (!o || o->p != x->dict.vals.data[i].p) return false;
        }
    }
    return true;
}

/* The type a class annotation (`bias_k: Optional[torch.Tensor]`, nearest
 * along the MRO) gives attribute name when the inferred type t fits it, as
 * PyTorch's infer_type prefers __annotations__; else t. */
static Type *annotated_type(Scripter *sc, PClass *pc, const char *name, Type *t) {
    for (PClass *c = pc; c; c = c->bases.len ? c->bases.data[0] : NULL) {
        if (!c->def) continue;
        for (int i = 0; i < c->def->classdef.body.len; i++) {
            Ast *s = c->def->classdef.body.items[i];
            if (s->kind != AST_ANNASSIGN || s->annassign.target->kind != AST_NAME ||
                strcmp(s->annassign.target->name.id, name) != 0)
                continue;
            Type *a;
            if (sema_resolve_type(sc->ctx, sc->u, s->annassign.annotation, &a) != TS_OK) {
                ts_clear_error(sc->ctx); /* Final and the like: the inferred type stands */
                return t;
            }
            return ty_subtype(t, a) ? a : t;
        }
    }
    return t;
}

static ts_status add_value_attr(Scripter *sc, ClassType *c, const char *name, PV v, bool param, bool buffer) {
    if (v.k == P_SCRIPT && ((PObj *)v.p)->sobj.kind == IV_OBJECT && !((PObj *)v.p)->sfn) {
        /* exec: a module compiled before (torch.jit.script, or a trace with its own unit, whose code
         * this unit borrows to save it with its own) */
        ClassType *sub = ((PObj *)v.p)->sobj.u.obj->cls;
        TS_TRY(unit_borrow_class(sc->ctx, sc->u, sub));
        classtype_add_attr(c, name, sub->type, false, false);
        return TS_OK;
    }
    if (is_module_pv(v)) {
        ClassType *sub;
        TS_TRY(type_of(sc, v, &sub));
        classtype_add_attr(c, name, sub->type, false, false);
        return TS_OK;
    }
    if (strcmp(name, "_is_full_backward_hook") == 0) {
        classtype_add_attr(c, name, ty_optional(ty_bool()), false, false);
        return TS_OK;
    }
    if (v.k == P_TENSOR || param || buffer) {
        classtype_add_attr(c, name, v.k == P_TENSOR ? ty_tensor() : ty_none(), param, buffer);
        return TS_OK;
    }
    IValue iv;
    if (pv_to_iv(sc->S, v, NULL, &iv) != TS_OK) {
        ts_clear_error(sc->ctx); /* not typeable: left out, as PyTorch does */
        return TS_OK;
    }
    classtype_add_attr(c, name, sema_type_of_value(iv), false, false);
    iv_release(iv);
    return TS_OK;
}

/* add_value_attr, then the class annotation's type for what it added (not submodules) */
static ts_status add_annotated_attr(Scripter *sc, PClass *pc, ClassType *c, const char *name, PV v, bool param,
                                    bool buffer) {
    int before = c->attrs.len;
    TS_TRY(add_value_attr(sc, c, name, v, param, buffer));
    if (c->attrs.len > before && !is_module_pv(v)) {
        ClassAttr *a = &c->attrs.data[c->attrs.len - 1];
        a->type = annotated_type(sc, pc, name, a->type);
    }
    return TS_OK;
}

static ts_status type_of(Scripter *sc, PV inst, ClassType **out) {
    PObj *o = inst.p;
    PClass *pc = o->cls;
    const char *modq = pc->mod ? pc->mod->qualifier : "__torch__.torch.nn.modules.module";
    char *qual = arena_printf(&sc->u->arena, "%s.%s", modq, pc->name);
    ClassType *c = classtype_new(CK_MODULE, qual);
    ts_status st = TS_OK;
    for (int i = 0; i < o->params.names.len && st == TS_OK; i++)
        st = add_annotated_attr(sc, pc, c, o->params.names.data[i], o->params.vals.data[i], true, false);
    for (int i = 0; i < o->buffers.names.len && st == TS_OK; i++)
        st = add_annotated_attr(sc, pc, c, o->buffers.names.data[i], o->buffers.vals.data[i], false, true);
    for (int i = 0; i < o->dict.names.len && st == TS_OK; i++) {
        const char *n = o->dict.names.data[i];
        if (strncmp(n, "__", 2) == 0) continue;
        if (is_constant(pc, n)) {
            IValue cv;
            if (constant_value(sc, o->dict.vals.data[i], &cv)) classtype_add_const(c, n, sema_type_of_value(cv), cv);
            else if (pv_is_seq(o->dict.vals.data[i]) && pv_to_iv(sc->S, o->dict.vals.data[i], NULL, &cv) == TS_OK)
                classtype_add_const(c, n, sema_type_of_value(cv), cv);
            else ts_clear_error(sc->ctx);
            continue;
        }
        st = add_annotated_attr(sc, pc, c, n, o->dict.vals.data[i], false, false);
    }
    for (int i = 0; i < o->modules.names.len && st == TS_OK; i++) {
        PV m = o->modules.vals.data[i];
        if (m.k == P_NONE) classtype_add_attr(c, o->modules.names.data[i], ty_none(), false, false);
        else st = add_value_attr(sc, c, o->modules.names.data[i], m, false, false);
    }
    if (st != TS_OK) {
        classtype_free(c);
        return st;
    }
    int same_name = 0;
    for (int i = 0; i < sc->types.len; i++) {
        TypeRec *t = &sc->types.data[i];
        if (t->pc != pc) continue;
        same_name++;
        if (same_type(t->ct, c) && same_functions(t->inst, o) && t->inst->jit_scripted == o->jit_scripted) {
            classtype_free(c);
            *out = t->ct;
            return TS_OK;
        }
    }
    if (same_name) {
        /* a second concrete type of one Python class: PyTorch's mangled name */
        char *mq = arena_printf(&sc->u->arena, "%s.___torch_mangle_%d.%s", modq, sc->mangle++, pc->name);
        ClassType *m = classtype_new(CK_MODULE, mq);
        for (int i = 0; i < c->attrs.len; i++)
            classtype_add_attr(m, c->attrs.data[i].name, c->attrs.data[i].type, c->attrs.data[i].is_param, c->attrs.data[i].is_buffer);
        for (int i = 0; i < c->consts.len; i++)
            classtype_add_const(m, c->consts.data[i].name, c->consts.data[i].type, iv_dup(c->consts.data[i].value));
        classtype_free(c);
        c = m;
    }
    if (pc->def) c->def_span = pc->def->span;
    c->user_scripted = o->jit_scripted;
    unit_add_class(sc->u, c);
    TypeRec r = {pc, c, o};
    o->rc++; /* an exec session compares later instances with it: it must outlive its script call */
    vec_push(&sc->types, r);
    *out = c;
    return declare_methods(sc, pc, c);
}

/* ---- objects ---- */

static PV *attr_value(PObj *o, const char *name) {
    PV *v = pmap_get(&o->params, name);
    if (!v) v = pmap_get(&o->buffers, name);
    if (!v) v = pmap_get(&o->dict, name);
    if (!v) v = pmap_get(&o->modules, name);
    return v;
}

static ts_status object_of(Scripter *sc, PV inst, IValue *out) {
    PObj *o = inst.p;
    ClassType *c;
    TS_TRY(type_of(sc, inst, &c));
    Object *obj = object_new(c);
    IValue r = iv_object_steal(obj);
    for (int i = 0; i < c->attrs.len; i++) {
        PV *v = attr_value(o, c->attrs.data[i].name);
        IValue x = iv_none();
        ts_status st = TS_OK;
        if (!v) continue;
        if (is_module_pv(*v)) st = object_of(sc, *v, &x);
        else st = pv_to_iv(sc->S, *v, NULL, &x);
        if (st != TS_OK) {
            iv_release(r);
            return st;
        }
        iv_release(obj->slots[i]);
        obj->slots[i] = x;
    }
    *out = r;
    return TS_OK;
}

/* ---- weights (load_state_dict(strict=True)) ---- */

typedef struct Key {
    char *name;
    PV *slot;
} Key;
typedef VEC(Key) KeyVec;

static void state_keys(PV inst, const char *prefix, KeyVec *keys) {
    PObj *o = inst.p;
    for (int i = 0; i < o->params.names.len; i++) {
        if (o->params.vals.data[i].k == P_NONE) continue;
        Key k = {NULL, &o->params.vals.data[i]};
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "%s%s", prefix, o->params.names.data[i]);
        k.name = sb_steal(&sb);
        vec_push(keys, k);
    }
    for (int i = 0; i < o->buffers.names.len; i++) {
        if (o->buffers.vals.data[i].k == P_NONE || !o->persistent.data[i]) continue;
        Key k = {NULL, &o->buffers.vals.data[i]};
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "%s%s", prefix, o->buffers.names.data[i]);
        k.name = sb_steal(&sb);
        vec_push(keys, k);
    }
    for (int i = 0; i < o->modules.names.len; i++) {
        if (!is_module_pv(o->modules.vals.data[i])) continue;
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "%s%s.", prefix, o->modules.names.data[i]);
        state_keys(o->modules.vals.data[i], sb_cstr(&sb), keys);
        sb_free(&sb);
    }
}

static void put_shape(StrBuf *sb, const Tensor *t) {
    sb_puts(sb, "[");
    for (int i = 0; i < t->ndim; i++) sb_printf(sb, "%s%lld", i ? ", " : "", (long long)t->sizes[i]);
    sb_puts(sb, "]");
}

static ts_status load_weights(Scripter *sc, PV root, const char *path, const char *key) {
    Ctx *ctx = sc->ctx;
    IValue file;
    TS_TRY(weights_load(ctx, path, &file));
    IValue sd = file;
    ts_status st = TS_OK;
    if (key) {
        IValue k = iv_cstr(key);
        IValue *v = file.kind == IV_DICT ? dict_find(file.u.dict, k) : NULL;
        iv_release(k);
        if (!v) {
            st = ts_fail(ctx, TS_ERR_NOT_FOUND, NULL, "%s: %s has no key '%s' (--weights-key)", path,
                         file.kind == IV_DICT ? "the checkpoint dict" : "the file (not a dict)", key);
            iv_release(file);
            return st;
        }
        sd = *v;
    }
    if (sd.kind != IV_DICT) {
        iv_release(file);
        const char *kind = iv_kind_name(sd);
        bool vowel = strchr("aeiouAEIOU", kind[0]) != NULL;
        if (key)
            return ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: '%s' is not a state_dict (a dict of tensors) but a%s %s", path,
                           key, vowel ? "n" : "", kind);
        return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                       "%s: not a state_dict (a dict of tensors) but a%s %s; a checkpoint needs --weights-key NAME", path,
                       vowel ? "n" : "", kind);
    }
    KeyVec keys = {0};
    state_keys(root, "", &keys);
    StrBuf missing, unexpected, shapes;
    sb_init(&missing);
    sb_init(&unexpected);
    sb_init(&shapes);
    int nbad = 0;
    for (int i = 0; i < keys.len; i++) {
        IValue k = iv_cstr(keys.data[i].name);
        IValue *v = dict_find(sd.u.dict, k);
        iv_release(k);
        Tensor *want = keys.data[i].slot->iv.u.t;
        if (!v) {
            sb_printf(&missing, "%s\"%s\"", missing.len ? ", " : "", keys.data[i].name);
            nbad++;
        } else if (v->kind != IV_TENSOR) {
            sb_printf(&shapes, "\n  %s: the file holds a %s, not a tensor", keys.data[i].name, iv_kind_name(*v));
            nbad++;
        } else {
            Tensor *t = v->u.t;
            bool same = t->ndim == want->ndim;
            for (int d = 0; same && d < t->ndim; d++) same = t->sizes[d] == want->sizes[d];
            if (!same) {
                sb_printf(&shapes, "\n  size mismatch for %s: copying a param with shape ", keys.data[i].name);
                put_shape(&shapes, t);
                sb_puts(&shapes, " from checkpoint, the shape in current model is ");
                put_shape(&shapes, want);
                nbad++;
            }
        }
    }
    for (int64_t i = 0; i < sd.u.dict->len; i++) {
        IValue k = sd.u.dict->entries[i].key;
        bool found = false;
        for (int j = 0; k.kind == IV_STR && j < keys.len && !found; j++) found = strcmp(keys.data[j].name, k.u.s->data) == 0;
        if (!found) {
            sb_printf(&unexpected, "%s\"", unexpected.len ? ", " : "");
            if (k.kind == IV_STR) sb_puts(&unexpected, k.u.s->data);
            else iv_repr(&unexpected, k);
            sb_puts(&unexpected, "\"");
            nbad++;
        }
    }
    if (nbad) {
        st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: error(s) in loading state_dict:%s%s%s%s%s", path,
                     missing.len ? "\n  missing key(s) in state_dict: " : "", sb_cstr(&missing),
                     unexpected.len ? "\n  unexpected key(s) in state_dict: " : "", sb_cstr(&unexpected), sb_cstr(&shapes));
    } else {
        for (int i = 0; i < keys.len; i++) {
            IValue k = iv_cstr(keys.data[i].name);
            IValue *v = dict_find(sd.u.dict, k);
            iv_release(k);
            PV *slot = keys.data[i].slot;
            Tensor *t = v->u.t, *want = slot->iv.u.t;
            if (t->dtype == want->dtype) {
                /* in place, as load_state_dict's copy_: lists holding the tensor
                   (nn.LSTM's _flat_weights) see the loaded values */
                tensor_copy_into(want, t);
                continue;
            }
            Tensor *nt = t->dtype == want->dtype ? tensor_retain(t) : tensor_to_dtype(ctx, t, want->dtype);
            if (!nt) {
                st = TS_ERR_NOMEM;
                break;
            }
            bool param = slot->param;
            iv_release(slot->iv);
            slot->iv = iv_tensor_steal(nt);
            slot->param = param;
        }
    }
    for (int i = 0; i < keys.len; i++) ts_free(keys.data[i].name);
    vec_free(&keys);
    sb_free(&missing);
    sb_free(&unexpected);
    sb_free(&shapes);
    iv_release(file);
    return st;
}

/* ---- sessions of a whole script (tscript exec) ---- */

struct ScriptSession {
    Scripter sc;
};

ScriptSession *script_session_new(Py *S) {
    ScriptSession *ss = ts_xmalloc(sizeof *ss);
    memset(ss, 0, sizeof *ss);
    ss->sc.S = S;
    ss->sc.ctx = S->ctx;
    ss->sc.u = S->u;
    return ss;
}

void script_session_free(ScriptSession *ss) {
    if (!ss) return;
    types_free(&ss->sc);
    ts_free(ss);
}

/* Emit and compile what the last declarations left pending, with the session's hooks. */
static ts_status session_compile(ScriptSession *ss, ts_status st) {
    Unit *u = ss->sc.u;
    if (st == TS_OK) st = unit_emit_pending(ss->sc.ctx, u);
    if (st == TS_OK) st = interp_compile_unit(ss->sc.ctx, u);
    u->hooks = NULL;
    u->hooks_ud = NULL;
    return st;
}

ts_status script_session_object(ScriptSession *ss, PV inst, IValue *out) {
    *out = iv_none();
    Unit *u = ss->sc.u;
    u->hooks = &HOOKS;
    u->hooks_ud = &ss->sc;
    ts_status st = object_of(&ss->sc, inst, out);
    st = session_compile(ss, st);
    if (st != TS_OK) {
        iv_release(*out);
        *out = iv_none();
    }
    return st;
}

ts_status script_session_function(ScriptSession *ss, PFunc *f, const Span *sp, Function **out) {
    *out = NULL;
    Unit *u = ss->sc.u;
    u->hooks = &HOOKS;
    u->hooks_ud = &ss->sc;
    GlobalRef g;
    memset(&g, 0, sizeof g);
    ts_status st = global_of(&ss->sc, f->mod, pv_ptr(P_FUNC, f), f->name, sp, &g);
    if (st == TS_OK && (g.kind != GR_FUNCTION || !g.fn))
        st = ts_fail(ss->sc.ctx, TS_ERR_UNSUPPORTED, sp, "torch.jit.script: %s cannot be compiled as a function", f->name);
    st = session_compile(ss, st);
    if (st == TS_OK) *out = g.fn;
    return st;
}

/* ---- the entry ---- */

static ts_status pick_class(Scripter *sc, PMod *m, const char *path, const char *want, PClass **out) {
    Ctx *ctx = sc->ctx;
    *out = NULL;
    if (want) {
        PV *v = pmap_get(&m->globals, want);
        if (!v || v->k != P_CLASS)
            return ts_fail(ctx, TS_ERR_NOT_FOUND, NULL, "%s defines no class '%s'", path, want);
        if (!((PClass *)v->p)->is_module)
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: '%s' is not an nn.Module subclass", path, want);
        *out = v->p;
        return TS_OK;
    }
    StrBuf names;
    sb_init(&names);
    int n = 0;
    for (int i = 0; i < m->globals.names.len; i++) {
        PV v = m->globals.vals.data[i];
        if (v.k != P_CLASS || !((PClass *)v.p)->is_module || ((PClass *)v.p)->mod != m) continue;
        if (n++) sb_puts(&names, ", ");
        sb_puts(&names, ((PClass *)v.p)->name);
        *out = v.p;
    }
    ts_status st = TS_OK;
    if (n == 0) st = ts_fail(ctx, TS_ERR_NOT_FOUND, NULL, "%s defines no nn.Module subclass", path);
    else if (n > 1)
        st = ts_fail(ctx, TS_ERR_ARG, NULL, "%s defines %d nn.Module classes (%s): name one as %s:CLASS", path, n,
                     sb_cstr(&names), path);
    sb_free(&names);
    return st;
}

static const char *file_stem(Arena *a, const char *path, char **dir) {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    *dir = slash ? arena_strndup(a, path, (size_t)(slash - path)) : arena_strdup(a, ".");
    const char *dot = strrchr(base, '.');
    char *stem = dot ? arena_strndup(a, base, (size_t)(dot - base)) : arena_strdup(a, base);
    for (char *p = stem; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')) *p = '_';
    return stem;
}

ts_status script_module(Ctx *ctx, const ScriptOptions *opt, Module **out) {
    *out = NULL;
    Unit *u = unit_new(NULL, NULL);
    u->from_source = true;
    /* today's semantics (no upgraders); also what the archive's version record says, so that
     * PyTorch's loader applies none (1.13 reads up to 10) */
    u->version = 10;
    Arena tmp;
    arena_init(&tmp);
    char *dir;
    const char *stem = file_stem(&tmp, opt->path, &dir);
    Py *S = py_new(ctx, u, dir);
    S->no_random = opt->weights != NULL;
    Scripter sc = {S, ctx, u, {0}, 0};
    u->hooks = &HOOKS;
    u->hooks_ud = &sc;
    PMod *m = NULL;
    PClass *pc = NULL;
    PVVec args = {0};
    NameVecP kwn = {0};
    PVVec kwv = {0};
    PV root = pv_none();
    IValue obj = iv_none();
    ts_status st = py_load_file(S, opt->path, stem, &m);
    if (st == TS_OK) st = pick_class(&sc, m, opt->path, opt->class_name, &pc);
    if (st == TS_OK) st = py_eval_args(S, m, opt->args, &args, &kwn, &kwv);
    if (st == TS_OK) {
        Span sp = span_none();
        st = py_call(S, pv_ptr(P_CLASS, pc), args.data, args.len, kwn.data, kwv.data, kwn.len, &sp, &root);
    }
    if (st == TS_OK) {
        /* model.eval(): the module is scripted for inference (dropout off, batch norm on its running stats) */
        PV r;
        Span sp = span_none();
        st = py_call_builtin(S, "module.eval", &root, NULL, 0, NULL, NULL, 0, &sp, &r);
        if (st == TS_OK) pv_drop(r);
    }
    if (st == TS_OK && opt->weights) st = load_weights(&sc, root, opt->weights, opt->weights_key);
    if (st == TS_OK) st = object_of(&sc, root, &obj);
    if (st == TS_OK) st = unit_emit_pending(ctx, u);
    if (st == TS_OK) st = interp_compile_unit(ctx, u);
    if (S->warnings.len) sb_puts(&ctx->notes, sb_cstr(&S->warnings));
    for (int i = 0; i < args.len; i++) pv_drop(args.data[i]);
    for (int i = 0; i < kwv.len; i++) pv_drop(kwv.data[i]);
    vec_free(&args);
    vec_free(&kwn);
    vec_free(&kwv);
    pv_drop(root);
    /* compiled code refers to no evaluator state: the hooks go with it */
    u->hooks = NULL;
    u->hooks_ud = NULL;
    types_free(&sc);
    py_free(S);
    if (st == TS_OK) {
        *out = module_new(u, obj, opt->path);
        obj = iv_none();
    }
    iv_release(obj);
    unit_release(u);
    arena_free(&tmp);
    return st;
}
