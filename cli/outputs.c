/*
 * outputs.c - write a run's result as out0.npy, out1.npy, ... (see outputs.h).
 */
#include "outputs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "npy.h"

enum { MAX_NESTING = 200 };

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen,
                                                      const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* mkdir -p */
static int make_dirs(const char *dir, char *err, size_t errlen) {
    size_t n = strlen(dir);
    char *path = malloc(n + 1);
    if (!path)
        return fail(err, errlen, "%s: out of memory", dir);
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            free(path);
            return fail(err, errlen, "%s: cannot create directory: %s", dir, strerror(e));
        }
        path[i] = saved;
    }
    free(path);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(err, errlen, "%s: not a directory", dir);
    return 0;
}

typedef struct Writer {
    ts_ctx *ctx;
    const char *dir;
    size_t count;
    char *err;
    size_t errlen;
} Writer;

static int next_path(Writer *w, char *path, size_t cap) {
    int n = snprintf(path, cap, "%s/out%zu.npy", w->dir, w->count);
    if (n < 0 || (size_t)n >= cap)
        return fail(w->err, w->errlen, "%s: path too long", w->dir);
    return 0;
}

static int write_array(Writer *w, ts_dtype dtype, const int64_t *shape, int ndim,
                       const void *data, size_t nbytes) {
    char path[4096];
    if (next_path(w, path, sizeof path) != 0)
        return -1;
    if (npy_write(path, dtype, shape, ndim, data, nbytes, w->err, w->errlen) != 0)
        return -1;
    w->count++;
    return 0;
}

static int write_tensor(Writer *w, const ts_value *v) {
    int ndim = ts_tensor_ndim(v);
    if (ndim < 0 || ndim > NPY_MAX_DIMS)
        return fail(w->err, w->errlen, "output %zu: tensor has %d dimensions", w->count, ndim);
    int64_t shape[NPY_MAX_DIMS];
    for (int d = 0; d < ndim; d++)
        shape[d] = ts_tensor_size(v, d);
    ts_dtype dtype = ts_tensor_dtype(v);
    if (npy_itemsize(dtype) == 0)
        dtype = TS_FLOAT32;
    int64_t numel = ts_tensor_numel(v);
    size_t nbytes;
    if (numel < 0 || __builtin_mul_overflow((size_t)numel, npy_itemsize(dtype), &nbytes))
        return fail(w->err, w->errlen, "output %zu: tensor too large", w->count);
    void *buf = malloc(nbytes ? nbytes : 1);
    if (!buf)
        return fail(w->err, w->errlen, "output %zu: out of memory for %zu bytes", w->count,
                    nbytes);
    int rc = -1;
    if (ts_value_to_buffer(w->ctx, v, dtype, buf, nbytes) != TS_OK) {
        fail(w->err, w->errlen, "output %zu: %s", w->count, ts_ctx_error(w->ctx));
        goto free_buf;
    }
    rc = write_array(w, dtype, shape, ndim, buf, nbytes);
free_buf:
    free(buf);
    return rc;
}

static int walk(Writer *w, const ts_value *v, int depth) {
    if (depth > MAX_NESTING)
        return fail(w->err, w->errlen, "output nested more than %d containers deep",
                    MAX_NESTING);
    switch (ts_value_kind(v)) {
    case TS_KIND_TENSOR:
        return write_tensor(w, v);
    case TS_KIND_INT: {
        int64_t x = ts_value_get_int(v);
        return write_array(w, TS_INT64, NULL, 0, &x, sizeof x);
    }
    case TS_KIND_FLOAT: {
        double x = ts_value_get_float(v);
        return write_array(w, TS_FLOAT64, NULL, 0, &x, sizeof x);
    }
    case TS_KIND_BOOL: {
        uint8_t x = ts_value_get_bool(v) ? 1 : 0;
        return write_array(w, TS_BOOL, NULL, 0, &x, sizeof x);
    }
    case TS_KIND_TUPLE:
    case TS_KIND_LIST:
    case TS_KIND_DICT: {
        size_t n = ts_value_len(v);
        for (size_t i = 0; i < n; i++)
            if (walk(w, ts_value_item(v, i), depth + 1) != 0)
                return -1;
        return 0;
    }
    default:
        return 0;
    }
}

int outputs_write(ts_ctx *ctx, const ts_value *v, const char *dir, size_t *count, char *err,
                  size_t errlen) {
    *count = 0;
    if (make_dirs(dir, err, errlen) != 0)
        return -1;
    Writer w = {ctx, dir, 0, err, errlen};
    int rc = walk(&w, v, 0);
    *count = w.count;
    return rc;
}
