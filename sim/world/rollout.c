/* rollout.c - see rollout.h for the model and its sources. */
#include "world/rollout.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "model/cluster/rolling.h"

#define NONE UINT32_MAX

/* One revision: a ReplicaSet (Deployment) or a template hash (DaemonSet). */
struct rev {
    uint32_t workload;  /* scenario index of its template */
    uint32_t replicas;  /* Deployment: the ReplicaSet's spec.replicas */
    uint32_t *pods;     /* its pods not deleted, in creation order */
    size_t n_pods, cap_pods;
};

/* The controller of one file workload. */
struct ctl {
    struct rollout *ro;
    uint32_t workload;
    struct rev *revs;   /* revs[0] = the file's template, then updates in time order */
    size_t n_revs, cap_revs;
    uint32_t cur;       /* the current template */
    uint32_t *on_node;  /* DaemonSet: its pods on each node, two slots per node (an old
                           and a new one while surging), NONE when free */
    uint32_t record;    /* the rollout in progress, NONE */
    bool created;       /* the workload's creation time has passed */
    bool sync_pending;
};

/* Per pod (kubelet id), for managed workloads. */
struct pod_info {
    struct rollout *ro;
    uint32_t pod;
    uint32_t ctl, rev;  /* NONE when not managed */
    uint32_t node;      /* the node it was created for (UINT32_MAX: unscheduled Deployment pod) */
    bool ready, available, gone;
    double ready_at;    /* s */
};

struct rollout {
    const struct scenario *sc;
    struct engine *engine;
    struct kubelet *kubelet;
    const struct node *nodes;
    const size_t *n_nodes;
    size_t max_nodes;
    struct rollout_hooks hooks;
    struct ctl *ctls;
    size_t n_ctls;
    uint32_t *wl_ctl, *wl_rev; /* per scenario workload: its controller and revision */
    struct base_chunks pods;   /* struct pod_info per kubelet pod id */
    size_t n_pods;
    struct rollout_record *records;
    size_t n_records, cap_records;
};

static void on_ready(void *arg, const struct kubelet_ready_event *ev);

static bool managed_event(const struct scenario_event *e)
{
    return e->kind == SCENARIO_EVENT_UPDATE || e->kind == SCENARIO_EVENT_DELETE_PODS;
}

static void add_ctl(struct rollout *ro, uint32_t wl)
{
    if (ro->wl_ctl[wl] != NONE)
        return;
    ro->wl_ctl[wl] = (uint32_t)ro->n_ctls;
    ro->wl_rev[wl] = 0;
    struct ctl *c = &ro->ctls[ro->n_ctls++];
    *c = (struct ctl){.ro = ro, .workload = wl, .record = NONE};
    struct rev *r = VEC_PUSH(c->revs, c->n_revs, c->cap_revs);
    r->workload = wl;
    r->replicas = ro->sc->workloads[wl].replicas;
    if (ro->sc->workloads[wl].kind == SCENARIO_KIND_DAEMONSET) {
        c->on_node = xmalloc(2 * (ro->max_nodes ? ro->max_nodes : 1) * sizeof(*c->on_node));
        for (size_t i = 0; i < 2 * ro->max_nodes; i++)
            c->on_node[i] = NONE;
    }
}

struct rollout *rollout_new(const struct scenario *sc, struct engine *e, struct kubelet *k,
                            const struct node *nodes, const size_t *n_nodes, size_t max_nodes,
                            struct rollout_hooks hooks)
{
    size_t n = 0;
    for (size_t i = 0; i < sc->n_events; i++)
        n += managed_event(&sc->events[i]);
    if (n == 0)
        return NULL;
    struct rollout *ro = xcalloc(1, sizeof(*ro));
    *ro = (struct rollout){.sc = sc, .engine = e, .kubelet = k, .nodes = nodes,
                           .n_nodes = n_nodes, .max_nodes = max_nodes, .hooks = hooks};
    ro->ctls = xcalloc(n, sizeof(*ro->ctls));
    ro->wl_ctl = xmalloc(sc->n_workloads * sizeof(*ro->wl_ctl));
    ro->wl_rev = xmalloc(sc->n_workloads * sizeof(*ro->wl_rev));
    for (size_t i = 0; i < sc->n_workloads; i++)
        ro->wl_ctl[i] = ro->wl_rev[i] = NONE;
    for (size_t i = 0; i < sc->n_events; i++)
        if (managed_event(&sc->events[i]))
            add_ctl(ro, sc->events[i].workload);
    /* Revisions follow the file's workloads in time order per workload. */
    for (uint32_t w = 0; w < sc->n_workloads; w++) {
        uint32_t base = sc->workloads[w].revision_of;
        if (base == NONE)
            continue;
        struct ctl *c = &ro->ctls[ro->wl_ctl[base]];
        ro->wl_ctl[w] = ro->wl_ctl[base];
        ro->wl_rev[w] = (uint32_t)c->n_revs;
        VEC_PUSH(c->revs, c->n_revs, c->cap_revs)->workload = w;
    }
    base_chunks_init(&ro->pods, sizeof(struct pod_info));
    PROBE_SUBSCRIBE(kubelet_readiness(k), on_ready, ro);
    return ro;
}

void rollout_free(struct rollout *ro)
{
    if (!ro)
        return;
    for (size_t i = 0; i < ro->n_ctls; i++) {
        for (size_t j = 0; j < ro->ctls[i].n_revs; j++)
            free(ro->ctls[i].revs[j].pods);
        free(ro->ctls[i].revs);
        free(ro->ctls[i].on_node);
    }
    free(ro->ctls);
    free(ro->wl_ctl);
    free(ro->wl_rev);
    base_chunks_release(&ro->pods);
    free(ro->records);
    free(ro);
}

/* ---------------------------------------------------------------- pods */

static struct pod_info *info(struct rollout *ro, uint32_t pod)
{
    return base_chunks_at(&ro->pods, pod);
}

static const struct scenario_workload *wl_of(const struct ctl *c)
{
    return &c->ro->sc->workloads[c->workload];
}

static bool fits_pool(const struct ctl *c, uint32_t node)
{
    uint32_t pool = wl_of(c)->pool;
    return pool == SCENARIO_NONE || c->ro->nodes[node].pool == pool;
}

static void on_sync(struct engine *e, void *arg);

/* The controller syncs at the current time, after the handler running now. */
static void request_sync(struct ctl *c)
{
    if (c->sync_pending || !c->created)
        return;
    c->sync_pending = true;
    engine_schedule(c->ro->engine, engine_now(c->ro->engine), on_sync, c);
}

void rollout_pod_created(struct rollout *ro, uint32_t workload, uint32_t pod, uint32_t node)
{
    if (!ro)
        return;
    struct pod_info *pi = info(ro, pod);
    *pi = (struct pod_info){.ro = ro, .pod = pod, .ctl = ro->wl_ctl[workload],
                            .rev = ro->wl_rev[workload], .node = node};
    if (pi->ctl == NONE)
        return;
    struct ctl *c = &ro->ctls[pi->ctl];
    struct rev *r = &c->revs[pi->rev];
    *(uint32_t *)VEC_PUSH(r->pods, r->n_pods, r->cap_pods) = pod;
    if (c->on_node && node != UINT32_MAX) {
        uint32_t *slot = &c->on_node[2 * node];
        assert(slot[0] == NONE || slot[1] == NONE);
        slot[slot[0] == NONE ? 0 : 1] = pod;
    }
    c->created = true;
}

/* Deletes a managed pod: the world's hook, then the controller's books. */
static void delete_pod(struct ctl *c, uint32_t pod)
{
    struct pod_info *pi = info(c->ro, pod);
    struct rev *r = &c->revs[pi->rev];
    for (size_t i = 0; i < r->n_pods; i++)
        if (r->pods[i] == pod) {
            memmove(&r->pods[i], &r->pods[i + 1], (r->n_pods - i - 1) * sizeof(*r->pods));
            r->n_pods--;
            break;
        }
    for (int s = 0; c->on_node && pi->node != UINT32_MAX && s < 2; s++)
        if (c->on_node[2 * pi->node + s] == pod)
            c->on_node[2 * pi->node + s] = NONE;
    pi->gone = true;
    c->ro->hooks.remove(c->ro->hooks.arg, pod);
}

static void on_available(struct engine *e, void *arg)
{
    struct pod_info *pi = arg;
    const struct ctl *c = &pi->ro->ctls[pi->ctl];
    double m = wl_of(c)->min_ready_seconds;
    if (pi->gone || !pi->ready || pi->ready_at + m != engine_now(e))
        return; /* not ready since then, or ready again later */
    pi->available = true;
    request_sync(&pi->ro->ctls[pi->ctl]);
}

/* IsPodAvailable: ready for minReadySeconds. */
static void on_ready(void *arg, const struct kubelet_ready_event *ev)
{
    struct rollout *ro = arg;
    struct pod_info *pi = info(ro, ev->pod);
    if (pi->ro != ro || pi->ctl == NONE || pi->gone)
        return;
    struct ctl *c = &ro->ctls[pi->ctl];
    double now = engine_now(ro->engine), m = wl_of(c)->min_ready_seconds;
    pi->ready = ev->ready;
    if (!ev->ready) {
        pi->available = false;
    } else {
        pi->ready_at = now;
        if (m > 0) {
            engine_schedule(ro->engine, now + m, on_available, pi);
            return;
        }
        pi->available = true;
    }
    request_sync(c);
}

static uint32_t available_of(struct ctl *c, const struct rev *r)
{
    uint32_t n = 0;
    for (size_t i = 0; i < r->n_pods; i++)
        n += info(c->ro, r->pods[i])->available;
    return n;
}

/* ---------------------------------------------------------------- ReplicaSet */

/* getPodsToDelete, simplified: unscheduled, then not ready, then not
 * available pods go first, the newest first among equals. */
static uint32_t victim(struct ctl *c, const struct rev *r)
{
    uint32_t best = NONE;
    int best_rank = -1;
    for (size_t i = 0; i < r->n_pods; i++) {
        const struct pod_info *pi = info(c->ro, r->pods[i]);
        int rank = pi->node == UINT32_MAX ? 3 : !pi->ready ? 2 : !pi->available ? 1 : 0;
        if (rank >= best_rank) { /* pods are in creation order: later = newer */
            best_rank = rank;
            best = pi->pod;
        }
    }
    return best;
}

/* manageReplicas for every ReplicaSet: pods up or down to spec.replicas. */
static bool manage_replicas(struct ctl *c)
{
    bool changed = false;
    for (size_t i = 0; i < c->n_revs; i++) {
        struct rev *r = &c->revs[i];
        if (r->n_pods < r->replicas) {
            c->ro->hooks.scale_up(c->ro->hooks.arg, r->workload,
                                  r->replicas - (uint32_t)r->n_pods);
            changed = true;
        }
        while (r->n_pods > r->replicas) {
            delete_pod(c, victim(c, r));
            changed = true;
        }
    }
    return changed;
}

/* ---------------------------------------------------------------- Deployment */

/* Scales the old ReplicaSets down by up to 'budget' pods, oldest first; with
 * 'unhealthy_only' by at most each one's unavailable pods
 * (cleanupUnhealthyReplicas). Returns the pods scaled down. */
static uint32_t scale_down_old(struct ctl *c, uint32_t budget, bool unhealthy_only)
{
    uint32_t done = 0;
    for (size_t i = 0; i < c->n_revs && done < budget; i++) {
        struct rev *r = &c->revs[i];
        if (i == c->cur || r->replicas == 0)
            continue;
        uint32_t can = r->replicas;
        if (unhealthy_only) {
            uint32_t avail = available_of(c, r);
            can = r->replicas > avail ? r->replicas - avail : 0;
        }
        uint32_t n = can < budget - done ? can : budget - done;
        r->replicas -= n;
        done += n;
    }
    return done;
}

/* One rolloutRolling step; true when it changed a ReplicaSet. */
static bool deployment_step(struct ctl *c)
{
    if (manage_replicas(c))
        return true;
    uint32_t desired = wl_of(c)->replicas, surge, unavail, total = 0, old = 0, avail = 0;
    rolling_fenceposts(&wl_of(c)->rolling, desired, &surge, &unavail);
    for (size_t i = 0; i < c->n_revs; i++) {
        total += c->revs[i].replicas;
        old += i == c->cur ? 0 : c->revs[i].replicas;
    }
    struct rev *nw = &c->revs[c->cur];
    /* reconcileNewReplicaSet */
    uint32_t want = rolling_new_rs_replicas(desired, surge, total, nw->replicas);
    if (want != nw->replicas) {
        nw->replicas = want;
        return true;
    }
    if (old == 0)
        return false;
    /* reconcileOldReplicaSets */
    uint32_t max_down = rolling_old_max_scaled_down(total, desired, unavail, nw->replicas,
                                                    available_of(c, nw));
    if (max_down == 0)
        return false;
    uint32_t cleaned = scale_down_old(c, max_down, true);
    for (size_t i = 0; i < c->n_revs; i++)
        avail += available_of(c, &c->revs[i]);
    uint32_t scaled = scale_down_old(c, rolling_old_scale_down(avail, desired, unavail), false);
    return cleaned + scaled > 0;
}

/* DeploymentComplete: every replica updated and available, no other pod. */
static bool deployment_complete(struct ctl *c)
{
    uint32_t desired = wl_of(c)->replicas;
    for (size_t i = 0; i < c->n_revs; i++)
        if (i != c->cur && (c->revs[i].replicas > 0 || c->revs[i].n_pods > 0))
            return false;
    const struct rev *nw = &c->revs[c->cur];
    return nw->replicas == desired && nw->n_pods == desired &&
           available_of(c, nw) == desired;
}

/* ---------------------------------------------------------------- DaemonSet */

static uint32_t ds_desired(const struct ctl *c)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < *c->ro->n_nodes; i++)
        n += fits_pool(c, i);
    return n;
}

/* findUpdatedPodsOnNode: the node's pod of the current template and its
 * other one, each NONE if none. */
static void node_pods(const struct ctl *c, uint32_t node, uint32_t *nw, uint32_t *old)
{
    *nw = *old = NONE;
    for (int s = 0; s < 2; s++) {
        uint32_t pod = c->on_node[2 * node + s];
        if (pod == NONE)
            continue;
        if (info(c->ro, pod)->rev == c->cur)
            *nw = pod;
        else
            *old = pod;
    }
}

static bool pod_available(const struct ctl *c, uint32_t pod)
{
    return pod != NONE && info(c->ro, pod)->available;
}

/* manage: a node of the DaemonSet's pools without its pod gets one of the
 * current template. */
static bool ds_manage(struct ctl *c)
{
    bool changed = false;
    for (uint32_t i = 0; i < *c->ro->n_nodes; i++)
        if (fits_pool(c, i) && c->on_node[2 * i] == NONE && c->on_node[2 * i + 1] == NONE) {
            c->ro->hooks.create_on(c->ro->hooks.arg, c->revs[c->cur].workload, i);
            changed = true;
        }
    return changed;
}

static bool daemonset_surge_step(struct ctl *c, uint32_t max_surge);

/* rollingUpdate (update.go): with maxSurge 0, which old pods go now. */
static bool daemonset_step(struct ctl *c)
{
    if (ds_manage(c))
        return true;
    uint32_t desired = ds_desired(c);
    uint32_t max_surge = rolling_scaled(wl_of(c)->rolling.max_surge, desired, true);
    if (max_surge > 0)
        return daemonset_surge_step(c, max_surge);
    uint32_t max_unavail = rolling_ds_max_unavailable(&wl_of(c)->rolling, desired);
    uint32_t unavailable = 0;
    uint32_t *del = xmalloc((*c->ro->n_nodes ? *c->ro->n_nodes : 1) * sizeof(*del));
    uint32_t *cand = xmalloc((*c->ro->n_nodes ? *c->ro->n_nodes : 1) * sizeof(*cand));
    size_t n_del = 0, n_cand = 0;
    for (uint32_t i = 0; i < *c->ro->n_nodes; i++) {
        if (!fits_pool(c, i))
            continue;
        uint32_t nw, old;
        node_pods(c, i, &nw, &old);
        if (nw != NONE && old != NONE)
            unavailable++; /* the manage loop's business */
        else if (nw != NONE)
            unavailable += !pod_available(c, nw);
        else if (!pod_available(c, old))
            del[n_del++] = old; /* allowedReplacementPods */
        else if (unavailable < max_unavail)
            cand[n_cand++] = old; /* candidatePodsToDelete */
    }
    size_t remaining = unavailable < max_unavail ? max_unavail - unavailable : 0;
    if (remaining > n_cand)
        remaining = n_cand;
    for (size_t i = 0; i < remaining; i++)
        del[n_del++] = cand[i];
    for (size_t i = 0; i < n_del; i++)
        delete_pod(c, del[i]);
    free(cand);
    free(del);
    return n_del > 0;
}

/* rollingUpdate with maxSurge > 0 (update.go): a new pod goes next to an
 * old one at once where the old one is unavailable, and on up to maxSurge
 * other nodes at a time; an old pod goes once the new one on its node is
 * available. */
static bool daemonset_surge_step(struct ctl *c, uint32_t max_surge)
{
    uint32_t surging = 0, n = (uint32_t)*c->ro->n_nodes;
    uint32_t *create = xmalloc((n ? n : 1) * sizeof(*create));
    uint32_t *cand = xmalloc((n ? n : 1) * sizeof(*cand));
    uint32_t *del = xmalloc((n ? n : 1) * sizeof(*del));
    size_t n_create = 0, n_cand = 0, n_del = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t nw, old;
        if (!fits_pool(c, i))
            continue;
        node_pods(c, i, &nw, &old);
        if (old == NONE)
            continue; /* the manage loop's business */
        if (nw == NONE) {
            if (!pod_available(c, old))
                create[n_create++] = i; /* allowedNewNodes */
            else if (surging < max_surge)
                cand[n_cand++] = i;     /* candidateNewNodes */
        } else if (!pod_available(c, nw)) {
            surging++; /* waiting for the new pod */
        } else {
            del[n_del++] = old;
        }
    }
    size_t room = surging < max_surge ? max_surge - surging : 0;
    for (size_t i = 0; i < n_cand && i < room; i++)
        create[n_create++] = cand[i];
    for (size_t i = 0; i < n_del; i++)
        delete_pod(c, del[i]);
    for (size_t i = 0; i < n_create; i++)
        c->ro->hooks.create_on(c->ro->hooks.arg, c->revs[c->cur].workload, create[i]);
    free(create);
    free(cand);
    free(del);
    return n_create + n_del > 0;
}

static bool daemonset_complete(struct ctl *c)
{
    for (size_t i = 0; i < c->n_revs; i++)
        if (i != c->cur && c->revs[i].n_pods > 0)
            return false;
    for (uint32_t i = 0; i < *c->ro->n_nodes; i++) {
        uint32_t nw, old;
        if (!fits_pool(c, i))
            continue;
        node_pods(c, i, &nw, &old);
        if (old != NONE || !pod_available(c, nw))
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------- sync */

static void on_sync(struct engine *e, void *arg)
{
    struct ctl *c = arg;
    const struct scenario_workload *wl = wl_of(c);
    c->sync_pending = false;
    /* Each step changes a ReplicaSet or deletes pods; the chain of syncs
     * the informers would trigger ends once a step changes nothing. */
    bool more = true;
    while (more) {
        switch (wl->kind) {
        case SCENARIO_KIND_DEPLOYMENT:
            more = deployment_step(c);
            break;
        case SCENARIO_KIND_DAEMONSET:
            more = daemonset_step(c);
            break;
        case SCENARIO_KIND_POD:
            more = false;
            break;
        }
    }
    if (c->record == NONE)
        return;
    bool done = wl->kind == SCENARIO_KIND_DEPLOYMENT ? deployment_complete(c)
                                                      : daemonset_complete(c);
    if (done) {
        c->ro->records[c->record].completed = engine_now(e);
        c->record = NONE;
    }
}

/* ---------------------------------------------------------------- events */

uint32_t rollout_current(const struct rollout *ro, uint32_t workload)
{
    if (!ro || ro->wl_ctl[workload] == NONE)
        return workload;
    const struct ctl *c = &ro->ctls[ro->wl_ctl[workload]];
    return c->revs[c->cur].workload;
}

bool rollout_manages_daemonset(const struct rollout *ro, uint32_t workload)
{
    return ro && ro->wl_ctl[workload] != NONE &&
           ro->sc->workloads[workload].kind == SCENARIO_KIND_DAEMONSET;
}

void rollout_workload_created(struct rollout *ro, uint32_t workload)
{
    if (!ro || ro->wl_ctl[workload] == NONE)
        return;
    struct ctl *c = &ro->ctls[ro->wl_ctl[workload]];
    c->created = true;
    /* Updated before it existed: it starts with the current template only. */
    for (size_t i = 0; i < c->n_revs; i++)
        c->revs[i].replicas = i == c->cur ? ro->sc->workloads[workload].replicas : 0;
}

void rollout_node_added(struct rollout *ro, uint32_t node)
{
    if (!ro)
        return;
    for (size_t i = 0; i < ro->n_ctls; i++)
        if (ro->ctls[i].on_node && fits_pool(&ro->ctls[i], node))
            request_sync(&ro->ctls[i]);
}

/* deletePods: the 'count' oldest pods of the workload that are not deleted. */
static void delete_oldest(struct ctl *c, uint32_t count)
{
    for (uint32_t k = 0; k < count; k++) {
        uint32_t oldest = NONE;
        for (size_t i = 0; i < c->n_revs; i++)
            if (c->revs[i].n_pods > 0 && c->revs[i].pods[0] < oldest)
                oldest = c->revs[i].pods[0];
        if (oldest == NONE)
            return;
        delete_pod(c, oldest);
    }
}

void rollout_on_event(struct rollout *ro, uint32_t event)
{
    const struct scenario_event *ev = &ro->sc->events[event];
    struct ctl *c = &ro->ctls[ro->wl_ctl[ev->workload]];
    if (ev->kind == SCENARIO_EVENT_DELETE_PODS) {
        delete_oldest(c, ev->count);
        request_sync(c);
        return;
    }
    if (c->record != NONE)
        ro->records[c->record].superseded = true;
    c->cur = ro->wl_rev[ev->revision];
    c->record = (uint32_t)ro->n_records;
    *VEC_PUSH(ro->records, ro->n_records, ro->cap_records) = (struct rollout_record){
        .event = event, .workload = ev->workload, .started = engine_now(ro->engine),
        .completed = NAN};
    if (!c->created) {
        /* Updated before creation: nothing to roll out. */
        ro->records[c->record].completed = engine_now(ro->engine);
        c->record = NONE;
        return;
    }
    request_sync(c);
}

size_t rollout_record_count(const struct rollout *ro) { return ro ? ro->n_records : 0; }
const struct rollout_record *rollout_record(const struct rollout *ro, size_t i)
{
    return &ro->records[i];
}
