/*
 * test_faults.c - registry faults end to end: the back-off timeline of an
 * always-failing registry, recovery after an outage, locks released by a
 * pull that fails in the middle, failure probability, outages in both
 * modes, registry changes and request slots.
 *
 * Common setting (STYLE §10): 20 ms per request, one manifest request per
 * pull, 1 MB = 10^6 B, registries 10 Gbps, nodes with a 1 Gbps NIC
 * (125 MB/s), images of one 125 MB layer: one pull alone takes
 * 0.020 (manifest) + 0.020 (blob) + 125/125 = 1.040 s.
 */
#include "sim_helpers.h"

#include "model/runtime/runtime.h"

#define REG(host, extra)                                                                  \
    "  - {host: " host ", egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1" extra \
    "}\n"

#define POD(name, image) \
    "  - {name: " name ", kind: Pod, template: {containers: [{name: c, image: " image "}]}}\n"

/* Pull records of one pod, in request order; returns how many (at most max). */
static size_t pod_pulls(const struct run *r, uint32_t pod, const struct kubelet_pull **out,
                        size_t max)
{
    size_t n = 0;
    const struct kubelet *k = world_kubelet(r->w);
    for (uint32_t i = 0; i < kubelet_pull_count(k) && n < max; i++)
        if (kubelet_pull_record(k, i)->pod == pod)
            out[n++] = kubelet_pull_record(k, i);
    return n;
}

/* The back-off after the k-th consecutive failure (k >= 1): 10 s doubling
 * to 300 s. Source: spec §4. */
static double backoff_after(size_t k)
{
    double b = 10;
    for (size_t i = 1; i < k && b < 300; i++)
        b *= 2;
    return b < 300 ? b : 300;
}

/* (a) Every request answers 503: the pod is attempted at 0 s, then each
 * attempt follows the previous failure within [10,16), [20,31), [40,56),
 * [80,96), [160,176), [300,316) s and 300-316 s from then on (spec §5: the
 * first attempt at or after failure + back-off among re-syncs U[10,15) s
 * apart on the 1 s ticker; the second back-off is reached by two re-syncs,
 * the first up to 16 s after the failure, the next 10-15 s after it). */
static void test_always_failing_timeline(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 1h\nregistries:\n"
        REG("registry.test", ", failureProbability: 1")
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n" POD("p", "registry.test/a:1");
    static const double lo[] = {10, 20, 40, 80, 160, 300};
    static const double hi[] = {16, 31, 56, 96, 176, 316};
    const struct kubelet_pull *p[64];
    struct run r;
    run_scenario(&r, "always.yaml", text, NULL, NULL, 0);
    size_t n = pod_pulls(&r, 0, p, 64);
    assert_true(n >= 12); /* 0, ~14, ~44, ~85, ~170, ~340, then every ~300 s to 1 h */
    assert_close(p[0]->requested, 0, 1e-12);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(p[i]->result, KUBELET_PULL_FAILED);
        assert_int_equal(p[i]->reason, KUBELET_REASON_ERR_IMAGE_PULL);
        assert_int_equal(p[i]->code, RUNTIME_ERR_MANIFEST_UNAVAILABLE);
        assert_close(p[i]->finished - p[i]->started, 0.020, 1e-9); /* 503 after its latency */
        if (i == 0)
            continue;
        double gap = p[i]->requested - p[i - 1]->finished;
        size_t b = i - 1 < 6 ? i - 1 : 5;
        print_message("attempt %zu: %.3f s after failure %zu\n", i + 1, gap, i);
        assert_true(gap >= lo[b] && gap < hi[b]);
    }
    const struct kubelet_pod *pod = run_pod(&r, 0);
    assert_int_equal(pod->attempts, n);
    assert_int_equal(pod->failed_pulls, n);
    assert_close(pod->first_failure, 0.020, 1e-9);
    assert_true(isnan(pod->recovered) && isnan(pod->ready));
    assert_int_equal(r.s.backoff.pods_affected, 1);
    assert_int_equal(r.s.backoff.pods_recovered, 0);
    assert_int_equal(r.s.registries[0].failures, n);
    run_release(&r);
}

/* (b) A 120 s outage (mode fail) from 2 s, while 12 pods on 3 nodes pull
 * 500 MB images (parallel puller: all transfers in flight at 2 s are
 * reset). Every pod is ready within back-off + 16 s + its pull time of the
 * recovery R = 122 s: its last failure f <= R is followed by the next
 * attempt within [f + b, f + b + 16) (b: the back-off after its k-th
 * failure), which succeeds and takes 'pull time' = finished - requested.
 * A pod whose image another pod on its node pulled first needs no pull:
 * a re-sync (every 10-16 s, back-off or not: presence is checked first)
 * finds it present, at the latest at that attempt (pull time 0). */
static void test_outage_recovery_bound(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 2h\nregistries:\n"
        REG("registry.test", ", outages: [{from: 2s, to: 122s}]")
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 250MB}, {size: 250MB}]}\n"
        "kubeletConfigs:\n  par: {serializeImagePulls: false}\n"
        "nodePools:\n  - {name: p, count: 3, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: d, kind: Deployment, replicas: 12, template: {containers: "
        "[{name: c, image: registry.test/a:1}]}}\n";
    const double recovery = 122;
    const struct kubelet_pull *p[64];
    struct run r;
    run_scenario(&r, "outage.yaml", text, "par", NULL, 0);
    assert_int_equal(r.s.pods_ready, 12);
    double last = 0;
    for (uint32_t pod = 0; pod < 12; pod++) {
        size_t n = pod_pulls(&r, pod, p, 64);
        const struct kubelet_pull *ok = p[n - 1]->result == KUBELET_PULL_OK ? p[n - 1] : NULL;
        size_t failures = ok ? n - 1 : n;
        assert_true(failures >= 1);
        for (size_t i = 0; i < failures; i++) {
            assert_int_equal(p[i]->result, KUBELET_PULL_FAILED);
            assert_true(p[i]->finished <= recovery);
        }
        const struct kubelet_pull *f = p[failures - 1];
        double b = backoff_after(failures), ready = run_pod(&r, pod)->ready;
        double pull_time = ok ? ok->finished - ok->requested : 0;
        double attempt = ok ? ok->requested : ready;
        print_message("pod %u: %zu failures, last at %.3f, back-off %.0f, %s at %.3f, ready "
                      "%.3f\n", pod, failures, f->finished, b, ok ? "pulled" : "found present",
                      attempt, ready);
        if (ok)
            assert_true(attempt >= f->finished + b);
        assert_true(attempt < f->finished + b + 16);
        assert_true(ready <= recovery + b + 16 + pull_time);
        assert_close(run_pod(&r, pod)->recovered, ready, 1e-9);
        assert_close(run_pod(&r, pod)->first_failure, 2, 1e-9); /* reset at the start */
        if (ready > last)
            last = ready;
    }
    print_message("last pod ready at %.3f s, %.3f s after the recovery\n", last,
                  last - recovery);
    assert_true(last > recovery);
    assert_int_equal(r.s.backoff.pods_affected, 12);
    assert_int_equal(r.s.backoff.pods_recovered, 12);
    run_release(&r);
}

/* (e) Two pulls share a layer; the first fails in the middle of fetching
 * it. Image a (from flaky.test, down from 0.5 s) and image b (from
 * good.test) are the same 125 MB blob. At 0.02 a's pull locks the blob and
 * fetches it from 0.04; b's pull waits for the lock. At 0.5 the outage
 * resets a's transfer: a fails, the lock goes back to ABSENT, and b fetches
 * the blob itself: 0.5 + 0.020 + 125/125 = 1.520 s. */
static void check_shared_layer(const char *scope)
{
    char *text = xasprintf("name: t\nhorizon: 5s\nregistries:\n"
        REG("flaky.test", ", outages: [{from: 0.5s, to: 1h}]") REG("good.test", "")
        "images:\n  - {ref: flaky.test/a:1, layers: [{id: shared, size: 125MB}]}\n"
        "  - {ref: good.test/b:1, layers: [{id: shared, size: 125MB}]}\n"
        "kubeletConfigs:\n  par: {serializeImagePulls: false}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, "
        "runtime: {downloadLimitScope: %s}}\n"
        "workloads:\n" POD("a", "flaky.test/a:1") POD("b", "good.test/b:1"), scope);
    struct run r;
    run_scenario(&r, "shared.yaml", text, "par", NULL, 0);
    const struct kubelet_pull *a = run_pull(&r, 0), *b = run_pull(&r, 1);
    assert_int_equal(a->pod, 0);
    assert_int_equal(a->result, KUBELET_PULL_FAILED);
    assert_int_equal(a->code, RUNTIME_ERR_BLOB_RESET);
    assert_close(a->finished, 0.5, 1e-9);
    assert_int_equal(b->pod, 1);
    assert_int_equal(b->result, KUBELET_PULL_OK);
    assert_int_equal(b->layers_fetched, 1); /* it fetched the blob itself */
    assert_int_equal(b->bytes, 125000000);
    assert_close(run_pod_ready(&r, 1), 1.520, 1e-9);
    assert_int_equal(r.s.registries[0].failures, 1);
    assert_int_equal(r.s.registries[1].blob_requests, 1);
    /* The node holds the blob once, and nothing is left busy. */
    const struct node *nd = world_node(r.w, 0);
    assert_int_equal(node_layer_state(nd, 0), NODE_READY);
    size_t waiting;
    assert_int_equal(runtime_download_tokens(world_runtime(r.w), 0, &waiting), 0);
    assert_int_equal(waiting, 0);
    assert_int_equal(nd->n_pulls, 0);
    run_release(&r);
    free(text);
}

static void test_shared_layer_scope_node(void **state)
{
    (void)state;
    check_shared_layer("node");
}

static void test_shared_layer_scope_pull(void **state)
{
    (void)state;
    check_shared_layer("pull");
}

/* A pull fails while unpacking: its chain goes back to ABSENT and the pull
 * waiting for that chain unpacks it itself. a = [l0 10 MB, l1 500 MB] from
 * flaky.test (down from 0.5 s), b = [l0, l2 20 MB] from good.test; unpack
 * at 10 MB/s. From 0.04 a fetches l0 and l1, b fetches l2 (41.7 MB/s
 * each): l0 is in at 0.28 and a unpacks it until 1.28; l2 is in at 0.44.
 * At 0.5 the outage resets l1: a fails and drops the half-unpacked chain.
 * b, which found l0 present and its chain busy, unpacks l0 (0.5 -> 1.5)
 * and then l2 (20 MB -> 3.5). (No two flows end at the same instant.) */
static void test_failed_pull_releases_chain(void **state)
{
    (void)state;
    static const char text[] = "name: t\nregistries:\n"
        REG("flaky.test", ", outages: [{from: 0.5s, to: 1h}]") REG("good.test", "")
        "images:\n  - {ref: flaky.test/a:1, layers: [{id: l0, size: 10MB}, "
        "{id: l1, size: 500MB}]}\n"
        "  - {ref: good.test/b:1, layers: [{id: l0, size: 10MB}, {id: l2, size: 20MB}]}\n"
        "kubeletConfigs:\n  par: {serializeImagePulls: false}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, "
        "runtime: {unpackBandwidth: 10MBps}}\n"
        "workloads:\n" POD("a", "flaky.test/a:1") POD("b", "good.test/b:1");
    struct run r;
    run_scenario(&r, "chain.yaml", text, "par", NULL, 0);
    assert_int_equal(run_pull(&r, 0)->result, KUBELET_PULL_FAILED);
    assert_close(run_pull(&r, 0)->finished, 0.5, 1e-9);
    assert_int_equal(run_pull(&r, 1)->result, KUBELET_PULL_OK);
    assert_close(run_pod_ready(&r, 1), 3.5, 1e-9);
    run_release(&r);
}

/* A failing pull drops its layers still queued for a download token (scope
 * node, maxConcurrentDownloads 1): a = [x, y] from flaky.test holds the
 * token for x, y waits in the node's token queue; b = [x] from good.test
 * waits for x's lock. At 0.5 the outage resets x: a fails, y's queued
 * request goes with it (it must never be sent), and b fetches x itself:
 * 0.5 + 0.020 + 1.0 = 1.520 s. flaky.test saw one blob GET and one error. */
static void test_failed_pull_drops_token_requests(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 5s\nregistries:\n"
        REG("flaky.test", ", outages: [{from: 0.5s, to: 1h}]") REG("good.test", "")
        "images:\n  - {ref: flaky.test/a:1, layers: [{id: x, size: 125MB}, {id: y, size: 125MB}]}\n"
        "  - {ref: good.test/b:1, layers: [{id: x, size: 125MB}]}\n"
        "kubeletConfigs:\n  par: {serializeImagePulls: false}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, "
        "runtime: {maxConcurrentDownloads: 1}}\n"
        "workloads:\n" POD("a", "flaky.test/a:1") POD("b", "good.test/b:1");
    struct run r;
    run_scenario(&r, "tokens.yaml", text, "par", NULL, 0);
    assert_int_equal(run_pull(&r, 0)->result, KUBELET_PULL_FAILED);
    assert_close(run_pull(&r, 0)->finished, 0.5, 1e-9);
    assert_int_equal(run_pull(&r, 1)->result, KUBELET_PULL_OK);
    assert_close(run_pod_ready(&r, 1), 1.520, 1e-9);
    assert_int_equal(r.s.registries[0].blob_requests, 1);
    assert_int_equal(r.s.registries[0].failures, 1);
    size_t waiting;
    assert_int_equal(runtime_download_tokens(world_runtime(r.w), 0, &waiting), 0);
    assert_int_equal(waiting, 0);
    run_release(&r);
}

/* A failing pull drops its requests queued for a registry slot before it
 * gives back the slot it holds, so the slot never goes to its own dead
 * request. maxConcurrentRequests 1: a's blob GET for x holds the slot
 * (transfer from 0.04), its GET for y waits for it. The registry hangs
 * from 0.5: x freezes; the timeout (25 s; the check at 10 saw bytes)
 * cancels a at 40. One request hung (x); y was never sent. */
static void test_failed_pull_drops_slot_waiters(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 45s\nregistries:\n"
        REG("registry.test", ", maxConcurrentRequests: 1, outages: [{from: 0.5s, to: 1h, "
            "mode: hang}]")
        "images:\n  - {ref: registry.test/a:1, layers: [{id: x, size: 125MB}, "
        "{id: y, size: 125MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, "
        "runtime: {imagePullProgressTimeout: 25s}}\n"
        "workloads:\n" POD("a", "registry.test/a:1");
    struct run r;
    run_scenario(&r, "slotwait.yaml", text, NULL, NULL, 0);
    assert_int_equal(run_pull(&r, 0)->code, RUNTIME_ERR_PROGRESS_TIMEOUT);
    assert_close(run_pull(&r, 0)->finished, 40, 1e-9);
    assert_int_equal(r.s.registries[0].failures, 1);
    assert_int_equal(world_registry(r.w, 0)->slots_used, 0);
    assert_int_equal(world_registry(r.w, 0)->n_slot_q, 0);
    run_release(&r);
}

/* A blob GET that answers 503 fails the pull and frees the lock: b then
 * fetches it. a's blob GET is drawn at p = 1 on bad.test; the pulls start
 * together, a locks the blob at 0.02, its GET fails at 0.04, b (waiting)
 * claims it at once: 0.04 + 0.020 + 1.0 = 1.060 s. */
static void test_blob_503_releases_lock(void **state)
{
    (void)state;
    static const char text[] = "name: t\nregistries:\n"
        "  - {host: bad.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1,"
        " changes: [{at: 0.03s, failureProbability: 1}]}\n" REG("good.test", "")
        "images:\n  - {ref: bad.test/a:1, layers: [{id: shared, size: 125MB}]}\n"
        "  - {ref: good.test/b:1, layers: [{id: shared, size: 125MB}]}\n"
        "kubeletConfigs:\n  par: {serializeImagePulls: false}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n" POD("a", "bad.test/a:1") POD("b", "good.test/b:1");
    struct run r;
    run_scenario(&r, "blob503.yaml", text, "par", NULL, 0);
    /* a's blob GET was sent at 0.02, before the change: it succeeds. */
    assert_int_equal(run_pull(&r, 0)->result, KUBELET_PULL_OK);
    run_release(&r);

    static const char text2[] = "name: t\nregistries:\n"
        "  - {host: bad.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1,"
        " changes: [{at: 0.01s, failureProbability: 1}]}\n" REG("good.test", "")
        "images:\n  - {ref: bad.test/a:1, layers: [{id: shared, size: 125MB}]}\n"
        "  - {ref: good.test/b:1, layers: [{id: shared, size: 125MB}]}\n"
        "kubeletConfigs:\n  par: {serializeImagePulls: false}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n" POD("a", "bad.test/a:1") POD("b", "good.test/b:1");
    /* From 0.01 every request sent fails: a's manifest request (sent at 0)
     * succeeds, its blob GET (sent at 0.02) fails at 0.04. */
    run_scenario(&r, "blob503.yaml", text2, "par", NULL, 0);
    const struct kubelet_pull *a = run_pull(&r, 0);
    assert_int_equal(a->result, KUBELET_PULL_FAILED);
    assert_int_equal(a->code, RUNTIME_ERR_BLOB_UNAVAILABLE);
    assert_close(a->finished, 0.04, 1e-9);
    assert_int_equal(run_pull(&r, 1)->result, KUBELET_PULL_OK);
    assert_close(run_pod_ready(&r, 1), 1.060, 1e-9);
    struct strbuf sb;
    strbuf_init(&sb);
    kubelet_pull_message(r.sc, a, &sb);
    assert_string_equal(sb.buf, "failed to pull and unpack image \"bad.test/a:1\": failed to "
                        "copy: httpReadSeeker: failed open: unexpected status code "
                        "https://bad.test/v2/a/blobs/shared: 503 Service Unavailable");
    assert_null(strchr(sb.buf, ','));
    strbuf_release(&sb);
    run_release(&r);
}

/* (f) failureProbability 0.3 over many requests: the same seed gives the
 * same pulls, another seed others, and the share of failed requests is
 * close to 0.3 (binomial: n > 1000, sd < 0.015; 0.05 is > 3 sd). */
static const char many[] = "name: t\nhorizon: 2h\nregistries:\n"
    "  - {host: registry.test, egressBandwidth: 10Gbps, latency: {dist: exponential, "
    "mean: 20ms}, manifestRequests: 3, failureProbability: 0.3}\n"
    "images:\n  - {ref: registry.test/a:1, layers: [{size: 10MB}, {size: 10MB}]}\n"
    "kubeletConfigs:\n  par: {serializeImagePulls: false}\n"
    "nodePools:\n  - {name: p, count: 20, nicBandwidth: 1Gbps}\n"
    "workloads:\n  - {name: d, kind: Deployment, replicas: 200, template: {containers: "
    "[{name: c, image: registry.test/a:1, imagePullPolicy: Always}]}}\n";

static void test_failure_probability(void **state)
{
    (void)state;
    struct run r1, r2, r3;
    struct scenario_override seed = {"seed", "7"};
    run_scenario(&r1, "many.yaml", many, "par", NULL, 0);
    run_scenario(&r2, "many.yaml", many, "par", NULL, 0);
    run_scenario(&r3, "many.yaml", many, "par", &seed, 1);
    size_t n = kubelet_pull_count(world_kubelet(r1.w));
    assert_int_equal(n, kubelet_pull_count(world_kubelet(r2.w)));
    for (uint32_t i = 0; i < n; i++) {
        const struct kubelet_pull *a = run_pull(&r1, i), *b = run_pull(&r2, i);
        assert_true(a->finished == b->finished && a->result == b->result &&
                    a->code == b->code && a->error_at == b->error_at);
    }
    bool differs = kubelet_pull_count(world_kubelet(r3.w)) != n;
    for (uint32_t i = 0; !differs && i < n; i++)
        differs = run_pull(&r1, i)->finished != run_pull(&r3, i)->finished;
    assert_true(differs);
    for (int k = 0; k < 2; k++) {
        const struct metrics_registry *reg = k ? &r3.s.registries[0] : &r1.s.registries[0];
        double share = (double)reg->failures / (double)reg->requests;
        print_message("seed %s: %llu of %llu requests failed (%.4f)\n", k ? "7" : "1",
                      (unsigned long long)reg->failures, (unsigned long long)reg->requests,
                      share);
        assert_true(reg->requests > 500); /* enough for a share within 0.05 */
        assert_true(fabs(share - 0.3) < 0.05);
    }
    assert_int_equal(r1.s.pods_ready, 200); /* everyone gets through eventually */
    run_release(&r1);
    run_release(&r2);
    run_release(&r3);
}

/* failureProbability 0 draws nothing: the same run as without the key,
 * latency draws included (they share no stream with failures). */
static void test_zero_probability_draws_nothing(void **state)
{
    (void)state;
    static const char base[] = "name: t\nregistries:\n"
        "  - {host: registry.test, egressBandwidth: 1Gbps, latency: {dist: lognormal, "
        "median: 40ms, sigma: 0.5}%s}\n"
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 30MB}, {size: 20MB}]}\n"
        "nodePools:\n  - {name: p, count: 4, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: d, kind: DaemonSet, template: {containers: "
        "[{name: c, image: registry.test/a:1}]}}\n";
    char *with = xasprintf(base, ", failureProbability: 0");
    char *without = xasprintf(base, "");
    struct run a, b;
    run_scenario(&a, "p0.yaml", with, NULL, NULL, 0);
    run_scenario(&b, "p0.yaml", without, NULL, NULL, 0);
    for (uint32_t i = 0; i < 4; i++)
        assert_true(run_pod(&a, i)->ready == run_pod(&b, i)->ready);
    assert_int_equal(a.s.events, b.s.events);
    run_release(&a);
    run_release(&b);
    free(with);
    free(without);
}

/* An outage in mode fail refuses requests at once: a pod created at 10 s
 * in an outage [5 s, 60 s) fails at 10 s exactly (no latency), with
 * "connection refused" in its text. */
static void test_outage_fail_refuses_at_once(void **state)
{
    (void)state;
    static const char text[] = "name: t\nregistries:\n"
        REG("registry.test", ", outages: [{from: 5s, to: 60s}]")
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: p, kind: Pod, at: 10s, template: {containers: [{name: c, "
        "image: registry.test/a:1}]}}\n";
    struct run r;
    run_scenario(&r, "refused.yaml", text, NULL, NULL, 0);
    const struct kubelet_pull *p = run_pull(&r, 0);
    assert_int_equal(p->result, KUBELET_PULL_FAILED);
    assert_int_equal(p->code, RUNTIME_ERR_MANIFEST_REFUSED);
    assert_close(p->finished, 10, 1e-12);
    struct strbuf sb;
    strbuf_init(&sb);
    kubelet_pull_message(r.sc, p, &sb);
    assert_non_null(strstr(sb.buf, "connection refused"));
    assert_int_equal(kubelet_eval_pull_error(sb.buf), KUBELET_REASON_ERR_IMAGE_PULL);
    strbuf_release(&sb);
    /* The last attempt before 60 s fails, the first after succeeds. */
    assert_true(run_pod(&r, 0)->ready > 60);
    run_release(&r);
}

/* An answer due while the registry is down never arrives: a request sent
 * at 0 with a 1 s latency into an outage from 0.5 s is refused when its
 * answer would come (1.0 s); in mode hang it hangs, and the progress
 * timeout (25 s: checks every 10 s, none saw progress) cancels it at 30 s. */
static void test_answer_during_outage(void **state)
{
    (void)state;
    static const char base[] = "name: t\nhorizon: 1m\nregistries:\n"
        "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 1s, manifestRequests: 1,"
        " outages: [{from: 0.5s, to: 1h, mode: %s}]}\n"
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, "
        "runtime: {imagePullProgressTimeout: 25s}}\n"
        "workloads:\n" POD("p", "registry.test/a:1");
    static const struct {
        const char *mode;
        enum runtime_error code;
        double at;
    } cases[] = {{"fail", RUNTIME_ERR_MANIFEST_REFUSED, 1.0},
                 {"hang", RUNTIME_ERR_PROGRESS_TIMEOUT, 30.0}};
    for (size_t i = 0; i < 2; i++) {
        char *text = xasprintf(base, cases[i].mode);
        struct run r;
        run_scenario(&r, "answer.yaml", text, NULL, NULL, 0);
        assert_int_equal(run_pull(&r, 0)->code, cases[i].code);
        assert_close(run_pull(&r, 0)->finished, cases[i].at, 1e-9);
        assert_int_equal(r.s.registries[0].blob_requests, 0);
        run_release(&r);
        free(text);
    }
}

/* evalCRIPullErr (spec §3): only the two CRI error prefixes change the
 * reason; a prefix elsewhere in the text does not. */
static void test_eval_pull_error(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum kubelet_reason want;
    } cases[] = {
        {"RegistryUnavailable: 503", KUBELET_REASON_REGISTRY_UNAVAILABLE},
        {"SignatureValidationFailed: bad", KUBELET_REASON_SIGNATURE_VALIDATION_FAILED},
        {"failed to pull and unpack image \"x\": RegistryUnavailable", KUBELET_REASON_ERR_IMAGE_PULL},
        {"pull QPS exceeded", KUBELET_REASON_ERR_IMAGE_PULL},
        {"", KUBELET_REASON_ERR_IMAGE_PULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(kubelet_eval_pull_error(cases[i].text), cases[i].want);
    assert_string_equal(kubelet_reason_name(KUBELET_REASON_ERR_IMAGE_PULL), "ErrImagePull");
    assert_string_equal(kubelet_reason_name(KUBELET_REASON_REGISTRY_UNAVAILABLE),
                        "RegistryUnavailable");
}

/* changes: egress 1 Gbps (125 MB/s) drops... rises to 2 Gbps at 1.04 s.
 * One 250 MB layer, node NIC 10 Gbps: 0.040 + 125 MB in the first second,
 * then 125 MB at 250 MB/s: ready at 1.540 s. A latency change at 2 s
 * makes a later pod's requests 1 s each: created at 3 s, ready at
 * 3 + 1 + 1 + 250/250 = 6 s. */
static void test_registry_changes(void **state)
{
    (void)state;
    static const char text[] = "name: t\nregistries:\n"
        "  - {host: registry.test, egressBandwidth: 1Gbps, latency: 20ms, manifestRequests: 1,"
        " changes: [{at: 1.04s, egressBandwidth: 2Gbps}, {at: 2s, latency: 1s}]}\n"
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 250MB}]}\n"
        "  - {ref: registry.test/b:1, layers: [{size: 250MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 10Gbps}\n"
        "workloads:\n" POD("a", "registry.test/a:1")
        "  - {name: b, kind: Pod, at: 3s, template: {containers: [{name: c, "
        "image: registry.test/b:1}]}}\n";
    struct run r;
    run_scenario(&r, "changes.yaml", text, NULL, NULL, 0);
    assert_close(run_pod_ready(&r, 0), 1.540, 1e-9);
    assert_close(run_pod_ready(&r, 1), 3.0, 1e-9);
    run_release(&r);
}

/* maxConcurrentRequests 1: one request at a time, FIFO, a blob GET holding
 * its slot until its last byte. Three pods on three nodes: manifests at
 * 0-0.02, 0.02-0.04, 0.04-0.06; blob GETs queue in request order (a, b,
 * c): a 0.06-0.08 + 1 s -> 1.08, b -> 2.10, c -> 3.12. */
static void test_max_concurrent_requests(void **state)
{
    (void)state;
    static const char text[] = "name: t\nregistries:\n"
        REG("registry.test", ", maxConcurrentRequests: 1")
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "nodePools:\n  - {name: p, count: 3, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: d, kind: DaemonSet, template: {containers: "
        "[{name: c, image: registry.test/a:1}]}}\n";
    struct run r;
    run_scenario(&r, "slots.yaml", text, NULL, NULL, 0);
    assert_close(run_pod_ready(&r, 0), 1.08, 1e-9);
    assert_close(run_pod_ready(&r, 1), 2.10, 1e-9);
    assert_close(run_pod_ready(&r, 2), 3.12, 1e-9);
    assert_int_equal(world_registry(r.w, 0)->slots_used, 0);
    run_release(&r);
}

/* Slots are given back by failing pulls too: with maxConcurrentRequests 1
 * and every request failing, no pull waits forever. */
static void test_slots_released_on_failure(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 5m\nregistries:\n"
        REG("registry.test", ", maxConcurrentRequests: 1, outages: [{from: 0.03s, to: 60s, "
            "mode: hang}]")
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "nodePools:\n  - {name: p, count: 3, nicBandwidth: 1Gbps, "
        "runtime: {imagePullProgressTimeout: 20s}}\n"
        "workloads:\n  - {name: d, kind: DaemonSet, template: {containers: "
        "[{name: c, image: registry.test/a:1}]}}\n";
    struct run r;
    run_scenario(&r, "slotfail.yaml", text, NULL, NULL, 0);
    assert_int_equal(r.s.pods_ready, 3);
    assert_true(r.s.pulls_failed >= 3);
    assert_int_equal(world_registry(r.w, 0)->slots_used, 0);
    run_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_always_failing_timeline),
        cmocka_unit_test(test_outage_recovery_bound),
        cmocka_unit_test(test_shared_layer_scope_node),
        cmocka_unit_test(test_shared_layer_scope_pull),
        cmocka_unit_test(test_failed_pull_releases_chain),
        cmocka_unit_test(test_blob_503_releases_lock),
        cmocka_unit_test(test_failed_pull_drops_token_requests),
        cmocka_unit_test(test_failed_pull_drops_slot_waiters),
        cmocka_unit_test(test_failure_probability),
        cmocka_unit_test(test_zero_probability_draws_nothing),
        cmocka_unit_test(test_outage_fail_refuses_at_once),
        cmocka_unit_test(test_answer_during_outage),
        cmocka_unit_test(test_eval_pull_error),
        cmocka_unit_test(test_registry_changes),
        cmocka_unit_test(test_max_concurrent_requests),
        cmocka_unit_test(test_slots_released_on_failure),
    };
    return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
