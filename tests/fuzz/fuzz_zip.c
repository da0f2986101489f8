/*
 * fuzz_zip.c - libFuzzer target: arbitrary bytes as a .pt archive, through
 * the whole load path below the frontend: zip_open_memory, every record read
 * with CRC checks, then data.pkl unpickled with its tensor storages taken
 * from the archive (pickle_storage_from_zip) and classes built as tuples.
 *
 * Build: cmake -DTS_FUZZ=ON -DCMAKE_C_COMPILER=clang; run:
 *     ./fuzz_zip -max_total_time=60 corpus/ tests/data/serialize
 * Every input must end in TS_OK or an error with a message, and with no live
 * tscript allocations. Crashes go to tests/fuzz/regress/zip/ (replayed by
 * test_zip and test_pickle).
 */
#include <stdio.h>
#include <stdlib.h>

#include "serialize/pickle.h"
#include "serialize/zip.h"

typedef struct Fuzz {
    Ctx *ctx;
    ZipArchive *z;
} Fuzz;

static ts_status load_storage(void *ud, const char *key, DType dt, int64_t numel, Storage **out) {
    Fuzz *f = ud;
    return pickle_storage_from_zip(f->ctx, f->z, "data", key, dt, numel, out);
}

static ts_status build_class(void *ud, const char *module, const char *name, IValue state, IValue *out) {
    (void)ud;
    (void)module;
    TupleObj *t = tuple_new(2);
    t->items[0] = iv_cstr(name);
    t->items[1] = iv_dup(state);
    *out = iv_tuple_steal(t);
    return TS_OK;
}

static void check(Ctx *ctx, ts_status st) {
    if (st != TS_OK && ctx->msg.len == 0) {
        fprintf(stderr, "failure %d without a message\n", st);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    long live = ts_alloc_live();
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ZipArchive *z;
    ts_status st = zip_open_memory(&ctx, "fuzz.pt", data, size, NULL, NULL, &z);
    check(&ctx, st);
    if (st == TS_OK) {
        for (size_t i = 0; i < zip_count(z); i++) {
            const ZipEntry *e = zip_entry(z, i);
            (void)zip_entry_relname(z, e);
            if (e->usize > (64u << 20)) continue; /* a valid but huge claim: not a bug */
            ZipData d;
            st = zip_read(&ctx, z, e, ZIP_VERIFY_CRC, &d);
            check(&ctx, st);
            if (st == TS_OK) zip_data_free(&d);
        }
        const ZipEntry *pkl = zip_find(z, "data.pkl");
        ZipData d;
        if (pkl && pkl->usize <= (64u << 20) && zip_read(&ctx, z, pkl, 0, &d) == TS_OK) {
            Fuzz f = {&ctx, z};
            PickleHooks hooks = {.build_class = build_class, .load_storage = load_storage};
            IValue v;
            st = pickle_load(&ctx, d.data, d.size, "fuzz.pt:data.pkl", &hooks, &f, &v);
            check(&ctx, st);
            if (st == TS_OK) iv_release(v);
            zip_data_free(&d);
        }
        zip_release(z);
    }
    ctx_dispose(&ctx);
    if (ts_alloc_live() != live) {
        fprintf(stderr, "leak: %ld live blocks\n", ts_alloc_live() - live);
        abort();
    }
    return 0;
}
