#!/bin/sh
# bench.sh - the table printed by `make bench`.
# Usage: tests/bench.sh BUILD_DIR   (e.g. build/release)
# Environment: BENCH_OPS = engine operations per queue size (default 10000000);
#   BENCH_VALIDATE_IMAGES = images (and workloads) of the generated scenario
#   `pullsim validate` reads (default 125000, about 50 MB).
#
# Each row: scenario, N, config, events, wall s, CPU s (user + system),
# events/s (per wall second), peak RSS MB (1 MB = 10^6 B). CPU time and peak
# RSS need GNU time (/usr/bin/time -f); without it those columns show '-'.
# On a shared machine compare CPU s, not wall s. Timing lives here, never in
# a test (STYLE §10). Generated scenarios come from tests/bench-gen.sh.
set -u
dir=${1:?usage: tests/bench.sh BUILD_DIR}
ops=${BENCH_OPS:-10000000}
tmp=${TMPDIR:-/tmp}/pullsim-bench.$$
trap 'rm -rf "$tmp" "$tmp.rss" "$tmp.out" "$tmp.jitter.yaml" "$tmp.gen.yaml" "$tmp.sweep" \
    "$tmp.large.yaml" "$tmp.keys.yaml"' EXIT INT TERM

# header: prints the column names.
header() {
    printf '%-18s %7s %-10s %10s %9s %8s %11s %8s\n' \
        scenario N config events "wall s" "CPU s" "events/s" "RSS MB"
}

# row SCENARIO N CONFIG EVENTS WALL_S EVENTS_PER_S PEAK_RSS_MB
#   Prints one row, with CPU_S (set by measured) as the CPU column. Pass
#   EVENTS_PER_S as '-' to compute it as EVENTS / WALL_S, and PEAK_RSS_MB as
#   '-' when unknown.
row() {
    awk -v s="$1" -v n="$2" -v c="$3" -v ev="$4" -v w="$5" -v r="$6" -v m="$7" \
        -v cpu="${CPU_S:--}" 'BEGIN {
        if (r == "-") r = (w > 0) ? ev / w : 0
        mb = (m == "-") ? "-" : sprintf("%.1f", m)
        cs = (cpu == "-") ? "-" : sprintf("%.2f", cpu)
        printf "%-18s %7s %-10s %10d %9.3f %8s %11.0f %8s\n", s, n, c, ev, w, cs, r, mb
    }'
}

# measured OUT CMD...: runs CMD with its stdout in OUT and sets RSS_MB to its
# peak resident set in MB and CPU_S to its user + system seconds (children,
# e.g. gnuplot, included), or '-' without GNU time. Returns CMD's status.
measured() {
    out=$1
    shift
    if /usr/bin/time -f '%M %U %S' -o "$tmp.rss" true >/dev/null 2>&1; then
        /usr/bin/time -f '%M %U %S' -o "$tmp.rss" "$@" >"$out" || return 1
        RSS_MB=$(awk '{ printf "%.1f", $1 * 1024 / 1e6 }' "$tmp.rss")
        CPU_S=$(awk '{ printf "%.2f", $2 + $3 }' "$tmp.rss")
    else
        "$@" >"$out" || return 1
        RSS_MB=-
        CPU_S=-
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
storm() { # storm N CONFIG SOLVER [SCENARIO [LABEL]]   (SCENARIO: a pull-storm variant)
    run_one "$1" "$2" "$3" "${4:-scenarios/bench/pull-storm.yaml}" "${5:-pull-storm}" \
        --set "nodePools[0].count=$1"
}
# run_one N CONFIG SOLVER FILE LABEL [ARGS...]: one config of FILE, plots off.
run_one() {
    res=$tmp.out
    n=$1 config=$2 solver=$3 file=$4 label=$5
    shift 5
    t0=$(date +%s.%N)
    measured "$tmp" "$dir/pullsim" run "$file" --quiet --no-plots \
        "$@" --config "$config" --net "$solver" --out "$res" ||
        { echo "bench.sh: $label N=$n $config failed" >&2; exit 1; }
    t1=$(date +%s.%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    [ "$RSS_MB" = - ] && RSS_MB=$(awk '{ v = $0; sub(/.*"peakRssKiB": */, "", v); sub(/[^0-9].*/, "", v);
        printf "%.1f", v * 1024 / 1e6 }' "$res/$config/run-info.json")
    row "$label/$solver" "$n" "$config" "$(json_num events "$res/$config/summary.json")" \
        "$wall" - "$RSS_MB"
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

# ---------------------------------------------------------------- irregular
# tests/bench-gen.sh irregular N: 3 registries with lognormal latency, three
# NIC classes, N/5 Deployments of 20 replicas created at random times. Its
# cost was once workloads x nodes (placement) and, with parallel pulls,
# coupled groups x events (bandwidth); both must stay linear.
for n in ${BENCH_NODES:-1000 10000 100000}; do
    sh tests/bench-gen.sh irregular "$n" >"$tmp.gen.yaml"
    for config in A B; do
        run_one "$n" "$config" fast "$tmp.gen.yaml" irregular
    done
done
sh tests/bench-gen.sh irregular 1000 >"$tmp.gen.yaml"
run_one 1000 B exact "$tmp.gen.yaml" irregular

# ---------------------------------------------------------------- multireg
# tests/bench-gen.sh multireg N: every node pulls from 3 registries at once
# (serializeImagePulls false), one of them overloaded: every node's group
# is coupled. The fast solver must never be slower than the exact one.
for n in 1000 3000 ${BENCH_MULTIREG_NODES:-30000}; do
    sh tests/bench-gen.sh multireg "$n" >"$tmp.gen.yaml"
    run_one "$n" P fast "$tmp.gen.yaml" multireg
done
for n in 1000 3000; do
    sh tests/bench-gen.sh multireg "$n" >"$tmp.gen.yaml"
    run_one "$n" P exact "$tmp.gen.yaml" multireg
done

# ---------------------------------------------------------------- full runs
# What a user runs: the whole default run (both configs, plots on, PNG and
# SVG), against the same run with --no-plots; the plots must cost at most a
# fifth more at any N. Skipped without gnuplot. 'config' gives the SVGs'
# largest size in kB (they must stay under 1 MB).
full() { # full N PLOTS(on|off)
    res=$tmp.out
    flag=
    [ "$2" = off ] && flag=--no-plots
    t0=$(date +%s.%N)
    measured "$tmp" "$dir/pullsim" run scenarios/bench/pull-storm.yaml --quiet $flag \
        --set "nodePools[0].count=$1" --out "$res" ||
        { echo "bench.sh: full run N=$1 plots $2 failed" >&2; exit 1; }
    t1=$(date +%s.%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    ev=$(cat "$res"/*/summary.json | sed -n 's/.*"events": *\([0-9]*\).*/\1/p' |
        awk '{ s += $1 } END { print s }')
    svg=$(find "$res" -name '*.svg' -exec wc -c {} + 2>/dev/null |
        awk '$2 != "total" && $1 > m { m = $1 } END { printf "%d", m / 1000 }')
    label="plots $2"
    [ "$2" = on ] && label="svg<=${svg}kB"
    row "full-storm/$2" "$1" "$label" "$ev" "$wall" - "$RSS_MB"
    rm -rf "$res"
}
if command -v gnuplot >/dev/null 2>&1; then
    for n in ${BENCH_NODES:-1000 10000 100000}; do
        full "$n" off
        full "$n" on
    done
else
    echo "bench.sh: gnuplot not found; full runs with plots skipped" >&2
fi

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
    CPU_S=-
    row "sweep200/j$jobs" 1000 "A+Bx100" "$events" "$wall" - -
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
