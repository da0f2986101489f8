/*
 * api.c - the public C API (include/tscript/tscript.h) over the internal
 * layers. Only functions marked TS_API are exported.
 *
 * A ts_value boxes one IValue with its own reference count. Items of
 * containers handed out by ts_value_item are boxed lazily and cached in the
 * parent box, so the borrowed pointer stays valid as long as the parent.
 */
#include <stdio.h>

#include "runtime/module.h"
#include "frontend/code_print.h"
#include "kernels/backend.h"
#include "kernels/dispatch.h"
#include "serialize/archive.h"
#include "serialize/archive_save.h"
#include "serialize/weights.h"
#include "python/pyexec.h"
#include "python/script.h"
#include "trace/trace.h"
#include "opt/opt.h"
#include "tensor/random.h"
#include "api/api_value.h"

struct ts_module {
    Module *m;
};


TS_API const char *ts_version(void) { return "0.1.0"; }

TS_API const char *ts_status_name(ts_status s) {
    switch (s) {
    case TS_OK: return "TS_OK";
    case TS_ERR_NOMEM: return "TS_ERR_NOMEM";
    case TS_ERR_IO: return "TS_ERR_IO";
    case TS_ERR_FORMAT: return "TS_ERR_FORMAT";
    case TS_ERR_SYNTAX: return "TS_ERR_SYNTAX";
    case TS_ERR_TYPE: return "TS_ERR_TYPE";
    case TS_ERR_SHAPE: return "TS_ERR_SHAPE";
    case TS_ERR_VALUE: return "TS_ERR_VALUE";
    case TS_ERR_NOT_FOUND: return "TS_ERR_NOT_FOUND";
    case TS_ERR_UNSUPPORTED: return "TS_ERR_UNSUPPORTED";
    case TS_ERR_RUNTIME: return "TS_ERR_RUNTIME";
    case TS_ERR_ARG: return "TS_ERR_ARG";
    case TS_ERR_TIMEOUT: return "TS_ERR_TIMEOUT";
    case TS_ERR_CANCELLED: return "TS_ERR_CANCELLED";
    }
    return "TS_ERR_UNKNOWN";
}

TS_API ts_status ts_ctx_new(const ts_config *cfg, ts_ctx **out) {
    if (!out) return TS_ERR_ARG;
    if (cfg && (cfg->max_isa < TS_ISA_AUTO || cfg->max_isa > TS_ISA_AVX512)) return TS_ERR_ARG;
    base_malloc_tune();
    ts_ctx *ctx = ts_calloc(1, sizeof *ctx);
    if (!ctx) return TS_ERR_NOMEM;
    ctx->num_threads = cfg ? cfg->num_threads : 0;
    if (cfg && cfg->max_memory) ts_alloc_set_limit(cfg->max_memory);
    ctx->max_inflated_bytes = cfg ? cfg->max_inflated_bytes : 0;
    ops_init();
    if (ctx->num_threads > 0) kernels_set_threads(ctx->num_threads);
    if (cfg && cfg->max_isa != TS_ISA_AUTO) kernels_set_max_isa((KIsa)cfg->max_isa);
    *out = ctx;
    return TS_OK;
}

TS_API int ts_isa(void) { return (int)kernels()->isa; }
TS_API int ts_isa_supported(void) { return (int)kernels_isa_cpu(); }
TS_API const char *ts_isa_name(int level) { return kernels_isa_name(level); }
TS_API int ts_isa_parse(const char *s) { return s ? kernels_isa_parse(s) : -1; }

TS_API void ts_ctx_free(ts_ctx *ctx) {
    if (!ctx) return;
    ctx_dispose(ctx);
    sb_free(&ctx->text);
    sb_free(&ctx->loc_file);
    ts_free(ctx);
}

TS_API void ts_ctx_set_print(ts_ctx *ctx, void (*fn)(void *ud, const char *text), void *ud) {
    if (!ctx) return;
    ctx->print = fn;
    ctx->print_ud = ud;
}

TS_API const char *ts_ctx_error(const ts_ctx *ctx) {
    if (!ctx) return "";
    return ts_error_text((ts_ctx *)ctx);
}

TS_API const char *ts_ctx_error_message(const ts_ctx *ctx) { return ctx ? sb_cstr(&ctx->text) : ""; }
TS_API const char *ts_ctx_traceback(const ts_ctx *ctx) { return ctx ? sb_cstr(&ctx->traceback) : ""; }

TS_API bool ts_ctx_error_location(const ts_ctx *ctx, const char **file, int *line, int *col) {
    if (!ctx || !ctx->loc_file.len) return false;
    if (file) *file = sb_cstr(&ctx->loc_file);
    if (line) *line = ctx->loc_line;
    if (col) *col = ctx->loc_col;
    return true;
}

TS_API ts_status ts_ctx_status(const ts_ctx *ctx) { return ctx ? ctx->status : TS_ERR_ARG; }
TS_API void ts_ctx_clear_error(ts_ctx *ctx) {
    if (ctx) ts_clear_error(ctx);
}

/* ---- modules ---- */

TS_API void ts_ctx_set_timeout(ts_ctx *ctx, int64_t milliseconds) {
    if (ctx) ctx->timeout_ms = milliseconds > 0 ? milliseconds : 0;
}

TS_API void ts_ctx_interrupt(ts_ctx *ctx) {
    if (ctx) __atomic_store_n(&ctx->interrupted, 1, __ATOMIC_RELAXED);
}

/* After a call that succeeded: did an infallible allocation pass the memory
 * limit on the way (base.c)? Then the call fails after all. */
static ts_status check_memory_limit(Ctx *ctx, const char *what) {
    if (!ts_alloc_over_limit()) return TS_OK;
    ts_alloc_clear_over_limit();
    size_t limit = ts_alloc_limit();
    return limit ? ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory: %s passed the memory limit of %zu bytes", what, limit)
                 : ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory in %s", what);
}

TS_API ts_status ts_module_load(ts_ctx *ctx, const char *path, ts_module **out) {
    return ts_module_load_ex(ctx, path, 0, out);
}

TS_API ts_status ts_module_load_ex(ts_ctx *ctx, const char *path, unsigned flags, ts_module **out) {
    if (!ctx || !path || !out) return ctx ? ts_fail(ctx, TS_ERR_ARG, NULL, "ts_module_load: NULL argument") : TS_ERR_ARG;
    *out = NULL;
    ts_clear_error(ctx);
    if (flags & ~(unsigned)TS_LOAD_INSPECT)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_module_load_ex: unknown flags 0x%x", flags);
    ctx_begin(ctx);
    ts_alloc_clear_over_limit();
    sb_clear(&ctx->notes);
    Module *m = NULL;
    iv_gc_begin(); /* cycles made by __setstate__ code die with the load */
    ts_status st = archive_load_flags(ctx, path, flags, &m);
    iv_gc_end();
    if (st != TS_OK) return st;
    st = check_memory_limit(ctx, "loading the archive");
    ts_module *h = st == TS_OK ? ts_calloc(1, sizeof *h) : NULL;
    if (!h) {
        module_release(m);
        return st != TS_OK ? st : ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    }
    h->m = m;
    *out = h;
    return TS_OK;
}

TS_API ts_status ts_module_script_weights(ts_ctx *ctx, const char *path, const char *class_name, const char *args,
                                          const char *weights, const char *weights_key, ts_module **out) {
    if (!ctx || !path || !out) return ctx ? ts_fail(ctx, TS_ERR_ARG, NULL, "ts_module_script: NULL argument") : TS_ERR_ARG;
    *out = NULL;
    ts_clear_error(ctx);
    ctx_begin(ctx);
    ts_alloc_clear_over_limit();
    sb_clear(&ctx->notes);
    ScriptOptions opt = {path, class_name, args, weights, weights_key};
    Module *m = NULL;
    iv_gc_begin();
    ts_status st = script_module(ctx, &opt, &m);
    iv_gc_end();
    if (st != TS_OK) return st;
    st = check_memory_limit(ctx, "scripting the model");
    ts_module *h = st == TS_OK ? ts_calloc(1, sizeof *h) : NULL;
    if (!h) {
        module_release(m);
        return st != TS_OK ? st : ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    }
    h->m = m;
    *out = h;
    return TS_OK;
}

TS_API ts_status ts_module_script(ts_ctx *ctx, const char *path, const char *class_name, const char *args,
                                  ts_module **out) {
    return ts_module_script_weights(ctx, path, class_name, args, NULL, NULL, out);
}

TS_API ts_status ts_exec_file(ts_ctx *ctx, const char *path, int argc, char *const *argv, const uint64_t *seed) {
    if (!ctx || !path || argc < 0 || (argc && !argv))
        return ctx ? ts_fail(ctx, TS_ERR_ARG, NULL, "ts_exec_file: NULL argument") : TS_ERR_ARG;
    ts_clear_error(ctx);
    ctx_begin(ctx);
    ts_alloc_clear_over_limit();
    sb_clear(&ctx->notes);
    iv_gc_begin();
    ts_status st = pyexec_run(ctx, path, argc, argv, seed);
    iv_gc_end();
    if (st != TS_OK) return st;
    return check_memory_limit(ctx, "running the script");
}

TS_API const char *ts_ctx_notes(const ts_ctx *ctx) { return ctx ? sb_cstr(&ctx->notes) : ""; }

TS_API const char *ts_dtype_name(ts_dtype dtype) {
    return dtype_valid((int)dtype) ? dtype_name((DType)dtype) : "unknown";
}


TS_API ts_status ts_weights_load(ts_ctx *ctx, const char *path, ts_value **out) {
    if (!ctx || !path || !out) return ctx ? ts_fail(ctx, TS_ERR_ARG, NULL, "ts_weights_load: NULL argument") : TS_ERR_ARG;
    *out = NULL;
    ts_clear_error(ctx);
    sb_clear(&ctx->notes);
    IValue v;
    TS_TRY(weights_load(ctx, path, &v));
    *out = api_box(v);
    return *out ? TS_OK : ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
}

TS_API bool ts_file_is_weights(const char *path) { return path && weights_probe(path); }

TS_API void ts_module_release(ts_module *m) {
    if (!m) return;
    module_release(m->m);
    ts_free(m);
}

ts_value *api_box(IValue v) {
    ts_value *b = ts_calloc(1, sizeof *b);
    if (!b) {
        iv_release(v);
        return NULL;
    }
    b->refcnt = 1;
    b->v = v;
    return b;
}

TS_API ts_status ts_module_call(ts_ctx *ctx, ts_module *m, const char *method, ts_value *const *inputs,
                                size_t n_inputs, ts_value **out) {
    if (!ctx) return TS_ERR_ARG;
    if (!m || !method || !out || (n_inputs && !inputs))
        return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_module_call: NULL argument");
    *out = NULL;
    ts_clear_error(ctx);
    ctx_begin(ctx);
    if (n_inputs > 1024) return ts_fail(ctx, TS_ERR_ARG, NULL, "too many inputs (%zu)", n_inputs);
    IValue args[1024];
    for (size_t i = 0; i < n_inputs; i++) {
        if (!inputs[i]) return ts_fail(ctx, TS_ERR_ARG, NULL, "input %zu is NULL", i);
        args[i] = inputs[i]->v;
    }
    IValue r;
    ts_alloc_clear_over_limit();
    iv_gc_begin(); /* cycles among the values the call made die with it */
    ts_status st = module_call(ctx, m->m, method, args, (int)n_inputs, &r);
    iv_gc_end();
    if (st != TS_OK) return st;
    st = check_memory_limit(ctx, method);
    if (st != TS_OK) {
        iv_release(r);
        return st;
    }
    *out = api_box(r);
    if (!*out) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    return TS_OK;
}

TS_API ts_status ts_module_forward(ts_ctx *ctx, ts_module *m, ts_value *const *inputs, size_t n_inputs,
                                   ts_value **out) {
    return ts_module_call(ctx, m, "forward", inputs, n_inputs, out);
}

TS_API int ts_module_method_arity(const ts_module *m, const char *method) {
    if (!m || !method) return -1;
    Function *fn = module_method(m->m, method);
    return fn ? fn->nparams - 1 : -1;
}

TS_API int ts_module_method_required(const ts_module *m, const char *method) {
    if (!m || !method) return -1;
    Function *fn = module_method(m->m, method);
    if (!fn) return -1;
    int n = fn->nparams - 1;
    while (n > 0 && fn->params[n].has_default) n--;
    return n;
}

TS_API const char *ts_module_method_signature(const ts_module *m, const char *method) {
    if (!m || !method) return NULL;
    Function *fn = module_method(m->m, method);
    return fn ? function_signature(m->m->unit, fn) : NULL;
}

TS_API ts_status ts_module_show(ts_ctx *ctx, ts_module *m, ts_show what, char **out) {
    if (!ctx) return TS_ERR_ARG;
    if (!m || !out) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_module_show: NULL argument");
    StrBuf sb;
    sb_init(&sb);
    /* a module scripted from source has no code/ files: its code is what the printer makes of the IR */
    if (what == TS_SHOW_CODE && m->m->unit->from_source) what = TS_SHOW_CODE_REPRINT;
    if (what == TS_SHOW_CODE_REPRINT) {
        CodeFiles cf;
        code_files_init(&cf);
        ts_status st = code_print_unit_ex(ctx, m->m->unit, CODE_PRINT_LENIENT, &cf);
        for (int i = 0; st == TS_OK && i < cf.files.len; i++)
            sb_printf(&sb, "%s# code/%s\n%s", i ? "\n" : "", cf.files.data[i].path, cf.files.data[i].text);
        code_files_free(&cf);
        if (st != TS_OK) {
            sb_free(&sb);
            return st;
        }
        goto escape;
    }
    switch (what) {
    case TS_SHOW_TREE: module_print_tree(&sb, m->m); break;
    case TS_SHOW_CODE: module_print_code(&sb, m->m); break;
    case TS_SHOW_GRAPH: module_print_graphs(&sb, m->m); break;
    default: return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_module_show: unknown mode %d", (int)what);
    }
escape:
    if (ts_needs_escape(sb_cstr(&sb), sb.len, TS_ESC_KEEP_LINES)) {
        /* names and code from the archive must not drive the terminal */
        StrBuf esc;
        sb_init(&esc);
        sb_put_escaped(&esc, sb_cstr(&sb), sb.len, TS_ESC_KEEP_LINES);
        sb_free(&sb);
        sb = esc;
    }
    *out = sb_steal(&sb);
    return TS_OK;
}

TS_API ts_status ts_module_check(ts_ctx *ctx, ts_module *m, char **report, size_t *n_problems) {
    if (!ctx) return TS_ERR_ARG;
    if (!m || !report) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_module_check: NULL argument");
    StrBuf sb;
    sb_init(&sb);
    int n = module_check(&sb, m->m);
    if (n_problems) *n_problems = (size_t)n;
    *report = sb_steal(&sb);
    return TS_OK;
}

TS_API ts_status ts_module_optimize(ts_ctx *ctx, ts_module *m, const char *method, unsigned flags,
                                    ts_module **out, char **summary) {
    if (!ctx) return TS_ERR_ARG;
    if (!m || !out) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_module_optimize: NULL argument");
    *out = NULL;
    if (summary) *summary = NULL;
    if (flags & ~(unsigned)TS_OPT_FOR_SAVE)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_module_optimize: unknown flags 0x%x", flags);
    ts_clear_error(ctx);
    ctx_begin(ctx);
    ts_alloc_clear_over_limit();
    Module *om = NULL;
    OptStats st;
    ts_status s = opt_module(ctx, m->m, method, (flags & TS_OPT_FOR_SAVE) ? 0 : OPT_FUSE, &om, &st);
    if (s != TS_OK) return s;
    ts_module *h = ts_calloc(1, sizeof *h);
    if (!h) {
        module_release(om);
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    }
    h->m = om;
    *out = h;
    if (summary) {
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "inlined %d calls, froze %d attributes, folded %d nodes, removed %d dead nodes, "
                       "folded %d batch norms, fused %d convolutions",
                  st.inlined, st.frozen, st.folded, st.removed, st.bn_folded, st.fused);
        *summary = sb_steal(&sb);
    }
    return TS_OK;
}

TS_API ts_status ts_module_save(ts_ctx *ctx, const ts_module *m, const char *path) {
    if (!ctx) return TS_ERR_ARG;
    if (!m || !path) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_module_save: NULL argument");
    ts_clear_error(ctx);
    ctx_begin(ctx);
    ts_alloc_clear_over_limit();
    iv_gc_begin(); /* cycles made by __getstate__ code die with the save */
    ts_status st = archive_save(ctx, m->m, path);
    iv_gc_end();
    /* an infallible allocation past the memory limit still succeeded: the
     * file is complete, so the save stands */
    ts_alloc_clear_over_limit();
    return st;
}

TS_API void ts_string_free(char *s) { ts_free(s); }

/* ---- values ---- */

TS_API ts_value *ts_value_none(void) { return api_box(iv_none()); }
TS_API ts_value *ts_value_bool(bool v) { return api_box(iv_bool(v)); }
TS_API ts_value *ts_value_int(int64_t v) { return api_box(iv_int(v)); }
TS_API ts_value *ts_value_float(double v) { return api_box(iv_double(v)); }
TS_API ts_value *ts_value_str(const char *s) { return s ? api_box(iv_cstr(s)) : NULL; }

TS_API ts_value *ts_value_tuple(ts_value *const *items, size_t n) {
    if (n && !items) return NULL;
    TupleObj *t = tuple_new((int64_t)n);
    for (size_t i = 0; i < n; i++) t->items[i] = items[i] ? iv_dup(items[i]->v) : iv_none();
    return api_box(iv_tuple_steal(t));
}

TS_API ts_value *ts_value_retain(ts_value *v) {
    if (v) __atomic_add_fetch(&v->refcnt, 1, __ATOMIC_RELAXED);
    return v;
}

TS_API void ts_value_release(ts_value *v) {
    if (!v || __atomic_sub_fetch(&v->refcnt, 1, __ATOMIC_ACQ_REL) != 0) return;
    for (size_t i = 0; i < v->nchildren; i++) {
        if (v->children) ts_value_release(v->children[i]);
        if (v->keys) ts_value_release(v->keys[i]);
    }
    ts_free(v->children);
    ts_free(v->keys);
    iv_release_collect(v->v); /* a cycle the call returned dies here */
    ts_free(v);
}

TS_API ts_status ts_value_from_buffer(ts_ctx *ctx, ts_dtype dtype, const int64_t *shape, int ndim,
                                      const void *data, ts_value **out) {
    if (!ctx) return TS_ERR_ARG;
    if (!out || (ndim && !shape)) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_from_buffer: NULL argument");
    *out = NULL;
    if (!dtype_valid((int)dtype)) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_from_buffer: unknown dtype %d", (int)dtype);
    if (ndim < 0 || ndim > TS_MAX_DIMS)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_from_buffer: rank %d is outside 0..%d", ndim, TS_MAX_DIMS);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_from_buffer: negative size %lld at dim %d", (long long)shape[i], i);
    Tensor *t = tensor_empty(ctx, (DType)dtype, shape, ndim);
    if (!t) return ctx->status;
    size_t nbytes = (size_t)tensor_numel(t) * dtype_size(t->dtype);
    if (nbytes && !data) {
        tensor_release(t);
        return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_from_buffer: NULL data");
    }
    if (nbytes) memcpy(tensor_data(t), data, nbytes);
    *out = api_box(iv_tensor_steal(t));
    return *out ? TS_OK : ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
}

/* ---- PyTorch's random number generator (tensor/random.h) ---- */

TS_API ts_status ts_ctx_manual_seed(ts_ctx *ctx, uint64_t seed) {
    if (!ctx) return TS_ERR_ARG;
    return ctx_manual_seed(ctx, seed);
}

TS_API uint64_t ts_ctx_initial_seed(ts_ctx *ctx) {
    if (!ctx) return 0;
    return ctx->gen ? ctx->gen->seed : TS_DEFAULT_SEED;
}

TS_API ts_status ts_value_randn(ts_ctx *ctx, ts_dtype dtype, const int64_t *shape, int ndim, ts_value **out) {
    if (!ctx) return TS_ERR_ARG;
    if (!out || (ndim && !shape)) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_randn: NULL argument");
    *out = NULL;
    if (!dtype_valid((int)dtype) || !dtype_is_float((DType)dtype))
        return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_randn: dtype %d is not a floating point dtype", (int)dtype);
    if (ndim < 0 || ndim > TS_MAX_DIMS)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_randn: rank %d is outside 0..%d", ndim, TS_MAX_DIMS);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_randn: negative size %lld at dim %d", (long long)shape[i], i);
    Generator *g = ctx_generator(ctx);
    if (!g) return ctx->status;
    Tensor *t = tensor_new_uninit(ctx, (DType)dtype, shape, ndim);
    if (!t) return ctx->status;
    random_normal_(g, t, 0.0, 1.0);
    *out = api_box(iv_tensor_steal(t));
    return *out ? TS_OK : ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
}

TS_API ts_kind ts_value_kind(const ts_value *v) {
    if (!v) return TS_KIND_OTHER;
    switch (v->v.kind) {
    case IV_NONE: return TS_KIND_NONE;
    case IV_BOOL: return TS_KIND_BOOL;
    case IV_INT: return TS_KIND_INT;
    case IV_DOUBLE: return TS_KIND_FLOAT;
    case IV_STR: return TS_KIND_STR;
    case IV_TENSOR: return TS_KIND_TENSOR;
    case IV_LIST: return TS_KIND_LIST;
    case IV_TUPLE: return TS_KIND_TUPLE;
    case IV_DICT: return TS_KIND_DICT;
    case IV_OBJECT: return TS_KIND_OBJECT;
    case IV_DEVICE: return TS_KIND_DEVICE;
    default: return TS_KIND_OTHER;
    }
}

TS_API bool ts_value_get_bool(const ts_value *v) { return v && v->v.kind == IV_BOOL && v->v.u.b; }
TS_API int64_t ts_value_get_int(const ts_value *v) {
    if (!v) return 0;
    return v->v.kind == IV_INT ? v->v.u.i : v->v.kind == IV_BOOL ? v->v.u.b : 0;
}
TS_API double ts_value_get_float(const ts_value *v) {
    if (!v) return 0;
    return v->v.kind == IV_DOUBLE ? v->v.u.d : v->v.kind == IV_INT ? (double)v->v.u.i : 0;
}
TS_API const char *ts_value_get_str(const ts_value *v) {
    return v && v->v.kind == IV_STR ? v->v.u.s->data : NULL;
}

TS_API size_t ts_value_len(const ts_value *v) {
    if (!v) return 0;
    switch (v->v.kind) {
    case IV_TUPLE: return (size_t)v->v.u.tup->len;
    case IV_LIST: return (size_t)v->v.u.l->len;
    case IV_DICT: return (size_t)v->v.u.dict->len;
    default: return 0;
    }
}

static ts_value *child(const ts_value *cv, size_t i, bool key) {
    ts_value *v = (ts_value *)cv;
    size_t n = ts_value_len(v);
    if (i >= n) return NULL;
    if (!v->children) {
        v->children = ts_calloc(n, sizeof(ts_value *));
        v->keys = ts_calloc(n, sizeof(ts_value *));
        if (!v->children || !v->keys) {
            ts_free(v->children);
            ts_free(v->keys);
            v->children = v->keys = NULL;
            return NULL;
        }
        v->nchildren = n;
    }
    if (i >= v->nchildren) return NULL;
    ts_value **slot = key ? &v->keys[i] : &v->children[i];
    if (!*slot) {
        IValue item;
        switch (v->v.kind) {
        case IV_TUPLE: item = v->v.u.tup->items[i]; break;
        case IV_LIST: item = v->v.u.l->items[i]; break;
        case IV_DICT: item = key ? v->v.u.dict->entries[i].key : v->v.u.dict->entries[i].value; break;
        default: return NULL;
        }
        if (key && v->v.kind != IV_DICT) return NULL;
        *slot = api_box(iv_dup(item));
    }
    return *slot;
}

TS_API ts_value *ts_value_item(const ts_value *v, size_t i) { return child(v, i, false); }
TS_API ts_value *ts_value_dict_key(const ts_value *v, size_t i) {
    return v && v->v.kind == IV_DICT ? child(v, i, true) : NULL;
}

TS_API int ts_tensor_ndim(const ts_value *v) {
    return v && v->v.kind == IV_TENSOR ? v->v.u.t->ndim : -1;
}
TS_API int64_t ts_tensor_size(const ts_value *v, int dim) {
    if (!v || v->v.kind != IV_TENSOR || dim < 0 || dim >= v->v.u.t->ndim) return -1;
    return v->v.u.t->sizes[dim];
}
TS_API ts_dtype ts_tensor_dtype(const ts_value *v) {
    return v && v->v.kind == IV_TENSOR ? (ts_dtype)v->v.u.t->dtype : TS_FLOAT32;
}
TS_API int64_t ts_tensor_numel(const ts_value *v) {
    return v && v->v.kind == IV_TENSOR ? tensor_numel(v->v.u.t) : -1;
}

TS_API ts_status ts_value_to_buffer(ts_ctx *ctx, const ts_value *v, ts_dtype dtype, void *buf, size_t nbytes) {
    if (!ctx) return TS_ERR_ARG;
    if (!v || v->v.kind != IV_TENSOR) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_to_buffer: not a tensor");
    if (!dtype_valid((int)dtype)) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_to_buffer: unknown dtype %d", (int)dtype);
    const Tensor *t = v->v.u.t;
    size_t need;
    if (!ts_mul_ok((size_t)tensor_numel(t), dtype_size((DType)dtype), &need) || need > nbytes)
        return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_to_buffer: buffer of %zu bytes is too small (need %zu)",
                       nbytes, need);
    if (need && !buf) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_value_to_buffer: NULL buffer");
    Tensor *c = tensor_to_dtype(ctx, t, (DType)dtype);
    if (!c) return ctx->status;
    if (need) memcpy(buf, tensor_data(c), need);
    tensor_release(c);
    return TS_OK;
}

TS_API char *ts_value_repr(const ts_value *v) {
    StrBuf sb;
    sb_init(&sb);
    if (v) iv_repr(&sb, v->v);
    return sb_steal(&sb);
}

/* ---- tracing (src/trace/) ---- */

struct ts_tracer {
    Tracer *t;
};

static void trace_opts_of(const ts_trace_opts *o, TraceOptions *to) {
    trace_options_default(to);
    if (!o) return;
    to->strict = o->strict;
    to->warn = o->warn;
    to->warn_ud = o->warn_ud;
}

static ts_status unbox_all(ts_ctx *ctx, ts_value *const *vs, size_t n, IValue **out) {
    if (n > 1024) return ts_fail(ctx, TS_ERR_ARG, NULL, "too many inputs (%zu)", n);
    *out = ts_xmalloc(sizeof(IValue) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        if (!vs[i]) {
            ts_free(*out);
            return ts_fail(ctx, TS_ERR_ARG, NULL, "input %zu is NULL", i);
        }
        (*out)[i] = vs[i]->v;
    }
    return TS_OK;
}

static ts_status wrap_module(ts_ctx *ctx, Module *m, ts_module **out) {
    ts_module *h = ts_calloc(1, sizeof *h);
    if (!h) {
        module_release(m);
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    }
    h->m = m;
    *out = h;
    return TS_OK;
}

TS_API ts_status ts_module_trace(ts_ctx *ctx, ts_module *m, ts_value *const *inputs, size_t n,
                                 const ts_trace_opts *opts, ts_module **out) {
    if (!ctx) return TS_ERR_ARG;
    if (!m || !out || (n && !inputs)) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_module_trace: NULL argument");
    *out = NULL;
    ts_clear_error(ctx);
    ctx_begin(ctx);
    sb_clear(&ctx->notes);
    IValue *args;
    TS_TRY(unbox_all(ctx, inputs, n, &args));
    TraceOptions to;
    trace_opts_of(opts, &to);
    ts_alloc_clear_over_limit();
    Module *r = NULL;
    ts_status st = trace_module(ctx, m->m, NULL, args, (int)n, &to, &r);
    ts_free(args);
    if (st == TS_OK) st = check_memory_limit(ctx, "tracing");
    if (st != TS_OK) {
        module_release(r);
        return st;
    }
    return wrap_module(ctx, r, out);
}

TS_API ts_status ts_trace_begin(ts_ctx *ctx, ts_value *const *inputs, size_t n, const ts_trace_opts *opts,
                                ts_tracer **out) {
    if (!ctx) return TS_ERR_ARG;
    if (!out || (n && !inputs)) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_trace_begin: NULL argument");
    *out = NULL;
    ts_clear_error(ctx);
    sb_clear(&ctx->notes);
    IValue *args;
    TS_TRY(unbox_all(ctx, inputs, n, &args));
    TraceOptions to;
    trace_opts_of(opts, &to);
    Tracer *t = NULL;
    ts_status st = trace_begin(ctx, args, (int)n, &to, &t);
    ts_free(args);
    if (st != TS_OK) return st;
    ts_tracer *h = ts_calloc(1, sizeof *h);
    if (!h) {
        trace_free(t);
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    }
    h->t = t;
    *out = h;
    return TS_OK;
}

TS_API ts_status ts_trace_param(ts_ctx *ctx, ts_tracer *t, const char *name, ts_value *tensor, bool is_buffer) {
    if (!ctx) return TS_ERR_ARG;
    if (!t || !name || !tensor) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_trace_param: NULL argument");
    ts_clear_error(ctx);
    return trace_param(ctx, t->t, name, tensor->v, is_buffer);
}

TS_API ts_status ts_trace_op(ts_ctx *ctx, ts_tracer *t, const char *op, ts_value *const *args, size_t n,
                             ts_value **out) {
    if (!ctx) return TS_ERR_ARG;
    if (!t || !op || !out || (n && !args)) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_trace_op: NULL argument");
    *out = NULL;
    ts_clear_error(ctx);
    ctx_begin(ctx);
    IValue *a;
    TS_TRY(unbox_all(ctx, args, n, &a));
    IValue r;
    ts_status st = trace_op(ctx, t->t, op, a, (int)n, &r);
    ts_free(a);
    if (st != TS_OK) return st;
    *out = api_box(r);
    return *out ? TS_OK : ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
}

TS_API ts_status ts_trace_call(ts_ctx *ctx, ts_tracer *t, const char *name, ts_module *m, const char *method,
                               ts_value *const *args, size_t n, ts_value **out) {
    if (!ctx) return TS_ERR_ARG;
    if (!t || !m || !out || (n && !args)) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_trace_call: NULL argument");
    *out = NULL;
    ts_clear_error(ctx);
    ctx_begin(ctx);
    IValue *a;
    TS_TRY(unbox_all(ctx, args, n, &a));
    IValue r;
    iv_gc_begin();
    ts_status st = trace_call(ctx, t->t, name, m->m, method, a, (int)n, &r);
    iv_gc_end();
    ts_free(a);
    if (st != TS_OK) return st;
    *out = api_box(r);
    return *out ? TS_OK : ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
}

TS_API ts_status ts_trace_end(ts_ctx *ctx, ts_tracer *t, ts_value *output, ts_module **out) {
    if (!ctx) return TS_ERR_ARG;
    if (!t || !output || !out) return ts_fail(ctx, TS_ERR_ARG, NULL, "ts_trace_end: NULL argument");
    *out = NULL;
    ts_clear_error(ctx);
    Module *r = NULL;
    TS_TRY(trace_end(ctx, t->t, output->v, &r));
    return wrap_module(ctx, r, out);
}

TS_API void ts_tracer_free(ts_tracer *t) {
    if (!t) return;
    trace_free(t->t);
    ts_free(t);
}
