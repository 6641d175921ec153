/*
 * imageref.c - see imageref.h.
 *
 * A hand-written matcher for the distribution/reference grammar. Go's
 * regexp gives the leftmost-first (backtracking-priority) submatch, so where
 * the grammar is ambiguous the matcher makes the same choice the regexp does:
 * the optional "domain/" group is tried first, so in a raw parse "foo/bar"
 * has domain "foo".
 *
 * Structure of a reference, and why it splits without backtracking:
 *   name [":" tag] ["@" digest]
 *  - no production but the separator contains '@', so the digest is all
 *    after the first '@';
 *  - a tag contains no '/' and no ':', and a path component contains no ':',
 *    so the tag starts at the first ':' after the last '/';
 *  - a domain contains no '/', so the domain (if any) is all before the
 *    first '/'.
 * Source: spec/kubelet-semantics.md §1; distribution/reference regexp.go
 *   (alphanumeric, separator, domainNameComponent, ipv6address,
 *   optionalPort, tag, digestPat, anchoredNamePat, referencePat).
 */
#include "spec/imageref.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* Upstream error texts. Source: distribution/reference reference.go (Err*),
 * normalize.go (ParseNormalizedNamed), opencontainers/go-digest v1.0.0
 * digest.go. */
#define ERR_REFERENCE_INVALID_FORMAT "invalid reference format"
#define ERR_NAME_CONTAINS_UPPERCASE "repository name must be lowercase"
#define ERR_NAME_EMPTY "repository name must have at least one component"
#define ERR_NAME_TOO_LONG "repository name must not be more than 255 characters"
#define ERR_DIGEST_INVALID_FORMAT "invalid checksum digest format"
#define ERR_DIGEST_INVALID_LENGTH "invalid checksum digest length"
#define ERR_DIGEST_UNSUPPORTED "unsupported digest algorithm"

/* RepositoryNameTotalLengthMax. Since distribution/reference v0.6.0
 * (commit aaca75e) it bounds the path only, not domain + path.
 * Source: spec/kubelet-semantics.md §1; reference.go Parse. */
#define PATH_MAX_LEN 255

#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_REPO_PREFIX "library/"
#define DEFAULT_TAG "latest"

struct span {
    size_t off; /* byte offset into the matched string */
    size_t len; /* bytes */
};

struct match {
    struct span domain, path, tag, digest;
    bool has_domain, has_tag, has_digest;
};

/* ------------------------------------------------------------ characters */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_alpha(char c)
{
    return is_lower(c) || is_upper(c);
}

static bool is_alnum(char c)
{
    return is_alpha(c) || is_digit(c);
}

/* regexp.go alphanumeric: [a-z0-9] */
static bool is_lower_alnum(char c)
{
    return is_lower(c) || is_digit(c);
}

/* RE2 \w: [0-9A-Za-z_] (ASCII only) */
static bool is_word(char c)
{
    return is_alnum(c) || c == '_';
}

static bool is_xdigit_any(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_xdigit_lower(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f');
}

static const char *memchr_c(const char *s, size_t n, char c)
{
    return memchr(s, c, n);
}

/* -------------------------------------------------------------- grammar */

/* pathComponent = [a-z0-9]+ (?: (?:[._]|__|[-]+) [a-z0-9]+ )*
 * A separator is consumed greedily; that is exact because each separator
 * must be followed by an alphanumeric, so "___" or "_." can never match. */
static bool match_path_component(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        size_t start = i;
        while (i < n && is_lower_alnum(s[i]))
            i++;
        if (i == start)
            return false;
        if (i == n)
            return true;
        if (s[i] == '.') {
            i++;
        } else if (s[i] == '_') {
            i++;
            if (i < n && s[i] == '_')
                i++;
        } else if (s[i] == '-') {
            while (i < n && s[i] == '-')
                i++;
        } else {
            return false;
        }
    }
}

/* remoteName = pathComponent (?: / pathComponent )* */
static bool match_remote_name(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '/') {
            if (!match_path_component(s + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* domainNameComponent = [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool match_domain_component(const char *s, size_t n)
{
    if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

/* domainName = domainNameComponent (?: \. domainNameComponent )* */
static bool match_domain_name(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (!match_domain_component(s + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* ipv6address = \[ [a-fA-F0-9:]+ \]  (no zone ids, no IPv4-mapped form) */
static bool match_ipv6_literal(const char *s, size_t n)
{
    if (n < 3 || s[0] != '[' || s[n - 1] != ']')
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!is_xdigit_any(s[i]) && s[i] != ':')
            return false;
    return true;
}

/* domainAndPort = (?: domainName | ipv6address ) (?: :[0-9]+ )? */
static bool match_domain_and_port(const char *s, size_t n)
{
    size_t host_len;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr_c(s, n, ']');
        if (!close)
            return false;
        host_len = (size_t)(close - s) + 1;
        if (!match_ipv6_literal(s, host_len))
            return false;
    } else {
        const char *colon = memchr_c(s, n, ':');
        host_len = colon ? (size_t)(colon - s) : n;
        if (!match_domain_name(s, host_len))
            return false;
    }
    if (host_len == n)
        return true;
    if (s[host_len] != ':' || host_len + 1 == n)
        return false;
    for (size_t i = host_len + 1; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

/* tag = [\w][\w.-]{0,127} */
static bool match_tag(const char *s, size_t n)
{
    if (n < 1 || n > 128 || !is_word(s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
            return false;
    return true;
}

/* digestPat = [A-Za-z][A-Za-z0-9]* (?:[-_+.][A-Za-z][A-Za-z0-9]*)* [:] [[:xdigit:]]{32,} */
static bool match_digest(const char *s, size_t n)
{
    const char *colon = memchr_c(s, n, ':');
    if (!colon)
        return false;
    size_t alen = (size_t)(colon - s);
    bool need_alpha = true;
    for (size_t i = 0; i < alen; i++) {
        if (need_alpha) {
            if (!is_alpha(s[i]))
                return false;
            need_alpha = false;
        } else if (s[i] == '-' || s[i] == '_' || s[i] == '+' || s[i] == '.') {
            need_alpha = true;
        } else if (!is_alnum(s[i])) {
            return false;
        }
    }
    if (need_alpha) /* empty algorithm, or one ending in a separator */
        return false;
    size_t hlen = n - alen - 1;
    if (hlen < 32)
        return false;
    for (size_t i = alen + 1; i < n; i++)
        if (!is_xdigit_any(s[i]))
            return false;
    return true;
}

/*
 * referencePat = ^ (namePat) (?: : (tag) )? (?: @ (digestPat) )? $
 * with the name then split by anchoredNamePat
 *   ^ (?: (domainAndPort) / )? (remoteName) $
 * Fills *m and returns true on a match.
 */
static bool match_reference(const char *s, size_t n, struct match *m)
{
    memset(m, 0, sizeof(*m));
    const char *at = memchr_c(s, n, '@');
    size_t pre = at ? (size_t)(at - s) : n;
    if (at) {
        m->has_digest = true;
        m->digest = (struct span){pre + 1, n - pre - 1};
        if (!match_digest(s + pre + 1, n - pre - 1))
            return false;
    }

    size_t seg = pre;
    while (seg > 0 && s[seg - 1] != '/')
        seg--;
    const char *colon = memchr_c(s + seg, pre - seg, ':');
    size_t name_len = colon ? (size_t)(colon - s) : pre;
    if (colon) {
        m->has_tag = true;
        m->tag = (struct span){name_len + 1, pre - name_len - 1};
        if (!match_tag(s + name_len + 1, pre - name_len - 1))
            return false;
    }

    /* The optional domain group comes first, so it wins when both readings
     * match (Go regexp leftmost-first submatch semantics). */
    const char *slash = memchr_c(s, name_len, '/');
    if (slash) {
        size_t dlen = (size_t)(slash - s);
        if (match_domain_and_port(s, dlen) && match_remote_name(slash + 1, name_len - dlen - 1)) {
            m->has_domain = true;
            m->domain = (struct span){0, dlen};
            m->path = (struct span){dlen + 1, name_len - dlen - 1};
            return true;
        }
    }
    m->path = (struct span){0, name_len};
    return match_remote_name(s, name_len);
}

/* ----------------------------------------------------- Go case mapping */

/*
 * Decodes one UTF-8 sequence the way Go does: returns the code point and
 * sets *width, or returns -1 with *width = 1 for an invalid byte (bad lead,
 * truncated, overlong, surrogate or > U+10FFFF).
 */
static int32_t utf8_decode(const unsigned char *s, size_t n, size_t *width)
{
    *width = 1;
    unsigned char c = s[0];
    if (c < 0x80)
        return c;
    size_t len;
    int32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (n < len)
        return -1;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *width = len;
    return cp;
}

/*
 * True when Go's unicode.ToLower changes code point cp.
 * Simplification: only ASCII, Latin-1, Latin Extended-A, basic Greek and
 * Cyrillic, the Kelvin and Angstrom signs and fullwidth A-Z are known to
 * have case; other capitals are treated as caseless. Any non-ASCII byte
 * already makes a reference invalid, so this only ever changes which of two
 * upstream error texts an invalid reference gets, never its validity.
 */
static bool rune_has_lower(int32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z';
    if (cp >= 0xC0 && cp <= 0xDE)
        return cp != 0xD7;
    if (cp >= 0x100 && cp <= 0x17F) {
        if (cp == 0x130 || cp == 0x178)
            return true;
        if (cp <= 0x137)
            return cp % 2 == 0;
        if (cp >= 0x139 && cp <= 0x148)
            return cp % 2 == 1;
        if (cp >= 0x14A && cp <= 0x177)
            return cp % 2 == 0;
        if (cp >= 0x179 && cp <= 0x17E)
            return cp % 2 == 1;
        return false;
    }
    if (cp >= 0x391 && cp <= 0x3A9)
        return cp != 0x3A2;
    if (cp >= 0x400 && cp <= 0x42F)
        return true;
    if (cp == 0x212A || cp == 0x212B)
        return true;
    return cp >= 0xFF21 && cp <= 0xFF3A;
}

/* strings.ToLower(s) != s. Go's strings.Map rewrites each invalid UTF-8
 * byte as U+FFFD, so invalid UTF-8 counts as a change too. */
static bool go_lower_changes(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t w;
        int32_t cp = utf8_decode(u + i, n - i, &w);
        if (cp < 0 || rune_has_lower(cp))
            return true;
        i += w;
    }
    return false;
}

/*
 * strings.ToLower(s), as far as it matters for re-matching the grammar:
 * ASCII capitals are lowered, and the only two non-ASCII runes whose simple
 * lower-case mapping is ASCII are replaced: U+0130 (capital I with dot
 * above) -> 'i' and U+212A (Kelvin sign) -> 'k'. Every other byte is kept;
 * a non-ASCII byte never matches the grammar whatever it lowers to.
 * Caller frees.
 */
static char *go_lower_for_match(const char *s, size_t n)
{
    char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (n - i >= 2 && memcmp(s + i, "\xC4\xB0", 2) == 0) {
            out[o++] = 'i';
            i += 2;
        } else if (n - i >= 3 && memcmp(s + i, "\xE2\x84\xAA", 3) == 0) {
            out[o++] = 'k';
            i += 3;
        } else {
            out[o++] = is_upper(s[i]) ? (char)(s[i] - 'A' + 'a') : s[i];
            i++;
        }
    }
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------------ go-digest */

/*
 * digest.Parse after the reference grammar already matched: returns NULL
 * when valid, else the upstream error text.
 * Source: opencontainers/go-digest v1.0.0 digest.go Validate and
 * algorithm.go Validate; sha256/sha384/sha512 are all registered because
 * the kubelet's parsers package imports crypto/sha256 and crypto/sha512
 * (spec/kubelet-semantics.md §1). go-digest after v1.0.0 folds the length
 * error into "invalid checksum digest format"; Kubernetes and containerd
 * ship v1.0.0.
 */
static const char *validate_digest(const char *s, size_t n)
{
    static const struct {
        const char *name;
        size_t hex_len;
    } algos[] = {{"sha256", 64}, {"sha384", 96}, {"sha512", 128}};
    const char *colon = memchr_c(s, n, ':');
    size_t alen = (size_t)(colon - s);
    const char *hex = colon + 1;
    size_t hlen = n - alen - 1;

    for (size_t a = 0; a < sizeof(algos) / sizeof(algos[0]); a++) {
        if (strlen(algos[a].name) != alen || memcmp(algos[a].name, s, alen) != 0)
            continue;
        if (hlen != algos[a].hex_len)
            return ERR_DIGEST_INVALID_LENGTH;
        for (size_t i = 0; i < hlen; i++)
            if (!is_xdigit_lower(hex[i]))
                return ERR_DIGEST_INVALID_FORMAT;
        return NULL;
    }
    /* Unavailable algorithm: "unsupported" only if the digest passes
     * go-digest's own DigestRegexp [a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+;
     * the hex part always does, the algorithm must be lowercase. */
    for (size_t i = 0; i < alen; i++)
        if (is_upper(s[i]))
            return ERR_DIGEST_INVALID_FORMAT;
    return ERR_DIGEST_UNSUPPORTED;
}

/* ------------------------------------------------------------- parsing */

static int fail(struct imageref *out, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct imageref *out, char *err, size_t errlen, const char *fmt, ...)
{
    memset(out, 0, sizeof(*out));
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static char *span_dup(const char *s, struct span sp)
{
    return xstrndup(s + sp.off, sp.len);
}

/* Source: distribution/reference reference.go Parse. */
int imageref_parse(const char *s, struct imageref *out, char *err, size_t errlen)
{
    assert(s && out);
    size_t n = strlen(s);
    struct match m;
    if (n == 0)
        return fail(out, err, errlen, "%s", ERR_NAME_EMPTY);
    if (!match_reference(s, n, &m)) {
        /* Succeeds when lower-cased: the input had an upper-case name. */
        char *low = go_lower_for_match(s, n);
        struct match lm;
        bool upper = strcmp(low, s) != 0 && match_reference(low, strlen(low), &lm);
        free(low);
        return fail(out, err, errlen, "%s",
                    upper ? ERR_NAME_CONTAINS_UPPERCASE : ERR_REFERENCE_INVALID_FORMAT);
    }
    if (m.path.len > PATH_MAX_LEN)
        return fail(out, err, errlen, "%s", ERR_NAME_TOO_LONG);
    if (m.has_digest) {
        const char *derr = validate_digest(s + m.digest.off, m.digest.len);
        if (derr)
            return fail(out, err, errlen, "%s", derr);
    }
    out->domain = m.has_domain ? span_dup(s, m.domain) : xstrdup("");
    out->path = span_dup(s, m.path);
    out->tag = m.has_tag ? span_dup(s, m.tag) : NULL;
    out->digest = m.has_digest ? span_dup(s, m.digest) : NULL;
    return 0;
}

/* anchoredIdentifierRegexp: ^[a-f0-9]{64}$ */
static bool is_hex_identifier(const char *s)
{
    size_t n = strlen(s);
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_xdigit_lower(s[i]))
            return false;
    return true;
}

/*
 * splitDockerDomain: appends "domain/remainder" to sb and returns the
 * offset of the remainder in sb. Source: distribution/reference
 * normalize.go splitDockerDomain; spec/kubelet-semantics.md §1 step 2.
 */
static size_t split_docker_domain(const char *s, struct strbuf *sb)
{
    const char *slash = strchr(s, '/');
    const char *remote = s;
    if (!slash) {
        /* A single element ("ubuntu", "ubuntu:latest") is never a domain. */
        strbuf_addf(sb, "%s/", DEFAULT_DOMAIN);
    } else {
        size_t dlen = (size_t)(slash - s);
        bool is_domain = (dlen == strlen("localhost") && memcmp(s, "localhost", dlen) == 0) ||
                         memchr_c(s, dlen, '.') || memchr_c(s, dlen, ':') ||
                         go_lower_changes(s, dlen);
        if (dlen == strlen(LEGACY_DEFAULT_DOMAIN) && memcmp(s, LEGACY_DEFAULT_DOMAIN, dlen) == 0) {
            strbuf_addf(sb, "%s/", DEFAULT_DOMAIN);
            remote = slash + 1;
        } else if (is_domain) {
            strbuf_add(sb, s, dlen + 1);
            remote = slash + 1;
        } else {
            strbuf_addf(sb, "%s/", DEFAULT_DOMAIN);
        }
    }
    size_t rem_off = sb->len;
    if (strcmp(sb->buf, DEFAULT_DOMAIN "/") == 0 && !strchr(remote, '/'))
        strbuf_addf(sb, "%s", OFFICIAL_REPO_PREFIX);
    strbuf_addf(sb, "%s", remote);
    return rem_off;
}

/* Source: distribution/reference normalize.go ParseNormalizedNamed;
 * spec/kubelet-semantics.md §1 steps 1-4. */
int imageref_parse_normalized(const char *s, struct imageref *out, char *err, size_t errlen)
{
    assert(s && out);
    if (is_hex_identifier(s))
        return fail(out, err, errlen,
                    "invalid repository name (%s), cannot specify 64-byte hexadecimal strings", s);

    struct strbuf full;
    strbuf_init(&full);
    size_t rem = split_docker_domain(s, &full);
    const char *remainder = full.buf + rem;
    const char *colon = strchr(remainder, ':');
    size_t rlen = colon ? (size_t)(colon - remainder) : strlen(remainder);
    int rc;
    if (go_lower_changes(remainder, rlen))
        rc = fail(out, err, errlen,
                  "invalid reference format: repository name (%.*s) must be lowercase", (int)rlen,
                  remainder);
    else
        rc = imageref_parse(full.buf, out, err, errlen);
    strbuf_release(&full);
    return rc;
}

/* Source: distribution/reference normalize.go ParseDockerRef, TagNameOnly. */
int imageref_parse_docker_ref(const char *s, struct imageref *out, char *err, size_t errlen)
{
    if (imageref_parse_normalized(s, out, err, errlen) < 0)
        return -1;
    if (out->tag && out->digest) {
        /* Tagged and digested: only the digest is kept. */
        free(out->tag);
        out->tag = NULL;
    } else if (!out->tag && !out->digest) {
        out->tag = xstrdup(DEFAULT_TAG);
    }
    return 0;
}

void imageref_release(struct imageref *r)
{
    if (!r)
        return;
    free(r->domain);
    free(r->path);
    free(r->tag);
    free(r->digest);
    memset(r, 0, sizeof(*r));
}

/* repository.Name(): domain "/" path, or path alone without a domain. */
char *imageref_name(const struct imageref *r)
{
    if (!r->domain || !*r->domain)
        return xstrdup(r->path);
    return xasprintf("%s/%s", r->domain, r->path);
}

static char *with_tag_digest(char *name, const struct imageref *r)
{
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_addf(&sb, "%s", name);
    if (r->tag)
        strbuf_addf(&sb, ":%s", r->tag);
    if (r->digest)
        strbuf_addf(&sb, "@%s", r->digest);
    free(name);
    return strbuf_detach(&sb);
}

char *imageref_string(const struct imageref *r)
{
    return with_tag_digest(imageref_name(r), r);
}

/* Source: distribution/reference normalize.go familiarizeName. */
char *imageref_familiar(const struct imageref *r)
{
    const char *path = r->path;
    if (!r->domain || strcmp(r->domain, DEFAULT_DOMAIN) != 0)
        return imageref_string(r);
    size_t plen = strlen(OFFICIAL_REPO_PREFIX);
    if (strncmp(path, OFFICIAL_REPO_PREFIX, plen) == 0 && !strchr(path + plen, '/'))
        path += plen;
    return with_tag_digest(xstrdup(path), r);
}

/* Source: kubernetes pkg/kubelet/images/image_manager.go applyDefaultImageTag:
 * the string as written gets ":latest" when it is neither tagged nor
 * digested; it is not fully qualified (spec/kubelet-semantics.md §1). */
char *imageref_apply_default_tag(const char *image, char *err, size_t errlen)
{
    struct imageref r;
    if (imageref_parse_normalized(image, &r, err, errlen) < 0)
        return NULL;
    bool bare = !r.tag && !r.digest;
    imageref_release(&r);
    return bare ? xasprintf("%s:%s", image, DEFAULT_TAG) : xstrdup(image);
}

/* Source: kubernetes pkg/apis/core/v1/defaults.go SetDefaults_Container via
 * pkg/util/parsers ParseImageName: the parse error is ignored (tag ""), a
 * reference with neither tag nor digest reads as tag "latest", and the
 * comparison is case-sensitive (spec/kubelet-semantics.md §2). */
bool imageref_defaults_to_always(const char *image)
{
    struct imageref r;
    if (imageref_parse_normalized(image, &r, NULL, 0) < 0)
        return false;
    bool always = r.tag ? strcmp(r.tag, DEFAULT_TAG) == 0 : r.digest == NULL;
    imageref_release(&r);
    return always;
}
