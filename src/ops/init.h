/*
 * init.h - torch.nn.init's random initialisers as C calls on the context's
 * generator (ops/tensor_random.c), for code that builds modules without
 * running nn's Python source: each computes its bounds with the float64
 * arithmetic of torch/nn/init.py and then draws through the same path as
 * Tensor.uniform_ / normal_, so after ctx_manual_seed(S) the values equal
 * PyTorch's after torch.manual_seed(S) (uniform ones bit for bit).
 *
 * w is a floating tensor of 2 or more dims for the fan-based ones (fan_in =
 * sizes[1] * prod(sizes[2:])). Errors: TS_ERR_VALUE (too few dims),
 * TS_ERR_TYPE (not floating), TS_ERR_NOMEM.
 */
#ifndef TS_OPS_INIT_H
#define TS_OPS_INIT_H

#include "tensor/tensor.h"

/* init.uniform_(t, a, b) / init.normal_(t, mean, std) */
ts_status init_uniform_(Ctx *ctx, Tensor *t, double a, double b) TS_MUST_CHECK;
ts_status init_normal_(Ctx *ctx, Tensor *t, double mean, double std) TS_MUST_CHECK;
/* init.kaiming_uniform_(w, a, mode='fan_in', nonlinearity='leaky_relu') */
ts_status init_kaiming_uniform_(Ctx *ctx, Tensor *w, double a) TS_MUST_CHECK;
/* nn.Linear / nn.ConvNd reset_parameters: kaiming_uniform_(w, a=sqrt(5)),
 * then (bias not NULL) uniform_(bias, -1/sqrt(fan_in), 1/sqrt(fan_in)). */
ts_status init_linear_reset(Ctx *ctx, Tensor *w, Tensor *bias) TS_MUST_CHECK;

#endif
