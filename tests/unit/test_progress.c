/*
 * test_progress.c - containerd's image pull progress timeout (spec §11):
 * checks on a ticker started with the pull, every 10 s (timeout/2 when the
 * timeout is below 10 s); a check finding requests active and no bytes
 * read since the previous check cancels the pull once more than the
 * timeout has passed since the last check that saw progress (or the
 * start). Hanging outages are the usual way to get there.
 *
 * Setting: 20 ms per request, one manifest request, a 125 MB layer, NIC
 * 1 Gbps (125 MB/s): the blob flows from 0.04 s on.
 */
#include "sim_helpers.h"

#include "model/runtime/runtime.h"

/* One pod created at 'at' pulling registry.test/a:1; the registry hangs
 * during [from, to); the node's timeout is 'timeout'. */
static char *scenario(const char *at, const char *from, const char *to, const char *timeout)
{
    return xasprintf("name: t\nhorizon: 2h\nregistries:\n"
                     "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, "
                     "manifestRequests: 1, outages: [{from: %s, to: %s, mode: hang}]}\n"
                     "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
                     "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, "
                     "runtime: {imagePullProgressTimeout: %s}}\n"
                     "workloads:\n  - {name: p, kind: Pod, at: %s, template: {containers: "
                     "[{name: c, image: registry.test/a:1}]}}\n",
                     from, to, timeout, at);
}

/* The first pull of the run fails at 'want' with the progress timeout. */
static void check_first_failure(const char *at, const char *from, const char *to,
                                const char *timeout, double want)
{
    char *text = scenario(at, from, to, timeout);
    struct run r;
    run_scenario(&r, "progress.yaml", text, NULL, NULL, 0);
    const struct kubelet_pull *p = run_pull(&r, 0);
    print_message("timeout %s, hang from %s: cancelled at %.6f (want %.6f)\n", timeout, from,
                  p->finished, want);
    assert_int_equal(p->result, KUBELET_PULL_FAILED);
    assert_int_equal(p->code, RUNTIME_ERR_PROGRESS_TIMEOUT);
    assert_int_equal(p->reason, KUBELET_REASON_ERR_IMAGE_PULL);
    assert_close(p->finished, want, 1e-9);
    run_release(&r);
    free(text);
}

/* The transfer freezes at 0.5 s. Checks at 10, 20, 30, 40: the check at
 * 10 saw bytes (read during (0, 0.5)), so it counts as progress; 20 and 30
 * are 10 and 20 s past it (not > 25); 40 is 30 s past: cancelled at 40. */
static void test_timeout_25s_after_bytes(void **state)
{
    (void)state;
    check_first_failure("0s", "0.5s", "1h", "25s", 40);
}

/* Default 5m: the check at 10 saw bytes; 31 checks later (310 > 300) at
 * 320 s the pull is cancelled. */
static void test_default_timeout(void **state)
{
    (void)state;
    check_first_failure("0s", "0.5s", "1h", "5m", 320);
}

/* Below 10 s the period is timeout/2: 8 s -> a check every 4 s. The check
 * at 4 saw bytes; 8 and 12 are 4 and 8 s past it (not > 8); 16 cancels. */
static void test_short_timeout_period(void **state)
{
    (void)state;
    check_first_failure("0s", "0.5s", "1h", "8s", 16);
}

/* A hang from the first request: no check ever saw progress, so the last
 * progress is the start; ticks are anchored at the pull's start (a pod
 * created at 3.3 s): the check at 3.3 + 31 * 10 = 313.3 s cancels. */
static void test_ticks_from_pull_start(void **state)
{
    (void)state;
    check_first_failure("3.3s", "0s", "1h", "5m", 313.3);
}

/* Bytes that stopped just after a check: the transfer freezes at 10.5 s.
 * The check at 10 saw bytes, so did the one at 20 (read during
 * (10, 10.5)); with a 25 s timeout 30, 40 are 10 and 20 s past 20, 50
 * cancels. The layer here is 2.5 GB, still flowing at 10.5 s. */
static void test_last_progress_tick(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 1h\nregistries:\n"
        "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1,"
        " outages: [{from: 10.5s, to: 1h, mode: hang}]}\n"
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 2500MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, "
        "runtime: {imagePullProgressTimeout: 25s}}\n"
        "workloads:\n  - {name: p, kind: Pod, template: {containers: [{name: c, "
        "image: registry.test/a:1}]}}\n";
    struct run r;
    run_scenario(&r, "last.yaml", text, NULL, NULL, 0);
    assert_int_equal(run_pull(&r, 0)->code, RUNTIME_ERR_PROGRESS_TIMEOUT);
    assert_close(run_pull(&r, 0)->finished, 50, 1e-9);
    run_release(&r);
}

/* No request active is progress too: a pull waiting only for another
 * pull's blob lock never times out. Pod a hangs on its blob from 0.5 s
 * (timeout 25 s: cancelled at 40); pod b, which waits for that blob, has
 * no request of its own and keeps waiting; at 40 it claims the blob, whose
 * GET hangs too (the outage lasts): b is cancelled 3 checks after its own
 * last progress. b started at 0: its check at 40 saw no request active
 * before 40 (progress), then 50, 60 are 10, 20 s past, 70 cancels. */
static void test_waiting_is_not_stalled(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 1h\nregistries:\n"
        "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1,"
        " outages: [{from: 0.5s, to: 1h, mode: hang}]}\n"
        "images:\n  - {ref: registry.test/a:1, layers: [{id: l, size: 125MB}]}\n"
        "  - {ref: registry.test/b:1, layers: [{id: l, size: 125MB}]}\n"
        "kubeletConfigs:\n  par: {serializeImagePulls: false}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, "
        "runtime: {imagePullProgressTimeout: 25s}}\n"
        "workloads:\n"
        "  - {name: a, kind: Pod, template: {containers: [{name: c, image: registry.test/a:1}]}}\n"
        "  - {name: b, kind: Pod, template: {containers: [{name: c, image: registry.test/b:1}]}}\n";
    struct run r;
    run_scenario(&r, "wait.yaml", text, "par", NULL, 0);
    assert_int_equal(run_pull(&r, 0)->pod, 0);
    assert_close(run_pull(&r, 0)->finished, 40, 1e-9);
    assert_int_equal(run_pull(&r, 1)->pod, 1);
    assert_int_equal(run_pull(&r, 1)->code, RUNTIME_ERR_PROGRESS_TIMEOUT);
    assert_close(run_pull(&r, 1)->finished, 70, 1e-9);
    run_release(&r);
}

/* Timeout 0 disables the check: the pull hangs until the horizon. */
static void test_zero_disables(void **state)
{
    (void)state;
    char *text = scenario("0s", "0.5s", "10m", "0s");
    struct run r;
    run_scenario(&r, "off.yaml", text, NULL, NULL, 0);
    assert_int_equal(kubelet_pull_count(world_kubelet(r.w)), 1);
    assert_int_equal(run_pull(&r, 0)->result, KUBELET_PULL_PENDING);
    assert_true(isnan(run_pod(&r, 0)->ready));
    run_release(&r);
    free(text);
}

/* Slow answers are no progress either: a constant 400 s latency (no
 * outage) is cut by the default timeout at 310 s, every time. */
static void test_slow_request(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 20m\nregistries:\n"
        "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 400s, manifestRequests: 1}\n"
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: p, kind: Pod, template: {containers: [{name: c, "
        "image: registry.test/a:1}]}}\n";
    struct run r;
    run_scenario(&r, "slow.yaml", text, NULL, NULL, 0);
    assert_int_equal(run_pull(&r, 0)->code, RUNTIME_ERR_PROGRESS_TIMEOUT);
    assert_close(run_pull(&r, 0)->finished, 310, 1e-9);
    assert_close(run_pull(&r, 1)->finished - run_pull(&r, 1)->started, 310, 1e-9);
    run_release(&r);
}

/* A normal pull never meets its watchdog: no event is spent on it (the
 * runs with and without the timeout process the same events). */
static void test_no_cost_without_stall(void **state)
{
    (void)state;
    char *on = scenario("0s", "3h", "4h", "5m");
    char *off = scenario("0s", "3h", "4h", "0s");
    struct run a, b;
    run_scenario(&a, "on.yaml", on, NULL, NULL, 0);
    run_scenario(&b, "off.yaml", off, NULL, NULL, 0);
    assert_close(run_pod_ready(&a, 0), 1.040, 1e-9);
    assert_int_equal(a.s.events, b.s.events);
    run_release(&a);
    run_release(&b);
    free(on);
    free(off);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeout_25s_after_bytes),
        cmocka_unit_test(test_default_timeout),
        cmocka_unit_test(test_short_timeout_period),
        cmocka_unit_test(test_ticks_from_pull_start),
        cmocka_unit_test(test_last_progress_tick),
        cmocka_unit_test(test_waiting_is_not_stalled),
        cmocka_unit_test(test_zero_disables),
        cmocka_unit_test(test_slow_request),
        cmocka_unit_test(test_no_cost_without_stall),
    };
    return cmocka_run_group_tests_name("progress", tests, NULL, NULL);
}
