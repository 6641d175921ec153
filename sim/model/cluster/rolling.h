/*
 * rolling.h - the arithmetic of rolling updates, as the Deployment and
 * DaemonSet controllers do it (pure functions: no state, no world).
 *
 * Sources: k8s.io/apimachinery/pkg/util/intstr GetScaledValueFromIntOrPercent;
 * pkg/controller/deployment/util/deployment_util.go (ResolveFenceposts,
 * NewRSNewReplicas, MaxUnavailable); pkg/controller/deployment/rolling.go
 * (reconcileNewReplicaSet, reconcileOldReplicaSets,
 * scaleDownOldReplicaSetsForRollingUpdate); pkg/controller/daemon/update.go
 * (updatedDesiredNodeCounts) and daemon/util (UnavailableCount, SurgeCount).
 * Units: pods (or nodes, for a DaemonSet).
 */
#ifndef PULLSIM_ROLLING_H
#define PULLSIM_ROLLING_H

#include <stdint.h>

#include "spec/scenario.h"

/* An IntOrString scaled against 'total': a number as is; a percentage p
 * gives p * total / 100, rounded up or down. */
uint32_t rolling_scaled(struct scenario_intstr v, uint32_t total, bool round_up);

/* Deployment ResolveFenceposts: surge rounds up, unavailable down; when both
 * come out 0, unavailable is 1 (so the rollout can progress). */
void rolling_fenceposts(const struct scenario_rolling *r, uint32_t desired, uint32_t *surge,
                        uint32_t *unavailable);

/* NewRSNewReplicas for RollingUpdate: the new ReplicaSet's replicas after
 * reconcileNewReplicaSet, given the Deployment's replicas 'desired', 'surge',
 * the replicas of all its ReplicaSets 'total' and the new one's 'current'.
 * Never below 'current' (a scale-down of the new set does not arise here). */
uint32_t rolling_new_rs_replicas(uint32_t desired, uint32_t surge, uint32_t total,
                                 uint32_t current);

/* reconcileOldReplicaSets' maxScaledDown: allPodsCount - minAvailable -
 * newRSUnavailablePodCount, 0 when not positive. */
uint32_t rolling_old_max_scaled_down(uint32_t total, uint32_t desired, uint32_t unavailable,
                                     uint32_t new_replicas, uint32_t new_available);

/* scaleDownOldReplicaSetsForRollingUpdate's budget: available pods over all
 * ReplicaSets minus minAvailable (desired - unavailable), 0 when not
 * positive. */
uint32_t rolling_old_scale_down(uint32_t available, uint32_t desired, uint32_t unavailable);

/* DaemonSet updatedDesiredNodeCounts: maxUnavailable scaled against the
 * nodes that should run the pod, rounded up; 1 when it and maxSurge are
 * both 0 on a non-empty DaemonSet. */
uint32_t rolling_ds_max_unavailable(const struct scenario_rolling *r, uint32_t desired);

#endif
