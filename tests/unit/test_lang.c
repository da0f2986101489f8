/*
 * test_lang.c - language tests: small TorchScript files under tests/lang/run/
 * whose functions carry their expected result inline.
 *
 *     # expect: [1, 2, 3]
 *     def test_append() -> List[int]:
 *         ...
 *     # expect error: undefined name 'y'
 *     def test_undefined() -> int:
 *         return y
 *
 * Each file is the `__torch__` namespace of a fresh compilation unit; each
 * `test_*` function (no arguments) is compiled, run, and its result's repr
 * compared exactly with the expectation. An `expect error:` line must be a
 * substring of the failure message (compile or run time). Unexpected
 * results are reported with the file and function; the test fails if any
 * case fails.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "frontend/ast.h"
#include "frontend/parser.h"
#include "frontend/sema.h"
#include "runtime/interp.h"

#ifndef TS_SOURCE_DIR
#define TS_SOURCE_DIR "."
#endif

typedef struct FileProvider {
    const char *name;
    const char *text;
} FileProvider;

static ts_status provide(Ctx *ctx, void *ud, const char *qualifier, Source **out) {
    FileProvider *p = ud;
    *out = NULL;
    if (strcmp(qualifier, "__torch__") == 0) *out = source_new(p->name, p->text, strlen(p->text));
    return TS_OK;
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = 0;
    fclose(f);
    return s;
}

/* The expectation comment on the line above `def name`. */
static bool find_expect(const char *text, const char *fname, char *buf, size_t cap, bool *is_error) {
    char pat[256];
    snprintf(pat, sizeof pat, "def %s(", fname);
    const char *d = strstr(text, pat);
    if (!d) return false;
    const char *line_end = d;
    while (line_end > text && line_end[-1] == '\n') line_end--;
    const char *ls = line_end;
    while (ls > text && ls[-1] != '\n') ls--;
    const char *e = "# expect: ", *ee = "# expect error: ";
    size_t len;
    if (strncmp(ls, ee, strlen(ee)) == 0) {
        *is_error = true;
        ls += strlen(ee);
    } else if (strncmp(ls, e, strlen(e)) == 0) {
        *is_error = false;
        ls += strlen(e);
    } else {
        return false;
    }
    len = (size_t)(line_end - ls);
    if (len >= cap) len = cap - 1;
    memcpy(buf, ls, len);
    buf[len] = 0;
    return true;
}

static int run_file(const char *path, int *ncases) {
    char *text = read_text(path);
    if (!text) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    int failures = 0;
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    FileProvider fp = {path, text};
    /* parse once to list the test functions */
    Arena arena;
    arena_init(&arena);
    Source *src = source_new(path, text, strlen(text));
    AstModule *m = NULL;
    if (parse_file(&ctx, &arena, src, &m) != TS_OK) {
        fprintf(stderr, "%s: does not parse:\n%s\n", path, ts_error_text(&ctx));
        failures++;
    }
    for (int i = 0; m && i < m->body.len; i++) {
        Ast *s = m->body.items[i];
        if (s->kind != AST_FUNCDEF || strncmp(s->funcdef.name, "test_", 5) != 0) continue;
        char expect[1024];
        bool is_error = false;
        if (!find_expect(text, s->funcdef.name, expect, sizeof expect, &is_error)) {
            fprintf(stderr, "%s: %s has no '# expect' line\n", path, s->funcdef.name);
            failures++;
            continue;
        }
        (*ncases)++;
        /* a fresh unit per case, so one failing case does not hide others */
        Unit *u = unit_new(provide, &fp);
        char q[300];
        snprintf(q, sizeof q, "__torch__.%s", s->funcdef.name);
        Function *fn = NULL;
        IValue r = iv_none();
        ts_clear_error(&ctx);
        ts_status st = unit_resolve_function(&ctx, u, q, NULL, &fn);
        if (st == TS_OK) st = unit_emit_pending(&ctx, u);
        if (st == TS_OK) st = interp_compile_unit(&ctx, u);
        if (st == TS_OK) st = interp_call(&ctx, fn, NULL, 0, &r);
        StrBuf got;
        sb_init(&got);
        if (st == TS_OK) iv_repr(&got, r);
        const char *err = st == TS_OK ? "" : ts_error_text(&ctx);
        bool ok = is_error ? (st != TS_OK && strstr(err, expect) != NULL)
                           : (st == TS_OK && strcmp(sb_cstr(&got), expect) == 0);
        if (!ok) {
            failures++;
            fprintf(stderr, "FAIL %s: %s\n  expected %s%s\n  got      %s\n", path, s->funcdef.name,
                    is_error ? "error containing: " : "", expect,
                    st == TS_OK ? sb_cstr(&got) : err);
        }
        sb_free(&got);
        iv_release(r);
        u->provider = NULL;
        unit_release(u);
    }
    arena_free(&arena);
    source_release(src);
    ctx_dispose(&ctx);
    free(text);
    return failures;
}

static void test_lang_files(void **state) {
    (void)state;
    ops_init();
    long live0 = ts_alloc_live();
    const char *dir = TS_SOURCE_DIR "/tests/lang/run";
    DIR *d = opendir(dir);
    assert_non_null(d);
    int failures = 0, files = 0, cases = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 4 || strcmp(de->d_name + n - 3, ".py") != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        failures += run_file(path, &cases);
        files++;
    }
    closedir(d);
    fprintf(stderr, "language tests: %d cases in %d files, %d failed\n", cases, files, failures);
    assert_true(files > 0);
    assert_int_equal(failures, 0);
    assert_int_equal(ts_alloc_live(), live0);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_lang_files)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
