/*
 * api_ops.c - the public view of the operator registry: how many op schemas
 * tscript implements and each one's text, exactly as PyTorch 1.13 prints it
 * (`tscript ops`, the coverage table in docs/ops.md). The builtin registry is
 * parsed once per process (ops_init) and never changes; the process-wide
 * custom ops (ts_register_op, ops/custom.c) follow it in registration order.
 */
#include "ops/op.h"
#include "tscript/tscript.h"

TS_API int ts_op_count(void) {
    ops_init();
    return ops_count() + ops_custom_count();
}

TS_API const char *ts_op_schema(int i) {
    ops_init();
    if (i < 0) return NULL;
    if (i < ops_count()) return ops_at(i)->text;
    const OpSchema *s = ops_custom_at(i - ops_count());
    return s ? s->text : NULL;
}
