/*
 * gemm_tmpl.h - the body of the blocked reference GEMM, instantiated by
 * gemm.c for float and double (G_T element type, G_V vector of G_NR
 * elements, G_NAME function name).
 *
 * Blocking: C is cut into MB x NB tiles whose partial sums live in a stack
 * tile `acc`; K is walked in KB blocks in increasing order, A and B blocks
 * are packed (zero padded) into MR-row and NR-column strips, and a 4 x NR
 * register micro-kernel adds a[i][k] * b[k][j] for k in order. So every
 * C element is the plain in-order sum over k, exactly as a naive loop
 * computes it, only faster. Stack use: (MB*NB + MB*KB + KB*NB) elements.
 */

static void G_UKERNEL(int64_t kc, const G_T *restrict ap, const G_T *restrict bp,
                      G_T *restrict acc, int64_t ldacc) {
    G_V c0, c1, c2, c3;
    memcpy(&c0, acc + 0 * ldacc, sizeof c0);
    memcpy(&c1, acc + 1 * ldacc, sizeof c1);
    memcpy(&c2, acc + 2 * ldacc, sizeof c2);
    memcpy(&c3, acc + 3 * ldacc, sizeof c3);
    for (int64_t k = 0; k < kc; k++) {
        G_V b;
        memcpy(&b, bp + k * G_NR, sizeof b);
        const G_T *a = ap + k * MR;
        c0 += a[0] * b;
        c1 += a[1] * b;
        c2 += a[2] * b;
        c3 += a[3] * b;
    }
    memcpy(acc + 0 * ldacc, &c0, sizeof c0);
    memcpy(acc + 1 * ldacc, &c1, sizeof c1);
    memcpy(acc + 2 * ldacc, &c2, sizeof c2);
    memcpy(acc + 3 * ldacc, &c3, sizeof c3);
}

void G_NAME(int64_t M, int64_t N, int64_t K, G_T alpha, const G_T *A, int64_t lda_m,
            int64_t lda_k, const G_T *B, int64_t ldb_k, int64_t ldb_n, G_T beta, G_T *C,
            int64_t ldc_m, int64_t ldc_n) {
    enum { NB = G_NB, KB = G_KB };
    _Alignas(64) G_T acc[MB * NB];
    _Alignas(64) G_T ap[MB * KB];
    _Alignas(64) G_T bp[KB * NB];
    for (int64_t jb = 0; jb < N; jb += NB) {
        int64_t nb = TS_MIN((int64_t)NB, N - jb);
        int64_t nstrips = (nb + G_NR - 1) / G_NR;
        for (int64_t ib = 0; ib < M; ib += MB) {
            int64_t mb = TS_MIN((int64_t)MB, M - ib);
            int64_t mstrips = (mb + MR - 1) / MR;
            memset(acc, 0, sizeof acc);
            for (int64_t kb = 0; kb < K; kb += KB) {
                int64_t kc = TS_MIN((int64_t)KB, K - kb);
                /* pack B[kb.., jb..] as NR-wide strips: bp[s][k][NR] */
                for (int64_t s = 0; s < nstrips; s++) {
                    G_T *dst = bp + s * kc * G_NR;
                    int64_t j0 = jb + s * G_NR, nj = TS_MIN((int64_t)G_NR, N - j0);
                    for (int64_t k = 0; k < kc; k++) {
                        const G_T *src = B + (kb + k) * ldb_k + j0 * ldb_n;
                        int64_t j = 0;
                        for (; j < nj; j++) dst[k * G_NR + j] = src[j * ldb_n];
                        for (; j < G_NR; j++) dst[k * G_NR + j] = 0;
                    }
                }
                /* pack A[ib.., kb..] as MR-row strips: ap[r][k][MR] */
                for (int64_t r = 0; r < mstrips; r++) {
                    G_T *dst = ap + r * kc * MR;
                    int64_t i0 = ib + r * MR, ni = TS_MIN((int64_t)MR, M - i0);
                    for (int64_t k = 0; k < kc; k++) {
                        const G_T *src = A + i0 * lda_m + (kb + k) * lda_k;
                        int64_t i = 0;
                        for (; i < ni; i++) dst[k * MR + i] = src[i * lda_m];
                        for (; i < MR; i++) dst[k * MR + i] = 0;
                    }
                }
                for (int64_t r = 0; r < mstrips; r++)
                    for (int64_t s = 0; s < nstrips; s++)
                        G_UKERNEL(kc, ap + r * kc * MR, bp + s * kc * G_NR,
                                  acc + r * MR * NB + s * G_NR, NB);
            }
            for (int64_t i = 0; i < mb; i++) {
                G_T *c = C + (ib + i) * ldc_m + jb * ldc_n;
                const G_T *a = acc + i * NB;
                if (beta == 0) {
                    if (alpha == 1)
                        for (int64_t j = 0; j < nb; j++) c[j * ldc_n] = a[j];
                    else
                        for (int64_t j = 0; j < nb; j++) c[j * ldc_n] = alpha * a[j];
                } else {
                    for (int64_t j = 0; j < nb; j++) {
                        G_T old = beta == 1 ? c[j * ldc_n] : beta * c[j * ldc_n];
                        c[j * ldc_n] = alpha == 1 ? old + a[j] : old + alpha * a[j];
                    }
                }
            }
        }
    }
}
