/*
 * archive_save.h - torch.jit.save in C: a Module written as a TorchScript
 * archive that torch.jit.load (PyTorch 1.13 and 2.x) and archive_load read.
 *
 *     TS_TRY(archive_save(ctx, m, "out.pt"));
 *
 * Records, in PyTorch's order, under the prefix <stem of the path>/
 * ("archive/" when the stem is empty): data/0..N-1 (the storages of
 * data.pkl, first-seen order), data.pkl (the root object), code/<qualifier
 * path>.py for every qualifier the module's classes come from, constants/N
 * and constants.pkl (the CONSTANTS tuple the code reads), version (or
 * .data/version from 6 up, as PyTorch does), byteorder ("little", as 2.1+
 * writes). No *.debug_pkl (optional for every loader). Layout and
 * determinism: zip_write.h, pickle_write.h.
 */
#ifndef TS_ARCHIVE_SAVE_H
#define TS_ARCHIVE_SAVE_H

#include "runtime/module.h"
#include "serialize/zip_write.h"

/* One code/ file: the qualifier ("__torch__.torch.nn.modules.linear") and
 * its TorchScript source. */
typedef struct ArchiveCodeFile {
    const char *qualifier;
    const char *text;
    size_t len;
} ArchiveCodeFile;

/* What the code side of an archive holds: the code/ files, the CONSTANTS
 * tuple they refer to, and the format version their semantics need. */
typedef struct ArchiveCode {
    ArchiveCodeFile *files; /* in the order the classes were discovered */
    int nfiles;
    IValue constants;       /* a tuple (owned) */
    int version;
    char **owned;           /* strings this struct owns */
    int nowned;
} ArchiveCode;

/* The code/ files and constants for saving m: THE one provider of code for
 * the writer. Today: a module loaded from an archive gets its archive's own
 * source text for every qualifier its unit loaded, the unit's CONSTANTS
 * tuple and version. (A module scripted from source will get the text
 * printed from its IR here.) *out is owned (archive_code_free). Errors:
 * TS_ERR_UNSUPPORTED (no source known for the module's classes),
 * TS_ERR_NOMEM. */
TS_MUST_CHECK ts_status archive_code_files(Ctx *ctx, const Module *m, ArchiveCode *out);
void archive_code_free(ArchiveCode *c);

/* Every record of the archive for m, appended to w (zipw_finish is the
 * caller's). name is used in messages. */
TS_MUST_CHECK ts_status archive_write(Ctx *ctx, const Module *m, const char *name, ZipWriter *w);

/* The archive's top-level directory for path: its file name without the
 * last extension, or "archive". Written into buf (cap bytes). */
void archive_prefix_for(const char *path, char *buf, size_t cap);

/* Write m to path: into a new file beside it, then renamed over path, so a
 * failure leaves no partial file (and an existing path untouched).
 * Errors: TS_ERR_IO naming the path (cannot create, write or rename: the
 * system's reason), TS_ERR_ARG (a module loaded for inspection only),
 * TS_ERR_UNSUPPORTED (a value that cannot be pickled), TS_ERR_NOMEM, and
 * what a class's __getstate__ raises. */
TS_MUST_CHECK ts_status archive_save(Ctx *ctx, const Module *m, const char *path);

#endif
