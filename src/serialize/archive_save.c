/*
 * archive_save.c - torch.jit.save in C (see archive_save.h).
 *
 * Order of work: get the code side (archive_code_files: the seam where the
 * code/ text comes from), pickle the root object (objects whose class has
 * __getstate__ and __setstate__ are pickled as __getstate__'s result, run
 * here, as PyTorch's pickler does), then write data/N for each storage the
 * pickle named, data.pkl, the code files, constants/N and constants.pkl,
 * the version and byteorder records. archive_save writes into a temporary
 * file created (O_EXCL) in the target's directory and renames it over the
 * target only once everything was written, flushed and synced.
 * Nothing here iterates a hash table for output order: the code files come
 * in the unit's source order, storages in pickling order.
 */
#include "serialize/archive_save.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend/ast.h"
#include "frontend/code_print.h"
#include "serialize/pickle_write.h"
#include "serialize/zip.h"

/* ---- the code side ---- */

static char *own_str(ArchiveCode *c, const char *s, size_t n) {
    char **o = ts_realloc(c->owned, (size_t)(c->nowned + 1) * sizeof *o);
    if (!o) return NULL;
    c->owned = o;
    char *d = ts_malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    c->owned[c->nowned++] = d;
    return d;
}

/* The qualifier of a code file loaded by archive.c's provider, whose source
 * is named "<archive>:code/a/b.py" ("a.b"), or NULL (a type-tag source, or
 * a name of another shape). Checked against the unit's file table: the
 * qualifier's parsed file must be this very source. */
static char *source_qualifier(ArchiveCode *c, const Unit *u, const Source *src) {
    const char *name = src->name, *at = NULL;
    for (const char *p = strstr(name, ":code/"); p; p = strstr(p + 1, ":code/")) at = p;
    if (!at) return NULL;
    at += strlen(":code/");
    size_t n = strlen(at);
    if (n <= 3 || strcmp(at + n - 3, ".py") != 0) return NULL;
    char *q = own_str(c, at, n - 3);
    if (!q) return NULL;
    for (char *p = q; *p; p++)
        if (*p == '/') *p = '.';
    const AstModule *mod = strmap_get(&u->files, q);
    /* a qualifier without a file maps to a marker that is no AstModule; but
     * this name came from a source the provider did load, so it has a file */
    if (!mod || mod->src != src) return NULL;
    return q;
}

static bool is_ident(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool have_file(const ArchiveCode *c, const char *q, size_t n) {
    for (int i = 0; i < c->nfiles; i++)
        if (strlen(c->files[i].qualifier) == n && memcmp(c->files[i].qualifier, q, n) == 0) return true;
    return false;
}

/* Read code/<q[0..n)>.py from the archive the module was loaded from, if
 * it has one; adds it to c. *added tells. */
static ts_status fetch_file(Ctx *ctx, ZipArchive *z, ArchiveCode *c, const char *q, size_t n, bool *added) {
    *added = false;
    if (!z) return TS_OK;
    StrBuf rel;
    sb_init(&rel);
    sb_puts(&rel, "code/");
    for (size_t i = 0; i < n; i++) sb_putc(&rel, q[i] == '.' ? '/' : q[i]);
    sb_puts(&rel, ".py");
    const ZipEntry *e = zip_find(z, sb_cstr(&rel));
    sb_free(&rel);
    if (!e) return TS_OK;
    ZipData d;
    TS_TRY(zip_read(ctx, z, e, 0, &d));
    char *text = own_str(c, (const char *)d.data, d.size);
    char *qual = text ? own_str(c, q, n) : NULL;
    zip_data_free(&d);
    if (!qual) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    ArchiveCodeFile *f = ts_realloc(c->files, (size_t)(c->nfiles + 1) * sizeof *f);
    if (!f) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    c->files = f;
    c->files[c->nfiles++] = (ArchiveCodeFile){qual, text, e->usize};
    *added = true;
    return TS_OK;
}

/* Is q[0..n) a class or function the unit resolved (so its file is known)? */
static bool unit_has_entity(const Unit *u, const char *q, size_t n) {
    return strmap_getn(&u->classes, q, n) || strmap_getn(&u->functions, q, n);
}

/* A lazy unit loads a code file only when the code it compiles names one
 * of its classes or functions, so a name used only inside code tscript could
 * not compile may lack its file; torch.jit.load compiles everything and
 * needs it. For each `__torch__.a.b.c` in the files, PyTorch's importer
 * looks for the entity under the longest prefix that has a file, so: if the
 * name or a prefix of it is a class or function the unit resolved, or a
 * prefix is a file we write, it is covered; otherwise the longest prefix
 * that is a code file of the archive the module came from is read again
 * from it. A name that neither covers nor that archive can settle (a module
 * loaded from memory) fails the save rather than write an archive PyTorch
 * cannot load. */
static ts_status add_missing_files(Ctx *ctx, const Module *m, ArchiveCode *c) {
    static const char ROOT[] = "__torch__";
    const size_t root = sizeof ROOT - 1;
    const Unit *u = m->unit;
    ZipArchive *z = NULL;
    bool tried_open = false;
    ts_status st = TS_OK;
    for (int fi = 0; st == TS_OK && fi < c->nfiles; fi++) {
        const char *text = c->files[fi].text;
        size_t len = c->files[fi].len;
        for (size_t i = 0; st == TS_OK && i + root <= len; i++) {
            if (memcmp(text + i, ROOT, root) != 0 || (i > 0 && is_ident(text[i - 1]))) continue;
            size_t j = i;
            while (j < len && (is_ident(text[j]) || text[j] == '.')) j++;
            while (j > i && text[j - 1] == '.') j--;
            const char *name = text + i;
            size_t n = j - i;
            i = j;
            if (n <= root || name[root] != '.') continue;
            if (n >= 24 && memcmp(name, "__torch__.torch.classes.", 24) == 0) continue; /* C++ classes: no file */
            /* prefixes ending at a component, longest (the name itself) first */
            bool covered = false, undecided = false;
            for (size_t k = n; k >= root && !covered && st == TS_OK; k--) {
                if (k < n && name[k] != '.') continue;
                if (unit_has_entity(u, name, k) || (k < n && have_file(c, name, k))) {
                    covered = true;
                    break;
                }
                if (k == n) continue;
                if (!tried_open) {
                    tried_open = true;
                    Ctx quiet = {0};
                    if (!m->path || zip_open(&quiet, m->path, &z) != TS_OK) z = NULL;
                    ctx_dispose(&quiet);
                }
                st = fetch_file(ctx, z, c, name, k, &covered);
                if (!covered && !z && !strmap_getn(&u->files, name, k)) {
                    undecided = true; /* a shorter prefix's file cannot settle it */
                    break;
                }
            }
            if (st == TS_OK && !covered && undecided)
                st = ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                             "%s: the code names %.*s, whose code file tscript never loaded and cannot read again, "
                             "so the module cannot be saved",
                             m->path ? m->path : "module", (int)TS_MIN(n, 200), name);
        }
    }
    if (z) zip_release(z);
    return st;
}

/* A module compiled from source (scripted from a model.py, or no archive file
 * behind its unit): the code
 * printed from its IR in PyTorch's dialect (frontend/code_print.c), with the
 * constants the printer collected. */
static ts_status printed_code(Ctx *ctx, const Module *m, ArchiveCode *out) {
    CodeFiles cf;
    code_files_init(&cf);
    ts_status st = code_print_unit(ctx, m->unit, &cf);
    if (st == TS_OK && cf.files.len == 0)
        st = ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: its unit holds no class or function, so it cannot be saved",
                     m->path ? m->path : "module");
    if (st == TS_OK) {
        ArchiveCodeFile *files = ts_realloc(out->files, (size_t)cf.files.len * sizeof *files);
        TupleObj *t = files ? tuple_new(cf.constants.len) : NULL;
        if (files) out->files = files;
        if (!t) st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
        for (int i = 0; st == TS_OK && i < cf.files.len; i++) {
            const char *text = cf.files.data[i].text;
            char *q = own_str(out, cf.files.data[i].qualifier, strlen(cf.files.data[i].qualifier));
            char *tx = q ? own_str(out, text, strlen(text)) : NULL;
            if (!tx) {
                st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
                break;
            }
            out->files[out->nfiles++] = (ArchiveCodeFile){q, tx, strlen(tx)};
        }
        if (t) {
            for (int i = 0; i < cf.constants.len; i++) t->items[i] = iv_dup(cf.constants.data[i]);
            out->constants = iv_tuple_steal(t);
        }
        out->version = m->unit->version > 0 ? m->unit->version : 5;
    }
    code_files_free(&cf);
    return st;
}

ts_status archive_code_files(Ctx *ctx, const Module *m, ArchiveCode *out) {
    memset(out, 0, sizeof *out);
    out->constants = iv_none();
    if (m->unit->from_source) {
        ts_status st = printed_code(ctx, m, out);
        if (st != TS_OK) archive_code_free(out);
        return st;
    }
    const Unit *u = m->unit;
    out->files = ts_calloc((size_t)u->sources.len + 1, sizeof *out->files);
    if (!out->files) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    for (int i = 0; i < u->sources.len; i++) {
        const Source *src = u->sources.data[i];
        char *q = source_qualifier(out, u, src);
        if (!q) continue;
        out->files[out->nfiles++] = (ArchiveCodeFile){q, src->text, src->len};
    }
    ts_status st = add_missing_files(ctx, m, out);
    if (st != TS_OK) {
        archive_code_free(out);
        return st;
    }
    if (out->nfiles == 0 && u->sources.len > 0) {
        st = printed_code(ctx, m, out);
        if (st != TS_OK) archive_code_free(out);
        return st;
    }
    if (out->nfiles == 0) {
        archive_code_free(out);
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                       "%s: no TorchScript source is known for this module's classes, so it cannot be saved",
                       m->path ? m->path : "module");
    }
    if (u->constants.kind == IV_TUPLE) {
        out->constants = iv_dup(u->constants);
    } else {
        TupleObj *t = tuple_new(0);
        out->constants = iv_tuple_steal(t);
    }
    out->version = u->version > 0 ? u->version : 5;
    return TS_OK;
}

void archive_code_free(ArchiveCode *c) {
    for (int i = 0; i < c->nowned; i++) ts_free(c->owned[i]);
    ts_free(c->owned);
    ts_free(c->files);
    iv_release(c->constants);
    memset(c, 0, sizeof *c);
    c->constants = iv_none();
}

/* ---- objects with __getstate__ ---- */

typedef struct Saver {
    Ctx *ctx;
    const char *name;
} Saver;

/* PyTorch pickles an object as its __getstate__() only when the class has
 * both __getstate__ and __setstate__. */
static ts_status object_state(void *ud, Object *o, bool *has_state, IValue *state) {
    Saver *s = ud;
    *has_state = false;
    *state = iv_none();
    Function *get = class_method(o->cls, "__getstate__");
    if (!get || !class_method(o->cls, "__setstate__")) return TS_OK;
    IValue self;
    self.kind = IV_OBJECT;
    self.u.obj = o; /* borrowed: interp_call does not consume its arguments */
    ts_status st = interp_call(s->ctx, get, &self, 1, state);
    if (st != TS_OK) {
        ts_prefix_error(s->ctx, "%s: %s.__getstate__ failed while saving: ", s->name, o->cls->qualname);
        return st;
    }
    *has_state = true;
    return TS_OK;
}

/* ---- records ---- */

static ts_status write_storages(ZipWriter *w, const char *dir, const PickleDump *d) {
    for (int i = 0; i < d->nstorages; i++) {
        const PickleStorage *ps = &d->storages[i];
        char rel[64];
        snprintf(rel, sizeof rel, "%s/%d", dir, i);
        size_t n = (size_t)ps->numel * dtype_size(ps->dtype);
        const void *bytes = ps->storage && n ? ps->storage->data : "";
        TS_TRY(zipw_add(w, rel, bytes, n));
    }
    return TS_OK;
}

static ts_status dump(Ctx *ctx, const char *name, const char *record, IValue v, PickleDump *out) {
    StrBuf what;
    sb_init(&what);
    sb_printf(&what, "%s:%s", name, record);
    Saver s = {ctx, name};
    PickleDumpHooks hooks = {.object_state = object_state};
    ts_status st = pickle_dump(ctx, v, &hooks, &s, sb_cstr(&what), out);
    sb_free(&what);
    return st;
}

ts_status archive_write(Ctx *ctx, const Module *m, const char *name, ZipWriter *w) {
    if (m->inspect_only)
        return ts_fail(ctx, TS_ERR_ARG, NULL,
                       "%s: the module was loaded for inspection only (TS_LOAD_INSPECT) and cannot be saved", name);
    ArchiveCode code;
    TS_TRY(archive_code_files(ctx, m, &code));
    PickleDump data = {0}, consts = {0};
    StrBuf rel;
    sb_init(&rel);
    ts_status st = dump(ctx, name, "data.pkl", m->root, &data);
    if (st == TS_OK) st = dump(ctx, name, "constants.pkl", code.constants, &consts);
    if (st == TS_OK) st = write_storages(w, "data", &data);
    if (st == TS_OK) st = zipw_add(w, "data.pkl", data.data, data.len);
    for (int i = 0; st == TS_OK && i < code.nfiles; i++) {
        sb_clear(&rel);
        sb_puts(&rel, "code/");
        for (const char *p = code.files[i].qualifier; *p; p++) sb_putc(&rel, *p == '.' ? '/' : *p);
        sb_puts(&rel, ".py");
        st = zipw_add(w, sb_cstr(&rel), code.files[i].text, code.files[i].len);
    }
    if (st == TS_OK) st = write_storages(w, "constants", &consts);
    if (st == TS_OK) st = zipw_add(w, "constants.pkl", consts.data, consts.len);
    if (st == TS_OK) {
        char v[24];
        int n = snprintf(v, sizeof v, "%d\n", code.version);
        st = zipw_add(w, code.version >= 6 ? ".data/version" : "version", v, (size_t)n);
    }
    if (st == TS_OK) st = zipw_add(w, "byteorder", "little", 6);
    sb_free(&rel);
    pickle_dump_free(&data);
    pickle_dump_free(&consts);
    archive_code_free(&code);
    return st;
}

void archive_prefix_for(const char *path, char *buf, size_t cap) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot ? (size_t)(dot - base) : strlen(base);
    if (n == 0 || n >= cap) {
        snprintf(buf, cap, "archive");
        return;
    }
    memcpy(buf, base, n);
    buf[n] = 0;
}

/* ---- the file ---- */

static ts_status io_fail(Ctx *ctx, const char *path, const char *what, int err) {
    return ts_fail(ctx, TS_ERR_IO, NULL, "%s: cannot %s: %s", path, what, strerror(err));
}

/* Create "<path>.tmp<pid>-<n>" exclusively (mode 0666 less the umask). */
static int create_temp(const char *path, StrBuf *tmp) {
    static int counter;
    for (int tries = 0; tries < 100; tries++) {
        sb_clear(tmp);
        sb_printf(tmp, "%s.tmp%ld-%d", path, (long)getpid(), __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
        int fd = open(sb_cstr(tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    errno = EEXIST;
    return -1;
}

ts_status archive_save(Ctx *ctx, const Module *m, const char *path) {
    if (m->inspect_only)
        return ts_fail(ctx, TS_ERR_ARG, NULL,
                       "%s: the module was loaded for inspection only (TS_LOAD_INSPECT) and cannot be saved", path);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return ts_fail(ctx, TS_ERR_IO, NULL, "%s: cannot write: it is a directory", path);
    StrBuf tmp;
    sb_init(&tmp);
    int fd = create_temp(path, &tmp);
    if (fd < 0) {
        ts_status st = io_fail(ctx, path, "create the file", errno);
        sb_free(&tmp);
        return st;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        ts_status st = io_fail(ctx, path, "create the file", errno);
        close(fd);
        unlink(sb_cstr(&tmp));
        sb_free(&tmp);
        return st;
    }
    char prefix[256];
    archive_prefix_for(path, prefix, sizeof prefix);
    ZipWriter *w = NULL;
    ts_status st = zipw_new(ctx, path, f, prefix, 0, &w);
    if (st == TS_OK) st = archive_write(ctx, m, path, w);
    if (st == TS_OK) st = zipw_finish(w);
    zipw_free(w);
    if (st == TS_OK && fsync(fileno(f)) != 0 && errno != EINVAL && errno != EROFS)
        st = io_fail(ctx, path, "write", errno);
    if (fclose(f) != 0 && st == TS_OK) st = io_fail(ctx, path, "write", errno);
    if (st == TS_OK && rename(sb_cstr(&tmp), path) != 0) st = io_fail(ctx, path, "replace the file", errno);
    if (st != TS_OK) unlink(sb_cstr(&tmp));
    sb_free(&tmp);
    return st;
}
