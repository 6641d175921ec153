/*
 * engine.c - simulated clock and event queue (see engine.h).
 *
 * Layout, chosen by measurement (tests/bench_engine.c, hold model):
 *  - heap: a 4-ary min-heap of 24-byte entries (time, seq, record index), the
 *    key inline so that choosing the least of four children reads one
 *    contiguous 96-byte run instead of chasing four pointers;
 *  - records: a pooled array of (fn, arg, link, generation) with a free list
 *    threaded through 'link'. A pending record's 'link' is its heap position,
 *    kept current on every move, so cancel finds its entry in O(1) and
 *    removes it in O(log n) [ROSS heap_index].
 * A dispatched record is freed (generation bumped) before its handler runs,
 * so cancelling the running event, a fired one or any stale handle fails the
 * generation check and changes nothing; the handler's own re-schedule then
 * reuses the hot record it just released.
 */
#include "engine.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "base.h"

#define ARITY 4
#define NO_LINK UINT32_MAX
/* Record indices stay below UINT32_MAX, so no handle equals ENGINE_NO_EVENT. */
#define MAX_RECORDS (UINT32_MAX - 1u)

struct heap_entry {
    double time;  /* s */
    uint64_t seq; /* insertion counter: equal times fire in schedule order */
    uint32_t rec; /* index into engine.recs */
};

struct event_rec {
    engine_fn *fn;
    void *arg;
    uint32_t link; /* pending: heap position; free: next free record or NO_LINK */
    uint32_t gen;  /* bumped when the record is freed: old handles go stale */
};

struct engine {
    double now;                /* s */
    double horizon;            /* s */
    uint64_t next_seq;         /* seq of the next scheduled event */
    uint64_t processed;        /* events dispatched */
    struct heap_entry *heap;   /* heap[0] is the earliest event */
    size_t size;               /* pending events = heap entries */
    struct event_rec *recs;    /* pool; heap and pool share capacity 'cap' */
    size_t cap;
    uint32_t free_head;        /* first free record or NO_LINK */
};

struct engine *engine_new(double horizon)
{
    assert(horizon >= 0.0);
    struct engine *e = xcalloc(1, sizeof(*e));
    e->horizon = horizon;
    e->free_head = NO_LINK;
    return e;
}

void engine_free(struct engine *e)
{
    if (!e)
        return;
    free(e->heap);
    free(e->recs);
    free(e);
}

double engine_now(const struct engine *e)
{
    return e->now;
}

double engine_horizon(const struct engine *e)
{
    return e->horizon;
}

size_t engine_size(const struct engine *e)
{
    return e->size;
}

uint64_t engine_events_processed(const struct engine *e)
{
    return e->processed;
}

double engine_next_time(const struct engine *e)
{
    return e->size ? e->heap[0].time : INFINITY;
}

static inline bool entry_less(const struct heap_entry *a, const struct heap_entry *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

/* Writes 'x' at heap position 'pos' and tells its record where it is. */
static inline void heap_put(struct engine *e, size_t pos, struct heap_entry x)
{
    e->heap[pos] = x;
    e->recs[x.rec].link = (uint32_t)pos;
}

/* Moves the hole at 'pos' up until 'x' fits there. */
static inline void sift_up(struct engine *e, size_t pos, struct heap_entry x)
{
    while (pos > 0) {
        size_t parent = (pos - 1) / ARITY;
        if (!entry_less(&x, &e->heap[parent]))
            break;
        heap_put(e, pos, e->heap[parent]);
        pos = parent;
    }
    heap_put(e, pos, x);
}

/* Index of the least child of 'pos', which has at least one child. */
static inline size_t least_child(const struct engine *e, size_t pos)
{
    const struct heap_entry *h = e->heap;
    size_t first = pos * ARITY + 1;
    size_t last = first + ARITY < e->size ? first + ARITY : e->size;
    size_t best = first;
    for (size_t c = first + 1; c < last; c++) {
        if (entry_less(&h[c], &h[best]))
            best = c;
    }
    return best;
}

/* Moves the hole at 'pos' down until 'x' fits there. */
static inline void sift_down(struct engine *e, size_t pos, struct heap_entry x)
{
    while (pos * ARITY + 1 < e->size) {
        size_t child = least_child(e, pos);
        if (!entry_less(&e->heap[child], &x))
            break;
        heap_put(e, pos, e->heap[child]);
        pos = child;
    }
    heap_put(e, pos, x);
}

/* Removes the heap entry at 'pos', refilling the hole with the last entry. */
static void heap_remove(struct engine *e, size_t pos)
{
    struct heap_entry last = e->heap[--e->size];
    if (pos == e->size)
        return;
    if (pos > 0 && entry_less(&last, &e->heap[(pos - 1) / ARITY]))
        sift_up(e, pos, last);
    else
        sift_down(e, pos, last);
}

/* Doubles the pool and the heap together and threads the new records onto
 * the free list, lowest index first. */
static void grow(struct engine *e)
{
    size_t old = e->cap;
    size_t cap = old ? old * 2 : 64;
    if (cap > MAX_RECORDS)
        cap = MAX_RECORDS;
    assert(cap > old); /* more than 2^32 - 2 pending events is a bug */
    e->recs = xrealloc(e->recs, cap * sizeof(*e->recs));
    e->heap = xrealloc(e->heap, cap * sizeof(*e->heap));
    for (size_t i = old; i < cap; i++) {
        e->recs[i].gen = 0;
        e->recs[i].link = i + 1 < cap ? (uint32_t)(i + 1) : NO_LINK;
    }
    e->free_head = (uint32_t)old;
    e->cap = cap;
}

static inline uint32_t rec_alloc(struct engine *e)
{
    if (e->free_head == NO_LINK)
        grow(e);
    uint32_t i = e->free_head;
    e->free_head = e->recs[i].link;
    return i;
}

static inline void rec_release(struct engine *e, uint32_t i)
{
    e->recs[i].gen++;
    e->recs[i].link = e->free_head;
    e->free_head = i;
}

engine_event_id engine_schedule(struct engine *e, double t, engine_fn *fn, void *arg)
{
    assert(t >= e->now); /* also rejects NaN: never schedule into the past */
    assert(fn);
    uint32_t i = rec_alloc(e);
    struct event_rec *r = &e->recs[i];
    r->fn = fn;
    r->arg = arg;
    struct heap_entry x = {.time = t, .seq = e->next_seq++, .rec = i};
    sift_up(e, e->size++, x);
    return (uint64_t)r->gen << 32 | i;
}

engine_event_id engine_schedule_in(struct engine *e, double delay, engine_fn *fn, void *arg)
{
    assert(delay >= 0.0);
    return engine_schedule(e, e->now + delay, fn, arg);
}

bool engine_cancel(struct engine *e, engine_event_id id)
{
    uint64_t i = id & UINT32_MAX;
    if (id == ENGINE_NO_EVENT || i >= e->cap || e->recs[i].gen != (uint32_t)(id >> 32))
        return false;
    /* A matching generation means pending: dispatch and cancel both bump it. */
    size_t pos = e->recs[i].link;
    assert(pos < e->size && e->heap[pos].rec == i);
    heap_remove(e, pos);
    rec_release(e, (uint32_t)i);
    return true;
}

bool engine_step(struct engine *e)
{
    if (e->size == 0)
        return false;
    struct heap_entry top = e->heap[0];
    if (top.time > e->horizon) {
        e->now = e->horizon; /* the clock stops at the horizon */
        return false;
    }
    heap_remove(e, 0);
    struct event_rec r = e->recs[top.rec];
    rec_release(e, top.rec);
    e->now = top.time;
    e->processed++;
    r.fn(e, r.arg);
    return true;
}

uint64_t engine_run(struct engine *e)
{
    uint64_t n = 0;
    while (engine_step(e))
        n++;
    return n;
}
