/*
 * placement.h - the scheduler's choice of a node for each replica of a
 * Deployment (or the one pod of a Pod).
 *
 * A node fits a workload when it is in the workload's pool (or the workload
 * names none), has fewer pods than its pool's maxPods and is not under
 * DiskPressure (eviction_manager.go Admit rejects every pod then).
 *  - spread: the fitting node with the fewest pods, lowest id on a tie;
 *  - packed: the fitting node with the lowest id;
 *  - random: a uniform pick among the nodes that fitted when the workload
 *    was created, drawn from the workload's RNG_PLACEMENT stream; a node
 *    found full is dropped and the pick drawn again.
 * Simplification: no scheduler plugins beyond these; DaemonSet pods are
 *   bound by the world (one per node) and only counted here.
 * Invariants:
 *  - a node's pod count is the pods bound to it and not deleted;
 *  - results depend on node ids and the seed only, never on pointers.
 * Ownership: the placement borrows the scenario, the node array and the rng
 *   (all must outlive it) and owns its own bookkeeping.
 */
#ifndef PULLSIM_PLACEMENT_H
#define PULLSIM_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "model/node.h"
#include "spec/scenario.h"

struct placement;

/* Binds one replica of 'workload' to 'node', or records it unscheduled when
 * node is UINT32_MAX. The callee must call placement_count_pod for a bound
 * replica before it returns. */
typedef void placement_bind_fn(void *arg, uint32_t workload, uint32_t node);

/* A placement for up to max_nodes nodes, none added yet; nodes[i] must be
 * initialised before placement_add_node(i). Free with placement_free(). */
struct placement *placement_new(const struct scenario *sc, const struct node *nodes,
                                size_t max_nodes, struct rng *rng);
void placement_free(struct placement *pl);

/* Node 'node' joined; ids are added in increasing order from 0. */
void placement_add_node(struct placement *pl, uint32_t node);

/* The node's DiskPressure condition is now 'pressure'. */
void placement_set_pressure(struct placement *pl, uint32_t node, bool pressure);

/* One more pod is bound to 'node' (any kind of workload). */
void placement_count_pod(struct placement *pl, uint32_t node);

/* A pod bound to 'node' was deleted. */
void placement_uncount_pod(struct placement *pl, uint32_t node);

/* Pods bound to 'node' so far. */
uint32_t placement_pods_on_node(const struct placement *pl, uint32_t node);

/* Places 'replicas' replicas of workload 'workload' (a Deployment or Pod),
 * calling bind once per replica in order. */
void placement_place(struct placement *pl, uint32_t workload, uint32_t replicas,
                     placement_bind_fn *bind, void *arg);

#endif
