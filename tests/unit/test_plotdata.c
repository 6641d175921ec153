/* test_plotdata.c - the plots' inputs (output_write_plot_data): their size is
 * bounded whatever the run's length or pod count, and what a reader looks
 * for (CDF points, time-series peaks and troughs) is exact.
 *
 * Run: one node, NIC 1 Gbps, 50 pods created 1 s apart, each with its own
 * 125 MB image, serial pulls: a pull takes just over 1 s, so egress is
 * 125e6 B/s while a blob flows and 0 between pulls, and pulls queue. With a
 * 1 ms sample interval the run has more than 50,000 samples; the decimated
 * series must keep the egress peak and trough, the queue's peak and every
 * registry request (each counted in a single sample).
 */
#include "sim_helpers.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "obs/output.h"

#define N_PODS 50

static char *scenario_text(void)
{
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_addf(&sb, "name: t\nhorizon: 2m\nsampleInterval: 1ms\nregistries:\n"
                     "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms}\n"
                     "images:\n");
    for (int i = 0; i < N_PODS; i++)
        strbuf_addf(&sb, "  - {ref: registry.test/a%d:1, layers: [{size: 125MB}]}\n", i);
    strbuf_addf(&sb, "kubeletConfigs:\n  default: {serializeImagePulls: true}\n"
                     "nodePools:\n  - {name: p, count: 1, nicBandwidth: 1Gbps}\nworkloads:\n");
    for (int i = 0; i < N_PODS; i++)
        strbuf_addf(&sb, "  - {name: w%d, kind: Pod, at: %ds, template: {containers: "
                         "[{name: c, image: registry.test/a%d:1}]}}\n", i, i, i);
    return strbuf_detach(&sb);
}

/* Reads a whole file (caller frees). */
static char *slurp(const char *path)
{
    char *text = NULL;
    assert_int_equal(base_read_file(path, &text, NULL), 0);
    return text;
}

/* Rows after the header, and the min and max of column 'col' (0-based). */
static size_t scan_csv(const char *text, int col, double *lo, double *hi)
{
    size_t rows = 0;
    *lo = INFINITY;
    *hi = -INFINITY;
    const char *p = strchr(text, '\n');
    while (p && p[1]) {
        p++;
        const char *c = p;
        for (int k = 0; k < col; k++)
            c = strchr(c, ',') + 1;
        double v = strtod(c, NULL);
        if (v < *lo)
            *lo = v;
        if (v > *hi)
            *hi = v;
        rows++;
        p = strchr(p, '\n');
    }
    return rows;
}

static void test_bounded_and_exact(void **state)
{
    (void)state;
    char *text = scenario_text();
    const char *tmp = getenv("TMPDIR");
    char *root = xasprintf("%s/pullsim-plotdata-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(root));
    struct run r;
    run_scenario(&r, "plotdata.yaml", text, NULL, NULL, 0);
    assert_int_equal(r.s.pods_ready, N_PODS);
    assert_int_equal(output_write_run(r.w, &r.s, "default", root, stderr), 0);
    assert_int_equal(output_write_plot_data(r.w, &r.s, root, stderr), 0);

    /* Fewer distinct latencies than bins: one step per latency, each the
     * fraction of pods ready within it. */
    char *path = xasprintf("%s/cdf.dat", root);
    char *cdf = slurp(path);
    free(path);
    const char *p = strchr(cdf, '\n') + 1;
    size_t steps = 0;
    for (; *p; p = strchr(p, '\n') + 1, steps++) {
        char *end;
        double x = strtod(p, &end), y = strtod(end, NULL), within = 0;
        for (uint32_t i = 0; i < N_PODS; i++)
            within += run_pod(&r, i)->ready - run_pod(&r, i)->created <= x * (1 + 1e-9);
        assert_close(y, within / N_PODS, 1e-9);
    }
    assert_int_equal(steps, N_PODS + 1); /* "0 0" and 50 distinct latencies */

    double flo, fhi, plo, phi;
    path = xasprintf("%s/timeseries.csv", root);
    char *full = slurp(path);
    free(path);
    path = xasprintf("%s/timeseries-plot.csv", root);
    char *plot = slurp(path);
    size_t full_rows = scan_csv(full, 1, &flo, &fhi);
    size_t plot_rows = scan_csv(plot, 1, &plo, &phi);
    assert_true(full_rows > 50000);
    assert_true(plot_rows <= 2000);
    assert_close(fhi, 125e6, 1e-3);
    assert_close(flo, 0, 1e-9);
    assert_close(phi, fhi, 1e-3);
    assert_close(plo, flo, 1e-9);
    /* Requests are instants: a count in one 1 ms sample, much narrower
     * than a bucket; the envelope keeps them. */
    scan_csv(full, 4, &flo, &fhi);
    scan_csv(plot, 4, &plo, &phi);
    assert_true(fhi >= 1);
    assert_close(phi, fhi, 0);
    assert_close(plo, flo, 0);
    /* The pull queue's peak survives too. */
    scan_csv(full, 3, &flo, &fhi);
    scan_csv(plot, 3, &plo, &phi);
    assert_close(phi, fhi, 0);
    assert_close(plo, flo, 0);
    free(path);

    free(plot);
    free(full);
    free(cdf);
    run_release(&r);
    char *cmd = xasprintf("rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(root);
    free(text);
}

/* 10,000 ready latencies i / 100 s (i = 1 .. 10,000) of 20,000 pods: the
 * range 0 .. 100 s cut into 2000 bins of 0.05 s gives one step per bin, at
 * its largest latency, with fraction (i / 2) / 10,000 at latency i / 100. */
static void test_cdf_bins(void **state)
{
    (void)state;
    enum { READY = 10000 };
    double *lat = xmalloc(READY * sizeof(*lat));
    for (int i = 0; i < READY; i++)
        lat[i] = (i + 1) / 100.0;
    struct metrics_summary s = {.pods = 2 * READY, .pods_ready = READY, .ready_latency = lat};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    output_cdf_steps(&s, f);
    assert_int_equal(fclose(f), 0);
    const char *p = strchr(text, '\n') + 1;
    size_t rows = 0;
    double last_x = -1, last_y = -1;
    for (; *p; p = strchr(p, '\n') + 1, rows++) {
        char *end;
        double x = strtod(p, &end), y = strtod(end, NULL);
        assert_true(x > last_x && y >= last_y);
        /* exact at its point: (100 x) pods of 20,000 within x */
        assert_close(y, x * 100 / (2.0 * READY), 1e-9);
        last_x = x;
        last_y = y;
    }
    assert_true(rows <= 2002);
    assert_true(rows >= 1900);
    assert_close(last_x, 100, 1e-9);
    assert_close(last_y, 0.5, 1e-9);
    free(text);
    free(lat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounded_and_exact),
        cmocka_unit_test(test_cdf_bins),
    };
    return cmocka_run_group_tests_name("plotdata", tests, NULL, NULL);
}
