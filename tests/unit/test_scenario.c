/* test_scenario.c - scenario_load: defaults, kubelet config rules, layer and
 * chain interning, --set, effective YAML, and diagnostics (line:col, text). */
#include "spec/scenario.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Fails with the case name, so a table row that breaks names itself. */
#define case_assert(cond, name)                                                           \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            print_error("case '%s': %s\n", (name), #cond);                                \
            fail();                                                                       \
        }                                                                                 \
    } while (0)

/* A small valid scenario; cases add to it or change one line of it. */
static const char BASE[] =
    "registries:\n"                            /* 1 */
    "  - host: docker.io\n"                    /* 2 */
    "    egressBandwidth: 10Gbps\n"            /* 3 */
    "images:\n"                                /* 4 */
    "  - ref: nginx:1.27\n"                    /* 5 */
    "    layers:\n"                            /* 6 */
    "      - {id: base, size: 29MB}\n"         /* 7 */
    "      - {size: 41MB}\n"                   /* 8 */
    "nodePools:\n"                             /* 9 */
    "  - name: general\n"                      /* 10 */
    "    count: 2\n"                           /* 11 */
    "    nicBandwidth: 1Gbps\n"                /* 12 */
    "workloads:\n"                             /* 13 */
    "  - name: web\n"                          /* 14 */
    "    kind: Deployment\n"                   /* 15 */
    "    replicas: 2\n"                        /* 16 */
    "    template:\n"                          /* 17 */
    "      containers:\n"                      /* 18 */
    "        - {name: web, image: nginx:1.27}\n"; /* 19 */

/* Diagnostics of one load, captured in memory. */
struct result {
    struct scenario *s;
    char *text; /* everything printed */
    size_t len;
    size_t errors;
};

static struct result load_with(const char *path, const char *yaml,
                               const struct scenario_override *sets, size_t n_sets,
                               bool has_seed, uint64_t seed)
{
    struct result r = {0};
    FILE *f = open_memstream(&r.text, &r.len);
    assert_non_null(f);
    struct diag d;
    diag_init(&d, f);
    r.s = scenario_load_string(path, yaml, sets, n_sets, has_seed, seed, &d);
    diag_finish(&d);
    r.errors = d.errors;
    diag_release(&d);
    fclose(f);
    /* The contract: NULL exactly when an error was reported. */
    assert_int_equal(r.s == NULL, r.errors > 0);
    return r;
}

static struct result load(const char *yaml)
{
    return load_with("t.yaml", yaml, NULL, 0, false, 0);
}

static void result_free(struct result *r)
{
    scenario_free(r->s);
    free(r->text);
}

/* BASE with one exact substring replaced (it must occur once). */
static char *base_with(const char *from, const char *to)
{
    const char *at = strstr(BASE, from);
    assert_non_null(at);
    assert_null(strstr(at + 1, from));
    size_t pre = (size_t)(at - BASE);
    return xasprintf("%.*s%s%s", (int)pre, BASE, to, at + strlen(from));
}

static struct result load_ok(const char *yaml)
{
    struct result r = load(yaml);
    if (!r.s)
        print_error("unexpected diagnostics:\n%s", r.text);
    assert_non_null(r.s);
    assert_int_equal(r.len, 0); /* nothing printed on success */
    return r;
}

/* ------------------------------------------------------------ defaults */

static void test_defaults(void **state)
{
    (void)state;
    struct result r = load_with("some/dir/rollout-1.yaml", BASE, NULL, 0, false, 0);
    assert_non_null(r.s);
    const struct scenario *s = r.s;
    assert_string_equal(s->name, "rollout-1");
    assert_true(s->seed == 1);
    assert_close(s->horizon, 86400, 0);
    assert_close(s->sample_interval, 1, 0);
    assert_false(s->always_pull_images);

    assert_int_equal(s->n_registries, 1);
    assert_string_equal(s->registries[0].host, "docker.io");
    assert_close(s->registries[0].egress_bandwidth, 1.25e9, 1e-3);
    assert_true(isinf(s->registries[0].per_connection_bandwidth));
    assert_int_equal(s->registries[0].latency.kind, SCENARIO_DIST_CONSTANT);
    assert_close(s->registries[0].latency.a, 0, 0);
    assert_int_equal(s->registries[0].manifest_requests, 3);
    assert_int_equal(s->registries[0].loc.line, 2);
    assert_int_equal(s->registries[0].loc.col, 5);

    assert_int_equal(s->n_images, 1);
    assert_string_equal(s->images[0].ref, "nginx:1.27");
    assert_string_equal(s->images[0].normalized, "docker.io/library/nginx:1.27");
    assert_string_equal(s->images[0].name, "docker.io/library/nginx");
    assert_int_equal(s->images[0].registry, 0);
    assert_int_equal(s->images[0].n_platforms, 0);
    assert_int_equal(s->n_layers, 2);
    assert_string_equal(s->layers[0].id, "base");
    assert_string_equal(s->layers[1].id, "nginx:1.27#1");
    assert_true(s->layers[1].size == 41000000);
    assert_true(s->layers[1].unpacked_size == 41000000);

    assert_int_equal(s->n_kubelet_configs, 0);
    const struct scenario_pool *p = &s->pools[0];
    assert_string_equal(p->name, "general");
    assert_int_equal(p->count, 2);
    assert_string_equal(p->arch, "amd64");
    assert_close(p->nic_bandwidth, 1.25e8, 1e-6);
    assert_true(isinf(p->disk_write_bandwidth));
    assert_true(p->disk_capacity == 0);
    assert_int_equal(p->kubelet, SCENARIO_NONE);
    assert_int_equal(p->runtime.max_concurrent_downloads, 3);
    assert_int_equal(p->runtime.scope, SCENARIO_DOWNLOADS_PER_NODE);
    assert_true(isinf(p->runtime.unpack_bandwidth));
    assert_int_equal(p->max_pods, 110);
    assert_int_equal(p->n_pre_pulled, 0);

    const struct scenario_workload *w = &s->workloads[0];
    assert_int_equal(w->kind, SCENARIO_KIND_DEPLOYMENT);
    assert_int_equal(w->replicas, 2);
    assert_close(w->at, 0, 0);
    assert_int_equal(w->placement, SCENARIO_PLACE_SPREAD);
    assert_int_equal(w->pool, SCENARIO_NONE);
    assert_int_equal(w->n_containers, 1);
    assert_int_equal(w->n_init, 0);
    assert_string_equal(w->containers[0].image, "nginx:1.27");
    assert_int_equal(w->containers[0].image_idx, 0);
    assert_int_equal(w->containers[0].pull_policy, SCENARIO_PULL_IF_NOT_PRESENT);
    assert_false(w->containers[0].init);
    assert_int_equal(s->n_events, 0);
    assert_non_null(s->effective_yaml);
    result_free(&r);
}

static void test_kubelet_defaults_function(void **state)
{
    (void)state;
    struct scenario_kubelet k;
    memset(&k, 0xab, sizeof(k));
    scenario_kubelet_defaults(&k);
    assert_null(k.name);
    assert_false(k.inline_config);
    assert_true(k.serialize_image_pulls);
    assert_int_equal(k.max_parallel_image_pulls, 0);
    assert_close(k.registry_pull_qps, 5, 0);
    assert_int_equal(k.registry_burst, 10);
}

/* ---------------------------------------------------- kubelet configs */

struct kubelet_case {
    const char *config; /* flow mapping of kubelet keys */
    bool serialize;
    uint32_t max_parallel;
    double qps;
    uint32_t burst;
    const char *err; /* substring of the first error, NULL when valid */
};

/* Source: spec/kubelet-semantics.md §6 (defaults.go, validation.go). */
static const struct kubelet_case kubelet_cases[] = {
    {"{}", true, 0, 5, 10, NULL},
    {"{maxParallelImagePulls: 5}", false, 5, 5, 10, NULL}, /* >= 2 defaults serialize off */
    {"{maxParallelImagePulls: 2}", false, 2, 5, 10, NULL}, /* the boundary */
    {"{maxParallelImagePulls: 1}", true, 1, 5, 10, NULL},
    {"{serializeImagePulls: false}", false, 0, 5, 10, NULL},
    {"{serializeImagePulls: false, maxParallelImagePulls: 1}", false, 1, 5, 10, NULL},
    {"{serializeImagePulls: true, maxParallelImagePulls: 1}", true, 1, 5, 10, NULL},
    {"{registryPullQPS: 0, registryBurst: 0}", true, 0, 0, 0, NULL},
    {"{registryPullQPS: 2.5, registryBurst: 3}", true, 0, 2.5, 3, NULL},
    {"{serializeImagePulls: true, maxParallelImagePulls: 2}", 0, 0, 0, 0,
     "k.yaml:2:57: error: invalid configuration: maxParallelImagePulls cannot be larger than 1 "
     "unless SerializeImagePulls (--serialize-image-pulls) is set to false"},
    {"{maxParallelImagePulls: 0}", 0, 0, 0, 0,
     "k.yaml:2:30: error: invalid configuration: maxParallelImagePulls 0 must be a positive "
     "number"},
    {"{serializeImagePulls: false, maxParallelImagePulls: -3}", 0, 0, 0, 0,
     "invalid configuration: maxParallelImagePulls -3 must be a positive number"},
    {"{registryBurst: -1}", 0, 0, 0, 0,
     "k.yaml:2:22: error: invalid configuration: registryBurst (--registry-burst) -1 must not "
     "be a negative number"},
    {"{registryPullQPS: -1}", 0, 0, 0, 0,
     "invalid configuration: registryPullQPS (--registry-qps) -1 must not be a negative "
     "number"},
    {"{maxParallelImagePulls: 2.5}", 0, 0, 0, 0, "maxParallelImagePulls: '2.5' is not an integer"},
    {"{maxParallelImagePulls: 3000000000}", 0, 0, 0, 0,
     "maxParallelImagePulls: 3000000000 is out of range"},
    {"{serializeImagePulls: True}", 0, 0, 0, 0,
     "serializeImagePulls: 'True' is not a boolean; expected true or false"},
    {"{serialiseImagePulls: false}", 0, 0, 0, 0,
     "unknown key 'serialiseImagePulls' in kubeletConfigs.k; did you mean "
     "'serializeImagePulls'?"},
    {"[]", 0, 0, 0, 0, "kubeletConfigs.k: expected a mapping, got a list"},
};

static void test_kubelet_configs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kubelet_cases) / sizeof(kubelet_cases[0]); i++) {
        const struct kubelet_case *tc = &kubelet_cases[i];
        char *yaml = xasprintf("kubeletConfigs:\n  k: %s\n%s", tc->config, BASE);
        struct result r = load_with("k.yaml", yaml, NULL, 0, false, 0);
        if (!tc->err) {
            case_assert(r.s != NULL, tc->config);
            const struct scenario_kubelet *k = &r.s->kubelet_configs[0];
            case_assert(r.s->n_kubelet_configs == 1, tc->config);
            case_assert(!strcmp(k->name, "k") && !k->inline_config, tc->config);
            case_assert(k->serialize_image_pulls == tc->serialize, tc->config);
            case_assert(k->max_parallel_image_pulls == tc->max_parallel, tc->config);
            case_assert(k->registry_pull_qps == tc->qps, tc->config);
            case_assert(k->registry_burst == tc->burst, tc->config);
            case_assert(k->loc.line == 2 && k->loc.col == 3, tc->config);
        } else {
            if (!r.text || !strstr(r.text, tc->err))
                print_error("got:\n%s", r.text ? r.text : "");
            case_assert(r.s == NULL, tc->config);
            case_assert(strstr(r.text, tc->err) != NULL, tc->config);
        }
        result_free(&r);
        free(yaml);
    }
}

/* A pool's inline kubelet keys become a config named "<pool>.kubelet",
 * after the named ones; a name refers to a named config. */
static void test_pool_kubelets(void **state)
{
    (void)state;
    char *pools = base_with("    nicBandwidth: 1Gbps\n",
                            "    nicBandwidth: 1Gbps\n"
                            "    kubelet: serial\n"
                            "  - name: fast\n"
                            "    count: 1\n"
                            "    nicBandwidth: 10Gbps\n"
                            "    kubelet: {maxParallelImagePulls: 3}\n"
                            "  - name: slow\n"
                            "    count: 1\n"
                            "    nicBandwidth: 100Mbps\n"
                            "    kubelet: parallel5\n");
    char *text = xasprintf("kubeletConfigs:\n"
                           "  serial: {serializeImagePulls: true}\n"
                           "  parallel5: {serializeImagePulls: false, maxParallelImagePulls: 5}\n"
                           "%s",
                           pools);
    struct result r = load_ok(text);
    const struct scenario *s = r.s;
    assert_int_equal(s->n_kubelet_configs, 3);
    assert_string_equal(s->kubelet_configs[0].name, "serial");
    assert_string_equal(s->kubelet_configs[1].name, "parallel5");
    assert_string_equal(s->kubelet_configs[2].name, "fast.kubelet");
    assert_true(s->kubelet_configs[2].inline_config);
    assert_false(s->kubelet_configs[2].serialize_image_pulls);
    assert_int_equal(s->kubelet_configs[2].max_parallel_image_pulls, 3);
    assert_int_equal(s->pools[0].kubelet, 0);
    assert_int_equal(s->pools[1].kubelet, 2);
    assert_int_equal(s->pools[2].kubelet, 1);
    assert_int_equal(scenario_find_kubelet(s, "parallel5"), 1);
    assert_int_equal(scenario_find_kubelet(s, "fast.kubelet"), 2);
    assert_int_equal(scenario_find_kubelet(s, "nope"), SCENARIO_NONE);
    result_free(&r);
    free(text);
    free(pools);
}

/* ---------------------------------------------------- layers, chains */

static void test_layers_and_chains(void **state)
{
    (void)state;
    static const char yaml[] =
        "registries:\n"
        "  - {host: docker.io, egressBandwidth: 1Gbps}\n"
        "  - {host: 'registry.example.com:5000', egressBandwidth: 1Gbps}\n"
        "images:\n"
        "  - ref: a:1\n"
        "    layers: [{id: base, size: 10MB, unpackedSize: 25MB}, {id: x, size: 1MB}]\n"
        "  - ref: registry.example.com:5000/team/b:2\n"
        "    platforms: [linux/amd64, linux/arm64/v8]\n"
        "    layers: [{id: base, size: 10MB, unpackedSize: 25MB}, {id: y, size: 2MB}]\n"
        "  - ref: c:3\n"
        "    layers: [{id: base, size: 10MB, unpackedSize: 25MB}, {id: x, size: 1MB},\n"
        "             {size: 5MB}]\n"
        "  - ref: d:4\n"
        "    layers: [{id: x, size: 1MB}]\n"
        "nodePools: [{name: p, count: 1, nicBandwidth: 1Gbps}]\n"
        "workloads: []\n";
    struct result r = load_ok(yaml);
    const struct scenario *s = r.s;
    /* layers: base, x, y, c:3#2 */
    assert_int_equal(s->n_layers, 4);
    assert_string_equal(s->layers[0].id, "base");
    assert_true(s->layers[0].unpacked_size == 25000000);
    assert_string_equal(s->layers[3].id, "c:3#2");
    assert_int_equal(s->images[1].registry, 1);
    assert_string_equal(s->images[1].normalized, "registry.example.com:5000/team/b:2");
    assert_int_equal(s->images[1].n_platforms, 2);
    assert_string_equal(s->images[1].platforms[1], "linux/arm64/v8");
    /* chains: (-,base)=0, (0,x)=1, (0,y)=2, (1,c#2)=3, (-,x)=4 */
    assert_int_equal(s->n_chains, 5);
    static const uint32_t want_chains[4][3] = {{0, 1}, {0, 2}, {0, 1, 3}, {4}};
    for (size_t i = 0; i < 4; i++)
        for (size_t k = 0; k < s->images[i].n_layers; k++)
            assert_int_equal(s->images[i].chains[k], want_chains[i][k]);
    assert_int_equal(s->chains[0].parent, SCENARIO_NONE);
    assert_int_equal(s->chains[3].parent, 1);
    assert_int_equal(s->chains[3].layer, 3);
    assert_int_equal(s->chains[4].parent, SCENARIO_NONE);
    assert_int_equal(s->chains[4].layer, 1);
    result_free(&r);
}

/* ------------------------------------------------- pods and policies */

static void test_workload_shapes(void **state)
{
    (void)state;
    static const char yaml[] =
        "registries: [{host: docker.io, egressBandwidth: 10Gbps}]\n"
        "images:\n"
        "  - {ref: 'nginx:1.27', layers: [{size: 1MB}]}\n"
        "  - {ref: 'nginx:latest', layers: [{size: 1MB}]}\n"
        "nodePools: [{name: general, count: 2, nicBandwidth: 1Gbps}]\n"
        "workloads:\n"
        "  - name: web\n"
        "    kind: Deployment\n"
        "    template:\n"
        "      initContainers:\n"
        "        - {name: migrate, image: nginx, runFor: 1m30s}\n"
        "      containers:\n"
        "        - {name: web, image: 'nginx:1.27', imagePullPolicy: Never}\n"
        "        - {name: side, image: 'docker.io/library/nginx:latest'}\n"
        "  - name: agent\n"
        "    kind: DaemonSet\n"
        "    pool: general\n"
        "    at: 250ms\n"
        "    template: {containers: [{name: a, image: 'nginx:1.27'}]}\n"
        "  - name: one\n"
        "    kind: Pod\n"
        "    placement: packed\n"
        "    template: {containers: [{name: a, image: 'nginx:1.27'}]}\n"
        "events:\n"
        "  - {at: 10m, scaleOut: {pool: general, count: 100}}\n";
    struct result r = load_ok(yaml);
    const struct scenario *s = r.s;
    assert_int_equal(s->n_workloads, 3);
    const struct scenario_workload *w = &s->workloads[0];
    assert_int_equal(w->replicas, 1);
    assert_int_equal(w->n_containers, 3);
    assert_int_equal(w->n_init, 1);
    assert_string_equal(w->containers[0].name, "migrate");
    assert_true(w->containers[0].init);
    assert_close(w->containers[0].run_for, 90, 0);
    assert_int_equal(w->containers[0].image_idx, 1); /* "nginx" is nginx:latest */
    assert_int_equal(w->containers[0].pull_policy, SCENARIO_PULL_ALWAYS);
    assert_false(w->containers[1].init);
    assert_close(w->containers[1].run_for, 0, 0);
    assert_int_equal(w->containers[1].pull_policy, SCENARIO_PULL_NEVER);
    assert_int_equal(w->containers[2].pull_policy, SCENARIO_PULL_ALWAYS);
    assert_int_equal(w->containers[2].image_idx, 1);
    const struct scenario_workload *ds = &s->workloads[1];
    assert_int_equal(ds->kind, SCENARIO_KIND_DAEMONSET);
    assert_int_equal(ds->replicas, 0);
    assert_int_equal(ds->pool, 0);
    assert_close(ds->at, 0.25, 0);
    const struct scenario_workload *pod = &s->workloads[2];
    assert_int_equal(pod->kind, SCENARIO_KIND_POD);
    assert_int_equal(pod->replicas, 1);
    assert_int_equal(pod->placement, SCENARIO_PLACE_PACKED);
    assert_int_equal(s->n_events, 1);
    assert_int_equal(s->events[0].kind, SCENARIO_EVENT_SCALE_OUT);
    assert_close(s->events[0].at, 600, 0);
    assert_int_equal(s->events[0].pool, 0);
    assert_int_equal(s->events[0].count, 100);
    result_free(&r);
}

/* AlwaysPullImages admission (spec §12) sets every policy to Always. */
static void test_always_pull_images(void **state)
{
    (void)state;
    char *yaml = base_with("{name: web, image: nginx:1.27}",
                           "{name: web, image: nginx:1.27, imagePullPolicy: Never}");
    char *text = xasprintf("admission: {alwaysPullImages: true}\n%s", yaml);
    struct result r = load_ok(text);
    assert_true(r.s->always_pull_images);
    assert_int_equal(r.s->workloads[0].containers[0].pull_policy, SCENARIO_PULL_ALWAYS);
    result_free(&r);
    free(text);
    free(yaml);
}

struct latency_case {
    const char *latency;
    enum scenario_dist_kind kind;
    double a, b;
};

static void test_latency_forms(void **state)
{
    (void)state;
    static const struct latency_case cases[] = {
        {"20ms", SCENARIO_DIST_CONSTANT, 0.02, 0},
        {"{dist: constant, value: 1s}", SCENARIO_DIST_CONSTANT, 1, 0},
        {"{dist: exponential, mean: 40ms}", SCENARIO_DIST_EXPONENTIAL, 0.04, 0},
        {"{dist: lognormal, median: 40ms, sigma: 0.4}", SCENARIO_DIST_LOGNORMAL, 0.04, 0.4},
        {"{dist: uniform, min: 10ms, max: 30ms}", SCENARIO_DIST_UNIFORM, 0.01, 0.03},
        {"{dist: uniform, min: 10ms, max: 10ms}", SCENARIO_DIST_UNIFORM, 0.01, 0.01},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *line = xasprintf("    egressBandwidth: 10Gbps\n    latency: %s\n", cases[i].latency);
        char *yaml = base_with("    egressBandwidth: 10Gbps\n", line);
        struct result r = load(yaml);
        case_assert(r.s != NULL, cases[i].latency);
        const struct scenario_dist *d = &r.s->registries[0].latency;
        case_assert(d->kind == cases[i].kind, cases[i].latency);
        case_assert(fabs(d->a - cases[i].a) < 1e-12, cases[i].latency);
        case_assert(fabs(d->b - cases[i].b) < 1e-12, cases[i].latency);
        result_free(&r);
        free(yaml);
        free(line);
    }
}

/* --------------------------------------------------------- diagnostics */

struct error_case {
    const char *name;
    const char *from, *to; /* BASE edit; from == NULL: 'to' is the whole file */
    const char *want;      /* prefix "t.yaml:L:C: error: " + substring of the first line */
};

static const struct error_case error_cases[] = {
    {"unknown key, close", "    count: 2\n", "    cuont: 2\n",
     "t.yaml:11:5: error: unknown key 'cuont' in nodePools[0]; did you mean 'count'?"},
    {"unknown key, far", "    count: 2\n", "    count: 2\n    zones: 3\n",
     "t.yaml:12:5: error: unknown key 'zones' in nodePools[0]; expected one of: arch, count, "
     "credentials, disk, kubelet, maxPods, name, nicBandwidth, pinnedImages, prePulled and 2 "
     "more"},
    {"bare number bandwidth", "1Gbps", "1000",
     "t.yaml:12:19: error: nicBandwidth: '1000' has no unit; expected a number followed by bps"},
    {"bad unit", "29MB", "29Mb", "t.yaml:7:26: error: size: '29Mb' is not a size"},
    {"count limit", "count: 2", "count: 1000001",
     "t.yaml:11:12: error: count: 1000001 exceeds the limit of 1000000 nodes per pool"},
    {"integer overflow", "count: 2", "count: 99999999999999999999999",
     "t.yaml:11:12: error: count: 99999999999999999999999 exceeds the limit of 1000000 nodes "
     "per pool"},
    {"negative replicas", "replicas: 2", "replicas: -1",
     "t.yaml:16:15: error: replicas: -1 is out of range; expected an integer from 0 to 10000000"},
    {"empty value", "replicas: 2", "replicas:",
     "t.yaml:16:14: error: replicas: expected an integer, got an empty value"},
    {"quoted number is fine", "replicas: 2", "replicas: '2'", NULL},
    {"list for scalar", "count: 2", "count: [2]",
     "t.yaml:11:12: error: count: expected an integer, got a list"},
    {"dangling image", "image: nginx:1.27}", "image: nginx:1.26}",
     "t.yaml:19:30: error: image: no images entry for 'nginx:1.26' "
     "('docker.io/library/nginx:1.26'); expected one of: nginx:1.27"},
    {"kind", "kind: Deployment", "kind: deployment",
     "t.yaml:15:11: error: kind: 'deployment' is not a workload kind; expected one of: "
     "DaemonSet, Deployment, Pod; "
     "did you mean 'Deployment'?"},
    {"layer size conflict", "  - ref: nginx:1.27\n",
     "  - ref: busybox:1\n    layers: [{id: base, size: 30MB}]\n  - ref: nginx:1.27\n",
     "t.yaml:9:26: error: layer 'base' has size 29MB; a layer id names one blob\n"
     "t.yaml:6:14: note: 'base' first defined here with size 30MB"},
    {"duplicate key", "    count: 2\n", "    count: 2\n    count: 3\n",
     "t.yaml:12:5: error: duplicate key 'count'; a key may appear once in a mapping\n"
     "t.yaml:11:5: note: 'count' first defined here"},
    {"alias", "    count: 2\n", "    count: &n 2\n    maxPods: *n\n",
     "t.yaml:12:14: error: alias '*n': aliases are not supported"},
    {"syntax", "    count: 2\n", "    count: [2\n",
     "t.yaml:12:17: error: YAML syntax error: did not find expected ',' or ']'\n"
     "t.yaml:11:12: note: while parsing a flow sequence that starts here"},
    {"empty file", NULL, "# nothing\n", "t.yaml:1:1: error: the file is empty"},
    {"null document", NULL, "~\n", "t.yaml:1:1: error: the file is empty"},
    {"scalar document", NULL, "hello\n",
     "t.yaml:1:1: error: expected a mapping with keys registries"},
    {"nul in scalar", "general", "\"gen\\0eral\"",
     "t.yaml:10:11: error: the value contains a NUL character"},
    {"seed", "registries:", "seed: -1\nregistries:",
     "t.yaml:1:7: error: seed: '-1' is not an integer from 0 to 18446744073709551615"},
    {"empty list", "workloads:", "events: {}\nworkloads:",
     "t.yaml:13:9: error: events: expected a list, got a mapping"},
    {"daemonset with a pool", "    kind: Deployment\n    replicas: 2\n",
     "    kind: DaemonSet\n    pool: general\n", NULL},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        const struct error_case *tc = &error_cases[i];
        if (!tc->to)
            continue;
        char *yaml = tc->from ? base_with(tc->from, tc->to) : xstrdup(tc->to);
        struct result r = load(yaml);
        if (tc->want && (!r.text || !strstr(r.text, tc->want)))
            print_error("got:\n%s", r.text ? r.text : "");
        if (!tc->want) {
            case_assert(r.s != NULL, tc->name);
        } else {
            case_assert(r.s == NULL, tc->name);
            /* the first line printed starts with the expected text */
            case_assert(r.text && !strncmp(r.text, tc->want, strcspn(tc->want, "\n")) &&
                            strstr(r.text, tc->want) != NULL,
                        tc->name);
        }
        result_free(&r);
        free(yaml);
    }
}

/* Every problem is reported, the cap applies, and the count follows. */
static void test_many_errors(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_addf(&sb, "%s", BASE);
    for (int i = 0; i < 25; i++)
        strbuf_addf(&sb, "  - {name: w%d, kind: Pod, replicas: 3, template: {containers: "
                         "[{name: a, image: 'nginx:1.27'}]}}\n", i);
    struct result r = load(sb.buf);
    assert_null(r.s);
    assert_int_equal(r.errors, 25);
    assert_non_null(strstr(r.text, "replicas: only a Deployment has replicas; a Pod runs one "
                                   "pod"));
    assert_non_null(strstr(r.text, "25 errors in total (output stops after 20 lines)\n"));
    result_free(&r);
    strbuf_release(&sb);
}

static void test_totals(void **state)
{
    (void)state;
    char *yaml = xasprintf("%s"
                           "  - name: agent\n"
                           "    kind: DaemonSet\n"
                           "    template: {containers: [{name: a, image: 'nginx:1.27'}]}\n"
                           "events:\n"
                           "  - {at: 1m, scaleOut: {pool: general, count: 999998}}\n"
                           "  - {at: 2m, scaleOut: {pool: general, count: 1}}\n",
                           BASE);
    struct result r = load(yaml);
    assert_null(r.s);
    assert_non_null(strstr(r.text, "t.yaml:25:47: error: count: the pools would have 1000001 "
                                   "nodes in total after this scale-out, over the limit of "
                                   "1000000 nodes"));
    result_free(&r);
    free(yaml);
}

/* ------------------------------------------------- --set, --seed, YAML */

static void test_set_and_seed(void **state)
{
    (void)state;
    const struct scenario_override sets[] = {
        {"nodePools[0].count", "7"},
        {"nodePools[0].maxPods", "50"}, /* a missing final key is created */
        {"registries[0].latency", "15ms"},
        {"workloads[0].template.containers[0].imagePullPolicy", "Always"},
        {"name", "renamed"},
    };
    struct result r = load_with("t.yaml", BASE, sets, sizeof(sets) / sizeof(sets[0]), true, 99);
    assert_non_null(r.s);
    assert_int_equal(r.len, 0);
    assert_int_equal(r.s->pools[0].count, 7);
    assert_int_equal(r.s->pools[0].max_pods, 50);
    assert_close(r.s->registries[0].latency.a, 0.015, 1e-15);
    assert_int_equal(r.s->workloads[0].containers[0].pull_policy, SCENARIO_PULL_ALWAYS);
    assert_string_equal(r.s->name, "renamed");
    assert_true(r.s->seed == 99);
    /* The effective YAML re-loads to the same scenario, and is a fixed point. */
    struct result again = load_with("elsewhere.yaml", r.s->effective_yaml, NULL, 0, false, 0);
    assert_non_null(again.s);
    assert_string_equal(again.s->name, "renamed");
    assert_true(again.s->seed == 99);
    assert_int_equal(again.s->pools[0].count, 7);
    assert_int_equal(again.s->pools[0].max_pods, 50);
    assert_string_equal(again.s->effective_yaml, r.s->effective_yaml);
    result_free(&again);
    result_free(&r);

    /* A defaulted name is written out, so the text keeps it under any file name. */
    r = load_with("dir/orig.yaml", BASE, NULL, 0, false, 0);
    assert_non_null(strstr(r.s->effective_yaml, "name: orig\n"));
    again = load_with("other.yaml", r.s->effective_yaml, NULL, 0, false, 0);
    assert_string_equal(again.s->name, "orig");
    result_free(&again);
    result_free(&r);
}

struct set_case {
    const char *path, *value;
    const char *want; /* the first line printed */
};

static const struct set_case set_cases[] = {
    {"nodePools[9].count", "3",
     "--set nodePools[9].count: error: nodePools has 1 entry; index 9 is out of range "
     "(expected 0 to 0)"},
    {"nodePool[0].count", "3",
     "--set nodePool[0].count: error: no key 'nodePool' at the top level; expected one of: "
     "images, nodePools, registries, workloads; did you mean 'nodePools'?"},
    {"nodePools[0].count", "lots",
     "--set nodePools[0].count: error: count: 'lots' is not an integer; expected an integer "
     "from 0 to 1000000"},
    {"nodePools[0].count", "", "--set nodePools[0].count: error: count: expected an integer, "
                               "got an empty value"},
    {"nodePools[0].cuont", "3",
     "--set nodePools[0].cuont: error: unknown key 'cuont' in nodePools[0]; did you mean "
     "'count'?"},
    {"nodePools.count", "3",
     "--set nodePools.count: error: nodePools is a list, not a mapping; cannot look up 'count' "
     "in it"},
    {"registries[0].host[1]", "x",
     "--set registries[0].host[1]: error: registries[0].host is a single value, not a list"},
    {"nodePools[x]", "1", "--set nodePools[x]: error: bad path at '[x]'"},
    {"nodePools[0].", "1", "--set nodePools[0].: error: bad path: it ends with '.'"},
    {"", "1", "--set : error: expected PATH=VALUE"},
    {"nodePools[0].kubelet.maxParallelImagePulls", "2",
     "--set nodePools[0].kubelet.maxParallelImagePulls: error: no key 'kubelet' in "
     "nodePools[0]; expected one of: count, name, nicBandwidth"},
};

static void test_set_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
        const struct set_case *tc = &set_cases[i];
        struct scenario_override o = {tc->path, tc->value};
        struct result r = load_with("t.yaml", BASE, &o, 1, false, 0);
        case_assert(r.s == NULL, tc->path);
        case_assert(r.text && !strncmp(r.text, tc->want, strlen(tc->want)), tc->path);
        if (r.text && strncmp(r.text, tc->want, strlen(tc->want)))
            print_error("got:\n%s", r.text);
        result_free(&r);
    }
    /* A path may use a kubeletConfigs name; its value is checked as in the file. */
    char *yaml = xasprintf("kubeletConfigs:\n  serial: {serializeImagePulls: true}\n%s", BASE);
    struct scenario_override o = {"kubeletConfigs.serial.maxParallelImagePulls", "2"};
    struct result r = load_with("t.yaml", yaml, &o, 1, false, 0);
    assert_null(r.s);
    assert_non_null(strstr(r.text,
                           "--set kubeletConfigs.serial.maxParallelImagePulls: error: invalid "
                           "configuration: maxParallelImagePulls cannot be larger than 1\n"
                           "t.yaml:2:31: note: serializeImagePulls is set to true here\n") ||
                    strstr(r.text, "--set kubeletConfigs.serial.maxParallelImagePulls: error: "
                                   "invalid configuration: maxParallelImagePulls cannot be "
                                   "larger than 1 unless"));
    result_free(&r);
    free(yaml);
}

static void test_missing_file(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct diag d;
    diag_init(&d, f);
    assert_null(scenario_load("/nonexistent/dir/x.yaml", NULL, 0, false, 0, &d));
    diag_release(&d);
    fclose(f);
    assert_string_equal(text, "/nonexistent/dir/x.yaml: error: cannot open the scenario: No "
                              "such file or directory\n");
    free(text);
    scenario_free(NULL);
}

/* No prefix of a valid file crashes or leaks; each loads or reports. */
static void test_truncations(void **state)
{
    (void)state;
    size_t n = strlen(BASE);
    for (size_t i = 0; i <= n; i++) {
        char *cut = xstrndup(BASE, i);
        struct result r = load(cut);
        assert_true(r.s != NULL || r.errors > 0);
        result_free(&r);
        free(cut);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_kubelet_defaults_function),
        cmocka_unit_test(test_kubelet_configs),
        cmocka_unit_test(test_pool_kubelets),
        cmocka_unit_test(test_layers_and_chains),
        cmocka_unit_test(test_workload_shapes),
        cmocka_unit_test(test_always_pull_images),
        cmocka_unit_test(test_latency_forms),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_many_errors),
        cmocka_unit_test(test_totals),
        cmocka_unit_test(test_set_and_seed),
        cmocka_unit_test(test_set_errors),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_truncations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
