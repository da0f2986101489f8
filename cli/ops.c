/*
 * ops.c - `tscript ops`: list the operator schemas tscript implements, one
 * per line, exactly as PyTorch prints them (torch._C._jit_get_all_schemas),
 * in registry order. On the public API only (ts_op_count, ts_op_schema).
 *
 *   tscript ops              every schema
 *   tscript ops TEXT         the schemas containing TEXT (aten::scatter, .Tensor(, ...)
 *   tscript ops --count      how many (with TEXT: how many match)
 */
#include <stdio.h>
#include <string.h>

#include "ops.h"
#include "tscript/tscript.h"

static const char ops_usage[] = "usage: tscript ops [TEXT] [--count]\n";

int cmd_ops(int argc, char **argv) {
    const char *filter = NULL;
    int count_only = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0) count_only = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("%s\nList the operator schemas tscript implements, as PyTorch prints them.\n"
                   "TEXT keeps those that contain it; --count prints how many instead.\n", ops_usage);
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
