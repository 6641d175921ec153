/*
 * sim_helpers.h - runs scenarios from YAML text or files inside unit tests
 * and reads their results back.
 */
#ifndef PULLSIM_SIM_HELPERS_H
#define PULLSIM_SIM_HELPERS_H

#include <math.h>
#include <string.h>

#include "base/diag.h"
#include "model/kubelet/kubelet.h"
#include "obs/metrics.h"
#include "spec/scenario.h"
#include "world/world.h"
#include "check.h"

/* A finished run: the scenario, the world and its summary. */
struct run {
    struct scenario *sc;
    struct world *w;
    struct metrics_summary s;
    struct scenario_kubelet defaults; /* the config when none is named */
};

/* Loads a scenario from YAML text ('path' names it in diagnostics, which go
 * to stderr); fails the test when it does not load. */
static inline struct scenario *load_scenario_text(const char *path, const char *text)
{
    struct diag d;
    diag_init(&d, stderr);
    struct scenario *sc = scenario_load_string(path, text, NULL, 0, false, 0, &d);
    diag_release(&d);
    assert_non_null(sc);
    return sc;
}

/* Loads (text != NULL: from text; else from the file 'path'), runs config
 * 'config' (NULL = upstream defaults), summarizes. Fails the test when the
 * scenario does not load. */
static inline void run_scenario_model(struct run *r, enum net_model model, const char *path,
                                      const char *text, const char *config,
                                      const struct scenario_override *sets, size_t n_sets)
{
    struct diag d;
    diag_init(&d, stderr);
    r->sc = text ? scenario_load_string(path, text, sets, n_sets, false, 0, &d)
                 : scenario_load(path, sets, n_sets, false, 0, &d);
    diag_release(&d);
    assert_non_null(r->sc);
    scenario_kubelet_defaults(&r->defaults);
    const struct scenario_kubelet *cfg = &r->defaults;
    if (config) {
        uint32_t idx = scenario_find_kubelet(r->sc, config);
        assert_int_not_equal(idx, SCENARIO_NONE);
        cfg = &r->sc->kubelet_configs[idx];
    }
    r->w = world_new(r->sc, cfg, model);
    world_run(r->w);
    metrics_summarize(r->w, &r->s);
}

static inline void run_scenario(struct run *r, const char *path, const char *text,
                                const char *config, const struct scenario_override *sets,
                                size_t n_sets)
{
    run_scenario_model(r, NET_MODEL_AUTO, path, text, config, sets, n_sets);
}

static inline void run_release(struct run *r)
{
    metrics_release(&r->s);
    world_free(r->w);
    scenario_free(r->sc);
}

static inline const struct kubelet_pod *run_pod(const struct run *r, uint32_t i)
{
    const struct kubelet *k = world_kubelet(r->w);
    assert_true(i < kubelet_pod_count(k));
    return kubelet_pod(k, i);
}

static inline double run_pod_ready(const struct run *r, uint32_t i)
{
    const struct kubelet_pod *p = run_pod(r, i);
    return p->ready - p->created;
}

/* The i-th pull record. */
static inline const struct kubelet_pull *run_pull(const struct run *r, uint32_t i)
{
    const struct kubelet *k = world_kubelet(r->w);
    assert_true(i < kubelet_pull_count(k));
    return kubelet_pull_record(k, i);
}

#endif
