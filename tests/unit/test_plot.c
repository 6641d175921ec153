/*
 * test_plot.c - plot module: renders a tiny two-config run with the real
 * plots/ scripts and gnuplot, checks the atomic-write contract, the
 * "no gnuplot" warning, a failing script and plot_find_dir's search order.
 * Runs from the repository root (plots/ relative to cwd). Tests that need
 * gnuplot are skipped when it is not on PATH.
 */
#include "obs/plot.h"

#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

static const char *const configs[] = {"serial", "parallel5"};
#define N_CONFIGS (sizeof(configs) / sizeof(configs[0]))

/* Fixture, in the exact formats pullsim writes. 'parallel5' has a pod that
 * never became ready, a failed pull and a pull that never started. */
static const char pods_serial[] =
    "pod,workload,node,created_s,ready_s,latency_s,container_ready_s\n"
    "0,web-0,0,0.000000,1.040000,1.040000,1.040000\n"
    "1,web-0,0,0.000000,2.080000,2.080000,2.080000\n"
    "2,web-1,1,0.000000,1.040000,1.040000,0.500000;1.040000\n";
static const char pods_parallel[] =
    "pod,workload,node,created_s,ready_s,latency_s,container_ready_s\n"
    "0,web-0,0,0.000000,2.040000,2.040000,2.040000\n"
    "1,web-0,0,0.000000,2.040000,2.040000,2.040000\n"
    "2,web-1,1,0.000000,,,\n";
static const char pulls_serial[] =
    "pull,node,pod,container,image,requested_s,started_s,finished_s,bytes,layers_fetched,"
    "result\n"
    "0,0,0,app,docker.io/library/nginx:1.27,0.000000,0.000000,1.040000,125000000,1,ok\n"
    "1,0,1,app,docker.io/library/redis:7,0.000000,1.040000,2.080000,125000000,1,ok\n"
    "2,1,2,app,docker.io/library/nginx:1.27,0.000000,0.000000,1.040000,125000000,1,ok\n";
static const char pulls_parallel[] =
    "pull,node,pod,container,image,requested_s,started_s,finished_s,bytes,layers_fetched,"
    "result\n"
    "0,0,0,app,docker.io/library/nginx:1.27,0.000000,0.000000,2.040000,125000000,1,ok\n"
    "1,0,1,app,docker.io/library/redis:7,0.000000,0.000000,2.040000,125000000,1,ok\n"
    "2,1,2,app,registry.example.com/team/api@sha256:ab12,0.000000,0.020000,0.500000,0,0,"
    "failed\n"
    "3,1,2,side,quay.io/prometheus/node-exporter:v1.8.0,0.500000,,,0,0,failed\n";
static const char timeseries_serial[] =
    "t_s,registry_egress_Bps,active_pulls,queued_pulls\n"
    "0.000000,250000000.000,2,1\n"
    "1.000000,250000000.000,2,1\n"
    "2.000000,125000000.000,1,0\n"
    "3.000000,0.000,0,0\n";
static const char timeseries_parallel[] =
    "t_s,registry_egress_Bps,active_pulls,queued_pulls\n"
    "0.000000,250000000.000,3,0\n"
    "1.000000,250000000.000,2,1\n"
    "2.000000,0.000,0,0\n";

/* The plot inputs output_write_plot_data writes for those runs: CDF steps
 * (fractions of all 3 pods) and the time series plus interval_s. */
static const char cdf_serial[] = "# pods 3 ready 3\n0 0\n1.04 0.666666667\n2.08 1\n";
static const char cdf_parallel[] = "# pods 3 ready 2\n0 0\n2.04 0.666666667\n";
static const char tsplot_serial[] =
    "t_s,registry_egress_Bps,active_pulls,queued_pulls,interval_s\n"
    "0,250000000,2,1,1\n"
    "1,250000000,2,1,1\n"
    "2,125000000,1,0,1\n"
    "3,0,0,0,1\n";
static const char tsplot_parallel[] =
    "t_s,registry_egress_Bps,active_pulls,queued_pulls,interval_s\n"
    "0,250000000,3,0,1\n"
    "1,250000000,2,1,1\n"
    "2,0,0,0,1\n";

static void write_file(const char *dir, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    free(path);
}

/* Makes ROOT/quick/{serial,parallel5}/{pods,pulls,timeseries,timeseries-plot}.csv
 * and cdf.dat. The root
 * name holds a space and a quote, so quoting for gnuplot is exercised too.
 * Returns the root (caller frees, after remove_tree). */
static char *make_fixture(void)
{
    const char *tmp = getenv("TMPDIR");
    char *root = xasprintf("%s/pullsim plot o'q-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(root));
    char *run = xasprintf("%s/quick", root);
    assert_int_equal(mkdir(run, 0777), 0);
    const char *const *files[] = {
        (const char *const[]){pods_serial, pulls_serial, timeseries_serial, cdf_serial,
                              tsplot_serial},
        (const char *const[]){pods_parallel, pulls_parallel, timeseries_parallel, cdf_parallel,
                              tsplot_parallel},
    };
    for (size_t i = 0; i < N_CONFIGS; i++) {
        char *dir = xasprintf("%s/%s", run, configs[i]);
        assert_int_equal(mkdir(dir, 0777), 0);
        write_file(dir, "pods.csv", files[i][0]);
        write_file(dir, "pulls.csv", files[i][1]);
        write_file(dir, "timeseries.csv", files[i][2]);
        write_file(dir, "cdf.dat", files[i][3]);
        write_file(dir, "timeseries-plot.csv", files[i][4]);
        free(dir);
    }
    free(run);
    return root;
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *child = xasprintf("%s/%s", path, e->d_name);
            remove_tree(child);
            free(child);
        }
        closedir(d);
        assert_int_equal(rmdir(path), 0);
    } else {
        assert_int_equal(unlink(path), 0);
    }
}

/* Number of entries under path (recursively) whose name contains ".tmp.". */
static size_t count_tmp(const char *path)
{
    size_t n = 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strstr(e->d_name, ".tmp."))
            n++;
        char *child = xasprintf("%s/%s", path, e->d_name);
        n += count_tmp(child);
        free(child);
    }
    closedir(d);
    return n;
}

struct fixture {
    char *root; /* temporary folder, removed by teardown */
    char *run;  /* root/quick = results/<scenario> */
};

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof(*fx));
    fx->root = make_fixture();
    fx->run = xasprintf("%s/quick", fx->root);
    *state = fx;
    return 0;
}

/* Runs even when a test failed, so no temporary folder is left behind. */
static int teardown(void **state)
{
    struct fixture *fx = *state;
    remove_tree(fx->root);
    free(fx->run);
    free(fx->root);
    free(fx);
    return 0;
}

static bool exists(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    bool ok = access(path, F_OK) == 0;
    free(path);
    return ok;
}

/* Whole file as a heap string (files here are small), or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct strbuf sb;
    char buf[4096];
    size_t n;
    strbuf_init(&sb);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        strbuf_add(&sb, buf, n);
    fclose(f);
    *len = sb.len;
    return strbuf_detach(&sb);
}

/* Asserts dir/name.png is a non-empty PNG and dir/name.svg an SVG. */
static void assert_pictures(const char *dir, const char *name)
{
    static const unsigned char magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t len = 0;
    char *png = xasprintf("%s/%s.png", dir, name);
    char *svg = xasprintf("%s/%s.svg", dir, name);
    char *data = slurp(png, &len);
    if (!data)
        print_error("missing %s\n", png);
    assert_non_null(data);
    assert_true(len > sizeof(magic));
    assert_memory_equal(data, magic, sizeof(magic));
    free(data);
    data = slurp(svg, &len);
    if (!data)
        print_error("missing %s\n", svg);
    assert_non_null(data);
    assert_true(len > 0);
    assert_non_null(strstr(data, "<svg"));
    free(data);
    free(svg);
    free(png);
}

static bool have_gnuplot(void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *err = open_memstream(&text, &size);
    assert_non_null(err);
    /* With no config, plot_render_run only probes for gnuplot. */
    int rc = plot_render_run("plots", "/nonexistent", "x", configs, 0, false, err);
    assert_int_equal(fclose(err), 0);
    bool ok = rc == 0 && size == 0;
    free(text);
    return ok;
}

/* Runs plot_render_run and returns what it printed on err (caller frees). */
static char *render(const char *plots, const struct fixture *fx, size_t n, bool gantt, int *rc)
{
    char *text = NULL;
    size_t size = 0;
    FILE *err = open_memstream(&text, &size);
    assert_non_null(err);
    *rc = plot_render_run(plots, fx->run, "quick", configs, n, gantt, err);
    assert_int_equal(fclose(err), 0);
    return text;
}

static void test_render_run(void **state)
{
    struct fixture *fx = *state;
    if (!have_gnuplot())
        skip();
    int rc;
    char *text = render("plots", fx, N_CONFIGS, true, &rc);
    if (rc != 0 || *text)
        print_error("plot_render_run said: %s\n", text);
    assert_int_equal(rc, 0);
    assert_string_equal(text, "");
    free(text);

    assert_pictures(fx->run, "cdf");
    for (size_t i = 0; i < N_CONFIGS; i++) {
        char *dir = xasprintf("%s/%s", fx->run, configs[i]);
        assert_pictures(dir, "throughput");
        assert_pictures(dir, "gantt");
        free(dir);
    }
    assert_int_equal(count_tmp(fx->root), 0);
}

static void test_no_gantt(void **state)
{
    struct fixture *fx = *state;
    if (!have_gnuplot())
        skip();
    char *dir = xasprintf("%s/serial", fx->run);
    int rc;
    char *text = render("plots", fx, 1, false, &rc);
    assert_int_equal(rc, 0);
    free(text);
    assert_pictures(fx->run, "cdf");
    assert_pictures(dir, "throughput");
    assert_false(exists(dir, "gantt.png"));
    assert_false(exists(dir, "gantt.svg"));
    assert_int_equal(count_tmp(fx->root), 0);
    free(dir);
}

static void test_no_gnuplot(void **state)
{
    struct fixture *fx = *state;
    const char *path = getenv("PATH");
    char *saved = path ? xstrdup(path) : NULL;

    /* The fixture folder holds no gnuplot. */
    assert_int_equal(setenv("PATH", fx->root, 1), 0);
    int rc;
    char *text = render("plots", fx, N_CONFIGS, true, &rc);
    if (saved)
        assert_int_equal(setenv("PATH", saved, 1), 0);
    else
        assert_int_equal(unsetenv("PATH"), 0);
    free(saved);

    assert_int_equal(rc, 0);
    assert_string_equal(text, PLOT_NO_GNUPLOT_WARNING "\n");
    assert_string_equal(text, "pullsim: warning: gnuplot not found; data written, plots "
                              "skipped (install gnuplot-nox)\n");
    free(text);
    assert_false(exists(fx->run, "cdf.png"));
    assert_false(exists(fx->run, "cdf.svg"));
    assert_int_equal(count_tmp(fx->root), 0);
}

/* A script that fails after gnuplot opened its output: the error names the
 * script and the exit status, and neither picture nor temporary remains. */
static void test_failing_script(void **state)
{
    struct fixture *fx = *state;
    if (!have_gnuplot())
        skip();
    char *plots = xasprintf("%s/plots", fx->root);
    assert_int_equal(mkdir(plots, 0777), 0);
    write_file(plots, "cdf.gp",
               "set terminal pngcairo\nset output out\nplot x\nexit error 'boom'\n");
    write_file(plots, "throughput.gp", "exit\n");

    int rc;
    char *text = render(plots, fx, N_CONFIGS, false, &rc);
    char *want = xasprintf("pullsim: error: gnuplot %s/cdf.gp exited with status 1", plots);
    if (!strstr(text, want))
        print_error("got: %s\n", text);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(text, want));
    assert_non_null(strstr(text, "boom"));
    assert_false(exists(fx->run, "cdf.png"));
    assert_int_equal(count_tmp(fx->root), 0);
    free(want);
    free(text);

    /* gantt requested but gantt.gp missing: refused before gnuplot runs. */
    text = render(plots, fx, N_CONFIGS, true, &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(text, "cannot read plot script"));
    assert_non_null(strstr(text, "gantt.gp"));
    free(text);

    /* No plots folder found at all. */
    text = render(NULL, fx, N_CONFIGS, true, &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(text, "PULLSIM_PLOTS"));
    free(text);
    free(plots);
}

static void test_find_dir(void **state)
{
    (void)state;
    const char *env = getenv("PULLSIM_PLOTS");
    char *saved = env ? xstrdup(env) : NULL;

    assert_int_equal(setenv("PULLSIM_PLOTS", "/somewhere/plots", 1), 0);
    char *dir = plot_find_dir("pullsim");
    assert_non_null(dir);
    assert_string_equal(dir, "/somewhere/plots");
    free(dir);

    assert_int_equal(unsetenv("PULLSIM_PLOTS"), 0);
    dir = plot_find_dir(NULL); /* cwd is the repository root */
    assert_non_null(dir);
    assert_string_equal(dir, "plots");
    free(dir);

    if (saved)
        assert_int_equal(setenv("PULLSIM_PLOTS", saved, 1), 0);
    free(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_render_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_gantt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_gnuplot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_script, setup, teardown),
        cmocka_unit_test(test_find_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
