/* test_net.c - max-min fair sharing against closed forms. */
#include "net/net.h"

#include "engine/engine.h"
#include "check.h"

struct done {
    double at[8];
    int order[8];
    int n;
};

struct flow_arg {
    struct engine *e;
    struct done *d;
    int which;
};

static void on_done(void *arg)
{
    struct flow_arg *a = arg;
    a->d->at[a->which] = engine_now(a->e);
    a->d->order[a->d->n++] = a->which;
}

/* Starts flow 'which' at the current time. */
static void start(struct net *n, struct flow_arg *a, double bytes, double cap,
                  uint32_t l0, uint32_t l1)
{
    uint32_t links[2] = {l0, l1};
    net_flow_start(n, bytes, cap, links, 2, on_done, a);
}

/* The worked example of net.c: R = 10, A = 4, B = 100 B/s; f1, f2 over R+A,
 * f3 over R+B. Rates (2, 2, 6). With 20, 20 and 60 bytes all end at 10 s. */
static void test_three_flow_example(void **state)
{
    (void)state;
    struct engine *e = engine_new(INFINITY);
    struct net *n = net_new(e, NET_MODEL_EXACT);
    uint32_t r = net_link_add(n, 10), a = net_link_add(n, 4), b = net_link_add(n, 100);
    struct done d = {0};
    struct flow_arg fa[3] = {{e, &d, 0}, {e, &d, 1}, {e, &d, 2}};
    start(n, &fa[0], 20, INFINITY, r, a);
    start(n, &fa[1], 20, INFINITY, r, a);
    start(n, &fa[2], 60, INFINITY, r, b);
    engine_run(e);
    assert_int_equal(d.n, 3);
    for (int i = 0; i < 3; i++)
        assert_close(d.at[i], 10.0, 1e-9);
    /* Simultaneous completions run in start order. */
    assert_int_equal(d.order[0], 0);
    assert_int_equal(d.order[2], 2);
    assert_close(net_link_bytes(n, r), 100.0, 1e-6);
    net_free(n);
    engine_free(e);
}

/* STYLE §10: two flows of 125 MB share a 125 MB/s NIC behind a 1.25 GB/s
 * registry: 250/125 = 2 s for both. */
static void test_two_flows_share_nic(void **state)
{
    (void)state;
    struct engine *e = engine_new(INFINITY);
    struct net *n = net_new(e, NET_MODEL_EXACT);
    uint32_t reg = net_link_add(n, 1.25e9), nic = net_link_add(n, 125e6);
    struct done d = {0};
    struct flow_arg fa[2] = {{e, &d, 0}, {e, &d, 1}};
    start(n, &fa[0], 125e6, INFINITY, reg, nic);
    start(n, &fa[1], 125e6, INFINITY, reg, nic);
    engine_run(e);
    assert_close(d.at[0], 2.0, 1e-9);
    assert_close(d.at[1], 2.0, 1e-9);
    net_free(n);
    engine_free(e);
}

/* STYLE §10: two nodes with 10 Gbps NICs, registry 1 Gbps: 125 MB each at
 * 62.5 MB/s = 2 s. */
static void test_registry_bottleneck(void **state)
{
    (void)state;
    struct engine *e = engine_new(INFINITY);
    struct net *n = net_new(e, NET_MODEL_EXACT);
    uint32_t reg = net_link_add(n, 125e6);
    uint32_t n1 = net_link_add(n, 1.25e9), n2 = net_link_add(n, 1.25e9);
    struct done d = {0};
    struct flow_arg fa[2] = {{e, &d, 0}, {e, &d, 1}};
    start(n, &fa[0], 125e6, INFINITY, reg, n1);
    start(n, &fa[1], 125e6, INFINITY, reg, n2);
    engine_run(e);
    assert_close(d.at[0], 2.0, 1e-9);
    assert_close(d.at[1], 2.0, 1e-9);
    net_free(n);
    engine_free(e);
}

/* Per-connection cap: a 100 MB flow capped at 10 MB/s on a 1 GB/s path
 * takes 10 s; a second uncapped flow on the same NIC (100 MB/s) gets the
 * rest, 90 MB/s, so its 90 MB end at 1 s. */
static void test_per_connection_cap(void **state)
{
    (void)state;
    struct engine *e = engine_new(INFINITY);
    struct net *n = net_new(e, NET_MODEL_EXACT);
    uint32_t reg = net_link_add(n, 1e9), nic = net_link_add(n, 100e6);
    struct done d = {0};
    struct flow_arg fa[2] = {{e, &d, 0}, {e, &d, 1}};
    start(n, &fa[0], 100e6, 10e6, reg, nic);
    start(n, &fa[1], 90e6, INFINITY, reg, nic);
    engine_run(e);
    assert_close(d.at[1], 1.0, 1e-9);
    assert_close(d.at[0], 10.0, 1e-9);
    net_free(n);
    engine_free(e);
}

/* Disk-bound: NIC 125 MB/s, disk 50 MB/s: 100 MB take 2 s. */
static void test_disk_bound(void **state)
{
    (void)state;
    struct engine *e = engine_new(INFINITY);
    struct net *n = net_new(e, NET_MODEL_EXACT);
    uint32_t nic = net_link_add(n, 125e6), disk = net_link_add(n, 50e6);
    struct done d = {0};
    struct flow_arg fa[1] = {{e, &d, 0}};
    start(n, &fa[0], 100e6, INFINITY, nic, disk);
    engine_run(e);
    assert_close(d.at[0], 2.0, 1e-9);
    net_free(n);
    engine_free(e);
}

/* Three levels: registry 300, node A NIC 50 (2 flows), node B NIC 1000
 * (2 flows), node C NIC 1000 (1 flow, capped at 40). Fill: cap 40 binds
 * first? Levels: A 25, cap 40, R 300/5 = 60 -> A binds at 25 (two flows);
 * R has 250 for 3 flows = 83.3; cap 40 binds -> C = 40; R 210 for 2 = 105;
 * B NIC 1000/2 = 500 -> R binds: B flows 105 each. Sizes chosen to end
 * at 1 s: 25, 25, 105, 105, 40. */
static void test_three_levels(void **state)
{
    (void)state;
    struct engine *e = engine_new(INFINITY);
    struct net *n = net_new(e, NET_MODEL_EXACT);
    uint32_t r = net_link_add(n, 300), a = net_link_add(n, 50), b = net_link_add(n, 1000),
             c = net_link_add(n, 1000);
    struct done d = {0};
    struct flow_arg fa[5] = {{e, &d, 0}, {e, &d, 1}, {e, &d, 2}, {e, &d, 3}, {e, &d, 4}};
    start(n, &fa[0], 25, INFINITY, r, a);
    start(n, &fa[1], 25, INFINITY, r, a);
    start(n, &fa[2], 105, INFINITY, r, b);
    start(n, &fa[3], 105, INFINITY, r, b);
    start(n, &fa[4], 40, 40, r, c);
    engine_run(e);
    for (int i = 0; i < 5; i++)
        assert_close(d.at[i], 1.0, 1e-9);
    net_free(n);
    engine_free(e);
}

/* Re-sharing on end: two flows on a 100 B/s link, 100 B and 300 B. Both
 * at 50 B/s until 2 s; then the second alone at 100 B/s: 200 B left -> 4 s. */
static void test_reshare_on_end(void **state)
{
    (void)state;
    struct engine *e = engine_new(INFINITY);
    struct net *n = net_new(e, NET_MODEL_EXACT);
    uint32_t l = net_link_add(n, 100);
    struct done d = {0};
    struct flow_arg fa[2] = {{e, &d, 0}, {e, &d, 1}};
    start(n, &fa[0], 100, INFINITY, l, NET_NO_LINK);
    start(n, &fa[1], 300, INFINITY, l, NET_NO_LINK);
    engine_run(e);
    assert_close(d.at[0], 2.0, 1e-9);
    assert_close(d.at[1], 4.0, 1e-9);
    net_free(n);
    engine_free(e);
}

/* Cancel frees bandwidth: cancel one of two flows at 1 s; the other's
 * 150 B: 50 by 1 s, then 100 at 100 B/s -> 2 s. */
struct cancel_arg {
    struct net *n;
    uint32_t flow;
};

static void on_cancel(struct engine *e, void *arg)
{
    struct cancel_arg *c = arg;
    (void)e;
    net_flow_cancel(c->n, c->flow);
}

static void test_cancel(void **state)
{
    (void)state;
    struct engine *e = engine_new(INFINITY);
    struct net *n = net_new(e, NET_MODEL_EXACT);
    uint32_t l = net_link_add(n, 100);
    struct done d = {0};
    struct flow_arg fa[2] = {{e, &d, 0}, {e, &d, 1}};
    uint32_t links[1] = {l};
    uint32_t f0 = net_flow_start(n, 1000, INFINITY, links, 1, on_done, &fa[0]);
    net_flow_start(n, 150, INFINITY, links, 1, on_done, &fa[1]);
    struct cancel_arg c = {n, f0};
    engine_schedule(e, 1.0, on_cancel, &c);
    engine_run(e);
    assert_int_equal(d.n, 1);
    assert_close(d.at[1], 2.0, 1e-9);
    net_free(n);
    engine_free(e);
}

/* Two flows end at the same instant and the first one's callback starts a
 * new flow, which may reuse a freed id: the second callback must still run
 * and the new flow must take its own time (100 B at 100 B/s: 1 s more). */
struct chain_arg {
    struct net *n;
    struct engine *e;
    uint32_t link;
    int calls[3];
    double at[3];
};

static void chain_second(void *arg)
{
    struct chain_arg *c = arg;
    c->calls[1]++;
    c->at[1] = engine_now(c->e);
}

static void chain_new(void *arg)
{
    struct chain_arg *c = arg;
    c->calls[2]++;
    c->at[2] = engine_now(c->e);
}

static void chain_first(void *arg)
{
    struct chain_arg *c = arg;
    c->calls[0]++;
    c->at[0] = engine_now(c->e);
    uint32_t links[1] = {c->link};
    net_flow_start(c->n, 100, INFINITY, links, 1, chain_new, c);
}

static void test_restart_in_callback(void **state)
{
    (void)state;
    for (int model = 0; model < 2; model++) {
        struct engine *e = engine_new(INFINITY);
        struct net *n = net_new(e, model ? NET_MODEL_AUTO : NET_MODEL_EXACT);
        struct chain_arg c = {.n = n, .e = e};
        c.link = net_link_add_local(n, 100, 0);
        uint32_t links[1] = {c.link};
        net_flow_start(n, 50, INFINITY, links, 1, chain_first, &c);
        net_flow_start(n, 50, INFINITY, links, 1, chain_second, &c);
        engine_run(e);
        assert_int_equal(c.calls[0], 1);
        assert_int_equal(c.calls[1], 1);
        assert_int_equal(c.calls[2], 1);
        assert_close(c.at[1], 1.0, 1e-9);
        assert_close(c.at[2], 2.0, 1e-9);
        net_free(n);
        engine_free(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_flow_example), cmocka_unit_test(test_two_flows_share_nic),
        cmocka_unit_test(test_registry_bottleneck), cmocka_unit_test(test_per_connection_cap),
        cmocka_unit_test(test_disk_bound),         cmocka_unit_test(test_three_levels),
        cmocka_unit_test(test_reshare_on_end),     cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_restart_in_callback),
    };
    return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
