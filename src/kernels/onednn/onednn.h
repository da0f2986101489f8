/*
 * onednn.h - the optional oneDNN backend (Debian: libdnnl-dev, the C API of
 * dnnl.h) for float32 convolutions, with the weights reordered once into the
 * blocked layout oneDNN picks and fused post-ops (residual sum, then relu,
 * clamp, hardswish or silu).
 *
 * CMake compiles kernels/onednn/onednn.c and defines TS_HAVE_ONEDNN only when
 * it finds the library and TS_ONEDNN is ON; otherwise the stubs below say "not
 * available" and ops/tensor_conv.c keeps its portable kernels. Like every
 * kernel these only compute: ops/ validated the geometry and made the
 * operands contiguous. A convolution oneDNN cannot build returns NULL and the
 * caller computes it itself.
 *
 * Threads: each call runs on exactly kernels_threads() threads (oneDNN's
 * OpenMP runtime is told so before every call), so it never adds threads to
 * what ts_config asked for.
 */
#ifndef TS_KERNELS_ONEDNN_H
#define TS_KERNELS_ONEDNN_H

#include "kernels/kernels.h"

/* What a post-op applies after the convolution (and the sum). */
typedef enum OnednnAct {
    ONEDNN_ACT_NONE = 0,
    ONEDNN_ACT_RELU,  /* max(x, 0) */
    ONEDNN_ACT_CLAMP, /* min(max(x, lo), hi): hardtanh, relu6 */
    ONEDNN_ACT_HARDSWISH, /* x * relu6(x + 3) / 6 */
    ONEDNN_ACT_SILU,  /* x * sigmoid(x) (oneDNN's swish with alpha 1) */
} OnednnAct;

/* One convolution: NCHW input, (OC, C/groups, KH, KW) weight, NCHW output. */
typedef struct OnednnConvDesc {
    int64_t N, C, H, W, OC, KH, KW, OH, OW;
    int64_t sh, sw, ph, pw, ph_r, pw_r, dh, dw; /* dilation as PyTorch has it (1: none) */
    int64_t groups;
    bool bias;     /* a bias of OC values */
    bool sum;      /* out = conv + residual (before the activation) */
    OnednnAct act;
    float lo, hi;  /* ONEDNN_ACT_CLAMP */
} OnednnConvDesc;

typedef struct OnednnConv OnednnConv;

#ifdef TS_HAVE_ONEDNN
/* Is the library usable (its CPU engine created)? */
bool onednn_available(void);
/* The primitive for d with the weights (and bias) reordered into its own
 * buffers: w and bias may be freed afterwards. NULL when oneDNN has no
 * implementation or memory runs out. */
OnednnConv *onednn_conv_new(const OnednnConvDesc *d, const float *w, const float *bias);
/* Does c compute d? */
bool onednn_conv_matches(const OnednnConv *c, const OnednnConvDesc *d);
/* out (N, OC, OH, OW) = conv(x) [+ residual, same shape as out]. Calls on
 * one OnednnConv are serialised (it owns its blocked buffers). */
void onednn_conv_run(OnednnConv *c, const float *x, const float *residual, float *out);
void onednn_conv_free(OnednnConv *c);
#else
static inline bool onednn_available(void) { return false; }
static inline OnednnConv *onednn_conv_new(const OnednnConvDesc *d, const float *w, const float *bias) {
    (void)d, (void)w, (void)bias;
    return NULL;
}
static inline bool onednn_conv_matches(const OnednnConv *c, const OnednnConvDesc *d) {
    (void)c, (void)d;
    return false;
}
static inline void onednn_conv_run(OnednnConv *c, const float *x, const float *residual, float *out) {
    (void)c, (void)x, (void)residual, (void)out;
}
static inline void onednn_conv_free(OnednnConv *c) { (void)c; }
#endif

#endif
