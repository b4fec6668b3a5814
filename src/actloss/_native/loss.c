/* Native float32 kernels of the losses: the loss and its input gradient in one pass, in double, each result
 * rounded once. The formulas are the registry's (src/actloss/ops/losses/).
 *
 * Every kernel adds its rows' losses to *sum (double), writes per-row losses to per[] when per != NULL
 * (reduction 'none'), and writes the input gradient times gscale (the reduction's 1/denominator) to grad[] when
 * grad != NULL. grad may be the input itself (cross-entropy's inplace_backward): each element is read before
 * it is written.
 */
#include <stdlib.h>

#include "vmath.h"

/* ---- cross-entropy with class-index targets, rows of C logits ------------------------------------------ */

/* Sum of the targets' class weights over the non-ignored rows: the 'mean' denominator. */
double al_ce_denominator(const int64_t *restrict t, const float *restrict w, int64_t rows, int64_t ignore) {
    double s = 0.0;
    for (int64_t r = 0; r < rows; ++r)
        if (t[r] != ignore) s += w ? (double)w[t[r]] : 1.0;
    return s;
}

/* A row's statistics: m = max, s1 = sum of exp(x_j - m) over all but one entry equal to m, and (eps != 0)
 * sw = sum_j w_j (x_j - m); e[j] = exp(x_j - m) (a row of scratch, so that the gradient pass needs no second
 * exp). The entries equal to m (exp(0) = 1 each) are counted in the vectorised exp pass, not summed: s1 = (the
 * others' sum) + (count - 1), with no scalar search for the argmax (callers test x_j == m instead: at every
 * entry equal to m, 1 - p = s1 / (1 + s1)). Returns 1 for a row holding NaN or an infinite logit. */
AL_INLINE int al_class_row(const float *restrict xr, int64_t C, double eps, const float *restrict w, double *m_out,
                           double *s1_out, double *sw_out, double *restrict e) {
    float mf = xr[0];
    int bad = 0;
    _Pragma("omp simd reduction(max:mf) reduction(|:bad)")
    for (int64_t j = 0; j < C; ++j) {
        float v = xr[j];
        bad |= !(fabsf(v) <= 3.4028234663852886e38f); /* NaN or +-inf */
        mf = v > mf ? v : mf;
    }
    if (bad) return 1;
    const double m = mf;
    double s1 = 0.0, sw = 0.0;
    int64_t at_max = 0;
    if (eps != 0.0 && w) {
        _Pragma("omp simd reduction(+:s1, sw, at_max)")
        for (int64_t j = 0; j < C; ++j) {
            double d = (double)xr[j] - m;
            double ej = al_exp_neg(d);
            e[j] = ej;
            at_max += xr[j] == mf;
            s1 += xr[j] == mf ? 0.0 : ej;
            sw += (double)w[j] * d;
        }
    } else if (eps != 0.0) {
        _Pragma("omp simd reduction(+:s1, sw, at_max)")
        for (int64_t j = 0; j < C; ++j) {
            double d = (double)xr[j] - m;
            double ej = al_exp_neg(d);
            e[j] = ej;
            at_max += xr[j] == mf;
            s1 += xr[j] == mf ? 0.0 : ej;
            sw += d;
        }
    } else {
        _Pragma("omp simd reduction(+:s1, at_max)")
        for (int64_t j = 0; j < C; ++j) {
            double ej = al_exp_neg((double)xr[j] - m);
            e[j] = ej;
            at_max += xr[j] == mf;
            s1 += xr[j] == mf ? 0.0 : ej;
        }
    }
    *m_out = m;
    *s1_out = s1 + (double)(at_max - 1);
    *sw_out = sw;
    return 0;
}

/* The same for float64 weights (compensated). */
double al_ce_denominator64(const int64_t *restrict t, const double *restrict w, int64_t rows, int64_t ignore) {
    al_sum s = {0.0, 0.0};
    for (int64_t r = 0; r < rows; ++r)
        if (t[r] != ignore) al_sum_add(&s, w ? w[t[r]] : 1.0);
    return al_sum_get(&s);
}

/* An ignored target: zero loss, zero gradient. */
AL_INLINE void al_ignored_row(float *restrict per, int64_t r, float *restrict gr, int64_t C) {
    if (per) per[r] = 0.0f;
    if (gr)
        for (int64_t j = 0; j < C; ++j) gr[j] = 0.0f;
}

/* log(v) for v > 0 normal (v = 2^k f, f in [sqrt(1/2), sqrt(2)), 2 atanh((f - 1) / (f + 1))); 0 gives -inf. */
AL_INLINE double al_log_pos(double v) {
    uint64_t b = al_to_bits(v);
    int64_t k = (int64_t)(b >> 52) - 1023;
    double f = al_from_bits((b & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);
    int adj = f > 1.4142135623730951;
    f = adj ? 0.5 * f : f;
    k += adj;
    double s = (f - 1.0) / (f + 1.0);
    double s2 = s * s;
    double p = 1.0 / 25.0;
    _Pragma("GCC unroll 40")
    for (int j = 23; j >= 3; j -= 2) p = fma(p, s2, 1.0 / (double)j);
    p = fma(p, s2, 1.0);
    double r = (double)k * 0.69314718055994530942 + 2.0 * s * p;
    return v == 0.0 ? -INFINITY : r;
}

/* m^gamma for m in [0, 1]: exact products for gamma 1, 2, 3, exp(gamma log m) otherwise; m^0 = 1, 0^gamma = 0 */
AL_INLINE double al_pow01(double m, double gamma) {
    double r = gamma == 2.0 ? m * m : (gamma == 1.0 ? m : (gamma == 3.0 ? m * m * m : al_exp_neg(gamma * al_log_pos(m))));
    return gamma == 0.0 ? 1.0 : (m == 0.0 ? 0.0 : r);
}

/* Returns 0, or 1 if a row holds NaN or an infinite logit: with rowbad NULL at the first such row (the caller
 * then takes the reference path for the whole call, which gives those rows their limits); with rowbad, such
 * rows are marked there and left alone (no loss, gradient row not written, so in place their logits survive)
 * while the others are done, and the caller completes the marked rows on the reference path. c_j = (1 - eps) w_t [j == t] + (eps / C) w_j; loss = -sum_j c_j log p_j
 * + z w_t lse^2; gradient c_j (p_j - 1) + p_j (sum(c) - c_j) + 2 z w_t lse p_j, with 1 - p_j = s1 / (1 + s1)
 * at the argmax (never 1 - p there) and p_j <= 1/2 elsewhere. */
static int al_class_rows(const float *x, const int64_t *restrict t, const float *restrict w, int64_t rows, int64_t C,
                         int64_t ignore, int focal, double eps, double z, double gamma, double *restrict sum,
                         float *restrict per, float *grad, double gscale, const float *restrict rscale,
                         unsigned char *restrict rowbad) {
    int any_bad = 0;
    double wsum = 0.0;
    if (w)
        for (int64_t j = 0; j < C; ++j) wsum += (double)w[j];
    else
        wsum = (double)C;
    const double ec = eps / (double)C;
    double total = 0.0;
    double *e = malloc((size_t)C * sizeof(double));
    if (!e) return 2;
    for (int64_t r = 0; r < rows; ++r) {
        const float *xr = x + r * C;
        float *gr = grad ? grad + r * C : 0;
        int64_t ti = t[r];
        if (ti == ignore) {
            al_ignored_row(per, r, gr, C);
            continue;
        }
        double m, s1, sw;
        if (al_class_row(xr, C, eps, w, &m, &s1, &sw, e)) {
            if (!rowbad) {
                free(e);
                return 1;
            }
            rowbad[r] = 1;
            any_bad = 1;
            if (per) per[r] = 0.0f;
            continue;
        }
        const double L = log1p(s1);
        const double inv = 1.0 / (1.0 + s1);
        const double wt = w ? (double)w[ti] : 1.0;
        const double logp_t = ((double)xr[ti] - m) - L;
        const double gs = rscale ? (double)rscale[r] : gscale;
        double loss;
        if (focal) {
            const int t_max = (double)xr[ti] == m;
            const double omp = t_max ? s1 * inv : -al_expm1_neg(logp_t);
            const double p_t = t_max ? inv : al_exp_neg(logp_t);
            const double mg = al_pow01(omp, gamma);
            const double rr = logp_t == 0.0 ? 1.0 : logp_t / (-omp);
            loss = -wt * mg * logp_t;
            if (gr) {
                const double S = -wt * mg * (1.0 + gamma * p_t * rr) * gs;
                const double ms = -S * inv;
                _Pragma("omp simd")
                for (int64_t j = 0; j < C; ++j) gr[j] = (float)(e[j] * ms); /* -S p_j; the target after */
                gr[ti] = (float)(S * omp);
            }
        } else {
            loss = -(1.0 - eps) * wt * logp_t;
            if (eps != 0.0) loss -= ec * (sw - wsum * L);
            const double lse = m + L;
            if (z != 0.0) loss += z * wt * lse * lse;
            if (gr && eps == 0.0) {
                /* c_j = 0 off the target: gradient p_j k everywhere but at the target (one multiply each) */
                const double ct = wt;
                const double k = ct + 2.0 * z * wt * lse;
                const double pk = inv * k * gs;
                _Pragma("omp simd")
                for (int64_t j = 0; j < C; ++j) gr[j] = (float)(e[j] * pk);
                const double p_t = e[ti] * inv;
                const double omp_t = (double)xr[ti] == m ? s1 * inv : 1.0 - p_t;
                gr[ti] = (float)((p_t * (k - ct) - ct * omp_t) * gs);
            } else if (gr) {
                const double omp_arg = s1 * inv;
                const double ct = (1.0 - eps) * wt;
                const double k = ct + ec * wsum + 2.0 * z * wt * lse; /* sum(c) + 2 z w_t lse */
                _Pragma("omp simd")
                for (int64_t j = 0; j < C; ++j) {
                    double p = e[j] * inv;
                    double omp = (double)xr[j] == m ? omp_arg : 1.0 - p;
                    double cj = (w ? ec * (double)w[j] : ec) + (j == ti ? ct : 0.0);
                    gr[j] = (float)((p * (k - cj) - cj * omp) * gs);
                }
            }
        }
        total += loss;
        if (per) per[r] = (float)loss;
    }
    free(e);
    *sum = total;
    return any_bad;
}

int al_ce_rows(const float *x, const int64_t *restrict t, const float *restrict w, int64_t rows, int64_t C,
               int64_t ignore, double eps, double z, double *restrict sum, float *restrict per, float *grad,
               double gscale, const float *restrict rscale, unsigned char *restrict rowbad) {
    return al_class_rows(x, t, w, rows, C, ignore, 0, eps, z, 0.0, sum, per, grad, gscale, rscale, rowbad);
}

/* float64 cross-entropy with class-index targets (weight, ignore_index, label smoothing, z-loss), the registry's
 * compensated form: x - max as an exact sum hi + lo, e = exp(hi) (1 + lo), s1 = the sum of the non-argmax e's
 * (Neumaier), log p_t = (hi_t - log1p(s1)) + lo_t, sum_j w_j (x_j - max) compensated, lse = max + log1p(s1) in
 * two words for the z-loss, 1 / (1 + s1) corrected for the rounding of 1 + s1, 1 - p at the argmax = s1 / (1 + s1).
 * The loss is a sum of non-negative terms (no cancellation). Returns 1 for a row holding NaN or +-inf (the caller
 * takes the reference path), 2 if the scratch row cannot be allocated. */
int al_ce_rows64(const double *x, const int64_t *restrict t, const double *restrict w, int64_t rows, int64_t C,
                 int64_t ignore, double eps, double z, double *restrict sum, double *restrict per, double *grad,
                 double gscale) {
    double wsum = 0.0;
    if (w) {
        al_sum ws = {0.0, 0.0};
        for (int64_t j = 0; j < C; ++j) al_sum_add(&ws, w[j]);
        wsum = al_sum_get(&ws);
    } else {
        wsum = (double)C;
    }
    const double ec = eps / (double)C;
    al_sum total = {0.0, 0.0};
    double *e = malloc((size_t)C * sizeof(double));
    if (!e) return 2;
    for (int64_t r = 0; r < rows; ++r) {
        const double *xr = x + r * C;
        double *gr = grad ? grad + r * C : 0;
        const int64_t ti = t[r];
        if (ti == ignore) {
            if (per) per[r] = 0.0;
            if (gr)
                for (int64_t j = 0; j < C; ++j) gr[j] = 0.0;
            continue;
        }
        double m = xr[0], lowest = xr[0];
        int bad = 0;
        for (int64_t j = 0; j < C; ++j) {
            bad |= !(fabs(xr[j]) <= 1.7976931348623157e308);
            m = xr[j] > m ? xr[j] : m;
            lowest = xr[j] < lowest ? xr[j] : lowest;
        }
        if (bad) {
            free(e);
            return 1;
        }
        int64_t arg = 0;
        while (arg < C - 1 && xr[arg] != m) ++arg;
        /* x - max in units of sc: halved (exactly) when some x_j - max would overflow, so that the label-smoothing
         * sum and a weighted target term stay finite where their true values are */
        const double sc = fabs(m - lowest) <= 1.7976931348623157e308 ? 1.0 : 0.5, inv_sc = 1.0 / sc;
        const double ms = m * sc;
        al_sum s = {0.0, 0.0}, sw = {0.0, 0.0};
        for (int64_t j = 0; j < C; ++j) {
            double xs = xr[j] * sc;
            double hi = xs - ms; /* (x_j - m) sc = hi + lo exactly */
            double lo = al_two_sum_err(xs, -ms, hi);
            double hf = hi * inv_sc; /* x_j - m itself (exact scaling), -inf where it overflows (exp is 0 there) */
            double lf = fabs(hf) <= 1.7976931348623157e308 ? lo * inv_sc : 0.0;
            double ej = al_exp_neg64(hf);
            ej = ej + ej * lf;
            if (eps != 0.0) { /* (eps / C) w_j (x_j - m) sc: each term and the sum as small as the loss itself */
                double wj = w ? w[j] : 1.0;
                double cw = ec * wj;
                double cw_lo = fma(ec, wj, -cw);
                double p = cw * hi;
                double corr = fma(cw, hi, -p) + cw * lo + cw_lo * hi;
                al_sum_add(&sw, p);
                al_sum_add(&sw, fabs(p) <= 1.7976931348623157e308 ? corr : 0.0);
            }
            if (j != arg) al_sum_add(&s, ej);
            e[j] = ej;
        }
        e[arg] = 1.0;
        const double s1 = al_sum_get(&s);
        const double L = log1p(s1);
        const double wt = w ? w[ti] : 1.0;
        const double xts = xr[ti] * sc;
        const double d_hi = xts - ms;
        const double d_lo = al_two_sum_err(xts, -ms, d_hi);
        const double nlogp_s = (L * sc - d_hi) - d_lo; /* -log p_t sc >= 0 */
        double loss = (((1.0 - eps) * wt) * nlogp_s) / sc;
        if (eps != 0.0) loss += ec * wsum * L - al_sum_get(&sw) / sc; /* both terms >= 0 */
        const double lse_hi = m + L;
        const double lse_lo = al_two_sum_err(m, L, lse_hi);
        if (z != 0.0) loss += z * wt * (lse_hi * (lse_hi + 2.0 * lse_lo)); /* no 2 lse_hi: it may overflow */
        if (gr) {
            const double o_hi = 1.0 + s1;
            const double o_lo = s1 <= 1.0 ? s1 - (o_hi - 1.0) : 1.0 - (o_hi - s1);
            double inv = 1.0 / o_hi;
            inv = inv - inv * (o_lo / o_hi); /* 1 / (1 + s1) */
            const double omp_arg = s1 * inv;
            const double ct = (1.0 - eps) * wt;
            const double k = ct + ec * wsum + 2.0 * z * wt * lse_hi;
            for (int64_t j = 0; j < C; ++j) {
                double p = e[j] * inv;
                double omp = j == arg ? omp_arg : 1.0 - p;
                double cj = (w ? ec * w[j] : ec) + (j == ti ? ct : 0.0);
                gr[j] = (p * (k - cj) - cj * omp) * gscale;
            }
        }
        al_sum_add(&total, loss);
        if (per) per[r] = loss;
    }
    free(e);
    *sum = al_sum_get(&total);
    return 0;
}

/* ---- pointwise losses ----------------------------------------------------------------------------------- */
/* Over n elements; w (per element) and pw (per element, or per column when pw_cols > 0: index i % pw_cols)
 * may be NULL. *tbad counts the targets outside [tlo, thi] (NaN included): the loss's target check, done in
 * the pass that reads the targets anyway instead of a separate min/max reduction over them. */
#define AL_TARGET_OUT(y) ((int64_t)(!((double)(y) >= tlo && (double)(y) <= thi)))

/* Fast kernels (FAST = 1, float32 only) report whether some pair's x - y may not be exact in double: exponents
 * more than 28 apart (24 + 29 bits > 53), or an inf or NaN (left to the exact form's conventions). On the bit
 * patterns of |x| and |y|, which order as the values do: the larger minus the smaller is at most 28 << 23 when the
 * exponents differ by 28 or less (and a zero is always exact). Conservative: some pairs 28 apart count too. */
typedef uint32_t __attribute__((may_alias)) al_bits32;
#define AL_CHECK_0(x, t, i) 0
#define AL_CHECK_1(x, t, i) al_pair_inexact(((const al_bits32 *)(x))[i], ((const al_bits32 *)(t))[i])
AL_INLINE int al_pair_inexact(uint32_t xb, uint32_t tb) {
    uint32_t ax = xb & 0x7fffffffu, ay = tb & 0x7fffffffu;
    uint32_t big = ax > ay ? ax : ay;
    uint32_t small = ax > ay ? ay : ax;
    int ok = (big - small <= (28u << 23)) | (small == 0u);
    return !(ok & (big < 0x7f800000u));
}

#define POINTWISE_T(name, sfx, T, FAST, BODY)                                                                                  \
    AL_INLINE void name##sfx##_one(double x, double y, double pwv, double p1, double p2, double *l_out,        \
                                   double *d_out) {  \
        (void)pwv;                                                                                              \
        (void)p1;                                                                                               \
        (void)p2;                                                                                               \
        const int al_fast = FAST; /* 1: x - y is known exact (see POINTWISE_DIFF) */                            \
        (void)al_fast;                                                                                          \
        double l, d;                                                                                            \
        BODY;                                                                                                   \
        *l_out = l;                                                                                             \
        *d_out = d;                                                                                                \
    }                                                                                                           \
    int al_##name##sfx(const T *restrict x, const T *restrict t, const T *restrict w,                  \
                   const T *restrict pw, int64_t n, int64_t pw_cols, int64_t offset, double p1, double p2,  \
                   double *restrict sum, T *restrict per, T *restrict grad, double gscale, double tlo,        \
                   double thi, int64_t *restrict tbad) {                                                      \
        double total = 0.0;                                                                                     \
        int64_t bad = 0;                                                                                        \
        int inexact = 0; /* fast kernels: some x - y of this span may not be exact in double */                \
        if (!w && !pw && !per && grad) {                                                                        \
            _Pragma("omp simd reduction(+:total, bad) reduction(|:inexact)")                                                         \
            for (int64_t i = 0; i < n; ++i) {                                                                   \
                double l, d;                                                                                    \
                name##sfx##_one(x[i], t[i], 1.0, p1, p2, &l, &d);                                                    \
                total += l;                                                                                     \
                bad += AL_TARGET_OUT(t[i]);                                                                     \
                inexact |= AL_CHECK_##FAST(x, t, i);                                                            \
                grad[i] = (T)(d * gscale);                                                                  \
            }                                                                                                   \
        } else if (!w && !pw && !per && !grad) {                                                                \
            _Pragma("omp simd reduction(+:total, bad) reduction(|:inexact)")                                                         \
            for (int64_t i = 0; i < n; ++i) {                                                                   \
                double l, d;                                                                                    \
                name##sfx##_one(x[i], t[i], 1.0, p1, p2, &l, &d);                                                    \
                total += l;                                                                                     \
                bad += AL_TARGET_OUT(t[i]);                                                                     \
                inexact |= AL_CHECK_##FAST(x, t, i);                                                            \
            }                                                                                                   \
        } else {                                                                                                \
            _Pragma("omp simd reduction(+:total, bad) reduction(|:inexact)")                                                         \
            for (int64_t i = 0; i < n; ++i) {                                                                   \
                bad += AL_TARGET_OUT(t[i]);                                                                     \
                inexact |= AL_CHECK_##FAST(x, t, i);                                                            \
                double pwv = pw ? (double)pw[pw_cols ? (offset + i) % pw_cols : i] : 1.0;                       \
                double wv = w ? (double)w[i] : 1.0;                                                             \
                double l, d;                                                                                    \
                name##sfx##_one(x[i], t[i], pwv, p1, p2, &l, &d);                                                    \
                l = wv * l;                                                                                    \
                total += l;                                                                                     \
                if (per) per[i] = (T)l;                                                                     \
                if (grad) grad[i] = (T)(wv * d * gscale);                                                   \
            }                                                                                                   \
        }                                                                                                       \
        *sum = total;                                                                                           \
        *tbad = bad;                                                                                            \
        return inexact;                                                                                         \
    }

/* float32 kernels al_<name>; float64 kernels al_<name>64 (same loops, double in and out) */
#define POINTWISE(name, BODY) POINTWISE_T(name, , float, 0, BODY)
#define POINTWISE64(name, BODY) POINTWISE_T(name, 64, double, 0, BODY)
#define POINTWISE_BOTH(name, BODY) POINTWISE(name, BODY) POINTWISE64(name, BODY)

/* The regression losses carry x - y as an exact sum hi + lo (TwoSum) and square it with an exact product (fma),
 * as the registry's forms do: correctly rounded results in float64 too. With al_fast (float32 blocks where x - y
 * is exact in double) lo is 0 and both corrections drop out: fl(sq + (hi^2 - sq)) = fl(hi^2) = sq, and
 * fl(s + (a - c - s)) = s, so the fast form gives the same bits with a third of the arithmetic. */
#define AL_DIFF                                                                                                \
    double hi = x - y;                                                                                         \
    double lo = al_fast ? 0.0 : al_two_sum_err(x, -y, hi);                                                    \
    double sq = hi * hi;                                                                                       \
    double sq_corr = al_fast ? 0.0 : fma(hi, hi, -sq) + 2.0 * hi * lo; /* (hi + lo)^2 = sq + sq_corr */      \
    sq_corr = fabs(sq) <= 1.7976931348623157e308 ? sq_corr : 0.0; /* inf: no inf - inf */                     \
    double half_sq = 0.5 * (sq + sq_corr); /* (hi + lo)^2 / 2, one rounding */                                \
    double a = fabs(hi);                                                                                       \
    double a_lo = hi >= 0 ? lo : -lo

/* |d| - c (c >= 0) with the difference carried exactly */
AL_INLINE double al_mag_minus(double a, double a_lo, double c, int fast) {
    double s = a - c;
    return fast ? s : s + (al_two_sum_err(a, -c, s) + a_lo);
}

/* The float32 kernel of a regression loss: per block of AL_DIFF_BLOCK elements, the fast form (al_fast); where it
 * reports a pair whose x - y may not be exact in double (AL_CHECK_1), the exact form does the block again from L1.
 * Same results bit for bit. */
#define AL_DIFF_BLOCK 2048
#define POINTWISE_DIFF(name, BODY)                                                                              \
    POINTWISE_T(name, _exact, float, 0, BODY)                                                                   \
    POINTWISE_T(name, _fast, float, 1, BODY)                                                                    \
    POINTWISE64(name, BODY)                                                                                     \
    int al_##name(const float *restrict x, const float *restrict t, const float *restrict w,                  \
                   const float *restrict pw, int64_t n, int64_t pw_cols, int64_t offset, double p1, double p2,  \
                   double *restrict sum, float *restrict per, float *restrict grad, double gscale, double tlo, \
                   double thi, int64_t *restrict tbad) {                                                       \
        double total = 0.0;                                                                                     \
        int64_t bad = 0;                                                                                        \
        for (int64_t i = 0; i < n; i += AL_DIFF_BLOCK) {                                                        \
            int64_t m = n - i < AL_DIFF_BLOCK ? n - i : AL_DIFF_BLOCK;                                          \
            const float *pwb = pw ? (pw_cols ? pw : pw + i) : NULL;                                             \
            double s = 0.0;                                                                                     \
            int64_t b = 0;                                                                                      \
            if (al_##name##_fast(x + i, t + i, w ? w + i : NULL, pwb, m, pw_cols, offset + i, p1, p2, &s,      \
                                 per ? per + i : NULL, grad ? grad + i : NULL, gscale, tlo, thi, &b))           \
                al_##name##_exact(x + i, t + i, w ? w + i : NULL, pwb, m, pw_cols, offset + i, p1, p2, &s,     \
                                  per ? per + i : NULL, grad ? grad + i : NULL, gscale, tlo, thi, &b);          \
            total += s;                                                                                         \
            bad += b;                                                                                           \
        }                                                                                                       \
        *sum = total;                                                                                           \
        *tbad = bad;                                                                                            \
        return 0;                                                                                               \
    }

/* mse: (x - y)^2, 2 (x - y) */
POINTWISE_DIFF(mse, AL_DIFF; (void)a; (void)a_lo; l = 2.0 * half_sq; d = 2.0 * hi + 2.0 * lo)

/* l1: |x - y|, sign(x - y) (0 at 0, as torch) */
POINTWISE_BOTH(l1, double r = x - y; l = fabs(r); d = r > 0 ? 1.0 : (r < 0 ? -1.0 : r * 0.0))

/* smooth_l1(beta = p1): 0.5 r^2 / beta for |r| < beta, |r| - beta / 2 beyond; gradient clip(r / beta, -1, 1) */
POINTWISE_DIFF(smooth_l1, AL_DIFF;
               l = a < p1 ? half_sq / p1 : al_mag_minus(a, a_lo, 0.5 * p1, al_fast);
               double q = hi / p1;
               d = q > 1.0 ? 1.0 : (q < -1.0 ? -1.0 : q))

/* huber(delta = p1): 0.5 r^2 for |r| < delta, delta (|r| - delta / 2) beyond; gradient clip(r, -delta, delta) */
POINTWISE_DIFF(huber, AL_DIFF;
               l = a < p1 ? half_sq : p1 * al_mag_minus(a, a_lo, 0.5 * p1, al_fast);
               d = hi > p1 ? p1 : (hi < -p1 ? -p1 : hi))

/* binary cross-entropy with logits (label_smoothing = p1, pos_weight = pwv):
 * pw y' softplus(-x) + (1 - y') softplus(x), 0 * inf = 0; gradient (1 - y') sigmoid(x) - pw y' sigmoid(-x) */
POINTWISE(bce, double yp = y; double yn = 1.0 - y;
          if (p1 != 0.0) { yp = y * (1.0 - p1) + 0.5 * p1; yn = (1.0 - y) * (1.0 - p1) + 0.5 * p1; }
          double pos = pwv * yp;
          double e = al_exp_neg(-fabs(x));
          double lg = al_log1p_01(e);
          double sp_pos = (x > 0 ? x : 0.0) + lg;  /* softplus(x) */
          double sp_neg = (x < 0 ? -x : 0.0) + lg; /* softplus(-x) */
          double rr = 1.0 / (1.0 + e);
          double s = x >= 0 ? rr : e * rr;
          double sn = x >= 0 ? e * rr : rr;
          l = (pos == 0.0 ? 0.0 : pos * sp_neg) + (yn == 0.0 ? 0.0 : yn * sp_pos);
          d = yn * s - pos * sn;
          if (x != x) { l = x; d = x; })


/* sigmoid focal loss (alpha = p1, negative: none; gamma = p2), torchvision's definition in log space
 * (see ops/losses/sigmoid_focal.py): 1 - p_t = y sigmoid(-x) + (1 - y) sigmoid(x), never 1 - p_t by subtraction.
 * One body, two kernels: (1 - p_t)^2 as a product (gamma = 2, the default) and exp(gamma log(1 - p_t)) for any
 * other gamma; al_sigmoid_focal picks one per call, so that each loop vectorises (a select between the two
 * inside one loop did not: the float32 loop ran scalar, 23 ns per element). */
#define AL_SIGMOID_FOCAL(POW)                                                                                   \
    double e = al_exp_neg(-fabs(x));                                                                            \
    double lg = al_log1p_01(e);                                                                                 \
    double sp_pos = (x > 0 ? x : 0.0) + lg;                                                                     \
    double sp_neg = (x < 0 ? -x : 0.0) + lg;                                                                    \
    double rr = 1.0 / (1.0 + e);                                                                                \
    double s = x >= 0 ? rr : e * rr;                                                                            \
    double sn = x >= 0 ? e * rr : rr;                                                                           \
    double ce = (y == 0.0 ? 0.0 : y * sp_neg) + (y == 1.0 ? 0.0 : (1.0 - y) * sp_pos);                          \
    double mm = y == 1.0 ? sn : (y == 0.0 ? s : y * sn + (1.0 - y) * s);                                        \
    double ratio = y == 1.0 ? s : (y == 0.0 ? sn : (s * sn) / mm);                                              \
    double mg = POW;                                                                                            \
    double dce = (1.0 - y) * s - y * sn;                                                                        \
    double second = p2 * (1.0 - 2.0 * y) * ratio;                                                               \
    second = second == 0.0 ? 0.0 : ce * second;                                                                \
    l = mg == 0.0 ? 0.0 : ce * mg;                                                                              \
    d = mg == 0.0 ? 0.0 : mg * (dce + second);                                                                  \
    if (p2 == 0.0) { l = ce; d = dce; }                                                                         \
    if (p1 >= 0.0) { double at = p1 * y + (1.0 - p1) * (1.0 - y); l *= at; d *= at; }                          \
    if (x != x) { l = x; d = x; }

/* m^gamma for m in [0, 1], gamma > 0, branch-free: exp(gamma log m), 0 at m = 0 */
AL_INLINE double al_pow01_general(double m, double gamma) {
    double r = al_exp_neg(gamma * al_log_pos(m));
    return m == 0.0 ? 0.0 : r;
}

POINTWISE(sigmoid_focal_g2, AL_SIGMOID_FOCAL(mm * mm))
POINTWISE(sigmoid_focal_gn, AL_SIGMOID_FOCAL(al_pow01_general(mm, p2)))

void al_sigmoid_focal(const float *restrict x, const float *restrict t, const float *restrict w,
                      const float *restrict pw, int64_t n, int64_t pw_cols, int64_t offset, double p1, double p2,
                      double *restrict sum, float *restrict per, float *restrict grad, double gscale, double tlo,
                      double thi, int64_t *restrict tbad) {
    if (p2 == 2.0)
        al_sigmoid_focal_g2(x, t, w, pw, n, pw_cols, offset, p1, p2, sum, per, grad, gscale, tlo, thi, tbad);
    else
        al_sigmoid_focal_gn(x, t, w, pw, n, pw_cols, offset, p1, p2, sum, per, grad, gscale, tlo, thi, tbad);
}

/* Softmax focal loss with class-index targets and no label smoothing (ops/losses/softmax_focal.py):
 * loss = -w_t (1 - p_t)^gamma log p_t; with S = w_t f'(log p_t), f' = -(1 - p)^gamma (1 + gamma p r),
 * r = log p / expm1(log p), the gradient is S (1 - p_t) at t and -S p_j elsewhere; 1 - p_t = -expm1(log p_t)
 * (s1 / (1 + s1) when t is the argmax), never 1 - p. */
int al_softmax_focal_rows(const float *x, const int64_t *restrict t, const float *restrict w, int64_t rows,
                          int64_t C, int64_t ignore, double gamma, double *restrict sum, float *restrict per,
                          float *grad, double gscale, const float *restrict rscale, unsigned char *restrict rowbad) {
    return al_class_rows(x, t, w, rows, C, ignore, 1, 0.0, 0.0, gamma, sum, per, grad, gscale, rscale, rowbad);
}

/* ---- float64 BCE: the same formula with the full-precision exp / log1p / reciprocal ---------------------- */
POINTWISE64(bce, double yp = y; double yn = 1.0 - y;
            if (p1 != 0.0) { yp = y * (1.0 - p1) + 0.5 * p1; yn = (1.0 - y) * (1.0 - p1) + 0.5 * p1; }
            double pos = pwv * yp;
            double e = al_exp_neg64(-fabs(x));
            double lg = al_log1p_01_64(e);
            double sp_pos = (x > 0 ? x : 0.0) + lg;
            double sp_neg = (x < 0 ? -x : 0.0) + lg;
            double rr = al_recip_one_plus(e);
            double s = x >= 0 ? rr : e * rr;
            double sn = x >= 0 ? e * rr : rr;
            l = (pos == 0.0 ? 0.0 : pos * sp_neg) + (yn == 0.0 ? 0.0 : yn * sp_pos);
            d = yn * s - pos * sn;
            if (x != x) { l = x; d = x; })
