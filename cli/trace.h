/*
 * trace.h - `tscript trace` (cli/trace.c): trace a model on example inputs
 * and save the trace as an archive.
 */
#ifndef TSCRIPT_CLI_TRACE_H
#define TSCRIPT_CLI_TRACE_H

/* argv holds the words after "trace"; returns the exit status. */
int cmd_trace(int argc, char **argv);

#endif
