/*
 * tensor.c - storages and strided tensor views.
 *
 * A Storage owns its bytes (one allocation holding the header and 64-byte
 * aligned data) or borrows them from an owner released with owner_release.
 * A Tensor is sizes/strides/storage_offset over a retained Storage.
 * Reference counts are atomic so values may be shared between threads.
 *
 * Invariant: every tensor made here satisfies tensor_check_bounds: ndim in
 * [0, TS_MAX_DIMS], sizes >= 0, strides >= 0, offset >= 0, and every
 * addressable element lies inside the storage, with all arithmetic on the
 * untrusted numbers overflow-checked. So numel and byte sizes of any tensor
 * fit in int64_t/size_t and kernels can index without further checks.
 */
#include "tensor/tensor.h"

#include <inttypes.h>
#include <math.h>

#include "tensor/iter.h"
#include "value/value.h" /* only for the HeapHdr kind tags IV_TENSOR / HK_STORAGE */

enum { STORAGE_ALIGN = 64 };

/* ---- storages ---- */

static Storage *storage_alloc(size_t nbytes, bool zero) {
    size_t total;
    if (!ts_add_ok(sizeof(Storage) + STORAGE_ALIGN, nbytes, &total)) return NULL;
    Storage *s = zero ? ts_calloc(1, total) : ts_malloc(total);
    if (!s) return NULL;
    memset(s, 0, sizeof *s);
    uintptr_t p = (uintptr_t)(s + 1);
    p = (p + STORAGE_ALIGN - 1) & ~(uintptr_t)(STORAGE_ALIGN - 1);
    s->hdr.refcnt = 1;
    s->hdr.kind = HK_STORAGE;
    s->data = (void *)p;
    s->nbytes = nbytes;
    return s;
}

Storage *storage_new(size_t nbytes) { return storage_alloc(nbytes, true); }
Storage *storage_new_uninit(size_t nbytes) { return storage_alloc(nbytes, false); }

Storage *storage_borrow(void *data, size_t nbytes, void (*owner_release)(void *), void *owner) {
    Storage *s = ts_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->hdr.refcnt = 1;
    s->hdr.kind = HK_STORAGE;
    s->data = data;
    s->nbytes = nbytes;
    s->owner_release = owner_release;
    s->owner = owner;
    return s;
}

Storage *storage_retain(Storage *s) {
    if (s) __atomic_add_fetch(&s->hdr.refcnt, 1, __ATOMIC_RELAXED);
    return s;
}

void storage_release(Storage *s) {
    if (!s) return;
    if (__atomic_sub_fetch(&s->hdr.refcnt, 1, __ATOMIC_ACQ_REL) != 0) return;
    if (s->owner_release) s->owner_release(s->owner);
    ts_free(s);
}

/* ---- bounds ---- */

ts_status tensor_check_bounds(Ctx *ctx, const Storage *st, DType dt, int64_t offset,
                              const int64_t *sizes, const int64_t *strides, int ndim) {
    if (ndim < 0 || ndim > TS_MAX_DIMS)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "tensor has %d dimensions; at most %d are supported",
                       ndim, (int)TS_MAX_DIMS);
    if (offset < 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "tensor storage offset %" PRId64 " is negative", offset);
    bool empty = false;
    for (int d = 0; d < ndim; d++) {
        if (sizes[d] < 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "tensor size %" PRId64 " at dimension %d is negative",
                           sizes[d], d);
        if (strides[d] < 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "tensor stride %" PRId64 " at dimension %d is negative", strides[d], d);
        if (sizes[d] == 0) empty = true;
    }
    size_t esize = dtype_size(dt);
    /* numel must fit in int64 even for an empty tensor's other dims */
    int64_t numel = 1;
    for (int d = 0; d < ndim; d++)
        if (!ts_mul_i64_ok(numel, sizes[d] ? sizes[d] : 1, &numel))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "tensor of shape too large (element count overflows)");
    size_t off_bytes;
    if (!ts_mul_ok((size_t)offset, esize, &off_bytes))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "tensor storage offset %" PRId64 " is too large", offset);
    if (empty) return TS_OK; /* nothing is addressable */
    int64_t last = offset;
    for (int d = 0; d < ndim; d++) {
        int64_t span;
        if (!ts_mul_i64_ok(sizes[d] - 1, strides[d], &span) || __builtin_add_overflow(last, span, &last))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "tensor view reaches past any storage (overflow)");
    }
    size_t end_bytes;
    if (!ts_mul_ok((size_t)last + 1, esize, &end_bytes) || end_bytes > st->nbytes) {
        StrBuf sb;
        sb_init(&sb);
        sb_put_shape(&sb, sizes, ndim);
        ts_status r = ts_fail(ctx, TS_ERR_VALUE, NULL,
                              "tensor of shape %s (offset %" PRId64 ", %s) needs element %" PRId64
                              " but its storage holds %zu elements",
                              sb_cstr(&sb), offset, dtype_name(dt), last, st->nbytes / esize);
        sb_free(&sb);
        return r;
    }
    return TS_OK;
}

/* ---- tensors ---- */

static Tensor *tensor_alloc(Ctx *ctx) {
    Tensor *t = ts_calloc(1, sizeof *t);
    if (!t) ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory allocating a tensor");
    else {
        t->hdr.refcnt = 1;
        t->hdr.kind = IV_TENSOR;
    }
    return t;
}

/* The product can only overflow for an empty tensor (tensor_new refuses a
 * non-empty one whose element count overflows), where strides do not address
 * anything: they wrap modulo 2^64, as PyTorch's do (shape (0, 2^62, 2^62) has
 * strides (0, 2^62, 1) in both). */
void tensor_contiguous_strides(const int64_t *sizes, int ndim, int64_t *strides) {
    uint64_t s = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        strides[d] = (int64_t)s;
        s *= sizes[d] > 1 ? (uint64_t)sizes[d] : 1;
    }
}

static Tensor *tensor_new(Ctx *ctx, DType dt, const int64_t *sizes, int ndim, bool zero) {
    if (ndim < 0 || ndim > TS_MAX_DIMS) {
        ts_fail(ctx, TS_ERR_VALUE, NULL, "tensor has %d dimensions; at most %d are supported", ndim,
                (int)TS_MAX_DIMS);
        return NULL;
    }
    int64_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (sizes[d] < 0) {
            ts_fail(ctx, TS_ERR_VALUE, NULL, "negative dimension %" PRId64 " in tensor shape", sizes[d]);
            return NULL;
        }
        if (!ts_mul_i64_ok(numel, sizes[d], &numel)) numel = -1;
        if (numel < 0) break;
    }
    size_t nbytes;
    if (numel < 0 || !ts_mul_ok((size_t)numel, dtype_size(dt), &nbytes) || nbytes > (size_t)INT64_MAX) {
        StrBuf sb;
        sb_init(&sb);
        sb_put_shape(&sb, sizes, ndim);
        ts_fail(ctx, TS_ERR_NOMEM, NULL, "tensor of shape %s and dtype %s is too large to allocate",
                sb_cstr(&sb), dtype_name(dt));
        sb_free(&sb);
        return NULL;
    }
    Storage *st = storage_alloc(nbytes, zero);
    if (!st) {
        ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory allocating %zu bytes for a tensor", nbytes);
        return NULL;
    }
    Tensor *t = tensor_alloc(ctx);
    if (!t) {
        storage_release(st);
        return NULL;
    }
    t->dtype = dt;
    t->ndim = ndim;
    t->storage = st;
    for (int d = 0; d < ndim; d++) t->sizes[d] = sizes[d];
    tensor_contiguous_strides(sizes, ndim, t->strides);
    return t;
}

Tensor *tensor_empty(Ctx *ctx, DType dt, const int64_t *sizes, int ndim) {
    return tensor_new(ctx, dt, sizes, ndim, true);
}

Tensor *tensor_new_uninit(Ctx *ctx, DType dt, const int64_t *sizes, int ndim) {
    return tensor_new(ctx, dt, sizes, ndim, false);
}

Tensor *tensor_view(Ctx *ctx, Storage *st, DType dt, int64_t offset, const int64_t *sizes,
                    const int64_t *strides, int ndim) {
    if (tensor_check_bounds(ctx, st, dt, offset, sizes, strides, ndim) != TS_OK) return NULL;
    Tensor *t = tensor_alloc(ctx);
    if (!t) return NULL;
    t->dtype = dt;
    t->ndim = ndim;
    t->storage_offset = offset;
    for (int d = 0; d < ndim; d++) {
        t->sizes[d] = sizes[d];
        t->strides[d] = strides[d];
    }
    t->storage = storage_retain(st);
    return t;
}

Tensor *tensor_scalar_f64(Ctx *ctx, DType dt, double v) {
    Tensor *t = tensor_empty(ctx, dt, NULL, 0);
    if (t) dtype_store_f64(dt, tensor_data(t), v);
    return t;
}

Tensor *tensor_scalar_i64(Ctx *ctx, DType dt, int64_t v) {
    Tensor *t = tensor_empty(ctx, dt, NULL, 0);
    if (t) dtype_store_i64(dt, tensor_data(t), v);
    return t;
}

Tensor *tensor_retain(Tensor *t) {
    if (t) __atomic_add_fetch(&t->hdr.refcnt, 1, __ATOMIC_RELAXED);
    return t;
}

void tensor_release(Tensor *t) {
    if (!t) return;
    if (__atomic_sub_fetch(&t->hdr.refcnt, 1, __ATOMIC_ACQ_REL) != 0) return;
    storage_release(t->storage);
    ts_free(t);
}

int64_t tensor_numel(const Tensor *t) {
    int64_t n = 1;
    for (int d = 0; d < t->ndim; d++) n *= t->sizes[d];
    return n;
}

/* PyTorch's is_contiguous: size-1 dims may have any stride; empty is contiguous. */
bool tensor_is_contiguous(const Tensor *t) {
    int64_t expect = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        if (t->sizes[d] == 0) return true;
        if (t->sizes[d] == 1) continue;
        if (t->strides[d] != expect) return false;
        expect *= t->sizes[d];
    }
    return true;
}

int64_t tensor_elem_offset(const Tensor *t, int64_t i) {
    int64_t off = t->storage_offset;
    for (int d = t->ndim - 1; d >= 0; d--) {
        int64_t sz = t->sizes[d];
        if (sz == 0) return off;
        off += (i % sz) * t->strides[d];
        i /= sz;
    }
    return off;
}

double tensor_get_f64(const Tensor *t, int64_t i) {
    size_t es = dtype_size(t->dtype);
    return dtype_load_f64(t->dtype, (char *)t->storage->data + (size_t)tensor_elem_offset(t, i) * es);
}

int64_t tensor_get_i64(const Tensor *t, int64_t i) {
    size_t es = dtype_size(t->dtype);
    return dtype_load_i64(t->dtype, (char *)t->storage->data + (size_t)tensor_elem_offset(t, i) * es);
}

/* ---- copies ---- */

typedef struct CopyArg {
    DType dst, src;
} CopyArg;

static void copy_same(void *arg, int64_t n, char **p, const int64_t *s) {
    size_t es = dtype_size(((CopyArg *)arg)->dst);
    char *d = p[0], *a = p[1];
    if (s[0] == (int64_t)es && s[1] == (int64_t)es) {
        memcpy(d, a, (size_t)n * es);
        return;
    }
    switch (es) {
    case 1: for (int64_t i = 0; i < n; i++, d += s[0], a += s[1]) *(uint8_t *)d = *(uint8_t *)a; break;
    case 2: for (int64_t i = 0; i < n; i++, d += s[0], a += s[1]) memcpy(d, a, 2); break;
    case 4: for (int64_t i = 0; i < n; i++, d += s[0], a += s[1]) memcpy(d, a, 4); break;
    default: for (int64_t i = 0; i < n; i++, d += s[0], a += s[1]) memcpy(d, a, 8); break;
    }
}

static void copy_f32_f64(void *arg, int64_t n, char **p, const int64_t *s) {
    (void)arg;
    for (int64_t i = 0; i < n; i++) *(double *)(p[0] + i * s[0]) = *(float *)(p[1] + i * s[1]);
}

static void copy_f64_f32(void *arg, int64_t n, char **p, const int64_t *s) {
    (void)arg;
    for (int64_t i = 0; i < n; i++) *(float *)(p[0] + i * s[0]) = (float)*(double *)(p[1] + i * s[1]);
}

static void copy_convert(void *arg, int64_t n, char **p, const int64_t *s) {
    CopyArg *c = arg;
    for (int64_t i = 0; i < n; i++) dtype_convert(c->dst, p[0] + i * s[0], c->src, p[1] + i * s[1]);
}

void tensor_copy_into(Tensor *dst, const Tensor *src) {
    StridedIter it;
    const int64_t *strides[2] = {dst->strides, src->strides};
    size_t es[2] = {dtype_size(dst->dtype), dtype_size(src->dtype)};
    iter_init(&it, 2, dst->ndim, dst->sizes, strides, es);
    char *base[2] = {tensor_data(dst), tensor_data(src)};
    CopyArg arg = {dst->dtype, src->dtype};
    IterLoop fn = copy_convert;
    if (dst->dtype == src->dtype) fn = copy_same;
    else if (dst->dtype == DT_FLOAT64 && src->dtype == DT_FLOAT32) fn = copy_f32_f64;
    else if (dst->dtype == DT_FLOAT32 && src->dtype == DT_FLOAT64) fn = copy_f64_f32;
    iter_run(&it, base, fn, &arg);
}

Tensor *tensor_contiguous(Ctx *ctx, Tensor *t) {
    if (tensor_is_contiguous(t)) return tensor_retain(t);
    Tensor *r = tensor_new_uninit(ctx, t->dtype, t->sizes, t->ndim);
    if (!r) return NULL;
    tensor_copy_into(r, t);
    return r;
}

Tensor *tensor_to_dtype(Ctx *ctx, const Tensor *t, DType dt) {
    Tensor *r = tensor_new_uninit(ctx, dt, t->sizes, t->ndim);
    if (!r) return NULL;
    tensor_copy_into(r, t);
    return r;
}

/* ---- broadcasting ---- */

ts_status tensor_broadcast_shapes(Ctx *ctx, const char *op, const int64_t *a, int na,
                                  const int64_t *b, int nb, int64_t *out, int *nout) {
    int n = na > nb ? na : nb;
    for (int i = 0; i < n; i++) {
        int ia = na - n + i, ib = nb - n + i;
        int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
        if (sa != sb && sa != 1 && sb != 1)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "%s: the size of tensor a (%" PRId64 ") must match the size of tensor b (%" PRId64
                           ") at non-singleton dimension %d",
                           op, sa, sb, i);
        out[i] = sa == 1 ? sb : sa;
    }
    *nout = n;
    return TS_OK;
}

Tensor *tensor_expand(Ctx *ctx, Tensor *t, const int64_t *sizes, int ndim) {
    if (ndim < t->ndim) {
        ts_fail(ctx, TS_ERR_SHAPE, NULL,
                "expand: the number of sizes provided (%d) must be greater or equal to the number of "
                "dimensions in the tensor (%d)",
                ndim, t->ndim);
        return NULL;
    }
    int64_t strides[TS_MAX_DIMS];
    for (int i = 0; i < ndim; i++) {
        int j = t->ndim - ndim + i;
        if (j < 0) {
            strides[i] = 0;
            continue;
        }
        if (t->sizes[j] == sizes[i]) strides[i] = t->strides[j];
        else if (t->sizes[j] == 1) strides[i] = 0;
        else {
            ts_fail(ctx, TS_ERR_SHAPE, NULL,
                    "expand: the expanded size of the tensor (%" PRId64 ") must match the existing size (%" PRId64
                    ") at non-singleton dimension %d",
                    sizes[i], t->sizes[j], i);
            return NULL;
        }
    }
    Tensor *r = tensor_view(ctx, t->storage, t->dtype, t->storage_offset, sizes, strides, ndim);
    return r;
}

void sb_put_shape(StrBuf *sb, const int64_t *sizes, int ndim) {
    sb_putc(sb, '[');
    for (int d = 0; d < ndim; d++) sb_printf(sb, d ? ", %" PRId64 : "%" PRId64, sizes[d]);
    sb_putc(sb, ']');
}
