/* runtime.c - see runtime.h for the model and its sources. */
#include "runtime.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

/* What one pull knows about each layer of its image. */
enum layer_step {
    LS_PENDING,  /* not reached by the dispatch cursor yet */
    LS_DONE,     /* blob present on the node */
    LS_QUEUED,   /* lock held, waiting for a node download token (scope node) */
    LS_FETCHING, /* lock held, request or transfer in progress */
    LS_WAITING,  /* another pull holds the lock; wait (scope pull: holding a slot) */
};

struct pull {
    struct runtime *rt;
    uint32_t id, node, image;
    runtime_done_fn *done;
    void *arg;
    uint32_t requests_left; /* manifest-phase requests still to make */
    uint32_t cursor;        /* next layer to dispatch */
    uint32_t slots;         /* download slots held (scope pull) */
    uint32_t unpack_cursor; /* next chain to unpack */
    bool in_layers, unpacking, finished;
    uint8_t *ls;            /* enum layer_step per layer */
    size_t ls_cap;
    struct runtime_result res;
    struct pull *next_free;
};

/* A blob fetch or a chain unpack in progress: the argument of its events. */
struct op {
    struct runtime *rt;
    struct pull *p;
    uint32_t k;             /* layer / chain position within the image */
    struct op *next_free;
};

struct runtime {
    const struct scenario *sc;
    struct engine *engine;
    struct net *net;
    struct rng *rng;
    struct registry *registries;
    struct node *nodes;
    struct pull **pulls;    /* by id; records are recycled, never moved */
    size_t n_pulls, cap_pulls;
    struct pull *free_pulls;
    struct op **ops;        /* every op ever allocated, for runtime_free */
    size_t n_ops, cap_ops;
    struct op *free_ops;
    uint64_t active;
    uint64_t layer_transfers;
};

static void poke(struct runtime *rt, struct node *nd);
static void progress(struct pull *p);

struct runtime *runtime_new(const struct scenario *sc, struct engine *e, struct net *n,
                            struct rng *rng, struct registry *registries, struct node *nodes)
{
    struct runtime *rt = xcalloc(1, sizeof(*rt));
    *rt = (struct runtime){.sc = sc, .engine = e, .net = n, .rng = rng,
                           .registries = registries, .nodes = nodes};
    return rt;
}

void runtime_free(struct runtime *rt)
{
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n_pulls; i++) {
        free(rt->pulls[i]->ls);
        free(rt->pulls[i]);
    }
    free(rt->pulls);
    for (size_t i = 0; i < rt->n_ops; i++)
        free(rt->ops[i]);
    free(rt->ops);
    free(rt);
}

uint64_t runtime_active_pulls(const struct runtime *rt)
{
    return rt->active;
}

uint64_t runtime_layer_transfers(const struct runtime *rt)
{
    return rt->layer_transfers;
}

/* ---------------------------------------------------------------- records */

static struct pull *pull_get(struct runtime *rt)
{
    struct pull *p = rt->free_pulls;
    if (p) {
        rt->free_pulls = p->next_free;
        return p;
    }
    p = xcalloc(1, sizeof(*p));
    p->id = (uint32_t)rt->n_pulls;
    *(struct pull **)VEC_PUSH(rt->pulls, rt->n_pulls, rt->cap_pulls) = p;
    return p;
}

static struct op *op_get(struct runtime *rt, struct pull *p, uint32_t k)
{
    struct op *o = rt->free_ops;
    if (o) {
        rt->free_ops = o->next_free;
    } else {
        o = xmalloc(sizeof(*o));
        *(struct op **)VEC_PUSH(rt->ops, rt->n_ops, rt->cap_ops) = o;
    }
    *o = (struct op){.rt = rt, .p = p, .k = k};
    return o;
}

static void op_put(struct op *o)
{
    o->next_free = o->rt->free_ops;
    o->rt->free_ops = o;
}

static const struct scenario_image *image_of(const struct pull *p)
{
    return &p->rt->sc->images[p->image];
}

static struct registry *registry_of(const struct pull *p)
{
    return &p->rt->registries[image_of(p)->registry];
}

static struct node *node_of(const struct pull *p)
{
    return &p->rt->nodes[p->node];
}

/* Latency of one more HTTP request of this pull, counted at its registry. */
static double request(struct pull *p, bool blob)
{
    struct registry *r = registry_of(p);
    r->requests++;
    if (blob)
        r->blob_requests++;
    else
        r->manifest_requests++;
    p->res.requests++;
    return registry_request_latency(r, p->rt->rng, &node_of(p)->latency_rng);
}

/* ---------------------------------------------------------------- finish */

static void on_finish(struct engine *e, void *arg)
{
    struct pull *p = arg;
    struct runtime *rt = p->rt;
    (void)e;
    node_remove_pull(node_of(p), p->id);
    rt->active--;
    struct runtime_result res = p->res;
    runtime_done_fn *done = p->done;
    void *done_arg = p->arg;
    p->next_free = rt->free_pulls;
    rt->free_pulls = p;
    done(done_arg, &res);
}

/* Ends the pull now; its callback runs from an event at this instant, so
 * callers never re-enter the runtime from inside a poke. */
static void finish(struct pull *p, const char *error)
{
    p->finished = true;
    p->res.ok = error == NULL;
    p->res.error = error;
    if (!error)
        node_add_image(node_of(p), p->image);
    engine_schedule(p->rt->engine, engine_now(p->rt->engine), on_finish, p);
}

/* ---------------------------------------------------------------- manifests */

static void on_request_done(struct engine *e, void *arg);

static bool node_platform_matches(const struct pull *p)
{
    const struct scenario_image *im = image_of(p);
    if (im->n_platforms == 0)
        return true;
    char want[128];
    snprintf(want, sizeof(want), "linux/%s", node_of(p)->cfg->arch);
    for (size_t i = 0; i < im->n_platforms; i++)
        if (strcmp(im->platforms[i], want) == 0)
            return true;
    return false;
}

/* Issues the next manifest-phase request, or moves on to the layers. */
static void next_request(struct pull *p)
{
    if (p->requests_left == 0) {
        p->in_layers = true;
        progress(p);
        return;
    }
    p->requests_left--;
    double lat = request(p, false);
    engine_schedule(p->rt->engine, engine_now(p->rt->engine) + lat, on_request_done, p);
}

static void on_request_done(struct engine *e, void *arg)
{
    struct pull *p = arg;
    (void)e;
    /* Simplification: the platform is matched once the single-platform
     * requests are done, in place of the platform manifest request. */
    if (p->requests_left == 1 && !node_platform_matches(p)) {
        finish(p, "no match for platform in manifest: not found");
        return;
    }
    next_request(p);
}

void runtime_pull(struct runtime *rt, uint32_t node, uint32_t image, runtime_done_fn *done,
                  void *arg)
{
    struct pull *p = pull_get(rt);
    const struct scenario_image *im = &rt->sc->images[image];
    uint8_t *ls = p->ls;
    size_t ls_cap = p->ls_cap;
    uint32_t id = p->id;
    *p = (struct pull){.rt = rt, .id = id, .node = node, .image = image, .done = done,
                       .arg = arg, .ls = ls, .ls_cap = ls_cap};
    if (p->ls_cap < im->n_layers) {
        p->ls_cap = im->n_layers;
        p->ls = xrealloc(p->ls, p->ls_cap);
    }
    memset(p->ls, LS_PENDING, im->n_layers);
    p->requests_left = rt->registries[im->registry].cfg->manifest_requests +
                       (im->n_platforms > 0 ? 1u : 0u);
    node_add_pull(&rt->nodes[node], p->id);
    rt->active++;
    next_request(p);
}

/* ---------------------------------------------------------------- fetches */

static void on_fetch_latency(struct engine *e, void *arg);
static void on_fetch_done(void *arg);

static void start_fetch(struct pull *p, uint32_t k)
{
    p->ls[k] = LS_FETCHING;
    p->rt->layer_transfers++;
    double lat = request(p, true);
    struct op *o = op_get(p->rt, p, k);
    engine_schedule(p->rt->engine, engine_now(p->rt->engine) + lat, on_fetch_latency, o);
}

static void on_fetch_latency(struct engine *e, void *arg)
{
    struct op *o = arg;
    struct pull *p = o->p;
    (void)e;
    const struct scenario_layer *l = &p->rt->sc->layers[image_of(p)->layers[o->k]];
    const struct registry *r = registry_of(p);
    const struct node *nd = node_of(p);
    uint32_t links[3] = {r->egress, nd->nic, nd->disk};
    net_flow_start(p->rt->net, (double)l->size, r->cfg->per_connection_bandwidth, links, 3,
                   on_fetch_done, o);
}

/* Hands free node download tokens to waiting requests, in FIFO order. */
static void grant_tokens(struct runtime *rt, struct node *nd)
{
    uint32_t limit = nd->cfg->runtime.max_concurrent_downloads;
    while (nd->tokens_used < limit && nd->token_head < nd->n_token_q) {
        struct node_token_req req = nd->token_q[nd->token_head++];
        nd->tokens_used++;
        start_fetch(rt->pulls[req.pull], req.layer);
    }
    if (nd->token_head == nd->n_token_q)
        nd->token_head = nd->n_token_q = 0;
}

static void on_fetch_done(void *arg)
{
    struct op *o = arg;
    struct pull *p = o->p;
    struct runtime *rt = p->rt;
    struct node *nd = node_of(p);
    uint32_t layer = image_of(p)->layers[o->k];
    uint64_t size = rt->sc->layers[layer].size;
    op_put(o);
    node_set_layer_state(nd, layer, NODE_READY);
    nd->bytes_fetched += size;
    p->ls[o->k] = LS_DONE;
    p->res.bytes += size;
    p->res.layers_fetched++;
    if (nd->cfg->runtime.scope == SCENARIO_DOWNLOADS_PER_PULL) {
        p->slots--;
    } else {
        nd->tokens_used--;
        grant_tokens(rt, nd);
    }
    poke(rt, nd);
}

/* Takes the blob lock of layer k and asks for a download slot or token. */
static void claim(struct pull *p, uint32_t k)
{
    struct node *nd = node_of(p);
    node_set_layer_state(nd, image_of(p)->layers[k], NODE_BUSY);
    if (nd->cfg->runtime.scope == SCENARIO_DOWNLOADS_PER_PULL) {
        start_fetch(p, k);
        return;
    }
    p->ls[k] = LS_QUEUED;
    struct node_token_req *req = VEC_PUSH(nd->token_q, nd->n_token_q, nd->cap_token_q);
    *req = (struct node_token_req){.pull = p->id, .layer = k};
}

/* Dispatches layers in order. Scope pull (containerd 1.7): at most
 * maxConcurrentDownloads layers in flight for this pull, waiting layers
 * included. Scope node (2.1+): every absent layer is locked and queued for
 * one of the node's tokens at once. Source: spec §11. */
static void dispatch(struct pull *p)
{
    const struct scenario_image *im = image_of(p);
    struct node *nd = node_of(p);
    bool per_pull = nd->cfg->runtime.scope == SCENARIO_DOWNLOADS_PER_PULL;
    uint32_t limit = nd->cfg->runtime.max_concurrent_downloads;
    while (p->cursor < im->n_layers && (!per_pull || p->slots < limit)) {
        uint32_t k = p->cursor++;
        switch (node_layer_state(nd, im->layers[k])) {
        case NODE_READY:
            p->ls[k] = LS_DONE;
            break;
        case NODE_BUSY:
            p->ls[k] = LS_WAITING;
            p->slots += per_pull;
            break;
        case NODE_ABSENT:
            p->slots += per_pull;
            claim(p, k);
            break;
        }
    }
    if (!per_pull)
        grant_tokens(p->rt, nd);
}

/* Layers this pull waited for: done when present; re-claimed when the
 * holder gave the lock up without the blob. */
static void resolve_waits(struct pull *p)
{
    const struct scenario_image *im = image_of(p);
    struct node *nd = node_of(p);
    bool per_pull = nd->cfg->runtime.scope == SCENARIO_DOWNLOADS_PER_PULL;
    for (uint32_t k = 0; k < p->cursor; k++) {
        if (p->ls[k] != LS_WAITING)
            continue;
        enum node_state st = node_layer_state(nd, im->layers[k]);
        if (st == NODE_READY) {
            p->ls[k] = LS_DONE;
            p->slots -= per_pull;
        } else if (st == NODE_ABSENT) {
            claim(p, k); /* keeps the slot it already holds (scope pull) */
        }
    }
}

/* ---------------------------------------------------------------- unpack */

static void on_unpack_done(void *arg)
{
    struct op *o = arg;
    struct pull *p = o->p;
    op_put(o);
    node_set_chain_state(node_of(p), image_of(p)->chains[p->unpack_cursor], NODE_READY);
    p->unpacking = false;
    p->unpack_cursor++;
    poke(p->rt, node_of(p));
}

/* Applies chains in order, one at a time; finishes the pull after the last.
 * Source: spec §11 (unpack sequential by default, max_concurrent_unpacks 1). */
static void unpack(struct pull *p)
{
    const struct scenario_image *im = image_of(p);
    struct node *nd = node_of(p);
    while (!p->unpacking && p->unpack_cursor < im->n_layers) {
        uint32_t k = p->unpack_cursor, chain = im->chains[k];
        enum node_state cs = node_chain_state(nd, chain);
        if (cs == NODE_READY) {
            p->unpack_cursor++;
            continue;
        }
        if (cs == NODE_BUSY || node_layer_state(nd, im->layers[k]) != NODE_READY)
            return; /* poked again when the chain or the blob is ready */
        double cap = nd->cfg->runtime.unpack_bandwidth;
        if (nd->disk == NET_NO_LINK && isinf(cap)) {
            node_set_chain_state(nd, chain, NODE_READY);
            p->unpack_cursor++;
            continue;
        }
        node_set_chain_state(nd, chain, NODE_BUSY);
        p->unpacking = true;
        uint32_t links[1] = {nd->disk};
        net_flow_start(p->rt->net, (double)p->rt->sc->layers[im->layers[k]].unpacked_size,
                       cap, links, 1, on_unpack_done, op_get(p->rt, p, k));
    }
    if (p->unpack_cursor == im->n_layers)
        finish(p, NULL);
}

static void progress(struct pull *p)
{
    if (p->finished || !p->in_layers)
        return;
    resolve_waits(p);
    dispatch(p);
    unpack(p);
}

/* Something on the node changed (a blob or a chain became ready): every
 * active pull there re-checks, in the order the pulls started. */
static void poke(struct runtime *rt, struct node *nd)
{
    for (size_t i = 0; i < nd->n_pulls; i++)
        progress(rt->pulls[nd->pulls[i]]);
}
