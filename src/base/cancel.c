/*
 * cancel.c - cancellation: a per-context interrupt flag and deadline, polled
 * by the interpreter at every loop iteration and call (see diag.h), so that
 * no model code - at load (__setstate__) or at call time - runs unbounded
 * when the embedder asked for a bound. The idea of Lua's count hook and
 * SQLite's progress handler: cheap enough to poll always (one relaxed atomic
 * load; the clock is read every 32 polls when a deadline is armed).
 */
#include "base/diag.h"

#include <time.h>

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ctx_begin(Ctx *ctx) {
    __atomic_store_n(&ctx->interrupted, 0, __ATOMIC_RELAXED);
    ctx->ticks = 0;
    ctx->deadline_ns = 0;
    if (ctx->timeout_ms > 0) {
        int64_t budget = ctx->timeout_ms > INT64_MAX / 2000000 ? INT64_MAX / 2 : ctx->timeout_ms * 1000000;
        ctx->deadline_ns = now_ns() + budget;
    }
}

ts_status ctx_poll_slow(Ctx *ctx, const Span *span) {
    if (__atomic_load_n(&ctx->interrupted, __ATOMIC_RELAXED))
        return ts_fail(ctx, TS_ERR_CANCELLED, span, "cancelled: ts_ctx_interrupt() was called while the code ran");
    if (ctx->deadline_ns && now_ns() >= ctx->deadline_ns)
        return ts_fail(ctx, TS_ERR_TIMEOUT, span,
                       "timed out: the code ran longer than the time limit of %lld ms (ts_ctx_set_timeout, "
                       "tscript --timeout)",
                       (long long)ctx->timeout_ms);
    return TS_OK;
}
