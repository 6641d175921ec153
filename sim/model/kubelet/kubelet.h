/*
 * kubelet.h - the kubelet's side of image pulls on every node: pod workers,
 * EnsureImageExists, the serial and parallel pullers, the registry QPS
 * throttle, image pull back-off and re-sync timing, and pod readiness.
 *
 * Sources (spec/kubelet-semantics.md): §2 default pull policy (applied by
 * the scenario loader), §3 EnsureImageExists, §4 back-off, §5 re-sync
 * timing, §6 pullers and QPS throttle, §7 per-pod sequencing.
 *  - A pod is synced when created, after an error U[10 s, 15 s) later
 *    (picked up by the node's 1 s syncLoop ticker), and after an init
 *    container exits (observed by the node's 1 s PLEG relist).
 *  - One pod's images are pulled strictly one after another: a sync blocks
 *    on each pull. Init containers: one per sync, the next only after the
 *    previous exited; regular containers after all init containers, and a
 *    failed regular container does not stop the others in the same sync.
 *  - Serial puller: one CRI pull per node at a time, FIFO. Parallel puller:
 *    at most maxParallelImagePulls (none = unlimited), FIFO waiters. The QPS
 *    token is taken when the puller starts the pull; a refused token fails
 *    the pull at once ("pull QPS exceeded").
 *  - Before its containers, a pod's first sync creates its sandbox: on a
 *    pool whose sandbox image is not pre-pulled and while the node lacks
 *    it, containerd's RunPodSandbox pulls it (runtime_pull, no puller slot,
 *    no QPS token, no pull record, no back-off); a failure fails the sync
 *    (FailedCreatePodSandBox, re-sync). Source: spec §11; containerd
 *    internal/cri/server/sandbox_run.go ensurePauseImageExists.
 *  - A container whose image does not parse (acceptInvalidImage) gets
 *    InspectFailed and waits with InvalidImageName at every sync; the pod
 *    is never ready (spec §3).
 *  - A pod is ready when every regular container has started, i.e. all its
 *    images are present (container create/start take no time: a
 *    simplification), and is not ready while one has exited.
 *  - Restarts (restartPolicy Always): a regular container with a runFor
 *    exits that long after it started; PLEG's next relist syncs the pod.
 *    Source: pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff, one
 *    client-go Backoff per container (GetStableKey), built in kubelet.go
 *    with backOffPeriod 10 s and MaxContainerBackOff 300 s:
 *    IsInBackOffSince(finishedAt) (now - finishedAt < backoff) gives
 *    CrashLoopBackOff, else Next(finishedAt) and the container restarts:
 *    the first restart at once, then 10, 20, ... 300 s after each exit; the
 *    entry expires (back to 10 s) when an exit comes more than 600 s
 *    (2 x max) after the last Next, i.e. after 10 min running. A sync that
 *    found only CrashLoopBackOff re-queues the pod at the back-off's expiry
 *    (clamped to the 60 s resync; spec §5, PR #133066) and the next 1 s
 *    tick. Simplifications: the jitter that PR adds after the expiry is
 *    left out; the per-node crashLoopBackOff.maxContainerRestartPeriod
 *    (KubeletCrashLoopBackOffMax, alpha in 1.32) is not modelled.
 *    Every restart runs EnsureImageExists again: under Always, a pull
 *    (puller, QPS token, registry requests, rate limit).
 *  - Deletion (kubelet_delete_pod): the pod's containers stop at once
 *    (Simplification: no termination grace period); its pending re-syncs,
 *    PLEG and exit events do nothing; a pull it queued or started still
 *    runs to its end (the image lands) but starts nothing.
 *  - A failed pull (runtime error or refused QPS token) advances the
 *    pod+image back-off and gets the reason evalCRIPullErr gives its text;
 *    the pod is then in error (ErrImagePull, then ImagePullBackOff while
 *    syncs find the back-off running) until that container's image is
 *    pulled: 'first_failure' and 'recovered' record the span.
 *  - Credentials (scenarios with registry auth, secrets or node credentials;
 *    spec §9, §10): a pull looks up the pod's imagePullSecrets, then the
 *    node's credentials, for the image's repository (pullcreds.h). None: one
 *    anonymous CRI pull. Otherwise one CRI pull per credential, in order,
 *    until one succeeds; each is a whole pull (its requests and latency),
 *    all inside the one puller slot and the one QPS token the pull took
 *    (helpers.go throttledImageService wraps the runtime manager's
 *    PullImage, whose loop tries the credentials: kuberuntime_image.go);
 *    no anonymous attempt follows; the errors of all attempts make one
 *    failure (utilerrors.NewAggregate: one text, or "[a, b]").
 *  - KubeletEnsureSecretPulledImages (gate on by default, spec §10): pull
 *    intents and pulled records per node (pullrecords.h); a present image
 *    under IfNotPresent or Never is checked against the record and the
 *    config's imagePullCredentialsVerificationPolicy; when the pod's
 *    credentials are not known to have pulled it, IfNotPresent pulls again
 *    (puller, QPS token, back-off as any pull; containerd fetches only what
 *    is missing, typically just the manifests) and Never fails with
 *    ErrImageNeverPull. Records of images no longer on the node are pruned
 *    (kubelet_prune_pull_records). In scenarios without credentials every
 *    pull is anonymous and recorded NodePodsAccessible, so the check never
 *    pulls: the kubelet then skips it and behaves, and traces, as with the
 *    gate off (Simplification: it also skips the corner where an Always
 *    pull of a preloaded image is in flight while another pod finds that
 *    image present, which upstream pulls again).
 * Ownership: the kubelet owns pods, their containers and pull records; it
 *   borrows scenario, engine, rng, runtime and nodes.
 * Units: seconds, bytes.
 */
#ifndef PULLSIM_KUBELET_H
#define PULLSIM_KUBELET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "engine/engine.h"
#include "engine/probe.h"
#include "model/kubelet/backoff.h"
#include "model/node.h"
#include "model/runtime/runtime.h"
#include "spec/scenario.h"

enum kubelet_pull_result { KUBELET_PULL_PENDING, KUBELET_PULL_OK, KUBELET_PULL_FAILED };

/* The container waiting reason a failed pull gives (image_manager.go
 * evalCRIPullErr). */
enum kubelet_reason {
    KUBELET_REASON_NONE,                        /* not failed */
    KUBELET_REASON_ERR_IMAGE_PULL,              /* "ErrImagePull" */
    KUBELET_REASON_REGISTRY_UNAVAILABLE,        /* "RegistryUnavailable" */
    KUBELET_REASON_SIGNATURE_VALIDATION_FAILED, /* "SignatureValidationFailed" */
};

/* One request to the puller (one EnsureImageExists that needed a pull). */
struct kubelet_pull {
    uint32_t node, pod, container;
    uint32_t image;    /* the container's reference (scenario_container.image_idx) */
    uint32_t resolved; /* the image pulled (a tag resolves to what the registry's tag
                          named when the pull started); SCENARIO_NONE unless ok */
    double requested;  /* s: handed to the puller */
    double started;    /* s: the puller started the CRI pull; NAN if not yet */
    double finished;   /* s: result known; NAN if not yet */
    uint64_t bytes;    /* layer bytes downloaded by this pull */
    uint32_t layers_fetched;
    enum kubelet_pull_result result;
    const char *error; /* static short text when failed */
    uint32_t error_at; /* see runtime_result */
    uint8_t code;      /* enum runtime_error (NONE when refused by the QPS limit); a byte:
                          there are millions of records */
    uint8_t reason;    /* enum kubelet_reason, when failed */
    bool qps_refused;  /* failed with "pull QPS exceeded" before any CRI call */
    bool verification; /* a present image pulled again to verify the pod's credentials */
};

struct kubelet_container {
    double image_ready; /* s: EnsureImageExists succeeded; NAN until then */
    uint32_t image;     /* the image it runs (scenario index); SCENARIO_NONE until started */
    bool started;
    bool exited;        /* after runFor (an init container for good; a regular one
                           until its restart) */
    double finished;    /* s: its last exit; NAN if it never exited */
    uint32_t restarts;  /* restartCount */
    struct backoff_entry crash; /* CrashLoopBackOff entry (GetStableKey: per container) */
    bool in_error;      /* its last pull failed and its image is not there yet */
    bool invalid_name;  /* waiting with InvalidImageName (its image does not parse) */
    uint8_t last_reason; /* enum kubelet_reason of its last failed pull (trace) */
    uint8_t waiting;     /* enum kubelet_waiting: its waiting reason until it starts (trace) */
    struct backoff_entry backoff; /* used on the pod's first container with this image string */
};

/* A container's waiting reason, as the kubelet's status manager last set it
 * from a sync result (the STATUS `kubectl get pods` prints follows from it).
 * Source: pkg/kubelet/kubelet_pods.go convertToAPIContainerStatuses (the
 * default is ContainerCreating, PodInitializing in pods with init
 * containers), kuberuntime_container.go startContainer. */
enum kubelet_waiting {
    KUBELET_WAITING_DEFAULT,    /* ContainerCreating / PodInitializing */
    KUBELET_WAITING_PULL_ERROR, /* last_reason: ErrImagePull, RegistryUnavailable, ... */
    KUBELET_WAITING_BACKOFF,    /* ImagePullBackOff */
    KUBELET_WAITING_NEVER_PULL, /* ErrImageNeverPull */
    KUBELET_WAITING_INVALID_NAME, /* InvalidImageName */
    KUBELET_WAITING_CRASH_BACKOFF, /* CrashLoopBackOff: exited, its restart waits */
};

struct kubelet_pod {
    uint32_t workload;
    uint32_t node;
    double created;     /* s */
    double ready;       /* s; NAN until every regular container started */
    uint32_t first_container; /* index into the kubelet's container array */
    /* --- read-only outside kubelet.c --- */
    uint32_t n_containers, n_init;
    uint32_t next_init;  /* first init container that has not exited */
    uint32_t cursor;     /* container the current sync is at */
    uint8_t phase;
    bool sync_error;
    bool sandbox;        /* RunPodSandbox succeeded (the sandbox image was there) */
    double sandbox_ready; /* s: when it succeeded; NAN until then */
    uint32_t attempts;   /* pulls requested */
    uint32_t failed_pulls;
    uint32_t n_in_error; /* containers in ErrImagePull / ImagePullBackOff now */
    double first_failure; /* s: its first failed pull; NAN if none */
    double deleted;      /* s: deleted at; NAN while it exists */
    bool ready_now;      /* Ready condition now */
    bool resync_wanted;  /* a container exited while a sync was blocked on a pull */
    double crash_wake;   /* s: earliest CrashLoopBackOff expiry this sync met; INFINITY */
    double recovered;    /* s: no container left in error after a failure; NAN if not
                            (yet), or again after a later failure */
    struct rng_stream resync_rng;
};

/* What the kubelet reports about a container's image, one event per
 * decision: the Kubernetes event reasons and their texts (what `kubectl
 * describe pod` shows; the trace, trace.h, writes them). Source: spec §3,
 * §13; pkg/kubelet/images/image_manager.go, pkg/kubelet/events/event.go. */
enum kubelet_event_kind {
    KUBELET_EVENT_PULLING,
    KUBELET_EVENT_PULLED,          /* after a successful pull */
    KUBELET_EVENT_ALREADY_PRESENT, /* Pulled: no pull needed */
    KUBELET_EVENT_FAILED,
    KUBELET_EVENT_BACKOFF,
    KUBELET_EVENT_NEVER_PULL,
    KUBELET_EVENT_ERROR,           /* Failed "Error: <reason>" after Failed, BackOff,
                                      ErrImageNeverPull and InspectFailed */
    KUBELET_EVENT_INSPECT_FAILED,  /* InspectFailed: the image does not parse */
    KUBELET_EVENT_SANDBOX_FAILED,  /* FailedCreatePodSandBox: the sandbox image pull failed
                                      (pod-level: 'container' and 'image' name the first
                                      container; 'error' is containerd's text) */
    KUBELET_EVENT_CRASH_BACKOFF,   /* BackOff: a restart waits in CrashLoopBackOff
                                      (kuberuntime_manager.go doBackOff) */
};

struct kubelet_event {
    enum kubelet_event_kind kind;
    double t;               /* s */
    uint32_t node;
    uint32_t pod_id;        /* kubelet_pod() index */
    const char *pod;        /* "<workload>-<index>" */
    const char *status;     /* the pod's STATUS in `kubectl get pods` after this event:
                               "ContainerCreating", "ErrImagePull", "Init:0/1", "Running" */
    const char *container;
    const char *image;      /* as written in the pod spec */
    const char *policy;     /* "Always", "IfNotPresent", "Never" */
    const char *handler;    /* runtime handler keying the pod's images (runtimeclass.h),
                               NULL for the default "" */
    uint32_t ahead;         /* Pulling: requests ahead of it in the node's puller queue */
    uint32_t running;       /* Pulling: pulls the node's puller is running */
    const char *puller;     /* Pulling: "serial" or "parallel" */
    double pull_s;          /* Pulled: the CRI pull, s */
    double total_s;         /* Pulled: including the wait for the puller, s */
    uint64_t size;          /* Pulled: image size, bytes */
    const char *error;      /* Failed, BackOff, InspectFailed: the error text; Error: the
                               reason */
    double backoff_s;       /* Failed, BackOff: current back-off, s */
    double left_s;          /* BackOff: until the back-off expires, s */
    /* Credentials (scenarios that use them; NULL/false elsewhere, so other
     * lines stay as they were): */
    bool accessible;        /* Pulled (present): the KubeletEnsureSecretPulledImages text */
    const char *presence;   /* Pulling, ErrImageNeverPull: why a present image is pulled
                               again or refused, in place of "image not present" */
    const char *note;       /* any kind: appended to the why ("; NOTE"): credentials tried,
                               used, or the record that made a pull unnecessary */
    /* Mutable tags (scenarios with a push event; NULL elsewhere): */
    const char *digest;     /* Pulled (both kinds): the digest the container runs */
    const char *moved_to;   /* Pulled (present): the digest the registry's tag names now,
                               when it is not the local one */
};

/* A container started running 'image' (scenario index), or stopped
 * ('stopped': it exited, or its pod was deleted). */
struct kubelet_start_event {
    uint32_t pod, container; /* container: index within the pod */
    uint32_t workload;
    uint32_t image;
    bool stopped;
};

/* A pod's Ready condition changed (also false when a ready pod is deleted). */
struct kubelet_ready_event {
    uint32_t pod;
    bool ready;
};

PROBE_TOPIC(kubelet_event_topic, struct kubelet_event);
PROBE_TOPIC(kubelet_start_topic, struct kubelet_start_event);
PROBE_TOPIC(kubelet_ready_topic, struct kubelet_ready_event);

struct kubelet;

/* run_config: the kubelet config for pools that do not name their own. */
struct kubelet *kubelet_new(const struct scenario *sc, const struct scenario_kubelet *run_config,
                            struct engine *e, struct rng *rng, struct runtime *rt,
                            struct node *nodes, size_t max_nodes);
void kubelet_free(struct kubelet *k);

/* Topics to subscribe to before the run (probe.h): every image decision,
 * and every container start. */
struct kubelet_event_topic *kubelet_events(struct kubelet *k);
struct kubelet_start_topic *kubelet_starts(struct kubelet *k);
/* Readiness changes (the rollout controllers). */
struct kubelet_ready_topic *kubelet_readiness(struct kubelet *k);

/* The kubelet config node 'node' runs (its pool's, else the run's). */
const struct scenario_kubelet *kubelet_node_config(const struct kubelet *k, uint32_t node);

/* Sets up the kubelet of a node that joins now (ticker and PLEG phases). */
void kubelet_add_node(struct kubelet *k, uint32_t node);

/* Creates a pod of 'workload' on 'node' now and syncs it. Returns its id. */
uint32_t kubelet_add_pod(struct kubelet *k, uint32_t workload, uint32_t node);
/* Records a pod that could not be placed (never ready). Returns its id. */
uint32_t kubelet_add_unscheduled_pod(struct kubelet *k, uint32_t workload);
/* Deletes pod 'pod' now (see the model above); a no-op if already deleted. */
void kubelet_delete_pod(struct kubelet *k, uint32_t pod);
/* Container restarts so far, over all pods. */
uint64_t kubelet_restarts(const struct kubelet *k);

size_t kubelet_pod_count(const struct kubelet *k);
const struct kubelet_pod *kubelet_pod(const struct kubelet *k, uint32_t pod);
const struct kubelet_container *kubelet_container(const struct kubelet *k, uint32_t index);
size_t kubelet_pull_count(const struct kubelet *k);
const struct kubelet_pull *kubelet_pull_record(const struct kubelet *k, uint32_t pull);

/* The kubelet's reason for a failed pull's error text: texts starting with
 * "RegistryUnavailable" or "SignatureValidationFailed" give those, every
 * other text ErrImagePull. Source: spec §3, §13; image_manager.go
 * evalCRIPullErr. */
enum kubelet_reason kubelet_eval_pull_error(const char *text);
/* "ErrImagePull", ...; "" for KUBELET_REASON_NONE. */
const char *kubelet_reason_name(enum kubelet_reason r);
/* Appends the error text of a failed pull record (as the kubelet's Failed
 * event shows it after "Failed to pull image ...: "); nothing if not failed. */
void kubelet_pull_message(const struct scenario *sc, const struct kubelet_pull *rec,
                          struct strbuf *sb);

/* The error text of pull record 'pull' as the kubelet saw it: that of
 * kubelet_pull_message, or for a pull that tried several credentials the
 * aggregate of their errors. Nothing unless failed. */
void kubelet_pull_error_text(const struct kubelet *k, uint32_t pull, struct strbuf *sb);
/* The credentials of pull record 'pull' for pulls.csv: the one that
 * succeeded ("secret:team-a-pull/team-a", "node:nodes"), or those tried
 * (';' between them) when it failed, or "anonymous"; nothing while pending
 * or when the QPS limit refused it. */
void kubelet_pull_credential_label(const struct kubelet *k, uint32_t pull, struct strbuf *sb);

/* Counts of the credential model (all 0 in scenarios without credentials). */
struct kubelet_credential_stats {
    uint64_t attempts;            /* CRI pulls made with a credential */
    uint64_t rejected;            /* of which the registry answered 401 */
    uint64_t anonymous_rejected;  /* anonymous CRI pulls answered 401 */
    uint64_t verification_pulls;  /* pulls of a present image to verify credentials */
    uint64_t verification_failed; /* of which failed */
    uint64_t verified_present;    /* present images a pod used once the record check (or
                                     the policy's exemption) allowed it */
    uint64_t never_pull_denied;   /* Never + present but not verified: ErrImageNeverPull */
};
void kubelet_credential_stats(const struct kubelet *k, struct kubelet_credential_stats *out);
/* Does the kubelet look up credentials (the scenario uses them)? */
bool kubelet_uses_credentials(const struct kubelet *k);
/* Image GC ran on 'node': drops the pull records of images no longer there
 * (PruneUnknownRecords). */
void kubelet_prune_pull_records(struct kubelet *k, uint32_t node);

/* Pull requests waiting in a puller queue, over all nodes. */
uint64_t kubelet_queued_pulls(const struct kubelet *k);
/* Pods not yet ready. */
uint64_t kubelet_pods_pending(const struct kubelet *k);

#endif
