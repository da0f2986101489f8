/*
 * lexer.c - source text -> tokens, with Python's indentation rules, and the
 * diagnostics list shared with the parser.
 *
 * The lexer runs on demand (the parser keeps a few tokens of lookahead), so
 * memory is proportional to the AST, not to the token count. Invariants:
 *   - every read is bounds-checked against lx->len; NUL bytes are ordinary
 *     (invalid) characters;
 *   - the indent stack always holds column 0 at the bottom and one level per
 *     INDENT produced, so INDENTs and DEDENTs balance;
 *   - after an error the lexer resumes at the next character it understands
 *     and yields TK_ERROR for the bad text.
 *
 * Floats are converted with strtod, which follows LC_NUMERIC. tscript never
 * calls setlocale, so the "C" locale (decimal point '.') is in effect unless
 * the host program changes it; a host that sets a locale with ',' as decimal
 * point would need strtod_l here.
 */
#include "frontend/lexer.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- token names ---- */

static const char *const kind_names[TK_KIND_COUNT] = {
#define TOK(name, desc) [TK_##name] = desc,
#define KW(name, spelling) [TK_##name] = "'" spelling "'",
#define PUNCT(name, spelling) [TK_##name] = "'" spelling "'",
#include "frontend/token.def"
};

static const char *const spellings[TK_KIND_COUNT] = {
#define KW(name, spelling) [TK_##name] = spelling,
#define PUNCT(name, spelling) [TK_##name] = spelling,
#include "frontend/token.def"
};

static const TokKind keywords[] = {
#define KW(name, spelling) TK_##name,
#include "frontend/token.def"
};

static const TokKind puncts[] = {
#define PUNCT(name, spelling) TK_##name,
#include "frontend/token.def"
};

const char *tok_kind_name(TokKind k) {
    return (unsigned)k < TK_KIND_COUNT ? kind_names[k] : "?";
}

const char *tok_spelling(TokKind k) {
    return (unsigned)k < TK_KIND_COUNT ? spellings[k] : NULL;
}

const char *tok_describe(Arena *a, const Token *t) {
    const char *text = t->span.src ? t->span.src->text + t->span.start : "";
    int n = (int)(t->span.end - t->span.start);
    if (n > 40) n = 40;
    switch (t->kind) {
    case TK_IDENT: return arena_printf(a, "identifier '%.*s'", n, text);
    case TK_INT:
    case TK_FLOAT:
    case TK_IMAG: return arena_printf(a, "number '%.*s'", n, text);
    default: return tok_kind_name(t->kind);
    }
}

/* ---- diagnostics ---- */

void diags_init(Diags *d, Source *src) {
    memset(d, 0, sizeof *d);
    d->src = src;
}

void diags_free(Diags *d) {
    for (int i = 0; i < d->items.len; i++) ts_free(d->items.data[i].text);
    vec_free(&d->items);
    vec_free(&d->quiet);
}

void diag_quiet_range(Diags *d, uint32_t start, uint32_t end) {
    DiagRange r = {start, end};
    vec_push(&d->quiet, r);
}

static bool is_quiet(const Diags *d, uint32_t off) {
    for (int i = 0; i < d->quiet.len; i++)
        if (off > d->quiet.data[i].start && off <= d->quiet.data[i].end) return true;
    return false;
}

/* The source line around sp, at most ~160 bytes of it, with control bytes
 * shown as '?', so that a diagnostic stays short and NUL-free whatever the
 * input. span_format_caret does the rendering on this window. */
static void format_caret(StrBuf *sb, Span sp) {
    const Source *s = sp.src;
    uint32_t start = sp.start > s->len ? (uint32_t)s->len : sp.start;
    uint32_t ls = start, le = start;
    while (ls > 0 && s->text[ls - 1] != '\n' && start - ls < 80) ls--;
    while (le < s->len && s->text[le] != '\n' && le - start < 80) le++;
    char window[176];
    uint32_t n = 0;
    for (uint32_t i = ls; i < le; i++) {
        unsigned char c = (unsigned char)s->text[i];
        window[n++] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
    }
    window[n] = 0;
    Source w = {.refcnt = 1, .name = s->name, .text = window, .len = n};
    uint32_t end = sp.end < start ? start : sp.end;
    Span ws = {&w, start - ls, (end > le ? le : end) - ls};
    span_format_caret(sb, ws);
}

void diag_error(Diags *d, Span span, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_verror(d, span, fmt, ap);
    va_end(ap);
}

void diag_verror(Diags *d, Span span, const char *fmt, va_list ap) {
    if (d->full) return;
    StrBuf sb;
    sb_init(&sb);
    span_format_loc(&sb, span);
    sb_puts(&sb, ": error: ");
    sb_vprintf(&sb, fmt, ap);
    sb_putc(&sb, '\n');
    format_caret(&sb, span);
    DiagEntry e = {span.start, d->items.len, sb_steal(&sb)};
    vec_push(&d->items, e);
    if (d->items.len >= DIAG_MAX_ERRORS) d->full = true;
}

char *diags_render(Diags *d) {
    /* insertion sort by (offset, arrival): at most DIAG_MAX_ERRORS entries */
    for (int i = 1; i < d->items.len; i++) {
        DiagEntry e = d->items.data[i];
        int j = i - 1;
        while (j >= 0 && (d->items.data[j].start > e.start ||
                          (d->items.data[j].start == e.start && d->items.data[j].seq > e.seq))) {
            d->items.data[j + 1] = d->items.data[j];
            j--;
        }
        d->items.data[j + 1] = e;
    }
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < d->items.len; i++)
        if (!is_quiet(d, d->items.data[i].start)) sb_puts(&sb, d->items.data[i].text);
    if (d->full)
        sb_printf(&sb, "%s: note: too many errors (%d), stopping\n", d->src->name,
                  DIAG_MAX_ERRORS);
    if (!sb.data) sb_puts(&sb, "");
    return sb_steal(&sb);
}

/* ---- character classes ---- */

static bool is_ident_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_ident_char(int c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
static int hex_value(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
static bool is_digit_radix(int c, int radix) {
    int v = hex_value(c);
    return v >= 0 && v < radix;
}

/* The byte at i, or 0 past the end (0 is never a valid continuation). */
static int at(const Lexer *lx, uint32_t i) {
    return i < lx->len ? (unsigned char)lx->text[i] : 0;
}

static Span mkspan(const Lexer *lx, uint32_t start, uint32_t end) {
    Span s = {lx->src, start, end};
    return s;
}

static void set_tok(Lexer *lx, Token *t, TokKind k, uint32_t start, uint32_t end) {
    t->kind = k;
    t->span = mkspan(lx, start, end);
}

/* ---- init ---- */

void lexer_init(Lexer *lx, Source *src, Arena *arena, Diags *diags) {
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->arena = arena;
    lx->diags = diags;
    lx->text = src->text;
    lx->len = src->len > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)src->len;
    lx->nindent = 1;
    lx->at_line_start = true;
    sb_init(&lx->buf);
    /* a UTF-8 byte order mark is allowed at the very start */
    if (lx->len >= 3 && memcmp(lx->text, "\xEF\xBB\xBF", 3) == 0) lx->pos = 3;
}

void lexer_free(Lexer *lx) { sb_free(&lx->buf); }

/* ---- brackets ---- */

/* The innermost open bracket was never closed; the lexer gives up on the
 * brackets at `end` (a line start or the end of file). */
static void report_unclosed(Lexer *lx, uint32_t end) {
    int i = (lx->depth < LEX_MAX_BRACKETS ? lx->depth : LEX_MAX_BRACKETS) - 1;
    uint32_t off = lx->brackets[i];
    diag_error(lx->diags, mkspan(lx, off, off + 1), "'%c' was never closed", lx->text[off]);
    diag_quiet_range(lx->diags, off, end);
    lx->depth = 0;
}

/* Inside brackets, at the start of a line: does the line begin with a keyword
 * that can only start a statement? Then the bracket was surely left open and
 * the lexer closes it, so that one missing ')' costs one error, not the file.
 * Only this line is looked at (a blank line is checked at its own newline),
 * which keeps lexing linear. */
static bool line_starts_statement(const Lexer *lx, uint32_t p) {
    static const char *const stmt_words[] = {
        "def", "class", "return", "import", "from", "with", "while", "del", "pass",
        "break", "continue", "raise", "assert", "global", "nonlocal", "elif", "try",
        "except", "finally",
    };
    while (p < lx->len && (at(lx, p) == ' ' || at(lx, p) == '\t' || at(lx, p) == '\f'))
        p++;
    uint32_t s = p;
    while (p < lx->len && is_ident_char(at(lx, p))) p++;
    for (size_t i = 0; i < TS_ARRAY_LEN(stmt_words); i++) {
        size_t n = strlen(stmt_words[i]);
        if (p - s == n && memcmp(lx->text + s, stmt_words[i], n) == 0) return true;
    }
    return false;
}

/* ---- indentation ---- */

/* At the start of a logical line (outside brackets): measure the indentation
 * and emit INDENT/DEDENT/ERROR. Returns true if *t was produced. Blank and
 * comment-only lines leave at_line_start set, to be skipped by the caller. */
static bool start_line(Lexer *lx, Token *t) {
    uint32_t line = lx->pos, p = lx->pos;
    int col = 0, alt = 0;
    for (;; p++) {
        int c = at(lx, p);
        if (p >= lx->len) break;
        if (c == ' ') col++, alt++;
        else if (c == '\t') col = (col / 8 + 1) * 8, alt++;
        else if (c == '\f') col = alt = 0;
        else if (c != '\r') break;
    }
    lx->pos = p;
    if (p >= lx->len) return false;
    int c = at(lx, p);
    if (c == '#' || c == '\n') return false;
    if (c == '\\' && (at(lx, p + 1) == '\n' || (at(lx, p + 1) == '\r' && at(lx, p + 2) == '\n')))
        return false; /* a continuation on an empty line: the next line decides */
    lx->at_line_start = false;

    IndentLevel *top = &lx->indent[lx->nindent - 1];
    if (col == top->col) {
        if (alt != top->altcol)
            diag_error(lx->diags, mkspan(lx, line, p),
                       "inconsistent use of tabs and spaces in indentation");
        return false;
    }
    if (col > top->col) {
        if (alt <= top->altcol)
            diag_error(lx->diags, mkspan(lx, line, p),
                       "inconsistent use of tabs and spaces in indentation");
        if (lx->nindent > LEX_MAX_INDENT) {
            if (!lx->too_deep_reported)
                diag_error(lx->diags, mkspan(lx, p, p + 1),
                           "too many levels of indentation (limit %d)", LEX_MAX_INDENT);
            lx->too_deep_reported = true;
            return false;
        }
        lx->indent[lx->nindent++] = (IndentLevel){col, alt};
        set_tok(lx, t, TK_INDENT, line, p);
        return true;
    }
    /* Pop the levels deeper than col. A col between two levels is an error;
     * the line then counts as part of the deeper block, so that the lines
     * after it, indented as before, go on without more errors. */
    int dedents = 0;
    while (lx->nindent > 1 && col < lx->indent[lx->nindent - 1].col &&
           col <= lx->indent[lx->nindent - 2].col) {
        dedents++;
        lx->nindent--;
    }
    top = &lx->indent[lx->nindent - 1];
    if (col != top->col) {
        diag_error(lx->diags, mkspan(lx, p, p + 1),
                   "unindent does not match any outer indentation level");
        lx->pending_error = true;
        lx->pending_span = mkspan(lx, p, p);
    } else if (alt != top->altcol) {
        diag_error(lx->diags, mkspan(lx, line, p),
                   "inconsistent use of tabs and spaces in indentation");
    }
    if (dedents > 0) {
        lx->pending_dedents = dedents - 1;
        set_tok(lx, t, TK_DEDENT, p, p);
        lx->pending_span = mkspan(lx, p, p);
        return true;
    }
    if (lx->pending_error) {
        lx->pending_error = false;
        set_tok(lx, t, TK_ERROR, p, p);
        return true;
    }
    return false;
}

static void lex_eof(Lexer *lx, Token *t) {
    uint32_t e = lx->len;
    if (lx->depth > 0) {
        report_unclosed(lx, e);
        lx->line_has_tokens = true;
        set_tok(lx, t, TK_ERROR, e, e);
        return;
    }
    if (lx->line_has_tokens) {
        lx->line_has_tokens = false;
        set_tok(lx, t, TK_NEWLINE, e, e);
        return;
    }
    int dedents = lx->nindent - 1;
    lx->nindent = 1;
    if (dedents > 0) {
        lx->pending_dedents = dedents - 1;
        lx->pending_span = mkspan(lx, e, e);
        set_tok(lx, t, TK_DEDENT, e, e);
        return;
    }
    lx->eof = true;
    set_tok(lx, t, TK_EOF, e, e);
}

/* ---- numbers ---- */

/* Digits of the given radix with single underscores between them. */
static int read_digits(Lexer *lx, int radix) {
    int n = 0;
    for (;;) {
        int c = at(lx, lx->pos);
        if (lx->pos < lx->len && is_digit_radix(c, radix)) {
            lx->pos++;
            n++;
        } else if (c == '_' && n > 0 && is_digit_radix(at(lx, lx->pos + 1), radix) &&
                   lx->pos + 1 < lx->len) {
            lx->pos++;
        } else {
            return n;
        }
    }
}

/* The value of digits [s, e) (underscores skipped). False on overflow past
 * 2^63; *is_2_63 is set for exactly 2^63. */
static bool digits_value(const Lexer *lx, uint32_t s, uint32_t e, int radix, int64_t *out,
                         bool *is_2_63) {
    uint64_t v = 0;
    for (uint32_t i = s; i < e; i++) {
        int c = at(lx, i);
        if (c == '_') continue;
        if (__builtin_mul_overflow(v, (uint64_t)radix, &v) ||
            __builtin_add_overflow(v, (uint64_t)hex_value(c), &v))
            return false;
    }
    if (v > (uint64_t)INT64_MAX + 1) return false;
    *is_2_63 = v == (uint64_t)INT64_MAX + 1;
    *out = *is_2_63 ? 0 : (int64_t)v;
    return true;
}

static void lex_number(Lexer *lx, Token *t) {
    uint32_t start = lx->pos;
    int c0 = at(lx, start), c1 = at(lx, start + 1);
    if (c0 == '0' && (c1 == 'x' || c1 == 'X' || c1 == 'o' || c1 == 'O' || c1 == 'b' || c1 == 'B')) {
        int radix = (c1 == 'x' || c1 == 'X') ? 16 : (c1 == 'o' || c1 == 'O') ? 8 : 2;
        const char *what = radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary";
        lx->pos += 2;
        if (at(lx, lx->pos) == '_') lx->pos++; /* 0x_ff is allowed */
        uint32_t ds = lx->pos;
        int n = read_digits(lx, radix);
        int next = at(lx, lx->pos);
        if (n == 0 || (lx->pos < lx->len && is_ident_char(next))) {
            bool digit = next >= '0' && next <= '9' && lx->pos < lx->len;
            uint32_t e = lx->pos < lx->len ? lx->pos + 1 : lx->pos;
            if (digit)
                diag_error(lx->diags, mkspan(lx, lx->pos, e), "invalid digit '%c' in %s literal",
                           next, what);
            else
                diag_error(lx->diags, mkspan(lx, start, e), "invalid %s literal", what);
            while (lx->pos < lx->len && is_ident_char(at(lx, lx->pos))) lx->pos++;
            set_tok(lx, t, TK_ERROR, start, lx->pos);
            return;
        }
        bool is_2_63;
        if (!digits_value(lx, ds, lx->pos, radix, &t->ival, &is_2_63) || is_2_63) {
            diag_error(lx->diags, mkspan(lx, start, lx->pos), "integer literal does not fit in int64");
            set_tok(lx, t, TK_ERROR, start, lx->pos);
            return;
        }
        set_tok(lx, t, TK_INT, start, lx->pos);
        return;
    }

    int nint = read_digits(lx, 10);
    uint32_t int_end = lx->pos;
    bool is_float = false, bad = false;
    if (at(lx, lx->pos) == '.' && lx->pos < lx->len) {
        is_float = true;
        lx->pos++;
        int nfrac = read_digits(lx, 10);
        if (nint == 0 && nfrac == 0) bad = true;
    }
    int e = at(lx, lx->pos);
    if ((e == 'e' || e == 'E') && lx->pos < lx->len) {
        uint32_t p = lx->pos + 1;
        if (at(lx, p) == '+' || at(lx, p) == '-') p++;
        if (p < lx->len && at(lx, p) >= '0' && at(lx, p) <= '9') {
            lx->pos = p;
            read_digits(lx, 10);
            is_float = true;
        }
    }
    bool imag = false;
    int j = at(lx, lx->pos);
    if ((j == 'j' || j == 'J') && lx->pos < lx->len) {
        imag = true;
        lx->pos++;
    }
    if (bad || (lx->pos < lx->len && is_ident_char(at(lx, lx->pos)))) {
        uint32_t e2 = lx->pos < lx->len ? lx->pos + 1 : lx->pos;
        diag_error(lx->diags, mkspan(lx, start, e2), "invalid decimal literal");
        while (lx->pos < lx->len && is_ident_char(at(lx, lx->pos))) lx->pos++;
        set_tok(lx, t, TK_ERROR, start, lx->pos);
        return;
    }
    if (!is_float && !imag) {
        /* "007" is an error in Python 3; "000" is fine */
        if (c0 == '0') {
            for (uint32_t i = start; i < int_end; i++) {
                if (at(lx, i) != '0' && at(lx, i) != '_') {
                    diag_error(lx->diags, mkspan(lx, start, int_end),
                               "leading zeros in decimal integer literals are not permitted; "
                               "use an 0o prefix for octal integers");
                    set_tok(lx, t, TK_ERROR, start, int_end);
                    return;
                }
            }
        }
        if (!digits_value(lx, start, int_end, 10, &t->ival, &t->int_2_63)) {
            diag_error(lx->diags, mkspan(lx, start, int_end), "integer literal does not fit in int64");
            set_tok(lx, t, TK_ERROR, start, int_end);
            return;
        }
        set_tok(lx, t, TK_INT, start, int_end);
        return;
    }
    sb_clear(&lx->buf);
    uint32_t num_end = imag ? lx->pos - 1 : lx->pos;
    for (uint32_t i = start; i < num_end; i++)
        if (at(lx, i) != '_') sb_putc(&lx->buf, (char)at(lx, i));
    t->fval = strtod(sb_cstr(&lx->buf), NULL); /* C locale: see the file comment */
    set_tok(lx, t, imag ? TK_IMAG : TK_FLOAT, start, lx->pos);
}

/* ---- strings ---- */

static void put_utf8(StrBuf *sb, uint32_t cp) {
    if (cp < 0x80) {
        sb_putc(sb, (char)cp);
    } else if (cp < 0x800) {
        sb_putc(sb, (char)(0xC0 | (cp >> 6)));
        sb_putc(sb, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        sb_putc(sb, (char)(0xE0 | (cp >> 12)));
        sb_putc(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
        sb_putc(sb, (char)(0x80 | (cp & 0x3F)));
    } else {
        sb_putc(sb, (char)(0xF0 | (cp >> 18)));
        sb_putc(sb, (char)(0x80 | ((cp >> 12) & 0x3F)));
        sb_putc(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
        sb_putc(sb, (char)(0x80 | (cp & 0x3F)));
    }
}

/* One escape sequence at lx->pos (the backslash) of a non-raw string,
 * appended to lx->buf. False (after reporting) if it is malformed. */
static bool lex_escape(Lexer *lx) {
    uint32_t s = lx->pos;
    int e = at(lx, s + 1);
    lx->pos += 2;
    switch (e) {
    case '\n': return true; /* line continuation inside the literal */
    case '\r':
        if (at(lx, lx->pos) == '\n') lx->pos++;
        return true;
    case '\\': case '\'': case '"': sb_putc(&lx->buf, (char)e); return true;
    case 'a': sb_putc(&lx->buf, '\a'); return true;
    case 'b': sb_putc(&lx->buf, '\b'); return true;
    case 'f': sb_putc(&lx->buf, '\f'); return true;
    case 'n': sb_putc(&lx->buf, '\n'); return true;
    case 'r': sb_putc(&lx->buf, '\r'); return true;
    case 't': sb_putc(&lx->buf, '\t'); return true;
    case 'v': sb_putc(&lx->buf, '\v'); return true;
    case 'x': case 'u': case 'U': {
        int want = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        int n = 0;
        while (n < want && lx->pos < lx->len && hex_value(at(lx, lx->pos)) >= 0) {
            cp = cp * 16 + (uint32_t)hex_value(at(lx, lx->pos));
            lx->pos++;
            n++;
        }
        if (n < want) {
            const char *form = e == 'x' ? "\\xXX" : e == 'u' ? "\\uXXXX" : "\\UXXXXXXXX";
            diag_error(lx->diags, mkspan(lx, s, lx->pos), "truncated %s escape", form);
            return false;
        }
        if (cp > 0x10FFFF) {
            diag_error(lx->diags, mkspan(lx, s, lx->pos),
                       "invalid \\U escape: code point out of range");
            return false;
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            diag_error(lx->diags, mkspan(lx, s, lx->pos),
                       "invalid escape: surrogate code point U+%04X", (unsigned)cp);
            return false;
        }
        put_utf8(&lx->buf, cp);
        return true;
    }
    case 'N':
        diag_error(lx->diags, mkspan(lx, s, lx->pos),
                   "\\N{...} escapes are not supported in TorchScript");
        return false;
    default:
        if (e >= '0' && e <= '7') {
            uint32_t v = (uint32_t)(e - '0');
            for (int k = 0; k < 2 && at(lx, lx->pos) >= '0' && at(lx, lx->pos) <= '7' &&
                            lx->pos < lx->len;
                 k++)
                v = v * 8 + (uint32_t)(at(lx, lx->pos++) - '0');
            put_utf8(&lx->buf, v);
            return true;
        }
        /* unknown escapes keep their backslash, as in Python */
        lx->pos = s + 1;
        sb_putc(&lx->buf, '\\');
        return true;
    }
}

/* A string literal whose quote is at lx->pos; [start, pos) is its prefix. */
static void lex_string(Lexer *lx, Token *t, uint32_t start, bool raw, const char *reject) {
    int q = at(lx, lx->pos);
    bool triple = at(lx, lx->pos + 1) == q && at(lx, lx->pos + 2) == q && lx->pos + 2 < lx->len;
    lx->pos += triple ? 3 : 1;
    bool bad = false;
    if (reject) {
        diag_error(lx->diags, mkspan(lx, start, lx->pos), "%s are not supported in TorchScript",
                   reject);
        bad = true;
    }
    sb_clear(&lx->buf);
    for (;;) {
        if (lx->pos >= lx->len ||
            (!triple && (at(lx, lx->pos) == '\n' ||
                         (at(lx, lx->pos) == '\r' && at(lx, lx->pos + 1) == '\n')))) {
            if (!bad)
                diag_error(lx->diags, mkspan(lx, start, start + 1),
                           triple ? "unterminated triple-quoted string literal"
                                  : "unterminated string literal");
            set_tok(lx, t, TK_ERROR, start, lx->pos);
            return;
        }
        int c = at(lx, lx->pos);
        if (c == q) {
            if (!triple) {
                lx->pos++;
                break;
            }
            if (at(lx, lx->pos + 1) == q && at(lx, lx->pos + 2) == q && lx->pos + 2 < lx->len) {
                lx->pos += 3;
                break;
            }
            sb_putc(&lx->buf, (char)c);
            lx->pos++;
        } else if (c == '\\' && lx->pos + 1 < lx->len) {
            if (raw) {
                /* r"\"" keeps both characters; the quote does not end it */
                sb_putc(&lx->buf, '\\');
                sb_putc(&lx->buf, (char)at(lx, lx->pos + 1));
                lx->pos += 2;
            } else if (!lex_escape(lx)) {
                bad = true;
            }
        } else if (c == '\r' && at(lx, lx->pos + 1) == '\n') {
            sb_putc(&lx->buf, '\n'); /* newlines in triple-quoted text are \n */
            lx->pos += 2;
        } else {
            sb_putc(&lx->buf, (char)c);
            lx->pos++;
        }
    }
    if (bad) {
        set_tok(lx, t, TK_ERROR, start, lx->pos);
        return;
    }
    set_tok(lx, t, TK_STRING, start, lx->pos);
    t->str = arena_strndup(lx->arena, sb_cstr(&lx->buf), lx->buf.len);
    t->len = lx->buf.len;
}

/* ---- identifiers, keywords, punctuators ---- */

static TokKind keyword_kind(const char *s, size_t n) {
    for (size_t i = 0; i < TS_ARRAY_LEN(keywords); i++) {
        const char *k = spellings[keywords[i]];
        if (k[0] == s[0] && strlen(k) == n && memcmp(k, s, n) == 0) return keywords[i];
    }
    return TK_IDENT;
}

/* A string prefix (r, u, b, f, rb, br, fr, rf in any case) directly before a
 * quote. Returns false if [s, e) is not one. */
static bool string_prefix(const Lexer *lx, uint32_t s, uint32_t e, bool *raw, const char **reject) {
    if (e - s > 2) return false;
    int q = at(lx, e);
    if (q != '\'' && q != '"') return false;
    bool r = false, b = false, f = false, u = false;
    for (uint32_t i = s; i < e; i++) {
        int c = at(lx, i) | 0x20;
        bool *flag = c == 'r' ? &r : c == 'b' ? &b : c == 'f' ? &f : c == 'u' ? &u : NULL;
        if (!flag || *flag) return false;
        *flag = true;
    }
    if (u && e - s > 1) return false;
    if ((b && f)) return false;
    *raw = r;
    *reject = f ? "f-strings" : b ? "bytes literals" : NULL;
    return true;
}

/* An invalid character (or a run of them) at lx->pos. */
static void lex_invalid(Lexer *lx, Token *t) {
    uint32_t s = lx->pos;
    int c = at(lx, s);
    if (c >= 0x80) {
        /* decode one UTF-8 sequence to name it, if it is one */
        int n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
        uint32_t cp = n == 4 ? (uint32_t)c & 7 : n == 3 ? (uint32_t)c & 15 : (uint32_t)c & 31;
        for (int i = 1; i < n; i++) {
            int cc = at(lx, s + (uint32_t)i);
            if ((cc & 0xC0) != 0x80 || s + (uint32_t)i >= lx->len) { n = 0; break; }
            cp = cp << 6 | ((uint32_t)cc & 0x3F);
        }
        if (n > 0 && (cp < (n == 3 ? 0x800u : n == 4 ? 0x10000u : 0x80u) || cp > 0x10FFFF ||
                      (cp >= 0xD800 && cp <= 0xDFFF)))
            n = 0;
        if (n > 0)
            diag_error(lx->diags, mkspan(lx, s, s + (uint32_t)n), "invalid character '%.*s' (U+%04X)", n,
                       lx->text + s, (unsigned)cp);
        else
            diag_error(lx->diags, mkspan(lx, s, s + 1), "invalid byte 0x%02X (source is not UTF-8)", c);
    } else if (c < 0x20 || c == 0x7f) {
        diag_error(lx->diags, mkspan(lx, s, s + 1), "invalid control character U+%04X", c);
    } else {
        diag_error(lx->diags, mkspan(lx, s, s + 1), "invalid character '%c'", c);
    }
    /* one error for a run of bad bytes */
    lx->pos++;
    while (lx->pos < lx->len) {
        int d = at(lx, lx->pos);
        if (!(d >= 0x80 || (d < 0x20 && d != '\n' && d != '\t' && d != '\r' && d != '\f') ||
              d == 0x7f || d == '$' || d == '?' || d == '`'))
            break;
        lx->pos++;
    }
    set_tok(lx, t, TK_ERROR, s, lx->pos);
}

static void lex_punct(Lexer *lx, Token *t) {
    uint32_t s = lx->pos;
    TokKind best = TK_EOF;
    size_t best_len = 0;
    for (size_t i = 0; i < TS_ARRAY_LEN(puncts); i++) {
        const char *sp = spellings[puncts[i]];
        if (sp[0] != lx->text[s]) continue;
        size_t n = strlen(sp);
        if (n > best_len && s + n <= lx->len && memcmp(lx->text + s, sp, n) == 0) {
            best = puncts[i];
            best_len = n;
        }
    }
    if (best_len == 0) {
        lex_invalid(lx, t);
        return;
    }
    lx->pos += (uint32_t)best_len;
    if (best == TK_LPAREN || best == TK_LBRACKET || best == TK_LBRACE) {
        if (lx->depth < LEX_MAX_BRACKETS) lx->brackets[lx->depth] = s;
        if (lx->depth < INT32_MAX) lx->depth++;
    } else if ((best == TK_RPAREN || best == TK_RBRACKET || best == TK_RBRACE) && lx->depth > 0) {
        lx->depth--;
    }
    set_tok(lx, t, best, s, lx->pos);
}

/* ---- the main loop ---- */

void lexer_next(Lexer *lx, Token *t) {
    memset(t, 0, sizeof *t);
    t->span.src = lx->src;
    if (lx->pending_dedents > 0) {
        lx->pending_dedents--;
        t->kind = TK_DEDENT;
        t->span = lx->pending_span;
        return;
    }
    if (lx->pending_error) {
        lx->pending_error = false;
        t->kind = TK_ERROR;
        t->span = lx->pending_span;
        return;
    }
    if (lx->pending_newline) {
        lx->pending_newline = false;
        lx->at_line_start = true;
        t->kind = TK_NEWLINE;
        t->span = lx->pending_span;
        return;
    }
    if (lx->eof) {
        set_tok(lx, t, TK_EOF, lx->len, lx->len);
        return;
    }
    for (;;) {
        if (lx->at_line_start && lx->depth == 0 && start_line(lx, t)) return;
        while (lx->pos < lx->len) {
            int c = at(lx, lx->pos);
            if (c != ' ' && c != '\t' && c != '\f' && c != '\r') break;
            lx->pos++;
        }
        if (lx->pos >= lx->len) {
            lex_eof(lx, t);
            return;
        }
        uint32_t s = lx->pos;
        int c = at(lx, s);
        if (c == '#') {
            while (lx->pos < lx->len && at(lx, lx->pos) != '\n') lx->pos++;
            continue;
        }
        if (c == '\n') {
            lx->pos++;
            if (lx->depth > 0) {
                if (!line_starts_statement(lx, lx->pos)) continue;
                report_unclosed(lx, s);
                lx->pending_newline = true;
                lx->pending_span = mkspan(lx, s, s + 1);
                lx->line_has_tokens = false;
                set_tok(lx, t, TK_ERROR, s, s + 1);
                return;
            }
            lx->at_line_start = true;
            if (lx->line_has_tokens) {
                lx->line_has_tokens = false;
                set_tok(lx, t, TK_NEWLINE, s, s + 1);
                return;
            }
            continue;
        }
        if (c == '\\') {
            int n = at(lx, s + 1);
            if (s + 1 < lx->len && (n == '\n' || (n == '\r' && at(lx, s + 2) == '\n'))) {
                lx->pos += n == '\n' ? 2 : 3;
                continue;
            }
            lx->pos++;
            lx->line_has_tokens = true;
            if (s + 1 >= lx->len)
                diag_error(lx->diags, mkspan(lx, s, s + 1),
                           "unexpected end of file after line continuation character");
            else
                diag_error(lx->diags, mkspan(lx, s, s + 1),
                           "unexpected character after line continuation character");
            set_tok(lx, t, TK_ERROR, s, s + 1);
            return;
        }
        lx->line_has_tokens = true;
        if (is_ident_start(c)) {
            while (lx->pos < lx->len && is_ident_char(at(lx, lx->pos))) lx->pos++;
            bool raw;
            const char *reject;
            if (string_prefix(lx, s, lx->pos, &raw, &reject)) {
                /* an f-string is a string token marked fstring: the parser makes it an FSTR */
                bool fstr = reject && strcmp(reject, "f-strings") == 0;
                lex_string(lx, t, s, raw, fstr ? NULL : reject);
                t->fstring = fstr;
                return;
            }
            TokKind k = keyword_kind(lx->text + s, lx->pos - s);
            set_tok(lx, t, k, s, lx->pos);
            if (k == TK_IDENT) {
                t->str = arena_strndup(lx->arena, lx->text + s, lx->pos - s);
                t->len = lx->pos - s;
            }
            return;
        }
        if ((c >= '0' && c <= '9') || (c == '.' && at(lx, s + 1) >= '0' && at(lx, s + 1) <= '9' &&
                                       s + 1 < lx->len)) {
            lex_number(lx, t);
            return;
        }
        if (c == '\'' || c == '"') {
            lex_string(lx, t, s, false, NULL);
            return;
        }
        lex_punct(lx, t);
        return;
    }
}
