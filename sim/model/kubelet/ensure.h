/*
 * ensure.h - the kubelet's EnsureImageExists decision for one container: a
 * pure function of what the kubelet knows at that moment, so the decision
 * is the same code in a run and in the upstream vectors' harness.
 *
 * Source: spec §3; pkg/kubelet/images/image_manager.go EnsureImageExists,
 * imagePullPrecheck, pullImage. In order:
 *   1. the reference does not take a default tag (applyDefaultImageTag):
 *      InspectFailed, ErrInvalidImageName; no CRI call, no back-off.
 *   2. Always: no presence check at all; IfNotPresent and Never ask the
 *      runtime (CRI ImageStatus, the vectors' GetImageRef).
 *   3. present and KubeletEnsureSecretPulledImages requires no pull:
 *      Pulled ("already present on machine"), success.
 *   4. Never, absent or present with a pull required: ErrImageNeverPull
 *      (presence is not revealed).
 *   5. in back-off (key pod + image string): BackOff, ErrImagePullBackOff;
 *      no CRI call, no puller slot, no QPS token.
 *   6. otherwise Pulling: the request goes to the puller.
 * Units: none; times stay with the caller (backoff.h).
 */
#ifndef PULLSIM_ENSURE_H
#define PULLSIM_ENSURE_H

#include <stdbool.h>

#include "spec/scenario.h"

enum ensure_action {
    ENSURE_INVALID_NAME, /* InspectFailed / ErrInvalidImageName */
    ENSURE_USE_PRESENT,  /* Pulled: already present */
    ENSURE_NEVER_PULL,   /* ErrImageNeverPull */
    ENSURE_BACKOFF,      /* BackOff / ErrImagePullBackOff */
    ENSURE_PULL,         /* Pulling: hand the request to the puller */
};

/* What the kubelet knows. 'present' and 'must_pull' are read only when
 * ensure_checks_presence() holds, so a caller computes them only then. */
struct ensure_facts {
    enum scenario_pull_policy policy;
    bool invalid_name; /* applyDefaultImageTag failed */
    bool present;      /* the runtime has the image for the pod's handler */
    bool must_pull;    /* present, but MustAttemptImagePull says pull (spec §10) */
    bool in_backoff;   /* IsInBackOffSinceUpdate for the pod's key, now */
};

/* Does the policy make the kubelet ask the runtime whether the image is
 * there (a CRI ImageStatus call)? False for Always. */
bool ensure_checks_presence(enum scenario_pull_policy policy);

/* The kubelet's next step for the container. */
enum ensure_action ensure_decide(const struct ensure_facts *f);

#endif
