/*
 * npy.c - the .npy reader and writer of the tscript CLI (see npy.h).
 *
 * File layout: "\x93NUMPY", major, minor, header length (uint16 LE for 1.x,
 * uint32 LE for 2.x/3.x), then the header, a Python dict literal such as
 *     {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and ended by '\n', then the raw elements.
 *
 * Invariants: nothing read from the file sizes an allocation before it has
 * gone through an overflow-checked multiply and been compared with the file's
 * real length; the data must be exactly as long as the header says.
 */
#include "npy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen,
                                                      const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- dtypes ---- */

typedef struct Descr {
    const char *code; /* without the byte-order character */
    ts_dtype dtype;
    size_t size;
} Descr;

static const Descr descrs[] = {
    {"f4", TS_FLOAT32, 4}, {"f8", TS_FLOAT64, 8}, {"f2", TS_FLOAT16, 2},
    {"i8", TS_INT64, 8},   {"i4", TS_INT32, 4},   {"i2", TS_INT16, 2},
    {"i1", TS_INT8, 1},    {"u1", TS_UINT8, 1},   {"b1", TS_BOOL, 1},
};

size_t npy_itemsize(ts_dtype dtype) {
    for (size_t i = 0; i < sizeof descrs / sizeof descrs[0]; i++)
        if (descrs[i].dtype == dtype)
            return descrs[i].size;
    return 0;
}

static const Descr *descr_find(ts_dtype dtype) {
    for (size_t i = 0; i < sizeof descrs / sizeof descrs[0]; i++)
        if (descrs[i].dtype == dtype)
            return &descrs[i];
    return NULL;
}

/* Parse a descr string such as "<f4"; *swap is set for big-endian data. */
static const Descr *descr_parse(const char *s, bool *swap) {
    char order = s[0];
    if (order != '<' && order != '>' && order != '|' && order != '=')
        return NULL;
    for (size_t i = 0; i < sizeof descrs / sizeof descrs[0]; i++) {
        if (strcmp(s + 1, descrs[i].code) != 0)
            continue;
        if (order == '|' && descrs[i].size != 1)
            return NULL;
        *swap = order == '>' && descrs[i].size > 1;
        return &descrs[i];
    }
    return NULL;
}

/* ---- the header dict ---- */

typedef struct Header {
    char descr[32];
    bool has_descr, has_order, has_shape;
    bool fortran_order;
    int ndim;
    int64_t shape[NPY_MAX_DIMS];
} Header;

typedef struct Cursor {
    const char *p, *end;
} Cursor;

static void skip_ws(Cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool eat(Cursor *c, char ch) {
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool eat_word(Cursor *c, const char *w) {
    size_t n = strlen(w);
    skip_ws(c);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, w, n) == 0) {
        c->p += n;
        return true;
    }
    return false;
}

/* string = "'" chars "'" | '"' chars '"'  (no escapes: numpy never writes any here) */
static bool parse_str(Cursor *c, char *buf, size_t cap) {
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return false;
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || n + 1 >= cap)
            return false;
        buf[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return false;
    c->p++;
    buf[n] = '\0';
    return true;
}

/* shape = "(" [int {"," int} [","]] ")" */
static bool parse_shape(Cursor *c, Header *h) {
    if (!eat(c, '('))
        return false;
    h->ndim = 0;
    if (eat(c, ')'))
        return true;
    for (;;) {
        skip_ws(c);
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return false;
        int64_t v = 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *c->p - '0', &v))
                return false;
            c->p++;
        }
        if (c->p < c->end && *c->p == 'L') /* Python 2 longs */
            c->p++;
        if (h->ndim == NPY_MAX_DIMS)
            return false;
        h->shape[h->ndim++] = v;
        if (eat(c, ')'))
            return true;
        if (!eat(c, ','))
            return false;
        if (eat(c, ')'))
            return true;
    }
}

/* header = "{" {string ":" value ","} "}" */
static int parse_header(const char *path, const char *text, size_t len, Header *h, char *err,
                        size_t errlen) {
    Cursor c = {text, text + len};
    memset(h, 0, sizeof *h);
    if (!eat(&c, '{'))
        return fail(err, errlen, "%s: bad .npy header (expected '{')", path);
    while (!eat(&c, '}')) {
        char key[32];
        if (!parse_str(&c, key, sizeof key) || !eat(&c, ':'))
            return fail(err, errlen, "%s: bad .npy header (expected a key)", path);
        if (strcmp(key, "descr") == 0) {
            if (!parse_str(&c, h->descr, sizeof h->descr))
                return fail(err, errlen,
                            "%s: unsupported dtype (only plain numeric and bool arrays)", path);
            h->has_descr = true;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (eat_word(&c, "True"))
                h->fortran_order = true;
            else if (eat_word(&c, "False"))
                h->fortran_order = false;
            else
                return fail(err, errlen, "%s: bad .npy header (fortran_order)", path);
            h->has_order = true;
        } else if (strcmp(key, "shape") == 0) {
            if (!parse_shape(&c, h))
                return fail(err, errlen, "%s: bad .npy header (shape)", path);
            h->has_shape = true;
        } else {
            return fail(err, errlen, "%s: bad .npy header (unknown key '%s')", path, key);
        }
        if (!eat(&c, ',')) {
            if (eat(&c, '}'))
                break;
            return fail(err, errlen, "%s: bad .npy header (expected ',' or '}')", path);
        }
    }
    skip_ws(&c);
    if (c.p != c.end)
        return fail(err, errlen, "%s: bad .npy header (text after '}')", path);
    if (!h->has_descr || !h->has_order || !h->has_shape)
        return fail(err, errlen, "%s: bad .npy header (needs descr, fortran_order and shape)",
                    path);
    return 0;
}

/* ---- reading ---- */

static void byteswap(unsigned char *p, size_t numel, size_t size) {
    for (size_t i = 0; i < numel; i++, p += size)
        for (size_t a = 0, b = size - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

/* Copy a Fortran-order array into C order. */
static void fortran_to_c(const unsigned char *src, unsigned char *dst, const int64_t *shape,
                         int ndim, size_t numel, size_t size) {
    int64_t idx[NPY_MAX_DIMS] = {0};
    for (size_t n = 0; n < numel; n++) {
        size_t off = 0, stride = 1;
        for (int d = 0; d < ndim; d++) {
            off += (size_t)idx[d] * stride;
            stride *= (size_t)shape[d];
        }
        memcpy(dst + n * size, src + off * size, size);
        for (int d = ndim - 1; d >= 0; d--) {
            if (++idx[d] < shape[d])
                break;
            idx[d] = 0;
        }
    }
}

static int read_all(const char *path, unsigned char **buf, size_t *len, char *err,
                    size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return fail(err, errlen, "%s: not a regular file", path);
    }
    size_t n = (size_t)st.st_size;
    unsigned char *b = malloc(n ? n : 1);
    if (!b) {
        fclose(f);
        return fail(err, errlen, "%s: out of memory reading %zu bytes", path, n);
    }
    size_t got = fread(b, 1, n, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad || got != n) {
        free(b);
        return fail(err, errlen, "%s: read error", path);
    }
    *buf = b;
    *len = n;
    return 0;
}

int npy_read(const char *path, NpyArray *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    unsigned char *buf = NULL;
    size_t len = 0;
    if (read_all(path, &buf, &len, err, errlen) != 0)
        return -1;

    int rc = -1;
    if (len < NPY_MAGIC_LEN + 2 || memcmp(buf, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        fail(err, errlen, "%s: not a .npy file (bad magic)", path);
        goto free_buf;
    }
    unsigned major = buf[6], minor = buf[7];
    size_t hlen, hstart;
    if (major == 1) {
        if (len < 10) {
            fail(err, errlen, "%s: truncated .npy header", path);
            goto free_buf;
        }
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
        hstart = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12) {
            fail(err, errlen, "%s: truncated .npy header", path);
            goto free_buf;
        }
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
               (size_t)buf[11] << 24;
        hstart = 12;
    } else {
        fail(err, errlen, "%s: unsupported .npy format version %u.%u", path, major, minor);
        goto free_buf;
    }
    if (hlen > len - hstart) {
        fail(err, errlen, "%s: truncated .npy header (header says %zu bytes, file has %zu)",
             path, hlen, len - hstart);
        goto free_buf;
    }

    Header h;
    if (parse_header(path, (const char *)buf + hstart, hlen, &h, err, errlen) != 0)
        goto free_buf;
    bool swap = false;
    const Descr *d = descr_parse(h.descr, &swap);
    if (!d) {
        fail(err, errlen,
             "%s: unsupported dtype '%s' (supported: <f4 <f8 <f2 <i8 <i4 <i2 |i1 |u1 |b1)", path,
             h.descr);
        goto free_buf;
    }

    size_t numel = 1;
    for (int i = 0; i < h.ndim; i++)
        if (__builtin_mul_overflow(numel, (size_t)h.shape[i], &numel)) {
            fail(err, errlen, "%s: shape too large", path);
            goto free_buf;
        }
    size_t nbytes;
    if (__builtin_mul_overflow(numel, d->size, &nbytes)) {
        fail(err, errlen, "%s: shape too large", path);
        goto free_buf;
    }
    size_t have = len - hstart - hlen;
    if (have < nbytes) {
        fail(err, errlen, "%s: truncated: header says %zu bytes of data, file has %zu", path,
             nbytes, have);
        goto free_buf;
    }
    if (have > nbytes) {
        fail(err, errlen, "%s: header says %zu bytes of data, file has %zu (trailing bytes)",
             path, nbytes, have);
        goto free_buf;
    }

    unsigned char *data = malloc(nbytes ? nbytes : 1);
    if (!data) {
        fail(err, errlen, "%s: out of memory for %zu bytes", path, nbytes);
        goto free_buf;
    }
    const unsigned char *src = buf + hstart + hlen;
    if (h.fortran_order && h.ndim > 1)
        fortran_to_c(src, data, h.shape, h.ndim, numel, d->size);
    else if (nbytes)
        memcpy(data, src, nbytes);
    if (swap)
        byteswap(data, numel, d->size);
    if (d->dtype == TS_BOOL) /* any non-zero byte is True, as numpy reads it */
        for (size_t i = 0; i < numel; i++)
            data[i] = data[i] != 0;

    out->dtype = d->dtype;
    out->ndim = h.ndim;
    memcpy(out->shape, h.shape, sizeof(int64_t) * (size_t)h.ndim);
    out->numel = numel;
    out->nbytes = nbytes;
    out->data = data;
    rc = 0;
free_buf:
    free(buf);
    return rc;
}

void npy_free(NpyArray *a) {
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* ---- writing ---- */

int npy_write(const char *path, ts_dtype dtype, const int64_t *shape, int ndim,
              const void *data, size_t nbytes, char *err, size_t errlen) {
    const Descr *d = descr_find(dtype);
    if (!d)
        return fail(err, errlen, "%s: dtype %d has no .npy equivalent", path, (int)dtype);
    if (ndim < 0 || ndim > NPY_MAX_DIMS)
        return fail(err, errlen, "%s: %d dimensions is more than .npy allows", path, ndim);

    /* numpy: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" */
    char header[64 + NPY_MAX_DIMS * 24 + NPY_ALIGN];
    size_t n = (size_t)snprintf(header, sizeof header, "{'descr': '%c%s', 'fortran_order': False, 'shape': (",
                                d->size == 1 ? '|' : '<', d->code);
    for (int i = 0; i < ndim; i++)
        n += (size_t)snprintf(header + n, sizeof header - n, i ? ", %" PRId64 : "%" PRId64,
                              shape[i]);
    n += (size_t)snprintf(header + n, sizeof header - n, "%s), }", ndim == 1 ? "," : "");
    /* Pad with spaces so magic + version + length + header + '\n' is a
     * multiple of 64 (numpy adds a full 64 when already aligned). */
    size_t pad = NPY_ALIGN - ((NPY_MAGIC_LEN + 2 + 2 + n + 1) % NPY_ALIGN);
    memset(header + n, ' ', pad);
    n += pad;
    header[n++] = '\n';

    unsigned char pre[10];
    memcpy(pre, NPY_MAGIC, NPY_MAGIC_LEN);
    pre[6] = 1;
    pre[7] = 0;
    pre[8] = (unsigned char)(n & 0xff);
    pre[9] = (unsigned char)(n >> 8);

    FILE *f = fopen(path, "wb");
    if (!f)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    bool ok = fwrite(pre, 1, sizeof pre, f) == sizeof pre && fwrite(header, 1, n, f) == n &&
              (nbytes == 0 || fwrite(data, 1, nbytes, f) == nbytes);
    if (fclose(f) != 0)
        ok = false;
    if (!ok)
        return fail(err, errlen, "%s: write error: %s", path, strerror(errno));
    return 0;
}
