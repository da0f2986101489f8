/*
 * cmd_run.c - `tscript run MODEL INPUT...`: load an archive (or script a
 * model.py), call a method with the inputs and print the result as Python's
 * repr() does; -o DIR also writes each output tensor as a .npy file.
 */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "inputs.h"
#include "outputs.h"

/* Turn the input words into values, call the method, print (and write) the
 * result. arity: the method's number of arguments. */
static int call_and_print(const Options *o, ts_ctx *ctx, ts_module *m, const char *method,
                          int arity) {
    int rc = EXIT_ERROR;
    ts_value **vals = calloc(o->n_inputs + 1, sizeof *vals);
    size_t n_vals = 0;
    ts_value *out = NULL;
    char *text = NULL;
    char err[1024];
    if (!vals)
        return cli_error("out of memory");
    InputRng rng;
    input_rng_seed(&rng, o->seed);
    /* --seed N is torch.manual_seed(N) before the inputs are made and the
     * model runs: randn: inputs and the model's own random ops draw on. */
    if (ts_ctx_manual_seed(ctx, o->seed) != TS_OK) {
        cli_error(ts_ctx_error(ctx));
        goto free_vals;
    }
    rng.pending = 0;
    for (; n_vals < o->n_inputs; n_vals++)
        if (input_parse(ctx, o->inputs[n_vals], &rng, &vals[n_vals], err, sizeof err) != 0) {
            cli_error(err);
            goto free_vals;
        }

    if (ts_module_call(ctx, m, method, vals, n_vals, &out) != TS_OK) {
        cli_error(ts_ctx_error(ctx));
        if ((size_t)arity > n_vals)
            fprintf(stderr, "tscript: note: %s: %s() expects %d input%s, got %zu\n", o->model,
                    method, arity, arity == 1 ? "" : "s", n_vals);
        goto free_vals;
    }
    text = ts_value_repr(out);
    if (!text) {
        cli_error("out of memory");
        goto free_out;
    }
    cli_print_text(text);
    if (fflush(stdout) != 0) {
        cli_error("cannot write to standard output");
        goto free_out;
    }
    if (o->out) {
        size_t count;
        if (outputs_write(ctx, out, o->out, &count, err, sizeof err) != 0) {
            cli_error(err);
            goto free_out;
        }
    }
    rc = 0;
free_out:
    if (text)
        ts_string_free(text);
    if (out)
        ts_value_release(out);
free_vals:
    for (size_t i = 0; i < n_vals; i++)
        ts_value_release(vals[i]);
    free(vals);
    return rc;
}

int cmd_run(const Options *o) {
    if (!o->model)
        return cli_usage_error("run: missing MODEL.pt");
    if (!cli_is_source(o->model) && (o->args || o->weights || o->weights_key))
        return cli_usage_error("run: --args, --weights and --weights-key are for a model.py");
    const char *method = o->method ? o->method : "forward";
    ts_ctx *ctx;
    ts_module *m;
    int rc = cli_open_model(o, 0, &ctx, &m);
    if (rc != 0)
        return rc;
    if (o->optimize)
        cli_optimize_model(o, ctx, &m, method, NULL);

    rc = EXIT_ERROR;
    int arity = ts_module_method_arity(m, method);
    if (arity < 0) {
        fprintf(stderr, "tscript: error: %s: the module has no method '%s'\n", o->model, method);
    } else if ((size_t)arity < o->n_inputs) {
        /* Too many inputs is an error here; too few may be fine when the
         * method's last arguments have defaults, so the library decides. */
        fprintf(stderr, "tscript: error: %s: %s() expects %d input%s, got %zu\n", o->model,
                method, arity, arity == 1 ? "" : "s", o->n_inputs);
    } else {
        rc = call_and_print(o, ctx, m, method, arity);
    }
    ts_module_release(m);
    ts_ctx_free(ctx);
    return rc;
}
