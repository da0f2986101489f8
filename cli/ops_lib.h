/* ops_lib.h - loading custom-op plugins (--ops-lib, ops_lib.c). */
#ifndef TSCRIPT_CLI_OPS_LIB_H
#define TSCRIPT_CLI_OPS_LIB_H

#include "options.h"
#include "tscript/tscript.h"

/* Load one plugin and register its ops process-wide; 0, or the exit status
 * after printing the error. */
int cli_load_ops_lib(ts_ctx *ctx, const char *path);
/* Every --ops-lib of o, in order. */
int cli_load_ops_libs(ts_ctx *ctx, const Options *o);

#endif
