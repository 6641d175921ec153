/* keyring.c - see keyring.h for the model and its sources. */
#include "spec/keyring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* The key whose credentials serve Docker Hub images no key matched
 * (keyring.go defaultRegistryHost). */
#define DEFAULT_REGISTRY_HOST "index.docker.io"

void keyring_init(struct keyring *kr)
{
    *kr = (struct keyring){0};
}

void keyring_release(struct keyring *kr)
{
    for (size_t i = 0; i < kr->n; i++) {
        free(kr->entries[i].key);
        free(kr->entries[i].creds);
    }
    free(kr->entries);
    keyring_init(kr);
}

/* ---------------------------------------------------------------- URLs */

/* A URL as Go's net/url.Parse splits it: Host keeps the port, Path is
 * unescaped; query, fragment and user info are dropped. */
struct url {
    char *host;
    char *path;
};

static void url_release(struct url *u)
{
    free(u->host);
    free(u->path);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Characters net/url accepts unescaped in a host name (shouldEscape with
 * encodeHost returns false for them); bytes >= 0x80 pass too. */
static bool host_char_ok(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80)
        return true;
    return strchr("-._~!$&'()*+,;=:[]<>\"", c) != NULL && c != '\0';
}

/* validOptionalPort: "" or ':' followed by digits only. */
static bool port_ok(const char *p)
{
    if (*p == '\0')
        return true;
    if (*p++ != ':')
        return false;
    for (; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

/* url.Parse's host checks: a bracketed IPv6 literal must close, and what
 * follows the host (after ']' or the last ':') must be a valid port. */
static int check_host(const char *host, char *err, size_t errlen)
{
    for (const char *c = host; *c; c++) {
        if (!host_char_ok((unsigned char)*c)) {
            snprintf(err, errlen, "invalid character '%c' in host name", *c);
            return -1;
        }
    }
    const char *port = NULL;
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (!close) {
            snprintf(err, errlen, "missing ']' in host");
            return -1;
        }
        port = close + 1;
    } else {
        port = strrchr(host, ':');
    }
    if (port && !port_ok(port)) {
        snprintf(err, errlen, "invalid port \"%s\" after host", port);
        return -1;
    }
    return 0;
}

/* The path with %XX escapes decoded; NULL after an invalid escape. */
static char *unescape_path(const char *s, size_t len, char *err, size_t errlen)
{
    char *out = xmalloc(len + 1);
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            out[j++] = s[i];
            continue;
        }
        int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
        int lo = i + 2 < len ? hexval(s[i + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
            out[j++] = (char)(hi * 16 + lo);
            i += 2;
            continue;
        }
        snprintf(err, errlen, "invalid URL escape in path");
        free(out);
        return NULL;
    }
    out[j] = '\0';
    return out;
}

/* url.Parse of "http(s)://...". 0, or -1 with the reason in err. */
static int url_parse(const char *s, struct url *u, char *err, size_t errlen)
{
    *u = (struct url){0};
    for (const char *c = s; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            snprintf(err, errlen, "invalid control character in URL");
            return -1;
        }
    }
    const char *rest = strstr(s, "://");
    if (!rest) {
        snprintf(err, errlen, "missing scheme");
        return -1;
    }
    rest += 3;
    size_t end = strcspn(rest, "?#");            /* query and fragment are not key */
    size_t auth_len = strcspn(rest, "/?#");
    const char *at = NULL;                       /* user info ends at the last '@' */
    for (size_t i = 0; i < auth_len; i++)
        if (rest[i] == '@')
            at = rest + i;
    const char *host = at ? at + 1 : rest;
    char *h = xstrndup(host, (size_t)(rest + auth_len - host));
    if (check_host(h, err, errlen) != 0) {
        free(h);
        return -1;
    }
    char *p = unescape_path(rest + auth_len, end > auth_len ? end - auth_len : 0, err, errlen);
    if (!p) {
        free(h);
        return -1;
    }
    u->host = h;
    u->path = p;
    return 0;
}

char *keyring_normalize_key(const char *auths_key, char *err, size_t errlen)
{
    bool has_scheme = strncmp(auths_key, "https://", 8) == 0 ||
                      strncmp(auths_key, "http://", 7) == 0;
    char *value = has_scheme ? xstrdup(auths_key) : xasprintf("https://%s", auths_key);
    struct url u;
    int rc = url_parse(value, &u, err, errlen);
    free(value);
    if (rc != 0)
        return NULL;
    if (u.host[0] == '\0') {
        snprintf(err, errlen, "no registry host");
        url_release(&u);
        return NULL;
    }
    /* Docker's ResolveAuthConfig treats /v1/ and /v2/ as the host itself. */
    const char *path = u.path;
    if (strncmp(path, "/v2/", 4) == 0 || strncmp(path, "/v1/", 4) == 0)
        path += 3;
    char *key = *path && strcmp(path, "/") != 0 ? xasprintf("%s%s", u.host, path)
                                                : xstrdup(u.host);
    url_release(&u);
    return key;
}

/* ---------------------------------------------------------------- globs */

/* One element of a character class (getEsc): a character, or '\' and a
 * character; '-' and ']' cannot start one. Advances *pp; -1 if malformed. */
static int class_char(const char **pp, unsigned char *out)
{
    const char *p = *pp;
    if (*p == '\0' || *p == '-' || *p == ']')
        return -1;
    if (*p == '\\' && *++p == '\0')
        return -1;
    *out = (unsigned char)*p++;
    if (*p == '\0')
        return -1; /* a class must close */
    *pp = p;
    return 0;
}

/* A class at *pp (just past '['): whether c is in it. Advances *pp past
 * ']'; -1 if malformed. */
static int class_match(const char **pp, unsigned char c)
{
    const char *p = *pp;
    bool negated = *p == '^', match = false;
    if (negated)
        p++;
    for (int nrange = 0;; nrange++) {
        if (*p == ']' && nrange > 0) {
            p++;
            break;
        }
        unsigned char lo, hi;
        if (class_char(&p, &lo) != 0)
            return -1;
        hi = lo;
        if (*p == '-' && (p++, class_char(&p, &hi) != 0))
            return -1;
        match = match || (lo <= c && c <= hi);
    }
    *pp = p;
    return match != negated;
}

/* The pattern is well formed (classes close, no trailing '\'). */
static bool glob_valid(const char *p)
{
    while (*p) {
        if (*p == '[') {
            p++;
            if (class_match(&p, 0) < 0)
                return false;
        } else if (*p == '\\') {
            if (*++p == '\0')
                return false;
            p++;
        } else {
            p++;
        }
    }
    return true;
}

/* Backtracking match of a valid pattern; '*' and '?' never match '/'. */
static bool glob(const char *p, const char *s)
{
    while (*p) {
        if (*p == '*') {
            while (*p == '*')
                p++;
            for (;; s++) {
                if (glob(p, s))
                    return true;
                if (*s == '\0' || *s == '/')
                    return false;
            }
        }
        if (*s == '\0')
            return false;
        if (*p == '?') {
            if (*s == '/')
                return false;
        } else if (*p == '[') {
            p++;
            if (class_match(&p, (unsigned char)*s) != 1)
                return false;
            s++;
            continue;
        } else {
            if (*p == '\\')
                p++;
            if (*p != *s)
                return false;
        }
        p++;
        s++;
    }
    return *s == '\0';
}

bool keyring_glob_match(const char *pattern, const char *s)
{
    return glob_valid(pattern) && glob(pattern, s);
}

/* ---------------------------------------------------------------- matching */

/* net.SplitHostPort, falling back to (whole host, "") on any error, then
 * the host split at '.' (SplitURL). Returns the label count; *port points
 * into host (or at ""). Labels are NUL-terminated in place. */
static size_t split_host(char *host, char **labels, size_t max, const char **port)
{
    *port = "";
    char *h = host;
    if (host[0] == '[') {
        char *close = strchr(host, ']');
        if (close && close[1] == ':') {
            *close = '\0';
            *port = close + 2;
            h = host + 1;
        }
    } else {
        char *first = strchr(host, ':'), *last = strrchr(host, ':');
        if (first && first == last) {
            *first = '\0';
            *port = first + 1;
        }
    }
    size_t n = 0;
    for (char *lbl = h;; ) {
        char *dot = strchr(lbl, '.');
        if (n < max)
            labels[n] = lbl;
        n++;
        if (!dot)
            break;
        *dot = '\0';
        lbl = dot + 1;
    }
    return n;
}

#define MAX_LABELS 64

bool keyring_urls_match(const char *glob_url, const char *target)
{
    char err[KEYRING_ERRLEN];
    char *gs = xasprintf("https://%s", glob_url), *ts = xasprintf("https://%s", target);
    struct url g, t;
    int rg = url_parse(gs, &g, err, sizeof(err));
    int rt = rg == 0 ? url_parse(ts, &t, err, sizeof(err)) : -1;
    free(gs);
    free(ts);
    if (rg != 0 || rt != 0) {
        if (rg == 0)
            url_release(&g);
        return false;
    }
    char *gl[MAX_LABELS], *tl[MAX_LABELS];
    const char *gport, *tport;
    size_t ng = split_host(g.host, gl, MAX_LABELS, &gport);
    size_t nt = split_host(t.host, tl, MAX_LABELS, &tport);
    bool ok = strcmp(gport, tport) == 0 && ng == nt && ng <= MAX_LABELS &&
              strncmp(t.path, g.path, strlen(g.path)) == 0;
    for (size_t i = 0; ok && i < ng; i++)
        ok = keyring_glob_match(gl[i], tl[i]);
    url_release(&g);
    url_release(&t);
    return ok;
}

bool keyring_is_default_registry_match(const char *image)
{
    size_t first = strcspn(image, "/");
    if (first == 0)
        return false;
    if (image[first] == '\0')
        return true; /* one segment, e.g. library/ubuntu's short form */
    if ((first == 9 && strncmp(image, "docker.io", 9) == 0) ||
        (first == 15 && strncmp(image, DEFAULT_REGISTRY_HOST, 15) == 0))
        return true;
    /* Docker reads a first segment with '.' or ':' as a registry location. */
    for (size_t i = 0; i < first; i++)
        if (image[i] == '.' || image[i] == ':')
            return false;
    return true;
}

/* ---------------------------------------------------------------- keyring */

int keyring_add(struct keyring *kr, const char *auths_key, struct keyring_cred cred)
{
    char err[KEYRING_ERRLEN];
    char *key = keyring_normalize_key(auths_key, err, sizeof(err));
    if (!key)
        return -1;
    /* Reverse byte order: more specific paths of a host come first. */
    size_t i = 0;
    while (i < kr->n && strcmp(kr->entries[i].key, key) > 0)
        i++;
    if (i == kr->n || strcmp(kr->entries[i].key, key) != 0) {
        VEC_PUSH(kr->entries, kr->n, kr->cap);
        memmove(&kr->entries[i + 1], &kr->entries[i], (kr->n - 1 - i) * sizeof(*kr->entries));
        kr->entries[i] = (struct keyring_entry){.key = key};
    } else {
        free(key);
    }
    struct keyring_entry *e = &kr->entries[i];
    *VEC_PUSH(e->creds, e->n_creds, e->cap_creds) = cred;
    return 0;
}

static size_t append(const struct keyring_entry *e, struct keyring_cred **out, size_t *n,
                     size_t *cap)
{
    for (size_t j = 0; j < e->n_creds; j++)
        *VEC_PUSH(*out, *n, *cap) = e->creds[j];
    return e->n_creds;
}

size_t keyring_lookup(const struct keyring *kr, const char *image, struct keyring_cred **out,
                      size_t *n, size_t *cap)
{
    size_t got = 0;
    for (size_t i = 0; i < kr->n; i++)
        if (keyring_urls_match(kr->entries[i].key, image))
            got += append(&kr->entries[i], out, n, cap);
    if (got > 0 || !keyring_is_default_registry_match(image))
        return got;
    for (size_t i = 0; i < kr->n; i++)
        if (strcmp(kr->entries[i].key, DEFAULT_REGISTRY_HOST) == 0)
            return append(&kr->entries[i], out, n, cap);
    return 0;
}
