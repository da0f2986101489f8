/*
 * module.h - a loaded program: its compilation unit and the root object.
 * Immutable once loaded; calls go through interp_call with the root as self.
 */
#ifndef TS_MODULE_H
#define TS_MODULE_H

#include "runtime/interp.h"

typedef struct Module {
    int refcnt;
    Unit *unit;
    IValue root;      /* the root Object */
    char *path;       /* where it was loaded from, for messages */
    bool inspect_only; /* loaded with TS_LOAD_INSPECT: __setstate__ not run, calls refused */
    Unit *base_unit;   /* an optimised module (src/opt/): the unit of the module it was made
                          from, retained (its sources and names are what the optimised graph's
                          spans and values point into); NULL otherwise */
} Module;

Module *module_new(Unit *u, IValue root_steal, const char *path);
void module_release(Module *m);
Module *module_retain(Module *m);
/* The method `name` of the root object's class, or NULL. */
Function *module_method(const Module *m, const char *name);
/* Call a method with user arguments (self is added). Checks the count and
 * types of the arguments against the method's signature, filling defaults. */
ts_status module_call(Ctx *ctx, Module *m, const char *name, const IValue *args, int nargs,
                      IValue *out) TS_MUST_CHECK;
/* What tscript cannot run (NK_UNRESOLVED ops and NK_FAIL constructs of every
 * compiled function), grouped, with source locations; or a one-line summary
 * when there is nothing. Returns the number of problems. */
int module_check(StrBuf *sb, const Module *m);
/* Renderings for `tscript show`. */
void module_print_tree(StrBuf *sb, const Module *m);
void module_print_code(StrBuf *sb, const Module *m);
void module_print_graphs(StrBuf *sb, const Module *m);

#endif
