/*
 * scenario_secrets.c - secrets and credentials (scenario_internal.h): the
 * secrets section, a pod template's imagePullSecrets and a node pool's
 * credentials. Secrets and pools hold config.json-style "auths" (registry
 * location -> credential), each credential an account some registry's auth
 * defines (scenario_registries.c), so secrets are read after registries.
 */
#include "spec/scenario_internal.h"

#include <stdlib.h>

#include "spec/keyring.h"

/* A credential named at v (an auths entry's 'credential'): a registry
 * account defined under registries[].auth.accounts. A credential no registry
 * knows would be a typo; a wrong password is modelled by naming an account
 * of another registry (registry.h). Returns the index or SCENARIO_NONE. */
static uint32_t resolve_credential(struct ctx *c, const struct scn_node *v)
{
    struct scenario *s = c->s;
    return scn_resolve_name(c, v, "credential", &c->credentials, "registries[].auth.accounts",
                            (const char *const *)s->credentials, s->n_credentials);
}

/* One "auths" entry: KEY: {credential: NAME}. The key must be a registry
 * location the kubelet can match (keyring_normalize_key). */
static void parse_auth_entry(struct ctx *c, const struct pair *p, const char *where,
                             struct scenario_auth_entry **out, size_t *n)
{
    static const char *const keys[] = {"credential"};
    const struct scn_node *k = p->key, *v = p->value, *x;
    char err[KEYRING_ERRLEN];
    if (k->kind != NODE_SCALAR)
        return;
    char *norm = keyring_normalize_key(k->text, err, sizeof(err));
    if (!norm) {
        diag_error(c->d, k->loc, "auths: key '%s' is not a registry location the kubelet can "
                   "match: %s; expected a host such as registry.example.com, with an optional "
                   "port and path (config.json \"auths\" keys)", k->text, err);
        return;
    }
    free(norm);
    char *w = xasprintf("%s.auths['%s']", where, k->text);
    uint32_t cred = SCENARIO_NONE;
    if (scn_want_map(c, v, k->text) == 0) {
        CHECK_KEYS(c, v, keys, w);
        if (!(x = scn_get(v, "credential")))
            scn_missing(c, v, "credential", w);
        else
            cred = resolve_credential(c, x);
    }
    free(w);
    if (cred == SCENARIO_NONE)
        return;
    size_t cap = *n;
    *VEC_PUSH(*out, *n, cap) = (struct scenario_auth_entry){
        .key = xstrdup(k->text), .credential = cred, .loc = k->loc};
}

/* An "auths" mapping (config.json): registry location -> {credential}. */
static void parse_auths(struct ctx *c, const struct scn_node *v, const char *where,
                        struct scenario_auth_entry **out, size_t *n)
{
    if (scn_is_null(v) || scn_want_map(c, v, "auths") != 0)
        return;
    for (size_t i = 0; i < v->n_pairs; i++)
        parse_auth_entry(c, &v->pairs[i], where, out, n);
}

/* Secret types Kubernetes defines (k8s.io/api core/v1 SecretType*). Only the
 * first two are read by the kubelet's keyring; the others are ignored. */
static const char *const secret_types[] = {
    "kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg", "Opaque",
    "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth", "kubernetes.io/tls",
    "kubernetes.io/service-account-token", "bootstrap.kubernetes.io/token"};

/* secrets[i].name: an RFC 1123 subdomain (Secret names are), unique. */
static struct diag_loc secret_loc(const struct scenario *s, uint32_t idx)
{
    return s->secrets[idx].loc;
}

/* secrets[i] keys: name, type (required here, though Kubernetes defaults it to
 * Opaque, which the kubelet ignores), auths (the .dockerconfigjson "auths" or
 * the .dockercfg map: registry location -> {credential}). */
static void parse_secret(struct ctx *c, const struct scn_node *m, const char *where)
{
    static const char *const keys[] = {"name", "type", "auths"};
    struct scenario *s = c->s;
    uint32_t idx = (uint32_t)s->n_secrets;
    struct scenario_secret *sec = VEC_PUSH(s->secrets, s->n_secrets, c->cap_secrets);
    sec->type = SCENARIO_SECRET_OTHER;
    sec->loc = m->loc;
    if (scn_want_map(c, m, where) != 0) {
        c->secrets_ok = false;
        return;
    }
    CHECK_KEYS(c, m, keys, where);
    char *name = scn_subdomain_name(c, m, where, "Secret", "secret", "team-a-pull",
                                    &c->secrets, idx, secret_loc);
    s->secrets[idx].name = name;
    if (!name)
        c->secrets_ok = false;
    const struct scn_node *v;
    int t;
    if (!(v = scn_get(m, "type")))
        scn_missing(c, m, "type", where);
    else if (scn_to_enum(c, v, "type", "a Secret type", secret_types, N_OF(secret_types), &t) == 0)
        s->secrets[idx].type = t == 0   ? SCENARIO_SECRET_DOCKERCONFIGJSON
                               : t == 1 ? SCENARIO_SECRET_DOCKERCFG
                                        : SCENARIO_SECRET_OTHER;
    if ((v = scn_get(m, "auths")))
        parse_auths(c, v, where, &s->secrets[idx].auths, &s->secrets[idx].n_auths);
}

/* secrets: a list of Secrets pods name in imagePullSecrets (above). */
void scn_parse_secrets(struct ctx *c, const struct scn_node *root)
{
    const struct scn_node *v = scn_get(root, "secrets");
    const struct scn_node *list = scn_get_list(c, root, "secrets", "", false, "secret");
    c->secrets_ok = !v || scn_is_null(v) || list;
    if (!list)
        return;
    if (list->n_items > SCENARIO_MAX_SECRETS) {
        diag_error(c->d, list->loc, "secrets: %zu entries exceed the limit of %u",
                   list->n_items, SCENARIO_MAX_SECRETS);
        c->secrets_ok = false;
        return;
    }
    for (size_t i = 0; i < list->n_items; i++) {
        char *w = xasprintf("secrets[%zu]", i);
        parse_secret(c, list->items[i], w);
        free(w);
    }
}

/* template.imagePullSecrets: a list of {name: SECRET}, each a secrets entry.
 * Simplification: upstream a missing Secret is a kubelet warning ("Unable to
 * retrieve pull secret") and the pull goes on without it; here a dangling
 * name is an input error (omit it to model a missing Secret). */
void scn_parse_pull_secrets(struct ctx *c, const struct scn_node *m, const char *where,
                            struct scenario_workload *wl)
{
    static const char *const keys[] = {"name"};
    struct scenario *s = c->s;
    const struct scn_node *list = scn_get_list(c, m, "imagePullSecrets", where, false, "secrets");
    const char **names = NULL; /* built at the first dangling name */
    for (size_t i = 0; list && i < list->n_items; i++) {
        const struct scn_node *it = list->items[i], *v;
        char *w = xasprintf("%s.imagePullSecrets[%zu]", where, i);
        if (it->kind == NODE_SCALAR && !scn_is_null(it))
            diag_error(c->d, it->loc, "imagePullSecrets[%zu]: '%s' is a bare name; expected "
                       "{name: %s} (a LocalObjectReference, as in a pod spec)", i, it->text,
                       it->text);
        else if (scn_want_map(c, it, w) == 0) {
            CHECK_KEYS(c, it, keys, w);
            if (!(v = scn_get(it, "name")))
                scn_missing(c, it, "name", w);
            else if (!c->secrets_ok)
                scn_want_scalar(c, v, "name", "a secret name");
            else {
                if (!names && scn_strmap_get(&c->secrets, v->kind == NODE_SCALAR ? v->text : "")
                                  == SCENARIO_NONE)
                    NAMES_OF(s->secrets, s->n_secrets, name, names);
                uint32_t idx = scn_resolve_name(c, v, "name", &c->secrets, "secrets", names,
                                                s->n_secrets);
                size_t cap = wl->n_pull_secrets;
                if (idx != SCENARIO_NONE)
                    *(uint32_t *)VEC_PUSH(wl->pull_secrets, wl->n_pull_secrets, cap) = idx;
            }
        }
        free(w);
    }
    free(names);
}

/* nodePools[i].credentials keys: auths (the nodes' config.json and
 * credential providers: registry location -> {credential}). */
void scn_parse_pool_credentials(struct ctx *c, const struct scn_node *v, const char *where,
                                struct scenario_pool *p)
{
    static const char *const keys[] = {"auths"};
    const struct scn_node *x;
    if (scn_want_map(c, v, "credentials") != 0)
        return;
    CHECK_KEYS(c, v, keys, where);
    if ((x = scn_get(v, "auths")))
        parse_auths(c, x, where, &p->node_auths, &p->n_node_auths);
}
