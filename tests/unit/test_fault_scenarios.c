/*
 * test_fault_scenarios.c - the outcomes scenarios/registry-outage.yaml and
 * scenarios/dockerhub-nat.yaml are there to show.
 */
#include "sim_helpers.h"

#include "model/runtime/runtime.h"

#define OUTAGE "scenarios/registry-outage.yaml"
#define NAT "scenarios/dockerhub-nat.yaml"

/* registry-outage: the registry is down from 30 s to 150 s. Every pod
 * fails (in flight at 30 s, or created during the outage), backs off, and
 * gets ready only after the recovery; the last one more than a minute
 * after it, within back-off (at most 80 s: at most 4 failures fit in 120
 * s) + 16 s of re-sync + its pull (under 30 s here) of it. Without the
 * outage every pod is ready within 20 s of its creation. */
static void test_registry_outage(void **state)
{
    (void)state;
    const double recovery = 150;
    struct run r;
    run_scenario(&r, OUTAGE, NULL, NULL, NULL, 0);
    print_message("ready %zu/%zu, mean %.2f s, max %.2f s, last at %.2f s (%.2f s after "
                  "the recovery), failed pulls %llu\n", r.s.pods_ready, r.s.pods, r.s.ready_mean,
                  r.s.ready_max, r.s.last_ready, r.s.last_ready - recovery,
                  (unsigned long long)r.s.pulls_failed);
    assert_int_equal(r.s.pods, 24);
    assert_int_equal(r.s.pods_ready, 24);
    assert_int_equal(r.s.backoff.pods_affected, 24);
    assert_int_equal(r.s.backoff.pods_recovered, 24);
    for (uint32_t i = 0; i < 24; i++) {
        assert_true(run_pod(&r, i)->ready > recovery);
        assert_true(run_pod(&r, i)->failed_pulls >= 3);
    }
    assert_true(r.s.last_ready > recovery + 60);
    assert_true(r.s.last_ready < recovery + 80 + 16 + 30);
    assert_true(r.s.registries[0].failures > 0);
    assert_int_equal(r.s.registries[0].throttled, 0);
    run_release(&r);

    const struct scenario_override later[] = {{"registries[0].outages[0].from", "23h"},
                                              {"registries[0].outages[0].to", "24h"}};
    run_scenario(&r, OUTAGE, NULL, NULL, later, 2);
    assert_int_equal(r.s.pods_ready, 24);
    assert_int_equal(r.s.backoff.pods_affected, 0);
    assert_true(r.s.ready_max < 20);
    run_release(&r);
}

/* dockerhub-nat: 115 image pulls against one quota of 100 per 6 h: 100
 * pods start, 15 stay in ImagePullBackOff to the end, every one of their
 * attempts a 429 on a counted manifest GET; with one address per node
 * (key: node) everybody starts. */
static void test_dockerhub_nat(void **state)
{
    (void)state;
    struct run r;
    run_scenario(&r, NAT, NULL, NULL, NULL, 0);
    print_message("ready %zu/%zu, throttled %llu, failed pulls %llu, stuck %zu\n",
                  r.s.pods_ready, r.s.pods, (unsigned long long)r.s.registries[0].throttled,
                  (unsigned long long)r.s.pulls_failed,
                  r.s.backoff.pods_affected - r.s.backoff.pods_recovered);
    assert_int_equal(r.s.pods, 115);
    assert_int_equal(r.s.pods_ready, 100);
    assert_int_equal(r.s.backoff.pods_affected, 15);
    assert_int_equal(r.s.backoff.pods_recovered, 0);
    assert_int_equal(r.s.registries[0].throttled, r.s.pulls_failed);
    for (uint32_t i = 0; i < kubelet_pull_count(world_kubelet(r.w)); i++) {
        const struct kubelet_pull *p = run_pull(&r, i);
        if (p->result != KUBELET_PULL_FAILED)
            continue;
        assert_int_equal(p->code, RUNTIME_ERR_TOO_MANY_REQUESTS);
        assert_int_equal(p->reason, KUBELET_REASON_ERR_IMAGE_PULL);
    }
    /* Stuck pods keep trying every 5 minutes (back-off at its 300 s cap). */
    for (uint32_t i = 0; i < r.s.pods; i++) {
        const struct kubelet_pod *p = run_pod(&r, i);
        if (isnan(p->ready))
            assert_true(p->attempts >= 2 * 3600 / 316);
    }
    run_release(&r);

    const struct scenario_override per_node = {"registries[0].rateLimit.key", "node"};
    run_scenario(&r, NAT, NULL, NULL, &per_node, 1);
    assert_int_equal(r.s.pods_ready, 115);
    assert_int_equal(r.s.registries[0].throttled, 0);
    run_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_outage),
        cmocka_unit_test(test_dockerhub_nat),
    };
    return cmocka_run_group_tests_name("fault scenarios", tests, NULL, NULL);
}
