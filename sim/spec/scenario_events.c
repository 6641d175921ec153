/*
 * scenario_events.c - the events section (scenario_internal.h): scale-outs
 * (nodes joining a pool, within the node limit) and pushes (a tag moving to
 * an existing image or to a new one, scenario_images.c). Events are read
 * before workloads, so a pod may name a pushed image by digest.
 */
#include "spec/scenario_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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

void scn_parse_events(struct ctx *c, const struct node *root)
{
    const struct node *list = scn_get_list(c, root, "events", "", false, "events");
    for (size_t i = 0; list && i < list->n_items; i++) {
        char *w = xasprintf("events[%zu]", i);
        parse_event(c, list->items[i], w);
        free(w);
    }
}
