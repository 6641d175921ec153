/*
 * configs.h - what a command runs: the scenario as the command line
 * overrides it, and the kubelet configs: the ones named with --config, else
 * every named entry of kubeletConfigs (inline pool configs are never run on
 * their own). None at all means the upstream defaults, which the caller
 * names "default".
 */
#ifndef PULLSIM_CONFIGS_H
#define PULLSIM_CONFIGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/scenario.h"

/* Loads 'file' with the --set overrides and --seed (has_seed); NULL after
 * its diagnostics on stderr. Caller frees with scenario_free(). */
struct scenario *cli_load_scenario(const char *file, const struct scenario_override *sets,
                                   size_t n_sets, bool has_seed, uint64_t seed);

/* Writes the configs to out[] (room for n_names + sc->n_kubelet_configs).
 * Returns how many, or -1 after a message on stderr naming the entries
 * there are, when a name is not one of them. */
long cli_select_configs(const struct scenario *sc, const char *const *names, size_t n_names,
                        const struct scenario_kubelet **out);

#endif
