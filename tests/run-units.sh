#!/bin/sh
# Runs cmocka unit binaries from one build folder, from the repository root
# (tests read vectors from $PULLSIM_VECTORS, default ../shared/spec/vectors).
# Prints a closing tally. Usage: run-units.sh BUILD_DIR test_name...
dir=$1; shift
pass=0; fail=0
for t in "$@"; do
    if "./$dir/$t"; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAILED: $dir/$t"; fi
done
echo "unit binaries ($dir): $pass passed, $fail failed"
[ "$fail" = 0 ]
