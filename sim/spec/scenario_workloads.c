/*
 * scenario_workloads.c - the workloads section (scenario_internal.h): Pods,
 * Deployments and DaemonSets, their pod templates (containers and init
 * containers, pull policies as the API server defaults them, runtime class,
 * pull secrets), and the pod total checked once pools and events are known.
 */
#include "spec/scenario_internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "spec/imageref.h"

/* Per workload, for the pod total checked at the end. */
struct workload_src {
    bool kind_ok;
    struct diag_loc count_loc; /* replicas value, or kind value for a DaemonSet */
};

/* An image the container accepts although it does not parse
 * (acceptInvalidImage: true). The API server validates an image only as a
 * required string (pkg/apis/core/validation/validation.go validateContainers;
 * for Pods also no leading or trailing whitespace, validateContainersOnlyForPod),
 * so a pod with "Nginx:1.27" is created and its kubelet reports
 * InvalidImageName (spec §3; image_manager.go applyDefaultImageTag). The key
 * is refused on a valid reference, so it cannot hide a mistake the other way
 * round. Returns 0 when accepted. */
static int accept_invalid_image(struct ctx *c, const struct scn_node *v, const struct scn_node *av,
                                struct scenario_container *ct)
{
    char err[IMAGEREF_ERRLEN];
    size_t n = strlen(v->text);
    if (n == 0 || isspace((unsigned char)v->text[0]) || isspace((unsigned char)v->text[n - 1]))
        return diag_error(c->d, v->loc, "image: '%s' is refused by the API server (required, "
                          "no leading or trailing whitespace) even with acceptInvalidImage; "
                          "expected a non-empty image", v->text);
    char *tagged = imageref_apply_default_tag(v->text, err, sizeof(err));
    if (tagged) {
        free(tagged);
        return diag_error(c->d, av->loc, "acceptInvalidImage: '%s' is a valid image "
                          "reference; expected acceptInvalidImage only on an image the kubelet "
                          "cannot parse (or remove the key)", v->text);
    }
    ct->invalid_image = true;
    c->s->n_invalid_images++;
    return 0;
}

/* The image of a container: resolved to an images entry, or, with
 * acceptInvalidImage: true, kept as an unparsable string. */
static void parse_container_image(struct ctx *c, const struct scn_node *m, const char *where,
                                  struct scenario_container *ct, bool *have_image)
{
    const struct scn_node *v = scn_get(m, "image");
    const struct scn_node *av = scn_get(m, "acceptInvalidImage");
    bool accept = false;
    if (av && scn_to_bool(c, av, "acceptInvalidImage", &accept) != 0)
        return;
    if (!v) {
        scn_missing(c, m, "image", where);
    } else if (v->kind == NODE_SCALAR && !scn_is_null(v)) {
        ct->image = xstrdup(v->text);
        if (!accept)
            ct->image_idx = scn_resolve_image(c, v, "image", &ct->by_digest);
        else if (accept_invalid_image(c, v, av, ct) != 0)
            return;
        *have_image = true;
    } else {
        scn_want_scalar(c, v, "image", "an image reference such as nginx:1.27");
    }
}

/* workloads[i].template.{initContainers,containers}[j] keys: name, image,
 * acceptInvalidImage, imagePullPolicy, runFor (initContainers only). */
static void parse_container(struct ctx *c, const struct scn_node *m, const char *where, bool init,
                            struct scenario_workload *wl)
{
    static const char *const keys[] = {"name", "image", "acceptInvalidImage",
                                       "imagePullPolicy", "runFor"};
    static const char *const policies[] = {"Always", "IfNotPresent", "Never"};
    struct scenario *s = c->s;
    struct scenario_container *ct = &wl->containers[wl->n_containers++];
    ct->init = init;
    ct->image_idx = SCENARIO_NONE;
    ct->loc = m->loc;
    if (scn_want_map(c, m, where) != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    const struct scn_node *v;
    if (!(v = scn_get(m, "name"))) {
        scn_missing(c, m, "name", where);
    } else if (scn_to_string(c, v, "name", &ct->name) == 0) {
        for (size_t i = 0; i + 1 < wl->n_containers; i++) {
            if (wl->containers[i].name && !strcmp(wl->containers[i].name, ct->name)) {
                diag_error(c->d, v->loc, "name: duplicate container '%s'; container names are "
                           "unique within a pod, init containers included", ct->name);
                diag_note(c->d, wl->containers[i].loc, "'%s' first defined here", ct->name);
                break;
            }
        }
    }
    bool have_image = false;
    parse_container_image(c, m, where, ct, &have_image);
    int pol;
    if ((v = scn_get(m, "imagePullPolicy"))) {
        if (scn_to_enum(c, v, "imagePullPolicy", "an image pull policy", policies, N_OF(policies),
                        &pol) == 0)
            ct->pull_policy = (enum scenario_pull_policy)pol;
    } else if (have_image) {
        /* API server defaulting, spec/kubelet-semantics.md §2. */
        ct->pull_policy = imageref_defaults_to_always(ct->image) ? SCENARIO_PULL_ALWAYS
                                                                 : SCENARIO_PULL_IF_NOT_PRESENT;
    }
    /* AlwaysPullImages admission (spec §12) overrides every container. */
    if (s->always_pull_images)
        ct->pull_policy = SCENARIO_PULL_ALWAYS;
    /* An init container runs for runFor, then the next one starts; a regular
     * container exits after runFor and is restarted (restartPolicy Always). */
    if ((v = scn_get(m, "runFor")))
        scn_to_duration(c, v, "runFor", !init, &ct->run_for);
}

/* workloads[i].template keys: initContainers, containers, runtimeClassName,
 * imagePullSecrets. */
static void parse_template(struct ctx *c, const struct scn_node *m, const char *where,
                           struct scenario_workload *wl)
{
    static const char *const keys[] = {"initContainers", "containers", "runtimeClassName",
                                       "imagePullSecrets"};
    if (scn_want_map(c, m, "template") != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    scn_parse_pull_secrets(c, m, where, wl);
    const struct scn_node *rv = scn_get(m, "runtimeClassName");
    if (rv)
        wl->runtime_class = scn_resolve_runtime_class(c, rv);
    const struct scn_node *init = scn_get_list(c, m, "initContainers", where, false, "containers");
    const struct scn_node *regular = scn_get_list(c, m, "containers", where, true, "container");
    size_t n = (init ? init->n_items : 0) + (regular ? regular->n_items : 0);
    if (n > SCENARIO_MAX_CONTAINERS) {
        diag_error(c->d, m->loc, "template: %zu containers exceed the limit of %u per pod", n,
                   SCENARIO_MAX_CONTAINERS);
        return;
    }
    wl->containers = xcalloc(n ? n : 1, sizeof(*wl->containers));
    for (size_t i = 0; init && i < init->n_items; i++) {
        char *w = xasprintf("%s.initContainers[%zu]", where, i);
        parse_container(c, init->items[i], w, true, wl);
        free(w);
    }
    wl->n_init = wl->n_containers;
    for (size_t i = 0; regular && i < regular->n_items; i++) {
        char *w = xasprintf("%s.containers[%zu]", where, i);
        parse_container(c, regular->items[i], w, false, wl);
        free(w);
    }
}

/* maxSurge / maxUnavailable: an int >= 0 or "N%" with N in 0..100
 * (IntOrString; upstream ValidatePositiveIntOrPercent, IsNotMoreThan100Percent). */
static int parse_intstr(struct ctx *c, const struct scn_node *v, const char *key,
                        struct scenario_intstr *out)
{
    if (v->kind != NODE_SCALAR || scn_is_null(v))
        return scn_want_scalar(c, v, key, "a number of pods or a percentage such as 25%");
    size_t n = strlen(v->text);
    if (n > 1 && v->text[n - 1] == '%') {
        char *end;
        unsigned long pct = strtoul(v->text, &end, 10);
        if (end != v->text + n - 1 || v->text[0] < '0' || v->text[0] > '9' || pct > 100)
            return diag_error(c->d, v->loc, "%s: '%s' is not a percentage; expected 0%% to "
                              "100%% or a number of pods", key, v->text);
        *out = (struct scenario_intstr){.value = (uint32_t)pct, .percent = true};
        return 0;
    }
    uint32_t x;
    if (scn_to_u32(c, v, key, 0, SCENARIO_MAX_PODS, "pods", &x) != 0)
        return -1;
    *out = (struct scenario_intstr){.value = x};
    return 0;
}

/* strategy (Deployment) / updateStrategy (DaemonSet) keys: type
 * (RollingUpdate), rollingUpdate {maxSurge, maxUnavailable}. Defaults:
 * Deployment 25%/25% (apps/v1 defaults.go SetDefaults_Deployment), DaemonSet
 * maxSurge 0, maxUnavailable 1 (SetDefaults_DaemonSet). Both zero is invalid
 * (validation.go ValidateRollingUpdateDeployment,
 * ValidateRollingUpdateDaemonSet: "may not be 0 when maxSurge is 0"); a
 * DaemonSet may not set both. */
static void parse_strategy(struct ctx *c, const struct scn_node *m, const char *key,
                           struct scenario_workload *wl)
{
    static const char *const keys[] = {"type", "rollingUpdate"};
    static const char *const ru_keys[] = {"maxSurge", "maxUnavailable"};
    static const char *const types[] = {"RollingUpdate"};
    if (scn_want_map(c, m, key) != 0)
        return;
    CHECK_KEYS(c, m, keys, key);
    const struct scn_node *v, *ru;
    int t;
    if ((v = scn_get(m, "type")))
        scn_to_enum(c, v, "type", "an update strategy (Recreate and OnDelete are not "
                    "modelled)", types, N_OF(types), &t);
    if (!(ru = scn_get(m, "rollingUpdate")) || scn_want_map(c, ru, "rollingUpdate") != 0)
        return;
    char *w = xasprintf("%s.rollingUpdate", key);
    CHECK_KEYS(c, ru, ru_keys, w);
    free(w);
    struct scenario_rolling r = wl->rolling;
    const struct scn_node *s = scn_get(ru, "maxSurge"), *u = scn_get(ru, "maxUnavailable");
    if (s && parse_intstr(c, s, "maxSurge", &r.max_surge) != 0)
        return;
    if (u && parse_intstr(c, u, "maxUnavailable", &r.max_unavailable) != 0)
        return;
    if (r.max_surge.value == 0 && r.max_unavailable.value == 0) {
        diag_error(c->d, (u ? u : s ? s : ru)->loc, "maxUnavailable: may not be 0 when "
                   "maxSurge is 0; expected at least one of them above 0");
        return;
    }
    if (wl->kind == SCENARIO_KIND_DAEMONSET && r.max_surge.value > 0 &&
        r.max_unavailable.value > 0) {
        /* ValidateRollingUpdateDaemonSet: exactly one of them non-zero. */
        diag_error(c->d, s->loc, "maxSurge: may not be set when maxUnavailable is non-zero; "
                   "expected maxUnavailable: 0 with it (the default is 1)");
        return;
    }
    wl->rolling = r;
}

/* The rollout keys of a Deployment or DaemonSet: strategy or updateStrategy,
 * minReadySeconds. */
static void parse_rollout_keys(struct ctx *c, const struct scn_node *m, const char *where,
                               bool kind_ok, struct scenario_workload *wl)
{
    bool ds = wl->kind == SCENARIO_KIND_DAEMONSET;
    wl->rolling = ds ? (struct scenario_rolling){.max_unavailable = {1, false}}
                     : (struct scenario_rolling){{25, true}, {25, true}};
    const struct scn_node *v;
    const char *mine = ds ? "updateStrategy" : "strategy", *other = ds ? "strategy"
                                                                        : "updateStrategy";
    if (kind_ok && (v = scn_get(m, other))) {
        if (wl->kind == SCENARIO_KIND_POD)
            diag_error(c->d, v->loc, "%s: a Pod has no update strategy; remove it", other);
        else
            diag_error(c->d, v->loc, "%s: a %s names it '%s'", other,
                       ds ? "DaemonSet" : "Deployment", mine);
    }
    if (kind_ok && (v = scn_get(m, mine))) {
        if (wl->kind == SCENARIO_KIND_POD)
            diag_error(c->d, v->loc, "%s: a Pod has no update strategy; remove it", mine);
        else {
            char *w = xasprintf("%s.%s", where, mine);
            parse_strategy(c, v, w, wl);
            free(w);
        }
    }
    if ((v = scn_get(m, "minReadySeconds")))
        scn_to_duration(c, v, "minReadySeconds", false, &wl->min_ready_seconds);
}

/* workloads[i] keys: name, kind, replicas (Deployment), at, placement (not
 * DaemonSet), pool, template, strategy (Deployment), updateStrategy
 * (DaemonSet), minReadySeconds. */
static void parse_workload(struct ctx *c, const struct scn_node *m, const char *where)
{
    static const char *const keys[] = {"name", "kind", "replicas", "at",
                                       "placement", "pool", "template", "strategy",
                                       "updateStrategy", "minReadySeconds"};
    static const char *const kinds[] = {"Pod", "Deployment", "DaemonSet"};
    static const char *const placements[] = {"spread", "random", "packed"};
    struct scenario *s = c->s;
    uint32_t idx = (uint32_t)s->n_workloads;
    struct scenario_workload *wl = VEC_PUSH(s->workloads, s->n_workloads, c->cap_workloads);
    struct workload_src *src = VEC_PUSH(c->wl_src, c->n_wl_src, c->cap_wl_src);
    wl->replicas = 1;
    wl->pool = SCENARIO_NONE;
    wl->runtime_class = SCENARIO_NONE;
    wl->revision_of = SCENARIO_NONE;
    wl->loc = m->loc;
    src->count_loc = m->loc;
    if (scn_want_map(c, m, where) != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    const struct scn_node *v;
    int x;
    if (!(v = scn_get(m, "name"))) {
        scn_missing(c, m, "name", where);
    } else if (scn_to_string(c, v, "name", &wl->name) == 0) {
        uint32_t prev = scn_strmap_get(&c->workloads, wl->name);
        if (prev != SCENARIO_NONE) {
            diag_error(c->d, v->loc, "name: duplicate workload '%s'; workload names are unique",
                       wl->name);
            diag_note(c->d, s->workloads[prev].loc, "'%s' first defined here", wl->name);
        } else {
            scn_strmap_put(&c->workloads, wl->name, idx);
        }
    }
    if (!(v = scn_get(m, "kind"))) {
        scn_missing(c, m, "kind", where);
    } else if (scn_to_enum(c, v, "kind", "a workload kind", kinds, N_OF(kinds), &x) == 0) {
        wl->kind = (enum scenario_kind)x;
        src->kind_ok = true;
        src->count_loc = v->loc;
    }
    if ((v = scn_get(m, "replicas"))) {
        if (src->kind_ok && wl->kind != SCENARIO_KIND_DEPLOYMENT)
            diag_error(c->d, v->loc, "replicas: only a Deployment has replicas; a %s runs %s",
                       kinds[wl->kind],
                       wl->kind == SCENARIO_KIND_POD ? "one pod" : "one pod on every node");
        else if (scn_to_u32(c, v, "replicas", 0, SCENARIO_MAX_PODS, "pods", &wl->replicas) == 0)
            src->count_loc = v->loc;
    }
    if (src->kind_ok && wl->kind == SCENARIO_KIND_DAEMONSET)
        wl->replicas = 0;
    if ((v = scn_get(m, "at")))
        scn_to_duration(c, v, "at", false, &wl->at);
    if ((v = scn_get(m, "placement"))) {
        if (src->kind_ok && wl->kind == SCENARIO_KIND_DAEMONSET)
            diag_error(c->d, v->loc, "placement: a DaemonSet runs one pod on every node of its "
                       "pools; remove 'placement'");
        else if (scn_to_enum(c, v, "placement", "a placement", placements, N_OF(placements),
                             &x) == 0)
            wl->placement = (enum scenario_placement)x;
    }
    if ((v = scn_get(m, "pool")))
        wl->pool = scn_resolve_pool(c, v, "pool");
    parse_rollout_keys(c, m, where, src->kind_ok, wl);
    if (!(v = scn_get(m, "template"))) {
        scn_missing(c, m, "template", where);
    } else {
        char *w = xasprintf("%s.template", where);
        parse_template(c, v, w, wl);
        free(w);
    }
}

void scn_parse_workloads(struct ctx *c, const struct scn_node *root)
{
    const struct scn_node *list = scn_get_list(c, root, "workloads", "", false, "workloads");
    for (size_t i = 0; list && i < list->n_items; i++) {
        char *w = xasprintf("workloads[%zu]", i);
        parse_workload(c, list->items[i], w);
        free(w);
    }
    c->s->n_file_workloads = c->s->n_workloads;
    scn_resolve_workload_events(c, root);
}

/* A copy of workload 'from' (strings and arrays duplicated) at the end of
 * the workloads, as a revision of 'base'. Returns its index. */
uint32_t scn_new_revision(struct ctx *c, uint32_t from, uint32_t base)
{
    struct scenario *s = c->s;
    uint32_t idx = (uint32_t)s->n_workloads;
    struct scenario_workload *wl = VEC_PUSH(s->workloads, s->n_workloads, c->cap_workloads);
    struct workload_src *src = VEC_PUSH(c->wl_src, c->n_wl_src, c->cap_wl_src);
    const struct scenario_workload *f = &s->workloads[from];
    *src = c->wl_src[from];
    *wl = *f;
    wl->revision_of = base;
    wl->name = xstrdup(f->name);
    wl->containers = xcalloc(f->n_containers ? f->n_containers : 1, sizeof(*wl->containers));
    for (size_t i = 0; i < f->n_containers; i++) {
        wl->containers[i] = f->containers[i];
        wl->containers[i].name = f->containers[i].name ? xstrdup(f->containers[i].name) : NULL;
        wl->containers[i].image = f->containers[i].image ? xstrdup(f->containers[i].image)
                                                         : NULL;
    }
    wl->pull_secrets = xmalloc((f->n_pull_secrets ? f->n_pull_secrets : 1) *
                               sizeof(*wl->pull_secrets));
    if (f->n_pull_secrets)
        memcpy(wl->pull_secrets, f->pull_secrets, f->n_pull_secrets * sizeof(*wl->pull_secrets));
    return idx;
}

/* The pod limit: a DaemonSet counts one pod per node of its pools,
 * scale-outs included. (Node totals are checked as pools and events are read.) */
void scn_check_totals(struct ctx *c)
{
    struct scenario *s = c->s;
    uint64_t nodes = 0;
    uint64_t *final = xcalloc(s->n_pools + 1, sizeof(*final));
    for (size_t i = 0; i < s->n_pools; i++)
        final[i] = s->pools[i].count;
    for (size_t i = 0; i < s->n_events; i++)
        if (s->events[i].pool != SCENARIO_NONE)
            final[s->events[i].pool] += s->events[i].count;
    for (size_t i = 0; i < s->n_pools; i++)
        nodes += final[i];
    uint64_t pods = 0, containers = 0;
    /* A deleted pod's controller creates a replacement. */
    for (size_t i = 0; i < s->n_events; i++)
        if (s->events[i].kind == SCENARIO_EVENT_DELETE_PODS)
            pods += s->events[i].count;
    for (size_t i = 0; i < s->n_workloads; i++) {
        const struct scenario_workload *wl = &s->workloads[i];
        uint64_t n = 0;
        if (!c->wl_src[i].kind_ok)
            continue;
        switch (wl->kind) {
        case SCENARIO_KIND_POD:
            n = 1;
            break;
        case SCENARIO_KIND_DEPLOYMENT:
            n = wl->replicas;
            break;
        case SCENARIO_KIND_DAEMONSET:
            n = wl->pool == SCENARIO_NONE ? nodes : final[wl->pool];
            break;
        }
        pods += n;
        containers += n * wl->n_containers;
        if (pods > SCENARIO_MAX_PODS) {
            diag_error(c->d, c->wl_src[i].count_loc, "the workloads have %" PRIu64 " pods in "
                       "total (a DaemonSet has one per node), over the limit of %u pods", pods,
                       SCENARIO_MAX_PODS);
            break;
        }
        /* Each container of each pod has a kubelet record and pods.csv cells. */
        if (containers > SCENARIO_MAX_CONTAINERS_TOTAL) {
            diag_error(c->d, c->wl_src[i].count_loc, "the workloads have %" PRIu64 " containers "
                       "in total (pods x containers of their template), over the limit of %u "
                       "containers; expected fewer pods or containers per pod", containers,
                       SCENARIO_MAX_CONTAINERS_TOTAL);
            break;
        }
    }
    free(final);
}
