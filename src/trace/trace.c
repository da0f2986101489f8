/*
 * trace.c - the tracer's session: the traced module tree, the graphs being
 * recorded, turning executed ops into nodes, and the finished module.
 *
 * Recording follows PyTorch 1.13's tracer (torch/csrc/jit/frontend/
 * tracer.cpp), read for behaviour:
 *   - every op that returns a tensor is a node; its arguments are the
 *     traced values of tensors (found by identity), constants for numbers,
 *     prim::ListConstruct of per-element values for lists;
 *   - a Python number given where a `.Tensor` overload exists (`x * 2`) is
 *     a 0-dim wrapped-number tensor constant of that overload;
 *   - tensor.size(d) and tensor.shape are aten::size + prim::NumToTensor,
 *     and such a number used as an int is aten::Int of it; arithmetic on it
 *     is tensor arithmetic;
 *   - parameters and buffers are prim::GetAttr of the module that owns
 *     them, hoisted to the top of the method in reverse order of first use;
 *   - a submodule's forward is a method of its own traced class, named
 *     forward, forward1, ... per call;
 *   - at the end, nodes nothing uses are removed (dead code elimination).
 */
#include "trace/trace_internal.h"

#include "frontend/sema.h"
#include "tensor/tensor.h"

#include <stdio.h>

/* ---- pointer map ---- */

static uint64_t ptr_hash(const void *p) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

void *ptrmap_get(const PtrMap *m, const void *key) {
    if (!m->cap) return NULL;
    for (uint64_t i = ptr_hash(key) & (uint64_t)(m->cap - 1);; i = (i + 1) & (uint64_t)(m->cap - 1)) {
        if (!m->keys[i]) return NULL;
        if (m->keys[i] == key) return m->vals[i];
    }
}

void ptrmap_put(PtrMap *m, const void *key, void *val) {
    if ((m->len + 1) * 2 > m->cap) {
        PtrMap n = {0};
        n.cap = m->cap ? m->cap * 2 : 64;
        n.keys = ts_xmalloc(sizeof(void *) * (size_t)n.cap);
        n.vals = ts_xmalloc(sizeof(void *) * (size_t)n.cap);
        memset(n.keys, 0, sizeof(void *) * (size_t)n.cap);
        for (int i = 0; i < m->cap; i++)
            if (m->keys[i]) ptrmap_put(&n, m->keys[i], m->vals[i]);
        ptrmap_free(m);
        *m = n;
    }
    uint64_t i = ptr_hash(key) & (uint64_t)(m->cap - 1);
    while (m->keys[i] && m->keys[i] != key) i = (i + 1) & (uint64_t)(m->cap - 1);
    if (!m->keys[i]) m->len++;
    m->keys[i] = key;
    m->vals[i] = val;
}

void ptrmap_free(PtrMap *m) {
    ts_free(m->keys);
    ts_free(m->vals);
    memset(m, 0, sizeof *m);
}

Shadow *tr_shadow_new(Tracer *t, Value *v, int n) {
    Shadow *s = arena_new(&t->arena, Shadow);
    s->v = v;
    s->n = n;
    if (n) s->items = arena_array(&t->arena, Shadow *, n);
    return s;
}

/* ---- warnings ---- */

void tr_warn(Tracer *t, Span sp, const char *text) {
    StrBuf sb;
    sb_init(&sb);
    if (sp.src) {
        span_format_loc(&sb, sp);
        sb_puts(&sb, ": ");
    }
    size_t key_len = sb.len;
    if (strmap_getn(&t->warned, sb.data ? sb.data : "", key_len) && key_len) {
        sb_free(&sb);
        return;
    }
    if (key_len) strmap_put(&t->warned, sb_cstr(&sb), (void *)1);
    sb_printf(&sb, "warning: TracerWarning: %s", text);
    if (t->opt.warn) {
        t->opt.warn(t->opt.warn_ud, sb_cstr(&sb));
    } else {
        sb_puts(&t->ctx->notes, sb_cstr(&sb));
        sb_putc(&t->ctx->notes, '\n');
    }
    sb_free(&sb);
}

/* ---- scopes ---- */

static Scope *scope_push(Tracer *t, TMod *m, Graph *g, Value *self) {
    Scope *s = ts_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->g = g;
    s->self = self;
    s->mod = m;
    s->up = t->scope;
    t->scope = s;
    return s;
}

/* Pop and free the innermost scope; its graph is freed unless kept. */
static void scope_pop(Tracer *t, bool keep_graph) {
    Scope *s = t->scope;
    t->scope = s->up;
    for (int i = 0; i < s->held.len; i++) iv_release(s->held.data[i]);
    vec_free(&s->held);
    vec_free(&s->getattrs);
    vec_free(&s->captures);
    ptrmap_free(&s->tensors);
    ptrmap_free(&s->modvals);
    if (!keep_graph) graph_free(s->g);
    ts_free(s);
}

static void map_tensor(Scope *s, Tensor *x, Value *v) {
    if (!ptrmap_get(&s->tensors, x)) {
        IValue h;
        h.kind = IV_TENSOR;
        h.u.t = x;
        vec_push(&s->held, iv_dup(h));
    }
    ptrmap_put(&s->tensors, x, v);
}

static Node *append(Scope *s, NodeKind k, Span sp) {
    Node *n = node_new(s->g, k, sp);
    block_append(s->g->block, n);
    return n;
}

static Value *constant(Tracer *t, IValue v_steal, Span sp) {
    Type *ty = v_steal.kind == IV_TENSOR ? ty_tensor() : sema_type_of_value(v_steal);
    return graph_constant(t->scope->g, t->scope->g->block, v_steal, ty, sp);
}

/* A Python number as PyTorch's tracer makes it a tensor: 0-dim, wrapped. */
static Value *wrapped_constant(Tracer *t, IValue num, Span sp) {
    Tensor *x = num.kind == IV_DOUBLE ? tensor_scalar_f64(t->ctx, DT_FLOAT64, num.u.d)
                : num.kind == IV_BOOL ? tensor_scalar_i64(t->ctx, DT_BOOL, num.u.b)
                                      : tensor_scalar_i64(t->ctx, DT_INT64, num.u.i);
    x->wrapped_number = true;
    return constant(t, iv_tensor_steal(x), sp);
}

/* Values get the name of the variable holding them where they are first
 * used. A submodule call's result is a value PyTorch makes after the names
 * were given, when it turns the recorded scope into a call: the name goes
 * to the value inside the called method. */
void tr_name_value(Tracer *t, Value *v, const char *name) {
    Value *inner;
    while ((inner = ptrmap_get(&t->call_results, v))) v = inner;
    Node *p = v->node;
    if (p->kind == NK_CALL_METHOD || (p->kind == NK_TUPLE_UNPACK && p->inputs.len &&
                                      p->inputs.data[0]->node->kind == NK_CALL_METHOD))
        return;
    if (!v->name && name && *name && strcmp(name, "self") != 0)
        v->name = arena_strdup(&t->unit->arena, name); /* the unit owns every graph of the result */
}

#define name_value tr_name_value

/* ---- the traced module tree ---- */

TMod *tr_mod_of(Tracer *t, const Object *o) {
    TMod *m = ptrmap_get(&t->mod_of, o);
    if (!m || !t->scope) return NULL;
    for (TMod *p = m->parent; p; p = p->parent)
        if (p == t->scope->mod) return m;
    return NULL; /* not below the method being recorded: walked inline */
}

/* The value of module m in the current scope: as PyTorch's traced code has
 * it, a chain of GetAttrs from self made for m alone (no sharing of the
 * modules between), hoisted to the top as a group. */
static Value *module_value(Tracer *t, TMod *m, Span sp) {
    Scope *s = t->scope;
    if (m == s->mod) return s->self;
    Value *v = ptrmap_get(&s->modvals, m);
    if (v) return v;
    TMod *path[64];
    int n = 0;
    for (TMod *p = m; p && p != s->mod && n < 64; p = p->parent) path[n++] = p;
    v = s->self;
    for (int i = n - 1; i >= 0; i--) {
        Node *g = append(s, NK_GETATTR, sp);
        g->name = path[i]->attr;
        g->index = classtype_attr_index(path[i]->parent->cls, path[i]->attr);
        node_add_input(s->g, g, v);
        v = node_add_output(s->g, g, path[i]->cls->type);
        v->name = arena_strdup(&s->g->arena, path[i]->attr);
        vec_push(&s->getattrs, g);
    }
    vec_push(&s->getattrs, (Node *)NULL); /* the end of the group */
    ptrmap_put(&s->modvals, m, v);
    return v;
}

static bool below(const TMod *m, const TMod *top) {
    for (; m; m = m->parent)
        if (m == top) return true;
    return false;
}

bool tr_is_parameter(Tracer *t, Tensor *x) {
    TParam *p = ptrmap_get(&t->param_of, x);
    return p && p->is_param;
}

bool tr_is_traced(Tracer *t, Tensor *x) {
    return t->scope && (ptrmap_get(&t->scope->tensors, x) || ptrmap_get(&t->param_of, x));
}

static bool known_above(Tracer *t, Scope *s, Tensor *x);
static Value *capture(Tracer *t, Tensor *x, const char *ir_name, Span sp);

Value *tr_tensor_value(Tracer *t, Tensor *x, const char *ir_name, Span sp) {
    Scope *s = t->scope;
    Value *v = ptrmap_get(&s->tensors, x);
    if (v) {
        name_value(t, v, ir_name);
        return v;
    }
    TParam *p = ptrmap_get(&t->param_of, x);
    if (!(p && below(p->owner, s->mod)) && s->up && known_above(t, s->up, x)) return capture(t, x, ir_name, sp);
    if (p && below(p->owner, s->mod)) {
        /* a fresh chain of GetAttrs per parameter, one hoisted group */
        Value *up = s->self;
        TMod *path[64];
        int np = 0;
        for (TMod *q = p->owner; q && q != s->mod && np < 64; q = q->parent) path[np++] = q;
        for (int i = np - 1; i >= 0; i--) {
            Node *g = append(s, NK_GETATTR, sp);
            g->name = path[i]->attr;
            g->index = classtype_attr_index(path[i]->parent->cls, path[i]->attr);
            node_add_input(s->g, g, up);
            up = node_add_output(s->g, g, path[i]->cls->type);
            up->name = arena_strdup(&s->g->arena, path[i]->attr);
            vec_push(&s->getattrs, g);
        }
        Node *n = append(s, NK_GETATTR, sp);
        n->name = p->name;
        n->index = classtype_attr_index(p->owner->cls, p->name);
        node_add_input(s->g, n, up);
        v = node_add_output(s->g, n, ty_tensor());
        v->name = arena_strdup(&s->g->arena, p->name);
        vec_push(&s->getattrs, n);
        vec_push(&s->getattrs, (Node *)NULL);
    } else {
        IValue c;
        c.kind = IV_TENSOR;
        c.u.t = x;
        v = constant(t, iv_dup(c), sp);
    }
    map_tensor(s, x, v);
    return v;
}

static const char *strip_mangle(Tracer *t, const char *q) {
    const char *m = strstr(q, ".___torch_mangle_");
    if (!m) return q;
    const char *rest = strchr(m + 1, '.');
    if (!rest) return q;
    return arena_printf(&t->unit->arena, "%.*s%s", (int)(m - q), q, rest);
}

static char *class_name(Tracer *t, const ClassType *orig) {
    const char *base = strip_mangle(t, orig->qualname);
    if (!unit_has_name(t->unit, base)) return arena_strdup(&t->unit->arena, base);
    const char *last = strrchr(base, '.');
    static int mangle; /* PyTorch's counter is per process too */
    int k = __atomic_fetch_add(&mangle, 1, __ATOMIC_RELAXED);
    for (;; k = __atomic_fetch_add(&mangle, 1, __ATOMIC_RELAXED)) {
        char *q = arena_printf(&t->unit->arena, "%.*s.___torch_mangle_%d%s", (int)(last - base), base, k, last);
        if (!unit_has_name(t->unit, q)) return q;
    }
}

static bool is_module_obj(IValue v) {
    return v.kind == IV_OBJECT && (v.u.obj->cls->kind == CK_MODULE);
}

/* A submodule the model's code scripted: the result holds the original
 * object (its class borrowed from the model's unit, borrow_scripted), and
 * its parameters are read through it. */
static TMod *scripted_mod(Tracer *t, Object *o, TMod *parent, const char *attr) {
    TMod *m = ts_xmalloc(sizeof *m);
    memset(m, 0, sizeof *m);
    m->orig = o;
    m->parent = parent;
    m->attr = arena_strdup(&t->unit->arena, attr);
    m->scripted = true;
    m->cls = o->cls;
    IValue v;
    v.kind = IV_OBJECT;
    v.u.obj = o;
    m->obj = iv_dup(v).u.obj;
    vec_push(&t->mods, m);
    ptrmap_put(&t->mod_of, o, m);
    for (int i = 0; i < o->cls->attrs.len && i < o->nslots; i++) {
        const ClassAttr *a = &o->cls->attrs.data[i];
        if (o->slots[i].kind != IV_TENSOR || !(a->is_param || a->is_buffer)) continue;
        TParam *p = arena_new(&t->arena, TParam);
        p->owner = m;
        p->name = arena_strdup(&t->unit->arena, a->name);
        p->is_param = a->is_param;
        if (!ptrmap_get(&t->param_of, o->slots[i].u.t)) ptrmap_put(&t->param_of, o->slots[i].u.t, p);
    }
    return m;
}

/* Borrow the classes of the scripted submodules below o before any traced
 * class is named: PyTorch scripted them first (in the constructor), so they
 * keep their names and the traced copies take the mangled ones. */
static ts_status borrow_scripted(Tracer *t, Object *o, int depth) {
    if (depth > 64) return TS_OK;
    for (int i = 0; i < o->cls->attrs.len && i < o->nslots; i++) {
        if (!is_module_obj(o->slots[i])) continue;
        Object *so = o->slots[i].u.obj;
        if (so->cls->user_scripted) TS_TRY(unit_borrow_class(t->ctx, t->unit, so->cls));
        else TS_TRY(borrow_scripted(t, so, depth + 1));
    }
    return TS_OK;
}

/* The traced counterpart of module object o (recursively). */
static TMod *build_mod(Tracer *t, Object *o, TMod *parent, const char *attr) {
    TMod *m = ts_xmalloc(sizeof *m);
    memset(m, 0, sizeof *m);
    m->orig = o;
    m->parent = parent;
    m->attr = attr ? arena_strdup(&t->unit->arena, attr) : NULL;
    vec_push(&t->mods, m);
    ptrmap_put(&t->mod_of, o, m);
    ClassType *oc = o->cls;
    ClassType *c = classtype_new(CK_MODULE, class_name(t, oc));
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < oc->attrs.len && i < o->nslots; i++) {
            const ClassAttr *a = &oc->attrs.data[i];
            if (o->slots[i].kind != IV_TENSOR || !(pass ? a->is_buffer : a->is_param)) continue;
            classtype_add_attr(c, a->name, ty_tensor(), a->is_param, a->is_buffer);
        }
    classtype_add_attr(c, "training", ty_bool(), false, false);
    classtype_add_attr(c, "_is_full_backward_hook", ty_optional(ty_bool()), false, false);
    unit_add_class(t->unit, c);
    m->cls = c;
    /* submodules: their types are made before the object */
    VEC(TMod *) subs = {0};
    for (int i = 0; i < oc->attrs.len && i < o->nslots; i++) {
        if (!is_module_obj(o->slots[i])) continue;
        Object *so = o->slots[i].u.obj;
        TMod *sm = ptrmap_get(&t->mod_of, so);
        if (!sm && so->cls->user_scripted) sm = scripted_mod(t, so, m, oc->attrs.data[i].name);
        if (!sm) sm = build_mod(t, so, m, oc->attrs.data[i].name);
        classtype_add_attr(c, oc->attrs.data[i].name, sm->cls->type, false, false);
        vec_push(&subs, sm);
    }
    m->obj = object_new(c);
    int training = classtype_attr_index(oc, "training");
    int k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < oc->attrs.len && i < o->nslots; i++) {
            const ClassAttr *a = &oc->attrs.data[i];
            if (o->slots[i].kind != IV_TENSOR || !(pass ? a->is_buffer : a->is_param)) continue;
            m->obj->slots[k++] = iv_dup(o->slots[i]);
            TParam *p = arena_new(&t->arena, TParam);
            p->owner = m;
            p->name = arena_strdup(&t->unit->arena, a->name);
            p->is_param = a->is_param;
            if (!ptrmap_get(&t->param_of, o->slots[i].u.t)) ptrmap_put(&t->param_of, o->slots[i].u.t, p);
        }
    m->obj->slots[k++] = training >= 0 ? iv_dup(o->slots[training]) : iv_bool(false);
    m->obj->slots[k++] = iv_none();
    for (int i = 0; i < subs.len; i++) {
        IValue so;
        so.kind = IV_OBJECT;
        so.u.obj = subs.data[i]->obj;
        m->obj->slots[k++] = subs.data[i]->owned ? iv_dup(so) : so; /* the first slot owns it */
        subs.data[i]->owned = true;
    }
    vec_free(&subs);
    return m;
}

/* ---- inputs and outputs ---- */

static bool tensor_tree(IValue v) {
    switch (v.kind) {
    case IV_TENSOR: return true;
    case IV_TUPLE:
        for (int64_t i = 0; i < v.u.tup->len; i++)
            if (!tensor_tree(v.u.tup->items[i])) return false;
        return true;
    case IV_LIST:
        for (int64_t i = 0; i < v.u.l->len; i++)
            if (!tensor_tree(v.u.l->items[i])) return false;
        return true;
    case IV_DICT:
        for (int64_t i = 0; i < v.u.dict->len; i++)
            if (!tensor_tree(v.u.dict->entries[i].value) || v.u.dict->entries[i].key.kind == IV_DOUBLE)
                return false;
        return true;
    default: return false;
    }
}

static Type *tree_type(IValue v) { return v.kind == IV_TENSOR ? ty_tensor() : sema_type_of_value(v); }

/* Map the tensors of input value v (graph value gv) in the current scope,
 * unpacking containers as PyTorch's tracer does at the start. */
static ts_status bind_input(Tracer *t, Value *gv, IValue v, Span sp) {
    Scope *s = t->scope;
    if (v.kind == IV_TENSOR) {
        ptrmap_put(&s->tensors, v.u.t, NULL); /* a later binding of the same tensor wins */
        map_tensor(s, v.u.t, gv);
        return TS_OK;
    }
    if (v.kind == IV_TUPLE || v.kind == IV_LIST) {
        int64_t n = v.kind == IV_TUPLE ? v.u.tup->len : v.u.l->len;
        const IValue *items = v.kind == IV_TUPLE ? v.u.tup->items : v.u.l->items;
        Node *u = append(s, v.kind == IV_TUPLE ? NK_TUPLE_UNPACK : NK_LIST_UNPACK, sp);
        node_add_input(s->g, u, gv);
        for (int64_t i = 0; i < n; i++) node_add_output(s->g, u, tree_type(items[i]));
        for (int64_t i = 0; i < n; i++) TS_TRY(bind_input(t, u->outputs.data[i], items[i], sp));
        return TS_OK;
    }
    if (v.kind == IV_DICT) {
        for (int64_t i = 0; i < v.u.dict->len; i++) {
            IValue key = v.u.dict->entries[i].key;
            const char *ov = key.kind == IV_STR ? "Dict_str" : key.kind == IV_INT ? "Dict_int"
                             : key.kind == IV_BOOL ? "Dict_bool" : "Dict_Tensor";
            const OpSchema *gs = ops_lookup_overload("aten::__getitem__", ov);
            if (!gs)
                return ts_fail(t->ctx, TS_ERR_UNSUPPORTED, NULL, "trace: a dict input with %s keys",
                               iv_kind_name(key));
            Value *kv = key.kind == IV_TENSOR ? tr_tensor_value(t, key.u.t, NULL, sp) : constant(t, iv_dup(key), sp);
            Node *n = append(s, NK_OP, sp);
            n->op = gs;
            node_add_input(s->g, n, gv);
            node_add_input(s->g, n, kv);
            Value *ev = node_add_output(s->g, n, tree_type(v.u.dict->entries[i].value));
            TS_TRY(bind_input(t, ev, v.u.dict->entries[i].value, sp));
        }
        return TS_OK;
    }
    return TS_OK;
}

static const char *const LIST_OUTPUT =
    "Encountering a %s at the output of the tracer might cause the trace to be incorrect, this is only "
    "valid if the container structure does not change based on the module's inputs. Consider using a "
    "constant container instead (e.g. for `list`, use a `tuple` instead. for `dict`, use a `NamedTuple` "
    "instead). If you absolutely need this and know the side effects, pass strict=False to trace() to "
    "allow this behavior (tscript trace --no-strict)";

static ts_status bad_output(Tracer *t, const char *what, IValue v) {
    const char *k = iv_kind_name(v);
    return ts_fail(t->ctx, TS_ERR_TYPE, NULL,
                   "trace: %s is %s %s, but a traced function can only return tensors and (possibly nested) "
                   "tuples, lists and dicts of tensors: return the tensor it comes from, or script the "
                   "model instead (tscript script) to return other values",
                   what, strchr("aeiou", k[0]) ? "an" : "a", k);
}

/* What output_value refuses, checked before anything is changed (a C
 * session's failed trace_end can be retried with another output). */
static ts_status check_output(Tracer *t, IValue v, const Shadow *sh, bool strict, const char *what) {
    if (sh && sh->v) return TS_OK;
    switch (v.kind) {
    case IV_TENSOR: return TS_OK;
    case IV_TUPLE:
    case IV_LIST: {
        int64_t n = v.kind == IV_TUPLE ? v.u.tup->len : v.u.l->len;
        const IValue *items = v.kind == IV_TUPLE ? v.u.tup->items : v.u.l->items;
        if (v.kind == IV_LIST && strict)
            for (int64_t i = 0; i < n; i++)
                if (items[i].kind != IV_TENSOR) return ts_fail(t->ctx, TS_ERR_TYPE, NULL, LIST_OUTPUT, "list");
        for (int64_t i = 0; i < n; i++)
            TS_TRY(check_output(t, items[i], sh && i < sh->n ? sh->items[i] : NULL, strict,
                                arena_printf(&t->arena, "%s[%lld]", what, (long long)i)));
        return TS_OK;
    }
    case IV_DICT:
        if (strict) return ts_fail(t->ctx, TS_ERR_TYPE, NULL, LIST_OUTPUT, "dict");
        for (int64_t i = 0; i < v.u.dict->len; i++) {
            IValue key = v.u.dict->entries[i].key;
            const char *at = key.kind == IV_STR ? arena_printf(&t->arena, "%s['%s']", what, key.u.s->data)
                             : key.kind == IV_INT ? arena_printf(&t->arena, "%s[%lld]", what, (long long)key.u.i)
                                                  : arena_printf(&t->arena, "%s[...]", what);
            TS_TRY(check_output(t, v.u.dict->entries[i].value, NULL, strict, at));
        }
        return TS_OK;
    default: return bad_output(t, what, v);
    }
}

static const char *const LIST_OUTPUT_WARNING =
    "Encountering a %s at the output of the tracer might cause the trace to be incorrect, this is only "
    "valid if the container structure does not change based on the module's inputs. Consider using a "
    "constant container instead (e.g. for `list`, use a `tuple` instead. for `dict`, use a `NamedTuple` "
    "instead). If you absolutely need this and know the side effects, pass strict=False to trace() to "
    "allow this behavior.";

/* The traced value of an output (a tensor or a container of tensors). */
static ts_status output_value(Tracer *t, IValue v, Shadow *sh, bool strict, const char *what, Span sp,
                              Value **out) {
    Scope *s = t->scope;
    if (sh && sh->v) { /* a number computed from tensors: PyTorch returns its 0-dim tensor */
        *out = sh->v;
        return TS_OK;
    }
    switch (v.kind) {
    case IV_TENSOR: *out = tr_tensor_value(t, v.u.t, NULL, sp); return TS_OK;
    case IV_TUPLE:
    case IV_LIST: {
        /* strict refuses a list whose items are not tensors (a list of tensors is a TensorList),
         * and warns about one of tensors, as PyTorch does (once per trace) */
        if (v.kind == IV_LIST && strict)
            for (int64_t i = 0; i < v.u.l->len; i++)
                if (v.u.l->items[i].kind != IV_TENSOR) return ts_fail(t->ctx, TS_ERR_TYPE, NULL, LIST_OUTPUT, "list");
        if (v.kind == IV_LIST && strict && !t->warned_list_output) {
            t->warned_list_output = true;
            StrBuf w;
            sb_init(&w);
            sb_printf(&w, LIST_OUTPUT_WARNING, "list");
            tr_warn(t, sp, sb_cstr(&w));
            sb_free(&w);
        }
        int64_t n = v.kind == IV_TUPLE ? v.u.tup->len : v.u.l->len;
        const IValue *items = v.kind == IV_TUPLE ? v.u.tup->items : v.u.l->items;
        Value **vals = ts_xmalloc(sizeof(Value *) * (size_t)(n + 1));
        Type **types = ts_xmalloc(sizeof(Type *) * (size_t)(n + 1));
        for (int64_t i = 0; i < n; i++) {
            ts_status st = output_value(t, items[i], sh && i < sh->n ? sh->items[i] : NULL, strict, what, sp,
                                        &vals[i]);
            if (st != TS_OK) {
                ts_free(vals);
                ts_free(types);
                return st;
            }
            types[i] = vals[i]->type;
        }
        Node *c = append(s, v.kind == IV_TUPLE ? NK_TUPLE_CONSTRUCT : NK_LIST_CONSTRUCT, sp);
        for (int64_t i = 0; i < n; i++) node_add_input(s->g, c, vals[i]);
        Type *ty = v.kind == IV_TUPLE ? ty_tuple(types, (int)n) : ty_list(v.u.l->elem ? v.u.l->elem : ty_tensor());
        *out = node_add_output(s->g, c, ty);
        ts_free(vals);
        ts_free(types);
        return TS_OK;
    }
    case IV_DICT: {
        if (strict) return ts_fail(t->ctx, TS_ERR_TYPE, NULL, LIST_OUTPUT, "dict");
        DictObj *d = v.u.dict;
        Value **vals = ts_xmalloc(sizeof(Value *) * (size_t)(2 * d->len + 1));
        for (int64_t i = 0; i < d->len; i++) {
            IValue key = d->entries[i].key;
            vals[2 * i] = key.kind == IV_TENSOR ? tr_tensor_value(t, key.u.t, NULL, sp) : constant(t, iv_dup(key), sp);
            ts_status st = output_value(t, d->entries[i].value, NULL, strict, what, sp, &vals[2 * i + 1]);
            if (st != TS_OK) {
                ts_free(vals);
                return st;
            }
        }
        Node *c = append(s, NK_DICT_CONSTRUCT, sp);
        for (int64_t i = 0; i < 2 * d->len; i++) node_add_input(s->g, c, vals[i]);
        *out = node_add_output(s->g, c, ty_dict(d->key_type, d->value_type));
        ts_free(vals);
        return TS_OK;
    }
    default: return bad_output(t, what, v);
    }
}

/* ---- recording ops ---- */

static bool returns_tensor(const Type *ty) {
    if (!ty) return false;
    switch (ty->kind) {
    case TK_TENSOR: return true;
    case TK_OPTIONAL:
    case TK_LIST: return returns_tensor(ty->elems[0]);
    case TK_TUPLE:
        for (int i = 0; i < ty->n; i++)
            if (returns_tensor(ty->elems[i])) return true;
        return false;
    default: return false;
    }
}

static Value *record_size(Tracer *t, Value *xv, int64_t dim, Span sp) {
    Scope *s = t->scope;
    Value *d = constant(t, iv_int(dim), sp);
    Node *n = append(s, NK_OP, sp);
    n->op = ops_lookup_overload("aten::size", "int");
    node_add_input(s->g, n, xv);
    node_add_input(s->g, n, d);
    Value *iv = node_add_output(s->g, n, ty_int());
    Node *nt = append(s, NK_OP, sp);
    nt->op = ops_lookup_overload("prim::NumToTensor", "Scalar");
    node_add_input(s->g, nt, iv);
    return node_add_output(s->g, nt, ty_tensor());
}

/* A traced number used as an int/float: a conversion node per use, placed
 * right after the number's own node, as PyTorch's argument stash does. */
static Value *convert_num(Tracer *t, Value *tv, const char *op, const char *ov, Type *ty, Span sp) {
    Scope *s = t->scope;
    Node *n = node_new(s->g, NK_OP, sp);
    Node *after = tv->node->kind == NK_PARAM ? s->g->block->param : tv->node;
    n->owner = s->g->block;
    n->prev = after;
    n->next = after->next;
    after->next->prev = n;
    after->next = n;
    n->op = ops_lookup_overload(op, ov);
    node_add_input(s->g, n, tv);
    return node_add_output(s->g, n, ty);
}

static bool is_number_type(const Type *ty) {
    return ty && (ty->kind == TK_NUMBER || ty->kind == TK_INT || ty->kind == TK_FLOAT);
}

/* The traced value of one argument of declared type ty. */
static Value *arg_value(Tracer *t, IValue v, Shadow *sh, Type *ty, const char *name, Span sp) {
    Type *base = ty && ty->kind == TK_OPTIONAL ? ty->elems[0] : ty;
    if (sh && sh->v && v.kind != IV_LIST && v.kind != IV_TUPLE) {
        name_value(t, sh->v, name);
        if (base && base->kind == TK_INT) return convert_num(t, sh->v, "aten::Int", "Tensor", ty_int(), sp);
        if (base && base->kind == TK_FLOAT) return convert_num(t, sh->v, "aten::Float", "Tensor", ty_float(), sp);
        if (base && base->kind == TK_TENSOR) return sh->v;
        return convert_num(t, sh->v, "aten::ScalarImplicit", "", ty_number(), sp);
    }
    if (v.kind == IV_TENSOR) return tr_tensor_value(t, v.u.t, name, sp);
    if (v.kind == IV_LIST && base && base->kind == TK_LIST) {
        Type *el = base->elems[0];
        Type *elb = el && el->kind == TK_OPTIONAL ? el->elems[0] : el;
        if (elb && (elb->kind == TK_TENSOR || elb->kind == TK_INT || elb->kind == TK_FLOAT)) {
            ListObj *l = v.u.l;
            Value **vals = ts_xmalloc(sizeof(Value *) * (size_t)(l->len + 1));
            for (int64_t i = 0; i < l->len; i++)
                vals[i] = arg_value(t, l->items[i], sh && i < sh->n ? sh->items[i] : NULL, el, NULL, sp);
            Node *c = append(t->scope, NK_LIST_CONSTRUCT, sp);
            for (int64_t i = 0; i < l->len; i++) node_add_input(t->scope->g, c, vals[i]);
            ts_free(vals);
            return node_add_output(t->scope->g, c, ty_list(el));
        }
    }
    return constant(t, iv_dup(v), sp);
}

/* The `.Tensor` twin of a `.Scalar` overload, with the index of the
 * argument that differs, or NULL. */
static const OpSchema *tensor_twin(const OpSchema *s, int *which) {
    if (strcmp(s->overload, "Scalar") != 0) return NULL;
    /* only these have no Python binding of their Scalar overload (PyTorch's
     * gen_python_functions.py SKIP_PYTHON_BINDINGS_SIGNATURES): x > 0,
     * masked_fill(m, -9.0), ... keep their number */
    static const char *const no_python_scalar[] = {"aten::add", "aten::add_", "aten::sub", "aten::sub_",
                                                   "aten::mul", "aten::mul_", "aten::div", "aten::div_"};
    bool twin = false;
    for (size_t i = 0; i < sizeof no_python_scalar / sizeof *no_python_scalar; i++)
        twin |= !strcmp(s->name, no_python_scalar[i]);
    if (!twin) return NULL;
    const OpSchema *ts2 = ops_lookup_overload(s->name, "Tensor");
    if (!ts2 || ts2->nargs != s->nargs) return NULL;
    int diff = -1;
    for (int i = 0; i < s->nargs; i++) {
        bool a = s->args[i].type->kind == TK_NUMBER, b = ts2->args[i].type->kind == TK_TENSOR;
        if (a && b) {
            if (diff >= 0) return NULL;
            diff = i;
        } else if (s->args[i].type->kind != ts2->args[i].type->kind) {
            return NULL;
        }
    }
    if (diff < 0) return NULL;
    *which = diff;
    return ts2;
}

static void bind_outputs(Tracer *t, Node *n, const IValue *outs, int nout, Span sp) {
    Scope *s = t->scope;
    for (int k = 0; k < nout; k++) {
        Value *ov = n->outputs.data[k];
        IValue o = outs[k];
        if (o.kind == IV_TENSOR) {
            map_tensor(s, o.u.t, ov);
        } else if (o.kind == IV_LIST && o.u.l->len > 0 && o.u.l->items[0].kind == IV_TENSOR) {
            Node *u = append(s, NK_LIST_UNPACK, sp);
            node_add_input(s->g, u, ov);
            for (int64_t i = 0; i < o.u.l->len; i++) {
                Value *e = node_add_output(s->g, u, ty_tensor());
                if (o.u.l->items[i].kind == IV_TENSOR) map_tensor(s, o.u.l->items[i].u.t, e);
            }
        }
    }
}

/* Arithmetic on traced numbers: the tensor op PyTorch's tracer records for
 * the same Python on 0-dim tensors. */
typedef struct NumOp {
    const char *name, *tensor_op, *overload;
    bool commutes;
    const char *swapped; /* the op of (b op a), NULL: same */
    const char *mode;    /* the rounding_mode of aten::div.Tensor_mode */
} NumOp;

static const NumOp NUM_OPS[] = {
    {"aten::add", "aten::add", "Tensor", true, NULL, NULL},
    {"aten::sub", "aten::sub", "Tensor", false, NULL, NULL},
    {"aten::mul", "aten::mul", "Tensor", true, NULL, NULL},
    {"aten::div", "aten::div", "Tensor", false, NULL, NULL},
    /* PyTorch 1.13's Tensor.__floordiv__ is div(rounding_mode='trunc') */
    {"aten::floordiv", "aten::div", "Tensor_mode", false, NULL, "trunc"},
    {"aten::eq", "aten::eq", "Tensor", true, NULL, NULL},
    {"aten::ne", "aten::ne", "Tensor", true, NULL, NULL},
    {"aten::lt", "aten::lt", "Tensor", true, "aten::gt", NULL},
    {"aten::gt", "aten::gt", "Tensor", true, "aten::lt", NULL},
    {"aten::le", "aten::le", "Tensor", true, "aten::ge", NULL},
    {"aten::ge", "aten::ge", "Tensor", true, "aten::le", NULL},
};

static Value *num_operand(Tracer *t, IValue v, Shadow *sh, Span sp) {
    return sh && sh->v ? sh->v : wrapped_constant(t, v, sp);
}

static bool record_num_op(Tracer *t, const OpSchema *s, const IValue *args, Shadow *const *sh, int nin, Span sp,
                          Shadow **shadow_out) {
    if (nin != 2 || !is_number_type(s->args[0].type) || !is_number_type(s->args[1].type)) return false;
    bool a = sh && sh[0] && sh[0]->v, b = sh && sh[1] && sh[1]->v;
    if (!a && !b) return false;
    for (size_t i = 0; i < sizeof NUM_OPS / sizeof NUM_OPS[0]; i++) {
        const NumOp *o = &NUM_OPS[i];
        if (strcmp(o->name, s->name) != 0) continue;
        int x = 0, y = 1;
        const char *op = o->tensor_op;
        if (!a) {
            if (!o->commutes) return false;
            x = 1;
            y = 0;
            if (o->swapped) op = o->swapped;
        }
        const OpSchema *ts2 = ops_lookup_overload(op, o->overload);
        if (!ts2) return false;
        Value *va = num_operand(t, args[x], sh[x], sp), *vb = num_operand(t, args[y], sh[y], sp);
        Value *alpha = o->mode ? constant(t, iv_cstr(o->mode), sp)
                       : ts2->nargs == 3 ? constant(t, iv_int(1), sp) : NULL;
        Node *n = append(t->scope, NK_OP, sp);
        n->op = ts2;
        node_add_input(t->scope->g, n, va);
        node_add_input(t->scope->g, n, vb);
        if (alpha) node_add_input(t->scope->g, n, alpha);
        *shadow_out = tr_shadow_new(t, node_add_output(t->scope->g, n, ty_tensor()), 0);
        return true;
    }
    return false;
}

/* Factory ops: PyTorch's Python bindings pass full TensorOptions, so the
 * trace records the cpu device and pin_memory=False, and for *_like ops
 * the dtype of the result and the strided layout (0). NULL: nothing to
 * fill. */
static IValue *fill_options(const OpSchema *s, const IValue *args, int nin, const IValue *outs, int nout) {
    int dt = -1, lay = -1, dev = -1, pin = -1;
    for (int k = 0; k < nin && k < s->nargs; k++) {
        const char *an = s->args[k].name;
        if (!an || args[k].kind != IV_NONE) continue;
        if (!strcmp(an, "dtype")) dt = k;
        else if (!strcmp(an, "layout")) lay = k;
        else if (!strcmp(an, "device")) dev = k;
        else if (!strcmp(an, "pin_memory")) pin = k;
    }
    if (pin < 0 && dev < 0) return NULL;
    size_t len = strlen(s->name);
    bool like = len > 5 && !strcmp(s->name + len - 5, "_like");
    IValue *a = ts_xmalloc(sizeof(IValue) * (size_t)(nin + 1));
    for (int k = 0; k < nin; k++) a[k] = iv_dup(args[k]);
    /* a *_like op records the dtype it gave; torch.zeros(...) and the other factories keep None */
    if (dt >= 0 && like && nout >= 1 && outs[0].kind == IV_TENSOR) a[dt] = iv_int((int64_t)outs[0].u.t->dtype);
    if (lay >= 0 && like) a[lay] = iv_int(0);
    if (dev >= 0) {
        Device d = {DEVICE_CPU, -1};
        a[dev] = iv_device(d);
    }
    if (pin >= 0) a[pin] = iv_bool(false);
    return a;
}

static IValue int_list(IValue v, int n) {
    if (v.kind != IV_INT) return iv_dup(v);
    ListObj *l = list_new(ty_int(), n);
    for (int i = 0; i < n; i++) list_push_steal(l, iv_int(v.u.i));
    return iv_list_steal(l);
}

/* conv1d/2d/3d and conv_transpose1d/2d/3d: PyTorch's tracer records the
 * aten::_convolution they call (with cudnn_enabled and allow_tf32 true, as
 * the CPU build passes them). Fills buf (owned values) and retargets *s. */
static IValue *rewrite_conv(const OpSchema **s, const IValue *args, int *nin, IValue *buf) {
    const char *nm = (*s)->name, *ov = (*s)->overload;
    bool conv = (!strcmp(nm, "aten::conv1d") || !strcmp(nm, "aten::conv2d") || !strcmp(nm, "aten::conv3d")) && !ov[0];
    bool tconv = (!strcmp(nm, "aten::conv_transpose1d") && !ov[0]) ||
                 ((!strcmp(nm, "aten::conv_transpose2d") || !strcmp(nm, "aten::conv_transpose3d")) &&
                  !strcmp(ov, "input"));
    bool mode = (!strcmp(nm, "aten::conv1d") || !strcmp(nm, "aten::conv2d") || !strcmp(nm, "aten::conv3d")) &&
                !strcmp(ov, "padding");
    const OpSchema *cm = ops_lookup_overload("aten::_convolution_mode", "");
    if (mode && cm && *nin >= 7 && args[1].kind == IV_TENSOR && args[4].kind == IV_STR && args[1].u.t->ndim >= 3) {
        /* a padding string: aten::_convolution_mode, its int lists spelled out */
        int n = args[1].u.t->ndim - 2;
        buf[0] = iv_dup(args[0]);
        buf[1] = iv_dup(args[1]);
        buf[2] = iv_dup(args[2]);
        buf[3] = int_list(args[3], n);
        buf[4] = iv_dup(args[4]);
        buf[5] = int_list(args[5], n);
        buf[6] = iv_dup(args[6]);
        *nin = 7;
        *s = cm;
        return buf;
    }
    const OpSchema *c = ops_lookup_overload("aten::_convolution", "");
    if ((!conv && !tconv) || !c || *nin < (conv ? 7 : 8) || args[1].kind != IV_TENSOR) return NULL;
    int n = args[1].u.t->ndim - 2;
    if (n < 1) return NULL;
    buf[0] = iv_dup(args[0]);
    buf[1] = iv_dup(args[1]);
    buf[2] = iv_dup(args[2]);
    buf[3] = int_list(args[3], n);
    buf[4] = int_list(args[4], n);
    if (conv) {
        buf[5] = int_list(args[5], n);
        buf[6] = iv_bool(false);
        buf[7] = int_list(iv_int(0), n);
        buf[8] = iv_dup(args[6]);
    } else { /* input, weight, bias, stride, padding, output_padding, groups, dilation */
        buf[5] = int_list(args[7], n);
        buf[6] = iv_bool(true);
        buf[7] = int_list(args[5], n);
        buf[8] = iv_dup(args[6]);
    }
    buf[9] = iv_bool(false);
    buf[10] = iv_bool(false);
    buf[11] = iv_bool(true);
    buf[12] = iv_bool(true);
    *nin = 13;
    *s = c;
    return buf;
}

/* One node of op name.overload on ins, returning nout values (typed ty:
 * Tensor when NULL). */
static Node *emit(Tracer *t, const char *name, const char *ov, Value *const *ins, int nin, int nout, Type *ty,
                  Span sp) {
    Scope *s = t->scope;
    Node *n = append(s, NK_OP, sp);
    n->op = ops_lookup_overload(name, ov);
    for (int i = 0; i < nin; i++) node_add_input(s->g, n, ins[i]);
    for (int i = 0; i < nout; i++) node_add_output(s->g, n, ty ? ty : ty_tensor());
    return n;
}

static Value *emit1(Tracer *t, const char *name, const char *ov, Value *a, Value *b, Value *c, Span sp) {
    Value *ins[3] = {a, b, c};
    return emit(t, name, ov, ins, a ? (b ? (c ? 3 : 2) : 1) : 0, 1, NULL, sp)->outputs.data[0];
}

/* unsafe_chunk(x, k, 1) and its ListUnpack: the k parts. */
static Node *emit_chunks(Tracer *t, Value *x, int k, Span sp) {
    Scope *s = t->scope;
    Value *ins[3] = {x, constant(t, iv_int(k), sp), constant(t, iv_int(1), sp)};
    Node *c = emit(t, "aten::unsafe_chunk", "", ins, 3, 1, ty_list(ty_tensor()), sp);
    Node *u = append(s, NK_LIST_UNPACK, sp);
    node_add_input(s->g, u, c->outputs.data[0]);
    for (int i = 0; i < k; i++) node_add_output(s->g, u, ty_tensor());
    return u;
}

/* The RNN cells as PyTorch 1.13's tracer records them: their ATen
 * implementations (RNN.cpp's cell functions) are composite, so the trace
 * holds the linear / chunk / gate ops they run, in that order. outs are the
 * cell's results (h, or h and c for lstm_cell). */
static bool record_rnn_cell(Tracer *t, const OpSchema *s, const IValue *args, const char *const *names, int nin,
                            const IValue *outs, int nout, Span sp) {
    const char *nm = s->name;
    int kind = !strcmp(nm, "aten::rnn_tanh_cell") ? 0 : !strcmp(nm, "aten::rnn_relu_cell") ? 1
             : !strcmp(nm, "aten::gru_cell") ? 2 : !strcmp(nm, "aten::lstm_cell") ? 3 : -1;
    if (kind < 0 || nin != 6 || !ops_lookup_overload("aten::unsafe_chunk", "")) return false;
    for (int i = 0; i < nout; i++)
        if (outs[i].kind != IV_TENSOR) return false;
    if (args[0].kind != IV_TENSOR || args[2].kind != IV_TENSOR || args[3].kind != IV_TENSOR) return false;
    if (kind == 3 ? !(args[1].kind == IV_LIST && args[1].u.l->len == 2 && args[1].u.l->items[0].kind == IV_TENSOR &&
                      args[1].u.l->items[1].kind == IV_TENSOR)
                  : args[1].kind != IV_TENSOR)
        return false;
    for (int i = 4; i < 6; i++)
        if (args[i].kind != IV_TENSOR && args[i].kind != IV_NONE) return false;
    /* values are taken in the order the ops use them: a parameter's GetAttr
     * is made at its first use, as in PyTorch */
#define ARG(i) (args[i].kind == IV_TENSOR ? tr_tensor_value(t, args[i].u.t, names ? names[i] : NULL, sp) \
                                          : constant(t, iv_none(), sp))
    Value *one;
#define ONE (one = constant(t, iv_int(1), sp))
    if (kind <= 1) {
        Value *h = ARG(1), *whh = ARG(3), *bhh = ARG(5);
        Value *hh = emit1(t, "aten::linear", "", h, whh, bhh, sp);
        Value *x = ARG(0), *wih = ARG(2), *bih = ARG(4);
        Value *ih = emit1(t, "aten::linear", "", x, wih, bih, sp);
        Value *sum = emit1(t, "aten::add_", "Tensor", hh, ih, ONE, sp);
        map_tensor(t->scope, outs[0].u.t, emit1(t, kind ? "aten::relu" : "aten::tanh", "", sum, NULL, NULL, sp));
    } else if (kind == 2) {
        Value *x = ARG(0), *wih = ARG(2), *bih = ARG(4);
        Node *gi = emit_chunks(t, emit1(t, "aten::linear", "", x, wih, bih, sp), 3, sp);
        Value *h = ARG(1), *whh = ARG(3), *bhh = ARG(5);
        Node *gh = emit_chunks(t, emit1(t, "aten::linear", "", h, whh, bhh, sp), 3, sp);
        Value *r = emit1(t, "aten::sigmoid_", "", emit1(t, "aten::add_", "Tensor", gh->outputs.data[0],
                                                         gi->outputs.data[0], ONE, sp), NULL, NULL, sp);
        Value *z = emit1(t, "aten::sigmoid_", "", emit1(t, "aten::add_", "Tensor", gh->outputs.data[1],
                                                         gi->outputs.data[1], ONE, sp), NULL, NULL, sp);
        Value *hn = emit1(t, "aten::mul_", "Tensor", gh->outputs.data[2], r, NULL, sp);
        Value *n = emit1(t, "aten::tanh_", "", emit1(t, "aten::add", "Tensor", gi->outputs.data[2], hn, ONE, sp),
                         NULL, NULL, sp);
        Value *d = emit1(t, "aten::mul_", "Tensor", emit1(t, "aten::sub", "Tensor", h, n, ONE, sp), z, NULL, sp);
        map_tensor(t->scope, outs[0].u.t, emit1(t, "aten::add_", "Tensor", d, n, ONE, sp));
    } else {
        ListObj *hx = args[1].u.l;
        Value *h = tr_tensor_value(t, hx->items[0].u.t, NULL, sp), *c = tr_tensor_value(t, hx->items[1].u.t, NULL, sp);
        Value *whh = ARG(3), *bhh = ARG(5);
        Value *hh = emit1(t, "aten::linear", "", h, whh, bhh, sp);
        Value *x = ARG(0), *wih = ARG(2), *bih = ARG(4);
        Value *ih = emit1(t, "aten::linear", "", x, wih, bih, sp);
        Node *g = emit_chunks(t, emit1(t, "aten::add_", "Tensor", hh, ih, ONE, sp), 4, sp);
        Value *ig = emit1(t, "aten::sigmoid_", "", g->outputs.data[0], NULL, NULL, sp);
        Value *fg = emit1(t, "aten::sigmoid_", "", g->outputs.data[1], NULL, NULL, sp);
        Value *cg = emit1(t, "aten::tanh_", "", g->outputs.data[2], NULL, NULL, sp);
        Value *og = emit1(t, "aten::sigmoid_", "", g->outputs.data[3], NULL, NULL, sp);
        Value *fc = emit1(t, "aten::mul", "Tensor", fg, c, NULL, sp);
        Value *ic = emit1(t, "aten::mul", "Tensor", ig, cg, NULL, sp);
        Value *cy = emit1(t, "aten::add_", "Tensor", fc, ic, ONE, sp);
        Value *hy = emit1(t, "aten::mul", "Tensor", og, emit1(t, "aten::tanh", "", cy, NULL, NULL, sp), NULL, sp);
        map_tensor(t->scope, outs[0].u.t, hy);
        map_tensor(t->scope, outs[1].u.t, cy);
    }
#undef ONE
#undef ARG
    (void)one;
    return true;
}

/* x[i, a:b] = number (the code's fill_ of the indexed view) as PyTorch's
 * Python setitem records it: the number becomes a 0-dim tensor of x's dtype,
 * copied in with copy_ when the view is 0-dim too, else fill_.Tensor
 * (ATen's indexing copy_to). */
static ts_status record_fill(Tracer *t, Tensor *x, IValue num, const char *xname, Tensor *out, Span sp) {
    const OpSchema *cp = ops_lookup_overload("aten::copy_", ""), *fl = ops_lookup_overload("aten::fill_", "Tensor");
    Value *xv = tr_tensor_value(t, x, xname, sp);
    Tensor *c = num.kind == IV_DOUBLE ? tensor_scalar_f64(t->ctx, x->dtype, num.u.d)
                : tensor_scalar_i64(t->ctx, x->dtype, num.kind == IV_BOOL ? (int64_t)num.u.b : num.u.i);
    if (!c) return ts_fail(t->ctx, TS_ERR_NOMEM, NULL, "out of memory while tracing fill_");
    Value *cv = constant(t, iv_tensor_steal(c), sp);
    Scope *s = t->scope;
    Node *n = append(s, NK_OP, sp);
    bool copy = x->ndim == 0 && cp;
    n->op = copy ? cp : fl ? fl : ops_lookup_overload("aten::fill_", "Scalar");
    node_add_input(s->g, n, xv);
    node_add_input(s->g, n, n->op == fl || copy ? cv : constant(t, iv_dup(num), sp));
    if (copy) node_add_input(s->g, n, constant(t, iv_bool(false), sp));
    map_tensor(s, out, node_add_output(s->g, n, ty_tensor()));
    return TS_OK;
}

/* torch.tensor(data) as PyTorch's Python binding records it: the value as a
 * constant (a copy: the result may be changed in place later), then
 * aten::to(c, cpu, dtype, False, False, None) and aten::detach. */
static ts_status record_tensor_literal(Tracer *t, Tensor *x, Span sp) {
    Scope *s = t->scope;
    const OpSchema *to = ops_lookup_overload("aten::to", "device"), *det = ops_lookup_overload("aten::detach", "");
    Tensor *src = to && det ? tensor_contiguous(t->ctx, x) : NULL;
    Tensor *c = src ? tensor_new_uninit(t->ctx, x->dtype, x->sizes, x->ndim) : NULL;
    if (!c) {
        tensor_release(src);
        if (!to || !det) return TS_OK; /* nothing to record it with: a constant at its use */
        return ts_fail(t->ctx, TS_ERR_NOMEM, NULL, "out of memory while tracing torch.tensor");
    }
    memcpy(tensor_data(c), tensor_data(src), (size_t)tensor_numel(x) * dtype_size(x->dtype));
    tensor_release(src);
    Value *cv = constant(t, iv_tensor_steal(c), sp);
    Device cpu = {DEVICE_CPU, -1};
    Value *dev = constant(t, iv_device(cpu), sp), *dt = constant(t, iv_int((int64_t)x->dtype), sp);
    Value *f1 = constant(t, iv_bool(false), sp), *f2 = constant(t, iv_bool(false), sp);
    Value *none = constant(t, iv_none(), sp);
    Node *n = append(s, NK_OP, sp);
    n->op = to;
    Value *ins[6] = {cv, dev, dt, f1, f2, none};
    for (int i = 0; i < 6; i++) node_add_input(s->g, n, ins[i]);
    Value *tv = node_add_output(s->g, n, ty_tensor());
    Node *d = append(s, NK_OP, sp);
    d->op = det;
    node_add_input(s->g, d, tv);
    map_tensor(s, x, node_add_output(s->g, d, ty_tensor()));
    return TS_OK;
}

ts_status tr_record_op(Tracer *t, const OpSchema *s, const IValue *args, Shadow *const *shadows,
                       const char *const *names, int nin, const IValue *outs, Type *const *out_types, int nout,
                       Span sp, Shadow **shadow_out) {
    *shadow_out = NULL;
    Scope *sc = t->scope;
    if (!sc) return TS_OK;
    const char *name = s->name;
    if (!strcmp(name, "aten::size") && nin >= 1 && args[0].kind == IV_TENSOR) {
        Value *xv = tr_tensor_value(t, args[0].u.t, names ? names[0] : NULL, sp);
        if (!strcmp(s->overload, "int") && nin == 2 && args[1].kind == IV_INT) {
            *shadow_out = tr_shadow_new(t, record_size(t, xv, args[1].u.i, sp), 0);
        } else if (!s->overload[0] && nout == 1 && outs[0].kind == IV_LIST) {
            Shadow *c = tr_shadow_new(t, NULL, (int)outs[0].u.l->len);
            for (int i = 0; i < c->n; i++) c->items[i] = tr_shadow_new(t, record_size(t, xv, i, sp), 0);
            *shadow_out = c;
        }
        return TS_OK;
    }
    if (!strcmp(name, "aten::__getitem__") && nin == 2 && shadows && shadows[0] && !shadows[0]->v &&
        args[1].kind == IV_INT) {
        int64_t i = args[1].u.i, n = shadows[0]->n;
        if (i < 0) i += n;
        if (i >= 0 && i < n) *shadow_out = shadows[0]->items[i];
        return TS_OK;
    }
    if (!strcmp(name, "aten::slice") && !strcmp(s->overload, "t") && nin == 4 && shadows && shadows[0] &&
        !shadows[0]->v && nout == 1 && outs[0].kind == IV_LIST) {
        /* shape[a:b]: the traced numbers of the items kept */
        int64_t n = shadows[0]->n, st = args[1].kind == IV_INT ? args[1].u.i : 0;
        int64_t en = args[2].kind == IV_INT ? args[2].u.i : n, step = args[3].kind == IV_INT ? args[3].u.i : 1;
        if (st < 0) st += n;
        if (en < 0) en += n;
        st = st < 0 ? 0 : st > n ? n : st;
        en = en < 0 ? 0 : en > n ? n : en;
        if (step > 0 && (en > st ? (en - st + step - 1) / step : 0) == outs[0].u.l->len) {
            Shadow *c = tr_shadow_new(t, NULL, (int)outs[0].u.l->len);
            for (int64_t i = st, k = 0; i < en; i += step, k++) c->items[k] = shadows[0]->items[i];
            *shadow_out = c;
        }
        return TS_OK;
    }
    if (record_num_op(t, s, args, shadows, nin, sp, shadow_out)) return TS_OK;
    if (!strcmp(name, "aten::tensor") && nout == 1 && outs[0].kind == IV_TENSOR) return record_tensor_literal(t, outs[0].u.t, sp);
    if (record_rnn_cell(t, s, args, names, nin, outs, nout, sp)) return TS_OK;
    if (!strcmp(name, "aten::fill_") && !strcmp(s->overload, "Scalar") && nin == 2 && args[0].kind == IV_TENSOR &&
        (args[1].kind == IV_DOUBLE || args[1].kind == IV_INT || args[1].kind == IV_BOOL) && nout == 1 &&
        outs[0].kind == IV_TENSOR)
        return record_fill(t, args[0].u.t, args[1], names ? names[0] : NULL, outs[0].u.t, sp);
    bool rec = false;
    for (int k = 0; k < s->nret; k++) rec |= returns_tensor(s->rets[k].type);
    if (!rec) return TS_OK;
    IValue cbuf[16];
    IValue *conv = rewrite_conv(&s, args, &nin, cbuf);
    if (conv) {
        args = conv;
        shadows = NULL;
        names = NULL;
    }
    if (!strcmp(s->name, "aten::split") && (!s->overload[0] || !strcmp(s->overload, "sizes")) &&
        ops_lookup_overload("aten::split_with_sizes", ""))
        s = ops_lookup_overload("aten::split_with_sizes", ""); /* Tensor.split(list) in Python */
    IValue slice_args[5];
    if (!strcmp(s->name, "aten::slice") && !strcmp(s->overload, "Tensor") && nin == 5 &&
        (args[2].kind == IV_NONE || args[3].kind == IV_NONE)) {
        /* Python's x[a:b] gives the op 0 and INT64_MAX for missing bounds (the code's None) */
        for (int k = 0; k < 5; k++) slice_args[k] = args[k];
        if (args[2].kind == IV_NONE) slice_args[2] = iv_int(0);
        if (args[3].kind == IV_NONE) slice_args[3] = iv_int(INT64_MAX);
        args = slice_args;
    }
    IValue *filled = fill_options(s, args, nin, outs, nout);
    if (filled) args = filled;
    int twin_arg = -1;
    const OpSchema *rs = tensor_twin(s, &twin_arg);
    if (!rs) rs = s;
    Value **in = ts_xmalloc(sizeof(Value *) * (size_t)(nin + 1));
    for (int k = 0; k < nin; k++) {
        Type *ty = k < s->nargs ? s->args[k].type : NULL;
        Shadow *sh = shadows ? shadows[k] : NULL;
        if (k == twin_arg && sh && sh->v) name_value(t, sh->v, names ? names[k] : NULL);
        if (k == twin_arg)
            in[k] = sh && sh->v ? sh->v : wrapped_constant(t, args[k], sp);
        else
            in[k] = arg_value(t, args[k], sh, ty, names ? names[k] : NULL, sp);
    }
    Node *n = append(sc, NK_OP, sp);
    n->op = rs;
    for (int k = 0; k < nin; k++) node_add_input(sc->g, n, in[k]);
    for (int k = 0; k < nout; k++) {
        Type *ty = out_types && out_types[k] ? out_types[k] : ty_tensor();
        if (outs[k].kind == IV_TENSOR) ty = ty_tensor();
        node_add_output(sc->g, n, ty);
    }
    ts_free(in);
    if (conv)
        for (int k = 0; k < nin; k++) iv_release(conv[k]);
    if (filled) {
        for (int k = 0; k < nin; k++) iv_release(filled[k]);
        ts_free(filled);
    }
    bind_outputs(t, n, outs, nout, sp);
    return TS_OK;
}

/* ---- finishing a method ---- */

static bool has_effect(const Node *n) {
    if (n->kind == NK_CALL_METHOD || n->kind == NK_CALL_FUNCTION || n->kind == NK_SETATTR) return true;
    if (n->kind != NK_OP || !n->op) return false;
    for (int i = 0; i < n->op->nargs; i++)
        if (n->op->args[i].is_write) return true;
    return false;
}

/* Dead code elimination over the straight-line graph. */
static void eliminate_dead(Graph *g) {
    bool *live = ts_xmalloc(sizeof(bool) * (size_t)(g->next_id + 1));
    memset(live, 0, sizeof(bool) * (size_t)(g->next_id + 1));
    Block *b = g->block;
    for (int i = 0; i < b->ret->inputs.len; i++) live[b->ret->inputs.data[i]->id] = true;
    for (Node *n = b->ret->prev; n && n != b->param;) {
        Node *prev = n->prev;
        bool keep = has_effect(n);
        for (int i = 0; i < n->outputs.len && !keep; i++) keep = live[n->outputs.data[i]->id];
        if (keep)
            for (int i = 0; i < n->inputs.len; i++) live[n->inputs.data[i]->id] = true;
        else
            node_remove(n);
        n = prev;
    }
    ts_free(live);
}

/* GetAttr groups (NULL-separated) go to the top, each group in front of
 * the ones before it, keeping its own order. */
static void hoist_getattrs(Scope *s) {
    Block *b = s->g->block;
    int start = 0;
    for (int i = 0; i < s->getattrs.len; i++) {
        if (s->getattrs.data[i]) continue;
        Node *after = b->param;
        for (int k = start; k < i; k++) {
            Node *n = s->getattrs.data[k];
            if (!n->owner) continue; /* removed as dead */
            node_remove(n);
            n->owner = b;
            n->prev = after;
            n->next = after->next;
            after->next->prev = n;
            after->next = n;
            after = n;
        }
        start = i + 1;
    }
}

/* Keep the sources the recorded spans point into alive with the result. */
static void keep_sources(Tracer *t, Graph *g) {
    for (Node *n = g->block->param->next; n != g->block->ret; n = n->next) {
        Source *src = n->span.src;
        if (!src) continue;
        bool have = false;
        for (int i = 0; i < t->unit->sources.len && !have; i++) have = t->unit->sources.data[i] == src;
        if (!have) vec_push(&t->unit->sources, source_retain(src));
    }
}

/* Replace every use of old by new in the straight-line block b. */
static void replace_uses(Block *b, Value *old, Value *new_v) {
    for (Node *n = b->param->next;; n = n->next) {
        for (int i = 0; i < n->inputs.len; i++)
            if (n->inputs.data[i] == old) n->inputs.data[i] = new_v;
        if (n == b->ret) break;
    }
}

/* As PyTorch's traced methods (FixupTraceScopeBlocks removes dead outputs
 * before lifting each scope into a method): a submodule call whose tuple
 * result the caller only partly uses returns only those items; the callee is
 * then cleaned the same way, recursively. */
static void prune_call_outputs(Tracer *t, Graph *g, int depth) {
    if (depth > 64) return;
    Block *b = g->block;
    int *uses = ts_xmalloc(sizeof(int) * (size_t)(g->next_id + 1));
    memset(uses, 0, sizeof(int) * (size_t)(g->next_id + 1));
    for (Node *n = b->param->next;; n = n->next) {
        for (int i = 0; i < n->inputs.len; i++) uses[n->inputs.data[i]->id]++;
        if (n == b->ret) break;
    }
    for (Node *n = b->param->next; n != b->ret; n = n->next) {
        Function *fn = n->callee;
        if (n->kind != NK_CALL_METHOD || !fn || !fn->owner || fn->owner->unit != t->unit || !fn->graph ||
            n->outputs.len != 1 || uses[n->outputs.data[0]->id] != 1)
            continue;
        Value *r = n->outputs.data[0];
        Node *u = n->next;
        while (u != b->ret && !(u->kind == NK_TUPLE_UNPACK && u->inputs.len && u->inputs.data[0] == r)) u = u->next;
        Node *fret = fn->graph->block->ret;
        Node *tc = fret->inputs.len == 1 ? fret->inputs.data[0]->node : NULL;
        if (u == b->ret || !tc || tc->kind != NK_TUPLE_CONSTRUCT || tc->inputs.len != u->outputs.len) continue;
        int kept = 0, last = -1;
        for (int i = 0; i < u->outputs.len; i++)
            if (uses[u->outputs.data[i]->id]) kept++, last = i;
        if (kept == u->outputs.len || kept == 0) continue;
        Graph *fg = fn->graph;
        Value *nv;
        if (kept == 1) {
            nv = tc->inputs.data[last];
        } else {
            Node *c = node_new(fg, NK_TUPLE_CONSTRUCT, tc->span);
            Type **types = ts_xmalloc(sizeof(Type *) * (size_t)kept);
            int k = 0;
            for (int i = 0; i < u->outputs.len; i++)
                if (uses[u->outputs.data[i]->id]) {
                    node_add_input(fg, c, tc->inputs.data[i]);
                    types[k++] = tc->inputs.data[i]->type;
                }
            block_append(fg->block, c);
            nv = node_add_output(fg, c, ty_tuple(types, kept));
            ts_free(types);
        }
        fret->inputs.data[0] = nv;
        fn->ret_type = nv->type;
        fn->signature = NULL;
        r->type = nv->type;
        if (kept == 1) {
            replace_uses(b, u->outputs.data[last], r);
        } else {
            Node *nu = node_new(g, NK_TUPLE_UNPACK, u->span);
            node_add_input(g, nu, r);
            nu->owner = b;
            nu->prev = u;
            nu->next = u->next;
            u->next->prev = nu;
            u->next = nu;
            for (int i = 0; i < u->outputs.len; i++)
                if (uses[u->outputs.data[i]->id]) {
                    Value *e = node_add_output(g, nu, u->outputs.data[i]->type);
                    e->name = u->outputs.data[i]->name;
                    replace_uses(b, u->outputs.data[i], e);
                }
        }
        node_remove(u);
        eliminate_dead(fg);
        prune_call_outputs(t, fg, depth + 1);
    }
    ts_free(uses);
}

/* Turn the innermost scope (its output set) into method `name` of c. */
static Function *finish_scope(Tracer *t, ClassType *c, const char *name, const char *const *param_names) {
    Scope *s = t->scope;
    Graph *g = s->g;
    eliminate_dead(g);
    prune_call_outputs(t, g, 0);
    eliminate_dead(g);
    hoist_getattrs(s);
    keep_sources(t, g);
    Function *fn = ts_xmalloc(sizeof *fn);
    memset(fn, 0, sizeof *fn);
    Unit *u = t->unit;
    fn->name = arena_strdup(&u->arena, name);
    fn->qualname = arena_printf(&u->arena, "%s.%s", c->qualname, name);
    fn->owner = c;
    fn->span = span_none();
    const ValueList *ins = &g->block->param->outputs;
    fn->nparams = ins->len;
    fn->params = ts_xmalloc(sizeof(FnParam) * (size_t)(ins->len + 1));
    memset(fn->params, 0, sizeof(FnParam) * (size_t)(ins->len + 1));
    for (int i = 0; i < ins->len; i++) {
        fn->params[i].name = param_names && param_names[i] ? arena_strdup(&u->arena, param_names[i])
                                                             : ins->data[i]->name;
        if (!fn->params[i].name) fn->params[i].name = arena_printf(&u->arena, "argument_%d", i);
        fn->params[i].type = ins->data[i]->type;
    }
    fn->ret_type = g->block->ret->inputs.len ? g->block->ret->inputs.data[0]->type : ty_none();
    fn->graph = g;
    fn->state = FN_EMITTED;
    vec_push(&u->fns, fn);
    classtype_add_method(c, name, fn);
    scope_pop(t, true);
    return fn;
}

static const char *method_name(Tracer *t, TMod *m) {
    int k = m->ncalls++;
    return k ? arena_printf(&t->arena, "forward%d", k) : "forward";
}

/* ---- submodule calls ----
 * As PyTorch's traced scopes: a method's parameters are the outer values
 * its nodes use (captured at first use, in that order), and it returns
 * only what it computed: a submodule that passes its input through
 * returns None and the caller keeps using the input. */

ts_status tr_call_begin(Tracer *t, TMod *m, Function *callee, const IValue *args, int nargs, Span sp,
                        Value ***call_inputs, int *ncall_inputs) {
    (void)callee;
    (void)args;
    (void)nargs;
    Value *mv = module_value(t, m, sp);
    Graph *g = graph_new();
    Value *self = graph_add_input(g, m->cls->type, "self");
    Scope *s = scope_push(t, m, g, self);
    vec_push(&s->captures, mv);
    *call_inputs = NULL;
    *ncall_inputs = 0;
    return TS_OK;
}

void tr_call_abort(Tracer *t) { scope_pop(t, false); }

/* The traced value of an argument of a kept call: tensors by identity,
 * tuples and tensor lists built of their items, numbers as the declared
 * type wants them (arg_value), anything else a constant. */
static Value *call_arg(Tracer *t, IValue v, Shadow *sh, Type *ty, Span sp) {
    if (v.kind == IV_TUPLE) {
        TupleObj *tp = v.u.tup;
        Value **vals = ts_xmalloc(sizeof(Value *) * (size_t)(tp->len + 1));
        Type **types = ts_xmalloc(sizeof(Type *) * (size_t)(tp->len + 1));
        for (int64_t i = 0; i < tp->len; i++) {
            Type *et = ty && ty->kind == TK_TUPLE && i < ty->n ? ty->elems[i] : NULL;
            vals[i] = call_arg(t, tp->items[i], sh && i < sh->n ? sh->items[i] : NULL, et, sp);
            types[i] = vals[i]->type;
        }
        Node *c = append(t->scope, NK_TUPLE_CONSTRUCT, sp);
        for (int64_t i = 0; i < tp->len; i++) node_add_input(t->scope->g, c, vals[i]);
        Value *r = node_add_output(t->scope->g, c, ty_tuple(types, (int)tp->len));
        ts_free(vals);
        ts_free(types);
        return r;
    }
    return arg_value(t, v, sh, ty, NULL, sp);
}

/* Map the tensors of a kept call's result r (graph value v) in the scope. */
static void bind_result(Tracer *t, Value *v, IValue r, Span sp) {
    Scope *s = t->scope;
    if (r.kind == IV_TENSOR) {
        map_tensor(s, r.u.t, v);
        return;
    }
    if (r.kind != IV_TUPLE && !(r.kind == IV_LIST && v->type->kind == TK_LIST)) return;
    int64_t n = r.kind == IV_TUPLE ? r.u.tup->len : r.u.l->len;
    const IValue *items = r.kind == IV_TUPLE ? r.u.tup->items : r.u.l->items;
    bool any = false;
    for (int64_t i = 0; i < n; i++) any |= items[i].kind == IV_TENSOR || items[i].kind == IV_TUPLE;
    if (!any) return;
    Node *u = append(s, r.kind == IV_TUPLE ? NK_TUPLE_UNPACK : NK_LIST_UNPACK, sp);
    node_add_input(s->g, u, v);
    for (int64_t i = 0; i < n; i++) {
        Type *et = v->type->kind == TK_TUPLE && i < v->type->n ? v->type->elems[i]
                   : v->type->kind == TK_LIST ? v->type->elems[0] : tree_type(items[i]);
        node_add_output(s->g, u, et);
    }
    for (int64_t i = 0; i < n; i++) bind_result(t, u->outputs.data[i], items[i], sp);
}

ts_status tr_record_call(Tracer *t, TMod *mod, Function *callee, const IValue *args, Shadow *const *shadows,
                         int nargs, IValue result, Span sp) {
    Scope *s = t->scope;
    if (!s) return TS_OK;
    if (!mod) TS_TRY(unit_borrow_function(t->ctx, t->unit, t->home, callee));
    Value **in = ts_xmalloc(sizeof(Value *) * (size_t)(nargs + 1));
    int first = 0;
    if (mod) {
        in[0] = module_value(t, mod, sp);
        first = 1;
    }
    for (int k = first; k < nargs; k++)
        in[k] = call_arg(t, args[k], shadows ? shadows[k] : NULL, k < callee->nparams ? callee->params[k].type : NULL,
                         sp);
    Node *n = append(s, mod ? NK_CALL_METHOD : NK_CALL_FUNCTION, sp);
    n->callee = callee;
    if (mod) n->name = callee->name;
    for (int k = 0; k < nargs; k++) node_add_input(s->g, n, in[k]);
    ts_free(in);
    Value *r = node_add_output(s->g, n, callee->ret_type ? callee->ret_type : tree_type(result));
    bind_result(t, r, result, sp);
    return TS_OK;
}

/* Is x an input, result or reachable parameter of scope s or one above? */
static bool known_above(Tracer *t, Scope *s, Tensor *x) {
    for (; s; s = s->up) {
        if (ptrmap_get(&s->tensors, x)) return true;
        TParam *p = ptrmap_get(&t->param_of, x);
        if (p && below(p->owner, s->mod)) return true;
    }
    return false;
}

/* x from an enclosing scope becomes a parameter of the current one. */
static Value *capture(Tracer *t, Tensor *x, const char *ir_name, Span sp) {
    Scope *s = t->scope;
    t->scope = s->up;
    Value *outer = tr_tensor_value(t, x, ir_name, sp);
    t->scope = s;
    const char *pn = outer->name;
    /* an unnamed input: PyTorch's name for it */
    if (!pn) pn = arena_printf(&t->arena, "argument_%d", s->g->block->param->outputs.len);
    Value *p = graph_add_input(s->g, ty_tensor(), pn);
    vec_push(&s->captures, outer);
    map_tensor(s, x, p);
    return p;
}

/* The tensors of a submodule's result that its method computed, depth-first,
 * each once: what PyTorch's traced method returns (a tuple when several). */
typedef VEC(Tensor *) TensorVec;

static void produced_leaves(Tracer *t, IValue v, TensorVec *out) {
    switch (v.kind) {
    case IV_TENSOR: {
        Value *x = ptrmap_get(&t->scope->tensors, v.u.t);
        if (!x || x->node->kind == NK_PARAM) return;
        for (int i = 0; i < out->len; i++)
            if (out->data[i] == v.u.t) return;
        vec_push(out, v.u.t);
        return;
    }
    case IV_TUPLE:
        for (int64_t i = 0; i < v.u.tup->len; i++) produced_leaves(t, v.u.tup->items[i], out);
        return;
    case IV_LIST:
        for (int64_t i = 0; i < v.u.l->len; i++) produced_leaves(t, v.u.l->items[i], out);
        return;
    case IV_DICT:
        for (int64_t i = 0; i < v.u.dict->len; i++) produced_leaves(t, v.u.dict->entries[i].value, out);
        return;
    default: return;
    }
}

ts_status tr_call_end(Tracer *t, TMod *m, Function *callee, Value **cin, int ncin, IValue result, Span sp) {
    (void)callee;
    (void)cin;
    (void)ncin;
    TensorVec leaves = {0};
    produced_leaves(t, result, &leaves);
    Scope *inner = t->scope;
    Value *ov;
    if (leaves.len == 0) {
        ov = constant(t, iv_none(), sp);
    } else if (leaves.len == 1) {
        ov = ptrmap_get(&inner->tensors, leaves.data[0]);
    } else {
        Node *c = append(inner, NK_TUPLE_CONSTRUCT, sp);
        Type **types = ts_xmalloc(sizeof(Type *) * (size_t)leaves.len);
        for (int i = 0; i < leaves.len; i++) {
            node_add_input(inner->g, c, ptrmap_get(&inner->tensors, leaves.data[i]));
            types[i] = ty_tensor();
        }
        ov = node_add_output(inner->g, c, ty_tuple(types, leaves.len));
        ts_free(types);
    }
    graph_add_output(inner->g, ov);
    VEC(Value *) caps = {0};
    for (int i = 0; i < inner->captures.len; i++) vec_push(&caps, inner->captures.data[i]);
    Function *fn = finish_scope(t, m->cls, method_name(t, m), NULL);
    Scope *s = t->scope;
    Node *n = append(s, NK_CALL_METHOD, sp);
    n->name = fn->name;
    n->callee = fn;
    for (int i = 0; i < caps.len; i++) node_add_input(s->g, n, caps.data[i]);
    vec_free(&caps);
    Value *r = node_add_output(s->g, n, fn->ret_type);
    if (leaves.len == 1) {
        map_tensor(s, leaves.data[0], r);
        ptrmap_put(&t->call_results, r, ov);
    } else if (leaves.len > 1) {
        Node *u = append(s, NK_TUPLE_UNPACK, sp);
        node_add_input(s->g, u, r);
        for (int i = 0; i < leaves.len; i++) {
            Value *e = node_add_output(s->g, u, ty_tensor());
            map_tensor(s, leaves.data[i], e);
            ptrmap_put(&t->call_results, e, ov->node->inputs.data[i]);
        }
    }
    vec_free(&leaves);
    return TS_OK;
}

/* ---- sessions ---- */

static Tracer *tracer_new(Ctx *ctx, const TraceOptions *opt) {
    Tracer *t = ts_xmalloc(sizeof *t);
    memset(t, 0, sizeof *t);
    t->ctx = ctx;
    if (opt) t->opt = *opt;
    else trace_options_default(&t->opt);
    t->unit = unit_new(NULL, NULL);
    t->unit->from_source = true;
    t->unit->version = 10; /* today's semantics, as python/script.c writes */
    arena_init(&t->arena);
    strmap_init(&t->warned);
    t->root = iv_none();
    return t;
}

void trace_free(Tracer *t) {
    if (!t) return;
    while (t->scope) scope_pop(t, false);
    for (int i = 0; i < t->mods.len; i++) {
        TMod *m = t->mods.data[i];
        if (m->obj && !m->owned) {
            IValue o;
            o.kind = IV_OBJECT;
            o.u.obj = m->obj;
            iv_release(o);
        }
        ts_free(m);
    }
    vec_free(&t->mods);
    ptrmap_free(&t->mod_of);
    ptrmap_free(&t->param_of);
    ptrmap_free(&t->call_results);
    strmap_free(&t->warned);
    iv_release(t->root);
    unit_release(t->unit);
    arena_free(&t->arena);
    ts_free(t);
}

void trace_options_default(TraceOptions *o) {
    memset(o, 0, sizeof *o);
    o->strict = true;
    o->grad_enabled = true;
}

static ts_status check_inputs(Tracer *t, const Function *fn, const IValue *inputs, int n) {
    int first = fn && fn->owner ? 1 : 0;
    if (fn) {
        int need = fn->nparams - first, req = 0;
        for (int i = first; i < fn->nparams; i++) req += !fn->params[i].has_default;
        if (n < req || n > need)
            return ts_fail(t->ctx, TS_ERR_ARG, &fn->span,
                           "trace: %s takes %d input%s%s, %d given", fn->qualname, need, need == 1 ? "" : "s",
                           req < need ? " (some with defaults)" : "", n);
    }
    for (int i = 0; i < n; i++) {
        if (tensor_tree(inputs[i])) continue;
        const char *pname = fn && first + i < fn->nparams ? fn->params[first + i].name : "?";
        StrBuf ty;
        sb_init(&ty);
        ty_annotation_str(&ty, sema_type_of_value(inputs[i]));
        ts_status st = ts_fail(t->ctx, TS_ERR_TYPE, fn ? &fn->span : NULL,
                               "trace: input %d (%s) is a value of type '%s', which cannot be traced: only tensors "
                               "and (possibly nested) lists, dicts and tuples of tensors can be traced. A trace "
                               "records tensor operations only, so the control flow this value decides would be "
                               "fixed to the example's value; script the model instead (tscript script), which "
                               "keeps it",
                               i + 1, pname, sb_cstr(&ty));
        sb_free(&ty);
        return st;
    }
    return TS_OK;
}

/* Graph inputs for inputs[0..n) named after fn's parameters. */
static ts_status add_inputs(Tracer *t, const Function *fn, const IValue *inputs, int n) {
    int first = fn && fn->owner ? 1 : 0;
    for (int i = 0; i < n; i++) {
        const char *pname = fn && first + i < fn->nparams ? fn->params[first + i].name : NULL;
        Value *p = graph_add_input(t->scope->g, tree_type(inputs[i]), pname);
        TS_TRY(bind_input(t, p, inputs[i], span_none()));
    }
    return TS_OK;
}

static ts_status finish_root(Tracer *t, IValue result, Shadow *sh, Module **out) {
    Value *ov;
    TS_TRY(check_output(t, result, sh, t->opt.strict, "the output"));
    TS_TRY(output_value(t, result, sh, t->opt.strict, "the output", span_none(), &ov));
    graph_add_output(t->scope->g, ov);
    TMod *root = t->mods.data[0];
    finish_scope(t, root->cls, method_name(t, root), NULL);
    IValue r;
    r.kind = IV_OBJECT;
    r.u.obj = root->obj;
    *out = module_new(t->unit, iv_dup(r), "<traced>");
    t->finished = true;
    return TS_OK;
}

/* Fill missing trailing arguments with the function's defaults. */
static IValue *full_args(const Function *fn, IValue self, const IValue *inputs, int n, int *nargs) {
    int first = fn->owner ? 1 : 0;
    IValue *a = ts_xmalloc(sizeof(IValue) * (size_t)(fn->nparams + 1));
    int k = 0;
    if (first) a[k++] = self;
    for (int i = 0; i < n; i++) a[k++] = inputs[i];
    for (int i = first + n; i < fn->nparams; i++) a[k++] = fn->params[i].default_value;
    *nargs = k;
    return a;
}

static ts_status run_traced(Tracer *t, Function *fn, IValue self, const IValue *inputs, int n, Module **out) {
    TS_TRY(check_inputs(t, fn, inputs, n));
    TMod *root = t->mods.data[0];
    Graph *g = graph_new();
    Value *sv = graph_add_input(g, root->cls->type, "self");
    scope_push(t, root, g, sv);
    TS_TRY(add_inputs(t, fn, inputs, n));
    int nargs;
    IValue *args = full_args(fn, self, inputs, n, &nargs);
    IValue r;
    Shadow *rs;
    ts_status st = tr_run_function(t, fn, args, NULL, nargs, &r, &rs);
    ts_free(args);
    if (st != TS_OK) return st;
    st = finish_root(t, r, rs, out);
    iv_release(r);
    return st;
}

ts_status trace_module(Ctx *ctx, Module *m, const char *method, const IValue *inputs, int n,
                       const TraceOptions *opt, Module **out) {
    *out = NULL;
    if (m->inspect_only)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "trace: the module was loaded for inspection only (no code runs)");
    if (m->root.kind != IV_OBJECT) return ts_fail(ctx, TS_ERR_ARG, NULL, "trace: the module has no root object");
    Function *fn = module_method(m, method ? method : "forward");
    if (!fn)
        return ts_fail(ctx, TS_ERR_NOT_FOUND, NULL, "trace: the module has no method %s", method ? method : "forward");
    if (fn->state != FN_EMITTED)
        return ts_fail(ctx, TS_ERR_NOT_FOUND, &fn->span, "trace: %s is not compiled", fn->qualname);
    Tracer *t = tracer_new(ctx, opt);
    t->root = iv_dup(m->root);
    t->home = m->unit;
    ts_status st = borrow_scripted(t, m->root.u.obj, 0);
    if (st != TS_OK) {
        trace_free(t);
        return st;
    }
    build_mod(t, m->root.u.obj, NULL, NULL);
    iv_gc_begin();
    st = run_traced(t, fn, m->root, inputs, n, out);
    iv_gc_end();
    trace_free(t);
    return st;
}

static void c_make_objects(Tracer *t);

/* A root module with no attributes but training (C sessions, functions). */
static TMod *plain_root(Tracer *t, const char *qualname) {
    TMod *m = ts_xmalloc(sizeof *m);
    memset(m, 0, sizeof *m);
    m->c_made = true;
    vec_push(&t->mods, m);
    m->cls = classtype_new(CK_MODULE, qualname);
    classtype_add_attr(m->cls, "training", ty_bool(), false, false);
    classtype_add_attr(m->cls, "_is_full_backward_hook", ty_optional(ty_bool()), false, false);
    unit_add_class(t->unit, m->cls);
    return m;
}

ts_status trace_function(Ctx *ctx, Unit *home, Function *fn, const IValue *inputs, int n, const TraceOptions *opt,
                         Module **out) {
    *out = NULL;
    if (fn->state != FN_EMITTED)
        return ts_fail(ctx, TS_ERR_NOT_FOUND, &fn->span, "trace: %s is not compiled", fn->qualname);
    Tracer *t = tracer_new(ctx, opt);
    t->home = home;
    t->c_api = true;
    plain_root(t, "__torch__.TracedFunction");
    c_make_objects(t);
    iv_gc_begin();
    ts_status st = run_traced(t, fn, iv_none(), inputs, n, out);
    iv_gc_end();
    trace_free(t);
    return st;
}

/* ---- sessions driven by C calls ---- */

ts_status trace_begin(Ctx *ctx, const IValue *inputs, int n, const TraceOptions *opt, Tracer **out) {
    Tracer *t = tracer_new(ctx, opt);
    t->c_api = true;
    ts_status st = check_inputs(t, NULL, inputs, n);
    if (st != TS_OK) {
        trace_free(t);
        return st;
    }
    TMod *m = plain_root(t, "__torch__.TracedModule");
    Graph *g = graph_new();
    Value *sv = graph_add_input(g, m->cls->type, "self");
    scope_push(t, m, g, sv);
    for (int i = 0; i < n && st == TS_OK; i++) {
        char name[32];
        snprintf(name, sizeof name, "x%d", i);
        Value *p = graph_add_input(g, tree_type(inputs[i]), n == 1 ? "x" : name);
        st = bind_input(t, p, inputs[i], span_none());
    }
    if (st != TS_OK) {
        trace_free(t);
        return st;
    }
    *out = t;
    return TS_OK;
}

/* The C session's module objects are made at the end, from the classes
 * trace_param filled (a class's slots only grow until then). */
static TMod *c_submodule(Tracer *t, TMod *parent, const char *name) {
    for (int i = 0; i < t->mods.len; i++)
        if (t->mods.data[i]->parent == parent && !strcmp(t->mods.data[i]->attr, name)) return t->mods.data[i];
    if (classtype_attr_index(parent->cls, name) >= 0) return NULL;
    TMod *m = ts_xmalloc(sizeof *m);
    memset(m, 0, sizeof *m);
    m->c_made = true;
    m->parent = parent;
    m->attr = arena_strdup(&t->unit->arena, name);
    vec_push(&t->mods, m);
    m->cls = classtype_new(CK_MODULE, arena_printf(&t->unit->arena, "__torch__.%s", name));
    if (strmap_get(&t->unit->classes, m->cls->qualname)) {
        classtype_free(m->cls);
        m->cls = classtype_new(CK_MODULE, arena_printf(&t->unit->arena, "__torch__.___torch_mangle_%d.%s",
                                                       t->mods.len, name));
    }
    classtype_add_attr(m->cls, "training", ty_bool(), false, false);
    classtype_add_attr(m->cls, "_is_full_backward_hook", ty_optional(ty_bool()), false, false);
    unit_add_class(t->unit, m->cls);
    classtype_add_attr(parent->cls, name, m->cls->type, false, false);
    return m;
}

typedef struct CParam {
    TMod *owner;
    IValue v;
} CParam;

ts_status trace_param(Ctx *ctx, Tracer *t, const char *name, IValue tensor, bool is_buffer) {
    if (t->finished) return ts_fail(ctx, TS_ERR_ARG, NULL, "trace_param: the trace has ended");
    if (!t->c_api || !t->scope || t->scope->up || t->objects_made)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "trace_param: not inside a trace_begin session");
    if (tensor.kind != IV_TENSOR) return ts_fail(ctx, TS_ERR_TYPE, NULL, "trace_param: %s is not a tensor", name);
    if (!name || !*name) return ts_fail(ctx, TS_ERR_ARG, NULL, "trace_param: empty name");
    if (ptrmap_get(&t->param_of, tensor.u.t))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "trace_param: the tensor of %s is already a parameter", name);
    TMod *m = t->mods.data[0];
    const char *p = name;
    for (const char *dot; (dot = strchr(p, '.'));) {
        char *part = arena_strndup(&t->arena, p, (size_t)(dot - p));
        TMod *sm = c_submodule(t, m, part);
        if (!sm || !*part) return ts_fail(ctx, TS_ERR_VALUE, NULL, "trace_param: %s: %s is not a module", name, part);
        m = sm;
        p = dot + 1;
    }
    if (!*p || classtype_attr_index(m->cls, p) >= 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "trace_param: %s is already an attribute", name);
    /* parameters and buffers come before training, as in nn.Module's classes */
    ClassType *c = m->cls;
    classtype_add_attr(c, p, ty_tensor(), !is_buffer, is_buffer);
    ClassAttr a = c->attrs.data[c->attrs.len - 1];
    int at = 0;
    while (at < c->attrs.len - 1 && (c->attrs.data[at].is_param || c->attrs.data[at].is_buffer)) at++;
    memmove(&c->attrs.data[at + 1], &c->attrs.data[at], sizeof(ClassAttr) * (size_t)(c->attrs.len - 1 - at));
    c->attrs.data[at] = a;
    TParam *tp = arena_new(&t->arena, TParam);
    tp->owner = m;
    tp->name = arena_strdup(&t->unit->arena, p);
    tp->is_param = !is_buffer;
    ptrmap_put(&t->param_of, tensor.u.t, tp);
    IValue h = iv_dup(tensor);
    vec_push(&t->scope->held, h);
    return TS_OK;
}

/* Objects for the C session's classes, slots filled from the parameters
 * (modules traced through trace_call have theirs already). */
static void c_make_objects(Tracer *t) {
    if (t->objects_made) return;
    t->objects_made = true;
    for (int i = t->mods.len - 1; i >= 0; i--) {
        TMod *m = t->mods.data[i];
        if (!m->c_made || m->obj) continue;
        m->obj = object_new(m->cls);
        int tr = classtype_attr_index(m->cls, "training");
        iv_release(m->obj->slots[tr]);
        m->obj->slots[tr] = iv_bool(false);
    }
    for (int i = 0; i < t->mods.len; i++) {
        TMod *m = t->mods.data[i];
        if (!m->parent || !m->parent->c_made) continue;
        IValue o;
        o.kind = IV_OBJECT;
        o.u.obj = m->obj;
        int k = classtype_attr_index(m->parent->cls, m->attr);
        iv_release(m->parent->obj->slots[k]);
        m->parent->obj->slots[k] = o; /* the parent's slot owns it */
        m->owned = true;
    }
    for (int i = 0; i < t->param_of.cap; i++) {
        if (!t->param_of.keys[i]) continue;
        TParam *p = t->param_of.vals[i];
        if (!p->owner->c_made) continue;
        IValue x;
        x.kind = IV_TENSOR;
        x.u.t = (Tensor *)t->param_of.keys[i];
        int k = classtype_attr_index(p->owner->cls, p->name);
        iv_release(p->owner->obj->slots[k]);
        p->owner->obj->slots[k] = iv_dup(x);
    }
}

ts_status trace_op(Ctx *ctx, Tracer *t, const char *op, const IValue *args, int n, IValue *out) {
    *out = iv_none();
    if (t->finished || !t->scope) return ts_fail(ctx, TS_ERR_ARG, NULL, "trace_op: the trace has ended");
    char *name = arena_strdup(&t->arena, op);
    char *dot = strchr(name, '.');
    const OpSchema *only = NULL;
    if (dot) {
        *dot = 0;
        only = ops_lookup_overload_ctx(ctx, name, dot + 1);
        if (!only) return ts_fail(ctx, TS_ERR_NOT_FOUND, NULL, "trace_op: no op %s", op);
    }
    if (!strchr(name, ':')) name = arena_printf(&t->arena, "aten::%s", name);
    if (!ops_lookup_ctx(ctx, name)) return ts_fail(ctx, TS_ERR_NOT_FOUND, NULL, "trace_op: no op %s", op);
    /* resolve the overload as the frontend does, on the arguments' types */
    Graph *g = graph_new();
    CallArg *ca = ts_xmalloc(sizeof(CallArg) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        ca[i].v = graph_add_input(g, args[i].kind == IV_TENSOR ? ty_tensor() : sema_type_of_value(args[i]), NULL);
        ca[i].kw = NULL;
        ca[i].span = span_none();
    }
    Value **outs = NULL;
    int nout = 0;
    ts_status st = sema_emit_op(ctx, g, g->block, name, ca, n, span_none(), &outs, &nout);
    ts_free(ca);
    Node *nd = st == TS_OK && nout > 0 ? outs[0]->node : NULL;
    if (st == TS_OK && (!nd || nd->kind != NK_OP || (only && nd->op != only)))
        st = ts_fail(ctx, TS_ERR_TYPE, NULL, "trace_op: %s does not take these arguments", op);
    if (st != TS_OK) {
        graph_free(g);
        return st;
    }
    int nin = nd->inputs.len;
    IValue *a = ts_xmalloc(sizeof(IValue) * (size_t)(nin + 1));
    for (int i = 0; i < nin; i++) {
        Value *v = nd->inputs.data[i];
        a[i] = v->node->kind == NK_PARAM ? args[v->offset] : v->node->kind == NK_CONSTANT ? v->node->cval : iv_none();
    }
    IValue *ov = ts_xmalloc(sizeof(IValue) * (size_t)(nd->outputs.len + 1));
    Type **ty = ts_xmalloc(sizeof(Type *) * (size_t)(nd->outputs.len + 1));
    for (int i = 0; i < nd->outputs.len; i++) {
        ov[i] = iv_none();
        ty[i] = nd->outputs.data[i]->type;
    }
    OpInfo info = {nd->op, ty, nd->outputs.len, NULL};
    st = nd->op->fn(ctx, a, nin, ov, &info);
    if (nd->op->writes) op_bump_written(nd->op, a, nin);
    Shadow *rs;
    if (st == TS_OK)
        st = tr_record_op(t, nd->op, a, NULL, NULL, nin, ov, ty, nd->outputs.len, span_none(), &rs);
    if (st == TS_OK && nd->outputs.len == 1) {
        *out = ov[0];
    } else if (st == TS_OK) {
        TupleObj *tp = tuple_new(nd->outputs.len);
        for (int i = 0; i < nd->outputs.len; i++) tp->items[i] = ov[i];
        *out = iv_tuple_steal(tp);
    } else {
        for (int i = 0; i < nd->outputs.len; i++) iv_release(ov[i]);
    }
    ts_free(a);
    ts_free(ov);
    ts_free(ty);
    graph_free(g);
    return st;
}

ts_status trace_call(Ctx *ctx, Tracer *t, const char *name, Module *m, const char *method, const IValue *args,
                     int n, IValue *out) {
    *out = iv_none();
    if (t->finished) return ts_fail(ctx, TS_ERR_ARG, NULL, "trace_call: the trace has ended");
    if (!t->scope || t->scope->up || !t->c_api || t->objects_made)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "trace_call: not inside a trace_begin session");
    if (m->root.kind != IV_OBJECT || m->inspect_only)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "trace_call: the module cannot run");
    Function *fn = module_method(m, method ? method : "forward");
    if (!fn || fn->state != FN_EMITTED)
        return ts_fail(ctx, TS_ERR_NOT_FOUND, NULL, "trace_call: the module has no method %s",
                       method ? method : "forward");
    int required = 0;
    for (int i = 1; i < fn->nparams; i++) required += !fn->params[i].has_default;
    if (n + 1 > fn->nparams || n < required)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "trace_call: %s takes %d argument%s%s, %d given", fn->qualname,
                       fn->nparams - 1, fn->nparams == 2 ? "" : "s", required < fn->nparams - 1 ? " (some with defaults)" : "",
                       n);
    TMod *root = t->mods.data[0];
    TMod *sub = ptrmap_get(&t->mod_of, m->root.u.obj);
    if (!sub) {
        if (!name || !*name || strchr(name, '.') || classtype_attr_index(root->cls, name) >= 0)
            return ts_fail(ctx, TS_ERR_ARG, NULL, "trace_call: '%s' cannot name a new submodule", name ? name : "");
        sub = build_mod(t, m->root.u.obj, root, name);
        classtype_add_attr(root->cls, name, sub->cls->type, false, false);
        vec_push(&t->scope->held, iv_dup(m->root));
    }
    int nargs;
    IValue *a = full_args(fn, m->root, args, n, &nargs);
    Value **cin = NULL;
    int ncin = 0;
    Shadow *rs;
    ts_status st = tr_call_begin(t, sub, fn, a, nargs, span_none(), &cin, &ncin);
    if (st == TS_OK) {
        st = tr_run_function(t, fn, a, NULL, nargs, out, &rs);
        if (st == TS_OK) st = tr_call_end(t, sub, fn, cin, ncin, *out, span_none());
        else tr_call_abort(t);
    }
    ts_free(cin);
    ts_free(a);
    return st;
}

ts_status trace_end(Ctx *ctx, Tracer *t, IValue output, Module **out) {
    *out = NULL;
    if (t->finished || !t->scope || t->scope->up)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "trace_end: the trace has ended");
    TS_TRY(check_output(t, output, NULL, t->opt.strict, "the output"));
    c_make_objects(t);
    return finish_root(t, output, NULL, out);
}
