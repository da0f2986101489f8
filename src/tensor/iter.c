/*
 * iter.c - the strided N-operand iterator of iter.h: dimension coalescing and
 * the outer-row walk. Invariant after iter_init: ndim >= 1, no size-1 dims
 * except a single [1] for a 0-dim or all-ones shape, numel = product(sizes).
 */
#include "tensor/iter.h"

void iter_init(StridedIter *it, int nops, int ndim, const int64_t *sizes,
               const int64_t *const *strides, const size_t *esize) {
    it->nops = nops;
    it->numel = 1;
    int nd = 0;
    for (int d = 0; d < ndim; d++) {
        it->numel *= sizes[d];
        if (sizes[d] == 1) continue;
        it->sizes[nd] = sizes[d];
        for (int k = 0; k < nops; k++) it->strides[k][nd] = strides[k][d] * (int64_t)esize[k];
        nd++;
    }
    if (nd == 0) {
        it->sizes[0] = 1;
        for (int k = 0; k < nops; k++) it->strides[k][0] = 0;
        nd = 1;
    }
    /* merge dim d into d+1 when, for every operand, stride[d] == stride[d+1]*size[d+1] */
    int out = 0;
    for (int d = 1; d < nd; d++) {
        bool can = true;
        for (int k = 0; k < nops; k++)
            if (it->strides[k][out] != it->strides[k][d] * it->sizes[d]) can = false;
        if (can) {
            it->sizes[out] *= it->sizes[d];
            for (int k = 0; k < nops; k++) it->strides[k][out] = it->strides[k][d];
        } else {
            out++;
            it->sizes[out] = it->sizes[d];
            for (int k = 0; k < nops; k++) it->strides[k][out] = it->strides[k][d];
        }
    }
    it->ndim = out + 1;
}

int64_t iter_rows(const StridedIter *it) {
    if (it->numel == 0) return 0;
    int64_t r = 1;
    for (int d = 0; d < it->ndim - 1; d++) r *= it->sizes[d];
    return r;
}

void iter_run_rows(const StridedIter *it, char **base, int64_t row_begin, int64_t row_end,
                   IterLoop loop, void *arg) {
    if (it->numel == 0 || row_begin >= row_end) return;
    int nd = it->ndim, nops = it->nops;
    int64_t inner = it->sizes[nd - 1];
    int64_t s[ITER_MAX_OPS];
    for (int k = 0; k < nops; k++) s[k] = it->strides[k][nd - 1];
    int64_t idx[TS_MAX_DIMS] = {0};
    /* unravel row_begin over the outer dims */
    int64_t r = row_begin;
    for (int d = nd - 2; d >= 0; d--) {
        idx[d] = r % it->sizes[d];
        r /= it->sizes[d];
    }
    char *p[ITER_MAX_OPS];
    for (int k = 0; k < nops; k++) {
        p[k] = base[k];
        for (int d = 0; d < nd - 1; d++) p[k] += idx[d] * it->strides[k][d];
    }
    for (int64_t row = row_begin; row < row_end; row++) {
        char *q[ITER_MAX_OPS];
        for (int k = 0; k < nops; k++) q[k] = p[k];
        loop(arg, inner, q, s);
        /* advance the odometer */
        for (int d = nd - 2; d >= 0; d--) {
            idx[d]++;
            for (int k = 0; k < nops; k++) p[k] += it->strides[k][d];
            if (idx[d] < it->sizes[d]) break;
            for (int k = 0; k < nops; k++) p[k] -= it->strides[k][d] * it->sizes[d];
            idx[d] = 0;
        }
    }
}

void iter_run(const StridedIter *it, char **base, IterLoop loop, void *arg) {
    iter_run_rows(it, base, 0, iter_rows(it), loop, arg);
}
