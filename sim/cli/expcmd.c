/* expcmd.c - see expcmd.h. */
#include "cli/expcmd.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "base/diag.h"
#include "cli/configs.h"
#include "exp/collect.h"
#include "exp/emit.h"
#include "exp/files.h"
#include "exp/jobs.h"
#include "exp/plan.h"
#include "exp/runone.h"
#include "exp/summary.h"
#include "obs/output.h"
#include "obs/plot.h"
#include "spec/scenario.h"

struct xopts {
    const char *file, *out;
    bool has_seed;
    uint64_t seed;
    const char **configs;
    size_t n_configs, cap_configs;
    struct scenario_override *sets;
    size_t n_sets, cap_sets;
    const char **sweeps;
    size_t n_sweeps, cap_sweeps;
    enum net_model net;
    bool no_plots, quiet, detail;
    size_t reps;             /* --replications; 0 = not given */
    const char *seeds;       /* --seeds LIST */
    size_t jobs;             /* --jobs; 0 = not given */
    bool has_run_index;
    size_t run_index;
    const char *emit;        /* parallel | slurm */
    const char *bound;
    /* The plan's arguments: every argument but --out, --jobs, --emit,
     * --run-index and --quiet, which only say where and how to run it. */
    const char **args;
    size_t n_args, cap_args;
};

static const char *const exp_flags[] = {"--replications", "--seeds", "--sweep", "--jobs",
                                        "--run-index", "--emit", "--bound", "--detail"};

bool expcmd_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        for (size_t f = 0; f < sizeof(exp_flags) / sizeof(exp_flags[0]); f++)
            if (strcmp(argv[i], exp_flags[f]) == 0)
                return true;
    return false;
}

static void release(struct xopts *o)
{
    for (size_t i = 0; i < o->n_sets; i++)
        free((char *)o->sets[i].path);
    free(o->sets);
    free(o->configs);
    free(o->sweeps);
    free(o->args);
}

static int bad(const char *fmt, const char *what)
{
    fprintf(stderr, "pullsim: error: ");
    fprintf(stderr, fmt, what);
    fputc('\n', stderr);
    return 2;
}

/* A count >= 1 (--replications, --jobs) or an index >= 0 (--run-index). */
static int parse_size(const char *s, size_t min, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *s == '-' || *s == '+' || errno || *end || v < min || v > EXP_MAX_RUNS)
        return -1;
    *out = (size_t)v;
    return 0;
}

static void keep(struct xopts *o, const char *a)
{
    *(const char **)VEC_PUSH(o->args, o->n_args, o->cap_args) = a;
}

/* One option with its value at argv[i + 1]; returns 0, 1 (not an option
 * taking a value here) or 2 after a message. */
static int option_with_value(struct xopts *o, const char *a, const char *v)
{
    if (strcmp(a, "--out") == 0) {
        o->out = v;
        return 0;
    }
    if (strcmp(a, "--jobs") == 0)
        return parse_size(v, 1, &o->jobs) == 0 ? 0 : bad("--jobs: '%s' is not a process "
                                                         "count; expected 1 to 1000000", v);
    if (strcmp(a, "--run-index") == 0) {
        o->has_run_index = true;
        return parse_size(v, 0, &o->run_index) == 0 ? 0 : bad("--run-index: '%s' is not a run "
                                                              "index; expected 0 or more", v);
    }
    if (strcmp(a, "--emit") == 0) {
        o->emit = v;
        return strcmp(v, "parallel") == 0 || strcmp(v, "slurm") == 0
                   ? 0 : bad("--emit: '%s' is not a job engine; expected parallel or slurm", v);
    }
    if (strcmp(a, "--seed") == 0) {
        char *end;
        errno = 0;
        o->seed = strtoull(v, &end, 10);
        o->has_seed = true;
        return *v && *v != '-' && *v != '+' && !errno && !*end
                   ? 0 : bad("--seed: '%s' is not a seed; expected an integer from 0 to "
                             "18446744073709551615", v);
    }
    if (strcmp(a, "--config") == 0) {
        *(const char **)VEC_PUSH(o->configs, o->n_configs, o->cap_configs) = v;
    } else if (strcmp(a, "--set") == 0) {
        const char *eq = strchr(v, '=');
        if (!eq || eq == v)
            return bad("--set: '%s' is not PATH=VALUE; expected e.g. nodePools[0].count=1000", v);
        struct scenario_override *s = VEC_PUSH(o->sets, o->n_sets, o->cap_sets);
        s->path = xstrndup(v, (size_t)(eq - v));
        s->value = eq + 1;
    } else if (strcmp(a, "--sweep") == 0) {
        *(const char **)VEC_PUSH(o->sweeps, o->n_sweeps, o->cap_sweeps) = v;
    } else if (strcmp(a, "--net") == 0) {
        if (strcmp(v, "fast") != 0 && strcmp(v, "exact") != 0)
            return bad("--net: '%s' is not a bandwidth solver; expected fast or exact", v);
        o->net = strcmp(v, "fast") == 0 ? NET_MODEL_AUTO : NET_MODEL_EXACT;
    } else if (strcmp(a, "--replications") == 0) {
        if (parse_size(v, 1, &o->reps) != 0)
            return bad("--replications: '%s' is not a count; expected 1 to 10000", v);
    } else if (strcmp(a, "--seeds") == 0) {
        o->seeds = v;
    } else if (strcmp(a, "--bound") == 0) {
        o->bound = v;
    } else {
        return 1;
    }
    return 0;
}

/* What parse() returns after printing the usage for --help (status 0). */
#define OPT_HELP (-1)

/* Parses argv[1..] (argv[0] = "run"); returns 0, OPT_HELP, or 2 after a message. */
static int parse(int argc, char **argv, struct xopts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool plan = strcmp(a, "--out") && strcmp(a, "--jobs") && strcmp(a, "--emit") &&
                    strcmp(a, "--run-index");
        int rc = i + 1 < argc ? option_with_value(o, a, argv[i + 1]) : 1;
        if (rc == 2)
            return 2;
        if (rc == 0) {
            if (plan) {
                keep(o, a);
                keep(o, argv[i + 1]);
            }
            i++;
        } else if (strcmp(a, "--no-plots") == 0 || strcmp(a, "--detail") == 0) {
            o->no_plots |= a[2] == 'n';
            o->detail |= a[2] == 'd';
            keep(o, a);
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: pullsim run FILE [--set PATH=VALUE]... [--config NAME]... "
                   "[--seed N] [--net fast|exact]\n"
                   "           [--replications N | --seeds LIST] [--sweep PATH=VALUES]... "
                   "[--bound 'METRIC<=VALUE']\n"
                   "           [--jobs N | --emit parallel|slurm | --run-index K] [--detail] "
                   "[--out DIR] [--no-plots] [--quiet]\n"
                   "       pullsim collect DIR\n"
                   "VALUES: v1,v2,... | A..B | A..B+STEP | A..B*FACTOR (README \"Experiments\")\n");
            return OPT_HELP;
        } else if (a[0] == '-' && a[1] != '\0') {
            return bad("unknown or incomplete option '%s' (with an experiment: pullsim run "
                       "--help)", a);
        } else if (!o->file) {
            o->file = a;
            keep(o, a);
        } else {
            return bad("unexpected argument '%s'; one scenario file per experiment", a);
        }
    }
    if (!o->file)
        return bad("%s", "no scenario file given");
    if (o->reps && o->seeds)
        return bad("%s", "--replications and --seeds: give one of them");
    if ((o->jobs != 0) + (o->emit != NULL) + o->has_run_index > 1)
        return bad("%s", "--jobs, --emit and --run-index: give at most one of them");
    for (size_t i = 0; i < o->n_args; i++)
        if (strchr(o->args[i], '\n'))
            return bad("argument '%s' contains a line break", o->args[i]);
    return 0;
}

/* Configs: --config names, else every named config, else "default". */
static int plan_configs(const struct scenario *sc, const struct xopts *o, struct exp_plan *p)
{
    const struct scenario_kubelet **list = xcalloc(sc->n_kubelet_configs + o->n_configs + 1,
                                                   sizeof(*list));
    long n = cli_select_configs(sc, o->configs, o->n_configs, list);
    for (long i = 0; i < n; i++)
        exp_plan_add_config(p, list[i]->name);
    free(list);
    if (n < 0)
        return 2;
    if (p->n_configs == 0)
        exp_plan_add_config(p, "default");
    return 0;
}

/* An error at a location of the scenario's experiment section. */
static int bad_at(struct diag_loc at, const char *key, const char *msg)
{
    fprintf(stderr, "%s:%u:%u: error: %s: %s\n", at.file, at.line, at.col, key, msg);
    return 2;
}

/* Sweeps: --sweep, else the file's experiment.sweep. */
static int plan_sweeps(const struct scenario *sc, const struct xopts *o, struct exp_plan *p)
{
    char msg[512];
    for (size_t i = 0; i < o->n_sweeps; i++)
        if (exp_plan_add_sweep(p, o->sweeps[i], msg, sizeof(msg)) != 0)
            return bad("--sweep: %s", msg);
    const struct scenario_experiment *e = &sc->experiment;
    for (size_t i = 0; o->n_sweeps == 0 && i < e->n_sweeps; i++) {
        char *text = xasprintf("%s=%s", e->sweeps[i].path, e->sweeps[i].values);
        int rc = exp_plan_add_sweep(p, text, msg, sizeof(msg));
        free(text);
        if (rc != 0)
            return bad_at(e->sweeps[i].loc, "values", msg);
    }
    return 0;
}

/* Replications: --replications or --seeds, else the file's. */
static int plan_seeds(const struct scenario *sc, const struct xopts *o, struct exp_plan *p)
{
    char msg[512];
    const struct scenario_experiment *e = &sc->experiment;
    bool cli = o->reps || o->seeds;
    size_t n = cli ? o->reps : e->replications;
    const char *seeds = cli ? o->seeds : e->seeds;
    if (exp_plan_set_seeds(p, n ? n : 1, sc->seed, seeds, msg, sizeof(msg)) == 0)
        return 0;
    return cli ? bad("--seeds: %s", msg) : bad_at(e->seeds_loc, "seeds", msg);
}

/* The plan of 'o' on scenario 'sc'; returns 0 or 2 after a message. */
static int make_plan(const struct scenario *sc, const struct xopts *o, struct exp_plan *p,
                     struct exp_bound *bound)
{
    char msg[512];
    if (plan_configs(sc, o, p) != 0 || plan_sweeps(sc, o, p) != 0 || plan_seeds(sc, o, p) != 0)
        return 2;
    if (exp_plan_finish(p, msg, sizeof(msg)) != 0)
        return bad("%s", msg);
    *bound = (struct exp_bound){0};
    const char *btext = o->bound ? o->bound : sc->experiment.bound;
    if (btext && exp_bound_parse(btext, bound, msg, sizeof(msg)) != 0)
        return o->bound ? bad("--bound: %s", msg) : bad_at(sc->experiment.bound_loc, "bound",
                                                           msg);
    if (btext && p->n_axes != 1)
        fprintf(stderr, "pullsim: warning: bound: the capacity answer needs exactly one "
                        "swept path; the bound only picks the plotted metric\n");
    return 0;
}

/* Loads one run of every point, so bad swept values stop the experiment
 * before anything is written. Returns 0 or 2. */
static int check_points(const struct exp_setup *su, const struct exp_plan *p)
{
    for (size_t pt = 0; pt < p->n_points; pt++) {
        struct scenario *sc = exp_load_run(su, p, pt * p->n_reps * p->n_configs, stderr);
        if (!sc)
            return 2;
        scenario_free(sc);
    }
    return 0;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Progress on stderr: runs done / total, elapsed, estimate. */
struct progress {
    bool on;
    size_t total;
    double t0;
};

static void progress_show(void *arg, size_t done)
{
    struct progress *pr = arg;
    if (!pr->on)
        return;
    double el = wall_seconds() - pr->t0;
    double left = done ? el / (double)done * (double)(pr->total - done) : 0;
    fprintf(stderr, "\rpullsim: %zu/%zu runs, %.1f s elapsed, ~%.0f s left   %s", done,
            pr->total, el, left, done == pr->total ? "\n" : "");
    fflush(stderr);
}

/* The absolute path of this binary and of the current folder. */
static int where(char *exe, char *cwd)
{
    ssize_t n = readlink("/proc/self/exe", exe, PATH_MAX - 1);
    if (n <= 0 || !getcwd(cwd, PATH_MAX)) {
        fprintf(stderr, "pullsim: cannot find this program's path or the current folder: %s\n",
                strerror(errno));
        return 1;
    }
    exe[n] = '\0';
    return 0;
}

/* plan.args: refuses a folder that holds another experiment. */
static int write_plan(const struct xopts *o, const char *out)
{
    struct strbuf sb;
    strbuf_init(&sb);
    for (size_t i = 0; i < o->n_args; i++)
        strbuf_addf(&sb, "%s\n", o->args[i]);
    char *path = xasprintf("%s/plan.args", out);
    char *old = exp_read_file(path, stderr);
    int rc = 0;
    if (old && strcmp(old, sb.buf) != 0) {
        fprintf(stderr, "pullsim: error: '%s' holds another experiment (its plan.args differs); "
                        "choose another --out or remove the folder\n", out);
        rc = 2;
    }
    if (rc == 0)
        rc = output_mkdirs(out, stderr) == 0 &&
             output_write_file(out, "plan.args", sb.buf, sb.len, stderr) == 0 ? 0 : 1;
    free(old);
    free(path);
    strbuf_release(&sb);
    return rc;
}

static int emit(const struct xopts *o, const struct exp_plan *p, const struct exp_jobspec *j)
{
    struct strbuf sb;
    strbuf_init(&sb);
    bool slurm = strcmp(o->emit, "slurm") == 0;
    char *logs = xasprintf("%s/slurm", j->out);
    int rc = 0;
    if (slurm) {
        exp_emit_slurm(j, p->n_runs, &sb);
        rc = output_mkdirs(logs, stderr) == 0 &&
             output_write_file(j->out, "slurm.sh", sb.buf, sb.len, stderr) == 0 ? 0 : 1;
    } else {
        exp_emit_joblist(j, NULL, p->n_runs, &sb);
        rc = output_write_file(j->out, "jobs.txt", sb.buf, sb.len, stderr) == 0 ? 0 : 1;
    }
    if (rc == 0 && !o->quiet)
        printf(slurm ? "pullsim: %zu runs: sbatch %s/slurm.sh; then pullsim collect %s\n"
                     : "pullsim: %zu runs: parallel < %s/jobs.txt; then pullsim collect %s\n",
               p->n_runs, j->out, j->out);
    free(logs);
    strbuf_release(&sb);
    return rc;
}

struct child {
    const struct exp_setup *su;
    const struct exp_plan *p;
};

static int run_in_child(void *arg, size_t k)
{
    const struct child *c = arg;
    return exp_run_one(c->su, c->p, k, stderr);
}

/* Runs every run, in this process (--jobs 1) or in N. */
static int run_all(const struct xopts *o, const struct exp_setup *su, const struct exp_plan *p)
{
    struct progress pr = {.on = !o->quiet && isatty(STDERR_FILENO), .total = p->n_runs,
                          .t0 = wall_seconds()};
    size_t jobs = o->jobs ? o->jobs : 1;
    if (jobs == 1) {
        for (size_t k = 0; k < p->n_runs; k++) {
            int rc = exp_run_one(su, p, k, stderr);
            if (rc != 0)
                return rc;
            progress_show(&pr, k + 1);
        }
        return 0;
    }
    size_t *all = xcalloc(p->n_runs, sizeof(*all));
    for (size_t k = 0; k < p->n_runs; k++)
        all[k] = k;
    struct child c = {.su = su, .p = p};
    int rc = exp_jobs_run(run_in_child, &c, all, p->n_runs, jobs, progress_show, &pr, stderr);
    free(all);
    return rc;
}

/* Everything after parsing: plan, then one of run-index / emit / run all,
 * then collect. 'collect_only' is `pullsim collect`. */
static int execute(struct xopts *o, const char *argv0, bool collect_only)
{
    struct scenario *sc = cli_load_scenario(o->file, o->sets, o->n_sets, o->has_seed, o->seed);
    if (!sc)
        return 2;
    struct exp_plan p;
    struct exp_bound bound;
    exp_plan_init(&p);
    char *out = o->out ? xstrdup(o->out) : xasprintf("results/%s-exp", sc->name);
    keep(o, "--out");
    keep(o, out);
    struct exp_setup su = {.file = o->file, .sets = o->sets, .n_sets = o->n_sets,
                           .net = o->net, .detail = o->detail, .out = out};
    char *exe = xcalloc(2, PATH_MAX), *cwd = exe + PATH_MAX;
    struct exp_jobspec j = {.exe = exe, .cwd = cwd, .args = o->args, .n_args = o->n_args,
                            .out = out, .name = sc->name};
    int rc = make_plan(sc, o, &p, &bound);
    if (rc == 0 && o->has_run_index && o->run_index >= p.n_runs)
        rc = bad("--run-index: %s is beyond the plan's last run", "the index");
    if (rc == 0 && o->has_run_index) {
        rc = exp_run_one(&su, &p, o->run_index, stderr);
        goto done;
    }
    if (rc == 0)
        rc = where(exe, cwd);
    if (rc == 0 && !collect_only)
        rc = check_points(&su, &p);
    if (rc == 0 && !collect_only)
        rc = write_plan(o, out);
    if (rc == 0 && o->emit) {
        rc = emit(o, &p, &j);
        goto done;
    }
    if (rc == 0 && !collect_only)
        rc = run_all(o, &su, &p);
    char *plots = rc == 0 && !o->no_plots ? plot_find_dir(argv0) : NULL;
    struct exp_collect_opts co = {.out = out, .scenario = sc->name, .bound = bound,
                                  .jobs = &j, .plots_dir = plots,
                                  .text = o->quiet ? NULL : stdout};
    if (rc == 0)
        rc = exp_collect(&p, &co, stderr);
    free(plots);
done:
    free(exe);
    free(out);
    exp_plan_release(&p);
    scenario_free(sc);
    return rc;
}

int expcmd_run(int argc, char **argv)
{
    struct xopts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc == 0)
        rc = execute(&o, argv[0], false);
    release(&o);
    return rc == OPT_HELP ? 0 : rc;
}

int expcmd_collect(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: pullsim collect DIR\n");
        return 2;
    }
    char *path = xasprintf("%s/plan.args", argv[1]);
    char *text = exp_read_file(path, stderr);
    if (!text) {
        fprintf(stderr, "pullsim: error: '%s' is not an experiment folder (no readable "
                        "plan.args)\n", argv[1]);
        free(path);
        return 2;
    }
    /* plan.args holds "--out DIR"; collect reads the DIR it is given instead. */
    char **av = NULL;
    size_t n = 0, cap = 0;
    *(char **)VEC_PUSH(av, n, cap) = (char *)"run";
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = '\0';
        *(char **)VEC_PUSH(av, n, cap) = line;
    }
    struct xopts o = {0};
    int rc = parse((int)n, av, &o);
    rc = rc == OPT_HELP ? 2 : rc;
    o.out = argv[1];
    if (rc == 0)
        rc = execute(&o, argv[0], true);
    release(&o);
    free(av);
    free(text);
    free(path);
    return rc;
}
