/*
 * test_pullstorm.c - scenarios/bench/pull-storm.yaml against the numbers of
 * the benchmark (N = 100) and against closed forms (N = 1, 10).
 *
 * Derivation (spec/pull-storm.md). A node pulls 8 images; every request
 * costs d = 0.020 s; a node's transfers share an effective bandwidth C.
 * For N <= 10 nodes the registry (1.25 GB/s) gives every node at least
 * its NIC (N * 125 MB/s <= 1.25 GB/s), so C = 125 MB/s; at N = 100 all
 * nodes are symmetric and share the registry: C = 1.25 GB/s / 100 =
 * 12.5 MB/s per node.
 *
 * Config A (serial, FIFO 0, 2, 4, 6, 1, 3, 5, 7). A pull's link is busy
 * from its first blob's start to its end, except that a fourth layer's
 * request latency overlaps transfers still running, so each pull takes
 * 2d (manifest + first blob request) + bytes / C:
 *   image 0: 140 MB (all 4 layers)              -> 2d + 140/C
 *   images 2, 4, 6: 100 MB (base is present)    -> 2d + 100/C each
 *   images 1, 3, 5, 7: 40 MB (base, runtime present) -> 2d + 40/C each
 * (image 0 checked by hand: layers 40/60/30 share C three ways; at
 * 0.04 + 90/C the 30 MB ends, config's request overlaps the other two,
 * and the link is never idle until all 140 MB are in.)
 * Pod p is ready when image 2p+1 is: with T0 = 2d + 140/C, Tk = 2d + 100/C:
 *   pod 0: T0 + 3 Tk + 1 (2d + 40/C), pod p: pod 0 + p (2d + 40/C).
 * C = 125 MB/s:  T0 = 1.16, Tk = 0.84, T1 = 0.36 -> ready 4.04, 4.40, 4.76,
 *   5.12: mean 4.58, p50 (rank ceil(0.5*4) = 2) 4.40, max 5.12.
 * C = 12.5 MB/s: T0 = 11.24, Tk = 8.04, T1 = 3.24 -> 38.60, 41.84, 45.08,
 *   48.32: mean 43.46, p50 41.84, max 48.32 (the benchmark's numbers).
 *
 * Config B (parallel, 4). The four first images start together; the base
 * and shared runtime layers are fetched once, the others wait for them,
 * and the node's link stays busy from 2d until all 600 MB are in, with the
 * second images' manifest and blob requests (2d) overlapping no transfer
 * only at the very end: every pod is ready at 4d + 600/C:
 *   C = 125 MB/s: 4.88 s; C = 12.5 MB/s: 48.08 s (the benchmark's number).
 * Layer transfers: 21 distinct layers per node, each fetched once.
 */
#include "sim_helpers.h"

#define STORM "scenarios/bench/pull-storm.yaml"

static void run_storm(struct run *r, const char *config, const char *nodes)
{
    struct scenario_override set = {"nodePools[0].count", nodes};
    run_scenario(r, STORM, NULL, config, &set, 1);
}

static void check_serial(const char *nodes, double c_MBps, size_t n_nodes)
{
    struct run r;
    run_storm(&r, "A", nodes);
    double d = 0.020, C = c_MBps;
    double t0 = 2 * d + 140 / C, tk = 2 * d + 100 / C, t1 = 2 * d + 40 / C;
    double pod0 = t0 + 3 * tk + t1;
    assert_int_equal(r.s.pods, 4 * n_nodes);
    assert_int_equal(r.s.pods_ready, 4 * n_nodes);
    for (uint32_t i = 0; i < r.s.pods; i++) {
        uint32_t p = i / (uint32_t)n_nodes; /* DaemonSets in order: pods of storm-p */
        assert_close(run_pod_ready(&r, i), pod0 + p * t1, 1e-6);
    }
    assert_close(r.s.ready_mean, pod0 + 1.5 * t1, 1e-6);
    assert_close(r.s.ready_p50, pod0 + t1, 1e-6);
    assert_close(r.s.ready_max, pod0 + 3 * t1, 1e-6);
    assert_int_equal(r.s.layer_transfers, 21 * n_nodes);
    run_release(&r);
}

static void check_parallel(const char *nodes, double c_MBps, size_t n_nodes)
{
    struct run r;
    run_storm(&r, "B", nodes);
    double want = 4 * 0.020 + 600 / c_MBps;
    assert_int_equal(r.s.pods_ready, 4 * n_nodes);
    for (uint32_t i = 0; i < r.s.pods; i++)
        assert_close(run_pod_ready(&r, i), want, 1e-6);
    assert_int_equal(r.s.layer_transfers, 21 * n_nodes);
    run_release(&r);
}

static void test_serial_n1(void **state)
{
    (void)state;
    check_serial("1", 125, 1);
}

static void test_serial_n10(void **state)
{
    (void)state;
    check_serial("10", 125, 10);
}

/* The benchmark's published numbers, to two decimals. */
static void test_serial_n100(void **state)
{
    (void)state;
    struct run r;
    run_storm(&r, "A", "100");
    assert_close(r.s.ready_mean, 43.46, 0.005);
    assert_close(r.s.ready_p50, 41.84, 0.005);
    assert_close(r.s.ready_max, 48.32, 0.005);
    assert_int_equal(r.s.layer_transfers, 2100);
    run_release(&r);
    check_serial("100", 12.5, 100);
}

static void test_parallel_n1(void **state)
{
    (void)state;
    check_parallel("1", 125, 1);
}

static void test_parallel_n10(void **state)
{
    (void)state;
    check_parallel("10", 125, 10);
}

static void test_parallel_n100(void **state)
{
    (void)state;
    struct run r;
    run_storm(&r, "B", "100");
    assert_close(r.s.ready_p50, 48.08, 0.005);
    assert_close(r.s.ready_max, 48.08, 0.005);
    assert_close(r.s.ready_mean, 48.08, 0.005);
    assert_int_equal(r.s.layer_transfers, 2100);
    run_release(&r);
    check_parallel("100", 12.5, 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serial_n1),   cmocka_unit_test(test_serial_n10),
        cmocka_unit_test(test_serial_n100), cmocka_unit_test(test_parallel_n1),
        cmocka_unit_test(test_parallel_n10), cmocka_unit_test(test_parallel_n100),
    };
    return cmocka_run_group_tests_name("pull-storm", tests, NULL, NULL);
}
