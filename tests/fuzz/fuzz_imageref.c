/*
 * fuzz_imageref.c - libFuzzer harness for the image reference parser
 * (spec/imageref.h): every parse entry point, and for a valid reference
 * its printed forms, which must parse again to the same normalized string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "spec/imageref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The normalized string of a valid reference parses back to itself. */
static void check_round_trip(const struct imageref *r)
{
    char err[256];
    char *s = imageref_string(r);
    struct imageref again;
    if (imageref_parse_normalized(s, &again, err, sizeof(err)) != 0)
        abort(); /* a normalized reference that does not parse */
    char *s2 = imageref_string(&again);
    if (strcmp(s, s2) != 0)
        abort(); /* normalizing twice changed it */
    free(s2);
    imageref_release(&again);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    char *text = xstrndup((const char *)data, size); /* NUL-terminated copy */
    struct imageref r;
    if (imageref_parse(text, &r, err, sizeof(err)) == 0)
        imageref_release(&r);
    if (imageref_parse_normalized(text, &r, err, sizeof(err)) == 0) {
        free(imageref_name(&r));
        free(imageref_familiar(&r));
        check_round_trip(&r);
        imageref_release(&r);
    }
    if (imageref_parse_docker_ref(text, &r, err, sizeof(err)) == 0)
        imageref_release(&r);
    free(imageref_apply_default_tag(text, err, sizeof(err)));
    (void)imageref_defaults_to_always(text);
    free(text);
    return 0;
}
