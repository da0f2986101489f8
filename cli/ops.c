/*
 * ops.c - `tscript ops`: list the operator schemas tscript implements, one
 * per line, exactly as PyTorch prints them (torch._C._jit_get_all_schemas),
 * in registry order. On the public API only (ts_op_count, ts_op_schema).
 *
 *   tscript ops              every schema
 *   tscript ops TEXT         the schemas containing TEXT (aten::scatter, .Tensor(, ...)
 *   tscript ops --count      how many (with TEXT: how many match)
 *   tscript ops --ops-lib L  the plugin L's custom ops too, after the builtins
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ops.h"
#include "ops_lib.h"
#include "tscript/tscript.h"

static const char ops_usage[] = "usage: tscript ops [TEXT] [--count] [--ops-lib LIB.so]\n";

int cmd_ops(int argc, char **argv) {
    const char *filter = NULL;
    int count_only = 0;
    const char *libs[8];
    int nlibs = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0) count_only = 1;
        else if (strcmp(argv[i], "--ops-lib") == 0) {
            if (i + 1 == argc) {
                fprintf(stderr, "tscript: error: ops: option '--ops-lib' needs a value\n\n%s", ops_usage);
                return 2;
            }
            if (nlibs == 8) {
                fprintf(stderr, "tscript: error: ops: --ops-lib is given too often (8 plugins at most)\n\n%s", ops_usage);
                return 2;
            }
            libs[nlibs++] = argv[++i];
        }
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("%s\nList the operator schemas tscript implements, as PyTorch prints them.\n"
                   "TEXT keeps those that contain it; --count prints how many instead.\n"
                   "--ops-lib LIB.so loads a plugin of custom ops first; they follow the builtins.\n", ops_usage);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "tscript: error: ops: unknown option '%s'\n\n%s", argv[i], ops_usage);
            return 2;
        } else if (!filter) filter = argv[i];
        else {
            fprintf(stderr, "tscript: error: ops: one TEXT at most, got '%s' too\n\n%s", argv[i], ops_usage);
            return 2;
        }
    }
    if (nlibs) {
        ts_ctx *ctx;
        if (ts_ctx_new(NULL, &ctx) != TS_OK) return cli_error("out of memory");
        for (int i = 0; i < nlibs; i++) {
            int rc = cli_load_ops_lib(ctx, libs[i]);
            if (rc) {
                ts_ctx_free(ctx);
                return rc;
            }
        }
        ts_ctx_free(ctx);
    }
    int n = ts_op_count(), matched = 0;
    for (int i = 0; i < n; i++) {
        const char *s = ts_op_schema(i);
        if (filter && !strstr(s, filter)) continue;
        matched++;
        if (!count_only) printf("%s\n", s);
    }
    if (count_only) printf("%d\n", matched);
    return 0;
}
