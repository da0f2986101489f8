/* ops.h - `tscript ops` (cli/ops.c): list the supported operator schemas. */
#ifndef TS_CLI_OPS_H
#define TS_CLI_OPS_H
/* argv: the words after `ops`; returns the exit status. */
int cmd_ops(int argc, char **argv);
#endif
