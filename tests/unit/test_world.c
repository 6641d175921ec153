/* test_world.c - placement of workloads on nodes (world.h). */
#include "sim_helpers.h"

#define HEAD                                                                              \
    "name: t\nregistries:\n  - {host: registry.test, egressBandwidth: 10Gbps}\n"           \
    "images:\n  - {ref: registry.test/a:1, layers: [{size: 1MB}]}\n"                       \
    "nodePools:\n  - {name: p, count: 3, nicBandwidth: 1Gbps, maxPods: 2}\n"               \
    "  - {name: q, count: 2, nicBandwidth: 1Gbps}\n"

#define DEPLOY(placement, replicas, pool)                                                 \
    "  - {name: w, kind: Deployment, replicas: " #replicas ", placement: " placement      \
    ", pool: " pool ", template: {containers: [{name: c, image: registry.test/a:1}]}}\n"

static void count_nodes(const struct run *r, uint32_t *per_node, size_t n_nodes,
                        uint32_t *unscheduled)
{
    memset(per_node, 0, n_nodes * sizeof(*per_node));
    *unscheduled = 0;
    for (uint32_t i = 0; i < r->s.pods; i++) {
        uint32_t node = run_pod(r, i)->node;
        if (node == UINT32_MAX)
            (*unscheduled)++;
        else
            per_node[node]++;
    }
}

/* Spread: fewest pods first, lowest id on a tie; maxPods 2 on pool p. */
static void test_spread(void **state)
{
    (void)state;
    static const char text[] = HEAD "workloads:\n" DEPLOY("spread", 7, "p");
    struct run r;
    uint32_t per[5], unsched;
    run_scenario(&r, "spread.yaml", text, NULL, NULL, 0);
    count_nodes(&r, per, 5, &unsched);
    assert_int_equal(per[0], 2);
    assert_int_equal(per[1], 2);
    assert_int_equal(per[2], 2);
    assert_int_equal(per[3] + per[4], 0); /* other pool */
    assert_int_equal(unsched, 1);
    /* Round-robin order: replicas 0, 1, 2 on nodes 0, 1, 2. */
    assert_int_equal(run_pod(&r, 1)->node, 1);
    run_release(&r);
}

/* Packed: fill node 0, then node 1 ... */
static void test_packed(void **state)
{
    (void)state;
    static const char text[] = HEAD "workloads:\n" DEPLOY("packed", 3, "p");
    struct run r;
    uint32_t per[5], unsched;
    run_scenario(&r, "packed.yaml", text, NULL, NULL, 0);
    count_nodes(&r, per, 5, &unsched);
    assert_int_equal(per[0], 2);
    assert_int_equal(per[1], 1);
    assert_int_equal(per[2], 0);
    run_release(&r);
}

/* Random: within maxPods, all placed while there is room, and the same
 * seed places the same way. */
static void test_random(void **state)
{
    (void)state;
    static const char text[] = HEAD "workloads:\n" DEPLOY("random", 6, "p");
    struct run r1, r2;
    uint32_t per[5], unsched;
    run_scenario(&r1, "random.yaml", text, NULL, NULL, 0);
    run_scenario(&r2, "random.yaml", text, NULL, NULL, 0);
    count_nodes(&r1, per, 5, &unsched);
    assert_int_equal(unsched, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(per[i], 2);
    for (uint32_t i = 0; i < r1.s.pods; i++)
        assert_int_equal(run_pod(&r1, i)->node, run_pod(&r2, i)->node);
    run_release(&r1);
    run_release(&r2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spread),
        cmocka_unit_test(test_packed),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests_name("world", tests, NULL, NULL);
}
