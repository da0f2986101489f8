/*
 * cmd_save.c - `tscript save MODEL.pt -o OUT.pt`: load an archive and write
 * it again in torch.jit.save's format (deterministic bytes; OUT.pt replaced
 * only once complete).
 */
#include <string.h>

#include "commands.h"

int cmd_save(const Options *o) {
    if (!o->model)
        return cli_usage_error("save: missing MODEL.pt");
    if (!o->out)
        return cli_usage_error("save: missing -o OUT.pt");
    if (ts_file_is_weights(o->model))
        return cli_error_in(o->model, "this is a torch.save file (weights), not a TorchScript "
                                      "archive: there is no module to save");
    ts_ctx *ctx;
    ts_module *m;
    int rc = cli_open_model(o, 0, &ctx, &m);
    if (rc != 0)
        return rc;
    if (ts_module_save(ctx, m, o->out) != TS_OK) {
        const char *msg = ts_ctx_error(ctx);
        rc = strstr(msg, cli_base_name(o->out)) ? cli_error(msg) : cli_error_in(o->out, msg);
    }
    ts_module_release(m);
    ts_ctx_free(ctx);
    return rc;
}
