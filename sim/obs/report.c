/* report.c - see report.h. */
#include "obs/report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "base/units.h"
#include "obs/output.h"
#include "obs/trace.h"

/* Events kept over all pods of a run, in bytes: a pull storm of 100 000
 * pods keeps its first 64 MB (the slowest pod may then be cut; the page
 * says so and names --trace-pod). Events are kept as published (their
 * transient strings copied) and only the chosen pod's are formatted, so a
 * run pays a copy per event, not a formatted line. */
#define RUN_TRACE_MAX (64u * 1024u * 1024u)

/* One published event with its transient strings (pod, status, error,
 * note, presence) copied into 'strs'; the others point into the scenario. */
struct kept {
    struct kubelet_event ev;
    char *strs;
};

struct report {
    const struct scenario *sc;
    char *pod;                  /* chosen pod, NULL = the slowest */
    struct report_column *cols;
    size_t n_cols, cap_cols;
    struct kept *events;        /* of the run being watched, in time order */
    size_t n_events, cap_events;
    size_t kept;                /* bytes held by 'events' */
    bool cut;                   /* some event was dropped by the limit */
};

struct report *report_new(const struct scenario *sc, const char *pod)
{
    struct report *r = xcalloc(1, sizeof(*r));
    r->sc = sc;
    r->pod = pod ? xstrdup(pod) : NULL;
    return r;
}

static void drop_lines(struct report *r)
{
    for (size_t i = 0; i < r->n_events; i++)
        free(r->events[i].strs);
    free(r->events);
    r->events = NULL;
    r->n_events = r->cap_events = 0;
    r->kept = 0;
    r->cut = false;
}

void report_free(struct report *r)
{
    if (!r)
        return;
    drop_lines(r);
    for (size_t i = 0; i < r->n_cols; i++) {
        free(r->cols[i].name);
        free(r->cols[i].trace_pod);
        free(r->cols[i].trace);
    }
    free(r->cols);
    free(r->pod);
    free(r);
}

/* ---------------------------------------------------------------- watching */

/* Copies *src (may be NULL) to the block at *at; returns the copy. */
static const char *copy_str(const char *src, char **at)
{
    if (!src)
        return NULL;
    size_t n = strlen(src) + 1;
    memcpy(*at, src, n);
    const char *out = *at;
    *at += n;
    return out;
}

static size_t len_or_0(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static void on_event(void *arg, const struct kubelet_event *ev)
{
    struct report *r = arg;
    if (r->pod && strcmp(r->pod, ev->pod) != 0)
        return;
    size_t n = len_or_0(ev->pod) + len_or_0(ev->status) + len_or_0(ev->error) +
               len_or_0(ev->note) + len_or_0(ev->presence);
    if (r->kept + n + sizeof(struct kept) > RUN_TRACE_MAX) {
        r->cut = true;
        return;
    }
    struct kept *k = VEC_PUSH(r->events, r->n_events, r->cap_events);
    k->ev = *ev;
    k->strs = xmalloc(n ? n : 1);
    char *at = k->strs;
    k->ev.pod = copy_str(ev->pod, &at);
    k->ev.status = copy_str(ev->status, &at);
    k->ev.error = copy_str(ev->error, &at);
    k->ev.note = copy_str(ev->note, &at);
    k->ev.presence = copy_str(ev->presence, &at);
    r->kept += n + sizeof(struct kept);
}

void report_watch(struct report *r, struct kubelet_event_topic *topic)
{
    drop_lines(r);
    PROBE_SUBSCRIBE(topic, on_event, r);
}

/* The pod to show: the one named, else not ready first, then the largest
 * ready latency, then the lowest id. SCENARIO_NONE if there is none. */
static uint32_t pick_pod(const struct report *r, const struct kubelet *k)
{
    uint32_t best = SCENARIO_NONE;
    double worst = -1;
    size_t n = kubelet_pod_count(k);
    for (uint32_t i = 0; i < n; i++) {
        const struct kubelet_pod *p = kubelet_pod(k, i);
        if (r->pod) {
            char name[160];
            snprintf(name, sizeof(name), "%s-%u", r->sc->workloads[p->workload].name, i);
            if (strcmp(name, r->pod) == 0)
                return i;
            continue;
        }
        double lat = isnan(p->ready) ? INFINITY : p->ready - p->created;
        if (lat > worst) {
            worst = lat;
            best = i;
        }
    }
    return best;
}

static double sum_registries(const struct metrics_summary *s, int which)
{
    double sum = 0;
    for (size_t i = 0; i < s->n_registries; i++)
        sum += which == 0   ? (double)s->registries[i].requests
               : which == 1 ? (double)s->registries[i].failures
                            : (double)s->registries[i].throttled;
    return sum;
}

void report_add_run(struct report *r, const char *config, const struct metrics_summary *s,
                    const struct world *w)
{
    struct report_column c = {
        .name = xstrdup(config), .pods = s->pods, .pods_ready = s->pods_ready,
        .mean = s->ready_mean, .p50 = s->ready_p50, .p90 = s->ready_p90, .p99 = s->ready_p99,
        .max = s->ready_max, .last_ready = s->last_ready, .ci_mean = NAN, .ci_p90 = NAN,
        .pulls_ok = s->pulls_ok, .pulls_failed = s->pulls_failed,
        .layers = s->layer_transfers,
        .requests = (unsigned long long)sum_registries(s, 0),
        .failures = (unsigned long long)sum_registries(s, 1),
        .throttled = (unsigned long long)sum_registries(s, 2),
        .bytes = s->bytes_fetched, .backoff_pods = s->backoff.pods_affected,
        .backoff_recovered = s->backoff.pods_recovered, .backoff_max = s->backoff.max_recovery};
    const struct kubelet *k = world_kubelet(w);
    uint32_t pod = pick_pod(r, k);
    if (pod != SCENARIO_NONE) {
        const struct kubelet_pod *p = kubelet_pod(k, pod);
        c.trace_pod = xasprintf("%s-%u", r->sc->workloads[p->workload].name, pod);
        struct strbuf t;
        strbuf_init(&t);
        for (size_t i = 0; i < r->n_events; i++)
            if (r->events[i].ev.pod_id == pod)
                trace_format_text(&r->events[i].ev, &t);
        if (t.len == 0)
            strbuf_addf(&t, "(no image event: the pod was never placed on a node)\n");
        if (r->cut)
            strbuf_addf(&t, "(trace limits reached in this run: lines may be missing; "
                            "pullsim run --trace-pod %s writes them all)\n", c.trace_pod);
        c.trace = strbuf_detach(&t);
    }
    drop_lines(r);
    report_add_column(r, &c);
}

void report_add_column(struct report *r, struct report_column *col)
{
    *(struct report_column *)VEC_PUSH(r->cols, r->n_cols, r->cap_cols) = *col;
}

/* ---------------------------------------------------------------- HTML */

static void esc(struct strbuf *sb, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            strbuf_addf(sb, "&lt;");
            break;
        case '>':
            strbuf_addf(sb, "&gt;");
            break;
        case '&':
            strbuf_addf(sb, "&amp;");
            break;
        case '"':
            strbuf_addf(sb, "&quot;");
            break;
        default:
            strbuf_addc(sb, *s);
        }
    }
}

/* Reads a whole file; NULL if it cannot (absent: a plot not drawn). */
static char *slurp(const char *path, size_t *len)
{
    char *text;
    return base_read_file(path, &text, len) == 0 ? text : NULL;
}

static bool starts(const char *p, const char *word)
{
    return strncmp(p, word, strlen(word)) == 0;
}

/* Copies an SVG file's <svg> element, giving every id and every reference
 * to one ("#id", "url(#id)") the prefix 'pfx', so the identical ids
 * gnuplot writes into each picture stay apart on one page. */
static void inline_svg(struct strbuf *sb, const char *svg, const char *pfx)
{
    const char *p = strstr(svg, "<svg");
    if (!p)
        return;
    while (*p) {
        bool ws = p > svg && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n');
        if (ws && (starts(p, "id='") || starts(p, "id=\""))) {
            strbuf_add(sb, p, 4);
            strbuf_addf(sb, "%s", pfx);
            p += 4;
        } else if (starts(p, "href='#") || starts(p, "href=\"#") || starts(p, "url(#")) {
            size_t n = p[0] == 'u' ? 5 : 7;
            strbuf_add(sb, p, n);
            strbuf_addf(sb, "%s", pfx);
            p += n;
        } else {
            strbuf_addc(sb, *p++);
        }
    }
    strbuf_addc(sb, '\n');
}

/* A plot of 'dir'/'rel' (an SVG), as a figure; nothing if absent. */
static void figure(struct strbuf *sb, const char *dir, const char *rel, const char *caption,
                   unsigned *n)
{
    char *path = xasprintf("%s/%s", dir, rel);
    size_t len;
    char *svg = slurp(path, &len);
    free(path);
    if (!svg)
        return;
    char pfx[32];
    snprintf(pfx, sizeof(pfx), "f%u-", (*n)++);
    strbuf_addf(sb, "<figure>\n");
    inline_svg(sb, svg, pfx);
    strbuf_addf(sb, "<figcaption>");
    esc(sb, caption);
    strbuf_addf(sb, " (<a href=\"");
    esc(sb, rel);
    strbuf_addf(sb, "\">");
    esc(sb, rel);
    strbuf_addf(sb, "</a>)</figcaption>\n</figure>\n");
    free(svg);
}

static const char STYLE_CSS[] =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:84em;padding:0 1em;color:#222}"
    "h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:1em 0}"
    "th,td{border:1px solid #bbb;padding:.25em .6em;text-align:right}"
    "th:first-child,td:first-child{text-align:left}thead th{background:#eef}"
    "figure{margin:1em 0}figure svg{width:100%;height:auto;border:1px solid #ddd}"
    "body>figure{max-width:48em}.row{display:flex;gap:1em}.row figure{flex:1;min-width:0;max-width:56em}"
    "figcaption{font-size:.9em;color:#555}pre{background:#f6f6f6;padding:.8em;"
    "overflow-x:auto;font-size:.85em;line-height:1.3}.note{color:#555}";

static void num_cell(struct strbuf *sb, double x, int decimals, double ci)
{
    if (isnan(x)) {
        strbuf_addf(sb, "<td>-</td>");
        return;
    }
    strbuf_addf(sb, "<td>%.*f", decimals, x);
    if (!isnan(ci))
        strbuf_addf(sb, " &plusmn; %.*f", decimals, ci);
    strbuf_addf(sb, "</td>");
}

/* One row of the side-by-side table: a label, one cell per column. */
typedef void cell_fn(struct strbuf *sb, const struct report_column *c);

#define CELL(fname, body)                                                                 \
    static void fname(struct strbuf *sb, const struct report_column *c) { body; }
CELL(c_ready, strbuf_addf(sb, "<td class=\"ready\">%zu/%zu</td>", c->pods_ready, c->pods))
CELL(c_mean, num_cell(sb, c->mean, 2, c->ci_mean))
CELL(c_p50, num_cell(sb, c->p50, 2, NAN))
CELL(c_p90, num_cell(sb, c->p90, 2, c->ci_p90))
CELL(c_p99, num_cell(sb, c->p99, 2, NAN))
CELL(c_max, num_cell(sb, c->max, 2, NAN))
CELL(c_last, num_cell(sb, c->last_ready, 2, NAN))
CELL(c_ok, strbuf_addf(sb, "<td>%llu</td>", c->pulls_ok))
CELL(c_failed, strbuf_addf(sb, "<td>%llu</td>", c->pulls_failed))
CELL(c_layers, strbuf_addf(sb, "<td>%llu</td>", c->layers))
CELL(c_bytes, num_cell(sb, c->bytes / 1e6, 1, NAN))
CELL(c_req, strbuf_addf(sb, "<td>%llu</td>", c->requests))
CELL(c_fail, strbuf_addf(sb, "<td>%llu</td>", c->failures))
CELL(c_thr, strbuf_addf(sb, "<td>%llu</td>", c->throttled))
CELL(c_boff, strbuf_addf(sb, "<td>%zu (%zu recovered)</td>", c->backoff_pods,
                         c->backoff_recovered))
CELL(c_bmax, num_cell(sb, c->backoff_max, 2, NAN))
#undef CELL

static const struct {
    const char *label;
    cell_fn *fn;
} ROWS[] = {
    {"pods ready", c_ready},
    {"pod ready latency, mean (s)", c_mean},
    {"p50 (s)", c_p50},
    {"p90 (s)", c_p90},
    {"p99 (s)", c_p99},
    {"max (s)", c_max},
    {"last pod ready at (s)", c_last},
    {"pulls succeeded", c_ok},
    {"pulls failed", c_failed},
    {"layer downloads", c_layers},
    {"MB fetched", c_bytes},
    {"registry requests", c_req},
    {"registry errors", c_fail},
    {"of which 429 Too Many Requests", c_thr},
    {"pods with failed pulls", c_boff},
    {"longest recovery (s)", c_bmax},
};

static void summary_table(struct strbuf *sb, const struct report *r)
{
    strbuf_addf(sb, "<h2 id=\"summary\">Summary</h2>\n<table id=\"summary-table\">\n"
                    "<thead><tr><th>kubelet config</th>");
    for (size_t i = 0; i < r->n_cols; i++) {
        strbuf_addf(sb, "<th>");
        esc(sb, r->cols[i].name);
        strbuf_addf(sb, "</th>");
    }
    strbuf_addf(sb, "</tr></thead>\n<tbody>\n");
    for (size_t j = 0; j < sizeof(ROWS) / sizeof(ROWS[0]); j++) {
        strbuf_addf(sb, "<tr><th>%s</th>", ROWS[j].label);
        for (size_t i = 0; i < r->n_cols; i++)
            ROWS[j].fn(sb, &r->cols[i]);
        strbuf_addf(sb, "</tr>\n");
    }
    strbuf_addf(sb, "</tbody></table>\n<p class=\"note\">Percentiles by nearest rank. "
                    "Latency is from pod creation to every regular container started.</p>\n");
}

static const struct {
    const char *file, *caption;
} PLOTS[] = {
    {"throughput.svg", "registry egress and active/queued pulls over time"},
    {"registry.svg", "requests, failures and 429s per registry"},
    {"gantt.svg", "per-node pull timeline: queued, then pulling"},
    {"backoff.svg", "image pull attempts and back-off waits per pod"},
    {"disk.svg", "image filesystem usage per node, with the GC thresholds"},
    {"versions.svg", "pods per image digest over time"},
};

/* The CDF, then one row per kind of plot with the configs side by side. */
static void plots(struct strbuf *sb, const struct report *r, const char *dir, bool drawn)
{
    strbuf_addf(sb, "<h2 id=\"plots\">Plots</h2>\n");
    if (!drawn) {
        strbuf_addf(sb, "<p class=\"note\">Plots were not drawn (--no-plots, or no "
                        "gnuplot).</p>\n");
        return;
    }
    unsigned n = 0;
    figure(sb, dir, "cdf.svg", "CDF of pod ready latency, one line per config", &n);
    for (size_t j = 0; j < sizeof(PLOTS) / sizeof(PLOTS[0]); j++) {
        strbuf_addf(sb, "<div class=\"row\">\n");
        for (size_t i = 0; i < r->n_cols; i++) {
            char *rel = xasprintf("%s/%s", r->cols[i].name, PLOTS[j].file);
            char *caption = xasprintf("%s: %s", r->cols[i].name, PLOTS[j].caption);
            figure(sb, dir, rel, caption, &n);
            free(caption);
            free(rel);
        }
        strbuf_addf(sb, "</div>\n");
    }
}

static void traces(struct strbuf *sb, const struct report *r)
{
    strbuf_addf(sb, "<h2 id=\"trace\">Trace of one pod</h2>\n<p class=\"note\">What "
                    "<code>kubectl describe pod</code> would list as events, with the pod's "
                    "STATUS in <code>kubectl get pods</code> after each, and why the kubelet "
                    "did it. %s</p>\n",
                r->pod ? "The pod was chosen with --trace-pod."
                       : "The pod shown is the slowest of each run (never ready first); "
                         "--trace-pod NAME picks another.");
    for (size_t i = 0; i < r->n_cols; i++) {
        const struct report_column *c = &r->cols[i];
        if (!c->trace)
            continue;
        strbuf_addf(sb, "<h3>");
        esc(sb, c->name);
        strbuf_addf(sb, ": pod <span class=\"pod\">");
        esc(sb, c->trace_pod);
        strbuf_addf(sb, "</span></h3>\n<pre class=\"trace\">");
        esc(sb, c->trace);
        strbuf_addf(sb, "</pre>\n");
    }
}

static void scenario_section(struct strbuf *sb, const struct report *r, const char *dir)
{
    if (r->n_cols == 0)
        return;
    char *path = xasprintf("%s/%s/scenario.yaml", dir, r->cols[0].name);
    size_t len;
    char *text = slurp(path, &len);
    free(path);
    if (!text)
        return;
    strbuf_addf(sb, "<h2 id=\"scenario\">Effective scenario</h2>\n<p class=\"note\">With "
                    "every override and the seed applied; it re-runs to the same results "
                    "(<a href=\"");
    esc(sb, r->cols[0].name);
    strbuf_addf(sb, "/scenario.yaml\">scenario.yaml</a>).</p>\n<pre>");
    esc(sb, text);
    strbuf_addf(sb, "</pre>\n");
    free(text);
}

static void files_section(struct strbuf *sb, const struct report *r)
{
    static const char *const files[] = {"summary.json", "pods.csv", "pulls.csv",
                                        "timeseries.csv"};
    strbuf_addf(sb, "<h2 id=\"files\">Data files</h2>\n<ul>\n");
    for (size_t i = 0; i < r->n_cols; i++) {
        strbuf_addf(sb, "<li>");
        esc(sb, r->cols[i].name);
        strbuf_addf(sb, ":");
        for (size_t j = 0; j < sizeof(files) / sizeof(files[0]); j++) {
            strbuf_addf(sb, " <a href=\"");
            esc(sb, r->cols[i].name);
            strbuf_addf(sb, "/%s\">%s</a>", files[j], files[j]);
        }
        strbuf_addf(sb, "</li>\n");
    }
    strbuf_addf(sb, "</ul>\n");
}

static void page(struct strbuf *sb, const struct report *r, const char *dir, bool drawn)
{
    char horizon[32];
    units_format_duration(r->sc->horizon, horizon, sizeof(horizon));
    strbuf_addf(sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>pullsim: ");
    esc(sb, r->sc->name);
    strbuf_addf(sb, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>pullsim: scenario "
                    "<span id=\"scenario-name\">",
                STYLE_CSS);
    esc(sb, r->sc->name);
    strbuf_addf(sb, "</span></h1>\n<p>Seed <span id=\"seed\">%llu</span>, horizon %s, "
                    "%zu kubelet config%s. pullsim %s.</p>\n",
                (unsigned long long)r->sc->seed, horizon, r->n_cols,
                r->n_cols == 1 ? "" : "s", PULLSIM_VERSION);
    strbuf_addf(sb, "<p><a href=\"#summary\">Summary</a> &middot; <a href=\"#plots\">Plots</a>"
                    " &middot; <a href=\"#trace\">Trace</a> &middot; <a href=\"#scenario\">"
                    "Scenario</a> &middot; <a href=\"#files\">Data files</a></p>\n");
    summary_table(sb, r);
    plots(sb, r, dir, drawn);
    traces(sb, r);
    scenario_section(sb, r, dir);
    files_section(sb, r);
    strbuf_addf(sb, "</body>\n</html>\n");
}

int report_write(const struct report *r, const char *dir, bool drawn, FILE *err)
{
    struct strbuf sb;
    strbuf_init(&sb);
    page(&sb, r, dir, drawn);
    char *path = xasprintf("%s/report.html", dir);
    char *tmp = xasprintf("%s.tmp", path);
    int rc = 0;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(err, "pullsim: cannot open '%s' for writing: %s\n", tmp, strerror(errno));
        rc = -1;
    } else {
        bool bad = fwrite(sb.buf, 1, sb.len, f) != sb.len;
        bad |= fclose(f) != 0;
        if (bad || rename(tmp, path) != 0) {
            fprintf(err, "pullsim: cannot write '%s': %s\n", path, strerror(errno));
            unlink(tmp);
            rc = -1;
        }
    }
    free(tmp);
    free(path);
    strbuf_release(&sb);
    return rc;
}
