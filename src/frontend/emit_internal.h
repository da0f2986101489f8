/*
 * emit_internal.h - what the two halves of the IR emitter share:
 * emit_expr.c (names, attributes, calls, expressions) and emit_stmt.c
 * (statements, control flow, whole functions). See emit_stmt.c for how
 * environments and control flow become SSA.
 */
#ifndef TS_EMIT_INTERNAL_H
#define TS_EMIT_INTERNAL_H

#include "frontend/ast.h"
#include "frontend/sema_internal.h"

enum { MAX_CALL_ARGS = 64 };

typedef enum SVKind {
    SV_VALUE,     /* v */
    SV_NS,        /* name: "aten", "prim" ... (torch, ops.prim, math) */
    SV_OPS,       /* `ops` */
    SV_CONSTANTS, /* `CONSTANTS` */
    SV_QUAL,      /* name: a qualified prefix ("__torch__.torch.nn") */
    SV_OP,        /* name: "aten::relu" */
    SV_BUILTIN,   /* name: "len", "range", "getattr" ... */
    SV_METHOD,    /* v.name(...) */
    SV_CLASS,     /* cls */
    SV_FUNC,      /* fn */
    SV_NEW,       /* Cls.__new__ */
    SV_PYMOD,     /* name: a Python module of a scripted source ("torch.nn.functional") */
    SV_IGNORED,   /* v.name(...) of a @torch.jit.ignore / unused method: raises; t its return type */
    SV_DISPATCH,  /* boolean_dispatch: fn (False) / fn_true, by argument name / index / dflt */
} SVKind;

typedef struct SV {
    SVKind kind;
    Value *v;
    const char *name;
    ClassType *cls;
    Function *fn;
    Type *t;
    Function *fn_true;
    int index;
    bool dflt;
} SV;

typedef VEC(const char *) NameVec;

typedef struct Env {
    struct Env *parent;
    StrMap vars;                 /* name -> Value* assigned in this block */
    StrMap sugar;                /* name -> SV* for names bound to functions/classes (`_0 = __torch__.f`) */
    VEC(const char *) order;     /* names in first-assignment order */
    bool raised;                 /* the block ends in an exception */
    bool returned;               /* the block ends in a return */
    bool jumped;                 /* the block ends in a break or continue */
    bool maybe_ret;              /* some path through the block returned: `$retflag` says whether,
                                  * `$ret` holds the value (PyTorch's exit transform) */
} Env;

typedef struct Em {
    Ctx *ctx;
    Unit *u;
    Function *fn;
    Graph *g;
    Block *b;
    Env *env;
    int depth;
    int loop_depth;  /* loops around the statement being emitted */
    bool used_unresolved; /* the statement being emitted used an NK_UNRESOLVED result */
    Type *ret_so_far;     /* without a return annotation: the returns' unified type so far */
    Type *loop_ret_t;     /* the unified type of the returns inside loops so far (emit_loop) */
} Em;

/* ---- environments ---- */
void em_env_init(Env *e, Env *parent);
void em_env_free(Env *e);
Value *em_env_lookup(Env *e, const char *name);
void em_env_set(Em *em, const char *name, Value *v);

/* Is v (or the tuple it was unpacked from) the result of an op tscript lacks? */
bool em_from_unresolved(const Value *v);

/* ---- small emitters ---- */
Value *em_constant(Em *em, IValue v, Span sp);
Node *em_append(Em *em, NodeKind k, Span sp);
Value *em_cast(Em *em, Value *v, Type *t, Span sp);
bool em_const_bool(const Value *v, bool *out);
ts_status em_type_error(Em *em, Span sp, const char *what, Type *expected, Type *got);
/* A builtin op with up to three positional arguments. */
ts_status em_op(Em *em, const char *name, Span sp, Value **out, int n, Value *a, Value *b, Value *c) TS_MUST_CHECK;
/* A condition as a bool value (aten::Bool for tensors and numbers). */
ts_status em_to_bool(Em *em, Value *v, Span sp, Value **out) TS_MUST_CHECK;
const char *em_binop_aten(AstBinOp op, bool tensor);
/* The value a new If tests for condition c, the value of expression cond
 * (emit_expr.c: PyTorch's `if a and True:` tests a); c itself in general. */
Value *em_cond(Em *em, Value *c, const struct Ast *cond);
/* A tuple whose elements fit List[T] (t, maybe Optional) as that list, as PyTorch
 * converts at calls and returns; v itself otherwise. */
Value *em_tuple_to_list(Em *em, Value *v, Type *t, Span sp);
/* e = x[indices] (emit_index.c). */
ts_status em_subscript(Em *em, const struct Ast *e, Value **out) TS_MUST_CHECK;
/* x[indices] of a tensor as a view (ints, slices, None): what subscript assignment writes into. */
ts_status em_tensor_index(Em *em, const struct Ast *e, Value *x, Value **out) TS_MUST_CHECK;
/* The views of x[indices] for its ints, slices, None and `...`; tix[0..*ntix) the tensor
 * indices per dimension (NULL: not indexed), *ntix 0 when there is none. */
ts_status em_tensor_index_views(Em *em, const struct Ast *e, Value *x, Value **out, Value **tix, int *ntix) TS_MUST_CHECK;
/* tix as the Tensor?[] list aten::index takes. */
Value *em_tensor_index_list(Em *em, Value **tix, int n, Span sp);
/* x[indices] = v: with a tensor among the indices, aten::index_put_ on the view of the
 * other indices (*done); else *view is that view, for the caller to write into. */
ts_status em_tensor_index_put(Em *em, const struct Ast *e, Value *x, Value *v, Value **view, bool *done) TS_MUST_CHECK;
ts_status em_number_as_tensor(Em *em, Value *v, Value *like, Span sp, Value **out) TS_MUST_CHECK;

/* ---- expressions ---- */
ts_status em_expr(Em *em, const Ast *e, Type *hint, Value **out) TS_MUST_CHECK;
ts_status em_sv(Em *em, const Ast *e, SV *out) TS_MUST_CHECK;
ts_status em_sv_value(Em *em, SV *sv, Span sp, Value **out) TS_MUST_CHECK;
/* ---- refinement (emit_stmt.c): names narrowed in the branches of a condition ---- */
enum { EM_MAX_REFINES = 8 };
typedef struct Refine {
    const char *names[2][EM_MAX_REFINES];
    const struct Ast *types[2][EM_MAX_REFINES]; /* isinstance's type; NULL: Optional's element */
    bool exclude[2][EM_MAX_REFINES];            /* isinstance was false: the members not of that type */
    int n[2];
} Refine;
void em_collect_refines(const struct Ast *cond, bool negate, Refine *r);
/* Bind branch k's refined names in env, with casts appended to blk. */
void em_apply_refines(Em *em, const Refine *r, int k, Block *blk, Env *env, Span sp);

/* ---- statements (emit_stmt.c), for expressions desugared into them ---- */
ts_status em_stmts(Em *em, const AstList *l) TS_MUST_CHECK;

/* NK_UNINITIALIZED's index: a placeholder PyTorch's exit transform makes (one per
 * type, at the top of the graph) for a name a raising branch never defines, or for
 * the return value on a path that has not returned; 0: one that stays put. */
enum { UNINIT_RAISED = 1, UNINIT_RETURN = 2 };
void em_hoist_uninitialized(Graph *g); /* emit_post.c */
void em_canonicalize_outputs(Graph *g); /* emit_post.c: If and Loop outputs in the order of first use */
void em_propagate_constants(Ctx *ctx, Graph *g); /* emit_post.c: pure ops on constant numbers/strings, Ifs on constants */
ts_status em_assign_target(Em *em, const struct Ast *target, Value *v, Span sp) TS_MUST_CHECK;

#endif
