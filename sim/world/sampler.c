/* sampler.c - see sampler.h. */
#include "world/sampler.h"

#include <math.h>
#include <stdlib.h>

#include "base/base.h"
#include "base/stats.h"

struct sampler {
    struct sampler_world src;
    struct world_sample *rows;
    size_t n_rows, cap_rows;
    struct world_registry_sample *reg_rows; /* n_rows x n_registries */
    size_t n_reg_rows, cap_reg_rows;
    struct world_registry_sample *reg_last; /* per registry: counters at the last row */
    double last_egress_bytes;
    /* Disk series: empty without an imagefs. */
    uint64_t *disk;              /* n_rows x disk_nodes: bytes used */
    uint8_t *pressure;           /* n_rows x disk_nodes */
    size_t n_disk, cap_disk, cap_pressure;
    size_t disk_nodes;
    uint32_t *pools;             /* pools with a capacity */
    size_t n_pools, cap_pools;
    double *pool_rows;           /* n_rows x n_pools x 3 */
    size_t n_pool_rows, cap_pool_rows;
    double *pct;                 /* max_nodes: scratch for a pool's usage% at a row */
};

static void on_sample(struct engine *e, void *arg);

struct sampler *sampler_new(const struct sampler_world *src, struct engine *e)
{
    const struct scenario *sc = src->sc;
    struct sampler *s = xcalloc(1, sizeof(*s));
    s->src = *src;
    s->reg_last = xcalloc(sc->n_registries ? sc->n_registries : 1, sizeof(*s->reg_last));
    if (src->fs) {
        for (uint32_t p = 0; p < sc->n_pools; p++)
            if (sc->pools[p].disk_capacity > 0)
                *(uint32_t *)VEC_PUSH(s->pools, s->n_pools, s->cap_pools) = p;
        s->pct = xmalloc((src->max_nodes ? src->max_nodes : 1) * sizeof(*s->pct));
        s->disk_nodes = src->max_nodes <= SAMPLER_DISK_NODES ? src->max_nodes : 0;
    }
    engine_schedule_daemon(e, sc->sample_interval, on_sample, s);
    return s;
}

void sampler_free(struct sampler *s)
{
    if (!s)
        return;
    free(s->rows);
    free(s->reg_rows);
    free(s->reg_last);
    free(s->disk);
    free(s->pressure);
    free(s->pools);
    free(s->pool_rows);
    free(s->pct);
    free(s);
}

static double total_egress_bytes(const struct sampler *s)
{
    double b = 0;
    for (size_t i = 0; i < s->src.sc->n_registries; i++)
        b += net_link_bytes(s->src.net, s->src.registries[i].egress);
    return b;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A registry's request counters, cumulative. */
static struct world_registry_sample registry_counts(const struct registry *r)
{
    return (struct world_registry_sample){r->requests, r->failures, r->throttled};
}

static void sample_registries(struct sampler *s)
{
    for (size_t i = 0; i < s->src.sc->n_registries; i++) {
        struct world_registry_sample now = registry_counts(&s->src.registries[i]);
        struct world_registry_sample *rs = VEC_PUSH(s->reg_rows, s->n_reg_rows, s->cap_reg_rows);
        rs->requests = now.requests - s->reg_last[i].requests;
        rs->failures = now.failures - s->reg_last[i].failures;
        rs->throttled = now.throttled - s->reg_last[i].throttled;
        s->reg_last[i] = now;
    }
}

/* Per-node usage (small runs) and per-pool usage% percentiles. */
static void sample_disk(struct sampler *s)
{
    size_t n_nodes = *s->src.n_nodes;
    for (size_t j = 0; j < s->disk_nodes; j++) {
        uint64_t used = j < n_nodes ? node_disk_usage(&s->src.nodes[j]) : 0;
        *(uint64_t *)VEC_PUSH(s->disk, s->n_disk, s->cap_disk) = used;
        size_t n = s->n_disk - 1;
        VEC_RESERVE(s->pressure, n, s->cap_pressure, n + 1);
        s->pressure[n] = j < n_nodes && imagefs_pressure(s->src.fs, (uint32_t)j);
    }
    double *pct = s->pct;
    for (size_t k = 0; k < s->n_pools; k++) {
        size_t n = 0;
        for (size_t j = 0; j < n_nodes; j++) {
            const struct node *nd = &s->src.nodes[j];
            if (nd->pool == s->pools[k])
                pct[n++] = 100.0 * (double)node_disk_usage(nd) / (double)nd->cfg->disk_capacity;
        }
        qsort(pct, n, sizeof(*pct), cmp_double);
        double *out = VEC_PUSH(s->pool_rows, s->n_pool_rows, s->cap_pool_rows);
        out[0] = stats_nearest_rank(pct, n, 0.5);
        out = VEC_PUSH(s->pool_rows, s->n_pool_rows, s->cap_pool_rows);
        out[0] = stats_nearest_rank(pct, n, 0.9);
        out = VEC_PUSH(s->pool_rows, s->n_pool_rows, s->cap_pool_rows);
        out[0] = n ? pct[n - 1] : NAN;
    }
}

/* Takes a row; keeps sampling while anything else is pending. */
static void on_sample(struct engine *e, void *arg)
{
    struct sampler *s = arg;
    double bytes = total_egress_bytes(s), interval = s->src.sc->sample_interval;
    struct world_sample *row = VEC_PUSH(s->rows, s->n_rows, s->cap_rows);
    row->t = engine_now(e);
    row->egress_Bps = (bytes - s->last_egress_bytes) / interval;
    row->active_pulls = runtime_active_pulls(s->src.rt);
    row->queued_pulls = kubelet_queued_pulls(s->src.kubelet);
    s->last_egress_bytes = bytes;
    sample_registries(s);
    if (s->src.fs)
        sample_disk(s);
    if (s->src.versions)
        versions_sample(s->src.versions);
    if (engine_has_work(e))
        engine_schedule_daemon(e, row->t + interval, on_sample, s);
}

size_t sampler_count(const struct sampler *s) { return s->n_rows; }
const struct world_sample *sampler_row(const struct sampler *s, size_t i) { return &s->rows[i]; }
const struct world_registry_sample *sampler_registry_row(const struct sampler *s, size_t i,
                                                         size_t reg)
{
    return &s->reg_rows[i * s->src.sc->n_registries + reg];
}
size_t sampler_disk_node_count(const struct sampler *s) { return s->disk_nodes; }
uint64_t sampler_disk(const struct sampler *s, size_t i, size_t j)
{
    return s->disk[i * s->disk_nodes + j];
}
bool sampler_pressure(const struct sampler *s, size_t i, size_t j)
{
    return s->pressure[i * s->disk_nodes + j] != 0;
}
size_t sampler_pool_count(const struct sampler *s) { return s->n_pools; }
uint32_t sampler_pool(const struct sampler *s, size_t k) { return s->pools[k]; }
void sampler_pool_row(const struct sampler *s, size_t i, size_t k, double out[3])
{
    const double *v = &s->pool_rows[(i * s->n_pools + k) * 3];
    out[0] = v[0];
    out[1] = v[1];
    out[2] = v[2];
}
