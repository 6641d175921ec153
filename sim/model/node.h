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
 * Invariants: a READY entry goes back to ABSENT only when image GC deletes
 *   the last image record that references it and no pull in progress on the
 *   node needs it (node_delete_image); a BUSY entry goes back to ABSENT when
 *   the pull holding it fails (the next pull that needs it claims it); ids
 *   are scenario indices (layers, chains, images).
 * Disk (spec §8): the image filesystem's usage is 'disk_used' (the pool's
 *   baselineUsage, plus every READY blob at its compressed size - a fetched
 *   blob stays in containerd's content store next to its snapshot, as it
 *   does in containerd - plus every READY chain at the unpacked size of its
 *   top layer; a blob or chain shared by images is counted once) plus
 *   'disk_reserved' (the runtime's blobs in flight at their compressed size
 *   and chains being unpacked at their unpacked size; Simplification: the
 *   whole size is reserved when the transfer starts, as if preallocated).
 *   Kept for every node; only nodes with a capacity (disk.capacity > 0) ever
 *   run out of space or run image GC.
 * Image records carry what the kubelet's image GC manager tracks: first
 *   detection and last use (image_gc_manager.go imageRecord).
 * Tags (mutable tags): containerd names a local image by reference; a pull
 *   by tag points the local tag at the image it fetched, a pull by digest
 *   records only the digest (internal/cri/server/images/image_pull.go
 *   createOrUpdateImageReference for the tag and the repo digest). A tag
 *   names at most one image per runtime handler (each handler's pulls set
 *   their own); deleting an image removes the tags naming it.
 *   The kubelet's presence check for a tag asks the local tag, so a node
 *   keeps the image a tag named when it pulled, whatever the registry says
 *   now (spec §3: ImageStatus of the reference).
 * Runtime handlers (runtimeclass.h): a record is keyed by (image, handler)
 *   and a chain by (chain, snapshotter of the handler that unpacked it);
 *   blobs are keyed by layer only (one content store for every handler).
 *   With RuntimeClassInImageCriApi off every key uses handler 0 and
 *   snapshotter 0.
 * Ownership: world owns the node array; a node owns its store arrays.
 *   Release with node_release().
 */
#ifndef PULLSIM_NODE_H
#define PULLSIM_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "net/net.h"
#include "spec/scenario.h"

enum node_state { NODE_ABSENT, NODE_BUSY, NODE_READY };

/* One store entry: a layer blob or a snapshot chain. */
struct node_entry {
    uint32_t key;  /* layer index, or chain index | NODE_CHAIN_BIT */
    uint8_t state; /* enum node_state */
    uint8_t snap;  /* chains: snapshotter index (scenario snapshotters); blobs: 0 */
};
#define NODE_CHAIN_BIT 0x80000000u

/* An image recorded as present, with the kubelet image GC's bookkeeping. */
struct node_image {
    uint32_t image;        /* scenario image index */
    uint32_t handler;      /* runtime handler (scenario handlers), 0 = default "" */
    double first_detected; /* s: recorded on the node (Simplification: at pull end, not at
                              the next detectImages); -INFINITY for images present when
                              the kubelet started (detected with the zero time) */
    double last_used;      /* s: last seen in use; -INFINITY = never (Go's zero time) */
};

/* A local tag: the images entry whose tag it is, the runtime handler whose
 * pulls set it (0 with RuntimeClassInImageCriApi off), and the image it names. */
struct node_tag {
    uint32_t tag, handler, image;
};

/* How much of an image's manifest-phase content (manifest or index,
 * platform manifest, config) the content store holds: items 1..depth of
 * its manifest phase (runtime.h); item 0, the resolve, stores nothing. */
struct node_manifest {
    uint32_t image;
    uint32_t depth;
};

/* An (image, runtime handler) pair: what a record is keyed by. */
struct node_image_key {
    uint32_t image, handler;
};

struct node {
    uint32_t id;
    uint32_t pool;                /* index into scenario pools */
    const struct scenario_pool *cfg;
    uint32_t nic;                 /* net link */
    uint32_t disk;                /* net link, NET_NO_LINK when not a bottleneck */
    struct rng_stream latency_rng; /* RNG_REQUEST_LATENCY */
    struct rng_stream failure_rng; /* RNG_REQUEST_FAILURE: drawn only when p > 0 */

    /* --- read-only outside node.c --- */
    struct node_entry *store;     /* linear: a node holds tens to hundreds of entries */
    size_t n_store, cap_store;
    const struct scenario *sc;    /* layer sizes for disk accounting */
    struct node_image *images;    /* images recorded as present, in record order */
    size_t n_images, cap_images;
    struct node_tag *tags;        /* local tags (each names a recorded image) */
    size_t n_tags, cap_tags;
    uint32_t *pulls;              /* active runtime pull ids, in start order */
    struct node_image_key *pull_images; /* (image, handler) of each active pull (same
                                     index): a lease that keeps its blobs and chains
                                     from image GC */
    size_t n_pulls, cap_pulls, cap_pull_images;
    uint64_t disk_used;           /* B of READY content + baseline, see above */
    uint64_t disk_reserved;       /* B in flight (node_reserve), see above */
    struct node_image_key *gc_deleted; /* records image GC deleted here (not re-pulled yet) */
    size_t n_gc_deleted, cap_gc_deleted;
    struct node_manifest *manifests; /* per image with manifest content, in first-fetch order */
    size_t n_manifests, cap_manifests;
    uint64_t gc_repulls;          /* successful pulls of an image GC had deleted here */
    uint64_t bytes_fetched;       /* layer bytes downloaded (node_blob_stored) */
};

void node_init(struct node *nd, uint32_t id, uint32_t pool, const struct scenario *sc,
               const struct scenario_pool *cfg, struct net *net, uint64_t seed);
void node_release(struct node *nd);

enum node_state node_layer_state(const struct node *nd, uint32_t layer);
void node_set_layer_state(struct node *nd, uint32_t layer, enum node_state st);
/* Chains are keyed by (chain, snapshotter of the handler that unpacks
 * them, runtimeclass.h); 0 with RuntimeClassInImageCriApi off. */
enum node_state node_chain_state(const struct node *nd, uint32_t chain, uint32_t snap);
void node_set_chain_state(struct node *nd, uint32_t chain, uint32_t snap, enum node_state st);

/* Image records are keyed by (image, runtime handler); handler 0 with the
 * gate off. */
bool node_has_image(const struct node *nd, uint32_t image, uint32_t handler);
/* The record of (image, handler), or NULL. */
struct node_image *node_image_record(struct node *nd, uint32_t image, uint32_t handler);
/* Records (image, handler) as present at time 'now' (s); a pull of an image
 * GC had deleted here counts as a re-pull. */
void node_add_image(struct node *nd, uint32_t image, uint32_t handler, double now);

/* Records every layer, chain, the manifest-phase content and the image
 * itself as present (prePulled), for handler 0, with its tag unless it was
 * named by digest. */
void node_preload_image(struct node *nd, const struct scenario *sc, uint32_t image,
                        bool by_digest, double now);

/* Points handler's local tag of images entry 'tag' at recorded 'image'. */
void node_set_tag(struct node *nd, uint32_t tag, uint32_t handler, uint32_t image);
/* The image handler's local tag of 'tag' names, or SCENARIO_NONE. */
uint32_t node_tag_image(const struct node *nd, uint32_t tag, uint32_t handler);
/* What a reference finds locally for 'handler': by digest the image itself
 * if recorded, by tag the image its local tag names; SCENARIO_NONE if absent. */
uint32_t node_lookup(const struct node *nd, uint32_t image, bool by_digest, uint32_t handler);

/* Image GC deleted the record of (image, handler) (spec §8): its tags go;
 * the chains of the handler's snapshotter that no remaining record or
 * active pull on that snapshotter needs go back to ABSENT, and the blobs
 * nothing at all needs; its manifest content goes with its last record
 * (containerd's content GC: no image references it; Simplification: at
 * once, without a lease for a pull in progress). Returns the bytes really
 * freed (shared content stays). */
uint64_t node_delete_image(struct node *nd, uint32_t image, uint32_t handler);

/* Manifest-phase items of 'image' in the content store (0: none). */
uint32_t node_manifest_depth(const struct node *nd, uint32_t image);
/* Item 'item' of the image's manifest phase was fetched: items 1..item are
 * in the content store (items come in order). */
void node_add_manifest_item(struct node *nd, uint32_t image, uint32_t item);

/* Space for content in flight: the caller checked node_disk_free() (a
 * node without a capacity never runs out). */
void node_reserve(struct node *nd, uint64_t bytes);
/* Gives a reservation back (the transfer or unpack stopped). */
void node_unreserve(struct node *nd, uint64_t bytes);
/* The reserved blob of 'layer' is READY in the content store: its
 * reservation becomes usage and its bytes count as fetched. */
void node_blob_stored(struct node *nd, uint32_t layer);

/* Bytes in use on the image filesystem: disk_used + disk_reserved. */
uint64_t node_disk_usage(const struct node *nd);
/* Free bytes of the image filesystem: capacity - usage (0 when over);
 * UINT64_MAX when the capacity is unlimited. */
uint64_t node_disk_free(const struct node *nd);

/* The pull (for runtime handler 'handler') holds a lease on 'image' until
 * node_remove_pull. */
void node_add_pull(struct node *nd, uint32_t pull, uint32_t image, uint32_t handler);
void node_remove_pull(struct node *nd, uint32_t pull);

#endif
