/*
 * rundir.h - a run's result folder: all or nothing, one writer at a time.
 *
 * A run writes every result file into a staging folder of its own beside
 * the target, PARENT/.NAME.pullsim-tmp.PID.N, and only at the end swaps it
 * into place with one rename [git lockfile.h, for a whole folder]. A reader
 * sees the previous results or the new ones, complete, never a mix; the
 * files of an earlier run go with its folder (an old disk.csv or PNG never
 * stays beside new results). run.json, written last, says which run it is.
 * Calling sequence:
 *   rundir_signals_install()      once, before anything is written
 *   r = rundir_open(target, ...)  lock PARENT/.NAME.lock, check the target,
 *                                 create the staging folder
 *   write into rundir_path(r)
 *   rundir_commit(r, run_json)    write run.json, swap into place, remove
 *                                 the old folder; or rundir_abort(r)
 *   rundir_free(r)                remove what is left, release the lock
 * Invariants:
 *  - at most one rundir is open in a process (the signal handler knows it);
 *  - the target is replaced only when it is absent, an empty folder, or a
 *    folder pullsim wrote (run.json, or an earlier version's layout: only
 *    cdf.png, cdf.svg and config folders holding summary.json);
 *  - a second process opening a target another one holds is refused at
 *    once (no waiting), so two runs into one folder never mix; the lock is
 *    an fcntl record lock, released by the kernel when a process dies;
 *  - on SIGINT, SIGTERM or SIGHUP (after rundir_signals_install) the
 *    staging folder, the lock file and the registered temporary file are
 *    removed with async-signal-safe calls only, then the process dies of
 *    that signal: a shell reports status 130, 143 or 129 (128 + N).
 * Simplification: a process killed by SIGKILL (or a power cut) leaves its
 *   hidden staging folder; it never holds run.json, so nothing mistakes it
 *   for a result, and removing it by hand is safe once no run is going.
 * Errors: functions print one "pullsim: error: ..." line to 'err'.
 */
#ifndef PULLSIM_RUNDIR_H
#define PULLSIM_RUNDIR_H

#include <stdio.h>

struct rundir;

/* The marker file of a complete run folder. */
#define RUNDIR_MARKER "run.json"

/* Installs the SIGINT, SIGTERM and SIGHUP handlers that clean up (a signal
 * ignored when pullsim started stays ignored, as nohup wants). */
void rundir_signals_install(void);

/*
 * Claims 'target' (a folder path) for this process and creates its staging
 * folder (and the parent folders of target). Returns the rundir, or NULL
 * with *status set: 2 when target cannot be a result folder (a file, ".",
 * or a folder pullsim did not write), 1 when another process is writing it
 * or on an I/O failure. Nothing is left behind on failure.
 */
struct rundir *rundir_open(const char *target, FILE *err, int *status);

/* The staging folder to write the run's files into (owned by r). */
const char *rundir_path(const struct rundir *r);

/* Registers one more file (outside the staging folder, e.g. the trace's
 * temporary file) for the signal handler to remove; NULL clears it. The
 * path is copied. */
void rundir_track_file(const char *path);

/*
 * Writes run_json as run.json into the staging folder, then puts the
 * staging folder in the target's place (the target's previous contents are
 * removed). Returns 0, or -1 after a message with the target left as it was.
 */
int rundir_commit(struct rundir *r, const char *run_json, FILE *err);

/* Releases r: removes the staging folder unless committed, then the lock
 * file. NULL is a no-op. */
void rundir_free(struct rundir *r);

#endif
