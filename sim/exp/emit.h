/*
 * emit.h - an experiment's runs as jobs for engines users already run:
 * GNU parallel (a job list, one shell command line per run) and Slurm (a
 * job-array script, one array task per run index).
 *
 * Every command is `cd CWD && EXE run ARGS... --run-index K --quiet`, with
 * CWD the folder the experiment was planned from, EXE this pullsim binary
 * (absolute) and ARGS the plan's arguments (plan.args), each quoted for
 * the POSIX shell, so a job runs the same wherever the engine starts it.
 * Ownership: everything is borrowed. Errors: -1 after a message (I/O).
 */
#ifndef PULLSIM_EMIT_H
#define PULLSIM_EMIT_H

#include <stddef.h>
#include <stdio.h>

#include "base/base.h"

struct exp_jobspec {
    const char *exe;          /* absolute path of pullsim */
    const char *cwd;          /* absolute folder the jobs start in */
    const char *const *args;  /* the plan's arguments (scenario file first) */
    size_t n_args;
    const char *out;          /* the experiment folder */
    const char *name;         /* the scenario's name (Slurm job name) */
};

/* Appends s, quoted for the POSIX shell ('...' with ' as '\''). */
void exp_shell_quote(const char *s, struct strbuf *sb);

/* One line per index of 'indices' (all runs when NULL: 0..n-1). */
void exp_emit_joblist(const struct exp_jobspec *j, const size_t *indices, size_t n,
                      struct strbuf *sb);

/* A Slurm batch script running runs 0..n_runs-1 as a job array (submit with
 * `sbatch OUT/slurm.sh`; a subset with `sbatch --array=3,7 OUT/slurm.sh`).
 * Each task's output goes to OUT/slurm/%a.out. */
void exp_emit_slurm(const struct exp_jobspec *j, size_t n_runs, struct strbuf *sb);

#endif
