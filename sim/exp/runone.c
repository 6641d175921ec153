/* runone.c - see runone.h. */
#include "exp/runone.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/diag.h"
#include "exp/files.h"
#include "exp/table.h"
#include "obs/metrics.h"
#include "obs/output.h"
#include "world/world.h"

struct scenario *exp_load_run(const struct exp_setup *su, const struct exp_plan *p, size_t k,
                              FILE *err)
{
    struct exp_run r;
    exp_plan_run(p, k, &r);
    size_t n = su->n_sets + p->n_axes;
    struct scenario_override *sets = xcalloc(n ? n : 1, sizeof(*sets));
    for (size_t i = 0; i < su->n_sets; i++)
        sets[i] = su->sets[i];
    for (size_t a = 0; a < p->n_axes; a++)
        sets[su->n_sets + a] = (struct scenario_override){
            .path = p->axes[a].path, .value = exp_plan_value(p, r.point, a)};
    struct diag d;
    diag_init(&d, err);
    struct scenario *sc = scenario_load(su->file, sets, n, true, r.seed, &d);
    diag_finish(&d);
    diag_release(&d);
    free(sets);
    return sc;
}

/* The kubelet config named 'name': a kubeletConfigs entry, or the upstream
 * defaults for "default" in a scenario without named configs. */
static const struct scenario_kubelet *find_config(const struct scenario *sc, const char *name,
                                                  struct scenario_kubelet *defaults)
{
    uint32_t idx = scenario_find_kubelet(sc, name);
    if (idx != SCENARIO_NONE)
        return &sc->kubelet_configs[idx];
    scenario_kubelet_defaults(defaults);
    return defaults;
}

/* Writes summary.json (and with detail the per-pod files) and row.csv. */
static int write_run(const struct exp_setup *su, const struct exp_plan *p, size_t k,
                     struct world *w, const struct metrics_summary *s, const char *dir,
                     FILE *err)
{
    const struct scenario *sc = world_scenario(w);
    const char *config = p->configs[k % p->n_configs];
    if (output_mkdirs(dir, err) != 0)
        return 1;
    if (su->detail && output_write_run(w, s, config, dir, err) != 0)
        return 1;
    struct strbuf sb;
    strbuf_init(&sb);
    output_summary_json(s, sc->name, config, sc->seed, &sb);
    int rc = output_write_file(dir, "summary.json", sb.buf, sb.len, err);
    struct exp_metrics m;
    exp_metrics_from_summary(s, &m);
    strbuf_reset(&sb);
    exp_table_header(p, &sb);
    exp_table_row(p, k, &m, &sb);
    if (rc == 0)
        rc = output_write_file(dir, "row.csv", sb.buf, sb.len, err);
    strbuf_release(&sb);
    return rc == 0 ? 0 : 1;
}

int exp_run_one(const struct exp_setup *su, const struct exp_plan *p, size_t k, FILE *err)
{
    struct scenario *sc = exp_load_run(su, p, k, err);
    if (!sc)
        return 2;
    struct scenario_kubelet defaults;
    const struct scenario_kubelet *cfg = find_config(sc, p->configs[k % p->n_configs],
                                                     &defaults);
    struct world *w = world_new(sc, cfg, su->net);
    world_run(w);
    struct metrics_summary s;
    metrics_summarize(w, &s);
    char *dir = xasprintf("%s/runs/%zu", su->out, k);
    int rc = write_run(su, p, k, w, &s, dir, err);
    free(dir);
    metrics_release(&s);
    world_free(w);
    scenario_free(sc);
    return rc;
}
