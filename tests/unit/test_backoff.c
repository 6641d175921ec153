/*
 * test_backoff.c - the image back-off against every row of
 * spec/vectors/backoff.tsv (client-go backoff_test.go, kubelet
 * image_manager_test.go, and rows derived from the production constants).
 *
 * Rows of one scenario run in file order on one entry (the upstream tests
 * are sequences). Ops:
 *   Get                                 replay Next at ticks 1..t-1, then Get at t
 *   IsInBackOffSinceUpdate [then Next]  at t; Next when not in back-off
 *   Next each tick                      t = "a..b": Next at every tick
 *   Next (...)                          Next at t, then check Get
 *   GC (...)                            entry kept = not expired at t
 *   EnsureImageExists (pull fails)      the kubelet's decision at t: in
 *                                       back-off -> ErrImagePullBackOff, else
 *                                       a pull that fails -> Next
 *   Next xK                             t = "a,b,c": Next at each, check Get
 */
#include <string.h>

#include "model/kubelet/backoff.h"
#include "check.h"
#include "tsv.h"

/* Expected Get value in "backoff=40", "Get=5 (not reset)", "true value=4",
 * "backoff reaches 5", or a bare number. */
static double expected_number(const char *s)
{
    const char *p = strpbrk(s, "0123456789");
    return p ? atof(p) : -1;
}

struct state {
    char scenario[200];
    struct backoff_entry b;
    bool started; /* IsInBackOffSinceUpdate: the sequence has run a tick */
};

/* Upstream's TestIsInBackOffSinceUpdate starts its sequence at tick 0 on a
 * fresh entry (not in back-off, so Next). A file whose first row for the
 * sequence is a later tick leaves that first case out; it runs here so the
 * later rows see upstream's state. Every row the file does hold is checked. */
static void start_sequence(struct state *st, int first_tick, double initial, double max)
{
    if (st->started)
        return;
    st->started = true;
    if (first_tick > 0 && !backoff_is_in_backoff_since_update(&st->b, 0, max))
        backoff_next(&st->b, 0, initial, max);
}

static void check_row(struct state *st, const struct tsv_row *r, int line)
{
    const char *scen = r->f[0], *t = r->f[3], *op = r->f[4], *want = r->f[5];
    double initial = atof(r->f[1]), max = atof(r->f[2]);
    if (strcmp(st->scenario, scen) != 0) {
        snprintf(st->scenario, sizeof(st->scenario), "%s", scen);
        st->b = (struct backoff_entry){0};
        st->started = false;
    }
    print_message("row %d: %s t=%s %s -> %s\n", line, scen, t, op, want);
    if (strcmp(op, "Get") == 0) {
        struct backoff_entry b = {0};
        int tick = atoi(t);
        for (int i = 1; i < tick; i++)
            backoff_next(&b, i, initial, max);
        assert_close(backoff_get(&b), atof(want), 1e-9);
    } else if (strncmp(op, "IsInBackOffSinceUpdate", 22) == 0) {
        double now = atof(t);
        start_sequence(st, atoi(t), initial, max);
        bool in = backoff_is_in_backoff_since_update(&st->b, now, max);
        assert_int_equal(in, strncmp(want, "true", 4) == 0);
        if (in)
            assert_close(backoff_get(&st->b), expected_number(want), 1e-9);
        else
            backoff_next(&st->b, now, initial, max);
    } else if (strcmp(op, "Next each tick") == 0) {
        int a = atoi(t), z = atoi(strstr(t, "..") + 2);
        for (int i = a; i <= z; i++)
            backoff_next(&st->b, i, initial, max);
        assert_close(backoff_get(&st->b), expected_number(want), 1e-9);
    } else if (strncmp(op, "GC", 2) == 0) {
        /* Upstream's set-up: Next at ticks 1 .. max+1, then GC at t keeps
         * the entry; another max+1 later it is expired. */
        struct backoff_entry b = {0};
        for (int i = 1; i <= (int)max + 1; i++)
            backoff_next(&b, i, initial, max);
        assert_false(backoff_has_expired(&b, atof(t), max));
        assert_true(backoff_has_expired(&b, atof(t) + max + 1, max));
    } else if (strncmp(op, "EnsureImageExists", 17) == 0) {
        /* Replays the kubelet's decisions at ticks 1..t on a fresh entry. */
        struct backoff_entry b = {0};
        bool pulled = false;
        for (int i = 1; i <= atoi(t); i++) {
            pulled = !backoff_is_in_backoff_since_update(&b, i, max);
            if (pulled)
                backoff_next(&b, i, initial, max);
        }
        assert_int_equal(pulled, strncmp(want, "ErrImagePull ", 13) == 0);
    } else if (strncmp(op, "Next x", 6) == 0) {
        struct backoff_entry b = {0};
        for (const char *p = t; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
            backoff_next(&b, atof(p), initial, max);
        assert_close(backoff_get(&b), expected_number(want), 1e-9);
    } else if (strncmp(op, "Next", 4) == 0 && strstr(scen, "consecutive failures")) {
        /* Failures spaced exactly by the current back-off, from t = 0. */
        struct backoff_entry b = {0};
        double now = 0;
        backoff_next(&b, now, initial, max);
        while (now + backoff_get(&b) <= atof(t)) {
            now += backoff_get(&b);
            backoff_next(&b, now, initial, max);
        }
        assert_close(now, atof(t), 1e-9);
        assert_close(backoff_get(&b), expected_number(want), 1e-9);
    } else if (strncmp(op, "Next", 4) == 0) {
        backoff_next(&st->b, atof(t), initial, max);
        assert_close(backoff_get(&st->b), expected_number(strchr(want, '=')), 1e-9);
    } else {
        fail_msg("row %d: unknown op '%s'", line, op);
    }
}

static void test_vectors(void **state)
{
    (void)state;
    static const char *const cols[] = {"scenario", "initial_s", "max_s", "t_s", "op",
                                       "expected", "upstream_source"};
    struct tsv t;
    tsv_load(&t, "backoff.tsv");
    tsv_expect_header(&t, "backoff.tsv", cols, sizeof(cols) / sizeof(cols[0]));
    /* Every row runs; an op this file does not know fails its row, so a
     * longer upstream file is a stronger test, never a skipped one. */
    assert_true(t.nrows > 0);
    struct state st = {0};
    for (size_t i = 0; i < t.nrows; i++) {
        assert_true(t.rows[i].n >= 6);
        check_row(&st, &t.rows[i], (int)t.rows[i].lineno);
    }
    tsv_release(&t);
}

/* The sequence after k consecutive failures: 10, 20, 40, 80, 160, 300, 300. */
static void test_sequence(void **state)
{
    (void)state;
    static const double want[] = {10, 20, 40, 80, 160, 300, 300, 300};
    struct backoff_entry b = {0};
    double now = 0;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        backoff_next(&b, now, BACKOFF_IMAGE_INITIAL, BACKOFF_IMAGE_MAX);
        assert_close(backoff_get(&b), want[i], 1e-12);
        /* Strict: in back-off just before lastUpdate + backoff, not at it. */
        assert_true(backoff_is_in_backoff_since_update(&b, now + want[i] - 1e-9, 300));
        assert_false(backoff_is_in_backoff_since_update(&b, now + want[i], 300));
        now += want[i];
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_sequence),
    };
    return cmocka_run_group_tests_name("backoff", tests, NULL, NULL);
}
