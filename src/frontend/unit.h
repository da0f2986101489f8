/*
 * unit.h - a compilation unit: the classes and functions of one program
 * (one loaded archive, or one scripted model.py), with their sources, ASTs
 * and IR graphs.
 *
 * Classes are resolved lazily by qualified name, as PyTorch's importer does:
 * `__torch__.a.b.C` asks the unit's source provider for the qualifier
 * `__torch__.a.b` (code/__torch__/a/b.py in an archive), parses that file
 * once, declares the class (attributes, constants, method signatures), and
 * queues its methods for emission. unit_emit_pending() then turns every
 * queued method into an IR graph; the runtime compiles graphs to code.
 * A unit is reference counted: objects of its classes keep it alive.
 *
 * A lazy unit (an archive's) binds leniently: a call of an op the registry
 * lacks becomes an NK_UNRESOLVED node, a statement that fails to compile an
 * NK_FAIL node (the rest of its block is unreachable, as after a raise), and
 * a method that still fails a body of one NK_FAIL node; each fails when run
 * with the message the compiler gave. Emission then never fails except for
 * lack of memory.
 */
#ifndef TS_UNIT_H
#define TS_UNIT_H

#include "ir/ir.h"

struct AstDef;
struct AstModule;
struct Ast;

typedef struct FnParam {
    const char *name;
    Type *type;
    bool has_default;
    IValue default_value; /* owned by the unit */
    Span span;
    int broadcast;        /* BroadcastingListN[T] (maybe in Optional): N, so a T broadcasts to N copies */
} FnParam;

typedef enum FnState { FN_DECLARED, FN_EMITTING, FN_EMITTED, FN_FAILED } FnState;

typedef struct Function {
    const char *name;     /* "forward" */
    const char *qualname; /* "__torch__.M.forward" */
    ClassType *owner;     /* NULL for a free function */
    struct AstDef *def;
    Span span;
    int nparams;          /* including self for methods */
    FnParam *params;
    Type *ret_type;
    Graph *graph;
    FnState state;
    void *code;           /* runtime's compiled form */
    void (*code_free)(void *code);
    const char *signature; /* cached function_signature() */
    struct Function *next_overload; /* @_overload variants of one function: calls take the first that fits */
    bool user_scripted;   /* made by torch.jit.script (decorator or call): a trace keeps a call of it */
} Function;

/* Supplies the source text of a qualifier ("__torch__.a.b"). Returns TS_OK
 * with *out == NULL when there is no such file. */
typedef ts_status (*SourceProvider)(Ctx *ctx, void *ud, const char *qualifier, Source **out);

/* Why a class could not be declared: every later use fails the same way. */
typedef struct UnitFailure {
    ts_status status;
    const char *message;
    Span span;
} UnitFailure;

/* Scripting from Python source (python/script.c): what a name means that the
 * frontend cannot resolve itself. A global name of a function's own Python
 * module, or an attribute of a Python module value, resolves to one of: */
typedef enum GlobalKind {
    GR_NONE,     /* not known: the frontend goes on with its own rules */
    GR_ATEN,     /* the `torch` namespace (attributes are aten ops) */
    GR_PYMOD,    /* a Python module: name is its dotted name ("torch.nn.functional") */
    GR_OP,       /* a builtin op: name ("aten::relu") */
    GR_CLASS,    /* cls */
    GR_FUNCTION, /* fn (a free function of the unit) */
    GR_VALUE,    /* a constant: value (owned by the receiver) */
    GR_BUILTIN,  /* a builtin of the frontend: name ("_pair": torch.nn.modules.utils' n-tuple makers) */
    GR_DISPATCH, /* boolean_dispatch: fn_true when argument `name` (or positional dispatch_index)
                  * is a constant True, fn when False, dispatch_default when absent */
} GlobalKind;

typedef struct GlobalRef {
    GlobalKind kind;
    const char *name;
    ClassType *cls;
    Function *fn;
    IValue value;
    Function *fn_true;
    int dispatch_index;
    bool dispatch_default;
} GlobalRef;

typedef struct ScriptHooks {
    /* `name` in fn's module (pymod NULL) or `pymod.name`. */
    ts_status (*global)(Ctx *ctx, void *ud, Function *fn, const char *pymod, const char *name, const Span *sp,
                        GlobalRef *out);
    /* A method of a module class that is declared only when code uses it
     * (*out stays NULL when the class has no such method). */
    ts_status (*method)(Ctx *ctx, void *ud, ClassType *c, const char *name, const Span *sp, Function **out);
    /* An attribute of a module that is not a slot, constant or method: a function
     * stored on the instance (`self.activation = F.relu`). */
    ts_status (*attr)(Ctx *ctx, void *ud, ClassType *c, const char *name, const Span *sp, GlobalRef *out);
    /* isinstance(module, cls) where cls names a Python module class: decided
     * statically (*handled false when cls is not one). */
    ts_status (*module_isinstance)(Ctx *ctx, void *ud, Function *fn, ClassType *c, const struct Ast *cls,
                                   bool *handled, bool *result);
    /* A type annotation naming a class of the Python module the annotation is
     * written in (`PackedSequence`, a NamedTuple): *out stays NULL when it is not one. */
    ts_status (*type)(Ctx *ctx, void *ud, const struct Ast *e, Type **out);
    /* A method of a module class marked @torch.jit.ignore or @torch.jit.unused: its body
     * is never compiled, a call raises (*ret: its annotated return type, else Tensor);
     * *is_ignored false otherwise. */
    ts_status (*ignored)(Ctx *ctx, void *ud, ClassType *c, const char *name, bool *is_ignored, Type **ret);
} ScriptHooks;

typedef struct Unit {
    int refcnt;
    Arena arena;
    StrMap classes;    /* qualname -> ClassType* */
    StrMap functions;  /* qualname -> Function* (free functions) */
    StrMap files;      /* qualifier -> struct AstModule* (NULL value + key present: no file) */
    StrMap broken;     /* qualname -> UnitFailure*: classes whose declaration failed (stay failed) */
    VEC(Source *) sources;
    VEC(Function *) fns;    /* every function and method, in declaration order */
    VEC(ClassType *) class_list;
    int emitted_upto;       /* fns[0..emitted_upto) are emitted */
    IValue constants;       /* the CONSTANTS tuple (None when absent) */
    int version;            /* archive format version (upgrader semantics) */
    bool lazy;              /* an archive: what cannot be compiled fails when run, not at load */
    bool from_source;       /* scripted from Python source (python/script.c): saved code is printed from IR,
                               and a call of an op the registry lacks fails when run (as in a lazy unit) */
    SourceProvider provider;
    void *provider_ud;
    const ScriptHooks *hooks; /* NULL except for a unit scripted from Python source */
    void *hooks_ud;
    /* Code of other units that this unit's code uses and saves with its own
     * (unit_borrow_*: a trace keeps a call of a scripted function or
     * submodule; a scripted module holds a traced one). The units are
     * retained; the borrowed classes and functions are printed with this
     * unit's code (frontend/code_print.c) but owned by their units. */
    VEC(struct Unit *) deps;
    VEC(ClassType *) borrowed_classes;
    VEC(Function *) borrowed_fns;
} Unit;

Unit *unit_new(SourceProvider provider, void *ud);
Unit *unit_retain(Unit *u);
void unit_release(Unit *u);
/* Hooks for ClassType.unit_retain / unit_release. */
void unit_retain_opaque(void *u);
void unit_release_opaque(void *u);

/* Resolve a class by qualified name, declaring it on first use. */
ts_status unit_resolve_class(Ctx *ctx, Unit *u, const char *qualname, const Span *where,
                             ClassType **out) TS_MUST_CHECK;
/* Resolve a free function by qualified name. */
ts_status unit_resolve_function(Ctx *ctx, Unit *u, const char *qualname, const Span *where,
                                Function **out) TS_MUST_CHECK;
/* A method of a class, or NULL. */
Function *class_method(const ClassType *c, const char *name);
/* "name(x: Tensor, n: int=3) -> Tensor" without self; kept in the unit. */
const char *function_signature(Unit *u, Function *fn);
/* Register a class made outside a class definition (a scripted module's
 * concrete type); the unit owns it from here on. */
void unit_add_class(Unit *u, ClassType *c);
/* Declare `def` as a method of c (qualname c.name) and add it to c. */
ts_status unit_declare_method(Ctx *ctx, Unit *u, ClassType *c, struct Ast *def, Function **out) TS_MUST_CHECK;
/* Declare a free function from def under qualname (no file lookup), or
 * return the one already declared under that name. */
ts_status unit_declare_function(Ctx *ctx, Unit *u, struct Ast *def, const char *qualname, Function **out) TS_MUST_CHECK;
/* Register a parsed file under a qualifier ("__torch__.model"), so that
 * classes and functions named under it resolve from it. */
void unit_add_file(Unit *u, const char *qualifier, struct AstModule *m);
/* Emit IR for every declared function not emitted yet (and those they pull in). */
ts_status unit_emit_pending(Ctx *ctx, Unit *u) TS_MUST_CHECK;

/* Use code of unit home in u: fn (a free function of home) or c (a class,
 * home being c->unit), and what it uses in turn (the functions it calls,
 * the classes of its attributes, methods and values), each once. Nothing of
 * u itself is borrowed. Methods not emitted yet are emitted first. */
ts_status unit_borrow_function(Ctx *ctx, Unit *u, Unit *home, Function *fn) TS_MUST_CHECK;
ts_status unit_borrow_class(Ctx *ctx, Unit *u, ClassType *c) TS_MUST_CHECK;
/* Forget what u borrowed and release the units it came from (u's code can
 * no longer be saved whole): breaks a cycle of units borrowing from each
 * other (an exec session's unit and a trace's) when u is done with. */
void unit_drop_deps(Unit *u);
/* Is this qualname a class or function of u, or borrowed by it? */
bool unit_has_name(const Unit *u, const char *qualname);

#endif
