/*
 * tsv.h - reads an upstream vector file (tests/spec/vectors/NAME.tsv) at test time: its
 * first '#' comment line, its header and its data rows, split at tabs with
 * empty fields kept. The directory is check_vectors_dir() ($PULLSIM_VECTORS
 * or tests/spec/vectors); a missing file fails the test.
 */
#ifndef PULLSIM_TSV_H
#define PULLSIM_TSV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "check.h"

#define TSV_MAX_FIELDS 16

struct tsv_row {
    size_t lineno; /* 1-based line in the file */
    char *f[TSV_MAX_FIELDS];
    size_t n;      /* fields on this line */
};

struct tsv {
    char *text;
    char *comment; /* first '#' line, without the '#' */
    char *header[TSV_MAX_FIELDS];
    size_t ncols;
    struct tsv_row *rows;
    size_t nrows, cap;
};

static inline char *tsv_slurp(const char *path)
{
    char *text = NULL;
    if (base_read_file(path, &text, NULL) != 0) {
        print_error("cannot open %s (set PULLSIM_VECTORS to the vectors directory)\n", path);
        fail();
    }
    return text;
}

/* Splits line at tabs, keeping empty fields; returns the field count. */
static inline size_t tsv_split(char *line, char **f)
{
    size_t n = 0;
    for (;;) {
        char *tab = strchr(line, '\t');
        if (n < TSV_MAX_FIELDS)
            f[n] = line;
        n++;
        if (!tab)
            return n;
        *tab = '\0';
        line = tab + 1;
    }
}

static inline void tsv_load(struct tsv *t, const char *name)
{
    memset(t, 0, sizeof(*t));
    char *path = xasprintf("%s/%s", check_vectors_dir(), name);
    t->text = tsv_slurp(path);
    free(path);
    size_t lineno = 0;
    for (char *line = t->text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\r')
            line[len - 1] = '\0';
        lineno++;
        if (line[0] == '#') {
            if (!t->comment)
                t->comment = line + 1;
        } else if (line[0] != '\0' && t->ncols == 0) {
            t->ncols = tsv_split(line, t->header);
            assert_true(t->ncols <= TSV_MAX_FIELDS);
        } else if (line[0] != '\0') {
            struct tsv_row *r = VEC_PUSH(t->rows, t->nrows, t->cap);
            r->lineno = lineno;
            r->n = tsv_split(line, r->f);
        }
        line = nl ? nl + 1 : NULL;
    }
}

static inline void tsv_release(struct tsv *t)
{
    free(t->rows);
    free(t->text);
}

/* Fails unless the header is exactly cols[0..ncols). */
static inline void tsv_expect_header(const struct tsv *t, const char *name,
                                     const char *const *cols, size_t ncols)
{
    if (t->ncols != ncols) {
        print_error("%s: header has %zu columns, expected %zu\n", name, t->ncols, ncols);
        fail();
    }
    for (size_t i = 0; i < ncols; i++) {
        if (strcmp(t->header[i], cols[i]) != 0) {
            print_error("%s: column %zu is '%s', expected '%s'\n", name, i + 1, t->header[i],
                        cols[i]);
            fail();
        }
    }
}

#endif
