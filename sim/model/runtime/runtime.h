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
 *  4. the image is recorded on the node when its last chain is unpacked
 *     (with its tag, for a pull by tag), and only then does the pull
 *     report success.
 * Mutable tags: a pull by tag fetches the image the registry's tag names
 * when the pull starts; a push moves the tag (runtime_move_tag). Layers the
 * node holds are not fetched again, so after a push only the layers that
 * changed move.
 * Runtime handlers (runtimeclass.h): a pull for a handler shares blobs with
 * every other pull on the node but unpacks into its handler's snapshotter,
 * reusing only chains of that snapshotter, and records (image, handler) and
 * that handler's local tag.
 * There is no CRI-level de-duplication of identical concurrent pulls: each
 * resolves its manifest; only blobs and chains are shared.
 * HTTP requests (registry.h): a request first waits for a registry slot
 * (maxConcurrentRequests; the wait counts as latency), then is judged when
 * sent: an outage refuses it at once or leaves it hanging; otherwise a
 * rate-limited manifest GET may get 429 and any request may get 503 after
 * its latency. An answer that arrives during an outage is refused or hangs
 * too, and an outage that begins stops the blob transfers in flight (reset
 * in mode fail, frozen in mode hang). Any failed request fails the pull.
 * Failure: the pull releases everything it holds at once - its blob locks
 * and the chains it was unpacking go back to ABSENT (a waiting pull then
 * claims them), its flows, pending events, queued token requests, registry
 * slots and download slots or tokens are cancelled or given back - and
 * reports the error from an event at the same instant.
 * Credentials (registry.h auth): a pull carries the credential the kubelet
 * chose (or none); only the resolve is judged, and a refused one fails the
 * pull after its latency, like any failed request.
 * Disk space (node.h, spec §8): a blob reserves its compressed size when its
 * bytes start to flow and a chain its unpacked size when its unpack starts;
 * one that does not fit in the node's free space fails the pull ("no space
 * left on device", ErrImagePull) through the same release path; a
 * reservation is given back when the content is READY (then counted as
 * used) or the pull fails. Nodes without a capacity never run out.
 * Progress timeout (containerd image_pull_progress_timeout, spec §11):
 * checked on a ticker started with the pull, every 10 s (timeout/2 if
 * that is smaller); a check that finds requests active and no body bytes
 * read since the previous check, more than the timeout after the last
 * check that found progress (or the start), cancels the pull.
 * Ownership: the runtime borrows the scenario, engine, net, rng, registries
 *   and nodes (whose array must not move); it owns its pull records.
 *   Completion callbacks run from engine events, never inside
 *   runtime_pull().
 */
#ifndef PULLSIM_RUNTIME_H
#define PULLSIM_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"
#include "base/rng.h"
#include "engine/engine.h"
#include "model/node.h"
#include "model/registry.h"
#include "net/net.h"
#include "spec/scenario.h"

/* Why a pull failed. */
enum runtime_error {
    RUNTIME_ERR_NONE,
    RUNTIME_ERR_PLATFORM,             /* the index has no manifest for the node's platform */
    RUNTIME_ERR_MANIFEST_UNAVAILABLE, /* 503 on a manifest-phase request */
    RUNTIME_ERR_MANIFEST_REFUSED,     /* outage (fail) on a manifest-phase request */
    RUNTIME_ERR_TOO_MANY_REQUESTS,    /* 429 on a counted manifest GET (rateLimit) */
    RUNTIME_ERR_BLOB_UNAVAILABLE,     /* 503 on a blob GET */
    RUNTIME_ERR_BLOB_REFUSED,         /* outage (fail) on a blob GET */
    RUNTIME_ERR_BLOB_RESET,           /* outage (fail) began during a blob transfer */
    RUNTIME_ERR_PROGRESS_TIMEOUT,     /* no progress for image_pull_progress_timeout */
    RUNTIME_ERR_NO_SPACE_FETCH,       /* a blob would not fit on the node's disk */
    RUNTIME_ERR_NO_SPACE_UNPACK,      /* a chain's unpack would not fit on the node's disk */
    RUNTIME_ERR_AUTH_ANONYMOUS,       /* 401 on the resolve of an anonymous pull */
    RUNTIME_ERR_AUTH_REJECTED,        /* 401 on the resolve: the credential was refused */
};

struct runtime;

struct runtime_result {
    bool ok;
    const char *error;       /* static short text when !ok, else NULL */
    enum runtime_error code; /* RUNTIME_ERR_NONE when ok */
    uint32_t error_at;       /* manifest-phase request index, or layer position in the
                                image, of the failure (0 when not applicable) */
    uint64_t bytes;          /* layer bytes this pull downloaded itself */
    uint32_t layers_fetched; /* blob downloads this pull made */
    uint32_t requests;       /* HTTP requests this pull made */
    uint32_t image;          /* the image the reference resolved to (scenario index) */
};

typedef void runtime_done_fn(void *arg, const struct runtime_result *res);

/* Sets itself as the slot-grant callback of every registry. */
struct runtime *runtime_new(const struct scenario *sc, struct engine *e, struct net *n,
                            struct rng *rng, struct registry *registries, struct node *nodes);
/* Frees all pull records; pending pulls are dropped without callbacks. */
void runtime_free(struct runtime *rt);

/* Starts a CRI PullImage on 'node' of reference 'ref' (a scenario image
 * index) for runtime 'handler' (the CRI ImageSpec's runtime handler,
 * runtimeclass.h; 0 = the default): by digest that image; by tag the image
 * the registry's tag names now (runtime_move_tag), whose local tag (for that
 * handler) the pull points at it when it succeeds (node.h). Chains go to the
 * handler's snapshotter; the image is recorded for (image, handler).
 * done(arg, result) runs later. */
void runtime_pull(struct runtime *rt, uint32_t node, uint32_t ref, bool by_digest,
                  uint32_t handler, runtime_done_fn *done, void *arg);

/* runtime_pull with the CRI AuthConfig of 'credential' (scenario credentials
 * index; REGISTRY_ANONYMOUS = none, which is runtime_pull): a registry with
 * auth answers the resolve with 401 when the credential may not pull the
 * repository (registry_authorizes), failing the pull with
 * RUNTIME_ERR_AUTH_ANONYMOUS or RUNTIME_ERR_AUTH_REJECTED; rate limits with
 * key credential count the pull against the credential's quota. */
void runtime_pull_as(struct runtime *rt, uint32_t node, uint32_t ref, bool by_digest,
                     uint32_t handler, uint32_t credential, runtime_done_fn *done, void *arg);

/* A push: from now on the registry resolves the tag of images entry 'tag'
 * to 'image' (a pull already started keeps what it resolved). */
void runtime_move_tag(struct runtime *rt, uint32_t tag, uint32_t image);
/* The image the registry's tag of 'tag' names now. */
uint32_t runtime_tag_target(const struct runtime *rt, uint32_t tag);

/* An outage of registry 'registry' begins now: blob transfers in flight from
 * it fail (mode fail) or freeze (mode hang). Call it from an event at the
 * outage's start. */
void runtime_registry_outage_began(struct runtime *rt, uint32_t registry);

/* Pulls in progress on all nodes. */
uint64_t runtime_active_pulls(const struct runtime *rt);
/* Blob downloads started since time 0 (the benchmark's "layer transfers"). */
uint64_t runtime_layer_transfers(const struct runtime *rt);

/* A short static text for a failure code (NULL for RUNTIME_ERR_NONE). */
const char *runtime_error_text(enum runtime_error code);

/* Appends the error text containerd would report for a failed pull of
 * 'image' (its gRPC message as the kubelet sees it; no commas), e.g.
 * 'failed to pull and unpack image "docker.io/library/nginx:1.27": ...
 * 503 Service Unavailable'. */
void runtime_format_error(const struct scenario *sc, uint32_t image, enum runtime_error code,
                          uint32_t error_at, struct strbuf *sb);

#endif
