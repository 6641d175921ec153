/*
 * diag.c - see diag.h.
 *
 * Line format [STYLE §5]:
 *     FILE:LINE:COL: error: MESSAGE     (a place in a file)
 *     FILE: error: MESSAGE              (line 0: a whole file, or "--set PATH")
 *     error: MESSAGE                    (no file)
 * The cap counts printed lines, errors and notes alike. At most the cap's
 * worth of lines is held: a new line earlier in the file than the latest
 * held one takes its place. The latest line of a group (error and notes)
 * is its last note, so notes go before their error does, and a note of an
 * error no longer held is dropped.
 */
#include "base/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void diag_init(struct diag *d, FILE *out)
{
    d->out = out;
    d->errors = 0;
    d->printed = 0;
    d->n_held = 0;
    d->notes = 0;
    d->last_held = false;
    strbuf_init(&d->last);
}

void diag_release(struct diag *d)
{
    for (size_t i = 0; i < d->n_held; i++)
        free(d->held[i].text);
    d->n_held = 0;
    strbuf_release(&d->last);
}

struct diag_loc diag_loc_from_mark(const char *file, size_t line0, size_t col0)
{
    struct diag_loc loc = {file, UINT32_MAX, UINT32_MAX};
    if (line0 < UINT32_MAX)
        loc.line = (uint32_t)line0 + 1;
    if (col0 < UINT32_MAX)
        loc.col = (uint32_t)col0 + 1;
    return loc;
}

static void format_line(struct strbuf *sb, struct diag_loc at, const char *severity,
                        const char *fmt, va_list ap)
{
    if (at.file && at.line > 0)
        strbuf_addf(sb, "%s:%u:%u: ", at.file, (unsigned)at.line, (unsigned)at.col);
    else if (at.file)
        strbuf_addf(sb, "%s: ", at.file);
    strbuf_addf(sb, "%s: ", severity);
    strbuf_vaddf(sb, fmt, ap);
}

/* File order: line 0 first, then line, column, the error's number, notes
 * after their error. */
static int cmp_held(const struct diag_held *a, const struct diag_held *b)
{
    if ((a->line != 0) != (b->line != 0))
        return a->line != 0 ? 1 : -1;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static int cmp_held_qsort(const void *a, const void *b)
{
    return cmp_held(a, b);
}

/* Lines that may still be printed. */
static size_t room(const struct diag *d)
{
    return d->printed < DIAG_MAX_PRINTED ? DIAG_MAX_PRINTED - d->printed : 0;
}

/* The held line latest in file order (n_held > 0). */
static size_t latest(const struct diag *d)
{
    size_t w = 0;
    for (size_t i = 1; i < d->n_held; i++)
        if (cmp_held(&d->held[i], &d->held[w]) > 0)
            w = i;
    return w;
}

/* Holds 'h' (taking its text over) if there is room or it comes before the
 * latest held line, which it then replaces. Returns whether it is held. */
static bool hold(struct diag *d, struct diag_held h)
{
    if (d->n_held < room(d)) {
        d->held[d->n_held++] = h;
        return true;
    }
    size_t w = d->n_held ? latest(d) : 0;
    if (!d->n_held || cmp_held(&h, &d->held[w]) >= 0) {
        free(h.text);
        return false;
    }
    free(d->held[w].text);
    d->held[w] = h;
    return true;
}

int diag_error(struct diag *d, struct diag_loc at, const char *fmt, ...)
{
    va_list ap;
    d->errors++;
    strbuf_reset(&d->last);
    va_start(ap, fmt);
    format_line(&d->last, at, "error", fmt, ap);
    va_end(ap);
    struct diag_held h = {at.line, at.col, d->errors, 0, xstrdup(d->last.buf)};
    d->notes = 0;
    d->last_held = hold(d, h);
    return -1;
}

void diag_note(struct diag *d, struct diag_loc at, const char *fmt, ...)
{
    if (!d->last_held || d->errors == 0)
        return;
    /* The error it belongs to may have been replaced since. */
    bool found = false;
    struct diag_held h = {0};
    for (size_t i = 0; i < d->n_held && !found; i++) {
        if (d->held[i].seq == d->errors && d->held[i].idx == 0) {
            h = d->held[i];
            found = true;
        }
    }
    if (!found)
        return;
    struct strbuf sb;
    va_list ap;
    strbuf_init(&sb);
    va_start(ap, fmt);
    format_line(&sb, at, "note", fmt, ap);
    va_end(ap);
    h.idx = ++d->notes;
    h.text = strbuf_detach(&sb);
    hold(d, h);
}

bool diag_is_shown(const struct diag *d, struct diag_loc at)
{
    if (d->n_held < room(d))
        return true;
    if (!d->n_held)
        return false;
    struct diag_held h = {at.line, at.col, d->errors + 1, 0, NULL};
    return cmp_held(&h, &d->held[latest(d)]) < 0;
}

void diag_flush(struct diag *d)
{
    qsort(d->held, d->n_held, sizeof(d->held[0]), cmp_held_qsort);
    for (size_t i = 0; i < d->n_held; i++) {
        if (d->out)
            fprintf(d->out, "%s\n", d->held[i].text);
        free(d->held[i].text);
    }
    d->printed += d->n_held;
    d->n_held = 0;
    d->last_held = false;
}

/* Once the cap is reached, later errors may have been hidden: give the total
 * (the count alone is ambiguous, the line cap says why it is there). */
void diag_finish(struct diag *d)
{
    diag_flush(d);
    if (d->printed < DIAG_MAX_PRINTED || !d->out)
        return;
    fprintf(d->out, "%zu error%s in total (output stops after %d lines)\n", d->errors,
            d->errors == 1 ? "" : "s", DIAG_MAX_PRINTED);
    fflush(d->out);
}
