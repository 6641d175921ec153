/* test_diag.c - diagnostic line format, 1-based marks, file order, the
 * print cap. */
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
    assert_string_equal(capture_text(&c), ""); /* held until the flush */
    diag_flush(&c.d);
    /* Line 0 (command line, no file) first; a note stays with its error. */
    assert_string_equal(capture_text(&c),
                        "--set nodePools[9].count: error: out of range\n"
                        "error: no file\n"
                        "s.yaml:14:19: error: nicBandwidth: '1Gb' is not a bandwidth\n"
                        "s.yaml:1:1: note: first defined here\n");
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
    assert_string_equal(c.d.last.buf, "f.yaml:1:1: error: error 29");
    diag_finish(&c.d);
    assert_int_equal(c.d.printed, DIAG_MAX_PRINTED);
    const char *text = capture_text(&c);
    assert_non_null(strstr(text, "error 9\n"));
    assert_null(strstr(text, "error 10\n"));
    assert_null(strstr(text, "note 10\n"));
    assert_non_null(strstr(text, "30 errors in total (output stops after 20 lines)\n"));
    capture_close(&c);
}

/* Errors reported out of file order come out in file order, and with more
 * than the cap the earliest in the file are the ones printed, with their
 * notes; diag_is_shown tells which a new error would be. */
static void test_file_order(void **state)
{
    (void)state;
    struct capture c;
    capture_open(&c);
    for (int i = 40; i >= 1; i--) { /* lines 40 down to 1 */
        diag_error(&c.d, (struct diag_loc){"f.yaml", (uint32_t)i, 3}, "error at %d", i);
        if (i % 2 == 0)
            diag_note(&c.d, (struct diag_loc){"f.yaml", 100, 1}, "note of %d", i);
    }
    assert_false(diag_is_shown(&c.d, (struct diag_loc){"f.yaml", 50, 1}));
    assert_true(diag_is_shown(&c.d, (struct diag_loc){"f.yaml", 1, 1}));
    diag_finish(&c.d);
    /* 20 lines: errors 1..13 and the notes of 2, 4, ..., 12 (13 + 6 = 19),
     * then error 14, whose note no longer fits. */
    const char *want =
        "f.yaml:1:3: error: error at 1\n"
        "f.yaml:2:3: error: error at 2\nf.yaml:100:1: note: note of 2\n";
    const char *text = capture_text(&c);
    assert_memory_equal(text, want, strlen(want));
    assert_non_null(strstr(text, "f.yaml:14:3: error: error at 14\n40 errors in total"));
    assert_null(strstr(text, "error at 15"));
    assert_int_equal(c.d.printed, DIAG_MAX_PRINTED);
    capture_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_file_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
