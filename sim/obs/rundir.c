/*
 * rundir.c - see rundir.h.
 *
 * The swap: rename(2) replaces only an empty folder, so a target that
 * exists is exchanged with the staging folder in one step
 * (renameat2 RENAME_EXCHANGE, Linux 3.15), after which the staging name
 * holds the old results and is removed. Where the file system cannot
 * exchange, the target is first renamed aside: for that instant readers
 * find no folder, which is still never a partial one.
 * Removing a folder tree uses openat, getdents64, unlinkat and close only,
 * so the signal handler can do it too.
 */
#define _GNU_SOURCE /* renameat2, syscall */
#include "obs/rundir.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/base.h"
#include "obs/output.h"

struct rundir {
    char *target;  /* as given, trailing slashes dropped */
    char *staging; /* PARENT/.NAME.pullsim-tmp.PID.N */
    char *lock;    /* PARENT/.NAME.lock */
    int lock_fd;
    bool committed;
};

/*
 * The only mutable file-scope state of pullsim: what the signal handler
 * removes. Written with the signals blocked, read by the handler alone.
 */
static struct {
    char staging[PATH_MAX];
    char lock[PATH_MAX];
    char file[PATH_MAX];
} on_signal;

static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_SIGNALS(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------ async-signal-safe removal */

/* getdents64's record (linux/dirent.h). */
struct dirent64_rec {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

static bool is_dot(const char *n)
{
    return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

/* Removes parent/name and, if it is a folder, what it holds (depth levels
 * at most). Uses async-signal-safe calls only; errors are ignored. */
static void remove_at(int parent, const char *name, int depth)
{
    if (unlinkat(parent, name, 0) == 0 || errno == ENOENT || depth == 0)
        return;
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    /* Entries removed while reading may shift the rest: read again from the
     * start until a pass removes nothing. */
    for (bool removed = true; removed;) {
        char buf[4096];
        long n;
        removed = false;
        (void)lseek(fd, 0, SEEK_SET);
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
            for (long off = 0; off < n;) {
                const struct dirent64_rec *d = (const void *)(buf + off);
                off += d->reclen;
                if (is_dot(d->name))
                    continue;
                remove_at(fd, d->name, depth - 1);
                removed = true;
            }
        }
    }
    close(fd);
    (void)unlinkat(parent, name, AT_REMOVEDIR);
}

static void remove_tree(const char *path)
{
    if (path[0])
        remove_at(AT_FDCWD, path, 8);
}

static void on_terminate(int sig)
{
    int saved = errno;
    remove_tree(on_signal.staging);
    if (on_signal.lock[0])
        (void)unlink(on_signal.lock);
    if (on_signal.file[0])
        (void)unlink(on_signal.file);
    errno = saved;
    /* Die of the signal itself, so the parent sees why (128 + N in a shell). */
    signal(sig, SIG_DFL);
    raise(sig);
}

void rundir_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_terminate;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_SIGNALS(signals); i++)
        sigaddset(&sa.sa_mask, signals[i]);
    /* A signal ignored at start stays ignored (nohup, a shell's background
     * jobs ignore SIGINT): the caller asked for that. */
    for (size_t i = 0; i < N_SIGNALS(signals); i++) {
        struct sigaction old;
        if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            (void)sigaction(signals[i], &sa, NULL);
    }
}

/* Copies src (NULL: "") into one of on_signal's buffers with the signals blocked. */
static void set_on_signal(char *dst, const char *src)
{
    sigset_t block, old;
    sigemptyset(&block);
    for (size_t i = 0; i < N_SIGNALS(signals); i++)
        sigaddset(&block, signals[i]);
    sigprocmask(SIG_BLOCK, &block, &old);
    size_t n = src ? strlen(src) : 0;
    if (n >= PATH_MAX)
        n = 0; /* too long to clean up on a signal; the normal path still does */
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void rundir_track_file(const char *path)
{
    set_on_signal(on_signal.file, path);
}

/* ------------------------------------------------------------ the target */

/* True if dir/name exists. */
static bool has_entry(const char *dir, const char *name)
{
    char *p = xasprintf("%s/%s", dir, name);
    bool ok = access(p, F_OK) == 0;
    free(p);
    return ok;
}

/* True if 'target' may be replaced: a folder that is empty, holds run.json,
 * or has the layout earlier pullsim versions wrote. */
static bool is_replaceable(const char *target)
{
    if (has_entry(target, RUNDIR_MARKER))
        return true;
    int fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[4096];
    long n;
    bool ok = true;
    while (ok && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
        for (long off = 0; ok && off < n;) {
            const struct dirent64_rec *d = (const void *)(buf + off);
            off += d->reclen;
            if (is_dot(d->name) || !strcmp(d->name, "cdf.png") || !strcmp(d->name, "cdf.svg"))
                continue;
            char *sub = xasprintf("%s/%s", target, d->name);
            ok = has_entry(sub, "summary.json");
            free(sub);
        }
    }
    close(fd);
    return ok && n == 0;
}

/* Splits target into its parent folder and last name ("a/b" -> "a", "b";
 * "b" -> ".", "b"). Returns -1 for a name that cannot be a result folder. */
static int split_target(const char *target, char **parent, char **name)
{
    size_t len = strlen(target);
    while (len > 1 && target[len - 1] == '/')
        len--;
    const char *end = target + len, *slash = end;
    while (slash > target && slash[-1] != '/')
        slash--;
    if (slash == end || (end - slash == 1 && *slash == '.') ||
        (end - slash == 2 && !strncmp(slash, "..", 2)))
        return -1;
    *name = xstrndup(slash, (size_t)(end - slash));
    if (slash == target)
        *parent = xstrdup(".");
    else if (slash - 1 == target)
        *parent = xstrdup("/");
    else
        *parent = xstrndup(target, (size_t)(slash - 1 - target));
    return 0;
}

/* ------------------------------------------------------------------ lock */

/* Takes the write lock of path without waiting. Returns the fd, -1 after a
 * message (another process has it, or an I/O failure). A lock file removed
 * by its previous holder between our open and our lock is opened again. */
static int take_lock(const char *path, const char *target, FILE *err)
{
    for (;;) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) {
            fprintf(err, "pullsim: error: cannot open lock file '%s': %s\n", path,
                    strerror(errno));
            return -1;
        }
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(fd, F_SETLK, &fl) != 0) {
            int e = errno;
            struct flock who = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
            bool known = fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK;
            close(fd);
            if (e != EACCES && e != EAGAIN) {
                fprintf(err, "pullsim: error: cannot lock '%s': %s\n", path, strerror(e));
            } else if (known) {
                fprintf(err, "pullsim: error: another pullsim run (pid %ld) is writing '%s'; "
                        "wait for it to finish or choose another --out\n", (long)who.l_pid,
                        target);
            } else {
                fprintf(err, "pullsim: error: another pullsim run is writing '%s'; wait for "
                        "it to finish or choose another --out\n", target);
            }
            return -1;
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino)
            return fd;
        close(fd); /* the holder removed it as we opened it: try the new one */
    }
}

/* ------------------------------------------------------------ public API */

/* Checks the target and creates the staging folder; 0, 1 or 2 as rundir_open. */
static int prepare(struct rundir *r, const char *parent, const char *name, FILE *err)
{
    struct stat st;
    if (lstat(r->target, &st) == 0 && (!S_ISDIR(st.st_mode) || !is_replaceable(r->target))) {
        fprintf(err, "pullsim: error: --out: '%s' exists and is not a pullsim result folder "
                "(no %s); expected a new or empty folder, or one pullsim wrote\n", r->target,
                RUNDIR_MARKER);
        return 2;
    }
    for (unsigned n = 0;; n++) {
        free(r->staging);
        r->staging = xasprintf("%s/.%s.pullsim-tmp.%ld.%u", parent, name, (long)getpid(), n);
        set_on_signal(on_signal.staging, r->staging);
        if (mkdir(r->staging, 0777) == 0)
            return 0;
        if (errno != EEXIST || n >= 1000) {
            fprintf(err, "pullsim: error: cannot create '%s': %s\n", r->staging,
                    strerror(errno));
            set_on_signal(on_signal.staging, NULL);
            free(r->staging);
            r->staging = NULL;
            return 1;
        }
    }
}

struct rundir *rundir_open(const char *target, FILE *err, int *status)
{
    char *parent = NULL, *name = NULL;
    assert(!on_signal.staging[0] && !on_signal.lock[0]); /* one open rundir per process */
    if (split_target(target, &parent, &name) != 0) {
        fprintf(err, "pullsim: error: --out: '%s' cannot be a result folder; expected a "
                "folder name such as results/run1\n", target);
        *status = 2;
        return NULL;
    }
    struct rundir *r = xcalloc(1, sizeof(*r));
    r->lock_fd = -1;
    r->target = xstrdup(target);
    r->lock = xasprintf("%s/.%s.lock", parent, name);
    *status = 1;
    if (output_mkdirs(parent, err) == 0 && (r->lock_fd = take_lock(r->lock, target, err)) >= 0) {
        set_on_signal(on_signal.lock, r->lock);
        *status = prepare(r, parent, name, err);
    }
    free(parent);
    free(name);
    if (*status != 0) {
        rundir_free(r);
        return NULL;
    }
    return r;
}

const char *rundir_path(const struct rundir *r)
{
    return r->staging;
}

/* Writes the marker into the staging folder; 0 or -1 after a message. */
static int write_marker(const struct rundir *r, const char *run_json, FILE *err)
{
    char *path = xasprintf("%s/%s", r->staging, RUNDIR_MARKER);
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (!f || fputs(run_json, f) == EOF || fflush(f) != 0 || fsync(fileno(f)) != 0 ||
        ferror(f)) {
        fprintf(err, "pullsim: error: cannot write '%s': %s\n", path, strerror(errno));
        rc = -1;
    }
    if (f && fclose(f) != 0 && rc == 0) {
        fprintf(err, "pullsim: error: cannot write '%s': %s\n", path, strerror(errno));
        rc = -1;
    }
    free(path);
    return rc;
}

/* Moves the staging folder into the target's place; afterwards r->staging
 * names what is to be removed (the old target, or nothing). */
static int swap_in(struct rundir *r, FILE *err)
{
    if (rename(r->staging, r->target) == 0) /* no target, or an empty one */
        return 0;
    if (errno != EEXIST && errno != ENOTEMPTY) {
        fprintf(err, "pullsim: error: cannot rename '%s' to '%s': %s\n", r->staging,
                r->target, strerror(errno));
        return -1;
    }
    if (renameat2(AT_FDCWD, r->staging, AT_FDCWD, r->target, RENAME_EXCHANGE) == 0)
        return 0;
    /* No exchange here (EINVAL, ENOSYS): the old folder aside, then ours in. */
    char *old = xasprintf("%s.old", r->staging);
    int rc = -1;
    if (rename(r->target, old) != 0) {
        fprintf(err, "pullsim: error: cannot rename '%s' to '%s': %s\n", r->target, old,
                strerror(errno));
    } else if (rename(r->staging, r->target) != 0) {
        fprintf(err, "pullsim: error: cannot rename '%s' to '%s': %s\n", r->staging,
                r->target, strerror(errno));
        (void)rename(old, r->target);
    } else {
        remove_tree(old);
        rc = 0;
    }
    free(old);
    return rc;
}

int rundir_commit(struct rundir *r, const char *run_json, FILE *err)
{
    if (write_marker(r, run_json, err) != 0 || swap_in(r, err) != 0)
        return -1;
    r->committed = true;
    return 0;
}

void rundir_free(struct rundir *r)
{
    if (!r)
        return;
    /* After a swap by exchange the staging name holds the old results;
     * after a plain rename it names nothing. Either way it goes. */
    if (r->staging)
        remove_tree(r->staging);
    set_on_signal(on_signal.staging, NULL);
    if (r->lock_fd >= 0) {
        (void)unlink(r->lock); /* still ours: the lock is held until close */
        close(r->lock_fd);
    }
    set_on_signal(on_signal.lock, NULL);
    free(r->lock);
    free(r->staging);
    free(r->target);
    free(r);
}
