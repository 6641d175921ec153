/*
 * rng.h - named, seeded random streams, one per purpose and entity.
 *
 * A draw for one entity (a pod's re-sync jitter, a node's request latency)
 * must not shift because another entity, or another kubelet config, drew
 * more or less: that is what keeps two configs comparable on the same
 * streams [STYLE §7; ROSS per-LP streams]. A stream is 16 bytes
 * (struct rng_stream), so every pod and node can own one.
 *
 * Generator: a counter-based SplitMix64 ("pullsim-splitmix64", exposed as a
 * gsl_rng_type so every GSL distribution can draw from it). The stream key
 * is splitmix64(seed, purpose, entity); draw i is splitmix64(key + i*gamma).
 * A per-entity Mersenne Twister would cost 5 KB per pod; this costs 16 B and
 * needs no allocation per entity. GSL_RNG_TYPE/GSL_RNG_SEED are never read.
 *
 * Calling sequence:
 *     gsl_rng *g = rng_bind(r, &pod->stream);   // point the generator at a stream
 *     double x = gsl_ran_flat(g, 10.0, 15.0);   // any GSL draw(s)
 *     rng_unbind(r, &pod->stream);              // store the advanced counter
 * Ownership: struct rng owns one gsl_rng; streams live in their entities.
 */
#ifndef PULLSIM_RNG_H
#define PULLSIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Purposes are append-only and never renumbered, so a new purpose leaves the
 * draws of old ones (and old seeds' results) alone. */
enum rng_purpose {
    RNG_REQUEST_LATENCY = 1, /* per node: latency of each registry request */
    RNG_PLACEMENT = 2,       /* per workload: random placement */
    RNG_POD_RESYNC = 3,      /* per pod: pod worker re-sync jitter (spec §5) */
    RNG_NODE_TICKER = 4,     /* per node: phase of the kubelet's 1 s syncLoop ticker */
    RNG_NODE_PLEG = 5,       /* per node: phase of the 1 s PLEG relist */
    RNG_REQUEST_FAILURE = 6, /* per node: does a registry request fail (failureProbability) */
};

struct rng_stream {
    uint64_t key; /* splitmix64 of (seed, purpose, entity) */
    uint64_t ctr; /* raw draws taken so far */
};

struct rng;

struct rng *rng_new(void);
void rng_free(struct rng *r);

void rng_stream_init(struct rng_stream *s, uint64_t seed, enum rng_purpose p, uint64_t entity);

/* Points the shared generator at stream s; valid until rng_unbind(). */
gsl_rng *rng_bind(struct rng *r, const struct rng_stream *s);
/* Stores the generator's position back into s. */
void rng_unbind(struct rng *r, struct rng_stream *s);

/* One uniform draw in [0, 1) from s (bind + draw + unbind). */
double rng_uniform(struct rng *r, struct rng_stream *s);

/* The mixing function, exposed for tests. */
uint64_t rng_splitmix64(uint64_t x);

#endif
