/*
 * cpu_x86.c - the instruction-set level of this x86-64 CPU, as the
 * dispatch table counts levels (kernels/dispatch.h):
 *  - avx512: AVX-512 F, BW, DQ and VL (with AVX2 and FMA; x86-64-v4 less CD);
 *  - avx2: AVX2 and FMA (x86-64-v3's vector part);
 *  - portable: anything else.
 * __builtin_cpu_supports also checks that the OS saves the vector
 * registers (XCR0), so a level reported here can run.
 */
#include "kernels/dispatch.h"
#include "kernels/x86/conv_x86.h"

int kx86_isa_supported(void) {
    __builtin_cpu_init();
    bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    if (avx2 && avx512) return KISA_AVX512;
    if (avx2) return KISA_AVX2;
    return KISA_PORTABLE;
}
