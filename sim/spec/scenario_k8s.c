/*
 * scenario_k8s.c - Kubernetes objects pasted into a scenario become the
 * scenario's own form, in the tree, before any section is read
 * (scenario_internal.h: scn_k8s_normalize).
 *
 * Accepted:
 *  - a workloads entry that is a Pod (v1), Deployment or DaemonSet (apps/v1):
 *    apiVersion, kind, metadata (name; the rest has no effect on pulls),
 *    spec (a Pod's spec is its pod spec; a Deployment's replicas, and for
 *    both controllers template.spec, strategy / updateStrategy and
 *    minReadySeconds, which the rollout model reads as the scenario's own
 *    keys; selector, revisionHistoryLimit, progressDeadlineSeconds and
 *    template.metadata have no effect on pulls), status
 *    (output, ignored); beside them pullsim's own keys at, placement, pool.
 *    In the pod spec: containers, initContainers (name, image,
 *    imagePullPolicy; pullsim's runFor), imagePullSecrets, runtimeClassName.
 *  - a kubeletConfigs value (or a pool's inline kubelet config) that is a
 *    KubeletConfiguration (kubelet.config.k8s.io/v1beta1): the fields
 *    scenario_kubelet.c models are read as they are.
 * Every other field is dropped; one warning lists them all (by kind and
 * path, each once), at the first one. Errors (wrong apiVersion, kind,
 * missing metadata.name or spec) point at the value, as elsewhere; the
 * entry then becomes a NODE_BAD that later checks skip.
 * The rewritten entry keeps the nodes of the file (and their locations),
 * so a bad image or policy in a pasted Deployment is reported at its place.
 * The effective scenario (scenario.yaml) is then written in pullsim's form.
 */
#include "spec/scenario_internal.h"

#include <stdlib.h>
#include <string.h>

/* At most this many ignored fields are named in the warning. */
#define IGNORED_SHOWN 12

struct k8s {
    struct ctx *c;
    char *ignored[IGNORED_SHOWN]; /* distinct "Kind.path" names */
    size_t n_ignored, more;       /* names kept; further distinct ones not kept */
    struct diag_loc first;        /* of the first ignored field */
};

/* The modelled KubeletConfiguration fields: scenario_kubelet.c's keys. */
static const char *const KUBELET_KEYS[] = {
    "serializeImagePulls", "maxParallelImagePulls", "registryPullQPS", "registryBurst",
    "imageGCHighThresholdPercent", "imageGCLowThresholdPercent", "imageMinimumGCAge",
    "imageMaximumGCAge", "featureGates", "imagePullCredentialsVerificationPolicy",
    "preloadedImagesVerificationAllowlist"};

static struct scn_node *new_node(enum scn_node_kind kind, struct diag_loc loc, const char *text)
{
    struct scn_node *n = xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->loc = loc;
    n->style = YAML_PLAIN_SCALAR_STYLE;
    n->text = text ? xstrdup(text) : NULL;
    return n;
}

/* Removes 'key' from map and returns its value (the caller owns it), or NULL. */
static struct scn_node *take(struct scn_node *map, const char *key)
{
    for (size_t i = 0; i < map->n_pairs; i++) {
        struct pair *p = &map->pairs[i];
        if (p->key->kind != NODE_SCALAR || strcmp(p->key->text, key) != 0)
            continue;
        struct scn_node *v = p->value;
        scn_node_free(p->key);
        memmove(p, p + 1, (map->n_pairs - i - 1) * sizeof(*p));
        map->n_pairs--;
        return v;
    }
    return NULL;
}

static void put(struct scn_node *map, const char *key, struct scn_node *value)
{
    struct pair *p = VEC_PUSH(map->pairs, map->n_pairs, map->cap_pairs);
    p->key = new_node(NODE_SCALAR, value->loc, key);
    p->value = value;
}

static void note_ignored(struct k8s *k, const char *name, struct diag_loc at)
{
    for (size_t i = 0; i < k->n_ignored; i++)
        if (strcmp(k->ignored[i], name) == 0)
            return;
    if (k->n_ignored == 0 && k->more == 0)
        k->first = at;
    if (k->n_ignored < IGNORED_SHOWN)
        k->ignored[k->n_ignored++] = xstrdup(name);
    else
        k->more++;
}

static bool listed(const char *key, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(key, keys[i]) == 0)
            return true;
    return false;
}

/* Drops every key of map not in 'keep' or 'quiet': those not in 'quiet'
 * are noted as ignored under "<prefix>.<key>". */
static void keep_only(struct k8s *k, struct scn_node *map, const char *const *keep, size_t n_keep,
                      const char *const *quiet, size_t n_quiet, const char *prefix)
{
    size_t j = 0;
    for (size_t i = 0; i < map->n_pairs; i++) {
        struct pair p = map->pairs[i];
        const char *key = p.key->kind == NODE_SCALAR ? p.key->text : "?";
        if (listed(key, keep, n_keep)) {
            map->pairs[j++] = p;
            continue;
        }
        if (!listed(key, quiet, n_quiet)) {
            char *name = xasprintf("%s.%s", prefix, key);
            note_ignored(k, name, p.key->loc);
            free(name);
        }
        scn_node_free(p.key);
        scn_node_free(p.value);
    }
    map->n_pairs = j;
}

/* A pod spec in place: the modelled keys, and in each container its own. */
static void pod_spec(struct k8s *k, struct scn_node *spec, const char *prefix)
{
    static const char *const keys[] = {"containers", "initContainers", "imagePullSecrets",
                                       "runtimeClassName"};
    static const char *const container_keys[] = {"name", "image", "imagePullPolicy", "runFor"};
    keep_only(k, spec, keys, N_OF(keys), NULL, 0, prefix);
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t l = 0; l < N_OF(lists); l++) {
        const struct scn_node *v = scn_get(spec, lists[l]);
        if (!v || v->kind != NODE_SEQ)
            continue;
        char *p = xasprintf("%s.%s[]", prefix, lists[l]);
        for (size_t i = 0; i < v->n_items; i++)
            if (v->items[i]->kind == NODE_MAP)
                keep_only(k, v->items[i], container_keys, N_OF(container_keys), NULL, 0, p);
        free(p);
    }
}

/* The value of 'key' in map (a mapping), or NULL after an error at the map. */
static struct scn_node *want_map(struct k8s *k, struct scn_node *map, const char *key,
                             const char *path, const char *where)
{
    const struct scn_node *v = scn_get(map, key);
    if (!v) {
        diag_error(k->c->d, map->loc, "missing required key '%s' in %s; expected a %s "
                   "mapping", key, where, path);
        return NULL;
    }
    if (scn_want_map(k->c, v, path) != 0)
        return NULL;
    return (struct scn_node *)v;
}

enum { K_POD, K_DEPLOYMENT, K_DAEMONSET };

/* apiVersion and kind of a workload object: its K_ value, or -1 after an error. */
static int workload_kind(struct k8s *k, const struct scn_node *m, const char *where)
{
    static const char *const kinds[] = {"Pod", "Deployment", "DaemonSet"};
    static const char *const apis[] = {"v1", "apps/v1", "apps/v1"};
    const struct scn_node *kv = scn_get(m, "kind"), *av = scn_get(m, "apiVersion");
    int kind;
    if (!kv)
        return scn_missing(k->c, m, "kind", where);
    if (scn_to_enum(k->c, kv, "kind", "a workload kind pullsim models", kinds, N_OF(kinds),
                    &kind) != 0)
        return -1;
    if (!av)
        return scn_missing(k->c, m, "apiVersion", where);
    if (scn_want_scalar(k->c, av, "apiVersion", "an API version") != 0)
        return -1;
    if (strcmp(av->text, apis[kind]) != 0)
        return diag_error(k->c->d, av->loc, "apiVersion: '%s' is not the API of a %s; "
                          "expected %s", av->text, kinds[kind], apis[kind]);
    return kind;
}

/* Takes the pod spec out of a workload object's spec: the spec itself for a
 * Pod, spec.template.spec for a controller. NULL after an error. */
static struct scn_node *take_pod_spec(struct k8s *k, struct scn_node *m, int kind, const char *where,
                                  struct scn_node **replicas, struct scn_node **rollout)
{
    static const char *const quiet[] = {"selector", "revisionHistoryLimit",
                                        "progressDeadlineSeconds", "template"};
    static const char *const rollout_keys[] = {"strategy", "updateStrategy",
                                               "minReadySeconds"};
    static const char *const kinds[] = {"Pod", "Deployment", "DaemonSet"};
    struct scn_node *spec = want_map(k, m, "spec", "spec", where);
    if (!spec)
        return NULL;
    if (kind == K_POD)
        return take(m, "spec");
    struct scn_node *tmpl = want_map(k, spec, "template", "spec.template", where);
    struct scn_node *ps = tmpl ? want_map(k, tmpl, "spec", "spec.template.spec", where) : NULL;
    if (!ps)
        return NULL;
    ps = take(tmpl, "spec");
    if (kind == K_DEPLOYMENT)
        *replicas = take(spec, "replicas");
    /* Both spellings move: the workload parser says which one a kind takes. */
    for (size_t i = 0; i < N_OF(rollout_keys); i++)
        rollout[i] = take(spec, rollout_keys[i]);
    char *prefix = xasprintf("%s.spec", kinds[kind]);
    keep_only(k, spec, NULL, 0, quiet, N_OF(quiet), prefix);
    free(prefix);
    return ps;
}

/* One workloads entry that is a Kubernetes object, rewritten in place into
 * {name, kind, replicas, at, placement, pool, template}. */
static void workload(struct k8s *k, struct scn_node **slot, const char *where)
{
    static const char *const keys[] = {"apiVersion", "kind", "metadata", "spec", "status",
                                       "at", "placement", "pool"};
    static const char *const kinds[] = {"Pod", "Deployment", "DaemonSet"};
    static const char *const own[] = {"at", "placement", "pool"};
    static const char *const rollout_keys[] = {"strategy", "updateStrategy",
                                               "minReadySeconds"};
    struct scn_node *m = *slot;
    struct scn_node *meta = NULL, *name = NULL, *ps = NULL, *replicas = NULL;
    struct scn_node *rollout[3] = {NULL, NULL, NULL};
    int kind;
    if (CHECK_KEYS(k->c, m, keys, where) != 0 || (kind = workload_kind(k, m, where)) < 0 ||
        !(meta = want_map(k, m, "metadata", "metadata", where)))
        goto bad;
    if (!(name = take(meta, "name"))) {
        diag_error(k->c->d, meta->loc, "missing required key 'name' in %s.metadata; expected "
                   "the %s's name", where, kinds[kind]);
        goto bad;
    }
    char *prefix = xasprintf("%s.spec%s", kinds[kind], kind == K_POD ? "" : ".template.spec");
    ps = take_pod_spec(k, m, kind, where, &replicas, rollout);
    if (ps && ps->kind == NODE_MAP)
        pod_spec(k, ps, prefix);
    free(prefix);
    if (!ps)
        goto bad;
    struct scn_node *out = new_node(NODE_MAP, m->loc, NULL);
    put(out, "name", name);
    put(out, "kind", take(m, "kind"));
    if (replicas)
        put(out, "replicas", replicas);
    for (size_t i = 0; i < N_OF(own); i++) {
        struct scn_node *v = take(m, own[i]);
        if (v)
            put(out, own[i], v);
    }
    for (size_t i = 0; i < N_OF(rollout_keys); i++)
        if (rollout[i])
            put(out, rollout_keys[i], rollout[i]);
    put(out, "template", ps);
    scn_node_free(m);
    *slot = out;
    return;
bad:
    scn_node_free(name);
    scn_node_free(ps);
    scn_node_free(replicas);
    for (size_t i = 0; i < N_OF(rollout); i++)
        scn_node_free(rollout[i]);
    *slot = new_node(NODE_BAD, m->loc, NULL);
    scn_node_free(m);
}

/* A kubelet config that is a KubeletConfiguration, in place. */
static void kubelet_config(struct k8s *k, struct scn_node **slot, const char *where)
{
    struct scn_node *m = *slot;
    const struct scn_node *kv = scn_get(m, "kind"), *av = scn_get(m, "apiVersion");
    if (!kv && !av)
        return;
    bool ok = true;
    if (!kv || !av) {
        scn_missing(k->c, m, kv ? "apiVersion" : "kind", where);
        ok = false;
    } else if (kv->kind == NODE_SCALAR && strcmp(kv->text, "KubeletConfiguration") != 0) {
        diag_error(k->c->d, kv->loc, "kind: '%s' is not a kubelet config; expected "
                   "KubeletConfiguration", kv->text);
        ok = false;
    } else if (av->kind == NODE_SCALAR && strcmp(av->text, "kubelet.config.k8s.io/v1beta1")) {
        diag_error(k->c->d, av->loc, "apiVersion: '%s' is not the API of a "
                   "KubeletConfiguration; expected kubelet.config.k8s.io/v1beta1", av->text);
        ok = false;
    } else if (kv->kind != NODE_SCALAR || av->kind != NODE_SCALAR) {
        ok = scn_want_scalar(k->c, kv->kind != NODE_SCALAR ? kv : av, "kind", "a name") == 0;
    }
    if (!ok) {
        *slot = new_node(NODE_BAD, m->loc, NULL);
        scn_node_free(m);
        return;
    }
    static const char *const quiet[] = {"apiVersion", "kind"};
    keep_only(k, m, KUBELET_KEYS, N_OF(KUBELET_KEYS), quiet, N_OF(quiet),
              "KubeletConfiguration");
}

static bool is_workload_object(const struct scn_node *m)
{
    return m->kind == NODE_MAP &&
           (scn_get(m, "apiVersion") || scn_get(m, "metadata") || scn_get(m, "spec"));
}

static void warn_ignored(struct k8s *k)
{
    if (k->n_ignored == 0)
        return;
    struct strbuf sb;
    strbuf_init(&sb);
    for (size_t i = 0; i < k->n_ignored; i++)
        strbuf_addf(&sb, "%s%s", i ? ", " : "", k->ignored[i]);
    if (k->more)
        strbuf_addf(&sb, " and %zu more", k->more);
    diag_warning(k->c->d, k->first, "Kubernetes fields pullsim does not model are ignored: %s",
                 sb.buf);
    strbuf_release(&sb);
    for (size_t i = 0; i < k->n_ignored; i++)
        free(k->ignored[i]);
}

void scn_k8s_normalize(struct ctx *c, struct scn_node *root)
{
    struct k8s k = {.c = c};
    if (root->kind != NODE_MAP)
        return;
    struct pair *wp = scn_find_pair(root, "workloads");
    for (size_t i = 0; wp && wp->value->kind == NODE_SEQ && i < wp->value->n_items; i++) {
        if (!is_workload_object(wp->value->items[i]))
            continue;
        char *where = xasprintf("workloads[%zu]", i);
        workload(&k, &wp->value->items[i], where);
        free(where);
    }
    struct pair *kp = scn_find_pair(root, "kubeletConfigs");
    for (size_t i = 0; kp && kp->value->kind == NODE_MAP && i < kp->value->n_pairs; i++) {
        struct pair *p = &kp->value->pairs[i];
        if (p->value->kind != NODE_MAP || p->key->kind != NODE_SCALAR)
            continue;
        char *where = xasprintf("kubeletConfigs.%s", p->key->text);
        kubelet_config(&k, &p->value, where);
        free(where);
    }
    struct pair *pp = scn_find_pair(root, "nodePools");
    for (size_t i = 0; pp && pp->value->kind == NODE_SEQ && i < pp->value->n_items; i++) {
        struct scn_node *pool = pp->value->items[i];
        struct pair *kub = pool->kind == NODE_MAP ? scn_find_pair(pool, "kubelet") : NULL;
        if (!kub || kub->value->kind != NODE_MAP)
            continue;
        char *where = xasprintf("nodePools[%zu].kubelet", i);
        kubelet_config(&k, &kub->value, where);
        free(where);
    }
    warn_ignored(&k);
}
