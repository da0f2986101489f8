/*
 * zip.h - read-only ZIP archives: the container of a TorchScript .pt file.
 *
 *     ZipArchive *z;
 *     TS_TRY(zip_open(ctx, "model.pt", &z));
 *     const ZipEntry *e;
 *     ZipData d;
 *     if (zip_require(ctx, z, "data.pkl", &e) != TS_OK ||
 *         zip_read(ctx, z, e, 0, &d) != TS_OK) { zip_release(z); return ctx->status; }
 *     ... d.data, d.size ...
 *     zip_data_free(&d);
 *     zip_release(z);
 *
 * The file is opened read-only and mapped copy-on-write (or read into memory
 * when mmap fails: same 64-byte alignment of records either way), and
 * its central directory is parsed and validated once, at open: every entry's
 * local header and data range lie inside the file (overflow-checked), sizes
 * come from the central directory only (PyTorch's local headers carry zeros),
 * zip64 records and 0x0001 extras are honoured, and two entries with one
 * name are refused. Only regular files are opened (a FIFO or a device would
 * block or never end). Stored records are returned in place (zero-copy);
 * deflated ones are inflated once, on first read, into a 64-byte aligned
 * buffer the archive keeps (so N references to one record cost one
 * inflation), whose size must equal the central directory's; the bytes
 * inflated by one archive are bounded by a budget (ctx->max_inflated_bytes;
 * default: the larger of ZIP_DEFAULT_INFLATE_MIN and
 * ZIP_DEFAULT_INFLATE_FACTOR times the file size). Every record's CRC-32 is
 * checked once, on its first read (PyTorch does not check it).
 *
 * Archives are reference counted so tensor storages can borrow record bytes:
 *     storage_borrow((void *)d.data, n, zip_release_owner, zip_retain(z));
 * A ZipArchive is immutable after open and may be read from several threads.
 * With zip_open_memory, storages borrowing records point into the caller's
 * buffer.
 * Errors name the file: "model.pt: truncated: entry 'x/data/0' extends past
 * the end of the file".
 */
#ifndef TS_ZIP_H
#define TS_ZIP_H

#include "base/diag.h"

typedef struct ZipArchive ZipArchive;

typedef struct ZipEntry {
    const char *name;     /* full name ("model/data/0"), NUL-terminated, owned by the archive */
    size_t name_len;
    uint64_t usize;       /* uncompressed size (central directory) */
    uint64_t csize;       /* compressed size (central directory) */
    uint64_t header_offset; /* of the local header */
    uint64_t data_offset; /* of the record's (compressed) bytes */
    uint32_t crc32;
    uint16_t method;      /* 0 stored, 8 deflated; others fail in zip_read */
    uint16_t flags;       /* general-purpose bits */
} ZipEntry;

/* Bytes of one record, valid while the archive is alive. */
typedef struct ZipData {
    const uint8_t *data;
    size_t size;
    void *owned;          /* always NULL: the archive owns inflated records too */
    bool in_place;        /* always true: the bytes belong to the archive */
    bool aligned64;       /* data is 64-byte aligned */
} ZipData;

enum {
    ZIP_VERIFY_CRC = 1 << 0, /* accepted for old callers: every read checks the CRC once */
};

/* The default inflate budget of an archive: max(MIN, FACTOR x file size).
 * torch.jit.save stores records uncompressed, so only re-zipped archives
 * inflate at all; text compresses about 3-10x. */
#define ZIP_DEFAULT_INFLATE_MIN ((uint64_t)1 << 30)
#define ZIP_DEFAULT_INFLATE_FACTOR 16

/* Open an archive file. *out is owned (zip_release). Errors: TS_ERR_IO (cannot
 * open or read), TS_ERR_FORMAT (not a zip, truncated, inconsistent, no entry
 * a first entry outside a directory, two entries with one name),
 * TS_ERR_UNSUPPORTED (multi-disk), TS_ERR_NOMEM. Not a regular file:
 * TS_ERR_IO. */
TS_MUST_CHECK ts_status zip_open(Ctx *ctx, const char *path, ZipArchive **out);

/* Open an archive held in memory. name is used in messages. The bytes are
 * borrowed: when the archive (and every storage borrowing from it) is gone,
 * release(release_ud) is called if release is non-NULL (pass ts_free-like
 * functions to hand over a buffer; NULL when the caller keeps it alive).
 * On failure release is not called. Errors as zip_open. */
TS_MUST_CHECK ts_status zip_open_memory(Ctx *ctx, const char *name, const void *data,
                                        size_t size, void (*release)(void *),
                                        void *release_ud, ZipArchive **out);

ZipArchive *zip_retain(ZipArchive *z);
void zip_release(ZipArchive *z);
/* zip_release with a void* argument, for Storage.owner_release. */
void zip_release_owner(void *z);

/* The name given at open (the path), for messages. */
const char *zip_name(const ZipArchive *z);
/* The prefix: everything before the first '/' of the first central-directory
 * entry ("model" for "model/data.pkl"). */
const char *zip_prefix(const ZipArchive *z);

/* Entries in central-directory order. */
size_t zip_count(const ZipArchive *z);
const ZipEntry *zip_entry(const ZipArchive *z, size_t i);
/* The name relative to the prefix ("data/0"), or NULL when the entry is not
 * under the prefix. Borrowed from the entry. */
const char *zip_entry_relname(const ZipArchive *z, const ZipEntry *e);

/* Find a record by name relative to the prefix ("data.pkl" finds
 * "model/data.pkl"); NULL when absent. Names are unique (zip_open refuses
 * duplicates). */
const ZipEntry *zip_find(const ZipArchive *z, const char *relname);
/* Find a record by its full name ("model/data.pkl"). */
const ZipEntry *zip_find_full(const ZipArchive *z, const char *name);
/* zip_find that fails with TS_ERR_NOT_FOUND: "model.pt: archive has no
 * 'data.pkl' record". */
TS_MUST_CHECK ts_status zip_require(Ctx *ctx, const ZipArchive *z, const char *relname,
                                    const ZipEntry **out);

/* Read a record's bytes (flags: ignored). Stored records come back in place,
 * deflated ones from the archive's cache (inflated on the first read); both
 * stay valid while the archive lives, so a storage borrows them with
 * zip_retain. The first read of each record checks its CRC-32.
 * Errors: TS_ERR_FORMAT (bad deflate stream, size or CRC mismatch),
 * TS_ERR_UNSUPPORTED (compression method, encryption), TS_ERR_NOMEM (out of
 * memory, or the inflate budget would be exceeded). */
TS_MUST_CHECK ts_status zip_read(Ctx *ctx, ZipArchive *z, const ZipEntry *e, unsigned flags,
                                 ZipData *out);
void zip_data_free(ZipData *d);

#endif
