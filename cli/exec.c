/*
 * exec.c - `tscript exec [--seed N] [--timeout S] SCRIPT.py [ARGS ...]`:
 * run a Python script of the seed's kind top to bottom (ts_exec_file), its
 * print() output on stdout, its warnings and an uncaught exception on
 * stderr. Words after the script are its sys.argv[1:].
 *
 * Exit status: 0 when the script ran to its end, 1 when it raised (or used
 * what tscript exec does not support), 2 for a usage error.
 */
#include "exec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tscript/tscript.h"

enum { EXEC_ERROR = 1, EXEC_USAGE = 2 };

static const char exec_help[] =
    "usage: tscript exec [--seed N] [--timeout SECONDS] SCRIPT.py [ARGS ...]\n"
    "\n"
    "Run a Python script that uses torch (classes, functions, try/except, torch.randn,\n"
    "torch.jit.script/trace/save/load, print of modules and tensors) as python3 would,\n"
    "printing what PyTorch prints. ARGS are the script's sys.argv[1:].\n"
    "  --seed N           torch.manual_seed(N) before the first line (default: a fresh\n"
    "                     random seed, as each PyTorch process starts with)\n"
    "  --timeout SECONDS  stop the script after this long (0: no limit)\n"
    "See docs/cli.md for the supported Python subset.\n";

__attribute__((format(printf, 1, 2))) static int exec_usage(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tscript: exec: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n%s", exec_help);
    va_end(ap);
    return EXEC_USAGE;
}

static void put_notes(const char *notes) {
    while (*notes) {
        const char *nl = strchr(notes, '\n');
        int n = nl ? (int)(nl - notes) : (int)strlen(notes);
        fprintf(stderr, "tscript: %.*s\n", n, notes);
        notes += n + (nl ? 1 : 0);
    }
}

static bool parse_u64(const char *s, unsigned long long *out) {
    if (!s || !*s || *s == '-')
        return false;
    char *end;
    *out = strtoull(s, &end, 10);
    return *end == 0;
}

int cmd_exec(int argc, char **argv) {
    unsigned long long seed = 0;
    bool has_seed = false;
    double timeout = 0;
    int i = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *w = argv[i];
        if (strcmp(w, "--help") == 0 || strcmp(w, "-h") == 0) {
            printf("%s", exec_help);
            return 0;
        }
        if (strcmp(w, "--seed") != 0 && strcmp(w, "--timeout") != 0)
            return exec_usage("unknown option '%s'", w);
        if (i + 1 >= argc)
            return exec_usage("option '%s' needs a value", w);
        const char *val = argv[++i];
        if (w[2] == 's') {
            if (!parse_u64(val, &seed))
                return exec_usage("--seed needs a non-negative integer, not '%s'", val);
            has_seed = true;
        } else {
            char *end;
            timeout = strtod(val, &end);
            if (*end || !(timeout >= 0) || timeout > 1e9)
                return exec_usage("--timeout needs a number of seconds >= 0, not '%s'", val);
        }
    }
    if (i >= argc)
        return exec_usage("missing SCRIPT.py");
    const char *path = argv[i++];
    ts_ctx *ctx = NULL;
    ts_config cfg = {0};
    if (ts_ctx_new(&cfg, &ctx) != TS_OK) {
        fprintf(stderr, "tscript: error: out of memory\n");
        return EXEC_ERROR;
    }
    ts_ctx_set_timeout(ctx, (int64_t)(timeout * 1000));
    uint64_t s = (uint64_t)seed;
    ts_status st = ts_exec_file(ctx, path, argc - i, argv + i, has_seed ? &s : NULL);
    fflush(stdout);
    put_notes(ts_ctx_notes(ctx));
    int rc = 0;
    if (st != TS_OK) {
        const char *msg = ts_ctx_error(ctx);
        int n = (int)strlen(msg);
        while (n > 0 && msg[n - 1] == '\n')
            n--;
        fprintf(stderr, "tscript: error: %.*s\n", n, msg);
        rc = EXEC_ERROR;
    }
    ts_ctx_free(ctx);
    return rc;
}
