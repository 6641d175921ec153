#!/bin/sh
# run.sh - runs libFuzzer harnesses for a while each and reports.
#   run.sh SECONDS BUILD/fuzz/fuzz_NAME...   fuzz each for SECONDS
#   run.sh --probe CC                        0 if CC builds libFuzzer programs
# Each harness starts from the committed corpus tests/fuzz/corpus/NAME/ (with
# the dictionary tests/fuzz/scenario.dict, but for imageref) and
# keeps what it learns in build/fuzz/corpus/NAME/ (never committed). A
# crash, leak, sanitizer report, timeout (10 s) or out-of-memory (2 GB)
# fails the run; the input is kept as build/fuzz/artifacts/NAME-*: minimise
# it (FUZZER -minimize_crash=1 INPUT), fix the bug, and add the input to
# tests/scenarios/bad/ (README "Fuzzing").
# Prints one line per harness: executions, coverage (edges, as libFuzzer's
# "cov:"), features, corpus size, and appends "passed failed" to
# build/fuzz/tally.
set -u
if [ "${1:-}" = --probe ]; then
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\n%s\n' \
        'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
        >"$dir/p.c"
    command -v "$2" >/dev/null 2>&1 &&
        "$2" -fsanitize=fuzzer,address,undefined "$dir/p.c" -o "$dir/p" >/dev/null 2>&1
    exit
fi
seconds=${1:?usage: run.sh SECONDS FUZZER...}
shift
pass=0; fail=0
mkdir -p build/fuzz/artifacts
for fz in "$@"; do
    name=${fz##*/fuzz_}
    work=build/fuzz/corpus/$name
    mkdir -p "$work"
    log=build/fuzz/$name.log
    # The scenario keys help every harness but the reference parser's.
    dict=
    [ "$name" = imageref ] || dict=-dict=tests/fuzz/scenario.dict
    # shellcheck disable=SC2086 # $dict is one word or none
    "$fz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$name-" $dict \
        "$work" "tests/fuzz/corpus/$name" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
    [ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$done_line" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
    if [ "$rc" = 0 ]; then
        pass=$((pass + 1))
        printf 'fuzz %-9s %4ss: %s execs, cov %s edges, ft %s, corpus %s\n' \
            "$name" "$seconds" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
    else
        fail=$((fail + 1))
        echo "FAIL: fuzz $name (status $rc); log $log, input build/fuzz/artifacts/$name-*:"
        grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5
    fi
done
echo "$pass $fail" >>build/fuzz/tally
[ "$fail" = 0 ]
