/*
 * value_repr.c - printing boxed values, in two dialects:
 *  - Python's repr()/str() (iv_repr, iv_str_of): what PyTorch shows when a
 *    value comes back to Python (the CLI prints results this way);
 *  - TorchScript's own printing (iv_print): C++ IValue operator<<, which
 *    aten::str, aten::format and prim::Print use inside a program.
 *
 * Python's string repr picks single quotes unless the text contains ' and no ",
 * escapes \\, the quote, \t \n \r and non-printable characters (\xNN, \uNNNN).
 * Invariant: printing never fails and never reads past a string's length;
 * its depth, and so its C stack, is bounded (REPR_MAX_DEPTH).
 */
#include "value/value.h"

#include <math.h>
#include <stdio.h>

typedef enum Dialect { D_REPR, D_STR, D_PRINT } Dialect;

/* Values made through Any can nest without bound, contain themselves, or
 * share one list 2^n ways. Printing therefore keeps the containers it is
 * inside: one met again prints as `[...]` / `{...}` / `(...)` (Python's
 * reprlib rule for recursion); below REPR_MAX_DEPTH levels, or once the text
 * passes REPR_MAX_BYTES, what is left prints as `...`. */
enum { REPR_MAX_DEPTH = 200, REPR_MAX_BYTES = 1 << 24 };

typedef struct Printer {
    StrBuf *sb;
    Dialect d;
    int depth;
    const void *inside[REPR_MAX_DEPTH];
} Printer;

static void put_value(Printer *p, IValue v, bool top);

static const char *device_type_name(int t) {
    switch (t) {
    case DEVICE_CPU: return "cpu";
    case DEVICE_CUDA: return "cuda";
    case DEVICE_META: return "meta";
    default: return "unknown";
    }
}

/* Decode one UTF-8 sequence at s[0..n); returns its length, 0 if malformed. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0xC2) return 0;
    if (c < 0xE0) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c < 0xF0) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c < 0xF5) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* Code points Python's str.isprintable() rejects among the common ones:
 * C1 controls, no-break space, soft hyphen, zero-width and separator marks. */
static bool py_unprintable(uint32_t cp) {
    return (cp >= 0x80 && cp <= 0xA0) || cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF;
}

static void put_pystr(StrBuf *sb, const char *s, size_t n) {
    bool has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    sb_putc(sb, q);
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        if (c == (unsigned char)q || c == '\\') {
            sb_putc(sb, '\\');
            sb_putc(sb, (char)c);
        } else if (c == '\n') {
            sb_puts(sb, "\\n");
        } else if (c == '\t') {
            sb_puts(sb, "\\t");
        } else if (c == '\r') {
            sb_puts(sb, "\\r");
        } else if (c < 0x20 || c == 0x7F) {
            sb_printf(sb, "\\x%02x", c);
        } else if (c >= 0x80) {
            uint32_t cp;
            size_t len = utf8_decode(u + i, n - i, &cp);
            if (!len) {
                sb_printf(sb, "\\x%02x", c);
            } else {
                if (!py_unprintable(cp)) sb_putn(sb, s + i, len);
                else if (cp <= 0xFF) sb_printf(sb, "\\x%02x", (unsigned)cp);
                else sb_printf(sb, "\\u%04x", (unsigned)cp);
                i += len;
                continue;
            }
        } else {
            sb_putc(sb, (char)c);
        }
        i++;
    }
    sb_putc(sb, q);
}

/* C++ ostream of a double as IValue prints it: integral values below 1e10 as
 * "3." (and "-0."), everything else with 17 significant digits ("%.17g"). */
static void put_cpp_double(StrBuf *sb, double d) {
    if (isnan(d)) {
        sb_puts(sb, "nan");
        return;
    }
    if (isinf(d)) {
        sb_puts(sb, d < 0 ? "-inf" : "inf");
        return;
    }
    int c = fpclassify(d);
    if ((c == FP_NORMAL || c == FP_ZERO) && fabs(d) < 1e10 && d == trunc(d)) {
        if (d == 0 && signbit(d)) sb_puts(sb, "-0.");
        else sb_printf(sb, "%lld.", (long long)d);
        return;
    }
    sb_printf(sb, "%.17g", d);
}

static void put_items(Printer *p, const IValue *items, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        if (i) sb_puts(p->sb, ", ");
        if (p->sb->len > REPR_MAX_BYTES) {
            sb_puts(p->sb, "...");
            return;
        }
        put_value(p, items[i], false);
    }
}

static void put_tuple(Printer *p, const TupleObj *t) {
    StrBuf *sb = p->sb;
    Dialect d = p->d;
    const ClassType *nt = t->type && t->type->kind == TK_CLASS ? t->type->cls : NULL;
    if (d != D_PRINT && nt && nt->kind == CK_NAMEDTUPLE && nt->attrs.len == t->len) {
        sb_puts(sb, nt->name);
        sb_putc(sb, '(');
        for (int64_t i = 0; i < t->len; i++) {
            if (i) sb_puts(sb, ", ");
            sb_puts(sb, nt->attrs.data[i].name);
            sb_putc(sb, '=');
            put_value(p, t->items[i], false);
        }
        sb_putc(sb, ')');
        return;
    }
    sb_putc(sb, '(');
    put_items(p, t->items, t->len);
    sb_puts(sb, t->len == 1 ? ",)" : ")");
}

static void put_device(StrBuf *sb, Device dev, Dialect d) {
    const char *name = device_type_name(dev.type);
    if (d == D_REPR) {
        sb_printf(sb, "device(type='%s'", name);
        if (dev.index >= 0) sb_printf(sb, ", index=%d", dev.index);
        sb_putc(sb, ')');
    } else {
        sb_puts(sb, name);
        if (dev.index >= 0) sb_printf(sb, ":%d", dev.index);
    }
}

static void put_enum(Printer *p, const EnumObj *e) {
    StrBuf *sb = p->sb;
    Dialect d = p->d;
    const char *cls = e->cls ? e->cls->name : "Enum";
    const char *name = e->name ? e->name->data : "?";
    if (d == D_PRINT) {
        sb_printf(sb, "Enum<%s.%s>", cls, name);
    } else if (d == D_STR) {
        sb_printf(sb, "%s.%s", cls, name);
    } else {
        sb_printf(sb, "<%s.%s: ", cls, name);
        p->d = D_REPR;
        put_value(p, e->value, false);
        p->d = d;
        sb_putc(sb, '>');
    }
}

/* The container v prints as its marker instead (a cycle, too deep, too
 * long)? Otherwise it is entered: the caller calls leave() after it. */
static bool enter(Printer *p, IValue v, const char *marker) {
    bool cycle = false;
    for (int i = 0; i < p->depth && !cycle; i++) cycle = p->inside[i] == (const void *)v.u.h;
    if (cycle || p->depth >= REPR_MAX_DEPTH || p->sb->len > REPR_MAX_BYTES) {
        sb_puts(p->sb, cycle ? marker : "...");
        return false;
    }
    p->inside[p->depth++] = v.u.h;
    return true;
}

static void leave(Printer *p) { p->depth--; }

static void put_value(Printer *p, IValue v, bool top) {
    StrBuf *sb = p->sb;
    Dialect d = p->d;
    switch (v.kind) {
    case IV_NONE: sb_puts(sb, "None"); break;
    case IV_BOOL: sb_puts(sb, v.u.b ? "True" : "False"); break;
    case IV_INT: sb_printf(sb, "%lld", (long long)v.u.i); break;
    case IV_DOUBLE:
        if (d == D_PRINT) put_cpp_double(sb, v.u.d);
        else sb_put_pyfloat(sb, v.u.d);
        break;
    case IV_DEVICE: put_device(sb, v.u.dev, d); break;
    case IV_UNINIT: sb_puts(sb, d == D_PRINT ? "Uninitialized" : "<uninitialized>"); break;
    case IV_STR:
        if (d == D_PRINT || (d == D_STR && top)) sb_putn(sb, v.u.s->data, (size_t)v.u.s->len);
        else put_pystr(sb, v.u.s->data, (size_t)v.u.s->len);
        break;
    case IV_TENSOR: tensor_repr(sb, v.u.t); break;
    case IV_LIST:
        if (!enter(p, v, "[...]")) break;
        sb_putc(sb, '[');
        put_items(p, v.u.l->items, v.u.l->len);
        sb_putc(sb, ']');
        leave(p);
        break;
    case IV_TUPLE:
        if (!enter(p, v, "(...)")) break;
        put_tuple(p, v.u.tup);
        leave(p);
        break;
    case IV_DICT: {
        if (!enter(p, v, "{...}")) break;
        DictObj *dict = v.u.dict;
        sb_putc(sb, '{');
        for (int64_t i = 0; i < dict->len; i++) {
            if (i) sb_puts(sb, ", ");
            if (sb->len > REPR_MAX_BYTES) {
                sb_puts(sb, "...");
                break;
            }
            put_value(p, dict->entries[i].key, false);
            sb_puts(sb, ": ");
            put_value(p, dict->entries[i].value, false);
        }
        sb_putc(sb, '}');
        leave(p);
        break;
    }
    case IV_OBJECT: {
        const char *q = v.u.obj->cls ? v.u.obj->cls->qualname : "object";
        if (d == D_PRINT) sb_printf(sb, "<%s object at %p>", q, (void *)v.u.obj);
        else sb_printf(sb, "<%s object>", q);
        break;
    }
    case IV_ENUM: put_enum(p, v.u.en); break;
    case IV_FUNC: sb_puts(sb, "<function>"); break;
    }
}

static void put_top(StrBuf *sb, IValue v, Dialect d) {
    Printer p; /* about 1.6 KB: the containers it is inside */
    p.sb = sb;
    p.d = d;
    p.depth = 0;
    put_value(&p, v, true);
}

void iv_repr(StrBuf *sb, IValue v) { put_top(sb, v, D_REPR); }
void iv_str_of(StrBuf *sb, IValue v) { put_top(sb, v, D_STR); }
void iv_print(StrBuf *sb, IValue v) { put_top(sb, v, D_PRINT); }
