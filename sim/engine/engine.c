/*
 * engine.c - simulated clock and event queue (see engine.h).
 *
 * Queue: a radix heap [Ahuja, Mehlhorn, Orlin, Tarjan 1990] with 64-way
 * digits, over the IEEE-754 bits of the time. For times >= +0.0 the bits, read
 * as a uint64_t, order like the times, and the queue is monotone: nothing is
 * scheduled before now, and the pivot 'last' (the key of the latest refill)
 * never passes now, so no key is ever below 'last'.
 *  - 'cur' holds the entries whose key equals 'last'. Level L holds those
 *    whose highest 6-bit digit differing from 'last' is digit L (11 levels),
 *    in 64 buckets by that digit's value. Every key of a lower level, or of
 *    a lower bucket of the same level, is less; bitmasks of non-empty levels
 *    and buckets find the lowest one with two count-trailing-zeros.
 *  - Schedule appends to one bucket: O(1).
 *  - Step pops the head of 'cur'. When 'cur' is empty, refill takes the
 *    lowest non-empty bucket, makes its least key the new 'last' and moves
 *    its entries to lower levels (or 'cur'). An entry moves at most 11 times
 *    and in practice about log64 of the events near its time: 1-3 moves.
 *    A refill whose least key is past the horizon is not made, so 'last'
 *    stays <= horizon and <= now.
 *  - Equal times fire in schedule order, with no seq stored. Equal keys
 *    always share a bucket. A bucket only gains entries at its tail, either
 *    from engine_schedule (the newest event of all) or from a refill while
 *    it is empty (a refill moves entries only below the lowest non-empty
 *    bucket), in the refilled bucket's order. So every bucket lists equal
 *    keys in schedule order, and 'cur' hands them out in that order.
 * Buckets are FIFO lists of 32-byte entries (key, fn, arg, record index,
 * generation) in 4 KB chunks, taken from slabs that never move and given
 * back as soon as they are read, so memory follows the entries and a refill
 * moves them with sequential reads and writes.
 *
 * Records: a pooled array of (generation, free link), 8 bytes each, with a
 * free list. Cancel is lazy through the generation [Redis
 * AE_DELETED_EVENT_ID]: it frees the record at once (generation bumped) and
 * leaves the entry as a tombstone, which dispatch skips because the
 * generations differ: O(1). Dispatch frees the record before the handler
 * runs, so cancelling the running event, a fired one or a stale handle fails
 * the generation check and changes nothing. Tombstones are swept, O(entries),
 * once they outnumber live events and 4096: amortised O(1) per cancel, and
 * at most 2 * pending + 4096 entries. A sweep also runs every 2^31 record
 * releases, so no tombstone outlives 2^32 generations of its record and
 * takes a recycled event for itself. A handle goes wrong only after its
 * record is reused 2^32 times while the handle is kept. With no tombstones
 * pending, dispatch reads nothing but the entry and writes the record.
 *
 * engine_next_time: O(1) with no tombstones pending; otherwise it scans
 * buckets in order for the least live key, O(entries scanned), up to O(n)
 * after a burst of far-future events. Only tests and tools call it;
 * engine_step never does.
 *
 * Prefetching: at 10^6 pending the records miss every cache, and the write
 * that frees one at dispatch stalled on it (73% of the time at first). A
 * refill's entries are all due before any other bucket's, so the records of
 * a small refill are prefetched as they move, and after a large one those
 * of the next PREFETCH_BUCKET entries in queue order are.
 *
 * Measured with tests/bench_engine.c (hold model: pop the earliest, schedule
 * one at now + Exp(1); Mops/s at 10^3 / 10^5 / 10^6 pending, median of 3
 * runs on a 2-vCPU EPYC VM, gcc 12 -O2; '-': not measured). The 4-ary heap this file held
 * before, with 24-byte entries (time, seq, record) and the heap index in
 * the record for an O(log n) cancel:
 *   top-down sift-down, branching compares        14.4 / 7.6 / 3.2
 *   heap of record indices, key in the record     12.1 / 5.5 / 1.8
 *   branch-free pick of the least child           15.5 / 7.5 / 2.2
 *   + bottom-up removal and sentinels             15.3 / 7.8 / 2.2
 *   + prefetching (the last 4-ary heap)           13.9 / 8.9 / 3.9
 *   binary heap, bottom-up and prefetching        12.6 / 7.2 / 3.2
 *   8-ary heap, bottom-up and prefetching         13.3 / 7.4 / 3.8
 *   16-byte entries with a 32-bit seq             14.5 / 9.0 / 4.6
 *   the last 4-ary heap, re-run beside the radix  13.8 / 8.3 / 3.7
 * The radix heap:
 *   binary digits (65 buckets), 16-byte entries   19.5 / 13.8 / 4.8
 *     (key, record, generation), fn and arg in
 *     the record
 *   + record prefetch, 32 ahead                   18.0 / 15.5 / 12.1
 *   64-way digits, same                           -    / -    / 11.4
 *   16-way digits, same                           -    / -    / 13.5
 *   fn and arg in 32-byte entries, 32-way digits  -    / -    / 15.5-16.8
 *   + prefetch 128 ahead, 16-way digits           25.4 / 22.1 / 16.6
 *   + prefetch 128 ahead, 32-way digits           26.6 / 23.0 / 16.6
 *   + prefetch 128 ahead, 64-way digits           28.0 / 22.9 / 16.6
 *   4 KB chunks instead of 8 KB (this file)       27.0 / 24.7 / 18.5
 *     (re-run later: 26.8 / 23.5 / 17.2)
 * With binary digits an entry moves about 11 times at 10^6 pending; 64-way
 * digits cut that to 1-3, and fewer levels help at 10^3. Peak RSS at 10^6
 * pending: 43 MB, against 51 MB for the heap. With cancels (each dispatch
 * also cancels one of 1000 timeouts and schedules it again, as net.c does),
 * steps per second went from 10.5 / 7.3 / 2.5 to 13.8 / 13.0 / 9.0 M.
 * A ladder or calendar queue would be O(1) too, but needs its bucket width
 * tuned to the event density and a sorted bottom rung for ties; the radix
 * heap adapts by itself and keeps FIFO ties by construction.
 */
#include "engine/engine.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define NO_LINK UINT32_MAX
/* Record indices stay below UINT32_MAX, so no handle equals ENGINE_NO_EVENT. */
#define MAX_RECORDS (UINT32_MAX - 1u)
/* Tuning knobs below may be overridden with -D to re-run the table above.
 * Keys are read in digits of RADIX_BITS bits: digit L is bits
 * [L * RADIX_BITS, (L + 1) * RADIX_BITS). Level L holds the keys whose highest
 * digit differing from 'last' is digit L, one bucket per value of it. */
#ifndef RADIX_BITS
#define RADIX_BITS 6
#endif
#define RADIX (1u << RADIX_BITS)
#define LEVELS ((64 + RADIX_BITS - 1) / RADIX_BITS)
/* Entries per chunk: 8 + 127 * 32 = 4072 bytes, just under a page. */
#ifndef CHUNK_ENTRIES
#define CHUNK_ENTRIES 127
#endif
/* Records of the next this many events get prefetched (see refill). */
#ifndef PREFETCH_BUCKET
#define PREFETCH_BUCKET 128
#endif
_Static_assert(RADIX_BITS >= 1 && RADIX_BITS <= 6, "a level's digit mask is one uint64_t");
/* Tombstones are swept once they outnumber live events and this floor. */
#define PURGE_MIN_DEAD 4096
/* ...and at least once every 2^31 record releases, so no tombstone outlives
 * 2^32 generations of its record and mistakes a recycled event for itself. */
#define PURGE_EVERY_RELEASES (UINT64_C(1) << 31)

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

struct entry {
    uint64_t key; /* IEEE-754 bits of the time (s); ordered like the time */
    engine_fn *fn;
    void *arg;
    uint32_t rec; /* index into engine.recs */
    uint32_t gen; /* the record's generation when scheduled: live iff still equal */
};

/* A piece of a bucket's FIFO list. Chunks come from slabs that never move. */
struct chunk {
    struct chunk *next; /* next chunk of the bucket, or of the free list */
    struct entry e[CHUNK_ENTRIES];
};

/* A FIFO list of entries: append at the tail, take from the head. Empty
 * exactly when head == NULL (then tail == NULL too). */
struct bucket {
    struct chunk *head, *tail;
    uint64_t min;      /* least key among its entries (tombstones included) */
    size_t len;        /* entries, tombstones included */
    uint32_t head_pos; /* first entry in head (only 'cur' pops, the rest keep 0) */
    uint32_t tail_n;   /* entries in tail */
};

struct event_rec {
    uint32_t link; /* free: next free record or NO_LINK; pending: 1 for a daemon
                      event, else 0 (a record is never both, so no extra field) */
    uint32_t gen;  /* bumped when the record is freed, so old handles go stale */
};

struct engine {
    double now;            /* s */
    double horizon;        /* s */
    uint64_t horizon_key;  /* key of the horizon */
    uint64_t last;         /* key of every entry in 'cur'; no entry's key is below it */
    size_t size;           /* pending events (live entries) */
    size_t daemons;        /* of which daemon events */
    size_t dead;           /* tombstones: entries of cancelled events */
    uint64_t processed;    /* events dispatched */
    uint64_t releases;     /* records freed since engine_new */
    uint64_t purged_at;    /* 'releases' when the oldest tombstone was made, or later */
    struct bucket cur;     /* entries at key 'last', in schedule order */
    uint64_t level_mask;   /* bit L set iff level L has a non-empty bucket */
    uint64_t digit_mask[LEVELS]; /* bit d set iff bucket (L, d) is non-empty */
    struct bucket b[LEVELS][RADIX];
    struct chunk *free_chunks;
    struct chunk **slabs;  /* every chunk slab, to free them */
    size_t n_slabs, cap_slabs;
    size_t n_chunks;       /* chunks in all slabs */
    struct event_rec *recs; /* cap records */
    size_t cap;
    uint32_t free_head;    /* first free record or NO_LINK */
};

/* ---------------------------------------------------------------- keys */

/* A non-negative double's bits order like the double (+0.0 first, +INFINITY
 * last). Adding +0.0 turns -0.0, which engine_schedule's assert lets
 * through, into +0.0. */
static inline uint64_t key_of(double t)
{
    uint64_t k;
    t += 0.0;
    memcpy(&k, &t, sizeof(k));
    return k;
}

static inline double time_of(uint64_t k)
{
    double t;
    memcpy(&t, &k, sizeof(t));
    return t;
}

/* Index of the highest set bit of x != 0. */
static inline unsigned high_bit(uint64_t x)
{
#if defined(__GNUC__)
    return 63u - (unsigned)__builtin_clzll(x);
#else
    unsigned j = 0;
    while (x >>= 1)
        j++;
    return j;
#endif
}

/* Index of the lowest set bit of x != 0. */
static inline unsigned low_bit(uint64_t x)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(x);
#else
    unsigned j = 0;
    while (!(x & 1)) {
        j++;
        x >>= 1;
    }
    return j;
#endif
}

/* -------------------------------------------------------------- chunks */

/* Adds a slab as large as all earlier ones together (16 chunks at first),
 * threaded onto the free list. Slabs never move, so chunk pointers stay valid. */
static void grow_chunks(struct engine *e)
{
    size_t n = e->n_chunks ? e->n_chunks : 16;
    struct chunk *slab = xmalloc(n * sizeof(*slab));
    VEC_RESERVE(e->slabs, e->n_slabs, e->cap_slabs, e->n_slabs + 1);
    e->slabs[e->n_slabs++] = slab;
    for (size_t i = 0; i < n; i++) {
        slab[i].next = e->free_chunks;
        e->free_chunks = &slab[i];
    }
    e->n_chunks += n;
}

static inline void chunk_put(struct engine *e, struct chunk *c)
{
    c->next = e->free_chunks;
    e->free_chunks = c;
}

/* Appends 'x' to bucket b's FIFO list. */
static inline void fifo_push(struct engine *e, struct bucket *b, struct entry x)
{
    if (!b->tail || b->tail_n == CHUNK_ENTRIES) {
        if (!e->free_chunks)
            grow_chunks(e);
        struct chunk *c = e->free_chunks;
        e->free_chunks = c->next;
        c->next = NULL;
        if (b->tail)
            b->tail->next = c;
        else
            b->head = c;
        b->tail = c;
        b->tail_n = 0;
    }
    b->tail->e[b->tail_n++] = x;
    b->len++;
}

/* Appends 'x' to the bucket its key belongs to while 'last' is e->last. */
static inline void queue_push(struct engine *e, struct entry x)
{
    uint64_t diff = x.key ^ e->last;
    if (!diff) {
        fifo_push(e, &e->cur, x);
        return;
    }
    unsigned level = high_bit(diff) / RADIX_BITS;
    unsigned digit = (unsigned)(x.key >> (level * RADIX_BITS)) & (RADIX - 1);
    struct bucket *b = &e->b[level][digit];
    if (!b->head) {
        b->min = x.key;
        e->digit_mask[level] |= UINT64_C(1) << digit;
        e->level_mask |= UINT64_C(1) << level;
    } else if (x.key < b->min) {
        b->min = x.key;
    }
    fifo_push(e, b, x);
}

/* Removes and returns the first entry of 'cur' (non-empty). */
static inline struct entry cur_pop(struct engine *e)
{
    struct bucket *b = &e->cur;
    struct chunk *c = b->head;
    struct entry x = c->e[b->head_pos++];
    b->len--;
    if (c == b->tail && b->head_pos == b->tail_n) {
        chunk_put(e, c);
        *b = (struct bucket){0};
    } else if (b->head_pos == CHUNK_ENTRIES) {
        b->head = c->next;
        b->head_pos = 0;
        chunk_put(e, c);
    }
    return x;
}

/* Empties bucket (level, digit) and returns what it held, for the caller
 * to drain. */
static inline struct bucket bucket_take(struct engine *e, unsigned level, unsigned digit)
{
    struct bucket *b = &e->b[level][digit];
    struct bucket taken = *b;
    *b = (struct bucket){0};
    e->digit_mask[level] &= ~(UINT64_C(1) << digit);
    if (!e->digit_mask[level])
        e->level_mask &= ~(UINT64_C(1) << level);
    return taken;
}

/* End of the entries in chunk c of list 'from'. */
static inline uint32_t chunk_end(const struct bucket *from, const struct chunk *c)
{
    return c == from->tail ? from->tail_n : CHUNK_ENTRIES;
}

/* ------------------------------------------------------------- records */

/* Doubles the record pool and threads the new records onto the free list,
 * lowest index first. */
static void grow_records(struct engine *e)
{
    size_t old = e->cap;
    size_t cap = old ? old * 2 : 64;
    if (cap > MAX_RECORDS)
        cap = MAX_RECORDS;
    assert(cap > old); /* more than 2^32 - 2 records is a bug */
    e->recs = xrealloc(e->recs, cap * sizeof(*e->recs));
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
        grow_records(e);
    uint32_t i = e->free_head;
    e->free_head = e->recs[i].link;
    return i;
}

static inline void rec_release(struct engine *e, uint32_t i)
{
    e->recs[i].gen++;
    e->recs[i].link = e->free_head;
    e->free_head = i;
    e->releases++;
}

static inline bool entry_is_live(const struct engine *e, struct entry x)
{
    return e->recs[x.rec].gen == x.gen;
}

/* ------------------------------------------------------------- sweeping */

/* Drops the tombstones of list b, keeping the order of the rest. Each chunk
 * goes back to the free list once read, so a push may reuse it at once. */
static void bucket_sweep(struct engine *e, struct bucket *b)
{
    struct bucket from = *b;
    uint64_t min = UINT64_MAX;
    *b = (struct bucket){0};
    for (struct chunk *c = from.head, *next; c; c = next) {
        next = c->next;
        for (uint32_t k = c == from.head ? from.head_pos : 0; k < chunk_end(&from, c); k++) {
            if (entry_is_live(e, c->e[k])) {
                fifo_push(e, b, c->e[k]);
                min = c->e[k].key < min ? c->e[k].key : min;
            }
        }
        chunk_put(e, c);
    }
    b->min = min;
}

/* Drops every tombstone. O(entries). */
static void purge(struct engine *e)
{
    bucket_sweep(e, &e->cur);
    for (unsigned level = 0; level < LEVELS; level++) {
        for (uint64_t m = e->digit_mask[level]; m; m &= m - 1) {
            unsigned digit = low_bit(m);
            bucket_sweep(e, &e->b[level][digit]);
            if (!e->b[level][digit].head) {
                e->digit_mask[level] &= ~(UINT64_C(1) << digit);
                if (!e->digit_mask[level])
                    e->level_mask &= ~(UINT64_C(1) << level);
            }
        }
    }
    e->dead = 0;
    e->purged_at = e->releases;
}

/* Sweeps when tombstones are due to wrap generations (see PURGE_EVERY_RELEASES). */
static void purge_if_old(struct engine *e)
{
    if (e->releases - e->purged_at < PURGE_EVERY_RELEASES)
        return;
    if (e->dead)
        purge(e);
    else
        e->purged_at = e->releases;
}

/* -------------------------------------------------------------- the API */

struct engine *engine_new(double horizon)
{
    assert(horizon >= 0.0);
    struct engine *e = xcalloc(1, sizeof(*e));
    e->horizon = horizon;
    e->horizon_key = key_of(horizon);
    e->free_head = NO_LINK;
    return e;
}

void engine_free(struct engine *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n_slabs; i++)
        free(e->slabs[i]);
    free(e->slabs);
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

/* Least live key in list b, or UINT64_MAX if it holds only tombstones.
 * Reads every entry's record: O(entries). */
static uint64_t bucket_live_min(const struct engine *e, const struct bucket *b)
{
    uint64_t min = UINT64_MAX;
    for (const struct chunk *c = b->head; c; c = c->next) {
        for (uint32_t k = c == b->head ? b->head_pos : 0; k < chunk_end(b, c); k++) {
            if (c->e[k].key < min && entry_is_live(e, c->e[k]))
                min = c->e[k].key;
        }
    }
    return min;
}

/* O(1) without tombstones: 'last' if 'cur' holds entries, else the least
 * key of the lowest bucket. With tombstones, buckets are scanned in order
 * until one holds a live entry, O(entries scanned). Nothing in sim/ calls
 * this on a hot path; engine_step never needs it. */
double engine_next_time(const struct engine *e)
{
    if (e->size == 0)
        return INFINITY;
    if (e->cur.head && (!e->dead || bucket_live_min(e, &e->cur) != UINT64_MAX))
        return time_of(e->last);
    for (uint64_t lm = e->level_mask; lm; lm &= lm - 1) {
        unsigned level = low_bit(lm);
        for (uint64_t m = e->digit_mask[level]; m; m &= m - 1) {
            const struct bucket *b = &e->b[level][low_bit(m)];
            uint64_t min = e->dead ? bucket_live_min(e, b) : b->min;
            if (min != UINT64_MAX)
                return time_of(min);
        }
    }
    assert(!"pending events but no live entry");
    return INFINITY;
}

static engine_event_id schedule(struct engine *e, double t, engine_fn *fn, void *arg,
                                bool daemon)
{
    assert(t >= e->now); /* also rejects NaN: never schedule into the past */
    assert(fn);
    uint32_t i = rec_alloc(e);
    uint32_t gen = e->recs[i].gen;
    e->recs[i].link = daemon;
    queue_push(e, (struct entry){key_of(t), fn, arg, i, gen});
    e->size++;
    e->daemons += daemon;
    return (uint64_t)gen << 32 | i;
}

engine_event_id engine_schedule(struct engine *e, double t, engine_fn *fn, void *arg)
{
    return schedule(e, t, fn, arg, false);
}

engine_event_id engine_schedule_daemon(struct engine *e, double t, engine_fn *fn, void *arg)
{
    return schedule(e, t, fn, arg, true);
}

bool engine_has_work(const struct engine *e)
{
    return e->size > e->daemons;
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
    /* A matching generation means pending: dispatch and cancel both bump
     * it. Its entry stays where it is as a tombstone. */
    e->daemons -= e->recs[i].link;
    rec_release(e, (uint32_t)i);
    e->size--;
    e->dead++;
    if (e->dead > e->size && e->dead >= PURGE_MIN_DEAD)
        purge(e);
    else
        purge_if_old(e);
    return true;
}

/* Prefetches the records of the first PREFETCH_BUCKET entries in queue
 * order (bucket by bucket; within one, any order will do). */
static void prefetch_soonest(const struct engine *e)
{
    unsigned left = PREFETCH_BUCKET;
    for (const struct chunk *c = e->cur.head; c; c = c->next) {
        for (uint32_t k = c == e->cur.head ? e->cur.head_pos : 0; k < chunk_end(&e->cur, c); k++) {
            PREFETCH(&e->recs[c->e[k].rec]);
            if (--left == 0)
                return;
        }
    }
    for (uint64_t lm = e->level_mask; lm; lm &= lm - 1) {
        unsigned level = low_bit(lm);
        for (uint64_t m = e->digit_mask[level]; m; m &= m - 1) {
            const struct bucket *b = &e->b[level][low_bit(m)];
            for (const struct chunk *c = b->head; c; c = c->next) {
                for (uint32_t k = 0; k < chunk_end(b, c); k++) {
                    PREFETCH(&e->recs[c->e[k].rec]);
                    if (--left == 0)
                        return;
                }
            }
        }
    }
}

/* Empties the lowest non-empty bucket into 'cur' and lower buckets, around
 * its least key as the new 'last'. Returns false, changing nothing, when
 * there is none or its least key is past the horizon.
 * Every entry it holds is due before any other bucket's, so a small one's
 * records are prefetched as they move; after a large one, the records of
 * the first PREFETCH_BUCKET entries in queue order are. Either way the
 * record that dispatch writes is usually in cache by then. */
static bool refill(struct engine *e)
{
    if (!e->level_mask)
        return false;
    unsigned level = low_bit(e->level_mask);
    unsigned digit = low_bit(e->digit_mask[level]);
    if (e->b[level][digit].min > e->horizon_key)
        return false;
    struct bucket from = bucket_take(e, level, digit);
    bool soon = from.len <= PREFETCH_BUCKET;
    e->last = from.min;
    for (struct chunk *c = from.head, *next; c; c = next) {
        next = c->next;
        uint32_t end = chunk_end(&from, c);
        for (uint32_t k = 0; k < end; k++) {
            if (soon)
                PREFETCH(&e->recs[c->e[k].rec]);
            queue_push(e, c->e[k]);
        }
        chunk_put(e, c); /* read: the pushes may reuse it from here on */
    }
    if (!soon)
        prefetch_soonest(e);
    return true;
}

bool engine_step(struct engine *e)
{
    if (e->size == 0)
        return false;
    purge_if_old(e);
    for (;;) {
        while (e->cur.head) {
            struct entry x = cur_pop(e);
            if (e->dead && !entry_is_live(e, x)) {
                e->dead--;
                continue;
            }
            e->daemons -= e->recs[x.rec].link;
            rec_release(e, x.rec);
            e->size--;
            e->now = time_of(e->last);
            e->processed++;
            x.fn(e, x.arg);
            return true;
        }
        if (!refill(e)) {
            e->now = e->horizon; /* the clock stops at the horizon */
            return false;
        }
    }
}

uint64_t engine_run(struct engine *e)
{
    uint64_t n = 0;
    while (engine_step(e))
        n++;
    return n;
}
