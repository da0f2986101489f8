/*
 * fft.h - the discrete Fourier transform behind the fft ops (ops/tensor_fft.c):
 * one complex transform of any length in float64, split arrays (re, im).
 *
 * Where it sits: the portable kernel of kernels/ref/fft.c (iterative radix-2
 * for powers of two, Bluestein's chirp-z through a power-of-two convolution
 * otherwise: O(n log n) for every n, error ~ eps64 log n). PyTorch's CPU
 * transforms (pocketfft) run in the input's precision; float32 results here
 * are the float64 transform rounded, so they lie within PyTorch's own
 * rounding.
 */
#ifndef TS_KERNELS_FFT_H
#define TS_KERNELS_FFT_H

#include <stdint.h>

/* x_f <- sum_k x_k exp(sign * 2 pi i f k / n), in place, unnormalised;
 * sign is -1 (forward) or +1 (inverse). Returns 0, or -1 when the scratch of
 * a non-power-of-two length cannot be allocated (x is then unchanged). */
int kref_fft_c2c(int64_t n, double *re, double *im, int sign);

#endif
