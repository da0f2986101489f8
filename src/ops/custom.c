/*
 * custom.c - the registry's run-time half: operators a user registers with
 * ts_register_op (an extension's ops, torchvision::nms, torch_scatter-style
 * ops), on one context or for the whole process.
 *
 * It sits beside registry.c (the builtin table, parsed once from all.def)
 * and reuses its schema parser. A registration parses the schema, refuses
 * what a kernel could not be called with, checks that the overload is new,
 * and chains the schema after the earlier overloads of its name:
 *  - global ones in one table behind a read-write lock (loads on other
 *    threads look names up while a registration may run);
 *  - a context's in a table it owns (Ctx.custom_ops, freed with the context;
 *    a context is used by one thread at a time, so reading it needs no lock).
 * Invariants: schemas are registry memory (immortal, and kept reachable in
 * g_kept), so a module compiled against a custom op keeps a valid pointer
 * whatever happens to the context that registered it; a name is builtin, or custom, never both; a name's
 * overloads seen from a context are the context's when it has any, else the
 * global ones.
 */
#include "ops/op.h"

#include <pthread.h>
#include <stdlib.h>

/* A table of custom schemas: few (an extension's dozen ops), looked up at
 * compile time only, so a plain array scanned by name. Its memory comes from
 * the C allocator, not counted by ts_alloc_live, like the builtin registry. */
typedef struct CustomTable {
    OpSchema **all;
    int n, cap;
} CustomTable;

static pthread_rwlock_t g_lock = PTHREAD_RWLOCK_INITIALIZER;
static CustomTable g_global;
/* Every custom schema ever registered, a context's too: they outlive their
 * context (compiled modules point to them), and stay reachable from here. */
static CustomTable g_kept;

static void table_free(void *p) {
    CustomTable *t = p;
    if (!t) return;
    free(t->all);
    free(t);
}

static const OpSchema *table_first(const CustomTable *t, const char *name) {
    for (int i = 0; t && i < t->n; i++)
        if (strcmp(t->all[i]->name, name) == 0) return t->all[i];
    return NULL;
}

static const OpSchema *table_overload(const CustomTable *t, const char *name, const char *overload) {
    for (const OpSchema *s = table_first(t, name); s; s = s->next_overload)
        if (strcmp(s->overload, overload ? overload : "") == 0) return s;
    return NULL;
}

/* Room for one more schema in t (the caller holds the lock); false when out of memory. */
static bool table_room(CustomTable *t) {
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        OpSchema **a = realloc(t->all, sizeof *a * (size_t)cap);
        if (!a) return false;
        t->all = a;
        t->cap = cap;
    }
    return true;
}

/* Add s to t (the caller holds the lock). Fails only when out of memory. */
static bool table_add(CustomTable *t, OpSchema *s) {
    if (!table_room(t)) return false;
    OpSchema *prev = NULL;
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->all[i]->name, s->name) == 0) prev = t->all[i];
    t->all[t->n++] = s;
    /* readers may walk the chain while it grows: publish the finished schema */
    if (prev) __atomic_store_n(&prev->next_overload, s, __ATOMIC_RELEASE);
    return true;
}

/* Remember s in g_kept (the caller holds the lock). */
static bool table_keep(OpSchema *s) {
    CustomTable *t = &g_kept;
    if (!table_room(t)) return false;
    t->all[t->n++] = s;
    return true;
}

static bool has_var(const Type *t) {
    if (t->kind == TK_VAR) return true;
    for (int i = 0; i < t->n; i++)
        if (has_var(t->elems[i])) return true;
    return false;
}

/* What a kernel cannot be called with, or NULL. */
static const char *refusal(const OpSchema *s) {
    if (s->varargs || s->varret) return "'...' (a variable number of arguments or returns) is not supported";
    for (int i = 0; i < s->nargs; i++)
        if (has_var(s->args[i].type)) return "type variables (t, t[]) are not supported: name the type";
    for (int i = 0; i < s->nret; i++)
        if (has_var(s->rets[i].type)) return "type variables (t, t[]) are not supported: name the type";
    return NULL;
}

ts_status ops_register_custom(Ctx *ctx, bool global, const char *text, OpFn fn, const void *custom,
                              const OpSchema **out) {
    ops_init();
    OpSchema *s = calloc(1, sizeof *s); /* registry memory: immortal, not counted */
    if (!s) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    StrBuf err;
    sb_init(&err);
    if (!schema_parse(text, s, &err)) {
        ts_status st = ts_fail(ctx, TS_ERR_ARG, NULL, "ts_register_op: bad %s", sb_cstr(&err));
        sb_free(&err);
        free(s);
        return st;
    }
    sb_free(&err);
    const char *why = refusal(s);
    if (why) {
        free(s);
        return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_register_op: %s: %s", text, why);
    }
    if (ops_lookup(s->name)) {
        ts_status st = ts_fail(ctx, TS_ERR_ARG, NULL,
                               "ts_register_op: %s is a builtin op of tscript: custom overloads of it are not "
                               "allowed (register the op under its own namespace)",
                               s->name);
        free(s);
        return st;
    }
    /* the printed form, as `tscript ops` lists builtins */
    StrBuf printed;
    sb_init(&printed);
    schema_str(&printed, s);
    char *t = malloc(printed.len + 1);
    if (!t) {
        sb_free(&printed);
        free(s);
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    }
    memcpy(t, sb_cstr(&printed), printed.len + 1);
    sb_free(&printed);
    s->text = t;
    s->fn = fn;
    s->custom = custom;

    ts_status st = TS_OK;
    pthread_rwlock_wrlock(&g_lock);
    CustomTable *local = ctx ? ctx->custom_ops : NULL;
    const char *ov = s->overload[0] ? s->overload : NULL;
    if (table_overload(&g_global, s->name, s->overload)) {
        st = ts_fail(ctx, TS_ERR_ARG, NULL, "ts_register_op: %s%s%s is already registered (process-wide)", s->name,
                     ov ? "." : "", ov ? ov : "");
    } else if (table_overload(local, s->name, s->overload)) {
        st = ts_fail(ctx, TS_ERR_ARG, NULL, "ts_register_op: %s%s%s is already registered on this context",
                     s->name, ov ? "." : "", ov ? ov : "");
    } else if (global && table_first(local, s->name)) {
        st = ts_fail(ctx, TS_ERR_ARG, NULL,
                     "ts_register_op: %s has overloads registered on this context: register all its overloads "
                     "in one place",
                     s->name);
    } else if (!global && table_first(&g_global, s->name)) {
        st = ts_fail(ctx, TS_ERR_ARG, NULL,
                     "ts_register_op: %s has overloads registered process-wide: register all its overloads in "
                     "one place",
                     s->name);
    } else {
        CustomTable *dst = &g_global;
        if (!global) {
            if (!local) {
                local = calloc(1, sizeof *local);
                if (local) {
                    ctx->custom_ops = local;
                    ctx->custom_ops_free = table_free;
                }
            }
            dst = local;
        }
        if (!dst || (!global && !table_keep(s))) {
            st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
        } else if (!table_add(dst, s)) {
            if (!global) g_kept.n--;
            st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
        }
    }
    pthread_rwlock_unlock(&g_lock);
    if (st != TS_OK) {
        free(t);
        free(s);
        return st;
    }
    if (out) *out = s;
    return TS_OK;
}

const OpSchema *ops_lookup_ctx(const Ctx *ctx, const char *name) {
    const OpSchema *s = ops_lookup(name);
    if (s) return s;
    if (ctx && (s = table_first(ctx->custom_ops, name))) return s;
    pthread_rwlock_rdlock(&g_lock);
    s = table_first(&g_global, name);
    pthread_rwlock_unlock(&g_lock);
    return s;
}

const OpSchema *ops_lookup_overload_ctx(const Ctx *ctx, const char *name, const char *overload) {
    const OpSchema *s = ops_lookup_overload(name, overload);
    if (s || ops_lookup(name)) return s;
    if (ctx && table_first(ctx->custom_ops, name)) return table_overload(ctx->custom_ops, name, overload);
    pthread_rwlock_rdlock(&g_lock);
    s = table_overload(&g_global, name, overload);
    pthread_rwlock_unlock(&g_lock);
    return s;
}

int ops_custom_count(void) {
    pthread_rwlock_rdlock(&g_lock);
    int n = g_global.n;
    pthread_rwlock_unlock(&g_lock);
    return n;
}

const OpSchema *ops_custom_at(int i) {
    const OpSchema *s = NULL;
    pthread_rwlock_rdlock(&g_lock);
    if (i >= 0 && i < g_global.n) s = g_global.all[i];
    pthread_rwlock_unlock(&g_lock);
    return s;
}
