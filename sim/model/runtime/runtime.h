/*
 * runtime.h - containerd's image pull on one node (the CRI PullImage call).
 *
 * Source: spec/kubelet-semantics.md §11 and §13; containerd
 * internal/cri/server/images/image_pull.go, core/unpack/unpacker.go,
 * core/remotes/docker/fetcher.go; spec/pull-storm.md (runtime steps).
 * One pull:
 *  1. the manifest phase, one request after another, each paying the
 *     endpoint's request latency: items 0..manifestRequests-1 (the HEAD
 *     resolve, GET manifest or index, GET config), plus the platform
 *     manifest of a multi-platform image (the last item). The resolve goes
 *     out on every pull (core/remotes/docker/resolver.go Resolve: a HEAD by
 *     tag or digest); the other items only when the node's content store
 *     lacks them (core/remotes/handlers.go Fetch skips what it has; what a
 *     node holds is a prefix of the items, node_manifest_depth). A node
 *     whose platform is missing fails before the platform manifest. Only
 *     the manifest GET (an index's platform manifest GET) counts toward a
 *     rate limit, never the HEAD. Source: spec §13 (correction);
 *     Simplification: two pulls of one new image at once both fetch its
 *     manifests (containerd would make the second wait on the ingest lock);
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
 * resolves its tag; content (manifests, blobs, chains) is shared.
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
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "base/rng.h"
#include "engine/engine.h"
#include "model/node.h"
#include "model/registry.h"
#include "net/net.h"
#include "spec/scenario.h"

/*
 * Why a pull failed: X(NAME, short text, shape of containerd's full
 * message, what happened). One row per kind; runtime_error_text and
 * runtime_format_error read this table (errors.c), and the kubelet's
 * reason follows from the text (kubelet_eval_pull_error: none starts with
 * "RegistryUnavailable", so every one is ErrImagePull).
 */
#define RUNTIME_ERRORS(X)                                                                  \
    X(NONE, NULL, PLAIN, "not failed")                                                     \
    X(PLATFORM, "no match for platform in manifest: not found", PLATFORM,                  \
      "the index has no manifest for the node's platform")                                 \
    X(MANIFEST_UNAVAILABLE, "failed to resolve reference: 503 Service Unavailable",        \
      MANIFEST, "503 on a manifest-phase request")                                         \
    X(MANIFEST_REFUSED, "failed to resolve reference: connection refused", MANIFEST,       \
      "outage (fail) on a manifest-phase request")                                         \
    X(TOO_MANY_REQUESTS, "429 Too Many Requests: toomanyrequests", MANIFEST,               \
      "429 on a counted manifest GET (rateLimit)")                                         \
    X(BLOB_UNAVAILABLE, "failed to fetch layer: 503 Service Unavailable", BLOB,            \
      "503 on a blob GET")                                                                 \
    X(BLOB_REFUSED, "failed to fetch layer: connection refused", BLOB,                     \
      "outage (fail) on a blob GET")                                                       \
    X(BLOB_RESET, "failed to fetch layer: connection reset by peer", BLOB,                 \
      "outage (fail) began during a blob transfer")                                        \
    X(PROGRESS_TIMEOUT, "no progress within image_pull_progress_timeout: context canceled", \
      CANCELED, "no progress for image_pull_progress_timeout")                             \
    X(NO_SPACE_FETCH, "failed to fetch layer: no space left on device", NO_SPACE_FETCH,    \
      "a blob would not fit on the node's disk")                                           \
    X(NO_SPACE_UNPACK, "failed to extract layer: no space left on device",                 \
      NO_SPACE_UNPACK, "a chain's unpack would not fit on the node's disk")                \
    X(AUTH_ANONYMOUS,                                                                      \
      "failed to authorize: failed to fetch anonymous token: 401 Unauthorized", AUTH,      \
      "401 on the resolve of an anonymous pull")                                           \
    X(AUTH_REJECTED, "failed to authorize: failed to fetch oauth token: 401 Unauthorized", \
      AUTH, "401 on the resolve: the credential was refused")

enum runtime_error {
#define RUNTIME_ERROR_ENUM(name, text, shape, what) RUNTIME_ERR_##name,
    RUNTIME_ERRORS(RUNTIME_ERROR_ENUM)
#undef RUNTIME_ERROR_ENUM
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

/* 'nodes' has room for max_nodes nodes. The registries' slot grants must
 * call runtime_slot_granted (registry_init). */
struct runtime *runtime_new(const struct scenario *sc, struct engine *e, struct net *n,
                            struct rng *rng, struct registry *registries, struct node *nodes,
                            size_t max_nodes);
/* Frees all pull records; pending pulls are dropped without callbacks. */
void runtime_free(struct runtime *rt);

/* One CRI PullImage (as libuv's uv_spawn takes its options). */
struct runtime_pull_request {
    uint32_t node;
    uint32_t ref;        /* scenario image index of the reference */
    bool by_digest;      /* by digest that image; by tag the image the registry's tag
                            names now (runtime_move_tag), whose local tag (for 'handler')
                            the pull points at it when it succeeds (node.h) */
    uint32_t handler;    /* the CRI ImageSpec's runtime handler (runtimeclass.h; 0 = the
                            default): chains go to its snapshotter, the image is recorded
                            for (image, handler) */
    uint32_t credential; /* the CRI AuthConfig: scenario credentials index, or
                            REGISTRY_ANONYMOUS. A registry with auth answers the resolve
                            with 401 when it may not pull the repository
                            (registry_authorizes: RUNTIME_ERR_AUTH_ANONYMOUS or
                            RUNTIME_ERR_AUTH_REJECTED); rate limits with key credential
                            count the pull against its quota */
};

/* Starts the pull; done(arg, result) runs later, from an event. */
void runtime_pull(struct runtime *rt, const struct runtime_pull_request *req,
                  runtime_done_fn *done, void *arg);

/* Replaces where the runtime's requests go (source.h; default: each
 * image's registry). Call before the first pull. */
struct source;
void runtime_set_source(struct runtime *rt, const struct source *src);

/* The registries' slot-grant callback (registry_init): a request that
 * waited for a registry slot goes on the wire. */
void runtime_slot_granted(void *waiter);

/* Download tokens of 'node' held now (scope node), and in '*waiting' the
 * requests queued for one. */
size_t runtime_download_tokens(const struct runtime *rt, uint32_t node, size_t *waiting);

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
