/*
 * parser.c - recursive descent from tokens (lexer.h) to the AST (ast.h).
 *
 * Second stage of the frontend, used for archive code/ files and for users'
 * model.py alike. Each parse function carries its grammar rule; the rules are
 * Python 3's, trimmed to what TorchScript and model source use.
 *
 * Errors and recovery: a syntax error records a diagnostic and longjmps to
 * the innermost statement loop (stmt_list), which skips to the next
 * statement of the same block (sync) and goes on. Nothing is heap-allocated
 * across a jump except through the parser: AST nodes live in the arena, and
 * lists under construction live on one scratch stack (p->scratch) whose
 * length each statement loop restores. After DIAG_MAX_ERRORS errors the
 * parse stops (a longjmp to the entry point).
 *
 * Depth: p->depth counts open constructs that nest in the AST (parenthesised
 * and bracketed expressions, calls, subscripts, operators, unary operators,
 * blocks, elif). Above TS_MAX_PARSE_DEPTH it is a syntax error, which bounds
 * both this parser's recursion and that of any later pass walking the tree.
 */
#include "frontend/parser.h"

#include <setjmp.h>

#include "frontend/lexer.h"

enum { LOOKAHEAD = 4 };

typedef struct Parser {
    Arena *arena;
    Source *src;
    Diags diags;
    Lexer lx;
    Token la[LOOKAHEAD]; /* ring buffer of lexed, unconsumed tokens */
    int la_start, la_len;
    uint32_t prev_end;   /* end of the last consumed token */
    VEC(Ast *) scratch;  /* lists under construction, as a stack */
    StrBuf sb;           /* string concatenation, dotted names */
    jmp_buf *recover;    /* innermost statement loop */
    jmp_buf *stop;       /* give up: too many errors */
    int depth;
    bool after_try;      /* skip the except/finally clauses of a rejected try */
    bool python;         /* parse_file_python: accept `try` (plain Python, for tscript exec) */
} Parser;

/* ---- tokens ---- */

static Token *peek(Parser *p, int k) {
    while (p->la_len <= k) {
        lexer_next(&p->lx, &p->la[(p->la_start + p->la_len) % LOOKAHEAD]);
        p->la_len++;
    }
    return &p->la[(p->la_start + k) % LOOKAHEAD];
}

static Token *cur(Parser *p) { return peek(p, 0); }
static bool at(Parser *p, TokKind k) { return cur(p)->kind == k; }

static Token advance(Parser *p) {
    Token t = *cur(p);
    if (t.kind != TK_EOF) {
        p->la_start = (p->la_start + 1) % LOOKAHEAD;
        p->la_len--;
    }
    /* spans end at the last real token, not at a line end or dedent */
    if (t.kind != TK_NEWLINE && t.kind != TK_INDENT && t.kind != TK_DEDENT && t.kind != TK_EOF)
        p->prev_end = t.span.end;
    return t;
}

static bool accept(Parser *p, TokKind k) {
    if (!at(p, k)) return false;
    advance(p);
    return true;
}

static Span span_from(Parser *p, uint32_t start) {
    Span s = {p->src, start, p->prev_end < start ? start : p->prev_end};
    return s;
}

/* ---- errors ---- */

_Noreturn static void bail(Parser *p) {
    if (p->diags.full) longjmp(*p->stop, 1);
    longjmp(*p->recover, 1);
}

_Noreturn static void fail_at(Parser *p, Span sp, const char *fmt, ...) TS_PRINTF(3, 4);
_Noreturn static void fail_at(Parser *p, Span sp, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_verror(&p->diags, sp, fmt, ap);
    va_end(ap);
    bail(p);
}

/* At an INDENT where none may be: point at the line's first token. */
_Noreturn static void fail_indent(Parser *p) {
    Span sp = cur(p)->span;
    sp.start = sp.end;
    fail_at(p, sp, "unexpected indent");
}

/* "expected <what> but found <current token>"; silent if the current token
 * is a lexer error, which was reported already. */
_Noreturn static void fail_expected(Parser *p, const char *what) {
    Token *t = cur(p);
    if (t->kind == TK_ERROR) bail(p);
    if (t->kind == TK_INDENT) fail_indent(p);
    fail_at(p, t->span, "expected %s but found %s", what, tok_describe(p->arena, t));
}

static Token expect(Parser *p, TokKind k, const char *what) {
    if (!at(p, k)) fail_expected(p, what ? what : tok_kind_name(k));
    return advance(p);
}

static void nest(Parser *p) {
    if (++p->depth > TS_MAX_PARSE_DEPTH)
        fail_at(p, cur(p)->span, "nesting too deep (limit %d)", TS_MAX_PARSE_DEPTH);
}

/* ---- nodes and lists ---- */

static Ast *node(Parser *p, AstKind k, uint32_t start) {
    return ast_new(p->arena, k, span_from(p, start));
}

static void push(Parser *p, Ast *n) { vec_push(&p->scratch, n); }

/* Pop everything above base into an arena list. */
static AstList take_list(Parser *p, int base) {
    AstList l = {NULL, p->scratch.len - base};
    if (l.len > 0) {
        l.items = arena_array(p->arena, Ast *, l.len);
        memcpy(l.items, p->scratch.data + base, sizeof(Ast *) * (size_t)l.len);
    }
    p->scratch.len = base;
    return l;
}

static const char *ident(Parser *p, const char *what) {
    return expect(p, TK_IDENT, what).str;
}

/* ---- targets ---- */

static const char *expr_what(const Ast *e) {
    switch (e->kind) {
    case AST_CALL: return "function call";
    case AST_INT: case AST_FLOAT: case AST_IMAG: case AST_STR: return "literal";
    case AST_BOOL: return e->bool_lit.value ? "True" : "False";
    case AST_NONE: return "None";
    case AST_ELLIPSIS: return "ellipsis";
    case AST_COMPARE: return "comparison";
    case AST_IFEXP: return "conditional expression";
    case AST_LAMBDA: return "lambda";
    case AST_DICT: return "dict literal";
    case AST_SET: return "set display";
    case AST_LISTCOMP: return "list comprehension";
    case AST_SETCOMP: return "set comprehension";
    case AST_DICTCOMP: return "dict comprehension";
    case AST_GENEXP: return "generator expression";
    case AST_SLICE: return "slice";
    case AST_STARRED: return "starred";
    default: return "expression";
    }
}

/* Check that e can be assigned to (del_ = false) or deleted (true). */
static void check_target(Parser *p, Ast *e, bool del_) {
    switch (e->kind) {
    case AST_NAME:
    case AST_ATTR:
    case AST_SUBSCRIPT: return;
    case AST_STARRED:
        if (!del_) {
            check_target(p, e->starred.value, del_);
            return;
        }
        break;
    case AST_TUPLE:
    case AST_LIST:
        for (int i = 0; i < e->seq.elts.len; i++) check_target(p, e->seq.elts.items[i], del_);
        return;
    default: break;
    }
    fail_at(p, e->span, "cannot %s %s", del_ ? "delete" : "assign to", expr_what(e));
}

/* ---- expressions ---- */

static Ast *expr(Parser *p);
static Ast *star_exprs(Parser *p);
static Ast *binary(Parser *p, int min_prec);
static AstList params(Parser *p, TokKind close, bool annotations);

/* Binding strength of binary operators, low to high (Python's table;
 * section 3.8 of the format reference lists and/or as one level, but no
 * printed code uses them infix, so Python's order is the one to follow). */
enum {
    PREC_OR = 1,
    PREC_AND,
    PREC_NOT,
    PREC_CMP,
    PREC_BITOR,
    PREC_BITXOR,
    PREC_BITAND,
    PREC_SHIFT,
    PREC_ARITH,
    PREC_TERM,
};

static int binop_prec(TokKind k, AstBinOp *op) {
    switch (k) {
    case TK_PIPE: *op = BINOP_BITOR; return PREC_BITOR;
    case TK_CARET: *op = BINOP_BITXOR; return PREC_BITXOR;
    case TK_AMP: *op = BINOP_BITAND; return PREC_BITAND;
    case TK_LSHIFT: *op = BINOP_LSHIFT; return PREC_SHIFT;
    case TK_RSHIFT: *op = BINOP_RSHIFT; return PREC_SHIFT;
    case TK_PLUS: *op = BINOP_ADD; return PREC_ARITH;
    case TK_MINUS: *op = BINOP_SUB; return PREC_ARITH;
    case TK_STAR: *op = BINOP_MUL; return PREC_TERM;
    case TK_SLASH: *op = BINOP_DIV; return PREC_TERM;
    case TK_DSLASH: *op = BINOP_FLOORDIV; return PREC_TERM;
    case TK_PERCENT: *op = BINOP_MOD; return PREC_TERM;
    case TK_AT: *op = BINOP_MATMUL; return PREC_TERM;
    default: return 0;
    }
}

/* The comparison operator at the current token (consuming nothing), with
 * the number of tokens it spans (2 for `not in`, `is not`), or 0. */
static int cmp_op(Parser *p, AstCmpOp *op) {
    switch (cur(p)->kind) {
    case TK_EQ: *op = CMPOP_EQ; return 1;
    case TK_NE: *op = CMPOP_NE; return 1;
    case TK_LT: *op = CMPOP_LT; return 1;
    case TK_LE: *op = CMPOP_LE; return 1;
    case TK_GT: *op = CMPOP_GT; return 1;
    case TK_GE: *op = CMPOP_GE; return 1;
    case TK_IN: *op = CMPOP_IN; return 1;
    case TK_NOT:
        if (peek(p, 1)->kind != TK_IN) return 0;
        *op = CMPOP_NOT_IN;
        return 2;
    case TK_IS:
        if (peek(p, 1)->kind == TK_NOT) {
            *op = CMPOP_IS_NOT;
            return 2;
        }
        *op = CMPOP_IS;
        return 1;
    default: return 0;
    }
}

/* ---- atoms ---- */

/* comp_for = "for" target_list "in" disjunction { "if" disjunction } [ comp_for ]
 * Pushes COMPREHENSION nodes; the caller takes the list. */
static Ast *target_list(Parser *p);

static AstList comp_for(Parser *p) {
    int base = p->scratch.len;
    while (at(p, TK_FOR)) {
        uint32_t start = cur(p)->span.start;
        advance(p);
        Ast *target = target_list(p);
        expect(p, TK_IN, "'in'");
        Ast *iter = binary(p, PREC_OR);
        int ifs_base = p->scratch.len;
        while (accept(p, TK_IF)) push(p, binary(p, PREC_OR));
        AstList ifs = take_list(p, ifs_base);
        Ast *c = node(p, AST_COMPREHENSION, start);
        c->comprehension.target = target;
        c->comprehension.iter = iter;
        c->comprehension.ifs = ifs;
        push(p, c);
    }
    return take_list(p, base);
}

static Ast *comprehension(Parser *p, AstKind k, uint32_t start, Ast *elt, Ast *value) {
    AstList gens = comp_for(p);
    Ast *c = node(p, k, start);
    c->comp.elt = elt;
    c->comp.value = value;
    c->comp.generators = gens;
    return c;
}

/* star_item = "*" bitor_expr | expr */
static Ast *star_item(Parser *p) {
    if (at(p, TK_STAR)) {
        uint32_t start = advance(p).span.start;
        Ast *v = binary(p, PREC_BITOR);
        Ast *s = node(p, AST_STARRED, start);
        s->starred.value = v;
        return s;
    }
    return expr(p);
}

/* The rest of a display after its first item: { "," item } [","] close.
 * Items are pushed. */
static void display_rest(Parser *p, TokKind close, const char *what) {
    while (accept(p, TK_COMMA)) {
        if (at(p, close)) break;
        push(p, star_item(p));
    }
    expect(p, close, what);
}

/* paren = "(" [ star_item ( comp_for | { "," star_item } [ "," ] ) ] ")" */
static Ast *paren(Parser *p) {
    uint32_t start = advance(p).span.start;
    nest(p);
    int base = p->scratch.len;
    if (accept(p, TK_RPAREN)) {
        Ast *t = node(p, AST_TUPLE, start);
        p->depth--;
        return t;
    }
    Ast *first = star_item(p);
    Ast *result;
    if (at(p, TK_COLON) && peek(p, 1)->kind == TK_ASSIGN && peek(p, 1)->span.start == cur(p)->span.end)
        fail_at(p, first->span, "assignment expressions (:=) are not supported in TorchScript: assign on a line of "
                                "its own first");
    if (at(p, TK_FOR) && first->kind != AST_STARRED) {
        result = comprehension(p, AST_GENEXP, start, first, NULL);
        expect(p, TK_RPAREN, "')'");
        result->span = span_from(p, start);
    } else if (!at(p, TK_COMMA)) {
        expect(p, TK_RPAREN, "')'");
        result = first;
    } else {
        push(p, first);
        display_rest(p, TK_RPAREN, "')'");
        AstList elts = take_list(p, base);
        result = node(p, AST_TUPLE, start);
        result->seq.elts = elts;
    }
    p->depth--;
    return result;
}

/* list = "[" [ star_item ( comp_for | { "," star_item } [ "," ] ) ] "]" */
static Ast *list_display(Parser *p) {
    uint32_t start = advance(p).span.start;
    nest(p);
    int base = p->scratch.len;
    Ast *result;
    if (accept(p, TK_RBRACKET)) {
        result = node(p, AST_LIST, start);
    } else {
        Ast *first = star_item(p);
        if (at(p, TK_FOR) && first->kind != AST_STARRED) {
            result = comprehension(p, AST_LISTCOMP, start, first, NULL);
            expect(p, TK_RBRACKET, "']'");
            result->span = span_from(p, start);
        } else {
            push(p, first);
            display_rest(p, TK_RBRACKET, "']'");
            AstList elts = take_list(p, base);
            result = node(p, AST_LIST, start);
            result->seq.elts = elts;
        }
    }
    p->depth--;
    return result;
}

/* dict_item = expr ":" expr | "**" bitor_expr   (pushes key, then value; key NULL for **) */
static void dict_item(Parser *p) {
    if (accept(p, TK_DSTAR)) {
        push(p, NULL);
        push(p, binary(p, PREC_BITOR));
        return;
    }
    push(p, expr(p));
    expect(p, TK_COLON, "':'");
    push(p, expr(p));
}

/* Split a scratch run of key, value pairs into a DICT node. */
static Ast *make_dict(Parser *p, int base, uint32_t start) {
    int n = (p->scratch.len - base) / 2;
    Ast *d = node(p, AST_DICT, start);
    d->dict.keys.len = d->dict.values.len = n;
    if (n > 0) {
        d->dict.keys.items = arena_array(p->arena, Ast *, n);
        d->dict.values.items = arena_array(p->arena, Ast *, n);
        for (int i = 0; i < n; i++) {
            d->dict.keys.items[i] = p->scratch.data[base + 2 * i];
            d->dict.values.items[i] = p->scratch.data[base + 2 * i + 1];
        }
    }
    p->scratch.len = base;
    return d;
}

/* braces = "{" "}"
 *        | "{" dict_item ( comp_for | { "," dict_item } [ "," ] ) "}"
 *        | "{" star_item ( comp_for | { "," star_item } [ "," ] ) "}" */
static Ast *brace_display(Parser *p) {
    uint32_t start = advance(p).span.start;
    nest(p);
    int base = p->scratch.len;
    Ast *result;
    if (accept(p, TK_RBRACE)) {
        p->depth--;
        return node(p, AST_DICT, start);
    }
    bool is_dict = at(p, TK_DSTAR);
    Ast *first = NULL;
    if (is_dict) {
        dict_item(p);
    } else {
        first = star_item(p);
        if (first->kind != AST_STARRED && accept(p, TK_COLON)) {
            Ast *value = expr(p);
            if (at(p, TK_FOR)) {
                result = comprehension(p, AST_DICTCOMP, start, first, value);
                expect(p, TK_RBRACE, "'}'");
                result->span = span_from(p, start);
                p->depth--;
                return result;
            }
            push(p, first);
            push(p, value);
            is_dict = true;
        }
    }
    if (is_dict) {
        while (accept(p, TK_COMMA)) {
            if (at(p, TK_RBRACE)) break;
            dict_item(p);
        }
        expect(p, TK_RBRACE, "'}'");
        result = make_dict(p, base, start);
    } else if (at(p, TK_FOR) && first->kind != AST_STARRED) {
        result = comprehension(p, AST_SETCOMP, start, first, NULL);
        expect(p, TK_RBRACE, "'}'");
        result->span = span_from(p, start);
    } else {
        push(p, first);
        display_rest(p, TK_RBRACE, "'}'");
        AstList elts = take_list(p, base);
        result = node(p, AST_SET, start);
        result->seq.elts = elts;
    }
    p->depth--;
    return result;
}

/* strings = STRING { STRING }   (adjacent literals are one string; with an
 * f-string among them, one FSTR whose text is the format template) */
static Ast *strings(Parser *p) {
    uint32_t start = cur(p)->span.start;
    sb_clear(&p->sb);
    bool fstr = false;
    while (at(p, TK_STRING)) {
        Token t = advance(p);
        if (t.fstring) fstr = true;
        /* in an f-string's template, a plain literal's braces are literal */
        for (size_t i = 0; i < t.len; i++) {
            char c = t.str[i];
            sb_putc(&p->sb, c);
            if (!t.fstring && (c == '{' || c == '}')) sb_putc(&p->sb, c);
        }
    }
    if (!fstr) {
        /* no f-string: undo the brace doubling */
        StrBuf plain;
        sb_init(&plain);
        for (size_t i = 0; i < p->sb.len; i++) {
            char c = p->sb.data[i];
            sb_putc(&plain, c);
            if ((c == '{' || c == '}') && i + 1 < p->sb.len && p->sb.data[i + 1] == c) i++;
        }
        sb_clear(&p->sb);
        sb_putn(&p->sb, plain.data ? plain.data : "", plain.len);
        sb_free(&plain);
    }
    Ast *s = node(p, fstr ? AST_FSTR : AST_STR, start);
    s->str.len = p->sb.len;
    s->str.data = arena_strndup(p->arena, sb_cstr(&p->sb), p->sb.len);
    return s;
}

static const char *token_text(Parser *p, Span sp) {
    return arena_strndup(p->arena, p->src->text + sp.start, sp.end - sp.start);
}

/* lambda = "lambda" [ params ] ":" expr */
static Ast *lambda(Parser *p) {
    uint32_t start = advance(p).span.start;
    nest(p);
    AstList ps = params(p, TK_COLON, false);
    expect(p, TK_COLON, "':'");
    Ast *body = expr(p);
    Ast *l = node(p, AST_LAMBDA, start);
    l->lambda.params = ps;
    l->lambda.body = body;
    p->depth--;
    return l;
}

/* atom = NAME | NUMBER | strings | "True" | "False" | "None" | "..."
 *      | paren | list | braces */
static Ast *atom(Parser *p) {
    Token *t = cur(p);
    uint32_t start = t->span.start;
    Ast *n;
    switch (t->kind) {
    case TK_IDENT: {
        Token tok = advance(p);
        n = node(p, AST_NAME, start);
        n->name.id = tok.str;
        return n;
    }
    case TK_INT: {
        if (t->int_2_63) fail_at(p, t->span, "integer literal does not fit in int64");
        Token tok = advance(p);
        n = node(p, AST_INT, start);
        n->int_lit.value = tok.ival;
        n->int_lit.text = token_text(p, tok.span);
        return n;
    }
    case TK_FLOAT:
    case TK_IMAG: {
        Token tok = advance(p);
        n = node(p, tok.kind == TK_FLOAT ? AST_FLOAT : AST_IMAG, start);
        n->float_lit.value = tok.fval;
        n->float_lit.text = token_text(p, tok.span);
        return n;
    }
    case TK_STRING: return strings(p);
    case TK_TRUE:
    case TK_FALSE: {
        bool v = advance(p).kind == TK_TRUE;
        n = node(p, AST_BOOL, start);
        n->bool_lit.value = v;
        return n;
    }
    case TK_NONE: advance(p); return node(p, AST_NONE, start);
    case TK_ELLIPSIS: advance(p); return node(p, AST_ELLIPSIS, start);
    case TK_LPAREN: return paren(p);
    case TK_LBRACKET: return list_display(p);
    case TK_LBRACE: return brace_display(p);
    case TK_YIELD: fail_at(p, t->span, "yield is not supported in TorchScript: build a list and return it");
    case TK_AWAIT: fail_at(p, t->span, "'await' is not supported in TorchScript");
    default: fail_expected(p, "expression");
    }
}

/* call_args = "(" [ arg { "," arg } [ "," ] ] ")"
 * arg       = "*" expr | "**" expr | NAME "=" expr | expr [ comp_for ]
 * Positional arguments go to *args, keywords (KEYWORD nodes) to *kws. */
static void call_args(Parser *p, AstList *args, AstList *kws) {
    advance(p); /* ( */
    int base = p->scratch.len;
    int nargs = 0;
    bool seen_kw = false, seen_dstar = false;
    while (!at(p, TK_RPAREN)) {
        Token *t = cur(p);
        uint32_t start = t->span.start;
        if (t->kind == TK_DSTAR) {
            advance(p);
            Ast *v = expr(p);
            Ast *k = node(p, AST_KEYWORD, start);
            k->keyword.value = v;
            push(p, k);
            seen_dstar = true;
        } else if (t->kind == TK_STAR) {
            if (seen_dstar)
                fail_at(p, t->span, "iterable argument unpacking follows keyword argument unpacking");
            advance(p);
            Ast *v = expr(p);
            Ast *s = node(p, AST_STARRED, start);
            s->starred.value = v;
            push(p, s);
            nargs++;
        } else if (t->kind == TK_IDENT && peek(p, 1)->kind == TK_ASSIGN) {
            const char *name = advance(p).str;
            advance(p);
            Ast *v = expr(p);
            Ast *k = node(p, AST_KEYWORD, start);
            k->keyword.arg = name;
            k->keyword.value = v;
            push(p, k);
            seen_kw = true;
        } else {
            Ast *v = expr(p);
            if (at(p, TK_FOR)) {
                v = comprehension(p, AST_GENEXP, start, v, NULL);
                if (p->scratch.len != base || !at(p, TK_RPAREN))
                    fail_at(p, v->span, "generator expression must be parenthesized");
            } else if (seen_dstar) {
                fail_at(p, v->span, "positional argument follows keyword argument unpacking");
            } else if (seen_kw) {
                fail_at(p, v->span, "positional argument follows keyword argument");
            }
            push(p, v);
            nargs++;
        }
        if (!accept(p, TK_COMMA)) break;
    }
    expect(p, TK_RPAREN, "')'");
    /* split, keeping each group's order */
    int n = p->scratch.len - base;
    Ast **items = n > 0 ? p->scratch.data + base : NULL;
    args->len = nargs;
    kws->len = n - nargs;
    args->items = nargs ? arena_array(p->arena, Ast *, nargs) : NULL;
    kws->items = n - nargs ? arena_array(p->arena, Ast *, n - nargs) : NULL;
    for (int i = 0, a = 0, k = 0; i < n; i++) {
        if (items[i]->kind == AST_KEYWORD) kws->items[k++] = items[i];
        else args->items[a++] = items[i];
    }
    p->scratch.len = base;
}

/* subscript = "*" bitor_expr | expr | [ expr ] ":" [ expr ] [ ":" [ expr ] ] */
static Ast *subscript_item(Parser *p) {
    uint32_t start = cur(p)->span.start;
    Ast *lower = NULL;
    if (!at(p, TK_COLON)) {
        if (at(p, TK_STAR)) return star_item(p);
        lower = expr(p);
        if (!at(p, TK_COLON)) return lower;
    }
    advance(p); /* : */
    Ast *upper = NULL, *step = NULL;
    if (!at(p, TK_COLON) && !at(p, TK_COMMA) && !at(p, TK_RBRACKET)) upper = expr(p);
    if (accept(p, TK_COLON) && !at(p, TK_COMMA) && !at(p, TK_RBRACKET)) step = expr(p);
    Ast *s = node(p, AST_SLICE, start);
    s->slice.lower = lower;
    s->slice.upper = upper;
    s->slice.step = step;
    return s;
}

/* primary = atom { "." NAME | call_args | "[" subscript { "," subscript } [ "," ] "]" } */
static Ast *primary(Parser *p) {
    uint32_t start = cur(p)->span.start;
    int depth = p->depth;
    Ast *e = atom(p);
    for (;;) {
        TokKind k = cur(p)->kind;
        if (k == TK_DOT) {
            nest(p);
            advance(p);
            Token name = expect(p, TK_IDENT, "attribute name");
            Ast *a = node(p, AST_ATTR, start);
            a->attr.value = e;
            a->attr.name = name.str;
            a->attr.name_span = name.span;
            e = a;
        } else if (k == TK_LPAREN) {
            nest(p);
            Ast *c = ast_new(p->arena, AST_CALL, span_none());
            c->call.func = e;
            call_args(p, &c->call.args, &c->call.keywords);
            c->span = span_from(p, start);
            e = c;
        } else if (k == TK_LBRACKET) {
            nest(p);
            advance(p);
            int base = p->scratch.len;
            bool tuple = false;
            for (;;) {
                push(p, subscript_item(p));
                if (!accept(p, TK_COMMA)) break;
                tuple = true;
                if (at(p, TK_RBRACKET)) break;
            }
            expect(p, TK_RBRACKET, "']'");
            AstList idx = take_list(p, base);
            Ast *s = node(p, AST_SUBSCRIPT, start);
            s->subscript.value = e;
            s->subscript.indices = idx;
            s->subscript.tuple = tuple;
            e = s;
        } else {
            break;
        }
    }
    p->depth = depth;
    return e;
}

/* factor = ( "-" | "+" | "~" ) factor | power
 * power  = primary [ "**" factor ]
 * A minus directly on a number literal is folded into the literal. */
static Ast *factor(Parser *p) {
    Token *t = cur(p);
    uint32_t start = t->span.start;
    Ast *result;
    nest(p);
    if (t->kind == TK_MINUS || t->kind == TK_PLUS || t->kind == TK_TILDE) {
        TokKind k = advance(p).kind;
        if (k == TK_MINUS && at(p, TK_INT) && cur(p)->int_2_63) {
            TokKind after = peek(p, 1)->kind;
            if (after != TK_DSTAR && after != TK_DOT && after != TK_LPAREN && after != TK_LBRACKET) {
                advance(p);
                result = node(p, AST_INT, start);
                result->int_lit.value = INT64_MIN;
                result->int_lit.text = token_text(p, result->span);
                p->depth--;
                return result;
            }
        }
        Ast *operand = factor(p);
        bool lit = operand->kind == AST_INT || operand->kind == AST_FLOAT || operand->kind == AST_IMAG;
        if (k == TK_MINUS && lit && !(operand->kind == AST_INT && operand->int_lit.value == INT64_MIN)) {
            result = operand;
            result->span = span_from(p, start);
            if (operand->kind == AST_INT) result->int_lit.value = -operand->int_lit.value;
            else result->float_lit.value = -operand->float_lit.value;
            const char *text = token_text(p, result->span);
            if (operand->kind == AST_INT) result->int_lit.text = text;
            else result->float_lit.text = text;
        } else {
            result = node(p, AST_UNARY, start);
            result->unary.op = k == TK_MINUS ? UNOP_NEG : k == TK_PLUS ? UNOP_POS : UNOP_INVERT;
            result->unary.operand = operand;
        }
    } else {
        result = primary(p);
        if (accept(p, TK_DSTAR)) {
            Ast *rhs = factor(p);
            Ast *b = node(p, AST_BINOP, start);
            b->binop.op = BINOP_POW;
            b->binop.lhs = result;
            b->binop.rhs = rhs;
            result = b;
        }
    }
    p->depth--;
    return result;
}

/* binary      = disjunction, by precedence climbing:
 * disjunction = conjunction { "or" conjunction }
 * conjunction = inversion { "and" inversion }
 * inversion   = "not" inversion | comparison
 * comparison  = bitor { cmp_op bitor }       (one chained COMPARE node)
 * bitor .. term: left-associative binary operators, table binop_prec
 * Parses operators binding at least as tightly as min_prec. */
static Ast *binary(Parser *p, int min_prec) {
    uint32_t start = cur(p)->span.start;
    int depth = p->depth;
    Ast *lhs;
    if (at(p, TK_NOT) && min_prec <= PREC_NOT) {
        nest(p);
        advance(p);
        Ast *operand = binary(p, PREC_NOT);
        lhs = node(p, AST_UNARY, start);
        lhs->unary.op = UNOP_NOT;
        lhs->unary.operand = operand;
    } else {
        lhs = factor(p);
    }
    for (;;) {
        TokKind k = cur(p)->kind;
        AstBinOp op;
        AstCmpOp cop;
        int ntok;
        if (k == TK_OR || k == TK_AND) {
            int prec = k == TK_OR ? PREC_OR : PREC_AND;
            if (prec < min_prec) break;
            nest(p);
            advance(p);
            Ast *rhs = binary(p, prec + 1);
            Ast *b = node(p, AST_BOOLOP, start);
            b->boolop.op = k == TK_OR ? BOOLOP_OR : BOOLOP_AND;
            b->boolop.lhs = lhs;
            b->boolop.rhs = rhs;
            lhs = b;
        } else if ((ntok = cmp_op(p, &cop)) > 0) {
            if (PREC_CMP < min_prec) break;
            nest(p);
            int base = p->scratch.len;
            push(p, lhs);
            /* ops are collected in the arena as we go: no heap across a jump */
            AstCmpOp *opbuf = NULL;
            int nops = 0, cap = 0;
            while ((ntok = cmp_op(p, &cop)) > 0) {
                for (int i = 0; i < ntok; i++) advance(p);
                if (nops == cap) {
                    int ncap = cap ? cap * 2 : 4;
                    AstCmpOp *nb = arena_array(p->arena, AstCmpOp, ncap);
                    if (nops) memcpy(nb, opbuf, sizeof(AstCmpOp) * (size_t)nops);
                    opbuf = nb;
                    cap = ncap;
                }
                opbuf[nops++] = cop;
                push(p, binary(p, PREC_CMP + 1));
            }
            AstList operands = take_list(p, base);
            Ast *c = node(p, AST_COMPARE, start);
            c->compare.operands = operands;
            c->compare.ops = opbuf;
            c->compare.nops = nops;
            lhs = c;
        } else {
            int prec = binop_prec(k, &op);
            if (prec == 0 || prec < min_prec) break;
            nest(p);
            advance(p);
            Ast *rhs = binary(p, prec + 1);
            Ast *b = node(p, AST_BINOP, start);
            b->binop.op = op;
            b->binop.lhs = lhs;
            b->binop.rhs = rhs;
            lhs = b;
        }
    }
    p->depth = depth;
    return lhs;
}

/* expr = lambda | disjunction [ "if" disjunction "else" expr ] */
static Ast *expr(Parser *p) {
    if (at(p, TK_LAMBDA)) return lambda(p);
    uint32_t start = cur(p)->span.start;
    Ast *e = binary(p, PREC_OR);
    if (at(p, TK_IF)) {
        nest(p);
        advance(p);
        Ast *cond = binary(p, PREC_OR);
        expect(p, TK_ELSE, "'else'");
        Ast *orelse = expr(p);
        Ast *t = node(p, AST_IFEXP, start);
        t->ifexp.cond = cond;
        t->ifexp.then = e;
        t->ifexp.orelse = orelse;
        p->depth--;
        return t;
    }
    return e;
}

static bool starts_expr(TokKind k) {
    switch (k) {
    case TK_IDENT: case TK_INT: case TK_FLOAT: case TK_IMAG: case TK_STRING: case TK_TRUE:
    case TK_FALSE: case TK_NONE: case TK_ELLIPSIS: case TK_LPAREN: case TK_LBRACKET:
    case TK_LBRACE: case TK_MINUS: case TK_PLUS: case TK_TILDE: case TK_NOT: case TK_LAMBDA:
    case TK_STAR: case TK_YIELD: case TK_AWAIT: case TK_ERROR:
        return true;
    default: return false;
    }
}

/* star_exprs = star_item { "," star_item } [ "," ]   (a TUPLE if there is a comma) */
static Ast *star_exprs(Parser *p) {
    uint32_t start = cur(p)->span.start;
    Ast *first = star_item(p);
    if (!at(p, TK_COMMA)) return first;
    int base = p->scratch.len;
    push(p, first);
    while (accept(p, TK_COMMA)) {
        if (!starts_expr(cur(p)->kind)) break; /* a trailing comma */
        push(p, star_item(p));
    }
    AstList elts = take_list(p, base);
    Ast *t = node(p, AST_TUPLE, start);
    t->seq.elts = elts;
    return t;
}

/* target_list = target_item { "," target_item } [ "," ]
 * target_item = "*" bitor_expr | bitor_expr
 * (for `for` loops and comprehensions, where `in` must not be consumed) */
static Ast *target_item(Parser *p) {
    if (at(p, TK_STAR)) return star_item(p);
    return binary(p, PREC_BITOR);
}

static Ast *target_list(Parser *p) {
    uint32_t start = cur(p)->span.start;
    Ast *first = target_item(p);
    Ast *result = first;
    if (at(p, TK_COMMA)) {
        int base = p->scratch.len;
        push(p, first);
        while (accept(p, TK_COMMA) && !at(p, TK_IN)) push(p, target_item(p));
        AstList elts = take_list(p, base);
        result = node(p, AST_TUPLE, start);
        result->seq.elts = elts;
    }
    check_target(p, result, false);
    return result;
}

/* ---- parameters ---- */

/* params = param { "," param } [ "," ]
 * param  = NAME [ ":" expr ] [ "=" expr ] | "*" [ NAME [ ":" expr ] ]
 *        | "**" NAME [ ":" expr ] | "/"
 * Annotations only for def (not lambda). Ends before `close`. */
static AstList params(Parser *p, TokKind close, bool annotations) {
    int base = p->scratch.len;
    bool seen_default = false, seen_star = false, seen_kwargs = false, seen_slash = false;
    while (!at(p, close)) {
        Token *t = cur(p);
        uint32_t start = t->span.start;
        if (seen_kwargs) fail_at(p, t->span, "arguments cannot follow var-keyword argument");
        if (t->kind == TK_SLASH) {
            if (seen_slash) fail_at(p, t->span, "/ may appear only once");
            if (seen_star) fail_at(p, t->span, "/ must be ahead of *");
            if (p->scratch.len == base) fail_at(p, t->span, "at least one argument must precede /");
            advance(p);
            seen_slash = true;
            for (int i = base; i < p->scratch.len; i++) p->scratch.data[i]->param.kind = PARAM_POSONLY;
            if (!accept(p, TK_COMMA)) break;
            continue;
        }
        if (t->kind != TK_IDENT && t->kind != TK_STAR && t->kind != TK_DSTAR)
            fail_expected(p, annotations ? "parameter name" : "':'");
        AstParamKind kind = seen_star ? PARAM_KWONLY : PARAM_NORMAL;
        if (t->kind == TK_STAR || t->kind == TK_DSTAR) {
            bool dstar = t->kind == TK_DSTAR;
            if (!dstar && seen_star) fail_at(p, t->span, "* argument may appear only once");
            Span sp = advance(p).span;
            if (!dstar) {
                seen_star = true;
                if (!at(p, TK_IDENT)) {
                    /* bare `*`: keyword-only parameters must follow */
                    if (at(p, close) || (at(p, TK_COMMA) && (peek(p, 1)->kind == close ||
                                                            peek(p, 1)->kind == TK_DSTAR)))
                        fail_at(p, sp, "named arguments must follow bare *");
                    if (!accept(p, TK_COMMA)) fail_expected(p, "',' or parameter name");
                    continue;
                }
            } else {
                seen_kwargs = true;
            }
            kind = dstar ? PARAM_KWARGS : PARAM_VARARGS;
        }
        Token name = expect(p, TK_IDENT, "parameter name");
        Ast *ann = NULL, *def = NULL;
        if (annotations && accept(p, TK_COLON)) ann = expr(p);
        if (at(p, TK_ASSIGN)) {
            if (kind == PARAM_VARARGS || kind == PARAM_KWARGS)
                fail_at(p, cur(p)->span, "var-%s argument cannot have default value",
                        kind == PARAM_VARARGS ? "positional" : "keyword");
            advance(p);
            def = expr(p);
            if (kind == PARAM_NORMAL) seen_default = true;
        } else if (kind == PARAM_NORMAL && seen_default) {
            fail_at(p, name.span, "non-default argument follows default argument");
        }
        Ast *prm = node(p, AST_PARAM, start);
        prm->param.name = name.str;
        prm->param.annotation = ann;
        prm->param.default_ = def;
        prm->param.kind = kind;
        push(p, prm);
        if (!accept(p, TK_COMMA)) break;
    }
    return take_list(p, base);
}

/* ---- statements ---- */

static void statement(Parser *p);
static void stmt_list(Parser *p);
static void simple_stmts(Parser *p);

static bool at_stmt_end(Parser *p) {
    TokKind k = cur(p)->kind;
    return k == TK_NEWLINE || k == TK_SEMI || k == TK_EOF;
}

/* suite = simple_stmts | NEWLINE INDENT { stmt } DEDENT
 * The ':' before it is consumed here; `what` names the construct for the
 * "expected an indented block after ..." message. */
static AstList suite(Parser *p, const char *what, uint32_t header) {
    expect(p, TK_COLON, "':'");
    int base = p->scratch.len;
    if (accept(p, TK_NEWLINE)) {
        if (!at(p, TK_INDENT)) {
            if (at(p, TK_ERROR)) bail(p);
            int line, col;
            source_line_col(p->src, header, &line, &col);
            fail_at(p, cur(p)->span, "expected an indented block after %s on line %d", what, line);
        }
        advance(p);
        nest(p);
        stmt_list(p);
        p->depth--;
        accept(p, TK_DEDENT);
    } else {
        simple_stmts(p);
    }
    return take_list(p, base);
}

static Ast *doc_of(AstList body) {
    if (body.len > 0 && body.items[0]->kind == AST_EXPR_STMT &&
        body.items[0]->expr_stmt.value->kind == AST_STR)
        return body.items[0]->expr_stmt.value;
    return NULL;
}

/* funcdef = "def" NAME "(" [ params ] ")" [ "->" expr ] ":" suite */
static Ast *funcdef(Parser *p, AstList decorators) {
    uint32_t start = advance(p).span.start;
    Token name = expect(p, TK_IDENT, "function name");
    expect(p, TK_LPAREN, "'('");
    AstList ps = params(p, TK_RPAREN, true);
    expect(p, TK_RPAREN, "')'");
    Ast *ret = NULL;
    if (accept(p, TK_ARROW)) ret = expr(p);
    AstList body = suite(p, "function definition", start);
    Ast *f = node(p, AST_FUNCDEF, start);
    f->funcdef.name = name.str;
    f->funcdef.name_span = name.span;
    f->funcdef.decorators = decorators;
    f->funcdef.params = ps;
    f->funcdef.returns = ret;
    f->funcdef.body = body;
    f->funcdef.doc = doc_of(body);
    return f;
}

/* classdef = "class" NAME [ "(" [ args ] ")" ] ":" suite */
static Ast *classdef(Parser *p, AstList decorators) {
    uint32_t start = advance(p).span.start;
    Token name = expect(p, TK_IDENT, "class name");
    AstList bases = {0}, kws = {0};
    if (at(p, TK_LPAREN)) {
        nest(p);
        call_args(p, &bases, &kws);
        p->depth--;
    }
    AstList body = suite(p, "class definition", start);
    Ast *c = node(p, AST_CLASSDEF, start);
    c->classdef.name = name.str;
    c->classdef.name_span = name.span;
    c->classdef.decorators = decorators;
    c->classdef.bases = bases;
    c->classdef.keywords = kws;
    c->classdef.body = body;
    c->classdef.doc = doc_of(body);
    return c;
}

/* decorated = "@" expr NEWLINE { "@" expr NEWLINE } ( funcdef | classdef ) */
static Ast *decorated(Parser *p) {
    int base = p->scratch.len;
    while (accept(p, TK_AT)) {
        push(p, expr(p));
        expect(p, TK_NEWLINE, "newline");
    }
    AstList decorators = take_list(p, base);
    if (at(p, TK_DEF)) return funcdef(p, decorators);
    if (at(p, TK_CLASS)) return classdef(p, decorators);
    if (at(p, TK_ASYNC)) fail_at(p, cur(p)->span, "'async' is not supported in TorchScript");
    fail_expected(p, "'def' or 'class' after decorator");
}

/* if_stmt = ( "if" | "elif" ) expr ":" suite [ elif_stmt | "else" ":" suite ] */
static Ast *if_stmt(Parser *p) {
    Token kw = advance(p);
    uint32_t start = kw.span.start;
    Ast *cond = expr(p);
    AstList body = suite(p, kw.kind == TK_IF ? "'if' statement" : "'elif' statement", start);
    AstList orelse = {0};
    if (at(p, TK_ELIF)) {
        nest(p);
        Ast *e = if_stmt(p);
        p->depth--;
        e->if_.elif = true;
        orelse.items = arena_array(p->arena, Ast *, 1);
        orelse.items[0] = e;
        orelse.len = 1;
    } else if (at(p, TK_ELSE)) {
        uint32_t else_start = advance(p).span.start;
        orelse = suite(p, "'else' clause", else_start);
    }
    Ast *n = node(p, AST_IF, start);
    n->if_.cond = cond;
    n->if_.body = body;
    n->if_.orelse = orelse;
    return n;
}

/* while_stmt = "while" expr ":" suite [ "else" ":" suite ] */
static Ast *while_stmt(Parser *p) {
    uint32_t start = advance(p).span.start;
    Ast *cond = expr(p);
    AstList body = suite(p, "'while' statement", start);
    AstList orelse = {0};
    if (at(p, TK_ELSE)) {
        uint32_t else_start = advance(p).span.start;
        orelse = suite(p, "'else' clause", else_start);
    }
    Ast *n = node(p, AST_WHILE, start);
    n->while_.cond = cond;
    n->while_.body = body;
    n->while_.orelse = orelse;
    return n;
}

/* for_stmt = "for" target_list "in" star_exprs ":" suite [ "else" ":" suite ] */
static Ast *for_stmt(Parser *p) {
    uint32_t start = advance(p).span.start;
    Ast *target = target_list(p);
    expect(p, TK_IN, "'in'");
    Ast *iter = star_exprs(p);
    AstList body = suite(p, "'for' statement", start);
    AstList orelse = {0};
    if (at(p, TK_ELSE)) {
        uint32_t else_start = advance(p).span.start;
        orelse = suite(p, "'else' clause", else_start);
    }
    Ast *n = node(p, AST_FOR, start);
    n->for_.target = target;
    n->for_.iter = iter;
    n->for_.body = body;
    n->for_.orelse = orelse;
    return n;
}

/* with_stmt = "with" with_item { "," with_item } ":" suite
 * with_item = expr [ "as" target_item ] */
static Ast *with_stmt(Parser *p) {
    uint32_t start = advance(p).span.start;
    int base = p->scratch.len;
    do {
        uint32_t istart = cur(p)->span.start;
        Ast *ctx = expr(p);
        Ast *target = NULL;
        if (accept(p, TK_AS)) {
            target = target_item(p);
            check_target(p, target, false);
        }
        Ast *item = node(p, AST_WITHITEM, istart);
        item->withitem.context = ctx;
        item->withitem.target = target;
        push(p, item);
    } while (accept(p, TK_COMMA));
    AstList items = take_list(p, base);
    AstList body = suite(p, "'with' statement", start);
    Ast *n = node(p, AST_WITH, start);
    n->with.items = items;
    n->with.body = body;
    return n;
}

/* dotted_name = NAME { "." NAME }   (arena string "a.b.c") */
static const char *dotted_name(Parser *p) {
    sb_clear(&p->sb);
    sb_puts(&p->sb, ident(p, "module name"));
    while (accept(p, TK_DOT)) {
        sb_putc(&p->sb, '.');
        sb_puts(&p->sb, ident(p, "module name"));
    }
    return arena_strndup(p->arena, sb_cstr(&p->sb), p->sb.len);
}

/* import_stmt = "import" dotted_name [ "as" NAME ] { "," dotted_name [ "as" NAME ] } */
static Ast *import_stmt(Parser *p) {
    uint32_t start = advance(p).span.start;
    int base = p->scratch.len;
    do {
        uint32_t astart = cur(p)->span.start;
        const char *name = dotted_name(p);
        const char *as = accept(p, TK_AS) ? ident(p, "name after 'as'") : NULL;
        Ast *a = node(p, AST_ALIAS, astart);
        a->alias.name = name;
        a->alias.asname = as;
        push(p, a);
    } while (accept(p, TK_COMMA));
    Ast *n = node(p, AST_IMPORT, start);
    n->import.names = take_list(p, base);
    return n;
}

/* from_stmt = "from" { "." | "..." } [ dotted_name ] "import"
 *             ( "*" | "(" import_names [ "," ] ")" | import_names )
 * import_names = NAME [ "as" NAME ] { "," NAME [ "as" NAME ] } */
static Ast *from_stmt(Parser *p) {
    uint32_t start = advance(p).span.start;
    int level = 0;
    for (;;) {
        if (accept(p, TK_DOT)) level++;
        else if (accept(p, TK_ELLIPSIS)) level += 3;
        else break;
    }
    const char *module = NULL;
    if (level == 0 || at(p, TK_IDENT)) module = dotted_name(p);
    expect(p, TK_IMPORT, "'import'");
    int base = p->scratch.len;
    if (at(p, TK_STAR)) {
        uint32_t s = advance(p).span.start;
        Ast *a = node(p, AST_ALIAS, s);
        a->alias.name = "*";
        push(p, a);
    } else {
        bool parens = accept(p, TK_LPAREN);
        do {
            if (parens && at(p, TK_RPAREN)) break;
            uint32_t astart = cur(p)->span.start;
            const char *name = ident(p, "name to import");
            const char *as = accept(p, TK_AS) ? ident(p, "name after 'as'") : NULL;
            Ast *a = node(p, AST_ALIAS, astart);
            a->alias.name = name;
            a->alias.asname = as;
            push(p, a);
        } while (accept(p, TK_COMMA));
        if (parens) expect(p, TK_RPAREN, "')'");
    }
    Ast *n = node(p, AST_IMPORTFROM, start);
    n->importfrom.module = module;
    n->importfrom.level = level;
    n->importfrom.names = take_list(p, base);
    return n;
}

/* names_stmt = ( "global" | "nonlocal" ) NAME { "," NAME } */
static Ast *names_stmt(Parser *p) {
    Token kw = advance(p);
    int base = p->scratch.len;
    do {
        uint32_t s = cur(p)->span.start;
        const char *id = ident(p, "name");
        Ast *n = node(p, AST_NAME, s);
        n->name.id = id;
        push(p, n);
    } while (accept(p, TK_COMMA));
    Ast *n = node(p, kw.kind == TK_GLOBAL ? AST_GLOBAL : AST_NONLOCAL, kw.span.start);
    n->names.names = take_list(p, base);
    return n;
}

static bool aug_op(TokKind k, AstBinOp *op) {
    switch (k) {
    case TK_PLUS_EQ: *op = BINOP_ADD; return true;
    case TK_MINUS_EQ: *op = BINOP_SUB; return true;
    case TK_STAR_EQ: *op = BINOP_MUL; return true;
    case TK_SLASH_EQ: *op = BINOP_DIV; return true;
    case TK_DSLASH_EQ: *op = BINOP_FLOORDIV; return true;
    case TK_PERCENT_EQ: *op = BINOP_MOD; return true;
    case TK_DSTAR_EQ: *op = BINOP_POW; return true;
    case TK_AT_EQ: *op = BINOP_MATMUL; return true;
    case TK_LSHIFT_EQ: *op = BINOP_LSHIFT; return true;
    case TK_RSHIFT_EQ: *op = BINOP_RSHIFT; return true;
    case TK_AMP_EQ: *op = BINOP_BITAND; return true;
    case TK_PIPE_EQ: *op = BINOP_BITOR; return true;
    case TK_CARET_EQ: *op = BINOP_BITXOR; return true;
    default: return false;
    }
}

/* expr_stmt = star_exprs ":" expr [ "=" star_exprs ]      (annotated)
 *           | star_exprs AUGOP star_exprs
 *           | star_exprs { "=" star_exprs }              (assignment if any "=") */
static Ast *expr_stmt(Parser *p) {
    uint32_t start = cur(p)->span.start;
    Ast *first = star_exprs(p);
    AstBinOp op;
    if (at(p, TK_COLON)) {
        if (first->kind == AST_TUPLE || first->kind == AST_LIST)
            fail_at(p, first->span, "only single target (not %s) can be annotated",
                    first->kind == AST_TUPLE ? "tuple" : "list");
        if (first->kind != AST_NAME && first->kind != AST_ATTR && first->kind != AST_SUBSCRIPT)
            fail_at(p, first->span, "illegal target for annotation");
        advance(p);
        Ast *ann = expr(p);
        Ast *value = accept(p, TK_ASSIGN) ? star_exprs(p) : NULL;
        Ast *n = node(p, AST_ANNASSIGN, start);
        n->annassign.target = first;
        n->annassign.annotation = ann;
        n->annassign.value = value;
        return n;
    }
    if (aug_op(cur(p)->kind, &op)) {
        if (first->kind != AST_NAME && first->kind != AST_ATTR && first->kind != AST_SUBSCRIPT)
            fail_at(p, first->span, "illegal expression for augmented assignment");
        advance(p);
        Ast *value = star_exprs(p);
        Ast *n = node(p, AST_AUGASSIGN, start);
        n->augassign.op = op;
        n->augassign.target = first;
        n->augassign.value = value;
        return n;
    }
    if (at(p, TK_ASSIGN)) {
        int base = p->scratch.len;
        push(p, first);
        while (accept(p, TK_ASSIGN)) push(p, star_exprs(p));
        Ast *value = p->scratch.data[--p->scratch.len];
        AstList targets = take_list(p, base);
        for (int i = 0; i < targets.len; i++) {
            if (targets.items[i]->kind == AST_STARRED)
                fail_at(p, targets.items[i]->span,
                        "starred assignment target must be in a list or tuple");
            check_target(p, targets.items[i], false);
        }
        Ast *n = node(p, AST_ASSIGN, start);
        n->assign.targets = targets;
        n->assign.value = value;
        return n;
    }
    Ast *n = node(p, AST_EXPR_STMT, start);
    n->expr_stmt.value = first;
    return n;
}

/* simple_stmt = pass | break | continue | return | raise | assert | del
 *             | global | nonlocal | import | from | expr_stmt
 * return = "return" [ star_exprs ]
 * raise  = "raise" [ expr [ "from" expr ] ]
 * assert = "assert" expr [ "," expr ]
 * del    = "del" star_exprs */
static Ast *simple_stmt(Parser *p) {
    Token *t = cur(p);
    uint32_t start = t->span.start;
    Ast *n;
    switch (t->kind) {
    case TK_PASS: advance(p); return node(p, AST_PASS, start);
    case TK_BREAK: advance(p); return node(p, AST_BREAK, start);
    case TK_CONTINUE: advance(p); return node(p, AST_CONTINUE, start);
    case TK_RETURN: {
        advance(p);
        Ast *v = at_stmt_end(p) ? NULL : star_exprs(p);
        n = node(p, AST_RETURN, start);
        n->return_.value = v;
        return n;
    }
    case TK_RAISE: {
        advance(p);
        Ast *exc = NULL, *cause = NULL;
        if (!at_stmt_end(p)) {
            exc = expr(p);
            if (accept(p, TK_FROM)) cause = expr(p);
        }
        n = node(p, AST_RAISE, start);
        n->raise.exc = exc;
        n->raise.cause = cause;
        return n;
    }
    case TK_ASSERT: {
        advance(p);
        Ast *test = expr(p);
        Ast *msg = accept(p, TK_COMMA) ? expr(p) : NULL;
        n = node(p, AST_ASSERT, start);
        n->assert_.test = test;
        n->assert_.msg = msg;
        return n;
    }
    case TK_DEL: {
        advance(p);
        Ast *targets = star_exprs(p);
        int base = p->scratch.len;
        if (targets->kind == AST_TUPLE) {
            for (int i = 0; i < targets->seq.elts.len; i++) push(p, targets->seq.elts.items[i]);
        } else {
            push(p, targets);
        }
        AstList l = take_list(p, base);
        for (int i = 0; i < l.len; i++) check_target(p, l.items[i], true);
        n = node(p, AST_DEL, start);
        n->del.targets = l;
        return n;
    }
    case TK_GLOBAL:
    case TK_NONLOCAL: return names_stmt(p);
    case TK_IMPORT: return import_stmt(p);
    case TK_FROM: return from_stmt(p);
    default: return expr_stmt(p);
    }
}

/* simple_stmts = simple_stmt { ";" simple_stmt } [ ";" ] NEWLINE   (pushes each) */
static void simple_stmts(Parser *p) {
    do {
        if (at(p, TK_NEWLINE)) break;
        push(p, simple_stmt(p));
    } while (accept(p, TK_SEMI));
    if (!at(p, TK_NEWLINE)) {
        Token *t = cur(p);
        if (t->kind == TK_RPAREN || t->kind == TK_RBRACKET || t->kind == TK_RBRACE)
            fail_at(p, t->span, "unmatched '%s'", tok_spelling(t->kind));
        fail_expected(p, "newline");
    }
    advance(p);
}

/* try_stmt = "try" suite ( { except_clause suite }+ [ "else" suite ] [ "finally" suite ]
 *                          | "finally" suite )
 * except_clause = "except" [ expr [ "as" NAME ] ]     (Python mode only) */
static Ast *try_stmt(Parser *p) {
    uint32_t start = advance(p).span.start;
    AstList body = suite(p, "'try' statement", start);
    int base = p->scratch.len;
    while (at(p, TK_EXCEPT)) {
        uint32_t hstart = advance(p).span.start;
        Ast *type = NULL;
        const char *name = NULL;
        if (!at(p, TK_COLON)) {
            type = expr(p);
            if (accept(p, TK_AS)) name = ident(p, "a name after 'as'");
        }
        AstList hbody = suite(p, "'except' statement", hstart);
        Ast *h = node(p, AST_EXCEPT, hstart);
        h->except.type = type;
        h->except.name = name;
        h->except.body = hbody;
        push(p, h);
    }
    AstList handlers = take_list(p, base);
    AstList orelse = {0}, finalbody = {0};
    if (handlers.len && at(p, TK_ELSE)) {
        uint32_t estart = advance(p).span.start;
        orelse = suite(p, "'else' statement", estart);
    }
    if (at(p, TK_FINALLY)) {
        uint32_t fstart = advance(p).span.start;
        finalbody = suite(p, "'finally' statement", fstart);
    }
    if (!handlers.len && !finalbody.len) fail_expected(p, "'except' or 'finally' block");
    Ast *n = node(p, AST_TRY, start);
    n->try_.body = body;
    n->try_.handlers = handlers;
    n->try_.orelse = orelse;
    n->try_.finalbody = finalbody;
    return n;
}

/* Skip a rejected `try` statement's header and block, and remember to skip
 * its except/else/finally clauses too. */
_Noreturn static void reject_try(Parser *p) {
    p->after_try = true;
    fail_at(p, cur(p)->span, "try blocks are not supported in TorchScript (exceptions can be raised, not caught): "
                              "test the condition with an if instead");
}

/* stmt = if_stmt | while_stmt | for_stmt | with_stmt | funcdef | classdef
 *      | decorated | simple_stmts   (pushes the statement(s)) */
static void statement(Parser *p) {
    Token *t = cur(p);
    bool after_try = p->after_try;
    p->after_try = false;
    switch (t->kind) {
    case TK_IF: push(p, if_stmt(p)); return;
    case TK_WHILE: push(p, while_stmt(p)); return;
    case TK_FOR: push(p, for_stmt(p)); return;
    case TK_WITH: push(p, with_stmt(p)); return;
    case TK_DEF: push(p, funcdef(p, (AstList){0})); return;
    case TK_CLASS: push(p, classdef(p, (AstList){0})); return;
    case TK_AT: push(p, decorated(p)); return;
    case TK_TRY:
        if (p->python) {
            push(p, try_stmt(p));
            return;
        }
        reject_try(p);
    case TK_EXCEPT:
    case TK_FINALLY:
    case TK_ELSE:
        if (after_try) {
            p->after_try = true;
            bail(p); /* part of the try already reported */
        }
        fail_at(p, t->span, "unexpected '%s'", tok_spelling(t->kind));
    case TK_ELIF: fail_at(p, t->span, "'elif' without a matching 'if'");
    case TK_ASYNC: fail_at(p, t->span, "'async' is not supported in TorchScript");
    case TK_YIELD: fail_at(p, t->span, "yield is not supported in TorchScript: build a list and return it");
    case TK_INDENT: fail_indent(p);
    case TK_ERROR: bail(p);
    case TK_NEWLINE: advance(p); return;
    default: simple_stmts(p); return;
    }
}

/* Skip to the start of the next statement of the current block: past the
 * end of this logical line and any block indented under it. */
static void sync(Parser *p) {
    int depth = 0;
    for (;;) {
        TokKind k = cur(p)->kind;
        if (k == TK_EOF) return;
        if (k == TK_DEDENT) {
            if (depth == 0) return;
            advance(p);
            if (--depth == 0) return;
            continue;
        }
        if (k == TK_INDENT) depth++;
        advance(p);
        if (k == TK_NEWLINE && depth == 0 && !at(p, TK_INDENT)) return;
    }
}

/* block = { stmt }   until DEDENT or EOF; statements are pushed. A statement
 * with a syntax error is dropped and parsing resumes after it. */
static void stmt_list(Parser *p) {
    jmp_buf jb;
    jmp_buf *saved = p->recover;
    for (;;) {
        int scratch_len = p->scratch.len;
        int depth = p->depth;
        p->recover = &jb;
        if (setjmp(jb)) {
            p->scratch.len = scratch_len;
            p->depth = depth;
            sync(p);
            continue;
        }
        if (p->diags.full) longjmp(*p->stop, 1);
        TokKind k = cur(p)->kind;
        if (k == TK_EOF || k == TK_DEDENT) break;
        statement(p);
    }
    p->recover = saved;
}

/* ---- entry points ---- */

static Parser *parser_new(Arena *arena, Source *src) {
    Parser *p = ts_xmalloc(sizeof *p);
    memset(p, 0, sizeof *p);
    p->arena = arena;
    p->src = src;
    diags_init(&p->diags, src);
    lexer_init(&p->lx, src, arena, &p->diags);
    sb_init(&p->sb);
    return p;
}

/* Free the parser; on errors, put them all in ctx and return TS_ERR_SYNTAX. */
static ts_status parser_finish(Parser *p, Ctx *ctx) {
    ts_status st = TS_OK;
    if (diags_count(&p->diags) > 0) {
        char *text = diags_render(&p->diags);
        size_t n = strlen(text);
        if (n > 0 && text[n - 1] == '\n') text[n - 1] = 0; /* ts_fail adds it back */
        st = ts_fail(ctx, TS_ERR_SYNTAX, NULL, "%s", text);
        ts_free(text);
    }
    lexer_free(&p->lx);
    diags_free(&p->diags);
    vec_free(&p->scratch);
    sb_free(&p->sb);
    ts_free(p);
    return st;
}

static ts_status check_size(Ctx *ctx, Source *src) {
    if (src->len <= PARSE_MAX_SOURCE_BYTES) return TS_OK;
    return ts_fail(ctx, TS_ERR_SYNTAX, NULL, "%s: error: source is too large (%zu bytes; the limit is %d MiB)",
                   src->name, src->len, PARSE_MAX_SOURCE_BYTES >> 20);
}

static ts_status parse_module(Ctx *ctx, Arena *arena, Source *src, bool python, AstModule **out) {
    *out = NULL;
    TS_TRY(check_size(ctx, src));
    Parser *p = parser_new(arena, src);
    p->python = python;
    AstModule *m = arena_new(arena, AstModule);
    m->src = src;
    jmp_buf stop;
    p->stop = &stop;
    if (setjmp(stop) == 0) {
        while (!at(p, TK_EOF)) {
            stmt_list(p);
            accept(p, TK_DEDENT); /* unbalanced only after errors */
        }
        m->body = take_list(p, 0);
        m->doc = doc_of(m->body);
    }
    ts_status st = parser_finish(p, ctx);
    if (st == TS_OK) *out = m;
    return st;
}

ts_status parse_file(Ctx *ctx, Arena *arena, Source *src, AstModule **out) {
    return parse_module(ctx, arena, src, false, out);
}

ts_status parse_file_python(Ctx *ctx, Arena *arena, Source *src, AstModule **out) {
    return parse_module(ctx, arena, src, true, out);
}

ts_status parse_expression(Ctx *ctx, Arena *arena, Source *src, Ast **out) {
    *out = NULL;
    TS_TRY(check_size(ctx, src));
    Parser *p = parser_new(arena, src);
    Ast *volatile e = NULL;
    jmp_buf stop;
    p->stop = &stop;
    p->recover = &stop;
    if (setjmp(stop) == 0) {
        accept(p, TK_INDENT);
        e = star_exprs(p);
        while (at(p, TK_NEWLINE) || at(p, TK_DEDENT)) advance(p);
        if (!at(p, TK_EOF)) fail_expected(p, "end of expression");
    }
    ts_status st = parser_finish(p, ctx);
    if (st == TS_OK) *out = e;
    return st;
}
