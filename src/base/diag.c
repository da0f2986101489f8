/*
 * diag.c - sources, spans and the failure record kept in a context.
 */
#include "base/diag.h"

#include <stdio.h>

Source *source_new(const char *name, const char *text, size_t len) {
    Source *s = ts_xmalloc(sizeof *s);
    s->refcnt = 1;
    s->name = ts_strdup(name);
    s->text = ts_strndup(text, len);
    s->len = len;
    return s;
}

Source *source_retain(Source *s) {
    if (s) __atomic_add_fetch(&s->refcnt, 1, __ATOMIC_RELAXED);
    return s;
}

void source_release(Source *s) {
    if (!s || __atomic_sub_fetch(&s->refcnt, 1, __ATOMIC_ACQ_REL) != 0) return;
    ts_free(s->name);
    ts_free(s->text);
    ts_free(s);
}

void source_line_col(const Source *s, uint32_t off, int *line, int *col) {
    int l = 1, c = 1;
    if (off > s->len) off = (uint32_t)s->len;
    for (uint32_t i = 0; i < off; i++) {
        if (s->text[i] == '\n') { l++; c = 1; }
        else c++;
    }
    *line = l;
    *col = c;
}

void span_format_loc(StrBuf *sb, Span sp) {
    if (!sp.src) return;
    int line, col;
    source_line_col(sp.src, sp.start, &line, &col);
    sb_printf(sb, "%s:%d:%d", sp.src->name, line, col);
}

void span_format_caret(StrBuf *sb, Span sp) {
    if (!sp.src) return;
    uint32_t start = sp.start > sp.src->len ? (uint32_t)sp.src->len : sp.start;
    uint32_t ls = start;
    while (ls > 0 && sp.src->text[ls - 1] != '\n') ls--;
    uint32_t le = start;
    while (le < sp.src->len && sp.src->text[le] != '\n') le++;
    sb_puts(sb, "    ");
    sb_putn(sb, sp.src->text + ls, le - ls);
    sb_puts(sb, "\n    ");
    for (uint32_t i = ls; i < start; i++) sb_putc(sb, sp.src->text[i] == '\t' ? '\t' : ' ');
    sb_putc(sb, '^');
    uint32_t end = sp.end > le ? le : sp.end;
    for (uint32_t i = start + 1; i < end; i++) sb_putc(sb, '~');
    sb_putc(sb, '\n');
}

static void set_location(Ctx *ctx, Span sp) {
    sb_clear(&ctx->loc_file);
    sb_puts(&ctx->loc_file, sp.src->name);
    source_line_col(sp.src, sp.start, &ctx->loc_line, &ctx->loc_col);
}

ts_status ts_vfail(Ctx *ctx, ts_status status, const Span *span, const char *fmt, va_list ap) {
    if (!ctx) return status;
    ctx->status = status;
    sb_clear(&ctx->msg);
    sb_clear(&ctx->traceback);
    sb_clear(&ctx->text);
    sb_clear(&ctx->loc_file);
    ctx->loc_line = ctx->loc_col = 0;
    if (span && span->src) {
        span_format_loc(&ctx->msg, *span);
        sb_puts(&ctx->msg, ": error: ");
        set_location(ctx, *span);
    }
    va_list ap2;
    va_copy(ap2, ap);
    sb_vprintf(&ctx->text, fmt, ap2);
    va_end(ap2);
    sb_vprintf(&ctx->msg, fmt, ap);
    sb_putc(&ctx->msg, '\n');
    if (span && span->src) span_format_caret(&ctx->msg, *span);
    return status;
}

ts_status ts_fail(Ctx *ctx, ts_status status, const Span *span, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ts_vfail(ctx, status, span, fmt, ap);
    va_end(ap);
    return status;
}

void ts_add_frame(Ctx *ctx, Span span, const char *fn_name) {
    if (!ctx) return;
    if (span.src && !ctx->loc_file.len) set_location(ctx, span); /* the innermost frame */
    sb_puts(&ctx->traceback, "  at ");
    if (span.src) span_format_loc(&ctx->traceback, span);
    else sb_puts(&ctx->traceback, "<unknown>");
    if (fn_name) sb_printf(&ctx->traceback, " in %s", fn_name);
    sb_putc(&ctx->traceback, '\n');
    if (span.src) span_format_caret(&ctx->traceback, span);
}

void ts_prefix_error(Ctx *ctx, const char *fmt, ...) {
    if (!ctx) return;
    StrBuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    sb_puts(&sb, sb_cstr(&ctx->msg));
    sb_free(&ctx->msg);
    ctx->msg = sb;
}

void ctx_dispose(Ctx *ctx) {
    sb_free(&ctx->msg);
    sb_free(&ctx->traceback);
    sb_free(&ctx->text);
    sb_free(&ctx->loc_file);
    sb_free(&ctx->notes);
}

void ts_clear_error(Ctx *ctx) {
    ctx->status = TS_OK;
    sb_clear(&ctx->msg);
    sb_clear(&ctx->traceback);
    sb_clear(&ctx->text);
    sb_clear(&ctx->loc_file);
    ctx->loc_line = ctx->loc_col = 0;
}

const char *ts_error_text(Ctx *ctx) {
    if (ctx->traceback.len && !strstr(sb_cstr(&ctx->msg), "TorchScript traceback")) {
        sb_puts(&ctx->msg, "TorchScript traceback (most recent call first):\n");
        sb_puts(&ctx->msg, sb_cstr(&ctx->traceback));
    }
    return sb_cstr(&ctx->msg);
}
