/* headline.c - see headline.h. */
#include "exp/headline.h"

#include <math.h>
#include <string.h>

#include "base/base.h"
#include "obs/output.h"

int headline_parse_format(const char *text, enum headline_format *out)
{
    if (strcmp(text, "table") == 0)
        *out = HEADLINE_TABLE;
    else if (strcmp(text, "json") == 0)
        *out = HEADLINE_JSON;
    else
        return -1;
    return 0;
}

const char *headline_time(char *buf, size_t size, double t)
{
    if (isnan(t))
        snprintf(buf, size, "-");
    else if (isinf(t))
        snprintf(buf, size, ">horizon");
    else
        snprintf(buf, size, "%.2f", t);
    return buf;
}

void headline_begin(FILE *f, enum headline_format fmt, const char *scenario, uint64_t seed,
                    const char *outdir)
{
    switch (fmt) {
    case HEADLINE_TABLE:
        fprintf(f, "pullsim: scenario '%s', seed %llu -> %s/\n", scenario,
                (unsigned long long)seed, outdir);
        fprintf(f, "%-16s %11s %9s %9s %9s %9s %9s %9s %9s %10s %10s\n", "config", "ready",
                "mean_s", "p50_s", "p90_s", "p95_s", "p99_s", "max_s", "t90_s", "layers",
                "events");
        break;
    case HEADLINE_JSON:
        fputs("[", f);
        break;
    }
}

/* The table's lines under a row: each update's rollout duration, and the
 * container restarts (scenarios with a regular container's runFor). */
static void headline_rollouts(FILE *f, const struct metrics_summary *s)
{
    for (size_t i = 0; i < s->n_rollouts; i++) {
        const struct metrics_rollout *r = &s->rollouts[i];
        if (isnan(r->duration))
            fprintf(f, "  rollout of %s at %.2f s: %s\n", r->workload, r->at,
                    r->superseded ? "superseded by a later update" : "not complete at the end");
        else
            fprintf(f, "  rollout of %s at %.2f s: complete in %.2f s\n", r->workload, r->at,
                    r->duration);
    }
    if (s->has_restarts)
        fprintf(f, "  container restarts: %llu\n", (unsigned long long)s->restarts);
}

void headline_row(FILE *f, enum headline_format fmt, bool first, const char *scenario,
                  uint64_t seed, const char *config, const struct metrics_summary *s)
{
    char ready[48], b[7][16];
    struct strbuf sb;
    switch (fmt) {
    case HEADLINE_TABLE:
        snprintf(ready, sizeof(ready), "%zu/%zu", s->pods_ready, s->pods);
        fprintf(f, "%-16s %11s %9s %9s %9s %9s %9s %9s %9s %10llu %10llu\n", config, ready,
                headline_time(b[0], 16, s->ready_mean), headline_time(b[1], 16, s->ready_p50),
                headline_time(b[2], 16, s->ready_p90), headline_time(b[3], 16, s->ready_p95),
                headline_time(b[4], 16, s->ready_p99), headline_time(b[5], 16, s->ready_max),
                headline_time(b[6], 16, s->t90), (unsigned long long)s->layer_transfers,
                (unsigned long long)s->events);
        headline_rollouts(f, s);
        break;
    case HEADLINE_JSON:
        strbuf_init(&sb);
        output_summary_json(s, scenario, config, seed, &sb);
        /* Drop the document's final newline so the array closes on its line. */
        if (sb.len && sb.buf[sb.len - 1] == '\n')
            sb.buf[--sb.len] = '\0';
        fprintf(f, "%s%s", first ? "" : ",\n", sb.buf);
        strbuf_release(&sb);
        break;
    }
}

void headline_end(FILE *f, enum headline_format fmt)
{
    switch (fmt) {
    case HEADLINE_TABLE:
        break;
    case HEADLINE_JSON:
        fputs("]\n", f);
        break;
    }
}

bool headline_warn_horizon(FILE *err, const char *config, const struct metrics_summary *s)
{
    if (!s->horizon_cut)
        return false;
    char h[32], never[96] = "";
    if (s->pods_invalid_image > 0) /* no horizon makes these ready */
        snprintf(never, sizeof(never), " (%zu wait with InvalidImageName and never will)",
                 s->pods_invalid_image);
    fprintf(err, "pullsim: warning: config '%s': the horizon (%s s) cut the run short with %zu "
                 "of %zu pods not ready%s; percentiles they would reach print as '>horizon' "
                 "(null in JSON); raise 'horizon' to see them\n",
            config, headline_time(h, sizeof(h), s->horizon), s->pods - s->pods_ready, s->pods,
            never);
    return true;
}
