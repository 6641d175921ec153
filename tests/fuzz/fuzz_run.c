/*
 * fuzz_run.c - libFuzzer harness for whole runs: any bytes as a scenario
 * file; one that validates and is small (at most 8 nodes, 32 pods, 16
 * images, a horizon of at most 2 h) is run under each of its kubelet
 * configs (or the defaults) and summarised. Validation promises that a
 * valid scenario builds and runs (scenario.h): a crash, a sanitizer
 * report, a leak or a hang (libFuzzer's -timeout) here breaks that promise.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/base.h"
#include "base/diag.h"
#include "obs/metrics.h"
#include "spec/scenario.h"
#include "world/world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small enough that one run takes milliseconds. */
static bool is_small(const struct scenario *s)
{
    uint64_t nodes = 0, pods = 0;
    for (size_t i = 0; i < s->n_pools; i++)
        nodes += s->pools[i].count;
    for (size_t i = 0; i < s->n_events; i++)
        nodes += s->events[i].count;
    for (size_t i = 0; i < s->n_workloads; i++)
        pods += s->workloads[i].kind == SCENARIO_KIND_DAEMONSET ? nodes : s->workloads[i].replicas;
    return nodes <= 8 && pods <= 32 && s->n_images <= 16 && s->horizon <= 7200;
}

static void run_one(const struct scenario *s, const struct scenario_kubelet *cfg)
{
    struct world *w = world_new(s, cfg, NET_MODEL_AUTO);
    world_run(w);
    struct metrics_summary m;
    metrics_summarize(w, &m);
    metrics_release(&m);
    world_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xstrndup((const char *)data, size); /* NUL-terminated copy */
    struct diag d;
    diag_init(&d, NULL);
    struct scenario *s = scenario_load_string("fuzz.yaml", text, NULL, 0, false, 0, &d);
    if (s && is_small(s)) {
        size_t runs = 0;
        for (size_t i = 0; i < s->n_kubelet_configs; i++) {
            if (!s->kubelet_configs[i].inline_config) {
                run_one(s, &s->kubelet_configs[i]);
                runs++;
            }
        }
        if (runs == 0) {
            struct scenario_kubelet defaults;
            scenario_kubelet_defaults(&defaults);
            run_one(s, &defaults);
        }
    }
    scenario_free(s);
    diag_release(&d);
    free(text);
    return 0;
}
