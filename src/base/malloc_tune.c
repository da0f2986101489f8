/*
 * malloc_tune.c - keep glibc's malloc from returning every large tensor
 * buffer to the kernel (base.h: base_malloc_tune).
 *
 * A model's intermediate tensors are freed and allocated again, at the same
 * sizes, on every call. With glibc's defaults a buffer above the mmap
 * threshold is a fresh mapping each time and the top of the heap is trimmed
 * after each free, so every call pays page faults for memory it had a moment
 * before (a third of mobilenet_v2's time at one thread). Raising both
 * thresholds keeps the freed memory in the heap for the next call; the peak
 * resident size does not change. Done once, at the first context, unless
 * TSCRIPT_MALLOC_TUNE=0. Elsewhere than glibc: nothing.
 */
#include "base/base.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#ifdef __GLIBC__
#include <malloc.h>

static void tune(void) {
    const char *s = getenv("TSCRIPT_MALLOC_TUNE");
    if (s && strcmp(s, "0") == 0) return;
    mallopt(M_MMAP_THRESHOLD, 64 << 20); /* buffers up to 64 MB come from the heap */
    mallopt(M_TRIM_THRESHOLD, 256 << 20); /* and up to 256 MB of free heap is kept */
}
#else
static void tune(void) {}
#endif

void base_malloc_tune(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, tune);
}
