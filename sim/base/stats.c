/* stats.c - see stats.h. */
#include "base/stats.h"

#include <math.h>

double stats_nearest_rank(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double pos = ceil(q * (double)n);
    size_t i = pos < 1 ? 0 : (size_t)pos - 1;
    return sorted[i < n ? i : n - 1];
}
