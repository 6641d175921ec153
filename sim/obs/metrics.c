/* metrics.c - see metrics.h. */
#include "obs/metrics.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "base/base.h"
#include "base/stats.h"
#include "model/kubelet/kubelet.h"

bool metrics_pod_waits_invalid_name(const struct kubelet *k, const struct kubelet_pod *p)
{
    for (uint32_t c = 0; c < p->n_containers; c++)
        if (kubelet_container(k, p->first_container + c)->invalid_name)
            return true;
    return false;
}

/* Fills the order statistics from 'v': the n_ready finite values first,
 * then n - n_ready never-ready entries, which sort as +INFINITY. */
static double rank_all(double *v, size_t n_ready, size_t n, double q)
{
    for (size_t i = n_ready; i < n; i++)
        v[i] = INFINITY;
    return stats_nearest_rank(v, n, q);
}

static void summarize_pods(const struct kubelet *k, struct metrics_summary *out)
{
    size_t n = kubelet_pod_count(k), ready = 0;
    double *lat = xmalloc((n ? n : 1) * sizeof(*lat));
    double *at = xmalloc((n ? n : 1) * sizeof(*at));
    out->last_ready = NAN;
    for (uint32_t i = 0; i < n; i++) {
        const struct kubelet_pod *p = kubelet_pod(k, i);
        if (p->node == UINT32_MAX)
            out->pods_unscheduled++;
        out->pods_invalid_image += metrics_pod_waits_invalid_name(k, p);
        if (isnan(p->ready))
            continue;
        at[ready] = p->ready;
        lat[ready++] = p->ready - p->created;
        if (isnan(out->last_ready) || p->ready > out->last_ready)
            out->last_ready = p->ready;
    }
    out->pods = n;
    out->pods_ready = ready;
    gsl_sort(lat, 1, ready);
    gsl_sort(at, 1, ready);
    out->ready_mean = ready ? gsl_stats_mean(lat, 1, ready) : NAN;
    out->ready_max_ready = ready ? lat[ready - 1] : NAN;
    out->ready_p50 = rank_all(lat, ready, n, 0.50);
    out->ready_p90 = rank_all(lat, ready, n, 0.90);
    out->ready_p95 = rank_all(lat, ready, n, 0.95);
    out->ready_p99 = rank_all(lat, ready, n, 0.99);
    out->ready_max = rank_all(lat, ready, n, 1.00);
    out->t50 = rank_all(at, ready, n, 0.50);
    out->t90 = rank_all(at, ready, n, 0.90);
    out->t95 = rank_all(at, ready, n, 0.95);
    out->t99 = rank_all(at, ready, n, 0.99);
    free(at);
    out->ready_latency = lat;
}

double metrics_pod_in_error(const struct kubelet_pod *p, double end)
{
    if (isnan(p->first_failure))
        return NAN;
    return (isnan(p->recovered) ? end : p->recovered) - p->first_failure;
}

static void summarize_backoff(const struct kubelet *k, struct metrics_backoff *out)
{
    double sum = 0;
    *out = (struct metrics_backoff){.mean_recovery = NAN, .max_recovery = NAN};
    for (uint32_t i = 0; i < kubelet_pod_count(k); i++) {
        const struct kubelet_pod *p = kubelet_pod(k, i);
        if (isnan(p->first_failure))
            continue;
        out->pods_affected++;
        if (isnan(p->recovered))
            continue;
        double r = p->recovered - p->first_failure;
        out->pods_recovered++;
        sum += r;
        if (isnan(out->max_recovery) || r > out->max_recovery)
            out->max_recovery = r;
    }
    if (out->pods_recovered)
        out->mean_recovery = sum / (double)out->pods_recovered;
}

static void summarize_pulls(const struct kubelet *k, struct metrics_summary *out)
{
    size_t n = kubelet_pull_count(k);
    out->pulls = n;
    for (uint32_t i = 0; i < n; i++) {
        const struct kubelet_pull *p = kubelet_pull_record(k, i);
        switch (p->result) {
        case KUBELET_PULL_PENDING:
            out->pulls_pending++;
            break;
        case KUBELET_PULL_OK:
            out->pulls_ok++;
            break;
        case KUBELET_PULL_FAILED:
            out->pulls_failed++;
            break;
        }
    }
}

/* Version skew at the end of the run, series in order of appearance. */
static void summarize_versions(const struct world *w, struct metrics_summary *out)
{
    const struct scenario *sc = world_scenario(w);
    const struct versions *v = world_versions(w);
    out->pushes = sc->n_pushes;
    out->n_versions = v ? versions_series_count(v) : 0;
    out->versions = xcalloc(out->n_versions ? out->n_versions : 1, sizeof(*out->versions));
    for (size_t i = 0; i < out->n_versions; i++) {
        const struct versions_series *s = versions_series(v, i);
        const struct scenario_workload *wl = &sc->workloads[s->workload];
        out->versions[i] = (struct metrics_version){
            .workload = wl->name, .container = wl->containers[s->container].name,
            /* With updates the container's reference changes: the image's own. */
            .image = sc->n_updates ? sc->images[s->image].ref : wl->containers[s->container].image,
            .digest = sc->images[s->image].digest,
            .pods = s->pods};
    }
}

/* Rollout durations and container restarts (scenarios that have them). */
static void summarize_rollouts(const struct world *w, struct metrics_summary *out)
{
    const struct scenario *sc = world_scenario(w);
    out->n_rollouts = world_rollout_count(w);
    out->rollouts = xcalloc(out->n_rollouts ? out->n_rollouts : 1, sizeof(*out->rollouts));
    for (size_t i = 0; i < out->n_rollouts; i++) {
        const struct rollout_record *r = world_rollout(w, i);
        out->rollouts[i] = (struct metrics_rollout){
            .workload = sc->workloads[r->workload].name, .at = r->started,
            .duration = r->completed - r->started, .superseded = r->superseded};
    }
    for (size_t i = 0; i < sc->n_workloads; i++)
        for (size_t c = sc->workloads[i].n_init; c < sc->workloads[i].n_containers; c++)
            out->has_restarts = out->has_restarts || sc->workloads[i].containers[c].run_for > 0;
    out->restarts = kubelet_restarts(world_kubelet(w));
}

void metrics_summarize(struct world *w, struct metrics_summary *out)
{
    *out = (struct metrics_summary){0};
    summarize_pods(world_kubelet(w), out);
    summarize_pulls(world_kubelet(w), out);
    summarize_backoff(world_kubelet(w), &out->backoff);
    out->layer_transfers = runtime_layer_transfers(world_runtime(w));
    out->events = engine_events_processed(world_engine(w));
    out->end_time = engine_now(world_engine(w));
    out->horizon = engine_horizon(world_engine(w));
    out->horizon_cut = engine_has_work(world_engine(w));
    for (size_t i = 0; i < world_node_count(w); i++)
        out->bytes_fetched += (double)world_node(w, i)->bytes_fetched;
    out->has_disk = world_has_disk(w);
    world_disk_stats(w, &out->disk);
    summarize_versions(w, out);
    summarize_rollouts(w, out);
    out->n_registries = world_registry_count(w);
    out->registries = xcalloc(out->n_registries, sizeof(*out->registries));
    for (size_t i = 0; i < out->n_registries; i++) {
        const struct registry *r = world_registry(w, i);
        out->registries[i] = (struct metrics_registry){
            .host = r->cfg->host, .bytes = world_registry_bytes(w, i),
            .requests = r->requests, .manifest_requests = r->manifest_requests,
            .blob_requests = r->blob_requests, .failures = r->failures,
            .throttled = r->throttled, .unauthorized = r->unauthorized};
        out->auth_failures += r->unauthorized;
    }
    out->has_credentials = kubelet_uses_credentials(world_kubelet(w));
    out->has_invalid_images = world_scenario(w)->n_invalid_images > 0;
    kubelet_credential_stats(world_kubelet(w), &out->creds);
}

void metrics_release(struct metrics_summary *s)
{
    free(s->ready_latency);
    s->ready_latency = NULL;
    free(s->registries);
    s->registries = NULL;
    free(s->versions);
    s->versions = NULL;
    free(s->rollouts);
    s->rollouts = NULL;
    s->n_registries = 0;
}
