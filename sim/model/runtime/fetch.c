/*
 * fetch.c - a pull's layers (runtime.h step 2): dispatch in layer order,
 * blob locks, download slots (scope pull, containerd 1.7) or the node's
 * download tokens (scope node, 2.1+), blob bodies across the route's links,
 * and giving every lock back when the pull fails. Source: spec §11;
 * containerd core/unpack/unpacker.go, core/remotes/docker/fetcher.go.
 */
#include "model/runtime/runtime_internal.h"

static void on_body_done(void *arg);

static void start_fetch(struct pull *p, uint32_t k)
{
    p->ls[k] = LS_FETCHING;
    p->rt->layer_transfers++;
    struct req *q = rt_req_get(p->rt, p, k);
    p->lreq[k] = q;
    rt_send(q);
}

void rt_body_start(struct req *q)
{
    struct pull *p = q->p;
    const struct scenario_layer *l = &p->rt->sc->layers[rt_image(p)->layers[q->k]];
    struct node *nd = rt_node(p);
    /* Source: spec §8 (disk), §11: the blob is written to the content store's
     * ingest; a full filesystem fails the write (ENOSPC) and so the pull.
     * Simplification: the whole blob is reserved (and checked) when its bytes
     * start, not as they are written. */
    if (node_disk_free(nd) < l->size) {
        rt_fail_pull(p, RUNTIME_ERR_NO_SPACE_FETCH, q->k);
        return;
    }
    node_reserve(nd, l->size);
    q->reserved = true;
    q->phase = RQ_BODY;
    q->flow = net_flow_start(p->rt->net, (double)l->size,
                             q->route.endpoint->per_connection_bandwidth, q->route.links,
                             q->route.n_links, on_body_done, q);
    p->n_flows++;
    rt_watch_update(p);
}

void rt_grant_tokens(struct runtime *rt, uint32_t node)
{
    struct tokens *tk = &rt->tokens[node];
    uint32_t limit = rt->nodes[node].cfg->runtime.max_concurrent_downloads;
    while (tk->used < limit && tk->head < tk->n) {
        struct token_req req = tk->q[tk->head++];
        tk->used++;
        start_fetch(rt_pull_at(rt, req.pull), req.layer);
    }
    if (tk->head == tk->n)
        tk->head = tk->n = 0;
}

/* Gives back the download slot (scope pull) or node token of a fetch. */
static void release_download(struct pull *p)
{
    if (rt_per_pull(rt_node(p)))
        p->slots--;
    else
        p->rt->tokens[p->node].used--;
}

static void on_body_done(void *arg)
{
    struct req *q = arg;
    struct pull *p = q->p;
    struct runtime *rt = p->rt;
    struct node *nd = rt_node(p);
    uint32_t layer = rt_image(p)->layers[q->k];
    uint64_t size = rt->sc->layers[layer].size;
    node_blob_stored(nd, layer);
    q->reserved = false;
    p->ls[q->k] = LS_DONE;
    p->lreq[q->k] = NULL;
    struct runtime_result *res = &rt_cold(p)->res;
    res->bytes += size;
    res->layers_fetched++;
    release_download(p);
    rt_release_slot(q);
    rt_release_conn(q);
    if (!rt_per_pull(nd))
        rt_grant_tokens(rt, p->node);
    rt_poke(rt, nd);
    /* Counted out after the poke, which may have sent this pull's next
     * requests: the watchdog sees no false gap. */
    p->n_flows--;
    p->n_active--;
    rt_req_put(p->rt, q);
    rt_watch_update(p);
}

/* Takes the blob lock of layer k and asks for a download slot or token. */
static void claim(struct pull *p, uint32_t k)
{
    struct node *nd = rt_node(p);
    node_set_layer_state(nd, rt_image(p)->layers[k], NODE_BUSY);
    if (rt_per_pull(nd)) {
        start_fetch(p, k);
        return;
    }
    p->ls[k] = LS_QUEUED;
    struct tokens *tk = &p->rt->tokens[p->node];
    *(struct token_req *)VEC_PUSH(tk->q, tk->n, tk->cap) = (struct token_req){p->id, k};
}

/* Dispatches layers in order. Scope pull (containerd 1.7): at most
 * maxConcurrentDownloads layers in flight for this pull, waiting layers
 * included. Scope node (2.1+): every absent layer is locked and queued for
 * one of the node's tokens at once. Source: spec §11. */
static void dispatch(struct pull *p)
{
    const struct scenario_image *im = rt_image(p);
    struct node *nd = rt_node(p);
    bool per_pull = rt_per_pull(nd);
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
        rt_grant_tokens(p->rt, p->node);
}

/* Layers this pull waited for: done when present; re-claimed when the
 * holder gave the lock up without the blob (it failed). */
static void resolve_waits(struct pull *p)
{
    const struct scenario_image *im = rt_image(p);
    struct node *nd = rt_node(p);
    bool per_pull = rt_per_pull(nd);
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

void rt_fetch_progress(struct pull *p)
{
    resolve_waits(p);
    dispatch(p);
}

/* Drops the pull's requests waiting for a node download token. */
static void forget_token_reqs(struct pull *p)
{
    struct tokens *tk = &p->rt->tokens[p->node];
    size_t j = tk->head;
    for (size_t i = tk->head; i < tk->n; i++)
        if (tk->q[i].pull != p->id)
            tk->q[j++] = tk->q[i];
    tk->n = j;
    if (tk->head == tk->n)
        tk->head = tk->n = 0;
}

/* Gives up every layer lock the pull holds: their blobs go back to ABSENT. */
static void release_layers(struct pull *p)
{
    const struct scenario_image *im = rt_image(p);
    struct node *nd = rt_node(p);
    for (uint32_t k = 0; k < p->cursor; k++) {
        switch ((enum layer_step)p->ls[k]) {
        case LS_FETCHING:
            if (p->lreq[k]->reserved)
                node_unreserve(nd, p->rt->sc->layers[im->layers[k]].size);
            rt_abandon(p->lreq[k]);
            p->lreq[k] = NULL;
            release_download(p);
            node_set_layer_state(nd, im->layers[k], NODE_ABSENT);
            break;
        case LS_QUEUED:
            node_set_layer_state(nd, im->layers[k], NODE_ABSENT);
            break;
        case LS_PENDING:
        case LS_DONE:
        case LS_WAITING:
            break;
        }
    }
}

/* Blob requests waiting for a registry slot are dropped first, so a slot
 * another of its requests gives back never goes to this pull. */
void rt_release_fetches(struct pull *p)
{
    for (uint32_t k = 0; k < p->cursor; k++)
        if (p->ls[k] == LS_FETCHING && p->lreq[k]->phase == RQ_SLOT)
            registry_slot_forget(p->lreq[k]->route.endpoint, p->lreq[k]);
    forget_token_reqs(p);
    release_layers(p);
}

size_t runtime_download_tokens(const struct runtime *rt, uint32_t node, size_t *waiting)
{
    const struct tokens *tk = &rt->tokens[node];
    *waiting = tk->n - tk->head;
    return tk->used;
}
