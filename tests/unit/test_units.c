/* test_units.c - durations, sizes and bandwidths: text -> SI and back. */
#include "base/units.h"

#include <stdbool.h>
#include <string.h>

#include "check.h"

/* Fails with the case name, so a table row that breaks names itself. */
#define case_assert(cond, name)                                                           \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            print_error("case '%s': %s\n", (name), #cond);                                \
            fail();                                                                       \
        }                                                                                 \
    } while (0)

static bool close_to(double got, double want, double rel)
{
    return fabs(got - want) <= rel * (fabs(want) > 1 ? fabs(want) : 1);
}

struct quantity_case {
    const char *text;
    double want;         /* SI value when ok */
    const char *err;     /* substring of the message, NULL when ok */
};

static const struct quantity_case durations[] = {
    {"250ms", 0.25, NULL},
    {"30s", 30, NULL},
    {"5m", 300, NULL},
    {"6h", 21600, NULL},
    {"1d", 86400, NULL},
    {"1m30s", 90, NULL},
    {"1h0m5s", 3605, NULL},
    {"1.5h", 5400, NULL},
    {"0.1s", 0.1, NULL},
    {"0s", 0, NULL},
    {"20us", 20e-6, NULL},
    {"20\xc2\xb5s", 20e-6, NULL},
    {"7ns", 7e-9, NULL},
    {"007s", 7, NULL},
    {"30", 0, "'30' has no unit; expected a number followed by ns, us, ms, s, m, h or d"},
    {"0", 0, "has no unit"},
    {"1h30", 0, "has no unit"},
    {"5sec", 0, "'5sec' is not a duration; expected a number followed by"},
    {"5S", 0, "is not a duration"},
    {"-5s", 0, "'-5s' is negative"},
    {"+5s", 0, "is not a duration"},
    {"5 s", 0, "is not a duration"},
    {"1,5s", 0, "is not a duration"},
    {"1.5.2s", 0, "is not a duration"},
    {".5s", 0.5, NULL}, /* as Go's time.ParseDuration */
    {"s", 0, "is not a duration"},
    {"", 0, "'' is not a duration"},
    {"1e3s", 0, "is not a duration"},
    {"99999999999999999999999999999999999999999999999999999999999999999999999999999999"
     "99999999999999999999999999999999999999999999999999999999999999999999999999999999"
     "99999999999999999999999999999999999999999999999999999999999999999999999999999999"
     "99999999999999999999999999999999999999999999999999999999999999999999999999999999d",
     0, "too large"},
};

static const struct quantity_case bandwidths[] = {
    {"1Gbps", 125e6, NULL},
    {"800Mbps", 100e6, NULL},
    {"125MBps", 125e6, NULL},
    {"10KiBps", 10240, NULL},
    {"8bps", 1, NULL},
    {"1Kbps", 125, NULL},
    {"1kbps", 125, NULL},
    {"1Tbps", 125e9, NULL},
    {"2.5GBps", 2.5e9, NULL},
    {"0bps", 0, NULL}, /* zero is the caller's check */
    {"1Gb", 0, "'1Gb' is not a bandwidth; expected a number followed by bps, Kbps, Mbps, Gbps"},
    {"1000", 0, "'1000' has no unit"},
    {"1 Gbps", 0, "is not a bandwidth"},
    {"1GBPS", 0, "is not a bandwidth"},
    {"-1Gbps", 0, "is negative"},
    {"1Gbps1Mbps", 0, "is not a bandwidth"},
};

static void test_durations(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
        const struct quantity_case *tc = &durations[i];
        char msg[1024] = "";
        double got = -42;
        int rc = units_parse_duration(tc->text, &got, msg, sizeof(msg));
        if (!tc->err) {
            case_assert(rc == 0, tc->text);
            case_assert(close_to(got, tc->want, 1e-12), tc->text);
        } else {
            case_assert(rc == -1, tc->text);
            case_assert(got == -42, tc->text); /* untouched */
            case_assert(strstr(msg, tc->err) != NULL, tc->text);
        }
    }
}

static void test_bandwidths(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bandwidths) / sizeof(bandwidths[0]); i++) {
        const struct quantity_case *tc = &bandwidths[i];
        char msg[256] = "";
        double got = -42;
        int rc = units_parse_bandwidth(tc->text, &got, msg, sizeof(msg));
        if (!tc->err) {
            case_assert(rc == 0, tc->text);
            case_assert(close_to(got, tc->want, 1e-12), tc->text);
        } else {
            case_assert(rc == -1, tc->text);
            case_assert(got == -42, tc->text);
            case_assert(strstr(msg, tc->err) != NULL, tc->text);
        }
    }
}

struct size_case {
    const char *text;
    uint64_t want;
    const char *err;
};

static const struct size_case sizes[] = {
    {"512KB", 512000, NULL},
    {"30MB", 30000000, NULL},
    {"1.5GiB", 1610612736, NULL},
    {"1KiB", 1024, NULL},
    {"1kB", 1000, NULL},
    {"2TB", 2000000000000ull, NULL},
    {"1TiB", 1099511627776ull, NULL},
    {"0B", 0, NULL},
    {"1.4B", 1, NULL},
    {"0.5KB", 500, NULL},
    {"18446744073709551615B", UINT64_MAX, NULL},
    {"18446744073709551616B", 0, "too large"},
    {"20000000TB", 0, "too large"},
    {"30", 0, "'30' has no unit; expected a number followed by B, KB, MB, GB, TB"},
    {"30mb", 0, "'30mb' is not a size"},
    {"30Mb", 0, "is not a size"},
    {"1MB2KB", 0, "is not a size"},
    {"-1MB", 0, "is negative"},
};

static void test_sizes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        const struct size_case *tc = &sizes[i];
        char msg[256] = "";
        uint64_t got = 42;
        int rc = units_parse_size(tc->text, &got, msg, sizeof(msg));
        if (!tc->err) {
            case_assert(rc == 0, tc->text);
            case_assert(got == tc->want, tc->text);
        } else {
            case_assert(rc == -1, tc->text);
            case_assert(got == 42, tc->text);
            case_assert(strstr(msg, tc->err) != NULL, tc->text);
        }
    }
}

/* A NULL message buffer is allowed, and a short one is truncated, not overrun. */
static void test_message_buffer(void **state)
{
    (void)state;
    double d;
    char small[8];
    assert_int_equal(units_parse_duration("x", &d, NULL, 0), -1);
    assert_int_equal(units_parse_duration("xxxxxxxxxxxxxxxx", &d, small, sizeof(small)), -1);
    assert_int_equal(strlen(small), sizeof(small) - 1);
}

struct format_case {
    double value;
    const char *want;
};

static void test_format(void **state)
{
    (void)state;
    static const struct format_case durs[] = {
        {0, "0s"}, {1.5, "1.5s"}, {0.25, "250ms"}, {90, "1.5m"}, {7200, "2h"},
        {20e-6, "20us"}, {172800, "48h"},
    };
    static const struct format_case szs[] = {
        {0, "0B"}, {30e6, "30MB"}, {512000, "512KB"}, {1.5e9, "1.5GB"}, {999, "999B"},
        {5e18, "5000000TB"},
    };
    static const struct format_case bws[] = {
        {125e6, "1Gbps"}, {100e6, "800Mbps"}, {1, "8bps"}, {INFINITY, "unlimited"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
        units_format_duration(durs[i].value, buf, sizeof(buf));
        case_assert(!strcmp(buf, durs[i].want), durs[i].want);
        double back;
        case_assert(units_parse_duration(buf, &back, NULL, 0) == 0, durs[i].want);
        case_assert(close_to(back, durs[i].value, 1e-9), durs[i].want);
    }
    for (size_t i = 0; i < sizeof(szs) / sizeof(szs[0]); i++) {
        units_format_size(szs[i].value, buf, sizeof(buf));
        case_assert(!strcmp(buf, szs[i].want), szs[i].want);
    }
    for (size_t i = 0; i < sizeof(bws) / sizeof(bws[0]); i++) {
        units_format_bandwidth(bws[i].value, buf, sizeof(buf));
        case_assert(!strcmp(buf, bws[i].want), bws[i].want);
    }
    units_format_size(30e6, buf, 3); /* truncated, still terminated */
    assert_string_equal(buf, "30");
}

/* Go's time.Duration.String (time/time.go), whose outputs upstream messages
 * embed: every unit from ns to h, trailing zeros dropped. */
static void test_go_duration(void **state)
{
    (void)state;
    static const struct {
        double s;
        const char *want;
    } cases[] = {
        {0, "0s"},          {-1, "0s"},           {1e-7, "100ns"},     {1.5e-6, "1.5\u00b5s"},
        {0.0015, "1.5ms"},  {0.25, "250ms"},      {1, "1s"},           {1.5, "1.5s"},
        {120, "2m0s"},      {62.5, "1m2.5s"},     {3600, "1h0m0s"},    {3723.005, "1h2m3.005s"},
        {1.000000001, "1.000000001s"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[48];
        units_go_duration(cases[i].s, buf, sizeof(buf));
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("%.9f s: got '%s', want '%s'", cases[i].s, buf, cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),     cmocka_unit_test(test_bandwidths),
        cmocka_unit_test(test_sizes),         cmocka_unit_test(test_message_buffer),
        cmocka_unit_test(test_format),        cmocka_unit_test(test_go_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
