/*
 * plan.h - an experiment's runs: swept parameters (a grid), kubelet
 * configs and replications, each run with a stable index and seed.
 *
 * A point is one combination of swept values (axis 0 outermost, the last
 * axis varying fastest). Run index k = (point * n_reps + rep) * n_configs +
 * config, so every config of a replication runs on the same seed (common
 * random numbers, rng.h) and the index of a run never depends on how many
 * processes run the plan or in what order they finish.
 * Seeds: replication 0 runs on the scenario seed itself (a plain run), and
 * replication r >= 1 on exp_plan_derived_seed(seed, r); --seeds gives them
 * explicitly instead. The same seed serves every point, so points differ by
 * their swept values only.
 * Value syntax (exp_parse_values): "a,b,c" (any strings without ','), or a
 * numeric range "A..B" (step 1), "A..B+S" (step S), "A..B*F" (times F > 1),
 * B included when reached.
 * Ownership: the plan owns its strings and arrays; release with
 *   exp_plan_release(). Errors: -1 with a message in 'msg' (user input).
 */
#ifndef PULLSIM_PLAN_H
#define PULLSIM_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Implementation limits (input errors naming them). */
#define EXP_MAX_VALUES 10000u   /* per axis, and per --seeds */
#define EXP_MAX_RUNS 1000000u   /* points x configs x replications */

struct exp_axis {
    char *path;     /* a --set path, e.g. "nodePools[0].count" */
    char **values;  /* as --set takes them */
    size_t n_values;
};

struct exp_plan {
    struct exp_axis *axes;
    size_t n_axes, cap_axes;
    uint64_t *seeds; /* per replication */
    size_t n_reps;
    char **configs;  /* kubelet config names, in run order */
    size_t n_configs, cap_configs;
    size_t n_points; /* product of the axes' sizes (1 without axes) */
    size_t n_runs;
};

/* Where run k sits in the plan. */
struct exp_run {
    size_t index, point, rep, config;
    uint64_t seed;
};

void exp_plan_init(struct exp_plan *p);
void exp_plan_release(struct exp_plan *p);

/* Parses a value list or range (see above) into a new array of strings the
 * caller frees (each, then the array). Returns 0, or -1 with 'msg'. */
int exp_parse_values(const char *text, char ***out, size_t *n_out, char *msg, size_t msglen);

/* Adds one axis from "PATH=VALUES". Returns 0, or -1 with 'msg' (nothing added). */
int exp_plan_add_sweep(struct exp_plan *p, const char *text, char *msg, size_t msglen);

/* Appends a config name (copied). */
void exp_plan_add_config(struct exp_plan *p, const char *name);

/* Sets the replications' seeds: 'n' derived from 'base' (see above), or, when
 * seeds_text is not NULL, the integers it lists ("1..30", "3,9,27"). */
int exp_plan_set_seeds(struct exp_plan *p, size_t n, uint64_t base, const char *seeds_text,
                       char *msg, size_t msglen);

/* Counts points and runs; -1 with 'msg' beyond EXP_MAX_RUNS or without a config. */
int exp_plan_finish(struct exp_plan *p, char *msg, size_t msglen);

/* Run k (< n_runs). */
void exp_plan_run(const struct exp_plan *p, size_t k, struct exp_run *out);

/* The value of 'axis' at 'point' (borrowed). */
const char *exp_plan_value(const struct exp_plan *p, size_t point, size_t axis);

/* Seed of replication r >= 1: splitmix64(base ^ splitmix64(r)) (rng.h),
 * a fixed hash, so it never changes between versions. */
uint64_t exp_plan_derived_seed(uint64_t base, size_t r);

#endif
