/*
 * unpack.c - a pull's chains (runtime.h step 3): applied in layer order,
 * one at a time per pull, each a flow of its unpacked bytes through the
 * node's disk at the unpack throughput; a chain already unpacked into the
 * pull's snapshotter is reused, one being unpacked by another pull is
 * waited for. Source: spec §11 (unpack sequential by default,
 * max_concurrent_unpacks 1); containerd core/unpack/unpacker.go.
 */
#include "model/runtime/runtime_internal.h"

#include <math.h>

static void on_unpack_done(void *arg)
{
    struct req *q = arg;
    struct pull *p = q->p;
    const struct scenario_image *im = rt_image(p);
    node_unreserve(rt_node(p), p->rt->sc->layers[im->layers[q->k]].unpacked_size);
    p->ureq = NULL;
    rt_req_put(p->rt, q);
    node_set_chain_state(rt_node(p), im->chains[p->unpack_cursor], p->snap, NODE_READY);
    p->unpacking = false;
    p->unpack_cursor++;
    rt_poke(p->rt, rt_node(p));
}

static void on_no_space(struct engine *e, void *arg)
{
    struct pull *p = arg;
    (void)e;
    if (!p->finished)
        rt_fail_pull(p, RUNTIME_ERR_NO_SPACE_UNPACK, p->unpack_cursor);
}

/* Starts the unpack of chain position k (its blob is READY, its chain
 * ABSENT). Returns false when it finished at once (no disk link and no
 * throughput cap: nothing to wait for). */
static bool start_unpack(struct pull *p, uint32_t k, uint64_t bytes)
{
    const struct scenario_image *im = rt_image(p);
    struct node *nd = rt_node(p);
    double cap = nd->cfg->runtime.unpack_bandwidth;
    if (nd->disk == NET_NO_LINK && isinf(cap)) {
        node_set_chain_state(nd, im->chains[k], p->snap, NODE_READY);
        return false;
    }
    node_set_chain_state(nd, im->chains[k], p->snap, NODE_BUSY);
    node_reserve(nd, bytes);
    p->unpacking = true;
    uint32_t links[1] = {nd->disk};
    struct req *q = rt_req_get(p->rt, p, k);
    p->ureq = q;
    q->flow = net_flow_start(p->rt->net, (double)bytes, cap, links, 1, on_unpack_done, q);
    return true;
}

void rt_unpack(struct pull *p)
{
    const struct scenario_image *im = rt_image(p);
    struct node *nd = rt_node(p);
    while (!p->unpacking && p->unpack_cursor < im->n_layers) {
        uint32_t k = p->unpack_cursor;
        enum node_state cs = node_chain_state(nd, im->chains[k], p->snap);
        if (cs == NODE_READY) {
            p->unpack_cursor++;
            continue;
        }
        if (cs == NODE_BUSY || node_layer_state(nd, im->layers[k]) != NODE_READY)
            return; /* poked again when the chain or the blob is ready */
        uint64_t bytes = p->rt->sc->layers[im->layers[k]].unpacked_size;
        if (node_disk_free(nd) < bytes) {
            /* Source: spec §8, §11: the snapshotter's write fails with ENOSPC.
             * Inside a poke: the failure comes from an event at this instant. */
            p->unpacking = true;
            p->no_space = true;
            engine_schedule(p->rt->engine, rt_now(p), on_no_space, p);
            return;
        }
        if (!start_unpack(p, k, bytes))
            p->unpack_cursor++;
    }
    if (p->unpack_cursor == im->n_layers)
        rt_finish(p);
}

void rt_release_unpack(struct pull *p)
{
    if (!p->unpacking || !p->ureq)
        return;
    struct runtime *rt = p->rt;
    struct node *nd = rt_node(p);
    const struct scenario_image *im = rt_image(p);
    node_unreserve(nd, rt->sc->layers[im->layers[p->unpack_cursor]].unpacked_size);
    net_flow_cancel(rt->net, p->ureq->flow);
    rt_req_put(rt, p->ureq);
    p->ureq = NULL;
    node_set_chain_state(nd, im->chains[p->unpack_cursor], p->snap, NODE_ABSENT);
}
