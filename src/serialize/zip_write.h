/*
 * zip_write.h - writing ZIP archives the way torch.jit.save lays them out:
 * the container half of ts_module_save, beside the reader (zip.h).
 *
 *     ZipWriter *w;
 *     TS_TRY(zipw_new(ctx, "out.pt", f, "out", 0, &w));   // f: an open FILE*
 *     st = zipw_add(w, "data/0", bytes, n);               // "out/data/0"
 *     if (st == TS_OK) st = zipw_finish(w);
 *     zipw_free(w);
 *
 * Every record is stored (method 0) with its real CRC-32 and sizes in the
 * local header (no data descriptor), under one top-level directory (the
 * prefix), and each local header carries PyTorch's "FB" extra field padded
 * with 'Z' so that the record's bytes start at a multiple of 64 in the file
 * (tensors can be mapped in place). Timestamps are 0 and nothing depends on
 * the clock or on hash order, so the same records in the same order give the
 * same bytes. ZIP64 structures (a 0x0001 extra in the local and central
 * headers, the zip64 end record and locator) are written only when a size,
 * an offset or the entry count needs them, or always with ZIPW_FORCE_ZIP64.
 * Errors: TS_ERR_IO naming the file ("out.pt: cannot write: No space left on
 * device"), TS_ERR_NOMEM, TS_ERR_ARG (a name too long, a record after
 * zipw_finish).
 */
#ifndef TS_ZIP_WRITE_H
#define TS_ZIP_WRITE_H

#include <stdio.h>

#include "base/diag.h"

typedef struct ZipWriter ZipWriter;

enum {
    ZIPW_FORCE_ZIP64 = 1 << 0, /* zip64 extras and end records even for small archives (tests) */
    ZIPW_ALIGN = 64,           /* every record's data starts at a multiple of this */
};

/* A writer appending to f (borrowed, positioned at offset 0; the caller
 * closes it), or, with f == NULL, to a buffer in memory (zipw_memory).
 * name is the file named in messages; prefix the top-level directory
 * (copied). *out is owned (zipw_free). Errors: TS_ERR_NOMEM, TS_ERR_ARG. */
TS_MUST_CHECK ts_status zipw_new(Ctx *ctx, const char *name, FILE *f, const char *prefix, unsigned flags,
                                 ZipWriter **out);
/* Append the record prefix/relname holding data[0..n) (copied out at once). */
TS_MUST_CHECK ts_status zipw_add(ZipWriter *w, const char *relname, const void *data, size_t n);
/* Write the central directory and end records, then flush. No record may be
 * added after. */
TS_MUST_CHECK ts_status zipw_finish(ZipWriter *w);
/* The bytes written so far by a memory writer (borrowed; NULL for a file writer). */
const uint8_t *zipw_memory(const ZipWriter *w, size_t *n);
/* Bytes written so far. */
uint64_t zipw_offset(const ZipWriter *w);
void zipw_free(ZipWriter *w);

#endif
