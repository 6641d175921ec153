/*
 * fuzz_set.c - libFuzzer harness for the --set path: each input line is one
 * PATH=VALUE override (as `pullsim run --set` passes it) applied to a small
 * valid scenario, then the scenario is validated. Exercises the path
 * parser (keys, [index], quoting), the tree edits and the re-validation.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/diag.h"
#include "spec/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_scenario[] =
    "name: fuzz\n"
    "seed: 1\n"
    "registries:\n"
    "  - host: registry.test\n"
    "    egressBandwidth: 10Gbps\n"
    "    latency: 20ms\n"
    "images:\n"
    "  - ref: registry.test/app:v1\n"
    "    layers:\n"
    "      - {id: base, size: 40MB}\n"
    "kubeletConfigs:\n"
    "  serial: {serializeImagePulls: true}\n"
    "nodePools:\n"
    "  - name: nodes\n"
    "    count: 2\n"
    "    nicBandwidth: 1Gbps\n"
    "workloads:\n"
    "  - name: web\n"
    "    kind: Deployment\n"
    "    replicas: 2\n"
    "    template:\n"
    "      containers:\n"
    "        - {name: c, image: registry.test/app:v1}\n";

/* At most this many overrides per input, as a command line would hold. */
#define MAX_SETS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xstrndup((const char *)data, size); /* NUL-terminated copy */
    struct scenario_override sets[MAX_SETS];
    size_t n = 0;
    for (char *line = text; line && n < MAX_SETS;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *eq = strchr(line, '=');
        if (eq) { /* main.c splits at the first '=' the same way */
            *eq = '\0';
            sets[n].path = line;
            sets[n].value = eq + 1;
            n++;
        }
        line = next;
    }
    struct diag d;
    diag_init(&d, NULL);
    struct scenario *s = scenario_load_string("fuzz.yaml", base_scenario, sets, n, false, 0, &d);
    scenario_free(s);
    diag_release(&d);
    free(text);
    return 0;
}
