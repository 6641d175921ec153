/*
 * jobs.h - runs an experiment's runs in N processes: each run in a child
 * forked from this one (no exec: the scenario file is read again by the
 * run, the parent's state is only copied), exiting with the run's status.
 *
 * Every run writes only its own folder (runone.h), so what they leave is
 * the same whatever N and whatever order they finish in. Runs start in
 * index order; a failing run (exit status not 0) stops new starts, the
 * running ones finish, and the first failure's status is returned.
 * Ownership: everything is borrowed.
 */
#ifndef PULLSIM_JOBS_H
#define PULLSIM_JOBS_H

#include <stddef.h>
#include <stdio.h>

/* Runs run k in the child; returns its exit status (0, 1 or 2). */
typedef int exp_jobs_run_fn(void *arg, size_t k);

/* Called after each finished run with the count done so far. */
typedef void exp_jobs_progress_fn(void *arg, size_t done);

/* Runs indices[0..n) with at most 'jobs' at once. Returns 0, the exit
 * status of the first failed run, or 1 after a message when a process
 * cannot be forked or dies of a signal. */
int exp_jobs_run(exp_jobs_run_fn *run, void *run_arg, const size_t *indices, size_t n,
                 size_t jobs, exp_jobs_progress_fn *progress, void *arg, FILE *err);

#endif
