/* runtime.c - see runtime.h for the model and its sources, and
 * runtime_internal.h for how the runtime's files divide the work. This file:
 * pull records, runtime_pull, the manifest phase, the poke loop, the end of
 * a pull (success or failure) and registry outages. */
#include "model/runtime/runtime_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "model/runtimeclass.h"

struct runtime *runtime_new(const struct scenario *sc, struct engine *e, struct net *n,
                            struct rng *rng, struct registry *registries, struct node *nodes,
                            size_t max_nodes)
{
    struct runtime *rt = xcalloc(1, sizeof(*rt));
    *rt = (struct runtime){.sc = sc, .engine = e, .net = n, .rng = rng,
                           .registries = registries, .nodes = nodes};
    rt->tokens = xcalloc(max_nodes ? max_nodes : 1, sizeof(*rt->tokens));
    rt->n_tokens = max_nodes;
    rt->registry_src = (struct source_registry){sc, registries, nodes};
    rt->src = (struct source){source_registry_route, &rt->registry_src};
    base_chunks_init(&rt->pulls, sizeof(struct pull));
    base_chunks_init(&rt->colds, sizeof(struct pull_cold));
    base_chunks_init(&rt->reqs, sizeof(struct req));
    rt->tag_target = xmalloc((sc->n_images ? sc->n_images : 1) * sizeof(*rt->tag_target));
    for (size_t i = 0; i < sc->n_images; i++)
        rt->tag_target[i] = (uint32_t)i;
    return rt;
}

void runtime_free(struct runtime *rt)
{
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n_pulls; i++)
        free(rt_pull_at(rt, i)->lreq);
    for (size_t i = 0; i < rt->n_tokens; i++)
        free(rt->tokens[i].q);
    free(rt->tokens);
    base_chunks_release(&rt->pulls);
    base_chunks_release(&rt->colds);
    base_chunks_release(&rt->reqs);
    free(rt->tag_target);
    free(rt);
}

void runtime_set_source(struct runtime *rt, const struct source *src)
{
    assert(rt->n_pulls == 0);
    rt->src = *src;
}

uint64_t runtime_active_pulls(const struct runtime *rt)
{
    return rt->active;
}

uint64_t runtime_layer_transfers(const struct runtime *rt)
{
    return rt->layer_transfers;
}

void runtime_move_tag(struct runtime *rt, uint32_t tag, uint32_t image)
{
    rt->tag_target[tag] = image;
}

uint32_t runtime_tag_target(const struct runtime *rt, uint32_t tag)
{
    return rt->tag_target[tag];
}

/* ---------------------------------------------------------------- records */

static struct pull *pull_get(struct runtime *rt)
{
    struct pull *p = rt->free_pulls;
    if (p) {
        rt->free_pulls = p->next_free;
        return p;
    }
    p = base_chunks_at(&rt->pulls, rt->n_pulls); /* zeroed */
    p->id = (uint32_t)rt->n_pulls++;
    return p;
}

/* Sizes the record's per-layer arrays for n layers: one block per record,
 * as pokes walk ls and scattered arrays miss the cache. */
static void pull_reserve_layers(struct pull *p, uint32_t n)
{
    if (p->ls_cap < n) {
        p->ls_cap = n;
        free(p->lreq);
        p->lreq = xmalloc(p->ls_cap * (sizeof(*p->lreq) + 1));
        p->ls = (uint8_t *)(p->lreq + p->ls_cap);
    }
    memset(p->ls, LS_PENDING, n);
    memset(p->lreq, 0, n * sizeof(*p->lreq));
}

/* ---------------------------------------------------------------- finish */

static void on_finish(struct engine *e, void *arg)
{
    struct pull *p = arg;
    struct runtime *rt = p->rt;
    (void)e;
    node_remove_pull(rt_node(p), p->id);
    rt->active--;
    p->live = false;
    struct runtime_result res = rt_cold(p)->res;
    runtime_done_fn *done = p->done;
    void *done_arg = p->arg;
    p->next_free = rt->free_pulls;
    rt->free_pulls = p;
    done(done_arg, &res);
}

/* Its callback runs from an event at this instant, so callers never
 * re-enter the runtime from inside a poke. */
void rt_finish(struct pull *p)
{
    rt_watch_stop(p);
    p->finished = true;
    struct pull_cold *c = rt_cold(p);
    c->res.ok = true;
    node_add_image(rt_node(p), p->image, c->handler, rt_now(p));
    if (c->tag != SCENARIO_NONE)
        node_set_tag(rt_node(p), c->tag, c->handler, p->image);
    engine_schedule(p->rt->engine, rt_now(p), on_finish, p);
}

/* ---------------------------------------------------------------- manifests */

static bool node_platform_matches(const struct pull *p)
{
    const struct scenario_image *im = rt_image(p);
    if (im->n_platforms == 0)
        return true;
    char want[128];
    snprintf(want, sizeof(want), "linux/%s", rt_node(p)->cfg->arch);
    for (size_t i = 0; i < im->n_platforms; i++)
        if (strcmp(im->platforms[i], want) == 0)
            return true;
    return false;
}

/* The next manifest-phase item to send: the resolve always, then only
 * what the node's content store lacks (items come in order, so what it
 * holds is a prefix). Source: spec §13 (correction); containerd
 * core/remotes/docker/resolver.go Resolve (a HEAD on every pull),
 * core/remotes/handlers.go and core/metadata/content.go (Fetch skips
 * content the store already has). */
static uint32_t next_item(const struct pull *p)
{
    uint32_t item = p->next_item, have = node_manifest_depth(rt_node(p), p->image);
    return item > 0 && item <= have ? have + 1 : item;
}

/* Is the next item the platform manifest of a multi-platform image? */
static bool next_is_platform_manifest(const struct pull *p)
{
    return rt_image(p)->n_platforms > 0 && next_item(p) == p->manifest_items - 1u;
}

/* Sends the next manifest-phase request, or moves on to the layers. */
static void next_request(struct pull *p)
{
    uint32_t item = next_item(p);
    if (item >= p->manifest_items) {
        p->in_layers = true;
        rt_progress(p);
        return;
    }
    struct req *q = rt_req_get(p->rt, p, REQ_MANIFEST);
    q->index = (uint8_t)item;
    p->next_item = (uint8_t)(item + 1);
    p->mreq = q;
    rt_send(q);
}

void rt_manifest_answered(struct req *q)
{
    struct pull *p = q->p;
    if (q->index > 0)
        node_add_manifest_item(rt_node(p), p->image, q->index);
    /* Simplification: the platform is matched before the platform
     * manifest request, in its place. */
    if (next_is_platform_manifest(p) && !node_platform_matches(p)) {
        rt_fail_pull(p, RUNTIME_ERR_PLATFORM, q->index);
        return;
    }
    rt_release_slot(q);
    rt_release_conn(q);
    p->mreq = NULL;
    /* The next request is sent before this one is counted out, so the
     * watchdog never sees a gap between them. */
    next_request(p);
    p->n_active--;
    rt_req_put(p->rt, q);
    rt_watch_update(p);
}

/* Manifest-phase requests of a pull of 'image' on 'node': the endpoint's
 * manifestRequests, plus the platform manifest of a multi-platform image. */
static uint8_t manifest_requests(struct runtime *rt, uint32_t node, uint32_t image)
{
    struct source_route r;
    rt->src.route(rt->src.self, node, image, SOURCE_MANIFEST, &r);
    return (uint8_t)(r.endpoint->cfg->manifest_requests +
                     (rt->sc->images[image].n_platforms > 0 ? 1u : 0u));
}

void runtime_pull(struct runtime *rt, const struct runtime_pull_request *req,
                  runtime_done_fn *done, void *arg)
{
    struct pull *p = pull_get(rt);
    /* Simplification: the tag is resolved when the pull starts (its resolve
     * request is sent then), not when the registry answers it. */
    uint32_t image = req->by_digest ? req->ref : rt->tag_target[req->ref];
    *p = (struct pull){.rt = rt, .id = p->id, .node = req->node, .image = image,
                       .done = done, .arg = arg, .ls = p->ls, .lreq = p->lreq,
                       .ls_cap = p->ls_cap, .live = true};
    pull_reserve_layers(p, rt->sc->images[image].n_layers);
    p->manifest_items = manifest_requests(rt, req->node, image);
    /* Blobs go to the one content store, chains to the handler's snapshotter. */
    p->snap = (uint8_t)runtimeclass_snapshotter(rt->sc, req->handler);
    node_add_pull(&rt->nodes[req->node], p->id, image, req->handler);
    rt->active++;
    *rt_cold(p) = (struct pull_cold){
        .res = {.ok = false, .image = image},
        .tag = req->by_digest ? SCENARIO_NONE : req->ref,
        .handler = req->handler,
        .credential = req->credential};
    rt_watch_start(p);
    next_request(p);
}

/* ---------------------------------------------------------------- progress */

void rt_progress(struct pull *p)
{
    if (p->finished || !p->in_layers)
        return;
    rt_fetch_progress(p);
    rt_unpack(p);
}

/* Something on the node changed (a blob or a chain became ready, or a lock
 * was given up): every active pull there re-checks, in start order. */
void rt_poke(struct runtime *rt, struct node *nd)
{
    for (size_t i = 0; i < nd->n_pulls; i++)
        rt_progress(rt_pull_at(rt, nd->pulls[i]));
}

/* ---------------------------------------------------------------- failure */

/*
 * Fails the pull now: containerd cancels the pull's context, so every
 * fetch and the unpack stop and their locks are released (blob locks and
 * snapshot chain locks: core/unpack/unpacker.go). A manifest request is
 * alone (no blob request exists yet), so abandoning it first changes
 * nothing for the blob requests.
 */
void rt_fail_pull(struct pull *p, enum runtime_error code, uint32_t at)
{
    struct runtime *rt = p->rt;
    struct node *nd = rt_node(p);
    rt_watch_stop(p);
    p->finished = true;
    if (p->mreq)
        rt_abandon(p->mreq);
    p->mreq = NULL;
    rt_release_fetches(p);
    rt_release_unpack(p);
    struct runtime_result *res = &rt_cold(p)->res;
    res->ok = false;
    res->code = code;
    res->error_at = at;
    res->error = runtime_error_text(code);
    engine_schedule(rt->engine, rt_now(p), on_finish, p);
    if (!rt_per_pull(nd))
        rt_grant_tokens(rt, p->node);
    rt_poke(rt, nd);
}

void runtime_registry_outage_began(struct runtime *rt, uint32_t registry)
{
    struct registry *r = &rt->registries[registry];
    enum registry_outcome mode = registry_outage(r, engine_now(rt->engine));
    if (mode == REGISTRY_OK)
        return;
    /* Pull records are visited in id order, never in pointer order. */
    for (size_t i = 0; i < rt->n_pulls; i++) {
        struct pull *p = rt_pull_at(rt, i);
        if (!p->live || p->finished)
            continue;
        for (uint32_t k = 0; k < p->cursor && !p->finished; k++) {
            struct req *q = p->ls[k] == LS_FETCHING ? p->lreq[k] : NULL;
            if (!q || q->phase != RQ_BODY || q->route.endpoint != r)
                continue;
            if (mode == REGISTRY_HANG) {
                rt_hang(q);
            } else {
                registry_count_error(r, REGISTRY_REFUSED);
                rt_fail_pull(p, RUNTIME_ERR_BLOB_RESET, k);
            }
        }
    }
}
