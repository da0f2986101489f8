/*
 * test_tensor.c - dtypes, conversions, storages and tensor views.
 *
 * Expected values of the promotion table and of the float -> int / half /
 * bfloat16 conversions were captured from PyTorch 1.13 (torch.promote_types,
 * x.to(dtype)). The bounds tests feed tensor_view hostile numbers (huge
 * sizes, strides and offsets chosen to overflow) and expect a clean error.
 * Every test checks that no allocation is left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_util.h"
#include <math.h>

#include "tensor/tensor.h"

/* ---- dtypes ---- */

static void test_dtype_basics(void **state) {
    (void)state;
    assert_true(dtype_valid(6));
    assert_false(dtype_valid(8));
    assert_false(dtype_valid(-1));
    assert_false(dtype_valid(99));
    assert_int_equal(dtype_size(DT_FLOAT16), 2);
    assert_int_equal(dtype_size(DT_INT64), 8);
    assert_int_equal(dtype_size(DT_BOOL), 1);
    assert_string_equal(dtype_name(DT_BFLOAT16), "bfloat16");
    assert_string_equal(dtype_storage_name(DT_INT32), "Int");
    assert_true(dtype_is_float(DT_BFLOAT16));
    assert_false(dtype_is_float(DT_BOOL));
    assert_true(dtype_is_integral(DT_UINT8, false));
    assert_false(dtype_is_integral(DT_BOOL, false));
    assert_true(dtype_is_integral(DT_BOOL, true));
    assert_false(dtype_is_integral(DT_FLOAT64, true));
    DType d;
    assert_true(dtype_from_storage_name("Half", &d));
    assert_int_equal(d, DT_FLOAT16);
    assert_true(dtype_from_storage_name("BFloat16", &d));
    assert_int_equal(d, DT_BFLOAT16);
    assert_false(dtype_from_storage_name("Complex", &d));
}

/* torch.promote_types over u1 i1 i2 i4 i8 f2 f4 f8 b1 bf (PyTorch 1.13). */
static void test_dtype_promote(void **state) {
    (void)state;
    static const DType order[10] = {DT_UINT8,   DT_INT8,    DT_INT16,   DT_INT32, DT_INT64,
                                    DT_FLOAT16, DT_FLOAT32, DT_FLOAT64, DT_BOOL,  DT_BFLOAT16};
    static const char *expect[10] = {
        "u1 i2 i2 i4 i8 f2 f4 f8 u1 bf", "i2 i1 i2 i4 i8 f2 f4 f8 i1 bf", "i2 i2 i2 i4 i8 f2 f4 f8 i2 bf",
        "i4 i4 i4 i4 i8 f2 f4 f8 i4 bf", "i8 i8 i8 i8 i8 f2 f4 f8 i8 bf", "f2 f2 f2 f2 f2 f2 f4 f8 f2 f4",
        "f4 f4 f4 f4 f4 f4 f4 f8 f4 f4", "f8 f8 f8 f8 f8 f8 f8 f8 f8 f8", "u1 i1 i2 i4 i8 f2 f4 f8 b1 bf",
        "bf bf bf bf bf f4 f4 f8 bf bf",
    };
    static const char *abbrev[10] = {"u1", "i1", "i2", "i4", "i8", "f2", "f4", "f8", "b1", "bf"};
    for (int i = 0; i < 10; i++) {
        char row[64] = "";
        for (int j = 0; j < 10; j++) {
            DType r = dtype_promote(order[i], order[j]);
            int k = 0;
            while (order[k] != r) k++;
            if (j) strcat(row, " ");
            strcat(row, abbrev[k]);
        }
        assert_string_equal(row, expect[i]);
    }
}

static void test_half_bf16(void **state) {
    (void)state;
    /* np.float16(x).view(uint16), identical to torch's .to(torch.float16) */
    static const float hx[] = {1.0f, 65504.0f, 65519.0f, 65520.0f, 1e-8f, 0x1p-24f, 0x1p-25f, 3 * 0x1p-25f,
                               0x1p-14f, 0.1f, -2.5f, 1.0009765625f + 0x1p-12f, INFINITY, -INFINITY};
    static const uint16_t hb[] = {0x3c00, 0x7bff, 0x7bff, 0x7c00, 0x0000, 0x0001, 0x0000,
                                  0x0002, 0x0400, 0x2e66, 0xc100, 0x3c01, 0x7c00, 0xfc00};
    for (size_t i = 0; i < TS_ARRAY_LEN(hx); i++) assert_int_equal(ts_float_to_half(hx[i]), hb[i]);
    assert_int_equal(ts_float_to_half(NAN), 0x7e00);
    assert_true(isnan(ts_half_to_float(0x7e00)));
    /* every finite half round-trips exactly */
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7c00) == 0x7c00) continue;
        float f = ts_half_to_float((uint16_t)h);
        assert_int_equal(ts_float_to_half(f), h);
    }
    assert_true(ts_half_to_float(0x0001) == 0x1p-24f);
    assert_true(ts_half_to_float(0xfc00) == -INFINITY);

    static const float bx[] = {1.0f, 1.00390625f, 1.01171875f, 3e38f, 3.4e38f, 0.1f, -2.5f, 1e-40f, INFINITY};
    static const uint16_t bb[] = {0x3f80, 0x3f80, 0x3f82, 0x7f62, 0x7f80, 0x3dcd, 0xc020, 0x0001, 0x7f80};
    for (size_t i = 0; i < TS_ARRAY_LEN(bx); i++) assert_int_equal(ts_float_to_bf16(bx[i]), bb[i]);
    assert_true(isnan(ts_bf16_to_float(ts_float_to_bf16(NAN))));
    assert_true(ts_bf16_to_float(0x3f82) == 1.015625f);
}

/* x.to(dtype) for x = [300., -1., -129.5, 1e10, nan, inf, -3.7, 70000.] (PyTorch 1.13, x86-64) */
static void test_convert_float_to_int(void **state) {
    (void)state;
    static const double x[8] = {300., -1., -129.5, 1e10, NAN, INFINITY, -3.7, 70000.};
    static const int64_t u8[8] = {44, 255, 127, 0, 0, 0, 253, 112};
    static const int64_t i8[8] = {44, -1, 127, 0, 0, 0, -3, 112};
    static const int64_t i16[8] = {300, -1, -129, 0, 0, 0, -3, 4464};
    static const int64_t i32[8] = {300, -1, -129, INT32_MIN, INT32_MIN, INT32_MIN, -3, 70000};
    static const int64_t i64[8] = {300, -1, -129, 10000000000LL, INT64_MIN, INT64_MIN, -3, 70000};
    unsigned char buf[8];
    for (int i = 0; i < 8; i++) {
        float f = (float)x[i];
        dtype_store_f64(DT_UINT8, buf, f);
        assert_int_equal(dtype_load_i64(DT_UINT8, buf), u8[i]);
        dtype_store_f64(DT_INT8, buf, f);
        assert_int_equal(dtype_load_i64(DT_INT8, buf), i8[i]);
        dtype_store_f64(DT_INT16, buf, f);
        assert_int_equal(dtype_load_i64(DT_INT16, buf), i16[i]);
        dtype_store_f64(DT_INT32, buf, f);
        assert_int_equal(dtype_load_i64(DT_INT32, buf), i32[i]);
        dtype_store_f64(DT_INT64, buf, f);
        assert_int_equal(dtype_load_i64(DT_INT64, buf), i64[i]);
        dtype_store_f64(DT_BOOL, buf, f);
        assert_int_equal(buf[0], 1);
        /* float -> int64 element conversion agrees with the store */
        float fv = f;
        dtype_convert(DT_INT64, buf, DT_FLOAT32, &fv);
        assert_int_equal(*(int64_t *)(void *)buf, i64[i]);
    }
    /* integer narrowing wraps: [70000, -1, 2**40] -> int16 / uint8 */
    dtype_store_i64(DT_INT16, buf, 70000);
    assert_int_equal(dtype_load_i64(DT_INT16, buf), 4464);
    dtype_store_i64(DT_UINT8, buf, -1);
    assert_int_equal(dtype_load_i64(DT_UINT8, buf), 255);
    dtype_store_i64(DT_UINT8, buf, 1LL << 40);
    assert_int_equal(dtype_load_i64(DT_UINT8, buf), 0);
    /* int64 -> float32 rounds once (2**24 + 1 -> 2**24), int64 -> int64 is exact */
    dtype_store_i64(DT_FLOAT32, buf, (1LL << 24) + 1);
    assert_true(dtype_load_f64(DT_FLOAT32, buf) == 16777216.0);
    int64_t big = INT64_MAX - 1;
    dtype_convert(DT_INT64, buf, DT_INT64, &big);
    assert_true(dtype_load_i64(DT_INT64, buf) == INT64_MAX - 1);
    dtype_store_f64(DT_FLOAT32, buf, 1e300);
    assert_true(isinf(dtype_load_f64(DT_FLOAT32, buf)));
}

/* ---- storages ---- */

static int g_released;
static void owner_release(void *owner) { g_released += *(int *)owner; }

static void test_storage(void **state) {
    (void)state;
    Storage *s = storage_new(100);
    assert_non_null(s);
    assert_int_equal(s->nbytes, 100);
    assert_int_equal(((uintptr_t)s->data) % 64, 0);
    for (int i = 0; i < 100; i++) assert_int_equal(((unsigned char *)s->data)[i], 0);
    assert_int_equal(s->hdr.refcnt, 1);
    assert_ptr_equal(storage_retain(s), s);
    assert_int_equal(s->hdr.refcnt, 2);
    storage_release(s);
    storage_release(s);
    assert_null(storage_new(SIZE_MAX - 8));

    static char bytes[16];
    int weight = 7;
    g_released = 0;
    Storage *b = storage_borrow(bytes, sizeof bytes, owner_release, &weight);
    assert_non_null(b);
    assert_ptr_equal(b->data, bytes);
    storage_retain(b);
    storage_release(b);
    assert_int_equal(g_released, 0);
    storage_release(b);
    assert_int_equal(g_released, 7);
}

/* ---- tensors ---- */

static void test_empty_and_scalars(void **state) {
    (void)state;
    Ctx *ctx = tu_ctx_new();
    int64_t sz[3] = {2, 3, 4};
    Tensor *t = tensor_empty(ctx, DT_FLOAT32, sz, 3);
    assert_non_null(t);
    assert_int_equal(t->strides[0], 12);
    assert_int_equal(t->strides[1], 4);
    assert_int_equal(t->strides[2], 1);
    assert_int_equal(tensor_numel(t), 24);
    assert_true(tensor_is_contiguous(t));
    assert_int_equal(t->hdr.kind, 7 /* IV_TENSOR */);
    assert_int_equal(t->storage->hdr.kind, 100 /* HK_STORAGE */);
    for (int i = 0; i < 24; i++) assert_true(tensor_get_f64(t, i) == 0);
    tensor_release(t);

    Tensor *s = tensor_scalar_f64(ctx, DT_FLOAT16, 2.5);
    assert_int_equal(s->ndim, 0);
    assert_int_equal(tensor_numel(s), 1);
    assert_true(tensor_get_f64(s, 0) == 2.5);
    tensor_release(s);
    s = tensor_scalar_i64(ctx, DT_INT64, INT64_MIN);
    assert_true(tensor_get_i64(s, 0) == INT64_MIN);
    tensor_release(s);

    int64_t neg[2] = {2, -1};
    assert_null(tensor_empty(ctx, DT_FLOAT32, neg, 2));
    assert_int_equal(ctx->status, TS_ERR_VALUE);
    int64_t huge[2] = {INT64_MAX / 2, 4};
    assert_null(tensor_empty(ctx, DT_FLOAT32, huge, 2));
    assert_int_equal(ctx->status, TS_ERR_NOMEM);
    assert_non_null(strstr(sb_cstr(&ctx->msg), "too large"));
    int64_t big[2] = {1LL << 40, 1LL << 40};
    assert_null(tensor_empty(ctx, DT_FLOAT32, big, 2));
    assert_null(tensor_empty(ctx, DT_FLOAT32, sz, TS_MAX_DIMS + 1));
    assert_int_equal(ctx->status, TS_ERR_VALUE);
    int64_t zero[2] = {0, INT64_MAX};
    t = tensor_empty(ctx, DT_FLOAT64, zero, 2);
    assert_non_null(t);
    assert_int_equal(tensor_numel(t), 0);
    assert_true(tensor_is_contiguous(t));
    tensor_release(t);
    tu_ctx_free(ctx);
}

static void test_view_bounds(void **state) {
    (void)state;
    Ctx *ctx = tu_ctx_new();
    Storage *st = storage_new(24 * sizeof(float));
    int64_t sz[2] = {3, 4}, str[2] = {4, 1};
    Tensor *v = tensor_view(ctx, st, DT_FLOAT32, 12, sz, str, 2);
    assert_non_null(v);
    assert_int_equal(st->hdr.refcnt, 2);
    tensor_release(v);
    assert_int_equal(st->hdr.refcnt, 1);

    struct {
        int64_t offset;
        int ndim;
        int64_t sizes[3], strides[3];
        ts_status expect;
    } cases[] = {
        {13, 2, {3, 4}, {4, 1}, TS_ERR_VALUE},                         /* one past the end */
        {0, 2, {3, 4}, {11, 1}, TS_ERR_VALUE},                         /* stride reaches out */
        {-1, 1, {1}, {1}, TS_ERR_VALUE},                               /* negative offset */
        {0, 1, {-1}, {1}, TS_ERR_VALUE},                               /* negative size */
        {0, 2, {2, 2}, {-1, 1}, TS_ERR_VALUE},                         /* negative stride */
        {0, 1, {INT64_MAX}, {1}, TS_ERR_VALUE},                        /* huge size */
        {0, 2, {INT64_MAX, 2}, {INT64_MAX, 1}, TS_ERR_VALUE},          /* (size-1)*stride overflows */
        {INT64_MAX, 1, {1}, {1}, TS_ERR_VALUE},                        /* offset * esize overflows */
        {INT64_MAX - 1, 1, {2}, {1}, TS_ERR_VALUE},                    /* offset + span at the edge */
        {0, 3, {1LL << 32, 1LL << 32, 2}, {0, 0, 0}, TS_ERR_VALUE},    /* numel overflows */
        {1, 2, {2, 2}, {1LL << 62, 1LL << 62}, TS_ERR_VALUE},          /* sum of spans overflows */
        {(INT64_MAX / 4) + 1, 1, {1}, {0}, TS_ERR_VALUE},              /* bytes of offset overflow size_t? */
        {0, 2, {0, INT64_MAX}, {INT64_MAX, INT64_MAX}, TS_OK},         /* empty: nothing addressable */
        {1000, 1, {0}, {1}, TS_OK},                                    /* empty view past the end */
        {23, 3, {1, 1, 1}, {0, 5, 7}, TS_OK},                          /* last element */
        {0, 2, {1000000, 24}, {0, 1}, TS_OK},                          /* broadcast */
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(cases); i++) {
        ts_clear_error(ctx);
        ts_status r = tensor_check_bounds(ctx, st, DT_FLOAT32, cases[i].offset, cases[i].sizes, cases[i].strides,
                                          cases[i].ndim);
        if (r != cases[i].expect) fail_msg("case %zu: got %d (%s)", i, r, sb_cstr(&ctx->msg));
        Tensor *t = tensor_view(ctx, st, DT_FLOAT32, cases[i].offset, cases[i].sizes, cases[i].strides,
                                cases[i].ndim);
        assert_true((t != NULL) == (cases[i].expect == TS_OK));
        tensor_release(t);
    }
    int64_t many[TS_MAX_DIMS + 1] = {0}, ones[TS_MAX_DIMS + 1] = {0};
    assert_int_equal(tensor_check_bounds(ctx, st, DT_FLOAT32, 0, many, ones, TS_MAX_DIMS + 1), TS_ERR_VALUE);
    assert_int_equal(tensor_check_bounds(ctx, st, DT_FLOAT32, 0, many, ones, -1), TS_ERR_VALUE);
    ts_clear_error(ctx);
    assert_int_equal(tensor_check_bounds(ctx, st, DT_FLOAT32, 0, sz, (int64_t[]){11, 1}, 2), TS_ERR_VALUE);
    assert_string_equal(sb_cstr(&ctx->msg),
                        "tensor of shape [3, 4] (offset 0, float32) needs element 25 but its storage holds 24 "
                        "elements\n");
    storage_release(st);
    tu_ctx_free(ctx);
}

static void test_strided_access(void **state) {
    (void)state;
    Ctx *ctx = tu_ctx_new();
    int64_t sz[2] = {3, 4};
    Tensor *t = tensor_empty(ctx, DT_INT32, sz, 2);
    int32_t *p = tensor_data(t);
    for (int i = 0; i < 12; i++) p[i] = i;
    /* transpose: [4, 3] with strides [1, 4] */
    int64_t tsz[2] = {4, 3}, tst[2] = {1, 4};
    Tensor *tr = tensor_view(ctx, t->storage, DT_INT32, 0, tsz, tst, 2);
    assert_false(tensor_is_contiguous(tr));
    assert_int_equal(tensor_get_i64(tr, 1), 4);
    assert_int_equal(tensor_get_i64(tr, 3), 1);
    assert_int_equal(tensor_elem_offset(tr, 5), 9);
    Tensor *c = tensor_contiguous(ctx, tr);
    assert_true(tensor_is_contiguous(c));
    assert_ptr_not_equal(c, tr);
    int32_t *q = tensor_data(c);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) assert_int_equal(q[i * 3 + j], j * 4 + i);
    Tensor *same = tensor_contiguous(ctx, c);
    assert_ptr_equal(same, c);
    tensor_release(same);
    /* size-1 dims may have any stride and still be contiguous */
    int64_t s1[3] = {1, 3, 1}, st1[3] = {99, 4, 7};
    Tensor *col = tensor_view(ctx, t->storage, DT_INT32, 1, s1, st1, 3);
    assert_false(tensor_is_contiguous(col));
    int64_t st2[3] = {99, 1, 7};
    Tensor *row = tensor_view(ctx, t->storage, DT_INT32, 4, s1, st2, 3);
    assert_true(tensor_is_contiguous(row));
    assert_int_equal(tensor_get_i64(row, 2), 6);
    /* to_dtype converts from a strided view */
    Tensor *f = tensor_to_dtype(ctx, tr, DT_FLOAT16);
    assert_int_equal(f->dtype, DT_FLOAT16);
    assert_true(tensor_get_f64(f, 1) == 4.0);
    assert_true(tensor_get_f64(f, 11) == 11.0);
    tensor_release(f);
    tensor_release(col);
    tensor_release(row);
    tensor_release(c);
    tensor_release(tr);
    tensor_release(t);
    tu_ctx_free(ctx);
}

static void test_broadcast_expand_copy(void **state) {
    (void)state;
    Ctx *ctx = tu_ctx_new();
    int64_t a[3] = {2, 1, 4}, b[2] = {3, 1}, out[TS_MAX_DIMS];
    int n;
    assert_int_equal(tensor_broadcast_shapes(ctx, "add", a, 3, b, 2, out, &n), TS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(out[0], 2);
    assert_int_equal(out[1], 3);
    assert_int_equal(out[2], 4);
    int64_t c[1] = {5};
    assert_int_equal(tensor_broadcast_shapes(ctx, "add", a, 3, c, 1, out, &n), TS_ERR_SHAPE);
    assert_string_equal(sb_cstr(&ctx->msg),
                        "add: the size of tensor a (4) must match the size of tensor b (5) at non-singleton "
                        "dimension 2\n");
    assert_int_equal(tensor_broadcast_shapes(ctx, "add", NULL, 0, NULL, 0, out, &n), TS_OK);
    assert_int_equal(n, 0);

    int64_t vs[1] = {4};
    Tensor *v = tensor_empty(ctx, DT_FLOAT64, vs, 1);
    double *vp = tensor_data(v);
    for (int i = 0; i < 4; i++) vp[i] = i + 0.5;
    int64_t es[3] = {2, 3, 4};
    Tensor *e = tensor_expand(ctx, v, es, 3);
    assert_non_null(e);
    assert_int_equal(e->strides[0], 0);
    assert_int_equal(e->strides[1], 0);
    assert_int_equal(e->strides[2], 1);
    Tensor *dst = tensor_empty(ctx, DT_FLOAT32, es, 3);
    tensor_copy_into(dst, e);
    for (int i = 0; i < 24; i++) assert_true(tensor_get_f64(dst, i) == (i % 4) + 0.5);
    int64_t bad[2] = {3, 5};
    assert_null(tensor_expand(ctx, v, bad, 2));
    assert_int_equal(ctx->status, TS_ERR_SHAPE);
    assert_null(tensor_expand(ctx, e, vs, 1));
    tensor_release(dst);
    tensor_release(e);
    tensor_release(v);

    StrBuf sb;
    sb_init(&sb);
    sb_put_shape(&sb, es, 3);
    sb_put_shape(&sb, NULL, 0);
    assert_string_equal(sb_cstr(&sb), "[2, 3, 4][]");
    sb_free(&sb);
    tu_ctx_free(ctx);
}

/* Every allocation failure inside tensor constructors is reported and leaks nothing. */
static void test_oom(void **state) {
    (void)state;
    Ctx *ctx = tu_ctx_new();
    int64_t sz[2] = {5, 7};
    for (long n = 1; n <= 3; n++) {
        ts_alloc_fail_at(n);
        Tensor *t = tensor_empty(ctx, DT_FLOAT32, sz, 2);
        ts_alloc_fail_at(0);
        if (t) {
            Tensor *u = NULL;
            ts_alloc_fail_at(1);
            u = tensor_to_dtype(ctx, t, DT_FLOAT64);
            ts_alloc_fail_at(0);
            assert_null(u);
            assert_int_equal(ctx->status, TS_ERR_NOMEM);
            tensor_release(t);
        } else {
            assert_int_equal(ctx->status, TS_ERR_NOMEM);
        }
    }
    tu_ctx_free(ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dtype_basics, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_dtype_promote, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_half_bf16, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_convert_float_to_int, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_storage, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_scalars, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_view_bounds, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_strided_access, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_broadcast_expand_copy, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_oom, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
