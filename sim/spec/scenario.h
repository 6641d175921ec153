/*
 * scenario.h - a scenario file, parsed and fully validated: registries (and
 * their auth), images and their layers, runtime classes, secrets, kubelet
 * configs, node pools (and their credentials), workloads, events.
 *
 * Pure data: no simulation state. scenario_load() checks everything a run
 * could trip on (units, ranges, dangling names, kubelet config validation,
 * implementation limits), so building the world from a loaded scenario
 * cannot fail on user input. Vocabulary: spec/scenario-format.md; key names
 * follow Kubernetes (serializeImagePulls is serialize_image_pulls here).
 * Invariants after a successful load:
 *  - every index field names an existing entry of the array it refers to;
 *  - quantities are finite, >= 0, in SI units (s, B, B/s), named in each
 *    field's comment; INFINITY is used only where a comment says so;
 *  - kubelet configs are defaulted and validated as the kubelet does
 *    (spec §6), container pull policies are defaulted as the API server
 *    does (spec §2, §12);
 *  - layers are de-duplicated by id across images; chains (layer prefixes,
 *    containerd's snapshot chain IDs) are interned per distinct prefix;
 *  - every auths key normalizes (keyring.h) and names a credential some
 *    registry account defines; allowlist entries are stored as
 *    verifypolicy_allowlist_pattern returns them. Like imageref.h, those two
 *    modules are pure, so the loader may use them.
 * Ownership: struct scenario owns all its arrays and strings; free with
 *   scenario_free(). Source locations point into 'file', owned here too.
 */
#ifndef PULLSIM_SCENARIO_H
#define PULLSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

/* Implementation limits; exceeding one is an input error that names it. */
#define SCENARIO_MAX_NODES 1000000u       /* per pool, and in total */
#define SCENARIO_MAX_PODS 10000000u       /* in total */
#define SCENARIO_MAX_LAYERS_PER_IMAGE 1000u
#define SCENARIO_MAX_CONTAINERS 100u      /* per pod template */
#define SCENARIO_MAX_RUNTIME_CLASSES 100u /* runtimeClasses entries */
#define SCENARIO_MAX_SECRETS 10000u       /* secrets entries */
#define SCENARIO_MAX_CREDENTIALS 10000u   /* distinct registry account names */
/* Limits on products (scenario_limits.c says what each one bounds). */
#define SCENARIO_MAX_SAMPLES 1000000u                /* horizon / sampleInterval */
#define SCENARIO_MAX_SAMPLE_CELLS 50000000u           /* samples x sampled series */
#define SCENARIO_MAX_CONTAINERS_TOTAL 50000000u      /* pods x containers, in total */
#define SCENARIO_MAX_PRE_PULLED_LAYERS 100000000u    /* nodes x prePulled layers */
#define SCENARIO_MAX_HORIZON (366 * 24 * 3600.0)    /* s; a year and a day */
#define SCENARIO_MIN_PROGRESS_TIMEOUT 1e-3          /* s; imagePullProgressTimeout, unless 0 */

enum scenario_pull_policy {
    SCENARIO_PULL_ALWAYS,
    SCENARIO_PULL_IF_NOT_PRESENT,
    SCENARIO_PULL_NEVER,
};

enum scenario_dist_kind {
    SCENARIO_DIST_CONSTANT,    /* a */
    SCENARIO_DIST_EXPONENTIAL, /* mean a */
    SCENARIO_DIST_LOGNORMAL,   /* median a, sigma b (dimensionless) */
    SCENARIO_DIST_UNIFORM,     /* [a, b) */
};

/* A random duration, e.g. per-request latency. */
struct scenario_dist {
    enum scenario_dist_kind kind;
    double a; /* s (see enum) */
    double b; /* s for uniform, dimensionless sigma for lognormal, else 0 */
};

enum scenario_outage_mode {
    SCENARIO_OUTAGE_FAIL, /* every request fails at once (connection refused) */
    SCENARIO_OUTAGE_HANG, /* every request hangs: no response, no more bytes */
};

/* registries[i].outages[j]: the registry is down during [from, to). Outages
 * of one registry are in time order and do not overlap. */
struct scenario_outage {
    double from, to; /* s, from < to */
    enum scenario_outage_mode mode;
    struct diag_loc loc;
};

/* Which registry settings a change sets (bits of scenario_registry_change.what). */
#define SCENARIO_CHANGE_EGRESS 0x1u
#define SCENARIO_CHANGE_PER_CONNECTION 0x2u
#define SCENARIO_CHANGE_LATENCY 0x4u
#define SCENARIO_CHANGE_FAILURE 0x8u

/* registries[i].changes[j]: from 'at' on, the settings named in 'what' take
 * these values. Changes of one registry are in non-decreasing 'at' order. */
struct scenario_registry_change {
    double at;                       /* s */
    unsigned what;                   /* SCENARIO_CHANGE_* bits, at least one */
    double egress_bandwidth;         /* B/s, > 0 */
    double per_connection_bandwidth; /* B/s, > 0: transfers started from then on */
    struct scenario_dist latency;    /* requests sent from then on */
    double failure_probability;      /* [0, 1] */
    struct diag_loc loc;
};

/* Whose requests share one rate-limit quota (the client address the
 * registry sees). */
enum scenario_rate_key {
    SCENARIO_RATE_NODE,       /* each node its own address */
    SCENARIO_RATE_POOL,       /* one NAT address per node pool */
    SCENARIO_RATE_CLUSTER,    /* one NAT address for every node */
    SCENARIO_RATE_CREDENTIAL, /* one quota per credential (account) name; anonymous
                                 pulls share one NAT address, as key cluster */
};

/* registries[i].rateLimit: at most 'requests' counted manifest GETs per
 * client key in any sliding window of 'window' seconds (Docker Hub style). */
struct scenario_rate_limit {
    uint32_t requests;        /* 0 = no rate limit (key absent) */
    double window;            /* s, > 0 */
    enum scenario_rate_key key;
};

/* registries[i].auth.accounts[j]: a credential the registry knows and the
 * repositories it may pull. */
struct scenario_account {
    uint32_t credential;  /* index into credentials */
    char **repositories;  /* "*" (every one), "shop/api" (exact), or "shop/" followed by
                             '*' (every repository under shop/, at any depth) */
    size_t n_repositories;
    struct diag_loc loc;
};

/* registries[i].auth: which repositories need credentials and which
 * credentials may pull them (registry.h registry_authorizes). */
struct scenario_registry_auth {
    bool on;          /* the key is present; off = no authentication at all */
    bool required;    /* every repository needs credentials (default); false: only
                         those some account lists */
    struct scenario_account *accounts;
    size_t n_accounts;
};

struct scenario_registry {
    char *host;                      /* "docker.io", "registry.example.com:5000"; matched
                                        exactly against an image's normalized domain */
    double egress_bandwidth;         /* B/s, > 0 */
    double per_connection_bandwidth; /* B/s cap per blob transfer; INFINITY = none */
    struct scenario_dist latency;    /* per HTTP request, paid before bytes flow */
    struct scenario_dist connect_latency; /* more for a request that opens a connection
                                        (TCP and TLS handshakes); default 0 */
    uint32_t manifest_requests;      /* the manifest phase of a new single-platform image,
                                        the resolve included; default 3 (HEAD resolve,
                                        GET manifest, GET config: spec §13); a node
                                        holding the content sends only the HEAD */
    double failure_probability;      /* [0, 1]: each request answers 5xx; default 0 */
    struct scenario_outage *outages; /* in time order, disjoint */
    size_t n_outages;
    struct scenario_registry_change *changes; /* in 'at' order */
    size_t n_changes;
    struct scenario_rate_limit rate_limit;
    uint32_t max_concurrent_requests; /* requests in flight at once; 0 = no limit */
    struct scenario_registry_auth auth;
    struct diag_loc loc;
};

/* One config.json "auths" entry: a key as written (keyring.h normalizes it)
 * and the credential stored under it. */
struct scenario_auth_entry {
    char *key;           /* "registry.example.com", "https://index.docker.io/v1/", ... */
    uint32_t credential; /* index into credentials */
    struct diag_loc loc;
};

/* secrets[i].type: the kubelet reads only the two docker types
 * (pkg/credentialprovider/secrets/secrets.go); every other type is ignored. */
enum scenario_secret_type {
    SCENARIO_SECRET_DOCKERCONFIGJSON, /* kubernetes.io/dockerconfigjson */
    SCENARIO_SECRET_DOCKERCFG,        /* kubernetes.io/dockercfg */
    SCENARIO_SECRET_OTHER,            /* Opaque, kubernetes.io/tls, ...: ignored */
};

/* secrets[i]: a Secret pods name in imagePullSecrets. */
struct scenario_secret {
    char *name;
    enum scenario_secret_type type;
    struct scenario_auth_entry *auths; /* in file order */
    size_t n_auths;
    struct diag_loc loc;
};

/* One blob, shared by every image that lists its id. */
struct scenario_layer {
    char *id;               /* user id, or "<image ref>#<index>" for anonymous layers */
    uint64_t size;          /* compressed bytes fetched, > 0 */
    uint64_t unpacked_size; /* bytes written by unpack; default = size */
    struct diag_loc loc;
};

/* A snapshot chain: the layers 0..k of some image. Two images share chain k
 * only when their first k+1 layers are the same ids (containerd's chain ID). */
struct scenario_chain {
    uint32_t parent; /* index into chains, or SCENARIO_NONE for the first layer */
    uint32_t layer;  /* index into layers: the layer applied on top of parent */
};

#define SCENARIO_NONE UINT32_MAX

/* An image is one manifest: its digest and layers. images[0, n_listed_images)
 * are the images entries; the rest are the images that 'push' events put
 * under an existing tag (mutable tags). */
struct scenario_image {
    char *ref;           /* as written in images[] (a pushed image: its tag's ref) */
    char *normalized;    /* containerd's ParseDockerRef form, the store key */
    char *name;          /* repository: "docker.io/library/nginx" */
    char *digest;        /* "sha256:<64 hex>": from the ref, the 'digest' key, or
                            synthesized from the content (see scenario_images.c) */
    bool by_digest;      /* the ref names a digest: no tag, never moves */
    uint32_t registry;   /* index into registries */
    uint32_t *layers;    /* indices into layers, in image order */
    uint32_t *chains;    /* chains[k] = chain of layers 0..k; same length as layers */
    size_t n_layers;     /* >= 1 */
    char **platforms;    /* "linux/amd64"... ; n_platforms == 0: single-platform image */
    size_t n_platforms;
    struct diag_loc loc;
};

/* kubelet imagePullCredentialsVerificationPolicy (spec §10, verifypolicy.h). */
enum scenario_verify_policy {
    SCENARIO_VERIFY_NEVER,             /* NeverVerify */
    SCENARIO_VERIFY_NEVER_PRELOADED,   /* NeverVerifyPreloadedImages (default) */
    SCENARIO_VERIFY_NEVER_ALLOWLISTED, /* NeverVerifyAllowlistedImages */
    SCENARIO_VERIFY_ALWAYS,            /* AlwaysVerify */
};
/* "NeverVerify", "NeverVerifyPreloadedImages", ... (the loader parses the
 * same table). */
const char *scenario_verify_policy_name(enum scenario_verify_policy p);

struct scenario_kubelet {
    char *name;                        /* kubeletConfigs key; "<pool>.kubelet" for inline */
    bool inline_config;                /* written inline in a pool: never run as a config */
    bool serialize_image_pulls;        /* after defaulting (spec §6) */
    uint32_t max_parallel_image_pulls; /* 0 = nil = no limit */
    double registry_pull_qps;          /* tokens/s; 0 = no limiter; default 5 */
    uint32_t registry_burst;           /* bucket size; default 10 */
    /* Image GC (spec §8): percent of the image filesystem, validated in [0, 100]
     * with low < high; ages in s. */
    uint32_t image_gc_high_threshold;  /* imageGCHighThresholdPercent, default 85 */
    uint32_t image_gc_low_threshold;   /* imageGCLowThresholdPercent, default 80 */
    double image_minimum_gc_age;       /* imageMinimumGCAge, default 120 (2m) */
    double image_maximum_gc_age;       /* imageMaximumGCAge, default 0 = off */
    /* featureGates.RuntimeClassInImageCriApi (alpha, default false): images are
     * keyed per (image, runtime handler) on the node (runtimeclass.h). */
    bool runtime_class_in_image_cri_api;
    /* featureGates.KubeletEnsureSecretPulledImages (beta 1.35, default true: spec
     * §10): present images are checked against the credentials that pulled them
     * (pullrecords.h); only in scenarios that use credentials (scenario.uses_credentials). */
    bool ensure_secret_pulled_images;
    enum scenario_verify_policy verify_policy; /* imagePullCredentialsVerificationPolicy */
    char **allowlist;  /* preloadedImagesVerificationAllowlist, validated and stored as
                          verifypolicy_allowlist_pattern returns them (owned) */
    size_t n_allowlist;
    struct diag_loc loc;
};

enum scenario_download_scope {
    SCENARIO_DOWNLOADS_PER_NODE, /* containerd 2.1+ transfer service (default) */
    SCENARIO_DOWNLOADS_PER_PULL, /* containerd 1.7 */
};

struct scenario_runtime {
    uint32_t max_concurrent_downloads;   /* default 3, >= 1 */
    enum scenario_download_scope scope;  /* YAML downloadLimitScope: node | pull */
    double unpack_bandwidth;             /* B/s of unpacked bytes; INFINITY = instant */
    double image_pull_progress_timeout;  /* s; containerd's image_pull_progress_timeout,
                                            default 300 (5m); 0 disables it */
};

struct scenario_pool {
    char *name;
    uint32_t count;              /* nodes at t = 0 */
    char *arch;                  /* "amd64" (default), "arm64", ... ; os is linux */
    double nic_bandwidth;        /* B/s ingress, > 0 */
    double disk_write_bandwidth; /* B/s; INFINITY = not a bottleneck (default) */
    uint64_t disk_capacity;      /* B; 0 = unlimited (default): no GC, no pressure */
    uint64_t disk_baseline;      /* B used by everything but images (disk.baselineUsage, 0) */
    uint32_t *pinned;            /* image indices pinned (never GC'd): pinnedImages */
    size_t n_pinned;
    uint32_t kubelet;            /* index into kubelet_configs, or SCENARIO_NONE = the
                                    config of the current run */
    struct scenario_runtime runtime;
    uint32_t max_pods;           /* kubelet maxPods, default 110 (placement only) */
    uint32_t *pre_pulled;        /* image indices present at t = 0 */
    bool *pre_pulled_by_digest;  /* written as a digest: the tag is not recorded */
    size_t n_pre_pulled;
    uint32_t sandbox_image;      /* sandboxImage with prePulled: false: the images entry
                                    containerd pulls before a node's first pod sandbox
                                    (also in 'pinned'); SCENARIO_NONE = pre-pulled, the
                                    default: present and counted in baselineUsage */
    struct scenario_auth_entry *node_auths; /* credentials: {auths}: the nodes' config.json
                                               and credential providers, in file order */
    size_t n_node_auths;
    struct diag_loc loc;
};

enum scenario_kind { SCENARIO_KIND_POD, SCENARIO_KIND_DEPLOYMENT, SCENARIO_KIND_DAEMONSET };
enum scenario_placement { SCENARIO_PLACE_SPREAD, SCENARIO_PLACE_RANDOM, SCENARIO_PLACE_PACKED };

struct scenario_container {
    char *name;
    char *image;                           /* as written (the kubelet's backoff key) */
    uint32_t image_idx;                    /* index into images: by tag, the images entry
                                              of that ref (the registry resolves the tag at
                                              pull time); by digest, the image with that
                                              repository and digest */
    bool by_digest;                        /* 'image' names a digest: it never moves */
    bool invalid_image;                    /* acceptInvalidImage: 'image' does not parse; the
                                              API server accepts it and the kubelet waits
                                              with InvalidImageName (image_idx SCENARIO_NONE) */
    enum scenario_pull_policy pull_policy; /* after API defaulting and admission */
    bool init;                             /* an initContainers entry */
    double run_for;                        /* s a container runs before it exits; 0 for a
                                              regular container that runs to the end. A
                                              regular one that exits is restarted with the
                                              CrashLoopBackOff timing (kubelet.h) */
    struct diag_loc loc;
};

/* runtimeClasses[i]: a RuntimeClass, naming the runtime handler its pods run
 * under (node.k8s.io/v1 RuntimeClass.handler). */
struct scenario_runtime_class {
    char *name;       /* metadata.name, what pods write in runtimeClassName */
    uint32_t handler; /* index into handlers (>= 1) */
    struct diag_loc loc;
};

/* A runtime handler as containerd configures it: the snapshotter it unpacks
 * images into. handlers[0] is the default handler "" (pods without a
 * runtimeClassName, and every pod while RuntimeClassInImageCriApi is off). */
struct scenario_handler {
    char *name;           /* "" for handlers[0] */
    uint32_t snapshotter; /* index into snapshotters; snapshotters[0] = "overlayfs" */
    struct diag_loc loc;  /* the first runtimeClasses entry naming it */
};

/* An IntOrString of a rolling update (maxSurge, maxUnavailable). */
struct scenario_intstr {
    uint32_t value;  /* pods, or percent when 'percent' (0..100) */
    bool percent;
};

/* Deployment .spec.strategy.rollingUpdate, DaemonSet
 * .spec.updateStrategy.rollingUpdate, after upstream defaulting (Deployment
 * 25%/25%, DaemonSet maxSurge 0 / maxUnavailable 1) and validation (not
 * both zero). */
struct scenario_rolling {
    struct scenario_intstr max_surge;
    struct scenario_intstr max_unavailable;
};

struct scenario_workload {
    char *name;
    enum scenario_kind kind;
    uint32_t replicas;                  /* Deployment; 1 for Pod; DaemonSet: unused */
    double at;                          /* s, creation time */
    enum scenario_placement placement;  /* Deployment and Pod */
    uint32_t pool;                      /* index into pools, SCENARIO_NONE = any pool */
    uint32_t runtime_class;             /* template.runtimeClassName: index into
                                           runtime_classes, SCENARIO_NONE = none */
    uint32_t *pull_secrets;             /* template.imagePullSecrets: indices into secrets,
                                           in spec order */
    size_t n_pull_secrets;
    struct scenario_container *containers; /* init containers first, in spec order */
    size_t n_containers;
    size_t n_init;
    struct scenario_rolling rolling;    /* Deployment and DaemonSet */
    double min_ready_seconds;           /* s a pod stays ready before it is available */
    /* An 'update' event's template revision: the workload it updates (whose
     * name, kind, replicas, strategy it shares; SCENARIO_NONE for a workload
     * of the file). Revisions follow the file's workloads, in event time order
     * per workload; the world never creates one on its own. */
    uint32_t revision_of;
    struct diag_loc loc;
};

enum scenario_event_kind {
    SCENARIO_EVENT_SCALE_OUT, /* nodes join a pool */
    SCENARIO_EVENT_PUSH,      /* a tag moves: the registry resolves it to another image */
    SCENARIO_EVENT_UPDATE,    /* a workload's container gets a new image: rollout */
    SCENARIO_EVENT_DELETE_PODS, /* pods of a workload are deleted (their controller
                                   replaces them) */
};

struct scenario_event {
    enum scenario_event_kind kind;
    double at;      /* s */
    uint32_t pool;  /* scaleOut: pool index */
    uint32_t count; /* scaleOut: nodes added */
    uint32_t tag;   /* push: the images entry whose tag moves (a tag reference) */
    uint32_t image; /* push: the image the tag names from 'at' on (same repository) */
    uint32_t workload; /* update, deletePods: the workload (a file workload) */
    uint32_t revision; /* update: the new template (a workloads entry, revision_of set) */
    uint32_t container; /* update: index of the container whose image changes */
    /* deletePods: 'count' pods, the oldest running ones first */
    struct diag_loc loc;
};

/* experiment.sweep[i]: one swept path (see cli "Experiments"); values as
 * written: a scalar ("250..2000*2", "a,b") or a list's items joined by ','. */
struct scenario_sweep {
    char *path;
    char *values;
    struct diag_loc loc; /* of the values, for errors the experiment layer finds */
};

/* The experiment section: what `pullsim run` runs as an experiment when the
 * file has one (the command line's --replications, --seeds, --sweep and
 * --bound replace the matching parts). */
struct scenario_experiment {
    bool present;
    uint32_t replications; /* 0 = not given */
    char *seeds;           /* a value list or range, or NULL */
    struct diag_loc seeds_loc;
    struct scenario_sweep *sweeps;
    size_t n_sweeps;
    char *bound;           /* "METRIC<=VALUE", or NULL */
    struct diag_loc bound_loc;
};

/* Payload bytes per byte on an Ethernet wire for full-size TCP segments:
 * MTU 1500 less IPv4 (20), TCP (20) and TCP timestamps (12) leaves 1448 B
 * of payload per 1538 B on the wire (frame header 14, FCS 4, preamble and
 * start delimiter 8, inter-frame gap 12). Source: IEEE 802.3 framing, RFC
 * 7323 (timestamps, on by default in Linux). */
#define SCENARIO_ETHERNET_GOODPUT (1448.0 / 1538.0)

struct scenario {
    char *file;              /* path as given; diag_locs point here */
    char *name;              /* results folder name */
    uint64_t seed;           /* every random draw derives from it */
    double horizon;          /* s; default 24h */
    double sample_interval;  /* s between time-series rows; default 1s */
    bool always_pull_images; /* admission: {alwaysPullImages: true} (spec §12) */
    /* bandwidthMeans: what the scenario's network bandwidths (registry egress,
     * perConnectionBandwidth, NICs) are. The loader stores payload rates:
     * with "linkRate" it has multiplied them by SCENARIO_ETHERNET_GOODPUT. */
    bool bandwidth_is_link_rate;

    struct scenario_registry *registries; size_t n_registries;
    struct scenario_layer *layers;        size_t n_layers;
    struct scenario_chain *chains;        size_t n_chains;
    struct scenario_image *images;        size_t n_images;
    size_t n_listed_images;               /* images entries; then pushed images */
    size_t n_pushes;                      /* push events */
    size_t n_updates;                     /* update events */
    size_t n_file_workloads;              /* workloads entries; then revisions */
    size_t n_invalid_images;              /* containers with acceptInvalidImage */
    struct scenario_kubelet *kubelet_configs; size_t n_kubelet_configs;
    struct scenario_pool *pools;          size_t n_pools;
    struct scenario_workload *workloads;  size_t n_workloads;
    struct scenario_event *events;        size_t n_events;
    struct scenario_runtime_class *runtime_classes; size_t n_runtime_classes;
    /* Distinct handlers of the runtime classes, after the default "" (always
     * there, so n_handlers >= 1); distinct snapshotter names, "overlayfs"
     * first (containerd's default snapshotter). */
    struct scenario_handler *handlers;    size_t n_handlers;
    char **snapshotters;                  size_t n_snapshotters;
    /* Credential (registry account) names, in order of first definition in
     * registries[].auth.accounts; secrets in file order. */
    char **credentials;                   size_t n_credentials;
    struct scenario_secret *secrets;      size_t n_secrets;
    /* Some registry has auth, some secret exists or some pool has credentials:
     * the kubelet looks up credentials, keeps pull records, and the results get
     * their credential columns. False = exactly the behaviour without them. */
    bool uses_credentials;

    struct scenario_experiment experiment;

    char *effective_yaml; /* the scenario as run (overrides applied, seed set), YAML text */

    /* Labels ("--set PATH") that the diag_locs of overridden values point to
     * (their 'file', with line 0). Owned here, like 'file'. */
    char **origins;
    size_t n_origins;
};

/* One --set PATH=VALUE, e.g. path "nodePools[0].count", value "1000". */
struct scenario_override {
    const char *path;
    const char *value;
};

/*
 * Reads, overrides, defaults and validates a scenario file.
 * 'sets' are applied to the YAML tree before validation, each validated as
 * if written in the file (its diagnostics name "--set PATH"). seed_override
 * replaces 'seed' when has_seed is true.
 * Returns the scenario (caller frees with scenario_free()), or NULL after
 * reporting every problem found to d (at least one error).
 */
struct scenario *scenario_load(const char *path, const struct scenario_override *sets,
                               size_t n_sets, bool has_seed, uint64_t seed,
                               struct diag *d);

/* Same, from text in memory ('path' is used for diagnostics only). */
struct scenario *scenario_load_string(const char *path, const char *text,
                                      const struct scenario_override *sets, size_t n_sets,
                                      bool has_seed, uint64_t seed, struct diag *d);

void scenario_free(struct scenario *s);

/* Requests of the manifest phase of a full pull of 'image' from its
 * registry: the registry's manifestRequests (item 0 the resolve, then the
 * manifest or index GET and the config GET), plus the platform manifest of
 * a multi-platform image (the last item). Source: spec §13. */
uint32_t scenario_manifest_items(const struct scenario *s, uint32_t image);

/* An image's size as the CRI reports it (the Pulled event's "Image size",
 * image GC's count): the sum of its layers' compressed sizes.
 * Simplification: spec §8 leaves open how containerd counts shared content. */
uint64_t scenario_image_size(const struct scenario *s, uint32_t image);

/* Index of the kubelet config named 'name', or SCENARIO_NONE. */
uint32_t scenario_find_kubelet(const struct scenario *s, const char *name);

/* Upstream defaults for a kubelet config (spec §6), name NULL. */
void scenario_kubelet_defaults(struct scenario_kubelet *k);

#endif
