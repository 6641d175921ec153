#!/bin/sh
# bench.sh - the table printed by `make bench`.
# Usage: tests/bench.sh BUILD_DIR   (e.g. build/release)
# Environment: BENCH_OPS = engine operations per queue size (default 10000000);
#   BENCH_VALIDATE_IMAGES = images (and workloads) of the generated scenario
#   `pullsim validate` reads (default 125000, about 50 MB).
#
# Each row: scenario, N, config, events, wall s, events/s, peak RSS MB
# (1 MB = 10^6 B). Peak RSS needs GNU time (/usr/bin/time -f); without it
# the column shows '-'. Timing lives here, never in a test (STYLE §10).
set -u
dir=${1:?usage: tests/bench.sh BUILD_DIR}
ops=${BENCH_OPS:-10000000}
tmp=${TMPDIR:-/tmp}/pullsim-bench.$$
trap 'rm -rf "$tmp" "$tmp.rss" "$tmp.out" "$tmp.jitter.yaml" "$tmp.large.yaml" "$tmp.keys.yaml"' EXIT INT TERM

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
    row engine-hold "$pending" radix-heap "$(field ops "$tmp")" "$(field wall "$tmp")" - "$RSS_MB"
done

# ---------------------------------------------------------------- pull-storm
# scenarios/bench/pull-storm.yaml (spec/pull-storm.md) at several N, each
# config in its own process so that peak RSS is that run's alone. Wall time
# is the whole process (load, run, result files), plots off. The 'exact'
# rows use the reference solver (--net exact), where it finishes quickly.
# BENCH_NODES overrides the list of N.
json_num() { # json_num KEY FILE: first number after "KEY":
    sed -n "s/.*\"$1\": *\([0-9.]*\).*/\1/p" "$2" | head -n 1
}
storm() { # storm N CONFIG SOLVER [SCENARIO [LABEL]]
    res=$tmp.out
    file=${4:-scenarios/bench/pull-storm.yaml}
    t0=$(date +%s.%N)
    measured "$tmp" "$dir/pullsim" run "$file" --quiet --no-plots \
        --set "nodePools[0].count=$1" --config "$2" --net "$3" --out "$res" ||
        { echo "bench.sh: pull-storm N=$1 $2 failed" >&2; exit 1; }
    t1=$(date +%s.%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    [ "$RSS_MB" = - ] && RSS_MB=$(awk '{ v = $0; sub(/.*"peakRssKiB": */, "", v); sub(/[^0-9].*/, "", v);
        printf "%.1f", v * 1024 / 1e6 }' "$res/$2/run-info.json")
    row "${5:-pull-storm}/$3" "$1" "$2" "$(json_num events "$res/$2/summary.json")" "$wall" - "$RSS_MB"
    rm -rf "$res"
}
for n in ${BENCH_NODES:-1000 10000 100000}; do
    for config in A B; do
        storm "$n" "$config" fast
    done
done
for config in A B; do
    storm 1000 "$config" exact
done
# The same storm with lognormal request latency (median 20 ms, sigma 0.5):
# nodes no longer move in lock-step, so every event re-shares bandwidth at
# its own instant. This is where the incremental solver matters.
sed 's/^    latency: 20ms$/    latency: {dist: lognormal, median: 20ms, sigma: 0.5}/' \
    scenarios/bench/pull-storm.yaml >"$tmp.jitter.yaml"
for solver in fast exact; do
    storm 3000 A "$solver" "$tmp.jitter.yaml" storm-jitter
done
storm 100000 A fast "$tmp.jitter.yaml" storm-jitter

# ---------------------------------------------------------------- sweep
# An experiment of 200 runs: pull-storm N=1,000, both configs, 100
# replications, summary-only (runs/K/ holds summary.json and row.csv),
# plots off, at --jobs 1 and --jobs 2 (target: under 15 s at --jobs 2 on
# 2 cores). Events = the sum over the runs (runs.csv).
for jobs in 1 2; do
    res=$tmp.sweep
    rm -rf "$res"
    t0=$(date +%s.%N)
    "$dir/pullsim" run scenarios/bench/pull-storm.yaml --quiet --no-plots \
        --set "nodePools[0].count=1000" --replications 100 --jobs "$jobs" --out "$res" ||
        { echo "bench.sh: sweep --jobs $jobs failed" >&2; exit 1; }
    t1=$(date +%s.%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    events=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "events") c = i; next }
        { s += $c } END { printf "%d", s }' "$res/runs.csv")
    row "sweep200/j$jobs" 1000 "A+B x100" "$events" "$wall" - -
    rm -rf "$res"
done

# ---------------------------------------------------------------- validate
# Validation cost must grow with the file, not faster (issue 15): a valid
# generated scenario of N images (4 layers each, shared bases), N
# Deployments and N/100 pools, about 400 bytes per image and workload
# (N = 125000: about 50 MB), and a file of 200,000 unknown top-level keys
# (every one an error; 20 are printed). Rows: file, MB (10^6 B), wall s,
# MB/s, peak RSS MB. The files are generated here, never committed.
gen_large() { # gen_large N: the valid scenario on stdout
    awk -v n="$1" 'BEGIN {
      print "name: large"; print "seed: 1"; print "registries:"
      for (r = 0; r < 100; r++) { print "  - host: reg" r ".example"
        print "    egressBandwidth: 10Gbps"; print "    latency: 20ms" }
      print "images:"
      for (i = 0; i < n; i++) {
        print "  - ref: reg" (i % 100) ".example/team" (i % 977) "/app-" i ":v1"
        print "    layers:"
        print "      - {id: base-" (i % 50) ", size: 40MB}"
        print "      - {id: runtime-" (i % 1000) ", size: 60MB}"
        print "      - {id: app-" i ", size: 30MB}"
        print "      - {id: config-" i ", size: 10MB}"
      }
      print "kubeletConfigs:"; print "  A: {serializeImagePulls: true}"
      print "nodePools:"
      pools = int(n / 100) + 1
      for (p = 0; p < pools; p++) { print "  - name: pool-" p; print "    count: 10"
        print "    nicBandwidth: 1Gbps" }
      print "workloads:"
      for (i = 0; i < n; i++) {
        print "  - name: wl-" i; print "    kind: Deployment"; print "    replicas: 1"
        print "    pool: pool-" (i % pools); print "    template:"; print "      containers:"
        print "        - {name: c, image: reg" (i % 100) ".example/team" (i % 977) "/app-" i ":v1}"
      }
    }'
}
vrow() { # vrow FILE LABEL EXPECTED_STATUS
    t0=$(date +%s.%N)
    if /usr/bin/time -f %M -o "$tmp.rss" true >/dev/null 2>&1; then
        /usr/bin/time -f %M -o "$tmp.rss" "$dir/pullsim" validate "$1" >/dev/null 2>&1
        rc=$?
        RSS_MB=$(awk 'END { printf "%.1f", $1 * 1024 / 1e6 }' "$tmp.rss")
    else
        "$dir/pullsim" validate "$1" >/dev/null 2>&1
        rc=$?
        RSS_MB=-
    fi
    t1=$(date +%s.%N)
    [ "$rc" = "$3" ] || { echo "bench.sh: validate $2: status $rc, expected $3" >&2; exit 1; }
    awk -v f="$2" -v b="$(wc -c <"$1")" -v a="$t0" -v z="$t1" -v m="$RSS_MB" 'BEGIN {
        w = z - a; printf "%-26s %9.1f %9.3f %9.1f %9s\n", f, b / 1e6, w, b / 1e6 / w, m }'
}
gen_large "${BENCH_VALIDATE_IMAGES:-125000}" >"$tmp.large.yaml"
{ echo "name: keys"; awk 'BEGIN { for (i = 0; i < 200000; i++) print "unknownKey" i ": 1" }'; } \
    >"$tmp.keys.yaml"
echo
printf '%-26s %9s %9s %9s %9s\n' "validate" "MB" "wall s" "MB/s" "RSS MB"
vrow "$tmp.large.yaml" "generated-valid" 0
vrow "$tmp.keys.yaml" "200k-unknown-keys" 2
