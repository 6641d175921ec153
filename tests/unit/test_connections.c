/*
 * test_connections.c - what a pull's HTTP connections and the meaning of a
 * bandwidth figure cost, in closed form (runtime request.c "Connections";
 * scenario.h SCENARIO_ETHERNET_GOODPUT).
 *
 * Setting: 20 ms per request, connectLatency 30 ms, 1 MB = 10^6 B, NIC
 * 1 Gbps (125 MB/s), registry 10 Gbps, 3 manifest-phase requests.
 */
#include "sim_helpers.h"

#define REGISTRY(extra)                                                                   \
    "registries:\n"                                                                       \
    "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms" extra "}\n"

static double ready_of(const char *text, uint32_t pod)
{
    struct run r;
    run_scenario(&r, "conn.yaml", text, NULL, NULL, 0);
    double t = run_pod_ready(&r, pod);
    run_release(&r);
    return t;
}

/* One image, one 125 MB layer: the resolve opens the pull's connection
 * (0.030 + 0.020), the manifest, config and blob GETs reuse it (3 x 0.020),
 * then 125 MB / 125 MB/s: ready at 0.110 + 1.000 = 1.110 s. Without a
 * connect latency: 0.080 + 1.000 = 1.080 s, as before connections were
 * modelled. */
static void test_first_request_opens(void **state)
{
    (void)state;
    static const char body[] =
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: w, kind: Pod, template: {containers: [{name: c, "
        "image: registry.test/a:1}]}}\n";
    char text[1024];
    snprintf(text, sizeof(text), "name: t\n" REGISTRY(", connectLatency: 30ms") "%s", body);
    assert_close(ready_of(text, 0), 1.110, 1e-9);
    snprintf(text, sizeof(text), "name: t\n" REGISTRY("") "%s", body);
    assert_close(ready_of(text, 0), 1.080, 1e-9);
}

/* Two 62.5 MB layers fetched one at a time (maxConcurrentDownloads 1): the
 * second blob GET reuses the first's connection. 0.030 + 3 x 0.020 = 0.090
 * for the manifest phase; blob 1: 0.020 + 0.5 s, done at 0.610; blob 2:
 * 0.020 + 0.5 s, done at 1.130 s (1.160 s if it opened a connection). */
static void test_sequential_blobs_reuse(void **state)
{
    (void)state;
    static const char text[] = "name: t\n" REGISTRY(", connectLatency: 30ms")
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 62.5MB}, {size: 62.5MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, "
        "runtime: {maxConcurrentDownloads: 1}}\n"
        "workloads:\n  - {name: w, kind: Pod, template: {containers: [{name: c, "
        "image: registry.test/a:1}]}}\n";
    assert_close(ready_of(text, 0), 1.130, 1e-9);
}

/* Concurrent blob GETs need their own connections: with perConnection-
 * Bandwidth 50 MB/s and two 62.5 MB layers at once, blob 1 reuses the
 * manifest phase's connection and starts at 0.090 + 0.020 = 0.110, blob 2
 * opens one and starts at 0.090 + 0.030 + 0.020 = 0.140; each moves at
 * 50 MB/s (the NIC has room for both): blob 2 ends at 0.140 + 1.250 =
 * 1.390 s. */
static void test_concurrent_blobs_open(void **state)
{
    (void)state;
    static const char text[] =
        "name: t\n" REGISTRY(", connectLatency: 30ms, perConnectionBandwidth: 400Mbps")
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 62.5MB}, {size: 62.5MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: w, kind: Pod, template: {containers: [{name: c, "
        "image: registry.test/a:1}]}}\n";
    struct run r;
    run_scenario(&r, "conn.yaml", text, NULL, NULL, 0);
    assert_close(run_pod_ready(&r, 0), 1.390, 1e-9);
    run_release(&r);
}

/* Each CRI pull has its own HTTP client: the second pod's pull of another
 * image (serial puller, after the first) opens a connection again.
 * Pod 0: 1.110 s (above). Pod 1, 10 MB: 1.110 + 0.030 + 4 x 0.020 +
 * 10/125 = 1.110 + 0.110 + 0.080 = 1.300 s. */
static void test_each_pull_opens(void **state)
{
    (void)state;
    static const char text[] = "name: t\n" REGISTRY(", connectLatency: 30ms")
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "  - {ref: registry.test/b:1, layers: [{size: 10MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: w, kind: Pod, template: {containers: [{name: c, "
        "image: registry.test/a:1}, {name: d, image: registry.test/b:1}]}}\n";
    assert_close(ready_of(text, 0), 1.300, 1e-9);
}

/* bandwidthMeans: linkRate: the 1 Gbps NIC carries 1448 payload bytes per
 * 1538 on the wire: 125 MB / (125 MB/s x 1448/1538) = 1538/1448 s.
 * Ready at 0.080 + 1538/1448 = 1.142154... s. */
static void test_link_rate_goodput(void **state)
{
    (void)state;
    static const char text[] = "name: t\nbandwidthMeans: linkRate\n" REGISTRY("")
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: w, kind: Pod, template: {containers: [{name: c, "
        "image: registry.test/a:1}]}}\n";
    assert_close(ready_of(text, 0), 0.080 + 1538.0 / 1448.0, 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_request_opens),
        cmocka_unit_test(test_sequential_blobs_reuse),
        cmocka_unit_test(test_concurrent_blobs_open),
        cmocka_unit_test(test_each_pull_opens),
        cmocka_unit_test(test_link_rate_goodput),
    };
    return cmocka_run_group_tests_name("connections", tests, NULL, NULL);
}
