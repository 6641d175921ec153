# registry.gp - registry requests and errors over time, for one config.
#
# Reads DATADIR/timeseries-plot.csv, written by pullsim with the results
# (sim/obs/output.c): timeseries.csv's columns plus interval_s (the sample
# interval), cut to a min/max envelope of at most 2000 rows on long runs
# (each bucket of samples gives its extremes, in time order, so peaks stay
# visible). Header line, comma separated: after
#   t_s, registry_egress_Bps, active_pulls, queued_pulls
# come three columns per registry, in scenario order:
#   <host>_requests, <host>_failures, <host>_throttled
# = requests sent, requests that failed or were left hanging (429s
# included), and requests answered 429, within the sample interval ending
# at t_s (sim/world.h). Each is drawn as a rate (per second over its
# interval), as a step over that interval: requests solid, failures red
# and dashed (over the requests: when every request fails they coincide),
# 429s dark and dotted. A file without those columns (written before they
# existed) gives an empty chart with a note.
#
# Parameters (gnuplot -d -e "..." registry.gp):
#   datadir   results/<scenario>/<config>
#   out       output file;  term  'png' (default) or 'svg'
#   svgout    optional: also render an SVG there, in the same process
#   scenario, config   names for the title (default: datadir)
# Run by sim/plot.c; needs gnuplot >= 5.4.

if (GPVAL_VERSION < 5.4) exit error "registry.gp: needs gnuplot 5.4 or later"
if (!exists("datadir")) exit error "registry.gp: parameter 'datadir' is required"
if (!exists("out")) exit error "registry.gp: parameter 'out' is required"
if (!exists("term")) term = 'png'
if (!exists("scenario")) scenario = datadir
if (!exists("config")) config = ''
if (term eq 'svg') {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
} else {
    if (term ne 'png') { exit error "registry.gp: term must be 'png' or 'svg'" }
    set terminal pngcairo size 1000,600 noenhanced font 'sans,12' background rgb 'white'
}

f = datadir . '/timeseries-plot.csv'
set datafile separator ','
set datafile columnheaders
dirof(s) = strstrt(s, "/") > 0 ? s[1:strstrt(s, "/")] . dirof(s[strstrt(s, "/") + 1:]) : ""
load dirof(ARG0) . 'outages.gp'

undefine STATS_*
stats f using (column("interval_s")) nooutput
rows = exists("STATS_records") ? STATS_records : 0
dt = rows > 0 ? STATS_min : 0
if (dt <= 0) { dt = 1 }

# Registries: the header names of columns 5, 8, 11, ... ending in
# "_requests" (columnhead() of a column that is not there is "").
FIRST = 5
nreg = 0
if (rows > 0) {
    do for [c = FIRST:FIRST + 3 * 100:3] {
        h = ''
        stats f every ::0::0 using (h = columnhead(c), 0) nooutput
        if (strlen(h) > 9 && h[strlen(h) - 8:] eq '_requests' && nreg == (c - FIRST) / 3) {
            nreg = nreg + 1
        }
    }
}
array HOST[nreg > 0 ? nreg : 1]
if (nreg > 0) {
    do for [i = 1:nreg] {
        h = ''
        stats f every ::0::0 using (h = columnhead(FIRST + 3 * (i - 1)), 0) nooutput
        HOST[i] = h[1:strlen(h) - 9]
    }
}
col(i, k) = FIRST + 3 * (i - 1) + k
rate(i, k) = column(col(i, k)) / dt

set output out
set title sprintf("Registry requests and errors - %s%s%s", scenario, \
    config ne '' ? ' / ' : '', config)
set xlabel "time since simulation start (s)"
set ylabel "requests per second"
set xrange [0:*]
set yrange [0:*]
set grid xtics ytics lt 1 lw 1 lc rgb '#dddddd'
set key below horizontal height 1 samplen 3
# Per registry (cycling after 4): a colour for its requests, a red-ish one
# for its failures drawn over them, a dark one for its 429s.
REQ = '#1f77b4 #2ca02c #9467bd #8c564b'
ERR = '#d62728 #ff7f0e #e377c2 #bcbd22'
THR = '#5a0000 #7a3c00 #6a1050 #55550a'
pick(list, i) = word(list, (i - 1) % 4 + 1)

if (nreg == 0) {
    set label 1 (rows == 0 ? "no time-series samples" : "no registry request columns") \
        at graph 0.5, 0.5 center
    unset key
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
} else {
    plot for [i = 1:nreg] f using (column("t_s") - dt):(rate(i, 0)) \
             with steps lw 2 lc rgb pick(REQ, i) title sprintf("%s requests", HOST[i]), \
         for [i = 1:nreg] f using (column("t_s") - dt):(rate(i, 1)) \
             with steps lw 2 dt 2 lc rgb pick(ERR, i) title sprintf("%s failures", HOST[i]), \
         for [i = 1:nreg] f using (column("t_s") - dt):(rate(i, 2)) \
             with steps lw 2 dt 3 lc rgb pick(THR, i) title sprintf("%s 429s", HOST[i]), \
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
