/*
 * fuzz_archive.c - libFuzzer target for whole-archive loading: zip, version,
 * pickles, code files, class declarations and IR emission. A successfully
 * loaded module is also printed (tree, code, graph) to cover the printers.
 * Seeds: the archives under tests/data and examples/.
 */
#include <stddef.h>
#include <stdint.h>

#include "runtime/module.h"
#include "serialize/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.skip_crc = true; /* mutated records must get past the zip layer */
    Module *m = NULL;
    if (archive_load_memory(&ctx, "fuzz.pt", data, size, &m) == TS_OK) {
        StrBuf sb;
        sb_init(&sb);
        module_print_tree(&sb, m);
        module_print_code(&sb, m);
        module_print_graphs(&sb, m);
        sb_free(&sb);
        module_release(m);
    }
    ctx_dispose(&ctx);
    return 0;
}
