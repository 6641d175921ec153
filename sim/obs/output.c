/* output.c - see output.h. */
#include "obs/output.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "model/kubelet/kubelet.h"
#include "model/runtimeclass.h"


int output_mkdirs(const char *path, FILE *err)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; ; s++) {
        char c = *s;
        if (c != '/' && c != '\0')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            fprintf(err, "pullsim: cannot create directory '%s': %s\n", p, strerror(errno));
            free(p);
            return -1;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return 0;
}

/* Flushes and closes the temporary file, then renames it over 'path'; on
 * any failure removes it. Returns 0 or -1 after a message. */
static int finish_atomic(FILE *f, const char *tmp, const char *path, FILE *err)
{
    int failed = ferror(f);
    failed |= fflush(f) != 0;
    failed |= fclose(f) != 0;
    if (failed) {
        fprintf(err, "pullsim: cannot write '%s': %s\n", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        fprintf(err, "pullsim: cannot rename '%s' to '%s': %s\n", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int output_write_file(const char *dir, const char *name, const char *data, size_t len,
                      FILE *err)
{
    char *path = xasprintf("%s/%s", dir, name);
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    int rc = -1;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(err, "pullsim: cannot open '%s' for writing: %s\n", tmp, strerror(errno));
        goto out;
    }
    fwrite(data, 1, len, f);
    rc = finish_atomic(f, tmp, path, err);
out:
    free(tmp);
    free(path);
    return rc;
}

/* Unsigned decimal, without printf: result files hold millions of numbers. */
static void put_u64(FILE *f, uint64_t v)
{
    char buf[24];
    size_t i = sizeof(buf);
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    fwrite(buf + i, 1, sizeof(buf) - i, f);
}

/* x >= 0 with 'decimals' digits after the point, rounded to nearest.
 * Values too large for exact integer scaling fall back to printf. */
static void put_fixed(FILE *f, double x, int decimals)
{
    double scale = decimals == 3 ? 1e3 : 1e6;
    uint64_t unit = decimals == 3 ? 1000 : 1000000;
    if (!(x >= 0 && x * scale < 9e15)) {
        fprintf(f, "%.*f", decimals, x);
        return;
    }
    uint64_t v = (uint64_t)llround(x * scale);
    put_u64(f, v / unit);
    putc('.', f);
    char frac[8];
    uint64_t r = v % unit;
    for (int i = decimals - 1; i >= 0; i--, r /= 10)
        frac[i] = (char)('0' + r % 10);
    fwrite(frac, 1, (size_t)decimals, f);
}

/* A time in seconds with 6 decimals, or nothing for "not applicable". */
static void put_time(FILE *f, double t)
{
    if (!isnan(t))
        put_fixed(f, t, 6);
}

/* Writes text with its commas as ';' and line breaks as spaces, so a CSV
 * cell never splits. */
static void put_cell(FILE *f, const char *text)
{
    for (const char *c = text; *c; c++)
        putc(*c == ',' ? ';' : (*c == '\n' || *c == '\r') ? ' ' : *c, f);
}

/* The back-off columns of one pod (see pods_csv). */
static void put_pod_errors(FILE *f, const struct kubelet_pod *p, double end)
{
    putc(',', f);
    put_u64(f, p->attempts);
    putc(',', f);
    put_u64(f, p->failed_pulls);
    putc(',', f);
    put_time(f, p->first_failure);
    putc(',', f);
    put_time(f, p->recovered);
    putc(',', f);
    put_time(f, metrics_pod_in_error(p, end));
}

/* The digests column of one pod (see pods_csv). */
static void put_pod_digests(FILE *f, const struct scenario *sc, const struct kubelet *k,
                            const struct kubelet_pod *p)
{
    putc(',', f);
    for (uint32_t c = 0; c < p->n_containers; c++) {
        uint32_t img = kubelet_container(k, p->first_container + c)->image;
        if (c)
            putc(';', f);
        if (img != SCENARIO_NONE)
            fputs(sc->images[img].digest, f);
    }
}

/* Does some pool lack its sandbox image at the start (sandboxImage with
 * prePulled: false)? */
static bool pulls_sandbox_images(const struct scenario *sc)
{
    for (size_t i = 0; i < sc->n_pools; i++)
        if (sc->pools[i].sandbox_image != SCENARIO_NONE)
            return true;
    return false;
}

/* The waiting column of one pod (see pods_csv): per container
 * "InvalidImageName" or nothing, ';' between containers. */
static void put_pod_waiting(FILE *f, const struct kubelet *k, const struct kubelet_pod *p)
{
    putc(',', f);
    for (uint32_t c = 0; c < p->n_containers; c++) {
        if (c)
            putc(';', f);
        if (kubelet_container(k, p->first_container + c)->invalid_name)
            fputs("InvalidImageName", f);
    }
}

/* Columns: pod, workload, node, created_s, ready_s, latency_s,
 * container_ready_s (';' between containers), then attempts (pulls
 * requested), failed_pulls, first_failure_s, recovered_s and in_error_s
 * (ErrImagePull/ImagePullBackOff: first failure to recovery, or to the end
 * of the run), and in scenarios with a push event digests (of the image each
 * container runs, ';' between containers, empty until it started), and in
 * scenarios with acceptInvalidImage waiting (InvalidImageName per container
 * whose image does not parse), and in scenarios where a pool's sandbox
 * image is not pre-pulled sandbox_ready_s (RunPodSandbox succeeded). Empty =
 * not applicable. */
static void pods_csv(const struct world *w, FILE *f)
{
    const struct kubelet *k = world_kubelet(w);
    const struct scenario *sc = world_scenario(w);
    double end = engine_now(world_engine(w));
    fputs("pod,workload,node,created_s,ready_s,latency_s,container_ready_s,attempts,"
          "failed_pulls,first_failure_s,recovered_s,in_error_s", f);
    bool sandbox = pulls_sandbox_images(sc);
    fputs(sc->n_pushes > 0 ? ",digests" : "", f);
    fputs(sc->n_invalid_images > 0 ? ",waiting" : "", f);
    fputs(sandbox ? ",sandbox_ready_s\n" : "\n", f);
    for (uint32_t i = 0; i < kubelet_pod_count(k); i++) {
        const struct kubelet_pod *p = kubelet_pod(k, i);
        put_u64(f, i);
        putc(',', f);
        fputs(sc->workloads[p->workload].name, f);
        putc(',', f);
        if (p->node != UINT32_MAX)
            put_u64(f, p->node);
        putc(',', f);
        put_time(f, p->created);
        putc(',', f);
        put_time(f, p->ready);
        putc(',', f);
        put_time(f, p->ready - p->created);
        putc(',', f);
        for (uint32_t c = 0; c < p->n_containers; c++) {
            if (c)
                putc(';', f);
            put_time(f, kubelet_container(k, p->first_container + c)->image_ready);
        }
        put_pod_errors(f, p, end);
        if (sc->n_pushes > 0)
            put_pod_digests(f, sc, k, p);
        if (sc->n_invalid_images > 0)
            put_pod_waiting(f, k, p);
        if (sandbox) {
            putc(',', f);
            put_time(f, p->sandbox_ready);
        }
        putc('\n', f);
    }
}

static const char *result_name(enum kubelet_pull_result r)
{
    switch (r) {
    case KUBELET_PULL_PENDING:
        return "pending";
    case KUBELET_PULL_OK:
        return "ok";
    case KUBELET_PULL_FAILED:
        return "failed";
    }
    return "?";
}

/* Columns (continued below): with credentials (registry auth, secrets or node
 * credentials) a last column credential: the one that pulled
 * ("secret:SECRET/CREDENTIAL", "node:CREDENTIAL"), those tried when the pull
 * failed (';' between them), or "anonymous"; empty while pending or when the
 * QPS limit refused the pull.
 * Columns: pull, node, pod, container, image, digest (only in scenarios with
 * a push event: of the image pulled, empty unless ok), requested_s, started_s,
 * finished_s, bytes, layers_fetched, result, then reason (ErrImagePull,
 * RegistryUnavailable, ...; empty unless failed) and error (the text the
 * kubelet got, commas written as ';'), then, only in scenarios with
 * runtimeClasses, runtime_handler (the CRI ImageSpec's handler the pull
 * went out with; empty for the default, and always with the gate off). */
static void pulls_csv(const struct world *w, FILE *f)
{
    const struct kubelet *k = world_kubelet(w);
    const struct scenario *sc = world_scenario(w);
    struct strbuf msg;
    strbuf_init(&msg);
    /* Digests matter once a tag moves; without a push they would only make
     * big runs' files half as large again. */
    bool digests = sc->n_pushes > 0;
    bool handlers = sc->n_runtime_classes > 0;
    bool creds = kubelet_uses_credentials(k);
    fputs(digests ? "pull,node,pod,container,image,digest," : "pull,node,pod,container,image,", f);
    fputs("requested_s,started_s,finished_s,bytes,layers_fetched,result,reason,error", f);
    fputs(handlers ? ",runtime_handler" : "", f);
    fputs(creds ? ",credential\n" : "\n", f);
    for (uint32_t i = 0; i < kubelet_pull_count(k); i++) {
        const struct kubelet_pull *p = kubelet_pull_record(k, i);
        const struct scenario_workload *wl = &sc->workloads[kubelet_pod(k, p->pod)->workload];
        put_u64(f, i);
        putc(',', f);
        put_u64(f, p->node);
        putc(',', f);
        put_u64(f, p->pod);
        putc(',', f);
        fputs(wl->containers[p->container].name, f);
        putc(',', f);
        fputs(sc->images[p->image].normalized, f);
        putc(',', f);
        if (digests && p->resolved != SCENARIO_NONE)
            fputs(sc->images[p->resolved].digest, f);
        if (digests)
            putc(',', f);
        put_time(f, p->requested);
        putc(',', f);
        put_time(f, p->started);
        putc(',', f);
        put_time(f, p->finished);
        putc(',', f);
        put_u64(f, p->bytes);
        putc(',', f);
        put_u64(f, p->layers_fetched);
        putc(',', f);
        fputs(result_name(p->result), f);
        putc(',', f);
        fputs(kubelet_reason_name((enum kubelet_reason)p->reason), f);
        putc(',', f);
        strbuf_reset(&msg);
        kubelet_pull_error_text(k, i, &msg);
        put_cell(f, msg.buf);
        if (handlers) {
            uint32_t h = runtimeclass_image_handler(sc, world_node_kubelet(w, p->node),
                                                    kubelet_pod(k, p->pod)->workload);
            putc(',', f);
            put_cell(f, runtimeclass_handler_name(sc, h));
        }
        if (creds) {
            strbuf_reset(&msg);
            kubelet_pull_credential_label(k, i, &msg);
            putc(',', f);
            put_cell(f, msg.buf);
        }
        putc('\n', f);
    }
    strbuf_release(&msg);
}

/* Columns: t_s, registry_egress_Bps, active_pulls, queued_pulls, then per
 * registry in scenario order HOST_requests, HOST_failures, HOST_throttled:
 * requests sent, failed or left hanging (429s included), and answered 429,
 * within the interval ending at t_s; then per pool with a disk capacity
 * POOL_disk_used_pct_p50, _p90, _max; then per registry HOST_egress_Bps
 * (averaged over the interval) and HOST_capacity_Bps (egressBandwidth at
 * t_s), for the throughput plot's per-registry lines. */
/* timeseries.csv's header line, then 'extra' and the newline. */
static void timeseries_header(const struct world *w, FILE *f, const char *extra)
{
    const struct scenario *sc = world_scenario(w);
    static const char *const counters[] = {"requests", "failures", "throttled"};
    fputs("t_s,registry_egress_Bps,active_pulls,queued_pulls", f);
    for (size_t r = 0; r < sc->n_registries; r++) {
        for (size_t c = 0; c < 3; c++) {
            putc(',', f);
            put_cell(f, sc->registries[r].host);
            putc('_', f);
            fputs(counters[c], f);
        }
    }
    static const char *const pcts[] = {"disk_used_pct_p50", "disk_used_pct_p90",
                                       "disk_used_pct_max"};
    for (size_t k = 0; k < world_disk_pool_count(w); k++) {
        for (size_t c = 0; c < 3; c++) {
            putc(',', f);
            put_cell(f, sc->pools[world_disk_pool(w, k)].name);
            putc('_', f);
            fputs(pcts[c], f);
        }
    }
    for (size_t r = 0; r < sc->n_registries; r++) {
        putc(',', f);
        put_cell(f, sc->registries[r].host);
        fputs("_egress_Bps,", f);
        put_cell(f, sc->registries[r].host);
        fputs("_capacity_Bps", f);
    }
    fputs(extra, f);
    putc('\n', f);
}

static void timeseries_csv(const struct world *w, FILE *f)
{
    const struct scenario *sc = world_scenario(w);
    timeseries_header(w, f, "");
    for (size_t i = 0; i < world_sample_count(w); i++) {
        const struct world_sample *s = world_sample(w, i);
        put_fixed(f, s->t, 6);
        putc(',', f);
        put_fixed(f, s->egress_Bps, 3);
        putc(',', f);
        put_u64(f, s->active_pulls);
        putc(',', f);
        put_u64(f, s->queued_pulls);
        for (size_t r = 0; r < sc->n_registries; r++) {
            const struct world_registry_sample *rs = world_registry_sample(w, i, r);
            putc(',', f);
            put_u64(f, rs->requests);
            putc(',', f);
            put_u64(f, rs->failures);
            putc(',', f);
            put_u64(f, rs->throttled);
        }
        for (size_t k = 0; k < world_disk_pool_count(w); k++) {
            double v[3];
            world_disk_pool_sample(w, i, k, v);
            for (size_t c = 0; c < 3; c++) {
                putc(',', f);
                if (!isnan(v[c]))
                    put_fixed(f, v[c], 3);
            }
        }
        for (size_t r = 0; r < sc->n_registries; r++) {
            const struct world_registry_sample *rs = world_registry_sample(w, i, r);
            putc(',', f);
            put_fixed(f, rs->egress_Bps, 3);
            putc(',', f);
            put_fixed(f, rs->capacity_Bps, 3);
        }
        putc('\n', f);
    }
}

/* versions.csv (scenarios with a push event): t_s, then one column per
 * (workload, container, image) series, headed "WORKLOAD/CONTAINER DIGEST12"
 * (the first 12 hex digits of the digest, as docker shows image IDs): pods
 * whose container started with that image by t_s. */
static void versions_csv(const struct world *w, FILE *f)
{
    const struct scenario *sc = world_scenario(w);
    const struct versions *v = world_versions(w);
    fputs("t_s", f);
    for (size_t j = 0; j < versions_series_count(v); j++) {
        const struct versions_series *s = versions_series(v, j);
        const struct scenario_workload *wl = &sc->workloads[s->workload];
        const char *digest = sc->images[s->image].digest;
        const char *hex = strchr(digest, ':');
        putc(',', f);
        put_cell(f, wl->name);
        putc('/', f);
        put_cell(f, wl->containers[s->container].name);
        fprintf(f, " %.12s", hex ? hex + 1 : digest);
    }
    putc('\n', f);
    for (size_t i = 0; i < versions_sample_count(v) && i < world_sample_count(w); i++) {
        put_fixed(f, world_sample(w, i)->t, 6);
        for (size_t j = 0; j < versions_series_count(v); j++) {
            putc(',', f);
            put_u64(f, versions_series(v, j)->counts[i]);
        }
        putc('\n', f);
    }
}

/* disk.csv (scenarios with a disk capacity and at most 20 nodes), one row per
 * node per time-series row: t_s, node, used_bytes (baseline, images, blobs
 * and chains in flight), capacity_bytes (0 = unlimited), used_pct (empty when
 * unlimited), gc_high_pct, gc_low_pct (the node's kubelet thresholds),
 * disk_pressure (0/1). */
static void disk_csv(const struct world *w, FILE *f)
{
    fputs("t_s,node,used_bytes,capacity_bytes,used_pct,gc_high_pct,gc_low_pct,disk_pressure\n",
          f);
    for (size_t i = 0; i < world_sample_count(w); i++) {
        double t = world_sample(w, i)->t;
        for (size_t j = 0; j < world_disk_node_count(w) && j < world_node_count(w); j++) {
            const struct node *nd = world_node(w, j);
            const struct scenario_kubelet *k = world_node_kubelet(w, j);
            uint64_t used = world_disk_sample(w, i, j), cap = nd->cfg->disk_capacity;
            put_fixed(f, t, 6);
            putc(',', f);
            put_u64(f, j);
            putc(',', f);
            put_u64(f, used);
            putc(',', f);
            put_u64(f, cap);
            putc(',', f);
            if (cap > 0)
                put_fixed(f, 100.0 * (double)used / (double)cap, 3);
            putc(',', f);
            put_u64(f, k->image_gc_high_threshold);
            putc(',', f);
            put_u64(f, k->image_gc_low_threshold);
            putc(',', f);
            put_u64(f, world_disk_pressure_sample(w, i, j));
            putc('\n', f);
        }
    }
}

void output_run_json(const struct output_run_id *id, struct strbuf *sb)
{
    strbuf_addf(sb, "{\n  \"pullsim\": ");
    strbuf_add_json_string(sb, PULLSIM_VERSION);
    strbuf_addf(sb, ",\n  \"complete\": true,\n  \"scenarioFile\": ");
    strbuf_add_json_string(sb, id->file);
    strbuf_addf(sb, ",\n  \"scenario\": ");
    strbuf_add_json_string(sb, id->scenario);
    strbuf_addf(sb, ",\n  \"seed\": %" PRIu64 ",\n  \"configs\": [", id->seed);
    for (size_t i = 0; i < id->n_configs; i++) {
        strbuf_addf(sb, "%s", i ? ", " : "");
        strbuf_add_json_string(sb, id->configs[i]);
    }
    strbuf_addf(sb, "],\n  \"set\": [");
    for (size_t i = 0; i < id->n_sets; i++) {
        strbuf_addf(sb, "%s{\"path\": ", i ? ", " : "");
        strbuf_add_json_string(sb, id->set_paths[i]);
        strbuf_addf(sb, ", \"value\": ");
        strbuf_add_json_string(sb, id->set_values[i]);
        strbuf_addc(sb, '}');
    }
    strbuf_addf(sb, "],\n  \"net\": ");
    strbuf_add_json_string(sb, id->net);
    strbuf_addf(sb, ",\n  \"plots\": %s\n}\n", id->plots ? "true" : "false");
}

/* "pushes" and "versions": which image each workload's pods run at the end. */
static void versions_json(const struct metrics_summary *s, struct strbuf *sb)
{
    strbuf_addf(sb, "  \"pushes\": %zu,\n  \"versions\": [", s->pushes);
    for (size_t i = 0; i < s->n_versions; i++) {
        const struct metrics_version *v = &s->versions[i];
        strbuf_addf(sb, "%s\n    {\"workload\": ", i ? "," : "");
        strbuf_add_json_string(sb, v->workload);
        strbuf_addf(sb, ", \"container\": ");
        strbuf_add_json_string(sb, v->container);
        strbuf_addf(sb, ", \"image\": ");
        strbuf_add_json_string(sb, v->image);
        strbuf_addf(sb, ", \"digest\": ");
        strbuf_add_json_string(sb, v->digest);
        strbuf_addf(sb, ", \"pods\": %llu}", (unsigned long long)v->pods);
    }
    strbuf_addf(sb, "%s],\n", s->n_versions ? "\n  " : "");
}

/* "rollouts" (scenarios with update events) and "containerRestarts"
 * (scenarios with a regular container's runFor). */
static void rollouts_json(const struct metrics_summary *s, struct strbuf *sb)
{
    if (s->n_rollouts > 0) {
        strbuf_addf(sb, "  \"rollouts\": [");
        for (size_t i = 0; i < s->n_rollouts; i++) {
            const struct metrics_rollout *r = &s->rollouts[i];
            strbuf_addf(sb, "%s\n    {\"workload\": ", i ? "," : "");
            strbuf_add_json_string(sb, r->workload);
            strbuf_addf(sb, ", \"at\": ");
            strbuf_add_json_number(sb, r->at);
            strbuf_addf(sb, ", \"duration\": ");
            strbuf_add_json_number(sb, r->duration);
            strbuf_addf(sb, ", \"superseded\": %s}", r->superseded ? "true" : "false");
        }
        strbuf_addf(sb, "\n  ],\n");
    }
    if (s->has_restarts)
        strbuf_addf(sb, "  \"containerRestarts\": %llu,\n", (unsigned long long)s->restarts);
}

/* "credentials" (scenarios that use them): the credential model's counts. */
static void credentials_json(const struct metrics_summary *s, struct strbuf *sb)
{
    const struct kubelet_credential_stats *c = &s->creds;
    strbuf_addf(sb, "  \"credentials\": {\"authFailures\": %llu, \"credentialAttempts\": %llu, "
                    "\"credentialsRejected\": %llu, \"anonymousRejected\": %llu, "
                    "\"verificationPulls\": %llu, \"verificationPullsFailed\": %llu, "
                    "\"presentImagesAllowed\": %llu, \"neverPullDenied\": %llu},\n",
                (unsigned long long)s->auth_failures, (unsigned long long)c->attempts,
                (unsigned long long)c->rejected, (unsigned long long)c->anonymous_rejected,
                (unsigned long long)c->verification_pulls,
                (unsigned long long)c->verification_failed,
                (unsigned long long)c->verified_present,
                (unsigned long long)c->never_pull_denied);
}

void output_summary_json(const struct metrics_summary *s, const char *scenario,
                         const char *config, uint64_t seed, struct strbuf *sb)
{
    strbuf_addf(sb, "{\n  \"scenario\": ");
    strbuf_add_json_string(sb, scenario);
    strbuf_addf(sb, ",\n  \"config\": ");
    strbuf_add_json_string(sb, config);
    strbuf_addf(sb, ",\n  \"seed\": %llu,\n  \"podReady\": {\"mean\": ",
                (unsigned long long)seed);
    strbuf_add_json_number(sb, s->ready_mean);
    strbuf_addf(sb, ", \"p50\": ");
    strbuf_add_json_number(sb, s->ready_p50);
    strbuf_addf(sb, ", \"p90\": ");
    strbuf_add_json_number(sb, s->ready_p90);
    strbuf_addf(sb, ", \"p95\": ");
    strbuf_add_json_number(sb, s->ready_p95);
    strbuf_addf(sb, ", \"p99\": ");
    strbuf_add_json_number(sb, s->ready_p99);
    strbuf_addf(sb, ", \"max\": ");
    strbuf_add_json_number(sb, s->ready_max);
    strbuf_addf(sb, ", \"maxReady\": ");
    strbuf_add_json_number(sb, s->ready_max_ready);
    strbuf_addf(sb, "},\n  \"podsReadyBy\": {\"t50\": ");
    strbuf_add_json_number(sb, s->t50);
    strbuf_addf(sb, ", \"t90\": ");
    strbuf_add_json_number(sb, s->t90);
    strbuf_addf(sb, ", \"t95\": ");
    strbuf_add_json_number(sb, s->t95);
    strbuf_addf(sb, ", \"t99\": ");
    strbuf_add_json_number(sb, s->t99);
    strbuf_addf(sb, "},\n  \"lastPodReady\": ");
    strbuf_add_json_number(sb, s->last_ready);
    strbuf_addf(sb, ",\n  \"horizon\": {\"seconds\": ");
    strbuf_add_json_number(sb, s->horizon);
    strbuf_addf(sb, ", \"cutShort\": %s}", s->horizon_cut ? "true" : "false");
    strbuf_addf(sb, ",\n  \"pods\": {\"total\": %zu, \"ready\": %zu, \"notReady\": %zu, "
                    "\"unscheduled\": %zu",
                s->pods, s->pods_ready, s->pods - s->pods_ready, s->pods_unscheduled);
    if (s->has_invalid_images)
        strbuf_addf(sb, ", \"invalidImageName\": %zu", s->pods_invalid_image);
    strbuf_addf(sb, "},\n");
    strbuf_addf(sb, "  \"pulls\": {\"total\": %llu, \"ok\": %llu, \"failed\": %llu, "
                    "\"pending\": %llu},\n",
                (unsigned long long)s->pulls, (unsigned long long)s->pulls_ok,
                (unsigned long long)s->pulls_failed, (unsigned long long)s->pulls_pending);
    strbuf_addf(sb, "  \"backoff\": {\"podsAffected\": %zu, \"podsRecovered\": %zu, "
                    "\"meanRecovery\": ", s->backoff.pods_affected, s->backoff.pods_recovered);
    strbuf_add_json_number(sb, s->backoff.mean_recovery);
    strbuf_addf(sb, ", \"maxRecovery\": ");
    strbuf_add_json_number(sb, s->backoff.max_recovery);
    strbuf_addf(sb, "},\n");
    strbuf_addf(sb, "  \"layerTransfers\": %llu,\n  \"bytesFetched\": %.0f,\n",
                (unsigned long long)s->layer_transfers, s->bytes_fetched);
    strbuf_addf(sb, "  \"registries\": [");
    for (size_t i = 0; i < s->n_registries; i++) {
        const struct metrics_registry *r = &s->registries[i];
        strbuf_addf(sb, "%s\n    {\"host\": ", i ? "," : "");
        strbuf_add_json_string(sb, r->host);
        strbuf_addf(sb, ", \"bytes\": %.0f, \"requests\": %llu, \"manifestRequests\": %llu, "
                        "\"blobRequests\": %llu, \"failures\": %llu, \"throttled\": %llu",
                    r->bytes, (unsigned long long)r->requests,
                    (unsigned long long)r->manifest_requests,
                    (unsigned long long)r->blob_requests, (unsigned long long)r->failures,
                    (unsigned long long)r->throttled);
        if (s->has_credentials)
            strbuf_addf(sb, ", \"unauthorized\": %llu", (unsigned long long)r->unauthorized);
        strbuf_addc(sb, '}');
    }
    strbuf_addf(sb, "\n  ],\n");
    if (s->has_credentials)
        credentials_json(s, sb);
    if (s->has_disk) {
        const struct imagefs_stats *d = &s->disk;
        strbuf_addf(sb, "  \"disk\": {\"gc\": {\"invocations\": %llu, \"runs\": %llu, "
                        "\"failed\": %llu, \"imagesDeleted\": %llu, \"bytesCounted\": %llu, "
                        "\"bytesFreed\": %llu}, \"reclaim\": {\"runs\": %llu, "
                        "\"imagesDeleted\": %llu, \"bytesCounted\": %llu, \"bytesFreed\": %llu}, "
                        "\"repullsAfterGC\": %llu, \"diskPressure\": {\"transitions\": %llu, "
                        "\"nodeSeconds\": ",
                    (unsigned long long)d->gc_invocations, (unsigned long long)d->gc_runs,
                    (unsigned long long)d->gc_failed, (unsigned long long)d->gc_images_deleted,
                    (unsigned long long)d->gc_bytes_counted,
                    (unsigned long long)d->gc_bytes_freed, (unsigned long long)d->reclaims,
                    (unsigned long long)d->reclaim_images_deleted,
                    (unsigned long long)d->reclaim_bytes_counted,
                    (unsigned long long)d->reclaim_bytes_freed, (unsigned long long)d->repulls,
                    (unsigned long long)d->pressure_transitions);
        strbuf_add_json_number(sb, d->pressure_node_seconds);
        strbuf_addf(sb, ", \"podsRejected\": %llu}},\n",
                    (unsigned long long)d->pods_rejected);
    }
    if (s->pushes > 0 || s->n_rollouts > 0)
        versions_json(s, sb);
    rollouts_json(s, sb);
    strbuf_addf(sb, "  \"events\": %llu,\n  \"endTime\": ",
                (unsigned long long)s->events);
    strbuf_add_json_number(sb, s->end_time);
    strbuf_addf(sb, "\n}\n");
}

typedef void producer_fn(const struct world *w, FILE *f);

/* outages.csv (the time plots shade the outages; only a header when there
 * are none, so the scripts need not test for the file):
 *   registry,from_s,to_s,mode
 * one row per outage, registries in file order, each in time order. */
static void outages_csv(const struct world *w, FILE *f)
{
    const struct scenario *sc = world_scenario(w);
    fputs("registry,from_s,to_s,mode\n", f);
    for (size_t i = 0; i < sc->n_registries; i++) {
        const struct scenario_registry *r = &sc->registries[i];
        for (size_t j = 0; j < r->n_outages; j++) {
            put_cell(f, r->host);
            fputc(',', f);
            put_time(f, r->outages[j].from);
            fputc(',', f);
            put_time(f, r->outages[j].to);
            fprintf(f, ",%s\n", r->outages[j].mode == SCENARIO_OUTAGE_HANG ? "hang" : "fail");
        }
    }
}

/* Streams a CSV straight into its temporary file (no copy in memory). */
static int write_produced(const struct world *w, producer_fn *fn, const char *dir,
                          const char *name, FILE *err)
{
    char *path = xasprintf("%s/%s", dir, name);
    char *tmp = xasprintf("%s.tmp", path);
    int rc = -1;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(err, "pullsim: cannot open '%s' for writing: %s\n", tmp, strerror(errno));
        goto out;
    }
    fn(w, f);
    rc = finish_atomic(f, tmp, path, err);
out:
    free(tmp);
    free(path);
    return rc;
}

int output_write_run(struct world *w, const struct metrics_summary *s, const char *config,
                     const char *dir, FILE *err)
{
    const struct scenario *sc = world_scenario(w);
    if (output_mkdirs(dir, err) != 0)
        return -1;
    if (write_produced(w, pods_csv, dir, "pods.csv", err) != 0 ||
        write_produced(w, pulls_csv, dir, "pulls.csv", err) != 0 ||
        write_produced(w, timeseries_csv, dir, "timeseries.csv", err) != 0)
        return -1;
    if (world_has_disk(w) && world_disk_node_count(w) > 0 &&
        write_produced(w, disk_csv, dir, "disk.csv", err) != 0)
        return -1;
    if (world_versions(w) && write_produced(w, versions_csv, dir, "versions.csv", err) != 0)
        return -1;
    if (write_produced(w, outages_csv, dir, "outages.csv", err) != 0)
        return -1;
    struct strbuf sb;
    strbuf_init(&sb);
    output_summary_json(s, sc->name, config, sc->seed, &sb);
    int rc = output_write_file(dir, "summary.json", sb.buf, sb.len, err);
    strbuf_release(&sb);
    if (rc != 0)
        return -1;
    const char *yaml = sc->effective_yaml ? sc->effective_yaml : "";
    return output_write_file(dir, "scenario.yaml", yaml, strlen(yaml), err);
}

/* ---------------------------------------------------------------- plot inputs */

/* A plot is 1000 pixels wide: the CDF keeps at most this many steps and the
 * time series this many buckets, whatever N (a reader sees no more). */
#define PLOT_CDF_STEPS 2000
#define PLOT_SERIES_BUCKETS 1000

/* cdf.dat: "latency_s fraction" rows, whitespace separated, after a comment
 * line "# pods N ready R"; starts at "0 0". Latencies are cut into
 * PLOT_CDF_STEPS equal bins up to the largest; each bin gives one step, at
 * its largest latency and the fraction of all pods (ready or not) ready by
 * then, so every drawn point is exact and the curve is off by less than a
 * bin (half a pixel) between them. */
void output_cdf_steps(const struct metrics_summary *s, FILE *f)
{
    size_t n = s->pods, r = s->pods_ready;
    const double *lat = s->ready_latency;
    fprintf(f, "# pods %zu ready %zu\n0 0\n", n, r);
    double width = r ? lat[r - 1] / PLOT_CDF_STEPS : 0;
    for (size_t i = 0; i < r;) {
        double bin = width > 0 ? floor(lat[i] / width) : 0;
        size_t j = i;
        while (j + 1 < r && (width > 0 ? floor(lat[j + 1] / width) : 0) == bin)
            j++;
        fprintf(f, "%.9g %.9g\n", lat[j], (double)(j + 1) / (double)n);
        i = j + 1;
    }
}

/* The numbers of time-series row i, in timeseries.csv's column order (NAN
 * for an empty cell); returns how many. */
static size_t series_row(const struct world *w, size_t i, double *v)
{
    const struct scenario *sc = world_scenario(w);
    const struct world_sample *s = world_sample(w, i);
    size_t c = 0;
    v[c++] = s->t;
    v[c++] = s->egress_Bps;
    v[c++] = (double)s->active_pulls;
    v[c++] = (double)s->queued_pulls;
    for (size_t r = 0; r < sc->n_registries; r++) {
        const struct world_registry_sample *rs = world_registry_sample(w, i, r);
        v[c++] = (double)rs->requests;
        v[c++] = (double)rs->failures;
        v[c++] = (double)rs->throttled;
    }
    for (size_t k = 0; k < world_disk_pool_count(w); k++) {
        world_disk_pool_sample(w, i, k, &v[c]);
        c += 3;
    }
    for (size_t r = 0; r < sc->n_registries; r++) {
        const struct world_registry_sample *rs = world_registry_sample(w, i, r);
        v[c++] = rs->egress_Bps;
        v[c++] = rs->capacity_Bps;
    }
    return c;
}

static void put_plot_row(FILE *f, const double *v, size_t n, double interval)
{
    for (size_t c = 0; c < n; c++) {
        if (c)
            putc(',', f);
        if (!isnan(v[c]))
            fprintf(f, "%.9g", v[c]);
    }
    fprintf(f, ",%.9g\n", interval);
}

/* timeseries-plot.csv: timeseries.csv's header and columns plus interval_s
 * (the sample interval). Up to 2 x PLOT_SERIES_BUCKETS rows every row is
 * kept; beyond, consecutive rows are cut into PLOT_SERIES_BUCKETS buckets
 * and each gives two rows, at its first and its last sample time, carrying
 * per column the bucket's minimum and maximum in the order they occurred:
 * a min/max envelope, so every peak and trough stays visible. */
static void timeseries_plot_csv(const struct world *w, FILE *f)
{
    const struct scenario *sc = world_scenario(w);
    size_t cols = 4 + 3 * sc->n_registries + 3 * world_disk_pool_count(w) + 2 * sc->n_registries;
    size_t n = world_sample_count(w);
    double *v = xmalloc(4 * cols * sizeof(*v)), *lo = v + cols, *hi = lo + cols, *row = hi + cols;
    size_t *at_lo = xmalloc(2 * cols * sizeof(*at_lo)), *at_hi = at_lo + cols;
    timeseries_header(w, f, ",interval_s");
    size_t per = n <= 2 * PLOT_SERIES_BUCKETS ? 1
                                              : (n + PLOT_SERIES_BUCKETS - 1) / PLOT_SERIES_BUCKETS;
    for (size_t a = 0; a < n; a += per) {
        size_t b = a + per < n ? a + per : n;
        for (size_t i = a; i < b; i++) {
            series_row(w, i, v);
            for (size_t c = 0; c < cols; c++) {
                if (i == a || v[c] < lo[c] || isnan(lo[c]))
                    lo[c] = v[c], at_lo[c] = i;
                if (i == a || v[c] > hi[c] || isnan(hi[c]))
                    hi[c] = v[c], at_hi[c] = i;
            }
        }
        if (per == 1) {
            put_plot_row(f, lo, cols, sc->sample_interval);
            continue;
        }
        for (int half = 0; half < 2; half++) {
            for (size_t c = 1; c < cols; c++) {
                bool lo_first = at_lo[c] <= at_hi[c];
                row[c] = (half == 0) == lo_first ? lo[c] : hi[c];
            }
            row[0] = world_sample(w, half == 0 ? a : b - 1)->t;
            put_plot_row(f, row, cols, sc->sample_interval);
        }
    }
    free(at_lo);
    free(v);
}

int output_write_plot_data(struct world *w, const struct metrics_summary *s, const char *dir,
                           FILE *err)
{
    char *path = xasprintf("%s/cdf.dat", dir);
    char *tmp = xasprintf("%s.tmp", path);
    int rc = -1;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(err, "pullsim: cannot open '%s' for writing: %s\n", tmp, strerror(errno));
    } else {
        output_cdf_steps(s, f);
        rc = finish_atomic(f, tmp, path, err);
    }
    free(tmp);
    free(path);
    if (rc != 0)
        return -1;
    return write_produced(w, timeseries_plot_csv, dir, "timeseries-plot.csv", err);
}

int output_write_run_info(const char *dir, double wall_s, long peak_rss_kb, FILE *err)
{
    char *text = xasprintf("{\"version\": \"%s\", \"wallSeconds\": %.3f, \"peakRssKiB\": %ld}\n",
                           PULLSIM_VERSION, wall_s, peak_rss_kb);
    int rc = output_write_file(dir, "run-info.json", text, strlen(text), err);
    free(text);
    return rc;
}
