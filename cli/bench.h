/*
 * bench.h - `tscript bench MODEL.pt [INPUT ...]` (cli/bench.c): how fast a
 * model loads and runs here, as a user would measure it.
 */
#ifndef TSCRIPT_CLI_BENCH_H
#define TSCRIPT_CLI_BENCH_H

/* The bench command on its arguments (after the word "bench"); returns the
 * exit status (0, 1 error, 2 usage error). */
int cmd_bench(int argc, char **argv);

/* Its lines of `tscript --help`. */
extern const char bench_usage_text[];
extern const char bench_help_text[];

#endif
