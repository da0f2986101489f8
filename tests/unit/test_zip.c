/*
 * test_zip.c - the zip reader on real PyTorch archives, on zips written by
 * Python's zipfile (deflated, zip64, zip64 central extras) and on broken
 * input: every truncation of a real archive, thousands of byte mutations and
 * hand-made archives that are wrong in one precise way. Every test ends with
 * no live tscript allocations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <unistd.h>

#include "serialize/zip.h"
#include "serialize_util.h"

static const float LINEAR_W[6] = {0.5f, -1.0f, 2.0f, 0.25f, 3.0f, -0.125f};
static const float LINEAR_B[2] = {1.0f, -2.0f};

static ZipArchive *open_data(Ctx *ctx, const char *name) {
    char path[1024];
    ZipArchive *z = NULL;
    ts_status st = zip_open(ctx, data_path(path, sizeof path, name), &z);
    if (st != TS_OK) fprintf(stderr, "%s\n", sb_cstr(&ctx->msg));
    assert_int_equal(st, TS_OK);
    return z;
}

/* Read a record by relative name, checking it against expected bytes. */
static void expect_record(Ctx *ctx, ZipArchive *z, const char *rel, const void *want, size_t n) {
    const ZipEntry *e;
    ZipData d;
    assert_int_equal(zip_require(ctx, z, rel, &e), TS_OK);
    assert_int_equal(zip_read(ctx, z, e, ZIP_VERIFY_CRC, &d), TS_OK);
    assert_int_equal(d.size, n);
    assert_memory_equal(d.data, want, n);
    zip_data_free(&d);
}

/* Every record of a and b is byte-identical, names in the same order. */
static void expect_same_records(Ctx *ctx, ZipArchive *a, ZipArchive *b) {
    assert_int_equal(zip_count(a), zip_count(b));
    for (size_t i = 0; i < zip_count(a); i++) {
        const ZipEntry *ea = zip_entry(a, i), *eb = zip_entry(b, i);
        assert_string_equal(ea->name, eb->name);
        ZipData da, db;
        assert_int_equal(zip_read(ctx, a, ea, ZIP_VERIFY_CRC, &da), TS_OK);
        assert_int_equal(zip_read(ctx, b, eb, ZIP_VERIFY_CRC, &db), TS_OK);
        assert_int_equal(da.size, db.size);
        assert_memory_equal(da.data, db.data, da.size);
        zip_data_free(&da);
        zip_data_free(&db);
    }
}

static void test_linear_archive(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    ZipArchive *z = open_data(&ctx, "linear.pt");
    assert_string_equal(zip_prefix(z), "linear");
    assert_int_equal(zip_count(z), 7);
    assert_string_equal(zip_entry(z, 0)->name, "linear/data/0");
    assert_string_equal(zip_entry_relname(z, zip_entry(z, 0)), "data/0");

    const ZipEntry *pkl = zip_find(z, "data.pkl");
    assert_non_null(pkl);
    assert_ptr_equal(pkl, zip_find_full(z, "linear/data.pkl"));
    assert_null(zip_find(z, "linear/data.pkl"));
    assert_null(zip_find(z, "missing"));
    assert_null(zip_find_full(z, "data.pkl"));

    /* Stored tensor data: in place, 64-byte aligned (PyTorch pads for it). */
    const ZipEntry *e = zip_find(z, "data/0");
    assert_non_null(e);
    assert_int_equal(e->method, 0);
    assert_int_equal(e->usize, 24);
    assert_int_equal(e->data_offset % 64, 0);
    ZipData d;
    assert_int_equal(zip_read(&ctx, z, e, ZIP_VERIFY_CRC, &d), TS_OK);
    assert_true(d.in_place);
    assert_true(d.aligned64);
    assert_null(d.owned);
    assert_memory_equal(d.data, LINEAR_W, sizeof LINEAR_W);
    zip_data_free(&d);
    expect_record(&ctx, z, "data/1", LINEAR_B, sizeof LINEAR_B);
    expect_record(&ctx, z, "version", "3\n", 2);
    expect_record(&ctx, z, "constants.pkl", "\x80\x02).", 4);

    /* A deflated code file: inflated once into a buffer the archive keeps. */
    e = zip_find(z, "code/__torch__/torch/nn/modules/linear.py");
    assert_non_null(e);
    assert_int_equal(e->method, 8);
    assert_int_equal(zip_read(&ctx, z, e, ZIP_VERIFY_CRC, &d), TS_OK);
    assert_true(d.in_place);
    assert_true(d.aligned64);
    assert_null(d.owned);
    assert_int_equal(d.size, e->usize);
    assert_memory_equal(d.data, "class Linear(Module):", 21);
    const uint8_t *first = d.data;
    zip_data_free(&d);
    assert_int_equal(zip_read(&ctx, z, e, 0, &d), TS_OK);
    assert_ptr_equal(d.data, first); /* the second read inflates nothing */
    zip_data_free(&d);

    const ZipEntry *missing;
    assert_int_equal(zip_require(&ctx, z, "nope.pkl", &missing), TS_ERR_NOT_FOUND);
    assert_null(missing);
    char want[1200];
    snprintf(want, sizeof want, "%s: archive has no 'nope.pkl' record\n", zip_name(z));
    assert_string_equal(sb_cstr(&ctx.msg), want);

    zip_release(z);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_python_zips(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    ZipArchive *ref = open_data(&ctx, "linear.pt");
    const char *others[] = {"linear_deflated.zip", "linear_zip64.zip", "linear_zip64_extras.zip"};
    for (size_t i = 0; i < TS_ARRAY_LEN(others); i++) {
        ZipArchive *z = open_data(&ctx, others[i]);
        assert_string_equal(zip_prefix(z), "linear");
        expect_same_records(&ctx, ref, z);
        const ZipEntry *e = zip_find(z, "data/0");
        assert_non_null(e);
        if (i == 0) assert_int_equal(e->method, 8);
        if (i == 2) assert_true(e->header_offset == 0);
        zip_release(z);
    }
    /* The central directory's 0x0001 extras gave the real sizes and offsets. */
    ZipArchive *z = open_data(&ctx, "linear_zip64_extras.zip");
    for (size_t i = 0; i < zip_count(z); i++) {
        const ZipEntry *e = zip_entry(z, i);
        assert_true(e->usize < 0xFFFFFFFF && e->csize == e->usize);
        assert_true(e->header_offset < 0xFFFFFFFF);
    }
    zip_release(z);
    zip_release(ref);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static int g_released;
static void count_release(void *ud) {
    g_released++;
    free(ud);
}

static void test_memory_and_refcount(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    size_t n;
    uint8_t *buf = slurp("linear.pt", &n);
    assert_non_null(buf);
    g_released = 0;
    ZipArchive *z;
    assert_int_equal(zip_open_memory(&ctx, "mem.pt", buf, n, count_release, buf, &z), TS_OK);
    assert_string_equal(zip_name(z), "mem.pt");
    const ZipEntry *e = zip_find(z, "data/0");
    ZipData d;
    assert_int_equal(zip_read(&ctx, z, e, 0, &d), TS_OK);
    assert_ptr_equal(d.data, buf + e->data_offset);
    /* A borrower keeps the archive (and the caller's buffer) alive. */
    void *owner = zip_retain(z);
    zip_release(z);
    assert_int_equal(g_released, 0);
    assert_memory_equal(d.data, LINEAR_W, sizeof LINEAR_W);
    zip_release_owner(owner);
    assert_int_equal(g_released, 1);

    /* On failure the buffer stays the caller's. */
    g_released = 0;
    assert_int_equal(zip_open_memory(&ctx, "short.pt", buf, 10, count_release, buf, &z), TS_ERR_FORMAT);
    assert_null(z);
    assert_int_equal(g_released, 0);
    assert_int_equal(zip_open_memory(&ctx, "null.pt", NULL, 0, NULL, NULL, &z), TS_ERR_FORMAT);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

/* A pipe (or FIFO, or device) is refused: it could block or never end. */
static void test_not_a_regular_file(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    size_t n;
    uint8_t *buf = slurp("linear.pt", &n);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], buf, n), (ssize_t)n);
    close(fds[1]);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
    ZipArchive *z;
    assert_int_equal(zip_open(&ctx, path, &z), TS_ERR_IO);
    assert_null(z);
    assert_non_null(strstr(sb_cstr(&ctx.msg), "is not a regular file (a FIFO)"));
    close(fds[0]);
    assert_int_equal(zip_open(&ctx, "/dev/null", &z), TS_ERR_IO);
    assert_non_null(strstr(sb_cstr(&ctx.msg), "/dev/null: is not a regular file (a character device)"));
    free(buf);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_open_errors(void **state) {
    (void)state;
    long live = ts_alloc_live();
    Ctx ctx;
    tctx_init(&ctx);
    ZipArchive *z;
    char path[1024];
    assert_int_equal(zip_open(&ctx, "/nonexistent/model.pt", &z), TS_ERR_IO);
    assert_null(z);
    assert_string_equal(sb_cstr(&ctx.msg), "/nonexistent/model.pt: cannot open: No such file or directory\n");
    data_path(path, sizeof path, "");
    assert_int_equal(zip_open(&ctx, path, &z), TS_ERR_IO);

    /* Not a zip: the generator script. */
    data_path(path, sizeof path, "make_data.py");
    assert_int_equal(zip_open(&ctx, path, &z), TS_ERR_FORMAT);
    char want[1200];
    snprintf(want, sizeof want, "%s: not a zip archive (no end-of-central-directory record)\n", path);
    assert_string_equal(sb_cstr(&ctx.msg), want);

    static const uint8_t empty_zip[22] = {0x50, 0x4b, 5, 6};
    assert_int_equal(zip_open_memory(&ctx, "empty.zip", empty_zip, sizeof empty_zip, NULL, NULL, &z),
                     TS_ERR_FORMAT);
    assert_string_equal(sb_cstr(&ctx.msg), "empty.zip: zip archive has no entries\n");
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

/* Open a hand-made archive, expecting status st at open (or at reading
 * every entry when open succeeds), and a message containing msg. */
static void expect_tzip(const TZipEntry *es, int n, ts_status st, const char *msg) {
    Ctx ctx;
    tctx_init(&ctx);
    size_t len;
    uint8_t *buf = tzip_build(es, n, &len);
    ZipArchive *z;
    ts_status got = zip_open_memory(&ctx, "t.zip", buf, len, NULL, NULL, &z);
    if (got == TS_OK) {
        for (size_t i = 0; i < zip_count(z) && got == TS_OK; i++) {
            ZipData d;
            got = zip_read(&ctx, z, zip_entry(z, i), ZIP_VERIFY_CRC, &d);
            if (got == TS_OK) zip_data_free(&d);
        }
        zip_release(z);
    }
    if (got != st || (msg && !strstr(sb_cstr(&ctx.msg), msg)))
        fprintf(stderr, "expected %d '%s', got %d '%s'\n", st, msg ? msg : "", got, sb_cstr(&ctx.msg));
    assert_int_equal(got, st);
    if (msg) assert_non_null(strstr(sb_cstr(&ctx.msg), msg));
    free(buf);
    tctx_free(&ctx);
}

static void test_handmade(void **state) {
    (void)state;
    long live = ts_alloc_live();
    static const char text[] = "hello hello hello hello hello hello hello hello";
    TZipEntry ok[2] = {{.name = "a/x", .data = text, .size = sizeof text},
                       {.name = "a/y", .data = text, .size = sizeof text, .method = 8}};
    expect_tzip(ok, 2, TS_OK, NULL);

    TZipEntry e = {.name = "x", .data = text, .size = 4};
    expect_tzip(&e, 1, TS_ERR_FORMAT, "t.zip: file in archive is not in a subdirectory ('x')");

    e = (TZipEntry){.name = "a/x", .data = text, .size = 4, .local_name = "a/z"};
    expect_tzip(&e, 1, TS_ERR_FORMAT, "local header name of entry 'a/x' differs");

    e = (TZipEntry){.name = "a/x", .data = text, .size = 4, .crc_xor = 1};
    expect_tzip(&e, 1, TS_ERR_FORMAT, "CRC mismatch in entry 'a/x'");

    e = (TZipEntry){.name = "a/x", .data = text, .size = 4, .usize_delta = 1};
    expect_tzip(&e, 1, TS_ERR_FORMAT, "stored entry 'a/x' has compressed size 4 but size 5");

    e = (TZipEntry){.name = "a/x", .data = text, .size = 4, .method = 12};
    expect_tzip(&e, 1, TS_ERR_UNSUPPORTED, "compression method 12");

    e = (TZipEntry){.name = "a/x", .data = text, .size = 4, .extra_flags = 1};
    expect_tzip(&e, 1, TS_ERR_UNSUPPORTED, "entry 'a/x' is encrypted");

    e = (TZipEntry){.name = "a/x", .data = text, .size = sizeof text, .method = 8, .usize_delta = 3};
    expect_tzip(&e, 1, TS_ERR_FORMAT, "inflates to 48 bytes, the central directory says 51");

    e = (TZipEntry){.name = "a/x", .data = text, .size = sizeof text, .method = 8, .usize_delta = -3};
    expect_tzip(&e, 1, TS_ERR_FORMAT, "inflates to more than its declared 45 bytes");

    e = (TZipEntry){.name = "a/x", .data = text, .size = sizeof text, .method = 8, .usize_delta = 1 << 30};
    expect_tzip(&e, 1, TS_ERR_FORMAT, "claims 1073741872 bytes from");

    /* Deflated empty record. */
    e = (TZipEntry){.name = "a/x", .data = text, .size = 0, .method = 8};
    expect_tzip(&e, 1, TS_OK, NULL);

    /* Truncated and corrupt deflate data: flip the stored bytes. */
    Ctx ctx;
    tctx_init(&ctx);
    size_t len;
    e = (TZipEntry){.name = "a/x", .data = text, .size = sizeof text, .method = 8};
    uint8_t *buf = tzip_build(&e, 1, &len);
    size_t data_at = 30 + 3;
    buf[data_at] = 0xFF; /* invalid block type */
    buf[data_at + 1] = 0xFF;
    ZipArchive *z;
    assert_int_equal(zip_open_memory(&ctx, "t.zip", buf, len, NULL, NULL, &z), TS_OK);
    ZipData d;
    assert_int_equal(zip_read(&ctx, z, zip_entry(z, 0), 0, &d), TS_ERR_FORMAT);
    assert_non_null(strstr(sb_cstr(&ctx.msg), "t.zip: corrupt zip: entry 'a/x'"));
    zip_release(z);
    free(buf);

    /* A zip that is fine but is no TorchScript archive. */
    e = (TZipEntry){.name = "a/x", .data = text, .size = 4};
    buf = tzip_build(&e, 1, &len);
    assert_int_equal(zip_open_memory(&ctx, "t.zip", buf, len, NULL, NULL, &z), TS_OK);
    const ZipEntry *pkl;
    assert_int_equal(zip_require(&ctx, z, "data.pkl", &pkl), TS_ERR_NOT_FOUND);
    assert_string_equal(sb_cstr(&ctx.msg), "t.zip: archive has no 'data.pkl' record\n");
    zip_release(z);
    free(buf);

    /* The name-table limit: a name needing a heap buffer in zip_find. */
    char longname[600];
    memset(longname, 'n', sizeof longname);
    memcpy(longname, "a/", 2);
    longname[sizeof longname - 1] = 0;
    e = (TZipEntry){.name = longname, .data = text, .size = 1};
    buf = tzip_build(&e, 1, &len);
    assert_int_equal(zip_open_memory(&ctx, "t.zip", buf, len, NULL, NULL, &z), TS_OK);
    assert_non_null(zip_find(z, longname + 2));
    zip_release(z);
    free(buf);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

/* Open (and on success read every record of) bytes that may be anything. */
static ts_status poke(Ctx *ctx, const uint8_t *buf, size_t n) {
    ZipArchive *z;
    ts_status st = zip_open_memory(ctx, "fuzz.pt", buf, n, NULL, NULL, &z);
    if (st != TS_OK) return st;
    for (size_t i = 0; i < zip_count(z); i++) {
        ZipData d;
        const ZipEntry *e = zip_entry(z, i);
        (void)zip_entry_relname(z, e);
        if (zip_read(ctx, z, e, ZIP_VERIFY_CRC, &d) == TS_OK) zip_data_free(&d);
    }
    zip_release(z);
    return TS_OK;
}

static void test_every_truncation(void **state) {
    (void)state;
    long live = ts_alloc_live();
    const char *files[] = {"linear.pt", "linear_deflated.zip", "linear_zip64_extras.zip"};
    for (size_t f = 0; f < TS_ARRAY_LEN(files); f++) {
        size_t n;
        uint8_t *full = slurp(files[f], &n);
        assert_non_null(full);
        for (size_t len = 0; len < n; len++) {
            Ctx ctx;
            tctx_init(&ctx);
            /* A fresh exact-size copy so ASan sees any read past the end. */
            uint8_t *buf = malloc(len ? len : 1);
            memcpy(buf, full, len);
            ts_status st = poke(&ctx, buf, len);
            assert_int_not_equal(st, TS_OK);
            assert_true(ctx.msg.len > 0);
            free(buf);
            tctx_free(&ctx);
        }
        free(full);
    }
    assert_int_equal(ts_alloc_live(), live);
}

static void test_mutations(void **state) {
    (void)state;
    long live = ts_alloc_live();
    const char *files[] = {"linear.pt", "linear_deflated.zip", "linear_zip64_extras.zip"};
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    int opened = 0;
    for (size_t f = 0; f < TS_ARRAY_LEN(files); f++) {
        size_t n;
        uint8_t *full = slurp(files[f], &n);
        assert_non_null(full);
        uint8_t *buf = malloc(n);
        for (int iter = 0; iter < 2000; iter++) {
            memcpy(buf, full, n);
            int flips = 1 + (int)(prng_next(&rng) % 4);
            for (int k = 0; k < flips; k++) {
                uint64_t r = prng_next(&rng);
                /* Half of the damage goes to the structures near the end. */
                size_t at = (r & 1) ? n - 1 - (size_t)((r >> 8) % TS_MIN(n, 600)) : (size_t)((r >> 8) % n);
                buf[at] = (r >> 40) & 1 ? (uint8_t)(r >> 48) : buf[at] ^ (uint8_t)(1u << ((r >> 44) & 7));
            }
            Ctx ctx;
            tctx_init(&ctx);
            if (poke(&ctx, buf, n) == TS_OK) opened++;
            tctx_free(&ctx);
        }
        free(buf);
        free(full);
    }
    assert_true(opened > 0); /* some mutations hit only data bytes */
    assert_int_equal(ts_alloc_live(), live);
}

/* Crash inputs found by tests/fuzz/fuzz_zip, replayed. */
static void replay(const char *path) {
    size_t n;
    uint8_t *buf = slurp_path(path, &n);
    assert_non_null(buf);
    Ctx ctx;
    tctx_init(&ctx);
    (void)poke(&ctx, buf, n);
    tctx_free(&ctx);
    free(buf);
}

static void test_fuzz_regressions(void **state) {
    (void)state;
    long live = ts_alloc_live();
    tests_for_each_file("fuzz/regress/zip", replay);
    assert_int_equal(ts_alloc_live(), live);
}

/* Two entries with one name: refused, naming both (PyTorch reads the last). */
static void test_duplicate_names(void **state) {
    (void)state;
    long live = ts_alloc_live();
    static const char a[] = "first", b[] = "second";
    TZipEntry es[3] = {{.name = "m/data.pkl", .data = a, .size = 5},
                       {.name = "m/data/0", .data = a, .size = 5},
                       {.name = "m/data/0", .data = b, .size = 6}};
    expect_tzip(es, 3, TS_ERR_FORMAT, "t.zip: corrupt zip: entries 1 and 2 are both named 'm/data/0'");
    es[2].name = "m/data/1";
    expect_tzip(es, 3, TS_OK, NULL);
    assert_int_equal(ts_alloc_live(), live);
}

/* Each deflated record is inflated once, and the archive's total is
 * bounded by the budget in the context. */
static void test_inflate_budget(void **state) {
    (void)state;
    long live = ts_alloc_live();
    static uint8_t zeros[100000];
    TZipEntry es[2] = {{.name = "m/a", .data = zeros, .size = sizeof zeros, .method = 8},
                       {.name = "m/b", .data = zeros, .size = sizeof zeros, .method = 8}};
    size_t len;
    uint8_t *buf = tzip_build(es, 2, &len);
    Ctx ctx;
    tctx_init(&ctx);
    ctx.max_inflated_bytes = 150000;
    ZipArchive *z;
    assert_int_equal(zip_open_memory(&ctx, "t.zip", buf, len, NULL, NULL, &z), TS_OK);
    ZipData d;
    for (int i = 0; i < 5; i++) { /* the same record again and again: one inflation */
        assert_int_equal(zip_read(&ctx, z, zip_entry(z, 0), 0, &d), TS_OK);
        assert_int_equal(d.size, sizeof zeros);
        zip_data_free(&d);
    }
    assert_int_equal(zip_read(&ctx, z, zip_entry(z, 1), 0, &d), TS_ERR_NOMEM);
    assert_non_null(strstr(sb_cstr(&ctx.msg), "t.zip: inflating entry 'm/b' (100000 bytes) would take the "
                                              "archive past its budget of 150000 inflated bytes"));
    zip_release(z);
    /* the default budget (1 GiB here) lets both through */
    ctx.max_inflated_bytes = 0;
    assert_int_equal(zip_open_memory(&ctx, "t.zip", buf, len, NULL, NULL, &z), TS_OK);
    assert_int_equal(zip_read(&ctx, z, zip_entry(z, 1), 0, &d), TS_OK);
    zip_release(z);
    free(buf);
    tctx_free(&ctx);
    assert_int_equal(ts_alloc_live(), live);
}

/* A record large enough for the CRC to be computed in parallel pieces: the
 * joined CRC is right, and a wrong CRC in the directory is caught. */
static void test_large_record_crc(void **state) {
    (void)state;
    long live = ts_alloc_live();
    size_t n = (5u << 20) + 12345;
    uint8_t *big = malloc(n);
    for (size_t i = 0; i < n; i++) big[i] = (uint8_t)(i * 2654435761u >> 13);
    TZipEntry e = {.name = "m/data/0", .data = big, .size = n};
    expect_tzip(&e, 1, TS_OK, NULL);
    e.crc_xor = 0x80000000u;
    expect_tzip(&e, 1, TS_ERR_FORMAT, "CRC mismatch in entry 'm/data/0'");
    free(big);
    assert_int_equal(ts_alloc_live(), live);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_archive),
        cmocka_unit_test(test_python_zips),
        cmocka_unit_test(test_memory_and_refcount),
        cmocka_unit_test(test_not_a_regular_file),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_handmade),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_inflate_budget),
        cmocka_unit_test(test_large_record_crc),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_fuzz_regressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
