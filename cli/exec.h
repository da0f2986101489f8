/*
 * exec.h - `tscript exec SCRIPT.py [ARGS ...]` (exec.c).
 */
#ifndef TS_CLI_EXEC_H
#define TS_CLI_EXEC_H

/* argv[0..argc) are the words after "exec". Returns the exit status. */
int cmd_exec(int argc, char **argv);

#endif
