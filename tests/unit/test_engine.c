/*
 * test_engine.c - engine tape tests [git t/unit-tests/u-prio-queue.c] and a
 * randomized check against a sorted-array reference.
 *
 * A tape is a list of commands separated by ';'. Events are named by one
 * upper-case letter; a name's handle is that of its latest schedule, or
 * ENGINE_NO_EVENT before the first.
 *   at T X      schedule X at absolute time T (s)
 *   in D X      schedule X at now + D (s)
 *   daemon T X  schedule X as a daemon event at absolute time T (s)
 *   cancel X    cancel X's handle; engine_cancel must return true
 *   nocancel X  cancel X's handle; engine_cancel must return false
 *   on X CMD    when X fires, run CMD (any command but 'on'); several 'on'
 *               for one name run in tape order
 *   run         engine_run()
 *   step        engine_step() must return true; 'nostep': must return false
 *   now, size, next, count, work   log engine_now, engine_size,
 *               engine_next_time, engine_events_processed, engine_has_work
 *               as "now=5", "size=2", ..., "work=1"
 * The log lists fired names and logged values, separated by spaces: "at 5 A;
 * at 5 B; at 1 C; cancel B; run" logs "C A".
 */
#include "engine/engine.h"

#include <math.h>
#include <string.h>

#include "base/base.h"
#include "check.h"

/* ------------------------------------------------------------------ tapes */

#define TAPE_MAX_TOKENS 96
#define TAPE_MAX_ACTIONS 16
#define TAPE_NAMES 26

struct tape;

struct tape_event {
    struct tape *t;
    int name; /* 0 for 'A' */
};

struct tape_action {
    int name;   /* event whose firing runs the command */
    size_t tok; /* first token of the command */
};

struct tape {
    const char *src; /* the tape as written, for messages */
    char buf[512];   /* tokens point into this copy */
    const char *tok[TAPE_MAX_TOKENS];
    size_t ntok;
    struct engine *e;
    engine_event_id ids[TAPE_NAMES];
    struct tape_event events[TAPE_NAMES];
    struct tape_action actions[TAPE_MAX_ACTIONS];
    size_t nactions;
    struct strbuf log;
};

struct tape_case {
    const char *tape;
    double horizon; /* s */
    const char *want;
};

static void tape_fail(const struct tape *t, size_t i, const char *why)
{
    print_error("tape \"%s\": token %zu ('%s'): %s\n", t->src, i,
                i < t->ntok ? t->tok[i] : "(end)", why);
    fail();
}

static void tape_log(struct tape *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tape_log(struct tape *t, const char *fmt, ...)
{
    va_list ap;
    if (t->log.len)
        strbuf_addc(&t->log, ' ');
    va_start(ap, fmt);
    strbuf_vaddf(&t->log, fmt, ap);
    va_end(ap);
}

static const char *tape_arg(const struct tape *t, size_t i)
{
    if (i >= t->ntok)
        tape_fail(t, i, "missing argument");
    return t->tok[i];
}

static int tape_name(const struct tape *t, size_t i)
{
    const char *s = tape_arg(t, i);
    if (s[0] < 'A' || s[0] > 'Z' || s[1])
        tape_fail(t, i, "expected an event name A-Z");
    return s[0] - 'A';
}

static double tape_time(const struct tape *t, size_t i)
{
    char *end;
    double v = strtod(tape_arg(t, i), &end);
    if (*end)
        tape_fail(t, i, "expected a number");
    return v;
}

/* Tokens taken by the command at 'i'. */
static size_t tape_cmd_len(const struct tape *t, size_t i)
{
    const char *c = tape_arg(t, i);
    if (!strcmp(c, "at") || !strcmp(c, "in") || !strcmp(c, "daemon"))
        return 3;
    if (!strcmp(c, "cancel") || !strcmp(c, "nocancel"))
        return 2;
    if (!strcmp(c, "on"))
        return 2 + tape_cmd_len(t, i + 2);
    return 1;
}

static void on_tape_event(struct engine *e, void *arg);

static void tape_cancel(struct tape *t, size_t i, bool want)
{
    if (engine_cancel(t->e, t->ids[tape_name(t, i + 1)]) != want)
        tape_fail(t, i, want ? "engine_cancel returned false" : "engine_cancel returned true");
}

static void tape_schedule(struct tape *t, size_t i, char how)
{
    int x = tape_name(t, i + 2);
    double v = tape_time(t, i + 1);
    struct tape_event *ev = &t->events[x];
    t->ids[x] = how == 'i'   ? engine_schedule_in(t->e, v, on_tape_event, ev)
                : how == 'd' ? engine_schedule_daemon(t->e, v, on_tape_event, ev)
                             : engine_schedule(t->e, v, on_tape_event, ev);
}

static void tape_step(struct tape *t, size_t i, bool want)
{
    if (engine_step(t->e) != want)
        tape_fail(t, i, want ? "engine_step returned false" : "engine_step returned true");
}

static void tape_on(struct tape *t, size_t i)
{
    if (t->nactions == TAPE_MAX_ACTIONS)
        tape_fail(t, i, "too many 'on' commands");
    t->actions[t->nactions++] = (struct tape_action){tape_name(t, i + 1), i + 2};
}

/* Runs the command at token 'i'; returns the index of the next one. */
static size_t tape_exec(struct tape *t, size_t i)
{
    const char *c = t->tok[i];
    if (!strcmp(c, "at") || !strcmp(c, "in") || !strcmp(c, "daemon"))
        tape_schedule(t, i, c[0]);
    else if (!strcmp(c, "cancel") || !strcmp(c, "nocancel"))
        tape_cancel(t, i, c[0] == 'c');
    else if (!strcmp(c, "on"))
        tape_on(t, i);
    else if (!strcmp(c, "run"))
        engine_run(t->e);
    else if (!strcmp(c, "step") || !strcmp(c, "nostep"))
        tape_step(t, i, c[0] == 's');
    else if (!strcmp(c, "now"))
        tape_log(t, "now=%g", engine_now(t->e));
    else if (!strcmp(c, "size"))
        tape_log(t, "size=%zu", engine_size(t->e));
    else if (!strcmp(c, "next"))
        tape_log(t, "next=%g", engine_next_time(t->e));
    else if (!strcmp(c, "work"))
        tape_log(t, "work=%d", engine_has_work(t->e));
    else if (!strcmp(c, "count"))
        tape_log(t, "count=%llu", (unsigned long long)engine_events_processed(t->e));
    else
        tape_fail(t, i, "unknown command");
    return i + tape_cmd_len(t, i);
}

static void on_tape_event(struct engine *e, void *arg)
{
    struct tape_event *ev = arg;
    struct tape *t = ev->t;
    assert_ptr_equal(e, t->e);
    tape_log(t, "%c", 'A' + ev->name);
    for (size_t k = 0; k < t->nactions; k++) {
        if (t->actions[k].name == ev->name)
            tape_exec(t, t->actions[k].tok);
    }
}

static void tape_init(struct tape *t, const struct tape_case *c)
{
    memset(t, 0, sizeof(*t));
    t->src = c->tape;
    assert_true(strlen(c->tape) < sizeof(t->buf));
    strcpy(t->buf, c->tape);
    for (char *s = strtok(t->buf, " ;"); s; s = strtok(NULL, " ;")) {
        assert_true(t->ntok < TAPE_MAX_TOKENS);
        t->tok[t->ntok++] = s;
    }
    t->e = engine_new(c->horizon);
    for (int x = 0; x < TAPE_NAMES; x++) {
        t->ids[x] = ENGINE_NO_EVENT;
        t->events[x] = (struct tape_event){t, x};
    }
    strbuf_init(&t->log);
}

static void run_tapes(const struct tape_case *cases, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        struct tape t;
        tape_init(&t, &cases[k]);
        for (size_t i = 0; i < t.ntok;)
            i = tape_exec(&t, i);
        bool ok = !strcmp(t.log.buf, cases[k].want);
        if (!ok)
            print_error("tape \"%s\" (horizon %g)\n  got:  \"%s\"\n  want: \"%s\"\n",
                        cases[k].tape, cases[k].horizon, t.log.buf, cases[k].want);
        engine_free(t.e);
        strbuf_release(&t.log);
        if (!ok)
            fail();
    }
}

#define RUN_TAPES(cases) run_tapes(cases, sizeof(cases) / sizeof(cases[0]))

static void test_tape_cancel(void **state)
{
    (void)state;
    static const struct tape_case cases[] = {
        {"at 5 A; at 5 B; at 1 C; cancel B; run", INFINITY, "C A"},
        {"at 1 A; at 2 B; at 3 C; cancel A; cancel C; run", INFINITY, "B"},
        {"at 1 A; cancel A; nocancel A; run; size", INFINITY, "size=0"},
        {"at 1 A; run; nocancel A", INFINITY, "A"},
        {"nocancel A; at 1 A; run", INFINITY, "A"}, /* ENGINE_NO_EVENT */
        /* removing from the middle of a larger heap keeps the order */
        {"at 9 A; at 8 B; at 7 C; at 6 D; at 5 E; at 4 F; at 3 G; at 2 H; at 1 I; "
         "cancel D; cancel H; cancel A; run",
         INFINITY, "I G F E C B"},
    };
    RUN_TAPES(cases);
}

static void test_tape_equal_times(void **state)
{
    (void)state;
    static const struct tape_case cases[] = {
        {"at 3 D; at 3 B; at 3 C; at 3 A; run", INFINITY, "D B C A"},
        {"at 2 A; at 1 B; at 2 C; at 1 D; at 2 E; at 1 F; run", INFINITY, "B D F A C E"},
        {"at 0 A; at 0 B; cancel A; at 0 A; run", INFINITY, "B A"},
    };
    RUN_TAPES(cases);
}

static void test_tape_cancel_in_handler(void **state)
{
    (void)state;
    static const struct tape_case cases[] = {
        /* another pending event, later and at the same instant */
        {"at 1 A; at 2 B; at 3 C; on A cancel B; run", INFINITY, "A C"},
        {"at 1 A; at 1 B; at 1 C; on A cancel C; run", INFINITY, "A B"},
        /* its own event, while it runs: a no-op */
        {"at 1 A; at 2 B; on A nocancel A; run; count", INFINITY, "A B count=2"},
        /* an event that already fired */
        {"at 1 A; at 2 B; on B nocancel A; run", INFINITY, "A B"},
        /* re-scheduled from its own handler: the new handle cancels */
        {"at 1 A; on A in 1 A; on A cancel A; at 5 B; run", INFINITY, "A B"},
    };
    RUN_TAPES(cases);
}

static void test_tape_schedule_at_now(void **state)
{
    (void)state;
    static const struct tape_case cases[] = {
        /* same instant, after the events already queued for it */
        {"at 1 A; at 1 B; at 1 C; on A in 0 D; on D now; run", INFINITY, "A B C D now=1"},
        {"at 1 A; at 2 C; on A in 0 D; run", INFINITY, "A D C"},
        {"at 1 A; on A at 1 B; on B at 1 C; at 1 D; run", INFINITY, "A D B C"},
    };
    RUN_TAPES(cases);
}

static void test_tape_horizon(void **state)
{
    (void)state;
    static const struct tape_case cases[] = {
        /* at the horizon runs; past it stays pending and the clock stops at it */
        {"at 10 A; at 10.5 B; at 20 C; run; now; size; next", 10, "A now=10 size=2 next=10.5"},
        {"at 11 B; nostep; now; size", 10, "now=10 size=1"},
        {"at 3 A; at 11 B; step; nostep; now; size", 10, "A now=10 size=1"},
        /* nothing beyond: the clock stays at the last event */
        {"at 3 A; run; now", 10, "A now=3"},
        /* a handler scheduling at now at the horizon still runs; past it does not */
        {"at 10 A; on A in 0 B; on A in 0.001 C; run; now; size", 10, "A B now=10 size=1"},
        {"at 9 A; on A in 5 B; run; now; nostep; now", 10, "A now=10 now=10"},
        {"at 0 A; run; now", 0, "A now=0"},
    };
    RUN_TAPES(cases);
}

static void test_tape_stale_handle(void **state)
{
    (void)state;
    static const struct tape_case cases[] = {
        /* B reuses the record A released; A's handle must not reach it */
        {"at 1 A; run; at 2 B; nocancel A; run", INFINITY, "A B"},
        {"at 1 A; cancel A; at 2 B; nocancel A; run", INFINITY, "B"},
        {"at 1 A; on A in 1 B; on A nocancel A; run", INFINITY, "A B"},
    };
    RUN_TAPES(cases);
}

static void test_tape_queries(void **state)
{
    (void)state;
    static const struct tape_case cases[] = {
        {"now; size; next; count", INFINITY, "now=0 size=0 next=inf count=0"},
        {"at 4 A; at 2 B; size; next; cancel B; next; step; count; size; next; now", INFINITY,
         "size=2 next=2 next=4 A count=1 size=0 next=inf now=4"},
        /* the running event is no longer pending */
        {"at 1 A; at 2 B; on A size; on A next; on A count; run", INFINITY,
         "A size=1 next=2 count=1 B"},
        {"nostep; count; now", INFINITY, "count=0 now=0"},
    };
    RUN_TAPES(cases);
}

/* Keys the radix queue files by the bits of the time: zero and its sign,
 * neighbours one ulp apart, subnormals, huge times and infinity. */
static void test_tape_key_edges(void **state)
{
    (void)state;
    static const struct tape_case cases[] = {
        /* -0.0 passes the t >= now check and must order as 0, not as a huge key */
        {"at -0 A; at 0 B; at 1 C; run; now", INFINITY, "A B C now=1"},
        {"at 0 A; at 0 B; at 5e-324 C; at 0 D; run", INFINITY, "A B D C"},
        /* one ulp apart around 1 and around 2^52 */
        {"at 1.0000000000000002 A; at 1 B; at 0.9999999999999999 C; at 1 D; run", INFINITY,
         "C B D A"},
        {"at 4503599627370497 A; at 4503599627370496 B; at 4503599627370497 C; run", INFINITY,
         "B A C"},
        /* huge and infinite times; an infinite horizon runs events at +inf */
        {"at inf A; at 1e308 B; at 1.7976931348623157e308 C; at inf D; run; now", INFINITY,
         "B C A D now=inf"},
        {"at inf A; at 1e300 B; run; now; size", 1e300, "B now=1e+300 size=1"},
        {"at 1e300 A; on A in 0 B; on A at inf C; run; now", INFINITY, "A B C now=inf"},
    };
    RUN_TAPES(cases);
}

/* Cancelling heads, tails and middles of buckets, and tombstones left at or
 * before the horizon. */
static void test_tape_cancel_edges(void **state)
{
    (void)state;
    static const struct tape_case cases[] = {
        /* one bucket at time 5: head, tail, then the only one left */
        {"at 5 A; at 5 B; at 5 C; at 5 D; cancel A; cancel D; run", INFINITY, "B C"},
        {"at 5 A; at 5 B; cancel A; cancel B; next; size; run; count", INFINITY,
         "next=inf size=0 count=0"},
        /* the current instant's bucket, from inside a handler */
        {"at 1 A; at 1 B; at 1 C; at 1 D; on A cancel B; on A cancel D; run", INFINITY, "A C"},
        /* the least key of a bucket, then next must skip its tombstone */
        {"at 3 A; at 3.5 B; at 3.25 C; cancel A; next; cancel C; next; run", INFINITY,
         "next=3.25 next=3.5 B"},
        /* a tombstone before the horizon, the live event past it; later
         * schedules at now (the horizon) must still be accepted and run */
        {"at 5 A; at 15 B; cancel A; run; now; size; in 0 C; run; now", 10,
         "now=10 size=1 C now=10"},
        {"at 10 A; at 10 B; cancel A; run; now", 10, "B now=10"},
        /* cancel, then reschedule at the same time: goes to the back */
        {"at 2 A; at 2 B; at 2 C; cancel A; at 2 A; run", INFINITY, "B C A"},
    };
    RUN_TAPES(cases);
}

static void on_noop(struct engine *e, void *arg)
{
    (void)e;
    (void)arg;
}

/* engine_run returns the events dispatched by that call; the getters. */
/* Daemon events fire in time order like any other but are not work: a
 * daemon that reschedules itself while there is work stops after the last
 * regular event; cancelling either kind keeps the count right. */
static void test_tape_daemons(void **state)
{
    (void)state;
    static const struct tape_case cases[] = {
        {"work; daemon 1 A; work; at 2 B; work; run; work", INFINITY,
         "work=0 work=0 work=1 A B work=0"},
        /* The housekeeping pattern: A at 1, 2, 3, ... while B (at 2.5) is
         * pending, then once more. */
        {"daemon 1 A; at 2.5 B; on A work; on A in 1 A; run", 4.5,
         "A work=1 A work=1 B A work=0 A work=0"},
        {"daemon 1 A; at 2 B; cancel B; work; cancel A; size; work", INFINITY,
         "work=0 size=0 work=0"},
        {"at 1 B; daemon 2 A; cancel A; work; size", INFINITY, "work=1 size=1"},
    };
    RUN_TAPES(cases);
}

static void test_run_count_and_getters(void **state)
{
    (void)state;
    struct engine *e = engine_new(10.0);
    assert_close(engine_horizon(e), 10.0, 0.0);
    assert_close(engine_now(e), 0.0, 0.0);
    engine_schedule(e, 1.0, on_noop, NULL);
    engine_schedule(e, 2.0, on_noop, NULL);
    engine_schedule(e, 12.0, on_noop, NULL);
    assert_int_equal(engine_run(e), 2);
    assert_close(engine_now(e), 10.0, 0.0);
    engine_schedule_in(e, 0.0, on_noop, NULL);
    assert_int_equal(engine_run(e), 1);
    assert_int_equal(engine_run(e), 0);
    assert_int_equal(engine_events_processed(e), 3);
    assert_int_equal(engine_size(e), 1);
    assert_false(engine_cancel(e, ((engine_event_id)0 << 32) | 5000000u)); /* never issued */
    engine_free(e);
    engine_free(NULL);
}

/* ------------------------------------------------ order across refills */

/* Events that log (time, seq) when they fire; seq is the order in which the
 * test scheduled them. Fired in the right order and none lost means: all
 * fire, and the log rises strictly in (time, seq), because an event
 * scheduled later gets a higher seq and a time no earlier than now. */

#define ORDER_MAX 8192

struct order_test;

struct order_event {
    struct order_test *ot;
    double time;      /* s */
    uint32_t seq;     /* schedule order */
    uint32_t spawn;   /* events to schedule at now when it fires */
    bool spawn_after; /* ...and one ulp later as well */
};

struct order_test {
    struct engine *e;
    struct order_event ev[ORDER_MAX];
    uint32_t n;     /* scheduled */
    uint32_t fired; /* log length */
    uint32_t log[ORDER_MAX];
};

static void on_order_event(struct engine *e, void *arg);

static engine_event_id order_schedule(struct order_test *ot, double t, uint32_t spawn)
{
    assert_true(ot->n < ORDER_MAX);
    struct order_event *ev = &ot->ev[ot->n];
    *ev = (struct order_event){ot, t, ot->n, spawn, spawn > 0};
    ot->n++;
    return engine_schedule(ot->e, t, on_order_event, ev);
}

static void on_order_event(struct engine *e, void *arg)
{
    struct order_event *ev = arg;
    struct order_test *ot = ev->ot;
    assert_close(engine_now(e), ev->time, 0.0);
    ot->log[ot->fired++] = ev->seq;
    for (uint32_t k = 0; k < ev->spawn; k++)
        order_schedule(ot, engine_now(e), 0);
    if (ev->spawn_after)
        order_schedule(ot, nextafter(engine_now(e), INFINITY), 0);
}

/* Runs everything and checks the log rises in (time, seq). */
static void order_check(struct order_test *ot)
{
    engine_run(ot->e);
    assert_int_equal(ot->fired, ot->n);
    assert_int_equal(engine_size(ot->e), 0);
    for (uint32_t i = 1; i < ot->fired; i++) {
        const struct order_event *a = &ot->ev[ot->log[i - 1]], *b = &ot->ev[ot->log[i]];
        if (!(a->time < b->time || (a->time == b->time && a->seq < b->seq))) {
            print_error("fired #%u (t=%.17g, seq %u) after #%u (t=%.17g, seq %u)\n", i,
                        b->time, b->seq, i - 1, a->time, a->seq);
            fail();
        }
    }
}

/* Hundreds of events at each of a few instants, mixed in random order with
 * their one-ulp neighbours and with times spread over many bucket levels,
 * so each instant's events are moved down through several refills, across
 * chunk boundaries, before they fire. Some handlers schedule at now (after
 * every event already queued for that instant) and one ulp later. */
static void test_equal_times_across_refills(void **state)
{
    (void)state;
    static const double instants[] = {0.0, 7.25, 1024.0, 3e9};
    struct order_test *ot = xcalloc(1, sizeof(*ot));
    ot->e = engine_new(INFINITY);
    uint64_t rng = 99;
    for (int i = 0; i < 3000; i++) {
        rng = rng * 6364136223846793005u + 1442695040888963407u;
        uint64_t r = rng >> 16;
        double t = instants[r % 4];
        switch ((r >> 4) % 6) {
        case 0:
            t = nextafter(t, INFINITY);
            break;
        case 1:
            t = t > 0.0 ? nextafter(t, 0.0) : t;
            break;
        case 2:
            t += ldexp(1.0, -(int)((r >> 8) % 50));
            break;
        default:
            break; /* exactly the instant: half of them */
        }
        order_schedule(ot, t, (r >> 20) % 8 == 0 ? 1 + (uint32_t)((r >> 24) % 3) : 0);
    }
    order_check(ot);
    engine_free(ot->e);
    free(ot);
}

/* At one instant: 300 events queued (more than two chunks), then while they
 * fire, each of the first 150 schedules more at now; then the test itself
 * schedules at now between steps. Everything at that instant fires in
 * schedule order. */
static void test_schedule_at_now_in_dispatch(void **state)
{
    (void)state;
    struct order_test *ot = xcalloc(1, sizeof(*ot));
    ot->e = engine_new(INFINITY);
    order_schedule(ot, 2.0, 0);
    for (int i = 0; i < 300; i++)
        order_schedule(ot, 3.0, i < 150 ? 2 : 0);
    order_schedule(ot, 4.0, 0);
    for (int i = 0; i < 40; i++)
        assert_true(engine_step(ot->e));
    assert_close(engine_now(ot->e), 3.0, 0.0);
    for (int i = 0; i < 200; i++)
        order_schedule(ot, 3.0, 0);
    order_check(ot);
    assert_int_equal(ot->n, 302 + 150 * 3 + 200);
    /* the last fired at 3.0 is the test's last: after all spawned ones */
    assert_int_equal(ot->log[ot->fired - 2], 302 + 150 * 3 + 200 - 1);
    engine_free(ot->e);
    free(ot);
}

/* Cancelling most of many far-future events sweeps their tombstones, some
 * whole buckets and levels of them; what is left keeps its order, stale
 * handles stay stale, and new events reuse the space. */
#define MASS_N 6000

static bool mass_kept(uint32_t i)
{
    return i >= 400 && i % 97 == 0;
}

static void test_mass_cancel(void **state)
{
    (void)state;
    struct order_test *ot = xcalloc(1, sizeof(*ot));
    ot->e = engine_new(INFINITY);
    static engine_event_id ids[MASS_N];
    for (uint32_t i = 0; i < MASS_N; i++) {
        double t = i < 100 ? 1.0 : i < 400 ? 1.5 + ldexp((double)i, -20) : 1e6 + (double)(i % 50);
        ids[i] = order_schedule(ot, t, 0);
    }
    for (int i = 0; i < 10; i++)
        assert_true(engine_step(ot->e)); /* the 'now' bucket partly popped */
    uint32_t kept = 0;
    for (uint32_t i = 0; i < MASS_N; i++) {
        if (mass_kept(i))
            kept++;
        else
            assert_int_equal(engine_cancel(ot->e, ids[i]), i >= 10);
    }
    assert_int_equal(engine_size(ot->e), kept);
    assert_close(engine_next_time(ot->e), 1e6, 0.0); /* kept event 4850 */
    for (uint32_t i = 0; i < MASS_N; i++)
        assert_int_equal(engine_cancel(ot->e, ids[i]), mass_kept(i));
    assert_int_equal(engine_size(ot->e), 0);
    assert_true(isinf(engine_next_time(ot->e)));
    /* nothing stale fires; new events fill the space in order */
    uint32_t base = ot->n;
    for (uint32_t i = 0; i < 500; i++)
        order_schedule(ot, 1e6 + (double)(i % 7), 0);
    assert_close(engine_next_time(ot->e), 1e6, 0.0);
    engine_run(ot->e);
    assert_int_equal(ot->fired, 10 + 500);
    assert_int_equal(ot->log[10], base);
    for (uint32_t i = 11; i < ot->fired; i++) {
        const struct order_event *x = &ot->ev[ot->log[i - 1]], *y = &ot->ev[ot->log[i]];
        assert_true(x->time < y->time || (x->time == y->time && x->seq < y->seq));
    }
    engine_free(ot->e);
    free(ot);
}

/* ------------------------------------------------------- randomized check */

/* 100k random schedule / cancel / step operations, many at equal times and
 * some from inside handlers, mirrored on a sorted array of (time, seq). Each
 * fired event must be the reference's front, and every cancel result, size
 * and next time must agree. Run twice: with times on a 0.5 s grid, and with
 * clustered times (see rand_time) that keep the radix queue refilling
 * buckets full of equal and nearly equal keys. */

#define RAND_OPS 100000
#define RAND_MAX_EVENTS (2 * RAND_OPS + 16)

struct rand_ref {
    double time;  /* s */
    uint64_t seq; /* schedule order */
    uint32_t id;
};

struct rand_event {
    struct rand_test *rt;
    uint32_t id;
};

struct rand_test {
    struct engine *e;
    uint64_t rng;
    bool clustered; /* times from rand_time's clusters, not the 0.5 s grid */
    uint64_t next_seq;
    struct rand_ref *ref; /* pending, sorted by (time, seq) */
    size_t nref;
    struct rand_event *events; /* by id */
    struct rand_ref *keys;     /* by id: the key it was scheduled with */
    engine_event_id *handles;  /* by id */
    size_t nevents;
    uint64_t fired;
    uint64_t cancelled; /* cancels that removed a pending event */
};

static uint64_t rand_next(struct rand_test *rt)
{
    uint64_t z = (rt->rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static bool ref_less(const struct rand_ref *a, const struct rand_ref *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

/* First position in rt->ref not less than 'k'. */
static size_t ref_lower_bound(const struct rand_test *rt, const struct rand_ref *k)
{
    size_t lo = 0, hi = rt->nref;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ref_less(&rt->ref[mid], k))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void ref_remove_at(struct rand_test *rt, size_t pos)
{
    memmove(&rt->ref[pos], &rt->ref[pos + 1], (rt->nref - pos - 1) * sizeof(*rt->ref));
    rt->nref--;
}

static void on_rand_event(struct engine *e, void *arg);

/* A clustered time (s) from the draw r: now itself; a few ulps past now;
 * the next four whole seconds, exactly or one ulp either side, where
 * hundreds of events pile up; now plus up to 1023 * 2^-k for k < 40, so
 * spread over 40 binary orders; 1000 or 2000 s ahead, or now and then
 * 1e300, so tombstones linger in high buckets. */
static double rand_time(const struct rand_test *rt, uint64_t r)
{
    double now = engine_now(rt->e), t;
    switch (r % 8) {
    case 0:
        return now;
    case 1:
    case 2:
        t = now;
        for (uint64_t k = (r >> 8) % 4; k > 0; k--)
            t = nextafter(t, INFINITY);
        return t;
    case 3:
    case 4:
        t = floor(now) + 1.0 + (double)((r >> 8) % 4);
        if ((r >> 16) % 4 == 0)
            t = nextafter(t, INFINITY);
        else if ((r >> 16) % 4 == 1)
            t = nextafter(t, 0.0);
        return t < now ? now : t;
    case 5:
    case 6:
        return now + ldexp((double)((r >> 8) % 1024), -(int)((r >> 20) % 40));
    default:
        return (r >> 8) % 64 == 0 ? 1e300 : now + 1000.0 * (double)(1 + (r >> 16) % 2);
    }
}

/* Grid delays are multiples of 0.5 s, a quarter of them 0, so times are
 * exact and ties are common. Half the events go through engine_schedule_in,
 * whose time now + delay the reference computes the same way. */
static void rand_schedule(struct rand_test *rt)
{
    uint64_t r = rand_next(rt);
    double now = engine_now(rt->e), delay, t;
    bool relative;
    if (rt->clustered) {
        t = rand_time(rt, r);
        delay = t - now;
        relative = r >> 63;
        if (relative)
            t = now + delay;
    } else {
        delay = r % 4 == 0 ? 0.0 : (double)((r >> 8) % 8) * 0.5;
        t = now + delay;
        relative = r & (1u << 20);
    }
    uint32_t id = (uint32_t)rt->nevents++;
    assert_true(id < RAND_MAX_EVENTS);
    struct rand_ref k = {t, rt->next_seq++, id};
    rt->events[id] = (struct rand_event){rt, id};
    rt->keys[id] = k;
    struct rand_event *ev = &rt->events[id];
    rt->handles[id] = relative ? engine_schedule_in(rt->e, delay, on_rand_event, ev)
                               : engine_schedule(rt->e, t, on_rand_event, ev);
    size_t pos = ref_lower_bound(rt, &k);
    memmove(&rt->ref[pos + 1], &rt->ref[pos], (rt->nref - pos) * sizeof(*rt->ref));
    rt->ref[pos] = k;
    rt->nref++;
}

/* Cancels a random pending event half the time, else any event ever
 * scheduled (pending, fired or cancelled), now and then ENGINE_NO_EVENT. */
static void rand_cancel(struct rand_test *rt)
{
    uint64_t r = rand_next(rt);
    if (rt->nevents == 0 || r % 64 == 0) {
        assert_false(engine_cancel(rt->e, ENGINE_NO_EVENT));
        return;
    }
    uint32_t id = r & 1 && rt->nref ? rt->ref[(r >> 8) % rt->nref].id
                                    : (uint32_t)((r >> 8) % rt->nevents);
    size_t pos = ref_lower_bound(rt, &rt->keys[id]);
    bool pending = pos < rt->nref && rt->ref[pos].id == id;
    assert_int_equal(engine_cancel(rt->e, rt->handles[id]), pending);
    if (pending) {
        ref_remove_at(rt, pos);
        rt->cancelled++;
    }
}

static void rand_check_queue(const struct rand_test *rt)
{
    assert_int_equal(engine_size(rt->e), rt->nref);
    if (rt->nref)
        assert_close(engine_next_time(rt->e), rt->ref[0].time, 0.0);
    else
        assert_true(isinf(engine_next_time(rt->e)));
}

static void on_rand_event(struct engine *e, void *arg)
{
    struct rand_event *ev = arg;
    struct rand_test *rt = ev->rt;
    assert_true(rt->nref > 0);
    assert_int_equal(ev->id, rt->ref[0].id);
    assert_close(engine_now(e), rt->ref[0].time, 0.0);
    ref_remove_at(rt, 0);
    rt->fired++;
    rand_check_queue(rt);
    uint64_t r = rand_next(rt) % 10;
    if (r < 3)
        rand_schedule(rt);
    else if (r < 4)
        rand_cancel(rt);
}

static void rand_run(bool clustered, uint64_t seed)
{
    struct rand_test rt = {.e = engine_new(INFINITY), .rng = seed, .clustered = clustered};
    rt.ref = xmalloc(RAND_MAX_EVENTS * sizeof(*rt.ref));
    rt.events = xmalloc(RAND_MAX_EVENTS * sizeof(*rt.events));
    rt.keys = xmalloc(RAND_MAX_EVENTS * sizeof(*rt.keys));
    rt.handles = xmalloc(RAND_MAX_EVENTS * sizeof(*rt.handles));
    size_t peak = 0;
    for (int op = 0; op < RAND_OPS; op++) {
        /* Schedules outweigh steps and cancels until 2000 events are
         * pending, then the other way round: the queue swings around 2000. */
        uint64_t r = rand_next(&rt) % 20;
        if (r < (rt.nref < 2000 ? 11u : 7u)) {
            rand_schedule(&rt);
        } else if (r < 16) {
            bool any = rt.nref > 0;
            assert_int_equal(engine_step(rt.e), any);
        } else {
            rand_cancel(&rt);
        }
        rand_check_queue(&rt);
        peak = rt.nref > peak ? rt.nref : peak;
    }
    uint64_t before = rt.fired;
    uint64_t ran = engine_run(rt.e);
    assert_int_equal(ran, rt.fired - before);
    assert_int_equal(rt.nref, 0);
    assert_int_equal(engine_events_processed(rt.e), rt.fired);
    assert_true(peak > 1000); /* the heap grew well past its first allocation */
    assert_true(rt.cancelled > 5000);
    engine_free(rt.e);
    free(rt.ref);
    free(rt.events);
    free(rt.keys);
    free(rt.handles);
}

static void test_random_against_reference(void **state)
{
    (void)state;
    rand_run(false, 20240601);
}

static void test_random_clustered(void **state)
{
    (void)state;
    rand_run(true, 20240602);
    rand_run(true, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tape_cancel),
        cmocka_unit_test(test_tape_equal_times),
        cmocka_unit_test(test_tape_cancel_in_handler),
        cmocka_unit_test(test_tape_schedule_at_now),
        cmocka_unit_test(test_tape_horizon),
        cmocka_unit_test(test_tape_stale_handle),
        cmocka_unit_test(test_tape_queries),
        cmocka_unit_test(test_tape_key_edges),
        cmocka_unit_test(test_tape_cancel_edges),
        cmocka_unit_test(test_tape_daemons),
        cmocka_unit_test(test_run_count_and_getters),
        cmocka_unit_test(test_equal_times_across_refills),
        cmocka_unit_test(test_schedule_at_now_in_dispatch),
        cmocka_unit_test(test_mass_cancel),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_random_clustered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
