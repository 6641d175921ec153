/* test_diag.c - diagnostic line format, 1-based marks, the print cap. */
#include "base/diag.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"

struct capture {
    char *buf;
    size_t len;
    FILE *f;
    struct diag d;
};

static void capture_open(struct capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
    diag_init(&c->d, c->f);
}

/* Flushes and returns the text printed so far (owned by c). */
static const char *capture_text(struct capture *c)
{
    fflush(c->f);
    return c->buf;
}

static void capture_close(struct capture *c)
{
    diag_release(&c->d);
    fclose(c->f);
    free(c->buf);
}

static void test_format(void **state)
{
    (void)state;
    struct capture c;
    capture_open(&c);
    struct diag_loc at = diag_loc_from_mark("s.yaml", 13, 18);
    assert_int_equal(at.line, 14);
    assert_int_equal(at.col, 19);
    assert_int_equal(diag_error(&c.d, at, "nicBandwidth: '%s' is not a bandwidth", "1Gb"), -1);
    diag_note(&c.d, diag_loc_from_mark("s.yaml", 0, 0), "first defined here");
    diag_error(&c.d, (struct diag_loc){"--set nodePools[9].count", 0, 0}, "out of range");
    diag_error(&c.d, (struct diag_loc){NULL, 0, 0}, "no file");
    assert_string_equal(capture_text(&c),
                        "s.yaml:14:19: error: nicBandwidth: '1Gb' is not a bandwidth\n"
                        "s.yaml:1:1: note: first defined here\n"
                        "--set nodePools[9].count: error: out of range\n"
                        "error: no file\n");
    assert_int_equal(c.d.errors, 3);
    assert_int_equal(c.d.printed, 4);
    assert_string_equal(c.d.last.buf, "error: no file");
    diag_finish(&c.d); /* nothing hidden: no count */
    assert_int_equal(strstr(capture_text(&c), "in total") == NULL, 1);
    capture_close(&c);
}

/* At most DIAG_MAX_PRINTED lines; errors are still counted; a note of an
 * unprinted error is not printed; diag_finish gives the total. */
static void test_cap(void **state)
{
    (void)state;
    struct capture c;
    capture_open(&c);
    struct diag_loc at = {"f.yaml", 1, 1};
    for (int i = 0; i < 30; i++) {
        diag_error(&c.d, at, "error %d", i);
        diag_note(&c.d, at, "note %d", i);
    }
    assert_int_equal(c.d.errors, 30);
    assert_int_equal(c.d.printed, DIAG_MAX_PRINTED);
    assert_string_equal(c.d.last.buf, "f.yaml:1:1: error: error 29");
    diag_finish(&c.d);
    const char *text = capture_text(&c);
    assert_non_null(strstr(text, "error 9\n"));
    assert_null(strstr(text, "error 10\n"));
    assert_null(strstr(text, "note 10\n"));
    assert_non_null(strstr(text, "30 errors in total (output stops after 20 lines)\n"));
    capture_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
