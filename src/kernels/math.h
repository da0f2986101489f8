/*
 * math.h - kernels of the table-driven elementwise math family (math.def):
 * one loop per op over contiguous float64 or int64 buffers. They cannot
 * fail; ops/tensor_ew.c types, broadcasts and converts around them.
 */
#ifndef TS_KERNELS_MATH_H
#define TS_KERNELS_MATH_H
#include <stdint.h>

typedef enum MathUnary {
#define U(name, cls, expr) MU_##name,
#include "kernels/math.def"
    MU_COUNT
} MathUnary;

typedef enum MathBinary {
#define B(name, cls, expr) MB_##name,
#include "kernels/math.def"
    MB_COUNT
} MathBinary;

/* x[i] = f(x[i]) for i < n (float64). */
void kmath_unary_f64(MathUnary op, double *x, int64_t n);
/* a[i] = f(a[i], b[i]) (float64). */
void kmath_binary_f64(MathBinary op, double *a, const double *b, int64_t n);
/* The int64 path of KEEP binary rows (fmod, fmax, fmin, heaviside, gcd,
 * lcm): a[i] = f(a[i], b[i]); fmod needs b[i] != 0 (ops/ checks). */
void kmath_binary_i64(MathBinary op, int64_t *a, const int64_t *b, int64_t n);
/* nextafter in float32, which float64 cannot emulate. */
void kmath_nextafter_f32(float *a, const float *b, int64_t n);
/* out[i] = round(x[i] * 10^d) / 10^d in float32 arithmetic (d < 0: the other
 * way round), as PyTorch's round(decimals) computes; _f64 in float64. */
void kmath_round_decimals_f32(float *x, int64_t n, int decimals);
void kmath_round_decimals_f64(double *x, int64_t n, int decimals);
/* polygamma(n, x): digamma for n = 0, else (-1)^(n+1) n! zeta(n + 1, x). */
void kmath_polygamma_f64(int64_t n, double *x, int64_t len);
/* polygamma(1, x) in float32 arithmetic, as ATen computes it for float32
 * (n = 1 in kmath_polygamma_f64 is the same formula in float64). */
void kmath_trigamma_f32(float *x, int64_t len);
/* Ternary: lerp with PyTorch's two-sided formula (weight < 0.5 from start). */
void kmath_lerp_f64(double *start, const double *end, const double *weight, int64_t n);

#endif
