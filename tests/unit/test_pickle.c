/*
 * test_pickle.c - the unpickler on the data.pkl of real PyTorch archives
 * (a traced Linear, views sharing a storage, every common dtype, typed
 * containers), on all-deflated and unaligned archives, and on hostile input:
 * hand-written bad pickles, every truncation and thousands of mutations of
 * real pickles and archives, and the fuzzers' regression files. Every test
 * ends with no live tscript allocations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "serialize/pickle.h"
#include "serialize/zip.h"
#include "serialize_util.h"

/* ---- hooks ---- */

typedef struct Loader {
    Ctx *ctx;
    ZipArchive *z; /* NULL: storages are made up (zeros, then 0,1,2... as bytes) */
    int storage_calls;
} Loader;

static ts_status hook_storage(void *ud, const char *key, DType dt, int64_t numel, Storage **out) {
    Loader *L = ud;
    L->storage_calls++;
    if (L->z) return pickle_storage_from_zip(L->ctx, L->z, "data", key, dt, numel, out);
    if (numel > (1 << 20)) return ts_fail(L->ctx, TS_ERR_VALUE, NULL, "test storage too large");
    *out = storage_new((size_t)numel * dtype_size(dt));
    for (size_t i = 0; i < (*out)->nbytes; i++) ((uint8_t *)(*out)->data)[i] = (uint8_t)i;
    return TS_OK;
}

/* An object comes back as the tuple ("module.name", state). */
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

static const PickleHooks HOOKS = {.build_class = hook_class, .load_storage = hook_storage};

/* Load name's data.pkl through the archive. */
static ts_status load_archive(Ctx *ctx, const char *name, ZipArchive **zout, IValue *out) {
    char path[1024];
    ZipArchive *z;
    TS_TRY(zip_open(ctx, data_path(path, sizeof path, name), &z));
    const ZipEntry *e;
    ZipData d;
    ts_status st = zip_require(ctx, z, "data.pkl", &e);
    if (st == TS_OK) st = zip_read(ctx, z, e, 0, &d);
    if (st == TS_OK) {
        Loader L = {ctx, z, 0};
        st = pickle_load(ctx, d.data, d.size, "test:data.pkl", &HOOKS, &L, out);
        zip_data_free(&d);
    }
    if (st != TS_OK) fprintf(stderr, "%s", sb_cstr(&ctx->msg));
    if (zout && st == TS_OK) *zout = z;
    else zip_release(z);
    return st;
}

/* The state dict of a hook-built object, checking its class. */
static DictObj *object_state(IValue v, const char *qualname) {
    assert_int_equal(v.kind, IV_TUPLE);
    assert_int_equal(v.u.tup->len, 2);
    assert_string_equal(v.u.tup->items[0].u.s->data, qualname);
    assert_int_equal(v.u.tup->items[1].kind, IV_DICT);
    return v.u.tup->items[1].u.dict;
}

static IValue attr(DictObj *d, const char *name) {
    IValue k = iv_cstr(name);
    IValue *v = dict_find(d, k);
    iv_release(k);
    if (!v) fail_msg("no attribute '%s'", name);
    return *v;
}

static Tensor *tensor_attr(DictObj *d, const char *name, DType dt, int ndim) {
    IValue v = attr(d, name);
    assert_int_equal(v.kind, IV_TENSOR);
    assert_int_equal(v.u.t->dtype, dt);
    assert_int_equal(v.u.t->ndim, ndim);
    return v.u.t;
}

/* ---- real archives ---- */

static const float LINEAR_W[6] = {0.5f, -1.0f, 2.0f, 0.25f, 3.0f, -0.125f};

static void test_linear(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    IValue root;
    ZipArchive *z;
    assert_int_equal(load_archive(&ctx, "linear.pt", &z, &root), TS_OK);
    DictObj *s = object_state(root, "__torch__.torch.nn.modules.linear.Linear");
    Tensor *w = tensor_attr(s, "weight", DT_FLOAT32, 2);
    assert_int_equal(w->sizes[0], 2);
    assert_int_equal(w->sizes[1], 3);
    assert_int_equal(w->strides[0], 3);
    assert_int_equal(w->strides[1], 1);
    assert_true(w->requires_grad);
    assert_memory_equal(tensor_data(w), LINEAR_W, sizeof LINEAR_W);
    /* Borrowed in place from the mapping, which the storage keeps alive. */
    const ZipEntry *e = zip_find(z, "data/0");
    ZipData d;
    assert_int_equal(zip_read(&ctx, z, e, 0, &d), TS_OK);
    assert_ptr_equal(w->storage->data, d.data);
    assert_true(w->storage->owner_release == zip_release_owner);
    zip_release(z); /* the storages still hold it */
    Tensor *b = tensor_attr(s, "bias", DT_FLOAT32, 1);
    assert_int_equal(b->sizes[0], 2);
    assert_true(((float *)tensor_data(b))[0] == 1.0f && ((float *)tensor_data(b))[1] == -2.0f);
    assert_int_equal(attr(s, "training").kind, IV_BOOL);
    assert_true(attr(s, "training").u.b);
    assert_int_equal(attr(s, "_is_full_backward_hook").kind, IV_NONE);
    iv_release(root); /* last storage releases the archive */
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_views_share_storage(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    char path[1024];
    ZipArchive *z;
    assert_int_equal(zip_open(&ctx, data_path(path, sizeof path, "views.pt"), &z), TS_OK);
    const ZipEntry *e;
    ZipData d;
    assert_int_equal(zip_require(&ctx, z, "data.pkl", &e), TS_OK);
    assert_int_equal(zip_read(&ctx, z, e, 0, &d), TS_OK);
    Loader L = {&ctx, z, 0};
    IValue root;
    assert_int_equal(pickle_load(&ctx, d.data, d.size, "views.pt:data.pkl", &HOOKS, &L, &root), TS_OK);
    assert_int_equal(L.storage_calls, 1); /* BINGET of the memoised storage */
    zip_data_free(&d);
    zip_release(z);
    DictObj *s = object_state(root, "__torch__.Views");
    Tensor *b = tensor_attr(s, "b", DT_FLOAT32, 2), *c = tensor_attr(s, "c", DT_FLOAT32, 2);
    assert_ptr_equal(b->storage, c->storage);
    assert_int_equal(b->storage->nbytes, 48);
    assert_int_equal(b->storage_offset, 6);
    assert_true(b->sizes[0] == 2 && b->sizes[1] == 2 && b->strides[0] == 4 && b->strides[1] == 1);
    assert_int_equal(c->storage_offset, 0);
    assert_true(c->sizes[0] == 4 && c->sizes[1] == 3 && c->strides[0] == 1 && c->strides[1] == 4);
    assert_false(b->requires_grad);
    const float *base = b->storage->data;
    for (int i = 0; i < 12; i++) assert_true(base[i] == (float)i);
    /* c = base.t(): c[i][j] = base[j][i] */
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            assert_true(base[c->storage_offset + i * c->strides[0] + j * c->strides[1]] == (float)(j * 4 + i));
    iv_release(root);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_dtypes(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    IValue root;
    assert_int_equal(load_archive(&ctx, "dtypes.pt", NULL, &root), TS_OK);
    DictObj *s = object_state(root, "__torch__.DTypes");
    const float f32[2] = {1.5f, -2.25f};
    const double f64[2] = {3.125, -1e300};
    const int64_t i64[2] = {(int64_t)1 << 40, -7};
    const int32_t i32[3] = {1, -2, 3};
    const bool b8[3] = {true, false, true};
    assert_memory_equal(tensor_data(tensor_attr(s, "f32", DT_FLOAT32, 1)), f32, sizeof f32);
    assert_memory_equal(tensor_data(tensor_attr(s, "f64", DT_FLOAT64, 1)), f64, sizeof f64);
    assert_memory_equal(tensor_data(tensor_attr(s, "i64", DT_INT64, 1)), i64, sizeof i64);
    Tensor *t = tensor_attr(s, "i32", DT_INT32, 2);
    assert_true(t->sizes[0] == 1 && t->sizes[1] == 3);
    assert_memory_equal(tensor_data(t), i32, sizeof i32);
    assert_memory_equal(tensor_data(tensor_attr(s, "b8", DT_BOOL, 1)), b8, sizeof b8);
    t = tensor_attr(s, "s0", DT_INT64, 0);
    assert_int_equal(*(int64_t *)tensor_data(t), 42);
    iv_release(root);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_containers(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    IValue root;
    assert_int_equal(load_archive(&ctx, "containers.pt", NULL, &root), TS_OK);
    DictObj *s = object_state(root, "__torch__.Containers");

    IValue li = attr(s, "li");
    assert_int_equal(li.kind, IV_LIST);
    assert_ptr_equal(li.u.l->elem, ty_int());
    const int64_t want_li[5] = {1, -2, 300, 70000, -((int64_t)1 << 40)};
    assert_int_equal(li.u.l->len, 5);
    for (int i = 0; i < 5; i++) assert_int_equal(li.u.l->items[i].u.i, want_li[i]);

    IValue ls = attr(s, "ls");
    assert_ptr_equal(ls.u.l->elem, ty_str());
    assert_int_equal(ls.u.l->len, 2);
    assert_string_equal(ls.u.l->items[1].u.s->data, "bc");

    IValue lf = attr(s, "lf");
    assert_ptr_equal(lf.u.l->elem, ty_float());
    assert_true(lf.u.l->items[0].u.d == 0.5 && lf.u.l->items[1].u.d == -1.25);

    IValue ll = attr(s, "ll");
    assert_ptr_equal(ll.u.l->elem, ty_list(ty_int()));
    assert_int_equal(ll.u.l->len, 2);
    assert_ptr_equal(ll.u.l->items[0].u.l->elem, ty_int());
    assert_int_equal(ll.u.l->items[1].u.l->items[0].u.i, 3);

    IValue d = attr(s, "d");
    assert_int_equal(d.kind, IV_DICT);
    assert_ptr_equal(d.u.dict->key_type, ty_str());
    assert_ptr_equal(d.u.dict->value_type, ty_float());
    assert_true(attr(d.u.dict, "x").u.d == 1.5 && attr(d.u.dict, "y").u.d == -2.0);
    assert_string_equal(d.u.dict->entries[0].key.u.s->data, "x"); /* insertion order */

    IValue di = attr(s, "di");
    assert_ptr_equal(di.u.dict->key_type, ty_int());
    assert_ptr_equal(di.u.dict->value_type, ty_list(ty_str()));
    IValue *q = dict_find(di.u.dict, iv_int(7));
    assert_non_null(q);
    assert_ptr_equal(q->u.l->elem, ty_str());
    assert_string_equal(q->u.l->items[0].u.s->data, "q");

    IValue t = attr(s, "t");
    assert_int_equal(t.kind, IV_TUPLE);
    assert_int_equal(t.u.tup->len, 3);
    assert_int_equal(t.u.tup->items[0].u.i, 5);
    assert_string_equal(t.u.tup->items[1].u.s->data, "five");
    assert_true(t.u.tup->items[2].kind == IV_BOOL && t.u.tup->items[2].u.b);
    iv_release(root);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

/* Deflated records are borrowed from the archive (inflated once); unaligned stored ones are copied. */
static void test_storage_placement(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    IValue root;
    assert_int_equal(load_archive(&ctx, "linear_deflated.zip", NULL, &root), TS_OK);
    Tensor *w = tensor_attr(object_state(root, "__torch__.torch.nn.modules.linear.Linear"), "weight",
                            DT_FLOAT32, 2);
    assert_memory_equal(tensor_data(w), LINEAR_W, sizeof LINEAR_W);
    assert_true(w->storage->owner_release == zip_release_owner);
    iv_release(root);

    /* Python's zipfile does not pad: data/0 starts at 30 + strlen(name). */
    assert_int_equal(load_archive(&ctx, "linear_zip64.zip", NULL, &root), TS_OK);
    w = tensor_attr(object_state(root, "__torch__.torch.nn.modules.linear.Linear"), "weight", DT_FLOAT32, 2);
    assert_memory_equal(tensor_data(w), LINEAR_W, sizeof LINEAR_W);
    iv_release(root);

    /* A stored record at an odd offset is copied into an owned storage. */
    size_t pn;
    uint8_t *pkl = NULL;
    {
        char path[1024];
        ZipArchive *z;
        assert_int_equal(zip_open(&ctx, data_path(path, sizeof path, "linear.pt"), &z), TS_OK);
        ZipData d;
        assert_int_equal(zip_read(&ctx, z, zip_find(z, "data.pkl"), 0, &d), TS_OK);
        pn = d.size;
        pkl = malloc(pn);
        memcpy(pkl, d.data, pn);
        zip_data_free(&d);
        zip_release(z);
    }
    static const float bias[2] = {1.0f, -2.0f};
    TZipEntry es[3] = {{.name = "m/data/0", .data = LINEAR_W, .size = sizeof LINEAR_W},
                       {.name = "m/data/1x", .data = bias, .size = sizeof bias},
                       {.name = "m/data.pkl", .data = pkl, .size = pn}};
    es[1].name = "m/data/1";
    size_t zn;
    uint8_t *zb = tzip_build(es, 3, &zn);
    uint8_t *odd = malloc(zn + 1);
    memcpy(odd + 1, zb, zn); /* shift everything by one byte */
    ZipArchive *z;
    assert_int_equal(zip_open_memory(&ctx, "odd.zip", odd + 1, zn, NULL, NULL, &z), TS_OK);
    ZipData d;
    assert_int_equal(zip_read(&ctx, z, zip_find(z, "data.pkl"), 0, &d), TS_OK);
    Loader L = {&ctx, z, 0};
    assert_int_equal(pickle_load(&ctx, d.data, d.size, "odd.zip:data.pkl", &HOOKS, &L, &root), TS_OK);
    w = tensor_attr(object_state(root, "__torch__.torch.nn.modules.linear.Linear"), "weight", DT_FLOAT32, 2);
    assert_memory_equal(tensor_data(w), LINEAR_W, sizeof LINEAR_W);
    assert_null(w->storage->owner_release);
    iv_release(root);

    /* A record shorter than its storage: data/1 has 8 bytes, needs 8; make it 4. */
    zip_release(z);
    free(zb);
    es[1].size = 4;
    zb = tzip_build(es, 3, &zn);
    assert_int_equal(zip_open_memory(&ctx, "short.zip", zb, zn, NULL, NULL, &z), TS_OK);
    L.z = z;
    assert_int_equal(pickle_load(&ctx, d.data, d.size, "short.zip:data.pkl", &HOOKS, &L, &root), TS_ERR_FORMAT);
    assert_string_equal(sb_cstr(&ctx.msg),
                        "short.zip: record 'data/1' has 4 bytes, but its storage needs 8 (2 x float32)\n");
    assert_int_equal(root.kind, IV_NONE);
    zip_release(z);
    free(zb);

    /* No such record. */
    es[1].name = "m/data/7";
    zb = tzip_build(es, 3, &zn);
    assert_int_equal(zip_open_memory(&ctx, "missing.zip", zb, zn, NULL, NULL, &z), TS_OK);
    L.z = z;
    assert_int_equal(pickle_load(&ctx, d.data, d.size, "missing.zip:data.pkl", &HOOKS, &L, &root), TS_ERR_FORMAT);
    assert_string_equal(sb_cstr(&ctx.msg), "missing.zip: archive has no 'data/1' record (a tensor storage)\n");
    zip_release(z);
    free(zb);

    zip_data_free(&d);
    free(odd);
    free(pkl);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

/* ---- hand-written pickles ---- */

static void pk(TBuf *b, const char *bytes, size_t n) { tb_put(b, bytes, n); }
#define PK(b, lit) pk((b), (lit), sizeof(lit) - 1)
static void pk_str(TBuf *b, const char *s) {
    PK(b, "X");
    tb_u32(b, (uint32_t)strlen(s));
    tb_put(b, s, strlen(s));
}
static void pk_int(TBuf *b, int64_t v) {
    if (v >= 0 && v < 256) {
        uint8_t x[2] = {'K', (uint8_t)v};
        tb_put(b, x, 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        PK(b, "J");
        tb_u32(b, (uint32_t)(int32_t)v);
    } else {
        PK(b, "\x8a\x08");
        tb_u32(b, (uint32_t)v);
        tb_u32(b, (uint32_t)((uint64_t)v >> 32));
    }
}
static void pk_global(TBuf *b, const char *mod, const char *name) {
    PK(b, "c");
    tb_put(b, mod, strlen(mod));
    PK(b, "\n");
    tb_put(b, name, strlen(name));
    PK(b, "\n");
}

/* A float32 tensor over a storage of numel elements; extra (may be NULL) is
 * appended as raw pickle ops for a 7th argument. */
static void pk_tensor(TBuf *b, int64_t numel, int64_t offset, const int64_t *sizes, const int64_t *strides,
                      int ndim, const char *extra, size_t extra_len) {
    pk_global(b, "torch._utils", "_rebuild_tensor_v2");
    PK(b, "((");
    pk_str(b, "storage");
    pk_global(b, "torch", "FloatStorage");
    pk_str(b, "0");
    pk_str(b, "cpu");
    pk_int(b, numel);
    PK(b, "tQ");
    pk_int(b, offset);
    PK(b, "(");
    for (int i = 0; i < ndim; i++) pk_int(b, sizes[i]);
    PK(b, "t(");
    for (int i = 0; i < ndim; i++) pk_int(b, strides[i]);
    PK(b, "t\x89");
    pk_global(b, "collections", "OrderedDict");
    PK(b, ")R");
    if (extra) tb_put(b, extra, extra_len);
    PK(b, "tR");
}

static ts_status run(Ctx *ctx, const uint8_t *p, size_t n, IValue *out) {
    Loader L = {ctx, NULL, 0};
    return pickle_load(ctx, p, n, "t.pkl", &HOOKS, &L, out);
}

/* The pickle must fail with st and exactly msg (or a message containing
 * it when msg starts with '~'). */
static void expect_fail(const void *p, size_t n, ts_status st, const char *msg) {
    Ctx ctx;
    tctx_init(&ctx);
    IValue v;
    ts_status got = run(&ctx, p, n, &v);
    const char *m = sb_cstr(&ctx.msg);
    bool ok = got == st && (msg[0] == '~' ? strstr(m, msg + 1) != NULL : strcmp(m, msg) == 0);
    if (!ok) fprintf(stderr, "expected %d '%s'\n     got %d '%s'\n", st, msg, got, m);
    assert_true(ok);
    assert_int_equal(v.kind, IV_NONE);
    tctx_free(&ctx);
}
#define FAIL(lit, st, msg) expect_fail(lit, sizeof(lit) - 1, st, msg)

/* ---- Python's pickler (torch.save files): the python_pickle mode ---- */

/* Unpickle with python_pickle set; the result's repr, or the failure. */
static ts_status run_py(Ctx *ctx, const void *p, size_t n, StrBuf *repr) {
    PickleHooks hooks = HOOKS;
    hooks.python_pickle = true;
    Loader L = {ctx, NULL, 0};
    IValue v;
    ts_status st = pickle_load(ctx, p, n, "t.pkl", &hooks, &L, &v);
    if (st == TS_OK) iv_repr(repr, v);
    iv_release(v);
    return st;
}

static void expect_py(const void *p, size_t n, const char *want_repr, ts_status want_st, const char *msg) {
    Ctx ctx;
    tctx_init(&ctx);
    StrBuf r;
    sb_init(&r);
    ts_status st = run_py(&ctx, p, n, &r);
    bool ok = st == want_st && (st == TS_OK ? strcmp(sb_cstr(&r), want_repr) == 0 : strstr(sb_cstr(&ctx.msg), msg) != NULL);
    if (!ok) fprintf(stderr, "expected %d '%s'\n     got %d '%s' '%s'\n", want_st, want_st == TS_OK ? want_repr : msg, st,
                     sb_cstr(&r), sb_cstr(&ctx.msg));
    assert_true(ok);
    sb_free(&r);
    tctx_free(&ctx);
}
#define PY_OK(lit, repr) expect_py(lit, sizeof(lit) - 1, repr, TS_OK, NULL)
#define PY_FAIL(lit, st, msg) expect_py(lit, sizeof(lit) - 1, NULL, st, msg)

static void test_python_pickle(void **state) {
    (void)state;
    long live = ts_alloc_live();
    /* containers memoised before they are filled, as Python writes them */
    PY_OK("\x80\x02}q\x00(X\x01\x00\x00\x00" "aK\x01X\x01\x00\x00\x00" "bK\x02u.", "{'a': 1, 'b': 2}");
    PY_OK("\x80\x02]q\x00(K\x01K\x02" "e.", "[1, 2]");
    PY_OK("\x80\x02]q\x00K\x07" "a.", "[7]"); /* APPEND */
    PY_OK("\x80\x02}q\x00X\x01\x00\x00\x00k]q\x01K\x03" "as.", "{'k': [3]}");
    /* a shared, filled list stays one value */
    PY_OK("\x80\x02]q\x00(]q\x01K\x01" "ah\x01" "e.", "[[1], [1]]");
    /* the C++ pickler never does this: still refused for TorchScript pickles */
    FAIL("\x80\x02]q\x00(K\x01" "e.", TS_ERR_FORMAT, "~the list is modified after it was memoised or shared");
    /* a list holding itself, a dict holding itself, two lists holding each other */
    PY_FAIL("\x80\x02]q\x00h\x00" "a.", TS_ERR_FORMAT, "the list is modified after it was memoised or shared");
    PY_FAIL("\x80\x02}q\x00K\x01h\x00s.", TS_ERR_FORMAT, "the dict is modified after it was memoised or shared");
    PY_FAIL("\x80\x02]q\x00(]q\x01h\x00" "ae.", TS_ERR_FORMAT, "modified after it was memoised or shared");
    /* LONG1: Python writes the shortest two's complement */
    PY_OK("\x80\x02\x8a\x00.", "0");
    PY_OK("\x80\x02\x8a\x01\xff.", "-1");
    PY_OK("\x80\x02\x8a\x02\x00\x80.", "-32768");
    PY_OK("\x80\x02\x8a\x06\x00\x00\x00\x00\x00\x01.", "1099511627776");
    PY_OK("\x80\x02\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f.", "9223372036854775807");
    PY_FAIL("\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.", TS_ERR_UNSUPPORTED, "does not fit in 64 bits");
    PY_FAIL("\x80\x02\x8a\x03\x00", TS_ERR_FORMAT, "truncated");
    /* OrderedDict() is a dict; BUILD sets its attributes (_metadata), dropped */
    PY_OK("\x80\x02" "ccollections\nOrderedDict\nq\x00)Rq\x01X\x01\x00\x00\x00xK\x05s}X\x09\x00\x00\x00_metadata}sb.",
          "{'x': 5}");
    PY_FAIL("\x80\x02" "ccollections\nOrderedDict\n)RK\x01" "b.", TS_ERR_FORMAT, "the state of a dict must be a dict");
    PY_FAIL("\x80\x02" "ccollections\nOrderedDict\nK\x01\x85R.", TS_ERR_FORMAT, "OrderedDict expects no arguments");
    /* no code, no objects */
    PY_FAIL("\x80\x02" "cos\nsystem\nX\x02\x00\x00\x00ls\x85R.", TS_ERR_FORMAT,
            "global os.system is not allowed: tscript loads tensors and containers");
    PY_FAIL("\x80\x02" "c__torch__\nFoo\n)\x81}b.", TS_ERR_FORMAT, "global __torch__.Foo is not allowed");
    PY_FAIL("\x80\x02" "ctorch._utils\n_rebuild_parameter\nK\x01\x85R.", TS_ERR_FORMAT,
            "_rebuild_parameter expects 3 arguments");
    FAIL("\x80\x02" "ctorch._utils\n_rebuild_parameter\n.", TS_ERR_FORMAT,
         "~global torch._utils._rebuild_parameter is not allowed in a TorchScript pickle");
    assert_int_equal(ts_alloc_live(), live);
}

static void test_bad_pickles(void **state) {
    (void)state;
    long live = ts_alloc_live();
    FAIL("\x80\x02]K\x01" "a.", TS_ERR_FORMAT, "t.pkl: byte 5: unsupported pickle opcode 0x61 ('a', APPEND)\n");
    FAIL("\x80\x02\x8c\x01x.", TS_ERR_FORMAT, "t.pkl: byte 2: unsupported pickle opcode 0x8c (SHORT_BINUNICODE)\n");
    FAIL("\x80\x02\xff.", TS_ERR_FORMAT, "t.pkl: byte 2: unsupported pickle opcode 0xff\n");
    FAIL("\x80\x03N.", TS_ERR_FORMAT,
         "t.pkl: PROTO at byte 0: unsupported pickle protocol 3 (only protocol 2 is supported)\n");
    FAIL("\x80\x02\x86.", TS_ERR_FORMAT, "t.pkl: TUPLE2 at byte 2: stack underflow (needs 2 items, has 0)\n");
    FAIL("\x80\x02N\x85R.", TS_ERR_FORMAT, "t.pkl: REDUCE at byte 4: stack underflow (needs 2 items, has 1)\n");
    FAIL("\x80\x02NN.", TS_ERR_FORMAT, "t.pkl: STOP at byte 4: expected 1 value on the stack, found 2\n");
    FAIL("\x80\x02.", TS_ERR_FORMAT, "t.pkl: STOP at byte 2: expected 1 value on the stack, found 0\n");
    FAIL("\x80\x02h\x07.", TS_ERR_FORMAT, "t.pkl: BINGET at byte 2: memo slot 7 is not set\n");
    FAIL("\x80\x02Nq\x00j\x01\x00\x00\x00.", TS_ERR_FORMAT, "t.pkl: LONG_BINGET at byte 5: memo slot 1 is not set\n");
    FAIL("\x80\x02Nr\xff\xff\xff\x00.", TS_ERR_FORMAT,
         "t.pkl: LONG_BINPUT at byte 3: memo id 16777215 is far beyond the 1 ids used so far\n");
    FAIL("\x80\x02q\x00.", TS_ERR_FORMAT, "t.pkl: BINPUT at byte 2: stack underflow (needs 1 item, has 0)\n");
    FAIL("\x80\x02\x8a\x06\x01\x02\x03\x04\x05\x06.", TS_ERR_FORMAT, "t.pkl: LONG1 at byte 2: expected length to be 8, got 6\n");
    FAIL("\x80\x02\x8a\x08\x01\x02", TS_ERR_FORMAT, "t.pkl: LONG1 at byte 2: truncated: needs 8 more bytes, 2 left\n");
    FAIL("\x80\x02X\xff\xff\xff\x7f" "abc.", TS_ERR_FORMAT,
         "t.pkl: BINUNICODE at byte 2: truncated: needs 2147483647 more bytes, 4 left\n");
    FAIL("\x80\x02N", TS_ERR_FORMAT, "t.pkl: truncated: the pickle ends at byte 3 without STOP\n");
    FAIL("", TS_ERR_FORMAT, "t.pkl: truncated: the pickle ends at byte 0 without STOP\n");
    FAIL("\x80\x02t.", TS_ERR_FORMAT, "t.pkl: TUPLE at byte 2: no MARK to close\n");
    FAIL("\x80\x02(N\x86t.", TS_ERR_FORMAT, "t.pkl: TUPLE2 at byte 4: stack underflow (needs 2 items, has 1)\n");
    FAIL("\x80\x02NN(\x86t.", TS_ERR_FORMAT, "t.pkl: TUPLE at byte 6: the stack shrank below its MARK\n");
    FAIL("\x80\x02(e.", TS_ERR_FORMAT, "t.pkl: APPENDS at byte 3: no list below the MARK\n");
    FAIL("\x80\x02N(e.", TS_ERR_FORMAT, "t.pkl: APPENDS at byte 4: expects a list below its items, found None\n");
    FAIL("\x80\x02}(Nu.", TS_ERR_FORMAT, "t.pkl: SETITEMS at byte 5: odd number of items (1) for key-value pairs\n");
    FAIL("\x80\x02}(]Nu.", TS_ERR_FORMAT, "t.pkl: SETITEMS at byte 6: a list cannot be a dict key\n");
    FAIL("\x80\x02(]Nd.", TS_ERR_FORMAT, "t.pkl: DICT at byte 5: a list cannot be a dict key\n");
    /* A list that would contain itself. */
    FAIL("\x80\x02]q\x00(h\x00" "e.", TS_ERR_FORMAT,
         "t.pkl: APPENDS at byte 8: the list is modified after it was memoised or shared\n");
    FAIL("\x80\x02}q\x00h\x00K\x01h\x00s.", TS_ERR_FORMAT,
         "t.pkl: SETITEM at byte 11: the dict is modified after it was memoised or shared\n");
    FAIL("\x80\x02" "cos\nsystem\n.", TS_ERR_FORMAT,
         "t.pkl: GLOBAL at byte 2: global os.system is not allowed in a TorchScript pickle\n");
    FAIL("\x80\x02" "cos\nsys", TS_ERR_FORMAT, "t.pkl: GLOBAL at byte 2: truncated: no end of line\n");
    FAIL("\x80\x02" "c__builtin__\neval\n.", TS_ERR_FORMAT, "~global __builtin__.eval is not allowed");
    FAIL("\x80\x02" "ctorch\nComplexFloatStorage\n.", TS_ERR_UNSUPPORTED,
         "t.pkl: GLOBAL at byte 2: tensors of dtype ComplexFloat (torch.ComplexFloatStorage) are not supported\n");
    FAIL("\x80\x02" "ctorch\nQInt8Storage\n.", TS_ERR_UNSUPPORTED, "~tensors of dtype QInt8");
    FAIL("\x80\x02" "ctorch\nper_tensor_affine\n.", TS_ERR_UNSUPPORTED, "~unsupported global torch.per_tensor_affine");
    FAIL("\x80\x02" "cbuiltins\ncomplex\n.", TS_ERR_UNSUPPORTED, "~complex numbers (builtins.complex) are not supported");
    FAIL("\x80\x02" "ctorch._utils\n_rebuild_qtensor\n.", TS_ERR_UNSUPPORTED, "~quantized tensors");
    FAIL("\x80\x02K\x01N\x85R.", TS_ERR_FORMAT, "t.pkl: REDUCE at byte 6: calls an int, not a global\n");
    FAIL("\x80\x02" "ctorch\nFloatStorage\n.", TS_ERR_FORMAT, "t.pkl: STOP at byte 22: a storage type cannot be the result\n");
    FAIL("\x80\x02](ctorch\nFloatStorage\n\x85" "e.", TS_ERR_FORMAT,
         "t.pkl: APPENDS at byte 25: a tuple of pickle internals cannot be a list element\n");
    FAIL("\x80\x02](ctorch\nFloatStorage\ne.", TS_ERR_FORMAT,
         "t.pkl: APPENDS at byte 24: a storage type cannot be a list element\n");
    /* Type tags. */
    FAIL("\x80\x02" "ctorch.jit._pickle\nbuild_intlist\n(](X\x01\x00\x00\x00" "aetR.", TS_ERR_FORMAT,
         "t.pkl: REDUCE at byte 46: build_intlist: the list does not conform to its type tag List[int]\n");
    FAIL("\x80\x02" "ctorch.jit._pickle\nbuild_intlist\n(](K\x01" "etR(X\x01\x00\x00\x00" "ae.", TS_ERR_FORMAT,
         "t.pkl: APPENDS at byte 50: a str cannot be an element of a list of type int\n");
    FAIL("\x80\x02" "ctorch.jit._pickle\nrestore_type_tag\n](K\x01" "eX\x09\x00\x00\x00List[str]\x86R.",
         TS_ERR_FORMAT, "~restore_type_tag: the list does not conform to its type tag List[str]");
    FAIL("\x80\x02" "ctorch.jit._pickle\nrestore_type_tag\n]X\x0e\x00\x00\x00" "Dict[str, int]\x86R.",
         TS_ERR_FORMAT, "~restore_type_tag: type 'Dict[str, int]' does not fit a list");
    FAIL("\x80\x02" "ctorch.jit._pickle\nrestore_type_tag\n]X\x0b\x00\x00\x00List[Foo.X]\x86R.",
         TS_ERR_UNSUPPORTED, "~'Foo.X' is not a built-in type");
    FAIL("\x80\x02" "ctorch.jit._pickle\nrestore_type_tag\n]X\x08\x00\x00\x00List[int\x86R.", TS_ERR_FORMAT,
         "t.pkl: REDUCE at byte 53: restore_type_tag: cannot parse type 'List[int': expected ']' at column 9\n");
    /* Retagging a tagged list differently. */
    FAIL("\x80\x02" "ctorch.jit._pickle\nbuild_intlist\nq\x00(](etRq\x01" "ctorch.jit._pickle\nbuild_doublelist\n"
         "(h\x01tR.",
         TS_ERR_FORMAT, "~build_doublelist: the list does not conform to its type tag List[float]");
    /* Classes without a resolver. */
    {
        Ctx ctx;
        tctx_init(&ctx);
        IValue v;
        static const char p[] = "\x80\x02" "c__torch__\nFoo\n)\x81}b.";
        assert_int_equal(pickle_load(&ctx, (const uint8_t *)p, sizeof p - 1, "t.pkl", NULL, NULL, &v),
                         TS_ERR_UNSUPPORTED);
        assert_string_equal(sb_cstr(&ctx.msg), "t.pkl: GLOBAL at byte 2: class __torch__.Foo needs a class resolver\n");
        tctx_free(&ctx);
    }
    /* Devices. */
    FAIL("\x80\x02" "ctorch\ndevice\nX\x03\x00\x00\x00xpu\x85R.", TS_ERR_UNSUPPORTED,
         "t.pkl: REDUCE at byte 25: unsupported device 'xpu'\n");
    FAIL("\x80\x02" "ctorch\ndevice\nX\x05\x00\x00\x00" "cuda:\x85R.", TS_ERR_FORMAT, "~bad device string 'cuda:'");
    FAIL("\x80\x02" "ctorch\ndevice\nX\x0b\x00\x00\x00" "cuda:999999\x85R.", TS_ERR_FORMAT, "~bad device string");
    assert_int_equal(ts_alloc_live(), live);
}

static void test_limits(void **state) {
    (void)state;
    long live = ts_alloc_live();
    TBuf b = {0};
    /* 100000 open MARKs */
    PK(&b, "\x80\x02");
    for (int i = 0; i < 100000; i++) PK(&b, "(");
    PK(&b, "N.");
    expect_fail(b.p, b.len, TS_ERR_FORMAT, "t.pkl: MARK at byte 514: more than 512 nested MARKs\n");
    /* tuples nested 100000 deep */
    b.len = 0;
    PK(&b, "\x80\x02N");
    for (int i = 0; i < 100000; i++) PK(&b, "\x85");
    PK(&b, ".");
    expect_fail(b.p, b.len, TS_ERR_FORMAT, "t.pkl: TUPLE1 at byte 515: values are nested more than 512 deep\n");
    /* lists nested by APPENDS, each under its own MARK: the MARK limit comes first */
    b.len = 0;
    PK(&b, "\x80\x02");
    for (int i = 0; i < 600; i++) PK(&b, "](");
    for (int i = 0; i < 600; i++) PK(&b, "e");
    PK(&b, ".");
    expect_fail(b.p, b.len, TS_ERR_FORMAT, "~more than 512 nested MARKs");
    /* Lists nested by APPENDS one level at a time, each new list taking the
     * previous one from the memo: only the depth limit stops it. */
    b.len = 0;
    PK(&b, "\x80\x02]");
    for (int i = 0; i < 600; i++) PK(&b, "q\x00](h\x00" "e");
    PK(&b, ".");
    expect_fail(b.p, b.len, TS_ERR_FORMAT, "t.pkl: APPENDS at byte 3586: values are nested more than 512 deep\n");
    /* A tuple of 30 x 60 ints shared 20000 times under a tag that walks it
     * each time: quadratic work, stopped by the check budget. */
    b.len = 0;
    StrBuf ty;
    sb_init(&ty);
    sb_puts(&ty, "List[Tuple[");
    for (int i = 0; i < 30; i++) {
        sb_puts(&ty, i ? ", Tuple[" : "Tuple[");
        for (int j = 0; j < 60; j++) sb_puts(&ty, j ? ", int" : "int");
        sb_puts(&ty, "]");
    }
    sb_puts(&ty, "]]");
    PK(&b, "\x80\x02" "ctorch.jit._pickle\nrestore_type_tag\n]((");
    for (int i = 0; i < 30; i++) {
        PK(&b, "(");
        for (int j = 0; j < 60; j++) PK(&b, "K\x01");
        PK(&b, "t");
    }
    PK(&b, "tq\x00");
    for (int i = 0; i < 20000; i++) PK(&b, "h\x00");
    PK(&b, "e");
    pk_str(&b, sb_cstr(&ty));
    PK(&b, "\x86R.");
    sb_free(&ty);
    expect_fail(b.p, b.len, TS_ERR_VALUE,
                "t.pkl: REDUCE at byte 52932: checking the type tags takes too long (values shared too often)\n");
    /* The same with 100 copies passes. */
    {
        TBuf ok = {0};
        size_t cut = 0;
        for (size_t i = 0; i + 2 < b.len; i++)
            if (b.p[i] == 'q' && b.p[i + 1] == 0 && b.p[i + 2] == 'h') {
                cut = i + 2;
                break;
            }
        tb_put(&ok, b.p, cut);
        for (int i = 0; i < 100; i++) PK(&ok, "h\x00");
        tb_put(&ok, b.p + cut + 2 * 20000, b.len - cut - 2 * 20000);
        Ctx ctx;
        tctx_init(&ctx);
        IValue v;
        assert_int_equal(run(&ctx, ok.p, ok.len, &v), TS_OK);
        assert_int_equal(v.u.l->len, 101);
        assert_int_equal(v.u.l->elem->kind, TK_TUPLE);
        iv_release(v);
        tctx_free(&ctx);
        free(ok.p);
    }
    /* dicts nested 600 deep through SETITEM */
    b.len = 0;
    PK(&b, "\x80\x02");
    for (int i = 0; i < 600; i++) PK(&b, "}K\x01");
    PK(&b, "N");
    for (int i = 0; i < 600; i++) PK(&b, "s");
    PK(&b, ".");
    expect_fail(b.p, b.len, TS_ERR_FORMAT, "~values are nested more than 512 deep");
    free(b.p);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_tensors(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    TBuf b = {0};
    IValue v;
    /* A 2x2 view at offset 2 with strides (1, 2) of a 6-element storage. */
    int64_t sizes[2] = {2, 2}, strides[2] = {1, 2};
    PK(&b, "\x80\x02");
    pk_tensor(&b, 6, 2, sizes, strides, 2, NULL, 0);
    PK(&b, ".");
    assert_int_equal(run(&ctx, b.p, b.len, &v), TS_OK);
    assert_int_equal(v.kind, IV_TENSOR);
    assert_int_equal(v.u.t->storage_offset, 2);
    assert_int_equal(v.u.t->strides[1], 2);
    assert_int_equal(v.u.t->storage->nbytes, 24);
    iv_release(v);

    /* Out of bounds: element 2 + 1*1 + 1*2 = 5 is the last of 6; offset 3 reaches 6. */
    b.len = 0;
    PK(&b, "\x80\x02");
    pk_tensor(&b, 6, 3, sizes, strides, 2, NULL, 0);
    PK(&b, ".");
    expect_fail(b.p, b.len, TS_ERR_FORMAT,
                "~REDUCE at byte 130: tensor view of size [2, 2], stride [1, 2] and offset 3 lies outside its storage of 6 float32 elements");
    int64_t big[1] = {INT64_MAX}, one[1] = {INT64_MAX};
    b.len = 0;
    PK(&b, "\x80\x02");
    pk_tensor(&b, 6, 0, big, one, 1, NULL, 0);
    PK(&b, ".");
    expect_fail(b.p, b.len, TS_ERR_FORMAT, "~lies outside its storage");
    int64_t neg[1] = {-1};
    b.len = 0;
    PK(&b, "\x80\x02");
    pk_tensor(&b, 6, 0, neg, one, 1, NULL, 0);
    PK(&b, ".");
    expect_fail(b.p, b.len, TS_ERR_FORMAT, "~tensor size -1 at dimension 0 is negative");
    b.len = 0;
    PK(&b, "\x80\x02");
    pk_tensor(&b, 6, -1, sizes, strides, 2, NULL, 0);
    PK(&b, ".");
    expect_fail(b.p, b.len, TS_ERR_FORMAT, "~tensor storage offset -1 is negative");
    /* Empty tensors address nothing. */
    int64_t zero[2] = {0, 5};
    b.len = 0;
    PK(&b, "\x80\x02");
    pk_tensor(&b, 0, 0, zero, strides, 2, NULL, 0);
    PK(&b, ".");
    assert_int_equal(run(&ctx, b.p, b.len, &v), TS_OK);
    iv_release(v);
    /* 17 dimensions */
    int64_t d17[17] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    b.len = 0;
    PK(&b, "\x80\x02");
    pk_tensor(&b, 1, 0, d17, d17, 17, NULL, 0);
    PK(&b, ".");
    expect_fail(b.p, b.len, TS_ERR_UNSUPPORTED, "~tensor has 17 dimensions; at most 16 are supported");
    /* The 7th argument: conj/neg metadata. */
    b.len = 0;
    PK(&b, "\x80\x02");
    static const char conj[] = "ctorch.jit._pickle\nrestore_type_tag\n}(X\x04\x00\x00\x00" "conj\x88uX\x0f\x00\x00\x00"
                               "Dict[str, bool]\x86R";
    pk_tensor(&b, 6, 0, sizes, strides, 2, conj, sizeof conj - 1);
    PK(&b, ".");
    expect_fail(b.p, b.len, TS_ERR_UNSUPPORTED, "~tensors with the lazy conj bit set are not supported");
    b.len = 0;
    PK(&b, "\x80\x02");
    static const char noneg[] = "}(X\x03\x00\x00\x00neg\x89u";
    pk_tensor(&b, 6, 0, sizes, strides, 2, noneg, sizeof noneg - 1);
    PK(&b, ".");
    assert_int_equal(run(&ctx, b.p, b.len, &v), TS_OK);
    iv_release(v);
    /* A storage shorter than its persistent id says. */
    b.len = 0;
    PK(&b, "\x80\x02((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpu");
    pk_int(&b, -1);
    PK(&b, "tQ.");
    expect_fail(b.p, b.len, TS_ERR_FORMAT, "~bad storage size -1 for storage '0'");
    b.len = 0;
    PK(&b, "\x80\x02((X\x07\x00\x00\x00storageK\x06X\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpuK\x01tQ.");
    expect_fail(b.p, b.len, TS_ERR_FORMAT, "~persistent id dtype must be a storage type, not an int");
    /* A storage item, memoised and fetched: both tensors share it. */
    b.len = 0;
    PK(&b, "\x80\x02");
    pk_tensor(&b, 6, 0, sizes, strides, 2, NULL, 0);
    PK(&b, "q\x00");
    /* second tensor over the storage memoised inside the first: rebuild from scratch via memo */
    PK(&b, "\x85.");
    assert_int_equal(run(&ctx, b.p, b.len, &v), TS_OK);
    assert_int_equal(v.kind, IV_TUPLE);
    iv_release(v);
    free(b.p);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_other_globals(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    IValue v;
    static const char dev[] = "\x80\x02" "ctorch\ndevice\nq\x00X\x06\x00\x00\x00" "cuda:1\x85Rh\x00X\x03\x00\x00\x00" "cpu\x85R\x86.";
    assert_int_equal(run(&ctx, (const uint8_t *)dev, sizeof dev - 1, &v), TS_OK);
    assert_int_equal(v.u.tup->items[0].kind, IV_DEVICE);
    assert_int_equal(v.u.tup->items[0].u.dev.type, DEVICE_CUDA);
    assert_int_equal(v.u.tup->items[0].u.dev.index, 1);
    assert_int_equal(v.u.tup->items[1].u.dev.type, DEVICE_CPU);
    assert_int_equal(v.u.tup->items[1].u.dev.index, -1);
    iv_release(v);

    static const char od[] = "\x80\x02" "ccollections\nOrderedDict\n)R.";
    assert_int_equal(run(&ctx, (const uint8_t *)od, sizeof od - 1, &v), TS_OK);
    assert_int_equal(v.kind, IV_NONE);

    /* LIST, DICT and SETITEM, which PyTorch's reader accepts. */
    static const char ld[] = "\x80\x02(K\x01K\x02l(X\x01\x00\x00\x00" "aK\x03" "d}X\x01\x00\x00\x00" "bG\x3f\xf8\x00\x00\x00\x00\x00\x00s\x87.";
    assert_int_equal(run(&ctx, (const uint8_t *)ld, sizeof ld - 1, &v), TS_OK);
    IValue l = v.u.tup->items[0], d = v.u.tup->items[1], d2 = v.u.tup->items[2];
    assert_int_equal(l.u.l->len, 2);
    assert_int_equal(l.u.l->items[1].u.i, 2);
    assert_int_equal(d.u.dict->len, 1);
    assert_int_equal(d.u.dict->entries[0].value.u.i, 3);
    assert_true(d2.u.dict->entries[0].value.u.d == 1.5);
    iv_release(v);

    /* Ints and floats: sign, width, big-endian floats with exact bits. */
    static const char nums[] = "(K\xffM\xff\xffJ\xff\xff\xff\xff\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80"
                               "G\x7f\xf0\x00\x00\x00\x00\x00\x00G\x80\x00\x00\x00\x00\x00\x00\x00\x88\x89Nt.";
    assert_int_equal(run(&ctx, (const uint8_t *)nums, sizeof nums - 1, &v), TS_OK);
    TupleObj *t = v.u.tup;
    assert_int_equal(t->items[0].u.i, 255);
    assert_int_equal(t->items[1].u.i, 65535);
    assert_int_equal(t->items[2].u.i, -1);
    assert_true(t->items[3].u.i == INT64_MIN);
    assert_true(t->items[4].u.d > 1e308);
    assert_true(t->items[5].u.d == 0.0 && __builtin_signbit(t->items[5].u.d));
    assert_true(t->items[6].u.b && !t->items[7].u.b && t->items[8].kind == IV_NONE);
    iv_release(v);

    /* The fallback type parser. */
    Type *ty;
    assert_int_equal(pickle_parse_type(&ctx, "Dict[str, List[Optional[Tensor]]]", &ty), TS_OK);
    assert_ptr_equal(ty, ty_dict(ty_str(), ty_list(ty_optional(ty_tensor()))));
    assert_int_equal(pickle_parse_type(&ctx, "Tuple[()]", &ty), TS_OK);
    assert_int_equal(ty->kind, TK_TUPLE);
    assert_int_equal(ty->n, 0);
    assert_int_equal(pickle_parse_type(&ctx, "Tuple[int, float, str]", &ty), TS_OK);
    assert_int_equal(ty->n, 3);
    assert_int_equal(pickle_parse_type(&ctx, "List[int] x", &ty), TS_ERR_FORMAT);
    assert_int_equal(pickle_parse_type(&ctx, "Dict[int]", &ty), TS_ERR_FORMAT);
    assert_int_equal(pickle_parse_type(&ctx, "", &ty), TS_ERR_FORMAT);
    char deep[400] = "";
    for (int i = 0; i < 70; i++) strcat(deep, "List[");
    assert_int_equal(pickle_parse_type(&ctx, deep, &ty), TS_ERR_FORMAT);
    assert_non_null(strstr(sb_cstr(&ctx.msg), "nested too deeply"));
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

/* ---- hostile variations of real input ---- */

typedef struct Corpus {
    uint8_t *pkl[4];
    size_t n[4];
    ZipArchive *z[4];
} Corpus;

static const char *CORPUS_FILES[4] = {"linear.pt", "views.pt", "dtypes.pt", "containers.pt"};

static void corpus_load(Ctx *ctx, Corpus *c) {
    for (int i = 0; i < 4; i++) {
        char path[1024];
        assert_int_equal(zip_open(ctx, data_path(path, sizeof path, CORPUS_FILES[i]), &c->z[i]), TS_OK);
        ZipData d;
        assert_int_equal(zip_read(ctx, c->z[i], zip_find(c->z[i], "data.pkl"), 0, &d), TS_OK);
        c->n[i] = d.size;
        c->pkl[i] = malloc(d.size);
        memcpy(c->pkl[i], d.data, d.size);
        zip_data_free(&d);
    }
}

static void corpus_free(Corpus *c) {
    for (int i = 0; i < 4; i++) {
        free(c->pkl[i]);
        zip_release(c->z[i]);
    }
}

static ts_status try_pickle(ZipArchive *z, const uint8_t *p, size_t n) {
    Ctx ctx;
    tctx_init(&ctx);
    Loader L = {&ctx, z, 0};
    IValue v;
    ts_status st = pickle_load(&ctx, p, n, "fuzz.pkl", &HOOKS, &L, &v);
    if (st == TS_OK) iv_release(v);
    else assert_true(ctx.msg.len > 0);
    tctx_free(&ctx);
    return st;
}

static void test_every_truncation(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    Corpus c;
    corpus_load(&ctx, &c);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(try_pickle(c.z[i], c.pkl[i], c.n[i]), TS_OK);
        for (size_t len = 0; len < c.n[i]; len++) {
            uint8_t *buf = malloc(len ? len : 1);
            memcpy(buf, c.pkl[i], len);
            assert_int_not_equal(try_pickle(c.z[i], buf, len), TS_OK);
            free(buf);
        }
    }
    corpus_free(&c);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_mutations(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    Corpus c;
    corpus_load(&ctx, &c);
    uint64_t rng = 0x243F6A8885A308D3ull;
    int ok = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t *buf = malloc(c.n[i]);
        for (int iter = 0; iter < 2500; iter++) {
            memcpy(buf, c.pkl[i], c.n[i]);
            int flips = 1 + (int)(prng_next(&rng) % 3);
            for (int k = 0; k < flips; k++) {
                uint64_t r = prng_next(&rng);
                size_t at = (size_t)(r % c.n[i]);
                switch ((r >> 32) % 4) {
                case 0: buf[at] ^= (uint8_t)(1u << ((r >> 40) & 7)); break;
                case 1: buf[at] = (uint8_t)(r >> 48); break;
                case 2: buf[at] = (uint8_t)((r >> 48) % 16); break; /* small ints, ids, lengths */
                default: { /* an opcode from the accepted set */
                    static const char ops[] = "(.GJKMNQRX]bcdehjlqrstu})\x80\x81\x85\x86\x87\x88\x89\x8a";
                    buf[at] = (uint8_t)ops[(r >> 48) % (sizeof ops - 1)];
                }
                }
            }
            if (try_pickle(c.z[i], buf, c.n[i]) == TS_OK) ok++;
        }
        free(buf);
    }
    assert_true(ok > 0);
    corpus_free(&c);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

/* The whole chain on mutated archives: open, data.pkl, storages. */
static void load_bytes(const uint8_t *buf, size_t n) {
    Ctx ctx;
    tctx_init(&ctx);
    ZipArchive *z;
    if (zip_open_memory(&ctx, "fuzz.pt", buf, n, NULL, NULL, &z) == TS_OK) {
        const ZipEntry *e = zip_find(z, "data.pkl");
        ZipData d;
        if (e && zip_read(&ctx, z, e, 0, &d) == TS_OK) {
            (void)try_pickle(z, d.data, d.size);
            zip_data_free(&d);
        }
        zip_release(z);
    }
    tctx_free(&ctx);
}

static void test_archive_mutations(void **state) {
    (void)state;
    long live = ts_alloc_live();
    uint64_t rng = 0x13198A2E03707344ull;
    for (int i = 0; i < 4; i++) {
        size_t n;
        uint8_t *full = slurp(CORPUS_FILES[i], &n);
        assert_non_null(full);
        uint8_t *buf = malloc(n);
        for (int iter = 0; iter < 1000; iter++) {
            memcpy(buf, full, n);
            uint64_t r = prng_next(&rng);
            buf[r % n] = (uint8_t)(r >> 40);
            load_bytes(buf, n);
        }
        free(buf);
        free(full);
    }
    assert_int_equal(ts_alloc_live(), live);
}

/* Crash inputs found by the fuzzers, replayed. */
static void replay_pickle(const char *path) {
    size_t n;
    uint8_t *buf = slurp_path(path, &n);
    assert_non_null(buf);
    (void)try_pickle(NULL, buf, n);
    free(buf);
}

static void replay_archive(const char *path) {
    size_t n;
    uint8_t *buf = slurp_path(path, &n);
    assert_non_null(buf);
    load_bytes(buf, n);
    free(buf);
}

static void test_fuzz_regressions(void **state) {
    (void)state;
    long live = ts_alloc_live();
    tests_for_each_file("fuzz/regress/pickle", replay_pickle);
    tests_for_each_file("fuzz/regress/zip", replay_archive);
    assert_int_equal(ts_alloc_live(), live);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_views_share_storage),
        cmocka_unit_test(test_dtypes),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_storage_placement),
        cmocka_unit_test(test_bad_pickles),
        cmocka_unit_test(test_python_pickle),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_tensors),
        cmocka_unit_test(test_other_globals),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_archive_mutations),
        cmocka_unit_test(test_fuzz_regressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
