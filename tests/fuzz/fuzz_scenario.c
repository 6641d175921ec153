/*
 * fuzz_scenario.c - libFuzzer harness for the scenario loader: any bytes as
 * a scenario file (scenario_load_string), diagnostics discarded.
 * A crash, a sanitizer report, a leak, a timeout or an out-of-memory is a
 * bug: the loader must answer every input with a scenario or errors.
 * Built and run by `make fuzz` (tests/fuzz/run.sh).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/base.h"
#include "base/diag.h"
#include "spec/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xstrndup((const char *)data, size); /* NUL-terminated copy */
    struct diag d;
    diag_init(&d, NULL);
    struct scenario *s = scenario_load_string("fuzz.yaml", text, NULL, 0, false, 0, &d);
    scenario_free(s);
    diag_release(&d);
    free(text);
    return 0;
}
