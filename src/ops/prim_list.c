/*
 * prim_list.c - TorchScript ops on lists (`t[]`) and dicts (`Dict(str, t)`,
 * `Dict(int, t)`): indexing, mutation, slicing, concatenation, membership,
 * comparison, min/max and the dict views.
 *
 * Lists and dicts are shared and mutable: ops that mutate (append, _set_item,
 * pop, ...) change the object every holder sees, as in Python. New lists take
 * the element type of the list they come from. Index rules and messages are
 * PyTorch's ("list index out of range", "KeyError: k"); a count computed from
 * user values is checked before it sizes an allocation.
 */
#include "ops/prim.h"

/* Most elements a list built by `*` may have (about 2 GB of IValues). */
enum { MAX_LIST_LEN = 1 << 27 };

ts_status prim_slice_adjust(Ctx *ctx, int64_t len, int64_t *start, int64_t *end, int64_t step,
                            int64_t *count) {
    if (step == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "List slice should have non-zero step");
    if (step == INT64_MIN) return ts_fail(ctx, TS_ERR_VALUE, NULL, "List slice step is out of bounds");
    if (*start == INT64_MAX) *start = step < 0 ? INT64_MAX : 0;
    if (*end == INT64_MAX) *end = step < 0 ? INT64_MIN : INT64_MAX;
    int64_t *ends[2] = {start, end};
    for (int i = 0; i < 2; i++) {
        int64_t *p = ends[i];
        if (*p < 0) {
            *p += len;
            if (*p < 0) *p = step < 0 ? -1 : 0;
        } else if (*p >= len) {
            *p = step < 0 ? len - 1 : len;
        }
    }
    *count = 0;
    if (step < 0 && *end < *start) *count = (*start - *end - 1) / (-step) + 1;
    else if (step > 0 && *start < *end) *count = (*end - *start - 1) / step + 1;
    return TS_OK;
}

static ts_status index_error(Ctx *ctx) {
    return ts_fail(ctx, TS_ERR_VALUE, NULL, "list index out of range");
}

static ListObj *copy_list(const ListObj *src, Type *elem) {
    ListObj *l = list_new(elem, src->len);
    for (int64_t i = 0; i < src->len; i++) list_push_steal(l, iv_dup(src->items[i]));
    return l;
}

/* ---- lists ---- */

PRIM_OP(prim_len_list) { out[0] = iv_int(in[0].u.l->len); return TS_OK; }

PRIM_OP(prim_getitem_list) {
    ListObj *l = in[0].u.l;
    int64_t i = prim_index(prim_int(in[1]), l->len);
    if (i < 0) return index_error(ctx);
    out[0] = iv_dup(l->items[i]);
    return TS_OK;
}

PRIM_OP(prim_setitem_list) {
    ListObj *l = in[0].u.l;
    int64_t i = prim_index(prim_int(in[1]), l->len);
    if (i < 0) return index_error(ctx);
    IValue old = l->items[i];
    l->items[i] = iv_dup(in[2]);
    iv_release(old);
    out[0] = iv_dup(in[0]);
    return TS_OK;
}

PRIM_OP(prim_append) {
    list_push_steal(in[0].u.l, iv_dup(in[1]));
    out[0] = iv_dup(in[0]);
    return TS_OK;
}

PRIM_OP(prim_add_list) {
    ListObj *a = in[0].u.l, *b = in[1].u.l;
    ListObj *l = list_new(a->elem, a->len + b->len);
    for (int64_t i = 0; i < a->len; i++) list_push_steal(l, iv_dup(a->items[i]));
    for (int64_t i = 0; i < b->len; i++) list_push_steal(l, iv_dup(b->items[i]));
    out[0] = iv_list_steal(l);
    return TS_OK;
}

PRIM_OP(prim_slice_list) {
    ListObj *src = in[0].u.l;
    int64_t start = in[1].kind == IV_NONE ? INT64_MAX : prim_int(in[1]);
    int64_t end = in[2].kind == IV_NONE ? INT64_MAX : prim_int(in[2]);
    int64_t step = prim_int(in[3]), n = 0;
    TS_TRY(prim_slice_adjust(ctx, src->len, &start, &end, step, &n));
    ListObj *l = list_new(src->elem, n);
    /* start + k * step stays inside the list for k < n (see prim_str.c) */
    for (int64_t k = 0; k < n; k++) list_push_steal(l, iv_dup(src->items[start + k * step]));
    out[0] = iv_list_steal(l);
    return TS_OK;
}

PRIM_OP(prim_list_copy) {
    out[0] = iv_list_steal(copy_list(in[0].u.l, in[0].u.l->elem));
    return TS_OK;
}

PRIM_OP(prim_extend) {
    ListObj *l = in[0].u.l, *o = in[1].u.l;
    int64_t n = o->len; /* l and o may be the same list */
    for (int64_t i = 0; i < n; i++) list_push_steal(l, iv_dup(o->items[i]));
    return TS_OK;
}

/* Python's insert: a position past either end goes to that end. */
PRIM_OP(prim_insert) {
    ListObj *l = in[0].u.l;
    int64_t i = prim_int(in[1]);
    if (i < 0) i += l->len;
    if (i < 0) i = 0;
    if (i > l->len) i = l->len;
    list_push_steal(l, iv_none());
    memmove(&l->items[i + 1], &l->items[i], sizeof(IValue) * (size_t)(l->len - 1 - i));
    l->items[i] = iv_dup(in[2]);
    return TS_OK;
}

static void list_erase(ListObj *l, int64_t i, IValue *taken) {
    *taken = l->items[i];
    memmove(&l->items[i], &l->items[i + 1], sizeof(IValue) * (size_t)(l->len - 1 - i));
    l->len--;
}

PRIM_OP(prim_pop_list) {
    ListObj *l = in[0].u.l;
    if (l->len == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "pop from empty list");
    int64_t i = prim_index(prim_int(in[1]), l->len);
    if (i < 0) return index_error(ctx);
    list_erase(l, i, &out[0]);
    return TS_OK;
}

PRIM_OP(prim_delete_list) {
    ListObj *l = in[0].u.l;
    int64_t i = prim_index(prim_int(in[1]), l->len);
    if (i < 0) return index_error(ctx);
    IValue v;
    list_erase(l, i, &v);
    iv_release(v);
    return TS_OK;
}

PRIM_OP(prim_clear_list) {
    ListObj *l = in[0].u.l;
    int64_t n = l->len;
    l->len = 0;
    for (int64_t i = 0; i < n; i++) iv_release(l->items[i]);
    return TS_OK;
}

PRIM_OP(prim_reverse) {
    ListObj *l = in[0].u.l;
    for (int64_t i = 0, j = l->len - 1; i < j; i++, j--) {
        IValue t = l->items[i];
        l->items[i] = l->items[j];
        l->items[j] = t;
    }
    return TS_OK;
}

static ts_status repeat(Ctx *ctx, IValue list, int64_t n, IValue *out) {
    ListObj *src = list.u.l;
    if (n < 0) n = 0;
    int64_t total = 0;
    if (!ts_mul_i64_ok(src->len, n, &total) || total > MAX_LIST_LEN)
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "list repetition is too large (%lld x %lld)",
                       (long long)src->len, (long long)n);
    ListObj *l = list_new(src->elem, total);
    for (int64_t k = 0; k < n; k++)
        for (int64_t i = 0; i < src->len; i++) list_push_steal(l, iv_dup(src->items[i]));
    *out = iv_list_steal(l);
    return TS_OK;
}
PRIM_OP(prim_mul_list_left) { return repeat(ctx, in[0], prim_int(in[1]), out); }
PRIM_OP(prim_mul_list_right) { return repeat(ctx, in[1], prim_int(in[0]), out); }

PRIM_OP(prim_contains_list) {
    ListObj *l = in[0].u.l;
    bool found = false;
    for (int64_t i = 0; i < l->len && !found; i++) found = iv_equal(l->items[i], in[1]);
    out[0] = iv_bool(found);
    return TS_OK;
}

/* l.index(x): the first position equal to x, else ValueError (int, float,
 * bool and str lists). */
PRIM_OP(prim_list_index) {
    ListObj *l = in[0].u.l;
    for (int64_t i = 0; i < l->len; i++) {
        if (iv_equal(l->items[i], in[1])) {
            out[0] = iv_int(i);
            return TS_OK;
        }
    }
    StrBuf sb;
    sb_init(&sb);
    iv_repr(&sb, in[1]);
    ts_status st = ts_fail(ctx, TS_ERR_VALUE, NULL, "ValueError: '%s' is not in list", sb_cstr(&sb));
    sb_free(&sb);
    return st;
}

PRIM_OP(prim_eq_list) { out[0] = iv_bool(iv_equal(in[0], in[1])); return TS_OK; }
PRIM_OP(prim_ne_list) { out[0] = iv_bool(!iv_equal(in[0], in[1])); return TS_OK; }

/* a < b for the element kinds of min/max lists (int, float, bool). */
static bool less(IValue a, IValue b) {
    if (a.kind == IV_DOUBLE || b.kind == IV_DOUBLE) return iv_scalar_f64(a) < iv_scalar_f64(b);
    return prim_int(a) < prim_int(b);
}

static ts_status extreme(Ctx *ctx, ListObj *l, bool want_max, IValue *out) {
    if (l->len == 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s() arg is an empty sequence", want_max ? "max" : "min");
    IValue best = l->items[0];
    for (int64_t i = 1; i < l->len; i++) {
        IValue x = l->items[i];
        if (want_max ? less(best, x) : less(x, best)) best = x;
    }
    *out = iv_dup(best);
    return TS_OK;
}
PRIM_OP(prim_min_self) { return extreme(ctx, in[0].u.l, false, out); }
PRIM_OP(prim_max_self) { return extreme(ctx, in[0].u.l, true, out); }

/* any / all of a list: an element counts as true when it is non-zero (a
 * float NaN is true) or, for strings, non-empty. */
static bool truthy(IValue v) {
    switch (v.kind) {
    case IV_BOOL: return v.u.b;
    case IV_INT: return v.u.i != 0;
    case IV_DOUBLE: return v.u.d != 0;
    case IV_STR: return v.u.s->len != 0;
    default: return false;
    }
}

PRIM_OP(prim_any_list) {
    ListObj *l = in[0].u.l;
    bool r = false;
    for (int64_t i = 0; i < l->len && !r; i++) r = truthy(l->items[i]);
    out[0] = iv_bool(r);
    return TS_OK;
}

PRIM_OP(prim_all_list) {
    ListObj *l = in[0].u.l;
    bool r = true;
    for (int64_t i = 0; i < l->len && r; i++) r = truthy(l->items[i]);
    out[0] = iv_bool(r);
    return TS_OK;
}

/* ---- dicts ---- */

static ts_status key_error(Ctx *ctx, IValue key) {
    StrBuf sb;
    sb_init(&sb);
    iv_print(&sb, key);
    ts_status st = ts_fail(ctx, TS_ERR_VALUE, NULL, "KeyError: %s", sb_cstr(&sb));
    sb_free(&sb);
    return st;
}

PRIM_OP(prim_dict_new) {
    out[0] = iv_dict_steal(dict_new(ty_str(), ty_tensor()));
    return TS_OK;
}

/* dict([(k, v), ...]): later pairs replace earlier ones with the same key. */
PRIM_OP(prim_dict_from_pairs) {
    const ListObj *l = in[0].u.l;
    Type *dt = info && info->nout ? info->out_types[0] : NULL;
    DictObj *d = dict_new(dt && dt->kind == TK_DICT ? dt->elems[0] : ty_any(),
                          dt && dt->kind == TK_DICT ? dt->elems[1] : ty_any());
    for (int64_t i = 0; i < l->len; i++) {
        const TupleObj *t = l->items[i].u.tup;
        dict_set_steal(d, iv_dup(t->items[0]), iv_dup(t->items[1]));
    }
    out[0] = iv_dict_steal(d);
    return TS_OK;
}

/* dict(d): a shallow copy in the same order. */
PRIM_OP(prim_dict_copy) {
    const DictObj *s = in[0].u.dict;
    DictObj *d = dict_new(s->key_type, s->value_type);
    for (int64_t i = 0; i < s->len; i++)
        dict_set_steal(d, iv_dup(s->entries[i].key), iv_dup(s->entries[i].value));
    out[0] = iv_dict_steal(d);
    return TS_OK;
}

PRIM_OP(prim_len_dict) { out[0] = iv_int(in[0].u.dict->len); return TS_OK; }

PRIM_OP(prim_getitem_dict) {
    IValue *v = dict_find(in[0].u.dict, in[1]);
    if (!v) return key_error(ctx, in[1]);
    out[0] = iv_dup(*v);
    return TS_OK;
}

PRIM_OP(prim_setitem_dict) {
    dict_set_steal(in[0].u.dict, iv_dup(in[1]), iv_dup(in[2]));
    return TS_OK;
}

PRIM_OP(prim_contains_dict) {
    out[0] = iv_bool(dict_find(in[0].u.dict, in[1]) != NULL);
    return TS_OK;
}

PRIM_OP(prim_keys) {
    DictObj *d = in[0].u.dict;
    ListObj *l = list_new(d->key_type, d->len);
    for (int64_t i = 0; i < d->len; i++) list_push_steal(l, iv_dup(d->entries[i].key));
    out[0] = iv_list_steal(l);
    return TS_OK;
}

PRIM_OP(prim_values) {
    DictObj *d = in[0].u.dict;
    ListObj *l = list_new(d->value_type, d->len);
    for (int64_t i = 0; i < d->len; i++) list_push_steal(l, iv_dup(d->entries[i].value));
    out[0] = iv_list_steal(l);
    return TS_OK;
}

PRIM_OP(prim_items) {
    DictObj *d = in[0].u.dict;
    Type *kv[2] = {d->key_type, d->value_type};
    Type *pair = ty_tuple(kv, 2);
    ListObj *l = list_new(pair, d->len);
    for (int64_t i = 0; i < d->len; i++) {
        TupleObj *t = tuple_new(2);
        t->items[0] = iv_dup(d->entries[i].key);
        t->items[1] = iv_dup(d->entries[i].value);
        list_push_steal(l, iv_tuple_steal(t));
    }
    out[0] = iv_list_steal(l);
    return TS_OK;
}

/* get(key) and get(key, default_value) */
PRIM_OP(prim_get_dict) {
    IValue *v = dict_find(in[0].u.dict, in[1]);
    out[0] = v ? iv_dup(*v) : nin > 2 ? iv_dup(in[2]) : iv_none();
    return TS_OK;
}

/* pop(key) and pop(key, default_value) */
PRIM_OP(prim_pop_dict) {
    if (dict_remove(in[0].u.dict, in[1], &out[0])) return TS_OK;
    if (nin > 2) {
        out[0] = iv_dup(in[2]);
        return TS_OK;
    }
    return key_error(ctx, in[1]);
}

PRIM_OP(prim_delete_dict) {
    if (!dict_remove(in[0].u.dict, in[1], NULL)) return key_error(ctx, in[1]);
    return TS_OK;
}

PRIM_OP(prim_clear_dict) {
    dict_clear(in[0].u.dict);
    return TS_OK;
}

PRIM_OP(prim_update_dict) {
    DictObj *d = in[0].u.dict, *o = in[1].u.dict;
    int64_t n = o->len; /* d and o may be the same dict */
    for (int64_t i = 0; i < n; i++)
        dict_set_steal(d, iv_dup(o->entries[i].key), iv_dup(o->entries[i].value));
    return TS_OK;
}
