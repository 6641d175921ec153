/*
 * trace.h - the teaching trace: every kubelet image decision, in simulated
 * time order, with the upstream event type, reason and message (what
 * `kubectl describe pod` shows), the pod's STATUS at that moment (what
 * `kubectl get pods` prints), why the kubelet did it, and the registry
 * going down and coming back.
 *
 * Reasons and texts: spec/kubelet-semantics.md §3, §13;
 * pkg/kubelet/images/image_manager.go, kuberuntime_container.go
 * startContainer, pkg/kubelet/events/event.go:
 *   Pulling  (Normal)   Pulling image "IMG"
 *   Pulled   (Normal)   Container image "IMG" already present on machine
 *                       [and can be accessed by the pod] (KubeletEnsureSecretPulledImages)
 *   Pulled   (Normal)   Successfully pulled image "IMG" in D (D2 including waiting).
 *                       Image size: N bytes.
 *   Failed   (Warning)  Failed to pull image "IMG": ERR
 *   BackOff  (Normal)   Back-off pulling image "IMG"
 *   ErrImageNeverPull (Warning) Container image "IMG" is not present with pull
 *                       policy of Never
 *   Failed   (Warning)  Error: REASON   (after each of the three above, §3 step 6)
 * Durations print as Go's time.Duration does after Truncate(time.Millisecond).
 *
 * Two forms with the same content (trace_format_for picks by option or
 * path): TRACE_TEXT, for a terminal: a first line "TIME node N POD/CONTAINER
 * STATUS TYPE REASON MESSAGE", wrapped at TRACE_WIDTH columns, then the why on
 * its own indented line(s); TRACE_JSONL, one JSON object per line (keys
 * "kind" run|pod|registry, "t", "node", "pod", "container", "status",
 * "type", "reason", "message", "why"; registry lines "registry", "state"
 * down|up, "mode", "until").
 * Calling sequence: trace_open; [trace_filter_pod]; per run trace_begin,
 *   trace_subscribe (before the run), trace_end; then trace_close or
 *   trace_abort.
 * Registry lines are derived from the scenario's outages, merged in time
 * order before kubelet lines of the same or a later time (the registry's
 * state is settled before pods pull: world.c); trace_end adds those up to
 * the end of the run.
 * Ownership: a trace owns its open temporary file; trace_close() renames it
 *   into place (atomic, like every result file), trace_abort() removes it.
 *   The scenario and the filter name are borrowed until trace_close.
 */
#ifndef PULLSIM_TRACE_H
#define PULLSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/base.h"
#include "model/kubelet/kubelet.h"
#include "spec/scenario.h"

/* Columns a text line fits in (the why and long messages wrap). */
#define TRACE_WIDTH 100

enum trace_format { TRACE_TEXT, TRACE_JSONL };

struct trace;

/* The form for --trace-format 'option' ("text", "jsonl"; NULL: by the path,
 * a name ending in ".jsonl" is JSONL). 0, or -1 when 'option' names none. */
int trace_format_for(const char *option, const char *path, enum trace_format *out);

/* Opens PATH.tmp.PID for writing. NULL after a message on err. */
struct trace *trace_open(const char *path, enum trace_format fmt, FILE *err);
/* The temporary file's path (owned by t), e.g. for clean-up on a signal. */
const char *trace_tmp_path(const struct trace *t);
/* Keeps only the lines of pod 'name' ("web-3") and the registry lines. */
void trace_filter_pod(struct trace *t, const char *name);
/* Starts the section of one run: a heading, and the registry lines of sc. */
void trace_begin(struct trace *t, const struct scenario *sc, const char *config);
/* One line (text: a few) for 'ev'. */
void trace_emit(struct trace *t, const struct kubelet_event *ev);
/* Writes every event of 'topic' (borrowed; subscribe before the run). */
void trace_subscribe(struct trace *t, struct kubelet_event_topic *topic);
/* Ends the section: registry lines up to 'end_s' (s, the run's last time). */
void trace_end(struct trace *t, double end_s);
/* Flushes, closes and renames into place. 0, or -1 after a message. A
 * filter that matched no pod gets a warning on err. Frees t. */
int trace_close(struct trace *t, FILE *err);
/* Removes the temporary file. Frees t. NULL is a no-op. */
void trace_abort(struct trace *t);

/* The text form of 'ev' (its lines, each ending in '\n'), appended to sb:
 * the HTML report shows a pod's trace with it. */
void trace_format_text(const struct kubelet_event *ev, struct strbuf *sb);

/* Go's Duration.String of s truncated to whole milliseconds ("1m2.5s"). */
void trace_go_duration(double s, char *buf, size_t buflen);

#endif
