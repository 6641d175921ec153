#!/bin/sh
# bench.sh - the table printed by `make bench`.
# Usage: tests/bench.sh BUILD_DIR   (e.g. build/release)
# Environment: BENCH_OPS = engine operations per queue size (default 10000000).
#
# Each row: scenario, N, config, events, wall s, events/s, peak RSS MB
# (1 MB = 10^6 B). Peak RSS needs GNU time (/usr/bin/time -f); without it
# the column shows '-'. Timing lives here, never in a test (STYLE §10).
set -u
dir=${1:?usage: tests/bench.sh BUILD_DIR}
ops=${BENCH_OPS:-10000000}
tmp=${TMPDIR:-/tmp}/pullsim-bench.$$
trap 'rm -f "$tmp" "$tmp.rss"' EXIT INT TERM

# header: prints the column names.
header() {
    printf '%-14s %9s %-14s %12s %9s %12s %9s\n' \
        scenario N config events "wall s" "events/s" "RSS MB"
}

# row SCENARIO N CONFIG EVENTS WALL_S EVENTS_PER_S PEAK_RSS_MB
#   Prints one row. Pass EVENTS_PER_S as '-' to compute it as EVENTS / WALL_S,
#   and PEAK_RSS_MB as '-' when unknown.
row() {
    awk -v s="$1" -v n="$2" -v c="$3" -v ev="$4" -v w="$5" -v r="$6" -v m="$7" 'BEGIN {
        if (r == "-") r = (w > 0) ? ev / w : 0
        mb = (m == "-") ? "-" : sprintf("%.1f", m)
        printf "%-14s %9s %-14s %12d %9.3f %12.0f %9s\n", s, n, c, ev, w, r, mb
    }'
}

# measured OUT CMD...: runs CMD with its stdout in OUT and sets RSS_MB to its
# peak resident set in MB, or '-' without GNU time. Returns CMD's status.
measured() {
    out=$1
    shift
    if /usr/bin/time -f %M -o "$tmp.rss" true >/dev/null 2>&1; then
        /usr/bin/time -f %M -o "$tmp.rss" "$@" >"$out" || return 1
        RSS_MB=$(awk '{ printf "%.1f", $1 * 1024 / 1e6 }' "$tmp.rss")
    else
        "$@" >"$out" || return 1
        RSS_MB=-
    fi
}

# field NAME FILE: the value of NAME=VALUE in FILE's first line (units stripped).
field() {
    sed -n "1s/.*[[:space:]]$1=\\([0-9.]*\\).*/\\1/p" "$2"
}

header

# ---------------------------------------------------------------- engine
# Hold model (tests/bench_engine.c): N = pending events, events = operations,
# each a pop plus a schedule. One process per N, so RSS is that N's alone.
for pending in 1000 100000 1000000; do
    measured "$tmp" "$dir/bench_engine" "$ops" "$pending" ||
        { echo "bench.sh: $dir/bench_engine failed" >&2; exit 1; }
    row engine-hold "$pending" 4-ary-heap "$(field ops "$tmp")" "$(field wall "$tmp")" - "$RSS_MB"
done

# ---------------------------------------------------------------- pull-storm
# Pull-storm(N) rows (spec/pull-storm.md) go here: run pullsim through
# 'measured', read its event count and wall time, then call
#   row pull-storm "$n" "$config" "$events" "$wall" - "$RSS_MB"
