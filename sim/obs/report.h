/*
 * report.h - report.html: one self-contained page per run of a scenario,
 * for a reader who opens it from the file system with no network.
 *
 * It holds, in this order: what ran (scenario, seed, configs); the summary
 * table with the kubelet configs side by side (one column each); the plots,
 * inlined as SVG (cdf.svg, then per config throughput, registry, gantt,
 * backoff, disk, versions, those that exist); per config the trace of one
 * pod (the one named with report_new's 'pod', else the slowest: not ready,
 * then the largest ready latency, the lowest id on a tie) in the trace's text
 * form; the effective scenario (the first config's scenario.yaml); links to
 * the data files. No script, no external resource (fonts, styles, images):
 * the page renders the same anywhere.
 * Calling sequence: report_new; per config report_watch (before the run),
 *   report_add_run (after it, with the world still alive); after the plots,
 *   report_write; report_free.
 * Sweep hook: a sweep adds one report_column per point (report_add_column)
 *   with its numbers and, when it has replications, the half-widths of
 *   their confidence intervals; report_write draws them the same way.
 * Determinism: the page is a function of the result files and the run, with
 *   no wall time or path in it, so identical runs give identical pages.
 * Ownership: a report owns copies of every string it keeps; the scenario is
 *   borrowed until report_free.
 * Errors: report_write returns 0, or -1 after one message with the path and
 *   strerror(errno) (an environment failure); the page is written to
 *   report.html.tmp and renamed, so a failure leaves no half page.
 */
#ifndef PULLSIM_REPORT_H
#define PULLSIM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model/kubelet/kubelet.h"
#include "obs/metrics.h"
#include "spec/scenario.h"

/* One column of the side-by-side table: a kubelet config, or a sweep point. */
struct report_column {
    char *name;                       /* owned */
    size_t pods, pods_ready;
    double mean, p50, p90, p99, max;  /* s; NAN if none ready */
    double last_ready;                /* s; NAN if none ready */
    double ci_mean, ci_p90;           /* s: CI half-widths over replications; NAN = none */
    unsigned long long pulls_ok, pulls_failed, layers, requests, failures, throttled;
    double bytes;                     /* fetched over all nodes, B */
    size_t backoff_pods, backoff_recovered;
    double backoff_max;               /* s; NAN if none recovered */
    char *trace_pod;                  /* the pod whose trace is shown; owned, NULL if none */
    char *trace;                      /* its trace lines (text form); owned, NULL if none */
};

struct report;

/* 'pod': the pod whose trace to show ("web-3"), NULL for the slowest. */
struct report *report_new(const struct scenario *sc, const char *pod);
void report_free(struct report *r);

/* Keeps the trace lines of every pod of the coming run (borrowed topic). */
void report_watch(struct report *r, struct kubelet_event_topic *topic);
/* Adds the column of a finished run: its summary and the chosen pod's
 * trace. The world must be the one report_watch's topic belongs to. */
void report_add_run(struct report *r, const char *config, const struct metrics_summary *s,
                    const struct world *w);
/* Adds a column as is (sweeps); the report takes ownership of its strings. */
void report_add_column(struct report *r, struct report_column *col);

/* Writes dir/report.html from the columns and the files under dir (SVGs,
 * dir/<first column>/scenario.yaml). 'plots' false: says the plots were not
 * drawn. 0, or -1 after a message on err. */
int report_write(const struct report *r, const char *dir, bool plots, FILE *err);

#endif
