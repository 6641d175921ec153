/* world.c - see world.h. */
#include "world/world.h"

#include <math.h>
#include <stdlib.h>

#include "base/base.h"
#include "base/rng.h"
#include "base/stats.h"
#include "model/cluster/imagegc.h"
#include "model/cluster/placement.h"
#include "model/node.h"
#include "model/runtimeclass.h"
#include "net/net.h"
#include "obs/versions.h"

/* Source: spec §8; pkg/kubelet/kubelet.go ImageGCPeriod. */
#define IMAGE_GC_PERIOD 300.0
/* Source: spec §8; eviction manager evictionMonitoringPeriod (10 s),
 * evictionPressureTransitionPeriod default 5m, defaults_linux.go
 * imagefs.available 15%. */
#define EVICTION_PERIOD 10.0
#define PRESSURE_TRANSITION 300.0
#define IMAGEFS_AVAILABLE_PCT 15
/* disk.csv and its per-node samples only up to this many nodes (like gantt). */
#define DISK_CSV_MAX_NODES 20

/* Per node with a capacity: the kubelet's image GC and eviction state. */
struct disk_state {
    bool on;               /* the node's pool has a capacity */
    bool pressure;         /* DiskPressure condition */
    double started;        /* s: the node joined (kubelet start) */
    double last_observed;  /* s: the threshold was last met */
    double pressure_since; /* s */
    uint32_t *pods;        /* pods placed on the node */
    size_t n_pods, cap_pods;
};

struct world {
    const struct scenario *sc;
    struct engine *engine;
    struct net *net;
    struct rng *rng;
    struct registry *registries;
    struct node *nodes;          /* max_nodes slots; never moves */
    size_t n_nodes, max_nodes;
    struct placement *placement; /* which node each replica goes to */
    bool *created;               /* per workload: creation time has passed */
    struct runtime *rt;
    struct kubelet *kubelet;
    struct world_sample *samples;
    size_t n_samples, cap_samples;
    struct world_registry_sample *reg_samples; /* n_samples x n_registries */
    size_t n_reg_samples, cap_reg_samples;
    struct world_registry_sample *reg_last;    /* per registry: counters at the last sample */
    double last_egress_bytes;
    struct base_chunks args;     /* struct world_arg: workload and event arguments */
    size_t n_args;
    const struct scenario_kubelet *run_config;
    struct versions *versions;   /* NULL unless the scenario pushes to a tag */
    /* Disk: NULL / empty when no pool has a capacity. */
    struct disk_state *disk;     /* max_nodes entries */
    size_t n_housekeeping;       /* GC and eviction timers pending */
    bool sample_pending;
    struct world_disk_stats dstats;
    uint64_t *disk_samples;      /* n_samples x disk_nodes: bytes used */
    uint8_t *pressure_samples;   /* n_samples x disk_nodes */
    size_t n_disk_samples, cap_disk_samples, cap_pressure_samples;
    size_t disk_nodes;
    uint32_t *disk_pools;        /* pools with a capacity */
    size_t n_disk_pools, cap_disk_pools;
    double *pool_samples;        /* n_samples x n_disk_pools x 3 */
    size_t n_pool_samples, cap_pool_samples;
    double *pct;                 /* max_nodes: scratch for a pool's usage% at a sample */
};

/* Argument of a world event: which workload, scenario event or registry. */
struct world_arg {
    struct world *w;
    uint32_t index;
};

/* A registry's request counters, cumulative. */
static struct world_registry_sample registry_counts(const struct registry *r)
{
    return (struct world_registry_sample){r->requests, r->failures, r->throttled};
}

static size_t max_nodes_of(const struct scenario *sc)
{
    size_t n = 0;
    for (size_t i = 0; i < sc->n_pools; i++)
        n += sc->pools[i].count;
    for (size_t i = 0; i < sc->n_events; i++)
        if (sc->events[i].kind == SCENARIO_EVENT_SCALE_OUT)
            n += sc->events[i].count;
    return n;
}

static struct world_arg *new_arg(struct world *w, uint32_t index);
static void on_image_gc(struct engine *e, void *arg);
static void on_eviction_check(struct engine *e, void *arg);

static void add_node(struct world *w, uint32_t pool)
{
    uint32_t id = (uint32_t)w->n_nodes++;
    struct node *nd = &w->nodes[id];
    const struct scenario_pool *cfg = &w->sc->pools[pool];
    double now = engine_now(w->engine);
    node_init(nd, id, pool, w->sc, cfg, w->net, w->sc->seed);
    /* Images already there when the kubelet starts are detected with the
     * zero time (image_gc_manager.go Start: detectImages(ctx, time.Time{})):
     * old enough for imageMinimumGCAge at once. */
    for (size_t i = 0; i < cfg->n_pre_pulled; i++)
        node_preload_image(nd, w->sc, cfg->pre_pulled[i], cfg->pre_pulled_by_digest[i],
                           -INFINITY);
    kubelet_add_node(w->kubelet, id);
    placement_add_node(w->placement, id);
    if (!w->disk || cfg->disk_capacity == 0)
        return;
    struct disk_state *ds = &w->disk[id];
    ds->on = true;
    ds->started = now;
    /* Source: spec §8; kubelet.go StartGarbageCollection: image GC is not
     * started when the high threshold is 100 and maxAge is off; wait.Until and
     * the eviction manager's loop run at once, then every period. */
    const struct scenario_kubelet *k = world_node_kubelet(w, id);
    if (!(k->image_gc_high_threshold == 100 && k->image_maximum_gc_age == 0)) {
        engine_schedule(w->engine, now, on_image_gc, new_arg(w, id));
        w->n_housekeeping++;
    }
    engine_schedule(w->engine, now, on_eviction_check, new_arg(w, id));
    w->n_housekeeping++;
}

/* A container started: count it under the image it runs (version skew). */
static void on_container_start(void *arg, uint32_t pod, uint32_t container)
{
    struct world *w = arg;
    const struct kubelet_pod *p = kubelet_pod(w->kubelet, pod);
    versions_started(w->versions, p->workload, container,
                     kubelet_container(w->kubelet, p->first_container + container)->image);
}

/* ---------------------------------------------------------------- disk */

/* Is 'image' run by a started container of a pod on the node whose images
 * are keyed by 'handler'? (image_gc_manager.go detectImages: with the gate
 * on, a container marks the tuple of its own runtime handler.) */
static bool image_in_use(void *arg, uint32_t image, uint32_t handler)
{
    struct world_arg *a = arg;
    struct world *w = a->w;
    const struct disk_state *ds = &w->disk[a->index];
    const struct scenario_kubelet *k = world_node_kubelet(w, a->index);
    for (size_t i = 0; i < ds->n_pods; i++) {
        const struct kubelet_pod *p = kubelet_pod(w->kubelet, ds->pods[i]);
        if (runtimeclass_image_handler(w->sc, k, p->workload) != handler)
            continue;
        for (uint32_t c = 0; c < p->n_containers; c++)
            if (kubelet_container(w->kubelet, p->first_container + c)->image == image)
                return true;
    }
    return false;
}

/* Something besides the sampler and these timers is pending.
 * Simplification: GC and eviction checks stop once nothing else can happen
 * (a run would otherwise last to the horizon); one already scheduled still
 * fires. */
static bool other_work(const struct world *w)
{
    return engine_size(w->engine) > w->n_housekeeping + (w->sample_pending ? 1u : 0u);
}

static void on_image_gc(struct engine *e, void *arg)
{
    struct world_arg *a = arg;
    struct world *w = a->w;
    struct node *nd = &w->nodes[a->index];
    double now = engine_now(e);
    w->n_housekeeping--;
    struct imagegc_policy pol = imagegc_policy_of(world_node_kubelet(w, a->index),
                                                  w->disk[a->index].started);
    struct imagegc_result r;
    imagegc_collect(nd, &pol, now, image_in_use, a, &r);
    /* PruneUnknownRecords follows image GC (spec §10). */
    if (r.deleted > 0)
        kubelet_prune_pull_records(w->kubelet, a->index);
    struct world_disk_stats *st = &w->dstats;
    st->gc_invocations++;
    st->gc_runs += r.over_high || r.deleted > 0;
    st->gc_failed += r.failed;
    st->gc_images_deleted += r.deleted;
    st->gc_bytes_counted += r.counted;
    st->gc_bytes_freed += r.freed;
    if (other_work(w)) {
        engine_schedule(e, now + IMAGE_GC_PERIOD, on_image_gc, a);
        w->n_housekeeping++;
    }
}

static void on_eviction_check(struct engine *e, void *arg)
{
    struct world_arg *a = arg;
    struct world *w = a->w;
    struct node *nd = &w->nodes[a->index];
    struct disk_state *ds = &w->disk[a->index];
    double now = engine_now(e);
    w->n_housekeeping--;
    /* Source: spec §8; eviction_manager.go synchronize: thresholds met now,
     * conditions kept while observed within the transition period. */
    uint64_t cap = nd->cfg->disk_capacity, avail = node_disk_free(nd);
    bool met = avail * 100 < cap * IMAGEFS_AVAILABLE_PCT;
    if (met)
        ds->last_observed = now;
    bool pressure = met || (ds->pressure && now - ds->last_observed < PRESSURE_TRANSITION);
    if (pressure && !ds->pressure) {
        ds->pressure_since = now;
        w->dstats.pressure_transitions++;
    } else if (!pressure && ds->pressure) {
        w->dstats.pressure_node_seconds += now - ds->pressure_since;
    }
    if (pressure != ds->pressure)
        placement_set_pressure(w->placement, a->index, pressure);
    ds->pressure = pressure;
    if (met) {
        /* reclaimNodeLevelResources: DeleteUnusedImages (helpers.go deleteImages).
         * Simplification: no pod is evicted when the reclaim is not enough. */
        struct imagegc_policy pol = imagegc_policy_of(world_node_kubelet(w, a->index),
                                                      ds->started);
        struct imagegc_result r;
        imagegc_delete_unused(nd, &pol, now, image_in_use, a, &r);
        if (r.deleted > 0)
            kubelet_prune_pull_records(w->kubelet, a->index);
        struct world_disk_stats *st = &w->dstats;
        st->reclaims += r.deleted > 0;
        st->reclaim_images_deleted += r.deleted;
        st->reclaim_bytes_counted += r.counted;
        st->reclaim_bytes_freed += r.freed;
    }
    if (other_work(w)) {
        engine_schedule(e, now + EVICTION_PERIOD, on_eviction_check, a);
        w->n_housekeeping++;
    }
}

static bool under_pressure(const struct world *w, uint32_t node)
{
    return w->disk && w->disk[node].pressure;
}

static void place(struct world *w, uint32_t workload, uint32_t node)
{
    placement_count_pod(w->placement, node);
    uint32_t pod = kubelet_add_pod(w->kubelet, workload, node);
    if (w->disk && w->disk[node].on) {
        struct disk_state *ds = &w->disk[node];
        *(uint32_t *)VEC_PUSH(ds->pods, ds->n_pods, ds->cap_pods) = pod;
    }
}

/* DaemonSet: one pod per node of its pool(s); a DaemonSet pod is placed
 * even beyond maxPods (Simplification: no preemption). */
static void create_daemonset_pod(struct world *w, uint32_t workload, uint32_t node)
{
    const struct scenario_workload *wl = &w->sc->workloads[workload];
    if (wl->pool != SCENARIO_NONE && w->nodes[node].pool != wl->pool)
        return;
    if (under_pressure(w, node)) {
        /* eviction_manager.go Admit: under DiskPressure every pod is rejected.
         * Simplification: the DaemonSet controller does not retry it. */
        kubelet_add_unscheduled_pod(w->kubelet, workload);
        w->dstats.pods_rejected++;
        return;
    }
    place(w, workload, node);
}

/* placement_bind_fn: a Deployment's or Pod's replica goes to 'node'. */
static void bind_replica(void *arg, uint32_t workload, uint32_t node)
{
    struct world *w = arg;
    if (node == UINT32_MAX)
        kubelet_add_unscheduled_pod(w->kubelet, workload);
    else
        place(w, workload, node);
}

static void on_workload_created(struct engine *e, void *arg)
{
    struct world_arg *a = arg;
    struct world *w = a->w;
    const struct scenario_workload *wl = &w->sc->workloads[a->index];
    (void)e;
    w->created[a->index] = true;
    if (wl->kind == SCENARIO_KIND_DAEMONSET) {
        for (uint32_t i = 0; i < w->n_nodes; i++)
            create_daemonset_pod(w, a->index, i);
        return;
    }
    uint32_t replicas = wl->kind == SCENARIO_KIND_POD ? 1 : wl->replicas;
    placement_place(w->placement, a->index, replicas, bind_replica, w);
}

static void on_scenario_event(struct engine *e, void *arg)
{
    struct world_arg *a = arg;
    struct world *w = a->w;
    const struct scenario_event *ev = &w->sc->events[a->index];
    (void)e;
    switch (ev->kind) {
    case SCENARIO_EVENT_SCALE_OUT:
        for (uint32_t i = 0; i < ev->count; i++) {
            uint32_t node = (uint32_t)w->n_nodes;
            add_node(w, ev->pool);
            for (uint32_t wl = 0; wl < w->sc->n_workloads; wl++)
                if (w->created[wl] && w->sc->workloads[wl].kind == SCENARIO_KIND_DAEMONSET)
                    create_daemonset_pod(w, wl, node);
        }
        break;
    case SCENARIO_EVENT_PUSH:
        runtime_move_tag(w->rt, ev->tag, ev->image);
        break;
    }
}

static double total_egress_bytes(struct world *w)
{
    double b = 0;
    for (size_t i = 0; i < w->sc->n_registries; i++)
        b += net_link_bytes(w->net, w->registries[i].egress);
    return b;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Per-node usage (small scenarios) and per-pool usage% percentiles. */
static void sample_disk(struct world *w)
{
    for (size_t j = 0; j < w->disk_nodes; j++) {
        uint64_t used = j < w->n_nodes ? node_disk_usage(&w->nodes[j]) : 0;
        *(uint64_t *)VEC_PUSH(w->disk_samples, w->n_disk_samples, w->cap_disk_samples) = used;
        size_t n = w->n_disk_samples - 1;
        VEC_RESERVE(w->pressure_samples, n, w->cap_pressure_samples, n + 1);
        w->pressure_samples[n] = j < w->n_nodes && w->disk[j].pressure;
    }
    double *pct = w->pct;
    for (size_t k = 0; k < w->n_disk_pools; k++) {
        size_t n = 0;
        for (size_t j = 0; j < w->n_nodes; j++) {
            const struct node *nd = &w->nodes[j];
            if (nd->pool == w->disk_pools[k])
                pct[n++] = 100.0 * (double)node_disk_usage(nd) / (double)nd->cfg->disk_capacity;
        }
        qsort(pct, n, sizeof(*pct), cmp_double);
        double *out = VEC_PUSH(w->pool_samples, w->n_pool_samples, w->cap_pool_samples);
        out[0] = stats_nearest_rank(pct, n, 0.5);
        out = VEC_PUSH(w->pool_samples, w->n_pool_samples, w->cap_pool_samples);
        out[0] = stats_nearest_rank(pct, n, 0.9);
        out = VEC_PUSH(w->pool_samples, w->n_pool_samples, w->cap_pool_samples);
        out[0] = n ? pct[n - 1] : NAN;
    }
}

/* Samples the time series; keeps sampling while anything else is pending. */
static void on_sample(struct engine *e, void *arg)
{
    struct world *w = arg;
    double bytes = total_egress_bytes(w);
    struct world_sample *s = VEC_PUSH(w->samples, w->n_samples, w->cap_samples);
    s->t = engine_now(e);
    s->egress_Bps = (bytes - w->last_egress_bytes) / w->sc->sample_interval;
    s->active_pulls = runtime_active_pulls(w->rt);
    s->queued_pulls = kubelet_queued_pulls(w->kubelet);
    w->last_egress_bytes = bytes;
    for (size_t i = 0; i < w->sc->n_registries; i++) {
        struct world_registry_sample now = registry_counts(&w->registries[i]);
        struct world_registry_sample *rs = VEC_PUSH(w->reg_samples, w->n_reg_samples,
                                                    w->cap_reg_samples);
        rs->requests = now.requests - w->reg_last[i].requests;
        rs->failures = now.failures - w->reg_last[i].failures;
        rs->throttled = now.throttled - w->reg_last[i].throttled;
        w->reg_last[i] = now;
    }
    if (w->disk)
        sample_disk(w);
    if (w->versions)
        versions_sample(w->versions);
    w->sample_pending = engine_size(e) > w->n_housekeeping;
    if (w->sample_pending)
        engine_schedule(e, s->t + w->sc->sample_interval, on_sample, w);
}

static struct world_arg *new_arg(struct world *w, uint32_t index)
{
    struct world_arg *a = base_chunks_at(&w->args, w->n_args++);
    a->w = w;
    a->index = index;
    return a;
}

/* A registry's next change is due (changes fire in their order). */
static void on_registry_change(struct engine *e, void *arg)
{
    struct world_arg *a = arg;
    (void)e;
    registry_apply_next_change(&a->w->registries[a->index], a->w->net);
}

static void on_outage_began(struct engine *e, void *arg)
{
    struct world_arg *a = arg;
    (void)e;
    runtime_registry_outage_began(a->w->rt, a->index);
}

/* Registry changes and outage starts, before workloads: at equal times the
 * registry's state is settled before pods pull from it. */
static void schedule_registry_events(struct world *w)
{
    for (uint32_t i = 0; i < w->sc->n_registries; i++) {
        const struct scenario_registry *r = &w->sc->registries[i];
        for (size_t j = 0; j < r->n_changes; j++)
            engine_schedule(w->engine, r->changes[j].at, on_registry_change, new_arg(w, i));
        for (size_t j = 0; j < r->n_outages; j++)
            engine_schedule(w->engine, r->outages[j].from, on_outage_began, new_arg(w, i));
    }
}

struct world *world_new(const struct scenario *sc, const struct scenario_kubelet *run_config,
                        enum net_model model)
{
    struct world *w = xcalloc(1, sizeof(*w));
    w->sc = sc;
    w->engine = engine_new(sc->horizon);
    w->net = net_new(w->engine, model);
    w->rng = rng_new();
    w->max_nodes = max_nodes_of(sc);
    w->registries = xcalloc(sc->n_registries, sizeof(*w->registries));
    w->reg_last = xcalloc(sc->n_registries ? sc->n_registries : 1, sizeof(*w->reg_last));
    /* The grant callback is the runtime's; runtime_new sets it. */
    for (size_t i = 0; i < sc->n_registries; i++) {
        registry_init(&w->registries[i], &sc->registries[i], w->net, w->max_nodes,
                      sc->n_pools, NULL);
        registry_set_credential_count(&w->registries[i], sc->n_credentials);
    }
    w->nodes = xcalloc(w->max_nodes, sizeof(*w->nodes));
    w->placement = placement_new(sc, w->nodes, w->max_nodes, w->rng);
    w->created = xcalloc(sc->n_workloads, sizeof(*w->created));
    w->run_config = run_config;
    for (uint32_t p = 0; p < sc->n_pools; p++)
        if (sc->pools[p].disk_capacity > 0)
            *(uint32_t *)VEC_PUSH(w->disk_pools, w->n_disk_pools, w->cap_disk_pools) = p;
    if (w->n_disk_pools > 0) {
        w->disk = xcalloc(w->max_nodes ? w->max_nodes : 1, sizeof(*w->disk));
        w->pct = xmalloc((w->max_nodes ? w->max_nodes : 1) * sizeof(*w->pct));
        w->disk_nodes = w->max_nodes <= DISK_CSV_MAX_NODES ? w->max_nodes : 0;
    }
    w->rt = runtime_new(sc, w->engine, w->net, w->rng, w->registries, w->nodes);
    w->kubelet = kubelet_new(sc, run_config, w->engine, w->rng, w->rt, w->nodes, w->max_nodes);
    if (sc->n_pushes > 0) {
        w->versions = versions_new(sc);
        kubelet_set_start_hook(w->kubelet, on_container_start, w);
    }
    base_chunks_init(&w->args, sizeof(struct world_arg));
    schedule_registry_events(w);
    for (uint32_t p = 0; p < sc->n_pools; p++)
        for (uint32_t i = 0; i < sc->pools[p].count; i++)
            add_node(w, p);
    /* Workloads in file order, then events: equal times keep that order. */
    for (uint32_t i = 0; i < sc->n_workloads; i++)
        engine_schedule(w->engine, sc->workloads[i].at, on_workload_created, new_arg(w, i));
    for (uint32_t i = 0; i < sc->n_events; i++)
        engine_schedule(w->engine, sc->events[i].at, on_scenario_event, new_arg(w, i));
    engine_schedule(w->engine, sc->sample_interval, on_sample, w);
    w->sample_pending = true;
    return w;
}

void world_free(struct world *w)
{
    if (!w)
        return;
    kubelet_free(w->kubelet);
    runtime_free(w->rt);
    for (size_t i = 0; i < w->n_nodes; i++)
        node_release(&w->nodes[i]);
    free(w->nodes);
    placement_free(w->placement);
    free(w->created);
    for (size_t i = 0; i < w->sc->n_registries; i++)
        registry_release(&w->registries[i]);
    free(w->registries);
    free(w->reg_last);
    free(w->samples);
    free(w->reg_samples);
    if (w->disk)
        for (size_t i = 0; i < w->max_nodes; i++)
            free(w->disk[i].pods);
    free(w->disk);
    free(w->pct);
    free(w->disk_samples);
    free(w->pressure_samples);
    free(w->disk_pools);
    free(w->pool_samples);
    versions_free(w->versions);
    base_chunks_release(&w->args);
    rng_free(w->rng);
    net_free(w->net);
    engine_free(w->engine);
    free(w);
}

void world_set_trace(struct world *w, struct trace *t)
{
    kubelet_set_trace(w->kubelet, t);
}

void world_run(struct world *w)
{
    engine_run(w->engine);
}

const struct scenario *world_scenario(const struct world *w) { return w->sc; }
const struct kubelet *world_kubelet(const struct world *w) { return w->kubelet; }
const struct engine *world_engine(const struct world *w) { return w->engine; }
const struct runtime *world_runtime(const struct world *w) { return w->rt; }
size_t world_registry_count(const struct world *w) { return w->sc->n_registries; }
const struct registry *world_registry(const struct world *w, size_t i)
{
    return &w->registries[i];
}
double world_registry_bytes(struct world *w, size_t i)
{
    return net_link_bytes(w->net, w->registries[i].egress);
}
size_t world_node_count(const struct world *w) { return w->n_nodes; }
const struct node *world_node(const struct world *w, size_t i) { return &w->nodes[i]; }
size_t world_sample_count(const struct world *w) { return w->n_samples; }
const struct world_sample *world_sample(const struct world *w, size_t i)
{
    return &w->samples[i];
}
const struct world_registry_sample *world_registry_sample(const struct world *w, size_t i,
                                                          size_t reg)
{
    return &w->reg_samples[i * w->sc->n_registries + reg];
}

const struct versions *world_versions(const struct world *w) { return w->versions; }

bool world_has_disk(const struct world *w) { return w->disk != NULL; }
size_t world_disk_node_count(const struct world *w) { return w->disk_nodes; }
uint64_t world_disk_sample(const struct world *w, size_t i, size_t j)
{
    return w->disk_samples[i * w->disk_nodes + j];
}
bool world_disk_pressure_sample(const struct world *w, size_t i, size_t j)
{
    return w->pressure_samples[i * w->disk_nodes + j] != 0;
}
size_t world_disk_pool_count(const struct world *w) { return w->n_disk_pools; }
uint32_t world_disk_pool(const struct world *w, size_t k) { return w->disk_pools[k]; }
void world_disk_pool_sample(const struct world *w, size_t i, size_t k, double out[3])
{
    const double *v = &w->pool_samples[(i * w->n_disk_pools + k) * 3];
    out[0] = v[0];
    out[1] = v[1];
    out[2] = v[2];
}

const struct scenario_kubelet *world_node_kubelet(const struct world *w, size_t node)
{
    uint32_t idx = w->nodes[node].cfg->kubelet;
    return idx == SCENARIO_NONE ? w->run_config : &w->sc->kubelet_configs[idx];
}

bool world_node_disk_pressure(const struct world *w, size_t node)
{
    return under_pressure(w, (uint32_t)node);
}

void world_disk_stats(const struct world *w, struct world_disk_stats *out)
{
    *out = w->dstats;
    double now = engine_now(w->engine);
    for (size_t i = 0; w->disk && i < w->n_nodes; i++)
        if (w->disk[i].pressure)
            out->pressure_node_seconds += now - w->disk[i].pressure_since;
    for (size_t i = 0; i < w->n_nodes; i++)
        out->repulls += w->nodes[i].gc_repulls;
}
