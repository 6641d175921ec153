/*
 * backoff.h - the kubelet's image pull back-off entry (client-go Backoff).
 *
 * Source: spec/kubelet-semantics.md §4; client-go util/flowcontrol/backoff.go
 * (Next, IsInBackOffSinceUpdate, hasExpired); pkg/kubelet/kubelet.go
 * (imageBackOffPeriod = 10 s, MaxImageBackOff = 300 s). No jitter: the
 * kubelet builds it with NewBackOff (maxJitterFactor 0).
 * One entry per (pod UID, image string as written); the caller keeps it.
 * The kubelet's CrashLoopBackOff uses the same entry, one per container
 * (kuberuntime_manager.go doBackOff), through the *_since variants, which
 * take the container's finishedAt as the event time.
 * Invariants: 'duration' is 0 (no entry) or in [initial, max].
 * Units: seconds.
 */
#ifndef PULLSIM_BACKOFF_H
#define PULLSIM_BACKOFF_H

#include <stdbool.h>

#define BACKOFF_IMAGE_INITIAL 10.0 /* s, imageBackOffPeriod */
#define BACKOFF_IMAGE_MAX 300.0    /* s, MaxImageBackOff */

struct backoff_entry {
    double duration;    /* current back-off, s; 0 = no entry */
    double last_update; /* time of the last Next(), s */
};

/* Next(id, t): a new or expired entry starts at 'initial', else doubles up
 * to 'max'; lastUpdate = now. */
void backoff_next(struct backoff_entry *b, double now, double initial, double max);

/* IsInBackOffSinceUpdate(id, now): false without an entry or when expired,
 * else now - lastUpdate < duration (strict). */
bool backoff_is_in_backoff_since_update(const struct backoff_entry *b, double now, double max);

/* Next(id, eventTime): like backoff_next, but expiry is judged at 'event'
 * (eventTime - lastUpdate > 2 * max); lastUpdate = now. */
void backoff_next_since(struct backoff_entry *b, double event, double now, double initial,
                        double max);

/* IsInBackOffSince(id, eventTime): false without an entry or when expired
 * at 'event', else now - event < duration (strict). */
bool backoff_is_in_backoff_since(const struct backoff_entry *b, double event, double now,
                                 double max);

/* hasExpired: an entry expires when now - lastUpdate > 2 * max (strict). */
bool backoff_has_expired(const struct backoff_entry *b, double now, double max);

/* Get(id): the current duration, 0 without an entry. */
double backoff_get(const struct backoff_entry *b);

#endif
