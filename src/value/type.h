/*
 * type.h - TorchScript's static types.
 *
 * Structural types (int, List[int], Optional[Tensor], Tuple[...], Dict[...])
 * are interned in a process-wide table: the same type is the same pointer,
 * it is immutable and never freed, so values and schemas may hold it freely
 * and any thread may read it. Class types (modules, TorchScript classes,
 * NamedTuples, enums, interfaces) are one Type per ClassType, owned by it.
 * Type variables (`t` in `t[] list`) appear only in operator schemas.
 */
#ifndef TS_TYPE_H
#define TS_TYPE_H

#include "base/base.h"

typedef enum TypeKind {
    TK_ANY,
    TK_TENSOR,
    TK_INT,
    TK_FLOAT,
    TK_BOOL,
    TK_STR,
    TK_NONE,
    TK_NUMBER,  /* Scalar: int, float or bool */
    TK_DEVICE,
    TK_COMPLEX,
    TK_LAYOUT,  /* printed as int in code; kept separate in schemas only */
    TK_GENERATOR,
    TK_LIST,
    TK_TUPLE,
    TK_DICT,
    TK_OPTIONAL,
    TK_UNION,
    TK_CLASS,
    TK_VAR,     /* schema type variable */
    TK_ANYLIST,
    TK_ANYTUPLE,
    TK_FUNC,    /* a function value (hoisted `_0 = __torch__.f`) */
} TypeKind;

struct ClassType;

typedef struct Type {
    TypeKind kind;
    int n;              /* number of elems */
    struct Type **elems;/* list: [elem]; optional: [elem]; dict: [key, value]; tuple/union: members */
    const char *name;   /* TK_VAR: variable name; TK_FUNC: qualified function name */
    struct ClassType *cls; /* TK_CLASS */
} Type;

Type *ty_any(void);
Type *ty_tensor(void);
Type *ty_int(void);
Type *ty_float(void);
Type *ty_bool(void);
Type *ty_str(void);
Type *ty_none(void);
Type *ty_number(void);
Type *ty_device(void);
Type *ty_complex(void);
Type *ty_layout(void);
Type *ty_generator(void);
Type *ty_anylist(void);
Type *ty_anytuple(void);
Type *ty_list(Type *elem);
Type *ty_optional(Type *elem);     /* Optional[Optional[T]] is Optional[T]; Optional[None] is None */
Type *ty_tuple(Type *const *elems, int n);
Type *ty_dict(Type *key, Type *value);
Type *ty_union(Type *const *members, int n); /* flattened, deduplicated; with None -> Optional when 2 */
Type *ty_var(const char *name);
Type *ty_func(const char *qualname);

/* a is usable where b is expected (a <: b). */
bool ty_subtype(const Type *a, const Type *b);
/* Structural equality (pointer equality for interned types). */
static inline bool ty_equal(const Type *a, const Type *b) { return a == b; }
/* The least type both fit in (for if-branches), or NULL. */
Type *ty_unify(Type *a, Type *b);
/* The element of an Optional (or T itself). */
Type *ty_unwrap_optional(Type *t);

/* "List[int]", "Optional[Tensor]", "__torch__.Foo" (annotation_str, used in code). */
void ty_annotation_str(StrBuf *sb, const Type *t);
/* "int[]", "Tensor?", "(int, float)", "Dict(str, Tensor)" (IR graph printing). */
void ty_graph_str(StrBuf *sb, const Type *t);
/* The annotation_str as a string that lives as long as the type (for messages;
 * computed once per type, never freed), cut to about 512 bytes with "...". */
const char *ty_name(const Type *t);

#endif
