/*
 * tensor_pad.h - the reflect / replicate / circular modes of aten::pad
 * (tensor_pad.c), for top_pad in tensor_mask.c. Internal to ops/.
 */
#ifndef TS_OPS_TENSOR_PAD_H
#define TS_OPS_TENSOR_PAD_H

#include "ops/tensor_ops.h"

/* F.pad(x, pad, mode, value) for a mode other than "constant": mode is
 * "reflect", "replicate" or "circular" (anything else fails with
 * TS_ERR_UNSUPPORTED), value must be None. *out: a new tensor. */
ts_status pad_nonconstant(Ctx *ctx, const char *op, Tensor *x, const int64_t *pad, int np, const char *mode,
                          IValue value, Tensor **out) TS_MUST_CHECK;

#endif
