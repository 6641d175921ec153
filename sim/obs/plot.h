/*
 * plot.h - renders a run's result files to PNG and SVG with gnuplot.
 *
 * Runs the scripts of the plots/ folder (cdf.gp, throughput.gp,
 * registry.gp, gantt.gp, backoff.gp, disk.gp, versions.gp),
 * one gnuplot process per picture (PNG, then SVG through 'replot'; versions.gp,
 * a multiplot, once per format), with the parameters passed as gnuplot
 * string assignments in a '-e' argument. gnuplot is started from an argv
 * array found on PATH, never through a shell, and with '-d' so no user
 * init file changes the pictures. This module reads no result file itself:
 * the scripts do (their headers give the columns they use). cdf.gp,
 * throughput.gp and registry.gp read the plot inputs that
 * output_write_plot_data writes (cdf.dat, timeseries-plot.csv), whose size
 * is bounded whatever N.
 * Layout, for results_dir = results/<scenario>:
 *   results_dir/cdf.{png,svg}                 all configs overlaid
 *   results_dir/<config>/throughput.{png,svg} one per config
 *   results_dir/<config>/registry.{png,svg}   one per config: requests, failures, 429s
 *   results_dir/<config>/gantt.{png,svg}      one per config, on request
 *   results_dir/<config>/backoff.{png,svg}    one per config, with gantt: attempts per pod
 *   results_dir/<config>/disk.{png,svg}       one per config when <config>/disk.csv exists
 *                                             (disk capacity, at most 20 nodes; disk.gp)
 *   results_dir/<config>/versions.{png,svg}   one per config when <config>/versions.csv
 *                                             exists (a push event; versions.gp)
 * Invariants:
 *  - a picture appears complete or not at all: gnuplot writes NAME.tmp.EXT
 *    in the destination folder, renamed to NAME.EXT once gnuplot exits 0;
 *    a failed run removes its temporary file (STYLE §6).
 *  - no gnuplot on PATH is not an error: the data files stay, one warning
 *    is printed and the run counts as a success (exit 0 by the product
 *    rules). A gnuplot that runs and fails is an error.
 * Ownership: every argument is borrowed; plot_find_dir's result belongs to
 *   the caller.
 * Units: none (gnuplot converts bytes/s to MB/s, 1 MB = 10^6 B).
 */
#ifndef PULLSIM_PLOT_H
#define PULLSIM_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Warning printed, as one line, when gnuplot is not on PATH. */
#define PLOT_NO_GNUPLOT_WARNING                                                           \
    "pullsim: warning: gnuplot not found; data written, plots skipped (install gnuplot-nox)"

/*
 * Renders the pictures of one run: cdf.{png,svg} in results_dir from
 * results_dir/<config>/cdf.dat of every config, then for each config
 * throughput.{png,svg} and registry.{png,svg} (from timeseries-plot.csv) and,
 * when 'gantt' is true (a small scenario), gantt.{png,svg} (from pulls.csv)
 * and backoff.{png,svg} (from pulls.csv and pods.csv) in
 * results_dir/<config>/. cdf.gp, throughput.gp and (with gantt) gantt.gp
 * and backoff.gp are checked before anything runs; registry.gp once the
 * CDF is drawn. Titles name
 * 'scenario_name' and the config. plots_dir holds the .gp scripts (see
 * plot_find_dir; NULL, as it returns when it finds none, is reported as an
 * error once gnuplot is known to be there). Config names must not contain white space (the scripts
 * take them as one space-separated list); no path may contain a newline.
 * Returns 0 when every picture was written, and also when gnuplot is not on
 * PATH (PLOT_NO_GNUPLOT_WARNING then goes to 'err' and nothing is written).
 * Returns -1 after one "pullsim: error: ..." message on 'err' (followed by
 * gnuplot's own output when gnuplot failed) if a script is missing, gnuplot
 * fails, or a rename fails. Pictures finished before the failure stay; the
 * failed one leaves neither its final nor its temporary file.
 */
int plot_render_run(const char *plots_dir, const char *results_dir, const char *scenario_name,
                    const char *const *configs, size_t n_configs, bool gantt, FILE *err);

/*
 * Finds the folder holding the plot scripts, first match wins:
 *  1. $PULLSIM_PLOTS, if set and non-empty (taken as is, even if wrong, so a
 *     bad setting fails loudly in plot_render_run instead of being skipped);
 *  2. "plots" relative to the current directory, if it has cdf.gp;
 *  3. next to the executable (/proc/self/exe, else argv0 when it contains a
 *     '/'): <exe dir>/plots, then <exe dir>/../../plots (the build/<variant>/
 *     layout of the Makefile), whichever has cdf.gp.
 * argv0 may be NULL. Returns a heap string the caller frees with free(), or
 * NULL if no candidate has cdf.gp.
 */
char *plot_find_dir(const char *argv0);

/*
 * Renders an experiment's sweep.{png,svg} into 'dir' from dir/sweep.dat
 * (exp/summary.h: per config a block of "value mean lo hi"): 'metric'
 * against the swept value 'xlabel', one line per config with its 95% CI
 * band, and the bound as a dashed line when bound >= 0. Returns as
 * plot_render_run (0 without gnuplot, after the warning).
 */
int plot_render_sweep(const char *plots_dir, const char *dir, const char *scenario_name,
                      const char *xlabel, const char *metric, const char *const *configs,
                      size_t n_configs, double bound, FILE *err);

#endif
