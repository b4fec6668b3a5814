/* Native float32 kernels of the activations: computed in double (vmath.h), rounded once to float32.
 * The formulas are the registry's (src/actloss/ops/activations/): the same stable forms, without the
 * error-free transformations, which a double computation of a float32 result does not need.
 *
 * Elementwise:  al_<op>_fwd(x, out, n, p)        out = f(x)
 *               al_<op>_bwd(x, g, out, n, p)     out = g * f'(x)
 * Rows (softmax, log_softmax along the last axis of a (rows, n) array): the same with a row count.
 */
#include <stdlib.h>

#include "vmath.h"

/* One loop per kernel and element type T: out = f(x) (fwd) or g * f'(x) (bwd), in double, rounded once to T. */
#define FWD_T(name, sfx, T, EXPR)                                                                       \
    void al_##name##_fwd##sfx(const T *restrict xs, T *restrict out, int64_t n, double p) {             \
        (void)p;                                                                                        \
        for (int64_t i = 0; i < n; ++i) {                                                               \
            double x = xs[i];                                                                           \
            out[i] = (T)(EXPR);                                                                         \
        }                                                                                               \
    }

#define BWD_T(name, sfx, T, EXPR)                                                                       \
    void al_##name##_bwd##sfx(const T *restrict xs, const T *restrict gs, T *restrict out, int64_t n,   \
                              double p) {                                                               \
        (void)p;                                                                                        \
        for (int64_t i = 0; i < n; ++i) {                                                               \
            double x = xs[i];                                                                           \
            double g = gs[i];                                                                           \
            out[i] = (T)(g * (EXPR));                                                                   \
        }                                                                                               \
    }

#define FWD(name, EXPR) FWD_T(name, , float, EXPR)
#define BWD(name, EXPR) BWD_T(name, , float, EXPR)
#define FWD64(name, EXPR) FWD_T(name, 64, double, EXPR)
#define BWD64(name, EXPR) BWD_T(name, 64, double, EXPR)

/* relu: x <= 0 -> 0 (NaN passes through); relu'(0) = 0, NaN' = NaN */
FWD(relu, x <= 0 ? 0.0 : x)
BWD(relu, x > 0 ? 1.0 : (x != x ? x : 0.0))

/* leaky_relu(negative_slope = p) */
FWD(leaky_relu, x > 0 ? x : x * p)
BWD(leaky_relu, x > 0 ? 1.0 : (x != x ? x : p))

/* elu(alpha = p): alpha expm1(x) for x <= 0; derivative alpha exp(x) (never elu(x) + alpha) */
FWD(elu, x > 0 ? x : p * al_expm1_neg(x))
BWD(elu, x > 0 ? 1.0 : p * al_exp_neg(x))

FWD(sigmoid, al_sigmoid(x))
BWD(sigmoid, al_sigmoid_deriv(x))

FWD(tanh, al_tanh(x))
BWD(tanh, al_sech2(x))

/* log_sigmoid(x) = min(x, 0) - log1p(exp(-|x|)); derivative sigmoid(-x) */
FWD(log_sigmoid, (x < 0 ? x : 0.0) - al_log1p_01(al_exp_neg(-fabs(x))))
BWD(log_sigmoid, al_sigmoid(-x))

/* softplus(beta = p) = softplus(beta x) / beta; derivative sigmoid(beta x) */
FWD(softplus, (x > 0 ? x : 0.0) + al_log1p_01(al_exp_neg(-fabs(p * x))) / p)
BWD(softplus, al_sigmoid(p * x))

/* swish(beta = p) = x sigmoid(beta x); silu is beta = 1. -inf gives the limit 0. */
AL_INLINE double al_swish(double x, double beta) {
    double y = x * al_sigmoid(beta * x);
    return x == -INFINITY ? 0.0 : y;
}

/* d/dx x sigmoid(z), z = beta x: sigmoid(z) (1 + z sigmoid(-z)), for z < 0 as (1 + z) - z sigmoid(z) */
AL_INLINE double al_swish_deriv(double x, double beta) {
    double z = beta * x;
    z = z > 1e4 ? 1e4 : (z < -1e4 ? -1e4 : z);
    double s, sn;
    al_sigmoid_pair(z, &s, &sn);
    return s * (z < 0 ? (1.0 + z) - z * s : 1.0 + z * sn);
}

FWD(swish, al_swish(x, p))
BWD(swish, al_swish_deriv(x, p))

/* mish(x) = x tanh(softplus(x)) as rational functions of e = exp(-|x|), taken as e 2^64 so that the left tail
 * passes through no subnormal (ops/activations/mish.py has the forms and why); exp to r^exp_deg: 10 for
 * float32 results, 13 for float64. */
AL_INLINE double al_mish_n(double x, const int exp_deg) {
    double es = al_exp_neg_scaled_n(-fabs(x), exp_deg);
    double e = es * 0x1p-64;
    double e2 = e * e;
    double pos = 1.0 - (2.0 * e2) / (1.0 + 2.0 * e + 2.0 * e2);
    /* x < 0: n / (n + 2) with n = e (e + 2) is e - e t, t = e (1 + e) / 2 / (1 + e (1 + e / 2)) <= 0.4 */
    double t = (0.5 * e * (1.0 + e)) * al_recip_one_plus(e * (1.0 + 0.5 * e));
    double neg_s = es - es * t;
    double y = x >= 0 ? x * pos : (x * neg_s) * 0x1p-64;
    return x == -INFINITY ? 0.0 : y;
}

AL_INLINE double al_mish_deriv_n(double x, const int exp_deg) {
    x = x > 1e4 ? 1e4 : (x < -1e4 ? -1e4 : x);
    double es = al_exp_neg_scaled_n(-fabs(x), exp_deg);
    double e = es * 0x1p-64;
    double e2 = e * e;
    double d_pos = 1.0 + 2.0 * e + 2.0 * e2;
    double pos = 1.0 - (2.0 * e2) / d_pos;
    double g_pos = 4.0 * (1.0 + e) * e2 / (d_pos * d_pos);
    /* x < 0: over one denominator */
    double q = e * (1.0 + 0.5 * e);
    double bracket = (1.0 + x) + e * (1.5 + x) + (e + 0.25 * e2) * e;
    return x >= 0 ? pos + x * g_pos : ((es * bracket) / (1.0 + q * (2.0 + q))) * 0x1p-64;
}

AL_INLINE double al_mish(double x) { return al_mish_n(x, 10); }
AL_INLINE double al_mish_deriv(double x) { return al_mish_deriv_n(x, 10); }

FWD(mish, al_mish(x))
BWD(mish, al_mish_deriv(x))

/* gelu(approximate='tanh') = x sigmoid(2u), 2u = 2 sqrt(2/pi) (x + 0.044715 x^3) */
#define AL_SQRT_2_OVER_PI 0.79788456080286535588
AL_INLINE double al_gelu_tanh(double x) {
    double z = (2.0 * AL_SQRT_2_OVER_PI) * (x + 0.044715 * (x * x * x));
    double y = x * al_sigmoid(z);
    return x == -INFINITY ? 0.0 : y;
}

AL_INLINE double al_gelu_tanh_deriv(double x) {
    x = x > 1e4 ? 1e4 : (x < -1e4 ? -1e4 : x);
    double z = (2.0 * AL_SQRT_2_OVER_PI) * (x + 0.044715 * (x * x * x));
    double s, sn;
    al_sigmoid_pair(z, &s, &sn);
    double dz = 2.0 * AL_SQRT_2_OVER_PI + (2.0 * AL_SQRT_2_OVER_PI * 0.134145) * (x * x);
    return s * (1.0 + x * sn * dz);
}

FWD(gelu_tanh, al_gelu_tanh(x))
BWD(gelu_tanh, al_gelu_tanh_deriv(x))

/* gelu(approximate='none') = 0.5 x erfc(-x / sqrt 2); derivative Phi(x) + x phi(x) */
#define AL_SQRT1_2 0.70710678118654752440
#define AL_INV_SQRT_2PI 0.39894228040143267794
AL_INLINE double al_gelu(double x) {
    double y = (0.5 * x) * al_erfc(-x * AL_SQRT1_2);
    return x == -INFINITY ? 0.0 : y;
}

AL_INLINE double al_gelu_deriv(double x) {
    x = x > 1e4 ? 1e4 : (x < -1e4 ? -1e4 : x);
    double g; /* exp(-x^2 / 2), from the same exp as erfc's */
    double e = al_erfc_gauss(-x * AL_SQRT1_2, &g);
    return 0.5 * e + x * (g * AL_INV_SQRT_2PI);
}

FWD(gelu, al_gelu(x))
BWD(gelu, al_gelu_deriv(x))

/* ---- float64 ----------------------------------------------------------------------------------------------
 * For float64 arrays: the same formulas at full double precision (exp to r^13, expm1, log1p with the rounding
 * of 2 + u carried, 1 / (1 + e) corrected for the rounding of 1 + e, beta x carried as hi + lo), and exp taken
 * as exp(x) 2^64 wherever a subnormal intermediate would lose bits of a normal result. Only ops whose plain
 * double formulas stay well inside the 4 ULP bar have a float64 kernel (ops.py lists them). */

FWD64(relu, x <= 0 ? 0.0 : x)
BWD64(relu, x > 0 ? 1.0 : (x != x ? x : 0.0))
FWD64(leaky_relu, x > 0 ? x : x * p)
BWD64(leaky_relu, x > 0 ? 1.0 : (x != x ? x : p))

/* elu: alpha expm1(x); derivative alpha exp(x) through exp(x) 2^64 */
FWD64(elu, x > 0 ? x : p * al_expm1_neg64(x))
BWD64(elu, x > 0 ? 1.0 : (p * al_exp_neg_scaled64(x)) * 0x1p-64)

/* sigmoid = 1 / (1 + e) or e / (1 + e), e = exp(-|x|); sigmoid' = e / (1 + e)^2 */
AL_INLINE double al_sigmoid64(double x) {
    double e = al_exp_neg64(-fabs(x));
    double r = al_recip_one_plus(e);
    return x >= 0 ? r : (x != x ? x : e * r);
}

AL_INLINE double al_sigmoid64_lo(double hi, double lo) { /* sigmoid(hi + lo), lo a tiny correction */
    double e = al_exp_neg64(-fabs(hi));
    e = e - e * (hi >= 0 ? lo : -lo);
    double r = al_recip_one_plus(e);
    return hi >= 0 ? r : (hi != hi ? hi : e * r);
}

FWD64(sigmoid, al_sigmoid64(x))
BWD64(sigmoid, ({
          double e = al_exp_neg64(-fabs(x));
          double r = al_recip_one_plus(e);
          double d = (e * r) * r;
          d > 0.25 ? 0.25 : d; /* near 0 the product can round one ulp above the maximum; NaN stays NaN */
      }))

/* log_sigmoid = min(x, 0) - log1p(exp(-|x|)); derivative sigmoid(-x) */
FWD64(log_sigmoid, (x < 0 ? x : 0.0) - al_log1p_01_64(al_exp_neg64(-fabs(x))))
BWD64(log_sigmoid, al_sigmoid64(-x))

/* softplus(beta = p) = max(x, 0) + log1p(exp(-beta |x|)) / beta with beta |x| = hi + lo; derivative
 * sigmoid(beta x) with the same correction */
FWD64(softplus, ({
          double a = fabs(x);
          double hi = p * a;
          double lo = fma(p, a, -hi);
          lo = hi < 1e300 ? lo : 0.0;
          double e = al_exp_neg64(-hi);
          e = e - e * lo;
          (x > 0 ? x : 0.0) + al_log1p_01_64(e) / p;
      }))
BWD64(softplus, ({
          double hi = p * x;
          double lo = fma(p, x, -hi);
          lo = fabs(hi) < 1e300 ? lo : 0.0;
          al_sigmoid64_lo(hi, lo);
      }))

/* tanh = -m / (m + 2), m = expm1(-2|x|); sech^2 = 4e / (1 + e)^2, e = exp(-2|x|) taken as e 2^64 */
FWD64(tanh, ({
          double m = al_expm1_neg64(-2.0 * fabs(x));
          copysign(-m / (m + 2.0), x);
      }))
BWD64(tanh, ({
          double es = al_exp_neg_scaled64(-2.0 * fabs(x));
          double r = al_recip_one_plus(es * 0x1p-64);
          double d = ((4.0 * es) * r * r) * 0x1p-64;
          d > 1.0 ? 1.0 : d; /* near 0 the product can round one ulp above sech^2's maximum; NaN stays NaN */
      }))

/* swish(beta = p) = x sigmoid(z), z = beta x = hi + lo, as the registry's compensated form: exp(-|z|) taken
 * as e 2^64 and corrected for lo, x sigmoid(z) formed from the scaled e in the left tail; derivative
 * sigmoid(z) (1 + z sigmoid(-z)), for z < 0 as ((1 + hi) + lo) - z sigmoid(z). */
AL_INLINE void al_swish64_parts(double x, double beta, double *hi_out, double *lo_out, double *es_out, double *r_out) {
    double hi = beta * x;
    double lo = fma(beta, x, -hi);
    lo = fabs(hi) < 1e300 ? lo : 0.0;
    hi = hi > 1e4 ? 1e4 : (hi < -1e4 ? -1e4 : hi);
    double es = al_exp_neg_scaled64(-fabs(hi));
    es = es - es * (hi >= 0 ? lo : -lo);
    *hi_out = hi;
    *lo_out = lo;
    *es_out = es;
    *r_out = al_recip_one_plus(es * 0x1p-64);
}

AL_INLINE double al_swish64(double x, double beta) {
    double hi, lo, es, r;
    al_swish64_parts(x, beta, &hi, &lo, &es, &r);
    double y = hi >= 0 ? x * r : ((es * r) * x) * 0x1p-64;
    return x == -INFINITY ? 0.0 : (x != x ? x : y);
}

AL_INLINE double al_swish64_deriv(double x, double beta) {
    double hi, lo, es, r;
    al_swish64_parts(x, beta, &hi, &lo, &es, &r);
    double er = (es * r) * 0x1p-64;
    double s = hi >= 0 ? r : er, sn = hi >= 0 ? er : r;
    double f = hi < 0 ? ((1.0 + hi) + lo) - hi * s : 1.0 + hi * sn;
    double d = hi >= 0 ? r * f : ((es * r) * f) * 0x1p-64;
    return x != x ? x : d;
}

FWD64(swish, al_swish64(x, p))
BWD64(swish, al_swish64_deriv(x, p))

FWD64(mish, al_mish_n(x, 13))
BWD64(mish, al_mish_deriv_n(x, 13))

/* a * c as hi + lo for a constant c = c_hi + c_lo, the low word dropped where the product is not finite */
AL_INLINE double al_mul_const_lo(double a, double c_hi, double c_lo, double hi) {
    double lo = fma(a, c_hi, -hi) + a * c_lo;
    return isfinite(lo) ? lo : 0.0;
}

/* erfcx(z) = exp(z^2) erfc(z), z >= 0 (NaN passes), ~0.6 ULP: the table of coeffs.h, as
 * _numerics.erfcx64 (Taylor rows about (k + 1/2) / 8 below 12, constant term in two words; beyond, the
 * asymptotic series times 1 / (z sqrt(pi)) formed as one division corrected by its remainder). */
AL_INLINE double al_erfcx64(double z) {
    const double r_hi = 0.5641895835477563, r_lo = 7.66772980658294e-18; /* 1 / sqrt(pi) */
    int inside = z < (double)ERFCX64_END;
    double zt = inside ? z : 0.0;
    double f = floor(zt * (double)ERFCX64_PER_UNIT);
    int k = (int)f;
    double s = zt - (f + 0.5) * (1.0 / ERFCX64_PER_UNIT);
    double p = ERFCX64_CT[ERFCX64_DEG][k];
    _Pragma("GCC unroll 20")
    for (int j = ERFCX64_DEG - 1; j >= 1; --j) p = fma(p, s, ERFCX64_CT[j][k]);
    double near = ERFCX64_CT[0][k] + fma(s, p, ERFCX64_C0_LO[k]);
    double w = 1.0 / (z * z);
    double g = ERFCX64_ASYM_C[ERFCX64_ASYM];
    _Pragma("GCC unroll 20")
    for (int j = ERFCX64_ASYM - 1; j >= 1; --j) g = fma(g, w, ERFCX64_ASYM_C[j]);
    double d = r_hi / z;
    double rem = (fma(-d, z, r_hi) + r_lo) / z;
    rem = isfinite(rem) ? rem : 0.0;
    double far = d + fma(d, w * g, rem);
    return inside ? near : far;
}

/* gelu(approximate='none'), float64: the registry's compensated form. u = -x / sqrt 2 = hi + lo;
 * erfc(u) = exp(-hi^2) (erfcx(|hi|) -+ lo 2/sqrt(pi)) with hi^2 exact (fma) and exp taken as exp 2^64;
 * for u < 0 as 2 minus that (in [1, 2]). */
#define AL_SQRT1_2_LO (-4.833646656726457e-17)
#define AL_2_SQRT_PI 1.1283791670955126
AL_INLINE void al_erfc64_parts(double x, double *hi_out, double *near, double *tail) {
    double hi = -x * AL_SQRT1_2;
    double lo = al_mul_const_lo(-x, AL_SQRT1_2, AL_SQRT1_2_LO, hi);
    double a = fabs(hi);
    double cx = al_erfcx64(a);
    double q_hi = a * a;
    double q_lo = q_hi < 1e300 ? fma(a, a, -q_hi) : 0.0;
    double g = al_exp_neg_scaled64(-q_hi);
    g = g - g * q_lo; /* exp(-u^2) 2^64 at the exact square */
    double t = g * (cx - lo * AL_2_SQRT_PI);
    *hi_out = hi;
    *tail = t;
    *near = hi < 0 ? 2.0 - (g * (cx + lo * AL_2_SQRT_PI)) * 0x1p-64 : t * 0x1p-64;
}

AL_INLINE double al_gelu64(double x) {
    double hi, near, tail;
    al_erfc64_parts(x, &hi, &near, &tail);
    double y = hi > 0.75 ? ((0.5 * x) * tail) * 0x1p-64 : (0.5 * x) * near;
    return x == -INFINITY ? 0.0 : y;
}

/* Phi(x) + x phi(x), exp(-x^2 / 2) at the exact square, both terms scaled by 2^64 in the left tail */
AL_INLINE double al_gelu64_deriv(double x) {
    x = x > 1e4 ? 1e4 : (x < -1e4 ? -1e4 : x);
    double q_hi = x * x;
    double q_lo = fma(x, x, -q_hi);
    double gx = al_exp_neg_scaled64(-0.5 * q_hi);
    gx = gx - gx * (0.5 * q_lo);
    double phi_x = x * (gx * AL_INV_SQRT_2PI);
    double hi, near, tail;
    al_erfc64_parts(x, &hi, &near, &tail);
    return hi > 0.75 ? (0.5 * tail + phi_x) * 0x1p-64 : 0.5 * near + phi_x * 0x1p-64;
}

FWD64(gelu, al_gelu64(x))
BWD64(gelu, al_gelu64_deriv(x))

/* gelu(approximate='tanh'), float64: z = 2u = 2 sqrt(2/pi) (x + 0.044715 x^3) in two words (as the registry's
 * _tanh_arg); x sigmoid(z) from exp(-|z|) 2^64 corrected for the low word. */
AL_INLINE double al_gelu_tanh64_arg(double x, double *lo_out) {
    const double k_hi = 0.044715, k_lo = 2.1960211427085595e-18;
    const double s_hi = 0.7978845608028654, s_lo = -4.98465440455546e-17;
    double q_hi = x * x;
    double q_lo = fma(x, x, -q_hi);
    double c_hi = q_hi * x;
    double c_lo = fma(q_hi, x, -c_hi) + q_lo * x;
    double a_hi = c_hi * k_hi;
    double a_lo = fma(c_hi, k_hi, -a_hi) + c_hi * k_lo + c_lo * k_hi;
    double i_hi = x + a_hi;
    double i_lo = al_two_sum_err(x, a_hi, i_hi) + a_lo;
    i_lo = isfinite(i_lo) ? i_lo : 0.0;
    double u_hi = i_hi * s_hi;
    double u_lo = fma(i_hi, s_hi, -u_hi) + i_hi * s_lo + i_lo * s_hi;
    u_lo = isfinite(u_lo) ? u_lo : 0.0;
    *lo_out = 2.0 * u_lo;
    return 2.0 * u_hi;
}

AL_INLINE double al_gelu_tanh64(double x) {
    double lo;
    double hi = al_gelu_tanh64_arg(x, &lo);
    double es = al_exp_neg_scaled64(-fabs(hi));
    es = es - es * (hi >= 0 ? lo : -lo);
    double r = al_recip_one_plus(es * 0x1p-64);
    double y = hi >= 0 ? r * x : ((es * r) * x) * 0x1p-64;
    return x == -INFINITY ? 0.0 : (x != x ? x : y);
}

/* the registry's _tanh_derivative_compensated: over one denominator (1 + e)^2, x z' and 1 + e in two words */
AL_INLINE double al_gelu_tanh64_deriv(double x) {
    const double k_hi = 0.21406444881780073, k_lo = 1.2025242832367862e-17; /* 2 sqrt(2/pi) 0.134145 */
    const double c_hi = 0.7978845608028654, c_lo = -4.98465440455546e-17;
    x = x > 1e4 ? 1e4 : (x < -1e4 ? -1e4 : x);
    double lo;
    double hi = al_gelu_tanh64_arg(x, &lo);
    double es = al_exp_neg_scaled64(-fabs(hi));
    es = es - es * (hi >= 0 ? lo : -lo); /* exp(-|hi + lo|) */
    double e = es * 0x1p-64;
    double q_hi = x * x;
    double q_lo = fma(x, x, -q_hi);
    double p_hi = q_hi * k_hi;
    double p_lo = fma(q_hi, k_hi, -p_hi) + q_lo * k_hi + q_hi * k_lo;
    double d_hi = 2.0 * c_hi + p_hi;
    double d_lo = al_two_sum_err(2.0 * c_hi, p_hi, d_hi) + p_lo + 2.0 * c_lo; /* z' = d_hi + d_lo */
    double m_hi = x * d_hi;
    double m_lo = fma(x, d_hi, -m_hi) + x * d_lo;
    double o_hi = 1.0 + e;
    double o_lo = e - (o_hi - 1.0);
    double n_hi = o_hi + m_hi;
    double n_err = al_two_sum_err(o_hi, m_hi, n_hi);
    double num_neg = n_hi + ((n_err + o_lo) + m_lo);
    double den = o_hi * o_hi; /* (1 + e)^2 = den + den_lo */
    double den_lo = fma(o_hi, o_hi, -den) + 2.0 * (o_hi * o_lo);
    double t = num_neg / den;
    t = t - t * (den_lo / den);
    double r = al_recip_one_plus(e); /* z >= 0: r (1 + x z' e r), the correction term <= 0.3 */
    double d = hi < 0 ? (es * t) * 0x1p-64 : fma(r, (m_hi * e) * r, r);
    return x != x ? x : d;
}

FWD64(gelu_tanh, al_gelu_tanh64(x))
BWD64(gelu_tanh, al_gelu_tanh64_deriv(x))

/* ---- rows: softmax and log_softmax along the last axis ------------------------------------------------ */

/* The row's max (vectorised), and whether it holds a NaN. */
static float al_row_max(const float *restrict x, int64_t n, int *has_nan) {
    float m = x[0];
    int nan = 0;
    _Pragma("omp simd reduction(max:m) reduction(|:nan)")
    for (int64_t j = 0; j < n; ++j) {
        float v = x[j];
        nan |= v != v;
        m = v > m ? v : m;
    }
    *has_nan = nan;
    return m;
}

/* Row statistics: m = max (NaN if any NaN), s1 = sum of exp(x - m) over all but one argmax (so that a
 * dominant entry keeps log p = -log1p(s1) to full relative precision), and the number of +inf entries. The
 * entries equal to the max (exp(0) = 1 each) are counted, not summed, in the vectorised exp pass: s1 = (sum
 * over the others) + (count - 1), with no scalar search for the argmax. */
static void al_row_stats(const float *restrict x, int64_t n, double *m_out, double *s1_out, int64_t *ninf,
                         double *restrict e) {
    int nan;
    float m = al_row_max(x, n, &nan);
    if (nan) {
        *m_out = NAN;
        *s1_out = NAN;
        *ninf = 0;
        return;
    }
    int64_t count = 0;
    if (m == INFINITY) {
        for (int64_t j = 0; j < n; ++j) count += x[j] == INFINITY;
        *m_out = INFINITY;
        *s1_out = 0.0;
        *ninf = count;
        return;
    }
    double md = m;
    double s = 0.0;
    int64_t at_max = 0;
    if (e) {
        _Pragma("omp simd reduction(+:s, at_max)")
        for (int64_t j = 0; j < n; ++j) {
            double ej = al_exp_neg((double)x[j] - md);
            e[j] = ej;
            at_max += x[j] == m;
            s += x[j] == m ? 0.0 : ej;
        }
    } else {
        _Pragma("omp simd reduction(+:s, at_max)")
        for (int64_t j = 0; j < n; ++j) {
            at_max += x[j] == m;
            s += x[j] == m ? 0.0 : al_exp_neg((double)x[j] - md);
        }
    }
    *m_out = md;
    *s1_out = s + (double)(at_max - 1);
    *ninf = 0;
}

void al_softmax_fwd(const float *restrict x, float *restrict out, int64_t rows, int64_t n) {
    double *e = malloc((size_t)n * sizeof(double)); /* exp(x - max) of one row: one exp per element */
    for (int64_t r = 0; r < rows; ++r, x += n, out += n) {
        double m, s1;
        int64_t ninf;
        al_row_stats(x, n, &m, &s1, &ninf, e);
        if (m == INFINITY) {
            for (int64_t j = 0; j < n; ++j) out[j] = x[j] == INFINITY ? (float)(1.0 / (double)ninf) : 0.0f;
            continue;
        }
        double inv = 1.0 / (1.0 + s1);
        if (e)
            for (int64_t j = 0; j < n; ++j) out[j] = (float)(e[j] * inv);
        else
            for (int64_t j = 0; j < n; ++j) out[j] = (float)(al_exp_neg((double)x[j] - m) * inv);
    }
    free(e);
}

void al_log_softmax_fwd(const float *restrict x, float *restrict out, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; ++r, x += n, out += n) {
        double m, s1;
        int64_t ninf;
        al_row_stats(x, n, &m, &s1, &ninf, 0);
        if (m == INFINITY) {
            double l = log(1.0 / (double)ninf);
            for (int64_t j = 0; j < n; ++j) out[j] = x[j] == INFINITY ? (float)l : -INFINITY;
            continue;
        }
        double l = log1p(s1);
        for (int64_t j = 0; j < n; ++j) out[j] = (float)(((double)x[j] - m) - l);
    }
}

/* softmax vjp: y (g - sum(g y)); the sum of e and of g e in one pass (y = e / (1 + s1)) */
void al_softmax_bwd(const float *restrict x, const float *restrict g, float *restrict out, int64_t rows, int64_t n) {
    double *sc = malloc((size_t)n * sizeof(double));
    for (int64_t r = 0; r < rows; ++r, x += n, g += n, out += n) {
        int nan;
        float mf = al_row_max(x, n, &nan);
        if (nan || mf == INFINITY) { /* rare rows: the two-pass statistics */
            double m, s1;
            int64_t ninf;
            al_row_stats(x, n, &m, &s1, &ninf, 0);
            double share = m == INFINITY ? 1.0 / (double)ninf : NAN;
            double dot = 0.0;
            for (int64_t j = 0; j < n; ++j) dot += x[j] == INFINITY ? (double)g[j] * share : 0.0;
            for (int64_t j = 0; j < n; ++j) {
                double y = x[j] == INFINITY ? share : (m == INFINITY ? 0.0 : NAN);
                out[j] = (float)(y * ((double)g[j] - dot));
            }
            continue;
        }
        double m = mf, s = 0.0, dot = 0.0;
        if (sc) {
            _Pragma("omp simd reduction(+:s, dot)")
            for (int64_t j = 0; j < n; ++j) {
                double e = al_exp_neg((double)x[j] - m);
                sc[j] = e;
                s += e;
                dot += (double)g[j] * e;
            }
        } else {
            _Pragma("omp simd reduction(+:s, dot)")
            for (int64_t j = 0; j < n; ++j) {
                double e = al_exp_neg((double)x[j] - m);
                s += e;
                dot += (double)g[j] * e;
            }
        }
        double inv = 1.0 / s;
        dot *= inv;
        if (sc) { /* two loops, not a select inside one: each vectorises */
            _Pragma("omp simd")
            for (int64_t j = 0; j < n; ++j) out[j] = (float)((sc[j] * inv) * ((double)g[j] - dot));
        } else {
            for (int64_t j = 0; j < n; ++j)
                out[j] = (float)((al_exp_neg((double)x[j] - m) * inv) * ((double)g[j] - dot));
        }
    }
    free(sc);
}

/* log_softmax vjp: g - softmax(x) sum(g); the max, then the sum of e and of g in one pass */
void al_log_softmax_bwd(const float *restrict x, const float *restrict g, float *restrict out, int64_t rows,
                        int64_t n) {
    double *sc = malloc((size_t)n * sizeof(double));
    for (int64_t r = 0; r < rows; ++r, x += n, g += n, out += n) {
        int nan;
        float mf = al_row_max(x, n, &nan);
        double sg = 0.0;
        if (nan || mf == INFINITY) {
            double m, s1;
            int64_t ninf;
            al_row_stats(x, n, &m, &s1, &ninf, 0);
            for (int64_t j = 0; j < n; ++j) sg += (double)g[j];
            double share = m == INFINITY ? 1.0 / (double)ninf : NAN;
            for (int64_t j = 0; j < n; ++j) {
                double y = x[j] == INFINITY ? share : (m == INFINITY ? 0.0 : NAN);
                out[j] = (float)((double)g[j] - y * sg);
            }
            continue;
        }
        double m = mf, s = 0.0;
        if (sc) { /* exp(x - m) of the row kept: one exp per element */
            _Pragma("omp simd reduction(+:s, sg)")
            for (int64_t j = 0; j < n; ++j) {
                double e = al_exp_neg((double)x[j] - m);
                sc[j] = e;
                s += e;
                sg += (double)g[j];
            }
        } else {
            _Pragma("omp simd reduction(+:s, sg)")
            for (int64_t j = 0; j < n; ++j) {
                s += al_exp_neg((double)x[j] - m);
                sg += (double)g[j];
            }
        }
        double k = sg / s;
        if (sc) {
            _Pragma("omp simd")
            for (int64_t j = 0; j < n; ++j) out[j] = (float)((double)g[j] - sc[j] * k);
        } else {
            for (int64_t j = 0; j < n; ++j) out[j] = (float)((double)g[j] - al_exp_neg((double)x[j] - m) * k);
        }
    }
    free(sc);
}

/* ---- float64 rows ------------------------------------------------------------------------------------------
 * x - max as an exact sum hi + lo (TwoSum), e = exp(hi) (1 + lo), the sum of the non-argmax e's and the
 * cotangent sums compensated (Neumaier), log p = (hi - log1p(s1)) + lo. A row holding NaN gives NaN; a row
 * holding +inf gives equal shares among its +inf entries (log: log of the share, -inf elsewhere). */

/* al_sum (Neumaier summation): vmath.h */

/* Fills e[j] = exp(x_j - m) (compensated); returns s1 (compensated), or NaN / +inf for the special rows with
 * *m_out set to NaN / +inf and *ninf the count of +inf entries. */
static double al_row_stats64(const double *restrict x, int64_t n, double *restrict e, double *m_out, int64_t *ninf) {
    double m = x[0];
    int nan = 0;
    for (int64_t j = 0; j < n; ++j) {
        nan |= x[j] != x[j];
        m = x[j] > m ? x[j] : m;
    }
    *ninf = 0;
    if (nan) {
        *m_out = NAN;
        return NAN;
    }
    if (m == INFINITY) {
        int64_t k = 0;
        for (int64_t j = 0; j < n; ++j) k += x[j] == INFINITY;
        *ninf = k;
        *m_out = INFINITY;
        return 0.0;
    }
    int64_t arg = 0;
    while (arg < n - 1 && x[arg] != m) ++arg;
    for (int64_t j = 0; j < n; ++j) {
        double hi = x[j] - m;
        double lo = al_two_sum_err(x[j], -m, hi); /* -inf entries: exp = 0, no NaN from lo */
        double ej = al_exp_neg64(hi);
        e[j] = ej + ej * lo;
    }
    al_sum s = {0.0, 0.0};
    for (int64_t j = 0; j < n; ++j)
        if (j != arg) al_sum_add(&s, e[j]);
    e[arg] = 1.0;
    *m_out = m;
    return al_sum_get(&s);
}

static void al_rows_fwd64(const double *restrict x, double *restrict out, int64_t rows, int64_t n, int log_form) {
    double *e = malloc((size_t)n * sizeof(double));
    if (!e) return;
    for (int64_t r = 0; r < rows; ++r, x += n, out += n) {
        double m;
        int64_t ninf;
        double s1 = al_row_stats64(x, n, e, &m, &ninf);
        if (m != m || m == INFINITY) {
            double share = 1.0 / (double)ninf;
            for (int64_t j = 0; j < n; ++j)
                out[j] = m != m ? NAN : (x[j] == INFINITY ? (log_form ? log(share) : share) : (log_form ? -INFINITY : 0.0));
            continue;
        }
        if (!log_form) {
            double inv = 1.0 / (1.0 + s1);
            for (int64_t j = 0; j < n; ++j) out[j] = e[j] * inv;
            continue;
        }
        double L = log1p(s1);
        for (int64_t j = 0; j < n; ++j) {
            double hi = x[j] - m;
            double lo = al_two_sum_err(x[j], -m, hi);
            out[j] = (hi - L) + lo;
        }
    }
    free(e);
}

void al_softmax_fwd64(const double *restrict x, double *restrict out, int64_t rows, int64_t n) {
    al_rows_fwd64(x, out, rows, n, 0);
}

void al_log_softmax_fwd64(const double *restrict x, double *restrict out, int64_t rows, int64_t n) {
    al_rows_fwd64(x, out, rows, n, 1);
}

/* softmax vjp y (g - sum(g y)); log_softmax vjp g - softmax(x) sum(g); both sums compensated */
static void al_rows_bwd64(const double *restrict x, const double *restrict g, double *restrict out, int64_t rows,
                          int64_t n, int log_form) {
    double *e = malloc((size_t)n * sizeof(double));
    if (!e) return;
    for (int64_t r = 0; r < rows; ++r, x += n, g += n, out += n) {
        double m;
        int64_t ninf;
        double s1 = al_row_stats64(x, n, e, &m, &ninf);
        if (m != m || m == INFINITY) {
            for (int64_t j = 0; j < n; ++j) e[j] = m != m ? NAN : (x[j] == INFINITY ? 1.0 / (double)ninf : 0.0);
            s1 = 0.0;
        }
        double inv = 1.0 / (1.0 + s1);
        al_sum acc = {0.0, 0.0};
        for (int64_t j = 0; j < n; ++j) al_sum_add(&acc, log_form ? g[j] : g[j] * (e[j] * inv));
        double k = al_sum_get(&acc);
        if (log_form)
            for (int64_t j = 0; j < n; ++j) out[j] = g[j] - (e[j] * inv) * k;
        else
            for (int64_t j = 0; j < n; ++j) out[j] = (e[j] * inv) * (g[j] - k);
    }
    free(e);
}

void al_softmax_bwd64(const double *restrict x, const double *restrict g, double *restrict out, int64_t rows,
                      int64_t n) {
    al_rows_bwd64(x, g, out, rows, n, 0);
}

void al_log_softmax_bwd64(const double *restrict x, const double *restrict g, double *restrict out, int64_t rows,
                          int64_t n) {
    al_rows_bwd64(x, g, out, rows, n, 1);
}
