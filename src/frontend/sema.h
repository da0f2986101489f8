/*
 * sema.h - the checking half of the frontend: type annotations, overload
 * resolution against the op registry, and emission of AST into IR.
 */
#ifndef TS_SEMA_H
#define TS_SEMA_H

#include "frontend/unit.h"

/* One actual argument of a call. */
typedef struct CallArg {
    Value *v;
    const char *kw; /* keyword name, NULL for positional */
    Span span;
} CallArg;

/* Resolve `name` ("aten::add") against the registry with the given
 * arguments, append the op node to block b, and return its outputs (*outs
 * points into the node; *nout outputs). Tries every overload without
 * implicit conversions first, then with them, as PyTorch does. Fails with
 * TS_ERR_NOT_FOUND for an unknown op and TS_ERR_TYPE when no overload fits. */
ts_status sema_emit_op(Ctx *ctx, Graph *g, Block *b, const char *name, const CallArg *args, int nargs,
                       Span span, Value ***outs, int *nout) TS_MUST_CHECK;
/* "unknown builtin op 'aten::x' (torch.x): tscript does not implement it" */
void sema_unknown_op_text(StrBuf *sb, const char *name);
/* Make n (NK_FAIL) fail with the context's current failure (status, message,
 * span; `fallback` when the failure has no span), and clear that failure. */
void sema_defer_failure(Ctx *ctx, Graph *g, Node *n, ts_status st, Span fallback);
/* Does PyTorch's TorchScript have NAME as a Tensor method (names.c)? */
bool sema_is_tensor_method(const char *name);
/* The public Tensor method, or one of cands[0..n), closest to a misspelt
 * name (one or two edits), or NULL. */
const char *sema_closest_tensor_method(const char *name);
const char *sema_closest_name(const char *name, const char *const *cands, int n);
/* sema_emit_op for a single-output op. */
ts_status sema_emit_op1(Ctx *ctx, Graph *g, Block *b, const char *name, const CallArg *args, int nargs,
                        Span span, Value **out) TS_MUST_CHECK;
/* Convenience: positional arguments only. */
ts_status sema_call(Ctx *ctx, Graph *g, Block *b, const char *name, Span span, Value **out, int nargs, ...)
    TS_MUST_CHECK;
/* The static type of a constant value. */
Type *sema_type_of_value(IValue v);

/* Parse a type string ("List[__torch__.Foo]", as in pickle type tags). */
ts_status sema_parse_type_string(Ctx *ctx, Unit *u, const char *text, Type **out) TS_MUST_CHECK;

/* Emit IR for one declared function (its AST must be attached). */
ts_status sema_emit_function(Ctx *ctx, Unit *u, Function *fn) TS_MUST_CHECK;

#endif
