/*
 * engine.h - simulated clock and event queue.
 *
 * Runs handlers in time order. Knows nothing about nodes, pulls or bytes.
 * Invariants:
 *  - engine_now() never decreases; an event is never scheduled before it
 *    (asserted: a bug, never user input).
 *  - events with equal time fire in the order they were scheduled
 *    (ordered by (time, seq), seq an engine-wide insertion counter).
 *  - a handler may schedule and cancel events, including its own
 *    (cancelling the event being dispatched is a no-op).
 *  - nothing is dispatched past the horizon; the clock stops at the last
 *    dispatched event (or at the horizon when events remain beyond it).
 * Queue: a radix heap with 64-way digits over the bits of the time (see
 *   engine.c). Costs: schedule O(1); step amortised O(1) (an event moves
 *   between buckets at most 11 times, in practice 1-3); cancel O(1), lazy
 *   through the record's generation [Redis AE_DELETED_EVENT_ID], leaving a
 *   tombstone that is skipped and swept; size O(1); next_time O(1) without
 *   tombstones, else O(entries scanned). Records come from a free list and
 *   entries from pooled 4 KB chunks: no malloc per event once grown. The
 *   schedule order of equal times is kept by the buckets' FIFO order (the
 *   "seq" above is implied, not stored).
 * Daemon events (housekeeping: image GC, eviction checks, the sampler) fire
 *   like any other but are not work: engine_has_work() is false when only
 *   daemons are pending. A daemon handler reschedules itself only while
 *   there is work, so a run ends when only housekeeping remains, each
 *   daemon firing at most once more (as SimGrid's daemon actors end with
 *   the last regular one).
 * Ownership: the engine owns event records, never handler arguments; an
 *   argument must stay valid until its event fires or is cancelled.
 * Units: seconds since simulation start.
 */
#ifndef PULLSIM_ENGINE_H
#define PULLSIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine;

/* An event handler. 'arg' is the pointer given to engine_schedule(). */
typedef void engine_fn(struct engine *e, void *arg);

/* Handle of a scheduled event: pool index in the low 32 bits, generation in
 * the high 32 bits, so a stale handle never cancels a recycled record.
 * ENGINE_NO_EVENT is never returned by engine_schedule(). */
typedef uint64_t engine_event_id;
#define ENGINE_NO_EVENT UINT64_MAX

/* New engine at time 0 with the given horizon (s; INFINITY for none). */
struct engine *engine_new(double horizon);
/* Frees the engine and its event records (never the handler arguments).
 * NULL is a no-op. */
void engine_free(struct engine *e);

/* Current simulated time (s). */
double engine_now(const struct engine *e);
double engine_horizon(const struct engine *e);

/* Schedules fn(arg) at absolute time t (s), t >= engine_now(). Returns its handle. */
engine_event_id engine_schedule(struct engine *e, double t, engine_fn *fn, void *arg);
/* Schedules a daemon event (see above) at t >= engine_now(). */
engine_event_id engine_schedule_daemon(struct engine *e, double t, engine_fn *fn, void *arg);
/* Is an event other than a daemon pending? */
bool engine_has_work(const struct engine *e);
/* Schedules fn(arg) 'delay' seconds from now (delay >= 0). */
engine_event_id engine_schedule_in(struct engine *e, double delay, engine_fn *fn, void *arg);

/* Cancels a pending event. Returns true if it was pending; false for a
 * fired, cancelled, recycled or ENGINE_NO_EVENT handle (then nothing changes). */
bool engine_cancel(struct engine *e, engine_event_id id);

/* Pending events. */
size_t engine_size(const struct engine *e);

/* Pops and runs the earliest event if it is not past the horizon.
 * Returns false (and runs nothing) when the queue is empty or the next
 * event is past the horizon. */
bool engine_step(struct engine *e);

/* Runs engine_step() until it returns false. Returns the number of events
 * dispatched by this call. */
uint64_t engine_run(struct engine *e);

/* Events dispatched since engine_new(). */
uint64_t engine_events_processed(const struct engine *e);

/* Time of the earliest pending event, or INFINITY when none. */
double engine_next_time(const struct engine *e);

#endif
