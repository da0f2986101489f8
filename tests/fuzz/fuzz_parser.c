/*
 * fuzz_parser.c - libFuzzer target for the lexer and parser.
 *
 * Any bytes go to parse_file and parse_expression; on success the AST is
 * dumped (walking every node). Failures must be syntax errors with a
 * non-empty message, never a crash, a leak or undefined behaviour.
 *
 * Build and run (from the repository root):
 *   clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
 *     src/base/base.c src/base/diag.c src/frontend/lexer.c src/frontend/parser.c \
 *     src/frontend/ast_print.c tests/fuzz/fuzz_parser.c -lm -o fuzz_parser
 *   ./fuzz_parser -max_total_time=60 -max_len=4096 corpus/ tests/data/code/
 * Crashers go to tests/fuzz/regress/parser/, replayed by tests/unit/test_parser.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "frontend/parser.h"

static void check(Ctx *ctx, ts_status st) {
    if (st == TS_OK) return;
    if (st != TS_ERR_SYNTAX || ctx->msg.len == 0) {
        fprintf(stderr, "unexpected status %d: %s\n", (int)st, sb_cstr(&ctx->msg));
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Source *src = source_new("fuzz.py", (const char *)data, size);
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    Arena arena;
    arena_init(&arena);
    StrBuf sb;
    sb_init(&sb);

    AstModule *m;
    ts_status st = parse_file(&ctx, &arena, src, &m);
    check(&ctx, st);
    if (st == TS_OK) ast_print_module(&sb, m);

    Ast *e;
    st = parse_expression(&ctx, &arena, src, &e);
    check(&ctx, st);
    if (st == TS_OK) ast_print(&sb, e);

    sb_free(&sb);
    ctx_dispose(&ctx);
    arena_free(&arena);
    source_release(src);
    return 0;
}
