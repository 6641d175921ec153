/* kubelet.c - see kubelet.h for the model and its sources. */
#include "model/kubelet/kubelet.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "base/base.h"
#include "base/tokenbucket.h"
#include "model/kubelet/ensure.h"
#include "model/kubelet/pullcreds.h"
#include "model/kubelet/pullrecords.h"
#include "model/runtimeclass.h"
#include "spec/imageref.h"
#include "spec/keyring.h"

/* Pod worker re-sync after a failed sync: Jitter(10 s, 0.5) = U[10, 15) s.
 * Source: spec §5; pkg/kubelet/pod_workers.go completeWork. */
#define RESYNC_ERROR_BASE 10.0
#define RESYNC_JITTER 0.5
/* syncLoop ticker and PLEG relist period, s. Source: spec §5, §7. */
#define TICK_PERIOD 1.0
/* CrashLoopBackOff. Source: pkg/kubelet/kubelet.go backOffPeriod (10 s) and
 * MaxContainerBackOff (300 s); the entry expires 600 s after its last
 * update (client-go hasExpired, 2 x max; the kubelet's HasExpiredFunc keeps
 * 10 min). A sync in back-off only is re-queued at its expiry, at most one
 * resync interval (syncFrequency 1m) away: spec §5, PR #133066. */
#define CRASH_BACKOFF_INITIAL 10.0
#define CRASH_BACKOFF_MAX 300.0
#define RESYNC_INTERVAL 60.0


enum pod_phase {
    POD_IDLE,     /* waiting for a re-sync, PLEG or nothing */
    POD_BLOCKED,  /* its sync waits on a pull */
    POD_READY,
    POD_UNSCHEDULED,
    POD_DELETED,
};

struct ticket {         /* a pull record plus what the runtime callback needs */
    struct kubelet_pull rec;
    struct kubelet *k;
    uint32_t id;
    uint32_t cred;      /* index into kubelet.cred_pulls, or NO_CRED (anonymous) */
};

/* There are millions of pull records: the credential fields must fit in
 * what was padding. */
_Static_assert(sizeof(struct ticket) <= 96, "struct ticket grew");

#define NO_CRED UINT32_MAX

/* The credential attempts of one pull that had credentials to try. */
struct cred_pull {
    struct keyring_cred *creds; /* in try order (pod secrets, then node) */
    uint8_t *codes;             /* per attempt made: enum runtime_error (NONE = ok) */
    uint32_t *error_at;         /* per attempt made: see runtime_result */
    uint32_t n, tried;          /* credentials; attempts started */
    uint32_t used;              /* the one that succeeded, or NO_CRED */
};

/* The argument of a pod's engine events (one per pod, never moves). */
struct pod_event {
    struct kubelet *k;
    uint32_t pod;
};

/* The argument of a regular container's exit event (one per container). */
struct cont_event {
    struct kubelet *k;
    uint32_t pod, container;
};

struct kl_node {
    const struct scenario_kubelet *cfg;
    uint32_t active;       /* CRI pulls running (puller slots used) */
    uint32_t *queue;       /* FIFO of ticket ids waiting for the puller */
    size_t head, n_queue, cap_queue;
    struct tokenbucket qps; /* registryPullQPS / registryBurst */
    double ticker_phase;   /* s in [0, 1): syncLoop ticks at phase + k */
    double pleg_phase;     /* s in [0, 1): PLEG relists at phase + k */
};

struct kubelet {
    struct kubelet_event_topic events; /* image decisions (the trace) */
    struct kubelet_start_topic starts;  /* container starts (version skew) */
    struct kubelet_ready_topic ready;   /* readiness changes (rollouts) */
    uint64_t restarts;                  /* container restarts */
    const struct scenario *sc;
    const struct scenario_kubelet *run_config;
    struct engine *engine;
    struct rng *rng;
    struct runtime *rt;
    struct node *nodes;
    struct kl_node *kn;    /* per node, max_nodes entries */
    size_t n_nodes;        /* nodes added so far */
    struct kubelet_pod *pods;
    size_t n_pods, cap_pods;
    struct kubelet_container *containers;
    size_t n_containers, cap_containers;
    struct base_chunks tickets;    /* struct ticket: an in-flight CRI pull points at one */
    size_t n_tickets;
    struct base_chunks pod_events; /* struct pod_event per pod: pod events' arguments */
    struct base_chunks cont_events; /* struct cont_event per container: exit events */
    uint64_t queued;
    uint64_t pending_pods;
    /* Credentials: all NULL / 0 unless the scenario uses them. */
    struct pullcreds *creds;
    struct pullrecords *records;   /* per node (max_nodes) */
    size_t max_nodes;
    struct cred_pull *cred_pulls;
    size_t n_cred_pulls, cap_cred_pulls;
    struct keyring_cred *scratch;  /* lookup buffer */
    size_t n_scratch, cap_scratch;
    struct kubelet_credential_stats cstats;
};

static void sync_pod(struct kubelet *k, uint32_t pod);
static void continue_sync(struct kubelet *k, uint32_t pod);

/* ---------------------------------------------------------------- setup */

struct kubelet *kubelet_new(const struct scenario *sc, const struct scenario_kubelet *run_config,
                            struct engine *e, struct rng *rng, struct runtime *rt,
                            struct node *nodes, size_t max_nodes)
{
    struct kubelet *k = xcalloc(1, sizeof(*k));
    *k = (struct kubelet){.sc = sc, .run_config = run_config, .engine = e, .rng = rng,
                          .rt = rt, .nodes = nodes};
    k->kn = xcalloc(max_nodes, sizeof(*k->kn));
    base_chunks_init(&k->tickets, sizeof(struct ticket));
    base_chunks_init(&k->pod_events, sizeof(struct pod_event));
    base_chunks_init(&k->cont_events, sizeof(struct cont_event));
    if (sc->uses_credentials) {
        k->creds = pullcreds_new(sc);
        k->records = xcalloc(max_nodes ? max_nodes : 1, sizeof(*k->records));
        k->max_nodes = max_nodes;
    }
    return k;
}

void kubelet_free(struct kubelet *k)
{
    if (!k)
        return;
    base_chunks_release(&k->tickets);
    base_chunks_release(&k->pod_events);
    base_chunks_release(&k->cont_events);
    pullcreds_free(k->creds);
    for (size_t i = 0; k->records && i < k->max_nodes; i++)
        pullrecords_release(&k->records[i]);
    free(k->records);
    for (size_t i = 0; i < k->n_cred_pulls; i++) {
        free(k->cred_pulls[i].creds);
        free(k->cred_pulls[i].codes);
        free(k->cred_pulls[i].error_at);
    }
    free(k->cred_pulls);
    free(k->scratch);
    free(k->pods);
    free(k->containers);
    for (size_t i = 0; i < k->n_nodes; i++)
        free(k->kn[i].queue);
    free(k->kn);
    free(k);
}

void kubelet_add_node(struct kubelet *k, uint32_t node)
{
    struct kl_node *kn = &k->kn[node];
    const struct node *nd = &k->nodes[node];
    uint32_t idx = nd->cfg->kubelet;
    kn->cfg = idx == SCENARIO_NONE ? k->run_config : &k->sc->kubelet_configs[idx];
    /* The token bucket starts full (golang.org/x/time/rate). */
    tokenbucket_init(&kn->qps, kn->cfg->registry_pull_qps, kn->cfg->registry_burst,
                     engine_now(k->engine));
    struct rng_stream s;
    rng_stream_init(&s, k->sc->seed, RNG_NODE_TICKER, node);
    kn->ticker_phase = rng_uniform(k->rng, &s) * TICK_PERIOD;
    rng_stream_init(&s, k->sc->seed, RNG_NODE_PLEG, node);
    kn->pleg_phase = rng_uniform(k->rng, &s) * TICK_PERIOD;
    if (node + 1u > k->n_nodes)
        k->n_nodes = node + 1u;
}

/* First tick at or after t of a 1 s ticker with the given phase. */
static double next_tick(double t, double phase)
{
    double n = ceil((t - phase) / TICK_PERIOD);
    double tick = phase + (n < 0 ? 0 : n) * TICK_PERIOD;
    return tick < t ? tick + TICK_PERIOD : tick;
}

static struct ticket *ticket(struct kubelet *k, uint32_t id)
{
    return base_chunks_at(&k->tickets, id);
}

static struct ticket *new_ticket(struct kubelet *k)
{
    uint32_t id = (uint32_t)k->n_tickets++;
    struct ticket *t = ticket(k, id);
    t->k = k;
    t->id = id;
    t->cred = NO_CRED;
    return t;
}

static struct kubelet_pod *pod_of(struct kubelet *k, uint32_t pod)
{
    return &k->pods[pod];
}

static const struct scenario_container *spec_of(const struct kubelet *k, uint32_t pod,
                                                uint32_t c)
{
    return &k->sc->workloads[k->pods[pod].workload].containers[c];
}

static struct kubelet_container *cont_of(struct kubelet *k, uint32_t pod, uint32_t c)
{
    return &k->containers[k->pods[pod].first_container + c];
}

static uint32_t new_pod(struct kubelet *k, uint32_t workload, uint32_t node)
{
    const struct scenario_workload *w = &k->sc->workloads[workload];
    uint32_t id = (uint32_t)k->n_pods;
    struct kubelet_pod *p = VEC_PUSH(k->pods, k->n_pods, k->cap_pods);
    p->workload = workload;
    p->node = node;
    p->created = engine_now(k->engine);
    p->ready = NAN;
    p->first_failure = NAN;
    p->recovered = NAN;
    p->deleted = NAN;
    p->crash_wake = INFINITY;
    p->sandbox_ready = NAN;
    p->first_container = (uint32_t)k->n_containers;
    p->n_containers = (uint32_t)w->n_containers;
    p->n_init = (uint32_t)w->n_init;
    rng_stream_init(&p->resync_rng, k->sc->seed, RNG_POD_RESYNC, id);
    for (size_t c = 0; c < w->n_containers; c++) {
        struct kubelet_container *kc = VEC_PUSH(k->containers, k->n_containers,
                                                k->cap_containers);
        kc->image_ready = NAN;
        kc->finished = NAN;
        kc->image = SCENARIO_NONE;
    }
    k->pending_pods++;
    return id;
}

uint32_t kubelet_add_pod(struct kubelet *k, uint32_t workload, uint32_t node)
{
    uint32_t id = new_pod(k, workload, node);
    sync_pod(k, id);
    return id;
}

uint32_t kubelet_add_unscheduled_pod(struct kubelet *k, uint32_t workload)
{
    uint32_t id = new_pod(k, workload, UINT32_MAX);
    k->pods[id].phase = POD_UNSCHEDULED;
    return id;
}

struct kubelet_event_topic *kubelet_events(struct kubelet *k) { return &k->events; }
const struct scenario_kubelet *kubelet_node_config(const struct kubelet *k, uint32_t node)
{
    return k->kn[node].cfg;
}
struct kubelet_start_topic *kubelet_starts(struct kubelet *k) { return &k->starts; }
struct kubelet_ready_topic *kubelet_readiness(struct kubelet *k) { return &k->ready; }
uint64_t kubelet_restarts(const struct kubelet *k) { return k->restarts; }

/* The runtime handler in the CRI ImageSpec of the pod's presence checks and
 * pulls (0 = "" unless RuntimeClassInImageCriApi is on; runtimeclass.h). */
static uint32_t image_handler(const struct kubelet *k, uint32_t pod)
{
    const struct kubelet_pod *p = &k->pods[pod];
    return runtimeclass_image_handler(k->sc, k->kn[p->node].cfg, p->workload);
}

/* ---------------------------------------------------------------- trace */

static const char *policy_name(enum scenario_pull_policy p)
{
    switch (p) {
    case SCENARIO_PULL_ALWAYS:
        return "Always";
    case SCENARIO_PULL_IF_NOT_PRESENT:
        return "IfNotPresent";
    case SCENARIO_PULL_NEVER:
        return "Never";
    }
    return "?";
}

/* The waiting reason a decision leaves on the container: startContainer
 * returns EnsureImageExists' error as the reason. Source: spec §3 step 6. */
static void note_waiting(struct kubelet_container *kc, enum kubelet_event_kind kind)
{
    switch (kind) {
    case KUBELET_EVENT_FAILED:
        kc->waiting = KUBELET_WAITING_PULL_ERROR;
        break;
    case KUBELET_EVENT_BACKOFF:
        kc->waiting = KUBELET_WAITING_BACKOFF;
        break;
    case KUBELET_EVENT_NEVER_PULL:
        kc->waiting = KUBELET_WAITING_NEVER_PULL;
        break;
    case KUBELET_EVENT_INSPECT_FAILED:
        kc->waiting = KUBELET_WAITING_INVALID_NAME;
        break;
    case KUBELET_EVENT_CRASH_BACKOFF:
        kc->waiting = KUBELET_WAITING_CRASH_BACKOFF;
        break;
    case KUBELET_EVENT_PULLED:
    case KUBELET_EVENT_ALREADY_PRESENT:
        kc->waiting = KUBELET_WAITING_DEFAULT; /* a new container instance starts */
        break;
    case KUBELET_EVENT_SANDBOX_FAILED: /* no container was created: ContainerCreating */
    case KUBELET_EVENT_PULLING:
    case KUBELET_EVENT_ERROR:
        break; /* a pull in progress leaves the last sync's reason shown */
    }
}

static const char *waiting_name(const struct kubelet_container *kc, bool has_init)
{
    switch ((enum kubelet_waiting)kc->waiting) {
    case KUBELET_WAITING_DEFAULT:
        return has_init ? "PodInitializing" : "ContainerCreating";
    case KUBELET_WAITING_PULL_ERROR:
        return kubelet_reason_name(kc->last_reason);
    case KUBELET_WAITING_BACKOFF:
        return "ImagePullBackOff";
    case KUBELET_WAITING_NEVER_PULL:
        return "ErrImageNeverPull";
    case KUBELET_WAITING_INVALID_NAME:
        return "InvalidImageName";
    case KUBELET_WAITING_CRASH_BACKOFF:
        return "CrashLoopBackOff";
    }
    return "?";
}

/* The STATUS `kubectl get pods` prints for the pod, container 'now' taken as
 * started when 'now_started' (its image is there; create and start take no
 * time). The first unfinished init container decides while there is one
 * ("Init:<reason>", else "Init:<i>/<n>"); then the lowest-numbered regular
 * container still waiting gives its reason; else "Running". Source:
 * pkg/printers/internalversion/printers.go printPod. */
static void pod_status(struct kubelet *k, uint32_t pod, uint32_t now, bool now_started,
                       char *buf, size_t len)
{
    const struct kubelet_pod *p = &k->pods[pod];
    for (uint32_t i = 0; i < p->n_init; i++) {
        const struct kubelet_container *kc = cont_of(k, pod, i);
        if (kc->exited)
            continue;
        bool running = kc->started || (i == now && now_started);
        if (!running && kc->waiting != KUBELET_WAITING_DEFAULT)
            snprintf(buf, len, "Init:%s", waiting_name(kc, true));
        else
            snprintf(buf, len, "Init:%u/%u", i, p->n_init);
        return;
    }
    const char *reason = "Running";
    for (uint32_t c = p->n_containers; c-- > p->n_init;) {
        const struct kubelet_container *kc = cont_of(k, pod, c);
        if (kc->started || (c == now && now_started))
            continue;
        /* An exited container shows its terminated reason until a restart
         * waits (exit code 0: Completed). */
        reason = kc->exited && kc->waiting == KUBELET_WAITING_DEFAULT
                     ? "Completed"
                     : waiting_name(kc, p->n_init > 0);
    }
    snprintf(buf, len, "%s", reason);
}

/* Publishes one image decision about container c of pod; ev carries the
 * kind-specific fields, the rest is filled in here. A Failed, BackOff,
 * ErrImageNeverPull or InspectFailed decision is followed by
 * startContainer's own event, Warning Failed "Error: <reason>" (spec §3
 * step 6). The container's
 * waiting reason is kept whether or not anyone listens. */
static void trace_pod(struct kubelet *k, uint32_t pod, uint32_t c, struct kubelet_event *ev)
{
    struct kubelet_container *kc = cont_of(k, pod, c);
    note_waiting(kc, ev->kind);
    if (!PROBE_ACTIVE(&k->events))
        return;
    const struct kubelet_pod *p = &k->pods[pod];
    const struct scenario_workload *wl = &k->sc->workloads[p->workload];
    char name[160], status[64];
    snprintf(name, sizeof(name), "%s-%u", wl->name, pod);
    pod_status(k, pod, c,
               ev->kind == KUBELET_EVENT_PULLED || ev->kind == KUBELET_EVENT_ALREADY_PRESENT,
               status, sizeof(status));
    ev->t = engine_now(k->engine);
    ev->node = p->node;
    ev->pod_id = pod;
    ev->pod = name;
    ev->status = status;
    ev->container = wl->containers[c].name;
    ev->image = wl->containers[c].image;
    ev->policy = policy_name(wl->containers[c].pull_policy);
    uint32_t handler = image_handler(k, pod);
    if (handler != RUNTIMECLASS_DEFAULT_HANDLER)
        ev->handler = runtimeclass_handler_name(k->sc, handler);
    PROBE_PUBLISH(&k->events, ev);
    if (ev->kind != KUBELET_EVENT_FAILED && ev->kind != KUBELET_EVENT_BACKOFF &&
        ev->kind != KUBELET_EVENT_NEVER_PULL && ev->kind != KUBELET_EVENT_INSPECT_FAILED)
        return;
    struct kubelet_event err = {.kind = KUBELET_EVENT_ERROR, .t = ev->t, .node = ev->node,
                                .pod_id = pod, .pod = name, .status = status,
                                .container = ev->container, .image = ev->image,
                                .policy = ev->policy, .handler = ev->handler,
                                .error = waiting_name(kc, p->n_init > 0)};
    PROBE_PUBLISH(&k->events, &err);
}

/* ---------------------------------------------------------------- credentials */

/* KubeletEnsureSecretPulledImages is in force on the node: its config has
 * the gate on and the scenario uses credentials (kubelet.h). */
static bool verifies(const struct kubelet *k, uint32_t node)
{
    return k->records && k->kn[node].cfg->ensure_secret_pulled_images;
}

/* The repository of container c's reference: what the keyring looks up
 * (makeLookupPullCredentialsFunc: ParseImageName's repoToPull) and what a
 * record maps (trimImageTagDigest). */
static const char *repo_of(const struct kubelet *k, uint32_t pod, uint32_t c)
{
    return k->sc->images[spec_of(k, pod, c)->image_idx].name;
}

/* The credentials pod's pull of container c tries, into k->scratch (valid
 * until the next lookup). Returns how many. */
static size_t lookup_creds(struct kubelet *k, uint32_t pod, uint32_t c)
{
    const struct kubelet_pod *p = &k->pods[pod];
    k->n_scratch = 0;
    if (!k->creds)
        return 0;
    return pullcreds_lookup(k->creds, p->workload, k->nodes[p->node].pool, repo_of(k, pod, c),
                            &k->scratch, &k->n_scratch, &k->cap_scratch);
}

/* MustAttemptImagePull for container c, whose reference found image 'have'
 * present. Source: spec §10; image_manager.go EnsureImageExists
 * (getPodCredentials keeps only credentials with a Source: pod secrets). */
static enum pullrecords_verdict check_present(struct kubelet *k, uint32_t pod, uint32_t c,
                                              uint32_t have)
{
    uint32_t node = k->pods[pod].node;
    size_t n = lookup_creds(k, pod, c), m = 0;
    for (size_t i = 0; i < n; i++)
        if (k->scratch[i].secret != KEYRING_NODE)
            k->scratch[m++] = k->scratch[i];
    return pullrecords_must_attempt(&k->records[node], k->kn[node].cfg,
                                    spec_of(k, pod, c)->image_idx, repo_of(k, pod, c), have,
                                    k->scratch, m);
}

/* Why a present image needs no pull (trace note). */
static void verdict_note(const struct scenario_kubelet *cfg, enum pullrecords_verdict v,
                         struct strbuf *sb)
{
    switch (v) {
    case PULLRECORDS_EXEMPT:
        strbuf_addf(sb, "credentials not verified: imagePullCredentialsVerificationPolicy %s",
                    scenario_verify_policy_name(cfg->verify_policy));
        if (cfg->verify_policy == SCENARIO_VERIFY_NEVER_PRELOADED)
            strbuf_addf(sb, " and the kubelet did not pull it");
        else if (cfg->verify_policy == SCENARIO_VERIFY_NEVER_ALLOWLISTED)
            strbuf_addf(sb, " and it is in preloadedImagesVerificationAllowlist");
        return;
    case PULLRECORDS_NODE_ACCESSIBLE:
        strbuf_addf(sb, "record: pulled anonymously or with node credentials "
                        "(NodePodsAccessible)");
        return;
    case PULLRECORDS_SECRET_MATCHES:
        strbuf_addf(sb, "record: pulled with a credential of this pod's pull secrets");
        return;
    case PULLRECORDS_NO_RECORD:
    case PULLRECORDS_NO_CREDENTIALS:
    case PULLRECORDS_OTHER_SECRETS:
        return;
    }
}

/* Why a present image is pulled again, or refused under Never. */
static const char *verdict_presence(enum pullrecords_verdict v, bool never)
{
    switch (v) {
    case PULLRECORDS_NO_RECORD:
        return never ? "image present but the kubelet has no record of pulling it"
                     : "image present but the kubelet has no record of pulling it: verifying";
    case PULLRECORDS_NO_CREDENTIALS:
        return never ? "image present but recorded as preloaded, without credentials"
                     : "image present but recorded as preloaded, without credentials: "
                       "verifying";
    case PULLRECORDS_OTHER_SECRETS:
        return never ? "image present but pulled with credentials this pod does not have"
                     : "image present but pulled with credentials this pod does not have: "
                       "verifying";
    case PULLRECORDS_EXEMPT:
    case PULLRECORDS_NODE_ACCESSIBLE:
    case PULLRECORDS_SECRET_MATCHES:
        break;
    }
    return NULL;
}

/* Starts recording the credential attempts of ticket t over creds[0..n). */
static void new_cred_pull(struct kubelet *k, struct ticket *t, const struct keyring_cred *creds,
                          size_t n)
{
    t->cred = (uint32_t)k->n_cred_pulls;
    struct cred_pull *cp = VEC_PUSH(k->cred_pulls, k->n_cred_pulls, k->cap_cred_pulls);
    cp->creds = xmalloc(n * sizeof(*cp->creds));
    memcpy(cp->creds, creds, n * sizeof(*cp->creds));
    cp->codes = xcalloc(n, sizeof(*cp->codes));
    cp->error_at = xcalloc(n, sizeof(*cp->error_at));
    cp->n = (uint32_t)n;
    cp->used = NO_CRED;
}

/* "credentials to try: A, B" or "no credential matches the image: anonymous pull". */
static void creds_note(const struct kubelet *k, const struct keyring_cred *c, size_t n,
                       struct strbuf *sb)
{
    if (n == 0) {
        strbuf_addf(sb, "no credential matches the image: anonymous pull");
        return;
    }
    strbuf_addf(sb, "credentials to try: ");
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_addf(sb, ", ");
        pullcreds_describe(k->sc, c[i], sb);
    }
}

/* Records one finished CRI pull attempt of ticket t. */
static void note_attempt(struct kubelet *k, struct ticket *t, const struct runtime_result *res)
{
    if (res->code == RUNTIME_ERR_AUTH_ANONYMOUS)
        k->cstats.anonymous_rejected++;
    if (t->cred == NO_CRED)
        return;
    struct cred_pull *cp = &k->cred_pulls[t->cred];
    uint32_t a = cp->tried - 1;
    k->cstats.attempts++;
    k->cstats.rejected += res->code == RUNTIME_ERR_AUTH_REJECTED;
    cp->codes[a] = (uint8_t)res->code;
    cp->error_at[a] = res->error_at;
    if (res->ok)
        cp->used = a;
}

/* The text of a failed pull: one attempt's, or NewAggregate of them all
 * (identical texts once; several: "[a, b]"). Source: kuberuntime_image.go
 * PullImage; k8s.io/apimachinery/pkg/util/errors aggregate.Error. */
static void pull_text(const struct kubelet *k, const struct ticket *t, struct strbuf *sb)
{
    if (t->rec.result != KUBELET_PULL_FAILED)
        return;
    if (t->cred == NO_CRED || t->rec.qps_refused) {
        kubelet_pull_message(k->sc, &t->rec, sb);
        return;
    }
    const struct cred_pull *cp = &k->cred_pulls[t->cred];
    struct strbuf *msg = xcalloc(cp->tried ? cp->tried : 1, sizeof(*msg));
    size_t distinct = 0;
    for (uint32_t a = 0; a < cp->tried; a++) {
        struct strbuf m;
        strbuf_init(&m);
        runtime_format_error(k->sc, t->rec.image, (enum runtime_error)cp->codes[a],
                             cp->error_at[a], &m);
        bool seen = false;
        for (size_t i = 0; i < distinct && !seen; i++)
            seen = strcmp(msg[i].buf, m.buf) == 0;
        if (seen)
            strbuf_release(&m);
        else
            msg[distinct++] = m;
    }
    if (distinct > 1)
        strbuf_addc(sb, '[');
    for (size_t i = 0; i < distinct; i++) {
        strbuf_addf(sb, "%s%s", i ? ", " : "", msg[i].buf);
        strbuf_release(&msg[i]);
    }
    if (distinct > 1)
        strbuf_addc(sb, ']');
    free(msg);
}

/* "with pull secret a (credential x)", "anonymously", "tried: ..." (trace notes). */
static void attempts_note(const struct kubelet *k, const struct ticket *t, bool ok,
                          struct strbuf *sb)
{
    if (t->cred == NO_CRED) {
        strbuf_addf(sb, ok ? "pulled anonymously" : "tried anonymously: no credential matched");
        return;
    }
    const struct cred_pull *cp = &k->cred_pulls[t->cred];
    if (ok) {
        strbuf_addf(sb, "pulled with ");
        pullcreds_describe(k->sc, cp->creds[cp->used], sb);
        if (cp->used > 0)
            strbuf_addf(sb, " after %u refused", cp->used);
        return;
    }
    strbuf_addf(sb, "tried %u: ", cp->tried);
    for (uint32_t a = 0; a < cp->tried; a++) {
        if (a)
            strbuf_addf(sb, ", ");
        pullcreds_describe(k->sc, cp->creds[a], sb);
        if (cp->codes[a] == RUNTIME_ERR_AUTH_REJECTED)
            strbuf_addf(sb, " (401)");
    }
}

/* ---------------------------------------------------------------- puller */

static void on_runtime_done(void *arg, const struct runtime_result *res);
static void pull_done(struct kubelet *k, struct ticket *t, const struct runtime_result *res,
                      bool qps_refused);

/* The node's registryPullQPS / registryBurst bucket (tokenbucket.h). */
static bool qps_try_accept(struct kubelet *k, struct kl_node *kn)
{
    return tokenbucket_try_accept(&kn->qps, engine_now(k->engine));
}

static void on_qps_refused(struct engine *e, void *arg)
{
    struct ticket *t = arg;
    const struct runtime_result res = {.ok = false, .error = "pull QPS exceeded"};
    (void)e;
    pull_done(t->k, t, &res, true);
}

/* One CRI PullImage of ticket t: with its next credential, or anonymously
 * when it has none. */
static void start_attempt(struct kubelet *k, struct ticket *t)
{
    uint32_t cred = REGISTRY_ANONYMOUS;
    if (t->cred != NO_CRED) {
        struct cred_pull *cp = &k->cred_pulls[t->cred];
        cred = cp->creds[cp->tried++].credential;
    }
    struct runtime_pull_request req = {
        .node = t->rec.node, .ref = t->rec.image,
        .by_digest = spec_of(k, t->rec.pod, t->rec.container)->by_digest,
        .handler = image_handler(k, t->rec.pod), .credential = cred};
    runtime_pull(k->rt, &req, on_runtime_done, t);
}

/* The puller starts the CRI pull of ticket t (slot already counted). */
static void start_pull(struct kubelet *k, struct ticket *t)
{
    struct kl_node *kn = &k->kn[t->rec.node];
    t->rec.started = engine_now(k->engine);
    if (!qps_try_accept(k, kn)) {
        engine_schedule(k->engine, t->rec.started, on_qps_refused, t);
        return;
    }
    start_attempt(k, t);
}

static bool has_slot(const struct kl_node *kn)
{
    if (kn->cfg->serialize_image_pulls)
        return kn->active == 0;
    return kn->cfg->max_parallel_image_pulls == 0 ||
           kn->active < kn->cfg->max_parallel_image_pulls;
}

/* Starts queued requests while the puller has room, in FIFO order. */
static void drain_queue(struct kubelet *k, struct kl_node *kn)
{
    while (kn->head < kn->n_queue && has_slot(kn)) {
        struct ticket *t = ticket(k, kn->queue[kn->head++]);
        k->queued--;
        kn->active++;
        start_pull(k, t);
    }
    if (kn->head == kn->n_queue)
        kn->head = kn->n_queue = 0;
}

/* Hands container c's pull to the puller. 'presence' (NULL for an absent
 * image or Always) says why a present image is pulled again (verification). */
static void request_pull(struct kubelet *k, uint32_t pod, uint32_t c, const char *presence)
{
    struct kubelet_pod *p = pod_of(k, pod);
    struct ticket *t = new_ticket(k);
    t->rec = (struct kubelet_pull){
        .node = p->node, .pod = pod, .container = c,
        .image = spec_of(k, pod, c)->image_idx, .requested = engine_now(k->engine),
        .started = NAN, .finished = NAN, .resolved = SCENARIO_NONE,
        .result = KUBELET_PULL_PENDING, .verification = presence != NULL};
    p->attempts++;
    struct kl_node *kn = &k->kn[p->node];
    struct kubelet_event ev = {.kind = KUBELET_EVENT_PULLING, .ahead = (uint32_t)(kn->n_queue - kn->head),
                             .running = kn->active,
                             .puller = kn->cfg->serialize_image_pulls ? "serial" : "parallel",
                             .presence = presence};
    struct strbuf note;
    strbuf_init(&note);
    if (k->creds) {
        /* Source: image_manager.go pullImage: the intent is recorded before
         * the pull, the credentials looked up once (sync.OnceValues). */
        size_t n = lookup_creds(k, pod, c);
        if (n > 0)
            new_cred_pull(k, t, k->scratch, n);
        if (verifies(k, p->node))
            pullrecords_intent(&k->records[p->node], t->rec.image);
        k->cstats.verification_pulls += presence != NULL;
        creds_note(k, k->scratch, n, &note);
        ev.note = note.buf;
    }
    trace_pod(k, pod, c, &ev);
    strbuf_release(&note);
    *(uint32_t *)VEC_PUSH(kn->queue, kn->n_queue, kn->cap_queue) = t->id;
    k->queued++;
    drain_queue(k, kn);
}

/* A CRI pull ended. A refused credential with others left: the next one,
 * at once and in the same puller slot (kuberuntime_image.go PullImage's
 * loop). Otherwise the kubelet's pull is done. */
static void on_runtime_done(void *arg, const struct runtime_result *res)
{
    struct ticket *t = arg;
    struct kubelet *k = t->k;
    t->rec.bytes += res->bytes;
    t->rec.layers_fetched += res->layers_fetched;
    note_attempt(k, t, res);
    if (!res->ok && t->cred != NO_CRED) {
        const struct cred_pull *cp = &k->cred_pulls[t->cred];
        if (cp->tried < cp->n) {
            start_attempt(k, t);
            return;
        }
    }
    pull_done(k, t, res, false);
}

/* ---------------------------------------------------------------- pods */

/* The back-off entry for container c: keyed by pod and image string, so
 * containers of one pod with the same image string share the first one's.
 * Source: spec §3 (key "<pod UID>_<container.Image>"). */
static struct backoff_entry *backoff_of(struct kubelet *k, uint32_t pod, uint32_t c)
{
    const char *image = spec_of(k, pod, c)->image;
    for (uint32_t i = 0; i < c; i++)
        if (strcmp(spec_of(k, pod, i)->image, image) == 0)
            return &cont_of(k, pod, i)->backoff;
    return &cont_of(k, pod, c)->backoff;
}

/* Where a container's EnsureImageExists left its pod's sync. */
enum step { STEP_PRESENT, STEP_PULLING, STEP_ERROR };

/* The container uses present image 'have' with no pull. 'v' is the record
 * check's verdict, NULL when the gate is not in force (the old message). */
static enum step use_present(struct kubelet *k, uint32_t pod, uint32_t c, uint32_t have,
                               const enum pullrecords_verdict *v)
{
    struct kubelet_event ev = {.kind = KUBELET_EVENT_ALREADY_PRESENT, .accessible = v != NULL};
    const struct scenario_container *spec = spec_of(k, pod, c);
    if (PROBE_ACTIVE(&k->events) && k->sc->n_pushes > 0) {
        ev.digest = k->sc->images[have].digest;
        uint32_t now_named = runtime_tag_target(k->rt, spec->image_idx);
        if (!spec->by_digest && now_named != have)
            ev.moved_to = k->sc->images[now_named].digest;
    }
    struct strbuf note;
    strbuf_init(&note);
    if (v) {
        k->cstats.verified_present++;
        verdict_note(k->kn[k->pods[pod].node].cfg, *v, &note);
        ev.note = note.buf;
    }
    trace_pod(k, pod, c, &ev);
    strbuf_release(&note);
    cont_of(k, pod, c)->image = have;
    return STEP_PRESENT;
}

/* What the kubelet knows about container c's image now (ensure.h). The
 * presence check is for the pod's runtime handler (image_manager.go:
 * ImageSpec.RuntimeHandler); a tag is looked up in the node's local tags
 * (node.h): what it named when pulled, not what the registry's tag names
 * now. 'have' gets the present image, 'v' the record check's verdict when
 * the KubeletEnsureSecretPulledImages check ran ('*checked'). */
static struct ensure_facts ensure_facts_of(struct kubelet *k, uint32_t pod, uint32_t c,
                                           uint32_t *have, enum pullrecords_verdict *v,
                                           bool *checked)
{
    const struct scenario_container *sc = spec_of(k, pod, c);
    uint32_t node = k->pods[pod].node;
    struct ensure_facts f = {
        .policy = sc->pull_policy,
        .in_backoff = backoff_is_in_backoff_since_update(backoff_of(k, pod, c),
                                                         engine_now(k->engine), BACKOFF_IMAGE_MAX)};
    *have = SCENARIO_NONE;
    *checked = false;
    f.invalid_name = sc->invalid_image;
    if (f.invalid_name || !ensure_checks_presence(f.policy))
        return f; /* an unparsable reference has nothing to look up */
    *have = node_lookup(&k->nodes[node], sc->image_idx, sc->by_digest, image_handler(k, pod));
    f.present = *have != SCENARIO_NONE;
    if (f.present && verifies(k, node)) {
        *v = check_present(k, pod, c, *have);
        *checked = true;
        f.must_pull = pullrecords_verdict_pulls(*v);
    }
    return f;
}

/* The BackOff event of container c (no request, no puller slot, no QPS
 * token). */
static void trace_backoff(struct kubelet *k, uint32_t pod, uint32_t c)
{
    const struct backoff_entry *b = backoff_of(k, pod, c);
    double now = engine_now(k->engine);
    struct kubelet_event ev = {.kind = KUBELET_EVENT_BACKOFF, .left_s = b->last_update + b->duration - now,
                             .backoff_s = b->duration,
                             .error = kubelet_reason_name(cont_of(k, pod, c)->last_reason)};
    trace_pod(k, pod, c, &ev);
}

/* The container's image does not parse (acceptInvalidImage): event
 * InspectFailed, waiting reason InvalidImageName; no CRI call, no puller, no
 * back-off entry, so every re-sync (10-15 s) says it again. Source: spec §3;
 * image_manager.go EnsureImageExists (applyDefaultImageTag, logIt with
 * events.FailedToInspectImage, ErrInvalidImageName). */
static void invalid_name(struct kubelet *k, uint32_t pod, uint32_t c)
{
    char err[IMAGEREF_ERRLEN];
    char *tagged = imageref_apply_default_tag(spec_of(k, pod, c)->image, err, sizeof(err));
    assert(!tagged); /* the loader accepted only references that do not parse */
    free(tagged);
    cont_of(k, pod, c)->invalid_name = true;
    struct kubelet_event ev = {.kind = KUBELET_EVENT_INSPECT_FAILED, .error = err};
    trace_pod(k, pod, c, &ev);
}

/* EnsureImageExists. Source: spec §3; pkg/kubelet/images/image_manager.go. */
static enum step ensure_image(struct kubelet *k, uint32_t pod, uint32_t c)
{
    uint32_t have;
    enum pullrecords_verdict v = PULLRECORDS_EXEMPT;
    bool checked;
    struct ensure_facts f = ensure_facts_of(k, pod, c, &have, &v, &checked);
    bool never = f.policy == SCENARIO_PULL_NEVER;
    /* Why a present image is pulled again or refused (trace). */
    const char *presence = f.must_pull ? verdict_presence(v, never) : NULL;
    switch (ensure_decide(&f)) {
    case ENSURE_INVALID_NAME:
        invalid_name(k, pod, c);
        return STEP_ERROR;
    case ENSURE_USE_PRESENT:
        return use_present(k, pod, c, have, checked ? &v : NULL);
    case ENSURE_NEVER_PULL: {
        k->cstats.never_pull_denied += f.must_pull;
        struct kubelet_event ev = {.kind = KUBELET_EVENT_NEVER_PULL, .presence = presence};
        trace_pod(k, pod, c, &ev);
        return STEP_ERROR;
    }
    case ENSURE_BACKOFF:
        trace_backoff(k, pod, c);
        return STEP_ERROR;
    case ENSURE_PULL:
        request_pull(k, pod, c, presence);
        pod_of(k, pod)->phase = POD_BLOCKED;
        return STEP_PULLING;
    }
    return STEP_ERROR;
}

static void on_resync(struct engine *e, void *arg);
static void on_init_exit(struct engine *e, void *arg);

static void schedule_pod(struct kubelet *k, double t, engine_fn *fn, uint32_t pod);

/* Container c of pod started or stopped (the version skew subscribes). */
static void publish_start(struct kubelet *k, uint32_t pod, uint32_t c, bool stopped)
{
    if (!PROBE_ACTIVE(&k->starts))
        return;
    struct kubelet_start_event ev = {.pod = pod, .container = c,
                                     .workload = k->pods[pod].workload,
                                     .image = cont_of(k, pod, c)->image, .stopped = stopped};
    PROBE_PUBLISH(&k->starts, &ev);
}

/* The pod's Ready condition is now 'ready'; published on a change. */
static void set_ready(struct kubelet *k, uint32_t pod, bool ready)
{
    struct kubelet_pod *p = pod_of(k, pod);
    if (p->ready_now == ready)
        return;
    p->ready_now = ready;
    if (PROBE_ACTIVE(&k->ready)) {
        struct kubelet_ready_event ev = {.pod = pod, .ready = ready};
        PROBE_PUBLISH(&k->ready, &ev);
    }
}

/* Ends a sync: ready, waiting for an init container, or re-queued after
 * an error (U[10, 15) s, then the next 1 s ticker tick). Source: spec §5. */
static void end_sync(struct kubelet *k, uint32_t pod)
{
    struct kubelet_pod *p = pod_of(k, pod);
    double now = engine_now(k->engine);
    p->phase = POD_IDLE;
    bool all_started = true;
    for (uint32_t c = p->n_init; c < p->n_containers; c++)
        all_started = all_started && cont_of(k, pod, c)->started;
    if (p->next_init >= p->n_init && all_started) {
        p->phase = POD_READY;
        if (isnan(p->ready)) {
            p->ready = now;
            k->pending_pods--;
        }
        set_ready(k, pod, true);
        return;
    }
    if (p->resync_wanted) {
        /* A container exited while this sync was blocked on a pull. */
        p->resync_wanted = false;
        schedule_pod(k, next_tick(now, k->kn[p->node].pleg_phase), on_resync, pod);
        return;
    }
    if (!p->sync_error && p->crash_wake < INFINITY) {
        double at = p->crash_wake < now ? now : p->crash_wake;
        if (at > now + RESYNC_INTERVAL)
            at = now + RESYNC_INTERVAL;
        schedule_pod(k, next_tick(at, k->kn[p->node].ticker_phase), on_resync, pod);
        return;
    }
    if (!p->sync_error)
        return; /* an init container is running; its exit re-syncs the pod */
    double delay = gsl_ran_flat(rng_bind(k->rng, &p->resync_rng), RESYNC_ERROR_BASE,
                                RESYNC_ERROR_BASE * (1 + RESYNC_JITTER));
    rng_unbind(k->rng, &p->resync_rng);
    schedule_pod(k, next_tick(now + delay, k->kn[p->node].ticker_phase), on_resync, pod);
}

static void note_success(struct kubelet *k, uint32_t pod, uint32_t c);
static void on_container_exit(struct engine *e, void *arg);

/* The container's image is there (pulled by this pod, or found present:
 * another pod's pull ends this one's ImagePullBackOff too); kc->image says
 * which image it runs. */
static void start_container(struct kubelet *k, uint32_t pod, uint32_t c)
{
    struct kubelet_container *kc = cont_of(k, pod, c);
    const struct scenario_container *sc = spec_of(k, pod, c);
    double now = engine_now(k->engine);
    note_success(k, pod, c);
    kc->image_ready = now;
    kc->started = true;
    if (kc->exited && !sc->init) {
        kc->exited = false;
        kc->restarts++;
        k->restarts++;
    }
    publish_start(k, pod, c, false);
    if (sc->init) {
        schedule_pod(k, now + sc->run_for, on_init_exit, pod);
    } else if (sc->run_for > 0) {
        struct cont_event *ce = base_chunks_at(&k->cont_events, k->pods[pod].first_container + c);
        *ce = (struct cont_event){.k = k, .pod = pod, .container = c};
        engine_schedule(k->engine, now + sc->run_for, on_container_exit, ce);
    }
}

/* doBackOff for a regular container that exited: true (CrashLoopBackOff,
 * the pod's wake-up noted) or false after Next (it may restart now).
 * Source: kuberuntime_manager.go doBackOff; client-go backoff.go
 * IsInBackOffSince, Next (see the CRASH_BACKOFF constants). */
static bool crash_backoff(struct kubelet *k, uint32_t pod, uint32_t c)
{
    struct kubelet_container *kc = cont_of(k, pod, c);
    struct kubelet_pod *p = pod_of(k, pod);
    double now = engine_now(k->engine);
    if (isnan(kc->finished))
        return false; /* never exited: a first start */
    if (backoff_is_in_backoff_since(&kc->crash, kc->finished, now, CRASH_BACKOFF_MAX)) {
        double wake = kc->finished + backoff_get(&kc->crash);
        if (wake < p->crash_wake)
            p->crash_wake = wake;
        struct kubelet_event ev = {.kind = KUBELET_EVENT_CRASH_BACKOFF,
                                   .backoff_s = backoff_get(&kc->crash), .left_s = wake - now};
        trace_pod(k, pod, c, &ev);
        return true;
    }
    backoff_next_since(&kc->crash, kc->finished, now, CRASH_BACKOFF_INITIAL, CRASH_BACKOFF_MAX);
    return false;
}

/* Init phase of a sync: at most the next init container, and only once the
 * previous one exited. Source: spec §7 computeInitContainerActions.
 * Returns true when the sync is over (or blocked on a pull). */
static bool sync_init(struct kubelet *k, uint32_t pod)
{
    struct kubelet_pod *p = pod_of(k, pod);
    if (p->next_init >= p->n_init)
        return false;
    uint32_t c = p->next_init;
    if (cont_of(k, pod, c)->started) {
        end_sync(k, pod); /* still running */
        return true;
    }
    p->cursor = c;
    switch (ensure_image(k, pod, c)) {
    case STEP_PULLING:
        return true;
    case STEP_ERROR:
        p->sync_error = true; /* a failing init container aborts the sync */
        end_sync(k, pod);
        return true;
    case STEP_PRESENT:
        start_container(k, pod, c);
        end_sync(k, pod);
        return true;
    }
    return true;
}

/* Regular containers from the cursor on, in spec order; an error is noted
 * and the loop goes on. Source: spec §7. */
static void continue_sync(struct kubelet *k, uint32_t pod)
{
    if (sync_init(k, pod))
        return;
    struct kubelet_pod *p = pod_of(k, pod);
    for (uint32_t c = p->cursor > p->n_init ? p->cursor : p->n_init; c < p->n_containers;
         c++) {
        if (cont_of(k, pod, c)->started)
            continue;
        p->cursor = c;
        if (cont_of(k, pod, c)->exited && crash_backoff(k, pod, c))
            continue; /* CrashLoopBackOff: not a sync error (end_sync) */
        switch (ensure_image(k, pod, c)) {
        case STEP_PULLING:
            return;
        case STEP_ERROR:
            p->sync_error = true;
            break;
        case STEP_PRESENT:
            start_container(k, pod, c);
            break;
        }
    }
    end_sync(k, pod);
}

static struct pod_event *pod_event(struct kubelet *k, uint32_t pod);

/* The kubelet's event for a RunPodSandbox that failed on the sandbox image:
 * "Failed to create pod sandbox: " and the gRPC error, whose text is
 * ensurePauseImageExists' "failed to pull image %q: " around the pull's.
 * Source: kuberuntime_manager.go SyncPod (events.FailedCreatePodSandBox);
 * containerd internal/cri/server/sandbox_run.go ensurePauseImageExists. */
static void sandbox_failed(struct kubelet *k, uint32_t pod, const struct runtime_result *res)
{
    if (!PROBE_ACTIVE(&k->events))
        return;
    uint32_t img = k->nodes[k->pods[pod].node].cfg->sandbox_image;
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_addf(&sb, "rpc error: code = Unknown desc = failed to pull image \"%s\": ",
                k->sc->images[img].ref);
    runtime_format_error(k->sc, img, res->code, res->error_at, &sb);
    struct kubelet_event ev = {.kind = KUBELET_EVENT_SANDBOX_FAILED, .error = sb.buf};
    trace_pod(k, pod, 0, &ev);
    strbuf_release(&sb);
}

/* containerd answered RunPodSandbox's pull of the sandbox image: the sync
 * goes on to the containers, or fails (pod worker re-sync, no image
 * back-off). */
static void on_sandbox_pulled(void *arg, const struct runtime_result *res)
{
    const struct pod_event *pe = arg;
    struct kubelet *k = pe->k;
    uint32_t pod = pe->pod;
    struct kubelet_pod *p = pod_of(k, pod);
    if (p->phase == POD_DELETED)
        return; /* deleted while RunPodSandbox pulled */
    p->phase = POD_IDLE;
    if (!res->ok) {
        sandbox_failed(k, pod, res);
        p->sync_error = true;
        end_sync(k, pod);
        return;
    }
    p->sandbox = true;
    p->sandbox_ready = engine_now(k->engine);
    continue_sync(k, pod);
}

/* SyncPod creates the pod sandbox before any container's image is looked
 * at (kuberuntime_manager.go SyncPod step 4, createPodSandbox), and
 * containerd's RunPodSandbox first makes sure the sandbox image is there:
 * LocalResolve, else PullImage with no credentials (containerd
 * internal/cri/server/sandbox_run.go ensurePauseImageExists; v2.1:
 * podsandbox/sandbox_run.go Start, ensureImageExists). That pull is the
 * runtime's own: no kubelet puller slot, no QPS token, no pull record, no
 * back-off; each pod's RunPodSandbox pulls for itself while the image is
 * missing (the runtime shares blobs, not manifests). Returns true when the
 * sandbox exists now. Simplification: the pull and the lookup use the
 * default runtime handler; creating the sandbox takes no time. */
static bool ensure_sandbox(struct kubelet *k, uint32_t pod)
{
    struct kubelet_pod *p = pod_of(k, pod);
    const struct node *nd = &k->nodes[p->node];
    uint32_t img = nd->cfg->sandbox_image;
    bool by_digest = img != SCENARIO_NONE && k->sc->images[img].by_digest;
    if (img == SCENARIO_NONE ||
        node_lookup(nd, img, by_digest, RUNTIMECLASS_DEFAULT_HANDLER) != SCENARIO_NONE) {
        p->sandbox = true; /* pre-pulled (the default) or pulled before */
        p->sandbox_ready = engine_now(k->engine);
        return true;
    }
    struct runtime_pull_request req = {.node = p->node, .ref = img, .by_digest = by_digest,
                                       .handler = RUNTIMECLASS_DEFAULT_HANDLER,
                                       .credential = REGISTRY_ANONYMOUS};
    p->phase = POD_BLOCKED;
    runtime_pull(k->rt, &req, on_sandbox_pulled, pod_event(k, pod));
    return false;
}

static void sync_pod(struct kubelet *k, uint32_t pod)
{
    struct kubelet_pod *p = pod_of(k, pod);
    if (p->phase != POD_IDLE)
        return; /* blocked on a pull, ready, or unscheduled */
    p->sync_error = false;
    p->crash_wake = INFINITY;
    p->cursor = 0;
    if (!p->sandbox && !ensure_sandbox(k, pod))
        return; /* RunPodSandbox waits for the sandbox image */
    continue_sync(k, pod);
}

/* Records a failed pull: its text and reason (evalCRIPullErr), the back-off
 * step, and the pod's error span. Source: spec §3, §4. */
static void note_failure(struct kubelet *k, struct ticket *t, const struct runtime_result *res,
                         bool qps_refused)
{
    double now = engine_now(k->engine);
    uint32_t pod = t->rec.pod, c = t->rec.container;
    struct kubelet_pod *p = pod_of(k, pod);
    struct kubelet_container *kc = cont_of(k, pod, c);
    struct strbuf sb;
    t->rec.error = res->error;
    t->rec.code = (uint8_t)res->code;
    t->rec.error_at = res->error_at;
    t->rec.qps_refused = qps_refused;
    strbuf_init(&sb);
    pull_text(k, t, &sb);
    t->rec.reason = (uint8_t)kubelet_eval_pull_error(sb.buf);
    struct backoff_entry *b = backoff_of(k, pod, c);
    backoff_next(b, now, BACKOFF_IMAGE_INITIAL, BACKOFF_IMAGE_MAX);
    kc->last_reason = t->rec.reason;
    struct kubelet_event ev = {.kind = KUBELET_EVENT_FAILED, .error = sb.buf, .backoff_s = b->duration};
    struct strbuf note;
    strbuf_init(&note);
    if (k->creds && !qps_refused) {
        attempts_note(k, t, false, &note);
        ev.note = note.buf;
    }
    trace_pod(k, pod, c, &ev);
    strbuf_release(&note);
    strbuf_release(&sb);
    p->sync_error = true;
    p->failed_pulls++;
    if (isnan(p->first_failure))
        p->first_failure = now;
    p->recovered = NAN;
    if (!kc->in_error) {
        kc->in_error = true;
        p->n_in_error++;
    }
}

/* A container's image arrived: the pod recovers when none is left in error. */
static void note_success(struct kubelet *k, uint32_t pod, uint32_t c)
{
    struct kubelet_pod *p = pod_of(k, pod);
    struct kubelet_container *kc = cont_of(k, pod, c);
    if (!kc->in_error)
        return;
    kc->in_error = false;
    if (--p->n_in_error == 0)
        p->recovered = engine_now(k->engine);
}

/* RecordImagePulled with the credential that worked (none: anonymous, which
 * like a node credential makes the image NodePodsAccessible). */
static void record_pulled(struct kubelet *k, const struct ticket *t, uint32_t image)
{
    if (!verifies(k, t->rec.node))
        return;
    const struct keyring_cred *used = NULL;
    if (t->cred != NO_CRED)
        used = &k->cred_pulls[t->cred].creds[k->cred_pulls[t->cred].used];
    pullrecords_pulled(&k->records[t->rec.node], t->rec.image, image, used);
}

static void pull_done(struct kubelet *k, struct ticket *t, const struct runtime_result *res,
                      bool qps_refused)
{
    struct kl_node *kn = &k->kn[t->rec.node];
    double now = engine_now(k->engine);
    t->rec.finished = now;
    t->rec.result = res->ok ? KUBELET_PULL_OK : KUBELET_PULL_FAILED;
    kn->active--;
    drain_queue(k, kn);
    uint32_t pod = t->rec.pod, c = t->rec.container;
    struct kubelet_pod *p = pod_of(k, pod);
    if (p->phase == POD_DELETED) {
        /* The image landed (or not); the pod is gone. */
        if (res->ok) {
            t->rec.resolved = res->image;
            record_pulled(k, t, res->image);
        }
        return;
    }
    p->phase = POD_IDLE;
    if (res->ok) {
        t->rec.resolved = res->image;
        struct kubelet_event ev = {.kind = KUBELET_EVENT_PULLED, .pull_s = now - t->rec.started,
                                 .total_s = now - t->rec.requested,
                                 .size = scenario_image_size(k->sc, res->image)};
        if (k->sc->n_pushes > 0)
            ev.digest = k->sc->images[res->image].digest;
        struct strbuf note;
        strbuf_init(&note);
        if (k->creds) {
            attempts_note(k, t, true, &note);
            ev.note = note.buf;
        }
        trace_pod(k, pod, c, &ev);
        strbuf_release(&note);
        record_pulled(k, t, res->image);
        cont_of(k, pod, c)->image = res->image;
        start_container(k, pod, c);
    } else {
        if (verifies(k, t->rec.node))
            pullrecords_failed(&k->records[t->rec.node], t->rec.image);
        k->cstats.verification_failed += t->rec.verification;
        note_failure(k, t, res, qps_refused);
    }
    if (c < p->n_init) {
        end_sync(k, pod);
        return;
    }
    p->cursor = c + 1;
    continue_sync(k, pod);
}

/* ---------------------------------------------------------------- events */

static struct pod_event *pod_event(struct kubelet *k, uint32_t pod)
{
    struct pod_event *pe = base_chunks_at(&k->pod_events, pod);
    pe->k = k;
    pe->pod = pod;
    return pe;
}

static void schedule_pod(struct kubelet *k, double t, engine_fn *fn, uint32_t pod)
{
    engine_schedule(k->engine, t, fn, pod_event(k, pod));
}

static void on_resync(struct engine *e, void *arg)
{
    struct pod_event *pe = arg;
    (void)e;
    sync_pod(pe->k, pe->pod);
}

/* PLEG saw a container exit: sync now, or after the sync in progress. */
static void on_exit_relist(struct engine *e, void *arg)
{
    struct pod_event *pe = arg;
    struct kubelet_pod *p = pod_of(pe->k, pe->pod);
    (void)e;
    if (p->phase == POD_BLOCKED)
        p->resync_wanted = true;
    else
        sync_pod(pe->k, pe->pod);
}

/* A regular container exited (runFor): not ready; PLEG's next relist syncs
 * the pod, whose sync restarts it (or finds it in CrashLoopBackOff). */
static void on_container_exit(struct engine *e, void *arg)
{
    struct cont_event *ce = arg;
    struct kubelet *k = ce->k;
    struct kubelet_pod *p = pod_of(k, ce->pod);
    if (p->phase == POD_DELETED)
        return;
    struct kubelet_container *kc = cont_of(k, ce->pod, ce->container);
    double now = engine_now(e);
    kc->started = false;
    kc->exited = true;
    kc->finished = now;
    publish_start(k, ce->pod, ce->container, true);
    set_ready(k, ce->pod, false);
    if (p->phase == POD_READY)
        p->phase = POD_IDLE;
    schedule_pod(k, next_tick(now, k->kn[p->node].pleg_phase), on_exit_relist, ce->pod);
}

void kubelet_delete_pod(struct kubelet *k, uint32_t pod)
{
    struct kubelet_pod *p = pod_of(k, pod);
    if (p->phase == POD_DELETED)
        return;
    for (uint32_t c = 0; c < p->n_containers; c++) {
        struct kubelet_container *kc = cont_of(k, pod, c);
        if (!kc->started)
            continue;
        kc->started = false;
        publish_start(k, pod, c, true);
    }
    set_ready(k, pod, false);
    if (isnan(p->ready))
        k->pending_pods--;
    p->phase = POD_DELETED;
    p->deleted = engine_now(k->engine);
}

/* PLEG sees the exit at its next relist; then the pod syncs. */
static void on_init_exit(struct engine *e, void *arg)
{
    struct pod_event *pe = arg;
    struct kubelet *k = pe->k;
    struct kubelet_pod *p = pod_of(k, pe->pod);
    if (p->phase == POD_DELETED)
        return;
    cont_of(k, pe->pod, p->next_init)->exited = true;
    p->next_init++;
    schedule_pod(k, next_tick(engine_now(e), k->kn[p->node].pleg_phase), on_resync, pe->pod);
}

/* ---------------------------------------------------------------- errors */

/* Error names of the CRI errors the kubelet singles out (crierrors). */
#define REGISTRY_UNAVAILABLE "RegistryUnavailable"
#define SIGNATURE_VALIDATION_FAILED "SignatureValidationFailed"

enum kubelet_reason kubelet_eval_pull_error(const char *text)
{
    /* Source: spec §3, §13; pkg/kubelet/images/image_manager.go
     * evalCRIPullErr: a prefix match on the error text, ErrImagePull for
     * everything else. */
    if (strncmp(text, REGISTRY_UNAVAILABLE, strlen(REGISTRY_UNAVAILABLE)) == 0)
        return KUBELET_REASON_REGISTRY_UNAVAILABLE;
    if (strncmp(text, SIGNATURE_VALIDATION_FAILED, strlen(SIGNATURE_VALIDATION_FAILED)) == 0)
        return KUBELET_REASON_SIGNATURE_VALIDATION_FAILED;
    return KUBELET_REASON_ERR_IMAGE_PULL;
}

const char *kubelet_reason_name(enum kubelet_reason r)
{
    switch (r) {
    case KUBELET_REASON_NONE:
        return "";
    case KUBELET_REASON_ERR_IMAGE_PULL:
        return "ErrImagePull";
    case KUBELET_REASON_REGISTRY_UNAVAILABLE:
        return REGISTRY_UNAVAILABLE;
    case KUBELET_REASON_SIGNATURE_VALIDATION_FAILED:
        return SIGNATURE_VALIDATION_FAILED;
    }
    return "";
}

void kubelet_pull_message(const struct scenario *sc, const struct kubelet_pull *rec,
                          struct strbuf *sb)
{
    if (rec->result != KUBELET_PULL_FAILED)
        return;
    if (rec->qps_refused) {
        /* Source: spec §6; helpers.go throttledImageService: errors.New. */
        strbuf_addf(sb, "pull QPS exceeded");
        return;
    }
    runtime_format_error(sc, rec->image, (enum runtime_error)rec->code, rec->error_at, sb);
}

/* ---------------------------------------------------------------- queries */

size_t kubelet_pod_count(const struct kubelet *k)
{
    return k->n_pods;
}

const struct kubelet_pod *kubelet_pod(const struct kubelet *k, uint32_t pod)
{
    return &k->pods[pod];
}

const struct kubelet_container *kubelet_container(const struct kubelet *k, uint32_t index)
{
    return &k->containers[index];
}

size_t kubelet_pull_count(const struct kubelet *k)
{
    return k->n_tickets;
}

const struct kubelet_pull *kubelet_pull_record(const struct kubelet *k, uint32_t pull)
{
    return &((const struct ticket *)base_chunks_get(&k->tickets, pull))->rec;
}

uint64_t kubelet_queued_pulls(const struct kubelet *k)
{
    return k->queued;
}

uint64_t kubelet_pods_pending(const struct kubelet *k)
{
    return k->pending_pods;
}

/* ---------------------------------------------------------------- credentials API */

void kubelet_pull_error_text(const struct kubelet *k, uint32_t pull, struct strbuf *sb)
{
    pull_text(k, base_chunks_get(&k->tickets, pull), sb);
}

void kubelet_pull_credential_label(const struct kubelet *k, uint32_t pull, struct strbuf *sb)
{
    const struct ticket *t = base_chunks_get(&k->tickets, pull);
    if (t->rec.result == KUBELET_PULL_PENDING || t->rec.qps_refused)
        return;
    if (t->cred == NO_CRED) {
        strbuf_addf(sb, "anonymous");
        return;
    }
    const struct cred_pull *cp = &k->cred_pulls[t->cred];
    if (t->rec.result == KUBELET_PULL_OK) {
        pullcreds_label(k->sc, cp->creds[cp->used], sb);
        return;
    }
    for (uint32_t a = 0; a < cp->tried; a++) {
        if (a)
            strbuf_addc(sb, ';');
        pullcreds_label(k->sc, cp->creds[a], sb);
    }
}

void kubelet_credential_stats(const struct kubelet *k, struct kubelet_credential_stats *out)
{
    *out = k->cstats;
}

bool kubelet_uses_credentials(const struct kubelet *k)
{
    return k->creds != NULL;
}

/* Is image 'image' recorded on the node for some runtime handler? */
static bool on_node(void *arg, uint32_t image)
{
    const struct node *nd = arg;
    for (size_t i = 0; i < nd->n_images; i++)
        if (nd->images[i].image == image)
            return true;
    return false;
}

void kubelet_prune_pull_records(struct kubelet *k, uint32_t node)
{
    /* Source: spec §10; image_pull_manager.go PruneUnknownRecords, called
     * after image GC with the images still there. */
    if (k->records)
        pullrecords_prune(&k->records[node], on_node, &k->nodes[node]);
}
