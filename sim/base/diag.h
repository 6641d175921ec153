/*
 * diag.h - diagnostics for bad user input: "FILE:LINE:COL: error: ...".
 *
 * The scenario parser and validator report here and keep going, so a user
 * sees every problem of a file at once: at most DIAG_MAX_PRINTED lines, in
 * file order whatever order the checks ran in, then a count. Lines are held
 * until diag_flush() (at most DIAG_MAX_PRINTED of them: the earliest in the
 * file), so holding costs O(1) memory however many errors a file has.
 * Nothing here exits: the caller decides (exit status 2).
 * Invariants:
 *  - lines and columns are 1-based; libyaml's 0-based marks are converted in
 *    one place, diag_loc_from_mark().
 *  - diag_error() returns -1 so a check and its report fit on one line:
 *        if (bad) return diag_error(d, loc, "...");
 *  - file order: locations of line 0 (the command line, a whole file)
 *    first, then by line and column, ties in the order reported; a note
 *    stays right after its error.
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

/* A line held for printing (diag.c). */
struct diag_held {
    uint32_t line, col; /* of its error: a note sorts with its error */
    size_t seq;         /* the error's number, from 1 */
    size_t idx;         /* 0 for the error, 1, 2, ... for its notes */
    char *text;
};

struct diag {
    FILE *out;          /* where messages go (stderr in pullsim, a memstream in tests) */
    size_t errors;      /* errors reported so far */
    size_t printed;     /* lines printed (errors and notes) by diag_flush */
    struct strbuf last; /* text of the last error, for tests */
    /* --- private to diag.c --- */
    struct diag_held held[DIAG_MAX_PRINTED];
    size_t n_held;
    size_t notes;       /* notes of the last error so far */
    bool last_held;     /* the last error is held: its notes may be */
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

/* False when an error reported now at 'at' would not be printed (enough
 * earlier lines are held), so a caller may skip building costly text such
 * as a list of every valid name. */
bool diag_is_shown(const struct diag *d, struct diag_loc at);

/* Prints the held lines in file order and lets them go. */
void diag_flush(struct diag *d);

/* Flushes, then prints "N errors in total" if lines were left out. */
void diag_finish(struct diag *d);

#endif
