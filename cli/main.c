/*
 * main.c - the `tscript` command: run, inspect, script and save TorchScript
 * models.
 *
 *     tscript run  MODEL.pt [INPUT ...] [-o DIR] [--method NAME] [--seed N] [--threads N] [--isa LEVEL]
 *                  [--max-memory N] [--timeout SECONDS]
 *     tscript show MODEL.pt [--tree | --code | --graph]
 *     tscript check MODEL.pt
 *     tscript save MODEL.pt -o OUT.pt [--timeout SECONDS]
 *     tscript show WEIGHTS.pt      (a torch.save file: names, dtypes, shapes)
 *     tscript run|show|script MODEL.py[:CLASS] [--args ARGS] [--weights W.pt] ...
 *     tscript --version | --help
 *
 * The CLI sits on top of the public API (include/tscript/tscript.h) and
 * nothing else. main picks the command's row (commands.c), options_parse
 * reads its words (options.c), and the command's function (cmd_NAME.c) does
 * the work. Exit status: 0 on success, 1 when the library or a file reports
 * an error (printed as "tscript: error: ..." on stderr), 2 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exec.h"
#include "ops.h"
#include "trace.h"
#include "options.h"
#include "tscript/tscript.h"

int main(int argc, char **argv) {
    if (argc < 2)
        return cli_usage_error("missing a command");
    const char *name = argv[1];
    const char *env_isa = getenv("TSCRIPT_ISA");
    if (env_isa && *env_isa && ts_isa_parse(env_isa) < 0)
        return cli_usage_error("TSCRIPT_ISA must be portable, avx2, avx512 or auto, not '%s'",
                               env_isa);
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("tscript %s\n", ts_version());
        printf("kernels: %s (this CPU runs %s)\n", ts_isa_name(ts_isa()),
               ts_isa_name(ts_isa_supported()));
        return 0;
    }
    if (cli_is_help(name) || strcmp(name, "help") == 0) {
        print_help();
        return 0;
    }
    /* commands that read their own words (not yet rows of commands.c's table) */
    if (strcmp(name, "ops") == 0)
        return cmd_ops(argc - 2, argv + 2);
    if (strcmp(name, "trace") == 0)
        return cmd_trace(argc - 2, argv + 2);
    if (strcmp(name, "exec") == 0)
        return cmd_exec(argc - 2, argv + 2);
    const Command *cmd = command_find(name);
    if (!cmd)
        return cli_usage_error("unknown command '%s'", name);
    Options o;
    int rc = options_parse(cmd, argc - 2, argv + 2, &o);
    if (rc == 0)
        rc = cmd->run(&o);
    else if (rc < 0)
        rc = 0; /* --help */
    options_free(&o);
    return rc;
}
