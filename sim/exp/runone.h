/*
 * runone.h - one run of an experiment, alone: load the scenario with the
 * run's swept values and seed, run its kubelet config, write its folder.
 *
 * Run k writes OUT/runs/K/: summary.json (the single-run summary) and
 * row.csv (runs.csv's header and run k's row, table.h), row.csv last, so a
 * folder with a row.csv holds a finished run (collect relies on it). With
 * 'detail' the folder also gets pods.csv, pulls.csv, timeseries.csv and
 * scenario.yaml, as `pullsim run` writes them for one config. Nothing in
 * these files depends on the process, the time or the other runs: a run
 * redone alone (--run-index K) gives the same bytes.
 * Ownership: everything is borrowed.
 */
#ifndef PULLSIM_RUNONE_H
#define PULLSIM_RUNONE_H

#include <stdbool.h>
#include <stdio.h>

#include "exp/plan.h"
#include "spec/scenario.h"
#include "world/world.h"

struct exp_setup {
    const char *file;                     /* the scenario */
    const struct scenario_override *sets; /* --set, applied before the swept values */
    size_t n_sets;
    enum net_model net;
    bool detail;                          /* per-run pods.csv, pulls.csv, ... */
    const char *out;                      /* the experiment folder */
};

/* Loads the scenario of run k (user sets, then its swept values, then its
 * seed). Returns it (caller frees with scenario_free()), or NULL after
 * diagnostics on 'err'. */
struct scenario *exp_load_run(const struct exp_setup *su, const struct exp_plan *p, size_t k,
                              FILE *err);

/* Runs k and writes OUT/runs/K/. Returns 0, 2 (its scenario does not load;
 * diagnostics on 'err') or 1 (I/O, after a message). */
int exp_run_one(const struct exp_setup *su, const struct exp_plan *p, size_t k, FILE *err);

#endif
