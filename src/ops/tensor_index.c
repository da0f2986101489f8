/*
 * tensor_index.c - advanced indexing: aten::index.Tensor (x[idx], x[:, idx],
 * x[mask]) and aten::index_put_ / index_put (x[idx] = v, x[mask] = v), what
 * the frontend emits for a subscript holding a tensor, as PyTorch's
 * emitMultidimSlicing / emitSubscriptAssign do.
 *
 * The indices are a Tensor?[] with one entry per leading dimension of self
 * (None: that dimension is taken whole). As ATen's expandTensors and
 * make_info: a bool (or uint8) mask of k dimensions stands for k int64 index
 * tensors (its nonzero coordinates) and must match self's sizes there; the
 * index tensors broadcast to one shape B; negative indices count from the
 * end. The result has B in place of the indexed dimensions when those are
 * adjacent, else B first and the other dimensions after, in order.
 * index_put_ writes values (broadcast to that result's shape, same dtype as
 * self) at those places, adding with accumulate=True; with repeated indices
 * and accumulate=False the last write wins (PyTorch's serial CPU order).
 * Validation happens before anything is written.
 */
#include "ops/tensor_ops.h"

#include <inttypes.h>

/* One planned indexing of self. */
typedef struct IndexPlan {
    int nidx;                       /* entries after mask expansion (<= self->ndim) */
    Tensor *idx[TS_MAX_DIMS];       /* owned int64 contiguous index per dim, NULL: whole dim */
    int64_t bsizes[TS_MAX_DIMS];    /* broadcast shape of the index tensors */
    int nb;
    int64_t bstride[TS_MAX_DIMS][TS_MAX_DIMS]; /* per dim: stride of each B dim in its index (0: broadcast) */
    bool adjacent;                  /* the indexed dims are consecutive: B goes in their place */
    int first;                      /* first indexed dim */
    int64_t rsizes[TS_MAX_DIMS];    /* result shape */
    int nr;
} IndexPlan;

static void plan_free(IndexPlan *p) {
    for (int i = 0; i < TS_MAX_DIMS; i++) tensor_release(p->idx[i]);
    memset(p, 0, sizeof *p);
}

/* The k int64 coordinate tensors of mask's true elements (torch.nonzero's columns). */
static ts_status mask_coords(Ctx *ctx, const char *op, Tensor *mask, Tensor **cols) {
    int64_t n = tensor_numel(mask), nnz = 0;
    for (int64_t e = 0; e < n; e++) nnz += tensor_get_i64(mask, e) != 0;
    int k = mask->ndim;
    for (int j = 0; j < k; j++) {
        cols[j] = tensor_new_uninit(ctx, DT_INT64, &nnz, 1);
        if (!cols[j]) {
            for (int i = 0; i < j; i++) tensor_release(cols[i]);
            return ctx->status ? ctx->status : ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
        }
    }
    int64_t w = 0;
    for (int64_t e = 0; e < n; e++) {
        if (tensor_get_i64(mask, e) == 0) continue;
        int64_t rem = e;
        for (int j = k - 1; j >= 0; j--) {
            ((int64_t *)tensor_data(cols[j]))[w] = rem % mask->sizes[j];
            rem /= mask->sizes[j];
        }
        w++;
    }
    return TS_OK;
}

/* Expand masks, check dtypes, bounds and shapes, and compute the result shape. */
static ts_status plan_index(Ctx *ctx, const char *op, Tensor *x, IValue list, IndexPlan *p) {
    memset(p, 0, sizeof *p);
    if (list.kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: indices must be a list of optional tensors", op);
    ListObj *l = list.u.l;
    if (l->len > x->ndim)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "too many indices for tensor of dimension %d (got %" PRId64 ")", x->ndim,
                       l->len);
    int d = 0;
    ts_status st = TS_OK;
    for (int64_t i = 0; i < l->len && st == TS_OK; i++) {
        IValue v = l->items[i];
        if (v.kind == IV_NONE) {
            d++;
            continue;
        }
        if (v.kind != IV_TENSOR) {
            st = ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: indices must be tensors or None", op);
            break;
        }
        Tensor *t = v.u.t;
        if (t->dtype == DT_BOOL || t->dtype == DT_UINT8) {
            if (d + t->ndim > x->ndim) {
                st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "too many indices for tensor of dimension %d (got %d)", x->ndim,
                             d + t->ndim);
                break;
            }
            for (int j = 0; j < t->ndim; j++)
                if (t->sizes[j] != x->sizes[d + j]) {
                    ShapeText a, b;
                    st = ts_fail(ctx, TS_ERR_SHAPE, NULL,
                                 "The shape of the mask %s at index %d does not match the shape of the indexed tensor %s at index %d",
                                 op_shape(&a, t), j, op_shape(&b, x), d + j);
                    break;
                }
            if (st != TS_OK) break;
            st = mask_coords(ctx, op, t, &p->idx[d]);
            d += t->ndim;
            continue;
        }
        if (t->dtype != DT_INT64) {
            st = ts_fail(ctx, TS_ERR_TYPE, NULL, "tensors used as indices must be long, byte or bool tensors");
            break;
        }
        if (!(p->idx[d] = tensor_contiguous(ctx, t))) {
            st = ctx->status;
            break;
        }
        d++;
    }
    p->nidx = d;
    if (st != TS_OK) {
        plan_free(p);
        return st;
    }
    /* broadcast the index shapes; note where the indexed dims are */
    int nfound = 0, last = -1;
    p->first = -1;
    p->adjacent = true;
    for (int j = 0; j < p->nidx && st == TS_OK; j++) {
        Tensor *t = p->idx[j];
        if (!t) continue;
        if (p->first < 0) p->first = j;
        else if (last != j - 1) p->adjacent = false;
        last = j;
        if (nfound++ == 0) {
            p->nb = t->ndim;
            memcpy(p->bsizes, t->sizes, sizeof(int64_t) * (size_t)t->ndim);
            continue;
        }
        int64_t out[TS_MAX_DIMS];
        int no;
        if (tensor_broadcast_shapes(ctx, op, p->bsizes, p->nb, t->sizes, t->ndim, out, &no) != TS_OK) {
            ts_clear_error(ctx);
            StrBuf sb;
            sb_init(&sb);
            for (int k = 0, m = 0; k <= j; k++) {
                if (!p->idx[k]) continue;
                if (m++) sb_puts(&sb, ", ");
                sb_put_shape(&sb, p->idx[k]->sizes, p->idx[k]->ndim);
            }
            st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "shape mismatch: indexing tensors could not be broadcast together with shapes %s",
                         sb_cstr(&sb));
            sb_free(&sb);
            break;
        }
        p->nb = no;
        memcpy(p->bsizes, out, sizeof out);
    }
    if (st == TS_OK && nfound == 0) st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: the indices hold no tensor", op);
    /* every index in bounds */
    for (int j = 0; j < p->nidx && st == TS_OK; j++) {
        Tensor *t = p->idx[j];
        if (!t) continue;
        const int64_t *I = tensor_data(t);
        int64_t n = tensor_numel(t);
        for (int64_t e = 0; e < n; e++)
            if (I[e] < -x->sizes[j] || I[e] >= x->sizes[j]) {
                st = ts_fail(ctx, TS_ERR_VALUE, NULL, "index %" PRId64 " is out of bounds for dimension %d with size %" PRId64,
                             I[e], j, x->sizes[j]);
                break;
            }
        /* strides of B's dims in this index (right-aligned; 1-sized dims broadcast) */
        int off = p->nb - t->ndim;
        int64_t s = 1;
        for (int k = p->nb - 1; k >= 0; k--) {
            int tk = k - off;
            if (tk < 0 || t->sizes[tk] == 1) p->bstride[j][k] = 0;
            else p->bstride[j][k] = s;
            if (tk >= 0) s *= t->sizes[tk];
        }
    }
    int nrest = x->ndim - nfound;
    if (st == TS_OK && p->nb + nrest > TS_MAX_DIMS)
        st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: the result would have more than %d dimensions", op, TS_MAX_DIMS);
    if (st != TS_OK) {
        plan_free(p);
        return st;
    }
    int r = 0;
    if (p->adjacent) {
        for (int j = 0; j < p->first; j++) p->rsizes[r++] = x->sizes[j];
        for (int k = 0; k < p->nb; k++) p->rsizes[r++] = p->bsizes[k];
        for (int j = p->first; j < x->ndim; j++)
            if (j >= p->nidx || !p->idx[j]) p->rsizes[r++] = x->sizes[j];
    } else {
        for (int k = 0; k < p->nb; k++) p->rsizes[r++] = p->bsizes[k];
        for (int j = 0; j < x->ndim; j++)
            if (j >= p->nidx || !p->idx[j]) p->rsizes[r++] = x->sizes[j];
    }
    p->nr = r;
    return TS_OK;
}

/* The element offset in x's storage of result element e (row-major over rsizes). */
static int64_t source_offset(const IndexPlan *p, const Tensor *x, int64_t e) {
    int64_t c[TS_MAX_DIMS];
    for (int k = p->nr - 1; k >= 0; k--) {
        c[k] = p->rsizes[k] ? e % p->rsizes[k] : 0;
        e = p->rsizes[k] ? e / p->rsizes[k] : 0;
    }
    int bpos = p->adjacent ? p->first : 0; /* where B's coordinates start in c */
    int64_t off = x->storage_offset;
    int r = 0;
    for (int j = 0; j < x->ndim; j++) {
        bool indexed = j < p->nidx && p->idx[j];
        if (indexed) {
            int64_t pos = 0;
            for (int k = 0; k < p->nb; k++) pos += c[bpos + k] * p->bstride[j][k];
            int64_t i = ((const int64_t *)tensor_data(p->idx[j]))[pos];
            if (i < 0) i += x->sizes[j];
            off += i * x->strides[j];
        } else {
            if (r == bpos) r += p->nb; /* skip B's coordinates */
            off += c[r++] * x->strides[j];
        }
    }
    return off;
}

OPFN(top_index_Tensor) {
    const char *op = "index";
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    IndexPlan p;
    TS_TRY(plan_index(ctx, op, x, in[1], &p));
    Tensor *r = tensor_new_uninit(ctx, x->dtype, p.rsizes, p.nr);
    if (!r) {
        plan_free(&p);
        return ctx->status;
    }
    size_t es = dtype_size(x->dtype);
    const char *base = (const char *)x->storage->data;
    char *dst = tensor_data(r);
    int64_t n = tensor_numel(r);
    for (int64_t e = 0; e < n; e++) memcpy(dst + (size_t)e * es, base + (size_t)source_offset(&p, x, e) * es, es);
    plan_free(&p);
    return op_return(out, r);
}

/* self[indices] = values (or +=), into self itself. */
static ts_status index_put_into(Ctx *ctx, const char *op, Tensor *self, IValue indices, Tensor *values, bool accumulate) {
    if (values->dtype != self->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "Index put requires the source and destination dtypes match, got %s for the destination and %s for the source.",
                       dtype_storage_name(self->dtype), dtype_storage_name(values->dtype));
    IndexPlan p;
    TS_TRY(plan_index(ctx, op, self, indices, &p));
    /* values that share self's storage are read before anything is written */
    Tensor *own = NULL;
    if (values->storage == self->storage) {
        if (!(own = tensor_new_uninit(ctx, values->dtype, values->sizes, values->ndim))) {
            plan_free(&p);
            return ctx->status;
        }
        tensor_copy_into(own, values);
        values = own;
    }
    Tensor *v = tensor_expand(ctx, values, p.rsizes, p.nr);
    if (!v) {
        ts_clear_error(ctx);
        ShapeText a, b;
        ts_status st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "shape mismatch: value tensor of shape %s cannot be broadcast to indexing result of shape %s",
                       op_shape(&a, values), op_sizes(&b, p.rsizes, p.nr));
        tensor_release(own);
        plan_free(&p);
        return st;
    }
    size_t es = dtype_size(self->dtype);
    char *base = (char *)self->storage->data;
    const char *vbase = (const char *)v->storage->data;
    int64_t n = tensor_numel(v);
    bool is_float = dtype_is_float(self->dtype);
    for (int64_t e = 0; e < n; e++) {
        char *d = base + (size_t)source_offset(&p, self, e) * es;
        const char *s = vbase + (size_t)tensor_elem_offset(v, e) * es;
        if (!accumulate) memcpy(d, s, es);
        else if (self->dtype == DT_BOOL) *(bool *)d = *(bool *)d || *(const bool *)s;
        else if (is_float) dtype_store_f64(self->dtype, d, dtype_load_f64(self->dtype, d) + dtype_load_f64(self->dtype, s));
        else
            dtype_store_i64(self->dtype, d,
                            (int64_t)((uint64_t)dtype_load_i64(self->dtype, d) + (uint64_t)dtype_load_i64(self->dtype, s)));
    }
    tensor_release(v);
    tensor_release(own);
    plan_free(&p);
    return TS_OK;
}

OPFN(top_index_put_) {
    const char *op = "index_put_";
    Tensor *x, *v;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &v));
    TS_TRY(index_put_into(ctx, op, x, in[1], v, op_bool(in[3])));
    return op_return(out, tensor_retain(x));
}

OPFN(top_index_put) {
    const char *op = "index_put";
    Tensor *x, *v;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &v));
    Tensor *r = tensor_new_uninit(ctx, x->dtype, x->sizes, x->ndim);
    if (!r) return ctx->status;
    tensor_copy_into(r, x);
    ts_status st = index_put_into(ctx, op, r, in[1], v, op_bool(in[3]));
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

/* aten::embedding: rows of weight (V x D) picked by indices (int64 or int32, any
 * shape), giving indices.shape + [D]. padding_idx, scale_grad_by_freq and sparse
 * only concern gradients. */
OPFN(top_embedding) {
    const char *op = "embedding";
    Tensor *w, *ix;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &w));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &ix));
    if (w->ndim != 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "'weight' must be 2-D");
    if (ix->dtype != DT_INT64 && ix->dtype != DT_INT32)
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
                       "but got torch.%sTensor instead (while checking arguments for embedding)",
                       dtype_storage_name(ix->dtype));
    if (ix->ndim + 1 > TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "embedding: indices have too many dimensions");
    int64_t n = tensor_numel(ix), V = w->sizes[0], D = w->sizes[1];
    for (int64_t e = 0; e < n; e++) {
        int64_t k = tensor_get_i64(ix, e);
        if (k < 0 || k >= V) return ts_fail(ctx, TS_ERR_VALUE, NULL, "index out of range in self");
    }
    int64_t sizes[TS_MAX_DIMS];
    memcpy(sizes, ix->sizes, sizeof(int64_t) * (size_t)ix->ndim);
    sizes[ix->ndim] = D;
    Tensor *r = tensor_new_uninit(ctx, w->dtype, sizes, ix->ndim + 1);
    if (!r) return ctx->status;
    size_t es = dtype_size(w->dtype);
    const char *base = (const char *)w->storage->data;
    char *dst = tensor_data(r);
    for (int64_t e = 0; e < n; e++) {
        int64_t k = tensor_get_i64(ix, e);
        for (int64_t j = 0; j < D; j++)
            memcpy(dst + (size_t)(e * D + j) * es, base + (size_t)(w->storage_offset + k * w->strides[0] + j * w->strides[1]) * es,
                   es);
    }
    return op_return(out, r);
}
