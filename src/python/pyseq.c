/*
 * pyseq.c - the evaluator's builtins over sequences and strings beyond the
 * basic ones of pybuiltin.c: sorted / list.sort with key= and reverse=,
 * min / max with key= and default=, map, filter, set, pow with a modulus,
 * enumerate(start=), the list methods that reorder or remove (sort,
 * reverse, remove, copy, clear), dict.setdefault / update(**kw) / copy /
 * clear, and the str methods constructors use (split, strip, replace,
 * find, count, zfill, the is* tests, case changes, padding).
 *
 * Where it sits: py_call_builtin (pybuiltin.c) asks py_builtin_more first;
 * *handled false means "not mine", and the basic table runs. Values follow
 * py.h's ownership rules. Sets are lists of distinct items in the order
 * they were first seen (a set's iteration order is unspecified in Python;
 * this one is at least deterministic).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "python/py.h"

/* ---- ordering ---- */

static bool is_number(PV v) { return v.k == P_INT || v.k == P_FLOAT || v.k == P_BOOL; }

/* Python's < for numbers, strings and sequences of them: *c is -1, 0 or 1. */
static bool compare(PV a, PV b, int *c) {
    if (is_number(a) && is_number(b)) {
        if (a.k != P_FLOAT && b.k != P_FLOAT) {
            int64_t x = iv_scalar_i64(a.iv), y = iv_scalar_i64(b.iv);
            *c = x < y ? -1 : x > y;
        } else {
            double x = iv_scalar_f64(a.iv), y = iv_scalar_f64(b.iv);
            *c = x < y ? -1 : x > y;
        }
        return true;
    }
    if (a.k == P_STR && b.k == P_STR) {
        int r = strcmp(a.iv.u.s->data, b.iv.u.s->data);
        *c = r < 0 ? -1 : r > 0;
        return true;
    }
    if (pv_is_seq(a) && a.k == b.k) {
        int n = pv_len(a) < pv_len(b) ? pv_len(a) : pv_len(b);
        for (int i = 0; i < n; i++) {
            if (pv_eq(pv_items(a)[i], pv_items(b)[i])) continue;
            return compare(pv_items(a)[i], pv_items(b)[i], c);
        }
        *c = pv_len(a) < pv_len(b) ? -1 : pv_len(a) > pv_len(b);
        return true;
    }
    return false;
}

static ts_status not_comparable(Py *S, const char *what, PV a, PV b, const Span *sp) {
    return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: '<' not supported between instances of '%s' and '%s' (in %s)",
                   pv_type_name(a), pv_type_name(b), what);
}

/* The items of any iterable value (an owned list). */
static ts_status items_of(Py *S, PV v, const Span *sp, PV *out) {
    return py_call_builtin(S, "list", NULL, &v, 1, NULL, NULL, 0, sp, out);
}

/* key(x) for each item (or the items themselves when key is None). */
static ts_status keys_of(Py *S, PV items, PV key, const Span *sp, PV *out) {
    if (key.k == P_NONE) return items_of(S, items, sp, out); /* a copy: sort_list swaps both */
    PV r = pv_list_new();
    for (int i = 0; i < pv_len(items); i++) {
        PV k;
        ts_status st = py_call(S, key, &pv_items(items)[i], 1, NULL, NULL, 0, sp, &k);
        if (st != TS_OK) {
            pv_drop(r);
            return st;
        }
        pv_seq_push_steal(r, k);
    }
    *out = r;
    return TS_OK;
}

/* Stable sort of the list `list` in place by key, descending when reverse. */
static ts_status sort_list(Py *S, PV list, PV key, bool reverse, const char *what, const Span *sp) {
    PV keys;
    TS_TRY(keys_of(S, list, key, sp, &keys));
    PV *it = pv_items(list), *ks = pv_items(keys);
    ts_status st = TS_OK;
    for (int i = 1; i < pv_len(list) && st == TS_OK; i++)
        for (int j = i; j > 0; j--) {
            int c;
            if (!compare(ks[j - 1], ks[j], &c)) {
                st = not_comparable(S, what, ks[j], ks[j - 1], sp);
                break;
            }
            if (reverse ? c >= 0 : c <= 0) break;
            PV t = it[j - 1];
            it[j - 1] = it[j], it[j] = t;
            t = ks[j - 1];
            ks[j - 1] = ks[j], ks[j] = t;
        }
    pv_drop(keys);
    return st;
}

/* The keyword arguments a builtin accepts: each name's value, or None. */
static ts_status take_kw(Py *S, const char *fn, const char **kwn, PV *kwv, int nkw, const char *const *names, PV *vals,
                         int n, const Span *sp) {
    for (int i = 0; i < n; i++) vals[i] = pv_none();
    for (int k = 0; k < nkw; k++) {
        int i = 0;
        while (i < n && strcmp(names[i], kwn[k]) != 0) i++;
        if (i == n)
            return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s() got an unexpected keyword argument '%s'", fn, kwn[k]);
        vals[i] = kwv[k];
    }
    return TS_OK;
}

static ts_status fn_sorted(Py *S, PV *args, int nargs, const char **kwn, PV *kwv, int nkw, const Span *sp, PV *out) {
    static const char *const names[] = {"key", "reverse"};
    PV kw[2];
    TS_TRY(take_kw(S, "sorted", kwn, kwv, nkw, names, kw, 2, sp));
    if (nargs != 1) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: sorted expected 1 argument, got %d", nargs);
    TS_TRY(items_of(S, args[0], sp, out));
    ts_status st = sort_list(S, *out, kw[0], pv_truthy(kw[1]), "sorted", sp);
    if (st != TS_OK) pv_drop(*out);
    return st;
}

static ts_status fn_minmax(Py *S, bool is_max, PV *args, int nargs, const char **kwn, PV *kwv, int nkw, const Span *sp,
                           PV *out) {
    static const char *const names[] = {"key", "default"};
    const char *fn = is_max ? "max" : "min";
    PV kw[2];
    TS_TRY(take_kw(S, fn, kwn, kwv, nkw, names, kw, 2, sp));
    bool has_default = false;
    for (int k = 0; k < nkw; k++) has_default |= strcmp(kwn[k], "default") == 0;
    if (nargs == 0) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s expected at least 1 argument, got 0", fn);
    PV items;
    if (nargs == 1) TS_TRY(items_of(S, args[0], sp, &items));
    else {
        items = pv_list_new();
        for (int i = 0; i < nargs; i++) pv_seq_push_steal(items, pv_dup(args[i]));
    }
    if (pv_len(items) == 0) {
        pv_drop(items);
        if (has_default) {
            *out = pv_dup(kw[1]);
            return TS_OK;
        }
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: %s() arg is an empty sequence", fn);
    }
    PV keys;
    ts_status st = keys_of(S, items, kw[0], sp, &keys);
    int best = 0;
    for (int i = 1; st == TS_OK && i < pv_len(items); i++) {
        int c;
        if (!compare(pv_items(keys)[i], pv_items(keys)[best], &c)) st = not_comparable(S, fn, pv_items(keys)[i], pv_items(keys)[best], sp);
        else if (is_max ? c > 0 : c < 0) best = i;
    }
    if (st == TS_OK) {
        pv_drop(keys);
        *out = pv_dup(pv_items(items)[best]);
    }
    pv_drop(items);
    return st;
}

/* map(f, xs, ...) and filter(f, xs): lists (Python's iterators, consumed at once). */
static ts_status fn_map_filter(Py *S, bool is_map, PV *args, int nargs, const Span *sp, PV *out) {
    if (nargs < 2 || (!is_map && nargs != 2))
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s() takes a function and %s", is_map ? "map" : "filter",
                       is_map ? "at least one iterable" : "one iterable");
    PV lists[8];
    int nl = nargs - 1;
    if (nl > 8) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "map() of more than 8 iterables is not supported");
    for (int i = 0; i < nl; i++) {
        ts_status st = items_of(S, args[i + 1], sp, &lists[i]);
        if (st != TS_OK) {
            for (int k = 0; k < i; k++) pv_drop(lists[k]);
            return st;
        }
    }
    int n = pv_len(lists[0]);
    for (int i = 1; i < nl; i++) n = pv_len(lists[i]) < n ? pv_len(lists[i]) : n;
    PV r = pv_list_new();
    ts_status st = TS_OK;
    for (int i = 0; i < n && st == TS_OK; i++) {
        PV a[8], v;
        for (int k = 0; k < nl; k++) a[k] = pv_items(lists[k])[i];
        if (!is_map && args[0].k == P_NONE) v = pv_bool(pv_truthy(a[0]));
        else st = py_call(S, args[0], a, nl, NULL, NULL, 0, sp, &v);
        if (st != TS_OK) break;
        if (is_map) pv_seq_push_steal(r, v);
        else {
            if (pv_truthy(v)) pv_seq_push_steal(r, pv_dup(a[0]));
            pv_drop(v);
        }
    }
    for (int k = 0; k < nl; k++) pv_drop(lists[k]);
    if (st != TS_OK) {
        pv_drop(r);
        return st;
    }
    *out = r;
    return TS_OK;
}

static bool list_has(PV l, PV v) {
    for (int i = 0; i < pv_len(l); i++)
        if (pv_eq(pv_items(l)[i], v)) return true;
    return false;
}

static ts_status fn_set(Py *S, PV *args, int nargs, const Span *sp, PV *out) {
    *out = pv_list_new();
    if (nargs == 0) return TS_OK;
    PV items;
    TS_TRY(items_of(S, args[0], sp, &items));
    for (int i = 0; i < pv_len(items); i++)
        if (!list_has(*out, pv_items(items)[i])) pv_seq_push_steal(*out, pv_dup(pv_items(items)[i]));
    pv_drop(items);
    return TS_OK;
}

static ts_status fn_pow3(Py *S, PV *args, const Span *sp, PV *out) {
    if (args[0].k != P_INT || args[1].k != P_INT || args[2].k != P_INT)
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: pow() 3rd argument not allowed unless all arguments are integers");
    int64_t b = args[0].iv.u.i, e = args[1].iv.u.i, m = args[2].iv.u.i;
    if (m == 0) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: pow() 3rd argument cannot be 0");
    if (e < 0) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "pow() with a negative exponent and a modulus is not supported by tscript's evaluator");
    __int128 r = 1, x = ((b % m) + m) % m;
    for (; e; e >>= 1, x = x * x % m)
        if (e & 1) r = r * x % m;
    int64_t v = (int64_t)r;
    if (m < 0 && v > 0) v += m;
    *out = pv_int(v);
    return TS_OK;
}

/* round(x, n): Python's correctly rounded result (the decimal value of x
 * rounded half-even to n places: printf's %.*f does exactly that); an int
 * stays an int. */
static ts_status fn_round(Py *S, PV *args, const Span *sp, PV *out) {
    if (args[1].k != P_INT && args[1].k != P_BOOL)
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: '%s' object cannot be interpreted as an integer", pv_type_name(args[1]));
    int64_t n = iv_scalar_i64(args[1].iv);
    PV x = args[0];
    if (x.k == P_INT || x.k == P_BOOL) {
        int64_t v = iv_scalar_i64(x.iv);
        if (n >= 0 || n < -18) {
            *out = pv_int(n >= 0 ? v : 0);
            return TS_OK;
        }
        int64_t p = 1;
        for (int64_t i = 0; i < -n; i++) p *= 10;
        int64_t q = v / p, r = v % p;
        if (r < 0) r += p, q--;
        if (2 * r > p || (2 * r == p && (q & 1))) q++;
        *out = pv_int(q * p);
        return TS_OK;
    }
    if (x.k != P_FLOAT) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: type %s doesn't define __round__ method", pv_type_name(x));
    double d = x.iv.u.d;
    if (!isfinite(d) || n > 308) {
        *out = pv_float(d);
        return TS_OK;
    }
    if (n >= 0) {
        char buf[400];
        snprintf(buf, sizeof buf, "%.*f", (int)n, d);
        *out = pv_float(strtod(buf, NULL));
        return TS_OK;
    }
    double p = pow(10.0, (double)-n);
    *out = pv_float(nearbyint(d / p) * p);
    return TS_OK;
}

/* ---- list and dict methods ---- */

static ts_status list_method(Py *S, const char *m, PV self, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                             const Span *sp, PV *out, bool *handled) {
    PObj *o = self.p;
    *handled = true;
    if (strcmp(m, "sort") == 0) {
        static const char *const names[] = {"key", "reverse"};
        PV kw[2];
        if (nargs) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: sort() takes no positional arguments");
        TS_TRY(take_kw(S, "sort", kwn, kwv, nkw, names, kw, 2, sp));
        return sort_list(S, self, kw[0], pv_truthy(kw[1]), "list.sort", sp);
    }
    if (nkw) {
        *handled = false;
        return TS_OK;
    }
    if (strcmp(m, "reverse") == 0 && nargs == 0) {
        for (int i = 0; i < o->items.len / 2; i++) {
            PV t = o->items.data[i];
            o->items.data[i] = o->items.data[o->items.len - 1 - i];
            o->items.data[o->items.len - 1 - i] = t;
        }
        return TS_OK;
    }
    if (strcmp(m, "remove") == 0 && nargs == 1) {
        for (int i = 0; i < o->items.len; i++)
            if (pv_eq(o->items.data[i], args[0])) {
                pv_drop(o->items.data[i]);
                memmove(&o->items.data[i], &o->items.data[i + 1], sizeof(PV) * (size_t)(o->items.len - i - 1));
                o->items.len--;
                return TS_OK;
            }
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: list.remove(x): x not in list");
    }
    if (strcmp(m, "copy") == 0 && nargs == 0) return items_of(S, self, sp, out);
    if (strcmp(m, "clear") == 0 && nargs == 0) {
        for (int i = 0; i < o->items.len; i++) pv_drop(o->items.data[i]);
        o->items.len = 0;
        return TS_OK;
    }
    if (strcmp(m, "add") == 0 && nargs == 1) { /* a set's */
        if (!list_has(self, args[0])) pv_seq_push_steal(self, pv_dup(args[0]));
        return TS_OK;
    }
    *handled = false;
    return TS_OK;
}

static ts_status dict_method(Py *S, const char *m, PV self, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                             const Span *sp, PV *out, bool *handled) {
    PObj *d = self.p;
    *handled = true;
    if (strcmp(m, "setdefault") == 0 && (nargs == 1 || nargs == 2) && !nkw) {
        PV *v = pdict_find(d, args[0]);
        if (!v) {
            pdict_set_steal(d, pv_dup(args[0]), nargs == 2 ? pv_dup(args[1]) : pv_none());
            v = pdict_find(d, args[0]);
        }
        *out = pv_dup(*v);
        return TS_OK;
    }
    if (strcmp(m, "update") == 0 && nargs <= 1) {
        if (nargs == 1) {
            PV a = args[0];
            if (a.k == P_DICT) {
                PObj *o = a.p;
                for (int i = 0; i < o->items.len; i++) pdict_set_steal(d, pv_dup(o->items.data[i]), pv_dup(o->vals.data[i]));
            } else {
                PV items;
                TS_TRY(items_of(S, a, sp, &items));
                for (int i = 0; i < pv_len(items); i++) {
                    PV kv = pv_items(items)[i];
                    if (!pv_is_seq(kv) || pv_len(kv) != 2) {
                        pv_drop(items);
                        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: dictionary update sequence element #%d has "
                                       "the wrong length", i);
                    }
                    pdict_set_steal(d, pv_dup(pv_items(kv)[0]), pv_dup(pv_items(kv)[1]));
                }
                pv_drop(items);
            }
        }
        for (int k = 0; k < nkw; k++) pdict_set_steal(d, pv_cstr(kwn[k]), pv_dup(kwv[k]));
        return TS_OK;
    }
    if (strcmp(m, "copy") == 0 && nargs == 0 && !nkw) {
        PObj *c = pobj_new(P_DICT);
        for (int i = 0; i < d->items.len; i++) pdict_set_steal(c, pv_dup(d->items.data[i]), pv_dup(d->vals.data[i]));
        *out = pv_obj_steal(c);
        return TS_OK;
    }
    if (strcmp(m, "clear") == 0 && nargs == 0 && !nkw) {
        for (int i = 0; i < d->items.len; i++) pv_drop(d->items.data[i]), pv_drop(d->vals.data[i]);
        d->items.len = d->vals.len = 0;
        return TS_OK;
    }
    *handled = false;
    return TS_OK;
}

/* ---- str methods ---- */

static PV substr(const char *s, size_t a, size_t b) { return pv_str(s + a, b > a ? b - a : 0); }

static bool in_chars(char c, const char *chars) { return chars ? strchr(chars, c) != NULL && c : isspace((unsigned char)c); }

static ts_status str_split(Py *S, const char *s, size_t n, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                           const Span *sp, PV *out) {
    static const char *const names[] = {"sep", "maxsplit"};
    PV kw[2];
    TS_TRY(take_kw(S, "split", kwn, kwv, nkw, names, kw, 2, sp));
    PV sepv = nargs > 0 ? args[0] : kw[0], maxv = nargs > 1 ? args[1] : kw[1];
    int64_t maxsplit = maxv.k == P_INT ? maxv.iv.u.i : -1;
    PV r = pv_list_new();
    if (sepv.k == P_NONE) {
        size_t i = 0;
        while (i < n) {
            while (i < n && isspace((unsigned char)s[i])) i++;
            if (i >= n) break;
            size_t j = i;
            if (maxsplit == 0) j = n;
            else while (j < n && !isspace((unsigned char)s[j])) j++;
            if (maxsplit == 0) {
                size_t e = n;
                while (e > i && isspace((unsigned char)s[e - 1])) e--;
                j = e;
            }
            pv_seq_push_steal(r, substr(s, i, j));
            if (maxsplit > 0) maxsplit--;
            i = j;
        }
        *out = r;
        return TS_OK;
    }
    if (sepv.k != P_STR) {
        pv_drop(r);
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: must be str or None, not %s", pv_type_name(sepv));
    }
    const char *sep = sepv.iv.u.s->data;
    size_t k = (size_t)sepv.iv.u.s->len, i = 0;
    if (k == 0) {
        pv_drop(r);
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: empty separator");
    }
    for (;;) {
        const char *hit = maxsplit == 0 ? NULL : strstr(s + i, sep);
        if (!hit) break;
        pv_seq_push_steal(r, substr(s, i, (size_t)(hit - s)));
        i = (size_t)(hit - s) + k;
        if (maxsplit > 0) maxsplit--;
    }
    pv_seq_push_steal(r, substr(s, i, n));
    *out = r;
    return TS_OK;
}

static ts_status str_method(Py *S, const char *m, PV self, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                            const Span *sp, PV *out, bool *handled) {
    const char *s = self.iv.u.s->data;
    size_t n = (size_t)self.iv.u.s->len;
    *handled = true;
    if (strcmp(m, "split") == 0) return str_split(S, s, n, args, nargs, kwn, kwv, nkw, sp, out);
    if (nkw) {
        *handled = false;
        return TS_OK;
    }
    if ((strcmp(m, "strip") == 0 || strcmp(m, "lstrip") == 0 || strcmp(m, "rstrip") == 0) && nargs <= 1) {
        const char *chars = nargs && args[0].k == P_STR ? args[0].iv.u.s->data : NULL;
        size_t a = 0, b = n;
        if (m[0] != 'r') while (a < b && in_chars(s[a], chars)) a++;
        if (m[0] != 'l') while (b > a && in_chars(s[b - 1], chars)) b--;
        *out = substr(s, a, b);
        return TS_OK;
    }
    if (strcmp(m, "replace") == 0 && (nargs == 2 || nargs == 3) && args[0].k == P_STR && args[1].k == P_STR) {
        const char *old = args[0].iv.u.s->data, *rep = args[1].iv.u.s->data;
        size_t k = (size_t)args[0].iv.u.s->len;
        int64_t count = nargs == 3 ? iv_scalar_i64(args[2].iv) : -1;
        StrBuf sb;
        sb_init(&sb);
        size_t i = 0;
        while (i <= n) {
            const char *hit = count != 0 ? (k ? strstr(s + i, old) : s + i) : NULL;
            if (!hit || (size_t)(hit - s) > n) break;
            sb_putn(&sb, s + i, (size_t)(hit - s) - i);
            sb_puts(&sb, rep);
            i = (size_t)(hit - s) + k;
            if (count > 0) count--;
            if (!k) {
                if (i < n) sb_putc(&sb, s[i]);
                i++;
            }
        }
        if (i < n) sb_putn(&sb, s + i, n - i);
        *out = pv_str(sb_cstr(&sb), sb.len);
        sb_free(&sb);
        return TS_OK;
    }
    if ((strcmp(m, "find") == 0 || strcmp(m, "rfind") == 0 || strcmp(m, "index") == 0 || strcmp(m, "count") == 0) &&
        nargs == 1 && args[0].k == P_STR) {
        const char *sub = args[0].iv.u.s->data;
        size_t k = (size_t)args[0].iv.u.s->len;
        int64_t first = -1, last = -1, count = 0;
        for (size_t i = 0; i + k <= n;) {
            if (memcmp(s + i, sub, k) == 0) {
                if (first < 0) first = (int64_t)i;
                last = (int64_t)i;
                count++;
                i += k ? k : 1;
            } else {
                i++;
            }
        }
        if (m[0] == 'c') *out = pv_int(k ? count : (int64_t)n + 1);
        else if (m[0] == 'i' && first < 0) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: substring not found");
        else *out = pv_int(m[0] == 'r' ? last : first);
        return TS_OK;
    }
    if ((strcmp(m, "zfill") == 0 || strcmp(m, "center") == 0 || strcmp(m, "ljust") == 0 || strcmp(m, "rjust") == 0) &&
        nargs >= 1 && args[0].k == P_INT) {
        int64_t w = args[0].iv.u.i, pad = w > (int64_t)n ? w - (int64_t)n : 0;
        char fill = m[0] == 'z' ? '0' : nargs == 2 && args[1].k == P_STR && args[1].iv.u.s->len == 1 ? args[1].iv.u.s->data[0] : ' ';
        int64_t left = m[0] == 'z' || m[0] == 'r' ? pad : m[0] == 'l' ? 0 : pad / 2 + (pad & w & 1);
        StrBuf sb;
        sb_init(&sb);
        size_t i = 0;
        if (m[0] == 'z' && n && (s[0] == '-' || s[0] == '+')) sb_putc(&sb, s[i++]);
        for (int64_t k = 0; k < left; k++) sb_putc(&sb, fill);
        sb_putn(&sb, s + i, n - i);
        for (int64_t k = left; k < pad; k++) sb_putc(&sb, fill);
        *out = pv_str(sb_cstr(&sb), sb.len);
        sb_free(&sb);
        return TS_OK;
    }
    if (nargs == 0 && (strcmp(m, "isdigit") == 0 || strcmp(m, "isalpha") == 0 || strcmp(m, "isalnum") == 0 ||
                       strcmp(m, "isspace") == 0 || strcmp(m, "isupper") == 0 || strcmp(m, "islower") == 0)) {
        bool r = n > 0, cased = false;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (strcmp(m, "isdigit") == 0) r &= isdigit(c) != 0;
            else if (strcmp(m, "isalpha") == 0) r &= isalpha(c) != 0;
            else if (strcmp(m, "isalnum") == 0) r &= isalnum(c) != 0;
            else if (strcmp(m, "isspace") == 0) r &= isspace(c) != 0;
            else if (strcmp(m, "isupper") == 0) { r &= !islower(c); cased |= isupper(c) != 0; }
            else { r &= !isupper(c); cased |= islower(c) != 0; }
        }
        if (strcmp(m, "isupper") == 0 || strcmp(m, "islower") == 0) r = r && cased;
        *out = pv_bool(r);
        return TS_OK;
    }
    if (nargs == 0 && (strcmp(m, "title") == 0 || strcmp(m, "capitalize") == 0 || strcmp(m, "swapcase") == 0)) {
        char *c = ts_strndup(s, n);
        bool start = true;
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)c[i];
            if (m[0] == 's') c[i] = (char)(isupper(ch) ? tolower(ch) : toupper(ch));
            else if (m[0] == 'c') c[i] = (char)(i == 0 ? toupper(ch) : tolower(ch));
            else {
                c[i] = (char)(start ? toupper(ch) : tolower(ch));
                start = !isalpha(ch);
            }
        }
        *out = pv_str(c, n);
        ts_free(c);
        return TS_OK;
    }
    if ((strcmp(m, "startswith") == 0 || strcmp(m, "endswith") == 0) && nargs == 1 && args[0].k == P_TUPLE) {
        bool r = false;
        for (int i = 0; i < pv_len(args[0]) && !r; i++) {
            PV p = pv_items(args[0])[i];
            if (p.k != P_STR) continue;
            size_t k = (size_t)p.iv.u.s->len;
            r = k <= n && memcmp(m[0] == 's' ? s : s + n - k, p.iv.u.s->data, k) == 0;
        }
        *out = pv_bool(r);
        return TS_OK;
    }
    *handled = false;
    return TS_OK;
}

ts_status py_builtin_more(Py *S, const char *name, PV *selfp, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                          const Span *sp, PV *out, bool *handled) {
    *out = pv_none();
    *handled = true;
    if (selfp) {
        PV self = *selfp;
        const char *dot = strchr(name, '.');
        const char *m = dot ? dot + 1 : name;
        if (self.k == P_LIST && strncmp(name, "list.", 5) == 0) return list_method(S, m, self, args, nargs, kwn, kwv, nkw, sp, out, handled);
        if (self.k == P_DICT && strncmp(name, "dict.", 5) == 0) return dict_method(S, m, self, args, nargs, kwn, kwv, nkw, sp, out, handled);
        if (self.k == P_STR && strncmp(name, "str.", 4) == 0) return str_method(S, m, self, args, nargs, kwn, kwv, nkw, sp, out, handled);
        *handled = false;
        return TS_OK;
    }
    if (strcmp(name, "sorted") == 0) return fn_sorted(S, args, nargs, kwn, kwv, nkw, sp, out);
    if (!nkw && (strcmp(name, "repr") == 0 || strcmp(name, "format") == 0) && nargs >= 1 && nargs <= 2) {
        StrBuf sb;
        sb_init(&sb);
        ts_status st = TS_OK;
        if (name[0] == 'r') pv_str_of(&sb, args[0], true);
        else st = py_format_value(S, &sb, args[0], nargs == 2 && args[1].k == P_STR ? args[1].iv.u.s->data : "", sp);
        if (st == TS_OK) *out = pv_str(sb_cstr(&sb), sb.len);
        sb_free(&sb);
        return st;
    }
    if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0) return fn_minmax(S, name[1] == 'a', args, nargs, kwn, kwv, nkw, sp, out);
    if (!nkw && (strcmp(name, "map") == 0 || strcmp(name, "filter") == 0)) return fn_map_filter(S, name[0] == 'm', args, nargs, sp, out);
    if (!nkw && strcmp(name, "set") == 0 && nargs <= 1) return fn_set(S, args, nargs, sp, out);
    if (!nkw && strcmp(name, "pow") == 0 && nargs == 3) return fn_pow3(S, args, sp, out);
    if (!nkw && strcmp(name, "round") == 0 && nargs == 2 && args[1].k != P_NONE) return fn_round(S, args, sp, out);
    if (strcmp(name, "enumerate") == 0 && nkw == 1 && strcmp(kwn[0], "start") == 0 && nargs == 1) {
        PV a[2] = {args[0], kwv[0]};
        return py_call_builtin(S, "enumerate", NULL, a, 2, NULL, NULL, 0, sp, out);
    }
    *handled = false;
    return TS_OK;
}
