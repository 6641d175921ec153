/* trace.c - see trace.h. */
#include "obs/trace.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/units.h"

/* A registry going down or coming back (from the scenario's outages). */
struct reg_line {
    double t;         /* s */
    uint32_t registry;
    bool up;
    uint32_t outage;  /* index in the registry's outages */
};

struct trace {
    FILE *f;
    char *path, *tmp;
    enum trace_format fmt;
    const char *pod;         /* filter, borrowed; NULL = every pod */
    bool matched;            /* the filter matched some event */
    const struct scenario *sc; /* of the current section, borrowed */
    const char *config;      /* of the current section, borrowed */
    struct reg_line *lines;  /* of the current section, in time order */
    size_t n_lines, cap_lines, next_line;
    struct strbuf sb;        /* scratch */
};

int trace_format_for(const char *option, const char *path, enum trace_format *out)
{
    if (option) {
        if (strcmp(option, "text") == 0)
            *out = TRACE_TEXT;
        else if (strcmp(option, "jsonl") == 0)
            *out = TRACE_JSONL;
        else
            return -1;
        return 0;
    }
    size_t n = strlen(path);
    *out = n >= 6 && strcmp(path + n - 6, ".jsonl") == 0 ? TRACE_JSONL : TRACE_TEXT;
    return 0;
}

struct trace *trace_open(const char *path, enum trace_format fmt, FILE *err)
{
    struct trace *t = xcalloc(1, sizeof(*t));
    t->path = xstrdup(path);
    /* Unique per process: two runs tracing to one path never share it. */
    t->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    t->fmt = fmt;
    t->f = fopen(t->tmp, "w");
    if (!t->f) {
        fprintf(err, "pullsim: cannot open '%s' for writing: %s\n", t->tmp, strerror(errno));
        free(t->path);
        free(t->tmp);
        free(t);
        return NULL;
    }
    strbuf_init(&t->sb);
    return t;
}

const char *trace_tmp_path(const struct trace *t)
{
    return t->tmp;
}

void trace_filter_pod(struct trace *t, const char *name)
{
    t->pod = name;
}

static void release(struct trace *t)
{
    strbuf_release(&t->sb);
    free(t->lines);
    free(t->path);
    free(t->tmp);
    free(t);
}

int trace_close(struct trace *t, FILE *err)
{
    if (t->pod && !t->matched)
        fprintf(err, "pullsim: warning: --trace-pod: no pod named '%s' had an image event; "
                     "pod names are <workload>-<number>, as in pods.csv\n", t->pod);
    int failed = ferror(t->f);
    failed |= fclose(t->f) != 0;
    if (failed || rename(t->tmp, t->path) != 0) {
        fprintf(err, "pullsim: cannot write '%s': %s\n", t->path, strerror(errno));
        unlink(t->tmp);
        release(t);
        return -1;
    }
    release(t);
    return 0;
}

void trace_abort(struct trace *t)
{
    if (!t)
        return;
    fclose(t->f);
    unlink(t->tmp);
    release(t);
}

/* Duration.String after Truncate(time.Millisecond): "0s", "250ms",
 * "1.5s", "1m0s", "2h3m4.005s". */
void trace_go_duration(double s, char *buf, size_t buflen)
{
    double ms = s > 0 ? floor(s * 1000 + 1e-6) : 0;
    units_go_duration(ms / 1000, buf, buflen);
}

/* ---------------------------------------------------------------- JSON */

static void json_key(struct strbuf *sb, const char *key, const char *value)
{
    strbuf_addf(sb, ",\"%s\":", key);
    strbuf_add_json_string(sb, value);
}

/* ---------------------------------------------------------------- text */

/* Appends 'text' at column 'col' of a line that began 'indent' columns in,
 * breaking at spaces so no line passes TRACE_WIDTH (a word longer than the
 * width stays whole); continuation lines start at 'indent'. Ends the line. */
static void wrap(struct strbuf *sb, size_t col, const char *text, size_t indent)
{
    const char *p = text;
    while (*p) {
        size_t word = strcspn(p, " ");
        if (col > indent && col + 1 + word > TRACE_WIDTH) {
            strbuf_addf(sb, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            strbuf_addc(sb, ' ');
            col++;
        }
        strbuf_add(sb, p, word);
        col += word;
        p += word;
        while (*p == ' ')
            p++;
    }
    strbuf_addc(sb, '\n');
}

/* Where the message and the why continue: under the pod column. */
#define TEXT_INDENT 14

static const char *reason(enum kubelet_event_kind k)
{
    switch (k) {
    case KUBELET_EVENT_PULLING:
        return "Pulling";
    case KUBELET_EVENT_PULLED:
    case KUBELET_EVENT_ALREADY_PRESENT:
        return "Pulled";
    case KUBELET_EVENT_FAILED:
    case KUBELET_EVENT_ERROR:
        return "Failed";
    case KUBELET_EVENT_BACKOFF:
        return "BackOff";
    case KUBELET_EVENT_NEVER_PULL:
        return "ErrImageNeverPull";
    case KUBELET_EVENT_INSPECT_FAILED:
        return "InspectFailed"; /* events.FailedToInspectImage */
    case KUBELET_EVENT_SANDBOX_FAILED:
        return "FailedCreatePodSandBox";
    case KUBELET_EVENT_CRASH_BACKOFF:
        return "BackOff"; /* events.BackOffStartContainer */
    }
    return "?";
}

static const char *type(enum kubelet_event_kind k)
{
    return k == KUBELET_EVENT_FAILED || k == KUBELET_EVENT_NEVER_PULL ||
                   k == KUBELET_EVENT_INSPECT_FAILED || k == KUBELET_EVENT_SANDBOX_FAILED ||
                   k == KUBELET_EVENT_CRASH_BACKOFF || k == KUBELET_EVENT_ERROR
               ? "Warning"
               : "Normal";
}

/* The upstream event message. */
static void message(const struct kubelet_event *ev, struct strbuf *sb)
{
    char d1[32], d2[32];
    switch (ev->kind) {
    case KUBELET_EVENT_PULLING:
        strbuf_addf(sb, "Pulling image \"%s\"", ev->image);
        break;
    case KUBELET_EVENT_PULLED:
        trace_go_duration(ev->pull_s, d1, sizeof(d1));
        trace_go_duration(ev->total_s, d2, sizeof(d2));
        strbuf_addf(sb, "Successfully pulled image \"%s\" in %s (%s including waiting). "
                        "Image size: %llu bytes.",
                    ev->image, d1, d2, (unsigned long long)ev->size);
        break;
    case KUBELET_EVENT_ALREADY_PRESENT:
        /* image_manager.go EnsureImageExists: the gate's variant says the pod's
         * credentials were checked. */
        strbuf_addf(sb, "Container image \"%s\" already present on machine%s", ev->image,
                    ev->accessible ? " and can be accessed by the pod" : "");
        break;
    case KUBELET_EVENT_FAILED:
        strbuf_addf(sb, "Failed to pull image \"%s\": %s", ev->image, ev->error);
        break;
    case KUBELET_EVENT_BACKOFF:
        strbuf_addf(sb, "Back-off pulling image \"%s\"", ev->image);
        break;
    case KUBELET_EVENT_NEVER_PULL:
        strbuf_addf(sb, "Container image \"%s\" is not present with pull policy of Never",
                    ev->image);
        break;
    case KUBELET_EVENT_ERROR:
        /* kuberuntime_container.go startContainer: "Error: %v" of the
         * EnsureImageExists error, whose text is the reason. */
        strbuf_addf(sb, "Error: %s", ev->error);
        break;
    case KUBELET_EVENT_INSPECT_FAILED:
        /* image_manager.go EnsureImageExists around pkg/util/parsers
         * ParseImageName's error. */
        strbuf_addf(sb, "Failed to apply default image tag \"%s\": couldn't parse image name "
                        "\"%s\": %s", ev->image, ev->image, ev->error);
        break;
    case KUBELET_EVENT_SANDBOX_FAILED:
        strbuf_addf(sb, "Failed to create pod sandbox: %s", ev->error);
        break;
    case KUBELET_EVENT_CRASH_BACKOFF:
        /* kuberuntime_manager.go doBackOff's event. */
        strbuf_addf(sb, "Back-off restarting failed container %s in pod %s", ev->container,
                    ev->pod);
        break;
    }
}

/* Why the kubelet did it, in words for a workshop. */
static void why(const struct kubelet_event *ev, struct strbuf *sb)
{
    char d[32], d2[32];
    switch (ev->kind) {
    case KUBELET_EVENT_PULLING:
        strbuf_addf(sb, "policy %s, %s; %s puller: %u running, %u queued ahead", ev->policy,
                    ev->presence                         ? ev->presence
                    : strcmp(ev->policy, "Always") == 0 ? "no presence check"
                                                         : "image not present",
                    ev->puller, ev->running, ev->ahead);
        break;
    case KUBELET_EVENT_PULLED:
        strbuf_addf(sb, "waited %.3fs for the puller", ev->total_s - ev->pull_s);
        break;
    case KUBELET_EVENT_ALREADY_PRESENT:
        strbuf_addf(sb, "policy %s, image present: no request to the registry", ev->policy);
        break;
    case KUBELET_EVENT_FAILED:
        trace_go_duration(ev->backoff_s, d, sizeof(d));
        strbuf_addf(sb, "ErrImagePull; back-off now %s; the pod worker re-syncs in 10-15s", d);
        break;
    case KUBELET_EVENT_BACKOFF:
        trace_go_duration(ev->left_s, d, sizeof(d));
        strbuf_addf(sb, "ImagePullBackOff: %s left; no request, no puller slot, no QPS token; "
                        "last error: %s", d, ev->error ? ev->error : "-");
        break;
    case KUBELET_EVENT_NEVER_PULL:
        if (ev->presence)
            strbuf_addf(sb, "policy Never, %s; the kubelet says \"not present\" rather than "
                            "reveal it", ev->presence);
        else
            strbuf_addf(sb, "policy Never and image absent: waits for another pod to pull it");
        break;
    case KUBELET_EVENT_ERROR:
        strbuf_addf(sb, "the sync stops here; the container's waiting reason is now %s",
                    ev->error);
        break;
    case KUBELET_EVENT_INSPECT_FAILED:
        strbuf_addf(sb, "InvalidImageName: the reference does not parse; no CRI call, no "
                        "puller, no back-off; the pod worker re-syncs in 10-15s and fails again");
        break;
    case KUBELET_EVENT_SANDBOX_FAILED:
        strbuf_addf(sb, "containerd pulls the sandbox image itself before any container (no "
                        "kubelet puller, no QPS token, no image back-off); the pod worker "
                        "re-syncs in 10-15s and RunPodSandbox pulls again");
        break;
    case KUBELET_EVENT_CRASH_BACKOFF:
        trace_go_duration(ev->backoff_s, d, sizeof(d));
        trace_go_duration(ev->left_s, d2, sizeof(d2));
        strbuf_addf(sb, "CrashLoopBackOff: the container exited; back-off %s, %s left; the "
                        "pod worker re-syncs at its end%s", d, d2,
                    strcmp(ev->policy, "Always") == 0
                        ? "; the restart pulls again (policy Always)" : "");
        break;
    }
    if (ev->note)
        strbuf_addf(sb, "; %s", ev->note);
}

static void why_text(const struct kubelet_event *ev, struct strbuf *sb)
{
    why(ev, sb);
    /* Only pods keyed by a RuntimeClass handler (gate on): other lines stay as they were. */
    if (ev->handler)
        strbuf_addf(sb, "; image key: runtime handler %s (RuntimeClassInImageCriApi)",
                    ev->handler);
    /* Digests shortened as docker shows image IDs: "sha256:" and 12 digits. */
    if (ev->digest)
        strbuf_addf(sb, "; runs %.19s", ev->digest);
    if (ev->moved_to)
        strbuf_addf(sb, " although the registry's tag has moved to %.19s: the local "
                        "tag wins under %s", ev->moved_to, ev->policy);
}

void trace_format_text(const struct kubelet_event *ev, struct strbuf *sb)
{
    struct strbuf msg, reasons;
    strbuf_init(&msg);
    strbuf_init(&reasons);
    message(ev, &msg);
    why_text(ev, &reasons);
    size_t start = sb->len;
    char who[256];
    snprintf(who, sizeof(who), "%s/%s", ev->pod, ev->container);
    strbuf_addf(sb, "%10.3fs  node %-3u %-14s %-17s %s %s", ev->t, ev->node, who,
                ev->status ? ev->status : "-", type(ev->kind), reason(ev->kind));
    /* The message stays on the first line when it fits, else starts its own. */
    size_t col = sb->len - start;
    if (col + 2 + msg.len > TRACE_WIDTH) {
        strbuf_addf(sb, "\n%*s", TEXT_INDENT, "");
        col = TEXT_INDENT;
    } else {
        strbuf_addc(sb, ' ');
        col++;
    }
    wrap(sb, col, msg.buf, TEXT_INDENT);
    strbuf_addf(sb, "%*swhy: ", TEXT_INDENT, "");
    wrap(sb, TEXT_INDENT + 5, reasons.buf, TEXT_INDENT + 5);
    strbuf_release(&msg);
    strbuf_release(&reasons);
}

static void format_jsonl(const struct trace *t, const struct kubelet_event *ev,
                         struct strbuf *sb)
{
    struct strbuf text;
    strbuf_init(&text);
    strbuf_addf(sb, "{\"kind\":\"pod\"");
    json_key(sb, "config", t->config);
    strbuf_addf(sb, ",\"t\":%.3f,\"node\":%u", ev->t, ev->node);
    json_key(sb, "pod", ev->pod);
    json_key(sb, "container", ev->container);
    json_key(sb, "image", ev->image);
    json_key(sb, "status", ev->status);
    json_key(sb, "type", type(ev->kind));
    json_key(sb, "reason", reason(ev->kind));
    message(ev, &text);
    json_key(sb, "message", text.buf);
    strbuf_reset(&text);
    why_text(ev, &text);
    json_key(sb, "why", text.buf);
    strbuf_addf(sb, "}\n");
    strbuf_release(&text);
}

/* ---------------------------------------------------------------- registry lines */

static int line_cmp(const void *a, const void *b)
{
    const struct reg_line *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->registry != y->registry)
        return x->registry < y->registry ? -1 : 1;
    if (x->outage != y->outage)
        return x->outage < y->outage ? -1 : 1;
    return (int)x->up - (int)y->up;
}

static void collect_lines(struct trace *t)
{
    t->n_lines = t->next_line = 0;
    for (uint32_t r = 0; r < t->sc->n_registries; r++) {
        const struct scenario_registry *reg = &t->sc->registries[r];
        for (uint32_t j = 0; j < reg->n_outages; j++) {
            *(struct reg_line *)VEC_PUSH(t->lines, t->n_lines, t->cap_lines) =
                (struct reg_line){.t = reg->outages[j].from, .registry = r, .outage = j};
            *(struct reg_line *)VEC_PUSH(t->lines, t->n_lines, t->cap_lines) =
                (struct reg_line){.t = reg->outages[j].to, .registry = r, .up = true,
                                  .outage = j};
        }
    }
    if (t->n_lines > 0)
        qsort(t->lines, t->n_lines, sizeof(*t->lines), line_cmp);
}

/* What a user of the registry sees. Source: the outage modes of world.c
 * and registry.h (a refused connection, or no answer at all). */
static void registry_message(const struct trace *t, const struct reg_line *l,
                             struct strbuf *sb)
{
    const struct scenario_registry *reg = &t->sc->registries[l->registry];
    const struct scenario_outage *o = &reg->outages[l->outage];
    char d[32];
    units_go_duration(o->to - o->from, d, sizeof(d));
    bool hang = o->mode == SCENARIO_OUTAGE_HANG;
    if (!l->up)
        strbuf_addf(sb, "registry %s is down for %s: %s", reg->host, d,
                    hang ? "requests are never answered and transfers freeze (mode hang)"
                         : "connections are refused and transfers reset (mode fail)");
    else
        strbuf_addf(sb, "registry %s is back after %s; nothing tells the kubelet: pods in "
                        "back-off retry at their next re-sync after it expires", reg->host, d);
}

static void put_registry_line(struct trace *t, const struct reg_line *l)
{
    struct strbuf *sb = &t->sb;
    struct strbuf msg;
    strbuf_init(&msg);
    registry_message(t, l, &msg);
    strbuf_reset(sb);
    if (t->fmt == TRACE_TEXT) {
        size_t start = sb->len;
        strbuf_addf(sb, "%10.3fs  ==", l->t);
        wrap(sb, sb->len - start, msg.buf, TEXT_INDENT);
    } else {
        const struct scenario_outage *o = &t->sc->registries[l->registry].outages[l->outage];
        strbuf_addf(sb, "{\"kind\":\"registry\"");
        json_key(sb, "config", t->config);
        strbuf_addf(sb, ",\"t\":%.3f", l->t);
        json_key(sb, "registry", t->sc->registries[l->registry].host);
        json_key(sb, "state", l->up ? "up" : "down");
        json_key(sb, "mode", o->mode == SCENARIO_OUTAGE_HANG ? "hang" : "fail");
        strbuf_addf(sb, ",\"until\":%.3f", o->to);
        json_key(sb, "message", msg.buf);
        strbuf_addf(sb, "}\n");
    }
    fputs(sb->buf, t->f);
    strbuf_release(&msg);
}

/* Registry lines at or before 't_s' not written yet. */
static void flush_lines(struct trace *t, double t_s)
{
    while (t->next_line < t->n_lines && t->lines[t->next_line].t <= t_s)
        put_registry_line(t, &t->lines[t->next_line++]);
}

void trace_begin(struct trace *t, const struct scenario *sc, const char *config)
{
    t->sc = sc;
    t->config = config;
    collect_lines(t);
    if (t->fmt == TRACE_TEXT) {
        fprintf(t->f, "== scenario %s, kubelet config %s, seed %llu\n", sc->name, config,
                (unsigned long long)sc->seed);
        return;
    }
    strbuf_reset(&t->sb);
    strbuf_addf(&t->sb, "{\"kind\":\"run\"");
    json_key(&t->sb, "scenario", sc->name);
    json_key(&t->sb, "config", config);
    strbuf_addf(&t->sb, ",\"seed\":%llu}\n", (unsigned long long)sc->seed);
    fputs(t->sb.buf, t->f);
}

void trace_end(struct trace *t, double end_s)
{
    flush_lines(t, end_s);
    t->n_lines = t->next_line = 0;
}

void trace_emit(struct trace *t, const struct kubelet_event *ev)
{
    if (t->sc)
        flush_lines(t, ev->t);
    if (t->pod && strcmp(t->pod, ev->pod) != 0)
        return;
    t->matched = true;
    strbuf_reset(&t->sb);
    if (t->fmt == TRACE_TEXT)
        trace_format_text(ev, &t->sb);
    else
        format_jsonl(t, ev, &t->sb);
    fputs(t->sb.buf, t->f);
}

static void on_kubelet_event(void *arg, const struct kubelet_event *ev)
{
    trace_emit(arg, ev);
}

void trace_subscribe(struct trace *t, struct kubelet_event_topic *topic)
{
    PROBE_SUBSCRIBE(topic, on_kubelet_event, t);
}
