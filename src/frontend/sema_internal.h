/*
 * sema_internal.h - helpers shared by unit.c (declarations) and emit.c (bodies).
 */
#ifndef TS_SEMA_INTERNAL_H
#define TS_SEMA_INTERNAL_H

#include "frontend/ast.h"
#include "frontend/sema.h"

/* Evaluate a constant expression (literals, tuples, lists, -x, inf, nan). */
ts_status sema_eval_const(Ctx *ctx, Unit *u, const Ast *e, Type *hint, IValue *out) TS_MUST_CHECK;
/* A type annotation expression to a Type. */
ts_status sema_resolve_type(Ctx *ctx, Unit *u, const Ast *e, Type **out) TS_MUST_CHECK;
/* "a.b.c" of a NAME/ATTR chain; false when e is not such a chain. */
bool sema_dotted_name(const Ast *e, StrBuf *sb);
/* Resolve q as a class or a free function; both NULL when it is neither. */
ts_status sema_lookup_qualified(Ctx *ctx, Unit *u, const char *q, const Span *where, ClassType **cls,
                                Function **fn) TS_MUST_CHECK;

#endif
