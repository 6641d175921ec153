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
 * Ownership: the world owns engine, net, rng, registries, nodes, runtime and
 *   kubelet, and borrows the scenario, which must outlive it.
 */
#ifndef PULLSIM_WORLD_H
#define PULLSIM_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "net.h"
#include "kubelet.h"
#include "registry.h"
#include "runtime.h"
#include "scenario.h"

/* One time-series row: averages over (t - interval, t]. */
struct world_sample {
    double t;             /* s */
    double egress_Bps;    /* all registries' egress, B/s */
    uint64_t active_pulls;
    uint64_t queued_pulls;
};

/* One registry's requests within one time-series row's interval. */
struct world_registry_sample {
    uint64_t requests;  /* sent */
    uint64_t failures;  /* answered with an error or left hanging (429s included) */
    uint64_t throttled; /* answered 429 */
};

struct world;

/* 'model' selects the bandwidth solver (net.h); results are the same. */
struct world *world_new(const struct scenario *sc, const struct scenario_kubelet *run_config,
                        enum net_model model);
void world_free(struct world *w);

/* Sends the kubelets' image decisions to 't' (borrowed; see trace.h).
 * Call before world_run(). */
void world_set_trace(struct world *w, struct trace *t);

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
/* Registry 'reg''s counts within the interval of row i. */
const struct world_registry_sample *world_registry_sample(const struct world *w, size_t i,
                                                          size_t reg);

#endif
