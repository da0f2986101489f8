/*
 * dispatch.c - fills the table of each instruction-set level from
 * dispatch.def once per process, and picks the one in use: the lowest of
 * the CPU's level, TSCRIPT_ISA and the configured cap (see dispatch.h).
 */
#include "kernels/dispatch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/blas/blas.h"
#include "kernels/x86/conv_x86.h"

static KernelTable g_tables[KISA_MAX + 1];
static KIsa g_cpu = KISA_PORTABLE;
static int g_env = KISA_AUTO;
static int g_cap = KISA_AUTO;                  /* from ts_config, atomic */
static const KernelTable *g_active;            /* atomic */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static const char *const g_names[] = {"auto", "portable", "avx2", "avx512"};

const char *kernels_isa_name(int level) {
    return level >= 0 && level <= KISA_MAX ? g_names[level] : NULL;
}

int kernels_isa_parse(const char *s) {
    for (int l = 0; l <= KISA_MAX; l++)
        if (strcmp(s, g_names[l]) == 0) return l;
    return -1;
}

static KIsa lowest(KIsa a, int cap) { return cap > 0 && cap < (int)a ? (KIsa)cap : a; }

static void pick(void) {
    KIsa l = lowest(lowest(g_cpu, g_env), __atomic_load_n(&g_cap, __ATOMIC_ACQUIRE));
    __atomic_store_n(&g_active, &g_tables[l], __ATOMIC_RELEASE);
}

static void init(void) {
    g_cpu = (KIsa)kx86_isa_supported();
    const char *env = getenv("TSCRIPT_ISA");
    g_env = env && *env ? kernels_isa_parse(env) : KISA_AUTO;
    const KernelBackend *blas = blas_backend();
    for (int l = KISA_PORTABLE; l <= KISA_MAX; l++) {
        KernelTable *t = &g_tables[l];
        const KernelTable *below = l > KISA_PORTABLE ? &g_tables[l - 1] : NULL;
        t->isa = (KIsa)l;
        t->gemm = l == KISA_PORTABLE || !blas ? kernels_ref_backend() : blas;
#define KERNEL(type, field, portable, avx2, avx512)                                                                   \
    {                                                                                                                \
        type *const col[] = {NULL, portable, avx2, avx512};                                                          \
        t->field = col[l] ? col[l] : below ? below->field : NULL;                                                    \
    }
#include "kernels/dispatch.def"
#undef KERNEL
    }
    pick();
}

const KernelTable *kernels(void) {
    pthread_once(&g_once, init);
    return __atomic_load_n(&g_active, __ATOMIC_ACQUIRE);
}

const KernelTable *kernels_at(KIsa level) {
    pthread_once(&g_once, init);
    if (level < KISA_PORTABLE) level = KISA_PORTABLE;
    return &g_tables[lowest(g_cpu, level)];
}

KIsa kernels_isa_cpu(void) {
    pthread_once(&g_once, init);
    return g_cpu;
}

int kernels_isa_env(void) {
    pthread_once(&g_once, init);
    return g_env;
}

void kernels_set_max_isa(KIsa cap) {
    pthread_once(&g_once, init);
    __atomic_store_n(&g_cap, (int)cap, __ATOMIC_RELEASE);
    pick();
}
