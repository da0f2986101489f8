/*
 * ast_print.c - AST utilities: node allocation, operator names, and the
 * S-expression dump used by the parser tests and for debugging.
 *
 * The dump is deterministic and one line per node (ast_print_module puts
 * each top-level statement on its own line). Forms:
 *   names and literals as written in Python (`x`, `3`, `2.5`, `1e-05`, `2.0j`,
 *   "str" with C escapes, True, None, ...); `_` for an absent optional part;
 *   (attr v name) (index v i j) (slice lo hi step) (call f a (kw k v) (** d))
 *   (* x) (- x) (not x) (+ a b) (and a b) (< a b) (cmp a < b <= c)
 *   (ifexp cond then else) (lambda (params ...) body) (tuple ..) (list ..)
 *   (set ..) (dict (k v) (** d)) (listcomp elt (for t it (if c)))
 *   (expr e) (= t1 t2 v) (: x T v) (+= x v) (return v) (raise e (from c))
 *   (assert t m) (pass) (del a) (global a) (if c (body ..) (else ..)),
 *   elif as (if c (body ..) (elif c2 (body ..) (else ..))), (while c (body ..))
 *   (for t it (body ..)) (with (item e t) (body ..))
 *   (def f (decorators ..) (params (self) (x Tensor) (n int 3) (*args) (**kw))
 *        (ret T) (body ..))
 *   (class C (decorators ..) (bases ..) (keywords ..) (body ..))
 *   (import a.b (as c d)) (from ..m x (as y z))
 */
#include <stdio.h>

#include "frontend/ast.h"

Ast *ast_new(Arena *a, AstKind kind, Span span) {
    Ast *n = arena_new(a, Ast);
    n->kind = kind;
    n->span = span;
    return n;
}

static const char *const kind_names[] = {
#define AST(kind, field, name) [AST_##kind] = name,
#include "frontend/ast.def"
};
static const char *const binop_strs[] = {
#define BINOP(name, op, dunder) [BINOP_##name] = op,
#include "frontend/ast.def"
};
static const char *const binop_dunders[] = {
#define BINOP(name, op, dunder) [BINOP_##name] = dunder,
#include "frontend/ast.def"
};
static const char *const unop_strs[] = {
#define UNOP(name, op) [UNOP_##name] = op,
#include "frontend/ast.def"
};
static const char *const cmpop_strs[] = {
#define CMPOP(name, op) [CMPOP_##name] = op,
#include "frontend/ast.def"
};

const char *ast_kind_name(AstKind k) { return (unsigned)k < AST_KIND_COUNT ? kind_names[k] : "?"; }
const char *ast_binop_str(AstBinOp op) { return (unsigned)op < BINOP_COUNT ? binop_strs[op] : "?"; }
const char *ast_binop_dunder(AstBinOp op) {
    return (unsigned)op < BINOP_COUNT ? binop_dunders[op] : "?";
}
const char *ast_unop_str(AstUnaryOp op) { return (unsigned)op < UNOP_COUNT ? unop_strs[op] : "?"; }
const char *ast_cmpop_str(AstCmpOp op) { return (unsigned)op < CMPOP_COUNT ? cmpop_strs[op] : "?"; }

/* ---- the dump ---- */

static void print_str(StrBuf *sb, const char *s, size_t n) {
    sb_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': sb_puts(sb, "\\\""); break;
        case '\\': sb_puts(sb, "\\\\"); break;
        case '\n': sb_puts(sb, "\\n"); break;
        case '\t': sb_puts(sb, "\\t"); break;
        case '\r': sb_puts(sb, "\\r"); break;
        default:
            if (c < 0x20 || c >= 0x7f) sb_printf(sb, "\\x%02x", c);
            else sb_putc(sb, (char)c);
        }
    }
    sb_putc(sb, '"');
}

static void print_list(StrBuf *sb, AstList l) {
    for (int i = 0; i < l.len; i++) {
        sb_putc(sb, ' ');
        ast_print(sb, l.items[i]);
    }
}

/* " (head items...)", or nothing if the list is empty and optional */
static void print_group(StrBuf *sb, const char *head, AstList l, bool optional) {
    if (optional && l.len == 0) return;
    sb_printf(sb, " (%s", head);
    print_list(sb, l);
    sb_putc(sb, ')');
}

static void print_opt(StrBuf *sb, const Ast *n) {
    sb_putc(sb, ' ');
    ast_print(sb, n);
}

static void print_if(StrBuf *sb, const Ast *n, const char *head) {
    sb_printf(sb, "(%s ", head);
    ast_print(sb, n->if_.cond);
    print_group(sb, "body", n->if_.body, false);
    AstList e = n->if_.orelse;
    if (e.len == 1 && e.items[0]->kind == AST_IF && e.items[0]->if_.elif) {
        sb_putc(sb, ' ');
        print_if(sb, e.items[0], "elif");
    } else {
        print_group(sb, "else", e, true);
    }
    sb_putc(sb, ')');
}

static const char *cmp_word(AstCmpOp op) {
    return op == CMPOP_NOT_IN ? "not-in" : op == CMPOP_IS_NOT ? "is-not" : ast_cmpop_str(op);
}

void ast_print(StrBuf *sb, const Ast *n) {
    if (!n) {
        sb_putc(sb, '_');
        return;
    }
    switch (n->kind) {
    case AST_NAME: sb_puts(sb, n->name.id); return;
    case AST_INT: sb_printf(sb, "%lld", (long long)n->int_lit.value); return;
    case AST_FLOAT: sb_put_pyfloat(sb, n->float_lit.value); return;
    case AST_IMAG:
        sb_put_pyfloat(sb, n->float_lit.value);
        sb_putc(sb, 'j');
        return;
    case AST_STR: print_str(sb, n->str.data, n->str.len); return;
    case AST_FSTR: sb_puts(sb, "(fstr "); print_str(sb, n->str.data, n->str.len); sb_putc(sb, ')'); return;
    case AST_BOOL: sb_puts(sb, n->bool_lit.value ? "True" : "False"); return;
    case AST_NONE: sb_puts(sb, "None"); return;
    case AST_ELLIPSIS: sb_puts(sb, "..."); return;
    case AST_ATTR:
        sb_puts(sb, "(attr ");
        ast_print(sb, n->attr.value);
        sb_printf(sb, " %s)", n->attr.name);
        return;
    case AST_SUBSCRIPT:
        sb_puts(sb, "(index ");
        ast_print(sb, n->subscript.value);
        print_list(sb, n->subscript.indices);
        if (n->subscript.tuple && n->subscript.indices.len == 1) sb_puts(sb, " ,");
        sb_putc(sb, ')');
        return;
    case AST_SLICE:
        sb_puts(sb, "(slice");
        print_opt(sb, n->slice.lower);
        print_opt(sb, n->slice.upper);
        print_opt(sb, n->slice.step);
        sb_putc(sb, ')');
        return;
    case AST_CALL:
        sb_puts(sb, "(call ");
        ast_print(sb, n->call.func);
        print_list(sb, n->call.args);
        print_list(sb, n->call.keywords);
        sb_putc(sb, ')');
        return;
    case AST_KEYWORD:
        if (n->keyword.arg) sb_printf(sb, "(kw %s ", n->keyword.arg);
        else sb_puts(sb, "(** ");
        ast_print(sb, n->keyword.value);
        sb_putc(sb, ')');
        return;
    case AST_STARRED:
        sb_puts(sb, "(* ");
        ast_print(sb, n->starred.value);
        sb_putc(sb, ')');
        return;
    case AST_UNARY:
        sb_printf(sb, "(%s ", ast_unop_str(n->unary.op));
        ast_print(sb, n->unary.operand);
        sb_putc(sb, ')');
        return;
    case AST_BINOP:
        sb_printf(sb, "(%s ", ast_binop_str(n->binop.op));
        ast_print(sb, n->binop.lhs);
        print_opt(sb, n->binop.rhs);
        sb_putc(sb, ')');
        return;
    case AST_BOOLOP:
        sb_puts(sb, n->boolop.op == BOOLOP_AND ? "(and " : "(or ");
        ast_print(sb, n->boolop.lhs);
        print_opt(sb, n->boolop.rhs);
        sb_putc(sb, ')');
        return;
    case AST_COMPARE:
        if (n->compare.nops == 1) {
            sb_printf(sb, "(%s ", cmp_word(n->compare.ops[0]));
            ast_print(sb, n->compare.operands.items[0]);
            print_opt(sb, n->compare.operands.items[1]);
        } else {
            sb_puts(sb, "(cmp ");
            ast_print(sb, n->compare.operands.items[0]);
            for (int i = 0; i < n->compare.nops; i++) {
                sb_printf(sb, " %s ", cmp_word(n->compare.ops[i]));
                ast_print(sb, n->compare.operands.items[i + 1]);
            }
        }
        sb_putc(sb, ')');
        return;
    case AST_IFEXP:
        sb_puts(sb, "(ifexp ");
        ast_print(sb, n->ifexp.cond);
        print_opt(sb, n->ifexp.then);
        print_opt(sb, n->ifexp.orelse);
        sb_putc(sb, ')');
        return;
    case AST_LAMBDA:
        sb_puts(sb, "(lambda");
        print_group(sb, "params", n->lambda.params, false);
        print_opt(sb, n->lambda.body);
        sb_putc(sb, ')');
        return;
    case AST_TUPLE:
    case AST_LIST:
    case AST_SET:
        sb_printf(sb, "(%s", ast_kind_name(n->kind));
        print_list(sb, n->seq.elts);
        sb_putc(sb, ')');
        return;
    case AST_DICT:
        sb_puts(sb, "(dict");
        for (int i = 0; i < n->dict.keys.len; i++) {
            if (n->dict.keys.items[i]) {
                sb_puts(sb, " (");
                ast_print(sb, n->dict.keys.items[i]);
                sb_putc(sb, ' ');
            } else {
                sb_puts(sb, " (** ");
            }
            ast_print(sb, n->dict.values.items[i]);
            sb_putc(sb, ')');
        }
        sb_putc(sb, ')');
        return;
    case AST_LISTCOMP:
    case AST_SETCOMP:
    case AST_DICTCOMP:
    case AST_GENEXP:
        sb_printf(sb, "(%s ", ast_kind_name(n->kind));
        ast_print(sb, n->comp.elt);
        if (n->kind == AST_DICTCOMP) print_opt(sb, n->comp.value);
        print_list(sb, n->comp.generators);
        sb_putc(sb, ')');
        return;
    case AST_COMPREHENSION:
        sb_puts(sb, "(for ");
        ast_print(sb, n->comprehension.target);
        print_opt(sb, n->comprehension.iter);
        for (int i = 0; i < n->comprehension.ifs.len; i++) {
            sb_puts(sb, " (if ");
            ast_print(sb, n->comprehension.ifs.items[i]);
            sb_putc(sb, ')');
        }
        sb_putc(sb, ')');
        return;

    case AST_EXPR_STMT:
        sb_puts(sb, "(expr ");
        ast_print(sb, n->expr_stmt.value);
        sb_putc(sb, ')');
        return;
    case AST_ASSIGN:
        sb_puts(sb, "(=");
        print_list(sb, n->assign.targets);
        print_opt(sb, n->assign.value);
        sb_putc(sb, ')');
        return;
    case AST_ANNASSIGN:
        sb_puts(sb, "(: ");
        ast_print(sb, n->annassign.target);
        print_opt(sb, n->annassign.annotation);
        if (n->annassign.value) print_opt(sb, n->annassign.value);
        sb_putc(sb, ')');
        return;
    case AST_AUGASSIGN:
        sb_printf(sb, "(%s= ", ast_binop_str(n->augassign.op));
        ast_print(sb, n->augassign.target);
        print_opt(sb, n->augassign.value);
        sb_putc(sb, ')');
        return;
    case AST_RETURN:
        sb_puts(sb, "(return");
        if (n->return_.value) print_opt(sb, n->return_.value);
        sb_putc(sb, ')');
        return;
    case AST_RAISE:
        sb_puts(sb, "(raise");
        if (n->raise.exc) print_opt(sb, n->raise.exc);
        if (n->raise.cause) {
            sb_puts(sb, " (from ");
            ast_print(sb, n->raise.cause);
            sb_putc(sb, ')');
        }
        sb_putc(sb, ')');
        return;
    case AST_ASSERT:
        sb_puts(sb, "(assert ");
        ast_print(sb, n->assert_.test);
        if (n->assert_.msg) print_opt(sb, n->assert_.msg);
        sb_putc(sb, ')');
        return;
    case AST_PASS:
    case AST_BREAK:
    case AST_CONTINUE: sb_printf(sb, "(%s)", ast_kind_name(n->kind)); return;
    case AST_DEL:
        sb_puts(sb, "(del");
        print_list(sb, n->del.targets);
        sb_putc(sb, ')');
        return;
    case AST_GLOBAL:
    case AST_NONLOCAL:
        sb_printf(sb, "(%s", ast_kind_name(n->kind));
        print_list(sb, n->names.names);
        sb_putc(sb, ')');
        return;
    case AST_IF: print_if(sb, n, "if"); return;
    case AST_WHILE:
        sb_puts(sb, "(while ");
        ast_print(sb, n->while_.cond);
        print_group(sb, "body", n->while_.body, false);
        print_group(sb, "else", n->while_.orelse, true);
        sb_putc(sb, ')');
        return;
    case AST_FOR:
        sb_puts(sb, "(for ");
        ast_print(sb, n->for_.target);
        print_opt(sb, n->for_.iter);
        print_group(sb, "body", n->for_.body, false);
        print_group(sb, "else", n->for_.orelse, true);
        sb_putc(sb, ')');
        return;
    case AST_WITH:
        sb_puts(sb, "(with");
        print_list(sb, n->with.items);
        print_group(sb, "body", n->with.body, false);
        sb_putc(sb, ')');
        return;
    case AST_WITHITEM:
        sb_puts(sb, "(item ");
        ast_print(sb, n->withitem.context);
        if (n->withitem.target) print_opt(sb, n->withitem.target);
        sb_putc(sb, ')');
        return;
    case AST_TRY:
        sb_puts(sb, "(try");
        print_group(sb, "body", n->try_.body, false);
        print_list(sb, n->try_.handlers);
        print_group(sb, "else", n->try_.orelse, true);
        print_group(sb, "finally", n->try_.finalbody, true);
        sb_putc(sb, ')');
        return;
    case AST_EXCEPT:
        sb_puts(sb, "(except");
        if (n->except.type) print_opt(sb, n->except.type);
        if (n->except.name) sb_printf(sb, " %s", n->except.name);
        print_group(sb, "body", n->except.body, false);
        sb_putc(sb, ')');
        return;
    case AST_FUNCDEF:
        sb_printf(sb, "(def %s", n->funcdef.name);
        print_group(sb, "decorators", n->funcdef.decorators, true);
        print_group(sb, "params", n->funcdef.params, false);
        if (n->funcdef.returns) {
            sb_puts(sb, " (ret ");
            ast_print(sb, n->funcdef.returns);
            sb_putc(sb, ')');
        }
        print_group(sb, "body", n->funcdef.body, false);
        sb_putc(sb, ')');
        return;
    case AST_PARAM: {
        static const char *const prefix[] = {
            [PARAM_NORMAL] = "", [PARAM_POSONLY] = "posonly ", [PARAM_KWONLY] = "kwonly ",
            [PARAM_VARARGS] = "*", [PARAM_KWARGS] = "**",
        };
        sb_printf(sb, "(%s%s", prefix[n->param.kind], n->param.name);
        if (n->param.annotation || n->param.default_) print_opt(sb, n->param.annotation);
        if (n->param.default_) print_opt(sb, n->param.default_);
        sb_putc(sb, ')');
        return;
    }
    case AST_CLASSDEF:
        sb_printf(sb, "(class %s", n->classdef.name);
        print_group(sb, "decorators", n->classdef.decorators, true);
        print_group(sb, "bases", n->classdef.bases, true);
        print_group(sb, "keywords", n->classdef.keywords, true);
        print_group(sb, "body", n->classdef.body, false);
        sb_putc(sb, ')');
        return;
    case AST_IMPORT:
        sb_puts(sb, "(import");
        print_list(sb, n->import.names);
        sb_putc(sb, ')');
        return;
    case AST_IMPORTFROM:
        sb_puts(sb, "(from ");
        for (int i = 0; i < n->importfrom.level; i++) sb_putc(sb, '.');
        if (n->importfrom.module) sb_puts(sb, n->importfrom.module);
        print_list(sb, n->importfrom.names);
        sb_putc(sb, ')');
        return;
    case AST_ALIAS:
        if (n->alias.asname) sb_printf(sb, "(as %s %s)", n->alias.name, n->alias.asname);
        else sb_puts(sb, n->alias.name);
        return;
    case AST_KIND_COUNT: break;
    }
    sb_puts(sb, "?");
}

void ast_print_module(StrBuf *sb, const AstModule *m) {
    for (int i = 0; i < m->body.len; i++) {
        ast_print(sb, m->body.items[i]);
        sb_putc(sb, '\n');
    }
}
