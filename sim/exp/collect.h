/*
 * collect.h - merges the finished runs of an experiment folder into
 * runs.csv, summary.json, summary.txt and (one numeric swept axis)
 * sweep.dat + sweep.{png,svg}, and says which runs are missing.
 *
 * A run counts as finished when OUT/runs/K/row.csv exists with the header
 * this plan gives (a folder of another plan is refused, not mixed in).
 * Missing runs go to missing.txt (their indices) and jobs-missing.txt
 * (their command lines, emit.h), so resuming is `parallel <
 * OUT/jobs-missing.txt` or `sbatch --array=LIST OUT/slurm.sh`.
 * Runs the horizon cut short are counted in one warning on 'err'.
 * Output files are written atomically (files.h); the same finished runs
 * give the same bytes however they were run.
 * Ownership: everything is borrowed.
 */
#ifndef PULLSIM_COLLECT_H
#define PULLSIM_COLLECT_H

#include <stdbool.h>
#include <stdio.h>

#include "exp/emit.h"
#include "exp/plan.h"
#include "exp/summary.h"

struct exp_collect_opts {
    const char *out;                 /* the experiment folder */
    const char *scenario;            /* its name */
    struct exp_bound bound;
    const struct exp_jobspec *jobs;  /* for jobs-missing.txt */
    const char *plots_dir;           /* NULL: no plot */
    FILE *text;                      /* the summary table goes here too; NULL: nowhere */
};

/* Returns 0 when every run finished, 3 when some are missing (everything
 * written for those that did, the missing listed on 'err'), 2 when a row
 * does not belong to the plan, 1 on I/O failure. */
int exp_collect(const struct exp_plan *p, const struct exp_collect_opts *o, FILE *err);

#endif
