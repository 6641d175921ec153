/*
 * output.h - result files: CSV, JSON and the effective scenario, written
 * atomically.
 *
 * Each file is written to NAME.tmp in its folder, flushed, closed and
 * renamed over NAME [git lockfile.h], so a reader never sees half a file
 * and a failed run leaves the previous results intact. Numbers use fixed
 * printf formats in the C locale: the same run gives byte-identical files.
 * Wall time and peak memory go only to run-info.json, which the
 * determinism check skips.
 * Errors: functions return 0, or -1 after printing one message with the
 *   operation, the path and strerror(errno) to 'err' (an environment
 *   failure: exit 1).
 */
#ifndef PULLSIM_OUTPUT_H
#define PULLSIM_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "obs/metrics.h"
#include "world/world.h"

/* pullsim's version, as run-info.json and `pullsim --version` give it. */
#define PULLSIM_VERSION "0.1.0"

/* mkdir -p. */
int output_mkdirs(const char *path, FILE *err);

/* Writes pods.csv, pulls.csv, timeseries.csv, summary.json and
 * scenario.yaml of one finished run into 'dir' (created if needed). Columns
 * are only ever added at the end of a CSV row (plots and tests read them by
 * name or position); output.c lists each file's columns. */
int output_write_run(struct world *w, const struct metrics_summary *s, const char *config,
                     const char *dir, FILE *err);

/* Writes the plots' inputs of one finished run into 'dir' (which exists):
 * cdf.dat (at most 2001 CDF steps of pod ready latency) and
 * timeseries-plot.csv (timeseries.csv cut to a min/max envelope of at most
 * 2000 rows). Sizes are bounded by what a plot can show, not by N; the
 * result files keep every row. Written atomically; 0, or -1 after a
 * message on err. */
int output_write_plot_data(struct world *w, const struct metrics_summary *s, const char *dir,
                           FILE *err);

/* cdf.dat's text for s into f: "# pods N ready R", "0 0", then per bin of
 * the latency range cut into 2000 equal bins, one "latency fraction" step
 * at the bin's largest latency (exact there). */
void output_cdf_steps(const struct metrics_summary *s, FILE *f);

/* Writes run-info.json: wall seconds, peak RSS, version (not deterministic). */
int output_write_run_info(const char *dir, double wall_s, long peak_rss_kb, FILE *err);

/* What identifies a run, for run.json (rundir.h): the scenario file as
 * given, its name and seed, the configs run, the --set overrides in order,
 * the bandwidth solver and whether plots were asked for. Borrowed. */
struct output_run_id {
    const char *file;
    const char *scenario;
    uint64_t seed;
    const char *const *configs;
    size_t n_configs;
    const char *const *set_paths, *const *set_values;
    size_t n_sets;
    const char *net; /* "fast" or "exact" */
    bool plots;
};

/* run.json text (deterministic: no time, no pid), into sb. */
void output_run_json(const struct output_run_id *id, struct strbuf *sb);

/* summary.json text of one run, into sb (used by tests and by
 * output_write_run). */
void output_summary_json(const struct metrics_summary *s, const char *scenario,
                         const char *config, uint64_t seed, struct strbuf *sb);

/* Writes data[0..len) to dir/name atomically: NAME.tmp.PID in the same
 * folder, flushed, closed and renamed over NAME, so a reader never sees
 * half a file and two processes never share a temporary file. 0, or -1
 * after one message (operation, path, strerror) on 'err'. */
int output_write_file(const char *dir, const char *name, const char *data, size_t len,
                      FILE *err);

#endif
