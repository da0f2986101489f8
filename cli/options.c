/*
 * options.c - the one option parser of every `tscript` command (options.h).
 *
 * The table below holds every option any command knows; a command accepts
 * the rows its mask names and reports the others as unknown. Options may come
 * anywhere among the words; a word that is not an option is MODEL, then an
 * input (CMDF_INPUTS) or an unexpected argument. Messages name the command
 * ("run: ...") and the word at fault, and end in the usage text (exit 2).
 */
#include "options.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "inputs.h"

typedef struct OptSpec OptSpec;
/* Store val (NULL for an option without a value); 0 or the usage error's status. */
typedef int (*OptSet)(const Command *c, Options *o, const OptSpec *s, const char *val);

struct OptSpec {
    OptId id;
    const char *name;  /* "--method" */
    const char *alias; /* "-o" for --output, or NULL */
    bool takes_value;
    OptSet set;
    size_t field; /* offsetof(Options, ...) for the generic setters */
};

static bool parse_count(const char *s, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno == ERANGE || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* SECONDS: a decimal number >= 0 (fractions allowed), as milliseconds; 0 is
 * no limit, and a positive value never rounds to it. */
static bool parse_timeout(const char *s, int64_t *ms) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !(v >= 0) || v > 1e9)
        return false;
    *ms = (int64_t)(v * 1000.0 + 0.5);
    if (v > 0 && *ms == 0)
        *ms = 1;
    return true;
}

static int set_string(const Command *c, Options *o, const OptSpec *s, const char *val) {
    (void)c;
    *(const char **)((char *)o + s->field) = val;
    return 0;
}

static int set_flag(const Command *c, Options *o, const OptSpec *s, const char *val) {
    (void)c;
    (void)val;
    *(bool *)((char *)o + s->field) = true;
    return 0;
}

static int set_output(const Command *c, Options *o, const OptSpec *s, const char *val) {
    (void)s;
    if ((c->flags & CMDF_OUTPUT_FILE) && o->out)
        return cli_usage_error("%s: give -o only once", c->name);
    o->out = val;
    if ((c->flags & CMDF_OUTPUT_FILE) && !val[0])
        return cli_usage_error("%s: -o needs a file name", c->name);
    return 0;
}

static int set_seed(const Command *c, Options *o, const OptSpec *s, const char *val) {
    (void)s;
    long long n;
    if (!parse_count(val, 0, INT64_MAX, &n))
        return cli_usage_error("%s: --seed needs a non-negative integer, not '%s'", c->name, val);
    o->seed = (uint64_t)n;
    o->has_seed = true;
    return 0;
}

static int set_threads(const Command *c, Options *o, const OptSpec *s, const char *val) {
    (void)s;
    long long n;
    if (!parse_count(val, 0, 4096, &n))
        return cli_usage_error("%s: --threads needs an integer 0..4096, not '%s'", c->name, val);
    o->threads = (int)n;
    return 0;
}

static int set_isa(const Command *c, Options *o, const OptSpec *s, const char *val) {
    (void)s;
    if ((o->isa = ts_isa_parse(val)) < 0)
        return cli_usage_error("%s: --isa needs portable, avx2, avx512 or auto, not '%s'", c->name,
                               val);
    return 0;
}

static int set_max_memory(const Command *c, Options *o, const OptSpec *s, const char *val) {
    (void)s;
    long long n;
    if (!parse_count(val, 0, INT64_MAX, &n))
        return cli_usage_error("%s: --max-memory needs a number of bytes, not '%s'", c->name, val);
    o->max_memory = (size_t)n;
    return 0;
}

static int set_timeout(const Command *c, Options *o, const OptSpec *s, const char *val) {
    (void)s;
    if (!parse_timeout(val, &o->timeout_ms))
        return cli_usage_error("%s: --timeout needs a number of seconds >= 0, not '%s'", c->name,
                               val);
    return 0;
}

static int set_show(const Command *c, Options *o, const OptSpec *s, const char *val) {
    (void)val;
    ts_show mode = s->id == OPT_CODE ? TS_SHOW_CODE : s->id == OPT_GRAPH ? TS_SHOW_GRAPH : TS_SHOW_TREE;
    if (o->show_given && mode != o->show)
        return cli_usage_error("%s: give only one of --tree, --code, --graph", c->name);
    o->show = mode;
    o->show_given = true;
    return 0;
}

/* --iters and --warmup: whole counts up to 10000 (a bench runs at most that many calls). */
static int set_calls(const Command *c, Options *o, const OptSpec *s, const char *val) {
    long long n;
    long long lo = s->id == OPT_ITERS ? 1 : 0;
    if (!parse_count(val, lo, 10000, &n))
        return cli_usage_error("%s: %s needs an integer %lld..10000, not '%s'", c->name, s->name, lo,
                               val);
    *(long *)((char *)o + s->field) = (long)n;
    return 0;
}

static int set_seconds(const Command *c, Options *o, const OptSpec *s, const char *val) {
    (void)s;
    char *end;
    errno = 0;
    double v = strtod(val, &end);
    if (end == val || *end || errno == ERANGE || !(v >= 0.001 && v <= 3600))
        return cli_usage_error("%s: --time needs seconds in 0.001..3600, not '%s'", c->name, val);
    o->seconds = v;
    return 0;
}

static int set_ops_lib(const Command *c, Options *o, const OptSpec *s, const char *val) {
    (void)s;
    if (o->n_ops_libs == (int)(sizeof o->ops_libs / sizeof o->ops_libs[0]))
        return cli_usage_error("%s: --ops-lib is given too often (8 plugins at most)", c->name);
    o->ops_libs[o->n_ops_libs++] = val;
    return 0;
}

#define FIELD(f) offsetof(Options, f)

static const OptSpec option_table[] = {
    {OPT_OUTPUT, "--output", "-o", true, set_output, 0},
    {OPT_METHOD, "--method", NULL, true, set_string, FIELD(method)},
    {OPT_SEED, "--seed", NULL, true, set_seed, 0},
    {OPT_THREADS, "--threads", NULL, true, set_threads, 0},
    {OPT_ISA, "--isa", NULL, true, set_isa, 0},
    {OPT_MAX_MEMORY, "--max-memory", NULL, true, set_max_memory, 0},
    {OPT_TIMEOUT, "--timeout", NULL, true, set_timeout, 0},
    {OPT_ARGS, "--args", NULL, true, set_string, FIELD(args)},
    {OPT_WEIGHTS, "--weights", NULL, true, set_string, FIELD(weights)},
    {OPT_WEIGHTS_KEY, "--weights-key", NULL, true, set_string, FIELD(weights_key)},
    {OPT_TREE, "--tree", NULL, false, set_show, 0},
    {OPT_CODE, "--code", NULL, false, set_show, 0},
    {OPT_GRAPH, "--graph", NULL, false, set_show, 0},
    {OPT_REPRINT, "--reprint", NULL, false, set_flag, FIELD(reprint)},
    {OPT_ITERS, "--iters", NULL, true, set_calls, FIELD(iters)},
    {OPT_WARMUP, "--warmup", NULL, true, set_calls, FIELD(warmup)},
    {OPT_TIME, "--time", NULL, true, set_seconds, 0},
    {OPT_JSON, "--json", NULL, false, set_flag, FIELD(json)},
    {OPT_OPTIMIZE, "--optimize", NULL, false, set_flag, FIELD(optimize)},
    {OPT_OPS_LIB, "--ops-lib", NULL, true, set_ops_lib, 0},
};

/* The row of word among the options c accepts, or NULL. */
static const OptSpec *find_option(const Command *c, const char *word) {
    for (size_t i = 0; i < sizeof option_table / sizeof option_table[0]; i++) {
        const OptSpec *s = &option_table[i];
        if (!(c->options & OPT_BIT(s->id)))
            continue;
        if (strcmp(word, s->name) == 0 || (s->alias && strcmp(word, s->alias) == 0))
            return s;
    }
    return NULL;
}

/* Is word an option (rather than MODEL or an input) for c? */
static bool is_option_word(const Command *c, const char *word) {
    if (word[0] != '-' || !word[1])
        return false;
    return !(c->flags & CMDF_INPUTS) || !input_is_number(word);
}

/* A word that is not an option: MODEL, an input, or a usage error. */
static int positional(const Command *c, Options *o, const char *word) {
    if (!o->model)
        o->model = word;
    else if (c->flags & CMDF_INPUTS)
        o->inputs[o->n_inputs++] = word;
    else
        return cli_usage_error("%s: unexpected argument '%s'", c->name, word);
    return 0;
}

/* The option at argv[*i] (and its value, advancing *i). */
static int option(const Command *c, Options *o, int argc, char **argv, int *i) {
    const char *w = argv[*i];
    if (cli_is_help(w)) {
        print_help();
        return -1;
    }
    const OptSpec *s = find_option(c, w);
    if (!s)
        return cli_usage_error("%s: unknown option '%s'", c->name, w);
    const char *val = NULL;
    if (s->takes_value) {
        if (*i + 1 >= argc)
            return cli_usage_error("%s: option '%s' needs a value", c->name, w);
        val = argv[++*i];
    }
    o->seen |= OPT_BIT(s->id);
    return s->set(c, o, s, val);
}

int options_parse(const Command *c, int argc, char **argv, Options *o) {
    memset(o, 0, sizeof *o);
    o->cmd = c->name;
    if (c->flags & CMDF_INPUTS) {
        o->inputs = calloc((size_t)argc + 1, sizeof *o->inputs);
        if (!o->inputs)
            return cli_error("out of memory");
    }
    bool options_done = false;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        int rc;
        if (!options_done && is_option_word(c, w)) {
            if ((c->flags & CMDF_INPUTS) && strcmp(w, "--") == 0) {
                options_done = true;
                continue;
            }
            rc = option(c, o, argc, argv, &i);
        } else {
            rc = positional(c, o, w);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

void options_free(Options *o) {
    free(o->inputs);
    o->inputs = NULL;
    o->n_inputs = 0;
}
