/*
 * random.c - PyTorch's CPU generator (mt19937 with its uniform and normal
 * transforms) and the random fills of tensors. See random.h for the
 * contract; the comments here say which PyTorch code path each function
 * reproduces, since "the same numbers as PyTorch" depends on taking exactly
 * that path: which transform, how many words it draws, in what order the
 * elements are visited, and in what precision each step rounds.
 *
 * Fused multiply-adds: PyTorch's CPU kernels run from its AVX2 / AVX-512
 * builds of the kernel files (compiled with -mfma, GCC contracting a * b + c),
 * so each `x * range + from` and `z * std + mean` rounds once: tscript calls
 * fma() / fmaf() there, and CMake compiles this file with -ffp-contract=off
 * so nothing else is fused. (PyTorch's generic build, ATEN_CPU_CAPABILITY=
 * default, rounds twice and can differ in the last bit.)
 */
#include "tensor/random.h"

#include <math.h>

/* ---- the Mersenne Twister (at::mt19937) ---- */

enum { MT_M = 397 };

void gen_seed(Generator *g, uint64_t seed) {
    g->seed = seed;
    g->state[0] = (uint32_t)seed;
    for (int j = 1; j < MT_N; j++) {
        uint32_t p = g->state[j - 1];
        g->state[j] = 1812433253u * (p ^ (p >> 30)) + (uint32_t)j;
    }
    g->left = 1;
    g->next = 0;
    g->has_next_normal = false;
    g->next_normal = 0;
}

static inline uint32_t twist(uint32_t u, uint32_t v) {
    uint32_t y = (u & 0x80000000u) | (v & 0x7fffffffu);
    return (y >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
}

static void next_state(Generator *g) {
    uint32_t *s = g->state;
    int k = 0;
    for (; k < MT_N - MT_M; k++) s[k] = s[k + MT_M] ^ twist(s[k], s[k + 1]);
    for (; k < MT_N - 1; k++) s[k] = s[k + MT_M - MT_N] ^ twist(s[k], s[k + 1]);
    s[MT_N - 1] = s[MT_M - 1] ^ twist(s[MT_N - 1], s[0]);
    g->left = MT_N;
    g->next = 0;
}

uint32_t gen_random(Generator *g) {
    if (--g->left == 0) next_state(g);
    uint32_t y = g->state[g->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

uint64_t gen_random64(Generator *g) {
    uint64_t hi = gen_random(g);
    uint64_t lo = gen_random(g);
    return (hi << 32) | lo;
}

/* ---- scalar transforms (at::uniform_real_distribution, normal_distribution) ---- */

float gen_uniform_f32(Generator *g) {
    return (float)(gen_random(g) & ((1u << 24) - 1)) * (1.0f / (float)(1u << 24));
}

double gen_uniform_f64(Generator *g) {
    return (double)(gen_random64(g) & ((UINT64_C(1) << 53) - 1)) * (1.0 / (double)(UINT64_C(1) << 53));
}

/* uniform_real for the half types: `digits` low bits of one 32-bit word,
 * scaled to [0, 1) in float (their accumulation type). */
static inline float uniform_half_type(Generator *g, int digits) {
    return (float)(gen_random(g) & ((1u << digits) - 1)) * (1.0f / (float)(1u << digits));
}

static const double TWO_PI = 6.283185307179586476925286766559;

double gen_normal_f64(Generator *g, double mean, double std) {
    if (g->has_next_normal) {
        g->has_next_normal = false;
        return fma(g->next_normal, std, mean);
    }
    double u1 = gen_uniform_f64(g);
    double u2 = gen_uniform_f64(g);
    double r = sqrt(-2.0 * log1p(-u2));
    double theta = TWO_PI * u1;
    g->next_normal = r * sin(theta);
    g->has_next_normal = true;
    return fma(r * cos(theta), std, mean);
}

/* ---- the context's generator ---- */

Generator *ctx_generator(Ctx *ctx) {
    if (!ctx->gen) {
        Generator *g = ts_malloc(sizeof *g);
        if (!g) {
            ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory for the random number generator");
            return NULL;
        }
        gen_seed(g, TS_DEFAULT_SEED);
        ctx->gen = g;
    }
    return ctx->gen;
}

ts_status ctx_manual_seed(Ctx *ctx, uint64_t seed) {
    Generator *g = ctx_generator(ctx);
    if (!g) return ctx->status;
    gen_seed(g, seed);
    return TS_OK;
}

/* ---- visiting a tensor in TensorIterator's order ---- */

/* TensorIterator::reorder_dimensions for one operand: an insertion sort
 * from the innermost dimension outwards that moves a dimension inwards when
 * its stride is smaller, and on equal strides when its size is smaller.
 * Size-1 dims do not change the order of elements and are left out. */
int random_iter_order(const Tensor *t, int *perm) {
    int rev[TS_MAX_DIMS], n = 0; /* rev[0] is the innermost */
    for (int d = t->ndim - 1; d >= 0; d--)
        if (t->sizes[d] != 1) rev[n++] = d;
    for (int i = 1; i < n; i++) {
        int d1 = i;
        for (int d0 = i - 1; d0 >= 0; d0--) {
            int64_t s0 = t->strides[rev[d0]], s1 = t->strides[rev[d1]];
            int cmp = 0;
            if (s0 == 0 || s1 == 0) cmp = 0;
            else if (s0 < s1) cmp = -1;
            else if (s0 > s1) cmp = 1;
            else if (t->sizes[rev[d0]] > t->sizes[rev[d1]]) cmp = 1;
            if (cmp > 0) {
                int tmp = rev[d0];
                rev[d0] = rev[d1];
                rev[d1] = tmp;
                d1 = d0;
            } else if (cmp < 0) {
                break;
            }
        }
    }
    for (int i = 0; i < n; i++) perm[i] = rev[n - 1 - i];
    return n;
}

typedef struct Walk {
    int nd;
    int64_t size[TS_MAX_DIMS], stride[TS_MAX_DIMS], idx[TS_MAX_DIMS];
    int64_t off; /* element offset from the storage start */
    char *base;
    size_t esize;
} Walk;

static void walk_init(Walk *w, const Tensor *t) {
    int perm[TS_MAX_DIMS];
    w->nd = random_iter_order(t, perm);
    for (int i = 0; i < w->nd; i++) {
        w->size[i] = t->sizes[perm[i]];
        w->stride[i] = t->strides[perm[i]];
        w->idx[i] = 0;
    }
    w->off = t->storage_offset;
    w->base = t->storage->data;
    w->esize = dtype_size(t->dtype);
}

/* The next element's address (the caller visits numel elements). */
static inline void *walk_next(Walk *w) {
    void *p = w->base + (size_t)w->off * w->esize;
    for (int d = w->nd - 1; d >= 0; d--) {
        w->off += w->stride[d];
        if (++w->idx[d] < w->size[d]) break;
        w->off -= w->stride[d] * w->size[d];
        w->idx[d] = 0;
    }
    return p;
}

static int digits_of(DType dt) {
    switch (dt) {
    case DT_FLOAT16: return 11;
    case DT_BFLOAT16: return 8;
    case DT_FLOAT32: return 24;
    default: return 53;
    }
}

static inline float half_type_to_float(DType dt, uint16_t h) {
    return dt == DT_FLOAT16 ? ts_half_to_float(h) : ts_bf16_to_float(h);
}

static inline uint16_t float_to_half_type(DType dt, float f) {
    return dt == DT_FLOAT16 ? ts_float_to_half(f) : ts_float_to_bf16(f);
}

/* ---- uniform_ (templates::cpu::uniform_kernel) ---- */

void random_uniform_(Generator *g, Tensor *t, double from, double to) {
    int64_t n = tensor_numel(t);
    Walk w;
    walk_init(&w, t);
    switch (t->dtype) {
    case DT_FLOAT64: {
        double range = to - from;
        for (int64_t i = 0; i < n; i++) *(double *)walk_next(&w) = fma(gen_uniform_f64(g), range, from);
        break;
    }
    case DT_FLOAT32: {
        float f = (float)from, range = (float)to - f;
        for (int64_t i = 0; i < n; i++) *(float *)walk_next(&w) = fmaf(gen_uniform_f32(g), range, f);
        break;
    }
    default: { /* float16 / bfloat16: bounds and their difference in the half type, the rest in float */
        DType dt = t->dtype;
        int digits = digits_of(dt);
        float f = half_type_to_float(dt, float_to_half_type(dt, (float)from));
        float tt = half_type_to_float(dt, float_to_half_type(dt, (float)to));
        float range = half_type_to_float(dt, float_to_half_type(dt, tt - f));
        for (int64_t i = 0; i < n; i++)
            *(uint16_t *)walk_next(&w) = float_to_half_type(dt, fmaf(uniform_half_type(g, digits), range, f));
        break;
    }
    }
}

/* ---- normal_ (templates::cpu::normal_kernel) ---- */

/* normal_fill_16 over one block: pairs (j, j+8) of uniforms in [0, 1). */
static void fill16_f32(float *d, float mean, float std) {
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - d[j];
        float u2 = d[j + 8];
        float radius = sqrtf(-2.0f * logf(u1));
        float theta = (float)(TWO_PI * (double)u2);
        d[j] = fmaf(radius * cosf(theta), std, mean);
        d[j + 8] = fmaf(radius * sinf(theta), std, mean);
    }
}

static void fill16_f64(double *d, double mean, double std) {
    for (int j = 0; j < 8; j++) {
        double u1 = 1.0 - d[j];
        double u2 = d[j + 8];
        double radius = sqrt(-2.0 * log(u1));
        double theta = TWO_PI * u2;
        d[j] = fma(radius * cos(theta), std, mean);
        d[j + 8] = fma(radius * sin(theta), std, mean);
    }
}

/* The half types compute each step in float and round to the half type
 * wherever PyTorch's code assigns to a scalar_t variable. */
static void fill16_half(DType dt, uint16_t *d, float mean, float std) {
    for (int j = 0; j < 8; j++) {
        float u1 = half_type_to_float(dt, float_to_half_type(dt, 1.0f - half_type_to_float(dt, d[j])));
        float u2 = half_type_to_float(dt, d[j + 8]);
        float radius = half_type_to_float(dt, float_to_half_type(dt, sqrtf(-2.0f * logf(u1))));
        float theta = half_type_to_float(dt, float_to_half_type(dt, (float)(TWO_PI * (double)u2)));
        d[j] = float_to_half_type(dt, fmaf(radius * cosf(theta), std, mean));
        d[j + 8] = float_to_half_type(dt, fmaf(radius * sinf(theta), std, mean));
    }
}

static void uniforms(Generator *g, DType dt, void *data, int64_t n) {
    switch (dt) {
    case DT_FLOAT64:
        for (int64_t i = 0; i < n; i++) ((double *)data)[i] = gen_uniform_f64(g);
        break;
    case DT_FLOAT32:
        for (int64_t i = 0; i < n; i++) ((float *)data)[i] = gen_uniform_f32(g);
        break;
    default: {
        int digits = digits_of(dt);
        for (int64_t i = 0; i < n; i++) ((uint16_t *)data)[i] = float_to_half_type(dt, uniform_half_type(g, digits));
        break;
    }
    }
}

static void fill16(DType dt, void *block, double mean, double std) {
    switch (dt) {
    case DT_FLOAT64: fill16_f64(block, mean, std); break;
    case DT_FLOAT32: fill16_f32(block, (float)mean, (float)std); break;
    default: {
        float m = half_type_to_float(dt, float_to_half_type(dt, (float)mean));
        float s = half_type_to_float(dt, float_to_half_type(dt, (float)std));
        fill16_half(dt, block, m, s);
        break;
    }
    }
}

void random_normal_(Generator *g, Tensor *t, double mean, double std) {
    int64_t n = tensor_numel(t);
    DType dt = t->dtype;
    if (n >= 16 && tensor_is_contiguous(t)) {
        /* normal_fill: uniforms for every element, Box-Muller per block of 16;
         * a partial last block is redrawn as the last 16 elements. */
        char *data = tensor_data(t);
        size_t es = dtype_size(dt);
        uniforms(g, dt, data, n);
        for (int64_t i = 0; i + 16 <= n; i += 16) fill16(dt, data + (size_t)i * es, mean, std);
        if (n % 16 != 0) {
            char *last = data + (size_t)(n - 16) * es;
            uniforms(g, dt, last, 16);
            fill16(dt, last, mean, std);
        }
        return;
    }
    Walk w;
    walk_init(&w, t);
    for (int64_t i = 0; i < n; i++) {
        double v = gen_normal_f64(g, mean, std);
        void *p = walk_next(&w);
        switch (dt) {
        case DT_FLOAT64: *(double *)p = v; break;
        case DT_FLOAT32: *(float *)p = (float)v; break;
        default: *(uint16_t *)p = float_to_half_type(dt, (float)v); break;
        }
    }
}

/* ---- random_ (random_from_to_kernel, random_full_64_bits_range_kernel, random_kernel) ---- */

void random_from_to_(Generator *g, Tensor *t, uint64_t range, int64_t base) {
    int64_t n = tensor_numel(t);
    DType dt = t->dtype;
    bool wide = dt == DT_INT64 || dt == DT_FLOAT64 || dt == DT_FLOAT32 || dt == DT_BFLOAT16;
    Walk w;
    walk_init(&w, t);
    for (int64_t i = 0; i < n; i++) {
        int64_t v;
        if (range == 0) v = (int64_t)gen_random64(g);
        else if (wide && range >= (UINT64_C(1) << 32)) v = (int64_t)(gen_random64(g) % range + (uint64_t)base);
        else v = (int64_t)((uint64_t)gen_random(g) % range + (uint64_t)base);
        dtype_store_i64(dt, walk_next(&w), v);
    }
}

void random_default_(Generator *g, Tensor *t) {
    int64_t n = tensor_numel(t);
    DType dt = t->dtype;
    Walk w;
    walk_init(&w, t);
    for (int64_t i = 0; i < n; i++) {
        uint64_t v = dt == DT_INT64 || dt == DT_FLOAT64 ? gen_random64(g) : gen_random(g);
        uint64_t r;
        switch (dt) {
        case DT_BOOL: r = v & 1; break;
        case DT_INT64: r = v % (UINT64_C(1) << 63); break;
        case DT_INT32: r = v % (UINT64_C(1) << 31); break;
        case DT_INT16: r = v % (UINT64_C(1) << 15); break;
        case DT_INT8: r = v % (UINT64_C(1) << 7); break;
        case DT_UINT8: r = v % (UINT64_C(1) << 8); break;
        default: r = v % ((UINT64_C(1) << digits_of(dt)) + 1); break;
        }
        dtype_store_i64(dt, walk_next(&w), (int64_t)r);
    }
}

/* ---- bernoulli_ (templates::cpu::bernoulli_kernel, the build without MKL) ---- */

void random_bernoulli_scalar_(Generator *g, Tensor *t, double p) {
    int64_t n = tensor_numel(t);
    Walk w;
    walk_init(&w, t);
    for (int64_t i = 0; i < n; i++) dtype_store_i64(t->dtype, walk_next(&w), gen_uniform_f64(g) < p);
}

void random_bernoulli_tensor_(Generator *g, Tensor *t, const Tensor *p) {
    int64_t n = tensor_numel(t);
    int perm[TS_MAX_DIMS];
    int nd = random_iter_order(t, perm);
    int64_t idx[TS_MAX_DIMS] = {0};
    int64_t to = t->storage_offset, po = p->storage_offset;
    char *tb = t->storage->data, *pb = p->storage->data;
    size_t tes = dtype_size(t->dtype), pes = dtype_size(p->dtype);
    for (int64_t i = 0; i < n; i++) {
        int v;
        const void *pp = pb + (size_t)po * pes;
        if (p->dtype == DT_FLOAT64) v = gen_uniform_f64(g) < *(const double *)pp;
        else v = gen_uniform_f32(g) < (float)dtype_load_f64(p->dtype, pp);
        dtype_store_i64(t->dtype, tb + (size_t)to * tes, v);
        for (int k = nd - 1; k >= 0; k--) {
            int d = perm[k];
            to += t->strides[d];
            po += p->strides[d];
            if (++idx[k] < t->sizes[d]) break;
            to -= t->strides[d] * t->sizes[d];
            po -= p->strides[d] * t->sizes[d];
            idx[k] = 0;
        }
    }
}

/* ---- randperm (randperm_cpu): Fisher-Yates from the front with random() % (n - i) ---- */

void random_perm(Generator *g, Tensor *t) {
    int64_t n = tensor_numel(t);
    DType dt = t->dtype;
    size_t es = dtype_size(dt);
    char *d = tensor_data(t);
    if (dt == DT_INT64) {
        int64_t *r = (int64_t *)d;
        for (int64_t i = 0; i < n; i++) r[i] = i;
        for (int64_t i = 0; i + 1 < n; i++) {
            int64_t z = (int64_t)gen_random(g) % (n - i);
            int64_t s = r[i];
            r[i] = r[z + i];
            r[z + i] = s;
        }
        return;
    }
    for (int64_t i = 0; i < n; i++) dtype_store_i64(dt, d + (size_t)i * es, i);
    char tmp[8];
    for (int64_t i = 0; i + 1 < n; i++) {
        int64_t z = (int64_t)gen_random(g) % (n - i);
        memcpy(tmp, d + (size_t)i * es, es);
        memcpy(d + (size_t)i * es, d + (size_t)(z + i) * es, es);
        memcpy(d + (size_t)(z + i) * es, tmp, es);
    }
}
