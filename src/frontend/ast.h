/*
 * ast.h - the abstract syntax tree of TorchScript / Python source.
 *
 * Produced by the parser (parser.h), consumed by the type checker and the IR
 * emitter. It is a faithful tree of what was written: no name resolution, no
 * types, nothing rejected that parses as Python (lambda, *args, while-else,
 * global, with, set displays ... are all here for the checker to reject with
 * a located message). The only rewrites:
 *   - adjacent string literals are one AST_STR;
 *   - a unary minus applied directly to a number literal is folded into the
 *     literal (`-1` is AST_INT -1, `-2.5` AST_FLOAT; `-2**2` stays
 *     neg(pow(2, 2)), as in Python); this is also how -9223372036854775808
 *     is written;
 *   - `elif` is an AST_IF (with if_.elif set) as the only statement of the
 *     enclosing if's orelse;
 *   - parentheses leave no node (`(x)` is x; `(x,)` is a TUPLE).
 *
 * Memory: every node, list and string lives in the Arena given to the parser
 * and dies with it. Spans borrow the Source: keep it alive (source_retain)
 * as long as the spans are used.
 *
 * Depth: the parser rejects sources whose nesting (brackets, calls,
 * operators, blocks, elif chains) exceeds TS_MAX_PARSE_DEPTH, so the tree is
 * at most about that deep and recursive walkers need no depth checks of
 * their own. Lists (arguments, elements, statements) may be arbitrarily long.
 *
 * Shape: one struct Ast per node; `kind` selects the member of the anonymous
 * union that holds the payload (the member named in ast.def). Lists are
 * AstList (arena array + length; len 0 with items NULL when empty). A NULL
 * Ast* means "absent" where a field is documented as optional.
 *
 * Expressions                  payload
 *   NAME       x               name.id
 *   INT        12, 0x1f, -1    int_lit.value, int_lit.text (spelling as written)
 *   FLOAT      2.5, 1e-5, 2.   float_lit.value, float_lit.text
 *   IMAG       2j, 1.5j        float_lit.value (the imaginary part), .text
 *   STR        "a" 'b' """c""" str.data (decoded bytes, NUL-terminated; may
 *                              contain NULs), str.len
 *   FSTR       f"a{x!r:>4}"    str.data: the template, adjacent literals joined
 *                              (plain literals' braces doubled); its {fields}
 *                              are parsed where it is used
 *   BOOL       True / False    bool_lit.value
 *   NONE       None            -
 *   ELLIPSIS   ...             -
 *   ATTR       v.name          attr.value, attr.name, attr.name_span
 *   SUBSCRIPT  v[i, j:k]       subscript.value, subscript.indices (each an expr,
 *                              a SLICE or a STARRED), subscript.tuple (written
 *                              with a comma: x[1, 2] or x[1,])
 *   SLICE      lo:hi:step      slice.lower, slice.upper, slice.step (each optional)
 *   CALL       f(a, *b, k=v, **d)  call.func, call.args (exprs; STARRED for *b;
 *                              a GENEXP for f(x for x in y)), call.keywords
 *                              (KEYWORD nodes, in source order)
 *   KEYWORD    k=v / **d       keyword.arg (NULL for **d), keyword.value
 *   STARRED    *x              starred.value (in calls, displays, targets)
 *   UNARY      -x +x ~x not x  unary.op (AstUnaryOp), unary.operand
 *   BINOP      a + b           binop.op (AstBinOp), binop.lhs, binop.rhs
 *   BOOLOP     a and b         boolop.op (BOOLOP_AND/OR), boolop.lhs, .rhs;
 *                              `a or b or c` is (a or b) or c
 *   COMPARE    a < b <= c      compare.operands (n+1 exprs), compare.ops (n
 *                              AstCmpOp), compare.nops; chained comparisons
 *                              evaluate each middle operand once
 *   IFEXP      a if c else b   ifexp.cond, ifexp.then, ifexp.orelse
 *   LAMBDA     lambda x: e     lambda.params (PARAM nodes), lambda.body
 *   TUPLE LIST SET             seq.elts (may contain STARRED)
 *   DICT       {k: v, **d}     dict.keys, dict.values (same length; a NULL key
 *                              means **value)
 *   LISTCOMP SETCOMP GENEXP    comp.elt, comp.generators (COMPREHENSION nodes)
 *   DICTCOMP   {k: v for ...}  comp.elt (the key), comp.value, comp.generators
 *   COMPREHENSION  for t in it if c1 if c2
 *                              comprehension.target, .iter, .ifs
 *
 * Statements
 *   EXPR_STMT  e               expr_stmt.value (a docstring is an EXPR_STMT of a STR)
 *   ASSIGN     a = b = v       assign.targets (>= 1 target exprs: NAME, ATTR,
 *                              SUBSCRIPT, STARRED, or TUPLE/LIST of targets;
 *                              `a, b = ...` and `a, b, = ...` give a TUPLE
 *                              target), assign.value (a TUPLE for `= 1, 2`)
 *   ANNASSIGN  x : T [= v]     annassign.target (NAME, ATTR or SUBSCRIPT),
 *                              annassign.annotation (a type expression),
 *                              annassign.value (optional: `x : T` is a
 *                              declaration, e.g. a class attribute)
 *   AUGASSIGN  x += v          augassign.op (AstBinOp), augassign.target
 *                              (NAME, ATTR or SUBSCRIPT), augassign.value
 *   RETURN     return [v]      return_.value (optional; TUPLE for `return a, b`)
 *   RAISE      raise [e [from c]]  raise.exc, raise.cause (both optional)
 *   ASSERT     assert t[, msg] assert_.test, assert_.msg (optional)
 *   PASS BREAK CONTINUE        -
 *   DEL        del a, b[0]     del.targets (the comma-separated targets: NAME,
 *                              ATTR, SUBSCRIPT, or TUPLE/LIST of those)
 *   GLOBAL NONLOCAL            names.names (NAME nodes)
 *   IF         if/elif/else    if_.cond, if_.body, if_.orelse (empty if no
 *                              else), if_.elif (this IF was spelled `elif`)
 *   WHILE      while c: .. else: ..   while_.cond, while_.body, while_.orelse
 *   FOR        for t in it: .. else: ..  for_.target (a target as in ASSIGN;
 *                              TUPLE for `for a, b in`), for_.iter (TUPLE for
 *                              `in a, b`), for_.body, for_.orelse
 *   WITH       with a as x, b: with.items (WITHITEM nodes), with.body
 *   WITHITEM   e [as t]        withitem.context, withitem.target (optional)
 *   TRY        try: .. except .. else: .. finally: ..   (Python mode only,
 *                              parse_file_python; TorchScript rejects it)
 *                              try_.body, try_.handlers (EXCEPT nodes),
 *                              try_.orelse, try_.finalbody
 *   EXCEPT     except [T [as n]]: ..   except.type (NULL: bare), except.name
 *                              (NULL without `as`), except.body
 *   FUNCDEF    [@d] def f(params) [-> T]: body
 *                              funcdef.name, .name_span, .decorators (exprs:
 *                              `torch.jit.export`, `torch.jit.ignore(drop=True)`),
 *                              .params (PARAM nodes), .returns (optional type
 *                              expression), .body, .doc (the docstring STR,
 *                              also still the first statement of body, or NULL)
 *   PARAM      x: T = d        param.name, param.annotation (optional),
 *                              param.default (optional), param.kind: NORMAL,
 *                              POSONLY (before `/`), KWONLY (after `*` or
 *                              *args), VARARGS (*args), KWARGS (**kwargs)
 *   CLASSDEF   [@d] class C(bases): body
 *                              classdef.name, .name_span, .decorators, .bases
 *                              (exprs: `Module`, `nn.Module`, `NamedTuple`,
 *                              `Enum`, ...), .keywords (KEYWORD nodes, e.g.
 *                              metaclass=M), .body (statements: ASSIGN such as
 *                              `__parameters__ = [...]`, `__annotations__["0"]
 *                              = T` or enum members `RED = 1`; ANNASSIGN such
 *                              as `w : Tensor` or `n : Final[int] = 3`;
 *                              FUNCDEF; PASS; docstring), .doc
 *   IMPORT     import a.b as c, d      import.names (ALIAS nodes)
 *   IMPORTFROM from ..a.b import c as d, e   importfrom.module (dotted name,
 *                              NULL for `from . import x`), importfrom.level
 *                              (leading dots), importfrom.names (ALIAS; name
 *                              "*" for `import *`)
 *   ALIAS      a.b as c        alias.name (dotted), alias.asname (optional)
 *
 * Type annotations are ordinary expressions (`List[int]` is a SUBSCRIPT of
 * NAME List; `Tuple[()]` has an empty TUPLE index; `"Foo"` is a STR;
 * `__torch__.a.B` is nested ATTRs); section 4 of the format reference says
 * how to read them.
 */
#ifndef TS_AST_H
#define TS_AST_H

#include "base/diag.h"

typedef enum AstKind {
#define AST(kind, field, name) AST_##kind,
#include "frontend/ast.def"
    AST_KIND_COUNT
} AstKind;

typedef enum AstBinOp {
#define BINOP(name, op, dunder) BINOP_##name,
#include "frontend/ast.def"
    BINOP_COUNT
} AstBinOp;

typedef enum AstUnaryOp {
#define UNOP(name, op) UNOP_##name,
#include "frontend/ast.def"
    UNOP_COUNT
} AstUnaryOp;

typedef enum AstCmpOp {
#define CMPOP(name, op) CMPOP_##name,
#include "frontend/ast.def"
    CMPOP_COUNT
} AstCmpOp;

typedef enum AstBoolOp { BOOLOP_AND, BOOLOP_OR } AstBoolOp;

typedef enum AstParamKind {
    PARAM_NORMAL,  /* positional or keyword */
    PARAM_POSONLY, /* before a `/` marker */
    PARAM_KWONLY,  /* after `*` or `*args` */
    PARAM_VARARGS, /* *args */
    PARAM_KWARGS,  /* **kwargs */
} AstParamKind;

typedef struct Ast Ast;

typedef struct AstList {
    Ast **items;
    int len;
} AstList;

struct Ast {
    AstKind kind;
    Span span; /* the whole construct, first to last token (a compound
                  statement includes its body; a decorated def starts at
                  `def`) */
    union {
        char empty; /* NONE, ELLIPSIS, PASS, BREAK, CONTINUE */
        struct { const char *id; } name;
        struct { int64_t value; const char *text; } int_lit;
        struct { double value; const char *text; } float_lit; /* FLOAT, IMAG */
        struct { const char *data; size_t len; } str;
        struct { bool value; } bool_lit;
        struct { Ast *value; const char *name; Span name_span; } attr;
        struct { Ast *value; AstList indices; bool tuple; } subscript;
        struct { Ast *lower, *upper, *step; } slice;
        struct { Ast *func; AstList args, keywords; } call;
        struct { const char *arg; Ast *value; } keyword;
        struct { Ast *value; } starred;
        struct { AstUnaryOp op; Ast *operand; } unary;
        struct { AstBinOp op; Ast *lhs, *rhs; } binop;
        struct { AstBoolOp op; Ast *lhs, *rhs; } boolop;
        struct { AstList operands; AstCmpOp *ops; int nops; } compare;
        struct { Ast *cond, *then, *orelse; } ifexp;
        struct { AstList params; Ast *body; } lambda;
        struct { AstList elts; } seq; /* TUPLE, LIST, SET */
        struct { AstList keys, values; } dict;
        struct { Ast *elt, *value; AstList generators; } comp;
        struct { Ast *target, *iter; AstList ifs; } comprehension;

        struct { Ast *value; } expr_stmt;
        struct { AstList targets; Ast *value; } assign;
        struct { Ast *target, *annotation, *value; } annassign;
        struct { AstBinOp op; Ast *target, *value; } augassign;
        struct { Ast *value; } return_;
        struct { Ast *exc, *cause; } raise;
        struct { Ast *test, *msg; } assert_;
        struct { AstList targets; } del;
        struct { AstList names; } names; /* GLOBAL, NONLOCAL */
        struct { Ast *cond; AstList body, orelse; bool elif; } if_;
        struct { Ast *cond; AstList body, orelse; } while_;
        struct { Ast *target, *iter; AstList body, orelse; } for_;
        struct { AstList items, body; } with;
        struct { Ast *context, *target; } withitem;
        struct { AstList body, handlers, orelse, finalbody; } try_;
        struct { Ast *type; const char *name; AstList body; } except;
        struct {
            const char *name;
            Span name_span;
            AstList decorators, params;
            Ast *returns;
            AstList body;
            Ast *doc;
        } funcdef;
        struct {
            const char *name;
            Ast *annotation, *default_;
            AstParamKind kind;
        } param;
        struct {
            const char *name;
            Span name_span;
            AstList decorators, bases, keywords, body;
            Ast *doc;
        } classdef;
        struct { AstList names; } import;
        struct { const char *module; int level; AstList names; } importfrom;
        struct { const char *name, *asname; } alias;
    };
};

/* A parsed file. */
typedef struct AstModule {
    Source *src;  /* borrowed */
    AstList body; /* top-level statements: IMPORT/IMPORTFROM, CLASSDEF,
                     FUNCDEF, ASSIGN (`op_version_set = 8`), ... */
    Ast *doc;     /* module docstring (first statement) or NULL */
} AstModule;

/* A zeroed node of the given kind in the arena. */
Ast *ast_new(Arena *a, AstKind kind, Span span);

/* Names for messages and dumps: "call", "+", "__add__", "is not". */
const char *ast_kind_name(AstKind k);
const char *ast_binop_str(AstBinOp op);
const char *ast_binop_dunder(AstBinOp op);
const char *ast_unop_str(AstUnaryOp op);
const char *ast_cmpop_str(AstCmpOp op);

/* An S-expression dump, deterministic, for tests and debugging:
 *   (def forward (params (self) (x Tensor)) (ret Tensor)
 *     (body (return (call (attr torch relu) x))))
 * ast_print writes one node on one line; ast_print_module writes one
 * top-level statement per line. */
void ast_print(StrBuf *sb, const Ast *n);
void ast_print_module(StrBuf *sb, const AstModule *m);

#endif
