/*
 * test_images.c - what image references, policies and image kinds do to a
 * pull, end to end (issue: image references and pull policies).
 *
 * Setting: 20 ms per request, 1 MB = 10^6 B, NIC 1 Gbps (125 MB/s),
 * registry 10 Gbps.
 */
#include "sim_helpers.h"

#define REGISTRY                                                                          \
    "registries:\n"                                                                       \
    "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1}\n"

static uint64_t requests(const struct run *r)
{
    return r->s.registries[0].requests;
}

/* AlwaysPullImages admission (spec §12) turns an explicit IfNotPresent into
 * Always: the pre-pulled image is resolved again (one manifest request,
 * 0.020 s) but no layer moves. Without it: ready at 0, no request. */
static void test_always_pull_images_admission(void **state)
{
    (void)state;
    static const char body[] = REGISTRY
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, prePulled: [registry.test/a:1]}\n"
        "workloads:\n  - {name: w, kind: Pod, template: {containers: [{name: c, "
        "image: registry.test/a:1, imagePullPolicy: IfNotPresent}]}}\n";
    char with[1024], without[1024];
    snprintf(with, sizeof(with), "name: t\nadmission: {alwaysPullImages: true}\n%s", body);
    snprintf(without, sizeof(without), "name: t\n%s", body);
    struct run r;
    run_scenario(&r, "admission.yaml", with, NULL, NULL, 0);
    assert_close(run_pod_ready(&r, 0), 0.020, 1e-9);
    assert_int_equal(requests(&r), 1);
    assert_int_equal(r.s.layer_transfers, 0);
    run_release(&r);
    run_scenario(&r, "no-admission.yaml", without, NULL, NULL, 0);
    assert_close(run_pod_ready(&r, 0), 0, 1e-12);
    assert_int_equal(requests(&r), 0);
    run_release(&r);
}

/* The default policy follows the tag (spec §2): ':latest' and no tag pull
 * Always (a request even when present), ':1' IfNotPresent (none). */
static void test_default_policy_from_tag(void **state)
{
    (void)state;
    static const char text[] = "name: t\n" REGISTRY
        "images:\n  - {ref: registry.test/a:latest, layers: [{size: 1MB}]}\n"
        "  - {ref: registry.test/b:1, layers: [{size: 1MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, "
        "prePulled: [registry.test/a, registry.test/b:1]}\n"
        "workloads:\n"
        "  - {name: latest, kind: Pod, template: {containers: [{name: c, image: registry.test/a}]}}\n"
        "  - {name: pinned, kind: Pod, template: {containers: [{name: c, image: registry.test/b:1}]}}\n";
    struct run r;
    run_scenario(&r, "default-policy.yaml", text, NULL, NULL, 0);
    assert_close(run_pod_ready(&r, 0), 0.020, 1e-9); /* Always: resolved again */
    assert_close(run_pod_ready(&r, 1), 0, 1e-12);    /* IfNotPresent: present */
    assert_int_equal(requests(&r), 1);
    run_release(&r);
}

/* Multi-arch (spec §11, §13): an index costs one more request (the
 * platform manifest): 3 x 0.020 + 125/125 = 1.060 s on amd64. An arm64
 * node finds no match: the pull fails and the pod goes to back-off. */
static void test_multi_arch(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 1m\n" REGISTRY
        "images:\n  - {ref: registry.test/a:1, platforms: [linux/amd64], layers: [{size: 125MB}]}\n"
        "nodePools:\n  - {name: x86, count: 1, nicBandwidth: 1Gbps}\n"
        "  - {name: arm, count: 1, arch: arm64, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: d, kind: DaemonSet, template: {containers: [{name: c, "
        "image: registry.test/a:1}]}}\n";
    struct run r;
    run_scenario(&r, "multiarch.yaml", text, NULL, NULL, 0);
    assert_close(run_pod_ready(&r, 0), 1.060, 1e-9);
    assert_true(isnan(run_pod(&r, 1)->ready));
    const struct kubelet_pull *p = run_pull(&r, 1);
    assert_int_equal(p->node, 1);
    assert_int_equal(p->result, KUBELET_PULL_FAILED);
    assert_non_null(strstr(p->error, "no match for platform"));
    assert_true(r.s.pulls >= 3); /* retried after back-off within the minute */
    run_release(&r);
}

/* Pre-pulled images share layers with later pulls: b shares a's 100 MB
 * base, so only its own 25 MB move: 0.040 + 25/125 = 0.240 s. */
static void test_prepulled_shares_layers(void **state)
{
    (void)state;
    static const char text[] = "name: t\n" REGISTRY
        "images:\n  - {ref: registry.test/a:1, layers: [{id: base, size: 100MB}, {size: 5MB}]}\n"
        "  - {ref: registry.test/b:1, layers: [{id: base, size: 100MB}, {size: 25MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, prePulled: [registry.test/a:1]}\n"
        "workloads:\n  - {name: w, kind: Pod, template: {containers: [{name: c, "
        "image: registry.test/b:1}]}}\n";
    struct run r;
    run_scenario(&r, "prepulled.yaml", text, NULL, NULL, 0);
    assert_close(run_pod_ready(&r, 0), 0.240, 1e-9);
    assert_int_equal(r.s.layer_transfers, 1);
    assert_int_equal(run_pull(&r, 0)->bytes, 25000000);
    run_release(&r);
}

/* Two pods pull the same image at once with a parallel puller: containerd
 * does not de-duplicate the CRI pulls (both resolve the manifest) but the
 * blob is fetched once; the second waits for it. Both ready at 1.040. */
static void test_same_image_twice(void **state)
{
    (void)state;
    static const char text[] = "name: t\n" REGISTRY
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "kubeletConfigs:\n  par: {maxParallelImagePulls: 2}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: w, kind: Deployment, replicas: 2, template: {containers: "
        "[{name: c, image: registry.test/a:1}]}}\n";
    struct run r;
    run_scenario(&r, "twice.yaml", text, "par", NULL, 0);
    assert_close(run_pod_ready(&r, 0), 1.040, 1e-9);
    assert_close(run_pod_ready(&r, 1), 1.040, 1e-9);
    assert_int_equal(r.s.pulls, 2);
    assert_int_equal(r.s.layer_transfers, 1);
    assert_int_equal(r.s.registries[0].manifest_requests, 2);
    run_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_always_pull_images_admission),
        cmocka_unit_test(test_default_policy_from_tag),
        cmocka_unit_test(test_multi_arch),
        cmocka_unit_test(test_prepulled_shares_layers),
        cmocka_unit_test(test_same_image_twice),
    };
    return cmocka_run_group_tests_name("images", tests, NULL, NULL);
}
