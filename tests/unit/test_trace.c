/* test_trace.c - the teaching trace's texts (trace.h). */
#include "obs/trace.h"

#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sim_helpers.h"

/* Go's time.Duration.String after Truncate(time.Millisecond). */
static void test_go_duration(void **state)
{
    (void)state;
    static const struct {
        double s;
        const char *want;
    } cases[] = {
        {0, "0s"},           {0.0009, "0s"},         {0.001, "1ms"},
        {0.25, "250ms"},     {0.9999, "999ms"},      {1, "1s"},
        {1.5, "1.5s"},       {1.05, "1.05s"},        {10.123456, "10.123s"},
        {60, "1m0s"},        {62.5, "1m2.5s"},       {3600, "1h0m0s"},
        {3723.005, "1h2m3.005s"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[32];
        trace_go_duration(cases[i].s, buf, sizeof(buf));
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("%.6f s: got '%s', want '%s'", cases[i].s, buf, cases[i].want);
    }
}

/* Reads a whole small file into buf (NUL-terminated), then removes it. */
static void read_back(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    unlink(path);
    buf[n] = '\0';
}

static void temp_path(char *path)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

/* Lines carry the upstream reasons and messages, the STATUS, and the why on
 * its own line; startContainer's "Error: REASON" is a line of its own. */
static void test_lines(void **state)
{
    (void)state;
    char path[] = "/tmp/pullsim-trace-XXXXXX";
    temp_path(path);
    struct trace *t = trace_open(path, TRACE_TEXT, stderr);
    assert_non_null(t);
    struct kubelet_event ev = {.kind = KUBELET_EVENT_PULLED, .t = 2.08, .node = 3, .pod = "web-1",
                             .container = "c", .image = "nginx:1.27", .policy = "IfNotPresent",
                             .status = "Running", .pull_s = 1.04, .total_s = 2.08,
                             .size = 125000000};
    trace_emit(t, &ev);
    ev.kind = KUBELET_EVENT_NEVER_PULL;
    ev.status = "ErrImageNeverPull";
    trace_emit(t, &ev);
    ev.kind = KUBELET_EVENT_BACKOFF;
    ev.status = "ImagePullBackOff";
    ev.error = "pull QPS exceeded";
    ev.left_s = 4.5;
    trace_emit(t, &ev);
    ev.kind = KUBELET_EVENT_ERROR;
    ev.error = "ImagePullBackOff";
    trace_emit(t, &ev);
    assert_int_equal(trace_close(t, stderr), 0);
    char text[4096];
    read_back(path, text, sizeof(text));
    assert_non_null(strstr(text, "     2.080s  node 3   web-1/c        Running           Normal "
                                 "Pulled\n              Successfully pulled image \"nginx:1.27\" "
                                 "in 1.04s (2.08s including waiting). Image size:\n"
                                 "              125000000 bytes.\n              why: waited 1.040s for "
                                 "the puller\n"));
    assert_non_null(strstr(text, "ErrImageNeverPull Warning ErrImageNeverPull\n              "
                                 "Container image \"nginx:1.27\" is not present with pull "
                                 "policy of Never\n"));
    assert_non_null(strstr(text, "ImagePullBackOff  Normal BackOff\n              Back-off "
                                 "pulling image \"nginx:1.27\"\n              why: "
                                 "ImagePullBackOff: 4.5s left;"));
    assert_non_null(strstr(text, "ImagePullBackOff  Warning Failed  Error: ImagePullBackOff\n"));
    /* No line passes the width (none of these has a longer word). */
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        if (n > TRACE_WIDTH)
            fail_msg("line of %zu columns: %.*s", n, (int)n, p);
        p += n + (p[n] != '\0');
    }
}

/* The form: --trace-format, else the file name. */
static void test_format_for(void **state)
{
    (void)state;
    enum trace_format f;
    assert_int_equal(trace_format_for(NULL, "t.jsonl", &f), 0);
    assert_int_equal(f, TRACE_JSONL);
    assert_int_equal(trace_format_for(NULL, "t.txt", &f), 0);
    assert_int_equal(f, TRACE_TEXT);
    assert_int_equal(trace_format_for("jsonl", "t.txt", &f), 0);
    assert_int_equal(f, TRACE_JSONL);
    assert_int_equal(trace_format_for("text", "t.jsonl", &f), 0);
    assert_int_equal(f, TRACE_TEXT);
    assert_int_equal(trace_format_for("xml", "t", &f), -1);
}

/* What a subscriber saw of one pod: "REASON/STATUS" per event. */
struct seen {
    const char *pod;
    char buf[4096];
    size_t len;
};

static void on_seen(void *arg, const struct kubelet_event *ev)
{
    struct seen *s = arg;
    static const char *const kinds[] = {"Pulling", "Pulled", "Present", "Failed",
                                        "BackOff", "NeverPull", "Error"};
    if (strcmp(ev->pod, s->pod) != 0 || s->len > sizeof(s->buf) - 64)
        return;
    s->len += (size_t)snprintf(s->buf + s->len, sizeof(s->buf) - s->len, "%s%s/%s",
                               s->len ? " " : "", kinds[ev->kind], ev->status);
}

static void watch(const char *yaml, const char *pod, struct seen *s, double horizon_events)
{
    (void)horizon_events;
    struct scenario *sc = load_scenario_text("status.yaml", yaml);
    struct scenario_kubelet defaults;
    scenario_kubelet_defaults(&defaults);
    struct world *w = world_new(sc, &defaults, NET_MODEL_AUTO);
    memset(s, 0, sizeof(*s));
    s->pod = pod;
    PROBE_SUBSCRIBE(world_kubelet_events(w), on_seen, s);
    world_run(w);
    world_free(w);
    scenario_free(sc);
}

/* STATUS as `kubectl get pods` prints it (printers.go printPod): an init
 * container decides while it has not exited (Init:0/1), then the regular
 * containers' waiting reason (PodInitializing in a pod with init
 * containers), then Running. */
static void test_status_init(void **state)
{
    (void)state;
    struct seen s;
    watch("name: st\nhorizon: 1h\n"
          "registries: [{host: r.test, egressBandwidth: 10Gbps, latency: 20ms}]\n"
          "images: [{ref: r.test/a:1, layers: [{size: 1MB}]}, {ref: r.test/b:1, layers: [{size: 1MB}]}]\n"
          "nodePools: [{name: p, count: 1, nicBandwidth: 1Gbps}]\n"
          "workloads:\n"
          "  - {name: w, kind: Pod, template: {initContainers: [{name: i, image: r.test/a:1, "
          "runFor: 5s}], containers: [{name: c, image: r.test/b:1}]}}\n",
          "w-0", &s, 0);
    assert_string_equal(s.buf, "Pulling/Init:0/1 Pulled/Init:0/1 Pulling/PodInitializing "
                               "Pulled/Running");
}

/* A registry that always fails: ErrImagePull after each failure, with
 * startContainer's Error line; ImagePullBackOff when a re-sync finds the
 * back-off running; a Pulling line keeps the status the last sync left. */
static void test_status_failing(void **state)
{
    (void)state;
    struct seen s;
    watch("name: st\nhorizon: 50s\n"
          "registries: [{host: r.test, egressBandwidth: 10Gbps, latency: 20ms, "
          "failureProbability: 1}]\n"
          "images: [{ref: r.test/a:1, layers: [{size: 1MB}]}]\n"
          "nodePools: [{name: p, count: 1, nicBandwidth: 1Gbps}]\n"
          "workloads: [{name: w, kind: Pod, template: {containers: [{name: c, image: r.test/a:1}]}}]\n",
          "w-0", &s, 0);
    /* Failures at 0.06 s (10 s back-off) and ~14 s (20 s), a re-sync at
     * ~29 s within the back-off, the next pull at ~44 s. */
    assert_string_equal(s.buf, "Pulling/ContainerCreating Failed/ErrImagePull "
                               "Error/ErrImagePull Pulling/ErrImagePull Failed/ErrImagePull "
                               "Error/ErrImagePull BackOff/ImagePullBackOff "
                               "Error/ImagePullBackOff Pulling/ImagePullBackOff "
                               "Failed/ErrImagePull Error/ErrImagePull");
}

/* Registry lines from the outages, in time order before pod lines of the
 * same time, in both forms; --trace-pod keeps one pod and the registry. */
static void test_registry_lines(void **state)
{
    (void)state;
    struct scenario *sc = load_scenario_text(
        "reg.yaml", "name: reg\nhorizon: 1h\n"
                    "registries: [{host: r.test, egressBandwidth: 10Gbps, latency: 20ms, "
                    "outages: [{from: 10s, to: 40s}]}]\n"
                    "images: [{ref: r.test/a:1, layers: [{size: 1MB}]}]\n"
                    "nodePools: [{name: p, count: 2, nicBandwidth: 1Gbps}]\n"
                    "workloads: [{name: w, kind: Pod, at: 10s, template: {containers: "
                    "[{name: c, image: r.test/a:1}]}}]\n");
    for (int form = 0; form < 2; form++) {
        char path[] = "/tmp/pullsim-trace-XXXXXX";
        temp_path(path);
        struct trace *t = trace_open(path, form ? TRACE_JSONL : TRACE_TEXT, stderr);
        assert_non_null(t);
        trace_filter_pod(t, "w-0");
        struct scenario_kubelet defaults;
        scenario_kubelet_defaults(&defaults);
        struct world *w = world_new(sc, &defaults, NET_MODEL_AUTO);
        trace_begin(t, sc, "default");
        trace_subscribe(t, world_kubelet_events(w));
        world_run(w);
        struct metrics_summary s;
        metrics_summarize(w, &s);
        trace_end(t, s.end_time);
        metrics_release(&s);
        world_free(w);
        assert_int_equal(trace_close(t, stderr), 0);
        char text[16384];
        read_back(path, text, sizeof(text));
        const char *down = strstr(text, form ? "\"t\":10.000,\"registry\":\"r.test\",\"state\":\"down\""
                                             : "    10.000s  == registry r.test is down for 30s");
        const char *first = strstr(text, form ? "\"pod\":\"w-0\"" : " w-0/c ");
        const char *up = strstr(text, form ? "\"t\":40.000,\"registry\":\"r.test\",\"state\":\"up\""
                                           : "    40.000s  == registry r.test is back after 30s");
        assert_non_null(down);
        assert_non_null(first);
        assert_non_null(up);
        assert_true(down < first);
        assert_true(first < up);
        assert_null(strstr(text, form ? "\"pod\":\"w-1\"" : " w-1/c "));
    }
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_duration),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_format_for),
        cmocka_unit_test(test_status_init),
        cmocka_unit_test(test_status_failing),
        cmocka_unit_test(test_registry_lines),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
