/* summary.c - see summary.h. */
#include "exp/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "exp/ci.h"

/* Confidence level of every interval. */
#define LEVEL 0.95

/* Metrics in the text table (the bound's is added). */
static const char *const table_metrics[] = {"mean_s", "p50_s", "p95_s", "p99_s", "t99_s"};
#define N_TABLE_METRICS (sizeof(table_metrics) / sizeof(table_metrics[0]))

/* Metrics compared between configs: the times, where lower is better. */
static bool is_time(int m)
{
    size_t len = strlen(exp_metric_names[m]);
    return len > 2 && strcmp(exp_metric_names[m] + len - 2, "_s") == 0;
}

int exp_bound_parse(const char *text, struct exp_bound *out, char *msg, size_t msglen)
{
    const char *op = strstr(text, "<=");
    char *name = op ? xstrndup(text, (size_t)(op - text)) : NULL;
    int m = name ? exp_metric_find(name) : -1;
    if (name && m < 0) {
        char *with_s = xasprintf("%s_s", name);
        m = exp_metric_find(with_s);
        free(with_s);
    }
    free(name);
    if (m < 0) {
        snprintf(msg, msglen, "'%s' is not a bound; expected METRIC<=VALUE with a runs.csv "
                 "metric (e.g. 'p95_s<=10m', 't99<=15m', 'pods_not_ready<=0')", text);
        return -1;
    }
    double v;
    char umsg[160];
    if (is_time(m)) {
        if (units_parse_duration(op + 2, &v, umsg, sizeof(umsg)) != 0) {
            snprintf(msg, msglen, "bound '%s': %s", text, umsg);
            return -1;
        }
    } else {
        char *end;
        v = strtod(op + 2, &end);
        if (end == op + 2 || *end || !isfinite(v)) {
            snprintf(msg, msglen, "bound '%s': '%s' is not a number", text, op + 2);
            return -1;
        }
    }
    *out = (struct exp_bound){.set = true, .metric = m, .value = v};
    return 0;
}

/* Values of metric m over the finished replications of (point, config). */
static size_t samples(const struct exp_results *r, size_t point, size_t config, int m,
                      double *out)
{
    const struct exp_plan *p = r->plan;
    size_t n = 0;
    for (size_t rep = 0; rep < p->n_reps; rep++) {
        size_t k = (point * p->n_reps + rep) * p->n_configs + config;
        if (r->present[k])
            out[n++] = r->runs[k].v[m];
    }
    return n;
}

/* Paired values of metric m for configs a and b where both finished. */
static size_t pairs(const struct exp_results *r, size_t point, size_t a, size_t b, int m,
                    double *xa, double *xb)
{
    const struct exp_plan *p = r->plan;
    size_t n = 0;
    for (size_t rep = 0; rep < p->n_reps; rep++) {
        size_t base = (point * p->n_reps + rep) * p->n_configs;
        if (r->present[base + a] && r->present[base + b]) {
            xa[n] = r->runs[base + a].v[m];
            xb[n++] = r->runs[base + b].v[m];
        }
    }
    return n;
}

static void point_label(const struct exp_plan *p, size_t point, struct strbuf *sb)
{
    if (p->n_axes == 0)
        strbuf_addc(sb, '-');
    for (size_t a = 0; a < p->n_axes; a++)
        strbuf_addf(sb, "%s%s=%s", a ? " " : "", p->axes[a].path, exp_plan_value(p, point, a));
}

/* The metrics of the table: table_metrics, then the bound's if not among them. */
static size_t text_metrics(const struct exp_results *r, int *out)
{
    size_t n = 0;
    for (size_t i = 0; i < N_TABLE_METRICS; i++)
        out[n++] = exp_metric_find(table_metrics[i]);
    if (r->bound.set) {
        bool have = false;
        for (size_t i = 0; i < n; i++)
            have |= out[i] == r->bound.metric;
        if (!have)
            out[n++] = r->bound.metric;
    }
    return n;
}

static void add_num(struct strbuf *sb, int width, double x)
{
    if (isnan(x))
        strbuf_addf(sb, " %*s", width, "-");
    else if (isinf(x))
        strbuf_addf(sb, " %*s", width, ">horizon");
    else
        strbuf_addf(sb, " %*.3f", width, x);
}

/* A mean that is undefined because some replication did not reach it. */
static double shown_mean(const struct exp_ci *c)
{
    return c->n_inf > 0 ? INFINITY : c->mean;
}

static size_t count_done(const struct exp_results *r)
{
    size_t done = 0;
    for (size_t k = 0; k < r->plan->n_runs; k++)
        done += r->present[k] ? 1 : 0;
    return done;
}

static void text_configs(const struct exp_results *r, const int *ms, size_t n_ms,
                         double *buf, struct strbuf *sb)
{
    const struct exp_plan *p = r->plan;
    strbuf_addf(sb, "%-32s %-12s %-14s %5s %12s %12s %12s %12s\n", "point", "config", "metric",
                "n", "mean", "sd", "ci95_lo", "ci95_hi");
    struct strbuf label;
    strbuf_init(&label);
    for (size_t pt = 0; pt < p->n_points; pt++) {
        strbuf_reset(&label);
        point_label(p, pt, &label);
        for (size_t c = 0; c < p->n_configs; c++) {
            for (size_t i = 0; i < n_ms; i++) {
                struct exp_ci ci;
                exp_ci_compute(buf, samples(r, pt, c, ms[i], buf), LEVEL, &ci);
                strbuf_addf(sb, "%-32s %-12s %-14s %5zu", label.buf, p->configs[c],
                            exp_metric_names[ms[i]], ci.n);
                add_num(sb, 12, shown_mean(&ci));
                add_num(sb, 12, ci.sd);
                add_num(sb, 12, ci.lo);
                add_num(sb, 12, ci.hi);
                strbuf_addc(sb, '\n');
            }
        }
    }
    strbuf_release(&label);
}

static void text_pairs(const struct exp_results *r, const int *ms, size_t n_ms, double *xa,
                       double *xb, struct strbuf *sb)
{
    const struct exp_plan *p = r->plan;
    strbuf_addf(sb, "\npaired differences, first - second config on the same seeds "
                    "(lower wins):\n");
    strbuf_addf(sb, "%-32s %-20s %-14s %5s %12s %12s %12s %12s %6s %6s %5s\n", "point",
                "configs", "metric", "n", "mean_diff", "sd", "ci95_lo", "ci95_hi", "wins1",
                "wins2", "ties");
    struct strbuf label, cfgs;
    strbuf_init(&label);
    strbuf_init(&cfgs);
    for (size_t pt = 0; pt < p->n_points; pt++) {
        strbuf_reset(&label);
        point_label(p, pt, &label);
        for (size_t a = 0; a < p->n_configs; a++) {
            for (size_t b = a + 1; b < p->n_configs; b++) {
                strbuf_reset(&cfgs);
                strbuf_addf(&cfgs, "%s-%s", p->configs[a], p->configs[b]);
                for (size_t i = 0; i < n_ms; i++) {
                    struct exp_paired d;
                    size_t n = pairs(r, pt, a, b, ms[i], xa, xb);
                    exp_ci_paired(xa, xb, n, LEVEL, &d);
                    strbuf_addf(sb, "%-32s %-20s %-14s %5zu", label.buf, cfgs.buf,
                                exp_metric_names[ms[i]], d.diff.n);
                    add_num(sb, 12, d.diff.mean);
                    add_num(sb, 12, d.diff.sd);
                    add_num(sb, 12, d.diff.lo);
                    add_num(sb, 12, d.diff.hi);
                    strbuf_addf(sb, " %6zu %6zu %5zu\n", d.a_wins, d.b_wins, d.ties);
                }
            }
        }
    }
    strbuf_release(&cfgs);
    strbuf_release(&label);
}

/* The capacity answer for config c: the points meeting the bound by mean
 * and by the interval's upper end (SIZE_MAX when none), the last point in
 * axis order with the largest value. */
struct capacity {
    size_t by_mean, by_ci;
    struct exp_ci at_mean; /* statistics at by_mean */
};

static bool can_answer(const struct exp_results *r)
{
    return r->bound.set && r->plan->n_axes == 1;
}

static void capacity_of(const struct exp_results *r, size_t c, double *buf,
                        struct capacity *out)
{
    const struct exp_plan *p = r->plan;
    double best_mean = -INFINITY, best_ci = -INFINITY;
    *out = (struct capacity){.by_mean = SIZE_MAX, .by_ci = SIZE_MAX};
    for (size_t pt = 0; pt < p->n_points; pt++) {
        struct exp_ci ci;
        exp_ci_compute(buf, samples(r, pt, c, r->bound.metric, buf), LEVEL, &ci);
        double x = strtod(exp_plan_value(p, pt, 0), NULL);
        if (!isnan(ci.mean) && ci.mean <= r->bound.value && x >= best_mean) {
            best_mean = x;
            out->by_mean = pt;
            out->at_mean = ci;
        }
        double hi = ci.n == 1 ? ci.mean : ci.hi;
        if (!isnan(hi) && hi <= r->bound.value && x >= best_ci) {
            best_ci = x;
            out->by_ci = pt;
        }
    }
}

static void text_capacity(const struct exp_results *r, double *buf, struct strbuf *sb)
{
    const struct exp_plan *p = r->plan;
    const char *metric = exp_metric_names[r->bound.metric];
    strbuf_addf(sb, "\ncapacity: largest %s with %s <= %.3f (mean over replications; and "
                    "with the whole 95%% CI below the bound):\n",
                p->axes[0].path, metric, r->bound.value);
    for (size_t c = 0; c < p->n_configs; c++) {
        struct capacity cap;
        capacity_of(r, c, buf, &cap);
        strbuf_addf(sb, "  %-12s ", p->configs[c]);
        if (cap.by_mean == SIZE_MAX) {
            strbuf_addf(sb, "none meets it");
        } else {
            strbuf_addf(sb, "%s (%s mean %.3f, 95%% CI ", exp_plan_value(p, cap.by_mean, 0),
                        metric, cap.at_mean.mean);
            if (isnan(cap.at_mean.lo))
                strbuf_addf(sb, "- with one replication)");
            else
                strbuf_addf(sb, "[%.3f, %.3f])", cap.at_mean.lo, cap.at_mean.hi);
        }
        strbuf_addf(sb, "; by the CI: %s\n",
                    cap.by_ci == SIZE_MAX ? "none" : exp_plan_value(p, cap.by_ci, 0));
    }
}

void exp_summary_text(const struct exp_results *r, struct strbuf *sb)
{
    const struct exp_plan *p = r->plan;
    int ms[N_TABLE_METRICS + 1];
    size_t n_ms = text_metrics(r, ms);
    double *xa = xmalloc(2 * (p->n_reps + 1) * sizeof(*xa)), *xb = xa + p->n_reps + 1;
    strbuf_addf(sb, "pullsim experiment '%s': %zu point%s x %zu config%s x %zu replication%s "
                    "= %zu runs, %zu done\n",
                r->scenario, p->n_points, p->n_points == 1 ? "" : "s", p->n_configs,
                p->n_configs == 1 ? "" : "s", p->n_reps, p->n_reps == 1 ? "" : "s", p->n_runs,
                count_done(r));
    strbuf_addf(sb, "per config, over replications (95%% Student t CI; '>horizon': not "
                    "reached in some replication):\n");
    text_configs(r, ms, n_ms, xa, sb);
    if (p->n_configs > 1)
        text_pairs(r, ms, n_ms, xa, xb, sb);
    if (can_answer(r))
        text_capacity(r, xa, sb);
    free(xa);
}

/* ------------------------------------------------------------------ JSON */

static void json_ci(struct strbuf *sb, const struct exp_ci *c)
{
    strbuf_addf(sb, "{\"n\": %zu, \"notReached\": %zu, \"mean\": ", c->n, c->n_inf);
    strbuf_add_json_number(sb, c->mean);
    strbuf_addf(sb, ", \"sd\": ");
    strbuf_add_json_number(sb, c->sd);
    strbuf_addf(sb, ", \"ci95\": [");
    strbuf_add_json_number(sb, c->lo);
    strbuf_addf(sb, ", ");
    strbuf_add_json_number(sb, c->hi);
    strbuf_addf(sb, "]");
}

static void json_plan(const struct exp_results *r, struct strbuf *sb)
{
    const struct exp_plan *p = r->plan;
    strbuf_addf(sb, "{\n  \"scenario\": ");
    strbuf_add_json_string(sb, r->scenario);
    strbuf_addf(sb, ",\n  \"runs\": %zu,\n  \"done\": %zu,\n  \"missing\": [", p->n_runs,
                count_done(r));
    for (size_t k = 0, first = 1; k < p->n_runs; k++) {
        if (!r->present[k]) {
            strbuf_addf(sb, "%s%zu", first ? "" : ", ", k);
            first = 0;
        }
    }
    strbuf_addf(sb, "],\n  \"axes\": [");
    for (size_t a = 0; a < p->n_axes; a++) {
        strbuf_addf(sb, "%s{\"path\": ", a ? ", " : "");
        strbuf_add_json_string(sb, p->axes[a].path);
        strbuf_addf(sb, ", \"values\": [");
        for (size_t v = 0; v < p->axes[a].n_values; v++) {
            strbuf_addf(sb, "%s", v ? ", " : "");
            strbuf_add_json_string(sb, p->axes[a].values[v]);
        }
        strbuf_addf(sb, "]}");
    }
    strbuf_addf(sb, "],\n  \"configs\": [");
    for (size_t c = 0; c < p->n_configs; c++) {
        strbuf_addf(sb, "%s", c ? ", " : "");
        strbuf_add_json_string(sb, p->configs[c]);
    }
    strbuf_addf(sb, "],\n  \"seeds\": [");
    for (size_t s = 0; s < p->n_reps; s++)
        strbuf_addf(sb, "%s%llu", s ? ", " : "", (unsigned long long)p->seeds[s]);
    strbuf_addf(sb, "],\n");
}

static void json_point_configs(const struct exp_results *r, size_t pt, double *buf,
                               struct strbuf *sb)
{
    const struct exp_plan *p = r->plan;
    strbuf_addf(sb, "      \"configs\": {");
    for (size_t c = 0; c < p->n_configs; c++) {
        strbuf_addf(sb, "%s\n        ", c ? "," : "");
        strbuf_add_json_string(sb, p->configs[c]);
        strbuf_addf(sb, ": {");
        for (int m = 0; m < EXP_N_METRICS; m++) {
            struct exp_ci ci;
            exp_ci_compute(buf, samples(r, pt, c, m, buf), LEVEL, &ci);
            strbuf_addf(sb, "%s\"%s\": ", m ? ", " : "", exp_metric_names[m]);
            json_ci(sb, &ci);
            strbuf_addc(sb, '}');
        }
        strbuf_addc(sb, '}');
    }
    strbuf_addf(sb, "\n      }");
}

static void json_point_pairs(const struct exp_results *r, size_t pt, double *xa, double *xb,
                             struct strbuf *sb)
{
    const struct exp_plan *p = r->plan;
    strbuf_addf(sb, ",\n      \"paired\": [");
    bool first = true;
    for (size_t a = 0; a < p->n_configs; a++) {
        for (size_t b = a + 1; b < p->n_configs; b++) {
            strbuf_addf(sb, "%s\n        {\"first\": ", first ? "" : ",");
            first = false;
            strbuf_add_json_string(sb, p->configs[a]);
            strbuf_addf(sb, ", \"second\": ");
            strbuf_add_json_string(sb, p->configs[b]);
            for (int m = 0; m < EXP_N_METRICS; m++) {
                if (!is_time(m))
                    continue;
                struct exp_paired d;
                exp_ci_paired(xa, xb, pairs(r, pt, a, b, m, xa, xb), LEVEL, &d);
                strbuf_addf(sb, ", \"%s\": ", exp_metric_names[m]);
                json_ci(sb, &d.diff);
                strbuf_addf(sb, ", \"firstWins\": %zu, \"secondWins\": %zu, \"ties\": %zu}",
                            d.a_wins, d.b_wins, d.ties);
            }
            strbuf_addc(sb, '}');
        }
    }
    strbuf_addf(sb, "%s]", first ? "" : "\n      ");
}

static void json_capacity(const struct exp_results *r, double *buf, struct strbuf *sb)
{
    const struct exp_plan *p = r->plan;
    if (!can_answer(r)) {
        strbuf_addf(sb, "  \"capacity\": null\n");
        return;
    }
    strbuf_addf(sb, "  \"capacity\": {\"path\": ");
    strbuf_add_json_string(sb, p->axes[0].path);
    strbuf_addf(sb, ", \"metric\": \"%s\", \"bound\": ", exp_metric_names[r->bound.metric]);
    strbuf_add_json_number(sb, r->bound.value);
    strbuf_addf(sb, ", \"configs\": {");
    for (size_t c = 0; c < p->n_configs; c++) {
        struct capacity cap;
        capacity_of(r, c, buf, &cap);
        strbuf_addf(sb, "%s\n    ", c ? "," : "");
        strbuf_add_json_string(sb, p->configs[c]);
        strbuf_addf(sb, ": {\"byMean\": ");
        if (cap.by_mean == SIZE_MAX) {
            strbuf_addf(sb, "null, \"at\": null");
        } else {
            strbuf_add_json_string(sb, exp_plan_value(p, cap.by_mean, 0));
            strbuf_addf(sb, ", \"at\": ");
            json_ci(sb, &cap.at_mean);
            strbuf_addc(sb, '}');
        }
        strbuf_addf(sb, ", \"byCI\": ");
        if (cap.by_ci == SIZE_MAX)
            strbuf_addf(sb, "null");
        else
            strbuf_add_json_string(sb, exp_plan_value(p, cap.by_ci, 0));
        strbuf_addc(sb, '}');
    }
    strbuf_addf(sb, "\n  }}\n");
}

void exp_summary_json(const struct exp_results *r, struct strbuf *sb)
{
    const struct exp_plan *p = r->plan;
    double *xa = xmalloc(2 * (p->n_reps + 1) * sizeof(*xa)), *xb = xa + p->n_reps + 1;
    json_plan(r, sb);
    strbuf_addf(sb, "  \"points\": [");
    for (size_t pt = 0; pt < p->n_points; pt++) {
        strbuf_addf(sb, "%s\n    {\"values\": {", pt ? "," : "");
        for (size_t a = 0; a < p->n_axes; a++) {
            strbuf_addf(sb, "%s", a ? ", " : "");
            strbuf_add_json_string(sb, p->axes[a].path);
            strbuf_addf(sb, ": ");
            strbuf_add_json_string(sb, exp_plan_value(p, pt, a));
        }
        strbuf_addf(sb, "},\n");
        json_point_configs(r, pt, xa, sb);
        json_point_pairs(r, pt, xa, xb, sb);
        strbuf_addc(sb, '}');
    }
    strbuf_addf(sb, "\n  ],\n");
    json_capacity(r, xa, sb);
    strbuf_addf(sb, "}\n");
    free(xa);
}

/* ------------------------------------------------------------------ plot */

int exp_summary_plot_metric(const struct exp_results *r)
{
    return r->bound.set ? r->bound.metric : exp_metric_find("p95_s");
}

bool exp_summary_plot_data(const struct exp_results *r, struct strbuf *sb)
{
    const struct exp_plan *p = r->plan;
    if (p->n_axes != 1)
        return false;
    for (size_t v = 0; v < p->axes[0].n_values; v++) {
        char *end;
        strtod(p->axes[0].values[v], &end);
        if (*end || end == p->axes[0].values[v])
            return false;
    }
    int m = exp_summary_plot_metric(r);
    double *buf = xmalloc((p->n_reps + 1) * sizeof(*buf));
    for (size_t c = 0; c < p->n_configs; c++) {
        strbuf_addf(sb, "# config %s: %s mean ci95_lo ci95_hi\n", p->configs[c],
                    p->axes[0].path);
        for (size_t pt = 0; pt < p->n_points; pt++) {
            struct exp_ci ci;
            exp_ci_compute(buf, samples(r, pt, c, m, buf), LEVEL, &ci);
            if (isnan(ci.mean))
                continue;
            /* One replication: a line without a band. */
            strbuf_addf(sb, "%s %.6f %.6f %.6f\n", exp_plan_value(p, pt, 0), ci.mean,
                        isnan(ci.lo) ? ci.mean : ci.lo, isnan(ci.hi) ? ci.mean : ci.hi);
        }
        strbuf_addf(sb, "\n\n");
    }
    free(buf);
    return true;
}
