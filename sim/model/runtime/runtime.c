/* runtime.c - see runtime.h for the model and its sources. */
#include "model/runtime/runtime.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "model/runtimeclass.h"

/* What one pull knows about each layer of its image. */
enum layer_step {
    LS_PENDING,  /* not reached by the dispatch cursor yet */
    LS_DONE,     /* blob present on the node */
    LS_QUEUED,   /* lock held, waiting for a node download token (scope node) */
    LS_FETCHING, /* lock held, request or transfer in progress */
    LS_WAITING,  /* another pull holds the lock; wait (scope pull: holding a slot) */
};

/* Where one HTTP request stands. */
enum req_phase {
    RQ_SLOT,    /* waiting for a registry slot (maxConcurrentRequests) */
    RQ_LATENCY, /* sent; its answer comes with event 'ev' */
    RQ_BODY,    /* blob bytes flowing in flow 'flow' */
    RQ_HUNG,    /* no answer and no more bytes, ever (outage, mode hang) */
};

/* The progress watchdog's view of a pull, constant between two changes. */
enum watch_state {
    W_IDLE,    /* no request active: a check sees progress */
    W_FLOWING, /* body bytes arriving: a check sees progress */
    W_STALLED, /* requests active, no bytes arriving */
};

/* Position of the manifest-phase request in struct req.k. */
#define REQ_MANIFEST UINT32_MAX

/* containerd's defaultPullProgressReportInterval. Source: spec §11;
 * internal/cri/server/images/image_pull.go (pullProgressReporter.start). */
#define PROGRESS_CHECK_PERIOD 10.0

/*
 * containerd's pull progress reporter, kept lazily: instead of an event per
 * check, the ticks at t0 + k * period are accounted for when the pull's
 * state changes, and one event is pending only while the pull is stalled,
 * at the first check that would cancel it. A check at tick time t sees the
 * state that held just before t. Ticks in a span of W_IDLE or W_FLOWING
 * all see progress (no request active, or bytes read since the previous
 * tick); in a W_STALLED span only the first tick can, when bytes arrived
 * after the tick before it.
 */
struct watchdog {
    double t0, period;   /* s; period 0 = no timeout */
    uint64_t need;       /* ticks past the last progress that cancel: n * period > timeout */
    uint64_t last_k;     /* last tick that saw progress (0 = the start) */
    double seg_start;    /* s: since when 'state' holds */
    double flow_end;     /* s: when body bytes last stopped arriving; -INFINITY */
    uint8_t state;       /* enum watch_state */
    engine_event_id ev;  /* the cancelling check while stalled */
    double ev_time;      /* s */
};

struct req;

/* Pull records are many (one per pull in progress) and every poke walks
 * them: the fields a poke reads come first, in one cache line, and the
 * record stays small. */
struct pull {
    struct runtime *rt;
    uint8_t *ls;            /* enum layer_step per layer */
    uint32_t id, node, image;
    uint32_t cursor;        /* next layer to dispatch */
    uint32_t slots;         /* download slots held (scope pull) */
    uint32_t unpack_cursor; /* next chain to unpack */
    bool in_layers, unpacking, finished, live;
    bool no_space;          /* an unpack found no room: the pull fails at this instant */
    uint8_t snap;           /* snapshotter its chains are unpacked into (runtimeclass.h) */
    uint16_t n_active;      /* HTTP requests in flight (any phase) */
    uint16_t n_flows;       /* of which moving body bytes */
    uint8_t requests_left;  /* manifest-phase requests still to send (<= 11) */
    uint8_t requests_sent;  /* manifest-phase requests sent */
    uint32_t ls_cap;
    struct req **lreq;      /* per layer: its blob request while LS_FETCHING; ls lives
                               in the same allocation, right after it */
    struct req *mreq;       /* the manifest-phase request in flight */
    struct req *ureq;       /* the chain unpack in progress */
    union {
        runtime_done_fn *done;
        struct pull *next_free; /* while on the free list */
    };
    void *arg;
};

/* The rest of a pull record, read only at its own events: kept apart so
 * the records pokes walk stay small. Same id as its struct pull. */
struct pull_cold {
    struct watchdog wd;
    struct runtime_result res;
    uint32_t tag; /* images entry whose local tag the pull sets, or SCENARIO_NONE */
    uint32_t handler;       /* runtime handler the image is recorded for (runtimeclass.h) */
    uint32_t credential;    /* CRI AuthConfig: credentials index, or REGISTRY_ANONYMOUS */
};

/* An HTTP request or a chain unpack: the argument of its events and flows. */
struct req {
    struct pull *p;
    union {
        engine_event_id ev;     /* its answer, while RQ_LATENCY */
        struct req *next_free;  /* while on the free list */
    };
    uint32_t k;             /* layer / chain position, or REQ_MANIFEST */
    uint32_t flow;          /* while RQ_BODY, or unpacking */
    uint8_t index;          /* manifest phase: which request of the pull (0 = resolve) */
    uint8_t phase;          /* enum req_phase */
    uint8_t outcome;        /* enum registry_outcome decided when sent */
    bool has_slot;          /* holds a registry slot */
    bool reserved;          /* holds disk space on the node (node.h disk_reserved) */
};

struct runtime {
    const struct scenario *sc;
    struct engine *engine;
    struct net *net;
    struct rng *rng;
    struct registry *registries;
    struct node *nodes;
    /* Records live in chunks (addresses never move; recycled, never
     * freed before runtime_free): pulls started together sit together, so
     * a poke over a node's pulls stays in few cache lines and pages. */
    struct base_chunks pulls; /* struct pull, by id */
    size_t n_pulls;
    struct pull *free_pulls;
    struct base_chunks colds; /* struct pull_cold, by pull id */
    struct base_chunks reqs;  /* struct req */
    size_t n_reqs;
    struct req *free_reqs;
    uint64_t active;
    uint64_t layer_transfers;
    uint32_t *tag_target;     /* per images entry: the image its tag names now at the
                                 registry (itself until a push moves it) */
};

static void poke(struct runtime *rt, struct node *nd);
static void progress(struct pull *p);
static struct pull *pull_at(struct runtime *rt, size_t id);
static void transmit(struct req *q);
static void fail_pull(struct pull *p, enum runtime_error code, uint32_t at);
static void watch_update(struct pull *p);
static void watch_stop(struct pull *p);

/* A queued request got its registry slot: it goes on the wire now. */
static void on_slot_granted(void *waiter)
{
    struct req *q = waiter;
    q->has_slot = true;
    transmit(q);
}

struct runtime *runtime_new(const struct scenario *sc, struct engine *e, struct net *n,
                            struct rng *rng, struct registry *registries, struct node *nodes)
{
    struct runtime *rt = xcalloc(1, sizeof(*rt));
    *rt = (struct runtime){.sc = sc, .engine = e, .net = n, .rng = rng,
                           .registries = registries, .nodes = nodes};
    for (size_t i = 0; i < sc->n_registries; i++)
        registries[i].grant = on_slot_granted;
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
        free(pull_at(rt, i)->lreq);
    base_chunks_release(&rt->pulls);
    base_chunks_release(&rt->colds);
    base_chunks_release(&rt->reqs);
    free(rt->tag_target);
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

static struct pull *pull_at(struct runtime *rt, size_t id)
{
    return base_chunks_at(&rt->pulls, id);
}

static struct pull_cold *cold_of(const struct pull *p)
{
    return base_chunks_at(&p->rt->colds, p->id);
}

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

static struct req *req_get(struct runtime *rt, struct pull *p, uint32_t k)
{
    struct req *q = rt->free_reqs;
    if (q)
        rt->free_reqs = q->next_free;
    else
        q = base_chunks_at(&rt->reqs, rt->n_reqs++);
    *q = (struct req){.p = p, .k = k, .ev = ENGINE_NO_EVENT};
    return q;
}

static void req_put(struct runtime *rt, struct req *q)
{
    q->next_free = rt->free_reqs;
    rt->free_reqs = q;
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

static double now_of(const struct pull *p)
{
    return engine_now(p->rt->engine);
}

/* ---------------------------------------------------------------- watchdog */

static double tick_time(const struct watchdog *wd, uint64_t k)
{
    return wd->t0 + (double)k * wd->period;
}

/* The first tick strictly after t (k >= 1). */
static uint64_t tick_after(const struct watchdog *wd, double t)
{
    double x = floor((t - wd->t0) / wd->period);
    uint64_t k = x < 0 ? 1 : (uint64_t)x + 1;
    while (k > 1 && tick_time(wd, k - 1) > t)
        k--;
    while (tick_time(wd, k) <= t)
        k++;
    return k;
}

/* Tick k (the first of a stalled span) saw bytes read since tick k - 1. */
static bool saw_bytes(const struct watchdog *wd, uint64_t k)
{
    return wd->flow_end > tick_time(wd, k - 1);
}

static void watch_start(struct pull *p)
{
    double timeout = node_of(p)->cfg->runtime.image_pull_progress_timeout;
    struct watchdog *wd = &cold_of(p)->wd;
    *wd = (struct watchdog){.t0 = now_of(p), .seg_start = now_of(p), .flow_end = -INFINITY,
                            .state = W_IDLE, .ev = ENGINE_NO_EVENT};
    if (timeout <= 0)
        return; /* 0 disables the timeout (spec §11) */
    /* Source: spec §11; image_pull.go: the interval is timeout/2 when the
     * timeout is below the default interval; a check cancels when
     * time.Since(lastSeen) > timeout (strict). */
    wd->period = timeout < PROGRESS_CHECK_PERIOD ? timeout / 2 : PROGRESS_CHECK_PERIOD;
    wd->need = (uint64_t)floor(timeout / wd->period) + 1;
    while (wd->need > 1 && (double)(wd->need - 1) * wd->period > timeout)
        wd->need--;
}

/* The checks in (seg_start, now] saw the state that held since seg_start. */
static void watch_account(struct watchdog *wd, double now)
{
    uint64_t first = tick_after(wd, wd->seg_start), last = tick_after(wd, now) - 1;
    if (first <= last) {
        if (wd->state != W_STALLED)
            wd->last_k = last;
        else if (saw_bytes(wd, first))
            wd->last_k = first;
    }
    if (wd->state == W_FLOWING)
        wd->flow_end = now;
}

static void on_watchdog(struct engine *e, void *arg)
{
    struct pull *p = arg;
    (void)e;
    cold_of(p)->wd.ev = ENGINE_NO_EVENT;
    /* Source: image_pull.go: "cancel pulling image %s because of no progress in %v". */
    fail_pull(p, RUNTIME_ERR_PROGRESS_TIMEOUT, 0);
}

/* Stalled since seg_start: the check that cancels, unless the stall ends. */
static void watch_arm(struct pull *p)
{
    struct watchdog *wd = &cold_of(p)->wd;
    uint64_t k1 = tick_after(wd, wd->seg_start);
    uint64_t last = saw_bytes(wd, k1) ? k1 : wd->last_k;
    uint64_t kc = last + wd->need > k1 ? last + wd->need : k1;
    double t = tick_time(wd, kc);
    if (wd->ev != ENGINE_NO_EVENT) {
        if (wd->ev_time == t || wd->ev_time <= now_of(p))
            return; /* the same check, or one due now that saw the stall */
        engine_cancel(p->rt->engine, wd->ev);
    }
    wd->ev = engine_schedule(p->rt->engine, t, on_watchdog, p);
    wd->ev_time = t;
}

/* The stall ended; a check due at this very instant saw it and stays. */
static void watch_disarm(struct pull *p)
{
    struct watchdog *wd = &cold_of(p)->wd;
    if (wd->ev != ENGINE_NO_EVENT && wd->ev_time > now_of(p)) {
        engine_cancel(p->rt->engine, wd->ev);
        wd->ev = ENGINE_NO_EVENT;
    }
}

/* Re-reads the pull's request counts; call after every change of them. */
static void watch_update(struct pull *p)
{
    struct watchdog *wd = &cold_of(p)->wd;
    if (p->finished || wd->period == 0)
        return;
    enum watch_state st = p->n_active == 0 ? W_IDLE : p->n_flows > 0 ? W_FLOWING : W_STALLED;
    if (st == wd->state)
        return;
    watch_account(wd, now_of(p));
    wd->state = (uint8_t)st;
    wd->seg_start = now_of(p);
    if (st == W_STALLED)
        watch_arm(p);
    else
        watch_disarm(p);
}

static void watch_stop(struct pull *p)
{
    struct watchdog *wd = &cold_of(p)->wd;
    if (wd->ev != ENGINE_NO_EVENT)
        engine_cancel(p->rt->engine, wd->ev);
    wd->ev = ENGINE_NO_EVENT;
}

/* ---------------------------------------------------------------- finish */

static void on_finish(struct engine *e, void *arg)
{
    struct pull *p = arg;
    struct runtime *rt = p->rt;
    (void)e;
    node_remove_pull(node_of(p), p->id);
    rt->active--;
    p->live = false;
    struct runtime_result res = cold_of(p)->res;
    runtime_done_fn *done = p->done;
    void *done_arg = p->arg;
    p->next_free = rt->free_pulls;
    rt->free_pulls = p;
    done(done_arg, &res);
}

/* Ends the pull with success now; its callback runs from an event at this
 * instant, so callers never re-enter the runtime from inside a poke. */
static void finish(struct pull *p)
{
    watch_stop(p);
    p->finished = true;
    cold_of(p)->res.ok = true;
    node_add_image_for(node_of(p), p->image, cold_of(p)->handler, now_of(p));
    if (cold_of(p)->tag != SCENARIO_NONE)
        node_set_tag(node_of(p), cold_of(p)->tag, cold_of(p)->handler, p->image);
    engine_schedule(p->rt->engine, now_of(p), on_finish, p);
}

/* ---------------------------------------------------------------- requests */

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
    uint32_t m = registry_of(p)->cfg->manifest_requests;
    if (image_of(p)->n_platforms > 0)
        return q->index == m;
    return q->index == (m >= 2 ? 1u : 0u);
}

static void on_answer(struct engine *e, void *arg);

/* Sends q now: counted at the registry, then on the wire once it has a
 * registry slot. */
static void send(struct req *q)
{
    struct pull *p = q->p;
    struct registry *r = registry_of(p);
    r->requests++;
    if (q->k == REQ_MANIFEST)
        r->manifest_requests++;
    else
        r->blob_requests++;
    cold_of(p)->res.requests++;
    p->n_active++;
    if (registry_slot_acquire(r, q)) {
        q->has_slot = r->cfg->max_concurrent_requests > 0;
        transmit(q);
    } else {
        q->phase = RQ_SLOT;
    }
    watch_update(p);
}

/* q leaves the wire: no answer and no more bytes will come. */
static void hang(struct req *q)
{
    struct pull *p = q->p;
    if (q->phase == RQ_BODY) {
        net_flow_cancel(p->rt->net, q->flow);
        p->n_flows--;
    }
    q->phase = RQ_HUNG;
    registry_count_error(registry_of(p), REGISTRY_HANG);
    watch_update(p);
}

/* The pull's credential, read only where a registry cares (auth, or a rate
 * limit per credential): other registries never touch the cold record here. */
static uint32_t credential_of(const struct pull *p, const struct registry *r)
{
    if (!r->cfg->auth.on && r->cfg->rate_limit.key != SCENARIO_RATE_CREDENTIAL)
        return REGISTRY_ANONYMOUS;
    return cold_of(p)->credential;
}

/* The resolve (the first manifest-phase request) carries the authorization:
 * containerd's docker authorizer gets a token for the repository there and
 * reuses it for the pull's later requests (core/remotes/docker/authorizer.go). */
static bool needs_authorization(const struct req *q, const struct registry *r)
{
    return r->cfg->auth.on && q->k == REQ_MANIFEST && q->index == 0;
}

/* The repository path at its registry: "shop/api" of "registry.example.com/shop/api". */
static const char *repository_of(const struct pull *p)
{
    const struct scenario_image *im = image_of(p);
    return im->name + strlen(registry_of(p)->cfg->host) + 1;
}

/* The request is on the wire now: judged by the registry, answered after its
 * latency (a refused connection answers at once, a hang never). */
static void transmit(struct req *q)
{
    struct pull *p = q->p;
    struct runtime *rt = p->rt;
    struct registry *r = registry_of(p);
    struct node *nd = node_of(p);
    double now = now_of(p);
    enum registry_outcome o = registry_outage(r, now);
    q->phase = RQ_LATENCY;
    if (o == REGISTRY_HANG) {
        hang(q);
        return;
    }
    double lat = 0;
    if (o == REGISTRY_OK) {
        lat = registry_request_latency(r, rt->rng, &nd->latency_rng);
        uint32_t cred = credential_of(p, r);
        /* The token comes first: a refused one never reaches the manifest GET,
         * so it draws no failure and uses no quota. */
        if (needs_authorization(q, r) && !registry_authorizes(r, repository_of(p), cred))
            o = REGISTRY_UNAUTHORIZED;
        else
            o = registry_judge_as(r, now, is_counted(q), p->node, nd->pool, cred, rt->rng,
                                  &nd->failure_rng);
    }
    q->outcome = (uint8_t)o;
    q->ev = engine_schedule(rt->engine, now + lat, on_answer, q);
}

/* Gives back q's registry slot, if it holds one (may grant a waiter). */
static void release_slot(struct req *q)
{
    if (!q->has_slot)
        return;
    q->has_slot = false;
    registry_slot_release(registry_of(q->p));
}

/* Stops whatever q has in progress (its pull is failing). */
static void abandon(struct req *q)
{
    struct runtime *rt = q->p->rt;
    switch ((enum req_phase)q->phase) {
    case RQ_SLOT:
        registry_slot_forget(registry_of(q->p), q);
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
    release_slot(q);
    req_put(rt, q);
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
        return cold_of(q->p)->credential == REGISTRY_ANONYMOUS ? RUNTIME_ERR_AUTH_ANONYMOUS
                                                               : RUNTIME_ERR_AUTH_REJECTED;
    }
    return RUNTIME_ERR_NONE;
}

/* ---------------------------------------------------------------- manifests */

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

/* Sends the next manifest-phase request, or moves on to the layers. */
static void next_request(struct pull *p)
{
    if (p->requests_left == 0) {
        p->in_layers = true;
        progress(p);
        return;
    }
    p->requests_left--;
    struct req *q = req_get(p->rt, p, REQ_MANIFEST);
    q->index = p->requests_sent++;
    p->mreq = q;
    send(q);
}

static void manifest_answered(struct req *q)
{
    struct pull *p = q->p;
    /* Simplification: the platform is matched once the single-platform
     * requests are done, in place of the platform manifest request. */
    if (p->requests_left == 1 && !node_platform_matches(p)) {
        fail_pull(p, RUNTIME_ERR_PLATFORM, q->index);
        return;
    }
    release_slot(q);
    p->mreq = NULL;
    /* The next request is sent before this one is counted out, so the
     * watchdog never sees a gap between them. */
    next_request(p);
    p->n_active--;
    req_put(p->rt, q);
    watch_update(p);
}

void runtime_move_tag(struct runtime *rt, uint32_t tag, uint32_t image)
{
    rt->tag_target[tag] = image;
}

uint32_t runtime_tag_target(const struct runtime *rt, uint32_t tag)
{
    return rt->tag_target[tag];
}

void runtime_pull(struct runtime *rt, uint32_t node, uint32_t ref, bool by_digest,
                  uint32_t handler, runtime_done_fn *done, void *arg)
{
    runtime_pull_as(rt, node, ref, by_digest, handler, REGISTRY_ANONYMOUS, done, arg);
}

void runtime_pull_as(struct runtime *rt, uint32_t node, uint32_t ref, bool by_digest,
                     uint32_t handler, uint32_t credential, runtime_done_fn *done, void *arg)
{
    struct pull *p = pull_get(rt);
    /* Simplification: the tag is resolved when the pull starts (its resolve
     * request is sent then), not when the registry answers it. */
    uint32_t image = by_digest ? ref : rt->tag_target[ref];
    const struct scenario_image *im = &rt->sc->images[image];
    uint8_t *ls = p->ls;
    struct req **lreq = p->lreq;
    size_t ls_cap = p->ls_cap;
    uint32_t id = p->id;
    *p = (struct pull){.rt = rt, .id = id, .node = node, .image = image, .done = done,
                       .arg = arg, .ls = ls, .lreq = lreq, .ls_cap = ls_cap, .live = true};
    if (p->ls_cap < im->n_layers) {
        /* One block per record, as few allocations as before requests
         * were tracked: pokes walk ls, and scattered arrays miss the cache. */
        p->ls_cap = im->n_layers;
        free(p->lreq);
        p->lreq = xmalloc(p->ls_cap * (sizeof(*p->lreq) + 1));
        p->ls = (uint8_t *)(p->lreq + p->ls_cap);
    }
    memset(p->ls, LS_PENDING, im->n_layers);
    memset(p->lreq, 0, im->n_layers * sizeof(*p->lreq));
    p->requests_left = rt->registries[im->registry].cfg->manifest_requests +
                       (im->n_platforms > 0 ? 1u : 0u);
    /* Blobs go to the one content store, chains to the handler's snapshotter. */
    p->snap = (uint8_t)runtimeclass_snapshotter(rt->sc, handler);
    node_add_pull_for(&rt->nodes[node], p->id, image, handler);
    rt->active++;
    cold_of(p)->res = (struct runtime_result){.ok = false, .image = image};
    cold_of(p)->tag = by_digest ? SCENARIO_NONE : ref;
    cold_of(p)->handler = handler;
    cold_of(p)->credential = credential;
    watch_start(p);
    next_request(p);
}

/* ---------------------------------------------------------------- fetches */

static void on_body_done(void *arg);

static void start_fetch(struct pull *p, uint32_t k)
{
    p->ls[k] = LS_FETCHING;
    p->rt->layer_transfers++;
    struct req *q = req_get(p->rt, p, k);
    p->lreq[k] = q;
    send(q);
}

/* The blob GET was answered: its bytes start to flow. */
static void body_start(struct req *q)
{
    struct pull *p = q->p;
    const struct scenario_layer *l = &p->rt->sc->layers[image_of(p)->layers[q->k]];
    const struct registry *r = registry_of(p);
    const struct node *nd = node_of(p);
    uint32_t links[3] = {r->egress, nd->nic, nd->disk};
    struct node *wnd = node_of(p);
    /* Source: spec §8 (disk), §11: the blob is written to the content store's
     * ingest; a full filesystem fails the write (ENOSPC) and so the pull.
     * Simplification: the whole blob is reserved (and checked) when its bytes
     * start, not as they are written. */
    if (node_disk_free(wnd) < l->size) {
        fail_pull(p, RUNTIME_ERR_NO_SPACE_FETCH, q->k);
        return;
    }
    wnd->disk_reserved += l->size;
    q->reserved = true;
    q->phase = RQ_BODY;
    q->flow = net_flow_start(p->rt->net, (double)l->size, r->per_connection_bandwidth, links, 3,
                             on_body_done, q);
    p->n_flows++;
    watch_update(p);
}

static void on_answer(struct engine *e, void *arg)
{
    struct req *q = arg;
    struct pull *p = q->p;
    struct registry *r = registry_of(p);
    (void)e;
    q->ev = ENGINE_NO_EVENT;
    /* An answer due while the registry is down is refused or never comes. */
    enum registry_outcome o = registry_outage(r, now_of(p));
    if (o == REGISTRY_OK)
        o = (enum registry_outcome)q->outcome;
    switch (o) {
    case REGISTRY_OK:
        if (q->k == REQ_MANIFEST)
            manifest_answered(q);
        else
            body_start(q);
        return;
    case REGISTRY_HANG:
        hang(q);
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
    fail_pull(p, error_of(q, o), q->k == REQ_MANIFEST ? q->index : q->k);
}

/* Hands free node download tokens to waiting requests, in FIFO order. */
static void grant_tokens(struct runtime *rt, struct node *nd)
{
    uint32_t limit = nd->cfg->runtime.max_concurrent_downloads;
    while (nd->tokens_used < limit && nd->token_head < nd->n_token_q) {
        struct node_token_req req = nd->token_q[nd->token_head++];
        nd->tokens_used++;
        start_fetch(pull_at(rt, req.pull), req.layer);
    }
    if (nd->token_head == nd->n_token_q)
        nd->token_head = nd->n_token_q = 0;
}

/* Gives back the download slot (scope pull) or node token of a fetch. */
static void release_download(struct pull *p)
{
    struct node *nd = node_of(p);
    if (nd->cfg->runtime.scope == SCENARIO_DOWNLOADS_PER_PULL)
        p->slots--;
    else
        nd->tokens_used--;
}

static void on_body_done(void *arg)
{
    struct req *q = arg;
    struct pull *p = q->p;
    struct runtime *rt = p->rt;
    struct node *nd = node_of(p);
    uint32_t layer = image_of(p)->layers[q->k];
    uint64_t size = rt->sc->layers[layer].size;
    nd->disk_reserved -= size;
    q->reserved = false;
    node_set_layer_state(nd, layer, NODE_READY);
    nd->bytes_fetched += size;
    p->ls[q->k] = LS_DONE;
    p->lreq[q->k] = NULL;
    struct runtime_result *res = &cold_of(p)->res;
    res->bytes += size;
    res->layers_fetched++;
    release_download(p);
    release_slot(q);
    if (nd->cfg->runtime.scope == SCENARIO_DOWNLOADS_PER_NODE)
        grant_tokens(rt, nd);
    poke(rt, nd);
    /* Counted out after the poke, which may have sent this pull's next
     * requests: the watchdog sees no false gap. */
    p->n_flows--;
    p->n_active--;
    req_put(p->rt, q);
    watch_update(p);
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
 * holder gave the lock up without the blob (it failed). */
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
    struct req *q = arg;
    struct pull *p = q->p;
    const struct scenario_image *im = image_of(p);
    node_of(p)->disk_reserved -= p->rt->sc->layers[im->layers[q->k]].unpacked_size;
    p->ureq = NULL;
    req_put(p->rt, q);
    node_set_chain_state_in(node_of(p), image_of(p)->chains[p->unpack_cursor], p->snap,
                            NODE_READY);
    p->unpacking = false;
    p->unpack_cursor++;
    poke(p->rt, node_of(p));
}

static void on_no_space(struct engine *e, void *arg)
{
    struct pull *p = arg;
    (void)e;
    if (!p->finished)
        fail_pull(p, RUNTIME_ERR_NO_SPACE_UNPACK, p->unpack_cursor);
}

/* Applies chains in order, one at a time; finishes the pull after the last.
 * Source: spec §11 (unpack sequential by default, max_concurrent_unpacks 1). */
static void unpack(struct pull *p)
{
    const struct scenario_image *im = image_of(p);
    struct node *nd = node_of(p);
    while (!p->unpacking && p->unpack_cursor < im->n_layers) {
        uint32_t k = p->unpack_cursor, chain = im->chains[k];
        enum node_state cs = node_chain_state_in(nd, chain, p->snap);
        if (cs == NODE_READY) {
            p->unpack_cursor++;
            continue;
        }
        if (cs == NODE_BUSY || node_layer_state(nd, im->layers[k]) != NODE_READY)
            return; /* poked again when the chain or the blob is ready */
        double cap = nd->cfg->runtime.unpack_bandwidth;
        uint64_t bytes = p->rt->sc->layers[im->layers[k]].unpacked_size;
        if (node_disk_free(nd) < bytes) {
            /* Source: spec §8, §11: the snapshotter's write fails with ENOSPC.
             * Inside a poke: the failure comes from an event at this instant. */
            p->unpacking = true;
            p->no_space = true;
            engine_schedule(p->rt->engine, now_of(p), on_no_space, p);
            return;
        }
        if (nd->disk == NET_NO_LINK && isinf(cap)) {
            node_set_chain_state_in(nd, chain, p->snap, NODE_READY);
            p->unpack_cursor++;
            continue;
        }
        node_set_chain_state_in(nd, chain, p->snap, NODE_BUSY);
        nd->disk_reserved += bytes;
        p->unpacking = true;
        uint32_t links[1] = {nd->disk};
        struct req *q = req_get(p->rt, p, k);
        p->ureq = q;
        q->flow = net_flow_start(p->rt->net,
                                 (double)p->rt->sc->layers[im->layers[k]].unpacked_size, cap,
                                 links, 1, on_unpack_done, q);
    }
    if (p->unpack_cursor == im->n_layers)
        finish(p);
}

static void progress(struct pull *p)
{
    if (p->finished || !p->in_layers)
        return;
    resolve_waits(p);
    dispatch(p);
    unpack(p);
}

/* Something on the node changed (a blob or a chain became ready, or a lock
 * was given up): every active pull there re-checks, in start order. */
static void poke(struct runtime *rt, struct node *nd)
{
    for (size_t i = 0; i < nd->n_pulls; i++)
        progress(pull_at(rt, nd->pulls[i]));
}

/* ---------------------------------------------------------------- failure */

/* Drops the pull's requests waiting for a node download token. */
static void forget_token_reqs(struct pull *p)
{
    struct node *nd = node_of(p);
    size_t j = nd->token_head;
    for (size_t i = nd->token_head; i < nd->n_token_q; i++)
        if (nd->token_q[i].pull != p->id)
            nd->token_q[j++] = nd->token_q[i];
    nd->n_token_q = j;
    if (nd->token_head == nd->n_token_q)
        nd->token_head = nd->n_token_q = 0;
}

/* Gives up every layer lock the pull holds: their blobs go back to ABSENT. */
static void release_layers(struct pull *p)
{
    const struct scenario_image *im = image_of(p);
    struct node *nd = node_of(p);
    for (uint32_t k = 0; k < p->cursor; k++) {
        switch ((enum layer_step)p->ls[k]) {
        case LS_FETCHING:
            if (p->lreq[k]->reserved)
                nd->disk_reserved -= p->rt->sc->layers[im->layers[k]].size;
            abandon(p->lreq[k]);
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

/*
 * Fails the pull now: containerd cancels the pull's context, so every
 * fetch and the unpack stop and their locks are released (blob locks and
 * snapshot chain locks: core/unpack/unpacker.go). Blob requests waiting
 * for a registry slot are dropped first, so a slot another of its requests
 * gives back never goes to this pull. (A manifest request is alone: no blob
 * request exists yet.) Call only from an event handler (never in a poke).
 */
static void fail_pull(struct pull *p, enum runtime_error code, uint32_t at)
{
    struct runtime *rt = p->rt;
    struct node *nd = node_of(p);
    watch_stop(p);
    p->finished = true;
    for (uint32_t k = 0; k < p->cursor; k++)
        if (p->ls[k] == LS_FETCHING && p->lreq[k]->phase == RQ_SLOT)
            registry_slot_forget(registry_of(p), p->lreq[k]);
    forget_token_reqs(p);
    if (p->mreq)
        abandon(p->mreq);
    p->mreq = NULL;
    release_layers(p);
    if (p->unpacking && p->ureq) {
        nd->disk_reserved -=
            rt->sc->layers[image_of(p)->layers[p->unpack_cursor]].unpacked_size;
        net_flow_cancel(rt->net, p->ureq->flow);
        req_put(rt, p->ureq);
        p->ureq = NULL;
        node_set_chain_state_in(nd, image_of(p)->chains[p->unpack_cursor], p->snap,
                                NODE_ABSENT);
    }
    struct runtime_result *res = &cold_of(p)->res;
    res->ok = false;
    res->code = code;
    res->error_at = at;
    res->error = runtime_error_text(code);
    engine_schedule(rt->engine, now_of(p), on_finish, p);
    if (nd->cfg->runtime.scope == SCENARIO_DOWNLOADS_PER_NODE)
        grant_tokens(rt, nd);
    poke(rt, nd);
}

void runtime_registry_outage_began(struct runtime *rt, uint32_t registry)
{
    struct registry *r = &rt->registries[registry];
    enum registry_outcome mode = registry_outage(r, engine_now(rt->engine));
    if (mode == REGISTRY_OK)
        return;
    /* Pull records are visited in id order, never in pointer order. */
    for (size_t i = 0; i < rt->n_pulls; i++) {
        struct pull *p = pull_at(rt, i);
        if (!p->live || p->finished || image_of(p)->registry != registry)
            continue;
        for (uint32_t k = 0; k < p->cursor && !p->finished; k++) {
            struct req *q = p->ls[k] == LS_FETCHING ? p->lreq[k] : NULL;
            if (!q || q->phase != RQ_BODY)
                continue;
            if (mode == REGISTRY_HANG) {
                hang(q);
            } else {
                registry_count_error(r, REGISTRY_REFUSED);
                fail_pull(p, RUNTIME_ERR_BLOB_RESET, k);
            }
        }
    }
}

/* ---------------------------------------------------------------- messages */

const char *runtime_error_text(enum runtime_error code)
{
    switch (code) {
    case RUNTIME_ERR_NONE:
        break;
    case RUNTIME_ERR_PLATFORM:
        return "no match for platform in manifest: not found";
    case RUNTIME_ERR_MANIFEST_UNAVAILABLE:
        return "failed to resolve reference: 503 Service Unavailable";
    case RUNTIME_ERR_MANIFEST_REFUSED:
        return "failed to resolve reference: connection refused";
    case RUNTIME_ERR_TOO_MANY_REQUESTS:
        return "429 Too Many Requests: toomanyrequests";
    case RUNTIME_ERR_BLOB_UNAVAILABLE:
        return "failed to fetch layer: 503 Service Unavailable";
    case RUNTIME_ERR_BLOB_REFUSED:
        return "failed to fetch layer: connection refused";
    case RUNTIME_ERR_BLOB_RESET:
        return "failed to fetch layer: connection reset by peer";
    case RUNTIME_ERR_PROGRESS_TIMEOUT:
        return "no progress within image_pull_progress_timeout: context canceled";
    case RUNTIME_ERR_NO_SPACE_FETCH:
        return "failed to fetch layer: no space left on device";
    case RUNTIME_ERR_NO_SPACE_UNPACK:
        return "failed to extract layer: no space left on device";
    case RUNTIME_ERR_AUTH_ANONYMOUS:
        return "failed to authorize: failed to fetch anonymous token: 401 Unauthorized";
    case RUNTIME_ERR_AUTH_REJECTED:
        return "failed to authorize: failed to fetch oauth token: 401 Unauthorized";
    }
    return NULL;
}

/* The host containerd contacts for a registry name (docker.io's API host). */
static const char *api_host(const char *host)
{
    return strcmp(host, "docker.io") == 0 ? "registry-1.docker.io" : host;
}

/*
 * Error texts as the kubelet sees them. Source: containerd
 * internal/cri/server/images/image_pull.go ("failed to pull and unpack
 * image %q: %w"), core/remotes/docker/resolver.go ("failed to resolve
 * reference"), core/remotes/errors (unexpected status), fetcher.go
 * (httpReadSeeker); cri-client remote_image.go strips the gRPC prefix of
 * codes.Unknown only, so a cancelled pull keeps "rpc error: code =
 * Canceled". The exact wording differs between containerd versions; the
 * shape (and the first words, which decide the kubelet's reason) is what
 * matters. No text starts with "RegistryUnavailable": containerd never
 * returns that CRI error, so every failure here is ErrImagePull.
 */
/* Where a request of the pull of 'im' went: containerd's API host, the
 * repository path and the tag or digest. */
struct request_url {
    const char *host, *path, *ref;
};

static struct request_url url_of(const struct scenario *sc, const struct scenario_image *im)
{
    const char *host = sc->registries[im->registry].host;
    return (struct request_url){.host = api_host(host),
                                .path = im->name + strlen(host) + 1,
                                .ref = im->normalized + strlen(im->name) + 1};
}

/* The detail of a manifest-phase failure: resolve (request 0, a HEAD) or
 * a later GET. */
static void manifest_detail(const struct scenario_image *im, struct request_url u,
                            enum runtime_error code, uint32_t at, struct strbuf *sb)
{
    if (code == RUNTIME_ERR_MANIFEST_UNAVAILABLE)
        strbuf_addf(sb, "failed to resolve reference \"%s\": unexpected status from %s request "
                    "to https://%s/v2/%s/manifests/%s: 503 Service Unavailable",
                    im->normalized, at == 0 ? "HEAD" : "GET", u.host, u.path, u.ref);
    else if (code == RUNTIME_ERR_MANIFEST_REFUSED)
        strbuf_addf(sb, "failed to resolve reference \"%s\": failed to do request: %s "
                    "\"https://%s/v2/%s/manifests/%s\": dial tcp: connect: connection refused",
                    im->normalized, at == 0 ? "Head" : "Get", u.host, u.path, u.ref);
    else
        strbuf_addf(sb, "failed to copy: httpReadSeeker: failed open: unexpected status code "
                    "https://%s/v2/%s/manifests/%s: 429 Too Many Requests - Server message: "
                    "toomanyrequests: You have reached your pull rate limit. You may increase "
                    "the limit by authenticating and upgrading: "
                    "https://www.docker.com/increase-rate-limit", u.host, u.path, u.ref);
}

/* The detail of a blob GET failure ('layer' is the scenario's layer id). */
static void blob_detail(struct request_url u, const char *layer, enum runtime_error code,
                        struct strbuf *sb)
{
    if (code == RUNTIME_ERR_BLOB_UNAVAILABLE)
        strbuf_addf(sb, "failed to copy: httpReadSeeker: failed open: unexpected status code "
                    "https://%s/v2/%s/blobs/%s: 503 Service Unavailable", u.host, u.path,
                    layer);
    else if (code == RUNTIME_ERR_BLOB_REFUSED)
        strbuf_addf(sb, "failed to copy: httpReadSeeker: failed open: failed to do request: "
                    "Get \"https://%s/v2/%s/blobs/%s\": dial tcp: connect: connection refused",
                    u.host, u.path, layer);
    else
        strbuf_addf(sb, "failed to copy: read tcp: read: connection reset by peer");
}

/*
 * A 401 on the resolve. Source: containerd core/remotes/docker/authorizer.go
 * (doBearerAuth: "failed to fetch anonymous token: %w" without credentials,
 * "failed to fetch oauth token: %w" with them, the POST falling back to a
 * GET on 401), resolver.go (the resolve wraps ErrInvalidAuthorization as
 * "pull access denied, repository does not exist or may require
 * authorization", with the bearer challenge's "server message:
 * insufficient_scope: authorization failed"), core/remotes/errors
 * ("unexpected status from %s request to %s: %s"); real texts of both kinds
 * are quoted in issue threads and blog posts (ghcr.io, Harbor, Docker Hub).
 * Docker Hub hands anonymous clients a token without access, so its
 * anonymous 401 comes from the manifest (pull access denied); other
 * registries refuse the anonymous token itself. Simplification: the token
 * realm of a registry other than Docker Hub is https://HOST/token with
 * service HOST (as on ghcr.io); real realms differ.
 */
static void auth_detail(const struct scenario *sc, const struct scenario_image *im,
                        enum runtime_error code, struct strbuf *sb)
{
    const char *host = sc->registries[im->registry].host;
    bool hub = strcmp(host, "docker.io") == 0;
    strbuf_addf(sb, "failed to resolve reference \"%s\": ", im->normalized);
    if (code == RUNTIME_ERR_AUTH_ANONYMOUS && hub) {
        strbuf_addf(sb, "pull access denied, repository does not exist or may require "
                        "authorization: server message: insufficient_scope: authorization "
                        "failed");
        return;
    }
    strbuf_addf(sb, "failed to authorize: failed to fetch %s token: unexpected status from "
                    "GET request to https://%s/token?scope=repository%%3A",
                code == RUNTIME_ERR_AUTH_ANONYMOUS ? "anonymous" : "oauth",
                hub ? "auth.docker.io" : host);
    for (const char *c = im->name + strlen(host) + 1; *c; c++) {
        if (*c == '/')
            strbuf_addf(sb, "%%2F");
        else
            strbuf_addc(sb, *c);
    }
    strbuf_addf(sb, "%%3Apull&service=%s: 401 Unauthorized", hub ? "registry.docker.io" : host);
}

void runtime_format_error(const struct scenario *sc, uint32_t image, enum runtime_error code,
                          uint32_t error_at, struct strbuf *sb)
{
    const struct scenario_image *im = &sc->images[image];
    struct request_url u = url_of(sc, im);
    const char *layer = error_at < im->n_layers ? sc->layers[im->layers[error_at]].id : "";
    switch (code) {
    case RUNTIME_ERR_NONE:
        return;
    case RUNTIME_ERR_PROGRESS_TIMEOUT:
        strbuf_addf(sb, "rpc error: code = Canceled desc = failed to pull and unpack image "
                        "\"%s\": context canceled", im->normalized);
        return;
    case RUNTIME_ERR_PLATFORM:
        strbuf_addf(sb, "failed to pull and unpack image \"%s\": no match for platform in "
                        "manifest: not found", im->normalized);
        return;
    case RUNTIME_ERR_MANIFEST_UNAVAILABLE:
    case RUNTIME_ERR_MANIFEST_REFUSED:
    case RUNTIME_ERR_TOO_MANY_REQUESTS:
        strbuf_addf(sb, "failed to pull and unpack image \"%s\": ", im->normalized);
        manifest_detail(im, u, code, error_at, sb);
        return;
    case RUNTIME_ERR_BLOB_UNAVAILABLE:
    case RUNTIME_ERR_BLOB_REFUSED:
    case RUNTIME_ERR_BLOB_RESET:
        strbuf_addf(sb, "failed to pull and unpack image \"%s\": ", im->normalized);
        blob_detail(u, layer, code, sb);
        return;
    case RUNTIME_ERR_NO_SPACE_FETCH:
        /* Source: containerd content/local writer (ingest) and the OS's ENOSPC text. */
        strbuf_addf(sb, "failed to pull and unpack image \"%s\": failed to copy: write "
                        "/var/lib/containerd/io.containerd.content.v1.content/ingest/%s/data: "
                        "no space left on device", im->normalized, layer);
        return;
    case RUNTIME_ERR_NO_SPACE_UNPACK:
        /* Source: core/unpack/unpacker.go ("failed to extract layer") and ENOSPC. */
        strbuf_addf(sb, "failed to pull and unpack image \"%s\": failed to extract layer "
                        "%s: write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/"
                        "snapshots: no space left on device", im->normalized, layer);
        return;
    case RUNTIME_ERR_AUTH_ANONYMOUS:
    case RUNTIME_ERR_AUTH_REJECTED:
        strbuf_addf(sb, "failed to pull and unpack image \"%s\": ", im->normalized);
        auth_detail(sc, im, code, sb);
        return;
    }
}
