/*
 * runtime_internal.h - what the runtime's files share (runtime.h is the
 * model and the public contract). Not for use outside model/runtime/.
 *
 * Files and their jobs:
 *   runtime.c   records, runtime_pull, the manifest phase, the poke loop,
 *               success and failure of a pull, outages
 *   request.c   one HTTP request: send, registry slot, judgement, answer,
 *               hang, abandon
 *   fetch.c     layer dispatch, blob locks, download slots and tokens, blob
 *               bodies, giving layers back on failure
 *   unpack.c    chains applied in order through the disk
 *   watchdog.c  containerd's pull progress timeout
 *   errors.c    the error table (RUNTIME_ERRORS) and containerd's texts
 *   source.h    where content comes from (the blob source seam)
 * Calling sequence of a pull: runtime_pull -> rt_next_request (manifest
 *   phase, one request at a time: rt_send -> rt_on_answer ->
 *   rt_manifest_answered) -> rt_progress (rt_dispatch: blob GETs; unpack) on
 *   every rt_poke of its node -> rt_finish, or rt_fail_pull from any event.
 * Internal names carry the rt_ prefix.
 */
#ifndef PULLSIM_RUNTIME_INTERNAL_H
#define PULLSIM_RUNTIME_INTERNAL_H

#include "model/runtime/runtime.h"
#include "model/runtime/source.h"

/* What one pull knows about each layer of its image. */
enum layer_step {
    LS_PENDING,  /* not reached by the dispatch cursor yet */
    LS_DONE,     /* blob present on the node */
    LS_QUEUED,   /* lock held, waiting for a node download token (scope node) */
    LS_FETCHING, /* lock held, request or transfer in progress */
    LS_WAITING,  /* another pull holds the lock; wait (scope pull: holding a slot) */
};

/* Where one HTTP request stands. */
enum req_phase {
    RQ_SLOT,    /* waiting for a registry slot (maxConcurrentRequests) */
    RQ_LATENCY, /* sent; its answer comes with event 'ev' */
    RQ_BODY,    /* blob bytes flowing in flow 'flow' */
    RQ_HUNG,    /* no answer and no more bytes, ever (outage, mode hang) */
};

/* Position of the manifest-phase request in struct req.k. */
#define REQ_MANIFEST SOURCE_MANIFEST

/*
 * containerd's pull progress reporter (watchdog.c), kept lazily: instead
 * of an event per check, the ticks at t0 + k * period are accounted for
 * when the pull's state changes, and one event is pending only while the
 * pull is stalled, at the first check that would cancel it.
 */
struct watchdog {
    double t0, period;   /* s; period 0 = no timeout */
    uint64_t need;       /* ticks past the last progress that cancel: n * period > timeout */
    uint64_t last_k;     /* last tick that saw progress (0 = the start) */
    double seg_start;    /* s: since when 'state' holds */
    double flow_end;     /* s: when body bytes last stopped arriving; -INFINITY */
    uint8_t state;       /* enum watch_state (watchdog.c) */
    engine_event_id ev;  /* the cancelling check while stalled */
    double ev_time;      /* s */
};

struct req;

/* Pull records are many (one per pull in progress) and every poke walks
 * them: the fields a poke reads come first, in one cache line, and the
 * record stays small. */
struct pull {
    struct runtime *rt;
    uint8_t *ls;            /* enum layer_step per layer */
    uint32_t id, node, image;
    uint32_t cursor;        /* next layer to dispatch */
    uint32_t slots;         /* download slots held (scope pull) */
    uint32_t unpack_cursor; /* next chain to unpack */
    bool in_layers, unpacking, finished, live;
    bool no_space;          /* an unpack found no room: the pull fails at this instant */
    uint8_t snap;           /* snapshotter its chains are unpacked into (runtimeclass.h) */
    uint16_t n_active;      /* HTTP requests in flight (any phase) */
    uint16_t n_flows;       /* of which moving body bytes */
    uint8_t manifest_items; /* items of its manifest phase (<= 11; runtime.h step 1) */
    uint8_t next_item;      /* the first item not yet sent or skipped */
    uint8_t idle_conns;     /* keep-alive connections of its HTTP client, idle now */
    uint32_t ls_cap;
    struct req **lreq;      /* per layer: its blob request while LS_FETCHING; ls lives
                               in the same allocation, right after it */
    struct req *mreq;       /* the manifest-phase request in flight */
    struct req *ureq;       /* the chain unpack in progress */
    union {
        runtime_done_fn *done;
        struct pull *next_free; /* while on the free list */
    };
    void *arg;
};

/* The rest of a pull record, read only at its own events: kept apart so
 * the records pokes walk stay small. Same id as its struct pull. */
struct pull_cold {
    struct watchdog wd;
    struct runtime_result res;
    uint32_t tag; /* images entry whose local tag the pull sets, or SCENARIO_NONE */
    uint32_t handler;       /* runtime handler the image is recorded for (runtimeclass.h) */
    uint32_t credential;    /* CRI AuthConfig: credentials index, or REGISTRY_ANONYMOUS */
};

/* An HTTP request or a chain unpack: the argument of its events and flows. */
struct req {
    struct pull *p;
    union {
        engine_event_id ev;     /* its answer, while RQ_LATENCY */
        struct req *next_free;  /* while on the free list */
    };
    struct source_route route; /* who answers, and the links of a blob's bytes */
    uint32_t k;             /* layer / chain position, or REQ_MANIFEST */
    uint32_t flow;          /* while RQ_BODY, or unpacking */
    uint8_t index;          /* manifest phase: which request of the pull (0 = resolve) */
    uint8_t phase;          /* enum req_phase */
    uint8_t outcome;        /* enum registry_outcome decided when sent */
    bool has_slot;          /* holds a registry slot */
    bool on_conn;           /* holds one of its pull's connections */
    bool reserved;          /* holds disk space on the node (node_reserve) */
};

/* A request for one of a node's download tokens (containerd 2.1+ scope). */
struct token_req {
    uint32_t pull;  /* pull id */
    uint32_t layer; /* index of the layer within the image */
};

/* A node's download tokens (scope node): held, and the FIFO of waiters. */
struct tokens {
    uint32_t used;
    struct token_req *q;
    size_t head, n, cap;
};

struct runtime {
    const struct scenario *sc;
    struct engine *engine;
    struct net *net;
    struct rng *rng;
    struct registry *registries;
    struct node *nodes;
    struct tokens *tokens;    /* per node */
    size_t n_tokens;
    struct source src;
    struct source_registry registry_src; /* the default source's state */
    /* Records live in chunks (addresses never move; recycled, never
     * freed before runtime_free): pulls started together sit together, so
     * a poke over a node's pulls stays in few cache lines and pages. */
    struct base_chunks pulls; /* struct pull, by id */
    size_t n_pulls;
    struct pull *free_pulls;
    struct base_chunks colds; /* struct pull_cold, by pull id */
    struct base_chunks reqs;  /* struct req */
    size_t n_reqs;
    struct req *free_reqs;
    uint64_t active;
    uint64_t layer_transfers;
    uint32_t *tag_target;     /* per images entry: the image its tag names now at the
                                 registry (itself until a push moves it) */
};

/* ------------------------------------------------------------ accessors */

static inline struct pull *rt_pull_at(struct runtime *rt, size_t id)
{
    return base_chunks_at(&rt->pulls, id);
}

static inline struct pull_cold *rt_cold(const struct pull *p)
{
    return base_chunks_at(&p->rt->colds, p->id);
}

static inline const struct scenario_image *rt_image(const struct pull *p)
{
    return &p->rt->sc->images[p->image];
}

static inline struct node *rt_node(const struct pull *p)
{
    return &p->rt->nodes[p->node];
}

static inline double rt_now(const struct pull *p)
{
    return engine_now(p->rt->engine);
}

static inline bool rt_per_pull(const struct node *nd)
{
    return nd->cfg->runtime.scope == SCENARIO_DOWNLOADS_PER_PULL;
}

/* ------------------------------------------------------------ runtime.c */

void rt_poke(struct runtime *rt, struct node *nd);
void rt_progress(struct pull *p);
/* Fails the pull now (call only from an event handler, never in a poke). */
void rt_fail_pull(struct pull *p, enum runtime_error code, uint32_t at);
/* Ends the pull with success now (its callback runs from an event). */
void rt_finish(struct pull *p);
/* The manifest-phase request q was answered OK. */
void rt_manifest_answered(struct req *q);

/* ------------------------------------------------------------ request.c */

/* A request (or chain unpack) of pull p for position k (REQ_MANIFEST or a
 * layer); recycled with rt_req_put. */
struct req *rt_req_get(struct runtime *rt, struct pull *p, uint32_t k);
void rt_req_put(struct runtime *rt, struct req *q);
/* Routes q (the runtime's source), counts it at its endpoint and sends it
 * once it has a registry slot. */
void rt_send(struct req *q);
/* q leaves the wire: no answer and no more bytes will come. */
void rt_hang(struct req *q);
/* Gives back q's registry slot, if it holds one (may grant a waiter). */
void rt_release_slot(struct req *q);
/* Stops whatever q has in progress (its pull is failing) and frees it. */
void rt_abandon(struct req *q);
/* q is done with its connection: it goes back to its pull's idle ones. */
void rt_release_conn(struct req *q);

/* ------------------------------------------------------------ fetch.c */

/* Resolves waits, dispatches layers. */
void rt_fetch_progress(struct pull *p);
/* The answered blob GET q: its bytes start to flow. */
void rt_body_start(struct req *q);
/* Hands free node download tokens to waiting requests, in FIFO order. */
void rt_grant_tokens(struct runtime *rt, uint32_t node);
/* Failure: drops queued token requests, gives every layer lock back. */
void rt_release_fetches(struct pull *p);

/* ------------------------------------------------------------ unpack.c */

/* Applies chains in order, one at a time; finishes the pull after the last. */
void rt_unpack(struct pull *p);
/* Failure: stops the unpack in progress and gives its chain back. */
void rt_release_unpack(struct pull *p);

/* ------------------------------------------------------------ watchdog.c */

void rt_watch_start(struct pull *p);
/* Re-reads the pull's request counts; call after every change of them. */
void rt_watch_update(struct pull *p);
void rt_watch_stop(struct pull *p);

#endif
