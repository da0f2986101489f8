/*
 * cmd_optimize.c - `tscript optimize MODEL.pt -o OUT.pt`: load an archive (or
 * script a model.py), optimise its forward for inference (src/opt/: inline,
 * freeze, fold constants and batch norms, drop dead code) and write the
 * result as an archive torch.jit.load runs: standard aten ops only, the
 * weights as constants (constants.pkl), one class with `forward`.
 * What was done goes to stderr as one note.
 */
#include <string.h>

#include "commands.h"

int cmd_optimize(const Options *o) {
    if (!o->model)
        return cli_usage_error("optimize: missing MODEL.pt");
    if (!o->out)
        return cli_usage_error("optimize: missing -o OUT.pt");
    if (!cli_is_source(o->model) && ts_file_is_weights(o->model))
        return cli_error_in(o->model, "this is a torch.save file (weights), not a TorchScript "
                                      "archive: there is no module to optimise");
    ts_ctx *ctx;
    ts_module *m, *om = NULL;
    int rc = cli_open_model(o, 0, &ctx, &m);
    if (rc != 0)
        return rc;
    char *summary = NULL;
    if (ts_module_optimize(ctx, m, o->method, TS_OPT_FOR_SAVE, &om, &summary) != TS_OK) {
        rc = cli_error_in(o->model, ts_ctx_error(ctx));
    } else {
        fprintf(stderr, "tscript: note: %s: %s\n", o->model, summary);
        if (ts_module_save(ctx, om, o->out) != TS_OK) {
            const char *msg = ts_ctx_error(ctx);
            rc = strstr(msg, cli_base_name(o->out)) ? cli_error(msg) : cli_error_in(o->out, msg);
        }
    }
    if (summary)
        ts_string_free(summary);
    if (om)
        ts_module_release(om);
    ts_module_release(m);
    ts_ctx_free(ctx);
    return rc;
}
