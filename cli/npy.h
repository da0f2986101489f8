/*
 * npy.h - read and write NumPy .npy files for the tscript CLI.
 *
 * The CLI's tensor inputs come from .npy files and `run -o DIR` writes every
 * output tensor as one. Only plain (non-structured) arrays are handled:
 * dtypes <f4 <f8 <f2 <i8 <i4 <i2 |i1 |u1 |b1 (big-endian '>' variants are
 * byte-swapped on read), format versions 1.0, 2.0 and 3.0. A Fortran-order
 * array is copied into C order on read. Files are written as numpy.save
 * writes them: version 1.0, header padded with spaces to a multiple of 64.
 *
 * Every failure fills a message that starts with the file name, e.g.
 * "x.npy: not a .npy file (bad magic)".
 */
#ifndef TSCRIPT_CLI_NPY_H
#define TSCRIPT_CLI_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "tscript/tscript.h"

/* numpy's own limit on the number of dimensions. */
enum { NPY_MAX_DIMS = 32 };

typedef struct NpyArray {
    ts_dtype dtype;
    int ndim;
    int64_t shape[NPY_MAX_DIMS];
    size_t numel;
    size_t nbytes;
    void *data; /* numel elements, C order, native (little-endian) byte order */
} NpyArray;

/* Read path into *out (zeroed on failure). Returns 0, or -1 with a message in
 * err. Release with npy_free. */
int npy_read(const char *path, NpyArray *out, char *err, size_t errlen);
void npy_free(NpyArray *a);

/* Bytes per element of dtype as stored in a .npy file, 0 when .npy has no
 * such type (bfloat16). */
size_t npy_itemsize(ts_dtype dtype);

/* Write a C-order array of the given dtype and shape (ndim 0 for a 0-dim
 * array). nbytes must equal prod(shape) * npy_itemsize(dtype). Returns 0, or
 * -1 with a message in err. */
int npy_write(const char *path, ts_dtype dtype, const int64_t *shape, int ndim,
              const void *data, size_t nbytes, char *err, size_t errlen);

#endif
