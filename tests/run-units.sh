#!/bin/sh
# Runs cmocka unit binaries from one build folder, from the repository root
# (tests read vectors from $PULLSIM_VECTORS, default tests/spec/vectors).
# Prints a tally of test cases and appends "PASSED FAILED" to
# BUILD_DIR/tally for the Makefile's closing line.
# Usage: run-units.sh BUILD_DIR test_name...
dir=$1; shift
pass=0; fail=0; bad_bins=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
    if ! "./$dir/$t" >"$log" 2>&1; then
        bad_bins=$((bad_bins + 1))
        echo "FAILED: $dir/$t"
    fi
    cat "$log"
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
    # A binary that crashed reports no tally: count it as one failure.
    [ -z "$p$f" ] && fail=$((fail + 1))
done
echo "unit tests ($dir): $pass passed, $fail failed"
echo "$pass $fail" >>"$dir/tally"
[ "$fail" = 0 ] && [ "$bad_bins" = 0 ]
