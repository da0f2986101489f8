/*
 * weights.c - files written by torch.save (see weights.h).
 *
 * Order of work: recognise the legacy non-zip format by its magic number
 * and refuse it with what to do; open the zip; refuse a TorchScript archive
 * (it has constants.pkl) and a big-endian file (byteorder record); unpickle
 * data.pkl with Python-pickle semantics, storages from data/ borrowed from
 * the mapping when aligned, as archive.c does for torch.jit.save.
 */
#include "serialize/weights.h"

#include <stdio.h>
#include <sys/stat.h>

#include "serialize/pickle.h"
#include "serialize/zip.h"

/* pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2): what torch.save's
 * legacy format starts with. */
static const uint8_t LEGACY_MAGIC[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                       0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

typedef struct WLoader {
    Ctx *ctx;
    ZipArchive *z;
    const char *path;
    char remapped[PICKLE_LOCATION_MAX];
} WLoader;

static ts_status hook_storage(void *ud, const char *key, DType dt, int64_t numel, Storage **out) {
    WLoader *L = ud;
    return pickle_storage_from_zip(L->ctx, L->z, "data", key, dt, numel, out);
}

static ts_status hook_location(void *ud, const char *location) {
    WLoader *L = ud;
    return pickle_check_location(L->ctx, location, L->remapped);
}

/* The first bytes of path, when it is a regular file (never opens a FIFO
 * or a device, which could block or never end); 0 otherwise. */
static size_t read_head(const char *path, uint8_t *head, size_t cap) {
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(head, 1, cap, f);
    fclose(f);
    return n;
}

static bool starts_legacy(const uint8_t *p, size_t n) {
    return n >= sizeof LEGACY_MAGIC && memcmp(p, LEGACY_MAGIC, sizeof LEGACY_MAGIC) == 0;
}

static ts_status legacy_error(Ctx *ctx, const char *path) {
    return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                   "%s: the legacy torch.save format (torch < 1.6, or _use_new_zipfile_serialization=False) is not "
                   "supported; re-save it with torch.save(torch.load(path), path) in torch >= 1.6",
                   path);
}

/* Takes the caller's reference to z. */
static ts_status load_zip(Ctx *ctx, ZipArchive *z, const char *path, IValue *out) {
    WLoader L = {ctx, z, path, {0}};
    ts_status st;
    if (zip_find(z, "constants.pkl")) {
        st = ts_fail(ctx, TS_ERR_FORMAT, NULL,
                     "%s: this is a TorchScript archive (torch.jit.save), not a torch.save file: load it as a module",
                     path);
        goto release;
    }
    const ZipEntry *e = zip_find(z, "byteorder");
    if (e) {
        ZipData d;
        st = zip_read(ctx, z, e, 0, &d);
        if (st != TS_OK) goto release;
        bool little = d.size == 6 && memcmp(d.data, "little", 6) == 0;
        bool big = d.size == 3 && memcmp(d.data, "big", 3) == 0;
        zip_data_free(&d);
        if (big) {
            st = ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: the file was saved on a big-endian machine; "
                         "tscript reads little-endian torch.save files", path);
            goto release;
        }
        if (!little) {
            st = ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: the byteorder record is neither 'little' nor 'big'", path);
            goto release;
        }
    }
    e = zip_find(z, "data.pkl");
    if (!e) {
        st = ts_fail(ctx, TS_ERR_FORMAT, NULL,
                     "%s: archive has no 'data.pkl' record (is it a file written by torch.save?)", path);
        goto release;
    }
    ZipData d;
    st = zip_read(ctx, z, e, 0, &d);
    if (st != TS_OK) goto release;
    StrBuf what;
    sb_init(&what);
    sb_printf(&what, "%s:data.pkl", path);
    PickleHooks hooks = {.load_storage = hook_storage, .storage_location = hook_location, .python_pickle = true};
    st = pickle_load(ctx, d.data, d.size, sb_cstr(&what), &hooks, &L, out);
    sb_free(&what);
    zip_data_free(&d);
    if (st == TS_OK && L.remapped[0])
        sb_printf(&ctx->notes, "tensors saved on %s are loaded on the cpu\n", L.remapped);
release:
    zip_release(z);
    return st;
}

ts_status weights_load(Ctx *ctx, const char *path, IValue *out) {
    *out = iv_none();
    uint8_t head[sizeof LEGACY_MAGIC];
    if (starts_legacy(head, read_head(path, head, sizeof head))) return legacy_error(ctx, path);
    ZipArchive *z;
    TS_TRY(zip_open(ctx, path, &z));
    return load_zip(ctx, z, path, out);
}

ts_status weights_load_memory(Ctx *ctx, const char *name, const void *data, size_t size, IValue *out) {
    *out = iv_none();
    if (data && starts_legacy(data, size)) return legacy_error(ctx, name);
    ZipArchive *z;
    TS_TRY(zip_open_memory(ctx, name, data, size, NULL, NULL, &z));
    return load_zip(ctx, z, name, out);
}

bool weights_probe(const char *path) {
    uint8_t head[sizeof LEGACY_MAGIC];
    size_t n = read_head(path, head, sizeof head);
    if (starts_legacy(head, n)) return true;
    if (n < 4 || memcmp(head, "PK\x03\x04", 4) != 0) return false;
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ZipArchive *z;
    bool yes = false;
    if (zip_open(&ctx, path, &z) == TS_OK) {
        yes = zip_find(z, "data.pkl") && !zip_find(z, "constants.pkl");
        zip_release(z);
    }
    ctx_dispose(&ctx);
    return yes;
}
