/*
 * placement.c - see placement.h.
 *
 * Linear in the cluster, not in workloads x nodes: the candidate sets live
 * across workloads, one per "pool key" (each pool, plus "any pool" for
 * workloads that name none). A key holds its nodes in id order and:
 *  - a Fenwick tree over them counting the nodes that fit (room and no
 *    DiskPressure), so random placement can address "the i-th fitting node
 *    in id order" in O(log N) without building that list;
 *  - a packed cursor: every node before it is full, for good (pod counts
 *    only grow);
 *  - a spread heap by (pods, id), built at the first spread workload of the
 *    key. Pods bound by other workloads (other keys, DaemonSets) raise a
 *    node's count behind the heap's back; since counts only grow, an entry's
 *    stored count is a lower bound, and a top whose stored count is stale is
 *    re-keyed and sifted down before it is trusted (a lazy heap).
 * Per workload: spread and packed cost O(R log N) plus the nodes found full
 * (each leaves its key once) or under pressure; random costs O(R log N).
 * The outcome is the one of the former per-workload scan, pick for pick
 * (tests/unit/test_placement.c checks both against each other): random
 * draws an index into the id-ordered list of the nodes that fitted at the
 * workload's creation and swap-removes a node it finds full; that list is
 * kept virtual, as the Fenwick tree's order statistics plus the few slots
 * a swap-remove overwrote.
 * A deleted pod (placement_uncount_pod) moves the packed cursor back and
 * marks the spread heaps for a rebuild (O(N) at their next use): deletions
 * come in rollouts, a few per wave.
 */
#include "model/cluster/placement.h"

#include <assert.h>
#include <stdlib.h>

#include "base/base.h"

/* A spread heap entry: the node's pod count when last looked at. */
struct hent {
    uint32_t pods;
    uint32_t node;
};

struct pool_key {
    uint32_t *ids;           /* node ids, increasing */
    size_t n, cap;
    int32_t *bit;            /* Fenwick tree over ids: 1 for a fitting node; cap + 1 */
    size_t packed_from;      /* ids before it are full */
    struct hent *heap;       /* spread: NULL until the first spread workload */
    size_t n_heap, cap_heap;
    size_t heap_seen;        /* ids[0 .. heap_seen) went into the heap */
    bool heap_stale;         /* a pod left a node: rebuild before the next pick */
};

struct placement {
    const struct scenario *sc;
    const struct node *nodes;
    struct rng *rng;
    size_t n_nodes, max_nodes;
    uint32_t *pods_on_node;  /* max_nodes */
    bool *pressure;          /* max_nodes: DiskPressure */
    bool *fit;               /* max_nodes: counted as fitting in the Fenwick trees */
    uint32_t *pool_pos;      /* max_nodes: index in its pool's key */
    struct pool_key *keys;   /* n_pools + 1; the last is "any pool" */
    bool placing;            /* inside placement_place: fit changes wait */
    uint32_t *deferred;      /* nodes whose fit may have changed meanwhile */
    size_t n_deferred, cap_deferred;
    struct hent *aside;      /* spread: nodes under pressure, put back after */
    size_t n_aside, cap_aside;
};

/* ---------------------------------------------------------------- Fenwick */

static void bit_add(struct pool_key *k, size_t pos, int32_t d)
{
    for (size_t i = pos + 1; i <= k->cap; i += i & (~i + 1))
        k->bit[i] += d;
}

static size_t bit_total(const struct pool_key *k)
{
    int64_t s = 0;
    for (size_t i = k->n; i > 0; i -= i & (~i + 1))
        s += k->bit[i];
    return (size_t)s;
}

/* Position of the fitting node with rank r (0-based, in id order). */
static size_t bit_select(const struct pool_key *k, size_t r)
{
    size_t pos = 0, step = 1;
    while (step * 2 <= k->cap)
        step *= 2;
    int64_t left = (int64_t)r;
    for (; step > 0; step /= 2)
        if (pos + step <= k->cap && k->bit[pos + step] <= left) {
            pos += step;
            left -= k->bit[pos];
        }
    return pos; /* 0-based position = number of entries skipped */
}

/* ---------------------------------------------------------------- life */

static size_t pool_capacity(const struct scenario *sc, uint32_t pool)
{
    size_t n = sc->pools[pool].count;
    for (size_t i = 0; i < sc->n_events; i++)
        if (sc->events[i].kind == SCENARIO_EVENT_SCALE_OUT && sc->events[i].pool == pool)
            n += sc->events[i].count;
    return n;
}

static void key_init(struct pool_key *k, size_t cap)
{
    k->cap = cap;
    k->ids = xmalloc((cap ? cap : 1) * sizeof(*k->ids));
    k->bit = xcalloc(cap + 1, sizeof(*k->bit));
}

struct placement *placement_new(const struct scenario *sc, const struct node *nodes,
                                size_t max_nodes, struct rng *rng)
{
    struct placement *pl = xcalloc(1, sizeof(*pl));
    size_t m = max_nodes ? max_nodes : 1;
    pl->sc = sc;
    pl->nodes = nodes;
    pl->rng = rng;
    pl->max_nodes = max_nodes;
    pl->pods_on_node = xcalloc(m, sizeof(*pl->pods_on_node));
    pl->pressure = xcalloc(m, sizeof(*pl->pressure));
    pl->fit = xcalloc(m, sizeof(*pl->fit));
    pl->pool_pos = xcalloc(m, sizeof(*pl->pool_pos));
    pl->keys = xcalloc(sc->n_pools + 1, sizeof(*pl->keys));
    for (uint32_t p = 0; p < sc->n_pools; p++)
        key_init(&pl->keys[p], pool_capacity(sc, p));
    key_init(&pl->keys[sc->n_pools], max_nodes);
    return pl;
}

void placement_free(struct placement *pl)
{
    if (!pl)
        return;
    for (size_t p = 0; p <= pl->sc->n_pools; p++) {
        free(pl->keys[p].ids);
        free(pl->keys[p].bit);
        free(pl->keys[p].heap);
    }
    free(pl->keys);
    free(pl->pods_on_node);
    free(pl->pressure);
    free(pl->fit);
    free(pl->pool_pos);
    free(pl->deferred);
    free(pl->aside);
    free(pl);
}

/* ---------------------------------------------------------------- fit */

static bool has_room(const struct placement *pl, uint32_t node)
{
    return pl->pods_on_node[node] < pl->nodes[node].cfg->max_pods && !pl->pressure[node];
}

/* Brings the node's Fenwick entries (its pool's and "any"'s) up to date. */
static void refresh_fit(struct placement *pl, uint32_t node)
{
    bool fit = has_room(pl, node);
    if (fit == pl->fit[node])
        return;
    if (pl->placing) {
        /* Random placement addresses the list as it was at the workload's
         * creation; the change lands when the workload is placed. */
        *(uint32_t *)VEC_PUSH(pl->deferred, pl->n_deferred, pl->cap_deferred) = node;
        return;
    }
    pl->fit[node] = fit;
    int32_t d = fit ? 1 : -1;
    bit_add(&pl->keys[pl->nodes[node].pool], pl->pool_pos[node], d);
    bit_add(&pl->keys[pl->sc->n_pools], node, d);
}

void placement_add_node(struct placement *pl, uint32_t node)
{
    assert(node == pl->n_nodes && node < pl->max_nodes);
    pl->n_nodes++;
    struct pool_key *k = &pl->keys[pl->nodes[node].pool], *any = &pl->keys[pl->sc->n_pools];
    assert(k->n < k->cap && any->n == node);
    pl->pool_pos[node] = (uint32_t)k->n;
    k->ids[k->n++] = node;
    any->ids[any->n++] = node;
    refresh_fit(pl, node);
}

void placement_set_pressure(struct placement *pl, uint32_t node, bool pressure)
{
    pl->pressure[node] = pressure;
    refresh_fit(pl, node);
}

void placement_count_pod(struct placement *pl, uint32_t node)
{
    pl->pods_on_node[node]++;
    refresh_fit(pl, node);
}

void placement_uncount_pod(struct placement *pl, uint32_t node)
{
    assert(pl->pods_on_node[node] > 0);
    pl->pods_on_node[node]--;
    refresh_fit(pl, node);
    /* Counts no longer only grow: the packed cursor goes back to the node,
     * and the spread heaps (whose entries are lower bounds, and which full
     * nodes left for good) are rebuilt at their next use. */
    struct pool_key *keys[2] = {&pl->keys[pl->nodes[node].pool], &pl->keys[pl->sc->n_pools]};
    size_t pos[2] = {pl->pool_pos[node], node};
    for (int i = 0; i < 2; i++) {
        if (keys[i]->packed_from > pos[i])
            keys[i]->packed_from = pos[i];
        keys[i]->heap_stale = true;
    }
}

uint32_t placement_pods_on_node(const struct placement *pl, uint32_t node)
{
    return pl->pods_on_node[node];
}

/* ---------------------------------------------------------------- spread */

static bool hless(struct hent a, struct hent b)
{
    return a.pods < b.pods || (a.pods == b.pods && a.node < b.node);
}

static void heap_down(struct pool_key *k, size_t i)
{
    struct hent e = k->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= k->n_heap)
            break;
        if (c + 1 < k->n_heap && hless(k->heap[c + 1], k->heap[c]))
            c++;
        if (!hless(k->heap[c], e))
            break;
        k->heap[i] = k->heap[c];
        i = c;
    }
    k->heap[i] = e;
}

static void heap_push(struct pool_key *k, struct hent e)
{
    size_t i = k->n_heap;
    VEC_RESERVE(k->heap, k->n_heap, k->cap_heap, k->n_heap + 1);
    k->n_heap++;
    while (i > 0 && hless(e, k->heap[(i - 1) / 2])) {
        k->heap[i] = k->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    k->heap[i] = e;
}

static struct hent heap_pop(struct pool_key *k)
{
    struct hent top = k->heap[0];
    k->heap[0] = k->heap[--k->n_heap];
    if (k->n_heap > 0)
        heap_down(k, 0);
    return top;
}

/* Nodes that joined since the last spread workload of the key; full nodes
 * never enter. */
static void heap_sync(struct placement *pl, struct pool_key *k)
{
    if (k->heap_stale) {
        k->heap_stale = false;
        k->n_heap = 0;
        k->heap_seen = 0;
    }
    for (; k->heap_seen < k->n; k->heap_seen++) {
        uint32_t node = k->ids[k->heap_seen];
        if (pl->pods_on_node[node] < pl->nodes[node].cfg->max_pods)
            heap_push(k, (struct hent){pl->pods_on_node[node], node});
    }
}

/* The node with the fewest pods (lowest id on a tie) that has room, or
 * UINT32_MAX. Full nodes leave the heap for good; nodes under pressure wait
 * in 'aside' until the workload is placed. */
static uint32_t spread_pick(struct placement *pl, struct pool_key *k)
{
    while (k->n_heap > 0) {
        struct hent *top = &k->heap[0];
        uint32_t node = top->node, pods = pl->pods_on_node[node];
        if (pods >= pl->nodes[node].cfg->max_pods) {
            heap_pop(k);
        } else if (pl->pressure[node]) {
            *(struct hent *)VEC_PUSH(pl->aside, pl->n_aside, pl->cap_aside) = heap_pop(k);
        } else if (top->pods != pods) {
            top->pods = pods;
            heap_down(k, 0);
        } else {
            return node;
        }
    }
    return UINT32_MAX;
}

static void spread_place(struct placement *pl, struct pool_key *k, uint32_t workload,
                         uint32_t replicas, placement_bind_fn *bind, void *arg)
{
    heap_sync(pl, k);
    for (uint32_t r = 0; r < replicas; r++)
        bind(arg, workload, spread_pick(pl, k));
    for (size_t i = 0; i < pl->n_aside; i++)
        heap_push(k, pl->aside[i]);
    pl->n_aside = 0;
}

/* ---------------------------------------------------------------- packed */

static void packed_place(struct placement *pl, struct pool_key *k, uint32_t workload,
                         uint32_t replicas, placement_bind_fn *bind, void *arg)
{
    for (uint32_t r = 0; r < replicas; r++) {
        while (k->packed_from < k->n &&
               pl->pods_on_node[k->ids[k->packed_from]] >=
                   pl->nodes[k->ids[k->packed_from]].cfg->max_pods)
            k->packed_from++;
        size_t i = k->packed_from;
        while (i < k->n && !has_room(pl, k->ids[i]))
            i++;
        bind(arg, workload, i < k->n ? k->ids[i] : UINT32_MAX);
    }
}

/* ---------------------------------------------------------------- random */

/* Slots of the virtual candidate list that a swap-remove overwrote: open
 * addressing, slot -> node. */
struct overrides {
    size_t *slot;
    uint32_t *node;
    size_t mask;
};

static size_t *find_slot(struct overrides *o, size_t slot, size_t *at)
{
    size_t h = (slot * 0x9e3779b97f4a7c15ULL) >> 7 & o->mask;
    while (o->slot[h] != SIZE_MAX && o->slot[h] != slot)
        h = (h + 1) & o->mask;
    *at = h;
    return &o->slot[h];
}

static uint32_t cand_get(const struct pool_key *k, struct overrides *o, size_t i)
{
    size_t at;
    if (*find_slot(o, i, &at) == i)
        return o->node[at];
    return k->ids[bit_select(k, i)];
}

static void cand_set(struct overrides *o, size_t i, uint32_t node)
{
    size_t at;
    *find_slot(o, i, &at) = i;
    o->node[at] = node;
}

static void random_place(struct placement *pl, struct pool_key *k, uint32_t workload,
                         uint32_t replicas, placement_bind_fn *bind, void *arg)
{
    struct rng_stream rs;
    rng_stream_init(&rs, pl->sc->seed, RNG_PLACEMENT, workload);
    size_t n = bit_total(k);
    /* Every overwrite follows a node found full, which a replica filled. */
    size_t size = 4;
    while (size < 2 * ((size_t)replicas + 1))
        size *= 2;
    struct overrides o = {xmalloc(size * sizeof(size_t)), xmalloc(size * sizeof(uint32_t)),
                          size - 1};
    for (size_t i = 0; i < size; i++)
        o.slot[i] = SIZE_MAX;
    for (uint32_t r = 0; r < replicas; r++) {
        uint32_t node = UINT32_MAX;
        while (n > 0) {
            size_t i = (size_t)(rng_uniform(pl->rng, &rs) * (double)n);
            uint32_t c = cand_get(k, &o, i);
            if (has_room(pl, c)) {
                node = c;
                break;
            }
            cand_set(&o, i, cand_get(k, &o, n - 1));
            n--;
        }
        bind(arg, workload, node);
    }
    free(o.slot);
    free(o.node);
}

void placement_place(struct placement *pl, uint32_t workload, uint32_t replicas,
                     placement_bind_fn *bind, void *arg)
{
    const struct scenario_workload *wl = &pl->sc->workloads[workload];
    struct pool_key *k = &pl->keys[wl->pool == SCENARIO_NONE ? pl->sc->n_pools : wl->pool];
    pl->placing = true;
    switch (wl->placement) {
    case SCENARIO_PLACE_SPREAD:
        spread_place(pl, k, workload, replicas, bind, arg);
        break;
    case SCENARIO_PLACE_PACKED:
        packed_place(pl, k, workload, replicas, bind, arg);
        break;
    case SCENARIO_PLACE_RANDOM:
        random_place(pl, k, workload, replicas, bind, arg);
        break;
    }
    pl->placing = false;
    for (size_t i = 0; i < pl->n_deferred; i++)
        refresh_fit(pl, pl->deferred[i]);
    pl->n_deferred = 0;
}
