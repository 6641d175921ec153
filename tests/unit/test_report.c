/* test_report.c - report.html (report.h): the side-by-side table, inline
 * SVG with ids kept apart, the slowest pod's trace, escaping. */
#include "obs/report.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sim_helpers.h"

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Two pods on two nodes: w-0 pulls 125 MB (1.040 s at 1 Gbps with 20 ms per
 * request, one manifest request), w-1 1 MB: w-0 is the slowest and its
 * trace is the one shown; the table has each config's numbers; both
 * pictures are inlined with their ids prefixed apart. */
static void test_page(void **state)
{
    (void)state;
    char dir[] = "/tmp/pullsim-report-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct scenario *sc = load_scenario_text(
        "rep.yaml", "name: rep\nhorizon: 1h\n"
                    "registries: [{host: r.test, egressBandwidth: 10Gbps, latency: 20ms, "
                    "manifestRequests: 1}]\n"
                    "images: [{ref: r.test/big:1, layers: [{size: 125MB}]}, "
                    "{ref: r.test/small:1, layers: [{size: 1MB}]}]\n"
                    "nodePools: [{name: p, count: 2, nicBandwidth: 1Gbps}]\n"
                    "workloads:\n"
                    "  - {name: w, kind: Pod, template: {containers: [{name: c, image: r.test/big:1}]}}\n"
                    "  - {name: v, kind: Pod, template: {containers: [{name: c, image: r.test/small:1}]}}\n");
    struct report *r = report_new(sc, NULL);
    struct scenario_kubelet defaults;
    scenario_kubelet_defaults(&defaults);
    struct world *w = world_new(sc, &defaults, NET_MODEL_AUTO);
    report_watch(r, world_kubelet_events(w));
    world_run(w);
    struct metrics_summary s;
    metrics_summarize(w, &s);
    report_add_run(r, "a<b", &s, w);
    metrics_release(&s);
    world_free(w);
    struct report_column col = {.name = strdup("sweep"), .pods = 9, .pods_ready = 8,
                                .mean = 12.5, .ci_mean = 0.25, .p50 = NAN, .p90 = NAN,
                                .p99 = NAN, .max = NAN, .last_ready = NAN, .ci_p90 = NAN,
                                .backoff_max = NAN};
    report_add_column(r, &col);
    char *p = malloc(strlen(dir) + 64);
    sprintf(p, "%s/cdf.svg", dir);
    put_file(p, "<?xml version=\"1.0\"?>\n<svg viewBox=\"0 0 10 10\">\n<defs><path id='gpPt0' "
                "d='M0,0'/></defs><use xlink:href='#gpPt0'/>\n<rect fill=\"url(#g1)\"/></svg>\n");
    sprintf(p, "%s/a<b", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    sprintf(p, "%s/a<b/gantt.svg", dir);
    put_file(p, "<svg>\n<g id=\"gpPt0\"></g><use href=\"#gpPt0\"/></svg>\n");
    assert_int_equal(report_write(r, dir, true, stderr), 0);
    sprintf(p, "%s/report.html", dir);
    const char *html = read_all(p);
    /* 0.020 + 0.020 + 125/125 = 1.040 s for w-0. */
    assert_non_null(strstr(html, "<td>1.04</td>"));
    assert_non_null(strstr(html, "<td class=\"ready\">2/2</td><td class=\"ready\">8/9</td>"));
    assert_non_null(strstr(html, "<td>12.50 &plusmn; 0.25</td>"));
    assert_non_null(strstr(html, "<th>a&lt;b</th><th>sweep</th>"));
    assert_non_null(strstr(html, "pod <span class=\"pod\">w-0</span>"));
    assert_non_null(strstr(html, "Pulling image &quot;r.test/big:1&quot;"));
    assert_null(strstr(html, "r.test/small:1&quot;"));
    assert_null(strstr(html, "<?xml"));
    assert_non_null(strstr(html, "<path id='f0-gpPt0'"));
    assert_non_null(strstr(html, "href='#f0-gpPt0'"));
    assert_non_null(strstr(html, "url(#f0-g1)"));
    assert_non_null(strstr(html, "<g id=\"f1-gpPt0\">"));
    assert_non_null(strstr(html, "href=\"#f1-gpPt0\""));
    assert_null(strstr(html, "<script"));
    unlink(p);
    sprintf(p, "%s/a<b/gantt.svg", dir);
    unlink(p);
    sprintf(p, "%s/a<b", dir);
    rmdir(p);
    sprintf(p, "%s/cdf.svg", dir);
    unlink(p);
    rmdir(dir);
    free(p);
    report_free(r);
    scenario_free(sc);
}

/* A folder that cannot be written: -1, no page. */
static void test_unwritable(void **state)
{
    (void)state;
    struct scenario *sc = load_scenario_text(
        "rep.yaml", "name: rep\nregistries: [{host: r.test, egressBandwidth: 1Gbps}]\n"
                    "images: [{ref: r.test/a:1, layers: [{size: 1MB}]}]\n"
                    "nodePools: [{name: p, count: 1, nicBandwidth: 1Gbps}]\n"
                    "workloads: [{name: w, kind: Pod, template: {containers: [{name: c, image: r.test/a:1}]}}]\n");
    struct report *r = report_new(sc, "w-0");
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(report_write(r, "/nonexistent/dir", false, devnull), -1);
    fclose(devnull);
    report_free(r);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_unwritable),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
