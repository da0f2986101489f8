/*
 * math.c - reference kernels of the table-driven elementwise math family
 * (kernels/math.def): each row's expression expands into its own loop, so a
 * call dispatches once per tensor, never per element. Special functions
 * PyTorch has and libm lacks (digamma, Bessel i0/i1, log_ndtr) are below,
 * written from their textbook series and recurrences.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "kernels/math.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT1_2
#define M_SQRT1_2 0.70710678118654752440
#endif

/* digamma: reflection for x < 0, recurrence up to x >= 6, then the
 * asymptotic series; poles give -inf at 0 (signed as PyTorch) and NaN at
 * negative integers. */
static double km_digamma(double x) {
    if (x == 0) return copysign(INFINITY, -x);
    if (x < 0) {
        if (x == floor(x)) return NAN;
        return km_digamma(1 - x) - M_PI / tan(M_PI * x);
    }
    double r = 0;
    while (x < 6) {
        r -= 1 / x;
        x += 1;
    }
    double f = 1 / (x * x);
    double t = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132)))));
    return r + log(x) - 0.5 / x + t;
}

/* Modified Bessel functions of the first kind: the power series up to
 * |x| = 30 (terms grow at most to e^30 and the sum stays exact to ~1e-16),
 * Hankel's asymptotic series beyond. scaled: multiplied by exp(-|x|). */
static double bessel_series(double x, int order) {
    double q = x * x / 4, term = order ? x / 2 : 1, sum = term;
    for (int k = 1; k < 500; k++) {
        term *= q / ((double)k * (double)(k + order));
        sum += term;
        if (fabs(term) <= fabs(sum) * 1e-17) break;
    }
    return sum;
}

static double bessel_asym(double ax, int order) {
    double mu = 4.0 * order * order, term = 1, sum = 1;
    for (int k = 1; k < 30; k++) {
        double t = term * -(mu - (2.0 * k - 1) * (2.0 * k - 1)) / (k * 8.0 * ax);
        if (fabs(t) > fabs(term)) break;
        term = t;
        sum += term;
    }
    return sum / sqrt(2 * M_PI * ax);
}

static double km_bessel(double x, int order, int scaled) {
    double ax = fabs(x), r;
    if (ax <= 30) r = scaled ? bessel_series(x, order) * exp(-ax) : bessel_series(x, order);
    else {
        r = bessel_asym(ax, order) * (scaled ? 1.0 : exp(ax));
        if (order && x < 0) r = -r;
    }
    return r;
}
static double km_i0(double x) { return isnan(x) ? x : km_bessel(x, 0, 0); }
static double km_i0e(double x) { return isnan(x) ? x : km_bessel(x, 0, 1); }
static double km_i1(double x) { return isnan(x) ? x : km_bessel(x, 1, 0); }
static double km_i1e(double x) { return isnan(x) ? x : km_bessel(x, 1, 1); }

/* log of the normal CDF: log(erfc(-x/sqrt2)/2), with erfc's scaled
 * asymptotic series where erfc underflows (x < -20). */
static double km_log_ndtr(double x) {
    if (x > -20) return log(0.5 * erfc(-x * M_SQRT1_2));
    double z = x * x, s = 1, term = 1;
    for (int k = 1; k < 12; k++) {
        term *= -(2.0 * k - 1) / z;
        s += term;
    }
    return -0.5 * z - log(-x) - 0.5 * log(2 * M_PI) + log(s);
}

/* The regularized incomplete gamma functions P(a, x) (igamma) and
 * Q(a, x) = 1 - P (igammac) with ATen's special values: NaN for a < 0 or
 * x < 0 and for a = x = 0; a = 0 is the limit (P = 1 for x > 0); infinite
 * x gives P = 1, infinite a (finite x) P = 0. Finite values: the power
 * series of P for x < a + 1, else the continued fraction of Q (modified
 * Lentz), each until the term is below double epsilon. */
static double igam_prefix(double a, double x) { return exp(a * log(x) - x - lgamma(a)); }

static double igam_series(double a, double x) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 2000; n++) {
        term *= x / (a + n);
        sum += term;
        if (fabs(term) < fabs(sum) * 1e-17) break;
    }
    return sum * igam_prefix(a, x);
}

static double igamc_fraction(double a, double x) {
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 2000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-17) break;
    }
    return h * igam_prefix(a, x);
}

/* upper: Q instead of P */
static double km_igamma(double a, double x, bool upper) {
    if (isnan(a) || isnan(x) || a < 0 || x < 0) return NAN;
    if (a == 0) return x > 0 ? (upper ? 0.0 : 1.0) : NAN;
    if (x == 0) return upper ? 1.0 : 0.0;
    if (isinf(a)) return isinf(x) ? NAN : (upper ? 1.0 : 0.0);
    if (isinf(x)) return upper ? 0.0 : 1.0;
    if (x < a + 1) {
        double p = igam_series(a, x);
        return upper ? 1 - p : p;
    }
    double q = igamc_fraction(a, x);
    return upper ? q : 1 - q;
}

/* erfcx(x) = exp(x^2) erfc(x): directly while erfc(x) is a normal number,
 * beyond x = 26 the asymptotic series 1 / (x sqrt(pi)) sum (-1)^k (2k-1)!! / (2x^2)^k. */
static double km_erfcx(double x) {
    if (isnan(x)) return x;
    if (x < 26.0) return x < -26.7 ? INFINITY : exp(x * x) * erfc(x);
    if (isinf(x)) return 0.0;
    double z = 1.0 / (2 * x * x), term = 1, sum = 1;
    for (int k = 1; k < 10; k++) {
        term *= -(2.0 * k - 1) * z;
        sum += term;
    }
    return sum / (x * 1.7724538509055160273);
}

/* ndtri(p): the standard normal quantile. A rational first guess (Acklam's
 * coefficients, relative error 1e-9) refined by two Halley steps on
 * 0.5 erfc(-x / sqrt 2) - p, which reach double precision. */
static double km_ndtri(double p) {
    static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                3.754408661907416e+00};
    if (isnan(p) || p < 0 || p > 1) return NAN;
    if (p == 0) return -INFINITY;
    if (p == 1) return INFINITY;
    double x, q;
    if (p < 0.02425) {
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p > 1 - 0.02425) {
        q = sqrt(-2 * log1p(-p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else {
        q = p - 0.5;
        double r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    for (int i = 0; i < 2; i++) {
        /* the error in the tail that p lies in, so that tiny p keeps its digits */
        double e = x < 0 ? 0.5 * erfc(-x * M_SQRT1_2) - p : -(0.5 * erfc(x * M_SQRT1_2) - (1 - p));
        double u = e * 2.5066282746310002 * exp(x * x / 2);
        x = x - u / (1 + x * u / 2);
    }
    return x;
}

/* K_nu(x) for x > 0 (scaled: exp(x) K_nu(x)) from K_nu(x) = int_0^inf
 * exp(-x cosh t) cosh(nu t) dt by the trapezoid rule: the integrand is even
 * and analytic in a strip of half-width pi/2, so step 1/8 leaves an error
 * near exp(-pi^2 * 8) (far below double epsilon); the sum stops once the
 * terms underflow against it. ATen: K(0) = inf, NaN for x < 0. */
static double km_bessel_k(double nu, double x, bool scaled) {
    if (isnan(x) || x < 0) return NAN;
    if (x == 0) return INFINITY;
    if (isinf(x)) return 0.0;
    const double h = 0.125;
    double sum = 0.5 * (scaled ? 1.0 : exp(-x));
    for (int k = 1; k < 4000; k++) {
        double t = k * h, ex = -x * (cosh(t) - (scaled ? 1.0 : 0.0));
        double f = exp(ex) * cosh(nu * t);
        sum += f;
        if (f < sum * 1e-18) break;
    }
    return h * sum;
}

/* Hurwitz zeta(x, q) = sum_k (k + q)^-x: direct terms until q + k > 9,
 * then the Euler-Maclaurin tail with Bernoulli-number corrections. */
static double km_zeta(double x, double q) {
    static const double B2k[12] = {12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
                                   7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
                                   -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18};
    if (isnan(x) || isnan(q)) return NAN;
    if (x == 1) return INFINITY;
    if (x < 1) return NAN;
    if (q <= 0) {
        if (q == floor(q)) return INFINITY;
        if (x != floor(x)) return NAN;
    }
    double s = pow(q, -x), a = q, b = 0;
    int i = 0;
    while (i < 9 || a <= 9.0) {
        i++;
        a += 1.0;
        b = pow(a, -x);
        s += b;
        if (fabs(b / s) < 1.1e-16) return s;
    }
    double w = a;
    s += b * w / (x - 1);
    s -= 0.5 * b;
    double f = 1.0, k = 0.0;
    for (i = 0; i < 12; i++) {
        f *= x + k;
        b /= w;
        double t = f * b / B2k[i];
        s += t;
        if (fabs(t / s) < 1.1e-16) break;
        k += 1.0;
        f *= x + k;
        b /= w;
        k += 1.0;
    }
    return s;
}

/* The orthogonal polynomials of torch.special by their three-term
 * recurrences: 0 Chebyshev T, 1 U, 2 V, 3 W, 4 Hermite H, 5 Hermite He,
 * 6 Laguerre L, 7 Legendre P; degree n truncated to an integer, n < 0 gives 0. */
static double km_poly(int kind, double x, double nf) {
    if (isnan(x) || isnan(nf)) return NAN;
    if (nf <= -1.0) return 0.0; /* ATen truncates n to an integer first: -0.5 is degree 0 */
    int64_t n = (int64_t)nf;
    if (n > 100000) n = 100000;
    double p0 = 1, p1;
    switch (kind) {
    case 0: p1 = x; break;
    case 1: p1 = 2 * x; break;
    case 2: p1 = 2 * x - 1; break;
    case 3: p1 = 2 * x + 1; break;
    case 4: p1 = 2 * x; break;
    case 5: p1 = x; break;
    case 6: p1 = 1 - x; break;
    default: p1 = x; break;
    }
    if (n == 0) return p0;
    for (int64_t k = 1; k < n; k++) {
        double kk = (double)k, p2;
        switch (kind) {
        case 4: p2 = 2 * x * p1 - 2 * kk * p0; break;
        case 5: p2 = x * p1 - kk * p0; break;
        case 6: p2 = ((2 * kk + 1 - x) * p1 - kk * p0) / (kk + 1); break;
        case 7: p2 = ((2 * kk + 1) * x * p1 - kk * p0) / (kk + 1); break;
        default: p2 = 2 * x * p1 - p0; break;
        }
        p0 = p1;
        p1 = p2;
    }
    return p1;
}

static double km_logaddexp(double a, double b) {
    if (isinf(a) && a == b) return a;
    double m = a > b ? a : b;
    if (isnan(m) || isnan(a) || isnan(b)) return NAN;
    return m + log1p(exp(-fabs(a - b)));
}

static double km_logaddexp2(double a, double b) {
    if (isinf(a) && a == b) return a;
    double m = a > b ? a : b;
    if (isnan(a) || isnan(b)) return NAN;
    return m + log1p(exp2(-fabs(a - b))) / M_LN2;
}

void kmath_unary_f64(MathUnary op, double *x, int64_t n) {
    switch (op) {
#define U(name, cls, expr)                         \
    case MU_##name:                                \
        for (int64_t i = 0; i < n; i++) {          \
            double v = x[i]; (void)v;              \
            x[i] = (double)(expr);                 \
        }                                          \
        break;
#include "kernels/math.def"
    default: break;
    }
}

void kmath_binary_f64(MathBinary op, double *x, const double *y, int64_t n) {
    switch (op) {
#define B(name, cls, expr)                         \
    case MB_##name:                                \
        for (int64_t i = 0; i < n; i++) {          \
            double a = x[i], b = y[i]; (void)a, (void)b; \
            x[i] = (double)(expr);                 \
        }                                          \
        break;
#include "kernels/math.def"
    default: break;
    }
}

static int64_t gcd64(int64_t a, int64_t b) {
    uint64_t x = a < 0 ? -(uint64_t)a : (uint64_t)a, y = b < 0 ? -(uint64_t)b : (uint64_t)b;
    while (y) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return (int64_t)x;
}

void kmath_binary_i64(MathBinary op, int64_t *a, const int64_t *b, int64_t n) {
    switch (op) {
    case MB_fmod:
        for (int64_t i = 0; i < n; i++)
            a[i] = (b[i] == -1) ? 0 : a[i] % b[i];
        break;
    case MB_fmax:
        for (int64_t i = 0; i < n; i++) a[i] = a[i] > b[i] ? a[i] : b[i];
        break;
    case MB_fmin:
        for (int64_t i = 0; i < n; i++) a[i] = a[i] < b[i] ? a[i] : b[i];
        break;
    case MB_heaviside:
        for (int64_t i = 0; i < n; i++) a[i] = a[i] == 0 ? b[i] : a[i] > 0;
        break;
    case MB_gcd:
        for (int64_t i = 0; i < n; i++) a[i] = gcd64(a[i], b[i]);
        break;
    case MB_lcm:
        for (int64_t i = 0; i < n; i++) {
            int64_t g = gcd64(a[i], b[i]);
            int64_t l = g == 0 ? 0 : (int64_t)((uint64_t)(a[i] / g) * (uint64_t)b[i]);
            a[i] = l < 0 ? -l : l;
        }
        break;
    default: break;
    }
}

void kmath_nextafter_f32(float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; i++) a[i] = nextafterf(a[i], b[i]);
}

void kmath_round_decimals_f32(float *x, int64_t n, int decimals) {
    float p = (float)pow(10.0, abs(decimals));
    if (decimals < 0)
        for (int64_t i = 0; i < n; i++) x[i] = nearbyintf(x[i] / p) * p;
    else
        for (int64_t i = 0; i < n; i++) x[i] = nearbyintf(x[i] * p) / p;
}

void kmath_round_decimals_f64(double *x, int64_t n, int decimals) {
    double p = pow(10.0, abs(decimals));
    if (decimals < 0)
        for (int64_t i = 0; i < n; i++) x[i] = nearbyint(x[i] / p) * p;
    else
        for (int64_t i = 0; i < n; i++) x[i] = nearbyint(x[i] * p) / p;
}

void kmath_lerp_f64(double *s, const double *e, const double *w, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        s[i] = fabs(w[i]) < 0.5 ? s[i] + w[i] * (e[i] - s[i]) : e[i] - (e[i] - s[i]) * (1 - w[i]);
}

/* trigamma as ATen's calc_trigamma: the reflection for x < 0.5 (so a
 * non-positive integer gives a huge finite value from sin(pi x), not inf),
 * six recurrence steps, then the asymptotic series. */
#define TRIGAMMA_BODY(T, SIN, PI)                                                     \
    T sign = 1, r = 0;                                                             \
    if (x < (T)0.5) {                                                              \
        sign = -1;                                                                 \
        T s = SIN(PI * x);                                                         \
        r -= (PI * PI) / (s * s);                                                  \
        x = 1 - x;                                                                 \
    }                                                                              \
    for (int i = 0; i < 6; i++) {                                                  \
        r += 1 / (x * x);                                                          \
        x += 1;                                                                    \
    }                                                                              \
    const T ixx = 1 / (x * x);                                                     \
    r += (1 + 1 / (2 * x) + ixx * ((T)(1. / 6) - ixx * ((T)(1. / 30) - ixx * (T)(1. / 42)))) / x; \
    return sign * r;

static double trigamma_f64(double x) { TRIGAMMA_BODY(double, sin, M_PI) }
static float trigamma_f32(float x) { TRIGAMMA_BODY(float, sinf, (float)M_PI) }
#undef TRIGAMMA_BODY

void kmath_trigamma_f32(float *x, int64_t len) {
    for (int64_t i = 0; i < len; i++) x[i] = trigamma_f32(x[i]);
}

void kmath_polygamma_f64(int64_t n, double *x, int64_t len) {
    if (n == 1) {
        for (int64_t i = 0; i < len; i++) x[i] = trigamma_f64(x[i]);
        return;
    }
    if (n == 0) {
        for (int64_t i = 0; i < len; i++) x[i] = km_digamma(x[i]);
        return;
    }
    double f = tgamma((double)n + 1); /* n! */
    double sign = (n % 2) ? 1.0 : -1.0;
    for (int64_t i = 0; i < len; i++) x[i] = sign * f * km_zeta((double)n + 1, x[i]);
}
