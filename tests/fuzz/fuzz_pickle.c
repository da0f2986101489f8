/*
 * fuzz_pickle.c - libFuzzer target: arbitrary bytes as data.pkl. Storages
 * are made up by the hook (zeroed, at most 1 MiB), classes come back as
 * ("name", state) tuples and type tags go through the built-in type parser,
 * so every opcode and global the unpickler knows is reachable.
 *
 * Build: cmake -DTS_FUZZ=ON -DCMAKE_C_COMPILER=clang; run:
 *     ./fuzz_pickle -max_total_time=60 -dict=tests/fuzz/pickle.dict corpus/ tests/fuzz/seeds/pickle
 * Every input must end in TS_OK or an error with a message, and with no live
 * tscript allocations. Crashes go to tests/fuzz/regress/pickle/ (replayed
 * by test_pickle).
 */
#include <stdio.h>
#include <stdlib.h>

#include "serialize/pickle.h"

static ts_status load_storage(void *ud, const char *key, DType dt, int64_t numel, Storage **out) {
    Ctx *ctx = ud;
    size_t nbytes;
    if (numel < 0 || !ts_mul_ok((size_t)numel, dtype_size(dt), &nbytes) || nbytes > (1u << 20))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "fuzz: storage '%s' too large", key);
    *out = storage_new(nbytes);
    return *out ? TS_OK : ts_fail(ctx, TS_ERR_NOMEM, NULL, "fuzz: out of memory");
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    long live = ts_alloc_live();
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    PickleHooks hooks = {.build_class = build_class, .load_storage = load_storage};
    IValue v;
    ts_status st = pickle_load(&ctx, data, size, "fuzz.pkl", &hooks, &ctx, &v);
    if (st == TS_OK) {
        iv_release(v);
    } else if (ctx.msg.len == 0) {
        fprintf(stderr, "failure %d without a message\n", st);
        abort();
    }
    ctx_dispose(&ctx);
    if (ts_alloc_live() != live) {
        fprintf(stderr, "leak: %ld live blocks\n", ts_alloc_live() - live);
        abort();
    }
    return 0;
}
