/*
 * pullcreds.h - which credentials the kubelet tries for a pod's image: the
 * pod's imagePullSecrets, then the node's credentials, each in keyring
 * order (keyring.h).
 *
 * Source: spec/kubelet-semantics.md §9; kubernetes
 * pkg/kubelet/images/image_manager.go makeLookupPullCredentialsFunc (the
 * lookup of the image's normalized repository in
 * MakeDockerKeyring(pod secrets, UnionDockerKeyring{node keyring, credential
 * providers})), pkg/credentialprovider/secrets/secrets.go (only Secrets of
 * type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg are read;
 * every pod secret goes into one keyring, so the pod's matches come in the
 * index order of all its secrets' keys, not secret by secret).
 * The keyrings are built once per pod template and per node pool: upstream
 * builds the pod's keyring on every pull from the same Secrets, so the
 * result is the same. A pool's credentials stand for the node's config.json
 * and its credential provider plugins (both "node" credentials: the
 * kubelet records what they pulled as NodePodsAccessible).
 * Ownership: owns its keyrings; borrows the scenario. Costs: a lookup is
 * O(keys of the pod's secrets and the pool).
 */
#ifndef PULLSIM_PULLCREDS_H
#define PULLSIM_PULLCREDS_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "spec/keyring.h"
#include "spec/scenario.h"

struct pullcreds;

/* Builds a keyring per workload (its imagePullSecrets, in order) and per
 * pool (nodePools[].credentials). */
struct pullcreds *pullcreds_new(const struct scenario *sc);
void pullcreds_free(struct pullcreds *pc);

/* Appends to (*out, *n, *cap) the credentials the kubelet tries for an image
 * of repository 'repo' ("registry.example.com/shop/api") pulled by a pod of
 * 'workload' on a node of 'pool': pod secrets first, then the node's.
 * Returns how many were appended (0: the pull is anonymous). */
size_t pullcreds_lookup(const struct pullcreds *pc, uint32_t workload, uint32_t pool,
                        const char *repo, struct keyring_cred **out, size_t *n, size_t *cap);

/* Words for a trace: "pull secret team-a-pull (credential team-a)", "the
 * node's credential nodes". */
void pullcreds_describe(const struct scenario *sc, struct keyring_cred c, struct strbuf *sb);
/* A CSV cell: "secret:team-a-pull/team-a", "node:nodes". */
void pullcreds_label(const struct scenario *sc, struct keyring_cred c, struct strbuf *sb);

#endif
