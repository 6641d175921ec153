/*
 * test_kubelet.c - kubelet sequencing end to end, against closed forms.
 *
 * Common setting (STYLE §10): 20 ms per request, one manifest request per
 * pull, 1 MB = 10^6 B, registry 10 Gbps, one node with a 1 Gbps NIC
 * (125 MB/s), images of one 125 MB layer. One image alone: ready at
 * 0.020 (manifest) + 0.020 (blob) + 125/125 = 1.040 s.
 */
#include "sim_helpers.h"

#define HEAD                                                                              \
    "name: t\n"                                                                           \
    "horizon: 2h\n"                                                                       \
    "registries:\n"                                                                       \
    "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1}\n" \
    "images:\n"                                                                           \
    "  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"                             \
    "  - {ref: registry.test/b:1, layers: [{size: 125MB}]}\n"                             \
    "  - {ref: registry.test/c:1, layers: [{size: 125MB}]}\n"                             \
    "kubeletConfigs:\n"                                                                   \
    "  serial: {serializeImagePulls: true}\n"                                             \
    "  par2: {maxParallelImagePulls: 2}\n"                                                \
    "  unlimited: {serializeImagePulls: false}\n"                                         \
    "  noburst: {registryPullQPS: 5, registryBurst: 0}\n"

#define POOL(count, extra)                                                                \
    "nodePools:\n  - {name: p, count: " #count ", nicBandwidth: 1Gbps" extra "}\n"

#define POD(name, image) \
    "  - {name: " name ", kind: Pod, template: {containers: [{name: c, image: " image "}]}}\n"

static const char three_pods[] = HEAD POOL(1, "") "workloads:\n"
    POD("pa", "registry.test/a:1") POD("pb", "registry.test/b:1") POD("pc", "registry.test/c:1");

/* Serial: FIFO in request order, one at a time: 1.04, 2.08, 3.12. */
static void test_serial_fifo(void **state)
{
    (void)state;
    struct run r;
    run_scenario(&r, "serial.yaml", three_pods, "serial", NULL, 0);
    for (uint32_t i = 0; i < 3; i++) {
        assert_close(run_pod_ready(&r, i), 1.040 * (i + 1), 1e-9);
        assert_close(run_pull(&r, i)->requested, 0, 1e-12);
        assert_close(run_pull(&r, i)->started, 1.040 * i, 1e-9);
    }
    run_release(&r);
}

/* maxParallelImagePulls 2: a and b share the NIC, 0.040 + 250/125 = 2.040;
 * c waits for a slot until 2.040 and is ready at 2.040 + 1.040 = 3.080. */
static void test_parallel_limit(void **state)
{
    (void)state;
    struct run r;
    run_scenario(&r, "par2.yaml", three_pods, "par2", NULL, 0);
    assert_close(run_pod_ready(&r, 0), 2.040, 1e-9);
    assert_close(run_pod_ready(&r, 1), 2.040, 1e-9);
    assert_close(run_pull(&r, 2)->started, 2.040, 1e-9);
    assert_close(run_pod_ready(&r, 2), 3.080, 1e-9);
    run_release(&r);
}

/* No limit: all three share the NIC: 0.040 + 375/125 = 3.040. */
static void test_parallel_unlimited(void **state)
{
    (void)state;
    struct run r;
    run_scenario(&r, "unl.yaml", three_pods, "unlimited", NULL, 0);
    for (uint32_t i = 0; i < 3; i++)
        assert_close(run_pod_ready(&r, i), 3.040, 1e-9);
    run_release(&r);
}

/* One pod, two containers, unlimited parallel puller: the kubelet never
 * pulls two images of one pod at once, so b is requested when a is present:
 * 1.040 + 1.040 = 2.080. */
static void test_one_pod_sequential(void **state)
{
    (void)state;
    static const char text[] = HEAD POOL(1, "") "workloads:\n"
        "  - {name: p, kind: Pod, template: {containers: [{name: x, image: registry.test/a:1},"
        " {name: y, image: registry.test/b:1}]}}\n";
    struct run r;
    run_scenario(&r, "seq.yaml", text, "unlimited", NULL, 0);
    assert_close(run_pull(&r, 1)->requested, 1.040, 1e-9);
    assert_close(run_pod_ready(&r, 0), 2.080, 1e-9);
    run_release(&r);
}

/* Init container a runs 5 s after its image is present (1.040 -> 6.040);
 * the node's PLEG relist (a tick in [6.040, 7.040)) sees it exit and the
 * next sync pulls b: ready = b's request + 1.040. */
static void test_init_container(void **state)
{
    (void)state;
    static const char text[] = HEAD POOL(1, "") "workloads:\n"
        "  - name: p\n    kind: Pod\n    template:\n"
        "      initContainers: [{name: init, image: registry.test/a:1, runFor: 5s}]\n"
        "      containers: [{name: main, image: registry.test/b:1}]\n";
    struct run r;
    run_scenario(&r, "init.yaml", text, "unlimited", NULL, 0);
    double req = run_pull(&r, 1)->requested;
    assert_true(req >= 6.040 && req < 7.040);
    assert_close(run_pod_ready(&r, 0), req + 1.040, 1e-9);
    run_release(&r);
}

/* STYLE §10: two nodes with 10 Gbps NICs, registry egress 1 Gbps: both
 * ready at 0.040 + 125/62.5 = 2.040 (the registry is the bottleneck). */
static void test_registry_bottleneck(void **state)
{
    (void)state;
    static const char text[] = "name: t\nregistries:\n"
        "  - {host: registry.test, egressBandwidth: 1Gbps, latency: 20ms, manifestRequests: 1}\n"
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "nodePools:\n  - {name: p, count: 2, nicBandwidth: 10Gbps}\n"
        "workloads:\n  - {name: d, kind: DaemonSet, template: {containers: "
        "[{name: c, image: registry.test/a:1}]}}\n";
    struct run r;
    run_scenario(&r, "bottleneck.yaml", text, NULL, NULL, 0);
    assert_close(run_pod_ready(&r, 0), 2.040, 1e-9);
    assert_close(run_pod_ready(&r, 1), 2.040, 1e-9);
    run_release(&r);
}

/* Pull policies (spec §3): IfNotPresent with the image pre-pulled: ready at
 * 0, no pull. Always: no presence check, one manifest request (0.020), no
 * layer fetched. Never with the image absent: ErrImageNeverPull, never
 * ready, no pull. */
static void test_policies(void **state)
{
    (void)state;
    static const char text[] = HEAD POOL(1, ", prePulled: [registry.test/a:1]") "workloads:\n"
        "  - {name: ifnp, kind: Pod, template: {containers: [{name: c, image: registry.test/a:1,"
        " imagePullPolicy: IfNotPresent}]}}\n"
        "  - {name: always, kind: Pod, template: {containers: [{name: c, image: registry.test/a:1,"
        " imagePullPolicy: Always}]}}\n"
        "  - {name: never, kind: Pod, template: {containers: [{name: c, image: registry.test/b:1,"
        " imagePullPolicy: Never}]}}\n";
    struct run r;
    run_scenario(&r, "policy.yaml", text, "serial", NULL, 0);
    assert_close(run_pod_ready(&r, 0), 0, 1e-12);
    assert_close(run_pod_ready(&r, 1), 0.020, 1e-9);
    assert_true(isnan(run_pod(&r, 2)->ready));
    assert_int_equal(r.s.pulls, 1); /* only Always pulled */
    assert_int_equal(run_pull(&r, 0)->bytes, 0);
    assert_int_equal(r.s.layer_transfers, 0);
    run_release(&r);
}

/* registryBurst 0: every pull is refused at once ("pull QPS exceeded",
 * spec §6) and the back-off grows (spec §4, §5): after each failure the
 * next attempt comes within [backoff, backoff + 16) s, backoff = 10, 20,
 * 40, 80, 160, then 300 s; more precisely, re-syncs land on the node's 1 s
 * ticker 10-15 s apart, so attempt k+1 - failure k lies in
 * [b_k, b_k + 11) for k >= 2 and in [10, 16) for the first. */
static void test_backoff_timeline(void **state)
{
    (void)state;
    static const char text[] = HEAD POOL(1, "") "workloads:\n" POD("p", "registry.test/a:1");
    struct run r;
    run_scenario(&r, "qps.yaml", text, "noburst", NULL, 0);
    static const double lo[] = {10, 20, 40, 80, 160, 300, 300, 300};
    size_t n = kubelet_pull_count(world_kubelet(r.w));
    assert_true(n >= 9);
    assert_true(isnan(run_pod(&r, 0)->ready));
    for (uint32_t i = 1; i < n && i <= 8; i++) {
        const struct kubelet_pull *prev = run_pull(&r, i - 1), *cur = run_pull(&r, i);
        assert_int_equal(prev->result, KUBELET_PULL_FAILED);
        assert_close(prev->finished, prev->started, 1e-12); /* refused at once */
        double gap = cur->requested - prev->finished;
        print_message("attempt %u: %.3f s after the previous failure\n", i + 1, gap);
        assert_true(gap >= lo[i - 1] && gap < lo[i - 1] + 16);
    }
    run_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serial_fifo),        cmocka_unit_test(test_parallel_limit),
        cmocka_unit_test(test_parallel_unlimited), cmocka_unit_test(test_one_pod_sequential),
        cmocka_unit_test(test_init_container),     cmocka_unit_test(test_registry_bottleneck),
        cmocka_unit_test(test_policies),           cmocka_unit_test(test_backoff_timeline),
    };
    return cmocka_run_group_tests_name("kubelet", tests, NULL, NULL);
}
