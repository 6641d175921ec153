# throughput.gp - registry egress and pull counts over time, for one config.
#
# Reads DATADIR/timeseries-plot.csv, written by pullsim with the results
# (sim/obs/output.c): timeseries.csv's columns plus interval_s (the sample
# interval), cut to a min/max envelope of at most 2000 rows on long runs
# (each bucket of samples gives its extremes, in time order, so peaks stay
# visible). Header line, comma separated:
#   t_s, registry_egress_Bps, active_pulls, queued_pulls, ...,
#   then per registry HOST_egress_Bps, HOST_capacity_Bps (found by name)
# Left axis: registry egress in MB/s (1 MB = 10^6 B); a row's egress is the
# mean over the sample interval ending at t_s (sim/world.h), so it is drawn
# as a step over that interval (interval_s).
# Right axis: image pulls in progress and pulls waiting in the kubelet
# queue, sampled at t_s. Registry outages (outages.csv) are shaded. With
# the total (filled) comes each registry's own egress and, dashed in the
# same colour, its capacity (egressBandwidth, following its changes): the
# gap between them says whether the registry is the bottleneck.
#
# Parameters (gnuplot -d -e "..." throughput.gp):
#   datadir   results/<scenario>/<config>
#   out       output file;  term  'png' (default) or 'svg'
#   svgout    optional: also render an SVG there, in the same process
#   scenario, config   names for the title (default: datadir)
# Run by sim/plot.c; needs gnuplot >= 5.4.

if (GPVAL_VERSION < 5.4) exit error "throughput.gp: needs gnuplot 5.4 or later"
if (!exists("datadir")) exit error "throughput.gp: parameter 'datadir' is required"
if (!exists("out")) exit error "throughput.gp: parameter 'out' is required"
if (!exists("term")) term = 'png'
if (!exists("scenario")) scenario = datadir
if (!exists("config")) config = ''
if (term eq 'svg') {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
} else {
    if (term ne 'png') { exit error "throughput.gp: term must be 'png' or 'svg'" }
    set terminal pngcairo size 1000,600 noenhanced font 'sans,12' background rgb 'white'
}

f = datadir . '/timeseries-plot.csv'
set datafile separator ','
set datafile columnheaders
dirof(s) = strstrt(s, "/") > 0 ? s[1:strstrt(s, "/")] . dirof(s[strstrt(s, "/") + 1:]) : ""
load dirof(ARG0) . 'outages.gp'
set datafile missing NaN

undefine STATS_*
stats f using (column("interval_s")) nooutput
rows = exists("STATS_records") ? STATS_records : 0
dt = rows > 0 ? STATS_min : 0
cols = exists("STATS_columns") ? STATS_columns : 0

# Registries: the columns whose header ends in "_egress_Bps", each followed
# by its "_capacity_Bps".
ends(h, tail) = strlen(h) > strlen(tail) && h[strlen(h) - strlen(tail) + 1:] eq tail
array EG[cols > 0 ? cols : 1]
nreg = 0
if (rows > 0) {
    do for [c = 5:cols] {
        h = ''
        stats f every ::0::0 using (h = columnhead(c), 0) nooutput
        if (ends(h, '_egress_Bps')) { nreg = nreg + 1; EG[nreg] = c }
    }
}
array HOSTS[nreg > 0 ? nreg : 1]
# gnuplot evaluates an element's title even when its loop is empty.
HOSTS[1] = ''
if (nreg == 0) { EG[1] = 1 }
do for [i = 1:nreg] {
    h = ''
    stats f every ::0::0 using (h = columnhead(EG[i]), 0) nooutput
    HOSTS[i] = h[1:strlen(h) - 11]
}
REG = '#ff7f0e #9467bd #8c564b #17becf'
pick(list, i) = word(list, (i - 1) % 4 + 1)

set output out
set title sprintf("Registry egress and image pulls - %s%s%s", scenario, \
    config ne '' ? ' / ' : '', config)
set xlabel "time since simulation start (s)"
set ylabel "registry egress (MB/s)"
set y2label "image pulls (count)"
set ytics nomirror
set y2tics
set xrange [0:*]
set yrange [0:*]
set y2range [0:*]
set grid xtics ytics lt 1 lw 1 lc rgb '#dddddd'
set key below horizontal height 1 samplen 3

if (rows == 0) {
    set label 1 "no time-series samples" at graph 0.5, 0.5 center
    unset key
    set xrange [0:1]
    set yrange [0:1]
    set y2range [0:1]
    plot NaN notitle
} else {
    plot f using (column("t_s") - dt):(column("registry_egress_Bps") / 1e6) axes x1y1 \
             with fillsteps fs solid 1.0 noborder lc rgb '#c6dbef' \
             title (nreg > 1 ? "all registries MB/s (left)" : ""), \
         for [i = 1:(nreg > 1 ? 0 : 1)] '' using (column("t_s") - dt):\
             (column("registry_egress_Bps") / 1e6) axes x1y1 \
             with steps lw 2 lc rgb '#1f77b4' title "egress MB/s (left)", \
         for [i = 1:(nreg > 1 ? nreg : 0)] '' using (column("t_s") - dt):(column(EG[i]) / 1e6) \
             axes x1y1 with steps lw 2 lc rgb pick(REG, i) title sprintf("%s MB/s", HOSTS[i]), \
         for [i = 1:nreg] '' using (column("t_s") - dt):(column(EG[i] + 1) / 1e6) axes x1y1 \
             with steps lw 1.5 dt 4 lc rgb (nreg > 1 ? pick(REG, i) : '#1f77b4') \
             title sprintf("%s capacity", HOSTS[i]), \
         '' using (column("t_s")):(column("active_pulls")) axes x1y2 \
             with steps lw 2 lc rgb '#2ca02c' title "active pulls (right)", \
         '' using (column("t_s")):(column("queued_pulls")) axes x1y2 \
             with steps lw 2 dt 2 lc rgb '#d62728' title "queued pulls (right)", \
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
