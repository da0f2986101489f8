/*
 * pyformat.c - Python's string formatting for the evaluator: the format
 * specification mini-language of f-strings and str.format
 * ("[[fill]align][sign][#][0][width][,|_][.precision][type]"), str.format's
 * replacement fields ({}, {0}, {name}, {x!r:>8}) and printf-style
 * `fmt % args` (%s %r %d %i %x %o %e %f %g %c %% with flags, width,
 * precision and %(name)s keys).
 *
 * Where it sits: pyeval.c (f-strings, the % operator) and pybuiltin.c
 * (str.format) call it; values are printed with pv_str_of, numbers with
 * C's printf conversions, which agree with Python's for these types (both
 * round correctly). A spec that does not fit its value fails as Python
 * does, with ValueError or TypeError.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "python/py.h"

typedef struct Spec {
    char fill, align, sign, type;
    bool alt, zero, group;
    int width, prec;
} Spec;

static bool parse_spec(const char *p, Spec *s) {
    memset(s, 0, sizeof *s);
    s->fill = ' ';
    s->prec = -1;
    if (p[0] && (p[1] == '<' || p[1] == '>' || p[1] == '^' || p[1] == '=')) {
        s->fill = p[0];
        s->align = p[1];
        p += 2;
    } else if (*p == '<' || *p == '>' || *p == '^' || *p == '=') {
        s->align = *p++;
    }
    if (*p == '+' || *p == '-' || *p == ' ') s->sign = *p++;
    if (*p == '#') s->alt = true, p++;
    if (*p == '0') s->zero = true, p++;
    while (*p >= '0' && *p <= '9' && s->width < 100000) s->width = s->width * 10 + (*p++ - '0');
    if (*p == ',' || *p == '_') s->group = true, p++;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') return false;
        s->prec = 0;
        while (*p >= '0' && *p <= '9' && s->prec < 1000) s->prec = s->prec * 10 + (*p++ - '0');
    }
    if (*p) s->type = *p++;
    return *p == 0;
}

/* Thousands separators into the integer digits of a number's text. */
static void group_digits(StrBuf *out, const char *num, char sep) {
    const char *d = num;
    if (*d == '-' || *d == '+' || *d == ' ') sb_putc(out, *d++);
    size_t n = 0;
    while (d[n] >= '0' && d[n] <= '9') n++;
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) sb_putc(out, sep);
        sb_putc(out, d[i]);
    }
    sb_puts(out, d + n);
}

static void put_padded(StrBuf *sb, const char *body, const Spec *s, bool numeric) {
    int len = (int)strlen(body);
    int pad = s->width - len;
    char align = s->align ? s->align : numeric ? '>' : '<';
    char fill = s->fill;
    if (s->zero && !s->align && numeric) align = '=', fill = '0';
    if (pad <= 0) {
        sb_puts(sb, body);
        return;
    }
    if (align == '=') {
        /* padding after the sign */
        const char *b = body;
        if (*b == '-' || *b == '+' || *b == ' ') sb_putc(sb, *b++);
        for (int i = 0; i < pad; i++) sb_putc(sb, fill);
        sb_puts(sb, b);
        return;
    }
    int left = align == '>' ? pad : align == '^' ? pad / 2 : 0;
    for (int i = 0; i < left; i++) sb_putc(sb, fill);
    sb_puts(sb, body);
    for (int i = 0; i < pad - left; i++) sb_putc(sb, fill);
}

static void fmt_int(StrBuf *body, int64_t x, const Spec *s) {
    char buf[80];
    char t = s->type ? s->type : 'd';
    uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    const char *pre = "";
    if (t == 'x') snprintf(buf, sizeof buf, "%llx", (unsigned long long)u), pre = "0x";
    else if (t == 'X') snprintf(buf, sizeof buf, "%llX", (unsigned long long)u), pre = "0X";
    else if (t == 'o') snprintf(buf, sizeof buf, "%llo", (unsigned long long)u), pre = "0o";
    else if (t == 'b') {
        int n = 0;
        char tmp[70];
        do tmp[n++] = (char)('0' + (u & 1)); while ((u >>= 1) && n < 64);
        for (int i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
        buf[n] = 0;
        pre = "0b";
    } else snprintf(buf, sizeof buf, "%llu", (unsigned long long)u);
    if (x < 0) sb_putc(body, '-');
    else if (s->sign == '+' || s->sign == ' ') sb_putc(body, s->sign);
    if (s->alt) sb_puts(body, pre);
    if (s->group && t == 'd') group_digits(body, buf, ',');
    else sb_puts(body, buf);
}

/* Python's float conversions e f g % through printf; repr for no type. */
static void fmt_float(StrBuf *body, double d, const Spec *s) {
    char t = s->type;
    if (!t && s->prec < 0) {
        StrBuf r;
        sb_init(&r);
        pv_str_of(&r, pv_float(d), false);
        if (s->sign && !signbit(d)) sb_putc(body, s->sign == '+' ? '+' : ' ');
        sb_puts(body, sb_cstr(&r));
        sb_free(&r);
        return;
    }
    if (!isfinite(d)) {
        if (!signbit(d) && s->sign && s->sign != '-') sb_putc(body, s->sign);
        const char *w = isnan(d) ? "nan" : signbit(d) ? "-inf" : "inf";
        if (t == 'F' || t == 'E' || t == 'G') w = isnan(d) ? "NAN" : signbit(d) ? "-INF" : "INF";
        sb_puts(body, w);
        return;
    }
    int prec = s->prec < 0 ? 6 : s->prec;
    char conv = t == 'e' || t == 'E' || t == 'f' || t == 'F' || t == 'g' || t == 'G' ? t : t == '%' ? 'f' : 'g';
    if (t == '%') d *= 100;
    char fmt[24], buf[512];
    snprintf(fmt, sizeof fmt, "%%%s%s.%d%c", s->sign == '+' ? "+" : s->sign == ' ' ? " " : "", s->alt ? "#" : "", prec,
             conv);
    snprintf(buf, sizeof buf, fmt, d);
    if (s->group) group_digits(body, buf, ',');
    else sb_puts(body, buf);
    if (t == '%') sb_putc(body, '%');
}

ts_status py_format_value(Py *S, StrBuf *sb, PV v, const char *spec, const Span *sp) {
    Spec s;
    if (!parse_spec(spec, &s))
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: Invalid format specifier '%s'", spec);
    StrBuf body;
    sb_init(&body);
    bool numeric = v.k == P_INT || v.k == P_FLOAT || v.k == P_BOOL;
    ts_status st = TS_OK;
    char t = s.type;
    if (v.k == P_BOOL && !*spec) {
        sb_puts(&body, v.iv.u.b ? "True" : "False"); /* bool's own str; any spec formats it as an int */
    } else if ((v.k == P_INT || v.k == P_BOOL) && (!t || strchr("dxXobnc", t))) {
        if (t == 'c') sb_putc(&body, (char)iv_scalar_i64(v.iv));
        else fmt_int(&body, iv_scalar_i64(v.iv), &s);
    } else if (numeric && (!t || strchr("eEfFgG%n", t))) {
        fmt_float(&body, v.k == P_FLOAT ? v.iv.u.d : (double)iv_scalar_i64(v.iv), &s);
    } else if (numeric || (t && t != 's')) {
        st = ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: Unknown format code '%c' for object of type '%s'", t ? t : 's',
                     pv_type_name(v));
    } else {
        pv_str_of(&body, v, false);
        if (s.prec >= 0 && (int)body.len > s.prec) body.data[body.len = (size_t)s.prec] = 0;
    }
    if (st == TS_OK) put_padded(sb, sb_cstr(&body), &s, numeric);
    sb_free(&body);
    return st;
}

/* One {field!conv:spec} of str.format: the argument it names. */
static ts_status field_value(Py *S, const char *field, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                             int *auto_i, const Span *sp, PV **out) {
    *out = NULL;
    if (!field[0]) {
        if (*auto_i < 0)
            return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: cannot switch from manual field specification to "
                           "automatic field numbering");
        if (*auto_i >= nargs)
            return ts_fail(S->ctx, TS_ERR_VALUE, sp, "IndexError: Replacement index %d out of range for positional args "
                           "tuple", *auto_i);
        *out = &args[(*auto_i)++];
        return TS_OK;
    }
    if (field[0] >= '0' && field[0] <= '9') {
        int k = atoi(field);
        if (*auto_i > 0)
            return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: cannot switch from automatic field numbering to "
                           "manual field specification");
        *auto_i = -1;
        if (k >= nargs)
            return ts_fail(S->ctx, TS_ERR_VALUE, sp, "IndexError: Replacement index %d out of range for positional args "
                           "tuple", k);
        *out = &args[k];
        return TS_OK;
    }
    for (int k = 0; k < nkw; k++)
        if (strcmp(kwn[k], field) == 0) {
            *out = &kwv[k];
            return TS_OK;
        }
    return ts_fail(S->ctx, TS_ERR_NOT_FOUND, sp, "KeyError: '%s'", field);
}

static ts_status put_converted(Py *S, StrBuf *sb, PV v, char conv, const char *spec, const Span *sp) {
    if (conv != 'r' && conv != 's') return py_format_value(S, sb, v, spec, sp);
    StrBuf r;
    sb_init(&r);
    pv_str_of(&r, v, conv == 'r');
    PV rv = pv_str(sb_cstr(&r), r.len);
    sb_free(&r);
    ts_status st = py_format_value(S, sb, rv, spec, sp);
    pv_drop(rv);
    return st;
}

ts_status py_str_format(Py *S, PV fmt, PV *args, int nargs, const char **kwn, PV *kwv, int nkw, const Span *sp,
                        PV *out) {
    const char *s = fmt.iv.u.s->data;
    StrBuf sb;
    sb_init(&sb);
    int auto_i = 0;
    ts_status st = TS_OK;
    for (const char *p = s; *p && st == TS_OK; p++) {
        if ((*p == '{' || *p == '}') && p[1] == *p) {
            sb_putc(&sb, *p++);
            continue;
        }
        if (*p == '}') {
            st = ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: Single '}' encountered in format string");
            break;
        }
        if (*p != '{') {
            sb_putc(&sb, *p);
            continue;
        }
        const char *e = strchr(p, '}');
        if (!e) {
            st = ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: Single '{' encountered in format string");
            break;
        }
        char *field = ts_strndup(p + 1, (size_t)(e - p - 1));
        char *colon = strchr(field, ':');
        const char *spec = "";
        if (colon) *colon = 0, spec = colon + 1;
        char *bang = strchr(field, '!');
        char conv = 0;
        if (bang) *bang = 0, conv = bang[1];
        PV *v;
        st = field_value(S, field, args, nargs, kwn, kwv, nkw, &auto_i, sp, &v);
        if (st == TS_OK) st = put_converted(S, &sb, *v, conv, spec, sp);
        ts_free(field);
        p = e;
    }
    if (st == TS_OK) *out = pv_str(sb_cstr(&sb), sb.len);
    sb_free(&sb);
    return st;
}

/* One %-conversion of printf-style formatting, v already chosen. */
static ts_status percent_one(Py *S, StrBuf *sb, PV v, char type, const char *flags, int width, int prec,
                             const Span *sp) {
    Spec s;
    memset(&s, 0, sizeof s);
    s.fill = ' ';
    s.width = width;
    s.prec = prec;
    for (const char *f = flags; *f; f++) {
        if (*f == '-') s.align = '<';
        else if (*f == '+') s.sign = '+';
        else if (*f == ' ' && s.sign != '+') s.sign = ' ';
        else if (*f == '#') s.alt = true;
        else if (*f == '0') s.zero = true;
    }
    StrBuf body;
    sb_init(&body);
    bool numeric = false;
    ts_status st = TS_OK;
    if (type == 's' || type == 'r' || type == 'a') {
        pv_str_of(&body, v, type != 's');
        if (prec >= 0 && (int)body.len > prec) body.data[body.len = (size_t)prec] = 0;
    } else if (v.k != P_INT && v.k != P_FLOAT && v.k != P_BOOL) {
        /* CPython's wording per conversion */
        if (type == 'c') st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %%c requires int or char");
        else if (strchr("eEfFgG", type)) st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: must be real number, not %s", pv_type_name(v));
        else st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %%%c format: %s is required, not %s", type,
                          strchr("diu", type) ? "a real number" : "an integer", pv_type_name(v));
    } else if (strchr("diuxXoc", type)) {
        numeric = true;
        double d = v.k == P_FLOAT ? v.iv.u.d : 0;
        if (v.k == P_FLOAT && type != 'd' && type != 'i' && type != 'u')
            st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %%%c format: an integer is required, not float", type);
        else if (v.k == P_FLOAT && !isfinite(d))
            st = ts_fail(S->ctx, TS_ERR_VALUE, sp, "OverflowError: cannot convert float infinity or NaN to integer");
        else if (type == 'c') sb_putc(&body, (char)iv_scalar_i64(v.iv));
        else {
            s.type = type == 'i' || type == 'u' ? 'd' : type;
            fmt_int(&body, v.k == P_FLOAT ? (int64_t)d : iv_scalar_i64(v.iv), &s);
        }
    } else {
        numeric = true;
        s.type = type;
        if (s.prec < 0) s.prec = 6;
        fmt_float(&body, v.k == P_FLOAT ? v.iv.u.d : (double)iv_scalar_i64(v.iv), &s);
    }
    if (st == TS_OK) {
        if (s.zero && s.align == '<') s.zero = false;
        put_padded(sb, sb_cstr(&body), &s, numeric);
    }
    sb_free(&body);
    return st;
}

ts_status py_str_percent(Py *S, PV fmt, PV args, const Span *sp, PV *out) {
    const char *p = fmt.iv.u.s->data, *end = p + fmt.iv.u.s->len;
    PV *items = &args;
    int n = 1, used = 0;
    if (args.k == P_TUPLE) items = pv_items(args), n = pv_len(args);
    bool mapping = args.k == P_DICT;
    StrBuf sb;
    sb_init(&sb);
    ts_status st = TS_OK;
    while (p < end && st == TS_OK) {
        if (*p != '%') {
            sb_putc(&sb, *p++);
            continue;
        }
        p++;
        PV *v = NULL;
        if (p < end && *p == '(') {
            const char *q = memchr(p, ')', (size_t)(end - p));
            if (!q || !mapping) {
                st = ts_fail(S->ctx, TS_ERR_TYPE, sp, q ? "TypeError: format requires a mapping" : "ValueError: incomplete format key");
                break;
            }
            PV key = pv_str(p + 1, (size_t)(q - p - 1));
            v = pdict_find(args.p, key);
            if (!v) {
                st = ts_fail(S->ctx, TS_ERR_NOT_FOUND, sp, "KeyError: '%s'", key.iv.u.s->data);
                pv_drop(key);
                break;
            }
            pv_drop(key);
            p = q + 1;
        }
        char flags[8];
        int nf = 0, width = 0, prec = -1;
        while (p < end && strchr("-+ #0", *p) && *p) {
            if (nf < 7) flags[nf++] = *p;
            p++;
        }
        flags[nf] = 0;
        while (p < end && *p >= '0' && *p <= '9' && width < 100000) width = width * 10 + (*p++ - '0');
        if (p < end && *p == '.') {
            p++;
            prec = 0;
            while (p < end && *p >= '0' && *p <= '9' && prec < 1000) prec = prec * 10 + (*p++ - '0');
        }
        if (p >= end) {
            st = ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: incomplete format");
            break;
        }
        char type = *p++;
        if (type == '%') {
            sb_putc(&sb, '%');
            continue;
        }
        if (!strchr("sradiuxXoeEfFgGc", type)) {
            st = ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: unsupported format character '%c' (0x%x)", type,
                         (unsigned)(unsigned char)type);
            break;
        }
        if (!v) {
            if (mapping) v = &args;
            else if (used >= n) {
                st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: not enough arguments for format string");
                break;
            } else v = &items[used++];
        }
        st = percent_one(S, &sb, *v, type, flags, width, prec, sp);
    }
    if (st == TS_OK && !mapping && used < n)
        st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: not all arguments converted during string formatting");
    if (st == TS_OK) *out = pv_str(sb_cstr(&sb), sb.len);
    sb_free(&sb);
    return st;
}
