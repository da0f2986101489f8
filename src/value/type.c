/*
 * type.c - TorchScript's static types: the process-wide intern table, subtyping,
 * unification and the two printed forms (annotation_str and graph str).
 *
 * Invariants:
 *  - Every structural type is interned: a (kind, elems, name) combination is
 *    created once and its pointer is its identity, so ty_equal is `==`.
 *    Primitives are static singletons; composite types live in a table
 *    guarded by one mutex, are immutable once published and never freed.
 *  - Interned types are allocated with the C allocator, not ts_malloc: they are
 *    immortal process state, so they must neither show up as live blocks in the
 *    leak counters nor fail under ts_alloc_fail_at (interning cannot fail; out of
 *    memory aborts).
 *  - Class types are not interned: each ClassType owns its TK_CLASS Type.
 *  - Optional[T] is a TK_OPTIONAL with elems[0] = T and never wraps None, Any,
 *    another Optional or a Union; Union members are flattened, deduplicated and
 *    sorted in PyTorch's order (by PyTorch's TypeKind, then by printed name).
 */
#include "value/type.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "value/value.h"

/* A type plus its cached annotation string (for ty_name). */
typedef struct TypeNode {
    Type t;
    const char *annot; /* published with release ordering once computed */
    uint64_t hash;
} TypeNode;

#define PRIM(var, KIND) static TypeNode var = {{KIND, 0, NULL, NULL, NULL}, NULL, 0}
PRIM(g_any, TK_ANY);
PRIM(g_tensor, TK_TENSOR);
PRIM(g_int, TK_INT);
PRIM(g_float, TK_FLOAT);
PRIM(g_bool, TK_BOOL);
PRIM(g_str, TK_STR);
PRIM(g_none, TK_NONE);
PRIM(g_number, TK_NUMBER);
PRIM(g_device, TK_DEVICE);
PRIM(g_complex, TK_COMPLEX);
PRIM(g_layout, TK_LAYOUT);
PRIM(g_generator, TK_GENERATOR);
PRIM(g_anylist, TK_ANYLIST);
PRIM(g_anytuple, TK_ANYTUPLE);
#undef PRIM

Type *ty_any(void) { return &g_any.t; }
Type *ty_tensor(void) { return &g_tensor.t; }
Type *ty_int(void) { return &g_int.t; }
Type *ty_float(void) { return &g_float.t; }
Type *ty_bool(void) { return &g_bool.t; }
Type *ty_str(void) { return &g_str.t; }
Type *ty_none(void) { return &g_none.t; }
Type *ty_number(void) { return &g_number.t; }
Type *ty_device(void) { return &g_device.t; }
Type *ty_complex(void) { return &g_complex.t; }
Type *ty_layout(void) { return &g_layout.t; }
Type *ty_generator(void) { return &g_generator.t; }
Type *ty_anylist(void) { return &g_anylist.t; }
Type *ty_anytuple(void) { return &g_anytuple.t; }

/* ---- the intern table ---- */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static TypeNode **g_slots;
static size_t g_cap, g_len;

static void *raw_alloc(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (!p) ts_oom();
    return p;
}

static uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

static uint64_t key_hash(TypeKind kind, Type *const *elems, int n, const char *name) {
    uint64_t h = mix(0x51ed270b27f1ull, (uint64_t)kind);
    for (int i = 0; i < n; i++) h = mix(h, (uint64_t)(uintptr_t)elems[i]);
    if (name) h = mix(h, ts_hash_bytes(name, strlen(name)));
    return h;
}

static bool key_eq(const TypeNode *tn, uint64_t h, TypeKind kind, Type *const *elems, int n,
                   const char *name) {
    const Type *t = &tn->t;
    if (tn->hash != h || t->kind != kind || t->n != n) return false;
    for (int i = 0; i < n; i++)
        if (t->elems[i] != elems[i]) return false;
    if (!name != !t->name) return false;
    return !name || strcmp(name, t->name) == 0;
}

static void table_grow(void) {
    size_t cap = g_cap ? g_cap * 2 : 256;
    TypeNode **slots = raw_alloc(cap * sizeof *slots);
    for (size_t i = 0; i < g_cap; i++) {
        TypeNode *tn = g_slots[i];
        if (!tn) continue;
        size_t j = (size_t)tn->hash & (cap - 1);
        while (slots[j]) j = (j + 1) & (cap - 1);
        slots[j] = tn;
    }
    free(g_slots);
    g_slots = slots;
    g_cap = cap;
}

/* The unique type with these parts (elems copied, name copied). */
static Type *intern(TypeKind kind, Type *const *elems, int n, const char *name) {
    uint64_t h = key_hash(kind, elems, n, name);
    pthread_mutex_lock(&g_lock);
    if ((g_len + 1) * 4 >= g_cap * 3) table_grow();
    size_t j = (size_t)h & (g_cap - 1);
    for (; g_slots[j]; j = (j + 1) & (g_cap - 1)) {
        if (key_eq(g_slots[j], h, kind, elems, n, name)) {
            Type *t = &g_slots[j]->t;
            pthread_mutex_unlock(&g_lock);
            return t;
        }
    }
    TypeNode *tn = raw_alloc(sizeof *tn);
    tn->hash = h;
    tn->t.kind = kind;
    tn->t.n = n;
    if (n > 0) {
        tn->t.elems = raw_alloc(sizeof(Type *) * (size_t)n);
        memcpy(tn->t.elems, elems, sizeof(Type *) * (size_t)n);
    }
    if (name) {
        size_t len = strlen(name);
        char *s = raw_alloc(len + 1);
        memcpy(s, name, len);
        tn->t.name = s;
    }
    g_slots[j] = tn;
    g_len++;
    pthread_mutex_unlock(&g_lock);
    return &tn->t;
}

/* ---- constructors ---- */

Type *ty_list(Type *elem) { return intern(TK_LIST, &elem, 1, NULL); }

Type *ty_dict(Type *key, Type *value) {
    Type *kv[2] = {key, value};
    return intern(TK_DICT, kv, 2, NULL);
}

Type *ty_tuple(Type *const *elems, int n) { return intern(TK_TUPLE, elems, n, NULL); }

Type *ty_var(const char *name) { return intern(TK_VAR, NULL, 0, name); }

Type *ty_func(const char *qualname) { return intern(TK_FUNC, NULL, 0, qualname); }

Type *ty_optional(Type *elem) {
    if (elem->kind == TK_NONE || elem->kind == TK_OPTIONAL) return elem;
    if (elem->kind == TK_UNION) {
        Type *m[2] = {elem, ty_none()};
        return ty_union(m, 2);
    }
    return intern(TK_OPTIONAL, &elem, 1, NULL);
}

/* PyTorch's c10::TypeKind order, used to sort union members as it does. */
static int torch_kind_rank(const Type *t) {
    switch (t->kind) {
    case TK_ANY: return 0;
    case TK_TENSOR: return 3;
    case TK_TUPLE: return 5;
    case TK_LIST: return 6;
    case TK_DICT: return 7;
    case TK_NUMBER: return 8;
    case TK_FLOAT: return 9;
    case TK_COMPLEX: return 10;
    case TK_INT: return 14;
    case TK_NONE: return 15;
    case TK_STR: return 16;
    case TK_GENERATOR: return 17;
    case TK_BOOL: return 19;
    case TK_OPTIONAL: return 20;
    case TK_VAR: return 21;
    case TK_DEVICE: return 22;
    case TK_FUNC: return 24;
    case TK_CLASS: return 25;
    case TK_LAYOUT: return 31;
    case TK_ANYLIST: return 33;
    case TK_ANYTUPLE: return 34;
    case TK_UNION: return 38;
    }
    return 40;
}

static int union_cmp(const void *pa, const void *pb) {
    const Type *a = *(Type *const *)pa, *b = *(Type *const *)pb;
    int ra = torch_kind_rank(a), rb = torch_kind_rank(b);
    if (ra != rb) return ra < rb ? -1 : 1;
    StrBuf sa, sb;
    sb_init(&sa);
    sb_init(&sb);
    ty_graph_str(&sa, a);
    ty_graph_str(&sb, b);
    int c = strcmp(sb_cstr(&sa), sb_cstr(&sb));
    sb_free(&sa);
    sb_free(&sb);
    return c;
}

typedef VEC(Type *) TypeVec;

static void union_add(TypeVec *v, Type *t) {
    if (t->kind == TK_UNION) {
        for (int i = 0; i < t->n; i++) union_add(v, t->elems[i]);
        return;
    }
    if (t->kind == TK_OPTIONAL) {
        union_add(v, t->elems[0]);
        union_add(v, ty_none());
        return;
    }
    for (int i = 0; i < v->len; i++)
        if (v->data[i] == t) return;
    vec_push(v, t);
}

Type *ty_union(Type *const *members, int n) {
    TypeVec v = {0};
    for (int i = 0; i < n; i++) union_add(&v, members[i]);
    Type *r;
    if (v.len == 0) {
        r = ty_none();
    } else if (v.len == 1) {
        r = v.data[0];
    } else if (v.len == 2 && (v.data[0]->kind == TK_NONE || v.data[1]->kind == TK_NONE)) {
        r = ty_optional(v.data[0]->kind == TK_NONE ? v.data[1] : v.data[0]);
    } else {
        qsort(v.data, (size_t)v.len, sizeof(Type *), union_cmp);
        r = intern(TK_UNION, v.data, v.len, NULL);
    }
    vec_free(&v);
    return r;
}

/* ---- relations ---- */

static bool is_scalar_number(TypeKind k) {
    return k == TK_INT || k == TK_FLOAT || k == TK_COMPLEX || k == TK_NUMBER; /* not bool, as in PyTorch */
}

bool ty_subtype(const Type *a, const Type *b) {
    if (a == b) return true;
    if (b->kind == TK_ANY) return true;
    /* a union (or optional) fits when every member fits */
    if (a->kind == TK_UNION) {
        for (int i = 0; i < a->n; i++)
            if (!ty_subtype(a->elems[i], b)) return false;
        return true;
    }
    if (a->kind == TK_OPTIONAL)
        return ty_subtype(a->elems[0], b) && ty_subtype(ty_none(), b);
    switch (b->kind) {
    case TK_NUMBER: return is_scalar_number(a->kind);
    case TK_OPTIONAL: return a->kind == TK_NONE || ty_subtype(a, b->elems[0]);
    case TK_UNION:
        for (int i = 0; i < b->n; i++)
            if (ty_subtype(a, b->elems[i])) return true;
        return false;
    case TK_TUPLE:
        if (a->kind != TK_TUPLE || a->n != b->n) return false;
        for (int i = 0; i < a->n; i++)
            if (!ty_subtype(a->elems[i], b->elems[i])) return false;
        return true;
    case TK_ANYLIST: return a->kind == TK_LIST;
    case TK_ANYTUPLE: return a->kind == TK_TUPLE;
    default: return false; /* lists and dicts are invariant; classes are nominal */
    }
}

Type *ty_unify(Type *a, Type *b) {
    if (!a || !b) return NULL;
    if (ty_subtype(a, b)) return b;
    if (ty_subtype(b, a)) return a;
    if (a->kind == TK_NONE) return ty_optional(b);
    if (b->kind == TK_NONE) return ty_optional(a);
    if (a->kind == TK_OPTIONAL) {
        Type *e = ty_unify(a->elems[0], b);
        return e ? ty_optional(e) : NULL;
    }
    if (b->kind == TK_OPTIONAL) {
        Type *e = ty_unify(a, b->elems[0]);
        return e ? ty_optional(e) : NULL;
    }
    if (a->kind == TK_TUPLE && b->kind == TK_TUPLE && a->n == b->n) {
        Type *stack[8];
        Type **el = a->n <= 8 ? stack : ts_xmalloc(sizeof(Type *) * (size_t)a->n);
        Type *r = NULL;
        int i;
        for (i = 0; i < a->n; i++)
            if (!(el[i] = ty_unify(a->elems[i], b->elems[i]))) break;
        if (i == a->n) r = ty_tuple(el, a->n);
        if (el != stack) ts_free(el);
        return r;
    }
    return NULL;
}

Type *ty_unwrap_optional(Type *t) { return t->kind == TK_OPTIONAL ? t->elems[0] : t; }

/* ---- printing ---- */

/* ty_name's text is cut after this many bytes (a type built from a shared
 * value graph can have an exponentially long name). */
enum { TY_NAME_MAX = 512 };

static void annot_str(StrBuf *sb, const Type *t, size_t limit);

/* Printing stops descending once the text passes `limit` bytes (ty_name's
 * cap; SIZE_MAX elsewhere) and marks the cut with "...". */
static bool over(StrBuf *sb, size_t limit) {
    if (sb->len < limit) return false;
    sb_puts(sb, "...");
    return true;
}

static void put_list(StrBuf *sb, Type *const *elems, int n, bool annot, size_t limit) {
    for (int i = 0; i < n; i++) {
        if (i) sb_puts(sb, ", ");
        if (over(sb, limit)) return;
        if (annot) annot_str(sb, elems[i], limit);
        else ty_graph_str(sb, elems[i]);
    }
}

/* Union[...] / Union(...): int, float and complex together print as `number`. */
static void put_union(StrBuf *sb, const Type *t, bool annot, size_t limit) {
    bool has_i = false, has_f = false, has_c = false;
    for (int i = 0; i < t->n; i++) {
        has_i |= t->elems[i]->kind == TK_INT;
        has_f |= t->elems[i]->kind == TK_FLOAT;
        has_c |= t->elems[i]->kind == TK_COMPLEX;
    }
    bool num = has_i && has_f && has_c;
    sb_puts(sb, annot ? "Union[" : "Union(");
    bool first = true;
    for (int i = 0; i < t->n; i++) {
        TypeKind k = t->elems[i]->kind;
        if (num && (k == TK_INT || k == TK_FLOAT || k == TK_COMPLEX)) continue;
        if (!first) sb_puts(sb, ", ");
        first = false;
        if (over(sb, limit)) break;
        if (annot) annot_str(sb, t->elems[i], limit);
        else ty_graph_str(sb, t->elems[i]);
    }
    if (num) {
        if (!first) sb_puts(sb, ", ");
        sb_puts(sb, annot ? "number" : "Scalar");
    }
    sb_putc(sb, annot ? ']' : ')');
}

static const char *prim_name(TypeKind k, bool annot) {
    switch (k) {
    case TK_ANY: return "Any";
    case TK_TENSOR: return "Tensor";
    case TK_INT: return "int";
    case TK_FLOAT: return "float";
    case TK_BOOL: return "bool";
    case TK_STR: return "str";
    case TK_NONE: return "NoneType";
    case TK_NUMBER: return annot ? "number" : "Scalar";
    case TK_DEVICE: return "Device";
    case TK_COMPLEX: return "complex";
    case TK_LAYOUT: return "Layout";
    case TK_GENERATOR: return "Generator";
    case TK_ANYLIST: return "list";
    case TK_ANYTUPLE: return "tuple";
    default: return NULL;
    }
}

static void annot_str(StrBuf *sb, const Type *t, size_t limit) {
    if (over(sb, limit)) return;
    const char *p = prim_name(t->kind, true);
    if (p) {
        sb_puts(sb, p);
        return;
    }
    switch (t->kind) {
    case TK_LIST:
        sb_puts(sb, "List[");
        annot_str(sb, t->elems[0], limit);
        sb_putc(sb, ']');
        break;
    case TK_OPTIONAL:
        sb_puts(sb, "Optional[");
        annot_str(sb, t->elems[0], limit);
        sb_putc(sb, ']');
        break;
    case TK_TUPLE:
        sb_puts(sb, "Tuple[");
        if (t->n == 0) sb_puts(sb, "()");
        put_list(sb, t->elems, t->n, true, limit);
        sb_putc(sb, ']');
        break;
    case TK_DICT:
        sb_puts(sb, "Dict[");
        put_list(sb, t->elems, 2, true, limit);
        sb_putc(sb, ']');
        break;
    case TK_UNION: put_union(sb, t, true, limit); break;
    case TK_CLASS: sb_puts(sb, t->cls ? t->cls->qualname : t->name); break;
    case TK_VAR:
    case TK_FUNC: sb_puts(sb, t->name); break;
    default: sb_puts(sb, "<?>"); break;
    }
}

void ty_annotation_str(StrBuf *sb, const Type *t) { annot_str(sb, t, SIZE_MAX); }

void ty_graph_str(StrBuf *sb, const Type *t) {
    const char *p = prim_name(t->kind, false);
    if (p) {
        sb_puts(sb, p);
        return;
    }
    switch (t->kind) {
    case TK_LIST:
        ty_graph_str(sb, t->elems[0]);
        sb_puts(sb, "[]");
        break;
    case TK_OPTIONAL:
        ty_graph_str(sb, t->elems[0]);
        sb_putc(sb, '?');
        break;
    case TK_TUPLE:
        sb_putc(sb, '(');
        put_list(sb, t->elems, t->n, false, SIZE_MAX);
        sb_putc(sb, ')');
        break;
    case TK_DICT:
        sb_puts(sb, "Dict(");
        put_list(sb, t->elems, 2, false, SIZE_MAX);
        sb_putc(sb, ')');
        break;
    case TK_UNION: put_union(sb, t, false, SIZE_MAX); break;
    case TK_CLASS: sb_puts(sb, t->cls ? t->cls->qualname : t->name); break;
    case TK_VAR: sb_puts(sb, t->name); break;
    case TK_FUNC: sb_puts(sb, "Function"); break;
    default: sb_puts(sb, "<?>"); break;
    }
}

const char *ty_name(const Type *t) {
    if (t->kind == TK_CLASS) return t->cls ? t->cls->qualname : t->name;
    TypeNode *tn = (TypeNode *)t; /* every non-class type is a TypeNode */
    const char *s = __atomic_load_n(&tn->annot, __ATOMIC_ACQUIRE);
    if (s) return s;
    StrBuf sb;
    sb_init(&sb);
    annot_str(&sb, t, TY_NAME_MAX);
    char *copy = raw_alloc(sb.len + 1);
    memcpy(copy, sb_cstr(&sb), sb.len);
    sb_free(&sb);
    const char *expected = NULL;
    if (!__atomic_compare_exchange_n(&tn->annot, &expected, copy, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        free(copy);
        return expected;
    }
    return copy;
}
