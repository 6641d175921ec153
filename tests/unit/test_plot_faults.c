/*
 * test_plot_faults.c - the fault plots: registry.{png,svg} for every
 * config and backoff.{png,svg} for small scenarios, rendered by
 * plot_render_run from the files output_write_run writes for a run with an
 * outage; a missing registry.gp is an error once the CDF is drawn. Runs
 * from the repository root (plots/); skipped without gnuplot.
 */
#include "sim_helpers.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "obs/output.h"
#include "obs/plot.h"

static const char text[] = "name: t\nhorizon: 10m\nregistries:\n"
    "  - {host: registry.test, egressBandwidth: 10Gbps, latency: 20ms, manifestRequests: 1,"
    " outages: [{from: 0.5s, to: 60s}]}\n"
    "images:\n  - {ref: registry.test/a:1, layers: [{size: 125MB}]}\n"
    "nodePools:\n  - {name: p, count: 2, nicBandwidth: 1Gbps}\n"
    "workloads:\n  - {name: d, kind: Deployment, replicas: 4, template: {containers: "
    "[{name: c, image: registry.test/a:1}]}}\n";

static bool have_gnuplot(void)
{
    char *out = NULL;
    size_t size = 0;
    FILE *err = open_memstream(&out, &size);
    int rc = plot_render_run("plots", "/nonexistent", "x", NULL, 0, false, err);
    fclose(err);
    bool ok = rc == 0 && size == 0;
    free(out);
    return ok;
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *child = xasprintf("%s/%s", path, e->d_name);
            remove_tree(child);
            free(child);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* A non-empty file dir/name. */
static bool has_file(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    struct stat st;
    bool ok = stat(path, &st) == 0 && st.st_size > 0;
    free(path);
    return ok;
}

/* Writes the run's files into ROOT/t/default; returns ROOT (caller frees). */
static char *write_run(void)
{
    const char *tmp = getenv("TMPDIR");
    char *root = xasprintf("%s/pullsim-plotfaults-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(root));
    char *dir = xasprintf("%s/t/default", root);
    struct run r;
    run_scenario(&r, "plot.yaml", text, NULL, NULL, 0);
    assert_true(r.s.pulls_failed > 0);
    assert_int_equal(output_write_run(r.w, &r.s, "default", dir, stderr), 0);
    assert_int_equal(output_write_plot_data(r.w, &r.s, dir, stderr), 0);
    run_release(&r);
    free(dir);
    return root;
}

static char *render(const char *plots, const char *root, bool gantt, int *rc)
{
    static const char *const configs[] = {"default"};
    char *out = NULL;
    size_t size = 0;
    char *run = xasprintf("%s/t", root);
    FILE *err = open_memstream(&out, &size);
    *rc = plot_render_run(plots, run, "t", configs, 1, gantt, err);
    fclose(err);
    free(run);
    return out;
}

static void test_fault_plots(void **state)
{
    (void)state;
    if (!have_gnuplot())
        skip();
    char *root = write_run();
    char *dir = xasprintf("%s/t/default", root);
    int rc;
    char *out = render("plots", root, true, &rc);
    if (rc != 0)
        print_error("plot_render_run said: %s\n", out);
    assert_int_equal(rc, 0);
    free(out);
    assert_true(has_file(dir, "registry.png") && has_file(dir, "registry.svg"));
    assert_true(has_file(dir, "backoff.png") && has_file(dir, "backoff.svg"));
    remove_tree(root);
    free(root);
    free(dir);

    /* Without gantt (a big scenario) the registry plot is still drawn. */
    root = write_run();
    dir = xasprintf("%s/t/default", root);
    out = render("plots", root, false, &rc);
    assert_int_equal(rc, 0);
    free(out);
    assert_true(has_file(dir, "registry.png"));
    assert_false(has_file(dir, "backoff.png"));
    remove_tree(root);
    free(root);
    free(dir);
}

/* A plots folder without registry.gp: the CDF is drawn, then the error
 * names registry.gp; without backoff.gp and gantt requested, nothing runs. */
static void test_missing_scripts(void **state)
{
    (void)state;
    if (!have_gnuplot())
        skip();
    char *root = write_run();
    char *plots = xasprintf("%s/plots", root);
    assert_int_equal(mkdir(plots, 0777), 0);
    static const char *const copy[] = {"cdf", "throughput", "gantt"};
    for (size_t i = 0; i < 3; i++) {
        char *from = xasprintf("plots/%s.gp", copy[i]);
        char *to = xasprintf("%s/%s.gp", plots, copy[i]);
        FILE *in = fopen(from, "rb"), *o = fopen(to, "wb");
        assert_non_null(in);
        assert_non_null(o);
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
            fwrite(buf, 1, n, o);
        fclose(in);
        fclose(o);
        free(from);
        free(to);
    }
    int rc;
    char *out = render(plots, root, false, &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(out, "registry.gp"));
    char *run = xasprintf("%s/t", root);
    assert_true(has_file(run, "cdf.png"));
    free(out);
    out = render(plots, root, true, &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(out, "backoff.gp"));
    free(out);
    free(run);
    remove_tree(root);
    free(root);
    free(plots);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_plots),
        cmocka_unit_test(test_missing_scripts),
    };
    return cmocka_run_group_tests_name("fault plots", tests, NULL, NULL);
}
