/*
 * test_runtimeclass.c - RuntimeClass image keys (kubelet feature gate
 * RuntimeClassInImageCriApi, runtimeclass.h) on closed-form cases: the
 * scenario vocabulary, a runc pod then a pod of another class on one node
 * with the gate off and on (same snapshotter, other snapshotter), both at
 * once, the gate per node, image GC per (image, handler), and the outcome
 * scenarios/runtimeclass.yaml shows.
 *
 * Setting: 20 ms per request, 3 manifest requests per pull, 1 MB = 10^6 B,
 * NIC 1 Gbps (125 MB/s), registry 10 Gbps, unpack 125 MB/s; one image with
 * one 125 MB layer, 250 MB unpacked. A first pull takes
 *   3 x 0.020 (manifests) + 0.020 (blob GET) + 125/125 (bytes) + 250/125 (unpack)
 *   = 0.080 + 1.000 + 2.000 = 3.080 s.
 * A later pull for another handler pays its manifests (0.060 s), fetches no
 * byte (one content store), and unpacks again only into another snapshotter:
 *   same snapshotter:  0.060 s
 *   other snapshotter: 0.060 + 250/125 = 2.060 s, and 250 MB more on disk.
 */
#include "sim_helpers.h"

#include "model/cluster/imagegc.h"
#include "model/node.h"
#include "model/runtimeclass.h"

#define MB 1000000.0

/* %s: the second pod's template keys before 'containers' (a runtimeClassName
 * or nothing); %s: its creation time. */
#define TWO_PODS                                                                          \
    "name: t\n"                                                                           \
    "registries:\n  - {host: reg.test, egressBandwidth: 10Gbps, latency: 20ms}\n"         \
    "images:\n  - {ref: reg.test/app:1, layers: [{id: app, size: 125MB, "                 \
    "unpackedSize: 250MB}]}\n"                                                            \
    "runtimeClasses:\n  - {name: gvisor, handler: runsc}\n"                               \
    "  - {name: kata, handler: kata-qemu, snapshotter: devmapper}\n"                      \
    "kubeletConfigs:\n  gate-off: {}\n"                                                   \
    "  gate-on: {featureGates: {RuntimeClassInImageCriApi: true}}\n"                      \
    "  gate-on-parallel: {featureGates: {RuntimeClassInImageCriApi: true}, "              \
    "serializeImagePulls: false}\n"                                                       \
    "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, "                           \
    "runtime: {unpackBandwidth: 125MBps}}\n"                                              \
    "workloads:\n"                                                                        \
    "  - {name: runc, kind: Pod, template: {containers: [{name: c, image: reg.test/app:1}]}}\n" \
    "  - {name: second, kind: Pod, at: %s, template: {%scontainers: [{name: c, "          \
    "image: reg.test/app:1}]}}\n"

static void run_two(struct run *r, const char *config, const char *at, const char *klass)
{
    char text[2048];
    snprintf(text, sizeof(text), TWO_PODS, at, klass);
    run_scenario(r, "two.yaml", text, config, NULL, 0);
}

static uint32_t handler_named(const struct scenario *sc, const char *name)
{
    for (uint32_t h = 0; h < sc->n_handlers; h++)
        if (strcmp(sc->handlers[h].name, name) == 0)
            return h;
    fail_msg("no handler %s", name);
    return 0;
}

/* The vocabulary: handlers are interned after the default "", snapshotters
 * after "overlayfs"; two classes on one handler share it; the gate is off
 * unless set; runtimeClassName resolves to a class. */
static void test_scenario_vocabulary(void **state)
{
    (void)state;
    static const char text[] =
        "name: t\nregistries:\n  - {host: reg.test, egressBandwidth: 10Gbps}\n"
        "images:\n  - {ref: reg.test/app:1, layers: [{size: 1MB}]}\n"
        "runtimeClasses:\n  - {name: kata, handler: kata-qemu, snapshotter: devmapper}\n"
        "  - {name: kata-big, handler: kata-qemu, snapshotter: devmapper}\n"
        "  - {name: gvisor, handler: runsc, snapshotter: overlayfs}\n"
        "kubeletConfigs:\n  a: {}\n  b: {featureGates: {RuntimeClassInImageCriApi: true}}\n"
        "  c: {featureGates: {RuntimeClassInImageCriApi: false}}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\n"
        "workloads:\n  - {name: w, kind: Pod, template: {runtimeClassName: kata-big, "
        "containers: [{name: c, image: reg.test/app:1}]}}\n"
        "  - {name: v, kind: Pod, template: {containers: [{name: c, image: reg.test/app:1}]}}\n";
    struct scenario *s = load_scenario_text("t.yaml", text);
    assert_int_equal(s->n_runtime_classes, 3);
    assert_int_equal(s->n_handlers, 3);
    assert_string_equal(s->handlers[0].name, "");
    assert_string_equal(s->handlers[1].name, "kata-qemu");
    assert_string_equal(s->handlers[2].name, "runsc");
    assert_int_equal(s->n_snapshotters, 2);
    assert_string_equal(s->snapshotters[0], "overlayfs");
    assert_string_equal(s->snapshotters[1], "devmapper");
    assert_int_equal(s->runtime_classes[0].handler, 1);
    assert_int_equal(s->runtime_classes[1].handler, 1);
    assert_int_equal(runtimeclass_snapshotter(s, 1), 1);
    assert_int_equal(runtimeclass_snapshotter(s, 2), 0);
    assert_int_equal(s->workloads[0].runtime_class, 1);
    assert_int_equal(s->workloads[1].runtime_class, SCENARIO_NONE);
    const struct scenario_kubelet *a = &s->kubelet_configs[scenario_find_kubelet(s, "a")];
    const struct scenario_kubelet *b = &s->kubelet_configs[scenario_find_kubelet(s, "b")];
    const struct scenario_kubelet *c = &s->kubelet_configs[scenario_find_kubelet(s, "c")];
    assert_false(a->runtime_class_in_image_cri_api);
    assert_true(b->runtime_class_in_image_cri_api);
    assert_false(c->runtime_class_in_image_cri_api);
    /* kuberuntime_container.go: the handler only with the gate on. */
    assert_int_equal(runtimeclass_image_handler(s, a, 0), RUNTIMECLASS_DEFAULT_HANDLER);
    assert_int_equal(runtimeclass_image_handler(s, b, 0), 1);
    assert_int_equal(runtimeclass_image_handler(s, b, 1), RUNTIMECLASS_DEFAULT_HANDLER);
    assert_string_equal(runtimeclass_handler_name(s, 1), "kata-qemu");
    scenario_free(s);
}

/* A runc pod at 0 s, then a pod of another class at 10 s on the same node. */
struct two_case {
    const char *name;
    const char *config;
    const char *klass;      /* the second pod's template keys */
    size_t pulls;
    double second_ready;    /* s after its creation */
    double second_pull;     /* s, its CRI pull; NAN when it has none */
    uint64_t requests;      /* at the registry */
    double disk_used;       /* B on the node at the end */
};

static void test_second_pod(void **state)
{
    (void)state;
    static const struct two_case cases[] = {
        /* Gate off: no handler in the ImageSpec: the image is present. */
        {"gate off, kata", "gate-off", "runtimeClassName: kata, ", 1, 0, NAN, 4, 375 * MB},
        /* Gate on, no runtimeClassName: handler "", present. */
        {"gate on, runc", "gate-on", "", 1, 0, NAN, 4, 375 * MB},
        /* Gate on, runsc on overlayfs: a pull, the HEAD resolve only (the
         * manifest and config are in the shared content store): 0.020 s,
         * 4 + 1 requests. */
        {"gate on, gvisor", "gate-on", "runtimeClassName: gvisor, ", 2, 0.020, 0.020, 5,
         375 * MB},
        /* Gate on, kata-qemu on devmapper: the HEAD + unpack again
         * (250 MB / 125 MB/s = 2.000 s). */
        {"gate on, kata", "gate-on", "runtimeClassName: kata, ", 2, 2.020, 2.020, 5,
         625 * MB},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct two_case *tc = &cases[i];
        print_message("case: %s\n", tc->name);
        struct run r;
        run_two(&r, tc->config, "10s", tc->klass);
        assert_close(run_pod_ready(&r, 0), 3.080, 1e-9);
        assert_close(run_pod_ready(&r, 1), tc->second_ready, 1e-9);
        assert_int_equal(r.s.pulls, tc->pulls);
        assert_int_equal(r.s.layer_transfers, 1);
        assert_close(r.s.bytes_fetched, 125 * MB, 0);
        assert_int_equal(r.s.registries[0].requests, tc->requests);
        if (!isnan(tc->second_pull)) {
            const struct kubelet_pull *p = run_pull(&r, 1);
            assert_int_equal(p->pod, 1);
            assert_int_equal(p->bytes, 0);
            assert_int_equal(p->layers_fetched, 0);
            assert_close(p->finished - p->started, tc->second_pull, 1e-9);
        }
        assert_close((double)world_node(r.w, 0)->disk_used, tc->disk_used, 0);
        run_release(&r);
    }
}

/* Gate on, kata: the node holds two records of the image, (app, "") and
 * (app, kata-qemu), one blob and the chain in both snapshotters. */
static void test_store_after_kata_pull(void **state)
{
    (void)state;
    struct run r;
    run_two(&r, "gate-on", "10s", "runtimeClassName: kata, ");
    const struct scenario *sc = r.sc;
    const struct node *nd = world_node(r.w, 0);
    uint32_t kata = handler_named(sc, "kata-qemu"), chain = sc->images[0].chains[0];
    assert_int_equal(nd->n_images, 2);
    assert_true(node_has_image(nd, 0, RUNTIMECLASS_DEFAULT_HANDLER));
    assert_true(node_has_image(nd, 0, kata));
    assert_false(node_has_image(nd, 0, handler_named(sc, "runsc")));
    assert_int_equal(node_layer_state(nd, sc->images[0].layers[0]), NODE_READY);
    assert_int_equal(node_chain_state(nd, chain, 0), NODE_READY);
    assert_int_equal(node_chain_state(nd, chain, runtimeclass_snapshotter(sc, kata)),
                     NODE_READY);
    run_release(&r);
}

/* Both pods at 0 s, gate on, parallel pulls: the kata pull waits for the
 * blob the runc pull is fetching (it is not fetched twice), then both
 * unpack at once into their own snapshotters (125 MB/s each, no shared
 * disk link): both ready at 0.080 + 1.000 + 2.000 = 3.080 s, one blob
 * download (the kata pull sends its own manifest GETs: when it asks, the
 * runc pull has not stored them yet). Serial pulls: the kata pull starts
 * when the first ends, at 3.080, and takes 0.020 (the HEAD; the rest is in
 * the content store) + 2.000 s: ready at 5.100 s. */
static void test_both_at_once(void **state)
{
    (void)state;
    struct run r;
    run_two(&r, "gate-on-parallel", "0s", "runtimeClassName: kata, ");
    assert_close(run_pod_ready(&r, 0), 3.080, 1e-9);
    assert_close(run_pod_ready(&r, 1), 3.080, 1e-9);
    assert_int_equal(r.s.pulls, 2);
    assert_int_equal(r.s.layer_transfers, 1);
    assert_close(r.s.bytes_fetched, 125 * MB, 0);
    assert_close((double)world_node(r.w, 0)->disk_used, 625 * MB, 0);
    run_release(&r);
    run_two(&r, "gate-on", "0s", "runtimeClassName: kata, ");
    assert_close(run_pod_ready(&r, 1), 5.100, 1e-9);
    assert_int_equal(r.s.layer_transfers, 1);
    run_release(&r);
}

/* The gate is per node, from its kubelet config: a pool whose inline
 * config turns it on pulls for kata; the other pool (the run's config, gate
 * off) finds the image present. */
static void test_gate_per_node(void **state)
{
    (void)state;
    static const char text[] =
        "name: t\nregistries:\n  - {host: reg.test, egressBandwidth: 10Gbps, latency: 20ms}\n"
        "images:\n  - {ref: reg.test/app:1, layers: [{size: 125MB, unpackedSize: 250MB}]}\n"
        "runtimeClasses:\n  - {name: kata, handler: kata-qemu, snapshotter: devmapper}\n"
        "nodePools:\n  - {name: off, count: 1, nicBandwidth: 1Gbps, "
        "runtime: {unpackBandwidth: 125MBps}}\n"
        "  - {name: on, count: 1, nicBandwidth: 1Gbps, runtime: {unpackBandwidth: 125MBps}, "
        "kubelet: {featureGates: {RuntimeClassInImageCriApi: true}}}\n"
        "workloads:\n"
        "  - {name: runc, kind: DaemonSet, template: {containers: [{name: c, "
        "image: reg.test/app:1}]}}\n"
        "  - {name: kata, kind: DaemonSet, at: 10s, template: {runtimeClassName: kata, "
        "containers: [{name: c, image: reg.test/app:1}]}}\n";
    struct run r;
    run_scenario(&r, "per-node.yaml", text, NULL, NULL, 0);
    /* Pods: runc on node 0, 1; kata on node 0 (off), 1 (on). */
    assert_int_equal(run_pod(&r, 2)->node, 0);
    assert_int_equal(run_pod(&r, 3)->node, 1);
    assert_close(run_pod_ready(&r, 2), 0, 1e-12);
    assert_close(run_pod_ready(&r, 3), 2.020, 1e-9); /* HEAD + unpack */
    assert_int_equal(r.s.pulls, 3);
    assert_close((double)world_node(r.w, 0)->disk_used, 375 * MB, 0);
    assert_close((double)world_node(r.w, 1)->disk_used, 625 * MB, 0);
    run_release(&r);
}

/* ------------------------------------------------------------ image GC */

/*
 * Closed-form store: image a = [base 100, la 50] (unpacked = compressed),
 * recorded for the default handler (overlayfs) and for kata-qemu
 * (devmapper): blobs 150 + overlayfs chains 150 + devmapper chains 150 =
 * 450 B of 1000 B, usage% 45. GC counts a at 150 per record.
 */
#define GC_YAML                                                                           \
    "name: t\nregistries:\n  - {host: reg.test, egressBandwidth: 10Gbps}\n"               \
    "images:\n"                                                                           \
    "  - {ref: reg.test/a:1, layers: [{id: base, size: 100B}, {id: la, size: 50B}]}\n"    \
    "runtimeClasses:\n  - {name: kata, handler: kata-qemu, snapshotter: devmapper}\n"     \
    "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, disk: {capacity: 1000B}}\n"

struct store {
    struct scenario *sc;
    struct node nd;
    uint32_t kata, snap; /* handler, its snapshotter */
};

static void store_init(struct store *s)
{
    s->sc = load_scenario_text("gc.yaml", GC_YAML);
    s->nd = (struct node){.cfg = &s->sc->pools[0], .sc = s->sc};
    s->kata = handler_named(s->sc, "kata-qemu");
    s->snap = runtimeclass_snapshotter(s->sc, s->kata);
    node_preload_image(&s->nd, s->sc, 0, false, 0);
    for (size_t k = 0; k < s->sc->images[0].n_layers; k++)
        node_set_chain_state(&s->nd, s->sc->images[0].chains[k], s->snap, NODE_READY);
    node_add_image(&s->nd, 0, s->kata, 0);
    assert_int_equal(s->nd.disk_used, 450);
    assert_int_equal(s->nd.n_images, 2);
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

/* Only the default handler's record is in use (a runc container runs it). */
static bool default_in_use(void *arg, uint32_t image, uint32_t handler)
{
    (void)arg;
    return image == 0 && handler == RUNTIMECLASS_DEFAULT_HANDLER;
}

static struct imagegc_policy policy(uint32_t high, uint32_t low)
{
    return (struct imagegc_policy){.high = high, .low = low, .min_age = 120, .max_age = 0,
                                   .started = 0};
}

/* high 40, low 35: bytesToFree = 1000 * 65 / 100 - 550 = 100. Both records
 * are never used and detected at 0: record order, (a, "") first; counted
 * 150 >= 100, so it is the only one. Freed: its overlayfs chains (150); the
 * blobs stay for (a, kata-qemu). Then deleting (a, kata-qemu) frees its
 * devmapper chains and the blobs: 300. */
static void test_gc_one_handler_at_a_time(void **state)
{
    (void)state;
    struct store s;
    store_init(&s);
    struct imagegc_policy pol = policy(40, 35);
    struct imagegc_result r;
    imagegc_collect(&s.nd, &pol, 1000, nothing_in_use, &s, &r);
    assert_true(r.over_high);
    assert_int_equal(r.bytes_to_free, 100);
    assert_int_equal(r.deleted, 1);
    assert_int_equal(r.counted, 150);
    assert_int_equal(r.freed, 150);
    assert_false(node_has_image(&s.nd, 0, RUNTIMECLASS_DEFAULT_HANDLER));
    assert_true(node_has_image(&s.nd, 0, s.kata));
    const struct scenario_image *im = &s.sc->images[0];
    for (size_t k = 0; k < im->n_layers; k++) {
        assert_int_equal(node_layer_state(&s.nd, im->layers[k]), NODE_READY);
        assert_int_equal(node_chain_state(&s.nd, im->chains[k], 0), NODE_ABSENT);
        assert_int_equal(node_chain_state(&s.nd, im->chains[k], s.snap), NODE_READY);
    }
    assert_int_equal(node_delete_image(&s.nd, 0, s.kata), 300);
    assert_int_equal(s.nd.disk_used, 0);
    store_release(&s);
}

/* (a, "") in use: the candidate is (a, kata-qemu) alone; deleting it frees
 * only the devmapper chains (150): the blobs and overlayfs chains are the
 * running record's. An active pull for kata-qemu keeps its chains too. */
static void test_gc_in_use_per_handler(void **state)
{
    (void)state;
    struct store s;
    store_init(&s);
    struct imagegc_policy pol = policy(40, 35);
    struct imagegc_result r;
    imagegc_collect(&s.nd, &pol, 1000, default_in_use, &s, &r);
    assert_int_equal(r.deleted, 1);
    assert_int_equal(r.freed, 150);
    assert_true(node_has_image(&s.nd, 0, RUNTIMECLASS_DEFAULT_HANDLER));
    assert_false(node_has_image(&s.nd, 0, s.kata));
    assert_int_equal(s.nd.disk_used, 300);
    /* A re-pull for kata-qemu is counted as one; a lease on the devmapper
     * chains keeps them from the default record's deletion. */
    node_add_image(&s.nd, 0, s.kata, 2000);
    assert_int_equal(s.nd.gc_repulls, 1);
    for (size_t k = 0; k < s.sc->images[0].n_layers; k++)
        node_set_chain_state(&s.nd, s.sc->images[0].chains[k], s.snap, NODE_READY);
    assert_int_equal(node_delete_image(&s.nd, 0, s.kata), 150);
    node_add_pull(&s.nd, 7, 0, s.kata);
    for (size_t k = 0; k < s.sc->images[0].n_layers; k++)
        node_set_chain_state(&s.nd, s.sc->images[0].chains[k], s.snap, NODE_READY);
    node_add_image(&s.nd, 0, s.kata, 3000);
    assert_int_equal(node_delete_image(&s.nd, 0, s.kata), 0);
    node_remove_pull(&s.nd, 7);
    store_release(&s);
}

/* The world's in-use check is per handler: a node pre-pulled with app
 * (1 layer, 100 MB, 200 MB unpacked: 300 MB of 1 GB) runs kata pods; with
 * the gate on they pull (app, kata-qemu) (0 bytes, 200 MB unpacked into
 * devmapper: 500 MB, 50%), and the GC run at 5m (high 40, low 30: free
 * 1000 * 70 / 100 - 500 = 200 MB) deletes the unused (app, "") record -
 * counted 100 MB, freed its 200 MB overlayfs chain, still short: failed.
 * With the gate off the kata pods use (app, ""): nothing to delete. */
static void test_gc_world_per_handler(void **state)
{
    (void)state;
    static const char text[] =
        "name: t\nregistries:\n  - {host: reg.test, egressBandwidth: 10Gbps, latency: 20ms}\n"
        "images:\n  - {ref: reg.test/app:1, layers: [{size: 100MB, unpackedSize: 200MB}]}\n"
        "runtimeClasses:\n  - {name: kata, handler: kata-qemu, snapshotter: devmapper}\n"
        "kubeletConfigs:\n"
        "  off: {imageGCHighThresholdPercent: 40, imageGCLowThresholdPercent: 30}\n"
        "  on: {imageGCHighThresholdPercent: 40, imageGCLowThresholdPercent: 30, "
        "featureGates: {RuntimeClassInImageCriApi: true}}\n"
        "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps, disk: {capacity: 1GB}, "
        "prePulled: [reg.test/app:1]}\n"
        "workloads:\n  - {name: kata, kind: Pod, template: {runtimeClassName: kata, "
        "containers: [{name: c, image: reg.test/app:1}]}}\n";
    struct run r;
    run_scenario(&r, "gc-world.yaml", text, "on", NULL, 0);
    assert_int_equal(r.s.pulls, 1);
    assert_close(r.s.bytes_fetched, 0, 0);
    assert_int_equal(r.s.disk.gc_images_deleted, 1);
    assert_int_equal(r.s.disk.gc_bytes_counted, 100000000u);
    assert_int_equal(r.s.disk.gc_bytes_freed, 200000000u);
    assert_int_equal(r.s.disk.gc_failed, 1);
    const struct node *nd = world_node(r.w, 0);
    assert_false(node_has_image(nd, 0, 0));
    assert_true(node_has_image(nd, 0, handler_named(r.sc, "kata-qemu")));
    assert_int_equal(nd->disk_used, 300000000u);
    run_release(&r);
    run_scenario(&r, "gc-world.yaml", text, "off", NULL, 0);
    assert_int_equal(r.s.pulls, 0);
    assert_int_equal(r.s.disk.gc_images_deleted, 0);
    assert_true(node_has_image(world_node(r.w, 0), 0, 0));
    run_release(&r);
}

/* scenarios/runtimeclass.yaml (numbers derived in its header). */
static void test_runtimeclass_scenario(void **state)
{
    (void)state;
    struct run r;
    run_scenario(&r, "scenarios/runtimeclass.yaml", NULL, "gate-off", NULL, 0);
    assert_int_equal(r.s.pods_ready, 12);
    assert_int_equal(r.s.pulls, 4);
    assert_close(r.s.ready_max, 3.680, 1e-9);
    assert_close(r.s.bytes_fetched, 800 * MB, 0);
    assert_int_equal(r.s.registries[0].requests, 16);
    for (uint32_t p = 4; p < 12; p++)
        assert_close(run_pod_ready(&r, p), 0, 1e-12);
    run_release(&r);
    run_scenario(&r, "scenarios/runtimeclass.yaml", NULL, "gate-on", NULL, 0);
    assert_int_equal(r.s.pods_ready, 12);
    assert_int_equal(r.s.pulls, 12);
    assert_close(r.s.bytes_fetched, 800 * MB, 0);
    assert_int_equal(r.s.registries[0].requests, 24);
    for (uint32_t p = 4; p < 8; p++)
        assert_close(run_pod_ready(&r, p), 0.020, 1e-9);
    for (uint32_t p = 8; p < 12; p++)
        assert_close(run_pod_ready(&r, p), 2.020, 1e-9);
    for (size_t i = 0; i < world_node_count(r.w); i++)
        assert_int_equal(world_node(r.w, i)->disk_used, 1000000000u);
    run_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_vocabulary),
        cmocka_unit_test(test_second_pod),
        cmocka_unit_test(test_store_after_kata_pull),
        cmocka_unit_test(test_both_at_once),
        cmocka_unit_test(test_gate_per_node),
        cmocka_unit_test(test_gc_one_handler_at_a_time),
        cmocka_unit_test(test_gc_in_use_per_handler),
        cmocka_unit_test(test_gc_world_per_handler),
        cmocka_unit_test(test_runtimeclass_scenario),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
