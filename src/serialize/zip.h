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
 * zip64 records and 0x0001 extras are honoured. Stored records are returned
 * in place (zero-copy); deflated ones are inflated into an owned buffer whose
 * size must equal the central directory's. CRC32 is checked only on request,
 * as PyTorch never checks it.
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

/* Bytes of one record. data is valid while the archive is alive (stored
 * records) or until zip_data_free (inflated records, owned != NULL). */
typedef struct ZipData {
    const uint8_t *data;
    size_t size;
    void *owned;          /* the inflated buffer (ts_malloc); NULL when in place */
    bool in_place;        /* points into the archive's mapping */
    bool aligned64;       /* data is 64-byte aligned */
} ZipData;

enum {
    ZIP_VERIFY_CRC = 1 << 0, /* zip_read: check the record's CRC32 */
};

/* Open an archive file. *out is owned (zip_release). Errors: TS_ERR_IO (cannot
 * open or read), TS_ERR_FORMAT (not a zip, truncated, inconsistent, no entry
 * or a first entry outside a directory), TS_ERR_UNSUPPORTED (multi-disk),
 * TS_ERR_NOMEM. */
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
 * "model/data.pkl"); NULL when absent. With duplicate names, the first wins. */
const ZipEntry *zip_find(const ZipArchive *z, const char *relname);
/* Find a record by its full name ("model/data.pkl"). */
const ZipEntry *zip_find_full(const ZipArchive *z, const char *name);
/* zip_find that fails with TS_ERR_NOT_FOUND: "model.pt: archive has no
 * 'data.pkl' record". */
TS_MUST_CHECK ts_status zip_require(Ctx *ctx, const ZipArchive *z, const char *relname,
                                    const ZipEntry **out);

/* Read a record's bytes. flags: ZIP_VERIFY_CRC. Stored records come back in
 * place (out->in_place); deflated ones inflated into out->owned, which the
 * caller may keep (take it and set out->owned = NULL; free with ts_free).
 * Errors: TS_ERR_FORMAT (bad deflate stream, size or CRC mismatch),
 * TS_ERR_UNSUPPORTED (compression method, encryption), TS_ERR_NOMEM. */
TS_MUST_CHECK ts_status zip_read(Ctx *ctx, ZipArchive *z, const ZipEntry *e, unsigned flags,
                                 ZipData *out);
void zip_data_free(ZipData *d);

#endif
