/*
 * scenario_anchors.c - YAML anchors, aliases and merge keys for the tree
 * (scenario_internal.h).
 *
 * An alias becomes a deep copy of its anchor's node, with the locations of
 * the anchored text, so an error in a shared value points where it is
 * written. A merge key ("<<: *base", or "<<: [*a, *b]") adds the keys of the
 * merged mappings that the mapping does not set itself, earlier merged
 * mappings first (YAML 1.1 merge key type). Limits keep a small file from
 * growing huge through nested aliases ("billion laughs"): the copies of one
 * file hold at most SCN_ALIAS_MAX_NODES nodes.
 */
#include "spec/scenario_internal.h"

#include <stdlib.h>
#include <string.h>

void scn_anchors_release(struct scn_anchors *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->names[i]);
    free(a->names);
    free(a->nodes);
    memset(a, 0, sizeof(*a));
}

void scn_anchor_put(struct scn_anchors *a, const char *name, const struct scn_node *n)
{
    /* A later anchor of the same name replaces the earlier one (YAML 1.2). */
    for (size_t i = a->n; i-- > 0;) {
        if (strcmp(a->names[i], name) == 0) {
            a->nodes[i] = n;
            return;
        }
    }
    VEC_RESERVE(a->names, a->n, a->cap_names, a->n + 1);
    VEC_RESERVE(a->nodes, a->n, a->cap_nodes, a->n + 1);
    a->names[a->n] = xstrdup(name);
    a->nodes[a->n++] = n;
}

static struct scn_node *copy(struct scn_anchors *a, const struct scn_node *n)
{
    a->copied++;
    struct scn_node *m = xcalloc(1, sizeof(*m));
    m->kind = n->kind;
    m->loc = n->loc;
    m->style = n->style;
    m->flow = n->flow;
    m->text = n->text ? xstrdup(n->text) : NULL;
    if (n->n_items) {
        m->items = xcalloc(n->n_items, sizeof(*m->items));
        m->n_items = m->cap_items = n->n_items;
        for (size_t i = 0; i < n->n_items; i++)
            m->items[i] = copy(a, n->items[i]);
    }
    if (n->n_pairs) {
        m->pairs = xcalloc(n->n_pairs, sizeof(*m->pairs));
        m->n_pairs = m->cap_pairs = n->n_pairs;
        for (size_t i = 0; i < n->n_pairs; i++) {
            m->pairs[i].key = copy(a, n->pairs[i].key);
            m->pairs[i].value = copy(a, n->pairs[i].value);
        }
    }
    return m;
}

static size_t count(const struct scn_node *n, size_t limit)
{
    size_t k = 1;
    for (size_t i = 0; i < n->n_items && k <= limit; i++)
        k += count(n->items[i], limit);
    for (size_t i = 0; i < n->n_pairs && k <= limit; i++)
        k += count(n->pairs[i].key, limit) + count(n->pairs[i].value, limit);
    return k;
}

static bool contains(const struct scn_node *tree, const struct scn_node *n)
{
    if (tree == n)
        return true;
    for (size_t i = 0; i < tree->n_items; i++)
        if (contains(tree->items[i], n))
            return true;
    for (size_t i = 0; i < tree->n_pairs; i++)
        if (contains(tree->pairs[i].key, n) || contains(tree->pairs[i].value, n))
            return true;
    return false;
}

static struct scn_node *bad_node(struct diag_loc at)
{
    struct scn_node *bad = xcalloc(1, sizeof(*bad));
    bad->kind = NODE_BAD;
    bad->loc = at;
    return bad;
}

struct scn_node *scn_alias_copy(struct ctx *c, struct scn_anchors *a, const char *name,
                            struct diag_loc at, struct scn_node *const *open, size_t n_open)
{
    size_t i = a->n;
    while (i-- > 0 && strcmp(a->names[i], name) != 0)
        ;
    if (i == SIZE_MAX) {
        diag_error(c->d, at, "alias '*%s' names no anchor defined before it; expected "
                   "'&%s' on an earlier value", name, name);
        return bad_node(at);
    }
    const struct scn_node *n = a->nodes[i];
    if (!n) {
        diag_error(c->d, at, "alias '*%s': its value was merged into a mapping with '<<'; "
                   "anchor a value outside the merge", name);
        return bad_node(at);
    }
    for (size_t j = 0; j < n_open; j++) {
        if (open[j] == n) {
            diag_error(c->d, at, "alias '*%s' is inside the value it names; expected an "
                       "alias of a finished value", name);
            return bad_node(at);
        }
    }
    if (a->copied + count(n, SCN_ALIAS_MAX_NODES) > SCN_ALIAS_MAX_NODES) {
        diag_error(c->d, at, "alias '*%s': aliases expand the file beyond the limit of %d "
                   "values", name, SCN_ALIAS_MAX_NODES);
        return bad_node(at);
    }
    return copy(a, n);
}

/* Moves the pairs of 'from' (a mapping) that 'map' lacks into map. */
static void merge_from(struct scn_node *map, struct scn_node *from)
{
    for (size_t i = 0; i < from->n_pairs; i++) {
        struct pair *p = &from->pairs[i];
        if (p->key->kind == NODE_SCALAR && scn_find_pair(map, p->key->text)) {
            scn_node_free(p->key);
            scn_node_free(p->value);
            continue;
        }
        *VEC_PUSH(map->pairs, map->n_pairs, map->cap_pairs) = *p;
    }
    from->n_pairs = 0;
}

void scn_merge_keys(struct ctx *c, struct scn_anchors *a, struct scn_node *map)
{
    struct pair *mp = NULL;
    for (size_t i = 0; i < map->n_pairs && !mp; i++)
        if (map->pairs[i].key->kind == NODE_SCALAR && map->pairs[i].key->style ==
            YAML_PLAIN_SCALAR_STYLE && strcmp(map->pairs[i].key->text, "<<") == 0)
            mp = &map->pairs[i];
    if (!mp)
        return;
    struct scn_node *v = mp->value;
    scn_node_free(mp->key);
    memmove(mp, mp + 1, (size_t)(map->pairs + map->n_pairs - mp - 1) * sizeof(*mp));
    map->n_pairs--;
    if (v->kind == NODE_MAP) {
        merge_from(map, v);
    } else if (v->kind == NODE_SEQ) {
        for (size_t i = 0; i < v->n_items; i++) {
            if (v->items[i]->kind == NODE_MAP)
                merge_from(map, v->items[i]);
            else if (v->items[i]->kind != NODE_BAD)
                diag_error(c->d, v->items[i]->loc, "<<: expected a mapping to merge, got %s",
                           scn_kind_noun(v->items[i]));
        }
    } else if (v->kind != NODE_BAD) {
        diag_error(c->d, v->loc, "<<: expected a mapping (or a list of mappings) to merge, "
                   "got %s", scn_kind_noun(v));
    }
    /* An anchor inside the merged value would dangle: forget it. */
    for (size_t i = 0; i < a->n; i++)
        if (a->nodes[i] && contains(v, a->nodes[i]))
            a->nodes[i] = NULL;
    scn_node_free(v);
}
