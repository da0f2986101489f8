/*
 * test_zip_write.c - the archive writer: zip_write read back by the zip
 * reader (alignment, CRCs, zip64 forced on small archives, determinism),
 * pickle_write read back by the unpickler for every kind of value (ints at
 * each encoding's edges, floats with NaN and -0.0, strings, devices, tuples
 * of every size, typed lists and dicts, tensors of every dtype, 0-size and
 * non-contiguous views sharing a storage, objects, enums, shared values),
 * re-pickled to the same bytes; the pickler's refusals (cycles, functions,
 * nesting); archive_save on the example archives, reloaded; and every path
 * under the Nth allocation failing. Every test ends with no live tscript
 * allocations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/module.h"
#include "serialize/archive.h"
#include "serialize/archive_save.h"
#include "serialize/pickle.h"
#include "serialize/pickle_write.h"
#include "serialize/zip.h"
#include "serialize/zip_write.h"
#include "serialize_util.h"

#ifndef TS_SOURCE_DIR
#define TS_SOURCE_DIR "."
#endif

/* ---- zip ---- */

typedef struct Rec {
    const char *name;
    const char *data;
    size_t n;
} Rec;

static const Rec RECS[] = {
    {"data/0", "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", 12},
    {"data/1", "", 0},
    {"data.pkl", "\x80\x02N.", 4},
    {"code/__torch__/a/b.py", "class B(Module):\n  training : bool\n", 35},
    {"version", "3\n", 2},
};

static ts_status write_recs(Ctx *ctx, unsigned flags, const Rec *recs, size_t n, ZipWriter **out) {
    TS_TRY(zipw_new(ctx, "mem.pt", NULL, "mem", flags, out));
    ts_status st = TS_OK;
    for (size_t i = 0; st == TS_OK && i < n; i++) st = zipw_add(*out, recs[i].name, recs[i].data, recs[i].n);
    if (st == TS_OK) st = zipw_finish(*out);
    if (st != TS_OK) {
        zipw_free(*out);
        *out = NULL;
    }
    return st;
}

static void check_read_back(unsigned flags) {
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    ZipWriter *w;
    assert_int_equal(write_recs(&ctx, flags, RECS, TS_ARRAY_LEN(RECS), &w), TS_OK);
    size_t n;
    const uint8_t *bytes = zipw_memory(w, &n);
    assert_int_equal(n, zipw_offset(w));
    /* copy into a 64-aligned buffer so data offsets are addresses mod 64 too */
    uint8_t *buf = aligned_alloc(64, (n + 63) / 64 * 64);
    memcpy(buf, bytes, n);
    ZipArchive *z;
    assert_int_equal(zip_open_memory(&ctx, "mem.pt", buf, n, NULL, NULL, &z), TS_OK);
    assert_string_equal(zip_prefix(z), "mem");
    assert_int_equal(zip_count(z), TS_ARRAY_LEN(RECS));
    for (size_t i = 0; i < TS_ARRAY_LEN(RECS); i++) {
        const ZipEntry *e = zip_entry(z, i);
        assert_string_equal(zip_entry_relname(z, e), RECS[i].name);
        assert_int_equal(e->method, 0);
        assert_int_equal(e->flags & 0x0808, 0x0800); /* UTF-8, no data descriptor */
        assert_int_equal(e->data_offset % 64, 0);
        ZipData d;
        assert_int_equal(zip_read(&ctx, z, e, ZIP_VERIFY_CRC, &d), TS_OK); /* checks the CRC */
        assert_int_equal(d.size, RECS[i].n);
        assert_memory_equal(d.data, RECS[i].data, RECS[i].n);
        assert_true(d.aligned64);
        zip_data_free(&d);
    }
    /* the zip64 end record is there exactly when asked for */
    bool has64 = false;
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(buf + i, "PK\x06\x06", 4) == 0) has64 = true;
    assert_int_equal(has64, (flags & ZIPW_FORCE_ZIP64) != 0);
    zip_release(z);
    free(buf);
    zipw_free(w);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_zip_read_back(void **state) {
    (void)state;
    check_read_back(0);
}

static void test_zip64_read_back(void **state) {
    (void)state;
    check_read_back(ZIPW_FORCE_ZIP64);
}

static void test_zip_deterministic(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    ZipWriter *a, *b;
    assert_int_equal(write_recs(&ctx, 0, RECS, TS_ARRAY_LEN(RECS), &a), TS_OK);
    assert_int_equal(write_recs(&ctx, 0, RECS, TS_ARRAY_LEN(RECS), &b), TS_OK);
    size_t na, nb;
    const uint8_t *pa = zipw_memory(a, &na), *pb = zipw_memory(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(pa, pb, na);
    /* timestamps are zero: bytes 10..13 of the first local header */
    assert_memory_equal(pa + 10, "\0\0\0\0", 4);
    zipw_free(a);
    zipw_free(b);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_zip_errors(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    ZipWriter *w;
    assert_int_equal(zipw_new(&ctx, "x.pt", NULL, "a/b", 0, &w), TS_ERR_ARG);
    assert_int_equal(zipw_new(&ctx, "x.pt", NULL, "x", 0, &w), TS_OK);
    assert_int_equal(zipw_add(w, "", "", 0), TS_ERR_ARG);
    assert_int_equal(zipw_finish(w), TS_OK);
    assert_int_equal(zipw_add(w, "late", "", 0), TS_ERR_ARG);
    assert_non_null(strstr(sb_cstr(&ctx.msg), "after the archive was finished"));
    zipw_free(w);
    /* a write error names the file: a stream opened read-only */
    FILE *f = fopen("/dev/null", "rb");
    assert_non_null(f);
    assert_int_equal(zipw_new(&ctx, "ro.pt", f, "ro", 0, &w), TS_OK);
    ts_status st = zipw_add(w, "data/0", "abcd", 4);
    if (st == TS_OK) st = zipw_finish(w);
    assert_int_equal(st, TS_ERR_IO);
    assert_non_null(strstr(sb_cstr(&ctx.msg), "ro.pt: cannot write"));
    assert_int_equal(zipw_finish(w), TS_ERR_IO); /* dead stays dead */
    zipw_free(w);
    fclose(f);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_zip_oom(void **state) {
    (void)state;
    long tries = 0;
    for (long n = 1;; n++) {
        long live = ts_alloc_live();
        Ctx ctx;
        tctx_init(&ctx);
        ZipWriter *w = NULL;
        ts_alloc_fail_at(n);
        ts_status st = write_recs(&ctx, ZIPW_FORCE_ZIP64, RECS, TS_ARRAY_LEN(RECS), &w);
        bool untouched = ts_alloc_fail_at_pending();
        ts_alloc_fail_at(0);
        ts_alloc_clear_over_limit();
        assert_true(st == TS_OK || st == TS_ERR_NOMEM);
        if (st == TS_ERR_NOMEM) assert_non_null(strstr(sb_cstr(&ctx.msg), "out of memory"));
        zipw_free(w);
        tctx_free(&ctx);
        assert_int_equal(ts_alloc_live(), live);
        tries++;
        if (untouched) break;
    }
    assert_true(tries > 5);
}

/* ---- pickle ---- */

typedef struct Store {
    Ctx *ctx;
    ZipArchive *z;       /* storages come from data/<key> of this archive */
} Store;

static ts_status hook_storage(void *ud, const char *key, DType dt, int64_t numel, Storage **out) {
    Store *s = ud;
    return pickle_storage_from_zip(s->ctx, s->z, "data", key, dt, numel, out);
}

/* Objects and enums come back as the tuple ("module.name", state). */
static ts_status hook_class(void *ud, const char *module, const char *name, IValue state, IValue *out) {
    (void)ud;
    char q[512];
    snprintf(q, sizeof q, "%s.%s", module, name);
    TupleObj *t = tuple_new(2);
    t->items[0] = iv_cstr(q);
    t->items[1] = iv_dup(state);
    *out = iv_tuple_steal(t);
    return TS_OK;
}

/* Pickle v into data.pkl and data/N of a zip in memory. *buf is libc memory. */
static ts_status dump_to_zip(Ctx *ctx, IValue v, const PickleDumpHooks *hooks, void *ud, uint8_t **buf,
                             size_t *n, PickleDump *d) {
    TS_TRY(pickle_dump(ctx, v, hooks, ud, "t:data.pkl", d));
    ZipWriter *w;
    ts_status st = zipw_new(ctx, "t.pt", NULL, "t", 0, &w);
    if (st != TS_OK) {
        pickle_dump_free(d);
        return st;
    }
    for (int i = 0; st == TS_OK && i < d->nstorages; i++) {
        char rel[32];
        snprintf(rel, sizeof rel, "data/%d", i);
        size_t bytes = (size_t)d->storages[i].numel * dtype_size(d->storages[i].dtype);
        st = zipw_add(w, rel, bytes ? d->storages[i].storage->data : "", bytes);
    }
    if (st == TS_OK) st = zipw_add(w, "data.pkl", d->data, d->len);
    if (st == TS_OK) st = zipw_finish(w);
    if (st == TS_OK) {
        const uint8_t *m = zipw_memory(w, n);
        *buf = aligned_alloc(64, (*n + 63) / 64 * 64);
        memcpy(*buf, m, *n);
    }
    zipw_free(w);
    if (st != TS_OK) pickle_dump_free(d);
    return st;
}

/* Unpickle what dump_to_zip wrote. */
static IValue load_from_zip(Ctx *ctx, const uint8_t *buf, size_t n) {
    ZipArchive *z;
    assert_int_equal(zip_open_memory(ctx, "t.pt", buf, n, NULL, NULL, &z), TS_OK);
    const ZipEntry *e;
    ZipData d;
    assert_int_equal(zip_require(ctx, z, "data.pkl", &e), TS_OK);
    assert_int_equal(zip_read(ctx, z, e, 0, &d), TS_OK);
    Store s = {ctx, z};
    PickleHooks hooks = {.build_class = hook_class, .load_storage = hook_storage};
    IValue out;
    ts_status st = pickle_load(ctx, d.data, d.size, "t:data.pkl", &hooks, &s, &out);
    if (st != TS_OK) fprintf(stderr, "%s", sb_cstr(&ctx->msg));
    assert_int_equal(st, TS_OK);
    zip_data_free(&d);
    zip_release(z);
    return out;
}

/* Structural equality of the value written and the value read back (objects
 * and enums compared with the hook's tuple form). */
static void expect_same(IValue a, IValue b);

static void expect_same_tensor(const Tensor *a, const Tensor *b) {
    assert_int_equal(a->dtype, b->dtype);
    assert_int_equal(a->ndim, b->ndim);
    assert_int_equal(a->storage_offset, b->storage_offset);
    assert_int_equal(a->requires_grad, b->requires_grad);
    for (int d = 0; d < a->ndim; d++) {
        assert_int_equal(a->sizes[d], b->sizes[d]);
        assert_int_equal(a->strides[d], b->strides[d]);
    }
    size_t n = a->storage->nbytes / dtype_size(a->dtype) * dtype_size(a->dtype);
    assert_int_equal(b->storage->nbytes, n);
    if (n) assert_memory_equal(a->storage->data, b->storage->data, n);
}

static void expect_same(IValue a, IValue b) {
    if (a.kind == IV_OBJECT) {
        assert_int_equal(b.kind, IV_TUPLE);
        assert_string_equal(b.u.tup->items[0].u.s->data, a.u.obj->cls->qualname);
        IValue st = b.u.tup->items[1];
        assert_int_equal(st.kind, IV_DICT);
        assert_int_equal(st.u.dict->len, a.u.obj->nslots);
        for (int i = 0; i < a.u.obj->nslots; i++) {
            assert_string_equal(st.u.dict->entries[i].key.u.s->data, a.u.obj->cls->attrs.data[i].name);
            expect_same(a.u.obj->slots[i], st.u.dict->entries[i].value);
        }
        return;
    }
    if (a.kind == IV_ENUM) {
        assert_int_equal(b.kind, IV_TUPLE);
        assert_string_equal(b.u.tup->items[0].u.s->data, a.u.en->cls->qualname);
        expect_same(a.u.en->value, b.u.tup->items[1]);
        return;
    }
    assert_int_equal(a.kind, b.kind);
    switch (a.kind) {
    case IV_NONE: break;
    case IV_BOOL: assert_int_equal(a.u.b, b.u.b); break;
    case IV_INT: assert_true(a.u.i == b.u.i); break;
    case IV_DOUBLE: assert_memory_equal(&a.u.d, &b.u.d, sizeof(double)); break;
    case IV_DEVICE:
        assert_int_equal(a.u.dev.type, b.u.dev.type);
        assert_int_equal(a.u.dev.index, b.u.dev.index);
        break;
    case IV_STR:
        assert_int_equal(a.u.s->len, b.u.s->len);
        assert_memory_equal(a.u.s->data, b.u.s->data, (size_t)a.u.s->len);
        break;
    case IV_TENSOR: expect_same_tensor(a.u.t, b.u.t); break;
    case IV_LIST:
        assert_ptr_equal(a.u.l->elem, b.u.l->elem);
        assert_int_equal(a.u.l->len, b.u.l->len);
        for (int64_t i = 0; i < a.u.l->len; i++) expect_same(a.u.l->items[i], b.u.l->items[i]);
        break;
    case IV_TUPLE:
        assert_int_equal(a.u.tup->len, b.u.tup->len);
        for (int64_t i = 0; i < a.u.tup->len; i++) expect_same(a.u.tup->items[i], b.u.tup->items[i]);
        break;
    case IV_DICT:
        assert_ptr_equal(a.u.dict->key_type, b.u.dict->key_type);
        assert_ptr_equal(a.u.dict->value_type, b.u.dict->value_type);
        assert_int_equal(a.u.dict->len, b.u.dict->len);
        for (int64_t i = 0; i < a.u.dict->len; i++) {
            expect_same(a.u.dict->entries[i].key, b.u.dict->entries[i].key);
            expect_same(a.u.dict->entries[i].value, b.u.dict->entries[i].value);
        }
        break;
    default: fail_msg("unexpected kind %d", a.kind);
    }
}

/* Two loaded module trees hold the same values (objects on both sides). */
static void expect_same_objects(IValue a, IValue b) {
    if (a.kind != IV_OBJECT) {
        expect_same(a, b);
        return;
    }
    assert_int_equal(b.kind, IV_OBJECT);
    assert_string_equal(a.u.obj->cls->qualname, b.u.obj->cls->qualname);
    assert_int_equal(a.u.obj->nslots, b.u.obj->nslots);
    for (int i = 0; i < a.u.obj->nslots; i++) expect_same_objects(a.u.obj->slots[i], b.u.obj->slots[i]);
}

static IValue tensor_val(Tensor *t) { return iv_tensor_steal(t); }

/* A list of typed values. */
static IValue list_of(Type *elem, int n, const IValue *items) {
    ListObj *l = list_new(elem, n);
    for (int i = 0; i < n; i++) list_push_steal(l, items[i]);
    return iv_list_steal(l);
}

static IValue tuple_of(int n, const IValue *items) {
    TupleObj *t = tuple_new(n);
    for (int i = 0; i < n; i++) t->items[i] = items[i];
    return iv_tuple_steal(t);
}

/* Every kind of value the writer knows, as one tuple. The tensors share
 * one storage (a base, a slice, a transpose) and a second storage holds one
 * tensor per dtype. */
typedef struct Sample {
    ClassType *mod, *color;
    IValue v;
} Sample;

static Sample make_sample(Ctx *ctx) {
    Sample s;
    VEC(IValue) items = {0};
    int64_t ints[] = {0, 1, 255, 256, 65535, 65536, -1, -256, INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1,
                      (int64_t)INT32_MIN - 1, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < TS_ARRAY_LEN(ints); i++) vec_push(&items, iv_int(ints[i]));
    double fl[] = {0.0, -0.0, 1.5, -2.25e300, 1e-310, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < TS_ARRAY_LEN(fl); i++) vec_push(&items, iv_double(fl[i]));
    vec_push(&items, iv_none());
    vec_push(&items, iv_bool(true));
    vec_push(&items, iv_bool(false));
    vec_push(&items, iv_cstr(""));
    vec_push(&items, iv_cstr("storage")); /* the same text as a persistent id's tag */
    vec_push(&items, iv_cstr("x\xc3\xbcn\xc3\xaf \xe2\x82\xac"));
    vec_push(&items, iv_str("a\0b", 3));
    vec_push(&items, iv_device((Device){DEVICE_CPU, -1}));
    vec_push(&items, iv_device((Device){DEVICE_CUDA, 1}));
    vec_push(&items, iv_device((Device){DEVICE_CPU, -1})); /* memoised by its text */
    for (int n = 0; n <= 5; n++) {
        IValue el[5];
        for (int i = 0; i < n; i++) el[i] = iv_int(i * 1000);
        vec_push(&items, tuple_of(n, el));
    }
    IValue li[3] = {iv_int(1), iv_int(-7), iv_int(1 << 20)};
    vec_push(&items, list_of(ty_int(), 3, li));
    vec_push(&items, list_of(ty_int(), 0, NULL));
    IValue lf[2] = {iv_double(0.5), iv_double(-3.0)};
    vec_push(&items, list_of(ty_float(), 2, lf));
    IValue lb[2] = {iv_bool(true), iv_bool(false)};
    vec_push(&items, list_of(ty_bool(), 2, lb));
    IValue ls[2] = {iv_cstr("a"), iv_cstr("bc")};
    vec_push(&items, list_of(ty_str(), 2, ls));
    IValue inner[2] = {list_of(ty_int(), 3, (IValue[]){iv_int(1), iv_int(2), iv_int(3)}),
                       list_of(ty_int(), 1, (IValue[]){iv_int(4)})};
    vec_push(&items, list_of(ty_list(ty_int()), 2, inner));
    IValue lo[2] = {iv_none(), iv_int(3)};
    vec_push(&items, list_of(ty_optional(ty_int()), 2, lo));
    DictObj *d = dict_new(ty_str(), ty_float());
    dict_set_steal(d, iv_cstr("lr"), iv_double(0.1));
    dict_set_steal(d, iv_cstr("0"), iv_double(2.0));
    vec_push(&items, iv_dict_steal(d));
    vec_push(&items, iv_dict_steal(dict_new(ty_int(), ty_str())));

    /* tensors: a base, two views of it, and a 0-size tensor */
    int64_t sz[2] = {3, 4};
    Tensor *base = tensor_empty(ctx, DT_FLOAT32, sz, 2);
    for (int i = 0; i < 12; i++) ((float *)base->storage->data)[i] = (float)i * 0.5f - 1.0f;
    base->requires_grad = true;
    Tensor *slice = tensor_view(ctx, base->storage, DT_FLOAT32, 6, (int64_t[]){2, 2}, (int64_t[]){4, 1}, 2);
    Tensor *tr = tensor_view(ctx, base->storage, DT_FLOAT32, 0, (int64_t[]){4, 3}, (int64_t[]){1, 4}, 2);
    Tensor *empty = tensor_empty(ctx, DT_FLOAT32, (int64_t[]){0, 5}, 2);
    Tensor *scalar = tensor_scalar_i64(ctx, DT_INT64, -5);
    IValue lt[2] = {tensor_val(tensor_retain(base)), tensor_val(tensor_retain(tr))};
    vec_push(&items, tensor_val(base));
    vec_push(&items, tensor_val(slice));
    vec_push(&items, tensor_val(tr));
    vec_push(&items, tensor_val(empty));
    vec_push(&items, tensor_val(scalar));
    vec_push(&items, list_of(ty_tensor(), 2, lt));
#define X(E, code, sname, ctype, size, name, isf)                                   \
    {                                                                               \
        Tensor *t = tensor_empty(ctx, DT_##E, (int64_t[]){5}, 1);                   \
        for (size_t b = 0; b < t->storage->nbytes; b++)                             \
            ((uint8_t *)t->storage->data)[b] = (uint8_t)(b * 37 + code);            \
        if (DT_##E == DT_BOOL)                                                      \
            for (size_t b = 0; b < t->storage->nbytes; b++)                         \
                ((uint8_t *)t->storage->data)[b] &= 1;                              \
        vec_push(&items, tensor_val(t));                                            \
    }
#include "tensor/dtype.def"
#undef X

    /* an object with a shared submodule, and an enum */
    s.mod = classtype_new(CK_MODULE, "__torch__.a.b.Mod");
    classtype_add_attr(s.mod, "training", ty_bool(), false, false);
    classtype_add_attr(s.mod, "sub", ty_optional(ty_any()), false, false);
    classtype_add_attr(s.mod, "w", ty_tensor(), true, false);
    Object *leaf = object_new(s.mod);
    leaf->slots[0] = iv_bool(false);
    leaf->slots[2] = tensor_val(tensor_empty(ctx, DT_FLOAT64, (int64_t[]){2}, 1));
    Object *top = object_new(s.mod);
    top->slots[0] = iv_bool(true);
    top->slots[1] = iv_object_steal(leaf);
    top->slots[2] = iv_dup(items.data[items.len - 1]); /* shares the last dtype tensor */
    IValue topv = iv_object_steal(top);
    vec_push(&items, iv_dup(topv));
    vec_push(&items, topv); /* the same object twice: BINGET */
    s.color = classtype_new(CK_ENUM, "__torch__.Color");
    IValue red;
    red.kind = IV_ENUM;
    red.u.en = enum_new(s.color, "RED", iv_int(1));
    vec_push(&items, red);

    TupleObj *all = tuple_new(items.len);
    for (int i = 0; i < items.len; i++) all->items[i] = items.data[i];
    vec_free(&items);
    s.v = iv_tuple_steal(all);
    return s;
}

static void free_sample(Sample *s) {
    iv_release(s->v);
    classtype_free(s->mod);
    classtype_free(s->color);
}

static void test_pickle_round_trip(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    Sample s = make_sample(&ctx);
    uint8_t *buf = NULL;
    size_t n = 0;
    PickleDump d;
    assert_int_equal(dump_to_zip(&ctx, s.v, NULL, NULL, &buf, &n, &d), TS_OK);
    assert_memory_equal(d.data, "\x80\x02", 2);
    assert_int_equal(d.data[d.len - 1], '.');
    /* storages: the shared float one, the 0-size one, the int64 scalar, one
     * per dtype, the object's float64 one; in first-seen order */
    assert_int_equal(d.nstorages, 3 + 10 + 1);
    assert_int_equal(d.storages[0].numel, 12);
    assert_int_equal(d.storages[1].numel, 0);
    IValue back = load_from_zip(&ctx, buf, n);
    expect_same(s.v, back);

    /* sharing survives: the views alias the base's storage, the list holds
     * the base itself, the object appears twice as one value */
    TupleObj *bt = back.u.tup;
    int first_tensor = -1;
    for (int64_t i = 0; i < bt->len && first_tensor < 0; i++)
        if (bt->items[i].kind == IV_TENSOR) first_tensor = (int)i;
    Tensor *b0 = bt->items[first_tensor].u.t;
    assert_ptr_equal(bt->items[first_tensor + 1].u.t->storage, b0->storage);
    assert_ptr_equal(bt->items[first_tensor + 2].u.t->storage, b0->storage);
    assert_ptr_equal(bt->items[first_tensor + 5].u.l->items[0].u.t, b0);
    assert_ptr_equal(bt->items[bt->len - 2].u.h, bt->items[bt->len - 3].u.h);

    /* the value read back pickles to the same bytes */
    PickleDump d2;
    assert_int_equal(pickle_dump(&ctx, back, NULL, NULL, "t2", &d2), TS_OK);
    (void)d2;
    pickle_dump_free(&d2);
    PickleDump d3;
    assert_int_equal(pickle_dump(&ctx, s.v, NULL, NULL, "t3", &d3), TS_OK);
    assert_int_equal(d3.len, d.len);
    assert_memory_equal(d3.data, d.data, d.len);
    pickle_dump_free(&d3);

    iv_release(back);
    pickle_dump_free(&d);
    free(buf);
    free_sample(&s);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

/* The exact bytes PyTorch writes for small values (reference §2). */
static void expect_bytes(Ctx *ctx, IValue v, const char *want, size_t n) {
    PickleDump d;
    assert_int_equal(pickle_dump(ctx, v, NULL, NULL, "t", &d), TS_OK);
    assert_int_equal(d.len, n);
    assert_memory_equal(d.data, want, n);
    pickle_dump_free(&d);
    iv_release(v);
}

static void test_pickle_encodings(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    expect_bytes(&ctx, tuple_of(0, NULL), "\x80\x02).", 4); /* an empty constants.pkl */
    expect_bytes(&ctx, iv_int(255), "\x80\x02K\xff.", 5);
    expect_bytes(&ctx, iv_int(256), "\x80\x02M\x00\x01.", 6);
    expect_bytes(&ctx, iv_int(-1), "\x80\x02J\xff\xff\xff\xff.", 8);
    expect_bytes(&ctx, iv_int((int64_t)1 << 40), "\x80\x02\x8a\x08\x00\x00\x00\x00\x00\x01\x00\x00.", 13);
    expect_bytes(&ctx, iv_double(1.0), "\x80\x02G\x3f\xf0\x00\x00\x00\x00\x00\x00.", 12);
    expect_bytes(&ctx, iv_cstr("ab"), "\x80\x02X\x02\x00\x00\x00" "abq\x00.", 12);
    IValue two[2] = {iv_cstr("ab"), iv_cstr("ab")};
    expect_bytes(&ctx, tuple_of(2, two), "\x80\x02X\x02\x00\x00\x00" "abq\x00h\x00\x86q\x01.", 17);
    expect_bytes(&ctx, list_of(ty_int(), 0, NULL),
                 "\x80\x02\x63torch.jit._pickle\nbuild_intlist\nq\x00(](etRq\x01.", 46);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_pickle_refusals(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    PickleDump d;
    /* a list holding itself */
    ListObj *l = list_new(ty_any(), 1);
    IValue lv = iv_list_steal(l);
    list_push_steal(l, iv_dup(lv));
    assert_int_equal(pickle_dump(&ctx, lv, NULL, NULL, "cyc.pkl", &d), TS_ERR_UNSUPPORTED);
    assert_non_null(strstr(sb_cstr(&ctx.msg), "cyc.pkl: a List[Any] contains itself"));
    assert_null(d.data);
    IValue self = l->items[0];
    l->len = 0;
    iv_release(self);
    iv_release(lv);
    /* too deep */
    IValue v = iv_int(0);
    for (int i = 0; i < PICKLE_WRITE_MAX_DEPTH + 1; i++) v = list_of(ty_any(), 1, &v);
    assert_int_equal(pickle_dump(&ctx, v, NULL, NULL, "deep.pkl", &d), TS_ERR_UNSUPPORTED);
    assert_non_null(strstr(sb_cstr(&ctx.msg), "nested more than"));
    iv_release(v);
    /* a function value */
    IValue f;
    f.kind = IV_FUNC;
    f.u.fn = func_new(NULL);
    assert_int_equal(pickle_dump(&ctx, f, NULL, NULL, "fn.pkl", &d), TS_ERR_UNSUPPORTED);
    iv_release(f);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_pickle_oom(void **state) {
    (void)state;
    long tries = 0, failed = 0;
    for (long n = 1;; n++) {
        long live = ts_alloc_live();
        Ctx ctx;
        tctx_init(&ctx);
        Sample s = make_sample(&ctx);
        PickleDump d;
        ts_alloc_fail_at(n);
        ts_status st = pickle_dump(&ctx, s.v, NULL, NULL, "oom.pkl", &d);
        bool untouched = ts_alloc_fail_at_pending();
        ts_alloc_fail_at(0);
        ts_alloc_clear_over_limit();
        assert_true(st == TS_OK || st == TS_ERR_NOMEM);
        if (st == TS_ERR_NOMEM) {
            assert_non_null(strstr(sb_cstr(&ctx.msg), "out of memory"));
            assert_null(d.data);
            failed++;
        }
        pickle_dump_free(&d);
        free_sample(&s);
        tctx_free(&ctx);
        assert_int_equal(ts_alloc_live(), live);
        tries++;
        if (untouched) break;
    }
    assert_true(failed > 20);
}

/* ---- whole archives ---- */

static const char *example(char *buf, size_t cap, const char *name) {
    snprintf(buf, cap, "%s/examples/%s", TS_SOURCE_DIR, name);
    return buf;
}

static const char *const EXAMPLES[] = {"mlp.pt", "conditional.pt", "looping.pt", "looping_traced.pt",
                                       "simple_linear.pt"};

static char tmpdir[256];

static int setup_dir(void **state) {
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ts_zip_write_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state) {
    (void)state;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char p[600];
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') {
                snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    rmdir(tmpdir);
    return 0;
}

static int count_files(void) {
    DIR *d = opendir(tmpdir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void test_archive_save_reload(void **state) {
    (void)state;
    long live = ts_alloc_live();
    for (size_t i = 0; i < TS_ARRAY_LEN(EXAMPLES); i++) {
        Ctx ctx;
        tctx_init(&ctx);
        char src[512], out[600], out2[600];
        Module *m, *m2;
        assert_int_equal(archive_load(&ctx, example(src, sizeof src, EXAMPLES[i]), &m), TS_OK);
        snprintf(out, sizeof out, "%s/%s", tmpdir, EXAMPLES[i]);
        ts_status st = archive_save(&ctx, m, out);
        if (st != TS_OK) fprintf(stderr, "%s", sb_cstr(&ctx.msg));
        assert_int_equal(st, TS_OK);
        assert_int_equal(archive_load(&ctx, out, &m2), TS_OK);
        /* the module trees hold the same values */
        expect_same_objects(m->root, m2->root);
        /* saving the reloaded module gives the same bytes */
        snprintf(out2, sizeof out2, "%s/again", tmpdir);
        assert_int_equal(mkdir(out2, 0700), 0);
        snprintf(out2, sizeof out2, "%s/again/%s", tmpdir, EXAMPLES[i]);
        assert_int_equal(archive_save(&ctx, m2, out2), TS_OK);
        size_t n1, n2;
        uint8_t *b1 = slurp_path(out, &n1), *b2 = slurp_path(out2, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(b1, b2, n1);
        free(b1);
        free(b2);
        unlink(out2);
        snprintf(out2, sizeof out2, "%s/again", tmpdir);
        rmdir(out2);
        module_release(m2);
        module_release(m);
        unlink(out);
        tctx_free(&ctx);
    }
    assert_int_equal(count_files(), 0);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_archive_save_errors(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    char src[512], out[600];
    Module *m;
    assert_int_equal(archive_load(&ctx, example(src, sizeof src, "mlp.pt"), &m), TS_OK);
    snprintf(out, sizeof out, "%s/no/such/dir/x.pt", tmpdir);
    assert_int_equal(archive_save(&ctx, m, out), TS_ERR_IO);
    assert_non_null(strstr(sb_cstr(&ctx.msg), out));
    assert_non_null(strstr(sb_cstr(&ctx.msg), "No such file or directory"));
    assert_int_equal(archive_save(&ctx, m, tmpdir), TS_ERR_IO);
    assert_non_null(strstr(sb_cstr(&ctx.msg), "is a directory"));
    /* disk full: /dev/full takes the temp file's place only as a target dir,
     * so write through a writer on it directly */
    FILE *f = fopen("/dev/full", "wb");
    if (f) {
        ZipWriter *w;
        assert_int_equal(zipw_new(&ctx, "full.pt", f, "full", 0, &w), TS_OK);
        ts_status st = archive_write(&ctx, m, "full.pt", w);
        if (st == TS_OK) st = zipw_finish(w);
        assert_int_equal(st, TS_ERR_IO);
        assert_non_null(strstr(sb_cstr(&ctx.msg), "full.pt: cannot write: No space left on device"));
        zipw_free(w);
        fclose(f);
    }
    m->inspect_only = true;
    snprintf(out, sizeof out, "%s/x.pt", tmpdir);
    assert_int_equal(archive_save(&ctx, m, out), TS_ERR_ARG);
    m->inspect_only = false;
    module_release(m);
    assert_int_equal(count_files(), 0);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_archive_prefix(void **state) {
    (void)state;
    char b[64];
    archive_prefix_for("/a/b/model.pt", b, sizeof b);
    assert_string_equal(b, "model");
    archive_prefix_for("my.model.v1.pt", b, sizeof b);
    assert_string_equal(b, "my.model.v1");
    archive_prefix_for("noext", b, sizeof b);
    assert_string_equal(b, "noext");
    archive_prefix_for("dir/.pt", b, sizeof b);
    assert_string_equal(b, "archive");
}

static void test_archive_save_oom(void **state) {
    (void)state;
    char src[512], out[600];
    snprintf(out, sizeof out, "%s/oom.pt", tmpdir);
    long tries = 0;
    for (long n = 1;; n++) {
        long live = ts_alloc_live();
        Ctx ctx;
        tctx_init(&ctx);
        Module *m;
        assert_int_equal(archive_load(&ctx, example(src, sizeof src, "conditional.pt"), &m), TS_OK);
        ts_alloc_fail_at(n);
        ts_status st = archive_save(&ctx, m, out);
        bool untouched = ts_alloc_fail_at_pending();
        ts_alloc_fail_at(0);
        ts_alloc_clear_over_limit();
        assert_true(st == TS_OK || st == TS_ERR_NOMEM);
        /* a failure leaves nothing; a success the one file */
        assert_int_equal(count_files(), st == TS_OK ? 1 : 0);
        unlink(out);
        module_release(m);
        tctx_free(&ctx);
        assert_int_equal(ts_alloc_live(), live);
        tries++;
        if (untouched) break;
    }
    assert_true(tries > 20);
}

int main(void) {
    /* the op registry is process-wide and lives forever: make it first */
    {
        Ctx ctx;
        tctx_init(&ctx);
        char src[512];
        Module *m;
        if (archive_load(&ctx, example(src, sizeof src, "mlp.pt"), &m) == TS_OK) module_release(m);
        tctx_free(&ctx);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zip_read_back),
        cmocka_unit_test(test_zip64_read_back),
        cmocka_unit_test(test_zip_deterministic),
        cmocka_unit_test(test_zip_errors),
        cmocka_unit_test(test_zip_oom),
        cmocka_unit_test(test_pickle_round_trip),
        cmocka_unit_test(test_pickle_encodings),
        cmocka_unit_test(test_pickle_refusals),
        cmocka_unit_test(test_pickle_oom),
        cmocka_unit_test(test_archive_prefix),
        cmocka_unit_test_setup_teardown(test_archive_save_reload, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_archive_save_errors, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_archive_save_oom, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
