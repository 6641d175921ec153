/* pullrecords.c - see pullrecords.h for the model and its sources. */
#include "model/kubelet/pullrecords.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "spec/verifypolicy.h"

void pullrecords_init(struct pullrecords *pr)
{
    *pr = (struct pullrecords){0};
}

void pullrecords_release(struct pullrecords *pr)
{
    for (size_t i = 0; i < pr->n; i++)
        free(pr->records[i].secrets);
    free(pr->records);
    free(pr->intents);
    pullrecords_init(pr);
}

/* ---------------------------------------------------------------- intents */

static struct pullrecords_intent *intent_of(struct pullrecords *pr, uint32_t ref)
{
    for (size_t i = 0; i < pr->n_intents; i++)
        if (pr->intents[i].ref == ref)
            return &pr->intents[i];
    return NULL;
}

void pullrecords_intent(struct pullrecords *pr, uint32_t ref)
{
    struct pullrecords_intent *in = intent_of(pr, ref);
    if (!in) {
        in = VEC_PUSH(pr->intents, pr->n_intents, pr->cap_intents);
        in->ref = ref;
    }
    in->count++;
}

/* decrementImagePullIntent: the last pull of 'ref' removes the intent. */
static void intent_done(struct pullrecords *pr, uint32_t ref)
{
    struct pullrecords_intent *in = intent_of(pr, ref);
    if (!in)
        return;
    if (--in->count == 0)
        *in = pr->intents[--pr->n_intents]; /* order of intents never matters */
}

void pullrecords_failed(struct pullrecords *pr, uint32_t ref)
{
    intent_done(pr, ref);
}

/* ---------------------------------------------------------------- records */

/* Index of the record of 'image', or pr->n. */
static size_t index_of(const struct pullrecords *pr, uint32_t image)
{
    size_t i = 0;
    while (i < pr->n && pr->records[i].image != image)
        i++;
    return i;
}

static struct pullrecords_record *find(struct pullrecords *pr, uint32_t image)
{
    size_t i = index_of(pr, image);
    return i < pr->n ? &pr->records[i] : NULL;
}

const struct pullrecords_record *pullrecords_find(const struct pullrecords *pr, uint32_t image)
{
    size_t i = index_of(pr, image);
    return i < pr->n ? &pr->records[i] : NULL;
}

static struct pullrecords_record *add_record(struct pullrecords *pr, uint32_t image)
{
    struct pullrecords_record *r = VEC_PUSH(pr->records, pr->n, pr->cap);
    r->image = image;
    return r;
}

/* mergePullSecrets for one secret: added by coordinates, or its hash updated. */
static void merge_secret(struct pullrecords_record *r, struct pullrecords_secret s)
{
    for (size_t i = 0; i < r->n_secrets; i++) {
        if (r->secrets[i].secret == s.secret) {
            r->secrets[i].credential = s.credential;
            return;
        }
    }
    *VEC_PUSH(r->secrets, r->n_secrets, r->cap_secrets) = s;
}

void pullrecords_pulled(struct pullrecords *pr, uint32_t ref, uint32_t image,
                        const struct keyring_cred *used)
{
    struct pullrecords_record *r = find(pr, image);
    if (!r)
        r = add_record(pr, image);
    /* trackedToImagePullCreds: anonymous or node credentials (no Source) are
     * NodePodsAccessible; pulledRecordMergeNewCreds keeps that once set. */
    if (!r->node_accessible) {
        r->preloaded = false;
        if (!used || used->secret == KEYRING_NODE) {
            r->node_accessible = true;
            r->n_secrets = 0;
        } else {
            merge_secret(r, (struct pullrecords_secret){used->secret, used->credential});
        }
    }
    intent_done(pr, ref);
}

/* ---------------------------------------------------------------- decision */

/* isExemptedByPolicy's "pulled by the kubelet": a record whose mapping is
 * not Preloaded, or an intent for the reference. */
static bool pulled_by_kubelet(struct pullrecords *pr, const struct pullrecords_record *r,
                              uint32_t ref)
{
    if (r && !r->preloaded)
        return true;
    return intent_of(pr, ref) != NULL;
}


/* RequireCredentialVerificationForImage. Source: spec §10;
 * image_pull_policies.go (NeverVerifyImagePullPolicy,
 * NeverVerifyPreloadedPullPolicy, NewNeverVerifyAllowListedPullPolicy,
 * AlwaysVerifyImagePullPolicy). */
bool pullrecords_requires_verification(const struct scenario_kubelet *k, const char *name,
                                       bool pulled_by_kubelet)
{
    switch (k->verify_policy) {
    case SCENARIO_VERIFY_NEVER:
        return false;
    case SCENARIO_VERIFY_NEVER_PRELOADED:
        return pulled_by_kubelet;
    case SCENARIO_VERIFY_NEVER_ALLOWLISTED:
        return !verifypolicy_allowlisted(k->allowlist, k->n_allowlist, name);
    case SCENARIO_VERIFY_ALWAYS:
        return true;
    }
    return true;
}

/* The pod's secret matches a recorded one by hash (credential) or by
 * coordinates (secret). A hash match under new coordinates is recorded while
 * fewer than PULLRECORDS_WRITE_LIMIT secrets are. */
static bool secret_matches(struct pullrecords_record *r, const struct keyring_cred *secrets,
                           size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < r->n_secrets; j++) {
            const struct pullrecords_secret *c = &r->secrets[j];
            bool hash = c->credential == secrets[i].credential;
            bool coords = c->secret == secrets[i].secret;
            if (!hash && !coords)
                continue;
            if (hash != coords && r->n_secrets < PULLRECORDS_WRITE_LIMIT)
                merge_secret(r, (struct pullrecords_secret){secrets[i].secret,
                                                            secrets[i].credential});
            return true;
        }
    }
    return false;
}

enum pullrecords_verdict pullrecords_must_attempt(struct pullrecords *pr,
                                                  const struct scenario_kubelet *k,
                                                  uint32_t ref, const char *repo,
                                                  uint32_t image,
                                                  const struct keyring_cred *secrets,
                                                  size_t n_secrets)
{
    struct pullrecords_record *r = find(pr, image);
    if (!pullrecords_requires_verification(k, repo, pulled_by_kubelet(pr, r, ref))) {
        /* lockedShouldWriteImagePreloaded: only when nothing says the kubelet
         * pulled it (every mapping Preloaded, or no record and no intent). */
        if (!r && !intent_of(pr, ref))
            add_record(pr, image)->preloaded = true;
        return PULLRECORDS_EXEMPT;
    }
    if (!r)
        return PULLRECORDS_NO_RECORD;
    if (r->node_accessible)
        return PULLRECORDS_NODE_ACCESSIBLE;
    if (r->n_secrets == 0)
        return PULLRECORDS_NO_CREDENTIALS;
    return secret_matches(r, secrets, n_secrets) ? PULLRECORDS_SECRET_MATCHES
                                                 : PULLRECORDS_OTHER_SECRETS;
}

bool pullrecords_verdict_pulls(enum pullrecords_verdict v)
{
    switch (v) {
    case PULLRECORDS_EXEMPT:
    case PULLRECORDS_NODE_ACCESSIBLE:
    case PULLRECORDS_SECRET_MATCHES:
        return false;
    case PULLRECORDS_NO_RECORD:
    case PULLRECORDS_NO_CREDENTIALS:
    case PULLRECORDS_OTHER_SECRETS:
        return true;
    }
    return true;
}

void pullrecords_prune(struct pullrecords *pr, pullrecords_present_fn *present, void *arg)
{
    size_t j = 0;
    for (size_t i = 0; i < pr->n; i++) {
        if (present(arg, pr->records[i].image))
            pr->records[j++] = pr->records[i];
        else
            free(pr->records[i].secrets);
    }
    pr->n = j;
}
