/*
 * trace.h - the tracer: torch.jit.trace without Python.
 *
 * It sits above runtime/ (it runs compiled graphs) and below python/ and
 * api/. A trace runs a module's method concretely, walking its IR graph node
 * by node (trace_run.c), and records every tensor-level op it executes into a
 * new straight-line graph: loops unroll, branches take the path the example
 * inputs take, Python numbers become constants. Tensors are followed by
 * identity (as PyTorch's tracer keys on the TensorImpl); numbers that come
 * from a tensor's shape (aten::size) are followed through the graph's values
 * and recorded as PyTorch records them (aten::size, prim::NumToTensor,
 * aten::Int). A call of a submodule's forward becomes a method of the traced
 * submodule (forward, forward1, ... per call, as PyTorch names them), so the
 * traced module prints as PyTorch's traced module does; other calls are
 * inlined, as Python runs them.
 *
 * The result is a Module (runtime/module.h) of a new unit marked from_source,
 * whose classes mirror the traced module tree (training, parameters, buffers,
 * submodules; tensors shared with the original) and whose methods are the
 * recorded graphs; ts_module_save prints its code with frontend/code_print.c.
 *
 * ---- The entry points for other layers (python/ exec: torch.jit.trace) ----
 *
 *   ts_status trace_module(Ctx *ctx, Module *m, const char *method,
 *                          const IValue *inputs, int n,
 *                          const TraceOptions *opt, Module **out);
 *
 *     torch.jit.trace(m, example_inputs): inputs[0..n) are the example
 *     inputs (borrowed; each a tensor or a nested tuple/list/dict of
 *     tensors), passed as the method's positional arguments. *out is a new
 *     owned module whose `forward` is the trace (method NULL: "forward").
 *     opt may be NULL (defaults: strict, warnings to ctx->notes).
 *
 *   ts_status trace_function(Ctx *ctx, Unit *home, Function *fn,
 *                            const IValue *inputs, int n,
 *                            const TraceOptions *opt, Module **out);
 *
 *     torch.jit.trace(fn, example_inputs) for a compiled free function of
 *     unit home: the result is a module whose `forward` (self unused) is
 *     the trace.
 *
 * Mixed tracing and scripting, as PyTorch does it: a call of a function the
 * model's code scripted (@torch.jit.script; Function.user_scripted) or of a
 * method of a submodule it scripted (torch.jit.script(Sub()); ClassType.
 * user_scripted) is not walked: it runs, and the trace keeps a
 * prim::CallFunction / prim::CallMethod to that code, which the result's
 * unit borrows (frontend/unit.h) and saves with its own, so the scripted
 * control flow survives.
 *
 * Errors (each a ts_fail message naming the place): TS_ERR_TYPE (an input
 * or output that is not a tensor or a container of tensors, with the
 * advice to script instead; a list/dict output with strict), TS_ERR_ARG
 * (wrong number of inputs), whatever running the model fails with (shape
 * errors, TS_ERR_TIMEOUT under the context's deadline), TS_ERR_NOMEM.
 *
 * TracerWarnings (a tensor's value decides control flow, a tensor becomes a
 * Python number) go to opt->warn, or, when it is NULL, to ctx->notes; each
 * is one line "FILE:LINE:COL: warning: TracerWarning: ...".
 */
#ifndef TS_TRACE_H
#define TS_TRACE_H

#include "runtime/module.h"

typedef struct TraceOptions {
    /* torch.jit.trace(strict=True): a list or dict output is refused (a
     * mutable container's contents could change after the trace). */
    bool strict;
    /* Called once per TracerWarning with one line of text (no newline). */
    void (*warn)(void *ud, const char *text);
    void *warn_ud;
    /* Autograd's mode while PyTorch would trace: torch.is_grad_enabled()
     * gives it, and parameters require grad, so model code that checks them
     * (MultiheadAttention's and TransformerEncoderLayer's fast paths) takes
     * the path PyTorch's trace takes. Default true (torch.jit.trace outside
     * torch.no_grad()). */
    bool grad_enabled;
} TraceOptions;

/* strict, warnings to ctx->notes */
void trace_options_default(TraceOptions *o);

ts_status trace_module(Ctx *ctx, Module *m, const char *method, const IValue *inputs, int n,
                       const TraceOptions *opt, Module **out) TS_MUST_CHECK;
ts_status trace_function(Ctx *ctx, Unit *home, Function *fn, const IValue *inputs, int n,
                         const TraceOptions *opt, Module **out) TS_MUST_CHECK;

/* ---- a recording session driven by C calls (the public ts_trace_* API) ----
 * trace_begin: inputs become the traced graph's inputs. trace_param: a tensor
 * the trace reads as an attribute of the result (a parameter or buffer named
 * name, "fc.weight" making a submodule fc). trace_op: run one registry op
 * ("aten::linear", or with its overload "aten::add.Tensor"; the first
 * overload the arguments fit) and record it. trace_call: run a module's
 * method and record it as a call of that module (a submodule named name).
 * trace_end: the outputs (a tensor or a container of tensors) and the
 * finished module; the session is freed by trace_free either way. */
typedef struct Tracer Tracer;

ts_status trace_begin(Ctx *ctx, const IValue *inputs, int n, const TraceOptions *opt, Tracer **out) TS_MUST_CHECK;
ts_status trace_param(Ctx *ctx, Tracer *t, const char *name, IValue tensor, bool is_buffer) TS_MUST_CHECK;
ts_status trace_op(Ctx *ctx, Tracer *t, const char *op, const IValue *args, int n, IValue *out) TS_MUST_CHECK;
ts_status trace_call(Ctx *ctx, Tracer *t, const char *name, Module *m, const char *method, const IValue *args,
                     int n, IValue *out) TS_MUST_CHECK;
ts_status trace_end(Ctx *ctx, Tracer *t, IValue output, Module **out) TS_MUST_CHECK;
void trace_free(Tracer *t);

#endif
