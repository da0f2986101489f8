/*
 * random.h - PyTorch's CPU random number generator, bit for bit, and the
 * random fills of tensors that sit on it (uniform_, normal_, random_,
 * bernoulli_, randperm).
 *
 * The Generator is at::CPUGeneratorImpl: a 32-bit Mersenne Twister
 * (mt19937) seeded with the low 32 bits of a 64-bit seed, plus the cached
 * second sample of the last Box-Muller pair that the scalar normal path
 * draws. Every transform is PyTorch 1.13's, so that after
 * torch.manual_seed(S) and the same sequence of calls tscript and PyTorch
 * draw the same numbers:
 *   random()   one mt19937 output (32 bits)
 *   random64() two outputs, the first in the high word
 *   uniform    float32 / float16 / bfloat16: (random() & (2^digits - 1)) *
 *              2^-digits, digits 24 / 11 / 8; float64: 53 bits of random64()
 *
 * Where it lives: one Generator per ts_ctx (Ctx.gen), made on first use with
 * PyTorch's default seed (67280421310721, what a never-seeded
 * torch.default_generator has), so two contexts never disturb each other.
 * A Generator is one flat block (no pointers): ctx_dispose frees it with
 * ts_free without knowing its type.
 *
 * The tensor fills visit elements in the order PyTorch's TensorIterator
 * gives a one-output loop (dimensions sorted by stride, the smallest
 * innermost: memory order for any non-overlapping view), which is the order
 * the numbers are drawn in. They cannot fail: the ops in ops/tensor_random.c
 * validate the arguments first.
 */
#ifndef TS_RANDOM_H
#define TS_RANDOM_H

#include "tensor/tensor.h"

enum { MT_N = 624 };

/* PyTorch's seed of a generator that was never seeded (c10's
 * default_rng_seed_val). */
#define TS_DEFAULT_SEED UINT64_C(67280421310721)

typedef struct Generator {
    uint64_t seed;           /* as given to manual_seed (torch.initial_seed()) */
    uint32_t state[MT_N];
    int left;                /* outputs left before the next twist, +1 */
    int next;                /* index of the next state word */
    bool has_next_normal;    /* the cached double normal sample is valid */
    double next_normal;
} Generator;

/* torch.manual_seed(seed) on g: reseeds the twister, drops the cached
 * normal sample. */
void gen_seed(Generator *g, uint64_t seed);
uint32_t gen_random(Generator *g);
uint64_t gen_random64(Generator *g);
/* at::uniform_real_distribution<float|double>(0, 1) */
float gen_uniform_f32(Generator *g);
double gen_uniform_f64(Generator *g);
/* at::normal_distribution<double>(mean, std): Box-Muller over two float64
 * uniforms, the sine sample cached for the next call. */
double gen_normal_f64(Generator *g, double mean, double std);

/* The context's generator, made (seeded with TS_DEFAULT_SEED) on first use.
 * NULL when out of memory, recorded in ctx. */
Generator *ctx_generator(Ctx *ctx);
/* torch.manual_seed on the context's generator. TS_ERR_NOMEM only. */
ts_status ctx_manual_seed(Ctx *ctx, uint64_t seed) TS_MUST_CHECK;

/* ---- fills (t: a floating tensor for uniform / normal) ---- */

/* Tensor.uniform_(from, to): from <= to, both finite in t's dtype. */
void random_uniform_(Generator *g, Tensor *t, double from, double to);
/* Tensor.normal_(mean, std): PyTorch's normal_fill for a contiguous tensor
 * of 16 or more elements (uniforms for all, then Box-Muller over pairs
 * (i, i+8) of each block of 16, the last block redrawn when numel % 16 != 0),
 * the scalar cached path otherwise. */
void random_normal_(Generator *g, Tensor *t, double mean, double std);
/* Tensor.random_(from, to): (random() % range) + base, random64() when the
 * dtype is int64 / float64 / float32 / bfloat16 and range >= 2^32.
 * range 0 means 2^64 (the full int64 range: int64, float64, float32 and
 * bfloat16 only). */
void random_from_to_(Generator *g, Tensor *t, uint64_t range, int64_t base);
/* Tensor.random_(): [0, 2^digits] for floating dtypes, [0, max] for
 * integers, {0, 1} for bool. */
void random_default_(Generator *g, Tensor *t);
/* Tensor.bernoulli_(p) for a scalar p in [0, 1]: float64 uniform < p. */
void random_bernoulli_scalar_(Generator *g, Tensor *t, double p);
/* Tensor.bernoulli_(p) for a tensor p of t's shape (an expanded view is
 * fine) with values in [0, 1]: a float64 uniform when p is float64, else a
 * float32 one, compared with p's element. */
void random_bernoulli_tensor_(Generator *g, Tensor *t, const Tensor *p);
/* torch.randperm(n) into the contiguous 1-d t of n elements. */
void random_perm(Generator *g, Tensor *t);

/* The order PyTorch's TensorIterator walks t in: perm[0] is the outermost
 * dimension. Returns the number of dims in perm (size-1 dims left out). */
int random_iter_order(const Tensor *t, int *perm);

#endif
