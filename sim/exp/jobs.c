/* jobs.c - see jobs.h. */
#include "exp/jobs.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "base/base.h"

extern char **environ;

/* Starts run k; returns its pid or -1 after a message. */
static pid_t start(const char *exe, const char *const *args, size_t n_args, size_t k,
                   FILE *err)
{
    char index[32];
    snprintf(index, sizeof(index), "%zu", k);
    char **argv = xcalloc(n_args + 6, sizeof(*argv));
    size_t n = 0;
    argv[n++] = (char *)exe;
    argv[n++] = (char *)"run";
    for (size_t i = 0; i < n_args; i++)
        argv[n++] = (char *)args[i];
    argv[n++] = (char *)"--run-index";
    argv[n++] = index;
    argv[n++] = (char *)"--quiet";
    pid_t pid;
    int rc = posix_spawn(&pid, exe, NULL, NULL, argv, environ);
    free(argv);
    if (rc != 0) {
        fprintf(err, "pullsim: cannot start '%s' for run %zu: %s\n", exe, k, strerror(rc));
        return -1;
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

int exp_jobs_run(const char *exe, const char *const *args, size_t n_args, const size_t *indices,
                 size_t n, size_t jobs, exp_jobs_progress_fn *progress, void *arg, FILE *err)
{
    pid_t *pids = xcalloc(jobs, sizeof(*pids));
    size_t next = 0, running = 0, done = 0;
    int status = 0;
    while (running > 0 || (next < n && status == 0)) {
        while (running < jobs && next < n && status == 0) {
            pid_t pid = start(exe, args, n_args, indices[next++], err);
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
