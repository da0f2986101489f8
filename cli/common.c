/*
 * common.c - what every `tscript` command shares (commands.h): the message
 * formats on stderr and opening MODEL, an archive (ts_module_load_ex) or a
 * model.py[:Class] (ts_module_script_weights), with the library's notes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ops_lib.h"

int cli_usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tscript: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    print_usage(stderr);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_error_in(const char *where, const char *msg) {
    int n = (int)strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        n--;
    fprintf(stderr, "tscript: error: %s%s%.*s\n", where ? where : "", where ? ": " : "", n,
            msg);
    return EXIT_ERROR;
}

int cli_error(const char *msg) {
    return cli_error_in(NULL, msg);
}

bool cli_is_help(const char *a) {
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

bool cli_is_source(const char *path) {
    const char *p = strstr(path, ".py");
    while (p) {
        if (p[3] == 0 || p[3] == ':')
            return true;
        p = strstr(p + 1, ".py");
    }
    return false;
}

const char *cli_base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void cli_print_text(const char *s) {
    size_t n = strlen(s);
    fputs(s, stdout);
    if (n == 0 || s[n - 1] != '\n')
        fputc('\n', stdout);
}

/* Each line of the library's load notes as "tscript: note: PATH: ..." on stderr. */
static void print_notes(const char *path, const char *notes) {
    while (*notes) {
        const char *nl = strchr(notes, '\n');
        int n = nl ? (int)(nl - notes) : (int)strlen(notes);
        /* a line that is itself a located warning ("model.py:3:1: warning: ...") stands alone */
        const char *w = strstr(notes, ": warning: ");
        if (w && w < notes + n)
            fprintf(stderr, "tscript: %.*s\n", n, notes);
        else
            fprintf(stderr, "tscript: note: %s: %.*s\n", path, n, notes);
        notes += n + (nl ? 1 : 0);
    }
}

/* Script model.py[:Class] (the class name is split off the file name). */
static ts_status script_model(ts_ctx *ctx, const Options *o, ts_module **m) {
    const char *spec = o->model;
    const char *colon = strstr(spec, ".py:");
    char *file = NULL;
    const char *cls = NULL;
    if (colon) {
        size_t n = (size_t)(colon - spec) + 3;
        file = malloc(n + 1);
        if (!file)
            return TS_ERR_NOMEM;
        memcpy(file, spec, n);
        file[n] = 0;
        cls = colon + 4;
    }
    ts_status st = ts_module_script_weights(ctx, file ? file : spec, cls && *cls ? cls : NULL,
                                            o->args, o->weights, o->weights_key, m);
    free(file);
    return st;
}

int cli_open_model(const Options *o, unsigned flags, ts_ctx **ctx, ts_module **m) {
    const char *path = o->model;
    ts_config cfg = {.num_threads = o->threads, .max_isa = o->isa, .max_memory = o->max_memory};
    *ctx = NULL;
    *m = NULL;
    if (ts_ctx_new(&cfg, ctx) != TS_OK)
        return cli_error("out of memory");
    ts_ctx_set_timeout(*ctx, o->timeout_ms);
    int rc = cli_load_ops_libs(*ctx, o);
    if (rc) {
        ts_ctx_free(*ctx);
        *ctx = NULL;
        return rc;
    }
    bool source = cli_is_source(path);
    ts_status st = TS_OK;
    if (source && o->has_seed)
        st = ts_ctx_manual_seed(*ctx, o->seed);
    if (st == TS_OK)
        st = source ? script_model(*ctx, o, m) : ts_module_load_ex(*ctx, path, flags, m);
    if (st != TS_OK) {
        if (source)
            print_notes(path, ts_ctx_notes(*ctx));
        const char *msg = ts_ctx_error(*ctx);
        if (strstr(msg, cli_base_name(path)))
            cli_error(msg);
        else
            cli_error_in(path, msg[0] ? msg : "cannot load");
        ts_ctx_free(*ctx);
        *ctx = NULL;
        *m = NULL;
        return EXIT_ERROR;
    }
    print_notes(path, ts_ctx_notes(*ctx));
    return 0;
}

void cli_optimize_model(const Options *o, ts_ctx *ctx, ts_module **m, const char *method, char **summary) {
    ts_module *om = NULL;
    if (ts_module_optimize(ctx, *m, method, 0, &om, summary) != TS_OK) {
        const char *msg = ts_ctx_error(ctx);
        int n = (int)strlen(msg);
        while (n > 0 && msg[n - 1] == '\n')
            n--;
        fprintf(stderr, "tscript: note: %s: running it unoptimised: %.*s\n", o->model, n, msg);
        return;
    }
    ts_module_release(*m);
    *m = om;
}
