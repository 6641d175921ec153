/*
 * imageref.h - image references exactly as distribution/reference and the
 * kubelet read them.
 *
 * Grammar, normalization and error texts: spec/kubelet-semantics.md §1-2;
 * upstream distribution/reference regexp.go, reference.go, normalize.go;
 * kubernetes pkg/util/parsers/parsers.go, pkg/apis/core/v1/defaults.go,
 * pkg/kubelet/images/image_manager.go (applyDefaultImageTag).
 * Invariants: a parsed struct imageref owns its strings; fields absent in the
 *   reference are NULL (never ""), except 'domain' which is "" (never NULL)
 *   when the name has no domain: after a raw imageref_parse() of a
 *   one-component name or one whose first component is not a valid host
 *   ("test_com", "a_b/c"; but "foo/bar" has domain "foo"), and, as upstream,
 *   after imageref_parse_normalized() of a name whose first component looks
 *   like a host to splitDockerDomain but not to the grammar
 *   ("foo_bar.com/x" -> domain "", path "foo_bar.com/x").
 * Errors: functions return 0, or -1 leaving *out zeroed and writing the
 *   upstream error text (e.g. "invalid reference format",
 *   "repository name must be lowercase") into err (NUL-terminated, truncated
 *   to errlen).
 */
#ifndef PULLSIM_IMAGEREF_H
#define PULLSIM_IMAGEREF_H

#include <stdbool.h>
#include <stddef.h>

#define IMAGEREF_ERRLEN 256

struct imageref {
    char *domain; /* "docker.io", "registry.example.com:5000", "[fc00::1]:5000" */
    char *path;   /* remote name: "library/nginx" */
    char *tag;    /* NULL if none */
    char *digest; /* "sha256:<64 hex>", NULL if none */
};

/* distribution/reference Parse: no normalization. */
int imageref_parse(const char *s, struct imageref *out, char *err, size_t errlen);

/* ParseNormalizedNamed: docker.io default, library/ prefix, index.docker.io
 * rewrite, 64-hex rejection. Does not add a default tag. */
int imageref_parse_normalized(const char *s, struct imageref *out, char *err, size_t errlen);

/* ParseDockerRef: ParseNormalizedNamed, then default tag "latest" when there
 * is neither tag nor digest, and the tag dropped when a digest is present.
 * This is the reference containerd pulls and looks up. */
int imageref_parse_docker_ref(const char *s, struct imageref *out, char *err, size_t errlen);

void imageref_release(struct imageref *r);

/* "domain/path" (the repository name, Named.Name()); caller frees. */
char *imageref_name(const struct imageref *r);
/* Full string: name[:tag][@digest]; caller frees. */
char *imageref_string(const struct imageref *r);
/* FamiliarString: docker.io and library/ stripped; caller frees. */
char *imageref_familiar(const struct imageref *r);

/* Kubelet applyDefaultImageTag: appends ":latest" to the string as written
 * when it has no digest and no tag. Returns a new string (caller frees), or
 * NULL with the error text in err when the image does not parse (the
 * ParseNormalizedNamed text; the kubelet wraps it as
 * "couldn't parse image reference \"IMAGE\": TEXT"). */
char *imageref_apply_default_tag(const char *image, char *err, size_t errlen);

/* SetDefaults_Container: true when the API server would default an empty
 * imagePullPolicy to Always (parsed tag == "latest", or no tag and no
 * digest); false means IfNotPresent (also for unparsable images). */
bool imageref_defaults_to_always(const char *image);

#endif
