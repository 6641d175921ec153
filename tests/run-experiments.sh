#!/bin/sh
# End-to-end checks of experiments. Usage: run-experiments.sh PULLSIM [engines]
#  - replications: the CI and paired difference in summary.json equal those
#    computed here by awk from runs.csv (t quantile from a printed table);
#  - --jobs 1, --jobs 2 and --run-index K alone give byte-identical files;
#  - a sweep grid's run indices and values; bad sweeps exit 2, write nothing;
#  - an experiment section in the scenario file, and the command line over it;
#  - collect lists a missing run, exits 3, and the resumed result is identical;
#  - single runs: never-ready pods in the percentiles, the horizon warning,
#    --format json;
#  - with 'engines': the same sweep through GNU parallel and through a real
#    Slurm (tests/slurm-local.sh) merges byte-identically to --jobs 1.
set -u
bin=$1
engines=${2:-}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
. tests/checks.sh
tmp=$(mktemp -d)
slurmdir=
cleanup() {
    [ -n "$slurmdir" ] && sh tests/slurm-local.sh stop "$slurmdir"
    rm -rf "$tmp"
}
trap cleanup EXIT

same() { # same DIR1 DIR2 WHAT: the merged files and every run's files are identical
    for f in runs.csv summary.json summary.txt; do
        if ! cmp -s "$1/$f" "$2/$f"; then bad "$3: $f differs"; return; fi
    done
    if diff -r "$1/runs" "$2/runs" >/dev/null; then ok; else bad "$3: runs/ differ"; fi
}

# ---------------------------------------------------------------- replications
q="$bin run scenarios/quickstart.yaml --no-plots --quiet --replications 5"
$q --out "$tmp/r1" || bad "replications --jobs 1"
$q --out "$tmp/r2" --jobs 2 || bad "replications --jobs 2"
same "$tmp/r1" "$tmp/r2" "--jobs 1 vs --jobs 2"
rows=$(($(wc -l <"$tmp/r1/runs.csv") - 1))
[ "$rows" = 10 ] && ok || bad "runs.csv has $rows rows, expected 5 seeds x 2 configs"

# Mean, sd and 95% CI of p95_s for serial, and of serial - parallel5, by awk.
# t_{0.975,4} = 2.776445 (NIST/SEMATECH table), not GSL.
awk -F, -v t=2.776445 '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { v[$col["config"], $col["replication"]] = $col["p95_s"] }
    END {
        for (r = 0; r < 5; r++) { s += v["serial", r]; d[r] = v["serial", r] - v["parallel5", r]; sd_ += d[r] }
        m = s / 5; md = sd_ / 5
        for (r = 0; r < 5; r++) { q += (v["serial", r] - m) ^ 2; qd += (d[r] - md) ^ 2 }
        sd = sqrt(q / 4); sdd = sqrt(qd / 4)
        printf "%.6f %.6f %.6f %.6f\n", m, sd, m - t * sd / sqrt(5), m + t * sd / sqrt(5)
        printf "%.6f %.6f %.6f %.6f\n", md, sdd, md - t * sdd / sqrt(5), md + t * sdd / sqrt(5)
    }' "$tmp/r1/runs.csv" >"$tmp/awk.txt"
# summary.json: the serial block's p95_s, then the pair's p95_s.
sed -n 's/.*"serial": {.*"p95_s": {"n": 5, "notReached": 0, "mean": \([0-9.]*\), "sd": \([0-9.]*\), "ci95": \[\([0-9.]*\), \([0-9.]*\)\].*/\1 \2 \3 \4/p' \
    "$tmp/r1/summary.json" >"$tmp/json.txt"
sed -n 's/.*"first": "serial", "second": "parallel5".*"p95_s": {"n": 5, "notReached": 0, "mean": \([0-9.-]*\), "sd": \([0-9.]*\), "ci95": \[\([0-9.-]*\), \([0-9.-]*\)\].*/\1 \2 \3 \4/p' \
    "$tmp/r1/summary.json" >>"$tmp/json.txt"
if [ "$(wc -l <"$tmp/json.txt")" = 2 ] && awk 'NR == FNR { for (i = 1; i <= 4; i++) a[FNR, i] = $i; next }
        { for (i = 1; i <= 4; i++) if ((a[FNR, i] - $i) > 2e-6 || ($i - a[FNR, i]) > 2e-6) bad = 1 }
        END { exit bad }' "$tmp/awk.txt" "$tmp/json.txt"; then ok; else
    bad "CI/paired numbers: awk $(tr '\n' '|' <"$tmp/awk.txt") json $(tr '\n' '|' <"$tmp/json.txt")"; fi
grep -q '"firstWins": 0, "secondWins": 5, "ties": 0' "$tmp/r1/summary.json" && ok ||
    bad "parallel5 does not win all 5 seeds on p95_s"

# One run redone alone gives the same bytes.
mkdir -p "$tmp/alone"
$q --out "$tmp/alone" --run-index 7 || bad "--run-index 7"
if cmp -s "$tmp/alone/runs/7/row.csv" "$tmp/r1/runs/7/row.csv" &&
   cmp -s "$tmp/alone/runs/7/summary.json" "$tmp/r1/runs/7/summary.json"; then ok; else
    bad "--run-index 7 alone differs from the same run in the experiment"; fi

# ---------------------------------------------------------------- sweeps
s="$bin run scenarios/quickstart.yaml --no-plots --quiet --replications 2"
$s --sweep 'workloads[1].replicas=6..12+6' --sweep 'nodePools[0].count=2,4' --out "$tmp/g" ||
    bad "grid sweep"
# Run 13 = point 3 (replicas 12, count 4), replication 0, config parallel5.
if grep -q '^13,12,4,parallel5,0,42,' "$tmp/g/runs.csv"; then ok; else
    bad "grid: run 13 is not (12, 4, parallel5, rep 0): $(sed -n 15p "$tmp/g/runs.csv")"; fi
for args in "--sweep nodePools[0].count=abc" "--sweep nodePools[0].count=5..1" \
            "--sweep nope" "--replications 0" "--seeds x" "--jobs 0" "--bound p42<=1s" \
            "--sweep nodePools[9].count=1,2" "--emit mpi" "--run-index 99"; do
    # shellcheck disable=SC2086
    $s $args --out "$tmp/bad-sweep" >/dev/null 2>&1
    rc=$?
    if [ "$rc" = 2 ] && [ ! -e "$tmp/bad-sweep/plan.args" ]; then ok; else bad "'$args': exit $rc"; fi
done
# Another plan into the same folder is refused.
$s --sweep 'workloads[1].replicas=6' --out "$tmp/g" 2>"$tmp/err"
[ $? = 2 ] && grep -q "holds another experiment" "$tmp/err" && ok || bad "second plan into one folder"

# An experiment section in the file: 2 counts x 2 replications, every pod
# ready at 1.040 s (the file derives it); --replications 3 replaces the
# file's 2.
e=tests/scenarios/ok/experiment.yaml
"$bin" run "$e" --no-plots --quiet --out "$tmp/fx" || bad "experiment section"
if [ "$(($(wc -l <"$tmp/fx/runs.csv") - 1))" = 4 ] &&
   awk -F, 'NR > 1 && $12 != "1.040000" { exit 1 }' "$tmp/fx/runs.csv" &&
   grep -q '"byMean": "2"' "$tmp/fx/summary.json"; then ok; else
    bad "experiment section: not 4 runs at 1.040 s with capacity 2"; fi
"$bin" run "$e" --no-plots --quiet --replications 3 --out "$tmp/fx3" || bad "experiment --replications 3"
[ "$(($(wc -l <"$tmp/fx3/runs.csv") - 1))" = 6 ] && ok || bad "--replications 3 did not replace the file's 2"

# ---------------------------------------------------------------- collect, resume
p="$bin run scenarios/quickstart.yaml --no-plots --quiet --seeds 1..3 --sweep workloads[1].replicas=6,18"
$p --out "$tmp/p1" || bad "sweep --jobs 1"
$p --out "$tmp/p2" --emit parallel || bad "--emit parallel"
[ "$(wc -l <"$tmp/p2/jobs.txt")" = 12 ] && ok || bad "jobs.txt has not 12 lines"
sh -c "$(sed -n 4p "$tmp/p2/jobs.txt")" || bad "job line 4"
"$bin" collect "$tmp/p2" >/dev/null 2>"$tmp/err"
rc=$?
if [ "$rc" = 3 ] && [ "$(wc -l <"$tmp/p2/missing.txt")" = 11 ] && grep -q "11 of 12 runs missing" "$tmp/err"
then ok; else bad "collect of 1 of 12 runs: exit $rc"; fi
sh "$tmp/p2/jobs-missing.txt" || bad "running jobs-missing.txt"
"$bin" collect "$tmp/p2" >/dev/null || bad "collect after resume"
same "$tmp/p1" "$tmp/p2" "resumed sweep vs --jobs 1"
[ ! -e "$tmp/p2/missing.txt" ] && ok || bad "missing.txt left after a complete collect"

# ---------------------------------------------------------------- single runs
"$bin" run scenarios/dockerhub-nat.yaml --no-plots --out "$tmp/nat" >"$tmp/nat.out" 2>"$tmp/nat.err" ||
    bad "dockerhub-nat run"
grep -q "warning: config 'default': the horizon .* cut the run short with 15 of 115 pods not ready" \
    "$tmp/nat.err" && ok || bad "no horizon warning: $(cat "$tmp/nat.err")"
grep -q '"cutShort": true' "$tmp/nat/default/summary.json" && ok || bad "summary.json: cutShort"
grep -q '"p90": null, "p95": null, "p99": null, "max": null' "$tmp/nat/default/summary.json" && ok ||
    bad "summary.json: p90..max not null with 15 of 115 pods never ready"
awk '$1 == "default" && $2 == "100/115" && $5 == ">horizon" && $7 == ">horizon" { f = 1 } END { exit !f }' \
    "$tmp/nat.out" && ok || bad "table: p90/p99 not '>horizon': $(cat "$tmp/nat.out")"
"$bin" run scenarios/quickstart.yaml --no-plots --out "$tmp/qj" --format json >"$tmp/qj.json" 2>"$tmp/qj.err"
if head -c 1 "$tmp/qj.json" | grep -q '\[' && [ "$(grep -c '"scenario": "quickstart"' "$tmp/qj.json")" = 2 ] &&
   tail -n 1 "$tmp/qj.json" | grep -q '^}]$' && [ ! -s "$tmp/qj.err" ]; then ok; else
    bad "--format json: not an array of two summaries, or warnings"; fi

# pullsim sweep: always an experiment; a run the horizon cut is counted,
# its percentiles are "inf" in runs.csv.
"$bin" sweep tests/scenarios/ok/always-fails.yaml --no-plots --quiet --out "$tmp/sw" 2>"$tmp/sw.err" ||
    bad "pullsim sweep"
if grep -q "warning: the horizon cut 1 of 1 runs short" "$tmp/sw.err" &&
   awk -F, 'NR == 2 && $8 == "" && $9 == "inf" && $20 == 1 { f = 1 } END { exit !f }' "$tmp/sw/runs.csv"
then ok; else bad "sweep of always-fails: no horizon warning, or p50 not inf: $(cat "$tmp/sw.err")"; fi

# ---------------------------------------------------------------- engines
if [ -n "$engines" ]; then
    # GNU parallel runs the job list; collect merges.
    $p --out "$tmp/gp" --emit parallel || bad "--emit parallel"
    parallel --will-cite -j 2 <"$tmp/gp/jobs.txt" || bad "GNU parallel failed"
    "$bin" collect "$tmp/gp" >/dev/null || bad "collect after GNU parallel"
    same "$tmp/p1" "$tmp/gp" "GNU parallel vs --jobs 1"

    # A real Slurm on localhost runs the job array.
    slurmdir=$tmp/slurm
    if conf=$(sh tests/slurm-local.sh start "$slurmdir"); then
        eval "$conf"
        $p --out "$tmp/sl" --emit slurm || bad "--emit slurm"
        if sbatch --wait "$tmp/sl/slurm.sh" >/dev/null; then ok; else bad "sbatch --wait failed"; fi
        "$bin" collect "$tmp/sl" >/dev/null || bad "collect after Slurm"
        same "$tmp/p1" "$tmp/sl" "Slurm vs --jobs 1"
    else
        bad "cannot start a local Slurm (see $slurmdir/log)"
    fi
fi

checks_tally experiment "$bin" "$1"
