/* imagefs.c - see imagefs.h. */
#include "model/cluster/imagefs.h"

#include <stdlib.h>

#include "base/base.h"
#include "model/cluster/imagegc.h"
#include "model/runtimeclass.h"

/* Source: spec §8; pkg/kubelet/kubelet.go ImageGCPeriod. */
#define IMAGE_GC_PERIOD 300.0
/* Source: spec §8; eviction manager evictionMonitoringPeriod (10 s),
 * evictionPressureTransitionPeriod default 5m, defaults_linux.go
 * imagefs.available 15%. */
#define EVICTION_PERIOD 10.0
#define PRESSURE_TRANSITION 300.0
#define IMAGEFS_AVAILABLE_PCT 15

/* Per node: the image GC and eviction manager state. */
struct fs_node {
    struct imagefs *fs;    /* event argument: back to the module */
    uint32_t id;
    bool on;               /* the node's pool has a capacity */
    bool pressure;         /* DiskPressure condition */
    double started;        /* s: the node joined (kubelet start) */
    double last_observed;  /* s: the threshold was last met */
    double pressure_since; /* s */
    uint32_t *pods;        /* pods placed on the node */
    size_t n_pods, cap_pods;
};

struct imagefs {
    const struct scenario *sc;
    struct engine *engine;
    struct kubelet *kubelet;
    struct node *nodes;
    struct fs_node *fn;    /* max_nodes entries */
    size_t max_nodes;
    struct imagefs_stats st;
    imagefs_pressure_fn *on_pressure; /* NULL or the hook */
    void *on_pressure_arg;
};

static void on_image_gc(struct engine *e, void *arg);
static void on_eviction_check(struct engine *e, void *arg);

static bool any_capacity(const struct scenario *sc)
{
    for (uint32_t p = 0; p < sc->n_pools; p++)
        if (sc->pools[p].disk_capacity > 0)
            return true;
    return false;
}

struct imagefs *imagefs_new(const struct scenario *sc, struct engine *e, struct kubelet *k,
                            struct node *nodes, size_t max_nodes)
{
    if (!any_capacity(sc))
        return NULL;
    struct imagefs *fs = xcalloc(1, sizeof(*fs));
    *fs = (struct imagefs){.sc = sc, .engine = e, .kubelet = k, .nodes = nodes,
                           .max_nodes = max_nodes};
    fs->fn = xcalloc(max_nodes ? max_nodes : 1, sizeof(*fs->fn));
    for (size_t i = 0; i < max_nodes; i++)
        fs->fn[i] = (struct fs_node){.fs = fs, .id = (uint32_t)i};
    return fs;
}

void imagefs_free(struct imagefs *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; i < fs->max_nodes; i++)
        free(fs->fn[i].pods);
    free(fs->fn);
    free(fs);
}

void imagefs_node_joined(struct imagefs *fs, uint32_t node)
{
    if (!fs || fs->nodes[node].cfg->disk_capacity == 0)
        return;
    struct fs_node *n = &fs->fn[node];
    double now = engine_now(fs->engine);
    n->on = true;
    n->started = now;
    /* Source: spec §8; kubelet.go StartGarbageCollection: image GC is not
     * started when the high threshold is 100 and maxAge is off; wait.Until and
     * the eviction manager's loop run at once, then every period. */
    const struct scenario_kubelet *k = kubelet_node_config(fs->kubelet, node);
    if (!(k->image_gc_high_threshold == 100 && k->image_maximum_gc_age == 0))
        engine_schedule_daemon(fs->engine, now, on_image_gc, n);
    engine_schedule_daemon(fs->engine, now, on_eviction_check, n);
}

void imagefs_pod_placed(struct imagefs *fs, uint32_t node, uint32_t pod)
{
    if (!fs || !fs->fn[node].on)
        return;
    struct fs_node *n = &fs->fn[node];
    *(uint32_t *)VEC_PUSH(n->pods, n->n_pods, n->cap_pods) = pod;
}

void imagefs_set_pressure_hook(struct imagefs *fs, imagefs_pressure_fn *fn, void *arg)
{
    if (!fs)
        return;
    fs->on_pressure = fn;
    fs->on_pressure_arg = arg;
}

void imagefs_pod_removed(struct imagefs *fs, uint32_t node, uint32_t pod)
{
    if (!fs || !fs->fn[node].on)
        return;
    /* Order does not matter: image_in_use asks whether any pod uses it. */
    struct fs_node *n = &fs->fn[node];
    for (size_t i = 0; i < n->n_pods; i++)
        if (n->pods[i] == pod) {
            n->pods[i] = n->pods[--n->n_pods];
            return;
        }
}

bool imagefs_pressure(const struct imagefs *fs, uint32_t node)
{
    return fs && fs->fn[node].pressure;
}

bool imagefs_admit(struct imagefs *fs, uint32_t node)
{
    if (!imagefs_pressure(fs, node))
        return true;
    fs->st.pods_rejected++;
    return false;
}

/* Is 'image' run by a started container of a pod on the node whose images
 * are keyed by 'handler'? (image_gc_manager.go detectImages: with the gate
 * on, a container marks the tuple of its own runtime handler.) */
static bool image_in_use(void *arg, uint32_t image, uint32_t handler)
{
    const struct fs_node *n = arg;
    const struct imagefs *fs = n->fs;
    const struct scenario_kubelet *k = kubelet_node_config(fs->kubelet, n->id);
    for (size_t i = 0; i < n->n_pods; i++) {
        const struct kubelet_pod *p = kubelet_pod(fs->kubelet, n->pods[i]);
        if (runtimeclass_image_handler(fs->sc, k, p->workload) != handler)
            continue;
        for (uint32_t c = 0; c < p->n_containers; c++)
            if (kubelet_container(fs->kubelet, p->first_container + c)->image == image)
                return true;
    }
    return false;
}

static struct imagegc_policy policy_of(const struct fs_node *n)
{
    return imagegc_policy_of(kubelet_node_config(n->fs->kubelet, n->id), n->started);
}

static void on_image_gc(struct engine *e, void *arg)
{
    struct fs_node *n = arg;
    struct imagefs *fs = n->fs;
    double now = engine_now(e);
    struct imagegc_policy pol = policy_of(n);
    struct imagegc_result r;
    imagegc_collect(&fs->nodes[n->id], &pol, now, image_in_use, n, &r);
    /* PruneUnknownRecords follows image GC (spec §10). */
    if (r.deleted > 0)
        kubelet_prune_pull_records(fs->kubelet, n->id);
    fs->st.gc_invocations++;
    fs->st.gc_runs += r.over_high || r.deleted > 0;
    fs->st.gc_failed += r.failed;
    fs->st.gc_images_deleted += r.deleted;
    fs->st.gc_bytes_counted += r.counted;
    fs->st.gc_bytes_freed += r.freed;
    if (engine_has_work(e))
        engine_schedule_daemon(e, now + IMAGE_GC_PERIOD, on_image_gc, n);
}

/* reclaimNodeLevelResources: DeleteUnusedImages (helpers.go deleteImages).
 * Simplification: no pod is evicted when the reclaim is not enough. */
static void reclaim(struct fs_node *n, double now)
{
    struct imagefs *fs = n->fs;
    struct imagegc_policy pol = policy_of(n);
    struct imagegc_result r;
    imagegc_delete_unused(&fs->nodes[n->id], &pol, now, image_in_use, n, &r);
    if (r.deleted > 0)
        kubelet_prune_pull_records(fs->kubelet, n->id);
    fs->st.reclaims += r.deleted > 0;
    fs->st.reclaim_images_deleted += r.deleted;
    fs->st.reclaim_bytes_counted += r.counted;
    fs->st.reclaim_bytes_freed += r.freed;
}

static void on_eviction_check(struct engine *e, void *arg)
{
    struct fs_node *n = arg;
    struct imagefs *fs = n->fs;
    const struct node *nd = &fs->nodes[n->id];
    double now = engine_now(e);
    /* Source: spec §8; eviction_manager.go synchronize: thresholds met now,
     * conditions kept while observed within the transition period. */
    uint64_t cap = nd->cfg->disk_capacity, avail = node_disk_free(nd);
    bool met = avail * 100 < cap * IMAGEFS_AVAILABLE_PCT;
    if (met)
        n->last_observed = now;
    bool pressure = met || (n->pressure && now - n->last_observed < PRESSURE_TRANSITION);
    if (pressure && !n->pressure) {
        n->pressure_since = now;
        fs->st.pressure_transitions++;
    } else if (!pressure && n->pressure) {
        fs->st.pressure_node_seconds += now - n->pressure_since;
    }
    if (pressure != n->pressure && fs->on_pressure)
        fs->on_pressure(fs->on_pressure_arg, n->id, pressure);
    n->pressure = pressure;
    if (met)
        reclaim(n, now);
    if (engine_has_work(e))
        engine_schedule_daemon(e, now + EVICTION_PERIOD, on_eviction_check, n);
}

void imagefs_stats(const struct imagefs *fs, size_t n_nodes, struct imagefs_stats *out)
{
    *out = fs ? fs->st : (struct imagefs_stats){0};
    if (!fs)
        return;
    double now = engine_now(fs->engine);
    for (size_t i = 0; i < n_nodes; i++) {
        if (fs->fn[i].pressure)
            out->pressure_node_seconds += now - fs->fn[i].pressure_since;
        out->repulls += fs->nodes[i].gc_repulls;
    }
}
