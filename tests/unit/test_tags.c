/*
 * test_tags.c - mutable tags: a push moves a tag at the registry; what each
 * pull, each node and each pod gets (issue: image references, item 6).
 *
 * Setting: one manifest request and one blob request per layer, 20 ms each;
 * NIC 1 Gbps = 125 MB/s is the only bottleneck (registry 10 Gbps, disk and
 * unpack unlimited), 1 MB = 10^6 B. v1 of registry.test/app:1 is one 100 MB
 * layer 'base'; the push at 10 s makes the tag name v2 = base + a 25 MB
 * layer 'top'. A pull of v1 on an empty node: 0.020 (manifest) + 0.020
 * (blob request) + 100/125 = 0.840 s. Of v2: both layers start together and
 * share the NIC, so the NIC carries 125 MB: 0.040 + 1.000 = 1.040 s. Of v2
 * where v1 is: only 'top' moves, 0.040 + 25/125 = 0.240 s.
 */
#include "sim_helpers.h"

#define V1_DIGEST "sha256:1111111111111111111111111111111111111111111111111111111111111111"

#define HEAD                                                                              \
    "name: t\n"                                                                           \
    "registries:\n"                                                                       \
    "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1}\n" \
    "images:\n"                                                                           \
    "  - ref: registry.test/app:1\n"                                                      \
    "    digest: " V1_DIGEST "\n"                                                         \
    "    layers: [{id: base, size: 100MB}]\n"                                             \
    "  - {ref: registry.test/app:2, layers: [{id: base, size: 100MB}, {id: other, size: 50MB}]}\n"

#define PUSH_V2                                                                           \
    "events:\n"                                                                           \
    "  - at: 10s\n"                                                                       \
    "    push: {ref: registry.test/app:1, layers: [{id: base, size: 100MB}, "             \
    "{id: top, size: 25MB}]}\n"

#define POOLS(n) "nodePools:\n  - {name: p, count: " #n ", nicBandwidth: 1Gbps}\n"

/* A Pod named NAME at AT seconds with image IMAGE and policy POLICY. */
#define POD(name, at, image, policy)                                                      \
    "  - {name: " name ", kind: Pod, at: " at ", template: {containers: [{name: c, "      \
    "image: '" image "', imagePullPolicy: " policy "}]}}\n"

static const char *pod_digest(const struct run *r, uint32_t pod)
{
    const struct kubelet_pod *p = run_pod(r, pod);
    uint32_t img = kubelet_container(world_kubelet(r->w), p->first_container)->image;
    assert_int_not_equal(img, SCENARIO_NONE);
    return r->sc->images[img].digest;
}

/* The image the push created (the first image after the listed ones). */
static const char *v2_digest(const struct run *r)
{
    assert_true(r->sc->n_images > r->sc->n_listed_images);
    return r->sc->images[r->sc->n_listed_images].digest;
}

/* Before and after the push, on two empty nodes (spread: one pod each): the
 * first pod runs v1, the second v2 and fetched base and top. */
static void test_pull_before_and_after_push(void **state)
{
    (void)state;
    static const char text[] = HEAD POOLS(2) "workloads:\n"
        POD("before", "0s", "registry.test/app:1", "IfNotPresent")
        POD("after", "20s", "registry.test/app:1", "IfNotPresent") PUSH_V2;
    struct run r;
    run_scenario(&r, "before-after.yaml", text, NULL, NULL, 0);
    assert_int_equal(run_pod(&r, 0)->node, 0);
    assert_int_equal(run_pod(&r, 1)->node, 1);
    assert_string_equal(pod_digest(&r, 0), V1_DIGEST);
    assert_string_equal(pod_digest(&r, 1), v2_digest(&r));
    assert_string_not_equal(v2_digest(&r), V1_DIGEST);
    assert_close(run_pod_ready(&r, 0), 0.840, 1e-9);
    assert_close(run_pod_ready(&r, 1), 1.040, 1e-9);
    assert_int_equal(run_pull(&r, 1)->bytes, 125000000);
    assert_int_equal(run_pull(&r, 1)->resolved, r.sc->n_listed_images);
    assert_int_equal(r.s.pushes, 1);
    assert_int_equal(r.s.n_versions, 2);
    run_release(&r);
}

/* IfNotPresent on the node that holds v1: the local tag still names v1, so
 * the pod runs v1 at once - no request at all after the push. */
static void test_if_not_present_keeps_old_digest(void **state)
{
    (void)state;
    static const char text[] = HEAD POOLS(1) "workloads:\n"
        POD("before", "0s", "registry.test/app:1", "IfNotPresent")
        POD("after", "20s", "registry.test/app:1", "IfNotPresent") PUSH_V2;
    struct run r;
    run_scenario(&r, "keeps-old.yaml", text, NULL, NULL, 0);
    assert_string_equal(pod_digest(&r, 1), V1_DIGEST);
    assert_close(run_pod_ready(&r, 1), 0, 1e-12);
    assert_int_equal(kubelet_pull_count(world_kubelet(r.w)), 1);
    assert_int_equal(r.s.registries[0].requests, 2); /* v1: manifest + blob */
    run_release(&r);
}

/* Always resolves the tag again: v2, fetching only 'top' (0.240 s); the
 * node's tag now names v2, so a later IfNotPresent pod gets v2 with no pull.
 * A pod that keeps running v1 keeps v1. */
static void test_always_pulls_new_digest_changed_layers_only(void **state)
{
    (void)state;
    static const char text[] = HEAD POOLS(1) "workloads:\n"
        POD("before", "0s", "registry.test/app:1", "IfNotPresent")
        POD("always", "20s", "registry.test/app:1", "Always")
        POD("later", "30s", "registry.test/app:1", "IfNotPresent") PUSH_V2;
    struct run r;
    run_scenario(&r, "always.yaml", text, NULL, NULL, 0);
    assert_string_equal(pod_digest(&r, 0), V1_DIGEST);
    assert_string_equal(pod_digest(&r, 1), v2_digest(&r));
    assert_string_equal(pod_digest(&r, 2), v2_digest(&r));
    assert_close(run_pod_ready(&r, 1), 0.240, 1e-9);
    assert_int_equal(run_pull(&r, 1)->bytes, 25000000);
    assert_int_equal(run_pull(&r, 1)->layers_fetched, 1);
    assert_close(run_pod_ready(&r, 2), 0, 1e-12);
    assert_int_equal(kubelet_pull_count(world_kubelet(r.w)), 2);
    /* The node holds both images; only v2 is tagged. */
    const struct node *nd = world_node(r.w, 0);
    assert_true(node_has_image(nd, 0, 0));
    assert_int_equal(node_tag_image(nd, 0, 0), r.sc->n_listed_images);
    run_release(&r);
}

/* A Pod like POD, on node pool POOL. */
#define POOL_POD(name, at, pool, image, policy)                                           \
    "  - {name: " name ", kind: Pod, at: " at ", pool: " pool ", template: {containers: " \
    "[{name: c, image: '" image "', imagePullPolicy: " policy "}]}}\n"

/* A digest reference never moves. Node 0 pulls v1 by tag, then (Always,
 * after the push) v2, so its tag names v2 but it still holds v1: a pod
 * naming v1's digest there runs v1 with no pull. On the empty node 1 such a
 * pod pulls v1 (0.840 s) and records no tag. */
static void test_digest_reference_never_moves(void **state)
{
    (void)state;
    static const char text[] = HEAD
        "nodePools:\n  - {name: a, count: 1, nicBandwidth: 1Gbps}\n"
        "  - {name: b, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n"
        POOL_POD("tagged", "0s", "a", "registry.test/app:1", "IfNotPresent")
        POOL_POD("always", "15s", "a", "registry.test/app:1", "Always")
        POOL_POD("pin-empty", "20s", "b", "registry.test/app@" V1_DIGEST, "IfNotPresent")
        POOL_POD("pin-warm", "30s", "a", "registry.test/app:1@" V1_DIGEST, "IfNotPresent")
        PUSH_V2;
    struct run r;
    run_scenario(&r, "digest.yaml", text, NULL, NULL, 0);
    assert_string_equal(pod_digest(&r, 1), v2_digest(&r));
    assert_string_equal(pod_digest(&r, 2), V1_DIGEST);
    assert_string_equal(pod_digest(&r, 3), V1_DIGEST);
    assert_close(run_pod_ready(&r, 2), 0.840, 1e-9);
    assert_close(run_pod_ready(&r, 3), 0, 1e-12);
    assert_int_equal(kubelet_pull_count(world_kubelet(r.w)), 3);
    assert_int_equal(node_tag_image(world_node(r.w, 0), 0, 0), r.sc->n_listed_images);
    assert_int_equal(node_tag_image(world_node(r.w, 1), 0, 0), SCENARIO_NONE);
    run_release(&r);
}

/* push 'image': the tag moves to an existing image of its repository (same
 * digest). A node that pulled app:2 already has its layers: 0 bytes. */
static void test_push_existing_image(void **state)
{
    (void)state;
    static const char text[] = HEAD POOLS(1) "workloads:\n"
        POD("two", "0s", "registry.test/app:2", "IfNotPresent")
        POD("one", "20s", "registry.test/app:1", "Always")
        "events:\n  - {at: 10s, push: {ref: registry.test/app:1, image: registry.test/app:2}}\n";
    struct run r;
    run_scenario(&r, "retag.yaml", text, NULL, NULL, 0);
    assert_int_equal(r.sc->n_images, r.sc->n_listed_images); /* no new image */
    assert_string_equal(pod_digest(&r, 1), r.sc->images[1].digest);
    assert_int_equal(run_pull(&r, 1)->bytes, 0);
    assert_close(run_pod_ready(&r, 1), 0.020, 1e-9);
    run_release(&r);
}

/* With RuntimeClassInImageCriApi on, each runtime handler keeps its own
 * local tags (its pulls set them): after the push, a gVisor pod's
 * IfNotPresent finds no runsc tag and pulls v2 (base is in the one content
 * store and in the shared overlayfs snapshotter: only 'top' moves, 0.240 s),
 * while runc pods keep v1. With the gate off both share the default tag. */
static void test_tags_per_runtime_handler(void **state)
{
    (void)state;
    static const char text[] = HEAD
        "runtimeClasses:\n  - {name: gvisor, handler: runsc}\n"
        "kubeletConfigs:\n  gate-off: {}\n"
        "  gate-on: {featureGates: {RuntimeClassInImageCriApi: true}}\n"
        POOLS(1) "workloads:\n"
        POD("runc", "0s", "registry.test/app:1", "IfNotPresent")
        "  - {name: gv, kind: Pod, at: 20s, template: {runtimeClassName: gvisor, "
        "containers: [{name: c, image: registry.test/app:1}]}}\n"
        POD("runc2", "30s", "registry.test/app:1", "IfNotPresent") PUSH_V2;
    struct run r;
    run_scenario(&r, "handlers.yaml", text, "gate-on", NULL, 0);
    assert_string_equal(pod_digest(&r, 1), v2_digest(&r));
    assert_close(run_pod_ready(&r, 1), 0.240, 1e-9);
    assert_int_equal(run_pull(&r, 1)->bytes, 25000000);
    assert_string_equal(pod_digest(&r, 2), V1_DIGEST);
    assert_close(run_pod_ready(&r, 2), 0, 1e-12);
    run_release(&r);
    run_scenario(&r, "handlers.yaml", text, "gate-off", NULL, 0);
    assert_string_equal(pod_digest(&r, 1), V1_DIGEST);
    assert_close(run_pod_ready(&r, 1), 0, 1e-12);
    run_release(&r);
}

/* Synthetic digests are stable (a function of the scenario only) and
 * differ between images. */
static void test_synthetic_digests(void **state)
{
    (void)state;
    static const char text[] = HEAD POOLS(1) "workloads:\n"
        POD("one", "0s", "registry.test/app:1", "IfNotPresent") PUSH_V2;
    struct run a, b;
    run_scenario(&a, "a.yaml", text, NULL, NULL, 0);
    run_scenario(&b, "b.yaml", text, NULL, NULL, 0);
    for (size_t i = 0; i < a.sc->n_images; i++) {
        const char *d = a.sc->images[i].digest;
        assert_int_equal(strlen(d), 7 + 64);
        assert_true(strncmp(d, "sha256:", 7) == 0);
        assert_string_equal(d, b.sc->images[i].digest);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(d, a.sc->images[j].digest);
    }
    run_release(&a);
    run_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pull_before_and_after_push),
        cmocka_unit_test(test_if_not_present_keeps_old_digest),
        cmocka_unit_test(test_always_pulls_new_digest_changed_layers_only),
        cmocka_unit_test(test_digest_reference_never_moves),
        cmocka_unit_test(test_push_existing_image),
        cmocka_unit_test(test_tags_per_runtime_handler),
        cmocka_unit_test(test_synthetic_digests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
