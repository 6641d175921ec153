/*
 * test_exp.c - the experiment layer's numbers: confidence intervals and
 * paired differences against values computed by hand (t quantiles from a
 * printed table, not from GSL), value lists and ranges, run indices, the
 * runs.csv row round trip, and the headline percentiles over ALL pods
 * (never-ready pods count as +infinity) on dockerhub-nat, where 15 of 115
 * pods never start.
 */
#include "sim_helpers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>

#include "exp/ci.h"
#include "exp/plan.h"
#include "exp/table.h"

/* Student t quantiles t_{0.975, df} from a printed table (NIST/SEMATECH
 * e-Handbook 1.3.6.7.2), independent of GSL. */
#define T975_DF3 3.182446305284263
#define T975_DF4 2.776445105197799

/* {1, 2, 3, 4, 5}: mean 3, sd sqrt(10 / 4) = 1.5811388, half width
 * 2.7764451 * 1.5811388 / sqrt(5) = 1.9632432. */
static void test_ci_closed_form(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4, 5};
    struct exp_ci c;
    exp_ci_compute(x, 5, 0.95, &c);
    double half = T975_DF4 * sqrt(2.5) / sqrt(5.0);
    assert_int_equal(c.n, 5);
    assert_int_equal(c.n_inf, 0);
    assert_close(c.mean, 3.0, 1e-12);
    assert_close(c.sd, sqrt(2.5), 1e-12);
    assert_close(c.lo, 3.0 - half, 1e-9);
    assert_close(c.hi, 3.0 + half, 1e-9);
    assert_close(half, 1.9632432, 1e-6);

    /* One sample: a mean, no interval. A not-reached sample: nothing. */
    exp_ci_compute(x, 1, 0.95, &c);
    assert_close(c.mean, 1.0, 0);
    assert_true(isnan(c.sd) && isnan(c.lo) && isnan(c.hi));
    const double y[] = {1, INFINITY, 3};
    exp_ci_compute(y, 3, 0.95, &c);
    assert_int_equal(c.n_inf, 1);
    assert_true(isnan(c.mean) && isnan(c.lo));
}

/* a - b = {1, 2, 1, 3}: mean 1.75, sd sqrt(2.75 / 3) = 0.9574271, half
 * width 3.1824463 * 0.9574271 / 2 = 1.5234794; b wins all four. The
 * unpaired interval of a alone is wider: pairing removes the seed effect. */
static void test_paired_closed_form(void **state)
{
    (void)state;
    const double a[] = {10, 12, 11, 13}, b[] = {9, 10, 10, 10};
    struct exp_paired p;
    exp_ci_paired(a, b, 4, 0.95, &p);
    double sd = sqrt(2.75 / 3), half = T975_DF3 * sd / 2;
    assert_int_equal(p.diff.n, 4);
    assert_close(p.diff.mean, 1.75, 1e-12);
    assert_close(p.diff.sd, sd, 1e-12);
    assert_close(p.diff.lo, 1.75 - half, 1e-9);
    assert_close(p.diff.hi, 1.75 + half, 1e-9);
    assert_int_equal(p.a_wins, 0);
    assert_int_equal(p.b_wins, 4);
    assert_int_equal(p.ties, 0);

    /* A not-reached value loses to a finite one and leaves the difference. */
    const double c[] = {INFINITY, 5, 7}, d[] = {4, 5, 6};
    exp_ci_paired(c, d, 3, 0.95, &p);
    assert_int_equal(p.diff.n, 2);
    assert_close(p.diff.mean, 0.5, 1e-12);
    assert_int_equal(p.a_wins, 0);
    assert_int_equal(p.b_wins, 2);
    assert_int_equal(p.ties, 1);
}

static const struct {
    const char *text;
    const char *want; /* values joined by '|', or NULL for an error */
} value_cases[] = {
    {"250..2000*2", "250|500|1000|2000"},
    {"1..3", "1|2|3"},
    {"0..1+0.25", "0|0.25|0.5|0.75|1"},
    {"10..25+10", "10|20"},
    {"a,b,10Gbps", "a|b|10Gbps"},
    {"7", "7"},
    {"1..", NULL},
    {"5..1", NULL},
    {"1..5*1", NULL},
    {"0..8*2", NULL},
    {"a,,b", NULL},
    {"1..100000", NULL},
};

static void test_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
        char **v = NULL, msg[256] = "";
        size_t n = 0;
        int rc = exp_parse_values(value_cases[i].text, &v, &n, msg, sizeof(msg));
        print_message("case '%s': rc %d %s\n", value_cases[i].text, rc, msg);
        if (!value_cases[i].want) {
            assert_int_equal(rc, -1);
            assert_true(msg[0] != '\0');
            continue;
        }
        assert_int_equal(rc, 0);
        struct strbuf sb;
        strbuf_init(&sb);
        for (size_t j = 0; j < n; j++) {
            strbuf_addf(&sb, "%s%s", j ? "|" : "", v[j]);
            free(v[j]);
        }
        free(v);
        assert_string_equal(sb.buf, value_cases[i].want);
        strbuf_release(&sb);
    }
}

/* 2 x 3 grid, 2 configs, 2 replications: k = (point * 2 + rep) * 2 + config,
 * the last axis fastest; replication 0 on the scenario seed. */
static void test_run_index(void **state)
{
    (void)state;
    struct exp_plan p;
    char msg[256];
    exp_plan_init(&p);
    assert_int_equal(exp_plan_add_sweep(&p, "a=1,2", msg, sizeof(msg)), 0);
    assert_int_equal(exp_plan_add_sweep(&p, "b=x,y,z", msg, sizeof(msg)), 0);
    assert_int_equal(exp_plan_add_sweep(&p, "a=3", msg, sizeof(msg)), -1);
    exp_plan_add_config(&p, "A");
    exp_plan_add_config(&p, "B");
    assert_int_equal(exp_plan_set_seeds(&p, 2, 42, NULL, msg, sizeof(msg)), 0);
    assert_int_equal(exp_plan_finish(&p, msg, sizeof(msg)), 0);
    assert_int_equal(p.n_points, 6);
    assert_int_equal(p.n_runs, 24);
    struct exp_run r;
    exp_plan_run(&p, 23, &r);
    assert_int_equal(r.point, 5);
    assert_int_equal(r.rep, 1);
    assert_int_equal(r.config, 1);
    assert_string_equal(exp_plan_value(&p, r.point, 0), "2");
    assert_string_equal(exp_plan_value(&p, r.point, 1), "z");
    exp_plan_run(&p, 9, &r); /* point 2 (a=1, b=z), rep 0, config B */
    assert_int_equal(r.point, 2);
    assert_int_equal(r.rep, 0);
    assert_int_equal(r.config, 1);
    assert_true(r.seed == 42);
    assert_string_equal(exp_plan_value(&p, 2, 1), "z");
    exp_plan_run(&p, 2, &r);
    assert_true(r.seed == exp_plan_derived_seed(42, 1) && r.seed != 42);
    assert_int_equal(exp_plan_set_seeds(&p, 0, 0, "1..3", msg, sizeof(msg)), 0);
    assert_int_equal(p.n_reps, 3);
    assert_true(p.seeds[2] == 3);
    assert_int_equal(exp_plan_set_seeds(&p, 0, 0, "x", msg, sizeof(msg)), -1);
    exp_plan_release(&p);
}

/* A row's metrics read back exactly as written, inf and empty included. */
static void test_row_round_trip(void **state)
{
    (void)state;
    struct exp_plan p;
    char msg[64];
    exp_plan_init(&p);
    exp_plan_add_config(&p, "A,x");
    assert_int_equal(exp_plan_set_seeds(&p, 1, 5, NULL, msg, sizeof(msg)), 0);
    assert_int_equal(exp_plan_finish(&p, msg, sizeof(msg)), 0);
    struct exp_metrics m, back;
    for (size_t i = 0; i < EXP_N_METRICS; i++)
        m.v[i] = (double)i + 0.5;
    m.v[0] = 115;
    m.v[7] = INFINITY;
    m.v[3] = NAN;
    struct strbuf sb;
    strbuf_init(&sb);
    exp_table_row(&p, 0, &m, &sb);
    assert_non_null(strstr(sb.buf, "0,A;x,0,5,115,"));
    assert_int_equal(exp_table_parse(sb.buf, &back), 0);
    assert_true(isinf(back.v[7]) && isnan(back.v[3]));
    assert_close(back.v[6], 6.5, 1e-9);
    assert_int_equal(exp_table_parse("1,2,3", &back), -1);
    strbuf_release(&sb);
    exp_plan_release(&p);
}

/* dockerhub-nat: 100 of 115 pods ready. Nearest rank over all 115 pods:
 * p50 = rank 58, a ready pod's latency (the 58th smallest); p90 = rank 104,
 * p95 = 110, p99 = 114 and max fall on never-ready pods: not reached. The
 * horizon cut the run (back-offs still pending). */
static void test_never_ready_percentiles(void **state)
{
    (void)state;
    struct run r;
    run_scenario(&r, "scenarios/dockerhub-nat.yaml", NULL, NULL, NULL, 0);
    assert_int_equal(r.s.pods, 115);
    assert_int_equal(r.s.pods_ready, 100);
    double lat[115], at[115];
    size_t n = 0;
    for (uint32_t i = 0; i < 115; i++) {
        const struct kubelet_pod *p = run_pod(&r, i);
        if (!isnan(p->ready)) {
            at[n] = p->ready;
            lat[n++] = p->ready - p->created;
        }
    }
    gsl_sort(lat, 1, n);
    gsl_sort(at, 1, n);
    assert_close(r.s.ready_p50, lat[57], 1e-12);
    assert_close(r.s.t50, at[57], 1e-12);
    assert_true(isinf(r.s.ready_p90) && isinf(r.s.ready_p95) && isinf(r.s.ready_p99));
    assert_true(isinf(r.s.ready_max) && isinf(r.s.t90) && isinf(r.s.t99));
    assert_close(r.s.ready_max_ready, lat[99], 1e-12);
    assert_true(r.s.horizon_cut);
    run_release(&r);

    /* quickstart: every pod ready, p95 = rank ceil(0.95 * 24) = 23. */
    run_scenario(&r, "scenarios/quickstart.yaml", NULL, "serial", NULL, 0);
    assert_int_equal(r.s.pods_ready, r.s.pods);
    n = 0;
    for (uint32_t i = 0; i < r.s.pods; i++)
        lat[n++] = run_pod(&r, i)->ready - run_pod(&r, i)->created;
    gsl_sort(lat, 1, n);
    assert_int_equal(n, 24);
    assert_close(r.s.ready_p95, lat[22], 1e-12);
    assert_close(r.s.ready_max, lat[23], 1e-12);
    assert_false(r.s.horizon_cut);
    run_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ci_closed_form),
        cmocka_unit_test(test_paired_closed_form),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_run_index),
        cmocka_unit_test(test_row_round_trip),
        cmocka_unit_test(test_never_ready_percentiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
