/*
 * scenario.c - see scenario.h.
 *
 * Three passes:
 *  1. libyaml events become a small tree (struct node): mappings, lists and
 *     scalars, each with the 1-based line:col of its start mark. Strings are
 *     copied before yaml_event_delete. Aliases are rejected, duplicate keys
 *     are reported and dropped.
 *  2. --set overrides and the seed override rewrite the tree, so an
 *     overridden value is validated exactly as if it were in the file; its
 *     location is "--set PATH" (line 0).
 *  3. A walk of the tree fills struct scenario. Every parse function lists
 *     the keys it accepts above it. It reports every problem and keeps
 *     going; cross-references (registries, images, kubelet configs, pools)
 *     and totals are checked once their targets are known.
 * On success the tree after pass 2 is emitted as the effective YAML.
 * Vocabulary: spec/scenario-format.md; kubelet config: spec/kubelet-semantics.md §6.
 */
#include "scenario.h"
#include "scenario_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "imageref.h"
#include "keyring.h"
#include "units.h"
#include "verifypolicy.h"

/* ---------------------------------------------------------- load context */

/* Per workload, for the pod total checked at the end. */
struct workload_src {
    bool kind_ok;
    struct diag_loc count_loc; /* replicas value, or kind value for a DaemonSet */
};

/* -------------------------------------------------------------- sections */

/* workloads[i].template.{initContainers,containers}[j] keys: name, image,
 * imagePullPolicy, runFor (initContainers only). */
static void parse_container(struct ctx *c, const struct node *m, const char *where, bool init,
                            struct scenario_workload *wl)
{
    static const char *const keys[] = {"name", "image", "imagePullPolicy", "runFor"};
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
    if (!(v = scn_get(m, "image"))) {
        scn_missing(c, m, "image", where);
    } else if (v->kind == NODE_SCALAR && !scn_is_null(v)) {
        ct->image = xstrdup(v->text);
        ct->image_idx = scn_resolve_image(c, v, "image", &ct->by_digest);
        have_image = true;
    } else {
        scn_want_scalar(c, v, "image", "an image reference such as nginx:1.27");
    }
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

static void parse_workloads(struct ctx *c, const struct node *root)
{
    const struct node *list = scn_get_list(c, root, "workloads", "", false, "workloads");
    for (size_t i = 0; list && i < list->n_items; i++) {
        char *w = xasprintf("workloads[%zu]", i);
        parse_workload(c, list->items[i], w);
        free(w);
    }
}

/* events[i].scaleOut keys: pool, count. */
static void parse_scale_out(struct ctx *c, const struct node *v, const char *where,
                            struct scenario_event *e)
{
    static const char *const keys[] = {"pool", "count"};
    e->kind = SCENARIO_EVENT_SCALE_OUT;
    if (scn_want_map(c, v, "scaleOut") != 0)
        return;
    char *w = xasprintf("%s.scaleOut", where);
    CHECK_KEYS(c, v, keys, w);
    const struct node *x;
    if (!(x = scn_get(v, "pool")))
        scn_missing(c, v, "pool", w);
    else
        e->pool = scn_resolve_pool(c, x, "pool");
    if (!(x = scn_get(v, "count"))) {
        scn_missing(c, v, "count", w);
    } else if (scn_to_u32(c, x, "count", 1, SCENARIO_MAX_NODES, "nodes per pool", &e->count) == 0) {
        c->nodes += e->count;
        if (c->nodes > SCENARIO_MAX_NODES && c->nodes - e->count <= SCENARIO_MAX_NODES)
            diag_error(c->d, x->loc, "count: the pools would have %" PRIu64 " nodes in total "
                       "after this scale-out, over the limit of %u nodes", c->nodes,
                       SCENARIO_MAX_NODES);
    }
    free(w);
}

/* push.ref: an images entry that is a tag reference (a digest never moves). */
static uint32_t resolve_push_tag(struct ctx *c, const struct node *v)
{
    bool by_digest = false;
    uint32_t tag = scn_resolve_image(c, v, "ref", &by_digest);
    if (tag == SCENARIO_NONE)
        return SCENARIO_NONE;
    if (by_digest || c->s->images[tag].by_digest || tag >= c->s->n_listed_images) {
        diag_error(c->d, v->loc, "ref: '%s' names a digest, which never moves; expected a "
                   "tag reference such as app:latest", v->text);
        return SCENARIO_NONE;
    }
    return tag;
}

/* push.image: an existing image of the tag's repository. */
static uint32_t resolve_push_target(struct ctx *c, const struct node *v, uint32_t tag)
{
    const struct scenario *s = c->s;
    uint32_t img = scn_resolve_image(c, v, "image", NULL);
    if (img == SCENARIO_NONE || tag == SCENARIO_NONE)
        return img;
    if (strcmp(s->images[img].name, s->images[tag].name) != 0) {
        diag_error(c->d, v->loc, "image: '%s' is in repository '%s', not '%s'; expected an "
                   "image of the tag's own repository", v->text, s->images[img].name,
                   s->images[tag].name);
        return SCENARIO_NONE;
    }
    return img;
}

/* events[i].push keys: ref, and either image or layers (with platforms and
 * digest): from 'at' on, the registry resolves the tag 'ref' to that image. */
static void parse_push(struct ctx *c, const struct node *v, const char *where,
                       struct scenario_event *e)
{
    static const char *const keys[] = {"ref", "image", "layers", "platforms", "digest"};
    e->kind = SCENARIO_EVENT_PUSH;
    e->tag = e->image = SCENARIO_NONE;
    c->s->n_pushes++;
    if (scn_want_map(c, v, "push") != 0)
        return;
    char *w = xasprintf("%s.push", where);
    CHECK_KEYS(c, v, keys, w);
    const struct node *x, *img = scn_get(v, "image"), *layers = scn_get(v, "layers");
    if (!(x = scn_get(v, "ref")))
        scn_missing(c, v, "ref", w);
    else
        e->tag = resolve_push_tag(c, x);
    if (img && (layers || scn_get(v, "platforms") || scn_get(v, "digest"))) {
        const struct node *extra = layers                   ? layers
                                   : scn_get(v, "platforms") ? scn_get(v, "platforms")
                                                             : scn_get(v, "digest");
        diag_error(c->d, extra->loc, "%s: 'image' moves the tag to an existing image, which "
                   "has its own layers, platforms and digest; expected either 'image' or "
                   "'layers'", w);
    } else if (img) {
        e->image = resolve_push_target(c, img, e->tag);
    } else if (!layers) {
        diag_error(c->d, v->loc, "%s: nothing to push; expected 'image' (an images entry) or "
                   "'layers' (a new image)", w);
    } else if (e->tag != SCENARIO_NONE) {
        e->image = scn_new_pushed_image(c, v, w, e->tag);
    }
    free(w);
}

/* events[i] keys: at, and exactly one action: scaleOut or push. */
static void parse_event(struct ctx *c, const struct node *m, const char *where)
{
    static const char *const keys[] = {"at", "scaleOut", "push"};
    struct scenario *s = c->s;
    struct scenario_event *e = VEC_PUSH(s->events, s->n_events, c->cap_events);
    e->kind = SCENARIO_EVENT_SCALE_OUT;
    e->pool = e->tag = e->image = SCENARIO_NONE;
    e->loc = m->loc;
    if (scn_want_map(c, m, where) != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    const struct node *v, *scale = scn_get(m, "scaleOut"), *push = scn_get(m, "push");
    if (!(v = scn_get(m, "at")))
        scn_missing(c, m, "at", where);
    else
        scn_to_duration(c, v, "at", false, &e->at);
    if (scale && push)
        diag_error(c->d, push->loc, "%s: two actions; expected exactly one of: push, scaleOut",
                   where);
    else if (scale)
        parse_scale_out(c, scale, where, e);
    else if (push)
        parse_push(c, push, where, e);
    else
        diag_error(c->d, m->loc, "%s: no action; expected one of: push, scaleOut", where);
}

static void parse_events(struct ctx *c, const struct node *root)
{
    const struct node *list = scn_get_list(c, root, "events", "", false, "events");
    for (size_t i = 0; list && i < list->n_items; i++) {
        char *w = xasprintf("events[%zu]", i);
        parse_event(c, list->items[i], w);
        free(w);
    }
}

/* The pod limit: a DaemonSet counts one pod per node of its pools,
 * scale-outs included. (Node totals are checked as pools and events are read.) */
static void check_totals(struct ctx *c)
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
    uint64_t pods = 0;
    for (size_t i = 0; i < s->n_workloads; i++) {
        const struct scenario_workload *wl = &s->workloads[i];
        if (!c->wl_src[i].kind_ok)
            continue;
        switch (wl->kind) {
        case SCENARIO_KIND_POD:
            pods += 1;
            break;
        case SCENARIO_KIND_DEPLOYMENT:
            pods += wl->replicas;
            break;
        case SCENARIO_KIND_DAEMONSET:
            pods += wl->pool == SCENARIO_NONE ? nodes : final[wl->pool];
            break;
        }
        if (pods > SCENARIO_MAX_PODS) {
            diag_error(c->d, c->wl_src[i].count_loc, "the workloads have %" PRIu64 " pods in "
                       "total (a DaemonSet has one per node), over the limit of %u pods", pods,
                       SCENARIO_MAX_PODS);
            break;
        }
    }
    free(final);
}

/* admission keys: alwaysPullImages (spec/kubelet-semantics.md §12). */
static void parse_admission(struct ctx *c, const struct node *root)
{
    static const char *const keys[] = {"alwaysPullImages"};
    const struct node *v = scn_get(root, "admission"), *x;
    if (!v || scn_is_null(v) || scn_want_map(c, v, "admission") != 0)
        return;
    CHECK_KEYS(c, v, keys, "admission");
    if ((x = scn_get(v, "alwaysPullImages")))
        scn_to_bool(c, x, "alwaysPullImages", &c->s->always_pull_images);
}

/* The default scenario name: the file name without its folder and .yaml/.yml. */
static char *default_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".yaml"))
        n -= 5;
    else if (n > 4 && !strcmp(base + n - 4, ".yml"))
        n -= 4;
    return xstrndup(base, n);
}

/* Sets uses_credentials: a registry authenticates, a secret exists, or a
 * pool has node credentials. */
static void note_credentials(struct scenario *s)
{
    s->uses_credentials = s->n_secrets > 0;
    for (size_t i = 0; i < s->n_registries; i++)
        s->uses_credentials = s->uses_credentials || s->registries[i].auth.on;
    for (size_t i = 0; i < s->n_pools; i++)
        s->uses_credentials = s->uses_credentials || s->pools[i].n_node_auths > 0;
}

/* Top level keys: name, seed, horizon, sampleInterval, admission, registries,
 * images, runtimeClasses, secrets, kubeletConfigs, nodePools, workloads, events. */
static void parse_top(struct ctx *c, const struct node *root)
{
    static const char *const keys[] = {"name", "seed", "horizon", "sampleInterval",
                                       "admission", "registries", "images", "kubeletConfigs",
                                       "nodePools", "workloads", "events",
                                       "runtimeClasses", "secrets"};
    struct scenario *s = c->s;
    const struct node *v;
    if (root->kind != NODE_MAP) {
        if (root->kind != NODE_BAD)
            diag_error(c->d, root->loc, "expected a mapping with keys registries, images, "
                       "nodePools, ... at the top level, got %s", scn_kind_noun(root));
        return;
    }
    CHECK_KEYS(c, root, keys, "");
    if ((v = scn_get(root, "name"))) {
        scn_to_folder_name(c, v, "name", &s->name);
    } else {
        s->name = default_name(s->file);
        if (!scn_is_folder_name(s->name))
            diag_error(c->d, (struct diag_loc){s->file, 0, 0},
                       "the scenario is named after its file, '%s', which cannot name a "
                       "folder; expected letters, digits, '.', '_' or '-' (set 'name')",
                       s->name);
    }
    if ((v = scn_get(root, "seed")))
        scn_to_u64(c, v, "seed", &s->seed);
    if ((v = scn_get(root, "horizon")))
        scn_to_duration(c, v, "horizon", true, &s->horizon);
    if ((v = scn_get(root, "sampleInterval")))
        scn_to_duration(c, v, "sampleInterval", true, &s->sample_interval);
    parse_admission(c, root);
    scn_parse_registries(c, root);
    scn_parse_images(c, root);
    scn_parse_runtime_classes(c, root);
    scn_parse_secrets(c, root); /* after registries: secrets name their accounts */
    scn_parse_kubelet_configs(c, root);
    scn_parse_pools(c, root);
    parse_events(c, root); /* before workloads: a pod may name a pushed image's digest */
    parse_workloads(c, root);
    check_totals(c);
    note_credentials(s);
}

/* ------------------------------------------------------------ public API */

static void free_auth_entries(struct scenario_auth_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(e[i].key);
    free(e);
}

static void free_auth(struct scenario_registry_auth *a)
{
    for (size_t i = 0; i < a->n_accounts; i++) {
        for (size_t j = 0; j < a->accounts[i].n_repositories; j++)
            free(a->accounts[i].repositories[j]);
        free(a->accounts[i].repositories);
    }
    free(a->accounts);
}

void scenario_free(struct scenario *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_registries; i++) {
        free(s->registries[i].host);
        free(s->registries[i].outages);
        free(s->registries[i].changes);
        free_auth(&s->registries[i].auth);
    }
    for (size_t i = 0; i < s->n_layers; i++)
        free(s->layers[i].id);
    for (size_t i = 0; i < s->n_images; i++) {
        struct scenario_image *im = &s->images[i];
        free(im->ref);
        free(im->normalized);
        free(im->name);
        free(im->digest);
        free(im->layers);
        free(im->chains);
        for (size_t j = 0; j < im->n_platforms; j++)
            free(im->platforms[j]);
        free(im->platforms);
    }
    for (size_t i = 0; i < s->n_kubelet_configs; i++) {
        free(s->kubelet_configs[i].name);
        for (size_t j = 0; j < s->kubelet_configs[i].n_allowlist; j++)
            free(s->kubelet_configs[i].allowlist[j]);
        free(s->kubelet_configs[i].allowlist);
    }
    for (size_t i = 0; i < s->n_pools; i++) {
        free(s->pools[i].name);
        free(s->pools[i].arch);
        free(s->pools[i].pre_pulled);
        free(s->pools[i].pre_pulled_by_digest);
        free(s->pools[i].pinned);
        free_auth_entries(s->pools[i].node_auths, s->pools[i].n_node_auths);
    }
    for (size_t i = 0; i < s->n_workloads; i++) {
        struct scenario_workload *wl = &s->workloads[i];
        for (size_t j = 0; j < wl->n_containers; j++) {
            free(wl->containers[j].name);
            free(wl->containers[j].image);
        }
        free(wl->containers);
        free(wl->name);
        free(wl->pull_secrets);
    }
    for (size_t i = 0; i < s->n_secrets; i++) {
        free(s->secrets[i].name);
        free_auth_entries(s->secrets[i].auths, s->secrets[i].n_auths);
    }
    free(s->secrets);
    for (size_t i = 0; i < s->n_credentials; i++)
        free(s->credentials[i]);
    free(s->credentials);
    for (size_t i = 0; i < s->n_origins; i++)
        free(s->origins[i]);
    free(s->registries);
    free(s->layers);
    free(s->chains);
    free(s->images);
    free(s->kubelet_configs);
    free(s->pools);
    free(s->workloads);
    free(s->events);
    for (size_t i = 0; i < s->n_runtime_classes; i++)
        free(s->runtime_classes[i].name);
    for (size_t i = 0; i < s->n_handlers; i++)
        free(s->handlers[i].name);
    for (size_t i = 0; i < s->n_snapshotters; i++)
        free(s->snapshotters[i]);
    free(s->runtime_classes);
    free(s->handlers);
    free(s->snapshotters);
    free(s->origins);
    free(s->name);
    free(s->effective_yaml);
    free(s->file);
    free(s);
}

uint32_t scenario_find_kubelet(const struct scenario *s, const char *name)
{
    for (size_t i = 0; i < s->n_kubelet_configs; i++)
        if (s->kubelet_configs[i].name && !strcmp(s->kubelet_configs[i].name, name))
            return (uint32_t)i;
    return SCENARIO_NONE;
}

static struct scenario *load_text(const char *path, const char *text, size_t len,
                                  const struct scenario_override *sets, size_t n_sets,
                                  bool has_seed, uint64_t seed, struct diag *d)
{
    struct scenario *s = xcalloc(1, sizeof(*s));
    struct ctx c = {.d = d, .s = s};
    size_t errors0 = d->errors;
    s->file = xstrdup(path);
    s->seed = 1;
    s->horizon = 24 * 3600.0;
    s->sample_interval = 1.0;
    struct node *root = scn_build_tree(&c, text, len);
    if (root) {
        for (size_t i = 0; i < n_sets; i++)
            scn_apply_set(&c, root, &sets[i]);
        if (has_seed && root->kind == NODE_MAP)
            scn_apply_seed(root, seed);
        parse_top(&c, root);
        if (d->errors == errors0)
            s->effective_yaml = scn_emit_tree(&c, root);
        scn_node_free(root);
    }
    scn_strmap_release(&c.hosts);
    scn_strmap_release(&c.images);
    scn_strmap_release(&c.layers);
    scn_strmap_release(&c.kubelets);
    scn_strmap_release(&c.pools);
    scn_strmap_release(&c.workloads);
    scn_strmap_release(&c.runtime_classes);
    scn_strmap_release(&c.handlers);
    scn_strmap_release(&c.snapshotters);
    scn_strmap_release(&c.credentials);
    scn_strmap_release(&c.secrets);
    scn_chainmap_release(&c.chains);
    free(c.layer_src);
    free(c.wl_src);
    if (d->errors != errors0) {
        scenario_free(s);
        return NULL;
    }
    return s;
}

struct scenario *scenario_load_string(const char *path, const char *text,
                                      const struct scenario_override *sets, size_t n_sets,
                                      bool has_seed, uint64_t seed, struct diag *d)
{
    return load_text(path, text, strlen(text), sets, n_sets, has_seed, seed, d);
}

struct scenario *scenario_load(const char *path, const struct scenario_override *sets,
                               size_t n_sets, bool has_seed, uint64_t seed, struct diag *d)
{
    FILE *f = fopen(path, "rb");
    struct strbuf sb;
    char buf[65536];
    size_t n;
    if (!f) {
        diag_error(d, (struct diag_loc){path, 0, 0}, "cannot open the scenario: %s",
                   strerror(errno));
        return NULL;
    }
    strbuf_init(&sb);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        strbuf_add(&sb, buf, n);
    if (ferror(f)) {
        int err = errno;
        fclose(f);
        strbuf_release(&sb);
        diag_error(d, (struct diag_loc){path, 0, 0}, "cannot read the scenario: %s",
                   strerror(err));
        return NULL;
    }
    fclose(f);
    struct scenario *s = load_text(path, sb.buf, sb.len, sets, n_sets, has_seed, seed, d);
    strbuf_release(&sb);
    return s;
}
