/* pullcreds.c - see pullcreds.h for the model and its sources. */
#include "model/kubelet/pullcreds.h"

#include <stdlib.h>

struct pullcreds {
    const struct scenario *sc;
    struct keyring *pods;  /* per workload */
    struct keyring *nodes; /* per pool */
};

/* MakeDockerKeyring: a secret the kubelet reads adds its auths entries. */
static void add_secret(struct keyring *kr, const struct scenario *sc, uint32_t secret)
{
    const struct scenario_secret *s = &sc->secrets[secret];
    if (s->type == SCENARIO_SECRET_OTHER)
        return; /* secrets.go reads only the two docker types */
    for (size_t i = 0; i < s->n_auths; i++)
        keyring_add(kr, s->auths[i].key,
                    (struct keyring_cred){.credential = s->auths[i].credential, .secret = secret});
}

struct pullcreds *pullcreds_new(const struct scenario *sc)
{
    struct pullcreds *pc = xcalloc(1, sizeof(*pc));
    pc->sc = sc;
    pc->pods = xcalloc(sc->n_workloads ? sc->n_workloads : 1, sizeof(*pc->pods));
    pc->nodes = xcalloc(sc->n_pools ? sc->n_pools : 1, sizeof(*pc->nodes));
    for (size_t w = 0; w < sc->n_workloads; w++)
        for (size_t i = 0; i < sc->workloads[w].n_pull_secrets; i++)
            add_secret(&pc->pods[w], sc, sc->workloads[w].pull_secrets[i]);
    for (size_t p = 0; p < sc->n_pools; p++)
        for (size_t i = 0; i < sc->pools[p].n_node_auths; i++)
            keyring_add(&pc->nodes[p], sc->pools[p].node_auths[i].key,
                        (struct keyring_cred){.credential = sc->pools[p].node_auths[i].credential,
                                              .secret = KEYRING_NODE});
    return pc;
}

void pullcreds_free(struct pullcreds *pc)
{
    if (!pc)
        return;
    for (size_t w = 0; w < pc->sc->n_workloads; w++)
        keyring_release(&pc->pods[w]);
    for (size_t p = 0; p < pc->sc->n_pools; p++)
        keyring_release(&pc->nodes[p]);
    free(pc->pods);
    free(pc->nodes);
    free(pc);
}

size_t pullcreds_lookup(const struct pullcreds *pc, uint32_t workload, uint32_t pool,
                        const char *repo, struct keyring_cred **out, size_t *n, size_t *cap)
{
    /* UnionDockerKeyring{pod secrets, node}: each keyring falls back to its
     * own index.docker.io credentials on its own. */
    size_t got = keyring_lookup(&pc->pods[workload], repo, out, n, cap);
    return got + keyring_lookup(&pc->nodes[pool], repo, out, n, cap);
}

void pullcreds_describe(const struct scenario *sc, struct keyring_cred c, struct strbuf *sb)
{
    if (c.secret == KEYRING_NODE)
        strbuf_addf(sb, "the node's credential %s", sc->credentials[c.credential]);
    else
        strbuf_addf(sb, "pull secret %s (credential %s)", sc->secrets[c.secret].name,
                    sc->credentials[c.credential]);
}

void pullcreds_label(const struct scenario *sc, struct keyring_cred c, struct strbuf *sb)
{
    if (c.secret == KEYRING_NODE)
        strbuf_addf(sb, "node:%s", sc->credentials[c.credential]);
    else
        strbuf_addf(sb, "secret:%s/%s", sc->secrets[c.secret].name,
                    sc->credentials[c.credential]);
}
