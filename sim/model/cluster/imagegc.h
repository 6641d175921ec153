/*
 * imagegc.h - the kubelet's image garbage collector on one node, and the
 * eviction manager's image reclaim under DiskPressure.
 *
 * Source: spec/kubelet-semantics.md §8; pkg/kubelet/images/image_gc_manager.go
 * (detectImages, GarbageCollect, freeOldImages, freeSpace, freeImage,
 * imagesInEvictionOrder, byLastUsedAndDetected); pkg/kubelet/eviction/helpers.go
 * (deleteImages -> DeleteUnusedImages).
 * One run at time 'now':
 *  1. detect: every record the caller says is in use gets last_used = now;
 *  2. candidates: records not in use and not pinned (nodePools[].pinnedImages),
 *     by last_used ascending (never used first), ties by first_detected
 *     ascending, then record order (upstream's sort is not stable; this one is);
 *  3. GarbageCollect only: with imageMaximumGCAge > 0, once the kubelet has run
 *     longer than it, every candidate unused for longer than it is deleted;
 *  4. GarbageCollect: usage% = 100 - floor(available * 100 / capacity); when
 *     usage% >= high, bytesToFree = capacity * (100 - low) / 100 - available.
 *     DeleteUnusedImages (eviction): bytesToFree unlimited. Candidates are
 *     walked in order, skipping those used at or after 'now' and those first
 *     detected less than imageMinimumGCAge ago, deleting until the counted
 *     bytes reach bytesToFree; short of it, the run 'failed'
 *     (FreeDiskSpaceFailed).
 * Records are per (image, runtime handler) (node.h; with
 *   RuntimeClassInImageCriApi on, image_gc_manager.go keys imageRecords by
 *   getImageTuple and freeImage removes one tuple): in use, candidate and
 *   deleted one record at a time, so deleting the image for one handler
 *   leaves the other handlers' records. With the gate off every record is
 *   handler 0.
 * Sizes: GC counts an image's CRI size, here the sum of its layers'
 *   compressed sizes (containerd reports the content size; spec §8 leaves it
 *   open). The bytes really freed (node_delete_image) follow sharing: a blob
 *   or chain another image or a pull in progress still needs stays, and
 *   unpacked snapshots count too, so 'freed' may be more or less than
 *   'counted'.
 * Ownership: borrows the node and the scenario. Units: s, bytes.
 */
#ifndef PULLSIM_IMAGEGC_H
#define PULLSIM_IMAGEGC_H

#include <stdbool.h>
#include <stdint.h>

#include "model/node.h"
#include "spec/scenario.h"

/* Is 'image' used now by a container on the node whose pod keys its images
 * by runtime handler 'handler' (runtimeclass.h; 0 with the gate off)? */
typedef bool imagegc_in_use_fn(void *arg, uint32_t image, uint32_t handler);

struct imagegc_policy {
    uint32_t high, low;  /* percent */
    double min_age;      /* s */
    double max_age;      /* s; 0 = off */
    double started;      /* s: when the node's kubelet started */
};

/* What one run did. */
struct imagegc_result {
    bool over_high;       /* usage% >= high (GarbageCollect): freeSpace ran */
    bool failed;          /* could not free bytes_to_free */
    uint64_t bytes_to_free;
    uint32_t deleted;     /* images deleted */
    uint64_t counted;     /* sum of their CRI sizes */
    uint64_t freed;       /* bytes the filesystem really got back */
};

/* The policy of a kubelet config for a node that started at 'started'. */
struct imagegc_policy imagegc_policy_of(const struct scenario_kubelet *k, double started);

/* usage% of the node's image filesystem (capacity > 0). */
uint32_t imagegc_usage_percent(const struct node *nd);

/* GarbageCollect (every ImageGCPeriod). Node must have a capacity. */
void imagegc_collect(struct node *nd, const struct imagegc_policy *pol, double now,
                     imagegc_in_use_fn *in_use, void *arg, struct imagegc_result *out);

/* DeleteUnusedImages (eviction manager under imagefs pressure). */
void imagegc_delete_unused(struct node *nd, const struct imagegc_policy *pol, double now,
                           imagegc_in_use_fn *in_use, void *arg, struct imagegc_result *out);

#endif
