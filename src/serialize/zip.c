/*
 * zip.c - the ZIP reader under every archive load (see zip.h).
 *
 * Pipeline: zip_open maps the file (privately: the file is opened read-only
 * and never changes, but a kernel writing into a borrowed weight copies the
 * page instead of faulting), finds the end-of-central-directory record
 * (searching backwards over a comment), follows the zip64 locator when there
 * is one, then walks the central directory once. Each entry's local header is
 * read only for its name and extra lengths (PyTorch writes zeros for sizes and
 * CRC there) to find where the data starts.
 *
 * Invariants after a successful open:
 *  - for every entry, [header_offset, data_offset + csize) lies inside the
 *    file; all arithmetic that got there was overflow-checked in 64 bits;
 *  - names are NUL-free and NUL-terminated; the prefix is non-NULL;
 *  - entry names are unique (a duplicate is refused at open: PyTorch reads
 *    the last of two equal names, an older tscript the first, so such a file
 *    could show different weights to the two);
 *  - the mapping is never written again. What zip_read adds (each deflated
 *    record inflated once, each record's CRC-32 checked once) is kept per
 *    entry under a mutex, so reads from several threads are safe.
 * Nothing here trusts a size it did not check against the file size, and the
 * total inflated by one archive is bounded by its budget.
 */
#include "serialize/zip.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "kernels/parallel.h"

enum {
    SIG_LOCAL = 0x04034b50,
    SIG_CENTRAL = 0x02014b50,
    SIG_EOCD = 0x06054b50,
    SIG_EOCD64 = 0x06064b50,
    SIG_LOCATOR64 = 0x07064b50,
    LOCAL_SIZE = 30,
    CENTRAL_SIZE = 46,
    EOCD_SIZE = 22,
    EOCD64_SIZE = 56,
    LOCATOR64_SIZE = 20,
    EXTRA_ZIP64 = 0x0001,
    ZIP_FLAG_ENCRYPTED = 1 << 0,
    /* Deflate cannot do better than about 1032:1; more is a lie (or a bomb). */
    DEFLATE_MAX_RATIO = 1032,
};

typedef enum Backing { BACK_MMAP, BACK_HEAP, BACK_USER } Backing;

/* What zip_read learnt about one entry. */
typedef struct ZipCache {
    void *raw;         /* the inflated record's allocation (deflated entries) */
    uint8_t *data;     /* 64-byte aligned inside raw */
    bool checked;      /* the CRC-32 matched */
} ZipCache;

struct ZipArchive {
    int32_t refcnt; /* atomic */
    char *name;
    const uint8_t *data;
    size_t size;
    Backing backing;
    void *heap;     /* BACK_HEAP: the allocation data points into */
    void (*release)(void *);
    void *release_ud;
    ZipEntry *entries;
    size_t n_entries;
    char *names;    /* every entry name, NUL-terminated, back to back */
    char *prefix;
    size_t prefix_len;
    StrMap index;   /* full name -> entry index + 1 */
    pthread_mutex_t lock; /* guards cache[] and inflated */
    ZipCache *cache;      /* per entry, n_entries */
    uint64_t inflated;    /* bytes inflated so far */
    uint64_t budget;      /* limit on inflated */
    bool skip_crc;        /* ctx->skip_crc at open (fuzzing only) */
};

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* a + b <= limit without overflow. */
static inline bool fits(uint64_t a, uint64_t b, uint64_t limit) {
    uint64_t end;
    return !__builtin_add_overflow(a, b, &end) && end <= limit;
}

/* ---- lifetime ---- */

static void archive_free(ZipArchive *z) {
    if (!z) return;
    strmap_free(&z->index);
    if (z->cache) {
        for (size_t i = 0; i < z->n_entries; i++) ts_free(z->cache[i].raw);
        ts_free(z->cache);
    }
    pthread_mutex_destroy(&z->lock);
    ts_free(z->entries);
    ts_free(z->names);
    ts_free(z->prefix);
    switch (z->backing) {
    case BACK_MMAP:
        if (z->data) munmap((void *)z->data, z->size);
        break;
    case BACK_HEAP:
        ts_free(z->heap);
        break;
    case BACK_USER:
        if (z->release) z->release(z->release_ud);
        break;
    }
    ts_free(z->name);
    ts_free(z);
}

ZipArchive *zip_retain(ZipArchive *z) {
    if (z) __atomic_add_fetch(&z->refcnt, 1, __ATOMIC_RELAXED);
    return z;
}

void zip_release(ZipArchive *z) {
    if (!z || __atomic_sub_fetch(&z->refcnt, 1, __ATOMIC_ACQ_REL) != 0) return;
    archive_free(z);
}

void zip_release_owner(void *z) { zip_release(z); }

const char *zip_name(const ZipArchive *z) { return z->name; }
const char *zip_prefix(const ZipArchive *z) { return z->prefix; }
size_t zip_count(const ZipArchive *z) { return z->n_entries; }
const ZipEntry *zip_entry(const ZipArchive *z, size_t i) {
    return i < z->n_entries ? &z->entries[i] : NULL;
}

/* ---- the end records ---- */

typedef struct EndInfo {
    uint64_t n_entries, cd_offset, cd_size;
    uint64_t cd_limit; /* the central directory must end by here */
} EndInfo;

/* eocd = EOCD at the end (after an optional comment). Search backwards from
 * the last possible position; the record must fit with its comment. */
static ts_status find_eocd(Ctx *ctx, const ZipArchive *z, uint64_t *out) {
    const uint8_t *d = z->data;
    uint64_t size = z->size;
    if (size >= EOCD_SIZE) {
        uint64_t lowest = size - EOCD_SIZE > 0xFFFF ? size - EOCD_SIZE - 0xFFFF : 0;
        for (uint64_t i = size - EOCD_SIZE + 1; i-- > lowest;) {
            if (rd32(d + i) != SIG_EOCD) continue;
            if (!fits(i + EOCD_SIZE, rd16(d + i + 20), size)) continue;
            *out = i;
            return TS_OK;
        }
    }
    return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                   "%s: not a zip archive (no end-of-central-directory record)", z->name);
}

static ts_status read_end(Ctx *ctx, const ZipArchive *z, EndInfo *info) {
    const uint8_t *d = z->data;
    uint64_t eocd = 0;
    TS_TRY(find_eocd(ctx, z, &eocd));
    const uint8_t *e = d + eocd;
    uint16_t disk = rd16(e + 4), cd_disk = rd16(e + 6);
    uint16_t n_disk = rd16(e + 8), n_total = rd16(e + 10);
    info->cd_size = rd32(e + 12);
    info->cd_offset = rd32(e + 16);
    info->n_entries = n_total;
    info->cd_limit = eocd;

    bool has_locator = eocd >= LOCATOR64_SIZE && rd32(d + eocd - LOCATOR64_SIZE) == SIG_LOCATOR64;
    if (!has_locator) {
        if ((disk != 0 && disk != 0xFFFF) || (cd_disk != 0 && cd_disk != 0xFFFF) || n_disk != n_total)
            return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                           "%s: multi-disk zip archives are not supported", z->name);
        if (info->cd_offset == 0xFFFFFFFF || info->cd_size == 0xFFFFFFFF)
            return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                           "%s: corrupt zip: zip64 sizes without a zip64 locator", z->name);
        return TS_OK;
    }

    const uint8_t *loc = d + eocd - LOCATOR64_SIZE;
    uint32_t loc_disk = rd32(loc + 4), loc_ndisks = rd32(loc + 16);
    uint64_t rec = rd64(loc + 8);
    uint64_t loc_off = eocd - LOCATOR64_SIZE;
    if (loc_disk != 0 || loc_ndisks > 1)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                       "%s: multi-disk zip archives are not supported", z->name);
    if (!fits(rec, EOCD64_SIZE, loc_off) || rd32(d + rec) != SIG_EOCD64)
        return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                       "%s: corrupt zip: zip64 locator points to no zip64 end record (offset %llu)",
                       z->name, (unsigned long long)rec);
    const uint8_t *r = d + rec;
    uint32_t disk64 = rd32(r + 16), cd_disk64 = rd32(r + 20);
    uint64_t n_disk64 = rd64(r + 24);
    info->n_entries = rd64(r + 32);
    info->cd_size = rd64(r + 40);
    info->cd_offset = rd64(r + 48);
    info->cd_limit = rec;
    if (disk64 != 0 || cd_disk64 != 0 || n_disk64 != info->n_entries)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                       "%s: multi-disk zip archives are not supported", z->name);
    return TS_OK;
}

/* ---- the central directory ---- */

/* Replace 0xFFFFFFFF fields from a zip64 extra (0x0001). Fields appear only
 * for the values that are saturated, in the order usize, csize, offset, disk. */
static ts_status read_zip64_extra(Ctx *ctx, const ZipArchive *z, const char *name,
                                  const uint8_t *p, size_t n, ZipEntry *e, uint32_t *disk) {
    bool need_u = e->usize == 0xFFFFFFFF, need_c = e->csize == 0xFFFFFFFF;
    bool need_o = e->header_offset == 0xFFFFFFFF, need_d = *disk == 0xFFFF;
    bool found = false;
    size_t i = 0;
    while (i < n) {
        if (n - i < 4)
            return ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: corrupt zip: entry '%.200s' has a truncated extra field",
                           z->name, name);
        uint16_t id = rd16(p + i), len = rd16(p + i + 2);
        i += 4;
        if (len > n - i)
            return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                           "%s: corrupt zip: entry '%.200s' has an extra field longer than its extra area",
                           z->name, name);
        if (id == EXTRA_ZIP64 && !found) {
            found = true;
            const uint8_t *f = p + i;
            size_t left = len;
            uint64_t *fields[3] = {need_u ? &e->usize : NULL, need_c ? &e->csize : NULL,
                                   need_o ? &e->header_offset : NULL};
            for (int k = 0; k < 3; k++) {
                if (!fields[k]) continue;
                if (left < 8) goto short_extra;
                *fields[k] = rd64(f);
                f += 8;
                left -= 8;
            }
            if (need_d) {
                if (left < 4) goto short_extra;
                *disk = rd32(f);
            }
        }
        i += len;
    }
    if (!found && (need_u || need_c || need_o || need_d)) goto short_extra;
    return TS_OK;

short_extra:
    return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                   "%s: corrupt zip: entry '%.200s' has saturated sizes but no zip64 extra for them",
                   z->name, name);
}

/* Resolve where an entry's data starts from its local header and check that
 * the data lies inside the file. */
static ts_status read_local(Ctx *ctx, const ZipArchive *z, ZipEntry *e) {
    if (!fits(e->header_offset, LOCAL_SIZE, z->size))
        return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                       "%s: truncated: local header of entry '%.200s' is past the end of the file",
                       z->name, e->name);
    const uint8_t *h = z->data + e->header_offset;
    if (rd32(h) != SIG_LOCAL)
        return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                       "%s: corrupt zip: entry '%.200s' has no local header at offset %llu", z->name,
                       e->name, (unsigned long long)e->header_offset);
    uint16_t nl = rd16(h + 26), el = rd16(h + 28);
    uint64_t start = e->header_offset + LOCAL_SIZE;
    if (!fits(start, (uint64_t)nl + el, z->size))
        return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                       "%s: truncated: local header of entry '%.200s' extends past the end of the file",
                       z->name, e->name);
    if (nl != e->name_len || memcmp(h + LOCAL_SIZE, e->name, nl) != 0)
        return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                       "%s: corrupt zip: local header name of entry '%.200s' differs from the central directory",
                       z->name, e->name);
    e->data_offset = start + nl + el;
    if (!fits(e->data_offset, e->csize, z->size))
        return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                       "%s: truncated: entry '%.200s' extends past the end of the file", z->name, e->name);
    return TS_OK;
}

static ts_status read_central(Ctx *ctx, ZipArchive *z, const EndInfo *info) {
    if (!fits(info->cd_offset, info->cd_size, info->cd_limit))
        return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                       "%s: truncated: central directory (offset %llu, %llu bytes) extends past its end record",
                       z->name, (unsigned long long)info->cd_offset, (unsigned long long)info->cd_size);
    if (info->n_entries > info->cd_size / CENTRAL_SIZE)
        return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                       "%s: corrupt zip: %llu entries cannot fit in a %llu-byte central directory",
                       z->name, (unsigned long long)info->n_entries, (unsigned long long)info->cd_size);
    size_t n = (size_t)info->n_entries;
    size_t names_cap; /* each name is shorter than its record: cd_size + n NULs is enough */
    if (!ts_add_ok((size_t)info->cd_size, n + 1, &names_cap))
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: central directory too large", z->name);
    size_t entries_bytes;
    if (!ts_mul_ok(n ? n : 1, sizeof(ZipEntry), &entries_bytes))
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: central directory too large", z->name);
    z->entries = ts_calloc(1, entries_bytes);
    z->names = ts_malloc(names_cap);
    if (!z->entries || !z->names)
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory reading the central directory",
                       z->name);

    const uint8_t *d = z->data;
    uint64_t pos = info->cd_offset, end = info->cd_offset + info->cd_size;
    size_t names_used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!fits(pos, CENTRAL_SIZE, end) || rd32(d + pos) != SIG_CENTRAL)
            return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                           "%s: corrupt zip: central directory entry %zu of %zu is missing", z->name,
                           i, n);
        const uint8_t *c = d + pos;
        uint16_t nl = rd16(c + 28), el = rd16(c + 30), cl = rd16(c + 32);
        if (!fits(pos + CENTRAL_SIZE, (uint64_t)nl + el + cl, end))
            return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                           "%s: corrupt zip: central directory entry %zu extends past the directory",
                           z->name, i);
        const uint8_t *name = c + CENTRAL_SIZE;
        if (memchr(name, 0, nl))
            return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                           "%s: corrupt zip: name of entry %zu contains a NUL byte", z->name, i);
        ZipEntry *e = &z->entries[i];
        char *nm = z->names + names_used;
        memcpy(nm, name, nl);
        nm[nl] = 0;
        names_used += (size_t)nl + 1;
        e->name = nm;
        e->name_len = nl;
        e->flags = rd16(c + 8);
        e->method = rd16(c + 10);
        e->crc32 = rd32(c + 16);
        e->csize = rd32(c + 20);
        e->usize = rd32(c + 24);
        e->header_offset = rd32(c + 42);
        uint32_t disk = rd16(c + 34);
        TS_TRY(read_zip64_extra(ctx, z, nm, name + nl, el, e, &disk));
        if (disk != 0)
            return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                           "%s: entry '%.200s' is on disk %u: multi-disk zip archives are not supported",
                           z->name, nm, disk);
        TS_TRY(read_local(ctx, z, e));
        pos += CENTRAL_SIZE + (uint64_t)nl + el + cl;
    }
    z->n_entries = n;
    return TS_OK;
}

/* The prefix is what precedes the first '/' of the first entry (PyTorch's rule). */
static ts_status set_prefix(Ctx *ctx, ZipArchive *z) {
    if (z->n_entries == 0)
        return ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: zip archive has no entries", z->name);
    const ZipEntry *first = &z->entries[0];
    const char *slash = strchr(first->name, '/');
    if (!slash)
        return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                       "%s: file in archive is not in a subdirectory ('%.200s')", z->name, first->name);
    z->prefix_len = (size_t)(slash - first->name);
    z->prefix = ts_strndup(first->name, z->prefix_len);
    return TS_OK;
}

/* Index the names; two entries with one name make the archive ambiguous. */
static ts_status build_index(Ctx *ctx, ZipArchive *z) {
    for (size_t i = 0; i < z->n_entries; i++) {
        uintptr_t j = (uintptr_t)strmap_get(&z->index, z->entries[i].name);
        if (j)
            return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                           "%s: corrupt zip: entries %zu and %zu are both named '%.200s' (an archive "
                           "must name each record once; PyTorch would read the last one)",
                           z->name, (size_t)j - 1, i, z->entries[i].name);
        strmap_put(&z->index, z->entries[i].name, (void *)(uintptr_t)(i + 1));
    }
    return TS_OK;
}

static ts_status parse(Ctx *ctx, ZipArchive *z) {
    EndInfo info;
    TS_TRY(read_end(ctx, z, &info));
    TS_TRY(read_central(ctx, z, &info));
    TS_TRY(set_prefix(ctx, z));
    TS_TRY(build_index(ctx, z));
    z->cache = ts_calloc(z->n_entries, sizeof *z->cache);
    if (!z->cache) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", z->name);
    return TS_OK;
}

/* The inflate budget: ctx's, else the default (zip.h). */
static void set_budget(const Ctx *ctx, ZipArchive *z) {
    uint64_t b = ctx ? ctx->max_inflated_bytes : 0;
    if (b == 0) {
        uint64_t scaled;
        if (__builtin_mul_overflow((uint64_t)z->size, (uint64_t)ZIP_DEFAULT_INFLATE_FACTOR, &scaled))
            scaled = UINT64_MAX;
        b = TS_MAX((uint64_t)ZIP_DEFAULT_INFLATE_MIN, scaled);
    }
    z->budget = b;
    z->skip_crc = ctx && ctx->skip_crc;
}

/* ---- opening ---- */

static ZipArchive *archive_new(const char *name) {
    ZipArchive *z = ts_calloc(1, sizeof *z);
    if (!z) return NULL;
    z->refcnt = 1;
    z->name = ts_strdup(name);
    strmap_init(&z->index);
    pthread_mutex_init(&z->lock, NULL);
    return z;
}

/* Read a whole file descriptor into a 64-byte aligned heap buffer (so record
 * alignment is the same as with mmap). */
static ts_status read_all(Ctx *ctx, ZipArchive *z, int fd, size_t hint) {
    /* One byte more than the expected size, so EOF is seen without growing. */
    size_t cap = hint && hint < SIZE_MAX - 64 ? hint + 1 : 65536, len = 0;
    uint8_t *buf = NULL;
    for (;;) {
        if (!buf || len == cap) {
            size_t ncap = buf ? cap * 2 : cap, alloc;
            if (buf && ncap < cap) goto too_big;
            if (!ts_add_ok(ncap, 64, &alloc)) goto too_big;
            uint8_t *nb = ts_malloc(alloc);
            if (!nb) {
                ts_free(buf);
                return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory reading %zu bytes",
                               z->name, ncap);
            }
            uint8_t *aligned = nb + ((64 - (uintptr_t)nb % 64) % 64);
            if (buf) {
                memcpy(aligned, z->data, len);
                ts_free(buf);
            }
            buf = nb;
            z->data = aligned;
            cap = ncap;
        }
        ssize_t r = read(fd, (uint8_t *)z->data + len, cap - len);
        if (r < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ts_free(buf);
            z->data = NULL;
            return ts_fail(ctx, TS_ERR_IO, NULL, "%s: cannot read: %s", z->name, strerror(err));
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    z->heap = buf;
    z->size = len;
    z->backing = BACK_HEAP;
    return TS_OK;

too_big:
    ts_free(buf);
    z->data = NULL;
    return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: file too large", z->name);
}

ts_status zip_open(Ctx *ctx, const char *path, ZipArchive **out) {
    *out = NULL;
    ts_status st;
    ZipArchive *z = archive_new(path);
    if (!z) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", path);
    /* O_NONBLOCK: opening a FIFO must not wait for a writer */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        st = ts_fail(ctx, TS_ERR_IO, NULL, "%s: cannot open: %s", path, strerror(errno));
        goto free_archive;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = ts_fail(ctx, TS_ERR_IO, NULL, "%s: cannot stat: %s", path, strerror(errno));
        goto close_fd;
    }
    if (S_ISDIR(sb.st_mode)) {
        st = ts_fail(ctx, TS_ERR_IO, NULL, "%s: is a directory, not an archive", path);
        goto close_fd;
    }
    /* A FIFO, socket or device could block or never end: only regular files. */
    if (!S_ISREG(sb.st_mode)) {
        st = ts_fail(ctx, TS_ERR_IO, NULL, "%s: is not a regular file (a %s): give the path of an archive file",
                     path, S_ISFIFO(sb.st_mode)   ? "FIFO"
                           : S_ISCHR(sb.st_mode)  ? "character device"
                           : S_ISBLK(sb.st_mode)  ? "block device"
                           : S_ISSOCK(sb.st_mode) ? "socket"
                                                  : "special file");
        goto close_fd;
    }
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    bool regular = true;
    if ((uint64_t)sb.st_size > SIZE_MAX) {
        st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: file too large to map", path);
        goto close_fd;
    }
    void *map = MAP_FAILED;
    if (regular && sb.st_size > 0)
        map = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
        z->data = map;
        z->size = (size_t)sb.st_size;
        z->backing = BACK_MMAP;
    } else {
        st = read_all(ctx, z, fd, regular ? (size_t)sb.st_size : 0);
        if (st != TS_OK) goto close_fd;
    }
    close(fd);
    set_budget(ctx, z);
    st = parse(ctx, z);
    if (st != TS_OK) goto free_archive;
    *out = z;
    return TS_OK;

close_fd:
    close(fd);
free_archive:
    archive_free(z);
    return st;
}

ts_status zip_open_memory(Ctx *ctx, const char *name, const void *data, size_t size,
                          void (*release)(void *), void *release_ud, ZipArchive **out) {
    *out = NULL;
    ZipArchive *z = archive_new(name);
    if (!z) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", name);
    z->data = data;
    z->size = data ? size : 0;
    z->backing = BACK_USER;
    set_budget(ctx, z);
    ts_status st = parse(ctx, z);
    if (st != TS_OK) {
        z->release = NULL; /* the caller keeps its buffer on failure */
        archive_free(z);
        return st;
    }
    z->release = release;
    z->release_ud = release_ud;
    *out = z;
    return TS_OK;
}

/* ---- lookup ---- */

const ZipEntry *zip_find_full(const ZipArchive *z, const char *name) {
    uintptr_t i = (uintptr_t)strmap_get(&z->index, name);
    return i ? &z->entries[i - 1] : NULL;
}

const ZipEntry *zip_find(const ZipArchive *z, const char *relname) {
    size_t rl = strlen(relname), n;
    char stackbuf[256], *full = stackbuf;
    if (!ts_add_ok(z->prefix_len + 2, rl, &n)) return NULL;
    if (n > sizeof stackbuf) full = ts_xmalloc(n);
    memcpy(full, z->prefix, z->prefix_len);
    full[z->prefix_len] = '/';
    memcpy(full + z->prefix_len + 1, relname, rl + 1);
    const ZipEntry *e = zip_find_full(z, full);
    if (full != stackbuf) ts_free(full);
    return e;
}

ts_status zip_require(Ctx *ctx, const ZipArchive *z, const char *relname, const ZipEntry **out) {
    *out = zip_find(z, relname);
    if (!*out)
        return ts_fail(ctx, TS_ERR_NOT_FOUND, NULL, "%s: archive has no '%.200s' record", z->name,
                       relname);
    return TS_OK;
}

const char *zip_entry_relname(const ZipArchive *z, const ZipEntry *e) {
    if (e->name_len <= z->prefix_len || e->name[z->prefix_len] != '/' ||
        memcmp(e->name, z->prefix, z->prefix_len) != 0)
        return NULL;
    return e->name + z->prefix_len + 1;
}

/* ---- reading ---- */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size) {
    TS_UNUSED(opaque);
    size_t n;
    if (!ts_mul_ok(items, size, &n)) return Z_NULL;
    return ts_malloc(n);
}

static void z_free(voidpf opaque, voidpf p) {
    TS_UNUSED(opaque);
    ts_free(p);
}

/* Inflate a raw deflate stream into exactly dst[0..n). */
static ts_status inflate_into(Ctx *ctx, const ZipArchive *z, const ZipEntry *e, uint8_t *dst,
                              size_t n) {
    z_stream s;
    memset(&s, 0, sizeof s);
    s.zalloc = z_alloc;
    s.zfree = z_free;
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK)
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory inflating '%.200s'", z->name, e->name);
    ts_status st = TS_OK;
    const uint8_t *src = z->data + e->data_offset;
    uint64_t in_left = e->csize;
    size_t out_left = n;
    uint8_t scratch[1];
    bool overflow_probe = false;
    for (;;) {
        if (s.avail_in == 0 && in_left > 0) {
            uInt chunk = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
            s.next_in = (Bytef *)src;
            s.avail_in = chunk;
            src += chunk;
            in_left -= chunk;
        }
        if (s.avail_out == 0) {
            if (out_left > 0) {
                uInt chunk = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
                s.next_out = dst;
                s.avail_out = chunk;
                dst += chunk;
                out_left -= chunk;
            } else if (!overflow_probe) {
                /* Output is full: one more byte would mean the size is wrong. */
                overflow_probe = true;
                s.next_out = scratch;
                s.avail_out = 1;
            } else {
                st = ts_fail(ctx, TS_ERR_FORMAT, NULL,
                             "%s: corrupt zip: entry '%.200s' inflates to more than its declared %llu bytes",
                             z->name, e->name, (unsigned long long)e->usize);
                goto end_stream;
            }
        }
        int rc = inflate(&s, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) break;
        if (rc == Z_OK) continue;
        if (rc == Z_MEM_ERROR) {
            st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory inflating '%.200s'", z->name, e->name);
            goto end_stream;
        }
        if (rc == Z_BUF_ERROR && s.avail_in == 0 && in_left == 0) {
            st = ts_fail(ctx, TS_ERR_FORMAT, NULL,
                         "%s: corrupt zip: deflate stream of entry '%.200s' is truncated", z->name, e->name);
            goto end_stream;
        }
        if (rc == Z_BUF_ERROR) continue;
        st = ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: corrupt zip: entry '%.200s' has bad deflate data (%s)",
                     z->name, e->name, s.msg ? s.msg : "error");
        goto end_stream;
    }
    if (overflow_probe ? s.avail_out == 0 : (out_left > 0 || s.avail_out > 0))
        st = ts_fail(ctx, TS_ERR_FORMAT, NULL,
                     "%s: corrupt zip: entry '%.200s' inflates to %llu bytes, the central directory says %llu",
                     z->name, e->name, (unsigned long long)s.total_out, (unsigned long long)e->usize);
end_stream:
    inflateEnd(&s);
    return st;
}

/* CRC-32 of large records in CRC_CHUNK pieces on the kernel thread pool,
 * joined with crc32_combine: checking every weight at load then costs about
 * (size / 1 GB/s) / threads. */
enum { CRC_CHUNK = 1 << 20 };

typedef struct CrcJob {
    const uint8_t *p;
    size_t n;
    uint32_t *crcs;
} CrcJob;

static void crc_chunks(void *arg, int64_t begin, int64_t end) {
    CrcJob *j = arg;
    for (int64_t i = begin; i < end; i++) {
        size_t off = (size_t)i * CRC_CHUNK, len = TS_MIN((size_t)CRC_CHUNK, j->n - off);
        j->crcs[i] = (uint32_t)crc32_z(crc32_z(0, Z_NULL, 0), j->p + off, len);
    }
}

static uint32_t crc_of(const uint8_t *p, size_t n) {
    uLong crc = crc32_z(0, Z_NULL, 0);
    size_t chunks = n / CRC_CHUNK + (n % CRC_CHUNK != 0);
    uint32_t local[64], *crcs = chunks <= 64 ? local : ts_malloc(chunks * sizeof *crcs);
    if (chunks < 4 || !crcs || kernels_threads() < 2) {
        if (crcs != local) ts_free(crcs);
        return (uint32_t)crc32_z(crc, p, n);
    }
    CrcJob job = {p, n, crcs};
    kernels_parallel_for((int64_t)chunks, 1, crc_chunks, &job);
    for (size_t i = 0; i < chunks; i++) {
        size_t len = TS_MIN((size_t)CRC_CHUNK, n - i * CRC_CHUNK);
        crc = crc32_combine(crc, crcs[i], (z_off_t)len);
    }
    if (crcs != local) ts_free(crcs);
    return (uint32_t)crc;
}

/* Inflate entry i into the cache (called with z->lock held). */
static ts_status inflate_cached(Ctx *ctx, ZipArchive *z, const ZipEntry *e, ZipCache *c) {
    size_t n = (size_t)e->usize;
    uint64_t limit;
    if (!__builtin_mul_overflow(e->csize, (uint64_t)DEFLATE_MAX_RATIO, &limit) &&
        !__builtin_add_overflow(limit, (uint64_t)64, &limit) && e->usize > limit)
        return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                       "%s: corrupt zip: entry '%.200s' claims %llu bytes from %llu compressed bytes",
                       z->name, e->name, (unsigned long long)e->usize, (unsigned long long)e->csize);
    uint64_t total;
    if (__builtin_add_overflow(z->inflated, e->usize, &total) || total > z->budget)
        return ts_fail(ctx, TS_ERR_NOMEM, NULL,
                       "%s: inflating entry '%.200s' (%llu bytes) would take the archive past its budget "
                       "of %llu inflated bytes (ts_config.max_inflated_bytes)",
                       z->name, e->name, (unsigned long long)e->usize, (unsigned long long)z->budget);
    size_t alloc;
    if (!ts_add_ok(n, 64, &alloc))
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: entry '%.200s' is too large", z->name, e->name);
    uint8_t *raw = ts_malloc(alloc);
    if (!raw)
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory inflating '%.200s' (%zu bytes)",
                       z->name, e->name, n);
    uint8_t *buf = raw + (64 - (uintptr_t)raw % 64) % 64;
    ts_status st = inflate_into(ctx, z, e, buf, n);
    if (st != TS_OK) {
        ts_free(raw);
        return st;
    }
    z->inflated = total;
    c->raw = raw;
    c->data = buf;
    return TS_OK;
}

ts_status zip_read(Ctx *ctx, ZipArchive *z, const ZipEntry *e, unsigned flags, ZipData *out) {
    TS_UNUSED(flags); /* every record's CRC is checked, once */
    memset(out, 0, sizeof *out);
    if (e->flags & ZIP_FLAG_ENCRYPTED)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: entry '%.200s' is encrypted", z->name, e->name);
    if (e->usize > SIZE_MAX)
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: entry '%.200s' is too large (%llu bytes)", z->name,
                       e->name, (unsigned long long)e->usize);
    if (e->method != 0 && e->method != 8)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                       "%s: entry '%.200s' uses compression method %u (only stored and deflate are supported)",
                       z->name, e->name, e->method);
    if (e->method == 0 && e->csize != e->usize)
        return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                       "%s: corrupt zip: stored entry '%.200s' has compressed size %llu but size %llu",
                       z->name, e->name, (unsigned long long)e->csize, (unsigned long long)e->usize);
    size_t n = (size_t)e->usize;
    ZipCache *c = &z->cache[e - z->entries];
    ts_status st = TS_OK;
    pthread_mutex_lock(&z->lock);
    if (e->method == 8 && !c->data) st = inflate_cached(ctx, z, e, c);
    const uint8_t *data = e->method == 0 ? z->data + e->data_offset : c->data;
    if (st == TS_OK && !c->checked && !z->skip_crc) {
        uint32_t crc = crc_of(data, n);
        if (crc != e->crc32)
            st = ts_fail(ctx, TS_ERR_FORMAT, NULL,
                         "%s: corrupt zip: CRC mismatch in entry '%.200s' (CRC-32 %08x in the directory, "
                         "%08x of the data): the file is damaged",
                         z->name, e->name, e->crc32, crc);
        else
            c->checked = true;
    }
    pthread_mutex_unlock(&z->lock);
    if (st != TS_OK) return st;
    out->data = data;
    out->size = n;
    out->in_place = true;
    out->aligned64 = (uintptr_t)out->data % 64 == 0;
    return TS_OK;
}

void zip_data_free(ZipData *d) {
    if (!d) return;
    ts_free(d->owned);
    memset(d, 0, sizeof *d);
}
