/*
 * parser.h - TorchScript / Python source -> AST (ast.h).
 *
 *     Arena arena; arena_init(&arena);
 *     Source *src = source_new("model.py", text, len);
 *     AstModule *m;
 *     if (parse_file(ctx, &arena, src, &m) != TS_OK)
 *         puts(ts_ctx_error(ctx));   // every syntax error, in source order
 *     ...
 *     arena_free(&arena); source_release(src);
 *
 * The grammar is Python 3's statement and expression grammar restricted to
 * what TorchScript can mean plus what model source needs (imports,
 * decorators, classes with any bases); section 3.9 of the format reference
 * is a subset. Syntax errors are collected, each as
 *     model.py:12:9: error: expected ')' but found newline
 *         x = foo(1, 2
 *                     ^
 * and parsing resumes at the next statement of the same block; it stops
 * after DIAG_MAX_ERRORS errors. Nesting deeper than TS_MAX_PARSE_DEPTH
 * (expressions or blocks) is an error, never a stack overflow, and no input
 * bytes can crash it.
 */
#ifndef TS_PARSER_H
#define TS_PARSER_H

#include "frontend/ast.h"

enum {
    /* Larger sources are refused. A code/ file is at most a few MB; the AST
     * takes about 20x the source size for real code and up to ~80x for
     * token-dense input, so this bounds a parse to a few GB at worst. */
    PARSE_MAX_SOURCE_BYTES = 32 << 20,
};

/* Parse a whole file into *out (arena-allocated; spans borrow src).
 * Errors: TS_ERR_SYNTAX with all diagnostics in the context's message, and
 * *out = NULL. */
ts_status parse_file(Ctx *ctx, Arena *arena, Source *src, AstModule **out) TS_MUST_CHECK;

/* parse_file for plain Python (tscript exec's scripts): the same grammar
 * plus try/except/else/finally (AST_TRY), which TorchScript rejects. */
ts_status parse_file_python(Ctx *ctx, Arena *arena, Source *src, AstModule **out) TS_MUST_CHECK;

/* Parse src as one expression (optionally followed by newlines), e.g. a type
 * string from a pickle ("Dict[str, List[Tensor]]") or a default value.
 * Errors: TS_ERR_SYNTAX as for parse_file, *out = NULL. */
ts_status parse_expression(Ctx *ctx, Arena *arena, Source *src, Ast **out) TS_MUST_CHECK;

#endif
