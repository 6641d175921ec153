/* collect.c - see collect.h. */
#include "exp/collect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "exp/files.h"
#include "obs/output.h"
#include "exp/table.h"
#include "obs/plot.h"

/* Reads run k's row.csv. Returns 1 when finished, 0 when missing, -1 after
 * a message (a foreign header or a malformed row, or unreadable). */
static int read_row(const struct exp_plan *p, const char *out, size_t k, const char *header,
                    struct exp_metrics *m, struct strbuf *rows, FILE *err)
{
    char *path = xasprintf("%s/runs/%zu/row.csv", out, k);
    errno = 0;
    char *text = exp_read_file(path, err);
    int rc = 0;
    if (!text) {
        rc = errno == ENOENT ? 0 : -1;
        if (rc != 0 && errno)
            fprintf(err, "pullsim: cannot read '%s': %s\n", path, strerror(errno));
        free(path);
        return rc;
    }
    size_t hlen = strlen(header);
    struct strbuf want;
    strbuf_init(&want);
    const char *line = text + hlen;
    if (strncmp(text, header, hlen) != 0 || exp_table_parse(line, m) != 0) {
        fprintf(err, "pullsim: error: '%s' belongs to another experiment or is damaged; "
                     "expected the columns '%.*s'\n", path, (int)(hlen - 1), header);
        rc = -1;
    } else {
        exp_table_row(p, k, m, &want);
        if (strcmp(line, want.buf) != 0) {
            fprintf(err, "pullsim: error: '%s' is not run %zu of this plan (another seed, "
                         "value or config)\n", path, k);
            rc = -1;
        } else {
            strbuf_add(rows, line, strlen(line));
            rc = 1;
        }
    }
    strbuf_release(&want);
    free(text);
    free(path);
    return rc;
}

/* missing.txt and jobs-missing.txt; removes stale ones when nothing is missing. */
static int write_missing(const struct exp_collect_opts *o, const size_t *missing, size_t n,
                         FILE *err)
{
    if (n == 0) {
        char *a = xasprintf("%s/missing.txt", o->out), *b = xasprintf("%s/jobs-missing.txt",
                                                                     o->out);
        unlink(a);
        unlink(b);
        free(a);
        free(b);
        return 0;
    }
    struct strbuf sb;
    strbuf_init(&sb);
    for (size_t i = 0; i < n; i++)
        strbuf_addf(&sb, "%zu\n", missing[i]);
    int rc = output_write_file(o->out, "missing.txt", sb.buf, sb.len, err);
    strbuf_reset(&sb);
    if (o->jobs)
        exp_emit_joblist(o->jobs, missing, n, &sb);
    if (rc == 0 && o->jobs)
        rc = output_write_file(o->out, "jobs-missing.txt", sb.buf, sb.len, err);
    strbuf_release(&sb);
    return rc;
}

static void report_missing(const size_t *missing, size_t n, size_t total, const char *out,
                           FILE *err)
{
    struct strbuf list;
    strbuf_init(&list);
    for (size_t i = 0; i < n; i++)
        strbuf_addf(&list, "%s%zu", i ? "," : "", missing[i]);
    fprintf(err, "pullsim: %zu of %zu runs missing (%s/missing.txt): %.200s%s\n"
                 "pullsim: resume with: parallel < %s/jobs-missing.txt, or sbatch --array=%.200s "
                 "%s/slurm.sh; then pullsim collect %s\n",
            n, total, out, list.buf, list.len > 200 ? "..." : "", out, list.buf, out, out);
    strbuf_release(&list);
}

/* summary.json, summary.txt, sweep.dat and its plot. */
static int write_summaries(const struct exp_results *r, const struct exp_collect_opts *o,
                           FILE *err)
{
    struct strbuf sb;
    strbuf_init(&sb);
    exp_summary_json(r, &sb);
    int rc = output_write_file(o->out, "summary.json", sb.buf, sb.len, err);
    strbuf_reset(&sb);
    exp_summary_text(r, &sb);
    if (rc == 0)
        rc = output_write_file(o->out, "summary.txt", sb.buf, sb.len, err);
    if (rc == 0 && o->text)
        fputs(sb.buf, o->text);
    strbuf_reset(&sb);
    bool plot = exp_summary_plot_data(r, &sb);
    if (rc == 0 && plot)
        rc = output_write_file(o->out, "sweep.dat", sb.buf, sb.len, err);
    if (rc == 0 && plot && o->plots_dir) {
        const struct exp_plan *p = r->plan;
        rc = plot_render_sweep(o->plots_dir, o->out, r->scenario, p->axes[0].path,
                               exp_metric_names[exp_summary_plot_metric(r)],
                               (const char *const *)p->configs, p->n_configs,
                               r->bound.set ? r->bound.value : -1, err);
    }
    strbuf_release(&sb);
    return rc;
}

int exp_collect(const struct exp_plan *p, const struct exp_collect_opts *o, FILE *err)
{
    struct exp_metrics *runs = xcalloc(p->n_runs, sizeof(*runs));
    bool *present = xcalloc(p->n_runs, sizeof(*present));
    size_t *missing = xcalloc(p->n_runs, sizeof(*missing)), n_missing = 0;
    struct strbuf header, rows;
    strbuf_init(&header);
    strbuf_init(&rows);
    exp_table_header(p, &header);
    strbuf_add(&rows, header.buf, header.len);
    int rc = 0;
    for (size_t k = 0; k < p->n_runs && rc == 0; k++) {
        int got = read_row(p, o->out, k, header.buf, &runs[k], &rows, err);
        if (got < 0)
            rc = 2;
        present[k] = got == 1;
        if (got == 0)
            missing[n_missing++] = k;
    }
    if (rc == 0)
        rc = output_write_file(o->out, "runs.csv", rows.buf, rows.len, err) == 0 ? 0 : 1;
    struct exp_results r = {.plan = p, .scenario = o->scenario, .runs = runs,
                            .present = present, .bound = o->bound};
    if (rc == 0)
        rc = write_summaries(&r, o, err) == 0 ? 0 : 1;
    if (rc == 0)
        rc = write_missing(o, missing, n_missing, err) == 0 ? 0 : 1;
    size_t cut = 0, col = (size_t)exp_metric_find("horizon_cut");
    for (size_t k = 0; k < p->n_runs; k++)
        cut += present[k] && runs[k].v[col] == 1 ? 1 : 0;
    if (rc == 0 && cut > 0)
        fprintf(err, "pullsim: warning: the horizon cut %zu of %zu runs short (runs.csv "
                     "column horizon_cut); their unreached percentiles count as not reached\n",
                cut, p->n_runs);
    if (rc == 0 && n_missing > 0) {
        report_missing(missing, n_missing, p->n_runs, o->out, err);
        rc = 3;
    }
    strbuf_release(&rows);
    strbuf_release(&header);
    free(missing);
    free(present);
    free(runs);
    return rc;
}
