/*
 * expcmd.h - `pullsim run` as an experiment (replications, sweeps, jobs)
 * and `pullsim collect DIR`. The experiment layer (sim/exp/) does the
 * work; this module reads the command line, plans, and starts the runs.
 *
 *   pullsim run FILE [run options] [--replications N | --seeds LIST]
 *       [--sweep PATH=VALUES]... [--bound 'METRIC<=VALUE'] [--detail]
 *       [--jobs N | --emit parallel|slurm | --run-index K]
 *   pullsim collect DIR
 * Files (OUT = --out, default results/<scenario>-exp): plan.args (the
 * plan's arguments, one per line; collect re-reads them), runs/K/ per run,
 * runs.csv, summary.json, summary.txt, sweep.dat and sweep.{png,svg};
 * jobs.txt (--emit parallel) or slurm.sh (--emit slurm).
 * A scenario with an experiment section runs as an experiment too; the
 * command line's --replications/--seeds, --sweep and --bound replace the
 * file's replications/seeds, sweep and bound.
 * Exit status: 0 done; 2 bad input (nothing written); 1 environment
 * failure; 3 collect found runs missing (the rest merged, the missing
 * listed). Progress goes to stderr when it is a terminal and --quiet is
 * not given.
 */
#ifndef PULLSIM_EXPCMD_H
#define PULLSIM_EXPCMD_H

#include <stdbool.h>

/* Whether argv (argv[0] = "run") asks for an experiment. */
bool expcmd_wanted(int argc, char **argv);

/* `pullsim run ...` with experiment options; argv[0] = "run". */
int expcmd_run(int argc, char **argv);

/* `pullsim collect DIR`; argv[0] = "collect". */
int expcmd_collect(int argc, char **argv);

#endif
