/*
 * pullrecords.h - the kubelet's image pull manager on one node
 * (KubeletEnsureSecretPulledImages): pull intents, pulled records with the
 * credentials that pulled each image, and the decision whether a pod may use
 * a present image or must pull it again with its own credentials.
 *
 * What upstream does (spec/kubelet-semantics.md §10; read for this module:
 * kubernetes pkg/kubelet/images/pullmanager/image_pull_manager.go
 * RecordPullIntent, RecordImagePulled, RecordImagePullFailed,
 * writePulledRecordIfChanged, pulledRecordMergeNewCreds, mergePullSecrets,
 * MustAttemptImagePull, isExemptedByPolicy, lockedShouldWriteImagePreloaded,
 * PruneUnknownRecords; image_manager.go EnsureImageExists, pullImage,
 * trackedToImagePullCreds):
 *  - an intent is counted per image (the pod's image string) from just before
 *    a pull until it ends;
 *  - a pulled record is kept per image ID (imageRef) and maps the image's
 *    repository ("docker.io/library/nginx") to credentials: Preloaded,
 *    NodePodsAccessible (pulled anonymously or with the node's credentials:
 *    a TrackedAuthConfig without a Source), or pull secrets (coordinates and
 *    the hash of the auth config);
 *  - a success merges: NodePodsAccessible absorbs everything, a secret is
 *    added (or its hash updated) by coordinates, Preloaded stays only while
 *    every write says Preloaded;
 *  - MustAttemptImagePull(present image): "pulled by the kubelet" = the
 *    record has a non-preloaded mapping, or an intent exists; the policy
 *    (verifypolicy.h) then says whether to verify. Exempt: no pull (and a
 *    record with no non-preloaded mapping, or none with no intent, becomes
 *    Preloaded). Otherwise no record, no credentials in the mapping, or no
 *    pod secret matching a recorded one by hash or by coordinates: pull.
 *    A hash match under other coordinates (while fewer than 100 secrets are
 *    recorded) adds the pod's secret.
 *  - records of images no longer on the node are pruned after image GC.
 * The model: an image ID is a scenario image index; a record has the one
 *   mapping of its image's repository (Simplification: upstream may hold
 *   several names per image ID, e.g. one image under two repositories); a
 *   secret's coordinates are its secrets index, its hash the credential
 *   index (Secrets do not change during a run, so coordinates that match
 *   always carry the same hash); intents are keyed by the pod's reference
 *   (its images entry) rather than the string as written. Service account
 *   credentials and the records a restarted kubelet rebuilds from leftover
 *   intents are not modelled.
 * Ownership: a pullrecords owns its arrays; release with
 *   pullrecords_release(). Costs: O(records + recorded secrets) per call; a
 *   node holds few images.
 */
#ifndef PULLSIM_PULLRECORDS_H
#define PULLSIM_PULLRECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/keyring.h"
#include "spec/scenario.h"

/* A recorded pull secret: coordinates (secrets index) and hash (credential). */
struct pullrecords_secret {
    uint32_t secret, credential;
};

struct pullrecords_record {
    uint32_t image;        /* image ID: scenario image index */
    bool preloaded;        /* Preloaded: not pulled by the kubelet */
    bool node_accessible;  /* NodePodsAccessible */
    struct pullrecords_secret *secrets; /* KubernetesSecrets */
    size_t n_secrets, cap_secrets;
};

struct pullrecords_intent {
    uint32_t ref;   /* the pod's reference (scenario images entry) */
    uint32_t count; /* pulls in progress */
};

/* One node's records. */
struct pullrecords {
    struct pullrecords_record *records;
    size_t n, cap;
    struct pullrecords_intent *intents;
    size_t n_intents, cap_intents;
};

/* MustAttemptImagePull's outcome, with the reason (for the trace). */
enum pullrecords_verdict {
    PULLRECORDS_EXEMPT,           /* the policy needs no verification: no pull */
    PULLRECORDS_NODE_ACCESSIBLE,  /* pulled anonymously or with node credentials: no pull */
    PULLRECORDS_SECRET_MATCHES,   /* the pod has a secret that pulled it: no pull */
    PULLRECORDS_NO_RECORD,        /* no record of a pull: pull */
    PULLRECORDS_NO_CREDENTIALS,   /* the record holds no credentials (preloaded): pull */
    PULLRECORDS_OTHER_SECRETS,    /* pulled with secrets the pod does not have: pull */
};

/* Secret matching stops adding coordinates at this many recorded secrets
 * (image_pull_manager.go writeRecordWhileMatchingLimit). */
#define PULLRECORDS_WRITE_LIMIT 100

void pullrecords_init(struct pullrecords *pr);
void pullrecords_release(struct pullrecords *pr);

/* RecordPullIntent for reference 'ref'. */
void pullrecords_intent(struct pullrecords *pr, uint32_t ref);
/* RecordImagePulled: the pull of 'ref' got image ID 'image' with credential
 * 'used' (NULL: anonymous); the intent ends. */
void pullrecords_pulled(struct pullrecords *pr, uint32_t ref, uint32_t image,
                        const struct keyring_cred *used);
/* RecordImagePullFailed: the intent ends. */
void pullrecords_failed(struct pullrecords *pr, uint32_t ref);

/* MustAttemptImagePull under kubelet config k for a pod whose reference
 * 'ref' (of repository 'repo') found image ID 'image' present; 'secrets' are
 * the pod's pull secrets the keyring matched for the image (node credentials
 * excluded). May write records (Preloaded, or a matching secret's
 * coordinates). */
enum pullrecords_verdict pullrecords_must_attempt(struct pullrecords *pr,
                                                  const struct scenario_kubelet *k,
                                                  uint32_t ref, const char *repo,
                                                  uint32_t image,
                                                  const struct keyring_cred *secrets,
                                                  size_t n_secrets);
/* Does the verdict make the kubelet pull? */
bool pullrecords_verdict_pulls(enum pullrecords_verdict v);

/* PruneUnknownRecords: drops the records of images for which
 * present(arg, image) is false. */
typedef bool pullrecords_present_fn(void *arg, uint32_t image);
void pullrecords_prune(struct pullrecords *pr, pullrecords_present_fn *present, void *arg);

/* The record of image ID 'image', or NULL. */
const struct pullrecords_record *pullrecords_find(const struct pullrecords *pr, uint32_t image);

/* RequireCredentialVerificationForImage under kubelet config k, for the
 * pod image whose normalized repository is 'name': NeverVerify never;
 * NeverVerifyPreloadedImages iff the kubelet pulled it; NeverVerifyAllowlisted
 * unless allowlisted (verifypolicy.h); AlwaysVerify always. */
bool pullrecords_requires_verification(const struct scenario_kubelet *k, const char *name,
                                       bool pulled_by_kubelet);

#endif
