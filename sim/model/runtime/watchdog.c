/*
 * watchdog.c - containerd's pull progress timeout (runtime.h "Progress
 * timeout"). A check at tick time t sees the state that held just before
 * t. Ticks in a span of W_IDLE or W_FLOWING all see progress (no request
 * active, or bytes read since the previous tick); in a W_STALLED span only
 * the first tick can, when bytes arrived after the tick before it.
 */
#include "model/runtime/runtime_internal.h"

#include <math.h>

/* The progress watchdog's view of a pull, constant between two changes. */
enum watch_state {
    W_IDLE,    /* no request active: a check sees progress */
    W_FLOWING, /* body bytes arriving: a check sees progress */
    W_STALLED, /* requests active, no bytes arriving */
};

/* containerd's defaultPullProgressReportInterval. Source: spec §11;
 * internal/cri/server/images/image_pull.go (pullProgressReporter.start). */
#define PROGRESS_CHECK_PERIOD 10.0

static double tick_time(const struct watchdog *wd, uint64_t k)
{
    return wd->t0 + (double)k * wd->period;
}

/* The first tick strictly after t (k >= 1). */
static uint64_t tick_after(const struct watchdog *wd, double t)
{
    double x = floor((t - wd->t0) / wd->period);
    uint64_t k = x < 0 ? 1 : (uint64_t)x + 1;
    while (k > 1 && tick_time(wd, k - 1) > t)
        k--;
    while (tick_time(wd, k) <= t)
        k++;
    return k;
}

/* Tick k (the first of a stalled span) saw bytes read since tick k - 1. */
static bool saw_bytes(const struct watchdog *wd, uint64_t k)
{
    return wd->flow_end > tick_time(wd, k - 1);
}

void rt_watch_start(struct pull *p)
{
    double timeout = rt_node(p)->cfg->runtime.image_pull_progress_timeout;
    struct watchdog *wd = &rt_cold(p)->wd;
    *wd = (struct watchdog){.t0 = rt_now(p), .seg_start = rt_now(p), .flow_end = -INFINITY,
                            .state = W_IDLE, .ev = ENGINE_NO_EVENT};
    if (timeout <= 0)
        return; /* 0 disables the timeout (spec §11) */
    /* Source: spec §11; image_pull.go: the interval is timeout/2 when the
     * timeout is below the default interval; a check cancels when
     * time.Since(lastSeen) > timeout (strict). */
    wd->period = timeout < PROGRESS_CHECK_PERIOD ? timeout / 2 : PROGRESS_CHECK_PERIOD;
    wd->need = (uint64_t)floor(timeout / wd->period) + 1;
    while (wd->need > 1 && (double)(wd->need - 1) * wd->period > timeout)
        wd->need--;
}

/* The checks in (seg_start, now] saw the state that held since seg_start. */
static void watch_account(struct watchdog *wd, double now)
{
    uint64_t first = tick_after(wd, wd->seg_start), last = tick_after(wd, now) - 1;
    if (first <= last) {
        if (wd->state != W_STALLED)
            wd->last_k = last;
        else if (saw_bytes(wd, first))
            wd->last_k = first;
    }
    if (wd->state == W_FLOWING)
        wd->flow_end = now;
}

static void on_watchdog(struct engine *e, void *arg)
{
    struct pull *p = arg;
    (void)e;
    rt_cold(p)->wd.ev = ENGINE_NO_EVENT;
    /* Source: image_pull.go: "cancel pulling image %s because of no progress in %v". */
    rt_fail_pull(p, RUNTIME_ERR_PROGRESS_TIMEOUT, 0);
}

/* Stalled since seg_start: the check that cancels, unless the stall ends. */
static void watch_arm(struct pull *p)
{
    struct watchdog *wd = &rt_cold(p)->wd;
    uint64_t k1 = tick_after(wd, wd->seg_start);
    uint64_t last = saw_bytes(wd, k1) ? k1 : wd->last_k;
    uint64_t kc = last + wd->need > k1 ? last + wd->need : k1;
    double t = tick_time(wd, kc);
    if (wd->ev != ENGINE_NO_EVENT) {
        if (wd->ev_time == t || wd->ev_time <= rt_now(p))
            return; /* the same check, or one due now that saw the stall */
        engine_cancel(p->rt->engine, wd->ev);
    }
    wd->ev = engine_schedule(p->rt->engine, t, on_watchdog, p);
    wd->ev_time = t;
}

/* The stall ended; a check due at this very instant saw it and stays. */
static void watch_disarm(struct pull *p)
{
    struct watchdog *wd = &rt_cold(p)->wd;
    if (wd->ev != ENGINE_NO_EVENT && wd->ev_time > rt_now(p)) {
        engine_cancel(p->rt->engine, wd->ev);
        wd->ev = ENGINE_NO_EVENT;
    }
}

/* Re-reads the pull's request counts; call after every change of them. */
void rt_watch_update(struct pull *p)
{
    struct watchdog *wd = &rt_cold(p)->wd;
    if (p->finished || wd->period == 0)
        return;
    enum watch_state st = p->n_active == 0 ? W_IDLE : p->n_flows > 0 ? W_FLOWING : W_STALLED;
    if (st == wd->state)
        return;
    watch_account(wd, rt_now(p));
    wd->state = (uint8_t)st;
    wd->seg_start = rt_now(p);
    if (st == W_STALLED)
        watch_arm(p);
    else
        watch_disarm(p);
}

void rt_watch_stop(struct pull *p)
{
    struct watchdog *wd = &rt_cold(p)->wd;
    if (wd->ev != ENGINE_NO_EVENT)
        engine_cancel(p->rt->engine, wd->ev);
    wd->ev = ENGINE_NO_EVENT;
}
