/*
 * registry.c - the operator registry: a parser for PyTorch's schema language,
 * the printer that turns a schema back into the text PyTorch prints, and the
 * table of every op declared in ops/all.def.
 *
 * Schema grammar (as torch/csrc/jit/frontend/function_schema_parser.cpp reads it):
 *   schema   = name ["." overload] "(" [arg {"," arg}] ")" "->" returns
 *   arg      = "*" | "..." | type ident ["=" default]
 *   returns  = "(" [ret {"," ret}] ")" | "..." | ret
 *   ret      = "..." | type [ident]
 *   type     = base [alias] {"[" [int] "]" [alias] | "?"}
 *   base     = "(" [type {"," type}] ")" | "Dict" "(" type "," type ")"
 *            | "Union" "(" type {"," type} ")" | ident
 *   alias    = "(" set ["!"] ["->" set] ")"      set = ("*" | ident) {"|" ident}
 *   default  = "None" | "True" | "False" | number | string | ident | "[" [default {"," default}] "]"
 *
 * Invariants:
 *  - Everything a parsed schema points to (names, arrays, type texts and default
 *    values) lives in registry memory: immortal, taken from the C allocator so it
 *    is not counted by ts_alloc_live and cannot be failed by ts_alloc_fail_at.
 *    Heap default values (strings, lists) carry a reference count so large that
 *    balanced retain/release pairs never free them; ops must not mutate them.
 *  - Types are the interned ones of type.h; ScalarType, Layout, MemoryFormat,
 *    SymInt, QScheme and DeviceIndex are int, Dimname is str, Scalar is number.
 *  - Each OpArg keeps its type as written (type_text) so schema_str reproduces
 *    PyTorch's printed form exactly, SymInt and alias annotations included.
 *  - ops_init parses all.def once; overloads of one name are chained in
 *    declaration order and a malformed or duplicate schema aborts (it is a
 *    build error in our own lists, not input).
 */
#include "ops/op.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- registry memory ---- */

enum { IMMORTAL_REFS = INT32_MAX / 2, REG_CHUNK = 64 * 1024 };

static pthread_mutex_t g_mem_lock = PTHREAD_MUTEX_INITIALIZER;
static char *g_chunk;
static size_t g_chunk_used, g_chunk_cap;

static void *reg_alloc(size_t n) {
    n = (n + 15) & ~(size_t)15;
    pthread_mutex_lock(&g_mem_lock);
    if (!g_chunk || g_chunk_used + n > g_chunk_cap) {
        /* chunks are chained through their first word so they stay reachable */
        size_t cap = (n > REG_CHUNK ? n : REG_CHUNK) + 16;
        char *c = calloc(1, cap);
        if (!c) ts_oom();
        memcpy(c, &g_chunk, sizeof g_chunk);
        g_chunk = c;
        g_chunk_used = 16;
        g_chunk_cap = cap;
    }
    void *p = g_chunk + g_chunk_used;
    g_chunk_used += n;
    pthread_mutex_unlock(&g_mem_lock);
    return p;
}

static char *reg_strndup(const char *s, size_t n) {
    char *d = reg_alloc(n + 1);
    memcpy(d, s, n);
    return d;
}

static IValue immortal_str(const char *s, size_t n) {
    StrObj *o = reg_alloc(sizeof(StrObj) + n + 1);
    o->hdr.refcnt = IMMORTAL_REFS;
    o->hdr.kind = IV_STR;
    o->len = (int64_t)n;
    memcpy(o->data, s, n);
    o->hash = ts_hash_bytes(o->data, n);
    IValue v;
    v.kind = IV_STR;
    v.u.s = o;
    return v;
}

static IValue immortal_list(Type *elem, const IValue *items, int64_t n) {
    ListObj *l = reg_alloc(sizeof(ListObj));
    l->hdr.refcnt = IMMORTAL_REFS;
    l->hdr.kind = IV_LIST;
    l->elem = elem;
    l->len = l->cap = n;
    l->items = reg_alloc(sizeof(IValue) * (size_t)(n ? n : 1));
    if (n) memcpy(l->items, items, sizeof(IValue) * (size_t)n);
    IValue v;
    v.kind = IV_LIST;
    v.u.l = l;
    return v;
}

/* ---- the parser ---- */

typedef struct Parser {
    const char *text, *p;
    StrBuf *err;
    bool failed;
} Parser;

typedef VEC(OpArg) ArgVec;

static bool fail(Parser *ps, const char *what) {
    if (!ps->failed && ps->err)
        sb_printf(ps->err, "schema: %s at column %d in '%s'", what, (int)(ps->p - ps->text) + 1,
                  ps->text);
    ps->failed = true;
    return false;
}

static void skip_ws(Parser *ps) {
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n') ps->p++;
}

static bool is_id0(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_id(char c) { return is_id0(c) || (c >= '0' && c <= '9'); }

static bool peek(Parser *ps, char c) {
    skip_ws(ps);
    return *ps->p == c;
}

static bool accept(Parser *ps, char c) {
    if (!peek(ps, c)) return false;
    ps->p++;
    return true;
}

static bool accept_str(Parser *ps, const char *s) {
    skip_ws(ps);
    size_t n = strlen(s);
    if (strncmp(ps->p, s, n) != 0) return false;
    ps->p += n;
    return true;
}

static bool expect(Parser *ps, char c) {
    if (accept(ps, c)) return true;
    char msg[32];
    snprintf(msg, sizeof msg, "expected '%c'", c);
    return fail(ps, msg);
}

/* ident = [A-Za-z_][A-Za-z0-9_]*; returns its length (0 if none) */
static size_t ident(Parser *ps, const char **start) {
    skip_ws(ps);
    *start = ps->p;
    if (!is_id0(*ps->p)) return 0;
    while (is_id(*ps->p)) ps->p++;
    return (size_t)(ps->p - *start);
}

typedef struct TypeInfo {
    int fixed_len;
    char alias;
    bool is_write;
} TypeInfo;

static bool id_is(const char *s, size_t n, const char *word) {
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* alias = "(" set ["!"] ["->" set] ")"   set = ("*" | ident) {"|" ident} */
static bool parse_alias(Parser *ps, TypeInfo *ti) {
    ps->p++; /* '(' */
    for (int side = 0; side < 2; side++) {
        do {
            const char *s;
            char letter;
            if (accept(ps, '*')) letter = '*';
            else if (ident(ps, &s)) letter = *s;
            else return fail(ps, "expected an alias set");
            if (side == 0 && !ti->alias) ti->alias = letter;
        } while (accept(ps, '|'));
        if (side == 0 && accept(ps, '!')) ti->is_write = true;
        if (side == 1 || !accept_str(ps, "->")) break;
    }
    return expect(ps, ')');
}

static Type *parse_type(Parser *ps, TypeInfo *ti);

/* A type inside a container: its alias and length information are not the arg's. */
static Type *parse_inner(Parser *ps) {
    TypeInfo inner = {0};
    return parse_type(ps, &inner);
}

static Type *named_type(Parser *ps, const char *s, size_t n) {
    static const struct { const char *name; Type *(*get)(void); } names[] = {
        {"Tensor", ty_tensor}, {"int", ty_int}, {"SymInt", ty_int}, {"ScalarType", ty_int},
        {"Layout", ty_int}, {"MemoryFormat", ty_int}, {"QScheme", ty_int},
        {"DeviceIndex", ty_int}, {"float", ty_float}, {"bool", ty_bool}, {"str", ty_str},
        {"Dimname", ty_str}, {"Scalar", ty_number}, {"Device", ty_device},
        {"Generator", ty_generator}, {"complex", ty_complex}, {"Any", ty_any},
        {"None", ty_none}, {"NoneType", ty_none},
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(names); i++)
        if (id_is(s, n, names[i].name)) return names[i].get();
    if (*s >= 'a' && *s <= 'z') {
        char buf[64];
        if (n >= sizeof buf) return fail(ps, "type variable name too long"), NULL;
        memcpy(buf, s, n);
        buf[n] = 0;
        return ty_var(buf);
    }
    return fail(ps, "unknown type"), NULL;
}

/* type = base [alias] {"[" [int] "]" [alias] | "?"} */
static Type *parse_type(Parser *ps, TypeInfo *ti) {
    Type *t = NULL;
    const char *s;
    size_t n;
    if (accept(ps, '(')) {
        VEC(Type *) el = {0};
        if (!accept(ps, ')')) {
            do {
                Type *e = parse_inner(ps);
                if (!e) break;
                vec_push(&el, e);
            } while (accept(ps, ','));
            if (!ps->failed) expect(ps, ')');
        }
        if (!ps->failed) t = ty_tuple(el.data, el.len);
        vec_free(&el);
        if (!t) return NULL;
    } else if ((n = ident(ps, &s)) == 0) {
        return fail(ps, "expected a type"), NULL;
    } else if (id_is(s, n, "Dict")) {
        if (!expect(ps, '(')) return NULL;
        Type *k = parse_inner(ps);
        if (!k || !expect(ps, ',')) return NULL;
        Type *v = parse_inner(ps);
        if (!v || !expect(ps, ')')) return NULL;
        t = ty_dict(k, v);
    } else if (id_is(s, n, "Union")) {
        if (!expect(ps, '(')) return NULL;
        VEC(Type *) el = {0};
        do {
            Type *e = parse_inner(ps);
            if (!e) break;
            vec_push(&el, e);
        } while (accept(ps, ','));
        if (!ps->failed && expect(ps, ')')) t = ty_union(el.data, el.len);
        vec_free(&el);
        if (!t) return NULL;
    } else {
        t = named_type(ps, s, n);
        if (!t) return NULL;
    }
    if (peek(ps, '(') && !parse_alias(ps, ti)) return NULL;
    for (;;) {
        if (accept(ps, '[')) {
            skip_ws(ps);
            int len = 0;
            while (*ps->p >= '0' && *ps->p <= '9') {
                if (len > 1000) return fail(ps, "list length too large"), NULL;
                len = len * 10 + (*ps->p++ - '0');
            }
            if (!expect(ps, ']')) return NULL;
            t = ty_list(t);
            ti->fixed_len = len;
            if (peek(ps, '(') && !parse_alias(ps, ti)) return NULL;
        } else if (accept(ps, '?')) {
            t = ty_optional(t);
        } else {
            return t;
        }
    }
}

/* Named constants that appear as defaults (MemoryFormat, ScalarType, Layout, Reduction). */
static bool enum_default(const char *s, size_t n, int64_t *out) {
    static const struct { const char *name; int64_t v; } names[] = {
        {"contiguous_format", 0}, {"preserve_format", 1}, {"channels_last", 2},
        {"channels_last_3d", 3}, {"uint8", 0}, {"int8", 1}, {"int16", 2}, {"short", 2},
        {"int32", 3}, {"int", 3}, {"int64", 4}, {"long", 4}, {"float16", 5}, {"half", 5},
        {"float32", 6}, {"float", 6}, {"float64", 7}, {"double", 7}, {"complex32", 8},
        {"complex64", 9}, {"cfloat", 9}, {"complex128", 10}, {"cdouble", 10}, {"bool", 11},
        {"qint8", 12}, {"quint8", 13}, {"qint32", 14}, {"bfloat16", 15}, {"strided", 0},
        {"sparse_coo", 1}, {"sparse_csr", 2}, {"Mean", 1}, {"Sum", 2},
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(names); i++)
        if (id_is(s, n, names[i].name)) {
            *out = names[i].v;
            return true;
        }
    return false;
}

static bool parse_string(Parser *ps, IValue *out) {
    char q = *ps->p++;
    StrBuf sb;
    sb_init(&sb);
    for (;;) {
        char c = *ps->p;
        if (!c) {
            sb_free(&sb);
            return fail(ps, "unterminated string");
        }
        ps->p++;
        if (c == q) break;
        if (c != '\\') {
            sb_putc(&sb, c);
            continue;
        }
        c = *ps->p++;
        switch (c) {
        case 'n': sb_putc(&sb, '\n'); break;
        case 't': sb_putc(&sb, '\t'); break;
        case 'r': sb_putc(&sb, '\r'); break;
        case 'f': sb_putc(&sb, '\f'); break;
        case 'v': sb_putc(&sb, '\v'); break;
        case 'a': sb_putc(&sb, '\a'); break;
        case 'b': sb_putc(&sb, '\b'); break;
        case '0': case '1': case '2': case '3': {
            int v = c - '0';
            for (int i = 0; i < 2 && *ps->p >= '0' && *ps->p <= '7'; i++) v = v * 8 + (*ps->p++ - '0');
            sb_putc(&sb, (char)v);
            break;
        }
        case 0:
            sb_free(&sb);
            return fail(ps, "unterminated string");
        default: sb_putc(&sb, c); break; /* \\ \' \" */
        }
    }
    *out = immortal_str(sb_cstr(&sb), sb.len);
    sb_free(&sb);
    return true;
}

/* A number literal: int unless it has '.', an exponent, or is inf/nan (or want_float). */
static bool parse_number(Parser *ps, bool want_float, IValue *out) {
    const char *start = ps->p;
    const char *q = ps->p;
    if (*q == '-' || *q == '+') q++;
    bool is_float = want_float;
    if (strncmp(q, "inf", 3) == 0 && !is_id(q[3])) {
        q += 3;
        is_float = true;
    } else if (strncmp(q, "nan", 3) == 0 && !is_id(q[3])) {
        q += 3;
        is_float = true;
    } else {
        if (!(*q >= '0' && *q <= '9') && *q != '.') return fail(ps, "expected a default value");
        while ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' ||
               ((*q == '-' || *q == '+') && (q[-1] == 'e' || q[-1] == 'E'))) {
            if (*q == '.' || *q == 'e' || *q == 'E') is_float = true;
            q++;
        }
    }
    char buf[64];
    size_t n = (size_t)(q - start);
    if (n >= sizeof buf) return fail(ps, "number too long");
    memcpy(buf, start, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    if (is_float) {
        double d = strtod(buf, &end);
        if (*end) return fail(ps, "malformed number");
        *out = iv_double(d);
    } else {
        long long v = strtoll(buf, &end, 10);
        if (*end || errno == ERANGE) return fail(ps, "malformed integer");
        *out = iv_int(v);
    }
    ps->p = q;
    return true;
}

/* The element type a default literal is checked against. */
static Type *default_target(Type *t) {
    t = ty_unwrap_optional(t);
    return t->kind == TK_LIST ? ty_unwrap_optional(t->elems[0]) : t;
}

static bool parse_scalar_default(Parser *ps, Type *want, IValue *out) {
    skip_ws(ps);
    const char *s;
    size_t n;
    if (*ps->p == '"' || *ps->p == '\'') return parse_string(ps, out);
    if (is_id0(*ps->p) && !(strncmp(ps->p, "inf", 3) == 0 && !is_id(ps->p[3])) &&
        !(strncmp(ps->p, "nan", 3) == 0 && !is_id(ps->p[3]))) {
        n = ident(ps, &s);
        int64_t v = 0;
        if (id_is(s, n, "None")) *out = iv_none();
        else if (id_is(s, n, "True")) *out = iv_bool(true);
        else if (id_is(s, n, "False")) *out = iv_bool(false);
        else if (enum_default(s, n, &v)) *out = iv_int(v);
        else return fail(ps, "unknown default value");
        return true;
    }
    return parse_number(ps, want->kind == TK_FLOAT, out);
}

static bool parse_default(Parser *ps, OpArg *a) {
    Type *elem = default_target(a->type);
    Type *lt = ty_unwrap_optional(a->type);
    if (accept(ps, '[')) {
        VEC(IValue) items = {0};
        if (!accept(ps, ']')) {
            do {
                IValue v;
                if (!parse_scalar_default(ps, elem, &v)) break;
                vec_push(&items, v);
            } while (accept(ps, ','));
            if (!ps->failed) expect(ps, ']');
        }
        if (!ps->failed)
            a->default_value = immortal_list(lt->kind == TK_LIST ? lt->elems[0] : ty_any(),
                                             items.data, items.len);
        vec_free(&items);
        return !ps->failed;
    }
    IValue v;
    if (!parse_scalar_default(ps, elem, &v)) return false;
    if (lt->kind == TK_LIST && v.kind != IV_NONE && v.kind != IV_LIST) {
        /* `int[2] stride=1` means [1, 1] */
        int n = a->fixed_len > 0 ? a->fixed_len : 1;
        IValue rep[64];
        if (n > (int)TS_ARRAY_LEN(rep)) return fail(ps, "fixed list too long");
        for (int i = 0; i < n; i++) rep[i] = v;
        v = immortal_list(lt->elems[0], rep, n);
    }
    a->default_value = v;
    return true;
}

/* arg = type [ident] ["=" default]; the name is required for arguments. */
static bool parse_arg(Parser *ps, OpArg *a, bool is_return) {
    memset(a, 0, sizeof *a);
    skip_ws(ps);
    const char *tstart = ps->p;
    TypeInfo ti = {0};
    a->type = parse_type(ps, &ti);
    if (!a->type) return false;
    const char *tend = ps->p;
    while (tend > tstart && (tend[-1] == ' ' || tend[-1] == '\t' || tend[-1] == '\n')) tend--;
    a->type_text = reg_strndup(tstart, (size_t)(tend - tstart));
    a->fixed_len = ti.fixed_len;
    a->alias = ti.alias;
    a->is_write = ti.is_write;
    const char *s;
    size_t n = ident(ps, &s);
    if (n) a->name = reg_strndup(s, n);
    else if (!is_return) return fail(ps, "expected an argument name");
    if (!is_return && accept(ps, '=')) {
        a->has_default = true;
        return parse_default(ps, a);
    }
    return true;
}

static OpArg *finish_args(ArgVec *v) {
    OpArg *a = reg_alloc(sizeof(OpArg) * (size_t)(v->len ? v->len : 1));
    if (v->len) memcpy(a, v->data, sizeof(OpArg) * (size_t)v->len);
    vec_free(v);
    return a;
}

static bool parse_returns(Parser *ps, OpSchema *s, ArgVec *rets) {
    if (accept_str(ps, "...")) {
        s->varret = true;
        return true;
    }
    if (!accept(ps, '(')) {
        OpArg r;
        if (!parse_arg(ps, &r, true)) return false;
        vec_push(rets, r);
        return true;
    }
    if (accept(ps, ')')) return true;
    do {
        if (accept_str(ps, "...")) {
            s->varret = true;
            break;
        }
        OpArg r;
        if (!parse_arg(ps, &r, true)) return false;
        vec_push(rets, r);
    } while (accept(ps, ','));
    return expect(ps, ')');
}

bool schema_parse(const char *text, OpSchema *s, StrBuf *err) {
    Parser ps = {text, text, err, false};
    ArgVec args = {0}, rets = {0};
    memset(s, 0, sizeof *s);
    s->text = reg_strndup(text, strlen(text));

    /* name = ns "::" ident ["." ident] */
    const char *ns, *nm;
    size_t nsn = ident(&ps, &ns);
    if (!nsn || !accept_str(&ps, "::")) return fail(&ps, "expected 'namespace::name'");
    if (!ident(&ps, &nm)) return fail(&ps, "expected an operator name");
    s->name = reg_strndup(ns, (size_t)(ps.p - ns));
    s->overload = "";
    if (*ps.p == '.') {
        ps.p++;
        const char *ov;
        size_t ovn = ident(&ps, &ov);
        if (!ovn) return fail(&ps, "expected an overload name");
        s->overload = reg_strndup(ov, ovn);
    }

    if (!expect(&ps, '(')) goto fail_args;
    bool kwonly = false;
    if (!accept(&ps, ')')) {
        do {
            if (s->varargs) {
                fail(&ps, "'...' must be the last argument");
                goto fail_args;
            }
            if (accept_str(&ps, "...")) {
                s->varargs = true;
                continue;
            }
            if (accept(&ps, '*')) {
                kwonly = true;
                continue;
            }
            OpArg a;
            if (!parse_arg(&ps, &a, false)) goto fail_args;
            a.kwarg_only = kwonly;
            vec_push(&args, a);
        } while (accept(&ps, ','));
        if (!expect(&ps, ')')) goto fail_args;
    }
    if (!accept_str(&ps, "->")) {
        fail(&ps, "expected '->'");
        goto fail_args;
    }
    if (!parse_returns(&ps, s, &rets)) goto fail_args;
    skip_ws(&ps);
    if (*ps.p) {
        fail(&ps, "unexpected text after the returns");
        goto fail_args;
    }
    s->nargs = args.len;
    s->args = finish_args(&args);
    for (int i = 0; i < s->nargs; i++) s->writes = s->writes || s->args[i].is_write;
    s->nret = rets.len;
    s->rets = finish_args(&rets);
    return true;

fail_args:
    vec_free(&args);
    vec_free(&rets);
    return false;
}

/* ---- printing ---- */

/* c10::printQuotedString */
static void put_quoted(StrBuf *sb, const StrObj *s) {
    sb_putc(sb, '"');
    for (int64_t i = 0; i < s->len; i++) {
        unsigned char c = (unsigned char)s->data[i];
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
            if (c >= 0x20 && c < 0x7F) sb_putc(sb, (char)c);
            else sb_printf(sb, "\\%03o", c);
        }
    }
    sb_putc(sb, '"');
}

static void put_default(StrBuf *sb, const OpArg *a) {
    IValue v = a->default_value;
    Type *t = a->type;
    if (v.kind == IV_STR && ty_unwrap_optional(t)->kind == TK_STR) {
        put_quoted(sb, v.u.s);
        return;
    }
    if (v.kind == IV_LIST && t->kind == TK_LIST && t->elems[0]->kind == TK_INT && v.u.l->len > 1) {
        /* PyTorch prints `int[2] stride=1`, not `[1, 1]` */
        bool same = true;
        for (int64_t i = 1; i < v.u.l->len; i++)
            same &= iv_equal(v.u.l->items[i], v.u.l->items[0]);
        if (same) {
            iv_print(sb, v.u.l->items[0]);
            return;
        }
    }
    iv_print(sb, v);
}

static void put_arg(StrBuf *sb, const OpArg *a) {
    sb_puts(sb, a->type_text);
    if (a->name) {
        sb_putc(sb, ' ');
        sb_puts(sb, a->name);
    }
    if (a->has_default) {
        sb_putc(sb, '=');
        put_default(sb, a);
    }
}

void schema_str(StrBuf *sb, const OpSchema *s) {
    sb_puts(sb, s->name);
    if (s->overload[0]) {
        sb_putc(sb, '.');
        sb_puts(sb, s->overload);
    }
    sb_putc(sb, '(');
    bool seen_kwonly = false;
    for (int i = 0; i < s->nargs; i++) {
        if (i) sb_puts(sb, ", ");
        if (s->args[i].kwarg_only && !seen_kwonly) {
            sb_puts(sb, "*, ");
            seen_kwonly = true;
        }
        put_arg(sb, &s->args[i]);
    }
    if (s->varargs) sb_puts(sb, s->nargs ? ", ..." : "...");
    sb_puts(sb, ") -> ");
    bool paren = !((s->nret == 1 && !s->varret) || (s->nret == 0 && s->varret));
    if (s->nret == 1 && !paren) paren = s->rets[0].type_text[0] == '(';
    if (paren) sb_putc(sb, '(');
    for (int i = 0; i < s->nret; i++) {
        if (i) sb_puts(sb, ", ");
        put_arg(sb, &s->rets[i]);
    }
    if (s->varret) sb_puts(sb, s->nret ? ", ..." : "...");
    if (paren) sb_putc(sb, ')');
}

/* ---- the table ---- */

#define OP(schema, fn) ts_status fn(Ctx *, IValue *, int, IValue *, const OpInfo *);
#include "ops/all.def"
#undef OP

static const struct {
    const char *text;
    OpFn fn;
} g_defs[] = {
#define OP(schema, fn) {schema, fn},
#include "ops/all.def"
#undef OP
    {NULL, NULL},
};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static OpSchema *g_schemas;
static int g_count;
static StrMap g_by_name;     /* "aten::add" -> first overload */
static StrMap g_by_overload; /* "aten::add.Tensor" (or "aten::add") -> schema */

static void init_all(void) {
    int n = (int)TS_ARRAY_LEN(g_defs) - 1;
    g_schemas = reg_alloc(sizeof(OpSchema) * (size_t)(n ? n : 1));
    StrMap last; /* name -> last overload so far */
    strmap_init(&last);
    strmap_init(&g_by_name);
    strmap_init(&g_by_overload);
    StrBuf err, key;
    sb_init(&err);
    sb_init(&key);
    for (int i = 0; i < n; i++) {
        OpSchema *s = &g_schemas[i];
        if (!schema_parse(g_defs[i].text, s, &err)) {
            fprintf(stderr, "tscript: malformed schema in ops/*.def: %s\n", sb_cstr(&err));
            abort();
        }
        s->fn = g_defs[i].fn;
        sb_clear(&key);
        sb_puts(&key, s->name);
        if (s->overload[0]) sb_printf(&key, ".%s", s->overload);
        if (strmap_get(&g_by_overload, sb_cstr(&key))) {
            fprintf(stderr, "tscript: duplicate schema in ops/*.def: %s\n", s->text);
            abort();
        }
        strmap_put(&g_by_overload, sb_cstr(&key), s);
        OpSchema *prev = strmap_get(&last, s->name);
        if (prev) prev->next_overload = s;
        else strmap_put(&g_by_name, s->name, s);
        strmap_put(&last, s->name, s);
    }
    g_count = n;
    strmap_free(&last);
    sb_free(&err);
    sb_free(&key);
}

void ops_init(void) { pthread_once(&g_once, init_all); }

const OpSchema *ops_lookup(const char *name) {
    ops_init();
    return strmap_get(&g_by_name, name);
}

const OpSchema *ops_lookup_overload(const char *name, const char *overload) {
    ops_init();
    if (!overload || !overload[0]) return strmap_get(&g_by_overload, name);
    StrBuf key;
    sb_init(&key);
    sb_printf(&key, "%s.%s", name, overload);
    const OpSchema *s = strmap_get(&g_by_overload, sb_cstr(&key));
    sb_free(&key);
    return s;
}

int ops_count(void) {
    ops_init();
    return g_count;
}

const OpSchema *ops_at(int i) {
    ops_init();
    return i >= 0 && i < g_count ? &g_schemas[i] : NULL;
}

/* ---- writes ---- */

/* An op with a Tensor(a!) argument wrote into its storage (or into each
 * tensor of a Tensor(a!)[] list): bump the storage versions that caches of
 * derived data check (see Storage.version). A written list itself
 * (t[](a!): append, insert) changes no storage and costs nothing here. */
static void bump_tensor(IValue v) {
    if (v.kind == IV_TENSOR && v.u.t->storage) __atomic_fetch_add(&v.u.t->storage->version, 1, __ATOMIC_RELAXED);
}

void op_bump_written(const OpSchema *s, const IValue *args, int nin) {
    for (int k = 0; k < nin && k < s->nargs; k++) {
        const OpArg *a = &s->args[k];
        if (!a->is_write) continue;
        if (args[k].kind == IV_TENSOR) bump_tensor(args[k]);
        else if (args[k].kind == IV_LIST && a->type_text && strncmp(a->type_text, "Tensor", 6) == 0)
            for (int64_t i = 0; i < args[k].u.l->len; i++) bump_tensor(args[k].u.l->items[i]);
    }
}
