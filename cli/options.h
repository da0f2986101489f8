/*
 * options.h - the one option parser of every `tscript` command.
 *
 * Each option is a row of options.c's table (its spellings, whether it takes
 * a value, where the value goes); each command (commands.c) says which
 * options it accepts, as a mask of OPT_* bits, and how it reads words that are
 * not options (one MODEL, then inputs or nothing). options_parse fills an
 * Options from argv, printing the usage error a word deserves:
 *
 *     CMD: unknown option '--frob'
 *     CMD: option '--seed' needs a value
 *     CMD: --seed needs a non-negative integer, not 'x'
 *     CMD: unexpected argument 'extra'
 *
 * To add an option: an OPT_ id below, a field in Options, a row in
 * options.c's table (a setter exists for strings, counts and flags).
 */
#ifndef TSCRIPT_CLI_OPTIONS_H
#define TSCRIPT_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tscript/tscript.h"

typedef enum OptId {
    OPT_OUTPUT,      /* -o, --output */
    OPT_METHOD,      /* --method NAME */
    OPT_SEED,        /* --seed N */
    OPT_THREADS,     /* --threads N */
    OPT_ISA,         /* --isa LEVEL */
    OPT_MAX_MEMORY,  /* --max-memory N */
    OPT_TIMEOUT,     /* --timeout SECONDS */
    OPT_ARGS,        /* --args ARGS (model.py) */
    OPT_WEIGHTS,     /* --weights W.pt (model.py) */
    OPT_WEIGHTS_KEY, /* --weights-key K (model.py) */
    OPT_TREE,        /* --tree */
    OPT_CODE,        /* --code */
    OPT_GRAPH,       /* --graph */
    OPT_REPRINT,     /* --reprint (hidden: show --code from the IR) */
    OPT_ITERS,       /* --iters N (bench) */
    OPT_WARMUP,      /* --warmup N (bench) */
    OPT_TIME,        /* --time SECONDS (bench) */
    OPT_JSON,        /* --json (bench) */
    OPT_OPTIMIZE,    /* --optimize (run, bench: src/opt/ before the calls) */
    OPT_OPS_LIB,     /* --ops-lib LIB.so (custom-op plugins; repeatable) */
    OPT_COUNT_
} OptId;

#define OPT_BIT(id) (1ull << (id))
/* The options of a model given as Python source. */
#define OPTS_SOURCE (OPT_BIT(OPT_ARGS) | OPT_BIT(OPT_WEIGHTS) | OPT_BIT(OPT_WEIGHTS_KEY) | OPT_BIT(OPT_SEED))

/* How a command reads its words (Command.flags). */
enum {
    /* Words after MODEL are inputs (not "unexpected argument"); a word that
     * reads as a number ("-3", "-inf") is an input, never an option, and
     * "--" ends the options. */
    CMDF_INPUTS = 1u << 0,
    /* -o names one file: giving it twice or empty is a usage error. */
    CMDF_OUTPUT_FILE = 1u << 1,
};

/* Everything a command line can say; zero means "not given". */
typedef struct Options {
    const char *cmd;         /* the command's name, for messages */
    const char *model;       /* the first word that is not an option */
    const char **inputs;     /* the words after it (CMDF_INPUTS), owned */
    size_t n_inputs;
    const char *out;         /* -o */
    const char *method;      /* --method */
    uint64_t seed;           /* --seed */
    bool has_seed;
    int threads;             /* --threads */
    int isa;                 /* --isa (a ts_isa level; 0: auto) */
    size_t max_memory;       /* --max-memory */
    int64_t timeout_ms;      /* --timeout, in milliseconds; 0: none */
    const char *args;        /* --args */
    const char *weights;     /* --weights */
    const char *weights_key; /* --weights-key */
    ts_show show;            /* --tree, --code, --graph */
    bool show_given;
    bool reprint;            /* --reprint */
    long iters;              /* --iters (bench) */
    long warmup;             /* --warmup (bench) */
    double seconds;          /* --time (bench), in seconds */
    bool json;               /* --json (bench) */
    bool optimize;           /* --optimize (run, bench) */
    const char *ops_libs[8]; /* --ops-lib, in the order given */
    int n_ops_libs;
    uint64_t seen;           /* OPT_BIT of each option given */
} Options;

struct Command;

/* Parse the words after the command's name into *o (o->cmd is the command's
 * name). Returns 0; -1 when --help was given (the help is printed, the
 * command should exit 0); or an exit status (the usage error is printed).
 * options_free releases what it allocated, whatever it returned. */
int options_parse(const struct Command *cmd, int argc, char **argv, Options *o);
void options_free(Options *o);

#endif
