/*
 * ci.h - confidence intervals over replications: mean, standard deviation
 * and a Student t interval, and the paired difference of two configs run on
 * the same seeds (common random numbers).
 *
 * Interval: mean +/- t_{(1+level)/2, n-1} * sd / sqrt(n), sd the sample
 * standard deviation (n - 1 in the denominator), t from GSL
 * (gsl_cdf_tdist_Pinv). Samples may be +INFINITY (a percentile a run did
 * not reach, metrics.h): they are counted in n_inf and make the mean and
 * interval undefined (NAN), since no finite number bounds them.
 * Units: those of the samples.
 */
#ifndef PULLSIM_CI_H
#define PULLSIM_CI_H

#include <stddef.h>

struct exp_ci {
    size_t n;      /* samples */
    size_t n_inf;  /* of which +INFINITY (not reached) */
    double mean;   /* NAN when n == 0 or n_inf > 0 */
    double sd;     /* NAN when n < 2 or n_inf > 0 */
    double lo, hi; /* the interval; NAN when sd is */
};

/* Paired comparison of a and b on the same seeds, lower being better. */
struct exp_paired {
    struct exp_ci diff;  /* of a - b over the seeds where both are finite */
    size_t a_wins;       /* seeds where a < b (a finite, b not counts too) */
    size_t b_wins;
    size_t ties;         /* equal, or both not reached */
};

/* Statistics of x[0..n-1] at confidence 'level' in (0, 1), e.g. 0.95. */
void exp_ci_compute(const double *x, size_t n, double level, struct exp_ci *out);

/* Paired statistics of a[i] - b[i], i < n. */
void exp_ci_paired(const double *a, const double *b, size_t n, double level,
                   struct exp_paired *out);

#endif
