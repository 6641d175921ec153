/* rng.c - see rng.h. */
#include "base/rng.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/base.h"

#define GAMMA 0x9e3779b97f4a7c15ULL

struct counter_state {
    uint64_t key;
    uint64_t ctr;
};

struct rng {
    gsl_rng *g; /* of type counter_type; its state is a struct counter_state */
};

uint64_t rng_splitmix64(uint64_t x)
{
    x += GAMMA;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t next64(struct counter_state *s)
{
    return rng_splitmix64(s->key + GAMMA * s->ctr++);
}

static void counter_set(void *state, unsigned long seed)
{
    struct counter_state *s = state;
    s->key = rng_splitmix64(seed);
    s->ctr = 0;
}

static unsigned long counter_get(void *state)
{
    return (unsigned long)(next64(state) >> 32);
}

static double counter_get_double(void *state)
{
    /* 53 random bits -> [0, 1). */
    return (double)(next64(state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type counter_type = {
    "pullsim-splitmix64", 0xffffffffUL, 0, sizeof(struct counter_state),
    counter_set, counter_get, counter_get_double,
};

struct rng *rng_new(void)
{
    struct rng *r = xcalloc(1, sizeof(*r));
    r->g = gsl_rng_alloc(&counter_type);
    if (!r->g) {
        fprintf(stderr, "pullsim: out of memory allocating a random generator\n");
        exit(1);
    }
    return r;
}

void rng_free(struct rng *r)
{
    if (!r)
        return;
    gsl_rng_free(r->g);
    free(r);
}

void rng_stream_init(struct rng_stream *s, uint64_t seed, enum rng_purpose p, uint64_t entity)
{
    s->key = rng_splitmix64(rng_splitmix64(rng_splitmix64(seed) ^ (uint64_t)p) ^ entity);
    s->ctr = 0;
}

gsl_rng *rng_bind(struct rng *r, const struct rng_stream *s)
{
    struct counter_state *st = r->g->state;
    st->key = s->key;
    st->ctr = s->ctr;
    return r->g;
}

void rng_unbind(struct rng *r, struct rng_stream *s)
{
    const struct counter_state *st = r->g->state;
    s->ctr = st->ctr;
}

double rng_uniform(struct rng *r, struct rng_stream *s)
{
    double u = gsl_rng_uniform(rng_bind(r, s));
    rng_unbind(r, s);
    return u;
}
