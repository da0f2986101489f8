/*
 * api_custom.c - custom ops in the public API (ts_register_op): a user's C
 * kernel for an op tscript lacks, seen by the frontend as one more schema.
 *
 * ops/custom.c keeps the schemas (on a context or process-wide); this file
 * binds each to one trampoline, custom_call, whose OpSchema.custom is the
 * user's kernel and data. At run time the trampoline boxes the op's
 * arguments as ts_values, calls the kernel, and checks what it returned
 * against the schema's return types before handing the values to the
 * interpreter, so a kernel's mistake is a clear error (TS_ERR_TYPE naming
 * the return) and never a wrongly typed value inside a program.
 * Invariants: a kernel record lives as long as the process (its schema is
 * immortal); the trampoline releases every box it made, on every path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api_value.h"
#include "ops/op.h"
#include "runtime/interp.h"

typedef struct CustomKernel {
    ts_op_kernel fn;
    void *ud;
} CustomKernel;

static bool valid_status(ts_status st) { return st >= TS_OK && st <= TS_ERR_CANCELLED; }

/* The kernel failed: keep its message (from ts_op_fail) under the op's name. */
static ts_status kernel_failed(Ctx *ctx, const OpSchema *s, ts_status st) {
    if (!valid_status(st) || st == TS_OK) st = TS_ERR_RUNTIME;
    if (ctx->status == TS_OK || !ctx->text.len)
        return ts_fail(ctx, st, NULL, "%s: its kernel failed with %s and gave no message (ts_op_fail sets one)",
                       s->name, ts_status_name(st));
    StrBuf msg;
    sb_init(&msg);
    sb_puts(&msg, sb_cstr(&ctx->text));
    ts_clear_error(ctx);
    ts_fail(ctx, st, NULL, "%s: %s", s->name, sb_cstr(&msg));
    sb_free(&msg);
    return st;
}

static ts_status wrong_return(Ctx *ctx, const OpSchema *s, int i, IValue v, const char *detail) {
    StrBuf want;
    sb_init(&want);
    ty_annotation_str(&want, s->rets[i].type);
    ts_status st = ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: its kernel returned %s%s for return %d, the schema says %s",
                           s->name, iv_kind_name(v), detail, i, sb_cstr(&want));
    sb_free(&want);
    return st;
}

/* rets[i]'s value as the schema's return type i (owned), or a failure. A
 * tuple stands for a list (the public API builds no lists). */
static ts_status take_return(Ctx *ctx, const OpSchema *s, int i, IValue v, IValue *out) {
    Type *want = s->rets[i].type;
    if (iv_isinstance(v, want)) {
        *out = iv_dup(v);
        return TS_OK;
    }
    Type *lt = ty_unwrap_optional(want);
    if (v.kind != IV_TUPLE || lt->kind != TK_LIST) return wrong_return(ctx, s, i, v, "");
    TupleObj *t = v.u.tup;
    for (int64_t j = 0; j < t->len; j++)
        if (!iv_isinstance(t->items[j], lt->elems[0])) {
            char detail[64];
            snprintf(detail, sizeof detail, " (item %lld is %s)", (long long)j, iv_kind_name(t->items[j]));
            return wrong_return(ctx, s, i, v, detail);
        }
    ListObj *l = list_new(lt->elems[0], t->len);
    for (int64_t j = 0; j < t->len; j++) list_push_steal(l, iv_dup(t->items[j]));
    *out = iv_list_steal(l);
    return TS_OK;
}

static ts_status custom_call(Ctx *ctx, IValue *in, int nin, IValue *out, const OpInfo *info) {
    const OpSchema *s = info->schema;
    const CustomKernel *k = s->custom;
    size_t na = (size_t)nin, nr = (size_t)s->nret;
    ts_value **boxes = ts_calloc(na + nr + 1, sizeof *boxes);
    if (!boxes) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", s->name);
    ts_value **rets = boxes + na;
    ts_status st = TS_OK;
    int written = 0;
    for (size_t i = 0; i < na; i++)
        if (!(boxes[i] = api_box(iv_dup(in[i])))) {
            st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", s->name);
            goto release_boxes;
        }
    ts_clear_error(ctx);
    st = k->fn(ctx, boxes, na, rets, nr, k->ud);
    if (st != TS_OK) {
        st = kernel_failed(ctx, s, st);
        goto release_boxes;
    }
    ts_clear_error(ctx); /* a message left by a kernel that succeeded */
    for (; written < (int)nr; written++) {
        if (!rets[written]) {
            StrBuf want;
            sb_init(&want);
            ty_annotation_str(&want, s->rets[written].type);
            st = ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: its kernel returned TS_OK but no value for return %d (%s)",
                         s->name, written, sb_cstr(&want));
            sb_free(&want);
            break;
        }
        st = take_return(ctx, s, written, rets[written]->v, &out[written]);
        if (st != TS_OK) break;
    }
    if (st != TS_OK)
        for (int i = 0; i < written; i++) iv_release(out[i]);
release_boxes:
    for (size_t i = 0; i < na + nr; i++) ts_value_release(boxes[i]);
    ts_free(boxes);
    return st;
}

TS_API ts_status ts_register_op_ex(ts_ctx *ctx, unsigned flags, const char *schema, ts_op_kernel fn, void *ud) {
    Ctx scratch;
    memset(&scratch, 0, sizeof scratch);
    Ctx *c = ctx ? ctx : &scratch;
    bool global = !ctx || (flags & TS_OP_GLOBAL);
    ts_status st;
    if (flags & ~(unsigned)TS_OP_GLOBAL) st = ts_fail(c, TS_ERR_ARG, NULL, "ts_register_op: unknown flags 0x%x", flags);
    else if (!schema) st = ts_fail(c, TS_ERR_ARG, NULL, "ts_register_op: NULL schema");
    else if (!fn) st = ts_fail(c, TS_ERR_ARG, NULL, "ts_register_op: %s: NULL kernel", schema);
    else {
        CustomKernel *k = malloc(sizeof *k); /* immortal, as the schema it serves */
        if (!k) st = ts_fail(c, TS_ERR_NOMEM, NULL, "out of memory");
        else {
            k->fn = fn;
            k->ud = ud;
            st = ops_register_custom(c, global, schema, custom_call, k, NULL);
            if (st != TS_OK) free(k);
        }
    }
    if (!ctx) ctx_dispose(&scratch);
    return st;
}

TS_API ts_status ts_register_op(ts_ctx *ctx, const char *schema, ts_op_kernel fn, void *ud) {
    return ts_register_op_ex(ctx, 0, schema, fn, ud);
}

TS_API ts_status ts_op_fail(ts_ctx *ctx, ts_status status, const char *fmt, ...) {
    if (!valid_status(status) || status == TS_OK) status = TS_ERR_RUNTIME;
    if (!ctx) return status;
    if (!fmt) return ts_fail(ctx, status, NULL, "(no message)");
    va_list ap;
    va_start(ap, fmt);
    ts_status st = ts_vfail(ctx, status, NULL, fmt, ap);
    va_end(ap);
    return st;
}
