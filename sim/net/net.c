/*
 * net.c - max-min fair sharing of link bandwidth between flows.
 *
 * Model. Each active flow f crosses a set of links L(f) and may have its
 * own cap c(f). The max-min fair allocation is found by progressive filling
 * [SimGrid lmm System.hpp, Bertsekas & Gallager]: raise every unfixed flow's
 * rate together; the first constraint to bind (a link whose remaining
 * capacity divided by its unfixed flows is smallest, or a flow cap) fixes
 * the flows it touches at that level; remove them, subtract their rates
 * from their links, repeat.
 *
 * Worked example (three flows, two links):
 *   registry egress R = 10 B/s; NIC A = 4 B/s; NIC B = 100 B/s.
 *   f1: R, A      f2: R, A      f3: R, B
 *   Round 1: levels R 10/3 = 3.33, A 4/2 = 2, B 100/1 = 100 -> A binds at 2:
 *            f1 = f2 = 2; R keeps 10 - 4 = 6 for 1 flow.
 *   Round 2: R 6/1 = 6, B 100 -> R binds: f3 = 6.   Result (2, 2, 6).
 *
 * Progress. Rates are constant between re-shares, so each flow's remaining
 * bytes are advanced only when the allocation changes (advance()), and one
 * engine event is kept for the earliest completion. Starts and cancels at
 * one instant mark the allocation dirty and schedule a single re-share at
 * that same instant, so a burst of starts costs one solve.
 */
#include "net/net.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/base.h"
#include "net/netfast.h"

/* Relative slack when deciding that a link is saturated at the current level. */
#define LEVEL_RTOL 1e-12

struct link {
    double cap;      /* B/s */
    double load;     /* B/s: sum of current rates */
    double bytes;    /* carried since time 0, up to t_load */
    double t_load;   /* s: since when 'load' has been constant */
    double rem;      /* solver scratch: capacity left */
    uint32_t nflows; /* active flows crossing it */
    uint32_t unfixed; /* solver scratch */
    bool saturated;  /* solver scratch */
};

struct flow {
    double remaining; /* bytes */
    double rate;      /* B/s, current */
    double cap;       /* B/s, own limit */
    uint64_t serial;  /* start order: tie-break for simultaneous completions */
    net_done_fn *fn;
    void *arg;
    uint32_t links[NET_MAX_LINKS];
    uint8_t n_links;
    bool active;
    bool fixed;       /* solver scratch */
    uint32_t pos;     /* index in net->active */
    uint32_t next_free;
};

/* A finished flow; sorted by start serial, which is unique, so qsort's
 * instability cannot reorder equal keys. */
struct done_flow {
    uint64_t serial;
    uint32_t id;
    net_done_fn *fn; /* copied: the id is recycled before the callbacks run */
    void *arg;
};

struct net {
    struct engine *engine;
    struct netfast *fast;   /* NET_MODEL_AUTO: every call goes there */
    struct link *links;
    size_t n_links, cap_links;
    struct flow *flows;
    size_t n_flows, cap_flows;
    uint32_t free_head;     /* free list of flow records, UINT32_MAX = empty */
    uint32_t *active;       /* ids of active flows */
    size_t n_active, cap_active;
    uint32_t *scratch;      /* used link ids (solver) */
    struct done_flow *done; /* flows finishing at this instant */
    size_t n_done, cap_done;
    size_t cap_scratch;
    uint64_t next_serial;
    double t_advanced;      /* time up to which remaining/bytes are current */
    engine_event_id completion_ev;
    engine_event_id reshare_ev;
};

static void on_completion(struct engine *e, void *arg);
static void on_reshare(struct engine *e, void *arg);

struct net *net_new(struct engine *e, enum net_model model)
{
    struct net *n = xcalloc(1, sizeof(*n));
    n->engine = e;
    switch (model) {
    case NET_MODEL_AUTO:
        n->fast = netfast_new(e);
        break;
    case NET_MODEL_EXACT:
        break;
    }
    n->free_head = UINT32_MAX;
    n->completion_ev = ENGINE_NO_EVENT;
    n->reshare_ev = ENGINE_NO_EVENT;
    return n;
}

void net_free(struct net *n)
{
    if (!n)
        return;
    netfast_free(n->fast);
    engine_cancel(n->engine, n->completion_ev);
    engine_cancel(n->engine, n->reshare_ev);
    free(n->links);
    free(n->flows);
    free(n->active);
    free(n->scratch);
    free(n->done);
    free(n);
}

uint32_t net_link_add(struct net *n, double capacity)
{
    return net_link_add_local(n, capacity, NET_SHARED);
}

uint32_t net_link_add_local(struct net *n, double capacity, uint32_t group)
{
    assert(capacity > 0);
    if (n->fast)
        return netfast_link_add(n->fast, capacity, group);
    struct link *l = VEC_PUSH(n->links, n->n_links, n->cap_links);
    l->cap = capacity;
    return (uint32_t)(n->n_links - 1);
}

/* Moves every active flow's remaining bytes forward to now at the current
 * rates. (Link byte counters follow their loads instead: fold_load().) */
static void advance(struct net *n)
{
    double now = engine_now(n->engine);
    double dt = now - n->t_advanced;
    if (dt <= 0)
        return;
    for (size_t i = 0; i < n->n_active; i++) {
        struct flow *f = &n->flows[n->active[i]];
        double moved = f->rate * dt;
        if (moved > f->remaining || isinf(moved))
            moved = f->remaining;
        f->remaining -= moved;
        if (f->remaining < NET_EPS_BYTES)
            f->remaining = 0;
    }
    n->t_advanced = now;
}

/* Adds the bytes a link carried at its constant load since t_load; called
 * before its load changes, so net_link_bytes() never has to touch flows. */
static void fold_load(struct net *n, struct link *l)
{
    double now = engine_now(n->engine);
    l->bytes += l->load * (now - l->t_load);
    l->t_load = now;
}

static void ensure_scratch(struct net *n, size_t want)
{
    if (want > n->cap_scratch) {
        n->cap_scratch = want * 2;
        n->scratch = xrealloc(n->scratch, n->cap_scratch * sizeof(*n->scratch));
    }
}

/* Collects the links used by active flows into n->scratch; returns how many. */
static size_t collect_used_links(struct net *n)
{
    size_t used = 0;
    ensure_scratch(n, n->n_active * NET_MAX_LINKS + 1);
    for (size_t i = 0; i < n->n_active; i++) {
        struct flow *f = &n->flows[n->active[i]];
        f->fixed = false;
        for (uint8_t k = 0; k < f->n_links; k++) {
            struct link *l = &n->links[f->links[k]];
            if (l->unfixed++ == 0) {
                fold_load(n, l);
                l->rem = l->cap;
                l->load = 0;
                n->scratch[used++] = f->links[k];
            }
        }
    }
    return used;
}

/* One progressive-filling round: the lowest binding level over links and
 * flow caps; INFINITY when nothing binds. */
static double lowest_level(struct net *n, size_t used)
{
    double level = INFINITY;
    for (size_t i = 0; i < used; i++) {
        struct link *l = &n->links[n->scratch[i]];
        if (l->unfixed > 0 && l->rem / l->unfixed < level)
            level = l->rem / l->unfixed;
    }
    for (size_t i = 0; i < n->n_active; i++) {
        struct flow *f = &n->flows[n->active[i]];
        if (!f->fixed && f->cap < level)
            level = f->cap;
    }
    return level;
}

/* Fixes every unfixed flow bound at 'level'; returns how many were fixed. */
static size_t fix_at_level(struct net *n, size_t used, double level)
{
    double limit = level * (1 + LEVEL_RTOL);
    for (size_t i = 0; i < used; i++) {
        struct link *l = &n->links[n->scratch[i]];
        l->saturated = l->unfixed > 0 && l->rem / l->unfixed <= limit;
    }
    size_t fixed = 0;
    for (size_t i = 0; i < n->n_active; i++) {
        struct flow *f = &n->flows[n->active[i]];
        if (f->fixed)
            continue;
        bool bound = f->cap <= limit;
        for (uint8_t k = 0; k < f->n_links && !bound; k++)
            bound = n->links[f->links[k]].saturated;
        if (!bound)
            continue;
        f->fixed = true;
        f->rate = f->cap < level ? f->cap : level;
        fixed++;
        for (uint8_t k = 0; k < f->n_links; k++) {
            struct link *l = &n->links[f->links[k]];
            l->rem -= f->rate;
            if (l->rem < 0)
                l->rem = 0;
            l->load += f->rate;
            l->unfixed--;
        }
    }
    return fixed;
}

/* Max-min fair rates for all active flows (progressive filling). */
static void solve(struct net *n)
{
    size_t used = collect_used_links(n);
    size_t left = n->n_active;
    while (left > 0) {
        double level = lowest_level(n, used);
        if (isinf(level)) {
            /* Nothing constrains the rest: they complete at once. */
            for (size_t i = 0; i < n->n_active; i++) {
                struct flow *f = &n->flows[n->active[i]];
                if (!f->fixed)
                    f->rate = INFINITY, f->fixed = true;
            }
            break;
        }
        size_t fixed = fix_at_level(n, used, level);
        assert(fixed > 0);
        left -= fixed;
    }
    for (size_t i = 0; i < used; i++)
        n->links[n->scratch[i]].unfixed = 0;
}

/* Time at which the earliest active flow completes; INFINITY when none. */
static double next_completion(const struct net *n)
{
    double now = engine_now(n->engine), best = INFINITY;
    for (size_t i = 0; i < n->n_active; i++) {
        const struct flow *f = &n->flows[n->active[i]];
        double t = f->remaining <= 0 || isinf(f->rate) ? now : now + f->remaining / f->rate;
        if (t < best)
            best = t;
    }
    return best;
}

/* Advance, re-solve and re-arm the completion event. */
static void reshare(struct net *n)
{
    advance(n);
    engine_cancel(n->engine, n->reshare_ev);
    n->reshare_ev = ENGINE_NO_EVENT;
    solve(n);
    engine_cancel(n->engine, n->completion_ev);
    n->completion_ev = ENGINE_NO_EVENT;
    double t = next_completion(n);
    if (!isinf(t))
        n->completion_ev = engine_schedule(n->engine, t, on_completion, n);
}

static void mark_dirty(struct net *n)
{
    if (n->reshare_ev == ENGINE_NO_EVENT)
        n->reshare_ev = engine_schedule(n->engine, engine_now(n->engine), on_reshare, n);
}

static void on_reshare(struct engine *e, void *arg)
{
    struct net *n = arg;
    (void)e;
    n->reshare_ev = ENGINE_NO_EVENT;
    reshare(n);
}

static void remove_active(struct net *n, uint32_t id)
{
    struct flow *f = &n->flows[id];
    uint32_t last = n->active[--n->n_active];
    n->active[f->pos] = last;
    n->flows[last].pos = f->pos;
    for (uint8_t k = 0; k < f->n_links; k++) {
        struct link *l = &n->links[f->links[k]];
        fold_load(n, l);
        l->nflows--;
        l->load -= f->rate;
        if (l->nflows == 0 || l->load < 0)
            l->load = 0;
    }
    f->active = false;
    f->next_free = n->free_head;
    n->free_head = id;
}

static int by_serial(const void *a, const void *b)
{
    uint64_t sa = ((const struct done_flow *)a)->serial;
    uint64_t sb = ((const struct done_flow *)b)->serial;
    return (sa > sb) - (sa < sb);
}

static void on_completion(struct engine *e, void *arg)
{
    struct net *n = arg;
    (void)e;
    n->completion_ev = ENGINE_NO_EVENT;
    advance(n);
    double now = engine_now(n->engine);
    size_t k = 0;
    VEC_RESERVE(n->done, n->n_done, n->cap_done, n->n_active + 1);
    struct done_flow *done = n->done;
    for (size_t i = 0; i < n->n_active; i++) {
        struct flow *f = &n->flows[n->active[i]];
        /* Done when its bytes are gone, or when what is left would take no
         * representable time (rounding of now + remaining/rate). */
        if (f->remaining <= 0 || isinf(f->rate) || now + f->remaining / f->rate <= now)
            done[k++] = (struct done_flow){f->serial, n->active[i], f->fn, f->arg};
    }
    qsort(done, k, sizeof(*done), by_serial);
    for (size_t i = 0; i < k; i++)
        remove_active(n, done[i].id);
    /* Callbacks may start flows, which may reuse the ids just freed (hence
     * the copies of fn and arg); that never touches n->done. */
    for (size_t i = 0; i < k; i++)
        done[i].fn(done[i].arg);
    reshare(n);
}

uint32_t net_flow_start(struct net *n, double bytes, double cap, const uint32_t *links,
                        size_t n_links, net_done_fn *fn, void *arg)
{
    assert(bytes >= 0 && cap > 0);
    if (n->fast)
        return netfast_flow_start(n->fast, bytes, cap, links, n_links, fn, arg);
    uint32_t id;
    if (n->free_head != UINT32_MAX) {
        id = n->free_head;
        n->free_head = n->flows[id].next_free;
    } else {
        VEC_PUSH(n->flows, n->n_flows, n->cap_flows);
        id = (uint32_t)(n->n_flows - 1);
    }
    /* No advance here: the re-share at this instant advances every flow at
     * the old rates first, and this one moves nothing before it (rate 0). */
    struct flow *f = &n->flows[id];
    *f = (struct flow){.remaining = bytes, .cap = cap, .fn = fn, .arg = arg,
                       .serial = n->next_serial++, .active = true};
    for (size_t i = 0; i < n_links; i++) {
        if (links[i] == NET_NO_LINK || isinf(n->links[links[i]].cap))
            continue;
        assert(f->n_links < NET_MAX_LINKS);
        f->links[f->n_links++] = links[i];
        n->links[links[i]].nflows++;
    }
    VEC_RESERVE(n->active, n->n_active, n->cap_active, n->n_active + 1);
    f->pos = (uint32_t)n->n_active;
    n->active[n->n_active++] = id;
    mark_dirty(n);
    return id;
}

void net_flow_cancel(struct net *n, uint32_t flow)
{
    if (n->fast) {
        netfast_flow_cancel(n->fast, flow);
        return;
    }
    assert(flow < n->n_flows && n->flows[flow].active);
    advance(n);
    remove_active(n, flow);
    mark_dirty(n);
}

double net_flow_remaining(struct net *n, uint32_t flow)
{
    if (n->fast)
        return netfast_flow_remaining(n->fast, flow);
    assert(flow < n->n_flows && n->flows[flow].active);
    advance(n);
    return n->flows[flow].remaining;
}

void net_link_set_capacity(struct net *n, uint32_t link, double capacity)
{
    assert(capacity > 0);
    if (n->fast) {
        netfast_link_set_capacity(n->fast, link, capacity);
        return;
    }
    n->links[link].cap = capacity;
    mark_dirty(n);
}

double net_link_bytes(struct net *n, uint32_t link)
{
    if (n->fast)
        return netfast_link_bytes(n->fast, link);
    const struct link *l = &n->links[link];
    return l->bytes + l->load * (engine_now(n->engine) - l->t_load);
}

size_t net_active_flows(const struct net *n)
{
    return n->fast ? netfast_active_flows(n->fast) : n->n_active;
}
