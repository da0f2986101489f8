/*
 * test_lexer.c - token streams of the TorchScript lexer (frontend/lexer.h):
 * indentation, line joining, numbers, strings and escapes, operators, and
 * every lexical error with its exact message and position.
 *
 * A stream is written compactly: identifiers and keywords/operators as
 * spelled, `int:12`, `float:2.5`, `imag:2.0`, `str:"a\n"`, NL, IN, DE, ERR,
 * EOF.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_util.h"

#include <stdio.h>

#include "frontend/lexer.h"

typedef struct Lexed {
    char *tokens; /* the compact stream (heap) */
    char *errors; /* rendered diagnostics (heap) */
} Lexed;

static void put_escaped(StrBuf *sb, const char *s, size_t n) {
    sb_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') sb_puts(sb, "\\n");
        else if (c == '\t') sb_puts(sb, "\\t");
        else if (c == '"') sb_puts(sb, "\\\"");
        else if (c == '\\') sb_puts(sb, "\\\\");
        else if (c < 0x20 || c >= 0x7f) sb_printf(sb, "\\x%02x", c);
        else sb_putc(sb, (char)c);
    }
    sb_putc(sb, '"');
}

static Lexed lex_n(const char *text, size_t len) {
    Source *src = source_new("t.py", text, len);
    Arena arena;
    arena_init(&arena);
    Diags d;
    diags_init(&d, src);
    Lexer lx;
    lexer_init(&lx, src, &arena, &d);
    StrBuf sb;
    sb_init(&sb);
    for (int guard = 0; guard < 10000; guard++) {
        Token t;
        lexer_next(&lx, &t);
        if (sb.len) sb_putc(&sb, ' ');
        switch (t.kind) {
        case TK_EOF: sb_puts(&sb, "EOF"); break;
        case TK_NEWLINE: sb_puts(&sb, "NL"); break;
        case TK_INDENT: sb_puts(&sb, "IN"); break;
        case TK_DEDENT: sb_puts(&sb, "DE"); break;
        case TK_ERROR: sb_puts(&sb, "ERR"); break;
        case TK_IDENT: sb_puts(&sb, t.str); break;
        case TK_INT: sb_printf(&sb, "int:%lld", (long long)t.ival); break;
        case TK_FLOAT: sb_puts(&sb, "float:"); sb_put_pyfloat(&sb, t.fval); break;
        case TK_IMAG: sb_puts(&sb, "imag:"); sb_put_pyfloat(&sb, t.fval); break;
        case TK_STRING: sb_puts(&sb, "str:"); put_escaped(&sb, t.str, t.len); break;
        default: sb_puts(&sb, tok_spelling(t.kind)); break;
        }
        if (t.kind == TK_EOF) break;
    }
    Lexed r;
    r.tokens = sb_steal(&sb);
    r.errors = diags_render(&d);
    lexer_free(&lx);
    diags_free(&d);
    arena_free(&arena);
    source_release(src);
    return r;
}

static Lexed lex(const char *text) { return lex_n(text, strlen(text)); }

static void lexed_free(Lexed *l) {
    ts_free(l->tokens);
    ts_free(l->errors);
}

/* The stream of text must be `want`, with no errors. */
#define assert_tokens(text, want)                          \
    do {                                                   \
        Lexed l_ = lex(text);                              \
        assert_string_equal(l_.errors, "");                \
        assert_string_equal(l_.tokens, want);              \
        lexed_free(&l_);                                   \
    } while (0)

/* Lexing text must report exactly `want` (all diagnostics, rendered). */
#define assert_lex_error(text, want)                       \
    do {                                                   \
        Lexed l_ = lex(text);                              \
        assert_string_equal(l_.errors, want);              \
        lexed_free(&l_);                                   \
    } while (0)


/* ---- lines and indentation ---- */

static void simple_line(void **state) {
    (void)state;
    assert_tokens("x = 1\n", "x = int:1 NL EOF");
    assert_tokens("x = 1", "x = int:1 NL EOF"); /* no final newline */
    assert_tokens("", "EOF");
    assert_tokens("\n\n   \n", "EOF");
    assert_tokens("\xEF\xBB\xBFx\n", "x NL EOF"); /* UTF-8 BOM */
}

static void indent_dedent(void **state) {
    (void)state;
    assert_tokens("if x:\n  y\n  if z:\n    w\nv\n",
                  "if x : NL IN y NL if z : NL IN w NL DE DE v NL EOF");
    /* DEDENTs at end of file, also without a final newline */
    assert_tokens("def f():\n    if a:\n        return 1", "def f ( ) : NL IN if a : NL IN return int:1 NL DE DE EOF");
    /* dedent by one level out of three */
    assert_tokens("a:\n b:\n  c:\n   d\n  e\n",
                  "a : NL IN b : NL IN c : NL IN d NL DE e NL DE DE EOF");
}

static void tabs(void **state) {
    (void)state;
    assert_tokens("if a:\n\tb\n\tif c:\n\t\td\ne\n",
                  "if a : NL IN b NL if c : NL IN d NL DE DE e NL EOF");
    /* tab then spaces, used the same way on every line, is consistent */
    assert_tokens("if a:\n\t  b\n\t  c\n", "if a : NL IN b NL c NL DE EOF");
}

static void blank_and_comment_lines(void **state) {
    (void)state;
    assert_tokens("x\n\n      # comment at another indent\n  \t \ny  # trailing\n# last", "x NL y NL EOF");
    assert_tokens("if a:\n  b\n\n# c\n  d\n", "if a : NL IN b NL d NL DE EOF");
    /* a `# type:` comment is an ordinary comment */
    assert_tokens("def f(x):  # type: (int) -> int\n  pass\n", "def f ( x ) : NL IN pass NL DE EOF");
}

static void brackets_join_lines(void **state) {
    (void)state;
    assert_tokens("def forward(self: M,\n    x: Tensor) -> Tensor:\n  pass\n",
                  "def forward ( self : M , x : Tensor ) -> Tensor : NL IN pass NL DE EOF");
    assert_tokens("x = [1,\n\n# c\n  2, {3:\n4}]\ny\n", "x = [ int:1 , int:2 , { int:3 : int:4 } ] NL y NL EOF");
    /* an unmatched closer does not make the depth negative */
    assert_tokens(")\nx\n", ") NL x NL EOF");
}

static void backslash_continuation(void **state) {
    (void)state;
    assert_tokens("x = 1 + \\\n      2\ny\n", "x = int:1 + int:2 NL y NL EOF");
    assert_tokens("x = 1 + \\\r\n  2\r\n", "x = int:1 + int:2 NL EOF");
}

static void crlf(void **state) {
    (void)state;
    assert_tokens("if a:\r\n  b\r\nc\r\n", "if a : NL IN b NL DE c NL EOF");
}

/* ---- tokens ---- */

static void keywords_and_operators(void **state) {
    (void)state;
    assert_tokens("a not in b is not c", "a not in b is not c NL EOF");
    assert_tokens("def class if elif else while for in return raise assert pass break continue del "
                  "with as global nonlocal import from and or not is lambda True False None try "
                  "except finally yield async await",
                  "def class if elif else while for in return raise assert pass break continue del "
                  "with as global nonlocal import from and or not is lambda True False None try "
                  "except finally yield async await NL EOF");
    assert_tokens("-> ... . == != <= >= << >> ** // @ ~ ^ & | % < > = ; ,",
                  "-> ... . == != <= >= << >> ** // @ ~ ^ & | % < > = ; , NL EOF");
    assert_tokens("+= -= *= /= //= %= **= @= <<= >>= &= |= ^=",
                  "+= -= *= /= //= %= **= @= <<= >>= &= |= ^= NL EOF");
    /* longest match, no spaces */
    assert_tokens("a**=b//c<<=d->e...f", "a **= b // c <<= d -> e ... f NL EOF");
    /* names that look special are identifiers */
    assert_tokens("NoneType Ellipsis inf nan __torch__ _0 print", "NoneType Ellipsis inf nan __torch__ _0 print NL EOF");
}

static void numbers(void **state) {
    (void)state;
    assert_tokens("0 7 00 1_000 0x1F 0XfF 0o17 0O7 0b101 0B1_0 0x_ff",
                  "int:0 int:7 int:0 int:1000 int:31 int:255 int:15 int:7 int:5 int:2 int:255 NL EOF");
    assert_tokens("9223372036854775807 0x7fffffffffffffff",
                  "int:9223372036854775807 int:9223372036854775807 NL EOF");
    assert_tokens("1.5 1. .5 1e3 1E-3 2.5e+2 1_0.0_1 0.10000000000000001 1e400 09.5 0e0",
                  "float:1.5 float:1.0 float:0.5 float:1000.0 float:0.001 float:250.0 float:10.01 "
                  "float:0.1 float:inf float:9.5 float:0.0 NL EOF");
    assert_tokens("2j 1.5J 0j 1e2j", "imag:2.0 imag:1.5 imag:0.0 imag:100.0 NL EOF");
    /* attribute access and slices next to numbers */
    assert_tokens("x[1:2] 0x1.real", "x [ int:1 : int:2 ] int:1 . real NL EOF");
    /* 2**63 lexes (for -9223372036854775808); the parser rejects it elsewhere */
    Lexed l = lex("9223372036854775808");
    assert_string_equal(l.errors, "");
    assert_string_equal(l.tokens, "int:0 NL EOF");
    lexed_free(&l);
}

static void strings(void **state) {
    (void)state;
    assert_tokens("'a' \"b\" '''c\nd''' \"\"\"e\"f\"\"\"", "str:\"a\" str:\"b\" str:\"c\\nd\" str:\"e\\\"f\" NL EOF");
    assert_tokens("'' \"\" '\"' \"'\"", "str:\"\" str:\"\" str:\"\\\"\" str:\"'\" NL EOF");
    assert_tokens("'\\n\\t\\\\\\'\\\"\\a\\b\\f\\v\\r'", "str:\"\\n\\t\\\\'\\\"\\x07\\x08\\x0c\\x0b\\x0d\" NL EOF");
    /* octal, hex, \u, \U become UTF-8 */
    assert_tokens("'\\101\\0\\001\\7' '\\x41\\xe9' '\\u00e9\\u20ac' '\\U0001F600'",
                  "str:\"A\\x00\\x01\\x07\" str:\"A\\xc3\\xa9\" str:\"\\xc3\\xa9\\xe2\\x82\\xac\" "
                  "str:\"\\xf0\\x9f\\x98\\x80\" NL EOF");
    /* unknown escapes keep the backslash; backslash-newline continues */
    assert_tokens("'\\d\\q' 'a\\\nb'", "str:\"\\\\d\\\\q\" str:\"ab\" NL EOF");
    /* raw and u prefixes */
    assert_tokens("r'\\n' R\"\\\"\" u'x' U'y'", "str:\"\\\\n\" str:\"\\\\\\\"\" str:\"x\" str:\"y\" NL EOF");
    /* UTF-8 inside strings is kept as is */
    assert_tokens("'caf\xc3\xa9'", "str:\"caf\\xc3\\xa9\" NL EOF");
    /* a string over several lines inside brackets, and triple quotes with CRLF */
    assert_tokens("f('a'\n  'b')", "f ( str:\"a\" str:\"b\" ) NL EOF");
    assert_tokens("'''a\r\nb'''", "str:\"a\\nb\" NL EOF");
    /* a prefix-like name not before a quote is a name */
    assert_tokens("rb r b f u br", "rb r b f u br NL EOF");
}

static void nul_bytes_in_strings(void **state) {
    (void)state;
    Lexed l = lex_n("'a\0b'", 5);
    assert_string_equal(l.errors, "");
    assert_string_equal(l.tokens, "str:\"a\\x00b\" NL EOF");
    lexed_free(&l);
}

/* ---- errors ---- */

static void error_invalid_characters(void **state) {
    (void)state;
    assert_lex_error("x = $\n", "t.py:1:5: error: invalid character '$'\n    x = $\n        ^\n");
    assert_lex_error("a ! b\n", "t.py:1:3: error: invalid character '!'\n    a ! b\n      ^\n");
    assert_lex_error("x = caf\xc3\xa9\n",
                     "t.py:1:8: error: invalid character '\xc3\xa9' (U+00E9)\n    x = caf\xc3\xa9\n           ^\n");
    /* the source line is shown escaped (diag.c): a raw byte could drive the terminal */
    assert_lex_error("x\xff\n", "t.py:1:2: error: invalid byte 0xFF (source is not UTF-8)\n    x\\xff\n     ^\n");
    Lexed l = lex_n("x = \0\n", 6);
    assert_string_equal(l.errors, "t.py:1:5: error: invalid control character U+0000\n    x = ?\n        ^\n");
    assert_string_equal(l.tokens, "x = ERR NL EOF");
    lexed_free(&l);
    /* a run of bad bytes is one error */
    assert_lex_error("\xff\xfe\xfd\n", "t.py:1:1: error: invalid byte 0xFF (source is not UTF-8)\n    \\xff\\xfe\\xfd\n    ^\n");
}

static void error_strings(void **state) {
    (void)state;
    assert_lex_error("x = 'abc\ny = 1\n",
                     "t.py:1:5: error: unterminated string literal\n    x = 'abc\n        ^\n");
    assert_lex_error("x = \"\"\"abc\n\n",
                     "t.py:1:5: error: unterminated triple-quoted string literal\n    x = \"\"\"abc\n        ^\n");
    assert_lex_error("s = rb'x'\n",
                     "t.py:1:5: error: bytes literals are not supported in TorchScript\n    s = rb'x'\n        ^~~\n");
    assert_lex_error("s = 'a\\x4'\n", "t.py:1:7: error: truncated \\xXX escape\n    s = 'a\\x4'\n          ^~~\n");
    assert_lex_error("s = '\\u12'\n", "t.py:1:6: error: truncated \\uXXXX escape\n    s = '\\u12'\n         ^~~~\n");
    assert_lex_error("s = '\\U00110000'\n",
                     "t.py:1:6: error: invalid \\U escape: code point out of range\n    s = '\\U00110000'\n         ^~~~~~~~~~\n");
    assert_lex_error("s = '\\ud800'\n",
                     "t.py:1:6: error: invalid escape: surrogate code point U+D800\n    s = '\\ud800'\n         ^~~~~~\n");
    assert_lex_error("s = '\\N{DASH}'\n",
                     "t.py:1:6: error: \\N{...} escapes are not supported in TorchScript\n    s = '\\N{DASH}'\n         ^~\n");
    /* the error token replaces the string; lexing goes on */
    Lexed l = lex("a = 'x\\q' b'y' 'z'\n");
    assert_string_equal(l.tokens, "a = str:\"x\\\\q\" ERR str:\"z\" NL EOF");
    lexed_free(&l);
}

static void error_numbers(void **state) {
    (void)state;
    assert_lex_error("x = 012\n",
                     "t.py:1:5: error: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers\n"
                     "    x = 012\n        ^~~\n");
    assert_lex_error("x = 99999999999999999999\n",
                     "t.py:1:5: error: integer literal does not fit in int64\n    x = 99999999999999999999\n        ^~~~~~~~~~~~~~~~~~~~\n");
    assert_lex_error("x = 0x8000000000000000\n",
                     "t.py:1:5: error: integer literal does not fit in int64\n    x = 0x8000000000000000\n        ^~~~~~~~~~~~~~~~~~\n");
    assert_lex_error("x = 1abc\n", "t.py:1:5: error: invalid decimal literal\n    x = 1abc\n        ^~\n");
    assert_lex_error("x = 1_\n", "t.py:1:5: error: invalid decimal literal\n    x = 1_\n        ^~\n");
    assert_lex_error("x = 0x\n", "t.py:1:5: error: invalid hexadecimal literal\n    x = 0x\n        ^~\n");
    assert_lex_error("x = 0o78\n", "t.py:1:8: error: invalid digit '8' in octal literal\n    x = 0o78\n           ^\n");
    assert_lex_error("x = 0b2\n", "t.py:1:7: error: invalid digit '2' in binary literal\n    x = 0b2\n          ^\n");
    assert_lex_error("x = 1e\n", "t.py:1:5: error: invalid decimal literal\n    x = 1e\n        ^~\n");
}

static void error_indentation(void **state) {
    (void)state;
    assert_lex_error("if a:\n    b\n  c\n",
                     "t.py:3:3: error: unindent does not match any outer indentation level\n      c\n      ^\n");
    /* the bad line gets an error token and counts as part of the deeper
     * block, so the lines after it, indented as before, go on */
    Lexed l = lex("if a:\n    b\n  c\n    d\ne\n");
    assert_string_equal(l.tokens, "if a : NL IN b NL ERR c NL d NL DE e NL EOF");
    lexed_free(&l);
    l = lex("if a:\n  if b:\n      c\n    d\n  e\n");
    assert_string_equal(l.errors, "t.py:4:5: error: unindent does not match any outer indentation level\n        d\n        ^\n");
    assert_string_equal(l.tokens, "if a : NL IN if b : NL IN c NL ERR d NL DE e NL DE EOF");
    lexed_free(&l);
    /* 8 spaces vs a tab: equal at tab size 8, not at tab size 1 */
    assert_lex_error("if a:\n        b\n\tc\n",
                     "t.py:3:1: error: inconsistent use of tabs and spaces in indentation\n    \tc\n    ^\n");
}

static void error_brackets(void **state) {
    (void)state;
    assert_lex_error("x = (1,\n  2\n", "t.py:1:5: error: '(' was never closed\n    x = (1,\n        ^\n");
    Lexed l = lex("x = f(a, [1\ny = 2\n");
    assert_string_equal(l.errors, "t.py:1:10: error: '[' was never closed\n    x = f(a, [1\n             ^\n");
    assert_string_equal(l.tokens, "x = f ( a , [ int:1 y = int:2 ERR NL EOF");
    lexed_free(&l);
    /* a statement keyword at a line start closes the brackets there */
    l = lex("def f(x):\n  y = g(x\n  return y\n");
    assert_string_equal(l.errors, "t.py:2:8: error: '(' was never closed\n      y = g(x\n           ^\n");
    assert_string_equal(l.tokens, "def f ( x ) : NL IN y = g ( x ERR NL return y NL DE EOF");
    lexed_free(&l);
}

static void error_continuation(void **state) {
    (void)state;
    assert_lex_error("x = 1 \\ 2\n",
                     "t.py:1:7: error: unexpected character after line continuation character\n    x = 1 \\ 2\n          ^\n");
    assert_lex_error("x = 1 \\",
                     "t.py:1:7: error: unexpected end of file after line continuation character\n    x = 1 \\\n          ^\n");
}

static void error_order_and_limit(void **state) {
    (void)state;
    /* errors come out in source order */
    assert_lex_error("a = $\nb = 'x\n",
                     "t.py:1:5: error: invalid character '$'\n    a = $\n        ^\n"
                     "t.py:2:5: error: unterminated string literal\n    b = 'x\n        ^\n");
    /* at most 20 are kept, then a note */
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < 30; i++) sb_puts(&sb, "$\n");
    Lexed l = lex(sb_cstr(&sb));
    sb_free(&sb);
    int n = 0;
    for (const char *p = l.errors; (p = strstr(p, ": error: ")) != NULL; p++) n++;
    assert_int_equal(n, 20);
    assert_non_null(strstr(l.errors, "t.py:20:1: error: invalid character '$'"));
    assert_null(strstr(l.errors, "t.py:21:1"));
    assert_non_null(strstr(l.errors, "t.py: note: too many errors (20), stopping\n"));
    lexed_free(&l);
}

static void long_lines_are_clipped(void **state) {
    (void)state;
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < 1000; i++) sb_putc(&sb, 'a');
    sb_puts(&sb, " $ ");
    for (int i = 0; i < 1000; i++) sb_putc(&sb, 'b');
    Lexed l = lex(sb_cstr(&sb));
    sb_free(&sb);
    /* the caret line shows at most 80 bytes either side */
    assert_true(strlen(l.errors) < 400);
    assert_non_null(strstr(l.errors, "t.py:1:1002: error: invalid character '$'\n"));
    lexed_free(&l);
}

static void deep_indentation(void **state) {
    (void)state;
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < 300; i++) {
        for (int j = 0; j < i; j++) sb_putc(&sb, ' ');
        sb_puts(&sb, "x\n");
    }
    Lexed l = lex(sb_cstr(&sb));
    sb_free(&sb);
    assert_non_null(strstr(l.errors, "t.py:202:202: error: too many levels of indentation (limit 200)\n"));
    /* INDENTs and DEDENTs still balance */
    int in = 0, de = 0;
    for (const char *p = l.tokens; (p = strstr(p, "IN")) != NULL; p++) in++;
    for (const char *p = l.tokens; (p = strstr(p, "DE")) != NULL; p++) de++;
    assert_int_equal(in, 200);
    assert_int_equal(de, 200);
    lexed_free(&l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(simple_line, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(indent_dedent, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(tabs, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(blank_and_comment_lines, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(brackets_join_lines, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(backslash_continuation, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(crlf, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(keywords_and_operators, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(numbers, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(strings, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(nul_bytes_in_strings, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(error_invalid_characters, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(error_strings, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(error_numbers, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(error_indentation, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(error_brackets, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(error_continuation, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(error_order_and_limit, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(long_lines_are_clipped, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(deep_indentation, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
