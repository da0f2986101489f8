/*
 * fuzz_weights.c - libFuzzer target for torch.save files (weights_load_memory):
 * zip, byteorder, data.pkl in the unpickler's python_pickle mode (OrderedDict,
 * _rebuild_parameter, memoised containers filled later), storages.
 * Seeds: the .pt files under tests/data/weights.
 *   build-fuzz/fuzz_weights -max_total_time=60 /tmp/corpus-weights tests/data/weights
 */
#include <stddef.h>
#include <stdint.h>

#include "serialize/weights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    IValue v;
    if (weights_load_memory(&ctx, "fuzz.pt", data, size, &v) == TS_OK) {
        StrBuf sb;
        sb_init(&sb);
        iv_repr(&sb, v);
        sb_free(&sb);
        iv_release(v);
    }
    ctx_dispose(&ctx);
    return 0;
}
