/*
 * ir.h - the intermediate representation: typed SSA graphs with nested
 * blocks, as PyTorch's JIT has them.
 *
 * A Graph owns an arena holding all its blocks, nodes and values. A Block is
 * a list of nodes between a param node (whose outputs are the block's inputs)
 * and a return node (whose inputs are the block's outputs). Control flow is
 * structured: prim::If has two blocks, prim::Loop one, each returning values
 * to the node's outputs. Every node keeps its source span for tracebacks.
 * Operator nodes (NK_OP) are bound to one registry schema when created, so
 * nothing is looked up by name after compilation. In an archive, a call of
 * an op the registry lacks is an NK_UNRESOLVED node and code that could not
 * be compiled an NK_FAIL node: both fail only when run (lazy binding).
 */
#ifndef TS_IR_H
#define TS_IR_H

#include "ops/op.h"

typedef enum NodeKind {
#define X(E, sym) NK_##E,
#include "ir/nodes.def"
#undef X
    NK__COUNT
} NodeKind;

const char *nodekind_symbol(NodeKind k);

typedef struct Value Value;
typedef struct Node Node;
typedef struct Block Block;
typedef struct Graph Graph;

typedef struct ValueList {
    Value **data;
    int len, cap;
} ValueList;

struct Value {
    int id;              /* unique within the graph */
    const char *name;    /* debug name, may be NULL */
    Type *type;
    Node *node;          /* the producing node */
    int offset;          /* index in node->outputs */
    int slot;            /* interpreter frame slot (set by the compiler) */
};

struct Node {
    NodeKind kind;
    Node *prev, *next;
    Block *owner;
    ValueList inputs;
    ValueList outputs;
    Block **blocks;
    int nblocks;
    Span span;
    /* kind-specific */
    const OpSchema *op;  /* NK_OP */
    IValue cval;         /* NK_CONSTANT (owned: released with the graph) */
    const char *name;    /* NK_GETATTR / NK_SETATTR / NK_CALL_METHOD: attribute or method name; NK_UNRESOLVED: op */
    int index;           /* NK_GETATTR/NK_SETATTR: slot index; NK_TUPLE_INDEX: element; NK_FAIL/NK_UNRESOLVED: status */
                         /* NK_ENUM_NAME: 1 when made only to compare two enums (e1 == e2) */
    const char *text;    /* NK_FAIL / NK_UNRESOLVED: the message it fails with (in the graph's arena) */
    bool after_unresolved; /* NK_FAIL: the failing code used the result of an NK_UNRESOLVED (whose type was a guess) */
    bool folded;         /* NK_CONSTANT: folded by the emitter where PyTorch's emitter still emits the op
                          * (its constant propagation folds it later: `not self.flag`) */
    bool stmt_call;      /* NK_UNRESOLVED: called as a whole statement (the op may return nothing: printed bare when unused) */
    Type *tattr;         /* NK_ISINSTANCE / NK_CREATE_OBJECT / NK_UNINITIALIZED: a type */
    void *callee;        /* NK_CALL_METHOD / NK_CALL_FUNCTION: the Function */
    void *aux;           /* scratch for passes and the compiler; meaningless outside one */
};

struct Block {
    Node *param;  /* NK_PARAM: outputs are the block inputs */
    Node *ret;    /* NK_RETURN: inputs are the block outputs */
    Node *owner;  /* the node this block belongs to, NULL for the graph's block */
};

struct Graph {
    Arena arena;
    Block *block;
    int next_id;
    VEC(IValue) consts_to_release;
};

Graph *graph_new(void);
void graph_free(Graph *g);

Value *graph_add_input(Graph *g, Type *t, const char *name);
void graph_add_output(Graph *g, Value *v);

Block *block_new(Graph *g, Node *owner);
Value *block_add_param(Graph *g, Block *b, Type *t, const char *name);
void block_add_output(Graph *g, Block *b, Value *v);

/* A node with no inputs/outputs, not yet inserted. */
Node *node_new(Graph *g, NodeKind kind, Span span);
void node_add_input(Graph *g, Node *n, Value *v);
Value *node_add_output(Graph *g, Node *n, Type *t);
Block *node_add_block(Graph *g, Node *n);
/* Insert n at the end of block b (before its return node). */
void block_append(Block *b, Node *n);
/* Remove n from its block (it stays allocated in the arena). */
void node_remove(Node *n);

/* A constant node appended to b; v is stolen. */
Value *graph_constant(Graph *g, Block *b, IValue v, Type *t, Span span);

/* Print the graph in PyTorch's format:
 *   graph(%self : __torch__.M,
 *         %x.1 : Tensor):
 *     %3 : Tensor = aten::relu(%x.1) # code/__torch__.py:7:10
 *     return (%3) */
void graph_print(StrBuf *sb, const Graph *g);

#endif
