/*
 * scenario_registries.c - the registries section (scenario_internal.h): each
 * registry's host, bandwidths, request latency, failures, outages, changes
 * over time, rate limit, concurrency limit and auth (its accounts, which
 * define the credentials secrets and node pools name).
 *
 * Registries are read first: images find their registry by host, and
 * secrets resolve credentials against the accounts read here.
 */
#include "spec/scenario_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/imageref.h"

/* --------------------------------------- latency, outages, changes, limits */

static const char *const dist_names[] = {"constant", "exponential", "lognormal", "uniform"};

/* registries[i].latency (or connectLatency, named by 'key'): a duration
 * (constant), or a mapping
 *   {dist: constant, value: D} | {dist: exponential, mean: D} |
 *   {dist: lognormal, median: D, sigma: N > 0} | {dist: uniform, min: D, max: D}. */
static void parse_latency(struct ctx *c, const struct scn_node *v, const char *key,
                          const char *where, struct scenario_dist *out)
{
    static const char *const keys[][3] = {
        {"dist", "value", NULL}, {"dist", "mean", NULL},
        {"dist", "median", "sigma"}, {"dist", "min", "max"},
    };
    struct scenario_dist dist = {SCENARIO_DIST_CONSTANT, 0, 0};
    int kind;
    if (v->kind == NODE_SCALAR && !scn_is_null(v)) {
        if (scn_to_duration(c, v, key, false, &dist.a) == 0)
            *out = dist;
        return;
    }
    if (v->kind != NODE_MAP) {
        if (v->kind != NODE_BAD)
            diag_error(c->d, v->loc,
                       "%s: expected a duration or a mapping such as {dist: exponential, "
                       "mean: 20ms}, got %s",
                       key, scn_kind_noun(v));
        return;
    }
    const struct scn_node *dv = scn_get(v, "dist");
    if (!dv) {
        scn_missing(c, v, "dist", where);
        return;
    }
    if (scn_to_enum(c, dv, "dist", "a latency distribution", dist_names, N_OF(dist_names), &kind))
        return;
    size_t n_keys = keys[kind][2] ? 3 : 2;
    int rc = scn_check_keys(c, v, keys[kind], n_keys, where);
    for (size_t i = 1; i < n_keys; i++)
        if (!scn_get(v, keys[kind][i]))
            rc = scn_missing(c, v, keys[kind][i], where);
    if (rc)
        return;
    dist.kind = (enum scenario_dist_kind)kind;
    const struct scn_node *a = scn_get(v, keys[kind][1]);
    rc = scn_to_duration(c, a, keys[kind][1], false, &dist.a);
    if (kind == SCENARIO_DIST_LOGNORMAL) {
        const struct scn_node *sg = scn_get(v, "sigma");
        if (scn_to_number(c, sg, "sigma", &dist.b) == 0 && !(dist.b > 0))
            rc = diag_error(c->d, sg->loc, "sigma: %s is not positive; expected a number > 0",
                            sg->text);
    } else if (kind == SCENARIO_DIST_UNIFORM) {
        const struct scn_node *mx = scn_get(v, "max");
        if (scn_to_duration(c, mx, "max", false, &dist.b) != 0)
            rc = -1;
        else if (rc == 0 && dist.b < dist.a)
            rc = diag_error(c->d, mx->loc, "max: '%s' is less than min '%s'; expected min <= max",
                            mx->text, a->text);
    }
    if (rc == 0)
        *out = dist;
}

/* A probability in [0, 1] (failureProbability). */
static int to_probability(struct ctx *c, const struct scn_node *v, const char *key, double *out)
{
    double x;
    if (scn_want_scalar(c, v, key, "a probability such as 0.05") != 0)
        return -1;
    if (scn_parse_number(v->text, &x) != 0)
        return diag_error(c->d, v->loc, "%s: '%s' is not a probability; expected a number "
                          "from 0 to 1 such as 0.05", key, v->text);
    if (x < 0 || x > 1)
        return diag_error(c->d, v->loc, "%s: %s is out of range; expected a probability from "
                          "0 to 1 such as 0.05", key, v->text);
    *out = x;
    return 0;
}

/* registries[i].outages[j] keys: from, to, mode (fail | hang; default fail).
 * 'prev' is the previous outage of the registry (NULL for the first): an
 * outage starts at or after the previous one's end. Returns 0 when valid. */
static int parse_outage(struct ctx *c, const struct scn_node *m, const char *where,
                        const struct scenario_outage *prev, struct scenario_outage *o)
{
    static const char *const keys[] = {"from", "to", "mode"};
    static const char *const modes[] = {"fail", "hang"};
    const struct scn_node *fv = scn_get(m, "from"), *tv = scn_get(m, "to"), *mv = scn_get(m, "mode");
    int rc = 0, mode;
    *o = (struct scenario_outage){.mode = SCENARIO_OUTAGE_FAIL, .loc = m->loc};
    if (scn_want_map(c, m, where) != 0)
        return -1;
    rc |= CHECK_KEYS(c, m, keys, where);
    if (!fv)
        rc |= scn_missing(c, m, "from", where);
    else
        rc |= scn_to_duration(c, fv, "from", false, &o->from);
    if (!tv)
        rc |= scn_missing(c, m, "to", where);
    else
        rc |= scn_to_duration(c, tv, "to", false, &o->to);
    if (mv && scn_to_enum(c, mv, "mode", "an outage mode", modes, N_OF(modes), &mode) == 0)
        o->mode = mode ? SCENARIO_OUTAGE_HANG : SCENARIO_OUTAGE_FAIL;
    else if (mv)
        rc = -1;
    if (rc != 0)
        return -1;
    if (o->to <= o->from)
        return diag_error(c->d, tv->loc, "to: '%s' is not after from '%s'; expected an outage "
                          "that ends after it starts", tv->text, fv->text);
    if (prev && o->from < prev->to) {
        diag_error(c->d, fv->loc, "from: this outage starts before the previous one ends; "
                   "expected outages in time order, without overlap");
        diag_note(c->d, prev->loc, "the previous outage");
        return -1;
    }
    return 0;
}

/* registries[i].outages: a list of outages (above). */
static void parse_outages(struct ctx *c, const struct scn_node *reg, const char *where,
                          struct scenario_registry *r)
{
    const struct scn_node *list = scn_get_list(c, reg, "outages", where, false, "outages");
    if (!list)
        return;
    r->outages = xcalloc(list->n_items ? list->n_items : 1, sizeof(*r->outages));
    for (size_t i = 0; i < list->n_items; i++) {
        char *w = xasprintf("%s.outages[%zu]", where, i);
        const struct scenario_outage *prev = r->n_outages ? &r->outages[r->n_outages - 1]
                                                          : NULL;
        if (parse_outage(c, list->items[i], w, prev, &r->outages[r->n_outages]) == 0)
            r->n_outages++;
        free(w);
    }
}

/* registries[i].changes[j] keys: at, and at least one of egressBandwidth,
 * perConnectionBandwidth, latency, failureProbability. 'prev' is the
 * previous change (NULL for the first): changes are in time order. */
static int parse_change(struct ctx *c, const struct scn_node *m, const char *where,
                        const struct scenario_registry_change *prev,
                        struct scenario_registry_change *ch)
{
    static const char *const keys[] = {"at", "egressBandwidth", "perConnectionBandwidth",
                                       "latency", "failureProbability"};
    const struct scn_node *v, *at = scn_get(m, "at");
    int rc = 0;
    *ch = (struct scenario_registry_change){.loc = m->loc};
    if (scn_want_map(c, m, where) != 0)
        return -1;
    rc |= CHECK_KEYS(c, m, keys, where);
    if (!at)
        rc |= scn_missing(c, m, "at", where);
    else
        rc |= scn_to_duration(c, at, "at", false, &ch->at);
    if ((v = scn_get(m, "egressBandwidth"))) {
        ch->what |= SCENARIO_CHANGE_EGRESS;
        rc |= scn_to_bandwidth(c, v, "egressBandwidth", &ch->egress_bandwidth);
    }
    if ((v = scn_get(m, "perConnectionBandwidth"))) {
        ch->what |= SCENARIO_CHANGE_PER_CONNECTION;
        rc |= scn_to_bandwidth(c, v, "perConnectionBandwidth", &ch->per_connection_bandwidth);
    }
    if ((v = scn_get(m, "latency"))) {
        size_t errors = c->d->errors;
        char *w = xasprintf("%s.latency", where);
        ch->what |= SCENARIO_CHANGE_LATENCY;
        parse_latency(c, v, "latency", w, &ch->latency);
        free(w);
        rc |= c->d->errors != errors ? -1 : 0;
    }
    if ((v = scn_get(m, "failureProbability"))) {
        ch->what |= SCENARIO_CHANGE_FAILURE;
        rc |= to_probability(c, v, "failureProbability", &ch->failure_probability);
    }
    if (rc != 0)
        return -1;
    if (!ch->what)
        return diag_error(c->d, m->loc, "%s: nothing to change; expected one of: "
                          "egressBandwidth, failureProbability, latency, "
                          "perConnectionBandwidth", where);
    if (prev && ch->at < prev->at) {
        diag_error(c->d, at->loc, "at: '%s' is before the previous change; expected changes "
                   "in time order", at->text);
        diag_note(c->d, prev->loc, "the previous change");
        return -1;
    }
    return 0;
}

/* registries[i].changes: a list of changes (above). */
static void parse_changes(struct ctx *c, const struct scn_node *reg, const char *where,
                          struct scenario_registry *r)
{
    const struct scn_node *list = scn_get_list(c, reg, "changes", where, false, "changes");
    if (!list)
        return;
    r->changes = xcalloc(list->n_items ? list->n_items : 1, sizeof(*r->changes));
    for (size_t i = 0; i < list->n_items; i++) {
        char *w = xasprintf("%s.changes[%zu]", where, i);
        const struct scenario_registry_change *prev =
            r->n_changes ? &r->changes[r->n_changes - 1] : NULL;
        if (parse_change(c, list->items[i], w, prev, &r->changes[r->n_changes]) == 0)
            r->n_changes++;
        free(w);
    }
}

/* registries[i].rateLimit keys: requests, window, key (node | pool |
 * cluster | credential; default node). */
static void parse_rate_limit(struct ctx *c, const struct scn_node *m, const char *where,
                             struct scenario_rate_limit *out)
{
    static const char *const keys[] = {"requests", "window", "key"};
    static const char *const rate_keys[] = {"node", "pool", "cluster", "credential"};
    struct scenario_rate_limit rl = {.key = SCENARIO_RATE_NODE};
    const struct scn_node *v;
    int rc = 0, key;
    if (scn_want_map(c, m, "rateLimit") != 0)
        return;
    rc |= CHECK_KEYS(c, m, keys, where);
    if (!(v = scn_get(m, "requests")))
        rc |= scn_missing(c, m, "requests", where);
    else
        rc |= scn_to_u32(c, v, "requests", 1, 10000000, NULL, &rl.requests);
    if (!(v = scn_get(m, "window")))
        rc |= scn_missing(c, m, "window", where);
    else
        rc |= scn_to_duration(c, v, "window", true, &rl.window);
    if ((v = scn_get(m, "key"))) {
        if (scn_to_enum(c, v, "key", "a rate-limit key", rate_keys, N_OF(rate_keys), &key) == 0)
            rl.key = (enum scenario_rate_key)key;
        else
            rc = -1;
    }
    if (rc == 0)
        *out = rl;
}

/* ------------------------------------------------------- registry auth */

/* Index of credential 'name' (borrowed; copied when new). Credentials are
 * registry account names: the same name under two registries is one
 * credential both accept. */
static uint32_t intern_credential(struct ctx *c, const char *name)
{
    struct scenario *s = c->s;
    uint32_t idx = scn_strmap_get(&c->credentials, name);
    if (idx != SCENARIO_NONE)
        return idx;
    idx = (uint32_t)s->n_credentials;
    char **slot = VEC_PUSH(s->credentials, s->n_credentials, c->cap_credentials);
    *slot = xstrdup(name);
    scn_strmap_put(&c->credentials, *slot, idx);
    return idx;
}

/* A repository pattern of an account: "*" (every repository), a repository
 * path ("shop/api", or "library/nginx" on docker.io), or a path followed by
 * "/\*" (every repository under it, at any depth: the allowlist's wildcard
 * form, verifypolicy.h). The path follows the reference grammar (spec §1):
 * lower-case components joined by '/'. */
static int check_repository_pattern(struct ctx *c, const struct scn_node *v, const char *key)
{
    const char *t = v->text;
    size_t len = strlen(t);
    if (!strcmp(t, "*"))
        return 0;
    size_t plen = len >= 2 && !strcmp(t + len - 2, "/*") ? len - 2 : len;
    char *path = xstrndup(t, plen);
    char *full = xasprintf("pullsim.invalid/%s", path);
    struct imageref ref;
    char err[IMAGEREF_ERRLEN];
    bool ok = plen > 0 && !strchr(path, '*') &&
              imageref_parse(full, &ref, err, sizeof(err)) == 0;
    if (ok) {
        ok = !ref.tag && !ref.digest && ref.path && !strcmp(ref.path, path);
        imageref_release(&ref);
    }
    free(full);
    free(path);
    if (ok)
        return 0;
    return diag_error(c->d, v->loc, "%s: '%s' is not a repository pattern; expected \"*\", a "
                      "repository path without tag or digest such as shop/api, or a prefix "
                      "such as shop/*", key, t);
}

/* registries[i].auth.accounts[j] keys: name (a credential name), repositories
 * (patterns, above; an empty list = only the public repositories). */
static void parse_account(struct ctx *c, const struct scn_node *m, const char *where,
                          struct scenario_registry_auth *auth)
{
    static const char *const keys[] = {"name", "repositories"};
    struct scenario_account a = {.credential = SCENARIO_NONE, .loc = m->loc};
    const struct scn_node *v;
    char *name = NULL;
    if (scn_want_map(c, m, where) != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    if (!(v = scn_get(m, "name")))
        scn_missing(c, m, "name", where);
    else if (scn_want_scalar(c, v, "name", "a credential name") == 0 &&
             !scn_is_folder_name(v->text))
        diag_error(c->d, v->loc, "name: '%s' is not a credential name; expected letters, "
                   "digits, '.', '_' or '-' (it names the credential in results and traces)",
                   v->text);
    else if (scn_to_string(c, v, "name", &name) == 0) {
        for (size_t i = 0; i < auth->n_accounts; i++) {
            if (!strcmp(c->s->credentials[auth->accounts[i].credential], name)) {
                diag_error(c->d, v->loc, "name: duplicate account '%s' in this registry; "
                           "account names are unique per registry", name);
                diag_note(c->d, auth->accounts[i].loc, "'%s' first defined here", name);
                free(name);
                return;
            }
        }
        a.credential = intern_credential(c, name);
        free(name);
    }
    const struct scn_node *list = scn_get(m, "repositories");
    if (!list)
        scn_missing(c, m, "repositories", where);
    else if (!scn_is_null(list) && list->kind != NODE_SEQ && list->kind != NODE_BAD)
        diag_error(c->d, list->loc, "repositories: expected a list, got %s", scn_kind_noun(list));
    for (size_t i = 0; list && list->kind == NODE_SEQ && i < list->n_items; i++) {
        char key[48];
        snprintf(key, sizeof(key), "repositories[%zu]", i);
        const struct scn_node *it = list->items[i];
        if (scn_want_scalar(c, it, key, "a repository pattern") != 0 ||
            check_repository_pattern(c, it, key) != 0)
            continue;
        size_t cap = a.n_repositories;
        *(char **)VEC_PUSH(a.repositories, a.n_repositories, cap) = xstrdup(it->text);
    }
    if (a.credential == SCENARIO_NONE) {
        for (size_t i = 0; i < a.n_repositories; i++)
            free(a.repositories[i]);
        free(a.repositories);
        return;
    }
    size_t cap = auth->n_accounts;
    *VEC_PUSH(auth->accounts, auth->n_accounts, cap) = a;
}

/* registries[i].auth keys: required (true: every repository needs
 * credentials; false: only those an account lists), accounts. What the
 * registry answers: registry.h registry_authorizes. */
static void parse_auth(struct ctx *c, const struct scn_node *v, const char *where,
                       struct scenario_registry *r)
{
    static const char *const keys[] = {"required", "accounts"};
    struct scenario_registry_auth *auth = &r->auth;
    const struct scn_node *x;
    if (scn_want_map(c, v, "auth") != 0)
        return;
    CHECK_KEYS(c, v, keys, where);
    auth->on = true;
    auth->required = true;
    if ((x = scn_get(v, "required")))
        scn_to_bool(c, x, "required", &auth->required);
    const struct scn_node *list = scn_get_list(c, v, "accounts", where, false, "accounts");
    for (size_t i = 0; list && i < list->n_items; i++) {
        char *w = xasprintf("%s.accounts[%zu]", where, i);
        parse_account(c, list->items[i], w, auth);
        free(w);
    }
}

/* ---------------------------------------------------------- registries */

/* registries[i] keys: host, egressBandwidth, perConnectionBandwidth, latency,
 * connectLatency, manifestRequests, failureProbability, outages, changes,
 * rateLimit, maxConcurrentRequests, auth. */
static void parse_registry(struct ctx *c, const struct scn_node *m, const char *where)
{
    static const char *const keys[] = {"host", "egressBandwidth", "perConnectionBandwidth",
                                       "latency", "connectLatency", "manifestRequests",
                                       "failureProbability", "outages", "changes",
                                       "rateLimit", "maxConcurrentRequests", "auth"};
    struct scenario *s = c->s;
    uint32_t idx = (uint32_t)s->n_registries;
    struct scenario_registry *r = VEC_PUSH(s->registries, s->n_registries, c->cap_registries);
    r->per_connection_bandwidth = INFINITY;
    r->latency = (struct scenario_dist){SCENARIO_DIST_CONSTANT, 0, 0};
    r->connect_latency = (struct scenario_dist){SCENARIO_DIST_CONSTANT, 0, 0};
    r->manifest_requests = 3;
    r->loc = m->loc;
    if (scn_want_map(c, m, where) != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    const struct scn_node *v;
    if (!(v = scn_get(m, "host"))) {
        scn_missing(c, m, "host", where);
    } else if (scn_to_string(c, v, "host", &r->host) == 0) {
        uint32_t prev = scn_strmap_get(&c->hosts, r->host);
        if (prev != SCENARIO_NONE) {
            diag_error(c->d, v->loc, "host: duplicate registry '%s'; each host is listed once",
                       r->host);
            diag_note(c->d, s->registries[prev].loc, "'%s' first defined here", r->host);
        } else {
            scn_strmap_put(&c->hosts, r->host, idx);
        }
    }
    if (!(v = scn_get(m, "egressBandwidth")))
        scn_missing(c, m, "egressBandwidth", where);
    else
        scn_to_bandwidth(c, v, "egressBandwidth", &r->egress_bandwidth);
    if ((v = scn_get(m, "perConnectionBandwidth")))
        scn_to_bandwidth(c, v, "perConnectionBandwidth", &r->per_connection_bandwidth);
    if ((v = scn_get(m, "latency"))) {
        char *w = xasprintf("%s.latency", where);
        parse_latency(c, v, "latency", w, &r->latency);
        free(w);
    }
    if ((v = scn_get(m, "connectLatency"))) {
        char *w = xasprintf("%s.connectLatency", where);
        parse_latency(c, v, "connectLatency", w, &r->connect_latency);
        free(w);
    }
    if ((v = scn_get(m, "manifestRequests")))
        scn_to_u32(c, v, "manifestRequests", 1, 10, NULL, &r->manifest_requests);
    if ((v = scn_get(m, "failureProbability")))
        to_probability(c, v, "failureProbability", &r->failure_probability);
    parse_outages(c, m, where, r);
    parse_changes(c, m, where, r);
    if ((v = scn_get(m, "rateLimit"))) {
        char *w = xasprintf("%s.rateLimit", where);
        parse_rate_limit(c, v, w, &r->rate_limit);
        free(w);
    }
    if ((v = scn_get(m, "maxConcurrentRequests")))
        scn_to_u32(c, v, "maxConcurrentRequests", 1, 1000000, NULL, &r->max_concurrent_requests);
    if ((v = scn_get(m, "auth")) && !scn_is_null(v)) {
        char *w = xasprintf("%s.auth", where);
        parse_auth(c, v, w, &s->registries[idx]);
        free(w);
    }
}

void scn_parse_registries(struct ctx *c, const struct scn_node *root)
{
    const struct scn_node *list = scn_get_list(c, root, "registries", "", true, "registry");
    if (!list)
        return;
    c->registries_ok = true;
    for (size_t i = 0; i < list->n_items; i++) {
        char *w = xasprintf("registries[%zu]", i);
        parse_registry(c, list->items[i], w);
        free(w);
    }
}
