# backoff.gp - image pull attempts per pod over time: the back-off steps.
#
# Reads DATADIR/pulls.csv (header line, comma separated; columns used: pod,
# requested_s, finished_s, result) and DATADIR/pods.csv (pod, ready_s).
# One row per pod (pod 0 on top). Each pull request is a mark at its
# requested_s: a red cross when it failed (ErrImagePull), a green circle
# when it succeeded, a grey one when it was still going at the end. A red
# line runs from each failure to the pod's next attempt: the image pull
# back-off (10 s doubling to 300 s) plus the wait for the next pod re-sync,
# so a run of failures draws ever longer steps. A green diamond marks the
# time the pod became ready (a pod may become ready without a pull of its
# own when another pod on its node pulled the image first). Pods with no
# pull at all keep an empty row. Rows are named as the trace names pods
# (<workload>-<pod>) up to 40 pods; registry outages (outages.csv) are
# shaded.
#
# Parameters (gnuplot -d -e "..." backoff.gp):
#   datadir   results/<scenario>/<config>
#   out       output file;  term  'png' (default) or 'svg'
#   svgout    optional: also render an SVG there, in the same process
#   scenario, config   names for the title (default: datadir)
# Run by sim/plot.c; needs gnuplot >= 5.4.

if (GPVAL_VERSION < 5.4) exit error "backoff.gp: needs gnuplot 5.4 or later"
if (!exists("datadir")) exit error "backoff.gp: parameter 'datadir' is required"
if (!exists("out")) exit error "backoff.gp: parameter 'out' is required"
if (!exists("term")) term = 'png'
if (!exists("scenario")) scenario = datadir
if (!exists("config")) config = ''
if (term eq 'svg') {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
} else {
    if (term ne 'png') { exit error "backoff.gp: term must be 'png' or 'svg'" }
    set terminal pngcairo size 1000,600 noenhanced font 'sans,12' background rgb 'white'
}

f = datadir . '/pulls.csv'
g = datadir . '/pods.csv'
set datafile separator ','
set datafile columnheaders
dirof(s) = strstrt(s, "/") > 0 ? s[1:strstrt(s, "/")] . dirof(s[strstrt(s, "/") + 1:]) : ""
load dirof(ARG0) . 'outages.gp'

# Extent: pods (from pods.csv, so pods without pulls keep their row) and
# the last time mentioned.
undefine STATS_*
stats g using (column("pod")) nooutput
npods = exists("STATS_records") ? STATS_max + 1 : 0
undefine STATS_*
stats f using (column("pod")) nooutput
rows = exists("STATS_records") ? STATS_records : 0
if (rows > 0 && STATS_max + 1 > npods) { npods = STATS_max + 1 }
tend = 0
do for [c in "requested_s finished_s"] {
    undefine STATS_*
    stats f using (column(c)) nooutput
    if (exists("STATS_records")) { if (STATS_max > tend) { tend = STATS_max } }
}
undefine STATS_*
stats g using (column("ready_s")) nooutput
if (exists("STATS_records")) { if (STATS_max > tend) { tend = STATS_max } }
xr = (tend > 0 ? tend : 1) * 1.02

isnum(x) = x == x
failed(dummy) = strcol("result") eq "failed"
ok(dummy) = strcol("result") eq "ok"
# Elements with no point at all are left out (plot for [i = 1:0] draws
# nothing), so gnuplot has nothing to warn about.
nfailed = 0
nok = 0
if (rows > 0) {
    stats f using (failed(0) ? 1 : 0) nooutput
    nfailed = STATS_sum
    stats f using (ok(0) ? 1 : 0) nooutput
    nok = STATS_sum
}
nother = rows - nfailed - nok
nready = 0
if (npods > 0) {
    stats g using (isnum(column("ready_s")) ? 1 : 0) nooutput
    nready = STATS_sum
}
has(n) = n > 0 ? 1 : 0
# Per pod: when its previous pull failed (NaN if it did not). Pulls of one
# pod appear in pulls.csv in the order they were requested, so one pass in
# file order pairs each failure with the pod's next attempt.
array LAST[npods > 0 ? npods : 1]
reset_last(dummy) = sum [i = 1:|LAST|] (LAST[i] = NaN, 0)
# Draws the wait before this attempt (x from the previous failure), then
# remembers this pull's failure time.
wait_from(p) = (x = LAST[p + 1], LAST[p + 1] = failed(0) ? column("finished_s") : NaN, x)

set output out
set title sprintf("Image pull attempts per pod - %s%s%s", scenario, \
    config ne '' ? ' / ' : '', config)
set xlabel "time since simulation start (s)"
set ylabel "pod"
set xrange [0:xr]
set yrange [npods - 0.5:-0.5]
names = npods > 0 && npods <= 40
if (names) {
    set ytics 0, 1, (npods > 0 ? npods - 1 : 0) font ',9'
    unset ytics
    set ytics font ',9'
    set ylabel ""
} else {
    set ytics autofreq
}
set grid xtics lt 1 lw 1 lc rgb '#dddddd'
set key below horizontal height 1 maxrows 2
set rmargin 8
set pointsize 1.2

if (rows == 0) {
    set label 1 "no image pulls" at graph 0.5, 0.5 center
    unset key
    unset ytics
    set yrange [0:1]
    plot NaN notitle
} else {
    dummy = reset_last(0)
    plot for [i = 1:has(nfailed)] f \
             using (p = column("pod"), x0 = wait_from(p), x0):(p):(column("requested_s") - x0):(0) \
             with vectors nohead lw 2 lc rgb '#f2b0b0' title "back-off wait (failure to next attempt)", \
         for [i = 1:has(nfailed)] f using (failed(0) ? column("requested_s") : NaN):(column("pod")) \
             with points pt 2 lw 2 lc rgb '#d62728' title "attempt failed (ErrImagePull)", \
         for [i = 1:has(nok)] f using (ok(0) ? column("requested_s") : NaN):(column("pod")) \
             with points pt 6 lw 2 lc rgb '#2ca02c' title "attempt succeeded", \
         for [i = 1:has(nother)] f \
             using (!ok(0) && !failed(0) ? column("requested_s") : NaN):(column("pod")) \
             with points pt 6 lw 2 lc rgb '#7f7f7f' title "attempt still pulling", \
         for [i = 1:has(nready)] g using (column("ready_s")):(column("pod")) \
             with points pt 13 lc rgb '#2ca02c' title "pod ready", \
         for [i = 1:(names ? 1 : 0)] g using (NaN):(column("pod")):\
             ytic(sprintf("%s-%d", strcol("workload"), column("pod"))) notitle, \
         keyentry with boxes fs solid 1.0 border lc rgb '#e8a8a0' fc rgb OUTAGE_COLOR title (OUTAGES > 0 ? OUTAGE_TITLE : "")
}
unset output
# The SVG from the same process: the data is read and prepared once.
if (exists("svgout")) {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
    set output svgout
    replot
    unset output
}
