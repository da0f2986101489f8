/*
 * pyexec.h - `tscript exec`: run a seed-style Python script top to bottom
 * (pyexec.c). print() writes to ctx->print or standard output; warnings
 * (e.g. @torch.jit.script on an nn.Module class) go to ctx->notes.
 */
#ifndef TS_PYEXEC_H
#define TS_PYEXEC_H

#include "python/py.h"

/* Run the script at path as __main__ (sys.argv: path, then argv[0..argc)). seed: torch.manual_seed before the first line; NULL: a
 * fresh random seed, as a PyTorch process starts with. Errors: the script's uncaught failure
 * (its message, place and traceback), TS_ERR_IO when the file cannot be read. */
ts_status pyexec_run(Ctx *ctx, const char *path, int argc, char *const *argv, const uint64_t *seed) TS_MUST_CHECK;

/* The instance of a class decorated @torch.jit.script, replaced by its compiled module. */
ts_status pyexec_script_class_instance(Py *S, PV *inst, const Span *sp) TS_MUST_CHECK;
/* @torch.jit.script on a function: the compiled function. */
ts_status pyexec_script_function(Py *S, PFunc *f, const Span *sp, PV *out) TS_MUST_CHECK;

#endif
