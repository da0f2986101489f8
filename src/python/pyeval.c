/*
 * pyeval.c - the Python-subset evaluator: module-level code, class bodies,
 * function calls with Python's argument binding, statements and
 * expressions, imports of nnlib, native and sibling modules.
 *
 * It runs what model constructors are written in: assignments and
 * unpacking, if/for/while (polled for the context's deadline at every
 * back-edge and call), comprehensions, *args and **kwargs, defaults, classes
 * with single or multiple inheritance, super(), raise and assert. Anything else
 * fails naming the construct and its place (`model.py:12:9: error: ...`).
 * Frames hold borrowed pointers to their module; values are owned (py.h).
 */
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>

#include "frontend/parser.h"
#include "python/py.h"
#include "python/pyexec.h"

typedef enum Flow { FL_NORMAL, FL_RETURN, FL_BREAK, FL_CONTINUE } Flow;

typedef struct Frame {
    struct Frame *parent; /* enclosing function scope of a comprehension */
    PMap own;
    PMap *vars;           /* &own, a module's globals, or a class body's dict */
    PMod *mod;
    PFunc *fn;
    PClass *cls_body;     /* the class whose body is running */
    PV self;              /* first argument of a method (borrowed), for super() */
    PV handling;          /* the exception an `except` block of this frame is handling (borrowed), for `raise` */
} Frame;

enum { MAX_PY_DEPTH = 200 };

static ts_status eval(Py *S, Frame *F, const Ast *e, PV *out);
static ts_status exec_block(Py *S, Frame *F, const AstList *body, Flow *flow, PV *ret);

static ts_status unsupported(Py *S, const Ast *n, const char *what) {
    if (S->exec)
        return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, &n->span,
                       "%s is not supported by tscript exec (it runs the Python subset of docs/cli.md)", what);
    return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, &n->span,
                   "%s is not supported by tscript's Python evaluator (it runs module-level code and __init__)", what);
}

/* The parameters of a def or a lambda. */
static const AstList *func_params(const Ast *def) {
    return def->kind == AST_LAMBDA ? &def->lambda.params : &def->funcdef.params;
}

/* ---- session ---- */

Py *py_new(Ctx *ctx, Unit *u, const char *dir) {
    Py *S = ts_xmalloc(sizeof *S);
    memset(S, 0, sizeof *S);
    S->ctx = ctx;
    S->u = u;
    arena_init(&S->arena);
    S->dir = arena_strdup(&S->arena, dir ? dir : ".");
    sb_init(&S->warnings);
    PClass *m = arena_new(&S->arena, PClass);
    memset(m, 0, sizeof *m);
    m->name = "Module";
    m->native_module = true;
    m->is_module = true;
    S->module_cls = m;
    vec_push(&S->classes, m);
    return S;
}

void py_free(Py *S) {
    if (!S) return;
    for (int i = 0; i < S->mods.len; i++) {
        pmap_free(&S->mods.data[i]->globals);
        vec_free(&S->mods.data[i]->overloads);
    }
    for (int i = 0; i < S->classes.len; i++) {
        pmap_free(&S->classes.data[i]->dict);
        vec_free(&S->classes.data[i]->bases);
        vec_free(&S->classes.data[i]->method_overloads);
    }
    for (int i = 0; i < S->funcs.len; i++) {
        PFunc *f = S->funcs.data[i];
        int n = f->def ? func_params(f->def)->len : 0;
        for (int k = 0; k < n; k++) pv_drop(f->defaults[k]);
        ts_free(f->defaults);
        if (f->closure) {
            pmap_free(f->closure);
            ts_free(f->closure);
        }
    }
    vec_free(&S->mods);
    vec_free(&S->classes);
    vec_free(&S->funcs);
    sb_free(&S->warnings);
    arena_free(&S->arena);
    ts_free(S);
}

PMod *py_mod_of_source(Py *S, const Source *src) {
    for (int i = 0; i < S->mods.len; i++)
        if (S->mods.data[i]->src == src) return S->mods.data[i];
    return NULL;
}

/* ---- classes ---- */

static void mro_add(PClass *c, PClass **out, int *n, int cap) {
    for (int i = 0; i < *n; i++)
        if (out[i] == c) return;
    if (*n < cap) out[(*n)++] = c;
    for (int i = 0; i < c->bases.len; i++) mro_add(c->bases.data[i], out, n, cap);
}

static int class_mro(PClass *c, PClass **out, int cap) {
    int n = 0;
    mro_add(c, out, &n, cap);
    /* the native Module goes last, after every Python class */
    for (int i = 0; i < n; i++)
        if (out[i]->native_module && i + 1 < n) {
            PClass *m = out[i];
            memmove(&out[i], &out[i + 1], sizeof(PClass *) * (size_t)(n - i - 1));
            out[n - 1] = m;
            break;
        }
    return n;
}

bool py_class_is_module(PClass *c) { return c->is_module; }

static PV *class_lookup(PClass *c, const char *name, PClass **where, PClass *after) {
    PClass *mro[64];
    int n = class_mro(c, mro, 64);
    int i = 0;
    if (after) {
        while (i < n && mro[i] != after) i++;
        i++;
    }
    for (; i < n; i++) {
        PV *v = pmap_get(&mro[i]->dict, name);
        if (v) {
            if (where) *where = mro[i];
            return v;
        }
    }
    return NULL;
}

PFunc *py_class_find_method(PClass *c, const char *name, PClass **where) {
    PV *v = class_lookup(c, name, where, NULL);
    return v && v->k == P_FUNC ? v->p : NULL;
}

/* ---- names ---- */

static const char *const BUILTIN_NAMES[] = {
    "range", "len", "int", "float", "bool", "str", "list", "tuple", "dict", "isinstance", "min", "max", "abs",
    "sum", "enumerate", "zip", "print", "super", "getattr", "setattr", "hasattr", "round", "sorted", "reversed",
    "any", "all", "iter", "type", "issubclass", "callable", "divmod", "map", "filter", "set", "id", "pow",
    "ValueError", "TypeError", "RuntimeError", "NotImplementedError", "AssertionError", "KeyError",
    "IndexError", "AttributeError", "Exception", "object", "hash", "ord", "chr", "repr", "LookupError",
    "ZeroDivisionError", "NameError", "BaseException", "format",
};

static ts_status lookup(Py *S, Frame *F, const Ast *e, PV *out) {
    const char *n = e->name.id;
    for (Frame *f = F; f; f = f->parent) {
        PV *v = pmap_get(f->vars, n);
        if (v) {
            *out = pv_dup(*v);
            return TS_OK;
        }
    }
    PV *g = pmap_get(&F->mod->globals, n);
    if (g) {
        *out = pv_dup(*g);
        return TS_OK;
    }
    if (strcmp(n, "__name__") == 0) {
        *out = pv_cstr(F->mod->pyname);
        return TS_OK;
    }
    for (size_t i = 0; i < TS_ARRAY_LEN(BUILTIN_NAMES); i++)
        if (strcmp(BUILTIN_NAMES[i], n) == 0) {
            *out = pv_ptr(P_BUILTIN, (void *)BUILTIN_NAMES[i]);
            return TS_OK;
        }
    return ts_fail(S->ctx, TS_ERR_NOT_FOUND, &e->span, "NameError: name '%s' is not defined", n);
}

/* ---- imports ---- */

static const char *const NATIVE_MODULES[] = {
    "torch", "math", "typing", "collections", "numbers", "warnings", "torch.jit", "torch.nn.modules.module",
    "torch.nn.parameter", "typing_extensions", "functools", "itertools", "copy", "torch.jit.annotations",
    "torch._jit_internal", "torch._C", "torch._C._nn", "torch._VF", "torch.types", "sys", "torch.linalg",
    "torch.fft",
};

static PMod *find_mod(Py *S, const char *pyname) {
    for (int i = 0; i < S->mods.len; i++)
        if (strcmp(S->mods.data[i]->pyname, pyname) == 0) return S->mods.data[i];
    return NULL;
}

static PMod *new_mod(Py *S, const char *pyname) {
    PMod *m = arena_new(&S->arena, PMod);
    memset(m, 0, sizeof *m);
    m->pyname = arena_strdup(&S->arena, pyname);
    m->qualifier = arena_printf(&S->arena, "__torch__.%s", pyname);
    vec_push(&S->mods, m);
    return m;
}

static ts_status run_module_as(Py *S, PMod *m, const char *name, const char *text, size_t len, bool python) {
    Source *src = source_new(name, text, len);
    vec_push(&S->u->sources, src);
    m->src = src;
    if (python) TS_TRY(parse_file_python(S->ctx, &S->u->arena, src, &m->ast));
    else TS_TRY(parse_file(S->ctx, &S->u->arena, src, &m->ast));
    unit_add_file(S->u, m->qualifier, m->ast);
    Frame F;
    memset(&F, 0, sizeof F);
    F.vars = &m->globals;
    F.mod = m;
    F.self = pv_none();
    Flow flow = FL_NORMAL;
    PV ret = pv_none();
    m->loading = true;
    ts_status st = exec_block(S, &F, &m->ast->body, &flow, &ret);
    m->loading = false;
    pv_drop(ret);
    return st;
}

static ts_status run_module(Py *S, PMod *m, const char *name, const char *text, size_t len) {
    return run_module_as(S, m, name, text, len, false);
}

/* A model source is a regular file of at most this many bytes: a FIFO or a
 * device (model.py -> /dev/zero) could block or never end. */
enum { MAX_SOURCE_BYTES = 64 << 20 };

/* The text of a source file, or NULL with the reason in why. */
static char *read_file_text(const char *path, size_t *len, const char **why) {
    FILE *f = fopen(path, "rb");
    *why = "cannot read the file";
    if (!f) return NULL;
    struct stat stt;
    if (fstat(fileno(f), &stt) != 0 || !S_ISREG(stt.st_mode) || stt.st_size > MAX_SOURCE_BYTES) {
        *why = fstat(fileno(f), &stt) != 0 ? "cannot read the file"
             : S_ISDIR(stt.st_mode)       ? "is a directory, not a Python source file"
             : !S_ISREG(stt.st_mode)      ? "is not a regular file (a FIFO or a device): give the path of a .py file"
                                          : "is larger than 64 MiB: not a model source";
        fclose(f);
        return NULL;
    }
    StrBuf sb;
    sb_init(&sb);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && sb.len <= MAX_SOURCE_BYTES) sb_putn(&sb, buf, n);
    bool failed = ferror(f) || sb.len > MAX_SOURCE_BYTES;
    fclose(f);
    if (failed) {
        *why = sb.len > MAX_SOURCE_BYTES ? "is larger than 64 MiB: not a model source" : "cannot read the file";
        sb_free(&sb);
        return NULL;
    }
    *len = sb.len;
    if (!sb.data) sb_puts(&sb, "");
    return sb_steal(&sb);
}

ts_status py_load_file(Py *S, const char *path, const char *pyname, PMod **out) {
    size_t len = 0;
    const char *why;
    char *text = read_file_text(path, &len, &why);
    if (!text) return ts_fail(S->ctx, TS_ERR_IO, NULL, "%s: %s", path, why);
    PMod *m = new_mod(S, pyname);
    ts_status st = run_module(S, m, path, text, len);
    ts_free(text);
    *out = m;
    return st;
}

ts_status py_load_main(Py *S, const char *path, PMod **out) {
    size_t len = 0;
    const char *why;
    char *text = read_file_text(path, &len, &why);
    if (!text) return ts_fail(S->ctx, TS_ERR_IO, NULL, "%s: %s", path, why);
    PMod *m = new_mod(S, "__main__");
    m->qualifier = "__torch__"; /* PyTorch names the classes of __main__ __torch__.Name */
    *out = m;
    ts_status st = run_module_as(S, m, path, text, len, true);
    ts_free(text);
    return st;
}

ts_status py_import(Py *S, const char *pyname, const Span *sp, PMod **out) {
    PMod *m = find_mod(S, pyname);
    if (m) {
        *out = m;
        return TS_OK;
    }
    for (size_t i = 0; i < TS_ARRAY_LEN(NATIVE_MODULES); i++)
        if (strcmp(NATIVE_MODULES[i], pyname) == 0) {
            m = new_mod(S, pyname);
            m->native = NATIVE_MODULES[i];
            *out = m;
            return TS_OK;
        }
    StrBuf path;
    sb_init(&path);
    for (const char *p = pyname; *p; p++) sb_putc(&path, *p == '.' ? '/' : *p);
    size_t base = path.len;
    sb_puts(&path, ".py");
    const char *text = nnlib_source(sb_cstr(&path));
    if (!text) {
        path.len = base;
        path.data[base] = 0;
        sb_puts(&path, "/__init__.py");
        text = nnlib_source(sb_cstr(&path));
    }
    ts_status st = TS_OK;
    if (text) {
        char *name = arena_printf(&S->arena, "<nnlib>/%s", sb_cstr(&path));
        m = new_mod(S, pyname);
        st = run_module(S, m, name, text, strlen(text));
        *out = m;
    } else if (strncmp(pyname, "torch", 5) != 0) {
        sb_clear(&path);
        sb_printf(&path, "%s/", S->dir);
        for (const char *p = pyname; *p; p++) sb_putc(&path, *p == '.' ? '/' : *p);
        sb_puts(&path, ".py");
        struct stat stt;
        if (stat(sb_cstr(&path), &stt) == 0) st = py_load_file(S, sb_cstr(&path), pyname, out);
        else text = NULL, st = TS_ERR_NOT_FOUND;
    } else {
        st = TS_ERR_NOT_FOUND;
    }
    sb_free(&path);
    if (st == TS_ERR_NOT_FOUND && !text)
        return ts_fail(S->ctx, TS_ERR_NOT_FOUND, sp,
                       "ModuleNotFoundError: no module named '%s' (tscript knows torch, torch.nn and its modules, "
                       "torch.nn.functional, torch.nn.init, math, typing, collections, and .py files beside the model)",
                       pyname);
    return st;
}

static ts_status import_binding(Py *S, Frame *F, const Ast *alias) {
    const char *name = alias->alias.name;
    PMod *m;
    TS_TRY(py_import(S, name, &alias->span, &m));
    if (alias->alias.asname) {
        pmap_set_steal(F->vars, alias->alias.asname, pv_ptr(P_MOD, m));
        return TS_OK;
    }
    /* `import a.b.c` binds `a`, and loads the packages on the way */
    const char *dot = strchr(name, '.');
    if (!dot) {
        pmap_set_steal(F->vars, name, pv_ptr(P_MOD, m));
        return TS_OK;
    }
    char *top = arena_strndup(&S->arena, name, (size_t)(dot - name));
    PMod *t;
    TS_TRY(py_import(S, top, &alias->span, &t));
    pmap_set_steal(F->vars, top, pv_ptr(P_MOD, t));
    return TS_OK;
}

static ts_status import_from(Py *S, Frame *F, const Ast *s) {
    const char *modname = s->importfrom.module;
    if (!modname) return unsupported(S, s, "`from . import ...`");
    PMod *m;
    TS_TRY(py_import(S, modname, &s->span, &m));
    for (int i = 0; i < s->importfrom.names.len; i++) {
        const Ast *a = s->importfrom.names.items[i];
        const char *n = a->alias.name;
        if (strcmp(n, "*") == 0) {
            for (int k = 0; k < m->globals.names.len; k++)
                if (m->globals.names.data[k][0] != '_')
                    pmap_set_steal(F->vars, m->globals.names.data[k], pv_dup(m->globals.vals.data[k]));
            continue;
        }
        PV v;
        ts_status st = py_getattr(S, pv_ptr(P_MOD, m), n, &a->span, &v);
        if (st != TS_OK) {
            /* a submodule: from torch.nn import functional */
            char *sub = arena_printf(&S->arena, "%s.%s", modname, n);
            PMod *sm;
            Ctx *ctx = S->ctx;
            ts_clear_error(ctx);
            TS_TRY(py_import(S, sub, &a->span, &sm));
            v = pv_ptr(P_MOD, sm);
        }
        pmap_set_steal(F->vars, a->alias.asname ? a->alias.asname : n, v);
    }
    return TS_OK;
}

/* ---- calls ---- */

static ts_status call_func(Py *S, PFunc *fn, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                           const Span *sp, PV *out) {
    const Ast *def = fn->def;
    const AstList *ps = func_params(def);
    Frame F, C;
    memset(&F, 0, sizeof F);
    F.vars = &F.own;
    F.mod = fn->mod;
    F.fn = fn;
    if (fn->closure) {
        /* a lambda sees the variables of the function that made it */
        memset(&C, 0, sizeof C);
        C.vars = fn->closure;
        C.mod = fn->mod;
        C.self = pv_none();
        F.parent = &C;
    }
    F.self = nargs > 0 ? args[0] : pv_none();
    ts_status st = TS_OK;
    int pos = 0, np = ps->len;
    bool *bound = ts_xmalloc(sizeof(bool) * (size_t)(np + 1));
    memset(bound, 0, sizeof(bool) * (size_t)(np + 1));
    int kwargs_i = -1;
    for (int i = 0; i < np; i++) {
        const Ast *p = ps->items[i];
        if (p->param.kind == PARAM_NORMAL || p->param.kind == PARAM_POSONLY) {
            if (pos < nargs) {
                pmap_set_steal(&F.own, p->param.name, pv_dup(args[pos++]));
                bound[i] = true;
            }
        } else if (p->param.kind == PARAM_VARARGS) {
            PV t = pv_tuple_new();
            while (pos < nargs) pv_seq_push_steal(t, pv_dup(args[pos++]));
            pmap_set_steal(&F.own, p->param.name, t);
            bound[i] = true;
        } else if (p->param.kind == PARAM_KWARGS) {
            kwargs_i = i;
            pmap_set_steal(&F.own, p->param.name, pv_obj_steal(pobj_new(P_DICT)));
            bound[i] = true;
        }
    }
    if (pos < nargs) {
        st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s() takes %d positional arguments but %d were given",
                     fn->name, pos, nargs);
        goto done;
    }
    for (int k = 0; k < nkw; k++) {
        int i;
        for (i = 0; i < np; i++) {
            const Ast *p = ps->items[i];
            if ((p->param.kind == PARAM_NORMAL || p->param.kind == PARAM_KWONLY) && strcmp(p->param.name, kwn[k]) == 0)
                break;
        }
        if (i < np) {
            if (bound[i]) {
                st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s() got multiple values for argument '%s'",
                             fn->name, kwn[k]);
                goto done;
            }
            pmap_set_steal(&F.own, kwn[k], pv_dup(kwv[k]));
            bound[i] = true;
        } else if (kwargs_i >= 0) {
            PV *d = pmap_get(&F.own, ps->items[kwargs_i]->param.name);
            pdict_set_steal(d->p, pv_cstr(kwn[k]), pv_dup(kwv[k]));
        } else {
            st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s() got an unexpected keyword argument '%s'", fn->name,
                         kwn[k]);
            goto done;
        }
    }
    for (int i = 0; i < np; i++) {
        if (bound[i]) continue;
        if (fn->defaults[i].k == P_MARK && !fn->defaults[i].p) {
            st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s() missing required argument '%s'", fn->name,
                         ps->items[i]->param.name);
            goto done;
        }
        pmap_set_steal(&F.own, ps->items[i]->param.name, pv_dup(fn->defaults[i]));
    }
    /* super() finds the class and the first argument */
    if (np > 0 && nargs > 0) F.self = *pmap_get(&F.own, ps->items[0]->param.name);
    {
        Flow flow = FL_NORMAL;
        PV ret = pv_none();
        if (def->kind == AST_LAMBDA) st = eval(S, &F, def->lambda.body, &ret);
        else st = exec_block(S, &F, &def->funcdef.body, &flow, &ret);
        if (st == TS_OK) *out = ret;
        else pv_drop(ret);
        if (st != TS_OK && st != TS_ERR_TIMEOUT && st != TS_ERR_CANCELLED && st != TS_ERR_NOMEM && sp->src)
            ts_add_frame(S->ctx, *sp, fn->name);
    }
done:
    ts_free(bound);
    pmap_free(&F.own);
    return st;
}

static ts_status instantiate(Py *S, PClass *c, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                             const Span *sp, PV *out) {
    PObj *o = pobj_new(P_INST);
    o->cls = c;
    o->is_module = c->is_module;
    PV self = pv_obj_steal(o);
    PClass *where = NULL;
    PV *init = class_lookup(c, "__init__", &where, NULL);
    ts_status st = TS_OK;
    PV r = pv_none();
    if (init && init->k == P_FUNC) {
        PV *full = ts_xmalloc(sizeof(PV) * (size_t)(nargs + 1));
        full[0] = self;
        for (int i = 0; i < nargs; i++) full[i + 1] = args[i];
        st = call_func(S, init->p, full, nargs + 1, kwn, kwv, nkw, sp, &r);
        ts_free(full);
    } else if (c->is_module) {
        st = py_call_builtin(S, "module.__init__", &self, args, nargs, kwn, kwv, nkw, sp, &r);
    } else if (nargs || nkw) {
        st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s() takes no arguments", c->name);
    }
    pv_drop(r);
    if (st != TS_OK) {
        pv_drop(self);
        return st;
    }
    *out = self;
    return TS_OK;
}

ts_status py_call(Py *S, PV f, PV *args, int nargs, const char **kwn, PV *kwv, int nkw, const Span *sp, PV *out) {
    *out = pv_none();
    TS_TRY(ctx_poll(S->ctx, sp));
    if (S->depth >= MAX_PY_DEPTH)
        return ts_fail(S->ctx, TS_ERR_RUNTIME, sp, "RecursionError: maximum recursion depth (%d) exceeded", MAX_PY_DEPTH);
    S->depth++;
    ts_status st;
    switch (f.k) {
    case P_FUNC: st = call_func(S, f.p, args, nargs, kwn, kwv, nkw, sp, out); break;
    case P_CLASS:
        st = instantiate(S, f.p, args, nargs, kwn, kwv, nkw, sp, out);
        /* exec: what the author of @torch.jit.script on an nn.Module class meant */
        if (st == TS_OK && S->exec && ((PClass *)f.p)->jit_script && ((PClass *)f.p)->is_module)
            st = pyexec_script_class_instance(S, out, sp);
        break;
    case P_BUILTIN: st = py_call_builtin(S, f.p, NULL, args, nargs, kwn, kwv, nkw, sp, out); break;
    case P_BOUND: {
        PObj *b = f.p;
        if (b->func.k == P_FUNC) {
            PV *full = ts_xmalloc(sizeof(PV) * (size_t)(nargs + 1));
            full[0] = b->self;
            for (int i = 0; i < nargs; i++) full[i + 1] = args[i];
            st = call_func(S, b->func.p, full, nargs + 1, kwn, kwv, nkw, sp, out);
            ts_free(full);
        } else {
            st = py_call_builtin(S, b->mname, &b->self, args, nargs, kwn, kwv, nkw, sp, out);
        }
        break;
    }
    case P_INST: {
        /* calling a module runs its forward; only plain Python would do it in __init__ */
        PV fwd;
        st = py_getattr(S, f, "forward", sp, &fwd);
        if (st == TS_OK) {
            st = py_call(S, fwd, args, nargs, kwn, kwv, nkw, sp, out);
            pv_drop(fwd);
        }
        break;
    }
    case P_SCRIPT: st = pyexec_call_script(S, f, args, nargs, kwn, kwv, nkw, sp, out); break;
    case P_MARK:
        if (f.p && strcmp(f.p, "no_grad") == 0) { st = TS_OK; break; }
        /* fallthrough */
    default: st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: '%s' object is not callable", pv_type_name(f)); break;
    }
    S->depth--;
    return st;
}

static PV bind(PV self, PV func, const char *mname) {
    PObj *b = pobj_new(P_BOUND);
    b->self = pv_dup(self);
    b->func = pv_dup(func);
    b->mname = mname;
    return pv_obj_steal(b);
}

static const char *const MODULE_METHODS[] = {
    "register_buffer", "register_parameter", "add_module", "register_module", "children", "named_children",
    "modules", "named_modules", "parameters", "named_parameters", "buffers", "named_buffers", "train", "eval",
    "apply", "__init__", "requires_grad_", "extra_repr", "_get_name", "forward", "__len__", "__getitem__",
    "state_dict", "zero_grad", "to", "float", "double", "cpu", "append", "extend", "insert", "items", "keys",
    "values", "update", "__iter__",
};

ts_status py_getattr(Py *S, PV obj, const char *name, const Span *sp, PV *out) {
    switch (obj.k) {
    case P_INST: {
        PObj *o = obj.p;
        PV *v = pmap_get(&o->dict, name);
        if (v) { *out = pv_dup(*v); return TS_OK; }
        if (o->is_module) {
            if ((v = pmap_get(&o->params, name)) || (v = pmap_get(&o->buffers, name)) ||
                (v = pmap_get(&o->modules, name))) {
                *out = pv_dup(*v);
                return TS_OK;
            }
        }
        PV *cv = class_lookup(o->cls, name, NULL, NULL);
        if (cv && cv->k == P_FUNC && (((PFunc *)cv->p)->flags & PF_PROPERTY))
            return py_call(S, *cv, &obj, 1, NULL, NULL, 0, sp, out);
        if (cv) {
            *out = cv->k == P_FUNC && !(((PFunc *)cv->p)->flags & PF_STATIC) ? bind(obj, *cv, NULL) : pv_dup(*cv);
            return TS_OK;
        }
        if (strcmp(name, "__class__") == 0) { *out = pv_ptr(P_CLASS, o->cls); return TS_OK; }
        if (o->is_module && (strcmp(name, "_modules") == 0 || strcmp(name, "_parameters") == 0 || strcmp(name, "_buffers") == 0)) {
            /* a snapshot of the registry, for reading (keys, items, len, in): writes go through setattr */
            PMap *m = name[1] == 'm' ? &o->modules : name[1] == 'p' ? &o->params : &o->buffers;
            PObj *d = pobj_new(P_DICT);
            for (int i = 0; i < m->names.len; i++) pdict_set_steal(d, pv_cstr(m->names.data[i]), pv_dup(m->vals.data[i]));
            *out = pv_obj_steal(d);
            return TS_OK;
        }
        if (o->is_module)
            for (size_t i = 0; i < TS_ARRAY_LEN(MODULE_METHODS); i++)
                if (strcmp(MODULE_METHODS[i], name) == 0) {
                    *out = bind(obj, pv_none(), arena_printf(&S->arena, "module.%s", name));
                    return TS_OK;
                }
        return ts_fail(S->ctx, TS_ERR_NOT_FOUND, sp, "AttributeError: '%s' object has no attribute '%s'", o->cls->name, name);
    }
    case P_SUPER: {
        PObj *o = obj.p;
        PClass *self_cls = ((PObj *)o->self.p)->cls;
        PV *cv = class_lookup(self_cls, name, NULL, o->cls);
        if (cv) {
            *out = cv->k == P_FUNC ? bind(o->self, *cv, NULL) : pv_dup(*cv);
            return TS_OK;
        }
        if (self_cls->is_module) {
            *out = bind(o->self, pv_none(), arena_printf(&S->arena, "module.%s", name));
            return TS_OK;
        }
        if (strcmp(name, "__init__") == 0) {
            *out = bind(o->self, pv_none(), "object.__init__");
            return TS_OK;
        }
        return ts_fail(S->ctx, TS_ERR_NOT_FOUND, sp, "AttributeError: 'super' object has no attribute '%s'", name);
    }
    case P_CLASS: {
        PClass *c = obj.p;
        PV *cv = class_lookup(c, name, NULL, NULL);
        if (cv) { *out = pv_dup(*cv); return TS_OK; }
        if (strcmp(name, "__name__") == 0) { *out = pv_cstr(c->name); return TS_OK; }
        return ts_fail(S->ctx, TS_ERR_NOT_FOUND, sp, "AttributeError: type object '%s' has no attribute '%s'", c->name, name);
    }
    case P_MOD: {
        PMod *m = obj.p;
        PV *v = pmap_get(&m->globals, name);
        if (v) { *out = pv_dup(*v); return TS_OK; }
        if (m->native) return py_native_attr(S, m, name, sp, out);
        /* a submodule of an nnlib package: torch.nn.functional, torch.nn.init */
        char *sub = arena_printf(&S->arena, "%s.%s", m->pyname, name);
        if (strncmp(sub, "torch.", 6) == 0 && !m->loading) {
            PMod *sm;
            ts_status st = py_import(S, sub, sp, &sm);
            if (st == TS_OK) {
                *out = pv_ptr(P_MOD, sm);
                return TS_OK;
            }
            ts_clear_error(S->ctx);
        }
        return ts_fail(S->ctx, TS_ERR_NOT_FOUND, sp, "AttributeError: module '%s' has no attribute '%s'", m->pyname, name);
    }
    case P_TENSOR:
        if (strcmp(name, "shape") == 0) {
            PV r;
            TS_TRY(py_call_op(S, "aten::size", &obj, 1, NULL, NULL, 0, sp, &r));
            PObj *l = r.p;
            l->k = P_TUPLE;
            l->mname = "torch.Size"; /* printed so by tscript exec */
            r.k = P_TUPLE;
            *out = r;
            return TS_OK;
        }
        if (strcmp(name, "data") == 0) {
            *out = pv_dup(obj);
            out->param = false;
            return TS_OK;
        }
        if (strcmp(name, "dtype") == 0) {
            *out = pv_none();
            out->k = P_DTYPE;
            out->iv = iv_int(obj.iv.u.t->dtype);
            return TS_OK;
        }
        if (strcmp(name, "ndim") == 0) return py_call_op(S, "aten::dim", &obj, 1, NULL, NULL, 0, sp, out);
        if (strcmp(name, "requires_grad") == 0) { *out = pv_bool(obj.param); return TS_OK; }
        *out = bind(obj, pv_none(), arena_printf(&S->arena, "tensor.%s", name));
        return TS_OK;
    case P_LIST:
    case P_DICT:
    case P_STR:
    case P_TUPLE:
        *out = bind(obj, pv_none(), arena_printf(&S->arena, "%s.%s", pv_type_name(obj), name));
        return TS_OK;
    case P_FUNC:
        if (strcmp(name, "__name__") == 0) { *out = pv_cstr(((PFunc *)obj.p)->name); return TS_OK; }
        break;
    case P_SCRIPT: return pyexec_script_attr(S, obj, name, sp, out);
    case P_BUILTIN:
        /* torch.backends.cudnn.enabled, which nn.functional passes to its ops: tscript has no cuDNN,
           but the flag's value is what PyTorch passes on a CPU build too */
        if (strcmp(obj.p, "torch.backends") == 0 && strcmp(name, "cudnn") == 0) {
            *out = pv_ptr(P_BUILTIN, "torch.backends.cudnn");
            return TS_OK;
        }
        if (strcmp(obj.p, "torch.backends.cudnn") == 0 && strcmp(name, "enabled") == 0) {
            *out = pv_bool(true);
            return TS_OK;
        }
        if (strcmp(name, "__name__") == 0) {
            const char *b = obj.p, *dot = strrchr(b, '.');
            *out = pv_cstr(dot ? dot + 1 : b);
            return TS_OK;
        }
        break;
    case P_MARK: *out = pv_ptr(P_MARK, arena_printf(&S->arena, "%s.%s", obj.p ? (char *)obj.p : "", name)); return TS_OK;
    default: break;
    }
    return ts_fail(S->ctx, TS_ERR_NOT_FOUND, sp, "AttributeError: '%s' object has no attribute '%s'", pv_type_name(obj), name);
}

/* ---- expressions ---- */

static ts_status eval_args(Py *S, Frame *F, const Ast *call, PVVec *args, NameVecP *kwn, PVVec *kwv) {
    for (int i = 0; i < call->call.args.len; i++) {
        const Ast *a = call->call.args.items[i];
        PV v;
        if (a->kind == AST_STARRED) {
            TS_TRY(eval(S, F, a->starred.value, &v));
            if (v.k == P_INST && ((PObj *)v.p)->is_module) {
                PObj *o = v.p;
                for (int k = 0; k < o->modules.vals.len; k++) vec_push(args, pv_dup(o->modules.vals.data[k]));
            } else if (!pv_is_seq(v)) {
                pv_drop(v);
                return ts_fail(S->ctx, TS_ERR_TYPE, &a->span, "TypeError: argument after * must be a list or tuple");
            } else {
                for (int k = 0; k < pv_len(v); k++) vec_push(args, pv_dup(pv_items(v)[k]));
            }
            pv_drop(v);
            continue;
        }
        if (a->kind == AST_GENEXP) {
            TS_TRY(eval(S, F, a, &v));
            vec_push(args, v);
            continue;
        }
        TS_TRY(eval(S, F, a, &v));
        vec_push(args, v);
    }
    for (int i = 0; i < call->call.keywords.len; i++) {
        const Ast *k = call->call.keywords.items[i];
        PV v;
        TS_TRY(eval(S, F, k->keyword.value, &v));
        if (!k->keyword.arg) {
            if (v.k != P_DICT) {
                pv_drop(v);
                return ts_fail(S->ctx, TS_ERR_TYPE, &k->span, "TypeError: argument after ** must be a dict");
            }
            PObj *d = v.p;
            for (int j = 0; j < d->items.len; j++) {
                if (d->items.data[j].k != P_STR) {
                    pv_drop(v);
                    return ts_fail(S->ctx, TS_ERR_TYPE, &k->span, "TypeError: keywords must be strings");
                }
                vec_push(kwn, arena_strdup(&S->arena, d->items.data[j].iv.u.s->data));
                vec_push(kwv, pv_dup(d->vals.data[j]));
            }
            pv_drop(v);
            continue;
        }
        vec_push(kwn, k->keyword.arg);
        vec_push(kwv, v);
    }
    return TS_OK;
}

static ts_status eval_call(Py *S, Frame *F, const Ast *e, PV *out) {
    const Ast *fe = e->call.func;
    /* super() with no arguments: the class whose body defined the running method */
    if (fe->kind == AST_NAME && strcmp(fe->name.id, "super") == 0 && !pmap_get(&F->mod->globals, "super")) {
        Frame *f = F;
        while (f->parent) f = f->parent;
        if (!f->fn || !f->fn->cls || f->self.k != P_INST)
            return ts_fail(S->ctx, TS_ERR_RUNTIME, &e->span, "RuntimeError: super(): no arguments outside a method");
        PObj *s = pobj_new(P_SUPER);
        s->cls = f->fn->cls;
        s->self = pv_dup(f->self);
        *out = pv_obj_steal(s);
        return TS_OK;
    }
    PV f;
    TS_TRY(eval(S, F, fe, &f));
    PVVec args = {0};
    NameVecP kwn = {0};
    PVVec kwv = {0};
    ts_status st = eval_args(S, F, e, &args, &kwn, &kwv);
    if (st == TS_OK) st = py_call(S, f, args.data, args.len, kwn.data, kwv.data, kwn.len, &e->span, out);
    for (int i = 0; i < args.len; i++) pv_drop(args.data[i]);
    for (int i = 0; i < kwv.len; i++) pv_drop(kwv.data[i]);
    vec_free(&args);
    vec_free(&kwn);
    vec_free(&kwv);
    pv_drop(f);
    return st;
}

static bool is_num(PV v) { return v.k == P_INT || v.k == P_FLOAT || v.k == P_BOOL; }
static double numd(PV v) { return v.k == P_FLOAT ? v.iv.u.d : (double)iv_scalar_i64(v.iv); }

static int64_t floordiv_i(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

static ts_status binop(Py *S, AstBinOp op, PV a, PV b, const Span *sp, PV *out) {
    if (a.k == P_TENSOR || b.k == P_TENSOR) {
        static const char *const names[] = {"aten::add", "aten::sub", "aten::mul", "aten::div", "aten::floor_divide",
                                            "aten::remainder", "aten::pow", "aten::matmul", "aten::__lshift__",
                                            "aten::__rshift__", "aten::__and__", "aten::__or__", "aten::__xor__"};
        if (a.k != P_TENSOR) {
            if (!is_num(a))
                return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: unsupported operand type(s) for %s: '%s' and 'Tensor'",
                               ast_binop_str(op), pv_type_name(a));
            return pyt_binop_rev(S, op, a, b, sp, out);
        }
        return py_call_op(S, names[op], (PV[]){a, b}, 2, NULL, NULL, 0, sp, out);
    }
    if (is_num(a) && is_num(b)) {
        bool fl = a.k == P_FLOAT || b.k == P_FLOAT;
        if (!fl) {
            int64_t x = iv_scalar_i64(a.iv), y = iv_scalar_i64(b.iv), r = 0;
            switch (op) {
            case BINOP_ADD: if (__builtin_add_overflow(x, y, &r)) goto ovf; break;
            case BINOP_SUB: if (__builtin_sub_overflow(x, y, &r)) goto ovf; break;
            case BINOP_MUL: if (__builtin_mul_overflow(x, y, &r)) goto ovf; break;
            case BINOP_DIV:
                if (y == 0) goto zero;
                *out = pv_float((double)x / (double)y);
                return TS_OK;
            case BINOP_FLOORDIV: if (y == 0) goto zero; r = floordiv_i(x, y); break;
            case BINOP_MOD: if (y == 0) goto zero; r = x - floordiv_i(x, y) * y; break;
            case BINOP_POW:
                if (y < 0) { *out = pv_float(pow((double)x, (double)y)); return TS_OK; }
                r = 1;
                for (int64_t i = 0; i < y; i++) {
                    if (__builtin_mul_overflow(r, x, &r)) goto ovf;
                    if (r == 0 || r == 1) break;
                }
                break;
            case BINOP_LSHIFT: if (y < 0 || y > 62) goto ovf; r = x << y; break;
            case BINOP_RSHIFT: r = y > 63 ? (x < 0 ? -1 : 0) : x >> y; break;
            case BINOP_BITAND: r = x & y; break;
            case BINOP_BITOR: r = x | y; break;
            case BINOP_BITXOR: r = x ^ y; break;
            default: goto bad;
            }
            *out = pv_int(r);
            return TS_OK;
        }
        double x = numd(a), y = numd(b), r;
        switch (op) {
        case BINOP_ADD: r = x + y; break;
        case BINOP_SUB: r = x - y; break;
        case BINOP_MUL: r = x * y; break;
        case BINOP_DIV: if (y == 0) goto zero; r = x / y; break;
        case BINOP_FLOORDIV: if (y == 0) goto zero; r = floor(x / y); break;
        case BINOP_MOD: if (y == 0) goto zero; r = fmod(x, y); if (r != 0 && ((r < 0) != (y < 0))) r += y; break;
        case BINOP_POW: r = pow(x, y); break;
        default: goto bad;
        }
        *out = pv_float(r);
        return TS_OK;
    }
    if (a.k == P_STR && op == BINOP_MOD) return py_str_percent(S, a, b, sp, out);
    if (a.k == P_STR && b.k == P_STR && op == BINOP_ADD) {
        StrBuf sb;
        sb_init(&sb);
        sb_putn(&sb, a.iv.u.s->data, (size_t)a.iv.u.s->len);
        sb_putn(&sb, b.iv.u.s->data, (size_t)b.iv.u.s->len);
        *out = pv_str(sb_cstr(&sb), sb.len);
        sb_free(&sb);
        return TS_OK;
    }
    if (pv_is_seq(a) && b.k == a.k && op == BINOP_ADD) {
        PV r = a.k == P_LIST ? pv_list_new() : pv_tuple_new();
        for (int i = 0; i < pv_len(a); i++) pv_seq_push_steal(r, pv_dup(pv_items(a)[i]));
        for (int i = 0; i < pv_len(b); i++) pv_seq_push_steal(r, pv_dup(pv_items(b)[i]));
        *out = r;
        return TS_OK;
    }
    if ((pv_is_seq(a) || a.k == P_STR) && b.k == P_INT && op == BINOP_MUL) {
        int64_t n = b.iv.u.i < 0 ? 0 : b.iv.u.i;
        int64_t len = a.k == P_STR ? a.iv.u.s->len : pv_len(a);
        if (len * n > 10000000 || (len && n > 10000000)) goto ovf;
        if (a.k == P_STR) {
            StrBuf sb;
            sb_init(&sb);
            for (int64_t i = 0; i < n; i++) sb_putn(&sb, a.iv.u.s->data, (size_t)len);
            *out = pv_str(sb_cstr(&sb), sb.len);
            sb_free(&sb);
            return TS_OK;
        }
        PV r = a.k == P_LIST ? pv_list_new() : pv_tuple_new();
        for (int64_t k = 0; k < n; k++)
            for (int i = 0; i < pv_len(a); i++) pv_seq_push_steal(r, pv_dup(pv_items(a)[i]));
        *out = r;
        return TS_OK;
    }
bad:
    return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: unsupported operand type(s) for %s: '%s' and '%s'",
                   ast_binop_str(op), pv_type_name(a), pv_type_name(b));
ovf:
    return ts_fail(S->ctx, TS_ERR_VALUE, sp, "OverflowError: the result of %s does not fit in 64 bits", ast_binop_str(op));
zero:
    return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ZeroDivisionError: division by zero");
}

static ts_status contains(Py *S, PV hay, PV needle, const Span *sp, bool *out) {
    *out = false;
    if (pv_is_seq(hay)) {
        for (int i = 0; i < pv_len(hay); i++)
            if (pv_eq(pv_items(hay)[i], needle)) *out = true;
        return TS_OK;
    }
    if (hay.k == P_DICT) {
        *out = pdict_find(hay.p, needle) != NULL;
        return TS_OK;
    }
    if (hay.k == P_STR && needle.k == P_STR) {
        *out = strstr(hay.iv.u.s->data, needle.iv.u.s->data) != NULL;
        return TS_OK;
    }
    if (hay.k == P_INST && ((PObj *)hay.p)->is_module && needle.k == P_STR) {
        *out = pmap_get(&((PObj *)hay.p)->modules, needle.iv.u.s->data) != NULL;
        return TS_OK;
    }
    return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: argument of type '%s' is not iterable", pv_type_name(hay));
}

static ts_status compare1(Py *S, AstCmpOp op, PV a, PV b, const Span *sp, bool *out) {
    switch (op) {
    case CMPOP_EQ: *out = pv_eq(a, b); return TS_OK;
    case CMPOP_NE: *out = !pv_eq(a, b); return TS_OK;
    case CMPOP_IS:
    case CMPOP_IS_NOT: {
        /* natives are named by strings: `type(3) is int` compares the names, not where they are stored */
        bool named = (a.k == P_BUILTIN || a.k == P_MARK) && a.p && b.p;
        bool same = a.k == b.k && (a.k == P_NONE || (a.k == P_BOOL && a.iv.u.b == b.iv.u.b) ||
                                   (named ? strcmp(a.p, b.p) == 0 : a.k >= P_LIST ? a.p == b.p : pv_eq(a, b)));
        *out = op == CMPOP_IS ? same : !same;
        return TS_OK;
    }
    case CMPOP_IN:
    case CMPOP_NOT_IN:
        TS_TRY(contains(S, b, a, sp, out));
        if (op == CMPOP_NOT_IN) *out = !*out;
        return TS_OK;
    default: break;
    }
    int c;
    if (is_num(a) && is_num(b)) {
        double x = numd(a), y = numd(b);
        if (a.k != P_FLOAT && b.k != P_FLOAT) {
            int64_t i = iv_scalar_i64(a.iv), j = iv_scalar_i64(b.iv);
            c = i < j ? -1 : i > j;
        } else {
            c = x < y ? -1 : x > y ? 1 : 0;
        }
    } else if (a.k == P_STR && b.k == P_STR) {
        c = strcmp(a.iv.u.s->data, b.iv.u.s->data);
    } else {
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: '%s' not supported between '%s' and '%s'",
                       ast_cmpop_str(op), pv_type_name(a), pv_type_name(b));
    }
    *out = op == CMPOP_LT ? c < 0 : op == CMPOP_LE ? c <= 0 : op == CMPOP_GT ? c > 0 : c >= 0;
    return TS_OK;
}

/* The items a for loop or comprehension walks (owned list). */
static ts_status iterate(Py *S, PV v, const Span *sp, PV *out) {
    if (pv_is_seq(v)) {
        *out = pv_list_new();
        for (int i = 0; i < pv_len(v); i++) pv_seq_push_steal(*out, pv_dup(pv_items(v)[i]));
        return TS_OK;
    }
    if (v.k == P_DICT) {
        *out = pv_list_new();
        PObj *d = v.p;
        for (int i = 0; i < d->items.len; i++) pv_seq_push_steal(*out, pv_dup(d->items.data[i]));
        return TS_OK;
    }
    if (v.k == P_STR) {
        *out = pv_list_new();
        for (int64_t i = 0; i < v.iv.u.s->len; i++) pv_seq_push_steal(*out, pv_str(v.iv.u.s->data + i, 1));
        return TS_OK;
    }
    if (v.k == P_INST && ((PObj *)v.p)->is_module) {
        PObj *o = v.p;
        *out = pv_list_new();
        bool dict = strcmp(o->cls->name, "ModuleDict") == 0;
        for (int i = 0; i < o->modules.names.len; i++)
            pv_seq_push_steal(*out, dict ? pv_cstr(o->modules.names.data[i]) : pv_dup(o->modules.vals.data[i]));
        return TS_OK;
    }
    if (v.k == P_TENSOR) return pyt_iterate(S, v, sp, out);
    return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: '%s' object is not iterable", pv_type_name(v));
}

static ts_status assign(Py *S, Frame *F, const Ast *t, PV v_steal);

static ts_status index_of(Py *S, PV v, int len, const Span *sp, int *out) {
    if (v.k != P_INT && v.k != P_BOOL) {
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: indices must be integers, not %s", pv_type_name(v));
    }
    int64_t i = iv_scalar_i64(v.iv);
    if (i < 0) i += len;
    if (i < 0 || i >= len) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "IndexError: index %lld out of range", (long long)iv_scalar_i64(v.iv));
    *out = (int)i;
    return TS_OK;
}

/* One bound of a slice: None or absent gives *given false. */
static ts_status slice_part(Py *S, Frame *F, const Ast *e, bool *given, int64_t *out) {
    *given = false;
    if (!e) return TS_OK;
    PV v;
    TS_TRY(eval(S, F, e, &v));
    if (v.k == P_NONE) return TS_OK;
    if (v.k != P_INT && v.k != P_BOOL) {
        pv_drop(v);
        return ts_fail(S->ctx, TS_ERR_TYPE, &e->span, "TypeError: slice indices must be integers or None");
    }
    *given = true;
    *out = iv_scalar_i64(v.iv);
    return TS_OK;
}

static int64_t clamp_bound(bool given, int64_t v, int64_t len, int64_t step, bool is_start) {
    if (!given) return step > 0 ? (is_start ? 0 : len) : (is_start ? len - 1 : -1);
    if (v < 0) {
        v += len;
        if (v < 0) v = step < 0 ? -1 : 0;
    } else if (v >= len) {
        v = step < 0 ? len - 1 : len;
    }
    return v;
}

/* a[lo:hi:step] over len items: the first index, how many, the step (Python's slice.indices). */
static ts_status eval_slice(Py *S, Frame *F, const Ast *ix, int64_t len, int64_t *start, int64_t *count, int64_t *step) {
    bool hs, hl, hh;
    int64_t st = 1, lo = 0, hi = 0;
    TS_TRY(slice_part(S, F, ix->slice.step, &hs, &st));
    if (!hs) st = 1;
    if (st == 0) return ts_fail(S->ctx, TS_ERR_VALUE, &ix->span, "ValueError: slice step cannot be zero");
    if (st == INT64_MIN) st = -INT64_MAX;
    TS_TRY(slice_part(S, F, ix->slice.lower, &hl, &lo));
    TS_TRY(slice_part(S, F, ix->slice.upper, &hh, &hi));
    lo = clamp_bound(hl, lo, len, st, true);
    hi = clamp_bound(hh, hi, len, st, false);
    *start = lo;
    *step = st;
    if (st > 0) *count = lo < hi ? (hi - lo - 1) / st + 1 : 0;
    else *count = hi < lo ? (lo - hi - 1) / (-st) + 1 : 0;
    return TS_OK;
}

/* seq[a:b] of a Sequential (keeping the children's names, as PyTorch's
 * __getitem__ does) or of a ModuleList (renumbered): a new container of
 * the same class holding the same children. */
static ts_status slice_module(Py *S, PV base, int64_t start, int64_t count, int64_t step, const Span *sp, PV *out) {
    PObj *o = base.p;
    bool seq = strcmp(o->cls->name, "Sequential") == 0;
    if (!seq && strcmp(o->cls->name, "ModuleList") != 0)
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: '%s' object is not subscriptable with a slice", o->cls->name);
    PV arg;
    if (seq) {
        PObj *d = pobj_new(P_DICT);
        for (int64_t i = 0; i < count; i++) {
            int64_t k = start + i * step;
            pdict_set_steal(d, pv_cstr(o->modules.names.data[k]), pv_dup(o->modules.vals.data[k]));
        }
        arg = pv_obj_steal(d);
    } else {
        arg = pv_list_new();
        for (int64_t i = 0; i < count; i++) pv_seq_push_steal(arg, pv_dup(o->modules.vals.data[start + i * step]));
    }
    ts_status st = py_call(S, pv_ptr(P_CLASS, o->cls), &arg, 1, NULL, NULL, 0, sp, out);
    pv_drop(arg);
    return st;
}

/* The parts of a tensor subscript as values (pytensor.c applies them). A
 * single value that is a tuple spreads, as Python passes x[t] as x[*t]. */
static ts_status eval_tensor_indices(Py *S, Frame *F, const Ast *e, PIndex **out, int *nout) {
    const AstList *l = &e->subscript.indices;
    int cap = l->len;
    PIndex *ix = ts_xmalloc(sizeof(PIndex) * (size_t)(cap + 1));
    int n = 0;
    ts_status st = TS_OK;
    for (int i = 0; i < l->len && st == TS_OK; i++) {
        const Ast *k = l->items[i];
        PIndex p = {PIX_NONE, pv_none(), pv_none(), pv_none(), pv_none()};
        if (k->kind == AST_ELLIPSIS) {
            p.k = PIX_ELLIPSIS;
        } else if (k->kind == AST_SLICE) {
            p.k = PIX_SLICE;
            if (k->slice.lower) st = eval(S, F, k->slice.lower, &p.lo);
            if (st == TS_OK && k->slice.upper) st = eval(S, F, k->slice.upper, &p.hi);
            if (st == TS_OK && k->slice.step) st = eval(S, F, k->slice.step, &p.step);
            if (st == TS_OK && p.step.k == P_NONE) p.step = pv_int(1);
        } else {
            PV v;
            st = eval(S, F, k, &v);
            if (st != TS_OK) break;
            if (v.k == P_TUPLE && l->len == 1 && !e->subscript.tuple) {
                /* x[idx] with idx = (0, 1): its items are the indices */
                int tn = pv_len(v), m = 0;
                PIndex *sub = ts_xmalloc(sizeof(PIndex) * (size_t)(tn + 1));
                for (int j = 0; j < tn && st == TS_OK; j++) {
                    PV x = pv_items(v)[j];
                    PIndex q = {PIX_NONE, pv_none(), pv_none(), pv_none(), pv_none()};
                    if (x.k == P_INT || x.k == P_BOOL) q.k = PIX_INT, q.v = pv_int(iv_scalar_i64(x.iv));
                    else if (x.k == P_TENSOR) q.k = PIX_TENSOR, q.v = pv_dup(x);
                    else if (x.k != P_NONE)
                        st = ts_fail(S->ctx, TS_ERR_TYPE, &k->span, "TypeError: a tensor index must be an int, a slice, None, "
                                     "... or a tensor, not %s", pv_type_name(x));
                    sub[m++] = q;
                }
                pv_drop(v);
                pix_free(ix, n);
                if (st != TS_OK) {
                    pix_free(sub, m);
                    return st;
                }
                *out = sub;
                *nout = m;
                return TS_OK;
            }
            if (v.k == P_INT) p.k = PIX_INT, p.v = v;
            else if (v.k == P_TENSOR) p.k = PIX_TENSOR, p.v = v;
            else if (v.k == P_NONE) p.k = PIX_NONE;
            else {
                st = ts_fail(S->ctx, TS_ERR_TYPE, &k->span, "TypeError: a tensor index must be an int, a slice, None, ... "
                             "or a tensor, not %s", pv_type_name(v));
                pv_drop(v);
            }
        }
        ix[n++] = p;
    }
    if (st != TS_OK) {
        pix_free(ix, n);
        return st;
    }
    *out = ix;
    *nout = n;
    return TS_OK;
}

static ts_status eval_subscript(Py *S, Frame *F, const Ast *e, PV *out) {
    PV base;
    TS_TRY(eval(S, F, e->subscript.value, &base));
    ts_status st = TS_OK;
    if (base.k == P_MARK || base.k == P_CLASS) { /* Optional[int], List[Tensor] */
        *out = base;
        return TS_OK;
    }
    if (base.k == P_TENSOR) {
        PIndex *ix;
        int n;
        st = eval_tensor_indices(S, F, e, &ix, &n);
        if (st == TS_OK) st = pyt_index(S, base, ix, n, &e->span, out);
        if (st == TS_OK) pix_free(ix, n);
        pv_drop(base);
        return st;
    }
    if (e->subscript.indices.len != 1 || e->subscript.tuple) {
        pv_drop(base);
        return unsupported(S, e, "indexing with several indices");
    }
    const Ast *ix = e->subscript.indices.items[0];
    if (ix->kind == AST_SLICE) {
        PObj *mo = base.k == P_INST && ((PObj *)base.p)->is_module ? base.p : NULL;
        if (!pv_is_seq(base) && base.k != P_STR && !mo) {
            pv_drop(base);
            return unsupported(S, e, "slicing this value");
        }
        int64_t len = base.k == P_STR ? base.iv.u.s->len : mo ? mo->modules.vals.len : pv_len(base), start = 0, count = 0,
                step = 1;
        st = eval_slice(S, F, ix, len, &start, &count, &step);
        if (st == TS_OK) {
            if (base.k == P_STR) {
                StrBuf sb;
                sb_init(&sb);
                for (int64_t i = 0; i < count; i++) sb_putc(&sb, base.iv.u.s->data[start + i * step]);
                *out = pv_str(sb_cstr(&sb), sb.len);
                sb_free(&sb);
            } else if (mo) {
                st = slice_module(S, base, start, count, step, &e->span, out);
            } else {
                PV r = base.k == P_LIST ? pv_list_new() : pv_tuple_new();
                for (int64_t i = 0; i < count; i++) pv_seq_push_steal(r, pv_dup(pv_items(base)[start + i * step]));
                *out = r;
            }
        }
        pv_drop(base);
        return st;
    }
    PV k;
    st = eval(S, F, ix, &k);
    if (st != TS_OK) {
        pv_drop(base);
        return st;
    }
    int i;
    if (pv_is_seq(base)) {
        st = index_of(S, k, pv_len(base), &ix->span, &i);
        if (st == TS_OK) *out = pv_dup(pv_items(base)[i]);
    } else if (base.k == P_STR) {
        st = index_of(S, k, (int)base.iv.u.s->len, &ix->span, &i);
        if (st == TS_OK) *out = pv_str(base.iv.u.s->data + i, 1);
    } else if (base.k == P_DICT) {
        PV *v = pdict_find(base.p, k);
        if (v) *out = pv_dup(*v);
        else {
            StrBuf sb;
            sb_init(&sb);
            pv_str_of(&sb, k, true);
            st = ts_fail(S->ctx, TS_ERR_NOT_FOUND, &ix->span, "KeyError: %s", sb_cstr(&sb));
            sb_free(&sb);
        }
    } else if (base.k == P_INST && ((PObj *)base.p)->is_module) {
        PObj *o = base.p;
        if (k.k == P_STR) {
            PV *v = pmap_get(&o->modules, k.iv.u.s->data);
            if (v) *out = pv_dup(*v);
            else st = ts_fail(S->ctx, TS_ERR_NOT_FOUND, &ix->span, "KeyError: '%s'", k.iv.u.s->data);
        } else {
            st = index_of(S, k, o->modules.vals.len, &ix->span, &i);
            if (st == TS_OK) *out = pv_dup(o->modules.vals.data[i]);
        }
    } else {
        st = ts_fail(S->ctx, TS_ERR_UNSUPPORTED, &e->span, "indexing a %s is not supported in __init__", pv_type_name(base));
    }
    pv_drop(k);
    pv_drop(base);
    return st;
}

/* comprehension = elt for t in it if c ... ; each generator nests */
static ts_status comp_level(Py *S, Frame *F, const Ast *e, int g, PV acc) {
    if (g == e->comp.generators.len) {
        PV v, k;
        if (e->kind == AST_DICTCOMP) {
            TS_TRY(eval(S, F, e->comp.elt, &k));
            ts_status st = eval(S, F, e->comp.value, &v);
            if (st != TS_OK) {
                pv_drop(k);
                return st;
            }
            pdict_set_steal(acc.p, k, v);
            return TS_OK;
        }
        TS_TRY(eval(S, F, e->comp.elt, &v));
        pv_seq_push_steal(acc, v);
        return TS_OK;
    }
    const Ast *gen = e->comp.generators.items[g];
    PV it, items;
    TS_TRY(eval(S, F, gen->comprehension.iter, &it));
    ts_status st = iterate(S, it, &gen->span, &items);
    pv_drop(it);
    TS_TRY(st);
    for (int i = 0; i < pv_len(items) && st == TS_OK; i++) {
        st = ctx_poll(S->ctx, &gen->span);
        if (st == TS_OK) st = assign(S, F, gen->comprehension.target, pv_dup(pv_items(items)[i]));
        bool ok = true;
        for (int c = 0; c < gen->comprehension.ifs.len && st == TS_OK && ok; c++) {
            PV cv;
            st = eval(S, F, gen->comprehension.ifs.items[c], &cv);
            if (st == TS_OK) ok = pv_truthy(cv), pv_drop(cv);
        }
        if (st == TS_OK && ok) st = comp_level(S, F, e, g + 1, acc);
    }
    pv_drop(items);
    return st;
}

static ts_status eval_comp(Py *S, Frame *F, const Ast *e, PV *out) {
    if (e->kind == AST_SETCOMP) { /* evaluated as a list comprehension, then made distinct */
        Ast as_list = *e;
        as_list.kind = AST_LISTCOMP;
        PV l;
        TS_TRY(eval_comp(S, F, &as_list, &l));
        ts_status st = py_call_builtin(S, "set", NULL, &l, 1, NULL, NULL, 0, &e->span, out);
        pv_drop(l);
        return st;
    }
    Frame C;
    memset(&C, 0, sizeof C);
    C.parent = F;
    C.vars = &C.own;
    C.mod = F->mod;
    C.fn = F->fn;
    C.self = F->self;
    PV acc = e->kind == AST_DICTCOMP ? pv_obj_steal(pobj_new(P_DICT)) : pv_list_new();
    ts_status st = comp_level(S, &C, e, 0, acc);
    pmap_free(&C.own);
    if (st != TS_OK) {
        pv_drop(acc);
        return st;
    }
    *out = acc;
    return TS_OK;
}

/* f"...": the template's {expr[!r|!s][:spec]} fields are parsed and evaluated here. */
static ts_status eval_fstr(Py *S, Frame *F, const Ast *e, PV *out) {
    const char *t = e->str.data;
    size_t n = e->str.len;
    StrBuf sb;
    sb_init(&sb);
    ts_status st = TS_OK;
    for (size_t i = 0; i < n && st == TS_OK; i++) {
        char c = t[i];
        if ((c == '{' || c == '}') && i + 1 < n && t[i + 1] == c) {
            sb_putc(&sb, c);
            i++;
            continue;
        }
        if (c == '}') {
            st = ts_fail(S->ctx, TS_ERR_SYNTAX, &e->span, "f-string: single '}' is not allowed");
            break;
        }
        if (c != '{') {
            sb_putc(&sb, c);
            continue;
        }
        size_t j = i + 1, colon = 0, bang = 0;
        int depth = 0;
        char quote = 0;
        for (; j < n; j++) {
            char d = t[j];
            if (quote) { if (d == quote) quote = 0; continue; }
            if (d == '\'' || d == '"') quote = d;
            else if (d == '(' || d == '[' || d == '{') depth++;
            else if ((d == ')' || d == ']' || d == '}') && depth > 0) depth--;
            else if (d == '}') break;
            else if (depth == 0 && d == '!' && !bang && !colon && j + 1 < n && t[j + 1] != '=') bang = j;
            else if (depth == 0 && d == ':' && !colon) colon = j;
        }
        if (j >= n) {
            st = ts_fail(S->ctx, TS_ERR_SYNTAX, &e->span, "f-string: expecting '}'");
            break;
        }
        size_t expr_end = bang ? bang : colon ? colon : j;
        char *code = arena_strndup(&S->u->arena, t + i + 1, expr_end - i - 1);
        char conv = bang ? t[bang + 1] : 0;
        char *spec = colon ? arena_strndup(&S->u->arena, t + colon + 1, j - colon - 1) : "";
        Source *src = source_new("<f-string>", code, strlen(code));
        vec_push(&S->u->sources, src);
        Ast *x = NULL;
        st = parse_expression(S->ctx, &S->u->arena, src, &x);
        PV v;
        if (st == TS_OK) st = eval(S, F, x, &v);
        if (st == TS_OK) {
            if (conv == 'r') {
                StrBuf r;
                sb_init(&r);
                pv_str_of(&r, v, true);
                PV rv = pv_str(sb_cstr(&r), r.len);
                sb_free(&r);
                st = py_format_value(S, &sb, rv, spec, &e->span);
                pv_drop(rv);
            } else {
                st = py_format_value(S, &sb, v, spec, &e->span);
            }
            pv_drop(v);
        }
        i = j;
    }
    if (st == TS_OK) *out = pv_str(sb_cstr(&sb), sb.len);
    sb_free(&sb);
    return st;
}

/* Python's truth of a condition's value (a tensor's needs one element). */
static ts_status truth(Py *S, PV v, const Span *sp, bool *out) {
    if (v.k == P_TENSOR) return pyt_truthy(S, v, sp, out);
    *out = pv_truthy(v);
    return TS_OK;
}

/* Evaluate a condition: its truth, the value dropped. */
static ts_status eval_cond(Py *S, Frame *F, const Ast *e, bool *out) {
    PV v;
    TS_TRY(eval(S, F, e, &v));
    ts_status st = truth(S, v, &e->span, out);
    pv_drop(v);
    return st;
}

/* fn's closure: a snapshot of the variables of the frames enclosing it
 * (innermost first, module globals left to the module lookup). Python's
 * closures see later assignments too; constructors rarely rely on that. */
static void capture(Frame *F, PFunc *fn) {
    fn->closure = ts_xmalloc(sizeof(PMap));
    memset(fn->closure, 0, sizeof(PMap));
    for (Frame *f = F; f; f = f->parent)
        if (f->vars != &F->mod->globals)
            for (int i = 0; i < f->vars->names.len; i++)
                if (!pmap_get(fn->closure, f->vars->names.data[i]))
                    pmap_set_steal(fn->closure, f->vars->names.data[i], pv_dup(f->vars->vals.data[i]));
}

/* lambda params: body, a function whose closure is a snapshot of the
 * enclosing frames' variables (innermost first) when the lambda is made. */
static ts_status make_lambda(Py *S, Frame *F, const Ast *e, PV *out) {
    PFunc *fn = arena_new(&S->arena, PFunc);
    memset(fn, 0, sizeof *fn);
    fn->name = "<lambda>";
    fn->def = (Ast *)e;
    fn->mod = F->mod;
    int np = e->lambda.params.len;
    fn->defaults = ts_xmalloc(sizeof(PV) * (size_t)(np + 1));
    for (int i = 0; i < np; i++) fn->defaults[i] = pv_ptr(P_MARK, NULL);
    vec_push(&S->funcs, fn);
    capture(F, fn);
    for (int i = 0; i < np; i++) {
        const Ast *p = e->lambda.params.items[i];
        if (p->param.default_) TS_TRY(eval(S, F, p->param.default_, &fn->defaults[i]));
    }
    *out = pv_ptr(P_FUNC, fn);
    return TS_OK;
}

static ts_status eval(Py *S, Frame *F, const Ast *e, PV *out) {
    *out = pv_none();
    switch (e->kind) {
    case AST_NAME: return lookup(S, F, e, out);
    case AST_INT: *out = pv_int(e->int_lit.value); return TS_OK;
    case AST_FLOAT: *out = pv_float(e->float_lit.value); return TS_OK;
    case AST_STR: *out = pv_str(e->str.data, e->str.len); return TS_OK;
    case AST_FSTR: return eval_fstr(S, F, e, out);
    case AST_BOOL: *out = pv_bool(e->bool_lit.value); return TS_OK;
    case AST_NONE: return TS_OK;
    case AST_ATTR: {
        PV b;
        TS_TRY(eval(S, F, e->attr.value, &b));
        ts_status st = py_getattr(S, b, e->attr.name, &e->span, out);
        pv_drop(b);
        return st;
    }
    case AST_SUBSCRIPT: return eval_subscript(S, F, e, out);
    case AST_CALL: return eval_call(S, F, e, out);
    case AST_UNARY: {
        PV v;
        TS_TRY(eval(S, F, e->unary.operand, &v));
        ts_status st = TS_OK;
        if (e->unary.op == UNOP_NOT) *out = pv_bool(!pv_truthy(v));
        else if (v.k == P_INT || v.k == P_BOOL) {
            int64_t i = iv_scalar_i64(v.iv);
            if (e->unary.op == UNOP_NEG && i == INT64_MIN) st = ts_fail(S->ctx, TS_ERR_VALUE, &e->span, "OverflowError: -(-2**63)");
            else *out = pv_int(e->unary.op == UNOP_NEG ? -i : e->unary.op == UNOP_INVERT ? ~i : i);
        } else if (v.k == P_FLOAT && e->unary.op != UNOP_INVERT) {
            *out = pv_float(e->unary.op == UNOP_NEG ? -v.iv.u.d : v.iv.u.d);
        } else if (v.k == P_TENSOR) {
            st = pyt_unary(S, e->unary.op, v, &e->span, out);
        } else {
            st = ts_fail(S->ctx, TS_ERR_TYPE, &e->span, "TypeError: bad operand type for unary %s: '%s'",
                         ast_unop_str(e->unary.op), pv_type_name(v));
        }
        pv_drop(v);
        return st;
    }
    case AST_BINOP: {
        PV a, b;
        TS_TRY(eval(S, F, e->binop.lhs, &a));
        ts_status st = eval(S, F, e->binop.rhs, &b);
        if (st == TS_OK) {
            st = binop(S, e->binop.op, a, b, &e->span, out);
            pv_drop(b);
        }
        pv_drop(a);
        return st;
    }
    case AST_BOOLOP: {
        PV a;
        TS_TRY(eval(S, F, e->boolop.lhs, &a));
        bool t = pv_truthy(a);
        if ((e->boolop.op == BOOLOP_AND) != t) {
            *out = a;
            return TS_OK;
        }
        pv_drop(a);
        return eval(S, F, e->boolop.rhs, out);
    }
    case AST_COMPARE: {
        PV a;
        TS_TRY(eval(S, F, e->compare.operands.items[0], &a));
        if (e->compare.nops == 1 && e->compare.ops[0] <= CMPOP_GE) {
            PV b;
            ts_status st = eval(S, F, e->compare.operands.items[1], &b);
            if (st == TS_OK && (a.k == P_TENSOR || b.k == P_TENSOR)) {
                st = pyt_compare(S, e->compare.ops[0], a, b, &e->span, out);
                pv_drop(a);
                pv_drop(b);
                return st;
            }
            bool r1 = false;
            if (st == TS_OK) st = compare1(S, e->compare.ops[0], a, b, &e->span, &r1);
            pv_drop(a);
            pv_drop(b);
            if (st == TS_OK) *out = pv_bool(r1);
            return st;
        }
        bool r = true;
        for (int i = 0; i < e->compare.nops && r; i++) {
            PV b;
            ts_status st = eval(S, F, e->compare.operands.items[i + 1], &b);
            if (st == TS_OK) st = compare1(S, e->compare.ops[i], a, b, &e->span, &r);
            pv_drop(a);
            if (st != TS_OK) {
                if (st != TS_OK && b.k != P_NONE) pv_drop(b);
                return st;
            }
            a = b;
        }
        pv_drop(a);
        *out = pv_bool(r);
        return TS_OK;
    }
    case AST_IFEXP: {
        bool t;
        TS_TRY(eval_cond(S, F, e->ifexp.cond, &t));
        return eval(S, F, t ? e->ifexp.then : e->ifexp.orelse, out);
    }
    case AST_TUPLE:
    case AST_LIST: {
        PV r = e->kind == AST_LIST ? pv_list_new() : pv_tuple_new();
        for (int i = 0; i < e->seq.elts.len; i++) {
            const Ast *x = e->seq.elts.items[i];
            PV v;
            ts_status st = eval(S, F, x->kind == AST_STARRED ? x->starred.value : x, &v);
            if (st == TS_OK && x->kind == AST_STARRED) {
                PV items;
                st = iterate(S, v, &x->span, &items);
                pv_drop(v);
                if (st == TS_OK) {
                    for (int k = 0; k < pv_len(items); k++) pv_seq_push_steal(r, pv_dup(pv_items(items)[k]));
                    pv_drop(items);
                }
            } else if (st == TS_OK) {
                pv_seq_push_steal(r, v);
            }
            if (st != TS_OK) {
                pv_drop(r);
                return st;
            }
        }
        *out = r;
        return TS_OK;
    }
    case AST_DICT: {
        PObj *d = pobj_new(P_DICT);
        PV r = pv_obj_steal(d);
        for (int i = 0; i < e->dict.keys.len; i++) {
            PV k, v;
            if (!e->dict.keys.items[i]) {
                pv_drop(r);
                return unsupported(S, e, "`**` in a dict display");
            }
            ts_status st = eval(S, F, e->dict.keys.items[i], &k);
            if (st == TS_OK) {
                st = eval(S, F, e->dict.values.items[i], &v);
                if (st == TS_OK) pdict_set_steal(d, k, v);
                else pv_drop(k);
            }
            if (st != TS_OK) {
                pv_drop(r);
                return st;
            }
        }
        *out = r;
        return TS_OK;
    }
    case AST_LISTCOMP:
    case AST_GENEXP:
    case AST_DICTCOMP:
    case AST_SETCOMP: return eval_comp(S, F, e, out);
    case AST_SET: { /* {a, b}: a set is a list of distinct items (pyseq.c) */
        Ast as_list = *e;
        as_list.kind = AST_LIST;
        PV l;
        TS_TRY(eval(S, F, &as_list, &l));
        ts_status st = py_call_builtin(S, "set", NULL, &l, 1, NULL, NULL, 0, &e->span, out);
        pv_drop(l);
        return st;
    }
    case AST_ELLIPSIS: return TS_OK;
    case AST_LAMBDA: return make_lambda(S, F, e, out);
    default: return unsupported(S, e, ast_kind_name(e->kind));
    }
}

/* ---- statements ---- */

static ts_status assign(Py *S, Frame *F, const Ast *t, PV v) {
    switch (t->kind) {
    case AST_NAME: pmap_set_steal(F->vars, t->name.id, v); return TS_OK;
    case AST_ATTR: {
        PV obj;
        ts_status st = eval(S, F, t->attr.value, &obj);
        if (st != TS_OK) {
            pv_drop(v);
            return st;
        }
        st = py_setattr(S, obj, t->attr.name, v, &t->span);
        pv_drop(obj);
        return st;
    }
    case AST_SUBSCRIPT: {
        PV obj, k;
        ts_status st = eval(S, F, t->subscript.value, &obj);
        if (st != TS_OK) {
            pv_drop(v);
            return st;
        }
        if (obj.k == P_TENSOR) {
            PIndex *ix;
            int n;
            st = eval_tensor_indices(S, F, t, &ix, &n);
            if (st == TS_OK) {
                st = pyt_index_assign(S, obj, ix, n, v, &t->span);
                pix_free(ix, n);
            }
            pv_drop(v);
            pv_drop(obj);
            return st;
        }
        if (t->subscript.indices.len != 1 || t->subscript.indices.items[0]->kind == AST_SLICE) {
            pv_drop(obj);
            pv_drop(v);
            return unsupported(S, t, "assigning to a slice or several indices");
        }
        st = eval(S, F, t->subscript.indices.items[0], &k);
        if (st == TS_OK) {
            if (obj.k == P_DICT) {
                pdict_set_steal(obj.p, k, v);
                k = pv_none();
                v = pv_none();
            } else if (obj.k == P_INST && ((PObj *)obj.p)->is_module) {
                /* ModuleDict[k] = m, ModuleList[i] = m */
                PObj *o = obj.p;
                int i;
                if (k.k == P_STR) {
                    PV a[2] = {k, v}, r;
                    st = py_call_builtin(S, "module.add_module", &obj, a, 2, NULL, NULL, 0, &t->span, &r);
                } else if ((st = index_of(S, k, o->modules.vals.len, &t->span, &i)) == TS_OK) {
                    PV a[2] = {pv_cstr(o->modules.names.data[i]), v}, r;
                    pmap_del(&o->modules, o->modules.names.data[i]);
                    st = py_call_builtin(S, "module.add_module", &obj, a, 2, NULL, NULL, 0, &t->span, &r);
                    pv_drop(a[0]);
                }
            } else if (obj.k == P_LIST) {
                int i;
                st = index_of(S, k, pv_len(obj), &t->span, &i);
                if (st == TS_OK) {
                    pv_drop(pv_items(obj)[i]);
                    pv_items(obj)[i] = v;
                    v = pv_none();
                }
            } else {
                st = ts_fail(S->ctx, TS_ERR_TYPE, &t->span, "TypeError: '%s' object does not support item assignment",
                             pv_type_name(obj));
            }
            pv_drop(k);
        }
        pv_drop(v);
        pv_drop(obj);
        return st;
    }
    case AST_TUPLE:
    case AST_LIST: {
        PV items;
        ts_status st = iterate(S, v, &t->span, &items);
        pv_drop(v);
        TS_TRY(st);
        int n = t->seq.elts.len, star = -1, got = pv_len(items);
        for (int i = 0; i < n; i++)
            if (t->seq.elts.items[i]->kind == AST_STARRED) star = i;
        if (star < 0 ? got != n : got < n - 1) {
            pv_drop(items);
            if (star >= 0)
                return ts_fail(S->ctx, TS_ERR_VALUE, &t->span, "ValueError: not enough values to unpack (expected at least %d, got %d)",
                               n - 1, got);
            if (got > n)
                return ts_fail(S->ctx, TS_ERR_VALUE, &t->span, "ValueError: too many values to unpack (expected %d)", n);
            return ts_fail(S->ctx, TS_ERR_VALUE, &t->span, "ValueError: not enough values to unpack (expected %d, got %d)", n, got);
        }
        /* a, *rest, z = items: the starred target takes a list of what the others leave */
        for (int i = 0, k = 0; i < n && st == TS_OK; i++) {
            const Ast *target = t->seq.elts.items[i];
            if (i == star) {
                PV rest = pv_list_new();
                for (int r = 0; r < got - (n - 1); r++) pv_seq_push_steal(rest, pv_dup(pv_items(items)[k++]));
                st = assign(S, F, target->starred.value, rest);
            } else {
                st = assign(S, F, target, pv_dup(pv_items(items)[k++]));
            }
        }
        pv_drop(items);
        return st;
    }
    default:
        pv_drop(v);
        return unsupported(S, t, "this assignment target");
    }
}

static bool decorator_is(const Ast *d, const char *last) {
    if (d->kind == AST_CALL) d = d->call.func;
    const char *n = d->kind == AST_NAME ? d->name.id : d->kind == AST_ATTR ? d->attr.name : NULL;
    return n && strcmp(n, last) == 0;
}

static ts_status def_function(Py *S, Frame *F, Ast *s) {
    PFunc *fn = arena_new(&S->arena, PFunc);
    memset(fn, 0, sizeof *fn);
    fn->name = s->funcdef.name;
    fn->def = s;
    fn->mod = F->mod;
    fn->cls = F->cls_body;
    int np = s->funcdef.params.len;
    fn->defaults = ts_xmalloc(sizeof(PV) * (size_t)(np + 1));
    for (int i = 0; i < np; i++) fn->defaults[i] = pv_ptr(P_MARK, NULL);
    vec_push(&S->funcs, fn);
    for (int i = 0; i < np; i++) {
        const Ast *p = s->funcdef.params.items[i];
        if (p->param.default_) {
            PV d;
            TS_TRY(eval(S, F, p->param.default_, &d));
            fn->defaults[i] = d;
        }
    }
    for (int i = 0; i < s->funcdef.decorators.len; i++) {
        if (F->cls_body && decorator_is(s->funcdef.decorators.items[i], "_overload_method")) {
            /* a typed signature of a method defined later: compiled as name__k (script.c) */
            vec_push(&F->cls_body->method_overloads, s);
            return TS_OK;
        }
        if (decorator_is(s->funcdef.decorators.items[i], "_overload")) {
            /* a typed signature of the function defined later: the compiler's business */
            vec_push(&F->mod->overloads, s);
            return TS_OK;
        }
    }
    for (int i = 0; i < s->funcdef.decorators.len; i++) {
        const Ast *d = s->funcdef.decorators.items[i];
        if (decorator_is(d, "export")) fn->flags |= PF_EXPORT;
        else if (decorator_is(d, "ignore")) fn->flags |= PF_IGNORE;
        else if (decorator_is(d, "unused")) fn->flags |= PF_UNUSED;
        else if (decorator_is(d, "staticmethod")) fn->flags |= PF_STATIC;
        else if (decorator_is(d, "property")) fn->flags |= PF_PROPERTY;
        else if (decorator_is(d, "script")) fn->flags |= PF_SCRIPT;
        else if (decorator_is(d, "setter") || decorator_is(d, "deleter")) return TS_OK; /* the getter stays bound */
    }
    if (F->fn && !F->cls_body) {
        /* a def inside a function: it sees the enclosing variables, and itself (recursion) */
        capture(F, fn);
        pmap_set_steal(fn->closure, fn->name, pv_ptr(P_FUNC, fn));
    }
    if (S->exec && !F->cls_body)
        for (int i = 0; i < s->funcdef.decorators.len; i++)
            if (decorator_is(s->funcdef.decorators.items[i], "script")) {
                /* exec: @torch.jit.script def f compiles f now, as PyTorch does */
                PV sf;
                TS_TRY(pyexec_script_function(S, fn, &s->span, &sf));
                pmap_set_steal(F->vars, fn->name, sf);
                return TS_OK;
            }
    pmap_set_steal(F->vars, fn->name, pv_ptr(P_FUNC, fn));
    return TS_OK;
}

static ts_status def_class(Py *S, Frame *F, Ast *s) {
    PClass *c = arena_new(&S->arena, PClass);
    memset(c, 0, sizeof *c);
    c->name = s->classdef.name;
    c->mod = F->mod;
    c->def = s;
    vec_push(&S->classes, c);
    for (int i = 0; i < s->classdef.bases.len; i++) {
        PV b;
        TS_TRY(eval(S, F, s->classdef.bases.items[i], &b));
        if (b.k == P_CLASS) {
            PClass *bc = b.p;
            vec_push(&c->bases, bc);
            if (bc->is_module) c->is_module = true;
        } else if (b.k != P_BUILTIN || strcmp(b.p, "object") != 0) {
            if (b.k == P_MARK) continue; /* NamedTuple, Enum ... handled by the frontend's declaration */
            pv_drop(b);
            return ts_fail(S->ctx, TS_ERR_TYPE, &s->classdef.bases.items[i]->span, "a class base must be a class, not a %s",
                           pv_type_name(b));
        }
        pv_drop(b);
    }
    for (int i = 0; i < s->classdef.decorators.len; i++)
        if (decorator_is(s->classdef.decorators.items[i], "script")) c->jit_script = true;
    Frame C;
    memset(&C, 0, sizeof C);
    C.vars = &c->dict;
    C.mod = F->mod;
    C.cls_body = c;
    C.self = pv_none();
    Flow flow = FL_NORMAL;
    PV ret = pv_none();
    TS_TRY(exec_block(S, &C, &s->classdef.body, &flow, &ret));
    pv_drop(ret);
    if (c->jit_script && c->is_module && !S->warned_script_class) {
        S->warned_script_class = true;
        StrBuf loc;
        sb_init(&loc);
        span_format_loc(&loc, s->span);
        sb_printf(&S->warnings,
                  "%s: warning: @torch.jit.script on the nn.Module class '%s': PyTorch rejects this (script an "
                  "instance instead: torch.jit.script(%s(...))); tscript scripts the class's instances\n",
                  sb_cstr(&loc), c->name, c->name);
        sb_free(&loc);
    }
    pmap_set_steal(F->vars, c->name, pv_ptr(P_CLASS, c));
    return TS_OK;
}

static ts_status raise_exc(Py *S, PV e, const Span *sp) {
    PObj *o = e.p;
    StrBuf msg;
    sb_init(&msg);
    pv_str_of(&msg, e, false);
    ts_status st = ts_fail(S->ctx, strcmp(o->mname, "TypeError") == 0 ? TS_ERR_TYPE : TS_ERR_VALUE, sp, "%s%s%s", o->mname,
                           msg.len ? ": " : "", sb_cstr(&msg));
    sb_free(&msg);
    return st;
}

static ts_status exec_raise(Py *S, Frame *F, const Ast *s) {
    const Ast *ex = s->raise.exc;
    if (!ex) {
        for (Frame *f = F; f; f = f->parent)
            if (f->handling.k == P_EXC) return raise_exc(S, f->handling, &s->span);
        return ts_fail(S->ctx, TS_ERR_RUNTIME, &s->span, "RuntimeError: No active exception to reraise");
    }
    if (ex->kind == AST_NAME) {
        PV v;
        TS_TRY(eval(S, F, ex, &v));
        ts_status st = v.k == P_EXC ? raise_exc(S, v, &s->span) : TS_OK;
        bool done = v.k == P_EXC;
        pv_drop(v);
        if (done) return st;
    }
    const Ast *cls = ex->kind == AST_CALL ? ex->call.func : ex;
    const char *name = cls->kind == AST_NAME ? cls->name.id : cls->kind == AST_ATTR ? cls->attr.name : "Exception";
    StrBuf msg;
    sb_init(&msg);
    if (ex->kind == AST_CALL && ex->call.args.len > 0) {
        PV m;
        ts_status st = eval(S, F, ex->call.args.items[0], &m);
        if (st != TS_OK) {
            sb_free(&msg);
            return st;
        }
        pv_str_of(&msg, m, false);
        pv_drop(m);
    }
    ts_status st = ts_fail(S->ctx, strcmp(name, "TypeError") == 0 ? TS_ERR_TYPE : TS_ERR_VALUE, &s->span, "%s%s%s",
                           name, msg.len ? ": " : "", sb_cstr(&msg));
    sb_free(&msg);
    return st;
}

/* Failures an `except` may catch: not the deadline, an interrupt or running out of memory. */
static bool catchable(ts_status st) {
    return st != TS_OK && st != TS_ERR_TIMEOUT && st != TS_ERR_CANCELLED && st != TS_ERR_NOMEM;
}

/* Whether handler h (except T / except (A, B) / bare except) takes exception e. */
static ts_status handler_takes(Py *S, Frame *F, const Ast *h, PV e, bool *out) {
    *out = false;
    if (!h->except.type) { *out = true; return TS_OK; }
    PV t;
    TS_TRY(eval(S, F, h->except.type, &t));
    int n = pv_is_seq(t) ? pv_len(t) : 1;
    ts_status st = TS_OK;
    for (int i = 0; i < n && !*out; i++) {
        PV c = pv_is_seq(t) ? pv_items(t)[i] : t;
        if (c.k != P_BUILTIN) {
            st = ts_fail(S->ctx, TS_ERR_TYPE, &h->except.type->span,
                         "TypeError: catching classes that do not inherit from BaseException is not allowed (tscript "
                         "catches the built-in exception classes only)");
            break;
        }
        *out = pyexec_exc_matches(((PObj *)e.p)->mname, c.p);
    }
    pv_drop(t);
    return st;
}

/* try_stmt: the body; on a catchable failure the first handler that takes it (the failure becomes
 * an exception value, bound by `as`); else; finally (which runs on every way out). */
static ts_status exec_try(Py *S, Frame *F, Ast *s, Flow *flow, PV *ret) {
    ts_status st = exec_block(S, F, &s->try_.body, flow, ret);
    if (catchable(st) && s->try_.handlers.len) {
        PV e = pyexec_exception_of(S);
        bool taken = false;
        ts_status hst = TS_OK;
        for (int i = 0; i < s->try_.handlers.len && !taken && hst == TS_OK; i++) {
            const Ast *h = s->try_.handlers.items[i];
            hst = handler_takes(S, F, h, e, &taken);
            if (hst != TS_OK || !taken) continue;
            ts_clear_error(S->ctx);
            if (h->except.name) pmap_set_steal(F->vars, h->except.name, pv_dup(e));
            PV saved = F->handling;
            F->handling = e;
            hst = exec_block(S, F, &h->except.body, flow, ret);
            F->handling = saved;
            if (h->except.name) pmap_del(F->vars, h->except.name); /* as Python does at the end of the handler */
        }
        pv_drop(e);
        if (taken || hst != TS_OK) st = hst;
    } else if (st == TS_OK && *flow == FL_NORMAL) {
        st = exec_block(S, F, &s->try_.orelse, flow, ret);
    }
    if (s->try_.finalbody.len) {
        if (st != TS_OK) {
            /* keep the pending failure: the finally block runs on a copy of nothing it could clear */
            Flow fflow = FL_NORMAL;
            PV fret = pv_none();
            StrBuf keep;
            sb_init(&keep);
            sb_puts(&keep, ts_error_text(S->ctx));
            ts_status fst = exec_block(S, F, &s->try_.finalbody, &fflow, &fret);
            pv_drop(fret);
            if (fst == TS_OK) ts_fail(S->ctx, st, NULL, "%s", sb_cstr(&keep));
            else st = fst;
            sb_free(&keep);
            return st;
        }
        Flow fflow = FL_NORMAL;
        TS_TRY(exec_block(S, F, &s->try_.finalbody, &fflow, ret));
        if (fflow != FL_NORMAL) *flow = fflow;
    }
    return st;
}

static ts_status exec_stmt(Py *S, Frame *F, Ast *s, Flow *flow, PV *ret) {
    switch (s->kind) {
    case AST_PASS: return TS_OK;
    case AST_EXPR_STMT: {
        PV v;
        TS_TRY(eval(S, F, s->expr_stmt.value, &v));
        pv_drop(v);
        return TS_OK;
    }
    case AST_ASSIGN: {
        PV v;
        TS_TRY(eval(S, F, s->assign.value, &v));
        for (int i = 0; i < s->assign.targets.len; i++) {
            ts_status st = assign(S, F, s->assign.targets.items[i], i + 1 < s->assign.targets.len ? pv_dup(v) : v);
            if (st != TS_OK) {
                if (i + 1 < s->assign.targets.len) pv_drop(v);
                return st;
            }
        }
        return TS_OK;
    }
    case AST_ANNASSIGN: {
        if (!s->annassign.value) return TS_OK; /* a declaration: `x: int` */
        PV v;
        TS_TRY(eval(S, F, s->annassign.value, &v));
        return assign(S, F, s->annassign.target, v);
    }
    case AST_AUGASSIGN: {
        PV cur, v, r;
        TS_TRY(eval(S, F, s->augassign.target, &cur));
        ts_status st = eval(S, F, s->augassign.value, &v);
        if (st == TS_OK) {
            if (cur.k == P_LIST && s->augassign.op == BINOP_ADD) {
                PV items;
                st = iterate(S, v, &s->span, &items);
                if (st == TS_OK) {
                    for (int i = 0; i < pv_len(items); i++) pv_seq_push_steal(cur, pv_dup(pv_items(items)[i]));
                    pv_drop(items);
                }
                pv_drop(v);
                pv_drop(cur);
                return st;
            }
            st = binop(S, s->augassign.op, cur, v, &s->span, &r);
            pv_drop(v);
            if (st == TS_OK) st = assign(S, F, s->augassign.target, r);
        }
        pv_drop(cur);
        return st;
    }
    case AST_RETURN:
        if (s->return_.value) TS_TRY(eval(S, F, s->return_.value, ret));
        *flow = FL_RETURN;
        return TS_OK;
    case AST_BREAK: *flow = FL_BREAK; return TS_OK;
    case AST_CONTINUE: *flow = FL_CONTINUE; return TS_OK;
    case AST_RAISE: return exec_raise(S, F, s);
    case AST_ASSERT: {
        PV v;
        TS_TRY(eval(S, F, s->assert_.test, &v));
        bool t = pv_truthy(v);
        pv_drop(v);
        if (t) return TS_OK;
        StrBuf msg;
        sb_init(&msg);
        if (s->assert_.msg) {
            PV m;
            ts_status st = eval(S, F, s->assert_.msg, &m);
            if (st != TS_OK) {
                sb_free(&msg);
                return st;
            }
            pv_str_of(&msg, m, false);
            pv_drop(m);
        }
        ts_status st = ts_fail(S->ctx, TS_ERR_VALUE, &s->span, "AssertionError%s%s", msg.len ? ": " : "", sb_cstr(&msg));
        sb_free(&msg);
        return st;
    }
    case AST_IF: {
        bool t;
        TS_TRY(eval_cond(S, F, s->if_.cond, &t));
        return exec_block(S, F, t ? &s->if_.body : &s->if_.orelse, flow, ret);
    }
    case AST_WHILE:
        for (;;) {
            TS_TRY(ctx_poll(S->ctx, &s->span));
            bool t;
            TS_TRY(eval_cond(S, F, s->while_.cond, &t));
            if (!t) return exec_block(S, F, &s->while_.orelse, flow, ret);
            TS_TRY(exec_block(S, F, &s->while_.body, flow, ret));
            if (*flow == FL_BREAK) { *flow = FL_NORMAL; return TS_OK; }
            if (*flow == FL_RETURN) return TS_OK;
            *flow = FL_NORMAL;
        }
    case AST_FOR: {
        PV it, items;
        TS_TRY(eval(S, F, s->for_.iter, &it));
        ts_status st = iterate(S, it, &s->for_.iter->span, &items);
        pv_drop(it);
        TS_TRY(st);
        bool broke = false;
        for (int i = 0; i < pv_len(items) && st == TS_OK; i++) {
            st = ctx_poll(S->ctx, &s->span);
            if (st == TS_OK) st = assign(S, F, s->for_.target, pv_dup(pv_items(items)[i]));
            if (st == TS_OK) st = exec_block(S, F, &s->for_.body, flow, ret);
            if (*flow == FL_BREAK) { *flow = FL_NORMAL; broke = true; break; }
            if (*flow == FL_RETURN) break;
            *flow = FL_NORMAL;
        }
        pv_drop(items);
        if (st == TS_OK && !broke && *flow == FL_NORMAL) st = exec_block(S, F, &s->for_.orelse, flow, ret);
        return st;
    }
    case AST_WITH: {
        bool grad = S->ctx->grad_names;
        for (int i = 0; i < s->with.items.len; i++) {
            const Ast *w = s->with.items.items[i];
            PV c;
            TS_TRY(eval(S, F, w->withitem.context, &c));
            /* torch.no_grad(): no op in the body records a grad_fn (exec's autograd names) */
            if (c.k == P_MARK && c.p && strcmp(c.p, "no_grad") == 0) {
                const Ast *ce = w->withitem.context;
                const Ast *fe = ce->kind == AST_CALL ? ce->call.func : ce;
                if (fe->kind == AST_ATTR && strcmp(fe->attr.name, "no_grad") == 0) S->ctx->grad_names = false;
            }
            pv_drop(c);
            if (w->withitem.target) {
                S->ctx->grad_names = grad;
                return unsupported(S, w, "`with ... as`");
            }
        }
        ts_status st = exec_block(S, F, &s->with.body, flow, ret);
        S->ctx->grad_names = grad;
        return st;
    }
    case AST_FUNCDEF: return def_function(S, F, s);
    case AST_CLASSDEF: return def_class(S, F, s);
    case AST_TRY: return exec_try(S, F, s, flow, ret);
    case AST_IMPORT:
        for (int i = 0; i < s->import.names.len; i++) TS_TRY(import_binding(S, F, s->import.names.items[i]));
        return TS_OK;
    case AST_IMPORTFROM: return import_from(S, F, s);
    case AST_DEL:
        for (int i = 0; i < s->del.targets.len; i++) {
            const Ast *t = s->del.targets.items[i];
            if (t->kind != AST_NAME) return unsupported(S, t, "`del` of anything but a name");
            if (!pmap_del(F->vars, t->name.id))
                return ts_fail(S->ctx, TS_ERR_NOT_FOUND, &t->span, "NameError: name '%s' is not defined", t->name.id);
        }
        return TS_OK;
    case AST_GLOBAL: return unsupported(S, s, "`global`");
    case AST_NONLOCAL: return unsupported(S, s, "`nonlocal`");
    default: return unsupported(S, s, ast_kind_name(s->kind));
    }
}

static ts_status exec_block(Py *S, Frame *F, const AstList *body, Flow *flow, PV *ret) {
    for (int i = 0; i < body->len; i++) {
        TS_TRY(exec_stmt(S, F, body->items[i], flow, ret));
        if (*flow != FL_NORMAL) return TS_OK;
    }
    return TS_OK;
}

ts_status py_eval_args(Py *S, PMod *m, const char *text, PVVec *args, NameVecP *kwn, PVVec *kwv) {
    char *code = arena_printf(&S->u->arena, "__args__(%s)", text ? text : "");
    Source *src = source_new("--args", code, strlen(code));
    vec_push(&S->u->sources, src);
    Ast *e = NULL;
    TS_TRY(parse_expression(S->ctx, &S->u->arena, src, &e));
    if (e->kind != AST_CALL || e->call.func->kind != AST_NAME || strcmp(e->call.func->name.id, "__args__") != 0)
        return ts_fail(S->ctx, TS_ERR_SYNTAX, &e->span, "--args must be a call's argument list, e.g. '10, 2, bias=False'");
    Frame F;
    memset(&F, 0, sizeof F);
    F.vars = &F.own;
    F.mod = m;
    F.self = pv_none();
    ts_status st = eval_args(S, &F, e, args, kwn, kwv);
    pmap_free(&F.own);
    return st;
}
