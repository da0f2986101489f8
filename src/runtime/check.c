/*
 * check.c - `tscript check`: what in a loaded module tscript cannot run.
 *
 * An archive's unit is lazy (frontend/unit.h), so whatever the compiler could
 * not bind is in the graphs: NK_UNRESOLVED nodes (ops the registry lacks) and
 * NK_FAIL nodes (statements or methods it could not compile). This walks
 * every compiled function, groups those nodes by op name or message (first
 * seen first) and lists each group's source locations, deduplicated (a
 * loop unrolled over a tuple repeats its body's spans).
 *
 * A statement that failed only because it used the result of a missing op
 * (whose type the compiler guessed) is not a problem of its own: it is
 * listed after the missing ops as a note, and counted only when no missing
 * op is listed.
 */
#include "runtime/module.h"

typedef enum Kind { K_OP, K_CONSTRUCT, K_NOTE } Kind;

typedef struct Problem {
    const char *key;   /* op name (NK_UNRESOLVED) or message (NK_FAIL) */
    Kind kind;
    VEC(Span) spans;
} Problem;

typedef struct Checker {
    VEC(Problem) items;
    long nops;
} Checker;

static bool same_span(Span a, Span b) { return a.src == b.src && a.start == b.start && a.end == b.end; }

static void add(Checker *c, const char *key, Kind kind, Span sp) {
    Problem *p = NULL;
    for (int i = 0; i < c->items.len && !p; i++)
        if (c->items.data[i].kind == kind && strcmp(c->items.data[i].key, key) == 0) p = &c->items.data[i];
    if (!p) {
        Problem np = {key, kind, {0}};
        vec_push(&c->items, np);
        p = &c->items.data[c->items.len - 1];
    }
    for (int i = 0; i < p->spans.len; i++)
        if (same_span(p->spans.data[i], sp)) return;
    vec_push(&p->spans, sp);
}

static void walk(Checker *c, const Block *b, int depth) {
    for (Node *n = b->param->next; n != b->ret; n = n->next) {
        if (n->kind == NK_OP) c->nops++;
        if (n->kind == NK_UNRESOLVED) {
            c->nops++;
            add(c, n->name, K_OP, n->span);
        } else if (n->kind == NK_FAIL) {
            add(c, n->text, n->after_unresolved ? K_NOTE : K_CONSTRUCT, n->span);
        }
        if (depth < TS_MAX_PARSE_DEPTH * 2)
            for (int k = 0; k < n->nblocks; k++) walk(c, n->blocks[k], depth + 1);
    }
}

/* The first line of an archive-derived text, control bytes escaped. */
static void put_line(StrBuf *sb, const char *s) {
    for (; *s && *s != '\n'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch == 0x7f) sb_printf(sb, "\\x%02x", ch);
        else sb_putc(sb, (char)ch);
    }
}

static void put_problem(StrBuf *sb, const Problem *p, bool have_ops) {
    if (p->kind == K_OP) {
        const char *sep = strstr(p->key, "::");
        sb_puts(sb, "missing op ");
        put_line(sb, p->key);
        if (strncmp(p->key, "aten::", 6) == 0) {
            sb_puts(sb, " (torch.");
            put_line(sb, p->key + 6);
            sb_putc(sb, ')');
        } else if (sep) {
            sb_printf(sb, " (ops.%.*s.", (int)(sep - p->key), p->key);
            put_line(sb, sep + 2);
            sb_putc(sb, ')');
        }
    } else {
        sb_puts(sb, p->kind == K_NOTE && have_ops ? "then, using a missing op's result: " : "cannot compile: ");
        put_line(sb, p->key);
    }
    sb_printf(sb, ", %d place%s:\n", p->spans.len, p->spans.len == 1 ? "" : "s");
    for (int k = 0; k < p->spans.len; k++) {
        sb_puts(sb, "  ");
        if (p->spans.data[k].src) {
            StrBuf loc;
            sb_init(&loc);
            span_format_loc(&loc, p->spans.data[k]);
            put_line(sb, sb_cstr(&loc));
            sb_free(&loc);
        } else {
            sb_puts(sb, "<unknown location>");
        }
        sb_putc(sb, '\n');
    }
}

int module_check(StrBuf *sb, const Module *m) {
    Checker c = {{0}, 0};
    int nmethods = 0, nfree = 0;
    for (int i = 0; i < m->unit->fns.len; i++) {
        const Function *fn = m->unit->fns.data[i];
        if (!fn->graph) continue;
        if (fn->owner) nmethods++;
        else nfree++;
        walk(&c, fn->graph->block, 0);
    }
    int nops = 0, nconstructs = 0, nnotes = 0;
    for (int i = 0; i < c.items.len; i++) {
        Kind k = c.items.data[i].kind;
        nops += k == K_OP;
        nconstructs += k == K_CONSTRUCT;
        nnotes += k == K_NOTE;
    }
    /* missing ops first, then constructs, then what follows from the ops */
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < c.items.len; i++) {
            Problem *p = &c.items.data[i];
            if ((int)p->kind != pass) continue;
            put_problem(sb, p, nops > 0);
        }
    int n = nops + nconstructs + (nops ? 0 : nnotes);
    if (n == 0) {
        sb_printf(sb, "OK: %d method%s, ", nmethods, nmethods == 1 ? "" : "s");
        if (nfree) sb_printf(sb, "%d function%s, ", nfree, nfree == 1 ? "" : "s");
        sb_printf(sb, "%ld op call%s: tscript can run all of them\n", c.nops, c.nops == 1 ? "" : "s");
    }
    for (int i = 0; i < c.items.len; i++) vec_free(&c.items.data[i].spans);
    vec_free(&c.items);
    return n;
}
