/*
 * pyvalue.c - the evaluator's values (py.h): construction, reference
 * counting of the PObj boxes, ordered maps, equality, printing, and the
 * conversions to and from IValues at the op registry and the runtime.
 *
 * Freeing is recursive over boxes; the evaluator only builds values as deep
 * as the source nests (bounded by the parser's depth limit) plus lists of
 * modules, so the recursion stays shallow.
 */
#include <math.h>
#include <stdio.h>

#include "frontend/sema.h"
#include "python/py.h"
#include "runtime/module.h"

PV pv_int(int64_t i) { PV v = pv_none(); v.k = P_INT; v.iv = iv_int(i); return v; }
PV pv_float(double d) { PV v = pv_none(); v.k = P_FLOAT; v.iv = iv_double(d); return v; }
PV pv_bool(bool b) { PV v = pv_none(); v.k = P_BOOL; v.iv = iv_bool(b); return v; }
PV pv_str(const char *s, size_t n) { PV v = pv_none(); v.k = P_STR; v.iv = iv_str(s, n); return v; }
PV pv_cstr(const char *s) { return pv_str(s, strlen(s)); }

PV pv_iv_steal(IValue iv) {
    PV v = pv_none();
    v.iv = iv;
    switch (iv.kind) {
    case IV_BOOL: v.k = P_BOOL; break;
    case IV_INT: v.k = P_INT; break;
    case IV_DOUBLE: v.k = P_FLOAT; break;
    case IV_STR: v.k = P_STR; break;
    case IV_TENSOR: v.k = P_TENSOR; break;
    case IV_DEVICE: v.k = P_DEVICE; break;
    default: v.k = P_NONE; iv_release(iv); v.iv = iv_none(); break;
    }
    return v;
}

PV pv_ptr(PKind k, void *p) { PV v = pv_none(); v.k = k; v.p = p; return v; }

PObj *pobj_new(PKind k) {
    PObj *o = ts_xmalloc(sizeof *o);
    memset(o, 0, sizeof *o);
    o->rc = 1;
    o->k = k;
    o->self = pv_none();
    o->func = pv_none();
    return o;
}

PV pv_obj_steal(PObj *o) { PV v = pv_none(); v.k = o->k; v.p = o; return v; }

static bool is_box(PKind k) { return k >= P_LIST && k <= P_SCRIPT; }

PV pv_dup(PV v) {
    if (is_box(v.k)) ((PObj *)v.p)->rc++;
    else iv_retain(v.iv);
    return v;
}

void pmap_free(PMap *m) {
    for (int i = 0; i < m->names.len; i++) {
        ts_free(m->names.data[i]);
        pv_drop(m->vals.data[i]);
    }
    vec_free(&m->names);
    vec_free(&m->vals);
}

void pv_drop(PV v) {
    if (!is_box(v.k)) {
        iv_release(v.iv);
        return;
    }
    PObj *o = v.p;
    if (--o->rc > 0) return;
    for (int i = 0; i < o->items.len; i++) pv_drop(o->items.data[i]);
    for (int i = 0; i < o->vals.len; i++) pv_drop(o->vals.data[i]);
    vec_free(&o->items);
    vec_free(&o->vals);
    pmap_free(&o->dict);
    pmap_free(&o->params);
    pmap_free(&o->buffers);
    pmap_free(&o->modules);
    vec_free(&o->persistent);
    pv_drop(o->self);
    pv_drop(o->func);
    iv_release(o->sobj);
    if (o->smod) module_release(o->smod);
    ts_free(o);
}

PV pv_list_new(void) { return pv_obj_steal(pobj_new(P_LIST)); }
PV pv_tuple_new(void) { return pv_obj_steal(pobj_new(P_TUPLE)); }
void pv_seq_push_steal(PV seq, PV item) { vec_push(&((PObj *)seq.p)->items, item); }
bool pv_is_seq(PV v) { return v.k == P_LIST || v.k == P_TUPLE; }
int pv_len(PV v) { return is_box(v.k) ? ((PObj *)v.p)->items.len : 0; }
PV *pv_items(PV v) { return ((PObj *)v.p)->items.data; }

PV *pmap_get(PMap *m, const char *name) {
    for (int i = 0; i < m->names.len; i++)
        if (strcmp(m->names.data[i], name) == 0) return &m->vals.data[i];
    return NULL;
}

void pmap_set_steal(PMap *m, const char *name, PV v) {
    PV *slot = pmap_get(m, name);
    if (slot) {
        pv_drop(*slot);
        *slot = v;
        return;
    }
    vec_push(&m->names, ts_strdup(name));
    vec_push(&m->vals, v);
}

bool pmap_del(PMap *m, const char *name) {
    for (int i = 0; i < m->names.len; i++)
        if (strcmp(m->names.data[i], name) == 0) {
            ts_free(m->names.data[i]);
            pv_drop(m->vals.data[i]);
            memmove(&m->names.data[i], &m->names.data[i + 1], sizeof(char *) * (size_t)(m->names.len - i - 1));
            memmove(&m->vals.data[i], &m->vals.data[i + 1], sizeof(PV) * (size_t)(m->vals.len - i - 1));
            m->names.len--;
            m->vals.len--;
            return true;
        }
    return false;
}

PV *pdict_find(PObj *d, PV key) {
    for (int i = 0; i < d->items.len; i++)
        if (pv_eq(d->items.data[i], key)) return &d->vals.data[i];
    return NULL;
}

void pdict_set_steal(PObj *d, PV key, PV val) {
    PV *slot = pdict_find(d, key);
    if (slot) {
        pv_drop(key);
        pv_drop(*slot);
        *slot = val;
        return;
    }
    vec_push(&d->items, key);
    vec_push(&d->vals, val);
}

const char *pv_type_name(PV v) {
    switch (v.k) {
    case P_NONE: return "NoneType";
    case P_BOOL: return "bool";
    case P_INT: return "int";
    case P_FLOAT: return "float";
    case P_STR: return "str";
    case P_TENSOR: return v.param ? "Parameter" : "Tensor";
    case P_DEVICE: return "torch.device";
    case P_DTYPE: return "torch.dtype";
    case P_LIST: return "list";
    case P_TUPLE: return "tuple";
    case P_DICT: return "dict";
    case P_INST: return ((PObj *)v.p)->cls->name;
    case P_BOUND: return "method";
    case P_SUPER: return "super";
    case P_EXC: return ((PObj *)v.p)->mname;
    case P_SCRIPT: return ((PObj *)v.p)->sfn ? "ScriptFunction" : "ScriptModule";
    case P_CLASS: return "type";
    case P_FUNC: return "function";
    case P_MOD: return "module";
    case P_BUILTIN: return "builtin_function_or_method";
    case P_MARK: return "typing";
    }
    return "?";
}

bool pv_truthy(PV v) {
    switch (v.k) {
    case P_NONE: return false;
    case P_BOOL: return v.iv.u.b;
    case P_INT: return v.iv.u.i != 0;
    case P_FLOAT: return v.iv.u.d != 0;
    case P_STR: return v.iv.u.s->len != 0;
    case P_LIST:
    case P_TUPLE:
    case P_DICT: return pv_len(v) != 0;
    default: return true; /* instances, modules, functions, tensors as Python objects */
    }
}

static double num(PV v) { return v.k == P_FLOAT ? v.iv.u.d : v.k == P_BOOL ? (double)v.iv.u.b : (double)v.iv.u.i; }
static bool is_num(PV v) { return v.k == P_INT || v.k == P_FLOAT || v.k == P_BOOL; }

bool pv_eq(PV a, PV b) {
    if (is_num(a) && is_num(b)) {
        if (a.k != P_FLOAT && b.k != P_FLOAT) return iv_scalar_i64(a.iv) == iv_scalar_i64(b.iv);
        return num(a) == num(b);
    }
    if (a.k != b.k) return false;
    switch (a.k) {
    case P_NONE: return true;
    case P_STR: return a.iv.u.s->len == b.iv.u.s->len && memcmp(a.iv.u.s->data, b.iv.u.s->data, (size_t)a.iv.u.s->len) == 0;
    case P_TENSOR: return a.iv.u.t == b.iv.u.t;
    case P_DTYPE: return a.iv.u.i == b.iv.u.i;
    case P_DEVICE: return a.iv.u.dev.type == b.iv.u.dev.type && a.iv.u.dev.index == b.iv.u.dev.index;
    case P_LIST:
    case P_TUPLE: {
        if (pv_len(a) != pv_len(b)) return false;
        for (int i = 0; i < pv_len(a); i++)
            if (!pv_eq(pv_items(a)[i], pv_items(b)[i])) return false;
        return true;
    }
    default: return a.p == b.p;
    }
}

void pv_str_of(StrBuf *sb, PV v, bool repr) {
    switch (v.k) {
    case P_NONE: sb_puts(sb, "None"); return;
    case P_BOOL: sb_puts(sb, v.iv.u.b ? "True" : "False"); return;
    case P_INT: sb_printf(sb, "%lld", (long long)v.iv.u.i); return;
    case P_FLOAT: sb_put_pyfloat(sb, v.iv.u.d); return;
    case P_STR:
        if (repr) iv_repr(sb, v.iv);
        else sb_putn(sb, v.iv.u.s->data, (size_t)v.iv.u.s->len);
        return;
    case P_TENSOR:
    case P_DEVICE: iv_str_of(sb, v.iv); return;
    case P_DTYPE: {
        static const char *const names[] = {"uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"};
        int64_t c = v.iv.u.i;
        sb_printf(sb, "torch.%s", c >= 0 && c < 8 ? names[c] : c == 11 ? "bool" : c == 15 ? "bfloat16" : "?");
        return;
    }
    case P_LIST:
    case P_TUPLE: {
        sb_putc(sb, v.k == P_LIST ? '[' : '(');
        for (int i = 0; i < pv_len(v); i++) {
            if (i) sb_puts(sb, ", ");
            pv_str_of(sb, pv_items(v)[i], true);
        }
        if (v.k == P_TUPLE && pv_len(v) == 1) sb_putc(sb, ',');
        sb_putc(sb, v.k == P_LIST ? ']' : ')');
        return;
    }
    case P_DICT: {
        PObj *d = v.p;
        sb_putc(sb, '{');
        for (int i = 0; i < d->items.len; i++) {
            if (i) sb_puts(sb, ", ");
            pv_str_of(sb, d->items.data[i], true);
            sb_puts(sb, ": ");
            pv_str_of(sb, d->vals.data[i], true);
        }
        sb_putc(sb, '}');
        return;
    }
    case P_INST: sb_printf(sb, "<%s object>", ((PObj *)v.p)->cls->name); return;
    case P_EXC: {
        PObj *o = v.p;
        PV m = o->items.len ? o->items.data[0] : pv_none();
        if (!repr) {
            if (m.k == P_STR) pv_str_of(sb, m, false);
            return;
        }
        sb_printf(sb, "%s(", o->mname);
        if (m.k == P_STR) pv_str_of(sb, m, true);
        sb_putc(sb, ')');
        return;
    }
    case P_CLASS: sb_printf(sb, "<class '%s'>", ((PClass *)v.p)->name); return;
    case P_FUNC: sb_printf(sb, "<function %s>", ((PFunc *)v.p)->name); return;
    case P_MOD: sb_printf(sb, "<module '%s'>", ((PMod *)v.p)->pyname); return;
    default: sb_printf(sb, "<%s>", pv_type_name(v)); return;
    }
}

/* ---- conversions ---- */

static Type *elem_type_of(Type *a, Type *b) {
    if (!a) return b;
    if (a == b) return a;
    Type *u = ty_unify(a, b);
    return u ? u : ty_any();
}

ts_status pv_to_iv(Py *S, PV v, const Span *sp, IValue *out) {
    switch (v.k) {
    case P_NONE:
    case P_BOOL:
    case P_INT:
    case P_FLOAT:
    case P_STR:
    case P_TENSOR:
    case P_DEVICE:
        *out = iv_dup(v.iv);
        return TS_OK;
    case P_DTYPE: *out = iv_int(v.iv.u.i); return TS_OK;
    case P_LIST: {
        int n = pv_len(v);
        IValue *tmp = ts_xmalloc(sizeof(IValue) * (size_t)(n + 1));
        Type *elem = NULL;
        for (int i = 0; i < n; i++) {
            ts_status st = pv_to_iv(S, pv_items(v)[i], sp, &tmp[i]);
            if (st != TS_OK) {
                for (int k = 0; k < i; k++) iv_release(tmp[k]);
                ts_free(tmp);
                return st;
            }
            elem = elem_type_of(elem, sema_type_of_value(tmp[i]));
        }
        ListObj *l = list_new(elem ? elem : ty_tensor(), n);
        for (int i = 0; i < n; i++) list_push_steal(l, tmp[i]);
        ts_free(tmp);
        *out = iv_list_steal(l);
        return TS_OK;
    }
    case P_TUPLE: {
        int n = pv_len(v);
        TupleObj *t = tuple_new(n);
        for (int i = 0; i < n; i++) {
            ts_status st = pv_to_iv(S, pv_items(v)[i], sp, &t->items[i]);
            if (st != TS_OK) {
                iv_release(iv_tuple_steal(t));
                return st;
            }
        }
        *out = iv_tuple_steal(t);
        return TS_OK;
    }
    case P_DICT: {
        PObj *d = v.p;
        Type *kt = NULL, *vt = NULL;
        DictObj *dict = NULL;
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < d->items.len; i++) {
                IValue k, x;
                TS_TRY(pv_to_iv(S, d->items.data[i], sp, &k));
                ts_status st = pv_to_iv(S, d->vals.data[i], sp, &x);
                if (st != TS_OK) {
                    iv_release(k);
                    if (dict) iv_release(iv_dict_steal(dict));
                    return st;
                }
                if (pass == 0) {
                    kt = elem_type_of(kt, sema_type_of_value(k));
                    vt = elem_type_of(vt, sema_type_of_value(x));
                    iv_release(k);
                    iv_release(x);
                } else {
                    dict_set_steal(dict, k, x);
                }
            }
            if (pass == 0) dict = dict_new(kt ? kt : ty_str(), vt ? vt : ty_tensor());
        }
        *out = iv_dict_steal(dict);
        return TS_OK;
    }
    case P_SCRIPT:
        if (((PObj *)v.p)->sobj.kind == IV_OBJECT && !((PObj *)v.p)->sfn) { /* exec: a compiled module */
            *out = iv_dup(((PObj *)v.p)->sobj);
            return TS_OK;
        }
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "a %s cannot be passed to a TorchScript operator", pv_type_name(v));
    default:
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "a %s cannot be passed to a TorchScript operator", pv_type_name(v));
    }
}

PV pv_from_iv(IValue v) {
    switch (v.kind) {
    case IV_LIST: {
        PV l = pv_list_new();
        for (int64_t i = 0; i < v.u.l->len; i++) pv_seq_push_steal(l, pv_from_iv(v.u.l->items[i]));
        return l;
    }
    case IV_TUPLE: {
        PV t = pv_tuple_new();
        for (int64_t i = 0; i < v.u.tup->len; i++) pv_seq_push_steal(t, pv_from_iv(v.u.tup->items[i]));
        return t;
    }
    case IV_DICT: {
        PObj *d = pobj_new(P_DICT);
        for (int64_t i = 0; i < v.u.dict->len; i++)
            pdict_set_steal(d, pv_from_iv(v.u.dict->entries[i].key), pv_from_iv(v.u.dict->entries[i].value));
        return pv_obj_steal(d);
    }
    default: return pv_iv_steal(iv_dup(v));
    }
}
