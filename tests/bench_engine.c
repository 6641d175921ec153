/*
 * bench_engine.c - hold-model microbenchmark of the event queue.
 *
 * For each queue size P: schedule P events at exponential times, then run OPS
 * operations, each one engine_step() whose handler schedules one new event
 * at now + Exp(mean 1 s). The queue stays at P pending events, so this
 * measures a pop plus a schedule through the engine's real dispatch path.
 * Wall time comes from CLOCK_MONOTONIC, which is allowed here and never in
 * sim/ (STYLE §7). Draws use an inline SplitMix64, not the clock, so every
 * run does the same work.
 *
 * Usage: bench_engine [OPS [PENDING]]
 *   OPS operations per queue size (default 10^7); PENDING runs that one queue
 *   size instead of 10^3, 10^5 and 10^6 in turn (tests/bench.sh runs each
 *   size in its own process to read its peak RSS).
 * Prints one line per queue size:
 *   engine hold  pending=1000000  ops=10000000  wall=0.812s  Mops/s=12.3
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine/engine.h"

struct bench_rng {
    uint64_t state;
};

static uint64_t splitmix64(struct bench_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Exp(mean 1): -log(u) with u in (0, 1]. */
static double draw_exp(struct bench_rng *r)
{
    return -log((double)((splitmix64(r) >> 11) + 1) * 0x1.0p-53);
}

static void on_hold(struct engine *e, void *arg)
{
    engine_schedule_in(e, draw_exp(arg), on_hold, arg);
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void hold(size_t pending, uint64_t ops)
{
    struct bench_rng rng = {.state = 42};
    struct engine *e = engine_new(INFINITY);
    for (size_t i = 0; i < pending; i++)
        engine_schedule(e, draw_exp(&rng), on_hold, &rng);

    double t0 = seconds_now();
    uint64_t done = 0;
    while (done < ops && engine_step(e))
        done++;
    double wall = seconds_now() - t0;

    if (done != ops || engine_size(e) != pending || engine_events_processed(e) != ops) {
        fprintf(stderr, "bench_engine: queue lost events (%zu pending, wanted %zu)\n",
                engine_size(e), pending);
        exit(1);
    }
    printf("engine hold  pending=%zu  ops=%llu  wall=%.3fs  Mops/s=%.1f\n", pending,
           (unsigned long long)ops, wall, (double)ops / wall / 1e6);
    fflush(stdout);
    engine_free(e);
}

int main(int argc, char **argv)
{
    static const size_t sizes[] = {1000, 100000, 1000000};
    uint64_t ops = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000u;
    size_t one = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 0;
    if (argc > 3 || ops == 0 || (argc > 2 && one == 0)) {
        fprintf(stderr, "usage: bench_engine [OPS [PENDING]]\n");
        return 2;
    }
    if (one) {
        hold(one, ops);
        return 0;
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        hold(sizes[i], ops);
    return 0;
}
