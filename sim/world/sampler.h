/*
 * sampler.h - the run's time series: every sampleInterval, what the
 * registries sent, how many pulls run and wait, and (with disk capacities)
 * disk usage per node and per pool, and version skew (versions.h).
 *
 * Row i covers (t_i - interval, t_i]: rates are averages over it, counts
 * are the requests of that interval, levels are taken at t_i. Sampling is
 * a daemon event (engine.h): it stops with the last real work, after one
 * last row.
 * Invariants: every series has sampler_count() rows; per-node disk rows
 *   exist only when the run has at most SAMPLER_DISK_NODES nodes.
 * Ownership: owns its rows; borrows everything in struct sampler_world,
 *   which must outlive it. Units: s, B, B/s, percent.
 */
#ifndef PULLSIM_SAMPLER_H
#define PULLSIM_SAMPLER_H

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
#include "world/versions.h"

/* disk.csv and its per-node samples only up to this many nodes (like gantt). */
#define SAMPLER_DISK_NODES 20

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

/* What the sampler reads (borrowed). */
struct sampler_world {
    const struct scenario *sc;
    struct net *net;
    const struct registry *registries;
    const struct node *nodes;
    const size_t *n_nodes;        /* nodes that exist now (grows with scale-out events) */
    size_t max_nodes;
    const struct runtime *rt;
    const struct kubelet *kubelet;
    const struct imagefs *fs;     /* NULL: no disk series */
    struct versions *versions;    /* NULL: no version skew series */
};

struct sampler;

/* Schedules the first row at sampleInterval. */
struct sampler *sampler_new(const struct sampler_world *src, struct engine *e);
void sampler_free(struct sampler *s);

size_t sampler_count(const struct sampler *s);
const struct world_sample *sampler_row(const struct sampler *s, size_t i);
const struct world_registry_sample *sampler_registry_row(const struct sampler *s, size_t i,
                                                         size_t reg);
/* Nodes whose disk is sampled per row: all when at most SAMPLER_DISK_NODES, else 0. */
size_t sampler_disk_node_count(const struct sampler *s);
/* Disk usage (B) and DiskPressure of node j at row i. */
uint64_t sampler_disk(const struct sampler *s, size_t i, size_t j);
bool sampler_pressure(const struct sampler *s, size_t i, size_t j);
/* Pools with a capacity, in pool order, and their usage% p50/p90/max at row
 * i (nearest rank over the pool's nodes present then; NAN when none). */
size_t sampler_pool_count(const struct sampler *s);
uint32_t sampler_pool(const struct sampler *s, size_t k);
void sampler_pool_row(const struct sampler *s, size_t i, size_t k, double out[3]);

#endif
