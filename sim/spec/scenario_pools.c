/*
 * scenario_pools.c - the nodePools section (scenario_internal.h): each pool's
 * node count (within the node limit), architecture, NIC, disk, container
 * runtime settings, max pods, kubelet config (a kubeletConfigs name or
 * inline), credentials, pinned and pre-pulled images; and a pool written
 * by name elsewhere (a workload, a scale-out).
 */
#include "spec/scenario_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "spec/imageref.h"

/* nodePools[i].disk keys: writeBandwidth, capacity, baselineUsage. */
static void parse_disk(struct ctx *c, const struct scn_node *v, const char *where,
                       struct scenario_pool *p)
{
    static const char *const keys[] = {"writeBandwidth", "capacity", "baselineUsage"};
    const struct scn_node *x;
    if (scn_want_map(c, v, "disk") != 0)
        return;
    CHECK_KEYS(c, v, keys, where);
    if ((x = scn_get(v, "writeBandwidth")))
        scn_to_bandwidth(c, x, "writeBandwidth", &p->disk_write_bandwidth);
    if ((x = scn_get(v, "capacity")))
        scn_to_size(c, x, "capacity", false, &p->disk_capacity);
    const struct scn_node *bv = scn_get(v, "baselineUsage");
    if (bv)
        scn_to_size(c, bv, "baselineUsage", false, &p->disk_baseline);
    if (bv && p->disk_capacity > 0 && p->disk_baseline > p->disk_capacity)
        diag_error(c->d, bv->loc, "baselineUsage: %" PRIu64 " bytes is more than the disk's "
                   "capacity of %" PRIu64 " bytes; expected at most the capacity",
                   p->disk_baseline, p->disk_capacity);
}

/* nodePools[i].runtime keys: maxConcurrentDownloads, downloadLimitScope,
 * unpackBandwidth, imagePullProgressTimeout. */
static void parse_runtime(struct ctx *c, const struct scn_node *v, const char *where,
                          struct scenario_runtime *rt)
{
    static const char *const keys[] = {"maxConcurrentDownloads", "downloadLimitScope",
                                       "unpackBandwidth", "imagePullProgressTimeout"};
    static const char *const scopes[] = {"node", "pull"};
    const struct scn_node *x;
    int scope;
    if (scn_want_map(c, v, "runtime") != 0)
        return;
    CHECK_KEYS(c, v, keys, where);
    if ((x = scn_get(v, "maxConcurrentDownloads")))
        scn_to_u32(c, x, "maxConcurrentDownloads", 1, 100, NULL, &rt->max_concurrent_downloads);
    if ((x = scn_get(v, "downloadLimitScope")) &&
        scn_to_enum(c, x, "downloadLimitScope", "a download limit scope", scopes, N_OF(scopes),
                    &scope) == 0)
        rt->scope = scope ? SCENARIO_DOWNLOADS_PER_PULL : SCENARIO_DOWNLOADS_PER_NODE;
    if ((x = scn_get(v, "unpackBandwidth")))
        scn_to_bandwidth(c, x, "unpackBandwidth", &rt->unpack_bandwidth);
    double t;
    if ((x = scn_get(v, "imagePullProgressTimeout")) &&
        scn_to_duration(c, x, "imagePullProgressTimeout", false, &t) == 0) {
        /* The watchdog counts checks of period timeout/2 up to the horizon
         * in integers (model/runtime/watchdog.c): a tiny timeout would
         * overflow them. */
        if (t > 0 && t < SCENARIO_MIN_PROGRESS_TIMEOUT)
            diag_error(c->d, x->loc, "imagePullProgressTimeout: '%s' is below the limit of "
                       "1ms; expected 0s (no timeout) or at least 1ms", x->text);
        else
            rt->image_pull_progress_timeout = t;
    }
}

/* nodePools[i].kubelet: a kubeletConfigs name, or an inline kubelet config. */
static void parse_pool_kubelet(struct ctx *c, const struct scn_node *v, const char *where,
                               uint32_t pool_idx)
{
    struct scenario *s = c->s;
    struct scenario_pool *p = &s->pools[pool_idx];
    if (v->kind == NODE_MAP) {
        if (!p->name)
            return;
        char *name = xasprintf("%s.kubelet", p->name);
        if (scn_strmap_get(&c->kubelets, name) != SCENARIO_NONE) {
            diag_error(c->d, v->loc, "kubelet: the inline config of pool '%s' is named '%s', "
                       "which is already a kubeletConfigs name; rename one of them", p->name,
                       name);
            free(name);
            return;
        }
        uint32_t k = (uint32_t)s->n_kubelet_configs;
        char *w = xasprintf("%s.kubelet", where);
        scn_strmap_put(&c->kubelets, name, k);
        scn_parse_kubelet(c, v, name, w, true, v->loc);
        free(w);
        p->kubelet = k;
        return;
    }
    if (v->kind == NODE_SEQ) {
        diag_error(c->d, v->loc, "kubelet: expected a kubeletConfigs name or a mapping of "
                   "kubelet keys, got a list");
        return;
    }
    if (!c->kubelets_ok)
        return;
    uint32_t hit = v->kind == NODE_SCALAR ? scn_strmap_get(&c->kubelets, v->text) : SCENARIO_NONE;
    if (hit != SCENARIO_NONE && !s->kubelet_configs[hit].inline_config) {
        p->kubelet = hit; /* the names are listed only for a dangling name */
        return;
    }
    const char **names = xmalloc((s->n_kubelet_configs + 1) * sizeof(*names));
    size_t n = 0;
    for (size_t i = 0; i < s->n_kubelet_configs; i++)
        if (!s->kubelet_configs[i].inline_config)
            names[n++] = s->kubelet_configs[i].name;
    uint32_t k = scn_resolve_name(c, v, "kubelet", &c->kubelets, "kubeletConfigs", names, n);
    if (k != SCENARIO_NONE && s->kubelet_configs[k].inline_config) {
        diag_error(c->d, v->loc, "kubelet: '%s' is the inline config of another pool; expected "
                   "a kubeletConfigs name", v->text);
        k = SCENARIO_NONE;
    }
    p->kubelet = k;
    free(names);
}

/* nodePools[i].pinnedImages and prePulled: lists of images entries (a tag
 * or a digest reference), into p. */
static void parse_pool_images(struct ctx *c, const struct scn_node *m, const char *where,
                              struct scenario_pool *p)
{
    const struct scn_node *list = scn_get_list(c, m, "pinnedImages", where, false, "images");
    if (list) {
        p->pinned = xmalloc((list->n_items ? list->n_items : 1) * sizeof(*p->pinned));
        for (size_t i = 0; i < list->n_items; i++) {
            char key[48];
            snprintf(key, sizeof(key), "pinnedImages[%zu]", i);
            uint32_t img = scn_resolve_image(c, list->items[i], key, NULL);
            if (img != SCENARIO_NONE)
                p->pinned[p->n_pinned++] = img;
        }
    }
    list = scn_get_list(c, m, "prePulled", where, false, "images");
    if (!list)
        return;
    size_t n = list->n_items ? list->n_items : 1;
    p->pre_pulled = xmalloc(n * sizeof(*p->pre_pulled));
    p->pre_pulled_by_digest = xmalloc(n * sizeof(*p->pre_pulled_by_digest));
    for (size_t i = 0; i < list->n_items; i++) {
        char key[48];
        bool by_digest;
        snprintf(key, sizeof(key), "prePulled[%zu]", i);
        uint32_t img = scn_resolve_image(c, list->items[i], key, &by_digest);
        if (img == SCENARIO_NONE)
            continue;
        p->pre_pulled_by_digest[p->n_pre_pulled] = by_digest;
        p->pre_pulled[p->n_pre_pulled++] = img;
    }
}

/* The sandbox image containerd uses when its config names none. Source:
 * containerd internal/cri/config/config.go DefaultSandboxImage:
 * registry.k8s.io/pause:3.10 in v2.0 and v2.1 (3.10.1 in v2.2, 3.10.2 in
 * v2.3). */
#define DEFAULT_SANDBOX_IMAGE "registry.k8s.io/pause:3.10"

/* nodePools[i].sandboxImage keys: ref (default DEFAULT_SANDBOX_IMAGE),
 * prePulled (default true, as on most node images). A sandbox image that is
 * not pre-pulled must be an images entry (its layers are pulled); it is
 * pinned: containerd labels its pinned images (pinned_images.sandbox;
 * internal/cri/server/images/image_pull.go getLabels) and the kubelet's image
 * GC skips an image CRI reports as pinned (spec §8). */
static void parse_sandbox_image(struct ctx *c, const struct scn_node *v, const char *where,
                                struct scenario_pool *p)
{
    static const char *const keys[] = {"ref", "prePulled"};
    if (scn_want_map(c, v, "sandboxImage") != 0)
        return;
    CHECK_KEYS(c, v, keys, where);
    bool pre_pulled = true;
    const struct scn_node *pv = scn_get(v, "prePulled");
    if (pv && scn_to_bool(c, pv, "prePulled", &pre_pulled) != 0)
        return;
    const struct scn_node *rv = scn_get(v, "ref");
    struct scn_node def = {.kind = NODE_SCALAR, .loc = v->loc, .text = DEFAULT_SANDBOX_IMAGE};
    if (!rv)
        rv = &def;
    if (pre_pulled) {
        if (rv != &def && scn_want_scalar(c, rv, "ref", "an image reference") == 0) {
            char err[IMAGEREF_ERRLEN];
            char *tagged = imageref_apply_default_tag(rv->text, err, sizeof(err));
            if (!tagged)
                diag_error(c->d, rv->loc, "ref: '%s' is not a valid image reference: %s",
                           rv->text, err);
            free(tagged);
        }
        return; /* present from the start: nothing is pulled, nothing to resolve */
    }
    uint32_t img = scn_resolve_image(c, rv, "sandboxImage.ref", NULL);
    if (img == SCENARIO_NONE) {
        if (c->images_ok)
            diag_note(c->d, v->loc, "a sandbox image that is not pre-pulled is pulled like any "
                      "image: list it under images, e.g. {ref: %s, layers: [{size: 320kB}]}",
                      rv->text);
        return;
    }
    p->sandbox_image = img;
    p->pinned = xrealloc(p->pinned, (p->n_pinned + 1) * sizeof(*p->pinned));
    p->pinned[p->n_pinned++] = img;
}

/* nodePools[i] keys: name, count, arch, nicBandwidth, disk, kubelet, runtime,
 * maxPods, prePulled, pinnedImages, sandboxImage, credentials. */
static void parse_pool(struct ctx *c, const struct scn_node *m, const char *where)
{
    static const char *const keys[] = {"name", "count", "arch", "nicBandwidth", "disk",
                                       "kubelet", "runtime", "maxPods", "prePulled",
                                       "pinnedImages", "sandboxImage", "credentials"};
    struct scenario *s = c->s;
    uint32_t idx = (uint32_t)s->n_pools;
    struct scenario_pool *p = VEC_PUSH(s->pools, s->n_pools, c->cap_pools);
    p->disk_write_bandwidth = INFINITY;
    p->kubelet = SCENARIO_NONE;
    /* containerd defaults: max_concurrent_downloads 3, image_pull_progress_timeout
     * 5m (spec §11). */
    p->runtime = (struct scenario_runtime){3, SCENARIO_DOWNLOADS_PER_NODE, INFINITY, 300.0};
    p->max_pods = 110;
    p->sandbox_image = SCENARIO_NONE;
    p->loc = m->loc;
    if (scn_want_map(c, m, where) != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    const struct scn_node *v;
    char *w;
    if (!(v = scn_get(m, "name"))) {
        scn_missing(c, m, "name", where);
    } else if (scn_to_string(c, v, "name", &p->name) == 0) {
        uint32_t prev = scn_strmap_get(&c->pools, p->name);
        if (prev != SCENARIO_NONE) {
            diag_error(c->d, v->loc, "name: duplicate node pool '%s'; pool names are unique",
                       p->name);
            diag_note(c->d, s->pools[prev].loc, "'%s' first defined here", p->name);
        } else {
            scn_strmap_put(&c->pools, p->name, idx);
        }
    }
    if (!(v = scn_get(m, "count"))) {
        scn_missing(c, m, "count", where);
    } else if (scn_to_u32(c, v, "count", 0, SCENARIO_MAX_NODES, "nodes per pool", &p->count) == 0) {
        c->nodes += p->count;
        if (c->nodes > SCENARIO_MAX_NODES && c->nodes - p->count <= SCENARIO_MAX_NODES)
            diag_error(c->d, v->loc, "count: the pools have %" PRIu64 " nodes in total, over "
                       "the limit of %u nodes", c->nodes, SCENARIO_MAX_NODES);
    }
    if ((v = scn_get(m, "arch")))
        scn_to_string(c, v, "arch", &p->arch);
    if (!p->arch)
        p->arch = xstrdup("amd64");
    if (!(v = scn_get(m, "nicBandwidth")))
        scn_missing(c, m, "nicBandwidth", where);
    else
        scn_to_bandwidth(c, v, "nicBandwidth", &p->nic_bandwidth);
    if ((v = scn_get(m, "disk"))) {
        w = xasprintf("%s.disk", where);
        parse_disk(c, v, w, p);
        free(w);
    }
    if ((v = scn_get(m, "runtime"))) {
        w = xasprintf("%s.runtime", where);
        parse_runtime(c, v, w, &p->runtime);
        free(w);
    }
    if ((v = scn_get(m, "maxPods")))
        scn_to_u32(c, v, "maxPods", 1, 1000, NULL, &p->max_pods);
    if ((v = scn_get(m, "kubelet")) && !scn_is_null(v))
        parse_pool_kubelet(c, v, where, idx);
    if ((v = scn_get(m, "credentials")) && !scn_is_null(v)) {
        w = xasprintf("%s.credentials", where);
        scn_parse_pool_credentials(c, v, w, &s->pools[idx]);
        free(w);
    }
    parse_pool_images(c, m, where, &s->pools[idx]);
    if ((v = scn_get(m, "sandboxImage")) && !scn_is_null(v)) {
        w = xasprintf("%s.sandboxImage", where);
        parse_sandbox_image(c, v, w, &s->pools[idx]);
        free(w);
    }
}

void scn_parse_pools(struct ctx *c, const struct scn_node *root)
{
    const struct scn_node *list = scn_get_list(c, root, "nodePools", "", true, "node pool");
    if (!list)
        return;
    c->pools_ok = true;
    for (size_t i = 0; i < list->n_items; i++) {
        char *w = xasprintf("nodePools[%zu]", i);
        parse_pool(c, list->items[i], w);
        free(w);
    }
}

uint32_t scn_resolve_pool(struct ctx *c, const struct scn_node *v, const char *key)
{
    struct scenario *s = c->s;
    const char **names;
    if (!c->pools_ok) {
        scn_want_scalar(c, v, key, "a pool name");
        return SCENARIO_NONE;
    }
    uint32_t idx = v->kind == NODE_SCALAR ? scn_strmap_get(&c->pools, v->text) : SCENARIO_NONE;
    if (idx != SCENARIO_NONE) /* the names are listed only for a dangling name */
        return idx;
    NAMES_OF(s->pools, s->n_pools, name, names);
    idx = scn_resolve_name(c, v, key, &c->pools, "nodePools", names, s->n_pools);
    free(names);
    return idx;
}
