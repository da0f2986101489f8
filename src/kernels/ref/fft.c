/*
 * fft.c - the portable complex DFT of kernels/fft.h: an iterative radix-2
 * Cooley-Tukey transform (bit-reversal, then butterflies with twiddles from
 * sin/cos of the exact angle, not a recurrence) for powers of two, and
 * Bluestein's algorithm for every other length: the DFT as a convolution
 * with the chirp exp(sign i pi k^2 / n) (k^2 reduced mod 2n so the angle
 * stays exact), done by power-of-two transforms of length >= 2n - 1.
 */
#include <math.h>
#include <stdlib.h>

#include "kernels/fft.h"

static const double TWO_PI = 6.283185307179586476925286766559;

static void radix2(int64_t n, double *re, double *im, int sign) {
    for (int64_t i = 1, j = 0; i < n; i++) {
        int64_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i];
            re[i] = re[j], re[j] = t;
            t = im[i], im[i] = im[j], im[j] = t;
        }
    }
    for (int64_t len = 2; len <= n; len <<= 1) {
        int64_t half = len >> 1;
        for (int64_t k = 0; k < half; k++) {
            double ang = sign * TWO_PI * (double)k / (double)len, wr = cos(ang), wi = sin(ang);
            for (int64_t s = 0; s < n; s += len) {
                int64_t a = s + k, b = a + half;
                double xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
                re[b] = re[a] - xr, im[b] = im[a] - xi;
                re[a] += xr, im[a] += xi;
            }
        }
    }
}

int kref_fft_c2c(int64_t n, double *re, double *im, int sign) {
    if (n <= 1) return 0;
    if ((n & (n - 1)) == 0) {
        radix2(n, re, im, sign);
        return 0;
    }
    int64_t m = 1;
    while (m < 2 * n - 1) m <<= 1;
    double *buf = malloc(sizeof(double) * (size_t)(4 * m + 2 * n));
    if (!buf) return -1;
    double *ar = buf, *ai = buf + m, *br = buf + 2 * m, *bi = buf + 3 * m, *cr = buf + 4 * m, *ci = cr + n;
    for (int64_t k = 0; k < n; k++) { /* the chirp c_k = exp(sign i pi k^2 / n) */
        int64_t q = (k * k) % (2 * n);
        double ang = sign * M_PI * (double)q / (double)n;
        cr[k] = cos(ang), ci[k] = sin(ang);
    }
    for (int64_t j = 0; j < m; j++) ar[j] = ai[j] = br[j] = bi[j] = 0;
    for (int64_t k = 0; k < n; k++) {
        ar[k] = re[k] * cr[k] - im[k] * ci[k];
        ai[k] = re[k] * ci[k] + im[k] * cr[k];
        br[k] = cr[k], bi[k] = -ci[k]; /* conj(c_j), at j and at -j (mod m) */
        if (k) br[m - k] = cr[k], bi[m - k] = -ci[k];
    }
    radix2(m, ar, ai, -1);
    radix2(m, br, bi, -1);
    for (int64_t j = 0; j < m; j++) {
        double xr = ar[j] * br[j] - ai[j] * bi[j], xi = ar[j] * bi[j] + ai[j] * br[j];
        ar[j] = xr, ai[j] = xi;
    }
    radix2(m, ar, ai, 1);
    for (int64_t f = 0; f < n; f++) {
        double yr = ar[f] / (double)m, yi = ai[f] / (double)m;
        re[f] = yr * cr[f] - yi * ci[f];
        im[f] = yr * ci[f] + yi * cr[f];
    }
    free(buf);
    return 0;
}
