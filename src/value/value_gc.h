/*
 * value_gc.h - the cycle collector's hooks inside value.c (see value_gc.c).
 */
#ifndef TS_VALUE_GC_H
#define TS_VALUE_GC_H

#include "value/value.h"

enum { GC_UNTRACKED = 0, GC_LIVE = 1, GC_DEAD = 2 };

/* Register a new container (list, tuple, dict, object) with this thread's
 * collection, when one is open; otherwise it stays untracked. */
void gc_track(HeapHdr *h);
/* A container's count reached zero and its contents are released: true when
 * it is tracked, in which case its shell now belongs to the collector (which
 * frees it at its next sweep) and the caller must not free it. */
bool gc_dead(HeapHdr *h);

#endif
