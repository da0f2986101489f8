/*
 * fuzz_code.c - libFuzzer target for the checking half of the frontend: the
 * input is the `__torch__` code file of a compilation unit; every class and
 * function in it is declared, emitted to IR, printed (graph and code
 * printers) and compiled to interpreter code (nothing is run: a fuzzed `while True` would never end).
 * Seeds: the .py files under tests/lang/run and tests/data/code.
 *
 *   build-fuzz/fuzz_code -max_total_time=60 /tmp/corpus-code tests/lang/run tests/data/code
 */
#include <stddef.h>
#include <stdint.h>

#include "frontend/ast.h"
#include "frontend/code_print.h"
#include "frontend/parser.h"
#include "runtime/interp.h"

typedef struct Text {
    const char *data;
    size_t size;
} Text;

static ts_status provide(Ctx *ctx, void *ud, const char *qualifier, Source **out) {
    (void)ctx;
    Text *t = ud;
    *out = strcmp(qualifier, "__torch__") == 0 ? source_new("fuzz.py", t->data, t->size) : NULL;
    return TS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static bool ready;
    if (!ready) {
        ops_init();
        ready = true;
    }
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    Text text = {(const char *)data, size};
    /* list the top-level names from a separate parse */
    Arena arena;
    arena_init(&arena);
    Source *src = source_new("fuzz.py", (const char *)data, size);
    AstModule *m = NULL;
    if (parse_file(&ctx, &arena, src, &m) == TS_OK) {
        Unit *u = unit_new(provide, &text);
        for (int i = 0; i < m->body.len && i < 64; i++) {
            Ast *s = m->body.items[i];
            StrBuf q;
            sb_init(&q);
            ts_status st = TS_OK;
            if (s->kind == AST_CLASSDEF) {
                sb_printf(&q, "__torch__.%s", s->classdef.name);
                ClassType *c;
                st = unit_resolve_class(&ctx, u, sb_cstr(&q), NULL, &c);
            } else if (s->kind == AST_FUNCDEF) {
                sb_printf(&q, "__torch__.%s", s->funcdef.name);
                Function *f;
                st = unit_resolve_function(&ctx, u, sb_cstr(&q), NULL, &f);
            }
            sb_free(&q);
            if (st != TS_OK) break;
        }
        if (unit_emit_pending(&ctx, u) == TS_OK && interp_compile_unit(&ctx, u) == TS_OK) {
            StrBuf sb;
            sb_init(&sb);
            for (int i = 0; i < u->fns.len; i++)
                if (u->fns.data[i]->graph) graph_print(&sb, u->fns.data[i]->graph);
            sb_free(&sb);
            /* and the code printer over the whole unit */
            CodeFiles cf;
            code_files_init(&cf);
            ts_status pst = code_print_unit_ex(&ctx, u, CODE_PRINT_LENIENT, &cf);
            (void)pst;
            code_files_free(&cf);
        }
        u->provider = NULL;
        unit_release(u);
    }
    arena_free(&arena);
    source_release(src);
    ctx_dispose(&ctx);
    return 0;
}
