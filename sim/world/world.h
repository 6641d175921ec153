/*
 * world.h - builds a simulated cluster from a scenario, runs it, owns it all.
 *
 * One world = one run of a scenario under one kubelet config. It creates
 * registries, nodes, the runtime and the kubelet, places workloads' pods on
 * nodes at their creation times, applies timed events, and samples a time
 * series. Building cannot fail on user input: scenario_load() checked it.
 * Placement (Simplification: no scheduler latency, resources ignored except
 * maxPods): DaemonSet = one pod per node of its pool(s), also on nodes added
 * later; Deployment/Pod: spread = node with the fewest pods (lowest id on a
 * tie), packed = first node in id order with room, random = uniform over
 * nodes with room (RNG_PLACEMENT stream of the workload). A pod that fits
 * nowhere is recorded as unscheduled (never ready). Placing R replicas on
 * N nodes costs O(N + R log N).
 * Registries: changes and outage starts are events scheduled before the
 * workloads (so at equal times the registry's state is settled first); an
 * outage start tells the runtime to stop the transfers in flight.
 * Disk: image GC and the eviction manager run per node in imagefs.h; a
 * node under DiskPressure takes no new pod: Deployment and Pod replicas go
 * to other nodes (the scheduler's disk-pressure NoSchedule taint), a
 * DaemonSet pod for it is rejected (imagefs_admit) and recorded as
 * unscheduled.
 * Time series: sampler.h, read through the accessors below.
 * Tags: a push event moves the registry's tag (runtime_move_tag) at its
 * time; with any push in the scenario the world counts, at every sample,
 * which image each workload's containers run (versions.h); also with any
 * update event.
 * Rollouts: update and deletePods events go to the controllers of
 * rollout.h, which create and delete pods through the world (a deleted pod
 * leaves the placement's count and the image filesystem's in-use set).
 * Ownership: the world owns engine, net, rng, registries, nodes, runtime and
 *   kubelet, and borrows the scenario, which must outlive it.
 */
#ifndef PULLSIM_WORLD_H
#define PULLSIM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "model/cluster/imagefs.h"
#include "model/kubelet/kubelet.h"
#include "model/registry.h"
#include "model/runtime/runtime.h"
#include "net/net.h"
#include "spec/scenario.h"
#include "world/rollout.h"
#include "world/sampler.h"
#include "world/versions.h"

struct world;

/* 'model' selects the bandwidth solver (net.h); results are the same. */
struct world *world_new(const struct scenario *sc, const struct scenario_kubelet *run_config,
                        enum net_model model);
void world_free(struct world *w);

/* The kubelets' image decisions (kubelet.h), for observers such as the
 * trace to subscribe to before world_run(). */
struct kubelet_event_topic *world_kubelet_events(struct world *w);

/* Runs until nothing is left to do or the horizon. */
void world_run(struct world *w);

const struct scenario *world_scenario(const struct world *w);
const struct kubelet *world_kubelet(const struct world *w);
const struct engine *world_engine(const struct world *w);
const struct runtime *world_runtime(const struct world *w);
size_t world_registry_count(const struct world *w);
const struct registry *world_registry(const struct world *w, size_t i);
/* Bytes sent by registry i since time 0. */
double world_registry_bytes(struct world *w, size_t i);
size_t world_node_count(const struct world *w);
const struct node *world_node(const struct world *w, size_t i);
size_t world_sample_count(const struct world *w);
const struct world_sample *world_sample(const struct world *w, size_t i);
/* True when some pool has a disk capacity (disk.csv, disk columns). */
bool world_has_disk(const struct world *w);
/* Disk usage of node j at time-series row i (B); j < world_disk_node_count. */
uint64_t world_disk_sample(const struct world *w, size_t i, size_t j);
/* Nodes whose disk is sampled per row: all when at most 20, else 0. */
size_t world_disk_node_count(const struct world *w);
/* DiskPressure of node j at row i (same nodes). */
bool world_disk_pressure_sample(const struct world *w, size_t i, size_t j);
/* Pools with a capacity, in pool order, and their usage% p50/p90/max at row i
 * (nearest rank over the pool's nodes present then; NAN when none). */
size_t world_disk_pool_count(const struct world *w);
uint32_t world_disk_pool(const struct world *w, size_t k);
void world_disk_pool_sample(const struct world *w, size_t i, size_t k, double out[3]);
/* The kubelet config node 'node' runs. */
const struct scenario_kubelet *world_node_kubelet(const struct world *w, size_t node);
/* Whether node 'node' is under DiskPressure now. */
bool world_node_disk_pressure(const struct world *w, size_t node);
/* Totals so far (pressure time up to now). */
void world_disk_stats(const struct world *w, struct imagefs_stats *out);

/* Registry 'reg''s counts within the interval of row i. */
const struct world_registry_sample *world_registry_sample(const struct world *w, size_t i,
                                                          size_t reg);

/* Version skew series, or NULL when the scenario has no push event. */
const struct versions *world_versions(const struct world *w);
/* The rollouts of the update events, in the order they began (rollout.h). */
size_t world_rollout_count(const struct world *w);
const struct rollout_record *world_rollout(const struct world *w, size_t i);

#endif
