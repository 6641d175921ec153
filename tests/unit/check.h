/*
 * check.h - helpers shared by the cmocka unit tests.
 *
 * cmocka 1.1.5 (Debian 12) only has assert_float_equal, which casts to
 * float; assert_close compares doubles with an absolute tolerance and prints
 * both values on failure.
 */
#ifndef PULLSIM_CHECK_H
#define PULLSIM_CHECK_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#define assert_close(got, want, tol)                                                      \
    do {                                                                                  \
        double got_ = (got), want_ = (want);                                              \
        if (!(fabs(got_ - want_) <= (tol))) {                                             \
            print_error("%s = %.9f, expected %.9f (tolerance %g)\n", #got, got_, want_,  \
                        (double)(tol));                                                   \
            fail();                                                                       \
        }                                                                                 \
    } while (0)

/* The upstream test vectors kept in the repository (tests/spec/vectors; the
 * Makefile passes its absolute path), or $PULLSIM_VECTORS when set, e.g. to
 * try a newer upstream file. */
#ifndef PULLSIM_VECTORS_DIR
#define PULLSIM_VECTORS_DIR "tests/spec/vectors"
#endif
static inline const char *check_vectors_dir(void)
{
    const char *d = getenv("PULLSIM_VECTORS");
    return d && *d ? d : PULLSIM_VECTORS_DIR;
}

#endif
