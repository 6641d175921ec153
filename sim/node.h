/*
 * node.h - a node: its links (NIC, disk) and its containerd content and
 * snapshot store (which layer blobs and unpacked chains it holds, which
 * images are recorded).
 *
 * Layer blobs and snapshot chains go through ABSENT -> BUSY -> READY.
 * BUSY means one pull on this node holds the blob lock (fetching or waiting
 * for a download token) or is unpacking the chain; any other pull needing
 * it waits instead of fetching twice (containerd's keyed blob lock and
 * per-chain snapshot lock: spec §11, core/unpack/unpacker.go).
 * Invariants: an entry never goes back from READY in this model (no GC yet);
 *   a BUSY entry goes back to ABSENT when the pull holding it fails (the
 *   next pull that needs it claims it); ids are scenario indices (layers,
 *   chains, images).
 * Ownership: world owns the node array; a node owns its store arrays.
 *   Release with node_release().
 */
#ifndef PULLSIM_NODE_H
#define PULLSIM_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "rng.h"
#include "scenario.h"

enum node_state { NODE_ABSENT, NODE_BUSY, NODE_READY };

/* One store entry: a layer blob or a snapshot chain. */
struct node_entry {
    uint32_t key;  /* layer index, or chain index | NODE_CHAIN_BIT */
    uint8_t state; /* enum node_state */
};
#define NODE_CHAIN_BIT 0x80000000u

/* A request for one of the node's download tokens (containerd 2.1+ scope). */
struct node_token_req {
    uint32_t pull;  /* runtime pull id */
    uint32_t layer; /* index of the layer within the image */
};

struct node {
    uint32_t id;
    uint32_t pool;                /* index into scenario pools */
    const struct scenario_pool *cfg;
    uint32_t nic;                 /* net link */
    uint32_t disk;                /* net link, NET_NO_LINK when not a bottleneck */
    struct rng_stream latency_rng; /* RNG_REQUEST_LATENCY */
    struct rng_stream failure_rng; /* RNG_REQUEST_FAILURE: drawn only when p > 0 */

    /* --- read-only outside node.c and runtime.c --- */
    struct node_entry *store;     /* linear: a node holds tens to hundreds of entries */
    size_t n_store, cap_store;
    uint32_t *images;             /* image indices recorded as present */
    size_t n_images, cap_images;
    uint32_t *pulls;              /* active runtime pull ids, in start order */
    size_t n_pulls, cap_pulls;
    uint32_t tokens_used;         /* download tokens held (scope node) */
    struct node_token_req *token_q; /* FIFO of waiting token requests */
    size_t token_head, n_token_q, cap_token_q;
    uint64_t bytes_fetched;       /* layer bytes downloaded */
};

void node_init(struct node *nd, uint32_t id, uint32_t pool, const struct scenario_pool *cfg,
               struct net *net, uint64_t seed);
void node_release(struct node *nd);

enum node_state node_layer_state(const struct node *nd, uint32_t layer);
void node_set_layer_state(struct node *nd, uint32_t layer, enum node_state st);
enum node_state node_chain_state(const struct node *nd, uint32_t chain);
void node_set_chain_state(struct node *nd, uint32_t chain, enum node_state st);

bool node_has_image(const struct node *nd, uint32_t image);
void node_add_image(struct node *nd, uint32_t image);

/* Records every layer, chain and the image itself as present (prePulled). */
void node_preload_image(struct node *nd, const struct scenario *sc, uint32_t image);

void node_add_pull(struct node *nd, uint32_t pull);
void node_remove_pull(struct node *nd, uint32_t pull);

#endif
