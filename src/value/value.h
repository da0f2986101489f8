/*
 * value.h - boxed values (IValue) and the reference-counted objects behind them.
 *
 * An IValue is a small tagged union passed by value. Scalars (None, bool,
 * int, float, device) live inline; strings, tensors, lists, tuples, dicts and
 * objects are heap objects with an atomic reference count, so one value may
 * be shared between threads. Ownership: a function that returns an IValue
 * gives the caller one reference; `_steal` arguments consume one.
 * Small boxes abort on out-of-memory (ts_xmalloc); tensor data never does.
 */
#ifndef TS_VALUE_H
#define TS_VALUE_H

#include "tensor/tensor.h"
#include "value/type.h"

typedef enum IVKind {
    IV_NONE,
    IV_BOOL,
    IV_INT,
    IV_DOUBLE,
    IV_DEVICE,
    IV_UNINIT,  /* prim::Uninitialized: never read */
    /* heap kinds from here on */
    IV_STR,
    IV_TENSOR,
    IV_LIST,
    IV_TUPLE,
    IV_DICT,
    IV_OBJECT,
    IV_ENUM,
    IV_FUNC,
} IVKind;

/* HeapHdr.kind values (a heap IValue's kind equals its object's hdr.kind). */
enum { HK_STORAGE = 100 };

typedef struct StrObj StrObj;
typedef struct ListObj ListObj;
typedef struct TupleObj TupleObj;
typedef struct DictObj DictObj;
typedef struct Object Object;
typedef struct EnumObj EnumObj;
typedef struct FuncObj FuncObj;

typedef struct Device {
    int8_t type;   /* 0 cpu, 1 cuda, 2 meta, ... (DEVICE_*) */
    int16_t index; /* -1: none */
} Device;
enum { DEVICE_CPU = 0, DEVICE_CUDA = 1, DEVICE_META = 2 };

typedef struct IValue {
    IVKind kind;
    union {
        bool b;
        int64_t i;
        double d;
        Device dev;
        HeapHdr *h;
        StrObj *s;
        Tensor *t;
        ListObj *l;
        TupleObj *tup;
        DictObj *dict;
        Object *obj;
        EnumObj *en;
        FuncObj *fn;
    } u;
} IValue;

struct StrObj {
    HeapHdr hdr;
    int64_t len;
    uint64_t hash;
    char data[]; /* NUL-terminated UTF-8 */
};

struct ListObj {
    HeapHdr hdr;
    Type *elem;   /* element type (interned) */
    int64_t len, cap;
    IValue *items;
};

struct TupleObj {
    HeapHdr hdr;
    Type *type;   /* may be NULL (plain tuple) or a NamedTuple class type */
    int64_t len;
    IValue items[];
};

typedef struct DictEntry {
    IValue key, value;
} DictEntry;

struct DictObj {
    HeapHdr hdr;
    Type *key_type, *value_type;
    int64_t len, cap;      /* entries in insertion order; removed entries compacted */
    DictEntry *entries;
    int64_t *index;        /* open-addressing table of entry indices (-1 empty) */
    int64_t index_cap;
};

/* A class or module type: its attribute slots, constants and methods. */
typedef enum ClassKind { CK_CLASS, CK_MODULE, CK_NAMEDTUPLE, CK_ENUM, CK_INTERFACE, CK_MODULE_INTERFACE } ClassKind;

typedef struct ClassAttr {
    char *name;
    Type *type;
    bool is_param, is_buffer;
} ClassAttr;

typedef struct ClassConst {
    char *name;
    Type *type;
    IValue value;
} ClassConst;

typedef struct ClassType {
    HeapHdr hdr;
    ClassKind kind;
    char *qualname;      /* "__torch__.torch.nn.modules.linear.Linear" */
    const char *name;    /* the last component ("Linear") */
    Type *type;          /* the TK_CLASS type of this class */
    VEC(ClassAttr) attrs;
    VEC(ClassConst) consts; /* Final constants and enum members */
    StrMap methods;         /* name -> runtime Function* (owned by the runtime) */
    VEC(char *) method_names; /* in definition order */
    Span def_span;            /* the class definition in its source, when known */
    /* The compilation unit that owns this class's code: kept alive by objects. */
    void *unit;
    void (*unit_retain)(void *unit);
    void (*unit_release)(void *unit);
    /* A module class of an instance the model's code gave to torch.jit.script:
     * a trace keeps calls of its methods (trace/). */
    bool user_scripted;
} ClassType;

struct Object {
    HeapHdr hdr;
    ClassType *cls;
    int nslots;
    IValue slots[];
};

struct EnumObj {
    HeapHdr hdr;
    ClassType *cls;
    StrObj *name;
    IValue value;
};

struct FuncObj {
    HeapHdr hdr;
    void *fn; /* runtime Function* */
};

/* ---- scalars ---- */
static inline IValue iv_none(void) { IValue v; v.kind = IV_NONE; v.u.i = 0; return v; }
static inline IValue iv_bool(bool b) { IValue v; v.kind = IV_BOOL; v.u.i = 0; v.u.b = b; return v; }
static inline IValue iv_int(int64_t i) { IValue v; v.kind = IV_INT; v.u.i = i; return v; }
static inline IValue iv_double(double d) { IValue v; v.kind = IV_DOUBLE; v.u.d = d; return v; }
static inline IValue iv_device(Device d) { IValue v; v.kind = IV_DEVICE; v.u.i = 0; v.u.dev = d; return v; }
static inline IValue iv_uninit(void) { IValue v; v.kind = IV_UNINIT; v.u.i = 0; return v; }
static inline bool iv_is_heap(IValue v) { return v.kind >= IV_STR; }

/* ---- heap values (the returned IValue owns one reference) ---- */
IValue iv_tensor_steal(Tensor *t);
IValue iv_str(const char *s, size_t n);
IValue iv_cstr(const char *s);
IValue iv_list_steal(ListObj *l);
IValue iv_tuple_steal(TupleObj *t);
IValue iv_dict_steal(DictObj *d);
IValue iv_object_steal(Object *o);

void iv_retain(IValue v);
void iv_release(IValue v);
/* Retain and return (for copying a borrowed value into an owned slot). */
static inline IValue iv_dup(IValue v) { iv_retain(v); return v; }

/* ---- containers ---- */
StrObj *str_new(const char *s, size_t n);
ListObj *list_new(Type *elem, int64_t cap);
void list_push_steal(ListObj *l, IValue v);
TupleObj *tuple_new(int64_t n); /* items are None; fill with owned values */
DictObj *dict_new(Type *key_type, Type *value_type);
/* Insert or replace (keeps the first insertion position). Steals key and value. */
void dict_set_steal(DictObj *d, IValue key, IValue value);
/* Borrowed pointer to the value for key, or NULL. Keys: str, int, float, bool, tensor (identity). */
IValue *dict_find(DictObj *d, IValue key);
/* Remove key, keeping the order of the rest (O(len)). The value goes to *value
 * (owned) or is released when value is NULL. False when the key is absent. */
bool dict_remove(DictObj *d, IValue key, IValue *value);
/* Remove every entry. */
void dict_clear(DictObj *d);
Object *object_new(ClassType *cls); /* slots start as None; retains the class's unit */
/* An enum member (value stolen); retains the class's unit like an object. */
EnumObj *enum_new(ClassType *cls, const char *name, IValue value);
/* A function value; fn stays owned by the runtime. */
FuncObj *func_new(void *fn);
/* A class with no attributes; its TK_CLASS type is owned by it. The strings in
 * attrs, consts and method_names are owned by the class (freed by classtype_free);
 * const values are owned references; method Function pointers are borrowed. */
ClassType *classtype_new(ClassKind kind, const char *qualname);
/* Append an attribute (name copied); returns its slot index. */
int classtype_add_attr(ClassType *c, const char *name, Type *type, bool is_param, bool is_buffer);
/* Append a constant (name copied, value stolen). */
void classtype_add_const(ClassType *c, const char *name, Type *type, IValue value);
/* Add or replace a method (name copied; fn borrowed), keeping definition order. */
void classtype_add_method(ClassType *c, const char *name, void *fn);
/* Slot index of an attribute, or -1. */
int classtype_attr_index(const ClassType *c, const char *name);
void classtype_free(ClassType *c);

/* The cycle collector (value_gc.c): containers made on this thread between
 * iv_gc_begin and the matching iv_gc_end are tracked; at the end, those only
 * held by each other (reference cycles and what hangs off them) are cleared
 * and freed, and the rest are untracked. Calls nest; the outermost decides. */
void iv_gc_begin(void);
void iv_gc_end(void);
/* Inside a collection: has enough been tracked since the last collection to
 * collect now? iv_gc_collect collects; call it only where every reference to
 * a value is a counted one (the interpreter's loop back-edges). */
bool iv_gc_due(void);
void iv_gc_collect(void);
/* Release v after breaking the cycles among the containers reachable from it
 * that nothing else holds (for values a host lets go of: results, modules).
 * Costs a walk over the containers v reaches. */
void iv_release_collect(IValue v);

/* Python-equality of two values of comparable kinds (==, `in`, dict keys). */
bool iv_equal(IValue a, IValue b);
/* Python truthiness where TorchScript allows it (bool, int, float, str, list...). */
bool iv_truthy(IValue v);
/* The kind name for messages ("Tensor", "int", "List[int]"). */
const char *iv_kind_name(IValue v);

/* Python repr: 1, 2.5, True, None, 'abc', (1, 2), [tensor(...)], {'a': 1}. */
void iv_repr(StrBuf *sb, IValue v);
/* Python str(): like repr but strings unquoted at top level. */
void iv_str_of(StrBuf *sb, IValue v);
/* TorchScript's own printing (C++ IValue operator<<), used by aten::str,
 * aten::format and prim::Print: strings unquoted at every level, floats as
 * `1.` / `0.10000000000000001`, devices as `cuda:1`. */
void iv_print(StrBuf *sb, IValue v);

#endif
