/*
 * onednn.c - float32 convolution through oneDNN's C API (see onednn.h).
 *
 * One OnednnConv holds a convolution primitive whose source, weights and
 * destination layouts are oneDNN's choice ("any": for oneDNN 2.6's brgconv
 * on AVX-512, NHWC activations and Acdb32a / Acdb64a weights; blocked
 * nChw16c elsewhere), the weights and bias reordered into that layout once,
 * at creation, and the two reorders that move the plain NCHW tensors of
 * tscript in and out of those buffers on each call. The
 * post-ops are oneDNN's: a sum (the residual, reordered into the destination
 * first) then an eltwise relu or clip. One CPU engine serves the process;
 * each OnednnConv has its own stream and a mutex around its buffers.
 */
#include "kernels/onednn/onednn.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

#include "kernels/parallel.h"

struct OnednnConv {
    OnednnConvDesc d;
    pthread_mutex_t lock;
    dnnl_stream_t stream;
    dnnl_primitive_t conv, src_in, dst_in, dst_out; /* reorders may be NULL: plain already */
    dnnl_memory_t src_user, src, wei, bias, dst, dst_user, res_user;
};

static dnnl_engine_t g_engine;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* The OpenMP runtime oneDNN was built with (Debian: libgomp), found where
 * libdnnl loaded it rather than linked by us, so that a compiler with another
 * OpenMP (clang's libomp) cannot set the threads of the wrong runtime. */
static void (*g_omp_set)(int);
static int (*g_omp_get)(void);
static int (*g_omp_thread)(void), (*g_omp_team)(void);
static void (*g_gomp_parallel)(void (*fn)(void *), void *data, unsigned nthreads, unsigned flags);

/* The kernel pool's jobs on OpenMP's team (kernels_parallel_set_runner):
 * the threads that run oneDNN's primitives run ours too, so no second set of
 * threads spins while the first works. Chunk k runs on thread k mod team. */
typedef struct OmpJob {
    ParallelTask task;
    void *ctx;
    int64_t chunks;
} OmpJob;

static void omp_body(void *p) {
    const OmpJob *j = p;
    int64_t t = g_omp_thread(), nt = g_omp_team();
    for (int64_t k = t; k < j->chunks; k += nt) j->task(j->ctx, k);
}

static void omp_run(int64_t chunks, ParallelTask task, void *ctx) {
    OmpJob j = {task, ctx, chunks};
    g_gomp_parallel(omp_body, &j, (unsigned)chunks, 0);
}

static void engine_init(void) {
    if (dnnl_engine_create(&g_engine, dnnl_cpu, 0) != dnnl_success) g_engine = NULL;
    void *h = dlopen("libgomp.so.1", RTLD_LAZY | RTLD_NOLOAD);
    void *from = h ? h : RTLD_DEFAULT;
    *(void **)&g_omp_set = dlsym(from, "omp_set_num_threads");
    *(void **)&g_omp_get = dlsym(from, "omp_get_max_threads");
    *(void **)&g_omp_thread = dlsym(from, "omp_get_thread_num");
    *(void **)&g_omp_team = dlsym(from, "omp_get_num_threads");
    *(void **)&g_gomp_parallel = dlsym(from, "GOMP_parallel");
    if (!g_omp_set || !g_omp_get) g_omp_set = NULL, g_omp_get = NULL;
    /* opt-in: on a machine whose cores are shared, OpenMP's spinning barriers
     * in every elementwise op cost more than the two pools do */
    const char *one = getenv("TSCRIPT_ONE_POOL");
    if (g_engine && h && g_omp_thread && g_omp_team && g_gomp_parallel && one && strcmp(one, "1") == 0)
        kernels_parallel_set_runner(omp_run);
}

bool onednn_available(void) {
    pthread_once(&g_once, engine_init);
    return g_engine != NULL;
}

bool onednn_conv_matches(const OnednnConv *c, const OnednnConvDesc *d) {
    return memcmp(&c->d, d, sizeof *d) == 0;
}

/* A reorder primitive from memory `from` to `to`; NULL when the two
 * layouts are the same (nothing to move) or on failure (*ok false). */
static dnnl_primitive_t reorder_new(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to, bool *ok) {
    if (dnnl_memory_desc_equal(from, to)) return NULL;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t p = NULL;
    if (dnnl_reorder_primitive_desc_create(&pd, from, g_engine, to, g_engine, NULL) != dnnl_success) {
        *ok = false;
        return NULL;
    }
    if (dnnl_primitive_create(&p, pd) != dnnl_success) *ok = false;
    dnnl_primitive_desc_destroy(pd);
    return p;
}

static void reorder_run(dnnl_stream_t s, dnnl_primitive_t p, dnnl_memory_t from, dnnl_memory_t to) {
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    dnnl_primitive_execute(p, s, 2, args);
}

/* A memory object of md on `data`: DNNL_MEMORY_ALLOCATE (oneDNN owns a
 * buffer), DNNL_MEMORY_NONE (set per call) or the caller's buffer. */
static dnnl_memory_t mem(const dnnl_memory_desc_t *md, void *data, bool *ok) {
    dnnl_memory_t m = NULL;
    if (dnnl_memory_create(&m, md, g_engine, data) != dnnl_success) *ok = false;
    return m;
}

/* The convolution's primitive descriptor for d (layouts "any"). */
static dnnl_primitive_desc_t conv_pd(const OnednnConvDesc *d) {
    dnnl_memory_desc_t src, wei, bias, dst;
    dnnl_dims_t sd = {d->N, d->C, d->H, d->W}, dd = {d->N, d->OC, d->OH, d->OW}, bd = {d->OC};
    dnnl_dims_t wd = {d->OC, d->C, d->KH, d->KW};
    dnnl_dims_t gwd = {d->groups, d->OC / d->groups, d->C / d->groups, d->KH, d->KW};
    dnnl_dims_t strides = {d->sh, d->sw}, dil = {d->dh - 1, d->dw - 1};
    dnnl_dims_t pl = {d->ph, d->pw}, pr = {d->ph_r, d->pw_r};
    dnnl_memory_desc_init_by_tag(&src, 4, sd, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&dst, 4, dd, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&bias, 1, bd, dnnl_f32, dnnl_format_tag_any);
    if (d->groups > 1)
        dnnl_memory_desc_init_by_tag(&wei, 5, gwd, dnnl_f32, dnnl_format_tag_any);
    else
        dnnl_memory_desc_init_by_tag(&wei, 4, wd, dnnl_f32, dnnl_format_tag_any);
    dnnl_convolution_desc_t cd;
    if (dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct, &src, &wei,
                                                   d->bias ? &bias : NULL, &dst, strides, dil, pl,
                                                   pr) != dnnl_success)
        return NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success) return NULL;
    if (d->sum || d->act != ONEDNN_ACT_NONE) {
        dnnl_post_ops_create(&po);
        if (d->sum) dnnl_post_ops_append_sum(po, 1.0f);
        if (d->act == ONEDNN_ACT_RELU) dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
        if (d->act == ONEDNN_ACT_CLAMP) dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip, d->lo, d->hi);
        if (d->act == ONEDNN_ACT_HARDSWISH) dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_hardswish, 0.0f, 0.0f);
        if (d->act == ONEDNN_ACT_SILU) dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_swish, 1.0f, 0.0f);
        dnnl_primitive_attr_set_post_ops(attr, po);
        dnnl_post_ops_destroy(po);
    }
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_primitive_desc_create(&pd, &cd, attr, g_engine, NULL) != dnnl_success) pd = NULL;
    dnnl_primitive_attr_destroy(attr);
    return pd;
}

/* Run on exactly our thread count: the OpenMP setting is per calling thread. */
static void set_threads(void) {
    int n = kernels_threads();
    if (g_omp_set && g_omp_get() != n) g_omp_set(n);
}

static void plain_mds(const OnednnConvDesc *d, dnnl_memory_desc_t *src, dnnl_memory_desc_t *wei,
                      dnnl_memory_desc_t *bias, dnnl_memory_desc_t *dst) {
    dnnl_dims_t sd = {d->N, d->C, d->H, d->W}, dd = {d->N, d->OC, d->OH, d->OW}, bd = {d->OC};
    dnnl_dims_t wd = {d->OC, d->C, d->KH, d->KW};
    dnnl_dims_t gwd = {d->groups, d->OC / d->groups, d->C / d->groups, d->KH, d->KW};
    dnnl_memory_desc_init_by_tag(src, 4, sd, dnnl_f32, dnnl_nchw);
    dnnl_memory_desc_init_by_tag(dst, 4, dd, dnnl_f32, dnnl_nchw);
    dnnl_memory_desc_init_by_tag(bias, 1, bd, dnnl_f32, dnnl_x);
    if (d->groups > 1)
        dnnl_memory_desc_init_by_tag(wei, 5, gwd, dnnl_f32, dnnl_goihw);
    else
        dnnl_memory_desc_init_by_tag(wei, 4, wd, dnnl_f32, dnnl_oihw);
}

/* A oneDNN-owned copy of data (plain layout `from`) in layout `to`. */
static dnnl_memory_t constant_copy(dnnl_stream_t s, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                                   const void *data, bool *ok) {
    dnnl_memory_t m = mem(to, DNNL_MEMORY_ALLOCATE, ok);
    if (!*ok) return m;
    bool ro = true;
    dnnl_primitive_t r = reorder_new(from, to, &ro);
    if (!ro) {
        *ok = false;
        return m;
    }
    if (!r) {
        void *h = NULL;
        dnnl_memory_get_data_handle(m, &h);
        memcpy(h, data, dnnl_memory_desc_get_size(to));
        return m;
    }
    dnnl_memory_t u = mem(from, (void *)data, ok);
    if (*ok) {
        reorder_run(s, r, u, m);
        dnnl_stream_wait(s);
    }
    if (u) dnnl_memory_destroy(u);
    dnnl_primitive_destroy(r);
    return m;
}

OnednnConv *onednn_conv_new(const OnednnConvDesc *d, const float *w, const float *bias) {
    if (!onednn_available() || d->groups < 1 || d->C % d->groups || d->OC % d->groups) return NULL;
    set_threads(); /* before anything of oneDNN's can open a parallel region */
    dnnl_primitive_desc_t pd = conv_pd(d);
    if (!pd) return NULL;
    OnednnConv *c = ts_malloc(sizeof *c);
    if (!c) {
        dnnl_primitive_desc_destroy(pd);
        return NULL;
    }
    memset(c, 0, sizeof *c);
    c->d = *d;
    pthread_mutex_init(&c->lock, NULL);
    dnnl_memory_desc_t src_md = *dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    dnnl_memory_desc_t wei_md = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    dnnl_memory_desc_t dst_md = *dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    dnnl_memory_desc_t src_p, wei_p, bias_p, dst_p;
    plain_mds(d, &src_p, &wei_p, &bias_p, &dst_p);
    bool ok = dnnl_stream_create(&c->stream, g_engine, dnnl_stream_default_flags) == dnnl_success &&
              dnnl_primitive_create(&c->conv, pd) == dnnl_success;
    if (ok) {
        set_threads();
        c->wei = constant_copy(c->stream, &wei_p, &wei_md, w, &ok);
    }
    if (ok && d->bias) {
        dnnl_memory_desc_t bias_md = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1);
        c->bias = constant_copy(c->stream, &bias_p, &bias_md, bias, &ok);
    }
    if (ok) {
        c->src_user = mem(&src_p, DNNL_MEMORY_NONE, &ok);
        c->dst_user = mem(&dst_p, DNNL_MEMORY_NONE, &ok);
        c->res_user = mem(&dst_p, DNNL_MEMORY_NONE, &ok);
    }
    if (ok && (c->src_in = reorder_new(&src_p, &src_md, &ok))) c->src = mem(&src_md, DNNL_MEMORY_ALLOCATE, &ok);
    if (ok && (c->dst_out = reorder_new(&dst_md, &dst_p, &ok))) {
        c->dst = mem(&dst_md, DNNL_MEMORY_ALLOCATE, &ok);
        c->dst_in = reorder_new(&dst_p, &dst_md, &ok);
    }
    dnnl_primitive_desc_destroy(pd);
    if (!ok) {
        onednn_conv_free(c);
        return NULL;
    }
    return c;
}

void onednn_conv_run(OnednnConv *c, const float *x, const float *residual, float *out) {
    pthread_mutex_lock(&c->lock);
    set_threads();
    size_t out_bytes = (size_t)(c->d.N * c->d.OC * c->d.OH * c->d.OW) * sizeof(float);
    dnnl_memory_set_data_handle(c->src_user, (void *)x);
    dnnl_memory_set_data_handle(c->dst_user, out);
    if (c->src_in) reorder_run(c->stream, c->src_in, c->src_user, c->src);
    dnnl_memory_t dst = c->dst ? c->dst : c->dst_user;
    if (c->d.sum) {
        if (c->dst) {
            dnnl_memory_set_data_handle(c->res_user, (void *)residual);
            reorder_run(c->stream, c->dst_in, c->res_user, c->dst);
        } else if (residual != out) {
            memcpy(out, residual, out_bytes);
        }
    }
    dnnl_exec_arg_t args[4] = {
        {DNNL_ARG_SRC, c->src ? c->src : c->src_user},
        {DNNL_ARG_WEIGHTS, c->wei},
        {DNNL_ARG_DST, dst},
        {DNNL_ARG_BIAS, c->bias},
    };
    dnnl_primitive_execute(c->conv, c->stream, c->bias ? 4 : 3, args);
    if (c->dst) reorder_run(c->stream, c->dst_out, c->dst, c->dst_user);
    dnnl_stream_wait(c->stream);
    pthread_mutex_unlock(&c->lock);
}

void onednn_conv_free(OnednnConv *c) {
    if (!c) return;
    dnnl_primitive_t prims[] = {c->conv, c->src_in, c->dst_in, c->dst_out};
    dnnl_memory_t mems[] = {c->src_user, c->src, c->wei, c->bias, c->dst, c->dst_user, c->res_user};
    for (size_t i = 0; i < sizeof prims / sizeof *prims; i++)
        if (prims[i]) dnnl_primitive_destroy(prims[i]);
    for (size_t i = 0; i < sizeof mems / sizeof *mems; i++)
        if (mems[i]) dnnl_memory_destroy(mems[i]);
    if (c->stream) dnnl_stream_destroy(c->stream);
    pthread_mutex_destroy(&c->lock);
    ts_free(c);
}
