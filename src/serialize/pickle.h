/*
 * pickle.h - the unpickler for PyTorch's pickle subset (data.pkl,
 * constants.pkl): protocol 2, the opcodes torch.jit.save emits plus LIST,
 * DICT and SETITEM, and no code execution: the only callables are the
 * globals PyTorch's own reader knows, and everything else (`__torch__.*`
 * classes and enums) is handed to the caller.
 *
 *     static ts_status load_storage(void *ud, const char *key, DType dt, int64_t numel,
 *                                   Storage **out) {
 *         Loader *L = ud;
 *         return pickle_storage_from_zip(L->ctx, L->z, "data", key, dt, numel, out);
 *     }
 *     PickleHooks hooks = {.build_class = build, .load_storage = load_storage};
 *     IValue root;
 *     TS_TRY(pickle_load(ctx, d.data, d.size, "model.pt:data.pkl", &hooks, L, &root));
 *
 * What comes out:
 *  - tensors from `torch._utils._rebuild_tensor_v2` as views (sizes, strides,
 *    storage_offset in elements) on the storage the load_storage hook gave for
 *    the persistent id; a storage memoised with BINPUT and fetched again with
 *    BINGET is the same Storage, so views alias as in PyTorch. Every view is
 *    checked against its storage before it exists.
 *  - lists and dicts typed from build_intlist / build_doublelist /
 *    build_boollist / build_tensorlist / restore_type_tag; the elements are
 *    checked against the tag (an untagged inner container conforming to it
 *    is tagged too). A container's tag never changes once set.
 *  - `torch.device` values, None for `collections.OrderedDict()` (PyTorch's
 *    backward-hooks placeholder), and whatever build_class returns for the
 *    rest.
 * Limits: at most PICKLE_MAX_ITEMS values pushed, containers nested at most
 * PICKLE_MAX_DEPTH deep (also the number of open MARKs), memo ids dense up to
 * a small slack, and type-tag checking bounded by a budget proportional to
 * the input size, so a hostile pickle can neither exhaust memory, nor
 * overflow the C stack when its values are freed, nor take exponential time
 * through memo sharing. Values never form cycles.
 * Errors (TS_ERR_FORMAT unless noted) name the pickle, the byte offset and
 * the opcode: "model.pt:data.pkl: BINGET at byte 120: memo slot 7 is not set".
 * TS_ERR_UNSUPPORTED for valid PyTorch content tscript does not handle yet
 * (complex, quantized or sparse tensors, conj/neg bits, unknown dtypes).
 */
#ifndef TS_PICKLE_H
#define TS_PICKLE_H

#include "value/value.h"

struct ZipArchive;

enum {
    PICKLE_MAX_ITEMS = 1 << 26, /* values pushed on the stack over a whole load */
    PICKLE_MAX_DEPTH = 512,     /* container nesting, and open MARKs */
    PICKLE_MAX_TYPE_DEPTH = 64, /* nesting in a type string (pickle_parse_type) */
};

/* Callbacks into the loader. Each reports its own failures in the context it
 * knows (through ud) and returns the status. NULL hooks fail the load with
 * TS_ERR_UNSUPPORTED when needed, except parse_type, which falls back to
 * pickle_parse_type (structural types only). */
typedef struct PickleHooks {
    /* Construct `module.name` (a `__torch__.*` class or enum) from its state:
     * the BUILD state after NEWOBJ, or the REDUCE argument (an enum's value).
     * state is borrowed; *out is owned by the unpickler. */
    ts_status (*build_class)(void *ud, const char *module, const char *name, IValue state,
                             IValue *out);
    /* The storage of persistent id ('storage', dtype, key, location, numel).
     * *out is owned by the unpickler and must hold numel elements of dtype
     * (checked; pickle_storage_from_zip does what PyTorch's loader does). */
    ts_status (*load_storage)(void *ud, const char *key, DType dtype, int64_t numel,
                              Storage **out);
    /* Parse a restore_type_tag string ("Dict[str, List[__torch__.Foo]]"). */
    ts_status (*parse_type)(void *ud, const char *text, Type **out);
    /* Told each storage's location ("cpu", "cuda:0") before load_storage;
     * may be NULL. Fails the load by returning a failure. */
    ts_status (*storage_location)(void *ud, const char *location);
    /* The pickle comes from Python's pickler (torch.save), not the C++ one
     * of torch.jit.save: OrderedDict() makes a dict (not None), BUILD on a
     * dict (its attributes, like a state_dict's _metadata) is accepted and
     * dropped, torch._utils._rebuild_parameter is known, LONG1 takes 0 to 8
     * bytes, and a container may be filled after BINPUT memoised it (the
     * memo then holds the only other reference). */
    bool python_pickle;
} PickleHooks;

/* Unpickle data[0..n). what names the pickle in messages ("model.pt:data.pkl").
 * hooks may be NULL. *out is owned by the caller; on failure it is None and
 * everything made so far has been released. */
TS_MUST_CHECK ts_status pickle_load(Ctx *ctx, const uint8_t *data, size_t n, const char *what,
                                    const PickleHooks *hooks, void *ud, IValue *out);

/* The storage for `dir/key` of an archive (dir is "data" or "constants",
 * relative to the archive's prefix): the record must hold at least
 * numel * dtype_size(dtype) bytes (overflow-checked). Stored records whose
 * bytes are aligned to the element size are borrowed in place (the storage
 * keeps the archive alive); others are inflated or copied into owned memory.
 * Errors: TS_ERR_FORMAT (no such record, too short), TS_ERR_VALUE (negative
 * numel), TS_ERR_NOMEM, and those of zip_read. */
TS_MUST_CHECK ts_status pickle_storage_from_zip(Ctx *ctx, struct ZipArchive *z, const char *dir,
                                                const char *key, DType dtype, int64_t numel,
                                                Storage **out);

enum { PICKLE_LOCATION_MAX = 32 };

/* Check a storage location from a persistent id: "cpu", or another device
 * ("cuda", "cuda:0", "mps") whose tensors tscript loads on the CPU, as
 * torch.load(map_location="cpu") does. The first location that is not "cpu"
 * is copied into remapped (PICKLE_LOCATION_MAX bytes, "" until then).
 * Errors: TS_ERR_FORMAT for a location that is not a short device name. */
TS_MUST_CHECK ts_status pickle_check_location(Ctx *ctx, const char *location, char *remapped);

/* A parser for structural TorchScript type strings, the fallback when no
 * parse_type hook is given: Tensor, int, float, bool, str, None, NoneType,
 * Any, number, Device, and List/Dict/Tuple/Optional/Union of them. Class
 * names fail with TS_ERR_UNSUPPORTED; malformed text with TS_ERR_FORMAT. */
TS_MUST_CHECK ts_status pickle_parse_type(Ctx *ctx, const char *text, Type **out);

#endif
