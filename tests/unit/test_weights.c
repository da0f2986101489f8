/*
 * test_weights.c - torch.save files through the public API (ts_weights_load):
 * the files under tests/data/weights/, written by torch 2.15 with fixed
 * values (make_weights.py), read back exactly: a state_dict, every dtype,
 * views, a parameter, nested containers with scalars, a single tensor; and
 * the failures a caller can hit (missing file, a TorchScript archive, the
 * legacy format, bytes in memory that are not a zip). Nothing leaks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "tscript/tscript.h"

#ifndef TS_SOURCE_DIR
#define TS_SOURCE_DIR "."
#endif

static const char *data(const char *name) {
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/tests/data/weights/%s", TS_SOURCE_DIR, name);
    return buf;
}

/* The value under dict key `key`, or NULL. */
static ts_value *get(ts_value *d, const char *key) {
    for (size_t i = 0; i < ts_value_len(d); i++) {
        const char *k = ts_value_get_str(ts_value_dict_key(d, i));
        if (k && strcmp(k, key) == 0) return ts_value_item(d, i);
    }
    return NULL;
}

static void check_doubles(ts_ctx *ctx, ts_value *t, const double *want, int n) {
    double got[16];
    assert_true(n <= 16);
    assert_int_equal(ts_tensor_numel(t), n);
    assert_int_equal(ts_value_to_buffer(ctx, t, TS_FLOAT64, got, sizeof got), TS_OK);
    for (int i = 0; i < n; i++) assert_true(got[i] == want[i]);
}

static void test_state_dict(void **state) {
    (void)state;
    long live = ts_alloc_live();
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    assert_true(ts_file_is_weights(data("state_dict.pt")));
    ts_value *v;
    assert_int_equal(ts_weights_load(ctx, data("state_dict.pt"), &v), TS_OK);
    assert_string_equal(ts_ctx_notes(ctx), "");
    assert_int_equal(ts_value_kind(v), TS_KIND_DICT);
    static const char *keys[] = {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                                 "1.num_batches_tracked"};
    assert_int_equal(ts_value_len(v), 7);
    for (size_t i = 0; i < 7; i++) assert_string_equal(ts_value_get_str(ts_value_dict_key(v, i)), keys[i]);
    ts_value *w = get(v, "0.weight");
    assert_int_equal(ts_tensor_ndim(w), 2);
    assert_int_equal(ts_tensor_size(w, 0), 2);
    assert_int_equal(ts_tensor_size(w, 1), 3);
    check_doubles(ctx, w, (double[]){0, 0.5, 1, 1.5, 2, 2.5}, 6);
    check_doubles(ctx, get(v, "0.bias"), (double[]){-1, -0.5}, 2);
    check_doubles(ctx, get(v, "1.bias"), (double[]){-3, -2.5}, 2);
    check_doubles(ctx, get(v, "1.running_mean"), (double[]){0.25, -0.75}, 2);
    ts_value *nb = get(v, "1.num_batches_tracked");
    assert_int_equal(ts_tensor_dtype(nb), TS_INT64);
    assert_int_equal(ts_tensor_ndim(nb), 0);
    ts_value_release(v);
    ts_ctx_free(ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_every_dtype(void **state) {
    (void)state;
    long live = ts_alloc_live();
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_value *v;
    assert_int_equal(ts_weights_load(ctx, data("dtypes.pt"), &v), TS_OK);
    static const struct { const char *name; ts_dtype dt; } dts[] = {
        {"float16", TS_FLOAT16}, {"bfloat16", TS_BFLOAT16}, {"float32", TS_FLOAT32}, {"float64", TS_FLOAT64},
        {"int8", TS_INT8},       {"int16", TS_INT16},       {"int32", TS_INT32},     {"int64", TS_INT64},
        {"uint8", TS_UINT8},     {"bool", TS_BOOL},
    };
    for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) {
        ts_value *t = get(v, dts[i].name);
        assert_non_null(t);
        assert_int_equal(ts_tensor_dtype(t), dts[i].dt);
        assert_string_equal(ts_dtype_name(dts[i].dt), dts[i].name);
        if (dts[i].dt == TS_BOOL)
            check_doubles(ctx, t, (double[]){0, 1, 0, 1, 0, 1}, 6);
        else if (dts[i].dt == TS_UINT8)
            check_doubles(ctx, t, (double[]){0, 1, 2, 3, 4, 5}, 6);
        else
            check_doubles(ctx, t, (double[]){-2, -1, 0, 1, 2, 3}, 6);
    }
    ts_value *view = get(v, "view"); /* arange(6).reshape(2, 3).t() */
    assert_int_equal(ts_tensor_size(view, 0), 3);
    check_doubles(ctx, view, (double[]){0, 3, 1, 4, 2, 5}, 6);
    check_doubles(ctx, get(v, "param"), (double[]){1.5, -2.5}, 2);
    ts_value_release(v);
    ts_ctx_free(ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_nested(void **state) {
    (void)state;
    long live = ts_alloc_live();
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_value *v;
    assert_int_equal(ts_weights_load(ctx, data("nested.pt"), &v), TS_OK);
    ts_value *layers = get(v, "layers");
    assert_int_equal(ts_value_kind(layers), TS_KIND_LIST);
    assert_int_equal(ts_value_len(layers), 2);
    ts_value *l1 = ts_value_item(layers, 1);
    assert_int_equal(ts_value_get_int(get(l1, "n")), -7);
    check_doubles(ctx, get(ts_value_item(layers, 0), "w"), (double[]){1, 1, 1, 1}, 4);
    ts_value *pair = get(v, "pair");
    assert_int_equal(ts_value_kind(pair), TS_KIND_TUPLE);
    check_doubles(ctx, ts_value_item(pair, 0), (double[]){0, 1, 2, 3}, 4);
    check_doubles(ctx, ts_value_item(pair, 1), (double[]){1, 2, 3}, 3);
    ts_value *meta = get(v, "meta");
    assert_true(ts_value_get_float(get(meta, "lr")) == 0.125);
    assert_string_equal(ts_value_get_str(get(meta, "name")), "adam");
    assert_int_equal(ts_value_get_int(get(meta, "step")), (int64_t)1 << 40);
    assert_true(ts_value_get_bool(get(meta, "flag")));
    assert_int_equal(ts_value_kind(get(meta, "none")), TS_KIND_NONE);
    ts_value_release(v);

    assert_int_equal(ts_weights_load(ctx, data("tensor.pt"), &v), TS_OK);
    assert_int_equal(ts_value_kind(v), TS_KIND_TENSOR);
    assert_int_equal(ts_tensor_dtype(v), TS_FLOAT64);
    check_doubles(ctx, v, (double[]){1, 2, 3, 4}, 4);
    ts_value_release(v);
    ts_ctx_free(ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_failures(void **state) {
    (void)state;
    long live = ts_alloc_live();
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_value *v = (ts_value *)1;
    assert_int_not_equal(ts_weights_load(ctx, data("no_such_file.pt"), &v), TS_OK);
    assert_null(v);
    assert_non_null(strstr(ts_ctx_error(ctx), "no_such_file.pt"));
    assert_false(ts_file_is_weights(data("no_such_file.pt")));

    /* a TorchScript archive is not a torch.save file */
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/simple_linear.pt", TS_SOURCE_DIR);
    assert_false(ts_file_is_weights(path));
    assert_int_equal(ts_weights_load(ctx, path, &v), TS_ERR_FORMAT);
    assert_non_null(strstr(ts_ctx_error(ctx), "TorchScript archive"));

    /* the legacy format: a pickle that starts with torch's magic number */
    snprintf(path, sizeof path, "%s/legacy_weights_test.pt", P_tmpdir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    static const unsigned char legacy[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9,
                                           0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};
    fwrite(legacy, 1, sizeof legacy, f);
    fclose(f);
    assert_true(ts_file_is_weights(path));
    assert_int_equal(ts_weights_load(ctx, path, &v), TS_ERR_UNSUPPORTED);
    assert_non_null(strstr(ts_ctx_error(ctx), "legacy torch.save format"));
    remove(path);

    assert_int_equal(ts_weights_load(ctx, NULL, &v), TS_ERR_ARG);
    ts_ctx_free(ctx);
    assert_int_equal(ts_alloc_live(), live);
}

int main(void) {
    /* the op registry and interned types are process-wide and immortal:
     * make them before counting */
    ts_ctx *warm;
    if (ts_ctx_new(NULL, &warm) == TS_OK) {
        ts_value *v;
        if (ts_weights_load(warm, data("dtypes.pt"), &v) == TS_OK) ts_value_release(v);
        ts_ctx_free(warm);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_dict),
        cmocka_unit_test(test_every_dtype),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
