/* ci.c - see ci.h. */
#include "exp/ci.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "base/base.h"

void exp_ci_compute(const double *x, size_t n, double level, struct exp_ci *out)
{
    *out = (struct exp_ci){.n = n, .mean = NAN, .sd = NAN, .lo = NAN, .hi = NAN};
    for (size_t i = 0; i < n; i++)
        out->n_inf += isinf(x[i]) ? 1 : 0;
    if (n == 0 || out->n_inf > 0)
        return;
    out->mean = gsl_stats_mean(x, 1, n);
    if (n < 2)
        return;
    out->sd = gsl_stats_sd_m(x, 1, n, out->mean);
    double t = gsl_cdf_tdist_Pinv(0.5 + level / 2, (double)(n - 1));
    double half = t * out->sd / sqrt((double)n);
    out->lo = out->mean - half;
    out->hi = out->mean + half;
}

void exp_ci_paired(const double *a, const double *b, size_t n, double level,
                   struct exp_paired *out)
{
    double *d = xmalloc((n ? n : 1) * sizeof(*d));
    size_t m = 0;
    *out = (struct exp_paired){0};
    for (size_t i = 0; i < n; i++) {
        if (a[i] < b[i])
            out->a_wins++;
        else if (b[i] < a[i])
            out->b_wins++;
        else
            out->ties++;
        if (isfinite(a[i]) && isfinite(b[i]))
            d[m++] = a[i] - b[i];
    }
    exp_ci_compute(d, m, level, &out->diff);
    free(d);
}
