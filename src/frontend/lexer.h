/*
 * lexer.h - turns TorchScript / Python source text into tokens, on demand.
 *
 * First stage of the frontend (lexer -> parser -> checker -> IR emitter). It
 * serves both the code/ files of .pt archives and users' model.py files.
 *
 *     Diags d;  diags_init(&d, src);
 *     Lexer lx; lexer_init(&lx, src, &arena, &d);
 *     Token t;
 *     do lexer_next(&lx, &t); while (t.kind != TK_EOF);
 *     lexer_free(&lx);  ... diags_free(&d);
 *
 * What it produces (Python's tokenizer rules):
 *   - NEWLINE at the end of each logical line that has tokens; blank and
 *     comment-only lines produce nothing; inside () [] {} and after a
 *     backslash-newline, line ends are ignored.
 *   - INDENT/DEDENT from leading whitespace (a tab advances to the next
 *     multiple of 8; an indentation whose meaning depends on the tab size is
 *     an error). At end of file: a NEWLINE if the last line lacks one, one
 *     DEDENT per open level, then EOF (repeated forever).
 *   - Comments (including `# type:` comments) are skipped.
 *   - Numbers: ints (decimal, 0x, 0o, 0b, underscores) as int64; floats
 *     (strtod on the digits without underscores); a `j` suffix gives TK_IMAG.
 *   - Strings: '..', "..", triple-quoted, r/u prefixes, Python escapes decoded
 *     to UTF-8 bytes; b/f prefixes are rejected. Adjacent literals are
 *     separate tokens (the parser concatenates them).
 *
 * Errors are recorded in the Diags (never fatal) and produce a TK_ERROR token
 * in place of the bad text, so the parser can skip that statement silently.
 * Any input bytes are safe: the lexer reads only within [text, text + len)
 * and never relies on NUL termination.
 */
#ifndef TS_LEXER_H
#define TS_LEXER_H

#include "base/diag.h"

typedef enum TokKind {
#define TOK(name, desc) TK_##name,
#define KW(name, spelling) TK_##name,
#define PUNCT(name, spelling) TK_##name,
#include "frontend/token.def"
    TK_KIND_COUNT
} TokKind;

typedef struct Token {
    TokKind kind;
    Span span;        /* the token's bytes; NEWLINE/DEDENT/EOF may be empty */
    int64_t ival;     /* TK_INT: the value (>= 0) */
    double fval;      /* TK_FLOAT: the value; TK_IMAG: the imaginary part */
    const char *str;  /* TK_IDENT: the name; TK_STRING: the decoded bytes.
                         Arena-owned, NUL-terminated. NULL otherwise. */
    size_t len;       /* length of str in bytes (a string may contain NULs) */
    bool fstring;     /* TK_STRING written f"..." (str is the template with {fields}) */
    bool int_2_63;    /* TK_INT spelled 9223372036854775808 (ival is 0): valid
                         only as the operand of a unary minus */
} Token;

/* The name of a token kind for messages: "identifier", "'('", "'return'". */
const char *tok_kind_name(TokKind k);
/* The spelling of a keyword or punctuator ("return", "**="), else NULL. */
const char *tok_spelling(TokKind k);
/* Describe a token for "expected X but found <this>": "identifier 'foo'",
 * "number '12'", "string literal", "newline", "')'". Arena-allocated. */
const char *tok_describe(Arena *a, const Token *t);

/* ---- diagnostics shared by lexer and parser ---- */

enum { DIAG_MAX_ERRORS = 20 };

typedef struct DiagEntry {
    uint32_t start; /* byte offset, for ordering */
    int seq;        /* arrival order, for a stable sort */
    char *text;     /* rendered "file:l:c: error: msg\n<line>\n<caret>\n" (heap) */
} DiagEntry;

typedef struct DiagRange {
    uint32_t start, end;
} DiagRange;

typedef struct Diags {
    Source *src;
    VEC(DiagEntry) items;
    VEC(DiagRange) quiet; /* errors in (start, end] are consequences of the
                             error at start (an unclosed bracket): not shown */
    bool full; /* DIAG_MAX_ERRORS reached: further errors are dropped */
} Diags;

void diags_init(Diags *d, Source *src);
void diags_free(Diags *d);
/* Record an error at span (ignored once full). */
void diag_error(Diags *d, Span span, const char *fmt, ...) TS_PRINTF(3, 4);
void diag_verror(Diags *d, Span span, const char *fmt, va_list ap);
static inline int diags_count(const Diags *d) { return d->items.len; }
/* Hide errors in (start, end] when rendering: they follow from one at start. */
void diag_quiet_range(Diags *d, uint32_t start, uint32_t end);
/* All errors in source order, concatenated, plus a note when the limit was
 * hit. The caller frees the result with ts_free. */
char *diags_render(Diags *d);

/* ---- the lexer ---- */

enum {
    LEX_MAX_INDENT = TS_MAX_PARSE_DEPTH, /* indentation levels */
    LEX_MAX_BRACKETS = 256,              /* remembered open brackets */
};

typedef struct IndentLevel {
    int col;    /* columns with tabs to multiples of 8 */
    int altcol; /* columns with tabs as 1, to detect inconsistent tabs */
} IndentLevel;

typedef struct Lexer {
    Source *src;
    Arena *arena; /* identifiers and string contents */
    Diags *diags;
    const char *text;
    uint32_t pos, len;
    IndentLevel indent[LEX_MAX_INDENT + 1];
    int nindent;           /* levels on the stack, >= 1 (column 0) */
    int pending_dedents;   /* DEDENTs still to return */
    bool pending_error;    /* a TK_ERROR to return after the dedents */
    bool pending_newline;  /* a NEWLINE to return after that error */
    Span pending_span;
    bool at_line_start;    /* next token starts a logical line */
    bool line_has_tokens;  /* the current logical line produced a token */
    bool too_deep_reported;
    bool eof;
    int depth;             /* open brackets */
    uint32_t brackets[LEX_MAX_BRACKETS]; /* offsets of the innermost open ones */
    StrBuf buf;            /* scratch for string and number text */
} Lexer;

void lexer_init(Lexer *lx, Source *src, Arena *arena, Diags *diags);
void lexer_free(Lexer *lx);
/* Produce the next token. After TK_EOF, keeps returning TK_EOF. */
void lexer_next(Lexer *lx, Token *out);

#endif
