# disk.gp - image filesystem usage per node over time, for one config.
#
# Reads DATADIR/disk.csv (header line, comma separated; written for
# scenarios with a disk capacity and at most 20 nodes, sim/output.c):
#   t_s, node, used_bytes, capacity_bytes, used_pct, gc_high_pct,
#   gc_low_pct, disk_pressure
# one row per node per sample. Draws used_pct of every node with a
# capacity, one line each, and three horizontal lines: the image GC high
# and low thresholds (imageGCHighThresholdPercent / LowThresholdPercent,
# the largest over the nodes) and the eviction threshold
# imagefs.available < 15% (85% used), where DiskPressure starts.
#
# Parameters (gnuplot -d -e "..." disk.gp):
#   datadir   results/<scenario>/<config>
#   out       output file;  term  'png' (default) or 'svg'
#   svgout    optional: also render an SVG there, in the same process
#   scenario, config   names for the title (default: datadir)
# Run by sim/plot.c; needs gnuplot >= 5.4.

if (GPVAL_VERSION < 5.4) exit error "disk.gp: needs gnuplot 5.4 or later"
if (!exists("datadir")) exit error "disk.gp: parameter 'datadir' is required"
if (!exists("out")) exit error "disk.gp: parameter 'out' is required"
if (!exists("term")) term = 'png'
if (!exists("scenario")) scenario = datadir
if (!exists("config")) config = ''
if (term eq 'svg') {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
} else {
    if (term ne 'png') { exit error "disk.gp: term must be 'png' or 'svg'" }
    set terminal pngcairo size 1000,600 noenhanced font 'sans,12' background rgb 'white'
}

f = datadir . '/disk.csv'
set datafile separator ','
set datafile columnheaders

undefine STATS_*
stats f using (column("node")) nooutput
rows = exists("STATS_records") ? STATS_records : 0
nodes = rows > 0 ? int(STATS_max) + 1 : 0
high = 85
low = 80
if (rows > 0) {
    stats f using (column("gc_high_pct")) nooutput
    high = STATS_max
    stats f using (column("gc_low_pct")) nooutput
    low = STATS_max
}
EVICT = 85

set output out
set title sprintf("Image filesystem usage per node - %s%s%s", scenario, \
    config ne '' ? ' / ' : '', config)
set xlabel "time since simulation start (s)"
set ylabel "used (% of capacity)"
set xrange [0:*]
set yrange [0:100]
set grid xtics ytics lt 1 lw 1 lc rgb '#dddddd'
set key below horizontal height 1 samplen 3
set arrow 1 from graph 0, first high to graph 1, first high nohead lw 2 dt 2 lc rgb '#d62728' front
set arrow 2 from graph 0, first low to graph 1, first low nohead lw 2 dt 2 lc rgb '#2ca02c' front
set arrow 3 from graph 0, first EVICT to graph 1, first EVICT nohead lw 2 dt 3 lc rgb '#000000' front
set label 1 sprintf("GC high %g%%", high) at graph 0.01, first high offset 0, 0.7 tc rgb '#d62728'
set label 2 sprintf("GC low %g%%", low) at graph 0.01, first low offset 0, -0.9 tc rgb '#2ca02c'
set label 3 "eviction: imagefs.available < 15%" at graph 0.99, first EVICT right \
    offset 0, 0.7 tc rgb '#000000'

if (nodes == 0) {
    set label 4 "no disk samples" at graph 0.5, 0.5 center
    unset key
    set xrange [0:1]
    plot NaN notitle
} else {
    # Rows come per sample in node order: node n is every nodes-th row from n.
    plot for [n = 0:nodes - 1] f every nodes::n using (column("t_s")):(column("used_pct")) \
             with lines lw 2 title sprintf("node %d", n)
}
unset output
# The SVG from the same process: the data is read and prepared once.
if (exists("svgout")) {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
    set output svgout
    replot
    unset output
}
