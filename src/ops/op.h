/*
 * op.h - the operator registry: every op is declared once by its PyTorch
 * schema string and bound to a C implementation.
 *
 * The lists live in ops/<family>.def as
 *     OP("aten::linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor", op_linear)
 * and are parsed once (ops_init) into OpSchema records. The frontend resolves a
 * call to one OpSchema (overload resolution with defaults); the interpreter
 * then calls schema->fn directly with every argument present (defaults
 * filled in), so no name lookup happens while a program runs.
 *
 * Calling convention of an implementation:
 *     ts_status fn(Ctx *ctx, IValue *in, int nin, IValue *out, const OpInfo *info)
 * in[0..nin) are borrowed (the schema's arguments, in order); the function
 * writes the schema's returns to out[] as owned values, or fails with
 * ts_fail() and writes nothing it has not released. Validation (dtypes,
 * shapes, ranges) happens here; kernels/ only compute.
 */
#ifndef TS_OP_H
#define TS_OP_H

#include "value/value.h"

typedef struct OpSchema OpSchema;

/* State an op keeps at one call site between calls (the oneDNN primitive
 * and reordered weights of a convolution): data is set once (atomically,
 * by whichever call gets there first) and released with the compiled code
 * by release(data). The op itself checks that the data still fits its
 * arguments and serialises its own use of it. */
typedef struct OpCache {
    void *data;
    void (*release)(void *data);
} OpCache;

/* Per-call-site information an op may need beyond its arguments. */
typedef struct OpInfo {
    const OpSchema *schema;
    Type **out_types; /* static types of the node's outputs (e.g. the element type of a new list) */
    int nout;
    OpCache *cache;   /* NULL where the caller keeps no state (tests calling ops directly) */
} OpInfo;

typedef ts_status (*OpFn)(Ctx *ctx, IValue *in, int nin, IValue *out, const OpInfo *info);

typedef struct OpArg {
    const char *name;  /* NULL for an unnamed return */
    Type *type;        /* may contain TK_VAR */
    const char *type_text; /* the type as written ("SymInt[2]", "Tensor(a!)"), for schema_str */
    bool has_default;
    IValue default_value; /* owned by the registry, immortal */
    bool kwarg_only;
    int fixed_len;     /* int[2]: 2 (a scalar broadcasts); 0 otherwise */
    char alias;        /* alias set letter, 0 if none */
    bool is_write;     /* (a!) */
} OpArg;

struct OpSchema {
    const char *text;     /* the schema string as declared */
    const char *name;     /* "aten::add" */
    const char *overload; /* "Tensor", "" when none */
    int nargs, nret;
    OpArg *args;
    OpArg *rets;
    bool varargs;         /* `...` after the arguments (aten::format) */
    bool varret;          /* returns `...` */
    OpFn fn;
    bool writes;          /* some argument is written (Tensor(a!)) */
    const OpSchema *next_overload; /* next schema with the same name, in declaration order */
    const void *custom;   /* a custom op's kernel record (api/api_custom.c); NULL for builtins */
};

/* Parse every .def list. Idempotent and thread-safe. Aborts on a malformed
 * schema in our own lists (a build error, not input). */
void ops_init(void);
/* The first overload of a name ("aten::add"), or NULL. */
const OpSchema *ops_lookup(const char *name);
/* The overload "aten::add.Tensor", or NULL. */
const OpSchema *ops_lookup_overload(const char *name, const char *overload);
/* Number of registered schemas. */
int ops_count(void);
const OpSchema *ops_at(int i);

/* Parse one schema string into s (allocations go to the registry arena).
 * Returns false with a message in err on a malformed schema. */
bool schema_parse(const char *text, OpSchema *s, StrBuf *err);
/* Render "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor". */
void schema_str(StrBuf *sb, const OpSchema *s);

/* After s ran on args: bump the version of every storage it wrote (a
 * Tensor(a!) argument, or each tensor of a Tensor(a!)[] list), which caches
 * of derived data check (Storage.version: the oneDNN weights of
 * ops/conv_fast.c). Every caller of op functions that may write a tensor
 * other code reads later calls it: the interpreter, the Python evaluator,
 * the tracer. */
void op_bump_written(const OpSchema *s, const IValue *args, int nin);
/* ---- custom ops (ops/custom.c): ts_register_op ----
 *
 * A custom op is a schema the user registers at run time, on one context or
 * process-wide (global), bound to fn (the API's trampoline) with its kernel
 * record in OpSchema.custom. Registered schemas are immortal (modules
 * compiled against them may outlive the context); overloads of one name
 * chain in registration order. The frontend and the tracer look names up
 * with ops_lookup_ctx: builtins first, then the context's, then the global
 * ones. A builtin name cannot take custom overloads. */
ts_status ops_register_custom(Ctx *ctx, bool global, const char *text, OpFn fn, const void *custom,
                              const OpSchema **out);
/* The first overload of a name as seen from ctx (ctx may be NULL: builtins and global). */
const OpSchema *ops_lookup_ctx(const Ctx *ctx, const char *name);
const OpSchema *ops_lookup_overload_ctx(const Ctx *ctx, const char *name, const char *overload);
/* The global custom schemas, in registration order. */
int ops_custom_count(void);
const OpSchema *ops_custom_at(int i);

/* ---- helpers for implementations ---- */

/* Scalar (int/float/bool IValue) to double / int64. */
static inline double iv_scalar_f64(IValue v) {
    return v.kind == IV_DOUBLE ? v.u.d : v.kind == IV_BOOL ? (double)v.u.b : (double)v.u.i;
}
static inline int64_t iv_scalar_i64(IValue v) {
    return v.kind == IV_DOUBLE ? (int64_t)v.u.d : v.kind == IV_BOOL ? (int64_t)v.u.b : v.u.i;
}

#endif
