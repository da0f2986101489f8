/*
 * diag.h - the context (ts_ctx), source files and spans, and failure reporting.
 *
 * Errors are values: a function that fails records the message in the context
 * with ts_fail() and returns the status; nothing below the CLI prints or exits.
 * A message with a span renders as chibicc does:
 *     model.py:12:9: error: expected ')'
 *         x = foo(1, 2
 *                 ^
 * Runtime failures add TorchScript traceback frames with ts_add_frame().
 */
#ifndef TS_DIAG_H
#define TS_DIAG_H

#include "base/base.h"

/* A source text (a code/ file of an archive or a user's model.py). Reference
 * counted so spans in IR and tracebacks stay valid while anything uses them. */
typedef struct Source {
    int refcnt;
    char *name; /* "archive.pt:code/__torch__.py" */
    char *text; /* NUL-terminated */
    size_t len;
} Source;

Source *source_new(const char *name, const char *text, size_t len);
Source *source_retain(Source *s);
void source_release(Source *s);

/* A byte range in a source; src == NULL means "no location". */
typedef struct Span {
    Source *src;
    uint32_t start, end;
} Span;

static inline Span span_none(void) { Span s = {NULL, 0, 0}; return s; }
/* 1-based line and column of a byte offset. */
void source_line_col(const Source *s, uint32_t off, int *line, int *col);
/* Append "name:line:col" for a span. */
void span_format_loc(StrBuf *sb, Span sp);
/* Append the source line with a caret under the span. */
void span_format_caret(StrBuf *sb, Span sp);

struct ts_ctx {
    ts_status status;
    StrBuf msg;       /* the full rendered message */
    StrBuf traceback; /* frames added while unwinding */
    StrBuf text;      /* the first line of the message, without location */
    StrBuf loc_file;  /* where the failure is, when known ("" otherwise) */
    int loc_line, loc_col;
    int frames, frames_dropped; /* traceback frames kept and left out */
    int num_threads;
    uint64_t rng_state;
    /* Bound on the bytes inflated from one archive's deflated records;
     * 0: the default of serialize/zip.h. */
    uint64_t max_inflated_bytes;
    /* Internal, for fuzz targets: skip zip CRC checks so that mutated
     * records reach the pickle reader and the frontend. */
    bool skip_crc;
    /* Where a TorchScript print() goes; NULL: standard output. */
    void (*print)(void *ud, const char *text);
    void *print_ud;
    /* Notes of the last load that are not failures, one per line
     * ("tensors saved on cuda:0 are loaded on the cpu\n"). */
    StrBuf notes;
    Span fail_span;   /* the span of the last ts_fail (borrowed: valid while its source lives) */
    /* Cancellation (cancel.c): a per-call time budget and an interrupt flag. */
    int64_t timeout_ms;   /* budget of each load or call; 0: none */
    int64_t deadline_ns;  /* CLOCK_MONOTONIC time the running call must end by; 0: none */
    int interrupted;      /* set by ts_ctx_interrupt, from any thread (atomic) */
    uint32_t ticks;       /* polls since the clock was last read */
    /* PyTorch's CPU generator of this context (tensor/random.h), made on
     * first use; one flat block, freed by ctx_dispose. */
    struct Generator *gen;
    /* tscript exec: ops mark their outputs with the grad_fn PyTorch's autograd would record
     * (ops/grad_names.c); off everywhere else. */
    bool grad_names;
    /* Custom ops registered on this context (ts_register_op; ops/custom.c
     * owns the table and frees it through custom_ops_free). */
    void *custom_ops;
    void (*custom_ops_free)(void *);
};
typedef struct ts_ctx Ctx;

/* Free the buffers of a context (which may live on the stack, zeroed at start). */
void ctx_dispose(Ctx *ctx);

/* Record a failure and return status. span may be NULL. Replaces any earlier
 * failure message. */
ts_status ts_fail(Ctx *ctx, ts_status status, const Span *span, const char *fmt, ...)
    TS_PRINTF(4, 5);
ts_status ts_vfail(Ctx *ctx, ts_status status, const Span *span, const char *fmt, va_list ap);
/* Add a traceback frame (innermost first) for a runtime failure. */
void ts_add_frame(Ctx *ctx, Span span, const char *fn_name);
/* Prefix the current message with context ("while loading x.pt: "). When the
 * message starts with the same file ("x.pt:code/y.py:3:4: ..."), that file
 * is not repeated. */
void ts_prefix_error(Ctx *ctx, const char *fmt, ...) TS_PRINTF(2, 3);
void ts_clear_error(Ctx *ctx);
/* Build the final message (message + traceback) into ctx->msg. */
const char *ts_error_text(Ctx *ctx);

/* ---- cancellation (cancel.c) ----
 * One flag and one deadline per context, polled wherever code can run for
 * an unbounded time: each loop iteration and each call of the interpreter,
 * whatever started it (a load-time __setstate__, an API call). */

/* Start of a top-level load or call: clear the interrupt flag and arm the
 * deadline from the context's timeout. */
void ctx_begin(Ctx *ctx);
ts_status ctx_poll_slow(Ctx *ctx, const Span *span) TS_MUST_CHECK;
/* TS_OK, or TS_ERR_CANCELLED / TS_ERR_TIMEOUT (recorded) when the running
 * call must stop. The clock is read once every 32 polls. */
static inline TS_MUST_CHECK ts_status ctx_poll(Ctx *ctx, const Span *span) {
    if (ctx && (__atomic_load_n(&ctx->interrupted, __ATOMIC_RELAXED) || (ctx->deadline_ns && (++ctx->ticks & 31) == 0)))
        return ctx_poll_slow(ctx, span);
    return TS_OK;
}

#define TS_TRY(expr)                        \
    do {                                    \
        ts_status ts_try_st_ = (expr);      \
        if (ts_try_st_ != TS_OK) return ts_try_st_; \
    } while (0)

#endif
