/*
 * test_tensor_print.c - tensor_repr against the text real PyTorch 1.13 prints.
 *
 * The cases (test_tensor_print_cases.inc) were captured from repr(tensor) by
 * tests/unit/gen/gen_print_cases.py: int_mode, sci_mode, nan/inf, negative
 * zero, every dtype, 0-dim, empty, summarised (> 1000 elements), 3-d to 5-d,
 * rows wrapping at 80 columns, suffixes wrapping, transposed views.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_util.h"
#include <math.h>
#include <stdio.h>

#include "tensor/tensor.h"

typedef struct PrintCase {
    int dtype, ndim;
    int64_t sizes[6];
    int transpose, requires_grad;
    const double *fvals;  /* float dtypes */
    const int64_t *ivals; /* integer dtypes */
    double gen_scale;     /* != 0: values are ((i * 7919) % 2003 - 1001) * scale */
    const char *expect;
} PrintCase;

#include "test_tensor_print_cases.inc"

static Tensor *make_case(Ctx *ctx, const PrintCase *c) {
    DType dt = (DType)c->dtype;
    Tensor *t = tensor_empty(ctx, dt, c->sizes, c->ndim);
    assert_non_null(t);
    int64_t n = tensor_numel(t);
    char *p = tensor_data(t);
    size_t es = dtype_size(dt);
    for (int64_t i = 0; i < n; i++) {
        if (c->gen_scale != 0) dtype_store_f64(dt, p + i * es, (double)((i * 7919) % 2003 - 1001) * c->gen_scale);
        else if (c->fvals) dtype_store_f64(dt, p + i * es, c->fvals[i]);
        else dtype_store_i64(dt, p + i * es, c->ivals[i]);
    }
    if (c->transpose) {
        int64_t sizes[TS_MAX_DIMS], strides[TS_MAX_DIMS];
        int nd = t->ndim;
        memcpy(sizes, t->sizes, sizeof sizes);
        memcpy(strides, t->strides, sizeof strides);
        int64_t s = sizes[nd - 1];
        sizes[nd - 1] = sizes[nd - 2];
        sizes[nd - 2] = s;
        s = strides[nd - 1];
        strides[nd - 1] = strides[nd - 2];
        strides[nd - 2] = s;
        Tensor *v = tensor_view(ctx, t->storage, dt, 0, sizes, strides, nd);
        assert_non_null(v);
        tensor_release(t);
        t = v;
    }
    t->requires_grad = c->requires_grad != 0;
    return t;
}

static void test_pytorch_cases(void **state) {
    (void)state;
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    int failures = 0;
    for (size_t k = 0; k < TS_ARRAY_LEN(print_cases); k++) {
        const PrintCase *c = &print_cases[k];
        Tensor *t = make_case(&ctx, c);
        StrBuf sb;
        sb_init(&sb);
        tensor_repr(&sb, t);
        if (strcmp(sb_cstr(&sb), c->expect) != 0) {
            failures++;
            fprintf(stderr, "case %zu:\n--- expected\n%s\n--- got\n%s\n", k, c->expect, sb_cstr(&sb));
        }
        sb_free(&sb);
        tensor_release(t);
    }
    ctx_dispose(&ctx);
    assert_int_equal(failures, 0);
}

/* repr appends: text already in the buffer is kept and does not affect wrapping. */
static void test_appends(void **state) {
    (void)state;
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    Tensor *t = tensor_scalar_f64(&ctx, DT_FLOAT64, 2.5);
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, "x =\nvalue: ");
    tensor_repr(&sb, t);
    assert_string_equal(sb_cstr(&sb), "x =\nvalue: tensor(2.5000, dtype=torch.float64)");
    sb_free(&sb);
    tensor_release(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pytorch_cases, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_appends, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
