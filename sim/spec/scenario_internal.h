/*
 * scenario_internal.h - PRIVATE to the scenario loader: only sim/scenario*.c
 * include it. scenario.h is the loader's contract with the rest of pullsim.
 *
 * Declares what the loader's files share: the YAML tree (struct scn_node), the
 * small hash maps, the load context (struct ctx) and the helpers the section
 * parsers use. A function shared between scenario*.c files has the scn_
 * prefix and its prototype here; a function one file uses is static there.
 * Files:
 *   scenario.c               public API: load, overrides, top-level keys, free
 *   scenario_yaml.c          libyaml events -> tree, --set and --seed, YAML out
 *   scenario_values.c        tree queries, hash maps, messages, conversions
 *   scenario_registries.c    registries: latency, outages, changes, limits, auth
 *   scenario_images.c        images: layers, chains, digests, platforms, lookup
 *   scenario_runtimeclass.c  runtimeClasses: handlers and snapshotters
 *   scenario_secrets.c       secrets, imagePullSecrets, node pool credentials
 *   scenario_kubelet.c       kubeletConfigs and inline configs, kubelet defaults
 *   scenario_pools.c         nodePools
 *   scenario_events.c        events: scale-outs and pushes
 *   scenario_workloads.c     workloads and their pod templates, the pod total
 *   scenario_limits.c        limits on products: samples, sampled values,
 *                            pre-pulled layers
 *   scenario_k8s.c           pasted Kubernetes objects -> the scenario's own form
 *   scenario_anchors.c       YAML anchors, aliases and merge keys
 * Calling sequence (scenario.c): scn_build_tree, scn_apply_set for each
 *   --set, scn_apply_seed, scn_k8s_normalize, the scn_parse_<section>
 *   functions in the order of the "sections" block below, scn_check_totals,
 *   scn_check_limits, then scn_emit_tree when nothing was reported,
 *   scn_node_free, and diag_flush (the messages come out sorted by
 *   location, diag.h).
 * Invariants:
 *  - a node's loc is the 1-based start of its text in the file; a value or
 *    key from --set or --seed has line 0 and "--set PATH" or "--seed" as its
 *    file;
 *  - a NODE_BAD node was reported when it was made: every helper skips it
 *    without a second message;
 *  - messages are reported in the order the parsers walk the tree and
 *    printed in file order (diag.h); the tests pin the first one.
 * Ownership: the tree owns its nodes and their text (scn_node_free()). The
 *   context borrows d and s; its maps borrow their keys from s, layer_src
 *   its texts from the tree, both alive until the load ends; scenario.c
 *   releases the context. scenario*.c never include model/ (the loader
 *   sees only base and spec).
 */
#ifndef PULLSIM_SCENARIO_INTERNAL_H
#define PULLSIM_SCENARIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "base/base.h"
#include "base/diag.h"
#include "spec/scenario.h"

/* ------------------------------------------------------------------ tree */

enum scn_node_kind {
    NODE_SCALAR,
    NODE_MAP,
    NODE_SEQ,
    NODE_BAD, /* an alias or bad scalar, already reported: checks skip it silently */
};

struct scn_node;

/* String -> index. Keys are borrowed. Lookups only; never iterated, so
 * hash order cannot leak into results. */
struct strmap {
    const char **keys;
    uint32_t *vals;
    size_t cap, n;
};

struct pair {
    struct scn_node *key; /* a scalar, except after a reported error */
    struct scn_node *value;
};

struct scn_node {
    enum scn_node_kind kind;
    struct diag_loc loc;
    yaml_scalar_style_t style; /* scalars: as written, so the effective YAML keeps it */
    bool flow;                 /* collections: written in flow style ([a, b], {k: v}) */
    char *text;                /* scalars */
    struct scn_node **items;       /* NODE_SEQ */
    size_t n_items, cap_items;
    struct pair *pairs;        /* NODE_MAP, in file order */
    size_t n_pairs, cap_pairs;
    /* NODE_MAP with at least SCN_MAP_INDEX_MIN pairs: scalar key text ->
     * index in pairs (the first pair of that key), so a key lookup and the
     * duplicate check cost O(1) and a mapping of n keys loads in O(n). */
    struct strmap *index;
};

/* Pairs from which a mapping keeps a key index (a linear scan is faster below). */
#define SCN_MAP_INDEX_MIN 16

/* ------------------------------------------------------- small hash maps */

/* (parent chain, layer) -> chain index, for interning snapshot chains. */
struct chainmap {
    uint64_t *keys;
    uint32_t *vals; /* SCENARIO_NONE = empty slot */
    size_t cap, n;
};

/* ---------------------------------------------------------- load context */

struct layer_src;    /* scenario_images.c */
struct workload_src; /* scenario_workloads.c */

struct ctx {
    struct diag *d;
    struct scenario *s;
    size_t cap_registries, cap_layers, cap_chains, cap_images, cap_kubelets, cap_pools,
        cap_workloads, cap_events, cap_origins, cap_layer_src;
    size_t cap_runtime_classes, cap_handlers, cap_snapshotters;
    size_t cap_credentials, cap_secrets;
    struct strmap hosts, images, layers, kubelets, pools, workloads;
    struct strmap runtime_classes, handlers, snapshotters;
    struct strmap credentials, secrets;
    struct chainmap chains;
    struct strmap digests; /* "repository@digest" -> first image; keys in digest_keys */
    char **digest_keys;    /* owned */
    size_t n_digest_keys, cap_digest_keys;
    struct layer_src *layer_src; /* parallel to s->layers */
    size_t n_layer_src;
    struct workload_src *wl_src; /* parallel to s->workloads */
    size_t n_wl_src, cap_wl_src;
    uint64_t nodes; /* running total of pool counts and scale-outs */
    /* A section that is missing or not a list yields no "no entry named"
     * errors: they would only repeat the first error. */
    bool registries_ok, images_ok, kubelets_ok, pools_ok, runtime_classes_ok;
    bool secrets_ok;
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define CHECK_KEYS(c, map, keys, where) scn_check_keys((c), (map), (keys), N_OF(keys), (where))

/* The names of an array of structs with a 'char *' member, for "expected one of". */
#define NAMES_OF(arr, n, member, out)                                                      \
    do {                                                                                   \
        (out) = xmalloc(((n) ? (n) : 1) * sizeof(*(out)));                                 \
        for (size_t i_ = 0; i_ < (n); i_++)                                                \
            (out)[i_] = (arr)[i_].member;                                                  \
    } while (0)

/* ------------------------------------------- scenario_values.c: tree queries */

/* YAML's null: an empty or "~"/"null" plain scalar ("count:" with no value). */
bool scn_is_null(const struct scn_node *n);
/* The pair of 'key' in a mapping, or NULL. O(1) through the index. */
struct pair *scn_find_pair(const struct scn_node *map, const char *key);
/* Appends the pair (key, value) to a mapping and indexes it; the mapping
 * takes both nodes over. Returns the new pair (valid until the next add). */
struct pair *scn_map_add(struct scn_node *map, struct scn_node *key, struct scn_node *value);
/* The value of 'key' in a mapping, or NULL when absent (or not a mapping). */
const struct scn_node *scn_get(const struct scn_node *map, const char *key);
/* "a mapping", "a list", "a single value", "an empty value", ... */
const char *scn_kind_noun(const struct scn_node *n);

/* ---------------------------------------- scenario_values.c: small hash maps */

uint32_t scn_strmap_get(const struct strmap *m, const char *key); /* or SCENARIO_NONE */
void scn_strmap_put(struct strmap *m, const char *key, uint32_t val);
void scn_strmap_release(struct strmap *m);
uint32_t scn_chainmap_get(const struct chainmap *m, uint64_t key); /* or SCENARIO_NONE */
void scn_chainmap_put(struct chainmap *m, uint64_t key, uint32_t val);
void scn_chainmap_release(struct chainmap *m);

/* ---------------------------------------- scenario_values.c: message helpers */

/* "; expected one of: a, b, c; did you mean 'x'?" (NULL names skipped). */
void scn_add_expected(struct strbuf *sb, const char *word, const char *const *names, size_t n);
/* Reports sb's text as an error at 'at' and releases sb; returns -1. */
int scn_error_sb(struct ctx *c, struct diag_loc at, struct strbuf *sb);
/* "in " before a path such as "registries[0]", or "at the top level" for "". */
const char *scn_where_prep(const char *where);
/* Reports every key of 'map' not in 'allowed'; -1 if any. Use CHECK_KEYS. */
int scn_check_keys(struct ctx *c, const struct scn_node *map, const char *const *allowed,
                   size_t n_allowed, const char *where);
/* Reports missing required 'key' (unless a typo of it was reported); -1. */
int scn_missing(struct ctx *c, const struct scn_node *map, const char *key, const char *where);

/* ------------------------------------- scenario_values.c: scalar conversions */
/* Each returns 0 and stores the value, or -1 after reporting (silently for
 * a NODE_BAD, already reported) and leaves *out untouched. 'key' names the
 * value in messages. */

int scn_want_scalar(struct ctx *c, const struct scn_node *v, const char *key, const char *what);
int scn_want_map(struct ctx *c, const struct scn_node *v, const char *key);
int scn_to_string(struct ctx *c, const struct scn_node *v, const char *key, char **out);
int scn_to_int(struct ctx *c, const struct scn_node *v, const char *key, int64_t min, int64_t max,
               const char *limit, int64_t *out);
int scn_to_u32(struct ctx *c, const struct scn_node *v, const char *key, uint32_t min,
               uint32_t max, const char *limit, uint32_t *out);
int scn_to_u64(struct ctx *c, const struct scn_node *v, const char *key, uint64_t *out);
int scn_to_bool(struct ctx *c, const struct scn_node *v, const char *key, bool *out);
/* Reads text as a plain decimal number, reporting nothing: 0, or -1. */
int scn_parse_number(const char *t, double *out);
int scn_to_number(struct ctx *c, const struct scn_node *v, const char *key, double *out);
int scn_to_duration(struct ctx *c, const struct scn_node *v, const char *key, bool positive,
                    double *out);
int scn_to_size(struct ctx *c, const struct scn_node *v, const char *key, bool positive,
                uint64_t *out);
int scn_to_bandwidth(struct ctx *c, const struct scn_node *v, const char *key, double *out);
int scn_to_enum(struct ctx *c, const struct scn_node *v, const char *key, const char *noun,
                const char *const *names, size_t n, int *out);
int scn_to_folder_name(struct ctx *c, const struct scn_node *v, const char *key, char **out);
/* The list under 'key', or NULL (absent, empty value, or reported). */
const struct scn_node *scn_get_list(struct ctx *c, const struct scn_node *map, const char *key,
                                const char *where, bool required, const char *entry_noun);

/* ---------------------------------------- scenario_values.c: names, lookups */

bool scn_is_folder_name(const char *s);   /* [A-Za-z0-9._-]+, not "." or ".." */
bool scn_is_dns_label(const char *s);     /* RFC 1123 label, at most 63 characters */
bool scn_is_dns_subdomain(const char *s); /* RFC 1123 subdomain, at most 253 */
/* The 'name' key of a section entry that Kubernetes names with an RFC 1123
 * subdomain (RuntimeClass, Secret: 'kind' in messages, 'noun' for
 * duplicates, 'example' a valid name), unique in 'names' where it is added
 * as 'idx'; 'loc_of' gives an earlier entry's location for the note.
 * Returns the name (the caller owns it; also for a duplicate), or NULL after
 * reporting. */
typedef struct diag_loc scn_loc_fn(const struct scenario *s, uint32_t idx);
char *scn_subdomain_name(struct ctx *c, const struct scn_node *m, const char *where,
                         const char *kind, const char *noun, const char *example,
                         struct strmap *names, uint32_t idx, scn_loc_fn *loc_of);
/* The index of the name written at v in 'map', or SCENARIO_NONE after
 * reporting a dangling name with the 'names' available. */
uint32_t scn_resolve_name(struct ctx *c, const struct scn_node *v, const char *key,
                          const struct strmap *map, const char *section,
                          const char *const *names, size_t n);

/* ----------------------------------------------------------- scenario_yaml.c */

/* ------------------------------------------------------- scenario_anchors.c */

/* Values the copies of aliases may add to one file. */
#define SCN_ALIAS_MAX_NODES 100000

/* Anchors seen so far: name -> the anchored node (borrowed from the tree;
 * NULL once merged away). */
struct scn_anchors {
    char **names;
    const struct scn_node **nodes;
    size_t n, cap_names, cap_nodes;
    size_t copied; /* nodes made by alias copies */
};
void scn_anchors_release(struct scn_anchors *a);
void scn_anchor_put(struct scn_anchors *a, const char *name, const struct scn_node *n);
/* A deep copy of the node anchored as 'name', or a NODE_BAD after reporting
 * (no such anchor, an alias inside its own value - one of the 'open'
 * collections - or the copy limit). */
struct scn_node *scn_alias_copy(struct ctx *c, struct scn_anchors *a, const char *name,
                            struct diag_loc at, struct scn_node *const *open, size_t n_open);
/* Resolves a finished mapping's merge key ("<<"), if it has one. */
void scn_merge_keys(struct ctx *c, struct scn_anchors *a, struct scn_node *map);

/* The tree of YAML text (caller frees with scn_node_free()), or NULL after
 * reporting. */
struct scn_node *scn_build_tree(struct ctx *c, const char *text, size_t len);
void scn_node_free(struct scn_node *n); /* NULL: no-op */
/* Applies one --set PATH=VALUE to the tree; -1 after reporting. */
int scn_apply_set(struct ctx *c, struct scn_node *root, const struct scenario_override *o);
/* Sets the top-level 'seed' (root is a mapping) to the --seed value. */
void scn_apply_seed(struct scn_node *root, uint64_t seed);
/* The tree as YAML text (caller frees), or NULL after reporting. */
char *scn_emit_tree(struct ctx *c, const struct scn_node *root);

/* ------------------------------------------------------------ scenario_k8s.c */

/* Rewrites Kubernetes objects in the tree (Pod, Deployment, DaemonSet in
 * workloads; KubeletConfiguration in kubeletConfigs and nodePools[].kubelet)
 * into the scenario's own form, reporting errors and one warning that lists
 * the fields it drops. */
void scn_k8s_normalize(struct ctx *c, struct scn_node *root);

/* ---------------------------------------------------------------- sections */
/* scn_parse_<section> reads one top-level section of the root mapping into
 * c->s and reports every problem. scenario.c's parse_top calls them in the
 * order below: each section may refer to the ones before it. */

/* scenario_registries.c */
void scn_parse_registries(struct ctx *c, const struct scn_node *root);

/* scenario_events.c: after the workloads, the events that name one (update,
 * deletePods) resolve it; updates make the template revisions. */
void scn_resolve_workload_events(struct ctx *c, const struct scn_node *root);
/* scenario_workloads.c: a copy of workload 'from' appended as a revision of
 * 'base'; its index. */
uint32_t scn_new_revision(struct ctx *c, uint32_t from, uint32_t base);

/* scenario_images.c */
void scn_parse_images(struct ctx *c, const struct scn_node *root);
/* The image written at v (a pod, prePulled, pinnedImages, a push event), or
 * SCENARIO_NONE after reporting; *by_digest (may be NULL): it names a digest. */
uint32_t scn_resolve_image(struct ctx *c, const struct scn_node *v, const char *key,
                           bool *by_digest);
/* A push event's new image under images entry 'tag', read from the push
 * mapping v; its index, or SCENARIO_NONE after reporting. */
uint32_t scn_new_pushed_image(struct ctx *c, const struct scn_node *v, const char *where,
                              uint32_t tag);

/* scenario_runtimeclass.c */
void scn_parse_runtime_classes(struct ctx *c, const struct scn_node *root);
/* A template's runtimeClassName written at v: its runtime_classes index, or
 * SCENARIO_NONE after reporting. */
uint32_t scn_resolve_runtime_class(struct ctx *c, const struct scn_node *v);

/* scenario_secrets.c */
void scn_parse_secrets(struct ctx *c, const struct scn_node *root);
/* A template's imagePullSecrets (in m) into wl->pull_secrets. */
void scn_parse_pull_secrets(struct ctx *c, const struct scn_node *m, const char *where,
                            struct scenario_workload *wl);
/* A pool's credentials mapping v into p->node_auths. */
void scn_parse_pool_credentials(struct ctx *c, const struct scn_node *v, const char *where,
                                struct scenario_pool *p);

/* scenario_kubelet.c */
void scn_parse_kubelet_configs(struct ctx *c, const struct scn_node *root);
/* Reads the kubelet config at m (a kubeletConfigs value, or a pool's inline
 * config) into a new kubelet_configs entry named 'name' (taken over). */
void scn_parse_kubelet(struct ctx *c, const struct scn_node *m, char *name, const char *where,
                       bool inline_config, struct diag_loc loc);

/* scenario_pools.c */
void scn_parse_pools(struct ctx *c, const struct scn_node *root);
/* The pool named at v: its index, or SCENARIO_NONE after reporting. */
uint32_t scn_resolve_pool(struct ctx *c, const struct scn_node *v, const char *key);

/* scenario_events.c */
void scn_parse_events(struct ctx *c, const struct scn_node *root);
/* scenario_experiment.c: the experiment section. */
void scn_parse_experiment(struct ctx *c, const struct scn_node *root);
void scn_free_experiment(struct scenario_experiment *e);

/* scenario_workloads.c */
void scn_parse_workloads(struct ctx *c, const struct scn_node *root);
/* The pod limit (a DaemonSet counts its pools' nodes), once workloads,
 * pools and events are read. */
void scn_check_totals(struct ctx *c);

/* scenario_limits.c: the limits on products of quantities (samples, sampled
 * series, pre-pulled layers), once every section is read. */
void scn_check_limits(struct ctx *c, const struct scn_node *root);

#endif
