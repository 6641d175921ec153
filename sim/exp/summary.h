/*
 * summary.h - what an experiment's runs say: per point, config and metric
 * the mean, standard deviation and 95% Student t interval over the
 * replications (ci.h); per point and pair of configs the paired difference
 * (first - second, on the same seeds) with its interval and the seeds each
 * config won (lower wins); and, given a bound, the capacity answer: the
 * largest swept value whose mean meets it, and the largest whose whole
 * interval does.
 *
 * Works on the runs that finished (present[k]); a missing run leaves its
 * replication out of that point's statistics, and out of every pair there.
 * Text, JSON and the plot's data are pure functions of the plan and the
 * values, so the same runs give the same bytes however they were run.
 * Ownership: everything is borrowed; the caller owns the strbufs.
 */
#ifndef PULLSIM_SUMMARY_H
#define PULLSIM_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/base.h"
#include "exp/plan.h"
#include "exp/table.h"

/* "METRIC<=VALUE": a bound on a metric of table.h. */
struct exp_bound {
    bool set;
    int metric;   /* index into exp_metric_names */
    double value; /* s for *_s metrics, else the metric's unit */
};

struct exp_results {
    const struct exp_plan *plan;
    const char *scenario;
    const struct exp_metrics *runs; /* n_runs entries */
    const bool *present;            /* n_runs: run finished */
    struct exp_bound bound;
};

/* Parses "METRIC<=VALUE" (VALUE a duration like 10m for *_s metrics, a
 * number otherwise). Returns 0, or -1 with 'msg'. */
int exp_bound_parse(const char *text, struct exp_bound *out, char *msg, size_t msglen);

/* The table (stdout, summary.txt). */
void exp_summary_text(const struct exp_results *r, struct strbuf *sb);

/* summary.json of the experiment. */
void exp_summary_json(const struct exp_results *r, struct strbuf *sb);

/* The plot's data (sweep.dat): for one swept numeric axis, one block per
 * config of "value mean lo hi" lines for the plotted metric (the bound's,
 * else p95_s). Returns false (sb untouched) when there is nothing to plot. */
bool exp_summary_plot_data(const struct exp_results *r, struct strbuf *sb);

/* The metric the plot shows (index into exp_metric_names). */
int exp_summary_plot_metric(const struct exp_results *r);

#endif
