/* test_scenario_faults.c - the fault keys of registries[] and the pool's
 * runtime.imagePullProgressTimeout: values, defaults, --set, and the
 * effective YAML re-loading to the same values. (Bad values: the
 * tests/scenarios/bad/fault-*.yaml corpus.) */
#include "spec/scenario.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char text[] =
    "registries:\n"
    "  - host: docker.io\n"
    "    egressBandwidth: 10Gbps\n"
    "    failureProbability: 0.05\n"
    "    outages:\n"
    "      - {from: 2m, to: 4m}\n"
    "      - {from: 4m, to: 5m, mode: hang}\n"
    "    changes:\n"
    "      - {at: 10m, egressBandwidth: 1Gbps, latency: {dist: exponential, mean: 1s}}\n"
    "      - {at: 10m, failureProbability: 1, perConnectionBandwidth: 100Mbps}\n"
    "    rateLimit: {requests: 100, window: 6h}\n"
    "    maxConcurrentRequests: 50\n"
    "  - {host: quay.io, egressBandwidth: 10Gbps}\n"
    "images:\n"
    "  - {ref: nginx:1.27, layers: [{size: 10MB}]}\n"
    "nodePools:\n"
    "  - {name: a, count: 1, nicBandwidth: 1Gbps}\n"
    "  - {name: b, count: 1, nicBandwidth: 1Gbps, runtime: {imagePullProgressTimeout: 0s}}\n"
    "  - {name: c, count: 1, nicBandwidth: 1Gbps, runtime: {imagePullProgressTimeout: 1m}}\n";

static struct scenario *load(const char *yaml, const struct scenario_override *sets, size_t n)
{
    struct diag d;
    diag_init(&d, stderr);
    struct scenario *s = scenario_load_string("faults.yaml", yaml, sets, n, false, 0, &d);
    diag_release(&d);
    assert_non_null(s);
    return s;
}

static void check_values(const struct scenario *s)
{
    const struct scenario_registry *r = &s->registries[0];
    assert_close(r->failure_probability, 0.05, 1e-15);
    assert_int_equal(r->n_outages, 2);
    assert_close(r->outages[0].from, 120, 1e-12);
    assert_close(r->outages[0].to, 240, 1e-12);
    assert_int_equal(r->outages[0].mode, SCENARIO_OUTAGE_FAIL);
    assert_int_equal(r->outages[1].mode, SCENARIO_OUTAGE_HANG);
    assert_int_equal(r->n_changes, 2);
    assert_int_equal(r->changes[0].what, SCENARIO_CHANGE_EGRESS | SCENARIO_CHANGE_LATENCY);
    assert_close(r->changes[0].egress_bandwidth, 125e6, 1e-6);
    assert_int_equal(r->changes[0].latency.kind, SCENARIO_DIST_EXPONENTIAL);
    assert_close(r->changes[0].latency.a, 1, 1e-12);
    assert_int_equal(r->changes[1].what, SCENARIO_CHANGE_FAILURE | SCENARIO_CHANGE_PER_CONNECTION);
    assert_close(r->changes[1].failure_probability, 1, 1e-15);
    assert_close(r->changes[1].per_connection_bandwidth, 12.5e6, 1e-6);
    assert_int_equal(r->rate_limit.requests, 100);
    assert_close(r->rate_limit.window, 6 * 3600, 1e-9);
    assert_int_equal(r->rate_limit.key, SCENARIO_RATE_NODE); /* the default */
    assert_int_equal(r->max_concurrent_requests, 50);
    /* Defaults: no faults, no limits; containerd's 5m progress timeout. */
    const struct scenario_registry *q = &s->registries[1];
    assert_close(q->failure_probability, 0, 0);
    assert_int_equal(q->n_outages + q->n_changes, 0);
    assert_int_equal(q->rate_limit.requests, 0);
    assert_int_equal(q->max_concurrent_requests, 0);
    assert_close(s->pools[0].runtime.image_pull_progress_timeout, 300, 0);
    assert_close(s->pools[1].runtime.image_pull_progress_timeout, 0, 0);
    assert_close(s->pools[2].runtime.image_pull_progress_timeout, 60, 0);
}

static void test_values(void **state)
{
    (void)state;
    struct scenario *s = load(text, NULL, 0);
    check_values(s);
    /* The effective YAML loads to the same values. */
    struct scenario *again = load(s->effective_yaml, NULL, 0);
    check_values(again);
    scenario_free(again);
    scenario_free(s);
}

static void test_set(void **state)
{
    (void)state;
    const struct scenario_override sets[] = {
        {"registries[0].rateLimit.key", "pool"},
        {"registries[0].outages[1].mode", "fail"},
        {"registries[1].failureProbability", "0.5"},
        {"nodePools[2].runtime.imagePullProgressTimeout", "30s"},
    };
    struct scenario *s = load(text, sets, 4);
    assert_int_equal(s->registries[0].rate_limit.key, SCENARIO_RATE_POOL);
    assert_int_equal(s->registries[0].outages[1].mode, SCENARIO_OUTAGE_FAIL);
    assert_close(s->registries[1].failure_probability, 0.5, 0);
    assert_close(s->pools[2].runtime.image_pull_progress_timeout, 30, 0);
    scenario_free(s);
}

/* Back-to-back outages are fine (an outage may start where the previous
 * one ends); every key kind of rateLimit is accepted. */
static void test_edges(void **state)
{
    (void)state;
    static const char *const keys[] = {"node", "pool", "cluster", "credential"};
    for (size_t i = 0; i < 4; i++) {
        const struct scenario_override set = {"registries[0].rateLimit.key", keys[i]};
        struct scenario *s = load(text, &set, 1);
        assert_int_equal(s->registries[0].rate_limit.key, (enum scenario_rate_key)i);
        assert_close(s->registries[0].outages[1].from, s->registries[0].outages[0].to, 0);
        scenario_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests_name("scenario faults", tests, NULL, NULL);
}
