/*
 * scenario.c - see scenario.h: the loader's public API and its top level.
 *
 * Three passes:
 *  1. libyaml events become a small tree (struct scn_node): mappings, lists and
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
 * Passes 1 and 2 and the output are in scenario_yaml.c; pass 3 starts at
 * parse_top below, which reads the top-level keys and calls one parser per
 * section, each in its own scenario_<section>.c (the list is in
 * scenario_internal.h). scenario_kubelet_defaults is in scenario_kubelet.c.
 * Vocabulary: spec/scenario-format.md; kubelet config: spec/kubelet-semantics.md §6.
 */
#include "spec/scenario.h"
#include "spec/scenario_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- top level */

/* admission keys: alwaysPullImages (spec/kubelet-semantics.md §12). */
static void parse_admission(struct ctx *c, const struct scn_node *root)
{
    static const char *const keys[] = {"alwaysPullImages"};
    const struct scn_node *v = scn_get(root, "admission"), *x;
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

/* bandwidthMeans: payload (the default: figures are what a pull's bytes
 * get) or linkRate (figures are Ethernet line rates, as a NIC or a cloud
 * instance type is sold): the network bandwidths are then scaled to their
 * payload share, SCENARIO_ETHERNET_GOODPUT. Disks are not framed. */
static void parse_bandwidth_means(struct ctx *c, const struct scn_node *root)
{
    static const char *const names[] = {"payload", "linkRate"};
    const struct scn_node *v = scn_get(root, "bandwidthMeans");
    int means = 0;
    if (v && scn_to_enum(c, v, "bandwidthMeans", "what bandwidths mean", names, N_OF(names),
                         &means) == 0)
        c->s->bandwidth_is_link_rate = means == 1;
}

/* After registries, changes and pools are read: their network bandwidths
 * as payload rates. */
static void apply_bandwidth_means(struct scenario *s)
{
    if (!s->bandwidth_is_link_rate)
        return;
    const double g = SCENARIO_ETHERNET_GOODPUT;
    for (size_t i = 0; i < s->n_registries; i++) {
        struct scenario_registry *r = &s->registries[i];
        r->egress_bandwidth *= g;
        r->per_connection_bandwidth *= g; /* INFINITY stays */
        for (size_t k = 0; k < r->n_changes; k++) {
            r->changes[k].egress_bandwidth *= g;
            r->changes[k].per_connection_bandwidth *= g;
        }
    }
    for (size_t i = 0; i < s->n_pools; i++)
        s->pools[i].nic_bandwidth *= g;
}

/* Top level keys: name, seed, horizon, sampleInterval, bandwidthMeans,
 * admission, registries, images, runtimeClasses, secrets, kubeletConfigs,
 * nodePools, workloads, events, experiment. */
static void parse_top(struct ctx *c, const struct scn_node *root)
{
    static const char *const keys[] = {"name", "seed", "horizon", "sampleInterval",
                                       "bandwidthMeans", "admission", "registries", "images",
                                       "kubeletConfigs",
                                       "nodePools", "workloads", "events",
                                       "runtimeClasses", "secrets", "experiment"};
    struct scenario *s = c->s;
    const struct scn_node *v;
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
    if ((v = scn_get(root, "horizon")) &&
        scn_to_duration(c, v, "horizon", true, &s->horizon) == 0 &&
        s->horizon > SCENARIO_MAX_HORIZON) {
        diag_error(c->d, v->loc, "horizon: '%s' is over the limit of 366 days (8784h); "
                   "expected a shorter horizon", v->text);
        s->horizon = 24 * 3600.0;
    }
    if ((v = scn_get(root, "sampleInterval")))
        scn_to_duration(c, v, "sampleInterval", true, &s->sample_interval);
    parse_bandwidth_means(c, root);
    parse_admission(c, root);
    scn_parse_registries(c, root);
    scn_parse_images(c, root);
    scn_parse_runtime_classes(c, root);
    scn_parse_secrets(c, root); /* after registries: secrets name their accounts */
    scn_parse_kubelet_configs(c, root);
    scn_parse_pools(c, root);
    scn_parse_events(c, root); /* before workloads: a pod may name a pushed image's digest */
    scn_parse_workloads(c, root);
    scn_parse_experiment(c, root);
    scn_check_totals(c);
    scn_check_limits(c, root);
    note_credentials(s);
    apply_bandwidth_means(s);
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

static void free_registry(struct scenario_registry *r)
{
    free(r->host);
    free(r->outages);
    free(r->changes);
    free_auth(&r->auth);
}

static void free_image(struct scenario_image *im)
{
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

static void free_pool(struct scenario_pool *p)
{
    free(p->name);
    free(p->arch);
    free(p->pre_pulled);
    free(p->pre_pulled_by_digest);
    free(p->pinned);
    free_auth_entries(p->node_auths, p->n_node_auths);
}

static void free_workload(struct scenario_workload *wl)
{
    for (size_t j = 0; j < wl->n_containers; j++) {
        free(wl->containers[j].name);
        free(wl->containers[j].image);
    }
    free(wl->containers);
    free(wl->name);
    free(wl->pull_secrets);
}

void scenario_free(struct scenario *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_registries; i++)
        free_registry(&s->registries[i]);
    for (size_t i = 0; i < s->n_layers; i++)
        free(s->layers[i].id);
    for (size_t i = 0; i < s->n_images; i++)
        free_image(&s->images[i]);
    for (size_t i = 0; i < s->n_kubelet_configs; i++) {
        free(s->kubelet_configs[i].name);
        for (size_t j = 0; j < s->kubelet_configs[i].n_allowlist; j++)
            free(s->kubelet_configs[i].allowlist[j]);
        free(s->kubelet_configs[i].allowlist);
    }
    for (size_t i = 0; i < s->n_pools; i++)
        free_pool(&s->pools[i]);
    for (size_t i = 0; i < s->n_workloads; i++)
        free_workload(&s->workloads[i]);
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
    scn_free_experiment(&s->experiment);
    free(s->name);
    free(s->effective_yaml);
    free(s->file);
    free(s);
}

uint64_t scenario_image_size(const struct scenario *s, uint32_t image)
{
    uint64_t size = 0;
    for (size_t i = 0; i < s->images[image].n_layers; i++)
        size += s->layers[s->images[image].layers[i]].size;
    return size;
}

uint32_t scenario_manifest_items(const struct scenario *s, uint32_t image)
{
    const struct scenario_image *im = &s->images[image];
    return s->registries[im->registry].manifest_requests + (im->n_platforms > 0 ? 1u : 0u);
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
    struct scn_node *root = scn_build_tree(&c, text, len);
    if (root) {
        for (size_t i = 0; i < n_sets; i++)
            scn_apply_set(&c, root, &sets[i]);
        if (has_seed && root->kind == NODE_MAP)
            scn_apply_seed(root, seed);
        scn_k8s_normalize(&c, root);
        parse_top(&c, root);
        if (d->errors == errors0)
            s->effective_yaml = scn_emit_tree(&c, root);
        scn_node_free(root);
    }
    diag_flush(d); /* the messages, in file order */
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
    scn_strmap_release(&c.digests);
    for (size_t i = 0; i < c.n_digest_keys; i++)
        free(c.digest_keys[i]);
    free(c.digest_keys);
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
        diag_flush(d);
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
        diag_flush(d);
        return NULL;
    }
    fclose(f);
    struct scenario *s = load_text(path, sb.buf, sb.len, sets, n_sets, has_seed, seed, d);
    strbuf_release(&sb);
    return s;
}
