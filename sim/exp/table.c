/* table.c - see table.h. */
#include "exp/table.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const exp_metric_names[EXP_N_METRICS] = {
    "pods", "pods_ready", "pods_not_ready", "mean_s", "p50_s", "p90_s", "p95_s", "p99_s",
    "max_s", "t50_s", "t90_s", "t95_s", "t99_s", "last_ready_s", "end_s", "horizon_cut",
    "events", "layer_transfers", "bytes_fetched"};

/* Metrics that are counts (printed without decimals). */
static bool is_count(size_t i)
{
    return i <= 2 || i >= 15;
}

int exp_metric_find(const char *name)
{
    for (int i = 0; i < EXP_N_METRICS; i++)
        if (strcmp(exp_metric_names[i], name) == 0)
            return i;
    return -1;
}

void exp_metrics_from_summary(const struct metrics_summary *s, struct exp_metrics *out)
{
    const double v[EXP_N_METRICS] = {
        (double)s->pods, (double)s->pods_ready, (double)(s->pods - s->pods_ready),
        s->ready_mean, s->ready_p50, s->ready_p90, s->ready_p95, s->ready_p99, s->ready_max,
        s->t50, s->t90, s->t95, s->t99, s->last_ready, s->end_time, s->horizon_cut ? 1 : 0,
        (double)s->events, (double)s->layer_transfers, s->bytes_fetched};
    memcpy(out->v, v, sizeof(v));
}

static void put_cell(struct strbuf *sb, const char *text)
{
    for (const char *c = text; *c; c++)
        strbuf_addc(sb, *c == ',' ? ';' : (*c == '\n' || *c == '\r') ? ' ' : *c);
}

void exp_table_header(const struct exp_plan *p, struct strbuf *sb)
{
    strbuf_addf(sb, "run");
    for (size_t a = 0; a < p->n_axes; a++) {
        strbuf_addc(sb, ',');
        put_cell(sb, p->axes[a].path);
    }
    strbuf_addf(sb, ",config,replication,seed");
    for (size_t i = 0; i < EXP_N_METRICS; i++)
        strbuf_addf(sb, ",%s", exp_metric_names[i]);
    strbuf_addc(sb, '\n');
}

void exp_table_row(const struct exp_plan *p, size_t k, const struct exp_metrics *m,
                   struct strbuf *sb)
{
    struct exp_run r;
    exp_plan_run(p, k, &r);
    strbuf_addf(sb, "%zu", k);
    for (size_t a = 0; a < p->n_axes; a++) {
        strbuf_addc(sb, ',');
        put_cell(sb, exp_plan_value(p, r.point, a));
    }
    strbuf_addc(sb, ',');
    put_cell(sb, p->configs[r.config]);
    strbuf_addf(sb, ",%zu,%llu", r.rep, (unsigned long long)r.seed);
    for (size_t i = 0; i < EXP_N_METRICS; i++) {
        double x = m->v[i];
        if (isnan(x))
            strbuf_addc(sb, ',');
        else if (isinf(x))
            strbuf_addf(sb, ",inf");
        else
            strbuf_addf(sb, is_count(i) ? ",%.0f" : ",%.6f", x);
    }
    strbuf_addc(sb, '\n');
}

int exp_table_parse(const char *line, struct exp_metrics *out)
{
    size_t len = strcspn(line, "\n");
    const char *cells[EXP_N_METRICS];
    const char *c = line + len;
    /* Walk back over the last EXP_N_METRICS commas. */
    for (int i = EXP_N_METRICS - 1; i >= 0; i--) {
        while (c > line && c[-1] != ',')
            c--;
        if (c == line)
            return -1;
        cells[i] = c;
        c--;
    }
    struct exp_metrics m;
    for (size_t i = 0; i < EXP_N_METRICS; i++) {
        const char *end = strpbrk(cells[i], ",\n");
        size_t n = end ? (size_t)(end - cells[i]) : strlen(cells[i]);
        if (n == 0) {
            m.v[i] = NAN;
            continue;
        }
        if (n == 3 && strncmp(cells[i], "inf", 3) == 0) {
            m.v[i] = INFINITY;
            continue;
        }
        char *stop;
        errno = 0;
        m.v[i] = strtod(cells[i], &stop);
        if (errno || stop != cells[i] + n)
            return -1;
    }
    *out = m;
    return 0;
}
