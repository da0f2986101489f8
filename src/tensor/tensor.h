/*
 * tensor.h - dtypes, storages and strided tensor views, in PyTorch's words.
 *
 * A Storage is a reference-counted byte buffer. It either owns its bytes or
 * borrows them from an owner (a mapped archive) that it keeps alive through
 * owner_release. A Tensor is a view: sizes, strides and storage_offset are in
 * elements, as PyTorch has them; several tensors may share one storage.
 * Invariant: every element a tensor can address lies inside its storage
 * (checked when a view is made from untrusted numbers: tensor_check_bounds).
 */
#ifndef TS_TENSOR_H
#define TS_TENSOR_H

#include "base/diag.h"

typedef enum DType {
#define X(E, code, sname, ctype, size, name, isf) DT_##E = code,
#include "tensor/dtype.def"
#undef X
} DType;

enum { DT_CODE_MAX = 16 };

bool dtype_valid(int code);
size_t dtype_size(DType t);
const char *dtype_name(DType t);         /* "float32" */
const char *dtype_storage_name(DType t); /* "Float" */
bool dtype_is_float(DType t);
bool dtype_is_integral(DType t, bool include_bool);
/* From a pickle storage class name ("FloatStorage" without the suffix). */
bool dtype_from_storage_name(const char *name, DType *out);
/* PyTorch's type promotion of two dtypes. */
DType dtype_promote(DType a, DType b);

/* Heap header shared by every reference-counted runtime object. */
typedef struct HeapHdr {
    int32_t refcnt; /* atomic */
    uint8_t kind;   /* HeapKind (value.h); HK_TENSOR/HK_STORAGE here */
    uint8_t gc;     /* containers only: the cycle collector's state (value_gc.c); 0 elsewhere */
} HeapHdr;

typedef struct Storage {
    HeapHdr hdr;
    void *data;
    size_t nbytes;
    /* Non-NULL when the bytes are borrowed: called with owner on release. */
    void (*owner_release)(void *owner);
    void *owner;
    /* Bumped by the interpreter after every op that writes into the storage
     * (a Tensor(a!) argument): caches of derived data (the reordered weights
     * of ops/tensor_conv.c) compare it to know they are still valid. */
    uint32_t version;
} Storage;

typedef struct Tensor {
    HeapHdr hdr;
    DType dtype;
    int ndim;
    bool requires_grad;
    /* tscript exec only (ops/grad_names.c): the name of the autograd node PyTorch would have
     * recorded for this tensor ("AddmmBackward0"; an immortal string), printed as grad_fn=<...>. */
    const char *grad_fn;
    /* A Python number as a 0-dim tensor (PyTorch's is_wrapped_number): type
     * promotion treats it as a Scalar. Set on tracing's scalar constants. */
    bool wrapped_number;
    int64_t storage_offset;
    int64_t sizes[TS_MAX_DIMS];
    int64_t strides[TS_MAX_DIMS];
    Storage *storage;
    /* Non-NULL: this dense [B, T, ...] tensor stands in for a nested tensor of
     * B sequences (what _nested_tensor_from_mask makes inside
     * nn.TransformerEncoder); a [B, T] bool tensor, true at padding. Owned. */
    struct Tensor *nested_pad;
} Tensor;

/* Storages */
Storage *storage_new(size_t nbytes);               /* zeroed; NULL on OOM */
Storage *storage_new_uninit(size_t nbytes);        /* contents undefined (addition) */
Storage *storage_borrow(void *data, size_t nbytes, void (*owner_release)(void *), void *owner);
Storage *storage_retain(Storage *s);
void storage_release(Storage *s);

/* Tensors. Constructors return NULL on OOM or overflow and record it in ctx. */
Tensor *tensor_empty(Ctx *ctx, DType dt, const int64_t *sizes, int ndim); /* contiguous, zeroed */
/* Like tensor_empty but the elements are not initialised: for outputs that a
 * kernel overwrites entirely (addition). */
Tensor *tensor_new_uninit(Ctx *ctx, DType dt, const int64_t *sizes, int ndim);
Tensor *tensor_view(Ctx *ctx, Storage *st, DType dt, int64_t offset, const int64_t *sizes,
                    const int64_t *strides, int ndim); /* retains st; checks bounds */
Tensor *tensor_scalar_f64(Ctx *ctx, DType dt, double v); /* 0-dim */
Tensor *tensor_scalar_i64(Ctx *ctx, DType dt, int64_t v);
Tensor *tensor_retain(Tensor *t);
void tensor_release(Tensor *t);

int64_t tensor_numel(const Tensor *t);
bool tensor_is_contiguous(const Tensor *t);
void tensor_contiguous_strides(const int64_t *sizes, int ndim, int64_t *strides);
/* Pointer to element 0 of the view. */
static inline void *tensor_data(const Tensor *t) {
    return (char *)t->storage->data + (size_t)t->storage_offset * dtype_size(t->dtype);
}
/* Check that every addressable element lies in the storage. */
ts_status tensor_check_bounds(Ctx *ctx, const Storage *st, DType dt, int64_t offset,
                              const int64_t *sizes, const int64_t *strides, int ndim);
/* A contiguous copy (or a retained self when already contiguous). */
Tensor *tensor_contiguous(Ctx *ctx, Tensor *t);
/* A new contiguous tensor of dtype dt with t's values converted. */
Tensor *tensor_to_dtype(Ctx *ctx, const Tensor *t, DType dt);
/* Read element i (row-major logical index) as double / int64. */
double tensor_get_f64(const Tensor *t, int64_t i);
int64_t tensor_get_i64(const Tensor *t, int64_t i);

/* ---- additions: element conversion, copies, broadcasting ---- */

/* float16 / bfloat16 bit patterns <-> float (round to nearest even, as c10). */
float ts_half_to_float(uint16_t h);
uint16_t ts_float_to_half(float f);
float ts_bf16_to_float(uint16_t h);
uint16_t ts_float_to_bf16(float f);
/* Load / store one element of dtype dt at p, converting as PyTorch's casts do
 * (float -> int truncates; NaN / out of range give the x86 "indefinite"). */
double dtype_load_f64(DType dt, const void *p);
int64_t dtype_load_i64(DType dt, const void *p);
void dtype_store_f64(DType dt, void *p, double v);
void dtype_store_i64(DType dt, void *p, int64_t v);
/* Convert one element (exact for int64 -> int64, unlike a trip through double). */
void dtype_convert(DType dst_dt, void *dst, DType src_dt, const void *src);

/* Offset in elements (from the storage start) of row-major logical index i. */
int64_t tensor_elem_offset(const Tensor *t, int64_t i);
/* Copy src's elements into dst, converting dtype. dst and src have the same
 * sizes; src may be an expanded view (zero strides); they must not overlap. */
void tensor_copy_into(Tensor *dst, const Tensor *src);
/* PyTorch's broadcast of two shapes into out (TS_MAX_DIMS entries). Fails
 * with TS_ERR_SHAPE: "<op>: the size of tensor a (3) must match the size of
 * tensor b (4) at non-singleton dimension 1". */
ts_status tensor_broadcast_shapes(Ctx *ctx, const char *op, const int64_t *a, int na,
                                  const int64_t *b, int nb, int64_t *out, int *nout) TS_MUST_CHECK;
/* A view of t with the given sizes: broadcast dims get stride 0. t's shape
 * must broadcast to sizes (TS_ERR_SHAPE otherwise). */
Tensor *tensor_expand(Ctx *ctx, Tensor *t, const int64_t *sizes, int ndim);

/* "[1, 3]" style shape text for error messages. */
void sb_put_shape(StrBuf *sb, const int64_t *sizes, int ndim);

/* Print like PyTorch's repr(tensor): "tensor([[-0.4956,  0.1776]])". */
void tensor_repr(StrBuf *sb, const Tensor *t);

#endif
