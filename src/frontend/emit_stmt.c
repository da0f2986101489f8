/*
 * emit_stmt.c - AST to IR: type checking and SSA construction for one function
 * (statements and control flow; expressions are in emit_expr.c).
 *
 * Variables live in environments, one per block; an assignment binds a name
 * to an IR value in the current environment. Structured control flow turns
 * into prim::If / prim::Loop nodes whose outputs are the variables the
 * branches or the loop body (re)assign, as PyTorch's ir_emitter does:
 *   - if: a name assigned in a branch flows out when it is defined on both
 *     paths (before the if, or in both branches); a branch that raises
 *     defines nothing and gets prim::Uninitialized placeholders;
 *   - loops: names assigned in the body that exist before the loop are
 *     loop-carried (block parameters and block returns);
 *   - return: the value is bound to the hidden variable `$ret`; a branch that
 *     always returns takes the rest of the enclosing block into the other
 *     branch, so every path ends with `$ret` defined.
 * Calls resolve at emission time: builtin ops through the registry (match.c),
 * methods and functions through the unit, so the graph holds no names.
 * Expressions first evaluate to a "sugared value" (SV): a namespace
 * (`torch`, `ops.prim`, `__torch__.x`), a method on a receiver, a builtin
 * function, a class or function, or a plain IR value.
 */
#include <stdio.h>
#include <stdlib.h>

#include "frontend/emit_internal.h"

static ts_status emit_stmts(Em *em, const AstList *l, int from);

/* ---- statements ---- */

static ts_status assign_to(Em *em, const Ast *target, Value *v, Span sp);

static ts_status unpack_to(Em *em, const Ast *target, Value *v, Span sp) {
    const AstList *ts = &target->seq.elts;
    for (int i = 0; i < ts->len; i++)
        if (ts->items[i]->kind == AST_STARRED)
            return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, v->node->span.src ? &v->node->span : &sp,
                           "cannot statically infer the expected size of a list in this context: starred assignment "
                           "is not supported in TorchScript; index instead (first = xs[0], rest = xs[1:])");
    Type *t = v->type;
    Node *n;
    if (v->node->kind == NK_UNRESOLVED && t->kind == TK_TENSOR && ts->len <= MAX_CALL_ARGS) {
        /* `values, indices = torch.topk(x, 2)` with topk unknown: a tuple of tensors */
        Type *elems[MAX_CALL_ARGS];
        for (int i = 0; i < ts->len; i++) elems[i] = ty_tensor();
        v->type = t = ty_tuple(elems, ts->len);
    }
    if (t->kind == TK_TUPLE && v->node->kind == NK_TUPLE_CONSTRUCT && v->node->inputs.len == ts->len) {
        /* `a, b = x + 1, f(x)` (or a tuple-returning op): the construct's inputs
         * themselves, named by the targets, as PyTorch's createTupleUnpack folds it */
        Node *c = v->node;
        for (int i = 0; i < ts->len; i++) TS_TRY(assign_to(em, ts->items[i], c->inputs.data[i], sp));
        return TS_OK;
    }
    if (t->kind == TK_TUPLE || (t->kind == TK_CLASS && t->cls->kind == CK_NAMEDTUPLE)) {
        int nt = t->kind == TK_TUPLE ? t->n : t->cls->attrs.len;
        if (nt != ts->len)
            return ts_fail(em->ctx, TS_ERR_TYPE, &sp, "cannot unpack a tuple of %d elements into %d names", nt, ts->len);
        n = em_append(em, NK_TUPLE_UNPACK, sp);
        node_add_input(em->g, n, v);
        for (int i = 0; i < nt; i++)
            node_add_output(em->g, n, t->kind == TK_TUPLE ? t->elems[i] : t->cls->attrs.data[i].type);
    } else if (t->kind == TK_LIST) {
        n = em_append(em, NK_LIST_UNPACK, sp);
        node_add_input(em->g, n, v);
        for (int i = 0; i < ts->len; i++) node_add_output(em->g, n, t->elems[0]);
    } else {
        StrBuf tb;
        sb_init(&tb);
        ty_annotation_str(&tb, t);
        ts_status st = ts_fail(em->ctx, TS_ERR_TYPE, &sp, "cannot unpack a value of type %s", sb_cstr(&tb));
        sb_free(&tb);
        return st;
    }
    for (int i = 0; i < ts->len; i++) TS_TRY(assign_to(em, ts->items[i], n->outputs.data[i], sp));
    return TS_OK;
}

/* x = v in a branch or loop body where x comes from outside it: v must fit
 * x's type there, as PyTorch's environment requires (a value that must flow
 * out of control flow has one type). A tensor for a number variable is
 * PyTorch's implicit conversion, and left to the merge. */
static ts_status check_reassign(Em *em, const Ast *target, Value *v) {
    const char *name = target->name.id;
    Value *prev = strmap_get(&em->env->vars, name);
    bool outer;
    if (prev) {
        outer = prev->node == em->b->param && em->b != em->g->block; /* a loop-carried parameter */
    } else {
        prev = em->env->parent ? em_env_lookup(em->env->parent, name) : NULL;
        outer = prev != NULL;
    }
    if (!outer || ty_subtype(v->type, prev->type)) return TS_OK;
    /* a type guessed for an op tscript lacks is no user error */
    if (em_from_unresolved(prev) || em_from_unresolved(v)) return TS_OK;
    TypeKind pk = prev->type->kind;
    if (v->type->kind == TK_TENSOR && (pk == TK_INT || pk == TK_FLOAT || pk == TK_NUMBER || pk == TK_BOOL)) return TS_OK;
    StrBuf a, b;
    sb_init(&a);
    sb_init(&b);
    ty_annotation_str(&a, prev->type);
    ty_annotation_str(&b, v->type);
    ts_status st = ts_fail(em->ctx, TS_ERR_TYPE, &target->span,
                           "variable '%s' previously had type %s but is now being assigned to a value of type %s%s", name,
                           sb_cstr(&a), sb_cstr(&b),
                           pk == TK_NONE ? ": declare it with its type first (x: Optional[T] = None)"
                                         : ": keep one type, or use another name");
    sb_free(&a);
    sb_free(&b);
    return st;
}

static ts_status assign_to(Em *em, const Ast *target, Value *v, Span sp) {
    switch (target->kind) {
    case AST_NAME:
        /* as PyTorch: values of this block only, not named yet ($temporaries are not names) */
        if ((!v->name || v->name[0] == '$') && v->node->owner == em->b) v->name = target->name.id;
        em_env_set(em, target->name.id, v);
        return TS_OK;
    case AST_TUPLE:
    case AST_LIST: return unpack_to(em, target, v, sp);
    case AST_ATTR: {
        Value *obj;
        TS_TRY(em_expr(em, target->attr.value, NULL, &obj));
        if (obj->type->kind != TK_CLASS)
            return ts_fail(em->ctx, TS_ERR_TYPE, &target->span, "cannot set attribute '%s' here", target->attr.name);
        ClassType *c = obj->type->cls;
        int k = classtype_attr_index(c, target->attr.name);
        if (k < 0 && em->u->from_source && c->kind == CK_MODULE)
            return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &target->span,
                           "tried to set nonexistent attribute '%s' of module '%s': create it in __init__",
                           target->attr.name, c->name);
        if (k < 0)
            return ts_fail(em->ctx, TS_ERR_NOT_FOUND, &target->span, "'%s' has no attribute '%s'", c->qualname, target->attr.name);
        if (!ty_subtype(v->type, c->attrs.data[k].type))
            return em_type_error(em, sp, target->attr.name, c->attrs.data[k].type, v->type);
        Node *n = em_append(em, NK_SETATTR, sp);
        node_add_input(em->g, n, obj);
        node_add_input(em->g, n, v);
        n->name = c->attrs.data[k].name;
        n->index = k;
        return TS_OK;
    }
    case AST_SUBSCRIPT: {
        Value *base, *idx, *r;
        TS_TRY(em_expr(em, target->subscript.value, NULL, &base));
        if (base->type->kind == TK_TENSOR && em->u->from_source) {
            /* x[i, a:b] = v copies into the view, a number made a tensor like it first (as PyTorch emits it) */
            Value *view;
            bool done;
            TS_TRY(em_tensor_index_put(em, target, base, v, &view, &done));
            if (done) return TS_OK;
            TS_TRY(em_number_as_tensor(em, v, view, sp, &v));
            return em_op(em, "aten::copy_", sp, &r, 2, view, v, NULL);
        }
        if (target->subscript.indices.len != 1 || base->type->kind == TK_TENSOR)
            return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &target->span, "this subscript assignment is not supported yet");
        TS_TRY(em_expr(em, target->subscript.indices.items[0], NULL, &idx));
        CallArg a[3] = {{base, NULL, sp}, {idx, NULL, sp}, {v, NULL, sp}};
        Value **outs;
        int n;
        TS_TRY(sema_emit_op(em->ctx, em->g, em->b, "aten::_set_item", a, 3, sp, &outs, &n));
        TS_UNUSED(r);
        return TS_OK;
    }
    default: break;
    }
    return ts_fail(em->ctx, TS_ERR_SYNTAX, &target->span, "cannot assign to this expression");
}

/* x[i, a:b] += v on a tensor, as PyTorch's emitAugAssignmentToSubscript: the
 * in-place op on the view; with a tensor index, index, the in-place op on
 * that, then index_put_ back. *done is false when x is not a tensor. */
static ts_status aug_assign_tensor_subscript(Em *em, const Ast *s, bool *done) {
    const Ast *target = s->augassign.target;
    Span sp = s->span;
    Value *base, *view, *rhs, *r;
    *done = false;
    TS_TRY(em_expr(em, target->subscript.value, NULL, &base));
    if (base->type->kind != TK_TENSOR) return TS_OK; /* re-emitted by the general path (no side effects) */
    Value *tix[MAX_CALL_ARGS];
    int n;
    TS_TRY(em_tensor_index_views(em, target, base, &view, tix, &n));
    TS_TRY(em_expr(em, s->augassign.value, NULL, &rhs));
    const char *name = arena_printf(&em->g->arena, "%s_", em_binop_aten(s->augassign.op, true));
    *done = true;
    if (n == 0) return em_op(em, name, sp, &r, 2, view, rhs, NULL);
    Value *l = em_tensor_index_list(em, tix, n, sp), *picked;
    TS_TRY(em_op(em, "aten::index", sp, &picked, 2, view, l, NULL));
    TS_TRY(em_op(em, name, sp, &picked, 2, picked, rhs, NULL));
    return em_op(em, "aten::index_put_", sp, &r, 3, view, l, picked);
}

/* Names assigned anywhere in a statement list (not in nested defs). */
static void collect_assigned(const AstList *l, StrMap *out, NameVec *order);

static void collect_target(const Ast *t, StrMap *out, NameVec *order) {
    if (!t) return;
    if (t->kind == AST_NAME) {
        if (!strmap_get(out, t->name.id)) {
            strmap_put(out, t->name.id, (void *)1);
            vec_push(order, t->name.id);
        }
    } else if (t->kind == AST_TUPLE || t->kind == AST_LIST) {
        for (int i = 0; i < t->seq.elts.len; i++) collect_target(t->seq.elts.items[i], out, order);
    } else if (t->kind == AST_STARRED) {
        collect_target(t->starred.value, out, order);
    }
}

static void collect_assigned(const AstList *l, StrMap *out, NameVec *order) {
    for (int i = 0; i < l->len; i++) {
        const Ast *s = l->items[i];
        switch (s->kind) {
        case AST_ASSIGN:
            for (int k = 0; k < s->assign.targets.len; k++) collect_target(s->assign.targets.items[k], out, order);
            break;
        case AST_ANNASSIGN: collect_target(s->annassign.target, out, order); break;
        case AST_AUGASSIGN: collect_target(s->augassign.target, out, order); break;
        case AST_IF:
            collect_assigned(&s->if_.body, out, order);
            collect_assigned(&s->if_.orelse, out, order);
            break;
        case AST_WHILE: collect_assigned(&s->while_.body, out, order); break;
        case AST_FOR:
            collect_target(s->for_.target, out, order);
            collect_assigned(&s->for_.body, out, order);
            break;
        default: break;
        }
    }
}

static bool always_exits(const AstList *l) {
    if (l->len == 0) return false;
    const Ast *s = l->items[l->len - 1];
    if (s->kind == AST_RETURN || s->kind == AST_RAISE || s->kind == AST_BREAK || s->kind == AST_CONTINUE) return true;
    if (s->kind == AST_IF) return always_exits(&s->if_.body) && always_exits(&s->if_.orelse);
    return false;
}

/* Does every path through l end in a raise? Such a branch does not take
 * the rest of the block (PyTorch keeps that after the if). */
static bool always_raises(const AstList *l) {
    if (l->len == 0) return false;
    const Ast *s = l->items[l->len - 1];
    if (s->kind == AST_RAISE) return true;
    if (s->kind == AST_IF) return always_raises(&s->if_.body) && always_raises(&s->if_.orelse);
    return false;
}

/* Does a loop body break out of its own loop (not of a nested one)? */
static bool has_break(const AstList *l) {
    for (int i = 0; i < l->len; i++) {
        const Ast *s = l->items[i];
        if (s->kind == AST_BREAK) return true;
        if (s->kind == AST_IF && (has_break(&s->if_.body) || has_break(&s->if_.orelse))) return true;
    }
    return false;
}

/* Does a loop body return (in its ifs, withs or nested loops)? */
static bool has_return(const AstList *l) {
    for (int i = 0; i < l->len; i++) {
        const Ast *s = l->items[i];
        if (s->kind == AST_RETURN) return true;
        if (s->kind == AST_IF && (has_return(&s->if_.body) || has_return(&s->if_.orelse))) return true;
        if (s->kind == AST_FOR && has_return(&s->for_.body)) return true;
        if (s->kind == AST_WHILE && has_return(&s->while_.body)) return true;
        if (s->kind == AST_WITH && has_return(&s->with.body)) return true;
    }
    return false;
}

static bool ended(const Env *e) { return e->raised || e->returned || e->jumped; }

static bool is_raise_call(const Ast *s) {
    if (s->kind != AST_EXPR_STMT || s->expr_stmt.value->kind != AST_CALL) return false;
    StrBuf sb;
    sb_init(&sb);
    bool r = sema_dotted_name(s->expr_stmt.value->call.func, &sb) && strcmp(sb_cstr(&sb), "ops.prim.RaiseException") == 0;
    sb_free(&sb);
    return r;
}

/* Emit a branch body (plus an optional continuation) into block blk with a child env. */
static ts_status emit_branch(Em *em, Block *blk, Env *env, const AstList *body, const AstList *rest, int rest_from) {
    Block *sb = em->b;
    Env *se = em->env;
    em->b = blk;
    em->env = env;
    ts_status st = emit_stmts(em, body, 0);
    if (st == TS_OK && rest && !ended(env)) st = emit_stmts(em, rest, rest_from);
    em->b = sb;
    em->env = se;
    return st;
}

/* Optional refinement, as PyTorch does for local names: `x is None` /
 * `x is not None` and `isinstance(x, T)` (and their `and`, `or`, `not`
 * combinations) give x a narrower type in the branch where it holds.
 * r->names[k] collects the names refined in branch k (0: true, 1: false),
 * r->types[k] the annotation to refine to (NULL: Optional's element). */
static void add_refine_ex(Refine *r, int k, const char *name, const Ast *type, bool exclude) {
    if (r->n[k] >= EM_MAX_REFINES) return;
    r->names[k][r->n[k]] = name;
    r->types[k][r->n[k]] = type;
    r->exclude[k][r->n[k]] = exclude;
    r->n[k]++;
}

static void add_refine(Refine *r, int k, const char *name, const Ast *type) { add_refine_ex(r, k, name, type, false); }

void em_collect_refines(const Ast *c, bool negate, Refine *r) {
    if (c->kind == AST_UNARY && c->unary.op == UNOP_NOT) {
        em_collect_refines(c->unary.operand, !negate, r);
        return;
    }
    if (c->kind == AST_BOOLOP) {
        /* `a and b` refines both in its true branch; `a or b` both in its false one */
        bool both_true = (c->boolop.op == BOOLOP_AND) != negate;
        Refine a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        em_collect_refines(c->boolop.lhs, negate, &a);
        em_collect_refines(c->boolop.rhs, negate, &b);
        int k = both_true ? 0 : 1;
        for (int i = 0; i < a.n[k]; i++) add_refine_ex(r, k, a.names[k][i], a.types[k][i], a.exclude[k][i]);
        for (int i = 0; i < b.n[k]; i++) add_refine_ex(r, k, b.names[k][i], b.types[k][i], b.exclude[k][i]);
        return;
    }
    if (c->kind == AST_CALL && c->call.func->kind == AST_NAME && strcmp(c->call.func->name.id, "isinstance") == 0 &&
        c->call.args.len == 2 && c->call.args.items[0]->kind == AST_NAME && c->call.args.items[1]->kind != AST_TUPLE) {
        /* true: x is of that type; false: x is one of its other Union members (PyTorch's
         * isinstance refinement of both branches) */
        add_refine_ex(r, negate ? 1 : 0, c->call.args.items[0]->name.id, c->call.args.items[1], false);
        add_refine_ex(r, negate ? 0 : 1, c->call.args.items[0]->name.id, c->call.args.items[1], true);
        return;
    }
    if (c->kind != AST_COMPARE || c->compare.nops != 1) return;
    AstCmpOp op = c->compare.ops[0];
    if (op != CMPOP_IS && op != CMPOP_IS_NOT) return;
    const Ast *a = c->compare.operands.items[0], *b = c->compare.operands.items[1];
    if (a->kind == AST_NONE) {
        const Ast *t = a;
        a = b;
        b = t;
    }
    if (a->kind != AST_NAME || b->kind != AST_NONE) return;
    add_refine(r, ((op == CMPOP_IS_NOT) != negate) ? 0 : 1, a->name.id, NULL);
}

/* The members of Union (or Optional) u that are not of type t, as one type;
 * NULL when that removes nothing or everything. */
static Type *union_without(Type *u, Type *t) {
    if (u->kind != TK_UNION && u->kind != TK_OPTIONAL) return NULL;
    Type *keep[16];
    int n = 0, total;
    if (u->kind == TK_OPTIONAL) {
        Type *m[2] = {u->elems[0], ty_none()};
        total = 2;
        for (int i = 0; i < 2; i++)
            if (!ty_subtype(m[i], t)) keep[n++] = m[i];
    } else {
        total = u->n;
        for (int i = 0; i < u->n && n < 16; i++)
            if (!ty_subtype(u->elems[i], t)) keep[n++] = u->elems[i];
    }
    if (n == 0 || n == total) return NULL;
    return n == 1 ? keep[0] : ty_union(keep, n);
}

void em_apply_refines(Em *em, const Refine *r, int k, Block *blk, Env *env, Span sp) {
    for (int i = 0; i < r->n[k]; i++) {
        Value *v = em_env_lookup(em->env, r->names[k][i]);
        if (!v) continue;
        Type *to = NULL;
        if (r->types[k][i]) {
            Type *t;
            if (sema_resolve_type(em->ctx, em->u, r->types[k][i], &t) != TS_OK) {
                ts_clear_error(em->ctx); /* isinstance reports it when emitted */
                continue;
            }
            if (r->exclude[k][i]) {
                to = union_without(v->type, t);
                if (!to) continue;
            } else {
                if (ty_subtype(v->type, t) || !ty_subtype(t, v->type)) continue;
                to = t;
            }
        } else {
            if (v->type->kind != TK_OPTIONAL) continue;
            to = v->type->elems[0];
        }
        Node *cast = node_new(em->g, NK_UNCHECKED_CAST, sp);
        block_append(blk, cast);
        node_add_input(em->g, cast, v);
        Value *o = node_add_output(em->g, cast, to);
        o->name = r->names[k][i]; /* the variable's name, as PyTorch's setVar gives it */
        /* an assignment, as PyTorch stores it: the If (or and/or) merges it out
         * and later code uses the merged value; a merge nothing uses is dead */
        if (!strmap_get(&env->vars, r->names[k][i])) vec_push(&env->order, arena_strdup(&em->g->arena, r->names[k][i]));
        strmap_put(&env->vars, r->names[k][i], o);
    }
}

/* An if where some path returns and another goes on (a return nested in ifs,
 * which the rest-of-block move cannot reach): as PyTorch's exit transform, each
 * branch that may have returned defines `$retflag` and `$ret`, and the others
 * get the outer ones (or False and an uninitialized value), so both flow out of
 * the if; the code after it then runs only when the flag is false
 * (emit_guarded_rest). True when that happened. */
/* The type of a returned value before its conversion to the declared return type:
 * PyTorch converts to a supertype without a node, so its placeholders (and the
 * values merged from the paths) keep the value's own type. */
static Type *returned_type(Value *v, int depth) {
    Node *n = v->node;
    if (n->kind == NK_UNCHECKED_CAST && n->inputs.len == 1) return n->inputs.data[0]->type;
    if (n->kind == NK_IF && n->nblocks == 2 && depth < 32) {
        Type *a = returned_type(n->blocks[0]->ret->inputs.data[v->offset], depth + 1);
        Type *b = returned_type(n->blocks[1]->ret->inputs.data[v->offset], depth + 1);
        Type *u = ty_unify(a, b);
        if (u) return u;
    }
    return v->type;
}

static bool prepare_partial_return(Em *em, Env *envs, Block **blks, Span sp) {
    bool any = false, all = true;
    Type *rt = NULL;
    for (int k = 0; k < 2; k++) {
        bool r = !envs[k].raised && (envs[k].returned || envs[k].maybe_ret);
        any = any || r;
        all = all && (envs[k].raised || envs[k].returned);
        Value *v = r ? strmap_get(&envs[k].vars, "$ret") : NULL;
        if (v && !rt) rt = returned_type(v, 0);
    }
    if (!any || all || !rt) return false;
    Block *sb = em->b;
    Env *se = em->env;
    for (int k = 0; k < 2; k++) {
        if (envs[k].raised) continue;
        em->b = blks[k];
        em->env = &envs[k];
        if (envs[k].returned && !envs[k].maybe_ret) {
            em_env_set(em, "$retflag", em_constant(em, iv_bool(true), sp));
        } else if (!envs[k].returned && !envs[k].maybe_ret) {
            Value *f = em_env_lookup(se, "$retflag"), *r = em_env_lookup(se, "$ret");
            if (!r) {
                Node *un = node_new(em->g, NK_UNINITIALIZED, sp);
                un->index = UNINIT_RETURN;
                block_append(blks[k], un);
                r = node_add_output(em->g, un, rt);
            }
            em_env_set(em, "$retflag", f ? f : em_constant(em, iv_bool(false), sp));
            em_env_set(em, "$ret", r);
        }
    }
    em->b = sb;
    em->env = se;
    return true;
}

/* The statements l[from..] after a statement that may have returned: run when
 * `$retflag` is false, inside `if $retflag: pass else: ...`, whose outputs are
 * the names the rest reassigns and `$ret` / `$retflag`. */
static ts_status emit_guarded_rest(Em *em, const AstList *l, int from) {
    Span sp = l->items[from]->span;
    Value *flag = em_env_lookup(em->env, "$retflag");
    Node *n = em_append(em, NK_IF, sp);
    node_add_input(em->g, n, flag);
    Block *blks[2];
    blks[0] = node_add_block(em->g, n);
    blks[1] = node_add_block(em->g, n);
    Env env;
    em_env_init(&env, em->env);
    static const AstList empty = {0};
    ts_status st = emit_branch(em, blks[1], &env, &empty, l, from);
    if (st == TS_OK && env.returned && !env.maybe_ret && !env.raised) {
        Block *sb = em->b;
        Env *se = em->env;
        em->b = blks[1];
        em->env = &env;
        em_env_set(em, "$retflag", em_constant(em, iv_bool(true), sp));
        em->b = sb;
        em->env = se;
    }
    for (int i = 0; i < env.order.len && st == TS_OK; i++) {
        const char *name = env.order.data[i];
        Value *outer = em_env_lookup(em->env, name), *in = strmap_get(&env.vars, name);
        if (!outer || !in) continue; /* defined only in the rest: nothing after it uses it */
        Type *t = ty_unify(outer->type, in->type);
        if (!t) {
            char *what = arena_printf(&em->g->arena, "'%s' has a different type after an early return", name);
            st = em_type_error(em, sp, what, outer->type, in->type);
            break;
        }
        block_add_output(em->g, blks[0], outer);
        block_add_output(em->g, blks[1], in);
        Value *o = node_add_output(em->g, n, t);
        o->name = name[0] == '$' ? NULL : name;
        em_env_set(em, name, o);
    }
    if (st == TS_OK && (env.returned || env.raised)) {
        /* every path has returned (or raised) now */
        em->env->returned = true;
        em->env->maybe_ret = false;
    }
    em_env_free(&env);
    return st;
}

static ts_status emit_if(Em *em, const Ast *s, const AstList *rest, int rest_from, bool *consumed_rest) {
    Span sp = s->span;
    Value *c;
    TS_TRY(em_expr(em, s->if_.cond, NULL, &c));
    TS_TRY(em_to_bool(em, c, s->if_.cond->span, &c));
    c = em_cond(em, c, s->if_.cond);
    const AstList *bodies[2] = {&s->if_.body, &s->if_.orelse};
    bool exits[2] = {always_exits(bodies[0]) && !always_raises(bodies[0]),
                     always_exits(bodies[1]) && !always_raises(bodies[1])};
    /* a branch that always exits sends the rest of the block into the other one */
    bool move_rest = rest && rest_from < rest->len && exits[0] != exits[1];
    *consumed_rest = move_rest;
    bool cb;
    if (em_const_bool(c, &cb)) {
        int k = cb ? 0 : 1;
        TS_TRY(emit_stmts(em, bodies[k], 0));
        if (move_rest && !exits[k]) TS_TRY(emit_stmts(em, rest, rest_from));
        return TS_OK;
    }
    Node *n = em_append(em, NK_IF, sp);
    node_add_input(em->g, n, c);
    Env envs[2];
    Block *blks[2];
    ts_status st = TS_OK;
    Refine refs;
    memset(&refs, 0, sizeof refs);
    em_collect_refines(s->if_.cond, false, &refs);
    for (int k = 0; k < 2; k++) {
        em_env_init(&envs[k], em->env);
        blks[k] = node_add_block(em->g, n);
        em_apply_refines(em, &refs, k, blks[k], &envs[k], sp);
    }
    for (int k = 0; k < 2 && st == TS_OK; k++)
        st = emit_branch(em, blks[k], &envs[k], bodies[k], move_rest && !exits[k] ? rest : NULL, rest_from);
    if (st != TS_OK) {
        em_env_free(&envs[0]);
        em_env_free(&envs[1]);
        return st;
    }
    bool partial_ret = prepare_partial_return(em, envs, blks, sp);
    /* names assigned in either branch, in order */
    StrMap seen;
    strmap_init(&seen);
    VEC(const char *) names = {0};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < envs[k].order.len; i++)
            if (!strmap_get(&seen, envs[k].order.data[i])) {
                strmap_put(&seen, envs[k].order.data[i], (void *)1);
                vec_push(&names, envs[k].order.data[i]);
            }
    /* PyTorch's SSA conversion gives an If one output per variable in name order (a
     * std::set), the exit transform's after them, the flag before the value; the
     * order of first use (emit_post.c) then decides, these orders only its ties */
    for (int i = 1; i < names.len; i++) {
        const char *x = names.data[i];
        if (x[0] == '$') continue;
        int j = i - 1;
        while (j >= 0 && (names.data[j][0] == '$' || strcmp(names.data[j], x) > 0)) {
            names.data[j + 1] = names.data[j];
            j--;
        }
        names.data[j + 1] = x;
    }
    static const char *const exit_names[2] = {"$retflag", "$ret"};
    for (int e = 0; e < 2; e++)
        for (int i = 0; i < names.len; i++)
            if (strcmp(names.data[i], exit_names[e]) == 0) {
                for (int j = i; j + 1 < names.len; j++) names.data[j] = names.data[j + 1];
                names.data[names.len - 1] = exit_names[e];
                break;
            }
    for (int i = 0; i < names.len && st == TS_OK; i++) {
        const char *name = names.data[i];
        Value *vs[2];
        /* a branch that raises gives what it assigned after the raise (code
         * PyTorch printed names a placeholder there), else a fresh placeholder */
        for (int k = 0; k < 2; k++) vs[k] = envs[k].raised ? strmap_get(&envs[k].vars, name) : em_env_lookup(&envs[k], name);
        if (envs[0].raised && envs[1].raised) break;
        if ((!vs[0] && !envs[0].raised) || (!vs[1] && !envs[1].raised)) continue; /* not defined on every path */
        Type *t = vs[0] && vs[1] ? ty_unify(vs[0]->type, vs[1]->type) : (vs[0] ? vs[0] : vs[1])->type;
        if (!t) {
            /* a Union refined differently in each branch (isinstance) merges back into the
             * type the name had before (PyTorch unifies into a Union) */
            Value *outer = em_env_lookup(em->env, name);
            if (outer && ty_subtype(vs[0]->type, outer->type) && ty_subtype(vs[1]->type, outer->type)) t = outer->type;
        }
        if (!t) {
            char *what = arena_printf(&em->g->arena, "'%s' has a different type in each branch", name);
            st = em_type_error(em, sp, what, vs[0]->type, vs[1]->type);
            break;
        }
        for (int k = 0; k < 2; k++) {
            Value *v = vs[k];
            if (!v) {
                Node *un = node_new(em->g, NK_UNINITIALIZED, sp);
                un->index = UNINIT_RAISED;
                block_append(blks[k], un);
                v = node_add_output(em->g, un, t);
            }
            block_add_output(em->g, blks[k], v);
        }
        Value *o = node_add_output(em->g, n, t);
        o->name = name;
        em_env_set(em, name, o);
    }
    bool ends_raise = envs[0].raised && envs[1].raised;
    bool ends_ret = (envs[0].raised || envs[0].returned) && (envs[1].raised || envs[1].returned) && !ends_raise;
    bool ends_jump = ended(&envs[0]) && ended(&envs[1]) && (envs[0].jumped || envs[1].jumped);
    strmap_free(&seen);
    vec_free(&names);
    em_env_free(&envs[0]);
    em_env_free(&envs[1]);
    if (ends_raise) em->env->raised = true;
    if (ends_ret) em->env->returned = true;
    else if (partial_ret && !ends_raise) em->env->maybe_ret = true;
    if (ends_jump) em->env->jumped = true;
    return st;
}

typedef enum LoopKind { LOOP_RANGE, LOOP_LIST, LOOP_WHILE } LoopKind;

/* The loop's next condition, emitted into the current block (the body's end):
 * the while condition again (only when the body did not break), or `not $brk`. */
static ts_status loop_next_cond(Em *em, Block *blk, Value *broke, const Ast *while_cond, Value **cond, Span sp) {
    ts_status st = TS_OK;
    if (while_cond) {
        if (broke) {
            /* the while condition is tested again only when the body did not break */
            Node *ifn = em_append(em, NK_IF, sp);
            node_add_input(em->g, ifn, broke);
            Block *b0 = node_add_block(em->g, ifn), *b1 = node_add_block(em->g, ifn);
            em->b = b0;
            block_add_output(em->g, b0, em_constant(em, iv_bool(false), sp));
            em->b = b1;
            st = em_expr(em, while_cond, NULL, cond);
            if (st == TS_OK) st = em_to_bool(em, *cond, while_cond->span, cond);
            if (st == TS_OK) block_add_output(em->g, b1, *cond);
            em->b = blk;
            *cond = node_add_output(em->g, ifn, ty_bool());
        } else {
            st = em_expr(em, while_cond, NULL, cond);
            if (st == TS_OK) st = em_to_bool(em, *cond, while_cond->span, cond);
        }
    } else if (broke) {
        st = em_op(em, "aten::__not__", sp, cond, 1, broke, NULL, NULL);
    }
    return st;
}

/* One loop. A return in the body (ret_t: the type of the value it returns, NULL
 * when none does) works as PyTorch's exit transform: `$retflag` and `$ret` are
 * loop-carried (False and an uninitialized value on entry), a path that returns
 * sets them and ends the body, the rest of the body after a statement that may
 * have returned runs only when the flag is false (emit_guarded_rest), the loop
 * goes on only while the flag is false, and after the loop the flag and the
 * value are the loop's outputs: the rest of the enclosing block is guarded too. */
/* One copy of an unrolled loop's body (tuples, ModuleLists, ModuleDicts, zip
 * over them): after a copy that may have returned, the next copies run only
 * when `$retflag` is false, as the rest of a block does (emit_guarded_rest). */
static ts_status emit_unrolled_copy(Em *em, const AstList *body) {
    if (em->env->maybe_ret && !ended(em->env) && body->len) return emit_guarded_rest(em, body, 0);
    return emit_stmts(em, body, 0);
}

static ts_status emit_loop_once(Em *em, const Ast *s, LoopKind kind, Value *trip, Value *seq, Value *start,
                                Value *step, const Ast *target, const AstList *body, const Ast *while_cond,
                                Type *ret_t) {
    Span sp = s->span;
    Value *cond0;
    if (while_cond) {
        TS_TRY(em_expr(em, while_cond, NULL, &cond0));
        TS_TRY(em_to_bool(em, cond0, while_cond->span, &cond0));
    } else {
        cond0 = em_constant(em, iv_bool(true), sp);
    }
    StrMap assigned;
    strmap_init(&assigned);
    NameVec order = {0};
    collect_assigned(body, &assigned, &order);
    VEC(const char *) carried = {0};
    for (int i = 0; i < order.len; i++)
        if (em_env_lookup(em->env, order.data[i])) vec_push(&carried, order.data[i]);
    strmap_free(&assigned);
    vec_free(&order);
    /* `break` becomes a carried flag, one per loop depth, that ends the loop
     * through its condition; the rest of the body is guarded by emit_if */
    const char *brk = NULL;
    if (has_break(body)) {
        brk = arena_printf(&em->g->arena, "$brk%d", em->loop_depth + 1);
        em_env_set(em, brk, em_constant(em, iv_bool(false), sp));
        vec_push(&carried, brk);
    }
    if (ret_t) {
        Node *un = node_new(em->g, NK_UNINITIALIZED, sp);
        un->index = UNINIT_RETURN;
        block_append(em->b, un);
        em_env_set(em, "$retflag", em_constant(em, iv_bool(false), sp));
        em_env_set(em, "$ret", node_add_output(em->g, un, ret_t));
        vec_push(&carried, "$retflag");
        vec_push(&carried, "$ret");
    }

    Node *n = em_append(em, NK_LOOP, sp);
    node_add_input(em->g, n, trip);
    node_add_input(em->g, n, cond0);
    for (int i = 0; i < carried.len; i++) node_add_input(em->g, n, em_env_lookup(em->env, carried.data[i]));
    Block *blk = node_add_block(em->g, n);
    Value *iter = block_add_param(em->g, blk, ty_int(), NULL);
    Env env;
    em_env_init(&env, em->env);
    Block *saved_b = em->b;
    Env *saved_env = em->env;
    em->b = blk;
    em->env = &env;
    for (int i = 0; i < carried.len; i++) {
        Value *outer = em_env_lookup(saved_env, carried.data[i]);
        Value *p = block_add_param(em->g, blk, outer->type, carried.data[i]);
        em_env_set(em, carried.data[i], p);
    }
    ts_status st = TS_OK;
    if (target) {
        Value *item = iter;
        if (kind == LOOP_LIST) st = em_op(em, "aten::__getitem__", sp, &item, 2, seq, iter, NULL);
        else if (start) st = em_op(em, "aten::__derive_index", sp, &item, 3, iter, start, step);
        if (st == TS_OK) st = assign_to(em, target, item, sp);
    }
    em->loop_depth++;
    if (st == TS_OK) st = emit_stmts(em, body, 0);
    em->loop_depth--;
    /* a path that returned ends the body with the flag set */
    if (st == TS_OK && ret_t && env.returned && !env.maybe_ret && !env.raised)
        em_env_set(em, "$retflag", em_constant(em, iv_bool(true), sp));
    Value *cond = cond0;
    Value *broke = brk && st == TS_OK ? em_env_lookup(&env, brk) : NULL;
    if (st == TS_OK && !env.raised && ret_t && (while_cond || broke)) {
        /* the loop ends once the body returned: `if $retflag: False else: <next condition>` */
        Node *ifn = em_append(em, NK_IF, sp);
        node_add_input(em->g, ifn, em_env_lookup(&env, "$retflag"));
        Block *b0 = node_add_block(em->g, ifn), *b1 = node_add_block(em->g, ifn);
        em->b = b0;
        block_add_output(em->g, b0, em_constant(em, iv_bool(false), sp));
        em->b = b1;
        st = loop_next_cond(em, b1, broke, while_cond, &cond, sp);
        if (st == TS_OK) block_add_output(em->g, b1, cond);
        em->b = blk;
        cond = node_add_output(em->g, ifn, ty_bool());
    } else if (st == TS_OK && !env.raised && ret_t) {
        st = em_op(em, "aten::__not__", sp, &cond, 1, em_env_lookup(&env, "$retflag"), NULL, NULL);
    } else if (st == TS_OK && ((while_cond && !env.raised) || broke)) {
        st = loop_next_cond(em, blk, broke, env.raised ? NULL : while_cond, &cond, sp);
    }
    if (st == TS_OK) {
        block_add_output(em->g, blk, cond);
        for (int i = 0; i < carried.len && st == TS_OK; i++) {
            Value *v = em_env_lookup(&env, carried.data[i]);
            Type *t = blk->param->outputs.data[1 + i]->type;
            if (!ty_subtype(v->type, t)) {
                char *what = arena_printf(&em->g->arena, "loop-carried variable '%s' changes type in the loop", carried.data[i]);
                st = em_type_error(em, sp, what, t, v->type);
                break;
            }
            block_add_output(em->g, blk, v);
        }
    }
    em->b = saved_b;
    em->env = saved_env;
    em_env_free(&env);
    if (st == TS_OK)
        for (int i = 0; i < carried.len; i++) {
            Value *o = node_add_output(em->g, n, blk->param->outputs.data[1 + i]->type);
            o->name = carried.data[i][0] == '$' ? NULL : carried.data[i];
            em_env_set(em, carried.data[i], o);
        }
    if (st == TS_OK && ret_t) em->env->maybe_ret = true;
    vec_free(&carried);
    return st;
}

static ts_status emit_loop(Em *em, const Ast *s, LoopKind kind, Value *trip, Value *seq, Value *start,
                           Value *step, const Ast *target, const AstList *body, const Ast *while_cond) {
    if (!has_return(body)) return emit_loop_once(em, s, kind, trip, seq, start, step, target, body, while_cond, NULL);
    if (em->fn->ret_type)
        return emit_loop_once(em, s, kind, trip, seq, start, step, target, body, while_cond, em->fn->ret_type);
    /* no return annotation: a first emission with the value carried as Any finds the
     * returns' type (em->ret_so_far), then the loop is emitted again with it */
    Env *e = em->env;
    Node *mark = em->b->ret->prev;
    Type *saved_ret = em->ret_so_far, *saved_loop_ret = em->loop_ret_t;
    em->loop_ret_t = NULL;
    Env saved_flags = *e;
    int norder = e->order.len;
    Value **vals = calloc((size_t)norder + 1, sizeof *vals);
    if (!vals) return ts_fail(em->ctx, TS_ERR_NOMEM, &s->span, "out of memory");
    for (int i = 0; i < norder; i++) vals[i] = strmap_get(&e->vars, e->order.data[i]);
    ts_status st = emit_loop_once(em, s, kind, trip, seq, start, step, target, body, while_cond, ty_any());
    if (st == TS_OK) {
        Type *rt = em->loop_ret_t ? em->loop_ret_t : ty_none();
        while (mark->next != em->b->ret) node_remove(mark->next);
        for (int i = norder; i < e->order.len; i++) strmap_put(&e->vars, e->order.data[i], NULL);
        e->order.len = norder;
        for (int i = 0; i < norder; i++) strmap_put(&e->vars, e->order.data[i], vals[i]);
        e->raised = saved_flags.raised;
        e->returned = saved_flags.returned;
        e->jumped = saved_flags.jumped;
        e->maybe_ret = saved_flags.maybe_ret;
        em->ret_so_far = saved_ret;
        em->loop_ret_t = NULL;
        st = emit_loop_once(em, s, kind, trip, seq, start, step, target, body, while_cond, rt);
    }
    if (saved_loop_ret) {
        Type *u = em->loop_ret_t ? ty_unify(saved_loop_ret, em->loop_ret_t) : saved_loop_ret;
        em->loop_ret_t = u ? u : saved_loop_ret;
    }
    free(vals);
    return st;
}

static Ast *syn_node(Em *em, AstKind k, Span sp) { return ast_new(&em->u->arena, k, sp); }

static Ast *syn_name(Em *em, const char *id, Span sp) {
    Ast *n = syn_node(em, AST_NAME, sp);
    n->name.id = id;
    return n;
}

static Ast *syn_call(Em *em, const char *fn, Ast *a, Ast *b, Span sp) {
    Ast *c = syn_node(em, AST_CALL, sp);
    c->call.func = syn_name(em, fn, sp);
    c->call.args.len = b ? 2 : 1;
    c->call.args.items = arena_array(&em->u->arena, Ast *, 2);
    c->call.args.items[0] = a;
    c->call.args.items[1] = b;
    return c;
}

/* for t in enumerate(xs[, start]) / zip(xs, ys, ...): over lists, strings and
 * dicts (their keys) this is
 *     for $i in range(len(xs)):  t = ($i + start, xs[$i])   (zip: min of the lengths)
 * and over a ModuleList or Sequential it is unrolled, as PyTorch does. */
static ts_status emit_for(Em *em, const Ast *s);

/* The submodules of a ModuleList or Sequential, each read with one
 * prim::GetAttr, all before the first copy of the loop body: PyTorch's
 * emitter reads them when it makes the iterable (ModuleValue::iter). */
static Value **module_items(Em *em, Value *seq, Span sp, int *n) {
    ClassType *c = seq->type->cls;
    Value **items = arena_array(&em->g->arena, Value *, c->attrs.len ? c->attrs.len : 1);
    *n = 0;
    for (int i = 0; i < c->attrs.len; i++) {
        Type *at = c->attrs.data[i].type;
        if (at->kind != TK_CLASS || at->cls->kind != CK_MODULE) continue;
        Node *ga = em_append(em, NK_GETATTR, sp);
        node_add_input(em->g, ga, seq);
        ga->name = c->attrs.data[i].name;
        ga->index = i;
        items[(*n)++] = node_add_output(em->g, ga, at);
    }
    return items;
}

static bool is_module_value(const Value *v) { return v->type->kind == TK_CLASS && v->type->cls->kind == CK_MODULE; }

static bool is_zip_call(Em *em, const Ast *e) {
    return e->kind == AST_CALL && e->call.func->kind == AST_NAME && strcmp(e->call.func->name.id, "zip") == 0 &&
           !em_env_lookup(em->env, "zip");
}

/* The number of submodules of a module container. */
static int module_count(const Value *v) {
    const ClassType *c = v->type->cls;
    int n = 0;
    for (int i = 0; i < c->attrs.len; i++)
        if (c->attrs.data[i].type->kind == TK_CLASS && c->attrs.data[i].type->cls->kind == CK_MODULE) n++;
    return n;
}

/* zip(a, b, ...)'s arguments as values (a dict: its keys); *any_static when one is
 * a module container or a tuple, whose length is known at compile time. A module
 * container's submodules (subs[i]) are read right after it, before the next
 * argument, as PyTorch's emitter makes each argument's iterable in turn. */
static ts_status zip_args(Em *em, const Ast *zc, Value **seqs, Value ***subs, bool *any_static) {
    Span sp = zc->span;
    int na = zc->call.args.len;
    if (zc->call.keywords.len || na < 1 || na > 8)
        return ts_fail(em->ctx, TS_ERR_TYPE, &zc->span, "zip() arguments are not supported here");
    *any_static = false;
    for (int i = 0; i < na; i++) {
        int nsub;
        subs[i] = NULL;
        TS_TRY(em_expr(em, zc->call.args.items[i], NULL, &seqs[i]));
        if (seqs[i]->type->kind == TK_DICT) TS_TRY(em_op(em, "aten::keys", sp, &seqs[i], 1, seqs[i], NULL, NULL));
        if (is_module_value(seqs[i])) subs[i] = module_items(em, seqs[i], sp, &nsub);
        if (is_module_value(seqs[i]) || seqs[i]->type->kind == TK_TUPLE) *any_static = true;
    }
    return TS_OK;
}

/* Element k of a zip argument: a submodule or a tuple element (PyTorch refuses
 * a list beside a module container). */
static ts_status zip_item(Em *em, Value *seq, int k, Span sp, Value **out) {
    if (is_module_value(seq)) {
        ClassType *c = seq->type->cls;
        for (int i = 0, j = 0; i < c->attrs.len; i++) {
            Type *at = c->attrs.data[i].type;
            if (at->kind != TK_CLASS || at->cls->kind != CK_MODULE || j++ != k) continue;
            Node *ga = em_append(em, NK_GETATTR, sp);
            node_add_input(em->g, ga, seq);
            ga->name = c->attrs.data[i].name;
            ga->index = i;
            *out = node_add_output(em->g, ga, at);
            (*out)->name = ga->name;
            return TS_OK;
        }
    }
    if (seq->type->kind == TK_TUPLE) {
        Node *ti = em_append(em, NK_TUPLE_INDEX, sp);
        node_add_input(em->g, ti, seq);
        ti->index = k;
        *out = node_add_output(em->g, ti, seq->type->elems[k]);
        return TS_OK;
    }
    TS_UNUSED(k);
    return ts_fail(em->ctx, TS_ERR_TYPE, &sp,
                   "Can not iterate over a module list or tuple with a value that does not have a statically "
                   "determinable length");
}

/* for t in [enumerate(]zip(a, b, ...)[, start)]: with a ModuleList, Sequential or
 * tuple among the arguments, unrolled over the shortest of those (PyTorch's
 * IterableTree: a module container has a length known at compile time; every
 * argument must have one). */
static ts_status emit_for_static_zip(Em *em, const Ast *s, bool is_enum, const Ast *zc, Value **seqs, Value ***subs) {
    const Ast *it = s->for_.iter;
    Span sp = s->span;
    int na = zc->call.args.len, n = -1;
    for (int i = 0; i < na; i++) {
        int len = is_module_value(seqs[i]) ? module_count(seqs[i]) : seqs[i]->type->kind == TK_TUPLE ? seqs[i]->type->n : -1;
        if (len >= 0 && (n < 0 || len < n)) n = len;
    }
    if (n < 0)
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &it->span,
                       "enumerate(zip(...)) needs a ModuleList, Sequential or tuple among zip's arguments");
    Value *start = NULL;
    if (is_enum && it->call.args.len == 2) TS_TRY(em_expr(em, it->call.args.items[1], NULL, &start));
    for (int k = 0; k < n; k++) {
        Value *items[8];
        Type *ts[8];
        for (int i = 0; i < na; i++) {
            if (subs[i]) items[i] = subs[i][k];
            else TS_TRY(zip_item(em, seqs[i], k, sp, &items[i]));
            ts[i] = items[i]->type;
        }
        Node *tc = em_append(em, NK_TUPLE_CONSTRUCT, sp);
        for (int i = 0; i < na; i++) node_add_input(em->g, tc, items[i]);
        Value *elem = node_add_output(em->g, tc, ty_tuple(ts, na));
        if (is_enum) {
            Value *iv = em_constant(em, iv_int(k), sp);
            if (start) TS_TRY(em_op(em, "aten::add", sp, &iv, 2, iv, start, NULL));
            Node *pair = em_append(em, NK_TUPLE_CONSTRUCT, sp);
            node_add_input(em->g, pair, iv);
            node_add_input(em->g, pair, elem);
            Type *pt[2] = {iv->type, elem->type};
            elem = node_add_output(em->g, pair, ty_tuple(pt, 2));
        }
        TS_TRY(assign_to(em, s->for_.target, elem, sp));
        TS_TRY(emit_unrolled_copy(em, &s->for_.body));
    }
    return TS_OK;
}

/* for t in enumerate(xs[, start]) / zip(xs, ys, ...) over lists and strings, as
 * PyTorch's IterableTree: the trip count is prim::min of the lengths ([the range's
 * length,] len(xs), ...); each trip binds the target to ([index,] xs[$i], ...),
 * the index being the trip counter itself, or __derive_index($i, start, 1). */
static ts_status emit_for_list_tree(Em *em, const Ast *s, bool is_enum, Value **seqs, int nseq, Value *start) {
    const Ast *it = s->for_.iter;
    Span sp = s->span;
    int id = em->g->next_id;
    Value *lens[9];
    int nl = 0;
    if (is_enum) {
        Value *big = em_constant(em, iv_int(INT64_MAX), sp);
        int64_t k;
        if (!start) lens[nl++] = big;
        else if (start->node->kind == NK_CONSTANT && start->node->cval.kind == IV_INT && (k = start->node->cval.u.i) >= 0)
            lens[nl++] = em_constant(em, iv_int(INT64_MAX - k), sp); /* __range_length, as constant propagation folds it */
        else TS_TRY(em_op(em, "aten::__range_length", sp, &lens[nl++], 3, start, big, em_constant(em, iv_int(1), sp)));
    }
    for (int i = 0; i < nseq; i++) {
        if (seqs[i]->type->kind != TK_LIST && seqs[i]->type->kind != TK_STR)
            return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &it->call.args.items[i]->span,
                           "%s() over this value is not supported (a list, a string or a dict)", is_enum ? "enumerate" : "zip");
        TS_TRY(em_op(em, "aten::len", sp, &lens[nl++], 1, seqs[i], NULL, NULL));
    }
    Node *ln = em_append(em, NK_LIST_CONSTRUCT, sp);
    for (int i = 0; i < nl; i++) node_add_input(em->g, ln, lens[i]);
    Value *trip;
    TS_TRY(em_op(em, "prim::min", sp, &trip, 1, node_add_output(em->g, ln, ty_list(ty_int())), NULL, NULL));
    const char *iname = arena_printf(&em->g->arena, "$zi%d", id), *nname = arena_printf(&em->g->arena, "$zn%d", id);
    em_env_set(em, nname, trip);
    Ast *tup = syn_node(em, AST_TUPLE, sp);
    tup->seq.elts.len = nseq + (is_enum ? 1 : 0);
    tup->seq.elts.items = arena_array(&em->u->arena, Ast *, tup->seq.elts.len);
    int e = 0;
    if (is_enum) {
        Ast *idx = syn_name(em, iname, sp);
        if (start) {
            const char *stname = arena_printf(&em->g->arena, "$zst%d", id);
            em_env_set(em, stname, start);
            Ast *one = syn_node(em, AST_INT, sp);
            one->int_lit.value = 1;
            one->int_lit.text = "1";
            Ast *ns = syn_node(em, AST_ATTR, sp);
            ns->attr.value = syn_name(em, "ops", sp);
            ns->attr.name = "aten";
            ns->attr.name_span = sp;
            Ast *fn = syn_node(em, AST_ATTR, sp);
            fn->attr.value = ns;
            fn->attr.name = "__derive_index";
            fn->attr.name_span = sp;
            Ast *c = syn_call(em, "_", idx, syn_name(em, stname, sp), sp);
            c->call.func = fn;
            c->call.args.len = 3;
            Ast **args = arena_array(&em->u->arena, Ast *, 3);
            args[0] = c->call.args.items[0];
            args[1] = c->call.args.items[1];
            args[2] = one;
            c->call.args.items = args;
            idx = c;
        }
        tup->seq.elts.items[e++] = idx;
    }
    for (int i = 0; i < nseq; i++) {
        const char *sname = arena_printf(&em->g->arena, "$zs%d_%d", id, i);
        em_env_set(em, sname, seqs[i]);
        Ast *sub = syn_node(em, AST_SUBSCRIPT, sp);
        sub->subscript.value = syn_name(em, sname, sp);
        sub->subscript.indices.len = 1;
        sub->subscript.indices.items = arena_array(&em->u->arena, Ast *, 1);
        sub->subscript.indices.items[0] = syn_name(em, iname, sp);
        tup->seq.elts.items[e++] = sub;
    }
    Ast *as = syn_node(em, AST_ASSIGN, sp);
    as->assign.targets.len = 1;
    as->assign.targets.items = arena_array(&em->u->arena, Ast *, 1);
    as->assign.targets.items[0] = s->for_.target;
    as->assign.value = tup;
    Ast *f = syn_node(em, AST_FOR, sp);
    f->for_.target = syn_name(em, iname, sp);
    f->for_.iter = syn_call(em, "range", syn_name(em, nname, sp), NULL, sp);
    f->for_.body.len = s->for_.body.len + 1;
    f->for_.body.items = arena_array(&em->u->arena, Ast *, f->for_.body.len);
    f->for_.body.items[0] = as;
    for (int i = 0; i < s->for_.body.len; i++) f->for_.body.items[i + 1] = s->for_.body.items[i];
    return emit_for(em, f);
}

static ts_status emit_for_enumerate_zip(Em *em, const Ast *s, bool is_enum) {
    const Ast *it = s->for_.iter;
    Span sp = s->span;
    int na = it->call.args.len;
    if (it->call.keywords.len || na < 1 || (is_enum && na > 2) || na > 8)
        return ts_fail(em->ctx, TS_ERR_TYPE, &it->span, "%s() arguments are not supported here", is_enum ? "enumerate" : "zip");
    int nseq = is_enum ? 1 : na;
    Value *seqs[8];
    if (!is_enum || is_zip_call(em, it->call.args.items[0])) {
        /* zip over a ModuleList (or enumerate(zip(...))): unrolled */
        const Ast *zc = is_enum ? it->call.args.items[0] : it;
        bool any_static = false;
        Value **subs[8];
        TS_TRY(zip_args(em, zc, seqs, subs, &any_static));
        if (any_static || is_enum) return emit_for_static_zip(em, s, is_enum, zc, seqs, subs);
    }
    /* enumerate's start first, then the sequence, as PyTorch's emitter reads them */
    Value *start = NULL;
    if (is_enum && na == 2) TS_TRY(em_expr(em, it->call.args.items[1], NULL, &start));
    for (int i = 0; i < nseq && is_enum; i++) {
        TS_TRY(em_expr(em, it->call.args.items[i], NULL, &seqs[i]));
        if (seqs[i]->type->kind == TK_DICT) TS_TRY(em_op(em, "aten::keys", sp, &seqs[i], 1, seqs[i], NULL, NULL));
    }
    if (is_enum && seqs[0]->type->kind == TK_CLASS && seqs[0]->type->cls->kind == CK_MODULE) {
        int nsub;
        Value **subs = module_items(em, seqs[0], sp, &nsub);
        for (int idx = 0; idx < nsub; idx++) {
            Value *sub = subs[idx];
            Type *at = sub->type;
            Value *iv = em_constant(em, iv_int(idx), sp);
            if (start) TS_TRY(em_op(em, "aten::add", sp, &iv, 2, iv, start, NULL));
            Node *tc = em_append(em, NK_TUPLE_CONSTRUCT, sp);
            node_add_input(em->g, tc, iv);
            node_add_input(em->g, tc, sub);
            Type *ts[2] = {iv->type, at};
            TS_TRY(assign_to(em, s->for_.target, node_add_output(em->g, tc, ty_tuple(ts, 2)), sp));
            TS_TRY(emit_unrolled_copy(em, &s->for_.body));
        }
        return TS_OK;
    }
    return emit_for_list_tree(em, s, is_enum, seqs, nseq, start);
}

/* for k, m in self.d.items() (keys(), values()) over a ModuleDict: unrolled,
 * the submodules fetched first, as PyTorch's ModuleDict iteration does. */
static ts_status emit_for_module_dict(Em *em, const Ast *s, Value *d, const char *what) {
    Span sp = s->span;
    int n = module_count(d);
    if (n > 256) return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp, "too many submodules to unroll");
    Value *subs[256];
    const char *keys[256];
    for (int k = 0; k < n; k++) {
        TS_TRY(zip_item(em, d, k, sp, &subs[k]));
        keys[k] = subs[k]->node->name;
    }
    for (int k = 0; k < n; k++) {
        Value *key = em_constant(em, iv_cstr(keys[k]), sp), *elem = subs[k];
        if (what[0] == 'k') elem = key;
        else if (what[0] == 'i') {
            Node *tc = em_append(em, NK_TUPLE_CONSTRUCT, sp);
            node_add_input(em->g, tc, key);
            node_add_input(em->g, tc, subs[k]);
            Type *ts[2] = {key->type, subs[k]->type};
            elem = node_add_output(em->g, tc, ty_tuple(ts, 2));
        }
        TS_TRY(assign_to(em, s->for_.target, elem, sp));
        TS_TRY(emit_unrolled_copy(em, &s->for_.body));
    }
    return TS_OK;
}

static ts_status emit_for(Em *em, const Ast *s) {
    const Ast *it = s->for_.iter;
    Span sp = s->span;
    if (s->for_.orelse.len)
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp,
                       "else branches of for loops are not supported in TorchScript: set a flag before break and test "
                       "it after the loop");
    if (it->kind == AST_CALL && it->call.func->kind == AST_NAME && !em_env_lookup(em->env, it->call.func->name.id) &&
        (strcmp(it->call.func->name.id, "enumerate") == 0 || strcmp(it->call.func->name.id, "zip") == 0))
        return emit_for_enumerate_zip(em, s, it->call.func->name.id[0] == 'e');
    if (it->kind == AST_CALL && it->call.func->kind == AST_NAME && strcmp(it->call.func->name.id, "range") == 0 &&
        !em_env_lookup(em->env, "range")) {
        int na = it->call.args.len;
        if (na < 1 || na > 3 || it->call.keywords.len)
            return ts_fail(em->ctx, TS_ERR_TYPE, &it->span, "range() takes 1 to 3 integer arguments");
        Value *a[3];
        for (int i = 0; i < na; i++) {
            TS_TRY(em_expr(em, it->call.args.items[i], NULL, &a[i]));
            if (a[i]->type != ty_int()) return em_type_error(em, it->call.args.items[i]->span, "range() argument", ty_int(), a[i]->type);
        }
        if (na == 1) return emit_loop(em, s, LOOP_RANGE, a[0], NULL, NULL, NULL, s->for_.target, &s->for_.body, NULL);
        Value *step = na == 3 ? a[2] : em_constant(em, iv_int(1), sp);
        Value *trip;
        TS_TRY(em_op(em, "aten::__range_length", sp, &trip, 3, a[0], a[1], step));
        return emit_loop(em, s, LOOP_RANGE, trip, NULL, a[0], step, s->for_.target, &s->for_.body, NULL);
    }
    Value *seq;
    if (it->kind == AST_CALL && it->call.func->kind == AST_ATTR && it->call.args.len == 0 && !it->call.keywords.len &&
        (strcmp(it->call.func->attr.name, "items") == 0 || strcmp(it->call.func->attr.name, "keys") == 0 ||
         strcmp(it->call.func->attr.name, "values") == 0)) {
        Value *recv;
        TS_TRY(em_expr(em, it->call.func->attr.value, NULL, &recv));
        if (is_module_value(recv)) return emit_for_module_dict(em, s, recv, it->call.func->attr.name);
        char *op = arena_printf(&em->g->arena, "aten::%s", it->call.func->attr.name);
        TS_TRY(em_op(em, op, sp, &seq, 1, recv, NULL, NULL));
    } else {
        TS_TRY(em_expr(em, it, NULL, &seq));
    }
    if (seq->type->kind == TK_TUPLE) {
        /* unrolled: one copy of the body per element */
        for (int i = 0; i < seq->type->n; i++) {
            Node *ti = em_append(em, NK_TUPLE_INDEX, sp);
            node_add_input(em->g, ti, seq);
            ti->index = i;
            TS_TRY(assign_to(em, s->for_.target, node_add_output(em->g, ti, seq->type->elems[i]), sp));
            TS_TRY(emit_unrolled_copy(em, &s->for_.body));
        }
        return TS_OK;
    }
    if (seq->type->kind == TK_CLASS && seq->type->cls->kind == CK_MODULE) {
        /* a ModuleList or Sequential of a scripted module: unrolled over its submodules */
        int nsub;
        Value **subs = module_items(em, seq, sp, &nsub);
        for (int i = 0; i < nsub; i++) {
            TS_TRY(assign_to(em, s->for_.target, subs[i], sp));
            TS_TRY(emit_unrolled_copy(em, &s->for_.body));
        }
        return TS_OK;
    }
    if (seq->type->kind == TK_DICT) TS_TRY(em_op(em, "aten::keys", sp, &seq, 1, seq, NULL, NULL));
    if (seq->type->kind == TK_LIST || seq->type->kind == TK_STR || seq->type->kind == TK_TENSOR) {
        Value *trip;
        TS_TRY(em_op(em, "aten::len", sp, &trip, 1, seq, NULL, NULL));
        if (seq->type->kind == TK_TENSOR)
            return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &it->span, "iterating over a tensor is not supported yet");
        return emit_loop(em, s, LOOP_LIST, trip, seq, NULL, NULL, s->for_.target, &s->for_.body, NULL);
    }
    return ts_fail(em->ctx, TS_ERR_TYPE, &it->span, "cannot iterate over this value");
}

/* prim::RaiseException(msg, cls), or (msg) when cls is NULL: no outputs. */
static ts_status raise_op(Em *em, Value *msg, Value *cls, Span sp) {
    CallArg a[2] = {{msg, NULL, sp}, {cls, NULL, sp}};
    Value **outs;
    int n;
    return sema_emit_op(em->ctx, em->g, em->b, "prim::RaiseException", a, cls ? 2 : 1, sp, &outs, &n);
}

/* The message of `assert c, msg` and `raise AssertionError(msg)`: PyTorch
 * 1.13 raises its builtin AssertionError, whose message is "AssertionError: "
 * + str(msg) and which names no class (the one-argument RaiseException); a
 * constant message is folded into one string, as its constant propagation does. */
static ts_status assertion_message(Em *em, const Ast *msg_expr, Span sp, Value **out) {
    static const char prefix[] = "AssertionError: ";
    Value *msg;
    if (!msg_expr) {
        *out = em_constant(em, iv_cstr(prefix), sp);
        return TS_OK;
    }
    TS_TRY(em_expr(em, msg_expr, NULL, &msg));
    if (msg->node->kind == NK_CONSTANT && msg->node->cval.kind == IV_STR) {
        *out = em_constant(em, iv_cstr(arena_printf(&em->g->arena, "%s%s", prefix, msg->node->cval.u.s->data)), sp);
        return TS_OK;
    }
    if (msg->type->kind != TK_STR) TS_TRY(em_op(em, "aten::str", sp, &msg, 1, msg, NULL, NULL));
    return em_op(em, "aten::add", sp, out, 2, em_constant(em, iv_cstr(prefix), sp), msg, NULL);
}

static ts_status emit_raise(Em *em, const Ast *s) {
    Span sp = s->span;
    const char *cls = "builtins.Exception";
    Value *msg;
    const Ast *ex = s->raise.exc;
    if (ex && ex->kind == AST_CALL && ex->call.func->kind == AST_NAME &&
        strcmp(ex->call.func->name.id, "AssertionError") == 0) {
        TS_TRY(assertion_message(em, ex->call.args.len ? ex->call.args.items[0] : NULL, sp, &msg));
        TS_TRY(raise_op(em, msg, NULL, sp));
        em->env->raised = true;
        return TS_OK;
    }
    if (ex && ex->kind == AST_CALL && ex->call.func->kind == AST_NAME) {
        cls = arena_printf(&em->g->arena, "builtins.%s", ex->call.func->name.id);
        if (ex->call.args.len >= 1) {
            TS_TRY(em_expr(em, ex->call.args.items[0], NULL, &msg));
            if (msg->type->kind != TK_STR) TS_TRY(em_op(em, "aten::str", sp, &msg, 1, msg, NULL, NULL));
        } else {
            msg = em_constant(em, iv_cstr(""), sp);
        }
    } else if (ex && ex->kind == AST_NAME) {
        /* a bare class (`raise ValueError`): PyTorch raises "" naming no class */
        TS_TRY(raise_op(em, em_constant(em, iv_cstr(""), sp), NULL, sp));
        em->env->raised = true;
        return TS_OK;
    } else {
        msg = em_constant(em, iv_cstr("Exception"), sp);
    }
    Value *c = em_constant(em, iv_cstr(cls), sp);
    TS_TRY(raise_op(em, msg, c, sp));
    em->env->raised = true;
    return TS_OK;
}

static bool is_range_call(Em *em, const Ast *e) {
    return e->kind == AST_CALL && e->call.func->kind == AST_NAME && strcmp(e->call.func->name.id, "range") == 0 &&
           !em_env_lookup(em->env, "range");
}

/* A return whose value does not fit the function's return annotation. */
static ts_status bad_return(Em *em, Value *v, Span sp) {
    StrBuf a, b;
    sb_init(&a);
    sb_init(&b);
    ty_annotation_str(&a, em->fn->ret_type);
    ty_annotation_str(&b, v->type);
    ts_status st = ts_fail(em->ctx, TS_ERR_TYPE, &sp, "return value was annotated as having type %s but is actually of type %s",
                           sb_cstr(&a), sb_cstr(&b));
    sb_free(&a);
    sb_free(&b);
    return st;
}

/* A return of a function without a return annotation: its type must unify
 * with the earlier returns' (PyTorch's merged return type). */
static ts_status check_return_type(Em *em, Value *v, Span sp) {
    if (!em->ret_so_far) {
        em->ret_so_far = v->type;
        return TS_OK;
    }
    Type *t = ty_unify(em->ret_so_far, v->type);
    if (t) {
        em->ret_so_far = t;
        return TS_OK;
    }
    StrBuf a, b;
    sb_init(&a);
    sb_init(&b);
    ty_annotation_str(&a, em->ret_so_far);
    ty_annotation_str(&b, v->type);
    ts_status st = ts_fail(em->ctx, TS_ERR_TYPE, &sp,
                           "previous return statement returned a value of type %s but this return statement returns a "
                           "value of type %s: return one type on every path", sb_cstr(&a), sb_cstr(&b));
    sb_free(&a);
    sb_free(&b);
    return st;
}

/* `i //= 2` and `a @= b`: TorchScript 1.13 has no such augmented assignment;
 * the place is PyTorch's (the op's last character and the '='). */
static ts_status bad_augassign(Em *em, const Ast *s) {
    const Ast *t = s->augassign.target, *v = s->augassign.value;
    const char *op = s->augassign.op == BINOP_FLOORDIV ? "//" : "@";
    Span sp = s->span;
    const char *text = sp.src ? sp.src->text : NULL;
    if (text) {
        uint32_t eq = v->span.start;
        while (eq > t->span.end && text[eq] != '=') eq--;
        sp.start = eq > 0 ? eq - 1 : eq;
        sp.end = eq + 1;
    }
    int tn = (int)(t->span.end - t->span.start), vn = (int)(v->span.end - v->span.start);
    if (!text || tn > 60 || vn > 60)
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp,
                       "augmented assignment with '%s=' is not supported in TorchScript: write 'x = x %s y'", op, op);
    return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp,
                   "augmented assignment with '%s=' is not supported in TorchScript: write '%.*s = %.*s %s %.*s'", op, tn,
                   text + t->span.start, tn, text + t->span.start, op, vn, text + v->span.start);
}

static ts_status emit_stmt(Em *em, const AstList *l, int i, bool *consumed_rest) {
    const Ast *s = l->items[i];
    Span sp = s->span;
    *consumed_rest = false;
    switch (s->kind) {
    case AST_PASS: return TS_OK;
    case AST_EXPR_STMT: {
        const Ast *x = s->expr_stmt.value;
        if (x->kind == AST_STR) return TS_OK; /* docstring */
        Value *v;
        TS_TRY(em_expr(em, x, NULL, &v));
        if (v->node->kind == NK_UNRESOLVED && x->kind == AST_CALL) v->node->stmt_call = true;
        if (is_raise_call(s)) em->env->raised = true;
        return TS_OK;
    }
    case AST_ASSIGN: {
        Value *v;
        const Ast *rhs = s->assign.value;
        if ((rhs->kind == AST_ATTR || rhs->kind == AST_NAME) && s->assign.targets.len == 1 &&
            s->assign.targets.items[0]->kind == AST_NAME) {
            /* `_0 = __torch__.torch.nn.functional.relu`: bind the name to the function itself */
            SV sv;
            TS_TRY(em_sv(em, rhs, &sv));
            if (sv.kind == SV_FUNC || sv.kind == SV_CLASS || sv.kind == SV_OP) {
                SV *keep = arena_new(&em->g->arena, SV);
                *keep = sv;
                strmap_put(&em->env->sugar, s->assign.targets.items[0]->name.id, keep);
                return TS_OK;
            }
            TS_TRY(em_sv_value(em, &sv, rhs->span, &v));
            if (em->u->from_source) TS_TRY(check_reassign(em, s->assign.targets.items[0], v));
            return assign_to(em, s->assign.targets.items[0], v, sp);
        }
        if (em->u->from_source && is_range_call(em, rhs) && s->assign.targets.len == 1 &&
            s->assign.targets.items[0]->kind == AST_NAME) {
            /* `r = range(3)` binds the range itself, as PyTorch does; using r as a value is the error */
            SV *keep = arena_new(&em->g->arena, SV);
            memset(keep, 0, sizeof *keep);
            keep->kind = SV_BUILTIN;
            keep->name = "range";
            strmap_put(&em->env->sugar, s->assign.targets.items[0]->name.id, keep);
            return TS_OK;
        }
        const Ast *t0 = s->assign.targets.items[0];
        if (s->assign.targets.len == 1 && t0->kind == AST_SUBSCRIPT && t0->subscript.value->kind == AST_NAME &&
            strncmp(t0->subscript.value->name.id, "$lc", 3) == 0 && t0->subscript.indices.len == 1) {
            /* a dict comprehension's `$lc[key] = value` (emit_listcomp): the key first,
             * as PyTorch's emitDictComprehension emits it */
            Value *d, *k;
            TS_TRY(em_expr(em, t0->subscript.value, NULL, &d));
            TS_TRY(em_expr(em, t0->subscript.indices.items[0], NULL, &k));
            TS_TRY(em_expr(em, s->assign.value, NULL, &v));
            CallArg a[3] = {{d, NULL, sp}, {k, NULL, sp}, {v, NULL, sp}};
            Value **outs;
            int nout;
            return sema_emit_op(em->ctx, em->g, em->b, "aten::_set_item", a, 3, sp, &outs, &nout);
        }
        TS_TRY(em_expr(em, s->assign.value, NULL, &v));
        /* a = b = v: PyTorch stores v in a temporary and each target loads it, so v
         * itself is named by none of them */
        if (s->assign.targets.len > 1 && !v->name) v->name = "";
        for (int k = 0; k < s->assign.targets.len; k++) {
            const Ast *t = s->assign.targets.items[k];
            if (em->u->from_source && t->kind == AST_NAME) TS_TRY(check_reassign(em, t, v));
            TS_TRY(assign_to(em, t, v, sp));
        }
        return TS_OK;
    }
    case AST_ANNASSIGN: {
        Type *t;
        TS_TRY(sema_resolve_type(em->ctx, em->u, s->annassign.annotation, &t));
        if (!s->annassign.value) return ts_fail(em->ctx, TS_ERR_SYNTAX, &sp, "a variable declaration needs a value here");
        Value *v;
        TS_TRY(em_expr(em, s->annassign.value, t, &v));
        if (!ty_subtype(v->type, t)) return em_type_error(em, sp, "annotated assignment", t, v->type);
        return assign_to(em, s->annassign.target, em_cast(em, v, t, sp), sp);
    }
    case AST_AUGASSIGN: {
        Value *cur, *rhs, *r;
        if (s->augassign.op == BINOP_FLOORDIV || s->augassign.op == BINOP_MATMUL) return bad_augassign(em, s);
        if (s->augassign.target->kind == AST_SUBSCRIPT && em->u->from_source) {
            bool done;
            TS_TRY(aug_assign_tensor_subscript(em, s, &done));
            if (done) return TS_OK;
        }
        TS_TRY(em_expr(em, s->augassign.target, NULL, &cur));
        TS_TRY(em_expr(em, s->augassign.value, NULL, &rhs));
        const char *name = em_binop_aten(s->augassign.op, cur->type->kind == TK_TENSOR);
        if (cur->type->kind == TK_TENSOR) {
            /* tensors update in place, as Python does */
            char *inplace = arena_printf(&em->g->arena, "%s_", name);
            if (ops_lookup(inplace)) name = inplace;
        }
        TS_TRY(em_op(em, name, sp, &r, 2, cur, rhs, NULL));
        return assign_to(em, s->augassign.target, r, sp);
    }
    case AST_RETURN: {
        Value *v;
        if (s->return_.value) TS_TRY(em_expr(em, s->return_.value, em->fn->ret_type, &v));
        else v = em_constant(em, iv_none(), sp);
        if (em->fn->ret_type) {
            if (!ty_subtype(v->type, em->fn->ret_type)) v = em_tuple_to_list(em, v, em->fn->ret_type, sp);
            if (!ty_subtype(v->type, em->fn->ret_type) && em->u->from_source) return bad_return(em, v, sp);
            if (!ty_subtype(v->type, em->fn->ret_type)) return em_type_error(em, sp, "return value", em->fn->ret_type, v->type);
            v = em_cast(em, v, em->fn->ret_type, sp);
        } else if (em->u->from_source) {
            TS_TRY(check_return_type(em, v, sp));
        }
        if (em->loop_depth) {
            /* the returns inside loops: the type the loops carry (emit_loop) */
            Type *u = em->loop_ret_t ? ty_unify(em->loop_ret_t, v->type) : v->type;
            em->loop_ret_t = u ? u : v->type;
        }
        em_env_set(em, "$ret", v);
        em->env->returned = true;
        return TS_OK;
    }
    case AST_RAISE: return emit_raise(em, s);
    case AST_ASSERT: {
        Value *c;
        TS_TRY(em_expr(em, s->assert_.test, NULL, &c));
        TS_TRY(em_to_bool(em, c, sp, &c));
        c = em_cond(em, c, s->assert_.test);
        bool cb;
        if (em_const_bool(c, &cb) && cb) return TS_OK;
        Node *n = em_append(em, NK_IF, sp);
        node_add_input(em->g, n, c);
        Block *tb = node_add_block(em->g, n);
        Block *fb = node_add_block(em->g, n);
        Block *saved = em->b;
        Refine refs;
        memset(&refs, 0, sizeof refs);
        em_collect_refines(s->assert_.test, false, &refs);
        /* the message is computed where the test failed, with that branch's refinements,
         * as PyTorch emits it (`assert b is None or b.shape == s, f"{b.shape}"`) */
        em->b = fb;
        Env env, *saved_env = em->env;
        em_env_init(&env, em->env);
        em_apply_refines(em, &refs, 1, fb, &env, sp);
        em->env = &env;
        Value *msg = NULL;
        ts_status st = TS_OK;
        st = assertion_message(em, s->assert_.msg, sp, &msg);
        if (st == TS_OK) st = raise_op(em, msg, NULL, sp);
        em->env = saved_env;
        em_env_free(&env);
        em->b = saved;
        /* past `assert x is not None`, x is refined: stored in the passing
         * branch, a placeholder where it raised, merged out as PyTorch does */
        if (st == TS_OK) {
            Env tenv;
            em_env_init(&tenv, em->env);
            em_apply_refines(em, &refs, 0, tb, &tenv, sp);
            for (int i = 0; i < tenv.order.len; i++) {
                Value *v = strmap_get(&tenv.vars, tenv.order.data[i]);
                Node *un = node_new(em->g, NK_UNINITIALIZED, sp);
                block_append(fb, un);
                block_add_output(em->g, tb, v);
                block_add_output(em->g, fb, node_add_output(em->g, un, v->type));
                Value *o = node_add_output(em->g, n, v->type);
                o->name = tenv.order.data[i];
                em_env_set(em, tenv.order.data[i], o);
            }
            em_env_free(&tenv);
        }
        return st;
    }
    case AST_IF: return emit_if(em, s, l, i + 1, consumed_rest);
    case AST_WHILE: {
        if (s->while_.orelse.len)
            return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp,
                           "else branches of while loops are not supported in TorchScript: set a flag before break and "
                           "test it after the loop");
        Value *trip = em_constant(em, iv_int(INT64_MAX), sp);
        return emit_loop(em, s, LOOP_WHILE, trip, NULL, NULL, NULL, NULL, &s->while_.body, s->while_.cond);
    }
    case AST_FOR: return emit_for(em, s);
    case AST_WITH:
        /* `with torch.no_grad():` changes nothing tscript computes: the body runs in place */
        for (int k = 0; k < s->with.items.len; k++) {
            const Ast *w = s->with.items.items[k];
            const Ast *c = w->withitem.context;
            const Ast *f = c->kind == AST_CALL ? c->call.func : c;
            const char *n = f->kind == AST_ATTR ? f->attr.name : f->kind == AST_NAME ? f->name.id : "";
            if (w->withitem.target || (strcmp(n, "no_grad") != 0 && strcmp(n, "enable_grad") != 0))
                return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &w->span,
                               "tscript supports `with` only for torch.no_grad() and torch.enable_grad()");
        }
        return emit_stmts(em, &s->with.body, 0);
    case AST_DEL: return TS_OK;
    case AST_TRY: return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp, "'try' statements are not supported in TorchScript");
    case AST_BREAK:
    case AST_CONTINUE:
        if (!em->loop_depth) return ts_fail(em->ctx, TS_ERR_SYNTAX, &sp, "'%s' outside a loop", ast_kind_name(s->kind));
        /* break sets the hidden flag the loop condition tests; both end this path of the body */
        if (s->kind == AST_BREAK)
            em_env_set(em, arena_printf(&em->g->arena, "$brk%d", em->loop_depth), em_constant(em, iv_bool(true), sp));
        em->env->jumped = true;
        return TS_OK;
    case AST_GLOBAL:
    case AST_NONLOCAL:
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp,
                       "%s statements are not supported in TorchScript: pass the value in as an argument, or keep it "
                       "as an attribute of the module", ast_kind_name(s->kind));
    case AST_FUNCDEF:
    case AST_CLASSDEF:
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp,
                       "%s definitions are not supported inside a TorchScript function: define %s at module level",
                       s->kind == AST_FUNCDEF ? "function" : "class",
                       s->kind == AST_FUNCDEF ? s->funcdef.name : s->classdef.name);
    case AST_IMPORT:
    case AST_IMPORTFROM:
        return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp,
                       "import statements are not supported inside a TorchScript function: import at the top of the file");
    default: break;
    }
    return ts_fail(em->ctx, TS_ERR_UNSUPPORTED, &sp, "%s statements are not supported yet", ast_kind_name(s->kind));
}

/* In a lazy unit, a statement that failed to compile becomes a node that
 * fails when run: drop what it emitted (the nodes after `mark`), append an
 * NK_FAIL with the failure, and end the block as a raise does. Names the
 * statement had bound to dropped values are rebound to placeholders. */
static void defer_stmt(Em *em, const Ast *s, Node *mark, ts_status st, bool after_unresolved) {
    Block *b = em->b;
    while (mark->next != b->ret) node_remove(mark->next);
    Node *f = em_append(em, NK_FAIL, s->span);
    sema_defer_failure(em->ctx, em->g, f, st, s->span);
    f->after_unresolved = after_unresolved;
    Env *e = em->env;
    for (int i = 0; i < e->order.len; i++) {
        Value *v = strmap_get(&e->vars, e->order.data[i]);
        if (!v || v->node->owner) continue;
        Node *un = em_append(em, NK_UNINITIALIZED, s->span);
        strmap_put(&e->vars, e->order.data[i], node_add_output(em->g, un, v->type));
    }
    e->raised = true;
}

/* `x = y`, `x : T = y` or `a, b = y, z` with plain names: after a raise, PyTorch's
 * printer assigns the if's outputs this way (`x = _10`, a placeholder). */
static bool is_name_assign(const Ast *s) {
    if (s->kind == AST_ANNASSIGN)
        return s->annassign.target->kind == AST_NAME && s->annassign.value && s->annassign.value->kind == AST_NAME;
    if (s->kind != AST_ASSIGN || s->assign.targets.len != 1) return false;
    const Ast *t = s->assign.targets.items[0], *v = s->assign.value;
    if (t->kind == AST_NAME) return v->kind == AST_NAME;
    if (t->kind != AST_TUPLE || v->kind != AST_TUPLE || v->seq.elts.len != t->seq.elts.len) return false;
    for (int i = 0; i < t->seq.elts.len; i++)
        if (t->seq.elts.items[i]->kind != AST_NAME || v->seq.elts.items[i]->kind != AST_NAME) return false;
    return true;
}

static ts_status emit_stmts(Em *em, const AstList *l, int from) {
    for (int i = from; i < l->len; i++) {
        Env *e = em->env;
        if (ended(e) && !(e->raised && !e->returned && !e->jumped && is_name_assign(l->items[i])))
            break; /* unreachable code */
        bool consumed = false;
        Block *b = em->b;
        Env *env = em->env;
        Node *mark = b->ret->prev;
        bool outer_used = em->used_unresolved;
        em->used_unresolved = false;
        ts_status st = emit_stmt(em, l, i, &consumed);
        bool used = em->used_unresolved;
        em->used_unresolved = outer_used || used;
        if (st != TS_OK) {
            if (!em->u->lazy || st == TS_ERR_NOMEM || em->b != b || em->env != env) return st;
            defer_stmt(em, l->items[i], mark, st, used);
            break;
        }
        if (consumed) break;
        if (em->env->maybe_ret && !ended(em->env) && i + 1 < l->len) return emit_guarded_rest(em, l, i + 1);
    }
    return TS_OK;
}

/* In a lazy unit, the body of a method that failed to compile as a whole:
 * one NK_FAIL, then a placeholder of the declared return type. */
static void stub_function(Ctx *ctx, Function *fn, ts_status st) {
    Graph *g = graph_new();
    for (int i = 0; i < fn->nparams; i++) graph_add_input(g, fn->params[i].type, fn->params[i].name);
    Node *f = node_new(g, NK_FAIL, fn->span);
    block_append(g->block, f);
    sema_defer_failure(ctx, g, f, st, fn->span);
    Node *un = node_new(g, NK_UNINITIALIZED, fn->span);
    block_append(g->block, un);
    graph_add_output(g, node_add_output(g, un, fn->ret_type ? fn->ret_type : ty_none()));
    fn->graph = g;
    fn->state = FN_EMITTED;
}

ts_status sema_emit_function(Ctx *ctx, Unit *u, Function *fn) {
    if (fn->state == FN_EMITTED) return TS_OK;
    if (fn->state == FN_EMITTING) return ts_fail(ctx, TS_ERR_TYPE, &fn->span, "%s is recursive", fn->qualname);
    if (fn->state == FN_FAILED) return ts_fail(ctx, TS_ERR_TYPE, &fn->span, "%s failed to compile", fn->qualname);
    fn->state = FN_EMITTING;
    const Ast *def = (const Ast *)fn->def;
    Em em = {ctx, u, fn, graph_new(), NULL, NULL, 0, 0, false, NULL, NULL};
    em.b = em.g->block;
    Env env;
    em_env_init(&env, NULL);
    em.env = &env;
    for (int i = 0; i < fn->nparams; i++) {
        Value *p = graph_add_input(em.g, fn->params[i].type, fn->params[i].name);
        em_env_set(&em, fn->params[i].name, p);
    }
    ts_status st = emit_stmts(&em, &def->funcdef.body, 0);
    if (st == TS_OK && env.maybe_ret && !ended(&env) && fn->ret_type && fn->ret_type->kind != TK_NONE) {
        StrBuf a;
        sb_init(&a);
        ty_annotation_str(&a, fn->ret_type);
        st = ts_fail(ctx, TS_ERR_TYPE, &fn->span,
                     "%s is annotated to return %s but some paths fall off its end: end it with a return (PyTorch "
                     "accepts this only without an annotation or with -> None)", fn->qualname, sb_cstr(&a));
        sb_free(&a);
    } else if (st == TS_OK && env.maybe_ret && !ended(&env)) {
        /* some path returned (in a loop, or an if nested in ifs) and the others fall
         * off the end: they return None, as Python's implicit `return None` */
        Ast *ret = syn_node(&em, AST_RETURN, fn->span);
        Ast *items[1] = {ret};
        AstList implicit = {items, 1};
        st = emit_guarded_rest(&em, &implicit, 0);
    }
    if (st == TS_OK) {
        Value *r = em_env_lookup(&env, "$ret");
        if (env.maybe_ret && !env.returned) r = NULL; /* falls off the end on some path */
        if (!r) {
            if (fn->ret_type && !ty_subtype(ty_none(), fn->ret_type) && !env.raised)
                st = ts_fail(ctx, TS_ERR_TYPE, &fn->span, "%s does not return a value on every path", fn->qualname);
            else
                r = em_constant(&em, iv_none(), fn->span);
        }
        if (st == TS_OK) {
            if (!fn->ret_type) fn->ret_type = r->type;
            graph_add_output(em.g, r);
        }
    }
    em_env_free(&env);
    if (st != TS_OK) {
        graph_free(em.g);
        if (u->lazy && st != TS_ERR_NOMEM) {
            stub_function(ctx, fn, st);
            return TS_OK;
        }
        fn->state = FN_FAILED;
        return st;
    }
    em_propagate_constants(ctx, em.g);
    em_hoist_uninitialized(em.g);
    em_canonicalize_outputs(em.g);
    fn->graph = em.g;
    fn->state = FN_EMITTED;
    return TS_OK;
}

ts_status em_stmts(Em *em, const AstList *l) { return emit_stmts(em, l, 0); }

ts_status em_assign_target(Em *em, const Ast *target, Value *v, Span sp) { return assign_to(em, target, v, sp); }
