/*
 * test_rollout.c - rolling updates (rolling.h arithmetic, rollout.h
 * controllers), pod deletion and container restarts (kubelet.h).
 *
 * Setting of the end-to-end cases: one manifest request and one blob
 * request, 20 ms each; NIC 1 Gbps = 125 MB/s is the only bottleneck, 1 MB =
 * 10^6 B. app:1 and app:2 are each one 100 MB layer of their own, so a pull
 * on a node takes 0.020 + 0.020 + 100/125 = 0.840 s, and a pod is ready
 * then (controllers and the scheduler react at once). Placement spread:
 * the node with the fewest pods, lowest id on a tie.
 */
#include "sim_helpers.h"

#include "model/cluster/rolling.h"

/* ---------------------------------------------------------------- arithmetic */

#define INT(n) {(n), false}
#define PCT(n) {(n), true}

/* ResolveFenceposts: surge rounds up, unavailable down, both 0 -> 1
 * (deployment_util.go; its TestResolveFenceposts has 10%/10% of 2 -> 1, 0
 * -> 1, 0; 0/0%... and 1/0 of any -> 1, 0). */
static void test_fenceposts(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        struct scenario_rolling r;
        uint32_t desired, surge, unavailable;
    } cases[] = {
        {"25% of 10: ceil 2.5, floor 2.5", {PCT(25), PCT(25)}, 10, 3, 2},
        {"25% of 4", {PCT(25), PCT(25)}, 4, 1, 1},
        {"10% of 2: surge 1, unavailable 0", {PCT(10), PCT(10)}, 2, 1, 0},
        {"0 and 10% of 3: both 0, unavailable 1", {INT(0), PCT(10)}, 3, 0, 1},
        {"ints kept", {INT(1), INT(0)}, 4, 1, 0},
        {"100% surge", {PCT(100), INT(0)}, 4, 4, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t s, u;
        rolling_fenceposts(&cases[i].r, cases[i].desired, &s, &u);
        if (s != cases[i].surge || u != cases[i].unavailable)
            fail_msg("%s: got %u/%u", cases[i].name, s, u);
    }
}

/* NewRSNewReplicas and reconcileOldReplicaSets' bounds (rolling.go). */
static void test_replica_arithmetic(void **state)
{
    (void)state;
    /* 4 desired, surge 1: 4 old, 0 new -> 1 new (total 5 = max). */
    assert_int_equal(rolling_new_rs_replicas(4, 1, 4, 0), 1);
    /* Already at max total 5: no scale-up. */
    assert_int_equal(rolling_new_rs_replicas(4, 1, 5, 1), 1);
    /* Old scaled to 3: total 4 -> new 2. */
    assert_int_equal(rolling_new_rs_replicas(4, 1, 4, 1), 2);
    /* Room for 4 but only 3 missing. */
    assert_int_equal(rolling_new_rs_replicas(4, 4, 5, 1), 4);
    /* maxScaledDown = all 5 - (4 - 0) - (1 - 0 available) = 0; with the new
     * pod available 1. */
    assert_int_equal(rolling_old_max_scaled_down(5, 4, 0, 1, 0), 0);
    assert_int_equal(rolling_old_max_scaled_down(5, 4, 0, 1, 1), 1);
    /* available 5 - minAvailable (4 - 1) = 2. */
    assert_int_equal(rolling_old_scale_down(5, 4, 1), 2);
    assert_int_equal(rolling_old_scale_down(3, 4, 1), 0);
}

/* DaemonSet maxUnavailable rounds up (daemon/util UnavailableCount). */
static void test_daemonset_unavailable(void **state)
{
    (void)state;
    struct scenario_rolling r = {INT(0), PCT(10)};
    assert_int_equal(rolling_ds_max_unavailable(&r, 250), 25);
    assert_int_equal(rolling_ds_max_unavailable(&r, 3), 1);  /* ceil(0.3) */
    r.max_unavailable = (struct scenario_intstr)PCT(33);
    assert_int_equal(rolling_ds_max_unavailable(&r, 6), 2);  /* ceil(1.98) */
    r.max_unavailable = (struct scenario_intstr)PCT(0);
    assert_int_equal(rolling_ds_max_unavailable(&r, 6), 1);  /* both 0 */
    assert_int_equal(rolling_ds_max_unavailable(&r, 0), 0);
}

/* ---------------------------------------------------------------- end to end */

#define HEAD                                                                              \
    "name: t\n"                                                                           \
    "horizon: 1h\n"                                                                       \
    "registries:\n"                                                                       \
    "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1}\n" \
    "images:\n"                                                                           \
    "  - {ref: registry.test/app:1, layers: [{id: one, size: 100MB}]}\n"                  \
    "  - {ref: registry.test/app:2, layers: [{id: two, size: 100MB}]}\n"

#define POOLS(n) "nodePools:\n  - {name: p, count: " #n ", nicBandwidth: 1Gbps}\n"

#define UPDATE_AT_10                                                                      \
    "events:\n"                                                                           \
    "  - {at: 10s, update: {workload: web, container: c, image: registry.test/app:2}}\n"

/* A Deployment of 4 on 4 nodes with the given rollingUpdate mapping. */
#define DEPLOY4(ru) DEPLOY4_N("4", ru)
#define DEPLOY4_N(n, ru)                                                                  \
    "workloads:\n"                                                                        \
    "  - name: web\n    kind: Deployment\n    replicas: " n "\n"                          \
    "    strategy: {rollingUpdate: " ru "}\n"                                             \
    "    template: {containers: [{name: c, image: registry.test/app:1}]}\n"

static double rollout_duration(const char *text, uint64_t expect_new)
{
    struct run r;
    run_scenario(&r, "rollout.yaml", text, NULL, NULL, 0);
    assert_int_equal(r.s.n_rollouts, 1);
    assert_close(r.s.rollouts[0].at, 10.0, 1e-9);
    double d = r.s.rollouts[0].duration;
    /* Version skew at the end: nothing runs app:1 any more, 4 run app:2
     * (expect_new: the Deployment's 4 replicas or the DaemonSet's 6 nodes). */
    assert_int_equal(r.s.n_versions, 2);
    for (size_t i = 0; i < r.s.n_versions; i++) {
        bool old = strcmp(r.s.versions[i].image, "registry.test/app:1") == 0;
        assert_int_equal(r.s.versions[i].pods, old ? 0 : expect_new);
    }
    run_release(&r);
    return d;
}

/* maxSurge 1, maxUnavailable 0: one new pod at a time, each waits for its
 * pull (0.840 s) before an old one goes: 4 x 0.840 = 3.360 s. */
static void test_deployment_one_by_one(void **state)
{
    (void)state;
    static const char text[] = HEAD POOLS(4) DEPLOY4("{maxSurge: 1, maxUnavailable: 0}")
        UPDATE_AT_10;
    assert_close(rollout_duration(text, 4), 3.360, 1e-9);
}

/* 25%/25% of 4: surge 1, unavailable 1. t=10: new 1 (node 0), an old one
 * goes (available 4 > minAvailable 3), new 2 (node 3): both pull at once,
 * ready at 10.840; then 2 old go (available 5 - 3), new 4: ready at 11.680;
 * the last old one goes. 2 x 0.840 = 1.680 s. */
static void test_deployment_default_quarter(void **state)
{
    (void)state;
    static const char text[] = HEAD POOLS(4) DEPLOY4("{}") UPDATE_AT_10;
    assert_close(rollout_duration(text, 4), 1.680, 1e-9);
}

/* maxSurge 100%: 4 new pods at once, one per node: 0.840 s. */
static void test_deployment_full_surge(void **state)
{
    (void)state;
    static const char text[] = HEAD POOLS(4) DEPLOY4("{maxSurge: 100%, maxUnavailable: 0}")
        UPDATE_AT_10;
    assert_close(rollout_duration(text, 4), 0.840, 1e-9);
}

/* The pods: 4 old, then the new ones on nodes 0, 3, 2, 1 (spread picks
 * the emptiest node after each old pod leaves, the newest old one first),
 * every old pod deleted, the new ones ready 0.840 s after creation. */
static void test_deployment_pods(void **state)
{
    (void)state;
    static const char text[] = HEAD POOLS(4) DEPLOY4("{maxSurge: 1, maxUnavailable: 0}")
        UPDATE_AT_10;
    struct run r;
    run_scenario(&r, "rollout.yaml", text, NULL, NULL, 0);
    assert_int_equal(kubelet_pod_count(world_kubelet(r.w)), 8);
    static const uint32_t node[4] = {0, 3, 2, 1};
    for (uint32_t i = 0; i < 4; i++) {
        assert_false(isnan(run_pod(&r, i)->deleted));
        assert_true(isnan(run_pod(&r, 4 + i)->deleted));
        assert_int_equal(run_pod(&r, 4 + i)->node, node[i]);
        assert_close(run_pod(&r, 4 + i)->created, 10.0 + 0.840 * i, 1e-9);
        assert_close(run_pod_ready(&r, 4 + i), 0.840, 1e-9);
    }
    run_release(&r);
}

#define DS6(ru)                                                                           \
    "workloads:\n"                                                                        \
    "  - name: web\n    kind: DaemonSet\n"                                                \
    "    updateStrategy: {rollingUpdate: " ru "}\n"                                       \
    "    template: {containers: [{name: c, image: registry.test/app:1}]}\n"

/* DaemonSet on 6 nodes: waves of maxUnavailable nodes, 0.840 s each. */
static void test_daemonset_waves(void **state)
{
    (void)state;
    static const char one[] = HEAD POOLS(6) DS6("{maxUnavailable: 1}") UPDATE_AT_10;
    static const char two[] = HEAD POOLS(6) DS6("{maxUnavailable: 2}") UPDATE_AT_10;
    static const char third[] = HEAD POOLS(6) DS6("{maxUnavailable: 33%}") UPDATE_AT_10;
    static const char half[] = HEAD POOLS(6) DS6("{maxUnavailable: 50%}") UPDATE_AT_10;
    assert_close(rollout_duration(one, 6), 6 * 0.840, 1e-9);
    assert_close(rollout_duration(two, 6), 3 * 0.840, 1e-9);
    assert_close(rollout_duration(third, 6), 3 * 0.840, 1e-9); /* ceil: 2 per wave */
    assert_close(rollout_duration(half, 6), 2 * 0.840, 1e-9);
}

/* DaemonSet maxSurge (maxUnavailable 0): the new pod starts next to the
 * old one on up to maxSurge nodes; the old one goes when the new one is
 * available, and the next nodes surge: 2 per wave, 3 x 0.840; 100% (6):
 * one wave. During a wave a node runs both (12 pods at most). */
static void test_daemonset_surge(void **state)
{
    (void)state;
    static const char two[] = HEAD POOLS(6) DS6("{maxSurge: 2, maxUnavailable: 0}")
        UPDATE_AT_10;
    static const char all[] = HEAD POOLS(6) DS6("{maxSurge: 100%, maxUnavailable: 0}")
        UPDATE_AT_10;
    assert_close(rollout_duration(two, 6), 3 * 0.840, 1e-9);
    assert_close(rollout_duration(all, 6), 0.840, 1e-9);
    struct run r;
    run_scenario(&r, "surge.yaml", two, NULL, NULL, 0);
    /* Nodes 0 and 1 surge first: pods 6 and 7 created at 10 s while pods 0
     * and 1 still run; those go at 10.840. */
    assert_int_equal(run_pod(&r, 6)->node, 0);
    assert_int_equal(run_pod(&r, 7)->node, 1);
    assert_close(run_pod(&r, 6)->created, 10.0, 1e-9);
    assert_close(run_pod(&r, 0)->deleted, 10.840, 1e-9);
    assert_close(run_pod(&r, 8)->created, 10.840, 1e-9);
    run_release(&r);
}

/* minReadySeconds 5: each wave waits 5 s more: 6 x 5.840. */
static void test_daemonset_min_ready(void **state)
{
    (void)state;
    static const char text[] = HEAD POOLS(6)
        "workloads:\n"
        "  - name: web\n    kind: DaemonSet\n    minReadySeconds: 5s\n"
        "    template: {containers: [{name: c, image: registry.test/app:1}]}\n" UPDATE_AT_10;
    assert_close(rollout_duration(text, 6), 6 * 5.840, 1e-9);
}

/* deletePods: the oldest pod (pod 0, node 0) goes at 10 s; its ReplicaSet
 * replaces it on the emptiest node, node 0, where app:1 is present: ready
 * at once. */
static void test_delete_pod_replaced(void **state)
{
    (void)state;
    static const char text[] = HEAD POOLS(2)
        "workloads:\n"
        "  - {name: web, kind: Deployment, replicas: 2, template: {containers: "
        "[{name: c, image: registry.test/app:1}]}}\n"
        "events:\n  - {at: 10s, deletePods: {workload: web}}\n";
    struct run r;
    run_scenario(&r, "delete.yaml", text, NULL, NULL, 0);
    assert_int_equal(kubelet_pod_count(world_kubelet(r.w)), 3);
    assert_close(run_pod(&r, 0)->deleted, 10.0, 1e-9);
    assert_int_equal(run_pod(&r, 2)->node, 0);
    assert_close(run_pod(&r, 2)->created, 10.0, 1e-9);
    assert_close(run_pod_ready(&r, 2), 0.0, 1e-9);
    assert_int_equal(r.s.pulls, 2);
    assert_int_equal(r.s.n_rollouts, 0);
    run_release(&r);
}

/* The old image is no longer in use once its pod is gone: one node of 500
 * MB with 90 MB baseline; an image takes 200 MB on disk (100 MB content +
 * 100 MB unpacked). After app:1: 290 MB, 42% free. After the rollout (new
 * pod ready at 10.840, the old one deleted then) 490 MB: 2% free < 15%, so
 * the eviction check at 20 s finds DiskPressure and reclaims the unused
 * image, app:1 (DeleteUnusedImages), and nothing else (app:2 is in use).
 * Were the old pod's container still counted, nothing could be deleted. */
static void test_old_image_collectable(void **state)
{
    (void)state;
    static const char text[] = HEAD
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, "
        "disk: {capacity: 500MB, baselineUsage: 90MB}}\n"
        DEPLOY4_N("1", "{maxSurge: 1, maxUnavailable: 0}") UPDATE_AT_10;
    struct run r;
    run_scenario(&r, "gc.yaml", text, NULL, NULL, 0);
    assert_close(r.s.rollouts[0].duration, 0.840, 1e-9);
    assert_int_equal(r.s.disk.gc_images_deleted + r.s.disk.reclaim_images_deleted, 1);
    const struct node *nd = world_node(r.w, 0);
    assert_int_equal(nd->n_images, 1);
    assert_string_equal(r.sc->images[nd->images[0].image].ref, "registry.test/app:2");
    run_release(&r);
}

/* ---------------------------------------------------------------- restarts */

#define CRASH_POD(run_for, policy, horizon)                                               \
    "name: t\nhorizon: " horizon "\n"                                                     \
    "registries:\n"                                                                       \
    "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1}\n" \
    "images:\n  - {ref: registry.test/app:1, layers: [{id: one, size: 100MB}]}\n"         \
    POOLS(1)                                                                              \
    "workloads:\n  - {name: crash, kind: Pod, template: {containers: [{name: c, image: "  \
    "registry.test/app:1, imagePullPolicy: " policy ", runFor: " run_for "}]}}\n"

/* runFor 5 s: start s1 = 0.840, exit s1 + 5; the first restart at the next
 * PLEG relist (< 1 s), then each exit waits back-off b = 10, 20, 40, 80,
 * 160, 300 s (plus < 1 s to the next tick): s(k+1) - s(k) in [5 + b, 6 + b].
 * Lower bounds: s2 5.84, s3 20.84, s4 45.84, s5 90.84, s6 175.84, s7 340.84,
 * s8 645.84 (upper 652.84), s9 950.84: by 700 s, 7 restarts. */
static void test_crash_loop_backoff(void **state)
{
    (void)state;
    struct run r;
    run_scenario(&r, "crash.yaml", CRASH_POD("5s", "IfNotPresent", "700s"), NULL, NULL, 0);
    assert_true(r.s.has_restarts);
    assert_int_equal(r.s.restarts, 7);
    const struct kubelet_container *kc =
        kubelet_container(world_kubelet(r.w), run_pod(&r, 0)->first_container);
    assert_int_equal(kc->restarts, 7);
    assert_true(kc->image_ready >= 645.84 - 1e-9 && kc->image_ready < 652.84);
    assert_int_equal(r.s.pulls, 1); /* IfNotPresent: the image is there */
    run_release(&r);
}

/* Under Always every restart pulls (a present image: the manifest request
 * only, 0.020 s, well inside the bounds above): 1 + 7 pulls. */
static void test_crash_loop_always_pulls(void **state)
{
    (void)state;
    struct run r;
    run_scenario(&r, "crash.yaml", CRASH_POD("5s", "Always", "700s"), NULL, NULL, 0);
    assert_int_equal(r.s.restarts, 7);
    assert_int_equal(r.s.pulls, 8);
    run_release(&r);
}

static void count_crash_backoff(void *arg, const struct kubelet_event *ev)
{
    *(int *)arg += ev->kind == KUBELET_EVENT_CRASH_BACKOFF;
}

/* The BackOff ("Back-off restarting failed container") events of the 700 s
 * crash loop above: every sync in back-off emits one. After exit k the
 * back-off b is 10, 20, 40, 80, 160, 300, 300 s (exits 2..8); the pod is
 * synced at the exit's PLEG relist and then re-queued at min(expiry, 60 s
 * later): 1, 1, 1, 2 (0, 60), 3 (0, 60, 120), 5 (0 ... 240) events, and 1
 * for exit 8 (>= 651 s: its next sync would be past 700 s): 14. */
static void test_crash_backoff_events(void **state)
{
    (void)state;
    struct scenario *sc = load_scenario_text("crash.yaml",
                                             CRASH_POD("5s", "IfNotPresent", "700s"));
    struct scenario_kubelet cfg;
    scenario_kubelet_defaults(&cfg);
    struct world *w = world_new(sc, &cfg, NET_MODEL_AUTO);
    int n = 0;
    PROBE_SUBSCRIBE(world_kubelet_events(w), count_crash_backoff, &n);
    world_run(w);
    assert_int_equal(n, 14);
    world_free(w);
    scenario_free(sc);
}

/* runFor 700 s > 600 s: each exit comes more than 2 x 300 s after the last
 * Next, so the entry has expired and the restart is at once (the back-off
 * resets after 10 minutes running): s5 = 0.840 + 4 x 700 + four PLEG lags
 * < 1 s each, in [2800.84, 2804.84); 4 restarts by 3000 s. Without the
 * reset the 2nd, 3rd and 4th restart would wait 10, 20, 40 s more. */
static void test_crash_backoff_resets(void **state)
{
    (void)state;
    struct run r;
    run_scenario(&r, "crash.yaml", CRASH_POD("700s", "IfNotPresent", "3000s"), NULL, NULL, 0);
    assert_int_equal(r.s.restarts, 4);
    const struct kubelet_container *kc =
        kubelet_container(world_kubelet(r.w), run_pod(&r, 0)->first_container);
    assert_true(kc->image_ready >= 2800.84 - 1e-9 && kc->image_ready < 2804.84);
    run_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fenceposts),
        cmocka_unit_test(test_replica_arithmetic),
        cmocka_unit_test(test_daemonset_unavailable),
        cmocka_unit_test(test_deployment_one_by_one),
        cmocka_unit_test(test_deployment_default_quarter),
        cmocka_unit_test(test_deployment_full_surge),
        cmocka_unit_test(test_deployment_pods),
        cmocka_unit_test(test_daemonset_waves),
        cmocka_unit_test(test_daemonset_surge),
        cmocka_unit_test(test_daemonset_min_ready),
        cmocka_unit_test(test_delete_pod_replaced),
        cmocka_unit_test(test_old_image_collectable),
        cmocka_unit_test(test_crash_loop_backoff),
        cmocka_unit_test(test_crash_loop_always_pulls),
        cmocka_unit_test(test_crash_backoff_resets),
        cmocka_unit_test(test_crash_backoff_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
