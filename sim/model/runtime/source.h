/*
 * source.h - where a pull's content comes from: the seam a new blob source
 * plugs into.
 *
 * For each HTTP request of a pull the runtime asks its source for a route:
 * the endpoint that answers (a struct registry: its latency, faults, rate
 * limits, request slots and counters apply) and the links the bytes of a
 * blob cross, sender first. Everything else - the request lifecycle,
 * download tokens, blob and chain locks, unpack, the progress watchdog,
 * failure and its clean-up - is the runtime's and stays the same whatever
 * the source. The one source today is the image's registry over the
 * node's NIC to its disk (source_registry_route); a registry mirror, a
 * pull-through cache or a peer-to-peer source (Spegel: a peer that holds
 * the blob serves it) is another route function with its own state, set
 * with runtime_set_source().
 * Invariants: a route is asked when its request is created and holds for
 *   the request's life; a blob's per-connection cap is read from its
 *   endpoint when its bytes start (changes apply to transfers started from
 *   then on, registry.h).
 */
#ifndef PULLSIM_SOURCE_H
#define PULLSIM_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "model/node.h"
#include "model/registry.h"
#include "spec/scenario.h"

/* The position of a manifest-phase request in a route query. */
#define SOURCE_MANIFEST UINT32_MAX

#define SOURCE_MAX_LINKS 3

struct source_route {
    struct registry *endpoint;        /* answers the request */
    uint32_t links[SOURCE_MAX_LINKS]; /* a blob's bytes cross these (net.h) */
    uint8_t n_links;
};

/* Routes request 'k' (layer position in the image, or SOURCE_MANIFEST) of
 * a pull of 'image' on 'node'. */
typedef void source_route_fn(void *self, uint32_t node, uint32_t image, uint32_t k,
                             struct source_route *out);

struct source {
    source_route_fn *route;
    void *self;
};

/* Today's source: every request goes to the image's registry; blob bytes
 * cross its egress, the node's NIC and the node's disk. */
struct source_registry {
    const struct scenario *sc;
    struct registry *registries;
    struct node *nodes;
};
void source_registry_route(void *self, uint32_t node, uint32_t image, uint32_t k,
                           struct source_route *out);

#endif
