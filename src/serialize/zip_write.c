/*
 * zip_write.c - the ZIP writer (see zip_write.h): torch.jit.save's layout
 * in its simplest form that PyTorch's loader accepts (reference §1.3, §1.8).
 *
 * Each record is written at once: local header (CRC and sizes known, no
 * data descriptor), the "FB" padding extra that puts the data at a multiple
 * of ZIPW_ALIGN, then the bytes. The central directory entries are kept
 * (name, CRC, sizes, offset) and written by zipw_finish, followed by the
 * zip64 end record and locator when any field overflows its classic width,
 * then the classic end record (with 0xFFFF / 0xFFFFFFFF where zip64 holds
 * the value).
 * Invariant: w->offset is the number of bytes emitted; once a write fails
 * the writer is dead (every later call returns the first error again).
 */
#include "serialize/zip_write.h"

#include <errno.h>
#include <zlib.h>

enum {
    SIG_LOCAL = 0x04034b50,
    SIG_CENTRAL = 0x02014b50,
    SIG_END = 0x06054b50,
    SIG_END64 = 0x06064b50,
    SIG_LOCATOR64 = 0x07064b50,
    FLAG_UTF8 = 0x0800,
    VERSION_STORED = 20,
    VERSION_ZIP64 = 45,
    EXTRA_ZIP64 = 0x0001,
    EXTRA_PAD = 0x4246, /* "FB": PyTorch's alignment padding */
    MAX_NAME = 0xFFFF,
};

typedef struct ZipWEntry {
    char *name;
    size_t name_len;
    uint32_t crc;
    uint64_t size;
    uint64_t offset; /* of the local header */
} ZipWEntry;

struct ZipWriter {
    Ctx *ctx;
    char *name;    /* for messages */
    char *prefix;
    FILE *f;       /* NULL: memory */
    uint8_t *mem;
    size_t mem_len, mem_cap;
    uint64_t offset;
    ZipWEntry *entries;
    size_t n, cap;
    unsigned flags;
    bool finished;
    ts_status dead; /* TS_OK while alive */
};

static ts_status io_fail(ZipWriter *w, int err) {
    w->dead = ts_fail(w->ctx, TS_ERR_IO, NULL, "%s: cannot write: %s", w->name,
                      err ? strerror(err) : "write error");
    return w->dead;
}

static ts_status nomem(ZipWriter *w) {
    w->dead = ts_fail(w->ctx, TS_ERR_NOMEM, NULL, "%s: out of memory while writing the archive", w->name);
    return w->dead;
}

static ts_status emit(ZipWriter *w, const void *p, size_t n) {
    if (w->dead != TS_OK) return w->dead;
    if (n == 0) return TS_OK;
    if (w->f) {
        errno = 0;
        if (fwrite(p, 1, n, w->f) != n) return io_fail(w, errno);
    } else {
        size_t need;
        if (!ts_add_ok(w->mem_len, n, &need)) return nomem(w);
        if (need > w->mem_cap) {
            size_t cap = w->mem_cap ? w->mem_cap : 4096;
            while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
            uint8_t *m = ts_realloc(w->mem, cap);
            if (!m) return nomem(w);
            w->mem = m;
            w->mem_cap = cap;
        }
        memcpy(w->mem + w->mem_len, p, n);
        w->mem_len = need;
    }
    w->offset += n;
    return TS_OK;
}

/* Little-endian field builders over a small header buffer. */
typedef struct Hdr {
    uint8_t b[128];
    size_t n;
} Hdr;
static void put16(Hdr *h, uint32_t v) {
    h->b[h->n++] = (uint8_t)v;
    h->b[h->n++] = (uint8_t)(v >> 8);
}
static void put32(Hdr *h, uint32_t v) {
    put16(h, v & 0xFFFF);
    put16(h, v >> 16);
}
static void put64(Hdr *h, uint64_t v) {
    put32(h, (uint32_t)v);
    put32(h, (uint32_t)(v >> 32));
}

static uint32_t crc_of(const void *data, size_t n) {
    uLong crc = crc32(0L, Z_NULL, 0);
    const Bytef *p = data;
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return (uint32_t)crc;
}

ts_status zipw_new(Ctx *ctx, const char *name, FILE *f, const char *prefix, unsigned flags, ZipWriter **out) {
    *out = NULL;
    if (!prefix[0] || strchr(prefix, '/') || strlen(prefix) > 4096)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "%s: bad archive prefix '%s'", name, prefix);
    ZipWriter *w = ts_calloc(1, sizeof *w);
    if (!w) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    w->ctx = ctx;
    w->f = f;
    w->flags = flags;
    w->name = ts_malloc(strlen(name) + 1);
    w->prefix = ts_malloc(strlen(prefix) + 1);
    if (!w->name || !w->prefix) {
        zipw_free(w);
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    }
    strcpy(w->name, name);
    strcpy(w->prefix, prefix);
    *out = w;
    return TS_OK;
}

void zipw_free(ZipWriter *w) {
    if (!w) return;
    for (size_t i = 0; i < w->n; i++) ts_free(w->entries[i].name);
    ts_free(w->entries);
    ts_free(w->mem);
    ts_free(w->name);
    ts_free(w->prefix);
    ts_free(w);
}

const uint8_t *zipw_memory(const ZipWriter *w, size_t *n) {
    *n = w->f ? 0 : w->mem_len;
    return w->f ? NULL : w->mem;
}

uint64_t zipw_offset(const ZipWriter *w) { return w->offset; }

static bool need64(uint64_t v, uint64_t limit, const ZipWriter *w) {
    return v >= limit || (w->flags & ZIPW_FORCE_ZIP64);
}

ts_status zipw_add(ZipWriter *w, const char *relname, const void *data, size_t n) {
    if (w->dead != TS_OK) return w->dead;
    if (w->finished)
        return ts_fail(w->ctx, TS_ERR_ARG, NULL, "%s: record '%s' added after the archive was finished", w->name,
                       relname);
    size_t plen = strlen(w->prefix), rlen = strlen(relname);
    if (rlen == 0 || plen + 1 + rlen > MAX_NAME)
        return ts_fail(w->ctx, TS_ERR_ARG, NULL, "%s: bad record name '%s'", w->name, relname);
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        ZipWEntry *e = ts_realloc(w->entries, cap * sizeof *e);
        if (!e) return nomem(w);
        w->entries = e;
        w->cap = cap;
    }
    ZipWEntry *e = &w->entries[w->n];
    e->name_len = plen + 1 + rlen;
    e->name = ts_malloc(e->name_len + 1);
    if (!e->name) return nomem(w);
    memcpy(e->name, w->prefix, plen);
    e->name[plen] = '/';
    memcpy(e->name + plen + 1, relname, rlen + 1);
    e->crc = crc_of(data, n);
    e->size = n;
    e->offset = w->offset;
    w->n++;

    /* The local zip64 extra carries both sizes (the reader takes sizes from
     * the central directory; miniz writes it the same way). */
    bool big = need64(n, 0xFFFFFFFFu, w);
    size_t zip64_len = big ? 4 + 16 : 0;
    uint64_t start = e->offset + 30 + e->name_len + zip64_len + 4;
    size_t pad = (size_t)((ZIPW_ALIGN - start % ZIPW_ALIGN) % ZIPW_ALIGN);
    Hdr h = {.n = 0};
    put32(&h, SIG_LOCAL);
    put16(&h, big ? VERSION_ZIP64 : VERSION_STORED);
    put16(&h, FLAG_UTF8);
    put16(&h, 0); /* stored */
    put16(&h, 0); /* time */
    put16(&h, 0); /* date */
    put32(&h, e->crc);
    put32(&h, big ? 0xFFFFFFFFu : (uint32_t)n);
    put32(&h, big ? 0xFFFFFFFFu : (uint32_t)n);
    put16(&h, (uint32_t)e->name_len);
    put16(&h, (uint32_t)(zip64_len + 4 + pad));
    TS_TRY(emit(w, h.b, h.n));
    TS_TRY(emit(w, e->name, e->name_len));
    h.n = 0;
    if (big) {
        put16(&h, EXTRA_ZIP64);
        put16(&h, 16);
        put64(&h, n);
        put64(&h, n);
    }
    put16(&h, EXTRA_PAD);
    put16(&h, (uint32_t)pad);
    TS_TRY(emit(w, h.b, h.n));
    static const char zs[ZIPW_ALIGN] = "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
    TS_TRY(emit(w, zs, pad));
    return emit(w, data, n);
}

ts_status zipw_finish(ZipWriter *w) {
    if (w->dead != TS_OK) return w->dead;
    if (w->finished) return TS_OK;
    w->finished = true;
    uint64_t cd_start = w->offset;
    for (size_t i = 0; i < w->n; i++) {
        const ZipWEntry *e = &w->entries[i];
        bool big_size = need64(e->size, 0xFFFFFFFFu, w), big_off = need64(e->offset, 0xFFFFFFFFu, w);
        size_t extra = (big_size ? 16 : 0) + (big_off ? 8 : 0);
        if (extra) extra += 4;
        Hdr h = {.n = 0};
        put32(&h, SIG_CENTRAL);
        put16(&h, extra ? VERSION_ZIP64 : VERSION_STORED); /* made by */
        put16(&h, extra ? VERSION_ZIP64 : VERSION_STORED); /* needed */
        put16(&h, FLAG_UTF8);
        put16(&h, 0);
        put16(&h, 0);
        put16(&h, 0);
        put32(&h, e->crc);
        put32(&h, big_size ? 0xFFFFFFFFu : (uint32_t)e->size);
        put32(&h, big_size ? 0xFFFFFFFFu : (uint32_t)e->size);
        put16(&h, (uint32_t)e->name_len);
        put16(&h, (uint32_t)extra);
        put16(&h, 0); /* comment */
        put16(&h, 0); /* disk */
        put16(&h, 0); /* internal attributes */
        put32(&h, 0); /* external attributes */
        put32(&h, big_off ? 0xFFFFFFFFu : (uint32_t)e->offset);
        TS_TRY(emit(w, h.b, h.n));
        TS_TRY(emit(w, e->name, e->name_len));
        if (extra) {
            h.n = 0;
            put16(&h, EXTRA_ZIP64);
            put16(&h, (uint32_t)(extra - 4));
            if (big_size) {
                put64(&h, e->size); /* uncompressed, then compressed */
                put64(&h, e->size);
            }
            if (big_off) put64(&h, e->offset);
            TS_TRY(emit(w, h.b, h.n));
        }
    }
    uint64_t cd_size = w->offset - cd_start;
    bool z64 = need64(w->n, 0xFFFF, w) || need64(cd_start, 0xFFFFFFFFu, w) || need64(cd_size, 0xFFFFFFFFu, w);
    for (size_t i = 0; i < w->n && !z64; i++)
        z64 = w->entries[i].size >= 0xFFFFFFFFu || w->entries[i].offset >= 0xFFFFFFFFu;
    Hdr h = {.n = 0};
    if (z64) {
        uint64_t end64 = w->offset;
        put32(&h, SIG_END64);
        put64(&h, 44); /* size of the rest of this record */
        put16(&h, VERSION_ZIP64);
        put16(&h, VERSION_ZIP64);
        put32(&h, 0);
        put32(&h, 0);
        put64(&h, w->n);
        put64(&h, w->n);
        put64(&h, cd_size);
        put64(&h, cd_start);
        put32(&h, SIG_LOCATOR64);
        put32(&h, 0);
        put64(&h, end64);
        put32(&h, 1);
        TS_TRY(emit(w, h.b, h.n));
        h.n = 0;
    }
    put32(&h, SIG_END);
    put16(&h, 0);
    put16(&h, 0);
    /* real values where they fit, as miniz writes them */
    put16(&h, w->n >= 0xFFFF ? 0xFFFF : (uint32_t)w->n);
    put16(&h, w->n >= 0xFFFF ? 0xFFFF : (uint32_t)w->n);
    put32(&h, cd_size >= 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)cd_size);
    put32(&h, cd_start >= 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)cd_start);
    put16(&h, 0);
    TS_TRY(emit(w, h.b, h.n));
    if (w->f) {
        errno = 0;
        if (fflush(w->f) != 0 || ferror(w->f)) return io_fail(w, errno);
    }
    return TS_OK;
}
