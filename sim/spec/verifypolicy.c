/* verifypolicy.c - see verifypolicy.h for the model and its sources. */
#include "spec/verifypolicy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "spec/imageref.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* The checks of getAllowlistImagePattern, in upstream order, with its
 * error texts (image_pull_policies.go). */
char *verifypolicy_allowlist_pattern(const char *entry, char *err, size_t errlen)
{
    size_t len = strlen(entry);
    if (len > 0 && (is_space(entry[0]) || is_space(entry[len - 1]))) {
        snprintf(err, errlen, "leading/trailing spaces are not allowed: %s", entry);
        return NULL;
    }
    bool wildcard = len >= 2 && strcmp(entry + len - 2, "/*") == 0;
    size_t trimmed = wildcard ? len - 1 : len; /* "prefix/\*" keeps "prefix/" */
    if (trimmed == 0) {
        snprintf(err, errlen, "the supplied pattern is too short: %s", entry);
        return NULL;
    }
    if (memchr(entry, '*', trimmed)) {
        snprintf(err, errlen, "not a valid wildcard pattern, only patterns ending with '/*' "
                 "are allowed: %s", entry);
        return NULL;
    }
    if (wildcard) {
        if (trimmed == 1) {
            snprintf(err, errlen, "at least registry hostname is required");
            return NULL;
        }
        return xstrndup(entry, trimmed);
    }
    struct imageref ref;
    char perr[IMAGEREF_ERRLEN];
    if (imageref_parse_normalized(entry, &ref, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "failed to parse as an image name: %s", perr);
        return NULL;
    }
    char *name = imageref_name(&ref);
    bool same = strcmp(name, entry) == 0;
    free(name);
    imageref_release(&ref);
    if (!same) {
        snprintf(err, errlen, "neither tag nor digest is accepted in an image reference: %s",
                 entry);
        return NULL;
    }
    return xstrdup(entry);
}

bool verifypolicy_allowlisted(char *const *patterns, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(patterns[i]);
        bool prefix = len > 0 && patterns[i][len - 1] == '/';
        if (prefix ? strncmp(name, patterns[i], len) == 0 : strcmp(name, patterns[i]) == 0)
            return true;
    }
    return false;
}
