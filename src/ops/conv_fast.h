/*
 * conv_fast.h - the oneDNN path of float32 convolution (ops/conv_fast.c),
 * shared by aten's convolutions (tensor_conv.c) and the fused convolution
 * the optimiser makes (tscript::conv2d_fused, src/opt/).
 *
 * conv_fast_enabled() says whether the path may run: oneDNN was built in and
 * its engine works, the kernel level in use is the CPU's own (AVX2 or more:
 * oneDNN picks its ISA itself, so a cap such as TSCRIPT_ISA=avx2 on an
 * AVX-512 CPU means tensor_conv.c's kernels) and the environment does not
 * say TSCRIPT_ONEDNN=0. Results are oneDNN's, within
 * the rounding of another summation order of PyTorch's (which are oneDNN's
 * too for most of PyTorch's own float32 convolutions, but blocked
 * differently).
 */
#ifndef TS_OPS_CONV_FAST_H
#define TS_OPS_CONV_FAST_H

#include "kernels/onednn/onednn.h"
#include "ops/tensor_ops.h"

bool conv_fast_enabled(void);
/* out (already allocated: N, OC, OH, OW contiguous float32) = the
 * convolution d of x (contiguous float32) with weight and bias (float32,
 * any layout) [+ residual, contiguous like out]. The primitive and the
 * reordered weights are kept in info's cache while the weight and bias
 * storages are unchanged (Storage.version). false: oneDNN cannot compute d
 * (out untouched); the caller computes it itself. */
bool conv_fast_run(Ctx *ctx, const OpInfo *info, const OnednnConvDesc *d, const Tensor *x, Tensor *weight,
                   Tensor *bias, const Tensor *residual, Tensor *out);

#endif
