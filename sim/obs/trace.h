/*
 * trace.h - the teaching trace: one readable line per kubelet image
 * decision, in simulated time order, with the upstream event reasons and
 * message texts (what `kubectl describe pod` shows), plus why the kubelet
 * did what it did.
 *
 * Reasons and texts: spec/kubelet-semantics.md §3, §13;
 * pkg/kubelet/images/image_manager.go, pkg/kubelet/events/event.go:
 *   Pulling  (Normal)   Pulling image "IMG"
 *   Pulled   (Normal)   Container image "IMG" already present on machine
 *                       [and can be accessed by the pod] (KubeletEnsureSecretPulledImages)
 *   Pulled   (Normal)   Successfully pulled image "IMG" in D (D2 including waiting).
 *                       Image size: N bytes.
 *   Failed   (Warning)  Failed to pull image "IMG": ERR
 *   BackOff  (Normal)   Back-off pulling image "IMG"
 *   ErrImageNeverPull (Warning) Container image "IMG" is not present with pull
 *                       policy of Never
 * Durations print as Go's time.Duration does after Truncate(time.Millisecond).
 * Ownership: a trace owns its open temporary file; trace_close() renames it
 *   into place (atomic, like every result file), trace_abort() removes it.
 */
#ifndef PULLSIM_TRACE_H
#define PULLSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum trace_kind {
    TRACE_PULLING,
    TRACE_PULLED,          /* after a successful pull */
    TRACE_ALREADY_PRESENT, /* Pulled: no pull needed */
    TRACE_FAILED,
    TRACE_BACKOFF,
    TRACE_NEVER_PULL,
};

struct trace_event {
    enum trace_kind kind;
    double t;               /* s */
    uint32_t node;
    const char *pod;        /* "<workload>-<index>" */
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
    const char *error;      /* Failed, BackOff: the error text */
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

struct trace;

/* Opens PATH.tmp.PID for writing. NULL after a message on err. */
struct trace *trace_open(const char *path, FILE *err);
/* The temporary file's path (owned by t), e.g. for clean-up on a signal. */
const char *trace_tmp_path(const struct trace *t);
/* A heading line, e.g. the kubelet config a section of the trace runs. */
void trace_heading(struct trace *t, const char *text);
void trace_emit(struct trace *t, const struct trace_event *ev);
/* Flushes, closes and renames into place. 0, or -1 after a message. Frees t. */
int trace_close(struct trace *t, FILE *err);
/* Removes the temporary file. Frees t. NULL is a no-op. */
void trace_abort(struct trace *t);

/* Go's Duration.String of s truncated to whole milliseconds ("1m2.5s"). */
void trace_go_duration(double s, char *buf, size_t buflen);

#endif
