/*
 * inputs.h - turn the command-line words of `tscript run` into ts_values.
 *
 * An input is one of:
 *   True | False | None          a bool or None
 *   42, -7                       an int (the whole word must be an integer)
 *   2.5, 1e-3, -inf, nan         a float
 *   randn:D0,D1,...              a float32 tensor of normal samples (see below)
 *   path.npy                     a tensor read from a .npy file
 *
 * randn tensors come from one generator per command, seeded with --seed
 * (default 0) and consumed in input order: splitmix64 gives 64-bit words,
 * u = ((w >> 11) + 1) * 2^-53 maps each to (0, 1], and Box-Muller turns each
 * pair (u1, u2) into sqrt(-2 ln u1) * cos(2 pi u2) and sqrt(-2 ln u1) *
 * sin(2 pi u2), computed in double and rounded to float32. Reproducible
 * across runs and machines, but not the values torch.randn gives.
 */
#ifndef TSCRIPT_CLI_INPUTS_H
#define TSCRIPT_CLI_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "tscript/tscript.h"

typedef struct InputRng {
    uint64_t state;
    double spare; /* the second Box-Muller sample of the last pair */
    int has_spare;
} InputRng;

void input_rng_seed(InputRng *rng, uint64_t seed);
/* The next standard normal sample. */
double input_rng_normal(InputRng *rng);

/* True when word is a number as an input would read it (lets the argument
 * parser tell "-3" from an option). */
int input_is_number(const char *word);

/* Parse one input word into an owned *out. Returns 0, or -1 with a message in
 * err (naming the word or the file). ctx is used for tensor construction; on a
 * library failure its message is copied into err. */
int input_parse(ts_ctx *ctx, const char *word, InputRng *rng, ts_value **out, char *err,
                size_t errlen);

#endif
