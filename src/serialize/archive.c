/*
 * archive.c - torch.jit.load in C.
 *
 * Order of work (reference §1.7): open the zip; read and range-check the
 * version; unpickle constants.pkl (tensors from constants/) and data.pkl
 * (tensors from data/, borrowed in place from the mapping when aligned);
 * every `GLOBAL __torch__.q Name` in the pickles resolves the class from
 * code/q.py through the unit, and its state dict fills the object's slots by
 * attribute name; finally every method reached is emitted to IR and compiled.
 * The unit is lazy (unit.h): what tscript cannot compile fails when run, so
 * any archive whose code parses loads. Model code runs at load only in a
 * class's __setstate__, and not at all with TS_LOAD_INSPECT.
 * The zip stays alive as long as any storage borrows from it.
 */
#include "serialize/archive.h"

#include <stdio.h>

#include "frontend/sema.h"
#include "serialize/pickle.h"
#include "serialize/zip.h"

enum { MAX_CODE_FILE = 64 << 20 };

typedef struct Loader {
    Ctx *ctx;
    ZipArchive *z;
    Unit *unit;
    const char *path;
    const char *dir; /* "data" or "constants": where this pickle's storages live */
    const char *what;
    char remapped[PICKLE_LOCATION_MAX]; /* the first storage location that is not "cpu" */
    unsigned flags;  /* TS_LOAD_* */
} Loader;

static ts_status provide_source(Ctx *ctx, void *ud, const char *qualifier, Source **out) {
    Loader *L = ud;
    *out = NULL;
    StrBuf rel;
    sb_init(&rel);
    sb_puts(&rel, "code/");
    for (const char *p = qualifier; *p; p++) sb_putc(&rel, *p == '.' ? '/' : *p);
    sb_puts(&rel, ".py");
    const ZipEntry *e = zip_find(L->z, sb_cstr(&rel));
    if (!e) {
        sb_free(&rel);
        return TS_OK;
    }
    if (e->usize > MAX_CODE_FILE) {
        ts_status st = ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: code file '%s' is too large (%llu bytes)", L->path,
                               sb_cstr(&rel), (unsigned long long)e->usize);
        sb_free(&rel);
        return st;
    }
    ZipData d;
    ts_status st = zip_read(ctx, L->z, e, 0, &d);
    if (st == TS_OK) {
        StrBuf name;
        sb_init(&name);
        sb_printf(&name, "%s:%s", L->path, sb_cstr(&rel));
        *out = source_new(sb_cstr(&name), (const char *)d.data, d.size);
        sb_free(&name);
        zip_data_free(&d);
    }
    sb_free(&rel);
    return st;
}

static ts_status read_version(Loader *L, int *out) {
    const ZipEntry *e = zip_find(L->z, ".data/version");
    if (!e) e = zip_find(L->z, "version");
    if (!e)
        return ts_fail(L->ctx, TS_ERR_FORMAT, NULL,
                       "%s: archive has no 'version' record (is it a TorchScript archive written by torch.jit.save?)",
                       L->path);
    ZipData d;
    TS_TRY(zip_read(L->ctx, L->z, e, 0, &d));
    long long v = 0;
    size_t i = 0;
    bool digits = false;
    while (i < d.size && d.data[i] >= '0' && d.data[i] <= '9' && v < 1000000) {
        v = v * 10 + (d.data[i] - '0');
        digits = true;
        i++;
    }
    while (i < d.size && (d.data[i] == '\n' || d.data[i] == '\r' || d.data[i] == ' ')) i++;
    bool ok = digits && i == d.size;
    zip_data_free(&d);
    if (!ok) return ts_fail(L->ctx, TS_ERR_FORMAT, NULL, "%s: the version record is not a decimal number", L->path);
    if (v < ARCHIVE_VERSION_MIN || v > ARCHIVE_VERSION_MAX)
        return ts_fail(L->ctx, TS_ERR_UNSUPPORTED, NULL,
                       "%s: archive format version %lld is not supported (tscript reads versions %d to %d)",
                       L->path, v, ARCHIVE_VERSION_MIN, ARCHIVE_VERSION_MAX);
    *out = (int)v;
    return TS_OK;
}

/* ---- pickle hooks ---- */

static ts_status hook_storage(void *ud, const char *key, DType dt, int64_t numel, Storage **out) {
    Loader *L = ud;
    return pickle_storage_from_zip(L->ctx, L->z, L->dir, key, dt, numel, out);
}

static ts_status hook_location(void *ud, const char *location) {
    Loader *L = ud;
    return pickle_check_location(L->ctx, location, L->remapped);
}

static ts_status hook_type(void *ud, const char *text, Type **out) {
    Loader *L = ud;
    return sema_parse_type_string(L->ctx, L->unit, text, out);
}

/* Attribute values are checked against their declared types with
 * iv_conform_tag: lists and dicts of a pickle made before type tags (or tagged
 * Any) take the declared element types, once their contents are checked. */

/* A class with __setstate__ was pickled as its __getstate__ value: make an
 * empty object, run __setstate__(state) on it (compiling it, and what it
 * calls, first), then check that every attribute that cannot be None got a
 * value, as PyTorch's loader does. */
static ts_status build_with_setstate(Loader *L, ClassType *c, IValue state, IValue *out) {
    Ctx *ctx = L->ctx;
    Function *fn = class_method(c, "__setstate__");
    if (fn->nparams != 2)
        return ts_fail(ctx, TS_ERR_FORMAT, &fn->span, "%s: %s.__setstate__ must take one argument", L->path, c->qualname);
    if (!iv_conform_tag(state, fn->params[1].type)) {
        StrBuf t;
        sb_init(&t);
        ty_annotation_str(&t, fn->params[1].type);
        ts_status st = ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: %s: the state of a %s object is a %s, but __setstate__ takes %s",
                               L->path, L->what, c->qualname, iv_kind_name(state), sb_cstr(&t));
        sb_free(&t);
        return st;
    }
    TS_TRY(unit_emit_pending(ctx, L->unit));
    TS_TRY(interp_compile_unit(ctx, L->unit));
    IValue obj = iv_object_steal(object_new(c));
    IValue args[2] = {obj, state}, r = iv_none();
    ts_status st = interp_call(ctx, fn, args, 2, &r);
    iv_release(r);
    if (st != TS_OK) {
        ts_prefix_error(ctx, "%s: %s: %s.__setstate__ failed: ", L->path, L->what, c->qualname);
        iv_release(obj);
        return st;
    }
    for (int i = 0; i < c->attrs.len; i++) {
        ClassAttr *a = &c->attrs.data[i];
        if (obj.u.obj->slots[i].kind == IV_NONE && !ty_subtype(ty_none(), a->type)) {
            iv_release(obj);
            return ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: %s: %s.__setstate__ left the attribute '%s' unset", L->path,
                           L->what, c->qualname, a->name);
        }
    }
    *out = obj;
    return TS_OK;
}

static ts_status hook_class(void *ud, const char *module, const char *name, IValue state, IValue *out) {
    Loader *L = ud;
    Ctx *ctx = L->ctx;
    StrBuf q;
    sb_init(&q);
    sb_printf(&q, "%s.%s", module, name);
    ClassType *c = NULL;
    ts_status st = unit_resolve_class(ctx, L->unit, sb_cstr(&q), NULL, &c);
    if (st != TS_OK) {
        ts_prefix_error(ctx, "%s: while reading %s: ", L->path, L->what);
        sb_free(&q);
        return st;
    }
    sb_free(&q);
    if (c->kind == CK_ENUM) {
        /* GLOBAL __torch__.Color, value, REDUCE: the member with that value */
        for (int i = 0; i < c->consts.len; i++)
            if (iv_equal(c->consts.data[i].value, state) && c->consts.data[i].value.kind == state.kind) {
                out->kind = IV_ENUM;
                out->u.en = enum_new(c, c->consts.data[i].name, iv_dup(c->consts.data[i].value));
                return TS_OK;
            }
        StrBuf v;
        sb_init(&v);
        iv_repr(&v, state);
        ts_status st2 = ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: %s: enum %s has no member with value %s", L->path,
                                L->what, c->qualname, sb_cstr(&v));
        sb_free(&v);
        return st2;
    }
    if (class_method(c, "__setstate__")) {
        /* inspecting runs no model code: the object stays unset */
        if (L->flags & TS_LOAD_INSPECT) {
            *out = iv_object_steal(object_new(c));
            return TS_OK;
        }
        return build_with_setstate(L, c, state, out);
    }
    if (state.kind != IV_DICT)
        return ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: %s: the state of a %s object is a %s, expected a dict",
                       L->path, L->what, c->qualname, iv_kind_name(state));
    Object *o = object_new(c);
    for (int i = 0; i < c->attrs.len; i++) {
        ClassAttr *a = &c->attrs.data[i];
        IValue key = iv_cstr(a->name);
        IValue *v = dict_find(state.u.dict, key);
        iv_release(key);
        if (!v) {
            if (a->type->kind == TK_OPTIONAL || a->type->kind == TK_NONE) continue;
            iv_release(iv_object_steal(o));
            return ts_fail(ctx, TS_ERR_FORMAT, NULL,
                           "%s: %s: the %s object has no value for its attribute '%s'", L->path, L->what,
                           c->qualname, a->name);
        }
        if (!iv_conform_tag(*v, a->type)) {
            StrBuf t;
            sb_init(&t);
            ty_annotation_str(&t, a->type);
            st = ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: %s: attribute '%s' of %s is declared %s but holds a %s",
                         L->path, L->what, a->name, c->qualname, sb_cstr(&t), iv_kind_name(*v));
            sb_free(&t);
            iv_release(iv_object_steal(o));
            return st;
        }
        o->slots[i] = iv_dup(*v);
    }
    *out = iv_object_steal(o);
    return TS_OK;
}

static ts_status unpickle(Loader *L, const char *record, const char *dir, bool required, IValue *out) {
    const ZipEntry *e = zip_find(L->z, record);
    if (!e) {
        if (!required) {
            *out = iv_none();
            return TS_OK;
        }
        return ts_fail(L->ctx, TS_ERR_FORMAT, NULL,
                       "%s: archive has no '%s' record (is it a TorchScript archive written by torch.jit.save?)",
                       L->path, record);
    }
    ZipData d;
    TS_TRY(zip_read(L->ctx, L->z, e, 0, &d));
    StrBuf what;
    sb_init(&what);
    sb_printf(&what, "%s:%s", L->path, record);
    L->dir = dir;
    L->what = record;
    PickleHooks hooks = {.build_class = hook_class, .load_storage = hook_storage, .parse_type = hook_type,
                         .storage_location = hook_location};
    ts_status st = pickle_load(L->ctx, d.data, d.size, sb_cstr(&what), &hooks, L, out);
    sb_free(&what);
    zip_data_free(&d);
    return st;
}

static ts_status load_from_zip(Ctx *ctx, ZipArchive *z, const char *path, unsigned flags, Module **out);

/* Tracing records a Python number it meets (x * 2.5) as a 0-dim float64 or
 * int64 tensor in constants.pkl, and PyTorch's optimising executor turns
 * such constants back into scalars before running (int tensor * 2.5 gives
 * float32, not float64, in both 1.13 and 2.x). Marking them as wrapped
 * numbers gives the same type promotion. */
static void mark_wrapped_numbers(IValue constants) {
    if (constants.kind != IV_TUPLE) return;
    for (int64_t i = 0; i < constants.u.tup->len; i++) {
        IValue c = constants.u.tup->items[i];
        if (c.kind != IV_TENSOR) continue;
        Tensor *t = c.u.t;
        if (t->ndim == 0 && !t->requires_grad && (t->dtype == DT_FLOAT64 || t->dtype == DT_INT64))
            t->wrapped_number = true;
    }
}

ts_status archive_load(Ctx *ctx, const char *path, Module **out) {
    return archive_load_flags(ctx, path, 0, out);
}

ts_status archive_load_flags(Ctx *ctx, const char *path, unsigned flags, Module **out) {
    *out = NULL;
    ZipArchive *z;
    TS_TRY(zip_open(ctx, path, &z));
    return load_from_zip(ctx, z, path, flags, out);
}

ts_status archive_load_memory(Ctx *ctx, const char *name, const void *data, size_t size, Module **out) {
    *out = NULL;
    ZipArchive *z;
    TS_TRY(zip_open_memory(ctx, name, data, size, NULL, NULL, &z));
    return load_from_zip(ctx, z, name, 0, out);
}

/* Takes the caller's reference to z. */
static ts_status load_from_zip(Ctx *ctx, ZipArchive *z, const char *path, unsigned flags, Module **out) {
    ops_init();
    Loader L = {ctx, z, NULL, path, NULL, NULL, {0}, flags};
    IValue root = iv_none();
    int version = 0;
    ts_status st = read_version(&L, &version);
    if (st != TS_OK) goto fail_zip;
    if (!zip_find(z, "constants.pkl") && zip_find(z, "data.pkl")) {
        st = ts_fail(ctx, TS_ERR_FORMAT, NULL,
                     "%s: this is a torch.save file (weights), not a TorchScript archive: `tscript show` lists its "
                     "tensors and ts_weights_load reads them",
                     path);
        goto fail_zip;
    }
    L.unit = unit_new(provide_source, &L);
    L.unit->version = version;
    L.unit->lazy = true;
    st = unpickle(&L, "constants.pkl", "constants", true, &L.unit->constants);
    if (st != TS_OK) goto fail_unit;
    mark_wrapped_numbers(L.unit->constants);
    st = unpickle(&L, "data.pkl", "data", true, &root);
    if (st != TS_OK) goto fail_unit;
    if (root.kind != IV_OBJECT || root.u.obj->cls->kind != CK_MODULE) {
        st = ts_fail(ctx, TS_ERR_FORMAT, NULL, "%s: data.pkl holds a %s, not a module object", path,
                     iv_kind_name(root));
        goto fail_root;
    }
    st = unit_emit_pending(ctx, L.unit);
    if (st != TS_OK) goto fail_root;
    st = interp_compile_unit(ctx, L.unit);
    if (st != TS_OK) goto fail_root;
    /* the module is read-only from here on: fill the lazily made strings now */
    for (int i = 0; i < L.unit->fns.len; i++)
        if (L.unit->fns.data[i]->state != FN_FAILED) function_signature(L.unit, L.unit->fns.data[i]);
    L.unit->provider = NULL;
    L.unit->provider_ud = NULL;
    *out = module_new(L.unit, root, path);
    (*out)->inspect_only = (flags & TS_LOAD_INSPECT) != 0;
    if (L.remapped[0]) sb_printf(&ctx->notes, "tensors saved on %s are loaded on the cpu\n", L.remapped);
    unit_release(L.unit);
    zip_release(L.z);
    return TS_OK;

fail_root:
    iv_release(root);
fail_unit:
    L.unit->provider = NULL;
    unit_release(L.unit);
fail_zip:
    zip_release(L.z);
    return st;
}
