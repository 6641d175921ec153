/*
 * scenario_limits.c - implementation limits on products of quantities
 * (scenario_internal.h), checked once every section is read and before a
 * world exists, so a run never starts what it cannot hold.
 *
 * Each value below is small in the file, but a run allocates their product:
 *   horizon / sampleInterval     rows of timeseries.csv (one sample each)
 *   samples x sampled series     the sampler's arrays (registries, pools,
 *                                per-node disk of disk.csv, version series)
 *   pods x containers            kubelet container records and pods.csv cells
 *   nodes x pre-pulled layers    the nodes' layer stores at t = 0
 * A limit is an input error that names it and what to change [Lua
 * errorlimit]; the figures are far above any shipped scenario and keep a
 * run's arrays to a few GB at most. Pods and nodes have their own limits
 * (scenario.h; scenario_pools.c, scenario_workloads.c).
 */
#include "spec/scenario_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "base/units.h"

/* disk.csv holds per-node samples only up to this many nodes: SAMPLER_DISK_NODES
 * of world/sampler.h, which spec/ may not include. */
#define DISK_CSV_MAX_NODES 20u

/* Nodes of each pool at the end of the run (scale-outs added). Caller frees. */
static uint64_t *final_counts(const struct scenario *s)
{
    uint64_t *final = xcalloc(s->n_pools + 1, sizeof(*final));
    for (size_t i = 0; i < s->n_pools; i++)
        final[i] = s->pools[i].count;
    for (size_t i = 0; i < s->n_events; i++)
        if (s->events[i].pool != SCENARIO_NONE)
            final[s->events[i].pool] += s->events[i].count;
    return final;
}

/* Series the sampler records at every sample: egress and pulls, three
 * counters per registry, three disk figures per pool with a capacity, the
 * disk.csv nodes, and one version series per container of every workload
 * when an image can move (a push event). An upper bound, never less. */
static uint64_t sampled_series(const struct scenario *s, const uint64_t *final)
{
    uint64_t n = 3 + 3 * (uint64_t)s->n_registries, disk_nodes = 0, containers = 0;
    for (size_t i = 0; i < s->n_pools; i++) {
        if (s->pools[i].disk_capacity) {
            n += 3;
            disk_nodes += final[i];
        }
    }
    n += 2 * (disk_nodes < DISK_CSV_MAX_NODES ? disk_nodes : DISK_CSV_MAX_NODES);
    bool pushes = false;
    for (size_t i = 0; i < s->n_events; i++)
        pushes = pushes || s->events[i].kind == SCENARIO_EVENT_PUSH;
    for (size_t i = 0; i < s->n_workloads; i++)
        containers += s->workloads[i].n_containers;
    return n + (pushes ? containers * (s->n_events + 1) : 0);
}

/* The value a sample limit points at: sampleInterval, else horizon, else
 * the whole file (both defaulted cannot exceed a limit alone). */
static struct diag_loc sample_loc(struct ctx *c, const struct scn_node *root)
{
    const struct scn_node *v = root->kind == NODE_MAP ? scn_get(root, "sampleInterval") : NULL;
    if (!v && root->kind == NODE_MAP)
        v = scn_get(root, "horizon");
    return v ? v->loc : (struct diag_loc){c->s->file, 0, 0};
}

/* The sampler fires at sampleInterval, 2 x sampleInterval, ... up to the horizon. */
static double sample_count(const struct scenario *s)
{
    return floor(s->horizon / s->sample_interval);
}

/* horizon / sampleInterval and samples x series. */
static void check_samples(struct ctx *c, const struct scn_node *root, const uint64_t *final)
{
    const struct scenario *s = c->s;
    char h[64], iv[64], want[64];
    double samples = sample_count(s);
    units_format_duration(s->horizon, h, sizeof(h));
    units_format_duration(s->sample_interval, iv, sizeof(iv));
    if (samples > SCENARIO_MAX_SAMPLES) {
        units_format_duration(s->horizon / SCENARIO_MAX_SAMPLES, want, sizeof(want));
        diag_error(c->d, sample_loc(c, root), "sampleInterval: one sample every %s over the "
                   "horizon of %s is %.0f samples, over the limit of %u samples; expected a "
                   "sampleInterval of at least %s (horizon / %u) or a shorter horizon", iv, h,
                   samples, SCENARIO_MAX_SAMPLES, want, SCENARIO_MAX_SAMPLES);
        return;
    }
    uint64_t series = sampled_series(s, final);
    if (samples * (double)series > (double)SCENARIO_MAX_SAMPLE_CELLS) {
        double n = floor((double)SCENARIO_MAX_SAMPLE_CELLS / (double)series);
        units_format_duration(s->horizon / (n > 1 ? n : 1), want, sizeof(want));
        diag_error(c->d, sample_loc(c, root), "sampleInterval: %.0f samples of %" PRIu64
                   " series each (registries, pools, disks, image versions) over the horizon "
                   "of %s is over the limit of %" PRIu64 " sampled values; expected a "
                   "sampleInterval of at least %s or a shorter horizon", samples, series, h,
                   (uint64_t)SCENARIO_MAX_SAMPLE_CELLS, want);
    }
}

/* Nodes x layers present at t = 0 (prePulled images' layers). */
static void check_pre_pulled(struct ctx *c, const uint64_t *final)
{
    const struct scenario *s = c->s;
    uint64_t total = 0;
    for (size_t i = 0; i < s->n_pools; i++) {
        const struct scenario_pool *p = &s->pools[i];
        uint64_t layers = 0;
        for (size_t j = 0; j < p->n_pre_pulled; j++)
            layers += s->images[p->pre_pulled[j]].n_layers;
        total += layers * final[i];
        if (total > SCENARIO_MAX_PRE_PULLED_LAYERS) {
            diag_error(c->d, p->loc,
                       "prePulled: the pools' nodes hold %" PRIu64 " pre-pulled layers in "
                       "total (%" PRIu64 " nodes x %" PRIu64 " layers here), over the limit "
                       "of %u; expected fewer prePulled images or nodes", total, final[i],
                       layers, SCENARIO_MAX_PRE_PULLED_LAYERS);
            return;
        }
    }
}

void scn_check_limits(struct ctx *c, const struct scn_node *root)
{
    uint64_t *final = final_counts(c->s);
    check_samples(c, root, final);
    check_pre_pulled(c, final);
    free(final);
}
