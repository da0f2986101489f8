/*
 * pickle_write.c - the pickler (see pickle_write.h).
 *
 * One pass over the value graph, appending opcodes to a growable buffer.
 * Three lookup tables, used only to find things again (never iterated, so
 * the per-process hash seed cannot change the output):
 *  - strings by value -> memo slot (every str, and the GLOBAL and device
 *    keys under a one-byte tag, as PyTorch memoises them);
 *  - heap values by identity -> memo slot, or IN_PROGRESS while the value
 *    is being written (meeting it again then means a cycle);
 *  - (storage, dtype) -> memo slot of its persistent id.
 * Memo slots are dense 0, 1, 2, ... in emission order. Objects' __getstate__
 * results are kept alive until the end, so no address in a table can be
 * reused by another value during the dump.
 * Every allocation is fallible: running out of memory fails the dump with
 * TS_ERR_NOMEM and frees everything.
 */
#include "serialize/pickle_write.h"

#include <inttypes.h>
#include <stdio.h>

enum {
    OP_MARK = '(', OP_STOP = '.', OP_BINFLOAT = 'G', OP_BININT = 'J', OP_BININT1 = 'K',
    OP_BININT2 = 'M', OP_NONE = 'N', OP_BINPERSID = 'Q', OP_REDUCE = 'R', OP_BINUNICODE = 'X',
    OP_EMPTY_LIST = ']', OP_BUILD = 'b', OP_GLOBAL = 'c', OP_APPENDS = 'e', OP_BINGET = 'h',
    OP_LONG_BINGET = 'j', OP_BINPUT = 'q', OP_LONG_BINPUT = 'r', OP_TUPLE = 't', OP_SETITEMS = 'u',
    OP_EMPTY_DICT = '}', OP_EMPTY_TUPLE = ')', OP_PROTO = 0x80, OP_NEWOBJ = 0x81, OP_TUPLE1 = 0x85,
    OP_TUPLE2 = 0x86, OP_TUPLE3 = 0x87, OP_NEWTRUE = 0x88, OP_NEWFALSE = 0x89, OP_LONG1 = 0x8a,
};

static const int64_t IN_PROGRESS = -1;

/* ---- lookup table: (bytes or pointer, tag) -> int64 ---- */

typedef struct TabEntry {
    const void *key; /* NULL: empty */
    size_t len;      /* bytes of key; 0 for a pointer key */
    uint64_t tag;
    uint64_t hash;
    int64_t value;
} TabEntry;

typedef struct Tab {
    TabEntry *slots;
    size_t cap, len;
} Tab;

static uint64_t tab_hash(const void *key, size_t len, uint64_t tag) {
    return (len ? ts_hash_bytes(key, len) : ts_hash_u64((uint64_t)(uintptr_t)key)) ^ ts_hash_u64(tag + 0x9e37u);
}

static bool tab_same(const TabEntry *e, const void *key, size_t len, uint64_t tag, uint64_t h) {
    if (e->hash != h || e->len != len || e->tag != tag) return false;
    return len ? memcmp(e->key, key, len) == 0 : e->key == key;
}

static TabEntry *tab_slot(Tab *t, const void *key, size_t len, uint64_t tag, uint64_t h) {
    size_t mask = t->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask)
        if (!t->slots[i].key || tab_same(&t->slots[i], key, len, tag, h)) return &t->slots[i];
}

/* The value for key, or NULL. */
static int64_t *tab_get(Tab *t, const void *key, size_t len, uint64_t tag) {
    if (!t->cap) return NULL;
    TabEntry *e = tab_slot(t, key, len, tag, tab_hash(key, len, tag));
    return e->key ? &e->value : NULL;
}

/* Insert or replace; the key's bytes must outlive the table. False: out of memory. */
static bool tab_put(Tab *t, const void *key, size_t len, uint64_t tag, int64_t value) {
    if ((t->len + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        TabEntry *slots = ts_calloc(cap, sizeof *slots);
        if (!slots) return false;
        Tab old = *t;
        t->slots = slots;
        t->cap = cap;
        for (size_t i = 0; i < old.cap; i++)
            if (old.slots[i].key) *tab_slot(t, old.slots[i].key, old.slots[i].len, old.slots[i].tag, old.slots[i].hash) = old.slots[i];
        ts_free(old.slots);
    }
    uint64_t h = tab_hash(key, len, tag);
    TabEntry *e = tab_slot(t, key, len, tag, h);
    if (!e->key) t->len++;
    *e = (TabEntry){key, len, tag, h, value};
    return true;
}

static void tab_free(Tab *t) {
    ts_free(t->slots);
    *t = (Tab){0};
}

/* ---- the pickler ---- */

typedef struct Pickler {
    Ctx *ctx;
    const char *what;
    const PickleDumpHooks *hooks;
    void *ud;
    uint8_t *buf;
    size_t len, cap;
    uint32_t memo;       /* next memo slot */
    Tab strings;         /* text -> slot (tagged: str, GLOBAL key, device, the empty str) */
    Tab heap;            /* identity -> slot or IN_PROGRESS */
    Tab storages;        /* (Storage*, dtype) -> slot of the persistent id */
    PickleStorage *st;   /* in key order */
    int nst, capst;
    IValue *kept;        /* __getstate__ results, alive until the end */
    int nkept, capkept;
    char **owned;        /* key bytes the tables point to */
    int nowned, capowned;
    int depth;
} Pickler;

enum { TAG_STR = 0, TAG_GLOBAL = 1, TAG_DEVICE = 2, TAG_EMPTY_STR = 3 };

static ts_status nomem(Pickler *p) { return ts_fail(p->ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", p->what); }

static bool grow(void **ptr, int *cap, int need, size_t elem) {
    if (need <= *cap) return true;
    int c = *cap ? *cap * 2 : 16;
    while (c < need) c *= 2;
    void *q = ts_realloc(*ptr, (size_t)c * elem);
    if (!q) return false;
    *ptr = q;
    *cap = c;
    return true;
}

static ts_status put(Pickler *p, const void *data, size_t n) {
    if (p->len + n > p->cap) {
        size_t cap = p->cap ? p->cap : 1024;
        while (cap < p->len + n) {
            if (cap > SIZE_MAX / 2) return nomem(p);
            cap *= 2;
        }
        uint8_t *b = ts_realloc(p->buf, cap);
        if (!b) return nomem(p);
        p->buf = b;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, data, n);
    p->len += n;
    return TS_OK;
}

static ts_status op(Pickler *p, uint8_t o) { return put(p, &o, 1); }

static ts_status put_u32(Pickler *p, uint8_t o, uint32_t v) {
    uint8_t b[5] = {o, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return put(p, b, 5);
}

/* BINPUT of the next memo slot; returns the slot in *slot. */
static ts_status binput(Pickler *p, int64_t *slot) {
    uint32_t id = p->memo++;
    if (slot) *slot = id;
    if (id <= 0xFF) {
        uint8_t b[2] = {OP_BINPUT, (uint8_t)id};
        return put(p, b, 2);
    }
    return put_u32(p, OP_LONG_BINPUT, id);
}

static ts_status binget(Pickler *p, int64_t slot) {
    if (slot <= 0xFF) {
        uint8_t b[2] = {OP_BINGET, (uint8_t)slot};
        return put(p, b, 2);
    }
    return put_u32(p, OP_LONG_BINGET, (uint32_t)slot);
}

static ts_status put_int(Pickler *p, int64_t v) {
    if (v >= 0 && v <= 0xFF) {
        uint8_t b[2] = {OP_BININT1, (uint8_t)v};
        return put(p, b, 2);
    }
    if (v >= 0 && v <= 0xFFFF) {
        uint8_t b[3] = {OP_BININT2, (uint8_t)v, (uint8_t)(v >> 8)};
        return put(p, b, 3);
    }
    if (v >= INT32_MIN && v <= INT32_MAX) return put_u32(p, OP_BININT, (uint32_t)(int32_t)v);
    uint64_t u = (uint64_t)v;
    uint8_t b[10] = {OP_LONG1, 8};
    for (int i = 0; i < 8; i++) b[2 + i] = (uint8_t)(u >> (8 * i));
    return put(p, b, 10);
}

static ts_status put_float(Pickler *p, double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    uint8_t b[9] = {OP_BINFLOAT};
    for (int i = 0; i < 8; i++) b[1 + i] = (uint8_t)(u >> (56 - 8 * i));
    return put(p, b, 9);
}

/* Keep a copy of n bytes alive until the end (for table keys). */
static const char *own(Pickler *p, const char *s, size_t n) {
    if (!grow((void **)&p->owned, &p->capowned, p->nowned + 1, sizeof *p->owned)) return NULL;
    char *c = ts_malloc(n + 1);
    if (!c) return NULL;
    memcpy(c, s, n);
    c[n] = 0;
    p->owned[p->nowned++] = c;
    return c;
}

/* A string, memoised by value. s must stay alive during the dump unless
 * copy is set. The empty string is keyed by a fixed address (the table's
 * byte keys are never empty). */
static const char EMPTY_KEY[1] = "";

static ts_status put_str_n(Pickler *p, const char *s, size_t n, bool copy) {
    uint64_t tag = n ? TAG_STR : TAG_EMPTY_STR;
    const char *key = n ? s : EMPTY_KEY;
    int64_t *slot = tab_get(&p->strings, key, n, tag);
    if (slot) return binget(p, *slot);
    if (n > UINT32_MAX)
        return ts_fail(p->ctx, TS_ERR_UNSUPPORTED, NULL, "%s: a string of %zu bytes is too long to save", p->what, n);
    TS_TRY(put_u32(p, OP_BINUNICODE, (uint32_t)n));
    TS_TRY(put(p, s, n));
    int64_t id;
    TS_TRY(binput(p, &id));
    if (n && copy && !(key = own(p, s, n))) return nomem(p);
    if (!tab_put(&p->strings, key, n, tag, id)) return nomem(p);
    return TS_OK;
}

static ts_status put_cstr(Pickler *p, const char *s) { return put_str_n(p, s, strlen(s), false); }

/* GLOBAL module\nname\n, memoised. */
static ts_status put_global(Pickler *p, const char *module, size_t mlen, const char *name) {
    char key[1024];
    int kn = snprintf(key, sizeof key, "%.*s\n%s\n", (int)mlen, module, name);
    if (kn < 0 || (size_t)kn >= sizeof key)
        return ts_fail(p->ctx, TS_ERR_UNSUPPORTED, NULL, "%s: class name '%.*s.%s' is too long to save", p->what,
                       (int)mlen, module, name);
    int64_t *slot = tab_get(&p->strings, key, (size_t)kn, TAG_GLOBAL);
    if (slot) return binget(p, *slot);
    TS_TRY(op(p, OP_GLOBAL));
    TS_TRY(put(p, key, (size_t)kn));
    int64_t id;
    TS_TRY(binput(p, &id));
    const char *k = own(p, key, (size_t)kn);
    if (!k || !tab_put(&p->strings, k, (size_t)kn, TAG_GLOBAL, id)) return nomem(p);
    return TS_OK;
}

static ts_status put_global2(Pickler *p, const char *module, const char *name) {
    return put_global(p, module, strlen(module), name);
}

static ts_status put_value(Pickler *p, IValue v);

static ts_status enter(Pickler *p) {
    if (++p->depth > PICKLE_WRITE_MAX_DEPTH)
        return ts_fail(p->ctx, TS_ERR_UNSUPPORTED, NULL,
                       "%s: values nested more than %d deep cannot be saved (torch.jit.load would refuse them)",
                       p->what, PICKLE_WRITE_MAX_DEPTH);
    return TS_OK;
}

static ts_status put_device(Pickler *p, Device d) {
    StrBuf s;
    sb_init(&s);
    iv_print(&s, iv_device(d));
    int64_t *slot = tab_get(&p->strings, sb_cstr(&s), s.len, TAG_DEVICE);
    ts_status st = TS_OK;
    if (slot) {
        st = binget(p, *slot);
    } else {
        int64_t id;
        const char *k = own(p, sb_cstr(&s), s.len);
        if (!k) st = nomem(p);
        if (st == TS_OK) st = put_global2(p, "torch", "device");
        if (st == TS_OK) st = put_str_n(p, k, s.len, false);
        if (st == TS_OK) st = op(p, OP_TUPLE1);
        if (st == TS_OK) st = op(p, OP_REDUCE);
        if (st == TS_OK) st = binput(p, &id);
        if (st == TS_OK && !tab_put(&p->strings, k, s.len, TAG_DEVICE, id)) st = nomem(p);
    }
    sb_free(&s);
    return st;
}

/* ('storage', torch.<Name>Storage, key, 'cpu', numel) BINPERSID, or the memo of it. */
static ts_status put_storage(Pickler *p, const Tensor *t) {
    Storage *s = t->storage;
    int64_t *slot = s ? tab_get(&p->storages, s, 0, (uint64_t)t->dtype) : NULL;
    if (slot) return binget(p, *slot);
    size_t isz = dtype_size(t->dtype);
    int64_t numel = s ? (int64_t)(s->nbytes / isz) : 0;
    char name[32], key[24];
    snprintf(name, sizeof name, "%sStorage", dtype_storage_name(t->dtype));
    snprintf(key, sizeof key, "%d", p->nst);
    TS_TRY(op(p, OP_MARK));
    TS_TRY(put_cstr(p, "storage"));
    TS_TRY(put_global2(p, "torch", name));
    TS_TRY(put_str_n(p, key, strlen(key), true));
    TS_TRY(put_cstr(p, "cpu"));
    TS_TRY(put_int(p, numel));
    TS_TRY(op(p, OP_TUPLE));
    TS_TRY(op(p, OP_BINPERSID));
    int64_t id;
    TS_TRY(binput(p, &id));
    if (!grow((void **)&p->st, &p->capst, p->nst + 1, sizeof *p->st)) return nomem(p);
    if (s && !tab_put(&p->storages, s, 0, (uint64_t)t->dtype, id)) return nomem(p);
    p->st[p->nst++] = (PickleStorage){s ? storage_retain(s) : NULL, t->dtype, numel};
    return TS_OK;
}

static ts_status put_tensor(Pickler *p, const Tensor *t) {
    TS_TRY(put_global2(p, "torch._utils", "_rebuild_tensor_v2"));
    TS_TRY(op(p, OP_MARK));
    TS_TRY(put_storage(p, t));
    TS_TRY(put_int(p, t->storage_offset));
    TS_TRY(op(p, OP_MARK));
    for (int d = 0; d < t->ndim; d++) TS_TRY(put_int(p, t->sizes[d]));
    TS_TRY(op(p, OP_TUPLE));
    TS_TRY(op(p, OP_MARK));
    for (int d = 0; d < t->ndim; d++) TS_TRY(put_int(p, t->strides[d]));
    TS_TRY(op(p, OP_TUPLE));
    TS_TRY(op(p, t->requires_grad ? OP_NEWTRUE : OP_NEWFALSE));
    TS_TRY(put_global2(p, "collections", "OrderedDict"));
    TS_TRY(op(p, OP_EMPTY_TUPLE));
    TS_TRY(op(p, OP_REDUCE));
    TS_TRY(op(p, OP_TUPLE));
    return op(p, OP_REDUCE);
}

/* restore_type_tag's second argument: the container's annotation string. */
static ts_status put_type_str(Pickler *p, Type *t) {
    StrBuf s;
    sb_init(&s);
    ty_annotation_str(&s, t);
    ts_status st = put_str_n(p, sb_cstr(&s), s.len, true);
    sb_free(&s);
    return st;
}

static ts_status put_list(Pickler *p, const ListObj *l) {
    Type *elem = l->elem ? l->elem : ty_any();
    const char *special = elem == ty_int() ? "build_intlist"
                        : elem == ty_float() ? "build_doublelist"
                        : elem == ty_bool() ? "build_boollist"
                        : elem == ty_tensor() ? "build_tensorlist"
                        : NULL;
    TS_TRY(put_global2(p, "torch.jit._pickle", special ? special : "restore_type_tag"));
    if (special) TS_TRY(op(p, OP_MARK));
    TS_TRY(op(p, OP_EMPTY_LIST));
    TS_TRY(op(p, OP_MARK));
    for (int64_t i = 0; i < l->len; i++) TS_TRY(put_value(p, l->items[i]));
    TS_TRY(op(p, OP_APPENDS));
    if (special) {
        TS_TRY(op(p, OP_TUPLE));
    } else {
        TS_TRY(put_type_str(p, ty_list(elem)));
        TS_TRY(op(p, OP_TUPLE2));
    }
    return op(p, OP_REDUCE);
}

static ts_status put_dict(Pickler *p, const DictObj *d) {
    TS_TRY(put_global2(p, "torch.jit._pickle", "restore_type_tag"));
    TS_TRY(op(p, OP_EMPTY_DICT));
    TS_TRY(op(p, OP_MARK));
    for (int64_t i = 0; i < d->len; i++) {
        TS_TRY(put_value(p, d->entries[i].key));
        TS_TRY(put_value(p, d->entries[i].value));
    }
    TS_TRY(op(p, OP_SETITEMS));
    TS_TRY(put_type_str(p, ty_dict(d->key_type ? d->key_type : ty_any(), d->value_type ? d->value_type : ty_any())));
    TS_TRY(op(p, OP_TUPLE2));
    return op(p, OP_REDUCE);
}

static ts_status put_tuple(Pickler *p, const TupleObj *t) {
    if (t->len == 0) return op(p, OP_EMPTY_TUPLE);
    if (t->len > 3) TS_TRY(op(p, OP_MARK));
    for (int64_t i = 0; i < t->len; i++) TS_TRY(put_value(p, t->items[i]));
    static const uint8_t small[4] = {OP_EMPTY_TUPLE, OP_TUPLE1, OP_TUPLE2, OP_TUPLE3};
    return op(p, t->len <= 3 ? small[t->len] : OP_TUPLE);
}

/* GLOBAL of a qualified class name: module = everything before the last dot. */
static ts_status put_class_global(Pickler *p, const ClassType *c) {
    const char *q = c->qualname, *dot = strrchr(q, '.');
    if (!dot)
        return ts_fail(p->ctx, TS_ERR_UNSUPPORTED, NULL, "%s: class '%s' has no qualifier and cannot be saved",
                       p->what, q);
    return put_global(p, q, (size_t)(dot - q), dot + 1);
}

static ts_status put_object(Pickler *p, Object *o) {
    TS_TRY(put_class_global(p, o->cls));
    TS_TRY(op(p, OP_EMPTY_TUPLE));
    TS_TRY(op(p, OP_NEWOBJ));
    bool has = false;
    IValue state = iv_none();
    if (p->hooks && p->hooks->object_state) TS_TRY(p->hooks->object_state(p->ud, o, &has, &state));
    if (has) {
        if (!grow((void **)&p->kept, &p->capkept, p->nkept + 1, sizeof *p->kept)) {
            iv_release(state);
            return nomem(p);
        }
        p->kept[p->nkept++] = state;
        TS_TRY(put_value(p, state));
    } else {
        TS_TRY(op(p, OP_EMPTY_DICT));
        TS_TRY(op(p, OP_MARK));
        int n = TS_MIN(o->nslots, o->cls->attrs.len);
        for (int i = 0; i < n; i++) {
            TS_TRY(put_cstr(p, o->cls->attrs.data[i].name));
            TS_TRY(put_value(p, o->slots[i]));
        }
        TS_TRY(op(p, OP_SETITEMS));
    }
    return op(p, OP_BUILD);
}

static ts_status put_enum(Pickler *p, const EnumObj *e) {
    TS_TRY(put_class_global(p, e->cls));
    TS_TRY(put_value(p, e->value));
    return op(p, OP_REDUCE);
}

static ts_status put_heap(Pickler *p, IValue v) {
    HeapHdr *h = v.u.h;
    int64_t *slot = tab_get(&p->heap, h, 0, 0);
    if (slot) {
        if (*slot == IN_PROGRESS)
            return ts_fail(p->ctx, TS_ERR_UNSUPPORTED, NULL,
                           "%s: a %s contains itself (a reference cycle), which cannot be saved", p->what,
                           iv_kind_name(v));
        return binget(p, *slot);
    }
    if (!tab_put(&p->heap, h, 0, 0, IN_PROGRESS)) return nomem(p);
    TS_TRY(enter(p));
    ts_status st;
    switch (v.kind) {
    case IV_TENSOR: st = put_tensor(p, v.u.t); break;
    case IV_LIST: st = put_list(p, v.u.l); break;
    case IV_TUPLE: st = put_tuple(p, v.u.tup); break;
    case IV_DICT: st = put_dict(p, v.u.dict); break;
    case IV_OBJECT: st = put_object(p, v.u.obj); break;
    case IV_ENUM: st = put_enum(p, v.u.en); break;
    default: st = ts_fail(p->ctx, TS_ERR_UNSUPPORTED, NULL, "%s: a %s value cannot be saved", p->what, iv_kind_name(v)); break;
    }
    TS_TRY(st);
    p->depth--;
    int64_t id;
    TS_TRY(binput(p, &id));
    if (!tab_put(&p->heap, h, 0, 0, id)) return nomem(p);
    return TS_OK;
}

static ts_status put_value(Pickler *p, IValue v) {
    switch (v.kind) {
    case IV_NONE: return op(p, OP_NONE);
    case IV_BOOL: return op(p, v.u.b ? OP_NEWTRUE : OP_NEWFALSE);
    case IV_INT: return put_int(p, v.u.i);
    case IV_DOUBLE: return put_float(p, v.u.d);
    case IV_DEVICE: return put_device(p, v.u.dev);
    case IV_STR: return put_str_n(p, v.u.s->data, (size_t)v.u.s->len, false);
    case IV_TUPLE:
        /* () as PyTorch writes it (constants.pkl of most archives): no memo */
        if (v.u.tup->len == 0) return op(p, OP_EMPTY_TUPLE);
        return put_heap(p, v);
    case IV_TENSOR:
    case IV_LIST:
    case IV_DICT:
    case IV_OBJECT:
    case IV_ENUM: return put_heap(p, v);
    case IV_UNINIT:
    case IV_FUNC: break;
    }
    return ts_fail(p->ctx, TS_ERR_UNSUPPORTED, NULL, "%s: a %s value cannot be saved", p->what, iv_kind_name(v));
}

static void pickler_free(Pickler *p, bool keep_output) {
    tab_free(&p->strings);
    tab_free(&p->heap);
    tab_free(&p->storages);
    for (int i = 0; i < p->nkept; i++) iv_release(p->kept[i]);
    ts_free(p->kept);
    for (int i = 0; i < p->nowned; i++) ts_free(p->owned[i]);
    ts_free(p->owned);
    if (!keep_output) {
        for (int i = 0; i < p->nst; i++)
            if (p->st[i].storage) storage_release(p->st[i].storage);
        ts_free(p->st);
        ts_free(p->buf);
    }
}

ts_status pickle_dump(Ctx *ctx, IValue v, const PickleDumpHooks *hooks, void *ud, const char *what,
                      PickleDump *out) {
    memset(out, 0, sizeof *out);
    Pickler p = {.ctx = ctx, .what = what, .hooks = hooks, .ud = ud};
    uint8_t proto[2] = {OP_PROTO, 2};
    ts_status st = put(&p, proto, 2);
    if (st == TS_OK) st = put_value(&p, v);
    if (st == TS_OK) st = op(&p, OP_STOP);
    pickler_free(&p, st == TS_OK);
    if (st != TS_OK) return st;
    out->data = p.buf;
    out->len = p.len;
    out->storages = p.st;
    out->nstorages = p.nst;
    return TS_OK;
}

void pickle_dump_free(PickleDump *d) {
    for (int i = 0; i < d->nstorages; i++)
        if (d->storages[i].storage) storage_release(d->storages[i].storage);
    ts_free(d->storages);
    ts_free(d->data);
    memset(d, 0, sizeof *d);
}
