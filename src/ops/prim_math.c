/*
 * prim_math.c - the `math` module and round() on Python numbers in compiled
 * code (math.exp(0.5), math.log(n, 2), round(2.6)): the aten::NAME.int /
 * .float / .Scalar overloads PyTorch registers for them (register_prim_ops.cpp).
 *
 * Every overload of one name computes in double from its argument's value, as
 * PyTorch's do, and returns a float (isnan/isinf/isfinite a bool): the
 * `Scalar` overloads too, since every function here gives a float for an int.
 * Domain errors are IEEE results (math.log(-1.0) is nan, math.gamma(-1.0) is
 * nan), not Python's ValueError, as in PyTorch. round() rounds half to even,
 * as Python and PyTorch 1.13 do (round(2.5) is 2.0).
 */
#include <math.h>

#include "ops/prim.h"

#define PI_F64 3.14159265358979323846

static double degrees(double a) { return a * (180.0 / PI_F64); }
static double radians(double a) { return a * (PI_F64 / 180.0); }
static double round_even(double a) { return nearbyint(a); }
static double log_base(double a, double b) { return log(a) / log(b); }

#define MATH1(name, expr)                                                                \
    PRIM_OP(prim_math_##name) {                                                          \
        double a = prim_float(in[0]);                                                    \
        out[0] = iv_double(expr);                                                        \
        return TS_OK;                                                                    \
    }
#define MATH2(name, expr)                                                                \
    PRIM_OP(prim_math2_##name) {                                                         \
        double a = prim_float(in[0]), b = prim_float(in[1]);                             \
        out[0] = iv_double(expr);                                                        \
        return TS_OK;                                                                    \
    }
#define MATH_BOOL(name, expr)                                                            \
    PRIM_OP(prim_math_##name) {                                                          \
        double a = prim_float(in[0]);                                                    \
        out[0] = iv_bool(expr);                                                          \
        return TS_OK;                                                                    \
    }

MATH1(fabs, fabs(a))
MATH1(gamma, tgamma(a))
MATH1(radians, radians(a))
MATH1(degrees, degrees(a))
MATH1(log1p, log1p(a))
MATH1(expm1, expm1(a))
MATH1(exp, exp(a))
MATH1(asin, asin(a))
MATH1(cosh, cosh(a))
MATH1(cos, cos(a))
MATH1(atan, atan(a))
MATH1(tan, tan(a))
MATH1(sin, sin(a))
MATH1(tanh, tanh(a))
MATH1(lgamma, lgamma(a))
MATH1(round, round_even(a))
MATH1(sinh, sinh(a))
MATH1(log10, log10(a))
MATH1(log, log(a))
MATH1(acos, acos(a))
MATH1(acosh, acosh(a))
MATH1(asinh, asinh(a))
MATH1(atanh, atanh(a))
MATH1(erf, erf(a))
MATH1(erfc, erfc(a))
MATH_BOOL(isfinite, isfinite(a))
MATH_BOOL(isnan, isnan(a))
MATH_BOOL(isinf, isinf(a))
MATH2(mathremainder, remainder(a, b))
MATH2(atan2, atan2(a, b))
MATH2(copysign, copysign(a, b))
MATH2(log, log_base(a, b))
