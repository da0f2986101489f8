/*
 * tscript.h - the public C API of tscript: load and run TorchScript archives.
 *
 * A working example (error handling shortened):
 *
 *     ts_ctx *ctx;
 *     ts_ctx_new(NULL, &ctx);
 *     ts_module *m;
 *     if (ts_module_load(ctx, "model.pt", &m) != TS_OK) {
 *         fprintf(stderr, "%s\n", ts_ctx_error(ctx));
 *         return 1;
 *     }
 *     float xs[10] = {0};
 *     int64_t shape[2] = {1, 10};
 *     ts_value *x;
 *     ts_value_from_buffer(ctx, TS_FLOAT32, shape, 2, xs, &x);
 *     ts_value *out;
 *     ts_module_forward(ctx, m, &x, 1, &out);
 *     float ys[2];
 *     ts_value_to_buffer(ctx, out, TS_FLOAT32, ys, sizeof ys);
 *     ts_value_release(out);
 *     ts_value_release(x);
 *     ts_module_release(m);
 *     ts_ctx_free(ctx);
 *
 * Conventions: every call that can fail returns a ts_status; the message of the
 * last failure (with source location and TorchScript traceback when there is
 * one) is kept in the context and read with ts_ctx_error(). `_new`/`_load`
 * give an owned handle released with the matching `_free`/`_release`.
 * A ts_ctx is used by one thread at a time (ts_ctx_interrupt excepted: any
 * thread may call it); a loaded ts_module may be called
 * from several threads, each with its own ts_ctx. A ts_value may be shared
 * (retain/release are atomic), but reading a container's items
 * (ts_value_item) from two threads at once needs the caller's own lock.
 */
#ifndef TSCRIPT_H
#define TSCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TS_API __attribute__((visibility("default")))
#else
#define TS_API
#endif

/* Status codes. TS_OK is 0; everything else is a failure kind. */
typedef enum ts_status {
    TS_OK = 0,
    TS_ERR_NOMEM,       /* an allocation failed or a size overflowed */
    TS_ERR_IO,          /* a file could not be opened, read or written */
    TS_ERR_FORMAT,      /* a file is not what it claims to be (zip, pickle, npy) */
    TS_ERR_SYNTAX,      /* TorchScript source does not parse */
    TS_ERR_TYPE,        /* a type error, in source or in an argument */
    TS_ERR_SHAPE,       /* tensor shapes do not fit an operation */
    TS_ERR_VALUE,       /* a value is out of range or invalid */
    TS_ERR_NOT_FOUND,   /* a method, attribute, op or record does not exist */
    TS_ERR_UNSUPPORTED, /* valid input that tscript does not implement yet */
    TS_ERR_RUNTIME,     /* an exception raised by the TorchScript program */
    TS_ERR_ARG,         /* a bad argument to an API call */
    TS_ERR_TIMEOUT,     /* the load or call ran past the context's time limit (ts_ctx_set_timeout) */
    TS_ERR_CANCELLED,   /* the load or call was stopped by ts_ctx_interrupt */
} ts_status;

/* Element types, numbered as PyTorch's ScalarType. */
typedef enum ts_dtype {
    TS_UINT8 = 0,
    TS_INT8 = 1,
    TS_INT16 = 2,
    TS_INT32 = 3,
    TS_INT64 = 4,
    TS_FLOAT16 = 5,
    TS_FLOAT32 = 6,
    TS_FLOAT64 = 7,
    TS_BOOL = 11,
    TS_BFLOAT16 = 15,
} ts_dtype;

/* Kinds of boxed values. */
typedef enum ts_kind {
    TS_KIND_NONE,
    TS_KIND_BOOL,
    TS_KIND_INT,
    TS_KIND_FLOAT,
    TS_KIND_STR,
    TS_KIND_TENSOR,
    TS_KIND_LIST,
    TS_KIND_TUPLE,
    TS_KIND_DICT,
    TS_KIND_OBJECT,
    TS_KIND_DEVICE,
    TS_KIND_OTHER,
} ts_kind;

typedef struct ts_ctx ts_ctx;
typedef struct ts_module ts_module;
typedef struct ts_value ts_value;

/* Instruction-set levels of the kernels, for ts_config.max_isa and ts_isa(). */
enum {
    TS_ISA_AUTO = 0,     /* no cap: the best level the CPU runs */
    TS_ISA_PORTABLE = 1, /* portable C kernels, and the reference GEMM instead of the BLAS */
    TS_ISA_AVX2 = 2,     /* x86-64 AVX2 + FMA kernels, and the BLAS */
    TS_ISA_AVX512 = 3,   /* x86-64 AVX-512 (F, BW, DQ, VL) kernels, and the BLAS */
};

typedef struct ts_config {
    /* Threads for intra-op parallelism (today: inside the BLAS backend, which
     * is process-wide, so the last context created decides). 0: the library
     * chooses (BLAS's own default, usually one per core). */
    int num_threads;
    /* Highest instruction-set level the kernels may use (TS_ISA_*; 0: no
     * cap). The level in use is the lowest of this, the environment variable
     * TSCRIPT_ISA (portable, avx2 or avx512) and what the CPU runs: asking
     * for more than the CPU has gives what it has. Process-wide, like
     * num_threads: a context created with a non-zero max_isa sets the cap for
     * every later kernel call (0 leaves the cap as it is). The cap governs
     * every SIMD kernel: convolutions, and GEMM (below avx2 the reference
     * GEMM replaces the BLAS, which picks its own SIMD kernel for the CPU).
     * Results at each level agree within rounding, not bit for bit.
     * ts_ctx_new returns TS_ERR_ARG for a value outside 0..TS_ISA_AVX512. */
    int max_isa;
    /* A cap on the bytes the library holds, process-wide like num_threads
     * (the last context created with a non-zero value decides); 0: none.
     * Past it, loading or a call fails with TS_ERR_NOMEM, saying what was
     * being allocated, instead of the process running out of memory: a
     * program that grows a list or a string without bound stops with an
     * error at the first op, call or loop iteration past the limit. */
    size_t max_memory;
    /* Bound on the bytes inflated from the deflated records of one archive
     * (each record is inflated once, however often it is referenced); past
     * it a load fails with TS_ERR_NOMEM. 0: the default, the larger of 1 GiB
     * and 16 times the archive's size. torch.jit.save writes records
     * uncompressed: only re-zipped archives inflate at all. */
    size_t max_inflated_bytes;
} ts_config;

/* The library version, "MAJOR.MINOR.PATCH". */
TS_API const char *ts_version(void);

/* The instruction-set level the kernels use now (TS_ISA_PORTABLE..AVX512),
 * and the highest one this CPU runs. */
TS_API int ts_isa(void);
TS_API int ts_isa_supported(void);
/* "auto", "portable", "avx2", "avx512" for a TS_ISA_* level; NULL otherwise. */
TS_API const char *ts_isa_name(int level);
/* The TS_ISA_* level named s (one of the names above), or -1. */
TS_API int ts_isa_parse(const char *s);

/* A static name for a status ("TS_ERR_SHAPE"). */
TS_API const char *ts_status_name(ts_status s);

/* Create a context. cfg may be NULL for defaults. Errors: TS_ERR_NOMEM. */
TS_API ts_status ts_ctx_new(const ts_config *cfg, ts_ctx **out);
TS_API void ts_ctx_free(ts_ctx *ctx);

/* Where print() in a TorchScript program writes: fn(ud, text) with each
 * line (text ends in a newline). Default (fn NULL): standard output. */
TS_API void ts_ctx_set_print(ts_ctx *ctx, void (*fn)(void *ud, const char *text), void *ud);

/* Cancellation. Model code runs at load time (a class's __setstate__) and at
 * call time, and may loop forever. A context can bound every load
 * (ts_module_load*) and call (ts_module_forward/_call) made through it:
 * the interpreter polls at each loop iteration and each method call.
 *
 * ts_ctx_set_timeout: each load or call through ctx fails with
 * TS_ERR_TIMEOUT when it has run longer than `milliseconds` (measured from
 * the start of that API call, on the monotonic clock); 0 (the default)
 * means no limit. The message names the limit and carries the TorchScript
 * traceback of where the code was. */
TS_API void ts_ctx_set_timeout(ts_ctx *ctx, int64_t milliseconds);
/* Stop the load or call running on ctx as soon as possible: it fails with
 * TS_ERR_CANCELLED. The one function that may be called from another thread
 * while ctx is in use (async-signal-safe too). An interrupt that arrives
 * when nothing runs on ctx has no effect on later calls (as SQLite's
 * sqlite3_interrupt). Kernels inside one op are not interrupted: the
 * bound is one op's time. */
TS_API void ts_ctx_interrupt(ts_ctx *ctx);

/* The last failure's full message: "file:line:col: error: ..." plus source
 * line, caret and traceback where known. Empty string when there was none.
 * Valid until the next call with this context. */
TS_API const char *ts_ctx_error(const ts_ctx *ctx);
/* Parts of the last failure: the message alone ("expected 1D input"), the
 * TorchScript traceback (one frame per method call, innermost first; "" when
 * the failure was not at run time), and the source location (file:line:col of
 * the code, innermost frame first; false when unknown). Valid until the next
 * call with this context. */
TS_API const char *ts_ctx_error_message(const ts_ctx *ctx);
TS_API const char *ts_ctx_traceback(const ts_ctx *ctx);
TS_API bool ts_ctx_error_location(const ts_ctx *ctx, const char **file, int *line, int *col);
/* The last failure's status (TS_OK if none). */
TS_API ts_status ts_ctx_status(const ts_ctx *ctx);
/* Forget the last failure. */
TS_API void ts_ctx_clear_error(ts_ctx *ctx);
/* Notes from the last successful load (ts_module_load, ts_weights_load) that
 * are not failures, one per line; "" when none. Today: "tensors saved on
 * cuda:0 are loaded on the cpu" when the file was saved from GPU tensors
 * (tscript runs on the CPU; device constants "cuda"/"cuda:N" in an archive's
 * code also mean the CPU, and x.cuda() returns x). Valid until the next load
 * with this context. */
TS_API const char *ts_ctx_notes(const ts_ctx *ctx);

/* Run a Python script of the seed's kind top to bottom, as `python3 path
 * argv...` with PyTorch would (tscript exec): classes, functions, try/except,
 * torch.* calls, torch.jit.script/trace/save/load, print() of modules and
 * tensors as PyTorch prints them (to standard output, or the print hook).
 * argv[0..argc) are sys.argv[1:]. seed: torch.manual_seed(*seed) before the
 * first line; NULL: a fresh random seed, as each PyTorch process has.
 * Warnings go to ts_ctx_notes. Errors: the script's uncaught exception (its
 * message with file:line:col and traceback), TS_ERR_UNSUPPORTED naming a
 * construct outside the subset, TS_ERR_IO when the file cannot be read. */
TS_API ts_status ts_exec_file(ts_ctx *ctx, const char *path, int argc, char *const *argv, const uint64_t *seed);

/* A static name for a dtype ("float32", "bfloat16"); "unknown" if invalid. */
TS_API const char *ts_dtype_name(ts_dtype dtype);

/* Load a TorchScript archive written by torch.jit.save. The weights are
 * mapped from the file, not copied, where the archive allows.
 * Errors: TS_ERR_IO, TS_ERR_FORMAT, TS_ERR_SYNTAX, TS_ERR_TYPE,
 * TS_ERR_NOT_FOUND, TS_ERR_UNSUPPORTED, TS_ERR_NOMEM. */
TS_API ts_status ts_module_load(ts_ctx *ctx, const char *path, ts_module **out);
TS_API void ts_module_release(ts_module *m);

/* Lazy binding: an archive loads whenever its code parses. A call of an op
 * tscript lacks (`torch.cumsum(x, 0)`) becomes a node that fails when it
 * runs, with TS_ERR_NOT_FOUND and the message
 * "unknown builtin op 'aten::cumsum' (torch.cumsum): tscript does not
 * implement it" plus the traceback; a statement (or, failing that, a method)
 * whose code tscript cannot type-check or does not support fails the same
 * way when it runs, with the original message and status. A method that
 * never reaches such code runs normally. ts_module_check lists them all. */

/* Load flags for ts_module_load_ex. */
enum {
    /* Inspect only (show, check): run no model code. Objects whose class
     * defines __setstate__ are made without running it (their attributes
     * stay unset; a module whose submodules come from its __setstate__ shows
     * none), and the module's methods cannot be called (TS_ERR_ARG). */
    TS_LOAD_INSPECT = 1,
};
/* ts_module_load with flags (0: the same as ts_module_load). */
TS_API ts_status ts_module_load_ex(ts_ctx *ctx, const char *path, unsigned flags, ts_module **out);

/* Script a model from its Python source, as torch.jit.script(Class(ARGS))
 * does, without Python: path is a model.py; class_name the nn.Module
 * subclass to build (NULL: the file's only one); args the constructor's
 * arguments as written between the parentheses of a call ("10, 2,
 * bias=False"; NULL: none). The module runs like a loaded archive. Warnings
 * (e.g. @torch.jit.script on an nn.Module class, which PyTorch rejects) are
 * in ts_ctx_notes. Errors: TS_ERR_IO, TS_ERR_SYNTAX, TS_ERR_TYPE,
 * TS_ERR_VALUE (an exception raised by the constructor), TS_ERR_NOT_FOUND,
 * TS_ERR_UNSUPPORTED (a construct tscript's evaluator does not run),
 * TS_ERR_TIMEOUT, TS_ERR_NOMEM. */
TS_API ts_status ts_module_script(ts_ctx *ctx, const char *path, const char *class_name, const char *args,
                                  ts_module **out);

/* ts_module_script with a state_dict: weights is a torch.save file holding a
 * state_dict, or a checkpoint dict with it under weights_key (NULL: the file
 * is the state_dict); loaded with load_state_dict(strict=True) semantics, so
 * missing, unexpected and wrongly shaped keys are one TS_ERR_VALUE naming
 * them all. */
TS_API ts_status ts_module_script_weights(ts_ctx *ctx, const char *path, const char *class_name, const char *args,
                                          const char *weights, const char *weights_key, ts_module **out);

/* What in the module tscript cannot run: every op it lacks and every
 * construct it cannot compile, each with its source locations in the
 * archive's code, as text (one item per line, then its locations indented:
 *   "missing op aten::cumsum (torch.cumsum), 2 places:\n  m.pt:code/__torch__.py:12:9\n...").
 * Code that fails only because it uses the result of a missing op (whose
 * type tscript had to guess) follows as "then, using a missing op's
 * result: ..." items, which are not counted. *n_problems is the number of
 * counted items (0: every method can run, and *report is a one-line summary
 * of what was checked). The module may be loaded with TS_LOAD_INSPECT.
 * *report is owned by the caller (ts_string_free). Errors: TS_ERR_ARG. */
TS_API ts_status ts_module_check(ts_ctx *ctx, ts_module *m, char **report, size_t *n_problems);

/* Write the module to path as a TorchScript archive that torch.jit.load
 * (PyTorch 1.13 and 2.x) and ts_module_load read: code/ (for a loaded
 * archive, its own code files), data.pkl, constants.pkl, data/N records
 * (64-byte aligned), version, byteorder. The same module always gives the
 * same bytes. The file is written beside path and renamed over it at the
 * end, so a failure never leaves a partial file. Objects whose class has
 * __getstate__/__setstate__ are saved as __getstate__'s result (it runs).
 * Errors: TS_ERR_IO naming the path (cannot create or write it: the
 * system's reason), TS_ERR_ARG (NULL argument, a module loaded with
 * TS_LOAD_INSPECT), TS_ERR_UNSUPPORTED (a value that cannot be saved),
 * TS_ERR_NOMEM, and what a __getstate__ raises. */
TS_API ts_status ts_module_save(ts_ctx *ctx, const ts_module *m, const char *path);

/* Flags of ts_module_optimize. */
enum {
    /* For saving: only standard ops in the result (no fused tscript:: op),
     * so ts_module_save writes an archive torch.jit.load runs. */
    TS_OPT_FOR_SAVE = 1,
};

/* An optimised copy of m for inference: its method (forward when NULL) with
 * every call inlined and every attribute frozen into a constant (as
 * torch.jit.freeze), constants propagated, dead code removed, batch norms
 * folded into the convolutions before them and, unless TS_OPT_FOR_SAVE,
 * convolutions fused with a following residual add and relu, relu6,
 * hardtanh, hardswish or silu. The result has that one method; m is
 * unchanged and may be released (the result keeps what it needs).
 * *out is owned (ts_module_release). If summary is not NULL it receives a
 * one-line account ("inlined 41 calls, froze 310 attributes, ...", owned,
 * ts_string_free). Errors: TS_ERR_UNSUPPORTED with the reason (training
 * mode, attributes set by the method, a module used as a value ...; run
 * m itself then), TS_ERR_NOT_FOUND (no such method), TS_ERR_ARG. */
TS_API ts_status ts_module_optimize(ts_ctx *ctx, ts_module *m, const char *method, unsigned flags,
                                    ts_module **out, char **summary);

/* Call forward / a named method. The inputs are borrowed; *out is owned by
 * the caller. Errors: TS_ERR_ARG, TS_ERR_TYPE, TS_ERR_SHAPE, TS_ERR_VALUE,
 * TS_ERR_RUNTIME, TS_ERR_NOT_FOUND, TS_ERR_NOMEM. */
TS_API ts_status ts_module_forward(ts_ctx *ctx, ts_module *m, ts_value *const *inputs,
                                   size_t n_inputs, ts_value **out);
TS_API ts_status ts_module_call(ts_ctx *ctx, ts_module *m, const char *method,
                                ts_value *const *inputs, size_t n_inputs, ts_value **out);

/* Load a file written by torch.save (a state_dict, a tensor, or nested
 * dicts, lists and tuples of tensors, ints, floats, strings), zip format
 * (torch >= 1.6; the legacy format fails with TS_ERR_UNSUPPORTED and what to
 * do). *out is owned: a dict for a state_dict (str keys in saved order,
 * parameters as plain tensors), a list, a tuple, a tensor, ... The pickle is
 * read with the same safe subset as ts_module_load: only tensor-rebuilding
 * globals and OrderedDict, never code; a pickled nn.Module object fails
 * (save its state_dict() instead). Weights are mapped from the file where
 * the records are aligned. Errors: TS_ERR_IO, TS_ERR_FORMAT (also for a
 * TorchScript archive: use ts_module_load), TS_ERR_UNSUPPORTED,
 * TS_ERR_NOMEM. */
TS_API ts_status ts_weights_load(ts_ctx *ctx, const char *path, ts_value **out);
/* Does path look like a torch.save file (a zip with data.pkl and no
 * constants.pkl, or the legacy format) rather than a TorchScript archive?
 * Never fails: false for anything else, unreadable files included. */
TS_API bool ts_file_is_weights(const char *path);

/* Number of user arguments of a method (self excluded), or -1 if none. */
TS_API int ts_module_method_arity(const ts_module *m, const char *method);
/* How many of those must be given (the rest have defaults), or -1. */
TS_API int ts_module_method_required(const ts_module *m, const char *method);
/* The method's signature as TorchScript prints it, without self:
 * "forward(x: Tensor, n: int=3) -> Tensor". Owned by the module; NULL if
 * there is no such method. */
TS_API const char *ts_module_method_signature(const ts_module *m, const char *method);

/* Write a text rendering of the module: TS_SHOW_TREE as print(module) does,
 * TS_SHOW_CODE each class's TorchScript code, TS_SHOW_GRAPH each method's IR.
 * Bytes from the archive that a terminal would obey (control characters,
 * invalid UTF-8) are written as escapes (\x1b, \u009b); printable UTF-8
 * stays. Failure messages (ts_ctx_error) are escaped and bounded the same way.
 * The string is owned by the caller (free with ts_string_free). */
typedef enum ts_show { TS_SHOW_TREE, TS_SHOW_CODE, TS_SHOW_GRAPH } ts_show;
/* A debugging aid (`tscript show --code --reprint`): the code tscript's own
 * printer writes from the IR (what it would save), one "# code/PATH" line
 * before each file; code that did not compile shows as ops.prim.Unsupported. */
#define TS_SHOW_CODE_REPRINT ((ts_show)3)
TS_API ts_status ts_module_show(ts_ctx *ctx, ts_module *m, ts_show what, char **out);
TS_API void ts_string_free(char *s);

/* Boxed values. Constructors return owned values (NULL only when out of memory). */
TS_API ts_value *ts_value_none(void);
TS_API ts_value *ts_value_bool(bool v);
TS_API ts_value *ts_value_int(int64_t v);
TS_API ts_value *ts_value_float(double v);
TS_API ts_value *ts_value_str(const char *utf8);
/* A tuple or list of the given items (each borrowed; the container retains them). */
TS_API ts_value *ts_value_tuple(ts_value *const *items, size_t n);
TS_API ts_value *ts_value_retain(ts_value *v);
TS_API void ts_value_release(ts_value *v);

/* A tensor copied from a caller buffer of prod(shape) elements of dtype,
 * contiguous in row-major order. Errors: TS_ERR_ARG, TS_ERR_NOMEM. */
TS_API ts_status ts_value_from_buffer(ts_ctx *ctx, ts_dtype dtype, const int64_t *shape,
                                      int ndim, const void *data, ts_value **out);

/* PyTorch's CPU random number generator, one per context: the mt19937 of
 * torch.default_generator with PyTorch's uniform and normal transforms, so
 * that after ts_ctx_manual_seed(ctx, S) the random ops a model runs through
 * ctx (torch.randn, rand, randint, randperm, normal_, uniform_, bernoulli,
 * and the parameter initialisation of scripting) draw exactly what they draw
 * in PyTorch after torch.manual_seed(S) (float64 and half-type normal
 * samples call the C library's log, sin and cos, as PyTorch does: bit for
 * bit with the same C library). A context that was never
 * seeded starts from PyTorch's default seed, 67280421310721, as a fresh
 * PyTorch process does. Contexts do not share state; a model's
 * torch.manual_seed(S) reseeds the generator of the context that runs it.
 *
 * ts_ctx_manual_seed: torch.manual_seed(seed) (only the low 32 bits seed the
 * twister, as in PyTorch). Errors: TS_ERR_ARG (ctx NULL), TS_ERR_NOMEM.
 * ts_ctx_initial_seed: torch.initial_seed(), the last seed given (or the
 * default). */
TS_API ts_status ts_ctx_manual_seed(ts_ctx *ctx, uint64_t seed);
TS_API uint64_t ts_ctx_initial_seed(ts_ctx *ctx);
/* A new tensor of the given shape and floating dtype filled as
 * torch.randn(*shape, dtype=dtype) fills it, drawing from ctx's generator
 * (successive calls continue the sequence, as successive torch.randn calls
 * do). Errors: TS_ERR_ARG (a dtype that is not floating, a bad shape),
 * TS_ERR_NOMEM. */
TS_API ts_status ts_value_randn(ts_ctx *ctx, ts_dtype dtype, const int64_t *shape, int ndim,
                                ts_value **out);

TS_API ts_kind ts_value_kind(const ts_value *v);
TS_API bool ts_value_get_bool(const ts_value *v);
TS_API int64_t ts_value_get_int(const ts_value *v);
TS_API double ts_value_get_float(const ts_value *v);
/* The string's UTF-8 bytes (borrowed), or NULL when v is not a str. */
TS_API const char *ts_value_get_str(const ts_value *v);

/* Items of a tuple, list or dict (values of a dict; keys with _dict_key). The
 * returned item is borrowed from the container. */
TS_API size_t ts_value_len(const ts_value *v);
TS_API ts_value *ts_value_item(const ts_value *v, size_t i);
TS_API ts_value *ts_value_dict_key(const ts_value *v, size_t i);

/* Tensor metadata and data. */
TS_API int ts_tensor_ndim(const ts_value *v);
TS_API int64_t ts_tensor_size(const ts_value *v, int dim);
TS_API ts_dtype ts_tensor_dtype(const ts_value *v);
TS_API int64_t ts_tensor_numel(const ts_value *v);
/* Copy the tensor's elements (in row-major order, converted to dtype) into
 * buf of nbytes bytes. Errors: TS_ERR_ARG (not a tensor, buffer too small). */
TS_API ts_status ts_value_to_buffer(ts_ctx *ctx, const ts_value *v, ts_dtype dtype, void *buf,
                                    size_t nbytes);

/* Render a value as Python/PyTorch prints it ("tensor([1., 2.])", "(1, 2)").
 * The string is owned by the caller (free with ts_string_free). */
TS_API char *ts_value_repr(const ts_value *v);

/* ---- Tracing (torch.jit.trace) ----
 *
 *     ts_module *traced;
 *     ts_trace_opts o = { .strict = true };
 *     if (ts_module_trace(ctx, m, &x, 1, &o, &traced) == TS_OK)
 *         ts_module_save(ctx, traced, "traced.pt");
 *
 * A trace runs the module once on example inputs and records the tensor ops
 * it executes: loops unroll, branches keep the path taken, numbers become
 * constants (PyTorch's TracerWarning cases are reported through opts->warn).
 * The inputs are borrowed: tensors, or nested tuples/lists/dicts of tensors;
 * anything else (a bool, an int) is refused with TS_ERR_TYPE and the advice
 * to script the model instead. The result is a new module (owned) that runs,
 * saves and loads in PyTorch like torch.jit.trace's result. */
typedef struct ts_trace_opts {
    bool strict;       /* refuse list/dict outputs, as torch.jit.trace(strict=True) */
    void (*warn)(void *ud, const char *text); /* one TracerWarning line; NULL: into ts_ctx_notes */
    void *warn_ud;
} ts_trace_opts;

/* torch.jit.trace(m, inputs) on m's forward. opts may be NULL (strict, warnings
 * to ts_ctx_notes). Errors: TS_ERR_ARG, TS_ERR_TYPE, what running the model
 * fails with (TS_ERR_SHAPE, TS_ERR_TIMEOUT, ...), TS_ERR_NOMEM. */
TS_API ts_status ts_module_trace(ts_ctx *ctx, ts_module *m, ts_value *const *inputs, size_t n,
                                 const ts_trace_opts *opts, ts_module **out);

/* A trace driven by C calls: begin with the inputs (they become forward's
 * arguments), add parameters, run ops and module calls, end with the outputs.
 *
 *     ts_tracer *t;  ts_trace_begin(ctx, &x, 1, NULL, &t);
 *     ts_trace_param(ctx, t, "fc.weight", w, false);   // fc becomes a submodule
 *     ts_value *y;   ts_value *a[3] = {x, w, b};
 *     ts_trace_op(ctx, t, "aten::linear", a, 3, &y);
 *     ts_trace_end(ctx, t, y, &module);  ts_tracer_free(t);
 *
 * ts_trace_op runs a registry op by name ("aten::relu"; "aten::add.Tensor"
 * names one overload, otherwise the first the arguments fit; trailing
 * defaults are filled) and records it; *out is the op's result (owned).
 * ts_trace_call runs a module's method (NULL: forward) and records it as a
 * call of a submodule named name. ts_trace_end finishes into *out (owned);
 * the tracer is freed with ts_tracer_free, also after a failure.
 * Errors: TS_ERR_ARG for a NULL argument and for any call after a
 * successful ts_trace_end (ending twice too; *out is NULL), TS_ERR_NOT_FOUND
 * (no such op or method), TS_ERR_TYPE (arguments no overload takes, a
 * non-tensor input, an output that is not a tensor or a container of them:
 * a failed ts_trace_end changes nothing and may be called again), what the
 * op's kernel fails with (TS_ERR_SHAPE, ...). A failed call leaves the
 * session as it was. examples/trace.c is a whole program. */
typedef struct ts_tracer ts_tracer;
TS_API ts_status ts_trace_begin(ts_ctx *ctx, ts_value *const *inputs, size_t n, const ts_trace_opts *opts,
                                ts_tracer **out);
TS_API ts_status ts_trace_param(ts_ctx *ctx, ts_tracer *t, const char *name, ts_value *tensor, bool is_buffer);
TS_API ts_status ts_trace_op(ts_ctx *ctx, ts_tracer *t, const char *op, ts_value *const *args, size_t n,
                             ts_value **out);
TS_API ts_status ts_trace_call(ts_ctx *ctx, ts_tracer *t, const char *name, ts_module *m, const char *method,
                               ts_value *const *args, size_t n, ts_value **out);
TS_API ts_status ts_trace_end(ts_ctx *ctx, ts_tracer *t, ts_value *output, ts_module **out);
TS_API void ts_tracer_free(ts_tracer *t);

/* ---- Custom ops (an extension's operators) ----
 *
 * An archive may call ops of a PyTorch extension (torchvision::nms,
 * torch_scatter's ops, a company's own C++ ops): tscript lacks them, and a
 * call fails when it runs with "unknown builtin op 'torchvision::nms'". A
 * host supplies the kernel in C:
 *
 *     static ts_status my_nms(ts_ctx *ctx, ts_value *const *args, size_t nargs,
 *                             ts_value **rets, size_t nrets, void *ud) {
 *         // args[0], args[1]: tensors, args[2]: a float (ts_value_get_float)
 *         ...
 *         return ts_value_from_buffer(ctx, TS_INT64, shape, 1, keep, &rets[0]);
 *     }
 *     ts_register_op(ctx, "torchvision::nms(Tensor dets, Tensor scores, "
 *                         "float iou_threshold) -> Tensor", my_nms, NULL);
 *     ts_module_load(ctx, "detector.pt", &m);   // after the registration
 *
 * The schema is PyTorch's schema language (as torch.ops.ns.name.schema
 * prints it). Calls in TorchScript code (`ops.torchvision.nms(b, s, 0.5)`)
 * are matched against it as against a builtin's, when the code is compiled:
 * register before ts_module_load / ts_module_script (a module loaded earlier
 * keeps the "unknown builtin op" failure). The kernel is called with one
 * borrowed value per schema argument, defaults filled in (an Optional
 * argument left out is a None value), and must store one owned value per
 * schema return in rets[0..nrets) (a tuple made with ts_value_tuple stands
 * for a List return). It returns TS_OK, or a failure with a message set by
 * ts_op_fail (the call then fails with "ns::name: message" and the
 * TorchScript traceback). tscript checks each return against the schema's
 * type: a missing or mistyped one fails the call with TS_ERR_TYPE naming it.
 * The kernel runs on the thread of the ts_module_forward/call that reached
 * it, with that call's context.
 *
 * ts_register_op(ctx, ...) registers on ctx: loads through ctx see the op.
 * ctx NULL registers process-wide (every context sees it; `tscript ops`
 * lists it), reporting failures by status only; ts_register_op_ex with
 * TS_OP_GLOBAL does the same with the message in ctx. Errors (TS_ERR_ARG,
 * with the reason): fn or schema NULL, a malformed schema (the column and
 * what was expected), `...` or type variables in it, a name tscript already
 * implements (aten::add.foo: extend no builtin; a name tscript lacks, even
 * aten::, may be registered), an overload already registered (on ctx, or
 * process-wide), a name whose overloads are registered in the other scope.
 * A registration lasts as long as the process (modules compiled against it
 * may outlive ctx): ud must stay valid while such a module may run. */
typedef ts_status (*ts_op_kernel)(ts_ctx *ctx, ts_value *const *args, size_t nargs, ts_value **rets,
                                  size_t nrets, void *ud);
enum {
    TS_OP_GLOBAL = 1, /* ts_register_op_ex: register process-wide */
};
TS_API ts_status ts_register_op(ts_ctx *ctx, const char *schema, ts_op_kernel fn, void *ud);
TS_API ts_status ts_register_op_ex(ts_ctx *ctx, unsigned flags, const char *schema, ts_op_kernel fn, void *ud);
/* For kernels: record a failure ("boxes must be [N, 4]") in ctx and return
 * status, so `return ts_op_fail(ctx, TS_ERR_SHAPE, "...", ...);` fails the
 * call with that message. printf-style format. */
TS_API ts_status ts_op_fail(ts_ctx *ctx, ts_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* A plugin: a shared library that exports
 *     ts_status tscript_register_ops(ts_ctx *ctx, unsigned flags);
 * registering its ops with ts_register_op_ex(ctx, flags, ...) (`tscript run
 * --ops-lib LIB.so` loads it and passes TS_OP_GLOBAL). TS_OPS_PLUGIN_ENTRY
 * is that symbol's name. */
#define TS_OPS_PLUGIN_ENTRY "tscript_register_ops"
typedef ts_status (*ts_ops_plugin_fn)(ts_ctx *ctx, unsigned flags);

/* The operator schemas tscript implements: ts_op_count() of them, the i-th
 * (0-based, in registry order: overloads of a name in the order they are
 * tried) as PyTorch prints it, e.g. "aten::add.Tensor(Tensor self, Tensor
 * other, *, Scalar alpha=1) -> Tensor". The string is static (never freed);
 * NULL for i out of range. The process-wide custom ops (ts_register_op with
 * ctx NULL or TS_OP_GLOBAL) follow the builtins, in registration order. */
TS_API int ts_op_count(void);
TS_API const char *ts_op_schema(int i);

#ifdef __cplusplus
}
#endif
#endif
