/*
 * test_fuzz_replay.c - replays the regression inputs of the whole-archive,
 * load-and-run and frontend fuzz targets (tests/fuzz/regress/archive,
 * regress/run and regress/code) through
 * the fuzz targets' own code, so every crash a fuzzer once found stays fixed
 * in normal CI. The targets are included with their entry points renamed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "serialize_util.h"

#define LLVMFuzzerTestOneInput fuzz_archive_one
#include "../fuzz/fuzz_archive.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_code_one
#define Text CodeText
#define provide code_provide
#include "../fuzz/fuzz_code.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_run_one
#include "../fuzz/fuzz_run.c"
#undef LLVMFuzzerTestOneInput

static int (*g_target)(const uint8_t *, size_t);

static void replay(const char *path) {
    size_t n;
    uint8_t *data = slurp_path(path, &n);
    assert_non_null(data);
    long live = ts_alloc_live();
    g_target(data, n);
    free(data);
    if (ts_alloc_live() != live) fprintf(stderr, "leak replaying %s\n", path);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_replay_archive(void **state) {
    (void)state;
    ops_init(); /* the registry is process-wide and lives forever */
    g_target = fuzz_archive_one;
    int n = tests_for_each_file("fuzz/regress/archive", replay);
    /* the example archives (and their other files) go through the same path */
    n += tests_for_each_file("../examples", replay);
    assert_true(n > 0);
}

static void test_replay_code(void **state) {
    (void)state;
    g_target = fuzz_code_one;
    int n = tests_for_each_file("fuzz/regress/code", replay);
    n += tests_for_each_file("lang/run", replay);
    assert_true(n > 0);
}

/* Load and run forward: regress/run, then the examples (which must run). */
static void test_replay_run(void **state) {
    (void)state;
    ops_init();
    g_target = fuzz_run_one;
    int n = tests_for_each_file("fuzz/regress/run", replay);
    n += tests_for_each_file("../examples", replay);
    assert_true(n > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_archive),
        cmocka_unit_test(test_replay_run),
        cmocka_unit_test(test_replay_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
