/* Double-precision special functions for the native float32 kernels: branch-free, so that the compiler
 * vectorises the loops that call them. Accuracy budget: at most ~1e-12 relative (truncation of the series,
 * below 2^-39), which is 1e-5 of a float32 ULP (2^-23): a float32 result rounded once from these is the
 * correctly rounded value of the double-precision formula except within 1e-5 ULP of a rounding midpoint, so it
 * adds at most 0.00001 ULP to the formula's own error. float64 kernels use the *64 / _w variants (full series,
 * ~0.6 ULP) and the float64 erfcx table. Coefficients come from scripts/gen_native_coeffs.py (mpmath).
 *
 * Every function here is exact in its special values: exp(-inf) = 0, NaN in gives NaN out.
 */
#ifndef ACTLOSS_VMATH_H
#define ACTLOSS_VMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "coeffs.h"

#define AL_INLINE static inline __attribute__((always_inline))

AL_INLINE double al_from_bits(uint64_t u) {
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

AL_INLINE uint64_t al_to_bits(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* exp(x) 2^64 for x <= 0, -inf and NaN included. k = round(x / ln 2) by the 1.5 * 2^52 shift (its low bits
 * hold k), r = x - k ln 2 in two steps (|r| <= ln(2)/2), Taylor to r^deg (deg 10: truncation < 2.2e-13), then
 * p * 2^(k + 64), exact. ``wide`` (float64 kernels) applies 2^(k + 64) as two exact factors, so that the scaled
 * value stays nonzero down to x = -789 and is rounded once below the normal range (x < -752): products such as
 * exp(z) |x z'| in the float64 gelu tails must not lose it while their result is representable. Without it
 * (float32 results, which never need it) the result is 0 below x = -746 and one multiplication is saved. */
AL_INLINE double al_exp_neg_scaled_w(double x, const int deg, const int wide) {
    const double log2e = 1.4426950408889634;
    const double ln2_hi = 6.93147180369123816490e-01; /* low 32 bits zero: k * ln2_hi is exact */
    const double ln2_lo = 1.90821492927058770002e-10;
    const double shift = 6755399441055744.0; /* 1.5 * 2^52 */
    const double lowest = wide ? -800.0 : -746.0;
    double xc = x < lowest ? lowest : x;
    double kd = fma(xc, log2e, shift);
    int64_t k = (int64_t)(al_to_bits(kd) - al_to_bits(shift));
    kd -= shift;
    double r = fma(-kd, ln2_hi, xc);
    r = fma(-kd, ln2_lo, r);
    double p = INV_FACT[deg];
    _Pragma("GCC unroll 40")
    for (int i = deg - 1; i >= 0; --i) p = fma(p, r, INV_FACT[i]); /* last step: 1 + r q(r), one rounding */
    double res;
    if (wide) {
        int64_t k1 = (k + 64) < -1000 ? -1000 : (k + 64); /* 2^k1 and 2^(k + 64 - k1) are normal */
        res = (p * al_from_bits((uint64_t)(k1 + 1023) << 52)) * al_from_bits((uint64_t)(k + 64 - k1 + 1023) << 52);
    } else {
        res = p * al_from_bits((uint64_t)(k + 1023 + 64) << 52); /* exp(x) 2^64: exact, normal */
    }
    return x < lowest ? 0.0 : res;
}

AL_INLINE double al_exp_neg_scaled_n(double x, const int deg) { return al_exp_neg_scaled_w(x, deg, 0); }

AL_INLINE double al_exp_neg(double x) { return al_exp_neg_scaled_n(x, 10) * 0x1p-64; }

/* float64 results: Taylor to r^13 (truncation < 4e-18), about 0.6 ULP. The _scaled form returns exp(x) 2^64,
 * a normal number down to x = -700, for products that must not pass through a subnormal. */
AL_INLINE double al_exp_neg_scaled64(double x) { return al_exp_neg_scaled_w(x, 13, 1); }
AL_INLINE double al_exp_neg64(double x) { return al_exp_neg_scaled_w(x, 13, 1) * 0x1p-64; }

/* expm1(x) for x <= 0: Taylor to x^deg below ln(2)/2 in magnitude (no cancellation), exp(x) - 1 beyond
 * (|result| >= 0.29). float32 results: deg 11 (truncation < 6e-13 relative); float64: deg 16, exp to r^13. */
AL_INLINE double al_expm1_neg_n(double x, const int deg, const int exp_deg) {
    double p = INV_FACT[deg];
    _Pragma("GCC unroll 40")
    for (int i = deg - 1; i >= 1; --i) p = fma(p, x, INV_FACT[i]);
    double small = x * p;
    double big = al_exp_neg_scaled_n(x, exp_deg) * 0x1p-64 - 1.0;
    return x > -0.34657359027997264 ? small : big;
}

AL_INLINE double al_expm1_neg(double x) { return al_expm1_neg_n(x, 11, 10); }
AL_INLINE double al_expm1_neg64(double x) { return al_expm1_neg_n(x, 16, 13); }

/* log1p(u) for u in [0, 1] (and NaN): 2 atanh(s), s = u / (2 + u) in [0, 1/3], odd series to s^25
 * (truncation < 2e-13 relative). */
AL_INLINE double al_log1p_01(double u) {
    double s = u / (2.0 + u);
    double s2 = s * s;
    double p = 1.0 / 27.0;
    _Pragma("GCC unroll 40")
    for (int k = 25; k >= 3; k -= 2) p = fma(p, s2, 1.0 / (double)k);
    p = fma(p, s2, 1.0);
    return 2.0 * s * p;
}

/* float64 log1p by 2 atanh(s) with s = u / (2 + u) corrected for the rounding of 2 + u, odd series to s^35
 * (truncation < 1e-18). */
AL_INLINE double al_log1p_01_64(double u) {
    double t = 2.0 + u;
    double tlo = u - (t - 2.0); /* 2 + u = t + tlo exactly (|u| <= 2) */
    double s = u / t;
    s = s - s * (tlo / t);
    double s2 = s * s;
    double p = 1.0 / 37.0;
    _Pragma("GCC unroll 40")
    for (int k = 35; k >= 3; k -= 2) p = fma(p, s2, 1.0 / (double)k);
    return 2.0 * fma(s * s2, p, s);
}

/* 1 / (1 + e) for e in [0, 1], corrected for the rounding of 1 + e */
AL_INLINE double al_recip_one_plus(double e) {
    double d = 1.0 + e;
    double dlo = e - (d - 1.0);
    double r = 1.0 / d;
    return fma(-r * dlo, r, r);
}

/* sigmoid(x) and sigmoid(-x) from one exp(-|x|): neither is 1 minus the other. */
AL_INLINE void al_sigmoid_pair(double x, double *s, double *sn) {
    double e = al_exp_neg(-fabs(x));
    double r = 1.0 / (1.0 + e);
    double er = e * r;
    *s = x >= 0 ? r : er;
    *sn = x >= 0 ? er : r;
    if (x != x) *s = *sn = x;
}

AL_INLINE double al_sigmoid(double x) {
    double e = al_exp_neg(-fabs(x));
    double r = 1.0 / (1.0 + e);
    return x >= 0 ? r : (x != x ? x : e * r);
}

/* sigmoid'(x) = e / (1 + e)^2, e = exp(-|x|). */
AL_INLINE double al_sigmoid_deriv(double x) {
    double e = al_exp_neg(-fabs(x));
    double r = 1.0 / (1.0 + e);
    double d = (e * r) * r;
    return d > 0.25 ? 0.25 : d; /* near 0 the product can round one ulp above the maximum 1/4; NaN stays NaN */
}

/* softplus(x) = max(x, 0) + log1p(exp(-|x|)). */
AL_INLINE double al_softplus(double x) {
    return (x > 0 ? x : 0.0) + al_log1p_01(al_exp_neg(-fabs(x)));
}

/* tanh(x) = -expm1(-2|x|) / (expm1(-2|x|) + 2), sign restored; sech^2(x) = 4e / (1 + e)^2, e = exp(-2|x|). */
AL_INLINE double al_tanh(double x) {
    double m = al_expm1_neg(-2.0 * fabs(x));
    double t = -m / (m + 2.0);
    return copysign(t, x);
}

AL_INLINE double al_sech2(double x) {
    double e = al_exp_neg(-2.0 * fabs(x));
    double r = 1.0 / (1.0 + e);
    double d = (4.0 * e) * r * r;
    return d > 1.0 ? 1.0 : d; /* near 0 the product can round one ulp above the maximum, 1; NaN stays NaN */
}

/* The rounding error of s = a + b (Knuth's TwoSum): a + b = s + err exactly; 0 where s is not finite (no
 * inf - inf). */
AL_INLINE double al_two_sum_err(double a, double b, double s) {
    double bb = s - a;
    double err = (a - (s - bb)) + (b - bb);
    return fabs(s) <= 1.7976931348623157e308 ? err : 0.0;
}

/* Compensated (Neumaier) summation, for the float64 row kernels. */
typedef struct {
    double s, c;
} al_sum;

AL_INLINE void al_sum_add(al_sum *a, double v) { /* Neumaier: the rounding error of every addition kept */
    double t = a->s + v;
    double dc = fabs(a->s) >= fabs(v) ? (a->s - t) + v : (v - t) + a->s;
    a->c += fabs(t) <= 1.7976931348623157e308 ? dc : 0.0; /* an infinite sum has no rounding error to keep */
    a->s = t;
}

AL_INLINE double al_sum_get(const al_sum *a) { return a->s + a->c; }

/* erfc(z) and exp(-z^2): exp(-z^2) erfcx(|z|), with exp taken at the exact square (z^2 = hi + lo by fma) and
 * erfcx(a) = C(t) / (1 + a), C a Chebyshev interpolant of (1 + a) erfcx(a) in t = 1 - 4 / (a + 2) on [0, inf)
 * (relative error below 1e-13: see coeffs.h); 2 - erfc(|z|) for z < 0 (in [1, 2]: no cancellation).
 * One branch-free formula for every z: no separate series near 0. */
/* (1 + z) erfcx(z) as the degree-18 polynomial in u = 1 - 4 / (z + 2) (coeffs.h: ERFCX_P, the Chebyshev fit
 * in powers of u; well conditioned on [-1, 1]), by Estrin's scheme: 5 dependent FMAs where Clenshaw's
 * recurrence chained 18 (measured: 5% less time in the GELU loops; the loops are not bound by that chain). */
#if ERFCX_DEG != 18
#error "al_erfcx_poly is written for degree 18"
#endif
AL_INLINE double al_erfcx_poly(double u) {
    const double *a = ERFCX_P;
    double u2 = u * u, u4 = u2 * u2, u8 = u4 * u4, u16 = u8 * u8;
    double q0 = fma(a[1], u, a[0]), q1 = fma(a[3], u, a[2]), q2 = fma(a[5], u, a[4]), q3 = fma(a[7], u, a[6]);
    double q4 = fma(a[9], u, a[8]), q5 = fma(a[11], u, a[10]), q6 = fma(a[13], u, a[12]);
    double q7 = fma(a[15], u, a[14]), q8 = fma(a[17], u, a[16]);
    double r0 = fma(q1, u2, q0), r1 = fma(q3, u2, q2), r2 = fma(q5, u2, q4), r3 = fma(q7, u2, q6);
    double r4 = fma(a[18], u2, q8);
    double s0 = fma(r1, u4, r0), s1 = fma(r3, u4, r2);
    return fma(r4, u16, fma(s1, u8, s0));
}

AL_INLINE double al_erfc_gauss(double z, double *gauss) {
    double a = fabs(z);
    double hi = a * a;
    double lo = fma(a, a, -hi);
    lo = hi < 1e300 ? lo : 0.0;
    double g = al_exp_neg(-hi);
    g = g - g * lo;
    double u = 1.0 - 4.0 / (a + 2.0);
    double cx = al_erfcx_poly(u) / (1.0 + a); /* erfcx(a) */
    double big = g * cx;
    *gauss = g;
    big = z < 0 ? 2.0 - big : big;
    return a < 1e-8 ? 1.0 - z * 1.1283791670955126 : big; /* exactly 1 - 2z/sqrt(pi) to 1e-24 near 0 */
}

AL_INLINE double al_erfc(double z) {
    double g;
    return al_erfc_gauss(z, &g);
}

#endif
