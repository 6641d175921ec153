/* test_trace.c - the teaching trace's texts (trace.h). */
#include "obs/trace.h"

#include <string.h>
#include <unistd.h>

#include "check.h"

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

/* Lines carry the upstream reasons and messages. */
static void test_lines(void **state)
{
    (void)state;
    char path[] = "/tmp/pullsim-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct trace *t = trace_open(path, stderr);
    assert_non_null(t);
    struct kubelet_event ev = {.kind = KUBELET_EVENT_PULLED, .t = 2.08, .node = 3, .pod = "web-1",
                             .container = "c", .image = "nginx:1.27", .policy = "IfNotPresent",
                             .pull_s = 1.04, .total_s = 2.08, .size = 125000000};
    trace_emit(t, &ev);
    ev.kind = KUBELET_EVENT_NEVER_PULL;
    trace_emit(t, &ev);
    ev.kind = KUBELET_EVENT_BACKOFF;
    ev.error = "pull QPS exceeded";
    ev.left_s = 4.5;
    trace_emit(t, &ev);
    assert_int_equal(trace_close(t, stderr), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char text[2048] = {0};
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    unlink(path);
    text[n] = '\0';
    assert_non_null(strstr(text, "Normal  Pulled            Successfully pulled image "
                                 "\"nginx:1.27\" in 1.04s (2.08s including waiting). "
                                 "Image size: 125000000 bytes."));
    assert_non_null(strstr(text, "Warning ErrImageNeverPull Container image \"nginx:1.27\" "
                                 "is not present with pull policy of Never"));
    assert_non_null(strstr(text, "Back-off pulling image \"nginx:1.27\""));
    assert_non_null(strstr(text, "4.5s left"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_duration),
        cmocka_unit_test(test_lines),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
