/*
 * jobs.h - runs an experiment's runs in N processes of this binary, each
 * `EXE run ARGS... --run-index K --quiet` (posix_spawn, no shell).
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

/* Called after each finished run with the count done so far. */
typedef void exp_jobs_progress_fn(void *arg, size_t done);

/* Runs indices[0..n) with at most 'jobs' at once. Returns 0, the exit
 * status of the first failed run, or 1 after a message when a process
 * cannot be started or dies of a signal. */
int exp_jobs_run(const char *exe, const char *const *args, size_t n_args, const size_t *indices,
                 size_t n, size_t jobs, exp_jobs_progress_fn *progress, void *arg, FILE *err);

#endif
