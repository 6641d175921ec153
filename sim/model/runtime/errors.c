/*
 * errors.c - the runtime's error kinds (RUNTIME_ERRORS in runtime.h) and
 * the texts containerd gives for them.
 */
#include "model/runtime/runtime_internal.h"

#include <string.h>

/* How containerd's full message is built for a kind. */
enum shape { PLAIN, PLATFORM, MANIFEST, BLOB, CANCELED, NO_SPACE_FETCH, NO_SPACE_UNPACK, AUTH };

static const struct {
    const char *text;
    enum shape shape;
} kinds[] = {
#define RUNTIME_ERROR_ROW(name, text, shape, what) {text, shape},
    RUNTIME_ERRORS(RUNTIME_ERROR_ROW)
#undef RUNTIME_ERROR_ROW
};

const char *runtime_error_text(enum runtime_error code)
{
    return kinds[code].text;
}

/* The host containerd contacts for a registry name (docker.io's API host). */
static const char *api_host(const char *host)
{
    return strcmp(host, "docker.io") == 0 ? "registry-1.docker.io" : host;
}

/*
 * Error texts as the kubelet sees them. Source: containerd
 * internal/cri/server/images/image_pull.go ("failed to pull and unpack
 * image %q: %w"), core/remotes/docker/resolver.go ("failed to resolve
 * reference"), core/remotes/errors (unexpected status), fetcher.go
 * (httpReadSeeker); cri-client remote_image.go strips the gRPC prefix of
 * codes.Unknown only, so a cancelled pull keeps "rpc error: code =
 * Canceled". The exact wording differs between containerd versions; the
 * shape (and the first words, which decide the kubelet's reason) is what
 * matters. No text starts with "RegistryUnavailable": containerd never
 * returns that CRI error, so every failure here is ErrImagePull.
 */
/* Where a request of the pull of 'im' went: containerd's API host, the
 * repository path and the tag or digest. */
struct request_url {
    const char *host, *path, *ref;
};

static struct request_url url_of(const struct scenario *sc, const struct scenario_image *im)
{
    const char *host = sc->registries[im->registry].host;
    return (struct request_url){.host = api_host(host),
                                .path = im->name + strlen(host) + 1,
                                .ref = im->normalized + strlen(im->name) + 1};
}

/* The detail of a manifest-phase failure: resolve (request 0, a HEAD) or
 * a later GET. */
static void manifest_detail(const struct scenario_image *im, struct request_url u,
                            enum runtime_error code, uint32_t at, struct strbuf *sb)
{
    if (code == RUNTIME_ERR_MANIFEST_UNAVAILABLE)
        strbuf_addf(sb, "failed to resolve reference \"%s\": unexpected status from %s request "
                    "to https://%s/v2/%s/manifests/%s: 503 Service Unavailable",
                    im->normalized, at == 0 ? "HEAD" : "GET", u.host, u.path, u.ref);
    else if (code == RUNTIME_ERR_MANIFEST_REFUSED)
        strbuf_addf(sb, "failed to resolve reference \"%s\": failed to do request: %s "
                    "\"https://%s/v2/%s/manifests/%s\": dial tcp: connect: connection refused",
                    im->normalized, at == 0 ? "Head" : "Get", u.host, u.path, u.ref);
    else
        strbuf_addf(sb, "failed to copy: httpReadSeeker: failed open: unexpected status code "
                    "https://%s/v2/%s/manifests/%s: 429 Too Many Requests - Server message: "
                    "toomanyrequests: You have reached your pull rate limit. You may increase "
                    "the limit by authenticating and upgrading: "
                    "https://www.docker.com/increase-rate-limit", u.host, u.path, u.ref);
}

/* The detail of a blob GET failure ('layer' is the scenario's layer id). */
static void blob_detail(struct request_url u, const char *layer, enum runtime_error code,
                        struct strbuf *sb)
{
    if (code == RUNTIME_ERR_BLOB_UNAVAILABLE)
        strbuf_addf(sb, "failed to copy: httpReadSeeker: failed open: unexpected status code "
                    "https://%s/v2/%s/blobs/%s: 503 Service Unavailable", u.host, u.path,
                    layer);
    else if (code == RUNTIME_ERR_BLOB_REFUSED)
        strbuf_addf(sb, "failed to copy: httpReadSeeker: failed open: failed to do request: "
                    "Get \"https://%s/v2/%s/blobs/%s\": dial tcp: connect: connection refused",
                    u.host, u.path, layer);
    else
        strbuf_addf(sb, "failed to copy: read tcp: read: connection reset by peer");
}

/*
 * A 401 on the resolve. Source: containerd core/remotes/docker/authorizer.go
 * (doBearerAuth: "failed to fetch anonymous token: %w" without credentials,
 * "failed to fetch oauth token: %w" with them, the POST falling back to a
 * GET on 401), resolver.go (the resolve wraps ErrInvalidAuthorization as
 * "pull access denied, repository does not exist or may require
 * authorization", with the bearer challenge's "server message:
 * insufficient_scope: authorization failed"), core/remotes/errors
 * ("unexpected status from %s request to %s: %s"); real texts of both kinds
 * are quoted in issue threads and blog posts (ghcr.io, Harbor, Docker Hub).
 * Docker Hub hands anonymous clients a token without access, so its
 * anonymous 401 comes from the manifest (pull access denied); other
 * registries refuse the anonymous token itself. Simplification: the token
 * realm of a registry other than Docker Hub is https://HOST/token with
 * service HOST (as on ghcr.io); real realms differ.
 */
static void auth_detail(const struct scenario *sc, const struct scenario_image *im,
                        enum runtime_error code, struct strbuf *sb)
{
    const char *host = sc->registries[im->registry].host;
    bool hub = strcmp(host, "docker.io") == 0;
    strbuf_addf(sb, "failed to resolve reference \"%s\": ", im->normalized);
    if (code == RUNTIME_ERR_AUTH_ANONYMOUS && hub) {
        strbuf_addf(sb, "pull access denied, repository does not exist or may require "
                        "authorization: server message: insufficient_scope: authorization "
                        "failed");
        return;
    }
    strbuf_addf(sb, "failed to authorize: failed to fetch %s token: unexpected status from "
                    "GET request to https://%s/token?scope=repository%%3A",
                code == RUNTIME_ERR_AUTH_ANONYMOUS ? "anonymous" : "oauth",
                hub ? "auth.docker.io" : host);
    for (const char *c = im->name + strlen(host) + 1; *c; c++) {
        if (*c == '/')
            strbuf_addf(sb, "%%2F");
        else
            strbuf_addc(sb, *c);
    }
    strbuf_addf(sb, "%%3Apull&service=%s: 401 Unauthorized", hub ? "registry.docker.io" : host);
}

void runtime_format_error(const struct scenario *sc, uint32_t image, enum runtime_error code,
                          uint32_t error_at, struct strbuf *sb)
{
    const struct scenario_image *im = &sc->images[image];
    struct request_url u = url_of(sc, im);
    const char *layer = error_at < im->n_layers ? sc->layers[im->layers[error_at]].id : "";
    if (code == RUNTIME_ERR_NONE)
        return;
    switch (kinds[code].shape) {
    case PLAIN:
        strbuf_addf(sb, "%s", kinds[code].text);
        return;
    case CANCELED:
        strbuf_addf(sb, "rpc error: code = Canceled desc = failed to pull and unpack image "
                        "\"%s\": context canceled", im->normalized);
        return;
    case PLATFORM:
        strbuf_addf(sb, "failed to pull and unpack image \"%s\": no match for platform in "
                        "manifest: not found", im->normalized);
        return;
    case MANIFEST:
        strbuf_addf(sb, "failed to pull and unpack image \"%s\": ", im->normalized);
        manifest_detail(im, u, code, error_at, sb);
        return;
    case BLOB:
        strbuf_addf(sb, "failed to pull and unpack image \"%s\": ", im->normalized);
        blob_detail(u, layer, code, sb);
        return;
    case NO_SPACE_FETCH:
        /* Source: containerd content/local writer (ingest) and the OS's ENOSPC text. */
        strbuf_addf(sb, "failed to pull and unpack image \"%s\": failed to copy: write "
                        "/var/lib/containerd/io.containerd.content.v1.content/ingest/%s/data: "
                        "no space left on device", im->normalized, layer);
        return;
    case NO_SPACE_UNPACK:
        /* Source: core/unpack/unpacker.go ("failed to extract layer") and ENOSPC. */
        strbuf_addf(sb, "failed to pull and unpack image \"%s\": failed to extract layer "
                        "%s: write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/"
                        "snapshots: no space left on device", im->normalized, layer);
        return;
    case AUTH:
        strbuf_addf(sb, "failed to pull and unpack image \"%s\": ", im->normalized);
        auth_detail(sc, im, code, sb);
        return;
    }
}
