/* configs.c - see configs.h. */
#include "cli/configs.h"

#include <stdio.h>

#include "base/diag.h"

static void no_such_config(const struct scenario *sc, const char *name)
{
    fprintf(stderr, "pullsim: error: --config: no kubeletConfigs entry named '%s'; "
                    "expected one of:", name);
    for (size_t j = 0; j < sc->n_kubelet_configs; j++)
        if (!sc->kubelet_configs[j].inline_config)
            fprintf(stderr, " %s", sc->kubelet_configs[j].name);
    fprintf(stderr, "\n");
}

long cli_select_configs(const struct scenario *sc, const char *const *names, size_t n_names,
                        const struct scenario_kubelet **out)
{
    long n = 0;
    for (size_t i = 0; i < n_names; i++) {
        uint32_t idx = scenario_find_kubelet(sc, names[i]);
        if (idx == SCENARIO_NONE || sc->kubelet_configs[idx].inline_config) {
            no_such_config(sc, names[i]);
            return -1;
        }
        out[n++] = &sc->kubelet_configs[idx];
    }
    for (size_t i = 0; n_names == 0 && i < sc->n_kubelet_configs; i++)
        if (!sc->kubelet_configs[i].inline_config)
            out[n++] = &sc->kubelet_configs[i];
    return n;
}

struct scenario *cli_load_scenario(const char *file, const struct scenario_override *sets,
                                   size_t n_sets, bool has_seed, uint64_t seed)
{
    struct diag d;
    diag_init(&d, stderr);
    struct scenario *sc = scenario_load(file, sets, n_sets, has_seed, seed, &d);
    diag_finish(&d);
    diag_release(&d);
    return sc;
}
