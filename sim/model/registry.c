/* registry.c - see registry.h. */
#include "model/registry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "base/base.h"

/* Number of rate-limit client keys a key kind needs. */
static size_t n_keys(const struct scenario_rate_limit *rl, size_t n_nodes, size_t n_pools)
{
    if (rl->requests == 0)
        return 0;
    switch (rl->key) {
    case SCENARIO_RATE_NODE:
        return n_nodes;
    case SCENARIO_RATE_POOL:
        return n_pools;
    case SCENARIO_RATE_CLUSTER:
    case SCENARIO_RATE_CREDENTIAL: /* anonymous; credentials: registry_set_credential_count */
        return 1;
    }
    return 1;
}

void registry_init(struct registry *r, const struct scenario_registry *cfg, struct net *n,
                   size_t n_nodes, size_t n_pools, registry_grant_fn *grant)
{
    *r = (struct registry){.cfg = cfg, .latency = &cfg->latency,
                           .per_connection_bandwidth = cfg->per_connection_bandwidth,
                           .failure_probability = cfg->failure_probability, .grant = grant};
    r->egress = net_link_add(n, cfg->egress_bandwidth);
    r->n_windows = n_keys(&cfg->rate_limit, n_nodes, n_pools);
    if (r->n_windows)
        r->windows = xcalloc(r->n_windows, sizeof(*r->windows));
}

void registry_release(struct registry *r)
{
    for (size_t i = 0; i < r->n_windows; i++)
        free(r->windows[i].t);
    free(r->windows);
    free(r->slot_q);
    *r = (struct registry){0};
}

/* GSL parameter conventions (STYLE §7): gsl_ran_exponential takes the mean;
 * a lognormal with median m is gsl_ran_lognormal(r, log(m), sigma). */
double registry_draw(const struct scenario_dist *d, struct rng *rng, struct rng_stream *stream)
{
    if (d->kind == SCENARIO_DIST_CONSTANT || d->a <= 0)
        return d->kind == SCENARIO_DIST_UNIFORM ? d->a : (d->a > 0 ? d->a : 0);
    /* Constant latencies draw nothing, so they leave the stream alone. */
    gsl_rng *g = rng_bind(rng, stream);
    double x = 0;
    switch (d->kind) {
    case SCENARIO_DIST_CONSTANT:
        break;
    case SCENARIO_DIST_EXPONENTIAL:
        x = gsl_ran_exponential(g, d->a);
        break;
    case SCENARIO_DIST_LOGNORMAL:
        x = gsl_ran_lognormal(g, log(d->a), d->b);
        break;
    case SCENARIO_DIST_UNIFORM:
        x = d->b > d->a ? gsl_ran_flat(g, d->a, d->b) : d->a;
        break;
    }
    rng_unbind(rng, stream);
    return x > 0 ? x : 0;
}

double registry_request_latency(const struct registry *r, struct rng *rng,
                                struct rng_stream *stream)
{
    return registry_draw(r->latency, rng, stream);
}

enum registry_outcome registry_outage(const struct registry *r, double t)
{
    /* Outages are few, in time order and disjoint: a scan is enough. */
    for (size_t i = 0; i < r->cfg->n_outages; i++) {
        const struct scenario_outage *o = &r->cfg->outages[i];
        if (t < o->from)
            break;
        if (t < o->to)
            return o->mode == SCENARIO_OUTAGE_HANG ? REGISTRY_HANG : REGISTRY_REFUSED;
    }
    return REGISTRY_OK;
}

void registry_set_credential_count(struct registry *r, size_t n)
{
    if (!r->windows || r->cfg->rate_limit.key != SCENARIO_RATE_CREDENTIAL)
        return;
    r->windows = xrealloc(r->windows, (1 + n) * sizeof(*r->windows));
    memset(r->windows + r->n_windows, 0, (1 + n - r->n_windows) * sizeof(*r->windows));
    r->n_windows = 1 + n;
}

/* The window of the client (node, pool, credential) under the registry's key
 * kind. */
static struct registry_window *window_of(struct registry *r, uint32_t node, uint32_t pool,
                                         uint32_t credential)
{
    switch (r->cfg->rate_limit.key) {
    case SCENARIO_RATE_NODE:
        return node < r->n_windows ? &r->windows[node] : NULL;
    case SCENARIO_RATE_POOL:
        return pool < r->n_windows ? &r->windows[pool] : NULL;
    case SCENARIO_RATE_CLUSTER:
        return &r->windows[0];
    case SCENARIO_RATE_CREDENTIAL:
        /* Docker Hub counts authenticated pulls per account and anonymous ones
         * per address (docs.docker.com/docker-hub/usage/pulls/); anonymous
         * pulls here come from one NAT address. */
        if (credential == REGISTRY_ANONYMOUS)
            return &r->windows[0];
        return 1 + (size_t)credential < r->n_windows ? &r->windows[1 + credential] : NULL;
    }
    return NULL;
}

/* Appends t to the ring, growing it (up to 'limit' entries). */
static void window_push(struct registry_window *w, double t, uint32_t limit)
{
    if (w->n == w->cap) {
        uint32_t cap = w->cap ? (w->cap > limit / 2 ? limit : 2 * w->cap) : (limit < 8 ? limit : 8);
        double *nt = xmalloc(cap * sizeof(*nt));
        for (uint32_t i = 0; i < w->n; i++)
            nt[i] = w->t[(w->head + i) % w->cap];
        free(w->t);
        w->t = nt;
        w->head = 0;
        w->cap = cap;
    }
    w->t[(w->head + w->n) % w->cap] = t;
    w->n++;
}

/*
 * Sliding-window quota: a request at 'now' is allowed while fewer than
 * 'requests' counted requests fall in (now - window, now]; allowed ones
 * count. Source: Docker Hub "Usage and limits"
 * (docs.docker.com/docker-hub/usage/pulls/): anonymous pulls are limited
 * per IPv4 address (or IPv6 /64) "per 6 hours"; a pull is counted per
 * manifest GET of one platform, version checks (HEAD) are free. The
 * registry's RateLimit headers give the window as w=21600, and observers
 * describe it as rolling (updatecli docs), hence a sliding window rather
 * than fixed 6-hour buckets.
 */
static bool window_allow(struct registry_window *w, double now,
                         const struct scenario_rate_limit *rl)
{
    while (w->n > 0 && w->t[w->head] <= now - rl->window) {
        w->head = (w->head + 1) % w->cap;
        w->n--;
    }
    if (w->n >= rl->requests)
        return false;
    window_push(w, now, rl->requests);
    return true;
}

enum registry_outcome registry_judge(struct registry *r, const struct registry_request *q)
{
    if (q->counted && r->windows) {
        struct registry_window *w = window_of(r, q->node, q->pool, q->credential);
        if (w && !window_allow(w, q->now, &r->cfg->rate_limit))
            return REGISTRY_THROTTLED;
    }
    /* Counted at admission: a GET that then answers 5xx still used quota. */
    if (r->failure_probability > 0 &&
        rng_uniform(q->rng, q->fail_stream) < r->failure_probability)
        return REGISTRY_UNAVAILABLE;
    return REGISTRY_OK;
}

void registry_count_sent(struct registry *r, bool manifest)
{
    r->requests++;
    if (manifest)
        r->manifest_requests++;
    else
        r->blob_requests++;
}

void registry_count_error(struct registry *r, enum registry_outcome outcome)
{
    if (outcome == REGISTRY_OK)
        return;
    r->failures++;
    if (outcome == REGISTRY_THROTTLED)
        r->throttled++;
    if (outcome == REGISTRY_UNAUTHORIZED)
        r->unauthorized++;
}

bool registry_pattern_matches(const char *pattern, const char *repository)
{
    size_t len = strlen(pattern);
    if (len == 1 && pattern[0] == '*')
        return true;
    if (len >= 2 && pattern[len - 2] == '/' && pattern[len - 1] == '*')
        return strncmp(repository, pattern, len - 1) == 0;
    return strcmp(repository, pattern) == 0;
}

static bool account_reads(const struct scenario_account *a, const char *repository)
{
    for (size_t i = 0; i < a->n_repositories; i++)
        if (registry_pattern_matches(a->repositories[i], repository))
            return true;
    return false;
}

bool registry_authorizes(const struct registry *r, const char *repository, uint32_t credential)
{
    const struct scenario_registry_auth *auth = &r->cfg->auth;
    if (!auth->on)
        return true;
    bool private = auth->required;
    const struct scenario_account *mine = NULL;
    for (size_t i = 0; i < auth->n_accounts; i++) {
        const struct scenario_account *a = &auth->accounts[i];
        private = private || account_reads(a, repository);
        if (a->credential == credential)
            mine = a;
    }
    if (credential == REGISTRY_ANONYMOUS)
        return !private;
    /* containerd sends the credentials to the token service, which refuses a
     * user it does not know whatever the repository (authorizer.go: "failed
     * to fetch oauth token"). */
    if (!mine)
        return false;
    return !private || account_reads(mine, repository);
}

bool registry_slot_acquire(struct registry *r, void *waiter)
{
    uint32_t limit = r->cfg->max_concurrent_requests;
    if (limit == 0)
        return true;
    if (r->slots_used < limit && r->slot_head == r->n_slot_q) {
        r->slots_used++;
        return true;
    }
    *VEC_PUSH(r->slot_q, r->n_slot_q, r->cap_slot_q) = waiter;
    return false;
}

void registry_slot_release(struct registry *r)
{
    if (r->cfg->max_concurrent_requests == 0)
        return;
    if (r->slot_head < r->n_slot_q) {
        /* The slot goes straight to the first waiter: slots_used is unchanged. */
        void *waiter = r->slot_q[r->slot_head++];
        if (r->slot_head == r->n_slot_q)
            r->slot_head = r->n_slot_q = 0;
        r->grant(waiter);
        return;
    }
    r->slots_used--;
}

void registry_slot_forget(struct registry *r, void *waiter)
{
    size_t j = r->slot_head;
    for (size_t i = r->slot_head; i < r->n_slot_q; i++)
        if (r->slot_q[i] != waiter)
            r->slot_q[j++] = r->slot_q[i];
    r->n_slot_q = j;
    if (r->slot_head == r->n_slot_q)
        r->slot_head = r->n_slot_q = 0;
}

void registry_apply_next_change(struct registry *r, struct net *n)
{
    if (r->next_change >= r->cfg->n_changes)
        return;
    const struct scenario_registry_change *ch = &r->cfg->changes[r->next_change++];
    if (ch->what & SCENARIO_CHANGE_EGRESS)
        net_link_set_capacity(n, r->egress, ch->egress_bandwidth);
    if (ch->what & SCENARIO_CHANGE_PER_CONNECTION)
        r->per_connection_bandwidth = ch->per_connection_bandwidth;
    if (ch->what & SCENARIO_CHANGE_LATENCY)
        r->latency = &ch->latency;
    if (ch->what & SCENARIO_CHANGE_FAILURE)
        r->failure_probability = ch->failure_probability;
}
