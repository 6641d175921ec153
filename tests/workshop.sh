#!/bin/sh
# The workshop pack (scenarios/workshop/README.md): every exercise's answer,
# as the README derives it, checked against what pullsim writes. Usage:
# workshop.sh PULLSIM. Each exercise runs in well under a second.
set -u
bin=$1
. tests/checks.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ws=scenarios/workshop

run() { # NAME ARGS...: runs exercise NAME into $tmp/NAME
    n=$1; shift
    "$bin" run "$ws/$n.yaml" --out "$tmp/$n" --no-plots --quiet "$@" 2>"$tmp/$n.err" ||
        bad "$n does not run: $(head -n 3 "$tmp/$n.err")"
}
# col FILE NAME: the column number of NAME in a CSV header.
col() { head -n 1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }
# field FILE ROW NAME: the value of column NAME in data row ROW (1 = first).
field() { awk -F, -v r="$2" -v c="$(col "$1" "$3")" 'NR == r + 1 { print $c }' "$1"; }
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d < 0.0005 && d > -0.0005) }'; }
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x < hi) }'; }

# 1. serial: 1.040 and 2.080 s; parallel2: both 2.040 s.
run 1-serial-vs-parallel
p=$tmp/1-serial-vs-parallel
if near "$(field "$p/serial/pods.csv" 1 latency_s)" 1.040 &&
   near "$(field "$p/serial/pods.csv" 2 latency_s)" 2.080 &&
   near "$(field "$p/parallel2/pods.csv" 1 latency_s)" 2.040 &&
   near "$(field "$p/parallel2/pods.csv" 2 latency_s)" 2.040; then ok; else
    bad "1: latencies are not 1.040/2.080 (serial) and 2.040/2.040 (parallel2)"; fi

# 2. one pod, two images, 5 parallel slots: 1.040 + 1.040 = 2.080 s, the
# images one after another (container a ready at 1.040).
run 2-one-pod-rule
p=$tmp/2-one-pod-rule/parallel5/pods.csv
if near "$(field "$p" 1 latency_s)" 2.080 && [ "$(field "$p" 1 container_ready_s)" = "1.040000;2.080000" ]
then ok; else bad "2: the pod is not ready at 2.080 s with its images in turn"; fi

# 3. outage 0-60 s: failures at 0, [10, 16), [30, 48); the 4th attempt,
# in [70, 104), pulls: ready in [71.04, 105.04), 4 attempts, 3 failed; the
# STATUS column: ContainerCreating, ErrImagePull (the 2nd attempt comes after
# the 10 s back-off, so no BackOff between the first two failures), then
# ImagePullBackOff, ErrImagePull, ImagePullBackOff, Running.
run 3-backoff-outage --trace "$tmp/3.txt"
p=$tmp/3-backoff-outage/default/pods.csv
if [ "$(field "$p" 1 attempts)" = 4 ] && [ "$(field "$p" 1 failed_pulls)" = 3 ] &&
   between "$(field "$p" 1 latency_s)" 71.04 105.04; then ok; else
    bad "3: not 4 attempts, 3 failures and ready in [71.04, 105.04) s"; fi
if [ "$(awk '/  node / && $5 != last { printf "%s ", $5; last = $5 }' "$tmp/3.txt")" = \
     "ContainerCreating ErrImagePull ImagePullBackOff ErrImagePull ImagePullBackOff Running " ]
then ok; else bad "3: the STATUS column does not walk through ErrImagePull and ImagePullBackOff"; fi

# 4. 5 manifest GETs per 6 h behind one NAT: 5 pods run, 3 never do, every
# one of their attempts a 429; one address per node: all 8 run.
run 4-dockerhub-nat
p=$tmp/4-dockerhub-nat/default
ready=$(awk -F, 'NR > 1 && $5 != "" { n++ } END { print n + 0 }' "$p/pods.csv")
tries=$(awk -F, -v c="$(col "$p/pods.csv" attempts)" 'NR > 1 && $5 == "" { n += $c } END { print n + 0 }' "$p/pods.csv")
if [ "$ready" = 5 ] && grep -q "\"throttled\": $tries[,}]" "$p/summary.json" && [ "$tries" -ge 3 ]
then ok; else bad "4: not 5 pods ready with every other attempt a 429 (ready $ready, tries $tries)"; fi
run 4-dockerhub-nat --set 'registries[0].rateLimit.key=node'
if [ "$(awk -F, 'NR > 1 && $5 != "" { n++ } END { print n + 0 }' "$tmp/4-dockerhub-nat/default/pods.csv")" = 8 ]
then ok; else bad "4: with key=node not all 8 pods run"; fi

# 5. 90% used after the web pull: DiskPressure (available 10% < 15%), the
# eviction manager deletes tools:1 (2 GB freed); the batch pod re-pulls it
# in 0.040 + 8.000 + 1.000 (unpack) = 9.040 s; the 10m GC finds 90% again,
# everything in use: FreeDiskSpaceFailed. With 20 GB nothing is deleted.
run 5-gc-small-disk
p=$tmp/5-gc-small-disk/default
if near "$(field "$p/pods.csv" 2 latency_s)" 9.040 &&
   grep -q '"reclaim": {"runs": 1, "imagesDeleted": 1, "bytesCounted": 1000000000, "bytesFreed": 2000000000}' "$p/summary.json" &&
   grep -q '"gc": {"invocations": 3, "runs": 1, "failed": 1, "imagesDeleted": 0' "$p/summary.json" &&
   grep -q '"repullsAfterGC": 1' "$p/summary.json"; then ok; else
    bad "5: not one reclaim deletion, one re-pull of 9.040 s and a failed GC at 10m"; fi
run 5-gc-small-disk --set 'nodePools[0].disk.capacity=20GB'
p=$tmp/5-gc-small-disk/default
if near "$(field "$p/pods.csv" 2 latency_s)" 0 && grep -q '"repullsAfterGC": 0' "$p/summary.json"
then ok; else bad "5: with 20 GB the batch pod does not find its image"; fi

# 6. The two first nodes keep build 1 (IfNotPresent finds the local tag),
# the new node pulls build 2; a digest reference puts all three on build 1;
# Always still leaves them split (running containers keep their image).
digests() { awk -F, -v c="$(col "$1" digests)" 'NR > 1 { printf "%.8s ", $c }' "$1"; }
run 6-moved-tag
if [ "$(digests "$tmp/6-moved-tag/default/pods.csv")" = "sha256:1 sha256:1 sha256:2 " ]; then ok; else
    bad "6: not build 1, build 1, build 2"; fi
run 6-moved-tag --set 'workloads[0].template.containers[0].image=registry.test/app@sha256:1111111111111111111111111111111111111111111111111111111111111111'
if [ "$(digests "$tmp/6-moved-tag/default/pods.csv")" = "sha256:1 sha256:1 sha256:1 " ]; then ok; else
    bad "6: the digest reference does not give build 1 everywhere"; fi
run 6-moved-tag --set 'workloads[0].template.containers[0].imagePullPolicy=Always'
if [ "$(digests "$tmp/6-moved-tag/default/pods.csv")" = "sha256:1 sha256:1 sha256:2 " ]; then ok; else
    bad "6: with Always the pods are not still split"; fi

# 7. with-secret: both ready at 0.060 + 0.020 + 50/125 = 0.480 s;
# forgot-secret: 401 on the first request of every attempt, failures at
# t1 = 0.5 s then t(k+1) in [t(k) + b(k), t(k) + b(k) + 16) with
# b = 10, 20, 40, 80, 160 s, so attempts 2..6 fall in [10.5, 376.5) and the
# 7th after 610 s: 6 attempts each in 10 min, 12 refused requests.
run 7-missing-secret
p=$tmp/7-missing-secret/default
if near "$(field "$p/pods.csv" 1 latency_s)" 0.480 && near "$(field "$p/pods.csv" 2 latency_s)" 0.480 &&
   [ -z "$(field "$p/pods.csv" 3 ready_s)" ] && [ "$(field "$p/pods.csv" 3 attempts)" = 6 ] &&
   [ "$(field "$p/pods.csv" 4 attempts)" = 6 ] && grep -q '"unauthorized": 12' "$p/summary.json"
then ok; else bad "7: not 2 pods at 0.480 s and 2 never ready after 6 attempts, 12 401s"; fi

checks_tally workshop "$bin"
