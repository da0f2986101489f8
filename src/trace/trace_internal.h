/*
 * trace_internal.h - what the tracer's two files share: the session
 * (trace.c: the traced module tree, the graphs being recorded, the value
 * maps, recording one op) and the walker (trace_run.c: running a compiled
 * function's IR concretely, node by node, asking trace.c to record).
 *
 * Invariants: a tensor's traced value is found by identity in the innermost
 * scope's map, which holds a reference to every tensor it maps, so an
 * address is never reused while the trace runs. A number's traced value
 * (an aten::size result, arithmetic on it) travels beside it as a Shadow
 * through the walker's frame; numbers without one are constants.
 */
#ifndef TS_TRACE_INTERNAL_H
#define TS_TRACE_INTERNAL_H

#include "trace/trace.h"

/* The traced value of a non-tensor: a number (v, a Tensor-typed value, as
 * PyTorch traces Python numbers derived from tensors: prim::NumToTensor), or
 * a container (items; NULL entries: untraced). */
typedef struct Shadow {
    Value *v;
    int n;
    struct Shadow **items;
} Shadow;

/* Pointer -> pointer map (open addressing). */
typedef struct PtrMap {
    const void **keys;
    void **vals;
    int cap, len;
} PtrMap;
void *ptrmap_get(const PtrMap *m, const void *key);
void ptrmap_put(PtrMap *m, const void *key, void *val);
void ptrmap_free(PtrMap *m);

/* One module object of the traced tree. */
typedef struct TMod {
    Object *orig;        /* the traced module's object (borrowed; the tracer holds the root) */
    ClassType *cls;      /* the result's class for it */
    Object *obj;         /* the result's object (owned by its parent's slot, the root by the tracer) */
    struct TMod *parent;
    const char *attr;    /* its attribute name in parent */
    int ncalls;          /* forward, forward1, ... */
    bool c_made;         /* made by a C session (trace_begin) or for a function: obj made at the end */
    bool scripted;       /* a module the model's code scripted (torch.jit.script): cls and obj are the
                            original's, borrowed by the result's unit, and its calls stay calls */
    bool owned;          /* obj is held by its parent's slot */
} TMod;

/* A parameter or buffer of the traced tree. */
typedef struct TParam {
    TMod *owner;
    const char *name;
    bool is_param;       /* an nn.Parameter (requires_grad in PyTorch), not a buffer */
} TParam;

/* One method being recorded. */
typedef struct Scope {
    Graph *g;
    Value *self;
    TMod *mod;
    PtrMap tensors;      /* Tensor* -> Value* */
    PtrMap modvals;      /* TMod* -> Value* (GetAttr of a submodule, made once) */
    VEC(IValue) held;    /* the tensors the map keys (kept alive) */
    VEC(Node *) getattrs; /* GetAttr nodes in first-use order (moved to the top at the end) */
    VEC(Value *) captures; /* a submodule method's call inputs in the caller: the module, then its parameters */
    struct Scope *up;
} Scope;

struct Tracer {
    Ctx *ctx;
    TraceOptions opt;
    Unit *unit;          /* the result's unit */
    Arena arena;         /* shadows, names */
    VEC(TMod *) mods;
    PtrMap mod_of;       /* original Object* -> TMod* */
    PtrMap param_of;     /* Tensor* -> TParam* */
    PtrMap call_results; /* a submodule call's result Value* -> the value its method returns */
    Scope *scope;
    StrMap warned;       /* warning locations already reported */
    IValue root;         /* the traced module's root object (held) */
    Unit *home;          /* the unit of the traced code (its scripted functions are borrowed from it) */
    int depth;
    bool finished;
    bool c_api;          /* a session of trace_begin: the root object is built from trace_param */
    bool objects_made;   /* c_make_objects ran: the classes' slots are fixed */
    bool warned_list_output; /* PyTorch's TracerWarning for a list output under strict, given */
};

/* ---- trace.c, for trace_run.c ---- */

/* The traced value of a tensor in the current scope (a parameter: GetAttr;
 * unknown: a constant). ir_name names the value at its first use. */
Value *tr_tensor_value(Tracer *t, Tensor *x, const char *ir_name, Span sp);
/* Record op s on args (borrowed, with shadows, may be NULL) whose results
 * are outs[0..nout) (borrowed), typed out_types; *shadow_out receives the
 * shadow of a non-tensor result (NULL when none). */
ts_status tr_record_op(Tracer *t, const OpSchema *s, const IValue *args, Shadow *const *shadows,
                       const char *const *names, int nin, const IValue *outs, Type *const *out_types,
                       int nout, Span sp, Shadow **shadow_out) TS_MUST_CHECK;
/* Name v after the variable holding it at a use, unless it has a name. */
void tr_name_value(Tracer *t, Value *v, const char *name);
/* Warn once per place: "FILE:L:C: warning: TracerWarning: text". */
void tr_warn(Tracer *t, Span sp, const char *text);
/* Is the tensor a parameter (not a buffer) of the traced tree? */
bool tr_is_parameter(Tracer *t, Tensor *x);
/* Is the tensor traced (made by a recorded op, an input, a parameter)? */
bool tr_is_traced(Tracer *t, Tensor *x);
/* The TMod of a module object of the traced tree, or NULL. */
TMod *tr_mod_of(Tracer *t, const Object *o);
/* A submodule call recorded as a call of a method of m's class: begin a
 * scope (args become the method's parameters) and end it. */
ts_status tr_call_begin(Tracer *t, TMod *m, Function *callee, const IValue *args, int nargs, Span sp,
                        Value ***call_inputs, int *ncall_inputs) TS_MUST_CHECK;
ts_status tr_call_end(Tracer *t, TMod *m, Function *callee, Value **call_inputs, int ncall_inputs,
                      IValue result, Span sp) TS_MUST_CHECK;
/* A call of scripted code (a @torch.jit.script function, a method of a
 * scripted submodule mod) kept as a prim::CallFunction / prim::CallMethod,
 * as PyTorch keeps it; result is what the call returned (borrowed). */
ts_status tr_record_call(Tracer *t, TMod *mod, Function *callee, const IValue *args, Shadow *const *shadows,
                         int nargs, IValue result, Span sp) TS_MUST_CHECK;
/* Drop the innermost scope after a failure inside a call. */
void tr_call_abort(Tracer *t);
Shadow *tr_shadow_new(Tracer *t, Value *v, int n);

/* ---- trace_run.c ---- */

/* Run fn on args (borrowed; shadows may be NULL) concretely, recording into
 * t's current scope; *out receives an owned value, *out_shadow its shadow. */
ts_status tr_run_function(Tracer *t, Function *fn, const IValue *args, Shadow *const *shadows, int nargs,
                          IValue *out, Shadow **out_shadow) TS_MUST_CHECK;

#endif
