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
static int accept_invalid_image(struct ctx *c, const struct node *v, const struct node *av,
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
static void parse_container_image(struct ctx *c, const struct node *m, const char *where,
                                  struct scenario_container *ct, bool *have_image)
{
    const struct node *v = scn_get(m, "image");
    const struct node *av = scn_get(m, "acceptInvalidImage");
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
static void parse_container(struct ctx *c, const struct node *m, const char *where, bool init,
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
    const struct node *v;
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
    if ((v = scn_get(m, "runFor"))) {
        if (!init)
            diag_error(c->d, v->loc, "runFor: only init containers run for a set time; "
                       "regular containers run until the end (move it to initContainers)");
        else
            scn_to_duration(c, v, "runFor", false, &ct->run_for);
    }
}

/* workloads[i].template keys: initContainers, containers, runtimeClassName,
 * imagePullSecrets. */
static void parse_template(struct ctx *c, const struct node *m, const char *where,
                           struct scenario_workload *wl)
{
    static const char *const keys[] = {"initContainers", "containers", "runtimeClassName",
                                       "imagePullSecrets"};
    if (scn_want_map(c, m, "template") != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    scn_parse_pull_secrets(c, m, where, wl);
    const struct node *rv = scn_get(m, "runtimeClassName");
    if (rv)
        wl->runtime_class = scn_resolve_runtime_class(c, rv);
    const struct node *init = scn_get_list(c, m, "initContainers", where, false, "containers");
    const struct node *regular = scn_get_list(c, m, "containers", where, true, "container");
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

/* workloads[i] keys: name, kind, replicas (Deployment), at, placement (not
 * DaemonSet), pool, template. */
static void parse_workload(struct ctx *c, const struct node *m, const char *where)
{
    static const char *const keys[] = {"name", "kind", "replicas", "at",
                                       "placement", "pool", "template"};
    static const char *const kinds[] = {"Pod", "Deployment", "DaemonSet"};
    static const char *const placements[] = {"spread", "random", "packed"};
    struct scenario *s = c->s;
    uint32_t idx = (uint32_t)s->n_workloads;
    struct scenario_workload *wl = VEC_PUSH(s->workloads, s->n_workloads, c->cap_workloads);
    struct workload_src *src = VEC_PUSH(c->wl_src, c->n_wl_src, c->cap_wl_src);
    wl->replicas = 1;
    wl->pool = SCENARIO_NONE;
    wl->runtime_class = SCENARIO_NONE;
    wl->loc = m->loc;
    src->count_loc = m->loc;
    if (scn_want_map(c, m, where) != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    const struct node *v;
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
    if (!(v = scn_get(m, "template"))) {
        scn_missing(c, m, "template", where);
    } else {
        char *w = xasprintf("%s.template", where);
        parse_template(c, v, w, wl);
        free(w);
    }
}

void scn_parse_workloads(struct ctx *c, const struct node *root)
{
    const struct node *list = scn_get_list(c, root, "workloads", "", false, "workloads");
    for (size_t i = 0; list && i < list->n_items; i++) {
        char *w = xasprintf("workloads[%zu]", i);
        parse_workload(c, list->items[i], w);
        free(w);
    }
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
