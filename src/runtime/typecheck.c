/*
 * typecheck.c - run-time checks of a value against a static type: isinstance,
 * user arguments, and the loader's check of pickled attributes (which also
 * gives untagged lists and dicts the element types their declaration names).
 *
 * Values read from a pickle may share containers through the memo, so a value
 * of n boxes can have 2^n paths. The walk therefore remembers each (container,
 * type) pair it has decided: the work is bounded by the number of distinct
 * pairs (boxes x sub-terms of the type) times their lengths, never by the
 * number of paths. A pair met again while still being decided (a cycle, which
 * only code can build) counts as conforming, the coinductive reading. The
 * recursion follows the type, whose depth the parsers bound; the value's depth
 * never matters.
 *
 * Invariant: a list or dict is tagged (its element types set from Any) only
 * after every element conforms, so a tag never lies about the contents.
 */
#include "runtime/interp.h"

enum { MEMO_INLINE = 64 };

typedef struct MemoSlot {
    const void *box;  /* NULL: empty */
    const Type *type;
    uint8_t state;    /* 1 deciding, 2 yes, 3 no */
} MemoSlot;

typedef struct Memo {
    MemoSlot *slots;
    size_t cap, len;
    bool tag;
    MemoSlot inline_[MEMO_INLINE];
} Memo;

static size_t memo_hash(const void *box, const Type *t) {
    uint64_t h = (uint64_t)(uintptr_t)box * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)t;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return (size_t)(h ^ (h >> 32));
}

static MemoSlot *memo_find(Memo *m, const void *box, const Type *t) {
    size_t mask = m->cap - 1;
    for (size_t j = memo_hash(box, t) & mask;; j = (j + 1) & mask) {
        MemoSlot *s = &m->slots[j];
        if (!s->box || (s->box == box && s->type == t)) return s;
    }
}

/* The slot for (box, t), inserted as "deciding" when new; NULL when the
 * table cannot grow (the walk then goes on without remembering). */
static MemoSlot *memo_get(Memo *m, const void *box, const Type *t, bool *fresh) {
    MemoSlot *s = memo_find(m, box, t);
    *fresh = !s->box;
    if (s->box) return s;
    if ((m->len + 1) * 2 > m->cap) {
        size_t cap = m->cap * 2;
        MemoSlot *n = ts_calloc(cap, sizeof *n);
        if (!n) return NULL;
        MemoSlot *old = m->slots;
        size_t oldcap = m->cap;
        m->slots = n;
        m->cap = cap;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].box) *memo_find(m, old[i].box, old[i].type) = old[i];
        if (old != m->inline_) ts_free(old);
        s = memo_find(m, box, t);
    }
    s->box = box;
    s->type = t;
    s->state = 1;
    m->len++;
    return s;
}

static bool check(Memo *m, IValue v, const Type *t);

static bool check_items(Memo *m, const IValue *items, int64_t n, const Type *t) {
    for (int64_t i = 0; i < n; i++)
        if (!check(m, items[i], t)) return false;
    return true;
}

static bool check_list(Memo *m, ListObj *l, const Type *t) {
    Type *e = t->elems[0];
    if (l->elem == e) return true;
    bool untagged = l->elem == ty_any();
    if (!check_items(m, l->items, l->len, e)) return false;
    if (untagged && m->tag) l->elem = e;
    return l->len > 0 || untagged;
}

static bool check_dict(Memo *m, DictObj *d, const Type *t) {
    Type *kt = t->elems[0], *vt = t->elems[1];
    if (d->key_type == kt && d->value_type == vt) return true;
    for (int64_t i = 0; i < d->len; i++)
        if (!check(m, d->entries[i].key, kt) || !check(m, d->entries[i].value, vt)) return false;
    if (m->tag) {
        if (d->key_type == ty_any()) d->key_type = kt;
        if (d->value_type == ty_any()) d->value_type = vt;
    }
    return true;
}

/* The part of check() for containers, once per (box, type). */
static bool check_box(Memo *m, IValue v, const Type *t) {
    switch (t->kind) {
    case TK_LIST: return v.kind == IV_LIST && check_list(m, v.u.l, t);
    case TK_DICT: return v.kind == IV_DICT && check_dict(m, v.u.dict, t);
    case TK_TUPLE:
        if (v.kind != IV_TUPLE || v.u.tup->len != t->n) return false;
        for (int i = 0; i < t->n; i++)
            if (!check(m, v.u.tup->items[i], t->elems[i])) return false;
        return true;
    default: return false;
    }
}

static bool check(Memo *m, IValue v, const Type *t) {
    switch (t->kind) {
    case TK_ANY: return true;
    case TK_TENSOR: return v.kind == IV_TENSOR;
    case TK_INT: return v.kind == IV_INT;
    case TK_FLOAT: return v.kind == IV_DOUBLE;
    case TK_BOOL: return v.kind == IV_BOOL;
    case TK_STR: return v.kind == IV_STR;
    case TK_NONE: return v.kind == IV_NONE;
    case TK_NUMBER: return v.kind == IV_INT || v.kind == IV_DOUBLE || v.kind == IV_BOOL;
    case TK_DEVICE: return v.kind == IV_DEVICE;
    case TK_OPTIONAL: return v.kind == IV_NONE || check(m, v, t->elems[0]);
    case TK_UNION:
        for (int i = 0; i < t->n; i++)
            if (check(m, v, t->elems[i])) return true;
        return false;
    case TK_ANYLIST: return v.kind == IV_LIST;
    case TK_ANYTUPLE: return v.kind == IV_TUPLE;
    case TK_CLASS:
        if (v.kind == IV_OBJECT) return v.u.obj->cls == t->cls;
        if (v.kind == IV_ENUM) return v.u.en->cls == t->cls;
        if (v.kind == IV_TUPLE && v.u.tup->type == t) return true;
        /* a pickle holds a NamedTuple as a plain tuple (its name is not
         * recorded): it is one when its items fit the fields */
        if (v.kind == IV_TUPLE && !v.u.tup->type && t->cls->kind == CK_NAMEDTUPLE &&
            v.u.tup->len == t->cls->attrs.len) {
            for (int i = 0; i < t->cls->attrs.len; i++)
                if (!check(m, v.u.tup->items[i], t->cls->attrs.data[i].type)) return false;
            if (m->tag) v.u.tup->type = (Type *)t;
            return true;
        }
        return false;
    case TK_LIST:
    case TK_DICT:
    case TK_TUPLE: {
        if (v.kind != IV_LIST && v.kind != IV_DICT && v.kind != IV_TUPLE) return false;
        bool fresh;
        MemoSlot *s = memo_get(m, v.u.h, t, &fresh);
        if (s && !fresh) return s->state != 3;
        bool ok = check_box(m, v, t);
        if (s) {
            s = memo_find(m, v.u.h, t); /* the table may have grown */
            s->state = ok ? 2 : 3;
        }
        return ok;
    }
    default: return false;
    }
}

static bool run_check(IValue v, const Type *t, bool tag) {
    Memo m;
    memset(m.inline_, 0, sizeof m.inline_);
    m.slots = m.inline_;
    m.cap = MEMO_INLINE;
    m.len = 0;
    m.tag = tag;
    bool ok = check(&m, v, t);
    if (m.slots != m.inline_) ts_free(m.slots);
    return ok;
}

bool iv_isinstance(IValue v, const Type *t) { return run_check(v, t, false); }

bool iv_conform_tag(IValue v, const Type *t) { return run_check(v, t, true); }
