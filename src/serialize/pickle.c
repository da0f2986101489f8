/*
 * pickle.c - the unpickler for data.pkl and constants.pkl (see pickle.h).
 *
 * A stack machine over a byte string. The stack holds Items: an IValue, or
 * one of the pickle-level things that are never values - a global callable
 * (index into the globals table), a dtype marker (`GLOBAL torch FloatStorage`),
 * a storage (BINPERSID's result) or a "raw tuple" of items that are not all
 * values (the persistent id and _rebuild_tensor_v2's arguments). The memo
 * holds Items too, so globals, dtypes and storages can be memoised and
 * fetched again, as PyTorch's writer does.
 *
 * Invariants:
 *  - every Item on the stack, in the memo or in a raw tuple owns one
 *    reference to what it holds; every exit path releases them all;
 *  - an Item's depth bounds the nesting of its value (scalars 0, a container
 *    1 + its deepest element) and never exceeds PICKLE_MAX_DEPTH;
 *  - a container is mutated (APPENDS, SETITEMS, SETITEM) only while the stack
 *    slot holds its sole reference, so no value can contain itself and the
 *    depth recorded for a container is never stale;
 *  - a container's type tag goes from Any to a type at most once, and only
 *    when its elements conform (inner containers tagged too); later
 *    insertions are checked against it, so a tagged container's contents
 *    always fit its tag and code downstream may trust it.
 * Strings are kept as bytes (no UTF-8 check), with their length.
 */
#include "serialize/pickle.h"

#include <inttypes.h>
#include <stdio.h>

#include "serialize/zip.h"

/* ---- opcodes ---- */

enum {
    OP_MARK = '(', OP_STOP = '.', OP_BINFLOAT = 'G', OP_BININT = 'J', OP_BININT1 = 'K',
    OP_BININT2 = 'M', OP_NONE = 'N', OP_BINPERSID = 'Q', OP_REDUCE = 'R', OP_BINUNICODE = 'X',
    OP_EMPTY_LIST = ']', OP_BUILD = 'b', OP_GLOBAL = 'c', OP_DICT = 'd', OP_APPENDS = 'e',
    OP_BINGET = 'h', OP_LONG_BINGET = 'j', OP_LIST = 'l', OP_BINPUT = 'q', OP_LONG_BINPUT = 'r',
    OP_SETITEM = 's', OP_TUPLE = 't', OP_SETITEMS = 'u', OP_EMPTY_DICT = '}', OP_EMPTY_TUPLE = ')',
    OP_PROTO = 0x80, OP_NEWOBJ = 0x81, OP_TUPLE1 = 0x85, OP_TUPLE2 = 0x86, OP_TUPLE3 = 0x87,
    OP_NEWTRUE = 0x88, OP_NEWFALSE = 0x89, OP_LONG1 = 0x8a, OP_APPEND = 'a',
};

/* Python's name of any pickle opcode (for messages), or NULL. */
static const char *op_name(uint8_t op) {
    switch (op) {
    case '(': return "MARK";
    case '.': return "STOP";
    case '0': return "POP";
    case '1': return "POP_MARK";
    case '2': return "DUP";
    case 'F': return "FLOAT";
    case 'I': return "INT";
    case 'J': return "BININT";
    case 'K': return "BININT1";
    case 'L': return "LONG";
    case 'M': return "BININT2";
    case 'N': return "NONE";
    case 'P': return "PERSID";
    case 'Q': return "BINPERSID";
    case 'R': return "REDUCE";
    case 'S': return "STRING";
    case 'T': return "BINSTRING";
    case 'U': return "SHORT_BINSTRING";
    case 'V': return "UNICODE";
    case 'X': return "BINUNICODE";
    case 'a': return "APPEND";
    case 'b': return "BUILD";
    case 'c': return "GLOBAL";
    case 'd': return "DICT";
    case '}': return "EMPTY_DICT";
    case 'e': return "APPENDS";
    case 'g': return "GET";
    case 'h': return "BINGET";
    case 'i': return "INST";
    case 'j': return "LONG_BINGET";
    case 'l': return "LIST";
    case ']': return "EMPTY_LIST";
    case 'o': return "OBJ";
    case 'p': return "PUT";
    case 'q': return "BINPUT";
    case 'r': return "LONG_BINPUT";
    case 's': return "SETITEM";
    case 't': return "TUPLE";
    case ')': return "EMPTY_TUPLE";
    case 'u': return "SETITEMS";
    case 'G': return "BINFLOAT";
    case 'B': return "BINBYTES";
    case 'C': return "SHORT_BINBYTES";
    case 0x80: return "PROTO";
    case 0x81: return "NEWOBJ";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x85: return "TUPLE1";
    case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";
    case 0x88: return "NEWTRUE";
    case 0x89: return "NEWFALSE";
    case 0x8a: return "LONG1";
    case 0x8b: return "LONG4";
    case 0x8c: return "SHORT_BINUNICODE";
    case 0x8d: return "BINUNICODE8";
    case 0x8e: return "BINBYTES8";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x92: return "NEWOBJ_EX";
    case 0x93: return "STACK_GLOBAL";
    case 0x94: return "MEMOIZE";
    case 0x95: return "FRAME";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return NULL;
    }
}

/* ---- stack items ---- */

typedef enum ItemKind {
    IT_EMPTY,   /* an unset memo slot */
    IT_VALUE,
    IT_GLOBAL,  /* u.global: index into Unpickler.globals */
    IT_DTYPE,   /* u.dtype: from GLOBAL torch <Name>Storage */
    IT_STORAGE, /* u.storage: BINPERSID's result */
    IT_RTUPLE,  /* u.rt: a tuple holding non-values */
} ItemKind;

typedef struct RTuple RTuple;

typedef struct Item {
    uint8_t kind;
    uint32_t depth;
    /* 1 + the memo id this container was stored under by BINPUT (0: none);
     * Python's pickler memoises a container before filling it. */
    uint32_t memo_ref;
    union {
        IValue v;
        uint32_t global;
        DType dtype;
        struct {
            Storage *st;
            DType dtype;
        } storage;
        RTuple *rt;
    } u;
} Item;

struct RTuple {
    int32_t refcnt;
    uint32_t n;
    Item items[];
};

static void item_release(Item *it) {
    switch (it->kind) {
    case IT_VALUE: iv_release(it->u.v); break;
    case IT_STORAGE: storage_release(it->u.storage.st); break;
    case IT_RTUPLE: {
        RTuple *rt = it->u.rt;
        if (--rt->refcnt == 0) {
            for (uint32_t i = 0; i < rt->n; i++) item_release(&rt->items[i]);
            ts_free(rt);
        }
        break;
    }
    default: break;
    }
    it->kind = IT_EMPTY;
}

/* Another owned reference to what it holds. */
static Item item_dup(const Item *it) {
    switch (it->kind) {
    case IT_VALUE: iv_retain(it->u.v); break;
    case IT_STORAGE: storage_retain(it->u.storage.st); break;
    case IT_RTUPLE: it->u.rt->refcnt++; break;
    default: break;
    }
    return *it;
}

static Item item_value(IValue v, uint32_t depth) {
    Item it;
    memset(&it, 0, sizeof it);
    it.kind = IT_VALUE;
    it.depth = depth;
    it.u.v = v;
    return it;
}

/* ---- the machine ---- */

typedef enum GlobalKind {
    G_REBUILD_TENSOR,
    G_INTLIST,
    G_DOUBLELIST,
    G_BOOLLIST,
    G_TENSORLIST,
    G_RESTORE_TYPE_TAG,
    G_ORDERED_DICT,
    G_REBUILD_PARAMETER,
    G_DEVICE,
    G_CLASS,
} GlobalKind;

typedef struct Global {
    GlobalKind kind;
    char *module, *name;
} Global;

typedef struct Unpickler {
    Ctx *ctx;
    const char *what;
    const PickleHooks *hooks;
    void *ud;
    const uint8_t *data, *p, *end;
    size_t op_off; /* of the current opcode */
    uint8_t op;
    Item *stack;
    size_t sp, stack_cap;
    size_t *marks;
    size_t n_marks, marks_cap;
    Item *memo;
    size_t memo_len, memo_cap;
    size_t n_binputs;
    Global *globals;
    size_t n_globals, globals_cap;
    size_t n_pushed;
    int64_t check_budget; /* conform() steps left */
    bool check_exhausted;
    StrMap type_cache; /* type string -> Type* */
} Unpickler;

/* Memo ids may run ahead of the number of BINPUTs by this much (writers
 * number them densely); it bounds the memo by the input size. */
enum { MEMO_SLACK = 4096 };

/* Type-tag checking may visit this many values per input byte (plus a base):
 * far more than any real pickle needs, far less than sharing can demand. */
enum { CHECK_BUDGET_PER_BYTE = 16, CHECK_BUDGET_BASE = 1 << 20 };

static ts_status vfail(Unpickler *u, ts_status st, const char *fmt, va_list ap) {
    StrBuf sb;
    sb_init(&sb);
    sb_vprintf(&sb, fmt, ap);
    const char *name = op_name(u->op);
    ts_fail(u->ctx, st, NULL, "%s: %s at byte %zu: %s", u->what, name ? name : "opcode", u->op_off,
            sb_cstr(&sb));
    sb_free(&sb);
    return st;
}

static ts_status fail(Unpickler *u, const char *fmt, ...) TS_PRINTF(2, 3);
static ts_status fail(Unpickler *u, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ts_status st = vfail(u, TS_ERR_FORMAT, fmt, ap);
    va_end(ap);
    return st;
}

static ts_status fail_st(Unpickler *u, ts_status status, const char *fmt, ...) TS_PRINTF(3, 4);
static ts_status fail_st(Unpickler *u, ts_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ts_status st = vfail(u, status, fmt, ap);
    va_end(ap);
    return st;
}

static ts_status nomem(Unpickler *u) { return fail_st(u, TS_ERR_NOMEM, "out of memory"); }

/* Grow *p (of *cap elements of size elem) to hold need elements. */
static bool grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return true;
    size_t ncap = *cap ? *cap : 16, bytes;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) return false;
        ncap *= 2;
    }
    if (!ts_mul_ok(ncap, elem, &bytes)) return false;
    void *q = ts_realloc(*p, bytes);
    if (!q) return false;
    *p = q;
    *cap = ncap;
    return true;
}

/* Push an item; the stack takes it over even when this fails. */
static ts_status push(Unpickler *u, Item it) {
    if (it.depth > PICKLE_MAX_DEPTH) {
        item_release(&it);
        return fail(u, "values are nested more than %d deep", PICKLE_MAX_DEPTH);
    }
    if (++u->n_pushed > PICKLE_MAX_ITEMS) {
        item_release(&it);
        return fail_st(u, TS_ERR_VALUE, "the pickle makes more than %d values", PICKLE_MAX_ITEMS);
    }
    if (!grow((void **)&u->stack, &u->stack_cap, u->sp + 1, sizeof(Item))) {
        item_release(&it);
        return nomem(u);
    }
    u->stack[u->sp++] = it;
    return TS_OK;
}

static ts_status push_value(Unpickler *u, IValue v, uint32_t depth) {
    return push(u, item_value(v, depth));
}

static ts_status need_stack(Unpickler *u, size_t k) {
    if (u->sp < k)
        return fail(u, "stack underflow (needs %zu item%s, has %zu)", k, k == 1 ? "" : "s", u->sp);
    return TS_OK;
}

static ts_status pop_mark(Unpickler *u, size_t *start) {
    *start = 0;
    if (u->n_marks == 0) return fail(u, "no MARK to close");
    *start = u->marks[--u->n_marks];
    if (*start > u->sp) return fail(u, "the stack shrank below its MARK");
    return TS_OK;
}

static ts_status take(Unpickler *u, size_t n, const uint8_t **out) {
    *out = u->p;
    size_t left = (size_t)(u->end - u->p);
    if (left < n) return fail(u, "truncated: needs %zu more bytes, %zu left", n, left);
    *out = u->p;
    u->p += n;
    return TS_OK;
}

static inline uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }
static inline uint64_t be64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

/* A short kind name for messages (never interns a type). */
static const char *kind_name(IValue v) {
    switch (v.kind) {
    case IV_NONE: return "None";
    case IV_BOOL: return "bool";
    case IV_INT: return "int";
    case IV_DOUBLE: return "float";
    case IV_DEVICE: return "Device";
    case IV_STR: return "str";
    case IV_TENSOR: return "Tensor";
    case IV_LIST: return "list";
    case IV_TUPLE: return "tuple";
    case IV_DICT: return "dict";
    case IV_OBJECT: return "object";
    case IV_ENUM: return "enum";
    default: return "value";
    }
}

/* "an int", "a list", "None": a kind with its article. */
static const char *a_kind(IValue v) {
    switch (v.kind) {
    case IV_NONE: return "None";
    case IV_INT: return "an int";
    case IV_OBJECT: return "an object";
    case IV_ENUM: return "an enum";
    case IV_BOOL: return "a bool";
    case IV_DOUBLE: return "a float";
    case IV_DEVICE: return "a Device";
    case IV_STR: return "a str";
    case IV_TENSOR: return "a Tensor";
    case IV_LIST: return "a list";
    case IV_TUPLE: return "a tuple";
    case IV_DICT: return "a dict";
    default: return "a value";
    }
}

static const char *a_item(const Item *it) {
    switch (it->kind) {
    case IT_VALUE: return a_kind(it->u.v);
    case IT_GLOBAL: return "a global";
    case IT_DTYPE: return "a storage type";
    case IT_STORAGE: return "a storage";
    case IT_RTUPLE: return "a tuple of pickle internals";
    default: return "nothing";
    }
}

/* A value used where only a value may go. */
static ts_status want_value(Unpickler *u, const Item *it, const char *where) {
    if (it->kind != IT_VALUE) return fail(u, "%s cannot be %s", a_item(it), where);
    return TS_OK;
}

/* ---- tuples, read uniformly whether they hold values or items ---- */

typedef struct TupleView {
    size_t n;
    const IValue *values; /* a value tuple */
    const Item *items;    /* a raw tuple */
    uint32_t depth;
} TupleView;

static bool as_tuple(const Item *it, TupleView *tv) {
    memset(tv, 0, sizeof *tv);
    tv->depth = it->depth;
    if (it->kind == IT_RTUPLE) {
        tv->n = it->u.rt->n;
        tv->items = it->u.rt->items;
        return true;
    }
    if (it->kind == IT_VALUE && it->u.v.kind == IV_TUPLE) {
        tv->n = (size_t)it->u.v.u.tup->len;
        tv->values = it->u.v.u.tup->items;
        return true;
    }
    return false;
}

/* Element i, borrowed. A value tuple's element gets the depth bound
 * depth(tuple) - 1. */
static Item tv_get(const TupleView *tv, size_t i) {
    if (tv->items) return tv->items[i];
    return item_value(tv->values[i], tv->depth ? tv->depth - 1 : 0);
}

/* Replace the top k items by one tuple of them. */
static ts_status make_tuple(Unpickler *u, size_t k) {
    Item *items = &u->stack[u->sp - k];
    bool all_values = true;
    uint32_t depth = 0;
    for (size_t i = 0; i < k; i++) {
        if (items[i].kind != IT_VALUE) all_values = false;
        depth = TS_MAX(depth, items[i].depth);
    }
    Item t;
    memset(&t, 0, sizeof t);
    t.depth = depth + 1;
    if (all_values) {
        TupleObj *tup = tuple_new((int64_t)k);
        for (size_t i = 0; i < k; i++) tup->items[i] = items[i].u.v;
        t.kind = IT_VALUE;
        t.u.v = iv_tuple_steal(tup);
    } else {
        size_t bytes;
        if (!ts_mul_ok(k, sizeof(Item), &bytes) || !ts_add_ok(bytes, sizeof(RTuple), &bytes))
            return nomem(u);
        RTuple *rt = ts_malloc(bytes);
        if (!rt) return nomem(u);
        rt->refcnt = 1;
        rt->n = (uint32_t)k;
        memcpy(rt->items, items, k * sizeof(Item));
        t.kind = IT_RTUPLE;
        t.u.rt = rt;
    }
    u->sp -= k;
    return push(u, t);
}

/* ---- type tags ---- */

static bool is_untagged(const Type *t) { return t == ty_any(); }

/* Does v conform to t? With may_tag, untagged containers inside v whose
 * elements conform get t's tags on the way (a failure fails the whole load,
 * so partial tagging is never seen). Union members are tried without
 * tagging, so the first member's attempt cannot spoil the next. Each call
 * spends one unit of the load's check budget: values shared through the memo
 * can make the walk exponential, and the budget turns that into an error. */
static bool conform(Unpickler *u, IValue v, Type *t, bool may_tag) {
    if (--u->check_budget < 0) {
        u->check_budget = 0;
        u->check_exhausted = true;
        return false;
    }
    switch (t->kind) {
    case TK_ANY: return true;
    case TK_TENSOR: return v.kind == IV_TENSOR;
    case TK_INT: return v.kind == IV_INT;
    case TK_LAYOUT: return v.kind == IV_INT;
    case TK_FLOAT: return v.kind == IV_DOUBLE;
    case TK_BOOL: return v.kind == IV_BOOL;
    case TK_STR: return v.kind == IV_STR;
    case TK_NONE: return v.kind == IV_NONE;
    case TK_DEVICE: return v.kind == IV_DEVICE;
    case TK_NUMBER: return v.kind == IV_INT || v.kind == IV_DOUBLE || v.kind == IV_BOOL;
    case TK_ANYLIST: return v.kind == IV_LIST;
    case TK_ANYTUPLE: return v.kind == IV_TUPLE;
    case TK_OPTIONAL: return v.kind == IV_NONE || conform(u, v, t->elems[0], may_tag);
    case TK_UNION:
        for (int i = 0; i < t->n; i++)
            if (conform(u, v, t->elems[i], false)) return true;
        return false;
    case TK_TUPLE: {
        if (v.kind != IV_TUPLE || v.u.tup->len != t->n) return false;
        for (int i = 0; i < t->n; i++)
            if (!conform(u, v.u.tup->items[i], t->elems[i], may_tag)) return false;
        return true;
    }
    case TK_LIST: {
        if (v.kind != IV_LIST) return false;
        ListObj *l = v.u.l;
        Type *e = t->elems[0];
        if (l->elem == e) return true;
        if (!may_tag || !is_untagged(l->elem)) return false;
        for (int64_t i = 0; i < l->len; i++)
            if (!conform(u, l->items[i], e, true)) return false;
        l->elem = e;
        return true;
    }
    case TK_DICT: {
        if (v.kind != IV_DICT) return false;
        DictObj *d = v.u.dict;
        Type *kt = t->elems[0], *vt = t->elems[1];
        if (d->key_type == kt && d->value_type == vt) return true;
        if (!may_tag || !is_untagged(d->key_type) || !is_untagged(d->value_type)) return false;
        for (int64_t i = 0; i < d->len; i++)
            if (!conform(u, d->entries[i].key, kt, true) || !conform(u, d->entries[i].value, vt, true))
                return false;
        d->key_type = kt;
        d->value_type = vt;
        return true;
    }
    case TK_CLASS: {
        const ClassType *c = t->cls;
        if (!c) return false;
        if (c->kind == CK_INTERFACE || c->kind == CK_MODULE_INTERFACE) return v.kind == IV_OBJECT;
        if (c->kind == CK_NAMEDTUPLE) return v.kind == IV_TUPLE;
        const ClassType *vc = v.kind == IV_OBJECT ? v.u.obj->cls : v.kind == IV_ENUM ? v.u.en->cls : NULL;
        if (!vc) return false;
        if ((c->kind == CK_ENUM) != (v.kind == IV_ENUM)) return false;
        return vc == c || (vc->qualname && c->qualname && strcmp(vc->qualname, c->qualname) == 0);
    }
    default: return false;
    }
}

/* The failure of a conform() call: "<what> <type>", or the budget's. */
static ts_status conform_fail(Unpickler *u, StrBuf *what_, Type *t) {
    ts_status st;
    if (u->check_exhausted) {
        st = fail_st(u, TS_ERR_VALUE, "checking the type tags takes too long (values shared too often)");
    } else {
        sb_putc(what_, ' ');
        ty_annotation_str(what_, t);
        st = fail(u, "%s", sb_cstr(what_));
    }
    sb_free(what_);
    return st;
}

/* Tag the container v (and its untagged insides) with t. */
static ts_status tag_to(Unpickler *u, IValue v, Type *t, const char *fn) {
    if (conform(u, v, t, true)) return TS_OK;
    StrBuf what_;
    sb_init(&what_);
    sb_printf(&what_, "%s: the %s does not conform to its type tag", fn, kind_name(v));
    return conform_fail(u, &what_, t);
}

/* An insertion into a container whose elements (keys, values) are typed t
 * (untagged: anything goes). */
static ts_status check_insert(Unpickler *u, IValue v, Type *t, const char *where) {
    if (!t || is_untagged(t) || conform(u, v, t, true)) return TS_OK;
    StrBuf what_;
    sb_init(&what_);
    sb_printf(&what_, "%s cannot be %s of type", a_kind(v), where);
    return conform_fail(u, &what_, t);
}

static ts_status parse_type_cached(Unpickler *u, const StrObj *s, Type **out) {
    *out = NULL;
    if (strlen(s->data) != (size_t)s->len) return fail(u, "type string contains a NUL byte");
    Type *t = strmap_get(&u->type_cache, s->data);
    if (t) {
        *out = t;
        return TS_OK;
    }
    ts_status st = u->hooks && u->hooks->parse_type ? u->hooks->parse_type(u->ud, s->data, &t)
                                                    : pickle_parse_type(u->ctx, s->data, &t);
    if (st != TS_OK) {
        ts_prefix_error(u->ctx, "%s: %s at byte %zu: restore_type_tag: ", u->what, op_name(u->op), u->op_off);
        return st;
    }
    if (!t) return fail(u, "type '%.200s' did not resolve", s->data);
    strmap_put(&u->type_cache, s->data, t);
    *out = t;
    return TS_OK;
}

/* ---- containers ---- */

/* The container under a MARK (or at stack[pos]) that is about to be mutated. */
static ts_status mutable_target(Unpickler *u, size_t pos, IVKind kind, Item **out) {
    *out = NULL;
    Item *t = &u->stack[pos];
    if (t->kind != IT_VALUE || t->u.v.kind != kind)
        return fail(u, "expects a %s below its items, found %s", kind == IV_LIST ? "list" : "dict",
                    a_item(t));
    /* The stack slot must hold the only reference, besides the memo slot
     * BINPUT put it in when the pickle comes from Python's pickler (which
     * memoises a container before filling it): then no value can contain
     * itself, as a BINGET of it would add a reference. */
    int32_t refs = __atomic_load_n(&t->u.v.u.h->refcnt, __ATOMIC_RELAXED);
    if (refs == 2 && u->hooks && u->hooks->python_pickle && t->memo_ref && t->memo_ref <= u->memo_len) {
        const Item *m = &u->memo[t->memo_ref - 1];
        if (m->kind == IT_VALUE && m->u.v.u.h == t->u.v.u.h) refs = 1;
    }
    if (refs != 1)
        return fail(u, "the %s is modified after it was memoised or shared", kind_name(t->u.v));
    *out = t;
    return TS_OK;
}

static bool hashable_key(IValue k) {
    return k.kind == IV_STR || k.kind == IV_INT || k.kind == IV_DOUBLE || k.kind == IV_BOOL ||
           k.kind == IV_TENSOR;
}

/* Check items[0..n) for a list of element type elem (NULL: untagged), and the
 * depth the list reaches. */
static ts_status check_list_items(Unpickler *u, const Item *items, size_t n, Type *elem,
                                  uint32_t *depth) {
    for (size_t i = 0; i < n; i++) {
        TS_TRY(want_value(u, &items[i], "a list element"));
        TS_TRY(check_insert(u, items[i].u.v, elem, "an element of a list"));
        *depth = TS_MAX(*depth, items[i].depth + 1);
    }
    if (*depth > PICKLE_MAX_DEPTH) return fail(u, "values are nested more than %d deep", PICKLE_MAX_DEPTH);
    return TS_OK;
}

static ts_status check_dict_items(Unpickler *u, const Item *items, size_t n, const DictObj *d,
                                  uint32_t *depth) {
    if (n % 2) return fail(u, "odd number of items (%zu) for key-value pairs", n);
    for (size_t i = 0; i < n; i += 2) {
        TS_TRY(want_value(u, &items[i], "a dict key"));
        TS_TRY(want_value(u, &items[i + 1], "a dict value"));
        if (!hashable_key(items[i].u.v))
            return fail(u, "%s cannot be a dict key", a_kind(items[i].u.v));
        if (d) {
            TS_TRY(check_insert(u, items[i].u.v, d->key_type, "a key of a dict"));
            TS_TRY(check_insert(u, items[i + 1].u.v, d->value_type, "a value of a dict"));
        }
        *depth = TS_MAX(*depth, TS_MAX(items[i].depth, items[i + 1].depth) + 1);
    }
    if (*depth > PICKLE_MAX_DEPTH) return fail(u, "values are nested more than %d deep", PICKLE_MAX_DEPTH);
    return TS_OK;
}

/* Move stack[start..sp) into the list / dict (already checked). */
static void move_into_list(Unpickler *u, ListObj *l, size_t start) {
    for (size_t i = start; i < u->sp; i++) list_push_steal(l, u->stack[i].u.v);
    u->sp = start;
}

static void move_into_dict(Unpickler *u, DictObj *d, size_t start) {
    for (size_t i = start; i < u->sp; i += 2) dict_set_steal(d, u->stack[i].u.v, u->stack[i + 1].u.v);
    u->sp = start;
}

/* A mutated container's new depth, also in the memo slot that shares it. */
static void set_depth(Unpickler *u, Item *t, uint32_t depth) {
    t->depth = depth;
    if (t->memo_ref && t->memo_ref <= u->memo_len) {
        Item *m = &u->memo[t->memo_ref - 1];
        if (m->kind == IT_VALUE && m->u.v.u.h == t->u.v.u.h) m->depth = depth;
    }
}

static ts_status op_appends_from(Unpickler *u, size_t start) {
    if (start == 0) return fail(u, "no list below the MARK");
    Item *t;
    TS_TRY(mutable_target(u, start - 1, IV_LIST, &t));
    ListObj *l = t->u.v.u.l;
    uint32_t depth = t->depth;
    TS_TRY(check_list_items(u, &u->stack[start], u->sp - start, l->elem, &depth));
    set_depth(u, t, depth);
    move_into_list(u, l, start);
    return TS_OK;
}

static ts_status op_appends(Unpickler *u) {
    size_t start;
    TS_TRY(pop_mark(u, &start));
    return op_appends_from(u, start);
}

static ts_status op_setitems(Unpickler *u, size_t start) {
    if (start == 0) return fail(u, "no dict below the items");
    Item *t;
    TS_TRY(mutable_target(u, start - 1, IV_DICT, &t));
    DictObj *d = t->u.v.u.dict;
    uint32_t depth = t->depth;
    TS_TRY(check_dict_items(u, &u->stack[start], u->sp - start, d, &depth));
    set_depth(u, t, depth);
    move_into_dict(u, d, start);
    return TS_OK;
}

static ts_status op_list(Unpickler *u) {
    size_t start;
    TS_TRY(pop_mark(u, &start));
    uint32_t depth = 1;
    TS_TRY(check_list_items(u, &u->stack[start], u->sp - start, NULL, &depth));
    ListObj *l = list_new(ty_any(), (int64_t)(u->sp - start));
    move_into_list(u, l, start);
    return push_value(u, iv_list_steal(l), depth);
}

static ts_status op_dict(Unpickler *u) {
    size_t start;
    TS_TRY(pop_mark(u, &start));
    uint32_t depth = 1;
    TS_TRY(check_dict_items(u, &u->stack[start], u->sp - start, NULL, &depth));
    DictObj *d = dict_new(ty_any(), ty_any());
    move_into_dict(u, d, start);
    return push_value(u, iv_dict_steal(d), depth);
}

/* ---- memo ---- */

static ts_status op_binput(Unpickler *u, size_t id) {
    TS_TRY(need_stack(u, 1));
    u->n_binputs++;
    if (id >= u->memo_len) {
        if (id >= u->n_binputs + MEMO_SLACK)
            return fail(u, "memo id %zu is far beyond the %zu ids used so far", id, u->n_binputs);
        if (!grow((void **)&u->memo, &u->memo_cap, id + 1, sizeof(Item))) return nomem(u);
        memset(&u->memo[u->memo_len], 0, (id + 1 - u->memo_len) * sizeof(Item));
        u->memo_len = id + 1;
    }
    item_release(&u->memo[id]);
    Item *top = &u->stack[u->sp - 1];
    top->memo_ref = 0;
    if (top->kind == IT_VALUE && (top->u.v.kind == IV_LIST || top->u.v.kind == IV_DICT) && id < UINT32_MAX)
        top->memo_ref = (uint32_t)id + 1;
    u->memo[id] = item_dup(top);
    u->memo[id].memo_ref = 0;
    return TS_OK;
}

static ts_status op_binget(Unpickler *u, size_t id) {
    if (id >= u->memo_len || u->memo[id].kind == IT_EMPTY) return fail(u, "memo slot %zu is not set", id);
    return push(u, item_dup(&u->memo[id]));
}

/* ---- globals ---- */

static bool str_eq(const char *a, const char *b) { return strcmp(a, b) == 0; }

static ts_status add_global(Unpickler *u, GlobalKind kind, const char *module, const char *name) {
    if (!grow((void **)&u->globals, &u->globals_cap, u->n_globals + 1, sizeof(Global))) return nomem(u);
    if (u->n_globals >= UINT32_MAX) return nomem(u);
    Global *g = &u->globals[u->n_globals];
    g->kind = kind;
    g->module = ts_strdup(module);
    g->name = ts_strdup(name);
    Item it;
    memset(&it, 0, sizeof it);
    it.kind = IT_GLOBAL;
    it.u.global = (uint32_t)u->n_globals++;
    return push(u, it);
}

/* GLOBAL module name: what PyTorch's Unpickler::readGlobal knows, and
 * `__torch__.*` classes for the build_class hook. Nothing else. */
static ts_status resolve_global(Unpickler *u, const char *module, const char *name) {
    if (str_eq(module, "torch._utils")) {
        if (str_eq(name, "_rebuild_tensor_v2")) return add_global(u, G_REBUILD_TENSOR, module, name);
        if (str_eq(name, "_rebuild_parameter") && u->hooks && u->hooks->python_pickle)
            return add_global(u, G_REBUILD_PARAMETER, module, name);
        if (str_eq(name, "_rebuild_qtensor"))
            return fail_st(u, TS_ERR_UNSUPPORTED, "quantized tensors (torch._utils._rebuild_qtensor) are not supported");
        if (str_eq(name, "_rebuild_sparse_tensor"))
            return fail_st(u, TS_ERR_UNSUPPORTED, "sparse tensors (torch._utils._rebuild_sparse_tensor) are not supported");
    } else if (str_eq(module, "torch._tensor") && str_eq(name, "_rebuild_from_type_v2")) {
        return fail_st(u, TS_ERR_UNSUPPORTED, "tensor subclasses (torch._tensor._rebuild_from_type_v2) are not supported");
    } else if (str_eq(module, "torch.jit._pickle")) {
        static const struct { const char *name; GlobalKind kind; } fns[] = {
            {"build_intlist", G_INTLIST},       {"build_doublelist", G_DOUBLELIST},
            {"build_boollist", G_BOOLLIST},     {"build_tensorlist", G_TENSORLIST},
            {"restore_type_tag", G_RESTORE_TYPE_TAG},
        };
        for (size_t i = 0; i < TS_ARRAY_LEN(fns); i++)
            if (str_eq(name, fns[i].name)) return add_global(u, fns[i].kind, module, name);
        if (str_eq(name, "build_tensor_from_id"))
            return fail_st(u, TS_ERR_UNSUPPORTED, "tensor-table references (RPC pickles) are not supported");
    } else if (str_eq(module, "collections") && str_eq(name, "OrderedDict")) {
        return add_global(u, G_ORDERED_DICT, module, name);
    } else if (str_eq(module, "builtins") && str_eq(name, "complex")) {
        return fail_st(u, TS_ERR_UNSUPPORTED, "complex numbers (builtins.complex) are not supported");
    } else if (str_eq(module, "torch")) {
        if (str_eq(name, "device")) return add_global(u, G_DEVICE, module, name);
        size_t n = strlen(name), sl = strlen("Storage");
        if (n > sl && str_eq(name + n - sl, "Storage")) {
            char dt_name[64];
            if (n - sl >= sizeof dt_name) return fail_st(u, TS_ERR_UNSUPPORTED, "unknown storage type torch.%.200s", name);
            memcpy(dt_name, name, n - sl);
            dt_name[n - sl] = 0;
            DType dt;
            if (!dtype_from_storage_name(dt_name, &dt))
                return fail_st(u, TS_ERR_UNSUPPORTED, "tensors of dtype %.200s (torch.%.200s) are not supported", dt_name, name);
            Item it;
            memset(&it, 0, sizeof it);
            it.kind = IT_DTYPE;
            it.u.dtype = dt;
            return push(u, it);
        }
        return fail_st(u, TS_ERR_UNSUPPORTED, "unsupported global torch.%.200s", name);
    } else if ((str_eq(module, "__torch__") || strncmp(module, "__torch__.", 10) == 0) &&
               !(u->hooks && u->hooks->python_pickle)) {
        if (!u->hooks || !u->hooks->build_class)
            return fail_st(u, TS_ERR_UNSUPPORTED, "class %.200s.%.200s needs a class resolver", module, name);
        return add_global(u, G_CLASS, module, name);
    }
    if (u->hooks && u->hooks->python_pickle)
        return fail(u, "global %.200s.%.200s is not allowed: tscript loads tensors and containers from torch.save "
                       "files, never objects or code (for a model, save its state_dict())",
                    module, name);
    return fail(u, "global %.200s.%.200s is not allowed in a TorchScript pickle", module, name);
}

static ts_status read_line(Unpickler *u, char **out) {
    size_t left = (size_t)(u->end - u->p);
    const uint8_t *nl = memchr(u->p, '\n', left);
    if (!nl) return fail(u, "truncated: no end of line");
    size_t n = (size_t)(nl - u->p);
    if (memchr(u->p, 0, n)) return fail(u, "name contains a NUL byte");
    *out = ts_strndup((const char *)u->p, n);
    u->p = nl + 1;
    return TS_OK;
}

static ts_status op_global(Unpickler *u) {
    char *module = NULL, *name = NULL;
    ts_status st = read_line(u, &module);
    if (st == TS_OK) st = read_line(u, &name);
    if (st == TS_OK) st = resolve_global(u, module, name);
    ts_free(module);
    ts_free(name);
    return st;
}

/* ---- calling globals ---- */

static ts_status want_int(Unpickler *u, Item it, const char *what_, int64_t *out) {
    *out = 0;
    if (it.kind != IT_VALUE || it.u.v.kind != IV_INT) return fail(u, "%s must be an int, not %s", what_, a_item(&it));
    *out = it.u.v.u.i;
    return TS_OK;
}

static ts_status want_str(Unpickler *u, Item it, const char *what_, const StrObj **out) {
    *out = NULL;
    if (it.kind != IT_VALUE || it.u.v.kind != IV_STR) return fail(u, "%s must be a str, not %s", what_, a_item(&it));
    *out = it.u.v.u.s;
    return TS_OK;
}

static ts_status want_dims(Unpickler *u, Item it, const char *what_, int64_t *dims, int *ndim) {
    *ndim = 0;
    if (it.kind != IT_VALUE || it.u.v.kind != IV_TUPLE)
        return fail(u, "tensor %s must be a tuple, not %s", what_, a_item(&it));
    TupleObj *t = it.u.v.u.tup;
    if (t->len > TS_MAX_DIMS)
        return fail_st(u, TS_ERR_UNSUPPORTED, "tensor has %" PRId64 " dimensions; at most %d are supported", t->len,
                       (int)TS_MAX_DIMS);
    for (int64_t i = 0; i < t->len; i++) {
        if (t->items[i].kind != IV_INT)
            return fail(u, "tensor %s[%" PRId64 "] must be an int, not %s", what_, i, a_kind(t->items[i]));
        dims[i] = t->items[i].u.i;
    }
    *ndim = (int)t->len;
    return TS_OK;
}

/* Every element the view can address lies inside st (overflow-checked). */
static ts_status check_view(Unpickler *u, const Storage *st, DType dt, int64_t offset, const int64_t *sizes,
                            const int64_t *strides, int ndim) {
    if (offset < 0) return fail(u, "tensor storage offset %" PRId64 " is negative", offset);
    int64_t last = offset;
    bool empty = false, overflow = false;
    for (int d = 0; d < ndim; d++) {
        if (sizes[d] < 0) return fail(u, "tensor size %" PRId64 " at dimension %d is negative", sizes[d], d);
        if (strides[d] < 0) return fail(u, "tensor stride %" PRId64 " at dimension %d is negative", strides[d], d);
        if (sizes[d] == 0) empty = true;
        int64_t span;
        if (__builtin_mul_overflow(sizes[d] ? sizes[d] - 1 : 0, strides[d], &span) ||
            __builtin_add_overflow(last, span, &last))
            overflow = true;
    }
    if (empty) return TS_OK;
    size_t esize = dtype_size(dt), end;
    size_t have = st->nbytes / esize;
    if (overflow || !ts_mul_ok((size_t)last + 1, esize, &end) || end > st->nbytes) {
        StrBuf a, b;
        sb_init(&a);
        sb_init(&b);
        sb_put_shape(&a, sizes, ndim);
        sb_put_shape(&b, strides, ndim);
        ts_status r = fail(u, "tensor view of size %s, stride %s and offset %" PRId64
                              " lies outside its storage of %zu %s elements",
                           sb_cstr(&a), sb_cstr(&b), offset, have, dtype_name(dt));
        sb_free(&a);
        sb_free(&b);
        return r;
    }
    return TS_OK;
}

/* _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata]) */
static ts_status call_rebuild_tensor(Unpickler *u, const Item *arg, Item *res) {
    TupleView tv;
    if (!as_tuple(arg, &tv)) return fail(u, "_rebuild_tensor_v2 expects a tuple of arguments, not %s", a_item(arg));
    if (tv.n != 6 && tv.n != 7) return fail(u, "_rebuild_tensor_v2 expects 6 or 7 arguments, got %zu", tv.n);
    Item st = tv_get(&tv, 0);
    if (st.kind != IT_STORAGE) return fail(u, "_rebuild_tensor_v2 expects a storage, not %s", a_item(&st));
    int64_t offset, sizes[TS_MAX_DIMS], strides[TS_MAX_DIMS];
    int ndim, nstrides;
    TS_TRY(want_int(u, tv_get(&tv, 1), "the storage offset", &offset));
    TS_TRY(want_dims(u, tv_get(&tv, 2), "size", sizes, &ndim));
    TS_TRY(want_dims(u, tv_get(&tv, 3), "stride", strides, &nstrides));
    if (ndim != nstrides) return fail(u, "tensor has %d sizes but %d strides", ndim, nstrides);
    Item rg = tv_get(&tv, 4);
    if (rg.kind != IT_VALUE || rg.u.v.kind != IV_BOOL)
        return fail(u, "requires_grad must be a bool, not %s", a_item(&rg));
    if (tv.n == 7) {
        Item meta = tv_get(&tv, 6);
        if (meta.kind != IT_VALUE || meta.u.v.kind != IV_DICT)
            return fail(u, "tensor metadata must be a dict, not %s", a_item(&meta));
        static const char *bits[] = {"conj", "neg"};
        for (size_t i = 0; i < TS_ARRAY_LEN(bits); i++) {
            IValue key = iv_cstr(bits[i]);
            IValue *v = dict_find(meta.u.v.u.dict, key);
            iv_release(key);
            if (v && iv_truthy(*v))
                return fail_st(u, TS_ERR_UNSUPPORTED, "tensors with the lazy %s bit set are not supported", bits[i]);
        }
    }
    DType dt = st.u.storage.dtype;
    TS_TRY(check_view(u, st.u.storage.st, dt, offset, sizes, strides, ndim));
    Tensor *t = tensor_view(u->ctx, st.u.storage.st, dt, offset, sizes, strides, ndim);
    if (!t) {
        ts_prefix_error(u->ctx, "%s: REDUCE at byte %zu: ", u->what, u->op_off);
        return u->ctx ? u->ctx->status : TS_ERR_NOMEM;
    }
    t->requires_grad = rg.u.v.u.b;
    *res = item_value(iv_tensor_steal(t), 0);
    return TS_OK;
}

/* build_intlist((list,)) and friends: the list, typed. */
static ts_status call_typed_list(Unpickler *u, const Global *g, Type *elem, const Item *arg, Item *res) {
    TupleView tv;
    if (!as_tuple(arg, &tv) || tv.n != 1) return fail(u, "%s expects a 1-tuple argument", g->name);
    Item li = tv_get(&tv, 0);
    if (li.kind != IT_VALUE || li.u.v.kind != IV_LIST) return fail(u, "%s expects a list, not %s", g->name, a_item(&li));
    TS_TRY(tag_to(u, li.u.v, ty_list(elem), g->name));
    *res = item_value(iv_dup(li.u.v), li.depth);
    return TS_OK;
}

/* restore_type_tag((container, "type")): the container, typed. */
static ts_status call_restore_type_tag(Unpickler *u, const Item *arg, Item *res) {
    TupleView tv;
    if (!as_tuple(arg, &tv) || tv.n != 2) return fail(u, "restore_type_tag expects a (container, type) tuple");
    Item c = tv_get(&tv, 0);
    const StrObj *s;
    TS_TRY(want_str(u, tv_get(&tv, 1), "the type tag", &s));
    if (c.kind != IT_VALUE || (c.u.v.kind != IV_LIST && c.u.v.kind != IV_DICT))
        return fail(u, "restore_type_tag expects a list or dict, not %s", a_item(&c));
    Type *t;
    TS_TRY(parse_type_cached(u, s, &t));
    if ((c.u.v.kind == IV_LIST) != (t->kind == TK_LIST) || (c.u.v.kind == IV_DICT) != (t->kind == TK_DICT))
        return fail(u, "restore_type_tag: type '%.200s' does not fit %s", s->data, a_kind(c.u.v));
    TS_TRY(tag_to(u, c.u.v, t, "restore_type_tag"));
    *res = item_value(iv_dup(c.u.v), c.depth);
    return TS_OK;
}

/* torch.device("cpu" | "cuda" | "meta" [":" index]) */
static ts_status call_device(Unpickler *u, const Item *arg, Item *res) {
    TupleView tv;
    if (!as_tuple(arg, &tv) || tv.n != 1) return fail(u, "torch.device expects a 1-tuple argument");
    const StrObj *s;
    TS_TRY(want_str(u, tv_get(&tv, 0), "the device", &s));
    static const struct { const char *name; int type; } types[] = {
        {"cpu", DEVICE_CPU}, {"cuda", DEVICE_CUDA}, {"meta", DEVICE_META}};
    const char *colon = memchr(s->data, ':', (size_t)s->len);
    size_t tl = colon ? (size_t)(colon - s->data) : (size_t)s->len;
    Device dev = {.type = -1, .index = -1};
    for (size_t i = 0; i < TS_ARRAY_LEN(types); i++)
        if (strlen(types[i].name) == tl && memcmp(s->data, types[i].name, tl) == 0) dev.type = (int8_t)types[i].type;
    if (dev.type < 0) return fail_st(u, TS_ERR_UNSUPPORTED, "unsupported device '%.200s'", s->data);
    if (colon) {
        const char *d = colon + 1, *end = s->data + s->len;
        int idx = 0;
        if (d == end) return fail(u, "bad device string '%.200s'", s->data);
        for (; d < end; d++) {
            if (*d < '0' || *d > '9' || idx > 3276) return fail(u, "bad device string '%.200s'", s->data);
            idx = idx * 10 + (*d - '0');
        }
        dev.index = (int16_t)idx;
    }
    *res = item_value(iv_device(dev), 0);
    return TS_OK;
}

/* OrderedDict(): PyTorch's backward-hooks placeholder in a TorchScript
 * pickle (None); in a torch.save pickle, the state_dict itself, filled by
 * SETITEMS afterwards: an empty dict. */
static ts_status call_ordered_dict(Unpickler *u, const Item *arg, Item *res) {
    if (!u->hooks || !u->hooks->python_pickle) {
        *res = item_value(iv_none(), 0);
        return TS_OK;
    }
    TupleView tv;
    if (!as_tuple(arg, &tv) || tv.n != 0) return fail(u, "OrderedDict expects no arguments");
    *res = item_value(iv_dict_steal(dict_new(ty_any(), ty_any())), 1);
    return TS_OK;
}

/* _rebuild_parameter(data, requires_grad, backward_hooks): the tensor. */
static ts_status call_rebuild_parameter(Unpickler *u, const Item *arg, Item *res) {
    TupleView tv;
    if (!as_tuple(arg, &tv) || tv.n != 3) return fail(u, "_rebuild_parameter expects 3 arguments");
    Item data = tv_get(&tv, 0), rg = tv_get(&tv, 1);
    if (data.kind != IT_VALUE || data.u.v.kind != IV_TENSOR)
        return fail(u, "_rebuild_parameter expects a tensor, not %s", a_item(&data));
    if (rg.kind != IT_VALUE || rg.u.v.kind != IV_BOOL)
        return fail(u, "requires_grad must be a bool, not %s", a_item(&rg));
    data.u.v.u.t->requires_grad = rg.u.v.u.b;
    *res = item_value(iv_dup(data.u.v), 0);
    return TS_OK;
}

static ts_status call_class(Unpickler *u, const Global *g, const Item *arg, Item *res) {
    TS_TRY(want_value(u, arg, "the state of an object"));
    IValue out = iv_none();
    TS_TRY(u->hooks->build_class(u->ud, g->module, g->name, arg->u.v, &out));
    *res = item_value(out, arg->depth + 1);
    return TS_OK;
}

/* REDUCE / BUILD: call the global below the argument. PyTorch treats them
 * alike (NEWOBJ having left the class global on the stack). */
static ts_status op_call(Unpickler *u) {
    TS_TRY(need_stack(u, 2));
    Item *fn = &u->stack[u->sp - 2], *arg = &u->stack[u->sp - 1];
    if (u->op == OP_BUILD && fn->kind == IT_VALUE && fn->u.v.kind == IV_DICT && u->hooks &&
        u->hooks->python_pickle) {
        /* attributes of an OrderedDict (a state_dict's _metadata: module
         * versions), which tscript does not use */
        if (arg->kind != IT_VALUE || (arg->u.v.kind != IV_DICT && arg->u.v.kind != IV_NONE))
            return fail(u, "the state of a dict must be a dict, not %s", a_item(arg));
        item_release(arg);
        u->sp--;
        return TS_OK;
    }
    if (fn->kind != IT_GLOBAL) return fail(u, "calls %s, not a global", a_item(fn));
    const Global *g = &u->globals[fn->u.global];
    Item res;
    memset(&res, 0, sizeof res);
    switch (g->kind) {
    case G_REBUILD_TENSOR: TS_TRY(call_rebuild_tensor(u, arg, &res)); break;
    case G_INTLIST: TS_TRY(call_typed_list(u, g, ty_int(), arg, &res)); break;
    case G_DOUBLELIST: TS_TRY(call_typed_list(u, g, ty_float(), arg, &res)); break;
    case G_BOOLLIST: TS_TRY(call_typed_list(u, g, ty_bool(), arg, &res)); break;
    case G_TENSORLIST: TS_TRY(call_typed_list(u, g, ty_tensor(), arg, &res)); break;
    case G_RESTORE_TYPE_TAG: TS_TRY(call_restore_type_tag(u, arg, &res)); break;
    case G_ORDERED_DICT: TS_TRY(call_ordered_dict(u, arg, &res)); break;
    case G_REBUILD_PARAMETER: TS_TRY(call_rebuild_parameter(u, arg, &res)); break;
    case G_DEVICE: TS_TRY(call_device(u, arg, &res)); break;
    case G_CLASS: TS_TRY(call_class(u, g, arg, &res)); break;
    }
    item_release(arg);
    u->sp -= 2;
    return push(u, res);
}

/* BINPERSID ('storage', dtype, key, location, numel) */
static ts_status op_binpersid(Unpickler *u) {
    TS_TRY(need_stack(u, 1));
    Item *pid = &u->stack[u->sp - 1];
    TupleView tv;
    if (!as_tuple(pid, &tv) || tv.n != 5)
        return fail(u, "persistent id must be a 5-tuple ('storage', dtype, key, location, numel)");
    const StrObj *tag, *key, *loc;
    int64_t numel;
    TS_TRY(want_str(u, tv_get(&tv, 0), "the persistent id's kind", &tag));
    if (tag->len != 7 || memcmp(tag->data, "storage", 7) != 0)
        return fail(u, "unknown persistent id kind '%.200s'", tag->data);
    Item dt = tv_get(&tv, 1);
    if (dt.kind != IT_DTYPE) return fail(u, "persistent id dtype must be a storage type, not %s", a_item(&dt));
    TS_TRY(want_str(u, tv_get(&tv, 2), "the storage key", &key));
    TS_TRY(want_str(u, tv_get(&tv, 3), "the storage location", &loc));
    TS_TRY(want_int(u, tv_get(&tv, 4), "the storage size", &numel));
    if (strlen(key->data) != (size_t)key->len) return fail(u, "storage key contains a NUL byte");
    if (u->hooks && u->hooks->storage_location) {
        if (strlen(loc->data) != (size_t)loc->len) return fail(u, "storage location contains a NUL byte");
        ts_status lst = u->hooks->storage_location(u->ud, loc->data);
        if (lst != TS_OK) {
            ts_prefix_error(u->ctx, "%s: BINPERSID at byte %zu: ", u->what, u->op_off);
            return lst;
        }
    }
    size_t nbytes;
    if (numel < 0 || !ts_mul_ok((size_t)numel, dtype_size(dt.u.dtype), &nbytes))
        return fail(u, "bad storage size %" PRId64 " for storage '%.200s'", numel, key->data);
    if (!u->hooks || !u->hooks->load_storage)
        return fail_st(u, TS_ERR_UNSUPPORTED, "storage '%.200s' needs a storage loader", key->data);
    Storage *st = NULL;
    TS_TRY(u->hooks->load_storage(u->ud, key->data, dt.u.dtype, numel, &st));
    if (!st) return fail_st(u, TS_ERR_NOMEM, "no storage for '%.200s'", key->data);
    if (st->nbytes < nbytes) {
        storage_release(st);
        return fail(u, "storage '%.200s' holds fewer than %" PRId64 " %s elements", key->data, numel,
                    dtype_name(dt.u.dtype));
    }
    Item res;
    memset(&res, 0, sizeof res);
    res.kind = IT_STORAGE;
    res.u.storage.st = st;
    res.u.storage.dtype = dt.u.dtype;
    item_release(pid);
    u->sp--;
    return push(u, res);
}

/* ---- the loop ---- */

static ts_status step(Unpickler *u, bool *stop) {
    const uint8_t *b;
    u->op_off = (size_t)(u->p - u->data);
    u->op = *u->p++;
    switch (u->op) {
    case OP_PROTO:
        TS_TRY(take(u, 1, &b));
        if (b[0] != 2) return fail(u, "unsupported pickle protocol %d (only protocol 2 is supported)", b[0]);
        return TS_OK;
    case OP_STOP:
        if (u->sp != 1) return fail(u, "expected 1 value on the stack, found %zu", u->sp);
        TS_TRY(want_value(u, &u->stack[0], "the result"));
        *stop = true;
        return TS_OK;
    case OP_MARK:
        if (u->n_marks >= PICKLE_MAX_DEPTH) return fail(u, "more than %d nested MARKs", PICKLE_MAX_DEPTH);
        if (!grow((void **)&u->marks, &u->marks_cap, u->n_marks + 1, sizeof(size_t))) return nomem(u);
        u->marks[u->n_marks++] = u->sp;
        return TS_OK;
    case OP_NONE: return push_value(u, iv_none(), 0);
    case OP_NEWTRUE: return push_value(u, iv_bool(true), 0);
    case OP_NEWFALSE: return push_value(u, iv_bool(false), 0);
    case OP_BININT1:
        TS_TRY(take(u, 1, &b));
        return push_value(u, iv_int(b[0]), 0);
    case OP_BININT2:
        TS_TRY(take(u, 2, &b));
        return push_value(u, iv_int(b[0] | b[1] << 8), 0);
    case OP_BININT:
        TS_TRY(take(u, 4, &b));
        return push_value(u, iv_int((int32_t)le32(b)), 0);
    case OP_LONG1:
        TS_TRY(take(u, 1, &b));
        if (u->hooks && u->hooks->python_pickle && b[0] != 8) {
            /* Python writes the shortest two's complement */
            uint8_t n = b[0];
            if (n > 8) return fail_st(u, TS_ERR_UNSUPPORTED, "an integer of %d bytes does not fit in 64 bits", n);
            TS_TRY(take(u, n, &b));
            uint64_t v = 0;
            for (int i = n - 1; i >= 0; i--) v = v << 8 | b[i];
            if (n > 0 && n < 8 && (b[n - 1] & 0x80)) v |= ~(uint64_t)0 << (8 * n);
            return push_value(u, iv_int((int64_t)v), 0);
        }
        if (b[0] != 8) return fail(u, "expected length to be 8, got %d", b[0]);
        TS_TRY(take(u, 8, &b));
        return push_value(u, iv_int((int64_t)le64(b)), 0);
    case OP_BINFLOAT: {
        TS_TRY(take(u, 8, &b));
        uint64_t bits = be64(b);
        double d;
        memcpy(&d, &bits, sizeof d);
        return push_value(u, iv_double(d), 0);
    }
    case OP_BINUNICODE: {
        TS_TRY(take(u, 4, &b));
        uint32_t n = le32(b);
        TS_TRY(take(u, n, &b));
        return push_value(u, iv_str((const char *)b, n), 0);
    }
    case OP_EMPTY_TUPLE: return push_value(u, iv_tuple_steal(tuple_new(0)), 1);
    case OP_EMPTY_LIST: return push_value(u, iv_list_steal(list_new(ty_any(), 0)), 1);
    case OP_EMPTY_DICT: return push_value(u, iv_dict_steal(dict_new(ty_any(), ty_any())), 1);
    case OP_TUPLE: {
        size_t start;
        TS_TRY(pop_mark(u, &start));
        return make_tuple(u, u->sp - start);
    }
    case OP_TUPLE1:
    case OP_TUPLE2:
    case OP_TUPLE3: {
        size_t k = (size_t)(u->op - OP_TUPLE1 + 1);
        TS_TRY(need_stack(u, k));
        return make_tuple(u, k);
    }
    case OP_LIST: return op_list(u);
    case OP_DICT: return op_dict(u);
    case OP_APPENDS: return op_appends(u);
    case OP_APPEND:
        if (!u->hooks || !u->hooks->python_pickle) goto unsupported;
        TS_TRY(need_stack(u, 2));
        return op_appends_from(u, u->sp - 1);
    case OP_SETITEMS: {
        size_t start;
        TS_TRY(pop_mark(u, &start));
        return op_setitems(u, start);
    }
    case OP_SETITEM:
        TS_TRY(need_stack(u, 3));
        return op_setitems(u, u->sp - 2);
    case OP_BINPUT:
        TS_TRY(take(u, 1, &b));
        return op_binput(u, b[0]);
    case OP_LONG_BINPUT:
        TS_TRY(take(u, 4, &b));
        return op_binput(u, le32(b));
    case OP_BINGET:
        TS_TRY(take(u, 1, &b));
        return op_binget(u, b[0]);
    case OP_LONG_BINGET:
        TS_TRY(take(u, 4, &b));
        return op_binget(u, le32(b));
    case OP_GLOBAL: return op_global(u);
    case OP_NEWOBJ: {
        /* The class global stays; its (empty) arguments go. BUILD calls it. */
        TS_TRY(need_stack(u, 2));
        item_release(&u->stack[--u->sp]);
        return TS_OK;
    }
    case OP_REDUCE:
    case OP_BUILD: return op_call(u);
    case OP_BINPERSID: return op_binpersid(u);
    default:
    unsupported: {
        const char *name = op_name(u->op);
        if (u->op >= 0x20 && u->op < 0x7f)
            return ts_fail(u->ctx, TS_ERR_FORMAT, NULL, "%s: byte %zu: unsupported pickle opcode 0x%02x ('%c'%s%s)",
                           u->what, u->op_off, u->op, u->op, name ? ", " : "", name ? name : "");
        return ts_fail(u->ctx, TS_ERR_FORMAT, NULL, "%s: byte %zu: unsupported pickle opcode 0x%02x%s%s%s",
                       u->what, u->op_off, u->op, name ? " (" : "", name ? name : "", name ? ")" : "");
    }
    }
}

static void unpickler_free(Unpickler *u) {
    for (size_t i = 0; i < u->sp; i++) item_release(&u->stack[i]);
    for (size_t i = 0; i < u->memo_len; i++) item_release(&u->memo[i]);
    for (size_t i = 0; i < u->n_globals; i++) {
        ts_free(u->globals[i].module);
        ts_free(u->globals[i].name);
    }
    ts_free(u->stack);
    ts_free(u->memo);
    ts_free(u->marks);
    ts_free(u->globals);
    strmap_free(&u->type_cache);
}

ts_status pickle_load(Ctx *ctx, const uint8_t *data, size_t n, const char *what, const PickleHooks *hooks,
                      void *ud, IValue *out) {
    *out = iv_none();
    Unpickler u;
    memset(&u, 0, sizeof u);
    u.ctx = ctx;
    u.what = what ? what : "pickle";
    u.hooks = hooks;
    u.ud = ud;
    u.data = u.p = data;
    u.end = data + (data ? n : 0);
    strmap_init(&u.type_cache);
    u.check_budget = (int64_t)TS_MIN(n, (size_t)1 << 40) * CHECK_BUDGET_PER_BYTE + CHECK_BUDGET_BASE;
    /* Never NULL, so &stack[sp] is always a valid pointer (even for 0 items). */
    if (!grow((void **)&u.stack, &u.stack_cap, 64, sizeof(Item)))
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", u.what);
    ts_status st = TS_OK;
    bool stop = false;
    while (!stop) {
        if (u.p >= u.end) {
            st = ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: truncated: the pickle ends at byte %zu without STOP",
                         u.what, n);
            break;
        }
        st = step(&u, &stop);
        if (st != TS_OK) break;
    }
    if (st == TS_OK) {
        *out = u.stack[0].u.v;
        u.sp = 0;
    }
    unpickler_free(&u);
    return st;
}

/* ---- storages from the archive ---- */

ts_status pickle_storage_from_zip(Ctx *ctx, ZipArchive *z, const char *dir, const char *key, DType dtype,
                                  int64_t numel, Storage **out) {
    *out = NULL;
    size_t esize = dtype_size(dtype), nbytes;
    if (numel < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: storage '%.200s' has negative size %" PRId64,
                                  zip_name(z), key, numel);
    if (!ts_mul_ok((size_t)numel, esize, &nbytes))
        return ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: storage '%s/%s' of %" PRId64 " elements is too large",
                       zip_name(z), dir, key, numel);
    StrBuf rel;
    sb_init(&rel);
    sb_printf(&rel, "%s/%s", dir, key);
    ts_status st = TS_OK;
    const ZipEntry *e = zip_find(z, sb_cstr(&rel));
    if (!e) {
        st = ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: archive has no '%.200s' record (a tensor storage)", zip_name(z),
                     sb_cstr(&rel));
        goto free_rel;
    }
    if (e->usize < nbytes) {
        st = ts_fail(ctx, TS_ERR_FORMAT, NULL,
                     "%s: record '%.200s' has %llu bytes, but its storage needs %zu (%" PRId64 " x %s)", zip_name(z),
                     sb_cstr(&rel), (unsigned long long)e->usize, nbytes, numel, dtype_name(dtype));
        goto free_rel;
    }
    if (nbytes == 0) {
        *out = storage_new(0);
        if (!*out) st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", zip_name(z));
        goto free_rel;
    }
    ZipData d;
    st = zip_read(ctx, z, e, 0, &d);
    if (st != TS_OK) goto free_rel;
    bool aligned = (uintptr_t)d.data % esize == 0;
    if (d.in_place && aligned) {
        *out = storage_borrow((void *)d.data, nbytes, zip_release_owner, zip_retain(z));
        if (!*out) zip_release(z);
    } else if (d.owned && aligned) {
        *out = storage_borrow(d.owned, nbytes, ts_free, d.owned);
        if (*out) d.owned = NULL;
    } else {
        *out = storage_new(nbytes);
        if (*out) memcpy((*out)->data, d.data, nbytes);
    }
    zip_data_free(&d);
    if (!*out) st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory for storage '%.200s'", zip_name(z), sb_cstr(&rel));
free_rel:
    sb_free(&rel);
    return st;
}

/* ---- storage locations ---- */

ts_status pickle_check_location(Ctx *ctx, const char *location, char *remapped) {
    size_t n = strlen(location);
    bool ok = n > 0 && n < PICKLE_LOCATION_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char c = location[i];
        ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '_';
    }
    if (!ok) return ts_fail(ctx, TS_ERR_FORMAT, NULL, "bad storage location (not a device name like 'cpu' or 'cuda:0')");
    if (strcmp(location, "cpu") != 0 && !remapped[0]) memcpy(remapped, location, n + 1);
    return TS_OK;
}

/* ---- the fallback type parser ---- */

typedef struct TypeParser {
    Ctx *ctx;
    const char *text, *p;
} TypeParser;

static ts_status tp_fail(TypeParser *tp, ts_status st, const char *msg) {
    return ts_fail(tp->ctx, st, NULL, "cannot parse type '%.200s': %s at column %d", tp->text, msg,
                   (int)(tp->p - tp->text) + 1);
}

static void tp_ws(TypeParser *tp) {
    while (*tp->p == ' ') tp->p++;
}

static bool tp_eat(TypeParser *tp, char c) {
    tp_ws(tp);
    if (*tp->p != c) return false;
    tp->p++;
    return true;
}

static bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

static ts_status tp_type(TypeParser *tp, int depth, Type **out);

/* elems = type ("," type)* ; up to cap of them, inside the brackets */
static ts_status tp_list(TypeParser *tp, int depth, Type **elems, int cap, int *n) {
    *n = 0;
    do {
        if (*n == cap) return tp_fail(tp, TS_ERR_UNSUPPORTED, "too many element types");
        TS_TRY(tp_type(tp, depth + 1, &elems[(*n)++]));
    } while (tp_eat(tp, ','));
    if (!tp_eat(tp, ']')) return tp_fail(tp, TS_ERR_FORMAT, "expected ']'");
    return TS_OK;
}

/* type = name | name "[" type ("," type)* "]" | "Tuple[()]" */
static ts_status tp_type(TypeParser *tp, int depth, Type **out) {
    if (depth > PICKLE_MAX_TYPE_DEPTH) return tp_fail(tp, TS_ERR_FORMAT, "nested too deeply");
    tp_ws(tp);
    const char *start = tp->p;
    while (is_name_char(*tp->p)) tp->p++;
    size_t len = (size_t)(tp->p - start);
    if (len == 0) return tp_fail(tp, TS_ERR_FORMAT, "expected a type name");
#define NAME_IS(s) (len == strlen(s) && memcmp(start, s, len) == 0)
    static const struct { const char *name; Type *(*fn)(void); } prims[] = {
        {"Tensor", ty_tensor}, {"int", ty_int},   {"float", ty_float},   {"bool", ty_bool},
        {"str", ty_str},       {"None", ty_none}, {"NoneType", ty_none}, {"Any", ty_any},
        {"number", ty_number}, {"Device", ty_device},
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(prims); i++)
        if (NAME_IS(prims[i].name)) {
            *out = prims[i].fn();
            return TS_OK;
        }
    enum { MAX_ELEMS = 64 };
    Type *elems[MAX_ELEMS];
    int n;
    if (NAME_IS("List") || NAME_IS("Optional")) {
        bool list = NAME_IS("List");
        if (!tp_eat(tp, '[')) return tp_fail(tp, TS_ERR_FORMAT, "expected '['");
        TS_TRY(tp_list(tp, depth, elems, 1, &n));
        *out = list ? ty_list(elems[0]) : ty_optional(elems[0]);
        return TS_OK;
    }
    if (NAME_IS("Dict")) {
        if (!tp_eat(tp, '[')) return tp_fail(tp, TS_ERR_FORMAT, "expected '['");
        TS_TRY(tp_list(tp, depth, elems, 2, &n));
        if (n != 2) return tp_fail(tp, TS_ERR_FORMAT, "Dict needs a key and a value type");
        *out = ty_dict(elems[0], elems[1]);
        return TS_OK;
    }
    if (NAME_IS("Tuple") || NAME_IS("Union")) {
        bool tuple = NAME_IS("Tuple");
        if (!tp_eat(tp, '[')) return tp_fail(tp, TS_ERR_FORMAT, "expected '['");
        if (tuple && tp_eat(tp, '(')) {
            if (!tp_eat(tp, ')') || !tp_eat(tp, ']')) return tp_fail(tp, TS_ERR_FORMAT, "expected '()]'");
            *out = ty_tuple(NULL, 0);
            return TS_OK;
        }
        TS_TRY(tp_list(tp, depth, elems, MAX_ELEMS, &n));
        *out = tuple ? ty_tuple(elems, n) : ty_union(elems, n);
        return TS_OK;
    }
#undef NAME_IS
    return ts_fail(tp->ctx, TS_ERR_UNSUPPORTED, NULL,
                   "cannot parse type '%.200s': '%.*s' is not a built-in type (classes need the loader's resolver)",
                   tp->text, (int)TS_MIN(len, 200), start);
}

ts_status pickle_parse_type(Ctx *ctx, const char *text, Type **out) {
    *out = NULL;
    TypeParser tp = {ctx, text, text};
    Type *t;
    TS_TRY(tp_type(&tp, 0, &t));
    tp_ws(&tp);
    if (*tp.p) return tp_fail(&tp, TS_ERR_FORMAT, "unexpected text after the type");
    *out = t;
    return TS_OK;
}
