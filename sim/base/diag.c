/*
 * diag.c - see diag.h.
 *
 * Line format [STYLE §5]:
 *     FILE:LINE:COL: error: MESSAGE     (a place in a file)
 *     FILE: error: MESSAGE              (line 0: a whole file, or "--set PATH")
 *     error: MESSAGE                    (no file)
 * The cap counts printed lines, errors and notes alike. Since 'printed'
 * only grows, a note is printed only if the error it belongs to was.
 */
#include "base/diag.h"

#include <stdarg.h>
#include <stdio.h>

void diag_init(struct diag *d, FILE *out)
{
    d->out = out;
    d->errors = 0;
    d->printed = 0;
    strbuf_init(&d->last);
}

void diag_release(struct diag *d)
{
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

static void emit(struct diag *d, const struct strbuf *line)
{
    if (d->printed >= DIAG_MAX_PRINTED)
        return;
    d->printed++;
    if (d->out)
        fprintf(d->out, "%s\n", line->buf);
}

int diag_error(struct diag *d, struct diag_loc at, const char *fmt, ...)
{
    va_list ap;
    d->errors++;
    strbuf_reset(&d->last);
    va_start(ap, fmt);
    format_line(&d->last, at, "error", fmt, ap);
    va_end(ap);
    emit(d, &d->last);
    return -1;
}

void diag_note(struct diag *d, struct diag_loc at, const char *fmt, ...)
{
    struct strbuf sb;
    va_list ap;
    strbuf_init(&sb);
    va_start(ap, fmt);
    format_line(&sb, at, "note", fmt, ap);
    va_end(ap);
    emit(d, &sb);
    strbuf_release(&sb);
}

bool diag_is_full(const struct diag *d)
{
    return d->printed >= DIAG_MAX_PRINTED;
}

/* Once the cap is reached, later errors may have been hidden: give the total
 * (the count alone is ambiguous, the line cap says why it is there). */
void diag_finish(struct diag *d)
{
    if (d->printed < DIAG_MAX_PRINTED || !d->out)
        return;
    fprintf(d->out, "%zu error%s in total (output stops after %d lines)\n", d->errors,
            d->errors == 1 ? "" : "s", DIAG_MAX_PRINTED);
    fflush(d->out);
}
