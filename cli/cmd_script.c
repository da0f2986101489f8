/*
 * cmd_script.c - `tscript script model.py[:Class] [--args A] [--weights W
 * [--weights-key K]] [--seed S] -o out.pt`: script the model from its source
 * and write it as an archive torch.jit.load reads.
 */
#include "commands.h"

int cmd_script(const Options *o) {
    if (!o->model || !cli_is_source(o->model))
        return cli_usage_error("script: needs a model.py[:Class]");
    if (!o->out)
        return cli_usage_error("script: missing -o OUT.pt");
    ts_ctx *ctx;
    ts_module *m;
    int rc = cli_open_model(o, 0, &ctx, &m);
    if (rc != 0)
        return rc;
    if (ts_module_save(ctx, m, o->out) != TS_OK)
        rc = cli_error(ts_ctx_error(ctx));
    ts_module_release(m);
    ts_ctx_free(ctx);
    return rc;
}
