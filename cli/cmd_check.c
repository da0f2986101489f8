/*
 * cmd_check.c - `tscript check MODEL`: list every op and construct the model
 * uses that tscript cannot run, with its places; exit 1 if there is any.
 */
#include <stdio.h>

#include "commands.h"

int cmd_check(const Options *o) {
    if (!o->model)
        return cli_usage_error("check: missing MODEL.pt");
    ts_ctx *ctx;
    ts_module *m;
    int rc = cli_open_model(o, TS_LOAD_INSPECT, &ctx, &m);
    if (rc != 0)
        return rc;
    char *report = NULL;
    size_t n = 0;
    if (ts_module_check(ctx, m, &report, &n) != TS_OK) {
        rc = cli_error(ts_ctx_error(ctx));
    } else {
        if (n)
            printf("%s: %zu thing%s tscript cannot run:\n", o->model, n, n == 1 ? "" : "s");
        else
            printf("%s: ", o->model);
        cli_print_text(report);
        rc = fflush(stdout) != 0 ? cli_error("cannot write to standard output") : n ? EXIT_ERROR : 0;
    }
    if (report)
        ts_string_free(report);
    ts_module_release(m);
    ts_ctx_free(ctx);
    return rc;
}
