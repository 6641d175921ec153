/*
 * scenario_runtimeclass.c - the runtimeClasses section (scenario_internal.h):
 * RuntimeClass names, their runtime handlers and the snapshotter each
 * handler unpacks into, interned as scenario.h's handlers and snapshotters
 * (the default handler "" and "overlayfs" first); and a pod template's
 * runtimeClassName.
 */
#include "spec/scenario_internal.h"

#include <stdlib.h>
#include <string.h>

/* A containerd snapshotter plugin name: overlayfs, devmapper, native, ... */
static bool is_snapshotter_name(const char *s)
{
    if (!*s || strlen(s) > 63)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
              *s == '.'))
            return false;
    return true;
}

/* Index of snapshotter 'name' (taken over), added when new. */
static uint32_t intern_snapshotter(struct ctx *c, char *name)
{
    struct scenario *s = c->s;
    uint32_t idx = scn_strmap_get(&c->snapshotters, name);
    if (idx != SCENARIO_NONE) {
        free(name);
        return idx;
    }
    idx = (uint32_t)s->n_snapshotters;
    *(char **)VEC_PUSH(s->snapshotters, s->n_snapshotters, c->cap_snapshotters) = name;
    scn_strmap_put(&c->snapshotters, name, idx);
    return idx;
}

/* Index of runtime handler 'name' (taken over) unpacking into 'snap', added
 * when new. One handler has one snapshotter: containerd configures it per
 * runtime ([plugins."io.containerd.cri.v1.runtime".containerd.runtimes.<handler>]
 * snapshotter; internal/cri/server/images/service.go RuntimeSnapshotter), so
 * a second class naming the handler with another snapshotter is an error at
 * 'at'. Returns SCENARIO_NONE after reporting. */
static uint32_t intern_handler(struct ctx *c, char *name, uint32_t snap, struct diag_loc at)
{
    struct scenario *s = c->s;
    uint32_t idx = scn_strmap_get(&c->handlers, name);
    if (idx == SCENARIO_NONE) {
        idx = (uint32_t)s->n_handlers;
        struct scenario_handler *h = VEC_PUSH(s->handlers, s->n_handlers, c->cap_handlers);
        *h = (struct scenario_handler){.name = name, .snapshotter = snap, .loc = at};
        scn_strmap_put(&c->handlers, name, idx);
        return idx;
    }
    const struct scenario_handler *h = &s->handlers[idx];
    if (h->snapshotter != snap) {
        diag_error(c->d, at, "runtime handler '%s' unpacks into snapshotter '%s' here but "
                   "into '%s' in an earlier class; expected one snapshotter per handler "
                   "(containerd configures it per runtime)", name, s->snapshotters[snap],
                   s->snapshotters[h->snapshotter]);
        diag_note(c->d, h->loc, "'%s' first configured here", name);
        idx = SCENARIO_NONE;
    }
    free(name);
    return idx;
}

/* runtimeClasses[i].name: an RFC 1123 subdomain, unique (upstream
 * pkg/apis/node/validation/validation.go ValidateRuntimeClass). */
static struct diag_loc runtime_class_loc(const struct scenario *s, uint32_t idx)
{
    return s->runtime_classes[idx].loc;
}

/* runtimeClasses[i].handler (required, an RFC 1123 label, as
 * ValidateRuntimeClass checks it) and .snapshotter (default overlayfs).
 * Returns the handler's index, or SCENARIO_NONE after reporting.
 * Simplification: the snapshotter is containerd's per-runtime setting,
 * written here once for every node. */
static uint32_t runtime_class_handler(struct ctx *c, const struct scn_node *m, const char *where)
{
    const struct scn_node *hv = scn_get(m, "handler"), *sv = scn_get(m, "snapshotter");
    char *handler = NULL, *snap = NULL;
    if (!hv) {
        scn_missing(c, m, "handler", where);
        return SCENARIO_NONE;
    }
    if (scn_to_string(c, hv, "handler", &handler) != 0)
        return SCENARIO_NONE;
    bool ok = scn_is_dns_label(handler);
    if (!ok)
        diag_error(c->d, hv->loc, "handler: '%s' is not a valid runtime handler: a lowercase "
                   "RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                   "start and end with an alphanumeric character and have at most 63 "
                   "characters; expected e.g. kata-qemu", handler);
    if (sv && scn_to_string(c, sv, "snapshotter", &snap) == 0 && !is_snapshotter_name(snap)) {
        diag_error(c->d, sv->loc, "snapshotter: '%s' is not a snapshotter name; expected "
                   "lower-case letters, digits, '-', '_' or '.' (e.g. overlayfs, devmapper)",
                   snap);
        ok = false;
    }
    if (!ok) {
        free(handler);
        free(snap);
        return SCENARIO_NONE;
    }
    uint32_t sn = intern_snapshotter(c, snap ? snap : xstrdup("overlayfs"));
    return intern_handler(c, handler, sn, (sv ? sv : hv)->loc);
}

/* runtimeClasses[i] keys: name, handler, snapshotter (above). */
static void parse_runtime_class(struct ctx *c, const struct scn_node *m, const char *where)
{
    static const char *const keys[] = {"name", "handler", "snapshotter"};
    struct scenario *s = c->s;
    uint32_t idx = (uint32_t)s->n_runtime_classes;
    struct scenario_runtime_class *rc = VEC_PUSH(s->runtime_classes, s->n_runtime_classes,
                                                 c->cap_runtime_classes);
    rc->handler = SCENARIO_NONE;
    rc->loc = m->loc;
    /* A class without a valid name yields no "no entry named" errors: they
     * would only repeat this one. */
    if (scn_want_map(c, m, where) != 0) {
        c->runtime_classes_ok = false;
        return;
    }
    CHECK_KEYS(c, m, keys, where);
    char *name = scn_subdomain_name(c, m, where, "RuntimeClass", "runtime class", "kata",
                                    &c->runtime_classes, idx, runtime_class_loc);
    uint32_t handler = runtime_class_handler(c, m, where);
    s->runtime_classes[idx].name = name;
    s->runtime_classes[idx].handler = handler;
    if (!name)
        c->runtime_classes_ok = false;
}

/* runtimeClasses: a list of RuntimeClasses (above). The default handler ""
 * and containerd's default snapshotter "overlayfs" are always entry 0. */
void scn_parse_runtime_classes(struct ctx *c, const struct scn_node *root)
{
    struct scenario *s = c->s;
    intern_snapshotter(c, xstrdup("overlayfs"));
    intern_handler(c, xstrdup(""), 0, (struct diag_loc){s->file, 0, 0});
    const struct scn_node *v = scn_get(root, "runtimeClasses");
    const struct scn_node *list = scn_get_list(c, root, "runtimeClasses", "", false, "runtime class");
    /* A section that is there but not a list yields no "no entry named" errors. */
    c->runtime_classes_ok = !v || scn_is_null(v) || list;
    if (!list)
        return;
    if (list->n_items > SCENARIO_MAX_RUNTIME_CLASSES) {
        diag_error(c->d, list->loc, "runtimeClasses: %zu entries exceed the limit of %u",
                   list->n_items, SCENARIO_MAX_RUNTIME_CLASSES);
        c->runtime_classes_ok = false;
        return;
    }
    for (size_t i = 0; i < list->n_items; i++) {
        char *w = xasprintf("runtimeClasses[%zu]", i);
        parse_runtime_class(c, list->items[i], w);
        free(w);
    }
}

/* template.runtimeClassName: a runtimeClasses name. Upstream the RuntimeClass
 * admission plugin rejects a pod naming no RuntimeClass (and the kubelet
 * fails its sandbox); here it is an input error. */
uint32_t scn_resolve_runtime_class(struct ctx *c, const struct scn_node *v)
{
    struct scenario *s = c->s;
    const char **names;
    if (!c->runtime_classes_ok) {
        scn_want_scalar(c, v, "runtimeClassName", "a name");
        return SCENARIO_NONE;
    }
    uint32_t idx = v->kind == NODE_SCALAR ? scn_strmap_get(&c->runtime_classes, v->text)
                                          : SCENARIO_NONE;
    if (idx != SCENARIO_NONE) /* the names are listed only for a dangling name */
        return idx;
    NAMES_OF(s->runtime_classes, s->n_runtime_classes, name, names);
    idx = scn_resolve_name(c, v, "runtimeClassName", &c->runtime_classes,
                                    "runtimeClasses", names, s->n_runtime_classes);
    free(names);
    return idx;
}
