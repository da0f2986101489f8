/*
 * conv_x86.h - optimised x86-64 float32 convolution (kernels/x86/conv_avx512.c).
 *
 * CMake compiles kernels/x86/ and defines TS_HAVE_X86_KERNELS only when
 * building for x86-64; elsewhere the stubs below say "not available" and
 * ops/tensor_conv.c keeps its portable path (im2col + kernels_backend()).
 * Like every kernel it only computes: the caller has validated the
 * geometry, made the operands contiguous float32 and allocated scratch.
 */
#ifndef TS_KERNELS_X86_CONV_X86_H
#define TS_KERNELS_X86_CONV_X86_H

#include "kernels/conv.h"

#ifdef TS_HAVE_X86_KERNELS
/* Does this CPU run kx86_conv_f32 (AVX-512F)? Cached after the first call. */
bool kx86_conv_f32_ok(void);
/* Elements of float scratch kx86_conv_f32 needs for geometry g and OC
 * output channels (packed weights, and the im2col matrix when the kernel
 * uses one); 0 when the count overflows. */
int64_t kx86_conv_f32_scratch(const ConvGeom *g, int64_t OC);
/* One image and group: out (OC x OH x OW) = bias[oc] (bias may be NULL) +
 * the convolution of x (C x H x W) with w (OC x C x KH x KW). Each output
 * is a chain of fused multiply-adds over kh, kw, c (oneDNN's order, not
 * its blocking, so results are within a few ulps of PyTorch's oneDNN
 * results, not equal), plus the bias last. */
void kx86_conv_f32(const ConvGeom *g, int64_t OC, const float *x, const float *w, const float *bias, float *scratch,
                   float *out);
#else
static inline bool kx86_conv_f32_ok(void) { return false; }
static inline int64_t kx86_conv_f32_scratch(const ConvGeom *g, int64_t OC) { return (void)g, (void)OC, 0; }
static inline void kx86_conv_f32(const ConvGeom *g, int64_t OC, const float *x, const float *w, const float *bias,
                                 float *scratch, float *out) {
    (void)g, (void)OC, (void)x, (void)w, (void)bias, (void)scratch, (void)out;
}
#endif

#endif
