/*
 * weights.h - torch.load in C, for the files torch.save writes: state_dicts,
 * single tensors and nested containers of tensors, ints, floats, strings.
 *
 *     IValue v;
 *     TS_TRY(weights_load(ctx, "weights.pt", &v));   // a dict for a state_dict
 *
 * Only the zip format (torch >= 1.6, the default of torch.save) is read; its
 * root folder is whatever the writer chose ("archive/", the file's stem).
 * data.pkl is unpickled with the safe subset of pickle.h in its
 * python_pickle mode: tensors (_rebuild_tensor_v2, _rebuild_parameter),
 * OrderedDict, torch.device, built-in containers and scalars; any other
 * global is refused, so no code runs. Storages saved on another device
 * ("cuda:0") are loaded on the CPU and noted in ctx->notes.
 * Errors: TS_ERR_IO, TS_ERR_FORMAT (not a torch.save file, a TorchScript
 * archive, a bad pickle or record), TS_ERR_UNSUPPORTED (the legacy non-zip
 * format, big-endian files, dtypes tscript lacks), TS_ERR_NOMEM.
 */
#ifndef TS_WEIGHTS_H
#define TS_WEIGHTS_H

#include "value/value.h"

/* Load path; *out is owned by the caller (None on failure). */
TS_MUST_CHECK ts_status weights_load(Ctx *ctx, const char *path, IValue *out);
/* The same from bytes in memory (borrowed for as long as any storage lives:
 * the caller keeps them alive until every value made is released). */
TS_MUST_CHECK ts_status weights_load_memory(Ctx *ctx, const char *name, const void *data, size_t size,
                                            IValue *out);
/* Does path look like a torch.save file: a zip with data.pkl and no
 * constants.pkl, or a legacy (non-zip) torch.save pickle? Never fails. */
bool weights_probe(const char *path);

#endif
