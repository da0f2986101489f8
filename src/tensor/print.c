/*
 * print.c - tensor_repr: a tensor printed exactly as PyTorch 1.13's
 * repr(tensor) prints it (torch/_tensor_str.py with the default options:
 * precision 4, linewidth 80, threshold 1000, edgeitems 3).
 *
 * The structure follows _tensor_str.py function for function:
 *   formatter_init   = _Formatter.__init__  (int_mode / sci_mode / max_width)
 *   format_value     = _Formatter.format
 *   put_vector       = _vector_str
 *   put_tensor       = _tensor_str_with_formatter
 *   tensor_repr      = _str_intern + _add_suffixes
 * When the tensor has more than `threshold` elements it is summarised: only
 * the first and last `edgeitems` entries of each long dimension are visited,
 * both for choosing the format and for printing. float16/bfloat16 print as
 * their float values; values are formatted from their exact double value, as
 * Python's float formatting does.
 */
#include "tensor/tensor.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

enum { PRECISION = 4, THRESHOLD = 1000, EDGEITEMS = 3, LINEWIDTH = 80 };

typedef struct Formatter {
    bool int_mode, sci_mode;
    int max_width;
} Formatter;

typedef struct Printer {
    const Tensor *t;
    bool summarize;
    bool is_bool, floating;
    size_t esize;
    const char *base;
    Formatter f;
    /* formatter statistics */
    int64_t nfinite;
    double min_abs, max_abs;
    int pass;
} Printer;

static double load_f(const Printer *p, int64_t off) {
    return dtype_load_f64(p->t->dtype, p->base + off * (int64_t)p->esize);
}

/* ---- element formatting ---- */

/* Python's "{:.Nf}" / "{:.Ne}" / "{:.0f}" of a float; nan and inf as Python spells them. */
static int fmt_float(char *buf, size_t n, double v, char conv, int prec) {
    if (isnan(v)) return snprintf(buf, n, "nan");
    if (isinf(v)) return snprintf(buf, n, v < 0 ? "-inf" : "inf");
    return conv == 'e' ? snprintf(buf, n, "%.*e", prec, v) : snprintf(buf, n, "%.*f", prec, v);
}

/* The unpadded text of one element. */
static int elem_text(const Printer *p, char *buf, size_t n, int64_t off) {
    const Tensor *t = p->t;
    if (!p->floating) {
        if (p->is_bool) return snprintf(buf, n, "%s", load_f(p, off) != 0 ? "True" : "False");
        int64_t v = dtype_load_i64(t->dtype, p->base + off * (int64_t)p->esize);
        return snprintf(buf, n, "%" PRId64, v);
    }
    double v = load_f(p, off);
    if (p->f.sci_mode) return fmt_float(buf, n, v, 'e', PRECISION);
    if (p->f.int_mode) {
        int k = fmt_float(buf, n, v, 'f', 0);
        if (!isinf(v) && !isnan(v) && k + 1 < (int)n) {
            buf[k++] = '.';
            buf[k] = 0;
        }
        return k;
    }
    return fmt_float(buf, n, v, 'f', PRECISION);
}

static void put_elem(StrBuf *sb, const Printer *p, int64_t off) {
    char buf[512];
    int k = elem_text(p, buf, sizeof buf, off);
    for (int i = k; i < p->f.max_width; i++) sb_putc(sb, ' ');
    sb_puts(sb, buf);
}

/* ---- the formatter: visit the (summarised) elements ---- */

typedef void (*VisitFn)(Printer *p, int64_t off);

static void visit(Printer *p, int dim, int64_t off, VisitFn fn) {
    const Tensor *t = p->t;
    if (dim == t->ndim) {
        fn(p, off);
        return;
    }
    int64_t n = t->sizes[dim], st = t->strides[dim];
    if (p->summarize && n > 2 * EDGEITEMS) {
        for (int64_t i = 0; i < EDGEITEMS; i++) visit(p, dim + 1, off + i * st, fn);
        for (int64_t i = n - EDGEITEMS; i < n; i++) visit(p, dim + 1, off + i * st, fn);
    } else {
        for (int64_t i = 0; i < n; i++) visit(p, dim + 1, off + i * st, fn);
    }
}

static void stat_elem(Printer *p, int64_t off) {
    if (!p->floating) {
        char buf[64];
        int k = elem_text(p, buf, sizeof buf, off);
        if (k > p->f.max_width) p->f.max_width = k;
        return;
    }
    double v = load_f(p, off);
    if (!isfinite(v) || v == 0) return;
    if (p->pass == 0) {
        double a = fabs(v);
        if (p->nfinite == 0 || a < p->min_abs) p->min_abs = a;
        if (p->nfinite == 0 || a > p->max_abs) p->max_abs = a;
        p->nfinite++;
        if (v != ceil(v)) p->f.int_mode = false;
        return;
    }
    char buf[512];
    int k;
    if (p->f.sci_mode) k = fmt_float(buf, sizeof buf, v, 'e', PRECISION);
    else if (p->f.int_mode) k = fmt_float(buf, sizeof buf, v, 'f', 0) + 1;
    else k = fmt_float(buf, sizeof buf, v, 'f', PRECISION);
    if (k > p->f.max_width) p->f.max_width = k;
}

static void formatter_init(Printer *p) {
    p->f.int_mode = true;
    p->f.sci_mode = false;
    p->f.max_width = 1;
    p->nfinite = 0;
    p->pass = 0;
    int64_t off0 = 0;
    visit(p, 0, off0, stat_elem);
    if (!p->floating || p->nfinite == 0) return;
    double ratio = p->max_abs / p->min_abs;
    if (p->f.int_mode) p->f.sci_mode = ratio > 1000.0 || p->max_abs > 1.0e8;
    else p->f.sci_mode = ratio > 1000.0 || p->max_abs > 1.0e8 || p->min_abs < 1.0e-4;
    p->pass = 1;
    visit(p, 0, off0, stat_elem);
}

/* ---- layout ---- */

static void put_spaces(StrBuf *sb, int n) {
    for (int i = 0; i < n; i++) sb_putc(sb, ' ');
}

static void put_vector(StrBuf *sb, const Printer *p, int dim, int64_t off, int indent) {
    const Tensor *t = p->t;
    int element_length = p->f.max_width + 2;
    int room = LINEWIDTH - indent;
    int per_line = room > 0 ? room / element_length : 0;
    if (per_line < 1) per_line = 1;
    int64_t n = t->sizes[dim], st = t->strides[dim];
    bool cut = p->summarize && n > 2 * EDGEITEMS;
    int64_t count = cut ? 2 * EDGEITEMS + 1 : n;
    sb_putc(sb, '[');
    for (int64_t k = 0; k < count; k++) {
        if (k > 0) {
            if (k % per_line == 0) {
                sb_puts(sb, ",\n");
                put_spaces(sb, indent + 1);
            } else {
                sb_puts(sb, ", ");
            }
        }
        if (cut && k == EDGEITEMS) sb_puts(sb, " ...");
        else {
            int64_t i = cut && k > EDGEITEMS ? n - (count - k) : k;
            put_elem(sb, p, off + i * st);
        }
    }
    sb_putc(sb, ']');
}

static void put_tensor(StrBuf *sb, const Printer *p, int dim, int64_t off, int indent) {
    const Tensor *t = p->t;
    int rest = t->ndim - dim;
    if (rest == 0) {
        put_elem(sb, p, off);
        return;
    }
    if (rest == 1) {
        put_vector(sb, p, dim, off, indent);
        return;
    }
    int64_t n = t->sizes[dim], st = t->strides[dim];
    bool cut = p->summarize && n > 2 * EDGEITEMS;
    int64_t count = cut ? 2 * EDGEITEMS + 1 : n;
    sb_putc(sb, '[');
    for (int64_t k = 0; k < count; k++) {
        if (k > 0) {
            sb_putc(sb, ',');
            for (int i = 0; i < rest - 1; i++) sb_putc(sb, '\n');
            put_spaces(sb, indent + 1);
        }
        if (cut && k == EDGEITEMS) sb_puts(sb, "...");
        else {
            int64_t i = cut && k > EDGEITEMS ? n - (count - k) : k;
            put_tensor(sb, p, dim + 1, off + i * st, indent + 1);
        }
    }
    sb_putc(sb, ']');
}

/* _add_suffixes: each suffix goes on the same line unless it would pass the line width. */
static void add_suffixes(StrBuf *sb, size_t start, char suffixes[][64], int n, int indent) {
    const char *s = sb->data + start;
    size_t len = sb->len - start;
    const char *nl = NULL;
    for (size_t i = len; i > 0; i--)
        if (s[i - 1] == '\n') {
            nl = s + i - 1;
            break;
        }
    long last_line_len = nl ? (long)len - (long)(nl - s) + 1 : (long)len + 2;
    for (int i = 0; i < n; i++) {
        long slen = (long)strlen(suffixes[i]);
        if (last_line_len + slen + 2 > LINEWIDTH) {
            sb_puts(sb, ",\n");
            put_spaces(sb, indent);
            last_line_len = indent + slen;
        } else {
            sb_puts(sb, ", ");
            last_line_len += slen + 2;
        }
        sb_puts(sb, suffixes[i]);
    }
    sb_putc(sb, ')');
}

void tensor_repr(StrBuf *sb, const Tensor *t) {
    static const char prefix[] = "tensor(";
    const int indent = (int)sizeof prefix - 1;
    size_t start = sb->len;
    sb_puts(sb, prefix);
    char suffixes[3][64];
    int nsuf = 0;
    int64_t numel = tensor_numel(t);
    if (numel == 0) {
        if (t->ndim != 1) {
            StrBuf shp;
            sb_init(&shp);
            sb_putc(&shp, '(');
            for (int d = 0; d < t->ndim; d++) sb_printf(&shp, d ? ", %" PRId64 : "%" PRId64, t->sizes[d]);
            sb_putc(&shp, ')'); /* ndim >= 2 here: no 1-tuple comma needed */
            snprintf(suffixes[nsuf++], 64, "size=%s", sb_cstr(&shp));
            sb_free(&shp);
        }
        if (t->dtype != DT_FLOAT32) snprintf(suffixes[nsuf++], 64, "dtype=torch.%s", dtype_name(t->dtype));
        sb_puts(sb, "[]");
    } else {
        if (t->dtype != DT_FLOAT32 && t->dtype != DT_INT64 && t->dtype != DT_BOOL)
            snprintf(suffixes[nsuf++], 64, "dtype=torch.%s", dtype_name(t->dtype));
        Printer p;
        memset(&p, 0, sizeof p);
        p.t = t;
        p.summarize = numel > THRESHOLD;
        p.is_bool = t->dtype == DT_BOOL;
        p.floating = dtype_is_float(t->dtype);
        p.esize = dtype_size(t->dtype);
        p.base = (const char *)t->storage->data + t->storage_offset * (int64_t)p.esize;
        formatter_init(&p);
        put_tensor(sb, &p, 0, 0, indent);
    }
    if (t->grad_fn) snprintf(suffixes[nsuf++], 64, "grad_fn=<%s>", t->grad_fn);
    else if (t->requires_grad) snprintf(suffixes[nsuf++], 64, "requires_grad=True");
    add_suffixes(sb, start, suffixes, nsuf, indent);
}
