/*
 * inputs.c - parse `tscript run` input words into ts_values (see inputs.h).
 *
 * The order of the checks is the order of the list in inputs.h: the exact
 * words True/False/None, then numbers, then randn:, then a file. A word that
 * is none of these is an error that says what an input may be.
 */
#include "inputs.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "npy.h"

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen,
                                                      const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- the randn: inputs: torch.manual_seed(seed), then torch.randn ---- */

void input_rng_seed(InputRng *rng, uint64_t seed) {
    rng->seed = seed;
    rng->pending = 1;
}

/* ---- numbers ---- */

static bool parse_int(const char *w, int64_t *out, bool *range_err) {
    *range_err = false;
    if (!*w || isspace((unsigned char)*w))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(w, &end, 10);
    if (end == w || *end)
        return false;
    if (errno == ERANGE) {
        *range_err = true;
        return false;
    }
    *out = (int64_t)v;
    return true;
}

static bool parse_float(const char *w, double *out) {
    if (!*w || isspace((unsigned char)*w) || strpbrk(w, "xX"))
        return false;
    char *end;
    errno = 0;
    double v = strtod(w, &end);
    if (end == w || *end)
        return false;
    *out = v; /* overflow gives +-inf and underflow 0, as Python's float() */
    return true;
}

int input_is_number(const char *word) {
    int64_t i;
    double d;
    bool range;
    return parse_int(word, &i, &range) || range || parse_float(word, &d);
}

/* ---- tensors ---- */

static int library_fail(ts_ctx *ctx, const char *word, char *err, size_t errlen) {
    return fail(err, errlen, "input '%s': %s", word, ts_ctx_error(ctx));
}

/* randn:D0,D1,...  each D a non-negative integer */
static int parse_randn(ts_ctx *ctx, const char *word, InputRng *rng, ts_value **out, char *err,
                       size_t errlen) {
    const char *p = word + strlen("randn:");
    int64_t shape[NPY_MAX_DIMS];
    int ndim = 0;
    size_t numel = 1;
    if (!*p)
        return fail(err, errlen, "input '%s': randn needs a shape, e.g. randn:1,10", word);
    for (;;) {
        if (!isdigit((unsigned char)*p))
            return fail(err, errlen,
                        "input '%s': bad randn shape (expected non-negative integers "
                        "separated by commas, e.g. randn:2,3)",
                        word);
        char *end;
        errno = 0;
        long long d = strtoll(p, &end, 10);
        if (errno == ERANGE || ndim == NPY_MAX_DIMS ||
            __builtin_mul_overflow(numel, (size_t)d, &numel))
            return fail(err, errlen, "input '%s': randn shape is too large", word);
        shape[ndim++] = (int64_t)d;
        p = end;
        if (!*p)
            break;
        if (*p != ',')
            return fail(err, errlen,
                        "input '%s': bad randn shape (expected non-negative integers "
                        "separated by commas, e.g. randn:2,3)",
                        word);
        p++;
    }
    size_t nbytes;
    if (__builtin_mul_overflow(numel, sizeof(float), &nbytes))
        return fail(err, errlen, "input '%s': randn shape is too large", word);
    if (rng->pending) {
        if (ts_ctx_manual_seed(ctx, rng->seed) != TS_OK)
            return library_fail(ctx, word, err, errlen);
        rng->pending = 0;
    }
    ts_status st = ts_value_randn(ctx, TS_FLOAT32, shape, ndim, out);
    return st == TS_OK ? 0 : library_fail(ctx, word, err, errlen);
}

static int parse_npy(ts_ctx *ctx, const char *word, ts_value **out, char *err, size_t errlen) {
    NpyArray a;
    if (npy_read(word, &a, err, errlen) != 0)
        return -1;
    int64_t scalar_shape[1] = {0};
    ts_status st = ts_value_from_buffer(ctx, a.dtype, a.ndim ? a.shape : scalar_shape, a.ndim,
                                        a.data, out);
    npy_free(&a);
    return st == TS_OK ? 0 : library_fail(ctx, word, err, errlen);
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const struct {
    const char *name;
    ts_dtype dtype;
} dtype_names[] = {
    {"float16", TS_FLOAT16}, {"bfloat16", TS_BFLOAT16}, {"float32", TS_FLOAT32},
    {"float64", TS_FLOAT64}, {"int8", TS_INT8},         {"int16", TS_INT16},
    {"int32", TS_INT32},     {"int64", TS_INT64},       {"uint8", TS_UINT8},
    {"bool", TS_BOOL},
};

/* The tensor in *v converted to dtype (values cast as Tensor.to(dtype) does). */
static int convert(ts_ctx *ctx, const char *word, ts_value **v, ts_dtype dtype, char *err,
                   size_t errlen) {
    if (ts_value_kind(*v) != TS_KIND_TENSOR)
        return fail(err, errlen, "input '%s': only a tensor input can take a :dtype suffix", word);
    int ndim = ts_tensor_ndim(*v);
    int64_t shape[NPY_MAX_DIMS];
    for (int d = 0; d < ndim; d++)
        shape[d] = ts_tensor_size(*v, d);
    size_t n = (size_t)ts_tensor_numel(*v), nbytes;
    if (__builtin_mul_overflow(n, (size_t)8, &nbytes))
        return fail(err, errlen, "input '%s': too large", word);
    void *buf = malloc(nbytes ? nbytes : 1);
    if (!buf)
        return fail(err, errlen, "input '%s': out of memory", word);
    ts_value *r = NULL;
    ts_status st = ts_value_to_buffer(ctx, *v, dtype, buf, nbytes);
    if (st == TS_OK)
        st = ts_value_from_buffer(ctx, dtype, shape, ndim, buf, &r);
    free(buf);
    if (st != TS_OK)
        return library_fail(ctx, word, err, errlen);
    ts_value_release(*v);
    *v = r;
    return 0;
}

static int parse_word(ts_ctx *ctx, const char *word, InputRng *rng, ts_value **out, char *err,
                      size_t errlen);

/* A tensor word may end in ":DTYPE" (x.npy:bfloat16, randn:2,3:float16): the
 * tensor is converted to that dtype. A file whose name really ends so wins. */
int input_parse(ts_ctx *ctx, const char *word, InputRng *rng, ts_value **out, char *err,
                size_t errlen) {
    *out = NULL;
    const char *colon = strrchr(word, ':');
    struct stat st;
    if (colon && stat(word, &st) != 0) {
        for (size_t i = 0; i < sizeof dtype_names / sizeof dtype_names[0]; i++) {
            if (strcmp(colon + 1, dtype_names[i].name) != 0)
                continue;
            size_t n = (size_t)(colon - word);
            char *base = malloc(n + 1);
            if (!base)
                return fail(err, errlen, "input '%s': out of memory", word);
            memcpy(base, word, n);
            base[n] = 0;
            int rc = parse_word(ctx, base, rng, out, err, errlen);
            free(base);
            if (rc == 0 && convert(ctx, word, out, dtype_names[i].dtype, err, errlen) != 0) {
                ts_value_release(*out);
                *out = NULL;
                return -1;
            }
            return rc;
        }
    }
    return parse_word(ctx, word, rng, out, err, errlen);
}

static int parse_word(ts_ctx *ctx, const char *word, InputRng *rng, ts_value **out, char *err,
                      size_t errlen) {
    *out = NULL;
    if (strcmp(word, "True") == 0 || strcmp(word, "False") == 0) {
        *out = ts_value_bool(word[0] == 'T');
    } else if (strcmp(word, "None") == 0) {
        *out = ts_value_none();
    } else {
        int64_t i;
        double d;
        bool range;
        if (parse_int(word, &i, &range)) {
            *out = ts_value_int(i);
        } else if (range) {
            return fail(err, errlen, "input '%s': integer out of the int64 range", word);
        } else if (parse_float(word, &d)) {
            *out = ts_value_float(d);
        } else if (strncmp(word, "randn:", 6) == 0) {
            return parse_randn(ctx, word, rng, out, err, errlen);
        } else {
            struct stat st;
            if (ends_with(word, ".npy") || stat(word, &st) == 0)
                return parse_npy(ctx, word, out, err, errlen);
            if (strcmp(word, "true") == 0 || strcmp(word, "false") == 0 ||
                strcmp(word, "none") == 0)
                return fail(err, errlen, "input '%s': write True, False or None (capitalised)",
                            word);
            return fail(err, errlen,
                        "input '%s': not a .npy file, a number, True/False/None or "
                        "randn:D0,D1,...",
                        word);
        }
    }
    if (!*out)
        return fail(err, errlen, "input '%s': out of memory", word);
    return 0;
}
