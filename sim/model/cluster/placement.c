/* placement.c - see placement.h. */
#include "model/cluster/placement.h"

#include <assert.h>
#include <stdlib.h>

#include "base/base.h"

struct placement {
    const struct scenario *sc;
    const struct node *nodes;
    struct rng *rng;
    size_t n_nodes, max_nodes;
    uint32_t *pods_on_node; /* max_nodes */
    bool *pressure;         /* max_nodes: DiskPressure */
};

struct placement *placement_new(const struct scenario *sc, const struct node *nodes,
                                size_t max_nodes, struct rng *rng)
{
    struct placement *pl = xcalloc(1, sizeof(*pl));
    pl->sc = sc;
    pl->nodes = nodes;
    pl->rng = rng;
    pl->max_nodes = max_nodes;
    pl->pods_on_node = xcalloc(max_nodes ? max_nodes : 1, sizeof(*pl->pods_on_node));
    pl->pressure = xcalloc(max_nodes ? max_nodes : 1, sizeof(*pl->pressure));
    return pl;
}

void placement_free(struct placement *pl)
{
    if (!pl)
        return;
    free(pl->pods_on_node);
    free(pl->pressure);
    free(pl);
}

void placement_add_node(struct placement *pl, uint32_t node)
{
    (void)node;
    assert(node == pl->n_nodes && node < pl->max_nodes);
    pl->n_nodes++;
}

void placement_set_pressure(struct placement *pl, uint32_t node, bool pressure)
{
    pl->pressure[node] = pressure;
}

void placement_count_pod(struct placement *pl, uint32_t node)
{
    pl->pods_on_node[node]++;
}

uint32_t placement_pods_on_node(const struct placement *pl, uint32_t node)
{
    return pl->pods_on_node[node];
}

static bool fits(const struct placement *pl, const struct scenario_workload *wl, uint32_t node)
{
    const struct node *nd = &pl->nodes[node];
    if (wl->pool != SCENARIO_NONE && nd->pool != wl->pool)
        return false;
    return pl->pods_on_node[node] < nd->cfg->max_pods && !pl->pressure[node];
}

/*
 * Placement of one Deployment's (or Pod's) replicas over the nodes that fit
 * it, in O(N + R log N): 'cand' holds those nodes; spread keeps them in a
 * min-heap by (pods, id), packed walks them in id order, random picks an
 * index and drops a node once it is full.
 */
struct placer {
    struct placement *pl;
    const struct scenario_workload *wl;
    uint32_t *cand;
    size_t n;
    size_t next;            /* packed: first candidate that may have room */
    struct rng_stream rs;   /* random: RNG_PLACEMENT of the workload */
};

static bool spread_less(const struct placer *p, uint32_t a, uint32_t b)
{
    uint32_t ca = p->pl->pods_on_node[a], cb = p->pl->pods_on_node[b];
    return ca < cb || (ca == cb && a < b);
}

static void spread_down(struct placer *p, size_t i)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= p->n)
            return;
        if (c + 1 < p->n && spread_less(p, p->cand[c + 1], p->cand[c]))
            c++;
        if (!spread_less(p, p->cand[c], p->cand[i]))
            return;
        uint32_t t = p->cand[c];
        p->cand[c] = p->cand[i];
        p->cand[i] = t;
        i = c;
    }
}

static bool has_room(const struct placer *p, uint32_t node)
{
    return p->pl->pods_on_node[node] < p->pl->nodes[node].cfg->max_pods &&
           !p->pl->pressure[node];
}

static void placer_init(struct placer *p, struct placement *pl, uint32_t workload)
{
    *p = (struct placer){.pl = pl, .wl = &pl->sc->workloads[workload]};
    p->cand = xmalloc((pl->n_nodes ? pl->n_nodes : 1) * sizeof(*p->cand));
    for (uint32_t i = 0; i < pl->n_nodes; i++)
        if (fits(pl, p->wl, i))
            p->cand[p->n++] = i;
    rng_stream_init(&p->rs, pl->sc->seed, RNG_PLACEMENT, workload);
    if (p->wl->placement == SCENARIO_PLACE_SPREAD)
        for (size_t i = p->n / 2; i-- > 0;)
            spread_down(p, i);
}

/* The node for the next replica (its pod count is then raised by the
 * caller); UINT32_MAX when no node has room. */
static uint32_t placer_pick(struct placer *p)
{
    switch (p->wl->placement) {
    case SCENARIO_PLACE_SPREAD:
        while (p->n > 0 && !has_room(p, p->cand[0])) {
            p->cand[0] = p->cand[--p->n];
            spread_down(p, 0);
        }
        return p->n > 0 ? p->cand[0] : UINT32_MAX;
    case SCENARIO_PLACE_PACKED:
        while (p->next < p->n && !has_room(p, p->cand[p->next]))
            p->next++;
        return p->next < p->n ? p->cand[p->next] : UINT32_MAX;
    case SCENARIO_PLACE_RANDOM:
        while (p->n > 0) {
            size_t i = (size_t)(rng_uniform(p->pl->rng, &p->rs) * (double)p->n);
            if (has_room(p, p->cand[i]))
                return p->cand[i];
            p->cand[i] = p->cand[--p->n];
        }
        return UINT32_MAX;
    }
    return UINT32_MAX;
}

/* After a replica went to the spread heap's top: restore the heap. */
static void placer_placed(struct placer *p)
{
    if (p->wl->placement == SCENARIO_PLACE_SPREAD && p->n > 0)
        spread_down(p, 0);
}

void placement_place(struct placement *pl, uint32_t workload, uint32_t replicas,
                     placement_bind_fn *bind, void *arg)
{
    struct placer p;
    placer_init(&p, pl, workload);
    for (uint32_t r = 0; r < replicas; r++) {
        uint32_t node = placer_pick(&p);
        bind(arg, workload, node);
        if (node != UINT32_MAX)
            placer_placed(&p);
    }
    free(p.cand);
}
