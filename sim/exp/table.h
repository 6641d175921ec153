/*
 * table.h - the tidy table of an experiment: one row per run (runs.csv and
 * each run's runs/K/row.csv).
 *
 * Columns: run, one per swept path (its value), config, replication, seed,
 * then the headline metrics of exp_metric_names in that order:
 *   pods, pods_ready, pods_not_ready, mean_s (ready pods), p50_s, p90_s,
 *   p95_s, p99_s, max_s (over all pods, creation to ready), t50_s, t90_s,
 *   t95_s, t99_s (simulated time until that share of all pods is ready),
 *   last_ready_s, end_s, horizon_cut (0/1), events, layer_transfers,
 *   bytes_fetched.
 * A value not reached is written "inf" (pandas and R read it as infinity);
 * an undefined one (no pod) is empty. Times have 6 decimals, counts none.
 * Cells never hold a comma or line break (replaced by ';' and ' ').
 * Units: s, bytes.
 */
#ifndef PULLSIM_TABLE_H
#define PULLSIM_TABLE_H

#include <stddef.h>

#include "base/base.h"
#include "exp/plan.h"
#include "obs/metrics.h"

#define EXP_N_METRICS 19

/* The metric columns, in order; EXP_N_METRICS names. */
extern const char *const exp_metric_names[EXP_N_METRICS];

/* Index of a metric by its column name, or -1. */
int exp_metric_find(const char *name);

/* One run's metric values, in exp_metric_names order. */
struct exp_metrics {
    double v[EXP_N_METRICS];
};

void exp_metrics_from_summary(const struct metrics_summary *s, struct exp_metrics *out);

/* The header line of runs.csv, with its '\n'. */
void exp_table_header(const struct exp_plan *p, struct strbuf *sb);

/* Run k's line, with its '\n'. */
void exp_table_row(const struct exp_plan *p, size_t k, const struct exp_metrics *m,
                   struct strbuf *sb);

/* Reads the metrics back from a line exp_table_row wrote (the last
 * EXP_N_METRICS cells). Returns 0, or -1 when the line is malformed. */
int exp_table_parse(const char *line, struct exp_metrics *out);

#endif
