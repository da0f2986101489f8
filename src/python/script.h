/*
 * script.h - torch.jit.script of a model file (script.c): evaluate the file,
 * construct the model class with the given arguments, optionally load a
 * state_dict, and compile the module tree into a Module like the one an
 * archive loads to.
 */
#ifndef TS_SCRIPT_H
#define TS_SCRIPT_H

#include "python/py.h"
#include "runtime/module.h"

typedef struct ScriptOptions {
    const char *path;        /* model.py */
    const char *class_name;  /* NULL: the file's one nn.Module subclass */
    const char *args;        /* the constructor's arguments as written in a call, or NULL */
    const char *weights;     /* a torch.save state_dict or checkpoint, or NULL */
    const char *weights_key; /* the state_dict's key in a checkpoint dict, or NULL */
} ScriptOptions;

/* Warnings (e.g. @torch.jit.script on an nn.Module class) go to ctx->notes. */
ts_status script_module(Ctx *ctx, const ScriptOptions *opt, Module **out) TS_MUST_CHECK;

/* Scripting inside a running script (tscript exec: torch.jit.script), on the session's unit.
 * One session keeps the concrete types it made, so scripting two instances of one type shares
 * the class (and a differing one gets PyTorch's mangled name), as PyTorch's type cache does. */
typedef struct ScriptSession ScriptSession;
ScriptSession *script_session_new(Py *S);
void script_session_free(ScriptSession *ss);
/* The compiled object of an evaluator nn.Module instance (owned), its methods compiled. */
ts_status script_session_object(ScriptSession *ss, PV inst, IValue *out) TS_MUST_CHECK;
/* A free Python function compiled (owned by the unit). */
ts_status script_session_function(ScriptSession *ss, PFunc *f, const Span *sp, Function **out) TS_MUST_CHECK;

#endif
