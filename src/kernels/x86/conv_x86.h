/*
 * conv_x86.h - x86-64 convolution kernels: AVX2+FMA (kernels/x86/
 * conv_avx2.c) and AVX-512 (conv_avx512.c), and the CPU's instruction-set
 * level (cpu_x86.c). Only kernels/dispatch.c uses them: it puts them in
 * the table of their level (kernels/dispatch.def) and never hands out a
 * level the CPU lacks.
 *
 * CMake compiles kernels/x86/ and defines TS_HAVE_X86_KERNELS only when
 * building for x86-64 with gcc or clang; elsewhere the names below are
 * NULL, so each table entry takes the portable kernel, and the CPU level is
 * portable. Like every kernel they only compute: the caller has validated
 * the geometry, made the operands contiguous and allocated scratch.
 */
#ifndef TS_KERNELS_X86_CONV_X86_H
#define TS_KERNELS_X86_CONV_X86_H

#include "kernels/conv.h"

#ifdef TS_HAVE_X86_KERNELS
/* The highest level (KISA_* of kernels/dispatch.h) this CPU and OS run. */
int kx86_isa_supported(void);

/* AVX2+FMA: the portable depthwise and direct kernels compiled for FMA
 * hardware, plus a register-blocked direct kernel for float with OC a
 * multiple of 16; results bit for bit those of the portable kernels. */
void kx86_conv_depthwise_f32_avx2(const ConvGeom *g, const float *x, const float *w, float bias, float *out);
void kx86_conv_depthwise_f64_avx2(const ConvGeom *g, const double *x, const double *w, double bias, double *out);
void kx86_conv_direct_f32_avx2(const ConvGeom *g, int64_t OC, const float *x, const float *w, const float *bias,
                               float *scratch, float *out);
void kx86_conv_direct_f64_avx2(const ConvGeom *g, int64_t OC, const double *x, const double *w, const double *bias,
                               double *scratch, double *out);
void kx86_channel_affine_f32_avx2(int64_t N, int64_t C, int64_t inner, const float *x, const float *alpha,
                                  const float *beta, float *out);
void kx86_channel_affine_f64_avx2(int64_t N, int64_t C, int64_t inner, const double *x, const double *alpha,
                                  const double *beta, double *out);

/* AVX-512F: elements of float scratch kx86_conv_f32_avx512 needs for
 * geometry g and OC output channels (packed weights, and the im2col matrix
 * when the kernel uses one); 0 when the count overflows. */
int64_t kx86_conv_f32_scratch_avx512(const ConvGeom *g, int64_t OC);
/* One image and group: out (OC x OH x OW) = bias[oc] (bias may be NULL) +
 * the convolution of x (C x H x W) with w (OC x C x KH x KW). Each output
 * is a chain of fused multiply-adds over kh, kw, c (oneDNN's order, not
 * its blocking, so results are within a few ulps of PyTorch's oneDNN
 * results, not equal), plus the bias last. */
void kx86_conv_f32_avx512(const ConvGeom *g, int64_t OC, const float *x, const float *w, const float *bias,
                          float *scratch, float *out);
#else
static inline int kx86_isa_supported(void) { return 1; /* KISA_PORTABLE */ }
#define kx86_conv_depthwise_f32_avx2 NULL
#define kx86_conv_depthwise_f64_avx2 NULL
#define kx86_conv_direct_f32_avx2 NULL
#define kx86_conv_direct_f64_avx2 NULL
#define kx86_channel_affine_f32_avx2 NULL
#define kx86_channel_affine_f64_avx2 NULL
#define kx86_conv_f32_scratch_avx512 NULL
#define kx86_conv_f32_avx512 NULL
#endif

#endif
