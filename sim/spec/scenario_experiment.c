/*
 * scenario_experiment.c - the experiment section (scenario_internal.h):
 * replications or seeds, swept paths and their values, a bound. Only the
 * shape and types are checked here; the value syntax, the paths (applied
 * like --set) and the bound are checked by the experiment layer before any
 * run, with errors at the locations kept here.
 *
 *   experiment:
 *     replications: 30            # or seeds: 1..30
 *     sweep:
 *       - {path: nodePools[0].count, values: 250..2000*2}
 *       - {path: kubeletConfigs.A.maxParallelImagePulls, values: [2, 4, 8]}
 *     bound: p95<=10m
 */
#include "spec/scenario_internal.h"

#include <stdlib.h>
#include <string.h>

/* A scalar, or a list of scalars joined by ','. */
static int sweep_values(struct ctx *c, const struct scn_node *v, char **out)
{
    if (v->kind != NODE_SEQ)
        return scn_to_string(c, v, "values", out);
    if (v->n_items == 0)
        return diag_error(c->d, v->loc, "values: the list is empty; expected at least one "
                          "value");
    struct strbuf sb;
    strbuf_init(&sb);
    for (size_t i = 0; i < v->n_items; i++) {
        const struct scn_node *x = v->items[i];
        if (scn_want_scalar(c, x, "values", "a value") != 0) {
            strbuf_release(&sb);
            return -1;
        }
        if (strchr(x->text, ',') || !x->text[0]) {
            strbuf_release(&sb);
            return diag_error(c->d, x->loc, "values: '%s' is empty or has a ','; expected "
                              "one value per list item", x->text);
        }
        strbuf_addf(&sb, "%s%s", i ? "," : "", x->text);
    }
    *out = strbuf_detach(&sb);
    return 0;
}

/* experiment.sweep[i] keys: path, values. */
static void parse_sweep(struct ctx *c, const struct scn_node *m, const char *where,
                        struct scenario_sweep *out)
{
    static const char *const keys[] = {"path", "values"};
    if (scn_want_map(c, m, "sweep") != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    const struct scn_node *p = scn_get(m, "path"), *v = scn_get(m, "values");
    if (!p)
        scn_missing(c, m, "path", where);
    else if (scn_to_string(c, p, "path", &out->path) == 0 &&
             strncmp(out->path, "experiment", 10) == 0)
        diag_error(c->d, p->loc, "path: '%s' is part of the experiment itself; expected a "
                   "path into the scenario, e.g. nodePools[0].count", out->path);
    if (!v)
        scn_missing(c, m, "values", where);
    else if (sweep_values(c, v, &out->values) == 0)
        out->loc = v->loc;
}

/* experiment keys: replications, seeds, sweep, bound. */
void scn_parse_experiment(struct ctx *c, const struct scn_node *root)
{
    static const char *const keys[] = {"replications", "seeds", "sweep", "bound"};
    struct scenario_experiment *e = &c->s->experiment;
    const struct scn_node *m = scn_get(root, "experiment"), *v;
    if (!m || scn_is_null(m) || scn_want_map(c, m, "experiment") != 0)
        return;
    e->present = true;
    CHECK_KEYS(c, m, keys, "experiment");
    if ((v = scn_get(m, "replications")))
        scn_to_u32(c, v, "replications", 1, 10000, "replications", &e->replications);
    if ((v = scn_get(m, "seeds")) && scn_to_string(c, v, "seeds", &e->seeds) == 0)
        e->seeds_loc = v->loc;
    if (e->seeds && e->replications)
        diag_error(c->d, v->loc, "seeds: experiment has both replications and seeds; "
                   "expected one of them");
    if ((v = scn_get(m, "bound")) && scn_to_string(c, v, "bound", &e->bound) == 0)
        e->bound_loc = v->loc;
    const struct scn_node *list = scn_get_list(c, m, "sweep", "experiment", false, "sweep");
    if (!list)
        return;
    e->sweeps = xcalloc(list->n_items ? list->n_items : 1, sizeof(*e->sweeps));
    e->n_sweeps = list->n_items;
    for (size_t i = 0; i < list->n_items; i++) {
        char *where = xasprintf("experiment.sweep[%zu]", i);
        parse_sweep(c, list->items[i], where, &e->sweeps[i]);
        free(where);
    }
}

void scn_free_experiment(struct scenario_experiment *e)
{
    for (size_t i = 0; i < e->n_sweeps; i++) {
        free(e->sweeps[i].path);
        free(e->sweeps[i].values);
    }
    free(e->sweeps);
    free(e->seeds);
    free(e->bound);
    *e = (struct scenario_experiment){0};
}
