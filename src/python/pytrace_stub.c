/*
 * pytrace_stub.c - TEMPORARY: stands in for the tracer (src/trace/, branch
 * `trace`) until it is merged; delete this file when trace_run.c exists.
 * torch.jit.trace in tscript exec then fails with a clear message.
 */
#include "trace/trace.h"

void trace_options_default(TraceOptions *o) {
    memset(o, 0, sizeof *o);
    o->strict = true;
}

ts_status trace_module(Ctx *ctx, Module *m, const char *method, const IValue *inputs, int n, const TraceOptions *opt,
                       Module **out) {
    TS_UNUSED(m);
    TS_UNUSED(method);
    TS_UNUSED(inputs);
    TS_UNUSED(n);
    TS_UNUSED(opt);
    *out = NULL;
    return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "torch.jit.trace is not built into this tscript yet");
}

ts_status trace_function(Ctx *ctx, Function *fn, const IValue *inputs, int n, const TraceOptions *opt, Module **out) {
    TS_UNUSED(fn);
    return trace_module(ctx, NULL, NULL, inputs, n, opt, out);
}
