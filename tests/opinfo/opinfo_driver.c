/* opinfo_driver.c - the batch runner of the OpInfo suite (tests/opinfo).
 *
 *   opinfo_driver ARCHIVE.pt OUT.bin METHOD...
 *
 * Loads one archive written by gen_opinfo.py (a module whose methods t0, t1,
 * ... each call one op on inputs stored as the module's attributes) and calls
 * each named method once, with no arguments, reseeding the context's
 * generator with 0 before each call as the reference run does
 * (torch.manual_seed(0)). It writes every result to OUT.bin so that one
 * process runs hundreds of wrappers. Uses only the public C API.
 *
 * OUT.bin is a sequence of records, little-endian, one per method in order:
 *   u32 name length, name bytes, u8 status (0 ok, 1 the call failed)
 *   failed: u32 length, the error message
 *   ok:     one value, written by put_value:
 *     'N' none | 'B' u8 | 'I' i64 | 'F' f64 | 'S' u32 len, bytes
 *     'T' i32 dtype, i32 ndim, i64 sizes[ndim], u64 nbytes, row-major data
 *     'L' (list) / 'U' (tuple) u32 n, n values | 'D' dict: u32 n, values
 *     '?' u32 len, the value's repr (kinds the suite does not compare)
 * Exit status: 0 when the file was written (failed calls included), 1 when
 * the archive does not load or the output cannot be written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tscript/tscript.h"

static void put(FILE *f, const void *p, size_t n) { fwrite(p, 1, n, f); }
static void put_u8(FILE *f, unsigned v) { unsigned char c = (unsigned char)v; put(f, &c, 1); }
static void put_u32(FILE *f, uint32_t v) { put(f, &v, 4); }

static void put_str(FILE *f, const char *s) {
    size_t n = s ? strlen(s) : 0;
    put_u32(f, (uint32_t)n);
    put(f, s, n);
}

static size_t elem_size(ts_dtype d) {
    switch (d) {
    case TS_UINT8: case TS_INT8: case TS_BOOL: return 1;
    case TS_INT16: case TS_FLOAT16: case TS_BFLOAT16: return 2;
    case TS_INT32: case TS_FLOAT32: return 4;
    default: return 8;
    }
}

static int put_tensor(FILE *f, ts_ctx *ctx, const ts_value *v) {
    ts_dtype d = ts_tensor_dtype(v);
    int nd = ts_tensor_ndim(v);
    int32_t d32 = (int32_t)d, nd32 = nd;
    put_u8(f, 'T');
    put(f, &d32, 4);
    put(f, &nd32, 4);
    for (int i = 0; i < nd; i++) {
        int64_t s = ts_tensor_size(v, i);
        put(f, &s, 8);
    }
    uint64_t nbytes = (uint64_t)ts_tensor_numel(v) * elem_size(d);
    put(f, &nbytes, 8);
    if (nbytes == 0)
        return 0;
    void *buf = malloc(nbytes);
    if (!buf || ts_value_to_buffer(ctx, v, d, buf, nbytes) != TS_OK) {
        free(buf);
        return -1;
    }
    put(f, buf, nbytes);
    free(buf);
    return 0;
}

static int put_value(FILE *f, ts_ctx *ctx, const ts_value *v) {
    switch (ts_value_kind(v)) {
    case TS_KIND_NONE: put_u8(f, 'N'); return 0;
    case TS_KIND_BOOL: put_u8(f, 'B'); put_u8(f, ts_value_get_bool(v)); return 0;
    case TS_KIND_INT: {
        int64_t i = ts_value_get_int(v);
        put_u8(f, 'I');
        put(f, &i, 8);
        return 0;
    }
    case TS_KIND_FLOAT: {
        double x = ts_value_get_float(v);
        put_u8(f, 'F');
        put(f, &x, 8);
        return 0;
    }
    case TS_KIND_STR: put_u8(f, 'S'); put_str(f, ts_value_get_str(v)); return 0;
    case TS_KIND_TENSOR: return put_tensor(f, ctx, v);
    case TS_KIND_LIST: case TS_KIND_TUPLE: case TS_KIND_DICT: {
        ts_kind k = ts_value_kind(v);
        size_t n = ts_value_len(v);
        put_u8(f, k == TS_KIND_LIST ? 'L' : k == TS_KIND_TUPLE ? 'U' : 'D');
        put_u32(f, (uint32_t)n);
        for (size_t i = 0; i < n; i++)
            if (put_value(f, ctx, ts_value_item(v, i)) != 0)
                return -1;
        return 0;
    }
    default: {
        char *r = ts_value_repr(v);
        put_u8(f, '?');
        put_str(f, r);
        ts_string_free(r);
        return 0;
    }
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: opinfo_driver ARCHIVE.pt OUT.bin METHOD...\n");
        return 2;
    }
    ts_ctx *ctx = NULL;
    ts_config cfg = {0};
    cfg.num_threads = 1;
    if (ts_ctx_new(&cfg, &ctx) != TS_OK) {
        fprintf(stderr, "opinfo_driver: cannot make a context\n");
        return 1;
    }
    ts_module *m = NULL;
    if (ts_module_load(ctx, argv[1], &m) != TS_OK) {
        fprintf(stderr, "%s\n", ts_ctx_error(ctx));
        ts_ctx_free(ctx);
        return 1;
    }
    FILE *f = fopen(argv[2], "wb");
    if (!f) {
        fprintf(stderr, "opinfo_driver: cannot write %s\n", argv[2]);
        ts_module_release(m);
        ts_ctx_free(ctx);
        return 1;
    }
    int rc = 0;
    for (int i = 3; i < argc && rc == 0; i++) {
        ts_value *out = NULL;
        put_str(f, argv[i]);
        (void)ts_ctx_manual_seed(ctx, 0);
        ts_ctx_set_timeout(ctx, 20000);
        if (ts_module_call(ctx, m, argv[i], NULL, 0, &out) != TS_OK) {
            put_u8(f, 1);
            put_str(f, ts_ctx_error_message(ctx));
            ts_ctx_clear_error(ctx);
            continue;
        }
        put_u8(f, 0);
        if (put_value(f, ctx, out) != 0) {
            fprintf(stderr, "opinfo_driver: %s: cannot read the result: %s\n", argv[i],
                    ts_ctx_error(ctx));
            rc = 1;
        }
        ts_value_release(out);
    }
    if (fclose(f) != 0)
        rc = 1;
    ts_module_release(m);
    ts_ctx_free(ctx);
    return rc;
}
