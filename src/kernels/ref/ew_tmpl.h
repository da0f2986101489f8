/*
 * ew_tmpl.h - elementwise loops for one dtype, included by elementwise.c
 * once per dtype with these macros defined:
 *   E_SUF          name suffix (f32, i64, ...)
 *   E_T            storage type;   E_CT compute type
 *   E_LD(x), E_ST(v)  storage -> compute -> storage conversions
 *   E_PICK(i, f)   the integer or the floating expression of an op
 *   E_FN(name)     a helper for the compute type (name_f, name_d, name_i)
 * It defines bin_<OP>_<SUF> / un_<OP>_<SUF> inner loops (IterLoop) and the
 * tables bin_table_<SUF>, un_table_<SUF>. Each loop has a contiguous path
 * (vectorisable), a scalar-operand path and a generic strided path.
 */

#define GEN_BIN(OP, EXPR, KIND)                                                                 \
    static void EW_NAME(bin, OP, E_SUF)(void *arg_, int64_t n, char **p, const int64_t *s) {   \
        const BinArg *arg_p = arg_;                                                             \
        const E_CT alpha = (E_CT)E_PICK(arg_p->alpha.i, arg_p->alpha.f);                        \
        (void)alpha;                                                                            \
        typedef OUT_T_##KIND OT;                                                                \
        const int64_t es = (int64_t)sizeof(E_T), os = (int64_t)sizeof(OT);                      \
        if (s[0] == os && s[1] == es && s[2] == es) {                                           \
            OT *o = (OT *)p[0];                                                                 \
            const E_T *x = (const E_T *)p[1], *y = (const E_T *)p[2];                           \
            for (int64_t i = 0; i < n; i++) {                                                   \
                E_CT a = E_LD(x[i]), b = E_LD(y[i]);                                            \
                o[i] = OUT_ST_##KIND(EXPR);                                                     \
            }                                                                                   \
        } else if (s[0] == os && s[1] == es && s[2] == 0) {                                     \
            OT *o = (OT *)p[0];                                                                 \
            const E_T *x = (const E_T *)p[1];                                                   \
            const E_CT b = E_LD(*(const E_T *)p[2]);                                            \
            for (int64_t i = 0; i < n; i++) {                                                   \
                E_CT a = E_LD(x[i]);                                                            \
                o[i] = OUT_ST_##KIND(EXPR);                                                     \
            }                                                                                   \
        } else if (s[0] == os && s[1] == 0 && s[2] == es) {                                     \
            OT *o = (OT *)p[0];                                                                 \
            const E_CT a = E_LD(*(const E_T *)p[1]);                                            \
            const E_T *y = (const E_T *)p[2];                                                   \
            for (int64_t i = 0; i < n; i++) {                                                   \
                E_CT b = E_LD(y[i]);                                                            \
                o[i] = OUT_ST_##KIND(EXPR);                                                     \
            }                                                                                   \
        } else {                                                                                \
            for (int64_t i = 0; i < n; i++) {                                                   \
                E_CT a = E_LD(*(const E_T *)(p[1] + i * s[1]));                                 \
                E_CT b = E_LD(*(const E_T *)(p[2] + i * s[2]));                                 \
                *(OT *)(p[0] + i * s[0]) = OUT_ST_##KIND(EXPR);                                 \
            }                                                                                   \
        }                                                                                       \
    }

#define GEN_UN(OP, EXPR)                                                                        \
    static void EW_NAME(un, OP, E_SUF)(void *arg_, int64_t n, char **p, const int64_t *s) {    \
        const UnArg *arg_p = arg_;                                                              \
        const E_CT P1 = E_PICK(sat_i64(arg_p->p1), (E_CT)arg_p->p1);                   \
        const E_CT P2 = E_PICK(sat_i64(arg_p->p2), (E_CT)arg_p->p2);                                  \
        (void)P1;                                                                               \
        (void)P2;                                                                               \
        const int64_t es = (int64_t)sizeof(E_T);                                                \
        if (s[0] == es && s[1] == es) {                                                         \
            E_T *o = (E_T *)p[0];                                                               \
            const E_T *in = (const E_T *)p[1];                                                  \
            for (int64_t i = 0; i < n; i++) {                                                   \
                E_CT x = E_LD(in[i]);                                                           \
                o[i] = E_ST(EXPR);                                                              \
            }                                                                                   \
        } else {                                                                                \
            for (int64_t i = 0; i < n; i++) {                                                   \
                E_CT x = E_LD(*(const E_T *)(p[1] + i * s[1]));                                 \
                *(E_T *)(p[0] + i * s[0]) = E_ST(EXPR);                                         \
            }                                                                                   \
        }                                                                                       \
    }

BIN_OPS(GEN_BIN)
UN_OPS(GEN_UN)

#define GEN_BIN_TAB(OP, EXPR, KIND) [IOP_##OP] = EW_NAME(bin, OP, E_SUF),
#define GEN_UN_TAB(OP, EXPR) [UNARY_##OP] = EW_NAME(un, OP, E_SUF),
static const IterLoop EW_NAME(bin, table, E_SUF)[IOP_COUNT] = {BIN_OPS(GEN_BIN_TAB)};
static const IterLoop EW_NAME(un, table, E_SUF)[UNARY_COUNT] = {UN_OPS(GEN_UN_TAB)};

#undef GEN_BIN
#undef GEN_UN
#undef GEN_BIN_TAB
#undef GEN_UN_TAB
