/*
 * runtime.h - containerd's image pull on one node (the CRI PullImage call).
 *
 * Source: spec/kubelet-semantics.md §11 and §13; containerd
 * internal/cri/server/images/image_pull.go, core/unpack/unpacker.go,
 * core/remotes/docker/fetcher.go; spec/pull-storm.md (runtime steps).
 * One pull:
 *  1. manifest requests, one after another, each paying the registry's
 *     request latency: 'manifestRequests' of them, plus one for the platform
 *     manifest of a multi-platform image; a node whose platform is missing
 *     fails there;
 *  2. layer fetches in layer order. A present layer is skipped. A layer
 *     whose blob lock another pull on the node holds is waited for, not
 *     fetched twice. At most maxConcurrentDownloads blob downloads: per pull
 *     (containerd 1.7: a waiting layer keeps its slot) or per node
 *     (containerd 2.1+ transfer service, the default: a waiting layer holds
 *     no token). Each fetch pays one request latency, then moves its bytes
 *     across registry egress, node NIC and node disk (net.h), capped by the
 *     registry's perConnectionBandwidth;
 *  3. unpack: chains applied in layer order, one at a time per pull, each
 *     a flow of its unpacked bytes through the disk at the node's unpack
 *     throughput; a chain already unpacked is reused, one being unpacked by
 *     another pull is waited for;
 *  4. the image is recorded on the node when its last chain is unpacked,
 *     and only then does the pull report success.
 * There is no CRI-level de-duplication of identical concurrent pulls: each
 * resolves its manifest; only blobs and chains are shared.
 * Ownership: the runtime borrows the scenario, engine, net, rng, registries
 *   and nodes (whose array must not move); it owns its pull records.
 *   Completion callbacks run from engine events, never inside
 *   runtime_pull().
 */
#ifndef PULLSIM_RUNTIME_H
#define PULLSIM_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "net.h"
#include "node.h"
#include "registry.h"
#include "rng.h"
#include "scenario.h"

struct runtime;

struct runtime_result {
    bool ok;
    const char *error;       /* static text when !ok, else NULL */
    uint64_t bytes;          /* layer bytes this pull downloaded itself */
    uint32_t layers_fetched; /* blob downloads this pull made */
    uint32_t requests;       /* HTTP requests this pull made */
};

typedef void runtime_done_fn(void *arg, const struct runtime_result *res);

struct runtime *runtime_new(const struct scenario *sc, struct engine *e, struct net *n,
                            struct rng *rng, struct registry *registries, struct node *nodes);
/* Frees all pull records; pending pulls are dropped without callbacks. */
void runtime_free(struct runtime *rt);

/* Starts a CRI PullImage of 'image' on 'node'; done(arg, result) runs later. */
void runtime_pull(struct runtime *rt, uint32_t node, uint32_t image, runtime_done_fn *done,
                  void *arg);

/* Pulls in progress on all nodes. */
uint64_t runtime_active_pulls(const struct runtime *rt);
/* Blob downloads started since time 0 (the benchmark's "layer transfers"). */
uint64_t runtime_layer_transfers(const struct runtime *rt);

#endif
