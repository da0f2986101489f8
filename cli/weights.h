/*
 * weights.h - `tscript show` for torch.save files (state_dicts, tensors,
 * nested containers): one line per tensor with its dotted name, dtype and
 * shape, then a total.
 */
#ifndef TSCRIPT_CLI_WEIGHTS_H
#define TSCRIPT_CLI_WEIGHTS_H

#include "tscript/tscript.h"

/* Load path with ts_weights_load and print it; the exit status (0 or 1,
 * with "tscript: error: ..." on stderr). */
int weights_show(const char *path);

#endif
