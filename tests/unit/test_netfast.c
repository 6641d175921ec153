/*
 * test_netfast.c - the fast incremental solver against the exact one.
 *
 * Randomized star topologies (shared "registry" links, groups of local
 * "NIC" and "disk" links), flows started at random times with random sizes,
 * caps and link sets, some cancelled: both solvers must finish every flow
 * at the same time (to 1e-9 relative) and call the callbacks in the same
 * order. Then whole scenarios: random clusters run under both solvers must
 * give the same pod ready times. Sizes are in MB and rates in MB/s, as in
 * real runs: both solvers snap amounts under NET_EPS_BYTES, which is
 * 10^-9 s at 1 MB/s but would be a visible time at a few bytes per second.
 */

#define MB 1e6
#include "sim_helpers.h"

#include "net/net.h"

#define MAX_FLOWS 400

struct rec {
    struct engine *e;
    double done_at[MAX_FLOWS];
    int order[MAX_FLOWS];
    int n_done;
};

struct farg {
    struct rec *r;
    int i;
};

static void on_done(void *arg)
{
    struct farg *a = arg;
    a->r->done_at[a->i] = engine_now(a->r->e);
    a->r->order[a->r->n_done++] = a->i;
}

/* splitmix64: the test's own deterministic generator. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
    return (double)(next(s) >> 11) * 0x1.0p-53;
}

/* One planned flow. */
struct plan {
    double start, bytes, cap, cancel_at;
    uint32_t links[3];
};

struct world_net {
    struct net *net;
    struct engine *e;
    struct rec rec;
    struct farg args[MAX_FLOWS];
    uint32_t ids[MAX_FLOWS];
    const struct plan *plan;
};

struct start_arg {
    struct world_net *w;
    int i;
};

static void on_start(struct engine *e, void *arg)
{
    struct start_arg *a = arg;
    const struct plan *p = &a->w->plan[a->i];
    (void)e;
    a->w->ids[a->i] = net_flow_start(a->w->net, p->bytes, p->cap, p->links, 3, on_done,
                                     &a->w->args[a->i]);
}

static void on_cancel(struct engine *e, void *arg)
{
    struct start_arg *a = arg;
    (void)e;
    if (a->w->rec.done_at[a->i] < 0)
        net_flow_cancel(a->w->net, a->w->ids[a->i]);
}

static void run_plan(struct world_net *w, enum net_model model, const struct plan *plan,
                     int n_flows, int n_shared, int n_groups, const double *caps,
                     struct start_arg *sa, struct start_arg *ca)
{
    w->e = engine_new(INFINITY);
    w->net = net_new(w->e, model);
    w->plan = plan;
    w->rec.e = w->e;
    w->rec.n_done = 0;
    for (int i = 0; i < n_flows; i++) {
        w->rec.done_at[i] = -1;
        w->args[i] = (struct farg){&w->rec, i};
    }
    /* Links in the same order under both models, so ids agree. */
    for (int s = 0; s < n_shared; s++)
        net_link_add(w->net, caps[s]);
    for (int g = 0; g < n_groups; g++) {
        net_link_add_local(w->net, caps[n_shared + 2 * g], (uint32_t)g);
        net_link_add_local(w->net, caps[n_shared + 2 * g + 1], (uint32_t)g);
    }
    for (int i = 0; i < n_flows; i++) {
        sa[i] = (struct start_arg){w, i};
        ca[i] = (struct start_arg){w, i};
        engine_schedule(w->e, plan[i].start, on_start, &sa[i]);
        if (plan[i].cancel_at >= 0)
            engine_schedule(w->e, plan[i].cancel_at, on_cancel, &ca[i]);
    }
    engine_run(w->e);
}

/* 'overloaded': shared links far below the groups' NICs, so most coupled
 * groups run every bundle at its link's level (netfast.c's slack groups),
 * and a few slow NICs move groups in and out of that regime. */
static void random_case(uint64_t seed, bool overloaded)
{
    uint64_t s = seed;
    int n_shared = 1 + (int)(next(&s) % 3), n_groups = 1 + (int)(next(&s) % 6);
    int n_flows = 5 + (int)(next(&s) % 120);
    double caps[3 + 2 * 6];
    for (int i = 0; i < n_shared; i++)
        caps[i] = (overloaded ? 5 + 40 * unit(&s) : 50 + 500 * unit(&s)) * MB;
    for (int g = 0; g < n_groups; g++) {
        caps[n_shared + 2 * g] = (20 + 200 * unit(&s)) * MB;
        caps[n_shared + 2 * g + 1] = next(&s) % 2 ? INFINITY : (30 + 300 * unit(&s)) * MB;
    }
    struct plan plan[MAX_FLOWS];
    for (int i = 0; i < n_flows; i++) {
        struct plan *p = &plan[i];
        int g = (int)(next(&s) % (uint64_t)n_groups);
        uint32_t nic = (uint32_t)(n_shared + 2 * g), disk = nic + 1;
        int kind = (int)(next(&s) % 4); /* fetch, fetch without disk, unpack, shared only */
        p->links[0] = kind == 2 ? NET_NO_LINK : (uint32_t)(next(&s) % (uint64_t)n_shared);
        p->links[1] = kind >= 2 ? NET_NO_LINK : nic;
        p->links[2] = kind == 0 || kind == 2 ? disk : NET_NO_LINK;
        if (kind == 3)
            p->links[1] = nic; /* every flow crosses at least one finite link */
        /* Starts on a coarse grid so that many coincide, as in real runs. */
        p->start = (double)(next(&s) % 40) * 0.25;
        p->bytes = next(&s) % 10 == 0 ? 0 : (1 + 400 * unit(&s)) * MB;
        p->cap = next(&s) % 3 == 0 ? (5 + 60 * unit(&s)) * MB : INFINITY;
        p->cancel_at = next(&s) % 8 == 0 ? p->start + 3 * unit(&s) : -1;
    }
    static struct world_net exact, fast;
    static struct start_arg sa1[MAX_FLOWS], ca1[MAX_FLOWS], sa2[MAX_FLOWS], ca2[MAX_FLOWS];
    run_plan(&exact, NET_MODEL_EXACT, plan, n_flows, n_shared, n_groups, caps, sa1, ca1);
    run_plan(&fast, NET_MODEL_AUTO, plan, n_flows, n_shared, n_groups, caps, sa2, ca2);
    assert_int_equal(exact.rec.n_done, fast.rec.n_done);
    for (int i = 0; i < n_flows; i++) {
        double a = exact.rec.done_at[i], b = fast.rec.done_at[i];
        if (fabs(a - b) > 1e-9 * (1 + fabs(a)))
            fail_msg("seed %llu flow %d: exact %.12f fast %.12f", (unsigned long long)seed, i,
                     a, b);
    }
    for (int i = 0; i < exact.rec.n_done; i++) {
        int x = exact.rec.order[i], y = fast.rec.order[i];
        /* Same order, except among flows finishing at the same instant
         * within rounding, which may be grouped differently. */
        if (x != y && fabs(exact.rec.done_at[x] - exact.rec.done_at[y]) > 1e-9)
            fail_msg("seed %llu: completion %d is flow %d (exact) vs %d (fast)",
                     (unsigned long long)seed, i, x, y);
    }
    for (int k = 0; k < n_shared; k++) {
        double bx = net_link_bytes(exact.net, (uint32_t)k);
        double by = net_link_bytes(fast.net, (uint32_t)k);
        assert_true(fabs(bx - by) <= 1e-9 * (1 + bx));
    }
    net_free(exact.net);
    engine_free(exact.e);
    net_free(fast.net);
    engine_free(fast.e);
}

static void test_random_flows(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 300; seed++)
        random_case(seed, false);
    for (uint64_t seed = 1001; seed <= 1300; seed++)
        random_case(seed, true);
}

/* Whole scenarios: random clusters, both solvers, same pod ready times. */
static void test_random_scenarios(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        uint64_t s = seed;
        char text[4096];
        snprintf(text, sizeof(text),
                 "name: r\nseed: %llu\n"
                 "registries:\n"
                 "  - {host: a.test, egressBandwidth: %dMbps, perConnectionBandwidth: %dMbps,"
                 " latency: {dist: lognormal, median: 30ms, sigma: 0.5}}\n"
                 "  - {host: b.test, egressBandwidth: %dMbps, latency: {dist: exponential, mean: 20ms}}\n"
                 "images:\n"
                 "  - {ref: a.test/x:1, layers: [{id: base, size: 40MB}, {size: %dMB}]}\n"
                 "  - {ref: a.test/y:1, layers: [{id: base, size: 40MB}, {size: 7MB}, {size: 3MB}]}\n"
                 "  - {ref: b.test/z:1, layers: [{size: %dMB}, {size: 12MB}]}\n"
                 "kubeletConfigs:\n  s: {serializeImagePulls: true}\n  p: {maxParallelImagePulls: 3}\n"
                 "nodePools:\n  - {name: n, count: %d, nicBandwidth: %dMbps, "
                 "disk: {writeBandwidth: %dMBps}, runtime: {unpackBandwidth: %dMBps, "
                 "downloadLimitScope: %s}}\n"
                 "workloads:\n"
                 "  - {name: d, kind: DaemonSet, template: {containers: [{name: c, image: b.test/z:1}]}}\n"
                 "  - {name: x, kind: Deployment, replicas: %d, placement: random, at: 1s, template: "
                 "{containers: [{name: c, image: a.test/x:1}, {name: e, image: b.test/z:1}]}}\n"
                 "  - {name: y, kind: Deployment, replicas: %d, at: 2s, template: "
                 "{initContainers: [{name: i, image: a.test/y:1, runFor: 1s}], "
                 "containers: [{name: c, image: a.test/x:1}]}}\n",
                 (unsigned long long)seed, 200 + (int)(next(&s) % 2000),
                 50 + (int)(next(&s) % 500), 300 + (int)(next(&s) % 3000),
                 5 + (int)(next(&s) % 80), 5 + (int)(next(&s) % 60), 2 + (int)(next(&s) % 12),
                 100 + (int)(next(&s) % 1000), 20 + (int)(next(&s) % 200),
                 30 + (int)(next(&s) % 300), next(&s) % 2 ? "pull" : "node",
                 1 + (int)(next(&s) % 30), 1 + (int)(next(&s) % 20));
        for (int c = 0; c < 2; c++) {
            struct run a, b;
            const char *cfg = c ? "p" : "s";
            run_scenario_model(&a, NET_MODEL_EXACT, "random.yaml", text, cfg, NULL, 0);
            run_scenario_model(&b, NET_MODEL_AUTO, "random.yaml", text, cfg, NULL, 0);
            assert_int_equal(a.s.pods, b.s.pods);
            assert_int_equal(a.s.pods_ready, b.s.pods_ready);
            assert_int_equal(a.s.layer_transfers, b.s.layer_transfers);
            for (uint32_t i = 0; i < a.s.pods; i++) {
                double x = run_pod(&a, i)->ready, y = run_pod(&b, i)->ready;
                if (!(isnan(x) && isnan(y)) && fabs(x - y) > 1e-9 * (1 + fabs(x)))
                    fail_msg("seed %llu config %s pod %u: exact %.9f fast %.9f",
                             (unsigned long long)seed, cfg, i, x, y);
            }
            run_release(&a);
            run_release(&b);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_flows),
        cmocka_unit_test(test_random_scenarios),
    };
    return cmocka_run_group_tests_name("netfast", tests, NULL, NULL);
}
