/*
 * commands.h - the commands of `tscript` and what they share.
 *
 * A command is a row of the table in commands.c (its name, the options it
 * accepts, how it reads its words, its usage and help text) and a function
 * cmd_NAME(const Options *) in its own file cli/cmd_NAME.c, which runs once
 * options_parse has read the command line. Adding a command is exactly that:
 * a row, a declaration below and the file.
 *
 * The helpers below are what every command uses: messages on stderr in the
 * one format ("tscript: error: ...", exit 1; usage errors exit 2), loading or
 * scripting MODEL, printing library text. Everything allocated is freed on
 * every path, so a run under LeakSanitizer stays clean even when it fails.
 */
#ifndef TSCRIPT_CLI_COMMANDS_H
#define TSCRIPT_CLI_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "options.h"
#include "tscript/tscript.h"

enum { EXIT_ERROR = 1, EXIT_USAGE = 2 };

typedef struct Command {
    const char *name;
    uint64_t options; /* OPT_BIT()s of the options it accepts */
    unsigned flags;   /* CMDF_* */
    const char *usage; /* its lines of the usage text ("       tscript NAME ...\n"), or NULL */
    const char *help;  /* its section of --help ("\nNAME  ...\n"), or NULL */
    int (*run)(const Options *o); /* the exit status */
} Command;

/* The command named name, or NULL. */
const Command *command_find(const char *name);

/* The usage text, and --help's (usage, then help), on f. */
void print_usage(FILE *f);
void print_help(void);

int cmd_run(const Options *o);
int cmd_show(const Options *o);
int cmd_check(const Options *o);
int cmd_script(const Options *o);
int cmd_save(const Options *o);
int cmd_bench(const Options *o);
int cmd_optimize(const Options *o);

/* --optimize: replace *m by its optimised forward (or method), keeping *m
 * with a note on stderr when the optimiser refuses it. summary (may be
 * NULL): what was done, owned (ts_string_free), NULL when refused. */
void cli_optimize_model(const Options *o, ts_ctx *ctx, ts_module **m, const char *method, char **summary);

/* "tscript: MSG" and the usage text on stderr; EXIT_USAGE. */
__attribute__((format(printf, 1, 2))) int cli_usage_error(const char *fmt, ...);
/* "tscript: error: [WHERE: ]MSG" on stderr, one line (trailing newlines of
 * MSG dropped); EXIT_ERROR. */
int cli_error_in(const char *where, const char *msg);
int cli_error(const char *msg);

bool cli_is_help(const char *word);
/* MODEL is Python source when it names a .py file, optionally with :Class. */
bool cli_is_source(const char *model);
/* The base name of a path, for messages. */
const char *cli_base_name(const char *path);
/* Print a library-owned string, ending it with exactly one newline. */
void cli_print_text(const char *s);

/* Create a context (o's threads, isa, max_memory, timeout) and load o->model
 * (flags: TS_LOAD_*), or script it when it is a model.py (o's args, weights,
 * weights_key, seed). The library's notes go to stderr. 0 with an owned *ctx
 * and *m, or EXIT_ERROR with the error printed (naming the file if the
 * library's message does not) and both NULL. */
int cli_open_model(const Options *o, unsigned flags, ts_ctx **ctx, ts_module **m);

#endif
