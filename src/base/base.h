/*
 * base.h - the bottom layer: allocation hook, checked arithmetic, growable
 * arrays, arenas, string buffers and a string-keyed hash map.
 *
 * Everything above uses ts_malloc/ts_free so a debug build can count live
 * blocks (ts_alloc_live) and fail the Nth allocation (ts_alloc_fail_at).
 * Compile-time data (AST, IR, types) lives in arenas freed in one call.
 */
#ifndef TS_BASE_H
#define TS_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tscript/tscript.h"

#define TS_MUST_CHECK __attribute__((warn_unused_result))
#define TS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define TS_UNUSED(x) ((void)(x))
#define TS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define TS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define TS_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Limits on what an input may ask for. */
enum {
    TS_MAX_DIMS = 16,          /* tensor rank */
    TS_MAX_CALL_DEPTH = 256,   /* nested method calls at run time */
    TS_MAX_PARSE_DEPTH = 200,  /* nested expressions / blocks in source */
};

/* ---- allocation ---- */

void *ts_malloc(size_t n);
void *ts_calloc(size_t count, size_t size);
void *ts_realloc(void *p, size_t n);
void ts_free(void *p);
char *ts_strdup(const char *s);
char *ts_strndup(const char *s, size_t n);
/* For compile-time structures where running out of memory is not recoverable:
 * abort with a message instead of returning NULL. */
void *ts_xmalloc(size_t n);
/* Once per process: glibc malloc keeps freed large buffers for reuse
 * instead of unmapping them (base/malloc_tune.c; TSCRIPT_MALLOC_TUNE=0: not). */
void base_malloc_tune(void);
void *ts_xrealloc(void *p, size_t n);
_Noreturn void ts_oom(void);

/* Debug counters (always compiled; cheap). */
long ts_alloc_live(void);
/* Make the Nth allocation from now fail (0 disables). */
void ts_alloc_fail_at(long n);
/* Is that failure still to come (fewer than N allocations since)? */
bool ts_alloc_fail_at_pending(void);

/* The memory limit (base.c): usable bytes of all live blocks in the process,
 * 0 for none. Past it ts_malloc/ts_calloc/ts_realloc return NULL, and
 * ts_xmalloc/ts_xrealloc succeed but raise this thread's over-limit flag,
 * which the interpreter turns into TS_ERR_NOMEM. */
void ts_alloc_set_limit(size_t bytes);
size_t ts_alloc_limit(void);
size_t ts_alloc_live_bytes(void);
bool ts_alloc_over_limit(void);
void ts_alloc_clear_over_limit(void);

/* ---- checked arithmetic: return false on overflow ---- */

static inline bool ts_mul_ok(size_t a, size_t b, size_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool ts_add_ok(size_t a, size_t b, size_t *out) {
    return !__builtin_add_overflow(a, b, out);
}
static inline bool ts_mul_i64_ok(int64_t a, int64_t b, int64_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool ts_add_i64_ok(int64_t a, int64_t b, int64_t *out) {
    return !__builtin_add_overflow(a, b, out);
}
static inline bool ts_sub_i64_ok(int64_t a, int64_t b, int64_t *out) {
    return !__builtin_sub_overflow(a, b, out);
}
/* ceil(a / b) for a >= 0, b > 0, without forming a + b - 1. */
static inline int64_t ts_ceil_div_i64(int64_t a, int64_t b) { return a == 0 ? 0 : (a - 1) / b + 1; }

/* ---- growable arrays: struct { T *data; int len, cap; } ---- */

#define VEC(T) struct { T *data; int len, cap; }
#define vec_push(v, x)                                                                 \
    do {                                                                               \
        if ((v)->len == (v)->cap) {                                                    \
            (v)->cap = (v)->cap ? (v)->cap * 2 : 8;                                    \
            (v)->data = ts_xrealloc((v)->data, (size_t)(v)->cap * sizeof(*(v)->data)); \
        }                                                                              \
        (v)->data[(v)->len++] = (x);                                                   \
    } while (0)
#define vec_free(v) (ts_free((v)->data), (v)->data = NULL, (v)->len = (v)->cap = 0)

/* ---- arenas ---- */

typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
    ArenaBlock *head;
    size_t used, cap;
} Arena;

void arena_init(Arena *a);
void arena_free(Arena *a);
/* Zeroed, 16-byte aligned memory that lives until arena_free. */
void *arena_alloc(Arena *a, size_t n);
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) TS_PRINTF(2, 3);
#define arena_new(a, T) ((T *)arena_alloc((a), sizeof(T)))
#define arena_array(a, T, n) ((T *)arena_alloc((a), sizeof(T) * (size_t)(n)))

/* ---- string buffers ---- */

typedef struct StrBuf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len, cap;
} StrBuf;

void sb_init(StrBuf *sb);
void sb_free(StrBuf *sb);
void sb_clear(StrBuf *sb);
void sb_putc(StrBuf *sb, char c);
void sb_puts(StrBuf *sb, const char *s);
void sb_putn(StrBuf *sb, const char *s, size_t n);
void sb_printf(StrBuf *sb, const char *fmt, ...) TS_PRINTF(2, 3);
void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap);
/* Take the buffer's string (caller frees with ts_free); leaves sb empty. */
char *sb_steal(StrBuf *sb);
/* The contents, "" when empty. */
static inline const char *sb_cstr(const StrBuf *sb) { return sb->data ? sb->data : ""; }

/* Append text[0..n) made safe for a terminal (escape.c): printable ASCII
 * and valid printable UTF-8 as is; other bytes as \n \t \r \xNN, C1
 * controls as \u0080..\u009f. With TS_ESC_KEEP_LINES, newlines and tabs
 * stay (multi-line text: messages, code). Returns the bytes appended. */
enum { TS_ESC_KEEP_LINES = 1 };
size_t sb_put_escaped(StrBuf *sb, const char *text, size_t n, unsigned flags);
/* Whether sb_put_escaped would change text. */
bool ts_needs_escape(const char *text, size_t n, unsigned flags);

/* Format a double as Python's repr() does (shortest round-trip, "1.0", "inf"). */
void sb_put_pyfloat(StrBuf *sb, double v);

/* ---- string-keyed hash map (keys are copied, values are borrowed) ---- */

typedef struct StrMapEntry {
    char *key; /* NULL: empty slot */
    void *value;
    uint64_t hash;
} StrMapEntry;

typedef struct StrMap {
    StrMapEntry *slots;
    int cap, len;
} StrMap;

/* Keyed hashes (hash.c): SipHash-1-3 under a key drawn once per process, so
 * file-controlled keys cannot be chosen to collide. Values differ between
 * runs. ts_hash_u64 hashes the 8 bytes of an integer. */
uint64_t ts_hash_bytes(const void *p, size_t n);
uint64_t ts_hash_u64(uint64_t x);
/* The raw functions under an explicit key (k0, k1: the key's two
 * little-endian halves), for tests against the reference vectors. */
uint64_t ts_siphash13(uint64_t k0, uint64_t k1, const void *data, size_t n);
uint64_t ts_siphash24(uint64_t k0, uint64_t k1, const void *data, size_t n);
void strmap_init(StrMap *m);
void strmap_free(StrMap *m);
void *strmap_get(const StrMap *m, const char *key);
void *strmap_getn(const StrMap *m, const char *key, size_t n);
/* Insert or replace. */
void strmap_put(StrMap *m, const char *key, void *value);

#endif
