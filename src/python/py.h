/*
 * py.h - the Python-subset evaluator (python/): the dynamic values and the
 * session that runs a model file's module-level code and its classes'
 * `__init__`s, so that scripting (script.c) can turn the module tree it
 * builds into TorchScript classes and objects.
 *
 * Where it sits: above runtime/ (it calls the op registry for `torch.*` and
 * tensor methods, and the frontend for parsing); below api/. Sources are
 * parsed with the frontend's parser into the arena of the Unit that will
 * compile their methods, so the ASTs live as long as the compiled module.
 *
 * Values (PV) are small tagged structs. Scalars, strings, tensors and
 * devices are IValues (iv, reference counted as IValues are); lists,
 * tuples, dicts, instances and bound methods are PObj boxes with their own
 * reference count (pv_dup / pv_drop). Classes, functions and Python modules
 * belong to the session and live until py_free: they never need counting,
 * which keeps module globals <-> functions from forming cycles.
 * Invariant: every PV a function returns through an out parameter is owned
 * by the caller; PV arguments are borrowed.
 */
#ifndef TS_PY_H
#define TS_PY_H

#include "frontend/ast.h"
#include "frontend/unit.h"

typedef enum PKind {
    P_NONE,
    P_BOOL,
    P_INT,
    P_FLOAT,
    P_STR,
    P_TENSOR,  /* param: marked by Parameter() */
    P_DEVICE,
    P_DTYPE,   /* iv: the ScalarType code */
    /* PObj boxes, reference counted */
    P_LIST,
    P_TUPLE,
    P_DICT,
    P_INST,
    P_BOUND,   /* a method bound to a receiver */
    P_SUPER,
    P_EXC,     /* an exception caught by `except ... as e` (exec): mname its class, items[0] its message */
    P_SCRIPT,  /* a compiled module or function (exec: torch.jit.script/trace/load): smod, sobj or sfn */
    /* session-owned */
    P_CLASS,
    P_FUNC,
    P_MOD,
    P_BUILTIN, /* a native function: name ("len", "torch.empty", "nn.Module.register_buffer") */
    P_MARK,    /* a name that only matters to annotations or decorators: typing.Optional, torch.jit.export */
} PKind;

typedef struct PObj PObj;
typedef struct PClass PClass;
typedef struct PFunc PFunc;
typedef struct PMod PMod;

typedef struct PV {
    PKind k;
    bool param; /* P_TENSOR made by Parameter() */
    IValue iv;  /* P_BOOL..P_DTYPE */
    void *p;    /* PObj* for boxes, PClass/PFunc/PMod*, or the const char* name of a P_BUILTIN / P_MARK */
} PV;

/* An ordered name -> value map (instance dicts, globals, locals). */
typedef struct PMap {
    VEC(char *) names;
    VEC(PV) vals;
} PMap;

struct PObj {
    int rc;
    PKind k;
    VEC(PV) items;        /* list, tuple; dict keys */
    VEC(PV) vals;         /* dict values */
    /* instances */
    PClass *cls;
    PMap dict;
    bool is_module, module_init; /* derives from nn.Module; Module.__init__ ran */
    bool jit_scripted;    /* a module instance given to torch.jit.script in a model file (python/script.c) */
    PMap params, buffers, modules;
    VEC(bool) persistent; /* per buffer */
    /* bound methods and super() */
    PV self;
    PV func;              /* P_FUNC or P_BUILTIN */
    const char *mname;    /* builtin method name (func is P_NONE); P_EXC: the exception's class */
    /* P_SCRIPT (pyexec.c): the Module that owns the unit (retained), the object this value is
       (the root or a submodule; owned), or a free function of the unit */
    struct Module *smod;
    IValue sobj;
    struct Function *sfn;
};

struct PClass {
    const char *name;
    PMod *mod;
    VEC(PClass *) bases;
    PMap dict;          /* methods and class attributes */
    Ast *def;           /* NULL for the native Module */
    bool native_module; /* this is torch.nn.Module itself */
    bool is_module;     /* derives from it */
    bool jit_script;    /* decorated with @torch.jit.script */
    VEC(Ast *) method_overloads; /* @_overload_method signatures of its body, in order */
};

/* PF_SCRIPT: decorated @torch.jit.script (a trace keeps calls of it) */
enum { PF_EXPORT = 1, PF_IGNORE = 2, PF_UNUSED = 4, PF_STATIC = 8, PF_PROPERTY = 16, PF_SCRIPT = 32 };

struct PFunc {
    const char *name;
    Ast *def;
    PMod *mod;
    PClass *cls;   /* the class whose body defined it (for super()) */
    PV *defaults;  /* per parameter; k == P_MARK with p NULL when it has none */
    unsigned flags;
    PMap *closure; /* a lambda's: the enclosing function's variables when it was made (owned) */
    /* boolean_dispatch(arg_name, arg_index, default, if_true, if_false) made this copy
     * of if_false: compiled code picks dispatch_true when that argument is a constant True */
    struct PFunc *dispatch_true;
    const char *dispatch_arg;
    int dispatch_index;
    bool dispatch_default;
};

struct PMod {
    const char *pyname;    /* "torch.nn.modules.linear", "model" */
    const char *qualifier; /* "__torch__.torch.nn.modules.linear" */
    PMap globals;
    Source *src;           /* owned by the unit */
    AstModule *ast;
    const char *native;    /* "torch", "math", "typing", ... for modules without source */
    VEC(Ast *) overloads;  /* @_overload declarations, in order */
    bool loading;
};

typedef struct Py {
    Ctx *ctx;
    Unit *u;              /* sources and ASTs go to its arena */
    Arena arena;          /* names of session objects */
    VEC(PMod *) mods;
    VEC(PClass *) classes;
    VEC(PFunc *) funcs;
    const char *dir;      /* directory of the model file, for sibling imports */
    PClass *module_cls;   /* torch.nn.Module */
    int depth;            /* Python call depth */
    bool no_random;       /* random initialisers may be skipped (weights will be loaded) */
    bool warned_script_class;
    StrBuf warnings;      /* one line each, for the caller to print */
    struct PyExec *exec;  /* tscript exec's session (pyexec.c), NULL when scripting a model file */
} Py;

typedef VEC(PV) PVVec;
typedef VEC(const char *) NameVecP;

/* ---- values (pyvalue.c) ---- */
static inline PV pv_none(void) { PV v; memset(&v, 0, sizeof v); v.k = P_NONE; v.iv = iv_none(); return v; }
PV pv_int(int64_t i);
PV pv_float(double d);
PV pv_bool(bool b);
PV pv_str(const char *s, size_t n);
PV pv_cstr(const char *s);
PV pv_iv_steal(IValue v); /* str, tensor, device, scalars */
PV pv_ptr(PKind k, void *p); /* a session-owned value */
PObj *pobj_new(PKind k);
PV pv_obj_steal(PObj *o);
PV pv_dup(PV v);
void pv_drop(PV v);
PV pv_list_new(void);
PV pv_tuple_new(void);
void pv_seq_push_steal(PV seq, PV item);
bool pv_is_seq(PV v); /* list or tuple */
int pv_len(PV v);
PV *pv_items(PV v);
const char *pv_type_name(PV v);
bool pv_truthy(PV v);
bool pv_eq(PV a, PV b);
void pv_str_of(StrBuf *sb, PV v, bool repr);

void pmap_free(PMap *m);
PV *pmap_get(PMap *m, const char *name);
void pmap_set_steal(PMap *m, const char *name, PV v); /* keeps the first position */
bool pmap_del(PMap *m, const char *name);

PV *pdict_find(PObj *d, PV key);
void pdict_set_steal(PObj *d, PV key, PV val);

/* IValue <-> PV for values the op registry and the runtime understand. */
ts_status pv_to_iv(Py *S, PV v, const Span *sp, IValue *out) TS_MUST_CHECK;
PV pv_from_iv(IValue v); /* borrowed v */

/* ---- the evaluator (pyeval.c) ---- */
Py *py_new(Ctx *ctx, Unit *u, const char *dir);
void py_free(Py *S);
/* Load (once) a Python module by dotted name: nnlib's, a sibling file, or a native one. */
ts_status py_import(Py *S, const char *pyname, const Span *sp, PMod **out) TS_MUST_CHECK;
/* Load a file as module `pyname` (qualifier __torch__.pyname). */
ts_status py_load_file(Py *S, const char *path, const char *pyname, PMod **out) TS_MUST_CHECK;
/* Call any callable value. kw: nkw names and values. */
ts_status py_call(Py *S, PV f, PV *args, int nargs, const char **kwn, PV *kwv, int nkw, const Span *sp,
                  PV *out) TS_MUST_CHECK;
/* Attribute of a value (bound methods for methods). */
ts_status py_getattr(Py *S, PV obj, const char *name, const Span *sp, PV *out) TS_MUST_CHECK;
/* Evaluate a call's argument list text ("10, 20, num_loops=3") in module m. */
ts_status py_eval_args(Py *S, PMod *m, const char *text, PVVec *args, NameVecP *kwn, PVVec *kwv)
    TS_MUST_CHECK;
/* The PMod whose source is src, or NULL. */
PMod *py_mod_of_source(Py *S, const Source *src);
/* Find a method in a class's MRO (NULL: none). */
PFunc *py_class_find_method(PClass *c, const char *name, PClass **where);
bool py_class_is_module(PClass *c);

/* Load the script of `tscript exec` as module __main__ (qualifier __torch__), parsed as
 * plain Python (try/except allowed), and run it. */
ts_status py_load_main(Py *S, const char *path, PMod **out) TS_MUST_CHECK;

/* ---- tscript exec (pyexec.c) ---- */
/* Natives whose meaning differs in a whole script (print, torch.manual_seed, torch.jit.*):
 * *handled false when name is not one of them. */
ts_status pyexec_builtin(Py *S, const char *name, PV *self, PV *args, int nargs, const char **kwn, PV *kwv,
                         int nkw, const Span *sp, PV *out, bool *handled) TS_MUST_CHECK;
/* Calling a P_SCRIPT value, and its attributes. */
ts_status pyexec_call_script(Py *S, PV f, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                             const Span *sp, PV *out) TS_MUST_CHECK;
ts_status pyexec_script_attr(Py *S, PV obj, const char *name, const Span *sp, PV *out) TS_MUST_CHECK;
/* Attributes of the native module sys (sys.argv). */
ts_status pyexec_sys_attr(Py *S, const char *name, const Span *sp, PV *out) TS_MUST_CHECK;
/* The exception value of the failure recorded in S->ctx (for `except ... as e`). */
PV pyexec_exception_of(Py *S);
/* Whether exception e is an instance of the class named cls ("Exception", "RuntimeError"). */
bool pyexec_exc_matches(const char *exc_class, const char *cls);

/* ---- natives (pybuiltin.c) ---- */
/* A native function or method by name; *found false when there is none. */
ts_status py_call_builtin(Py *S, const char *name, PV *self, PV *args, int nargs, const char **kwn, PV *kwv,
                          int nkw, const Span *sp, PV *out) TS_MUST_CHECK;
/* The builtins of pyseq.c (sorted/min/max with key=, map, filter, set, list,
 * dict and str methods beyond the basic ones); *handled false: not one. */
ts_status py_builtin_more(Py *S, const char *name, PV *self, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                          const Span *sp, PV *out, bool *handled) TS_MUST_CHECK;
/* Call an op of the registry ("aten::empty") with Python arguments. */
ts_status py_call_op(Py *S, const char *op, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                     const Span *sp, PV *out) TS_MUST_CHECK;
/* Attributes of native modules (torch, math, torch.jit, typing ...). */
ts_status py_native_attr(Py *S, PMod *m, const char *name, const Span *sp, PV *out) TS_MUST_CHECK;
/* Module.__setattr__ / assignment to an instance attribute. */
ts_status py_setattr(Py *S, PV obj, const char *name, PV v_steal, const Span *sp) TS_MUST_CHECK;
/* A DType code for a dtype name ("float32"), or -1. */
int py_dtype_code(const char *name);

/* ---- string formatting (pyformat.c) ---- */
/* format(v, spec) appended to sb (f-string fields, str.format). */
ts_status py_format_value(Py *S, StrBuf *sb, PV v, const char *spec, const Span *sp) TS_MUST_CHECK;
/* fmt.format(*args, **kw) */
ts_status py_str_format(Py *S, PV fmt, PV *args, int nargs, const char **kwn, PV *kwv, int nkw, const Span *sp,
                        PV *out) TS_MUST_CHECK;
/* fmt % args: args a tuple, a dict (for %(key)s) or one value */
ts_status py_str_percent(Py *S, PV fmt, PV args, const Span *sp, PV *out) TS_MUST_CHECK;

/* ---- tensor expressions (pytensor.c) ---- */
/* One part of a tensor subscript, evaluated: x[i, a:b:s, None, ..., idx]. */
typedef enum PIxKind { PIX_INT, PIX_SLICE, PIX_NONE, PIX_ELLIPSIS, PIX_TENSOR } PIxKind;
typedef struct PIndex {
    PIxKind k;
    PV v;            /* PIX_INT: the int; PIX_TENSOR: the index tensor */
    PV lo, hi, step; /* PIX_SLICE: None where left out (step: 1) */
} PIndex;
void pix_free(PIndex *ix, int n); /* drops the values and frees the array */
/* t[ix...] (a view unless an index tensor picks rows). */
ts_status pyt_index(Py *S, PV t, const PIndex *ix, int n, const Span *sp, PV *out) TS_MUST_CHECK;
/* t[ix...] = v: fill_ with a number, copy_ of a tensor into the view. */
ts_status pyt_index_assign(Py *S, PV t, const PIndex *ix, int n, PV v, const Span *sp) TS_MUST_CHECK;
/* num OP t for a Python number on the left, as torch.Tensor's __r*__ do. */
ts_status pyt_binop_rev(Py *S, AstBinOp op, PV num, PV t, const Span *sp, PV *out) TS_MUST_CHECK;
/* a OP b where one side is a tensor: an elementwise bool tensor. */
ts_status pyt_compare(Py *S, AstCmpOp op, PV a, PV b, const Span *sp, PV *out) TS_MUST_CHECK;
ts_status pyt_unary(Py *S, AstUnaryOp op, PV t, const Span *sp, PV *out) TS_MUST_CHECK;
/* bool(t) for a one-element tensor; an error for any other. */
ts_status pyt_truthy(Py *S, PV t, const Span *sp, bool *out) TS_MUST_CHECK;
/* t.tolist(): nested lists of Python numbers (a number for a 0-dim t). */
ts_status pyt_tolist(Py *S, PV t, const Span *sp, PV *out) TS_MUST_CHECK;
/* The tensors t[0], t[1], ... (a list). */
ts_status pyt_iterate(Py *S, PV t, const Span *sp, PV *out) TS_MUST_CHECK;

/* ---- embedded nn library (nnlib_data.c, generated) ---- */
/* The text of src/nnlib/<path> ("torch/nn/modules/linear.py"), or NULL. */
const char *nnlib_source(const char *path);

#endif
