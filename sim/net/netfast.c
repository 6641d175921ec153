/*
 * netfast.c - incremental max-min fair sharing for star topologies.
 *
 * See netfast.h for the model. The pieces, bottom up:
 *   heaps    bundles by next completion (time heap) and, per shared link,
 *            bundles at the water level by virtual finish mark;
 *   treap    per shared link, its bundles by (key, id) with subtree sums of
 *            n and n*key, to find the water level in O(log B);
 *   local    progressive filling inside one group;
 *   reshare  dirty groups -> water levels (in increasing order, re-solving
 *            coupled groups as each level is fixed) -> rates and regimes;
 *   events   one engine event for the earliest completion, one re-share
 *            per instant, as in net.c.
 * Arithmetic follows net.c (levels rem/count, the same relative tolerance),
 * so both solvers give the same rates up to rounding.
 */
#include "net/netfast.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define NONE UINT32_MAX
#define FREE_GROUP (UINT32_MAX - 1) /* flows that cross no local link */
#define LEVEL_RTOL 1e-12

struct fflow {
    double finish;   /* bundle clock value at which the flow ends, bytes */
    uint64_t serial; /* start order */
    net_done_fn *fn;
    void *arg;
    uint32_t bundle;
    uint32_t pos;    /* index in the bundle's flow heap */
    uint32_t next_free;
    bool active;
};

struct flink {
    double cap;      /* B/s */
    uint32_t group;  /* NET_SHARED or a group id */
    uint32_t shared; /* index into shared[] for a shared link */
    double rem, cnt; /* local solve scratch */
    bool sat;        /* local solve scratch */
};

struct hent {
    double key;
    uint32_t id;
};

struct bheap {
    struct hent *a;
    size_t n, cap;
};

struct shared {
    uint32_t link;
    double lambda;        /* water level, B/s per flow; INFINITY when not saturated */
    double old_lambda;    /* scratch */
    double v, t_v;        /* virtual clock V(t) = v + lambda (t - t_v), bytes per flow */
    double load;          /* B/s */
    double bytes, t_bytes;
    uint32_t root;        /* treap of active bundles */
    struct bheap h;       /* bundles at the level, keyed by finish mark - off */
    bool sat;             /* scratch: level fixed in this re-share */
};

struct bundle {
    uint32_t group;
    uint32_t shared;      /* index into shared[], NONE when it crosses none */
    uint32_t links[NET_MAX_LINKS]; /* local links, sorted */
    uint8_t n_links;
    double cap;           /* per-flow cap, B/s */
    uint32_t n;           /* active flows */
    uint32_t *fh;         /* flow ids: min-heap by (finish, serial) */
    uint32_t fh_cap;
    double key;           /* local level with its own shared link unpinned */
    double res;           /* local solve result */
    double rate;          /* self clock rate, B/s */
    double w, t_w;        /* self clock: w bytes per flow at time t_w */
    double off;           /* at the level: w = V + off */
    bool lam;             /* runs at its shared link's level */
    uint32_t hpos;        /* position in the time heap or its level heap; NONE */
    uint32_t tl, tr, prio; /* treap */
    double sn, snk;       /* treap subtree sums of n and n * key */
    bool in_treap;
    bool fixed, queued;   /* scratch */
    double ceff;          /* scratch: cap for the local solve */
};

struct group {
    uint32_t *b;          /* bundle ids */
    size_t nb, capb;
    bool dirty;
    bool coupled;         /* a shared bundle meets another active bundle */
    bool slack;           /* coupled, but every active bundle runs at its link's level
                             with room to spare (see "Slack groups" below) */
    bool listed;          /* in netfast->coupled: coupled and not slack */
    uint32_t cpos;        /* index in netfast->coupled */
    uint32_t mark;        /* scratch: last reshare pass that touched it */
};

/* A finished flow; fn and arg are copied because its id is recycled before
 * the callbacks run. */
struct done_flow {
    uint64_t serial; /* first: by_serial() reads it */
    net_done_fn *fn;
    void *arg;
};

struct netfast {
    struct engine *engine;
    struct flink *links;
    size_t n_links, cap_links;
    struct shared *shared;
    size_t n_shared, cap_shared;
    struct bundle *bundles;
    size_t n_bundles, cap_bundles;
    struct group *groups; /* by group id */
    size_t n_groups, cap_groups;
    struct group free_group;
    struct fflow *flows;
    size_t n_flows, cap_flows;
    uint32_t free_head;
    size_t n_active;
    uint64_t next_serial;
    struct bheap time_heap; /* self-clocked bundles by completion time */
    uint32_t *dirty;        /* group ids */
    size_t n_dirty, cap_dirty;
    uint32_t *coupled;      /* group ids of coupled groups that are not slack */
    size_t n_coupled, cap_coupled;
    uint32_t **on_link;     /* per shared link: listed groups using it (this reshare) */
    size_t *n_on_link, *cap_on_link;
    size_t cap_links_lists; /* entries allocated in the three arrays above */
    uint32_t *fresh;        /* groups made slack in this reshare, to verify */
    size_t n_fresh, cap_fresh;
    uint32_t *broken;       /* slack groups that no longer qualify */
    size_t n_broken, cap_broken;
    uint32_t pass;          /* reshare pass counter (group.mark) */
    size_t n_slack;         /* slack groups */
    double check_level;     /* scratch for check_cb: the link's new level */
    uint32_t *queue;        /* bundles to re-evaluate */
    size_t n_queue, cap_queue;
    struct done_flow *done;
    size_t n_done, cap_done;
    engine_event_id completion_ev, reshare_ev;
};

static void on_completion(struct engine *e, void *arg);
static void on_reshare(struct engine *e, void *arg);

/* ---------------------------------------------------------------- heaps */

static void hset(struct netfast *f, struct bheap *h, size_t i, struct hent e)
{
    h->a[i] = e;
    f->bundles[e.id].hpos = (uint32_t)i;
}

static bool hless(struct hent a, struct hent b)
{
    return a.key < b.key || (a.key == b.key && a.id < b.id);
}

static void hup(struct netfast *f, struct bheap *h, size_t i)
{
    struct hent e = h->a[i];
    while (i > 0 && hless(e, h->a[(i - 1) / 2])) {
        hset(f, h, i, h->a[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    hset(f, h, i, e);
}

static void hdown(struct netfast *f, struct bheap *h, size_t i)
{
    struct hent e = h->a[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && hless(h->a[c + 1], h->a[c]))
            c++;
        if (!hless(h->a[c], e))
            break;
        hset(f, h, i, h->a[c]);
        i = c;
    }
    hset(f, h, i, e);
}

static void hinsert(struct netfast *f, struct bheap *h, uint32_t id, double key)
{
    VEC_RESERVE(h->a, h->n, h->cap, h->n + 1);
    h->n++;
    hset(f, h, h->n - 1, (struct hent){key, id});
    hup(f, h, h->n - 1);
}

static void hremove(struct netfast *f, struct bheap *h, uint32_t id)
{
    size_t i = f->bundles[id].hpos;
    assert(i < h->n && h->a[i].id == id);
    f->bundles[id].hpos = NONE;
    struct hent last = h->a[--h->n];
    if (i == h->n)
        return;
    hset(f, h, i, last);
    hup(f, h, i);
    hdown(f, h, f->bundles[last.id].hpos);
}

static void hupdate(struct netfast *f, struct bheap *h, uint32_t id, double key)
{
    size_t i = f->bundles[id].hpos;
    h->a[i].key = key;
    hup(f, h, i);
    hdown(f, h, f->bundles[id].hpos);
}

/* ---------------------------------------------------------------- flows in a bundle */

static bool fless(const struct netfast *f, uint32_t a, uint32_t b)
{
    const struct fflow *x = &f->flows[a], *y = &f->flows[b];
    return x->finish < y->finish || (x->finish == y->finish && x->serial < y->serial);
}

static void fset(struct netfast *f, struct bundle *b, uint32_t i, uint32_t flow)
{
    b->fh[i] = flow;
    f->flows[flow].pos = i;
}

static void fup(struct netfast *f, struct bundle *b, uint32_t i)
{
    uint32_t x = b->fh[i];
    while (i > 0 && fless(f, x, b->fh[(i - 1) / 2])) {
        fset(f, b, i, b->fh[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    fset(f, b, i, x);
}

static void fdown(struct netfast *f, struct bundle *b, uint32_t i)
{
    uint32_t x = b->fh[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= b->n)
            break;
        if (c + 1 < b->n && fless(f, b->fh[c + 1], b->fh[c]))
            c++;
        if (!fless(f, b->fh[c], x))
            break;
        fset(f, b, i, b->fh[c]);
        i = c;
    }
    fset(f, b, i, x);
}

static void fpush(struct netfast *f, struct bundle *b, uint32_t flow)
{
    if (b->n == b->fh_cap) {
        b->fh_cap = b->fh_cap ? 2 * b->fh_cap : 4;
        b->fh = xrealloc(b->fh, b->fh_cap * sizeof(*b->fh));
    }
    fset(f, b, b->n++, flow);
    fup(f, b, b->n - 1);
}

static void fremove(struct netfast *f, struct bundle *b, uint32_t flow)
{
    uint32_t i = f->flows[flow].pos;
    uint32_t last = b->fh[--b->n];
    if (i == b->n)
        return;
    fset(f, b, i, last);
    fup(f, b, i);
    fdown(f, b, f->flows[last].pos);
}

/* ---------------------------------------------------------------- treap */

static bool tless(const struct netfast *f, uint32_t a, uint32_t b)
{
    double ka = f->bundles[a].key, kb = f->bundles[b].key;
    return ka < kb || (ka == kb && a < b);
}

static double tsn(const struct netfast *f, uint32_t t)
{
    return t == NONE ? 0 : f->bundles[t].sn;
}

static double tsnk(const struct netfast *f, uint32_t t)
{
    return t == NONE ? 0 : f->bundles[t].snk;
}

static void tupd(struct netfast *f, uint32_t t)
{
    struct bundle *b = &f->bundles[t];
    b->sn = b->n + tsn(f, b->tl) + tsn(f, b->tr);
    b->snk = b->n * b->key + tsnk(f, b->tl) + tsnk(f, b->tr);
}

/* Splits t into keys before x (*l) and from x on (*r). */
static void tsplit(struct netfast *f, uint32_t t, uint32_t x, uint32_t *l, uint32_t *r)
{
    if (t == NONE) {
        *l = *r = NONE;
    } else if (tless(f, t, x)) {
        tsplit(f, f->bundles[t].tr, x, &f->bundles[t].tr, r);
        tupd(f, t);
        *l = t;
    } else {
        tsplit(f, f->bundles[t].tl, x, l, &f->bundles[t].tl);
        tupd(f, t);
        *r = t;
    }
}

static uint32_t tmerge(struct netfast *f, uint32_t a, uint32_t b)
{
    if (a == NONE)
        return b;
    if (b == NONE)
        return a;
    if (f->bundles[a].prio > f->bundles[b].prio) {
        f->bundles[a].tr = tmerge(f, f->bundles[a].tr, b);
        tupd(f, a);
        return a;
    }
    f->bundles[b].tl = tmerge(f, a, f->bundles[b].tl);
    tupd(f, b);
    return b;
}

static uint32_t tinsert(struct netfast *f, uint32_t t, uint32_t x)
{
    if (t == NONE) {
        f->bundles[x].tl = f->bundles[x].tr = NONE;
        tupd(f, x);
        return x;
    }
    if (f->bundles[x].prio > f->bundles[t].prio) {
        tsplit(f, t, x, &f->bundles[x].tl, &f->bundles[x].tr);
        tupd(f, x);
        return x;
    }
    if (tless(f, x, t))
        f->bundles[t].tl = tinsert(f, f->bundles[t].tl, x);
    else
        f->bundles[t].tr = tinsert(f, f->bundles[t].tr, x);
    tupd(f, t);
    return t;
}

static uint32_t tremove(struct netfast *f, uint32_t t, uint32_t x)
{
    assert(t != NONE);
    if (t == x)
        return tmerge(f, f->bundles[t].tl, f->bundles[t].tr);
    if (tless(f, x, t))
        f->bundles[t].tl = tremove(f, f->bundles[t].tl, x);
    else
        f->bundles[t].tr = tremove(f, f->bundles[t].tr, x);
    tupd(f, t);
    return t;
}

/* Re-keys a shared bundle in its link's treap. */
static void set_key(struct netfast *f, uint32_t id, double key)
{
    struct bundle *b = &f->bundles[id];
    if (b->shared == NONE) {
        b->key = key;
        return;
    }
    struct shared *s = &f->shared[b->shared];
    if (b->in_treap)
        s->root = tremove(f, s->root, id);
    b->key = key;
    s->root = tinsert(f, s->root, id);
    b->in_treap = true;
}

/*
 * Water level of a shared link: the first bundle i (in key order) with
 * L(key_i) >= C, where L(t) = sum n_b min(key_b, t), saturates the link at
 * lambda = (C - A) / (N_total - N) over the bundles before it (A = their
 * sum of n*key, N their n). None: the link is not saturated (INFINITY).
 * This is net.c's progressive filling seen from the link: bundles before i
 * are fixed by their own (lower) levels first. Also sets the link's load.
 */
static double find_lambda(struct netfast *f, struct shared *s)
{
    double cap = f->links[s->link].cap, total = tsn(f, s->root);
    double a = 0, n = 0, best_a = 0, best_n = 0;
    bool found = false;
    for (uint32_t t = s->root; t != NONE;) {
        const struct bundle *b = &f->bundles[t];
        double a_before = a + tsnk(f, b->tl), n_before = n + tsn(f, b->tl);
        if (a_before + b->key * (total - n_before) >= cap * (1 - LEVEL_RTOL)) {
            found = true;
            best_a = a_before;
            best_n = n_before;
            t = b->tl;
        } else {
            a = a_before + b->n * b->key;
            n = n_before + b->n;
            t = b->tr;
        }
    }
    if (!found || total - best_n <= 0) {
        s->load = tsnk(f, s->root);
        return INFINITY;
    }
    double lambda = (cap - best_a) / (total - best_n);
    if (lambda < 0)
        lambda = 0;
    s->load = best_a + lambda * (total - best_n);
    return lambda;
}

/* Calls fn on every bundle of the treap with lo <= key <= hi. */
static void trange(struct netfast *f, uint32_t t, double lo, double hi,
                   void (*fn)(struct netfast *, uint32_t))
{
    while (t != NONE) {
        const struct bundle *b = &f->bundles[t];
        if (b->key < lo) {
            t = b->tr;
        } else if (b->key > hi) {
            t = b->tl;
        } else {
            trange(f, b->tl, lo, hi, fn);
            fn(f, t);
            t = b->tr;
        }
    }
}

/* ---------------------------------------------------------------- clocks */

static double now_of(const struct netfast *f)
{
    return engine_now(f->engine);
}

static double vclock(const struct netfast *f, const struct shared *s)
{
    return isinf(s->lambda) ? s->v : s->v + s->lambda * (now_of(f) - s->t_v);
}

/* Bytes per flow the bundle has moved, as of now. */
static double bclock(const struct netfast *f, const struct bundle *b)
{
    if (b->lam)
        return vclock(f, &f->shared[b->shared]) + b->off;
    double dt = now_of(f) - b->t_w;
    return dt > 0 && b->rate > 0 && !isinf(b->rate) ? b->w + b->rate * dt : b->w;
}

static double min_finish(const struct netfast *f, const struct bundle *b)
{
    return f->flows[b->fh[0]].finish;
}

/* Completion time of a self-clocked bundle's first flow. */
static double self_key(const struct netfast *f, const struct bundle *b)
{
    if (isinf(b->rate))
        return now_of(f);
    if (b->rate <= 0)
        return INFINITY;
    double left = min_finish(f, b) - b->w;
    return b->t_w + (left > 0 ? left / b->rate : 0);
}

/* Puts a bundle with flows into the heap its regime calls for. */
static void heap_in(struct netfast *f, uint32_t id)
{
    struct bundle *b = &f->bundles[id];
    if (b->lam)
        hinsert(f, &f->shared[b->shared].h, id, min_finish(f, b) - b->off);
    else
        hinsert(f, &f->time_heap, id, self_key(f, b));
}

static void heap_out(struct netfast *f, uint32_t id)
{
    struct bundle *b = &f->bundles[id];
    if (b->hpos == NONE)
        return;
    hremove(f, b->lam ? &f->shared[b->shared].h : &f->time_heap, id);
}

/* The bundle's first flow changed: re-key it where it is. */
static void heap_rekey(struct netfast *f, uint32_t id)
{
    struct bundle *b = &f->bundles[id];
    if (b->hpos == NONE)
        return;
    if (b->lam)
        hupdate(f, &f->shared[b->shared].h, id, min_finish(f, b) - b->off);
    else
        hupdate(f, &f->time_heap, id, self_key(f, b));
}

/* ---------------------------------------------------------------- groups */

static struct group *group_of(struct netfast *f, uint32_t gid)
{
    if (gid == FREE_GROUP)
        return &f->free_group;
    if (gid >= f->n_groups) {
        VEC_RESERVE(f->groups, f->n_groups, f->cap_groups, (size_t)gid + 1);
        memset(f->groups + f->n_groups, 0, ((size_t)gid + 1 - f->n_groups) * sizeof(*f->groups));
        f->n_groups = (size_t)gid + 1;
    }
    return &f->groups[gid];
}

static void mark_group(struct netfast *f, uint32_t gid)
{
    struct group *g = group_of(f, gid);
    if (g->dirty)
        return;
    g->dirty = true;
    VEC_RESERVE(f->dirty, f->n_dirty, f->cap_dirty, f->n_dirty + 1);
    f->dirty[f->n_dirty++] = gid;
}

static void queue_bundle(struct netfast *f, uint32_t id)
{
    if (f->bundles[id].queued)
        return;
    f->bundles[id].queued = true;
    VEC_RESERVE(f->queue, f->n_queue, f->cap_queue, f->n_queue + 1);
    f->queue[f->n_queue++] = id;
}

/* A group couples to the water levels when one of its shared bundles meets
 * another active bundle of the group (they may share a local link). */
static bool is_coupled(const struct netfast *f, const struct group *g)
{
    uint32_t active = 0, shared = 0;
    for (size_t i = 0; i < g->nb; i++) {
        const struct bundle *b = &f->bundles[g->b[i]];
        active += b->n > 0;
        shared += b->n > 0 && b->shared != NONE;
    }
    return shared > 0 && active > 1;
}

/* Keeps netfast->coupled = the coupled groups that are not slack. */
static void set_listed(struct netfast *f, uint32_t gid, bool on)
{
    struct group *g = group_of(f, gid);
    if (g->listed == on)
        return;
    g->listed = on;
    if (on) {
        VEC_RESERVE(f->coupled, f->n_coupled, f->cap_coupled, f->n_coupled + 1);
        g->cpos = (uint32_t)f->n_coupled;
        f->coupled[f->n_coupled++] = gid;
        return;
    }
    uint32_t last = f->coupled[--f->n_coupled];
    f->coupled[g->cpos] = last;
    group_of(f, last)->cpos = g->cpos;
}

/* Progressive filling over the group's active bundles and its local links
 * (net.c's solve, restricted to one group). With 'pinned', bundles on a
 * saturated shared link are capped at its level. Results go to b->res. */
static void local_solve(struct netfast *f, const struct group *g, bool pinned)
{
    uint32_t left = 0;
    for (size_t i = 0; i < g->nb; i++) {
        struct bundle *b = &f->bundles[g->b[i]];
        for (uint8_t k = 0; k < b->n_links; k++)
            f->links[b->links[k]].rem = f->links[b->links[k]].cap, f->links[b->links[k]].cnt = 0;
    }
    for (size_t i = 0; i < g->nb; i++) {
        struct bundle *b = &f->bundles[g->b[i]];
        b->fixed = b->n == 0;
        if (b->fixed)
            continue;
        left++;
        b->ceff = b->cap;
        if (pinned && b->shared != NONE && f->shared[b->shared].sat &&
            f->shared[b->shared].lambda < b->ceff)
            b->ceff = f->shared[b->shared].lambda;
        for (uint8_t k = 0; k < b->n_links; k++)
            f->links[b->links[k]].cnt += b->n;
    }
    while (left > 0) {
        double level = INFINITY;
        for (size_t i = 0; i < g->nb; i++) {
            struct bundle *b = &f->bundles[g->b[i]];
            if (b->fixed)
                continue;
            if (b->ceff < level)
                level = b->ceff;
            for (uint8_t k = 0; k < b->n_links; k++) {
                const struct flink *l = &f->links[b->links[k]];
                if (l->cnt > 0 && l->rem / l->cnt < level)
                    level = l->rem / l->cnt;
            }
        }
        double limit = level * (1 + LEVEL_RTOL);
        for (size_t i = 0; i < g->nb; i++) {
            const struct bundle *b = &f->bundles[g->b[i]];
            for (uint8_t k = 0; k < b->n_links && !b->fixed; k++) {
                struct flink *l = &f->links[b->links[k]];
                l->sat = l->cnt > 0 && l->rem / l->cnt <= limit;
            }
        }
        for (size_t i = 0; i < g->nb; i++) {
            struct bundle *b = &f->bundles[g->b[i]];
            if (b->fixed)
                continue;
            bool bound = isinf(level) || b->ceff <= limit;
            for (uint8_t k = 0; k < b->n_links && !bound; k++)
                bound = f->links[b->links[k]].sat;
            if (!bound)
                continue;
            b->fixed = true;
            b->res = b->ceff < level ? b->ceff : level;
            left--;
            for (uint8_t k = 0; k < b->n_links; k++) {
                struct flink *l = &f->links[b->links[k]];
                l->rem -= b->n * b->res;
                if (l->rem < 0 || isnan(l->rem))
                    l->rem = 0;
                l->cnt -= b->n;
            }
        }
    }
}

/* Sets every active bundle's key from an unpinned local solve. */
static void solve_group_keys(struct netfast *f, uint32_t gid)
{
    struct group *g = group_of(f, gid);
    local_solve(f, g, false);
    for (size_t i = 0; i < g->nb; i++) {
        uint32_t id = g->b[i];
        if (f->bundles[id].n == 0)
            continue;
        set_key(f, id, f->bundles[id].res);
        queue_bundle(f, id);
    }
}

/* ---------------------------------------------------------------- re-share */

static void fold_shared(struct netfast *f)
{
    double now = now_of(f);
    for (size_t i = 0; i < f->n_shared; i++) {
        struct shared *s = &f->shared[i];
        s->v = vclock(f, s);
        s->t_v = now;
        s->bytes += s->load * (now - s->t_bytes);
        s->t_bytes = now;
    }
}

/* Lists, per shared link, the listed (coupled, not slack) groups with an
 * active bundle on it, so pinning a level visits those groups only. */
static void index_on_links(struct netfast *f)
{
    if (f->cap_links_lists < f->n_shared) {
        size_t old = f->cap_links_lists;
        f->on_link = xrealloc(f->on_link, f->n_shared * sizeof(*f->on_link));
        f->n_on_link = xrealloc(f->n_on_link, f->n_shared * sizeof(*f->n_on_link));
        f->cap_on_link = xrealloc(f->cap_on_link, f->n_shared * sizeof(*f->cap_on_link));
        for (size_t i = old; i < f->n_shared; i++)
            f->on_link[i] = NULL, f->cap_on_link[i] = 0;
        f->cap_links_lists = f->n_shared;
    }
    for (size_t i = 0; i < f->n_shared; i++)
        f->n_on_link[i] = 0;
    for (size_t i = 0; i < f->n_coupled; i++) {
        uint32_t gid = f->coupled[i];
        const struct group *g = group_of(f, gid);
        for (size_t k = 0; k < g->nb; k++) {
            const struct bundle *b = &f->bundles[g->b[k]];
            if (b->n == 0 || b->shared == NONE)
                continue;
            size_t *n = &f->n_on_link[b->shared];
            if (*n > 0 && f->on_link[b->shared][*n - 1] == gid)
                continue; /* bundles of a group on one link are listed once */
            bool seen = false;
            for (size_t j = 0; j < k && !seen; j++)
                seen = f->bundles[g->b[j]].n > 0 && f->bundles[g->b[j]].shared == b->shared;
            if (seen)
                continue;
            VEC_RESERVE(f->on_link[b->shared], *n, f->cap_on_link[b->shared], *n + 1);
            f->on_link[b->shared][(*n)++] = gid;
        }
    }
}

/* A shared link's level is fixed: coupled groups on it re-solve with it
 * pinned, which moves the keys of their other shared bundles. */
static void pin_level(struct netfast *f, uint32_t shared)
{
    for (size_t i = 0; i < f->n_on_link[shared]; i++) {
        struct group *g = group_of(f, f->on_link[shared][i]);
        local_solve(f, g, true);
        for (size_t k = 0; k < g->nb; k++) {
            struct bundle *b = &f->bundles[g->b[k]];
            if (b->n > 0 && b->shared != NONE && !f->shared[b->shared].sat)
                set_key(f, g->b[k], b->res);
        }
    }
}

/* Water levels in increasing order (progressive filling across links). */
static void solve_levels(struct netfast *f)
{
    index_on_links(f);
    for (size_t i = 0; i < f->n_shared; i++)
        f->shared[i].sat = false;
    for (;;) {
        size_t best = NONE;
        double best_lambda = INFINITY;
        for (size_t i = 0; i < f->n_shared; i++) {
            struct shared *s = &f->shared[i];
            if (s->sat)
                continue;
            double lambda = find_lambda(f, s);
            if (lambda < best_lambda)
                best_lambda = lambda, best = i;
        }
        if (best == NONE)
            break;
        f->shared[best].sat = true;
        f->shared[best].lambda = best_lambda;
        find_lambda(f, &f->shared[best]); /* its load */
        pin_level(f, (uint32_t)best);
    }
    for (size_t i = 0; i < f->n_shared; i++)
        if (!f->shared[i].sat)
            f->shared[i].lambda = INFINITY;
}

static void queue_cb(struct netfast *f, uint32_t id)
{
    queue_bundle(f, id);
}

/* Bundles whose regime may flip because their link's level moved. */
static void queue_level_moves(struct netfast *f)
{
    for (size_t i = 0; i < f->n_shared; i++) {
        struct shared *s = &f->shared[i];
        if (s->lambda == s->old_lambda)
            continue;
        double lo = s->lambda < s->old_lambda ? s->lambda : s->old_lambda;
        double hi = s->lambda < s->old_lambda ? s->old_lambda : s->lambda;
        trange(f, s->root, lo * (1 - 1e-9), hi, queue_cb);
    }
}

/* Applies the bundle's new rate and regime, moving it between clocks. */
static void apply(struct netfast *f, uint32_t id)
{
    struct bundle *b = &f->bundles[id];
    b->queued = false;
    if (b->n == 0)
        return;
    const struct shared *s = b->shared == NONE ? NULL : &f->shared[b->shared];
    const struct group *g = group_of(f, b->group);
    bool coupled = g->coupled && !g->slack;
    bool lam = s && !isinf(s->lambda) &&
               (coupled ? b->res >= s->lambda * (1 - LEVEL_RTOL) : b->key >= s->lambda);
    double rate = lam ? s->lambda : coupled ? b->res : b->key;
    if (lam && b->lam && b->hpos != NONE)
        return;
    double w = bclock(f, b);
    heap_out(f, id);
    b->lam = lam;
    if (lam) {
        b->off = w - vclock(f, s);
    } else {
        b->w = w;
        b->t_w = now_of(f);
        b->rate = rate;
    }
    heap_in(f, id);
}

static void schedule_completion(struct netfast *f)
{
    double t = f->time_heap.n ? f->time_heap.a[0].key : INFINITY;
    for (size_t i = 0; i < f->n_shared; i++) {
        const struct shared *s = &f->shared[i];
        if (s->h.n == 0 || isinf(s->lambda) || s->lambda <= 0)
            continue;
        double left = s->h.a[0].key - vclock(f, s);
        double ts = now_of(f) + (left > 0 ? left / s->lambda : 0);
        if (ts < t)
            t = ts;
    }
    engine_cancel(f->engine, f->completion_ev);
    f->completion_ev = ENGINE_NO_EVENT;
    if (!isinf(t))
        f->completion_ev = engine_schedule(f->engine, t < now_of(f) ? now_of(f) : t,
                                           on_completion, f);
}

/*
 * Slack groups. A coupled group all of whose active bundles cross a
 * saturated shared link, each with its unpinned key (its rate with the
 * shared links unlimited) above its link's level by SLACK_RTOL, gets the
 * same rates whatever the pins: every bundle runs at its level, since
 * pinning only raises the keys of a group's other bundles, and a key above
 * a link's level never changes the level (find_lambda sums the bundles
 * below it only, and a treap's shape over those does not depend on the
 * keys above). Such a group is solved like an uncoupled one: its keys come
 * from its own unpinned solve and it is re-solved only when it changes. So
 * nodes pulling from several registries at once, one of them overloaded,
 * cost O(log B) per event instead of one re-solve per coupled group.
 * A group stays slack while its keys stay above the levels: after each
 * level solve, the bundles a level rose past (a key range of the link's
 * treap) and the groups made slack in this re-share are checked; a group
 * that fails goes back to the coupled list and the levels are solved again.
 */
#define SLACK_RTOL 1e-9

static bool slack_ok(const struct netfast *f, const struct group *g)
{
    for (size_t i = 0; i < g->nb; i++) {
        const struct bundle *b = &f->bundles[g->b[i]];
        if (b->n == 0)
            continue;
        if (b->shared == NONE)
            return false;
        double lambda = f->shared[b->shared].lambda;
        if (isinf(lambda) || !(b->key >= lambda * (1 + SLACK_RTOL)))
            return false;
    }
    return true;
}

static void set_slack(struct netfast *f, struct group *g, bool on)
{
    if (g->slack == on)
        return;
    g->slack = on;
    if (on)
        f->n_slack++;
    else
        f->n_slack--;
}

static void push_gid(uint32_t **v, size_t *n, size_t *cap, uint32_t gid)
{
    VEC_RESERVE(*v, *n, *cap, *n + 1);
    (*v)[(*n)++] = gid;
}

/* trange callback: a slack group whose bundle fell below the new level. */
static void check_cb(struct netfast *f, uint32_t id)
{
    const struct bundle *b = &f->bundles[id];
    struct group *g = group_of(f, b->group);
    if (!g->slack || g->mark == f->pass)
        return;
    if (!isinf(f->check_level) && b->key >= f->check_level * (1 + SLACK_RTOL))
        return;
    g->mark = f->pass;
    push_gid(&f->broken, &f->n_broken, &f->cap_broken, b->group);
}

/* Collects in 'broken' the slack groups that no longer qualify; true if none. */
static bool verify_slack(struct netfast *f)
{
    f->pass++;
    f->n_broken = 0;
    for (size_t i = 0; i < f->n_fresh; i++) {
        struct group *g = group_of(f, f->fresh[i]);
        if (g->slack && g->mark != f->pass && !slack_ok(f, g)) {
            g->mark = f->pass;
            push_gid(&f->broken, &f->n_broken, &f->cap_broken, f->fresh[i]);
        }
    }
    /* Older slack groups kept their keys, all above the old levels: only a
     * level that rose can pass one of them. */
    for (size_t i = 0; i < f->n_shared && f->n_slack > 0; i++) {
        const struct shared *s = &f->shared[i];
        if (isinf(s->old_lambda) || !(s->lambda > s->old_lambda))
            continue;
        f->check_level = s->lambda;
        trange(f, s->root, s->old_lambda, isinf(s->lambda) ? INFINITY
                                                           : s->lambda * (1 + SLACK_RTOL),
               check_cb);
    }
    return f->n_broken == 0;
}

/* Dirty groups: new keys for those that are not coupled (or stay slack);
 * coupled ones join the coupled list. */
static void solve_dirty(struct netfast *f)
{
    for (size_t i = 0; i < f->n_dirty; i++) {
        uint32_t gid = f->dirty[i];
        struct group *g = group_of(f, gid);
        g->dirty = false;
        g->coupled = is_coupled(f, g);
        if (!g->coupled || g->slack)
            solve_group_keys(f, gid);
        if (g->coupled && g->slack && slack_ok(f, g)) {
            push_gid(&f->fresh, &f->n_fresh, &f->cap_fresh, gid);
            continue;
        }
        set_slack(f, g, false);
        set_listed(f, gid, g->coupled);
    }
    f->n_dirty = 0;
}

/* Unpinned keys for every listed group; those that now qualify turn slack. */
static void solve_listed(struct netfast *f, bool promote)
{
    for (size_t i = 0; i < f->n_coupled; i++)
        solve_group_keys(f, f->coupled[i]);
    for (size_t i = 0; promote && i < f->n_coupled;) {
        uint32_t gid = f->coupled[i];
        struct group *g = group_of(f, gid);
        if (!slack_ok(f, g)) {
            i++;
            continue;
        }
        set_slack(f, g, true);
        set_listed(f, gid, false); /* the last entry moves to i */
        push_gid(&f->fresh, &f->n_fresh, &f->cap_fresh, gid);
    }
}

static void reshare(struct netfast *f)
{
    engine_cancel(f->engine, f->reshare_ev);
    f->reshare_ev = ENGINE_NO_EVENT;
    fold_shared(f);
    for (size_t i = 0; i < f->n_shared; i++)
        f->shared[i].old_lambda = f->shared[i].lambda;
    f->n_fresh = 0;
    solve_dirty(f);
    solve_listed(f, true);
    for (;;) {
        solve_levels(f);
        if (verify_slack(f))
            break;
        /* Their keys are still unpinned; the listed groups' keys were
         * pinned by the solve just made and start over. */
        for (size_t i = 0; i < f->n_broken; i++) {
            set_slack(f, group_of(f, f->broken[i]), false);
            set_listed(f, f->broken[i], true);
        }
        solve_listed(f, false);
    }
    for (size_t i = 0; i < f->n_coupled; i++)
        local_solve(f, group_of(f, f->coupled[i]), true);
    queue_level_moves(f);
    for (size_t i = 0; i < f->n_queue; i++)
        apply(f, f->queue[i]);
    f->n_queue = 0;
    schedule_completion(f);
}

static void mark_dirty(struct netfast *f)
{
    if (f->reshare_ev == ENGINE_NO_EVENT)
        f->reshare_ev = engine_schedule(f->engine, now_of(f), on_reshare, f);
}

static void on_reshare(struct engine *e, void *arg)
{
    struct netfast *f = arg;
    (void)e;
    f->reshare_ev = ENGINE_NO_EVENT;
    reshare(f);
}

/* ---------------------------------------------------------------- flows */

/* Takes a flow out of its bundle (and the bundle out of every structure
 * when it empties); its group re-solves at the next re-share. */
static void detach(struct netfast *f, uint32_t flow)
{
    struct fflow *fl = &f->flows[flow];
    uint32_t id = fl->bundle;
    struct bundle *b = &f->bundles[id];
    bool was_first = b->fh[0] == flow;
    fremove(f, b, flow);
    if (b->n == 0) {
        heap_out(f, id);
        b->w = 0;
        b->lam = false;
        if (b->in_treap) {
            f->shared[b->shared].root = tremove(f, f->shared[b->shared].root, id);
            b->in_treap = false;
        }
    } else if (was_first) {
        heap_rekey(f, id);
    }
    mark_group(f, b->group);
    fl->active = false;
    fl->next_free = f->free_head;
    f->free_head = flow;
    f->n_active--;
}

static int by_serial(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Collects the due flows of bundle id (the first one is due for sure when
 * 'force': its completion is what woke us). */
static void collect_due(struct netfast *f, uint32_t id, bool force)
{
    struct bundle *b = &f->bundles[id];
    double now = now_of(f), w = bclock(f, b);
    double rate = b->lam ? f->shared[b->shared].lambda : b->rate;
    while (b->n > 0) {
        uint32_t flow = b->fh[0];
        double left = f->flows[flow].finish - w;
        bool due = force || left <= NET_EPS_BYTES || isinf(rate) ||
                   (rate > 0 && now + left / rate <= now);
        if (!due)
            break;
        force = false;
        VEC_RESERVE(f->done, f->n_done, f->cap_done, f->n_done + 1);
        const struct fflow *fl = &f->flows[flow];
        f->done[f->n_done++] = (struct done_flow){fl->serial, fl->fn, fl->arg};
        detach(f, flow);
    }
}

static void on_completion(struct engine *e, void *arg)
{
    struct netfast *f = arg;
    double now = engine_now(e);
    f->completion_ev = ENGINE_NO_EVENT;
    f->n_done = 0;
    while (f->time_heap.n && f->time_heap.a[0].key <= now)
        collect_due(f, f->time_heap.a[0].id, true);
    for (size_t i = 0; i < f->n_shared; i++) {
        struct shared *s = &f->shared[i];
        while (s->h.n && !isinf(s->lambda)) {
            double left = s->h.a[0].key - vclock(f, s);
            if (left > NET_EPS_BYTES && now + left / s->lambda > now)
                break;
            collect_due(f, s->h.a[0].id, true);
        }
    }
    qsort(f->done, f->n_done, sizeof(*f->done), by_serial);
    /* Callbacks may start flows; that never touches f->done. */
    size_t n = f->n_done;
    for (size_t i = 0; i < n; i++)
        f->done[i].fn(f->done[i].arg);
    reshare(f);
}

/* Finds or makes the bundle of (group, shared, local links, cap). */
static uint32_t bundle_for(struct netfast *f, uint32_t gid, uint32_t shared,
                           const uint32_t *local, uint8_t n_local, double cap)
{
    struct group *g = group_of(f, gid);
    for (size_t i = 0; i < g->nb; i++) {
        const struct bundle *b = &f->bundles[g->b[i]];
        if (b->shared == shared && b->cap == cap && b->n_links == n_local &&
            memcmp(b->links, local, n_local * sizeof(*local)) == 0)
            return g->b[i];
    }
    uint32_t id = (uint32_t)f->n_bundles;
    struct bundle *b = VEC_PUSH(f->bundles, f->n_bundles, f->cap_bundles);
    b->group = gid;
    b->shared = shared;
    memcpy(b->links, local, n_local * sizeof(*local));
    b->n_links = n_local;
    b->cap = cap;
    b->hpos = NONE;
    b->tl = b->tr = NONE;
    b->prio = (uint32_t)(0x9e3779b97f4a7c15ULL * (id + 1) >> 32); /* deterministic */
    g = group_of(f, gid);
    VEC_RESERVE(g->b, g->nb, g->capb, g->nb + 1);
    g->b[g->nb++] = id;
    return id;
}

uint32_t netfast_flow_start(struct netfast *f, double bytes, double cap, const uint32_t *links,
                            size_t n_links, net_done_fn *fn, void *arg)
{
    uint32_t shared = NONE, gid = FREE_GROUP, local[NET_MAX_LINKS];
    uint8_t n_local = 0;
    for (size_t i = 0; i < n_links; i++) {
        if (links[i] == NET_NO_LINK || isinf(f->links[links[i]].cap))
            continue;
        const struct flink *l = &f->links[links[i]];
        if (l->group == NET_SHARED) {
            assert(shared == NONE); /* star rule: one shared link per flow */
            shared = l->shared;
            continue;
        }
        assert(gid == FREE_GROUP || gid == l->group); /* star rule: one group */
        gid = l->group;
        local[n_local++] = links[i];
    }
    for (uint8_t i = 1; i < n_local; i++) /* insertion sort: a canonical bundle key */
        for (uint8_t j = i; j > 0 && local[j - 1] > local[j]; j--) {
            uint32_t t = local[j];
            local[j] = local[j - 1];
            local[j - 1] = t;
        }
    uint32_t id = bundle_for(f, gid, shared, local, n_local, cap);
    uint32_t flow;
    if (f->free_head != NONE) {
        flow = f->free_head;
        f->free_head = f->flows[flow].next_free;
    } else {
        VEC_PUSH(f->flows, f->n_flows, f->cap_flows);
        flow = (uint32_t)(f->n_flows - 1);
    }
    struct bundle *b = &f->bundles[id];
    if (b->n == 0) {
        b->w = 0;
        b->t_w = now_of(f);
        b->rate = 0;
        b->lam = false;
    }
    f->flows[flow] = (struct fflow){.finish = bclock(f, b) + bytes, .serial = f->next_serial++,
                                    .fn = fn, .arg = arg, .bundle = id, .active = true};
    fpush(f, b, flow);
    if (b->fh[0] == flow)
        heap_rekey(f, id);
    f->n_active++;
    mark_group(f, gid);
    mark_dirty(f);
    return flow;
}

void netfast_flow_cancel(struct netfast *f, uint32_t flow)
{
    assert(flow < f->n_flows && f->flows[flow].active);
    detach(f, flow);
    mark_dirty(f);
}

double netfast_flow_remaining(struct netfast *f, uint32_t flow)
{
    assert(flow < f->n_flows && f->flows[flow].active);
    const struct fflow *fl = &f->flows[flow];
    double left = fl->finish - bclock(f, &f->bundles[fl->bundle]);
    return left > NET_EPS_BYTES ? left : 0;
}

size_t netfast_active_flows(const struct netfast *f)
{
    return f->n_active;
}

/* ---------------------------------------------------------------- links */

struct netfast *netfast_new(struct engine *e)
{
    struct netfast *f = xcalloc(1, sizeof(*f));
    f->engine = e;
    f->free_head = NONE;
    f->completion_ev = f->reshare_ev = ENGINE_NO_EVENT;
    return f;
}

void netfast_free(struct netfast *f)
{
    if (!f)
        return;
    engine_cancel(f->engine, f->completion_ev);
    engine_cancel(f->engine, f->reshare_ev);
    for (size_t i = 0; i < f->n_bundles; i++)
        free(f->bundles[i].fh);
    for (size_t i = 0; i < f->n_groups; i++)
        free(f->groups[i].b);
    for (size_t i = 0; i < f->n_shared; i++)
        free(f->shared[i].h.a);
    free(f->free_group.b);
    free(f->time_heap.a);
    free(f->bundles);
    free(f->groups);
    free(f->shared);
    free(f->links);
    free(f->flows);
    free(f->dirty);
    free(f->coupled);
    for (size_t i = 0; i < f->cap_links_lists; i++)
        free(f->on_link[i]);
    free(f->on_link);
    free(f->n_on_link);
    free(f->cap_on_link);
    free(f->fresh);
    free(f->broken);
    free(f->queue);
    free(f->done);
    free(f);
}

uint32_t netfast_link_add(struct netfast *f, double capacity, uint32_t group)
{
    assert(capacity > 0 && group != FREE_GROUP);
    struct flink *l = VEC_PUSH(f->links, f->n_links, f->cap_links);
    l->cap = capacity;
    l->group = group;
    l->shared = NONE;
    if (group == NET_SHARED) {
        struct shared *s = VEC_PUSH(f->shared, f->n_shared, f->cap_shared);
        s->link = (uint32_t)(f->n_links - 1);
        s->lambda = s->old_lambda = INFINITY;
        s->root = NONE;
        s->t_v = s->t_bytes = now_of(f);
        l->shared = (uint32_t)(f->n_shared - 1);
    }
    return (uint32_t)(f->n_links - 1);
}

void netfast_link_set_capacity(struct netfast *f, uint32_t link, double capacity)
{
    assert(capacity > 0);
    struct flink *l = &f->links[link];
    l->cap = capacity;
    if (l->group != NET_SHARED)
        mark_group(f, l->group);
    mark_dirty(f);
}

double netfast_link_bytes(struct netfast *f, uint32_t link)
{
    const struct flink *l = &f->links[link];
    assert(l->group == NET_SHARED); /* the fast solver counts shared links only */
    const struct shared *s = &f->shared[l->shared];
    return s->bytes + s->load * (now_of(f) - s->t_bytes);
}
