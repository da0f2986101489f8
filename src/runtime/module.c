/*
 * module.c - calling a loaded module's methods with checked arguments, and
 * printing it as PyTorch does (module tree, code, graphs).
 */
#include "runtime/module.h"


Module *module_new(Unit *u, IValue root, const char *path) {
    Module *m = ts_xmalloc(sizeof *m);
    m->refcnt = 1;
    m->unit = unit_retain(u);
    m->root = root;
    m->path = ts_strdup(path);
    m->inspect_only = false;
    m->base_unit = NULL;
    return m;
}

Module *module_retain(Module *m) {
    if (m) __atomic_add_fetch(&m->refcnt, 1, __ATOMIC_ACQ_REL);
    return m;
}

void module_release(Module *m) {
    if (!m || __atomic_sub_fetch(&m->refcnt, 1, __ATOMIC_ACQ_REL) != 0) return;
    iv_release_collect(m->root); /* cycles among the module's attributes */
    unit_release(m->unit);
    if (m->base_unit) unit_release(m->base_unit);
    ts_free(m->path);
    ts_free(m);
}

Function *module_method(const Module *m, const char *name) {
    if (m->root.kind != IV_OBJECT) return NULL;
    return class_method(m->root.u.obj->cls, name);
}

ts_status module_call(Ctx *ctx, Module *m, const char *name, const IValue *args, int nargs,
                      IValue *out) {
    Function *fn = module_method(m, name);
    if (!fn) {
        ClassType *c = m->root.kind == IV_OBJECT ? m->root.u.obj->cls : NULL;
        StrBuf have;
        sb_init(&have);
        for (int i = 0; c && i < c->method_names.len; i++)
            sb_printf(&have, "%s%s", i ? ", " : "", c->method_names.data[i]);
        ts_status st = ts_fail(ctx, TS_ERR_NOT_FOUND, NULL, "%s: the module has no method '%s' (it has: %s)",
                               m->path, name, have.len ? sb_cstr(&have) : "none");
        sb_free(&have);
        return st;
    }
    if (m->inspect_only)
        return ts_fail(ctx, TS_ERR_ARG, NULL,
                       "%s: the module was loaded for inspection only (TS_LOAD_INSPECT); load it with "
                       "ts_module_load to call %s",
                       m->path, name);
    int nuser = fn->nparams - 1;
    if (nargs > nuser) {
        return ts_fail(ctx, TS_ERR_ARG, NULL, "%s: %s takes %d input%s but %d %s given", m->path,
                       function_signature(m->unit, fn), nuser, nuser == 1 ? "" : "s", nargs,
                       nargs == 1 ? "was" : "were");
    }
    for (int i = nargs; i < nuser; i++)
        if (!fn->params[i + 1].has_default)
            return ts_fail(ctx, TS_ERR_ARG, NULL, "%s: missing input %d ('%s') of %s", m->path, i + 1,
                           fn->params[i + 1].name, function_signature(m->unit, fn));
    IValue *full = ts_xmalloc(sizeof(IValue) * (size_t)(fn->nparams + 1));
    full[0] = m->root;
    for (int i = 0; i < nuser; i++) {
        const FnParam *p = &fn->params[i + 1];
        full[i + 1] = i < nargs ? args[i] : p->default_value;
        if (!iv_isinstance(full[i + 1], p->type)) {
            StrBuf t;
            sb_init(&t);
            ty_annotation_str(&t, p->type);
            ts_status st = ts_fail(ctx, TS_ERR_TYPE, NULL,
                                   "%s: input %d ('%s') of %s must be %s, but it is a %s", m->path, i + 1,
                                   p->name, function_signature(m->unit, fn), sb_cstr(&t),
                                   iv_kind_name(full[i + 1]));
            sb_free(&t);
            ts_free(full);
            return st;
        }
    }
    ts_status st = interp_call(ctx, fn, full, fn->nparams, out);
    ts_free(full);
    return st;
}

/* ---- printing ---- */

static bool is_module_attr(const ClassAttr *a) {
    return a->type && a->type->kind == TK_CLASS && a->type->cls->kind == CK_MODULE;
}

static void put_indented(StrBuf *sb, const char *s, int n) {
    for (const char *p = s; *p; p++) {
        sb_putc(sb, *p);
        if (*p == '\n' && p[1])
            for (int i = 0; i < n; i++) sb_putc(sb, ' ');
    }
}

static void tree(StrBuf *sb, const Object *o) {
    ClassType *c = o->cls;
    StrBuf children;
    sb_init(&children);
    int nchild = 0;
    for (int i = 0; i < c->attrs.len && i < o->nslots; i++) {
        if (!is_module_attr(&c->attrs.data[i]) || o->slots[i].kind != IV_OBJECT) continue;
        StrBuf sub;
        sb_init(&sub);
        tree(&sub, o->slots[i].u.obj);
        sb_printf(&children, "\n  (%s): ", c->attrs.data[i].name);
        put_indented(&children, sb_cstr(&sub), 2);
        sb_free(&sub);
        nchild++;
    }
    sb_puts(sb, "RecursiveScriptModule(");
    if (nchild == 0) {
        sb_printf(sb, "original_name=%s", c->name);
    } else {
        sb_printf(sb, "\n  original_name=%s", c->name);
        sb_puts(sb, sb_cstr(&children));
        sb_putc(sb, '\n');
    }
    sb_putc(sb, ')');
    sb_free(&children);
}

void module_print_tree(StrBuf *sb, const Module *m) {
    if (m->root.kind == IV_OBJECT) tree(sb, m->root.u.obj);
    sb_putc(sb, '\n');
}

/* Classes in the order a reader expects: the root's, then its submodules'
 * depth-first (attribute order), then any other class the code uses. */
typedef VEC(ClassType *) ClassVec;

static void add_class(ClassVec *v, ClassType *c) {
    for (int i = 0; i < v->len; i++)
        if (v->data[i] == c) return;
    vec_push(v, c);
}

static void walk_classes(ClassVec *v, const Object *o, int depth) {
    add_class(v, o->cls);
    if (depth > 200) return;
    for (int i = 0; i < o->nslots; i++)
        if (o->slots[i].kind == IV_OBJECT) walk_classes(v, o->slots[i].u.obj, depth + 1);
}

static void ordered_classes(const Module *m, ClassVec *v) {
    if (m->root.kind == IV_OBJECT) walk_classes(v, m->root.u.obj, 0);
    for (int i = 0; i < m->unit->class_list.len; i++) add_class(v, m->unit->class_list.data[i]);
}

void module_print_code(StrBuf *sb, const Module *m) {
    ClassVec cs = {0};
    ordered_classes(m, &cs);
    for (int i = 0; i < cs.len; i++) {
        ClassType *c = cs.data[i];
        if (i) sb_putc(sb, '\n');
        sb_printf(sb, "# %s\n", c->qualname);
        if (c->def_span.src) {
            Span sp = c->def_span;
            /* from the beginning of the line, to keep the indentation */
            uint32_t s = sp.start;
            while (s > 0 && sp.src->text[s - 1] != '\n') s--;
            sb_putn(sb, sp.src->text + s, sp.end - s);
            if (sp.end > s && sp.src->text[sp.end - 1] != '\n') sb_putc(sb, '\n');
        }
    }
    vec_free(&cs);
}

void module_print_graphs(StrBuf *sb, const Module *m) {
    ClassVec cs = {0};
    ordered_classes(m, &cs);
    bool first = true;
    for (int i = 0; i < cs.len; i++) {
        ClassType *c = cs.data[i];
        for (int k = 0; k < c->method_names.len; k++) {
            Function *fn = class_method(c, c->method_names.data[k]);
            if (!fn || !fn->graph) continue;
            if (!first) sb_putc(sb, '\n');
            first = false;
            sb_printf(sb, "# %s\n", fn->qualname);
            graph_print(sb, fn->graph);
        }
    }
    for (int i = 0; i < m->unit->fns.len; i++) {
        Function *fn = m->unit->fns.data[i];
        if (fn->owner || !fn->graph) continue;
        if (!first) sb_putc(sb, '\n');
        first = false;
        sb_printf(sb, "# %s\n", fn->qualname);
        graph_print(sb, fn->graph);
    }
    vec_free(&cs);
}
