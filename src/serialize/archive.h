/*
 * archive.h - loading a TorchScript archive (torch.jit.save output) into a
 * Module: zip container, version record, constants.pkl, data.pkl with the
 * module objects and tensors, and the code/ files compiled on demand.
 */
#ifndef TS_ARCHIVE_H
#define TS_ARCHIVE_H

#include "runtime/module.h"

/* Oldest and newest archive format versions tscript reads (PyTorch 1.10-2.x write 3..10). */
enum { ARCHIVE_VERSION_MIN = 1, ARCHIVE_VERSION_MAX = 10 };

ts_status archive_load(Ctx *ctx, const char *path, Module **out) TS_MUST_CHECK;
/* With TS_LOAD_* flags (TS_LOAD_INSPECT: run no model code). */
ts_status archive_load_flags(Ctx *ctx, const char *path, unsigned flags, Module **out) TS_MUST_CHECK;
/* The same from bytes in memory, which must stay valid and unchanged while
 * the module (or any tensor from it) lives. name is used in messages. */
ts_status archive_load_memory(Ctx *ctx, const char *name, const void *data, size_t size,
                              Module **out) TS_MUST_CHECK;

#endif
