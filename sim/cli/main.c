/*
 * main.c - the pullsim command line: arguments -> scenario -> world runs ->
 * result files and plots; exit codes.
 *
 *   pullsim run FILE [--out DIR] [--seed N] [--config NAME]... [--set PATH=VALUE]...
 *               [--net fast|exact] [--trace FILE] [--no-plots] [--quiet] [--format table|json]
 *   pullsim run FILE ... --replications N | --seeds A..B | --sweep PATH=VALUES ...
 *               (an experiment: cli/expcmd.h)
 *   pullsim sweep FILE ...   (the same, always an experiment)
 *   pullsim collect DIR
 *   pullsim validate FILE [--set PATH=VALUE]...
 *   pullsim ref [--json] REF...
 *
 * Exit status: 0 success; 2 bad user input (scenario, arguments), with
 * nothing written; 1 environment failure (I/O, gnuplot failing, another
 * run writing the same folder); killed by SIGINT, SIGTERM or SIGHUP (130,
 * 143, 129 in a shell) after removing its temporary files. A run's files
 * appear together or not at all (obs/rundir.h). A run the horizon cut
 * short still exits 0, with a warning on stderr and
 * "horizon": {"cutShort": true} in summary.json.
 * The wall clock read here goes only to run-info.json, never into the model.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "base/base.h"
#include "base/diag.h"
#include "cli/configs.h"
#include "cli/expcmd.h"
#include "cli/refcmd.h"
#include "exp/headline.h"
#include "obs/metrics.h"
#include "obs/output.h"
#include "obs/plot.h"
#include "obs/report.h"
#include "obs/rundir.h"
#include "obs/trace.h"
#include "spec/scenario.h"
#include "world/world.h"

/* Nodes at most for which a per-node Gantt chart is drawn. */
#define GANTT_MAX_NODES 20

struct options {
    const char *file;
    const char *out;
    bool has_seed;
    uint64_t seed;
    const char **configs;
    size_t n_configs, cap_configs;
    struct scenario_override *sets;
    size_t n_sets, cap_sets;
    bool no_plots;
    bool quiet;
    enum net_model net;
    const char *trace;   /* --trace FILE */
    const char *trace_format; /* --trace-format text|jsonl; NULL: by the file name */
    const char *trace_pod;    /* --trace-pod NAME */
    int report;          /* --report 1, --no-report 0, else -1: with the plots */
    enum headline_format format; /* --format */
};

static void usage(FILE *f)
{
    fprintf(f, "usage: pullsim run FILE [OPTION]...\n"
               "       pullsim run FILE [--replications N | --seeds LIST] [--sweep PATH=VALUES]...\n"
               "                   [--jobs N] [--bound 'METRIC<=VALUE'] [--emit parallel|slurm]\n"
               "                   [--run-index K] [--detail] (see README \"Experiments\")\n"
               "       pullsim collect DIR\n"
               "       pullsim validate FILE [--set PATH=VALUE]...\n"
               "       pullsim ref [--json] REF...\n"
               "\n"
               "run simulates FILE once per kubelet config and writes results/<scenario>/.\n"
               "  --out DIR            write results to DIR/<config>/ instead\n"
               "  --seed N             replace the scenario's seed (0 to 2^64-1)\n"
               "  --config NAME        run only this kubeletConfigs entry (repeatable)\n"
               "  --set PATH=VALUE     override a value before validation; VALUE is YAML:\n"
               "                       nodePools[0].count=1000, registries[0].outages=[]\n"
               "  --net fast|exact     bandwidth solver (same results; exact is the reference)\n"
               "  --trace FILE         write the teaching trace (kubectl describe events,\n"
               "                       STATUS, why, registry down/up) to FILE\n"
               "  --trace-format F     text (default) or jsonl (default for a .jsonl FILE)\n"
               "  --trace-pod NAME     trace only pod NAME (e.g. web-3) and the registries\n"
               "  --report             write report.html even with --no-plots\n"
               "  --no-report          do not write report.html\n"
               "  --no-plots           write the data only (no gnuplot, no report)\n"
               "  --quiet              print no summary table\n"
               "  --format table|json  the summary on stdout as a table (default) or JSON\n"
               "Every option also takes the form --option=value.\n"
               "With --replications, --seeds or --sweep (or an experiment section) run is an\n"
               "experiment; collect DIR gathers its runs (see README \"Experiments\").\n"
               "validate checks FILE (and --set overrides) without running it.\n"
               "ref shows how the kubelet and containerd read image references.\n"
               "Exit status: 0 ok, 2 bad input (nothing written), 1 environment failure.\n");
}

/* What parse_options returns besides 0 and 2: --help was given and the
 * usage printed; the command ends with status 0. */
#define OPTIONS_HELP (-1)

static int parse_option(int argc, char **argv, int *ip, const char *name, bool run,
                        struct options *o);

/* Parses options after the subcommand; returns 0, OPTIONS_HELP, or 2 after
 * a message. */
static int parse_options(int argc, char **argv, bool run, struct options *o)
{
    for (int i = 2; i < argc; i++) {
        /* --option=value is --option value. */
        char *eqv = argv[i][0] == '-' && argv[i][1] == '-' ? strchr(argv[i], '=') : NULL;
        char *name = eqv ? xstrndup(argv[i], (size_t)(eqv - argv[i])) : NULL;
        if (eqv) {
            argv[i] = eqv + 1;
            i--;
        }
        int rc = parse_option(argc, argv, &i, name, run, o);
        free(name);
        if (rc != 0)
            return rc;
    }
    if (!o->file) {
        fprintf(stderr, "pullsim: error: no scenario file given\n");
        usage(stderr);
        return 2;
    }
    return 0;
}

/* One option at argv[*i] (or 'name', whose value is argv[*i + 1]); moves *i
 * past its value. 0, OPTIONS_HELP, or 2 after a message. */
static int parse_option(int argc, char **argv, int *ip, const char *name, bool run,
                        struct options *o)
{
    int i = *ip;
    {
        const char *a = name ? name : argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return OPTIONS_HELP;
        } else if (run && strcmp(a, "--out") == 0 && has_value) {
            o->out = argv[++i];
        } else if (run && strcmp(a, "--seed") == 0 && has_value) {
            if (base_parse_u64(argv[++i], &o->seed) != 0) {
                fprintf(stderr, "pullsim: error: --seed: '%s' is not a seed; expected an "
                                "integer from 0 to 18446744073709551615\n", argv[i]);
                return 2;
            }
            o->has_seed = true;
        } else if (run && strcmp(a, "--config") == 0 && has_value) {
            *(const char **)VEC_PUSH(o->configs, o->n_configs, o->cap_configs) = argv[++i];
        } else if (strcmp(a, "--set") == 0 && has_value) {
            const char *kv = argv[++i];
            const char *eq = strchr(kv, '=');
            if (!eq || eq == kv) {
                fprintf(stderr, "pullsim: error: --set: '%s' is not PATH=VALUE; expected e.g. "
                                "nodePools[0].count=1000\n", kv);
                return 2;
            }
            struct scenario_override *s = VEC_PUSH(o->sets, o->n_sets, o->cap_sets);
            s->path = xstrndup(kv, (size_t)(eq - kv));
            s->value = eq + 1;
        } else if (run && strcmp(a, "--net") == 0 && has_value) {
            const char *m = argv[++i];
            if (strcmp(m, "fast") == 0) {
                o->net = NET_MODEL_AUTO;
            } else if (strcmp(m, "exact") == 0) {
                o->net = NET_MODEL_EXACT;
            } else {
                fprintf(stderr, "pullsim: error: --net: '%s' is not a bandwidth solver; "
                                "expected fast or exact\n", m);
                return 2;
            }
        } else if (run && strcmp(a, "--trace") == 0 && has_value) {
            o->trace = argv[++i];
        } else if (run && strcmp(a, "--trace-format") == 0 && has_value) {
            enum trace_format f;
            o->trace_format = argv[++i];
            if (trace_format_for(o->trace_format, "", &f) != 0) {
                fprintf(stderr, "pullsim: error: --trace-format: '%s' is not a trace form; "
                                "expected text or jsonl\n", o->trace_format);
                return 2;
            }
        } else if (run && strcmp(a, "--trace-pod") == 0 && has_value) {
            o->trace_pod = argv[++i];
        } else if (run && strcmp(a, "--report") == 0 && !name) {
            o->report = 1;
        } else if (run && strcmp(a, "--no-report") == 0 && !name) {
            o->report = 0;
        } else if (run && strcmp(a, "--no-plots") == 0 && !name) {
            o->no_plots = true;
        } else if (run && strcmp(a, "--quiet") == 0 && !name) {
            o->quiet = true;
        } else if (run && strcmp(a, "--format") == 0 && has_value) {
            if (headline_parse_format(argv[++i], &o->format) != 0) {
                fprintf(stderr, "pullsim: error: --format: '%s' is not a format; expected "
                                "table or json\n", argv[i]);
                return 2;
            }
        } else if (name || (a[0] == '-' && a[1] != '\0')) {
            fprintf(stderr, "pullsim: error: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (!o->file) {
            o->file = a;
        } else {
            fprintf(stderr, "pullsim: error: unexpected argument '%s'; one scenario file "
                            "per run\n", a);
            return 2;
        }
    }
    *ip = i;
    return 0;
}

static void release_options(struct options *o)
{
    for (size_t i = 0; i < o->n_sets; i++)
        free((char *)o->sets[i].path);
    free(o->sets);
    free(o->configs);
}

/* The kubelet configs to run: --config names, else every named config, else
 * the upstream defaults as "default". Returns 0, or 2 after a message. */
static int pick_configs(const struct scenario *sc, const struct options *o,
                        const struct scenario_kubelet ***out, size_t *n_out)
{
    const struct scenario_kubelet **list = xcalloc(sc->n_kubelet_configs + o->n_configs + 1,
                                                   sizeof(*list));
    long n = cli_select_configs(sc, o->configs, o->n_configs, list);
    if (n < 0) {
        free(list);
        return 2;
    }
    *out = list;
    *n_out = (size_t)n;
    return 0;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* Runs one config and writes its results. Returns 0 or 1. */
static int run_config(const struct scenario *sc, const struct scenario_kubelet *cfg,
                      const char *name, const char *outdir, const struct options *o,
                      struct trace *trace, struct report *report, bool first)
{
    double t0 = wall_seconds();
    struct world *w = world_new(sc, cfg, o->net);
    if (trace) {
        trace_begin(trace, sc, name);
        trace_subscribe(trace, world_kubelet_events(w));
    }
    if (report)
        report_watch(report, world_kubelet_events(w));
    world_run(w);
    struct metrics_summary s;
    metrics_summarize(w, &s);
    if (trace)
        trace_end(trace, s.end_time);
    if (report)
        report_add_run(report, name, &s, w);
    char *dir = xasprintf("%s/%s", outdir, name);
    int rc = output_write_run(w, &s, name, dir, stderr);
    if (rc == 0 && !o->no_plots)
        rc = output_write_plot_data(w, &s, dir, stderr);
    if (rc == 0)
        rc = output_write_run_info(dir, wall_seconds() - t0, peak_rss_kb(), stderr);
    if (rc == 0 && !o->quiet)
        headline_row(stdout, o->format, first, sc->name, sc->seed, name, &s);
    if (rc == 0)
        headline_warn_horizon(stderr, name, &s);
    free(dir);
    metrics_release(&s);
    world_free(w);
    return rc == 0 ? 0 : 1;
}

/* run.json: which run the folder holds (rundir.h). Caller frees. */
static char *run_json(const struct scenario *sc, const struct options *o,
                      const char *const *names, size_t n)
{
    const char **paths = xcalloc(o->n_sets + 1, sizeof(*paths));
    const char **values = xcalloc(o->n_sets + 1, sizeof(*values));
    for (size_t i = 0; i < o->n_sets; i++) {
        paths[i] = o->sets[i].path;
        values[i] = o->sets[i].value;
    }
    struct output_run_id id = {o->file, sc->name, sc->seed, names, n, paths, values,
                               o->n_sets, o->net == NET_MODEL_EXACT ? "exact" : "fast",
                               !o->no_plots};
    struct strbuf sb;
    strbuf_init(&sb);
    output_run_json(&id, &sb);
    free(paths);
    free(values);
    return strbuf_detach(&sb);
}

/* Draws the plots; *drawn says whether gnuplot ran (it may be absent). */
static int render(const struct scenario *sc, const char *outdir, const char *const *names,
                  size_t n, const char *argv0, bool *drawn)
{
    char *plots = plot_find_dir(argv0);
    if (!plots) {
        fprintf(stderr, "pullsim: warning: plot scripts (plots/cdf.gp) not found; data "
                        "written, plots skipped (set PULLSIM_PLOTS)\n");
        return 0;
    }
    size_t nodes = 0;
    for (size_t i = 0; i < sc->n_pools; i++)
        nodes += sc->pools[i].count;
    int rc = plot_render_run(plots, outdir, sc->name, names, n, nodes <= GANTT_MAX_NODES,
                             stderr);
    free(plots);
    char *cdf = xasprintf("%s/cdf.svg", outdir);
    FILE *f = fopen(cdf, "r");
    *drawn = f != NULL;
    if (f)
        fclose(f);
    free(cdf);
    return rc == 0 ? 0 : 1;
}

static int cmd_run(int argc, char **argv)
{
    struct options o = {.report = -1};
    int rc = parse_options(argc, argv, true, &o);
    if (rc == OPTIONS_HELP) {
        release_options(&o);
        return 0;
    }
    struct scenario *sc = NULL;
    const struct scenario_kubelet **cfgs = NULL;
    const char **names = NULL;
    char *outdir = NULL;
    size_t n = 0;
    struct scenario_kubelet defaults;
    struct trace *trace = NULL;
    struct report *report = NULL;
    struct rundir *rd = NULL;
    char *marker = NULL;
    if (rc != 0)
        goto out;
    rundir_signals_install();
    rc = 2;
    if (!(sc = cli_load_scenario(o.file, o.sets, o.n_sets, o.has_seed, o.seed)))
        goto out;
    /* A file with an experiment section runs as an experiment (cli/expcmd.h). */
    if (sc->experiment.present) {
        rc = expcmd_run(argc - 1, argv + 1);
        goto out;
    }
    if (pick_configs(sc, &o, &cfgs, &n) != 0)
        goto out;
    scenario_kubelet_defaults(&defaults);
    if (n == 0) {
        cfgs[n++] = &defaults;
    }
    names = xcalloc(n, sizeof(*names));
    for (size_t i = 0; i < n; i++)
        names[i] = cfgs[i]->name ? cfgs[i]->name : "default";
    outdir = o.out ? xstrdup(o.out) : xasprintf("results/%s", sc->name);
    /* The trace file first: a path that cannot be written stops the run
     * before anything is printed or written. */
    rc = 0;
    enum trace_format tf = TRACE_TEXT;
    if (o.trace)
        trace_format_for(o.trace_format, o.trace, &tf);
    if (o.trace && !(trace = trace_open(o.trace, tf, stderr)))
        rc = 1;
    if (trace && o.trace_pod)
        trace_filter_pod(trace, o.trace_pod);
    if (trace)
        rundir_track_file(trace_tmp_path(trace));
    /* Every file goes to the staging folder; the target changes only at
     * the commit, all at once. */
    if (rc == 0 && !(rd = rundir_open(outdir, stderr, &rc)) && rc == 0)
        rc = 1;
    if (rc == 0 && !o.quiet)
        headline_begin(stdout, o.format, sc->name, sc->seed, outdir);
    /* report.html: with the plots unless --no-report, or alone with --report. */
    if (o.report == 1 || (o.report != 0 && !o.no_plots))
        report = report_new(sc, o.trace_pod);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = run_config(sc, cfgs[i], names[i], rundir_path(rd), &o, trace, report, i == 0);
    if (rc == 0 && !o.quiet)
        headline_end(stdout, o.format);
    bool drawn = false;
    if (rc == 0 && !o.no_plots)
        rc = render(sc, rundir_path(rd), names, n, argv[0], &drawn);
    if (rc == 0 && report)
        rc = report_write(report, rundir_path(rd), drawn, stderr) == 0 ? 0 : 1;
    if (rc == 0) {
        marker = run_json(sc, &o, names, n);
        rc = rundir_commit(rd, marker, stderr) == 0 ? 0 : 1;
    }
    if (trace) {
        if (rc == 0)
            rc = trace_close(trace, stderr) == 0 ? 0 : 1;
        else
            trace_abort(trace);
        rundir_track_file(NULL);
    }
out:
    report_free(report);
    rundir_free(rd);
    free(marker);
    free(outdir);
    free(names);
    free(cfgs);
    scenario_free(sc);
    release_options(&o);
    return rc;
}

static int cmd_validate(int argc, char **argv)
{
    struct options o = {0};
    int rc = parse_options(argc, argv, false, &o);
    if (rc == OPTIONS_HELP) {
        release_options(&o);
        return 0;
    }
    if (rc == 0) {
        struct scenario *sc = cli_load_scenario(o.file, o.sets, o.n_sets, o.has_seed, o.seed);
        rc = sc ? 0 : 2;
        if (sc)
            printf("%s: ok\n", o.file);
        scenario_free(sc);
    }
    release_options(&o);
    return rc;
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; pullsim checks what it passes instead. */
    gsl_set_error_handler_off();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "run") == 0 && expcmd_wanted(argc - 1, argv + 1))
        return expcmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(argc, argv);
    if (strcmp(argv[1], "sweep") == 0)
        return expcmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "collect") == 0)
        return expcmd_collect(argc - 1, argv + 1);
    if (strcmp(argv[1], "validate") == 0)
        return cmd_validate(argc, argv);
    if (strcmp(argv[1], "ref") == 0)
        return refcmd_main(argc - 1, argv + 1, stdout, stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("pullsim %s\n", PULLSIM_VERSION);
        return 0;
    }
    fprintf(stderr, "pullsim: error: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
