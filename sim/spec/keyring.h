/*
 * keyring.h - the kubelet's docker keyring: config.json "auths" keys
 * normalized, indexed and matched against an image's repository, returning
 * credentials in the order the kubelet tries them.
 *
 * What upstream does (spec/kubelet-semantics.md §9; read for this module:
 * kubernetes pkg/credentialprovider/keyring.go BasicDockerKeyring.Add,
 * Lookup, URLsMatch, URLsMatchStr, ParseSchemelessURL, SplitURL,
 * isDefaultRegistryMatch, UnionDockerKeyring; pkg/credentialprovider/
 * secrets/secrets.go MakeDockerKeyring):
 *  - Add: a key gets "https://" unless it starts with http:// or https://,
 *    is parsed as a URL, a path starting with /v1/ or /v2/ loses those 3
 *    characters, and the key is host[:port] + path, or host[:port] alone
 *    when the path is empty or "/". Equal keys merge (credentials appended).
 *    The index of distinct keys is sorted in reverse byte order, so
 *    "quay.io/coreos" comes before "quay.io".
 *  - URLsMatch(key, image): equal ports (both absent or the same text), the
 *    same number of '.'-separated host labels, each label matched as a
 *    shell glob (Go path/filepath.Match: '*', '?', '[...]', '\'), and the
 *    image path starting with the key path as a plain string ("pong"
 *    matches "pongz").
 *  - Lookup(image): the credentials of every matching key, in index order;
 *    when none matched and isDefaultRegistryMatch(image), those of the key
 *    "index.docker.io" (what "https://index.docker.io/v1/" becomes).
 *  - The kubelet looks up the image's normalized repository
 *    ("docker.io/library/nginx"), never a tag or digest
 *    (image_manager.go makeLookupPullCredentialsFunc).
 *  - MakeDockerKeyring puts every pod pull secret of type
 *    kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg into one
 *    keyring and returns UnionDockerKeyring{pod secrets, node keyring}: pod
 *    secrets first, then the node's config.json and credential providers.
 * Determinism: Go iterates config.json's "auths" map (and, in the newest
 *   secrets.go, the secrets map) in random order, so credentials under one
 *   key come in any order upstream; here they come in the order added
 *   (file order, then imagePullSecrets order).
 * Simplification: a key must parse; where upstream logs "Entry %q in
 *   dockercfg invalid" and ignores it, the scenario loader reports it
 *   (keyring_normalize_key). A '%' escape in the host is refused.
 * The scenario loader uses keyring_normalize_key to validate keys; the
 *   module needs nothing but base.
 * Ownership: a keyring owns its keys and credential arrays; release with
 *   keyring_release(). Lookups append to a caller-owned vector.
 * Costs: add O(keys) (sorted insert); lookup O(keys * key length).
 */
#ifndef PULLSIM_KEYRING_H
#define PULLSIM_KEYRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYRING_ERRLEN 256

/* keyring_cred.secret of a credential that comes from the node (config.json
 * or a credential provider): upstream's TrackedAuthConfig with Source nil. */
#define KEYRING_NODE UINT32_MAX

/* One credential as the keyring returns it. The keyring never interprets
 * these numbers. */
struct keyring_cred {
    uint32_t credential; /* the caller's credential id (scenario credentials index) */
    uint32_t secret;     /* the caller's secret id, or KEYRING_NODE */
};

/* One normalized key and the credentials stored under it. */
struct keyring_entry {
    char *key;                  /* host[:port][path], e.g. "registry.example.com/shop" */
    struct keyring_cred *creds; /* in the order added */
    size_t n_creds, cap_creds;
};

struct keyring {
    struct keyring_entry *entries; /* the index: distinct keys, reverse byte order */
    size_t n, cap;
};

void keyring_init(struct keyring *kr);
void keyring_release(struct keyring *kr);

/* The key a config.json "auths" key becomes (Add above), e.g.
 * "https://index.docker.io/v1/" -> "index.docker.io". Returns a new string
 * (caller frees), or NULL with the reason in err when the key is not a
 * URL the kubelet could parse (bad port, control or space characters, an
 * empty host). */
char *keyring_normalize_key(const char *auths_key, char *err, size_t errlen);

/* Adds 'cred' under config.json key 'auths_key'. Returns 0, or -1 (keyring
 * unchanged) when the key does not normalize. */
int keyring_add(struct keyring *kr, const char *auths_key, struct keyring_cred cred);

/* Appends to the vector (*out, *n, *cap) every credential Lookup returns
 * for 'image' (a normalized repository name), in upstream order. Returns
 * how many were appended. */
size_t keyring_lookup(const struct keyring *kr, const char *image, struct keyring_cred **out,
                      size_t *n, size_t *cap);

/* URLsMatchStr(glob, target): both schemeless ("*.example.com:5000/path",
 * "registry.example.com:5000/path/app"). False when either does not parse
 * or a glob label is malformed (upstream returns an error, which Lookup
 * reads as no match). */
bool keyring_urls_match(const char *glob, const char *target);

/* Go's path/filepath.Match of one host label: '*' any run of characters,
 * '?' one character, '[...]' a class ('^' negates, 'a-z' ranges, '\'
 * escapes). False for a malformed pattern. */
bool keyring_glob_match(const char *pattern, const char *s);

/* isDefaultRegistryMatch: does 'image' pull from Docker Hub? An empty first
 * segment: no; one segment: yes; first segment docker.io or
 * index.docker.io: yes; otherwise yes when it has no '.' and no ':'. */
bool keyring_is_default_registry_match(const char *image);

#endif
