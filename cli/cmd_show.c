/*
 * cmd_show.c - `tscript show MODEL [--tree | --code | --graph]`: print an
 * archive's (or a model.py's) module tree, code or IR without running model
 * code; for a torch.save file, its tensors' names, dtypes and shapes.
 */
#include <stdio.h>

#include "commands.h"
#include "weights.h"

int cmd_show(const Options *o) {
    if (!o->model)
        return cli_usage_error("show: missing MODEL.pt");
    ts_show what = o->show_given ? o->show : TS_SHOW_TREE;
    if (o->reprint && what != TS_SHOW_CODE)
        return cli_usage_error("show: --reprint goes with --code");
    if (o->reprint)
        what = TS_SHOW_CODE_REPRINT;
    if (!cli_is_source(o->model) && ts_file_is_weights(o->model)) {
        if (what != TS_SHOW_TREE)
            return cli_usage_error("show: %s is a torch.save file: it has no code or graph",
                                   o->model);
        return weights_show(o->model);
    }

    ts_ctx *ctx;
    ts_module *m;
    int rc = cli_open_model(o, TS_LOAD_INSPECT, &ctx, &m);
    if (rc != 0)
        return rc;
    char *text = NULL;
    if (ts_module_show(ctx, m, what, &text) != TS_OK) {
        rc = cli_error(ts_ctx_error(ctx));
    } else {
        cli_print_text(text);
        rc = fflush(stdout) == 0 ? 0 : cli_error("cannot write to standard output");
    }
    if (text)
        ts_string_free(text);
    ts_module_release(m);
    ts_ctx_free(ctx);
    return rc;
}
