/*
 * prim.h - what the TorchScript language ops (prim_num.c, prim_tensor.c,
 * prim_list.c, prim_str.c) share: the implementation signature, argument
 * readers, Python's index and slice rules and the failures they raise.
 *
 * Each op follows op.h's calling convention: inputs borrowed, outputs owned,
 * and on failure nothing is written to out[]. Semantics follow what PyTorch
 * 1.13's interpreter computes (register_prim_ops.cpp), except where PyTorch
 * has C++ undefined behaviour, which here becomes a defined result or an error.
 */
#ifndef TS_PRIM_H
#define TS_PRIM_H

#include "ops/op.h"

#define TS_MAYBE_UNUSED __attribute__((unused))

/* Define an op implementation; not every op reads every parameter. */
#define PRIM_OP(name)                                                                    \
    ts_status name(Ctx *ctx TS_MAYBE_UNUSED, IValue *in TS_MAYBE_UNUSED,                 \
                   int nin TS_MAYBE_UNUSED, IValue *out TS_MAYBE_UNUSED,                 \
                   const OpInfo *info TS_MAYBE_UNUSED)

#define OP(schema, fn) PRIM_OP(fn);
#include "ops/prim.def"
#undef OP

/* An int argument (a bool where an int is expected reads as 0/1). */
static inline int64_t prim_int(IValue v) { return v.kind == IV_BOOL ? (int64_t)v.u.b : v.u.i; }
/* A float argument (an int where a float is expected reads as its value). */
static inline double prim_float(IValue v) { return iv_scalar_f64(v); }

/* Wrapping int64 arithmetic, as PyTorch's int ops behave in practice. */
static inline int64_t prim_wrap_add(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static inline int64_t prim_wrap_sub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static inline int64_t prim_wrap_mul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
static inline int64_t prim_wrap_neg(int64_t a) { return (int64_t)(0 - (uint64_t)a); }

/* Python's index rule: negative counts from the end. The index in [0, len), or -1. */
static inline int64_t prim_index(int64_t idx, int64_t len) {
    if (idx < 0) idx += len;
    return idx >= 0 && idx < len ? idx : -1;
}

/* PyTorch's slice_indices_adjust (CPython's PySlice_AdjustIndices): start and
 * end are INT64_MAX when absent; adjusts them and returns the element count.
 * Fails for step 0. */
ts_status prim_slice_adjust(Ctx *ctx, int64_t len, int64_t *start, int64_t *end, int64_t step,
                            int64_t *count) TS_MUST_CHECK;

/* A float that must become an int64 (int(x), floor, ceil): fails on nan,
 * infinity and values out of range instead of C's undefined conversion. */
ts_status prim_float_to_int(Ctx *ctx, double d, int64_t *out) TS_MUST_CHECK;

/* "ZeroDivisionError: integer division or modulo by zero" */
ts_status prim_zero_division(Ctx *ctx) TS_MUST_CHECK;

#endif
