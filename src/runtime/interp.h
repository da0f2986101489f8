/*
 * interp.h - compiles IR graphs to a flat instruction list over a frame of
 * value slots, and runs it.
 *
 * A compiled Code is immutable; each call gets its own frame, so one loaded
 * module can be called from several threads at once. Control flow is jumps:
 * prim::If becomes a conditional jump, prim::Loop a counted loop head.
 * Ops are called through the function pointer bound at compile time.
 */
#ifndef TS_INTERP_H
#define TS_INTERP_H

#include "frontend/unit.h"

/* Compile fn->graph into fn->code (no-op when already compiled). */
ts_status interp_compile(Ctx *ctx, Function *fn) TS_MUST_CHECK;
/* Compile every emitted function of a unit. */
ts_status interp_compile_unit(Ctx *ctx, Unit *u) TS_MUST_CHECK;
/* Call a compiled function. args are borrowed (self first for methods);
 * *out receives an owned value. Runtime failures carry a traceback. */
ts_status interp_call(Ctx *ctx, Function *fn, const IValue *args, int nargs, IValue *out) TS_MUST_CHECK;
/* Runtime check of a value against a static type (isinstance, argument
 * checks); typecheck.c. Work is bounded by distinct (container, type) pairs,
 * so values shared through a pickle's memo cannot make it exponential. */
bool iv_isinstance(IValue v, const Type *t);
/* The same check, and untagged (Any) lists and dicts inside v whose contents
 * conform take the element types t names (the loader's pickled attributes). */
bool iv_conform_tag(IValue v, const Type *t);

#endif
