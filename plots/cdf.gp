# cdf.gp - CDF of pod ready latency, every kubelet config of one run overlaid.
#
# Reads RESULTSDIR/<config>/cdf.dat for each config, written by pullsim
# with the results (sim/obs/output.c): a comment line "# pods N ready R",
# then "latency_s fraction" steps from "0 0", at most about 2000 whatever
# the number of pods (each step exact at its point: the fraction of all
# pods, ready or not, ready within that latency). Pods that never became
# ready count in the denominator but never in the curve, so a curve that
# plateaus below 1 shows the share of pods left unready.
# x = seconds from pod creation to ready, y = fraction of all pods ready.
#
# Parameters (gnuplot -d -e "..." cdf.gp):
#   resultsdir  results/<scenario> (datadir is accepted as a synonym)
#   configs     space-separated config names, e.g. 'serial parallel5'
#   out         output file;  term  'png' (default) or 'svg'
#   svgout      optional: also render an SVG there, in the same process
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
cdffile(i) = resultsdir . '/' . word(configs, i) . '/cdf.dat'

# Pass 1: the global latency maximum (the last step of each file) and the
# number of configs with a ready pod.
xmax = 0
rtotal = 0
do for [i = 1:nc] {
    undefine STATS_*
    stats cdffile(i) using 1 nooutput
    if (exists("STATS_records") && STATS_records > 1) {
        rtotal = rtotal + 1
        if (STATS_max > xmax) { xmax = STATS_max }
    }
}
if (xmax <= 0) { xmax = 1 }

# Pass 2: one index per config in $CDF, each file's steps and a flat run
# to xmax after its last pod.
set print $CDF
do for [i = 1:nc] {
    set table $T
    plot cdffile(i) using 1:2 with table
    unset table
    last = "0"
    do for [k = 1:|$T|] {
        L = $T[k]
        if (words(L) >= 2) { if (L[1:1] ne "#") {
            print sprintf("%s %s", word(L, 1), word(L, 2))
            last = word(L, 2)
        } }
    }
    print sprintf("%.9g %s", xmax, last)
    print ""
    print ""
}
unset print
undefine $T

set output out
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
# The SVG from the same process: the data is read and prepared once.
if (exists("svgout")) {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
    set output svgout
    replot
    unset output
}
