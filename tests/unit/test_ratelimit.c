/*
 * test_ratelimit.c - Docker Hub style quotas (registries[].rateLimit):
 * counted manifest GETs per client key in a sliding window; HEAD resolves
 * are free; a multi-arch pull counts its platform manifest GET, not the
 * index; over quota the GET answers 429 toomanyrequests (ErrImagePull,
 * back-off). Source: Docker Hub "Usage and limits".
 *
 * Setting: 20 ms per request, manifestRequests 3 (HEAD, manifest GET,
 * config GET), 10 MB images, NIC 1 Gbps.
 */
#include "sim_helpers.h"

#include "model/runtime/runtime.h"

#define REGISTRY(limit)                                                                   \
    "registries:\n  - {host: docker.io, egressBandwidth: 10Gbps, latency: 20ms, "          \
    "rateLimit: " limit "}\n"

#define IMAGES                                                                            \
    "images:\n  - {ref: nginx:1.27, layers: [{size: 10MB}]}\n"                            \
    "  - {ref: redis:7, platforms: [linux/amd64, linux/arm64], layers: [{size: 10MB}]}\n"

#define DS(name, image)                                                                   \
    "  - {name: " name ", kind: DaemonSet, template: {containers: [{name: c, image: " image \
    "}]}}\n"

static uint32_t failed_with(const struct run *r, enum runtime_error code, uint32_t at)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < kubelet_pull_count(world_kubelet(r->w)); i++) {
        const struct kubelet_pull *p = run_pull(r, i);
        if (p->result == KUBELET_PULL_FAILED && p->code == code && p->error_at == at)
            n++;
    }
    return n;
}

/* Single-platform: 2 nodes pull within a quota of 2 (key cluster): each
 * pull costs one (its GET; HEAD and config are free), both succeed; a
 * third node's GET (request 1, after the free HEAD) gets 429. */
static void test_head_is_free(void **state)
{
    (void)state;
    static const char two[] = "name: t\nhorizon: 1m\n"
        REGISTRY("{requests: 2, window: 6h, key: cluster}") IMAGES
        "nodePools:\n  - {name: p, count: 2, nicBandwidth: 1Gbps}\n"
        "workloads:\n" DS("d", "nginx:1.27");
    struct run r;
    run_scenario(&r, "two.yaml", two, NULL, NULL, 0);
    assert_int_equal(r.s.pods_ready, 2);
    assert_int_equal(r.s.registries[0].throttled, 0);
    assert_int_equal(r.s.registries[0].manifest_requests, 6);
    run_release(&r);

    struct scenario_override three = {"nodePools[0].count", "3"};
    run_scenario(&r, "three.yaml", two, NULL, &three, 1);
    assert_int_equal(r.s.pods_ready, 2);
    /* Every failure (the first and the back-off retries) is a 429 on the GET. */
    assert_true(r.s.pulls_failed >= 1);
    assert_int_equal(failed_with(&r, RUNTIME_ERR_TOO_MANY_REQUESTS, 1), r.s.pulls_failed);
    assert_int_equal(r.s.registries[0].throttled, r.s.pulls_failed);
    assert_int_equal(r.s.registries[0].throttled, r.s.registries[0].failures);
    const struct kubelet_pull *p = run_pull(&r, 2);
    assert_int_equal(p->result, KUBELET_PULL_FAILED);
    assert_int_equal(p->reason, KUBELET_REASON_ERR_IMAGE_PULL);
    struct strbuf sb;
    strbuf_init(&sb);
    kubelet_pull_message(r.sc, p, &sb);
    assert_non_null(strstr(sb.buf, "429 Too Many Requests"));
    assert_non_null(strstr(sb.buf, "toomanyrequests"));
    assert_non_null(strstr(sb.buf, "https://registry-1.docker.io/v2/library/nginx/manifests/1.27"));
    assert_null(strchr(sb.buf, ','));
    strbuf_release(&sb);
    run_release(&r);
}

/* Multi-arch: HEAD, index GET (free), config GET, platform manifest GET
 * (request 3, counted). Quota 2: two pulls fit; with 3 nodes the third is
 * refused at its platform manifest, after the free index GET. */
static void test_multi_arch_counts_platform_manifest(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 1m\n"
        REGISTRY("{requests: 2, window: 6h, key: cluster}") IMAGES
        "nodePools:\n  - {name: p, count: 2, nicBandwidth: 1Gbps}\n"
        "workloads:\n" DS("d", "redis:7");
    struct run r;
    run_scenario(&r, "multi.yaml", text, NULL, NULL, 0);
    assert_int_equal(r.s.pods_ready, 2);
    assert_int_equal(r.s.registries[0].manifest_requests, 8);
    run_release(&r);

    struct scenario_override three = {"nodePools[0].count", "3"};
    run_scenario(&r, "multi3.yaml", text, NULL, &three, 1);
    assert_int_equal(r.s.pods_ready, 2);
    assert_true(r.s.pulls_failed >= 1);
    assert_int_equal(failed_with(&r, RUNTIME_ERR_TOO_MANY_REQUESTS, 3), r.s.pulls_failed);
    run_release(&r);
}

/* A pod with two containers, one single- and one multi-arch image, costs
 * 2 of the quota: a quota of 2 per node lets each node's pod through. */
static void test_one_per_pull(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 1m\n"
        REGISTRY("{requests: 2, window: 6h}") IMAGES
        "nodePools:\n  - {name: p, count: 3, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: d, kind: DaemonSet, template: {containers: "
        "[{name: a, image: nginx:1.27}, {name: b, image: redis:7}]}}\n";
    struct run r;
    run_scenario(&r, "both.yaml", text, NULL, NULL, 0);
    assert_int_equal(r.s.pods_ready, 3);
    assert_int_equal(r.s.registries[0].throttled, 0);
    run_release(&r);
}

/* Keys: 2 pools of 2 nodes, quota 1. node: every node pulls; pool: one
 * node per pool; cluster and credential: one node in all. */
static void test_keys(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        size_t ready;
    } cases[] = {{"node", 4}, {"pool", 2}, {"cluster", 1}, {"credential", 1}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *text = xasprintf("name: t\nhorizon: 1m\n"
            "registries:\n  - {host: docker.io, egressBandwidth: 10Gbps, latency: 20ms, "
            "rateLimit: {requests: 1, window: 6h, key: %s}}\n" IMAGES
            "nodePools:\n  - {name: a, count: 2, nicBandwidth: 1Gbps}\n"
            "  - {name: b, count: 2, nicBandwidth: 1Gbps}\n"
            "workloads:\n" DS("d", "nginx:1.27"), cases[i].key);
        struct run r;
        run_scenario(&r, "keys.yaml", text, NULL, NULL, 0);
        print_message("key %s: %zu pods ready\n", cases[i].key, r.s.pods_ready);
        assert_int_equal(r.s.pods_ready, cases[i].ready);
        run_release(&r);
        free(text);
    }
}

/* Sliding window: quota 1 per 60 s, two pods on one node (serial
 * puller) with different images, so b's manifest GET counts too.
 * a's GET at 0.02 s counts; b's GETs are refused (its first pull, then
 * each back-off retry) while that GET is within the window, i.e. until
 * 60.02 s; the first retry sent after it succeeds. Refused GETs do not
 * count, so they do not push the window on. */
static void test_sliding_window(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 10m\n"
        REGISTRY("{requests: 1, window: 60s}") IMAGES
        "  - {ref: busybox:1.36, layers: [{size: 10MB}]}\n"
        "kubeletConfigs:\n  serial: {serializeImagePulls: true}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n"
        "  - {name: a, kind: Pod, template: {containers: [{name: c, image: nginx:1.27}]}}\n"
        "  - {name: b, kind: Pod, template: {containers: [{name: c, image: busybox:1.36}]}}\n";
    struct run r;
    run_scenario(&r, "window.yaml", text, "serial", NULL, 0);
    assert_int_equal(r.s.pods_ready, 2);
    size_t n = kubelet_pull_count(world_kubelet(r.w));
    const struct kubelet_pull *last = run_pull(&r, (uint32_t)n - 1);
    assert_int_equal(last->pod, 1);
    assert_int_equal(last->result, KUBELET_PULL_OK);
    /* Its GET went out 0.020 s after the pull started. */
    assert_true(last->started + 0.020 > 60.02);
    for (uint32_t i = 1; i + 1 < n; i++) {
        const struct kubelet_pull *p = run_pull(&r, i);
        assert_int_equal(p->result, KUBELET_PULL_FAILED);
        assert_int_equal(p->code, RUNTIME_ERR_TOO_MANY_REQUESTS);
        assert_true(p->started + 0.020 <= 60.02);
    }
    assert_int_equal(r.s.registries[0].throttled, n - 2);
    run_release(&r);
}

/* imagePullPolicy Always on a node that has the image: containerd sends the
 * HEAD resolve and nothing else (the manifest, config and blob are in its
 * content store), and Docker Hub does not count a HEAD. With a quota of 1,
 * a's pull uses it (its manifest GET), and b's Always pull of the same
 * image, queued behind a's (serial puller), is not refused: 4 requests for
 * a (HEAD, GET manifest, GET config, GET blob), 1 for b. Source: spec §13 (correction); containerd resolver.go Resolve,
 * remotes/handlers.go; Docker's rate-limit documentation (HEAD is free). */
static void test_always_present_is_free(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 10m\n"
        REGISTRY("{requests: 1, window: 6h}") IMAGES
        "kubeletConfigs:\n  serial: {serializeImagePulls: true}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n"
        "  - {name: a, kind: Pod, template: {containers: [{name: c, image: nginx:1.27}]}}\n"
        "  - {name: b, kind: Pod, template: {containers: [{name: c, image: nginx:1.27, "
        "imagePullPolicy: Always}]}}\n";
    struct run r;
    run_scenario(&r, "always.yaml", text, "serial", NULL, 0);
    assert_int_equal(r.s.pods_ready, 2);
    assert_int_equal(r.s.pulls_failed, 0);
    assert_int_equal(r.s.registries[0].throttled, 0);
    assert_int_equal(r.s.registries[0].requests, 5);
    assert_int_equal(r.s.registries[0].manifest_requests, 4);
    /* b's pull: one request, 0.020 s. */
    const struct kubelet_pull *b = run_pull(&r, 1);
    assert_int_equal(b->pod, 1);
    assert_close(b->finished - b->started, 0.020, 1e-9);
    run_release(&r);
}

/* Images of other registries are not counted: a registry without
 * rateLimit never throttles, whatever the other's quota. */
static void test_per_registry(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 1m\n"
        "registries:\n  - {host: docker.io, egressBandwidth: 10Gbps, latency: 20ms, "
        "rateLimit: {requests: 1, window: 6h, key: cluster}}\n"
        "  - {host: quay.io, egressBandwidth: 10Gbps, latency: 20ms}\n"
        "images:\n  - {ref: quay.io/x/y:1, layers: [{size: 10MB}]}\n"
        "nodePools:\n  - {name: p, count: 3, nicBandwidth: 1Gbps}\n"
        "workloads:\n" DS("d", "quay.io/x/y:1");
    struct run r;
    run_scenario(&r, "quay.yaml", text, NULL, NULL, 0);
    assert_int_equal(r.s.pods_ready, 3);
    assert_int_equal(r.s.registries[0].requests, 0);
    assert_int_equal(r.s.registries[1].throttled, 0);
    run_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head_is_free),
        cmocka_unit_test(test_multi_arch_counts_platform_manifest),
        cmocka_unit_test(test_one_per_pull),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_sliding_window),
        cmocka_unit_test(test_always_present_is_free),
        cmocka_unit_test(test_per_registry),
    };
    return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
