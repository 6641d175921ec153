/*
 * scenario_yaml.c - the loader's YAML ends (scenario_internal.h): libyaml
 * events become the tree, --set and --seed rewrite it, and the tree is
 * written back as the effective scenario.
 *
 * The tree keeps every scalar's style and every collection's flow style, so
 * the effective YAML looks like the file. Aliases become copies of their
 * anchors and merge keys are resolved (scenario_anchors.c), duplicate
 * keys reported and dropped while the tree is built; an overridden value is
 * a plain scalar located at "--set PATH" (line 0), so the section parsers
 * check it exactly as if it were in the file.
 */
#include "spec/scenario_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* Deeper nesting is an input error: it keeps the recursive walks shallow. */
#define MAX_DEPTH 64

/* ------------------------------------------------------------------ tree */

static struct scn_node *node_new(enum scn_node_kind kind, struct diag_loc loc)
{
    struct scn_node *n = xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->loc = loc;
    n->style = YAML_PLAIN_SCALAR_STYLE;
    return n;
}

static struct scn_node *scalar_new(const char *text, struct diag_loc loc)
{
    struct scn_node *n = node_new(NODE_SCALAR, loc);
    n->text = xstrdup(text);
    return n;
}

void scn_node_free(struct scn_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_items; i++)
        scn_node_free(n->items[i]);
    for (size_t i = 0; i < n->n_pairs; i++) {
        scn_node_free(n->pairs[i].key);
        scn_node_free(n->pairs[i].value);
    }
    free(n->items);
    free(n->pairs);
    if (n->index)
        scn_strmap_release(n->index);
    free(n->index);
    free(n->text);
    free(n);
}

/* ------------------------------------------------------------ YAML input */

struct builder {
    struct ctx *c;
    struct scn_node *root;
    struct scn_node *stack[MAX_DEPTH];
    struct scn_node *key[MAX_DEPTH]; /* pending key of an open mapping */
    size_t depth;
    struct scn_node **discard; /* dropped duplicates, freed at the end */
    size_t n_discard, cap_discard;
    struct scn_anchors anchors;
};

/* Attaches a new node to the open collection (or makes it the root). */
static void attach(struct builder *b, struct scn_node *n)
{
    struct ctx *c = b->c;
    if (b->depth == 0) {
        b->root = n;
        return;
    }
    struct scn_node *top = b->stack[b->depth - 1];
    if (top->kind == NODE_SEQ) {
        *VEC_PUSH(top->items, top->n_items, top->cap_items) = n;
        return;
    }
    struct scn_node **key = &b->key[b->depth - 1];
    if (!*key) {
        if (n->kind == NODE_MAP || n->kind == NODE_SEQ)
            diag_error(c->d, n->loc, "a key must be a single value, not %s", scn_kind_noun(n));
        *key = n;
        return;
    }
    const struct pair *prev = (*key)->kind == NODE_SCALAR ? scn_find_pair(top, (*key)->text) : NULL;
    if (prev) {
        diag_error(c->d, (*key)->loc, "duplicate key '%s'; a key may appear once in a mapping",
                   (*key)->text);
        diag_note(c->d, prev->key->loc, "'%s' first defined here", (*key)->text);
        *VEC_PUSH(b->discard, b->n_discard, b->cap_discard) = *key;
        *VEC_PUSH(b->discard, b->n_discard, b->cap_discard) = n;
    } else {
        scn_map_add(top, *key, n);
    }
    *key = NULL;
}

static struct diag_loc mark_loc(const struct ctx *c, yaml_mark_t m)
{
    return diag_loc_from_mark(c->s->file, m.line, m.column);
}

/* Line and column of a byte offset, for reader errors (which carry no mark). */
static struct diag_loc offset_loc(const struct ctx *c, const char *text, size_t len, size_t off)
{
    size_t line = 0, col = 0;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') {
            line++;
            col = 0;
        } else {
            col++;
        }
    }
    return diag_loc_from_mark(c->s->file, line, col);
}

static void report_parser_error(struct ctx *c, const yaml_parser_t *p, const char *text,
                                size_t len)
{
    switch (p->error) {
    case YAML_READER_ERROR:
        diag_error(c->d, offset_loc(c, text, len, p->problem_offset),
                   "cannot read the file as YAML text: %s", p->problem);
        return;
    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR:
        diag_error(c->d, mark_loc(c, p->problem_mark), "YAML syntax error: %s", p->problem);
        if (p->context)
            diag_note(c->d, mark_loc(c, p->context_mark), "%s that starts here", p->context);
        return;
    case YAML_NO_ERROR:
    case YAML_MEMORY_ERROR:
    case YAML_COMPOSER_ERROR:
    case YAML_WRITER_ERROR:
    case YAML_EMITTER_ERROR:
        break;
    }
    diag_error(c->d, (struct diag_loc){c->s->file, 0, 0}, "cannot parse the file as YAML: %s",
               p->problem ? p->problem : "unknown libyaml error");
}

/* Handles one event; returns -1 to stop. */
static int build_event(struct builder *b, const yaml_event_t *ev, int *documents)
{
    struct ctx *c = b->c;
    struct diag_loc loc = mark_loc(c, ev->start_mark);
    struct scn_node *n;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++*documents > 1)
            return diag_error(c->d, loc, "a second YAML document; a scenario file holds one");
        return 0;
    case YAML_ALIAS_EVENT:
        attach(b, scn_alias_copy(c, &b->anchors, (const char *)ev->data.alias.anchor, loc,
                                 b->stack, b->depth));
        return 0;
    case YAML_SCALAR_EVENT:
        n = node_new(NODE_SCALAR, loc);
        n->text = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        n->style = ev->data.scalar.style;
        if (strlen(n->text) != ev->data.scalar.length) {
            diag_error(c->d, loc, "the value contains a NUL character");
            n->kind = NODE_BAD;
        }
        if (ev->data.scalar.anchor)
            scn_anchor_put(&b->anchors, (const char *)ev->data.scalar.anchor, n);
        attach(b, n);
        return 0;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (b->depth == MAX_DEPTH)
            return diag_error(c->d, loc, "the nesting is deeper than the limit of %d levels",
                              MAX_DEPTH);
        n = node_new(ev->type == YAML_MAPPING_START_EVENT ? NODE_MAP : NODE_SEQ, loc);
        n->flow = ev->type == YAML_MAPPING_START_EVENT
                      ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                      : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
        const yaml_char_t *anchor = ev->type == YAML_MAPPING_START_EVENT
                                        ? ev->data.mapping_start.anchor
                                        : ev->data.sequence_start.anchor;
        if (anchor)
            scn_anchor_put(&b->anchors, (const char *)anchor, n);
        attach(b, n);
        b->stack[b->depth] = n;
        b->key[b->depth] = NULL;
        b->depth++;
        return 0;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth > 0)
            b->depth--;
        if (ev->type == YAML_MAPPING_END_EVENT && b->stack[b->depth]->kind == NODE_MAP)
            scn_merge_keys(c, &b->anchors, b->stack[b->depth]);
        return 0;
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_END_EVENT:
        return 0;
    }
    return 0;
}

/* Parses text into a tree. Returns the root, or NULL after reporting. */
struct scn_node *scn_build_tree(struct ctx *c, const char *text, size_t len)
{
    yaml_parser_t parser;
    struct builder b = {.c = c};
    int documents = 0, rc = 0;
    if (!yaml_parser_initialize(&parser)) {
        diag_error(c->d, (struct diag_loc){c->s->file, 0, 0}, "cannot start the YAML parser");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            report_parser_error(c, &parser, text, len);
            rc = -1;
            break;
        }
        bool end = ev.type == YAML_STREAM_END_EVENT;
        rc = build_event(&b, &ev, &documents);
        yaml_event_delete(&ev);
        if (end || rc != 0)
            break;
    }
    yaml_parser_delete(&parser);
    scn_anchors_release(&b.anchors);
    for (size_t i = 0; i < b.n_discard; i++)
        scn_node_free(b.discard[i]);
    free(b.discard);
    /* A root is attached as soon as it starts, so it is freed on every path. */
    if (rc != 0) {
        /* A pending key of an unfinished mapping is not in any pair yet. */
        for (size_t i = 0; i < b.depth; i++)
            scn_node_free(b.key[i]);
        scn_node_free(b.root);
        return NULL;
    }
    if (!b.root || scn_is_null(b.root)) {
        diag_error(c->d, diag_loc_from_mark(c->s->file, 0, 0),
                   "the file is empty; expected a mapping with keys registries, images, "
                   "nodePools, ...");
        scn_node_free(b.root);
        return NULL;
    }
    return b.root;
}

/* -------------------------------------------------------------- --set */

/* One step of a --set path: a mapping key or a list index. */
struct path_step {
    char *key; /* NULL for an index */
    size_t index;
};

/* Splits PATH into steps: keys separated by '.', list indices in brackets
 * ("nodePools[0].count"). Returns the number of steps (caller frees them
 * with free_steps), or 0 after reporting a malformed path. */
static size_t parse_path(struct ctx *c, struct diag_loc loc, const char *p,
                         struct path_step **out)
{
    struct path_step *steps = NULL;
    size_t n = 0, cap = 0;
    while (*p) {
        struct path_step *st = VEC_PUSH(steps, n, cap);
        if (*p == '[') {
            char *end;
            errno = 0;
            unsigned long long i = strtoull(p + 1, &end, 10);
            if (p[1] < '0' || p[1] > '9' || *end != ']' || errno || i > SIZE_MAX) {
                diag_error(c->d, loc, "bad path at '%s'; expected an index such as [0]", p);
                goto fail;
            }
            st->index = (size_t)i;
            p = end + 1;
        } else {
            size_t len = strcspn(p, ".[");
            if (len == 0) {
                diag_error(c->d, loc, "bad path at '%s'; expected a key", p);
                goto fail;
            }
            st->key = xstrndup(p, len);
            p += len;
        }
        if (*p == '.' && !p[1]) {
            diag_error(c->d, loc, "bad path: it ends with '.'; expected a key after it");
            goto fail;
        }
        if (*p == '.')
            p++;
        else if (*p && *p != '[') {
            diag_error(c->d, loc, "bad path at '%s'; expected '.' or '['", p);
            goto fail;
        }
    }
    *out = steps;
    return n;
fail:
    for (size_t i = 0; i < n; i++)
        free(steps[i].key);
    free(steps);
    return 0;
}

/* Reports a key missing from a mapping on a --set path, with the keys it has. */
static int no_such_key(struct ctx *c, struct diag_loc loc, const struct scn_node *map,
                       const char *key, const char *done)
{
    struct strbuf sb;
    const char **names = xmalloc((map->n_pairs + 1) * sizeof(*names));
    for (size_t i = 0; i < map->n_pairs; i++)
        names[i] = map->pairs[i].key->kind == NODE_SCALAR ? map->pairs[i].key->text : NULL;
    strbuf_init(&sb);
    strbuf_addf(&sb, "no key '%s' %s%s", key, scn_where_prep(done), done);
    scn_add_expected(&sb, key, names, map->n_pairs);
    free(names);
    return scn_error_sb(c, loc, &sb);
}

/* Gives n and everything under it the location 'loc'. */
static void relocate(struct scn_node *n, struct diag_loc loc)
{
    n->loc = loc;
    for (size_t i = 0; i < n->n_items; i++)
        relocate(n->items[i], loc);
    for (size_t i = 0; i < n->n_pairs; i++) {
        relocate(n->pairs[i].key, loc);
        relocate(n->pairs[i].value, loc);
    }
}

/* A --set VALUE as YAML ("10", "[]", "{from: 1m, to: 2m}"); a YAML null
 * ("", "~") stays the plain scalar it was. Syntax errors are reported at
 * "--set PATH:LINE:COL" within the value; the nodes then all sit at 'loc'.
 * NULL after reporting. */
static struct scn_node *set_value(struct ctx *c, const char *value, struct diag_loc loc)
{
    struct scn_node *plain = scalar_new(value, loc);
    if (scn_is_null(plain))
        return plain;
    scn_node_free(plain);
    char *file = c->s->file;
    c->s->file = (char *)loc.file;
    struct scn_node *n = scn_build_tree(c, value, strlen(value));
    c->s->file = file;
    if (n)
        relocate(n, loc);
    return n;
}

/* Applies one --set PATH=VALUE to the tree, e.g. "nodePools[0].count" or
 * "kubeletConfigs.serial.maxParallelImagePulls". Every step must exist,
 * except a final mapping key, which is created. The value (YAML: a scalar,
 * a list or a mapping) replaces the node, located at "--set PATH". */
int scn_apply_set(struct ctx *c, struct scn_node *root, const struct scenario_override *o)
{
    struct scenario *s = c->s;
    char *label = xasprintf("--set %s", o->path ? o->path : "");
    *VEC_PUSH(s->origins, s->n_origins, c->cap_origins) = label;
    struct diag_loc loc = {label, 0, 0};
    struct path_step *steps;
    size_t n;
    if (!o->path || !*o->path || !o->value)
        return diag_error(c->d, loc, "expected PATH=VALUE such as nodePools[0].count=10");
    if (!(n = parse_path(c, loc, o->path, &steps)))
        return -1;
    struct strbuf done; /* the path walked so far, for messages */
    strbuf_init(&done);
    struct scn_node **slot = NULL, *cur = root;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct path_step *st = &steps[i];
        const char *here = done.len ? done.buf : "the top level";
        if (!st->key && cur->kind != NODE_SEQ) {
            rc = diag_error(c->d, loc, "%s is %s, not a list; cannot index it with [%zu]", here,
                            scn_kind_noun(cur), st->index);
        } else if (!st->key && st->index >= cur->n_items) {
            rc = cur->n_items
                     ? diag_error(c->d, loc, "%s has %zu entr%s; index %zu is out of range "
                                  "(expected 0 to %zu)", here, cur->n_items,
                                  cur->n_items == 1 ? "y" : "ies", st->index, cur->n_items - 1)
                     : diag_error(c->d, loc, "%s is an empty list; index %zu is out of range",
                                  here, st->index);
        } else if (!st->key) {
            slot = &cur->items[st->index];
            strbuf_addf(&done, "[%zu]", st->index);
        } else if (cur->kind != NODE_MAP) {
            rc = diag_error(c->d, loc, "%s is %s, not a mapping; cannot look up '%s' in it", here,
                            scn_kind_noun(cur), st->key);
        } else {
            struct pair *pr = scn_find_pair(cur, st->key);
            if (!pr && i + 1 < n) {
                rc = no_such_key(c, loc, cur, st->key, done.buf);
            } else if (!pr) { /* a missing final key is created */
                pr = scn_map_add(cur, scalar_new(st->key, loc), scalar_new("", loc));
            }
            slot = pr ? &pr->value : NULL;
            strbuf_addf(&done, "%s%s", done.len ? "." : "", st->key);
        }
        if (rc == 0)
            cur = *slot;
    }
    struct scn_node *v = rc == 0 ? set_value(c, o->value, loc) : NULL;
    if (v) {
        scn_node_free(*slot);
        *slot = v;
    } else {
        rc = -1;
    }
    for (size_t i = 0; i < n; i++)
        free(steps[i].key);
    free(steps);
    strbuf_release(&done);
    return rc;
}

/* Sets the top-level 'seed' to the --seed value. */
void scn_apply_seed(struct scn_node *root, uint64_t seed)
{
    char buf[32];
    struct diag_loc loc = {"--seed", 0, 0};
    snprintf(buf, sizeof(buf), "%" PRIu64, seed);
    struct pair *pr = scn_find_pair(root, "seed");
    if (!pr) {
        scn_map_add(root, scalar_new("seed", loc), scalar_new(buf, loc));
        return;
    }
    scn_node_free(pr->value);
    pr->value = scalar_new(buf, loc);
}

/* ------------------------------------------------------------ YAML output */

static int write_sb(void *data, unsigned char *buf, size_t size)
{
    strbuf_add(data, (const char *)buf, size);
    return 1;
}

static int emit_scalar(yaml_emitter_t *e, const char *text, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(uintptr_t)text,
                                      (int)strlen(text), 1, 1, style))
        return -1;
    return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

/* Emits n; name_first (top level only) is emitted first as 'name: ...'. */
static int emit_node(yaml_emitter_t *e, const struct scn_node *n, const char *name_first)
{
    yaml_event_t ev;
    switch (n->kind) {
    case NODE_SCALAR:
        return emit_scalar(e, n->text, n->style);
    case NODE_BAD:
        return -1;
    case NODE_SEQ:
        if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                  n->flow ? YAML_FLOW_SEQUENCE_STYLE
                                                          : YAML_BLOCK_SEQUENCE_STYLE) ||
            !yaml_emitter_emit(e, &ev))
            return -1;
        for (size_t i = 0; i < n->n_items; i++)
            if (emit_node(e, n->items[i], NULL) != 0)
                return -1;
        if (!yaml_sequence_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
            return -1;
        return 0;
    case NODE_MAP:
        if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                 n->flow ? YAML_FLOW_MAPPING_STYLE
                                                         : YAML_BLOCK_MAPPING_STYLE) ||
            !yaml_emitter_emit(e, &ev))
            return -1;
        if (name_first && (emit_scalar(e, "name", YAML_PLAIN_SCALAR_STYLE) != 0 ||
                           emit_scalar(e, name_first, YAML_PLAIN_SCALAR_STYLE) != 0))
            return -1;
        for (size_t i = 0; i < n->n_pairs; i++)
            if (emit_node(e, n->pairs[i].key, NULL) != 0 ||
                emit_node(e, n->pairs[i].value, NULL) != 0)
                return -1;
        if (!yaml_mapping_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
            return -1;
        return 0;
    }
    return -1;
}

/* The tree as YAML text (caller frees), or NULL after reporting. The
 * default name is written out, so the text re-loads to the same scenario
 * whatever its file is called. */
char *scn_emit_tree(struct ctx *c, const struct scn_node *root)
{
    yaml_emitter_t e;
    yaml_event_t ev;
    struct strbuf sb;
    int ok;
    strbuf_init(&sb);
    if (!yaml_emitter_initialize(&e)) {
        strbuf_release(&sb);
        diag_error(c->d, (struct diag_loc){c->s->file, 0, 0}, "cannot start the YAML emitter");
        return NULL;
    }
    yaml_emitter_set_output(&e, write_sb, &sb);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_width(&e, -1);
    ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
         yaml_emitter_emit(&e, &ev) &&
         yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
         yaml_emitter_emit(&e, &ev) &&
         emit_node(&e, root, scn_find_pair(root, "name") ? NULL : c->s->name) == 0 &&
         yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&e, &ev) &&
         yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev) &&
         yaml_emitter_flush(&e);
    if (!ok) {
        diag_error(c->d, (struct diag_loc){c->s->file, 0, 0},
                   "cannot write the effective scenario as YAML: %s",
                   e.problem ? e.problem : "emitter error");
        yaml_emitter_delete(&e);
        strbuf_release(&sb);
        return NULL;
    }
    yaml_emitter_delete(&e);
    return strbuf_detach(&sb);
}
