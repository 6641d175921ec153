/*
 * test_image_manager.c - every row of spec/vectors/image-manager.tsv
 * (pkg/kubelet/images/image_manager_test.go) through the kubelet's own
 * decision pieces: ensure_decide (ensure.h), the image back-off
 * (backoff.h), the registryPullQPS bucket (tokenbucket.h) and
 * applyDefaultImageTag (imageref.h).
 *
 * The upstream harness, as the file's comment states it: back-off
 * NewBackOff(1s, 1m); the fake clock advances 1 s before every
 * EnsureImageExists call; the node holds exactly "present_image:latest";
 * one pod UID for every call. The KubeletEnsureSecretPulledImages rows use
 * a mock pull manager that allows credentials for "another_image" only, so
 * a present image always needs a pull (MustAttemptImagePull). A pull fails
 * when the row has a pull error. What a call did is written as upstream
 * records it: CRI calls / error / event reasons, and compared per tick.
 * A reference that does not take a default tag is also refused by the
 * scenario loader (pullsim checks references before a run), checked here.
 */
#include <string.h>

#include "base/base.h"
#include "base/diag.h"
#include "base/tokenbucket.h"
#include "check.h"
#include "model/kubelet/backoff.h"
#include "model/kubelet/ensure.h"
#include "spec/imageref.h"
#include "spec/scenario.h"
#include "tsv.h"

enum { C_NAME, C_IMAGE, C_POLICY, C_INSPECT, C_PULL, C_QPS, C_BURST, C_GATES, C_TICKS, C_COUNT };
static const char *const cols[C_COUNT] = {"test_name", "image", "policy", "inspect_err",
                                          "pull_err", "qps", "burst", "feature_gates",
                                          "ticks"};

/* The harness's constants (image_manager_test.go). */
#define HARNESS_BACKOFF_INITIAL 1.0
#define HARNESS_BACKOFF_MAX 60.0
#define HARNESS_PRESENT "docker.io/library/present_image:latest"

struct harness {
    enum scenario_pull_policy policy;
    bool invalid, present, gate, pull_fails;
    struct backoff_entry backoff;
    struct tokenbucket qps;
};

static enum scenario_pull_policy policy_of(const char *s)
{
    if (strcmp(s, "Always") == 0)
        return SCENARIO_PULL_ALWAYS;
    if (strcmp(s, "Never") == 0)
        return SCENARIO_PULL_NEVER;
    assert_string_equal(s, "IfNotPresent");
    return SCENARIO_PULL_IF_NOT_PRESENT;
}

/* Is 'image' the node's one image, as the CRI would find it? */
static bool is_present(const char *image)
{
    struct imageref r;
    char err[IMAGEREF_ERRLEN];
    if (imageref_parse_docker_ref(image, &r, err, sizeof(err)) != 0)
        return false;
    char *s = imageref_string(&r);
    bool same = strcmp(s, HARNESS_PRESENT) == 0;
    free(s);
    imageref_release(&r);
    return same;
}

static void harness_init(struct harness *h, char *const *f)
{
    char err[IMAGEREF_ERRLEN];
    char *tagged = imageref_apply_default_tag(f[C_IMAGE], err, sizeof(err));
    *h = (struct harness){.policy = policy_of(f[C_POLICY]), .invalid = tagged == NULL,
                          .present = is_present(f[C_IMAGE]),
                          .gate = strstr(f[C_GATES], "KubeletEnsureSecretPulledImages") != NULL,
                          .pull_fails = strcmp(f[C_PULL], "-") != 0};
    free(tagged);
    /* Inspect errors (CRI ImageStatus failing) are not in pullsim's model:
     * a row with one would fail here rather than pass unchecked. */
    assert_string_equal(f[C_INSPECT], "-");
    tokenbucket_init(&h->qps, atof(f[C_QPS]), atof(f[C_BURST]), 0);
}

/* One EnsureImageExists call at time t; writes "calls/error/events". */
static void harness_call(struct harness *h, double t, struct strbuf *out)
{
    struct ensure_facts f = {
        .policy = h->policy, .invalid_name = h->invalid, .present = h->present,
        .must_pull = h->present && h->gate,
        .in_backoff = backoff_is_in_backoff_since_update(&h->backoff, t, HARNESS_BACKOFF_MAX)};
    const char *inspect = !h->invalid && ensure_checks_presence(h->policy) ? "GetImageRef" : NULL;
    switch (ensure_decide(&f)) {
    case ENSURE_INVALID_NAME:
        strbuf_addf(out, "-/ErrInvalidImageName/InspectFailed");
        return;
    case ENSURE_USE_PRESENT:
        strbuf_addf(out, "%s/nil/Pulled", inspect);
        return;
    case ENSURE_NEVER_PULL:
        strbuf_addf(out, "%s/ErrImageNeverPull/ErrImageNeverPull", inspect);
        return;
    case ENSURE_BACKOFF:
        strbuf_addf(out, "%s/ErrImagePullBackOff/BackOff", inspect ? inspect : "-");
        return;
    case ENSURE_PULL:
        break;
    }
    /* The puller takes a QPS token before the CRI pull; refused, the pull
     * fails without reaching the runtime. */
    bool accepted = tokenbucket_try_accept(&h->qps, t);
    bool ok = accepted && !h->pull_fails;
    struct strbuf calls;
    strbuf_init(&calls);
    strbuf_addf(&calls, "%s", inspect ? inspect : "");
    if (accepted)
        strbuf_addf(&calls, "%sPullImage", calls.len ? "," : "");
    if (ok)
        strbuf_addf(&calls, ",GetImageSize");
    strbuf_addf(out, "%s/%s/Pulling,%s", calls.len ? calls.buf : "-", ok ? "nil" : "ErrImagePull",
                ok ? "Pulled" : "Failed");
    strbuf_release(&calls);
    if (!ok)
        backoff_next(&h->backoff, t, HARNESS_BACKOFF_INITIAL, HARNESS_BACKOFF_MAX);
}

/* Tick k of 'ticks' ("a; b; c"), trimmed; NULL past the end. */
static char *nth_tick(const char *ticks, size_t k)
{
    const char *p = ticks;
    for (size_t i = 0; i < k; i++) {
        p = strchr(p, ';');
        if (!p)
            return NULL;
        p++;
    }
    while (*p == ' ')
        p++;
    const char *end = strchr(p, ';');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    while (n > 0 && p[n - 1] == ' ')
        n--;
    return xasprintf("%.*s", (int)n, p);
}

/* A reference that does not take a default tag never reaches a run. */
static void check_loader_refuses(const char *image, size_t lineno)
{
    char *yaml = xasprintf("name: t\n"
                           "registries: [{host: docker.io, egressBandwidth: 1Gbps}]\n"
                           "nodePools: [{name: p, count: 1, nicBandwidth: 1Gbps}]\n"
                           "workloads:\n"
                           "  - name: w\n"
                           "    kind: Pod\n"
                           "    template: {containers: [{name: c, image: '%s'}]}\n",
                           image);
    struct diag d;
    FILE *devnull = fopen("/dev/null", "w");
    assert_non_null(devnull);
    diag_init(&d, devnull);
    struct scenario *sc = scenario_load_string("t.yaml", yaml, NULL, 0, false, 0, &d);
    if (sc)
        print_error("image-manager.tsv:%zu: the loader accepts '%s'\n", lineno, image);
    assert_null(sc);
    diag_release(&d);
    fclose(devnull);
    free(yaml);
}

static size_t check_row(const struct tsv_row *r)
{
    struct harness h;
    harness_init(&h, r->f);
    size_t bad = 0;
    char *want;
    for (size_t k = 0; (want = nth_tick(r->f[C_TICKS], k)) != NULL; k++) {
        struct strbuf got;
        strbuf_init(&got);
        harness_call(&h, (double)(k + 1), &got);
        if (strcmp(got.buf, want) != 0) {
            print_error("image-manager.tsv:%zu: %s, call %zu: got %s, want %s\n", r->lineno,
                        r->f[C_NAME], k + 1, got.buf, want);
            bad++;
        }
        strbuf_release(&got);
        free(want);
    }
    if (h.invalid)
        check_loader_refuses(r->f[C_IMAGE], r->lineno);
    return bad;
}

static void test_image_manager_tsv(void **state)
{
    (void)state;
    struct tsv t;
    tsv_load(&t, "image-manager.tsv");
    tsv_expect_header(&t, "image-manager.tsv", cols, C_COUNT);
    assert_non_null(strstr(t.comment, "image_manager_test.go"));
    assert_true(t.nrows > 0);
    size_t bad = 0;
    for (size_t i = 0; i < t.nrows; i++) {
        assert_int_equal(t.rows[i].n, C_COUNT);
        bad += check_row(&t.rows[i]);
    }
    print_message("image-manager.tsv: %zu rows checked, %zu mismatches\n", t.nrows, bad);
    tsv_release(&t);
    assert_int_equal(bad, 0);
}

/* The decision table on its own: Always never checks presence; Never
 * refuses a present image that needs verification (presence not revealed);
 * back-off comes after the presence check. */
static void test_decide_table(void **state)
{
    (void)state;
    static const struct {
        enum scenario_pull_policy policy;
        bool present, must_pull, in_backoff;
        enum ensure_action want;
    } cases[] = {
        {SCENARIO_PULL_ALWAYS, true, false, false, ENSURE_PULL},
        {SCENARIO_PULL_ALWAYS, true, false, true, ENSURE_BACKOFF},
        {SCENARIO_PULL_IF_NOT_PRESENT, true, false, true, ENSURE_USE_PRESENT},
        {SCENARIO_PULL_IF_NOT_PRESENT, true, true, false, ENSURE_PULL},
        {SCENARIO_PULL_IF_NOT_PRESENT, false, false, true, ENSURE_BACKOFF},
        {SCENARIO_PULL_NEVER, true, false, false, ENSURE_USE_PRESENT},
        {SCENARIO_PULL_NEVER, true, true, false, ENSURE_NEVER_PULL},
        {SCENARIO_PULL_NEVER, false, false, true, ENSURE_NEVER_PULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ensure_facts f = {.policy = cases[i].policy, .present = cases[i].present,
                                 .must_pull = cases[i].must_pull,
                                 .in_backoff = cases[i].in_backoff};
        if (ensure_decide(&f) != cases[i].want)
            fail_msg("case %zu: got %d, want %d", i, ensure_decide(&f), cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_manager_tsv),
        cmocka_unit_test(test_decide_table),
    };
    return cmocka_run_group_tests_name("image_manager", tests, NULL, NULL);
}
