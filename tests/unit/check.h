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

/* Directory of the shared test vectors: $PULLSIM_VECTORS or ../shared/spec/vectors. */
static inline const char *check_vectors_dir(void)
{
    const char *d = getenv("PULLSIM_VECTORS");
    return d && *d ? d : "../shared/spec/vectors";
}

#endif
