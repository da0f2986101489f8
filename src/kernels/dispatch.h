/*
 * dispatch.h - the one kernel dispatch table: kernel x instruction-set
 * level (portable C, AVX2, AVX-512), with one cap on the level.
 *
 * The rows are in kernels/dispatch.def; GEMM-like work goes through the
 * `gemm` backend of the same table (reference kernels at portable, the
 * BLAS backend above, since a BLAS runs SIMD code). The level in use is
 * the lowest of: what the CPU runs (kernels/x86/cpu_x86.c), the
 * environment variable TSCRIPT_ISA (portable | avx2 | avx512, read once),
 * and the cap a ts_config asked for (kernels_set_max_isa; process-wide,
 * like the thread count). Asking for more than the CPU has gives what it
 * has, so no table ever holds a kernel the CPU cannot run. Every entry
 * computes what its portable kernel computes, within the rounding of a
 * different summation order at most (kernels/dispatch.def says which are
 * bit for bit the same); tests/unit/test_dispatch.c checks each level the
 * CPU supports against the portable one.
 *
 * Tables are filled once and read-only afterwards: any thread may call
 * kernels() at any time; a new cap takes effect for the next kernel call.
 */
#ifndef TS_KERNELS_DISPATCH_H
#define TS_KERNELS_DISPATCH_H

#include "kernels/backend.h"
#include "kernels/conv.h"

/* Levels, in increasing order; equal to the public TS_ISA_* constants. */
typedef enum KIsa {
    KISA_AUTO = 0, /* as a cap: none */
    KISA_PORTABLE = 1,
    KISA_AVX2 = 2,
    KISA_AVX512 = 3,
} KIsa;
#define KISA_MAX KISA_AVX512

typedef struct KernelTable {
    KIsa isa;                   /* the level of this table */
    const KernelBackend *gemm;  /* GEMM, GEMV, dot */
#define KERNEL(type, field, portable, avx2, avx512) type *field;
#include "kernels/dispatch.def"
#undef KERNEL
} KernelTable;

/* The table in use (never NULL). */
const KernelTable *kernels(void);
/* The table of a level (KISA_PORTABLE..KISA_MAX), clamped to what the CPU
 * runs (check ->isa): for tests that compare levels. */
const KernelTable *kernels_at(KIsa level);
/* The highest level this CPU runs; the cap of TSCRIPT_ISA (KISA_AUTO when
 * unset, -1 when set to something else). */
KIsa kernels_isa_cpu(void);
int kernels_isa_env(void);
/* Cap the level process-wide (KISA_AUTO: no cap from the configuration;
 * TSCRIPT_ISA still applies). */
void kernels_set_max_isa(KIsa cap);
/* "portable", "avx2", "avx512" ("auto" for KISA_AUTO); NULL otherwise. */
const char *kernels_isa_name(int level);
/* The level named s (one of the names above), or -1. */
int kernels_isa_parse(const char *s);

#endif
