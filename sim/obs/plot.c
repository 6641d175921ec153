/* plot.c - see plot.h. */
#include "obs/plot.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base.h"

extern char **environ;

/* gnuplot's output is kept only to show it when gnuplot fails; a script
 * gone wrong could print without end, so at most this much is kept. */
#define PLOT_MAX_OUTPUT 65536

static const char *const terms[] = {"png", "svg"};

/* Appends everything readable from fd to out, up to PLOT_MAX_OUTPUT bytes;
 * the rest is read and dropped so the child never blocks on a full pipe. */
static void drain(int fd, struct strbuf *out)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        if (out->len < PLOT_MAX_OUTPUT) {
            size_t room = PLOT_MAX_OUTPUT - out->len;
            strbuf_add(out, buf, (size_t)n < room ? (size_t)n : room);
        }
    }
}

/*
 * Runs argv, argv[0] searched on PATH, with stdin from /dev/null and stdout
 * and stderr appended to 'out'. Returns 0 and stores the wait status in
 * *wstatus, or an errno value when the process could not be started (no
 * file on PATH: ENOENT or EACCES) or waited for.
 */
static int run_argv(char *const argv[], struct strbuf *out, int *wstatus)
{
    posix_spawn_file_actions_t fa;
    int fds[2];
    pid_t pid;

    if (pipe(fds) != 0)
        return errno;
    /* Only the dup2'ed copies (fds 1 and 2) may reach gnuplot, or the pipe
     * never reports end of file. */
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0) {
        rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        if (rc == 0)
            rc = posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
        if (rc == 0)
            rc = posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
        if (rc == 0)
            rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
    }
    close(fds[1]);
    if (rc == 0)
        drain(fds[0], out);
    close(fds[0]);
    if (rc != 0)
        return rc;
    while (waitpid(pid, wstatus, 0) < 0) {
        if (errno != EINTR)
            return errno;
    }
    return 0;
}

/* Describes a wait status as "exited with status N" or "was killed by signal N". */
static void describe_status(struct strbuf *sb, int wstatus)
{
    if (WIFEXITED(wstatus))
        strbuf_addf(sb, "exited with status %d", WEXITSTATUS(wstatus));
    else if (WIFSIGNALED(wstatus))
        strbuf_addf(sb, "was killed by signal %d", WTERMSIG(wstatus));
    else
        strbuf_addf(sb, "stopped with wait status %d", wstatus);
}

/*
 * Checks that 'gnuplot --version' runs. Returns 1 if it does, 0 if there is
 * no gnuplot on PATH (the shell's 126/127 included), -1 after an error
 * message on err if gnuplot is there but does not work.
 */
static int probe_gnuplot(FILE *err)
{
    char *argv[] = {"gnuplot", "--version", NULL};
    struct strbuf out;
    int wstatus = 0;
    int result;

    strbuf_init(&out);
    int rc = run_argv(argv, &out, &wstatus);
    if (rc == ENOENT || rc == EACCES || rc == ENOTDIR) {
        result = 0;
    } else if (rc != 0) {
        fprintf(err, "pullsim: error: cannot run 'gnuplot --version': %s\n", strerror(rc));
        result = -1;
    } else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
        result = 1;
    } else if (WIFEXITED(wstatus) &&
               (WEXITSTATUS(wstatus) == 126 || WEXITSTATUS(wstatus) == 127)) {
        result = 0;
    } else {
        struct strbuf msg;
        strbuf_init(&msg);
        describe_status(&msg, wstatus);
        fprintf(err, "pullsim: error: 'gnuplot --version' %s\n%s", msg.buf, out.buf);
        strbuf_release(&msg);
        result = -1;
    }
    strbuf_release(&out);
    return result;
}

/* Appends "name='value'; " as gnuplot reads it: inside single quotes only
 * the quote itself is special, and it is written twice. */
static void add_assignment(struct strbuf *sb, const char *name, const char *value)
{
    strbuf_addf(sb, "%s='", name);
    for (const char *p = value; *p; p++) {
        if (*p == '\'')
            strbuf_addc(sb, '\'');
        strbuf_addc(sb, *p);
    }
    strbuf_add(sb, "'; ", 3);
}

/* Temporary and final paths of one picture in one format. */
struct picture {
    char *tmp, *final;
};

static void picture_init(struct picture *p, const char *dir, const char *name, const char *term)
{
    p->tmp = xasprintf("%s/%s.tmp.%s", dir, name, term);
    p->final = xasprintf("%s/%s.%s", dir, name, term);
}

static void picture_release(struct picture *p)
{
    free(p->tmp);
    free(p->final);
}

/*
 * Runs plots_dir/<name>.gp once with 'params' plus out and term = terms[0]
 * and, when n == 2, svgout = the SVG's temporary file (the script renders
 * both formats from one read of its data). Each dir/<name>.tmp.<term> is
 * renamed to dir/<name>.<term> once gnuplot exits 0 and wrote it. Returns
 * 0, or -1 after a message on err with no temporary file left (a format
 * renamed before the failure stays).
 */
static int render_terms(const char *script, const char *name, const char *dir,
                        const char *params, const char *const *term, size_t n, FILE *err)
{
    struct picture pic[2];
    struct strbuf expr, out, msg;
    struct stat st;
    int wstatus = 0;
    int result = -1;

    assert(n >= 1 && n <= 2);
    for (size_t i = 0; i < n; i++)
        picture_init(&pic[i], dir, name, term[i]);
    strbuf_init(&expr);
    strbuf_init(&out);
    strbuf_init(&msg);
    strbuf_add(&expr, params, strlen(params));
    add_assignment(&expr, "out", pic[0].tmp);
    add_assignment(&expr, "term", term[0]);
    if (n == 2)
        add_assignment(&expr, "svgout", pic[1].tmp);
    /* posix_spawnp does not write through argv; the casts only drop const. */
    char *argv[] = {"gnuplot", "-d", "-e", expr.buf, (char *)script, NULL};

    int rc = run_argv(argv, &out, &wstatus);
    if (rc != 0) {
        fprintf(err, "pullsim: error: cannot run gnuplot for %s: %s\n", script, strerror(rc));
    } else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        describe_status(&msg, wstatus);
        fprintf(err, "pullsim: error: gnuplot %s %s while rendering '%s'\n%s%s", script,
                msg.buf, pic[0].final, out.buf,
                out.len && out.buf[out.len - 1] != '\n' ? "\n" : "");
    } else {
        result = 0;
        for (size_t i = 0; i < n && result == 0; i++) {
            if (stat(pic[i].tmp, &st) != 0 || st.st_size == 0) {
                fprintf(err, "pullsim: error: gnuplot %s exited with status 0 but wrote no "
                        "'%s'\n", script, pic[i].tmp);
                result = -1;
            } else if (rename(pic[i].tmp, pic[i].final) != 0) {
                fprintf(err, "pullsim: error: cannot rename '%s' to '%s': %s\n", pic[i].tmp,
                        pic[i].final, strerror(errno));
                result = -1;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (result != 0)
            (void)unlink(pic[i].tmp);
        picture_release(&pic[i]);
    }
    strbuf_release(&msg);
    strbuf_release(&out);
    strbuf_release(&expr);
    return result;
}

/* Renders <name>.png and <name>.svg into dir, in one gnuplot process where
 * the script can (versions.gp draws a multiplot, which 'replot' cannot
 * repeat: it runs once per format); 0 or -1 as render_terms. */
static int render(const char *plots_dir, const char *name, const char *dir, const char *params,
                  FILE *err)
{
    char *script = xasprintf("%s/%s.gp", plots_dir, name);
    int result = 0;
    if (strcmp(name, "versions") != 0) {
        result = render_terms(script, name, dir, params, terms, 2, err);
    } else {
        for (size_t i = 0; i < sizeof(terms) / sizeof(terms[0]) && result == 0; i++)
            result = render_terms(script, name, dir, params, &terms[i], 1, err);
    }
    free(script);
    return result;
}

/* 0 if plots_dir/<name>.gp is readable, else -1 after a message on err. */
static int check_script(const char *plots_dir, const char *name, FILE *err)
{
    char *script = xasprintf("%s/%s.gp", plots_dir, name);
    int result = 0;
    if (access(script, R_OK) != 0) {
        fprintf(err, "pullsim: error: cannot read plot script '%s': %s\n", script,
                strerror(errno));
        result = -1;
    }
    free(script);
    return result;
}

/* 0 if every argument can be passed to gnuplot, else -1 after a message. */
static int check_args(const char *plots_dir, const char *results_dir, const char *scenario_name,
                      const char *const *configs, size_t n_configs, FILE *err)
{
    const char *texts[] = {plots_dir, results_dir, scenario_name};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (strpbrk(texts[i], "\n\r")) {
            fprintf(err, "pullsim: error: cannot plot: '%s' contains a line break\n", texts[i]);
            return -1;
        }
    }
    for (size_t i = 0; i < n_configs; i++) {
        if (configs[i][0] == '\0' || strpbrk(configs[i], " \t\n\r\v\f")) {
            fprintf(err, "pullsim: error: cannot plot config '%s': a config name must be "
                    "non-empty and contain no white space\n", configs[i]);
            return -1;
        }
    }
    return 0;
}

int plot_render_run(const char *plots_dir, const char *results_dir, const char *scenario_name,
                    const char *const *configs, size_t n_configs, bool gantt, FILE *err)
{
    int found = probe_gnuplot(err);
    if (found <= 0) {
        if (found == 0)
            fprintf(err, "%s\n", PLOT_NO_GNUPLOT_WARNING);
        return found;
    }
    if (n_configs == 0)
        return 0;
    if (!plots_dir) {
        fprintf(err, "pullsim: error: cannot find the plot scripts (plots/cdf.gp in the current "
                "directory or next to the executable); set PULLSIM_PLOTS to their folder\n");
        return -1;
    }
    if (check_args(plots_dir, results_dir, scenario_name, configs, n_configs, err) != 0 ||
        check_script(plots_dir, "cdf", err) != 0 ||
        check_script(plots_dir, "throughput", err) != 0 ||
        (gantt && check_script(plots_dir, "gantt", err) != 0) ||
        (gantt && check_script(plots_dir, "backoff", err) != 0))
        return -1;

    struct strbuf params, list;
    int result;
    strbuf_init(&params);
    strbuf_init(&list);
    for (size_t i = 0; i < n_configs; i++)
        strbuf_addf(&list, "%s%s", i ? " " : "", configs[i]);
    add_assignment(&params, "resultsdir", results_dir);
    add_assignment(&params, "configs", list.buf);
    add_assignment(&params, "scenario", scenario_name);
    result = render(plots_dir, "cdf", results_dir, params.buf, err);

    /* registry.gp is checked when its turn comes, after the CDF. */
    if (result == 0)
        result = check_script(plots_dir, "registry", err);
    for (size_t i = 0; i < n_configs && result == 0; i++) {
        char *dir = xasprintf("%s/%s", results_dir, configs[i]);
        strbuf_reset(&params);
        add_assignment(&params, "datadir", dir);
        add_assignment(&params, "scenario", scenario_name);
        add_assignment(&params, "config", configs[i]);
        result = render(plots_dir, "throughput", dir, params.buf, err);
        if (result == 0)
            result = render(plots_dir, "registry", dir, params.buf, err);
        if (result == 0 && gantt)
            result = render(plots_dir, "gantt", dir, params.buf, err);
        if (result == 0 && gantt)
            result = render(plots_dir, "backoff", dir, params.buf, err);
        /* disk.csv is written only for scenarios with a disk capacity (output.c). */
        char *disk = xasprintf("%s/disk.csv", dir);
        if (result == 0 && access(disk, F_OK) == 0) {
            result = check_script(plots_dir, "disk", err);
            if (result == 0)
                result = render(plots_dir, "disk", dir, params.buf, err);
        }
        free(disk);
        /* versions.csv only for scenarios with a push event (output.c). */
        char *versions = xasprintf("%s/versions.csv", dir);
        if (result == 0 && access(versions, F_OK) == 0) {
            result = check_script(plots_dir, "versions", err);
            if (result == 0)
                result = render(plots_dir, "versions", dir, params.buf, err);
        }
        free(versions);
        free(dir);
    }
    strbuf_release(&list);
    strbuf_release(&params);
    return result;
}

/* True if dir/cdf.gp is readable. */
static bool has_scripts(const char *dir)
{
    char *path = xasprintf("%s/cdf.gp", dir);
    bool ok = access(path, R_OK) == 0;
    free(path);
    return ok;
}

/* Target of /proc/self/exe as a heap string, or NULL. */
static char *self_exe(void)
{
    for (size_t size = 256; size <= 65536; size *= 2) {
        char *buf = xmalloc(size);
        ssize_t n = readlink("/proc/self/exe", buf, size);
        if (n < 0) {
            free(buf);
            return NULL;
        }
        if ((size_t)n < size) {
            buf[n] = '\0';
            return buf;
        }
        free(buf);
    }
    return NULL;
}

/* Looks for plots next to the executable 'exe'; heap string or NULL. */
static char *beside(const char *exe)
{
    const char *slash = exe ? strrchr(exe, '/') : NULL;
    if (!slash)
        return NULL;
    static const char *const rel[] = {"/plots", "/../../plots"};
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        char *dir = xasprintf("%.*s%s", (int)(slash - exe), exe, rel[i]);
        if (has_scripts(dir))
            return dir;
        free(dir);
    }
    return NULL;
}

char *plot_find_dir(const char *argv0)
{
    const char *env = getenv("PULLSIM_PLOTS");
    if (env && *env)
        return xstrdup(env);
    if (has_scripts("plots"))
        return xstrdup("plots");
    char *exe = self_exe();
    char *dir = beside(exe);
    free(exe);
    if (!dir)
        dir = beside(argv0);
    return dir;
}

int plot_render_sweep(const char *plots_dir, const char *dir, const char *scenario_name,
                      const char *xlabel, const char *metric, const char *const *configs,
                      size_t n_configs, double bound, FILE *err)
{
    int found = probe_gnuplot(err);
    if (found <= 0) {
        if (found == 0)
            fprintf(err, "%s\n", PLOT_NO_GNUPLOT_WARNING);
        return found;
    }
    if (check_args(plots_dir, dir, scenario_name, configs, n_configs, err) != 0 ||
        strpbrk(xlabel, "\n\r") || check_script(plots_dir, "sweep", err) != 0)
        return -1;
    struct strbuf params, list;
    strbuf_init(&params);
    strbuf_init(&list);
    for (size_t i = 0; i < n_configs; i++)
        strbuf_addf(&list, "%s%s", i ? " " : "", configs[i]);
    char b[64];
    snprintf(b, sizeof(b), "%.6f", bound);
    add_assignment(&params, "datafile", dir);
    strbuf_add(&params, "datafile = datafile . '/sweep.dat'; ", 36);
    add_assignment(&params, "configs", list.buf);
    add_assignment(&params, "scenario", scenario_name);
    add_assignment(&params, "xlabel", xlabel);
    add_assignment(&params, "metric", metric);
    add_assignment(&params, "bound", b);
    int result = render(plots_dir, "sweep", dir, params.buf, err);
    strbuf_release(&list);
    strbuf_release(&params);
    return result;
}
