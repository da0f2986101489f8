/*
 * value.c - boxed values: reference counting of every heap kind, strings,
 * lists, tuples, dicts, objects, enums, functions and class types, plus
 * Python equality and truthiness. Printing lives in value_repr.c.
 *
 * Invariants:
 *  - Every heap object starts with a HeapHdr whose kind equals the IValue kind
 *    that refers to it; refcnt is updated atomically (relaxed on retain,
 *    acquire-release on release) so values may be shared between threads.
 *    Tensors are counted and freed by tensor.c (tensor_retain/tensor_release).
 *  - A dict keeps its entries dense and in insertion order; `index` is an
 *    open-addressing table (linear probing, power-of-two size, at most 2/3
 *    full) of entry positions, -1 for an empty slot. Keys hash the Python way:
 *    equal ints, floats and bools hash alike; tensors hash by identity. The
 *    hash is keyed per process (base/hash.c): keys come from files and code.
 *  - An object or enum member keeps its class's compilation unit alive
 *    (unit_retain on creation, unit_release after its slots are released).
 *  - Boxes abort on out-of-memory (ts_xmalloc), as value.h promises.
 *  - Freeing never recurses over values: iv_release queues the boxes that die
 *    inside a dying box on a per-thread worklist, so freeing a value of any
 *    depth uses a bounded amount of C stack.
 */
#include "value/value.h"

#include <math.h>

#include "value/value_gc.h"

/* ---- reference counting ---- */

static void heap_init(HeapHdr *h, IVKind kind) {
    h->refcnt = 1;
    h->kind = (uint8_t)kind;
    h->gc = GC_UNTRACKED;
    if (kind == IV_LIST || kind == IV_TUPLE || kind == IV_DICT || kind == IV_OBJECT) gc_track(h);
}

static void *box_alloc(size_t head, size_t count, size_t elem) {
    size_t n;
    if (!ts_mul_ok(count, elem, &n) || !ts_add_ok(n, head, &n)) ts_oom();
    return ts_xmalloc(n);
}

static void unit_acquire(ClassType *cls) {
    if (cls && cls->unit && cls->unit_retain) cls->unit_retain(cls->unit);
}

static void heap_free(IValue v) {
    switch (v.kind) {
    case IV_STR: ts_free(v.u.s); break;
    /* A container the cycle collector tracks keeps its (emptied) shell until
     * the collector's next sweep: gc_dead() publishes it as done. */
    case IV_LIST: {
        ListObj *l = v.u.l;
        for (int64_t i = 0; i < l->len; i++) iv_release(l->items[i]);
        ts_free(l->items);
        l->items = NULL;
        l->len = l->cap = 0;
        if (!gc_dead(&l->hdr)) ts_free(l);
        break;
    }
    case IV_TUPLE: {
        TupleObj *t = v.u.tup;
        for (int64_t i = 0; i < t->len; i++) iv_release(t->items[i]);
        t->len = 0;
        if (!gc_dead(&t->hdr)) ts_free(t);
        break;
    }
    case IV_DICT: {
        DictObj *d = v.u.dict;
        for (int64_t i = 0; i < d->len; i++) {
            iv_release(d->entries[i].key);
            iv_release(d->entries[i].value);
        }
        ts_free(d->entries);
        ts_free(d->index);
        d->entries = NULL;
        d->index = NULL;
        d->len = d->cap = d->index_cap = 0;
        if (!gc_dead(&d->hdr)) ts_free(d);
        break;
    }
    case IV_OBJECT: {
        Object *o = v.u.obj;
        ClassType *cls = o->cls;
        void *unit = cls ? cls->unit : NULL;
        void (*unit_release)(void *) = cls ? cls->unit_release : NULL;
        for (int i = 0; i < o->nslots; i++) iv_release(o->slots[i]);
        o->nslots = 0;
        o->cls = NULL;
        if (!gc_dead(&o->hdr)) ts_free(o);
        if (unit && unit_release) unit_release(unit); /* may free cls */
        break;
    }
    case IV_ENUM: {
        EnumObj *e = v.u.en;
        ClassType *cls = e->cls;
        void *unit = cls ? cls->unit : NULL;
        void (*unit_release)(void *) = cls ? cls->unit_release : NULL;
        if (e->name) iv_release((IValue){.kind = IV_STR, .u.s = e->name});
        iv_release(e->value);
        ts_free(e);
        if (unit && unit_release) unit_release(unit);
        break;
    }
    case IV_FUNC: ts_free(v.u.fn); break;
    default: break;
    }
}

void iv_retain(IValue v) {
    if (!iv_is_heap(v) || !v.u.h) return;
    if (v.kind == IV_TENSOR) {
        tensor_retain(v.u.t);
        return;
    }
    __atomic_add_fetch(&v.u.h->refcnt, 1, __ATOMIC_RELAXED);
}

/* Freeing is iterative: while one thread frees a value, the boxes whose count
 * reaches zero inside it are queued on that thread's worklist instead of being
 * freed recursively, so a chain of a million objects (or lists nested a
 * million deep) needs no more C stack than one. The first 64 entries live on
 * the stack of the outermost release; more go to the heap, and if even that
 * fails the box is freed in place (recursion again, as a last resort). */
typedef struct FreeList {
    HeapHdr **data;
    size_t len, cap;
    HeapHdr *inline_[64];
} FreeList;

static __thread FreeList *t_freelist;

static void heap_free_hdr(HeapHdr *h) {
    IValue v;
    v.kind = (IVKind)h->kind;
    v.u.h = h;
    heap_free(v);
}

static bool freelist_push(FreeList *fl, HeapHdr *h) {
    if (fl->len == fl->cap) {
        size_t cap = fl->cap * 2;
        HeapHdr **d = fl->data == fl->inline_ ? ts_malloc(cap * sizeof *d)
                                              : ts_realloc(fl->data, cap * sizeof *d);
        if (!d) return false;
        if (fl->data == fl->inline_) memcpy(d, fl->inline_, sizeof fl->inline_);
        fl->data = d;
        fl->cap = cap;
    }
    fl->data[fl->len++] = h;
    return true;
}

void iv_release(IValue v) {
    if (!iv_is_heap(v) || !v.u.h) return;
    if (v.kind == IV_TENSOR) {
        tensor_release(v.u.t);
        return;
    }
    if (__atomic_sub_fetch(&v.u.h->refcnt, 1, __ATOMIC_ACQ_REL) != 0) return;
    if (v.kind == IV_STR || v.kind == IV_FUNC) { /* no boxes inside */
        heap_free(v);
        return;
    }
    FreeList *fl = t_freelist;
    if (fl) {
        if (!freelist_push(fl, v.u.h)) heap_free(v);
        return;
    }
    FreeList own;
    own.data = own.inline_;
    own.len = 0;
    own.cap = TS_ARRAY_LEN(own.inline_);
    t_freelist = &own;
    heap_free(v);
    while (own.len) heap_free_hdr(own.data[--own.len]);
    t_freelist = NULL;
    if (own.data != own.inline_) ts_free(own.data);
}

/* ---- heap IValues ---- */

IValue iv_tensor_steal(Tensor *t) {
    IValue v;
    v.kind = IV_TENSOR;
    v.u.t = t;
    return v;
}

StrObj *str_new(const char *s, size_t n) {
    StrObj *o = box_alloc(sizeof(StrObj), n + 1, 1);
    heap_init(&o->hdr, IV_STR);
    o->len = (int64_t)n;
    if (n) memcpy(o->data, s, n);
    o->data[n] = 0;
    o->hash = ts_hash_bytes(o->data, n);
    return o;
}

IValue iv_str(const char *s, size_t n) {
    IValue v;
    v.kind = IV_STR;
    v.u.s = str_new(s, n);
    return v;
}

IValue iv_cstr(const char *s) { return iv_str(s, strlen(s)); }

#define STEAL(fname, T, K, field) \
    IValue fname(T *p) {          \
        IValue v;                 \
        v.kind = K;               \
        v.u.field = p;            \
        return v;                 \
    }
STEAL(iv_list_steal, ListObj, IV_LIST, l)
STEAL(iv_tuple_steal, TupleObj, IV_TUPLE, tup)
STEAL(iv_dict_steal, DictObj, IV_DICT, dict)
STEAL(iv_object_steal, Object, IV_OBJECT, obj)
#undef STEAL

/* ---- lists and tuples ---- */

ListObj *list_new(Type *elem, int64_t cap) {
    ListObj *l = ts_xmalloc(sizeof *l);
    heap_init(&l->hdr, IV_LIST);
    l->elem = elem ? elem : ty_any();
    l->len = 0;
    l->cap = cap > 0 ? cap : 0;
    l->items = l->cap ? box_alloc(0, (size_t)l->cap, sizeof(IValue)) : NULL;
    return l;
}

void list_push_steal(ListObj *l, IValue v) {
    if (l->len == l->cap) {
        int64_t cap = l->cap ? l->cap * 2 : 4;
        size_t n;
        if (cap < l->cap || !ts_mul_ok((size_t)cap, sizeof(IValue), &n)) ts_oom();
        l->items = ts_xrealloc(l->items, n);
        l->cap = cap;
    }
    l->items[l->len++] = v;
}

TupleObj *tuple_new(int64_t n) {
    if (n < 0) n = 0;
    TupleObj *t = box_alloc(sizeof(TupleObj), (size_t)n, sizeof(IValue));
    heap_init(&t->hdr, IV_TUPLE);
    t->type = NULL;
    t->len = n;
    for (int64_t i = 0; i < n; i++) t->items[i] = iv_none();
    return t;
}

/* ---- dicts ---- */

/* Keyed (base/hash.c): dict keys come from files and model code. */
static uint64_t hash_i64(int64_t i) { return ts_hash_u64((uint64_t)i); }

/* An integral double within int64 range, as Python compares ints and floats. */
static bool double_as_i64(double d, int64_t *out) {
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
    if (d != trunc(d)) return false;
    *out = (int64_t)d;
    return true;
}

static uint64_t key_hash(IValue k) {
    switch (k.kind) {
    case IV_STR: return k.u.s->hash;
    case IV_INT: return hash_i64(k.u.i);
    case IV_BOOL: return hash_i64(k.u.b);
    case IV_DOUBLE: {
        int64_t i = 0;
        if (double_as_i64(k.u.d, &i)) return hash_i64(i);
        uint64_t bits;
        memcpy(&bits, &k.u.d, sizeof bits);
        return hash_i64((int64_t)bits);
    }
    case IV_DEVICE: return hash_i64(k.u.dev.type * 65536 + k.u.dev.index);
    case IV_NONE: return 0;
    default: return hash_i64((int64_t)(intptr_t)k.u.h); /* identity */
    }
}

DictObj *dict_new(Type *key_type, Type *value_type) {
    DictObj *d = ts_xmalloc(sizeof *d);
    heap_init(&d->hdr, IV_DICT);
    d->key_type = key_type ? key_type : ty_str();
    d->value_type = value_type ? value_type : ty_any();
    d->len = d->cap = 0;
    d->entries = NULL;
    d->index = NULL;
    d->index_cap = 0;
    return d;
}

/* The index slot holding key, or the empty slot where it would go. */
static int64_t *index_slot(const DictObj *d, IValue key, uint64_t h) {
    int64_t mask = d->index_cap - 1;
    for (int64_t j = (int64_t)(h & (uint64_t)mask);; j = (j + 1) & mask) {
        int64_t e = d->index[j];
        if (e < 0 || iv_equal(d->entries[e].key, key)) return &d->index[j];
    }
}

static void index_rebuild(DictObj *d, int64_t cap) {
    ts_free(d->index);
    d->index = box_alloc(0, (size_t)cap, sizeof(int64_t));
    d->index_cap = cap;
    for (int64_t j = 0; j < cap; j++) d->index[j] = -1;
    for (int64_t i = 0; i < d->len; i++)
        *index_slot(d, d->entries[i].key, key_hash(d->entries[i].key)) = i;
}

IValue *dict_find(DictObj *d, IValue key) {
    if (d->len == 0) return NULL;
    int64_t e = *index_slot(d, key, key_hash(key));
    return e < 0 ? NULL : &d->entries[e].value;
}

void dict_set_steal(DictObj *d, IValue key, IValue value) {
    if (d->len > 0) {
        int64_t e = *index_slot(d, key, key_hash(key));
        if (e >= 0) {
            iv_release(key);
            iv_release(d->entries[e].value);
            d->entries[e].value = value;
            return;
        }
    }
    if (d->len == d->cap) {
        int64_t cap = d->cap ? d->cap * 2 : 8;
        size_t n;
        if (cap < d->cap || !ts_mul_ok((size_t)cap, sizeof(DictEntry), &n)) ts_oom();
        d->entries = ts_xrealloc(d->entries, n);
        d->cap = cap;
    }
    d->entries[d->len].key = key;
    d->entries[d->len].value = value;
    d->len++;
    if (d->len * 3 > d->index_cap * 2) {
        int64_t cap = d->index_cap ? d->index_cap : 8;
        while (d->len * 3 > cap * 2) cap *= 2;
        index_rebuild(d, cap);
    } else {
        *index_slot(d, key, key_hash(key)) = d->len - 1;
    }
}

bool dict_remove(DictObj *d, IValue key, IValue *value) {
    if (d->len == 0) return false;
    int64_t e = *index_slot(d, key, key_hash(key));
    if (e < 0) return false;
    iv_release(d->entries[e].key);
    if (value) *value = d->entries[e].value;
    else iv_release(d->entries[e].value);
    memmove(&d->entries[e], &d->entries[e + 1], sizeof(DictEntry) * (size_t)(d->len - e - 1));
    d->len--;
    index_rebuild(d, d->index_cap);
    return true;
}

void dict_clear(DictObj *d) {
    int64_t n = d->len;
    d->len = 0; /* releasing may run arbitrary code; keep the dict consistent first */
    for (int64_t i = 0; i < n; i++) {
        iv_release(d->entries[i].key);
        iv_release(d->entries[i].value);
    }
    for (int64_t j = 0; j < d->index_cap; j++) d->index[j] = -1;
}

/* ---- objects, enums, functions, classes ---- */

Object *object_new(ClassType *cls) {
    int n = cls ? cls->attrs.len : 0;
    Object *o = box_alloc(sizeof(Object), (size_t)n, sizeof(IValue));
    heap_init(&o->hdr, IV_OBJECT);
    o->cls = cls;
    o->nslots = n;
    for (int i = 0; i < n; i++) o->slots[i] = iv_none();
    unit_acquire(cls);
    return o;
}

EnumObj *enum_new(ClassType *cls, const char *name, IValue value) {
    EnumObj *e = ts_xmalloc(sizeof *e);
    heap_init(&e->hdr, IV_ENUM);
    e->cls = cls;
    e->name = str_new(name, strlen(name));
    e->value = value;
    unit_acquire(cls);
    return e;
}

FuncObj *func_new(void *fn) {
    FuncObj *f = ts_xmalloc(sizeof *f);
    heap_init(&f->hdr, IV_FUNC);
    f->fn = fn;
    return f;
}

ClassType *classtype_new(ClassKind kind, const char *qualname) {
    ClassType *c = ts_xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->hdr.refcnt = 1;
    c->kind = kind;
    c->qualname = ts_strdup(qualname);
    const char *dot = strrchr(c->qualname, '.');
    c->name = dot ? dot + 1 : c->qualname;
    c->type = ts_xmalloc(sizeof(Type));
    memset(c->type, 0, sizeof(Type));
    c->type->kind = TK_CLASS;
    c->type->name = c->qualname;
    c->type->cls = c;
    strmap_init(&c->methods);
    return c;
}

int classtype_add_attr(ClassType *c, const char *name, Type *type, bool is_param, bool is_buffer) {
    ClassAttr a = {ts_strdup(name), type, is_param, is_buffer};
    vec_push(&c->attrs, a);
    return c->attrs.len - 1;
}

void classtype_add_const(ClassType *c, const char *name, Type *type, IValue value) {
    ClassConst k = {ts_strdup(name), type, value};
    vec_push(&c->consts, k);
}

void classtype_add_method(ClassType *c, const char *name, void *fn) {
    if (!strmap_get(&c->methods, name)) vec_push(&c->method_names, ts_strdup(name));
    strmap_put(&c->methods, name, fn);
}

int classtype_attr_index(const ClassType *c, const char *name) {
    for (int i = 0; i < c->attrs.len; i++)
        if (strcmp(c->attrs.data[i].name, name) == 0) return i;
    return -1;
}

void classtype_free(ClassType *c) {
    if (!c) return;
    for (int i = 0; i < c->attrs.len; i++) ts_free(c->attrs.data[i].name);
    vec_free(&c->attrs);
    for (int i = 0; i < c->consts.len; i++) {
        ts_free(c->consts.data[i].name);
        iv_release(c->consts.data[i].value);
    }
    vec_free(&c->consts);
    strmap_free(&c->methods);
    for (int i = 0; i < c->method_names.len; i++) ts_free(c->method_names.data[i]);
    vec_free(&c->method_names);
    ts_free(c->type);
    ts_free(c->qualname);
    ts_free(c);
}

/* ---- equality and truthiness ---- */

static bool is_num(IVKind k) { return k == IV_INT || k == IV_BOOL || k == IV_DOUBLE; }

static bool num_equal(IValue a, IValue b) {
    if (a.kind == IV_DOUBLE && b.kind == IV_DOUBLE) return a.u.d == b.u.d;
    if (a.kind == IV_DOUBLE || b.kind == IV_DOUBLE) {
        double d = a.kind == IV_DOUBLE ? a.u.d : b.u.d;
        IValue o = a.kind == IV_DOUBLE ? b : a;
        int64_t i = 0;
        return double_as_i64(d, &i) && i == (o.kind == IV_BOOL ? (int64_t)o.u.b : o.u.i);
    }
    int64_t x = a.kind == IV_BOOL ? a.u.b : a.u.i;
    int64_t y = b.kind == IV_BOOL ? b.u.b : b.u.i;
    return x == y;
}

/* Equality is iterative: the pairs still to compare wait on an explicit
 * stack, so values of any depth compare with constant C stack. Each pair of
 * containers is expanded once (a set of the pairs seen): values that contain
 * themselves compare as equal where their structure agrees, as the
 * coinductive reading says (Python raises RecursionError there), and values
 * shared 2^n ways cost their size. If the working memory cannot grow, the
 * answer is "not equal". */
typedef struct EqPair {
    IValue a, b;
} EqPair;

typedef struct EqState {
    EqPair *stack;
    size_t sp, cap;
    const void **seen; /* pairs of box pointers, open addressing */
    size_t seen_cap, seen_len;
    bool nomem;
    EqPair stack_inline[32];
    const void *seen_inline[128];
} EqState;

static void eq_push(EqState *s, IValue a, IValue b) {
    if (s->sp == s->cap) {
        size_t cap = s->cap * 2;
        EqPair *n = s->stack == s->stack_inline ? ts_malloc(cap * sizeof *n) : ts_realloc(s->stack, cap * sizeof *n);
        if (!n) {
            s->nomem = true;
            return;
        }
        if (s->stack == s->stack_inline) memcpy(n, s->stack_inline, sizeof s->stack_inline);
        s->stack = n;
        s->cap = cap;
    }
    s->stack[s->sp].a = a;
    s->stack[s->sp++].b = b;
}

static size_t eq_slot(const void **seen, size_t cap, const void *a, const void *b) {
    uint64_t h = (uint64_t)(uintptr_t)a * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)b;
    size_t mask = cap / 2 - 1;
    for (size_t j = (size_t)(h ^ (h >> 31)) & mask;; j = (j + 1) & mask)
        if (!seen[2 * j] || (seen[2 * j] == a && seen[2 * j + 1] == b)) return j;
}

/* Mark the pair (a, b) seen; false if it already was. */
static bool eq_first_time(EqState *s, const void *a, const void *b) {
    size_t j = eq_slot(s->seen, s->seen_cap, a, b);
    if (s->seen[2 * j]) return false;
    if ((s->seen_len + 1) * 4 > s->seen_cap) { /* pairs fill at most half the slots */
        size_t cap = s->seen_cap * 2;
        const void **n = ts_calloc(cap, sizeof *n);
        if (!n) {
            s->nomem = true;
            return false;
        }
        for (size_t i = 0; i < s->seen_cap / 2; i++)
            if (s->seen[2 * i]) {
                size_t k = eq_slot(n, cap, s->seen[2 * i], s->seen[2 * i + 1]);
                n[2 * k] = s->seen[2 * i];
                n[2 * k + 1] = s->seen[2 * i + 1];
            }
        if (s->seen != s->seen_inline) ts_free(s->seen);
        s->seen = n;
        s->seen_cap = cap;
        j = eq_slot(s->seen, s->seen_cap, a, b);
    }
    s->seen[2 * j] = a;
    s->seen[2 * j + 1] = b;
    s->seen_len++;
    return true;
}

/* One pair: its verdict if it is decided here; its items pushed otherwise. */
static bool eq_step(EqState *s, IValue a, IValue b) {
    if (is_num(a.kind) && is_num(b.kind)) return num_equal(a, b);
    if (a.kind != b.kind) return false;
    switch (a.kind) {
    case IV_NONE: return true;
    case IV_DEVICE: return a.u.dev.type == b.u.dev.type && a.u.dev.index == b.u.dev.index;
    case IV_STR:
        return a.u.s == b.u.s || (a.u.s->len == b.u.s->len && a.u.s->hash == b.u.s->hash &&
                                  memcmp(a.u.s->data, b.u.s->data, (size_t)a.u.s->len) == 0);
    case IV_LIST:
    case IV_TUPLE: {
        if (a.u.h == b.u.h) return true;
        int64_t n = a.kind == IV_LIST ? a.u.l->len : a.u.tup->len;
        if (n != (b.kind == IV_LIST ? b.u.l->len : b.u.tup->len)) return false;
        if (!eq_first_time(s, a.u.h, b.u.h)) return !s->nomem;
        const IValue *x = a.kind == IV_LIST ? a.u.l->items : a.u.tup->items;
        const IValue *y = b.kind == IV_LIST ? b.u.l->items : b.u.tup->items;
        for (int64_t i = n; i-- > 0;) eq_push(s, x[i], y[i]);
        return !s->nomem;
    }
    case IV_DICT: {
        DictObj *x = a.u.dict, *y = b.u.dict;
        if (x == y) return true;
        if (x->len != y->len) return false;
        if (!eq_first_time(s, x, y)) return !s->nomem;
        for (int64_t i = 0; i < x->len; i++) {
            IValue *v = dict_find(y, x->entries[i].key); /* keys are scalars, strings or identities */
            if (!v) return false;
            eq_push(s, x->entries[i].value, *v);
        }
        return !s->nomem;
    }
    case IV_ENUM:
        return a.u.en == b.u.en ||
               (a.u.en->cls == b.u.en->cls && a.u.en->name->len == b.u.en->name->len &&
                memcmp(a.u.en->name->data, b.u.en->name->data, (size_t)a.u.en->name->len) == 0);
    default: return a.u.h == b.u.h; /* tensors, objects, functions: identity */
    }
}

bool iv_equal(IValue a, IValue b) {
    bool simple = !(a.kind == IV_LIST || a.kind == IV_TUPLE || a.kind == IV_DICT) || a.kind != b.kind;
    EqState s;
    s.stack = s.stack_inline;
    s.cap = TS_ARRAY_LEN(s.stack_inline);
    s.sp = 0;
    s.seen = s.seen_inline;
    s.seen_cap = TS_ARRAY_LEN(s.seen_inline);
    s.seen_len = 0;
    s.nomem = false;
    if (simple) return eq_step(&s, a, b);
    memset(s.seen_inline, 0, sizeof s.seen_inline);
    bool eq = true;
    eq_push(&s, a, b);
    while (eq && s.sp) {
        s.sp--;
        eq = eq_step(&s, s.stack[s.sp].a, s.stack[s.sp].b);
    }
    if (s.stack != s.stack_inline) ts_free(s.stack);
    if (s.seen != s.seen_inline) ts_free(s.seen);
    return eq;
}

bool iv_truthy(IValue v) {
    switch (v.kind) {
    case IV_NONE: return false;
    case IV_BOOL: return v.u.b;
    case IV_INT: return v.u.i != 0;
    case IV_DOUBLE: return v.u.d != 0.0;
    case IV_STR: return v.u.s->len != 0;
    case IV_LIST: return v.u.l->len != 0;
    case IV_TUPLE: return v.u.tup->len != 0;
    case IV_DICT: return v.u.dict->len != 0;
    /* a tensor's single element (callers check numel == 1 first) */
    case IV_TENSOR: return tensor_numel(v.u.t) == 1 ? tensor_get_f64(v.u.t, 0) != 0.0 : true;
    default: return true;
    }
}

/* The static type a value has, for messages. A tuple's type is built from its
 * items, so the work is bounded: each tuple is typed once (a memo of the
 * tuples seen, so a graph shared through a pickle's memo costs its size, not
 * its paths), and past TYPEOF_MAX_TUPLES tuples, TYPEOF_MAX_DEPTH levels or
 * TYPEOF_MAX_LEN items a tuple is just `tuple`. (Each type made here is
 * interned for good, another reason to keep them small.) */
enum { TYPEOF_MAX_TUPLES = 256, TYPEOF_MAX_DEPTH = 32, TYPEOF_MAX_LEN = 64 };

typedef struct TypeOfMemo {
    const TupleObj *tup[TYPEOF_MAX_TUPLES];
    Type *type[TYPEOF_MAX_TUPLES];
    int len;
} TypeOfMemo;

static Type *value_type(IValue v, TypeOfMemo *memo, int depth) {
    switch (v.kind) {
    case IV_NONE: return ty_none();
    case IV_BOOL: return ty_bool();
    case IV_INT: return ty_int();
    case IV_DOUBLE: return ty_float();
    case IV_DEVICE: return ty_device();
    case IV_STR: return ty_str();
    case IV_TENSOR: return ty_tensor();
    case IV_LIST: return ty_list(v.u.l->elem);
    case IV_DICT: return ty_dict(v.u.dict->key_type, v.u.dict->value_type);
    case IV_TUPLE: {
        TupleObj *t = v.u.tup;
        if (t->type) return t->type;
        for (int i = 0; i < memo->len; i++)
            if (memo->tup[i] == t) return memo->type[i];
        if (depth >= TYPEOF_MAX_DEPTH || t->len > TYPEOF_MAX_LEN || memo->len == TYPEOF_MAX_TUPLES)
            return ty_anytuple();
        Type *el[TYPEOF_MAX_LEN];
        for (int64_t i = 0; i < t->len; i++) el[i] = value_type(t->items[i], memo, depth + 1);
        Type *r = ty_tuple(el, (int)t->len);
        if (memo->len < TYPEOF_MAX_TUPLES) {
            memo->tup[memo->len] = t;
            memo->type[memo->len++] = r;
        }
        return r;
    }
    case IV_OBJECT: return v.u.obj->cls ? v.u.obj->cls->type : ty_any();
    case IV_ENUM: return v.u.en->cls ? v.u.en->cls->type : ty_any();
    default: return ty_any();
    }
}

const char *iv_kind_name(IValue v) {
    switch (v.kind) {
    case IV_UNINIT: return "Uninitialized";
    case IV_FUNC: return "Function";
    default: {
        TypeOfMemo memo; /* 4 KB */
        memo.len = 0;
        return ty_name(value_type(v, &memo, 0));
    }
    }
}
