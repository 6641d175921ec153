/*
 * scenario_events.c - the events section (scenario_internal.h): scale-outs
 * (nodes joining a pool, within the node limit) and pushes (a tag moving to
 * an existing image or to a new one, scenario_images.c), updates (a
 * workload's container gets a new image: a rollout) and pod deletions.
 * Events are read before workloads, so a pod may name a pushed image by
 * digest; update and deletePods name a workload, so they are resolved in a
 * second pass once the workloads are read (scn_resolve_workload_events).
 */
#include "spec/scenario_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* events[i].scaleOut keys: pool, count. */
static void parse_scale_out(struct ctx *c, const struct scn_node *v, const char *where,
                            struct scenario_event *e)
{
    static const char *const keys[] = {"pool", "count"};
    e->kind = SCENARIO_EVENT_SCALE_OUT;
    if (scn_want_map(c, v, "scaleOut") != 0)
        return;
    char *w = xasprintf("%s.scaleOut", where);
    CHECK_KEYS(c, v, keys, w);
    const struct scn_node *x;
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
static uint32_t resolve_push_tag(struct ctx *c, const struct scn_node *v)
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
static uint32_t resolve_push_target(struct ctx *c, const struct scn_node *v, uint32_t tag)
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
static void parse_push(struct ctx *c, const struct scn_node *v, const char *where,
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
    const struct scn_node *x, *img = scn_get(v, "image"), *layers = scn_get(v, "layers");
    if (!(x = scn_get(v, "ref")))
        scn_missing(c, v, "ref", w);
    else
        e->tag = resolve_push_tag(c, x);
    if (img && (layers || scn_get(v, "platforms") || scn_get(v, "digest"))) {
        const struct scn_node *extra = layers                   ? layers
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

/* The action keys of an event, in the order of the kinds. */
static const char *const actions[] = {"scaleOut", "push", "update", "deletePods"};

/* events[i] keys: at, and exactly one action: scaleOut, push, update or
 * deletePods. */
static void parse_event(struct ctx *c, const struct scn_node *m, const char *where)
{
    static const char *const keys[] = {"at", "scaleOut", "push", "update", "deletePods"};
    struct scenario *s = c->s;
    struct scenario_event *e = VEC_PUSH(s->events, s->n_events, c->cap_events);
    e->kind = SCENARIO_EVENT_SCALE_OUT;
    e->pool = e->tag = e->image = SCENARIO_NONE;
    e->workload = e->revision = e->container = SCENARIO_NONE;
    e->loc = m->loc;
    if (scn_want_map(c, m, where) != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    const struct scn_node *v, *act = NULL;
    if (!(v = scn_get(m, "at")))
        scn_missing(c, m, "at", where);
    else
        scn_to_duration(c, v, "at", false, &e->at);
    size_t kind = 0;
    for (size_t i = 0; i < N_OF(actions); i++) {
        const struct scn_node *x = scn_get(m, actions[i]);
        if (x && act) {
            diag_error(c->d, x->loc, "%s: two actions; expected exactly one of: deletePods, "
                       "push, scaleOut, update", where);
            return;
        }
        if (x) {
            act = x;
            kind = i;
        }
    }
    if (!act)
        diag_error(c->d, m->loc, "%s: no action; expected one of: deletePods, push, scaleOut, "
                   "update", where);
    else if (kind == SCENARIO_EVENT_SCALE_OUT)
        parse_scale_out(c, act, where, e);
    else if (kind == SCENARIO_EVENT_PUSH)
        parse_push(c, act, where, e);
    else
        e->kind = (enum scenario_event_kind)kind; /* scn_resolve_workload_events */
}

void scn_parse_events(struct ctx *c, const struct scn_node *root)
{
    const struct scn_node *list = scn_get_list(c, root, "events", "", false, "events");
    for (size_t i = 0; list && i < list->n_items; i++) {
        char *w = xasprintf("events[%zu]", i);
        parse_event(c, list->items[i], w);
        free(w);
    }
}

/* update / deletePods .workload: a Deployment or DaemonSet of the file (a
 * Pod has no controller to roll it out or replace its pod). */
static uint32_t resolve_controlled(struct ctx *c, const struct scn_node *v, bool allow_pod)
{
    const struct scenario *s = c->s;
    if (scn_want_scalar(c, v, "workload", "a workload name") != 0)
        return SCENARIO_NONE;
    uint32_t w = scn_strmap_get(&c->workloads, v->text);
    if (w == SCENARIO_NONE) {
        struct strbuf sb;
        strbuf_init(&sb);
        strbuf_addf(&sb, "workload: no workloads entry named '%s'", v->text);
        const char **names;
        NAMES_OF(s->workloads, s->n_file_workloads, name, names);
        scn_add_expected(&sb, v->text, names, s->n_file_workloads);
        free(names);
        scn_error_sb(c, v->loc, &sb);
        return SCENARIO_NONE;
    }
    if (!allow_pod && s->workloads[w].kind == SCENARIO_KIND_POD) {
        diag_error(c->d, v->loc, "workload: '%s' is a Pod, whose template cannot change; "
                   "expected a Deployment or DaemonSet", v->text);
        return SCENARIO_NONE;
    }
    return w;
}

/* events[i].deletePods keys: workload, count (default 1). */
static void resolve_delete(struct ctx *c, const struct scn_node *v, const char *where,
                           struct scenario_event *e)
{
    static const char *const keys[] = {"workload", "count"};
    e->count = 1;
    if (scn_want_map(c, v, "deletePods") != 0)
        return;
    char *w = xasprintf("%s.deletePods", where);
    CHECK_KEYS(c, v, keys, w);
    const struct scn_node *x;
    if (!(x = scn_get(v, "workload")))
        scn_missing(c, v, "workload", w);
    else
        e->workload = resolve_controlled(c, x, true);
    if ((x = scn_get(v, "count")))
        scn_to_u32(c, x, "count", 1, SCENARIO_MAX_PODS, "pods", &e->count);
    free(w);
}

/* update.container: a container name of the workload. */
static uint32_t resolve_container(struct ctx *c, const struct scn_node *v, uint32_t wl)
{
    const struct scenario_workload *w = &c->s->workloads[wl];
    if (scn_want_scalar(c, v, "container", "a container name") != 0)
        return SCENARIO_NONE;
    for (uint32_t i = 0; i < w->n_containers; i++)
        if (w->containers[i].name && strcmp(w->containers[i].name, v->text) == 0)
            return i;
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_addf(&sb, "container: workload '%s' has no container named '%s'", w->name, v->text);
    const char **names;
    NAMES_OF(w->containers, w->n_containers, name, names);
    scn_add_expected(&sb, v->text, names, w->n_containers);
    free(names);
    scn_error_sb(c, v->loc, &sb);
    return SCENARIO_NONE;
}

/* events[i].update keys: workload, container, image. Checks only; the
 * revision is made in time order by make_revisions. */
static void resolve_update(struct ctx *c, const struct scn_node *v, const char *where,
                           struct scenario_event *e)
{
    static const char *const keys[] = {"workload", "container", "image"};
    if (scn_want_map(c, v, "update") != 0)
        return;
    char *w = xasprintf("%s.update", where);
    CHECK_KEYS(c, v, keys, w);
    const struct scn_node *x;
    if (!(x = scn_get(v, "workload")))
        scn_missing(c, v, "workload", w);
    else
        e->workload = resolve_controlled(c, x, false);
    if (!(x = scn_get(v, "container")))
        scn_missing(c, v, "container", w);
    else if (e->workload != SCENARIO_NONE)
        e->container = resolve_container(c, x, e->workload);
    bool by_digest = false;
    if (!(x = scn_get(v, "image")))
        scn_missing(c, v, "image", w);
    else if (scn_want_scalar(c, x, "image", "an image reference such as nginx:1.27") == 0)
        e->image = scn_resolve_image(c, x, "image", &by_digest);
    free(w);
}

/* The revision of update event e: the workload's latest template (latest[w])
 * with the container's image replaced; the API server keeps the container's
 * imagePullPolicy (it was set at creation). */
static void make_revision(struct ctx *c, const struct scn_node *v, struct scenario_event *e,
                          uint32_t *latest)
{
    struct scenario *s = c->s;
    e->revision = scn_new_revision(c, latest[e->workload], e->workload);
    latest[e->workload] = e->revision;
    struct scenario_container *ct = &s->workloads[e->revision].containers[e->container];
    const struct scn_node *x = scn_get(v, "image");
    free(ct->image);
    ct->image = xstrdup(x->text);
    ct->image_idx = scn_resolve_image(c, x, "image", &ct->by_digest);
    ct->invalid_image = false; /* the new image resolved (n_invalid_images: the file's) */
    s->n_updates++;
}

/* Indices of the update events that resolved, in (at, file) order. */
static size_t updates_in_time_order(const struct scenario *s, uint32_t *out)
{
    size_t n = 0;
    for (uint32_t i = 0; i < s->n_events; i++) {
        const struct scenario_event *e = &s->events[i];
        if (e->kind != SCENARIO_EVENT_UPDATE || e->workload == SCENARIO_NONE ||
            e->container == SCENARIO_NONE || e->image == SCENARIO_NONE)
            continue;
        size_t j = n++;
        for (; j > 0 && s->events[out[j - 1]].at > e->at; j--) /* stable insertion */
            out[j] = out[j - 1];
        out[j] = i;
    }
    return n;
}

void scn_resolve_workload_events(struct ctx *c, const struct scn_node *root)
{
    struct scenario *s = c->s;
    const struct scn_node *list = scn_get(root, "events");
    if (!list || list->kind != NODE_SEQ || list->n_items != s->n_events)
        return;
    for (size_t i = 0; i < s->n_events; i++) {
        struct scenario_event *e = &s->events[i];
        const struct scn_node *m = list->items[i];
        char *w = xasprintf("events[%zu]", i);
        if (e->kind == SCENARIO_EVENT_UPDATE && scn_get(m, "update"))
            resolve_update(c, scn_get(m, "update"), w, e);
        else if (e->kind == SCENARIO_EVENT_DELETE_PODS && scn_get(m, "deletePods"))
            resolve_delete(c, scn_get(m, "deletePods"), w, e);
        free(w);
    }
    if (c->d->errors > 0)
        return;
    uint32_t *order = xmalloc((s->n_events ? s->n_events : 1) * sizeof(*order));
    uint32_t *latest = xmalloc((s->n_workloads ? s->n_workloads : 1) * sizeof(*latest));
    for (uint32_t i = 0; i < s->n_workloads; i++)
        latest[i] = i;
    size_t n = updates_in_time_order(s, order);
    for (size_t i = 0; i < n; i++)
        make_revision(c, scn_get(list->items[order[i]], "update"), &s->events[order[i]],
                      latest);
    free(latest);
    free(order);
}
