/*
 * request.c - one HTTP request of a pull (runtime.h "HTTP requests"): its
 * route (source.h), a registry slot, the judgement when it goes on the
 * wire, its answer after the latency, a hang, and abandoning it when its
 * pull fails.
 */
#include "model/runtime/runtime_internal.h"

#include <string.h>

struct req *rt_req_get(struct runtime *rt, struct pull *p, uint32_t k)
{
    struct req *q = rt->free_reqs;
    if (q)
        rt->free_reqs = q->next_free;
    else
        q = base_chunks_at(&rt->reqs, rt->n_reqs++);
    *q = (struct req){.p = p, .k = k, .ev = ENGINE_NO_EVENT};
    return q;
}

void rt_req_put(struct runtime *rt, struct req *q)
{
    q->next_free = rt->free_reqs;
    rt->free_reqs = q;
}

/* Is this manifest-phase request a counted manifest GET (rateLimit)? The
 * first request is the HEAD resolve (free). A single-platform pull counts
 * its manifest GET (the second request; the only one when
 * manifestRequests is 1, which then stands for resolve and GET); a
 * multi-platform pull counts its platform manifest GET (the last one), not
 * the index. Source: Docker Hub "Usage and limits": version checks do not
 * count, a multi-arch pull counts one pull per architecture. */
static bool is_counted(const struct req *q)
{
    const struct pull *p = q->p;
    if (q->k != REQ_MANIFEST)
        return false;
    uint32_t m = q->route.endpoint->cfg->manifest_requests;
    if (rt_image(p)->n_platforms > 0)
        return q->index == m;
    return q->index == (m >= 2 ? 1u : 0u);
}

static void on_answer(struct engine *e, void *arg);
static void transmit(struct req *q);

/* A queued request got its registry slot: it goes on the wire now. */
void runtime_slot_granted(void *waiter)
{
    struct req *q = waiter;
    q->has_slot = true;
    transmit(q);
}

void rt_send(struct req *q)
{
    struct pull *p = q->p;
    struct runtime *rt = p->rt;
    rt->src.route(rt->src.self, p->node, p->image, q->k, &q->route);
    struct registry *r = q->route.endpoint;
    registry_count_sent(r, q->k == REQ_MANIFEST);
    rt_cold(p)->res.requests++;
    p->n_active++;
    if (registry_slot_acquire(r, q)) {
        q->has_slot = r->cfg->max_concurrent_requests > 0;
        transmit(q);
    } else {
        q->phase = RQ_SLOT;
    }
    rt_watch_update(p);
}

void rt_hang(struct req *q)
{
    struct pull *p = q->p;
    if (q->phase == RQ_BODY) {
        net_flow_cancel(p->rt->net, q->flow);
        p->n_flows--;
    }
    q->phase = RQ_HUNG;
    registry_count_error(q->route.endpoint, REGISTRY_HANG);
    rt_watch_update(p);
}

/* The pull's credential, read only where a registry cares (auth, or a rate
 * limit per credential): other registries never touch the cold record here. */
static uint32_t credential_of(const struct pull *p, const struct registry *r)
{
    if (!r->cfg->auth.on && r->cfg->rate_limit.key != SCENARIO_RATE_CREDENTIAL)
        return REGISTRY_ANONYMOUS;
    return rt_cold(p)->credential;
}

/* The resolve (the first manifest-phase request) carries the authorization:
 * containerd's docker authorizer gets a token for the repository there and
 * reuses it for the pull's later requests (core/remotes/docker/authorizer.go). */
static bool needs_authorization(const struct req *q, const struct registry *r)
{
    return r->cfg->auth.on && q->k == REQ_MANIFEST && q->index == 0;
}

/* The repository path at its registry: "shop/api" of "registry.example.com/shop/api". */
static const char *repository_of(const struct req *q)
{
    const struct scenario_image *im = rt_image(q->p);
    return im->name + strlen(q->route.endpoint->cfg->host) + 1;
}

/*
 * Connections, as Go's HTTP client in containerd keeps them: each CRI pull
 * gets a new http.Transport (internal/cri/server/images/image_pull.go
 * registryHosts: docker.DefaultHTTPTransport per pull), so a pull's first
 * request opens a connection; a request reuses an idle keep-alive
 * connection of its pull when there is one, else opens another; a finished
 * request's connection goes idle, at most MAX_IDLE_CONNS of them (Go's
 * DefaultMaxIdleConnsPerHost; containerd sets only MaxIdleConns 10).
 * Opening one costs the endpoint's connectLatency before the request.
 * Simplification: one idle pool per pull, whatever endpoint a source
 * routes a request to.
 */
#define MAX_IDLE_CONNS 2

/* Seconds q pays to get a connection (0 when it reuses an idle one). */
static double take_conn(struct req *q, struct node *nd)
{
    struct pull *p = q->p;
    q->on_conn = true;
    if (p->idle_conns > 0) {
        p->idle_conns--;
        return 0;
    }
    const struct registry *r = q->route.endpoint;
    return registry_draw(&r->cfg->connect_latency, p->rt->rng, &nd->latency_rng);
}

void rt_release_conn(struct req *q)
{
    if (!q->on_conn)
        return;
    q->on_conn = false;
    if (q->p->idle_conns < MAX_IDLE_CONNS)
        q->p->idle_conns++;
}

/* The request is on the wire now: judged by the registry, answered after its
 * latency (a refused connection answers at once, a hang never). */
static void transmit(struct req *q)
{
    struct pull *p = q->p;
    struct runtime *rt = p->rt;
    struct registry *r = q->route.endpoint;
    struct node *nd = rt_node(p);
    double now = rt_now(p);
    enum registry_outcome o = registry_outage(r, now);
    q->phase = RQ_LATENCY;
    if (o == REGISTRY_HANG) {
        rt_hang(q);
        return;
    }
    double lat = 0;
    if (o == REGISTRY_OK) {
        lat = take_conn(q, nd) + registry_request_latency(r, rt->rng, &nd->latency_rng);
        uint32_t cred = credential_of(p, r);
        /* The token comes first: a refused one never reaches the manifest GET,
         * so it draws no failure and uses no quota. */
        if (needs_authorization(q, r) && !registry_authorizes(r, repository_of(q), cred))
            o = REGISTRY_UNAUTHORIZED;
        else
            o = registry_judge(r, &(struct registry_request){
                                      .now = now, .counted = is_counted(q), .node = p->node,
                                      .pool = nd->pool, .credential = cred, .rng = rt->rng,
                                      .fail_stream = &nd->failure_rng});
    }
    q->outcome = (uint8_t)o;
    q->ev = engine_schedule(rt->engine, now + lat, on_answer, q);
}

void rt_release_slot(struct req *q)
{
    if (!q->has_slot)
        return;
    q->has_slot = false;
    registry_slot_release(q->route.endpoint);
}

void rt_abandon(struct req *q)
{
    struct runtime *rt = q->p->rt;
    switch ((enum req_phase)q->phase) {
    case RQ_SLOT:
        registry_slot_forget(q->route.endpoint, q);
        break;
    case RQ_LATENCY:
        engine_cancel(rt->engine, q->ev);
        break;
    case RQ_BODY:
        net_flow_cancel(rt->net, q->flow);
        break;
    case RQ_HUNG:
        break;
    }
    rt_release_slot(q);
    rt_req_put(rt, q);
}

static enum runtime_error error_of(const struct req *q, enum registry_outcome o)
{
    bool blob = q->k != REQ_MANIFEST;
    switch (o) {
    case REGISTRY_OK:
    case REGISTRY_HANG:
        break;
    case REGISTRY_UNAVAILABLE:
        return blob ? RUNTIME_ERR_BLOB_UNAVAILABLE : RUNTIME_ERR_MANIFEST_UNAVAILABLE;
    case REGISTRY_REFUSED:
        return blob ? RUNTIME_ERR_BLOB_REFUSED : RUNTIME_ERR_MANIFEST_REFUSED;
    case REGISTRY_THROTTLED:
        return RUNTIME_ERR_TOO_MANY_REQUESTS;
    case REGISTRY_UNAUTHORIZED:
        return rt_cold(q->p)->credential == REGISTRY_ANONYMOUS ? RUNTIME_ERR_AUTH_ANONYMOUS
                                                               : RUNTIME_ERR_AUTH_REJECTED;
    }
    return RUNTIME_ERR_NONE;
}

static void on_answer(struct engine *e, void *arg)
{
    struct req *q = arg;
    struct pull *p = q->p;
    struct registry *r = q->route.endpoint;
    (void)e;
    q->ev = ENGINE_NO_EVENT;
    /* An answer due while the registry is down is refused or never comes. */
    enum registry_outcome o = registry_outage(r, rt_now(p));
    if (o == REGISTRY_OK)
        o = (enum registry_outcome)q->outcome;
    switch (o) {
    case REGISTRY_OK:
        if (q->k == REQ_MANIFEST)
            rt_manifest_answered(q);
        else
            rt_body_start(q);
        return;
    case REGISTRY_HANG:
        rt_hang(q);
        return;
    case REGISTRY_UNAVAILABLE:
    case REGISTRY_REFUSED:
    case REGISTRY_THROTTLED:
    case REGISTRY_UNAUTHORIZED:
        break;
    }
    registry_count_error(r, o);
    /* Simplification: no containerd-level retry. A failed manifest request
     * fails the resolve; a failed blob GET fails the fetch and so the
     * unpack (core/unpack/unpacker.go). containerd's resolver may retry a
     * few statuses (408/429) itself; not modelled. */
    rt_fail_pull(p, error_of(q, o), q->k == REQ_MANIFEST ? q->index : q->k);
}
