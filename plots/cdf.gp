# cdf.gp - CDF of pod ready latency, every kubelet config of one run overlaid.
#
# Reads RESULTSDIR/<config>/pods.csv for each config (header line, comma
# separated; columns used: ready_s, latency_s). Pods whose ready_s is empty
# never became ready: they count in the denominator but never in the curve,
# so a curve that plateaus below 1 shows the share of pods left unready.
# x = seconds from pod creation to ready, y = fraction of all pods ready.
#
# Parameters (gnuplot -d -e "..." cdf.gp):
#   resultsdir  results/<scenario> (datadir is accepted as a synonym)
#   configs     space-separated config names, e.g. 'serial parallel5'
#   out         output file;  term  'png' (default) or 'svg'
#   scenario    name for the title (default: resultsdir)
# Run by sim/plot.c; needs gnuplot >= 5.4.

if (GPVAL_VERSION < 5.4) exit error "cdf.gp: needs gnuplot 5.4 or later"
if (!exists("resultsdir") && exists("datadir")) resultsdir = datadir
if (!exists("resultsdir")) exit error "cdf.gp: parameter 'resultsdir' is required"
if (!exists("configs")) exit error "cdf.gp: parameter 'configs' is required"
if (!exists("out")) exit error "cdf.gp: parameter 'out' is required"
if (!exists("term")) term = 'png'
if (!exists("scenario")) scenario = resultsdir
if (term eq 'svg') {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
} else {
    if (term ne 'png') { exit error "cdf.gp: term must be 'png' or 'svg'" }
    set terminal pngcairo size 1000,600 noenhanced font 'sans,12' background rgb 'white'
}

nc = words(configs)
if (nc < 1) exit error "cdf.gp: 'configs' names no config"
podsfile(i) = resultsdir . '/' . word(configs, i) . '/pods.csv'

set datafile separator ','
set datafile columnheaders
# A pod is ready iff its ready_s cell is non-empty; an empty cell reads as NaN.
# 'missing NaN' makes gnuplot skip such rows; an undefined point would
# instead split the data into separately smoothed pieces.
set datafile missing NaN
ready_latency(dummy) = (r = column("ready_s"), r == r ? column("latency_s") : NaN)

# Pass 1: pods per config (N) and ready pods (R), global latency maximum.
array N[nc]
array R[nc]
xmax = 0
rtotal = 0
do for [i = 1:nc] {
    undefine STATS_*
    stats podsfile(i) using (1) nooutput
    N[i] = exists("STATS_records") ? STATS_records : 0
    undefine STATS_*
    stats podsfile(i) using (ready_latency(0)) nooutput
    R[i] = exists("STATS_records") ? STATS_records : 0
    if (R[i] > 0 && STATS_max > xmax) { xmax = STATS_max }
    rtotal = rtotal + R[i]
}
if (xmax <= 0) { xmax = 1 }

# Big runs have up to millions of pods; above MAXPTS ready pods a config's
# latencies are rounded up to one of MAXPTS bins, which keeps the SVG small.
# Rounding up keeps the curve exact at every bin edge.
MAXPTS = 2000
binw = xmax / MAXPTS
binned(x, n) = n > MAXPTS ? ceil(x / binw) * binw : x

# Pass 2: one index per config in $CDF, a step function that starts at
# (0,0) and runs flat to xmax after its last pod. 'smooth frequency' sorts
# and merges equal latencies (counts); the loop accumulates them.
set print $CDF
do for [i = 1:nc] {
    print "0 0"
    cum = 0
    if (R[i] > 0) {
        set yrange [0:*]
        set table $T
        plot podsfile(i) using (binned(ready_latency(0), R[i])):(1) smooth frequency
        unset table
        do for [k = 1:|$T|] {
            L = $T[k]
            if (words(L) >= 2) { if (L[1:1] ne "#") {
                cum = cum + word(L, 2)
                print sprintf("%s %.9g", word(L, 1), cum / (1.0 * N[i]))
            } }
        }
    }
    print sprintf("%.9g %.9g", xmax, N[i] > 0 ? cum / (1.0 * N[i]) : 0)
    print ""
    print ""
}
unset print
undefine $T

set output out
set datafile separator whitespace
set datafile nocolumnheaders
set title sprintf("Pod ready latency CDF - %s", scenario)
set xlabel "pod ready latency, creation to ready (s)"
set ylabel "fraction of pods ready"
set xrange [0:xmax * 1.02]
set yrange [0:1.05]
set ytics 0.1
set grid xtics ytics lt 1 lw 1 lc rgb '#dddddd'
set key below horizontal height 1
if (rtotal == 0) {
    set label 1 "no pod became ready" at graph 0.5, 0.5 center
}
# Curves of different configs often coincide; dashes keep each one visible.
set linetype 1 lc rgb '#1f77b4' lw 2 dt 1
set linetype 2 lc rgb '#ff7f0e' lw 2 dt 2
set linetype 3 lc rgb '#2ca02c' lw 2 dt 3
set linetype 4 lc rgb '#d62728' lw 2 dt 4
set linetype 5 lc rgb '#9467bd' lw 2 dt 1
set linetype 6 lc rgb '#8c564b' lw 2 dt 2
set linetype 7 lc rgb '#e377c2' lw 2 dt 3
set linetype 8 lc rgb '#17becf' lw 2 dt 4
set linetype cycle 8
plot for [i = 0:nc - 1] $CDF index i using 1:2 with steps lt (i + 1) title word(configs, i + 1)
unset output
