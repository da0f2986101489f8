/*
 * commands.c - the table of `tscript` commands and the usage and help text.
 *
 * A row names a command, the options it accepts (options.h), how it reads its
 * words and the function that runs it (cli/cmd_NAME.c). The text of the first
 * commands is the two blocks below; a command added later brings its own
 * usage lines and help section in its row, printed after theirs.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const char usage_head[] =
    "usage: tscript run  MODEL.pt [INPUT ...] [-o DIR] [--method NAME] [--seed N] [--threads N]\n"
    "                    [--isa LEVEL] [--max-memory N] [--timeout SECONDS] [--optimize]\n"
    "                    [--ops-lib LIB.so]\n"
    "       tscript show MODEL.pt [--tree | --code | --graph] [--timeout SECONDS]\n"
    "       tscript check MODEL.pt [--timeout SECONDS]\n"
    "       tscript save MODEL.pt -o OUT.pt [--timeout SECONDS]\n"
    "       tscript show WEIGHTS.pt\n"
    "       tscript run  MODEL.py[:CLASS] [--args ARGS] [--weights W.pt [--weights-key K]] [INPUT ...]\n"
    "       tscript show MODEL.py[:CLASS] [--args ARGS] [--tree | --code | --graph]\n"
    "       tscript script MODEL.py[:CLASS] [--args ARGS] [--weights W.pt] -o OUT.pt\n";

static const char usage_tail[] =
    "       tscript trace MODEL.pt|MODEL.py[:CLASS] [--args ARGS] [--weights W.pt] INPUT... -o OUT.pt\n"
    "       tscript exec [--seed N] SCRIPT.py [ARGS ...]\n"
    "       tscript ops [TEXT] [--count] [--ops-lib LIB.so]\n"
    "       tscript --version\n"
    "       tscript --help\n";

static const char help_head[] =
    "\n"
    "Run and inspect TorchScript archives written by torch.jit.save, without Python.\n"
    "\n"
    "run      call a method (forward by default) and print the result as PyTorch does\n"
    "  INPUT      one per argument of the method:\n"
    "               x.npy            a tensor from a .npy file\n"
    "               True, False      a bool\n"
    "               None             None\n"
    "               3, -2            an int\n"
    "               2.5, 1e-3        a float\n"
    "               randn:D0,D1,...  torch.randn(D0, D1, ...) after torch.manual_seed(N)\n"
    "               x.npy:bfloat16   a tensor converted to a dtype (any tensor word)\n"
    "  -o DIR     also write every output tensor as DIR/out0.npy, out1.npy, ...\n"
    "             (depth-first; Python numbers become 0-dim arrays)\n"
    "  --method NAME   call NAME instead of forward\n"
    "  --seed N        torch.manual_seed(N) before the inputs and the call (default 0)\n"
    "  --threads N     intra-op threads (default: the library chooses)\n"
    "  --isa LEVEL     highest instruction-set level of the kernels: portable, avx2,\n"
    "                  avx512 or auto (default; also TSCRIPT_ISA, the lower wins)\n"
    "  --max-memory N  fail cleanly once the library holds N bytes (default: no limit)\n"
    "  --timeout SECONDS  stop loading or running after SECONDS (default: no limit)\n"
    "  --optimize      run the optimised forward (tscript optimize, plus fused\n"
    "                  convolutions); a module it cannot optimise runs as it is\n"
    "  --ops-lib LIB.so   load a plugin of custom-op kernels first (an extension's ops,\n"
    "                  e.g. torchvision::nms; repeatable; also for show, check, save, ops)\n"
    "\n"
    "show     print the module (or, for a torch.save file, each tensor's name, dtype, shape)\n"
    "  --tree     the module tree, as print(module) does (default)\n"
    "  --code     each class's TorchScript code\n"
    "  --graph    each method's IR, in PyTorch's graph format\n"
    "  (show runs no model code: __setstate__ methods are not run)\n"
    "\n"
    "check    list every op and construct the model uses that tscript cannot run,\n"
    "         with its places in the archive's code; exit 1 if there is any\n"
    "\n"
    "save     load the archive and write it again as OUT.pt (torch.jit.save's format;\n"
    "         the same input always gives the same bytes; OUT.pt is replaced only\n"
    "         once it is complete)\n"
    "  -o OUT.pt  the archive to write (required)\n";

static const char help_tail[] =
    "\n"
    "ops      list the operator schemas tscript implements, as PyTorch prints them;\n"
    "         TEXT keeps those containing it, --count prints how many; with\n"
    "         --ops-lib LIB.so the plugin's custom ops follow the builtins\n"
    "\n"
    "Exit status: 0 success, 1 error, 2 usage error. See docs/cli.md.\n";

#define RUN_OPTIONS                                                                                \
    (OPT_BIT(OPT_OUTPUT) | OPT_BIT(OPT_METHOD) | OPT_BIT(OPT_THREADS) | OPT_BIT(OPT_ISA) |         \
     OPT_BIT(OPT_MAX_MEMORY) | OPT_BIT(OPT_TIMEOUT) | OPTS_SOURCE | OPT_BIT(OPT_OPTIMIZE) | OPT_BIT(OPT_OPS_LIB))
#define SHOW_OPTIONS                                                                               \
    (OPT_BIT(OPT_TIMEOUT) | OPTS_SOURCE | OPT_BIT(OPT_TREE) | OPT_BIT(OPT_CODE) |                  \
     OPT_BIT(OPT_GRAPH) | OPT_BIT(OPT_REPRINT) | OPT_BIT(OPT_OPS_LIB))

#define BENCH_OPTIONS                                                                              \
    (OPT_BIT(OPT_METHOD) | OPT_BIT(OPT_SEED) | OPT_BIT(OPT_THREADS) | OPT_BIT(OPT_ISA) |          \
     OPT_BIT(OPT_MAX_MEMORY) | OPT_BIT(OPT_TIMEOUT) | OPT_BIT(OPT_ITERS) | OPT_BIT(OPT_WARMUP) |   \
     OPT_BIT(OPT_TIME) | OPT_BIT(OPT_JSON) | OPT_BIT(OPT_OPTIMIZE))

static const char bench_usage[] =
    "       tscript bench MODEL.pt [INPUT ...] [--iters N] [--warmup N] [--time SECONDS]\n"
    "                    [--threads N] [--isa LEVEL] [--method NAME] [--seed N] [--json] [--optimize]\n";

static const char optimize_usage[] =
    "       tscript optimize MODEL.pt -o OUT.pt [--method NAME] [--timeout SECONDS]\n";

static const char optimize_help[] =
    "\n"
    "optimize write MODEL's forward (or --method) optimised for inference as OUT.pt, an\n"
    "         archive torch.jit.load runs: calls inlined, attributes frozen into\n"
    "         constants, constants propagated, dead code removed, batch norms folded\n"
    "         into the convolutions before them. The module must be in eval mode.\n"
    "         (run and bench take --optimize: the same, plus fused convolutions)\n";

static const char bench_help[] =
    "\n"
    "bench    time loading and calling the model on the inputs (as for run):\n"
    "         load ms, first call ms, p50/p90/p99 ms of the next calls, peak memory\n"
    "  --iters N       timed calls (default: as many as fit in --time, 10..10000)\n"
    "  --warmup N      untimed calls after the first (default 2)\n"
    "  --time SECONDS  the time to fill when --iters is not given (default 2)\n"
    "  --json          one JSON object on standard output instead of the table\n"
    "  --optimize      optimise the model first (as tscript optimize, plus fused\n"
    "                  convolutions); the load time includes it\n"
    "  (--threads, --isa, --method, --seed, --max-memory, --timeout as for run)\n";

/* Append a row for a new command (its usage lines and help section with it). */
static const Command commands[] = {
    {"run", RUN_OPTIONS, CMDF_INPUTS, NULL, NULL, cmd_run},
    {"show", SHOW_OPTIONS, 0, NULL, NULL, cmd_show},
    {"check", OPT_BIT(OPT_TIMEOUT) | OPT_BIT(OPT_OPS_LIB), 0, NULL, NULL, cmd_check},
    {"script", OPT_BIT(OPT_TIMEOUT) | OPTS_SOURCE | OPT_BIT(OPT_OUTPUT), 0, NULL, NULL, cmd_script},
    {"save", OPT_BIT(OPT_TIMEOUT) | OPT_BIT(OPT_OUTPUT) | OPT_BIT(OPT_OPS_LIB), CMDF_OUTPUT_FILE, NULL, NULL,
     cmd_save},
    {"bench", BENCH_OPTIONS, CMDF_INPUTS, bench_usage, bench_help, cmd_bench},
    {"optimize", OPT_BIT(OPT_TIMEOUT) | OPT_BIT(OPT_OUTPUT) | OPT_BIT(OPT_METHOD) | OPTS_SOURCE, CMDF_OUTPUT_FILE,
     optimize_usage, optimize_help, cmd_optimize},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

const Command *command_find(const char *name) {
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void print_usage(FILE *f) {
    fputs(usage_head, f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (commands[i].usage)
            fputs(commands[i].usage, f);
    fputs(usage_tail, f);
}

void print_help(void) {
    print_usage(stdout);
    fputs(help_head, stdout);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (commands[i].help)
            fputs(commands[i].help, stdout);
    fputs(help_tail, stdout);
}
