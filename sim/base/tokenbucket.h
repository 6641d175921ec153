/*
 * tokenbucket.h - a token bucket that refuses instead of waiting, as
 * client-go's flowcontrol.NewTokenBucketRateLimiter(qps, burst).TryAccept
 * (golang.org/x/time/rate underneath): it starts full, refills at 'rate'
 * tokens per second up to 'burst', and an accept takes one whole token.
 * Source: spec §6 (registryPullQPS, registryBurst).
 * Invariant: 0 <= tokens <= burst. Units: tokens, seconds.
 */
#ifndef PULLSIM_TOKENBUCKET_H
#define PULLSIM_TOKENBUCKET_H

#include <stdbool.h>

struct tokenbucket {
    double rate;   /* tokens/s; <= 0: no limiter, every accept succeeds */
    double burst;  /* capacity, tokens */
    double tokens; /* level at 'at' */
    double at;     /* s */
};

/* A full bucket at time 'now'. */
void tokenbucket_init(struct tokenbucket *b, double rate, double burst, double now);
/* Takes a token at 'now' (>= the last call's) if there is one. */
bool tokenbucket_try_accept(struct tokenbucket *b, double now);

#endif
