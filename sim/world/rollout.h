/*
 * rollout.h - the controllers that own pods once a scenario updates or
 * deletes them: the Deployment controller's rolling update (with the
 * ReplicaSet controller keeping each ReplicaSet's pod count), the DaemonSet
 * controller's rolling update, and replacement of deleted pods.
 *
 * A workload named by an 'update' or 'deletePods' event is managed here;
 * every other workload is left to the world alone (so scenarios without
 * those events run exactly as before). Each template revision is a
 * ReplicaSet (Deployment) or a pod-template hash (DaemonSet).
 *
 * Deployment (pkg/controller/deployment/rolling.go rolloutRolling): a sync
 * runs reconcileNewReplicaSet (scale the new ReplicaSet up to what maxSurge
 * allows: NewRSNewReplicas) and, if that scaled nothing, reconcileOldReplicaSets
 * (maxScaledDown = all - minAvailable - new unavailable; cleanupUnhealthyReplicas
 * first, then scaleDownOldReplicaSetsForRollingUpdate, oldest ReplicaSet
 * first). The ReplicaSet controller (pkg/controller/replicaset
 * manageReplicas) then creates or deletes pods; it deletes unscheduled,
 * then not-ready, then not-available pods first, then the newest
 * (getPodsToDelete's ranking, simplified). Arithmetic: rolling.h.
 * DaemonSet (pkg/controller/daemon/update.go rollingUpdate), nodes in id
 * order. maxSurge 0: a node without a pod, or whose new pod is not
 * available, counts as unavailable; old pods that are not available are
 * deleted at once, available old pods while fewer than maxUnavailable nodes
 * are unavailable; manage then creates the new pod on a node whose pod is
 * gone. maxSurge > 0 (maxUnavailable then 0): a new pod is created next to
 * an unavailable old one at once, and next to available old ones on up to
 * maxSurge (rounded up) nodes at a time, counting nodes whose new pod is
 * not yet available; an old pod is deleted once the new one on its node is
 * available. Simplification: upstream walks a Go map (random node order).
 * A pod is available once ready for minReadySeconds (podutil.IsPodAvailable).
 * Controllers react at once (zero latency: a sync is an engine event at
 * the current time, so a sync never runs inside a kubelet callback) and to
 * the same fixed point the chain of informer events would reach.
 * A deleted pod of a Deployment is replaced by its ReplicaSet, of a
 * DaemonSet by the current template on its node; a Pod's is not.
 * Rollout duration: from the update to DeploymentComplete (every replica
 * updated and available, no old pod) or to the DaemonSet's every node
 * running an available pod of the new template; a rollout a later update
 * of the same workload supersedes never completes.
 * Ownership: borrows scenario, engine, kubelet, nodes; owns its state.
 * Units: s, pods.
 */
#ifndef PULLSIM_ROLLOUT_H
#define PULLSIM_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "model/kubelet/kubelet.h"
#include "model/node.h"
#include "spec/scenario.h"

/* What the controllers ask of the world. */
struct rollout_hooks {
    void *arg;
    /* Creates 'count' pods of workload 'revision' through the scheduler
     * (placement.h); each is reported back by rollout_pod_created. */
    void (*scale_up)(void *arg, uint32_t revision, uint32_t count);
    /* Creates one pod of 'revision' on 'node' (a DaemonSet's); reported back. */
    void (*create_on)(void *arg, uint32_t revision, uint32_t node);
    /* Deletes pod 'pod' (kubelet, placement, image filesystem). */
    void (*remove)(void *arg, uint32_t pod);
};

/* One update event's rollout. */
struct rollout_record {
    uint32_t event;    /* index into scenario events */
    uint32_t workload; /* the workload updated */
    double started;    /* s: the update */
    double completed;  /* s; NAN if not (yet) complete */
    bool superseded;   /* a later update of the workload came first */
};

struct rollout;

/* NULL when no event updates or deletes pods: every function below then
 * does nothing. 'n_nodes' is the world's live node count (at most
 * max_nodes). Subscribes to the kubelet's readiness topic. */
struct rollout *rollout_new(const struct scenario *sc, struct engine *e, struct kubelet *k,
                            const struct node *nodes, const size_t *n_nodes, size_t max_nodes,
                            struct rollout_hooks hooks);
void rollout_free(struct rollout *ro);

/* Pod 'pod' of workload 'workload' (a file workload or a revision) was
 * created on 'node' (UINT32_MAX: unscheduled). */
void rollout_pod_created(struct rollout *ro, uint32_t workload, uint32_t pod, uint32_t node);
/* File workload 'workload' is created now (before its pods). */
void rollout_workload_created(struct rollout *ro, uint32_t workload);
/* The template a new pod of file workload 'workload' gets now: its current
 * revision (the workload itself when not managed or not updated). */
uint32_t rollout_current(const struct rollout *ro, uint32_t workload);
/* Is file workload 'workload' a DaemonSet whose pods the controller creates
 * on new nodes (rollout_node_added) instead of the world? */
bool rollout_manages_daemonset(const struct rollout *ro, uint32_t workload);
/* A node joined: managed DaemonSets get their pod on it. */
void rollout_node_added(struct rollout *ro, uint32_t node);
/* Scenario event 'event' (update or deletePods) is due now. */
void rollout_on_event(struct rollout *ro, uint32_t event);

size_t rollout_record_count(const struct rollout *ro);
const struct rollout_record *rollout_record(const struct rollout *ro, size_t i);

#endif
