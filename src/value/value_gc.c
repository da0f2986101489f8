/*
 * value_gc.c - the cycle collector: reference cycles among values one call
 * made (`n.next = n`, a list holding itself through an object) are found and
 * broken when the call ends, so they do not leak.
 *
 * The rule. A top-level call (ts_module_call, ts_module_load) opens a
 * collection on its thread (iv_gc_begin); every list, tuple, dict and object
 * made on that thread until it closes (iv_gc_end) is tracked in the
 * thread's registry. At the end, trial deletion (as CPython's collector):
 * each tracked box's count minus the references it receives from other
 * tracked boxes is what the rest of the world holds (the result, the module's
 * attributes, the caller's values, other threads); boxes with such outside
 * references, and everything tracked that they reach, survive. The rest are
 * garbage held only by each other: their contents are cleared, which breaks
 * the cycles, and ordinary reference counting frees them. Survivors are then
 * untracked. A cycle that escapes the call (in its result, or in a module
 * attribute) is collected when the host lets go of it: releasing a result
 * (ts_value_release) or a module (ts_module_release) runs the same trial
 * deletion over the values reachable from it (iv_release_collect). A loaded
 * module is shared and is never collected while it is held; values a call
 * makes belong to that call.
 *
 * Safety. Every reference the collector cannot see is a counted reference
 * from outside the tracked set, so it can only keep boxes alive, never free
 * them. A tracked box whose count reaches zero releases its contents at once
 * but leaves its shell to the registry (state GC_DEAD, published with release
 * ordering after its contents are gone), so registry entries never dangle;
 * the shells are freed by sweeps, which also run whenever the registry fills,
 * so a loop making temporaries keeps only a bounded number of them. A box
 * freed on another thread than the one that tracks it (it escaped through a
 * shared module attribute) is handled the same way; a survivor untracked
 * while another thread frees it may leak its shell, never be freed twice.
 *
 * A long call also collects on the way (iv_gc_collect, at the interpreter's
 * loop back-edges once the boxes tracked since the last collection outnumber
 * twice the survivors of that one): there every reference is a counted one
 * (frame slots, the loader's pickle stack, the caller's values), so the
 * garbage that cycles made so far does not pile up until the call ends.
 *
 * The walk is iterative (an explicit stack), so values of any depth are fine.
 * If the registry cannot grow, new boxes stay untracked (they could leak if
 * they form cycles; they are never freed wrongly).
 */
#include "value/value_gc.h"

typedef struct Registry {
    HeapHdr **box;
    size_t len, cap, live_after_sweep;
    size_t tracked_since_collect, live_after_collect;
    int depth; /* nested iv_gc_begin */
} Registry;

static __thread Registry t_reg;

static uint8_t gc_state(const HeapHdr *h) { return __atomic_load_n(&h->gc, __ATOMIC_ACQUIRE); }

/* Free the shells of dead boxes and compact the registry. */
static void sweep(Registry *r) {
    size_t k = 0;
    for (size_t i = 0; i < r->len; i++) {
        HeapHdr *h = r->box[i];
        if (gc_state(h) == GC_DEAD) ts_free(h);
        else r->box[k++] = h;
    }
    r->len = k;
    r->live_after_sweep = k;
}

void gc_track(HeapHdr *h) {
    Registry *r = &t_reg;
    if (!r->depth) return;
    if (r->len == r->cap) {
        sweep(r);
        if (r->len * 4 > r->cap * 3 || !r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 1024;
            HeapHdr **b = ts_realloc(r->box, cap * sizeof *b);
            if (!b) return; /* untracked */
            r->box = b;
            r->cap = cap;
        }
    }
    h->gc = GC_LIVE;
    r->box[r->len++] = h;
    r->tracked_since_collect++;
}

bool gc_dead(HeapHdr *h) {
    if (gc_state(h) != GC_LIVE) return false;
    __atomic_store_n(&h->gc, (uint8_t)GC_DEAD, __ATOMIC_RELEASE);
    return true;
}

/* ---- trial deletion ---- */

/* box -> index in the live set (open addressing). */
typedef struct Index {
    HeapHdr **key;
    size_t *val;
    size_t cap;
} Index;

static size_t hash_ptr(const void *p) {
    uint64_t x = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
    return (size_t)(x ^ (x >> 29));
}

static size_t *index_find(const Index *ix, const HeapHdr *h) {
    size_t mask = ix->cap - 1;
    for (size_t j = hash_ptr(h) & mask;; j = (j + 1) & mask) {
        if (!ix->key[j]) return NULL;
        if (ix->key[j] == h) return &ix->val[j];
    }
}

/* The tracked children of box h, in order: calls f(child index) for each. */
typedef struct Walk {
    const Index *ix;
    void (*f)(struct Walk *w, size_t child);
    int64_t *refs;
    size_t *stack;
    size_t sp;
    bool *reached;
} Walk;

static void visit(Walk *w, IValue v) {
    if (!iv_is_heap(v) || !v.u.h) return;
    if (v.kind != IV_LIST && v.kind != IV_TUPLE && v.kind != IV_DICT && v.kind != IV_OBJECT) return;
    size_t *i = index_find(w->ix, v.u.h);
    if (i) w->f(w, *i);
}

static void children(Walk *w, HeapHdr *h) {
    switch (h->kind) {
    case IV_LIST: {
        ListObj *l = (ListObj *)h;
        for (int64_t i = 0; i < l->len; i++) visit(w, l->items[i]);
        break;
    }
    case IV_TUPLE: {
        TupleObj *t = (TupleObj *)h;
        for (int64_t i = 0; i < t->len; i++) visit(w, t->items[i]);
        break;
    }
    case IV_DICT: {
        DictObj *d = (DictObj *)h;
        for (int64_t i = 0; i < d->len; i++) {
            visit(w, d->entries[i].key);
            visit(w, d->entries[i].value);
        }
        break;
    }
    case IV_OBJECT: {
        Object *o = (Object *)h;
        for (int i = 0; i < o->nslots; i++) visit(w, o->slots[i]);
        break;
    }
    default: break;
    }
}

static void subtract(Walk *w, size_t child) { w->refs[child]--; }

static void reach(Walk *w, size_t child) {
    if (w->reached[child]) return;
    w->reached[child] = true;
    w->stack[w->sp++] = child;
}

/* Release what garbage box h holds (it stays allocated: the caller holds a
 * reference to it). */
static void clear(HeapHdr *h) {
    switch (h->kind) {
    case IV_LIST: {
        ListObj *l = (ListObj *)h;
        int64_t n = l->len;
        l->len = 0;
        for (int64_t i = 0; i < n; i++) iv_release(l->items[i]);
        break;
    }
    case IV_TUPLE: {
        TupleObj *t = (TupleObj *)h;
        for (int64_t i = 0; i < t->len; i++) {
            IValue old = t->items[i];
            t->items[i] = iv_none();
            iv_release(old);
        }
        break;
    }
    case IV_DICT: dict_clear((DictObj *)h); break;
    case IV_OBJECT: {
        Object *o = (Object *)h;
        for (int i = 0; i < o->nslots; i++) {
            IValue old = o->slots[i];
            o->slots[i] = iv_none();
            iv_release(old);
        }
        break;
    }
    default: break;
    }
}

static bool index_init(Index *ix, size_t n) {
    ix->cap = 16;
    while (ix->cap < n * 2) ix->cap *= 2;
    ix->key = ts_calloc(ix->cap, sizeof *ix->key);
    ix->val = ts_calloc(ix->cap, sizeof *ix->val);
    return ix->key && ix->val;
}

static void index_free(Index *ix) {
    ts_free(ix->key);
    ts_free(ix->val);
    memset(ix, 0, sizeof *ix);
}

static void index_put(Index *ix, HeapHdr *h, size_t v) {
    size_t mask = ix->cap - 1, j = hash_ptr(h) & mask;
    while (ix->key[j]) j = (j + 1) & mask;
    ix->key[j] = h;
    ix->val[j] = v;
}

/* Trial deletion over box[0..n), indexed by ix: find the boxes held only by
 * each other and break their cycles. `dropping`, when set, is a box whose
 * count includes one reference its holder is about to drop. False when the
 * working memory could not be allocated (nothing is collected then). */
static bool trial_delete(HeapHdr **box, size_t n, const Index *ix, const HeapHdr *dropping) {
    Walk w = {ix, subtract, ts_calloc(n, sizeof(int64_t)), ts_calloc(n, sizeof(size_t)), 0, ts_calloc(n, sizeof(bool))};
    bool ok = w.refs && w.stack && w.reached;
    if (ok) {
        for (size_t i = 0; i < n; i++)
            w.refs[i] = __atomic_load_n(&box[i]->refcnt, __ATOMIC_ACQUIRE) - (box[i] == dropping);
        for (size_t i = 0; i < n; i++) children(&w, box[i]);
        /* boxes held from outside, and all they reach, survive */
        w.f = reach;
        for (size_t i = 0; i < n; i++)
            if (w.refs[i] > 0) reach(&w, i);
        while (w.sp) children(&w, box[w.stack[--w.sp]]);
        /* the rest hold each other only: hold them, empty them, let go */
        for (size_t i = 0; i < n; i++)
            if (!w.reached[i]) __atomic_add_fetch(&box[i]->refcnt, 1, __ATOMIC_RELAXED);
        for (size_t i = 0; i < n; i++)
            if (!w.reached[i]) clear(box[i]);
        for (size_t i = 0; i < n; i++) {
            if (w.reached[i]) continue;
            IValue v;
            v.kind = (IVKind)box[i]->kind;
            v.u.h = box[i];
            iv_release(v);
        }
    }
    ts_free(w.refs);
    ts_free(w.stack);
    ts_free(w.reached);
    return ok;
}

/* Find and break the cycles among the live tracked boxes. */
static void collect(Registry *r) {
    sweep(r);
    size_t n = r->len;
    if (!n) return;
    Index ix = {0};
    if (index_init(&ix, n)) {
        for (size_t i = 0; i < n; i++) index_put(&ix, r->box[i], i);
        trial_delete(r->box, n, &ix, NULL);
    }
    index_free(&ix);
}

/* ---- values the host lets go of ---- */

static bool is_container(IValue v) {
    return iv_is_heap(v) && v.u.h &&
           (v.kind == IV_LIST || v.kind == IV_TUPLE || v.kind == IV_DICT || v.kind == IV_OBJECT);
}

typedef struct Gather {
    HeapHdr **box;
    size_t len, cap;
    Index seen;
    bool nomem;
} Gather;

static void gather_add(Gather *g, IValue v) {
    if (g->nomem || !is_container(v) || (g->seen.cap && index_find(&g->seen, v.u.h))) return;
    if (g->len == g->cap || (g->len + 1) * 2 > g->seen.cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        HeapHdr **b = ts_realloc(g->box, cap * sizeof *b);
        Index ix = {0};
        if (!b || !index_init(&ix, cap)) {
            if (b) g->box = b;
            index_free(&ix);
            g->nomem = true;
            return;
        }
        g->box = b;
        g->cap = cap;
        for (size_t i = 0; i < g->len; i++) index_put(&ix, g->box[i], i);
        index_free(&g->seen);
        g->seen = ix;
    }
    index_put(&g->seen, v.u.h, g->len);
    g->box[g->len++] = v.u.h;
}

void iv_release_collect(IValue v) {
    if (!is_container(v)) {
        iv_release(v);
        return;
    }
    Gather g = {0};
    gather_add(&g, v);
    for (size_t k = 0; k < g.len && !g.nomem; k++) {
        HeapHdr *h = g.box[k];
        switch (h->kind) {
        case IV_LIST:
            for (int64_t i = 0; i < ((ListObj *)h)->len; i++) gather_add(&g, ((ListObj *)h)->items[i]);
            break;
        case IV_TUPLE:
            for (int64_t i = 0; i < ((TupleObj *)h)->len; i++) gather_add(&g, ((TupleObj *)h)->items[i]);
            break;
        case IV_DICT:
            for (int64_t i = 0; i < ((DictObj *)h)->len; i++) {
                gather_add(&g, ((DictObj *)h)->entries[i].key);
                gather_add(&g, ((DictObj *)h)->entries[i].value);
            }
            break;
        case IV_OBJECT:
            for (int i = 0; i < ((Object *)h)->nslots; i++) gather_add(&g, ((Object *)h)->slots[i]);
            break;
        default: break;
        }
    }
    if (!g.nomem) trial_delete(g.box, g.len, &g.seen, v.u.h);
    ts_free(g.box);
    index_free(&g.seen);
    iv_release(v);
}

void iv_gc_begin(void) { t_reg.depth++; }

bool iv_gc_due(void) {
    const Registry *r = &t_reg;
    return r->depth && r->tracked_since_collect > 65536 && r->tracked_since_collect > 2 * r->live_after_collect;
}

void iv_gc_collect(void) {
    Registry *r = &t_reg;
    if (!r->depth) return;
    collect(r);
    sweep(r);
    r->tracked_since_collect = 0;
    r->live_after_collect = r->len;
}

void iv_gc_end(void) {
    Registry *r = &t_reg;
    if (r->depth <= 0 || --r->depth > 0) return;
    collect(r);
    sweep(r);
    /* the survivors escaped the call: untracked from now on */
    for (size_t i = 0; i < r->len; i++) {
        uint8_t live = GC_LIVE;
        __atomic_compare_exchange_n(&r->box[i]->gc, &live, (uint8_t)GC_UNTRACKED, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE);
        if (live == GC_DEAD) ts_free(r->box[i]); /* died meanwhile on another thread */
    }
    ts_free(r->box);
    memset(r, 0, sizeof *r);
}
