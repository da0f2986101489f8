/*
 * diag.c - sources, spans and the failure record kept in a context.
 *
 * Every message is bounded and terminal-safe, whatever the input: the text
 * of a failure is escaped (base/escape.c: names and code from an archive may
 * hold escape sequences) and cut at MAX_MESSAGE bytes; a source line longer
 * than MAX_LINE is shown as a window around the caret; a traceback keeps
 * its MAX_FRAMES innermost frames and counts the rest.
 */
#include "base/diag.h"

#include <stdio.h>

enum {
    MAX_MESSAGE = 4096, /* bytes of a failure's text (before the source line) */
    MAX_LINE = 160,     /* bytes of a source line shown under a message */
    LINE_BEFORE = 60,   /* of which at most this many before the caret */
    MAX_FRAMES = 24,    /* traceback frames kept (innermost first) */
};

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

/* Append the padding that puts a caret under the end of the escaped
 * text[0..n): a tab for a tab, a space per other character. */
static void put_padding(StrBuf *sb, const char *text, size_t n) {
    StrBuf esc;
    sb_init(&esc);
    sb_put_escaped(&esc, text, n, TS_ESC_KEEP_LINES);
    for (size_t i = 0; i < esc.len; i++) {
        unsigned char c = (unsigned char)esc.data[i];
        if ((c & 0xC0) == 0x80) continue; /* a UTF-8 continuation byte */
        sb_putc(sb, c == '\t' ? '\t' : ' ');
    }
    sb_free(&esc);
}

static uint32_t char_start(const char *text, uint32_t i, uint32_t lo) {
    while (i > lo && ((unsigned char)text[i] & 0xC0) == 0x80) i--;
    return i;
}

void span_format_caret(StrBuf *sb, Span sp) {
    if (!sp.src) return;
    const char *text = sp.src->text;
    uint32_t start = sp.start > sp.src->len ? (uint32_t)sp.src->len : sp.start;
    uint32_t ls = start;
    while (ls > 0 && text[ls - 1] != '\n') ls--;
    uint32_t le = start;
    while (le < sp.src->len && text[le] != '\n') le++;
    /* a long line: a window around the caret */
    uint32_t ws = ls, we = le;
    if (le - ls > MAX_LINE) {
        if (start - ls > LINE_BEFORE) ws = char_start(text, start - LINE_BEFORE, ls);
        we = le - ws > MAX_LINE ? char_start(text, ws + MAX_LINE, ws) : le;
    }
    const char *cut = "...";
    sb_puts(sb, "    ");
    if (ws > ls) sb_puts(sb, cut);
    sb_put_escaped(sb, text + ws, we - ws, TS_ESC_KEEP_LINES);
    if (we < le) sb_puts(sb, cut);
    sb_puts(sb, "\n    ");
    if (ws > ls) sb_puts(sb, "   ");
    put_padding(sb, text + ws, start - ws);
    sb_putc(sb, '^');
    uint32_t end = sp.end > we ? we : sp.end;
    if (end > start + 1) {
        StrBuf tail;
        sb_init(&tail);
        put_padding(&tail, text + start, end - start);
        for (size_t i = 1; i < tail.len; i++) sb_putc(sb, '~');
        sb_free(&tail);
    }
    sb_putc(sb, '\n');
}

/* Append a formatted message, escaped and bounded. */
static void put_bounded(StrBuf *sb, const char *text, size_t n) {
    size_t keep = n > MAX_MESSAGE ? char_start(text, MAX_MESSAGE, 0) : n;
    sb_put_escaped(sb, text, keep, TS_ESC_KEEP_LINES);
    if (keep < n) sb_printf(sb, "... (%zu more bytes)", n - keep);
}

static void set_location(Ctx *ctx, Span sp) {
    sb_clear(&ctx->loc_file);
    sb_puts(&ctx->loc_file, sp.src->name);
    source_line_col(sp.src, sp.start, &ctx->loc_line, &ctx->loc_col);
}

ts_status ts_vfail(Ctx *ctx, ts_status status, const Span *span, const char *fmt, va_list ap) {
    if (!ctx) return status;
    ctx->status = status;
    ctx->fail_span = span ? *span : span_none();
    sb_clear(&ctx->msg);
    sb_clear(&ctx->traceback);
    sb_clear(&ctx->text);
    sb_clear(&ctx->loc_file);
    ctx->loc_line = ctx->loc_col = 0;
    ctx->frames = ctx->frames_dropped = 0;
    if (span && span->src) {
        StrBuf loc;
        sb_init(&loc);
        span_format_loc(&loc, *span);
        put_bounded(&ctx->msg, sb_cstr(&loc), loc.len);
        sb_free(&loc);
        sb_puts(&ctx->msg, ": error: ");
        set_location(ctx, *span);
    }
    StrBuf raw;
    sb_init(&raw);
    sb_vprintf(&raw, fmt, ap);
    put_bounded(&ctx->text, sb_cstr(&raw), raw.len);
    sb_free(&raw);
    sb_puts(&ctx->msg, sb_cstr(&ctx->text));
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
    if (ctx->frames >= MAX_FRAMES) {
        ctx->frames_dropped++;
        return;
    }
    ctx->frames++;
    sb_puts(&ctx->traceback, "  at ");
    StrBuf line;
    sb_init(&line);
    if (span.src) span_format_loc(&line, span);
    else sb_puts(&line, "<unknown>");
    if (fn_name) sb_printf(&line, " in %s", fn_name);
    put_bounded(&ctx->traceback, sb_cstr(&line), line.len);
    sb_free(&line);
    sb_putc(&ctx->traceback, '\n');
    if (span.src) span_format_caret(&ctx->traceback, span);
}

void ts_prefix_error(Ctx *ctx, const char *fmt, ...) {
    if (!ctx) return;
    StrBuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, fmt);
    StrBuf raw;
    sb_init(&raw);
    sb_vprintf(&raw, fmt, ap);
    put_bounded(&sb, sb_cstr(&raw), raw.len);
    sb_free(&raw);
    va_end(ap);
    /* Say the file once: "m.pt: while reading data.pkl: " before
     * "m.pt:code/x.py:3:4: error: ..." drops the message's own "m.pt:". The
     * shared part must end at a ':' in both. */
    const char *msg = sb_cstr(&ctx->msg);
    size_t k = 0;
    while (k < sb.len && msg[k] && msg[k] == sb.data[k]) k++;
    while (k > 0 && !(msg[k] == ':' && sb.data[k] == ':')) k--;
    if (k > 0) {
        msg += k + 1;
        if (*msg == ' ') msg++;
    }
    sb_puts(&sb, msg);
    sb_free(&ctx->msg);
    ctx->msg = sb;
}

void ctx_dispose(Ctx *ctx) {
    sb_free(&ctx->msg);
    sb_free(&ctx->traceback);
    sb_free(&ctx->text);
    sb_free(&ctx->loc_file);
    sb_free(&ctx->notes);
    ts_free(ctx->gen);
    ctx->gen = NULL;
    if (ctx->custom_ops_free) ctx->custom_ops_free(ctx->custom_ops);
    ctx->custom_ops = NULL;
    ctx->custom_ops_free = NULL;
}

void ts_clear_error(Ctx *ctx) {
    ctx->status = TS_OK;
    sb_clear(&ctx->msg);
    sb_clear(&ctx->traceback);
    sb_clear(&ctx->text);
    sb_clear(&ctx->loc_file);
    ctx->loc_line = ctx->loc_col = 0;
    ctx->frames = ctx->frames_dropped = 0;
}

const char *ts_error_text(Ctx *ctx) {
    if (ctx->traceback.len && !strstr(sb_cstr(&ctx->msg), "TorchScript traceback")) {
        if (ctx->frames_dropped)
            sb_printf(&ctx->traceback, "  ... %d more frame%s (outer calls)\n", ctx->frames_dropped,
                      ctx->frames_dropped == 1 ? "" : "s");
        ctx->frames_dropped = 0;
        sb_puts(&ctx->msg, "TorchScript traceback (most recent call first):\n");
        sb_puts(&ctx->msg, sb_cstr(&ctx->traceback));
    }
    return sb_cstr(&ctx->msg);
}
