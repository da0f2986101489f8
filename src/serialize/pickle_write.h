/*
 * pickle_write.h - the pickler for data.pkl and constants.pkl: values in the
 * protocol-2 subset that torch.jit.save's C++ pickler emits and that
 * torch.jit.load (and pickle.h) read back.
 *
 *     PickleDump d;
 *     TS_TRY(pickle_dump(ctx, root, &hooks, ud, "out.pt:data.pkl", &d));
 *     ... d.data[0..d.len) is the pickle; d.storages[k] goes to data/<k> ...
 *     pickle_dump_free(&d);
 *
 * What goes in, as PyTorch writes it (reference §2):
 *  - None, bool, int (BININT1/BININT2/BININT, else LONG1 of 8 bytes), float
 *    (BINFLOAT), str (BINUNICODE, memoised by value), device
 *    (torch.device(str)), tuples (NamedTuples too: the name is not
 *    recorded);
 *  - List[int]/List[float]/List[bool]/List[Tensor] through
 *    torch.jit._pickle.build_*list, every other list and every dict through
 *    restore_type_tag with the container's annotation string;
 *  - tensors as torch._utils._rebuild_tensor_v2(storage, storage_offset,
 *    sizes, strides, requires_grad, OrderedDict()), the storage a persistent
 *    id ('storage', torch.<Name>Storage, key, 'cpu', numel) numbered "0",
 *    "1", ... in first-seen order; a storage met again (with the same dtype)
 *    is a BINGET of the first one, so views stay views;
 *  - objects (modules, classes) as GLOBAL <qualifier> <Name>, NEWOBJ and
 *    BUILD of their state: the object_state hook's value when it gives one
 *    (__getstate__), else a dict of every attribute in slot order; enums as
 *    GLOBAL and REDUCE of the member's value.
 * Every heap value (tensor, list, tuple, dict, object, enum) is memoised by
 * identity, so sharing survives the round trip, and the output depends only
 * on the values (never on addresses or hash order): the same graph gives
 * the same bytes. Values must not form cycles, and nest at most
 * PICKLE_WRITE_MAX_DEPTH deep (the reader's limit, with room to spare).
 * Errors: TS_ERR_UNSUPPORTED (a function value, a cycle, too deep),
 * TS_ERR_NOMEM, and what the hook returns.
 */
#ifndef TS_PICKLE_WRITE_H
#define TS_PICKLE_WRITE_H

#include "value/value.h"

enum { PICKLE_WRITE_MAX_DEPTH = 400 };

typedef struct PickleDumpHooks {
    /* The state to pickle for o instead of its attribute dict, or *has_state
     * = false for the attribute dict. *state is owned by the pickler. May
     * be NULL (always the attribute dict). */
    ts_status (*object_state)(void *ud, Object *o, bool *has_state, IValue *state);
} PickleDumpHooks;

/* A storage the pickle refers to by key (its index in PickleDump.storages):
 * numel elements of dtype, the storage's first numel * dtype_size bytes. */
typedef struct PickleStorage {
    Storage *storage; /* retained */
    DType dtype;
    int64_t numel;
} PickleStorage;

typedef struct PickleDump {
    uint8_t *data;
    size_t len;
    PickleStorage *storages;
    int nstorages;
} PickleDump;

/* Pickle v. what names the pickle in messages. *out is owned by the caller
 * (pickle_dump_free); on failure it is empty. */
TS_MUST_CHECK ts_status pickle_dump(Ctx *ctx, IValue v, const PickleDumpHooks *hooks, void *ud, const char *what,
                                    PickleDump *out);
void pickle_dump_free(PickleDump *d);

#endif
