/*
 * test_escape.c - bytes from files made safe for a terminal (base/escape.c)
 * and bounded failure messages (base/diag.c): control characters, C1
 * controls and invalid UTF-8 escaped, printable UTF-8 kept; long messages
 * cut; long source lines shown as a window around the caret; tracebacks
 * capped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/diag.h"

static char *esc(const char *s, size_t n, unsigned flags) {
    StrBuf sb;
    sb_init(&sb);
    sb_put_escaped(&sb, s, n, flags);
    sb_putc(&sb, 0); /* an empty result still has a buffer */
    return sb_steal(&sb);
}

static void expect(const char *in, size_t n, unsigned flags, const char *want) {
    char *got = esc(in, n, flags);
    assert_string_equal(got, want);
    assert_int_equal(ts_needs_escape(in, n, flags), strcmp(in, want) != 0 || strlen(in) != n);
    ts_free(got);
}

static void test_escaping(void **state) {
    (void)state;
    long live = ts_alloc_live();
    expect("plain text", 10, 0, "plain text");
    expect("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", 14, 0, "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
    expect("\x1b]0;x\x07", 6, 0, "\\x1b]0;x\\x07");
    expect("a\nb\tc\r", 6, 0, "a\\nb\\tc\\r");
    expect("a\nb\tc\r", 6, TS_ESC_KEEP_LINES, "a\nb\tc\\r");
    expect("\xc2\x9b" "31m", 5, 0, "\\u009b31m");      /* C1 CSI */
    expect("\xc2\xa0", 2, 0, "\xc2\xa0");               /* U+00A0 is printable */
    expect("\xff\xfe", 2, 0, "\\xff\\xfe");             /* not UTF-8 */
    expect("\xc0\xaf", 2, 0, "\\xc0\\xaf");             /* overlong '/' */
    expect("\xed\xa0\x80", 3, 0, "\\xed\\xa0\\x80");    /* a surrogate */
    expect("\xe2\x9c", 2, 0, "\\xe2\\x9c");             /* truncated */
    expect("a\0b", 3, 0, "a\\x00b");
    expect("\x7f", 1, 0, "\\x7f");
    assert_int_equal(ts_alloc_live(), live);
}

static void test_bounded_messages(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    /* a huge argument is cut */
    size_t n = 100000;
    char *big = ts_malloc(n + 1);
    memset(big, 'x', n);
    big[n] = 0;
    ts_fail(&ctx, TS_ERR_VALUE, NULL, "m.pt: name '%s\x1b'", big);
    assert_true(ctx.msg.len < 4200);
    assert_non_null(strstr(sb_cstr(&ctx.msg), "... (95"));
    ts_fail(&ctx, TS_ERR_VALUE, NULL, "m.pt: name '%s'", "\x1b[2J");
    assert_string_equal(sb_cstr(&ctx.msg), "m.pt: name '\\x1b[2J'\n");

    /* a long line: a window around the caret */
    memset(big, 'a', n);
    memcpy(big + 50000, "bad", 3);
    Source *src = source_new("m.py", big, n);
    Span sp = {src, 50000, 50003};
    ts_fail(&ctx, TS_ERR_TYPE, &sp, "wrong");
    const char *m = sb_cstr(&ctx.msg);
    assert_true(ctx.msg.len < 600);
    const char *line = strstr(m, "\n    ...");
    assert_non_null(line);
    const char *caret = strchr(line + 1, '\n');
    assert_non_null(caret);
    size_t col = (size_t)(strchr(caret, '^') - caret);
    assert_memory_equal(line + col, "bad", 3);
    assert_non_null(strstr(caret, "^~~\n"));

    /* a traceback keeps 24 frames and counts the rest */
    ts_fail(&ctx, TS_ERR_RUNTIME, NULL, "boom");
    Span f = {src, 10, 11};
    for (int i = 0; i < 300; i++) ts_add_frame(&ctx, f, "forward");
    m = ts_error_text(&ctx);
    int frames = 0;
    for (const char *p = m; (p = strstr(p, "  at ")); p++) frames++;
    assert_int_equal(frames, 24);
    assert_non_null(strstr(m, "  ... 276 more frames (outer calls)\n"));
    assert_true(strlen(m) < 24 * 400);

    /* the file is said once */
    ts_fail(&ctx, TS_ERR_SYNTAX, NULL, "m.pt:code/x.py:3:4: error: bad");
    ts_prefix_error(&ctx, "%s: while reading %s: ", "m.pt", "data.pkl");
    assert_string_equal(sb_cstr(&ctx.msg), "m.pt: while reading data.pkl: code/x.py:3:4: error: bad\n");
    ts_fail(&ctx, TS_ERR_FORMAT, NULL, "m.pt: archive has no 'data/0' record");
    ts_prefix_error(&ctx, "%s: REDUCE at byte %d: ", "m.pt:data.pkl", 7);
    assert_string_equal(sb_cstr(&ctx.msg), "m.pt:data.pkl: REDUCE at byte 7: archive has no 'data/0' record\n");
    ts_fail(&ctx, TS_ERR_FORMAT, NULL, "other.py:1:1: error: bad");
    ts_prefix_error(&ctx, "%s: ", "m.pt");
    assert_string_equal(sb_cstr(&ctx.msg), "m.pt: other.py:1:1: error: bad\n");

    source_release(src);
    ts_free(big);
    ctx_dispose(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_bounded_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
