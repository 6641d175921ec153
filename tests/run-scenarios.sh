#!/bin/sh
# End-to-end checks of the pullsim binary. Usage: run-scenarios.sh PULLSIM
#  - every tests/scenarios/bad/*.yaml: exit 2, its first error at the
#    "# expect: LINE:COL: substring" of its first line, nothing written;
#  - bad command lines: exit 2, nothing written;
#  - the shipped scenarios validate; quickstart runs and writes every file;
#  - determinism: the same scenario and seed twice give identical files
#    (quickstart and the fault scenarios);
#  - the back-off timeline of an always-failing registry, read from pulls.csv;
#  - RuntimeClass image keys: scenarios/runtimeclass.yaml's pulls per runtime
#    handler, read from pulls.csv and summary.json, gate off and on;
#  - private registries and credentials: scenarios/private-registry.yaml per
#    kubelet config (pods, requests, verification pulls, 401s, trace);
#  - atomic output: no *.tmp file is left behind; result folders all or
#    nothing, one writer at a time (tests/run-outdir.sh).
set -u
bin=$1
. tests/checks.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in tests/scenarios/bad/*.yaml; do
    [ -e "$f" ] || continue
    want=$(head -n 1 "$f" | sed -n 's/^# expect: //p')
    loc=${want%%: *}
    sub=${want#*: }
    out="$tmp/out-bad"
    "$bin" run "$f" --out "$out" --no-plots >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    first=$(grep -m 1 ': error: ' "$tmp/stderr")
    if [ "$rc" != 2 ]; then bad "$f: exit $rc, expected 2"; continue; fi
    case "$first" in
        "$f:$loc: error: "*"$sub"*) ;;
        *) bad "$f: first error '$first', expected '$f:$loc: error: ...$sub...'"; continue ;;
    esac
    if [ -e "$out" ]; then bad "$f: wrote $out"; continue; fi
    ok
done

# Bad command lines.
for args in "run" "run scenarios/quickstart.yaml --seed x" "run scenarios/quickstart.yaml --set nope" \
            "run scenarios/quickstart.yaml --config nosuch" "frobnicate" \
            "run scenarios/quickstart.yaml --set nodePools[0].count=abc" \
            "run scenarios/quickstart.yaml --set nodePools[7].count=1"; do
    # shellcheck disable=SC2086
    "$bin" $args --out "$tmp/out-cli" >/dev/null 2>&1
    rc=$?
    if [ "$rc" = 2 ] && [ ! -e "$tmp/out-cli" ]; then ok; else bad "'$args': exit $rc"; fi
done

# Shipped scenarios validate.
for f in scenarios/*.yaml scenarios/bench/*.yaml; do
    if "$bin" validate "$f" >/dev/null 2>"$tmp/stderr"; then ok; else
        bad "validate $f: $(cat "$tmp/stderr")"; fi
done

# quickstart runs, writes every file, twice identically.
for i in 1 2; do
    "$bin" run scenarios/quickstart.yaml --out "$tmp/q$i" --no-plots --quiet || bad "quickstart run $i"
done
for c in serial parallel5; do
    for file in pods.csv pulls.csv timeseries.csv summary.json scenario.yaml run-info.json; do
        [ -s "$tmp/q1/$c/$file" ] || bad "quickstart: missing $c/$file"
    done
    for file in pods.csv pulls.csv timeseries.csv summary.json scenario.yaml; do
        if cmp -s "$tmp/q1/$c/$file" "$tmp/q2/$c/$file"; then ok; else
            bad "determinism: $c/$file differs between two runs"; fi
    done
done
if [ -n "$(find "$tmp/q1" -name '*.tmp*')" ]; then bad "temporary files left"; else ok; fi

# A different seed changes the random draws (latency is lognormal).
"$bin" run scenarios/quickstart.yaml --out "$tmp/q3" --seed 7 --no-plots --quiet
if cmp -s "$tmp/q1/serial/pulls.csv" "$tmp/q3/serial/pulls.csv"; then
    bad "seed 7 gave the same pulls as seed 42"; else ok; fi

# The effective scenario re-runs to the same results.
"$bin" run "$tmp/q1/serial/scenario.yaml" --config serial --out "$tmp/q4" --no-plots --quiet ||
    bad "effective scenario does not run"
if cmp -s "$tmp/q1/serial/pods.csv" "$tmp/q4/serial/pods.csv"; then ok; else
    bad "effective scenario gives other results"; fi

# The back-off timeline, from the pulls.csv the binary writes: attempt 1 at
# 0 s, then attempt k+1 after failure k within [lo, hi) of the table below
# (and [300, 316) from the 7th attempt on); every pull failed with
# ErrImagePull and a 503 text; pods.csv counts the attempts.
"$bin" run tests/scenarios/ok/always-fails.yaml --out "$tmp/af" --no-plots --quiet ||
    bad "always-fails does not run"
if awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    {
        n++
        if ($col["result"] != "failed" || $col["reason"] != "ErrImagePull" ||
            index($col["error"], "503 Service Unavailable") == 0) { print "pull " n ": " $0; bad = 1 }
        req = $col["requested_s"] + 0
        if (n == 1 && req != 0) { print "first attempt at " req; bad = 1 }
        if (n > 1) {
            k = n - 1 < 6 ? n - 1 : 6
            split("10 20 40 80 160 300", lo, " "); split("16 31 56 96 176 316", hi, " ")
            gap = req - prev
            if (gap < lo[k] || gap >= hi[k]) { print "attempt " n ": " gap " s after failure"; bad = 1 }
        }
        prev = $col["finished_s"] + 0
    }
    END { if (n < 12) { print n " attempts"; bad = 1 }; exit bad }' "$tmp/af/default/pulls.csv"
then ok; else bad "always-fails: pulls.csv does not follow the back-off timeline"; fi
attempts=$(awk -F, 'NR == 2 { print $8 }' "$tmp/af/default/pods.csv")
pulls=$(($(wc -l <"$tmp/af/default/pulls.csv") - 1))
if [ "$attempts" = "$pulls" ]; then ok; else bad "always-fails: attempts $attempts, pulls $pulls"; fi

# The fault scenarios run twice to identical files.
for s in registry-outage dockerhub-nat; do
    for i in 1 2; do
        "$bin" run "scenarios/$s.yaml" --out "$tmp/$s$i" --no-plots --quiet || bad "$s run $i"
    done
    for file in pods.csv pulls.csv timeseries.csv summary.json; do
        if cmp -s "$tmp/${s}1/default/$file" "$tmp/${s}2/default/$file"; then ok; else
            bad "determinism: $s $file differs between two runs"; fi
    done
done

# gc-thrash (disk capacity, image GC): twice to identical files, disk.csv
# written with one row per node per sample, the GC counts in summary.json,
# and the disk columns at the end of timeseries.csv.
for i in 1 2; do
    "$bin" run scenarios/gc-thrash.yaml --out "$tmp/gc$i" --no-plots --quiet || bad "gc-thrash run $i"
done
for c in tight default; do
    for file in pods.csv pulls.csv timeseries.csv summary.json disk.csv; do
        if cmp -s "$tmp/gc1/$c/$file" "$tmp/gc2/$c/$file"; then ok; else
            bad "determinism: gc-thrash $c/$file differs between two runs"; fi
    done
done
if grep -q '"repullsAfterGC": 12,' "$tmp/gc1/tight/summary.json" &&
   grep -q '"repullsAfterGC": 0,' "$tmp/gc1/default/summary.json"; then ok; else
    bad "gc-thrash: repullsAfterGC not 12 (tight) and 0 (default)"; fi
if head -n 1 "$tmp/gc1/tight/disk.csv" | grep -q '^t_s,node,used_bytes,' &&
   awk -F, 'NR > 1 && $2 !~ /^[0-3]$/ { exit 1 }' "$tmp/gc1/tight/disk.csv"; then ok; else
    bad "gc-thrash: disk.csv header or node column"; fi
if head -n 1 "$tmp/gc1/tight/timeseries.csv" |
   grep -q ',small_disk_used_pct_max,registry.example.com_egress_Bps,registry.example.com_capacity_Bps,registry.k8s.io_egress_Bps,registry.k8s.io_capacity_Bps$'
then ok; else
    bad "gc-thrash: timeseries.csv lacks the pool disk columns, then per registry egress and capacity, at the end"; fi
# Per registry egress adds up to the total, and the capacity follows the
# scenario's egressBandwidth (10 Gbps = 1.25e9 B/s for both registries).
if awk -F, 'NR > 1 { d = $2 - ($14 + $16); if (d > 1 || d < -1 || $15 != 1250000000 || $17 != 1250000000) exit 1 }' \
       "$tmp/gc1/tight/timeseries.csv"; then ok; else
    bad "gc-thrash: per registry egress does not add up to the total, or capacity is not 1.25e9 B/s"; fi
# The capacity column follows a change of egressBandwidth from its time on.
"$bin" run scenarios/quickstart.yaml --config serial --out "$tmp/cap" --no-plots --quiet \
    --set 'registries[0].changes=[{at: 10s, egressBandwidth: 1Gbps}]' || bad "quickstart with a change"
if awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "registry.example.com_capacity_Bps") c = i; next }
            ($1 < 10 && $c != 1250000000) || ($1 >= 10 && $c != 125000000) { exit 1 }
            END { exit !c }' "$tmp/cap/serial/timeseries.csv"; then ok; else
    bad "timeseries capacity does not follow registries[0].changes"; fi
if [ -e "$tmp/q1/serial/disk.csv" ]; then bad "quickstart (no capacity) wrote disk.csv"; else ok; fi

# pod-start (numbers in its header): stock nodes (0-2) ready at 0.880 s;
# minimal nodes (3-5) wait for the sandbox image through a 90 s outage of
# its registry, then pull it (0.203 s) and the app (0.880 s): ready in
# [91, 107) s with one kubelet pull each, 0.880 s after their sandbox; the typo'd web pods wait with
# InvalidImageName, never ready, no pull; twice to identical files; without
# acceptInvalidImage the scenario is refused at the typo.
for i in 1 2; do
    "$bin" run scenarios/pod-start.yaml --out "$tmp/ps$i" --no-plots --quiet \
        --trace "$tmp/ps$i.trace" || bad "pod-start run $i"
done
for file in pods.csv pulls.csv summary.json; do
    if cmp -s "$tmp/ps1/default/$file" "$tmp/ps2/default/$file"; then ok; else
        bad "determinism: pod-start $file differs between two runs"; fi
done
if awk -F, 'NR == 1 { if ($13 != "waiting") exit 1; next }
    $2 == "agent" && $3 <= 2 && $6 != "0.880000" { exit 1 }
    $2 == "agent" && $3 >= 3 && ($6 < 91 || $6 >= 107 || $8 != 1) { exit 1 }
    $2 == "agent" && ($13 != "" || $5 - $14 < 0.8799995 || $5 - $14 > 0.8800005) { exit 1 }
    $2 == "agent" && $3 <= 2 && $14 != "0.000000" { exit 1 }
    $2 == "web" && ($5 != "" || $8 != 0 || $13 != "InvalidImageName") { exit 1 }
    END { if (NR != 9) exit 1 }' "$tmp/ps1/default/pods.csv"; then ok; else
    bad "pod-start: pods.csv"; fi
if grep -q '"invalidImageName": 2}' "$tmp/ps1/default/summary.json"; then ok; else
    bad "pod-start: summary.json lacks pods.invalidImageName 2"; fi
# (The trace's message starts on the line after its header when it is long.)
if grep -A1 'InvalidImageName  Warning InspectFailed$' "$tmp/ps1.trace" |
       grep -q '^ *Failed to apply default image tag "registry.example.com/Shop/web:v2"' &&
   grep -q 'InvalidImageName  Warning Failed  Error: InvalidImageName$' "$tmp/ps1.trace" &&
   grep -A2 'ContainerCreating Warning FailedCreatePodSandBox$' "$tmp/ps1.trace" |
       grep -q 'failed to pull image$\|failed to pull image "registry.k8s.io/pause:3.10"\|^ *"registry.k8s.io/pause:3.10"'
then ok; else bad "pod-start: trace lacks InspectFailed, its Error: InvalidImageName or FailedCreatePodSandBox"; fi
"$bin" validate scenarios/pod-start.yaml \
    --set 'workloads[1].template.containers[0].acceptInvalidImage=false' 2>"$tmp/stderr"
rc=$?
if [ "$rc" = 2 ] && grep -q "image: 'registry.example.com/Shop/web:v2' is not a valid image reference" \
        "$tmp/stderr"; then ok; else bad "pod-start without acceptInvalidImage: exit $rc"; fi

# tag-moves (mutable tags): twice to identical files; the version skew the
# scenario's header derives: web 6 pods on v1 and 3 on the new build, worker
# the same, web-always 6 on the new build fetching only the 25 MB layer,
# web-pinned 9 on v1 by digest, 3 of them pulled fetching only v1's 20 MB,
# worker-ifnp (IfNotPresent on :latest) 6 on the old build, 3 on the new;
# the trace says why on the old nodes.
for i in 1 2; do
    "$bin" run scenarios/tag-moves.yaml --out "$tmp/tm$i" --no-plots --quiet \
        --trace "$tmp/tmtrace.jsonl" || bad "tag-moves run $i"
done
for file in pods.csv pulls.csv timeseries.csv summary.json versions.csv; do
    if cmp -s "$tmp/tm1/default/$file" "$tmp/tm2/default/$file"; then ok; else
        bad "determinism: tag-moves $file differs between two runs"; fi
done
v1=sha256:a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1
if awk -F, -v v1="$v1" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { wl = $col["workload"]; d = $col["digests"]
      if (!((wl, d) in n)) kinds[wl]++
      n[wl, d]++
      if (wl == "web" && d != v1) web_new = d
      if (wl == "worker" && !(wl in first)) first[wl] = d }
    END { exit !(n["web", v1] == 6 && n["web", web_new] == 3 && kinds["web"] == 2 &&
                 n["worker", first["worker"]] == 6 && kinds["worker"] == 2 &&
                 n["web-always", web_new] == 6 && kinds["web-always"] == 1 &&
                 n["web-pinned", v1] == 9 && kinds["web-pinned"] == 1 &&
                 n["worker-ifnp", first["worker"]] == 6 && kinds["worker-ifnp"] == 2) }' \
    "$tmp/tm1/default/pods.csv"; then ok; else bad "tag-moves: pods per digest per workload"; fi
if awk -F, -v v1="$v1" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { pod = $col["pod"] + 0 }
    pod >= 18 && pod < 24 && !($col["bytes"] == 25000000 && $col["digest"] != v1) { bad = 1 }
    pod >= 24 && !($col["bytes"] == 20000000 && $col["digest"] == v1) { bad = 1 }
    pod >= 24 { pinned++ }
    END { exit bad || pinned != 3 }' "$tmp/tm1/default/pulls.csv"; then ok; else
    bad "tag-moves: web-always and web-pinned pulls (bytes, digest)"; fi
if [ "$(grep -c "\"pod\":\"worker-ifnp.*although the registry's tag has moved to sha256:" "$tmp/tmtrace.jsonl")" = 6 ]
then ok; else bad "tag-moves trace: the 6 old-node worker-ifnp pods do not say the tag moved"; fi
if head -n 1 "$tmp/tm1/default/versions.csv" | grep -q '^t_s,web/web a1a1a1a1a1a1,' &&
   grep -q '"pushes": 2,' "$tmp/tm1/default/summary.json"; then ok; else
    bad "tag-moves: versions.csv header or summary pushes"; fi
if [ -e "$tmp/q1/serial/versions.csv" ]; then bad "quickstart (no push) wrote versions.csv"; else ok; fi

# runtimeclass (RuntimeClassInImageCriApi, numbers in its header): twice to
# identical files and traces; gate-off pulls once per node (4 pulls, no
# handler), gate-on 12: the runsc pulls fetch nothing in 0.060 s, the
# kata-qemu pulls fetch nothing but unpack again (2.060 s), the plain ones
# are as with the gate off; the runtime_handler column exists only in
# scenarios with runtimeClasses; the trace names the handler.
for i in 1 2; do
    "$bin" run scenarios/runtimeclass.yaml --out "$tmp/rc$i" --no-plots --quiet \
        --trace "$tmp/rctrace$i.jsonl" || bad "runtimeclass run $i"
done
for c in gate-off gate-on; do
    for file in pods.csv pulls.csv timeseries.csv summary.json disk.csv; do
        if cmp -s "$tmp/rc1/$c/$file" "$tmp/rc2/$c/$file"; then ok; else
            bad "determinism: runtimeclass $c/$file differs between two runs"; fi
    done
done
if cmp -s "$tmp/rctrace1.jsonl" "$tmp/rctrace2.jsonl"; then ok; else bad "runtimeclass trace differs"; fi
rc_pulls() { # FILE: "N_PULLS BAD" after checking every row against its handler
    awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; if ($NF != "runtime_handler") bad++; next }
    {
        n++; h = $col["runtime_handler"]; d = $col["finished_s"] - $col["started_s"]
        if ($col["result"] != "ok") bad++
        if (h == "" && ($col["bytes"] != 200000000 || d < 3.679 || d > 3.681)) bad++
        if (h == "runsc" && ($col["bytes"] != 0 || d < 0.019 || d > 0.021)) bad++
        if (h == "kata-qemu" && ($col["bytes"] != 0 || d < 2.019 || d > 2.021)) bad++
        if (h != "" && h != "runsc" && h != "kata-qemu") bad++
        count[h]++
    }
    END { printf "%d %d %d %d %d\n", n, count[""], count["runsc"], count["kata-qemu"], bad }' "$1"
}
got=$(rc_pulls "$tmp/rc1/gate-off/pulls.csv")
if [ "$got" = "4 4 0 0 0" ]; then ok; else bad "runtimeclass gate-off pulls (n, '', runsc, kata, bad): $got"; fi
got=$(rc_pulls "$tmp/rc1/gate-on/pulls.csv")
if [ "$got" = "12 4 4 4 0" ]; then ok; else bad "runtimeclass gate-on pulls (n, '', runsc, kata, bad): $got"; fi
if grep -q '"bytesFetched": 800000000,' "$tmp/rc1/gate-on/summary.json" &&
   grep -q '"requests": 24,' "$tmp/rc1/gate-on/summary.json" &&
   grep -q '"requests": 16,' "$tmp/rc1/gate-off/summary.json"; then ok; else
    bad "runtimeclass: summary.json bytes or requests"; fi
if head -n 1 "$tmp/q1/serial/pulls.csv" | grep -q 'runtime_handler'; then
    bad "quickstart (no runtimeClasses) has a runtime_handler column"; else ok; fi
if grep -F '"pod":"api-kata-8","container":"api"' "$tmp/rctrace1.jsonl" |
   grep -F '"message":"Pulling image \"registry.example.com/shop/api:v3\""' |
   grep -qF '"why":"policy IfNotPresent, image not present; serial puller: 0 running, 0 queued ahead; image key: runtime handler kata-qemu (RuntimeClassInImageCriApi)"' &&
   ! grep -F '"config":"gate-off"' "$tmp/rctrace1.jsonl" | grep -q 'image key'; then ok; else
    bad "runtimeclass trace: handler missing with the gate on, or shown with it off"; fi

# image-policies (numbers in its header): pre-pulled under IfNotPresent at
# 0 s with no pull, a cold pull in 1.000 s, Always re-resolving in 0.050 s
# (the HEAD only) with no byte, a multi-arch index in 0.570 s on amd64 and arm64 alike, an
# amd64-only index failing on arm64 with the platform error and backing
# off; with admission.alwaysPullImages the pre-pulled pods resolve too.
"$bin" run scenarios/image-policies.yaml --out "$tmp/ip" --no-plots --quiet \
    --trace "$tmp/ip.jsonl" || bad "image-policies run"
"$bin" run scenarios/image-policies.yaml --out "$tmp/ipa" --no-plots --quiet \
    --set admission.alwaysPullImages=true || bad "image-policies run with alwaysPullImages"
pods_check() { # FILE AWK-CONDITION-PER-WORKLOAD: exit 0 when every row passes
    awk -F, -v want="$2" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    {
        wl = $col["workload"]; lat = $col["latency_s"]; node = $col["node"] + 0
        ok = 0
        if (wl == "api" && node < 2) ok = (want == "admission") ? (lat == 0.05) : (lat == 0 && $col["attempts"] == 0)
        else if (wl == "api") ok = (lat == 1)
        else if (wl == "api-always") ok = (lat == 0.05)
        else if (wl == "agent") ok = (lat == 0.57)
        else if (wl == "report") ok = ($col["ready_s"] == "" && $col["attempts"] >= 4)
        if (!ok) { print "pod " $col["pod"] ": " $0; bad = 1 }
        n++
    }
    END { exit bad || n != 16 }' "$1"
}
if pods_check "$tmp/ip/default/pods.csv" default; then ok; else bad "image-policies: pods.csv"; fi
if pods_check "$tmp/ipa/default/pods.csv" admission; then ok; else
    bad "image-policies with alwaysPullImages: pods.csv"; fi
if awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $col["container"] == "report" && !($col["result"] == "failed" && $col["reason"] == "ErrImagePull" &&
        index($col["error"], "no match for platform in manifest") > 0) { bad = 1 }
    $col["container"] == "api" && $col["started_s"] >= 10 && $col["bytes"] != 0 { bad = 1 }
    $col["container"] == "agent" && $col["bytes"] != 40000000 { bad = 1 }
    END { exit bad }' "$tmp/ip/default/pulls.csv"; then ok; else bad "image-policies: pulls.csv"; fi
if grep -F '"pod":"api-0","container":"api"' "$tmp/ip.jsonl" | grep -qF 'already present on machine' &&
   grep -F '"pod":"report-14","container":"report"' "$tmp/ip.jsonl" | grep -qF '"reason":"BackOff"'; then ok; else
    bad "image-policies: trace lacks the present image or the platform back-off"; fi

# always-nat (numbers in its header): Always on warm nodes behind a quota
# sends one uncounted HEAD per pull; every pod starts.
"$bin" run scenarios/always-nat.yaml --out "$tmp/an" --no-plots --quiet || bad "always-nat run"
if grep -q '"requests": 150, "manifestRequests": 150, "blobRequests": 0, "failures": 0, "throttled": 0' \
        "$tmp/an/default/summary.json" &&
   [ "$(awk -F, 'NR > 1 && $5 != "" { n++ } END { print n }' "$tmp/an/default/pods.csv")" = 150 ] &&
   [ "$(awk -F, 'NR > 1 && $9 == 1 { n++ } END { print n }' "$tmp/an/default/pods.csv")" = 20 ]
then ok; else bad "always-nat: 150 pods ready, 150 HEADs, none throttled, 20 QPS retries"; fi

# private-registry (credentials; numbers in its header): twice to identical
# files and traces; per config the pods' latencies, the requests, the
# verification pulls (the HEAD only, 0 bytes, with shop-ci's credential),
# billing's refused peek and the anonymous 401s; the credential column only
# in scenarios with credentials; the trace says why an image is pulled again.
for i in 1 2; do
    "$bin" run scenarios/private-registry.yaml --out "$tmp/pr$i" --no-plots --quiet \
        --trace "$tmp/prtrace$i.jsonl" || bad "private-registry run $i"
done
for c in never-verify default always-verify; do
    for file in pods.csv pulls.csv timeseries.csv summary.json; do
        if cmp -s "$tmp/pr1/$c/$file" "$tmp/pr2/$c/$file"; then ok; else
            bad "determinism: private-registry $c/$file differs between two runs"; fi
    done
done
if cmp -s "$tmp/prtrace1.jsonl" "$tmp/prtrace2.jsonl"; then ok; else bad "private-registry trace differs"; fi
pr_pods() { # FILE CONFIG: every pod's latency as the header derives it
    awk -F, -v cfg="$2" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    {
        wl = $col["workload"]; lat = $col["latency_s"]; v = (cfg == "always-verify") ? 0.05 : 0
        if (wl == "log-agent") ok = (lat == v)
        else if (wl == "shop-api") ok = (lat - (1 + v))^2 < 1e-18
        else if (wl == "billing-api") ok = (lat - (1.6 + v))^2 < 1e-18
        else if (wl == "shop-canary") ok = (lat == ((cfg == "never-verify") ? 0 : 0.05))
        else if (wl == "billing-peek") ok = (cfg == "never-verify") ? (lat == 0) : ($col["ready_s"] == "")
        else if (wl == "report") ok = ($col["ready_s"] == "" && $col["failed_pulls"] == 6)
        else ok = 0
        if (!ok) { print cfg " pod " $col["pod"] ": " $0; bad = 1 }
        n++
    }
    END { exit bad || n != 18 }' "$1"
}
for c in never-verify default always-verify; do
    if pr_pods "$tmp/pr1/$c/pods.csv" "$c"; then ok; else bad "private-registry $c: pods.csv"; fi
done
for pair in never-verify:42:0 default:52:10 always-verify:56:14; do
    c=${pair%%:*}; rest=${pair#*:}; req=${rest%%:*}; ver=${rest#*:}
    if grep -q "\"requests\": $req," "$tmp/pr1/$c/summary.json" &&
       grep -q "\"verificationPulls\": $ver," "$tmp/pr1/$c/summary.json"; then ok; else
        bad "private-registry $c: requests $req and verificationPulls $ver expected"; fi
done
if awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; if ($NF != "credential") bad = 1; next }
    { pod = $col["pod"] + 0 }
    $col["container"] == "api" && $col["started_s"] >= 120 && $col["credential"] == "secret:shop-ci-pull/shop-ci" {
        canary++; if ($col["bytes"] != 0 || $col["result"] != "ok") bad = 1 }
    $col["container"] == "peek" { peek++
        if ($col["result"] != "failed" || index($col["error"], "failed to fetch oauth token") == 0 ||
            $col["credential"] != "secret:billing-pull/billing-team") bad = 1 }
    $col["container"] == "report" { report++
        if (index($col["error"], "failed to fetch anonymous token") == 0 || $col["credential"] != "anonymous") bad = 1 }
    END { exit bad || canary != 4 || peek != 6 || report != 6 }' "$tmp/pr1/default/pulls.csv"
then ok; else bad "private-registry default: pulls.csv verification, peek and report rows"; fi
if head -n 1 "$tmp/q1/serial/pulls.csv" | grep -q 'credential'; then
    bad "quickstart (no credentials) has a credential column"; else ok; fi
if grep -q '"credentials"' "$tmp/q1/serial/summary.json"; then
    bad "quickstart (no credentials) has a credentials block"; else ok; fi
if grep -F '"config":"default"' "$tmp/prtrace1.jsonl" |
       grep -F '"pod":"shop-canary' | grep -qF 'image present but pulled with credentials this pod does not have: verifying' &&
   grep -qF 'already present on machine and can be accessed by the pod' "$tmp/prtrace1.jsonl" &&
   grep -qF 'credentials to try: pull secret shop-pull (credential shop-team)' "$tmp/prtrace1.jsonl"; then ok; else
    bad "private-registry trace: verification, accessible or credential notes missing"; fi

# The teaching trace: upstream reasons and texts, in time order, twice alike.
for i in 1 2; do
    "$bin" run tests/scenarios/ok/always-fails.yaml --out "$tmp/tr$i" --no-plots --quiet \
        --trace "$tmp/trace$i.txt" || bad "trace run $i"
done
if cmp -s "$tmp/trace1.txt" "$tmp/trace2.txt"; then ok; else bad "trace differs between runs"; fi
# has HEAD TEXT FILE: a line with HEAD, TEXT on it or one of the next two.
has() { grep -A2 -F "$1" "$3" | grep -qF "$2"; }
for pair in 'ContainerCreating Normal Pulling|Pulling image "registry.test/a:1"' \
            'ErrImagePull      Warning Failed|Failed to pull image "registry.test/a:1": ' \
            'ImagePullBackOff  Normal BackOff|Back-off pulling image "registry.test/a:1"' \
            'ErrImagePull      Warning Failed|Error: ErrImagePull' \
            'ImagePullBackOff  Warning Failed|Error: ImagePullBackOff' \
            'why: ErrImagePull; back-off now 5m0s|back-off now 5m0s'; do
    if has "${pair%%|*}" "${pair#*|}" "$tmp/trace1.txt"; then ok; else bad "trace lacks: $pair"; fi
done
if awk '/^ *[0-9]+\.[0-9]+s / { t = $1 + 0; if (t < last) exit 1; last = t }' "$tmp/trace1.txt"
then ok; else bad "trace is not in time order"; fi
# Lines fit a terminal: at most 100 columns but for one word longer than that.
if awk 'length($0) > 100 && $0 ~ / [^ ]* [^ ]/ { exit 1 }' "$tmp/trace1.txt"; then ok; else
    bad "trace has lines over 100 columns"; fi
# Every event is followed by its why, indented.
if [ "$(grep -c '^ *[0-9][0-9.]*s  node ' "$tmp/trace1.txt")" = "$(grep -c '^              why: ' "$tmp/trace1.txt")" ]
then ok; else bad "trace: events and why lines do not pair up"; fi
# STATUS as kubectl get pods prints it: ErrImagePull after a failed pull,
# ImagePullBackOff after a sync finds the back-off running, until the next
# failure; a Pulling line keeps the status the last sync left.
if awk '/  node / { st = $5; n++ }
        / Failed  Error: ErrImagePull$/ && st != "ErrImagePull" { exit 1 }
        / Normal BackOff$/ && st != "ImagePullBackOff" { exit 1 }
        / Normal Pulling$/ && n == 1 && st != "ContainerCreating" { exit 1 }
        / Normal Pulling$/ && n > 1 && st !~ /^(ErrImagePull|ImagePullBackOff)$/ { exit 1 }' "$tmp/trace1.txt"
then ok; else bad "trace: STATUS does not follow the events"; fi
# The JSON Lines form has the same events, one object each.
"$bin" run tests/scenarios/ok/always-fails.yaml --out "$tmp/trj" --no-plots --quiet \
    --trace "$tmp/trace.jsonl" || bad "jsonl trace run"
if [ "$(grep -c '^{"kind":"pod",' "$tmp/trace.jsonl")" = "$(grep -c '^ *[0-9][0-9.]*s  node ' "$tmp/trace1.txt")" ] &&
   head -n 1 "$tmp/trace.jsonl" | grep -q '^{"kind":"run","scenario":"always-fails","config":"default","seed":1}$' &&
   grep -q '"status":"ImagePullBackOff","type":"Warning","reason":"Failed","message":"Error: ImagePullBackOff"' "$tmp/trace.jsonl"
then ok; else bad "jsonl trace: not the text trace's events"; fi
"$bin" run tests/scenarios/ok/policies.yaml --out "$tmp/trq" --no-plots --quiet \
    --trace "$tmp/traceq.txt" || bad "policies trace run"
for pair in 'present-0/c    Running           Normal Pulled|Container image "registry.test/a:1" already present on machine' \
            'always-1/c     ContainerCreating Normal Pulling|why: policy Always, no presence check' \
            'never-2/c      ErrImageNeverPull Warning ErrImageNeverPull|Container image "registry.test/b:1" is not present with pull policy of Never' \
            'never-2/c      ErrImageNeverPull Warning Failed|Error: ErrImageNeverPull'; do
    if has "${pair%%|*}" "${pair#*|}" "$tmp/traceq.txt"; then ok; else bad "policies trace lacks: $pair"; fi
done
# Registry lines: registry-outage.yaml's registry is down from 30 s to 150 s;
# --trace-pod keeps one pod's lines and the registry's.
"$bin" run scenarios/registry-outage.yaml --out "$tmp/rot" --no-plots --quiet \
    --trace "$tmp/rot.txt" --trace-pod=shop-api-3 || bad "registry-outage trace run"
if grep -q '^    30.000s  == registry registry.example.com is down for 2m0s' "$tmp/rot.txt" &&
   grep -q '^   150.000s  == registry registry.example.com is back after 2m0s' "$tmp/rot.txt" &&
   [ "$(grep '  node ' "$tmp/rot.txt" | grep -vc ' shop-api-3/api ')" = 0 ] &&
   [ "$(grep -c ' shop-api-3/api ' "$tmp/rot.txt")" -ge 5 ] &&
   grep ' shop-api-3/api ' "$tmp/rot.txt" | tail -n 1 | grep -q ' Running '; then ok; else
    bad "registry-outage trace: registry lines, --trace-pod or the final Running missing"; fi
[ -e "$tmp/traceq.txt.tmp" ] && bad "trace temporary file left"

# pullsim ref agrees with the shared vectors row by row: the default pull
# policy of every defaulted row of default-policy.tsv, and validity plus
# normalized name of every ParseNormalizedNamed row of reference.tsv.
vec=${PULLSIM_VECTORS:-tests/spec/vectors}
tab=$(printf '\t')
grep -v '^#' "$vec/default-policy.tsv" | tail -n +2 | while IFS="$tab" read -r img pin want _; do
    [ -n "$pin" ] && continue
    got=$("$bin" ref --json -- "$img" 2>/dev/null | sed -n 's/.*"defaultPullPolicy":"\([A-Za-z]*\)".*/\1/p')
    [ "$got" = "$want" ] || echo "ref '$img': defaultPullPolicy '$got', want '$want'"
done >"$tmp/refpol"
if [ -s "$tmp/refpol" ]; then bad "$(cat "$tmp/refpol")"; else ok; fi
grep -v '^#' "$vec/reference.tsv" | awk -F "$tab" '$1 == "ParseNormalizedNamed"' |
while IFS="$tab" read -r _ input valid _ name _; do
    out=$("$bin" ref --json -- "$input" 2>/dev/null)
    case "$valid" in
        true) echo "$out" | grep -qF "\"valid\":true" || echo "ref '$input': not valid" ;;
        *) echo "$out" | grep -qF "\"valid\":false" || echo "ref '$input': valid" ;;
    esac
done >"$tmp/refnorm"
if [ -s "$tmp/refnorm" ]; then bad "$(cat "$tmp/refnorm")"; else ok; fi

# Every shipped scenario (the benchmark aside) runs with its plots: each
# picture its result files call for exists, so a broken gnuplot script fails
# here. Without gnuplot only the runs are checked.
if command -v gnuplot >/dev/null 2>&1; then have_gnuplot=1; else have_gnuplot=0; fi
for f in scenarios/*.yaml; do
    name=$(basename "$f" .yaml)
    if ! "$bin" run "$f" --out "$tmp/plots/$name" --quiet >/dev/null 2>"$tmp/plots.err"; then
        bad "$f does not run with plots: $(head -n 3 "$tmp/plots.err")"
        continue
    fi
    missing=""
    [ "$have_gnuplot" = 1 ] || { ok; continue; }
    [ -s "$tmp/plots/$name/cdf.png" ] || missing="$missing cdf.png"
    for d in "$tmp/plots/$name"/*/; do
        for png in throughput registry; do
            [ -s "$d$png.png" ] || missing="$missing $d$png.png"
        done
        for pair in disk.csv:disk versions.csv:versions; do
            [ -e "$d${pair%%:*}" ] && { [ -s "$d${pair#*:}.png" ] && [ -s "$d${pair#*:}.svg" ] ||
                missing="$missing $d${pair#*:}.png"; }
        done
    done
    if [ -z "$missing" ]; then ok; else bad "$f: plots missing:$missing"; fi
done

# The two bandwidth solvers agree on every shipped scenario (the benchmark
# has its own comparison): pods, pulls and summaries byte for byte.
for f in scenarios/*.yaml; do
    name=$(basename "$f" .yaml)
    "$bin" run "$f" --out "$tmp/nf/$name" --no-plots --quiet &&
        "$bin" run "$f" --out "$tmp/ne/$name" --no-plots --quiet --net exact ||
        { bad "$f: does not run with --net fast and exact"; continue; }
    differ=""
    for d in "$tmp/nf/$name"/*/; do
        c=$(basename "$d")
        for file in pods.csv pulls.csv summary.json; do
            cmp -s "$d$file" "$tmp/ne/$name/$c/$file" || differ="$differ $c/$file"
        done
    done
    if [ -z "$differ" ]; then ok; else bad "$f: fast and exact solvers differ:$differ"; fi
done

# Rollouts: daemonset-rollout's two DaemonSets both complete, the one with
# maxUnavailable 1 (250 waves) over 20 times slower than the one with 10%
# (10 waves of 25); the headline names both; twice the same summary.
for i in 1 2; do
    "$bin" run scenarios/daemonset-rollout.yaml --out "$tmp/ro$i" --no-plots >"$tmp/ro$i.out" 2>&1 ||
        bad "daemonset-rollout run $i"
done
durs=$(sed -n 's/.*"workload": "node-exporter-[^"]*", "at": [0-9.]*, "duration": \([0-9.]*\),.*/\1/p' \
    "$tmp/ro1/default/summary.json" | tr '\n' ' ')
if echo "$durs" | awk '{ exit !(NF == 2 && $1 > 20 * $2 && $2 > 0) }'; then ok; else
    bad "daemonset-rollout: durations '$durs', expected two, the first over 20x the second"; fi
if [ "$(grep -c 'rollout of node-exporter-.*complete in' "$tmp/ro1.out")" = 2 ]; then ok; else
    bad "daemonset-rollout: headline lacks the two rollouts"; fi
if cmp -s "$tmp/ro1/default/summary.json" "$tmp/ro2/default/summary.json" &&
   cmp -s "$tmp/ro1/default/versions.csv" "$tmp/ro2/default/versions.csv"; then ok; else
    bad "daemonset-rollout: two runs differ"; fi
# versions.csv: the old digest's count falls to 0 at the end for both.
last=$(tail -n 1 "$tmp/ro1/default/versions.csv")
if echo "$last" | awk -F, '{ z = 0; for (i = 2; i <= NF; i++) z += ($i == 0); exit !(z == 2) }'; then
    ok; else bad "daemonset-rollout: last versions.csv row '$last', expected two zero columns"; fi

# A trace path that cannot be written: exit 1 before anything is printed
# or written.
"$bin" run scenarios/quickstart.yaml --out "$tmp/notrace" --no-plots \
    --trace "$tmp/no/such/dir/t.txt" >"$tmp/notrace.out" 2>"$tmp/notrace.err"
rc=$?
if [ "$rc" = 1 ] && [ ! -s "$tmp/notrace.out" ] && [ ! -e "$tmp/notrace" ] &&
   grep -q "cannot open" "$tmp/notrace.err"; then ok; else
    bad "unwritable --trace: status $rc, or output written"; fi

# Kubernetes objects: scenarios/kubernetes-objects.yaml is quickstart with its
# workloads and kubelet configs pasted as a DaemonSet, Deployments and
# KubeletConfigurations (one through a YAML anchor and merge key): the same
# files, one warning naming the fields it ignores, and an effective scenario
# in pullsim's form that re-runs to the same results.
"$bin" run scenarios/kubernetes-objects.yaml --out "$tmp/k8s" --no-plots --quiet \
    2>"$tmp/k8s.err" || bad "kubernetes-objects run: $(cat "$tmp/k8s.err")"
"$bin" run scenarios/quickstart.yaml --out "$tmp/k8sq" --no-plots --quiet ||
    bad "quickstart run for kubernetes-objects"
for c in serial parallel5; do
    for file in pods.csv pulls.csv timeseries.csv; do
        if cmp -s "$tmp/k8s/$c/$file" "$tmp/k8sq/$c/$file"; then ok; else
            bad "kubernetes-objects $c/$file differs from quickstart's"; fi
    done
done
if [ "$(grep -c ': warning: ' "$tmp/k8s.err")" = 1 ] &&
   grep -q '^scenarios/kubernetes-objects.yaml:[0-9]*:[0-9]*: warning: Kubernetes fields pullsim does not model are ignored: .*DaemonSet.spec.template.spec.tolerations.*Deployment.spec.template.spec.containers\[\].ports.*KubeletConfiguration.evictionHard' "$tmp/k8s.err" &&
   [ "$(grep -vc ': warning: ' "$tmp/k8s.err")" = 0 ]; then ok; else
    bad "kubernetes-objects: not one warning naming the ignored fields: $(cat "$tmp/k8s.err")"; fi
"$bin" run "$tmp/k8s/serial/scenario.yaml" --config serial --out "$tmp/k8se" --no-plots \
    --quiet 2>"$tmp/k8se.err" || bad "kubernetes-objects effective scenario does not run"
if cmp -s "$tmp/k8se/serial/pods.csv" "$tmp/k8s/serial/pods.csv" && [ ! -s "$tmp/k8se.err" ] &&
   ! grep -q 'apiVersion' "$tmp/k8s/serial/scenario.yaml"; then ok; else
    bad "kubernetes-objects effective scenario: not pullsim's form or other results"; fi

# --set takes YAML values; --option=value is --option value.
"$bin" run scenarios/registry-outage.yaml --out "$tmp/noout" --no-plots --quiet \
    --set 'registries[0].outages=[]' || bad "--set outages=[] run"
if grep -q '"failures": 0' "$tmp/noout/default/summary.json"; then ok; else
    bad "--set registries[0].outages=[] still fails requests"; fi
"$bin" run scenarios/quickstart.yaml --out="$tmp/eq" --no-plots --quiet --seed=5 \
    --config=serial || bad "--opt=value run"
if grep -q '"seed": 5' "$tmp/eq/serial/summary.json" && [ ! -e "$tmp/eq/parallel5" ]; then ok; else
    bad "--seed=5 --config=serial not applied"; fi
# --help describes every option it accepts.
"$bin" run --help >"$tmp/help.txt"
for opt in --out --seed --config --set --net --trace --trace-format --trace-pod --report \
           --no-report --no-plots --quiet; do
    if grep -q "^  $opt  *[a-zA-Z]" "$tmp/help.txt" || grep -q "^  $opt [A-Z|a-z]* *[a-zA-Z]" "$tmp/help.txt"
    then ok; else bad "--help does not describe $opt"; fi
done

# --help and --version: usage on stdout, status 0.
for args in "--help" "run --help" "validate -h" "--version"; do
    # shellcheck disable=SC2086 # split on purpose
    if "$bin" $args >"$tmp/help.out" 2>&1 && grep -q '^usage: pullsim\|^pullsim [0-9]' "$tmp/help.out"; then
        ok; else bad "pullsim $args: not usage/version with status 0"; fi
done

# Result folders: concurrent writers, reruns, signals, a full disk.
. tests/run-outdir.sh

checks_tally scenario "$bin"
