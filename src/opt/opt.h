/*
 * opt.h - the optimisation layer: between the loaded (or scripted) program
 * and the interpreter, it turns one method of a module in eval mode into one
 * frozen graph and rewrites that graph.
 *
 * Pipeline (opt_module, optimize.c):
 *   freeze.c   inline every method and function call reached from the
 *              method, and read every attribute of the module tree as a
 *              constant (parameters, buffers, ints, strings ...), as
 *              torch.jit.freeze does;
 *   passes.c   constant propagation (pure ops on constants run once, ifs on
 *              constant conditions keep their taken branch), dead-code
 *              elimination, and conv + batch_norm folding (new weight and
 *              bias constants: w * g / sqrt(var + eps), (b - mean) * g /
 *              sqrt(var + eps) + beta, computed in float64);
 *   fuse.c     (only for running, OPT_FUSE) conv2d [+ residual add] [+ relu,
 *              relu6, hardtanh, hardswish, silu] into tscript::conv2d_fused, which oneDNN
 *              runs as one primitive with post-ops.
 * The result is a new Module whose root class holds only `training` and the
 * optimised method; its graph holds the weights as constants (written as
 * CONSTANTS.cN by the archive writer). Without OPT_FUSE every node is a
 * standard op, so the module saves as an archive torch.jit.load runs.
 *
 * Refusals (TS_ERR_UNSUPPORTED, the module is left as it was): a module in
 * training mode (batch norm would use batch statistics), a method that sets
 * attributes, a module object used as a value (passed or returned), a call
 * of a method that is not compiled.
 */
#ifndef TS_OPT_H
#define TS_OPT_H

#include "runtime/module.h"

enum {
    OPT_FUSE = 1u << 0, /* make tscript:: fused ops (not for saving) */
};

typedef struct OptStats {
    int inlined;   /* calls inlined */
    int frozen;    /* attribute reads made constants */
    int folded;    /* nodes computed at optimisation time */
    int removed;   /* dead nodes removed */
    int bn_folded; /* batch norms folded into convolutions */
    int fused;     /* convolutions fused with an add and/or an activation */
} OptStats;

/* A new module computing m's method `method` (forward when NULL), frozen and
 * optimised; *out owned. stats may be NULL. */
ts_status opt_module(Ctx *ctx, Module *m, const char *method, unsigned flags, Module **out,
                     OptStats *stats) TS_MUST_CHECK;

/* ---- internal to opt/ ---- */

/* Inline fn (a method of root's class) into a new graph whose first input
 * is self of type self_type; attributes of the module tree become constants. */
ts_status opt_freeze(Ctx *ctx, Function *fn, Object *root, Type *self_type, Graph **out, OptStats *st) TS_MUST_CHECK;
/* Constant propagation, dead code, conv + bn folding; repeated to a fixed point. */
ts_status opt_simplify(Ctx *ctx, Graph *g, OptStats *st) TS_MUST_CHECK;
/* Remove nodes whose results nothing uses and that have no effect. */
void opt_dead_code(Graph *g, OptStats *st);
/* conv2d [+ add] [+ activation] -> tscript::conv2d_fused. */
void opt_fuse(Graph *g, OptStats *st);

/* Does node n have an effect beyond its outputs (writes, raises, prints)? */
bool opt_has_effect(const Node *n);
/* Insert n before `before` in before's block. */
void opt_insert_before(Node *n, Node *before);
/* Replace every use of from (in g, nested blocks included) by to. */
void opt_replace_uses(Graph *g, Value *from, Value *to);
/* How many inputs (block returns included) name v. */
int opt_count_uses(const Graph *g, const Value *v);

#endif
