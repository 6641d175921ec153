/*
 * headline.h - the headline numbers of a run as people and scripts read
 * them: the table row pullsim run prints, the --format json document, and
 * the horizon warning.
 *
 * A percentile or time that was not reached (more pods than its share never
 * became ready; metrics.h) prints as ">horizon" in the table and as null in
 * JSON, never as a number computed over the ready pods only.
 * Ownership: everything is borrowed. Units: seconds.
 */
#ifndef PULLSIM_HEADLINE_H
#define PULLSIM_HEADLINE_H

#include <stdbool.h>
#include <stdio.h>

#include "obs/metrics.h"

enum headline_format {
    HEADLINE_TABLE, /* a header line, then one row per config */
    HEADLINE_JSON,  /* one JSON array of summary.json documents */
};

/* Parses "table" or "json"; returns 0, or -1 (nothing changed). */
int headline_parse_format(const char *text, enum headline_format *out);

/* Opens the report: the table's header line (with 'outdir') or "[". */
void headline_begin(FILE *f, enum headline_format fmt, const char *scenario, uint64_t seed,
                    const char *outdir);

/* One config's row, or its summary.json document (first = no comma before). */
void headline_row(FILE *f, enum headline_format fmt, bool first, const char *scenario,
                  uint64_t seed, const char *config, const struct metrics_summary *s);

/* Closes the report ("]" for JSON; nothing for the table). */
void headline_end(FILE *f, enum headline_format fmt);

/* Prints the one-line warning when the horizon cut the run short; returns
 * whether it did. */
bool headline_warn_horizon(FILE *err, const char *config, const struct metrics_summary *s);

/* A time in s with 2 decimals into buf (at least 16 bytes): ">horizon"
 * for INFINITY, "-" for NAN. */
const char *headline_time(char *buf, size_t size, double t);

#endif
