/*
 * metrics.h - what a run measured: pod ready latency statistics, pull
 * counts, bytes, events, registry errors, and how long pods spent in
 * ErrImagePull / ImagePullBackOff.
 *
 * Percentiles are by nearest rank (base/stats.h) over ALL pods created: a
 * pod never ready (unscheduled, failing, or cut off by the horizon) counts
 * as +INFINITY, so p99 is INFINITY ("not reached") as soon as more than 1%
 * of the pods never became ready - never a value computed over the ready
 * pods only. The same holds for the "time until X% of pods are ready"
 * (t50...t99, simulated clock, not per-pod latency) and for max.
 * Statistics come from GSL (gsl_sort, gsl_stats_mean).
 * Ownership: a summary owns its per-registry array; release with
 *   metrics_release().
 * Units: seconds, bytes.
 */
#ifndef PULLSIM_METRICS_H
#define PULLSIM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "world/world.h"

struct metrics_registry {
    const char *host;   /* borrowed from the scenario */
    double bytes;       /* egress bytes */
    uint64_t requests;
    uint64_t manifest_requests;
    uint64_t blob_requests;
    uint64_t failures;  /* requests answered with an error or left hanging */
    uint64_t throttled; /* of which 429 */
    uint64_t unauthorized; /* of which 401 (auth) */
};

/* Pods whose pulls failed (ErrImagePull, then ImagePullBackOff). */
struct metrics_backoff {
    size_t pods_affected;  /* at least one failed pull */
    size_t pods_recovered; /* of which every failed container later got its image */
    double mean_recovery;  /* s, first failure to recovery, over recovered pods; NAN if none */
    double max_recovery;   /* s; NAN if none */
};

/* Pods of a workload whose container runs one image (version skew). */
struct metrics_version {
    const char *workload, *container; /* borrowed from the scenario */
    const char *image;                /* the container's reference, as written */
    const char *digest;               /* of the image its pods run */
    uint64_t pods;
};

/* One update event's rollout (rollout.h). */
struct metrics_rollout {
    const char *workload;  /* borrowed from the scenario */
    double at;             /* s: the update */
    double duration;       /* s to completion; NAN if it did not complete */
    bool superseded;       /* a later update of the workload came first */
};

struct metrics_summary {
    size_t pods;              /* created (scheduled or not) */
    size_t pods_ready;
    size_t pods_unscheduled;
    bool has_invalid_images;  /* some container has acceptInvalidImage */
    size_t pods_invalid_image; /* pods with a container waiting with InvalidImageName */
    /* s, creation to ready. mean: over ready pods only (NAN if none);
     * percentiles and max: over all pods, INFINITY when not reached, NAN
     * when there is no pod. ready_max_ready: the largest latency of a ready
     * pod (NAN if none). */
    double ready_mean, ready_p50, ready_p90, ready_p95, ready_p99, ready_max;
    double ready_max_ready;
    /* s, simulated clock: when 50/90/95/99 % of all pods were ready;
     * INFINITY when not reached, NAN when there is no pod. */
    double t50, t90, t95, t99;
    double last_ready;        /* s: time the last pod became ready; NAN if none */
    double *ready_latency;    /* s, creation to ready of each ready pod, ascending;
                                 pods_ready entries, owned (the plots' CDF steps) */
    /* The horizon stopped the run: events were still pending at its end
     * (pods waiting, pulls in flight or back-offs to retry). */
    bool horizon_cut;
    double horizon;           /* s: the scenario's horizon */
    uint64_t pulls;           /* pull requests handed to pullers */
    uint64_t pulls_ok, pulls_failed, pulls_pending;
    uint64_t layer_transfers; /* blob downloads */
    double bytes_fetched;     /* over all nodes */
    uint64_t events;          /* engine events processed */
    double end_time;          /* s: simulated clock at the end */
    struct metrics_backoff backoff;
    struct metrics_registry *registries;
    size_t n_registries;
    bool has_disk;            /* some pool has a disk capacity: 'disk' is filled */
    struct imagefs_stats disk;
    size_t pushes;            /* push events (tag moves) in the scenario */
    struct metrics_version *versions; /* at the end; empty unless pushes > 0 */
    size_t n_versions;
    bool has_credentials;     /* the scenario uses credentials: 'creds' is filled */
    struct kubelet_credential_stats creds;
    uint64_t auth_failures;   /* 401 answers over all registries */
    struct metrics_rollout *rollouts; /* one per update event, in order of time */
    size_t n_rollouts;
    bool has_restarts;        /* some regular container has a runFor: 'restarts' counts */
    uint64_t restarts;        /* container restarts */
};

/* Does a container of pod 'p' wait with InvalidImageName (its image does not
 * parse: acceptInvalidImage)? Such a pod is never ready. */
bool metrics_pod_waits_invalid_name(const struct kubelet *k, const struct kubelet_pod *p);

/* Seconds a pod spent in ErrImagePull / ImagePullBackOff: from its first
 * failed pull to its recovery, or to 'end' (the end of the run) when it
 * has not recovered; NAN when it never failed. */
double metrics_pod_in_error(const struct kubelet_pod *p, double end);

/* Fills 'out' from a finished world. */
void metrics_summarize(struct world *w, struct metrics_summary *out);
void metrics_release(struct metrics_summary *s);

#endif
