/*
 * pyexec.c - `tscript exec listing.py`: a seed-style Python script run top
 * to bottom by the evaluator (pyeval.c), with the meanings a whole script
 * needs on top of the constructor subset: print() writes (modules, tensors
 * and scripted modules as PyTorch prints them), torch.manual_seed /
 * initial_seed drive the context's generator (PyTorch's CPU generator,
 * tensor/random.c), torch.jit.script / trace / save / load make and use
 * compiled modules (P_SCRIPT values), and failures become exceptions that
 * `try`/`except` catch (P_EXC values).
 *
 * Where it sits: in python/, above runtime/, tracer and serialize/; the CLI
 * reaches it through ts_exec_file (api/). The script is module __main__:
 * its classes are __torch__.Name, as PyTorch names them.
 *
 * Eager module calls (model(x)) run forward in the evaluator, as Python
 * does: so a forward TorchScript could not compile (an unannotated bool
 * argument, Python-only code) still runs, and tracing, which PyTorch also
 * does on the Python forward, sees the same module. torch.jit.trace scripts
 * the instance first and traces the compiled forward (trace/trace.h).
 *
 * Autograd is not computed, but its names are: with the context's
 * grad_names on (off inside torch.no_grad()), every op with an input that
 * requires grad marks its floating outputs with the grad_fn PyTorch's
 * autograd would give them (ops/grad_names.c), so `print(model(x))` shows
 * `grad_fn=<AddmmBackward0>` as PyTorch does; Parameters require grad.
 */
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "frontend/code_print.h"
#include "python/pyexec.h"
#include "python/script.h"
#include "serialize/archive.h"
#include "serialize/archive_save.h"
#include "tensor/random.h"
#include "trace/trace.h"

struct PyExec {
    ScriptSession *ss;
    const char *path;
    int argc;
    char *const *argv;
};

/* ---- exceptions ---- */

static const char *const EXC_NAMES[] = {
    "Exception", "RuntimeError", "ValueError", "TypeError", "KeyError", "IndexError", "AttributeError",
    "NameError", "NotImplementedError", "AssertionError", "ZeroDivisionError", "OverflowError", "LookupError",
    "ArithmeticError", "RecursionError", "ModuleNotFoundError", "ImportError", "StopIteration", "BaseException",
};

static bool is_exc_name(const char *s, size_t n) {
    for (size_t i = 0; i < TS_ARRAY_LEN(EXC_NAMES); i++)
        if (strlen(EXC_NAMES[i]) == n && strncmp(EXC_NAMES[i], s, n) == 0) return true;
    return false;
}

/* Python's hierarchy, for the classes tscript raises. */
bool pyexec_exc_matches(const char *exc, const char *cls) {
    if (strcmp(cls, "Exception") == 0 || strcmp(cls, "BaseException") == 0) return true;
    if (strcmp(exc, cls) == 0) return true;
    if (strcmp(cls, "RuntimeError") == 0)
        return strcmp(exc, "NotImplementedError") == 0 || strcmp(exc, "RecursionError") == 0;
    if (strcmp(cls, "LookupError") == 0) return strcmp(exc, "KeyError") == 0 || strcmp(exc, "IndexError") == 0;
    if (strcmp(cls, "ArithmeticError") == 0)
        return strcmp(exc, "ZeroDivisionError") == 0 || strcmp(exc, "OverflowError") == 0;
    if (strcmp(cls, "ImportError") == 0) return strcmp(exc, "ModuleNotFoundError") == 0;
    return false;
}

/* The failure in the context as an exception: "TypeError: msg" is a TypeError whose str() is msg;
 * a message without a Python class name is a RuntimeError (what PyTorch raises for op and
 * compiler errors). */
PV pyexec_exception_of(Py *S) {
    const char *t = sb_cstr(&S->ctx->text);
    const char *colon = strstr(t, ": ");
    const char *cls = "RuntimeError", *msg = t;
    if (colon && is_exc_name(t, (size_t)(colon - t))) {
        cls = arena_strndup(&S->arena, t, (size_t)(colon - t));
        msg = colon + 2;
    }
    PObj *o = pobj_new(P_EXC);
    o->mname = cls;
    vec_push(&o->items, pv_cstr(msg));
    return pv_obj_steal(o);
}

/* ---- printing ---- */

static ts_status str_of(Py *S, StrBuf *sb, PV v, bool repr, const Span *sp);

static void add_indent(StrBuf *sb, const char *s, int n) {
    for (const char *p = s; *p; p++) {
        sb_putc(sb, *p);
        if (*p == '\n' && p[1])
            for (int i = 0; i < n; i++) sb_putc(sb, ' ');
    }
}

/* nn.Module.__repr__: name(extra) or name(\n  extra lines\n  (child): repr\n) */
static void module_layout(StrBuf *sb, const char *name, const char *extra, const char *const *cnames,
                          const char *const *creprs, int nc) {
    int nextra = 0;
    if (*extra) {
        nextra = 1;
        for (const char *p = extra; *p; p++) nextra += *p == '\n';
    }
    sb_printf(sb, "%s(", name);
    if (nextra == 1 && nc == 0) {
        sb_puts(sb, extra);
    } else if (nextra || nc) {
        sb_puts(sb, "\n");
        if (nextra) {
            sb_puts(sb, "  ");
            add_indent(sb, extra, 2);
            sb_puts(sb, "\n");
        }
        for (int i = 0; i < nc; i++) {
            sb_printf(sb, "  (%s): ", cnames[i]);
            add_indent(sb, creprs[i], 2);
            sb_puts(sb, "\n");
        }
    }
    sb_puts(sb, ")");
}

static ts_status call_method0(Py *S, PV obj, const char *name, const Span *sp, PV *out) {
    PV f;
    TS_TRY(py_getattr(S, obj, name, sp, &f));
    ts_status st = py_call(S, f, NULL, 0, NULL, NULL, 0, sp, out);
    pv_drop(f);
    return st;
}

static ts_status eager_module_repr(Py *S, StrBuf *sb, PV v, const Span *sp) {
    PObj *o = v.p;
    PV extra;
    TS_TRY(call_method0(S, v, "extra_repr", sp, &extra));
    StrBuf ex;
    sb_init(&ex);
    pv_str_of(&ex, extra, false);
    pv_drop(extra);
    int nc = o->modules.names.len;
    char **reprs = ts_xmalloc(sizeof(char *) * (size_t)(nc + 1));
    ts_status st = TS_OK;
    int done = 0;
    for (; done < nc && st == TS_OK; done++) {
        StrBuf c;
        sb_init(&c);
        st = str_of(S, &c, o->modules.vals.data[done], true, sp);
        reprs[done] = sb_steal(&c);
    }
    if (st == TS_OK)
        module_layout(sb, o->cls->name, sb_cstr(&ex), (const char *const *)o->modules.names.data,
                      (const char *const *)reprs, nc);
    for (int i = 0; i < done; i++) ts_free(reprs[i]);
    ts_free(reprs);
    sb_free(&ex);
    return st;
}

/* The class name PyTorch shows as original_name: the qualified name's last part. */
static const char *original_name(const ClassType *c) { return c->name; }

/* RecursiveScriptModule(original_name=X ...); a traced module shows its original names instead. */
static void script_module_repr(StrBuf *sb, const Object *obj, bool traced) {
    const ClassType *c = obj->cls;
    VEC(const char *) names = {0};
    VEC(char *) reprs = {0};
    for (int i = 0; i < c->attrs.len && i < obj->nslots; i++) {
        IValue s = obj->slots[i];
        if (s.kind != IV_OBJECT || s.u.obj->cls->kind != CK_MODULE) continue;
        StrBuf r;
        sb_init(&r);
        script_module_repr(&r, s.u.obj, traced);
        vec_push(&names, c->attrs.data[i].name);
        vec_push(&reprs, sb_steal(&r));
    }
    StrBuf extra;
    sb_init(&extra);
    sb_printf(&extra, "original_name=%s", original_name(c));
    module_layout(sb, traced ? original_name(c) : "RecursiveScriptModule", sb_cstr(&extra), names.data,
                  (const char *const *)reprs.data, names.len);
    for (int i = 0; i < reprs.len; i++) ts_free(reprs.data[i]);
    vec_free(&names);
    vec_free(&reprs);
    sb_free(&extra);
}

static ts_status str_of(Py *S, StrBuf *sb, PV v, bool repr, const Span *sp) {
    switch (v.k) {
    case P_TENSOR:
        if (v.param) sb_puts(sb, "Parameter containing:\n");
        pv_str_of(sb, v, repr);
        return TS_OK;
    case P_LIST:
    case P_TUPLE:
        if (v.k == P_TUPLE && ((PObj *)v.p)->mname && strcmp(((PObj *)v.p)->mname, "torch.Size") == 0) {
            sb_puts(sb, "torch.Size([");
            for (int i = 0; i < pv_len(v); i++) {
                if (i) sb_puts(sb, ", ");
                TS_TRY(str_of(S, sb, pv_items(v)[i], true, sp));
            }
            sb_puts(sb, "])");
            return TS_OK;
        }
        sb_putc(sb, v.k == P_LIST ? '[' : '(');
        for (int i = 0; i < pv_len(v); i++) {
            if (i) sb_puts(sb, ", ");
            TS_TRY(str_of(S, sb, pv_items(v)[i], true, sp));
        }
        if (v.k == P_TUPLE && pv_len(v) == 1) sb_putc(sb, ',');
        sb_putc(sb, v.k == P_LIST ? ']' : ')');
        return TS_OK;
    case P_DICT: {
        PObj *d = v.p;
        sb_putc(sb, '{');
        for (int i = 0; i < d->items.len; i++) {
            if (i) sb_puts(sb, ", ");
            TS_TRY(str_of(S, sb, d->items.data[i], true, sp));
            sb_puts(sb, ": ");
            TS_TRY(str_of(S, sb, d->vals.data[i], true, sp));
        }
        sb_putc(sb, '}');
        return TS_OK;
    }
    case P_INST: {
        PObj *o = v.p;
        PClass *where = NULL;
        const char *dunder = repr ? "__repr__" : "__str__";
        PFunc *f = py_class_find_method(o->cls, dunder, &where);
        if (!f && !repr) f = py_class_find_method(o->cls, dunder = "__repr__", &where);
        if (f) {
            PV r;
            TS_TRY(call_method0(S, v, dunder, sp, &r));
            pv_str_of(sb, r, false);
            pv_drop(r);
            return TS_OK;
        }
        if (o->is_module) return eager_module_repr(S, sb, v, sp);
        sb_printf(sb, "<__main__.%s object>", o->cls->name);
        return TS_OK;
    }
    case P_SCRIPT: {
        PObj *o = v.p;
        if (o->sfn) sb_printf(sb, "<torch.jit.ScriptFunction object at %p>", (void *)o);
        else if (o->mname) sb_printf(sb, "<bound method %s of ScriptModule>", o->mname);
        else script_module_repr(sb, o->sobj.u.obj, o->module_init);
        return TS_OK;
    }
    case P_CLASS: {
        PClass *c = v.p;
        sb_printf(sb, "<class '%s.%s'>", c->mod ? c->mod->pyname : "torch.nn.modules.module", c->name);
        return TS_OK;
    }
    default: pv_str_of(sb, v, repr); return TS_OK;
    }
}

static ts_status exec_print(Py *S, PV *args, int nargs, const char **kwn, PV *kwv, int nkw, const Span *sp) {
    const char *sep = " ", *end = "\n";
    for (int i = 0; i < nkw; i++) {
        if (strcmp(kwn[i], "sep") == 0 || strcmp(kwn[i], "end") == 0) {
            if (kwv[i].k != P_STR && kwv[i].k != P_NONE)
                return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s must be None or a string, not %s", kwn[i],
                               pv_type_name(kwv[i]));
            if (kwv[i].k == P_STR) *(kwn[i][0] == 's' ? &sep : &end) = kwv[i].iv.u.s->data;
        } else if (strcmp(kwn[i], "flush") != 0) {
            return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp, "print(%s=...) is not supported by tscript exec", kwn[i]);
        }
    }
    StrBuf sb;
    sb_init(&sb);
    ts_status st = TS_OK;
    for (int i = 0; i < nargs && st == TS_OK; i++) {
        if (i) sb_puts(&sb, sep);
        st = str_of(S, &sb, args[i], false, sp);
    }
    if (st == TS_OK) {
        sb_puts(&sb, end);
        if (S->ctx->print) S->ctx->print(S->ctx->print_ud, sb_cstr(&sb));
        else {
            fwrite(sb_cstr(&sb), 1, sb.len, stdout);
            fflush(stdout);
        }
    }
    sb_free(&sb);
    return st;
}

/* ---- compiled values ---- */

static PV script_value(Module *m, IValue obj_steal, bool traced) {
    PObj *o = pobj_new(P_SCRIPT);
    o->smod = m;
    o->sobj = obj_steal;
    o->module_init = traced; /* P_SCRIPT: a traced module (prints its original names) */
    return pv_obj_steal(o);
}

/* The compiled module of an evaluator instance: its own Module on the session's unit. */
static ts_status script_instance(Py *S, PV inst, const Span *sp, PV *out) {
    IValue obj;
    ts_status st = script_session_object(S->exec->ss, inst, &obj);
    if (st != TS_OK) {
        ts_prefix_error(S->ctx, "torch.jit.script: ");
        return st;
    }
    TS_UNUSED(sp);
    Module *m = module_new(S->u, iv_dup(obj), S->exec->path);
    *out = script_value(m, obj, false);
    return TS_OK;
}

ts_status pyexec_script_class_instance(Py *S, PV *inst, const Span *sp) {
    PV r;
    TS_TRY(script_instance(S, *inst, sp, &r));
    pv_drop(*inst);
    *inst = r;
    return TS_OK;
}

ts_status pyexec_script_function(Py *S, PFunc *f, const Span *sp, PV *out) {
    Function *fn;
    TS_TRY(script_session_function(S->exec->ss, f, sp, &fn));
    fn->user_scripted = true;
    PObj *o = pobj_new(P_SCRIPT);
    o->sfn = fn;
    o->smod = module_new(S->u, iv_none(), S->exec->path);
    *out = pv_obj_steal(o);
    return TS_OK;
}

static ts_status to_ivs(Py *S, PV *args, int nargs, const Span *sp, IValue *iv) {
    for (int i = 0; i < nargs; i++) {
        ts_status st = pv_to_iv(S, args[i], sp, &iv[i]);
        if (st != TS_OK) {
            for (int k = 0; k < i; k++) iv_release(iv[k]);
            return st;
        }
    }
    return TS_OK;
}

ts_status pyexec_call_script(Py *S, PV f, PV *args, int nargs, const char **kwn, PV *kwv, int nkw, const Span *sp,
                             PV *out) {
    TS_UNUSED(kwn);
    TS_UNUSED(kwv);
    PObj *o = f.p;
    if (nkw) return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp, "keyword arguments to a compiled module or function are not supported by tscript exec");
    Function *fn = o->sfn;
    int self = 0;
    if (!fn) {
        const char *name = o->mname ? o->mname : "forward";
        fn = class_method(o->sobj.u.obj->cls, name);
        if (!fn) return ts_fail(S->ctx, TS_ERR_NOT_FOUND, sp, "AttributeError: the compiled module has no method '%s'", name);
        self = 1;
    }
    IValue *iv = ts_xmalloc(sizeof(IValue) * (size_t)(nargs + 1));
    if (self) iv[0] = iv_dup(o->sobj);
    ts_status st = to_ivs(S, args, nargs, sp, iv + self);
    if (st != TS_OK) {
        if (self) iv_release(iv[0]);
        ts_free(iv);
        return st;
    }
    IValue r = iv_none();
    st = interp_call(S->ctx, fn, iv, nargs + self, &r);
    for (int i = 0; i < nargs + self; i++) iv_release(iv[i]);
    ts_free(iv);
    if (st != TS_OK) return st;
    *out = pv_from_iv(r);
    iv_release(r);
    return TS_OK;
}

static Function *script_fn_of(PObj *o) {
    if (o->sfn) return o->sfn;
    return class_method(o->sobj.u.obj->cls, o->mname ? o->mname : "forward");
}

ts_status pyexec_script_attr(Py *S, PV obj, const char *name, const Span *sp, PV *out) {
    PObj *o = obj.p;
    Ctx *ctx = S->ctx;
    if (strcmp(name, "code") == 0) {
        Function *fn = script_fn_of(o);
        if (!fn) return ts_fail(ctx, TS_ERR_NOT_FOUND, sp, "AttributeError: the module has no forward");
        StrBuf sb;
        sb_init(&sb);
        CodeFiles consts;
        code_files_init(&consts);
        ts_status st = code_print_function(ctx, fn, CODE_PRINT_BARE_SELF, &consts, &sb);
        code_files_free(&consts);
        if (st == TS_OK) *out = pv_str(sb_cstr(&sb), sb.len);
        sb_free(&sb);
        return st;
    }
    if (strcmp(name, "graph") == 0) {
        Function *fn = script_fn_of(o);
        if (!fn || !fn->graph) return ts_fail(ctx, TS_ERR_NOT_FOUND, sp, "AttributeError: the module has no forward graph");
        StrBuf sb;
        sb_init(&sb);
        graph_print(&sb, fn->graph);
        *out = pv_str(sb_cstr(&sb), sb.len);
        sb_free(&sb);
        return TS_OK;
    }
    if (o->sfn || o->mname)
        return ts_fail(ctx, TS_ERR_NOT_FOUND, sp, "AttributeError: '%s' has no attribute '%s'", pv_type_name(obj), name);
    Object *ob = o->sobj.u.obj;
    const ClassType *c = ob->cls;
    for (int i = 0; i < c->attrs.len && i < ob->nslots; i++) {
        if (strcmp(c->attrs.data[i].name, name) != 0) continue;
        IValue s = ob->slots[i];
        if (s.kind == IV_OBJECT && s.u.obj->cls->kind == CK_MODULE) {
            *out = script_value(module_retain(o->smod), iv_dup(s), o->module_init);
            return TS_OK;
        }
        *out = pv_from_iv(s);
        if (c->attrs.data[i].is_param && out->k == P_TENSOR) out->param = true;
        return TS_OK;
    }
    if (class_method(c, name)) {
        PObj *b = pobj_new(P_SCRIPT);
        b->smod = module_retain(o->smod);
        b->sobj = iv_dup(o->sobj);
        b->mname = arena_strdup(&S->arena, name);
        *out = pv_obj_steal(b);
        return TS_OK;
    }
    return ts_fail(ctx, TS_ERR_NOT_FOUND, sp, "AttributeError: '%s' object has no attribute '%s'",
                   o->module_init ? original_name(c) : "RecursiveScriptModule", name);
}

/* ---- torch.jit ---- */

/* PyTorch's type names for the message of an input trace refuses. */
static void py_type_str(StrBuf *sb, PV v) {
    switch (v.k) {
    case P_TENSOR: sb_puts(sb, "Tensor"); return;
    case P_TUPLE:
    case P_LIST:
        sb_puts(sb, v.k == P_TUPLE ? "Tuple[" : "List[");
        for (int i = 0; i < pv_len(v); i++) {
            if (i && v.k == P_LIST) break;
            if (i) sb_puts(sb, ", ");
            py_type_str(sb, pv_items(v)[i]);
        }
        sb_puts(sb, "]");
        return;
    case P_DICT: sb_puts(sb, "Dict"); return;
    default: sb_puts(sb, pv_type_name(v)); return;
    }
}

static bool traceable(PV v) {
    if (v.k == P_TENSOR) return true;
    if (pv_is_seq(v)) {
        for (int i = 0; i < pv_len(v); i++)
            if (!traceable(pv_items(v)[i])) return false;
        return true;
    }
    if (v.k == P_DICT) {
        PObj *d = v.p;
        for (int i = 0; i < d->vals.len; i++)
            if (!traceable(d->vals.data[i])) return false;
        return true;
    }
    return false;
}

static ts_status jit_trace(Py *S, PV *args, int nargs, const char **kwn, PV *kwv, int nkw, const Span *sp, PV *out) {
    Ctx *ctx = S->ctx;
    PV ex = nargs > 1 ? args[1] : pv_none();
    bool have_ex = nargs > 1;
    bool strict = true;
    for (int i = 0; i < nkw; i++) {
        if (strcmp(kwn[i], "example_inputs") == 0) ex = kwv[i], have_ex = true;
        else if (strcmp(kwn[i], "strict") == 0) strict = pv_truthy(kwv[i]);
        else if (strcmp(kwn[i], "check_trace") != 0)
            return ts_fail(ctx, TS_ERR_UNSUPPORTED, sp, "torch.jit.trace(%s=...) is not supported by tscript exec", kwn[i]);
    }
    if (nargs < 1 || !have_ex) return ts_fail(ctx, TS_ERR_TYPE, sp, "TypeError: torch.jit.trace() needs a module or function and example inputs");
    /* the inputs are a tuple of positional arguments; anything else is one argument */
    PV inputs = ex;
    if (ex.k != P_TUPLE) {
        inputs = pv_tuple_new();
        pv_seq_push_steal(inputs, pv_dup(ex));
    } else {
        inputs = pv_dup(ex);
    }
    ts_status st = TS_OK;
    if (!traceable(inputs)) {
        StrBuf t;
        sb_init(&t);
        py_type_str(&t, inputs);
        st = ts_fail(ctx, TS_ERR_TYPE, sp,
                     "RuntimeError: Type '%s' cannot be traced. Only Tensors and (possibly nested) Lists, Dicts, and "
                     "Tuples of Tensors can be traced",
                     sb_cstr(&t));
        sb_free(&t);
        pv_drop(inputs);
        return st;
    }
    PV target = args[0];
    PV compiled = pv_none();
    if (target.k == P_INST && ((PObj *)target.p)->is_module) st = script_instance(S, target, sp, &compiled);
    else if (target.k == P_FUNC) st = pyexec_script_function(S, target.p, sp, &compiled);
    else if (target.k == P_SCRIPT) compiled = pv_dup(target);
    else st = ts_fail(ctx, TS_ERR_TYPE, sp, "TypeError: torch.jit.trace() traces an nn.Module or a function, not %s", pv_type_name(target));
    int n = pv_len(inputs);
    IValue *iv = ts_xmalloc(sizeof(IValue) * (size_t)(n + 1));
    if (st == TS_OK) st = to_ivs(S, pv_items(inputs), n, sp, iv);
    else n = 0;
    if (st != TS_OK) n = 0;
    Module *tm = NULL;
    if (st == TS_OK) {
        TraceOptions opt;
        trace_options_default(&opt);
        opt.strict = strict;
        opt.grad_enabled = ctx->grad_names; /* off inside torch.no_grad() */
        PObj *c = compiled.p;
        if (c->sfn) {
            st = trace_function(ctx, c->smod->unit, c->sfn, iv, n, &opt, &tm);
        } else {
            Module *root = module_new(c->sobj.u.obj->cls->unit, iv_dup(c->sobj), S->exec->path);
            st = trace_module(ctx, root, NULL, iv, n, &opt, &tm);
            module_release(root);
        }
    }
    for (int i = 0; i < n; i++) iv_release(iv[i]);
    ts_free(iv);
    pv_drop(compiled);
    pv_drop(inputs);
    if (st != TS_OK) return st;
    tm->root.u.obj->cls->user_scripted = true; /* compiled code: a later trace keeps calls of it */
    *out = script_value(tm, iv_dup(tm->root), true);
    return TS_OK;
}

static ts_status jit_save(Py *S, PV *args, int nargs, const Span *sp) {
    if (nargs != 2 || args[0].k != P_SCRIPT || args[1].k != P_STR)
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: torch.jit.save(m, f) needs a compiled module and a file name");
    PObj *o = args[0].p;
    if (o->sfn || o->mname) return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp, "torch.jit.save of a compiled function is not supported by tscript exec");
    Module *m = module_new(o->sobj.u.obj->cls->unit, iv_dup(o->sobj), args[1].iv.u.s->data);
    ts_status st = archive_save(S->ctx, m, args[1].iv.u.s->data);
    module_release(m);
    return st;
}

static ts_status jit_load(Py *S, PV *args, int nargs, const Span *sp, PV *out) {
    if (nargs < 1 || args[0].k != P_STR) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: torch.jit.load(f) needs a file name");
    Module *m;
    TS_TRY(archive_load(S->ctx, args[0].iv.u.s->data, &m));
    *out = script_value(m, iv_dup(m->root), false);
    return TS_OK;
}

static ts_status jit_script(Py *S, PV *args, int nargs, const Span *sp, PV *out) {
    if (nargs != 1) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: torch.jit.script() takes one module or function");
    PV v = args[0];
    if (v.k == P_INST && ((PObj *)v.p)->is_module) {
        TS_TRY(script_instance(S, v, sp, out));
        /* a trace of a module holding it keeps calls of its methods (trace/trace.h) */
        ((PObj *)out->p)->sobj.u.obj->cls->user_scripted = true;
        return TS_OK;
    }
    if (v.k == P_FUNC) return pyexec_script_function(S, v.p, sp, out);
    if (v.k == P_SCRIPT) { *out = pv_dup(v); return TS_OK; }
    if (v.k == P_CLASS && ((PClass *)v.p)->is_module) {
        /* @torch.jit.script on an nn.Module class: def_class warned; instances are scripted */
        ((PClass *)v.p)->jit_script = true;
        *out = pv_dup(v);
        return TS_OK;
    }
    return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp, "torch.jit.script of a %s is not supported by tscript exec", pv_type_name(v));
}

/* ---- natives ---- */

ts_status pyexec_builtin(Py *S, const char *name, PV *self, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                         const Span *sp, PV *out, bool *handled) {
    *handled = true;
    Ctx *ctx = S->ctx;
    if (self) {
        if (strcmp(name, "tensor.size") == 0 && nargs == 0 && nkw == 0 && self->k == P_TENSOR) {
            /* x.size() is a torch.Size, as x.shape */
            return py_getattr(S, *self, "shape", sp, out);
        }
        *handled = false;
        return TS_OK;
    }
    if (strcmp(name, "print") == 0) return exec_print(S, args, nargs, kwn, kwv, nkw, sp);
    if (strcmp(name, "torch.manual_seed") == 0) {
        if (nargs != 1 || (args[0].k != P_INT && args[0].k != P_BOOL))
            return ts_fail(ctx, TS_ERR_TYPE, sp, "TypeError: torch.manual_seed() needs an int seed");
        return ctx_manual_seed(ctx, (uint64_t)args[0].iv.u.i);
    }
    if (strcmp(name, "torch.initial_seed") == 0) {
        *out = pv_int((int64_t)ctx_generator(ctx)->seed);
        return TS_OK;
    }
    if (strcmp(name, "torch.jit.script") == 0) return jit_script(S, args, nargs, sp, out);
    if (strcmp(name, "torch.jit.trace") == 0) return jit_trace(S, args, nargs, kwn, kwv, nkw, sp, out);
    if (strcmp(name, "torch.jit.save") == 0) return jit_save(S, args, nargs, sp);
    if (strcmp(name, "torch.jit.load") == 0) return jit_load(S, args, nargs, sp, out);
    if (strcmp(name, "repr") == 0 || strcmp(name, "str") == 0) {
        if (nargs != 1) return ts_fail(ctx, TS_ERR_TYPE, sp, "TypeError: %s() takes one argument", name);
        StrBuf sb;
        sb_init(&sb);
        ts_status st = str_of(S, &sb, args[0], name[0] == 'r', sp);
        if (st == TS_OK) *out = pv_str(sb_cstr(&sb), sb.len);
        sb_free(&sb);
        return st;
    }
    if (strcmp(name, "Parameter") == 0) {
        *handled = false;
        for (int i = 0; i < nargs; i++)
            if (args[i].k == P_TENSOR) args[i].iv.u.t->requires_grad = true;
        return TS_OK;
    }
    *handled = false;
    return TS_OK;
}

/* ---- the entry ---- */

static uint64_t fresh_seed(void) {
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20);
    }
    return s;
}

ts_status pyexec_sys_attr(Py *S, const char *name, const Span *sp, PV *out) {
    if (strcmp(name, "argv") == 0) {
        *out = pv_list_new();
        pv_seq_push_steal(*out, pv_cstr(S->exec->path));
        for (int i = 0; i < S->exec->argc; i++) pv_seq_push_steal(*out, pv_cstr(S->exec->argv[i]));
        return TS_OK;
    }
    return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp, "sys.%s is not supported by tscript exec (sys.argv is)", name);
}

ts_status pyexec_run(Ctx *ctx, const char *path, int argc, char *const *argv, const uint64_t *seed) {
    TS_TRY(ctx_manual_seed(ctx, seed ? *seed : fresh_seed()));
    Unit *u = unit_new(NULL, NULL);
    u->from_source = true;
    u->version = 10;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? arena_strndup(&u->arena, path, (size_t)(slash - path)) : ".";
    Py *S = py_new(ctx, u, dir);
    struct PyExec E;
    memset(&E, 0, sizeof E);
    E.path = path;
    E.argc = argc;
    E.argv = argv;
    E.ss = script_session_new(S);
    S->exec = &E;
    bool grad = ctx->grad_names;
    ctx->grad_names = true;
    PMod *m = NULL;
    ts_status st = py_load_main(S, path, &m);
    ctx->grad_names = grad;
    if (S->warnings.len) sb_puts(&ctx->notes, sb_cstr(&S->warnings));
    script_session_free(E.ss);
    /* the session's unit may borrow from a trace that borrows from it: break the cycle */
    unit_drop_deps(u);
    py_free(S);
    unit_release(u);
    return st;
}
