/*
 * outputs.h - write the tensors of a `tscript run` result as .npy files.
 *
 * The value is walked depth-first: a tensor is one file; tuple and list items
 * in order; dict values in insertion order; a Python int, float or bool
 * becomes a 0-dim array (<i8, <f8, |b1); None, str and objects are skipped.
 * Files are DIR/out0.npy, DIR/out1.npy, ... in that order. A bfloat16 tensor
 * is written as float32 (numpy has no bfloat16).
 */
#ifndef TSCRIPT_CLI_OUTPUTS_H
#define TSCRIPT_CLI_OUTPUTS_H

#include <stddef.h>

#include "tscript/tscript.h"

/* Create dir (and its parents) if needed, then write v's tensors into it.
 * *count is set to the number of files written. Returns 0, or -1 with a
 * message in err. */
int outputs_write(ts_ctx *ctx, const ts_value *v, const char *dir, size_t *count, char *err,
                  size_t errlen);

#endif
