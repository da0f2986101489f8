/*
 * code_print.h - the code printer: IR graphs back to TorchScript source in
 * the dialect PyTorch writes into an archive's code/ files (its
 * python_print), so that a unit tscript compiled (from an archive or from a
 * user's model.py) can be saved as an archive and shown as PyTorch shows it.
 *
 *     CodeFiles cf;
 *     code_files_init(&cf);
 *     if (code_print_unit(ctx, unit, &cf) == TS_OK)
 *         for (int i = 0; i < cf.files.len; i++)
 *             write(cf.files.data[i].path, cf.files.data[i].text);  // code/<path>
 *     code_files_free(&cf);
 *
 * Files come in a deterministic order (first appearance of their qualifier
 * in the unit's class and function lists), never a hash table's order.
 */
#ifndef TS_CODE_PRINT_H
#define TS_CODE_PRINT_H

#include "frontend/unit.h"

typedef struct CodeFile {
    char *qualifier; /* "__torch__.torch.nn.modules.linear" */
    char *path;      /* "__torch__/torch/nn/modules/linear.py" (under code/) */
    char *text;      /* the file's source */
} CodeFile;

typedef struct CodeFiles {
    VEC(CodeFile) files;
    /* The values the code refers to as CONSTANTS.cN (constants.pkl), owned
     * references. code_print_unit starts from the unit's own table, so an
     * archive's constants keep their numbers. */
    VEC(IValue) constants;
} CodeFiles;

enum {
    /* Print code that did not compile (NK_FAIL) as a call of
     * ops.prim.Unsupported("message") instead of failing: for showing. */
    CODE_PRINT_LENIENT = 1,
    /* code_print_function of a method as its `.code` shows it: `def forward(self, ...` */
    CODE_PRINT_BARE_SELF = 2,
};

void code_files_init(CodeFiles *cf);
void code_files_free(CodeFiles *cf);

/* Print every class and free function the unit holds (emitting what is
 * still pending) into out (initialised by the caller, freed with
 * code_files_free). Fails with TS_ERR_UNSUPPORTED when a method did not
 * compile, naming it. */
ts_status code_print_unit(Ctx *ctx, Unit *u, CodeFiles *out) TS_MUST_CHECK;
/* The same with CODE_PRINT_* flags. */
ts_status code_print_unit_ex(Ctx *ctx, Unit *u, unsigned flags, CodeFiles *out) TS_MUST_CHECK;

/* Print one function on its own, as PyTorch's `fn.code` shows a scripted
 * function (a fresh file: names start at _0). Tensor and object constants
 * go to consts->constants; with consts NULL such a constant is an error
 * (TS_ERR_UNSUPPORTED). */
ts_status code_print_function(Ctx *ctx, Function *fn, unsigned flags, CodeFiles *consts, StrBuf *out) TS_MUST_CHECK;

#endif
