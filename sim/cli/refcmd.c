/* refcmd.c - see refcmd.h. */
#include "cli/refcmd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "spec/imageref.h"

/* What one reference reads as. Strings are owned; NULL = absent/null. */
struct ref_report {
    const char *input;  /* borrowed from argv */
    bool valid;
    char error[IMAGEREF_ERRLEN];
    char *domain;
    char *path;
    char *tag;
    char *digest;
    char *normalized;   /* ParseDockerRef String() */
    const char *policy; /* "Always" or "IfNotPresent" (static) */
};

static void usage(FILE *f)
{
    fputs("usage: pullsim ref [--json] REF...\n"
          "  For each image reference: validity (as the kubelet parses it), domain, path,\n"
          "  tag, digest, the normalized reference containerd pulls, and the\n"
          "  imagePullPolicy the API server defaults to. Exit status 2 if any REF is\n"
          "  invalid.\n"
          "  --json   one JSON object per line\n"
          "  --       end of options\n",
          f);
}

static void report_init(struct ref_report *rep, const char *input)
{
    memset(rep, 0, sizeof(*rep));
    rep->input = input;
    rep->policy = imageref_defaults_to_always(input) ? "Always" : "IfNotPresent";

    struct imageref named, docker;
    if (imageref_parse_normalized(input, &named, rep->error, sizeof(rep->error)) < 0)
        return;
    rep->valid = true;
    rep->domain = xstrdup(named.domain);
    rep->path = xstrdup(named.path);
    rep->tag = named.tag ? xstrdup(named.tag) : NULL;
    rep->digest = named.digest ? xstrdup(named.digest) : NULL;
    imageref_release(&named);
    /* ParseDockerRef is ParseNormalizedNamed plus tag defaulting, so it
     * cannot fail where ParseNormalizedNamed succeeded. */
    if (imageref_parse_docker_ref(input, &docker, NULL, 0) == 0) {
        rep->normalized = imageref_string(&docker);
        imageref_release(&docker);
    }
}

static void report_release(struct ref_report *rep)
{
    free(rep->domain);
    free(rep->path);
    free(rep->tag);
    free(rep->digest);
    free(rep->normalized);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    size_t len;
    uint32_t cp, min;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2, cp = s[0] & 0x1Fu, min = 0x80;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3, cp = s[0] & 0x0Fu, min = 0x800;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4, cp = s[0] & 0x07u, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* A JSON string literal, or null. Control characters are escaped, and a
 * byte that is not valid UTF-8 becomes U+FFFD so the line stays valid JSON
 * (as Go's encoding/json does). */
static void json_string(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c == '\n') {
            fputs("\\n", f);
        } else if (c == '\r') {
            fputs("\\r", f);
        } else if (c == '\t') {
            fputs("\\t", f);
        } else if (c < 0x20) {
            fprintf(f, "\\u%04x", c);
        } else if (c >= 0x80) {
            size_t len = utf8_seq_len(u + i, n - i);
            if (len == 0) {
                fputs("\\ufffd", f);
                i++;
                continue;
            }
            fwrite(u + i, 1, len, f);
            i += len;
            continue;
        } else {
            fputc(c, f);
        }
        i++;
    }
    fputc('"', f);
}

static void print_json(FILE *out, const struct ref_report *rep)
{
    fputs("{\"input\":", out);
    json_string(out, rep->input);
    fprintf(out, ",\"valid\":%s,\"error\":", rep->valid ? "true" : "false");
    json_string(out, rep->valid ? NULL : rep->error);
    fputs(",\"domain\":", out);
    json_string(out, rep->domain);
    fputs(",\"path\":", out);
    json_string(out, rep->path);
    fputs(",\"tag\":", out);
    json_string(out, rep->tag);
    fputs(",\"digest\":", out);
    json_string(out, rep->digest);
    fputs(",\"normalized\":", out);
    json_string(out, rep->normalized);
    fputs(",\"defaultPullPolicy\":", out);
    json_string(out, rep->policy);
    fputs("}\n", out);
}

static void print_field(FILE *out, const char *label, const char *value)
{
    fprintf(out, "  %-19s %s\n", label, value ? value : "-");
}

static void print_human(FILE *out, const struct ref_report *rep, bool first)
{
    if (!first)
        fputc('\n', out);
    fprintf(out, "%s\n", rep->input);
    print_field(out, "valid:", rep->valid ? "yes" : "no");
    if (!rep->valid) {
        print_field(out, "error:", rep->error);
    } else {
        print_field(out, "domain:", rep->domain);
        print_field(out, "path:", rep->path);
        print_field(out, "tag:", rep->tag);
        print_field(out, "digest:", rep->digest);
        print_field(out, "normalized:", rep->normalized);
    }
    print_field(out, "defaultPullPolicy:", rep->policy);
}

/*
 * Checks the options and counts the references. Returns -1 to go on (with
 * *json set), or the exit status after printing usage.
 */
static int parse_options(int argc, char **argv, FILE *out, FILE *err, bool *json)
{
    bool options = true;
    int nrefs = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options && strcmp(a, "--") == 0) {
            options = false;
        } else if (options && strcmp(a, "--json") == 0) {
            *json = true;
        } else if (options && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            usage(out);
            return 0;
        } else if (options && a[0] == '-') {
            fprintf(err, "pullsim ref: error: unknown option '%s'\n", a);
            usage(err);
            return 2;
        } else {
            nrefs++;
        }
    }
    if (nrefs == 0) {
        fputs("pullsim ref: error: no image reference given\n", err);
        usage(err);
        return 2;
    }
    return -1;
}

int refcmd_main(int argc, char **argv, FILE *out, FILE *err)
{
    bool json = false;
    int status = parse_options(argc, argv, out, err, &json);
    if (status >= 0)
        return status;

    status = 0;
    bool options = true, first = true;
    for (int i = 1; i < argc; i++) {
        if (options && argv[i][0] == '-') {
            /* Only "--" and "--json" get here: parse_options refused the rest. */
            options = strcmp(argv[i], "--") != 0;
            continue;
        }
        struct ref_report rep;
        report_init(&rep, argv[i]);
        if (json)
            print_json(out, &rep);
        else
            print_human(out, &rep, first);
        first = false;
        if (!rep.valid) {
            fprintf(err, "pullsim ref: error: '%s' is not a valid image reference: %s\n",
                    rep.input, rep.error);
            status = 2;
        }
        report_release(&rep);
    }
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(err, "pullsim ref: error: cannot write the report: %s\n", strerror(errno));
        return 1;
    }
    return status;
}
