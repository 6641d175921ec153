/*
 * test_gc.c - node storage (spec §8): image GC's choice of victims and the
 * bytes it frees on small closed-form cases (LRU order, minimum age, in use,
 * pinned, shared layers, maximum age), out of space during a fetch and an
 * unpack, DiskPressure (reclaim, transition period, admission), no change
 * without a capacity, and the outcome scenarios/gc-thrash.yaml shows.
 *
 * Closed-form store (sizes in bytes; unpacked = compressed):
 *   a = [base 100, la 50], b = [base 100, lb 60], c = [lc 70], p = [lp 10]
 * Each layer is a blob plus a chain of its unpacked size, so the disk holds
 * base 200 + la 100 + lb 120 + lc 140 + lp 20 = 580 B of a 1000 B capacity:
 * available 420, usage% = 100 - floor(420 * 100 / 1000) = 58. GC counts the
 * compressed sizes: a 150, b 160, c 70, p 10.
 */
#include "sim_helpers.h"

#include "model/cluster/imagegc.h"
#include "model/node.h"
#include "model/runtime/runtime.h"

#define STORE_YAML                                                                        \
    "name: t\nregistries:\n  - {host: reg.test, egressBandwidth: 10Gbps}\n"               \
    "images:\n"                                                                           \
    "  - {ref: reg.test/a:1, layers: [{id: base, size: 100B}, {id: la, size: 50B}]}\n"    \
    "  - {ref: reg.test/b:1, layers: [{id: base, size: 100B}, {id: lb, size: 60B}]}\n"    \
    "  - {ref: reg.test/c:1, layers: [{id: lc, size: 70B}]}\n"                            \
    "  - {ref: reg.test/p:1, layers: [{id: lp, size: 10B}]}\n"                            \
    "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, disk: {capacity: 1000B},\n" \
    "     pinnedImages: [reg.test/p:1]}\n"

enum { A, B, C, P };

struct store {
    struct scenario *sc;
    struct node nd;
    uint32_t img[4];
};

static uint32_t image_index(const struct scenario *sc, const char *ref)
{
    for (uint32_t i = 0; i < sc->n_images; i++)
        if (strcmp(sc->images[i].ref, ref) == 0)
            return i;
    fail_msg("no image %s", ref);
    return 0;
}

/* All four images present, first detected at 0; a used at 100, c at 50,
 * b never. */
static void store_init(struct store *s)
{
    s->sc = load_scenario_text("t.yaml", STORE_YAML);
    static const char *const refs[] = {"reg.test/a:1", "reg.test/b:1", "reg.test/c:1",
                                       "reg.test/p:1"};
    s->nd = (struct node){.cfg = &s->sc->pools[0], .sc = s->sc};
    for (int i = 0; i < 4; i++) {
        s->img[i] = image_index(s->sc, refs[i]);
        node_preload_image(&s->nd, s->sc, s->img[i], false, 0);
    }
    node_image_record(&s->nd, s->img[A], 0)->last_used = 100;
    node_image_record(&s->nd, s->img[C], 0)->last_used = 50;
    assert_int_equal(s->nd.disk_used, 580);
    assert_int_equal(imagegc_usage_percent(&s->nd), 58);
}

static void store_release(struct store *s)
{
    node_release(&s->nd);
    scenario_free(s->sc);
}

static bool nothing_in_use(void *arg, uint32_t image, uint32_t handler)
{
    (void)arg;
    (void)image;
    (void)handler;
    return false;
}

static bool b_in_use(void *arg, uint32_t image, uint32_t handler)
{
    const struct store *s = arg;
    return image == s->img[B] && handler == 0;
}

static struct imagegc_policy policy(uint32_t high, uint32_t low)
{
    return (struct imagegc_policy){.high = high, .low = low, .min_age = 120, .max_age = 0,
                                   .started = 0};
}

static bool has(const struct store *s, int i)
{
    return node_has_image(&s->nd, s->img[i], 0);
}

/* LRU: never-used b first, then c (50), then a (100). low 45: bytesToFree =
 * 1000 * 55 / 100 - 420 = 130 -> b (160) is enough; b's own blob and chain
 * go (120 B), base stays for a. */
static void test_lru_first_victim(void **state)
{
    (void)state;
    struct store s;
    store_init(&s);
    struct imagegc_policy pol = policy(50, 45);
    struct imagegc_result r;
    imagegc_collect(&s.nd, &pol, 1000, nothing_in_use, &s, &r);
    assert_true(r.over_high);
    assert_int_equal(r.bytes_to_free, 130);
    assert_int_equal(r.deleted, 1);
    assert_false(has(&s, B));
    assert_true(has(&s, A) && has(&s, C) && has(&s, P));
    assert_int_equal(r.counted, 160);
    assert_int_equal(r.freed, 120);
    assert_false(r.failed);
    assert_int_equal(s.nd.disk_used, 460);
    store_release(&s);
}

/* low 40: bytesToFree = 600 - 420 = 180 -> b (160), then c (230 >= 180). */
static void test_lru_two_victims(void **state)
{
    (void)state;
    struct store s;
    store_init(&s);
    struct imagegc_policy pol = policy(50, 40);
    struct imagegc_result r;
    imagegc_collect(&s.nd, &pol, 1000, nothing_in_use, &s, &r);
    assert_int_equal(r.bytes_to_free, 180);
    assert_int_equal(r.deleted, 2);
    assert_false(has(&s, B) || has(&s, C));
    assert_true(has(&s, A));
    assert_int_equal(r.counted, 230);
    assert_int_equal(r.freed, 260);
    store_release(&s);
}

/* Below the high threshold nothing happens (usage 58 < 60). */
static void test_below_high(void **state)
{
    (void)state;
    struct store s;
    store_init(&s);
    struct imagegc_policy pol = policy(60, 40);
    struct imagegc_result r;
    imagegc_collect(&s.nd, &pol, 1000, nothing_in_use, &s, &r);
    assert_false(r.over_high);
    assert_int_equal(r.deleted, 0);
    assert_int_equal(s.nd.disk_used, 580);
    store_release(&s);
}

/* b first detected 50 s ago (< 2 min): skipped; c then a go (70 + 150 >=
 * 130); a's la goes but base stays for b: freed 140 + 100. */
static void test_min_age(void **state)
{
    (void)state;
    struct store s;
    store_init(&s);
    node_image_record(&s.nd, s.img[B], 0)->first_detected = 950;
    struct imagegc_policy pol = policy(50, 45);
    struct imagegc_result r;
    imagegc_collect(&s.nd, &pol, 1000, nothing_in_use, &s, &r);
    assert_true(has(&s, B));
    assert_false(has(&s, A) || has(&s, C));
    assert_int_equal(r.counted, 220);
    assert_int_equal(r.freed, 240);
    store_release(&s);
}

/* b in use: skipped and its last use set to now; same victims as above. */
static void test_in_use(void **state)
{
    (void)state;
    struct store s;
    store_init(&s);
    struct imagegc_policy pol = policy(50, 45);
    struct imagegc_result r;
    imagegc_collect(&s.nd, &pol, 1000, b_in_use, &s, &r);
    assert_true(has(&s, B));
    assert_close(node_image_record(&s.nd, s.img[B], 0)->last_used, 1000, 0);
    assert_false(has(&s, A) || has(&s, C));
    assert_int_equal(r.freed, 240);
    store_release(&s);
}

/* DeleteUnusedImages deletes every candidate, never the pinned p: only p's
 * 20 B stay. A target that cannot be met fails (FreeDiskSpaceFailed). */
static void test_pinned_and_unlimited(void **state)
{
    (void)state;
    struct store s;
    store_init(&s);
    struct imagegc_policy pol = policy(50, 0);
    struct imagegc_result r;
    imagegc_delete_unused(&s.nd, &pol, 1000, nothing_in_use, &s, &r);
    assert_int_equal(r.deleted, 3);
    assert_true(has(&s, P));
    assert_int_equal(r.counted, 380);
    assert_int_equal(r.freed, 560);
    assert_int_equal(s.nd.disk_used, 20);
    store_release(&s);

    store_init(&s);
    pol = policy(50, 0); /* bytesToFree = 1000 - 420 = 580: counted 380 < 580 */
    imagegc_collect(&s.nd, &pol, 1000, nothing_in_use, &s, &r);
    assert_int_equal(r.deleted, 3);
    assert_true(r.failed);
    store_release(&s);
}

/* A pull in progress of a keeps its blobs and chains: deleting the record
 * frees nothing; deleting b then frees only lb. */
static void test_pull_lease_and_sharing(void **state)
{
    (void)state;
    struct store s;
    store_init(&s);
    node_add_pull(&s.nd, 7, s.img[A], 0);
    assert_int_equal(node_delete_image(&s.nd, s.img[A], 0), 0);
    assert_int_equal(node_delete_image(&s.nd, s.img[B], 0), 120);
    node_remove_pull(&s.nd, 7);
    assert_int_equal(node_delete_image(&s.nd, s.img[C], 0), 140);
    assert_int_equal(s.nd.disk_used, 320); /* a's content (300) and p (20) */
    /* a pulled again: a re-pull after GC. */
    node_add_image(&s.nd, s.img[A], 0, 2000);
    assert_int_equal(s.nd.gc_repulls, 1);
    store_release(&s);
}

/* imageMaximumGCAge 5m, kubelet up for 1000 s: every candidate unused for
 * more than 300 s goes even below the high threshold. */
static void test_max_age(void **state)
{
    (void)state;
    struct store s;
    store_init(&s);
    struct imagegc_policy pol = policy(90, 80);
    pol.max_age = 300;
    node_image_record(&s.nd, s.img[C], 0)->last_used = 800; /* unused 200 s: kept */
    struct imagegc_result r;
    imagegc_collect(&s.nd, &pol, 1000, nothing_in_use, &s, &r);
    assert_false(r.over_high);
    assert_int_equal(r.deleted, 2);
    assert_true(has(&s, C) && has(&s, P));
    store_release(&s);
}

/* ---------------------------------------------------------------- end to end */

#define REG "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1}\n"

static const struct kubelet_pull *first_pull(const struct run *r)
{
    assert_true(kubelet_pull_count(world_kubelet(r->w)) >= 2);
    return run_pull(r, 0);
}

/* A 125 MB blob on a 100 MB disk: ErrImagePull "no space left on device",
 * nothing held afterwards, the next attempt after the back-off. */
static void test_out_of_space_fetch(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 1m\nregistries:\n" REG
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, disk: {capacity: 100MB}}\n"
        "workloads:\n  - {name: p, kind: Pod, template: {containers: [{name: c, image: "
        "registry.test/a:1}]}}\n";
    struct run r;
    run_scenario(&r, "t.yaml", text, NULL, NULL, 0);
    const struct kubelet_pull *p = first_pull(&r);
    assert_int_equal(p->result, KUBELET_PULL_FAILED);
    assert_int_equal(p->code, RUNTIME_ERR_NO_SPACE_FETCH);
    assert_int_equal(p->reason, KUBELET_REASON_ERR_IMAGE_PULL);
    struct strbuf sb;
    strbuf_init(&sb);
    kubelet_pull_message(r.sc, p, &sb);
    assert_non_null(strstr(sb.buf, "no space left on device"));
    assert_non_null(strstr(sb.buf, "failed to pull and unpack image"));
    strbuf_release(&sb);
    assert_true(run_pull(&r, 1)->requested - p->finished >= 10);
    const struct node *nd = world_node(r.w, 0);
    assert_int_equal(nd->disk_reserved, 0);
    assert_int_equal(node_disk_usage(nd), 0);
    assert_int_equal(nd->n_pulls, 0);
    assert_true(isnan(run_pod(&r, 0)->ready));
    run_release(&r);
}

/* The 125 MB blob fits in 200 MB, its 100 MB unpack does not (75 MB left):
 * the unpack fails, the fetched blob stays in the content store. */
static void test_out_of_space_unpack(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 1m\nregistries:\n" REG
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB, unpackedSize: 100MB}]}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps,\n"
        "     disk: {capacity: 200MB, writeBandwidth: 1GBps}}\n"
        "workloads:\n  - {name: p, kind: Pod, template: {containers: [{name: c, image: "
        "registry.test/a:1}]}}\n";
    struct run r;
    run_scenario(&r, "t.yaml", text, NULL, NULL, 0);
    const struct kubelet_pull *p = first_pull(&r);
    assert_int_equal(p->code, RUNTIME_ERR_NO_SPACE_UNPACK);
    struct strbuf sb;
    strbuf_init(&sb);
    kubelet_pull_message(r.sc, p, &sb);
    assert_non_null(strstr(sb.buf, "no space left on device"));
    strbuf_release(&sb);
    const struct node *nd = world_node(r.w, 0);
    assert_int_equal(nd->disk_reserved, 0);
    assert_int_equal(node_disk_usage(nd), 125000000);
    run_release(&r);
}

/* Pool 'full' is at 90% from the start (baseline, nothing to reclaim):
 * DiskPressure at once. A Deployment of 2 goes to the roomy node; the
 * DaemonSet's pod for the full node is rejected. */
static void test_pressure_admission(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 10m\nregistries:\n" REG
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 10MB}]}\n"
        "nodePools:\n"
        "  - {name: full, count: 1, nicBandwidth: 1Gbps, disk: {capacity: 1GB, "
        "baselineUsage: 900MB}}\n"
        "  - {name: roomy, count: 1, nicBandwidth: 1Gbps, disk: {capacity: 10GB}}\n"
        "workloads:\n"
        "  - {name: d, kind: Deployment, replicas: 2, at: 30s, template: {containers: "
        "[{name: c, image: registry.test/a:1}]}}\n"
        "  - {name: ds, kind: DaemonSet, at: 30s, template: {containers: "
        "[{name: c, image: registry.test/a:1}]}}\n";
    struct run r;
    run_scenario(&r, "t.yaml", text, NULL, NULL, 0);
    assert_int_equal(r.s.pods, 4);
    assert_int_equal(run_pod(&r, 0)->node, 1);
    assert_int_equal(run_pod(&r, 1)->node, 1);
    assert_int_equal(r.s.pods_unscheduled, 1);
    assert_int_equal(r.s.pods_ready, 3);
    assert_true(r.s.has_disk);
    assert_int_equal(r.s.disk.pods_rejected, 1);
    assert_int_equal(r.s.disk.pressure_transitions, 1);
    assert_true(world_node_disk_pressure(r.w, 0));
    assert_false(world_node_disk_pressure(r.w, 1));
    run_release(&r);
}

/* 800 MB baseline + an unused pre-pulled 100 MB image (200 MB with its
 * snapshot) fill 1 GB. Image GC is off (high threshold 100, no max age:
 * the kubelet does not start it). Pressure at 0 s: the eviction manager deletes the
 * image (detected at kubelet start: old enough) and frees 200 MB (counted
 * 100 MB). The condition stays 5 min after it was last observed (0 s): a
 * pod at 2m is rejected, one at 6m runs. */
static void test_pressure_reclaim_and_transition(void **state)
{
    (void)state;
    static const char text[] = "name: t\nhorizon: 10m\nregistries:\n" REG
        "images:\n  - {ref: registry.test/a:1, layers: [{size: 100MB}]}\n"
        "  - {ref: registry.test/b:1, layers: [{size: 10MB}]}\n"
        "kubeletConfigs:\n  nogc: {imageGCHighThresholdPercent: 100}\n"
        "nodePools:\n"
        "  - {name: p, count: 1, nicBandwidth: 1Gbps, disk: {capacity: 1GB, "
        "baselineUsage: 800MB}, prePulled: [registry.test/a:1]}\n"
        "workloads:\n"
        "  - {name: early, kind: DaemonSet, at: 2m, template: {containers: "
        "[{name: c, image: registry.test/b:1}]}}\n"
        "  - {name: late, kind: DaemonSet, at: 6m, template: {containers: "
        "[{name: c, image: registry.test/b:1}]}}\n";
    struct run r;
    run_scenario(&r, "t.yaml", text, "nogc", NULL, 0);
    assert_int_equal(r.s.disk.gc_invocations, 0);
    assert_int_equal(r.s.disk.reclaim_images_deleted, 1);
    assert_int_equal(r.s.disk.reclaim_bytes_counted, 100000000);
    assert_int_equal(r.s.disk.reclaim_bytes_freed, 200000000);
    assert_int_equal(r.s.disk.pressure_transitions, 1);
    assert_close(r.s.disk.pressure_node_seconds, 300, 1e-9);
    assert_int_equal(r.s.disk.pods_rejected, 1);
    assert_true(isnan(run_pod(&r, 0)->ready));
    assert_false(isnan(run_pod(&r, 1)->ready));
    run_release(&r);
}

/* capacity 0 (unlimited) is the same run as no disk key: no GC or eviction
 * event, no disk output; a huge capacity changes no pod but adds events. */
static void test_no_capacity_no_change(void **state)
{
    (void)state;
#define NOCAP(disk)                                                                       \
    "name: t\nregistries:\n" REG                                                          \
    "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"                    \
    "nodePools:\n  - {name: p, count: 2, nicBandwidth: 1Gbps" disk "}\n"                  \
    "workloads:\n  - {name: d, kind: Deployment, replicas: 4, at: 10s, template: "        \
    "{containers: [{name: c, image: registry.test/a:1}]}}\n"
    struct run a, b, c;
    run_scenario(&a, "t.yaml", NOCAP(""), NULL, NULL, 0);
    run_scenario(&b, "t.yaml", NOCAP(", disk: {capacity: 0B}"), NULL, NULL, 0);
    run_scenario(&c, "t.yaml", NOCAP(", disk: {capacity: 1TB}"), NULL, NULL, 0);
    assert_false(a.s.has_disk || b.s.has_disk);
    assert_true(c.s.has_disk);
    assert_int_equal(a.s.events, b.s.events);
    assert_true(c.s.events > a.s.events);
    assert_close(a.s.last_ready, c.s.last_ready, 0);
    assert_close(a.s.ready_mean, c.s.ready_mean, 0);
    run_release(&a);
    run_release(&b);
    run_release(&c);
}

/* scenarios/gc-thrash.yaml: under 'tight' every node loses tools-a and -b
 * at 5m and tools-c at 15m, and pulls all three again; 'default' keeps
 * them. Counted (compressed) 4 x 2.1 GB, freed 4 x 5.4 GB. */
static void test_gc_thrash_scenario(void **state)
{
    (void)state;
    struct run r;
    run_scenario(&r, "scenarios/gc-thrash.yaml", NULL, "tight", NULL, 0);
    assert_int_equal(r.s.pods_ready, 16);
    assert_int_equal(r.s.disk.gc_images_deleted, 12);
    assert_int_equal(r.s.disk.repulls, 12);
    assert_int_equal(r.s.disk.gc_bytes_counted, 8400000000u);
    assert_int_equal(r.s.disk.gc_bytes_freed, 21600000000u);
    assert_int_equal(r.s.disk.pressure_transitions, 0);
    assert_int_equal(r.s.pulls, 16);
    for (size_t i = 0; i < world_node_count(r.w); i++) /* pause: pinned, kept */
        assert_true(node_has_image(world_node(r.w, i), 0, 0));
    run_release(&r);
    run_scenario(&r, "scenarios/gc-thrash.yaml", NULL, "default", NULL, 0);
    assert_int_equal(r.s.pods_ready, 16);
    assert_int_equal(r.s.disk.gc_images_deleted, 0);
    assert_int_equal(r.s.disk.repulls, 0);
    assert_int_equal(r.s.pulls, 4);
    run_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lru_first_victim),
        cmocka_unit_test(test_lru_two_victims),
        cmocka_unit_test(test_below_high),
        cmocka_unit_test(test_min_age),
        cmocka_unit_test(test_in_use),
        cmocka_unit_test(test_pinned_and_unlimited),
        cmocka_unit_test(test_pull_lease_and_sharing),
        cmocka_unit_test(test_max_age),
        cmocka_unit_test(test_out_of_space_fetch),
        cmocka_unit_test(test_out_of_space_unpack),
        cmocka_unit_test(test_pressure_admission),
        cmocka_unit_test(test_pressure_reclaim_and_transition),
        cmocka_unit_test(test_no_capacity_no_change),
        cmocka_unit_test(test_gc_thrash_scenario),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
