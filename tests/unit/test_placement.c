/* test_placement.c - placement.h against the per-workload scan it replaced.
 *
 * The reference below is the former algorithm, written for clarity: for each
 * Deployment it lists the fitting nodes in id order and picks from that list
 * (spread: fewest pods then lowest id; packed: lowest id; random: an index
 * drawn from the workload's RNG_PLACEMENT stream, a full node swap-removed
 * and the draw repeated). Random clusters (pools, maxPods, DiskPressure that
 * comes and goes, DaemonSet pods beyond maxPods, scale-outs, pods deleted)
 * must give the same node for every replica.
 */
#include "model/cluster/placement.h"

#include "check.h"

#include <string.h>

#define MAX_NODES 400
#define N_POOLS 3

struct ref {
    const struct scenario *sc;
    const struct node *nodes;
    struct rng *rng;
    size_t n_nodes;
    uint32_t pods[MAX_NODES];
    bool pressure[MAX_NODES];
};

static bool ref_room(const struct ref *r, uint32_t i)
{
    return r->pods[i] < r->nodes[i].cfg->max_pods && !r->pressure[i];
}

/* Fills out[] with the node of each replica (UINT32_MAX: unscheduled). */
static void ref_place(struct ref *r, uint32_t w, uint32_t replicas, uint32_t *out)
{
    const struct scenario_workload *wl = &r->sc->workloads[w];
    uint32_t cand[MAX_NODES];
    size_t n = 0;
    for (uint32_t i = 0; i < r->n_nodes; i++)
        if ((wl->pool == SCENARIO_NONE || r->nodes[i].pool == wl->pool) && ref_room(r, i))
            cand[n++] = i;
    struct rng_stream rs;
    rng_stream_init(&rs, r->sc->seed, RNG_PLACEMENT, w);
    for (uint32_t k = 0; k < replicas; k++) {
        uint32_t best = UINT32_MAX;
        if (wl->placement == SCENARIO_PLACE_RANDOM) {
            while (n > 0) {
                size_t i = (size_t)(rng_uniform(r->rng, &rs) * (double)n);
                if (ref_room(r, cand[i])) {
                    best = cand[i];
                    break;
                }
                cand[i] = cand[--n];
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                uint32_t c = cand[i];
                if (!ref_room(r, c))
                    continue;
                if (best == UINT32_MAX || (wl->placement == SCENARIO_PLACE_SPREAD &&
                                           r->pods[c] < r->pods[best]))
                    best = c;
            }
        }
        out[k] = best;
        if (best != UINT32_MAX)
            r->pods[best]++;
    }
}

struct bound {
    struct placement *pl;
    uint32_t got[MAX_NODES];
    uint32_t n;
};

static void bind(void *arg, uint32_t workload, uint32_t node)
{
    struct bound *b = arg;
    (void)workload;
    b->got[b->n++] = node;
    if (node != UINT32_MAX)
        placement_count_pod(b->pl, node);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* One random cluster history; returns the replicas compared. */
static size_t run_case(uint64_t seed)
{
    uint64_t s = seed;
    struct scenario_pool pools[N_POOLS];
    memset(pools, 0, sizeof(pools));
    struct scenario_event ev[N_POOLS];
    memset(ev, 0, sizeof(ev));
    size_t max_nodes = 0;
    for (uint32_t p = 0; p < N_POOLS; p++) {
        pools[p].count = 1 + (uint32_t)(lcg(&s) % 60);
        pools[p].max_pods = 1 + (uint32_t)(lcg(&s) % 6);
        ev[p] = (struct scenario_event){.kind = SCENARIO_EVENT_SCALE_OUT, .pool = p,
                                        .count = (uint32_t)(lcg(&s) % 40)};
        max_nodes += pools[p].count + ev[p].count;
    }
    enum { N_WL = 120 };
    struct scenario_workload wls[N_WL];
    memset(wls, 0, sizeof(wls));
    for (size_t i = 0; i < N_WL; i++) {
        wls[i].kind = SCENARIO_KIND_DEPLOYMENT;
        wls[i].placement = (enum scenario_placement)(lcg(&s) % 3);
        wls[i].pool = lcg(&s) % 3 == 0 ? SCENARIO_NONE : (uint32_t)(lcg(&s) % N_POOLS);
    }
    struct scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.seed = seed;
    sc.pools = pools;
    sc.n_pools = N_POOLS;
    sc.workloads = wls;
    sc.n_workloads = N_WL;
    sc.events = ev;
    sc.n_events = N_POOLS;
    struct node nodes[MAX_NODES];
    memset(nodes, 0, sizeof(nodes));
    assert_true(max_nodes <= MAX_NODES);
    struct rng *rng = rng_new();
    struct ref ref = {.sc = &sc, .nodes = nodes, .rng = rng};
    struct bound b = {.pl = placement_new(&sc, nodes, max_nodes, rng)};
    size_t n_nodes = 0, compared = 0;
    /* Initial pools in pool order, then the scale-outs in the history. */
    uint32_t join[MAX_NODES], n_join = 0;
    for (uint32_t p = 0; p < N_POOLS; p++)
        for (uint32_t i = 0; i < pools[p].count; i++)
            join[n_join++] = p;
    uint32_t later[MAX_NODES], n_later = 0;
    for (uint32_t p = 0; p < N_POOLS; p++)
        for (uint32_t i = 0; i < ev[p].count; i++)
            later[n_later++] = p;
    size_t next_later = 0;
    for (uint32_t i = 0; i < n_join; i++) {
        nodes[n_nodes] = (struct node){.id = (uint32_t)n_nodes, .pool = join[i],
                                       .cfg = &pools[join[i]]};
        placement_add_node(b.pl, (uint32_t)n_nodes++);
    }
    for (uint32_t w = 0; w < N_WL; w++) {
        ref.n_nodes = n_nodes;
        uint32_t action = (uint32_t)(lcg(&s) % 10);
        if (action == 0 && next_later < n_later) { /* a few nodes join */
            for (int k = 0; k < 5 && next_later < n_later; k++) {
                uint32_t p = later[next_later++];
                nodes[n_nodes] = (struct node){.id = (uint32_t)n_nodes, .pool = p,
                                               .cfg = &pools[p]};
                placement_add_node(b.pl, (uint32_t)n_nodes++);
            }
            ref.n_nodes = n_nodes;
        } else if (action <= 2 && n_nodes > 0) { /* pressure flips on a few nodes */
            for (int k = 0; k < 4; k++) {
                uint32_t node = (uint32_t)(lcg(&s) % n_nodes);
                ref.pressure[node] = !ref.pressure[node];
                placement_set_pressure(b.pl, node, ref.pressure[node]);
            }
        } else if (action == 3 && n_nodes > 0) { /* a DaemonSet pod, maxPods or not */
            uint32_t node = (uint32_t)(lcg(&s) % n_nodes);
            ref.pods[node]++;
            placement_count_pod(b.pl, node);
        } else if (action <= 5 && n_nodes > 0) { /* pods deleted (a rollout wave) */
            for (int k = 0; k < 3; k++) {
                uint32_t node = (uint32_t)(lcg(&s) % n_nodes);
                if (ref.pods[node] == 0)
                    continue;
                ref.pods[node]--;
                placement_uncount_pod(b.pl, node);
            }
        }
        uint32_t replicas = 1 + (uint32_t)(lcg(&s) % 25), want[MAX_NODES];
        ref_place(&ref, w, replicas, want);
        b.n = 0;
        placement_place(b.pl, w, replicas, bind, &b);
        assert_int_equal(b.n, replicas);
        for (uint32_t k = 0; k < replicas; k++) {
            if (b.got[k] != want[k])
                print_error("seed %llu workload %u (%d) replica %u: got node %u, want %u\n",
                            (unsigned long long)seed, w, (int)wls[w].placement, k,
                            b.got[k], want[k]);
            assert_int_equal(b.got[k], want[k]);
        }
        compared += replicas;
    }
    for (uint32_t i = 0; i < n_nodes; i++)
        assert_int_equal(placement_pods_on_node(b.pl, i), ref.pods[i]);
    placement_free(b.pl);
    rng_free(rng);
    return compared;
}

static void test_same_as_scan(void **state)
{
    (void)state;
    size_t compared = 0;
    for (uint64_t seed = 1; seed <= 300; seed++)
        compared += run_case(seed);
    assert_true(compared > 300 * 120);
}

/* Closed form: spread over 3 empty nodes of maxPods 2 in one pool, 7
 * replicas: nodes 0 1 2 0 1 2, then none (unscheduled). */
static void test_spread_closed_form(void **state)
{
    (void)state;
    struct scenario_pool pool = {.count = 3, .max_pods = 2};
    struct scenario_workload wl = {.kind = SCENARIO_KIND_DEPLOYMENT, .pool = SCENARIO_NONE};
    struct scenario sc = {.seed = 1, .pools = &pool, .n_pools = 1, .workloads = &wl,
                          .n_workloads = 1};
    struct node nodes[3];
    struct rng *rng = rng_new();
    struct bound b = {.pl = placement_new(&sc, nodes, 3, rng)};
    for (uint32_t i = 0; i < 3; i++) {
        nodes[i] = (struct node){.id = i, .pool = 0, .cfg = &pool};
        placement_add_node(b.pl, i);
    }
    placement_place(b.pl, 0, 7, bind, &b);
    static const uint32_t want[7] = {0, 1, 2, 0, 1, 2, UINT32_MAX};
    for (int k = 0; k < 7; k++)
        assert_int_equal(b.got[k], want[k]);
    placement_free(b.pl);
    rng_free(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_scan),
        cmocka_unit_test(test_spread_closed_form),
    };
    return cmocka_run_group_tests_name("placement", tests, NULL, NULL);
}
