/*
 * serialize_util.h - helpers shared by test_zip.c and test_pickle.c: a
 * context on the stack, test data files, a deterministic PRNG and a tiny zip
 * writer for hand-made (often deliberately broken) archives.
 *
 * Test data lives in tests/data/serialize/ (made by make_data.py there) and
 * fuzz regressions in tests/fuzz/regress/; tests/ is found from this file's
 * path, or from $TS_TEST_DIR.
 */
#ifndef TS_TEST_SERIALIZE_UTIL_H
#define TS_TEST_SERIALIZE_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "base/diag.h"

static inline void tctx_init(Ctx *ctx) { memset(ctx, 0, sizeof *ctx); }
static inline void tctx_free(Ctx *ctx) {
    ctx_dispose(ctx);
}

/* "<repo>/tests/<rel>" into buf ($TS_TEST_DIR overrides where tests/ is). */
static inline const char *tests_path(char *buf, size_t cap, const char *rel) {
    const char *env = getenv("TS_TEST_DIR");
    if (env) {
        snprintf(buf, cap, "%s/%s", env, rel);
        return buf;
    }
    const char *file = __FILE__;
    const char *cut = strstr(file, "unit/serialize_util.h");
    int n = cut ? (int)(cut - file) : 0;
    snprintf(buf, cap, "%.*s%s%s", n, file, cut ? "" : "tests/", rel);
    return buf;
}

/* "<repo>/tests/data/serialize/<name>" into buf. */
static inline const char *data_path(char *buf, size_t cap, const char *name) {
    char rel[512];
    snprintf(rel, sizeof rel, "data/serialize/%s", name);
    return tests_path(buf, cap, rel);
}

/* Call fn(path) for each regular file in <repo>/tests/<reldir>, sorted by name. */
static inline int tests_for_each_file(const char *reldir, void (*fn)(const char *path)) {
    char dir[1024];
    tests_path(dir, sizeof dir, reldir);
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) return 0;
    int count = 0;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            char path[1400];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            fn(path);
            count++;
        }
        free(names[i]);
    }
    free(names);
    return count;
}

/* The whole file (malloc'd, libc allocator so it does not count as a live
 * tscript block), or NULL. */
static inline uint8_t *slurp_path(const char *path, size_t *n) {
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open test data %s\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return buf;
}

static inline uint8_t *slurp(const char *name, size_t *n) {
    char path[1024];
    return slurp_path(data_path(path, sizeof path, name), n);
}

/* xorshift64*: the same mutations on every run. */
static inline uint64_t prng_next(uint64_t *s) {
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 2685821657736338717ull;
}

/* ---- a minimal zip writer ---- */

typedef struct TZipEntry {
    const char *name;
    const void *data;
    size_t size;
    int method;          /* 0 stored, 8 deflate (compressed here) */
    /* Deliberate damage: */
    int64_t usize_delta; /* added to the declared uncompressed size */
    uint32_t crc_xor;    /* xored into the stored CRC */
    uint16_t extra_flags;
    const char *local_name; /* a different name in the local header */
} TZipEntry;

typedef struct TBuf {
    uint8_t *p;
    size_t len, cap;
} TBuf;

static inline void tb_put(TBuf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
}
static inline void tb_u16(TBuf *b, uint32_t v) {
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    tb_put(b, x, 2);
}
static inline void tb_u32(TBuf *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    tb_put(b, x, 4);
}

/* Raw deflate of data (malloc'd). */
static inline uint8_t *tdeflate(const void *data, size_t n, size_t *out_n) {
    z_stream s;
    memset(&s, 0, sizeof s);
    deflateInit2(&s, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&s, (uLong)n);
    uint8_t *out = malloc(cap ? cap : 1);
    s.next_in = (Bytef *)data;
    s.avail_in = (uInt)n;
    s.next_out = out;
    s.avail_out = (uInt)cap;
    deflate(&s, Z_FINISH);
    *out_n = s.total_out;
    deflateEnd(&s);
    return out;
}

/* Build a classic (non-zip64) archive; returns malloc'd bytes. */
static inline uint8_t *tzip_build(const TZipEntry *es, int n, size_t *out_n) {
    TBuf b = {0}, cd = {0};
    for (int i = 0; i < n; i++) {
        const TZipEntry *e = &es[i];
        size_t csize = e->size;
        uint8_t *comp = NULL;
        const void *payload = e->data;
        if (e->method == 8) {
            comp = tdeflate(e->data, e->size, &csize);
            payload = comp;
        }
        uint32_t crc = (uint32_t)crc32(0, e->data, (uInt)e->size) ^ e->crc_xor;
        uint32_t usize = (uint32_t)((int64_t)e->size + e->usize_delta);
        uint32_t off = (uint32_t)b.len;
        const char *lname = e->local_name ? e->local_name : e->name;
        tb_u32(&b, 0x04034b50);
        tb_u16(&b, 20);
        tb_u16(&b, e->extra_flags);
        tb_u16(&b, (uint32_t)e->method);
        tb_u16(&b, 0);
        tb_u16(&b, 0);
        tb_u32(&b, crc);
        tb_u32(&b, (uint32_t)csize);
        tb_u32(&b, usize);
        tb_u16(&b, (uint32_t)strlen(lname));
        tb_u16(&b, 0);
        tb_put(&b, lname, strlen(lname));
        tb_put(&b, payload, csize);
        free(comp);

        tb_u32(&cd, 0x02014b50);
        tb_u16(&cd, 20);
        tb_u16(&cd, 20);
        tb_u16(&cd, e->extra_flags);
        tb_u16(&cd, (uint32_t)e->method);
        tb_u16(&cd, 0);
        tb_u16(&cd, 0);
        tb_u32(&cd, crc);
        tb_u32(&cd, (uint32_t)csize);
        tb_u32(&cd, usize);
        tb_u16(&cd, (uint32_t)strlen(e->name));
        tb_u16(&cd, 0);
        tb_u16(&cd, 0);
        tb_u16(&cd, 0);
        tb_u16(&cd, 0);
        tb_u32(&cd, 0);
        tb_u32(&cd, off);
        tb_put(&cd, e->name, strlen(e->name));
    }
    uint32_t cd_off = (uint32_t)b.len;
    tb_put(&b, cd.p, cd.len);
    tb_u32(&b, 0x06054b50);
    tb_u16(&b, 0);
    tb_u16(&b, 0);
    tb_u16(&b, (uint32_t)n);
    tb_u16(&b, (uint32_t)n);
    tb_u32(&b, (uint32_t)cd.len);
    tb_u32(&b, cd_off);
    tb_u16(&b, 0);
    free(cd.p);
    *out_n = b.len;
    return b.p;
}

#endif
