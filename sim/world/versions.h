/*
 * versions.h - version skew: how many pods of each workload run each image
 * (digest), over time. It is what a moving tag does to a rollout: pods that
 * pulled before a push run the old digest, pods that pulled after (or use
 * imagePullPolicy Always) the new one, and IfNotPresent nodes keep what
 * their local tag names (runtime.h, node.h).
 *
 * A series is one (workload, container, image) triple; it appears when the
 * first container of that workload starts with that image. A count is the
 * containers running that image now: it goes down when a container exits
 * (a crash loop) or its pod is deleted (a rollout), up when one (re)starts.
 * The workload is the one of the file (a rollout's revisions count under
 * the workload they update). Samples are taken by the caller at the world's time-series
 * instants, so sample i of every series belongs to world sample i.
 * Invariants: every series has exactly versions_sample_count() counts
 *   (zeros before it appeared); series are in order of first appearance.
 * Ownership: borrows the scenario; owns its series. Units: pods.
 */
#ifndef PULLSIM_VERSIONS_H
#define PULLSIM_VERSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "spec/scenario.h"

struct versions_series {
    uint32_t workload;  /* index into scenario workloads */
    uint32_t container; /* index into the workload's containers */
    uint32_t image;     /* index into scenario images */
    uint64_t pods;      /* containers running this image now */
    uint64_t *counts;   /* 'pods' at each sample */
    size_t cap_counts;
};

struct versions;

struct versions *versions_new(const struct scenario *sc);
void versions_free(struct versions *v);

/* A container started running 'image'. */
void versions_started(struct versions *v, uint32_t workload, uint32_t container,
                      uint32_t image);
/* A container running 'image' stopped (it must have started). */
void versions_stopped(struct versions *v, uint32_t workload, uint32_t container,
                      uint32_t image);
/* Appends the current counts of every series as one sample. */
void versions_sample(struct versions *v);

size_t versions_sample_count(const struct versions *v);
size_t versions_series_count(const struct versions *v);
const struct versions_series *versions_series(const struct versions *v, size_t i);

#endif
