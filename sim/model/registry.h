/*
 * registry.h - a container registry: request latency, egress link, faults,
 * rate limits, request slots, counters.
 *
 * Every HTTP request (manifest resolve/GET, blob GET) pays one latency draw
 * before any byte flows (spec/pull-storm.md; spec §13). Blob bytes cross the
 * registry's egress link, shared max-min fairly with every other transfer
 * (net.h), and each transfer may be capped by perConnectionBandwidth.
 * Faults (scenario keys under registries[]):
 *  - failureProbability p: each request sent answers 5xx with probability p
 *    (a draw from the requesting node's RNG_REQUEST_FAILURE stream, taken
 *    only when p > 0, so a registry without faults draws nothing);
 *  - outages [from, to): every request fails at once (mode fail: connection
 *    refused) or never answers (mode hang); registry_outage() tells which;
 *  - changes: from their time on, new egress bandwidth (the link changes at
 *    once), per-connection cap and latency (requests and transfers started
 *    from then on), failure probability;
 *  - rateLimit: Docker Hub's pull quota on counted manifest GETs per client
 *    key, in a sliding window; a request over quota answers 429
 *    toomanyrequests and does not count;
 *  - maxConcurrentRequests N: at most N requests in flight (from send to
 *    their last byte, or to their failure); the others wait FIFO for a slot.
 *  - auth (registry_authorizes): the first manifest-phase request of a pull
 *    (the resolve) answers 401 when the registry does not let the pull's
 *    credential read the repository. Real registries answer the resolve with
 *    a 401 challenge, then the token request decides (containerd
 *    core/remotes/docker/authorizer.go, resolver.go); pullsim folds both into
 *    that one request (Simplification). A credential the registry has no
 *    account for is a wrong password: 401 even on a public repository.
 *  - rateLimit key credential: one quota per credential (account) name;
 *    anonymous pulls share one quota, the cluster's NAT address, as before
 *    credentials were modelled.
 * Invariants: counters only grow; latency and failure draws come from the
 *   requesting node's streams, so a registry's draws do not depend on what
 *   other nodes did; slots_used <= max_concurrent_requests when that is set;
 *   a window holds only times within its last 'window' seconds, at most
 *   'requests' of them.
 * Ownership: world owns the array of registries and releases each with
 *   registry_release(); 'cfg' is borrowed from the scenario, which outlives
 *   the run; slot waiters are borrowed pointers, never dereferenced here.
 * Units: seconds, bytes, bytes/s.
 */
#ifndef PULLSIM_REGISTRY_H
#define PULLSIM_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "net/net.h"
#include "spec/scenario.h"

/* What the registry does with one request. */
enum registry_outcome {
    REGISTRY_OK,
    REGISTRY_UNAVAILABLE, /* HTTP 503 (failureProbability) */
    REGISTRY_REFUSED,     /* outage, mode fail: the connection is refused at once */
    REGISTRY_HANG,        /* outage, mode hang: no answer, no more bytes, ever */
    REGISTRY_THROTTLED,   /* HTTP 429 toomanyrequests (rateLimit) */
    REGISTRY_UNAUTHORIZED, /* HTTP 401: the credential may not pull the repository (auth) */
};

/* The credential of an anonymous pull (registry_request, registry_authorizes). */
#define REGISTRY_ANONYMOUS UINT32_MAX

/* Called when a queued request gets a slot (from inside registry_slot_release). */
typedef void registry_grant_fn(void *waiter);

/* Counted manifest GET times of one client key, oldest first (a ring). */
struct registry_window {
    double *t;          /* s */
    uint32_t head, n, cap;
};

struct registry {
    const struct scenario_registry *cfg;
    uint32_t egress;        /* net link id */
    /* current settings: cfg's, then each change's from its time on */
    const struct scenario_dist *latency;
    double per_connection_bandwidth; /* B/s; INFINITY = none */
    double failure_probability;
    size_t next_change;     /* cfg->changes not applied yet start here */
    /* --- read-only outside registry.c --- */
    /* counters (registry_count_sent, registry_count_error) */
    uint64_t requests;      /* HTTP requests sent */
    uint64_t manifest_requests; /* of which manifest/index/config requests */
    uint64_t blob_requests; /* of which layer blob GETs */
    uint64_t failures;      /* requests answered with an error or left hanging */
    uint64_t throttled;     /* of which 429 */
    uint64_t unauthorized;  /* of which 401 (auth) */
    uint32_t slots_used;
    void **slot_q;          /* FIFO of waiters for a slot */
    size_t slot_head, n_slot_q, cap_slot_q;
    registry_grant_fn *grant;
    struct registry_window *windows; /* per client key; NULL without rateLimit */
    size_t n_windows;
};

/* Sets up r; n_nodes and n_pools size the rate-limit keys (max nodes of the
 * run, pools of the scenario); grant is called when a queued request gets
 * a slot (the runtime's runtime_slot_granted). */
void registry_init(struct registry *r, const struct scenario_registry *cfg, struct net *n,
                   size_t n_nodes, size_t n_pools, registry_grant_fn *grant);
void registry_release(struct registry *r);

/* Latency (s) of one request sent now, drawn from 'stream' (the requesting
 * node's RNG_REQUEST_LATENCY stream). */
double registry_request_latency(const struct registry *r, struct rng *rng,
                                struct rng_stream *stream);

/* Draws one value of a scenario distribution (s). */
double registry_draw(const struct scenario_dist *d, struct rng *rng, struct rng_stream *stream);

/* The outage in effect at time t: REGISTRY_REFUSED (mode fail),
 * REGISTRY_HANG (mode hang) or REGISTRY_OK (none). */
enum registry_outcome registry_outage(const struct registry *r, double t);

/* One request as the registry judges it when it goes on the wire. */
struct registry_request {
    double now;                    /* s */
    bool counted;                  /* a counted manifest GET (rateLimit) */
    uint32_t node, pool;           /* the client (rate-limit keys node, pool) */
    uint32_t credential;           /* scenario credentials index, or REGISTRY_ANONYMOUS */
    struct rng *rng;
    struct rng_stream *fail_stream; /* the node's RNG_REQUEST_FAILURE stream */
};

/*
 * Judges one request while the registry is up: a counted manifest GET over
 * its client's quota is REGISTRY_THROTTLED (and does not count; under
 * rateLimit key credential the quota is the credential's, anonymous pulls
 * sharing the cluster's); otherwise it counts, and the request is
 * REGISTRY_UNAVAILABLE with the current failure probability (one draw from
 * fail_stream, only when that probability is > 0), else REGISTRY_OK.
 */
enum registry_outcome registry_judge(struct registry *r, const struct registry_request *q);

/* Counts one request sent (a manifest-phase request, else a blob GET). */
void registry_count_sent(struct registry *r, bool manifest);

/* Sizes the per-credential rate-limit quotas (rateLimit key credential) for
 * 'n' credentials; call once after registry_init. */
void registry_set_credential_count(struct registry *r, size_t n);

/* May 'credential' (REGISTRY_ANONYMOUS: no credentials) pull repository
 * 'repository' (the path after the host: "shop/api", "library/nginx")?
 * Without auth: always. With auth: a repository is private when auth
 * requires credentials everywhere or some account lists it; anonymous pulls
 * read only public ones; a credential must be an account of this registry
 * (else: a wrong password, never), which reads public repositories and
 * those its patterns match. */
bool registry_authorizes(const struct registry *r, const char *repository, uint32_t credential);

/* Does the repository pattern of an account match 'repository'? "*": every
 * one; "x/" then '*': every repository under x/, at any depth; otherwise
 * equality. */
bool registry_pattern_matches(const char *pattern, const char *repository);

/* Counts one request that failed or hung (outcome != REGISTRY_OK). */
void registry_count_error(struct registry *r, enum registry_outcome outcome);

/* Takes a request slot for 'waiter': true when one is free (or there is no
 * limit); else queues the waiter FIFO, returns false, and grant(waiter) runs
 * when a slot is handed to it. */
bool registry_slot_acquire(struct registry *r, void *waiter);
/* Gives a slot back; the first waiter, if any, gets it (grant runs now). */
void registry_slot_release(struct registry *r);
/* Removes a waiter from the slot queue (no-op if it is not there). */
void registry_slot_forget(struct registry *r, void *waiter);

/* Applies the next change of cfg->changes (the one due now): egress
 * capacity at once, the other settings for what starts from now on. */
void registry_apply_next_change(struct registry *r, struct net *n);

#endif
