# versions.gp - version skew: pods per workload running each image digest
# over time, for one config.
#
# Reads DATADIR/versions.csv (header line, comma separated; written for
# scenarios with a push event, sim/output.c): t_s, then one column per
# (workload, container, image) series headed "WORKLOAD/CONTAINER DIGEST12",
# holding how many pods' containers had started with that image by t_s.
# Draws one step line per series: after a tag moves, the old digest's line
# stops rising and the new one's starts; both flat at the end is skew.
#
# Parameters (gnuplot -d -e "..." versions.gp):
#   datadir   results/<scenario>/<config>
#   out       output file;  term  'png' (default) or 'svg'
#   scenario, config   names for the title (default: datadir)
# Run by sim/plot.c; needs gnuplot >= 5.4.

if (GPVAL_VERSION < 5.4) exit error "versions.gp: needs gnuplot 5.4 or later"
if (!exists("datadir")) exit error "versions.gp: parameter 'datadir' is required"
if (!exists("out")) exit error "versions.gp: parameter 'out' is required"
if (!exists("term")) term = 'png'
if (!exists("scenario")) scenario = datadir
if (!exists("config")) config = ''
if (term eq 'svg') {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
} else {
    if (term ne 'png') { exit error "versions.gp: term must be 'png' or 'svg'" }
    set terminal pngcairo size 1000,600 noenhanced font 'sans,12' background rgb 'white'
}

f = datadir . '/versions.csv'
set datafile separator ','
set datafile columnheaders

# Columns and rows; a run with no started container has only t_s.
undefine STATS_*
stats f using 1 nooutput
rows = exists("STATS_records") ? STATS_records : 0
cols = exists("STATS_columns") ? STATS_columns : 1

set output out
set title sprintf("Pods per image digest (version skew) - %s%s%s", scenario, \
    config ne '' ? ' / ' : '', config)
set xlabel "time since simulation start (s)"
set ylabel "pods running the digest"
set xrange [0:*]
set yrange [0:*]
set grid xtics ytics lt 1 lw 1 lc rgb '#dddddd'
set key below horizontal height 1 samplen 3 maxrows 4

if (rows == 0 || cols < 2) {
    set label 1 "no container started" at graph 0.5, graph 0.5 center
    plot [0:1] [0:1] NaN notitle
} else {
    # Dash types differ so that series with equal counts stay visible.
    plot for [i = 2:cols] f using 1:i with steps lw 2 dashtype i - 1 title columnheader(i)
}
