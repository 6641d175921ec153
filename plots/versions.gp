# versions.gp - version skew: pods per workload running each image digest
# over time, one panel per workload, for one config.
#
# Reads DATADIR/versions.csv (header line, comma separated; written for
# scenarios with a push event, sim/output.c): t_s, then one column per
# (workload, container, image) series headed "WORKLOAD/CONTAINER DIGEST12",
# holding how many pods' containers had started with that image by t_s.
# Each panel draws one step line per digest of that workload: after a tag
# moves, the old digest's line stops rising and the new one's starts; two
# lines flat at the end is skew.
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
if (term ne 'png' && term ne 'svg') { exit error "versions.gp: term must be 'png' or 'svg'" }

f = datadir . '/versions.csv'
set datafile separator ','
set datafile columnheaders

# Columns, rows and the series' headers; a run with no started container
# has only t_s.
undefine STATS_*
stats f using 1 nooutput
rows = exists("STATS_records") ? STATS_records : 0
cols = exists("STATS_columns") ? STATS_columns : 1
# The run may end right after the last change (nothing left to do): the
# x axis goes 12% further, each series carries on from its last sample as a
# dotted line, and a dotted rule marks the end, so the final counts are read
# at the right edge, not on it.
tmax = rows > 0 ? STATS_max : 1
xmax = tmax > 0 ? tmax * 1.12 : 1
array H[cols > 1 ? cols : 2]
if (rows > 0 && cols > 1) {
    stats f using (sum [i = 2:cols] (H[i] = columnhead(i), 0)) nooutput
}
# "web/web a1a1a1a1a1a1" -> workload "web", series label "web a1a1a1a1a1a1".
workload(s) = s[1:strstrt(s, '/') - 1]
label(s) = s[strstrt(s, '/') + 1:*]
# Workloads in order of first appearance (Kubernetes names: no spaces).
W = ''
if (cols > 1) {
    do for [i = 2:cols] {
        if (strstrt(' ' . W . ' ', ' ' . workload(H[i]) . ' ') == 0) { W = W . ' ' . workload(H[i]) }
    }
}
panels = words(W) > 0 ? words(W) : 1
# One colour per digest, the same in every panel.
array C[cols > 1 ? cols : 2]
D = ''
if (cols > 1) {
    do for [i = 2:cols] {
        d = H[i][strlen(H[i]) - 11:*]
        if (strstrt(D, d) == 0) { D = D . ' ' . d }
        C[i] = int(strstrt(D, d) / 13) + 1
    }
}

height = 120 + 220 * panels
if (term eq 'svg') {
    set terminal svg size 1000,height dynamic noenhanced font 'sans,12' background rgb 'white'
} else {
    set terminal pngcairo size 1000,height noenhanced font 'sans,12' background rgb 'white'
}
set output out
set grid xtics ytics lt 1 lw 1 lc rgb '#dddddd'
set key outside right top vertical samplen 3
set xrange [0:xmax]
set yrange [0:*]
# A line at the top count stays off the frame.
set offsets 0, 0, graph 0.1, 0
set ylabel "pods"
set arrow 1 from tmax, graph 0 to tmax, graph 1 nohead dt 3 lc rgb '#777777'
set label 2 "end of run" at tmax, graph 0.95 right offset -0.5, 0 font ',9' textcolor rgb '#777777'


if (rows == 0 || cols < 2) {
    set title sprintf("Pods per image digest - %s%s%s", scenario, config ne '' ? ' / ' : '', config)
    set label 1 "no container started" at graph 0.5, graph 0.5 center
    plot [0:1] [0:1] NaN notitle
} else {
    set multiplot layout panels, 1 title sprintf("Pods per image digest (version skew) - %s%s%s", \
        scenario, config ne '' ? ' / ' : '', config)
    # Same plot area in every panel, whatever the width of its key.
    set lmargin at screen 0.08
    set rmargin at screen 0.74
    do for [k = 1:panels] {
        w = word(W, k)
        set title sprintf("workload %s", w)
        if (k == panels) { set xlabel "time since simulation start (s)" } else { unset xlabel }
        plot for [i = 2:cols] f using 1:(workload(H[i]) eq w ? column(i) : NaN) \
             with steps lw 2 lc C[i] title (workload(H[i]) eq w ? label(H[i]) : ''), \
             for [i = 2:cols] f every ::(rows - 1)::(rows - 1) \
             using 1:(workload(H[i]) eq w ? column(i) : NaN):(xmax - column(1)):(0) \
             with vectors nohead lw 2 dt 3 lc C[i] notitle
    }
    unset multiplot
}
