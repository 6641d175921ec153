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
 * The lines come from the kubelet's event topic (kubelet.h, probe.h):
 *   trace_subscribe() before the run, one line per published event.
 * Ownership: a trace owns its open temporary file; trace_close() renames it
 *   into place (atomic, like every result file), trace_abort() removes it.
 */
#ifndef PULLSIM_TRACE_H
#define PULLSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/kubelet/kubelet.h"

struct trace;

/* Opens PATH.tmp.PID for writing. NULL after a message on err. */
struct trace *trace_open(const char *path, FILE *err);
/* The temporary file's path (owned by t), e.g. for clean-up on a signal. */
const char *trace_tmp_path(const struct trace *t);
/* A heading line, e.g. the kubelet config a section of the trace runs. */
void trace_heading(struct trace *t, const char *text);
/* One line for 'ev'. */
void trace_emit(struct trace *t, const struct kubelet_event *ev);
/* Writes every event of 'topic' (borrowed; subscribe before the run). */
void trace_subscribe(struct trace *t, struct kubelet_event_topic *topic);
/* Flushes, closes and renames into place. 0, or -1 after a message. Frees t. */
int trace_close(struct trace *t, FILE *err);
/* Removes the temporary file. Frees t. NULL is a no-op. */
void trace_abort(struct trace *t);

/* Go's Duration.String of s truncated to whole milliseconds ("1m2.5s"). */
void trace_go_duration(double s, char *buf, size_t buflen);

#endif
