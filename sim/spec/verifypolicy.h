/*
 * verifypolicy.h - the preloadedImagesVerificationAllowlist of the
 * kubelet's image pull credential verification (KubeletEnsureSecretPulledImages):
 * its entries' validation and matching, as pure functions the scenario
 * loader and the kubelet share. Which policy requires verification is the
 * kubelet's (pullrecords_requires_verification, pullrecords.h).
 *
 * What upstream does (spec/kubelet-semantics.md §10; read for this module:
 * kubernetes pkg/kubelet/images/pullmanager/image_pull_policies.go
 * NewImagePullCredentialVerificationPolicy, NeverVerifyImagePullPolicy,
 * NeverVerifyPreloadedPullPolicy, AlwaysVerifyImagePullPolicy,
 * NewNeverVerifyAllowListedPullPolicy, imageMatches,
 * getAllowlistImagePattern; image_pull_policies_test.go):
 *  - RequireCredentialVerificationForImage(image, pulledByKubelet):
 *    NeverVerify: never; NeverVerifyPreloadedImages: iff pulledByKubelet;
 *    NeverVerifyAllowlistedImages: unless the image is allowlisted (records
 *    or not); AlwaysVerify: always.
 *  - An allowlist entry is an image name without tag or digest, or a
 *    prefix ending in a full path segment "/\*" (matching at any depth).
 *    Rejected: leading or trailing white space, an empty pattern, '*'
 *    anywhere else, "/\*" alone, and a name that ParseNormalizedNamed does
 *    not give back unchanged (so a tag, a digest, a trailing '/', or a
 *    short name such as "nginx": write docker.io/library/nginx). Duplicates
 *    collapse.
 *  - Matching: the mainline file read (kubernetes/kubernetes 5ce22905)
 *    compares the pod's image string as written, which cannot match a
 *    tagged image ("test.io/test/test-image:tag") as the upstream test
 *    (image_pull_policies_test.go, commit 19621c1c) requires; pull request
 *    kubernetes/kubernetes#137629 (merged 2026-03, "familiar image names
 *    ... wouldn't properly match") fixed the comparison. pullsim compares
 *    the pod image's normalized repository name ("docker.io/library/nginx")
 *    with the entries: exact, or starting with a wildcard's prefix. (A
 *    forked copy, zylxjtu/kubernetes, strips tag and digest without
 *    normalizing; spec §10 caveat 8 leaves it open.)
 * Ownership: nothing. Costs: O(entries).
 */
#ifndef PULLSIM_VERIFYPOLICY_H
#define PULLSIM_VERIFYPOLICY_H

#include <stdbool.h>
#include <stddef.h>

#define VERIFYPOLICY_ERRLEN 512

/* getAllowlistImagePattern: the stored form of one allowlist entry - the
 * name itself, or for "prefix/\*" the prefix with its '/' ("test.io/team/")
 * - as a new string (caller frees); NULL with the upstream error text in
 * err when the entry is invalid. */
char *verifypolicy_allowlist_pattern(const char *entry, char *err, size_t errlen);

/* Is repository 'name' (normalized, e.g. "docker.io/library/nginx")
 * matched by stored patterns[0..n)? */
bool verifypolicy_allowlisted(char *const *patterns, size_t n, const char *name);

#endif
