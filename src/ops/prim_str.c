/*
 * prim_str.c - TorchScript ops on str: concatenation, comparison, length,
 * indexing and slicing, str(x) and "{}".format(...), the string methods
 * (find, startswith, join, split, strip, replace, ...), warnings and raise.
 *
 * Strings are UTF-8 bytes and, as in PyTorch's interpreter, lengths, indices
 * and slices count bytes, not code points. str() and format() print values
 * the way TorchScript does (iv_print: `1.`, `[a, b]`), not as Python would.
 * Method semantics follow PyTorch's register_string_ops.cpp, including its
 * treatment of start/end arguments; where it crashes or loops (replace of an
 * empty string) the result here is Python's.
 */
#include <stdio.h>

#include "ops/prim.h"

static IValue str_of(StrBuf *sb) {
    IValue v = iv_str(sb_cstr(sb), sb->len);
    sb_free(sb);
    return v;
}

static int str_cmp(const StrObj *a, const StrObj *b) {
    size_t n = (size_t)(a->len < b->len ? a->len : b->len);
    int c = memcmp(a->data, b->data, n);
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

PRIM_OP(prim_add_str) {
    StrBuf sb;
    sb_init(&sb);
    sb_putn(&sb, in[0].u.s->data, (size_t)in[0].u.s->len);
    sb_putn(&sb, in[1].u.s->data, (size_t)in[1].u.s->len);
    out[0] = str_of(&sb);
    return TS_OK;
}

PRIM_OP(prim_eq_str) { out[0] = iv_bool(iv_equal(in[0], in[1])); return TS_OK; }
PRIM_OP(prim_ne_str) { out[0] = iv_bool(!iv_equal(in[0], in[1])); return TS_OK; }
PRIM_OP(prim_lt_str) { out[0] = iv_bool(str_cmp(in[0].u.s, in[1].u.s) < 0); return TS_OK; }
PRIM_OP(prim_le_str) { out[0] = iv_bool(str_cmp(in[0].u.s, in[1].u.s) <= 0); return TS_OK; }
PRIM_OP(prim_gt_str) { out[0] = iv_bool(str_cmp(in[0].u.s, in[1].u.s) > 0); return TS_OK; }
PRIM_OP(prim_ge_str) { out[0] = iv_bool(str_cmp(in[0].u.s, in[1].u.s) >= 0); return TS_OK; }
PRIM_OP(prim_len_str) { out[0] = iv_int(in[0].u.s->len); return TS_OK; }

PRIM_OP(prim_getitem_str) {
    const StrObj *s = in[0].u.s;
    int64_t i = prim_index(prim_int(in[1]), s->len);
    if (i < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "string index out of range");
    out[0] = iv_str(s->data + i, 1);
    return TS_OK;
}

PRIM_OP(prim_slice_str) {
    const StrObj *s = in[0].u.s;
    int64_t start = in[1].kind == IV_NONE ? INT64_MAX : prim_int(in[1]);
    int64_t end = in[2].kind == IV_NONE ? INT64_MAX : prim_int(in[2]);
    int64_t step = prim_int(in[3]), n = 0;
    TS_TRY(prim_slice_adjust(ctx, s->len, &start, &end, step, &n));
    StrBuf sb;
    sb_init(&sb);
    /* start + k * step stays inside the string for k < n; stepping past the
     * last one could overflow */
    for (int64_t k = 0; k < n; k++) sb_putc(&sb, s->data[start + k * step]);
    out[0] = str_of(&sb);
    return TS_OK;
}

/* list(str): one single-byte string per byte */
PRIM_OP(prim_list_str) {
    const StrObj *s = in[0].u.s;
    ListObj *l = list_new(ty_str(), s->len);
    for (int64_t i = 0; i < s->len; i++) list_push_steal(l, iv_str(s->data + i, 1));
    out[0] = iv_list_steal(l);
    return TS_OK;
}

PRIM_OP(prim_str) {
    if (in[0].kind == IV_STR) {
        out[0] = iv_dup(in[0]);
        return TS_OK;
    }
    StrBuf sb;
    sb_init(&sb);
    iv_print(&sb, in[0]);
    out[0] = str_of(&sb);
    return TS_OK;
}

/* aten::format(str self, ...): each "{}" takes the next argument; extra
 * arguments are ignored; there is no escaping of braces. */
PRIM_OP(prim_format) {
    const StrObj *f = in[0].u.s;
    StrBuf sb;
    sb_init(&sb);
    int used = 1;
    for (int64_t i = 0; i < f->len; i++) {
        if (f->data[i] == '{' && i + 1 < f->len && f->data[i + 1] == '}') {
            if (used >= nin) {
                sb_free(&sb);
                return ts_fail(ctx, TS_ERR_VALUE, NULL, "Too few arguments for format string: %s", f->data);
            }
            iv_print(&sb, in[used++]);
            i++;
        } else {
            sb_putc(&sb, f->data[i]);
        }
    }
    out[0] = str_of(&sb);
    return TS_OK;
}

/* The [start, end) window PyTorch's find/startswith use: negative values count
 * from the end, and end = -1 means the whole string. */
static void window(int64_t size, int64_t *start, int64_t *end) {
    if (*start < 0) *start = TS_MAX(0, size + *start);
    if (*end < 0) *end = TS_MAX(0, size + *end + 1);
}

/* stringFindImpl: first (or last) position of sub in s[start:end], or -1.
 * A window starting past the end fails, as std::string::substr does. */
static ts_status find_impl(Ctx *ctx, IValue *in, bool reverse, IValue *out) {
    const StrObj *s = in[0].u.s, *sub = in[1].u.s;
    int64_t start = prim_int(in[2]), end = prim_int(in[3]);
    window(s->len, &start, &end);
    int64_t n = 0;
    if (end > start) {
        if (start > s->len) return ts_fail(ctx, TS_ERR_VALUE, NULL, "string index out of range");
        n = TS_MIN(end, s->len) - start;
    }
    const char *base = s->data + TS_MIN(start, s->len);
    int64_t found = -1;
    for (int64_t p = 0; p + sub->len <= n; p++) {
        if (memcmp(base + p, sub->data, (size_t)sub->len) == 0) {
            found = p;
            if (!reverse) break;
        }
    }
    *out = iv_int(found < 0 ? -1 : found + start);
    return TS_OK;
}

PRIM_OP(prim_find) { return find_impl(ctx, in, false, out); }
PRIM_OP(prim_rfind) { return find_impl(ctx, in, true, out); }

/* s[start:end] as std::string::substr takes it (a start past the end fails). */
static ts_status substr_window(Ctx *ctx, const StrObj *s, int64_t start, int64_t end, const char **p,
                               int64_t *n) {
    window(s->len, &start, &end);
    if (start > s->len) return ts_fail(ctx, TS_ERR_VALUE, NULL, "string index out of range");
    int64_t rest = s->len - start;
    *p = s->data + start;
    *n = end >= start ? TS_MIN(end - start, rest) : rest;
    return TS_OK;
}

PRIM_OP(prim_startswith) {
    const StrObj *sub = in[1].u.s;
    const char *p = NULL;
    int64_t n = 0;
    TS_TRY(substr_window(ctx, in[0].u.s, prim_int(in[2]), prim_int(in[3]), &p, &n));
    out[0] = iv_bool(n >= sub->len && memcmp(p, sub->data, (size_t)sub->len) == 0);
    return TS_OK;
}

PRIM_OP(prim_endswith) {
    const StrObj *sub = in[1].u.s;
    const char *p = NULL;
    int64_t n = 0;
    TS_TRY(substr_window(ctx, in[0].u.s, prim_int(in[2]), prim_int(in[3]), &p, &n));
    out[0] = iv_bool(n >= sub->len && memcmp(p + n - sub->len, sub->data, (size_t)sub->len) == 0);
    return TS_OK;
}

PRIM_OP(prim_join) {
    const StrObj *sep = in[0].u.s;
    const ListObj *l = in[1].u.l;
    StrBuf sb;
    sb_init(&sb);
    for (int64_t i = 0; i < l->len; i++) {
        if (i) sb_putn(&sb, sep->data, (size_t)sep->len);
        sb_putn(&sb, l->items[i].u.s->data, (size_t)l->items[i].u.s->len);
    }
    out[0] = str_of(&sb);
    return TS_OK;
}

static IValue map_bytes(const StrObj *s, bool upper) {
    StrBuf sb;
    sb_init(&sb);
    for (int64_t i = 0; i < s->len; i++) {
        char c = s->data[i];
        if (upper && c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        else if (!upper && c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        sb_putc(&sb, c);
    }
    return str_of(&sb);
}
PRIM_OP(prim_lower) { out[0] = map_bytes(in[0].u.s, false); return TS_OK; }
PRIM_OP(prim_upper) { out[0] = map_bytes(in[0].u.s, true); return TS_OK; }

/* str.isdigit / isalpha / isalnum / isspace: non-empty and every byte in the
 * class (ASCII, the C locale PyTorch's string ops test in). */
static bool ascii_digit(char c) { return c >= '0' && c <= '9'; }
static bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool ascii_alnum(char c) { return ascii_digit(c) || ascii_alpha(c); }
static bool ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static IValue all_bytes(const StrObj *s, bool (*in_class)(char)) {
    bool all = s->len > 0;
    for (int64_t i = 0; all && i < s->len; i++) all = in_class(s->data[i]);
    return iv_bool(all);
}
PRIM_OP(prim_isdigit) { out[0] = all_bytes(in[0].u.s, ascii_digit); return TS_OK; }
PRIM_OP(prim_isalpha) { out[0] = all_bytes(in[0].u.s, ascii_alpha); return TS_OK; }
PRIM_OP(prim_isalnum) { out[0] = all_bytes(in[0].u.s, ascii_alnum); return TS_OK; }
PRIM_OP(prim_isspace) { out[0] = all_bytes(in[0].u.s, ascii_space); return TS_OK; }

/* str.islower / isupper: some letter, and every letter of that case. */
static IValue letters_all(const StrObj *s, bool upper) {
    bool found = false, same = true;
    for (int64_t i = 0; same && i < s->len; i++) {
        char c = s->data[i];
        if (!ascii_alpha(c)) continue;
        found = true;
        same = upper ? (c >= 'A' && c <= 'Z') : (c >= 'a' && c <= 'z');
    }
    return iv_bool(found && same);
}
PRIM_OP(prim_islower) { out[0] = letters_all(in[0].u.s, false); return TS_OK; }
PRIM_OP(prim_isupper) { out[0] = letters_all(in[0].u.s, true); return TS_OK; }

static bool in_set(const StrObj *set, char c) { return memchr(set->data, c, (size_t)set->len) != NULL; }

PRIM_OP(prim_strip) {
    const StrObj *s = in[0].u.s, *chars = in[1].u.s;
    int64_t b = 0, e = s->len;
    while (e > b && in_set(chars, s->data[e - 1])) e--;
    while (b < e && in_set(chars, s->data[b])) b++;
    out[0] = iv_str(s->data + b, (size_t)(e - b));
    return TS_OK;
}

/* The bytes PyTorch's split() without a separator treats as whitespace: its
 * table is a byte string, so the UTF-8 bytes of U+2028/U+2029 count one by one. */
static bool split_space(unsigned char c) {
    static const unsigned char set[] = " \t\n\r\v\f\x1c\x1d\x1e\x85\xe2\x80\xa8\xa9";
    return c != 0 && memchr(set, c, sizeof set - 1) != NULL;
}

PRIM_OP(prim_split_str) {
    const StrObj *s = in[0].u.s;
    ListObj *l = list_new(ty_str(), 0);
    if (in[1].kind == IV_NONE) {
        int64_t prev = 0;
        for (int64_t i = 0; i < s->len; i++) {
            if (!split_space((unsigned char)s->data[i])) continue;
            if (i > prev) list_push_steal(l, iv_str(s->data + prev, (size_t)(i - prev)));
            prev = i + 1;
        }
        if (prev != s->len) list_push_steal(l, iv_str(s->data + prev, (size_t)(s->len - prev)));
        out[0] = iv_list_steal(l);
        return TS_OK;
    }
    const StrObj *sep = in[1].u.s;
    int64_t max = prim_int(in[2]);
    if (sep->len == 0) {
        iv_release(iv_list_steal(l));
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "ValueError: empty separator");
    }
    int64_t prev = 0, count = 0;
    for (int64_t i = 0; i + sep->len <= s->len;) {
        if (memcmp(s->data + i, sep->data, (size_t)sep->len) != 0) {
            i++;
            continue;
        }
        if (max >= 0 && ++count > max) break;
        list_push_steal(l, iv_str(s->data + prev, (size_t)(i - prev)));
        i += sep->len;
        prev = i;
    }
    list_push_steal(l, iv_str(s->data + prev, (size_t)(s->len - prev)));
    out[0] = iv_list_steal(l);
    return TS_OK;
}

PRIM_OP(prim_replace) {
    const StrObj *s = in[0].u.s, *old = in[1].u.s, *rep = in[2].u.s;
    int64_t max = prim_int(in[3]), done = 0;
    StrBuf sb;
    sb_init(&sb);
    if (old->len == 0) {
        /* Python: the replacement goes before every byte and at the end */
        for (int64_t i = 0; i <= s->len; i++) {
            if (max < 0 || done < max) {
                sb_putn(&sb, rep->data, (size_t)rep->len);
                done++;
            }
            if (i < s->len) sb_putc(&sb, s->data[i]);
        }
        out[0] = str_of(&sb);
        return TS_OK;
    }
    int64_t i = 0;
    while (i < s->len) {
        if ((max < 0 || done < max) && i + old->len <= s->len &&
            memcmp(s->data + i, old->data, (size_t)old->len) == 0) {
            sb_putn(&sb, rep->data, (size_t)rep->len);
            i += old->len;
            done++;
        } else {
            sb_putc(&sb, s->data[i++]);
        }
    }
    out[0] = str_of(&sb);
    return TS_OK;
}

/* warnings are not printed below the CLI; the op only has to exist */
PRIM_OP(prim_warn) { return TS_OK; }

/* prim::RaiseException(str msg, str? cls=None): the program's exception. */
/* print(a, b, ...): the arguments as TorchScript prints them, separated by
 * spaces, to the context's print hook (standard output by default). */
PRIM_OP(prim_print) {
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < nin; i++) {
        if (i) sb_putc(&sb, ' ');
        iv_print(&sb, in[i]);
    }
    sb_putc(&sb, '\n');
    if (ctx && ctx->print) {
        ctx->print(ctx->print_ud, sb_cstr(&sb));
    } else {
        fputs(sb_cstr(&sb), stdout);
        fflush(stdout);
    }
    sb_free(&sb);
    return TS_OK;
}

PRIM_OP(prim_raise) {
    const char *msg = in[0].u.s->data;
    if (nin > 1 && in[1].kind == IV_STR)
        return ts_fail(ctx, TS_ERR_RUNTIME, NULL, "%s: %s", in[1].u.s->data, msg);
    return ts_fail(ctx, TS_ERR_RUNTIME, NULL, "%s", msg);
}
