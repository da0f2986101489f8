/*
 * value_repr.c - printing boxed values, in two dialects:
 *  - Python's repr()/str() (iv_repr, iv_str_of): what PyTorch shows when a
 *    value comes back to Python (the CLI prints results this way);
 *  - TorchScript's own printing (iv_print): C++ IValue operator<<, which
 *    aten::str, aten::format and prim::Print use inside a program.
 *
 * Python's string repr picks single quotes unless the text contains ' and no ",
 * escapes \\, the quote, \t \n \r and non-printable characters (\xNN, \uNNNN).
 * Invariant: printing never fails and never reads past a string's length.
 */
#include "value/value.h"

#include <math.h>
#include <stdio.h>

typedef enum Dialect { D_REPR, D_STR, D_PRINT } Dialect;

static void put_value(StrBuf *sb, IValue v, Dialect d, bool top);

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

static void put_items(StrBuf *sb, const IValue *items, int64_t n, Dialect d) {
    for (int64_t i = 0; i < n; i++) {
        if (i) sb_puts(sb, ", ");
        put_value(sb, items[i], d, false);
    }
}

static void put_tuple(StrBuf *sb, const TupleObj *t, Dialect d) {
    const ClassType *nt = t->type && t->type->kind == TK_CLASS ? t->type->cls : NULL;
    if (d != D_PRINT && nt && nt->kind == CK_NAMEDTUPLE && nt->attrs.len == t->len) {
        sb_puts(sb, nt->name);
        sb_putc(sb, '(');
        for (int64_t i = 0; i < t->len; i++) {
            if (i) sb_puts(sb, ", ");
            sb_puts(sb, nt->attrs.data[i].name);
            sb_putc(sb, '=');
            put_value(sb, t->items[i], d, false);
        }
        sb_putc(sb, ')');
        return;
    }
    sb_putc(sb, '(');
    put_items(sb, t->items, t->len, d);
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

static void put_enum(StrBuf *sb, const EnumObj *e, Dialect d) {
    const char *cls = e->cls ? e->cls->name : "Enum";
    const char *name = e->name ? e->name->data : "?";
    if (d == D_PRINT) {
        sb_printf(sb, "Enum<%s.%s>", cls, name);
    } else if (d == D_STR) {
        sb_printf(sb, "%s.%s", cls, name);
    } else {
        sb_printf(sb, "<%s.%s: ", cls, name);
        put_value(sb, e->value, D_REPR, false);
        sb_putc(sb, '>');
    }
}

static void put_value(StrBuf *sb, IValue v, Dialect d, bool top) {
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
        sb_putc(sb, '[');
        put_items(sb, v.u.l->items, v.u.l->len, d);
        sb_putc(sb, ']');
        break;
    case IV_TUPLE: put_tuple(sb, v.u.tup, d); break;
    case IV_DICT: {
        DictObj *dict = v.u.dict;
        sb_putc(sb, '{');
        for (int64_t i = 0; i < dict->len; i++) {
            if (i) sb_puts(sb, ", ");
            put_value(sb, dict->entries[i].key, d, false);
            sb_puts(sb, ": ");
            put_value(sb, dict->entries[i].value, d, false);
        }
        sb_putc(sb, '}');
        break;
    }
    case IV_OBJECT: {
        const char *q = v.u.obj->cls ? v.u.obj->cls->qualname : "object";
        if (d == D_PRINT) sb_printf(sb, "<%s object at %p>", q, (void *)v.u.obj);
        else sb_printf(sb, "<%s object>", q);
        break;
    }
    case IV_ENUM: put_enum(sb, v.u.en, d); break;
    case IV_FUNC: sb_puts(sb, "<function>"); break;
    }
}

void iv_repr(StrBuf *sb, IValue v) { put_value(sb, v, D_REPR, true); }
void iv_str_of(StrBuf *sb, IValue v) { put_value(sb, v, D_STR, true); }
void iv_print(StrBuf *sb, IValue v) { put_value(sb, v, D_PRINT, true); }
