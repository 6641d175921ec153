/*
 * scenario_kubelet.c - kubelet configs (scenario_internal.h): the upstream
 * defaults (scenario_kubelet_defaults, public in scenario.h), the
 * kubeletConfigs section, and the kubelet config written inline in a node
 * pool. Defaulting and validation follow the kubelet and reproduce its
 * messages: image pull limits, registry QPS and burst, image GC, feature
 * gates, and the credential verification policy with its allowlist.
 */
#include "spec/scenario_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "spec/verifypolicy.h"

void scenario_kubelet_defaults(struct scenario_kubelet *k)
{
    /* Source: spec/kubelet-semantics.md §6; upstream
     * pkg/kubelet/apis/config/v1beta1/defaults.go (registryPullQPS 5,
     * registryBurst 10, serializeImagePulls true, maxParallelImagePulls nil). */
    *k = (struct scenario_kubelet){
        .name = NULL,
        .inline_config = false,
        .serialize_image_pulls = true,
        .max_parallel_image_pulls = 0,
        .registry_pull_qps = 5,
        .registry_burst = 10,
        /* Source: spec §8; v1beta1/defaults.go: imageGCHighThresholdPercent 85,
         * imageGCLowThresholdPercent 80, imageMinimumGCAge 2m, imageMaximumGCAge 0. */
        .image_gc_high_threshold = 85,
        .image_gc_low_threshold = 80,
        .image_minimum_gc_age = 120,
        .image_maximum_gc_age = 0,
        /* Source: spec §10; pkg/features/kube_features.go: KubeletEnsureSecretPulledImages
         * beta and on by default since 1.35; the policy defaults to
         * NeverVerifyPreloadedImages while the gate is on. */
        .ensure_secret_pulled_images = true,
        .verify_policy = SCENARIO_VERIFY_NEVER_PRELOADED,
    };
}

/* Go's %v for a float64 that holds an integer prints no decimals. */
static void format_go_number(double x, char *buf, size_t len)
{
    snprintf(buf, len, "%.15g", x);
}

/* Image GC keys of a kubelet config. Source: spec §8; upstream
 * pkg/kubelet/apis/config/validation/validation.go ValidateKubeletConfiguration
 * (texts verbatim, read at the same commit as below). A negative
 * imageMaximumGCAge cannot be written (durations have no sign); the
 * ImageMaximumGCAge gate is on by default since 1.30, so its message never
 * applies. */
static void parse_kubelet_gc(struct ctx *c, const struct scn_node *m, struct scenario_kubelet *k)
{
    const struct scn_node *hv = scn_get(m, "imageGCHighThresholdPercent");
    const struct scn_node *lv = scn_get(m, "imageGCLowThresholdPercent");
    const struct scn_node *minv = scn_get(m, "imageMinimumGCAge");
    const struct scn_node *maxv = scn_get(m, "imageMaximumGCAge");
    int64_t high = k->image_gc_high_threshold, low = k->image_gc_low_threshold;
    bool ok = true;
    if (hv && scn_to_int(c, hv, "imageGCHighThresholdPercent", INT32_MIN, INT32_MAX, NULL, &high))
        ok = false;
    if (lv && scn_to_int(c, lv, "imageGCLowThresholdPercent", INT32_MIN, INT32_MAX, NULL, &low))
        ok = false;
    if (ok && (high < 0 || high > 100)) {
        diag_error(c->d, hv->loc, "invalid configuration: imageGCHighThresholdPercent "
                   "(--image-gc-high-threshold) %" PRId64 " must be between 0 and 100, "
                   "inclusive", high);
        ok = false;
    }
    if (lv && (low < 0 || low > 100)) {
        diag_error(c->d, lv->loc, "invalid configuration: imageGCLowThresholdPercent "
                   "(--image-gc-low-threshold) %" PRId64 " must be between 0 and 100, "
                   "inclusive", low);
        ok = false;
    }
    if (ok && low >= high) {
        diag_error(c->d, (lv ? lv : hv)->loc, "invalid configuration: "
                   "imageGCLowThresholdPercent (--image-gc-low-threshold) %" PRId64 " must be "
                   "less than imageGCHighThresholdPercent (--image-gc-high-threshold) %" PRId64,
                   low, high);
        ok = false;
    }
    if (ok) {
        k->image_gc_high_threshold = (uint32_t)high;
        k->image_gc_low_threshold = (uint32_t)low;
    }
    if (minv)
        scn_to_duration(c, minv, "imageMinimumGCAge", false, &k->image_minimum_gc_age);
    if (maxv &&
        scn_to_duration(c, maxv, "imageMaximumGCAge", false, &k->image_maximum_gc_age) == 0 &&
        k->image_maximum_gc_age > 0 && k->image_maximum_gc_age <= k->image_minimum_gc_age) {
        char a[64], b[64];
        units_go_duration(k->image_maximum_gc_age, a, sizeof(a));
        units_go_duration(k->image_minimum_gc_age, b, sizeof(b));
        diag_error(c->d, maxv->loc, "invalid configuration: imageMaximumGCAge %s must be "
                   "greater than imageMinimumGCAge %s", a, b);
    }
}

/* kubeletConfigs.<name>.featureGates: a mapping from a gate name to true or
 * false. pullsim models two gates: RuntimeClassInImageCriApi (alpha since
 * 1.29, default false: spec §11; runtimeclass.h says what it changes) and
 * KubeletEnsureSecretPulledImages (beta since 1.35, default true: spec §10;
 * pullrecords.h). Source: upstream pkg/features/kube_features.go. Any other
 * name is an error, as the kubelet rejects a gate it does not know
 * (k8s.io/component-base featuregate SetFromMap: "unrecognized feature
 * gate"). */
static void parse_feature_gates(struct ctx *c, const struct scn_node *v, const char *where,
                                struct scenario_kubelet *k)
{
    static const char *const gates[] = {"RuntimeClassInImageCriApi",
                                        "KubeletEnsureSecretPulledImages"};
    if (scn_is_null(v) || scn_want_map(c, v, "featureGates") != 0)
        return;
    for (size_t i = 0; i < v->n_pairs; i++) {
        const struct scn_node *key = v->pairs[i].key, *val = v->pairs[i].value;
        if (key->kind != NODE_SCALAR)
            continue;
        if (!strcmp(key->text, gates[0])) {
            scn_to_bool(c, val, key->text, &k->runtime_class_in_image_cri_api);
        } else if (!strcmp(key->text, gates[1])) {
            scn_to_bool(c, val, key->text, &k->ensure_secret_pulled_images);
        } else {
            struct strbuf sb;
            strbuf_init(&sb);
            strbuf_addf(&sb, "featureGates: unrecognized feature gate '%s' in %s (pullsim "
                        "models two gates)", key->text, where);
            scn_add_expected(&sb, key->text, gates, N_OF(gates));
            scn_error_sb(c, key->loc, &sb);
        }
    }
}

/* kubeletConfigs.<name>.imagePullCredentialsVerificationPolicy (one of the
 * four upstream values; NewImagePullCredentialVerificationPolicy rejects any
 * other) and preloadedImagesVerificationAllowlist (a list of image names or
 * "prefix/\*", each checked as getAllowlistImagePattern does, with its error
 * texts: verifypolicy.h). Source: spec §10; image_pull_policies.go. The
 * allowlist is read only under NeverVerifyAllowlistedImages, as upstream. */
/* enum scenario_verify_policy's names, in its order. */
static const char *const verify_policies[] = {"NeverVerify", "NeverVerifyPreloadedImages",
                                              "NeverVerifyAllowlistedImages", "AlwaysVerify"};

const char *scenario_verify_policy_name(enum scenario_verify_policy p)
{
    return verify_policies[p];
}

static void parse_verification(struct ctx *c, const struct scn_node *m, const char *where,
                               struct scenario_kubelet *k)
{
    const char *const *policies = verify_policies;
    const struct scn_node *v = scn_get(m, "imagePullCredentialsVerificationPolicy");
    int pol;
    if (v && scn_to_enum(c, v, "imagePullCredentialsVerificationPolicy",
                         "an image pull credentials verification policy", policies,
                         N_OF(verify_policies), &pol) == 0)
        k->verify_policy = (enum scenario_verify_policy)pol;
    const struct scn_node *list = scn_get_list(c, m, "preloadedImagesVerificationAllowlist", where,
                                           false, "images");
    size_t cap = 0;
    for (size_t i = 0; list && i < list->n_items; i++) {
        char key[64], err[VERIFYPOLICY_ERRLEN];
        snprintf(key, sizeof(key), "preloadedImagesVerificationAllowlist[%zu]", i);
        const struct scn_node *it = list->items[i];
        if (scn_want_scalar(c, it, key, "an image name such as docker.io/library/nginx") != 0)
            continue;
        char *pat = verifypolicy_allowlist_pattern(it->text, err, sizeof(err));
        if (!pat) {
            diag_error(c->d, it->loc, "%s: %s; expected a fully qualified image name without "
                       "tag or digest (e.g. docker.io/library/nginx) or a prefix ending in "
                       "'/*'", key, err);
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < k->n_allowlist && !dup; j++)
            dup = !strcmp(k->allowlist[j], pat);
        if (dup)
            free(pat); /* duplicates collapse (a set upstream) */
        else
            *(char **)VEC_PUSH(k->allowlist, k->n_allowlist, cap) = pat;
    }
}

/* The pull keys of a kubelet config: serializeImagePulls, maxParallelImagePulls,
 * registryPullQPS and registryBurst, defaulted and validated as the kubelet
 * does (sources: scn_parse_kubelet below). */
static void parse_kubelet_pulls(struct ctx *c, const struct scn_node *m, struct scenario_kubelet *k)
{
    const struct scn_node *sv = scn_get(m, "serializeImagePulls");
    const struct scn_node *pv = scn_get(m, "maxParallelImagePulls");
    const struct scn_node *qv = scn_get(m, "registryPullQPS");
    const struct scn_node *bv = scn_get(m, "registryBurst");
    bool serialize = true, serialize_ok = false, pulls_ok = false;
    int64_t pulls = 0, burst = k->registry_burst;
    double qps = k->registry_pull_qps;
    char num[64];
    if (sv)
        serialize_ok = scn_to_bool(c, sv, "serializeImagePulls", &serialize) == 0;
    if (pv)
        pulls_ok = scn_to_int(c, pv, "maxParallelImagePulls", INT32_MIN, INT32_MAX, NULL,
                              &pulls) == 0;
    if (bv && scn_to_int(c, bv, "registryBurst", INT32_MIN, INT32_MAX, NULL, &burst) == 0) {
        if (burst < 0)
            diag_error(c->d, bv->loc, "invalid configuration: registryBurst (--registry-burst) "
                       "%" PRId64 " must not be a negative number", burst);
        else
            k->registry_burst = (uint32_t)burst;
    }
    if (qv && scn_to_number(c, qv, "registryPullQPS", &qps) == 0) {
        format_go_number(qps, num, sizeof(num));
        if (qps < 0)
            diag_error(c->d, qv->loc, "invalid configuration: registryPullQPS (--registry-qps) "
                       "%s must not be a negative number", num);
        else
            k->registry_pull_qps = qps;
    }
    /* Defaulting: serializeImagePulls nil -> true, unless maxParallelImagePulls >= 2. */
    if (!sv)
        serialize = !(pulls_ok && pulls >= 2);
    k->serialize_image_pulls = serialize;
    if (!pulls_ok)
        return;
    if (pulls < 1) {
        diag_error(c->d, pv->loc, "invalid configuration: maxParallelImagePulls %" PRId64
                   " must be a positive number", pulls);
        return;
    }
    if (serialize && pulls > 1) {
        diag_error(c->d, pv->loc, "invalid configuration: maxParallelImagePulls cannot be "
                   "larger than 1 unless SerializeImagePulls (--serialize-image-pulls) is set "
                   "to false");
        if (serialize_ok)
            diag_note(c->d, sv->loc, "serializeImagePulls is set to true here");
        return;
    }
    k->max_parallel_image_pulls = (uint32_t)pulls;
}

/* A kubelet config, named (kubeletConfigs.<name>) or inline in a pool.
 * Keys: serializeImagePulls, maxParallelImagePulls, registryPullQPS, registryBurst,
 * imageGCHighThresholdPercent, imageGCLowThresholdPercent, imageMinimumGCAge,
 * imageMaximumGCAge, featureGates, imagePullCredentialsVerificationPolicy,
 * preloadedImagesVerificationAllowlist.
 * Defaulting and validation follow the kubelet (spec/kubelet-semantics.md §6;
 * upstream pkg/kubelet/apis/config/v1beta1/defaults.go and
 * pkg/kubelet/apis/config/validation/validation.go ValidateKubeletConfiguration,
 * whose error texts are reproduced verbatim, read at kubernetes/kubernetes
 * commit 001332b0422071acf4860769f18e34b5e9b7c1bc). 'name' is taken over. */
void scn_parse_kubelet(struct ctx *c, const struct scn_node *m, char *name, const char *where,
                       bool inline_config, struct diag_loc loc)
{
    static const char *const keys[] = {"serializeImagePulls", "maxParallelImagePulls",
                                       "registryPullQPS", "registryBurst",
                                       "imageGCHighThresholdPercent",
                                       "imageGCLowThresholdPercent", "imageMinimumGCAge",
                                       "imageMaximumGCAge", "featureGates",
                                       "imagePullCredentialsVerificationPolicy",
                                       "preloadedImagesVerificationAllowlist"};
    struct scenario *s = c->s;
    struct scenario_kubelet *k = VEC_PUSH(s->kubelet_configs, s->n_kubelet_configs,
                                          c->cap_kubelets);
    scenario_kubelet_defaults(k);
    k->name = name;
    k->inline_config = inline_config;
    k->loc = loc;
    if (scn_want_map(c, m, where) != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    parse_kubelet_gc(c, m, k);
    const struct scn_node *gv = scn_get(m, "featureGates");
    if (gv)
        parse_feature_gates(c, gv, where, k);
    parse_verification(c, m, where, k);
    parse_kubelet_pulls(c, m, k);
}

/* kubeletConfigs: a mapping from a config name to a kubelet config (keys above). */
void scn_parse_kubelet_configs(struct ctx *c, const struct scn_node *root)
{
    const struct scn_node *v = scn_get(root, "kubeletConfigs");
    c->kubelets_ok = true;
    if (!v || scn_is_null(v))
        return;
    if (scn_want_map(c, v, "kubeletConfigs") != 0) {
        c->kubelets_ok = false;
        return;
    }
    for (size_t i = 0; i < v->n_pairs; i++) {
        const struct scn_node *key = v->pairs[i].key;
        char *name = NULL;
        if (key->kind != NODE_SCALAR ||
            scn_to_folder_name(c, key, "kubeletConfigs", &name) != 0)
            continue;
        char *w = xasprintf("kubeletConfigs.%s", name);
        scn_strmap_put(&c->kubelets, name, (uint32_t)c->s->n_kubelet_configs);
        scn_parse_kubelet(c, v->pairs[i].value, name, w, false, key->loc);
        free(w);
    }
}
