/* trace.c - see trace.h. */
#include "obs/trace.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "base/units.h"

struct trace {
    FILE *f;
    char *path, *tmp;
};

struct trace *trace_open(const char *path, FILE *err)
{
    struct trace *t = xcalloc(1, sizeof(*t));
    t->path = xstrdup(path);
    /* Unique per process: two runs tracing to one path never share it. */
    t->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    t->f = fopen(t->tmp, "w");
    if (!t->f) {
        fprintf(err, "pullsim: cannot open '%s' for writing: %s\n", t->tmp, strerror(errno));
        free(t->path);
        free(t->tmp);
        free(t);
        return NULL;
    }
    return t;
}

const char *trace_tmp_path(const struct trace *t)
{
    return t->tmp;
}

static void release(struct trace *t)
{
    free(t->path);
    free(t->tmp);
    free(t);
}

int trace_close(struct trace *t, FILE *err)
{
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

void trace_heading(struct trace *t, const char *text)
{
    fprintf(t->f, "== %s\n", text);
}

/* Duration.String after Truncate(time.Millisecond): "0s", "250ms",
 * "1.5s", "1m0s", "2h3m4.005s". */
void trace_go_duration(double s, char *buf, size_t buflen)
{
    double ms = s > 0 ? floor(s * 1000 + 1e-6) : 0;
    units_go_duration(ms / 1000, buf, buflen);
}

static const char *reason(enum kubelet_event_kind k)
{
    switch (k) {
    case KUBELET_EVENT_PULLING:
        return "Pulling";
    case KUBELET_EVENT_PULLED:
    case KUBELET_EVENT_ALREADY_PRESENT:
        return "Pulled";
    case KUBELET_EVENT_FAILED:
        return "Failed";
    case KUBELET_EVENT_BACKOFF:
        return "BackOff";
    case KUBELET_EVENT_NEVER_PULL:
        return "ErrImageNeverPull";
    case KUBELET_EVENT_INSPECT_FAILED:
        return "InspectFailed"; /* events.FailedToInspectImage */
    case KUBELET_EVENT_SANDBOX_FAILED:
        return "FailedCreatePodSandBox";
    }
    return "?";
}

static const char *type(enum kubelet_event_kind k)
{
    return k == KUBELET_EVENT_FAILED || k == KUBELET_EVENT_NEVER_PULL ||
                   k == KUBELET_EVENT_INSPECT_FAILED || k == KUBELET_EVENT_SANDBOX_FAILED
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
    case KUBELET_EVENT_INSPECT_FAILED:
        /* image_manager.go EnsureImageExists around pkg/util/parsers
         * ParseImageName's error. */
        strbuf_addf(sb, "Failed to apply default image tag \"%s\": couldn't parse image name "
                        "\"%s\": %s", ev->image, ev->image, ev->error);
        break;
    case KUBELET_EVENT_SANDBOX_FAILED:
        strbuf_addf(sb, "Failed to create pod sandbox: %s", ev->error);
        break;
    }
}

/* Why the kubelet did it, in words for a workshop. */
static void why(const struct kubelet_event *ev, struct strbuf *sb)
{
    char d[32];
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
    case KUBELET_EVENT_INSPECT_FAILED:
        strbuf_addf(sb, "InvalidImageName: the reference does not parse; no CRI call, no "
                        "puller, no back-off; the pod worker re-syncs in 10-15s and fails again");
        break;
    case KUBELET_EVENT_SANDBOX_FAILED:
        strbuf_addf(sb, "containerd pulls the sandbox image itself before any container (no "
                        "kubelet puller, no QPS token, no image back-off); the pod worker "
                        "re-syncs in 10-15s and RunPodSandbox pulls again");
        break;
    }
    if (ev->note)
        strbuf_addf(sb, "; %s", ev->note);
}

void trace_emit(struct trace *t, const struct kubelet_event *ev)
{
    struct strbuf msg, reasons;
    strbuf_init(&msg);
    strbuf_init(&reasons);
    message(ev, &msg);
    why(ev, &reasons);
    /* Only pods keyed by a RuntimeClass handler (gate on): other lines stay as they were. */
    if (ev->handler)
        strbuf_addf(&reasons, "; image key: runtime handler %s (RuntimeClassInImageCriApi)",
                    ev->handler);
    /* Digests shortened as docker shows image IDs: "sha256:" and 12 digits. */
    if (ev->digest)
        strbuf_addf(&reasons, "; runs %.19s", ev->digest);
    if (ev->moved_to)
        strbuf_addf(&reasons, " although the registry's tag has moved to %.19s: the local "
                              "tag wins under %s", ev->moved_to, ev->policy);
    char who[256];
    snprintf(who, sizeof(who), "%s/%s", ev->pod, ev->container);
    fprintf(t->f, "%12.3fs  node %-5u %-28s %-7s %-17s %s  -- %s\n", ev->t, ev->node, who,
            type(ev->kind), reason(ev->kind), msg.buf, reasons.buf);
    strbuf_release(&msg);
    strbuf_release(&reasons);
}

static void on_kubelet_event(void *arg, const struct kubelet_event *ev)
{
    trace_emit(arg, ev);
}

void trace_subscribe(struct trace *t, struct kubelet_event_topic *topic)
{
    PROBE_SUBSCRIBE(topic, on_kubelet_event, t);
}
