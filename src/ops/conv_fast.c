/*
 * conv_fast.c - float32 convolution through oneDNN with the primitive and
 * the reordered weights cached per call site (see conv_fast.h).
 *
 * One call site serves many weights (the F.conv2d inside Conv2d's forward
 * runs for every Conv2d of a model), so the cache of a call site
 * (OpInfo.cache) holds one item per weight: the primitive and the storages
 * it was made from (retained, so the addresses cannot be reused), their
 * offsets and storage versions. A call whose descriptor or operands differ
 * from its item's rebuilds that item; a weight that is a new tensor on each
 * call (computed in the model) costs a reorder per call, as without a cache,
 * and cycles through at most SITE_ITEMS items. Calls on one site are
 * serialised by its mutex.
 */
#include "ops/conv_fast.h"

#include <pthread.h>
#include <stdlib.h>

#include "kernels/dispatch.h"

typedef struct OperandKey {
    Storage *storage; /* retained */
    int64_t offset;
    uint32_t version;
} OperandKey;

typedef struct ConvItem {
    OnednnConv *conv;
    OperandKey w, b;
} ConvItem;

enum { SITE_ITEMS = 256 };

typedef struct ConvEntry {
    pthread_mutex_t lock;
    int n, next; /* items in use; the one to replace when all are */
    ConvItem items[SITE_ITEMS];
} ConvEntry;

static void key_clear(OperandKey *k) {
    if (k->storage) storage_release(k->storage);
    memset(k, 0, sizeof *k);
}

static void key_set(OperandKey *k, const Tensor *t) {
    key_clear(k);
    if (!t) return;
    k->storage = storage_retain(t->storage);
    k->offset = t->storage_offset;
    k->version = __atomic_load_n(&t->storage->version, __ATOMIC_RELAXED);
}

static bool key_is(const OperandKey *k, const Tensor *t) {
    if (!t) return k->storage == NULL;
    return k->storage == t->storage && k->offset == t->storage_offset &&
           k->version == __atomic_load_n(&t->storage->version, __ATOMIC_RELAXED);
}

static void entry_release(void *p) {
    ConvEntry *e = p;
    for (int i = 0; i < e->n; i++) {
        onednn_conv_free(e->items[i].conv);
        key_clear(&e->items[i].w);
        key_clear(&e->items[i].b);
    }
    pthread_mutex_destroy(&e->lock);
    ts_free(e);
}

/* The call site's entry, made on first use; NULL without a cache. */
static ConvEntry *entry_get(const OpInfo *info) {
    OpCache *oc = info ? info->cache : NULL;
    if (!oc) return NULL;
    ConvEntry *e = __atomic_load_n((ConvEntry **)&oc->data, __ATOMIC_ACQUIRE);
    if (e) return e;
    ConvEntry *n = ts_malloc(sizeof *n);
    if (!n) return NULL;
    memset(n, 0, sizeof *n);
    pthread_mutex_init(&n->lock, NULL);
    void *expect = NULL;
    if (__atomic_compare_exchange_n(&oc->data, &expect, n, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        oc->release = entry_release;
        return n;
    }
    entry_release(n);
    return expect;
}

static int g_env = -1; /* TSCRIPT_ONEDNN: 0 off, else on */

bool conv_fast_enabled(void) {
    int env = __atomic_load_n(&g_env, __ATOMIC_RELAXED);
    if (env < 0) {
        const char *s = getenv("TSCRIPT_ONEDNN");
        env = !(s && strcmp(s, "0") == 0);
        __atomic_store_n(&g_env, env, __ATOMIC_RELAXED);
    }
    /* oneDNN picks its own ISA (the CPU's best), so it runs only when no cap
     * holds the table below what the CPU runs */
    KIsa isa = kernels()->isa;
    return env && isa >= KISA_AVX2 && isa == kernels_isa_cpu() && onednn_available();
}

/* A contiguous float32 view of t: t itself (retained) or a copy. */
static Tensor *plain(Ctx *ctx, Tensor *t) {
    if (!t) return NULL;
    if (t->dtype != DT_FLOAT32) return tensor_to_dtype(ctx, t, DT_FLOAT32);
    return tensor_contiguous(ctx, t);
}

/* The item made from weight w (same storage and offset), else a new or
 * recycled one. */
static ConvItem *item_for(ConvEntry *e, const Tensor *w) {
    for (int i = 0; i < e->n; i++)
        if (e->items[i].w.storage == w->storage && e->items[i].w.offset == w->storage_offset) return &e->items[i];
    if (e->n < SITE_ITEMS) return &e->items[e->n++];
    ConvItem *it = &e->items[e->next];
    e->next = (e->next + 1) % SITE_ITEMS;
    return it;
}

static void run(OnednnConv *c, const Tensor *x, const Tensor *residual, Tensor *out) {
    onednn_conv_run(c, tensor_data(x), residual ? tensor_data(residual) : NULL, tensor_data(out));
}

bool conv_fast_run(Ctx *ctx, const OpInfo *info, const OnednnConvDesc *d, const Tensor *x, Tensor *weight,
                   Tensor *bias, const Tensor *residual, Tensor *out) {
    Tensor *w = plain(ctx, weight), *b = plain(ctx, bias);
    bool done = false;
    if (!w || (bias && !b)) goto out;
    ConvEntry *e = entry_get(info);
    /* only operands that are the caller's own tensors can be remembered */
    bool keyable = w == weight && (!bias || b == bias);
    if (!e || !keyable) {
        OnednnConv *c = onednn_conv_new(d, tensor_data(w), b ? tensor_data(b) : NULL);
        if (c) {
            run(c, x, residual, out);
            onednn_conv_free(c);
            done = true;
        }
        goto out;
    }
    pthread_mutex_lock(&e->lock);
    ConvItem *it = item_for(e, w);
    if (!it->conv || !onednn_conv_matches(it->conv, d) || !key_is(&it->w, w) || !key_is(&it->b, b)) {
        onednn_conv_free(it->conv);
        it->conv = onednn_conv_new(d, tensor_data(w), b ? tensor_data(b) : NULL);
        key_set(&it->w, w);
        key_set(&it->b, b);
    }
    if (it->conv) {
        run(it->conv, x, residual, out);
        done = true;
    }
    pthread_mutex_unlock(&e->lock);
out:
    tensor_release(w);
    tensor_release(b);
    return done;
}
