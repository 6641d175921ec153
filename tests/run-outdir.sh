# shellcheck shell=sh disable=SC2154 # $bin and $tmp come from run-scenarios.sh
# run-outdir.sh - sourced by run-scenarios.sh (uses its $bin, $tmp, ok, bad).
# A run's result folder is all or nothing and has one writer (obs/rundir.h):
#  - several runs started at once into one folder: each exits 0, or 1 saying
#    another run is writing it; the folder then holds exactly one run, byte
#    for byte what that seed gives alone, and says which (run.json);
#  - a rerun replaces the folder: files of the earlier run are gone;
#  - a folder pullsim did not write is refused (exit 2) and left alone;
#  - SIGTERM (and SIGINT) during a run: status 143 (130), the previous
#    results intact, no staging folder or lock file left;
#  - a full disk (a small tmpfs, as root where mount works): exit 1, the
#    previous results intact, nothing partial left.

storm=scenarios/bench/pull-storm.yaml
# leftovers DIR: hidden staging folders or lock files pullsim left in DIR.
leftovers() {
    find "$1" -maxdepth 1 \( -name '.*.pullsim-tmp.*' -o -name '.*.lock' \) | head -n 3
}
# same_run A B: the deterministic files of two result folders are equal.
same_run() {
    for f in run.json A/pods.csv A/pulls.csv A/timeseries.csv A/summary.json A/scenario.yaml; do
        cmp -s "$1/$f" "$2/$f" || return 1
    done
}

# Concurrent writers. Each seed's result alone first, then four at once.
mkdir -p "$tmp/od"
for s in 1 2 3 4; do
    if "$bin" run "$storm" --set 'nodePools[0].count=300' --config A --seed "$s" --no-plots \
        --quiet --out "$tmp/od/shared" >/dev/null 2>&1; then
        mv "$tmp/od/shared" "$tmp/od/ref$s"
    else
        bad "outdir: solo run of seed $s"
    fi
done
pids=""
for s in 1 2 3 4; do
    "$bin" run "$storm" --set 'nodePools[0].count=300' --config A --seed "$s" --no-plots \
        --quiet --out "$tmp/od/shared" >/dev/null 2>"$tmp/od/err$s" &
    pids="$pids $!"
done
s=0; winners=""
for p in $pids; do
    s=$((s + 1))
    wait "$p"
    rc=$?
    if [ "$rc" = 0 ]; then winners="$winners $s"
    elif [ "$rc" = 1 ] && grep -q "another pullsim run (pid [0-9]*) is writing '$tmp/od/shared'" \
        "$tmp/od/err$s"; then :
    else bad "outdir: concurrent run $s: status $rc: $(head -n 2 "$tmp/od/err$s")"
    fi
done
seed=$(sed -n 's/^  "seed": \([0-9]*\),$/\1/p' "$tmp/od/shared/run.json" 2>/dev/null)
case " $winners " in
    *" $seed "*)
        if same_run "$tmp/od/shared" "$tmp/od/ref$seed"; then ok; else
            bad "outdir: the shared folder is not seed $seed's run"; fi ;;
    *) bad "outdir: shared folder holds seed '$seed', runs that succeeded:$winners" ;;
esac
if [ -z "$(leftovers "$tmp/od")" ]; then ok; else bad "outdir: left $(leftovers "$tmp/od")"; fi

# A rerun replaces the folder: config B's files of the first run are gone.
if ! "$bin" run "$storm" --set 'nodePools[0].count=10' --no-plots --quiet --out "$tmp/od/re" ||
   ! "$bin" run "$storm" --set 'nodePools[0].count=10' --config A --no-plots --quiet \
        --out "$tmp/od/re"; then
    bad "outdir: reruns"
fi
if [ -d "$tmp/od/re/A" ] && [ ! -e "$tmp/od/re/B" ] &&
   grep -q '"configs": \["A"\]' "$tmp/od/re/run.json"; then ok; else
    bad "outdir: a rerun left the earlier run's files"; fi

# A folder pullsim did not write is refused and left as it was.
mkdir -p "$tmp/od/mine" && echo keep >"$tmp/od/mine/notes.txt"
"$bin" run "$storm" --set 'nodePools[0].count=10' --no-plots --quiet --out "$tmp/od/mine" \
    2>"$tmp/od/mine.err"
rc=$?
if [ "$rc" = 2 ] && [ "$(ls -A "$tmp/od/mine")" = notes.txt ] &&
   grep -q 'is not a pullsim result folder' "$tmp/od/mine.err"; then ok; else
    bad "outdir: a foreign folder: status $rc, or changed"; fi

# A signal during a run (20,000 nodes take a second or more): once the
# staging folder exists, SIGTERM; the earlier result stays as it was.
# SIGINT the same through perl, since a shell's background job ignores it.
cp -r "$tmp/od/ref1" "$tmp/od/sigref"
# sig_run SIG: starts a 20,000-node run into $tmp/od/sig, sends SIG once its
# staging folder exists, prints its exit status (the shell's "Terminated"
# notice goes to the caller's 2>/dev/null).
sig_run() {
    if [ "$1" = INT ]; then
        perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV' "$bin" run "$storm" \
            --set 'nodePools[0].count=20000' --no-plots --quiet --out "$tmp/od/sig" >/dev/null &
    else
        "$bin" run "$storm" --set 'nodePools[0].count=20000' --no-plots --quiet \
            --out "$tmp/od/sig" >/dev/null &
    fi
    p=$!
    i=0
    while [ -z "$(find "$tmp/od" -maxdepth 1 -name '.sig.pullsim-tmp.*')" ] && [ "$i" -lt 200 ]; do
        sleep 0.05; i=$((i + 1))
    done
    kill -"$1" "$p"
    wait "$p"
    echo $?
}
for pair in TERM:143 INT:130; do
    sig=${pair%%:*}; want=${pair#*:}
    if [ "$sig" = INT ] && ! command -v perl >/dev/null 2>&1; then
        echo "skip: SIGINT test needs perl"; continue
    fi
    rm -rf "$tmp/od/sig" && cp -r "$tmp/od/ref1" "$tmp/od/sig"
    rc=$(sig_run "$sig" 2>/dev/null)
    if [ "$rc" = "$want" ] && same_run "$tmp/od/sig" "$tmp/od/sigref" &&
       [ -z "$(leftovers "$tmp/od")" ]; then ok; else
        bad "outdir: SIG$sig during a run: status $rc (want $want), or results changed, or left $(leftovers "$tmp/od")"
    fi
done

# A full disk: a 256 KiB tmpfs holds one small run; a bigger one fails with
# status 1 and leaves the small one as it was; on an empty 64 KiB one a
# run leaves nothing. Needs root and a kernel that lets us mount.
full=$tmp/od/full
mkdir -p "$full"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=256k pullsim-test "$full" 2>/dev/null; then
    "$bin" run "$storm" --set 'nodePools[0].count=2' --no-plots --quiet --out "$full/r" ||
        bad "outdir: small run on the tmpfs"
    cp -r "$full/r" "$tmp/od/fullref"
    "$bin" run "$storm" --set 'nodePools[0].count=2000' --no-plots --quiet --out "$full/r" \
        2>"$tmp/od/full.err"
    rc=$?
    if [ "$rc" = 1 ] && same_run "$full/r" "$tmp/od/fullref" && [ -z "$(leftovers "$full")" ] &&
       grep -q 'No space left on device' "$tmp/od/full.err"; then ok; else
        bad "outdir: full disk: status $rc, or results changed, or left $(leftovers "$full")"; fi
    umount "$full"
    mount -t tmpfs -o size=64k pullsim-test "$full"
    "$bin" run scenarios/quickstart.yaml --quiet --out "$full/q" 2>/dev/null
    rc=$?
    if [ "$rc" = 1 ] && [ -z "$(ls -A "$full")" ]; then ok; else
        bad "outdir: full disk, fresh folder: status $rc, left $(ls -A "$full")"; fi
    umount "$full"
else
    echo "skip: disk-full test needs root and mount -t tmpfs"
fi
