/*
 * ops_lib.c - `--ops-lib LIB.so`: load a custom-op plugin into the process
 * before the model is loaded, so an archive calling an extension's ops
 * (torchvision::nms, ...) finds their kernels.
 *
 * A plugin is a shared library exporting TS_OPS_PLUGIN_ENTRY
 * (tscript_register_ops(ts_ctx *, unsigned flags), tscript.h); it is called
 * with TS_OP_GLOBAL, so the ops are process-wide and `tscript ops` lists
 * them. The library stays loaded until the process exits (its kernels are
 * bound into compiled code). examples/torchvision_ops.c is one.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "commands.h"
#include "ops_lib.h"

int cli_load_ops_lib(ts_ctx *ctx, const char *path) {
    char msg[1024];
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(msg, sizeof msg, "--ops-lib: cannot load %s: %s", path, dlerror());
        return cli_error(msg);
    }
    ts_ops_plugin_fn entry;
    *(void **)&entry = dlsym(h, TS_OPS_PLUGIN_ENTRY);
    if (!entry) {
        snprintf(msg, sizeof msg,
                 "--ops-lib: %s has no function %s (a plugin exports ts_status %s(ts_ctx *, unsigned))", path,
                 TS_OPS_PLUGIN_ENTRY, TS_OPS_PLUGIN_ENTRY);
        dlclose(h);
        return cli_error(msg);
    }
    if (entry(ctx, TS_OP_GLOBAL) != TS_OK) {
        const char *why = ts_ctx_error(ctx);
        snprintf(msg, sizeof msg, "--ops-lib: %s: %s", path, why[0] ? why : "its registration failed");
        return cli_error(msg);
    }
    return 0;
}

int cli_load_ops_libs(ts_ctx *ctx, const Options *o) {
    for (int i = 0; i < o->n_ops_libs; i++) {
        int rc = cli_load_ops_lib(ctx, o->ops_libs[i]);
        if (rc) return rc;
    }
    return 0;
}
