/* rolling.c - see rolling.h. */
#include "model/cluster/rolling.h"

uint32_t rolling_scaled(struct scenario_intstr v, uint32_t total, bool round_up)
{
    if (!v.percent)
        return v.value;
    /* intstr: math.Ceil / math.Floor of value * total / 100, in integers. */
    uint64_t x = (uint64_t)v.value * total;
    return (uint32_t)(round_up ? (x + 99) / 100 : x / 100);
}

void rolling_fenceposts(const struct scenario_rolling *r, uint32_t desired, uint32_t *surge,
                        uint32_t *unavailable)
{
    *surge = rolling_scaled(r->max_surge, desired, true);
    *unavailable = rolling_scaled(r->max_unavailable, desired, false);
    /* deployment_util.go ResolveFenceposts: "Validation should never allow
     * the user to explicitly use zero values for both maxSurge and
     * maxUnavailable"; rounding can still give both 0. */
    if (*surge == 0 && *unavailable == 0)
        *unavailable = 1;
}

uint32_t rolling_new_rs_replicas(uint32_t desired, uint32_t surge, uint32_t total,
                                 uint32_t current)
{
    /* NewRSNewReplicas: maxTotalPods = replicas + maxSurge; no scale-up when
     * the ReplicaSets already have that many; else up by the room left, at
     * most to 'desired'. */
    uint64_t max_total = (uint64_t)desired + surge;
    if (total >= max_total || current >= desired)
        return current;
    uint64_t up = max_total - total;
    if (up > desired - current)
        up = desired - current;
    return current + (uint32_t)up;
}

uint32_t rolling_old_max_scaled_down(uint32_t total, uint32_t desired, uint32_t unavailable,
                                     uint32_t new_replicas, uint32_t new_available)
{
    /* rolling.go reconcileOldReplicaSets: minAvailable = replicas -
     * maxUnavailable; newRSUnavailablePodCount = new spec replicas - new
     * available; maxScaledDown = allPodsCount - minAvailable - that. */
    int64_t min_available = (int64_t)desired - unavailable;
    int64_t new_unavailable = (int64_t)new_replicas - new_available;
    int64_t m = (int64_t)total - min_available - new_unavailable;
    return m > 0 ? (uint32_t)m : 0;
}

uint32_t rolling_old_scale_down(uint32_t available, uint32_t desired, uint32_t unavailable)
{
    int64_t min_available = (int64_t)desired - unavailable;
    int64_t m = (int64_t)available - min_available;
    return m > 0 ? (uint32_t)m : 0;
}

uint32_t rolling_ds_max_unavailable(const struct scenario_rolling *r, uint32_t desired)
{
    uint32_t u = rolling_scaled(r->max_unavailable, desired, true);
    uint32_t s = rolling_scaled(r->max_surge, desired, true);
    /* update.go updatedDesiredNodeCounts: "if both are 0, the DaemonSet
     * could never update": maxUnavailable becomes 1. */
    if (desired > 0 && u == 0 && s == 0)
        u = 1;
    return u;
}
