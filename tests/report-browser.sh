#!/bin/sh
# report.html in a real browser. Usage: report-browser.sh PULLSIM
# Runs scenarios/quickstart.yaml with plots, loads results/.../report.html
# from the file system in headless Chromium (Debian 'chromium', installed by
# 'make test' through tests/deps.sh; the machine may have no network, and
# Chromium is kept off it), and checks that:
#  - the page logs no console message (error or otherwise) while loading;
#  - the DOM holds the numbers summary.json has (pods ready, mean, p90 per
#    config), one inline <svg> per plot file written, and the trace of the
#    slowest pod;
#  - the page loads nothing from outside itself (no src=, no <link>, no
#    url() but in-page references);
# and saves a screenshot to plots/examples/report.png (the README shows it).
# Self-test: a page with a script error must be caught by the same check.
set -u
bin=$1
. tests/checks.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tally() { checks_tally browser "$bin"; }

if ! command -v chromium >/dev/null 2>&1; then
    bad "chromium not found (make test installs the Debian package 'chromium')"
    tally; exit 1
fi

# chromium URL OUT_ARGS...: one headless load with a fresh profile; stderr
# (with console messages as INFO:CONSOLE lines) goes to $tmp/chromium.err.
browse() {
    url=$1; shift
    rm -rf "$tmp/profile"
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 \
        "$@" "$url" 2>"$tmp/chromium.err"
}

console_errors() { grep -c ':CONSOLE' "$tmp/chromium.err"; }

# Self-test: the console check sees a script error.
printf '<!DOCTYPE html><html><body><script>notDefined();</script></body></html>\n' \
    >"$tmp/broken.html"
browse "file://$tmp/broken.html" --dump-dom >"$tmp/broken.dom"
if [ "$(console_errors)" -ge 1 ]; then ok; else
    bad "self-test: a script error was not seen on the console"; fi

out="$tmp/qs"
"$bin" run scenarios/quickstart.yaml --out "$out" --quiet >"$tmp/run.out" 2>&1 ||
    bad "quickstart run with plots failed: $(cat "$tmp/run.out")"
page="$out/report.html"
[ -s "$page" ] || { bad "no report.html"; tally; exit 1; }

browse "file://$page" --dump-dom >"$tmp/dom.html"
if [ -s "$tmp/dom.html" ] && [ "$(console_errors)" = 0 ]; then ok; else
    bad "report.html: empty DOM or console messages: $(grep ':CONSOLE' "$tmp/chromium.err")"; fi

# The numbers of every config's summary.json are in the rendered table.
for cfg in serial parallel5; do
    js="$out/$cfg/summary.json"
    ready=$(sed -n 's/.*"ready": *\([0-9]*\).*/\1/p' "$js" | head -n 1)
    pods=$(sed -n 's/.*"total": *\([0-9]*\).*/\1/p' "$js" | head -n 1)
    mean=$(awk -F'"mean": *' 'NF > 1 { split($2, a, /[,}]/); printf "%.2f", a[1]; exit }' "$js")
    p90=$(awk -F'"p90": *' 'NF > 1 { split($2, a, /[,}]/); printf "%.2f", a[1]; exit }' "$js")
    if [ -n "$mean" ] && [ -n "$p90" ] && [ -n "$ready" ] &&
       grep -q "<td class=\"ready\">$ready/$pods</td>" "$tmp/dom.html" &&
       grep -q "<td>$mean</td>" "$tmp/dom.html" && grep -q "<td>$p90</td>" "$tmp/dom.html"
    then ok; else bad "report DOM lacks $cfg's ready $ready/$pods, mean $mean or p90 $p90"; fi
done

# One inline picture per SVG file written.
nsvg=$(find "$out" -name '*.svg' | wc -l)
ndom=$(grep -o '<svg' "$tmp/dom.html" | wc -l)
if [ "$nsvg" -ge 7 ] && [ "$ndom" = "$nsvg" ]; then ok; else
    bad "report DOM has $ndom <svg>, $nsvg SVG files were written"; fi

# The slowest pod's trace, with its upstream events and STATUS.
slow=$(awk -F, 'NR > 1 && $6 + 0 > m { m = $6 + 0; p = $2 "-" $1 } END { print p }' "$out/serial/pods.csv")
if grep -q "pod <span class=\"pod\">$slow</span>" "$tmp/dom.html" &&
   grep -q "Successfully pulled image" "$tmp/dom.html" &&
   grep -q "Running" "$tmp/dom.html"; then ok; else
    bad "report DOM lacks the trace of the slowest serial pod '$slow'"; fi

# Self-contained: nothing to fetch.
if ! grep -q ' src=\|<link\|url([^#]\|@import' "$page"; then ok; else
    bad "report.html refers to an outside resource"; fi

browse "file://$page" --window-size=1280,1500 --hide-scrollbars \
    --screenshot="$tmp/report.png" >/dev/null
if [ -s "$tmp/report.png" ]; then
    ok
    mkdir -p plots/examples && cp "$tmp/report.png" plots/examples/report.png
else
    bad "no screenshot"
fi
tally
