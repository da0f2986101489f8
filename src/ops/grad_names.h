/*
 * grad_names.h - autograd node names for printing (grad_names.c): with
 * ctx->grad_names on (tscript exec), an op's floating outputs computed from
 * a tensor that requires grad get PyTorch's grad_fn name.
 */
#ifndef TS_GRAD_NAMES_H
#define TS_GRAD_NAMES_H

#include "ops/op.h"

/* After a successful call of s on in[0..nin) giving out[0..nout). Does nothing unless
 * ctx->grad_names. */
void grad_names_after(Ctx *ctx, const OpSchema *s, const IValue *in, int nin, const IValue *out, int nout);

#endif
