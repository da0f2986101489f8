/*
 * dtype.c - element types: names, sizes, PyTorch's type promotion table and
 * the conversions between element types (including float16 and bfloat16,
 * which are stored as uint16_t and computed on as float).
 *
 * Conversions follow what PyTorch 1.13 on x86-64 produces, so that
 * `x.to(torch.uint8)` gives the same bytes: float -> int truncates toward
 * zero; a value outside int32 (or NaN) becomes INT32_MIN before narrowing to
 * 8/16/32 bits, and outside int64 becomes INT64_MIN for int64 (the cvtt
 * instructions' "integer indefinite"). Integer narrowing wraps. Nothing here
 * has undefined behaviour, whatever the value.
 */
#include "tensor/tensor.h"

#include <math.h>

static const struct {
    bool valid;
    size_t size;
    const char *name, *sname;
    bool is_float;
} g_dtypes[DT_CODE_MAX] = {
#define X(E, code, sname, ctype, size, name, isf) [code] = {true, size, name, sname, isf},
#include "tensor/dtype.def"
#undef X
};

bool dtype_valid(int code) { return code >= 0 && code < DT_CODE_MAX && g_dtypes[code].valid; }
size_t dtype_size(DType t) { return g_dtypes[t].size; }
const char *dtype_name(DType t) { return g_dtypes[t].name; }
const char *dtype_storage_name(DType t) { return g_dtypes[t].sname; }
bool dtype_is_float(DType t) { return g_dtypes[t].is_float; }

bool dtype_is_integral(DType t, bool include_bool) {
    if (t == DT_BOOL) return include_bool;
    return !g_dtypes[t].is_float;
}

bool dtype_from_storage_name(const char *name, DType *out) {
    for (int c = 0; c < DT_CODE_MAX; c++) {
        if (g_dtypes[c].valid && strcmp(g_dtypes[c].sname, name) == 0) {
            *out = (DType)c;
            return true;
        }
    }
    return false;
}

/* c10::promoteTypes restricted to the dtypes of dtype.def. */
DType dtype_promote(DType a, DType b) {
    enum { u1, i1, i2, i4, i8, f2, f4, f8, b1, bf, NT };
    static const DType code_of[NT] = {DT_UINT8,   DT_INT8,    DT_INT16, DT_INT32, DT_INT64,
                                      DT_FLOAT16, DT_FLOAT32, DT_FLOAT64, DT_BOOL, DT_BFLOAT16};
    static const unsigned char table[NT][NT] = {
        /*        u1  i1  i2  i4  i8  f2  f4  f8  b1  bf */
        /* u1 */ {u1, i2, i2, i4, i8, f2, f4, f8, u1, bf},
        /* i1 */ {i2, i1, i2, i4, i8, f2, f4, f8, i1, bf},
        /* i2 */ {i2, i2, i2, i4, i8, f2, f4, f8, i2, bf},
        /* i4 */ {i4, i4, i4, i4, i8, f2, f4, f8, i4, bf},
        /* i8 */ {i8, i8, i8, i8, i8, f2, f4, f8, i8, bf},
        /* f2 */ {f2, f2, f2, f2, f2, f2, f4, f8, f2, f4},
        /* f4 */ {f4, f4, f4, f4, f4, f4, f4, f8, f4, f4},
        /* f8 */ {f8, f8, f8, f8, f8, f8, f8, f8, f8, f8},
        /* b1 */ {u1, i1, i2, i4, i8, f2, f4, f8, b1, bf},
        /* bf */ {bf, bf, bf, bf, bf, f4, f4, f8, bf, bf},
    };
    int ia = -1, ib = -1;
    for (int i = 0; i < NT; i++) {
        if (code_of[i] == a) ia = i;
        if (code_of[i] == b) ib = i;
    }
    if (ia < 0 || ib < 0) return DT_FLOAT32;
    return code_of[table[ia][ib]];
}

/* ---- float16 / bfloat16 ---- */

static inline uint32_t f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

float ts_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    if (exp == 0x1f) return bits_f32(sign | 0x7f800000u | (man << 13));
    if (exp == 0) {
        /* zero or subnormal: man * 2^-24 is exact in float */
        float v = (float)man * 0x1p-24f;
        return sign ? -v : v;
    }
    return bits_f32(sign | ((exp + 112) << 23) | (man << 13));
}

uint16_t ts_float_to_half(float f) {
    uint32_t x = f32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return sign | 0x7e00; /* NaN, as c10::Half makes it */
    if (ax >= 0x477ff000u) return sign | 0x7c00; /* rounds to >= 65520: inf */
    if (ax < 0x38800000u) {
        /* result is subnormal or zero: round |f| / 2^-24 to nearest even */
        float a = bits_f32(ax);
        float q = a * 0x1p24f; /* exact: scaling by a power of two */
        float r = nearbyintf(q);  /* default rounding mode: nearest even */
        return (uint16_t)(sign | (uint16_t)r);
    }
    /* normal: rebias exponent and round the 13 dropped bits to nearest even */
    uint32_t m = ax - 0x38000000u; /* exponent - 112 */
    uint32_t lsb = (m >> 13) & 1;
    m += 0xfff + lsb;
    return (uint16_t)(sign | (m >> 13));
}

float ts_bf16_to_float(uint16_t h) { return bits_f32((uint32_t)h << 16); }

uint16_t ts_float_to_bf16(float f) {
    uint32_t x = f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return 0x7fc0; /* NaN */
    uint32_t lsb = (x >> 16) & 1;
    x += 0x7fff + lsb;
    return (uint16_t)(x >> 16);
}

/* ---- element conversion ---- */

/* float -> int32 as cvttsd2si: NaN and out-of-range give INT32_MIN. */
static int32_t f64_to_i32(double v) {
    if (!(v > -2147483649.0 && v < 2147483648.0)) return INT32_MIN;
    return (int32_t)v;
}

static int64_t f64_to_i64(double v) {
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return INT64_MIN;
    return (int64_t)v;
}

double dtype_load_f64(DType dt, const void *p) {
    switch (dt) {
    case DT_UINT8: return *(const uint8_t *)p;
    case DT_INT8: return *(const int8_t *)p;
    case DT_INT16: return *(const int16_t *)p;
    case DT_INT32: return *(const int32_t *)p;
    case DT_INT64: return (double)*(const int64_t *)p;
    case DT_FLOAT16: return ts_half_to_float(*(const uint16_t *)p);
    case DT_FLOAT32: return *(const float *)p;
    case DT_FLOAT64: return *(const double *)p;
    case DT_BOOL: return *(const uint8_t *)p != 0;
    case DT_BFLOAT16: return ts_bf16_to_float(*(const uint16_t *)p);
    }
    return 0;
}

int64_t dtype_load_i64(DType dt, const void *p) {
    switch (dt) {
    case DT_UINT8: return *(const uint8_t *)p;
    case DT_INT8: return *(const int8_t *)p;
    case DT_INT16: return *(const int16_t *)p;
    case DT_INT32: return *(const int32_t *)p;
    case DT_INT64: return *(const int64_t *)p;
    case DT_BOOL: return *(const uint8_t *)p != 0;
    case DT_FLOAT16:
    case DT_FLOAT32:
    case DT_BFLOAT16:
    case DT_FLOAT64: return f64_to_i64(dtype_load_f64(dt, p));
    }
    return 0;
}

void dtype_store_f64(DType dt, void *p, double v) {
    switch (dt) {
    case DT_UINT8: *(uint8_t *)p = (uint8_t)f64_to_i32(v); break;
    case DT_INT8: *(int8_t *)p = (int8_t)f64_to_i32(v); break;
    case DT_INT16: *(int16_t *)p = (int16_t)f64_to_i32(v); break;
    case DT_INT32: *(int32_t *)p = f64_to_i32(v); break;
    case DT_INT64: *(int64_t *)p = f64_to_i64(v); break;
    case DT_FLOAT16: *(uint16_t *)p = ts_float_to_half((float)v); break;
    case DT_FLOAT32: *(float *)p = (float)v; break;
    case DT_FLOAT64: *(double *)p = v; break;
    case DT_BOOL: *(uint8_t *)p = v != 0; break;
    case DT_BFLOAT16: *(uint16_t *)p = ts_float_to_bf16((float)v); break;
    }
}

void dtype_store_i64(DType dt, void *p, int64_t v) {
    switch (dt) {
    case DT_UINT8: *(uint8_t *)p = (uint8_t)v; break;
    case DT_INT8: *(int8_t *)p = (int8_t)v; break;
    case DT_INT16: *(int16_t *)p = (int16_t)v; break;
    case DT_INT32: *(int32_t *)p = (int32_t)v; break;
    case DT_INT64: *(int64_t *)p = v; break;
    case DT_FLOAT16: *(uint16_t *)p = ts_float_to_half((float)v); break;
    case DT_FLOAT32: *(float *)p = (float)v; break;
    case DT_FLOAT64: *(double *)p = (double)v; break;
    case DT_BOOL: *(uint8_t *)p = v != 0; break;
    case DT_BFLOAT16: *(uint16_t *)p = ts_float_to_bf16((float)v); break;
    }
}

void dtype_convert(DType dst_dt, void *dst, DType src_dt, const void *src) {
    if (dtype_is_float(src_dt)) dtype_store_f64(dst_dt, dst, dtype_load_f64(src_dt, src));
    else dtype_store_i64(dst_dt, dst, dtype_load_i64(src_dt, src));
}
