/*
 * weights.c - `tscript show weights.pt` for files written by torch.save.
 *
 * One line per tensor: its dotted name (dict keys and list/tuple indices
 * joined by '.', as state_dict keys are), dtype and shape; numbers, strings,
 * bools and None in the containers get a line with their value; a last line
 * counts the tensors and their elements. Bytes from the file that are not
 * printable ASCII are escaped (\xNN), and long names and strings are cut.
 * Uses the public API only.
 */
#include "weights.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_NAME = 200, MAX_STR = 60 };

typedef struct Line {
    char *name;
    char *what; /* "float32  [2, 3]" or "int  3" */
} Line;

typedef struct Lines {
    Line *items;
    size_t n, cap;
    int64_t tensors, elements, bytes;
    bool oom;
} Lines;

/* Append s[0..n) to buf (of cap bytes, NUL-terminated), escaping
 * non-printable bytes; stops (with "...") before overflowing. */
static void put_escaped(char *buf, size_t cap, const char *s, size_t n) {
    size_t len = strlen(buf);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[8];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            snprintf(tmp, sizeof tmp, "%c", c);
        else
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
        size_t k = strlen(tmp);
        if (len + k + 4 >= cap) {
            memcpy(buf + len, "...", 4);
            return;
        }
        memcpy(buf + len, tmp, k + 1);
        len += k;
    }
}

static void add_line(Lines *ls, const char *name, const char *what) {
    if (ls->oom)
        return;
    if (ls->n == ls->cap) {
        size_t cap = ls->cap ? ls->cap * 2 : 32;
        Line *p = realloc(ls->items, cap * sizeof *p);
        if (!p) {
            ls->oom = true;
            return;
        }
        ls->items = p;
        ls->cap = cap;
    }
    Line *l = &ls->items[ls->n];
    l->name = strdup(name[0] ? name : "(root)");
    l->what = strdup(what);
    if (!l->name || !l->what) {
        free(l->name);
        free(l->what);
        ls->oom = true;
        return;
    }
    ls->n++;
}

static void walk(Lines *ls, const ts_value *v, const char *name) {
    char what[256];
    switch (ts_value_kind(v)) {
    case TS_KIND_TENSOR: {
        int nd = ts_tensor_ndim(v);
        ts_dtype dt = ts_tensor_dtype(v);
        int n = snprintf(what, sizeof what, "%-9s [", ts_dtype_name(dt));
        for (int d = 0; d < nd && n < (int)sizeof what - 24; d++)
            n += snprintf(what + n, sizeof what - (size_t)n, "%s%" PRId64, d ? ", " : "",
                          ts_tensor_size(v, d));
        snprintf(what + n, sizeof what - (size_t)n, "]");
        add_line(ls, name, what);
        int64_t numel = ts_tensor_numel(v);
        int64_t esize = dt == TS_FLOAT64 || dt == TS_INT64 ? 8
                        : dt == TS_FLOAT32 || dt == TS_INT32 ? 4
                        : dt == TS_FLOAT16 || dt == TS_BFLOAT16 || dt == TS_INT16 ? 2
                                                                                   : 1;
        ls->tensors++;
        ls->elements += numel;
        ls->bytes += numel * esize;
        return;
    }
    case TS_KIND_DICT:
    case TS_KIND_LIST:
    case TS_KIND_TUPLE: {
        bool dict = ts_value_kind(v) == TS_KIND_DICT;
        size_t len = ts_value_len(v);
        for (size_t i = 0; i < len; i++) {
            char child[MAX_NAME + 8] = "";
            if (name[0]) {
                put_escaped(child, MAX_NAME, name, strlen(name));
                put_escaped(child, MAX_NAME, ".", 1);
            }
            ts_value *key = dict ? ts_value_dict_key(v, i) : NULL;
            const char *ks = key ? ts_value_get_str(key) : NULL;
            char num[32];
            if (ks) {
                put_escaped(child, MAX_NAME, ks, strlen(ks));
            } else if (key && ts_value_kind(key) == TS_KIND_INT) {
                snprintf(num, sizeof num, "%" PRId64, ts_value_get_int(key));
                put_escaped(child, MAX_NAME, num, strlen(num));
            } else if (key) {
                char *r = ts_value_repr(key);
                if (r)
                    put_escaped(child, MAX_NAME, r, strlen(r));
                ts_string_free(r);
            } else {
                snprintf(num, sizeof num, "%zu", i);
                put_escaped(child, MAX_NAME, num, strlen(num));
            }
            ts_value *item = ts_value_item(v, i);
            if (item)
                walk(ls, item, child);
        }
        if (len == 0) {
            snprintf(what, sizeof what, "%-9s (empty)", dict ? "dict" : ts_value_kind(v) == TS_KIND_LIST ? "list" : "tuple");
            add_line(ls, name, what);
        }
        return;
    }
    case TS_KIND_STR: {
        const char *s = ts_value_get_str(v);
        char buf[MAX_STR + 8] = "";
        put_escaped(buf, MAX_STR, s, strlen(s));
        snprintf(what, sizeof what, "%-9s '%s'", "str", buf);
        add_line(ls, name, what);
        return;
    }
    default: {
        char *r = ts_value_repr(v);
        char buf[MAX_STR + 8] = "";
        if (r)
            put_escaped(buf, MAX_STR, r, strlen(r));
        ts_string_free(r);
        const char *kind = ts_value_kind(v) == TS_KIND_INT     ? "int"
                           : ts_value_kind(v) == TS_KIND_FLOAT ? "float"
                           : ts_value_kind(v) == TS_KIND_BOOL  ? "bool"
                           : ts_value_kind(v) == TS_KIND_NONE  ? "None"
                                                               : "value";
        if (ts_value_kind(v) == TS_KIND_NONE)
            snprintf(what, sizeof what, "None");
        else
            snprintf(what, sizeof what, "%-9s %s", kind, buf);
        add_line(ls, name, what);
        return;
    }
    }
}

int weights_show(const char *path) {
    ts_ctx *ctx;
    if (ts_ctx_new(NULL, &ctx) != TS_OK) {
        fprintf(stderr, "tscript: error: out of memory\n");
        return 1;
    }
    ts_value *v = NULL;
    if (ts_weights_load(ctx, path, &v) != TS_OK) {
        const char *msg = ts_ctx_error(ctx);
        int n = (int)strlen(msg);
        while (n > 0 && msg[n - 1] == '\n')
            n--;
        fprintf(stderr, "tscript: error: %.*s\n", n, msg);
        ts_ctx_free(ctx);
        return 1;
    }
    const char *notes = ts_ctx_notes(ctx);
    while (*notes) {
        const char *nl = strchr(notes, '\n');
        int n = nl ? (int)(nl - notes) : (int)strlen(notes);
        fprintf(stderr, "tscript: note: %s: %.*s\n", path, n, notes);
        notes += n + (nl ? 1 : 0);
    }
    Lines ls = {0};
    walk(&ls, v, "");
    int rc = 0;
    if (ls.oom) {
        fprintf(stderr, "tscript: error: out of memory\n");
        rc = 1;
    } else {
        size_t w = 0;
        for (size_t i = 0; i < ls.n; i++)
            if (strlen(ls.items[i].name) > w)
                w = strlen(ls.items[i].name);
        if (w > 60)
            w = 60;
        for (size_t i = 0; i < ls.n; i++)
            printf("%-*s  %s\n", (int)w, ls.items[i].name, ls.items[i].what);
        printf("total: %" PRId64 " tensor%s, %" PRId64 " parameters (%" PRId64 " bytes)\n", ls.tensors,
               ls.tensors == 1 ? "" : "s", ls.elements, ls.bytes);
        if (fflush(stdout) != 0) {
            fprintf(stderr, "tscript: error: cannot write to standard output\n");
            rc = 1;
        }
    }
    for (size_t i = 0; i < ls.n; i++) {
        free(ls.items[i].name);
        free(ls.items[i].what);
    }
    free(ls.items);
    ts_value_release(v);
    ts_ctx_free(ctx);
    return rc;
}
