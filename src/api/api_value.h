/*
 * api_value.h - the box behind the public ts_value handle, shared by the
 * files of the API layer (api.c: values and calls; api_custom.c: custom op
 * kernels, which see their arguments as boxes).
 *
 * A ts_value boxes one IValue with its own reference count. Items of
 * containers handed out by ts_value_item are boxed lazily and cached in the
 * parent box, so the borrowed pointer stays valid as long as the parent.
 */
#ifndef TS_API_VALUE_H
#define TS_API_VALUE_H

#include "value/value.h"
#include "tscript/tscript.h"

struct ts_value {
    int refcnt;
    IValue v;
    struct ts_value **children; /* lazily boxed items (tuple/list/dict values) */
    struct ts_value **keys;     /* lazily boxed dict keys */
    size_t nchildren;
};

/* Box v (stolen) with one reference; NULL (v released) when out of memory. */
ts_value *api_box(IValue v);

#endif
