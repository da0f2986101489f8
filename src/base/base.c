/*
 * base.c - allocation hook with live-block counting and failure injection,
 * the memory limit, arenas, string buffers, Python float repr and the string
 * hash map.
 *
 * The memory limit (ts_alloc_set_limit) counts the usable bytes of every live
 * ts_malloc block in the process. A fallible allocation (ts_malloc, ts_calloc,
 * ts_realloc) that would pass it returns NULL, and its caller reports
 * TS_ERR_NOMEM. An infallible one (ts_xmalloc: small boxes, compile-time
 * structures) still succeeds past the limit but raises this thread's
 * over-limit flag, which the interpreter checks after every op, call and loop
 * iteration and turns into TS_ERR_NOMEM: so a program that grows a list or a
 * string without bound stops with an error one allocation past the limit.
 * Only a real malloc failure in an infallible allocation still aborts.
 * The debug switch ts_alloc_fail_at(N) fails the Nth allocation of either
 * kind the same way.
 */
#include "base/base.h"

#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- allocation ---- */

static long g_live;
static long g_fail_countdown;
static size_t g_live_bytes, g_limit;
static __thread bool t_over_limit;

static bool should_fail(void) {
    if (g_fail_countdown <= 0) return false;
    return __atomic_sub_fetch(&g_fail_countdown, 1, __ATOMIC_RELAXED) == 0;
}

/* Would n more bytes pass the limit? */
static bool past_limit(size_t n) {
    size_t lim = __atomic_load_n(&g_limit, __ATOMIC_RELAXED);
    if (!lim) return false;
    size_t live = __atomic_load_n(&g_live_bytes, __ATOMIC_RELAXED);
    return n > lim || live > lim - n;
}

static void count_bytes(void *p, bool add) {
    size_t n = malloc_usable_size(p);
    if (add) __atomic_add_fetch(&g_live_bytes, n, __ATOMIC_RELAXED);
    else __atomic_sub_fetch(&g_live_bytes, n, __ATOMIC_RELAXED);
}

/* The Nth-allocation failure (ts_alloc_fail_at) makes a fallible allocation
 * return NULL; an infallible one succeeds and raises the over-limit flag, so
 * the same switch exercises the interpreter's out-of-memory paths too. */
static bool injected_failure(bool limited) {
    if (!should_fail()) return false;
    if (limited) return true;
    t_over_limit = true;
    return false;
}

static void *alloc(size_t count, size_t size, bool zero, bool limited) {
    size_t n;
    if (!ts_mul_ok(count ? count : 1, size ? size : 1, &n)) return NULL;
    if (injected_failure(limited)) return NULL;
    if (limited && past_limit(n)) return NULL;
    void *p = zero ? calloc(1, n) : malloc(n);
    if (!p) return NULL;
    __atomic_add_fetch(&g_live, 1, __ATOMIC_RELAXED);
    count_bytes(p, true);
    if (!limited && past_limit(0)) t_over_limit = true;
    return p;
}

static void *resize(void *p, size_t n, bool limited) {
    if (!p) return alloc(n, 1, false, limited);
    if (injected_failure(limited)) return NULL;
    size_t old = malloc_usable_size(p);
    if (limited && n > old && past_limit(n - old)) return NULL;
    void *q = realloc(p, n ? n : 1);
    if (!q) return NULL;
    __atomic_sub_fetch(&g_live_bytes, old, __ATOMIC_RELAXED);
    count_bytes(q, true);
    if (!limited && past_limit(0)) t_over_limit = true;
    return q;
}

void *ts_malloc(size_t n) { return alloc(n, 1, false, true); }
void *ts_calloc(size_t count, size_t size) { return alloc(count, size, true, true); }
void *ts_realloc(void *p, size_t n) { return resize(p, n, true); }

void ts_free(void *p) {
    if (!p) return;
    __atomic_sub_fetch(&g_live, 1, __ATOMIC_RELAXED);
    count_bytes(p, false);
    free(p);
}

char *ts_strndup(const char *s, size_t n) {
    char *d = ts_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *ts_strdup(const char *s) { return ts_strndup(s, strlen(s)); }

_Noreturn void ts_oom(void) {
    fputs("tscript: out of memory\n", stderr);
    abort();
}

void *ts_xmalloc(size_t n) {
    void *p = alloc(n, 1, false, false);
    if (!p) ts_oom();
    return p;
}

void *ts_xrealloc(void *p, size_t n) {
    void *q = resize(p, n, false);
    if (!q) ts_oom();
    return q;
}

long ts_alloc_live(void) { return __atomic_load_n(&g_live, __ATOMIC_RELAXED); }
size_t ts_alloc_live_bytes(void) { return __atomic_load_n(&g_live_bytes, __ATOMIC_RELAXED); }
void ts_alloc_set_limit(size_t bytes) { __atomic_store_n(&g_limit, bytes, __ATOMIC_RELAXED); }
size_t ts_alloc_limit(void) { return __atomic_load_n(&g_limit, __ATOMIC_RELAXED); }
bool ts_alloc_over_limit(void) { return t_over_limit; }
void ts_alloc_clear_over_limit(void) { t_over_limit = false; }
void ts_alloc_fail_at(long n) { __atomic_store_n(&g_fail_countdown, n, __ATOMIC_RELAXED); }
bool ts_alloc_fail_at_pending(void) { return __atomic_load_n(&g_fail_countdown, __ATOMIC_RELAXED) > 0; }

/* ---- arenas ---- */

struct ArenaBlock {
    ArenaBlock *next;
    size_t cap;
    _Alignas(16) unsigned char data[];
};

void arena_init(Arena *a) { memset(a, 0, sizeof *a); }

void arena_free(Arena *a) {
    ArenaBlock *b = a->head;
    while (b) {
        ArenaBlock *n = b->next;
        ts_free(b);
        b = n;
    }
    memset(a, 0, sizeof *a);
}

void *arena_alloc(Arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->used + n > a->cap) {
        size_t cap = n > 16384 ? n : 16384;
        ArenaBlock *b = ts_xmalloc(sizeof(ArenaBlock) + cap);
        b->next = a->head;
        b->cap = cap;
        a->head = b;
        a->used = 0;
        a->cap = cap;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
    char *d = arena_alloc(a, n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *arena_strdup(Arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(Arena *a, const char *fmt, ...) {
    StrBuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    char *r = arena_strndup(a, sb_cstr(&sb), sb.len);
    sb_free(&sb);
    return r;
}

/* ---- string buffers ---- */

void sb_init(StrBuf *sb) { memset(sb, 0, sizeof *sb); }
void sb_free(StrBuf *sb) {
    ts_free(sb->data);
    sb_init(sb);
}
void sb_clear(StrBuf *sb) {
    sb->len = 0;
    if (sb->data) sb->data[0] = 0;
}

static void sb_reserve(StrBuf *sb, size_t extra) {
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need) cap *= 2;
    sb->data = ts_xrealloc(sb->data, cap);
    sb->cap = cap;
}

void sb_putn(StrBuf *sb, const char *s, size_t n) {
    sb_reserve(sb, n);
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = 0;
}
void sb_putc(StrBuf *sb, char c) { sb_putn(sb, &c, 1); }
void sb_puts(StrBuf *sb, const char *s) { sb_putn(sb, s, strlen(s)); }

void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return;
    sb_reserve(sb, (size_t)n);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void sb_printf(StrBuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

char *sb_steal(StrBuf *sb) {
    char *s = sb->data;
    if (!s) s = ts_strdup("");
    sb_init(sb);
    return s;
}

/* Python's float repr: the shortest "%.{p}g" that round-trips, then Python's
 * layout rules (exponent when exp < -4 or exp >= 16, ".0" for integral values). */
void sb_put_pyfloat(StrBuf *sb, double v) {
    if (isnan(v)) { sb_puts(sb, "nan"); return; }
    if (isinf(v)) { sb_puts(sb, v < 0 ? "-inf" : "inf"); return; }
    char buf[64];
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, v);
        if (strtod(buf, NULL) == v) break;
    }
    /* buf is d.ddde[+-]XX with p significant digits */
    char digits[32];
    int nd = 0;
    const char *c = buf;
    bool neg = false;
    if (*c == '-') { neg = true; c++; }
    for (; *c && *c != 'e'; c++)
        if (*c >= '0' && *c <= '9') digits[nd++] = *c;
    int exp = atoi(c + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (neg) sb_putc(sb, '-');
    if (exp < -4 || exp >= 16) {
        sb_putc(sb, digits[0]);
        if (nd > 1) {
            sb_putc(sb, '.');
            sb_putn(sb, digits + 1, (size_t)nd - 1);
        }
        sb_printf(sb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else if (exp < 0) {
        sb_puts(sb, "0.");
        for (int i = 0; i < -exp - 1; i++) sb_putc(sb, '0');
        sb_putn(sb, digits, (size_t)nd);
    } else {
        for (int i = 0; i <= exp; i++) sb_putc(sb, i < nd ? digits[i] : '0');
        sb_putc(sb, '.');
        if (nd > exp + 1) sb_putn(sb, digits + exp + 1, (size_t)(nd - exp - 1));
        else sb_putc(sb, '0');
    }
}

/* ---- hash map ---- */

void strmap_init(StrMap *m) { memset(m, 0, sizeof *m); }

void strmap_free(StrMap *m) {
    for (int i = 0; i < m->cap; i++) ts_free(m->slots[i].key);
    ts_free(m->slots);
    strmap_init(m);
}

static StrMapEntry *find_slot(const StrMap *m, const char *key, size_t n, uint64_t h) {
    int mask = m->cap - 1;
    for (int i = (int)(h & (uint64_t)mask);; i = (i + 1) & mask) {
        StrMapEntry *e = &m->slots[i];
        if (!e->key) return e;
        if (e->hash == h && strlen(e->key) == n && memcmp(e->key, key, n) == 0) return e;
    }
}

void *strmap_getn(const StrMap *m, const char *key, size_t n) {
    if (!m->cap) return NULL;
    StrMapEntry *e = find_slot(m, key, n, ts_hash_bytes(key, n));
    return e->key ? e->value : NULL;
}

void *strmap_get(const StrMap *m, const char *key) { return strmap_getn(m, key, strlen(key)); }

void strmap_put(StrMap *m, const char *key, void *value) {
    if ((m->len + 1) * 4 >= m->cap * 3) {
        StrMap old = *m;
        m->cap = old.cap ? old.cap * 2 : 16;
        m->slots = ts_xmalloc(sizeof(StrMapEntry) * (size_t)m->cap);
        memset(m->slots, 0, sizeof(StrMapEntry) * (size_t)m->cap);
        for (int i = 0; i < old.cap; i++)
            if (old.slots[i].key) *find_slot(m, old.slots[i].key, strlen(old.slots[i].key), old.slots[i].hash) = old.slots[i];
        ts_free(old.slots);
    }
    size_t n = strlen(key);
    uint64_t h = ts_hash_bytes(key, n);
    StrMapEntry *e = find_slot(m, key, n, h);
    if (!e->key) {
        e->key = ts_strndup(key, n);
        e->hash = h;
        m->len++;
    }
    e->value = value;
}
