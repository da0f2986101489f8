/*
 * optimize.c - the optimisation layer's entry (opt.h): checks that the
 * module may be frozen, runs freeze -> simplify [-> fuse] -> dead code on
 * one method and wraps the graph in a new module.
 *
 * The new module's unit is a source unit (Unit.from_source: saving prints
 * its code from the IR) with one class, named as the root's, holding only
 * `training` (False) and the optimised method; the weights are constants of
 * the graph. It retains the original module's unit (Module.base_unit), whose
 * sources the graph's spans name, so tracebacks still point into the
 * archive's code; the original module itself (its object tree, the
 * weights that were folded) can be released.
 */
#include <string.h>

#include "opt/opt.h"

/* Is some module of the tree under o in training mode? */
static bool training(const Object *o, int depth) {
    if (depth > 256) return false;
    int k = classtype_attr_index(o->cls, "training");
    if (k >= 0 && k < o->nslots && o->slots[k].kind == IV_BOOL && o->slots[k].u.b) return true;
    for (int i = 0; i < o->nslots; i++) {
        IValue v = o->slots[i];
        if (v.kind == IV_OBJECT && v.u.obj->cls->kind == CK_MODULE && v.u.obj != o && training(v.u.obj, depth + 1))
            return true;
    }
    return false;
}

static Function *new_method(Unit *u, ClassType *c, const Function *orig, Graph *g) {
    Function *fn = ts_xmalloc(sizeof *fn);
    memset(fn, 0, sizeof *fn);
    fn->name = arena_strdup(&u->arena, orig->name);
    fn->qualname = arena_printf(&u->arena, "%s.%s", c->qualname, orig->name);
    fn->owner = c;
    fn->span = orig->span;
    fn->nparams = orig->nparams;
    fn->params = ts_xmalloc(sizeof(FnParam) * (size_t)(orig->nparams + 1));
    memset(fn->params, 0, sizeof(FnParam) * (size_t)(orig->nparams + 1));
    for (int i = 0; i < orig->nparams; i++) {
        fn->params[i] = orig->params[i];
        fn->params[i].name = arena_strdup(&u->arena, orig->params[i].name ? orig->params[i].name : "self");
        fn->params[i].default_value = iv_dup(orig->params[i].default_value);
    }
    fn->params[0].type = c->type;
    fn->ret_type = orig->ret_type;
    fn->graph = g;
    fn->state = FN_EMITTED;
    vec_push(&u->fns, fn);
    classtype_add_method(c, fn->name, fn);
    return fn;
}

ts_status opt_module(Ctx *ctx, Module *m, const char *method, unsigned flags, Module **out, OptStats *stats) {
    OptStats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    *out = NULL;
    if (!method) method = "forward";
    if (m->inspect_only)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "optimize: the module was loaded for inspection only (no code runs)");
    if (m->root.kind != IV_OBJECT) return ts_fail(ctx, TS_ERR_ARG, NULL, "optimize: the module has no root object");
    Object *root = m->root.u.obj;
    if (training(root, 0))
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                       "optimize: the module is in training mode (call .eval() before saving it): batch norm "
                       "and dropout would change meaning if frozen");
    Function *fn = module_method(m, method);
    if (!fn) return ts_fail(ctx, TS_ERR_NOT_FOUND, NULL, "optimize: the module has no method '%s'", method);
    if (fn->state != FN_EMITTED || !fn->graph)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, &fn->span, "optimize: %s is not compiled", fn->qualname);

    Unit *u = unit_new(NULL, NULL);
    u->from_source = true;
    u->version = 10;
    ClassType *c = classtype_new(CK_MODULE, arena_strdup(&u->arena, root->cls->qualname));
    classtype_add_attr(c, "training", ty_bool(), false, false);
    unit_add_class(u, c);
    Graph *g;
    ts_status st = opt_freeze(ctx, fn, root, c->type, &g, stats);
    if (st == TS_OK) st = opt_simplify(ctx, g, stats);
    if (st == TS_OK && (flags & OPT_FUSE)) {
        opt_fuse(g, stats);
        opt_dead_code(g, stats);
    }
    if (st != TS_OK) {
        if (g) graph_free(g);
        unit_release(u);
        return st;
    }
    new_method(u, c, fn, g);
    Object *o = object_new(c);
    o->slots[0] = iv_bool(false);
    Module *nm = module_new(u, iv_object_steal(o), m->path ? m->path : "<optimized>");
    unit_release(u);
    nm->base_unit = unit_retain(m->unit);
    *out = nm;
    return TS_OK;
}
