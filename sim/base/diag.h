/*
 * diag.h - diagnostics for bad user input: "FILE:LINE:COL: error: ...".
 *
 * The scenario parser and validator report here and keep going, so a user
 * sees every problem of a file at once (at most DIAG_MAX_PRINTED lines, then
 * a count). Nothing here exits: the caller decides (exit status 2).
 * Invariants:
 *  - lines and columns are 1-based; libyaml's 0-based marks are converted in
 *    one place, diag_loc_from_mark().
 *  - diag_error() returns -1 so a check and its report fit on one line:
 *        if (bad) return diag_error(d, loc, "...");
 * Ownership: struct diag owns its buffered messages; 'file' in a diag_loc is
 *   borrowed and must outlive the diag.
 */
#ifndef PULLSIM_DIAG_H
#define PULLSIM_DIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/base.h"

#define DIAG_MAX_PRINTED 20

struct diag_loc {
    const char *file; /* borrowed; NULL for command-line input */
    uint32_t line;    /* 1-based; 0 = unknown */
    uint32_t col;     /* 1-based; 0 = unknown */
};

struct diag {
    FILE *out;          /* where messages go (stderr in pullsim, a memstream in tests) */
    size_t errors;      /* errors reported so far */
    size_t printed;     /* lines printed (errors and notes) */
    struct strbuf last; /* text of the last error, for tests */
};

void diag_init(struct diag *d, FILE *out);
void diag_release(struct diag *d);

/* Builds a location from a libyaml mark (0-based line and column). */
struct diag_loc diag_loc_from_mark(const char *file, size_t line0, size_t col0);

/* Records and prints an error at 'at'. Returns -1. */
int diag_error(struct diag *d, struct diag_loc at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints a note attached to the previous error. */
void diag_note(struct diag *d, struct diag_loc at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True once DIAG_MAX_PRINTED lines are out: later messages are only counted,
 * so a caller may skip building costly text (lists of valid names). */
bool diag_is_full(const struct diag *d);

/* Prints "N errors" if more were recorded than printed. */
void diag_finish(struct diag *d);

#endif
