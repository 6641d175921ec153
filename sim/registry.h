/*
 * registry.h - a container registry: request latency, egress link, counters.
 *
 * Every HTTP request (manifest resolve/GET, blob GET) pays one latency draw
 * before any byte flows (spec/pull-storm.md; spec §13). Blob bytes cross the
 * registry's egress link, shared max-min fairly with every other transfer
 * (net.h), and each transfer may be capped by perConnectionBandwidth.
 * Invariants: counters only grow; latency draws come from the requesting
 *   node's RNG_REQUEST_LATENCY stream, so a registry's draws do not depend on
 *   what other nodes did.
 * Ownership: world owns the array of registries; 'cfg' is borrowed from the
 *   scenario, which outlives the run.
 */
#ifndef PULLSIM_REGISTRY_H
#define PULLSIM_REGISTRY_H

#include <stdint.h>

#include "net.h"
#include "rng.h"
#include "scenario.h"

struct registry {
    const struct scenario_registry *cfg;
    uint32_t egress;        /* net link id */
    uint64_t requests;      /* HTTP requests served */
    uint64_t manifest_requests; /* of which manifest/index/config requests */
    uint64_t blob_requests; /* of which layer blob GETs */
};

void registry_init(struct registry *r, const struct scenario_registry *cfg, struct net *n);

/* Latency (s) of one request, drawn from 'stream' (the requesting node's). */
double registry_request_latency(const struct registry *r, struct rng *rng,
                                struct rng_stream *stream);

/* Draws one value of a scenario distribution (s). */
double registry_draw(const struct scenario_dist *d, struct rng *rng, struct rng_stream *stream);

#endif
