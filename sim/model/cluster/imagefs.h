/*
 * imagefs.h - the kubelet's care of each node's image filesystem: the image
 * garbage collector's loop and the eviction manager's DiskPressure check,
 * on nodes of pools with a disk capacity (a scenario without capacities
 * schedules nothing here).
 *
 * Source: spec §8; pkg/kubelet/kubelet.go (ImageGCPeriod,
 * StartGarbageCollection), pkg/kubelet/eviction/eviction_manager.go
 * (synchronize, Admit), helpers.go (deleteImages), defaults_linux.go:
 *  - image GC (imagegc.h) at the node's join time and every 5 min; not at
 *    all when imageGCHighThresholdPercent is 100 and imageMaximumGCAge 0;
 *  - the eviction check every 10 s: imagefs.available < 15% of the
 *    capacity is DiskPressure; the check then deletes unused images
 *    (DeleteUnusedImages); the condition stays until a check finds it clear
 *    5 min (evictionPressureTransitionPeriod) after it was last observed;
 *  - Admit: a node under DiskPressure rejects every new pod.
 * An image is in use while a started container of a pod on the node runs
 * it (exited init containers included: the kubelet lists all containers),
 * for the pod's runtime handler (runtimeclass.h).
 * Both loops are daemon events (engine.h): they stop once nothing else is
 * pending. Simplifications: no pod eviction when a reclaim is not enough;
 * a rejected pod is not retried.
 * Ownership: owns per-node state; borrows scenario, engine, kubelet, nodes.
 * Units: s, bytes.
 */
#ifndef PULLSIM_IMAGEFS_H
#define PULLSIM_IMAGEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "model/kubelet/kubelet.h"
#include "model/node.h"
#include "spec/scenario.h"

/* Totals over a run (nodes with a capacity). */
struct imagefs_stats {
    uint64_t gc_invocations;   /* GarbageCollect calls */
    uint64_t gc_runs;          /* of which found usage >= high (or deleted by max age) */
    uint64_t gc_failed;        /* of which could not free enough (FreeDiskSpaceFailed) */
    uint64_t gc_images_deleted;
    uint64_t gc_bytes_counted; /* sum of deleted images' CRI sizes */
    uint64_t gc_bytes_freed;   /* bytes the filesystems got back */
    uint64_t reclaims;         /* eviction checks under pressure that deleted images */
    uint64_t reclaim_images_deleted;
    uint64_t reclaim_bytes_counted;
    uint64_t reclaim_bytes_freed;
    uint64_t pressure_transitions; /* DiskPressure false -> true */
    double pressure_node_seconds;  /* s under DiskPressure, summed over nodes */
    uint64_t pods_rejected;    /* pods refused by a node under DiskPressure */
    uint64_t repulls;          /* successful pulls of an image GC had deleted on the node */
};

struct imagefs;

/* NULL when no pool of the scenario has a disk capacity: every function
 * below takes NULL and then does nothing (no node has pressure). */
struct imagefs *imagefs_new(const struct scenario *sc, struct engine *e, struct kubelet *k,
                            struct node *nodes, size_t max_nodes);
void imagefs_free(struct imagefs *fs);

/* Node 'node' joined now: starts its GC and eviction loops. */
void imagefs_node_joined(struct imagefs *fs, uint32_t node);
/* Pod 'pod' runs on 'node' from now on (its images count as in use once
 * its containers start). */
void imagefs_pod_placed(struct imagefs *fs, uint32_t node, uint32_t pod);
/* Pod 'pod' on 'node' was deleted: its images are no longer in use by it. */
void imagefs_pod_removed(struct imagefs *fs, uint32_t node, uint32_t pod);
/* Whether 'node' is under DiskPressure now. */
bool imagefs_pressure(const struct imagefs *fs, uint32_t node);
/* The eviction manager's Admit for a new pod on 'node': false (and counted)
 * under DiskPressure. */
bool imagefs_admit(struct imagefs *fs, uint32_t node);
/* Called when a node's DiskPressure condition changes (the scheduler keeps
 * its own view of which nodes admit pods). */
typedef void imagefs_pressure_fn(void *arg, uint32_t node, bool pressure);
/* Sets the pressure hook (none by default); with fs NULL, nothing. */
void imagefs_set_pressure_hook(struct imagefs *fs, imagefs_pressure_fn *fn, void *arg);

/* Totals so far, pressure time up to now. */
void imagefs_stats(const struct imagefs *fs, size_t n_nodes, struct imagefs_stats *out);

#endif
