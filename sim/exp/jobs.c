/* jobs.c - see jobs.h. */
#include "exp/jobs.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base.h"

/* Starts run k in a forked child, which exits with the run's status.
 * Returns the child's pid or -1 after a message. */
static pid_t start(exp_jobs_run_fn *run, void *arg, size_t k, FILE *err)
{
    /* Buffered output would otherwise be written twice. */
    fflush(stdout);
    fflush(err);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(err, "pullsim: cannot fork for run %zu: %s\n", k, strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int rc = run(arg, k);
        fflush(stdout);
        fflush(err);
        _exit(rc);
    }
    return pid;
}

/* Waits for one of our children; returns its status as an exit code. */
static int reap(pid_t *pids, size_t n_slots, size_t *running, FILE *err)
{
    int ws;
    pid_t pid;
    do {
        pid = waitpid(-1, &ws, 0);
    } while (pid < 0 && errno == EINTR);
    if (pid < 0) {
        fprintf(err, "pullsim: waitpid: %s\n", strerror(errno));
        *running = 0;
        return 1;
    }
    for (size_t i = 0; i < n_slots; i++) {
        if (pids[i] == pid) {
            pids[i] = 0;
            (*running)--;
        }
    }
    if (WIFEXITED(ws))
        return WEXITSTATUS(ws);
    fprintf(err, "pullsim: a run (pid %ld) died of signal %d\n", (long)pid,
            WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    return 1;
}

int exp_jobs_run(exp_jobs_run_fn *run, void *run_arg, const size_t *indices, size_t n,
                 size_t jobs, exp_jobs_progress_fn *progress, void *arg, FILE *err)
{
    pid_t *pids = xcalloc(jobs, sizeof(*pids));
    size_t next = 0, running = 0, done = 0;
    int status = 0;
    while (running > 0 || (next < n && status == 0)) {
        while (running < jobs && next < n && status == 0) {
            pid_t pid = start(run, run_arg, indices[next++], err);
            if (pid < 0) {
                status = 1;
                break;
            }
            for (size_t i = 0; i < jobs; i++) {
                if (pids[i] == 0) {
                    pids[i] = pid;
                    break;
                }
            }
            running++;
        }
        if (running == 0)
            break;
        int rc = reap(pids, jobs, &running, err);
        done++;
        if (rc != 0 && status == 0)
            status = rc;
        if (progress)
            progress(arg, done);
    }
    free(pids);
    return status;
}
