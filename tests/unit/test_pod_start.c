/*
 * test_pod_start.c - what stands between a pod and its first container's
 * image: the pod sandbox image (containerd's RunPodSandbox) and an image
 * reference the kubelet cannot parse (InvalidImageName), against closed
 * forms.
 *
 * Common setting (STYLE §10): 20 ms per request, one manifest request per
 * pull, 1 MB = 10^6 B, registry 10 Gbps, one node with a 1 Gbps NIC
 * (125 MB/s), app image of one 125 MB layer, pause image of one 500 kB
 * layer. The app image alone: ready at 0.020 + 0.020 + 125/125 = 1.040 s.
 */
#include "sim_helpers.h"

#define HEAD                                                                              \
    "name: t\n"                                                                           \
    "horizon: 1m\n"                                                                       \
    "registries:\n"                                                                       \
    "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1}\n" \
    "images:\n"                                                                           \
    "  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"                             \
    "  - {ref: registry.test/pause:3.10, layers: [{size: 500kB}]}\n"

#define POOL(extra) "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps" extra "}\n"

#define POD(name, at, image)                                                              \
    "  - {name: " name ", kind: Pod, at: " at ", template: {containers: [{name: c, image: " \
    image "}]}}\n"

#define MISSING_PAUSE ", sandboxImage: {ref: registry.test/pause:3.10, prePulled: false}"

/* Pre-pulled (the default): the sandbox costs nothing, the first pod is
 * ready at 1.040 s and the later one finds its image present (0 s). Four
 * registry requests would mean a pause pull happened: only the app's 2. */
static void test_sandbox_prepulled(void **state)
{
    (void)state;
    static const char text[] = HEAD POOL("") "workloads:\n" POD("first", "0s",
                                                                  "registry.test/a:1")
        POD("later", "10s", "registry.test/a:1");
    struct run r;
    run_scenario(&r, "pre.yaml", text, NULL, NULL, 0);
    assert_close(run_pod_ready(&r, 0), 1.040, 1e-9);
    assert_close(run_pod_ready(&r, 1), 0, 1e-12);
    assert_int_equal(r.s.registries[0].requests, 2);
    run_release(&r);
}

/* Missing: RunPodSandbox pulls the pause image first, outside the
 * kubelet's puller (no pull record): 0.020 (manifest) + 0.020 (blob) +
 * 0.5/125 = 0.044 s, then the app image's 1.040 s: ready at 1.084 s. The
 * pod 10 s later finds both present: ready at 0, no request. Requests: 2
 * (pause) + 2 (app); one kubelet pull. */
static void test_sandbox_missing(void **state)
{
    (void)state;
    static const char text[] = HEAD POOL(MISSING_PAUSE) "workloads:\n" POD("first", "0s",
                                                                             "registry.test/a:1")
        POD("later", "10s", "registry.test/a:1");
    struct run r;
    run_scenario(&r, "missing.yaml", text, NULL, NULL, 0);
    assert_close(run_pod_ready(&r, 0), 0.044 + 1.040, 1e-9);
    assert_close(run_pod(&r, 0)->sandbox_ready, 0.044, 1e-9);
    assert_close(run_pull(&r, 0)->requested, 0.044, 1e-9); /* the puller sees it after */
    assert_close(run_pod_ready(&r, 1), 0, 1e-12);
    assert_int_equal(r.s.registries[0].requests, 4);
    assert_int_equal(r.s.pulls, 1);
    assert_close(r.s.bytes_fetched, 125.5e6, 1e-3);
    run_release(&r);
}

/* Two pods at once on a node without the pause image: each RunPodSandbox
 * pulls it (containerd does not de-duplicate CRI pulls; the blob is fetched
 * once, the second pull waits for its lock): both sandboxes exist at
 * 0.044 s. Then the serial puller: a at 0.044 + 1.040 = 1.084 s; b's pull
 * starts at 1.084 with the layer present, one manifest request: 1.104 s.
 * Requests: pause 2 manifests + 1 blob, app 2 + 1 = 6; blob downloads 2. */
static void test_sandbox_two_pods_at_once(void **state)
{
    (void)state;
    static const char text[] = HEAD POOL(MISSING_PAUSE) "workloads:\n" POD("a", "0s",
                                                                             "registry.test/a:1")
        POD("b", "0s", "registry.test/a:1");
    struct run r;
    run_scenario(&r, "two.yaml", text, NULL, NULL, 0);
    assert_close(run_pod_ready(&r, 0), 1.084, 1e-9);
    assert_close(run_pod_ready(&r, 1), 1.084 + 0.020, 1e-9);
    assert_int_equal(r.s.registries[0].requests, 6);
    assert_int_equal(r.s.layer_transfers, 2);
    run_release(&r);
}

/* The sandbox image is pinned: the loader adds it to the pool's pinned
 * images, which image GC never deletes (imagegc.c). */
static void test_sandbox_pinned(void **state)
{
    (void)state;
    static const char text[] = HEAD POOL(MISSING_PAUSE) "workloads: []\n";
    struct scenario *sc = load_scenario_text("pin.yaml", text);
    const struct scenario_pool *p = &sc->pools[0];
    assert_int_equal(p->sandbox_image, 1);
    assert_int_equal(p->n_pinned, 1);
    assert_int_equal(p->pinned[0], 1);
    scenario_free(sc);
    sc = load_scenario_text("nopin.yaml", HEAD POOL("") "workloads: []\n");
    assert_int_equal(sc->pools[0].sandbox_image, SCENARIO_NONE);
    assert_int_equal(sc->pools[0].n_pinned, 0);
    scenario_free(sc);
}

/* Pinned in a run: a 1000 MB disk with 800 MB of baseline holds the pulled
 * pause image (0.5 MB blob + 0.5 MB snapshot) and the app (125 + 125 MB):
 * 800 + 1 + 250 = 1051 MB would not fit, so the app here is 50 MB: 800 + 1
 * + 100 = 901 MB, 90.1 % >= the 85 % threshold. The GC run at 5 min wants
 * to get down to 80 %; the app is in use, and the pause image, unused by
 * any container and older than 2 min, is the only candidate - but pinned,
 * so the run deletes nothing and fails (FreeDiskSpaceFailed) and the image
 * stays. Without the pin it would be deleted (imagesDeleted 1). */
static void test_sandbox_survives_gc(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 6m\nregistries:\n"
        "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1}\n"
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 50MB}]}\n"
        "  - {ref: registry.test/pause:3.10, layers: [{size: 500kB}]}\n"
        POOL(MISSING_PAUSE ", disk: {capacity: 1000MB, baselineUsage: 800MB}")
        "workloads:\n" POD("a", "0s", "registry.test/a:1");
    struct run r;
    run_scenario(&r, "gc.yaml", text, NULL, NULL, 0);
    assert_true(r.s.disk.gc_runs >= 1);
    assert_int_equal(r.s.disk.gc_images_deleted, 0);
    assert_true(r.s.disk.gc_failed >= 1);
    assert_int_not_equal(node_lookup(world_node(r.w, 0), 1, false, 0), SCENARIO_NONE);
    run_release(&r);
}

static void count_inspect_failed(void *arg, const struct kubelet_event *ev)
{
    if (ev->kind == KUBELET_EVENT_INSPECT_FAILED)
        (*(unsigned *)arg)++;
}

static void count_sandbox_failed(void *arg, const struct kubelet_event *ev)
{
    if (ev->kind == KUBELET_EVENT_SANDBOX_FAILED) {
        assert_non_null(strstr(ev->error, "failed to pull image \"registry.test/pause:3.10\""));
        (*(unsigned *)arg)++;
    }
}

/* Loads 'text', runs it with the upstream defaults while 'fn' counts
 * events into *count, and summarizes into *s; the caller frees. */
static struct world *run_counting(struct scenario *sc, struct scenario_kubelet *cfg,
                                  kubelet_event_topic_fn *fn, unsigned *count,
                                  struct metrics_summary *s)
{
    scenario_kubelet_defaults(cfg);
    struct world *w = world_new(sc, cfg, NET_MODEL_AUTO);
    PROBE_SUBSCRIBE(world_kubelet_events(w), fn, count);
    world_run(w);
    metrics_summarize(w, s);
    return w;
}

/* The pause image's registry fails every request: each RunPodSandbox fails
 * after one manifest request (0.020 s, 503), the pod worker re-syncs
 * U[10, 15) s later on the 1 s ticker and pulls again; the kubelet never
 * reaches the container's image: no kubelet pull, never ready, no image
 * back-off. In 60 s: at 0.020, then every 10-16 s: between 1 + 59/16 -> 4
 * and 1 + 60/10 = 7 failures. */
static void test_sandbox_pull_fails(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 1m\nregistries:\n"
        "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1,"
        " failureProbability: 1}\n"
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "  - {ref: registry.test/pause:3.10, layers: [{size: 500kB}]}\n"
        POOL(MISSING_PAUSE) "workloads:\n" POD("a", "0s", "registry.test/a:1");
    struct scenario *sc = load_scenario_text("fail.yaml", text);
    struct scenario_kubelet cfg;
    struct metrics_summary s;
    unsigned failed = 0;
    struct world *w = run_counting(sc, &cfg, count_sandbox_failed, &failed, &s);
    print_message("FailedCreatePodSandBox %u times\n", failed);
    assert_true(failed >= 4 && failed <= 7);
    assert_int_equal(s.pulls, 0);
    assert_int_equal(s.pods_ready, 0);
    assert_int_equal(s.registries[0].requests, failed);
    assert_int_equal(s.registries[0].blob_requests, 0);
    metrics_release(&s);
    world_free(w);
    scenario_free(sc);
}

/* An image that does not parse, accepted as the API server does: the
 * container waits with InvalidImageName, the pod is never ready, no
 * request reaches the registry and no pull is recorded. The kubelet says
 * InspectFailed at 0 s and at every pod worker re-sync, U[10, 15) s apart
 * and on the 1 s ticker, so within the 60 s horizon: at least 1 + 60/16 -> 4
 * and at most 1 + 60/10 = 7 times. The valid pod next to it is not delayed. */
static void test_invalid_image_name(void **state)
{
    (void)state;
    static const char text[] = HEAD POOL("") "workloads:\n" POD("ok", "0s", "registry.test/a:1")
        "  - {name: typo, kind: Pod, template: {containers: [{name: c, image: "
        "\"registry.test/A:1\", acceptInvalidImage: true}]}}\n";
    struct scenario *sc = load_scenario_text("typo.yaml", text);
    assert_int_equal(sc->n_invalid_images, 1);
    /* API defaulting ignores the parse error: tag "" -> IfNotPresent (spec §2). */
    assert_int_equal(sc->workloads[1].containers[0].pull_policy, SCENARIO_PULL_IF_NOT_PRESENT);
    struct scenario_kubelet cfg;
    struct metrics_summary s;
    unsigned inspect_failed = 0;
    struct world *w = run_counting(sc, &cfg, count_inspect_failed, &inspect_failed, &s);
    const struct kubelet *k = world_kubelet(w);
    const struct kubelet_pod *typo = kubelet_pod(k, 1);
    assert_true(isnan(typo->ready));
    assert_true(kubelet_container(k, typo->first_container)->invalid_name);
    assert_int_equal(typo->attempts, 0);
    assert_close(kubelet_pod(k, 0)->ready, 1.040, 1e-9);
    print_message("InspectFailed %u times\n", inspect_failed);
    assert_true(inspect_failed >= 4 && inspect_failed <= 7);
    assert_int_equal(s.pulls, 1);
    assert_int_equal(s.registries[0].requests, 2);
    assert_int_equal(s.pods_invalid_image, 1);
    assert_int_equal(s.pods_ready, 1);
    metrics_release(&s);
    world_free(w);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sandbox_prepulled),  cmocka_unit_test(test_sandbox_missing),
        cmocka_unit_test(test_sandbox_two_pods_at_once), cmocka_unit_test(test_sandbox_pinned),
        cmocka_unit_test(test_sandbox_survives_gc), cmocka_unit_test(test_sandbox_pull_fails), cmocka_unit_test(test_invalid_image_name),
    };
    return cmocka_run_group_tests_name("pod_start", tests, NULL, NULL);
}
