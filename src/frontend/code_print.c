/*
 * code_print.c - IR graphs to TorchScript source, in the dialect PyTorch's
 * python_print writes into an archive's code/ files. It sits beside the
 * emitter: the emitter turns that dialect into IR, this turns IR back, so
 * printing the IR of an archive reproduces the archive's code.
 *
 * The rules follow PyTorch's printer (our own code):
 *   - a value is written inline into its one use when it has no meaningful
 *     debug name (or its use is a block's return), its node has one output
 *     and no blocks, and the nodes line up as a parser would emit them
 *     (a right-to-left scan of each node's inputs against the nodes just
 *     before it); constants are always inline;
 *   - an inline expression reaching 40 columns (with its indentation) is
 *     split out into an assignment, together with the inline arguments
 *     before it, so evaluation order is kept;
 *   - constants whose text is that long (long strings, function values) are
 *     hoisted to the top of the body; constants are pooled by their text;
 *   - names: the debug name, made unique per function with a counter per
 *     name that runs on through one file (`x`, `x0`, `x1`; `_0`, `_1` for
 *     temporaries), as PyTorch's counters do;
 *   - calls drop trailing arguments equal to their schema defaults and name
 *     keyword-only ones; method calls are `(obj).m(a, )`.
 * Nodes that exist only in tscript's IR print as PyTorch's graph would:
 * widening unchecked_casts and the TupleConstruct/TupleUnpack pair of
 * `a, b = x, y` are transparent, function calls get PyTorch's function
 * constant (`_0 = __torch__.f` when long).
 *
 * Invariants: nothing here changes the graphs (per-node state lives in the
 * printer's own map); output never depends on hash-table order.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "frontend/code_print.h"

/* LONG_LINE: PyTorch's isLongLine; MAX_INLINE_DEPTH: past it a value is
 * assigned instead of inlined, so the recursive scan stays shallow (PyTorch
 * has no bound; no real code comes near it). */
enum { LONG_LINE = 40, MAX_INLINE_DEPTH = 256 };

/* ---- per-file state (one PythonPrint in PyTorch's exporter) ---- */

typedef struct FileState {
    StrMap next_id; /* name -> next numeric suffix (as intptr_t + 1) */
    CodeFiles *consts;
    unsigned flags;
} FileState;

/* ---- per-function state ---- */

typedef struct VInfo {
    int uses;
    Node *user;      /* the last use */
    int offset;      /* its input index there */
    Value *alias;    /* printed as this value instead */
    const char *dbg; /* adopted debug name (from an unpack that was elided) */
    char *ident;     /* the name an assignment gave it */
    char *expr;      /* its inline expression */
    bool named_as_alias; /* a loop body's carried input, printed as the loop's output */
    bool annotated;  /* an Optional/Union whose assignment already carried its type */
    bool dead;       /* an If output nothing uses (PyTorch's dead code elimination drops it) */
} VInfo;

typedef struct NInfo {
    bool inl;      /* written inline into its use */
    bool elided;   /* not printed at all (transparent in PyTorch's graph) */
    bool split_seen;
    int split_upto;
} NInfo;

typedef struct Pr {
    Ctx *ctx;
    FileState *fs;
    Arena arena;
    StrBuf *body;
    int level;
    const Graph *g;
    VInfo *vi;      /* by value id */
    StrMap ninfo;   /* "%p" of a node -> NInfo* */
    StrMap used;    /* names used in this function */
    StrMap hoisted; /* constant text -> its hoisted name */
    ts_status st;   /* first failure */
    int scan_depth; /* nesting of the inlining scan (bounded: hostile code may chain a million temporaries) */
} Pr;

static const char *const RESERVED[] = {
    "_", "as", "aten", "attribute", "CONSTANTS", "fork", "getattr", "inf", "nan", "infj", "nanj", "ops",
    "__torch__", "and", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "False", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "None", "nonlocal", "not", "or", "pass", "raise", "return", "True", "try", "with", "while", "yield",
    "uninitialized", "unchecked_cast",
};

static bool reserved(const char *s) {
    for (size_t i = 0; i < TS_ARRAY_LEN(RESERVED); i++)
        if (strcmp(RESERVED[i], s) == 0) return true;
    return false;
}

static bool valid_ident(const char *s) {
    if (!s[0]) return false;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

static NInfo *ni(Pr *p, const Node *n) {
    char key[32];
    snprintf(key, sizeof key, "%p", (const void *)n);
    NInfo *x = strmap_get(&p->ninfo, key);
    if (!x) {
        x = arena_new(&p->arena, NInfo);
        memset(x, 0, sizeof *x);
        strmap_put(&p->ninfo, key, x);
    }
    return x;
}

static Value *res(Pr *p, Value *v) {
    for (int i = 0; i < 64 && p->vi[v->id].alias; i++) v = p->vi[v->id].alias;
    return v;
}

static bool is_const_node(const Node *n) { return n->kind == NK_CONSTANT || n->kind == NK_ENUM_MEMBER; }

/* A debug name PyTorch's emitter would have kept: not `$hidden`, not `_N`. */
static bool meaningful(const char *s) {
    if (!s || !s[0] || s[0] == '$') return false;
    if (s[0] != '_') return true;
    for (size_t i = 1; s[i]; i++)
        if (s[i] < '0' || s[i] > '9') return true;
    return false;
}

static const char *dbg_name(Pr *p, Value *v) {
    if (p->vi[v->id].dbg) return p->vi[v->id].dbg;
    if (v->node->kind == NK_GETATTR) return v->name;
    return meaningful(v->name) ? v->name : NULL;
}

/* ---- names ---- */

static char *gen_name(Pr *p, const char *cand) {
    StrBuf nb;
    sb_init(&nb);
    sb_puts(&nb, cand);
    while (strmap_get(&p->used, sb_cstr(&nb)) || reserved(sb_cstr(&nb))) {
        char *cur = arena_strdup(&p->arena, sb_cstr(&nb));
        intptr_t k = (intptr_t)strmap_get(&p->fs->next_id, cur);
        long idx = k ? (long)(k - 1) : 0;
        strmap_put(&p->fs->next_id, cur, (void *)(intptr_t)(idx + 2));
        sb_clear(&nb);
        sb_printf(&nb, "%s%ld", cand, idx);
    }
    char *r = arena_strdup(&p->arena, sb_cstr(&nb));
    strmap_put(&p->used, r, (void *)1);
    sb_free(&nb);
    return r;
}

static char *unique_name_for(Pr *p, Value *v) {
    const char *d = dbg_name(p, v);
    if (!d) return gen_name(p, "_");
    /* debugNameBase: drop a ".N" suffix; then make a valid identifier */
    size_t n = strlen(d);
    const char *dot = strrchr(d, '.');
    if (dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1)) n = (size_t)(dot - d);
    StrBuf nb;
    sb_init(&nb);
    if (n == 0 || (d[0] >= '0' && d[0] <= '9')) sb_putc(&nb, '_');
    for (size_t i = 0; i < n; i++) {
        char c = d[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        sb_putc(&nb, ok ? c : '_');
    }
    char *r = gen_name(p, sb_cstr(&nb));
    sb_free(&nb);
    return r;
}

static void assign_ident(Pr *p, Value *v, const char *name) { p->vi[v->id].ident = arena_strdup(&p->arena, name); }

static void assign_unique(Pr *p, Value *v) { p->vi[v->id].ident = unique_name_for(p, v); }

/* ---- literals (IValue::repr with the printer's formatter) ---- */

static bool non_ascii(IValue v) {
    switch (v.kind) {
    case IV_STR:
        for (int64_t i = 0; i < v.u.s->len; i++)
            if ((unsigned char)v.u.s->data[i] > 0x7f) return true;
        return false;
    case IV_LIST:
        for (int64_t i = 0; i < v.u.l->len; i++)
            if (non_ascii(v.u.l->items[i])) return true;
        return false;
    case IV_TUPLE:
        for (int64_t i = 0; i < v.u.tup->len; i++)
            if (non_ascii(v.u.tup->items[i])) return true;
        return false;
    case IV_DICT:
        for (int64_t i = 0; i < v.u.dict->len; i++)
            if (non_ascii(v.u.dict->entries[i].key) || non_ascii(v.u.dict->entries[i].value)) return true;
        return false;
    default: return false;
    }
}

static int constant_index(Pr *p, IValue v) {
    CodeFiles *cf = p->fs->consts;
    if (!cf) {
        if (p->st == TS_OK)
            p->st = ts_fail(p->ctx, TS_ERR_UNSUPPORTED, NULL, "code printer: a tensor constant needs a constants table");
        return 0;
    }
    for (int i = 0; i < cf->constants.len; i++) {
        IValue c = cf->constants.data[i];
        if (c.kind == v.kind && iv_is_heap(v) && c.u.h == v.u.h) return i;
    }
    vec_push(&cf->constants, iv_dup(v));
    return cf->constants.len - 1;
}

static void put_float(StrBuf *sb, double d) {
    if (isnan(d)) {
        sb_puts(sb, "nan");
        return;
    }
    if (isinf(d)) {
        sb_puts(sb, d < 0 ? "-inf" : "inf");
        return;
    }
    if (fabs(d) < 1e10 && d == (double)(int64_t)d) {
        int64_t i = (int64_t)d;
        if (i == 0 && signbit(d)) sb_puts(sb, "-0.");
        else sb_printf(sb, "%lld.", (long long)i);
        return;
    }
    sb_printf(sb, "%.17g", d);
}

static void put_quoted(StrBuf *sb, const char *s, size_t n) {
    sb_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\\': sb_puts(sb, "\\\\"); break;
        case '\'': sb_puts(sb, "\\'"); break;
        case '"': sb_puts(sb, "\\\""); break;
        case '\a': sb_puts(sb, "\\a"); break;
        case '\b': sb_puts(sb, "\\b"); break;
        case '\f': sb_puts(sb, "\\f"); break;
        case '\n': sb_puts(sb, "\\n"); break;
        case '\r': sb_puts(sb, "\\r"); break;
        case '\t': sb_puts(sb, "\\t"); break;
        case '\v': sb_puts(sb, "\\v"); break;
        default:
            if (c >= 0x20 && c < 0x7f) sb_putc(sb, (char)c);
            else sb_printf(sb, "\\%03o", c);
        }
    }
    sb_putc(sb, '"');
}

/* Can a list's element type be told from its members (else it is annotated)? */
static bool inferable(const Type *t) {
    return !(t->kind == TK_UNION || t->kind == TK_OPTIONAL || t->kind == TK_NUMBER || t->kind == TK_ANY ||
             (t->kind == TK_CLASS && t->cls && (t->cls->kind == CK_INTERFACE || t->cls->kind == CK_MODULE_INTERFACE)));
}

static void put_literal(Pr *p, StrBuf *sb, IValue v);

static void put_literal_list(Pr *p, StrBuf *sb, const IValue *items, int64_t n) {
    sb_putc(sb, '[');
    for (int64_t i = 0; i < n; i++) {
        if (i) sb_puts(sb, ", ");
        put_literal(p, sb, items[i]);
    }
    sb_putc(sb, ']');
}

static void put_literal(Pr *p, StrBuf *sb, IValue v) {
    if (v.kind == IV_TENSOR || v.kind == IV_OBJECT || non_ascii(v)) {
        sb_printf(sb, "CONSTANTS.c%d", constant_index(p, v));
        return;
    }
    switch (v.kind) {
    case IV_NONE: sb_puts(sb, "None"); return;
    case IV_BOOL: sb_puts(sb, v.u.b ? "True" : "False"); return;
    case IV_INT: sb_printf(sb, "%lld", (long long)v.u.i); return;
    case IV_DOUBLE: put_float(sb, v.u.d); return;
    case IV_STR: put_quoted(sb, v.u.s->data, v.u.s->len); return;
    case IV_DEVICE:
        sb_puts(sb, "torch.device(\"");
        iv_str_of(sb, v);
        sb_puts(sb, "\")");
        return;
    case IV_LIST: {
        ListObj *l = v.u.l;
        bool annot = l->len == 0 || !inferable(l->elem);
        if (annot) {
            sb_puts(sb, "annotate(");
            ty_annotation_str(sb, ty_list(l->elem));
            sb_puts(sb, ", ");
        }
        put_literal_list(p, sb, l->items, l->len);
        if (annot) sb_putc(sb, ')');
        return;
    }
    case IV_TUPLE: {
        TupleObj *t = v.u.tup;
        if (t->type && t->type->kind == TK_CLASS) ty_annotation_str(sb, t->type);
        sb_putc(sb, '(');
        for (int64_t i = 0; i < t->len; i++) {
            if (i) sb_puts(sb, ", ");
            put_literal(p, sb, t->items[i]);
        }
        sb_puts(sb, t->len == 1 ? ",)" : ")");
        return;
    }
    case IV_DICT: {
        DictObj *d = v.u.dict;
        bool annot = d->len == 0 || !inferable(d->key_type) || !inferable(d->value_type);
        if (annot) {
            sb_puts(sb, "annotate(");
            ty_annotation_str(sb, ty_dict(d->key_type, d->value_type));
            sb_puts(sb, ", ");
        }
        sb_putc(sb, '{');
        for (int64_t i = 0; i < d->len; i++) {
            if (i) sb_puts(sb, ", ");
            put_literal(p, sb, d->entries[i].key);
            sb_puts(sb, ": ");
            put_literal(p, sb, d->entries[i].value);
        }
        sb_putc(sb, '}');
        if (annot) sb_putc(sb, ')');
        return;
    }
    case IV_ENUM: sb_printf(sb, "%s.%s", v.u.en->cls->qualname, v.u.en->name->data); return;
    default: iv_repr(sb, v); return;
    }
}

/* The text of a constant value (a constant node or an enum member). */
static char *const_text(Pr *p, Value *v) {
    StrBuf sb;
    sb_init(&sb);
    Node *n = v->node;
    if (n->kind == NK_ENUM_MEMBER) sb_printf(&sb, "%s.%s", n->tattr->cls->qualname, n->tattr->cls->consts.data[n->index].name);
    else put_literal(p, &sb, n->cval);
    char *r = arena_strdup(&p->arena, sb_cstr(&sb));
    sb_free(&sb);
    return r;
}

static char *fn_const_text(Pr *p, const Node *n) {
    const Function *f = n->callee;
    return arena_strdup(&p->arena, f ? f->qualname : "__torch__.unknown");
}

/* ---- uses ---- */

static Value *in_at(Pr *p, const Node *n, int i) { return res(p, n->inputs.data[i]); }

static void mark_aliases(Pr *p, Block *b) {
    for (Node *n = b->param->next; n != b->ret; n = n->next) {
        for (int k = 0; k < n->nblocks; k++) mark_aliases(p, n->blocks[k]);
        if (n->kind == NK_UNCHECKED_CAST && n->inputs.len == 1 && n->outputs.len == 1) {
            Value *in = n->inputs.data[0], *out = n->outputs.data[0];
            if (in->type != out->type && ty_subtype(in->type, out->type)) {
                p->vi[out->id].alias = in;
                ni(p, n)->elided = true;
            }
        } else if (n->kind == NK_ENUM_NAME && n->index == 1 && n->inputs.len == 1) {
            /* e1 == e2 compares the enums themselves in PyTorch's graph (aten::eq.enum) */
            p->vi[n->outputs.data[0]->id].alias = n->inputs.data[0];
            ni(p, n)->elided = true;
        } else if (n->kind == NK_TUPLE_INDEX && n->inputs.len == 1 && n->inputs.data[0]->node->kind == NK_TUPLE_CONSTRUCT &&
                   n->index >= 0 && n->index < n->inputs.data[0]->node->inputs.len) {
            /* (a, b)[1] is b, as PyTorch's tuple lowering makes it (the index's name goes) */
            p->vi[n->outputs.data[0]->id].alias = n->inputs.data[0]->node->inputs.data[n->index];
            ni(p, n)->elided = true;
        } else if (n->kind == NK_TUPLE_UNPACK && n->inputs.len == 1) {
            Node *c = n->inputs.data[0]->node;
            if (c->kind == NK_TUPLE_CONSTRUCT && c->inputs.len == n->outputs.len) {
                for (int i = 0; i < n->outputs.len; i++) {
                    Value *src = c->inputs.data[i], *o = n->outputs.data[i];
                    p->vi[o->id].alias = src;
                }
                ni(p, n)->elided = true;
            }
        }
    }
}

/* Is input i of n one that PyTorch's dead code elimination removed (it
 * feeds an If or Loop output nothing uses)? */
static bool dead_input(Pr *p, const Node *n, int i) {
    const Node *owner = n->kind == NK_RETURN ? n->owner->owner : NULL;
    if (owner && owner->kind == NK_IF) return i < owner->outputs.len && p->vi[owner->outputs.data[i]->id].dead;
    if (owner && owner->kind == NK_LOOP) return i >= 1 && p->vi[owner->outputs.data[i - 1]->id].dead;
    if (n->kind == NK_LOOP) return i >= 2 && p->vi[n->outputs.data[i - 2]->id].dead;
    return false;
}

static void count_uses_in(Pr *p, Block *b, bool constructs_only) {
    for (Node *n = b->param->next;; n = n->next) {
        if (n != b->ret) {
            for (int k = 0; k < n->nblocks; k++) count_uses_in(p, n->blocks[k], constructs_only);
            if (ni(p, n)->elided) continue;
        }
        for (int i = 0; i < n->inputs.len; i++) {
            Value *v = in_at(p, n, i);
            if (dead_input(p, n, i)) continue;
            if (constructs_only && v->node->kind != NK_TUPLE_CONSTRUCT) continue;
            VInfo *x = &p->vi[v->id];
            x->uses++;
            x->user = n;
            x->offset = i;
        }
        if (n == b->ret) break;
    }
}

static void elide_unused_constructs(Pr *p, Block *b) {
    for (Node *n = b->param->next; n != b->ret; n = n->next) {
        for (int k = 0; k < n->nblocks; k++) elide_unused_constructs(p, n->blocks[k]);
        if (n->kind == NK_TUPLE_CONSTRUCT && !ni(p, n)->elided && p->vi[n->outputs.data[0]->id].uses == 0) {
            ni(p, n)->elided = true; /* used only by unpacks that were elided */
        }
    }
}

/* If outputs nothing uses, and placeholders nothing uses: PyTorch's dead
 * code elimination removed them before printing. True when it found some. */
static bool mark_dead(Pr *p, Block *b) {
    bool found = false;
    for (Node *n = b->param->next; n != b->ret; n = n->next) {
        for (int k = 0; k < n->nblocks; k++) found |= mark_dead(p, n->blocks[k]);
        if (n->kind == NK_IF)
            for (int i = 0; i < n->outputs.len; i++) {
                VInfo *x = &p->vi[n->outputs.data[i]->id];
                if (!x->dead && x->uses == 0) x->dead = found = true;
            }
        if (n->kind == NK_LOOP)
            for (int i = 0; i < n->outputs.len; i++) {
                VInfo *x = &p->vi[n->outputs.data[i]->id], *bx = &p->vi[n->blocks[0]->param->outputs.data[1 + i]->id];
                if (!x->dead && x->uses == 0 && bx->uses == 0) x->dead = bx->dead = found = true;
            }
        if (n->kind == NK_UNINITIALIZED && !ni(p, n)->elided && p->vi[n->outputs.data[0]->id].uses == 0)
            ni(p, n)->elided = found = true;
    }
    return found;
}

/* ---- the inlining scan ---- */

static bool skipped(Pr *p, const Node *n) { return is_const_node(n) || (n->kind != NK_PARAM && ni(p, n)->elided); }

static Node *prev_printed(Pr *p, Node *n) {
    do {
        n = n->prev;
    } while (n && n->kind != NK_PARAM && skipped(p, n));
    return n;
}

static bool can_inline(Pr *p, Value *v) {
    Node *n = v->node;
    if (n->kind == NK_PARAM || n->outputs.len != 1) return false;
    VInfo *x = &p->vi[v->id];
    if (x->uses != 1) return false;
    if (dbg_name(p, v) && x->user->kind != NK_RETURN) return false;
    if (n->nblocks) return false;
    if (x->user->kind == NK_LOOP && x->offset >= 2) return false;
    if (n->kind == NK_ISINSTANCE || n->kind == NK_FAIL) return false;
    return true;
}

static Node *scan_node(Pr *p, Node *n);

static Node *scan_value(Pr *p, Node *bp, Value *v) {
    Node *n = v->node;
    if (n == bp && p->scan_depth < MAX_INLINE_DEPTH && can_inline(p, v)) {
        p->scan_depth++;
        bp = scan_node(p, bp);
        p->scan_depth--;
        ni(p, n)->inl = true;
    } else if (is_const_node(n)) {
        ni(p, n)->inl = true;
    }
    return bp;
}

static void scan_block(Pr *p, Block *b);

static Node *scan_node(Pr *p, Node *n) {
    if (n->kind != NK_RETURN && ni(p, n)->inl) return n;
    for (int k = 0; k < n->nblocks; k++) scan_block(p, n->blocks[k]);
    Node *bp = prev_printed(p, n);
    for (int i = n->inputs.len - 1; i >= 0; i--)
        if (!dead_input(p, n, i)) bp = scan_value(p, bp, in_at(p, n, i));
    return bp;
}

static void scan_block(Pr *p, Block *b) {
    scan_node(p, b->ret);
    for (Node *n = b->ret->prev; n && n != b->param; n = n->prev)
        if (!skipped(p, n)) scan_node(p, n);
}

/* ---- expressions ---- */

static void indent(Pr *p) {
    for (int i = 0; i < p->level; i++) sb_puts(p->body, "  ");
}

static bool is_long(Pr *p, const char *s) { return strlen(s) + (size_t)p->level * 2 >= LONG_LINE; }

/* How value v is written at a use. */
static const char *use_of(Pr *p, Value *v) {
    v = res(p, v);
    VInfo *x = &p->vi[v->id];
    if (x->ident) return x->ident;
    if (x->expr) return x->expr;
    if (is_const_node(v->node)) {
        char *t = const_text(p, v);
        const char *h = strmap_get(&p->hoisted, t);
        return h ? h : t;
    }
    if (p->st == TS_OK)
        p->st = ts_fail(p->ctx, TS_ERR_UNSUPPORTED, NULL, "code printer: value %%%d is used before it is printed", v->id);
    return "_";
}

static void put_values(Pr *p, StrBuf *sb, const ValueList *l, int from) {
    for (int i = from; i < l->len; i++) {
        if (i > from) sb_puts(sb, ", ");
        sb_puts(sb, use_of(p, l->data[i]));
    }
}

static bool const_value(Pr *p, Value *v, IValue *out) {
    v = res(p, v);
    if (v->node->kind != NK_CONSTANT) return false;
    *out = v->node->cval;
    return true;
}

static bool iv_same(IValue a, IValue b) {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
    case IV_NONE: return true;
    case IV_BOOL: return a.u.b == b.u.b;
    case IV_INT: return a.u.i == b.u.i;
    case IV_DOUBLE: return a.u.d == b.u.d;
    case IV_STR: return a.u.s->len == b.u.s->len && memcmp(a.u.s->data, b.u.s->data, a.u.s->len) == 0;
    case IV_DEVICE: return iv_equal(a, b);
    case IV_LIST:
        if (a.u.l->len != b.u.l->len) return false;
        for (int64_t i = 0; i < a.u.l->len; i++)
            if (!iv_same(a.u.l->items[i], b.u.l->items[i])) return false;
        return true;
    case IV_TUPLE:
        if (a.u.tup->len != b.u.tup->len) return false;
        for (int64_t i = 0; i < a.u.tup->len; i++)
            if (!iv_same(a.u.tup->items[i], b.u.tup->items[i])) return false;
        return true;
    default: return false;
    }
}

static void put_op_name(StrBuf *sb, const char *name) {
    if (strcmp(name, "aten::backward") == 0) { sb_puts(sb, "torch.autograd.backward"); return; }
    if (strcmp(name, "aten::grad") == 0) { sb_puts(sb, "torch.autograd.grad"); return; }
    const char *sep = strstr(name, "::");
    if (!sep) {
        sb_puts(sb, name);
        return;
    }
    if (strncmp(name, "aten::", 6) == 0) sb_printf(sb, "torch.%s", sep + 2);
    else sb_printf(sb, "ops.%.*s.%s", (int)(sep - name), name, sep + 2);
}

static void put_op_call(Pr *p, StrBuf *sb, const Node *n) {
    const OpSchema *s = n->op;
    put_op_name(sb, s->name);
    sb_putc(sb, '(');
    int nin = n->inputs.len, need = nin;
    if (s->nargs >= nin) {
        need = 0;
        for (int k = nin - 1; k >= 0; k--) {
            const OpArg *a = &s->args[k];
            IValue cv;
            if (!a->has_default || !const_value(p, n->inputs.data[k], &cv) || !iv_same(cv, a->default_value)) {
                need = k + 1;
                break;
            }
        }
    }
    for (int i = 0; i < need; i++) {
        if (i) sb_puts(sb, ", ");
        if (i < s->nargs && s->args[i].kwarg_only) sb_printf(sb, "%s=", s->args[i].name);
        sb_puts(sb, use_of(p, n->inputs.data[i]));
    }
    sb_putc(sb, ')');
}

static void put_type(StrBuf *sb, const Type *t) { ty_annotation_str(sb, t); }

static void put_rhs(Pr *p, StrBuf *sb, const Node *n) {
    switch (n->kind) {
    case NK_OP: {
        const char *nm = n->op->name;
        if (strcmp(nm, "aten::ScalarImplicit") == 0 || strcmp(nm, "aten::FloatImplicit") == 0 ||
            strcmp(nm, "aten::IntImplicit") == 0) {
            sb_puts(sb, "annotate(");
            put_type(sb, n->outputs.data[0]->type);
            sb_printf(sb, ", %s)", use_of(p, n->inputs.data[0]));
            return;
        }
        static const struct { const char *op, *py; } fns[] = {
            {"aten::Int", "int"}, {"aten::Float", "float"}, {"aten::Bool", "bool"}, {"aten::str", "str"},
            {"prim::Print", "print"}, {"aten::sorted", "sorted"},
        };
        for (size_t i = 0; i < TS_ARRAY_LEN(fns); i++)
            if (strcmp(nm, fns[i].op) == 0) {
                sb_printf(sb, "%s(", fns[i].py);
                put_values(p, sb, &n->inputs, 0);
                sb_putc(sb, ')');
                return;
            }
        if (strcmp(nm, "aten::__getitem__") == 0 && n->inputs.len == 2) {
            const char *base = use_of(p, n->inputs.data[0]);
            if (valid_ident(base)) sb_puts(sb, base);
            else sb_printf(sb, "(%s)", base);
            sb_printf(sb, "[%s]", use_of(p, n->inputs.data[1]));
            return;
        }
        if (strcmp(nm, "prim::tolist") == 0) {
            sb_puts(sb, "annotate(");
            put_type(sb, n->outputs.data[0]->type);
            sb_printf(sb, ", %s.tolist())", use_of(p, n->inputs.data[0]));
            return;
        }
        if (strcmp(nm, "aten::_unwrap_optional") == 0 && n->inputs.len == 1) {
            Value *in = res(p, n->inputs.data[0]);
            sb_puts(sb, "torch._unwrap_optional(");
            if (in->type->kind == TK_NONE) {
                sb_puts(sb, "annotate(");
                put_type(sb, ty_optional(n->outputs.data[0]->type));
                sb_printf(sb, ", %s)", use_of(p, in));
            } else {
                sb_puts(sb, use_of(p, in));
            }
            sb_putc(sb, ')');
            return;
        }
        put_op_call(p, sb, n);
        return;
    }
    case NK_UNRESOLVED:
        put_op_name(sb, n->name);
        sb_putc(sb, '(');
        put_values(p, sb, &n->inputs, 0);
        sb_putc(sb, ')');
        return;
    case NK_GETATTR: {
        const char *obj = use_of(p, n->inputs.data[0]);
        if (valid_ident(n->name)) {
            sb_printf(sb, "%s.%s", obj, n->name);
        } else {
            sb_printf(sb, "getattr(%s, ", obj);
            put_quoted(sb, n->name, strlen(n->name));
            sb_putc(sb, ')');
        }
        return;
    }
    case NK_CALL_METHOD:
        sb_printf(sb, "(%s).%s(", use_of(p, n->inputs.data[0]), n->name);
        for (int i = 1; i < n->inputs.len; i++) sb_printf(sb, "%s, ", use_of(p, n->inputs.data[i]));
        sb_putc(sb, ')');
        return;
    case NK_CALL_FUNCTION: {
        char *t = fn_const_text(p, n);
        const char *h = strmap_get(&p->hoisted, t);
        sb_printf(sb, "%s(", h ? h : t);
        for (int i = 0; i < n->inputs.len; i++) sb_printf(sb, "%s, ", use_of(p, n->inputs.data[i]));
        sb_putc(sb, ')');
        return;
    }
    case NK_LIST_CONSTRUCT: {
        Type *lt = n->outputs.data[0]->type;
        bool annot = n->inputs.len == 0 || !inferable(lt->elems[0]);
        if (annot) {
            sb_puts(sb, "annotate(");
            put_type(sb, lt);
            sb_puts(sb, ", ");
        }
        sb_putc(sb, '[');
        put_values(p, sb, &n->inputs, 0);
        sb_putc(sb, ']');
        if (annot) sb_putc(sb, ')');
        return;
    }
    case NK_DICT_CONSTRUCT: {
        Type *dt = n->outputs.data[0]->type;
        bool annot = n->inputs.len == 0 || !inferable(dt->elems[0]) || !inferable(dt->elems[1]);
        if (annot) {
            sb_puts(sb, "annotate(");
            put_type(sb, dt);
            sb_puts(sb, ", ");
        }
        sb_putc(sb, '{');
        for (int i = 0; i + 1 < n->inputs.len; i += 2) {
            if (i) sb_puts(sb, ", ");
            sb_printf(sb, "%s: ", use_of(p, n->inputs.data[i]));
            sb_puts(sb, use_of(p, n->inputs.data[i + 1]));
        }
        sb_putc(sb, '}');
        if (annot) sb_putc(sb, ')');
        return;
    }
    case NK_TUPLE_CONSTRUCT: {
        Type *tt = n->outputs.data[0]->type;
        if (tt->kind == TK_CLASS) put_type(sb, tt);
        sb_putc(sb, '(');
        put_values(p, sb, &n->inputs, 0);
        sb_puts(sb, n->inputs.len == 1 ? ",)" : ")");
        return;
    }
    case NK_TUPLE_INDEX: sb_printf(sb, "(%s)[%d]", use_of(p, n->inputs.data[0]), n->index); return;
    case NK_UNCHECKED_CAST:
        sb_puts(sb, "unchecked_cast(");
        put_type(sb, n->outputs.data[0]->type);
        sb_printf(sb, ", %s)", use_of(p, n->inputs.data[0]));
        return;
    case NK_UNINITIALIZED:
        sb_puts(sb, "uninitialized(");
        put_type(sb, n->outputs.data[0]->type);
        sb_putc(sb, ')');
        return;
    case NK_CREATE_OBJECT: {
        const char *q = n->outputs.data[0]->type->cls->qualname;
        sb_printf(sb, "%s.__new__(%s)", q, q);
        return;
    }
    case NK_ISINSTANCE: {
        sb_printf(sb, "isinstance(%s, ", use_of(p, n->inputs.data[0]));
        const Type *t = n->tattr;
        if (t->kind == TK_UNION) {
            sb_putc(sb, '(');
            for (int i = 0; i < t->n; i++) {
                if (i) sb_puts(sb, ", ");
                put_type(sb, t->elems[i]);
            }
            sb_putc(sb, ')');
        } else {
            put_type(sb, t);
        }
        sb_putc(sb, ')');
        return;
    }
    case NK_ENUM_NAME: sb_printf(sb, "(%s).name", use_of(p, n->inputs.data[0])); return;
    case NK_ENUM_VALUE: sb_printf(sb, "(%s).value", use_of(p, n->inputs.data[0])); return;
    case NK_FAIL:
        sb_puts(sb, "ops.prim.Unsupported(");
        put_quoted(sb, n->text ? n->text : "", n->text ? strlen(n->text) : 0);
        sb_putc(sb, ')');
        return;
    default:
        sb_printf(sb, "ops.prim.%s(", nodekind_symbol(n->kind) + 6);
        put_values(p, sb, &n->inputs, 0);
        sb_putc(sb, ')');
        return;
    }
}

/* ---- statements ---- */

static void print_output_def(Pr *p, Node *n, const char *rhs) {
    for (int i = 0; i < n->outputs.len; i++) assign_unique(p, n->outputs.data[i]);
    indent(p);
    if (n->outputs.len) {
        put_values(p, p->body, &n->outputs, 0);
        sb_puts(p->body, " = ");
    }
    sb_puts(p->body, rhs);
    sb_putc(p->body, '\n');
}

static bool non_const_inline(Pr *p, Value *v) {
    v = res(p, v);
    return !is_const_node(v->node) && v->node->kind != NK_PARAM && ni(p, v->node)->inl;
}

typedef VEC(Value *) ValVec;

static void scan_long(Pr *p, Node *user, int offset, ValVec *out) {
    NInfo *u = ni(p, user);
    bool present = u->split_seen;
    int lo = present ? u->split_upto + 1 : 0;
    for (int i = offset; i >= lo; i--) {
        if (dead_input(p, user, i)) continue;
        Value *a = in_at(p, user, i);
        if (non_const_inline(p, a)) vec_push(out, a);
    }
    u->split_seen = true;
    u->split_upto = offset;
    if (!present && user->kind != NK_RETURN && user->outputs.len == 1 && u->inl) {
        VInfo *x = &p->vi[user->outputs.data[0]->id];
        if (x->user) scan_long(p, x->user, x->offset - 1, out);
    }
}

static void split_long(Pr *p, Value *v) {
    VInfo *x = &p->vi[v->id];
    if (!x->user) return;
    ValVec todo = {0};
    scan_long(p, x->user, x->offset, &todo);
    for (int i = todo.len - 1; i >= 0; i--) {
        Value *w = todo.data[i];
        if (p->vi[w->id].ident) continue; /* split already */
        const char *e = use_of(p, w);
        char *keep = arena_strdup(&p->arena, e);
        print_output_def(p, w->node, keep);
    }
    vec_free(&todo);
}

static void print_block(Pr *p, Block *b, bool has_other);

static bool is_union(const Type *t) { return t->kind == TK_OPTIONAL || t->kind == TK_UNION; }

/* lhs = rhs for the live entries; a single Optional/Union target carries
 * its type the first time it is assigned. */
static void print_assignment(Pr *p, const ValueList *lhs, int lfrom, const ValueList *rhs, int rfrom) {
    int live = 0;
    Value *only = NULL;
    for (int i = lfrom; i < lhs->len; i++)
        if (!p->vi[lhs->data[i]->id].dead) live++, only = lhs->data[i];
    if (live == 0) return;
    indent(p);
    bool first = true;
    for (int i = lfrom; i < lhs->len; i++) {
        if (p->vi[lhs->data[i]->id].dead) continue;
        if (!first) sb_puts(p->body, ", ");
        first = false;
        sb_puts(p->body, use_of(p, lhs->data[i]));
    }
    if (live == 1) {
        VInfo *x = &p->vi[only->id];
        if (!x->annotated && !x->named_as_alias && is_union(only->type)) {
            sb_puts(p->body, " : ");
            put_type(p->body, only->type);
            x->annotated = true;
        }
    }
    sb_puts(p->body, " = ");
    first = true;
    for (int i = lfrom; i < lhs->len; i++) {
        if (p->vi[lhs->data[i]->id].dead) continue;
        if (!first) sb_puts(p->body, ", ");
        first = false;
        sb_puts(p->body, use_of(p, rhs->data[rfrom + (i - lfrom)]));
    }
    sb_putc(p->body, '\n');
}

static void print_if(Pr *p, Node *n) {
    for (int i = 0; i < n->outputs.len; i++)
        if (!p->vi[n->outputs.data[i]->id].dead) assign_unique(p, n->outputs.data[i]);
    indent(p);
    sb_printf(p->body, "if %s:\n", use_of(p, n->inputs.data[0]));
    for (int k = 0; k < 2 && k < n->nblocks; k++) {
        if (k == 1) {
            indent(p);
            sb_puts(p->body, "else:\n");
        }
        p->level++;
        int live = 0;
        for (int i = 0; i < n->outputs.len; i++) live += !p->vi[n->outputs.data[i]->id].dead;
        print_block(p, n->blocks[k], live > 0);
        print_assignment(p, &n->outputs, 0, &n->blocks[k]->ret->inputs, 0);
        p->level--;
    }
}

static bool const_bool_true(Pr *p, Value *v) {
    IValue c;
    return const_value(p, v, &c) && c.kind == IV_BOOL && c.u.b;
}

static void print_loop(Pr *p, Node *n) {
    Block *body = n->blocks[0];
    Value *trip = n->inputs.data[0], *cond = n->inputs.data[1];
    Value *iter = body->param->outputs.data[0];
    Value *next_cond = body->ret->inputs.data[0];
    IValue tc;
    bool trip_given = !const_value(p, trip, &tc) || tc.kind != IV_INT || tc.u.i != INT64_MAX || p->vi[iter->id].uses > 0;
    bool always = const_bool_true(p, cond) && const_bool_true(p, next_cond);
    bool as_for = always && trip_given;
    /* counted and conditional (tscript's `for` with a `break`): PyTorch's
     * emitter makes that a while loop with its own counter; so does this */
    bool counted_while = !always && trip_given;
    for (int i = 0; i < n->outputs.len; i++)
        if (!p->vi[n->outputs.data[i]->id].dead) assign_unique(p, n->outputs.data[i]);
    for (int i = 0; i < n->outputs.len; i++) {
        if (p->vi[n->outputs.data[i]->id].dead) continue;
        VInfo *x = &p->vi[body->param->outputs.data[1 + i]->id];
        x->ident = p->vi[n->outputs.data[i]->id].ident;
        x->named_as_alias = true;
    }
    /* initial values of the carried outputs, annotated where the types differ */
    for (int i = 0; i < n->outputs.len; i++) {
        Value *o = n->outputs.data[i], *in = res(p, n->inputs.data[2 + i]);
        if (p->vi[o->id].dead) continue;
        indent(p);
        sb_puts(p->body, use_of(p, o));
        VInfo *ox = &p->vi[o->id];
        bool annot = is_union(o->type) ? !ox->annotated : o->type != in->type;
        if (is_union(o->type)) ox->annotated = true;
        if (annot) {
            sb_puts(p->body, ": ");
            put_type(p->body, o->type);
        }
        sb_printf(p->body, " = %s\n", use_of(p, in));
    }
    assign_unique(p, iter);
    const char *trip_name = NULL, *cond_name = NULL;
    if (as_for) {
        indent(p);
        sb_printf(p->body, "for %s in range(%s):\n", use_of(p, iter), use_of(p, trip));
    } else if (counted_while) {
        trip_name = gen_name(p, "_");
        indent(p);
        sb_printf(p->body, "%s = %s\n", trip_name, use_of(p, trip));
        indent(p);
        sb_printf(p->body, "%s = 0\n", use_of(p, iter));
        cond_name = gen_name(p, "_");
        indent(p);
        sb_printf(p->body, "%s = torch.__and__(torch.lt(%s, %s), %s)\n", cond_name, use_of(p, iter), trip_name,
                  use_of(p, cond));
        indent(p);
        sb_printf(p->body, "while %s:\n", cond_name);
    } else {
        indent(p);
        sb_printf(p->body, "%s = %s\n", use_of(p, iter), use_of(p, cond));
        indent(p);
        sb_printf(p->body, "while %s:\n", use_of(p, iter));
    }
    p->level++;
    int off = as_for ? 1 : 0, live = 0;
    for (int i = off; i < body->param->outputs.len; i++) live += !p->vi[body->param->outputs.data[i]->id].dead;
    if (counted_while) {
        print_block(p, body, true);
        const char *next = gen_name(p, "_");
        indent(p);
        sb_printf(p->body, "%s = torch.add(%s, 1)\n", next, use_of(p, iter));
        indent(p);
        sb_puts(p->body, cond_name);
        for (int i = 1; i < body->param->outputs.len; i++)
            if (!p->vi[body->param->outputs.data[i]->id].dead) sb_printf(p->body, ", %s", use_of(p, body->param->outputs.data[i]));
        sb_printf(p->body, ", %s = torch.__and__(torch.lt(%s, %s), %s)", use_of(p, iter), next, trip_name,
                  use_of(p, next_cond));
        for (int i = 1; i < body->param->outputs.len; i++)
            if (!p->vi[body->param->outputs.data[i]->id].dead) sb_printf(p->body, ", %s", use_of(p, body->ret->inputs.data[i]));
        sb_printf(p->body, ", %s\n", next);
    } else {
        print_block(p, body, live > 0);
        print_assignment(p, &body->param->outputs, off, &body->ret->inputs, off);
    }
    p->level--;
}

static void print_node(Pr *p, Node *n) {
    if (skipped(p, n)) return;
    switch (n->kind) {
    case NK_IF: print_if(p, n); return;
    case NK_LOOP: print_loop(p, n); return;
    case NK_TUPLE_UNPACK:
    case NK_LIST_UNPACK: {
        /* an op tscript lacks, unpacked where it is called: PyTorch's node has
         * one output per name (`v, i = torch.topk(x, 2)`) */
        Value *src = res(p, n->inputs.data[0]);
        bool multi = src->node->kind == NK_UNRESOLVED && ni(p, src->node)->inl && !p->vi[src->id].ident;
        for (int i = 0; i < n->outputs.len; i++) assign_unique(p, n->outputs.data[i]);
        indent(p);
        if (n->outputs.len) {
            put_values(p, p->body, &n->outputs, 0);
            sb_puts(p->body, multi ? " = " : ", = ");
        }
        sb_printf(p->body, "%s\n", use_of(p, n->inputs.data[0]));
        return;
    }
    case NK_SETATTR:
        indent(p);
        sb_printf(p->body, "%s.%s = ", use_of(p, n->inputs.data[0]), n->name);
        sb_printf(p->body, "%s\n", use_of(p, n->inputs.data[1]));
        return;
    case NK_FAIL:
        if (!(p->fs->flags & CODE_PRINT_LENIENT)) {
            if (p->st == TS_OK)
                p->st = ts_fail(p->ctx, TS_ERR_UNSUPPORTED, &n->span, "cannot print this code: it did not compile (%s)",
                                n->text ? n->text : "");
            return;
        }
        break;
    default: break;
    }
    StrBuf sb;
    sb_init(&sb);
    put_rhs(p, &sb, n);
    char *rhs = arena_strdup(&p->arena, sb_cstr(&sb));
    sb_free(&sb);
    if (n->kind == NK_UNRESOLVED && n->stmt_call && n->outputs.len == 1 && p->vi[n->outputs.data[0]->id].uses == 0) {
        /* an op tscript lacks, called as a statement: PyTorch wrote no target (the op returns nothing) */
        indent(p);
        sb_printf(p->body, "%s\n", rhs);
    } else if (!ni(p, n)->inl) {
        print_output_def(p, n, rhs);
    } else {
        p->vi[n->outputs.data[0]->id].expr = rhs;
        if (is_long(p, rhs)) split_long(p, n->outputs.data[0]);
    }
}

static bool block_empty(Pr *p, Block *b) {
    for (Node *n = b->param->next; n != b->ret; n = n->next)
        if (!skipped(p, n)) return false;
    return true;
}

static void print_block(Pr *p, Block *b, bool has_other) {
    if (!has_other && block_empty(p, b)) {
        indent(p);
        sb_puts(p->body, "pass\n");
    }
    for (Node *n = b->param->next; n != b->ret; n = n->next) print_node(p, n);
}

/* Constants in order of first use: text, in a list without repeats. */
typedef struct ConstUse {
    char *text;
    Value *first; /* the first constant with this text (its debug name names a hoisted copy) */
} ConstUse;
typedef VEC(ConstUse) TextVec;

static void add_const(Pr *p, StrMap *seen, TextVec *out, char *t, Value *v) {
    (void)p;
    if (strmap_get(seen, t)) return;
    strmap_put(seen, t, (void *)1);
    ConstUse c = {t, v};
    vec_push(out, c);
}

static void const_list(Pr *p, Block *b, StrMap *seen, TextVec *out) {
    for (Node *n = b->param->next;; n = n->next) {
        if (n == b->ret || !skipped(p, n)) {
            if (n->kind == NK_CALL_FUNCTION) add_const(p, seen, out, fn_const_text(p, n), NULL);
            for (int i = 0; i < n->inputs.len; i++) {
                Value *v = in_at(p, n, i);
                if (is_const_node(v->node)) add_const(p, seen, out, const_text(p, v), v);
            }
            if (n != b->ret)
                for (int k = 0; k < n->nblocks; k++) const_list(p, n->blocks[k], seen, out);
        }
        if (n == b->ret) break;
    }
}

static void print_body(Pr *p, Block *b) {
    StrMap seen;
    strmap_init(&seen);
    TextVec consts = {0};
    const_list(p, b, &seen, &consts);
    strmap_free(&seen);
    scan_block(p, b);
    p->level++;
    for (int i = 0; i < consts.len; i++) {
        ConstUse *c = &consts.data[i];
        if (!is_long(p, c->text)) continue;
        char *name = c->first ? unique_name_for(p, c->first) : gen_name(p, "_");
        strmap_put(&p->hoisted, c->text, name);
        indent(p);
        sb_printf(p->body, "%s = %s\n", name, c->text);
    }
    vec_free(&consts);
    print_block(p, b, b->ret->inputs.len > 0);
    if (b->ret->inputs.len > 0) {
        indent(p);
        sb_puts(p->body, "return ");
        put_values(p, p->body, &b->ret->inputs, 0);
        sb_putc(p->body, '\n');
    }
    p->level--;
}

static void put_default(Pr *p, StrBuf *sb, const FnParam *a) {
    sb_putc(sb, '=');
    IValue v = a->default_value;
    if (a->type->kind == TK_LIST && (v.kind == IV_INT || v.kind == IV_DOUBLE || v.kind == IV_BOOL)) {
        /* a broadcasting list default: the scalar once per element (we keep no length: one) */
        sb_putc(sb, '[');
        put_literal(p, sb, v);
        sb_putc(sb, ']');
        return;
    }
    put_literal(p, sb, v);
}

static ts_status print_function(Ctx *ctx, FileState *fs, Function *fn, int level, StrBuf *out) {
    if (!fn->graph)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, &fn->span, "cannot print %s: it has not been compiled", fn->qualname);
    Pr p;
    memset(&p, 0, sizeof p);
    p.ctx = ctx;
    p.fs = fs;
    p.body = out;
    p.level = level;
    p.g = fn->graph;
    arena_init(&p.arena);
    strmap_init(&p.ninfo);
    strmap_init(&p.used);
    strmap_init(&p.hoisted);
    p.vi = ts_xmalloc(sizeof(VInfo) * (size_t)(fn->graph->next_id + 1));
    memset(p.vi, 0, sizeof(VInfo) * (size_t)(fn->graph->next_id + 1));
    Block *b = fn->graph->block;
    mark_aliases(&p, b);
    count_uses_in(&p, b, true);
    elide_unused_constructs(&p, b);
    for (int round = 0; round < 16; round++) {
        for (int i = 0; i <= fn->graph->next_id; i++) p.vi[i].uses = 0, p.vi[i].user = NULL;
        count_uses_in(&p, b, false);
        if (!mark_dead(&p, b)) break;
    }

    indent(&p);
    sb_printf(out, "def %s(", fn->name);
    const ValueList *ins = &b->param->outputs;
    for (int i = 0; i < fn->nparams && i < ins->len; i++) {
        const FnParam *a = &fn->params[i];
        char *name = gen_name(&p, a->name);
        if (i) sb_printf(out, ",\n    %s: ", name);
        else if ((p.fs->flags & CODE_PRINT_BARE_SELF) && fn->owner) {
            /* a method's `.code`: PyTorch leaves self's type out */
            sb_puts(out, name);
            assign_ident(&p, ins->data[i], name);
            continue;
        } else sb_printf(out, "%s: ", name);
        put_type(out, a->type);
        if (a->has_default) put_default(&p, out, a);
        assign_ident(&p, ins->data[i], name);
    }
    sb_puts(out, ") -> ");
    Type *rt = fn->ret_type ? fn->ret_type : b->ret->inputs.len ? b->ret->inputs.data[0]->type : ty_none();
    put_type(out, rt);
    sb_puts(out, ":\n");
    print_body(&p, b);

    ts_status st = p.st;
    ts_free(p.vi);
    strmap_free(&p.ninfo);
    strmap_free(&p.used);
    strmap_free(&p.hoisted);
    arena_free(&p.arena);
    return st;
}

/* ---- classes ---- */

static void print_interface(FileState *fs, ClassType *c, StrBuf *out) {
    (void)fs;
    sb_printf(out, "class %s(%s):\n", c->name, c->kind == CK_MODULE_INTERFACE ? "ModuleInterface" : "Interface");
    for (int k = 0; k < c->method_names.len; k++) {
        Function *fn = class_method(c, c->method_names.data[k]);
        if (!fn) continue;
        sb_printf(out, "  def %s(self", fn->name);
        for (int i = 1; i < fn->nparams; i++) {
            sb_printf(out, ", %s: ", fn->params[i].name);
            put_type(out, fn->params[i].type);
        }
        sb_puts(out, ") -> ");
        put_type(out, fn->ret_type ? fn->ret_type : ty_none());
        sb_puts(out, ":\n    pass\n");
    }
}

static ts_status print_class(Ctx *ctx, FileState *fs, ClassType *c, StrBuf *out) {
    if (c->kind == CK_INTERFACE || c->kind == CK_MODULE_INTERFACE) {
        print_interface(fs, c, out);
        return TS_OK;
    }
    Pr lit;
    memset(&lit, 0, sizeof lit);
    lit.ctx = ctx;
    lit.fs = fs;
    arena_init(&lit.arena);
    if (c->kind == CK_NAMEDTUPLE) {
        sb_printf(out, "class %s(NamedTuple):\n", c->name);
        for (int i = 0; i < c->attrs.len; i++) {
            sb_printf(out, "  %s : ", c->attrs.data[i].name);
            put_type(out, c->attrs.data[i].type);
            sb_putc(out, '\n');
        }
        arena_free(&lit.arena);
        return TS_OK;
    }
    if (c->kind == CK_ENUM) {
        sb_printf(out, "class %s(Enum):\n", c->name);
        for (int i = 0; i < c->consts.len; i++) {
            IValue v = c->consts.data[i].value;
            sb_printf(out, "  %s = ", c->consts.data[i].name);
            if (v.kind == IV_STR) sb_printf(out, "\"%s\"", v.u.s->data);
            else put_literal(&lit, out, v);
            sb_putc(out, '\n');
        }
        arena_free(&lit.arena);
        return TS_OK;
    }
    bool module = c->kind == CK_MODULE;
    sb_printf(out, "class %s%s:\n", c->name, module ? "(Module)" : "");
    if (module) {
        sb_puts(out, "  __parameters__ = [");
        for (int i = 0; i < c->attrs.len; i++)
            if (c->attrs.data[i].is_param) sb_printf(out, "\"%s\", ", c->attrs.data[i].name);
        sb_puts(out, "]\n  __buffers__ = [");
        for (int i = 0; i < c->attrs.len; i++)
            if (c->attrs.data[i].is_buffer) sb_printf(out, "\"%s\", ", c->attrs.data[i].name);
        sb_puts(out, "]\n");
    }
    for (int i = 0; i < c->attrs.len; i++) {
        const ClassAttr *a = &c->attrs.data[i];
        if (!valid_ident(a->name)) {
            if (i == 0) sb_puts(out, "  __annotations__ = []\n");
            sb_printf(out, "  __annotations__[\"%s\"] = ", a->name);
        } else {
            sb_printf(out, "  %s : ", a->name);
        }
        put_type(out, a->type);
        sb_putc(out, '\n');
    }
    for (int i = 0; i < c->consts.len; i++) {
        const ClassConst *k = &c->consts.data[i];
        sb_printf(out, "  %s : Final[", k->name);
        put_type(out, k->type);
        sb_puts(out, "] = ");
        put_literal(&lit, out, k->value);
        sb_putc(out, '\n');
    }
    ts_status st = lit.st;
    arena_free(&lit.arena);
    TS_TRY(st);
    for (int k = 0; k < c->method_names.len; k++) {
        Function *fn = class_method(c, c->method_names.data[k]);
        if (!fn) continue;
        TS_TRY(print_function(ctx, fs, fn, 1, out));
    }
    return TS_OK;
}

/* ---- files ---- */

void code_files_init(CodeFiles *cf) { memset(cf, 0, sizeof *cf); }

void code_files_free(CodeFiles *cf) {
    for (int i = 0; i < cf->files.len; i++) {
        ts_free(cf->files.data[i].qualifier);
        ts_free(cf->files.data[i].path);
        ts_free(cf->files.data[i].text);
    }
    vec_free(&cf->files);
    for (int i = 0; i < cf->constants.len; i++) iv_release(cf->constants.data[i]);
    vec_free(&cf->constants);
}

typedef struct Item {
    char *qual;
    ClassType *cls;
    Function *fn;
    Span span;
    int seq;
} Item;

static char *qualifier_of(const char *qualname) {
    const char *dot = strrchr(qualname, '.');
    return dot ? ts_strndup(qualname, (size_t)(dot - qualname)) : ts_strdup("");
}

ts_status code_print_function(Ctx *ctx, Function *fn, unsigned flags, CodeFiles *consts, StrBuf *out) {
    FileState fs;
    memset(&fs, 0, sizeof fs);
    strmap_init(&fs.next_id);
    fs.consts = consts;
    fs.flags = flags;
    ts_status st = print_function(ctx, &fs, fn, 0, out);
    strmap_free(&fs.next_id);
    return st;
}

ts_status code_print_unit(Ctx *ctx, Unit *u, CodeFiles *out) { return code_print_unit_ex(ctx, u, 0, out); }

ts_status code_print_unit_ex(Ctx *ctx, Unit *u, unsigned flags, CodeFiles *out) {
    TS_TRY(unit_emit_pending(ctx, u));
    for (int i = 0; i < u->deps.len; i++) TS_TRY(unit_emit_pending(ctx, u->deps.data[i]));
    if (out->constants.len == 0 && u->constants.kind == IV_TUPLE)
        for (int64_t i = 0; i < u->constants.u.tup->len; i++) vec_push(&out->constants, iv_dup(u->constants.u.tup->items[i]));
    VEC(Item) items = {0};
    for (int i = 0; i < u->class_list.len; i++) {
        ClassType *c = u->class_list.data[i];
        Item it = {qualifier_of(c->qualname), c, NULL, c->def_span, items.len};
        vec_push(&items, it);
    }
    for (int i = 0; i < u->fns.len; i++) {
        Function *f = u->fns.data[i];
        if (f->owner) continue;
        Item it = {qualifier_of(f->qualname), NULL, f, f->span, items.len};
        vec_push(&items, it);
    }
    /* code of other units this one uses (frontend/unit.h: deps) */
    for (int i = 0; i < u->borrowed_classes.len; i++) {
        ClassType *c = u->borrowed_classes.data[i];
        Item it = {qualifier_of(c->qualname), c, NULL, c->def_span, items.len};
        vec_push(&items, it);
    }
    for (int i = 0; i < u->borrowed_fns.len; i++) {
        Function *f = u->borrowed_fns.data[i];
        Item it = {qualifier_of(f->qualname), NULL, f, f->span, items.len};
        vec_push(&items, it);
    }
    /* group by qualifier in order of first appearance; within one source
     * file, keep the order of the definitions there */
    int n = items.len;
    int *file_of = ts_xmalloc(sizeof(int) * (size_t)(n + 1));
    int nfiles = 0;
    char **quals = ts_xmalloc(sizeof(char *) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        int f = -1;
        for (int k = 0; k < nfiles && f < 0; k++)
            if (strcmp(quals[k], items.data[i].qual) == 0) f = k;
        if (f < 0) quals[f = nfiles++] = items.data[i].qual;
        file_of[i] = f;
    }
    ts_status st = TS_OK;
    for (int f = 0; f < nfiles && st == TS_OK; f++) {
        VEC(Item *) mine = {0};
        for (int i = 0; i < n; i++)
            if (file_of[i] == f) vec_push(&mine, &items.data[i]);
        for (int i = 1; i < mine.len; i++)
            for (int k = i; k > 0; k--) {
                Item *a = mine.data[k - 1], *b = mine.data[k];
                if (!(a->span.src && a->span.src == b->span.src && b->span.start < a->span.start)) break;
                mine.data[k - 1] = b;
                mine.data[k] = a;
            }
        FileState fs;
        memset(&fs, 0, sizeof fs);
        strmap_init(&fs.next_id);
        fs.consts = out;
        fs.flags = flags;
        StrBuf text;
        sb_init(&text);
        for (int i = 0; i < mine.len && st == TS_OK; i++) {
            Item *it = mine.data[i];
            st = it->cls ? print_class(ctx, &fs, it->cls, &text) : print_function(ctx, &fs, it->fn, 0, &text);
        }
        strmap_free(&fs.next_id);
        vec_free(&mine);
        if (st != TS_OK) {
            sb_free(&text);
            break;
        }
        CodeFile cf;
        cf.qualifier = ts_strdup(quals[f]);
        StrBuf path;
        sb_init(&path);
        for (const char *c = quals[f]; *c; c++) sb_putc(&path, *c == '.' ? '/' : *c);
        sb_puts(&path, ".py");
        cf.path = sb_steal(&path);
        cf.text = sb_steal(&text);
        vec_push(&out->files, cf);
    }
    for (int i = 0; i < n; i++) ts_free(items.data[i].qual);
    vec_free(&items);
    ts_free(file_of);
    ts_free(quals);
    return st;
}
