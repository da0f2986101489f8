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
 * randn: tensors are what torch.randn gives after torch.manual_seed(seed),
 * seed being --seed (default 0): the first randn: input seeds the context's
 * generator (PyTorch's mt19937, include/tscript/tscript.h) unless the caller
 * already did, and each randn: word is one torch.randn call, in input order.
 */
#ifndef TSCRIPT_CLI_INPUTS_H
#define TSCRIPT_CLI_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "tscript/tscript.h"

/* The seed of a command's randn: inputs. pending: the context's generator
 * is seeded with it at the first randn: word (a caller that seeds the
 * context itself with ts_ctx_manual_seed clears it). */
typedef struct InputRng {
    uint64_t seed;
    int pending;
} InputRng;

void input_rng_seed(InputRng *rng, uint64_t seed);

/* True when word is a number as an input would read it (lets the argument
 * parser tell "-3" from an option). */
int input_is_number(const char *word);

/* Parse one input word into an owned *out. Returns 0, or -1 with a message in
 * err (naming the word or the file). ctx is used for tensor construction; on a
 * library failure its message is copied into err. */
int input_parse(ts_ctx *ctx, const char *word, InputRng *rng, ts_value **out, char *err,
                size_t errlen);

#endif
