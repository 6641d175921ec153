/*
 * stats.h - order statistics over samples, as benchmarks report them.
 *
 * Percentiles are by nearest rank: the q-th percentile of n sorted values
 * is the value at 1-based position ceil(q * n) (tests/spec/pull-storm.md,
 * "Reported"). No interpolation, so a reported p99 is always a value some
 * pod really had.
 * Units: whatever the samples carry.
 */
#ifndef PULLSIM_STATS_H
#define PULLSIM_STATS_H

#include <stddef.h>

/* Nearest-rank percentile of sorted[0..n-1] (ascending), q in (0, 1];
 * NAN when n == 0. */
double stats_nearest_rank(const double *sorted, size_t n, double q);

#endif
