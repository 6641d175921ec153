/* world.c - see world.h. */
#include "world/world.h"

#include <math.h>
#include <stdlib.h>

#include "base/base.h"
#include "base/rng.h"
#include "model/cluster/imagefs.h"
#include "model/cluster/placement.h"
#include "model/node.h"
#include "model/runtimeclass.h"
#include "net/net.h"
#include "world/rollout.h"
#include "world/sampler.h"
#include "world/versions.h"

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
    struct base_chunks args;     /* struct world_arg: workload and event arguments */
    size_t n_args;
    struct versions *versions;   /* NULL unless the scenario pushes to a tag */
    struct imagefs *fs;          /* image GC and eviction; NULL when no pool has a capacity */
    struct sampler *sampler;     /* the time series */
    struct rollout *rollout;     /* NULL unless an event updates or deletes pods */
};

/* Argument of a world event: which workload, scenario event or registry. */
struct world_arg {
    struct world *w;
    uint32_t index;
};

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

static void add_node(struct world *w, uint32_t pool)
{
    uint32_t id = (uint32_t)w->n_nodes++;
    struct node *nd = &w->nodes[id];
    const struct scenario_pool *cfg = &w->sc->pools[pool];
    node_init(nd, id, pool, w->sc, cfg, w->net, w->sc->seed);
    /* Images already there when the kubelet starts are detected with the
     * zero time (image_gc_manager.go Start: detectImages(ctx, time.Time{})):
     * old enough for imageMinimumGCAge at once. */
    for (size_t i = 0; i < cfg->n_pre_pulled; i++)
        node_preload_image(nd, w->sc, cfg->pre_pulled[i], cfg->pre_pulled_by_digest[i],
                           -INFINITY);
    kubelet_add_node(w->kubelet, id);
    placement_add_node(w->placement, id);
    imagefs_node_joined(w->fs, id);
}

/* A container started: count it under the image it runs (version skew). */
static void on_container_start(void *arg, const struct kubelet_start_event *ev)
{
    struct world *w = arg;
    /* A rollout's revisions count under the workload they update. */
    uint32_t wl = w->sc->workloads[ev->workload].revision_of;
    wl = wl == SCENARIO_NONE ? ev->workload : wl;
    if (ev->stopped)
        versions_stopped(w->versions, wl, ev->container, ev->image);
    else
        versions_started(w->versions, wl, ev->container, ev->image);
}

static bool under_pressure(const struct world *w, uint32_t node)
{
    return imagefs_pressure(w->fs, node);
}

static void place(struct world *w, uint32_t workload, uint32_t node)
{
    placement_count_pod(w->placement, node);
    uint32_t pod = kubelet_add_pod(w->kubelet, workload, node);
    imagefs_pod_placed(w->fs, node, pod);
    rollout_pod_created(w->rollout, workload, pod, node);
}

/* rollout_hooks.remove: a pod is deleted. */
static void remove_pod(void *arg, uint32_t pod)
{
    struct world *w = arg;
    uint32_t node = kubelet_pod(w->kubelet, pod)->node;
    kubelet_delete_pod(w->kubelet, pod);
    if (node == UINT32_MAX)
        return;
    placement_uncount_pod(w->placement, node);
    imagefs_pod_removed(w->fs, node, pod);
}

/* DaemonSet: one pod per node of its pool(s); a DaemonSet pod is placed
 * even beyond maxPods (Simplification: no preemption). */
static void create_daemonset_pod(struct world *w, uint32_t workload, uint32_t node)
{
    const struct scenario_workload *wl = &w->sc->workloads[workload];
    if (wl->pool != SCENARIO_NONE && w->nodes[node].pool != wl->pool)
        return;
    if (!imagefs_admit(w->fs, node)) {
        /* Simplification: the DaemonSet controller does not retry it. */
        uint32_t pod = kubelet_add_unscheduled_pod(w->kubelet, workload);
        rollout_pod_created(w->rollout, workload, pod, node);
        return;
    }
    place(w, workload, node);
}

/* placement_bind_fn: a Deployment's or Pod's replica goes to 'node'. */
static void bind_replica(void *arg, uint32_t workload, uint32_t node)
{
    struct world *w = arg;
    if (node == UINT32_MAX)
        rollout_pod_created(w->rollout, workload, kubelet_add_unscheduled_pod(w->kubelet, workload),
                            UINT32_MAX);
    else
        place(w, workload, node);
}

/* rollout_hooks.scale_up: a ReplicaSet creates 'count' pods. */
static void scale_up(void *arg, uint32_t revision, uint32_t count)
{
    struct world *w = arg;
    placement_place(w->placement, revision, count, bind_replica, w);
}

/* rollout_hooks.create_on: the DaemonSet controller creates a pod on 'node'. */
static void create_on(void *arg, uint32_t revision, uint32_t node)
{
    create_daemonset_pod(arg, revision, node);
}

/* imagefs_pressure_fn: the scheduler sees the node's DiskPressure. */
static void on_pressure(void *arg, uint32_t node, bool pressure)
{
    struct world *w = arg;
    placement_set_pressure(w->placement, node, pressure);
}

static void on_workload_created(struct engine *e, void *arg)
{
    struct world_arg *a = arg;
    struct world *w = a->w;
    const struct scenario_workload *wl = &w->sc->workloads[a->index];
    (void)e;
    w->created[a->index] = true;
    rollout_workload_created(w->rollout, a->index);
    /* An update before the creation: the pods get the current template. */
    uint32_t tpl = rollout_current(w->rollout, a->index);
    if (wl->kind == SCENARIO_KIND_DAEMONSET) {
        for (uint32_t i = 0; i < w->n_nodes; i++)
            create_daemonset_pod(w, tpl, i);
        return;
    }
    uint32_t replicas = wl->kind == SCENARIO_KIND_POD ? 1 : wl->replicas;
    placement_place(w->placement, tpl, replicas, bind_replica, w);
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
                if (w->created[wl] && w->sc->workloads[wl].kind == SCENARIO_KIND_DAEMONSET &&
                    !rollout_manages_daemonset(w->rollout, wl))
                    create_daemonset_pod(w, wl, node);
            rollout_node_added(w->rollout, node);
        }
        break;
    case SCENARIO_EVENT_PUSH:
        runtime_move_tag(w->rt, ev->tag, ev->image);
        break;
    case SCENARIO_EVENT_UPDATE:
    case SCENARIO_EVENT_DELETE_PODS:
        rollout_on_event(w->rollout, a->index);
        break;
    }
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
    for (size_t i = 0; i < sc->n_registries; i++) {
        registry_init(&w->registries[i], &sc->registries[i], w->net, w->max_nodes,
                      sc->n_pools, runtime_slot_granted);
        registry_set_credential_count(&w->registries[i], sc->n_credentials);
    }
    w->nodes = xcalloc(w->max_nodes, sizeof(*w->nodes));
    w->placement = placement_new(sc, w->nodes, w->max_nodes, w->rng);
    w->created = xcalloc(sc->n_workloads, sizeof(*w->created));
    w->rt = runtime_new(sc, w->engine, w->net, w->rng, w->registries, w->nodes, w->max_nodes);
    w->kubelet = kubelet_new(sc, run_config, w->engine, w->rng, w->rt, w->nodes, w->max_nodes);
    w->fs = imagefs_new(sc, w->engine, w->kubelet, w->nodes, w->max_nodes);
    imagefs_set_pressure_hook(w->fs, on_pressure, w);
    struct rollout_hooks hooks = {.arg = w, .scale_up = scale_up, .create_on = create_on,
                                  .remove = remove_pod};
    w->rollout = rollout_new(sc, w->engine, w->kubelet, w->nodes, &w->n_nodes, w->max_nodes,
                             hooks);
    if (sc->n_pushes > 0 || sc->n_updates > 0) {
        w->versions = versions_new(sc);
        PROBE_SUBSCRIBE(kubelet_starts(w->kubelet), on_container_start, w);
    }
    base_chunks_init(&w->args, sizeof(struct world_arg));
    schedule_registry_events(w);
    for (uint32_t p = 0; p < sc->n_pools; p++)
        for (uint32_t i = 0; i < sc->pools[p].count; i++)
            add_node(w, p);
    /* Workloads in file order, then events: equal times keep that order. */
    for (uint32_t i = 0; i < sc->n_workloads; i++)
        if (sc->workloads[i].revision_of == SCENARIO_NONE) /* revisions: rollout.h */
            engine_schedule(w->engine, sc->workloads[i].at, on_workload_created,
                            new_arg(w, i));
    for (uint32_t i = 0; i < sc->n_events; i++)
        engine_schedule(w->engine, sc->events[i].at, on_scenario_event, new_arg(w, i));
    struct sampler_world sw = {.sc = sc, .net = w->net, .registries = w->registries,
                               .nodes = w->nodes, .n_nodes = &w->n_nodes,
                               .max_nodes = w->max_nodes, .rt = w->rt, .kubelet = w->kubelet,
                               .fs = w->fs, .versions = w->versions};
    w->sampler = sampler_new(&sw, w->engine);
    return w;
}

void world_free(struct world *w)
{
    if (!w)
        return;
    rollout_free(w->rollout);
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
    sampler_free(w->sampler);
    imagefs_free(w->fs);
    versions_free(w->versions);
    base_chunks_release(&w->args);
    rng_free(w->rng);
    net_free(w->net);
    engine_free(w->engine);
    free(w);
}

struct kubelet_event_topic *world_kubelet_events(struct world *w)
{
    return kubelet_events(w->kubelet);
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
size_t world_sample_count(const struct world *w) { return sampler_count(w->sampler); }
const struct world_sample *world_sample(const struct world *w, size_t i)
{
    return sampler_row(w->sampler, i);
}
const struct world_registry_sample *world_registry_sample(const struct world *w, size_t i,
                                                          size_t reg)
{
    return sampler_registry_row(w->sampler, i, reg);
}

const struct versions *world_versions(const struct world *w) { return w->versions; }
size_t world_rollout_count(const struct world *w) { return rollout_record_count(w->rollout); }
const struct rollout_record *world_rollout(const struct world *w, size_t i)
{
    return rollout_record(w->rollout, i);
}

bool world_has_disk(const struct world *w) { return w->fs != NULL; }
size_t world_disk_node_count(const struct world *w)
{
    return sampler_disk_node_count(w->sampler);
}
uint64_t world_disk_sample(const struct world *w, size_t i, size_t j)
{
    return sampler_disk(w->sampler, i, j);
}
bool world_disk_pressure_sample(const struct world *w, size_t i, size_t j)
{
    return sampler_pressure(w->sampler, i, j);
}
size_t world_disk_pool_count(const struct world *w) { return sampler_pool_count(w->sampler); }
uint32_t world_disk_pool(const struct world *w, size_t k) { return sampler_pool(w->sampler, k); }
void world_disk_pool_sample(const struct world *w, size_t i, size_t k, double out[3])
{
    sampler_pool_row(w->sampler, i, k, out);
}

const struct scenario_kubelet *world_node_kubelet(const struct world *w, size_t node)
{
    return kubelet_node_config(w->kubelet, (uint32_t)node);
}

bool world_node_disk_pressure(const struct world *w, size_t node)
{
    return under_pressure(w, (uint32_t)node);
}

void world_disk_stats(const struct world *w, struct imagefs_stats *out)
{
    imagefs_stats(w->fs, w->n_nodes, out);
}
